//! Table tests for classification.

use super::*;
use crate::model::{CertProblem, EndpointReport};
use crate::model::{Endpoint, EndpointId, Mode};

fn reply(code: u16, enhanced: Option<&'static str>, text: &'static str) -> ReplyFacts<'static> {
    ReplyFacts {
        code,
        enhanced,
        text,
        evidence: text,
        command: Command::Ehlo,
        ctx: ReplyContext::default(),
    }
}

/// The observation with each reply's command set from where it was read.
fn with_commands<'a>(obs: &Observation<'a>) -> Observation<'a> {
    let cmd = |phase| match phase {
        Phase::Auth => Command::Auth,
        Phase::Mail => Command::Mail,
        Phase::Rcpt => Command::Rcpt,
        Phase::Data => Command::Data,
        Phase::Starttls => Command::Starttls,
        Phase::Banner => Command::Banner,
        _ => Command::Ehlo,
    };
    match obs {
        Observation::Rejected { phase, reply } => Observation::Rejected {
            phase: *phase,
            reply: ReplyFacts {
                command: cmd(*phase),
                ..*reply
            },
        },
        Observation::Greeting(r) => Observation::Greeting(ReplyFacts {
            command: Command::Banner,
            ..*r
        }),
        Observation::StarttlsRejected(r) => Observation::StarttlsRejected(ReplyFacts {
            command: Command::Starttls,
            ..*r
        }),
        other => other.clone(),
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
        (
            O::ConnectTimeout {
                secs: 10.0,
                port: 25,
            },
            Class::Timeout,
        ),
        (
            O::ConnectFailed {
                kind: ErrorKind::ConnectionRefused,
                error: "refused",
                ipv4: true,
            },
            Class::Refused,
        ),
        (
            O::ConnectFailed {
                kind: ErrorKind::NetworkUnreachable,
                error: "x",
                ipv4: false,
            },
            Class::NetworkUnreachable,
        ),
        (
            O::ConnectFailed {
                kind: ErrorKind::Other,
                error: "No route to host",
                ipv4: true,
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
            Class::ClientBlocklisted,
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
                by_client: false,
                starttls_offered: true,
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
            Class::TlsRequired,
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
        let got = classify(&with_commands(obs));
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
        provider: None,
        warnings: Vec::new(),
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
    // Nothing answers on any port: one finding for the host, not "all clear".
    let found = infer(&all_down);
    let codes: Vec<&str> = found.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, vec!["all_ports_failed"]);
    assert!(
        found[0].summary.contains("timed out"),
        "{}",
        found[0].summary
    );
    let refused = vec![
        report("192.0.2.1", 25, Class::Refused, false),
        report("192.0.2.1", 587, Class::Refused, false),
    ];
    assert!(infer(&refused)[0].summary.contains("refuses"));
    let mixed = vec![
        report("192.0.2.1", 25, Class::Refused, false),
        report("192.0.2.1", 465, Class::BannerTimeout, false),
    ];
    let f = &infer(&mixed)[0];
    assert_eq!(f.code, "all_ports_failed");
    assert!(
        f.evidence.contains("banner_timeout, refused"),
        "{}",
        f.evidence
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

#[test]
fn advice_fits_the_context() {
    use Observation as O;
    // A 587 timeout never advises 587.
    let v = classify(&O::ConnectTimeout {
        secs: 10.0,
        port: 587,
    });
    assert!(!v.advice.contains("587 (STARTTLS)"), "{}", v.advice);
    assert!(v.advice.contains("Try 465"), "{}", v.advice);
    let v = classify(&O::ConnectTimeout {
        secs: 10.0,
        port: 465,
    });
    assert!(
        !v.advice.contains("465 (TLS)") && v.advice.contains("587"),
        "{}",
        v.advice
    );
    let v = classify(&O::ConnectTimeout {
        secs: 10.0,
        port: 25,
    });
    assert!(
        v.advice.contains("587") && v.advice.contains("465"),
        "{}",
        v.advice
    );
    // -4 is no advice for an IPv4 address that a router rejected.
    let v4 = classify(&O::ConnectFailed {
        kind: ErrorKind::HostUnreachable,
        error: "No route to host (os error 113)",
        ipv4: true,
    });
    assert!(!v4.advice.contains("-4"), "{}", v4.advice);
    assert!(v4.advice.contains("router or firewall"), "{}", v4.advice);
    let v6 = classify(&O::ConnectFailed {
        kind: ErrorKind::HostUnreachable,
        error: "No route to host (os error 113)",
        ipv4: false,
    });
    assert!(v6.advice.contains("-4"), "{}", v6.advice);
    // MX mode: a name mismatch is fixed with a certificate, not --tls-server-name.
    let mismatch = TlsInfo {
        problem: Some(CertProblem::HostnameMismatch),
        checked_name: "mx.example.org".into(),
        ..TlsInfo::default()
    };
    let mut v = classify(&O::CertRejected(&mismatch));
    assert!(v.advice.contains("--tls-server-name"));
    fit_to_mx(&mut v, "mx.example.org");
    assert!(!v.advice.contains("--tls-server-name"), "{}", v.advice);
    assert!(v.advice.contains("mx.example.org"), "{}", v.advice);
    // internal_error after the server's certificate: a server-side fault.
    let v = classify(&O::TlsFailed {
        error: "received fatal alert: internal_error",
        version_mismatch: false,
    });
    assert!(v.advice.contains("server side"), "{}", v.advice);
    assert!(!v.advice.contains("modern clients"), "{}", v.advice);
    // smtptui's own refusal says so, and never advises STARTTLS where none is offered.
    let v = classify(&O::AuthNeedsTls {
        detail: "smtptui does not send credentials over an unencrypted connection",
        by_client: true,
        starttls_offered: false,
    });
    assert!(v.summary.contains("smtptui did not send"), "{}", v.summary);
    assert!(v.advice.contains("smtptui's choice"), "{}", v.advice);
    assert!(!v.advice.contains("mode starttls"), "{}", v.advice);
    let v = classify(&O::AuthNeedsTls {
        detail: "x",
        by_client: true,
        starttls_offered: true,
    });
    assert!(v.advice.contains("mode starttls"), "{}", v.advice);
    // A dribbled greeting quotes what arrived.
    let v = classify(&O::PartialGreeting {
        partial: "220 m",
        secs: 15.0,
    });
    assert_eq!(v.class, Class::BannerTimeout);
    assert!(
        v.evidence.contains("partial greeting `220 m` after 15 s"),
        "{}",
        v.evidence
    );
    // 554 5.7.1 Client host rejected on a port that offers AUTH, without AUTH:
    // the server wants a login, not a relay permission.
    let r = ReplyFacts {
        command: Command::Rcpt,
        ctx: ReplyContext {
            auth_offered: true,
            ..ReplyContext::default()
        },
        ..reply(
            554,
            Some("5.7.1"),
            "<unknown[192.0.2.9]>: Client host rejected: Access denied",
        )
    };
    let v = classify(&O::Rejected {
        phase: Phase::Rcpt,
        reply: r,
    });
    assert_eq!(v.class, Class::AuthRequired);
}
