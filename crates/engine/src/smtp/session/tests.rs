//! Session tests over `tokio::io::duplex`.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;

use super::*;
use crate::model::transcript::RunClock;
use crate::model::{EndpointId, ProbeEvent, RunId};
use crate::smtp::reply::ReplyError;

fn session_with(limits: Limits, in_tls: bool) -> (Session<DuplexStream>, DuplexStream) {
    let (client, server) = tokio::io::duplex(64 * 1024);
    let rec = Recorder::new(RunClock::start(), RunId(1), EndpointId(0), None);
    (Session::new(client, in_tls, rec, limits), server)
}

fn session() -> (Session<DuplexStream>, DuplexStream) {
    session_with(Limits::default(), false)
}

fn texts(s: &mut Session<DuplexStream>) -> Vec<(Direction, String)> {
    s.recorder()
        .entries()
        .iter()
        .map(|e| (e.dir, e.text.clone()))
        .collect()
}

fn no_controls(s: &str) -> bool {
    s.chars().all(|c| !c.is_control())
}

#[tokio::test]
async fn multi_line_reply_recorded_line_by_line() {
    let (mut s, mut server) = session();
    server
        .write_all(b"250-mail.test\r\n250-PIPELINING\r\n250 SIZE 10\r\n")
        .await
        .unwrap();
    let r = s.read_reply().await.unwrap();
    assert_eq!(r.code, 250);
    assert_eq!(r.lines, ["250-mail.test", "250-PIPELINING", "250 SIZE 10"]);
    assert!(!r.lf_only);
    let want: Vec<(Direction, String)> = r
        .lines
        .iter()
        .map(|l| (Direction::Server, l.clone()))
        .collect();
    assert_eq!(texts(&mut s), want);
    assert!(s.buffered().is_empty());
}

