//! End-to-end tests of the real binary in a real terminal (tmux): the demo fills the
//! matrix, a row is selected, the handshake is stepped through with a raw command after
//! STARTTLS, the transcript is exported (the file exists and holds no secret), and the
//! terminal is left usable — after `q`, and after SIGINT, SIGTERM and SIGHUP. Started
//! without a target, the command line's options pre-fill the form (`--resolve`,
//! `--dns-server` with `mx:` typed in the form, against a test DNS server).
//! Skipped (with a message) when tmux is not installed; `.ci/run` installs it.
#![cfg(feature = "tui")]

mod support;

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

/// The export files in `dir`, sorted.
fn exports(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("smtptui-"))
        .collect();
    files.sort();
    files
}

/// The `=== verdict:` lines of an export.
fn verdicts(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("=== verdict:"))
        .map(String::from)
        .collect()
}

/// The demo password and the base64 forms it takes on the wire.
fn demo_secrets() -> [String; 3] {
    let b64 = base64::engine::general_purpose::STANDARD;
    let pw = smtptui_lab::demo::DEMO_PASSWORD;
    [
        pw.to_string(),
        b64.encode(pw),
        b64.encode(format!("\0demo\0{pw}")),
    ]
}

#[test]
fn demo_step_export_quit() {
    let dir = tempfile::tempdir().unwrap();
    let Some(t) = Tmux::start("flow", dir.path(), "--demo --export-dir .") else {
        return;
    };
    matrix_fills_and_rows_select(&t);
    // An export before stepping: the probe's verdicts.
    t.keys(&["e"]);
    t.wait_for("exported to", 5);
    let before = exports(dir.path());
    assert_eq!(before.len(), 1, "{before:?}");
    let probe_verdicts = verdicts(&std::fs::read_to_string(&before[0]).unwrap());
    step_with_a_raw_command(&t);
    let (name, text) = export_after_stepping(&t, dir.path(), &before);
    assert!(
        text.contains("220 mail.demo.test") && text.contains("~>  NOOP"),
        "{text}"
    );
    // The manual session is its own block; the probe's verdicts are unchanged.
    assert!(text.contains("=== manual session 1 on"), "{text}");
    assert_eq!(verdicts(&text), probe_verdicts, "{text}");
    for secret in demo_secrets() {
        assert!(!text.contains(&secret), "export leaks {secret}");
        assert!(!t.screen().contains(&secret), "screen shows {secret}");
    }
    // The named text export opens with its summary.
    assert!(name.starts_with("smtptui-mail.demo.test-"), "{name}");
    assert!(
        text.contains("\nSUMMARY\n") && text.contains("RECOMMENDED SETTINGS"),
        "{text}"
    );
    html_report_holds_no_secret(&t, dir.path());
    // The working settings popup.
    t.keys(&["W"]);
    let s = t.wait_for("Working settings", 5);
    assert!(s.contains("Use mail.demo.test:"), "{s}");
    t.keys(&["Escape", "q"]);
    t.assert_restored();
}

/// Every pane fills (the matrix finishes, the inspector shows the chain); another row
/// is selected, then the first again.
fn matrix_fills_and_rows_select(t: &Tmux) {
    let s = t.wait_for("10/10 done", 20);
    assert!(
        s.contains("starttls_rejected") && s.contains("cert_expired") && s.contains("refused"),
        "{s}"
    );
    assert!(s.contains("verified for mail.demo.test"), "{s}");
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
}

/// Steps through the good endpoint to AUTH, then a raw NOOP inside TLS.
fn step_with_a_raw_command(t: &Tmux) {
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
}

/// Exports again: the status line names the one new file; returns its name and text.
fn export_after_stepping(t: &Tmux, dir: &Path, before: &[std::path::PathBuf]) -> (String, String) {
    t.keys(&["e"]);
    let s = t.wait_for("exported to", 5);
    let path_line = s
        .lines()
        .find(|l| l.contains("exported to"))
        .unwrap()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(5);
    while exports(dir).len() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let files: Vec<_> = exports(dir)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(path_line.contains(&name), "{path_line}");
    (name, std::fs::read_to_string(&files[0]).unwrap())
}

