//! SMTP AUTH (RFC 4954) with PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195) and XOAUTH2.
//!
//! Every encoding of the secret that will cross the wire is registered with the
//! recorder before anything is sent, and payloads are recorded as `<redacted>`, so a
//! server that echoes credentials back in its error text cannot leak them into the
//! transcript or the returned reply either.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use hmac::{Hmac, Mac};
use md5::Md5;
use tokio::io::{AsyncRead, AsyncWrite};

use super::record::REDACTED;
use super::reply::Reply;
use super::session::{Session, SmtpError};
use crate::model::{Direction, Secret, escape_bytes};
use crate::settings::AuthMech;

/// Picks a mechanism from those offered (case-insensitive): PLAIN, then LOGIN, then
/// CRAM-MD5. XOAUTH2 is never picked: it needs a token, so the user must force it.
pub fn choose_mech(offered: &[String]) -> Option<AuthMech> {
    [AuthMech::Plain, AuthMech::Login, AuthMech::CramMd5]
        .into_iter()
        .find(|m| offered.iter().any(|o| o.eq_ignore_ascii_case(m.as_str())))
}

/// Decodes base64 text, with or without padding.
fn decode_b64(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    STANDARD
        .decode(t)
        .or_else(|_| STANDARD_NO_PAD.decode(t))
        .ok()
}

/// Decodes the base64 error that Gmail and Microsoft 365 return in a 334 for XOAUTH2
/// (a JSON object such as `{"status":"401","schemes":"bearer","scope":"..."}`), escaped.
/// None when the text is not base64 or decodes to nothing.
pub fn decode_xoauth2_error(b64: &str) -> Option<String> {
    decode_b64(b64)
        .filter(|d| !d.is_empty())
        .map(|d| escape_bytes(&d))
}

/// The text of a 334 reply's first line (base64 by RFC 4954).
fn challenge_text(reply: &Reply) -> &str {
    reply.text_lines().first().copied().unwrap_or("")
}

/// Records what a 334 challenge says, decoded: `server asks: Username:`.
async fn note_challenge<S: AsyncRead + AsyncWrite + Unpin + Send>(
    session: &mut Session<S>,
    reply: &Reply,
    prefix: &str,
) {
    let text = challenge_text(reply);
    if text.is_empty() {
        return;
    }
    let note = match decode_b64(text) {
        Some(decoded) => [prefix.as_bytes(), &decoded].concat(),
        None => b"the 334 challenge is not valid base64".to_vec(),
    };
    session.recorder().line(Direction::Info, &note).await;
}

/// After the last step: a 334 here means the server wants more than the mechanism
/// has to give, so the exchange is cancelled with `*` (RFC 4954 §4) and the reply to
/// that is returned.
async fn finish<S: AsyncRead + AsyncWrite + Unpin + Send>(
    session: &mut Session<S>,
    reply: Reply,
) -> Result<Reply, SmtpError> {
    if reply.code != 334 {
        return Ok(reply);
    }
    note_challenge(session, &reply, "server asks: ").await;
    session
        .recorder()
        .note(Direction::Info, "unexpected challenge; cancelling AUTH")
        .await;
    session.command("*").await
}

