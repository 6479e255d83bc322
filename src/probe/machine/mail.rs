//! The mail side of a session: AUTH, the envelope (MAIL, RCPT, DATA), QUIT, raw
//! commands typed by the user, and the verdict of a session that reached its goal.

use std::time::Duration;

use super::{Machine, Step, StepResult, rejected, test_message};
use crate::classify::{Observation, classify};
use crate::model::{Direction, Mode, Phase, Verdict};
use crate::smtp::auth::authenticate;
use crate::smtp::reply::Reply;

impl Machine {
    pub(super) async fn auth(&mut self) -> StepResult {
        let Some(auth) = self.ctx.settings.auth.clone() else {
            return Ok(());
        };
        if let Some(v) = self.cert_blocks() {
            self.note(Direction::Error, "not sending credentials: the certificate did not verify (use --insecure to override)")
                .await;
            return Err(v);
        }
        let in_tls = self.in_tls();
        let caps = self.caps.clone().unwrap_or_default();
        if !in_tls && !self.ctx.settings.allow_plaintext_auth {
            let detail = "smtptui does not send credentials over an unencrypted connection \
                          (use STARTTLS/TLS, or --allow-plaintext-auth)";
            self.note(Direction::Error, detail).await;
            return Err(Box::new(classify(&Observation::AuthNeedsTls { detail })));
        }
        let Some(mech) = self.pick_mech() else {
            let offered = if caps.auth.is_empty() {
                "none".to_string()
            } else {
                caps.auth.join(" ")
            };
            if !in_tls && caps.starttls {
                let detail = format!("AUTH is not offered before STARTTLS (offered: {offered})");
                return Err(Box::new(classify(&Observation::AuthNeedsTls {
                    detail: &detail,
                })));
            }
            return Err(Box::new(classify(&Observation::AuthNotOffered {
                in_tls,
                offered: &offered,
            })));
        };
        let wait = self.remaining(self.ctx.settings.timeouts.command * 2);
        let sess = self.session()?;
        let res =
            tokio::time::timeout(wait, authenticate(sess, mech, &auth.user, &auth.secret)).await;
        match res {
            Err(_) => {
                self.close_session();
                Err(Box::new(classify(&Observation::NoReply {
                    phase: Phase::Auth,
                    secs: wait.as_secs_f64(),
                })))
            }
            Ok(Err(e)) => Err(self.smtp_error(Phase::Auth, &e).await),
            Ok(Ok(reply)) if reply.code == 235 => {
                self.note(
                    Direction::Info,
                    &format!("authenticated as {} with {}", auth.user, mech.as_str()),
                )
                .await;
                self.auth_used = Some(mech.as_str().to_string());
                Ok(())
            }
            Ok(Ok(reply)) => Err(rejected(Phase::Auth, &reply)),
        }
    }

    pub(super) async fn envelope(&mut self, step: Step, command: Option<String>) -> StepResult {
        if let Some(v) = self.cert_blocks() {
            return Err(v);
        }
        let phase = step.phase();
        let line = command.unwrap_or_else(|| self.command_for(step));
        let reply = self.command(phase, &line).await?;
        if step != Step::Data {
            return if reply.is_positive() {
                Ok(())
            } else {
                Err(rejected(phase, &reply))
            };
        }
        if reply.code != 354 {
            return Err(rejected(phase, &reply));
        }
        let body = test_message(
            &self.sender(),
            &self.ctx.settings.to,
            &self.ctx.settings.ehlo_name,
        );
        let wait = self.remaining(self.ctx.settings.timeouts.command * 2);
        let sess = self.session()?;
        match tokio::time::timeout(wait, sess.send_message(&body)).await {
            Err(_) => Err(Box::new(classify(&Observation::NoReply {
                phase,
                secs: wait.as_secs_f64(),
            }))),
            Ok(Err(e)) => Err(self.smtp_error(phase, &e).await),
            Ok(Ok(r)) if r.is_positive() => Ok(()),
            Ok(Ok(r)) => Err(rejected(phase, &r)),
        }
    }

    pub(super) async fn quit(&mut self) -> StepResult {
        if self.session.is_some() && !self.quit_sent {
            self.quit_sent = true;
            let wait = self
                .remaining(self.ctx.settings.timeouts.command)
                .min(Duration::from_secs(5));
            if let Some(sess) = self.session.as_mut()
                && let Ok(Ok(reply)) = tokio::time::timeout(wait, sess.command("QUIT")).await
                && reply.code != 221
            {
                // A multi-line answer to QUIT is an earlier reply arriving late: the
                // server sent replies nobody asked for, so every reply after that
                // answered the command before it.
                let note = if reply.lines.len() > 1 {
                    format!("out of step: QUIT was answered with `{}`", reply.summary())
                } else {
                    format!(
                        "QUIT was answered with `{}` instead of 221",
                        reply.summary()
                    )
                };
                self.notes.push(note);
            }
        }
        self.close_session();
        Ok(())
    }

    /// Sends a raw command on the live session (stepping's `:` prompt).
    pub async fn raw(&mut self, line: &str) -> Result<Reply, Box<Verdict>> {
        let upper = line.trim().to_ascii_uppercase();
        let phase = if upper.starts_with("QUIT") {
            Phase::Quit
        } else {
            Phase::Ehlo
        };
        let start = self.phase_start(phase).await;
        let r = self.command(phase, line).await;
        self.phase_end(phase, start, r.as_ref().is_ok_and(|r| r.severity() < 4))
            .await;
        if upper.starts_with("QUIT") {
            self.close_session();
            self.done.push(Step::Quit);
        }
        r
    }

    /// The verdict for a session that reached its goal.
    pub fn success_verdict(&self) -> Verdict {
        if let Some(v) = self.cert_blocks() {
            return *v;
        }
        if let Some(tls) = self.tls.as_ref().filter(|t| !t.verified) {
            // --insecure: went on, but never call an unverified session ok.
            let mut v = classify(&Observation::CertRejected(tls));
            v.summary.push_str(" (continued with --insecure)");
            return v;
        }
        let last = self
            .done
            .iter()
            .rev()
            .find(|s| **s != Step::Quit)
            .map_or(Phase::Connect, |s| s.phase());
        let note = (self.endpoint.mode == Mode::Auto && self.tls.is_none())
            .then_some("auto mode: STARTTLS not offered, stayed in plaintext");
        classify(&Observation::Completed {
            last,
            tls: self.tls.as_ref(),
            note,
        })
    }
}
