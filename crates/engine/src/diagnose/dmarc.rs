//! The DMARC check (RFC 7489): the record at `_dmarc.DOMAIN`, or — when the domain has
//! none — the organizational domain's record (RFC 7489 6.6.3, the organizational domain
//! from the Public Suffix List), whose `sp=` applies to subdomains. `np=` (RFC 9091)
//! is shown when present. A null-MX domain (RFC 7505) is graded for what it is: it
//! sends nothing, so `p=reject` is the whole job and reports are optional.

use super::domain::versioned;
use super::finding;
use super::policy::{self, Dmarc};
use crate::dns::{Lookup, organizational_domain};
use crate::model::{DnsCheck, DnsFinding, DnsStatus};

/// Where the applied record was found.
enum Source {
    /// At `_dmarc.DOMAIN` itself.
    Own,
    /// At `_dmarc.ORG`, the organizational domain's record.
    Inherited(String),
}

/// What the MX plan says about the domain, for grading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A domain that receives mail (or tries to).
    Mail,
    /// A null-MX domain (RFC 7505): it accepts no mail.
    NullMx,
    /// The name does not exist (NXDOMAIN): `np=` applies when inherited (RFC 9091).
    Nonexistent,
}

/// The DMARC finding of `domain`.
pub(super) async fn dmarc<L: Lookup>(lookup: &L, domain: &str, kind: Kind) -> DnsFinding {
    let null_mx = kind == Kind::NullMx;
    let f = |status, evidence: &str, advice: &str| {
        finding(DnsCheck::Dmarc, domain, status, evidence, advice)
    };
    let own = format!("_dmarc.{domain}");
    let org = organizational_domain(domain);
    let mut records = match versioned(lookup, &own, "DMARC1").await {
        Ok(r) => r,
        Err(e) => {
            return f(
                DnsStatus::Fail,
                &e.to_string(),
                "The DMARC lookup failed: fix the domain's name servers.",
            );
        }
    };
    let mut source = Source::Own;
    let mut name = own.clone();
    if records.is_empty() && org != domain {
        let org_name = format!("_dmarc.{org}");
        records = match versioned(lookup, &org_name, "DMARC1").await {
            Ok(r) => r,
            Err(e) => {
                return f(
                    DnsStatus::Fail,
                    &format!("no record at {own}; organizational domain {org}: {e}"),
                    "The DMARC lookup of the organizational domain failed: fix its name servers.",
                );
            }
        };
        source = Source::Inherited(org.clone());
        name = org_name;
    }
    let record = match records.as_slice() {
        [] => {
            let searched = if org == domain {
                format!("no v=DMARC1 TXT record at {own}")
            } else {
                format!(
                    "no v=DMARC1 TXT record at {own} nor at _dmarc.{org} (organizational domain)"
                )
            };
            let advice = if null_mx {
                "The domain accepts no mail (null MX) and should send none: publish `v=DMARC1; p=reject;` at _dmarc.DOMAIN so receivers reject mail forging it."
            } else {
                "Publish a DMARC record, starting with `v=DMARC1; p=none; rua=mailto:dmarc@DOMAIN` to collect reports, then move to quarantine or reject."
            };
            return f(DnsStatus::Fail, &searched, advice);
        }
        [one] => one,
        many => {
            return f(
                DnsStatus::Fail,
                &format!("{} DMARC records at {name}", many.len()),
                "Keep exactly one DMARC record: with several, receivers ignore DMARC.",
            );
        }
    };
    match policy::parse_dmarc(record) {
        Err(e) => f(
            DnsStatus::Fail,
            &format!("{name}: {record}: {e}"),
            "Fix the DMARC record's syntax (`v=DMARC1; p=quarantine; rua=mailto:...`).",
        ),
        Ok(d) => grade(domain, &d, record, &source, kind),
    }
}

