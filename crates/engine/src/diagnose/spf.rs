//! SPF (RFC 7208): a small parser for `v=spf1` records and an evaluator of the checks
//! a sender cares about: one record, valid syntax, at most 10 DNS-querying terms
//! (counted through `include:` and `redirect=`), and the final `all`.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::dns::{DnsError, Lookup};
use std::fmt::Write as _;

use crate::model::{DnsStatus, escape_str};

/// The RFC 7208 limit on terms that cause DNS queries.
pub const MAX_LOOKUPS: usize = 10;

/// A mechanism's qualifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qualifier {
    /// `+` (default).
    Pass,
    /// `-`.
    Fail,
    /// `~`.
    SoftFail,
    /// `?`.
    Neutral,
}

/// One term of an SPF record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// A mechanism: qualifier, name (lower case) and argument.
    Mechanism(Qualifier, String, Option<String>),
    /// A modifier `name=value` (name lower case).
    Modifier(String, String),
}

/// A parsed record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpfRecord {
    /// The terms in order.
    pub terms: Vec<Term>,
}

/// Whether a TXT string is an SPF record (`v=spf1` then a space or the end).
pub fn is_spf(txt: &str) -> bool {
    let t = txt.trim_start();
    t.len() >= 6
        && t[..6].eq_ignore_ascii_case("v=spf1")
        && t[6..].chars().next().is_none_or(|c| c == ' ')
}

fn valid_domain_spec(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.chars()
            .all(|c| c.is_ascii_graphic() && c != '\\' && c != '"')
}

fn valid_cidr(s: &str, max: u8) -> bool {
    s.parse::<u8>().is_ok_and(|n| n <= max) && !s.starts_with('0') || s == "0"
}

/// Parses a record; the error names the first bad term.
pub fn parse(txt: &str) -> Result<SpfRecord, String> {
    if !is_spf(txt) {
        return Err("does not start with v=spf1".into());
    }
    let mut terms = Vec::new();
    for raw in txt.trim()[6..].split(' ').filter(|t| !t.is_empty()) {
        let bad = || format!("invalid term `{raw}`");
        if let Some((name, value)) = raw.split_once('=')
            && !name.contains(':')
            && !name.contains('/')
        {
            let name = name.to_ascii_lowercase();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                return Err(bad());
            }
            if matches!(name.as_str(), "redirect" | "exp") && !valid_domain_spec(value) {
                return Err(bad());
            }
            terms.push(Term::Modifier(name, value.to_string()));
            continue;
        }
        let (q, rest) = match raw.chars().next() {
            Some('+') => (Qualifier::Pass, &raw[1..]),
            Some('-') => (Qualifier::Fail, &raw[1..]),
            Some('~') => (Qualifier::SoftFail, &raw[1..]),
            Some('?') => (Qualifier::Neutral, &raw[1..]),
            _ => (Qualifier::Pass, raw),
        };
        let (name, arg) = match rest.find([':', '/']) {
            Some(i) if rest.as_bytes()[i] == b':' => (&rest[..i], Some(&rest[i + 1..])),
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        let name = name.to_ascii_lowercase();
        let ok = match (name.as_str(), arg) {
            ("all" | "a" | "mx" | "ptr", None) => true,
            ("include" | "exists" | "ptr", Some(a)) => valid_domain_spec(a),
            ("a" | "mx", Some(a)) => {
                // `/24//64` (cidr only) or `domain/24`; `//64` is the IPv6 length alone.
                let (dom, cidr) = match a.strip_prefix('/') {
                    Some(c) => ("", c),
                    None => a.split_once('/').unwrap_or((a, "")),
                };
                (dom.is_empty() || valid_domain_spec(dom))
                    && (cidr.is_empty()
                        || cidr.split_once("//").map_or_else(
                            || match cidr.strip_prefix('/') {
                                Some(v6) => valid_cidr(v6, 128),
                                None => valid_cidr(cidr, 32),
                            },
                            |(v4, v6)| (v4.is_empty() || valid_cidr(v4, 32)) && valid_cidr(v6, 128),
                        ))
            }
            ("ip4", Some(a)) => {
                let (ip, cidr) = a.split_once('/').unwrap_or((a, "32"));
                ip.parse::<Ipv4Addr>().is_ok() && valid_cidr(cidr, 32)
            }
            ("ip6", Some(a)) => {
                let (ip, cidr) = a.split_once('/').unwrap_or((a, "128"));
                ip.parse::<Ipv6Addr>().is_ok() && valid_cidr(cidr, 128)
            }
            _ => false,
        };
        if !ok {
            return Err(bad());
        }
        terms.push(Term::Mechanism(q, name, arg.map(str::to_string)));
    }
    let redirects = terms
        .iter()
        .filter(|t| matches!(t, Term::Modifier(n, _) if n == "redirect"))
        .count();
    if redirects > 1 {
        return Err("more than one redirect= modifier".into());
    }
    Ok(SpfRecord { terms })
}

