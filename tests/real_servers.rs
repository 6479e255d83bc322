//! Interoperability with real mail servers: the built `smtptui` binary against Postfix
//! (with Dovecot SASL) on 127.0.0.25 and Exim on 127.0.0.26, both on loopback, set up by
//! `tests/real/setup.sh` (as root; `.ci/run` runs it first). Every test skips with a message
//! when that fixture is absent, unless `SMTPTUI_REAL_REQUIRED=1` (CI), where it fails.
// The lab is not used here, but the shared test support (tests/support) needs it.

mod support;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use support::assert_no_secret;
use support::binary::{Report as Run, check_json_blocking};

/// The values `tests/real/setup.sh` wrote to `facts.env`.
struct Fixture {
    facts: HashMap<String, String>,
}

impl Fixture {
    fn get(&self, key: &str) -> &str {
        self.facts
            .get(key)
            .unwrap_or_else(|| panic!("facts.env has no {key}"))
    }

    /// `--resolve` for the Postfix host.
    fn resolve(&self) -> String {
        format!("{}:{}", self.get("HOST"), self.get("ADDR"))
    }

    fn exim_resolve(&self) -> String {
        format!("{}:{}", self.get("EXIM_HOST"), self.get("EXIM_ADDR"))
    }
}

fn fixture_root() -> PathBuf {
    PathBuf::from(
        std::env::var("SMTPTUI_REAL_ROOT").unwrap_or_else(|_| "/opt/smtptui-real".to_string()),
    )
}

/// Loads the fixture, or says why not: `None` means "skip this test".
fn fixture() -> Option<Fixture> {
    match load_fixture() {
        Ok(f) => Some(f),
        Err(why) => {
            assert!(
                std::env::var("SMTPTUI_REAL_REQUIRED").as_deref() != Ok("1"),
                "real-server fixture required (SMTPTUI_REAL_REQUIRED=1) but not usable: {why}"
            );
            // Straight to stderr, past libtest's capture of print macros, so the skip shows
            // in a normal `cargo test` run.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED real-server test: {why}. Run `sudo tests/real/setup.sh` first \
                 (see tests/real/README.md)."
            );
            None
        }
    }
}

fn load_fixture() -> Result<Fixture, String> {
    let root = fixture_root();
    let ready = root.join("ready");
    if !ready.exists() {
        return Err(format!("{} does not exist", ready.display()));
    }
    let path = root.join("facts.env");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let facts: HashMap<String, String> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('\'')
                .and_then(|v| v.strip_suffix('\''))
                .unwrap_or(v);
            (k.trim().to_string(), v.to_string())
        })
        .collect();
    let fx = Fixture { facts };
    for (addr_key, port_key) in [("ADDR", "PORT_SUBMISSION"), ("EXIM_ADDR", "EXIM_PORT")] {
        let (Some(addr), Some(port)) = (fx.facts.get(addr_key), fx.facts.get(port_key)) else {
            return Err(format!("facts.env lacks {addr_key}/{port_key}"));
        };
        let sa: SocketAddr = format!("{addr}:{port}")
            .parse()
            .map_err(|e| format!("bad address {addr}:{port}: {e}"))?;
        TcpStream::connect_timeout(&sa, Duration::from_secs(2))
            .map_err(|e| format!("nothing listens on {sa}: {e}"))?;
    }
    Ok(fx)
}

/// Runs `smtptui check TARGET ARGS --format json --timeout 10 -4` with the password
/// (if any) in `SMTPTUI_PASSWORD`.
fn check(target: &str, args: &[&str], password: Option<&str>) -> Run {
    let mut all = vec![target];
    all.extend_from_slice(args);
    all.extend(["--timeout", "10", "-4"]);
    check_json_blocking(&all, password)
}

/// `check` against Postfix on `ports` (comma-separated `PORT[/MODE]`), trusting the test CA.
fn postfix(fx: &Fixture, ports: &str, extra: &[&str], password: Option<&str>) -> Run {
    let resolve = fx.resolve();
    let mut args = vec![
        "--resolve",
        &resolve,
        "--ca-file",
        fx.get("CA_FILE"),
        "-p",
        ports,
    ];
    args.extend_from_slice(extra);
    check(fx.get("HOST"), &args, password)
}

