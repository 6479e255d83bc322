//! Small helpers that turn replies into classification facts, and the test message
//! `--send` delivers.

use crate::classify::{Command, ReplyContext, ReplyFacts};
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
            text: reply.message_lines().join(" "),
            evidence: reply.summary(),
        }
    }

    pub(super) fn facts<'a>(&'a self, command: Command, ctx: ReplyContext<'a>) -> ReplyFacts<'a> {
        ReplyFacts {
            code: self.code,
            enhanced: self.enhanced.as_deref(),
            text: &self.text,
            evidence: &self.evidence,
            command,
            ctx,
        }
    }
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