/// The CRAM-MD5 digest: HMAC-MD5 of the challenge keyed with the password, in
/// lower-case hex.
pub fn cram_md5_digest(password: &[u8], challenge: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Md5> as Mac>::new_from_slice(password).expect("HMAC takes any key length");
    mac.update(challenge);
    mac.finalize()
        .into_bytes()
        .iter()
        .fold(String::with_capacity(32), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The PLAIN initial response, base64: empty authorization identity, `user`, password.
pub fn plain_blob(user: &str, secret: &Secret) -> String {
    STANDARD.encode([b"\0", user.as_bytes(), b"\0", secret.expose().as_bytes()].concat())
}

/// The XOAUTH2 initial response, base64.
pub fn xoauth2_blob(user: &str, secret: &Secret) -> String {
    STANDARD.encode(format!(
        "user={user}\x01auth=Bearer {}\x01\x01",
        secret.expose()
    ))
}

/// The OAUTHBEARER (RFC 7628) initial response, base64, with the GS2 header.
pub fn oauthbearer_blob(user: &str, secret: &Secret) -> String {
    STANDARD.encode(format!(
        "n,a={user},\x01auth=Bearer {}\x01\x01",
        secret.expose()
    ))
}

/// Runs the AUTH exchange with `mech` and returns the final reply (235 when accepted,
/// 4xx/5xx otherwise; a reply other than 334 to an intermediate step is returned as it
/// is). Payloads are recorded as `<redacted>`; LOGIN's base64 user name is shown, and
/// each 334 challenge is decoded into an Info note (`server asks: Username:`).
pub async fn authenticate<S: AsyncRead + AsyncWrite + Unpin + Send>(
    session: &mut Session<S>,
    mech: AuthMech,
    user: &str,
    secret: &Secret,
) -> Result<Reply, SmtpError> {
    let pass = secret.expose().as_bytes();
    // The password and every base64 rendering of it, before anything is sent.
    session.recorder().add_secret_base64(pass);
    match mech {
        AuthMech::Plain => {
            let blob = plain_blob(user, secret);
            session.recorder().add_secret(blob.as_bytes());
            session
                .recorder()
                .add_secret(blob.trim_end_matches('=').as_bytes());
            let shown = format!("AUTH PLAIN {REDACTED}");
            session
                .send_redacted(&format!("AUTH PLAIN {blob}"), &shown)
                .await?;
            let reply = session.read_reply().await?;
            finish(session, reply).await
        }
        AuthMech::Login => {
            let reply = session.command("AUTH LOGIN").await?;
            if reply.code != 334 {
                return Ok(reply);
            }
            note_challenge(session, &reply, "server asks: ").await;
            let reply = session.command(&STANDARD.encode(user)).await?;
            if reply.code != 334 {
                return Ok(reply);
            }
            note_challenge(session, &reply, "server asks: ").await;
            session
                .send_redacted(&STANDARD.encode(pass), REDACTED)
                .await?;
            let reply = session.read_reply().await?;
            finish(session, reply).await
        }
        AuthMech::CramMd5 => {
            let reply = session.command("AUTH CRAM-MD5").await?;
            if reply.code != 334 {
                return Ok(reply);
            }
            let Some(challenge) = decode_b64(challenge_text(&reply)) else {
                session
                    .recorder()
                    .note(
                        Direction::Error,
                        "the CRAM-MD5 challenge is not valid base64; cancelling AUTH",
                    )
                    .await;
                return session.command("*").await;
            };
            let mut note = b"server challenge: ".to_vec();
            note.extend_from_slice(&challenge);
            session.recorder().line(Direction::Info, &note).await;
            let digest = cram_md5_digest(pass, &challenge);
            let response = STANDARD.encode(format!("{user} {digest}"));
            session.recorder().add_secret_base64(digest.as_bytes());
            session.recorder().add_secret(response.as_bytes());
            session.send_redacted(&response, REDACTED).await?;
            let reply = session.read_reply().await?;
            finish(session, reply).await
        }
        AuthMech::XOAuth2 | AuthMech::OAuthBearer => {
            let (name, blob) = if mech == AuthMech::XOAuth2 {
                ("XOAUTH2", xoauth2_blob(user, secret))
            } else {
                ("OAUTHBEARER", oauthbearer_blob(user, secret))
            };
            session.recorder().add_secret(blob.as_bytes());
            session
                .recorder()
                .add_secret(blob.trim_end_matches('=').as_bytes());
            let shown = format!("AUTH {name} {REDACTED}");
            session
                .send_redacted(&format!("AUTH {name} {blob}"), &shown)
                .await?;
            let reply = session.read_reply().await?;
            if reply.code != 334 {
                return Ok(reply);
            }
            // Gmail / Microsoft 365: a base64 JSON error in a 334; the client answers
            // with an empty line (XOAUTH2) or ^A (OAUTHBEARER, RFC 7628) and gets the
            // final 5xx.
            note_challenge(session, &reply, "server says: ").await;
            let ack = if mech == AuthMech::XOAuth2 {
                ""
            } else {
                "AQ=="
            };
            session.command(ack).await
        }
    }
}

#[cfg(test)]
mod tests;
