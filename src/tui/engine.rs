//! The adapter to the probe engine and the exporter: the ONLY place in the TUI that
//! calls them, so the rest of the TUI depends on these few signatures.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::model::{Endpoint, ProbeEvent, RunId, RunReport};
use crate::settings::Settings;

pub use crate::probe::step::StepCommand;

/// Runs the probe matrix, streaming events into `tx`; returns the report.
pub async fn run(settings: Arc<Settings>, run: RunId, tx: mpsc::Sender<ProbeEvent>) -> RunReport {
    crate::probe::run(settings, run, tx).await
}

/// Opens an interactive session on one endpoint; returns where to send commands.
pub fn step_spawn(
    settings: Arc<Settings>,
    endpoint: Endpoint,
    run: RunId,
    run_started: std::time::Instant,
    events: mpsc::Sender<ProbeEvent>,
) -> mpsc::Sender<StepCommand> {
    let clock = crate::model::transcript::RunClock::since(run_started);
    crate::probe::step::spawn(settings, endpoint, run, clock, events)
}

/// Whether the TLS options are usable (trust anchors and client certificate load):
/// the check `smtptui check` makes before probing, in words for the form.
pub fn check_tls(tls: &crate::settings::TlsSettings) -> Result<(), String> {
    crate::tls::TlsClient::new(tls)
        .map(drop)
        .map_err(|e| e.to_string())
}

pub use crate::export::Format as ExportFormat;

/// Renders the report in an export format.
pub fn render_export(report: &RunReport, format: ExportFormat) -> String {
    format.render(report)
}

/// Writes a new export file `smtptui-TARGET-DATE.EXT` into `dir` (atomic, 0600, never
/// overwrites); returns its path, or the error in words for the status line.
pub fn write_new(
    dir: &Path,
    target: &str,
    contents: &str,
    format: ExportFormat,
) -> Result<PathBuf, String> {
    crate::export::write_new(dir, target, format.ext(), contents).map_err(|e| e.to_string())
}

/// The current wall-clock time, RFC 3339 (for the report's `started_at`).
pub fn now_rfc3339() -> String {
    crate::export::now_rfc3339()
}
