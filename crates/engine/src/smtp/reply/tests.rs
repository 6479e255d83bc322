//! Tables and properties for the reply parser.

use std::fmt::Write as _;

use proptest::prelude::*;

use super::*;

fn parse(text: &str) -> Result<Option<Reply>, ReplyError> {
    parse_reply_text(text.as_bytes(), Limits::default())
}

#[test]
fn good_replies() {
    // (input, code, lines, enhanced, lf_only)
    let cases: &[(&str, u16, usize, Option<&str>, bool)] = &[
        ("220 mail.test ESMTP ready\r\n", 220, 1, None, false),
        (
            "250-mail.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
            250,
            3,
            None,
            false,
        ),
        ("250\r\n", 250, 1, None, false),
        ("250-\r\n250\r\n", 250, 2, None, false),
        (
            "535 5.7.8 Authentication credentials invalid\r\n",
            535,
            1,
            Some("5.7.8"),
            false,
        ),
        (
            "550-5.7.1 first\r\n550 5.7.1 second\r\n",
            550,
            2,
            Some("5.7.1"),
            false,
        ),
        (
            "451 4.7.1 Greylisted, try later\n",
            451,
            1,
            Some("4.7.1"),
            true,
        ),
        ("250-a\r\n250 b\n", 250, 2, None, true),
        ("250 2.1.0 Ok\r\n", 250, 1, Some("2.1.0"), false),
        ("250 2.123.999 Ok\r\n", 250, 1, Some("2.123.999"), false),
        (
            "354 End data with <CR><LF>.<CR><LF>\r\n",
            354,
            1,
            None,
            false,
        ),
        ("334 VXNlcm5hbWU6\r\n", 334, 1, None, false),
        ("100 preliminary\r\n", 100, 1, None, false),
        // Enhanced code class must match the reply's class.
        ("550 2.1.0 odd\r\n", 550, 1, None, false),
        // Not enhanced codes: too many digits, extra parts, no space after.
        ("550 5.1234.1 x\r\n", 550, 1, None, false),
        ("550 5.1.1.1 x\r\n", 550, 1, None, false),
        ("550 5.1.1x\r\n", 550, 1, None, false),
        ("550 5.7.1\r\n", 550, 1, Some("5.7.1"), false),
    ];
    for &(input, code, n, enhanced, lf_only) in cases {
        let r = parse(input)
            .unwrap_or_else(|e| panic!("{input:?}: {e}"))
            .expect(input);
        assert_eq!(r.code, code, "{input:?}");
        assert_eq!(r.lines.len(), n, "{input:?}");
        assert_eq!(
            r.enhanced.map(|e| e.to_string()).as_deref(),
            enhanced,
            "{input:?}"
        );
        assert_eq!(r.lf_only, lf_only, "{input:?}");
    }
}

