//! The glue between the probe engine and the diagnosis in MX mode: plan the endpoints
//! from the MX records (with transcript lines), and after the probe build the report
//! and announce it with [`ProbeEvent::DnsReport`].

use tokio::sync::mpsc;

use super::{Inputs, MxKind, MxPlan, diagnose, finding, lookup_for, plan_mx};
use crate::dns::{HickoryLookup, StaticTable};
use crate::model::transcript::RunClock;
use crate::model::{
    Class, Direction, DnsCheck, DnsReport, DnsStatus, Endpoint, EndpointReport, Finding,
    ProbeEvent, RunId, TranscriptEntry, escape_str,
};
use crate::settings::Settings;

/// What an MX run keeps between planning and diagnosis.
pub struct MxRun {
    lookup: Option<HickoryLookup>,
    /// The plan.
    pub plan: MxPlan,
}

/// Records and streams one run line; `text` is already escaped (one escaping pass:
/// [`MxPlan::describe`] escapes what it quotes).
async fn line(
    clock: &RunClock,
    run: RunId,
    tx: Option<&mpsc::Sender<ProbeEvent>>,
    lines: &mut Vec<TranscriptEntry>,
    dir: Direction,
    text: &str,
) {
    let entry = TranscriptEntry::new(clock.ms(), dir, text.to_string());
    lines.push(entry.clone());
    if let Some(tx) = tx {
        let _ = tx.send(ProbeEvent::RunLine { run, entry }).await;
    }
}

/// Plans an MX run: the endpoints (every MX host × address on `settings.mx_port`,
/// STARTTLS, preference order), a run-level finding when there is nothing to probe,
/// and the state for [`finish`].
pub async fn plan(
    settings: &Settings,
    clock: &RunClock,
    run: RunId,
    tx: Option<&mpsc::Sender<ProbeEvent>>,
    lines: &mut Vec<TranscriptEntry>,
) -> (Vec<Endpoint>, Option<Finding>, MxRun) {
    let domain = settings.target.trim_end_matches('.').to_ascii_lowercase();
    line(
        clock,
        run,
        tx,
        lines,
        Direction::Info,
        &format!(
            "MX mode: looking up MX {}; every MX address is probed on {}/starttls",
            escape_str(&domain),
            settings.mx_port
        ),
    )
    .await;
    let table = StaticTable::new(&settings.resolve);
    let (lookup, plan) = match lookup_for(settings) {
        Ok(l) => {
            let p = plan_mx(&l, &table, &domain, settings.family).await;
            (Some(l), p)
        }
        Err(e) => (
            None,
            MxPlan {
                domain: domain.clone(),
                kind: MxKind::Missing,
                records: Vec::new(),
                hosts: Vec::new(),
                error: Some(e),
            },
        ),
    };
    for text in plan.describe() {
        let dir = if plan.kind == MxKind::Missing {
            Direction::Error
        } else {
            Direction::Info
        };
        line(clock, run, tx, lines, dir, &text).await;
    }
    let endpoints = plan.endpoints(settings.mx_port);
    let early = if endpoints.is_empty() {
        Some(match plan.kind {
            MxKind::Null => Finding {
                code: "null_mx".into(),
                summary: format!("{} accepts no mail (null MX, RFC 7505)", escape_str(&domain)),
                evidence: "MX 0 .".into(),
                advice: "Nothing to probe. Publish real MX records if the domain should receive mail.".into(),
            },
            _ => Finding {
                code: Class::DnsFailure.code().into(),
                summary: format!("no MX host of {} has an address to probe", escape_str(&domain)),
                evidence: plan.describe().join("; "),
                advice: "Check the domain's MX and A/AAAA records; try --dns-server or --resolve HOST:ADDR.".into(),
            },
        })
    } else {
        None
    };
    (endpoints, early, MxRun { lookup, plan })
}

/// Builds the DNS report after the probe and sends [`ProbeEvent::DnsReport`].
pub async fn finish(
    mx: &MxRun,
    settings: &Settings,
    reports: &[EndpointReport],
    run: RunId,
    tx: Option<&mpsc::Sender<ProbeEvent>>,
) -> DnsReport {
    let inputs = Inputs {
        settings,
        plan: &mx.plan,
        reports,
    };
    let report = match &mx.lookup {
        // Boxed: the diagnosis is a large future (many concurrent checks); the probe's
        // own future stays small.
        Some(l) => Box::pin(diagnose(l, &inputs)).await,
        None => DnsReport {
            domain: escape_str(&mx.plan.domain),
            mx: Vec::new(),
            findings: vec![finding(
                DnsCheck::Mx,
                &mx.plan.domain,
                DnsStatus::Fail,
                &mx.plan
                    .error
                    .as_ref()
                    .map_or_else(String::new, ToString::to_string),
                "No resolver could be set up: pass --dns-server ADDR.",
            )],
        },
    };
    if let Some(tx) = tx {
        let _ = tx
            .send(ProbeEvent::DnsReport {
                run,
                report: Box::new(report.clone()),
            })
            .await;
    }
    report
}
