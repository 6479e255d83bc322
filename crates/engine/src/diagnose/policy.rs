//! Small record and policy parsers: DMARC (RFC 7489), SMTP TLS reporting (RFC 8460)
//! and MTA-STS (RFC 8461: the `_mta-sts` TXT record and the HTTPS policy file), plus
//! the MX pattern match of an MTA-STS policy.

/// `k=v; k=v` tags (keys lower case, values trimmed), in order.
pub fn tags(record: &str) -> Vec<(String, String)> {
    record
        .split(';')
        .filter_map(|t| {
            let (k, v) = t.split_once('=')?;
            Some((k.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect()
}

fn tag<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Whether a TXT string starts with the version tag `v=VERSION` (tag and value
/// compared as the RFCs say: the tag exactly, the value case-insensitively).
pub fn has_version(txt: &str, version: &str) -> bool {
    tags(txt)
        .first()
        .is_some_and(|(k, v)| k == "v" && v.eq_ignore_ascii_case(version))
}

/// A DMARC record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dmarc {
    /// `p=`: none, quarantine or reject.
    pub policy: String,
    /// `sp=`, if given.
    pub subdomain_policy: Option<String>,
    /// `np=` (RFC 9091, policy for non-existent subdomains), if given.
    pub nonexistent_policy: Option<String>,
    /// `rua=` URIs.
    pub rua: Vec<String>,
    /// `pct=` (100 when absent).
    pub pct: u8,
}

/// Parses a DMARC record (`v=DMARC1; p=...`).
pub fn parse_dmarc(txt: &str) -> Result<Dmarc, String> {
    if !has_version(txt, "DMARC1") {
        return Err("does not start with v=DMARC1".into());
    }
    let t = tags(txt);
    let policy = tag(&t, "p")
        .ok_or("no p= tag (the policy is required)")?
        .to_ascii_lowercase();
    let valid = |p: &str| matches!(p, "none" | "quarantine" | "reject");
    if !valid(&policy) {
        return Err(format!("p={policy} is not none, quarantine or reject"));
    }
    let subdomain_policy = tag(&t, "sp").map(str::to_ascii_lowercase);
    if let Some(sp) = &subdomain_policy
        && !valid(sp)
    {
        return Err(format!("sp={sp} is not none, quarantine or reject"));
    }
    let nonexistent_policy = tag(&t, "np").map(str::to_ascii_lowercase);
    if let Some(np) = &nonexistent_policy
        && !valid(np)
    {
        return Err(format!("np={np} is not none, quarantine or reject"));
    }
    let rua: Vec<String> = tag(&t, "rua")
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if let Some(bad) = rua
        .iter()
        .find(|u| !u.to_ascii_lowercase().starts_with("mailto:"))
    {
        return Err(format!("rua URI `{bad}` is not mailto:"));
    }
    let pct = match tag(&t, "pct") {
        Some(v) => v
            .parse::<u8>()
            .ok()
            .filter(|n| *n <= 100)
            .ok_or_else(|| format!("pct={v} is not 0-100"))?,
        None => 100,
    };
    Ok(Dmarc {
        policy,
        subdomain_policy,
        nonexistent_policy,
        rua,
        pct,
    })
}

/// Parses a TLS-RPT record; returns its `rua` URIs.
pub fn parse_tlsrpt(txt: &str) -> Result<Vec<String>, String> {
    if !has_version(txt, "TLSRPTv1") {
        return Err("does not start with v=TLSRPTv1".into());
    }
    let t = tags(txt);
    let rua = tag(&t, "rua").ok_or("no rua= tag")?;
    let uris: Vec<String> = rua.split(',').map(|s| s.trim().to_string()).collect();
    for u in &uris {
        let l = u.to_ascii_lowercase();
        let ok = (l.starts_with("mailto:") && u.len() > 7 && u.contains('@'))
            || (l.starts_with("https://") && u.len() > 8);
        if !ok {
            return Err(format!("rua URI `{u}` is not mailto: or https:"));
        }
    }
    Ok(uris)
}

/// Parses the `_mta-sts` TXT record; returns its `id`.
pub fn parse_sts_record(txt: &str) -> Result<String, String> {
    if !has_version(txt, "STSv1") {
        return Err("does not start with v=STSv1".into());
    }
    let t = tags(txt);
    let id = tag(&t, "id").ok_or("no id= tag")?;
    if id.is_empty() || id.len() > 32 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("id={id} is not 1-32 letters and digits"));
    }
    Ok(id.to_string())
}

/// An MTA-STS policy mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StsMode {
    /// Senders must not deliver without a valid TLS connection to a matching MX.
    Enforce,
    /// Report failures, deliver anyway.
    Testing,
    /// The policy is being withdrawn.
    None,
}

impl StsMode {
    /// The policy file's word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enforce => "enforce",
            Self::Testing => "testing",
            Self::None => "none",
        }
    }
}

/// A parsed MTA-STS policy file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StsPolicy {
    /// The mode.
    pub mode: StsMode,
    /// `mx:` patterns (lower case).
    pub mx: Vec<String>,
    /// `max_age` in seconds.
    pub max_age: u64,
}

