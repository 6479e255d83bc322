//! One matrix row as the TUI knows it: the endpoint, its live state, timings,
//! transcript, TLS details and report.

use crate::model::{
    Direction, Endpoint, EndpointReport, PathReport, Phase, PhaseTiming, ProviderMatch, TlsInfo,
    TranscriptEntry, Verdict, Warning,
};

use super::app::RowState;

/// One endpoint as the TUI knows it.
#[derive(Debug, Clone)]
pub struct EndpointView {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// Live state.
    pub state: RowState,
    /// A phase that started and has not finished yet, with its start.
    pub live_phase: Option<(Phase, f64)>,
    /// Finished phases, in order.
    pub timings: Vec<PhaseTiming>,
    /// Transcript lines, escaped by the engine.
    pub transcript: Vec<TranscriptEntry>,
    /// TLS details, when a handshake happened.
    pub tls: Option<TlsInfo>,
    /// The final report, when done.
    pub report: Option<EndpointReport>,
    /// The verdict of a stepping session, which supersedes the report's.
    pub step_verdict: Option<Verdict>,
    /// Where on the network path it stops (the path check), when traced.
    pub path: Option<PathReport>,
}

impl EndpointView {
    pub(super) fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            state: RowState::Pending,
            live_phase: None,
            timings: Vec::new(),
            transcript: Vec::new(),
            tls: None,
            report: None,
            step_verdict: None,
            path: None,
        }
    }

    /// The verdict to show: the run's report, else a stepping session's (the stepping
    /// panel shows the session's own verdict separately).
    pub fn verdict(&self) -> Option<&Verdict> {
        self.report
            .as_ref()
            .map(|r| &r.verdict)
            .or(self.step_verdict.as_ref())
    }

    /// Connect time in milliseconds.
    pub fn connect_ms(&self) -> Option<f64> {
        self.timings
            .iter()
            .find(|t| t.phase == Phase::Connect && t.ok)
            .map(|t| t.dur_ms)
    }

    /// The greeting's reply code (from the report, else the first server line).
    pub fn banner_code(&self) -> Option<String> {
        let from_line = |s: &str| -> Option<String> {
            let code: String = s.chars().take(3).collect();
            (code.len() == 3 && code.chars().all(|c| c.is_ascii_digit())).then_some(code)
        };
        if let Some(b) = self.report.as_ref().and_then(|r| r.banner.as_deref()) {
            return from_line(b);
        }
        self.transcript
            .iter()
            .find(|e| matches!(e.dir, Direction::Server | Direction::ServerTls))
            .and_then(|e| from_line(&e.text))
    }

    /// The endpoint's warnings (empty until its report arrives).
    pub fn warnings(&self) -> &[Warning] {
        self.report.as_ref().map_or(&[], |r| r.warnings.as_slice())
    }

    /// The recognised provider, when known.
    pub fn provider(&self) -> Option<&ProviderMatch> {
        self.report.as_ref().and_then(|r| r.provider.as_ref())
    }

    /// AUTH mechanisms offered, when known.
    pub fn auth(&self) -> Option<&[String]> {
        self.report.as_ref().map(|r| r.auth_mechanisms.as_slice())
    }
}
