//! Plain data shared by every layer: transcript entries, endpoints, phases, verdicts,
//! certificate summaries, probe events and the run report. No I/O and no tokio here;
//! serde derives give the JSON export its shape (the JSON schema is a contract).

pub mod cert;
pub mod class;
pub mod endpoint;
pub mod escape;
pub mod event;
pub mod path;
pub mod recommend;
pub mod report;
pub mod secret;
pub mod transcript;
pub mod warning;

pub use cert::{CertProblem, CertSummary, DerChain, TlsInfo};
pub use class::{Class, Severity, Verdict};
pub use endpoint::{Endpoint, EndpointId, Family, Mode, Phase, PhaseTiming, PortSpec, RunId};
pub use escape::{escape_bytes, escape_str};
pub use event::{NextStep, ProbeEvent};
pub use path::{Hop, HopRef, Icmp, PathReport, PathVerdict, TcpReply};
pub use recommend::{NotChosen, PASSWORD_ENV, Recommendation, Snippet};
pub use report::{
    DnsCheck, DnsFinding, DnsReport, DnsStatus, EndpointJson, EndpointReport, Finding, MxHost,
    RunReport, SCHEMA_VERSION,
};
pub use secret::Secret;
pub use transcript::{Direction, TranscriptEntry};
pub use warning::{ProviderMatch, Warning, WarningCode};
