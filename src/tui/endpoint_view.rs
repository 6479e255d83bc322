//! One matrix row as the TUI knows it: the endpoint's live state (what the engine
//! streamed: phase, timings, transcript, TLS details, path) and its report (verdict,
//! greeting, EHLO, AUTH, provider, warnings). Each piece is kept once: the report's
//! copies of the streamed parts are taken out when it arrives ([`EndpointView::absorb`])
//! and put back for export ([`EndpointView::to_report`]).

use crate::model::{
    Class, Direction, Endpoint, EndpointReport, PathReport, Phase, PhaseTiming, ProviderMatch,
    TlsInfo, TranscriptEntry, Verdict, Warning,
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
    /// The engine's report, when done, without its transcript, timings and TLS details
    /// (the fields above hold them).
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

    /// Takes the endpoint's report: the view keeps the streamed lines, timings and TLS
    /// details (the engine streams each as it records it, so the report's copies are the
    /// same; they fill in only what did not stream) and the report the rest.
    pub(super) fn absorb(&mut self, mut report: EndpointReport) {
        report.transcript = Vec::new();
        let timings = std::mem::take(&mut report.timings);
        if self.timings.is_empty() {
            self.timings = timings;
        }
        let tls = report.tls.take();
        if self.tls.is_none() {
            self.tls = tls;
        }
        self.report = Some(report);
    }

    /// The endpoint's whole report for export: the report with the live transcript,
    /// timings and TLS details put back; `verdict` stands in for a missing one.
    pub fn to_report(&self, verdict: impl FnOnce() -> Verdict) -> EndpointReport {
        let mut r = self
            .report
            .clone()
            .unwrap_or_else(|| EndpointReport::bare(self.endpoint.clone(), verdict()));
        r.transcript.clone_from(&self.transcript);
        r.timings.clone_from(&self.timings);
        r.tls.clone_from(&self.tls);
        r
    }

    /// The verdict of an endpoint the run did not finish (export before the end).
    pub fn unfinished() -> Verdict {
        Verdict {
            class: Class::Timeout,
            summary: "not finished when exported".into(),
            evidence: String::new(),
            advice: "let the run finish, then export again".into(),
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
