//! The mail transaction of a lab session: MAIL, RCPT (with the relay check) and DATA
//! (the message is read, kept in bounded memory and acknowledged).

use std::io;

use super::session::{Flow, Line, Session};

/// Longest message line accepted inside DATA.
const MAX_DATA_LINE: usize = 64 * 1024;
/// Largest message kept; larger ones are read, discarded and refused with `552`.
pub(super) const MAX_MESSAGE: usize = 10 * 1024 * 1024;
/// Most recipients per transaction.
const MAX_RCPTS: usize = 1000;

impl Session {
    pub(super) async fn mail_from(&mut self, arg: &str) -> io::Result<Flow> {
        let reply = if !self.greeted {
            "503 5.5.1 Error: send HELO/EHLO first"
        } else if self.mail {
            "503 5.5.1 Error: nested MAIL command"
        } else if !arg.to_ascii_uppercase().starts_with("FROM:") {
            "501 5.5.4 Syntax: MAIL FROM:<address>"
        } else {
            self.mail = true;
            "250 2.1.0 Ok"
        };
        self.reply(reply).await?;
        Ok(Flow::Continue)
    }

    pub(super) async fn rcpt_to(&mut self, arg: &str) -> io::Result<Flow> {
        let reply = if !self.mail {
            "503 5.5.1 Error: need MAIL command".to_string()
        } else if !arg.to_ascii_uppercase().starts_with("TO:") {
            "501 5.5.4 Syntax: RCPT TO:<address>".to_string()
        } else if self.rcpts >= MAX_RCPTS {
            "452 4.5.3 Error: too many recipients".to_string()
        } else {
            let addr = address_of(&arg[3..]);
            let local = match addr.rsplit_once('@') {
                Some((_, domain)) => self
                    .script
                    .local_domains
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(domain)),
                None => true,
            };
            if local || self.authed {
                self.rcpts += 1;
                "250 2.1.5 Ok".to_string()
            } else {
                format!("554 5.7.1 <{addr}>: Relay access denied")
            }
        };
        self.reply(&reply).await?;
        Ok(Flow::Continue)
    }

    pub(super) async fn data(&mut self, arg: &str) -> io::Result<Flow> {
        let refusal = if !self.mail {
            Some("503 5.5.1 Error: need MAIL command")
        } else if self.rcpts == 0 {
            Some("503 5.5.1 Error: need RCPT command")
        } else if !arg.is_empty() {
            Some("501 5.5.4 Syntax: DATA")
        } else {
            None
        };
        if let Some(r) = refusal {
            self.reply(r).await?;
            return Ok(Flow::Continue);
        }
        self.reply("354 End data with <CR><LF>.<CR><LF>").await?;
        self.read_message().await
    }

    /// Reads the message after a 354 up to the lone dot, keeps it if it is not too
    /// big, and answers.
    pub(super) async fn read_message(&mut self) -> io::Result<Flow> {
        let mut message = Vec::new();
        let mut too_big = false;
        loop {
            let line = match self.read_line(MAX_DATA_LINE).await? {
                Line::Got(l) => l,
                Line::Eof => return Ok(Flow::Close),
                Line::TooLong => {
                    self.reply("500 5.5.0 Error: line too long").await?;
                    return Ok(Flow::Close);
                }
            };
            if line == b"." {
                break;
            }
            let body = line.strip_prefix(b".").unwrap_or(&line);
            if message.len() + body.len() + 2 > MAX_MESSAGE {
                too_big = true;
                message.clear();
            }
            if !too_big {
                message.extend_from_slice(body);
                message.extend_from_slice(b"\r\n");
            }
        }
        self.reset_transaction();
        if too_big {
            self.reply("552 5.3.4 Error: message too big").await?;
        } else if let Some(over) = self.script.reply_for(".").map(str::to_string) {
            // A scripted answer to the end of the message (content filter, quota ...).
            self.reply(&over).await?;
        } else {
            self.shared.record_message(message);
            self.queued += 1;
            let r = format!("250 2.0.0 Ok: queued as LAB{}X{}", self.id, self.queued);
            self.reply(&r).await?;
        }
        Ok(Flow::Continue)
    }
}

/// The address in `<...>` (or the bare word), without parameters.
fn address_of(arg: &str) -> String {
    let arg = arg.trim();
    let inner = match (arg.find('<'), arg.find('>')) {
        (Some(a), Some(b)) if a < b => &arg[a + 1..b],
        _ => arg.split_whitespace().next().unwrap_or(""),
    };
    smtptui_engine::model::escape_str(inner)
}
