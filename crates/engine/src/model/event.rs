//! Events streamed by the probe engine while it runs. The TUI, the headless printer and
//! the tests consume the same stream. The run ends when the engine returns its
//! [`super::RunReport`] (the findings, the recommendation, the whole record): there is
//! no end-of-run event.

use super::{
    DnsReport, Endpoint, EndpointId, EndpointReport, PathReport, Phase, PhaseTiming, RunId,
    TlsInfo, TranscriptEntry, Verdict,
};

/// The next step of an interactive session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    /// The phase it belongs to.
    pub phase: Phase,
    /// What the step does, in words ("send EHLO", "TLS handshake").
    pub label: String,
    /// The command line it will send (empty for connect, banner and TLS handshake).
    pub command: String,
    /// Whether the user may edit `command` before it is sent.
    pub editable: bool,
}

/// Something the engine observed. Every event carries its run id.
#[derive(Debug, Clone)]
pub enum ProbeEvent {
    /// A run started against a target.
    RunStarted {
        /// Run id.
        run: RunId,
        /// The target as given.
        target: String,
    },
    /// A transcript line not tied to an endpoint (DNS answers, planning notes).
    RunLine {
        /// Run id.
        run: RunId,
        /// The line.
        entry: TranscriptEntry,
    },
    /// The matrix is known (after DNS): one endpoint per address × port × mode.
    Planned {
        /// Run id.
        run: RunId,
        /// The endpoints, indexed by their id.
        endpoints: Vec<Endpoint>,
    },
    /// A line on the wire (or a note) for one endpoint.
    Line {
        /// Run id.
        run: RunId,
        /// Which endpoint.
        endpoint: EndpointId,
        /// The line.
        entry: TranscriptEntry,
    },
    /// A phase started (drives the spinner and the live timeline).
    PhaseStarted {
        /// Run id.
        run: RunId,
        /// Which endpoint.
        endpoint: EndpointId,
        /// Which phase.
        phase: Phase,
        /// Milliseconds since the run started.
        at_ms: f64,
    },
    /// A phase finished.
    PhaseDone {
        /// Run id.
        run: RunId,
        /// Which endpoint.
        endpoint: EndpointId,
        /// Its timing.
        timing: PhaseTiming,
    },
    /// A TLS handshake finished (verified or not): the chain for the inspector.
    Tls {
        /// Run id.
        run: RunId,
        /// Which endpoint.
        endpoint: EndpointId,
        /// What was negotiated.
        info: Box<TlsInfo>,
    },
    /// An endpoint finished, with its full report and verdict.
    EndpointDone {
        /// Run id.
        run: RunId,
        /// The report.
        report: Box<EndpointReport>,
    },
    /// Interactive stepping: the session is waiting for the user; `next` is the step
    /// the next key press runs (None when the session has ended).
    StepReady {
        /// Run id.
        run: RunId,
        /// Which endpoint.
        endpoint: EndpointId,
        /// The next step, with its editable command line.
        next: Option<NextStep>,
        /// Whether the session is inside TLS now.
        in_tls: bool,
        /// The verdict so far (updated after every step).
        verdict: Verdict,
    },
    /// MX mode: the domain's DNS mail-security report, sent after the endpoints finished
    /// (the last event of an MX run).
    DnsReport {
        /// Run id.
        run: RunId,
        /// The report (also in the final `RunReport::dns`).
        report: Box<DnsReport>,
    },
    /// The path check of an endpoint finished (after its `EndpointDone`).
    Path {
        /// Run id.
        run: RunId,
        /// Which endpoint.
        endpoint: EndpointId,
        /// Where on the path it stops.
        path: Box<PathReport>,
        /// The endpoint's verdict, when the path refined it (a reject now names its hop).
        verdict: Option<Verdict>,
    },
}

impl ProbeEvent {
    /// The run this event belongs to.
    pub fn run(&self) -> RunId {
        match self {
            Self::RunStarted { run, .. }
            | Self::RunLine { run, .. }
            | Self::Planned { run, .. }
            | Self::Line { run, .. }
            | Self::PhaseStarted { run, .. }
            | Self::PhaseDone { run, .. }
            | Self::Tls { run, .. }
            | Self::EndpointDone { run, .. }
            | Self::StepReady { run, .. }
            | Self::DnsReport { run, .. }
            | Self::Path { run, .. } => *run,
        }
    }
}
