//! The current run as the TUI knows it: one [`EndpointView`] per matrix row (live state
//! plus the endpoint's report), the manual sessions, every line in arrival order, and the
//! run's [`RunReport`] — the one place the run-level transcript, the findings, the DNS
//! report and (once done) the recommendation are kept. The report is built as events
//! arrive and replaced by the engine's own when the run ends; its per-endpoint part is
//! always empty here (each endpoint's report lives in its view) and is put back by
//! [`RunView::export_report`].
//!
//! Only [`super::app::App`] changes it, from the messages `update` hands it.

use crate::model::report::DnsReport;
use crate::model::{EndpointId, Finding, ProbeEvent, RunId, RunReport, TranscriptEntry};

use super::endpoint_view::EndpointView;
use super::manual::ManualView;
use super::state::{LineRef, RowState};

/// Where the run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunPhase {
    /// No run yet.
    Idle,
    /// Probing.
    Running,
    /// The engine returned its report.
    Finished,
    /// Cancelled by the user before the end.
    Cancelled,
}

/// The current (or last) run.
#[derive(Debug)]
pub struct RunView {
    /// Events of other runs are dropped.
    id: RunId,
    /// `run #N`: runs started so far (a cancel does not count).
    number: u64,
    phase: RunPhase,
    /// Latest run-relative time seen in any event (drives open timeline bars).
    last_ms: f64,
    /// The run's clock as of the last tick (a silent phase's elapsed time still moves).
    now_ms: f64,
    /// Matrix rows, indexed by endpoint id.
    endpoints: Vec<EndpointView>,
    /// Manual (stepping) sessions, each its own record.
    manual: Vec<ManualView>,
    /// Every line in arrival order (for the "all" view).
    all_lines: Vec<LineRef>,
    /// Run-level lines, findings, DNS report, and the rest of the engine's report once
    /// done; `endpoints` stays empty.
    report: RunReport,
}

impl RunView {
    /// Before the first run: nothing but the target.
    pub(super) fn idle(target: String) -> Self {
        Self {
            id: RunId(0),
            number: 0,
            phase: RunPhase::Idle,
            last_ms: 0.0,
            now_ms: 0.0,
            endpoints: Vec::new(),
            manual: Vec::new(),
            all_lines: Vec::new(),
            report: RunReport::new(target, String::new(), 0.0, Vec::new(), &[], Vec::new()),
        }
    }

    /// Run `number` under `id`, just started.
    pub(super) fn start(id: RunId, number: u64, target: String) -> Self {
        Self {
            id,
            number,
            phase: RunPhase::Running,
            ..Self::idle(target)
        }
    }

    /// The id its events carry.
    pub fn id(&self) -> RunId {
        self.id
    }

    /// `run #N`.
    pub fn number(&self) -> u64 {
        self.number
    }

    /// Whether it is probing.
    pub fn running(&self) -> bool {
        self.phase == RunPhase::Running
    }

    /// Where it stands.
    pub fn phase(&self) -> RunPhase {
        self.phase
    }

    /// The run's duration, once finished.
    pub fn duration_ms(&self) -> Option<f64> {
        (self.phase == RunPhase::Finished).then_some(self.report.duration_ms)
    }

    /// The target as the engine named it.
    pub fn target(&self) -> &str {
        &self.report.target
    }

    /// Latest run-relative time seen in any event.
    pub fn last_ms(&self) -> f64 {
        self.last_ms
    }

    /// The run's clock as of the last tick.
    pub fn now_ms(&self) -> f64 {
        self.now_ms
    }

    /// The matrix rows.
    pub fn endpoints(&self) -> &[EndpointView] {
        &self.endpoints
    }

    /// The manual sessions, in the order opened.
    pub fn manual(&self) -> &[ManualView] {
        &self.manual
    }

    /// Every line in arrival order.
    pub fn all_lines(&self) -> &[LineRef] {
        &self.all_lines
    }

