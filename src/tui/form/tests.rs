//! Unit tests of the target form: ports, submit, bad input, DKIM selectors, recent targets.

use super::*;
use crate::model::Mode;

/// Types `text` into `field` (shared by the form's test modules).
pub(super) fn fill(form: &mut Form, field: Field, text: &str) {
    form.inputs[field as usize].set(text);
}

#[test]
fn ports_round_trip() {
    let p = parse_ports("25, 465/tls,587 2525/auto,587").unwrap();
    assert_eq!(p.len(), 4);
    assert_eq!(
        p[3],
        PortSpec {
            port: 2525,
            mode: Mode::Auto
        }
    );
    assert_eq!(ports_text(&p), "25,465,587,2525/auto");
    assert!(parse_ports("").is_err());
    assert!(parse_ports("25,x").is_err());
}

#[test]
fn submit_builds_settings_and_forgets_the_password() {
    let mut f = Form::new(Vec::new());
    assert_eq!(f.submit().unwrap_err(), FormError::NoHost);
    fill(&mut f, Field::Host, " mail.example.com ");
    fill(&mut f, Field::Ports, "587,465/tls");
    fill(&mut f, Field::User, "alice");
    fill(&mut f, Field::Password, "s3cr3t-pw");
    fill(&mut f, Field::To, "a@x.test, b@y.test");
    fill(&mut f, Field::ServerName, "smtp.example.com");
    let s = f.submit().unwrap();
    assert_eq!(s.target, "mail.example.com");
    assert_eq!(s.ports.len(), 2);
    let auth = s.auth.as_ref().unwrap();
    assert_eq!(
        (auth.user.as_str(), auth.secret.expose()),
        ("alice", "s3cr3t-pw")
    );
    assert_eq!(s.to, vec!["a@x.test", "b@y.test"]);
    assert_eq!(s.tls.server_name.as_deref(), Some("smtp.example.com"));
    assert_eq!(f.input(Field::Password).text(), "");
    let recent = serde_json::to_string(&f.to_recent()).unwrap();
    assert!(!recent.contains("s3cr3t"));
    // Re-submitting with an empty password keeps the secret in memory.
    assert!(f.keeps_secret());
    let again = f.submit().unwrap();
    assert_eq!(again.auth.unwrap().secret.expose(), "s3cr3t-pw");
}

#[test]
fn bad_input_is_refused() {
    let mut f = Form::new(Vec::new());
    fill(&mut f, Field::Host, "h");
    fill(&mut f, Field::Ports, "99999");
    assert!(matches!(f.submit(), Err(FormError::Ports(_))));
    fill(&mut f, Field::Ports, "25");
    fill(&mut f, Field::Password, "pw");
    assert_eq!(f.submit().unwrap_err(), FormError::PasswordWithoutUser);
}

#[test]
fn dkim_selectors_field() {
    let mut f = Form::new(Vec::new());
    fill(&mut f, Field::Host, "mx:example.test");
    fill(&mut f, Field::DkimSelectors, "Corp2026, s1 s1");
    let s = f.submit().unwrap();
    assert!(s.mx);
    assert_eq!(s.dkim_selectors, ["corp2026", "s1"]);
    fill(&mut f, Field::DkimSelectors, "bad/sel");
    assert_eq!(
        f.submit().unwrap_err().to_string(),
        "DKIM selector: `bad/sel`: only letters, digits, `-`, `_` and dots are allowed"
    );
}

#[test]
fn recent_cycling() {
    let r = |h: &str| RecentTarget {
        host: h.into(),
        ports: "587".into(),
        ..Default::default()
    };
    let mut f = Form::new(vec![r("a"), r("b")]);
    f.cycle_recent(1);
    assert_eq!(f.input(Field::Host).text(), "a");
    f.cycle_recent(1);
    assert_eq!(f.input(Field::Host).text(), "b");
    f.cycle_recent(1);
    assert_eq!(f.input(Field::Host).text(), "a");
    f.cycle_recent(-1);
    assert_eq!(f.input(Field::Host).text(), "b");
}
