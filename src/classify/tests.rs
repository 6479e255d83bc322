//! Table tests for classification.

use super::*;
use crate::model::EndpointReport;
use crate::model::{Endpoint, EndpointId, Mode};

fn reply(code: u16, enhanced: Option<&'static str>, text: &'static str) -> ReplyFacts<'static> {
    ReplyFacts {
        code,
        enhanced,
        text,
        evidence: text,
    }
}

#[test]
fn observations_map_to_codes() {
    use Observation as O;
    let expired = TlsInfo {
        problem: Some(CertProblem::Expired),
        error: Some("certificate expired".into()),
        checked_name: "mail.test".into(),
        ..TlsInfo::default()
    };
    let mismatch = TlsInfo {
        problem: Some(CertProblem::HostnameMismatch),
        ..expired.clone()
    };
    let selfsigned = TlsInfo {
        problem: Some(CertProblem::SelfSigned),
        ..expired.clone()
    };
    let unknown = TlsInfo {
        problem: Some(CertProblem::UnknownIssuer),
        ..expired.clone()
    };
    let future = TlsInfo {
        problem: Some(CertProblem::NotYetValid),
        ..expired.clone()
    };
    let ok_tls = TlsInfo {
        verified: true,
        version: "TLSv1.3".into(),
        ..TlsInfo::default()
    };
    let table: Vec<(O<'_>, Class)> = vec![
        (
            O::Completed {
                last: Phase::Auth,
                tls: Some(&ok_tls),
                note: None,
            },
            Class::Ok,
        ),
        (O::ConnectTimeout { secs: 10.0 }, Class::Timeout),
        (
            O::ConnectFailed {
                kind: ErrorKind::ConnectionRefused,
                error: "refused",
            },
            Class::Refused,
        ),
        (
            O::ConnectFailed {
                kind: ErrorKind::NetworkUnreachable,
                error: "x",
            },
            Class::NetworkUnreachable,
        ),
        (
            O::ConnectFailed {
                kind: ErrorKind::Other,
                error: "No route to host",
            },
            Class::NetworkUnreachable,
        ),
        (
            O::Closed {
                phase: Phase::Ehlo,
                error: "reset",
            },
            Class::ConnectionReset,
        ),
        (
            O::NoReply {
                phase: Phase::Banner,
                secs: 5.0,
            },
            Class::BannerTimeout,
        ),
        (
            O::NoReply {
                phase: Phase::Ehlo,
                secs: 5.0,
            },
            Class::Timeout,
        ),
        (
            O::Protocol {
                phase: Phase::Banner,
                detail: "line too long",
            },
            Class::ProtocolViolation,
        ),
        (
            O::Greeting(reply(
                554,
                Some("5.7.1"),
                "554 5.7.1 blocked using zen.spamhaus.org",
            )),
            Class::ServiceUnavailable,
        ),
        (
            O::Greeting(reply(421, Some("4.7.0"), "421 4.7.0 Too many connections")),
            Class::RateLimited,
        ),
        (
            O::StarttlsNotOffered {
                masked: None,
                ehlo: "250-PIPELINING",
            },
            Class::StarttlsNotOffered,
        ),
        (
            O::StarttlsNotOffered {
                masked: Some("XXXXXXXA"),
                ehlo: "",
            },
            Class::StarttlsStripped,
        ),
        (
            O::StarttlsRejected(reply(454, Some("4.7.0"), "454 4.7.0 TLS not available")),
            Class::StarttlsRejected,
        ),
        (
            O::PlaintextOnTlsPort {
                first_line: "220 mail.test ESMTP",
            },
            Class::StarttlsExpected,
        ),
        (
            O::TlsOnPlainPort { version: "TLSv1.3" },
            Class::ImplicitTlsExpected,
        ),
        (
            O::TlsFailed {
                error: "protocol_version",
                version_mismatch: true,
            },
            Class::TlsHandshakeFailed,
        ),
        (O::CertRejected(&expired), Class::CertExpired),
        (O::CertRejected(&future), Class::CertNotYetValid),
        (O::CertRejected(&mismatch), Class::CertHostnameMismatch),
        (O::CertRejected(&selfsigned), Class::CertSelfSigned),
        (O::CertRejected(&unknown), Class::CertUntrusted),
        (
            O::AuthNotOffered {
                in_tls: true,
                offered: "none",
            },
            Class::AuthNotOffered,
        ),
        (
            O::AuthNeedsTls {
                detail: "AUTH not offered before STARTTLS",
            },
            Class::AuthRequiresTls,
        ),
        (
            O::Rejected {
                phase: Phase::Auth,
                reply: reply(
                    535,
                    Some("5.7.8"),
                    "535 5.7.8 Authentication credentials invalid",
                ),
            },
            Class::AuthFailed,
        ),
        (
            O::Rejected {
                phase: Phase::Auth,
                reply: reply(
                    534,
                    Some("5.7.9"),
                    "534-5.7.9 Application-specific password required.",
                ),
            },
            Class::AuthAppPasswordRequired,
        ),
        (
            O::Rejected {
                phase: Phase::Auth,
                reply: reply(
                    535,
                    Some("5.7.139"),
                    "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
                ),
            },
            Class::AuthDisabledByPolicy,
        ),
        (
            O::Rejected {
                phase: Phase::Auth,
                reply: reply(
                    530,
                    Some("5.7.0"),
                    "530 5.7.0 Must issue a STARTTLS command first",
                ),
            },
            Class::AuthRequiresTls,
        ),
        (
            O::Rejected {
                phase: Phase::Auth,
                reply: reply(
                    504,
                    Some("5.5.4"),
                    "504 5.5.4 Unrecognized authentication type",
                ),
            },
            Class::AuthNotOffered,
        ),
        (
            O::Rejected {
                phase: Phase::Rcpt,
                reply: reply(
                    554,
                    Some("5.7.1"),
                    "554 5.7.1 <x@example.org>: Relay access denied",
                ),
            },
            Class::RelayDenied,
        ),
        (
            O::Rejected {
                phase: Phase::Rcpt,
                reply: reply(
                    550,
                    Some("5.1.1"),
                    "550 5.1.1 <nobody@lab.test>: Recipient address rejected: User unknown",
                ),
            },
            Class::RecipientRejected,
        ),
        (
            O::Rejected {
                phase: Phase::Rcpt,
                reply: reply(
                    450,
                    Some("4.2.0"),
                    "450 4.2.0 <a@b>: Recipient address rejected: Greylisted, see https://postgrey",
                ),
            },
            Class::Greylisted,
        ),
        (
            O::Rejected {
                phase: Phase::Mail,
                reply: reply(
                    550,
                    Some("5.7.1"),
                    "550 5.7.1 Sender address rejected: not owned by user",
                ),
            },
            Class::SenderRejected,
        ),
        (
            O::Rejected {
                phase: Phase::Mail,
                reply: reply(451, Some("4.7.1"), "451 4.7.1 Please try again later"),
            },
            Class::Greylisted,
        ),
        (
            O::Rejected {
                phase: Phase::Data,
                reply: reply(
                    421,
                    Some("4.7.0"),
                    "421 4.7.0 Rate limit exceeded, try again later",
                ),
            },
            Class::RateLimited,
        ),
        (
            O::Rejected {
                phase: Phase::Auth,
                reply: reply(454, Some("4.7.0"), "454 4.7.0 Too many login attempts"),
            },
            Class::RateLimited,
        ),
    ];
    for (obs, want) in &table {
        let got = classify(obs);
        assert_eq!(got.class, *want, "{obs:?} → {got:?}");
        assert!(
            !got.summary.is_empty() && !got.evidence.is_empty() && !got.advice.is_empty(),
            "{got:?}"
        );
    }
}

