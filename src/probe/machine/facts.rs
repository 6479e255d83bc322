//! Small helpers that turn replies into classification facts, and the test message
//! `--send` delivers.

use crate::classify::{Observation, ReplyFacts, classify};
use crate::model::{Phase, Verdict};
use crate::smtp::reply::Reply;

pub(super) fn first_line(bytes: &[u8]) -> Vec<u8> {
    let end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(bytes.len())
        .min(200);
    let mut line = bytes[..end].to_vec();
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    line
}

pub(super) fn facts_text(reply: &Reply) -> (String, String) {
    (reply.text_lines().join(" "), reply.summary())
}

pub(super) fn facts<'a>(reply: &Reply, text: &'a str, evidence: &'a str) -> ReplyFacts<'a> {
    ReplyFacts {
        code: reply.code,
        enhanced: enhanced_str(reply),
        text,
        evidence,
    }
}

pub(super) fn enhanced_str(reply: &Reply) -> Option<&'static str> {
    // Only the codes classification looks at need to be recognised here.
    let e = reply.enhanced?;
    match (e.class, e.subject, e.detail) {
        (5, 7, 1) => Some("5.7.1"),
        (5, 7, 9) => Some("5.7.9"),
        (5, 7, 8) => Some("5.7.8"),
        (5, 7, 139) => Some("5.7.139"),
        (4, 7, 0) => Some("4.7.0"),
        (4, 7, 28) => Some("4.7.28"),
        _ => None,
    }
}

#[allow(clippy::unnecessary_box_returns)] // steps return Box<Verdict> errors
pub(super) fn rejected(phase: Phase, reply: &Reply) -> Box<Verdict> {
    let (text, ev) = facts_text(reply);
    let enhanced = reply.enhanced.map(|e| e.to_string());
    let f = ReplyFacts {
        code: reply.code,
        enhanced: enhanced.as_deref(),
        text: &text,
        evidence: &ev,
    };
    Box::new(classify(&Observation::Rejected { phase, reply: f }))
}

/// The small test message `--send` delivers.
pub fn test_message(from: &str, to: &[String], host: &str) -> String {
    let date = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap_or_default();
    format!(
        "From: <{from}>\r\nTo: {}\r\nSubject: smtptui test message\r\nDate: {date}\r\n\
         Message-ID: <smtptui.{}@{host}>\r\nX-Mailer: smtptui {}\r\n\r\n\
         This is a test message sent by smtptui to check mail submission.\r\n",
        to.iter()
            .map(|t| format!("<{t}>"))
            .collect::<Vec<_>>()
            .join(", "),
        std::process::id(),
        env!("CARGO_PKG_VERSION"),
    )
}
