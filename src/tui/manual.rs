//! Manual (stepping) sessions as their own records: each `s` opens "manual session N"
//! with its own run id, so its lines, phases and verdict never land on the endpoint's
//! row — the probe's verdict stays what the probe saw. Its times continue the run's
//! clock. The selected endpoint's transcript shows its sessions after the probe's lines;
//! exports carry them as `manual_sessions`.

use crate::model::report::{EndpointJson, ManualSession};
use crate::model::{
    Class, Direction, EndpointId, NextStep, ProbeEvent, RunId, TranscriptEntry, Verdict,
};

use super::endpoint_view::EndpointView;
use super::run_view::RunView;
use super::state::{LineRef, RowState};

/// One manual session as the TUI knows it.
#[derive(Debug, Clone)]
pub struct ManualView {
    /// 1, 2, ... in the order opened (within the current run).
    pub number: usize,
    /// The session's own run id (its events carry it).
    pub run: RunId,
    /// When it started, ms on the run's clock.
    pub started_ms: f64,
    /// Its lines (the first one is our header), phases, TLS, report and verdict so far
    /// (in `step_verdict`).
    pub view: EndpointView,
}

impl ManualView {
    /// The endpoint the session runs on.
    pub fn endpoint(&self) -> EndpointId {
        self.view.endpoint.id
    }

    /// The export record.
    pub fn to_record(&self) -> ManualSession {
        let v = &self.view;
        let verdict = v
            .report
            .as_ref()
            .map(|r| r.verdict.clone())
            .or_else(|| v.step_verdict.clone())
            .unwrap_or_else(|| Verdict {
                class: Class::Ok,
                summary: "no step run yet".into(),
                evidence: String::new(),
                advice: String::new(),
            });
        let mut r = v.to_report(|| verdict.clone());
        r.verdict = verdict;
        let last = v.transcript.last().map_or(self.started_ms, |e| e.t_ms);
        ManualSession {
            number: self.number,
            started_ms: self.started_ms,
            duration_ms: (last - self.started_ms).max(0.0),
            session: EndpointJson::from(&r),
        }
    }
}

/// What a manual session's event means for the stepping panel.
#[derive(Debug)]
pub(super) enum ManualNews {
    /// A line; `unrecognised` when it is a 500/502 reply.
    Line {
        /// A 500/502 reply (command unrecognised).
        unrecognised: bool,
    },
    /// The session waits for the user (`next`), or has ended (`None`).
    Ready {
        /// The step the next key press runs.
        next: Option<NextStep>,
        /// Whether the session is inside TLS now.
        in_tls: bool,
    },
    /// Anything else (phases, TLS, the session's report).
    Other,
}

impl RunView {
    /// Opens manual session N on `endpoint` under `run` (a header line first) and returns
    /// its index.
    pub(super) fn open_manual(&mut self, run: RunId, endpoint: &crate::model::Endpoint) -> usize {
        let number = self.manual().len() + 1;
        let started_ms = self.last_ms();
        let mut view = EndpointView::new(endpoint.clone());
        view.state = RowState::Running(crate::model::Phase::Connect);
        // Our own text (nothing from the network): where the session starts.
        view.transcript.push(TranscriptEntry::new(
            started_ms,
            Direction::Info,
            format!("manual session {number}: new connection (the probe's verdict stays)"),
        ));
        let index = self.manual().len();
        self.push_manual(
            ManualView {
                number,
                run,
                started_ms,
                view,
            },
            LineRef {
                endpoint: Some(endpoint.id),
                index: 0,
                manual: Some(index),
            },
        );
        index
    }

    /// The manual sessions on `id`, in order.
    pub fn manual_on(&self, id: EndpointId) -> impl Iterator<Item = &ManualView> {
        self.manual().iter().filter(move |m| m.endpoint() == id)
    }

    /// Applies an event of a manual session: its index and what it means for the
    /// stepping panel, or `None` when no session has the event's run id.
    pub(super) fn apply_manual(&mut self, ev: ProbeEvent) -> Option<(usize, ManualNews)> {
        let index = self.manual().iter().position(|m| m.run == ev.run())?;
        let news = match ev {
            ProbeEvent::Line { entry, .. } => {
                self.saw_time(entry.t_ms);
                let is_reply = matches!(entry.dir, Direction::Server | Direction::ServerTls);
                let unrecognised =
                    is_reply && (entry.text.starts_with("500") || entry.text.starts_with("502"));
                let m = self.manual_mut(index);
                // The session starts when its first line is timed (the key press may
                // come long after the run's last event).
                if m.view.transcript.len() == 1 {
                    m.started_ms = entry.t_ms;
                    m.view.transcript[0].t_ms = entry.t_ms;
                }
                m.view.transcript.push(entry);
                let line = LineRef {
                    endpoint: Some(m.endpoint()),
                    index: m.view.transcript.len() - 1,
                    manual: Some(index),
                };
                self.push_line(line);
                ManualNews::Line { unrecognised }
            }
            ProbeEvent::PhaseStarted { phase, at_ms, .. } => {
                self.saw_time(at_ms);
                let v = &mut self.manual_mut(index).view;
                v.state = RowState::Running(phase);
                v.live_phase = Some((phase, at_ms));
                ManualNews::Other
            }
            ProbeEvent::PhaseDone { timing, .. } => {
                self.saw_time(timing.start_ms + timing.dur_ms);
                let v = &mut self.manual_mut(index).view;
                if v.live_phase.is_some_and(|(p, _)| p == timing.phase) {
                    v.live_phase = None;
                }
                v.timings.push(timing);
                ManualNews::Other
            }
            ProbeEvent::Tls { info, .. } => {
                self.manual_mut(index).view.tls = Some(*info);
                ManualNews::Other
            }
            ProbeEvent::EndpointDone { report, .. } => {
                let v = &mut self.manual_mut(index).view;
                v.state = RowState::Done;
                v.live_phase = None;
                v.absorb(*report);
                ManualNews::Other
            }
            ProbeEvent::StepReady {
                next,
                in_tls,
                verdict,
                ..
            } => {
                let v = &mut self.manual_mut(index).view;
                v.step_verdict = Some(verdict);
                v.live_phase = None;
                ManualNews::Ready { next, in_tls }
            }
            _ => return None,
        };
        Some((index, news))
    }

    /// Lines of an endpoint's view: its own, then its manual sessions'.
    pub fn endpoint_line<'a>(
        &'a self,
        ep: &'a EndpointView,
        i: usize,
    ) -> Option<(Option<&'a EndpointView>, &'a TranscriptEntry)> {
        if let Some(e) = ep.transcript.get(i) {
            return Some((Some(ep), e));
        }
        let mut i = i - ep.transcript.len();
        for m in self.manual_on(ep.endpoint.id) {
            match m.view.transcript.get(i) {
                Some(e) => return Some((Some(&m.view), e)),
                None => i -= m.view.transcript.len(),
            }
        }
        None
    }

    /// Number of lines [`RunView::endpoint_line`] serves for `ep`.
    pub fn endpoint_lines(&self, ep: &EndpointView) -> usize {
        ep.transcript.len()
            + self
                .manual_on(ep.endpoint.id)
                .map(|m| m.view.transcript.len())
                .sum::<usize>()
    }
}
