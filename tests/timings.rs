//! Phase timings measured without overlap, through the real binary's JSON: behind a
//! 50 ms latency relay, `connect` is the TCP connect only (the relay answers the TCP
//! handshake at once), `tls_handshake` is its own phase, `starttls` is the command's
//! round trip, and no two phases of the timeline overlap.

mod support;

use std::time::Duration;

use smtptui_lab::relay;
use smtptui_lab::{CertKind, Script};
use support::binary::{check_json, lab_target};
use support::{TestPki, start};

const DELAY: Duration = Duration::from_millis(50);

/// `smtptui check … --format json` against the relay on `port`; it must exit 0.
async fn check_ok(pki: &TestPki, port: u16, mode: &str) -> serde_json::Value {
    let mut args = lab_target(pki, &format!("{port}/{mode}"));
    args.extend(["--no-system-roots", "--timeout", "5"].map(String::from));
    let r = check_json(&args, None).await;
    assert_eq!(r.code, 0, "{}", r.stdout);
    r.doc
}

/// `(phase, start, duration)` of the only endpoint, after checking that no phase
/// starts before the previous one ended.
fn timeline(doc: &serde_json::Value) -> Vec<(String, f64, f64)> {
    let ep = &doc["endpoints"][0];
    let phases: Vec<(String, f64, f64)> = ep["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["phase"].as_str().unwrap().to_string(),
                t["start_ms"].as_f64().unwrap(),
                t["dur_ms"].as_f64().unwrap(),
            )
        })
        .collect();
    for w in phases.windows(2) {
        let ((a, a_start, a_dur), (b, b_start, _)) = (&w[0], &w[1]);
        assert!(
            *b_start >= a_start + a_dur - 0.01,
            "{b} starts at {b_start} ms inside {a} ({a_start} + {a_dur} ms): {phases:?}"
        );
    }
    phases
}

fn ms(doc: &serde_json::Value, phase: &str) -> f64 {
    doc["endpoints"][0]["timings_ms"][phase]
        .as_f64()
        .unwrap_or_else(|| panic!("no {phase} timing: {}", doc["endpoints"][0]["timings_ms"]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_connect_is_the_tcp_connect_only() {
    let pki = TestPki::new();
    let srv = start(Script::implicit(pki.leaf(CertKind::Valid))).await;
    let relay = relay::start(srv.addr, DELAY).await.unwrap();
    let doc = check_ok(&pki, relay.port(), "tls").await;
    let phases = timeline(&doc);
    eprintln!("implicit TLS through the relay: {phases:?}");
    assert_eq!(phases[0].0, "connect", "{phases:?}");
    assert_eq!(phases[1].0, "tls_handshake", "{phases:?}");
    let (connect, handshake) = (ms(&doc, "connect"), ms(&doc, "tls_handshake"));
    // One TLS 1.3 round trip through the relay is ≥ 2 × 50 ms; the TCP connect to the
    // relay on loopback is not delayed at all.
    assert!(handshake >= 95.0, "tls_handshake {handshake} ms");
    assert!(
        connect < 40.0,
        "connect {connect} ms includes the handshake"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_is_the_commands_round_trip() {
    let pki = TestPki::new();
    let srv = start(Script::starttls(pki.leaf(CertKind::Valid))).await;
    let relay = relay::start(srv.addr, DELAY).await.unwrap();
    let doc = check_ok(&pki, relay.port(), "starttls").await;
    let phases = timeline(&doc);
    eprintln!("STARTTLS through the relay: {phases:?}");
    let names: Vec<&str> = phases.iter().map(|p| p.0.as_str()).collect();
    let at = |n: &str| names.iter().position(|p| *p == n).unwrap();
    assert!(at("starttls") + 1 == at("tls_handshake"), "{names:?}");
    let (starttls, handshake) = (ms(&doc, "starttls"), ms(&doc, "tls_handshake"));
    // STARTTLS: one round trip (≈ 100 ms), not the command plus the handshake.
    assert!((95.0..180.0).contains(&starttls), "starttls {starttls} ms");
    assert!(handshake >= 95.0, "tls_handshake {handshake} ms");
    assert!(ms(&doc, "connect") < 40.0);
}
