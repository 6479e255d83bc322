//! CLI → settings table tests.
use std::time::Duration;

use super::*;
use crate::settings::{AuthMech, FamilyFilter, Settings, Stage};

struct Env(Vec<(&'static str, &'static str)>);
impl SecretSource for Env {
    fn env(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_string())
    }
    fn prompt(&self, _: &str) -> Option<String> {
        None
    }
}

fn parse(args: &[&str]) -> Result<Settings, String> {
    let cli = Cli::try_parse_from(std::iter::once("smtptui").chain(args.iter().copied()))
        .map_err(|e| e.to_string())?;
    let Some(Command::Check(c)) = cli.command else {
        return Err("not check".into());
    };
    c.probe
        .to_settings(&c.target, &Env(vec![("SMTPTUI_PASSWORD", "pw")]))
        .map_err(|e| e.to_string())
}

#[test]
fn cli_to_settings_table() {
    let s = parse(&["check", "mail.test"]).unwrap();
    assert_eq!(s.ports, PortSpec::defaults());
    let s = parse(&[
        "check",
        "mail.test",
        "-p",
        "587,465/tls",
        "-p",
        "2525/auto",
        "-p",
        "587",
    ])
    .unwrap();
    assert_eq!(
        s.ports.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["587/starttls", "465/tls", "2525/auto"]
    );
    let s = parse(&[
        "check",
        "mail.test",
        "--resolve",
        "mail.test:::1",
        "--resolve",
        "x:[::2]",
        "-6",
    ])
    .unwrap();
    assert_eq!(s.resolve[0].1, "::1".parse::<IpAddr>().unwrap());
    assert_eq!(s.resolve[1].1, "::2".parse::<IpAddr>().unwrap());
    assert_eq!(s.family, FamilyFilter::V6);
    let s = parse(&["check", "h", "--timeout", "2", "--banner-timeout", "5"]).unwrap();
    assert_eq!(s.timeouts.connect, Duration::from_secs(2));
    assert_eq!(s.timeouts.banner, Duration::from_secs(5));
    assert_eq!(s.timeouts.overall, Duration::from_secs(8));
    let s = parse(&["check", "h", "--user", "alice", "--auth", "login"]).unwrap();
    let a = s.auth.unwrap();
    assert_eq!(
        (a.user.as_str(), a.secret.expose(), a.mech),
        ("alice", "pw", Some(AuthMech::Login))
    );
    assert_eq!(
        parse(&["check", "h", "--dns-server", "127.0.0.1:5353"])
            .unwrap()
            .dns_server,
        Some("127.0.0.1:5353".parse().unwrap())
    );
    assert_eq!(
        parse(&["check", "h", "--dns-server", "::1"])
            .unwrap()
            .dns_server,
        Some("[::1]:53".parse().unwrap())
    );
    assert_eq!(
        parse(&["check", "h", "--quit-after", "rcpt"])
            .unwrap()
            .quit_after,
        Some(Stage::Rcpt)
    );
    for bad in [
        &["check", "h", "-p", "0"][..],
        &["check", "h", "-p", "25/ssl3"],
        &["check", "h", "--resolve", "nohost"],
        &["check", "h", "--resolve", "h:notanip"],
        &["check", "h", "--timeout", "0"],
        &["check", "h", "--auth", "NTLM", "--user", "u"],
        &["check", "h", "--quit-after", "later"],
        &["check", "h", "--send"],
        &["check", "h", "--concurrency", "0"],
        &["check", "bad host"],
        &["check", "h", "-4", "-6"],
        &["check", "h", "--password", "x"],
    ] {
        assert!(parse(bad).is_err(), "{bad:?} should be rejected");
    }
}

