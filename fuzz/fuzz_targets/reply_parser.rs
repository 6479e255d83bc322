//! Fuzzes the SMTP reply parser two ways: `parse_reply_text` on the whole input, and an
//! incremental `ReplyParser` fed line by line (with small limits, so the bounds are hit),
//! checking the invariants every accepted reply must keep.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtptui_engine::smtp::reply::{Limits, ReplyParser, parse_reply_text};

fn check(reply: &smtptui_engine::smtp::Reply, limits: Limits) {
    assert!((100..=599).contains(&reply.code), "code {}", reply.code);
    assert!(!reply.lines.is_empty());
    assert!(reply.lines.len() <= limits.max_reply_lines);
    for line in &reply.lines {
        assert!(line.starts_with(&reply.code.to_string()), "{line}");
        assert!(
            !line.chars().any(char::is_control),
            "control char in {line:?}"
        );
    }
    if let Some(e) = reply.enhanced {
        assert_eq!(u16::from(e.class), reply.code / 100);
    }
    // These must not panic on any accepted reply.
    let _ = reply.text_lines();
    let _ = reply.message_lines();
    let _ = reply.summary();
}

fuzz_target!(|data: &[u8]| {
    let defaults = Limits::default();
    if let Ok(Some(reply)) = parse_reply_text(data, defaults) {
        check(&reply, defaults);
    }
    let small = Limits {
        max_line_len: 64,
        max_reply_lines: 4,
    };
    let mut parser = ReplyParser::new(small);
    for raw in data.split(|&b| b == b'\n') {
        let (line, lf_only) = match raw.strip_suffix(b"\r") {
            Some(l) => (l, false),
            None => (raw, true),
        };
        match parser.push_line(line, lf_only) {
            Ok(Some(reply)) => {
                check(&reply, small);
                assert!(!parser.in_progress());
            }
            Ok(None) => assert!(parser.in_progress()),
            // After an error the parser starts afresh.
            Err(e) => {
                assert!(!parser.in_progress());
                let msg = e.to_string();
                assert!(
                    !msg.chars().any(char::is_control),
                    "control char in {msg:?}"
                );
            }
        }
    }
});
