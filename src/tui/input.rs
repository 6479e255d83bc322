//! A one-line text input (search, raw command, step command, form fields): the text
//! and a cursor counted in characters.

use super::keys::Action;

/// Characters that must never be shown raw: controls (C0, DEL, C1), bidi overrides
/// and isolates, zero-width and line/paragraph separators.
pub fn unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x2069 | 0xfeff | 0xfff9..=0xfffb)
}

/// Editable single-line text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    text: String,
    /// Cursor position in characters (0..=len).
    cursor: usize,
}

impl LineInput {
    /// An input holding `text`, cursor at the end.
    pub fn new(text: impl Into<String>) -> Self {
        let text = text.into();
        let cursor = text.chars().count();
        Self { text, cursor }
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor position in characters.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Inserts a character at the cursor. Control and bidi/zero-width characters are
    /// refused, so nothing typed (or pasted) can become an escape sequence on screen or
    /// on the wire, or reorder what the user sees.
    pub fn insert(&mut self, c: char) {
        if unsafe_char(c) {
            return;
        }
        let at = self.byte_at(self.cursor);
        self.text.insert(at, c);
        self.cursor += 1;
    }

    /// Applies an editing action; returns whether it was one.
    pub fn apply(&mut self, action: Action) -> bool {
        let len = self.text.chars().count();
        match action {
            Action::DeleteBack if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            Action::DeleteForward if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            Action::CursorLeft => self.cursor = self.cursor.saturating_sub(1),
            Action::CursorRight => self.cursor = (self.cursor + 1).min(len),
            Action::CursorHome => self.cursor = 0,
            Action::CursorEnd => self.cursor = len,
            Action::ClearLine => {
                self.text.clear();
                self.cursor = 0;
            }
            Action::DeleteBack | Action::DeleteForward => {}
            _ => return false,
        }
        true
    }

    /// Replaces the text and moves the cursor to the end.
    pub fn set(&mut self, text: impl Into<String>) {
        *self = Self::new(text);
    }

    /// Empties the input.
    pub fn clear(&mut self) {
        self.set(String::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing() {
        let mut i = LineInput::new("EHLO x");
        i.apply(Action::CursorHome);
        i.apply(Action::DeleteForward);
        i.insert('h');
        assert_eq!(i.text(), "hHLO x");
        i.apply(Action::CursorEnd);
        i.apply(Action::DeleteBack);
        i.insert('ü');
        i.insert('\x1b');
        i.insert('\u{202e}');
        assert_eq!(i.text(), "hHLO ü");
        assert_eq!(i.cursor(), 6);
        i.apply(Action::CursorLeft);
        i.insert('!');
        assert_eq!(i.text(), "hHLO !ü");
        assert!(!i.apply(Action::Quit));
        i.apply(Action::ClearLine);
        assert_eq!(i.text(), "");
        i.apply(Action::DeleteBack);
        assert_eq!(i.cursor(), 0);
    }
}