#[test]
fn domain_and_preset_options() {
    let s = parse(&[
        "check",
        "example.test",
        "--mx",
        "--dnsbl",
        "BL.Test.",
        "--dnsbl",
        "bl.test",
        "--dkim-selector",
        "Corp2026",
        "--dkim-selector",
        "s1",
        "--dkim-selector",
        "corp2026",
    ])
    .unwrap();
    assert!(s.mx);
    assert_eq!(s.dnsbl, ["bl.test"]);
    assert_eq!(s.dkim_selectors, ["corp2026", "s1"]);
    assert_eq!((s.mx_port, s.mta_sts_port), (25, 443));
    let s = parse(&[
        "check",
        "d.test",
        "--mx",
        "--mx-port",
        "2525",
        "--mta-sts-port",
        "8443",
    ])
    .unwrap();
    assert_eq!((s.mx_port, s.mta_sts_port), (2525, 8443));
    let s = parse(&["check", "--preset", "microsoft365", "--user", "u@x.test"]).unwrap();
    assert_eq!(s.target, "smtp.office365.com");
    assert_eq!(
        s.ports.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["587/starttls"]
    );
    assert_eq!(s.auth.unwrap().mech, Some(AuthMech::Login));
    assert!(s.preset.unwrap().name.contains("Microsoft"));
    let s = parse(&[
        "check",
        "other.test",
        "--preset",
        "gmail",
        "-p",
        "2525",
        "--user",
        "u",
        "--auth",
        "plain",
    ])
    .unwrap();
    assert_eq!(s.target, "other.test");
    assert_eq!(s.ports[0].port, 2525);
    assert_eq!(s.auth.unwrap().mech, Some(AuthMech::Plain));
    for bad in [
        &["check"][..],
        &["check", "--preset", "nope"],
        &["check", "d", "--dnsbl", "bad zone"],
        &["check", "d", "--mx", "--dkim-selector", "a b"],
        &["check", "d", "--mx", "--dkim-selector", ""],
        &["check", "d", "--mx", "--preset", "gmail"],
        &["check", "d", "--mx-port", "0"],
    ] {
        assert!(parse(bad).is_err(), "{bad:?} should be rejected");
    }
}

#[test]
fn missing_password_is_a_usage_error() {
    let cli = Cli::try_parse_from(["smtptui", "check", "h", "--user", "u"]).unwrap();
    let Some(Command::Check(c)) = cli.command else {
        panic!()
    };
    let err = c.probe.to_settings("h", &Env(vec![])).unwrap_err();
    assert!(err.to_string().contains("SMTPTUI_PASSWORD"), "{err}");
}

#[test]
fn tui_command_line_without_target_and_mx_prefix() {
    let env = Env(vec![]);
    let cli = Cli::try_parse_from([
        "smtptui",
        "--resolve",
        "mail.lab.test:127.0.0.2",
        "--dns-server",
        "127.0.0.1:5353",
        "--tls-server-name",
        "mail.lab.test",
        "-p",
        "587",
    ])
    .unwrap();
    assert!(cli.target.is_none());
    let s = cli.probe.to_form_settings(&env).unwrap();
    assert_eq!(s.target, "");
    assert_eq!(s.ports.len(), 1);
    assert_eq!(s.resolve.len(), 1);
    assert_eq!(s.dns_server.unwrap().port(), 5353);
    assert_eq!(s.tls.server_name.as_deref(), Some("mail.lab.test"));
    // The form's options are checked as strictly as with a target.
    let bad = Cli::try_parse_from(["smtptui", "--ca-file", "/nonexistent.pem"]).unwrap();
    assert_eq!(
        bad.probe.to_form_settings(&env).unwrap_err().to_string(),
        "--ca-file /nonexistent.pem: no such file"
    );
    // `mx:DOMAIN` is MX mode on the command line too.
    let cli = Cli::try_parse_from(["smtptui", "mx:good.test"]).unwrap();
    let s = cli
        .probe
        .to_settings(cli.target.as_deref().unwrap(), &env)
        .unwrap();
    assert!(s.mx);
    assert_eq!(s.target, "good.test");
    let s = parse(&["check", "MX:good.test"]).unwrap();
    assert!(s.mx && s.target == "good.test");
    assert!(parse(&["check", "mx:good.test", "--preset", "gmail"]).is_err());
}

#[test]
fn no_color_is_decided_from_the_variable_the_binary_read() {
    use std::ffi::OsStr;
    assert!(!no_color(None));
    assert!(!no_color(Some(OsStr::new(""))));
    assert!(no_color(Some(OsStr::new("1"))));
    assert!(no_color(Some(OsStr::new("0"))));
}

