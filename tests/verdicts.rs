//! End to end, as a user runs it: `smtptui check … --format json` (the built binary)
//! against lab servers on loopback, one per new class and per warning, plus the advice
//! that must fit its context and the exit status of `--fail-on-warning`.

mod support;

use smtptui_lab::{AuthOffer, Banner, CertKind, LabServer, Script, TlsMode};
use support::binary::{Report, check_json, lab_target};
use support::*;

/// Runs `smtptui check HOST -p PORT/MODE …extra --format json` against `srv` (with the
/// lab password when `extra` names a user).
async fn check(pki: &TestPki, srv: &LabServer, mode: &str, extra: &[&str]) -> Report {
    let mut args = lab_target(pki, &format!("{}/{mode}", srv.port()));
    args.extend(["--no-system-roots", "--timeout", "3"].map(String::from));
    args.extend(extra.iter().map(ToString::to_string));
    let password = extra.contains(&"--user").then_some(PASSWORD);
    check_json(&args, password).await
}

/// The usual submission server ([`TestPki::starttls`]), changed by `script`.
async fn starttls(pki: &TestPki, script: impl FnOnce(Script) -> Script) -> LabServer {
    start(script(pki.starttls())).await
}

#[tokio::test]
async fn tls_required_from_a_plaintext_mail() {
    let pki = TestPki::new();
    let srv = starttls(&pki, |s| {
        s.with_reply("MAIL", "530 5.7.0 Must issue a STARTTLS command first")
    })
    .await;
    let r = check(&pki, &srv, "plain", &["--from", "a@lab.test"]).await;
    assert_eq!(r.class(), "tls_required", "{}", r.stdout);
    assert!(r.ep()["advice"].as_str().unwrap().contains("STARTTLS"));
    assert_eq!(r.code, 1);
}

#[tokio::test]
async fn auth_required_from_mail_without_auth() {
    let pki = TestPki::new();
    let srv = starttls(&pki, |s| {
        s.with_reply("MAIL", "530 5.7.0 Authentication required")
    })
    .await;
    let r = check(&pki, &srv, "starttls", &["--from", "a@lab.test"]).await;
    assert_eq!(r.class(), "auth_required", "{}", r.stdout);
    let advice = r.ep()["advice"].as_str().unwrap();
    assert!(advice.contains("--user"), "{advice}");
    assert!(
        !advice.contains("SendAs"),
        "not the sender advice: {advice}"
    );
}

#[tokio::test]
async fn client_blocklisted_in_the_greeting() {
    let pki = TestPki::new();
    let banner = b"554 5.7.1 Service unavailable; Client host [127.0.0.1] blocked using zen.spamhaus.org\r\n";
    let srv = starttls(&pki, |s| s.with_banner(Banner::Custom(banner.to_vec()))).await;
    let r = check(&pki, &srv, "starttls", &[]).await;
    assert_eq!(r.class(), "client_blocklisted", "{}", r.stdout);
    assert!(r.ep()["advice"].as_str().unwrap().contains("blocklist"));
}

#[tokio::test]
async fn message_rejected_after_data() {
    let pki = TestPki::new();
    let srv = starttls(&pki, |s| {
        s.with_reply(".", "550 5.7.1 message content rejected")
    })
    .await;
    let args = [
        "--user",
        USER,
        "--from",
        "alice@lab.test",
        "--to",
        "bob@lab.test",
        "--send",
    ];
    let r = check(&pki, &srv, "starttls", &args).await;
    assert_eq!(r.class(), "message_rejected", "{}", r.stdout);
}

#[tokio::test]
async fn message_too_large_is_not_a_rate_limit() {
    let pki = TestPki::new();
    let srv = starttls(&pki, |s| {
        s.with_reply(".", "552 5.3.4 Message size exceeds fixed limit")
    })
    .await;
    let args = [
        "--user",
        USER,
        "--from",
        "alice@lab.test",
        "--to",
        "bob@lab.test",
        "--send",
    ];
    let r = check(&pki, &srv, "starttls", &args).await;
    assert_eq!(r.class(), "message_too_large", "{}", r.stdout);
}

