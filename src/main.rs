//! The `smtptui` binary: parses the command line and hands over to the TUI or to the
//! headless `check`. anyhow lives only here, at the edge, and so does the process
//! environment: `NO_COLOR` is read once here, secrets through [`RealSecrets`].

// Product code never unwraps: a failure is a classified error (tests may: clippy.toml).
#![deny(clippy::unwrap_used)]

use std::io::IsTerminal as _;

use clap::{CommandFactory as _, Parser as _};
use smtptui::cli::{Cli, Command, Format, SecretSource};
use smtptui::headless::{HeadlessOptions, Output, check};

struct RealSecrets;

impl SecretSource for RealSecrets {
    fn env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
    fn prompt(&self, prompt: &str) -> Option<String> {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        rpassword::prompt_password(prompt).ok()
    }
}

/// Whether `NO_COLOR` turns colours off: the one place the variable is read.
fn no_color() -> bool {
    smtptui::cli::no_color(std::env::var_os("NO_COLOR").as_deref())
}

fn init_log(path: Option<&std::path::Path>) -> anyhow::Result<()> {
    if let Some(path) = path {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        tracing_subscriber::fmt()
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .with_max_level(tracing::Level::DEBUG)
            .init();
    }
    Ok(())
}

/// Writes a whole page to stdout; a reader that stopped early (`smtptui man | head`) is
/// not an error.
fn emit(bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => Ok(r?),
    }
}

fn usage_exit(msg: &str) -> ! {
    eprintln!("smtptui: {msg}");
    eprintln!("Try 'smtptui --help'.");
    std::process::exit(2);
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let no_color = no_color();
    match cli.command {
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "smtptui",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Some(Command::Man) => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut page)?;
            emit(&page)
        }
        Some(Command::Presets) => match smtptui::presets::list_text() {
            Ok(text) => emit(text.as_bytes()),
            Err(e) => usage_exit(&e.to_string()),
        },
        Some(Command::Check(args)) => {
            init_log(args.probe.log.as_deref())?;
            let settings = args
                .probe
                .to_settings(&args.target, &RealSecrets)
                .unwrap_or_else(|e| usage_exit(&e.to_string()));
            if let Err(e) = smtptui::tls::TlsClient::new(&settings.tls) {
                usage_exit(&e.to_string());
            }
            let output = match args.format {
                Format::Json => Output::Json,
                Format::Text => Output::Text {
                    stream: !args.quiet,
                    color: !no_color && std::io::stdout().is_terminal(),
                },
            };
            let opts = HeadlessOptions {
                output,
                export: args.export,
                fail_on_warning: args.fail_on_warning,
            };
            // One thread: a check spends its time waiting on the network, and a
            // current-thread runtime starts no worker threads and hands no wake-up from
            // one thread to another (issue 14 measured it against the multi-thread one).
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let code = runtime.block_on(check(settings, opts));
            std::process::exit(code);
        }
        None => {
            // The TUI draws while probes run: worker threads keep the two apart.
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            run_tui(&cli, &runtime, no_color)
        }
    }
}

#[cfg(feature = "tui")]
fn run_tui(cli: &Cli, runtime: &tokio::runtime::Runtime, no_color: bool) -> anyhow::Result<()> {
    use smtptui::tui::{TuiOptions, run_tui};
    init_log(cli.probe.log.as_deref())?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        usage_exit("the TUI needs a terminal; for scripts use `smtptui check TARGET` (see --help)");
    }
    let mut opts = TuiOptions {
        no_color,
        // The target form takes the proxy password from here, as the CLI does.
        proxy_password: RealSecrets.proxy_password(),
        state_dir: None,
        export_dir: cli.export_dir.clone(),
        demo_note: None,
        form: None,
        scenarios: Vec::new(),
    };
    if cli.demo {
        return runtime.block_on(async {
            let lab = smtptui_lab::DemoLab::start().await?;
            let mut settings = lab.settings();
            // Options given on the command line still apply to the demo's ports.
            if !cli.probe.ports.is_empty() {
                settings.ports.clone_from(&cli.probe.ports);
            }
            opts.demo_note = Some(format!(
                "DEMO: {} scenarios smtptui diagnoses, one loopback lab server each \
                 (user {}); ↑↓ picks one",
                lab.services().len(),
                smtptui_lab::demo::DEMO_USER,
            ));
            opts.scenarios = lab
                .services()
                .into_iter()
                .map(|d| smtptui::tui::Scenario {
                    port: d.port,
                    mode: d.mode,
                    name: d.name.to_string(),
                    about: d.title.to_string(),
                })
                .collect();
            let result = run_tui(Some(settings), opts).await;
            drop(lab);
            result
        });
    }
    // Without a target the options still count: they pre-fill the target form.
    let s = match cli.target.as_ref() {
        Some(target) => cli.probe.to_settings(target, &RealSecrets),
        None => cli.probe.to_form_settings(&RealSecrets),
    }
    .unwrap_or_else(|e| usage_exit(&e.to_string()));
    if let Err(e) = smtptui::tls::TlsClient::new(&s.tls) {
        usage_exit(&e.to_string());
    }
    let settings = if cli.target.is_some() {
        Some(s)
    } else {
        opts.form = Some(s);
        None
    };
    runtime.block_on(run_tui(settings, opts))
}

#[cfg(not(feature = "tui"))]
fn run_tui(_cli: &Cli, _runtime: &tokio::runtime::Runtime, _no_color: bool) -> anyhow::Result<()> {
    usage_exit("built without the `tui` feature: use `smtptui check TARGET`");
}
