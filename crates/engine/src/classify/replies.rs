//! Reply knowledge as data: `assets/replies.toml`, compiled in, parsed and validated
//! once. Rows are tried in tiers — provider rows (only for the recognised provider),
//! then verbatim phrases of MTA software, then the RFC 3463 / RFC 5248 enhanced status
//! codes, then the RFC 5321 reply code per command; the first row that matches decides.
//! The phase fallback in [`super::rejected`] covers what no row knows.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::model::Class;

const REPLIES_TOML: &str = include_str!("../../../../assets/replies.toml");

/// The command a reply answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// The greeting.
    Banner,
    /// EHLO or HELO.
    Ehlo,
    /// STARTTLS.
    Starttls,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// The DATA command itself.
    Data,
    /// The end of the message (`.`).
    DataEnd,
}

impl Command {
    /// The name used in `assets/replies.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Banner => "banner",
            Self::Ehlo => "ehlo",
            Self::Starttls => "starttls",
            Self::Auth => "auth",
            Self::Mail => "mail",
            Self::Rcpt => "rcpt",
            Self::Data => "data",
            Self::DataEnd => "data_end",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::Banner,
            Self::Ehlo,
            Self::Starttls,
            Self::Auth,
            Self::Mail,
            Self::Rcpt,
            Self::Data,
            Self::DataEnd,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// Which tier a row belongs to (the order they are tried in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// A provider's own wording and advice.
    Provider,
    /// A verbatim phrase of MTA software (Postfix, Exim, Sendmail, Exchange).
    Phrase,
    /// An RFC 3463 / RFC 5248 enhanced status code.
    Enhanced,
    /// An RFC 5321 reply code for a command.
    Code,
}

/// A condition on the session a row needs besides the reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// The server offers AUTH and the client has not authenticated.
    AuthOfferedNotAuthenticated,
    /// The client has not authenticated.
    NotAuthenticated,
}

/// One digit-or-any pattern of an enhanced status code (`5.7.26`, `*.7.1`, `*.2.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EnhancedPattern {
    class: Option<u16>,
    subject: Option<u16>,
    detail: Option<u16>,
}

impl EnhancedPattern {
    fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('.');
        let mut next = || -> Option<Option<u16>> {
            let p = parts.next()?;
            if p == "*" {
                Some(None)
            } else {
                p.parse().ok().map(Some)
            }
        };
        let pat = Self {
            class: next()?,
            subject: next()?,
            detail: next()?,
        };
        if parts.next().is_some() || pat.class.is_some_and(|c| !(2..=5).contains(&c)) {
            return None;
        }
        Some(pat)
    }

    fn matches(self, code: &str) -> bool {
        let mut it = code.split('.').map(|p| p.parse::<u16>().ok());
        let (Some(Some(c)), Some(Some(s)), Some(Some(d))) = (it.next(), it.next(), it.next())
        else {
            return false;
        };
        self.class.is_none_or(|x| x == c)
            && self.subject.is_none_or(|x| x == s)
            && self.detail.is_none_or(|x| x == d)
    }
}

/// A reply-code pattern: `530` exact, `53x` or `5xx`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CodePattern(String);

