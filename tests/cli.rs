//! End-to-end tests of the built binary: `smtptui check` against lab servers on loopback,
//! asserting the JSON document, the export file and the exit codes.

mod support;

use smtptui_lab::{CertKind, LabServer, Script};
use support::*;
use tokio::process::Command;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_smtptui"));
    c.env_remove("SMTPTUI_PASSWORD").env("NO_COLOR", "1");
    c
}

async fn check(args: &[&str], password: Option<&str>) -> (i32, String, String) {
    let mut c = bin();
    c.arg("check").args(args);
    if let Some(p) = password {
        c.env("SMTPTUI_PASSWORD", p);
    }
    let out = c.output().await.unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn json_ok_then_auth_failed_and_exit_codes() {
    let pki = TestPki::new();
    let srv =
        LabServer::start(Script::starttls(pki.leaf(CertKind::Valid)).with_user("alice", PASSWORD))
            .await
            .unwrap();
    let port = format!("{}/starttls", srv.port());
    let resolve = format!("{HOST}:127.0.0.1");
    let ca = pki.ca_file.to_string_lossy().into_owned();
    let export = pki.dir.path().join("run.txt");
    let export_s = export.to_string_lossy().into_owned();
    let log = pki.dir.path().join("debug.log");
    let log_s = log.to_string_lossy().into_owned();
    let args = [
        HOST,
        "--resolve",
        &resolve,
        "-p",
        &port,
        "--ca-file",
        &ca,
        "--no-system-roots",
        "--user",
        "alice",
        "--format",
        "json",
        "--timeout",
        "3",
        "--export",
        &export_s,
        "--log",
        &log_s,
    ];
    let (code, stdout, stderr) = check(&args, Some(PASSWORD)).await;
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
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
    assert_eq!(ep["port"], srv.port());
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
    assert_no_secret("stdout", &stdout, "alice", PASSWORD);
    assert_no_secret("stderr", &stderr, "alice", PASSWORD);
    let exported = std::fs::read_to_string(&export).expect("export written");
    assert!(
        exported.contains("<- 220") || exported.contains("<-  220") || exported.contains("220 "),
        "{exported}"
    );
    assert!(exported.contains("~>  AUTH PLAIN <redacted"), "{exported}");
    assert_no_secret("export", &exported, "alice", PASSWORD);
    let logged = std::fs::read_to_string(&log).expect("log written");
    assert!(
        logged.contains("AUTH PLAIN <redacted>"),
        "the log holds the session:\n{logged}"
    );
    assert_no_secret("log", &logged, "alice", PASSWORD);
    // The export is never overwritten.
    let (code, _, stderr) = check(&args, Some(PASSWORD)).await;
    assert_eq!(code, 0);
    assert!(stderr.contains("exists"), "{stderr}");

    // Wrong password: exit 1, auth_failed.
    let args_bad = [
        HOST,
        "--resolve",
        &resolve,
        "-p",
        &port,
        "--ca-file",
        &ca,
        "--user",
        "alice",
        "--format",
        "json",
        "--timeout",
        "3",
    ];
    let (code, stdout, _) = check(&args_bad, Some("not-the-password")).await;
    assert_eq!(code, 1, "{stdout}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["endpoints"][0]["class"], "auth_failed");
    assert!(!stdout.contains("not-the-password"));
}

#[tokio::test]
async fn text_output_streams_and_summarises() {
    let pki = TestPki::new();
    let srv = LabServer::start(Script::starttls(pki.leaf(CertKind::Expired)))
        .await
        .unwrap();
    let port = format!("{}", srv.port());
    let resolve = format!("{HOST}:127.0.0.1");
    let ca = pki.ca_file.to_string_lossy().into_owned();
    let (code, stdout, _) = check(
        &[
            HOST,
            "--resolve",
            &resolve,
            "-p",
            &port,
            "--ca-file",
            &ca,
            "--timeout",
            "3",
        ],
        None,
    )
    .await;
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
    let out = bin()
        .args(["check", "127.0.0.1", "-p", "9", "--ca-file", &bad_ca])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no PEM CERTIFICATE"));
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
        let out = bin()
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
    let out = bin().args(["check", "--help"]).output().await.unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("Examples:") && help.contains("--format"),
        "{help}"
    );
    let out = bin().arg("--version").output().await.unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
    let out = bin().args(["completions", "bash"]).output().await.unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("smtptui"));
    let out = bin().arg("man").output().await.unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains(".TH"));
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
    let port = format!("{port}/starttls");
    let resolve = format!("{HOST}:127.0.0.1");
    let mut c = bin();
    c.args([
        "check",
        HOST,
        "--resolve",
        &resolve,
        "-p",
        &port,
        "--timeout",
        "3",
    ])
    .args(["--format", "json"])
    .args(extra)
    .env("SSL_CERT_FILE", system_pem)
    .env("SSL_CERT_DIR", empty.path());
    let out = c.output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
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
    let good = LabServer::start(Script::starttls(pki.leaf(CertKind::Valid)))
        .await
        .unwrap();
    let wrong = LabServer::start(Script::starttls(
        pki.leaf_for("other.lab.test", CertKind::Valid),
    ))
    .await
    .unwrap();
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