/// The HTML report from the TUI: one more file, self-contained, no secret.
fn html_report_holds_no_secret(t: &Tmux, dir: &Path) {
    t.keys(&["H"]);
    t.wait_for(".html", 5);
    let html: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .collect();
    assert_eq!(html.len(), 1, "{html:?}");
    let html = std::fs::read_to_string(&html[0]).unwrap();
    assert!(html.contains("default-src 'none'") && !html.contains("<script"));
    let [pw, _, plain] = demo_secrets();
    for secret in [pw, plain] {
        assert!(!html.contains(&secret), "HTML report leaks {secret}");
    }
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

/// The loopback world of the form test: one STARTTLS lab server that is both the MX
/// host of `onlyhere.test` (a name only the test DNS server knows) and the submission
/// server `submit.lab.test` (known only from `--resolve`).
struct FormWorld {
    _rt: tokio::runtime::Runtime,
    pki: support::TestPki,
    dns: support::dns::TestDns,
    server: smtptui_lab::LabServer,
}

const FORM_IP: &str = "127.83.16.2";

fn form_world() -> FormWorld {
    use smtptui_lab::{CertKind, LabServer, Script};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let pki = support::TestPki::new();
    let id = pki
        .pki
        .issue(&["mx.onlyhere.test", "submit.lab.test"], CertKind::Valid)
        .unwrap();
    let (dns, server) = rt.block_on(async {
        let mut zone = support::dns::Zone::default();
        zone.mx("onlyhere.test", 10, "mx.onlyhere.test")
            .a("mx.onlyhere.test", FORM_IP);
        let dns = support::dns::TestDns::start(zone).await;
        let addr = format!("{FORM_IP}:0").parse().unwrap();
        let server =
            LabServer::start_on(addr, Script::starttls(id).with_hostname("mx.onlyhere.test"))
                .await
                .unwrap();
        (dns, server)
    });
    FormWorld {
        _rt: rt,
        pki,
        dns,
        server,
    }
}

#[test]
fn command_line_options_fill_the_form() {
    let w = form_world();
    let dir = tempfile::tempdir().unwrap();
    let port = w.server.port();
    let args = format!(
        "--resolve submit.lab.test:{FORM_IP} --dns-server {dns} -p {port}/starttls \\
         --ca-file {ca} --no-system-roots --timeout 3 --mx-port {port} --mta-sts-port 9",
        dns = w.dns.addr,
        ca = w.pki.ca_file.display(),
    );
    let Some(t) = Tmux::start("form", dir.path(), &args) else {
        return;
    };
    // The form shows every option given.
    let s = t.wait_for("what should I probe?", 10);
    assert!(s.contains(&format!("submit.lab.test:{FORM_IP}")), "{s}");
    assert!(s.contains(&w.dns.addr.to_string()), "{s}");
    assert!(s.contains(&format!("Ports/modes {port}")), "{s}");
    assert!(s.contains(&*w.pki.ca_file.to_string_lossy()), "{s}");
    // A name only --resolve knows: probed at its address, the certificate verified
    // with the CA file of the command line.
    t.tmux(&["send-keys", "-t", "t", "-l", "submit.lab.test"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("1/1 done", 20);
    assert!(s.contains(FORM_IP) && s.contains(" ok"), "{s}");
    assert!(!s.contains("dns_failure"), "{s}");
    // `p` keeps the options; `mx:` in the form asks the --dns-server for a name only
    // it knows (the system resolver would answer NXDOMAIN).
    t.keys(&["p"]);
    let s = t.wait_for("what should I probe?", 5);
    assert!(s.contains(&w.dns.addr.to_string()), "{s}");
    t.keys(&["BTab", "BTab", "C-u"]);
    t.tmux(&["send-keys", "-t", "t", "-l", "mx:onlyhere.test"]);
    t.keys(&["Enter"]);
    let s = t.wait_for("mx.onlyhere.test", 20);
    assert!(s.contains(FORM_IP), "{s}");
    let s = t.wait_for("1/1 done", 30);
    assert!(!s.contains("did not resolve"), "{s}");
    // Both targets answered, so both are remembered, with their DNS options.
    t.keys(&["q"]);
    t.assert_restored();
    let recent = std::fs::read_to_string(dir.path().join("smtptui/recent.json")).unwrap();
    assert!(
        recent.contains("mx:onlyhere.test") && recent.contains("submit.lab.test"),
        "{recent}"
    );
    assert!(recent.contains(&w.dns.addr.to_string()), "{recent}");
}

#[test]
fn stepping_data_mode_and_an_edited_last_step() {
    let dir = tempfile::tempdir().unwrap();
    let Some(t) = Tmux::start("data", dir.path(), "--demo --export-dir .") else {
        return;
    };
    t.wait_for("10/10 done", 20);
    t.keys(&["g", "s"]);
    t.wait_for("next:", 5);
    for _ in 0..10 {
        if t.screen().contains("send QUIT") {
            break;
        }
        t.keys(&["Enter"]);
        std::thread::sleep(Duration::from_millis(300));
    }
    t.wait_for("send QUIT", 5);
    let raw = |line: &str| {
        t.keys(&[":"]);
        t.tmux(&["send-keys", "-t", "t", "-l", line]);
        t.keys(&["Enter"]);
    };
    raw("MAIL FROM:<me@demo.test>");
    t.wait_for("~>  MAIL FROM:<me@demo.test>", 5);
    raw("RCPT TO:<you@demo.test>");
    t.wait_for("~>  RCPT TO:<you@demo.test>", 5);
    raw("DATA");
    let s = t.wait_for("DATA mode", 5);
    assert!(s.contains("<~  354"), "{s}");
    t.keys(&[":"]);
    t.wait_for("message text (DATA mode)", 5);
    t.tmux(&["send-keys", "-t", "t", "-l", "Subject: typed by hand"]);
    t.keys(&["Enter"]);
    t.wait_for("~>  Subject: typed by hand", 5);
    // Enter ends the message with a lone dot; the server queues it.
    t.keys(&["Enter"]);
    let s = t.wait_for("~>  .", 5);
    t.wait_for("send QUIT", 5);
    assert!(!s.contains("no reply"), "{s}");
    // Edit the last step into NOOP: NOOP goes on the wire, the session stays open.
    t.keys(&["i", "C-u"]);
    t.tmux(&["send-keys", "-t", "t", "-l", "NOOP"]);
    t.keys(&["Enter"]);
    t.wait_for("(edited)", 5);
    t.keys(&["Enter"]);
    let s = t.wait_for("~>  NOOP", 5);
    assert!(!s.contains("~>  QUIT"), "{s}");
    assert!(s.contains("send QUIT"), "{s}");
    t.keys(&["Escape", "q"]);
    t.assert_restored();
}
