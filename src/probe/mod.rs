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

/// [`run`] with an optional channel.
pub async fn run_with(
    settings: Arc<Settings>,
    run: RunId,
    tx: Option<mpsc::Sender<ProbeEvent>>,
) -> RunReport {
    let clock = RunClock::start();
    let started_at = crate::export::now_rfc3339();
    if let Some(tx) = &tx {
        let _ = tx
            .send(ProbeEvent::RunStarted {
                run,
                target: settings.target.clone(),
            })
            .await;
    }
    let mut lines = Vec::new();
    // The trust anchors: webpki-roots and the CA file, well under a millisecond (the
    // system store is read only if a chain needs it), so no thread of its own.
    let tls_load = TlsClient::new(&settings.tls);
    let mut reports = Vec::new();
    let mut paths = Vec::new();
    // MX mode (--mx): endpoints come from the domain's MX records; see crate::diagnose.
    let (endpoints, early, mx_run) = if settings.mx {
        let (e, f, m) =
            crate::diagnose::run::plan(&settings, &clock, run, tx.as_ref(), &mut lines).await;
        (e, f, Some(m))
    } else {
        let (e, f) = plan(&settings, &clock, run, tx.as_ref(), &mut lines).await;
        (e, f, None)
    };
    let (tls, tls_err) = match tls_load {
        Ok(c) => (Some(c), None),
        Err(e) => (None, Some(e.to_string())),
    };
    if let Some(tls) = tls {
        let ctx = Arc::new(Ctx {
            settings: settings.clone(),
            tls,
            clock,
            run,
            tx: tx.clone(),
        });
        if let Some(tx) = &tx {
            let _ = tx
                .send(ProbeEvent::Planned {
                    run,
                    endpoints: endpoints.clone(),
                })
                .await;
        }
        // The path check runs beside the probes (every endpoint is either open — the
        // interception check — or failed — where is it blocked?), so its seconds overlap
        // the connect timeouts.
        let traced: Vec<Endpoint> = endpoints
            .iter()
            .filter(|e| path::traceable(&settings, e))
            .cloned()
            .collect();
        let cfg = path::config(&settings);
        let (r, p) = tokio::join!(
            probe_all(&ctx, endpoints),
            path::trace_endpoints(&traced, &cfg)
        );
        reports = r;
        paths = p;
        // Hop names (PTR) only when the run uses DNS anyway; bounded to 1.5 s.
        let ptr_wait = std::time::Duration::from_millis(1500);
        if !paths.is_empty()
            && path::ptr_allowed(&settings)
            && let Ok(lookup) = crate::dns::HickoryLookup::new(settings.dns_server, ptr_wait)
        {
            path::name_hops(&mut paths, &lookup, ptr_wait).await;
        }
        let changed = crate::classify::path::refine(&mut reports, &paths);
        if let Some(tx) = &tx {
            for (i, p) in &paths {
                let verdict = changed
                    .contains(i)
                    .then(|| reports.get(*i).map(|r| r.verdict.clone()))
                    .flatten();
                let _ = tx
                    .send(ProbeEvent::Path {
                        run,
                        endpoint: EndpointId(*i),
                        path: Box::new(p.clone()),
                        verdict,
                    })
                    .await;
            }
        }
    } else if let Some(e) = tls_err {
        let entry = TranscriptEntry::new(
            clock.ms(),
            Direction::Error,
            escape_str(&format!("TLS set-up failed: {e}")),
        );
        lines.push(entry.clone());
        if let Some(tx) = &tx {
            let _ = tx.send(ProbeEvent::RunLine { run, entry }).await;
        }
    }
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
    if let Some(tx) = &tx {
        let _ = tx
            .send(ProbeEvent::RunDone {
                run,
                findings: findings.clone(),
            })
            .await;
    }
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

/// Resolves the target and lists the endpoints. A DNS failure yields no endpoints and a
/// `dns_failure` finding.
async fn plan(
    settings: &Settings,
    clock: &RunClock,
    run: RunId,
    tx: Option<&mpsc::Sender<ProbeEvent>>,
    lines: &mut Vec<TranscriptEntry>,
) -> (Vec<Endpoint>, Option<crate::model::Finding>) {
    let ctx_line = |dir, text: String| {
        let entry = TranscriptEntry::new(clock.ms(), dir, escape_str(&text));
        let tx = tx.cloned();
        (entry.clone(), async move {
            if let Some(tx) = tx {
                let _ = tx.send(ProbeEvent::RunLine { run, entry }).await;
            }
        })
    };
    let table = StaticTable::new(&settings.resolve);
    let host = settings.target.clone();
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .is_ok();
    if settings.proxy.as_ref().is_some_and(|p| p.remote_dns) && !literal {
        let (e, f) = ctx_line(
            Direction::Info,
            format!("{host}: resolved by the SOCKS5 proxy (socks5h)"),
        );
        lines.push(e);
        f.await;
        let endpoints = settings
            .ports
            .iter()
            .enumerate()
            .map(|(i, spec)| Endpoint {
                id: EndpointId(i),
                host: host.clone(),
                address: IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
                port: spec.port,
                mode: spec.planned_mode(),
            })
            .collect();
        return (endpoints, None);
    }
    let (e, f) = ctx_line(Direction::Info, format!("resolving {host}"));
    lines.push(e);
    f.await;
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
            let (e, f) = ctx_line(
                Direction::Info,
                format!("{host} → {} ({how})", list.join(", ")),
            );
            lines.push(e);
            f.await;
            addrs
        }
        Err(err) => {
            let (e, f) = ctx_line(Direction::Error, format!("DNS: {err}"));
            lines.push(e);
            f.await;
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
    let mut endpoints = Vec::new();
    for addr in addrs {
        for spec in &settings.ports {
            endpoints.push(Endpoint {
                id: EndpointId(endpoints.len()),
                host: host.clone(),
                address: addr,
                port: spec.port,
                mode: spec.planned_mode(),
            });
        }
    }
    (endpoints, None)
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
