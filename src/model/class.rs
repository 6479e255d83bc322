//! Classification codes (a stable contract) and verdicts.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! classes {
    ($( $variant:ident => $code:literal, $title:literal; )*) => {
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

            /// Parses a code.
            pub fn from_code(code: &str) -> Option<Class> {
                match code { $( $code => Some(Class::$variant), )* _ => None }
            }
        }
    };
}

classes! {
    Ok => "ok", "Works: the session went as far as asked";
    DnsFailure => "dns_failure", "The name did not resolve";
    Timeout => "timeout", "TCP connect timed out (packets silently dropped)";
    Refused => "refused", "TCP connection refused";
    NetworkUnreachable => "network_unreachable", "No route to the network or host";
    FirewallRejected => "firewall_rejected", "A router or firewall on the path rejected it (ICMP prohibited)";
    ConnectionReset => "connection_reset", "The connection was reset or closed early";
    BannerTimeout => "banner_timeout", "Connected, but no greeting arrived";
    ServiceUnavailable => "service_unavailable", "The server refused service (421/554)";
    ProtocolViolation => "protocol_violation", "The server broke the SMTP protocol";
    StarttlsNotOffered => "starttls_not_offered", "STARTTLS is not offered";
    StarttlsRejected => "starttls_rejected", "STARTTLS was refused";
    StarttlsStripped => "starttls_stripped", "A middlebox masked STARTTLS";
    StarttlsExpected => "starttls_expected", "Plaintext SMTP where implicit TLS was tried";
    ImplicitTlsExpected => "implicit_tls_expected", "The port wants TLS from the first byte";
    TlsHandshakeFailed => "tls_handshake_failed", "The TLS handshake failed";
    CertExpired => "cert_expired", "The certificate has expired";
    CertNotYetValid => "cert_not_yet_valid", "The certificate is not valid yet";
    CertSelfSigned => "cert_self_signed", "The certificate is self-signed";
    CertUntrusted => "cert_untrusted", "The certificate chain is not trusted";
    CertHostnameMismatch => "cert_hostname_mismatch", "The certificate is for another name";
    AuthNotOffered => "auth_not_offered", "The server offers no usable AUTH";
    AuthRequiresTls => "auth_requires_tls", "AUTH is only available after TLS";
    AuthFailed => "auth_failed", "Authentication failed";
    AuthAppPasswordRequired => "auth_app_password_required", "An app password is required";
    AuthDisabledByPolicy => "auth_disabled_by_policy", "SMTP AUTH is disabled by policy";
    RelayDenied => "relay_denied", "Relaying denied for this recipient";
    RecipientRejected => "recipient_rejected", "The recipient address was rejected";
    SenderRejected => "sender_rejected", "The sender address was rejected";
    Greylisted => "greylisted", "Temporarily deferred (greylisting)";
    RateLimited => "rate_limited", "Rate limited by the server";
    ProxyFailed => "proxy_failed", "The SOCKS5 proxy failed (not the target)";
    ClientCertRejected => "client_cert_rejected", "The server rejected (or required) a client certificate";
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
        assert_eq!(Class::ALL.len(), 33);
    }

    #[test]
    fn readme_lists_every_code() {
        let readme = include_str!("../../README.md");
        for &c in Class::ALL {
            assert!(
                readme.contains(&format!("| `{}` |", c.code())),
                "README lacks {}",
                c.code()
            );
        }
    }
}
