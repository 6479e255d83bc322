//! The report of a run: per-endpoint results and matrix-level findings. Serialised as
//! the versioned JSON document of `smtptui check --format json`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    Class, Endpoint, Mode, PathReport, PhaseTiming, ProviderMatch, Recommendation, TlsInfo,
    TranscriptEntry, Verdict, Warning,
};

/// Version of the JSON document. Bump on incompatible changes.
pub const SCHEMA_VERSION: u32 = 1;

/// Everything learned about one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointReport {
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The verdict.
    pub verdict: Verdict,
    /// Phase timings in order.
    pub timings: Vec<PhaseTiming>,
    /// Local address the connection used, when connected.
    pub local_addr: Option<String>,
    /// The greeting line(s), escaped.
    pub banner: Option<String>,
    /// Raw EHLO reply lines of the last EHLO (inside TLS when TLS was used), escaped.
    pub ehlo: Vec<String>,
    /// Capability keywords, upper-case.
    pub capabilities: Vec<String>,
    /// AUTH mechanisms offered.
    pub auth_mechanisms: Vec<String>,
    /// The AUTH mechanism that succeeded (235), when AUTH was tried and worked.
    #[serde(default)]
    pub auth_mech: Option<String>,
    /// TLS details, when a handshake happened.
    pub tls: Option<TlsInfo>,
    /// The endpoint's transcript.
    pub transcript: Vec<TranscriptEntry>,
    /// The provider recognised from banner, EHLO, host name or certificate.
    #[serde(default)]
    pub provider: Option<ProviderMatch>,
    /// Warnings (also on `ok` endpoints).
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

impl EndpointReport {
    /// A report with only an endpoint and a verdict (nothing observed).
    pub fn bare(endpoint: Endpoint, verdict: Verdict) -> Self {
        Self {
            endpoint,
            verdict,
            timings: Vec::new(),
            local_addr: None,
            banner: None,
            ehlo: Vec::new(),
            capabilities: Vec::new(),
            auth_mechanisms: Vec::new(),
            auth_mech: None,
            tls: None,
            transcript: Vec::new(),
            provider: None,
            warnings: Vec::new(),
        }
    }
}

/// A matrix-level inference, e.g. "outbound port 25 is blocked on this network".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable snake_case code (`port25_blocked`, `ipv6_broken`, `ipv4_broken`, ...).
    pub code: String,
    /// One line in plain words.
    pub summary: String,
    /// Which endpoints show it.
    pub evidence: String,
    /// What to do next.
    pub advice: String,
}

/// The JSON document: one run against one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The target as given.
    pub target: String,
    /// Wall-clock start (RFC 3339, UTC).
    pub started_at: String,
    /// Total duration of the run in milliseconds.
    pub duration_ms: f64,
    /// Run-level transcript lines (DNS answers, planning).
    pub run_transcript: Vec<TranscriptEntry>,
    /// Per-endpoint results, in matrix order.
    pub endpoints: Vec<EndpointJson>,
    /// Matrix-level inferences.
    pub findings: Vec<Finding>,
    /// The domain's DNS mail-security report (MX mode only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<DnsReport>,
    /// Interactive (stepping) sessions the user ran after the probe, each its own
    /// record: they never replace an endpoint's verdict (TUI exports only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manual_sessions: Vec<ManualSession>,
    /// The settings that work from here (the best endpoint and why the others were
    /// not chosen); absent when no endpoint worked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended: Option<Recommendation>,
    /// The options the run used, for the summary of exports (never a secret).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// One interactive session on an endpoint: what was sent and read by hand, with the
/// session's own verdict. Its times are on the run's clock (they continue after the
/// probe's), so the transcript reads in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManualSession {
    /// 1, 2, ... in the order the sessions were opened.
    pub number: usize,
    /// When the session started, milliseconds since the run started.
    pub started_ms: f64,
    /// How long it lasted (to its last line), milliseconds.
    pub duration_ms: f64,
    /// The endpoint, the session's verdict, timings and transcript.
    #[serde(flatten)]
    pub session: EndpointJson,
}

// --- DNS mail-security report (MX mode) -------------------------------------------------

