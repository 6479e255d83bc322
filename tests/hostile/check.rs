//! Checks shared by the hostile-server tests: clean exports (no control, bidi or
//! zero-width character anywhere), time bounds, and process-wide measurements (resident
//! memory, open descriptors) read from /proc.

use std::time::Duration;

use smtptui::model::RunReport;

/// A character no export may contain: C0 controls (the text export's own line ends
/// aside), DEL, C1 controls, bidi overrides/isolates, zero-width and separator chars.
pub fn dangerous(c: char, allow_newline: bool) -> bool {
    if c == '\n' {
        return !allow_newline;
    }
    c.is_control()
        || matches!(c as u32,
            0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x2069 | 0xfeff | 0xfff9..=0xfffb)
}

/// Every string inside a JSON value (keys included), with whether it may hold line
/// breaks: only the code of the recommended snippets (`recommended.snippets[].code`),
/// which smtptui generates itself.
pub fn json_strings(v: &serde_json::Value, out: &mut Vec<(String, bool)>) {
    match v {
        serde_json::Value::String(s) => out.push((s.clone(), false)),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, out)),
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                out.push((k.clone(), false));
                match (k.as_str(), x) {
                    ("code", serde_json::Value::String(s)) if o.contains_key("title") => {
                        out.push((s.clone(), true));
                    }
                    _ => json_strings(x, out),
                }
            }
        }
        _ => {}
    }
}

/// Exports `r` as JSON and text, asserts both are clean, and returns them.
pub fn clean_exports(what: &str, r: &RunReport) -> (String, String) {
    let json = smtptui::export::to_json(r);
    let text = smtptui::export::to_text(r);
    let html = smtptui::export::to_html(r);
    // Tabs only indent the generated Go snippet.
    if let Some(c) = html.chars().find(|&c| c != '\t' && dangerous(c, true)) {
        panic!("{what}: HTML report holds U+{:04X}", c as u32);
    }
    if let Some(c) = text.chars().find(|&c| dangerous(c, true)) {
        panic!("{what}: text export holds U+{:04X}:\n{text}", c as u32);
    }
    if let Some(c) = json.chars().find(|&c| dangerous(c, true)) {
        panic!("{what}: JSON export holds raw U+{:04X}", c as u32);
    }
    // Inside the JSON strings too (serde would write an ESC as \u001b).
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut strings = Vec::new();
    json_strings(&value, &mut strings);
    for (s, multiline) in strings {
        if let Some(c) = s
            .chars()
            .find(|&c| !(multiline && c == '\t') && dangerous(c, multiline))
        {
            panic!("{what}: JSON string holds U+{:04X}: {s:?}", c as u32);
        }
    }
    (json, text)
}

pub fn assert_within(what: &str, elapsed: Duration, bound: Duration) {
    assert!(elapsed < bound, "{what} took {elapsed:?} (bound {bound:?})");
}

/// Resident set size of this process, in KiB.
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

/// (all open descriptors, socket descriptors) of this process.
pub fn fds() -> (usize, usize) {
    let mut all = 0;
    let mut sockets = 0;
    for e in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        all += 1;
        if std::fs::read_link(e.path()).is_ok_and(|t| t.to_string_lossy().starts_with("socket:")) {
            sockets += 1;
        }
    }
    (all, sockets)
}

pub fn transcript_text(r: &RunReport) -> String {
    r.endpoints[0]
        .transcript
        .iter()
        .map(|e| e.text.clone())
        .collect::<Vec<_>>()
        .join("\n")
}
