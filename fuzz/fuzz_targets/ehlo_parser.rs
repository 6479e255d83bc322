//! Fuzzes the EHLO capability parser on every reply the reply parser accepts, checking
//! that what it extracts is consistent and free of control characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtptui_engine::smtp::ehlo::{banner_looks_masked, parse_ehlo};
use smtptui_engine::smtp::reply::{Limits, parse_reply_text};

fuzz_target!(|data: &[u8]| {
    let Ok(Some(reply)) = parse_reply_text(data, Limits::default()) else {
        return;
    };
    let caps = parse_ehlo(&reply);
    let _ = banner_looks_masked(&reply);
    assert_eq!(caps.raw, reply.lines);
    let strings = std::iter::once(&caps.domain)
        .chain(&caps.keywords)
        .chain(&caps.auth)
        .chain(&caps.masked);
    for s in strings {
        assert!(!s.chars().any(char::is_control), "control char in {s:?}");
    }
    for k in &caps.keywords {
        assert!(!k.is_empty() && !k.contains(' '), "keyword {k:?}");
        assert!(caps.has(k));
    }
    for m in &caps.auth {
        assert!(caps.has_auth(m));
    }
    if caps.starttls {
        assert!(caps.has("STARTTLS"));
    }
});
