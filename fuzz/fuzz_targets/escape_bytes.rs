//! Fuzzes the transcript escaper: whatever the bytes, the output holds no control
//! character (C0, DEL, C1), no bidi override or isolate and no zero-width character;
//! a backslash is always escaped (so the output never ends in a lone backslash);
//! printable ASCII passes unchanged; `escape_str` agrees with `escape_bytes`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtptui_engine::model::{escape_bytes, escape_str};

fn dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x200b..=0x200f | 0x2028..=0x202e | 0x2060..=0x2069 | 0xfeff | 0xfff9..=0xfffb)
}

fn check(out: &str) {
    if let Some(c) = out.chars().find(|&c| dangerous(c)) {
        panic!("dangerous char U+{:04X} in {out:?}", c as u32);
    }
    // Backslashes come in escape sequences only: never a lone one at the end.
    let trailing = out.bytes().rev().take_while(|&b| b == b'\\').count();
    assert!(trailing % 2 == 0, "lone trailing backslash in {out:?}");
}

fuzz_target!(|data: &[u8]| {
    let out = escape_bytes(data);
    check(&out);
    // Printable ASCII without backslashes passes through unchanged.
    if data
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) && b != b'\\')
    {
        assert_eq!(out.as_bytes(), data);
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let out2 = escape_str(s);
        check(&out2);
        assert_eq!(
            out, out2,
            "escape_str and escape_bytes disagree on valid UTF-8"
        );
    }
});
