//! Events streamed by the probe engine while it runs. The TUI, the headless printer and
//! the tests consume the same stream.

use super::{
    Endpoint, EndpointId, EndpointReport, Finding, Phase, PhaseTiming, RunId, TlsInfo,
    TranscriptEntry,
};

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
    /// The whole run finished: matrix-level findings.
    RunDone {
        /// Run id.
        run: RunId,
        /// Inferences across endpoints.
        findings: Vec<Finding>,
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
            | Self::RunDone { run, .. } => *run,
        }
    }
}
