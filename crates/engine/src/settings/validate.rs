//! The validation rules shared by the command line (the application's `cli`) and the TUI's
//! target form: each `validate_*`/`parse_*` function checks one kind of value and says
//! what is wrong in the words of the CLI's usage errors (the form shows the same text).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

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
pub fn validate_target(target: &str) -> Result<(), String> {
    if target.is_empty() {
        return Err("a target is required (a host, a domain with --mx, or --preset NAME)".into());
    }
    if target.len() > 253 || target.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("invalid target `{}`", target.escape_debug()));
    }
    Ok(())
}

/// Parses `HOST:ADDR` (ADDR may be an IPv6 literal, bracketed or not).
pub fn parse_resolve(s: &str) -> Result<(String, IpAddr), String> {
    let s = s.trim();
    let (host, addr) = s
        .split_once(':')
        .ok_or_else(|| format!("--resolve expects HOST:ADDR, got `{}`", s.escape_debug()))?;
    let addr = addr.trim_start_matches('[').trim_end_matches(']');
    let ip: IpAddr = addr
        .parse()
        .map_err(|_| format!("--resolve: `{}` is not an IP address", addr.escape_debug()))?;
    if host.is_empty() {
        return Err(format!("--resolve: empty host in `{}`", s.escape_debug()));
    }
    validate_target(host).map_err(|e| format!("--resolve: {e}"))?;
    Ok((host.to_string(), ip))
}

/// Parses a list of `HOST:ADDR` separated by commas or spaces (the form's Resolve field).
pub fn parse_resolve_list(text: &str) -> Result<Vec<(String, IpAddr)>, String> {
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
pub fn parse_dns_server(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Ok(sa) = s.parse::<SocketAddr>() {
        return Ok(sa);
    }
    let bare = s.trim_start_matches('[').trim_end_matches(']');
    bare.parse::<IpAddr>()
        .map(|ip| SocketAddr::new(ip, 53))
        .map_err(|_| {
            format!(
                "--dns-server expects ADDR[:PORT], got `{}`",
                s.escape_debug()
            )
        })
}

/// A DNS server address back into the text [`parse_dns_server`] reads (`:53` left out).
pub fn dns_server_text(sa: SocketAddr) -> String {
    match (sa.port(), sa.ip()) {
        (53, ip) => ip.to_string(),
        _ => sa.to_string(),
    }
}

/// A PEM file given by `option` (`--ca-file`, `--client-cert` ...) must exist.
pub fn validate_pem_file(option: &str, path: &Path) -> Result<PathBuf, String> {
    if path.is_file() {
        Ok(path.to_path_buf())
    } else {
        Err(format!("{option} {}: no such file", path.display()))
    }
}

/// `--client-cert` and `--client-key` go together.
pub fn validate_client_pair(cert: Option<&Path>, key: Option<&Path>) -> Result<(), String> {
    if cert.is_some() == key.is_some() {
        Ok(())
    } else {
        Err("--client-cert and --client-key go together".into())
    }
}

/// An interface name (`--interface`): 1-15 bytes, no spaces or `/`.
pub fn validate_interface(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 15 || name.chars().any(|c| c.is_whitespace() || c == '/') {
        return Err(format!("invalid --interface `{}`", name.escape_debug()));
    }
    Ok(())
}

/// The EHLO name: not empty, no spaces or control characters.
pub fn validate_ehlo(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("invalid --ehlo name `{}`", name.escape_debug()));
    }
    Ok(())
}

/// An envelope address (`--from`, `--to`): no control characters or angle brackets,
/// at most 320 bytes.
pub fn validate_address(addr: &str) -> Result<(), String> {
    if addr.chars().any(|c| c.is_control() || c == '<' || c == '>') || addr.len() > 320 {
        return Err(format!("invalid address `{}`", addr.escape_debug()));
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
}
