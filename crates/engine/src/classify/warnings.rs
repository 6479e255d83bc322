//! Warnings on an endpoint, whatever its verdict: AUTH offered before TLS, credentials
//! sent in clear, a certificate about to expire, a weak RSA key, an open relay. Pure: the
//! probe collects the facts, this decides.

use crate::model::{TlsInfo, Warning, WarningCode};

/// Days before expiry from which a certificate is flagged.
pub const EXPIRY_WARN_DAYS: i64 = 30;

/// Below this many bits an RSA key is weak.
pub const MIN_RSA_BITS: u32 = 2048;

/// What the probe saw that warnings are made of.
#[derive(Debug, Clone, Copy, Default)]
pub struct WarningFacts<'a> {
    /// AUTH mechanisms the EHLO before STARTTLS listed (plaintext), when any.
    pub auth_before_tls: Option<&'a [String]>,
    /// Whether the server offered STARTTLS on that plaintext connection.
    pub starttls_offered: bool,
    /// Whether credentials were sent without TLS (`--allow-plaintext-auth`).
    pub plaintext_credentials: Option<&'a str>,
    /// TLS details, when a handshake happened.
    pub tls: Option<&'a TlsInfo>,
    /// The reply that accepted an unauthenticated RCPT to an outside domain.
    pub relay_accepted: Option<&'a str>,
}

/// The warnings, in a stable order.
pub fn warnings(f: &WarningFacts<'_>) -> Vec<Warning> {
    let mut out = Vec::new();
    if let Some(mechs) = f.auth_before_tls.filter(|m| !m.is_empty()) {
        let advice = if f.starttls_offered {
            "Offer AUTH only after STARTTLS (Postfix: smtpd_tls_auth_only = yes; Exim: \
             auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}), or require TLS on \
             the port. A client set to \"no encryption\", or behind a middlebox that strips \
             STARTTLS, sends its password in clear here."
        } else {
            "This port offers AUTH without any TLS: passwords cross the network in clear. \
             Enable STARTTLS and offer AUTH only after it, or use implicit TLS (465)."
        };
        out.push(Warning {
            code: WarningCode::AuthOfferedBeforeTls,
            summary: "AUTH is offered before TLS: passwords can be sent in clear".into(),
            evidence: format!("EHLO before STARTTLS lists AUTH {}", mechs.join(" ")),
            advice: advice.into(),
        });
    }
    if let Some(mech) = f.plaintext_credentials {
        out.push(Warning {
            code: WarningCode::PlaintextCredentials,
            summary: "credentials were sent without TLS".into(),
            evidence: format!("AUTH {mech} on an unencrypted connection (--allow-plaintext-auth)"),
            advice: "Anyone on the path could read them: change the password, and use STARTTLS \
                     or implicit TLS (465)."
                .into(),
        });
    }
    if let Some(tls) = f.tls {
        for (i, cert) in tls.chain.iter().enumerate() {
            if (0..=EXPIRY_WARN_DAYS).contains(&cert.days_left) {
                let which = if i == 0 {
                    "the server certificate"
                } else {
                    "a chain certificate"
                };
                out.push(Warning {
                    code: WarningCode::CertExpiresSoon,
                    summary: format!("{which} expires in {} day(s)", cert.days_left),
                    evidence: format!("{} — not after {}", cert.subject, cert.not_after),
                    advice: "Renew it now and check that the renewal job (e.g. certbot) runs and \
                             reloads the MTA."
                        .into(),
                });
            }
        }
        if let Some(leaf) = tls.chain.first()
            && let Some(bits) = rsa_bits(&leaf.key)
            && bits < MIN_RSA_BITS
        {
            out.push(Warning {
                code: WarningCode::WeakKey,
                summary: format!("the server's RSA key has only {bits} bits"),
                evidence: format!("{}: key {}", leaf.subject, leaf.key),
                advice: format!(
                    "Issue a new certificate with an RSA key of at least {MIN_RSA_BITS} bits \
                     (or ECDSA P-256)."
                ),
            });
        }
    }
    if let Some(reply) = f.relay_accepted {
        out.push(Warning {
            code: WarningCode::OpenRelay,
            summary: "open relay: the server accepts mail for outside domains without AUTH".into(),
            evidence: format!("unauthenticated RCPT to an outside domain: {reply}"),
            advice: "Spammers will use it within hours and the address will be blocklisted: \
                     relay only for authenticated clients (Postfix: smtpd_relay_restrictions = \
                     permit_sasl_authenticated, reject_unauth_destination)."
                .into(),
        });
    }
    out
}

/// `RSA 2048` → 2048.
fn rsa_bits(key: &str) -> Option<u32> {
    let rest = key.strip_prefix("RSA")?.trim();
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CertSummary;

    fn codes(f: &WarningFacts<'_>) -> Vec<WarningCode> {
        warnings(f).into_iter().map(|w| w.code).collect()
    }

    #[test]
    fn each_warning_and_its_absence() {
        assert!(codes(&WarningFacts::default()).is_empty());
        let mechs = vec!["PLAIN".to_string(), "LOGIN".to_string()];
        let w = warnings(&WarningFacts {
            auth_before_tls: Some(&mechs),
            starttls_offered: true,
            ..WarningFacts::default()
        });
        assert_eq!(w[0].code, WarningCode::AuthOfferedBeforeTls);
        assert!(w[0].evidence.contains("PLAIN LOGIN"));
        assert!(
            codes(&WarningFacts {
                auth_before_tls: Some(&[]),
                ..WarningFacts::default()
            })
            .is_empty()
        );
        assert_eq!(
            codes(&WarningFacts {
                plaintext_credentials: Some("PLAIN"),
                ..WarningFacts::default()
            }),
            vec![WarningCode::PlaintextCredentials]
        );
        let cert = |days, key: &str| CertSummary {
            days_left: days,
            key: key.into(),
            subject: "CN=mail.test".into(),
            ..CertSummary::default()
        };
        for (days, key, want) in [
            (12, "RSA 2048", vec![WarningCode::CertExpiresSoon]),
            (0, "EC P-256", vec![WarningCode::CertExpiresSoon]),
            (31, "RSA 4096", vec![]),
            (-3, "RSA 2048", vec![]),
            (200, "RSA 1024", vec![WarningCode::WeakKey]),
        ] {
            let tls = TlsInfo {
                chain: vec![cert(days, key)],
                ..TlsInfo::default()
            };
            let got = codes(&WarningFacts {
                tls: Some(&tls),
                ..WarningFacts::default()
            });
            assert_eq!(got, want, "{days} {key}");
        }
        let tls = TlsInfo {
            chain: vec![cert(12, "RSA 2048")],
            ..TlsInfo::default()
        };
        let w = warnings(&WarningFacts {
            tls: Some(&tls),
            ..WarningFacts::default()
        });
        assert!(w[0].summary.contains("12 day"), "{}", w[0].summary);
        assert_eq!(
            codes(&WarningFacts {
                relay_accepted: Some("250 2.1.5 Ok"),
                ..WarningFacts::default()
            }),
            vec![WarningCode::OpenRelay]
        );
    }
}
