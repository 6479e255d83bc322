//! EHLO capability parsing (RFC 5321 §4.1.1.1) that keeps the raw lines, plus the
//! fingerprints of middleboxes that mask the conversation (Cisco ASA / PIX "ESMTP
//! inspection" turns unknown keywords into `XXXXXXXA` and the banner into asterisks).

use super::reply::Reply;

/// What an EHLO reply advertised.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Capabilities {
    /// The full reply lines, escaped, as received.
    pub raw: Vec<String>,
    /// The domain the server named on its first line.
    pub domain: String,
    /// The upper-case keyword of each capability line, in order, without duplicates
    /// (`AUTH=LOGIN` counts as `AUTH`).
    pub keywords: Vec<String>,
    /// STARTTLS was offered.
    pub starttls: bool,
    /// AUTH mechanisms, upper-case, from `AUTH x y` and the old `AUTH=x y` form.
    pub auth: Vec<String>,
    /// The SIZE limit in bytes; None when SIZE is absent or has no valid number (a bare
    /// `SIZE` means no fixed limit; `keywords` still lists it).
    pub size: Option<u64>,
    /// PIPELINING was offered.
    pub pipelining: bool,
    /// SMTPUTF8 was offered.
    pub smtputf8: bool,
    /// Keywords that look masked by a middlebox (all `X` but the last letter, all `X`
    /// or all `*`), as received.
    pub masked: Vec<String>,
}

impl Capabilities {
    /// Whether `keyword` (case-insensitive) was advertised.
    pub fn has(&self, keyword: &str) -> bool {
        self.keywords
            .iter()
            .any(|k| k.eq_ignore_ascii_case(keyword))
    }

    /// Whether the AUTH mechanism `mech` (case-insensitive) was advertised.
    pub fn has_auth(&self, mech: &str) -> bool {
        self.auth.iter().any(|m| m.eq_ignore_ascii_case(mech))
    }
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Parses the capabilities out of an EHLO reply. Never fails: a line it does not
/// understand is kept in `raw` and its first word in `keywords`.
pub fn parse_ehlo(reply: &Reply) -> Capabilities {
    let mut caps = Capabilities {
        raw: reply.lines.clone(),
        ..Capabilities::default()
    };
    let texts = reply.text_lines();
    let Some((first, rest)) = texts.split_first() else {
        return caps;
    };
    caps.domain = first.split_whitespace().next().unwrap_or("").to_string();
    for line in rest {
        let mut words = line.split_whitespace();
        let Some(word) = words.next() else { continue };
        let upper = word.to_ascii_uppercase();
        let (keyword, inline_param) = match upper.split_once('=') {
            // The pre-standard `AUTH=LOGIN PLAIN` form (old Outlook clients).
            Some(("AUTH", first_mech)) => ("AUTH".to_string(), Some(first_mech.to_string())),
            _ => (upper, None),
        };
        let params: Vec<&str> = words.collect();
        match keyword.as_str() {
            "AUTH" => {
                for mech in inline_param
                    .into_iter()
                    .chain(params.iter().map(|p| p.to_ascii_uppercase()))
                {
                    if !mech.is_empty() {
                        push_unique(&mut caps.auth, mech);
                    }
                }
            }
            "STARTTLS" => caps.starttls = true,
            "PIPELINING" => caps.pipelining = true,
            "SMTPUTF8" => caps.smtputf8 = true,
            "SIZE" => {
                caps.size = params
                    .first()
                    .and_then(|p| p.parse().ok())
                    .filter(|&n| n > 0);
            }
            _ => {}
        }
        if looks_masked_keyword(&keyword) {
            push_unique(&mut caps.masked, keyword.clone());
        }
        push_unique(&mut caps.keywords, keyword);
    }
    caps
}

/// Whether a keyword looks masked by a middlebox: Cisco's ESMTP inspection replaces
/// every character but the last of a keyword it does not allow with `X` (`STARTTLS`
/// becomes `XXXXXXXA`, `AUTH` becomes `XXXA`); others blank it to all `X` or all `*`.
/// At least three characters, so that short real keywords are not taken for masks.
pub fn looks_masked_keyword(kw: &str) -> bool {
    let b = kw.as_bytes();
    if b.len() < 3 {
        return false;
    }
    if b.iter().all(|&c| c == b'*') {
        return true;
    }
    let (last, head) = b.split_last().unwrap_or((&0, &[]));
    head.iter().all(|c| c.eq_ignore_ascii_case(&b'X')) && last.is_ascii_alphanumeric()
}

/// A greeting masked by a middlebox: Cisco ASA turns the banner text into asterisks
/// (`220 ****************`, sometimes with a few digits left standing). True when at
/// least four of the text's visible characters are `*` and they make up at least half.
pub fn banner_looks_masked(reply: &Reply) -> bool {
    let (mut stars, mut visible) = (0usize, 0usize);
    for text in reply.text_lines() {
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            visible += 1;
            if c == '*' {
                stars += 1;
            }
        }
    }
    stars >= 4 && stars * 2 >= visible
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::smtp::reply::{Limits, parse_reply_text};

    fn reply(text: &str) -> Reply {
        parse_reply_text(text.as_bytes(), Limits::default())
            .unwrap()
            .unwrap()
    }