#[test]
fn the_proxy_password_comes_through_the_secret_source() {
    let args = |url: &str| {
        let cli = Cli::try_parse_from(["smtptui", "check", "h", "--proxy", url]).unwrap();
        let Some(Command::Check(c)) = cli.command else {
            panic!("not check")
        };
        c
    };
    let c = args("socks5://pu@127.0.0.1:1080");
    let with = Env(vec![(PROXY_PASSWORD_VAR, "proxy-pw-9")]);
    let s = c.probe.to_settings("h", &with).unwrap();
    let p = s.proxy.as_ref().unwrap();
    assert_eq!(
        (p.user.as_deref(), p.password.as_ref().map(Secret::expose)),
        (Some("pu"), Some("proxy-pw-9"))
    );
    assert!(!format!("{s:?}").contains("proxy-pw-9"));
    for env in [Env(vec![]), Env(vec![(PROXY_PASSWORD_VAR, "")])] {
        let e = c.probe.to_settings("h", &env).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--proxy names a user: set SMTPTUI_PROXY_PASSWORD"
        );
    }
    // Without a user no password is needed; the TUI's form is handed the same one.
    let s = args("socks5://127.0.0.1:1080")
        .probe
        .to_settings("h", &Env(vec![]))
        .unwrap();
    assert!(s.proxy.unwrap().password.is_none());
    assert_eq!(
        with.proxy_password().as_ref().map(Secret::expose),
        Some("proxy-pw-9")
    );
    assert!(
        Env(vec![("SMTPTUI_PASSWORD", "pw")])
            .proxy_password()
            .is_none()
    );
}

#[test]
fn usage_errors_keep_their_words() {
    for (args, want) in [
        (
            &["check", "h", "--interface", "a/b"][..],
            "invalid --interface `a/b`",
        ),
        (
            &["check", "h", "--proxy", "socks5://u:pw@x:1"],
            "--proxy: put the password in SMTPTUI_PROXY_PASSWORD, not in the URL",
        ),
        (
            &["check", "h", "--connect-timeout", "5000"],
            "--connect-timeout must be between 0 and 3600 seconds, got 5000",
        ),
        (
            &["check", "h", "--auth", "NTLM", "--user", "u"],
            "unknown --auth `NTLM` (PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER)",
        ),
        (&["check", "h", "--auth", "PLAIN"], "--auth needs --user"),
        (&["check", "h", "--send"], "--send needs at least one --to"),
        (
            &["check", "h", "--quit-after", "later"],
            "--quit-after: unknown stage `later` (connect, banner, ehlo, starttls, auth, mail, rcpt, data)",
        ),
        (
            &["check", "h", "--max-hops", "65"],
            "--max-hops must be between 1 and 64",
        ),
        (
            &["check", "d", "--mx-port", "0"],
            "--mx-port must be 1-65535",
        ),
        (
            &["check", "d", "--dkim-selector", "a b"],
            "--dkim-selector `a b`: only letters, digits, `-`, `_` and dots are allowed",
        ),
        (
            &["check", "d", "--mx", "--preset", "gmail"],
            "--preset and --mx do not combine",
        ),
        (
            &["check", "--preset", "nope"],
            "unknown preset `nope` (see `smtptui presets`)",
        ),
        (
            &["check", "h", "--user", "u", "--password-file", "/dev/null"],
            "--password-file /dev/null: empty",
        ),
    ] {
        assert_eq!(parse(args).unwrap_err(), want, "{args:?}");
    }
}

#[test]
fn grouped_flags_fill_their_settings() {
    let s = parse(&[
        "check",
        "h",
        "--no-trace",
        "--max-hops",
        "7",
        "--insecure",
        "--no-system-roots",
        "--allow-plaintext-auth",
        "--relay-test",
        "--send",
        "--to",
        "a@b.test",
        "-4",
    ])
    .unwrap();
    assert!(!s.trace && s.max_hops == 7);
    assert!(s.tls.insecure && s.tls.no_system_roots);
    assert_eq!(
        s.opt_in,
        crate::settings::OptIns {
            plaintext_auth: true,
            send: true,
            relay_test: true
        }
    );
    assert_eq!(s.family, FamilyFilter::V4);
    let s = parse(&["check", "h", "--no-trace", "--trace"]).unwrap();
    assert!(s.trace && s.opt_in == crate::settings::OptIns::default());
}
