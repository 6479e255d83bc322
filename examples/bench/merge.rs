//! `bench merge`: joins the hyperfine JSON files of several rounds into one, in
//! hyperfine's own shape. `bench/run.sh` measures the whole-process comparisons in
//! rounds with the order of the commands rotated every round: on a shared machine a
//! change of speed lasting a second or so then hits every command alike, where one long
//! block per command would give it to one command only. Each command's run times are
//! joined, and its median, mean, σ, min and max computed from all of them.

use serde_json::{Value, json};

/// The runs of one command, gathered over the rounds.
#[derive(Debug, Default)]
struct Runs {
    /// Seconds, in the order measured (round by round).
    times: Vec<f64>,
    /// hyperfine's mean user and system seconds of each round, weighted by its runs.
    user: f64,
    system: f64,
    exit_codes: Vec<Value>,
}

/// The median of `sorted` (the mean of the middle two for an even count, as hyperfine).
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        f64::midpoint(sorted[n / 2 - 1], sorted[n / 2])
    }
}

/// Merges `rounds` (hyperfine `--export-json` documents). Commands keep the order of
/// their first appearance; a round without a command simply adds no runs to it.
pub fn merge(rounds: &[Value]) -> Value {
    let mut order: Vec<String> = Vec::new();
    let mut runs: std::collections::HashMap<String, Runs> = std::collections::HashMap::new();
    for round in rounds {
        let results = round.get("results").and_then(Value::as_array);
        for r in results.into_iter().flatten() {
            let Some(name) = r.get("command").and_then(Value::as_str) else {
                continue;
            };
            let times: Vec<f64> = r
                .get("times")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_f64)
                .collect();
            if !runs.contains_key(name) {
                order.push(name.to_string());
            }
            let e = runs.entry(name.to_string()).or_default();
            let n = times.len() as f64;
            e.user += r.get("user").and_then(Value::as_f64).unwrap_or(0.0) * n;
            e.system += r.get("system").and_then(Value::as_f64).unwrap_or(0.0) * n;
            e.times.extend(times);
            if let Some(codes) = r.get("exit_codes").and_then(Value::as_array) {
                e.exit_codes.extend(codes.iter().cloned());
            }
        }
    }
    let results: Vec<Value> = order
        .iter()
        .filter_map(|name| {
            let e = runs.get(name)?;
            let n = e.times.len();
            if n == 0 {
                return None;
            }
            let mut sorted = e.times.clone();
            sorted.sort_by(f64::total_cmp);
            let mean = e.times.iter().sum::<f64>() / n as f64;
            let var = if n > 1 {
                e.times.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / (n - 1) as f64
            } else {
                0.0
            };
            Some(json!({
                "command": name,
                "mean": mean,
                "stddev": var.sqrt(),
                "median": median(&sorted),
                "user": e.user / n as f64,
                "system": e.system / n as f64,
                "min": sorted[0],
                "max": sorted[n - 1],
                "times": e.times,
                "exit_codes": e.exit_codes,
            }))
        })
        .collect();
    json!({ "results": results, "rounds": rounds.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(results: &[(&str, &[f64])]) -> Value {
        let results: Vec<Value> = results
            .iter()
            .map(|(name, times)| {
                json!({"command": name, "times": times, "user": 0.001, "system": 0.002,
                    "exit_codes": vec![0; times.len()]})
            })
            .collect();
        json!({ "results": results })
    }

    #[test]
    fn rounds_join_by_command_whatever_their_order() {
        let first = round(&[("smtptui", &[0.006, 0.007]), ("openssl", &[0.010, 0.012])]);
        // The next round in the rotated order, slower as a whole.
        let second = round(&[("openssl", &[0.020, 0.022]), ("smtptui", &[0.016, 0.017])]);
        let merged = merge(&[first, second]);
        assert_eq!(merged["rounds"], 2);
        let r = merged["results"].as_array().unwrap();
        assert_eq!(r[0]["command"], "smtptui");
        assert_eq!(r[1]["command"], "openssl");
        assert_eq!(r[0]["times"].as_array().unwrap().len(), 4);
        let secs = |v: &Value| v.as_f64().unwrap();
        // Sorted 6, 7, 16, 17 ms: median 11.5 ms; min 6, max 17.
        assert!((secs(&r[0]["median"]) - 0.0115).abs() < 1e-12);
        assert!((secs(&r[0]["min"]) - 0.006).abs() < 1e-12);
        assert!((secs(&r[0]["max"]) - 0.017).abs() < 1e-12);
        assert!((secs(&r[1]["median"]) - 0.016).abs() < 1e-12);
        assert!((secs(&r[0]["mean"]) - 0.0115).abs() < 1e-12);
        // Sample σ of 6, 7, 16, 17 ms.
        assert!((secs(&r[0]["stddev"]) - 0.005_802_298).abs() < 1e-8);
        assert!((secs(&r[0]["user"]) - 0.001).abs() < 1e-12);
        assert_eq!(r[1]["exit_codes"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn odd_counts_and_empty_input() {
        let m = merge(&[round(&[("x", &[0.003, 0.001, 0.002])])]);
        assert!((m["results"][0]["median"].as_f64().unwrap() - 0.002).abs() < 1e-12);
        let none = merge(&[json!({}), round(&[("y", &[])])]);
        assert_eq!(none["results"].as_array().unwrap().len(), 0);
    }
}
