//! Fuzzes the certificate summariser on arbitrary DER: it must never panic, and every
//! string it returns must be escaped (no control characters).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtptui_engine::tls::{summarize, summarize_at};

fn clean(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

fuzz_target!(|data: &[u8]| {
    match summarize(data) {
        Ok(c) => {
            for s in [
                &c.subject,
                &c.issuer,
                &c.not_before,
                &c.not_after,
                &c.key,
                &c.signature,
                &c.serial,
                &c.sha256,
            ] {
                assert!(clean(s), "control char in {s:?}");
            }
            for s in &c.sans {
                assert!(clean(s), "control char in SAN {s:?}");
            }
            // A fixed clock far from now (year 1970) must work too.
            let _ = summarize_at(data, 0);
        }
        Err(e) => assert!(clean(&e), "control char in error {e:?}"),
    }
});
