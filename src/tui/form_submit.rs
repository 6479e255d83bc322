//! The target form into validated [`Settings`]: one step per group of fields, every
//! value checked by the rules of [`crate::settings::validate`] the command line uses.
//! The Password field is cleared afterwards (the secret lives on only inside the
//! settings); a proxy URL with a user takes the proxy password the form was handed
//! ([`Form::with_proxy_password`]) — the form reads no environment.

use std::path::Path;

use crate::model::Secret;
use crate::settings::{AuthMech, AuthSettings, Settings, validate};

use super::form::{Field, Form, FormError, split_mx};

impl Form {
    /// Validates the form into settings. The password field is cleared afterwards
    /// (the secret lives on only inside the returned settings).
    pub fn submit(&mut self) -> Result<Settings, FormError> {
        let (host, mx) = split_mx(self.text(Field::Host));
        if host.is_empty() {
            return Err(FormError::NoHost);
        }
        validate::validate_target(host)?;
        let ports = validate::parse_ports(self.text(Field::Ports)).map_err(FormError::Ports)?;
        let mech = self.mech()?;
        let mut s = match &self.base {
            Some(b) => Settings {
                target: host.to_string(),
                ..b.clone()
            },
            None => Settings::new(host),
        };
        s.ports = ports;
        s.mx = mx;
        self.apply_auth(&mut s, mech)?;
        self.apply_envelope_and_trust(&mut s)?;
        self.apply_dns(&mut s)?;
        self.apply_reach(&mut s)?;
        self.apply_preset(&mut s)?;
        // The same check `check` makes before probing: the trust anchors and the client
        // certificate must load.
        super::engine::check_tls(&s.tls).map_err(FormError::Tls)?;
        if let (Some(m), Some(auth)) = (mech, s.auth.as_mut()) {
            auth.mech = Some(m);
        }
        self.inputs[Field::Password as usize].clear();
        self.base = Some(s.clone());
        self.error = None;
        Ok(s)
    }

    /// User and password: an empty password keeps the one the settings have. The
    /// mechanism is set last, after the preset (auto leaves the choice to the preset or
    /// to the server's EHLO).
    fn apply_auth(&self, s: &mut Settings, mech: Option<AuthMech>) -> Result<(), FormError> {
        let user = self.text(Field::User);
        let password = self.input(Field::Password).text();
        if user.is_empty() && !password.is_empty() {
            return Err(FormError::PasswordWithoutUser);
        }
        validate::validate_mech_user(mech, !user.is_empty())?;
        let previous = s.auth.take();
        if user.is_empty() {
            return Ok(());
        }
        let secret = if password.is_empty() {
            previous.map(|a| a.secret).unwrap_or_default()
        } else {
            Secret::new(password)
        };
        s.auth = Some(AuthSettings {
            user: user.to_string(),
            secret,
            mech: None,
        });
        Ok(())
    }

    /// The envelope (MAIL FROM, RCPT TO), the TLS name and the CA file.
    fn apply_envelope_and_trust(&self, s: &mut Settings) -> Result<(), FormError> {
        let from = self.text(Field::From);
        s.from = (!from.is_empty()).then(|| from.to_string());
        s.to = self
            .text(Field::To)
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(String::from)
            .collect();
        let sn = self.text(Field::ServerName);
        s.tls.server_name = (!sn.is_empty()).then(|| sn.to_string());
        s.tls.ca_file = self.pem_file(Field::CaFile, "CA file")?;
        for addr in s.from.iter().chain(&s.to) {
            validate::validate_address(addr)?;
        }
        Ok(())
    }

    /// `--resolve` overrides, the DNS server and the DKIM selectors.
    fn apply_dns(&self, s: &mut Settings) -> Result<(), FormError> {
        s.resolve = validate::parse_resolve_list(self.text(Field::Resolve))?;
        let dns = self.text(Field::DnsServer);
        s.dns_server = (!dns.is_empty())
            .then(|| validate::parse_dns_server(dns))
            .transpose()?;
        s.dkim_selectors = validate::parse_dkim_selectors(
            self.text(Field::DkimSelectors)
                .split([',', ' '])
                .filter(|t| !t.trim().is_empty()),
        )?;
        Ok(())
    }

    /// The proxy (with the handed password), the source address or interface, and the
    /// client certificate.
    fn apply_reach(&self, s: &mut Settings) -> Result<(), FormError> {
        let proxy = self.text(Field::Proxy);
        s.proxy = (!proxy.is_empty())
            .then(|| validate::parse_proxy(proxy, || self.proxy_password.clone()))
            .transpose()?;
        // An IP address binds the source address; anything else names an interface.
        let bind = self.text(Field::Bind);
        s.bind = None;
        s.interface = None;
        if let Ok(ip) = bind.parse() {
            s.bind = Some(ip);
        } else if !bind.is_empty() {
            validate::validate_interface(bind)?;
            s.interface = Some(bind.to_string());
        }
        let given = |f: Field| Some(Path::new(self.text(f))).filter(|p| !p.as_os_str().is_empty());
        validate::validate_client_pair(given(Field::ClientCert), given(Field::ClientKey))?;
        s.tls.client_cert = self.pem_file(Field::ClientCert, "client certificate")?;
        s.tls.client_key = self.pem_file(Field::ClientKey, "client key")?;
        Ok(())
    }

    /// The PEM file a field names (None when empty); it must exist.
    fn pem_file(
        &self,
        field: Field,
        name: &'static str,
    ) -> Result<Option<std::path::PathBuf>, FormError> {
        let text = self.text(field);
        Ok((!text.is_empty())
            .then(|| validate::validate_pem_file(name, Path::new(text)))
            .transpose()?)
    }
}
