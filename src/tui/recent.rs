//! Recent targets, remembered as JSON under the XDG state directory
//! (`$XDG_STATE_HOME/smtptui/recent.json`). Never a password: [`RecentTarget`] has no
//! field for one. The directory is injectable for tests.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// How many targets are remembered.
pub const MAX_RECENT: usize = 10;

/// One remembered target (everything the form holds except the password).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RecentTarget {
    /// Host.
    pub host: String,
    /// Provider preset spec (`gmail`, `ses:eu-west-1`), empty for none.
    pub preset: String,
    /// Ports and modes text.
    pub ports: String,
    /// AUTH user.
    pub user: String,
    /// AUTH mechanism (`XOAUTH2` ...), empty for auto. Older files lack it.
    #[serde(default)]
    pub auth: String,
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients.
    pub to: String,
    /// TLS server name.
    pub server_name: String,
    /// CA file.
    pub ca_file: String,
    /// `--resolve` overrides, `HOST:ADDR, ...`. Older files lack it.
    pub resolve: String,
    /// The DNS server (`--dns-server`), empty for the system's. Older files lack it.
    pub dns_server: String,
    /// SOCKS5 proxy URL (never its password).
    pub proxy: String,
    /// Local bind address.
    pub bind: String,
    /// Client certificate path.
    pub client_cert: String,
    /// Client key path.
    pub client_key: String,
}

/// Why the recent list could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum RecentError {
    /// File system error.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// Serialisation error.
    #[error("cannot encode the recent targets: {0}")]
    Json(#[from] serde_json::Error),
}

/// The file that holds the list, inside `state_dir`.
pub fn file_in(state_dir: &Path) -> PathBuf {
    state_dir.join("recent.json")
}

/// The default state directory (`$XDG_STATE_HOME/smtptui` or the platform's).
pub fn default_state_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy as _;
    let strategy = etcetera::choose_base_strategy().ok()?;
    let base = strategy.state_dir().unwrap_or_else(|| strategy.data_dir());
    Some(base.join("smtptui"))
}

/// Loads the list; a missing or unreadable file is an empty list.
pub fn load(state_dir: &Path) -> Vec<RecentTarget> {
    std::fs::read_to_string(file_in(state_dir))
        .ok()
        .and_then(|s| serde_json::from_str::<Vec<RecentTarget>>(&s).ok())
        .map(|mut v| {
            v.truncate(MAX_RECENT);
            v
        })
        .unwrap_or_default()
}

/// Puts `target` first (dropping an equal host + ports entry) and keeps [`MAX_RECENT`].
pub fn remember(list: &mut Vec<RecentTarget>, target: RecentTarget) {
    list.retain(|r| !(r.host == target.host && r.ports == target.ports));
    list.insert(0, target);
    list.truncate(MAX_RECENT);
}

/// Writes the list (directory created with 0700, file replaced atomically).
pub fn save(state_dir: &Path, list: &[RecentTarget]) -> Result<PathBuf, RecentError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RecentError::Io { path, source }
    };
    std::fs::create_dir_all(state_dir).map_err(io(state_dir))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(state_dir, std::fs::Permissions::from_mode(0o700));
    }
    let path = file_in(state_dir);
    let tmp = state_dir.join(".recent.json.tmp");
    let json = serde_json::to_string_pretty(list)?;
    std::fs::write(&tmp, json).map_err(io(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(io(&path))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_dedup_and_cap() {
        let dir = tempfile::tempdir().unwrap();
        assert!(load(dir.path()).is_empty());
        let mut list = Vec::new();
        for i in 0..12 {
            remember(
                &mut list,
                RecentTarget {
                    host: format!("h{i}"),
                    ..Default::default()
                },
            );
        }
        remember(
            &mut list,
            RecentTarget {
                host: "h5".into(),
                user: "u".into(),
                ..Default::default()
            },
        );
        assert_eq!(list.len(), MAX_RECENT);
        assert_eq!(list[0].user, "u");
        assert_eq!(list.iter().filter(|r| r.host == "h5").count(), 1);
        let sub = dir.path().join("state");
        let path = save(&sub, &list).unwrap();
        assert!(path.starts_with(&sub));
        assert_eq!(load(&sub), list);
        let text = std::fs::read_to_string(path).unwrap();
        assert!(!text.to_lowercase().contains("password"));
    }
}
