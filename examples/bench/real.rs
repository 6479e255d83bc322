//! The real-server part of BENCHMARKS.md: `check` against the Postfix + Dovecot of
//! `tests/real` (STARTTLS + AUTH on 587, implicit TLS + AUTH on 465) next to swaks and
//! `openssl s_client`, read from `real_587.json` / `real_465.json` (hyperfine), with
//! median, p95 and max so a stall cannot hide in a median; plus the cost of reading the
//! system trust store (`roots.json`, `bench roots`).

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use super::report::{commands, f, hf, hf_ms, load, num};

/// Target: `check` median ≤ this × swaks median (587).
pub const VS_SWAKS: f64 = 0.2;
/// Target: `check` p95 ≤ this × its own median (587).
pub const P95_VS_MEDIAN: f64 = 1.5;
/// Target: `check` median ≤ this × `openssl s_client` (handshake only) median (587).
pub const VS_OPENSSL: f64 = 1.0;

/// The p95 (nearest rank) of a hyperfine result's run times, in ms.
pub fn p95_ms(r: Option<&Value>) -> Option<f64> {
    let mut t: Vec<f64> = r?
        .get("times")?
        .as_array()?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    if t.is_empty() {
        return None;
    }
    t.sort_by(f64::total_cmp);
    let rank = (0.95 * t.len() as f64).ceil() as usize;
    Some(t[rank.clamp(1, t.len()) - 1] * 1000.0)
}

/// The figures of one port.
#[derive(Debug, Default, Clone, Copy)]
pub struct Port {
    pub median: Option<f64>,
    pub p95: Option<f64>,
    pub max: Option<f64>,
    pub swaks: Option<f64>,
    pub openssl: Option<f64>,
    /// `check` with `SMTPTUI_QUICKACK=0`: median, p95, max.
    pub no_quickack: (Option<f64>, Option<f64>, Option<f64>),
}

impl Port {
    fn read(v: Option<&Value>) -> Self {
        let me = hf(v, "smtptui");
        let nq = hf(v, "smtptui-no-quickack");
        Self {
            median: hf_ms(me, "median"),
            p95: p95_ms(me),
            max: hf_ms(me, "max"),
            swaks: hf_ms(hf(v, "swaks"), "median"),
            openssl: hf_ms(hf(v, "openssl"), "median"),
            no_quickack: (hf_ms(nq, "median"), p95_ms(nq), hf_ms(nq, "max")),
        }
    }

    /// Median vs swaks's median.
    pub fn vs_swaks(&self) -> Option<f64> {
        self.median.zip(self.swaks).map(|(a, b)| a / b)
    }

    /// p95 vs the median.
    pub fn p95_ratio(&self) -> Option<f64> {
        self.p95.zip(self.median).map(|(a, b)| a / b)
    }

    /// Median vs `openssl s_client`'s median.
    pub fn vs_openssl(&self) -> Option<f64> {
        self.median.zip(self.openssl).map(|(a, b)| a / b)
    }
}

/// Everything the real-server section measured.
pub struct Real {
    pub sub: Port,
    pub smtps: Port,
    json_587: Option<Value>,
    json_465: Option<Value>,
    skipped: Option<String>,
    /// Reading the system trust store, median ms (`bench roots`).
    pub roots_ms: Option<f64>,
    roots: Option<Value>,
}

impl Real {
    /// Reads the files of `dir`.
    pub fn read(dir: &Path) -> Self {
        let (json_587, json_465) = (load(dir, "real_587.json"), load(dir, "real_465.json"));
        let roots = load(dir, "roots.json");
        Self {
            sub: Port::read(json_587.as_ref()),
            smtps: Port::read(json_465.as_ref()),
            json_587,
            json_465,
            skipped: std::fs::read_to_string(dir.join("real-skipped.txt")).ok(),
            roots_ms: num(roots.as_ref(), "median_ms"),
            roots,
        }
    }

