//! The "DNS report: a 500-MX domain" part of BENCHMARKS.md, read from `dns_scale.txt`:
//! the `BENCH` lines that `cargo test --test diagnose scale -- --nocapture`
//! (`tests/diagnose/scale.rs`) prints, which `bench/run.sh` keeps. One line holds what the
//! run measured, the other the bounds the test asserts:
//!
//! ```text
//! BENCH 500-MX domain: 6064 DNS queries, 2.93 s for the whole run (500 endpoints, 2506 findings)
//! BENCH 500-MX bounds: < 6500 DNS queries (13 per MX host), < 60 s, lookup budget 20000 (a TLSA lookup counts 10)
//! ```

use std::fmt::Write as _;
use std::path::Path;

use super::report::f;

/// `< X`, or "not measured".
fn lt(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "not measured".into(), |x| format!("< {x:.digits$}"))
}

/// The measurement file `bench/run.sh` writes.
pub const FILE: &str = "dns_scale.txt";
/// Written instead when the scale test failed or printed nothing.
pub const SKIPPED: &str = "dns_scale-skipped.txt";

/// What one run of the scale test measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured {
    /// MX hosts in the domain.
    pub hosts: f64,
    /// DNS queries the test server received.
    pub queries: f64,
    /// The whole MX-mode run, in seconds.
    pub secs: f64,
    /// Endpoints probed.
    pub endpoints: f64,
    /// Findings of the DNS report.
    pub findings: f64,
}

/// The bounds the scale test asserts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// Fewer DNS queries than this in all.
    pub queries: f64,
    /// The same per MX host.
    pub per_host: f64,
    /// The run takes less than this many seconds.
    pub secs: f64,
    /// The product's lookup budget per run (`smtptui::dns::LOOKUP_BUDGET`).
    pub budget: f64,
    /// What one TLSA lookup costs of it (`smtptui::dns::TLSA_COST`).
    pub tlsa_cost: f64,
}

/// The scale test's figures, as far as the file holds them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct DnsScale {
    pub measured: Option<Measured>,
    pub bounds: Option<Bounds>,
    /// Why there is no measurement, when the run says so.
    pub skipped: Option<String>,
}

/// The number in the first whitespace-separated word after `label` (surrounding
/// punctuation dropped): `after("x (500 endpoints", "(")` is 500.
fn after(text: &str, label: &str) -> Option<f64> {
    let rest = &text[text.find(label)? + label.len()..];
    rest.split_whitespace()
        .next()?
        .trim_matches(|c: char| !c.is_ascii_digit() && c != '.')
        .parse()
        .ok()
}

impl DnsScale {
    /// Parses the `BENCH` lines of `text`; lines it does not know are ignored.
    pub fn parse(text: &str) -> Self {
        let mut out = Self::default();
        for line in text.lines().map(str::trim) {
            if !line.starts_with("BENCH ") {
                continue;
            }
            if line.contains("-MX domain:") {
                out.measured = (|| {
                    Some(Measured {
                        hosts: after(line, "BENCH")?,
                        queries: after(line, "domain:")?,
                        secs: after(line, "queries,")?,
                        endpoints: after(line, "run (")?,
                        findings: after(line, "endpoints,")?,
                    })
                })();
            } else if line.contains("-MX bounds:") {
                out.bounds = (|| {
                    Some(Bounds {
                        queries: after(line, "bounds: <")?,
                        per_host: after(line, "queries (")?,
                        secs: after(line, "), <")?,
                        budget: after(line, "lookup budget")?,
                        tlsa_cost: after(line, "lookup counts")?,
                    })
                })();
            }
        }
        out
    }

    /// Reads `dir`'s [`FILE`] (and [`SKIPPED`]); a missing file measures nothing.
    pub fn read(dir: &Path) -> Self {
        let mut me = std::fs::read_to_string(dir.join(FILE))
            .map(|t| Self::parse(&t))
            .unwrap_or_default();
        me.skipped = std::fs::read_to_string(dir.join(SKIPPED))
            .ok()
            .map(|s| s.trim().to_string());
        me
    }

    /// Queries per MX host.
    pub fn per_host(&self) -> Option<f64> {
        self.measured
            .filter(|m| m.hosts > 0.0)
            .map(|m| m.queries / m.hosts)
    }

    /// Whether both bounds held (None: not measured, or no bounds in the file).
    pub fn within_bounds(&self) -> Option<bool> {
        let (m, b) = self.measured.zip(self.bounds)?;
        Some(m.queries < b.queries && m.secs < b.secs)
    }

    /// The summary row (four columns).
    pub fn summary_row(&self, s: &mut String, verdict: fn(Option<bool>) -> &'static str) {
        let m = self.measured;
        let b = self.bounds;
        let _ = writeln!(
            s,
            "| DNS report (`--mx`), {}-MX domain: DNS queries (per MX host), whole run | {} ({}), {} s | {} ({}), {} s | {} |",
            f(m.map(|m| m.hosts), 0),
            f(m.map(|m| m.queries), 0),
            f(self.per_host(), 1),
            f(m.map(|m| m.secs), 2),
            lt(b.map(|b| b.queries), 0),
            lt(b.map(|b| b.per_host), 0),
            lt(b.map(|b| b.secs), 0),
            verdict(self.within_bounds()),
        );
    }