    #[test]
    fn typical_submission_server() {
        let r = reply(
            "250-smtp.example.com at your service, [192.0.2.7]\r\n250-SIZE 35882577\r\n\
             250-8BITMIME\r\n250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n\
             250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n",
        );
        let c = parse_ehlo(&r);
        assert_eq!(c.raw.len(), 8);
        assert_eq!(c.domain, "smtp.example.com");
        assert_eq!(
            c.keywords,
            [
                "SIZE",
                "8BITMIME",
                "AUTH",
                "ENHANCEDSTATUSCODES",
                "PIPELINING",
                "CHUNKING",
                "SMTPUTF8"
            ]
        );
        assert_eq!(
            c.auth,
            [
                "LOGIN",
                "PLAIN",
                "XOAUTH2",
                "PLAIN-CLIENTTOKEN",
                "OAUTHBEARER",
                "XOAUTH"
            ]
        );
        assert_eq!(c.size, Some(35_882_577));
        assert!(!c.starttls && c.pipelining && c.smtputf8);
        assert!(c.masked.is_empty());
        assert!(c.has("chunking") && c.has_auth("plain") && !c.has_auth("CRAM-MD5"));
    }

    #[test]
    fn old_auth_form_and_lower_case() {
        let r = reply(
            "250-mx.test\r\n250-auth=login plain\r\n250-AUTH LOGIN CRAM-MD5\r\n250-starttls\r\n250 size\r\n",
        );
        let c = parse_ehlo(&r);
        assert_eq!(c.auth, ["LOGIN", "PLAIN", "CRAM-MD5"]);
        assert_eq!(c.keywords, ["AUTH", "STARTTLS", "SIZE"]);
        assert!(c.starttls);
        assert_eq!(c.size, None);
    }

    #[test]
    fn cisco_masked_starttls() {
        let r = reply(
            "250-mail.test\r\n250-PIPELINING\r\n250-XXXXXXXA\r\n250-XXXA\r\n250-8BITMIME\r\n250 ****\r\n",
        );
        let c = parse_ehlo(&r);
        assert!(!c.starttls);
        assert!(c.auth.is_empty());
        assert_eq!(c.masked, ["XXXXXXXA", "XXXA", "****"]);
        assert!(c.keywords.contains(&"XXXXXXXA".to_string()));
    }

    #[test]
    fn masked_keyword_table() {
        for (kw, masked) in [
            ("XXXXXXXA", true),
            ("XXXA", true),
            ("XXXXXXXX", true),
            ("*****", true),
            ("xxxxa", true),
            ("XXA", true),
            ("XA", false),
            ("XX", false),
            ("X", false),
            ("", false),
            ("XCLIENT", false),
            ("XFORWARD", false),
            ("XEXCH50", false),
            ("X-EXPS", false),
            ("STARTTLS", false),
            ("XXXX*", false),
        ] {
            assert_eq!(looks_masked_keyword(kw), masked, "{kw:?}");
        }
    }

    #[test]
    fn banner_masking() {
        for (text, masked) in [
            ("220 ****************************************\r\n", true),
            ("220 ***************2**0*******0****2*****0**0*00\r\n", true),
            ("220-**********\r\n220 ****** ***\r\n", true),
            ("220 mail.example.com ESMTP Postfix\r\n", false),
            ("220 mail.test ESMTP *** ready\r\n", false),
            ("220\r\n", false),
            ("220 ***\r\n", false),
        ] {
            assert_eq!(banner_looks_masked(&reply(text)), masked, "{text:?}");
        }
    }

    #[test]
    fn bare_and_degenerate_replies() {
        let c = parse_ehlo(&reply("250\r\n"));
        assert_eq!(c.domain, "");
        assert!(c.keywords.is_empty());
        let c = parse_ehlo(&reply(
            "250-x\r\n250-\r\n250-   \r\n250 SIZE notanumber\r\n",
        ));
        assert_eq!(c.keywords, ["SIZE"]);
        assert_eq!(c.size, None);
        let c = parse_ehlo(&Reply {
            code: 250,
            enhanced: None,
            lines: vec![],
            lf_only: false,
        });
        assert!(c.raw.is_empty());
    }

    proptest! {
        #[test]
        fn parse_ehlo_never_panics(lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..12)) {
            let mut wire = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                let sep = if i + 1 == lines.len() { b' ' } else { b'-' };
                let clean: Vec<u8> = l.iter().copied().filter(|&b| b != b'\n' && b != b'\r').collect();
                wire.extend_from_slice(b"250");
                wire.push(sep);
                wire.extend_from_slice(&clean);
                wire.extend_from_slice(b"\r\n");
            }
            let r = parse_reply_text(&wire, Limits::default()).unwrap().unwrap();
            let c = parse_ehlo(&r);
            let _ = banner_looks_masked(&r);
            prop_assert_eq!(c.raw.len(), lines.len());
            prop_assert!(c.domain.chars().all(|ch| !ch.is_control()));
            for s in c.keywords.iter().chain(&c.auth).chain(&c.masked) {
                prop_assert!(!s.is_empty() && s.chars().all(|ch| !ch.is_control()));
            }
        }

        #[test]
        fn parse_ehlo_any_reply_never_panics(lines in proptest::collection::vec(".*", 0..6), code in any::<u16>()) {
            let r = Reply { code, enhanced: None, lines, lf_only: false };
            let _ = parse_ehlo(&r);
            let _ = banner_looks_masked(&r);
        }
    }
}
