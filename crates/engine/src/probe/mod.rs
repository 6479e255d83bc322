//! The probe engine: the only module that opens sockets. It resolves the target, plans
//! the matrix (address × port × mode), probes every endpoint concurrently with bounded
//! concurrency and per-phase timeouts, and streams typed [`ProbeEvent`]s as it goes.
//! Interactive stepping (see [`step`]) drives the same [`machine::Machine`].

pub mod machine;
pub mod net;
pub mod path;
pub mod quickack;
pub mod step;

use std::net::IpAddr;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;

use crate::classify::infer;
use crate::dns::{DnsError, Source, StaticTable, resolve};
use crate::model::transcript::RunClock;
use crate::model::{
    Direction, Endpoint, EndpointId, EndpointReport, ProbeEvent, RunId, RunReport, TranscriptEntry,
    escape_str,
};
use crate::settings::{FamilyFilter, Settings};
use crate::tls::TlsClient;

use machine::Machine;

/// What every endpoint task of a run shares.
pub struct Ctx {
    /// The settings.
    pub settings: Arc<Settings>,
    /// TLS client (trust anchors loaded once per run).
    pub tls: TlsClient,
    /// The run's clock.
    pub clock: RunClock,
    /// The run id.
    pub run: RunId,
    /// Where events go (None: nowhere).
    pub tx: Option<mpsc::Sender<ProbeEvent>>,
}

/// Runs the whole matrix and returns the report; events stream into `tx` meanwhile.
pub async fn run(settings: Arc<Settings>, run: RunId, tx: mpsc::Sender<ProbeEvent>) -> RunReport {
    run_with(settings, run, Some(tx)).await
}

/// [`run`] with an optional channel: plan, probe (with the path check beside it), then
/// the findings across endpoints and the report.
pub async fn run_with(
    settings: Arc<Settings>,
    run: RunId,
    tx: Option<mpsc::Sender<ProbeEvent>>,
) -> RunReport {
    let clock = RunClock::start();
    let started_at = crate::export::now_rfc3339();
    let target = settings.target.clone();
    send(tx.as_ref(), ProbeEvent::RunStarted { run, target }).await;
    let mut lines = Vec::new();
    // The trust anchors: webpki-roots and the CA file, well under a millisecond (the
    // system store is read only if a chain needs it), so no thread of its own.
    let tls_load = TlsClient::new(&settings.tls);
    // MX mode (--mx): endpoints come from the domain's MX records; see crate::diagnose.
    let (endpoints, early, mx_run) = if settings.mx {
        let (e, f, m) =
            crate::diagnose::run::plan(&settings, &clock, run, tx.as_ref(), &mut lines).await;
        (e, f, Some(m))
    } else {
        let (e, f) = plan(&settings, &clock, run, tx.as_ref(), &mut lines).await;
        (e, f, None)
    };
    let (reports, paths) = match tls_load {
        Ok(tls) => {
            let ctx = Arc::new(Ctx {
                settings: settings.clone(),
                tls,
                clock,
                run,
                tx: tx.clone(),
            });
            probe_matrix(&ctx, endpoints).await
        }
        Err(e) => {
            let text = escape_str(&format!("TLS set-up failed: {e}"));
            let entry = TranscriptEntry::new(clock.ms(), Direction::Error, text);
            lines.push(entry.clone());
            send(tx.as_ref(), ProbeEvent::RunLine { run, entry }).await;
            (Vec::new(), Vec::new())
        }
    };
    let mut findings = if mx_run.is_some() {
        crate::diagnose::per_host_findings(&reports)
    } else {
        infer(&reports)
    };
    crate::classify::path::locate(&mut findings, &reports, &paths);
    if let Some(f) = early {
        findings.insert(0, f);
    }
    let dns = match &mx_run {
        Some(m) => {
            Some(crate::diagnose::run::finish(m, &settings, &reports, run, tx.as_ref()).await)
        }
        None => None,
    };
    let mut report = RunReport::new(
        settings.target.clone(),
        started_at,
        clock.ms(),
        lines,
        &reports,
        findings,
    );
    report.dns = dns;
    report.recommended = crate::recommend::recommend(&report, &settings);
    report.options = crate::export::options_used(&settings);
    report.set_paths(&paths);
    report
}

