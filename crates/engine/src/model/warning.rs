//! Warnings: things an expert would point out on an endpoint, `ok` included (AUTH
//! offered before TLS, a certificate about to expire, an open relay ...). The codes
//! are a stable contract, like the class codes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A stable warning code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningCode {
    /// EHLO before STARTTLS lists AUTH: a client without TLS (or behind a box that
    /// strips STARTTLS) can send its password in clear.
    AuthOfferedBeforeTls,
    /// Credentials were sent without TLS.
    PlaintextCredentials,
    /// A certificate of the chain expires within 30 days.
    CertExpiresSoon,
    /// An unauthenticated RCPT to an outside domain was accepted.
    OpenRelay,
    /// The server's RSA key is shorter than 2048 bits.
    WeakKey,
}

impl WarningCode {
    /// Every code, in the order of the README's table.
    pub const ALL: &'static [WarningCode] = &[
        Self::AuthOfferedBeforeTls,
        Self::PlaintextCredentials,
        Self::CertExpiresSoon,
        Self::OpenRelay,
        Self::WeakKey,
    ];

    /// The stable snake_case code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthOfferedBeforeTls => "auth_offered_before_tls",
            Self::PlaintextCredentials => "plaintext_credentials",
            Self::CertExpiresSoon => "cert_expires_soon",
            Self::OpenRelay => "open_relay",
            Self::WeakKey => "weak_key",
        }
    }
}

impl fmt::Display for WarningCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One warning on an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// Stable code.
    pub code: WarningCode,
    /// One line in plain words.
    pub summary: String,
    /// What was seen (escaped).
    pub evidence: String,
    /// What to do.
    pub advice: String,
}

/// The provider an endpoint was recognised as, and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderMatch {
    /// Provider id (as `--preset` takes it).
    pub id: String,
    /// Display name.
    pub name: String,
    /// What recognised it, e.g. "banner contains `gsmtp`".
    pub evidence: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_match_serde_and_readme() {
        let readme = include_str!("../../../../README.md");
        for &c in WarningCode::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert!(
                readme.contains(&format!("| `{}` |", c.as_str())),
                "README lacks warning {c}"
            );
        }
    }
}
