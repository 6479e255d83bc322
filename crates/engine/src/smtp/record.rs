//! The transcript recorder of one endpoint: every line is redacted (registered secrets
//! become `<redacted>`), escaped, timestamped on the run's clock, kept, and streamed as a
//! [`ProbeEvent::Line`] at once.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use tokio::sync::mpsc;

use crate::model::transcript::RunClock;
use crate::model::{Direction, EndpointId, ProbeEvent, RunId, TranscriptEntry, escape_bytes};

/// What a registered secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Shortest base64 fragment of a secret (see [`Recorder::add_secret_base64`]) that is
/// registered: shorter fragments would redact unrelated text too often.
const MIN_FRAGMENT: usize = 8;

/// Records the transcript of one endpoint and streams it.
///
/// Secrets are matched on raw bytes before escaping, longest first, so a secret that
/// contains another is replaced whole. A secret split across two lines is not matched.
#[derive(Debug)]
pub struct Recorder {
    clock: RunClock,
    run: RunId,
    endpoint: EndpointId,
    tx: Option<mpsc::Sender<ProbeEvent>>,
    entries: Vec<TranscriptEntry>,
    /// Registered secrets, longest first, without duplicates. Never printed: the
    /// `Debug` output of the recorder shows only how many there are.
    secrets: SecretList,
}

/// The registered secrets; `Debug` shows only their number.
#[derive(Default)]
struct SecretList(Vec<Vec<u8>>);

impl std::fmt::Debug for SecretList {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} secret(s)", self.0.len())
    }
}

impl Recorder {
    /// A recorder for `endpoint` of `run`; `tx` receives a [`ProbeEvent::Line`] per
    /// recorded line (None: keep the entries only).
    pub fn new(
        clock: RunClock,
        run: RunId,
        endpoint: EndpointId,
        tx: Option<mpsc::Sender<ProbeEvent>>,
    ) -> Self {
        Self {
            clock,
            run,
            endpoint,
            tx,
            entries: Vec::new(),
            secrets: SecretList::default(),
        }
    }

