//! Table tests for classification.

use std::io::ErrorKind;

use super::*;
use crate::model::{CertProblem, EndpointReport};
use crate::model::{Endpoint, EndpointId, Mode};

fn endpoint(address: &str, port: u16) -> Endpoint {
    Endpoint {
        id: EndpointId(0),
        host: "mail.test".into(),
        address: address.parse().unwrap(),
        port,
        mode: Mode::default_for_port(port),
    }
}

/// A reply answering the command of `phase`.
fn reply(phase: Phase, code: u16, enhanced: Option<&str>, text: &str) -> SeenReply {
    let command = match phase {
        Phase::Auth => Command::Auth,
        Phase::Mail => Command::Mail,
        Phase::Rcpt => Command::Rcpt,
        Phase::Data => Command::Data,
        Phase::Starttls => Command::Starttls,
        Phase::Banner => Command::Banner,
        _ => Command::Ehlo,
    };
    SeenReply {
        command,
        code,
        enhanced: enhanced.map(String::from),
        text: text.into(),
        evidence: text.into(),
    }
}

fn rejected(phase: Phase, code: u16, enhanced: Option<&str>, text: &str) -> Stop {
    Stop::Rejected {
        phase,
        reply: reply(phase, code, enhanced, text),
    }
}

/// The verdict of `stop` on port 25 of an IPv4 address, with `tls` seen.
fn stopped(stop: &Stop, tls: Option<&TlsInfo>) -> Verdict {
    let ep = endpoint("192.0.2.1", 25);
    verdict(&Observation {
        stop: Some(stop),
        tls,
        reached: Some(Phase::Connect),
        ..Observation::of(&ep)
    })
}

/// Every stop in `table` maps to its class, with words in every field.
fn check_table(table: &[(Stop, Option<&TlsInfo>, Class)]) {
    for (stop, tls, want) in table {
        let got = stopped(stop, *tls);
        assert_eq!(got.class, *want, "{stop:?} → {got:?}");
        assert!(
            !got.summary.is_empty() && !got.evidence.is_empty() && !got.advice.is_empty(),
            "{got:?}"
        );
    }
}

#[test]
fn connect_stops_map_to_codes() {
    let connect_failed = |kind, error: &str| Stop::ConnectFailed {
        kind,
        os_error: None,
        error: error.into(),
    };
    let table: Vec<(Stop, Option<&TlsInfo>, Class)> = vec![
        (Stop::ConnectTimeout { secs: 10.0 }, None, Class::Timeout),
        (
            connect_failed(ErrorKind::ConnectionRefused, "refused"),
            None,
            Class::Refused,
        ),
        (
            connect_failed(ErrorKind::NetworkUnreachable, "x"),
            None,
            Class::NetworkUnreachable,
        ),
        (
            connect_failed(ErrorKind::Other, "No route to host"),
            None,
            Class::NetworkUnreachable,
        ),
        (
            Stop::ConnectFailed {
                kind: ErrorKind::PermissionDenied,
                os_error: Some(13),
                error: "Permission denied (os error 13)".into(),
            },
            None,
            Class::FirewallRejected,
        ),
        (
            Stop::FilterRejected {
                error: "administratively prohibited".into(),
                by: Some("198.18.0.1".into()),
            },
            None,
            Class::FirewallRejected,
        ),
        (
            Stop::ProxyFailed {
                error: "proxy refused".into(),
                target_refused: false,
            },
            None,
            Class::ProxyFailed,
        ),
    ];
    check_table(&table);
}

#[test]
fn session_stops_map_to_codes() {
    let table: Vec<(Stop, Option<&TlsInfo>, Class)> = vec![
        (
            Stop::ProxyFailed {
                error: "connection refused by the target".into(),
                target_refused: true,
            },
            None,
            Class::Refused,
        ),
        (
            Stop::Closed {
                phase: Phase::Ehlo,
                error: "reset".into(),
            },
            None,
            Class::ConnectionReset,
        ),
        (
            Stop::NoReply {
                phase: Phase::Banner,
                secs: 5.0,
                raw: None,
            },
            None,
            Class::BannerTimeout,
        ),
        (
            Stop::NoReply {
                phase: Phase::Ehlo,
                secs: 5.0,
                raw: None,
            },
            None,
            Class::Timeout,
        ),
        (
            Stop::Protocol {
                phase: Phase::Banner,
                detail: "line too long".into(),
            },
            None,
            Class::ProtocolViolation,
        ),
        (
            Stop::Greeting(reply(
                Phase::Banner,
                554,
                Some("5.7.1"),
                "554 5.7.1 blocked using zen.spamhaus.org",
            )),
            None,
            Class::ClientBlocklisted,
        ),
        (
            Stop::Greeting(reply(
                Phase::Banner,
                421,
                Some("4.7.0"),
                "421 4.7.0 Too many connections",
            )),
            None,
            Class::RateLimited,
        ),
    ];
    check_table(&table);
}

