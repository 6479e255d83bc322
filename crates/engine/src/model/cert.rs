//! Certificate summaries and what the TLS handshake negotiated.

use serde::{Deserialize, Serialize};

/// One certificate of the peer's chain, summarised for display and JSON.
/// Every string field is escaped (certificate fields are attacker-controlled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CertSummary {
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Subject alternative names (`DNS:`, `IP:` prefixes omitted for DNS names).
    pub sans: Vec<String>,
    /// Not valid before (RFC 3339, UTC).
    pub not_before: String,
    /// Not valid after (RFC 3339, UTC).
    pub not_after: String,
    /// Whole days until `not_after` (negative when expired), counted by [`whole_days`]
    /// like every other day count (verdicts, exports).
    pub days_left: i64,
    /// Key algorithm and size, e.g. `RSA 2048` or `EC P-256`.
    pub key: String,
    /// Signature algorithm, e.g. `sha256WithRSAEncryption`.
    pub signature: String,
    /// Serial number, colon-separated hex.
    pub serial: String,
    /// SHA-256 fingerprint of the DER, colon-separated upper-case hex.
    pub sha256: String,
    /// Subject equals issuer and the signature verifies with its own key.
    pub self_signed: bool,
    /// Basic constraints CA flag.
    pub is_ca: bool,
}

/// Why the verifier rejected the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertProblem {
    /// The leaf (or another certificate) has expired.
    Expired,
    /// A certificate is not yet valid.
    NotYetValid,
    /// The issuer is not a trusted anchor.
    UnknownIssuer,
    /// The leaf is self-signed and not trusted.
    SelfSigned,
    /// The certificate does not name the checked host.
    HostnameMismatch,
    /// A signature in the chain does not verify.
    BadSignature,
    /// Anything else the verifier said.
    Other(String),
}

/// What a TLS handshake negotiated and what the verifier concluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TlsInfo {
    /// Protocol version, e.g. `TLSv1.3`.
    pub version: String,
    /// Cipher suite, e.g. `TLS13_AES_256_GCM_SHA384`.
    pub cipher: String,
    /// Key-exchange group, e.g. `X25519`.
    pub group: Option<String>,
    /// Whether the chain verified against the trust anchors for `checked_name`.
    pub verified: bool,
    /// The verifier's error in words, when not verified.
    pub error: Option<String>,
    /// The verifier's error, classified.
    pub problem: Option<CertProblem>,
    /// The name the certificate was checked against.
    pub checked_name: String,
    /// The peer's chain as presented: leaf first.
    pub chain: Vec<CertSummary>,
    /// The same chain as DER, leaf first: what the MX diagnosis matches TLSA records
    /// against (DANE), so it needs no second connection. Not exported (the summaries
    /// and fingerprints above are).
    #[serde(skip)]
    pub chain_der: DerChain,
    /// Whether the server asked for a client certificate.
    pub client_cert_requested: bool,
    /// The CA names the server listed in its certificate request.
    #[serde(default)]
    pub client_cert_cas: Vec<String>,
    /// Whether smtptui presented a client certificate (`--client-cert`).
    #[serde(default)]
    pub client_cert_sent: bool,
}

/// Certificates as DER, leaf first. Its `Debug` shows sizes, not bytes (reports are
/// printed with `{:?}` in tests and logs).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct DerChain(pub Vec<Vec<u8>>);

impl DerChain {
    /// The certificates, leaf first.
    pub fn certs(&self) -> &[Vec<u8>] {
        &self.0
    }
}

impl std::fmt::Debug for DerChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sizes: Vec<usize> = self.0.iter().map(Vec::len).collect();
        write!(f, "DerChain({sizes:?} bytes)")
    }
}

/// Whole days in `secs` seconds, truncated toward zero (3 days and 5 seconds are 3
/// days, in the past or the future): the ONE rounding of days used by the inspector,
/// the verdicts and the exports, so they never disagree by one.
pub fn whole_days(secs: i64) -> i64 {
    secs / 86_400
}
