//! Unit tests of the recommendation: ranking, reasons, and quoting in the snippets.

use super::*;
use crate::model::{Class, Endpoint, EndpointId, EndpointReport, PhaseTiming, Verdict};
use crate::settings::AuthSettings;

fn ep(port: u16, mode: Mode, class: Class, auth: bool) -> EndpointReport {
    let endpoint = Endpoint {
        id: EndpointId(0),
        host: "mail.example.com".into(),
        address: "192.0.2.1".parse().unwrap(),
        port,
        mode,
    };
    let verdict = Verdict {
        class,
        summary: format!("{} summary", class.code()),
        evidence: String::new(),
        advice: String::new(),
    };
    let mut r = EndpointReport::bare(endpoint, verdict);
    if auth {
        r.auth_mech = Some("PLAIN".into());
        r.timings.push(PhaseTiming {
            phase: Phase::Auth,
            start_ms: 1.0,
            dur_ms: 1.0,
            ok: true,
        });
    }
    r
}

fn report(eps: &[EndpointReport]) -> RunReport {
    RunReport::new(
        "mail.example.com".into(),
        String::new(),
        1.0,
        Vec::new(),
        eps,
        Vec::new(),
    )
}

fn settings(user: &str) -> Settings {
    let mut s = Settings::new("mail.example.com");
    s.auth = Some(AuthSettings {
        user: user.into(),
        secret: crate::model::Secret::new("hunter2"),
        mech: None,
    });
    s
}

#[test]
fn prefers_465_then_587_and_says_why_not() {
    let r = report(&[
        ep(25, Mode::Starttls, Class::AuthNotOffered, false),
        ep(587, Mode::Starttls, Class::Ok, true),
        ep(465, Mode::Tls, Class::Ok, true),
        ep(2525, Mode::Starttls, Class::Timeout, false),
    ]);
    let rec = recommend(&r, &settings("me@example.com")).unwrap();
    assert_eq!((rec.port, rec.mode), (465, Mode::Tls));
    assert_eq!(rec.mech.as_deref(), Some("PLAIN"));
    assert!(rec.auth_verified);
    assert_eq!(rec.user_form, "the full e-mail address");
    assert_eq!(rec.not_chosen.len(), 3);
    let why = |p: &str| {
        rec.not_chosen
            .iter()
            .find(|n| n.endpoint.contains(p))
            .map(|n| n.reason.clone())
            .unwrap()
    };
    assert!(
        why(":587/").contains("465 is preferred"),
        "{}",
        why(":587/")
    );
    assert!(why(":25/").starts_with("auth_not_offered"));
    assert!(why(":2525/").starts_with("timeout"));
    assert_eq!(rec.snippets.len(), 7);
    for s in &rec.snippets {
        assert!(!s.code.contains("hunter2"), "{}", s.id);
        assert!(s.code.contains("SMTP_PASSWORD"), "{}", s.id);
    }
}

#[test]
fn auth_that_worked_beats_a_better_port() {
    let r = report(&[
        ep(465, Mode::Tls, Class::Ok, false),
        ep(587, Mode::Starttls, Class::Ok, true),
    ]);
    let rec = recommend(&r, &settings("apikey")).unwrap();
    assert_eq!(rec.port, 587);
    assert!(rec.user_form.contains("apikey"));
    assert!(rec.not_chosen[0].reason.contains("AUTH was not confirmed"));
}

#[test]
fn an_endpoint_without_warnings_beats_one_with() {
    let mut soon = ep(465, Mode::Tls, Class::Ok, true);
    soon.warnings.push(crate::model::Warning {
        code: crate::model::WarningCode::CertExpiresSoon,
        summary: "the server certificate expires in 9 day(s)".into(),
        evidence: String::new(),
        advice: String::new(),
    });
    let r = report(&[soon, ep(587, Mode::Starttls, Class::Ok, true)]);
    let rec = recommend(&r, &settings("me@example.com")).unwrap();
    assert_eq!(rec.port, 587);
    assert!(
        rec.not_chosen[0].reason.contains("cert_expires_soon"),
        "{}",
        rec.not_chosen[0].reason
    );
}

#[test]
fn nothing_worked_means_no_recommendation() {
    let r = report(&[ep(587, Mode::Starttls, Class::Refused, false)]);
    assert!(recommend(&r, &settings("u")).is_none());
}

#[test]
fn plain_only_is_recommended_with_a_warning() {
    let r = report(&[ep(2525, Mode::Plain, Class::Ok, false)]);
    let rec = recommend(&r, &Settings::new("mail.example.com")).unwrap();
    assert_eq!(rec.mode, Mode::Plain);
    assert!(rec.notes.iter().any(|n| n.contains("clear text")));
    assert!(rec.notes.iter().any(|n| n.contains("AUTH not tested")));
    assert!(!rec.auth_verified);
}

#[test]
fn hostile_user_names_stay_inside_their_strings() {
    let r = report(&[ep(465, Mode::Tls, Class::Ok, true)]);
    let rec = recommend(&r, &settings("a\"b'c\\d$(x)`y`\n#")).unwrap();
    let py = &rec.snippet("python").unwrap().code;
    assert!(py.contains(r#"smtp.login("a\"b'c\\d$(x)`y`\n#","#), "{py}");
    let php = &rec.snippet("phpmailer").unwrap().code;
    assert!(
        php.contains(r#"$mail->Username = 'a"b\'c\\d$(x)`y`"#),
        "{php}"
    );
    let sh = &rec.snippet("curl").unwrap().code;
    assert!(sh.contains(r#"'a"b'\''c\d$(x)`y`"#), "{sh}");
    // Every comment line stays one line.
    for s in &rec.snippets {
        let first = s
            .code
            .lines()
            .find(|l| l.contains("smtptui recommends"))
            .unwrap();
        assert!(first.contains("465"), "{}: {first}", s.id);
    }
}