impl SpfRecord {
    /// The `all` mechanism's qualifier, if any.
    pub fn all(&self) -> Option<Qualifier> {
        self.terms.iter().find_map(|t| match t {
            Term::Mechanism(q, n, _) if n == "all" => Some(*q),
            _ => None,
        })
    }

    /// The `redirect=` target.
    pub fn redirect(&self) -> Option<&str> {
        self.terms.iter().find_map(|t| match t {
            Term::Modifier(n, v) if n == "redirect" => Some(v.as_str()),
            _ => None,
        })
    }

    /// Terms that cost a DNS lookup here (not counting what includes cost).
    pub fn own_lookups(&self) -> usize {
        self.terms
            .iter()
            .filter(|t| match t {
                Term::Mechanism(_, n, _) => {
                    matches!(n.as_str(), "include" | "a" | "mx" | "ptr" | "exists")
                }
                Term::Modifier(n, _) => n == "redirect",
            })
            .count()
    }

    /// `include:` targets.
    pub fn includes(&self) -> impl Iterator<Item = &str> {
        self.terms.iter().filter_map(|t| match t {
            Term::Mechanism(_, n, Some(a)) if n == "include" => Some(a.as_str()),
            _ => None,
        })
    }

    /// Whether the deprecated `ptr` mechanism is used.
    pub fn uses_ptr(&self) -> bool {
        self.terms
            .iter()
            .any(|t| matches!(t, Term::Mechanism(_, n, _) if n == "ptr"))
    }
}

