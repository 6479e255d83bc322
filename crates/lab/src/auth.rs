//! SMTP AUTH on the lab server (RFC 4954): PLAIN (initial response or `334`
//! continuation), LOGIN and CRAM-MD5 with a real HMAC-MD5 check of a fresh challenge.

use std::fmt::Write as _;
use std::io;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};

use super::session::{Flow, Line, MAX_LINE, Session};
use smtptui_engine::model::escape_bytes;

/// The result of one `334` round trip.
enum Step {
    /// The client's decoded answer, and the raw line it sent.
    Answer(Vec<u8>, Vec<u8>),
    /// The exchange is over (aborted, undecodable, closed); the reply was sent.
    Done(Flow),
}

/// What a mechanism concluded.
struct Outcome {
    ok: bool,
    /// Raw payload lines as received, for [`super::Script::echo_credentials_in_failure`].
    raw: Vec<Vec<u8>>,
    user: Vec<u8>,
    password: Vec<u8>,
}

impl Session {
    /// Handles `AUTH <mech> [initial-response]`.
    pub(super) async fn auth(&mut self, arg: &str) -> io::Result<Flow> {
        let refusal = if !self.greeted {
            Some("503 5.5.1 Error: send HELO/EHLO first")
        } else if !self.auth_available() {
            Some("503 5.5.1 Error: authentication not enabled")
        } else if self.authed {
            Some("503 5.5.1 Error: already authenticated")
        } else if self.mail {
            Some("503 5.5.1 Error: MAIL transaction in progress")
        } else {
            None
        };
        if let Some(r) = refusal {
            self.reply(r).await?;
            return Ok(Flow::Continue);
        }
        let mut words = arg.split_whitespace();
        let mech = words.next().unwrap_or("").to_ascii_uppercase();
        let initial = words.next().map(|w| w.as_bytes().to_vec());
        if mech.is_empty() {
            self.reply("501 5.5.4 Syntax: AUTH mechanism").await?;
            return Ok(Flow::Continue);
        }
        if !self.script.offers_mech(&mech) {
            self.reply("504 5.5.4 Unsupported authentication mechanism")
                .await?;
            return Ok(Flow::Continue);
        }
        let outcome = match mech.as_str() {
            "PLAIN" => self.plain(initial).await?,
            "LOGIN" => self.login(initial).await?,
            "CRAM-MD5" => self.cram_md5().await?,
            _ => {
                self.reply("504 5.5.4 Mechanism advertised but not implemented by the lab")
                    .await?;
                return Ok(Flow::Continue);
            }
        };
        let outcome = match outcome {
            Ok(o) => o,
            Err(flow) => return Ok(flow),
        };
        if outcome.ok {
            self.authed = true;
            self.reply("235 2.7.0 Authentication successful").await?;
        } else {
            let mut reply = self.script.auth_fail_reply.clone();
            if self.script.echo_credentials_in_failure {
                let raw: Vec<String> = outcome.raw.iter().map(|r| escape_bytes(r)).collect();
                let _ = write!(
                    reply,
                    " (received {} user={} password={})",
                    raw.join(" "),
                    escape_bytes(&outcome.user),
                    escape_bytes(&outcome.password)
                );
            }
            self.reply(&reply).await?;
        }
        Ok(Flow::Continue)
    }

    /// Sends `334 <prompt>` and reads the answer.
    async fn challenge(&mut self, prompt: &[u8]) -> io::Result<Step> {
        let reply = format!("334 {}", B64.encode(prompt));
        self.reply(&reply).await?;
        let line = match self.read_line(MAX_LINE).await? {
            Line::Got(l) => l,
            Line::Eof => return Ok(Step::Done(Flow::Close)),
            Line::TooLong => {
                self.reply("500 5.5.0 Error: line too long").await?;
                return Ok(Step::Done(Flow::Close));
            }
        };
        self.record(&line);
        self.decode(line).await
    }