/// Grades a parsed record: the policy that applies to `domain` (its own `p=`, or the
/// organizational domain's `sp=` falling back to `p=`), reports and `pct`.
fn grade(domain: &str, d: &Dmarc, record: &str, source: &Source, kind: Kind) -> DnsFinding {
    let null_mx = kind == Kind::NullMx;
    let f = |status, evidence: &str, advice: &str| {
        finding(DnsCheck::Dmarc, domain, status, evidence, advice)
    };
    let (applied, origin) = match source {
        Source::Own => (
            d.policy.as_str(),
            format!("p={} from _dmarc.{domain}", d.policy),
        ),
        Source::Inherited(org) => match (&d.nonexistent_policy, &d.subdomain_policy) {
            (Some(np), _) if kind == Kind::Nonexistent => (
                np.as_str(),
                format!(
                    "inherited from the organizational domain {org}: {domain} does not exist, np={np} of _dmarc.{org} applies (RFC 9091)"
                ),
            ),
            (_, Some(sp)) => (
                sp.as_str(),
                format!(
                    "inherited from the organizational domain {org}: no record at _dmarc.{domain}, sp={sp} of _dmarc.{org} applies"
                ),
            ),
            (_, None) => (
                d.policy.as_str(),
                format!(
                    "inherited from the organizational domain {org}: no record at _dmarc.{domain}, p={} of _dmarc.{org} applies (no sp=)",
                    d.policy
                ),
            ),
        },
    };
    let rua = if d.rua.is_empty() {
        "no rua".to_string()
    } else {
        format!("rua {}", d.rua.join(", "))
    };
    let np = d
        .nonexistent_policy
        .as_ref()
        .map_or_else(String::new, |np| {
            format!(", np={np} for non-existent subdomains")
        });
    let evidence = format!(
        "policy {applied} ({origin}), {rua}, pct={}{np}: {record}",
        d.pct
    );
    if null_mx {
        return if applied == "reject" && d.pct == 100 {
            f(
                DnsStatus::Pass,
                &evidence,
                "The domain accepts no mail (null MX) and DMARC rejects mail forging it.",
            )
        } else {
            f(
                DnsStatus::Warn,
                &evidence,
                "The domain accepts no mail (null MX) and should send none: make the policy `p=reject` (pct=100) so forged mail is rejected.",
            )
        };
    }
    let inherited = matches!(source, Source::Inherited(_));
    if applied == "none" {
        f(
            DnsStatus::Warn,
            &evidence,
            if inherited {
                "The inherited policy only monitors: publish a record at _dmarc.DOMAIN, or sp=quarantine/reject at the organizational domain, once reports look clean."
            } else {
                "p=none only monitors: once the reports look clean, move to p=quarantine, then p=reject."
            },
        )
    } else if d.rua.is_empty() {
        f(
            DnsStatus::Warn,
            &evidence,
            "Add rua=mailto:... to receive aggregate reports; without them failures go unseen.",
        )
    } else if d.pct < 100 {
        f(
            DnsStatus::Warn,
            &evidence,
            "The policy applies to only part of the mail (pct < 100): raise pct to 100.",
        )
    } else if inherited {
        f(
            DnsStatus::Pass,
            &evidence,
            "DMARC is enforced (inherited from the organizational domain) and reported.",
        )
    } else {
        f(
            DnsStatus::Pass,
            &evidence,
            "DMARC is enforced and reported.",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::FixedLookup;

    #[tokio::test]
    async fn organizational_fallback_and_null_mx() {
        let z = FixedLookup::new()
            .txt(
                "_dmarc.example.test",
                "v=DMARC1; p=none; rua=mailto:d@example.test",
            )
            .txt(
                "_dmarc.strict.test",
                "v=DMARC1; p=none; sp=reject; np=reject; rua=mailto:d@strict.test",
            )
            .txt("_dmarc.nomail.test", "v=DMARC1; p=reject;");
        let sub = dmarc(&z, "sub.example.test", Kind::Mail).await;
        assert_eq!(sub.status, DnsStatus::Warn, "{}", sub.evidence);
        assert!(
            sub.evidence
                .contains("inherited from the organizational domain example.test"),
            "{}",
            sub.evidence
        );
        let sp = dmarc(&z, "a.b.strict.test", Kind::Mail).await;
        assert_eq!(sp.status, DnsStatus::Pass, "{}", sp.evidence);
        assert!(sp.evidence.contains("sp=reject of _dmarc.strict.test"));
        assert!(sp.evidence.contains("np=reject"));
        // A name that does not exist: np= applies.
        let np = dmarc(&z, "gone.strict.test", Kind::Nonexistent).await;
        assert!(
            np.evidence
                .contains("np=reject of _dmarc.strict.test applies"),
            "{}",
            np.evidence
        );
        // The org domain itself uses p=, not sp=.
        assert_eq!(
            dmarc(&z, "strict.test", Kind::Mail).await.status,
            DnsStatus::Warn
        );
        let none = dmarc(&z, "sub.none.test", Kind::Mail).await;
        assert_eq!(none.status, DnsStatus::Fail);
        assert!(
            none.evidence.contains("nor at _dmarc.none.test"),
            "{}",
            none.evidence
        );
        // A null-MX domain: p=reject without rua passes; missing → p=reject advice.
        assert_eq!(
            dmarc(&z, "nomail.test", Kind::NullMx).await.status,
            DnsStatus::Pass
        );
        let missing = dmarc(&z, "other.test", Kind::NullMx).await;
        assert_eq!(missing.status, DnsStatus::Fail);
        assert!(missing.advice.contains("p=reject"), "{}", missing.advice);
        assert_eq!(
            dmarc(&z, "example.test", Kind::NullMx).await.status,
            DnsStatus::Warn
        );
    }
}
