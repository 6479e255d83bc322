//! What a lab server does: a [`Script`] of TLS mode, greeting, capabilities, AUTH
//! users, reply overrides, delays and hostile behaviour. Every field is public; the
//! constructors give a well-behaved server and the `with_*` methods tweak one thing.

use std::time::Duration;

use super::pki::Identity;

/// How TLS is used on the port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// No TLS at all; STARTTLS is neither offered nor accepted.
    Plain,
    /// Plaintext greeting; STARTTLS offered (see [`Script::offer_starttls`]).
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Implicit,
}

/// The greeting behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Banner {
    /// `220 <hostname> ESMTP lab`.
    Normal,
    /// Never greet; keep the socket open and discard what arrives.
    None,
    /// These raw bytes (CRLFs included) instead of the normal greeting. A greeting
    /// starting with `421` closes the connection after it; one starting with `554`
    /// answers every command but QUIT with `503` (RFC 5321 §3.1).
    Custom(Vec<u8>),
    /// The normal greeting, dribbled out at this many bytes per second.
    Slow {
        /// Bytes per second (0 is taken as 1).
        bytes_per_sec: u32,
    },
    /// Wait this long, then greet normally.
    Delay(Duration),
}

/// Deliberately abusive server behaviour, for testing the client's defences. The
/// behaviours themselves are compiled only with the feature `hostile` (tests), so the
/// demo in the shipped binary cannot produce them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hostile {
    /// Greet with `220 ` followed by 50 MB without a line end (written in chunks,
    /// stopping when the client goes away).
    EndlessLine,
    /// Answer EHLO with this many extra `250-x` continuation lines.
    ManyContinuationLines(usize),
    /// A greeting containing invalid UTF-8.
    InvalidUtf8Banner,
    /// A greeting containing terminal escape sequences and a bidi override.
    EscapeBanner,
    /// End every reply line with a bare LF instead of CRLF.
    LfOnly,
    /// Cut the EHLO reply off in the middle of a line and close the connection.
    CloseMidReply,
    /// Follow every reply with an extra, unsolicited `250` reply.
    UnsolicitedReplies,
}

/// Which TLS protocol versions the server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsVersions {
    /// TLS 1.2 and 1.3.
    #[default]
    Default,
    /// TLS 1.2 only.
    Tls12Only,
    /// TLS 1.3 only.
    Tls13Only,
}

/// When AUTH is offered on a port with TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthOffer {
    /// Only inside TLS, like Postfix's `smtpd_tls_auth_only`.
    #[default]
    AfterTls,
    /// Before STARTTLS too (a client should warn: `auth_offered_before_tls`).
    BeforeTls,
}

/// Whether the server asks the client for a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientCert {
    /// Never asked.
    #[default]
    NotAsked,
    /// Required, issued by the last certificate of the identity's chain (the lab CA).
    Required,
}

/// The behaviour of one lab server. Start it with [`super::LabServer::start`].
#[derive(Clone, Debug)]
pub struct Script {
    /// TLS mode of the port.
    pub tls: TlsMode,
    /// Certificate chain and key; required for [`TlsMode::Starttls`] and
    /// [`TlsMode::Implicit`].
    pub identity: Option<Identity>,
    /// Name used in the greeting and the EHLO reply (default `mail.lab.test`).
    pub hostname: String,
    /// Greeting behaviour.
    pub banner: Banner,
    /// Extra EHLO capability lines (appended after the computed or overridden ones).
    pub ehlo_extra: Vec<String>,
    /// Replace the computed EHLO capability lines (the first line, the host name, is
    /// kept), e.g. with `XXXXXXXA` for a middlebox that masks STARTTLS.
    pub ehlo_override: Option<Vec<String>>,
    /// Advertise and accept STARTTLS (only in [`TlsMode::Starttls`]).
    pub offer_starttls: bool,
    /// Reply to STARTTLS with this instead of `220 2.0.0 Ready to start TLS`; the TLS
    /// handshake follows only if it starts with `220`.
    pub starttls_reply: Option<String>,
    /// Bytes sent right after the `220` STARTTLS reply in the same write (a response
    /// injection, as a buggy or hostile server would do).
    pub garbage_after_starttls: Option<Vec<u8>>,
    /// SASL mechanisms advertised and accepted (PLAIN, LOGIN and CRAM-MD5 are verified
    /// for real; any other advertised mechanism is answered with `504`).
    pub auth_mechs: Vec<String>,
    /// Whether AUTH is advertised and accepted before STARTTLS too (default: only
    /// after). Without TLS mode, AUTH is always available.
    pub auth_offer: AuthOffer,
    /// Valid users: (user, password).
    pub users: Vec<(String, String)>,
    /// Reply to a failed authentication.
    pub auth_fail_reply: String,
    /// Hostile: put the received payload and decoded credentials into the failure
    /// reply text (a client must redact them).
    pub echo_credentials_in_failure: bool,
    /// Reply overrides by command verb (upper case: `EHLO`, `MAIL`, `RCPT`, `DATA`,
    /// `AUTH`, `NOOP`, `HELO`, ...; `.` is the answer to the end of the message). The
    /// full reply, may be multi-line with `\r\n`.
    /// A `2xx` override of MAIL/RCPT/AUTH advances the state as success would.
    pub replies: Vec<(String, String)>,
    /// Delay before every command reply.
    pub reply_delay: Duration,
    /// Close the connection right after receiving this verb, without replying.
    pub close_after: Option<String>,
    /// Abusive behaviour, if any.
    #[cfg(feature = "hostile")]
    pub hostile: Option<Hostile>,
    /// Accepted TLS versions.
    pub tls_versions: TlsVersions,
    /// Whether a client certificate is required (default: not asked).
    pub client_cert: ClientCert,
    /// Domains the server accepts mail for without AUTH; other recipients are denied
    /// with `554 5.7.1 <x>: Relay access denied` unless the session authenticated.
    pub local_domains: Vec<String>,
}

