//! The working-settings popup (`W`): what works from here — the recommended endpoint,
//! why, the endpoints not chosen — and one tab per code snippet (Python, Node, PHP,
//! Django, .NET, Go, curl). The text has no left border and no indentation of its own,
//! so a mouse selection copies clean lines.
//!
//! ```text
//! ─ Working settings ─ Settings | Python | Node | … ─ Tab/←→ switch · Esc closes ─
//! host      mail.example.com
//! port      465
//! …
//! ──────────────────────────────────────────────────────────── 1-12 of 20 ─────
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::app::App;
use crate::tui::layout::centered;

use super::safe;

/// Tabs: the settings, then one per snippet (just the settings when there is none).
pub fn tab_count(app: &App) -> usize {
    1 + app
        .run()
        .report()
        .and_then(|r| r.recommended.as_ref())
        .map_or(0, |r| r.snippets.len())
}

/// The tab titles.
fn tab_titles(app: &App) -> Vec<String> {
    let mut t = vec!["Settings".to_string()];
    if let Some(r) = app
        .run()
        .report()
        .as_ref()
        .and_then(|r| r.recommended.as_ref())
    {
        t.extend(r.snippets.iter().map(|s| s.title.clone()));
    }
    t
}

/// The lines of one tab.
pub fn tab_lines(app: &App, tab: usize) -> Vec<String> {
    let Some(report) = &app.run().report() else {
        return vec![
            "The run has not finished yet: the recommendation comes when it is done.".into(),
        ];
    };
    let Some(rec) = &report.recommended else {
        return vec![
            "No endpoint worked from here, so there is nothing to recommend.".into(),
            "The verdict of each endpoint says what failed and what to do.".into(),
        ];
    };
    if tab == 0 {
        let mut v = vec![format!("Use {}", rec.headline()), String::new()];
        v.extend(rec.settings_text().lines().map(str::to_string));
        v.push(String::new());
        v.push("Tab / → shows the code for Python, Node, PHP, Django, .NET, Go and curl.".into());
        v.push("H writes all of it into the HTML report.".into());
        return v;
    }
    rec.snippets
        .get(tab - 1)
        .map(|s| s.code.lines().map(|l| l.replace('\t', "    ")).collect())
        .unwrap_or_default()
}

/// Draws the popup over the main screen, tab `tab` scrolled to `scroll`.
pub fn render(app: &App, frame: &mut Frame, area: Rect, tab: usize, scroll: usize) {
    let t = app.theme();
    let tab = tab.min(tab_count(app) - 1);
    // The whole width: nothing of the screen below shows through beside the text.
    let r = centered(area, area.width, area.height.saturating_sub(2).max(3));
    let lines = tab_lines(app, tab);
    let inner_h = r.height.saturating_sub(2) as usize;
    let scroll = scroll.min(lines.len().saturating_sub(inner_h));
    let mut title = vec![Span::styled(" Working settings ", t.heading())];
    for (i, name) in tab_titles(app).iter().enumerate() {
        let short = name.split_whitespace().next().unwrap_or(name).to_string();
        title.push(if i == tab {
            Span::styled(format!("[{short}]"), t.key())
        } else {
            Span::styled(format!(" {short} "), t.dim())
        });
    }
    title.push(Span::styled(" Tab/←→ · Esc ", t.dim()));
    let block = Block::default()
        .borders(Borders::TOP | Borders::BOTTOM)
        .border_style(t.border(true))
        .title(Line::from(title))
        .title_bottom(super::popup::range_title(t, scroll, inner_h, lines.len()));
    let body: Vec<Line> = lines
        .iter()
        .map(|l| Line::from(safe(l).into_owned()))
        .collect();
    // The settings wrap (long reasons); code never does, so a selection copies it.
    let para = Paragraph::new(body).block(block).scroll((scroll as u16, 0));
    let para = if tab == 0 {
        para.wrap(ratatui::widgets::Wrap { trim: false })
    } else {
        para
    };
    frame.render_widget(Clear, r);
    frame.render_widget(para, r);
}
