//! Export of a run: a text transcript with swaks-like markers (`->` `<-` client/server,
//! `~>` `<~` inside TLS, `===` info, `***` error), timestamps relative to the start, endpoint
//! headers and verdicts; and the versioned JSON document. Files are written atomically
//! (temporary file + rename), with mode 0600, and never overwrite an existing file.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::model::{RunReport, TranscriptEntry};

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The file exists already; smtptui never overwrites silently.
    #[error("{0} exists already; not overwriting it")]
    Exists(PathBuf),
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// The JSON document, pretty-printed.
pub fn to_json(report: &RunReport) -> String {
    // Serialising plain data with string keys cannot fail.
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The text transcript.
pub fn to_text(report: &RunReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "=== smtptui {} transcript", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(out, "=== target: {}", report.target);
    let _ = writeln!(
        out,
        "=== started: {}  duration: {:.0} ms{}",
        report.started_at,
        report.duration_ms,
        match report.manual_sessions.len() {
            0 => String::new(),
            n => format!(" (the probe; {n} manual session(s) below)"),
        }
    );
    for e in &report.run_transcript {
        push_entry(&mut out, e);
    }
    for ep in &report.endpoints {
        let _ = writeln!(out);
        let _ = writeln!(out, "=== endpoint {} ({})", ep.label(), ep.host);
        for e in &ep.transcript {
            push_entry(&mut out, e);
        }
        let _ = writeln!(out, "=== verdict: {} - {}", ep.class, ep.summary);
        let _ = writeln!(out, "=== evidence: {}", ep.evidence);
        let _ = writeln!(out, "=== advice: {}", ep.advice);
        if let Some(p) = &ep.provider {
            let _ = writeln!(out, "=== provider: {} ({})", p.name, p.evidence);
        }
        for w in &ep.warnings {
            let _ = writeln!(out, "=== warning {}: {}", w.code, w.summary);
            let _ = writeln!(out, "===   evidence: {}", w.evidence);
            let _ = writeln!(out, "===   advice: {}", w.advice);
        }
        if let Some(tls) = &ep.tls {
            let state = if tls.verified {
                "verified"
            } else {
                "NOT VERIFIED (shown for inspection)"
            };
            let _ = writeln!(
                out,
                "=== tls: {} {} certificate {state}",
                tls.version, tls.cipher
            );
            for (i, c) in tls.chain.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "===   [{i}] {} (issuer {}) until {} sha256 {}",
                    c.subject, c.issuer, c.not_after, c.sha256
                );
            }
        }
    }
    for m in &report.manual_sessions {
        let ep = &m.session;
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "=== manual session {} on {} ({}): started at {:.3} s, lasted {:.0} ms",
            m.number,
            ep.label(),
            ep.host,
            m.started_ms / 1000.0,
            m.duration_ms
        );
        for e in &ep.transcript {
            push_entry(&mut out, e);
        }
        let _ = writeln!(
            out,
            "=== manual session {} verdict: {} - {}",
            m.number, ep.class, ep.summary
        );
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out);
        for f in &report.findings {
            let _ = writeln!(
                out,
                "=== finding {}: {} ({})",
                f.code, f.summary, f.evidence
            );
        }
    }
    if let Some(dns) = &report.dns {
        let _ = writeln!(out);
        let _ = writeln!(out, "=== DNS report for {}", dns.domain);
        for mx in &dns.mx {
            let _ = writeln!(
                out,
                "===   MX {} {} ({})",
                mx.preference,
                mx.host,
                mx.addresses.join(", ")
            );
        }
        for f in &dns.findings {
            let _ = writeln!(
                out,
                "=== dns {} {} {}: {}",
                f.status.as_str(),
                f.check.as_str(),
                f.subject,
                f.evidence
            );
        }
    }
    out
}

fn push_entry(out: &mut String, e: &TranscriptEntry) {
    let _ = writeln!(
        out,
        "{:>10.3} {:<3} {}",
        e.t_ms / 1000.0,
        e.dir.marker(),
        e.text
    );
}

/// Writes `contents` to `path` atomically with mode 0600. If `path` is a directory, a
/// fresh name `smtptui-YYYYmmdd-HHMMSS[-N].txt|json` is chosen in it (by `ext`).
/// Never overwrites: an existing file is an error.
pub fn write_new(path: &Path, ext: &str, contents: &str) -> Result<PathBuf, ExportError> {
    let target = if path.is_dir() {
        fresh_name(path, ext)
    } else {
        path.to_path_buf()
    };
    let io = |source| ExportError::Io {
        path: target.clone(),
        source,
    };
    if target.exists() {
        return Err(ExportError::Exists(target));
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(".smtptui-{}-{}.tmp", std::process::id(), unique()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        f.write_all(contents.as_bytes())?;
        f.sync_all()?;
        // hard_link fails if the target appeared meanwhile: no silent overwrite.
        std::fs::hard_link(&tmp, &target)?;
        std::fs::remove_file(&tmp)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            return Err(ExportError::Exists(target));
        }
        return Err(io(e));
    }
    Ok(target)
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn fresh_name(dir: &Path, ext: &str) -> PathBuf {
    let now = time::OffsetDateTime::now_utc();
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_else(|_| "export".into());
    let mut candidate = dir.join(format!("smtptui-{stamp}.{ext}"));
    let mut n = 1;
    while candidate.exists() {
        candidate = dir.join(format!("smtptui-{stamp}-{n}.{ext}"));
        n += 1;
    }
    candidate
}

/// The current time as RFC 3339 (UTC), for `started_at`.
pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_0600_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.txt");
        let written = write_new(&p, "txt", "hello").unwrap();
        assert_eq!(std::fs::read_to_string(&written).unwrap(), "hello");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&written).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(matches!(
            write_new(&p, "txt", "again"),
            Err(ExportError::Exists(_))
        ));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "hello");
        // A directory gets fresh names, twice in the same second.
        let a = write_new(dir.path(), "json", "{}").unwrap();
        let b = write_new(dir.path(), "json", "{}").unwrap();
        assert_ne!(a, b);
        assert!(
            std::fs::read_dir(dir.path()).unwrap().all(|e| !e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp"))
        );
    }
}
