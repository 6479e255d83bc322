//! The small state types the TUI model ([`super::app::App`]) is made of: screens, panes
//! and where the user is in them ([`Panes`]), side views, the transcript's scroll and
//! search, popups, prompts, stepping and the status line.

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

/// State of the certificate inspector.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CertPaneState {
    /// The selected certificate of the chain.
    pub index: usize,
    /// Scroll of its details.
    pub scroll: usize,
}

/// Where the user is on the main screen: the selected row, the focused pane, what the
/// side pane shows and each pane's scroll. Plain state that `update` changes.
#[derive(Debug, Clone)]
pub struct Panes {
    /// Selected matrix row.
    pub selected: usize,
    /// Focused pane.
    pub focus: Pane,
    /// Side pane content when only one fits.
    pub side: SideView,
    /// The transcript's scroll, search and view.
    pub transcript: TranscriptState,
    /// The certificate inspector's selection and scroll.
    pub cert: CertPaneState,
    /// Scroll of the timeline.
    pub timeline_scroll: usize,
    /// The DNS pane's selection.
    pub dns: DnsPaneState,
}

impl Default for Panes {
    fn default() -> Self {
        Self {
            selected: 0,
            focus: Pane::Matrix,
            side: SideView::Cert,
            transcript: TranscriptState::default(),
            cert: CertPaneState::default(),
            timeline_scroll: 0,
            dns: DnsPaneState::default(),
        }
    }
}

impl Panes {
    /// A new run: the first row, its certificate and transcript from the top (the focus,
    /// side view and transcript options stay).
    pub(super) fn new_run(&mut self) {
        self.selected = 0;
        self.cert = CertPaneState::default();
        self.dns = DnsPaneState::default();
        self.transcript.scroll = None;
        self.transcript.current_match = None;
        self.transcript.hscroll = 0;
    }
}

/// The popup over the screen, at most one at a time.
#[derive(Debug, Clone)]
pub enum Popup {
    /// The key help (`?`), with its scroll.
    Help {
        /// First line shown.
        scroll: usize,
    },
    /// The working settings (`W`): tab 0 is the settings, then one per snippet.
    Settings {
        /// The tab shown.
        tab: usize,
        /// First line shown.
        scroll: usize,
    },
    /// A yes/no question.
    Confirm(Confirm),
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

/// Where a stepping session stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepPhase {
    /// The engine is connecting or running a step.
    Busy,
    /// Waiting for the user: the step the next key press runs.
    Ready(NextStep),
    /// The session has ended (server closed, QUIT).
    Ended,
}

/// An interactive stepping session.
#[derive(Debug, Clone)]
pub struct StepState {
    /// The endpoint being stepped.
    pub endpoint: EndpointId,
    /// Its manual session (index in [`super::run_view::RunView::manual`]).
    pub session: usize,
    /// Busy, waiting with the next step, or ended.
    pub phase: StepPhase,
    /// The command as edited by the user (None: as proposed).
    pub edited: Option<String>,
    /// Whether the session is inside TLS.
    pub in_tls: bool,
    /// Replies 500/502 (command unrecognised) seen so far.
    pub unrecognised: usize,
}

impl StepState {
    /// A session just opened on `endpoint` (connecting).
    pub fn opened(endpoint: EndpointId, session: usize) -> Self {
        Self {
            endpoint,
            session,
            phase: StepPhase::Busy,
            edited: None,
            in_tls: false,
            unrecognised: 0,
        }
    }

    /// The step the next key press runs, when waiting for the user.
    pub fn next(&self) -> Option<&NextStep> {
        match &self.phase {
            StepPhase::Ready(next) => Some(next),
            StepPhase::Busy | StepPhase::Ended => None,
        }
    }

    /// Whether the engine is working on a step.
    pub fn busy(&self) -> bool {
        self.phase == StepPhase::Busy
    }

    /// Whether the session has ended.
    pub fn ended(&self) -> bool {
        self.phase == StepPhase::Ended
    }

    /// Whether the session is in DATA mode (after 354: raw lines are message text until
    /// the `.` step).
    pub fn data_mode(&self) -> bool {
        self.next()
            .is_some_and(|n| n.phase == Phase::Data && n.command == ".")
    }
}

/// A pending yes/no question and what "yes" does.
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

impl Status {
    /// A message that reports no error.
    pub fn info(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            error: false,
        }
    }

    /// A message that reports an error.
    pub fn error(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            error: true,
        }
    }
}