#[test]
fn tls_and_auth_stops_map_to_codes() {
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
    let table: Vec<(Stop, Option<&TlsInfo>, Class)> = vec![
        (Stop::StarttlsNotOffered, None, Class::StarttlsNotOffered),
        (
            Stop::StarttlsRejected(reply(
                Phase::Starttls,
                454,
                Some("4.7.0"),
                "454 4.7.0 TLS not available",
            )),
            None,
            Class::StarttlsRejected,
        ),
        (
            Stop::PlaintextOnTlsPort {
                first_line: "220 mail.test ESMTP".into(),
            },
            None,
            Class::StarttlsExpected,
        ),
        (
            Stop::TlsOnPlainPort {
                version: "TLSv1.3".into(),
            },
            None,
            Class::ImplicitTlsExpected,
        ),
        (
            Stop::TlsFailed {
                error: "protocol_version".into(),
                version_mismatch: true,
            },
            None,
            Class::TlsHandshakeFailed,
        ),
        (
            Stop::ClientCertRejected {
                error: "certificate_required".into(),
                sent: false,
            },
            None,
            Class::ClientCertRejected,
        ),
        (Stop::CertRejected, Some(&expired), Class::CertExpired),
        (Stop::CertRejected, Some(&future), Class::CertNotYetValid),
        (
            Stop::CertRejected,
            Some(&mismatch),
            Class::CertHostnameMismatch,
        ),
        (Stop::CertRejected, Some(&selfsigned), Class::CertSelfSigned),
        (Stop::CertRejected, Some(&unknown), Class::CertUntrusted),
        (
            Stop::AuthNotOffered { in_tls: true },
            None,
            Class::AuthNotOffered,
        ),
        (
            Stop::AuthNeedsTls { by_client: false },
            None,
            Class::AuthRequiresTls,
        ),
    ];
    check_table(&table);
}

#[test]
fn rejected_greeting_and_auth_map_to_codes() {
    let table: Vec<(Stop, Option<&TlsInfo>, Class)> = vec![
        (
            rejected(
                Phase::Auth,
                535,
                Some("5.7.8"),
                "535 5.7.8 Authentication credentials invalid",
            ),
            None,
            Class::AuthFailed,
        ),
        (
            rejected(
                Phase::Auth,
                534,
                Some("5.7.9"),
                "534-5.7.9 Application-specific password required.",
            ),
            None,
            Class::AuthAppPasswordRequired,
        ),
        (
            rejected(
                Phase::Auth,
                535,
                Some("5.7.139"),
                "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
            ),
            None,
            Class::AuthDisabledByPolicy,
        ),
        (
            rejected(
                Phase::Auth,
                530,
                Some("5.7.0"),
                "530 5.7.0 Must issue a STARTTLS command first",
            ),
            None,
            Class::TlsRequired,
        ),
        (
            rejected(
                Phase::Auth,
                504,
                Some("5.5.4"),
                "504 5.5.4 Unrecognized authentication type",
            ),
            None,
            Class::AuthNotOffered,
        ),
        (
            rejected(
                Phase::Rcpt,
                554,
                Some("5.7.1"),
                "554 5.7.1 <x@example.org>: Relay access denied",
            ),
            None,
            Class::RelayDenied,
        ),
    ];
    check_table(&table);
}

