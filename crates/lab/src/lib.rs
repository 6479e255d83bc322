//! An embedded, scriptable SMTP "lab": real ESMTP servers on loopback TCP with real TLS
//! (tokio-rustls, ring provider) and certificates generated at run time.
//!
//! The lab serves two masters: the integration tests of the probe engine, which start
//! one [`LabServer`] per scenario and check what the client sent with
//! [`LabServer::commands`], and `smtptui --demo`, which starts a [`DemoLab`] (a set of
//! servers that together show every feature) and points the TUI at it.
//!
//! - [`pki`]: a generated CA that issues valid, expired, not-yet-valid, self-signed and
//!   foreign-CA leaves.
//! - [`script`]: what a server does ([`Script`]), including hostile behaviour.
//! - [`server`]: the listener and its bookkeeping ([`LabServer`], [`closed_port`]).
//! - `session`, `auth`, `envelope`, `tls`: the per-connection ESMTP state machine, the
//!   SASL mechanisms it verifies, the mail transaction and the rustls server
//!   configuration.
//! - [`demo`]: the demo set of servers ([`DemoLab`]).
//! - [`loopback`]: checked loopback addresses high in 127/8 and servers sharing one
//!   port on several of them.
//! - [`relay`]: a latency relay (a loopback proxy that delays every chunk).

// Product code never unwraps: a failure is a classified error (tests may: clippy.toml).
#![deny(clippy::unwrap_used)]

mod auth;
#[cfg(feature = "demo")]
pub mod demo;
mod envelope;
pub mod loopback;
pub mod pki;
pub mod relay;
pub mod script;
pub mod server;
mod session;
mod tls;

#[cfg(test)]
mod tests;

#[cfg(feature = "demo")]
pub use demo::{DemoLab, DemoService};
pub use pki::{CertKind, Identity, LeafOptions, Pki};
pub use script::{AuthOffer, Banner, ClientCert, Hostile, Script, TlsMode, TlsVersions};
pub use server::{LabCommand, LabServer, closed_port};

/// Everything that can go wrong while setting up the lab.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    /// Certificate generation failed.
    #[error("certificate generation failed: {0}")]
    Cert(#[from] rcgen::Error),
    /// The TLS configuration was rejected.
    #[error("TLS configuration failed: {0}")]
    Tls(#[from] rustls::Error),
    /// The client-certificate verifier could not be built.
    #[error("client certificate verifier failed: {0}")]
    ClientVerifier(#[from] rustls::server::VerifierBuilderError),
    /// A socket or file operation failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// A TLS mode was asked for without an identity (certificate and key).
    #[error("the script asks for TLS but has no identity")]
    MissingIdentity,
    /// No names were given for a certificate.
    #[error("a certificate needs at least one name")]
    NoNames,
    /// Too few loopback addresses passed the check (a firewall filtering 127/8, or a
    /// system with only 127.0.0.1).
    #[error("only {found} of {wanted} loopback addresses answer here ({tried} tried)")]
    Loopback {
        /// Addresses asked for.
        wanted: usize,
        /// Addresses that passed the check.
        found: usize,
        /// Addresses tried.
        tried: usize,
    },
}
