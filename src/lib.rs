//! smtptui: tells a person, on site and in seconds, why mail submission from this
//! network to that server works or fails, and shows the proof.
//!
//! This crate is the application: the command line ([`cli`]), the headless `check`
//! ([`headless`]) and the terminal UI ([`tui`], feature `tui`). The engine lives in the
//! `smtptui-engine` crate; its modules are re-exported here so the application and its
//! tests name them as `smtptui::model`, `smtptui::probe`, …

// Product code never unwraps: a failure is a classified error (tests may: clippy.toml).
#![deny(clippy::unwrap_used)]

pub use smtptui_engine::{
    classify, diagnose, dns, export, model, presets, probe, recommend, settings, smtp, tls,
};

pub mod cli;
pub mod headless;
#[cfg(feature = "tui")]
pub mod tui;
