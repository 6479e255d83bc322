//! Classification codes (a stable contract) and verdicts.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad a class is: the one severity source for the TUI colours and icons, the
/// headless output's colours, the HTML report and the README table. Each class's
/// severity is its row in the `classes!` table below; nothing else lists classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Works.
    Ok,
    /// The server answered and said what to change (policy, certificate, credentials).
    Attention,
    /// Broken: no usable session.
    Failure,
}

impl Severity {
    /// `ok`, `attention` or `failure`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Attention => "attention",
            Self::Failure => "failure",
        }
    }

    /// The icon of an endpoint with this severity: ✔ works, ▲ attention, ✘ fails (the
    /// TUI matrix, the HTML report and their legends).
    pub fn icon(self) -> &'static str {
        match self {
            Self::Ok => "✔",
            Self::Attention => "▲",
            Self::Failure => "✘",
        }
    }
}

macro_rules! classes {
    ($( $variant:ident => $code:literal, $sev:ident, $title:literal; )*) => {
        /// What a probe of one endpoint concluded. The snake_case codes are a stable
        /// contract used by JSON output and scripts; the wording around them is not.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Class {
            $( #[doc = $title] $variant, )*
        }

        impl Class {
            /// Every class, in the order of the README's table.
            pub const ALL: &'static [Class] = &[$(Class::$variant),*];

            /// The stable snake_case code.
            pub fn code(self) -> &'static str {
                match self { $( Class::$variant => $code, )* }
            }

            /// A short title in plain words.
            pub fn title(self) -> &'static str {
                match self { $( Class::$variant => $title, )* }
            }

            /// How bad it is (colours, headless output, README).
            pub fn severity(self) -> Severity {
                match self { $( Class::$variant => Severity::$sev, )* }
            }

            /// Parses a code.
            pub fn from_code(code: &str) -> Option<Class> {
                match code { $( $code => Some(Class::$variant), )* _ => None }
            }
        }
    };
}

classes! {
    Ok => "ok", Ok, "Works: the session went as far as asked";
    DnsFailure => "dns_failure", Failure, "The name did not resolve";
    Timeout => "timeout", Failure, "TCP connect timed out (packets silently dropped)";
    Refused => "refused", Failure, "TCP connection refused";
    NetworkUnreachable => "network_unreachable", Failure, "No route to the network or host";
    FirewallRejected => "firewall_rejected", Failure, "A router or firewall on the path rejected it (ICMP prohibited)";
    ConnectionReset => "connection_reset", Failure, "The connection was reset or closed early";
    BannerTimeout => "banner_timeout", Failure, "Connected, but no greeting arrived";
    ServiceUnavailable => "service_unavailable", Failure, "The server refused service (421/554)";
    ProtocolViolation => "protocol_violation", Failure, "The server broke the SMTP protocol";
    StarttlsNotOffered => "starttls_not_offered", Attention, "STARTTLS is not offered";
    StarttlsRejected => "starttls_rejected", Failure, "STARTTLS was refused";
    StarttlsStripped => "starttls_stripped", Failure, "A middlebox masked STARTTLS";
    StarttlsExpected => "starttls_expected", Failure, "Plaintext SMTP where implicit TLS was tried";
    ImplicitTlsExpected => "implicit_tls_expected", Failure, "The port wants TLS from the first byte";
    TlsHandshakeFailed => "tls_handshake_failed", Failure, "The TLS handshake failed";
    CertExpired => "cert_expired", Attention, "The certificate has expired";
    CertNotYetValid => "cert_not_yet_valid", Attention, "The certificate is not valid yet";
    CertSelfSigned => "cert_self_signed", Attention, "The certificate is self-signed";
    CertUntrusted => "cert_untrusted", Attention, "The certificate chain is not trusted";
    CertHostnameMismatch => "cert_hostname_mismatch", Attention, "The certificate is for another name";
    AuthNotOffered => "auth_not_offered", Attention, "The server offers no usable AUTH";
    AuthRequiresTls => "auth_requires_tls", Attention, "AUTH is only available after TLS";
    AuthFailed => "auth_failed", Failure, "Authentication failed";
    AuthAppPasswordRequired => "auth_app_password_required", Attention, "An app password is required";
    AuthDisabledByPolicy => "auth_disabled_by_policy", Attention, "SMTP AUTH is disabled by policy";
    RelayDenied => "relay_denied", Attention, "Relaying denied for this recipient";
    RecipientRejected => "recipient_rejected", Attention, "The recipient address was rejected";
    SenderRejected => "sender_rejected", Attention, "The sender address was rejected";
    Greylisted => "greylisted", Attention, "Temporarily deferred (greylisting)";
    RateLimited => "rate_limited", Attention, "Rate limited by the server";
    ProxyFailed => "proxy_failed", Failure, "The SOCKS5 proxy failed (not the target)";
    ClientCertRejected => "client_cert_rejected", Failure, "The server rejected (or required) a client certificate";
    TlsRequired => "tls_required", Attention, "The server refuses MAIL/RCPT/AUTH until STARTTLS";
    AuthRequired => "auth_required", Attention, "The server wants AUTH before MAIL/RCPT";
    ClientBlocklisted => "client_blocklisted", Failure, "This client's address is refused (blocklist, reputation)";
    MessageRejected => "message_rejected", Attention, "The message was refused after DATA (content, policy, sender authentication)";
    MessageTooLarge => "message_too_large", Attention, "The message is larger than the server accepts";
    HeloRejected => "helo_rejected", Attention, "The server refused the EHLO/HELO name";
    MailboxFull => "mailbox_full", Attention, "The recipient's mailbox is full";
}

impl Class {
    /// Whether the endpoint counts as working.
    pub fn is_ok(self) -> bool {
        self == Class::Ok
    }

    /// Whether the class concerns the certificate.
    pub fn is_cert(self) -> bool {
        matches!(
            self,
            Class::CertExpired
                | Class::CertNotYetValid
                | Class::CertSelfSigned
                | Class::CertUntrusted
                | Class::CertHostnameMismatch
        )
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A classified outcome: the code, a one-line summary, the evidence that proves it and
/// what to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Stable code.
    pub class: Class,
    /// One line in plain words.
    pub summary: String,
    /// The reply line or error that proves it (escaped, redacted).
    pub evidence: String,
    /// What to do next.
    pub advice: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for &c in Class::ALL {
            assert_eq!(Class::from_code(c.code()), Some(c));
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.code()));
        }
        assert_eq!(Class::ALL.len(), 40);
    }

    #[test]
    fn readme_lists_every_code() {
        let readme = include_str!("../../../../README.md");
        for &c in Class::ALL {
            assert!(
                readme.contains(&format!("| `{}` | {} |", c.code(), c.severity().as_str())),
                "README lacks {}",
                c.code()
            );
        }
    }
}
