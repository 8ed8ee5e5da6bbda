//! One fencing operation: choose devices (topology levels, else every capable device), apply
//! the devices' delays, run them with retries, and say which one succeeded or why all failed.

use std::time::{Duration, Instant};

use cib::xml::Element;
use rand::RngExt;

use crate::agent;
use crate::device::{devices, Device};
use crate::topology::levels_for;

/// The agent name of the manual-confirmation device: it succeeds only when an operator runs
/// `stonith_admin --confirm NODE` (having made sure the node is down).
pub const MEATWARE: &str = "meatware";

/// How a fencing operation ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Fenced by these devices.
    Done(Vec<String>),
    /// Why not (every attempt, in order).
    Failed(String),
}

/// What the operation may ask of its environment while it runs.
pub trait Operator {
    /// Whether an operator confirmed that `target` is down (meatware).
    fn confirmed(&self, target: &str) -> bool;
    /// Waits `d` (the device's fencing delay); tests may shorten it.
    fn sleep(&self, d: Duration) {
        std::thread::sleep(d);
    }
}

fn run_device(d: &Device, action: &str, target: &str, op: &dyn Operator) -> Result<(), String> {
    if d.agent == MEATWARE {
        let deadline = Instant::now() + d.timeout(action);
        while Instant::now() < deadline {
            if op.confirmed(target) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        return Err(format!("{}: no manual confirmation for {target}", d.id));
    }
    let mut last = String::new();
    for attempt in 0..=d.retries {
        match agent::execute(d, action, target) {
            Ok(_) => return Ok(()),
            Err(e) => {
                last = format!("{}: {e}", d.id);
                // Timeouts and missing agents do not get better by retrying at once.
                if matches!(
                    e,
                    agent::AgentError::NotInstalled(_) | agent::AgentError::Timeout { .. }
                ) || attempt == d.retries
                {
                    break;
                }
            }
        }
    }
    Err(last)
}

fn delay(d: &Device, action: &str, op: &dyn Operator) {
    if !matches!(action, "reboot" | "off") {
        return;
    }
    let extra = if d.delay_max.is_zero() {
        Duration::ZERO
    } else {
        let ms = rand::rng().random_range(0..=d.delay_max.as_millis() as u64);
        Duration::from_millis(ms)
    };
    let total = d.delay_base + extra;
    if !total.is_zero() {
        tracing::info!("delaying {action} by {} ms ({})", total.as_millis(), d.id);
        op.sleep(total);
    }
}

/// Fences `target` with the devices of `cib`; `use_delays` applies the devices' fencing delays
/// (a node fencing itself does not wait).
pub fn fence(
    cib: &Element,
    target: &str,
    action: &str,
    op: &dyn Operator,
    use_delays: bool,
) -> Outcome {
    // An operator vouched that the node is down (`stonith_admin --confirm`): that is the result.
    if matches!(action, "reboot" | "off") && op.confirmed(target) {
        return Outcome::Done(vec!["manual confirmation".into()]);
    }
    let all = devices(cib);
    let levels = levels_for(cib, target);
    let mut why: Vec<String> = Vec::new();
    if !levels.is_empty() {
        'levels: for level in levels {
            let mut used = Vec::new();
            for id in &level.devices {
                let Some(d) = all.iter().find(|d| &d.id == id) else {
                    why.push(format!("level {}: no device {id}", level.index));
                    continue 'levels;
                };
                if use_delays {
                    delay(d, action, op);
                }
                if let Err(e) = run_device(d, action, target, op) {
                    why.push(format!("level {}: {e}", level.index));
                    continue 'levels;
                }
                used.push(d.id.clone());
            }
            return Outcome::Done(used);
        }
        return Outcome::Failed(why.join("; "));
    }
    let capable: Vec<&Device> = all.iter().filter(|d| agent::can_fence(d, target)).collect();
    if capable.is_empty() {
        return Outcome::Failed(format!("no fencing device can fence {target}"));
    }
    for d in capable {
        if use_delays {
            delay(d, action, op);
        }
        match run_device(d, action, target, op) {
            Ok(()) => return Outcome::Done(vec![d.id.clone()]),
            Err(e) => why.push(e),
        }
    }
    Outcome::Failed(why.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    struct NoOne;
    impl Operator for NoOne {
        fn confirmed(&self, _: &str) -> bool {
            false
        }
        fn sleep(&self, _: Duration) {}
    }

    struct Confirmed;
    impl Operator for Confirmed {
        fn confirmed(&self, t: &str) -> bool {
            t == "node2"
        }
    }

    #[test]
    fn failed_level_falls_through_to_the_next_and_meatware_needs_confirmation() {
        let dir = tempfile::tempdir().unwrap();
        for (name, code) in [("fence_bad_rs", 1), ("fence_good_rs", 0)] {
            let p = dir.path().join(name);
            std::fs::write(&p, format!("#!/bin/sh\ncat >/dev/null\nexit {code}\n")).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let cib = cib::xml::parse_element(&format!(
            r#"<cib><configuration><resources>
              <primitive id="ipmi" class="stonith" type="{bad}"><instance_attributes id="a"><nvpair id="a1" name="pcmk_host_list" value="node1 node2"/><nvpair id="a2" name="pcmk_reboot_retries" value="0"/></instance_attributes></primitive>
              <primitive id="pdu" class="stonith" type="{good}"><instance_attributes id="b"><nvpair id="b1" name="pcmk_host_list" value="node1"/></instance_attributes></primitive>
              <primitive id="manual" class="stonith" type="meatware"><instance_attributes id="c"><nvpair id="c1" name="pcmk_host_list" value="node2"/><nvpair id="c2" name="pcmk_reboot_timeout" value="1s"/></instance_attributes></primitive>
            </resources><fencing-topology>
              <fencing-level id="l1" target="node1" index="1" devices="ipmi"/>
              <fencing-level id="l2" target="node1" index="2" devices="pdu"/>
            </fencing-topology></configuration></cib>"#,
            bad = dir.path().join("fence_bad_rs").display(),
            good = dir.path().join("fence_good_rs").display(),
        ))
        .unwrap();
        // Absolute agent paths are not looked up: use the directory instead.
        let cib = cib::xml::parse_element(
            &cib.to_xml()
                .replace(
                    &dir.path().join("fence_bad_rs").display().to_string(),
                    "fence_bad_rs",
                )
                .replace(
                    &dir.path().join("fence_good_rs").display().to_string(),
                    "fence_good_rs",
                ),
        )
        .unwrap();
        let _env = crate::ENV_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        std::env::set_var("STONITH_AGENT_DIRS", dir.path());
        assert_eq!(
            fence(&cib, "node1", "reboot", &NoOne, true),
            Outcome::Done(vec!["pdu".into()])
        );
        // node2: no topology; ipmi fails, meatware waits for a confirmation that never comes.
        match fence(&cib, "node2", "reboot", &NoOne, true) {
            Outcome::Failed(why) => {
                assert!(
                    why.contains("ipmi") && why.contains("no manual confirmation"),
                    "{why}"
                )
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            fence(&cib, "node2", "reboot", &Confirmed, true),
            Outcome::Done(vec!["manual confirmation".into()])
        );
        assert_eq!(
            fence(&cib, "node3", "reboot", &NoOne, true),
            Outcome::Failed("no fencing device can fence node3".into())
        );
        std::env::remove_var("STONITH_AGENT_DIRS");
    }
}