#[tokio::test]
async fn helo_rejected_and_mailbox_full() {
    let pki = TestPki::new();
    let srv = starttls(&pki, |s| {
        s.with_reply(
            "RCPT",
            "504 5.5.2 <[127.0.0.1]>: Helo command rejected: need fully-qualified hostname",
        )
    })
    .await;
    let args = [
        "--user",
        USER,
        "--from",
        "alice@lab.test",
        "--to",
        "bob@lab.test",
    ];
    let r = check(&pki, &srv, "starttls", &args).await;
    assert_eq!(r.class(), "helo_rejected", "{}", r.stdout);
    assert!(r.ep()["advice"].as_str().unwrap().contains("--ehlo"));

    let srv = starttls(&pki, |s| {
        s.with_reply(
            "RCPT",
            "452 4.2.2 The email account that you tried to reach is over quota.",
        )
    })
    .await;
    let r = check(&pki, &srv, "starttls", &args).await;
    assert_eq!(r.class(), "mailbox_full", "{}", r.stdout);
}

#[tokio::test]
async fn ok_with_auth_offered_before_tls_and_fail_on_warning() {
    let pki = TestPki::new();
    let srv = starttls(&pki, |mut s| {
        s.auth_offer = AuthOffer::BeforeTls;
        s
    })
    .await;
    let r = check(&pki, &srv, "starttls", &[]).await;
    assert_eq!(r.class(), "ok", "{}", r.stdout);
    assert_eq!(
        r.warnings(),
        vec!["auth_offered_before_tls"],
        "{}",
        r.stdout
    );
    assert_eq!(r.code, 0, "warnings alone do not change the exit status");
    let r = check(&pki, &srv, "starttls", &["--fail-on-warning"]).await;
    assert_eq!(r.code, 3, "--fail-on-warning");

    // The same server with AUTH only after TLS: no warning, and 0 with the flag.
    let clean = starttls(&pki, |s| s).await;
    let r = check(&pki, &clean, "starttls", &["--fail-on-warning"]).await;
    assert!(r.warnings().is_empty(), "{}", r.stdout);
    assert_eq!(r.code, 0);
}

#[tokio::test]
async fn plaintext_credentials_warning() {
    let pki = TestPki::new();
    let mut script = Script::plain().with_user(USER, PASSWORD);
    script.tls = TlsMode::Plain;
    let srv = start(script).await;
    let args = ["--user", USER, "--allow-plaintext-auth"];
    let r = check(&pki, &srv, "plain", &args).await;
    assert_eq!(r.class(), "ok", "{}", r.stdout);
    let w = r.warnings();
    assert!(w.contains(&"plaintext_credentials".to_string()), "{w:?}");
    assert!(w.contains(&"auth_offered_before_tls".to_string()), "{w:?}");
    assert!(!r.stdout.contains(PASSWORD));
}

#[tokio::test]
async fn cert_expires_soon_says_the_days() {
    let pki = TestPki::new();
    let srv = start(Script::starttls(pki.leaf(CertKind::ExpiresSoon))).await;
    let r = check(&pki, &srv, "starttls", &[]).await;
    assert_eq!(r.class(), "ok", "{}", r.stdout);
    assert_eq!(r.warnings(), vec!["cert_expires_soon"]);
    let summary = r.ep()["warnings"][0]["summary"].as_str().unwrap();
    assert!(
        summary.contains("9 day") || summary.contains("10 day"),
        "{summary}"
    );
    // The reports to hand over carry the warning too: text and HTML.
    let dir = tempfile::tempdir().unwrap();
    for name in ["report.txt", "report.html"] {
        let file = dir.path().join(name);
        let f = file.to_string_lossy().into_owned();
        let r = check(&pki, &srv, "starttls", &["--export", &f]).await;
        assert_eq!(r.class(), "ok", "{}", r.stdout);
        let body = std::fs::read_to_string(&file).unwrap();
        assert!(body.contains("cert_expires_soon"), "{name}: {body}");
        assert!(body.contains(&summary[..20]), "{name} lacks the summary");
    }
}

