//! The target form's AUTH field: submitting each mechanism, the interplay with presets,
//! filling it back from settings, and remembering it in recent targets.

use super::form::{AUTH_CHOICES, Field, Form, FormError};
use super::recent::{self, RecentTarget};
use crate::settings::AuthMech;

fn set(f: &mut Form, field: Field, text: &str) {
    f.inputs[field as usize].set(text);
}

fn with_user() -> Form {
    let mut f = Form::new(Vec::new());
    set(&mut f, Field::Host, "smtp.example.com");
    set(&mut f, Field::User, "alice@example.com");
    f
}

#[test]
fn submit_sets_each_mechanism() {
    for (i, want) in AUTH_CHOICES.into_iter().enumerate() {
        // Chosen with →, from auto.
        let mut f = with_user();
        for _ in 0..i {
            f.cycle_mech(1);
        }
        set(&mut f, Field::Password, "token-or-pw");
        let s = f.submit().unwrap();
        let auth = s.auth.unwrap();
        assert_eq!(auth.mech, want, "choice {i}");
        assert_eq!(auth.secret.expose(), "token-or-pw");
        // Typed by name, in any case.
        let mut f = with_user();
        let name = want.map_or("auto", AuthMech::as_str).to_ascii_lowercase();
        set(&mut f, Field::Auth, &name);
        assert_eq!(f.submit().unwrap().auth.unwrap().mech, want, "{name}");
    }
}

#[test]
fn unknown_mechanisms_are_refused_and_cycling_wraps() {
    let mut f = with_user();
    set(&mut f, Field::Auth, "NTLM");
    assert_eq!(f.submit().unwrap_err(), FormError::Auth("NTLM".into()));
    f.cycle_mech(-1);
    assert_eq!(f.input(Field::Auth).text(), "OAUTHBEARER");
    // A mechanism without a user would be dropped silently: refused instead.
    set(&mut f, Field::User, "");
    assert_eq!(f.submit().unwrap_err(), FormError::MechWithoutUser);
    f.cycle_mech(1);
    assert_eq!(f.input(Field::Auth).text(), "");
    assert_eq!(f.mech(), Ok(None));
}

#[test]
fn oauth_mechanisms_ask_for_a_token() {
    let mut f = with_user();
    for (text, token) in [
        ("", false),
        ("PLAIN", false),
        ("CRAM-MD5", false),
        ("XOAUTH2", true),
        ("oauthbearer", true),
    ] {
        set(&mut f, Field::Auth, text);
        assert_eq!(f.wants_token(), token, "{text}");
    }
}

#[test]
fn an_explicit_mechanism_beats_the_preset() {
    let mut f = Form::new(Vec::new());
    set(&mut f, Field::Preset, "gmail");
    f.sync_preset();
    set(&mut f, Field::User, "me@gmail.com");
    set(&mut f, Field::Password, "ya29.token");
    set(&mut f, Field::Auth, "XOAUTH2");
    let s = f.submit().unwrap();
    assert_eq!(s.auth.as_ref().unwrap().mech, Some(AuthMech::XOAuth2));
    // Reloaded, the explicit choice is shown again.
    let mut g = Form::new(Vec::new());
    g.load_settings(&s);
    assert_eq!(g.input(Field::Auth).text(), "XOAUTH2");
    // Auto takes the preset's first choice, and reloading keeps the field on auto.
    set(&mut f, Field::Auth, "auto");
    let s = f.submit().unwrap();
    let preset_mech = s.auth.as_ref().unwrap().mech;
    assert!(preset_mech.is_some());
    g.load_settings(&s);
    assert_eq!(g.input(Field::Auth).text(), "");
}

#[test]
fn settings_fill_the_field_back() {
    let mut f = with_user();
    set(&mut f, Field::Auth, "cram-md5");
    let s = f.submit().unwrap();
    let mut g = Form::new(Vec::new());
    g.load_settings(&s);
    assert_eq!(g.input(Field::Auth).text(), "CRAM-MD5");
    assert_eq!(g.mech(), Ok(Some(AuthMech::CramMd5)));
    // Without AUTH the field is empty (auto).
    let mut plain = Form::new(Vec::new());
    set(&mut plain, Field::Host, "h.example");
    g.load_settings(&plain.submit().unwrap());
    assert_eq!(g.input(Field::Auth).text(), "");
}

#[test]
fn recent_targets_remember_the_mechanism() {
    let mut f = with_user();
    set(&mut f, Field::Auth, "oauthbearer");
    let r = f.to_recent();
    assert_eq!(r.auth, "OAUTHBEARER");
    let dir = tempfile::tempdir().unwrap();
    recent::save(dir.path(), std::slice::from_ref(&r)).unwrap();
    let loaded = recent::load(dir.path());
    assert_eq!(loaded, vec![r.clone()]);
    let mut g = Form::new(loaded);
    g.cycle_recent(1);
    assert_eq!(g.input(Field::Auth).text(), "OAUTHBEARER");
    assert_eq!(g.input(Field::User).text(), "alice@example.com");
    // Files written before the field existed still load (auto).
    let old: Vec<RecentTarget> =
        serde_json::from_str(r#"[{"host":"h.example","ports":"587","user":"u"}]"#).unwrap();
    assert_eq!(old[0].auth, "");
    assert_eq!(old[0].user, "u");
}
