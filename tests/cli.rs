//! End-to-end tests of the built binary: `smtptui check` against lab servers on loopback,
//! asserting the JSON document, the export file and the exit codes.

mod support;

use smtptui_lab::{CertKind, Script};
use support::binary::{lab_target, run};
use support::*;

/// `smtptui check ARGS`.
async fn check(args: &[String], password: Option<&str>) -> binary::Output {
    let mut all = vec!["check".to_string()];
    all.extend_from_slice(args);
    run(&all, password).await
}

/// The keys of the JSON document (schema 1) for the one endpoint of a run that worked.
fn assert_json_schema(doc: &serde_json::Value, port: u16) {
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["target"], HOST);
    let ep = &doc["endpoints"][0];
    for key in [
        "address",
        "port",
        "mode",
        "class",
        "summary",
        "evidence",
        "advice",
        "timings_ms",
        "banner",
        "ehlo",
        "capabilities",
        "auth_mechanisms",
        "tls",
        "transcript",
    ] {
        assert!(ep.get(key).is_some(), "missing {key}");
    }
    assert_eq!(ep["class"], "ok");
    assert_eq!(ep["port"], port);
    assert!(ep["tls"]["version"].as_str().unwrap().starts_with("TLSv1."));
    assert!(!ep["tls"]["cipher"].as_str().unwrap().is_empty());
    let leaf = &ep["tls"]["chain"][0];
    for key in [
        "subject",
        "issuer",
        "sans",
        "not_before",
        "not_after",
        "days_left",
        "key",
        "signature",
        "serial",
        "sha256",
        "self_signed",
    ] {
        assert!(leaf.get(key).is_some(), "chain entry missing {key}");
    }
    let t0 = &ep["transcript"][0];
    assert!(t0.get("t_ms").is_some() && t0.get("dir").is_some() && t0.get("text").is_some());
}

/// The export file and the debug log hold the session, AUTH redacted, no secret.
fn assert_export_and_log(export: &std::path::Path, log: &std::path::Path) {
    let exported = std::fs::read_to_string(export).expect("export written");
    assert!(
        exported.contains("<- 220") || exported.contains("<-  220") || exported.contains("220 "),
        "{exported}"
    );
    assert!(exported.contains("~>  AUTH PLAIN <redacted"), "{exported}");
    assert_no_secret("export", &exported, USER, PASSWORD);
    let logged = std::fs::read_to_string(log).expect("log written");
    assert!(
        logged.contains("AUTH PLAIN <redacted>"),
        "the log holds the session:\n{logged}"
    );
    assert_no_secret("log", &logged, USER, PASSWORD);
}

#[tokio::test]
async fn json_ok_then_auth_failed_and_exit_codes() {
    let pki = TestPki::new();
    let srv = start(pki.starttls()).await;
    let target = lab_target(&pki, &format!("{}/starttls", srv.port()));
    let export = pki.dir.path().join("run.txt");
    let log = pki.dir.path().join("debug.log");
    let mut args = target.clone();
    args.extend(["--no-system-roots", "--user", USER, "--format", "json"].map(String::from));
    args.extend(["--timeout", "3", "--export"].map(String::from));
    args.push(export.to_string_lossy().into_owned());
    args.push("--log".into());
    args.push(log.to_string_lossy().into_owned());
    let out = check(&args, Some(PASSWORD)).await;
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert_json_schema(&out.json(), srv.port());
    assert_no_secret("stdout", &out.stdout, USER, PASSWORD);
    assert_no_secret("stderr", &out.stderr, USER, PASSWORD);
    assert_export_and_log(&export, &log);
    // The export is never overwritten.
    let again = check(&args, Some(PASSWORD)).await;
    assert_eq!(again.code, 0);
    assert!(again.stderr.contains("exists"), "{}", again.stderr);

    // Wrong password: exit 1, auth_failed.
    let mut args_bad = target;
    args_bad.extend(["--user", USER, "--format", "json", "--timeout", "3"].map(String::from));
    let out = check(&args_bad, Some("not-the-password")).await;
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(out.json()["endpoints"][0]["class"], "auth_failed");
    assert!(!out.stdout.contains("not-the-password"));
}