#[tokio::test]
async fn tls_directions_and_events() {
    let (client, mut server) = tokio::io::duplex(1024);
    let (tx, mut rx) = mpsc::channel(16);
    let rec = Recorder::new(RunClock::start(), RunId(9), EndpointId(2), Some(tx));
    let mut s = Session::new(client, true, rec, Limits::default());
    assert!(s.in_tls());
    server.write_all(b"250 ok\r\n").await.unwrap();
    let r = s.command("NOOP").await.unwrap();
    assert_eq!(r.code, 250);
    let mut wire = [0u8; 6];
    server.read_exact(&mut wire).await.unwrap();
    assert_eq!(&wire, b"NOOP\r\n");
    let dirs: Vec<Direction> = s.recorder().entries().iter().map(|e| e.dir).collect();
    assert_eq!(dirs, [Direction::ClientTls, Direction::ServerTls]);
    for want in ["NOOP", "250 ok"] {
        match rx.recv().await {
            Some(ProbeEvent::Line {
                run: RunId(9),
                endpoint: EndpointId(2),
                entry,
            }) => {
                assert_eq!(entry.text, want);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn byte_by_byte_and_lf_only() {
    let (mut s, mut server) = session();
    let writer = tokio::spawn(async move {
        for b in b"220-hello\n220 there\r\n" {
            server.write_all(&[*b]).await.unwrap();
            tokio::task::yield_now().await;
        }
        server
    });
    let r = s.read_reply().await.unwrap();
    assert_eq!(r.lines, ["220-hello", "220 there"]);
    assert!(r.lf_only);
    drop(writer.await.unwrap());
}

#[tokio::test]
async fn bytes_after_a_reply_stay_buffered() {
    let (mut s, mut server) = session();
    server
        .write_all(b"220 go ahead\r\n250 injected\r\n")
        .await
        .unwrap();
    let r = s.read_reply().await.unwrap();
    assert_eq!(r.code, 220);
    assert_eq!(s.buffered(), b"250 injected\r\n");
    let (_stream, rest, rec) = s.into_parts();
    assert_eq!(rest, b"250 injected\r\n");
    assert_eq!(rec.entries().len(), 1);
}

#[tokio::test]
async fn endless_line_fails_fast_with_bounded_memory() {
    let limits = Limits::default();
    let (mut s, mut server) = session_with(limits, false);
    let writer = tokio::spawn(async move {
        let block = vec![b'A'; 64 * 1024];
        let mut written = 0usize;
        while written < 50 * 1024 * 1024 {
            if server.write_all(&block).await.is_err() {
                break;
            }
            written += block.len();
        }
        written
    });
    let start = Instant::now();
    let err = s.read_reply().await.unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert!(
        matches!(
            err,
            SmtpError::Reply(ReplyError::LineTooLong { limit: 4096 })
        ),
        "{err:?}"
    );
    assert!(
        s.buffered().len() <= limits.max_line_len + CHUNK + 1,
        "{}",
        s.buffered().len()
    );
    let entries = s.recorder().entries().to_vec();
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0]
            .text
            .ends_with("[... line longer than 4096 bytes, reading stopped]")
    );
    assert!(entries[0].text.len() < 400);
    drop(s);
    // The writer got stuck once the pipe was full: we never read the 50 MB.
    let written = writer.await.unwrap();
    assert!(written < 1024 * 1024, "{written}");
}

#[tokio::test]
async fn line_limit_is_exact() {
    let limits = Limits {
        max_line_len: 8,
        max_reply_lines: 4,
    };
    let (mut s, mut server) = session_with(limits, false);
    server
        .write_all(b"250 1234\r\n250 12345\r\n")
        .await
        .unwrap();
    assert_eq!(s.read_reply().await.unwrap().lines, ["250 1234"]);
    let err = s.read_reply().await.unwrap_err();
    assert!(
        matches!(err, SmtpError::Reply(ReplyError::LineTooLong { limit: 8 })),
        "{err:?}"
    );
    // A line of exactly the limit whose CR arrives before its LF is fine.
    let (mut s, mut server) = session_with(limits, false);
    server.write_all(b"250 1234\r").await.unwrap();
    let reader = tokio::spawn(async move { s.read_reply().await.map(|r| r.lines) });
    tokio::time::sleep(Duration::from_millis(20)).await;
    server.write_all(b"\n").await.unwrap();
    assert_eq!(reader.await.unwrap().unwrap(), ["250 1234"]);
}

#[tokio::test]
async fn endless_continuation_lines() {
    let (mut s, mut server) = session();
    let writer = tokio::spawn(async move {
        let mut wire = Vec::new();
        for i in 0..100_000 {
            wire.extend_from_slice(format!("250-line {i}\r\n").as_bytes());
        }
        wire.extend_from_slice(b"250 end\r\n");
        let _ = server.write_all(&wire).await;
    });
    let start = Instant::now();
    let err = s.read_reply().await.unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(2));
    assert!(
        matches!(
            err,
            SmtpError::Reply(ReplyError::TooManyLines { limit: 256 })
        ),
        "{err:?}"
    );
    assert_eq!(s.recorder().entries().len(), 257);
    drop(s);
    writer.await.unwrap();
}

#[tokio::test]
async fn hostile_bytes_are_escaped() {
    let (mut s, mut server) = session();
    server
        .write_all(b"220 \x1b[2J\x1b]0;pwned\x07 \0 \xff\xfe \xc2\x9b \xe2\x80\xae\r\n")
        .await
        .unwrap();
    let r = s.read_reply().await.unwrap();
    let want = "220 \\x1b[2J\\x1b]0;pwned\\x07 \\0 \\xff\\xfe \\u{009b} \\u{202e}";
    assert_eq!(r.lines, [want]);
    assert_eq!(texts(&mut s), [(Direction::Server, want.to_string())]);
}

#[tokio::test]
async fn eof_cases() {
    // Clean EOF before anything.
    let (mut s, server) = session();
    drop(server);
    assert!(matches!(
        s.read_reply().await,
        Err(SmtpError::Closed { partial: false })
    ));
    // EOF after a continuation line.
    let (mut s, mut server) = session();
    server.write_all(b"250-first\r\n").await.unwrap();
    drop(server);
    assert!(matches!(
        s.read_reply().await,
        Err(SmtpError::Closed { partial: true })
    ));
    // EOF in the middle of a line: the fragment is recorded.
    let (mut s, mut server) = session();
    server.write_all(b"220 half a li").await.unwrap();
    drop(server);
    assert!(matches!(
        s.read_reply().await,
        Err(SmtpError::Closed { partial: true })
    ));
    assert_eq!(
        texts(&mut s),
        [(Direction::Server, "220 half a li".to_string())]
    );
    assert!(s.buffered().is_empty());
}

#[tokio::test]
async fn malformed_and_mismatch_surface_as_reply_errors() {
    let (mut s, mut server) = session();
    server
        .write_all(b"SSH-2.0-OpenSSH_9.6\r\n250-a\r\n251 b\r\n")
        .await
        .unwrap();
    match s.read_reply().await {
        Err(SmtpError::Reply(ReplyError::Malformed { line })) => {
            assert_eq!(line, "SSH-2.0-OpenSSH_9.6");
        }
        other => panic!("{other:?}"),
    }
    match s.read_reply().await {
        Err(SmtpError::Reply(ReplyError::CodeMismatch { first: 250, line })) => {
            assert_eq!(line, "251 b");
        }
        other => panic!("{other:?}"),
    }
    // Everything received was recorded.
    assert_eq!(s.recorder().entries().len(), 3);
}

#[tokio::test]
async fn send_writes_crlf_and_refuses_injection() {
    let (mut s, mut server) = session();
    s.send("EHLO smtptui.invalid").await.unwrap();
    let err = s.send("RSET\r\nMAIL FROM:<x@y>").await.unwrap_err();
    assert!(matches!(&err, SmtpError::Io(e) if e.kind() == std::io::ErrorKind::InvalidInput));
    s.send_redacted("AUTH PLAIN c2VjcmV0", "AUTH PLAIN <redacted>")
        .await
        .unwrap();
    drop(s);
    let mut wire = Vec::new();
    server.read_to_end(&mut wire).await.unwrap();
    assert_eq!(wire, b"EHLO smtptui.invalid\r\nAUTH PLAIN c2VjcmV0\r\n");
}

#[tokio::test]
async fn send_message_stuffs_dots_and_normalises() {
    let (mut s, mut server) = session();
    let body = "Subject: t\r\n\r\n.leading dot\nbare lf\rbare cr\n..two\n.\nend\n";
    server.write_all(b"250 2.0.0 queued\r\n").await.unwrap();
    let r = s.send_message(body).await.unwrap();
    assert_eq!(r.enhanced.map(|e| e.to_string()).as_deref(), Some("2.0.0"));
    let want: &[u8] =
        b"Subject: t\r\n\r\n..leading dot\r\nbare lf\r\nbare cr\r\n...two\r\n..\r\nend\r\n.\r\n";
    let mut wire = vec![0u8; want.len()];
    server.read_exact(&mut wire).await.unwrap();
    assert_eq!(
        String::from_utf8_lossy(&wire),
        String::from_utf8_lossy(want)
    );
    let sent: Vec<String> = s
        .recorder()
        .entries()
        .iter()
        .filter(|e| e.dir == Direction::Client)
        .map(|e| e.text.clone())
        .collect();
    assert_eq!(
        sent,
        [
            "Subject: t",
            "",
            "..leading dot",
            "bare lf",
            "bare cr",
            "...two",
            "..",
            "end",
            "."
        ]
    );
}

#[tokio::test]
async fn empty_message_is_just_the_dot() {
    let (mut s, mut server) = session();
    server.write_all(b"250 ok\r\n").await.unwrap();
    s.send_message("").await.unwrap();
    let mut wire = [0u8; 3];
    server.read_exact(&mut wire).await.unwrap();
    assert_eq!(&wire, b".\r\n");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]
    #[test]
    fn arbitrary_input_never_panics_and_records_no_controls(input in proptest::collection::vec(any::<u8>(), 0..600)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let entries = rt.block_on(async move {
            let (mut s, mut server) = session_with(Limits { max_line_len: 64, max_reply_lines: 4 }, false);
            server.write_all(&input).await.unwrap();
            drop(server);
            for _ in 0..1000 {
                match s.read_reply().await {
                    Ok(r) => assert!(r.lines.iter().all(|l| no_controls(l))),
                    Err(SmtpError::Closed { .. } | SmtpError::Reply(ReplyError::LineTooLong { .. })) => break,
                    Err(_) => {}
                }
            }
            s.recorder().take_entries()
        });
        for e in entries {
            prop_assert!(no_controls(&e.text), "{:?}", e.text);
        }
    }
}
