//! The one key table. Every binding lives in [`KEYS`]; [`action_for`] maps a key press
//! in a context to an action (a pure function, table-tested) and the `?` help popup is
//! generated from the same table, so the help can never drift from the behaviour. The
//! stepping session inherits the main screen's bindings of the actions it shares
//! ([`KeyRow::Inherit`]) instead of repeating them.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a key press lands: the context decides which bindings apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Context {
    /// The main screen (matrix, transcript, inspector, timeline).
    Main,
    /// An interactive stepping session on the main screen.
    Step,
    /// A one-line text input: search, raw command, edited step command.
    Input,
    /// The target form.
    Form,
    /// The help popup.
    Help,
    /// The working-settings popup (recommended endpoint and its code).
    Settings,
    /// A yes/no confirmation.
    Confirm,
}

impl Context {
    /// Every context, in help order.
    pub const ALL: [Context; 7] = [
        Context::Main,
        Context::Step,
        Context::Input,
        Context::Form,
        Context::Help,
        Context::Settings,
        Context::Confirm,
    ];

    /// Heading used in the help popup.
    pub fn title(self) -> &'static str {
        match self {
            Self::Main => "Main screen",
            Self::Step => "Stepping session",
            Self::Input => "Text input (/ search, : command, step edit)",
            Self::Form => "Target form",
            Self::Help => "Help",
            Self::Settings => "Working settings (W)",
            Self::Confirm => "Confirmation",
        }
    }
}

/// What a key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// Leave the program.
    Quit,
    /// Open or close the help popup.
    ToggleHelp,
    /// Run the probe again with the same settings.
    Rerun,
    /// Cancel the running probe (or close a search / leave stepping).
    Cancel,
    /// Open the target form to change ports, modes and the target.
    EditTarget,
    /// Export the transcript as text.
    ExportText,
    /// Export the report as JSON.
    ExportJson,
    /// Export the self-contained HTML report.
    ExportHtml,
    /// Open or close the working-settings popup (recommended endpoint + code).
    ToggleSettings,
    /// Copy the shown text to the terminal's clipboard (OSC 52).
    Copy,
    /// Focus the next pane.
    FocusNext,
    /// Focus the previous pane.
    FocusPrev,
    /// Move up one row or line.
    Up,
    /// Move down one row or line.
    Down,
    /// Move up one page.
    PageUp,
    /// Move down one page.
    PageDown,
    /// Go to the first row or line.
    Home,
    /// Go to the last row or line (and follow the transcript tail).
    End,
    /// Cycle the side pane: certificate, timeline, DNS report (when there is one).
    ToggleSide,
    /// Show the DNS report (MX mode) in the side pane, or leave it.
    ShowDns,
    /// Show the selected endpoint's network path in the side pane, or leave it.
    ShowPath,
    /// Toggle the transcript between the selected endpoint and all endpoints.
    ToggleAll,
    /// Scroll the transcript's text left.
    ScrollLeft,
    /// Scroll the transcript's text right.
    ScrollRight,
    /// Scroll the transcript back to column 0.
    ScrollColumn0,
    /// Wrap long transcript lines (or stop wrapping).
    ToggleWrap,
    /// Start searching the transcript.
    Search,
    /// Jump to the next search match.
    NextMatch,
    /// Jump to the previous search match.
    PrevMatch,
    /// Start a stepping session on the selected endpoint.
    StartStep,
    /// Run the next step (with the edited command, if edited).
    StepRun,
    /// Edit the next step's command line.
    StepEdit,
    /// Open the raw-command prompt.
    RawPrompt,
    /// Leave the stepping session.
    StepClose,
    /// Accept the text input (or start the run from the form).
    Submit,
    /// Abandon the text input or form.
    Abort,
    /// Delete the character before the cursor.
    DeleteBack,
    /// Delete the character under the cursor.
    DeleteForward,
    /// Move the cursor left.
    CursorLeft,
    /// Move the cursor right.
    CursorRight,
    /// Move the cursor to the start of the line.
    CursorHome,
    /// Move the cursor to the end of the line.
    CursorEnd,
    /// Clear the whole input line.
    ClearLine,
    /// Next form field.
    NextField,
    /// Previous form field.
    PrevField,
    /// Fill the form with the next remembered target.
    RecentNext,
    /// Fill the form with the previous remembered target.
    RecentPrev,
    /// Choose the next provider preset (fills host, ports and AUTH).
    PresetNext,
    /// Answer yes.
    Yes,
    /// Answer no.
    No,
}

