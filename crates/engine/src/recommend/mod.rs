//! What works from here, as settings: picks the endpoint of a finished run an
//! application should use and says why the others were not chosen; [`snippets`] turns it
//! into copy-ready code. Pure: reads the report and the settings, no I/O.
//!
//! Ranking, best first: the endpoint worked (`ok`); AUTH succeeded there; TLS was used
//! (implicit TLS or STARTTLS, certificate verified); the port: 465 (implicit TLS, which
//! RFC 8314 §3.3 prefers), 587 (submission, RFC 6409), 2525 and other ports, 25 last
//! (the relay port, often blocked for clients); implicit TLS before STARTTLS on other
//! ports; IPv4 before IPv6 on a tie (same name).

pub mod snippets;

use crate::model::{EndpointJson, Mode, NotChosen, PASSWORD_ENV, Phase, Recommendation, RunReport};
use crate::settings::Settings;
use crate::smtp::auth::choose_mech;

/// The recommended endpoint of `report`, or `None` when no endpoint worked.
pub fn recommend(report: &RunReport, settings: &Settings) -> Option<Recommendation> {
    let best = report
        .endpoints
        .iter()
        .filter(|e| e.class.is_ok())
        .min_by_key(|e| rank(e))?;
    let auth_verified = auth_ok(best);
    let mech = best
        .auth_mech
        .clone()
        .or_else(|| {
            settings
                .auth
                .as_ref()
                .and_then(|a| a.mech)
                .map(|m| m.as_str().to_string())
        })
        .or_else(|| choose_mech(&best.auth_mechanisms).map(|m| m.as_str().to_string()));
    let user = settings.auth.as_ref().map(|a| a.user.clone());
    let mut notes = Vec::new();
    if best.mode == Mode::Plain {
        notes.push(
            "no TLS worked from here: the password and the mail would travel in clear text"
                .to_string(),
        );
    }
    if !auth_verified {
        notes.push(if user.is_some() {
            "AUTH was not reached on this endpoint (the session stopped before it)".to_string()
        } else {
            "AUTH not tested (run with --user USER to confirm the credentials work)".to_string()
        });
    }
    let other_family_tried = report.endpoints.iter().any(|e| e.family != best.family);
    let other_family_ok = report
        .endpoints
        .iter()
        .any(|e| e.class.is_ok() && e.family != best.family);
    if other_family_tried && !other_family_ok {
        notes.push(format!(
            "only {} worked from here: make sure the application connects over {0}",
            family_word(&best.family)
        ));
    }
    let not_chosen = report
        .endpoints
        .iter()
        .filter(|e| !std::ptr::eq(*e, best))
        .map(|e| NotChosen {
            endpoint: e.label(),
            reason: why_not(e, best),
        })
        .collect();
    let mut rec = Recommendation {
        host: best.host.clone(),
        port: best.port,
        mode: best.mode,
        security: security_words(best.mode).to_string(),
        mech,
        auth_verified,
        user: user.clone(),
        user_form: user_form(user.as_deref()),
        password_env: PASSWORD_ENV.to_string(),
        tls_server_name: settings
            .tls
            .server_name
            .clone()
            .filter(|n| !n.eq_ignore_ascii_case(&best.host)),
        ca_file: settings
            .tls
            .ca_file
            .as_ref()
            .filter(|_| best.mode != Mode::Plain)
            .map(|p| p.display().to_string()),
        endpoint: best.label(),
        why: why(best, auth_verified),
        not_chosen,
        notes,
        snippets: Vec::new(),
    };
    let ctx = snippets::Envelope {
        from: settings
            .from
            .clone()
            .or_else(|| user.filter(|u| u.contains('@'))),
        to: settings.to.first().cloned(),
    };
    rec.snippets = snippets::all(&rec, &ctx);
    Some(rec)
}

