//! Provider recognition: which mail provider an endpoint belongs to, from the host name
//! the user gave, the host named in the greeting or EHLO, the certificate's names, or a
//! tell-tale word of the greeting (`gsmtp`, `Microsoft ESMTP MAIL Service`). The
//! patterns live in `assets/providers.toml` (`match_hosts`, `match_greeting`), so the
//! provider's reply rows and hints apply with or without `--preset`.

use crate::model::{ProviderMatch, TlsInfo};
use crate::presets::{Provider, providers};

/// What an endpoint showed about itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signs<'a> {
    /// The host name the user gave.
    pub host: &'a str,
    /// The greeting line(s).
    pub banner: Option<&'a str>,
    /// The EHLO reply lines.
    pub ehlo: &'a [String],
    /// The TLS details (certificate names).
    pub tls: Option<&'a TlsInfo>,
}

/// Whether `name` matches a glob with `*` standing for one or more labels' worth of
/// characters (`*.gmail.com`, `email-smtp.*.amazonaws.com`, `smtp.zoho.*`).
fn glob(pattern: &str, name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || !name.ends_with(last) || name.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    if rest.is_empty() {
        return false;
    }
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) if i > 0 => rest = &rest[i + mid.len()..],
            _ => return false,
        }
    }
    !rest.is_empty()
}

/// The host a greeting or EHLO line names first (`220 smtp.gmail.com ESMTP ...`).
fn greeting_host(line: &str) -> Option<&str> {
    let rest = line.get(4..)?;
    let word = rest.split_whitespace().next()?;
    word.contains('.').then_some(word)
}

/// Recognises the provider, if any.
pub fn recognise(signs: &Signs<'_>) -> Option<ProviderMatch> {
    let all = providers().ok()?;
    recognise_in(all, signs)
}

fn recognise_in(all: &[Provider], signs: &Signs<'_>) -> Option<ProviderMatch> {
    let mut names: Vec<(String, &str)> = Vec::new();
    if !signs.host.is_empty() {
        names.push((signs.host.to_string(), "host name"));
    }
    if let Some(b) = signs.banner.and_then(greeting_host) {
        names.push((b.to_string(), "greeting host"));
    }
    if let Some(e) = signs.ehlo.first().and_then(|l| greeting_host(l)) {
        names.push((e.to_string(), "EHLO host"));
    }
    if let Some(leaf) = signs.tls.and_then(|t| t.chain.first()) {
        for san in leaf.sans.iter().take(20) {
            names.push((san.trim_start_matches("*.").to_string(), "certificate name"));
        }
    }
    let found = |p: &Provider, evidence: String| ProviderMatch {
        id: p.id.clone(),
        name: p.name.clone(),
        evidence,
    };
    // Exact names first (smtp-relay.gmail.com is not Gmail's submission), then globs.
    for exact in [true, false] {
        for (name, what) in &names {
            for p in all {
                let hit = p
                    .match_hosts
                    .iter()
                    .find(|g| (exact != g.contains('*')) && glob(g, name));
                if let Some(g) = hit {
                    return Some(found(p, format!("{what} `{name}` matches `{g}`")));
                }
            }
        }
    }
    let text = signs
        .banner
        .into_iter()
        .chain(signs.ehlo.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase();
    for p in all {
        if let Some(m) = p.match_greeting.iter().find(|m| text.contains(m.as_str())) {
            return Some(found(p, format!("greeting contains `{m}`")));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CertSummary;

    fn id(signs: &Signs<'_>) -> Option<String> {
        recognise(signs).map(|m| m.id)
    }

    #[test]
    fn globs() {
        assert!(glob("*.gmail.com", "smtp.gmail.com"));
        assert!(!glob("*.gmail.com", "gmail.com"));
        assert!(!glob("*.gmail.com", "evilgmail.com"));
        assert!(glob(
            "email-smtp.*.amazonaws.com",
            "email-smtp.eu-west-1.amazonaws.com"
        ));
        assert!(!glob(
            "email-smtp.*.amazonaws.com",
            "email-smtp.amazonaws.com"
        ));
        assert!(glob("smtp.zoho.*", "smtp.zoho.eu"));
        assert!(glob("smtp.gmail.com", "SMTP.Gmail.com."));
    }

    #[test]
    fn recognised_from_each_sign() {
        // Banners and EHLO lines quoted from public logs (sources in tests/replies.rs).
        let gmail = "220 smtp.gmail.com ESMTP m185sm1106113ywf.52 - gsmtp";
        assert_eq!(
            id(&Signs {
                host: "192.0.2.1",
                banner: Some(gmail),
                ..Signs::default()
            })
            .as_deref(),
            Some("gmail")
        );
        let ms = "220 BN6PR03CA0021.outlook.office365.com Microsoft ESMTP MAIL Service ready at Mon, 7 Jan 2019 04:13:27 +0000";
        assert_eq!(
            id(&Signs {
                host: "10.0.0.1",
                banner: Some(ms),
                ..Signs::default()
            })
            .as_deref(),
            Some("microsoft365")
        );
        let sg = "220 SG ESMTP service ready at ismtpd0003p1lon1.sendgrid.net";
        assert_eq!(
            id(&Signs {
                host: "10.0.0.1",
                banner: Some(sg),
                ..Signs::default()
            })
            .as_deref(),
            Some("sendgrid")
        );
        assert_eq!(
            id(&Signs {
                host: "email-smtp.us-east-1.amazonaws.com",
                ..Signs::default()
            })
            .as_deref(),
            Some("ses")
        );
        assert_eq!(
            id(&Signs {
                host: "smtp-relay.gmail.com",
                ..Signs::default()
            })
            .as_deref(),
            Some("google-relay")
        );
        let zoho = "220 mx.zohomail.com SMTP Server ready July 7, 2015 8:18:44 AM PDT";
        assert_eq!(
            id(&Signs {
                host: "10.0.0.1",
                banner: Some(zoho),
                ..Signs::default()
            })
            .as_deref(),
            Some("zoho")
        );
        let tls = TlsInfo {
            chain: vec![CertSummary {
                sans: vec!["smtp.mail.me.com".into()],
                ..CertSummary::default()
            }],
            ..TlsInfo::default()
        };
        assert_eq!(
            id(&Signs {
                host: "10.0.0.1",
                tls: Some(&tls),
                ..Signs::default()
            })
            .as_deref(),
            Some("icloud")
        );
        // A plain Postfix is nobody.
        assert_eq!(
            id(&Signs {
                host: "mail.real.test",
                banner: Some("220 mail.real.test ESMTP Postfix smtptui-real"),
                ..Signs::default()
            }),
            None
        );
        let m = recognise(&Signs {
            host: "10.0.0.1",
            banner: Some(gmail),
            ..Signs::default()
        })
        .unwrap();
        assert!(m.evidence.contains("smtp.gmail.com"), "{}", m.evidence);
    }
}
