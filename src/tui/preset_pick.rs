//! The target form's preset picker: the Preset field takes what `--preset` takes
//! (`gmail`, `ses:eu-west-1`); ←/→ on the field and Ctrl-O anywhere cycle through
//! [`crate::presets::providers`]. A preset that resolves fills the Host and Ports fields
//! once (they stay editable); on submit [`crate::presets::Preset::apply_to`] — the same
//! function the CLI uses — sets the AUTH mechanism and the provider hints.

use crate::presets::{self, Preset};
use crate::settings::{Settings, validate};

use super::form::{Field, Form, FormError, ports_text};

/// The preset spec (`id` or `id:region`) that matches settings' provider hints, so a
/// form loaded from `--preset` shows it.
pub fn preset_id(s: &Settings) -> Option<String> {
    let hints = s.preset.as_ref()?;
    let p = presets::providers()
        .ok()?
        .iter()
        .find(|p| p.name == hints.name)?;
    let region = p.regions.iter().find(|r| {
        p.host.contains("{region}")
            && p.host.replace("{region}", r) == s.target
            && p.default_region.as_deref() != Some(r.as_str())
    });
    Some(match region {
        Some(r) => format!("{}:{r}", p.id),
        None => p.id.clone(),
    })
}

impl Form {
    fn preset_text(&self) -> &str {
        self.input(Field::Preset).text().trim()
    }

    /// The preset the Preset field names, when it resolves.
    pub fn chosen_preset(&self) -> Option<Preset> {
        let text = self.preset_text();
        (!text.is_empty())
            .then(|| presets::find(text).ok())
            .flatten()
    }

    /// Chooses the next (`delta` > 0) or previous provider and fills the form.
    pub fn cycle_preset(&mut self, delta: isize) {
        let Ok(all) = presets::providers() else {
            return;
        };
        if all.is_empty() {
            return;
        }
        let text = self.preset_text().to_ascii_lowercase();
        let name = text.split(':').next().unwrap_or_default();
        let n = all.len() as isize;
        let next = match all.iter().position(|p| p.id == name) {
            Some(i) => (i as isize + delta).rem_euclid(n),
            None if delta >= 0 => 0,
            None => n - 1,
        } as usize;
        self.inputs[Field::Preset as usize].set(all[next].id.clone());
        self.sync_preset();
    }

    /// Fills Host and Ports from the Preset field when it names a preset not filled in
    /// yet (called after every edit, so typing `gmail` fills the form once).
    pub fn sync_preset(&mut self) {
        let text = self.preset_text().to_string();
        if text.is_empty() {
            self.preset_applied = None;
            return;
        }
        if self.preset_applied.as_deref() == Some(text.as_str()) {
            return;
        }
        if let Ok(p) = presets::find(&text) {
            self.inputs[Field::Host as usize].set(p.host.clone());
            self.inputs[Field::Ports as usize].set(ports_text(&p.ports));
            // The preset implies these: a TLS name, CA file or mechanism chosen for
            // the previous target would be wrong for the provider's host.
            for f in [Field::ServerName, Field::CaFile, Field::Auth] {
                self.inputs[f as usize].clear();
            }
            self.preset_applied = Some(text);
            self.error = None;
        }
    }

    /// One line about the chosen preset: AUTH mechanisms and note (the Preset field
    /// shows the provider's name).
    pub fn preset_info(&self) -> Option<String> {
        let p = self.chosen_preset()?;
        let mut s = format!("AUTH {}", p.provider.auth.join(", "));
        if !p.provider.note.is_empty() {
            s.push_str(" · ");
            s.push_str(&p.provider.note);
        }
        Some(s)
    }

