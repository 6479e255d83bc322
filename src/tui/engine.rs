//! The adapter to the probe engine and the exporter: the ONLY place in the TUI that
//! calls them, so the rest of the TUI depends on these few signatures.
//!
//! Interim stubs until the engine lands on main; they keep the TUI compiling and
//! report plainly that no engine is linked.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::model::{
    Direction, Endpoint, ProbeEvent, RunId, RunReport, TranscriptEntry, Verdict,
    transcript::RunClock,
};
use crate::settings::Settings;

/// A command for an interactive stepping session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepCommand {
    /// Run the proposed next step, optionally with an edited command line.
    Next {
        /// The edited command.
        command: Option<String>,
    },
    /// Send a raw command line.
    Raw(String),
    /// End the session.
    Close,
}

/// Runs the probe matrix, streaming events into `tx`; returns the report.
pub async fn run(settings: Arc<Settings>, run: RunId, tx: mpsc::Sender<ProbeEvent>) -> RunReport {
    let clock = RunClock::start();
    let started = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let line = TranscriptEntry::new(clock.ms(), Direction::Error, "no probe engine in this build");
    let _ = tx.send(ProbeEvent::RunStarted { run, target: settings.target.clone() }).await;
    let _ = tx.send(ProbeEvent::RunLine { run, entry: line.clone() }).await;
    let _ = tx.send(ProbeEvent::RunDone { run, findings: Vec::new() }).await;
    RunReport::new(settings.target.clone(), started, clock.ms(), vec![line], &[], Vec::new())
}

/// Opens an interactive session on one endpoint; returns where to send commands.
pub fn step_spawn(
    _settings: Arc<Settings>,
    endpoint: Endpoint,
    run: RunId,
    events: mpsc::Sender<ProbeEvent>,
) -> mpsc::Sender<StepCommand> {
    let (tx, mut rx) = mpsc::channel::<StepCommand>(8);
    tokio::spawn(async move {
        let verdict = Verdict {
            class: crate::model::Class::ProtocolViolation,
            summary: "no probe engine in this build".into(),
            evidence: String::new(),
            advice: String::new(),
        };
        let _ = events
            .send(ProbeEvent::StepReady { run, endpoint: endpoint.id, next: None, in_tls: false, verdict })
            .await;
        while rx.recv().await.is_some() {}
    });
    tx
}

/// The text export.
pub fn to_text(report: &RunReport) -> String {
    let mut out = format!("smtptui report for {}\n", report.target);
    for e in &report.run_transcript {
        out.push_str(&format!("{:>9.3} {} {}\n", e.t_ms / 1000.0, e.dir.marker(), e.text));
    }
    out
}

/// The JSON export.
pub fn to_json(report: &RunReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_default()
}

/// Writes a new export file in `dir` (never overwrites); returns its path.
pub fn write_new(dir: &Path, contents: &str, json: bool) -> Result<PathBuf, String> {
    use std::io::Write as _;
    let ext = if json { "json" } else { "txt" };
    for n in 0..1000 {
        let path = dir.join(format!("smtptui-{n}.{ext}"));
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => return f.write_all(contents.as_bytes()).map(|()| path).map_err(|e| e.to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(format!("{}: {e}", dir.display())),
        }
    }
    Err("too many export files".into())
}
