//! The validation rules shared by the command line (the application's `cli`) and the TUI's
//! target form: each `validate_*`/`parse_*` function checks one kind of value, once, and
//! says what is wrong as a typed [`ValidationError`] (in the CLI's words; the form
//! shows the same text, or its own words for its own fields).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::model::{PortSpec, Secret};

use super::{AuthMech, ProxyError, ProxySettings, ValidationError};

/// The prefix of a target that asks for MX mode (`mx:example.com`).
pub const MX_PREFIX: &str = "mx:";

/// Splits a target into the name and whether MX mode was asked for with the `mx:`
/// prefix (case-insensitive).
pub fn split_mx(target: &str) -> (&str, bool) {
    let t = target.trim();
    match t.get(..MX_PREFIX.len()) {
        Some(p) if p.eq_ignore_ascii_case(MX_PREFIX) => (t[MX_PREFIX.len()..].trim(), true),
        _ => (t, false),
    }
}

/// A host name, IP literal or mail domain: not empty, at most 253 bytes, no spaces or
/// control characters.
pub fn validate_target(target: &str) -> Result<(), ValidationError> {
    if target.is_empty() {
        return Err(ValidationError::NoTarget);
    }
    if !is_target(target) {
        return Err(ValidationError::Target(target.to_string()));
    }
    Ok(())
}

fn is_target(s: &str) -> bool {
    s.len() <= 253 && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Parses `HOST:ADDR` (ADDR may be an IPv6 literal, bracketed or not).
pub fn parse_resolve(s: &str) -> Result<(String, IpAddr), ValidationError> {
    let s = s.trim();
    let (host, addr) = s
        .split_once(':')
        .ok_or_else(|| ValidationError::ResolveSyntax(s.to_string()))?;
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| ValidationError::ResolveAddress(addr.to_string()))?;
    if host.is_empty() {
        return Err(ValidationError::ResolveEmptyHost(s.to_string()));
    }
    if !is_target(host) {
        return Err(ValidationError::ResolveHost(host.to_string()));
    }
    Ok((host.to_string(), ip))
}

/// Parses a list of `HOST:ADDR` separated by commas or spaces (the form's Resolve field).
pub fn parse_resolve_list(text: &str) -> Result<Vec<(String, IpAddr)>, ValidationError> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(parse_resolve)
        .collect()
}

/// `--resolve` overrides back into the text [`parse_resolve_list`] reads.
pub fn resolve_text(list: &[(String, IpAddr)]) -> String {
    list.iter()
        .map(|(h, ip)| match ip {
            IpAddr::V6(v6) => format!("{h}:[{v6}]"),
            IpAddr::V4(v4) => format!("{h}:{v4}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses `ADDR[:PORT]` for `--dns-server` (port 53 by default).
pub fn parse_dns_server(s: &str) -> Result<SocketAddr, ValidationError> {
    let s = s.trim();
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok(sa);
    }
    let bare = s.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| ValidationError::DnsServer(s.to_string()))
}

/// A DNS server address back into the text [`parse_dns_server`] reads (`:53` left out).
pub fn dns_server_text(sa: SocketAddr) -> String {
    match (sa.port(), sa.ip()) {
        (53, ip) => ip.to_string(),
        _ => sa.to_string(),
    }
}

/// Port specs without repeats, in the order given.
pub fn dedup_ports(ports: &[PortSpec]) -> Vec<PortSpec> {
    let mut out: Vec<PortSpec> = Vec::new();
    for p in ports {
        if !out.contains(p) {
            out.push(*p);
        }
    }
    out
}

/// `25,465/tls,587` (commas or spaces) → port specs: at least one, no repeats.
pub fn parse_ports(text: &str) -> Result<Vec<PortSpec>, ValidationError> {
    let specs = text
        .split([',', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<PortSpec>().map_err(ValidationError::Port))
        .collect::<Result<Vec<_>, _>>()?;
    if specs.is_empty() {
        return Err(ValidationError::NoPorts);
    }
    Ok(dedup_ports(&specs))
}

/// A PEM file given by `option` (`--ca-file`, `client certificate` ...) must exist.
pub fn validate_pem_file(option: &'static str, path: &Path) -> Result<PathBuf, ValidationError> {
    if path.is_file() {
        Ok(path.to_path_buf())
    } else {
        Err(ValidationError::NoSuchFile {
            option,
            path: path.to_path_buf(),
        })
    }
}

/// The client certificate and its key go together.
pub fn validate_client_pair(
    cert: Option<&Path>,
    key: Option<&Path>,
) -> Result<(), ValidationError> {
    if cert.is_some() == key.is_some() {
        Ok(())
    } else {
        Err(ValidationError::ClientPair)
    }
}

/// An interface name (`--interface`): 1-15 bytes, no spaces or `/`.
pub fn validate_interface(name: &str) -> Result<(), ValidationError> {
    if name.is_empty() || name.len() > 15 || name.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err(ValidationError::Interface(name.to_string()));
    }
    Ok(())
}

/// The SOCKS5 proxy of `url` with its password. A URL that names a user needs the
/// password, which only `password` gives (the `SMTPTUI_PROXY_PASSWORD` variable, read
/// by the binary; never the command line, never the URL). `password` is called only
/// when the URL names a user.
pub fn parse_proxy(
    url: &str,
    password: impl FnOnce() -> Option<Secret>,
) -> Result<ProxySettings, ValidationError> {
    let mut p = ProxySettings::parse(url)?;
    if p.user.is_some() {
        p.password = Some(
            password()
                .filter(|s| !s.is_empty())
                .ok_or(ProxyError::NoPassword)?,
        );
    }
    Ok(p)
}

/// The EHLO name: not empty, no spaces or control characters.
pub fn validate_ehlo(name: &str) -> Result<(), ValidationError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ValidationError::Ehlo(name.to_string()));
    }
    Ok(())
}

