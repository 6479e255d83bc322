//! The model of the Elm-style TUI: everything the screen shows, and how probe events
//! change it. No terminal and no I/O here; [`super::update`] drives it and
//! [`super::view`] draws it.

use std::sync::Arc;

use crate::model::{
    Class, EndpointId, EndpointReport, Finding, ProbeEvent, RunId, RunReport, TranscriptEntry,
    Verdict,
};
use crate::settings::Settings;

pub use super::endpoint_view::EndpointView;
use super::form::Form;
use super::keys::Context;
pub use super::state::{
    Confirm, DnsPaneState, LineRef, Pane, Prompt, PromptKind, RowState, Screen, SideView, Status,
    StepState, TranscriptState,
};
use super::theme::Theme;

/// The whole model.
#[derive(Debug)]
pub struct App {
    /// Colours on or off.
    pub theme: Theme,
    /// Current screen.
    pub screen: Screen,
    /// The target form.
    pub form: Form,
    /// Settings of the current (or last) run.
    pub settings: Option<Arc<Settings>>,
    /// Current run id; events of other runs are dropped.
    pub run: RunId,
    /// Whether a run is in progress.
    pub running: bool,
    /// Target of the current run.
    pub target: String,
    /// Wall-clock start of the run (RFC 3339), set by the runtime.
    pub started_at: String,
    /// The run's duration, when finished.
    pub duration_ms: Option<f64>,
    /// Latest run-relative time seen in any event (drives open timeline bars).
    pub last_ms: f64,
    /// The run's clock as of the last tick (so a silent phase's elapsed time still
    /// moves); set by the runtime.
    pub now_ms: f64,
    /// Endpoints, indexed by id.
    pub endpoints: Vec<EndpointView>,
    /// Run-level transcript lines.
    pub run_lines: Vec<TranscriptEntry>,
    /// Every line in arrival order (for the "all" view).
    pub all_lines: Vec<LineRef>,
    /// Matrix-level findings.
    pub findings: Vec<Finding>,
    /// The DNS mail-security report (MX mode).
    pub dns: Option<crate::model::report::DnsReport>,
    /// The DNS pane's selection.
    pub dns_pane: DnsPaneState,
    /// The engine's report of the finished run.
    pub report: Option<RunReport>,
    /// Selected matrix row.
    pub selected: usize,
    /// Focused pane.
    pub focus: Pane,
    /// Side pane content when only one fits.
    pub side: SideView,
    /// Transcript state.
    pub transcript: TranscriptState,
    /// Selected certificate of the chain.
    pub cert_index: usize,
    /// Scroll of the certificate details.
    pub cert_scroll: usize,
    /// Scroll of the timeline.
    pub timeline_scroll: usize,
    /// Help popup open, with its scroll.
    pub help: Option<usize>,
    /// Working-settings popup open: (tab, scroll). Tab 0 is the settings, then one
    /// per snippet.
    pub settings_popup: Option<(usize, usize)>,
    /// Open prompt.
    pub prompt: Option<Prompt>,
    /// Stepping session.
    pub step: Option<StepState>,
    /// Pending confirmation.
    pub confirm: Option<Confirm>,
    /// Status line message.
    pub status: Option<Status>,
    /// Spinner frame counter (advanced by ticks while something runs).
    pub tick: u64,
    /// Terminal size (columns, rows), for mouse hit-testing.
    pub size: (u16, u16),
    /// A note shown in the title (demo mode).
    pub note: Option<String>,
    /// Scenario names of matrix rows (demo mode), by port and mode.
    pub scenarios: Vec<crate::tui::Scenario>,
    /// Set when the program should end.
    pub quit: bool,
    /// The form's target of the current run, remembered once the run reached a server
    /// (a target that never answered is not remembered).
    pub pending_recent: Option<(RunId, super::recent::RecentTarget)>,
    /// Runs started (shown as `run #N`; a cancel does not count).
    pub runs_started: u64,
    /// Manual (stepping) sessions of this run, each its own record.
    pub manual: Vec<super::manual::ManualView>,
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
        Self {
            theme,
            screen,
            form,
            target: settings
                .as_ref()
                .map(|s| s.target.clone())
                .unwrap_or_default(),
            settings: settings.map(Arc::new),
            run: RunId(0),
            running: false,
            started_at: String::new(),
            duration_ms: None,
            last_ms: 0.0,
            now_ms: 0.0,
            endpoints: Vec::new(),
            run_lines: Vec::new(),
            all_lines: Vec::new(),
            findings: Vec::new(),
            dns: None,
            dns_pane: DnsPaneState::default(),
            report: None,
            selected: 0,
            focus: Pane::Matrix,
            side: SideView::Cert,
            transcript: TranscriptState::default(),
            cert_index: 0,
            cert_scroll: 0,
            timeline_scroll: 0,
            help: None,
            settings_popup: None,
            prompt: None,
            step: None,
            confirm: None,
            status: None,
            tick: 0,
            size: (80, 24),
            note: None,
            scenarios: Vec::new(),
            quit: false,
            pending_recent: None,
            runs_started: 0,
            manual: Vec::new(),
            next_run: 0,
        }
    }

    /// Resets the run state and hands out a new run id.
    pub fn begin_run(&mut self, target: String) -> RunId {
        self.next_run += 1;
        self.runs_started += 1;
        self.run = RunId(self.next_run);
        self.running = true;
        self.target = target;
        self.duration_ms = None;
        self.last_ms = 0.0;
        self.now_ms = 0.0;
        self.endpoints.clear();
        self.manual.clear();
        self.run_lines.clear();
        self.all_lines.clear();
        self.findings.clear();
        self.dns = None;
        self.dns_pane = DnsPaneState::default();
        self.report = None;
        self.selected = 0;
        self.cert_index = 0;
        self.cert_scroll = 0;
        self.transcript.scroll = None;
        self.transcript.current_match = None;
        self.transcript.hscroll = 0;
        self.step = None;
        self.run
    }

    /// Stops listening to the current run: its queued events will be dropped.
    pub fn abandon_run(&mut self) {
        self.run = self.fresh_run_id();
        self.running = false;
        for ep in &mut self.endpoints {
            if matches!(ep.state, RowState::Pending | RowState::Running(_)) {
                ep.state = RowState::Cancelled;
                ep.live_phase = None;
            }
        }
    }

    /// A run id no event seen so far carries.
    pub(super) fn fresh_run_id(&mut self) -> RunId {
        self.next_run += 1;
        RunId(self.next_run)
    }

    /// The context that decides what keys do.
    pub fn context(&self) -> Context {
        if self.confirm.is_some() {
            Context::Confirm
        } else if self.help.is_some() {
            Context::Help
        } else if self.settings_popup.is_some() {
            Context::Settings
        } else if self.screen == Screen::Form {
            Context::Form
        } else if self.prompt.is_some() {
            Context::Input
        } else if self.step.is_some() {
            Context::Step
        } else {
            Context::Main
        }
    }

    /// Whether something is in progress (the spinner ticks only then).
    pub fn busy(&self) -> bool {
        self.running || self.step.as_ref().is_some_and(|s| s.busy)
    }

    /// The scenario an endpoint plays (demo mode), by its port and mode.
    pub fn scenario(&self, ep: &crate::model::Endpoint) -> Option<&crate::tui::Scenario> {
        self.scenarios
            .iter()
            .find(|s| s.port == ep.port && s.mode == ep.mode)
    }

    /// The selected endpoint.
    pub fn selected_endpoint(&self) -> Option<&EndpointView> {
        self.endpoints.get(self.selected)
    }

    /// Number of transcript lines in the current view.
    pub fn transcript_len(&self) -> usize {
        if self.transcript.all {
            self.all_lines.len()
        } else {
            self.selected_endpoint()
                .map_or(self.run_lines.len(), |e| self.endpoint_lines(e))
        }
    }

    /// Line `i` of the current transcript view, with the endpoint it belongs to.
    pub fn transcript_line(&self, i: usize) -> Option<(Option<&EndpointView>, &TranscriptEntry)> {
        if self.transcript.all {
            let r = self.all_lines.get(i)?;
            match r.endpoint {
                None => self.run_lines.get(r.index).map(|e| (None, e)),
                Some(_) if r.manual.is_some() => {
                    let m = self.manual.get(r.manual?)?;
                    m.view.transcript.get(r.index).map(|e| (Some(&m.view), e))
                }
                Some(id) => {
                    let ep = self.endpoints.get(id.0)?;
                    ep.transcript.get(r.index).map(|e| (Some(ep), e))
                }
            }
        } else {
            match self.selected_endpoint() {
                Some(ep) => self.endpoint_line(ep, i),
                None => self.run_lines.get(i).map(|e| (None, e)),
            }
        }
    }

    fn endpoint_mut(&mut self, id: EndpointId) -> Option<&mut EndpointView> {
        self.endpoints.get_mut(id.0)
    }

    pub(super) fn note_time(&mut self, ms: f64) {
        self.saw_time(ms);
    }

    fn saw_time(&mut self, ms: f64) {
        if ms.is_finite() && ms > self.last_ms {
            self.last_ms = ms;
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

    /// Applies one probe event. Events of another run are dropped; returns whether the
    /// event changed anything (so the caller knows whether to redraw).
    pub fn apply_event(&mut self, ev: ProbeEvent) -> bool {
        if ev.run() != self.run {
            return self.apply_manual_event(ev);
        }
        match ev {
            ProbeEvent::RunStarted { target, .. } => self.target = target,
            ProbeEvent::RunLine { entry, .. } => {
                self.saw_time(entry.t_ms);
                self.run_lines.push(entry);
                self.all_lines.push(LineRef {
                    endpoint: None,
                    index: self.run_lines.len() - 1,
                    manual: None,
                });
            }
            ProbeEvent::Planned { endpoints, .. } => {
                self.endpoints = endpoints.into_iter().map(EndpointView::new).collect();
                self.selected = self.selected.min(self.endpoints.len().saturating_sub(1));
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
                let id = report.endpoint.id;
                if let Some(ep) = self.endpoint_mut(id) {
                    ep.state = RowState::Done;
                    ep.live_phase = None;
                    if ep.tls.is_none() {
                        ep.tls.clone_from(&report.tls);
                    }
                    if ep.timings.is_empty() {
                        ep.timings.clone_from(&report.timings);
                    }
                    ep.report = Some(*report);
                }
            }
            // Stepping sessions carry their own run id (see `apply_manual_event`).
            ProbeEvent::StepReady { .. } => return false,
            ProbeEvent::DnsReport { report, .. } => self.dns = Some(*report),
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
            ProbeEvent::RunDone { findings, .. } => {
                self.findings = findings;
                self.running = false;
                if self.duration_ms.is_none() {
                    self.duration_ms = Some(self.last_ms);
                }
            }
        }
        true
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

    /// The report to export: assembled from what arrived (the engine's per-endpoint
    /// reports), with each endpoint's live transcript — which includes any stepping
    /// session run after the probe.
    pub fn export_report(&self) -> RunReport {
        let reports: Vec<EndpointReport> = self
            .endpoints
            .iter()
            .map(|ep| {
                let mut r = ep.report.clone().unwrap_or_else(|| EndpointReport {
                    endpoint: ep.endpoint.clone(),
                    verdict: ep.verdict().cloned().unwrap_or_else(|| Verdict {
                        class: Class::Timeout,
                        summary: "not finished when exported".into(),
                        evidence: String::new(),
                        advice: "let the run finish, then export again".into(),
                    }),
                    timings: ep.timings.clone(),
                    local_addr: None,
                    banner: None,
                    ehlo: Vec::new(),
                    capabilities: Vec::new(),
                    auth_mechanisms: Vec::new(),
                    auth_mech: None,
                    tls: ep.tls.clone(),
                    transcript: Vec::new(),
                    provider: None,
                    warnings: Vec::new(),
                });
                r.transcript.clone_from(&ep.transcript);
                r
            })
            .collect();
        let paths: Vec<(usize, crate::model::PathReport)> = self
            .endpoints
            .iter()
            .enumerate()
            .filter_map(|(i, ep)| ep.path.clone().map(|p| (i, p)))
            .collect();
        if let Some(done) = &self.report {
            let mut out = done.clone();
            out.endpoints = reports
                .iter()
                .map(crate::model::report::EndpointJson::from)
                .collect();
            out.manual_sessions = self
                .manual
                .iter()
                .map(super::manual::ManualView::to_record)
                .collect();
            out.set_paths(&paths);
            return out;
        }
        let mut out = RunReport::new(
            self.target.clone(),
            self.started_at.clone(),
            self.duration_ms.unwrap_or(self.last_ms),
            self.run_lines.clone(),
            &reports,
            self.findings.clone(),
        );
        out.dns.clone_from(&self.dns);
        out.manual_sessions = self
            .manual
            .iter()
            .map(super::manual::ManualView::to_record)
            .collect();
        out.set_paths(&paths);
        out
    }
}
