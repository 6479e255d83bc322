//! The task that owns the terminal: it waits for an engine event, a key, a mouse or
//! resize event, a signal, or — only while something runs — the ~8 Hz spinner tick;
//! drains every queued engine event, runs `update` on each message (engine events
//! included), performs the commands and draws once. Nothing wakes it while idle.

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt as _;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::model::ProbeEvent;
use crate::settings::Settings;

use super::TuiOptions;
use super::app::App;
use super::engine::{self, StepCommand};
use super::form::Form;
use super::recent;
use super::terminal::{TerminalGuard, install_panic_hook};
use super::theme::Theme;
use super::update::{Cmd, Msg, start_run, update};
use super::view::view;

/// Capacity of the engine → TUI event channel.
const EVENT_CAPACITY: usize = 1024;
/// Spinner period (8 Hz).
const TICK: Duration = Duration::from_millis(125);

/// Performs commands on behalf of `update`.
pub(crate) struct Runtime {
    events_tx: mpsc::Sender<ProbeEvent>,
    internal_tx: mpsc::Sender<Msg>,
    run_task: Option<JoinHandle<()>>,
    step: Option<mpsc::Sender<StepCommand>>,
    export_dir: PathBuf,
    state_dir: Option<PathBuf>,
    /// When the current probe run started (stepping sessions continue its clock).
    run_started: std::time::Instant,
}

impl Runtime {
    /// A runtime that sends engine events to `events_tx` and its own results
    /// (run finished, export done) to `internal_tx`.
    pub(crate) fn new(
        events_tx: mpsc::Sender<ProbeEvent>,
        internal_tx: mpsc::Sender<Msg>,
        export_dir: PathBuf,
        state_dir: Option<PathBuf>,
    ) -> Self {
        Self {
            events_tx,
            internal_tx,
            run_task: None,
            step: None,
            export_dir,
            state_dir,
            run_started: std::time::Instant::now(),
        }
    }

    /// Runs `update` on `msg` and performs what it asks for.
    pub(crate) fn deliver(&mut self, app: &mut App, msg: Msg) {
        let cmds = update(app, msg);
        self.perform(app, cmds);
    }

    /// The run's clock: milliseconds since the current probe run started.
    fn run_clock_ms(&self) -> f64 {
        self.run_started.elapsed().as_secs_f64() * 1000.0
    }

    /// Performs `cmds` (and whatever the resulting messages ask for).
    pub(crate) fn perform(&mut self, app: &mut App, cmds: Vec<Cmd>) {
        let mut queue = cmds;
        while !queue.is_empty() {
            let mut follow = Vec::new();
            for cmd in queue {
                if let Some(msg) = self.perform_one(app, cmd) {
                    follow.extend(update(app, msg));
                }
            }
            queue = follow;
        }
    }

    fn perform_one(&mut self, app: &mut App, cmd: Cmd) -> Option<Msg> {
        match cmd {
            Cmd::StartRun { run, settings } => {
                if let Some(t) = self.run_task.take() {
                    t.abort();
                }
                app.set_started_at(engine::now_rfc3339());
                self.run_started = std::time::Instant::now();
                let tx = self.events_tx.clone();
                let done = self.internal_tx.clone();
                self.run_task = Some(tokio::spawn(async move {
                    let report = engine::run(settings, run, tx).await;
                    let _ = done.send(Msg::RunFinished(run, Box::new(report))).await;
                }));
                None
            }
            Cmd::CancelRun => {
                if let Some(t) = self.run_task.take() {
                    t.abort();
                }
                None
            }
            Cmd::StepOpen {
                run,
                endpoint,
                settings,
            } => {
                self.step = Some(engine::step_spawn(
                    settings,
                    endpoint,
                    run,
                    self.run_started,
                    self.events_tx.clone(),
                ));
                None
            }
            Cmd::StepNext { command } => self.step_send(StepCommand::Next { command }),
            Cmd::StepRaw(line) => self.step_send(StepCommand::Raw(line)),
            Cmd::StepClose => {
                if let Some(tx) = self.step.take() {
                    let _ = tx.try_send(StepCommand::Close);
                }
                None
            }
            Cmd::Export { format } => {
                let report = app.export_report();
                let text = engine::render_export(&report, format);
                Some(Msg::Exported(engine::write_new(
                    &self.export_dir,
                    &report.target,
                    &text,
                    format,
                )))
            }
            Cmd::Copy(text) => {
                // OSC 52 asks the terminal to set its clipboard; between two frames,
                // from the task that owns the terminal. Never holds a secret (the
                // working-settings text and snippets carry none).
                use base64::Engine as _;
                use std::io::Write as _;
                let b64 = base64::engine::general_purpose::STANDARD.encode(text);
                let mut out = std::io::stdout();
                let _ = write!(out, "\x1b]52;c;{b64}\x07");
                let _ = out.flush();
                None
            }
            Cmd::SaveRecent(list) => {
                let dir = self.state_dir.as_ref()?;
                recent::save(dir, &list)
                    .err()
                    .map(|e| Msg::Error(e.to_string()))
            }
            Cmd::Quit => {
                if let Some(t) = self.run_task.take() {
                    t.abort();
                }
                if let Some(tx) = self.step.take() {
                    let _ = tx.try_send(StepCommand::Close);
                }
                None
            }
        }
    }

