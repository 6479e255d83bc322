//! Running the built `smtptui` as a user does: a command with a clean environment (no
//! password or token inherited, `NO_COLOR` set), its exit code and output, and the JSON
//! document of `check --format json` with accessors for its endpoints.
//!
//! [`run`] and [`check_json`] are async, so the lab servers of the calling test keep
//! serving on its runtime while the binary talks to them; the `_blocking` forms are for
//! plain `#[test]`s against servers outside the process.

use std::ffi::OsStr;
use std::fmt::Display;
use std::process::Command;

use serde_json::Value;

use super::{HOST, TestPki};

/// `smtptui` with a clean environment; `password`, if any, in `SMTPTUI_PASSWORD`.
pub fn command(password: Option<&str>) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_smtptui"));
    c.env_remove("SMTPTUI_PASSWORD")
        .env_remove("SMTPTUI_OAUTH_TOKEN")
        .env("NO_COLOR", "1");
    if let Some(p) = password {
        c.env("SMTPTUI_PASSWORD", p);
    }
    c
}

/// What one run of the binary gave.
#[derive(Debug)]
pub struct Output {
    /// The exit code (-1 when killed by a signal).
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    fn new(out: &std::process::Output) -> Output {
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Standard output as one JSON document (panics with both streams when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `smtptui ARGS`.
pub async fn run<S: AsRef<OsStr>>(args: &[S], password: Option<&str>) -> Output {
    let mut c = tokio::process::Command::from(command(password));
    let out = c.args(args).output().await.expect("run smtptui");
    Output::new(&out)
}

/// [`run`] for tests without a runtime.
pub fn run_blocking<S: AsRef<OsStr>>(args: &[S], password: Option<&str>) -> Output {
    let out = command(password).args(args).output().expect("run smtptui");
    Output::new(&out)
}

/// `smtptui check ARGS --format json`: the document, the exit code and the output.
#[derive(Debug)]
pub struct Report {
    pub code: i32,
    pub doc: Value,
    pub stdout: String,
    pub stderr: String,
}

impl Report {
    fn new(out: Output) -> Report {
        Report {
            code: out.code,
            doc: out.json(),
            stdout: out.stdout,
            stderr: out.stderr,
        }
    }

    /// The first endpoint.
    pub fn ep(&self) -> &Value {
        &self.doc["endpoints"][0]
    }

    /// The class of the first endpoint.
    pub fn class(&self) -> &str {
        self.ep()["class"].as_str().unwrap_or("")
    }

    /// The warning codes of the first endpoint.
    pub fn warnings(&self) -> Vec<String> {
        self.ep()["warnings"]
            .as_array()
            .expect("warnings is always an array")
            .iter()
            .map(|w| w["code"].as_str().unwrap_or("").to_string())
            .collect()
    }

    /// The endpoint on `port` (panics with the whole document when absent).
    pub fn endpoint(&self, port: impl Display) -> &Value {
        let port: u64 = port.to_string().parse().expect("a numeric port");
        self.doc["endpoints"]
            .as_array()
            .and_then(|eps| eps.iter().find(|e| e["port"].as_u64() == Some(port)))
            .unwrap_or_else(|| panic!("no endpoint for port {port} in {}", self.stdout))
    }

    /// The class of the endpoint on `port`.
    pub fn class_of(&self, port: impl Display) -> &str {
        self.endpoint(port)["class"].as_str().unwrap_or("<none>")
    }

    /// The transcript of the endpoint on `port`, one `dir text` line per entry.
    pub fn transcript(&self, port: impl Display) -> String {
        self.endpoint(port)["transcript"]
            .as_array()
            .map(|t| {
                t.iter()
                    .map(|e| {
                        format!(
                            "{} {}",
                            e["dir"].as_str().unwrap_or(""),
                            e["text"].as_str().unwrap_or("")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    }

    /// The leaf certificate of the endpoint on `port`.
    pub fn leaf(&self, port: impl Display) -> &Value {
        &self.endpoint(port)["tls"]["chain"][0]
    }
}

fn with_json<S: AsRef<OsStr>>(args: &[S]) -> Vec<&OsStr> {
    let mut all: Vec<&OsStr> = vec![OsStr::new("check")];
    all.extend(args.iter().map(AsRef::as_ref));
    all.extend([OsStr::new("--format"), OsStr::new("json")]);
    all
}

/// Runs `smtptui check ARGS --format json` and parses the document.
pub async fn check_json<S: AsRef<OsStr>>(args: &[S], password: Option<&str>) -> Report {
    Report::new(run(&with_json(args), password).await)
}

/// [`check_json`] for tests without a runtime.
pub fn check_json_blocking<S: AsRef<OsStr>>(args: &[S], password: Option<&str>) -> Report {
    Report::new(run_blocking(&with_json(args), password))
}

/// The `check` arguments that name a lab server: `HOST --resolve HOST:127.0.0.1 -p SPEC
/// --ca-file CA`, `port_spec` being `PORT[/MODE]`.
pub fn lab_target(pki: &TestPki, port_spec: &str) -> Vec<String> {
    vec![
        HOST.into(),
        "--resolve".into(),
        format!("{HOST}:127.0.0.1"),
        "-p".into(),
        port_spec.into(),
        "--ca-file".into(),
        pki.ca_file.to_string_lossy().into_owned(),
    ]
}
