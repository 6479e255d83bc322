//! Provider presets (`--preset NAME`, `smtptui presets`): submission host, ports and
//! modes, AUTH mechanisms and provider-specific hints for Gmail, Microsoft 365, Amazon
//! SES and others. The data lives in `assets/providers.toml`, compiled in.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::{EndpointReport, PortSpec};
use crate::settings::{AuthMech, PresetHints};

const PROVIDERS_TOML: &str = include_str!("../../../assets/providers.toml");

/// Why a preset could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PresetError {
    /// No provider has that id or alias.
    #[error("unknown preset `{0}` (see `smtptui presets`)")]
    Unknown(String),
    /// The provider has no such region.
    #[error("preset `{id}` has no region `{region}` (known: {known})")]
    UnknownRegion {
        /// Provider id.
        id: String,
        /// The region asked for.
        region: String,
        /// The regions it has.
        known: String,
    },
    /// A region was given for a provider without regions.
    #[error("preset `{0}` has no regions")]
    NoRegions(String),
    /// The compiled-in table is malformed (a build defect, caught by the tests).
    #[error("assets/providers.toml: {0}")]
    Table(String),
}

/// One provider as listed in `assets/providers.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    /// What `--preset` takes.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Other accepted names.
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Submission host; may contain `{region}`.
    pub host: String,
    /// Other documented endpoints.
    #[serde(default)]
    pub alt_hosts: Vec<String>,
    /// Region used when none is given (for `{region}` hosts).
    #[serde(default)]
    pub default_region: Option<String>,
    /// Known regions.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Ports with modes, `587/starttls`.
    pub ports: Vec<String>,
    /// AUTH mechanisms in order of preference.
    pub auth: Vec<String>,
    /// One line of notes.
    #[serde(default)]
    pub note: String,
    /// Host globs that identify the provider (host name, certificate name, greeting
    /// host).
    #[serde(default)]
    pub match_hosts: Vec<String>,
    /// Lower-case text of its banner or EHLO greeting that identifies it.
    #[serde(default)]
    pub match_greeting: Vec<String>,
    /// Advice per verdict class code (`*`: any failing class).
    #[serde(default)]
    pub hints: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Table {
    provider: Vec<Provider>,
}

/// A preset resolved for a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    /// The provider.
    pub provider: Provider,
    /// The host to probe (region filled in).
    pub host: String,
    /// Ports and modes.
    pub ports: Vec<PortSpec>,
    /// AUTH mechanisms smtptui supports, in the provider's order.
    pub auth: Vec<AuthMech>,
    /// The hints, for [`crate::settings::Settings::preset`].
    pub hints: PresetHints,
}

impl Preset {
    /// Applies the preset to settings: its ports (when `set_ports`), its preferred AUTH
    /// mechanism when a user is set without one, and its hints. Shared by `--preset`
    /// and the TUI's preset picker.
    pub fn apply_to(&self, s: &mut crate::settings::Settings, set_ports: bool) {
        if set_ports {
            s.ports.clone_from(&self.ports);
        }
        if let Some(auth) = &mut s.auth
            && auth.mech.is_none()
        {
            auth.mech = self.auth.first().copied();
        }
        s.preset = Some(self.hints.clone());
    }
}

/// Every provider, parsed once from the compiled-in table.
pub fn providers() -> Result<&'static [Provider], PresetError> {
    static TABLE: OnceLock<Result<Vec<Provider>, String>> = OnceLock::new();
    TABLE
        .get_or_init(|| parse_table(PROVIDERS_TOML))
        .as_deref()
        .map_err(|e| PresetError::Table(e.clone()))
}