    /// Run-level transcript lines (DNS, planning).
    pub fn run_lines(&self) -> &[TranscriptEntry] {
        &self.report.run_transcript
    }

    /// Matrix-level findings (they come with the engine's report at the end).
    pub fn findings(&self) -> &[Finding] {
        &self.report.findings
    }

    /// The DNS mail-security report (MX mode).
    pub fn dns(&self) -> Option<&DnsReport> {
        self.report.dns.as_ref()
    }

    /// The engine's report once the run finished (without its endpoints: see
    /// [`RunView::export_report`]).
    pub fn report(&self) -> Option<&RunReport> {
        (self.phase == RunPhase::Finished).then_some(&self.report)
    }

    /// Counts of (done, total) endpoints.
    pub fn progress(&self) -> (usize, usize) {
        let done = self
            .endpoints
            .iter()
            .filter(|e| e.state == RowState::Done)
            .count();
        (done, self.endpoints.len())
    }

    /// Wall-clock start (RFC 3339) as the runtime saw it; the engine's report has its own.
    pub(super) fn set_started_at(&mut self, at: String) {
        self.report.started_at = at;
    }

    /// The run's clock at a tick.
    pub(super) fn set_clock(&mut self, now_ms: f64) {
        self.now_ms = now_ms;
    }

    /// Stops listening: `id` (one no event carries) replaces the run's, unfinished rows
    /// show as cancelled.
    pub(super) fn cancel(&mut self, id: RunId) {
        self.id = id;
        self.phase = RunPhase::Cancelled;
        for ep in &mut self.endpoints {
            if matches!(ep.state, RowState::Pending | RowState::Running(_)) {
                ep.state = RowState::Cancelled;
                ep.live_phase = None;
            }
        }
    }

    /// The engine's report ends the run. Each transcript stays where it is: the run's
    /// lines as they streamed (the report's are the same lines) and each endpoint's in
    /// its view, so the report keeps only what no event carried (the recommendation,
    /// the options, the engine's start time and duration).
    pub(super) fn finish(&mut self, mut report: RunReport) {
        report.run_transcript = std::mem::take(&mut self.report.run_transcript);
        report.endpoints = Vec::new();
        report.manual_sessions = Vec::new();
        self.report = report;
        self.phase = RunPhase::Finished;
    }

    pub(super) fn saw_time(&mut self, ms: f64) {
        if ms.is_finite() && ms > self.last_ms {
            self.last_ms = ms;
        }
    }

    fn endpoint_mut(&mut self, id: EndpointId) -> Option<&mut EndpointView> {
        self.endpoints.get_mut(id.0)
    }

    /// Applies one event of this run.
    pub(super) fn apply(&mut self, ev: ProbeEvent) {
        match ev {
            ProbeEvent::RunStarted { target, .. } => self.report.target = target,
            ProbeEvent::RunLine { entry, .. } => {
                self.saw_time(entry.t_ms);
                self.report.run_transcript.push(entry);
                self.all_lines.push(LineRef {
                    endpoint: None,
                    index: self.report.run_transcript.len() - 1,
                    manual: None,
                });
            }
            ProbeEvent::Planned { endpoints, .. } => {
                self.endpoints = endpoints.into_iter().map(EndpointView::new).collect();
            }
            ProbeEvent::Line {
                endpoint, entry, ..
            } => self.push_endpoint_line(endpoint, entry),
            ProbeEvent::PhaseStarted {
                endpoint,
                phase,
                at_ms,
                ..
            } => {
                self.saw_time(at_ms);
                if let Some(ep) = self.endpoint_mut(endpoint) {
                    ep.state = RowState::Running(phase);
                    ep.live_phase = Some((phase, at_ms));
                }
            }
            ProbeEvent::PhaseDone {
                endpoint, timing, ..
            } => {
                self.saw_time(timing.start_ms + timing.dur_ms);
                if let Some(ep) = self.endpoint_mut(endpoint) {
                    if ep.live_phase.is_some_and(|(p, _)| p == timing.phase) {
                        ep.live_phase = None;
                    }
                    ep.timings.push(timing);
                }
            }
            ProbeEvent::Tls { endpoint, info, .. } => {
                if let Some(ep) = self.endpoint_mut(endpoint) {
                    ep.tls = Some(*info);
                }
            }
            ProbeEvent::EndpointDone { report, .. } => {
                if let Some(ep) = self.endpoint_mut(report.endpoint.id) {
                    ep.state = RowState::Done;
                    ep.live_phase = None;
                    ep.absorb(*report);
                }
            }
            // Stepping sessions carry their own run id (see `apply_manual`).
            ProbeEvent::StepReady { .. } => {}
            ProbeEvent::DnsReport { report, .. } => self.report.dns = Some(*report),
            ProbeEvent::Path {
                endpoint,
                path,
                verdict,
                ..
            } => {
                if let Some(ep) = self.endpoint_mut(endpoint) {
                    ep.path = Some(*path);
                    if let (Some(v), Some(r)) = (verdict, ep.report.as_mut()) {
                        r.verdict = v;
                    }
                }
            }
        }
    }

