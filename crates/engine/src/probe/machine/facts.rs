//! Small helpers that keep replies as classification reads them, and the test message
//! `--send` delivers.

use crate::classify::{Command, SeenReply};
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

/// A reply as classification keeps it, answering `command`.
pub(super) fn seen_reply(command: Command, reply: &Reply) -> SeenReply {
    SeenReply {
        command,
        code: reply.code,
        enhanced: reply.enhanced.map(|e| e.to_string()),
        text: reply.message_lines().join(" "),
        evidence: reply.summary(),
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
