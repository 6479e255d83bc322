//! Usage errors of the command line (exit status 2): a value the shared rules refuse
//! ([`ValidationError`]), an unknown preset, or what only the command line checks
//! (option names, the AUTH password's sources). The binary prints them as
//! `smtptui: MESSAGE`.

use std::path::PathBuf;

use crate::presets::PresetError;
use crate::settings::ValidationError;

/// Why the command line cannot be run.
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    /// A value the rules of [`crate::settings::validate`] refuse.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// `--preset` names no preset (or region).
    #[error(transparent)]
    Preset(#[from] PresetError),
    /// `--auth` names no mechanism smtptui speaks.
    #[error("unknown --auth `{0}` (PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER)")]
    UnknownMech(String),
    /// `--quit-after` names no stage.
    #[error(
        "--quit-after: unknown stage `{0}` (connect, banner, ehlo, starttls, auth, mail, rcpt, data)"
    )]
    UnknownStage(String),
    /// A hidden test port (`mx-port`, `mta-sts-port`) of 0 (feature `testing`).
    #[cfg(feature = "testing")]
    #[error("--{0} must be 1-65535")]
    TestPort(&'static str),
    /// `--password-file` cannot be read.
    #[error("--password-file {}: {source}", .path.display())]
    PasswordFile {
        /// The file as given.
        path: PathBuf,
        /// Why it cannot be read.
        source: std::io::Error,
    },
    /// `--password-file` starts with an empty line.
    #[error("--password-file {}: empty", .0.display())]
    EmptyPasswordFile(PathBuf),
    /// `--user` without a password from any source (the variable it would come from).
    #[error(
        "--user given but no password: set {0}, use --password-file, or run on a terminal to be prompted"
    )]
    NoPassword(&'static str),
}