/// A key: a code plus the modifiers that matter (Shift is folded into the character).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The key code.
    pub code: KeyCode,
    /// Control and Alt; Shift is ignored.
    pub mods: KeyModifiers,
}

impl Key {
    /// A key without modifiers.
    pub const fn plain(code: KeyCode) -> Self {
        Self {
            code,
            mods: KeyModifiers::NONE,
        }
    }

    /// A character key without modifiers.
    pub const fn ch(c: char) -> Self {
        Self::plain(KeyCode::Char(c))
    }

    /// Control plus a character.
    pub const fn ctrl(c: char) -> Self {
        Self {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }

    /// Normalises a terminal key event: Shift is dropped (it is already part of the
    /// character or of `BackTab`), only Control and Alt remain.
    pub fn from_event(ev: KeyEvent) -> Self {
        let mods = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match ev.code {
            KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            other => other,
        };
        Self { code, mods }
    }

    /// How the help popup shows the key.
    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut s = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            s.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            s.push_str("Alt-");
        }
        s.push_str(&base);
        s
    }
}

/// One binding: a key in a context, its action and its help text.
#[derive(Debug, Clone, Copy)]
pub struct KeyBinding {
    /// The key.
    pub key: Key,
    /// Where it applies.
    pub context: Context,
    /// What it does.
    pub action: Action,
    /// One line for the help popup.
    pub help: &'static str,
}

/// One row of [`KEYS`]: a binding of its own, or a context taking over another
/// context's bindings (keys and help) of some actions, so a key changed in the main
/// screen changes in the stepping session too.
#[derive(Debug, Clone, Copy)]
pub enum KeyRow {
    /// A binding of its own.
    Bind(KeyBinding),
    /// `context` has `from`'s bindings of these actions, action by action in this order
    /// (each action's keys in `from`'s order).
    Inherit {
        /// The context that inherits.
        context: Context,
        /// The context whose bindings it takes.
        from: Context,
        /// The actions taken over.
        actions: &'static [Action],
    },
}

const fn bind(key: Key, context: Context, action: Action, help: &'static str) -> KeyRow {
    KeyRow::Bind(KeyBinding {
        key,
        context,
        action,
        help,
    })
}

const fn inherit(context: Context, from: Context, actions: &'static [Action]) -> KeyRow {
    KeyRow::Inherit {
        context,
        from,
        actions,
    }
}

use Action as A;
use Context as C;
use KeyCode as K;