fn report(addr: &str, port: u16, class: Class, banner: bool) -> EndpointReport {
    EndpointReport {
        endpoint: Endpoint {
            id: EndpointId(0),
            host: "h".into(),
            address: addr.parse().unwrap(),
            port,
            mode: Mode::default_for_port(port),
        },
        verdict: Verdict {
            class,
            summary: String::new(),
            evidence: String::new(),
            advice: String::new(),
        },
        timings: vec![],
        local_addr: None,
        banner: banner.then(|| "220 hi".to_string()),
        ehlo: vec![],
        capabilities: vec![],
        auth_mechanisms: vec![],
        auth_mech: None,
        tls: None,
        transcript: vec![],
    }
}

#[test]
fn matrix_inferences() {
    let blocked = vec![
        report("192.0.2.1", 25, Class::Timeout, false),
        report("192.0.2.1", 587, Class::Ok, true),
        report("192.0.2.1", 465, Class::Ok, true),
    ];
    let codes: Vec<String> = infer(&blocked).into_iter().map(|f| f.code).collect();
    assert_eq!(codes, vec!["port25_blocked"]);

    let all_down = vec![
        report("192.0.2.1", 25, Class::Timeout, false),
        report("192.0.2.1", 587, Class::Timeout, false),
    ];
    assert!(
        infer(&all_down).is_empty(),
        "no inference when nothing answers"
    );

    let v6 = vec![
        report("192.0.2.1", 587, Class::Ok, true),
        report("2001:db8::1", 587, Class::NetworkUnreachable, false),
    ];
    let codes: Vec<String> = infer(&v6).into_iter().map(|f| f.code).collect();
    assert_eq!(codes, vec!["ipv6_broken"]);

    let v4 = vec![
        report("192.0.2.1", 587, Class::Timeout, false),
        report("2001:db8::1", 587, Class::Ok, true),
    ];
    let codes: Vec<String> = infer(&v4).into_iter().map(|f| f.code).collect();
    assert_eq!(codes, vec!["ipv4_broken"]);
}