    /// The Preset field into the settings (ports come from the Ports field, which the
    /// preset filled): AUTH mechanism and hints, or no hints when the field is empty.
    pub(super) fn apply_preset(&self, s: &mut Settings) -> Result<(), FormError> {
        let text = self.preset_text();
        if text.is_empty() {
            s.preset = None;
            return Ok(());
        }
        let p = presets::find(text).map_err(FormError::Preset)?;
        validate::validate_preset_mode(true, s.mx)?;
        // A different provider than before: its preferred mechanism replaces the old one.
        let changed = s.preset.as_ref().map(|h| h.name.as_str()) != Some(p.hints.name.as_str());
        if changed && let Some(auth) = s.auth.as_mut() {
            auth.mech = None;
        }
        p.apply_to(s, false);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::AuthMech;

    fn set(f: &mut Form, field: Field, text: &str) {
        f.inputs[field as usize].set(text);
    }

    #[test]
    fn cycling_fills_host_and_ports() {
        let all = presets::providers().unwrap();
        let mut f = Form::new(Vec::new());
        f.cycle_preset(1);
        assert_eq!(f.input(Field::Preset).text(), all[0].id);
        let p = presets::find(&all[0].id).unwrap();
        assert_eq!(f.input(Field::Host).text(), p.host);
        assert_eq!(f.input(Field::Ports).text(), ports_text(&p.ports));
        f.cycle_preset(1);
        assert_eq!(f.input(Field::Preset).text(), all[1].id);
        f.cycle_preset(-2);
        assert_eq!(f.input(Field::Preset).text(), all[all.len() - 1].id);
    }

    #[test]
    fn typing_a_spec_fills_once_and_keeps_edits() {
        let mut f = Form::new(Vec::new());
        set(&mut f, Field::Preset, "ses:eu-west-1");
        f.sync_preset();
        assert_eq!(
            f.input(Field::Host).text(),
            "email-smtp.eu-west-1.amazonaws.com"
        );
        set(&mut f, Field::Host, "edited.example");
        f.sync_preset();
        assert_eq!(f.input(Field::Host).text(), "edited.example");
        set(&mut f, Field::Preset, "nope");
        f.sync_preset();
        assert_eq!(f.input(Field::Host).text(), "edited.example");
    }

    #[test]
    fn submit_sets_mechanism_and_hints() {
        let mut f = Form::new(Vec::new());
        set(&mut f, Field::Preset, "microsoft365");
        f.sync_preset();
        set(&mut f, Field::User, "u@x.test");
        set(&mut f, Field::Password, "pw");
        let s = f.submit().unwrap();
        assert_eq!(s.target, "smtp.office365.com");
        assert_eq!(s.auth.as_ref().unwrap().mech, Some(AuthMech::Login));
        assert!(s.preset.as_ref().unwrap().name.contains("Microsoft"));
        assert!(!s.mx);
        // The form reloaded from these settings names the preset again.
        let mut g = Form::new(Vec::new());
        g.load_settings(&s);
        assert_eq!(g.input(Field::Preset).text(), "microsoft365");
        // Clearing the field drops the hints.
        set(&mut f, Field::Preset, "");
        assert!(f.submit().unwrap().preset.is_none());
    }

    #[test]
    fn preset_errors_and_mx_conflict() {
        let mut f = Form::new(Vec::new());
        set(&mut f, Field::Host, "h.example");
        set(&mut f, Field::Preset, "nope");
        let e = f.submit().unwrap_err();
        assert!(matches!(
            e,
            FormError::Preset(presets::PresetError::Unknown(_))
        ));
        assert_eq!(
            e.to_string(),
            "preset: unknown preset `nope` (see `smtptui presets`)"
        );
        set(&mut f, Field::Preset, "gmail");
        set(&mut f, Field::Host, "mx:example.com");
        let e = f.submit().unwrap_err();
        assert_eq!(e, FormError::PresetWithMx);
        assert_eq!(
            e.to_string(),
            "preset: a preset and MX mode (mx:) do not combine"
        );
        set(&mut f, Field::Preset, "");
        let s = f.submit().unwrap();
        assert!(s.mx);
        assert_eq!(s.target, "example.com");
        let mut g = Form::new(Vec::new());
        g.load_settings(&s);
        assert_eq!(g.input(Field::Host).text(), "mx:example.com");
    }

    #[test]
    fn region_is_recovered_from_the_host() {
        let mut s = Settings::new("email-smtp.eu-west-1.amazonaws.com");
        presets::find("ses:eu-west-1")
            .unwrap()
            .apply_to(&mut s, true);
        assert_eq!(preset_id(&s).as_deref(), Some("ses:eu-west-1"));
        let mut s = Settings::new("email-smtp.us-east-1.amazonaws.com");
        presets::find("ses").unwrap().apply_to(&mut s, true);
        assert_eq!(preset_id(&s).as_deref(), Some("ses"));
    }
}