#[tokio::test]
async fn text_output_streams_and_summarises() {
    let pki = TestPki::new();
    let srv = start(Script::starttls(pki.leaf(CertKind::Expired))).await;
    let mut args = lab_target(&pki, &srv.port().to_string());
    args.extend(["--timeout", "3"].map(String::from));
    let binary::Output { code, stdout, .. } = check(&args, None).await;
    assert_eq!(code, 1);
    // The default EHLO name: the machine's FQDN, else the local address literal.
    let ehlo = smtptui::settings::ehlo_name_for(
        &smtptui::settings::default_ehlo_name(),
        Some("127.0.0.1:1".parse().unwrap()),
    );
    assert!(
        stdout.contains("->  [127.0.0.1:") && stdout.contains(&format!("] EHLO {ehlo}")),
        "{stdout}"
    );
    assert!(stdout.contains("cert_expired"), "{stdout}");
    assert!(stdout.contains("advice:"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "NO_COLOR must disable colours");
}

#[tokio::test]
async fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad_ca = dir.path().join("bad.pem");
    std::fs::write(&bad_ca, "not a certificate").unwrap();
    let bad_ca = bad_ca.to_string_lossy().into_owned();
    let out = run(
        &["check", "127.0.0.1", "-p", "9", "--ca-file", &bad_ca],
        None,
    )
    .await;
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no PEM CERTIFICATE"));
    for args in [
        &["check"][..],
        &["check", "h", "-p", "99999"],
        &["check", "h", "--password", "x"],
        &["check", "h", "--user", "u"],
        &["check", "h", "--resolve", "h:nope"],
        &["--no-such-flag"],
        &[],
        &["--demo"],
    ] {
        let out = tokio::process::Command::from(binary::command(None))
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()
            .await
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[tokio::test]
async fn help_completions_and_man() {
    let help = run(&["check", "--help"], None).await.stdout;
    assert!(
        help.contains("Examples:") && help.contains("--format"),
        "{help}"
    );
    let out = run(&["--version"], None).await;
    assert!(out.stdout.contains(env!("CARGO_PKG_VERSION")));
    let out = run(&["completions", "bash"], None).await;
    assert!(out.code == 0 && out.stdout.contains("smtptui"));
    let out = run(&["man"], None).await;
    assert!(out.code == 0 && out.stdout.contains(".TH"));
}

/// `check` with the system trust store pointed at `system_pem` (rustls-native-certs
/// reads `SSL_CERT_FILE` and `SSL_CERT_DIR` instead of the OS locations when set); returns
/// the endpoint's class and whether its certificate verified.
async fn with_system_store(
    system_pem: &std::path::Path,
    port: u16,
    extra: &[&str],
) -> (String, bool) {
    let empty = tempfile::tempdir().unwrap();
    let resolve = format!("{HOST}:127.0.0.1");
    let port = format!("{port}/starttls");
    let mut c = tokio::process::Command::from(binary::command(None));
    c.args(["check", HOST, "--resolve", &resolve, "-p", &port])
        .args(["--timeout", "3", "--format", "json"])
        .args(extra)
        .env("SSL_CERT_FILE", system_pem)
        .env("SSL_CERT_DIR", empty.path());
    let out = c.output().await.unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let ep = &doc["endpoints"][0];
    (
        ep["class"].as_str().unwrap_or_default().to_string(),
        ep["tls"]["verified"].as_bool().unwrap_or(false),
    )
}

/// A CA that only the system store holds is trusted, though the system store is read
/// only when a chain does not verify without it; the verdict is the one of all anchors
/// together (a wrong name under that CA is a name mismatch, not an unknown issuer).
#[tokio::test]
async fn a_ca_only_in_the_system_store_is_trusted() {
    let pki = TestPki::new();
    let good = start(Script::starttls(pki.leaf(CertKind::Valid))).await;
    let wrong = start(Script::starttls(
        pki.leaf_for("other.lab.test", CertKind::Valid),
    ))
    .await;
    let no_ca = pki.dir.path().join("empty.pem");
    std::fs::write(&no_ca, "").unwrap();
    let (ca, none) = (pki.ca_file.as_path(), no_ca.as_path());
    let cases = [
        (ca, good.port(), &[][..], "ok", true),
        (ca, wrong.port(), &[][..], "cert_hostname_mismatch", false),
        (
            ca,
            good.port(),
            &["--no-system-roots"][..],
            "cert_untrusted",
            false,
        ),
        (
            ca,
            wrong.port(),
            &["--no-system-roots"][..],
            "cert_untrusted",
            false,
        ),
        // Control: the system store is what trusted it.
        (none, good.port(), &[][..], "cert_untrusted", false),
    ];
    for (store, port, extra, class, verified) in cases {
        let got = with_system_store(store, port, extra).await;
        assert_eq!(
            got,
            (class.to_string(), verified),
            "system store {}, port {port}, {extra:?}",
            store.display()
        );
    }
}

/// A reader that stops early (`smtptui man | head`) is no error: exit 0, nothing on
/// stderr. The pipe is closed before the binary writes, so its write fails with EPIPE.
#[test]
fn pages_to_a_closed_pipe_are_no_error() {
    for args in [&["man"][..], &["presets"][..]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_smtptui"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}
