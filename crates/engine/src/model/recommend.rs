//! The recommended working settings of a run: the endpoint an application should use
//! from here (host, port, TLS mode, AUTH mechanism, user form), why the other endpoints
//! were not chosen, and copy-ready code snippets with those settings. Never a secret:
//! the snippets read the password from an environment variable.

use serde::{Deserialize, Serialize};

use super::Mode;

/// The environment variable every snippet reads the password from.
pub const PASSWORD_ENV: &str = "SMTP_PASSWORD";

/// What works from here, as settings an application can use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// The host name to connect to (as given; the certificate was checked against it).
    pub host: String,
    /// The port.
    pub port: u16,
    /// `starttls`, `tls` (implicit TLS, SMTPS) or `plain`.
    pub mode: Mode,
    /// The TLS mode in words (`STARTTLS, required` / `implicit TLS (SMTPS)`).
    pub security: String,
    /// The AUTH mechanism: the one that succeeded, or (AUTH not tested) the one offered
    /// that smtptui would pick.
    pub mech: Option<String>,
    /// Whether AUTH was tried and succeeded on this endpoint.
    pub auth_verified: bool,
    /// The user name as given (`--user`).
    pub user: Option<String>,
    /// The form of the user name in words (`the full e-mail address`, ...).
    pub user_form: String,
    /// The environment variable the snippets read the password from.
    pub password_env: String,
    /// The name the certificate was checked against when it differs from `host`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_server_name: Option<String>,
    /// The extra CA file the certificate verified with (`--ca-file`): the application
    /// must trust it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<String>,
    /// The endpoint chosen, as its matrix label (`192.0.2.1:465/tls`).
    pub endpoint: String,
    /// Why this endpoint, in plain words.
    pub why: String,
    /// Every other endpoint of the run and why it was not chosen.
    pub not_chosen: Vec<NotChosen>,
    /// Things to know (no TLS, AUTH not tested, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Copy-ready code with these settings, one per language or tool.
    pub snippets: Vec<Snippet>,
}

/// An endpoint that was not recommended, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotChosen {
    /// The endpoint's matrix label.
    pub endpoint: String,
    /// Why not, in plain words.
    pub reason: String,
}

/// A code snippet with the recommended settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// Short stable id: `python`, `nodemailer`, `phpmailer`, `django`, `mailkit`, `go`,
    /// `curl`.
    pub id: String,
    /// Title in words (`Python smtplib`).
    pub title: String,
    /// The code.
    pub code: String,
}

impl Recommendation {
    /// One line: `mail.example.com:465, implicit TLS (SMTPS), AUTH PLAIN as me@example.com`.
    pub fn headline(&self) -> String {
        use std::fmt::Write as _;
        let mut s = format!("{}:{}, {}", self.host, self.port, self.security);
        if let Some(m) = &self.mech {
            let _ = write!(s, ", AUTH {m}");
            if let Some(u) = &self.user {
                let _ = write!(s, " as {u}");
            }
            if !self.auth_verified {
                s.push_str(" (AUTH not tested)");
            }
        }
        s
    }

    /// The plain-text block used by the headless summary, the text export and the TUI
    /// popup: settings, why, the others, notes (no snippets).
    pub fn settings_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let _ = writeln!(s, "host      {}", self.host);
        let _ = writeln!(s, "port      {}", self.port);
        let _ = writeln!(s, "security  {}", self.security);
        if let Some(m) = &self.mech {
            let state = if self.auth_verified {
                "succeeded here"
            } else {
                "offered, not tested"
            };
            let _ = writeln!(s, "auth      {m} ({state})");
        }
        match &self.user {
            Some(u) => {
                let _ = writeln!(s, "user      {u} ({})", self.user_form);
            }
            None => {
                let _ = writeln!(s, "user      {}", self.user_form);
            }
        }
        let _ = writeln!(
            s,
            "password  from the environment variable {}",
            self.password_env
        );
        if let Some(n) = &self.tls_server_name {
            let _ = writeln!(s, "TLS name  {n}");
        }
        if let Some(ca) = &self.ca_file {
            let _ = writeln!(s, "CA file   {ca} (the certificate verified with it)");
        }
        let _ = writeln!(s, "why       {}", self.why);
        for n in &self.notes {
            let _ = writeln!(s, "note      {n}");
        }
        for n in &self.not_chosen {
            let _ = writeln!(s, "not       {}: {}", n.endpoint, n.reason);
        }
        s
    }

    /// The snippet with this id.
    pub fn snippet(&self, id: &str) -> Option<&Snippet> {
        self.snippets.iter().find(|s| s.id == id)
    }
}
