//! The interactive terminal UI (feature `tui`): the only module that uses ratatui and
//! crossterm. Elm-style: [`app::App`] is the model (the run itself in
//! [`run_view::RunView`]), [`update::Msg`] the messages — engine events included —,
//! [`update::update`] (with [`prompt`] for prompts and stepping, [`navigate`] for moving
//! around) returns [`update::Cmd`]s for the runtime, [`view::view`] draws.
//! Keys come from the single table in [`keys`]. One task ([`runtime`]) owns the
//! terminal; the engine is reached only through [`engine`].

pub mod app;
pub mod endpoint_view;
pub mod engine;
pub mod form;
pub mod form_auth;
pub mod form_submit;
pub mod input;
pub mod keys;
pub mod layout;
pub mod manual;
pub mod navigate;
pub mod preset_pick;
pub mod prompt;
pub mod recent;
pub mod run_view;
pub mod runtime;
pub mod scroll;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;

#[cfg(test)]
mod dns_tests;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod form_auth_tests;
#[cfg(test)]
mod form_flow_tests;
#[cfg(test)]
mod lab_tests;
#[cfg(test)]
mod path_tests;
#[cfg(test)]
mod render_tests;
#[cfg(test)]
mod transcript_tests;

use std::path::PathBuf;

use crate::settings::Settings;

/// Options of the TUI that are not probe settings.
#[derive(Debug, Clone, Default)]
pub struct TuiOptions {
    /// No colours: the binary sets it when `NO_COLOR` is set and not empty (it reads the
    /// variable; the TUI does not).
    pub no_color: bool,
    /// The SOCKS5 proxy password for a proxy URL the target form names with a user,
    /// obtained by the binary the way the CLI obtains it
    /// ([`crate::cli::SecretSource::proxy_password`]); only in memory.
    pub proxy_password: Option<crate::model::Secret>,
    /// Where recent targets are remembered (default: the XDG state directory).
    pub state_dir: Option<PathBuf>,
    /// Where `e` / `E` write exports.
    pub export_dir: PathBuf,
    /// A note for the title bar (demo mode).
    pub demo_note: Option<String>,
    /// Without a target: the command line's options, which pre-fill the target form
    /// (ports, `--resolve`, `--dns-server`, TLS name, CA file ...).
    pub form: Option<Settings>,
    /// Names for matrix rows by port and mode (the demo's scenarios).
    pub scenarios: Vec<Scenario>,
}

/// A name and a one-line description for the matrix rows of one port and mode: the
/// demo names each row for the scenario its lab server plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    /// The port.
    pub port: u16,
    /// The mode.
    pub mode: crate::model::Mode,
    /// Short name for the matrix (`expired certificate`).
    pub name: String,
    /// One line for the verdict pane.
    pub about: String,
}

/// Runs the interactive UI. Without settings it opens the target form first.
pub async fn run_tui(settings: Option<Settings>, opts: TuiOptions) -> anyhow::Result<()> {
    runtime::run(settings, opts).await
}