    /// The summary rows (four columns).
    pub fn summary_rows(&self, s: &mut String, verdict: fn(Option<bool>) -> &'static str) {
        let p = &self.sub;
        let _ = writeln!(
            s,
            "| real Postfix 587, STARTTLS + AUTH: `check` vs swaks (medians) | {} ms vs {} ms = {}× | ≤ {VS_SWAKS:.1}× | {} |",
            f(p.median, 1),
            f(p.swaks, 1),
            f(p.vs_swaks(), 3),
            verdict(p.vs_swaks().map(|r| r <= VS_SWAKS))
        );
        let _ = writeln!(
            s,
            "| real Postfix 587: `check` p95 (max) vs its median | {} ms ({} ms) vs {} ms = {}× | ≤ {P95_VS_MEDIAN:.1}× | {} |",
            f(p.p95, 1),
            f(p.max, 1),
            f(p.median, 1),
            f(p.p95_ratio(), 3),
            verdict(p.p95_ratio().map(|r| r <= P95_VS_MEDIAN))
        );
        let _ = writeln!(
            s,
            "| real Postfix 587: `check` vs `openssl s_client -starttls smtp` (handshake only) | {} ms vs {} ms = {}× | ≤ {VS_OPENSSL:.1}× | {} |",
            f(p.median, 1),
            f(p.openssl, 1),
            f(p.vs_openssl(), 3),
            verdict(p.vs_openssl().map(|r| r <= VS_OPENSSL))
        );
        let q = &self.smtps;
        let _ = writeln!(
            s,
            "| real Postfix 465, implicit TLS + AUTH: `check` vs swaks / p95 vs median / vs s_client | {}× / {}× / {}× | — | — |",
            f(q.vs_swaks(), 3),
            f(q.p95_ratio(), 3),
            f(q.vs_openssl(), 3)
        );
        let _ = writeln!(
            s,
            "| the stall avoided, 587 / 465: `check` without QUICKACK, median / p95 / max | {} / {} / {} ms; {} / {} / {} ms | — | — |",
            f(p.no_quickack.0, 1),
            f(p.no_quickack.1, 1),
            f(p.no_quickack.2, 1),
            f(q.no_quickack.0, 1),
            f(q.no_quickack.1, 1),
            f(q.no_quickack.2, 1),
        );
    }

