//! smtptui: tells a person, on site and in seconds, why mail submission from this
//! network to that server works or fails, and shows the proof.
//!
//! The engine (`model`, `smtp`, `tls`, `dns`, `classify`, `probe`, `export`) builds
//! without any terminal crate; the TUI lives behind the default `tui` feature.

pub mod classify;
pub mod cli;
pub mod diagnose;
pub mod dns;
pub mod export;
pub mod headless;
#[cfg(feature = "lab")]
pub mod lab;
pub mod model;
pub mod presets;
pub mod probe;
pub mod recommend;
pub mod settings;
pub mod smtp;
pub mod tls;
#[cfg(feature = "tui")]
pub mod tui;