#[test]
fn rejected_envelope_map_to_codes() {
    let table: Vec<(Stop, Option<&TlsInfo>, Class)> = vec![
        (
            rejected(
                Phase::Rcpt,
                550,
                Some("5.1.1"),
                "550 5.1.1 <nobody@lab.test>: Recipient address rejected: User unknown",
            ),
            None,
            Class::RecipientRejected,
        ),
        (
            rejected(
                Phase::Rcpt,
                450,
                Some("4.2.0"),
                "450 4.2.0 <a@b>: Recipient address rejected: Greylisted, see https://postgrey",
            ),
            None,
            Class::Greylisted,
        ),
        (
            rejected(
                Phase::Mail,
                550,
                Some("5.7.1"),
                "550 5.7.1 Sender address rejected: not owned by user",
            ),
            None,
            Class::SenderRejected,
        ),
        (
            rejected(
                Phase::Mail,
                451,
                Some("4.7.1"),
                "451 4.7.1 Please try again later",
            ),
            None,
            Class::Greylisted,
        ),
        (
            rejected(
                Phase::Data,
                421,
                Some("4.7.0"),
                "421 4.7.0 Rate limit exceeded, try again later",
            ),
            None,
            Class::RateLimited,
        ),
        (
            rejected(
                Phase::Auth,
                454,
                Some("4.7.0"),
                "454 4.7.0 Too many login attempts",
            ),
            None,
            Class::RateLimited,
        ),
    ];
    check_table(&table);
}

#[test]
fn sessions_that_reached_their_goal() {
    let ep = endpoint("192.0.2.1", 587);
    let ok_tls = TlsInfo {
        verified: true,
        version: "TLSv1.3".into(),
        ..TlsInfo::default()
    };
    let done = Observation {
        reached: Some(Phase::Auth),
        tls: Some(&ok_tls),
        ..Observation::of(&ep)
    };
    assert_eq!(verdict(&done).class, Class::Ok);
    // An unverified certificate is never ok, not even with --insecure.
    let unverified = TlsInfo {
        problem: Some(CertProblem::SelfSigned),
        ..TlsInfo::default()
    };
    let insecure = Observation {
        tls: Some(&unverified),
        insecure: true,
        ..done
    };
    let v = verdict(&insecure);
    assert_eq!(v.class, Class::CertSelfSigned);
    assert!(
        v.summary.ends_with("(continued with --insecure)"),
        "{}",
        v.summary
    );
    // Auto mode that stayed in plaintext says so.
    let auto = Endpoint {
        mode: Mode::Auto,
        ..ep.clone()
    };
    let v = verdict(&Observation {
        reached: Some(Phase::Ehlo),
        ..Observation::of(&auto)
    });
    assert_eq!(v.class, Class::Ok);
    assert!(v.summary.contains("stayed in plaintext"), "{}", v.summary);
    // Nothing done yet (stepping before its first step).
    let v = verdict(&Observation::of(&ep));
    assert_eq!(
        (v.class, v.evidence.as_str()),
        (Class::Ok, "no step run yet")
    );
}