/// Which DNS / mail-security check a [`DnsFinding`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DnsCheck {
    /// The MX records (and the addresses of every MX host).
    Mx,
    /// A null MX (RFC 7505): the domain accepts no mail.
    NullMx,
    /// No MX: the domain's own A/AAAA is the implicit MX (RFC 5321 5.1).
    ImplicitMx,
    /// A PTR record exists for a server address.
    Ptr,
    /// Forward-confirmed reverse DNS: the PTR name resolves back to the address.
    Fcrdns,
    /// The greeting's host name matches the address's PTR name.
    BannerPtrMatch,
    /// STARTTLS on the MX and its certificate checked against the MX host name.
    MxTls,
    /// The SPF record.
    Spf,
    /// The DMARC record.
    Dmarc,
    /// DKIM key records (`SELECTOR._domainkey.DOMAIN`, RFC 6376 3.6.1).
    Dkim,
    /// MTA-STS: the `_mta-sts` TXT record and the HTTPS policy.
    MtaSts,
    /// SMTP TLS reporting (`_smtp._tls`).
    TlsRpt,
    /// DANE TLSA records at `_25._tcp.MX` and the presented chain.
    Dane,
    /// DNS blocklist listing of an MX address.
    Dnsbl,
}

impl DnsCheck {
    /// Every check, in report order.
    pub const ALL: [Self; 14] = [
        Self::Mx,
        Self::NullMx,
        Self::ImplicitMx,
        Self::Ptr,
        Self::Fcrdns,
        Self::BannerPtrMatch,
        Self::MxTls,
        Self::Spf,
        Self::Dmarc,
        Self::Dkim,
        Self::MtaSts,
        Self::TlsRpt,
        Self::Dane,
        Self::Dnsbl,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mx => "mx",
            Self::NullMx => "null_mx",
            Self::ImplicitMx => "implicit_mx",
            Self::Ptr => "ptr",
            Self::Fcrdns => "fcrdns",
            Self::BannerPtrMatch => "banner_ptr_match",
            Self::MxTls => "mx_tls",
            Self::Spf => "spf",
            Self::Dmarc => "dmarc",
            Self::Dkim => "dkim",
            Self::MtaSts => "mta_sts",
            Self::TlsRpt => "tls_rpt",
            Self::Dane => "dane",
            Self::Dnsbl => "dnsbl",
        }
    }
}

/// Outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DnsStatus {
    /// Fine.
    Pass,
    /// Works, but weak, missing or unverifiable.
    Warn,
    /// Broken or dangerous.
    Fail,
}

impl DnsStatus {
    /// `pass`, `warn` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// One check's result. Text fields are escaped (they quote DNS and server data).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsFinding {
    /// The check.
    pub check: DnsCheck,
    /// The domain, host or address checked.
    pub subject: String,
    /// pass, warn or fail.
    pub status: DnsStatus,
    /// What was seen.
    pub evidence: String,
    /// What to do.
    pub advice: String,
}

/// One MX host with its addresses, in preference order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MxHost {
    /// Preference (the implicit MX has 0).
    pub preference: u16,
    /// Host name.
    pub host: String,
    /// Its addresses (IPv4 first), after the family filter.
    pub addresses: Vec<String>,
}

/// The DNS mail-security report of a domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct DnsReport {
    /// The domain.
    pub domain: String,
    /// Every MX host in preference order.
    pub mx: Vec<MxHost>,
    /// One entry per check (and per host or address for per-server checks).
    pub findings: Vec<DnsFinding>,
}

impl DnsReport {
    /// The findings of one check.
    pub fn of(&self, check: DnsCheck) -> impl Iterator<Item = &DnsFinding> {
        self.findings.iter().filter(move |f| f.check == check)
    }

    /// The worst status of one check (None when the check did not run).
    pub fn worst(&self, check: DnsCheck) -> Option<DnsStatus> {
        self.of(check).map(|f| f.status).max()
    }
}

/// An endpoint as it appears in the JSON document (flat, names are the contract).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointJson {
    /// Host name as given.
    pub host: String,
    /// Address (no brackets).
    pub address: String,
    /// Port.
    pub port: u16,
    /// Mode.
    pub mode: Mode,
    /// `ipv4` or `ipv6`.
    pub family: String,
    /// Classification code.
    pub class: Class,
    /// One-line summary.
    pub summary: String,
    /// Evidence.
    pub evidence: String,
    /// Advice.
    pub advice: String,
    /// Local address used.
    pub local_addr: Option<String>,
    /// Duration per phase, milliseconds.
    pub timings_ms: BTreeMap<String, f64>,
    /// Phases with start offsets (for waterfalls).
    pub timeline: Vec<PhaseTiming>,
    /// Greeting.
    pub banner: Option<String>,
    /// Raw EHLO lines.
    pub ehlo: Vec<String>,
    /// Capability keywords.
    pub capabilities: Vec<String>,
    /// AUTH mechanisms.
    pub auth_mechanisms: Vec<String>,
    /// The AUTH mechanism that succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_mech: Option<String>,
    /// TLS details.
    pub tls: Option<TlsInfo>,
    /// Transcript.
    pub transcript: Vec<TranscriptEntry>,
    /// The recognised provider, if any.
    #[serde(default)]
    pub provider: Option<ProviderMatch>,
    /// Warnings, always present (empty when none).
    #[serde(default)]
    pub warnings: Vec<Warning>,
    /// Where on the network path it stops (absent when not traced): see
    /// [`PathReport`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathReport>,
}

