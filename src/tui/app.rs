//! The model of the Elm-style TUI: everything the screen shows. No terminal and no I/O
//! here; [`super::update`] changes it (every engine event goes through there) and
//! [`super::view`] draws it.
//!
//! What the engine told about the run lives in one [`RunView`] (read through
//! [`App::run`]); where the user is on the screen in [`Panes`]; the popup, prompt,
//! stepping session and status line beside them.

use std::sync::Arc;

use crate::model::{ProbeEvent, RunId, RunReport, TranscriptEntry};
use crate::settings::Settings;

pub use super::endpoint_view::EndpointView;
use super::form::Form;
use super::keys::Context;
use super::manual::ManualNews;
use super::recent::RecentTarget;
pub use super::run_view::{RunPhase, RunView};
pub use super::state::{
    CertPaneState, Confirm, DnsPaneState, LineRef, Pane, Panes, Popup, Prompt, PromptKind,
    RowState, Screen, SideView, Status, StepPhase, StepState, TranscriptState,
};
use super::theme::Theme;

/// What the demo adds to the screen: a note for the title, names for the matrix rows.
#[derive(Debug, Clone, Default)]
struct Demo {
    note: Option<String>,
    scenarios: Vec<crate::tui::Scenario>,
}

/// The whole model.
#[derive(Debug)]
pub struct App {
    /// Current screen.
    pub screen: Screen,
    /// The target form.
    pub form: Form,
    /// Where the user is on the main screen.
    pub panes: Panes,
    /// The popup over the screen.
    pub popup: Option<Popup>,
    /// Open prompt.
    pub prompt: Option<Prompt>,
    /// Stepping session.
    pub step: Option<StepState>,
    /// Status line message.
    pub status: Option<Status>,
    theme: Theme,
    /// Settings of the current (or last) run.
    settings: Option<Arc<Settings>>,
    run: RunView,
    demo: Demo,
    /// Spinner frame counter (advanced by ticks while something runs).
    tick: u64,
    /// Terminal size (columns, rows), for the layout and mouse hit-testing.
    size: (u16, u16),
    quit: bool,
    /// The form's target of the current run, remembered once the run reached a server
    /// (a target that never answered is not remembered).
    pending_recent: Option<(RunId, RecentTarget)>,
    /// Run ids handed out so far (runs and manual sessions).
    next_run: u64,
}

impl App {
    /// A fresh model: the form when there is no target, else the main screen (the
    /// caller then starts the run with [`super::update::start_run`]).
    pub fn new(settings: Option<Settings>, theme: Theme, form: Form) -> Self {
        let screen = if settings.is_some() {
            Screen::Main
        } else {
            Screen::Form
        };
        let target = settings
            .as_ref()
            .map(|s| s.target.clone())
            .unwrap_or_default();
        Self {
            screen,
            form,
            panes: Panes::default(),
            popup: None,
            prompt: None,
            step: None,
            status: None,
            theme,
            settings: settings.map(Arc::new),
            run: RunView::idle(target),
            demo: Demo::default(),
            tick: 0,
            size: (80, 24),
            quit: false,
            pending_recent: None,
            next_run: 0,
        }
    }

    /// The demo's title note and row names.
    pub fn set_demo(&mut self, note: Option<String>, scenarios: Vec<crate::tui::Scenario>) {
        self.demo = Demo { note, scenarios };
    }

    /// Colours.
    pub fn theme(&self) -> Theme {
        self.theme
    }

    /// Settings of the current (or last) run.
    pub fn settings(&self) -> Option<&Arc<Settings>> {
        self.settings.as_ref()
    }

    /// The current (or last) run.
    pub fn run(&self) -> &RunView {
        &self.run
    }

    /// Spinner frame counter.
    pub fn tick(&self) -> u64 {
        self.tick
    }

    /// Terminal size (columns, rows).
    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// Whether the program should end.
    pub fn quitting(&self) -> bool {
        self.quit
    }

    /// A note shown in the title (demo mode).
    pub fn note(&self) -> Option<&str> {
        self.demo.note.as_deref()
    }

    /// Whether matrix rows have scenario names (demo mode).
    pub fn has_scenarios(&self) -> bool {
        !self.demo.scenarios.is_empty()
    }

    /// The scenario an endpoint plays (demo mode), by its port and mode.
    pub fn scenario(&self, ep: &crate::model::Endpoint) -> Option<&crate::tui::Scenario> {
        self.demo
            .scenarios
            .iter()
            .find(|s| s.port == ep.port && s.mode == ep.mode)
    }

    /// The target of the form that started the current run, waiting to be remembered.
    pub fn pending_recent(&self) -> Option<&RecentTarget> {
        self.pending_recent.as_ref().map(|(_, t)| t)
    }

    /// Starts a new run with `settings`: forgets the last one and hands out its id.
    pub(super) fn begin_run(&mut self, settings: Arc<Settings>) -> RunId {
        let id = self.fresh_run_id();
        self.run = RunView::start(id, self.run.number() + 1, settings.target.clone());
        self.settings = Some(settings);
        self.panes.new_run();
        self.step = None;
        id
    }

    /// Remembers `target` once the current run reached a server.
    pub(super) fn remember_when_answered(&mut self, target: RecentTarget) {
        self.pending_recent = Some((self.run.id(), target));
    }

