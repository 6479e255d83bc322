//! The command line into validated [`Settings`]: one named step per group of options,
//! in the order the options are checked, each value checked by the rules of
//! [`crate::settings::validate`] the TUI's target form uses too.

use std::path::Path;

use crate::model::Secret;
use crate::presets::Preset;
use crate::settings::{
    AuthMech, AuthSettings, FamilyFilter, OptIns, Settings, Stage, Timeouts, TlsSettings, validate,
};

use super::{
    DomainArgs, FamilyArgs, PathArgs, ProbeArgs, SecretSource, SessionArgs, TimeoutArgs, TlsArgs,
    UsageError,
};

impl ProbeArgs {
    /// Validates and converts into settings for `target` (`mx:DOMAIN` is MX mode, as
    /// `--mx DOMAIN`).
    pub fn to_settings(
        &self,
        target: &str,
        secrets: &dyn SecretSource,
    ) -> Result<Settings, UsageError> {
        let preset = self.find_preset()?;
        let (target, mx_prefix) = validate::split_mx(target);
        let target = match (target, &preset) {
            ("", Some(p)) => p.host.as_str(),
            (t, _) => t,
        };
        validate::validate_target(target)?;
        let mut s = self.fill(Settings::new(target), preset, secrets)?;
        s.mx |= mx_prefix;
        validate::validate_preset_mode(s.preset.is_some(), s.mx)?;
        Ok(s)
    }

    /// Validates every option without a target: the settings the TUI's target form
    /// starts from when no target was given (the target is empty, or the preset's host).
    pub fn to_form_settings(&self, secrets: &dyn SecretSource) -> Result<Settings, UsageError> {
        let preset = self.find_preset()?;
        let host = preset.as_ref().map(|p| p.host.clone()).unwrap_or_default();
        self.fill(Settings::new(host), preset, secrets)
    }

    fn find_preset(&self) -> Result<Option<Preset>, UsageError> {
        Ok(self
            .domain
            .preset
            .as_deref()
            .map(crate::presets::find)
            .transpose()?)
    }

    /// Every option except the target into `s`, step by step.
    fn fill(
        &self,
        mut s: Settings,
        preset: Option<Preset>,
        secrets: &dyn SecretSource,
    ) -> Result<Settings, UsageError> {
        self.apply_addressing(&mut s)?;
        s.timeouts = self.timeouts.to_timeouts()?;
        s.tls = self.tls.to_tls(self.insecure)?;
        self.apply_reach(&mut s, secrets)?;
        self.tls.check_files()?;
        self.session.apply(&mut s, secrets)?;
        s.concurrency = validate::validate_concurrency(self.concurrency)?;
        self.path.apply(&mut s)?;
        self.domain.apply(&mut s, preset, self.ports.is_empty())?;
        Ok(s)
    }

    /// Ports, address family, `--resolve` and `--dns-server`.
    fn apply_addressing(&self, s: &mut Settings) -> Result<(), UsageError> {
        if !self.ports.is_empty() {
            s.ports = validate::dedup_ports(&self.ports);
        }
        s.family = self.family.filter();
        s.resolve = self
            .resolve
            .iter()
            .map(|r| validate::parse_resolve(r))
            .collect::<Result<_, _>>()?;
        s.dns_server = self
            .dns_server
            .as_deref()
            .map(validate::parse_dns_server)
            .transpose()?;
        Ok(())
    }

    /// `--proxy` (its password from `secrets`), `--bind` and `--interface`.
    fn apply_reach(&self, s: &mut Settings, secrets: &dyn SecretSource) -> Result<(), UsageError> {
        if let Some(url) = &self.proxy {
            s.proxy = Some(validate::parse_proxy(url, || secrets.proxy_password())?);
        }
        s.bind = self.bind;
        if let Some(i) = &self.interface {
            validate::validate_interface(i)?;
            s.interface = Some(i.clone());
        }
        Ok(())
    }
}

impl FamilyArgs {
    /// `-4`, `-6`, or both families.
    pub fn filter(&self) -> FamilyFilter {
        match (self.ipv4, self.ipv6) {
            (true, _) => FamilyFilter::V4,
            (_, true) => FamilyFilter::V6,
            _ => FamilyFilter::Any,
        }
    }
}

impl TimeoutArgs {
    /// `--timeout` for every phase (the overall deadline 4 × it), then each phase's own.
    pub fn to_timeouts(&self) -> Result<Timeouts, UsageError> {
        let mut t = match self.timeout {
            Some(v) => Timeouts::uniform(validate::validate_timeout("timeout", v)?),
            None => Timeouts::default(),
        };
        for (option, value, slot) in [
            ("connect-timeout", self.connect_timeout, &mut t.connect),
            ("banner-timeout", self.banner_timeout, &mut t.banner),
            ("command-timeout", self.command_timeout, &mut t.command),
            ("tls-timeout", self.tls_timeout, &mut t.tls),
            ("overall-timeout", self.overall_timeout, &mut t.overall),
        ] {
            if let Some(v) = value {
                *slot = validate::validate_timeout(option, v)?;
            }
        }
        Ok(t)
    }
}

impl TlsArgs {
    /// The TLS settings (`insecure` is `--insecure`); the certificate and key go together.
    pub fn to_tls(&self, insecure: bool) -> Result<TlsSettings, UsageError> {
        validate::validate_client_pair(self.client_cert.as_deref(), self.client_key.as_deref())?;
        Ok(TlsSettings {
            ca_file: self.ca_file.clone(),
            server_name: self.tls_server_name.clone(),
            insecure,
            no_system_roots: self.no_system_roots,
            client_cert: self.client_cert.clone(),
            client_key: self.client_key.clone(),
        })
    }

