//! Rows of an endpoint's card in the HTML report that the model grew later: the
//! recognised provider, the warnings and the path check. Every value is escaped.

use std::fmt::Write as _;

use super::html::esc;
use crate::model::{EndpointJson, Icmp, TcpReply};

/// Provider, warnings and path rows (inside the card's key/value table).
pub(super) fn facts(h: &mut String, e: &EndpointJson) {
    if let Some(p) = &e.provider {
        let _ = writeln!(
            h,
            "<tr><td>provider</td><td>{} <span class=\"mute\">({})</span></td></tr>",
            esc(&p.name),
            esc(&p.evidence)
        );
    }
    for w in &e.warnings {
        let _ = writeln!(
            h,
            "<tr><td class=\"warn\">warning</td><td><b>{}</b>: {}<br>\
             <span class=\"mute\">evidence:</span> {}<br>\
             <span class=\"mute\">advice:</span> {}</td></tr>",
            esc(w.code.as_str()),
            esc(&w.summary),
            esc(&w.evidence),
            esc(&w.advice)
        );
    }
    if let Some(p) = &e.path {
        let hops: Vec<String> = p
            .hops
            .iter()
            .map(|hop| {
                let what = hop
                    .icmp
                    .map(Icmp::as_str)
                    .or(hop.tcp.map(|t| match t {
                        TcpReply::SynAck => "syn_ack",
                        TcpReply::Rst => "rst",
                    }))
                    .unwrap_or_default();
                format!(
                    "{} {} {}",
                    hop.ttl,
                    hop.addr.as_deref().unwrap_or("*"),
                    what
                )
            })
            .collect();
        let _ = writeln!(
            h,
            "<tr><td>path</td><td>{}<br><span class=\"mono mute\">{}</span></td></tr>",
            esc(&p.summary()),
            esc(&hops.join(" · "))
        );
    }
}