impl RunReport {
    /// Assembles the document from the parts a consumer collected.
    pub fn new(
        target: String,
        started_at: String,
        duration_ms: f64,
        run_transcript: Vec<TranscriptEntry>,
        reports: &[EndpointReport],
        findings: Vec<Finding>,
    ) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            target,
            started_at,
            duration_ms,
            run_transcript,
            endpoints: reports.iter().map(EndpointJson::from).collect(),
            findings,
            dns: None,
            manual_sessions: Vec::new(),
            recommended: None,
            options: Vec::new(),
        }
    }

    /// Attaches the traced paths (by endpoint index) to the endpoints.
    pub fn set_paths(&mut self, paths: &[(usize, PathReport)]) {
        for (i, p) in paths {
            if let Some(e) = self.endpoints.get_mut(*i) {
                e.path = Some(p.clone());
            }
        }
    }

    /// Whether at least one endpoint is ok (exit code 0).
    pub fn any_ok(&self) -> bool {
        self.endpoints.iter().any(|e| e.class.is_ok())
    }
}

impl EndpointJson {
    /// `[2001:db8::1]:587/starttls` or `192.0.2.1:465/tls`, as [`Endpoint::label`].
    pub fn label(&self) -> String {
        if self.address.contains(':') {
            format!("[{}]:{}/{}", self.address, self.port, self.mode)
        } else {
            format!("{}:{}/{}", self.address, self.port, self.mode)
        }
    }
}

impl From<&EndpointReport> for EndpointJson {
    fn from(r: &EndpointReport) -> Self {
        let mut timings_ms = BTreeMap::new();
        for t in &r.timings {
            *timings_ms
                .entry(t.phase.as_str().to_string())
                .or_insert(0.0) += t.dur_ms;
        }
        Self {
            host: r.endpoint.host.clone(),
            address: r.endpoint.address.to_string(),
            port: r.endpoint.port,
            mode: r.endpoint.mode,
            family: if r.endpoint.address.is_ipv4() {
                "ipv4"
            } else {
                "ipv6"
            }
            .into(),
            class: r.verdict.class,
            summary: r.verdict.summary.clone(),
            evidence: r.verdict.evidence.clone(),
            advice: r.verdict.advice.clone(),
            local_addr: r.local_addr.clone(),
            timings_ms,
            timeline: r.timings.clone(),
            banner: r.banner.clone(),
            ehlo: r.ehlo.clone(),
            capabilities: r.capabilities.clone(),
            auth_mechanisms: r.auth_mechanisms.clone(),
            auth_mech: r.auth_mech.clone(),
            tls: r.tls.clone(),
            transcript: r.transcript.clone(),
            provider: r.provider.clone(),
            warnings: r.warnings.clone(),
            path: None,
        }
    }
}

#[cfg(test)]
mod dns_check_tests {
    use super::DnsCheck;

    /// Exhaustive: a new check fails to compile here until `ALL` (and the README) has it.
    fn position(c: DnsCheck) -> usize {
        match c {
            DnsCheck::Mx => 0,
            DnsCheck::NullMx => 1,
            DnsCheck::ImplicitMx => 2,
            DnsCheck::Ptr => 3,
            DnsCheck::Fcrdns => 4,
            DnsCheck::BannerPtrMatch => 5,
            DnsCheck::MxTls => 6,
            DnsCheck::Spf => 7,
            DnsCheck::Dmarc => 8,
            DnsCheck::Dkim => 9,
            DnsCheck::MtaSts => 10,
            DnsCheck::TlsRpt => 11,
            DnsCheck::Dane => 12,
            DnsCheck::Dnsbl => 13,
        }
    }

    #[test]
    fn the_readme_dns_table_lists_every_check() {
        for (i, c) in DnsCheck::ALL.iter().enumerate() {
            assert_eq!(position(*c), i, "{c:?}");
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
        let readme = include_str!("../../../../README.md");
        let table = readme
            .split("| check | what is checked |")
            .nth(1)
            .and_then(|t| t.split("\n\n").next())
            .expect("README has the DNS check table");
        // The first column of every row: `name` or `name`, `name`.
        let mut listed: Vec<&str> = Vec::new();
        for row in table.lines().skip(2) {
            let first = row.trim_start_matches('|').split('|').next().unwrap_or("");
            listed.extend(first.split('`').skip(1).step_by(2));
        }
        let mut want: Vec<&str> = DnsCheck::ALL.iter().map(|c| c.as_str()).collect();
        listed.sort_unstable();
        want.sort_unstable();
        assert_eq!(listed, want, "README's DNS check table vs DnsCheck");
    }
}