    fn push_endpoint_line(&mut self, id: EndpointId, entry: TranscriptEntry) {
        self.saw_time(entry.t_ms);
        let Some(ep) = self.endpoint_mut(id) else {
            return;
        };
        ep.transcript.push(entry);
        let index = ep.transcript.len() - 1;
        self.all_lines.push(LineRef {
            endpoint: Some(id),
            index,
            manual: None,
        });
    }

    /// Adds a manual session and its first line.
    pub(super) fn push_manual(&mut self, session: ManualView, first: LineRef) {
        self.manual.push(session);
        self.all_lines.push(first);
    }

    /// Manual session `index` (an index [`RunView::manual`] has).
    pub(super) fn manual_mut(&mut self, index: usize) -> &mut ManualView {
        &mut self.manual[index]
    }

    /// Records where a new line lives, in arrival order.
    pub(super) fn push_line(&mut self, line: LineRef) {
        self.all_lines.push(line);
    }

    /// Line `i` of the "all" view, with the endpoint (or manual session) it belongs to.
    pub fn all_line(&self, i: usize) -> Option<(Option<&EndpointView>, &TranscriptEntry)> {
        let r = self.all_lines.get(i)?;
        match (r.endpoint, r.manual) {
            (None, _) => self.run_lines().get(r.index).map(|e| (None, e)),
            (Some(_), Some(m)) => {
                let view = &self.manual.get(m)?.view;
                view.transcript.get(r.index).map(|e| (Some(view), e))
            }
            (Some(id), None) => {
                let ep = self.endpoints.get(id.0)?;
                ep.transcript.get(r.index).map(|e| (Some(ep), e))
            }
        }
    }

    /// The whole report, for export: the run's report with each endpoint's report (its
    /// transcript, timings, TLS details and path put back) and the manual sessions.
    /// Before the end it says what arrived; an endpoint still running is marked so.
    pub fn export_report(&self) -> RunReport {
        let mut out = self.report.clone();
        out.endpoints = self
            .endpoints
            .iter()
            .map(|ep| {
                let r = ep.to_report(|| {
                    ep.verdict()
                        .cloned()
                        .unwrap_or_else(EndpointView::unfinished)
                });
                let mut json = crate::model::report::EndpointJson::from(&r);
                json.path.clone_from(&ep.path);
                json
            })
            .collect();
        out.manual_sessions = self.manual.iter().map(ManualView::to_record).collect();
        if self.phase != RunPhase::Finished {
            out.duration_ms = self.last_ms;
        }
        out
    }

    /// The matrix rows, to change them in a test.
    #[cfg(test)]
    pub(super) fn endpoints_mut(&mut self) -> &mut [EndpointView] {
        &mut self.endpoints
    }
}