    /// The targets judged (name, measured ratio, target ≤).
    pub fn targets(&self) -> [(&'static str, Option<f64>, f64); 3] {
        [
            (
                "real Postfix 587: `check` vs swaks",
                self.sub.vs_swaks(),
                VS_SWAKS,
            ),
            (
                "real Postfix 587: `check` p95 vs median",
                self.sub.p95_ratio(),
                P95_VS_MEDIAN,
            ),
            (
                "real Postfix 587: `check` vs `openssl s_client`",
                self.sub.vs_openssl(),
                VS_OPENSSL,
            ),
        ]
    }

    /// The section itself.
    pub fn section(&self, s: &mut String) {
        let _ = writeln!(
            s,
            "## Real servers\n\n\
             The Postfix + Dovecot of `tests/real` (set up by `bench/run.sh` when it runs as \
             root and the fixture is absent; versions under Machine), on 127.0.0.25 with its \
             test CA. `smtptui check mail.real.test --resolve … --ca-file ca.pem -u USER -q` \
             with `-p 587/starttls` (STARTTLS + AUTH PLAIN) and `-p 465/tls` (implicit TLS + \
             AUTH), system roots as by default; `swaks … --auth PLAIN --quit-after AUTH \
             --tls-verify` with `--tls` or `--tls-on-connect`; `openssl s_client` \
             (`-starttls smtp` on 587) doing only the handshake (stdin at end of file). smtptui and swaks \
             read the password from the environment (`SMTPTUI_PASSWORD`, \
             `SWAKS_OPT_auth_password`). `smtptui-no-quickack` is the same `check` with \
             `SMTPTUI_QUICKACK=0` (through `env`), i.e. without the fix for the delayed-ACK \
             stall: Postfix writes its TLS 1.3 session tickets and then its reply as two \
             small segments, Nagle holds the reply until the tickets are acknowledged, and \
             Linux delays that ACK by up to 40 ms unless `TCP_QUICKACK` is armed. {} p95 is \
             the nearest-rank 95th percentile of the runs.\n",
            super::sections::rounds_note(self.json_587.as_ref().or(self.json_465.as_ref()))
        );
        if let Some(why) = &self.skipped {
            let _ = writeln!(s, "Not measured in this run: {}\n", why.trim());
        }
        let _ = writeln!(s, "**587, STARTTLS + AUTH**\n");
        commands(s, self.json_587.as_ref());
        let _ = writeln!(s, "**465, implicit TLS + AUTH**\n");
        commands(s, self.json_465.as_ref());
        let _ = writeln!(
            s,
            "Reading the system trust store (`bench roots`: `rustls-native-certs` reads the \
             bundle and every file of `/etc/ssl/certs`, then the certificates are parsed \
             into a root store; {} times): median {} ms, {} anchors. `check` reads it only \
             when a chain does not verify against webpki-roots and `--ca-file` (then that \
             chain is verified again with every anchor, without reconnecting), so none of the \
             runs above paid it.\n",
            f(num(self.roots.as_ref(), "runs"), 0),
            f(self.roots_ms, 2),
            f(num(self.roots.as_ref(), "anchors"), 0),
        );
    }
}

/// Times reading the system trust store into a root store, `runs` times (JSON).
pub fn roots(runs: usize) -> serde_json::Value {
    let mut times = Vec::with_capacity(runs);
    let mut anchors = 0;
    for _ in 0..runs {
        let t = std::time::Instant::now();
        let found = rustls_native_certs::load_native_certs();
        let mut store = rustls::RootCertStore::empty();
        anchors = store.add_parsable_certificates(found.certs).0;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    serde_json::json!({
        "runs": runs,
        "anchors": anchors,
        "median_ms": sorted.get(sorted.len() / 2),
        "all_ms": times,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(name: &str, times: &[f64]) -> Value {
        let mut sorted = times.to_vec();
        sorted.sort_by(f64::total_cmp);
        serde_json::json!({"command": name, "median": sorted[sorted.len() / 2],
            "mean": 0.0, "stddev": 0.0, "min": sorted[0], "max": sorted[sorted.len() - 1],
            "times": times})
    }

    #[test]
    fn p95_is_the_nearest_rank() {
        // 20 runs: the 19th smallest.
        let times: Vec<f64> = (1..=20).map(|i| f64::from(i) / 1000.0).collect();
        let r = result("x", &times);
        assert!((p95_ms(Some(&r)).unwrap() - 19.0).abs() < 1e-9);
        let one = result("x", &[0.005]);
        assert!((p95_ms(Some(&one)).unwrap() - 5.0).abs() < 1e-9);
        assert_eq!(p95_ms(None), None);
    }

    #[test]
    fn a_stall_in_a_fifth_of_the_runs_misses_the_p95_target() {
        // 16 runs at 8 ms and 4 at 50 ms: the median stays 8 ms, p95 shows the stall.
        let mut times = vec![0.008; 16];
        times.extend([0.05; 4]);
        let v = serde_json::json!({"results": [
            result("smtptui", &times),
            result("swaks", &[0.08; 20]),
            result("openssl", &[0.012; 20]),
        ]});
        let p = Port::read(Some(&v));
        assert!((p.vs_swaks().unwrap() - 0.1).abs() < 1e-9);
        assert!(p.p95_ratio().unwrap() > P95_VS_MEDIAN);
        assert!(p.vs_openssl().unwrap() <= VS_OPENSSL);
    }
}
