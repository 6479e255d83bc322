//! The hostile server behaviours that need code of their own (feature `hostile`, tests
//! only): the endless greeting line, malformed greetings, a reply cut off mid-line.

use std::io;

use super::{Flow, Session};
use crate::script::Hostile;

/// Size of the endless line of [`Hostile::EndlessLine`].
const ENDLESS_BYTES: usize = 50 * 1024 * 1024;

impl Session {
    /// A hostile greeting, when the script asks for one; `None` greets normally.
    pub(super) async fn hostile_greeting(&mut self) -> io::Result<Option<Flow>> {
        match self.script.hostile {
            Some(Hostile::EndlessLine) => {
                self.conn.write_all(b"220 ").await?;
                let chunk = vec![b'A'; 64 * 1024];
                let mut sent = 0;
                while sent < ENDLESS_BYTES {
                    self.conn.write_all(&chunk).await?;
                    sent += chunk.len();
                }
                Ok(Some(Flow::Close))
            }
            Some(Hostile::InvalidUtf8Banner) => {
                let mut b = format!("220 {} ", self.script.hostname).into_bytes();
                b.extend_from_slice(b"\xff\xfe\xc3\x28 ESMTP \xe2\x82 lab\r\n");
                self.send_greeting(&b).await.map(Some)
            }
            Some(Hostile::EscapeBanner) => {
                let b = format!(
                    "220 {} \x1b[2J\x1b[31mESMTP\x1b[0m \x1b]0;pwned\x07 \u{202e}bal\r\n",
                    self.script.hostname
                );
                self.send_greeting(b.as_bytes()).await.map(Some)
            }
            _ => Ok(None),
        }
    }

    /// [`Hostile::CloseMidReply`]: sends `reply` cut inside its second line, then closes.
    pub(super) async fn close_mid_reply(&mut self, reply: &str) -> io::Result<Flow> {
        let bytes = self.eol(reply).into_bytes();
        // Cut inside the second line so the client holds an unfinished reply.
        let cut = bytes
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len() / 2, |p| p + 6);
        self.conn.write_all(&bytes[..cut.min(bytes.len())]).await?;
        Ok(Flow::Close)
    }
}
