//! AUTH exchanges against a scripted peer that checks the wire bytes.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::*;
use crate::model::transcript::RunClock;
use crate::model::{EndpointId, ProbeEvent, RunId};
use crate::smtp::record::Recorder;
use crate::smtp::reply::Limits;

/// One step of the peer: the line it expects from the client (None: none), then what
/// it answers.
type Step = (Option<String>, String);

fn step(expect: &str, answer: &str) -> Step {
    (Some(expect.to_string()), answer.to_string())
}

fn spawn_peer(server: DuplexStream, steps: Vec<Step>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut server = BufReader::new(server);
        for (expect, answer) in steps {
            if let Some(expect) = expect {
                let mut line = String::new();
                server.read_line(&mut line).await.unwrap();
                assert_eq!(line, format!("{expect}\r\n"), "client sent the wrong bytes");
            }
            server.get_mut().write_all(answer.as_bytes()).await.unwrap();
        }
    })
}

struct Harness {
    session: Session<DuplexStream>,
    peer: JoinHandle<()>,
    rx: mpsc::Receiver<ProbeEvent>,
}

fn harness(steps: Vec<Step>) -> Harness {
    let (client, server) = tokio::io::duplex(64 * 1024);
    let (tx, rx) = mpsc::channel(256);
    let rec = Recorder::new(RunClock::start(), RunId(1), EndpointId(0), Some(tx));
    Harness {
        session: Session::new(client, false, rec, Limits::default()),
        peer: spawn_peer(server, steps),
        rx,
    }
}

fn transcript(s: &mut Session<DuplexStream>) -> Vec<String> {
    s.recorder()
        .entries()
        .iter()
        .map(|e| format!("{} {}", e.dir.marker(), e.text))
        .collect()
}

#[test]
fn choose_mech_prefers_plain_then_login_then_cram() {
    let v = |l: &[&str]| l.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
    assert_eq!(
        choose_mech(&v(&["LOGIN", "PLAIN", "CRAM-MD5"])),
        Some(AuthMech::Plain)
    );
    assert_eq!(
        choose_mech(&v(&["CRAM-MD5", "login"])),
        Some(AuthMech::Login)
    );
    assert_eq!(
        choose_mech(&v(&["XOAUTH2", "CRAM-MD5"])),
        Some(AuthMech::CramMd5)
    );
    assert_eq!(choose_mech(&v(&["XOAUTH2", "OAUTHBEARER"])), None);
    assert_eq!(choose_mech(&[]), None);
}

#[test]
fn cram_md5_matches_rfc_2195() {
    let digest = cram_md5_digest(
        b"tanstaaftanstaaf",
        b"<1896.697170952@postoffice.reston.mci.net>",
    );
    assert_eq!(digest, "b913a602c7eda7a495b4e6e7334d3890");
}