/// The key table: the mapper, the `?` popup and the README's key table
/// (`scripts/readme_keys.py`) all read it, through [`bindings`].
#[rustfmt::skip]
pub const KEYS: &[KeyRow] = &[
    // Main screen.
    bind(Key::ch('q'), C::Main, A::Quit, "quit"),
    bind(Key::ctrl('c'), C::Main, A::Quit, "quit"),
    bind(Key::ch('?'), C::Main, A::ToggleHelp, "this help"),
    bind(Key::ch('r'), C::Main, A::Rerun, "re-run the probe"),
    bind(Key::ch('c'), C::Main, A::Cancel, "cancel the run"),
    bind(Key::plain(K::Esc), C::Main, A::Cancel, "cancel the run / clear the search"),
    bind(Key::ch('p'), C::Main, A::EditTarget, "change target, ports and modes"),
    bind(Key::ch('e'), C::Main, A::ExportText, "export the transcript (text)"),
    bind(Key::ch('E'), C::Main, A::ExportJson, "export the report (JSON)"),
    bind(Key::ch('H'), C::Main, A::ExportHtml, "export the report (HTML, one self-contained file)"),
    bind(Key::ch('W'), C::Main, A::ToggleSettings, "what works from here: settings + code to copy"),
    bind(Key::plain(K::Tab), C::Main, A::FocusNext, "focus the next pane"),
    bind(Key::plain(K::BackTab), C::Main, A::FocusPrev, "focus the previous pane"),
    bind(Key::ch('k'), C::Main, A::Up, "up"),
    bind(Key::plain(K::Up), C::Main, A::Up, "up"),
    bind(Key::ch('j'), C::Main, A::Down, "down"),
    bind(Key::plain(K::Down), C::Main, A::Down, "down"),
    bind(Key::plain(K::PageUp), C::Main, A::PageUp, "page up"),
    bind(Key::plain(K::PageDown), C::Main, A::PageDown, "page down"),
    bind(Key::plain(K::Home), C::Main, A::Home, "first row / line"),
    bind(Key::ch('g'), C::Main, A::Home, "first row / line"),
    bind(Key::plain(K::End), C::Main, A::End, "last row / line, follow the tail"),
    bind(Key::ch('G'), C::Main, A::End, "last row / line, follow the tail"),
    bind(Key::ch('t'), C::Main, A::ToggleSide, "side pane: certificate / timeline / path / DNS"),
    bind(Key::ch('d'), C::Main, A::ShowDns, "DNS mail-security report (MX mode)"),
    bind(Key::ch('P'), C::Main, A::ShowPath, "path view: the hops to the server"),
    bind(Key::ch('a'), C::Main, A::ToggleAll, "selected endpoint / all (transcript, timeline)"),
    bind(Key::ch('h'), C::Main, A::ScrollLeft, "transcript: scroll left"),
    bind(Key::plain(K::Left), C::Main, A::ScrollLeft, "transcript: scroll left"),
    bind(Key::ch('l'), C::Main, A::ScrollRight, "transcript: scroll right"),
    bind(Key::plain(K::Right), C::Main, A::ScrollRight, "transcript: scroll right"),
    bind(Key::ch('0'), C::Main, A::ScrollColumn0, "transcript: back to column 0"),
    bind(Key::ch('w'), C::Main, A::ToggleWrap, "transcript: wrap long lines on / off"),
    bind(Key::ch('/'), C::Main, A::Search, "search the transcript"),
    bind(Key::ch('n'), C::Main, A::NextMatch, "next match"),
    bind(Key::ch('N'), C::Main, A::PrevMatch, "previous match"),
    bind(Key::ch('s'), C::Main, A::StartStep, "step through the selected endpoint by hand"),
    // Stepping session: its own keys, and the main screen's moving around and exports.
    bind(Key::plain(K::Enter), C::Step, A::StepRun, "run the next step"),
    bind(Key::ch('n'), C::Step, A::StepRun, "run the next step"),
    bind(Key::ch('i'), C::Step, A::StepEdit, "edit the next command"),
    bind(Key::ch(':'), C::Step, A::RawPrompt, "send a raw command (NOOP, HELP, VRFY ...)"),
    bind(Key::plain(K::Esc), C::Step, A::StepClose, "leave stepping (sends QUIT)"),
    inherit(C::Step, C::Main, &[A::Quit, A::ToggleHelp, A::FocusNext, A::FocusPrev, A::Up, A::Down, A::PageUp, A::PageDown]),
    bind(Key::plain(K::End), C::Step, A::End, "follow the tail"),
    inherit(C::Step, C::Main, &[A::ScrollLeft, A::ScrollRight, A::ScrollColumn0, A::ToggleWrap, A::ToggleSide, A::ShowDns, A::ShowPath, A::ExportText, A::ExportJson, A::ExportHtml]),
    // Text input.
    bind(Key::plain(K::Enter), C::Input, A::Submit, "accept"),
    bind(Key::plain(K::Esc), C::Input, A::Abort, "abandon"),
    bind(Key::ctrl('c'), C::Input, A::Abort, "abandon"),
    bind(Key::plain(K::Backspace), C::Input, A::DeleteBack, "delete before the cursor"),
    bind(Key::plain(K::Delete), C::Input, A::DeleteForward, "delete under the cursor"),
    bind(Key::plain(K::Left), C::Input, A::CursorLeft, "cursor left"),
    bind(Key::plain(K::Right), C::Input, A::CursorRight, "cursor right"),
    bind(Key::plain(K::Home), C::Input, A::CursorHome, "start of line"),
    bind(Key::ctrl('a'), C::Input, A::CursorHome, "start of line"),
    bind(Key::plain(K::End), C::Input, A::CursorEnd, "end of line"),
    bind(Key::ctrl('e'), C::Input, A::CursorEnd, "end of line"),
    bind(Key::ctrl('u'), C::Input, A::ClearLine, "clear the line"),
    // Target form.
    bind(Key::plain(K::Enter), C::Form, A::Submit, "start the probe"),
    bind(Key::plain(K::Esc), C::Form, A::Abort, "close the form (quit when no target yet)"),
    bind(Key::ctrl('c'), C::Form, A::Quit, "quit"),
    bind(Key::plain(K::Tab), C::Form, A::NextField, "next field"),
    bind(Key::plain(K::Down), C::Form, A::NextField, "next field"),
    bind(Key::plain(K::BackTab), C::Form, A::PrevField, "previous field"),
    bind(Key::plain(K::Up), C::Form, A::PrevField, "previous field"),
    bind(Key::ctrl('n'), C::Form, A::RecentNext, "next remembered target"),
    bind(Key::plain(K::PageDown), C::Form, A::RecentNext, "next remembered target"),
    bind(Key::ctrl('p'), C::Form, A::RecentPrev, "previous remembered target"),
    bind(Key::plain(K::PageUp), C::Form, A::RecentPrev, "previous remembered target"),
    bind(Key::plain(K::Backspace), C::Form, A::DeleteBack, "delete before the cursor"),
    bind(Key::plain(K::Delete), C::Form, A::DeleteForward, "delete under the cursor"),
    bind(Key::plain(K::Left), C::Form, A::CursorLeft, "cursor left (Preset, AUTH: previous choice)"),
    bind(Key::plain(K::Right), C::Form, A::CursorRight, "cursor right (Preset, AUTH: next choice)"),
    bind(Key::ctrl('o'), C::Form, A::PresetNext, "next provider preset (fills host, ports, AUTH)"),
    bind(Key::plain(K::Home), C::Form, A::CursorHome, "start of field"),
    bind(Key::plain(K::End), C::Form, A::CursorEnd, "end of field"),
    bind(Key::ctrl('u'), C::Form, A::ClearLine, "clear the field"),
    // Help popup.
    bind(Key::plain(K::Esc), C::Help, A::ToggleHelp, "close the help"),
    bind(Key::ch('?'), C::Help, A::ToggleHelp, "close the help"),
    bind(Key::ch('q'), C::Help, A::ToggleHelp, "close the help"),
    bind(Key::ctrl('c'), C::Help, A::Quit, "quit"),
    bind(Key::ch('k'), C::Help, A::Up, "scroll up"),
    bind(Key::plain(K::Up), C::Help, A::Up, "scroll up"),
    bind(Key::ch('j'), C::Help, A::Down, "scroll down"),
    bind(Key::plain(K::Down), C::Help, A::Down, "scroll down"),
    bind(Key::plain(K::PageUp), C::Help, A::PageUp, "page up"),
    bind(Key::plain(K::PageDown), C::Help, A::PageDown, "page down"),
    // Working-settings popup.
    bind(Key::plain(K::Esc), C::Settings, A::ToggleSettings, "close"),
    bind(Key::ch('W'), C::Settings, A::ToggleSettings, "close"),
    bind(Key::ch('q'), C::Settings, A::ToggleSettings, "close"),
    bind(Key::ctrl('c'), C::Settings, A::Quit, "quit"),
    bind(Key::plain(K::Tab), C::Settings, A::FocusNext, "next tab: settings, then the code per language"),
    bind(Key::plain(K::Right), C::Settings, A::FocusNext, "next tab: settings, then the code per language"),
    bind(Key::ch('l'), C::Settings, A::FocusNext, "next tab: settings, then the code per language"),
    bind(Key::plain(K::BackTab), C::Settings, A::FocusPrev, "previous tab"),
    bind(Key::plain(K::Left), C::Settings, A::FocusPrev, "previous tab"),
    bind(Key::ch('h'), C::Settings, A::FocusPrev, "previous tab"),
    bind(Key::ch('k'), C::Settings, A::Up, "scroll up"),
    bind(Key::plain(K::Up), C::Settings, A::Up, "scroll up"),
    bind(Key::ch('j'), C::Settings, A::Down, "scroll down"),
    bind(Key::plain(K::Down), C::Settings, A::Down, "scroll down"),
    bind(Key::plain(K::PageUp), C::Settings, A::PageUp, "page up"),
    bind(Key::plain(K::PageDown), C::Settings, A::PageDown, "page down"),
    bind(Key::ch('y'), C::Settings, A::Copy, "copy this tab to the clipboard (OSC 52 terminals)"),
    bind(Key::ch('H'), C::Settings, A::ExportHtml, "export the report (HTML, one self-contained file)"),
    // Confirmation.
    bind(Key::ch('y'), C::Confirm, A::Yes, "yes"),
    bind(Key::plain(K::Enter), C::Confirm, A::Yes, "yes"),
    bind(Key::ch('n'), C::Confirm, A::No, "no"),
    bind(Key::plain(K::Esc), C::Confirm, A::No, "no"),
    // Ctrl-C in a prompt cancels it, as in every prompt (search, raw, edit, question).
    bind(Key::ctrl('c'), C::Confirm, A::No, "no (cancel)"),
];