impl CodePattern {
    fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let ok = b.len() == 3
            && (b'2'..=b'5').contains(&b[0])
            && b[1..].iter().all(|c| c.is_ascii_digit() || *c == b'x');
        ok.then(|| Self(s.to_string()))
    }

    fn matches(&self, code: u16) -> bool {
        let code = code.to_string();
        code.len() == 3
            && self
                .0
                .bytes()
                .zip(code.bytes())
                .all(|(p, c)| p == b'x' || p == c)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RowToml {
    #[serde(default)]
    provider: Vec<String>,
    #[serde(default)]
    commands: Vec<String>,
    code: Option<String>,
    enhanced: Option<String>,
    #[serde(default)]
    text: Vec<String>,
    when: Option<String>,
    class: String,
    summary: String,
    advice: String,
    source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableToml {
    provider: Vec<RowToml>,
    phrase: Vec<RowToml>,
    enhanced: Vec<RowToml>,
    code: Vec<RowToml>,
}

/// One validated row.
#[derive(Debug, Clone)]
pub struct Row {
    /// Its tier.
    pub tier: Tier,
    /// Provider ids it applies to (provider rows only).
    pub providers: Vec<String>,
    commands: Vec<Command>,
    code: Option<CodePattern>,
    enhanced: Option<EnhancedPattern>,
    text: Vec<String>,
    when: Option<When>,
    /// The class it concludes.
    pub class: Class,
    /// One line in plain words.
    pub summary: String,
    /// What to do.
    pub advice: String,
    /// The public source of the reply text.
    pub source: String,
}

/// What a row is matched against.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// The command answered.
    pub command: Command,
    /// Reply code.
    pub code: u16,
    /// Enhanced status code, if any.
    pub enhanced: Option<&'a str>,
    /// The reply text, lower-cased.
    pub lower: &'a str,
    /// The recognised provider id.
    pub provider: Option<&'a str>,
    /// Whether the server offers AUTH on this connection.
    pub auth_offered: bool,
    /// Whether the client authenticated.
    pub authenticated: bool,
}

impl Row {
    fn matches(&self, q: &Query<'_>) -> bool {
        (self.providers.is_empty()
            || q.provider
                .is_some_and(|p| self.providers.iter().any(|x| x == p)))
            && (self.commands.is_empty() || self.commands.contains(&q.command))
            && self.code.as_ref().is_none_or(|c| c.matches(q.code))
            && self
                .enhanced
                .is_none_or(|e| q.enhanced.is_some_and(|code| e.matches(code)))
            && (self.text.is_empty() || self.text.iter().any(|t| q.lower.contains(t.as_str())))
            && match self.when {
                None => true,
                Some(When::NotAuthenticated) => !q.authenticated,
                Some(When::AuthOfferedNotAuthenticated) => q.auth_offered && !q.authenticated,
            }
    }
}

/// Every row in evaluation order, parsed once.
pub fn table() -> Result<&'static [Row], String> {
    static TABLE: OnceLock<Result<Vec<Row>, String>> = OnceLock::new();
    TABLE
        .get_or_init(|| parse(REPLIES_TOML, &known_providers()))
        .as_deref()
        .map_err(Clone::clone)
}

fn known_providers() -> Vec<String> {
    crate::presets::providers()
        .map(|all| all.iter().map(|p| p.id.clone()).collect())
        .unwrap_or_default()
}