/// Sort key: smaller is better.
fn rank(e: &EndpointJson) -> (u8, u8, u8, u8, u8, u8, u16) {
    let tls = match e.mode {
        Mode::Tls | Mode::Starttls => 0,
        Mode::Auto if e.tls.is_some() => 0,
        _ => 1,
    };
    let family = u8::from(e.family != "ipv4");
    let implicit = u8::from(e.mode != Mode::Tls);
    (
        u8::from(!auth_ok(e)),
        tls,
        // An endpoint that works without warnings beats one with (e.g. a certificate
        // about to expire).
        u8::from(!e.warnings.is_empty()),
        port_rank(e.port),
        implicit,
        family,
        e.port,
    )
}

fn port_rank(port: u16) -> u8 {
    match port {
        465 => 0,
        587 => 1,
        25 => 3,
        _ => 2,
    }
}

/// AUTH succeeded: the mechanism is known, or the AUTH phase ended well.
fn auth_ok(e: &EndpointJson) -> bool {
    e.auth_mech.is_some() || e.timeline.iter().any(|t| t.phase == Phase::Auth && t.ok)
}

fn family_word(family: &str) -> &'static str {
    if family == "ipv6" { "IPv6" } else { "IPv4" }
}

fn security_words(mode: Mode) -> &'static str {
    match mode {
        Mode::Tls => "implicit TLS (SMTPS)",
        Mode::Starttls => "STARTTLS, required",
        Mode::Auto => "STARTTLS when offered",
        Mode::Plain => "none (plain SMTP)",
    }
}

fn user_form(user: Option<&str>) -> String {
    match user {
        None => "not given (AUTH not tested)".into(),
        Some("apikey") => {
            "the literal name `apikey` (the password is the API key, SendGrid style)".into()
        }
        Some(u) if u.contains('@') => "the full e-mail address".into(),
        Some(u) if u.len() >= 16 && u.chars().all(|c| c.is_ascii_alphanumeric()) => {
            "an access key id (not an e-mail address)".into()
        }
        Some(_) => "a plain user name (not an e-mail address)".into(),
    }
}

fn why(best: &EndpointJson, auth_verified: bool) -> String {
    let tls = match best.mode {
        Mode::Tls => "implicit TLS with a verified certificate",
        Mode::Starttls | Mode::Auto if best.tls.is_some() => "STARTTLS with a verified certificate",
        _ => "it answered (no TLS worked)",
    };
    let auth = match (&best.auth_mech, auth_verified) {
        (Some(m), _) => format!(", AUTH {m} succeeded"),
        (None, true) => ", AUTH succeeded".into(),
        (None, false) => String::new(),
    };
    let port = match best.port {
        465 => "; 465 is the submission port with implicit TLS that RFC 8314 prefers",
        587 => "; 587 is the standard submission port (RFC 6409)",
        25 => "; port 25 is meant for server-to-server relay, but it is what worked",
        _ => "; a non-standard submission port, but it is what worked",
    };
    format!("worked from here: {tls}{auth}{port}")
}

fn why_not(e: &EndpointJson, best: &EndpointJson) -> String {
    if !e.class.is_ok() {
        return format!("{}: {}", e.class.code(), e.summary);
    }
    if e.port == best.port && e.mode == best.mode {
        return format!(
            "works too (the same service over {}); the application connects by name",
            family_word(&e.family)
        );
    }
    if auth_ok(best) && !auth_ok(e) {
        return "works, but AUTH was not confirmed there".into();
    }
    if e.mode == Mode::Plain {
        return "works, but without TLS".into();
    }
    if let (Some(w), true) = (e.warnings.first(), best.warnings.is_empty()) {
        return format!("works, but with a warning: {}: {}", w.code, w.summary);
    }
    match (best.port, e.port) {
        (465, 587) => {
            "works too; implicit TLS on 465 is preferred (RFC 8314 §3.3: no plaintext step \
             a middlebox can strip)"
                .into()
        }
        (_, 25) => "works too; port 25 is the relay port and often blocked for clients".into(),
        _ => format!("works too; port {} ranks higher", best.port),
    }
}

#[cfg(test)]
mod tests;
