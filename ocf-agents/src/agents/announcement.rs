//! Telling the neighbours that an address now lives here: unsolicited ARP for IPv4
//! (resource-agents' `send_arp` or iputils `arping`), an unsolicited neighbour
//! advertisement for IPv6 (`send_ua`). Used by IPaddr2, IPaddr and SendArp.

use std::net::{IpAddr, Ipv4Addr};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::log;
use crate::metadata::{ContentType, Parameter};
use crate::ocf::{Failure, OcfEnv};
use crate::process::{run_program, which};

/// Which program sends the ARP packets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArpSender {
    /// resource-agents' `send_arp`, else iputils `arping`.
    Auto,
    SendArp,
    IputilsArping,
    None,
}

/// How to announce, from the `arp_*` parameters.
#[derive(Debug, Clone)]
pub struct Announcement {
    pub sender: ArpSender,
    pub count: u32,
    pub interval_ms: u64,
    pub background: bool,
}

/// The `arp_*` parameters, in meta-data order.
pub fn parameters() -> Vec<Parameter> {
    vec![
        Parameter::new(
            "arp_count",
            "ARP packet count",
            "How many unsolicited ARP announcements to send after adding an IPv4 address.",
        )
        .of_type(ContentType::Integer)
        .default("5"),
        Parameter::new(
            "arp_interval",
            "ARP packet interval in ms",
            "Milliseconds between unsolicited ARP announcements.",
        )
        .of_type(ContentType::Integer)
        .default("200"),
        Parameter::new(
            "arp_bg",
            "ARP in background",
            "Send the ARP announcements in the background so start returns at once.",
        )
        .of_type(ContentType::Boolean)
        .default("true"),
        Parameter::new(
            "arp_sender",
            "ARP sender",
            "Which program announces the address: send_arp (resource-agents), \
             iputils_arping, auto (send_arp if installed, else arping) or none.",
        )
        .default("auto"),
    ]
}

impl Announcement {
    /// Decodes the `arp_*` parameters (errors are OCF_ERR_CONFIGURED).
    pub fn from_env(env: &OcfEnv) -> Result<Announcement, Failure> {
        let sender = match env.param_or("arp_sender", "auto") {
            "auto" => ArpSender::Auto,
            "send_arp" => ArpSender::SendArp,
            "iputils_arping" => ArpSender::IputilsArping,
            "none" => ArpSender::None,
            other => {
                return Err(Failure::configured(format!(
                    "arp_sender '{other}' is not one of auto, send_arp, iputils_arping, none"
                )))
            }
        };
        Ok(Announcement {
            sender,
            count: env.integer("arp_count", 5)?.clamp(1, 1000) as u32,
            interval_ms: env.integer("arp_interval", 200)?,
            background: env.flag("arp_bg", true)?,
        })
    }

    /// Announces `ip` (with its prefix, for IPv6) out of `nic`. Failing to announce is
    /// not a failed start (the address works; caches just expire later), so problems
    /// are only logged.
    pub fn send(&self, ip: IpAddr, nic: &str, prefix: u8, rsctmp: &Path) {
        if self.sender == ArpSender::None {
            return;
        }
        let command = match ip {
            IpAddr::V4(v4) => self.arp_command(v4, nic, rsctmp),
            IpAddr::V6(v6) => which("send_ua").map(|exe| {
                let args = [
                    "-c".to_string(),
                    self.count.to_string(),
                    v6.to_string(),
                    prefix.to_string(),
                    nic.to_string(),
                ];
                (exe, args.to_vec())
            }),
        };
        let Some((exe, args)) = command else {
            log::warn(
                "no ARP/NA sender (send_arp, arping, send_ua) found; neighbours not notified",
            );
            return;
        };
        if self.background {
            // Detached: it outlives this agent and is reparented to init.
            let spawned = Command::new(&exe)
                .args(&args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn();
            if let Err(e) = spawned {
                log::warn(&format!("cannot run {}: {e}", exe.display()));
            }
            return;
        }
        let prog = exe.to_string_lossy().into_owned();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        match run_program(&prog, &refs) {
            Ok(out) if out.status.success() => {}
            Ok(out) => log::warn(&format!("{prog} exited with {}", out.status)),
            Err(f) => log::warn(&f.reason),
        }
    }

    /// The ARP program and its arguments, or None when none is installed.
    fn arp_command(
        &self,
        ip: Ipv4Addr,
        nic: &str,
        rsctmp: &Path,
    ) -> Option<(PathBuf, Vec<String>)> {
        let send_arp = which("send_arp");
        let use_send_arp = match self.sender {
            ArpSender::SendArp => true,
            ArpSender::IputilsArping => false,
            _ => send_arp.is_some(),
        };
        let count = self.count.to_string();
        if use_send_arp {
            let pidfile = rsctmp.join(format!("send_arp-{ip}"));
            let _ = std::fs::create_dir_all(rsctmp);
            let args = [
                "-i",
                &self.interval_ms.to_string(),
                "-r",
                &count,
                "-p",
                &pidfile.to_string_lossy(),
                nic,
                &ip.to_string(),
                "auto",
                "not_used",
                "not_used",
            ]
            .map(String::from)
            .to_vec();
            send_arp.map(|exe| (exe, args))
        } else {
            // iputils arping takes whole seconds; ARP-reply mode (-A) is the one
            // neighbours with default settings accept.
            let interval = self.interval_ms.div_ceil(1000).max(1).to_string();
            let args = [
                "-q",
                "-A",
                "-c",
                &count,
                "-i",
                &interval,
                "-I",
                nic,
                &ip.to_string(),
            ]
            .map(String::from)
            .to_vec();
            which("arping").map(|exe| (exe, args))
        }
    }
}