/// The SPF record of `domain`: Ok(None) when there is none.
pub async fn fetch<L: Lookup>(lookup: &L, domain: &str) -> Result<Option<String>, String> {
    match lookup.lookup_txt(domain).await {
        Ok(txts) => {
            let spf: Vec<String> = txts.into_iter().filter(|t| is_spf(t)).collect();
            match spf.len() {
                0 => Ok(None),
                1 => Ok(spf.into_iter().next()),
                n => Err(format!("{n} SPF records (exactly one is allowed)")),
            }
        }
        Err(DnsError::NxDomain { .. } | DnsError::NoAddress { .. }) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// The RFC 7208 4.6.4 limit on DNS-querying terms that return no data (void lookups).
pub const MAX_VOID_LOOKUPS: usize = 2;

/// What evaluating a record's DNS terms found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// DNS-querying terms, through includes and redirects.
    pub lookups: usize,
    /// Terms whose query returned NXDOMAIN or no records (`a:x.test → NXDOMAIN`).
    pub voids: Vec<String>,
    /// Terms with macros (`%{i}`), which are not expanded (no sender to expand them for).
    pub macros: Vec<String>,
}

/// Whether a query for a term came back empty (NXDOMAIN / no data).
fn is_void<T>(r: &Result<T, DnsError>) -> bool {
    matches!(
        r,
        Err(DnsError::NxDomain { .. } | DnsError::NoAddress { .. })
    )
}

/// Queries the domain of an `a`/`mx`/`exists` term (the record's own domain when the
/// term names none, the cidr suffix removed); returns whether the answer was void.
async fn void_term<L: Lookup>(lookup: &L, name: &str, arg: Option<&str>, own: &str) -> bool {
    let target = arg
        .map(|a| a.split('/').next().unwrap_or_default())
        .filter(|t| !t.is_empty())
        .unwrap_or(own);
    match name {
        "mx" => is_void(&lookup.lookup_mx(target).await),
        _ => is_void(&lookup.lookup_ip(target).await),
    }
}

/// Counts the DNS-querying terms of `record` (published at `domain`) plus, recursively,
/// of its includes and redirect; queries `a`/`mx`/`exists` targets to count void
/// lookups. Terms with macros are counted but not expanded. Errors name the broken
/// include.
pub async fn count_lookups<L: Lookup>(
    lookup: &L,
    domain: &str,
    record: &SpfRecord,
) -> Result<Tally, String> {
    let mut tally = Tally::default();
    let mut stack: Vec<(SpfRecord, String, usize)> = vec![(record.clone(), domain.into(), 0)];
    let mut seen: Vec<String> = Vec::new();
    while let Some((rec, own, depth)) = stack.pop() {
        tally.lookups += rec.own_lookups();
        if tally.lookups > 2 * MAX_LOOKUPS || depth > 10 {
            break;
        }
        for t in &rec.terms {
            let (shown, name, arg) = match t {
                Term::Mechanism(_, n, a) => (
                    format!(
                        "{n}{}",
                        a.as_deref().map_or(String::new(), |a| {
                            if a.starts_with('/') {
                                a.to_string()
                            } else {
                                format!(":{a}")
                            }
                        })
                    ),
                    n.as_str(),
                    a.as_deref(),
                ),
                Term::Modifier(n, v) => (format!("{n}={v}"), n.as_str(), Some(v.as_str())),
            };
            if arg.is_some_and(|a| a.contains('%')) {
                tally.macros.push(shown);
                continue;
            }
            if matches!(name, "a" | "mx" | "exists")
                && tally.voids.len() <= MAX_VOID_LOOKUPS
                && void_term(lookup, name, arg, &own).await
            {
                tally.voids.push(shown);
            }
        }
        let targets: Vec<String> = rec
            .includes()
            .chain(rec.redirect())
            .filter(|d| !d.contains('%'))
            .map(str::to_ascii_lowercase)
            .collect();
        for target in targets {
            if seen.contains(&target) {
                return Err(format!("include loop at {target}"));
            }
            seen.push(target.clone());
            let text = fetch(lookup, &target)
                .await
                .map_err(|e| format!("{target}: {e}"))?
                .ok_or_else(|| format!("{target} has no SPF record"))?;
            let parsed = parse(&text).map_err(|e| format!("{target}: {e}"))?;
            stack.push((parsed, target, depth + 1));
        }
    }
    Ok(tally)
}

/// Whether a record authorises nobody: no mechanism but `-all` (a no-mail domain's
/// record, `v=spf1 -all`).
fn sends_nothing(record: &SpfRecord) -> bool {
    record.all() == Some(Qualifier::Fail)
        && record.terms.iter().all(|t| match t {
            Term::Mechanism(q, n, _) => n == "all" && *q == Qualifier::Fail,
            Term::Modifier(n, _) => n != "redirect",
        })
}

/// The whole SPF check: status, evidence, advice.
///
/// `null_mx`: the domain declares it accepts no mail (RFC 7505); it should send none
/// either, and `v=spf1 -all` is the record it needs.
pub async fn check<L: Lookup>(
    lookup: &L,
    domain: &str,
    null_mx: bool,
) -> (DnsStatus, String, String) {
    let text = match fetch(lookup, domain).await {
        Ok(Some(t)) => t,
        Ok(None) if null_mx => {
            return (
                DnsStatus::Fail,
                format!("no v=spf1 TXT record at {domain}; the domain accepts no mail (null MX)"),
                "A domain that sends no mail should say so: publish `v=spf1 -all` so receivers reject mail forging it.".into(),
            );
        }
        Ok(None) => {
            return (
                DnsStatus::Fail,
                format!("no v=spf1 TXT record at {domain}"),
                "Publish an SPF record listing the servers that send for the domain, ending in -all or ~all (e.g. `v=spf1 mx -all`).".into(),
            );
        }
        Err(e) => {
            return (
                DnsStatus::Fail,
                escape_str(&e),
                "Keep exactly one v=spf1 TXT record (merge them) and make sure the name resolves; receivers treat several records as a permanent error.".into(),
            );
        }
    };
    let shown = escape_str(&text);
    let record = match parse(&text) {
        Ok(r) => r,
        Err(e) => {
            return (
                DnsStatus::Fail,
                format!("{shown}: {}", escape_str(&e)),
                "Fix the record's syntax: receivers treat a malformed SPF record as a permanent error (permerror).".into(),
            );
        }
    };
    let tally = match count_lookups(lookup, domain, &record).await {
        Ok(n) => n,
        Err(e) => {
            return (
                DnsStatus::Fail,
                format!("{shown}: {}", escape_str(&e)),
                "Every include:/redirect= target must publish one valid SPF record.".into(),
            );
        }
    };
    judge(&record, &tally, &shown, null_mx)
}

/// The verdict on a parsed record whose lookups were counted.
fn judge(
    record: &SpfRecord,
    tally: &Tally,
    shown: &str,
    null_mx: bool,
) -> (DnsStatus, String, String) {
    let count = tally.lookups;
    let mut evidence = format!("{shown} ({count} DNS lookup(s))");
    if !tally.macros.is_empty() {
        let _ = write!(
            evidence,
            "; macros not evaluated: {} (they depend on the sender; their targets' lookups are not counted)",
            escape_str(&tally.macros.join(", "))
        );
    }
    if tally.voids.len() > MAX_VOID_LOOKUPS {
        return (
            DnsStatus::Fail,
            format!(
                "{evidence}: {} void lookups (more than {MAX_VOID_LOOKUPS}, RFC 7208 4.6.4): {}",
                tally.voids.len(),
                escape_str(&tally.voids.join(", "))
            ),
            "Receivers return permerror after more than two lookups that find nothing: remove the terms naming domains that do not exist or have no records.".into(),
        );
    }
    if null_mx && sends_nothing(record) {
        return (
            DnsStatus::Pass,
            format!("{evidence}; the domain accepts no mail (null MX) and authorises no sender"),
            "SPF says the domain sends no mail, matching its null MX.".into(),
        );
    }
    if count > MAX_LOOKUPS {
        return (
            DnsStatus::Fail,
            format!("{evidence}: more than {MAX_LOOKUPS}"),
            "Reduce include:/a/mx/exists terms (flatten to ip4:/ip6:); over 10 lookups is a permerror and SPF fails everywhere.".into(),
        );
    }
    let (status, advice) = all_verdict(record);
    let status = if record.uses_ptr() && status == DnsStatus::Pass {
        evidence.push_str("; uses the deprecated ptr mechanism");
        DnsStatus::Warn
    } else {
        status
    };
    if null_mx && !tally.voids.is_empty() {
        let _ = write!(
            evidence,
            "; void lookup(s): {}",
            escape_str(&tally.voids.join(", "))
        );
    }
    let advice = if null_mx {
        format!(
            "{advice} The domain accepts no mail (null MX): if it sends none either, publish `v=spf1 -all` instead."
        )
    } else {
        advice
    };
    (status, evidence, advice)
}

/// What the record's `all` (or its redirect) says of unlisted hosts.
fn all_verdict(record: &SpfRecord) -> (DnsStatus, String) {
    match (record.all(), record.redirect()) {
        (Some(Qualifier::Fail | Qualifier::SoftFail), _) => (
            DnsStatus::Pass,
            "SPF is published and within limits.".to_string(),
        ),
        (Some(Qualifier::Pass), _) => (
            DnsStatus::Fail,
            "`+all` authorises every host on the Internet to send as the domain: end the record with -all or ~all.".to_string(),
        ),
        (Some(Qualifier::Neutral), _) => (
            DnsStatus::Warn,
            "`?all` gives no protection: end the record with -all or ~all.".to_string(),
        ),
        (None, Some(_)) => (
            DnsStatus::Pass,
            "SPF is published (the redirect target's all applies).".to_string(),
        ),
        (None, None) => (
            DnsStatus::Warn,
            "The record has no all mechanism, so unlisted hosts get neutral: end it with -all or ~all.".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::FixedLookup;

    #[test]
    fn parser_accepts_and_rejects() {
        for ok in [
            "v=spf1 -all",
            "v=spf1",
            "V=SPF1 mx a:mail.example.com/24 ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.example.net ~all",
            "v=spf1 a/24//64 exists:%{i}.x.test redirect=_spf.example.com exp=explain.test",
            "v=spf1 unknown-mod=1 ?all",
            "v=spf1 a//64 mx:m.test/24 -all",
        ] {
            assert!(parse(ok).is_ok(), "{ok}: {:?}", parse(ok));
        }
        for bad in [
            "v=spf10 -all",
            "spf1 -all",
            "v=spf1 ip4:300.1.1.1",
            "v=spf1 ip4:192.0.2.1/33",
            "v=spf1 ip6:nothex",
            "v=spf1 include:",
            "v=spf1 bogus:x",
            "v=spf1 all:x",
            "v=spf1 redirect=a redirect=b",
            "v=spf1 *all",
        ] {
            assert!(parse(bad).is_err(), "{bad} should fail");
        }
        let r = parse("v=spf1 include:a mx ptr ~all").unwrap();
        assert_eq!(r.own_lookups(), 3);
        assert_eq!(r.all(), Some(Qualifier::SoftFail));
        assert!(r.uses_ptr());
    }

    #[tokio::test]
    async fn checks_against_a_zone() {
        let mut z = FixedLookup::new()
            .txt("good.test", "v=spf1 mx include:_spf.good.test -all")
            .txt("good.test", "some-verification=1")
            .txt("_spf.good.test", "v=spf1 ip4:192.0.2.0/24 -all")
            .txt("open.test", "v=spf1 +all")
            .txt("two.test", "v=spf1 -all")
            .txt("two.test", "v=spf1 ~all")
            .txt("noall.test", "v=spf1 mx")
            .txt("broken.test", "v=spf1 ip4:1.2.3")
            .txt("dangling.test", "v=spf1 include:nothing.test -all");
        let mut many = String::from("v=spf1");
        for i in 0..11 {
            let _ = write!(many, " include:i{i}.test");
            z = z.txt(&format!("i{i}.test"), "v=spf1 ip4:192.0.2.1 -all");
        }
        many.push_str(" -all");
        z = z.txt("many.test", &many);
        let s = |d: &'static str| {
            let z = z.clone();
            async move { check(&z, d, false).await }
        };
        let (st, ev, _) = s("good.test").await;
        assert_eq!(st, DnsStatus::Pass, "{ev}");
        assert!(ev.contains("2 DNS lookup"), "{ev}");
        assert_eq!(s("open.test").await.0, DnsStatus::Fail);
        assert_eq!(s("two.test").await.0, DnsStatus::Fail);
        assert_eq!(s("noall.test").await.0, DnsStatus::Warn);
        assert_eq!(s("broken.test").await.0, DnsStatus::Fail);
        assert_eq!(s("dangling.test").await.0, DnsStatus::Fail);
        assert_eq!(s("missing.test").await.0, DnsStatus::Fail);
        let (st, ev, _) = s("many.test").await;
        assert_eq!(st, DnsStatus::Fail);
        assert!(ev.contains("11 DNS lookup"), "{ev}");
    }

    #[tokio::test]
    async fn void_lookups_macros_and_no_mail_domains() {
        let z = FixedLookup::new()
            .txt(
                "void.test",
                "v=spf1 a:gone1.test mx:gone2.test exists:gone3.test -all",
            )
            .txt("two.test", "v=spf1 a:gone1.test a:gone2.test -all")
            .txt("macro.test", "v=spf1 exists:%{i}._spf.macro.test -all")
            .txt("nomail.test", "v=spf1 -all")
            .txt("sends.test", "v=spf1 ip4:192.0.2.1 -all");
        let (st, ev, _) = check(&z, "void.test", false).await;
        assert_eq!(st, DnsStatus::Fail, "{ev}");
        assert!(ev.contains("3 void lookups"), "{ev}");
        let (st, ev, _) = check(&z, "two.test", false).await;
        assert_eq!(st, DnsStatus::Pass, "{ev}");
        let (st, ev, _) = check(&z, "macro.test", false).await;
        assert_eq!(st, DnsStatus::Pass, "{ev}");
        assert!(
            ev.contains("macros not evaluated: exists:%{i}._spf.macro.test"),
            "{ev}"
        );
        let (st, ev, _) = check(&z, "nomail.test", true).await;
        assert_eq!(st, DnsStatus::Pass, "{ev}");
        let (st, _, advice) = check(&z, "missing.test", true).await;
        assert_eq!(st, DnsStatus::Fail);
        assert!(advice.contains("v=spf1 -all"), "{advice}");
        let (_, _, advice) = check(&z, "sends.test", true).await;
        assert!(advice.contains("v=spf1 -all"), "{advice}");
    }
}
