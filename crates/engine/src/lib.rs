//! smtptui's engine: everything that probes, checks and judges, with no terminal and no
//! command line. The application crate (`smtptui`: CLI, headless output, TUI) and the lab
//! crate (`smtptui-lab`) build on it; the compiler keeps clap, ratatui, crossterm, rcgen
//! and rpassword out of it.
//!
//! - [`model`]: plain data (transcript, endpoints, classes, warnings, report = JSON v1).
//! - [`smtp`]: reply parser, EHLO, the recording session driver, AUTH mechanisms.
//! - [`tls`]: rustls configs, trust anchors, the capturing verifier, chain inspection.
//! - [`dns`]: the `Lookup` trait (hickory, static table, per-run cache).
//! - [`classify`]: verdicts from data (`assets/replies.toml`), providers, warnings.
//! - [`probe`]: the only module that opens sockets: the port matrix, stepping, path check.
//! - [`diagnose`]: MX mode and the DNS mail-security report.
//! - [`recommend`], [`export`], [`presets`], [`settings`].

// Product code never unwraps: a failure is a classified error (tests may: clippy.toml).
#![deny(clippy::unwrap_used)]

pub mod classify;
pub mod diagnose;
pub mod dns;
pub mod export;
pub mod model;
pub mod presets;
pub mod probe;
pub mod recommend;
pub mod settings;
pub mod smtp;
pub mod tls;
