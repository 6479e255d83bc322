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

/// The owned parts of a reply that [`ReplyFacts`] borrows.
pub(super) struct ReplyText {
    code: u16,
    enhanced: Option<String>,
    text: String,
    evidence: String,
}

impl ReplyText {
    pub(super) fn of(reply: &Reply) -> Self {
        Self {
            code: reply.code,
            enhanced: reply.enhanced.map(|e| e.to_string()),
            text: reply.text_lines().join(" "),
            evidence: reply.summary(),
        }
    }

    pub(super) fn facts(&self) -> ReplyFacts<'_> {
        ReplyFacts {
            code: self.code,
            enhanced: self.enhanced.as_deref(),
            text: &self.text,
            evidence: &self.evidence,
        }
    }
}

#[allow(clippy::unnecessary_box_returns)] // steps return Box<Verdict> errors
pub(super) fn rejected(phase: Phase, reply: &Reply) -> Box<Verdict> {
    let t = ReplyText::of(reply);
    Box::new(classify(&Observation::Rejected {
        phase,
        reply: t.facts(),
    }))
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