/// An envelope address (`--from`, `--to`): no control characters or angle brackets,
/// at most 320 bytes.
pub fn validate_address(addr: &str) -> Result<(), ValidationError> {
    if addr.chars().any(|c| c.is_control() || c == '<' || c == '>') || addr.len() > 320 {
        return Err(ValidationError::Address(addr.to_string()));
    }
    Ok(())
}

/// A chosen AUTH mechanism needs a user to authenticate as.
pub fn validate_mech_user(mech: Option<AuthMech>, has_user: bool) -> Result<(), ValidationError> {
    if mech.is_some() && !has_user {
        return Err(ValidationError::MechWithoutUser);
    }
    Ok(())
}

/// A provider preset names a submission host; MX mode probes a domain's MX hosts.
pub fn validate_preset_mode(has_preset: bool, mx: bool) -> Result<(), ValidationError> {
    if has_preset && mx {
        return Err(ValidationError::PresetWithMx);
    }
    Ok(())
}

/// DKIM selectors, each a sequence of DNS labels, lower-cased, without repeats.
pub fn parse_dkim_selectors<'a>(
    selectors: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, ValidationError> {
    let mut out: Vec<String> = Vec::new();
    for sel in selectors {
        let v = crate::diagnose::dkim::valid_selector(sel).map_err(|reason| {
            ValidationError::DkimSelector {
                selector: sel.to_string(),
                reason,
            }
        })?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// DNSBL zones, each a domain name (a trailing dot ignored), lower-cased, without repeats.
pub fn parse_dnsbl_zones<'a>(
    zones: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<String>, ValidationError> {
    let mut out: Vec<String> = Vec::new();
    for zone in zones {
        let z = zone.trim().trim_matches('.').to_ascii_lowercase();
        let name_chars = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
        if z.is_empty() || !z.chars().all(name_chars) {
            return Err(ValidationError::DnsblZone(zone.to_string()));
        }
        if !out.contains(&z) {
            out.push(z);
        }
    }
    Ok(out)
}

/// A timeout given as `option` (without dashes): more than 0, at most 3600 seconds.
pub fn validate_timeout(option: &'static str, secs: f64) -> Result<Duration, ValidationError> {
    if !secs.is_finite() || secs <= 0.0 || secs > 3600.0 {
        return Err(ValidationError::Timeout { option, secs });
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Endpoints probed at once: 1-4096.
pub fn validate_concurrency(n: usize) -> Result<usize, ValidationError> {
    if n == 0 || n > 4096 {
        return Err(ValidationError::Concurrency(n));
    }
    Ok(n)
}

/// The highest TTL of the path check: 1-64.
pub fn validate_max_hops(n: u8) -> Result<u8, ValidationError> {
    if n == 0 || n > 64 {
        return Err(ValidationError::MaxHops(n));
    }
    Ok(n)
}

/// `--send` sends a message: it needs a recipient.
pub fn validate_send(send: bool, recipients: &[String]) -> Result<(), ValidationError> {
    if send && recipients.is_empty() {
        return Err(ValidationError::SendWithoutRecipient);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_lists_round_trip() {
        let list = parse_resolve_list("a.test:127.0.0.2, b.test:[::1] c.test:::2").unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(
            resolve_text(&list),
            "a.test:127.0.0.2, b.test:[::1], c.test:[::2]"
        );
        assert_eq!(parse_resolve_list(&resolve_text(&list)).unwrap(), list);
        assert!(parse_resolve_list("a.test").is_err());
        assert!(parse_resolve_list(":1.2.3.4").is_err());
        assert!(parse_resolve_list("a.test:nope").is_err());
    }

    #[test]
    fn dns_servers() {
        let sa = parse_dns_server("127.0.0.1").unwrap();
        assert_eq!(sa.port(), 53);
        assert_eq!(dns_server_text(sa), "127.0.0.1");
        let sa = parse_dns_server("127.0.0.1:5353").unwrap();
        assert_eq!(dns_server_text(sa), "127.0.0.1:5353");
        assert_eq!(parse_dns_server("[::1]").unwrap().port(), 53);
        assert!(parse_dns_server("dns.example").is_err());
    }

    #[test]
    fn mx_prefix() {
        assert_eq!(split_mx(" MX:example.com"), ("example.com", true));
        assert_eq!(split_mx("mail.example.com"), ("mail.example.com", false));
        assert_eq!(split_mx("mx"), ("mx", false));
    }

    #[test]
    fn other_rules() {
        assert!(validate_target("").is_err());
        assert!(validate_target("a b").is_err());
        assert!(validate_pem_file("--ca-file", Path::new("/nonexistent.pem")).is_err());
        assert!(validate_client_pair(Some(Path::new("c")), None).is_err());
        assert!(validate_interface("eth0").is_ok());
        assert!(validate_interface("a/b").is_err());
        assert!(validate_ehlo("x y").is_err());
        assert!(validate_address("a@b<").is_err());
    }

    #[test]
    fn errors_read_as_the_command_line_words_them() {
        let cases: [(ValidationError, &str); 10] = [
            (
                validate_target("").unwrap_err(),
                "a target is required (a host, a domain with --mx, or --preset NAME)",
            ),
            (
                validate_target("a\tb").unwrap_err(),
                "invalid target `a\\tb`",
            ),
            (
                parse_resolve("a b:1.2.3.4").unwrap_err(),
                "--resolve: invalid target `a b`",
            ),
            (
                parse_resolve(":1.2.3.4").unwrap_err(),
                "--resolve: empty host in `:1.2.3.4`",
            ),
            (
                parse_dns_server("x").unwrap_err(),
                "--dns-server expects ADDR[:PORT], got `x`",
            ),
            (
                validate_pem_file("--ca-file", Path::new("/nonexistent.pem")).unwrap_err(),
                "--ca-file /nonexistent.pem: no such file",
            ),
            (
                validate_client_pair(None, Some(Path::new("k"))).unwrap_err(),
                "--client-cert and --client-key go together",
            ),
            (
                validate_interface("waytoolonginterfacename").unwrap_err(),
                "invalid --interface `waytoolonginterfacename`",
            ),
            (
                validate_timeout("tls-timeout", f64::NAN).unwrap_err(),
                "--tls-timeout must be between 0 and 3600 seconds, got NaN",
            ),
            (
                parse_ports("25,99999").unwrap_err(),
                "invalid port `99999` (expected 1-65535)",
            ),
        ];
        for (err, want) in cases {
            assert_eq!(err.to_string(), want, "{err:?}");
        }
        assert_eq!(parse_ports(" , ").unwrap_err(), ValidationError::NoPorts);
        assert_eq!(
            validate_mech_user(Some(AuthMech::Plain), false),
            Err(ValidationError::MechWithoutUser)
        );
        assert!(
            validate_mech_user(None, false).is_ok()
                && validate_mech_user(Some(AuthMech::Plain), true).is_ok()
        );
        assert_eq!(
            validate_preset_mode(true, true),
            Err(ValidationError::PresetWithMx)
        );
        assert!(
            validate_preset_mode(true, false).is_ok() && validate_preset_mode(false, true).is_ok()
        );
        assert_eq!(
            validate_send(true, &[]),
            Err(ValidationError::SendWithoutRecipient)
        );
        assert!(validate_send(true, &["a@b".into()]).is_ok());
    }

    #[test]
    fn limits_and_timeouts() {
        assert_eq!(
            validate_timeout("timeout", 2.5).unwrap(),
            Duration::from_millis(2500)
        );
        for bad in [0.0, -1.0, 3600.5, f64::INFINITY] {
            assert!(validate_timeout("timeout", bad).is_err(), "{bad}");
        }
        assert_eq!(validate_concurrency(4096), Ok(4096));
        assert!(validate_concurrency(0).is_err() && validate_concurrency(4097).is_err());
        assert_eq!(validate_max_hops(64), Ok(64));
        assert!(validate_max_hops(0).is_err() && validate_max_hops(65).is_err());
    }

    #[test]
    fn zones_and_selectors_are_normalised_once() {
        assert_eq!(
            parse_dnsbl_zones(["BL.Test.", "bl.test", " zen.test "]).unwrap(),
            ["bl.test", "zen.test"]
        );
        assert_eq!(
            parse_dnsbl_zones(["bad zone"]).unwrap_err().to_string(),
            "--dnsbl: invalid zone `bad zone`"
        );
        assert!(parse_dnsbl_zones(["."]).is_err());
        assert_eq!(
            parse_dkim_selectors(["Corp2026", "s1", "corp2026"]).unwrap(),
            ["corp2026", "s1"]
        );
        assert_eq!(
            parse_dkim_selectors(["ok", "a b"]).unwrap_err(),
            ValidationError::DkimSelector {
                selector: "a b".into(),
                reason: "only letters, digits, `-`, `_` and dots are allowed".into()
            }
        );
        assert_eq!(
            parse_ports("587 25,587").unwrap(),
            dedup_ports(&parse_ports("587,25").unwrap())
        );
    }

    #[test]
    fn the_proxy_password_comes_only_from_the_source_it_is_given() {
        // No user: the source is not asked.
        let p = parse_proxy("socks5://127.0.0.1:1080", || unreachable!("not asked")).unwrap();
        assert!(p.password.is_none());
        // A user: the password must come from the source, and not be empty.
        let p = parse_proxy("socks5h://pu@[::1]:9050", || Some(Secret::new("proxy-pw"))).unwrap();
        assert_eq!(p.password.as_ref().map(Secret::expose), Some("proxy-pw"));
        assert!(!format!("{p:?}").contains("proxy-pw"));
        for source in [None, Some(Secret::new(""))] {
            let e = parse_proxy("socks5://pu@127.0.0.1:1080", || source).unwrap_err();
            assert_eq!(e, ValidationError::Proxy(ProxyError::NoPassword));
            assert_eq!(
                e.to_string(),
                "--proxy names a user: set SMTPTUI_PROXY_PASSWORD"
            );
        }
        // Never from the URL, and the refusal never repeats it (with a scheme or without).
        for url in [
            "socks5://pu:hunter2@127.0.0.1:1080",
            "pu:hunter2@127.0.0.1:1080",
        ] {
            let e = parse_proxy(url, || Some(Secret::new("x"))).unwrap_err();
            assert_eq!(
                e,
                ValidationError::Proxy(ProxyError::PasswordInUrl),
                "{url}"
            );
            assert!(!e.to_string().contains("hunter2"), "{e}");
        }
    }
}
