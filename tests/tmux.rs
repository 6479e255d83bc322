//! End-to-end tests of the real binary in a real terminal (tmux): the demo fills the
//! matrix, a row is selected, the handshake is stepped through with a raw command after
//! STARTTLS, the transcript is exported (the file exists and holds no secret), and the
//! terminal is left usable — after `q`, and after SIGINT, SIGTERM and SIGHUP.
//! Skipped (with a message) when tmux is not installed; `.ci/run` installs it.
#![cfg(feature = "tui")]

use std::path::Path;

use base64::Engine as _;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, dir: &Path, args: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("SKIPPED: tmux is not installed");
            return None;
        }
        let socket = format!("smtptui-test-{}-{name}", std::process::id());
        let bin = env!("CARGO_BIN_EXE_smtptui");
        let script = format!(
            "cd {d} && XDG_STATE_HOME={d} XDG_CONFIG_HOME={d} {env} {bin} {args}; echo __EXITED__ $?; stty -a; sleep 600",
            env = if name == "panic" {
                "SMTPTUI_TEST_PANIC=after-first-frame"
            } else {
                ""
            },
            d = dir.display()
        );
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "120",
                "-y",
                "40",
                "-s",
                "t",
            ])
            .arg(script)
            .env_remove("NO_COLOR")
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux new-session failed");
        Some(Tmux { socket })
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "t", k]);
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn wait_for(&self, what: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for `{what}`; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The pid of smtptui (the child of the pane's shell).
    fn app_pid(&self) -> String {
        let shell = self.tmux(&["display", "-p", "-t", "t", "#{pane_pid}"]);
        let out = Command::new("pgrep")
            .args(["-P", shell.trim()])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    }

    /// After the program ended: alternate screen left, cursor shown, cooked mode.
    fn assert_restored(&self) {
        self.wait_for("__EXITED__", 10);
        let s = self.wait_for("iexten", 5);
        let state = self.tmux(&["display", "-p", "-t", "t", "#{alternate_on} #{cursor_flag}"]);
        assert_eq!(
            state.trim(),
            "0 1",
            "alternate screen / cursor not restored; screen:\n{s}"
        );
        assert!(
            s.contains(" icanon") && s.contains(" echo ") && !s.contains("-icanon"),
            "raw mode left on:\n{s}"
        );
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

#[test]
fn demo_step_export_quit() {
    let dir = tempfile::tempdir().unwrap();
    let Some(t) = Tmux::start("flow", dir.path(), "--demo --export-dir .") else {
        return;
    };
    // Every pane fills: the matrix finishes, the inspector shows the chain.
    let s = t.wait_for("10/10 done", 20);
    assert!(
        s.contains("starttls_rejected") && s.contains("cert_expired") && s.contains("refused"),
        "{s}"
    );
    assert!(s.contains("verified for mail.demo.test"), "{s}");
    // Select another row and back.
    // Every row is named for its scenario; the verdict bar says what it shows.
    assert!(
        s.contains("expired certificate") && s.contains("closed port"),
        "{s}"
    );
    t.keys(&["j", "j", "j"]);
    let s = t.wait_for("Verdict — expired certificate · v4", 5);
    assert!(s.contains("cert_expired"));
    assert!(
        s.contains("scenario  STARTTLS with an expired certificate"),
        "{s}"
    );
    t.keys(&["g"]);
    // Step through the good endpoint, then a raw command inside TLS.
    t.keys(&["s"]);
    t.wait_for("next:", 5);
    for _ in 0..6 {
        t.keys(&["Enter"]);
        std::thread::sleep(Duration::from_millis(300));
    }
    t.wait_for("authenticated as demo", 10);
    t.keys(&[":"]);
    t.tmux(&["send-keys", "-t", "t", "-l", "NOOP"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("~>  NOOP", 5);
    assert!(s.contains("in TLS"), "{s}");
    t.keys(&["Escape"]);
    // Export: the status line shows the path; the file holds no secret.
    t.keys(&["e"]);
    let s = t.wait_for("exported to", 5);
    let path_line = s
        .lines()
        .find(|l| l.contains("exported to"))
        .unwrap()
        .to_string();
    let files: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("smtptui-"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        path_line.contains(&*files[0].file_name().unwrap().to_string_lossy()),
        "{path_line}"
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        text.contains("220 mail.demo.test") && text.contains("~>  NOOP"),
        "{text}"
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    let pw = smtptui::lab::demo::DEMO_PASSWORD;
    for secret in [
        pw.to_string(),
        b64.encode(pw),
        b64.encode(format!("\0demo\0{pw}")),
    ] {
        assert!(!text.contains(&secret), "export leaks {secret}");
        assert!(!t.screen().contains(&secret), "screen shows {secret}");
    }
    // The named text export opens with its summary.
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("smtptui-mail.demo.test-"), "{name}");
    assert!(
        text.contains("\nSUMMARY\n") && text.contains("RECOMMENDED SETTINGS"),
        "{text}"
    );
    // The HTML report from the TUI: one more file, self-contained, no secret.
    t.keys(&["H"]);
    t.wait_for(".html", 5);
    let html: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    assert_eq!(html.len(), 1, "{html:?}");
    let html = std::fs::read_to_string(&html[0]).unwrap();
    assert!(html.contains("default-src 'none'") && !html.contains("<script"));
    for secret in [pw.to_string(), b64.encode(format!("\0demo\0{pw}"))] {
        assert!(!html.contains(&secret), "HTML report leaks {secret}");
    }
    // The working settings popup.
    t.keys(&["W"]);
    let s = t.wait_for("Working settings", 5);
    assert!(s.contains("Use mail.demo.test:"), "{s}");
    t.keys(&["Escape", "q"]);
    t.assert_restored();
}

#[test]
fn signals_restore_the_terminal() {
    for sig in ["INT", "TERM", "HUP"] {
        let dir = tempfile::tempdir().unwrap();
        let Some(t) = Tmux::start(&format!("sig{sig}"), dir.path(), "--demo") else {
            return;
        };
        t.wait_for("Port matrix", 15);
        let pid = t.app_pid();
        assert!(!pid.is_empty(), "no smtptui process");
        let ok = Command::new("kill")
            .args([&format!("-{sig}"), &pid])
            .status()
            .unwrap()
            .success();
        assert!(ok);
        t.assert_restored();
    }
}

#[test]
fn a_panic_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let Some(t) = Tmux::start("panic", dir.path(), "--demo 2>panic.txt") else {
        return;
    };
    t.wait_for("__EXITED__ 101", 15);
    let stderr = std::fs::read_to_string(dir.path().join("panic.txt")).unwrap();
    assert!(stderr.contains("deliberate panic"), "{stderr}");
    t.assert_restored();
}
