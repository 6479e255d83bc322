//! The small state types the TUI model ([`super::app::App`]) is made of: screens, panes,
//! side views, the transcript's scroll and search, prompts, stepping and the status line.

use crate::model::{EndpointId, NextStep, Phase};

use super::input::LineInput;

/// Which screen is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The target form.
    Form,
    /// Matrix, transcript, inspector, timeline, verdict.
    Main,
}

/// A focusable pane of the main screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    /// The port matrix.
    Matrix,
    /// The transcript.
    Transcript,
    /// The certificate inspector.
    Cert,
    /// The timeline.
    Timeline,
    /// The DNS mail-security report (MX mode).
    Dns,
    /// The network path of the selected endpoint (the path check).
    Path,
}

/// What the side pane shows when there is room for only one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SideView {
    /// Certificate inspector.
    Cert,
    /// Timeline.
    Timeline,
    /// The DNS mail-security report (MX mode); in the wide layout it takes the whole
    /// side column.
    Dns,
    /// The selected endpoint's network path beside its control port's; it takes the
    /// whole side column.
    Path,
}

/// State of the DNS pane.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DnsPaneState {
    /// The selected finding (its advice is shown).
    pub selected: usize,
}

/// Live state of one matrix row.
#[derive(Debug, Clone, PartialEq)]
pub enum RowState {
    /// Planned, not started.
    Pending,
    /// A phase is running.
    Running(Phase),
    /// Finished (the report holds the verdict).
    Done,
    /// The run was cancelled before this endpoint finished.
    Cancelled,
}

/// Where a transcript line lives: the run's own lines or an endpoint's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRef {
    /// `None` for run-level lines (DNS, planning).
    pub endpoint: Option<EndpointId>,
    /// Index in that list.
    pub index: usize,
    /// `Some(i)`: a line of manual session `i` (then `index` is in its transcript).
    pub manual: Option<usize>,
}

/// Transcript pane state.
#[derive(Debug, Clone, Default)]
pub struct TranscriptState {
    /// Top line when the user scrolled; `None` follows the tail.
    pub scroll: Option<usize>,
    /// Show every endpoint's lines interleaved.
    pub all: bool,
    /// The search query (kept after the prompt closes, for highlighting and n/N).
    pub query: Option<String>,
    /// The line of the current match.
    pub current_match: Option<usize>,
    /// The current match's number among the matching lines and their count, as of the
    /// last jump (counted then, not on every frame).
    pub match_counter: Option<(usize, usize)>,
    /// Columns of text scrolled off to the left (ignored while wrapping).
    pub hscroll: usize,
    /// Wrap long lines onto indented continuation rows.
    pub wrap: bool,
}

/// A one-line prompt at the bottom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    /// `/` search.
    Search,
    /// `:` raw SMTP command in a stepping session.
    Raw,
    /// Editing the next step's command.
    StepEdit,
}

/// An open prompt.
#[derive(Debug, Clone)]
pub struct Prompt {
    /// What it is for.
    pub kind: PromptKind,
    /// Its text.
    pub input: LineInput,
}

/// An interactive stepping session.
#[derive(Debug, Clone)]
pub struct StepState {
    /// The endpoint being stepped.
    pub endpoint: EndpointId,
    /// Its manual session (index in [`App::manual`]).
    pub session: usize,
    /// The next step; `None` while a step runs or after the session ended.
    pub next: Option<NextStep>,
    /// The command as edited by the user (None: as proposed).
    pub edited: Option<String>,
    /// Whether the session is inside TLS.
    pub in_tls: bool,
    /// Whether the engine is working on a step.
    pub busy: bool,
    /// Whether the session has ended (server closed, QUIT).
    pub ended: bool,
    /// Replies 500/502 (command unrecognised) seen so far.
    pub unrecognised: usize,
}

/// A pending yes/no question and what "yes" does.
impl StepState {
    /// Whether the session is in DATA mode (after 354: raw lines are message text until
    /// the `.` step).
    pub fn data_mode(&self) -> bool {
        self.next
            .as_ref()
            .is_some_and(|n| n.phase == Phase::Data && n.command == ".")
    }
}

#[derive(Debug, Clone)]
pub struct Confirm {
    /// The question.
    pub question: String,
    /// The raw command to send on yes.
    pub raw: String,
}

/// The status line message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The text.
    pub text: String,
    /// Whether it reports an error.
    pub error: bool,
}