#[tokio::test]
async fn relay_test_finds_an_open_relay_and_never_sends_data() {
    let pki = TestPki::new();
    let srv = starttls(&pki, |mut s| {
        s.local_domains.push("example.net".into());
        s
    })
    .await;
    let r = check(&pki, &srv, "starttls", &["--relay-test"]).await;
    assert_eq!(r.class(), "ok", "{}", r.stdout);
    assert_eq!(r.warnings(), vec!["open_relay"], "{}", r.stdout);
    assert!(r.ep()["summary"].as_str().unwrap().contains("RELAYS"));
    let sent: Vec<String> = srv.commands();
    assert!(
        sent.iter()
            .any(|l| l.starts_with("RCPT TO:<relay-test@example.net>")),
        "{sent:?}"
    );
    assert!(sent.iter().any(|l| l == "RSET"), "{sent:?}");
    assert!(
        !sent.iter().any(|l| l.starts_with("DATA")),
        "never DATA: {sent:?}"
    );

    // A server that refuses: no warning, and the verdict says so.
    let closed = starttls(&pki, |s| s).await;
    let r = check(&pki, &closed, "starttls", &["--relay-test"]).await;
    assert!(r.warnings().is_empty(), "{}", r.stdout);
    assert!(
        r.ep()["summary"]
            .as_str()
            .unwrap()
            .contains("does not relay"),
        "{}",
        r.stdout
    );
}

#[tokio::test]
async fn provider_recognised_without_preset() {
    let pki = TestPki::new();
    let srv = starttls(&pki, |s| {
        s.with_banner(Banner::Custom(
            b"220 smtp.gmail.com ESMTP m185sm1106113ywf.52 - gsmtp\r\n".to_vec(),
        ))
        .with_reply(
            "MAIL",
            "530-5.5.1 Authentication Required. Learn more at\r\n530 5.5.1 https://support.google.com/mail/?p=WantAuthError m185sm1106113ywf.52 - gsmtp",
        )
    })
    .await;
    let r = check(&pki, &srv, "starttls", &["--from", "a@lab.test"]).await;
    assert_eq!(r.ep()["provider"]["id"], "gmail", "{}", r.stdout);
    assert_eq!(r.class(), "auth_required");
    let advice = r.ep()["advice"].as_str().unwrap();
    assert!(advice.contains("app password"), "Gmail's advice: {advice}");

    // Gmail's own row advises on a refused login; its preset hint is not repeated.
    let srv = starttls(&pki, |s| {
        s.with_banner(Banner::Custom(
            b"220 smtp.gmail.com ESMTP m185sm1106113ywf.52 - gsmtp\r\n".to_vec(),
        ))
        .with_user(USER, "another-password")
    })
    .await;
    let r = check(&pki, &srv, "starttls", &["--user", USER]).await;
    assert_eq!(r.class(), "auth_failed", "{}", r.stdout);
    let advice = r.ep()["advice"].as_str().unwrap();
    assert!(advice.starts_with("Gmail refuses"), "{advice}");
    assert!(
        !advice.contains("Workspace admins"),
        "hint repeated: {advice}"
    );
}

#[tokio::test]
async fn a_dribbled_greeting_is_quoted_as_evidence() {
    let pki = TestPki::new();
    let srv = starttls(&pki, |s| s.with_banner(Banner::Slow { bytes_per_sec: 4 })).await;
    let r = check(&pki, &srv, "starttls", &["--banner-timeout", "1"]).await;
    assert_eq!(r.class(), "banner_timeout", "{}", r.stdout);
    let evidence = r.ep()["evidence"].as_str().unwrap();
    assert!(evidence.starts_with("partial greeting `22"), "{evidence}");
    assert!(!evidence.contains("sent nothing"), "{evidence}");
}