#[test]
fn xoauth2_error_decoding() {
    let b64 = "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==";
    assert_eq!(
        decode_xoauth2_error(b64).as_deref(),
        Some(r#"{"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}"#)
    );
    assert_eq!(decode_xoauth2_error(" e30 ").as_deref(), Some("{}"));
    assert_eq!(decode_xoauth2_error("G1s=").as_deref(), Some("\\x1b["));
    assert_eq!(decode_xoauth2_error("not base64!"), None);
    assert_eq!(decode_xoauth2_error(""), None);
}

#[tokio::test]
async fn plain_exchange() {
    let mut h = harness(vec![step(
        "AUTH PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=",
        "235 2.7.0 Authentication successful\r\n",
    )]);
    let r = authenticate(
        &mut h.session,
        AuthMech::Plain,
        "alice",
        &Secret::new("wonderland"),
    )
    .await
    .unwrap();
    assert_eq!(r.code, 235);
    h.peer.await.unwrap();
    assert_eq!(
        transcript(&mut h.session),
        [
            "-> AUTH PLAIN <redacted>",
            "<- 235 2.7.0 Authentication successful"
        ]
    );
}

#[tokio::test]
async fn login_exchange() {
    let mut h = harness(vec![
        step("AUTH LOGIN", "334 VXNlcm5hbWU6\r\n"),
        step("YWxpY2U=", "334 UGFzc3dvcmQ6\r\n"),
        step("d29uZGVybGFuZA==", "235 2.7.0 Accepted\r\n"),
    ]);
    let r = authenticate(
        &mut h.session,
        AuthMech::Login,
        "alice",
        &Secret::new("wonderland"),
    )
    .await
    .unwrap();
    assert_eq!(r.code, 235);
    h.peer.await.unwrap();
    assert_eq!(
        transcript(&mut h.session),
        [
            "-> AUTH LOGIN",
            "<- 334 VXNlcm5hbWU6",
            "=== server asks: Username:",
            "-> YWxpY2U=",
            "<- 334 UGFzc3dvcmQ6",
            "=== server asks: Password:",
            "-> <redacted>",
            "<- 235 2.7.0 Accepted",
        ]
    );
}

#[tokio::test]
async fn login_refused_at_first_step() {
    let mut h = harness(vec![step(
        "AUTH LOGIN",
        "504 5.5.4 Unrecognized authentication type\r\n",
    )]);
    let r = authenticate(&mut h.session, AuthMech::Login, "alice", &Secret::new("pw"))
        .await
        .unwrap();
    assert_eq!(r.code, 504);
    h.peer.await.unwrap();
}

#[tokio::test]
async fn cram_md5_exchange() {
    // RFC 2195's example.
    let mut h = harness(vec![
        step(
            "AUTH CRAM-MD5",
            "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n",
        ),
        step(
            "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw",
            "235 2.7.0 ok\r\n",
        ),
    ]);
    let r = authenticate(
        &mut h.session,
        AuthMech::CramMd5,
        "tim",
        &Secret::new("tanstaaftanstaaf"),
    )
    .await
    .unwrap();
    assert_eq!(r.code, 235);
    h.peer.await.unwrap();
    let t = transcript(&mut h.session);
    assert_eq!(
        t[2],
        "=== server challenge: <1896.697170952@postoffice.reston.mci.net>"
    );
    assert_eq!(t[3], "-> <redacted>");
}

#[tokio::test]
async fn cram_md5_bad_challenge_cancels() {
    let mut h = harness(vec![
        step("AUTH CRAM-MD5", "334 !!!notbase64\r\n"),
        step("*", "501 5.7.0 cancelled\r\n"),
    ]);
    let r = authenticate(&mut h.session, AuthMech::CramMd5, "tim", &Secret::new("pw"))
        .await
        .unwrap();
    assert_eq!(r.code, 501);
    h.peer.await.unwrap();
    assert!(
        transcript(&mut h.session)
            .iter()
            .any(|l| l.starts_with("*** the CRAM-MD5 challenge"))
    );
}

#[tokio::test]
async fn xoauth2_success_and_google_error_flow() {
    let token = "ya29.a0AfH6SMBtoken";
    let blob = STANDARD.encode(format!(
        "user=bob@example.com\x01auth=Bearer {token}\x01\x01"
    ));
    let mut h = harness(vec![step(
        &format!("AUTH XOAUTH2 {blob}"),
        "235 2.7.0 Accepted\r\n",
    )]);
    let r = authenticate(
        &mut h.session,
        AuthMech::XOAuth2,
        "bob@example.com",
        &Secret::new(token),
    )
    .await
    .unwrap();
    assert_eq!(r.code, 235);
    h.peer.await.unwrap();
    assert_eq!(transcript(&mut h.session)[0], "-> AUTH XOAUTH2 <redacted>");

    let err = "eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==";
    let mut h = harness(vec![
        step(&format!("AUTH XOAUTH2 {blob}"), &format!("334 {err}\r\n")),
        step(
            "",
            "535-5.7.8 Username and Password not accepted.\r\n535 5.7.8 https://support.google.com/mail/?p=BadCredentials\r\n",
        ),
    ]);
    let r = authenticate(
        &mut h.session,
        AuthMech::XOAuth2,
        "bob@example.com",
        &Secret::new(token),
    )
    .await
    .unwrap();
    assert_eq!(r.code, 535);
    assert_eq!(r.enhanced.map(|e| e.to_string()).as_deref(), Some("5.7.8"));
    h.peer.await.unwrap();
    let t = transcript(&mut h.session);
    assert!(t.contains(&r#"=== server says: {"status":"401","schemes":"Bearer","scope":"https://mail.google.com/"}"#.to_string()), "{t:?}");
    assert!(t.contains(&"-> ".to_string()), "{t:?}");
}

#[tokio::test]
async fn unexpected_334_after_plain_is_cancelled() {
    let blob = plain_blob("u", &Secret::new("p4ss"));
    let mut h = harness(vec![
        step(&format!("AUTH PLAIN {blob}"), "334 \r\n"),
        step("*", "501 5.7.0 Authentication aborted\r\n"),
    ]);
    let r = authenticate(&mut h.session, AuthMech::Plain, "u", &Secret::new("p4ss"))
        .await
        .unwrap();
    assert_eq!(r.code, 501);
    h.peer.await.unwrap();
}

/// The server echoes the credentials (raw, base64, the PLAIN blob, inside another
/// base64 blob at an odd offset) in its 535: nothing recorded, emitted or returned may
/// contain them.
#[tokio::test]
async fn echoed_credentials_never_leak() {
    let user = "carol@example.org";
    let password = "S3cr3t-Pa55word!";
    let secret = Secret::new(password);
    let b64_pass = STANDARD.encode(password);
    let plain = plain_blob(user, &secret);
    let odd = STANDARD.encode(format!("xx{password}yy"));
    let echo = format!(
        "535-5.7.8 you sent {password}\r\n535-5.7.8 which is {b64_pass}\r\n535-5.7.8 blob {plain}\r\n\
         535-5.7.8 odd {odd}\r\n535 5.7.8 no padding {}\r\n",
        b64_pass.trim_end_matches('=')
    );
    let mut forbidden = vec![
        password.to_string(),
        b64_pass.clone(),
        plain.clone(),
        odd.clone(),
    ];
    for mech in [
        AuthMech::Plain,
        AuthMech::Login,
        AuthMech::CramMd5,
        AuthMech::XOAuth2,
        AuthMech::OAuthBearer,
    ] {
        let steps = match mech {
            AuthMech::Plain => vec![step(&format!("AUTH PLAIN {plain}"), &echo)],
            AuthMech::Login => vec![
                step("AUTH LOGIN", "334 VXNlcm5hbWU6\r\n"),
                step(&STANDARD.encode(user), "334 UGFzc3dvcmQ6\r\n"),
                step(&b64_pass, &echo),
            ],
            AuthMech::CramMd5 => {
                let digest = cram_md5_digest(password.as_bytes(), b"<1.2@test>");
                let response = STANDARD.encode(format!("{user} {digest}"));
                forbidden.extend([digest.clone(), response.clone()]);
                let echo = format!("535-5.7.8 {digest} {response}\r\n{echo}");
                vec![
                    step(
                        "AUTH CRAM-MD5",
                        &format!("334 {}\r\n", STANDARD.encode("<1.2@test>")),
                    ),
                    step(&response, &echo),
                ]
            }
            AuthMech::XOAuth2 => {
                let blob = xoauth2_blob(user, &secret);
                forbidden.push(blob.clone());
                vec![step(
                    &format!("AUTH XOAUTH2 {blob}"),
                    &format!("535-5.7.8 {blob}\r\n{echo}"),
                )]
            }
            AuthMech::OAuthBearer => {
                let blob = super::oauthbearer_blob(user, &secret);
                forbidden.push(blob.clone());
                vec![step(
                    &format!("AUTH OAUTHBEARER {blob}"),
                    &format!("535-5.7.8 {blob}\r\n{echo}"),
                )]
            }
        };
        let mut h = harness(steps);
        let r = authenticate(&mut h.session, mech, user, &secret)
            .await
            .unwrap();
        h.peer.await.unwrap();
        assert_eq!(r.code, 535, "{mech:?}");
        assert!(r.lines.iter().any(|l| l.contains(REDACTED)), "{mech:?}");
        let mut seen: Vec<String> = h
            .session
            .recorder()
            .entries()
            .iter()
            .map(|e| e.text.clone())
            .collect();
        seen.extend(r.lines.iter().cloned());
        seen.push(r.summary());
        seen.extend(r.message_lines().into_iter().map(str::to_string));
        drop(h.session);
        while let Some(ev) = h.rx.recv().await {
            if let ProbeEvent::Line { entry, .. } = ev {
                seen.push(entry.text);
            }
        }
        for text in &seen {
            for f in &forbidden {
                assert!(
                    !text.contains(f.as_str()),
                    "{mech:?}: {text:?} contains {f:?}"
                );
            }
            // No 8-character piece of the password's base64 either.
            for w in b64_pass.trim_end_matches('=').as_bytes().windows(8) {
                let w = std::str::from_utf8(w).unwrap();
                assert!(!text.contains(w), "{mech:?}: {text:?} contains {w:?}");
            }
        }
    }
}
