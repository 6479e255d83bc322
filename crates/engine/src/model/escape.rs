//! Escaping of bytes that came from the network, so that nothing a server sends can
//! drive the user's terminal or corrupt a file: control characters, escape sequences,
//! invalid UTF-8, C1 controls and bidirectional overrides become visible escapes.

use std::fmt::Write as _;

/// Escapes raw network bytes for display. Valid UTF-8 printable text passes through;
/// everything else becomes `\xNN`, `\u{NNNN}`, `\r`, `\n`, `\t`, `\0` or `\\`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        push_escaped(&mut out, chunk.valid());
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

/// Escapes a string that may hold text from the network (for example a certificate
/// field decoded by x509-parser).
pub fn escape_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

fn push_escaped(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if is_dangerous_unicode(c) => {
                let _ = write!(out, "\\u{{{:04x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

/// C1 controls, bidi overrides/isolates, zero-width and line/paragraph separators:
/// characters that can reorder, hide or restyle what the user sees.
fn is_dangerous_unicode(c: char) -> bool {
    matches!(c as u32,
        0x80..=0x9f
        | 0x200b..=0x200f
        | 0x2028..=0x202e
        | 0x2060..=0x2069
        | 0xfeff
        | 0xfff9..=0xfffb)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&[u8], &str)] = &[
            (b"220 mail.test ESMTP", "220 mail.test ESMTP"),
            (b"220 \x1b[31mred\x1b[0m", "220 \\x1b[31mred\\x1b[0m"),
            (b"osc \x1b]0;title\x07", "osc \\x1b]0;title\\x07"),
            (b"nul\0x", "nul\\0x"),
            (b"bad \xff\xfe utf8", "bad \\xff\\xfe utf8"),
            (b"tab\tcr\r", "tab\\tcr\\r"),
            (b"back\\slash", "back\\\\slash"),
            ("bidi \u{202e}x".as_bytes(), "bidi \\u{202e}x"),
            ("c1 \u{9b}31m".as_bytes(), "c1 \\u{009b}31m"),
            ("ünïcode ok".as_bytes(), "ünïcode ok"),
            (b"del\x7f", "del\\x7f"),
        ];
        for (input, want) in cases {
            assert_eq!(escape_bytes(input), *want, "input {input:?}");
        }
    }

    #[test]
    fn output_never_contains_controls() {
        let all: Vec<u8> = (0..=255u8).collect();
        let s = escape_bytes(&all);
        assert!(s.chars().all(|c| !c.is_control()), "{s}");
    }
}
