//! MailTo: sends a notification mail when a resource group starts (takeover) and stops
//! (migration away), as Heartbeat v1 sites put at the end of a haresources line.
//! A failed mail is logged but never fails the action: notification must not block
//! failover.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::agent::unsupported;
use crate::log;
use crate::metadata::{standard_actions, Metadata, Parameter};
use crate::ocf::{Action, Failure, OcfEnv, OcfRc, Outcome};
use crate::process::which;
use crate::smtp::{self, Mail};
use crate::state;

pub fn metadata() -> Metadata {
    Metadata {
        name: "MailTo",
        version: "1.0",
        shortdesc: "Notifies recipients by email in the event of resource takeover",
        longdesc: "Sends '<subject> Takeover in progress at <time> on <node>' on start and \
                   '<subject> Migrating resource away at <time> from <node>' on stop. Mail goes \
                   to smtp_server when set, else through sendmail (or mail) on this node.",
        parameters: vec![
            Parameter::new(
                "email",
                "Email address",
                "The recipients, separated by spaces or commas.",
            )
            .required(),
            Parameter::new("subject", "Subject", "The beginning of the subject line.")
                .default("Resource Group"),
            Parameter::new(
                "smtp_server",
                "SMTP relay",
                "host:port of an SMTP relay to talk to directly (no TLS, no authentication).",
            ),
        ],
        actions: standard_actions(10, 10, 10),
    }
}

struct Config {
    to: Vec<String>,
    subject: String,
    smtp_server: Option<String>,
}

fn config(env: &OcfEnv) -> Result<Config, Failure> {
    let to: Vec<String> = env
        .required("email")?
        .split([' ', ','])
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    if let Some(bad) = to
        .iter()
        .find(|a| a.starts_with('-') || a.contains(['<', '>']))
    {
        return Err(Failure::configured(format!(
            "'{bad}' is not a mail address"
        )));
    }
    let smtp_server = env.param("smtp_server").map(str::to_string);
    if let Some(s) = &smtp_server {
        if !s
            .rsplit_once(':')
            .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
        {
            return Err(Failure::configured(format!(
                "smtp_server '{s}' is not host:port"
            )));
        }
    }
    Ok(Config {
        to,
        subject: env.param_or("subject", "Resource Group").to_string(),
        smtp_server,
    })
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = config(env)?;
    let state_file = env.state_file("MailTo", "state");
    match action {
        Action::Start => {
            validate(&cfg)?;
            notify(&cfg, "Takeover in progress at", "on");
            state::write(&state_file, "started\n")?;
            Ok(OcfRc::SUCCESS)
        }
        Action::Stop => {
            if state_file.exists() {
                notify(&cfg, "Migrating resource away at", "from");
            }
            state::remove(&state_file).map(|()| OcfRc::SUCCESS)
        }
        Action::Monitor => Ok(if state_file.exists() {
            OcfRc::SUCCESS
        } else {
            OcfRc::NOT_RUNNING
        }),
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => validate(&cfg).map(|()| OcfRc::SUCCESS),
        other => unsupported(other),
    }
}

fn validate(cfg: &Config) -> Result<(), Failure> {
    if cfg.smtp_server.is_none() && which("sendmail").is_none() && which("mail").is_none() {
        return Err(Failure::installed(
            "neither sendmail nor mail is installed; set smtp_server",
        ));
    }
    Ok(())
}

fn node_name() -> String {
    nix::unistd::gethostname()
        .ok()
        .and_then(|h| h.into_string().ok())
        .unwrap_or_else(|| "localhost".into())
}

fn notify(cfg: &Config, what: &str, preposition: &str) {
    let node = node_name();
    let when = crate::process::run_ok("date", &[]).unwrap_or_default();
    let subject = format!(
        "{} {what} {} {preposition} {node}",
        cfg.subject,
        when.trim()
    );
    let body = format!("{subject}\n");
    let from = format!("root@{node}");
    let mail = Mail {
        from: &from,
        to: &cfg.to,
        subject: &subject,
        body: &body,
    };
    let sent = match &cfg.smtp_server {
        Some(server) => smtp::send(server, &node, &mail, Duration::from_secs(10)),
        None => pipe_to_local_mailer(&mail),
    };
    match sent {
        Ok(()) => log::info(&format!("mailed '{subject}' to {}", cfg.to.join(", "))),
        Err(why) => log::warn(&format!("could not send '{subject}': {why}")),
    }
}

/// `sendmail -t -i` with the full message, else `mail -s SUBJECT rcpt...` with the body.
fn pipe_to_local_mailer(mail: &Mail) -> Result<(), String> {
    let (program, args, input) = match which("sendmail") {
        Some(p) => (p, vec!["-t".to_string(), "-i".to_string()], {
            let text = smtp::message_text(mail).replace("\r\n", "\n");
            // Drop the SMTP end-of-data dot; sendmail -i reads to end of input.
            text.trim_end_matches('.').to_string()
        }),
        None => {
            let p = which("mail").ok_or("no sendmail or mail program")?;
            let mut args = vec!["-s".to_string(), mail.subject.to_string()];
            args.extend(mail.to.iter().cloned());
            (p, args, mail.body.to_string())
        }
    };
    let mut child = Command::new(&program)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} failed: {}",
            program.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// `MailTo::<address>[::<subject>]` in haresources.
pub fn heartbeat_args(args: &[String]) -> Result<Vec<(String, String)>, Failure> {
    match args {
        [email] => Ok(vec![("email".into(), email.clone())]),
        [email, subject] => Ok(vec![
            ("email".into(), email.clone()),
            ("subject".into(), subject.clone()),
        ]),
        _ => Err(Failure::args("expected email [subject]")),
    }
}