/// Every binding of [`KEYS`] in table order, inherited rows expanded in place.
pub fn bindings() -> impl Iterator<Item = KeyBinding> {
    KEYS.iter().flat_map(|row| -> Vec<KeyBinding> {
        match *row {
            KeyRow::Bind(b) => vec![b],
            KeyRow::Inherit {
                context,
                from,
                actions,
            } => actions
                .iter()
                .flat_map(|&action| own_bindings(from, action))
                .map(|b| KeyBinding { context, ..b })
                .collect(),
        }
    })
}

/// The bindings `context` declares itself for `action` (inheritance is one level deep).
fn own_bindings(context: Context, action: Action) -> impl Iterator<Item = KeyBinding> {
    KEYS.iter().filter_map(move |row| match *row {
        KeyRow::Bind(b) if b.context == context && b.action == action => Some(b),
        _ => None,
    })
}

/// The action bound to `key` in `context`, if any. Pure: the whole key handling of the
/// program goes through this lookup in [`KEYS`].
pub fn action_for(context: Context, key: Key) -> Option<Action> {
    bindings()
        .find(|b| b.context == context && b.key == key)
        .map(|b| b.action)
}

/// Contexts where unbound printable characters are typed into a text field.
pub fn types_text(context: Context) -> bool {
    matches!(context, Context::Input | Context::Form)
}

/// One help row: the keys (joined) that share an action and help text in a context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpRow {
    /// The keys, e.g. `j / ↓`.
    pub keys: String,
    /// What they do.
    pub help: &'static str,
}

/// The help popup's rows for one context, generated from [`KEYS`]; bindings with the
/// same action and text are merged into one row.
pub fn help_rows(context: Context) -> Vec<HelpRow> {
    let mut rows: Vec<(Action, HelpRow)> = Vec::new();
    for b in bindings().filter(|b| b.context == context) {
        if let Some((_, row)) = rows
            .iter_mut()
            .find(|(a, r)| *a == b.action && r.help == b.help)
        {
            row.keys.push_str(" / ");
            row.keys.push_str(&b.key.label());
        } else {
            rows.push((
                b.action,
                HelpRow {
                    keys: b.key.label(),
                    help: b.help,
                },
            ));
        }
    }
    rows.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests;
