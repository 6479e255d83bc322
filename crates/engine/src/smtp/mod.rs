//! The SMTP protocol layer, with no sockets: a pure, bounded reply parser
//! ([`reply`]), EHLO capability parsing that keeps the raw lines ([`ehlo`]), a session
//! driver generic over `AsyncRead + AsyncWrite` that records every line it sends or
//! receives ([`session`]), the AUTH exchanges ([`auth`]) and the transcript recorder
//! that escapes and redacts at the source ([`record`]).
//!
//! Everything here is tested over `tokio::io::duplex`; the probe engine supplies TCP or
//! TLS streams and applies timeouts around these calls.

pub mod auth;
pub mod ehlo;
pub mod record;
pub mod reply;
pub mod session;

pub use auth::{authenticate, choose_mech, decode_xoauth2_error};
pub use ehlo::{Capabilities, banner_looks_masked, looks_masked_keyword, parse_ehlo};
pub use record::{REDACTED, Recorder};
pub use reply::{EnhancedCode, Limits, Reply, ReplyError, ReplyParser};
pub use session::{Session, SmtpError};