    /// Registers a secret (raw bytes): every later recorded line has it replaced by
    /// `<redacted>`, and so do lines passed through [`Recorder::redact`].
    ///
    /// Any non-empty secret is registered, however short: a one-letter password will
    /// blank out that letter everywhere, which over-redacts but never leaks. An empty
    /// secret is ignored (it would match everywhere).
    pub fn add_secret(&mut self, secret: &[u8]) {
        if secret.is_empty() || self.secrets.0.iter().any(|s| s == secret) {
            return;
        }
        self.secrets.0.push(secret.to_vec());
        // Longest first, so that a secret containing another is replaced whole.
        self.secrets.0.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Registers `secret`, its standard base64 encoding, and the fragments of its
    /// encoding that stay the same whatever bytes precede or follow it inside a larger
    /// base64 blob (one per alignment, at least 8 characters long). A server that
    /// echoes any base64 text containing the secret is thus redacted too.
    pub fn add_secret_base64(&mut self, secret: &[u8]) {
        if secret.is_empty() {
            return;
        }
        self.add_secret(secret);
        self.add_secret(STANDARD.encode(secret).as_bytes());
        self.add_secret(STANDARD.encode(secret).trim_end_matches('=').as_bytes());
        for fragment in base64_fragments(secret) {
            if fragment.len() >= MIN_FRAGMENT {
                self.add_secret(fragment.as_bytes());
            }
        }
    }

    /// Number of registered secrets (for tests and diagnostics).
    pub fn secret_count(&self) -> usize {
        self.secrets.0.len()
    }

    /// Replaces every registered secret in `bytes` with `<redacted>` (before escaping).
    pub fn redact(&self, bytes: &[u8]) -> Vec<u8> {
        if self.secrets.0.is_empty() {
            return bytes.to_vec();
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        'outer: while i < bytes.len() {
            for s in &self.secrets.0 {
                if bytes[i..].starts_with(s) {
                    out.extend_from_slice(REDACTED.as_bytes());
                    i += s.len();
                    continue 'outer;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        out
    }

    /// Records a line without emitting it: redacts, escapes, timestamps and keeps it.
    /// Returns the entry. Use [`Recorder::line`] to stream it as well.
    pub fn push(&mut self, dir: Direction, raw: &[u8]) -> TranscriptEntry {
        let text = escape_bytes(&self.redact(raw));
        let entry = TranscriptEntry::new(self.clock.ms(), dir, text);
        self.entries.push(entry.clone());
        entry
    }

    /// Records a raw line (without CRLF) in a direction: redacts, escapes, keeps it and
    /// emits [`ProbeEvent::Line`]. Returns the escaped text.
    pub async fn line(&mut self, dir: Direction, raw: &[u8]) -> String {
        let entry = self.push(dir, raw);
        let text = entry.text.clone();
        // Diagnostics (`--log FILE`): the text is already redacted and escaped.
        tracing::debug!(endpoint = self.endpoint.0, dir = dir.marker(), "{text}");
        self.emit(ProbeEvent::Line {
            run: self.run,
            endpoint: self.endpoint,
            entry,
        })
        .await;
        text
    }

    /// Records a note (usually [`Direction::Info`] or [`Direction::Error`]); the text is
    /// redacted and escaped like a line.
    pub async fn note(&mut self, dir: Direction, text: &str) {
        self.line(dir, text.as_bytes()).await;
    }

    /// Sends any event on the channel, if there is one; a closed channel is ignored.
    pub async fn emit(&self, ev: ProbeEvent) {
        if let Some(tx) = &self.tx {
            // A closed channel means nobody listens any more (the run was replaced);
            // the entries are still kept.
            let _ = tx.send(ev).await;
        }
    }

    /// The run's clock.
    pub fn clock(&self) -> RunClock {
        self.clock
    }

    /// The run id.
    pub fn run(&self) -> RunId {
        self.run
    }

    /// The endpoint id.
    pub fn endpoint(&self) -> EndpointId {
        self.endpoint
    }

    /// Everything recorded so far.
    pub fn entries(&self) -> &[TranscriptEntry] {
        &self.entries
    }

    /// Takes the recorded entries, leaving the recorder empty (secrets stay registered).
    pub fn take_entries(&mut self) -> Vec<TranscriptEntry> {
        std::mem::take(&mut self.entries)
    }
}

/// The parts of `base64(prefix + secret + suffix)` that depend only on `secret`, for
/// each of the three alignments of `secret` within 3-byte groups.
fn base64_fragments(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for offset in 0..3 {
        // Skip to the first 3-byte group that starts inside the secret.
        let skip = (3 - offset) % 3;
        if secret.len() <= skip {
            continue;
        }
        let rest = &secret[skip..];
        let whole = rest.len() / 3 * 3;
        if whole > 0 {
            out.push(STANDARD.encode(&rest[..whole]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec() -> Recorder {
        Recorder::new(RunClock::start(), RunId(1), EndpointId(0), None)
    }

    #[test]
    fn redacts_longest_first_and_ignores_empty() {
        let mut r = rec();
        r.add_secret(b"");
        assert_eq!(r.secret_count(), 0);
        r.add_secret(b"pass");
        r.add_secret(b"password1");
        r.add_secret(b"pass");
        assert_eq!(r.secret_count(), 2);
        assert_eq!(
            r.redact(b"x password1 pass y"),
            b"x <redacted> <redacted> y"
        );
        assert_eq!(r.redact(b"no secret"), b"no secret");
    }

    #[test]
    fn base64_fragments_catch_any_alignment() {
        let secret = b"correct horse battery";
        let mut r = rec();
        r.add_secret_base64(secret);
        for prefix in [&b""[..], b"a", b"ab", b"abc\0user\0"] {
            for suffix in [&b""[..], b"x", b"\x01\x01"] {
                let blob = [prefix, &secret[..], suffix].concat();
                let b64 = STANDARD.encode(&blob);
                let shown = String::from_utf8(r.redact(b64.as_bytes())).unwrap();
                assert_eq!(shown.matches(REDACTED).count(), 1, "{shown}");
                // At most two bytes of the secret on each side stay visible.
                let left = shown.len() - REDACTED.len();
                let bound = (prefix.len() + suffix.len() + 4).div_ceil(3) * 4 + 4;
                assert!(left <= bound, "{shown} keeps {left} > {bound}");
            }
        }
    }

    #[tokio::test]
    async fn line_escapes_redacts_and_emits() {
        let (tx, mut rx) = mpsc::channel(8);
        let mut r = Recorder::new(RunClock::start(), RunId(7), EndpointId(3), Some(tx));
        r.add_secret(b"s3cret");
        let text = r
            .line(Direction::Server, b"535 bad s3cret \x1b[31m\xff")
            .await;
        assert_eq!(text, "535 bad <redacted> \\x1b[31m\\xff");
        r.note(Direction::Info, "note\nwith s3cret").await;
        assert_eq!(r.entries().len(), 2);
        assert_eq!(r.entries()[1].text, "note\\nwith <redacted>");
        match rx.recv().await {
            Some(ProbeEvent::Line {
                run,
                endpoint,
                entry,
            }) => {
                assert_eq!((run, endpoint), (RunId(7), EndpointId(3)));
                assert_eq!(entry.text, text);
                assert_eq!(entry.dir, Direction::Server);
            }
            other => panic!("unexpected {other:?}"),
        }
        drop(rx);
        // A closed channel is ignored.
        r.line(Direction::Client, b"QUIT").await;
        assert_eq!(r.take_entries().len(), 3);
        assert!(r.entries().is_empty());
    }

    #[test]
    fn debug_does_not_show_secrets() {
        let mut r = rec();
        r.add_secret(b"hunter2");
        let dbg = format!("{r:?}");
        assert!(!dbg.contains("hunter2"), "{dbg}");
    }

    proptest::proptest! {
        #[test]
        fn redaction_removes_secret_and_output_has_no_controls(
            before in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            after in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            // Upper-case letters only: escapes (`\x92`, `\u{202e}`) are lower-case hex and
            // digits, so they cannot spell the secret by accident.
            secret in "[A-Z]{1,12}",
        ) {
            let mut r = rec();
            r.add_secret_base64(secret.as_bytes());
            let raw = [&before[..], secret.as_bytes(), &after[..], STANDARD.encode(&secret).as_bytes()].concat();
            let redacted = r.redact(&raw);
            proptest::prop_assert!(!redacted.windows(secret.len()).any(|w| w == secret.as_bytes()));
            let entry = r.push(Direction::Server, &raw);
            proptest::prop_assert!(entry.text.chars().all(|c| !c.is_control()));
            proptest::prop_assert!(!entry.text.contains(&secret));
        }
    }
}