/// Sends an event when there is somewhere to send it.
async fn send(tx: Option<&mpsc::Sender<ProbeEvent>>, event: ProbeEvent) {
    if let Some(tx) = tx {
        let _ = tx.send(event).await;
    }
}

/// Probes the planned endpoints with the path check beside them (every endpoint is
/// either open — the interception check — or failed — where is it blocked?, so its
/// seconds overlap the connect timeouts); paths can refine verdicts.
async fn probe_matrix(
    ctx: &Arc<Ctx>,
    endpoints: Vec<Endpoint>,
) -> (Vec<EndpointReport>, Vec<(usize, crate::model::PathReport)>) {
    let (settings, run, tx) = (&ctx.settings, ctx.run, ctx.tx.as_ref());
    let planned = endpoints.clone();
    send(
        tx,
        ProbeEvent::Planned {
            run,
            endpoints: planned,
        },
    )
    .await;
    let traced: Vec<Endpoint> = endpoints
        .iter()
        .filter(|e| path::traceable(settings, e))
        .cloned()
        .collect();
    let cfg = path::config(settings);
    let (mut reports, mut paths) = tokio::join!(
        probe_all(ctx, endpoints),
        path::trace_endpoints(&traced, &cfg)
    );
    // Hop names (PTR) only when the run uses DNS anyway; bounded to 1.5 s.
    let ptr_wait = std::time::Duration::from_millis(1500);
    if !paths.is_empty()
        && path::ptr_allowed(settings)
        && let Ok(lookup) = crate::dns::HickoryLookup::new(settings.dns_server, ptr_wait)
    {
        path::name_hops(&mut paths, &lookup, ptr_wait).await;
    }
    let changed = crate::classify::path::refine(&mut reports, &paths);
    for (i, p) in &paths {
        let verdict = changed
            .contains(i)
            .then(|| reports.get(*i).map(|r| r.verdict.clone()))
            .flatten();
        let event = ProbeEvent::Path {
            run,
            endpoint: EndpointId(*i),
            path: Box::new(p.clone()),
            verdict,
        };
        send(tx, event).await;
    }
    (reports, paths)
}

/// Records and streams one line of the run's own transcript.
async fn run_line(
    clock: &RunClock,
    run: RunId,
    tx: Option<&mpsc::Sender<ProbeEvent>>,
    lines: &mut Vec<TranscriptEntry>,
    dir: Direction,
    text: &str,
) {
    let entry = TranscriptEntry::new(clock.ms(), dir, escape_str(text));
    lines.push(entry.clone());
    send(tx, ProbeEvent::RunLine { run, entry }).await;
}

