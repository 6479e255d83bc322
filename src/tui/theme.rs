//! Styles. One place decides colours, so `NO_COLOR` (<https://no-color.org>) turns every
//! colour off at once: then emphasis comes from bold, reverse and underline only.

use ratatui::style::{Color, Modifier, Style};

use crate::model::{Class, Direction, Severity};

/// The palette, with or without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// No colours at all.
    pub no_color: bool,
}

/// How good something is, for colouring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Works.
    Good,
    /// A failure.
    Bad,
    /// Certificate or policy trouble: works technically, needs attention.
    Warn,
    /// In progress.
    Busy,
    /// Not started or irrelevant.
    Dim,
}

impl Theme {
    /// A theme; `no_color` removes every colour.
    pub fn new(no_color: bool) -> Self {
        Self { no_color }
    }

    fn fg(self, c: Color) -> Style {
        if self.no_color {
            Style::new()
        } else {
            Style::new().fg(c)
        }
    }

    /// Plain text.
    pub fn text(self) -> Style {
        Style::new()
    }

    /// De-emphasised text (labels, timestamps).
    pub fn dim(self) -> Style {
        if self.no_color {
            Style::new()
        } else {
            Style::new().fg(Color::DarkGray)
        }
    }

    /// Headings and labels.
    pub fn heading(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// A tone.
    pub fn tone(self, tone: Tone) -> Style {
        match tone {
            Tone::Good => self.fg(Color::Green),
            Tone::Bad => self.fg(Color::Red).add_modifier(Modifier::BOLD),
            Tone::Warn => self.fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Tone::Busy => self.fg(Color::Cyan),
            Tone::Dim => self.dim(),
        }
    }

    /// The border of a pane; the focused one stands out.
    pub fn border(self, focused: bool) -> Style {
        match (focused, self.no_color) {
            (true, true) => Style::new().add_modifier(Modifier::BOLD),
            (true, false) => Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            (false, true) => Style::new(),
            (false, false) => Style::new().fg(Color::DarkGray),
        }
    }

    /// The selected row of a list.
    pub fn selected(self) -> Style {
        if self.no_color {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
                .bg(Color::Rgb(40, 50, 70))
                .add_modifier(Modifier::BOLD)
        }
    }

    /// A search match.
    pub fn matched(self) -> Style {
        if self.no_color {
            Style::new().add_modifier(Modifier::UNDERLINED | Modifier::BOLD)
        } else {
            Style::new().fg(Color::Black).bg(Color::Yellow)
        }
    }

    /// The current search match.
    pub fn current_match(self) -> Style {
        if self.no_color {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new()
                .fg(Color::Black)
                .bg(Color::LightRed)
                .add_modifier(Modifier::BOLD)
        }
    }

    /// The title bar and the status bar.
    pub fn bar(self) -> Style {
        if self.no_color {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().fg(Color::White).bg(Color::Rgb(30, 40, 60))
        }
    }

    /// A key name in hints.
    pub fn key(self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    /// A transcript line by direction.
    pub fn direction(self, dir: Direction) -> Style {
        match dir {
            Direction::Client => self.fg(Color::LightBlue),
            Direction::Server => self.fg(Color::Gray),
            Direction::ClientTls => self.fg(Color::LightGreen),
            Direction::ServerTls => self.fg(Color::Green),
            Direction::Info => self.dim(),
            Direction::Error => self.fg(Color::Red).add_modifier(Modifier::BOLD),
        }
    }

    /// A timeline bar segment; `alt` alternates so neighbours stay distinguishable.
    pub fn bar_segment(self, index: usize, ok: bool) -> Style {
        const PALETTE: [Color; 6] = [
            Color::Blue,
            Color::Magenta,
            Color::Cyan,
            Color::Green,
            Color::Yellow,
            Color::LightBlue,
        ];
        if !ok {
            return self.fg(Color::Red);
        }
        self.fg(PALETTE[index % PALETTE.len()])
    }
}

impl From<Severity> for Tone {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Ok => Tone::Good,
            Severity::Attention => Tone::Warn,
            Severity::Failure => Tone::Bad,
        }
    }
}

/// The tone of a classification, from its one severity source ([`Class::severity`]).
pub fn class_tone(class: Class) -> Tone {
    class.severity().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tones() {
        assert_eq!(class_tone(Class::Ok), Tone::Good);
        assert_eq!(class_tone(Class::CertExpired), Tone::Warn);
        assert_eq!(class_tone(Class::AuthDisabledByPolicy), Tone::Warn);
        assert_eq!(class_tone(Class::Timeout), Tone::Bad);
        assert_eq!(class_tone(Class::StarttlsStripped), Tone::Bad);
        assert_eq!(class_tone(Class::TlsRequired), Tone::Warn);
        assert_eq!(class_tone(Class::ClientBlocklisted), Tone::Bad);
        for &c in Class::ALL {
            let want = match c.severity() {
                Severity::Ok => Tone::Good,
                Severity::Attention => Tone::Warn,
                Severity::Failure => Tone::Bad,
            };
            assert_eq!(class_tone(c), want, "{c}");
        }
    }

    #[test]
    fn no_color_has_no_colours() {
        let t = Theme::new(true);
        let styles = [
            t.dim(),
            t.heading(),
            t.tone(Tone::Bad),
            t.tone(Tone::Good),
            t.border(true),
            t.selected(),
            t.matched(),
            t.bar(),
            t.key(),
            t.direction(Direction::Error),
            t.bar_segment(2, true),
        ];
        for s in styles {
            assert!(s.fg.is_none() && s.bg.is_none(), "{s:?}");
        }
    }
}