impl Script {
    /// A plaintext server (no TLS) offering AUTH PLAIN, LOGIN and CRAM-MD5 for user
    /// `user` with password `password`.
    pub fn plain() -> Self {
        Self {
            tls: TlsMode::Plain,
            identity: None,
            hostname: "mail.lab.test".into(),
            banner: Banner::Normal,
            ehlo_extra: Vec::new(),
            ehlo_override: None,
            offer_starttls: true,
            starttls_reply: None,
            garbage_after_starttls: None,
            auth_mechs: vec!["PLAIN".into(), "LOGIN".into(), "CRAM-MD5".into()],
            auth_offer: AuthOffer::AfterTls,
            users: vec![("user".into(), "password".into())],
            auth_fail_reply: "535 5.7.8 Authentication credentials invalid".into(),
            echo_credentials_in_failure: false,
            replies: Vec::new(),
            reply_delay: Duration::ZERO,
            close_after: None,
            #[cfg(feature = "hostile")]
            hostile: None,
            tls_versions: TlsVersions::Default,
            client_cert: ClientCert::NotAsked,
            local_domains: vec!["lab.test".into(), "demo.test".into()],
        }
    }

    /// A submission server offering STARTTLS with `id`; AUTH only after TLS.
    pub fn starttls(id: Identity) -> Self {
        Self {
            tls: TlsMode::Starttls,
            identity: Some(id),
            ..Self::plain()
        }
    }

    /// An SMTPS server: TLS from the first byte with `id`.
    pub fn implicit(id: Identity) -> Self {
        Self {
            tls: TlsMode::Implicit,
            identity: Some(id),
            ..Self::plain()
        }
    }

    /// Sets the host name used in the greeting and EHLO.
    #[must_use]
    pub fn with_hostname(mut self, name: impl Into<String>) -> Self {
        self.hostname = name.into();
        self
    }

    /// Sets the greeting behaviour.
    #[must_use]
    pub fn with_banner(mut self, banner: Banner) -> Self {
        self.banner = banner;
        self
    }

    /// Replaces the users with one user.
    #[must_use]
    pub fn with_user(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.users = vec![(user.into(), password.into())];
        self
    }

    /// Sets the advertised SASL mechanisms.
    #[must_use]
    pub fn with_auth_mechs(mut self, mechs: &[&str]) -> Self {
        self.auth_mechs = mechs.iter().map(|m| (*m).to_string()).collect();
        self
    }

    /// Overrides the reply to one command verb.
    #[must_use]
    pub fn with_reply(mut self, verb: &str, reply: impl Into<String>) -> Self {
        self.replies.push((verb.to_ascii_uppercase(), reply.into()));
        self
    }

    /// Replaces the EHLO capability lines.
    #[must_use]
    pub fn with_ehlo_override(mut self, lines: &[&str]) -> Self {
        self.ehlo_override = Some(lines.iter().map(|l| (*l).to_string()).collect());
        self
    }

    /// Sets the STARTTLS reply (e.g. a `454` rejection).
    #[must_use]
    pub fn with_starttls_reply(mut self, reply: impl Into<String>) -> Self {
        self.starttls_reply = Some(reply.into());
        self
    }

    /// Sets a hostile behaviour (feature `hostile`: tests only, never the demo).
    #[cfg(feature = "hostile")]
    #[must_use]
    pub fn with_hostile(mut self, hostile: Hostile) -> Self {
        self.hostile = Some(hostile);
        self
    }

    /// Sets the delay before every reply.
    #[must_use]
    pub fn with_reply_delay(mut self, delay: Duration) -> Self {
        self.reply_delay = delay;
        self
    }

    /// Closes the connection right after this verb arrives.
    #[must_use]
    pub fn with_close_after(mut self, verb: &str) -> Self {
        self.close_after = Some(verb.to_ascii_uppercase());
        self
    }

    /// Sets the accepted TLS versions.
    #[must_use]
    pub fn with_tls_versions(mut self, versions: TlsVersions) -> Self {
        self.tls_versions = versions;
        self
    }

    /// The override reply for `verb`, if any.
    pub(crate) fn reply_for(&self, verb: &str) -> Option<&str> {
        self.replies
            .iter()
            .find(|(v, _)| v.eq_ignore_ascii_case(verb))
            .map(|(_, r)| r.as_str())
    }

    /// Whether `mech` is advertised (case-insensitive).
    pub(crate) fn offers_mech(&self, mech: &str) -> bool {
        self.auth_mechs.iter().any(|m| m.eq_ignore_ascii_case(mech))
    }

    /// The password of `user`, if the user exists.
    pub(crate) fn password_of(&self, user: &str) -> Option<&str> {
        self.users
            .iter()
            .find(|(u, _)| u == user)
            .map(|(_, p)| p.as_str())
    }
}