/// Resolves the target and lists the endpoints. A DNS failure yields no endpoints and a
/// `dns_failure` finding.
async fn plan(
    settings: &Settings,
    clock: &RunClock,
    run: RunId,
    tx: Option<&mpsc::Sender<ProbeEvent>>,
    lines: &mut Vec<TranscriptEntry>,
) -> (Vec<Endpoint>, Option<crate::model::Finding>) {
    let host = settings.target.clone();
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok();
    if settings.proxy.as_ref().is_some_and(|p| p.remote_dns) && !literal {
        let text = format!("{host}: resolved by the SOCKS5 proxy (socks5h)");
        run_line(clock, run, tx, lines, Direction::Info, &text).await;
        // The proxy resolves the name: one endpoint per port, address unspecified.
        let unresolved = [IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)];
        return (matrix(settings, &host, &unresolved), None);
    }
    run_line(
        clock,
        run,
        tx,
        lines,
        Direction::Info,
        &format!("resolving {host}"),
    )
    .await;
    let table = StaticTable::new(&settings.resolve);
    let result = resolve(
        &host,
        &table,
        settings.dns_server,
        settings.timeouts.connect,
    )
    .await;
    let addrs = match result {
        Ok((addrs, source)) => {
            let how = match source {
                Source::Literal => "address literal, no DNS",
                Source::Static => "from --resolve, no DNS",
                Source::Dns => "DNS",
            };
            let list: Vec<String> = addrs.iter().map(ToString::to_string).collect();
            let text = format!("{host} → {} ({how})", list.join(", "));
            run_line(clock, run, tx, lines, Direction::Info, &text).await;
            addrs
        }
        Err(err) => {
            run_line(
                clock,
                run,
                tx,
                lines,
                Direction::Error,
                &format!("DNS: {err}"),
            )
            .await;
            return (Vec::new(), Some(dns_finding(&err)));
        }
    };
    let addrs: Vec<IpAddr> = addrs
        .into_iter()
        .filter(|a| match settings.family {
            FamilyFilter::Any => true,
            FamilyFilter::V4 => a.is_ipv4(),
            FamilyFilter::V6 => a.is_ipv6(),
        })
        .collect();
    if addrs.is_empty() {
        let err = DnsError::NoAddress {
            name: host.clone(),
            what: if settings.family == FamilyFilter::V6 {
                "AAAA".into()
            } else {
                "A".into()
            },
        };
        return (Vec::new(), Some(dns_finding(&err)));
    }
    (matrix(settings, &host, &addrs), None)
}

/// The endpoints: every address × every port of the settings, in that order.
fn matrix(settings: &Settings, host: &str, addrs: &[IpAddr]) -> Vec<Endpoint> {
    let mut endpoints = Vec::new();
    for &address in addrs {
        for spec in &settings.ports {
            endpoints.push(Endpoint {
                id: EndpointId(endpoints.len()),
                host: host.to_string(),
                address,
                port: spec.port,
                mode: spec.planned_mode(),
            });
        }
    }
    endpoints
}

fn dns_finding(err: &DnsError) -> crate::model::Finding {
    crate::classify::dns_failure(&err.to_string())
}

/// Probes every endpoint concurrently (bounded by `settings.concurrency`), returning the
/// reports in matrix order.
async fn probe_all(ctx: &Arc<Ctx>, endpoints: Vec<Endpoint>) -> Vec<EndpointReport> {
    let limit = Arc::new(Semaphore::new(ctx.settings.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for ep in endpoints.iter().cloned() {
        let ctx = ctx.clone();
        let limit = limit.clone();
        tasks.spawn(async move {
            // The semaphore is never closed, so acquire cannot fail.
            let _permit = limit.acquire_owned().await;
            probe_endpoint(ctx, ep).await
        });
    }
    let mut reports: Vec<Option<EndpointReport>> = vec![None; endpoints.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok(report) = joined {
            let i = report.endpoint.id.0;
            if i < reports.len() {
                reports[i] = Some(report);
            }
        }
    }
    reports
        .into_iter()
        .zip(endpoints)
        .map(|(r, ep)| r.unwrap_or_else(|| crashed(ep)))
        .collect()
}

fn crashed(endpoint: Endpoint) -> EndpointReport {
    EndpointReport::bare(endpoint, crate::classify::internal_error())
}

/// Probes one endpoint through every step up to the goal, then reports.
pub async fn probe_endpoint(ctx: Arc<Ctx>, endpoint: Endpoint) -> EndpointReport {
    let deadline = Instant::now() + ctx.settings.timeouts.overall;
    let run = ctx.run;
    let tx = ctx.tx.clone();
    let mut m = Machine::new(ctx, endpoint, Some(deadline));
    let stop = loop {
        let Some(step) = m.next_step() else {
            break None;
        };
        if let Err(stop) = m.step(step, None).await {
            break Some(*stop);
        }
    };
    let report = m.finish(stop).await;
    if let Some(tx) = tx {
        let _ = tx
            .send(ProbeEvent::EndpointDone {
                run,
                report: Box::new(report.clone()),
            })
            .await;
    }
    report
}