    /// Stops listening to the current run: its queued events will be dropped.
    pub(super) fn abandon_run(&mut self) {
        let id = self.fresh_run_id();
        self.run.cancel(id);
    }

    /// The engine's report ends run `run`; returns the target to remember, if the form
    /// started this run and it reached a server. A report of another run is dropped.
    pub(super) fn finish_run(&mut self, run: RunId, report: RunReport) -> Option<RecentTarget> {
        if run != self.run.id() {
            return None;
        }
        let pending = self.pending_recent.take();
        let remember = pending
            .filter(|(p, _)| *p == run && reached_a_server(&report))
            .map(|(_, t)| t);
        self.run.finish(report);
        remember
    }

    /// The wall-clock start of the run (RFC 3339), as the runtime saw it.
    pub(super) fn set_started_at(&mut self, at: String) {
        self.run.set_started_at(at);
    }

    /// A spinner tick at the run's clock `now_ms`.
    pub(super) fn on_tick(&mut self, now_ms: f64) {
        self.tick = self.tick.wrapping_add(1);
        self.run.set_clock(now_ms);
    }

    /// The terminal's new size.
    pub(super) fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
    }

    /// Asks the program to end.
    pub(super) fn request_quit(&mut self) {
        self.quit = true;
    }

    /// A run id no event seen so far carries.
    fn fresh_run_id(&mut self) -> RunId {
        self.next_run += 1;
        RunId(self.next_run)
    }

    /// Opens manual session N on `endpoint`; returns the run id its events will carry
    /// and its index.
    pub(super) fn open_manual(&mut self, endpoint: &crate::model::Endpoint) -> (RunId, usize) {
        let run = self.fresh_run_id();
        (run, self.run.open_manual(run, endpoint))
    }

    /// The context that decides what keys do.
    pub fn context(&self) -> Context {
        match &self.popup {
            Some(Popup::Confirm(_)) => Context::Confirm,
            Some(Popup::Help { .. }) => Context::Help,
            Some(Popup::Settings { .. }) => Context::Settings,
            None if self.screen == Screen::Form => Context::Form,
            None if self.prompt.is_some() => Context::Input,
            None if self.step.is_some() => Context::Step,
            None => Context::Main,
        }
    }

    /// Whether something is in progress (the spinner ticks only then).
    pub fn busy(&self) -> bool {
        self.run.running() || self.step.as_ref().is_some_and(StepState::busy)
    }

    /// The selected endpoint.
    pub fn selected_endpoint(&self) -> Option<&EndpointView> {
        self.run.endpoints().get(self.panes.selected)
    }

    /// Number of transcript lines in the current view.
    pub fn transcript_len(&self) -> usize {
        if self.panes.transcript.all {
            self.run.all_lines().len()
        } else {
            self.selected_endpoint()
                .map_or(self.run.run_lines().len(), |e| self.run.endpoint_lines(e))
        }
    }

    /// Line `i` of the current transcript view, with the endpoint it belongs to.
    pub fn transcript_line(&self, i: usize) -> Option<(Option<&EndpointView>, &TranscriptEntry)> {
        if self.panes.transcript.all {
            self.run.all_line(i)
        } else {
            match self.selected_endpoint() {
                Some(ep) => self.run.endpoint_line(ep, i),
                None => self.run.run_lines().get(i).map(|e| (None, e)),
            }
        }
    }

    /// Applies one engine event (from `update`). Events of another run go to the manual
    /// session that has their run id, or are dropped.
    pub(super) fn apply_event(&mut self, ev: ProbeEvent) {
        if ev.run() != self.run.id() {
            self.apply_manual_event(ev);
            return;
        }
        let planned = matches!(ev, ProbeEvent::Planned { .. });
        self.run.apply(ev);
        if planned {
            let last = self.run.endpoints().len().saturating_sub(1);
            self.panes.selected = self.panes.selected.min(last);
        }
    }

    fn apply_manual_event(&mut self, ev: ProbeEvent) {
        let Some((index, news)) = self.run.apply_manual(ev) else {
            return;
        };
        let Some(step) = self.step.as_mut().filter(|s| s.session == index) else {
            return;
        };
        match news {
            ManualNews::Line { unrecognised: true } => step.unrecognised += 1,
            ManualNews::Ready { next, in_tls } => {
                step.phase = next.map_or(StepPhase::Ended, StepPhase::Ready);
                step.edited = None;
                step.in_tls = in_tls;
            }
            ManualNews::Line { .. } | ManualNews::Other => {}
        }
    }

    /// The report to export: the run's report with every endpoint's (and the manual
    /// sessions') — what arrived so far when the run has not finished.
    pub fn export_report(&self) -> RunReport {
        self.run.export_report()
    }

    /// The matrix rows, to change them in a test.
    #[cfg(test)]
    pub(super) fn endpoints_mut(&mut self) -> &mut [EndpointView] {
        self.run.endpoints_mut()
    }
}

/// Whether a run got an answer from some server (a greeting, or MX hosts in MX mode):
/// only such targets are remembered (a typo or a dead host is not).
fn reached_a_server(report: &RunReport) -> bool {
    report.dns.as_ref().is_some_and(|d| !d.mx.is_empty())
        || report.endpoints.iter().any(|e| e.banner.is_some())
}
