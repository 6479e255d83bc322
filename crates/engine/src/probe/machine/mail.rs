//! The mail side of a session: AUTH, the envelope (MAIL, RCPT, DATA), the relay test,
//! QUIT, and raw commands typed by the user.

use std::time::Duration;

use super::{Machine, Step, StepResult, test_message};
use crate::classify::{Command, NO_PLAINTEXT_AUTH, QuitAnswer, RelayOutcome, Stop};
use crate::model::{Direction, Phase};
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
        if !in_tls && !self.ctx.settings.opt_in.plaintext_auth {
            self.note(Direction::Error, NO_PLAINTEXT_AUTH).await;
            return Err(Box::new(Stop::AuthNeedsTls { by_client: true }));
        }
        let Some(mech) = self.pick_mech() else {
            let starttls = self.caps.as_ref().is_some_and(|c| c.starttls);
            return Err(Box::new(if !in_tls && starttls {
                Stop::AuthNeedsTls { by_client: false }
            } else {
                Stop::AuthNotOffered { in_tls }
            }));
        };
        let wait = self.remaining(self.ctx.settings.timeouts.command * 2);
        let sess = self.session()?;
        let res =
            tokio::time::timeout(wait, authenticate(sess, mech, &auth.user, &auth.secret)).await;
        match res {
            Err(_) => {
                self.close_session();
                Err(Box::new(Stop::NoReply {
                    phase: Phase::Auth,
                    secs: wait.as_secs_f64(),
                    raw: None,
                }))
            }
            Ok(Err(e)) => Err(self.smtp_error(Phase::Auth, &e).await),
            Ok(Ok(reply)) if reply.code == 235 => {
                self.authenticated = true;
                if !in_tls {
                    self.seen.plaintext_credentials = Some(mech.as_str().to_string());
                }
                self.note(
                    Direction::Info,
                    &format!("authenticated as {} with {}", auth.user, mech.as_str()),
                )
                .await;
                self.auth_used = Some(mech.as_str().to_string());
                Ok(())
            }
            Ok(Ok(reply)) => {
                if !in_tls {
                    self.seen.plaintext_credentials = Some(mech.as_str().to_string());
                }
                Err(Self::rejected(Phase::Auth, &reply))
            }
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
                Err(Self::rejected(phase, &reply))
            };
        }
        if reply.code != 354 {
            return Err(Self::rejected(phase, &reply));
        }
        let host = self.ehlo_name();
        let body = test_message(&self.sender(), &self.ctx.settings.to, &host);
        let wait = self.remaining(self.ctx.settings.timeouts.command * 2);
        let sess = self.session()?;
        match tokio::time::timeout(wait, sess.send_message(&body)).await {
            Err(_) => Err(Box::new(Stop::NoReply {
                phase,
                secs: wait.as_secs_f64(),
                raw: None,
            })),
            Ok(Err(e)) => Err(self.smtp_error(phase, &e).await),
            Ok(Ok(r)) if r.is_positive() => Ok(()),
            Ok(Ok(r)) => Err(Self::rejected_as(phase, Command::DataEnd, &r)),
        }
    }

    /// `--relay-test`: without AUTH, MAIL FROM and RCPT TO documentation domains, then
    /// RSET. Never DATA. A 2xx to the RCPT is an open relay. Its result goes into the
    /// verdict's summary and the warnings; it never changes the verdict's class.
    pub(super) async fn relay_test(&mut self) -> StepResult {
        if self.authenticated {
            self.note(
                Direction::Info,
                "relay test skipped: this session is authenticated (relaying after AUTH is normal)",
            )
            .await;
            self.seen.relay = Some(RelayOutcome::Skipped);
            return Ok(());
        }
        self.note(
            Direction::Info,
            "relay test: unauthenticated MAIL/RCPT between documentation domains, RSET before DATA",
        )
        .await;
        let outcome = self.try_relay().await.unwrap_or_else(RelayOutcome::Aborted);
        if self.connected() {
            let _ = self.command(Phase::Rcpt, "RSET").await;
        }
        let text = crate::classify::describe_relay(&outcome, &self.observation(None));
        self.note(Direction::Info, &text).await;
        self.seen.relay = Some(outcome);
        Ok(())
    }

    /// The relay test's exchanges.
    async fn try_relay(&mut self) -> Result<RelayOutcome, Box<Stop>> {
        use super::{RELAY_TEST_FROM, RELAY_TEST_TO};
        if self.done.contains(&Step::Mail) {
            self.command(Phase::Rcpt, "RSET").await?;
        }
        let mail = self
            .command(Phase::Mail, &format!("MAIL FROM:<{RELAY_TEST_FROM}>"))
            .await?;
        if !mail.is_positive() {
            return Ok(RelayOutcome::MailRefused(mail.summary()));
        }
        let rcpt = self
            .command(Phase::Rcpt, &format!("RCPT TO:<{RELAY_TEST_TO}>"))
            .await?;
        Ok(if rcpt.is_positive() {
            RelayOutcome::Relays(rcpt.summary())
        } else {
            RelayOutcome::Refused(rcpt.summary())
        })
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
                self.seen.quit = Some(if reply.lines.len() > 1 {
                    QuitAnswer::OutOfStep(reply.summary())
                } else {
                    QuitAnswer::Unexpected(reply.summary())
                });
            }
        }
        self.close_session();
        Ok(())
    }

    /// Sends a raw command on the live session (stepping's `:` prompt) and reads its
    /// reply as the answer to *that* command: a positive MAIL opens a transaction (the
    /// next step is RCPT, not AUTH), RSET or a new EHLO/HELO closes it (and EHLO renews
    /// the capabilities), QUIT ends the session, and a 354 to DATA starts DATA mode, in
    /// which raw lines are message text (dot-stuffed, no reply) until the `.` step.
    /// Only verbs that are a phase of the handshake are timed as that phase.
    /// Returns the reply (None for a line of message text).
    pub async fn raw(&mut self, line: &str) -> Result<Option<Reply>, Box<Stop>> {
        if self.data_mode() {
            let stuffed = if line.starts_with('.') {
                format!(".{line}")
            } else {
                line.to_string()
            };
            let sess = self.session()?;
            if let Err(e) = sess.send(&stuffed).await {
                return Err(self.smtp_error(Phase::Data, &e).await);
            }
            return Ok(None);
        }
        let verb = super::verb_of(line);
        let in_tls = self.in_tls();
        let phase = match verb.as_str() {
            "EHLO" | "HELO" if in_tls => Some(Phase::EhloTls),
            "EHLO" | "HELO" => Some(Phase::Ehlo),
            "MAIL" => Some(Phase::Mail),
            "RCPT" => Some(Phase::Rcpt),
            "DATA" => Some(Phase::Data),
            "QUIT" => Some(Phase::Quit),
            _ => None,
        };
        let start = match phase {
            Some(p) => Some((p, self.phase_start(p).await)),
            None => None,
        };
        let r = self.raw_command(&verb, phase, line).await;
        if let Some((p, at)) = start {
            self.phase_end(p, at, r.as_ref().is_ok_and(|r| r.severity() < 4))
                .await;
        }
        let reply = r?;
        self.after_raw(&verb, &reply).await;
        Ok(Some(reply))
    }

    /// What a raw command's reply changes in the session's state.
    async fn after_raw(&mut self, verb: &str, reply: &Reply) {
        let positive = reply.is_positive();
        let in_transaction = |s: &Step| matches!(s, Step::Mail | Step::Rcpt(_));
        match verb {
            "QUIT" => {
                self.quit_sent = true;
                self.close_session();
                self.done.push(Step::Quit);
            }
            "MAIL" if positive => self.done.push(Step::Mail),
            "RSET" if positive => {
                while self.done.last().is_some_and(in_transaction) {
                    self.done.pop();
                }
            }
            "EHLO" | "HELO" if positive => {
                while self.done.last().is_some_and(in_transaction) {
                    self.done.pop();
                }
                self.caps = Some(crate::smtp::ehlo::parse_ehlo(reply));
            }
            "DATA" if reply.code == 354 => {
                self.data_mode = true;
                self.note(
                    Direction::Info,
                    "DATA mode: each line you send with : is message text (nothing is \
                     answered) until a lone `.` ends the message (Enter sends it)",
                )
                .await;
            }
            _ => {}
        }
    }

    /// [`Machine::command`]; with `raw = Some(verb)` (a raw line typed while stepping) a
    /// missing reply names that command in the transcript and the verdict.
    pub(super) async fn exchange(
        &mut self,
        phase: Phase,
        line: &str,
        raw: Option<&str>,
    ) -> Result<Reply, Box<Stop>> {
        let wait = self.remaining(self.ctx.settings.timeouts.command);
        let session = self.session()?;
        match tokio::time::timeout(wait, session.command(line)).await {
            Err(_) => {
                let secs = wait.as_secs_f64();
                let to = raw.map(|verb| format!(" to `{verb}`")).unwrap_or_default();
                self.note(
                    Direction::Error,
                    &format!("no reply{to} within {secs:.1} s"),
                )
                .await;
                self.close_session();
                Err(Box::new(Stop::NoReply {
                    phase,
                    secs,
                    raw: raw.map(String::from),
                }))
            }
            Ok(Err(e)) => Err(self.smtp_error(phase, &e).await),
            Ok(Ok(reply)) => {
                self.note_lf_only(&reply).await;
                Ok(reply)
            }
        }
    }

    /// Sends a raw line and reads its reply; a missing reply names the raw command.
    async fn raw_command(
        &mut self,
        verb: &str,
        phase: Option<Phase>,
        line: &str,
    ) -> Result<Reply, Box<Stop>> {
        self.exchange(phase.unwrap_or(Phase::Quit), line, Some(verb))
            .await
    }

    /// DATA mode's end: a lone `.`, then the reply to the message.
    pub(super) async fn data_end(&mut self) -> StepResult {
        self.data_mode = false;
        let reply = self.command(Phase::Data, ".").await?;
        if reply.is_positive() {
            Ok(())
        } else {
            Err(Self::rejected_as(Phase::Data, Command::DataEnd, &reply))
        }
    }
}