    /// The PEM files named exist.
    pub fn check_files(&self) -> Result<(), UsageError> {
        for (option, path) in [
            ("--ca-file", &self.ca_file),
            ("--client-cert", &self.client_cert),
            ("--client-key", &self.client_key),
        ] {
            if let Some(path) = path {
                validate::validate_pem_file(option, path)?;
            }
        }
        Ok(())
    }
}

impl PathArgs {
    /// `--trace` / `--no-trace` and `--max-hops`.
    fn apply(&self, s: &mut Settings) -> Result<(), UsageError> {
        s.trace = !self.no_trace;
        s.max_hops = validate::validate_max_hops(self.max_hops)?;
        Ok(())
    }
}

impl SessionArgs {
    /// EHLO name, AUTH (the secret from `secrets`), the opt-ins, the envelope and
    /// `--quit-after`.
    fn apply(&self, s: &mut Settings, secrets: &dyn SecretSource) -> Result<(), UsageError> {
        if let Some(e) = &self.ehlo {
            validate::validate_ehlo(e)?;
            s.ehlo_name.clone_from(e);
        }
        let mech = self
            .auth
            .as_deref()
            .map(|m| AuthMech::parse(m).ok_or_else(|| UsageError::UnknownMech(m.to_string())))
            .transpose()?;
        validate::validate_mech_user(mech, self.user.is_some())?;
        if let Some(user) = &self.user {
            s.auth = Some(AuthSettings {
                user: user.clone(),
                secret: self.secret(user, mech, secrets)?,
                mech,
            });
        }
        s.opt_in = OptIns {
            plaintext_auth: self.allow_plaintext_auth,
            send: self.send,
            relay_test: self.relay_test,
        };
        for addr in self.from.iter().chain(&self.to) {
            validate::validate_address(addr)?;
        }
        s.from.clone_from(&self.from);
        s.to.clone_from(&self.to);
        validate::validate_send(self.send, &self.to)?;
        s.quit_after = self
            .quit_after
            .as_deref()
            .map(|q| Stage::parse(q).ok_or_else(|| UsageError::UnknownStage(q.to_string())))
            .transpose()?;
        Ok(())
    }

    /// The AUTH secret: `--password-file`, else the variable (`SMTPTUI_OAUTH_TOKEN` for
    /// the bearer mechanisms, `SMTPTUI_PASSWORD` otherwise), else a prompt.
    fn secret(
        &self,
        user: &str,
        mech: Option<AuthMech>,
        src: &dyn SecretSource,
    ) -> Result<Secret, UsageError> {
        if let Some(path) = &self.password_file {
            return read_password_file(path);
        }
        let var = if matches!(mech, Some(AuthMech::XOAuth2 | AuthMech::OAuthBearer)) {
            "SMTPTUI_OAUTH_TOKEN"
        } else {
            "SMTPTUI_PASSWORD"
        };
        if let Some(v) = src.env(var).filter(|v| !v.is_empty()) {
            return Ok(Secret::new(v));
        }
        src.prompt(&format!("Password for {user}: "))
            .filter(|p| !p.is_empty())
            .map(Secret::new)
            .ok_or(UsageError::NoPassword(var))
    }
}

/// The first line of `--password-file`.
fn read_password_file(path: &Path) -> Result<Secret, UsageError> {
    let text = std::fs::read_to_string(path).map_err(|source| UsageError::PasswordFile {
        path: path.to_path_buf(),
        source,
    })?;
    let line = text.lines().next().unwrap_or("");
    if line.is_empty() {
        return Err(UsageError::EmptyPasswordFile(path.to_path_buf()));
    }
    Ok(Secret::new(line))
}

impl DomainArgs {
    /// The test hooks `--mx-port` / `--mta-sts-port` (feature `testing` only).
    #[cfg(feature = "testing")]
    fn apply_test_ports(&self, s: &mut Settings) -> Result<(), UsageError> {
        for (name, port) in [
            ("mx-port", self.mx_port),
            ("mta-sts-port", self.mta_sts_port),
        ] {
            if port == Some(0) {
                return Err(UsageError::TestPort(name));
            }
        }
        if let Some(p) = self.mx_port {
            s.mx_port = p;
        }
        if let Some(p) = self.mta_sts_port {
            s.mta_sts_port = p;
        }
        Ok(())
    }

    /// `--mx`, `--dnsbl`, `--dkim-selector`, the hidden test options and `--preset`
    /// (its ports when `set_ports`, i.e. no `-p` was given; the AUTH mechanism when
    /// `--user` came without `--auth`; the hints).
    fn apply(
        &self,
        s: &mut Settings,
        preset: Option<Preset>,
        set_ports: bool,
    ) -> Result<(), UsageError> {
        s.mx = self.mx;
        s.dnssec_anchor.clone_from(&self.dnssec_anchor);
        s.dnsbl = validate::parse_dnsbl_zones(self.dnsbl.iter().map(String::as_str))?;
        #[cfg(feature = "testing")]
        self.apply_test_ports(s)?;
        s.dkim_selectors =
            validate::parse_dkim_selectors(self.dkim_selector.iter().map(String::as_str))?;
        if let Some(p) = preset {
            validate::validate_preset_mode(true, self.mx)?;
            p.apply_to(s, set_ports);
        }
        Ok(())
    }
}