#[test]
fn malformed_lines() {
    for bad in [
        "999 no\r\n",
        "2x0 hi\r\n",
        "25\r\n",
        "\r\n",
        "hello\r\n",
        "250x\r\n",
        "650 x\r\n",
        "260 x\r\n",
        "050 x\r\n",
        " 250 x\r\n",
        "250\tx\r\n",
        "SSH-2.0-OpenSSH_9.6\r\n",
    ] {
        match parse(bad) {
            Err(ReplyError::Malformed { line }) => {
                assert_eq!(line, escape_bytes(bad.trim_end().as_bytes()), "{bad:?}");
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
}

#[test]
fn code_mismatch_and_reset() {
    let mut p = ReplyParser::new(Limits::default());
    assert_eq!(p.push_line(b"250-a", false), Ok(None));
    assert!(p.in_progress());
    assert_eq!(
        p.push_line(b"251 b", false),
        Err(ReplyError::CodeMismatch {
            first: 250,
            line: "251 b".into()
        })
    );
    // After an error the parser starts afresh.
    assert!(!p.in_progress());
    let r = p.push_line(b"221 bye", false).unwrap().unwrap();
    assert_eq!(r.code, 221);
}

#[test]
fn accessors() {
    let r = parse("250-mail.test Hello\r\n250-SIZE 1000\r\n250 2.0.0 OK\r\n")
        .unwrap()
        .unwrap();
    assert_eq!(r.severity(), 2);
    assert!(r.is_positive() && !r.is_intermediate() && !r.is_transient() && !r.is_permanent());
    assert_eq!(
        r.text_lines(),
        vec!["mail.test Hello", "SIZE 1000", "2.0.0 OK"]
    );
    assert_eq!(r.message_lines()[2], "OK");
    assert_eq!(r.first_line(), "250-mail.test Hello");
    assert_eq!(r.summary(), "250-mail.test Hello (+2 lines)");
    let bare = parse("250\r\n").unwrap().unwrap();
    assert_eq!(bare.text_lines(), vec![""]);
    assert_eq!(bare.summary(), "250");
    for (text, sev) in [("354 go\r\n", 3), ("421 busy\r\n", 4), ("554 no\r\n", 5)] {
        let r = parse(text).unwrap().unwrap();
        assert_eq!(r.severity(), sev);
        assert_eq!(r.is_intermediate(), sev == 3);
        assert_eq!(r.is_transient(), sev == 4);
        assert_eq!(r.is_permanent(), sev == 5);
    }
}

#[test]
fn limits_enforced() {
    let limits = Limits {
        max_line_len: 10,
        max_reply_lines: 3,
    };
    let mut p = ReplyParser::new(limits);
    assert_eq!(
        p.push_line(b"250 0123456789", false),
        Err(ReplyError::LineTooLong { limit: 10 })
    );
    assert_eq!(
        p.push_line(b"250 012345", false)
            .unwrap()
            .unwrap()
            .lines
            .len(),
        1
    );
    for _ in 0..3 {
        assert_eq!(p.push_line(b"250-x", false), Ok(None));
    }
    assert_eq!(
        p.push_line(b"250-x", false),
        Err(ReplyError::TooManyLines { limit: 3 })
    );
    // Exactly max_reply_lines lines is fine.
    for _ in 0..2 {
        assert_eq!(p.push_line(b"250-x", false), Ok(None));
    }
    assert_eq!(
        p.push_line(b"250 x", false).unwrap().unwrap().lines.len(),
        3
    );
}

#[test]
fn escapes_hostile_bytes() {
    let r = parse_reply_text(
        b"220 \x1b[2J\0\xff\xfe \xe2\x80\xae evil\r\n",
        Limits::default(),
    )
    .unwrap()
    .unwrap();
    assert_eq!(r.lines[0], "220 \\x1b[2J\\0\\xff\\xfe \\u{202e} evil");
    let err = parse_reply_text(b"\x1b]0;x\x07\r\n", Limits::default()).unwrap_err();
    assert_eq!(
        err,
        ReplyError::Malformed {
            line: "\\x1b]0;x\\x07".into()
        }
    );
    // Long malformed lines are shortened in the error.
    let long = format!("x{}", "y".repeat(1000));
    match parse(&long) {
        Err(ReplyError::Malformed { line }) => {
            assert!(line.chars().count() <= 201, "{}", line.len());
        }
        other => panic!("{other:?}"),
    }
}

fn no_controls(s: &str) -> bool {
    s.chars().all(|c| !c.is_control())
}

proptest! {
    #[test]
    fn parser_never_panics(lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 0..20),
                           lf in any::<bool>()) {
        let mut p = ReplyParser::new(Limits { max_line_len: 30, max_reply_lines: 5 });
        for l in &lines {
            match p.push_line(l, lf) {
                Ok(Some(r)) => {
                    prop_assert!((100..600).contains(&r.code));
                    prop_assert!(!r.lines.is_empty() && r.lines.len() <= 5);
                    prop_assert!(r.lines.iter().all(|l| no_controls(l)));
                    let _ = (r.summary(), r.text_lines(), r.message_lines());
                }
                Err(ReplyError::Malformed { line } | ReplyError::CodeMismatch { line, .. }) => {
                    prop_assert!(no_controls(&line));
                }
                Ok(None) | Err(_) => {}
            }
        }
    }

    #[test]
    fn well_formed_replies_round_trip(code in 200u16..560, texts in proptest::collection::vec("[ -~]{0,30}", 1..6)) {
        prop_assume!(code % 100 < 60 && code % 10 < 10);
        let mut wire = String::new();
        for (i, t) in texts.iter().enumerate() {
            let sep = if i + 1 == texts.len() { ' ' } else { '-' };
            let _ = write!(wire, "{code}{sep}{t}\r\n");
        }
        let r = parse(&wire).unwrap().unwrap();
        prop_assert_eq!(r.code, code);
        let want: Vec<String> = texts.iter().map(|t| escape_bytes(t.as_bytes())).collect();
        prop_assert_eq!(r.text_lines(), want.iter().map(String::as_str).collect::<Vec<_>>());
    }
}