/// `check` against Exim on its port.
fn exim(fx: &Fixture, extra: &[&str], password: Option<&str>) -> Run {
    let resolve = fx.exim_resolve();
    let port = format!("{}/starttls", fx.get("EXIM_PORT"));
    let mut args = vec![
        "--resolve",
        &resolve,
        "--ca-file",
        fx.get("CA_FILE"),
        "-p",
        &port,
    ];
    args.extend_from_slice(extra);
    check(fx.get("EXIM_HOST"), &args, password)
}

/// RDN components of a distinguished name, order-insensitive (`CN=a, O=b` == `O=b,CN=a`).
fn rdns(dn: &str) -> Vec<String> {
    let mut v: Vec<String> = dn.split(',').map(|p| p.trim().to_string()).collect();
    v.sort();
    v
}

/// SHA-256 of the first certificate in a PEM file, as `AB:CD:..`.
fn pem_sha256(path: &str) -> String {
    let pem = std::fs::read_to_string(path).expect("read PEM");
    let b64: String = pem
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN CERTIFICATE"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    let der = STANDARD.decode(b64).expect("PEM base64");
    ring::digest::digest(&ring::digest::SHA256, &der)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Reads the greeting of `addr:port` with a plain TCP client, then says QUIT.
fn raw_banner(addr: &str, port: &str) -> String {
    let sa: SocketAddr = format!("{addr}:{port}").parse().expect("address");
    let mut s = TcpStream::connect_timeout(&sa, Duration::from_secs(5)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let mut line = String::new();
    BufReader::new(s.try_clone().expect("clone"))
        .read_line(&mut line)
        .expect("read banner");
    let _ = s.write_all(b"QUIT\r\n");
    line.trim_end().to_string()
}

#[test]
fn postfix_587_starttls_and_465_tls_authenticate_ok() {
    let Some(fx) = fixture() else { return };
    let ports = format!(
        "{}/starttls,{}/tls",
        fx.get("PORT_SUBMISSION"),
        fx.get("PORT_SMTPS")
    );
    let run = postfix(
        &fx,
        &ports,
        &["--user", fx.get("TEST_USER")],
        Some(fx.get("TEST_PASSWORD")),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for port in [fx.get("PORT_SUBMISSION"), fx.get("PORT_SMTPS")] {
        let ep = run.endpoint(port);
        assert_eq!(
            run.class_of(port),
            "ok",
            "port {port}: {}",
            run.transcript(port)
        );
        assert_eq!(ep["tls"]["verified"], Value::Bool(true), "port {port}");
        let t = run.transcript(port);
        assert!(
            t.contains("235 2.7.0 Authentication successful"),
            "port {port}: {t}"
        );
        assert!(t.contains("ESMTP Postfix"), "port {port}: {t}");
        let mechs: Vec<&str> = ep["auth_mechanisms"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        assert!(
            mechs.contains(&"PLAIN") && mechs.contains(&"LOGIN"),
            "{mechs:?}"
        );
    }
    // 587 needs STARTTLS first: AUTH only appears in the EHLO after TLS.
    let t587 = run.transcript(fx.get("PORT_SUBMISSION"));
    let tls_at = t587.find("TLS established").expect("STARTTLS upgrade");
    let auth_at = t587.find("250-AUTH").expect("AUTH offered");
    assert!(tls_at < auth_at, "AUTH offered before TLS:\n{t587}");
    assert!(t587.contains("client STARTTLS"), "{t587}");
}

#[test]
fn postfix_wrong_password_is_auth_failed() {
    let Some(fx) = fixture() else { return };
    let ports = format!(
        "{}/starttls,{}/tls",
        fx.get("PORT_SUBMISSION"),
        fx.get("PORT_SMTPS")
    );
    let wrong = format!("{}-wrong", fx.get("TEST_PASSWORD"));
    let run = postfix(&fx, &ports, &["--user", fx.get("TEST_USER")], Some(&wrong));
    assert_eq!(run.code, 1, "{}", run.stdout);
    for port in [fx.get("PORT_SUBMISSION"), fx.get("PORT_SMTPS")] {
        assert_eq!(
            run.class_of(port),
            "auth_failed",
            "port {port}: {}",
            run.transcript(port)
        );
        assert!(
            run.transcript(port).contains("535"),
            "{}",
            run.transcript(port)
        );
    }
}

#[test]
fn postfix_587_plain_mode_with_credentials_requires_tls() {
    let Some(fx) = fixture() else { return };
    let port = format!("{}/plain", fx.get("PORT_SUBMISSION"));
    let user = fx.get("TEST_USER");
    let pass = fx.get("TEST_PASSWORD");
    let run = postfix(
        &fx,
        &port,
        &["--user", user, "--allow-plaintext-auth"],
        Some(pass),
    );
    let p = fx.get("PORT_SUBMISSION");
    assert_eq!(
        run.class_of(p),
        "auth_requires_tls",
        "{}",
        run.transcript(p)
    );
    assert_eq!(run.code, 1);
    let t = run.transcript(p);
    // smtpd_tls_auth_only: the plaintext EHLO offers STARTTLS but no AUTH, and no credentials
    // were sent.
    assert!(t.contains("250-STARTTLS"), "{t}");
    assert!(
        !t.contains("AUTH PLAIN") && !t.contains("AUTH LOGIN"),
        "{t}"
    );
    assert_no_secret("JSON output", &run.stdout, user, pass);
}

#[test]
fn postfix_25_unauthenticated_relay_is_denied() {
    let Some(fx) = fixture() else { return };
    let run = postfix(
        &fx,
        fx.get("PORT_SMTP"),
        &[
            "--from",
            "a@example.org",
            "--to",
            "b@example.net",
            "--quit-after",
            "rcpt",
        ],
        None,
    );
    let p = fx.get("PORT_SMTP");
    assert_eq!(run.class_of(p), "relay_denied", "{}", run.transcript(p));
    assert_eq!(run.code, 1);
    let t = run.transcript(p);
    assert!(t.contains("RCPT TO:<b@example.net>"), "{t}");
    assert!(t.contains("Relay access denied"), "{t}");
    // Port 25 offers STARTTLS (security level may) and smtptui took it.
    assert!(t.contains("TLS established"), "{t}");
}

#[test]
fn postfix_certificate_details_match_the_generated_certificate() {
    let Some(fx) = fixture() else { return };
    let run = postfix(
        &fx,
        &format!("{}/starttls", fx.get("PORT_SUBMISSION")),
        &[],
        None,
    );
    let p = fx.get("PORT_SUBMISSION");
    assert_eq!(run.class_of(p), "ok", "{}", run.transcript(p));
    let leaf = run.leaf(p);
    assert_eq!(
        rdns(leaf["subject"].as_str().unwrap_or("")),
        rdns(fx.get("MAIL_SUBJECT"))
    );
    assert_eq!(
        rdns(leaf["issuer"].as_str().unwrap_or("")),
        rdns(fx.get("MAIL_ISSUER"))
    );
    let sans: Vec<&str> = leaf["sans"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    assert_eq!(sans, fx.get("MAIL_SANS").split(',').collect::<Vec<_>>());
    assert_eq!(leaf["not_after"].as_str(), Some(fx.get("MAIL_NOT_AFTER")));
    // openssl's fingerprint (written by the setup) and our own SHA-256 of the PEM file.
    assert_eq!(leaf["sha256"].as_str(), Some(fx.get("MAIL_SHA256")));
    assert_eq!(fx.get("MAIL_SHA256"), pem_sha256(fx.get("MAIL_PEM")));
    assert_eq!(leaf["self_signed"], Value::Bool(false));
    assert_eq!(leaf["is_ca"], Value::Bool(false));
    let days = leaf["days_left"].as_i64().unwrap_or(-1);
    assert!((1..=365).contains(&days), "days_left {days}");
    // Postfix sends the chain file: leaf, then the test CA.
    let chain = run.endpoint(p)["tls"]["chain"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(chain, 2);
}

#[test]
fn postfix_extra_listeners_certificate_problems_are_classified() {
    let Some(fx) = fixture() else { return };
    let (exp, wrong, selfs, none) = (
        fx.get("PORT_EXPIRED"),
        fx.get("PORT_WRONGNAME"),
        fx.get("PORT_SELFSIGNED"),
        fx.get("PORT_NOSTARTTLS"),
    );
    let ports = [exp, wrong, selfs, none]
        .iter()
        .map(|p| format!("{p}/starttls"))
        .collect::<Vec<_>>()
        .join(",");
    let run = postfix(&fx, &ports, &[], None);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let cases = [
        (exp, "cert_expired", "EXPIRED_SHA256"),
        (wrong, "cert_hostname_mismatch", "WRONGNAME_SHA256"),
        (selfs, "cert_self_signed", "SELFSIGNED_SHA256"),
    ];
    for (port, class, fp_key) in cases {
        assert_eq!(
            run.class_of(port),
            class,
            "port {port}: {}",
            run.transcript(port)
        );
        assert_eq!(
            run.leaf(port)["sha256"].as_str(),
            Some(fx.get(fp_key)),
            "port {port}"
        );
        assert_eq!(run.endpoint(port)["tls"]["verified"], Value::Bool(false));
    }
    assert!(run.leaf(exp)["days_left"].as_i64().unwrap_or(0) < 0);
    assert_eq!(run.leaf(selfs)["self_signed"], Value::Bool(true));
    let wrong_sans = &run.leaf(wrong)["sans"];
    assert_eq!(wrong_sans, &serde_json::json!(["wrong.real.test"]));
    assert_eq!(
        run.class_of(none),
        "starttls_not_offered",
        "{}",
        run.transcript(none)
    );
    assert!(run.endpoint(none)["tls"].is_null());
}

#[test]
fn exim_starttls_is_ok_and_auth_works() {
    let Some(fx) = fixture() else { return };
    let p = fx.get("EXIM_PORT");
    let run = exim(&fx, &[], None);
    assert_eq!(run.code, 0, "{}", run.transcript(p));
    assert_eq!(run.class_of(p), "ok", "{}", run.transcript(p));
    let banner = run.endpoint(p)["banner"].to_string();
    assert!(banner.contains("ESMTP Exim"), "banner {banner}");
    assert_eq!(run.endpoint(p)["tls"]["verified"], Value::Bool(true));
    assert_eq!(run.leaf(p)["sha256"].as_str(), Some(fx.get("MAIL_SHA256")));

    let user = fx.get("TEST_USER");
    let ok = exim(&fx, &["--user", user], Some(fx.get("TEST_PASSWORD")));
    assert_eq!(ok.class_of(p), "ok", "{}", ok.transcript(p));
    assert!(ok.transcript(p).contains("235"), "{}", ok.transcript(p));
    let wrong = format!("{}-wrong", fx.get("TEST_PASSWORD"));
    let bad = exim(&fx, &["--user", user], Some(&wrong));
    assert_eq!(bad.class_of(p), "auth_failed", "{}", bad.transcript(p));
}

#[test]
fn exim_unauthenticated_relay_is_denied() {
    let Some(fx) = fixture() else { return };
    let p = fx.get("EXIM_PORT");
    let run = exim(
        &fx,
        &[
            "--from",
            "a@example.org",
            "--to",
            "b@example.net",
            "--quit-after",
            "rcpt",
        ],
        None,
    );
    assert_eq!(run.class_of(p), "relay_denied", "{}", run.transcript(p));
}

#[test]
fn export_of_a_real_session_has_the_postfix_banner_and_no_secret() {
    let Some(fx) = fixture() else { return };
    let user = fx.get("TEST_USER");
    let pass = fx.get("TEST_PASSWORD");
    let banner = raw_banner(fx.get("ADDR"), fx.get("PORT_SUBMISSION"));
    assert!(
        banner.starts_with("220 ") && banner.contains("Postfix"),
        "{banner}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let ports = format!(
        "{}/starttls,{}/tls",
        fx.get("PORT_SUBMISSION"),
        fx.get("PORT_SMTPS")
    );
    for mech in ["PLAIN", "LOGIN"] {
        let export = dir.path().join(format!("session-{mech}.txt"));
        let export_s = export.to_string_lossy().into_owned();
        let run = postfix(
            &fx,
            &ports,
            &["--user", user, "--auth", mech, "--export", &export_s],
            Some(pass),
        );
        assert_eq!(
            run.class_of(fx.get("PORT_SUBMISSION")),
            "ok",
            "{}",
            run.stdout
        );
        assert_eq!(run.class_of(fx.get("PORT_SMTPS")), "ok", "{}", run.stdout);
        let text = std::fs::read_to_string(&export).expect("export written");
        assert!(
            text.contains(&banner),
            "export lacks the real banner {banner:?}:\n{text}"
        );
        assert!(text.contains(&format!("AUTH {mech}")), "{text}");
        assert!(
            text.contains("235 2.7.0 Authentication successful"),
            "{text}"
        );
        assert_no_secret("export", &text, user, pass);
        assert_no_secret("JSON output", &run.stdout, user, pass);
        assert_no_secret("stderr", &run.stderr, user, pass);
    }
}

#[test]
fn postfix_submission_accepts_local_mail_and_never_relays_outside() {
    let Some(fx) = fixture() else { return };
    let user = fx.get("TEST_USER");
    let pass = fx.get("TEST_PASSWORD");
    let p = fx.get("PORT_SUBMISSION");
    let port = format!("{p}/starttls");
    // A whole message to a local address: queued (250), then discarded by the test server.
    let run = postfix(
        &fx,
        &port,
        &["--user", user, "--from", user, "--to", user, "--send"],
        Some(pass),
    );
    assert_eq!(run.class_of(p), "ok", "{}", run.transcript(p));
    let t = run.transcript(p);
    assert!(t.contains("354 "), "{t}");
    assert!(t.contains("250 2.0.0 Ok: queued as"), "{t}");
    // Even authenticated, an outside recipient is refused: its transport is `error`.
    let run = postfix(
        &fx,
        &port,
        &[
            "--user",
            user,
            "--from",
            user,
            "--to",
            "someone@example.net",
            "--send",
        ],
        Some(pass),
    );
    assert_eq!(
        run.class_of(p),
        "recipient_rejected",
        "{}",
        run.transcript(p)
    );
    assert!(
        run.transcript(p).contains("delivers nothing"),
        "{}",
        run.transcript(p)
    );
}

// --- verdicts on real replies (issue 11) ----------------------------------------------

#[test]
fn exim_587_mail_without_auth_is_auth_required() {
    let Some(fx) = fixture() else { return };
    let p = fx.get("EXIM_SUBMISSION");
    let resolve = fx.exim_resolve();
    let port = format!("{p}/starttls");
    let args = [
        "--resolve",
        &resolve,
        "--ca-file",
        fx.get("CA_FILE"),
        "-p",
        &port,
        "--from",
        "a@real.test",
    ];
    let run = check(fx.get("EXIM_HOST"), &args, None);
    assert_eq!(run.class_of(p), "auth_required", "{}", run.transcript(p));
    let advice = run.endpoint(p)["advice"].as_str().unwrap();
    assert!(
        !advice.contains("SendAs"),
        "not the sender advice: {advice}"
    );
}

#[test]
fn postfix_587_plain_mode_mail_is_tls_required() {
    let Some(fx) = fixture() else { return };
    let p = fx.get("PORT_SUBMISSION");
    let run = postfix(&fx, &format!("{p}/plain"), &["--from", "a@real.test"], None);
    assert_eq!(run.class_of(p), "tls_required", "{}", run.transcript(p));
    assert!(
        run.endpoint(p)["evidence"]
            .as_str()
            .unwrap()
            .contains("Must issue a STARTTLS command first")
    );
}

#[test]
fn postfix_auth_before_tls_is_ok_with_a_warning() {
    let Some(fx) = fixture() else { return };
    let p = fx.get("PORT_AUTH_BEFORE_TLS");
    let run = postfix(&fx, &format!("{p}/starttls"), &[], None);
    assert_eq!(run.class_of(p), "ok", "{}", run.transcript(p));
    let codes: Vec<&str> = run.endpoint(p)["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["auth_offered_before_tls"]);
    // The listener that offers AUTH only after TLS has no such warning.
    let q = fx.get("PORT_SUBMISSION");
    let run = postfix(&fx, &format!("{q}/starttls"), &[], None);
    assert_eq!(run.endpoint(q)["warnings"], serde_json::json!([]));
}