#[test]
fn masked_starttls_is_stripped() {
    let ep = endpoint("192.0.2.1", 25);
    let masked = vec!["XXXXXXXA".to_string()];
    let lines = vec!["250-mail.test".to_string(), "250 XXXXXXXA".to_string()];
    let base = Observation {
        stop: Some(&Stop::StarttlsNotOffered),
        reached: Some(Phase::Ehlo),
        ehlo: Ehlo {
            lines: &lines,
            ..Ehlo::default()
        },
        ..Observation::of(&ep)
    };
    let v = verdict(&base);
    assert_eq!(v.class, Class::StarttlsNotOffered);
    assert_eq!(v.evidence, "EHLO: 250-mail.test / 250 XXXXXXXA");
    let v = verdict(&Observation {
        ehlo: Ehlo {
            lines: &lines,
            masked: &masked,
            ..Ehlo::default()
        },
        ..base
    });
    assert_eq!(v.class, Class::StarttlsStripped);
    assert!(v.evidence.contains("XXXXXXXA"), "{}", v.evidence);
    let v = verdict(&Observation {
        greeting_masked: true,
        ..base
    });
    assert_eq!(v.class, Class::StarttlsStripped);
    assert!(v.evidence.contains("a masked greeting"), "{}", v.evidence);
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
fn advice_fits_the_port() {
    let timeout = Stop::ConnectTimeout { secs: 10.0 };
    let on_port = |port| {
        let ep = endpoint("192.0.2.1", port);
        verdict(&Observation {
            stop: Some(&timeout),
            ..Observation::of(&ep)
        })
    };
    // A 587 timeout never advises 587.
    let v = on_port(587);
    assert!(!v.advice.contains("587 (STARTTLS)"), "{}", v.advice);
    assert!(v.advice.contains("Try 465"), "{}", v.advice);
    let v = on_port(465);
    assert!(
        !v.advice.contains("465 (TLS)") && v.advice.contains("587"),
        "{}",
        v.advice
    );
    let v = on_port(25);
    assert!(
        v.advice.contains("587") && v.advice.contains("465"),
        "{}",
        v.advice
    );
}

#[test]
fn advice_fits_the_family() {
    // -4 is no advice for an IPv4 address that a router rejected.
    let unreachable = Stop::ConnectFailed {
        kind: ErrorKind::HostUnreachable,
        os_error: Some(113),
        error: "No route to host (os error 113)".into(),
    };
    let on = |address| {
        let ep = endpoint(address, 587);
        verdict(&Observation {
            stop: Some(&unreachable),
            ..Observation::of(&ep)
        })
    };
    let v4 = on("192.0.2.1");
    assert!(!v4.advice.contains("-4"), "{}", v4.advice);
    assert!(v4.advice.contains("router or firewall"), "{}", v4.advice);
    let v6 = on("2001:db8::1");
    assert!(v6.advice.contains("-4"), "{}", v6.advice);
}

#[test]
fn advice_fits_mx_mode() {
    // MX mode: a name mismatch is fixed with a certificate, not --tls-server-name.
    let mismatch = TlsInfo {
        problem: Some(CertProblem::HostnameMismatch),
        checked_name: "mx.example.org".into(),
        ..TlsInfo::default()
    };
    let ep = endpoint("192.0.2.1", 25);
    let o = Observation {
        stop: Some(&Stop::CertRejected),
        tls: Some(&mismatch),
        ..Observation::of(&ep)
    };
    assert!(verdict(&o).advice.contains("--tls-server-name"));
    let v = conclude(
        &o,
        &Setup {
            mx: true,
            ..Setup::default()
        },
    )
    .verdict;
    assert!(!v.advice.contains("--tls-server-name"), "{}", v.advice);
    assert!(v.advice.contains("mail.test"), "{}", v.advice);
}

#[test]
fn advice_fits_who_refused() {
    let ep = endpoint("192.0.2.1", 25);
    // internal_error after the server's certificate: a server-side fault.
    let v = stopped(
        &Stop::TlsFailed {
            error: "received fatal alert: internal_error".into(),
            version_mismatch: false,
        },
        None,
    );
    assert!(v.advice.contains("server side"), "{}", v.advice);
    assert!(!v.advice.contains("modern clients"), "{}", v.advice);
    // smtptui's own refusal says so, and never advises STARTTLS where none is offered.
    let by_client = Stop::AuthNeedsTls { by_client: true };
    let v = stopped(&by_client, None);
    assert!(v.summary.contains("smtptui did not send"), "{}", v.summary);
    assert!(v.advice.contains("smtptui's choice"), "{}", v.advice);
    assert!(!v.advice.contains("mode starttls"), "{}", v.advice);
    assert_eq!(v.evidence, NO_PLAINTEXT_AUTH);
    let v = verdict(&Observation {
        stop: Some(&by_client),
        ehlo: Ehlo {
            starttls: true,
            ..Ehlo::default()
        },
        ..Observation::of(&ep)
    });
    assert!(v.advice.contains("mode starttls"), "{}", v.advice);
    // A dribbled greeting quotes what arrived.
    let v = stopped(
        &Stop::PartialGreeting {
            partial: "220 m".into(),
            secs: 15.0,
        },
        None,
    );
    assert_eq!(v.class, Class::BannerTimeout);
    assert!(
        v.evidence.contains("partial greeting `220 m` after 15 s"),
        "{}",
        v.evidence
    );
    // A raw command without a reply names it.
    let v = stopped(
        &Stop::NoReply {
            phase: Phase::Quit,
            secs: 5.0,
            raw: Some("NOOP".into()),
        },
        None,
    );
    assert_eq!(v.summary, "no reply to the raw command `NOOP` within 5 s");
    // 554 5.7.1 Client host rejected on a port that offers AUTH, without AUTH:
    // the server wants a login, not a relay permission.
    let auth = vec!["PLAIN".to_string()];
    let stop = rejected(
        Phase::Rcpt,
        554,
        Some("5.7.1"),
        "<unknown[192.0.2.9]>: Client host rejected: Access denied",
    );
    let o = Observation {
        stop: Some(&stop),
        ehlo: Ehlo {
            auth: &auth,
            ..Ehlo::default()
        },
        ..Observation::of(&ep)
    };
    assert_eq!(verdict(&o).class, Class::AuthRequired);
    let o = Observation {
        authenticated: true,
        ..o
    };
    assert_ne!(verdict(&o).class, Class::AuthRequired);
}

#[test]
fn the_end_of_an_endpoint() {
    let ep = endpoint("192.0.2.1", 587);
    let ok_tls = TlsInfo {
        verified: true,
        version: "TLSv1.3".into(),
        ..TlsInfo::default()
    };
    let done = Observation {
        reached: Some(Phase::Rcpt),
        tls: Some(&ok_tls),
        ..Observation::of(&ep)
    };
    let end = conclude(&done, &Setup::default());
    assert_eq!(end.verdict.class, Class::Ok);
    assert_eq!(end.remarks.len(), 1, "{:?}", end.remarks);
    assert!(
        end.remarks[0].1.starts_with("verdict: ok - works"),
        "{:?}",
        end.remarks
    );
    // QUIT answered out of step: the earlier verdict is unreliable.
    let late = QuitAnswer::OutOfStep("250-late / 221 bye".into());
    let end = conclude(
        &Observation {
            quit: Some(&late),
            ..done
        },
        &Setup::default(),
    );
    assert_eq!(end.verdict.class, Class::ProtocolViolation);
    assert!(
        end.verdict.evidence.contains("earlier verdict `ok`"),
        "{}",
        end.verdict.evidence
    );
    assert_eq!(end.remarks[0].0, crate::model::Direction::Error);
    let odd = QuitAnswer::Unexpected("250 ok".into());
    let end = conclude(
        &Observation {
            quit: Some(&odd),
            ..done
        },
        &Setup::default(),
    );
    assert_eq!(end.verdict.class, Class::Ok);
    assert_eq!(
        end.remarks[0].1,
        "QUIT was answered with `250 ok` instead of 221"
    );
    // The relay test adds to the summary and, when it relays, warns; the class stays.
    let relays = RelayOutcome::Relays("250 2.1.5 Ok".into());
    let end = conclude(
        &Observation {
            relay: Some(&relays),
            ..done
        },
        &Setup::default(),
    );
    assert_eq!(end.verdict.class, Class::Ok);
    assert!(
        end.verdict
            .summary
            .contains("; relay test: the server RELAYS"),
        "{}",
        end.verdict.summary
    );
    assert!(
        !end.remarks[0].1.contains("relay"),
        "the verdict line is the session's"
    );
    let codes: Vec<_> = end.warnings.iter().map(|w| w.code).collect();
    assert_eq!(codes, vec![crate::model::WarningCode::OpenRelay]);
    assert!(
        end.remarks
            .last()
            .is_some_and(|r| r.1.starts_with("warning: open_relay"))
    );
    let aborted = RelayOutcome::Aborted(Box::new(Stop::NoReply {
        phase: Phase::Rcpt,
        secs: 5.0,
        raw: None,
    }));
    assert_eq!(
        describe_relay(&aborted, &done),
        "relay test aborted: no reply to RCPT within 5 s"
    );
}

#[test]
fn a_provider_row_is_not_followed_by_the_same_providers_hint() {
    // Google's SMTP relay refusing this network in its greeting: the provider row's advice
    // says what the google-relay hint for relay_denied says, so the hint is not added.
    let ep = Endpoint {
        host: "smtp-relay.gmail.com".into(),
        ..endpoint("192.0.2.1", 587)
    };
    let text = "550 5.7.1 IP not in whitelist for RCPT domain";
    for stop in [
        Stop::Greeting(reply(Phase::Banner, 550, Some("5.7.1"), text)),
        rejected(Phase::Rcpt, 550, Some("5.7.1"), text),
    ] {
        let o = Observation {
            stop: Some(&stop),
            ..Observation::of(&ep)
        };
        let end = conclude(&o, &Setup::default());
        assert_eq!(end.verdict.class, Class::RelayDenied, "{stop:?}");
        assert_eq!(end.provider.map(|p| p.id).as_deref(), Some("google-relay"));
        assert!(
            !end.verdict.advice.contains("Apps > Gmail > Routing"),
            "hint repeated after the provider row: {}",
            end.verdict.advice
        );
    }
}