    fn step_send(&self, cmd: StepCommand) -> Option<Msg> {
        let tx = self.step.as_ref()?;
        tx.try_send(cmd)
            .err()
            .map(|e| Msg::Error(format!("stepping session: {e}")))
    }
}

/// Runs the TUI until the user quits or a signal arrives.
pub async fn run(settings: Option<Settings>, opts: TuiOptions) -> anyhow::Result<()> {
    let state_dir = opts.state_dir.clone().or_else(recent::default_state_dir);
    let recent = state_dir.as_deref().map(recent::load).unwrap_or_default();
    let mut app = App::new(
        settings.clone(),
        Theme::new(opts.no_color),
        Form::new(recent).with_proxy_password(opts.proxy_password.clone()),
    );
    app.set_demo(opts.demo_note.clone(), opts.scenarios.clone());
    if let Some(s) = settings.as_ref().or(opts.form.as_ref()) {
        app.form.load_settings(s);
    }

    let (events_tx, mut events_rx) = mpsc::channel(EVENT_CAPACITY);
    let (internal_tx, mut internal_rx) = mpsc::channel(16);
    let mut rt = Runtime::new(events_tx, internal_tx, opts.export_dir.clone(), state_dir);
    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut sigint = signal(SignalKind::interrupt())?;

    install_panic_hook();
    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    app.resize(size.width, size.height);
    if let Some(s) = settings {
        let cmds = start_run(&mut app, s);
        rt.perform(&mut app, cmds);
    }

    let mut input = EventStream::new();
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    // Watchdog: when the terminal disappears without a SIGHUP (the pty closed under a
    // detached process), crossterm's reader spins on EOF inside the main task and no
    // select branch runs again, so a plain thread ends the process instead.
    std::thread::spawn(|| {
        loop {
            std::thread::sleep(Duration::from_secs(2));
            if crossterm::terminal::size().is_err() {
                std::process::exit(129);
            }
        }
    });
    let mut dirty = true;
    // Test hook (tests/tmux.rs, feature `testing` only): a deliberate panic after the
    // first frame proves the panic hook restores the terminal.
    let panic_test = cfg!(feature = "testing")
        && std::env::var("SMTPTUI_TEST_PANIC").is_ok_and(|v| v == "after-first-frame");
    loop {
        if dirty {
            guard.terminal.draw(|f| view(&app, f))?;
            dirty = false;
            assert!(
                !panic_test,
                "SMTPTUI_TEST_PANIC: deliberate panic after the first frame"
            );
        }
        if app.quitting() {
            break;
        }
        // Biased: signals and keys first (an engine busy streaming never starves them),
        // engine events before the run's end — `RunFinished` is sent only after the
        // engine returned, so by then every event of the run is queued ahead of it.
        let msg = tokio::select! {
            biased;
            _ = sigterm.recv() => break,
            _ = sighup.recv() => break,
            _ = sigint.recv() => break,
            ev = input.next() => match ev {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => Some(Msg::Key(k)),
                Some(Ok(Event::Mouse(m))) => Some(Msg::Mouse(m)),
                Some(Ok(Event::Resize(w, h))) => Some(Msg::Resize(w, h)),
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            _ = ticker.tick(), if app.busy() => Some(Msg::Tick { now_ms: rt.run_clock_ms() }),
            Some(ev) = events_rx.recv() => {
                // Drain the queue, then draw once.
                rt.deliver(&mut app, Msg::Probe(ev));
                while let Ok(ev) = events_rx.try_recv() {
                    rt.deliver(&mut app, Msg::Probe(ev));
                }
                dirty = true;
                None
            }
            Some(msg) = internal_rx.recv() => Some(msg),
        };
        if let Some(msg) = msg {
            rt.deliver(&mut app, msg);
            dirty = true;
        }
    }
    rt.perform(&mut app, vec![Cmd::Quit]);
    drop(guard);
    Ok(())
}