    /// Decodes a base64 answer; `*` aborts and `=` is the empty answer.
    async fn decode(&mut self, line: Vec<u8>) -> io::Result<Step> {
        if line == b"*" {
            self.reply("501 5.7.0 Error: authentication aborted")
                .await?;
            return Ok(Step::Done(Flow::Continue));
        }
        if line == b"=" {
            return Ok(Step::Answer(Vec::new(), line));
        }
        if let Ok(decoded) = B64.decode(&line) {
            return Ok(Step::Answer(decoded, line));
        }
        self.reply("501 5.5.2 Error: cannot decode response")
            .await?;
        Ok(Step::Done(Flow::Continue))
    }

    /// The decoded initial response, or a `334` round trip when there is none.
    async fn first_answer(&mut self, initial: Option<Vec<u8>>, prompt: &[u8]) -> io::Result<Step> {
        match initial {
            Some(raw) => self.decode(raw).await,
            None => self.challenge(prompt).await,
        }
    }

    fn check(&self, user: &[u8], password: &[u8]) -> bool {
        let Ok(user) = std::str::from_utf8(user) else {
            return false;
        };
        self.script
            .password_of(user)
            .is_some_and(|p| p.as_bytes() == password)
    }

    async fn plain(&mut self, initial: Option<Vec<u8>>) -> io::Result<Result<Outcome, Flow>> {
        let (decoded, raw) = match self.first_answer(initial, b"").await? {
            Step::Answer(d, r) => (d, r),
            Step::Done(flow) => return Ok(Err(flow)),
        };
        let parts: Vec<&[u8]> = decoded.split(|&b| b == 0).collect();
        let (user, password) = match parts.as_slice() {
            [authz, user, password] if authz.is_empty() || authz == user => (*user, *password),
            _ => (&[][..], &[][..]),
        };
        Ok(Ok(Outcome {
            ok: !user.is_empty() && self.check(user, password),
            raw: vec![raw],
            user: user.to_vec(),
            password: password.to_vec(),
        }))
    }

    async fn login(&mut self, initial: Option<Vec<u8>>) -> io::Result<Result<Outcome, Flow>> {
        let (user, raw_user) = match self.first_answer(initial, b"Username:").await? {
            Step::Answer(d, r) => (d, r),
            Step::Done(flow) => return Ok(Err(flow)),
        };
        let (password, raw_password) = match self.challenge(b"Password:").await? {
            Step::Answer(d, r) => (d, r),
            Step::Done(flow) => return Ok(Err(flow)),
        };
        Ok(Ok(Outcome {
            ok: self.check(&user, &password),
            raw: vec![raw_user, raw_password],
            user,
            password,
        }))
    }

    async fn cram_md5(&mut self) -> io::Result<Result<Outcome, Flow>> {
        let challenge = cram_challenge(&self.script.hostname);
        let (answer, raw) = match self.challenge(challenge.as_bytes()).await? {
            Step::Answer(d, r) => (d, r),
            Step::Done(flow) => return Ok(Err(flow)),
        };
        let (user, digest) = match answer.iter().rposition(|&b| b == b' ') {
            Some(p) => (answer[..p].to_vec(), answer[p + 1..].to_vec()),
            None => (answer.clone(), Vec::new()),
        };
        let ok = std::str::from_utf8(&user)
            .ok()
            .and_then(|u| self.script.password_of(u))
            .and_then(|p| cram_digest(p.as_bytes(), challenge.as_bytes()))
            .is_some_and(|want| want.as_bytes().eq_ignore_ascii_case(&digest));
        Ok(Ok(Outcome {
            ok,
            raw: vec![raw],
            user,
            password: digest,
        }))
    }
}

/// A fresh CRAM-MD5 challenge: `<random.unixtime@hostname>`.
fn cram_challenge(hostname: &str) -> String {
    let mut random = [0u8; 8];
    // SystemRandom only fails when the OS has no randomness source; a fixed value
    // still gives a valid (if predictable) challenge for a test server.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random);
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("<{}.{secs}@{hostname}>", u64::from_be_bytes(random))
}

/// The lower-case hex HMAC-MD5 of `challenge` keyed with `password` (RFC 2195).
fn cram_digest(password: &[u8], challenge: &[u8]) -> Option<String> {
    let mut mac = Hmac::<md5::Md5>::new_from_slice(password).ok()?;
    mac.update(challenge);
    let bytes = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(hex, "{b:02x}");
    }
    Some(hex)
}