fn parse_table(text: &str) -> Result<Vec<Provider>, String> {
    let table: Table = toml::from_str(text).map_err(|e| e.to_string())?;
    for p in &table.provider {
        for port in &p.ports {
            port.parse::<PortSpec>()
                .map_err(|e| format!("{}: port {port}: {e}", p.id))?;
        }
        for mech in &p.auth {
            if AuthMech::parse(mech).is_none() {
                return Err(format!("{}: unknown AUTH mechanism {mech}", p.id));
            }
        }
        if p.host.contains("{region}") && p.default_region.is_none() {
            return Err(format!("{}: {{region}} host without default_region", p.id));
        }
        for key in p.hints.keys() {
            if key != "*" && crate::model::Class::from_code(key).is_none() {
                return Err(format!("{}: hint for unknown class `{key}`", p.id));
            }
        }
        if p.match_greeting
            .iter()
            .chain(&p.match_hosts)
            .any(|m| m.trim().is_empty() || *m != m.to_ascii_lowercase())
        {
            return Err(format!("{}: match patterns must be lower-case", p.id));
        }
    }
    Ok(table.provider)
}

/// Finds `NAME` or `NAME:REGION` (case-insensitive, ids and aliases).
pub fn find(spec: &str) -> Result<Preset, PresetError> {
    let spec = spec.trim().to_ascii_lowercase();
    let (name, region) = match spec.split_once(':') {
        Some((n, r)) => (n, Some(r)),
        None => (spec.as_str(), None),
    };
    let provider = providers()?
        .iter()
        .find(|p| p.id == name || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name)))
        .ok_or_else(|| PresetError::Unknown(spec.clone()))?;
    let host = if provider.host.contains("{region}") {
        let region = region
            .or(provider.default_region.as_deref())
            .unwrap_or_default();
        if !provider.regions.iter().any(|r| r == region) {
            return Err(PresetError::UnknownRegion {
                id: provider.id.clone(),
                region: region.into(),
                known: provider.regions.join(", "),
            });
        }
        provider.host.replace("{region}", region)
    } else if region.is_some() {
        return Err(PresetError::NoRegions(provider.id.clone()));
    } else {
        provider.host.clone()
    };
    Ok(Preset {
        host,
        ports: provider
            .ports
            .iter()
            .filter_map(|p| p.parse().ok())
            .collect(),
        auth: provider
            .auth
            .iter()
            .filter_map(|m| AuthMech::parse(m))
            .collect(),
        hints: PresetHints {
            name: provider.name.clone(),
            hints: provider
                .hints
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        },
        provider: provider.clone(),
    })
}

/// The `smtptui presets` listing.
pub fn list_text() -> Result<String, PresetError> {
    let mut s = String::new();
    let all = providers()?;
    let _ = writeln!(
        s,
        "{} provider presets (use: smtptui check --preset ID)\n",
        all.len()
    );
    for p in all {
        let _ = writeln!(s, "{:<14} {}", p.id, p.name);
        let mut host = p.host.clone();
        if let Some(r) = &p.default_region {
            let _ = write!(host, "  (default {r}; --preset {}:REGION)", p.id);
        }
        let _ = writeln!(s, "{:<14}   host:  {host}", "");
        if !p.alt_hosts.is_empty() {
            let _ = writeln!(s, "{:<14}   also:  {}", "", p.alt_hosts.join(", "));
        }
        let _ = writeln!(s, "{:<14}   ports: {}", "", p.ports.join(", "));
        let _ = writeln!(s, "{:<14}   auth:  {}", "", p.auth.join(", "));
        if !p.aliases.is_empty() {
            let _ = writeln!(s, "{:<14}   alias: {}", "", p.aliases.join(", "));
        }
        if !p.note.is_empty() {
            let _ = writeln!(s, "{:<14}   note:  {}", "", p.note);
        }
    }
    Ok(s)
}

/// Appends the preset's hints for each failing endpoint's class to its advice.
pub fn apply_hints(hints: &PresetHints, reports: &mut [EndpointReport]) {
    for r in reports.iter_mut() {
        hint_verdict(hints, &mut r.verdict);
    }
}