    /// The section.
    pub fn section(&self, s: &mut String) {
        let m = self.measured;
        let b = self.bounds;
        let _ = writeln!(
            s,
            "## DNS report: a {}-MX domain\n\n\
             `cargo test --test diagnose scale -- --nocapture` (`tests/diagnose/scale.rs`, a \
             debug build; `bench/run.sh` keeps its `BENCH` lines in `$OUT/{FILE}`): MX mode \
             (`--mx`) against a domain whose MX hosts do not answer on the MX port, through \
             the test DNS server on 127.0.0.1, which counts the queries it receives. The zone \
             is DNSSEC-signed, so every TLSA answer is validated; the validator asks through \
             the run's caching forwarder, so the chain (`test.` DNSKEY, `big.test` DS) is \
             asked once per run, not once per host. The test fails when a bound is \
             crossed.\n",
            f(m.map(|m| m.hosts), 0),
        );
        if let Some(why) = &self.skipped {
            let _ = writeln!(s, "Not measured in this run: {why}\n");
        }
        let _ = writeln!(
            s,
            "| figure | measured | bound the test asserts |\n|---|---|---|\n\
             | DNS queries | {} | {} |\n\
             | DNS queries per MX host | {} | {} |\n\
             | the whole run | {} s | {} s |\n\
             | endpoints probed / DNS findings | {} / {} | — |\n",
            f(m.map(|m| m.queries), 0),
            lt(b.map(|b| b.queries), 0),
            f(self.per_host(), 2),
            lt(b.map(|b| b.per_host), 0),
            f(m.map(|m| m.secs), 2),
            lt(b.map(|b| b.secs), 0),
            f(m.map(|m| m.endpoints), 0),
            f(m.map(|m| m.findings), 0),
        );
        let _ = writeln!(
            s,
            "A larger or hostile domain is capped by the run's lookup budget \
             (`smtptui::dns::LOOKUP_BUDGET`, {} lookups, a TLSA lookup counting {}).\n",
            f(b.map(|b| b.budget), 0),
            f(b.map(|b| b.tlsa_cost), 0),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = "running 1 test\n\
        BENCH 500-MX domain: 6064 DNS queries, 2.93 s for the whole run (500 endpoints, 2506 findings)\n\
        BENCH 500-MX bounds: < 6500 DNS queries (13 per MX host), < 60 s, lookup budget 20000 (a TLSA lookup counts 10)\n\
        test scale::five_hundred_mx_hosts_stay_within_the_query_budget ... ok\n";

    fn verdict(ok: Option<bool>) -> &'static str {
        match ok {
            Some(true) => "met",
            Some(false) => "missed",
            None => "not measured",
        }
    }

    #[test]
    fn the_test_output_becomes_the_section() {
        let d = DnsScale::parse(LINES);
        assert_eq!(
            d.measured,
            Some(Measured {
                hosts: 500.0,
                queries: 6064.0,
                secs: 2.93,
                endpoints: 500.0,
                findings: 2506.0
            })
        );
        assert_eq!(
            d.bounds,
            Some(Bounds {
                queries: 6500.0,
                per_host: 13.0,
                secs: 60.0,
                budget: 20000.0,
                tlsa_cost: 10.0
            })
        );
        assert_eq!(d.within_bounds(), Some(true));
        let mut s = String::new();
        d.section(&mut s);
        d.summary_row(&mut s, verdict);
        for want in [
            "## DNS report: a 500-MX domain",
            "| DNS queries | 6064 | < 6500 |",
            "| DNS queries per MX host | 12.13 | < 13 |",
            "| the whole run | 2.93 s | < 60 s |",
            "| endpoints probed / DNS findings | 500 / 2506 | — |",
            "`smtptui::dns::LOOKUP_BUDGET`, 20000 lookups, a TLSA lookup counting 10",
            "| 6064 (12.1), 2.93 s | < 6500 (< 13), < 60 s | met |",
        ] {
            assert!(s.contains(want), "{want}\n{s}");
        }
    }

    #[test]
    fn a_crossed_bound_is_missed_and_a_missing_file_is_not_measured() {
        let slow = LINES.replace("2.93 s", "61.50 s");
        assert_eq!(DnsScale::parse(&slow).within_bounds(), Some(false));
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SKIPPED), "the scale test failed\n").unwrap();
        let d = DnsScale::read(dir.path());
        assert_eq!(d.measured, None);
        assert_eq!(d.within_bounds(), None);
        let mut s = String::new();
        d.section(&mut s);
        d.summary_row(&mut s, verdict);
        assert!(
            s.contains("Not measured in this run: the scale test failed"),
            "{s}"
        );
        assert!(
            s.contains("| DNS queries | not measured | not measured |"),
            "{s}"
        );
        assert!(s.contains("| not measured |\n"), "{s}");
        // A line cut short measures nothing rather than something wrong.
        let cut = DnsScale::parse("BENCH 500-MX domain: 6064 DNS queries, 2.93 s");
        assert_eq!(cut.measured, None);
    }
}