/// Parses a policy file (`key: value` lines, CRLF or LF).
pub fn parse_sts_policy(body: &str) -> Result<StsPolicy, String> {
    let mut version = None;
    let mut mode = None;
    let mut mx = Vec::new();
    let mut max_age = None;
    for line in body.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| format!("line `{line}` is not `key: value`"))?;
        let v = v.trim();
        match k.trim() {
            "version" => version = Some(v.to_string()),
            "mode" => {
                mode = Some(match v {
                    "enforce" => StsMode::Enforce,
                    "testing" => StsMode::Testing,
                    "none" => StsMode::None,
                    other => return Err(format!("mode `{other}` is not enforce, testing or none")),
                });
            }
            "mx" => mx.push(v.to_ascii_lowercase()),
            "max_age" => {
                max_age = Some(
                    v.parse::<u64>()
                        .ok()
                        .filter(|n| *n <= 31_557_600)
                        .ok_or_else(|| format!("max_age `{v}` is not 0-31557600"))?,
                );
            }
            _ => {}
        }
    }
    if version.as_deref() != Some("STSv1") {
        return Err("no `version: STSv1` line".into());
    }
    let mode = mode.ok_or("no mode line")?;
    let max_age = max_age.ok_or("no max_age line")?;
    if mx.is_empty() && mode != StsMode::None {
        return Err("no mx line".into());
    }
    Ok(StsPolicy { mode, mx, max_age })
}

/// Whether `host` matches an `mx:` pattern: exact, or `*.` matching one leftmost label.
pub fn mx_matches(pattern: &str, host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let pattern = pattern.trim_end_matches('.').to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
        None => host == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dmarc() {
        let d = parse_dmarc("v=DMARC1; p=reject; rua=mailto:a@x.test, mailto:b@y.test; pct=50")
            .unwrap();
        assert_eq!(d.policy, "reject");
        assert_eq!(d.rua.len(), 2);
        assert_eq!(d.pct, 50);
        assert_eq!(parse_dmarc("v=DMARC1;p=none").unwrap().rua.len(), 0);
        let d = parse_dmarc("v=DMARC1; p=none; sp=reject; np=quarantine").unwrap();
        assert_eq!(d.subdomain_policy.as_deref(), Some("reject"));
        assert_eq!(d.nonexistent_policy.as_deref(), Some("quarantine"));
        for bad in [
            "v=DMARC2; p=none",
            "p=none; v=DMARC1",
            "v=DMARC1; rua=mailto:a@x.test",
            "v=DMARC1; p=block",
            "v=DMARC1; p=none; sp=maybe",
            "v=DMARC1; p=none; np=maybe",
            "v=DMARC1; p=none; rua=https://x.test",
            "v=DMARC1; p=none; pct=101",
        ] {
            assert!(parse_dmarc(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tlsrpt_and_sts_record() {
        assert_eq!(
            parse_tlsrpt("v=TLSRPTv1; rua=mailto:tls@x.test,https://r.x.test/api")
                .unwrap()
                .len(),
            2
        );
        for bad in [
            "v=TLSRPTv1",
            "v=TLSRPTv1; rua=ftp://x",
            "v=TLSRPTv2; rua=mailto:a@b",
        ] {
            assert!(parse_tlsrpt(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_sts_record("v=STSv1; id=20240101T000000").unwrap(),
            "20240101T000000"
        );
        for bad in [
            "v=STSv1",
            "v=STSv1; id=",
            "v=STSv1; id=has-dash",
            "v=STSv2; id=1",
        ] {
            assert!(parse_sts_record(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sts_policy_and_patterns() {
        let p = parse_sts_policy(
            "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmx: *.backup.example.test\r\nmax_age: 604800\r\n",
        )
        .unwrap();
        assert_eq!(p.mode, StsMode::Enforce);
        assert_eq!(p.mx.len(), 2);
        assert_eq!(p.max_age, 604_800);
        assert!(p.mx.iter().any(|m| mx_matches(m, "MX1.example.test.")));
        assert!(p.mx.iter().any(|m| mx_matches(m, "a.backup.example.test")));
        assert!(
            !p.mx
                .iter()
                .any(|m| mx_matches(m, "a.b.backup.example.test"))
        );
        assert!(!p.mx.iter().any(|m| mx_matches(m, "backup.example.test")));
        assert!(!p.mx.iter().any(|m| mx_matches(m, "mx2.example.test")));
        for bad in [
            "mode: enforce\nmx: a\nmax_age: 1",
            "version: STSv1\nmode: on\nmx: a\nmax_age: 1",
            "version: STSv1\nmode: enforce\nmax_age: 1",
            "version: STSv1\nmode: enforce\nmx: a",
            "version: STSv1\nmode: enforce\nmx: a\nmax_age: 99999999999",
            "version: STSv1\ngarbage",
        ] {
            assert!(parse_sts_policy(bad).is_err(), "{bad}");
        }
        assert!(parse_sts_policy("version: STSv1\nmode: none\nmax_age: 0").is_ok());
    }
}