/// Appends the preset's hints for a failing verdict's class to its advice (once).
pub fn hint_verdict(hints: &PresetHints, verdict: &mut crate::model::Verdict) {
    if verdict.class.is_ok() {
        return;
    }
    for hint in hints.for_class(verdict.class.code()) {
        if !verdict.advice.contains(hint) {
            if !verdict.advice.is_empty() {
                verdict.advice.push(' ');
            }
            verdict.advice.push_str(hint);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Mode;

    #[test]
    fn table_parses_with_at_least_15_providers() {
        let all = providers().unwrap();
        assert!(all.len() >= 15, "{}", all.len());
        let mut ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "duplicate ids");
        for p in all {
            assert!(!p.ports.is_empty() && !p.auth.is_empty(), "{}", p.id);
            assert!(!p.hints.is_empty(), "{} has no hints", p.id);
        }
        for id in [
            "gmail",
            "google-relay",
            "microsoft365",
            "outlook",
            "ses",
            "sendgrid",
            "mailgun",
            "mailgun-eu",
            "postmark",
            "brevo",
            "mailjet",
            "sparkpost",
            "zoho",
            "icloud",
            "yahoo",
            "fastmail",
            "resend",
        ] {
            assert!(find(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn find_by_alias_and_region() {
        let p = find("Office365").unwrap();
        assert_eq!(p.host, "smtp.office365.com");
        assert_eq!(
            p.ports,
            vec![PortSpec {
                port: 587,
                mode: Mode::Starttls
            }]
        );
        assert_eq!(p.auth[0], AuthMech::Login);
        assert_eq!(
            find("ses").unwrap().host,
            "email-smtp.us-east-1.amazonaws.com"
        );
        assert_eq!(
            find("ses:eu-west-1").unwrap().host,
            "email-smtp.eu-west-1.amazonaws.com"
        );
        assert!(matches!(
            find("ses:mars-1"),
            Err(PresetError::UnknownRegion { .. })
        ));
        assert!(matches!(find("gmail:eu"), Err(PresetError::NoRegions(_))));
        assert!(matches!(find("nope"), Err(PresetError::Unknown(_))));
        let text = list_text().unwrap();
        assert!(text.contains("smtp.gmail.com") && text.contains("smtp.eu.mailgun.org"));
    }

    #[test]
    fn bad_tables_are_rejected() {
        let bad = "[[provider]]\nid='x'\nname='x'\nhost='h'\nports=['0']\nauth=['PLAIN']\n";
        assert!(parse_table(bad).is_err());
        let bad = "[[provider]]\nid='x'\nname='x'\nhost='h'\nports=['25']\nauth=['NTLM']\n";
        assert!(parse_table(bad).is_err());
        let bad = "[[provider]]\nid='x'\nname='x'\nhost='{region}'\nports=['25']\nauth=['PLAIN']\n";
        assert!(parse_table(bad).is_err());
        let good = "[[provider]]\nid='x'\nname='x'\nhost='h'\nports=['25']\nauth=['PLAIN']\n[provider.hints]\nauth_failed='x'\n";
        assert!(parse_table(good).is_ok());
        let bad = good.replace("auth_failed", "auth_faild");
        assert!(parse_table(&bad).is_err(), "a hint for a misspelt class");
        let bad = good.replace(
            "[provider.hints]",
            "match_greeting=['GSMTP']\n[provider.hints]",
        );
        assert!(parse_table(&bad).is_err());
    }

    #[test]
    fn hints_extend_failing_advice_only() {
        use crate::model::{Class, Endpoint, EndpointId, Verdict};
        let hints = find("sendgrid").unwrap().hints;
        let mk = |class| {
            EndpointReport::bare(
                Endpoint {
                    id: EndpointId(0),
                    host: "h".into(),
                    address: "127.0.0.1".parse().unwrap(),
                    port: 587,
                    mode: Mode::Starttls,
                },
                Verdict {
                    class,
                    summary: String::new(),
                    evidence: String::new(),
                    advice: "Check the credentials.".into(),
                },
            )
        };
        let mut reports = vec![mk(Class::AuthFailed), mk(Class::Ok), mk(Class::Timeout)];
        apply_hints(&hints, &mut reports);
        apply_hints(&hints, &mut reports);
        assert!(
            reports[0]
                .verdict
                .advice
                .starts_with("Check the credentials. SendGrid")
        );
        assert_eq!(reports[0].verdict.advice.matches("apikey").count(), 1);
        assert_eq!(reports[1].verdict.advice, "Check the credentials.");
        assert_eq!(reports[2].verdict.advice, "Check the credentials.");
    }
}