/// The first row that matches, in tier order.
pub fn lookup(q: &Query<'_>) -> Option<&'static Row> {
    table().ok()?.iter().find(|r| r.matches(q))
}

/// Parses and validates a table; `providers`: the known provider ids.
pub(crate) fn parse(text: &str, providers: &[String]) -> Result<Vec<Row>, String> {
    let t: TableToml = toml::from_str(text).map_err(|e| e.to_string())?;
    let mut rows = Vec::new();
    for (tier, list) in [
        (Tier::Provider, t.provider),
        (Tier::Phrase, t.phrase),
        (Tier::Enhanced, t.enhanced),
        (Tier::Code, t.code),
    ] {
        for (i, r) in list.into_iter().enumerate() {
            let at = format!("{tier:?} row {} ({})", i + 1, r.summary);
            rows.push(validate(tier, r, providers).map_err(|e| format!("{at}: {e}"))?);
        }
    }
    Ok(rows)
}

fn validate(tier: Tier, r: RowToml, providers: &[String]) -> Result<Row, String> {
    let class = Class::from_code(&r.class).ok_or_else(|| format!("unknown class `{}`", r.class))?;
    if !(r.source.starts_with("https://") || r.source.starts_with("http://")) {
        return Err("no source URL".into());
    }
    if r.summary.trim().is_empty() || r.advice.trim().is_empty() {
        return Err("empty summary or advice".into());
    }
    let commands = r
        .commands
        .iter()
        .map(|c| Command::parse(c).ok_or_else(|| format!("unknown command `{c}`")))
        .collect::<Result<Vec<_>, _>>()?;
    let code = r
        .code
        .as_deref()
        .map(|c| CodePattern::parse(c).ok_or_else(|| format!("bad code pattern `{c}`")))
        .transpose()?;
    let enhanced = r
        .enhanced
        .as_deref()
        .map(|e| EnhancedPattern::parse(e).ok_or_else(|| format!("bad enhanced pattern `{e}`")))
        .transpose()?;
    for p in &r.provider {
        if !providers.iter().any(|k| k == p) {
            return Err(format!("unknown provider `{p}`"));
        }
    }
    if r.text
        .iter()
        .any(|t| t.trim().is_empty() || *t != t.to_lowercase())
    {
        return Err("text patterns must be non-empty and lower-case".into());
    }
    let when = match r.when.as_deref() {
        None => None,
        Some("auth_offered_not_authenticated") => Some(When::AuthOfferedNotAuthenticated),
        Some("not_authenticated") => Some(When::NotAuthenticated),
        Some(w) => return Err(format!("unknown condition `{w}`")),
    };
    let needs = match tier {
        Tier::Provider => (!r.provider.is_empty())
            .then_some(())
            .ok_or("provider row without provider"),
        Tier::Phrase => (!r.text.is_empty() && r.provider.is_empty())
            .then_some(())
            .ok_or("phrase row needs text and no provider"),
        Tier::Enhanced => (enhanced.is_some() && r.provider.is_empty())
            .then_some(())
            .ok_or("enhanced row needs an enhanced code and no provider"),
        Tier::Code => (code.is_some() && enhanced.is_none() && r.provider.is_empty())
            .then_some(())
            .ok_or("code row needs a code, no enhanced code and no provider"),
    };
    needs?;
    Ok(Row {
        tier,
        providers: r.provider,
        commands,
        code,
        enhanced,
        text: r.text,
        when,
        class,
        summary: r.summary,
        advice: r.advice,
        source: r.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn providers() -> Vec<String> {
        vec!["gmail".to_string()]
    }

    const GOOD: &str = r#"
[[provider]]
provider = ["gmail"]
code = "530"
class = "auth_required"
summary = "s"
advice = "a"
source = "https://example.com/x"

[[phrase]]
text = ["relay access denied"]
class = "relay_denied"
summary = "s"
advice = "a"
source = "https://example.com/y"

[[enhanced]]
enhanced = "*.3.4"
class = "message_too_large"
summary = "s"
advice = "a"
source = "https://www.rfc-editor.org/rfc/rfc3463"

[[code]]
code = "55x"
commands = ["rcpt"]
class = "recipient_rejected"
summary = "s"
advice = "a"
source = "https://www.rfc-editor.org/rfc/rfc5321"
"#;

    #[test]
    fn compiled_table_is_valid() {
        let rows = table().unwrap();
        assert!(rows.len() >= 40, "{}", rows.len());
        // Tiers come in order.
        assert!(rows.windows(2).all(|w| w[0].tier <= w[1].tier));
    }

    #[test]
    fn a_valid_table_parses() {
        let rows = parse(GOOD, &providers()).unwrap();
        assert_eq!(rows.len(), 4);
    }

    #[test]
    fn bad_rows_fail() {
        let cases = [
            ("class = \"relay_denied\"", "class = \"relay_denyed\""),
            ("source = \"https://example.com/y\"", "source = \"\""),
            (
                "source = \"https://example.com/y\"",
                "source = \"postfix docs\"",
            ),
            ("provider = [\"gmail\"]", "provider = [\"gmial\"]"),
            ("commands = [\"rcpt\"]", "commands = [\"rcpt_to\"]"),
            ("code = \"55x\"", "code = \"5x\""),
            ("enhanced = \"*.3.4\"", "enhanced = \"7.3.4\""),
            (
                "text = [\"relay access denied\"]",
                "text = [\"Relay access denied\"]",
            ),
        ];
        for (from, to) in cases {
            assert!(GOOD.contains(from), "{from}");
            let bad = GOOD.replacen(from, to, 1);
            assert!(parse(&bad, &providers()).is_err(), "accepted: {to}");
        }
    }

    #[test]
    fn patterns() {
        let e = EnhancedPattern::parse("*.7.*").unwrap();
        assert!(e.matches("5.7.26") && e.matches("4.7.0") && !e.matches("5.1.1"));
        assert!(!e.matches("5.7"));
        let e = EnhancedPattern::parse("5.7.1").unwrap();
        assert!(e.matches("5.7.1") && !e.matches("5.7.10") && !e.matches("4.7.1"));
        assert!(EnhancedPattern::parse("5.7").is_none());
        let c = CodePattern::parse("5xx").unwrap();
        assert!(c.matches(550) && c.matches(554) && !c.matches(450));
        let c = CodePattern::parse("530").unwrap();
        assert!(c.matches(530) && !c.matches(535));
    }
}
