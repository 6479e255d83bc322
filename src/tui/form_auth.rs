//! The target form's AUTH field: auto (empty) or one of the mechanisms the probe
//! speaks, cycled with ←/→ or typed. An explicit choice beats the preset's; XOAUTH2 and
//! OAUTHBEARER take the OAuth token in the Password field.

use crate::settings::{AuthMech, Settings};

use super::form::{Field, Form, FormError};

/// The AUTH field's choices, in ←/→ order; "auto" is the empty field (the mechanism is
/// then chosen from the server's EHLO, or from the preset).
pub const AUTH_CHOICES: [Option<AuthMech>; 6] = [
    None,
    Some(AuthMech::Plain),
    Some(AuthMech::Login),
    Some(AuthMech::CramMd5),
    Some(AuthMech::XOAuth2),
    Some(AuthMech::OAuthBearer),
];

/// The AUTH field's text → the mechanism: `Ok(None)` for empty or `auto`.
pub fn parse_mech(text: &str) -> Result<Option<AuthMech>, FormError> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    AuthMech::parse(text)
        .map(Some)
        .ok_or_else(|| FormError::Auth(text.to_string()))
}

impl Form {
    /// The mechanism the AUTH field names (`Ok(None)`: auto).
    pub fn mech(&self) -> Result<Option<AuthMech>, FormError> {
        parse_mech(self.input(Field::Auth).text())
    }

    /// Whether the Password field takes an OAuth bearer token (XOAUTH2, OAUTHBEARER).
    pub fn wants_token(&self) -> bool {
        matches!(
            self.mech(),
            Ok(Some(AuthMech::XOAuth2 | AuthMech::OAuthBearer))
        )
    }

    /// Steps the AUTH field through [`AUTH_CHOICES`] (an unknown name starts at auto).
    pub fn cycle_mech(&mut self, delta: isize) {
        let now = self.mech().ok().flatten();
        let n = AUTH_CHOICES.len() as isize;
        let at = AUTH_CHOICES.iter().position(|c| *c == now).unwrap_or(0) as isize;
        let next = AUTH_CHOICES[(at + delta).rem_euclid(n) as usize];
        self.inputs[Field::Auth as usize].set(next.map_or("", AuthMech::as_str));
    }
}

/// The mechanism of `s` as the AUTH field shows it: `None` (auto) when there is none or
/// when it is just the preset's own first choice (so changing the preset changes it).
pub(super) fn explicit_mech(s: &Settings) -> Option<String> {
    let mech = s.auth.as_ref()?.mech?;
    let preset_first = super::preset_pick::preset_id(s)
        .and_then(|id| crate::presets::find(&id).ok())
        .and_then(|p| p.auth.first().copied());
    (preset_first != Some(mech)).then(|| mech.as_str().to_string())
}
