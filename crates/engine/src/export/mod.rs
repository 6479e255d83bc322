//! Export of a run: a text report (a summary — matrix, verdicts, recommended settings,
//! options used — then the transcript with swaks-like markers), the versioned JSON
//! document, and a self-contained HTML report to hand over. Files are named
//! `smtptui-TARGET-DATE.{txt,json,html}`, written atomically (temporary file + hard
//! link), with mode 0600, and never overwrite an existing file.

mod html;
mod html_rows;
mod options;
mod text;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::model::RunReport;

pub use html::to_html;
pub use options::options_used;
pub use text::to_text;

/// The format of an export file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// The text report (summary + transcript).
    Text,
    /// The JSON document.
    Json,
    /// The self-contained HTML report.
    Html,
}

impl Format {
    /// The file extension.
    pub fn ext(self) -> &'static str {
        match self {
            Self::Text => "txt",
            Self::Json => "json",
            Self::Html => "html",
        }
    }

    /// The format a file name asks for: `.json` → JSON, `.html`/`.htm` → HTML, else text.
    pub fn from_path(path: &Path) -> Self {
        match path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("json") => Self::Json,
            Some("html" | "htm") => Self::Html,
            _ => Self::Text,
        }
    }

    /// The report rendered in this format.
    pub fn render(self, report: &RunReport) -> String {
        match self {
            Self::Text => to_text(report),
            Self::Json => to_json(report),
            Self::Html => to_html(report),
        }
    }
}

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

/// Writes `contents` to `path` atomically with mode 0600. If `path` is a directory, a
/// fresh name `smtptui-TARGET-YYYYmmdd-HHMMSS[-N].EXT` is chosen in it (`target` made
/// safe for a file name). Never overwrites: an existing file is an error.
pub fn write_new(
    path: &Path,
    target: &str,
    ext: &str,
    contents: &str,
) -> Result<PathBuf, ExportError> {
    let target = if path.is_dir() {
        fresh_name(path, target, ext)
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

fn fresh_name(dir: &Path, target: &str, ext: &str) -> PathBuf {
    let now = time::OffsetDateTime::now_utc();
    let stamp = now
        .format(time::macros::format_description!(
            "[year][month][day]-[hour][minute][second]"
        ))
        .unwrap_or_else(|_| "export".into());
    let name = file_safe(target);
    let mut candidate = dir.join(format!("smtptui-{name}-{stamp}.{ext}"));
    let mut n = 1;
    while candidate.exists() {
        candidate = dir.join(format!("smtptui-{name}-{stamp}-{n}.{ext}"));
        n += 1;
    }
    candidate
}

/// A target as a file-name part: letters, digits, `.` `-` `_` kept, everything else
/// (`:` of IPv6, `/`, spaces, control bytes) becomes `_`; at most 64 characters; never
/// empty or a dot name.
pub fn file_safe(target: &str) -> String {
    let mut s: String = target
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    s = s.trim_matches('.').to_string();
    if s.is_empty() {
        s = "target".into();
    }
    s
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
    fn file_safe_names() {
        assert_eq!(file_safe("Mail.Example.com"), "mail.example.com");
        assert_eq!(file_safe("2001:db8::1"), "2001_db8__1");
        assert_eq!(file_safe("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(file_safe("a\x1b[31m"), "a__31m");
        assert_eq!(file_safe(".."), "target");
        assert_eq!(file_safe(&"x".repeat(200)).len(), 64);
    }

    #[test]
    fn format_from_path() {
        assert_eq!(Format::from_path(Path::new("r.HTML")), Format::Html);
        assert_eq!(Format::from_path(Path::new("r.json")), Format::Json);
        assert_eq!(Format::from_path(Path::new("r.txt")), Format::Text);
        assert_eq!(Format::from_path(Path::new("r")), Format::Text);
    }

    #[test]
    fn writes_0600_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.txt");
        let written = write_new(&p, "x", "txt", "hello").unwrap();
        assert_eq!(std::fs::read_to_string(&written).unwrap(), "hello");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&written).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        assert!(matches!(
            write_new(&p, "x", "txt", "again"),
            Err(ExportError::Exists(_))
        ));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "hello");
        // A directory gets fresh names, twice in the same second.
        let a = write_new(dir.path(), "mail.example.com", "json", "{}").unwrap();
        let b = write_new(dir.path(), "mail.example.com", "json", "{}").unwrap();
        assert_ne!(a, b);
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.starts_with("smtptui-mail.example.com-20"), "{name}");
        assert!(
            Path::new(&name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("json")),
            "{name}"
        );
        assert!(
            std::fs::read_dir(dir.path()).unwrap().all(|e| !e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with(".tmp"))
        );
    }
}
