//! An action's meta attributes from its operation, as Pacemaker unpacks an operation for
//! every action of a resource (pseudo actions of groups and clones too): `op_defaults`
//! (rules evaluated per action), the operation's own definition, its interval, timeout and
//! start delay in milliseconds.

use super::Meta;
use crate::actions::Action;
use crate::rules::{self, IdIndex, RuleContext};
use crate::unpack::{parse_interval_ms, ClusterView, Kind, OpDef, Resource, RscIdx};
use cib::xml::Element;

/// An operation's timeout when nothing sets one (Pacemaker's `CRM_DEFAULT_OP_TIMEOUT_S`).
const DEFAULT_TIMEOUT_MS: u64 = 20_000;

/// `op_defaults`: its rules are evaluated per action.
pub(super) struct OpDefaults<'a> {
    element: Option<(&'a Element, IdIndex<'a>)>,
}

impl<'a> OpDefaults<'a> {
    pub(super) fn new(view: &'a ClusterView) -> Self {
        let element = view
            .config
            .op_defaults
            .as_ref()
            .map(|e| (e, IdIndex::new(e)));
        OpDefaults { element }
    }

    /// Its meta attributes for operation `task` at `interval_ms` of `rsc`.
    fn meta(&self, view: &ClusterView, rsc: &Resource, task: &str, interval_ms: u64) -> Meta {
        let mut out = Meta::new();
        if let Some((el, idx)) = &self.element {
            // (Only a primitive has an agent for `rsc_expression` to match.)
            let agent = (rsc.kind == Kind::Primitive).then_some((
                rsc.class.as_str(),
                rsc.provider.as_deref(),
                rsc.agent.as_str(),
            ));
            let ctx = RuleContext {
                now: view.now,
                rsc: agent,
                op: Some((task, interval_ms)),
                ..Default::default()
            };
            rules::unpack_nvpairs(idx, el, "meta_attributes", &ctx, &mut out);
        }
        out
    }
}

/// The configured operation an action of `rsc` runs as (disabled ones too): by name and
/// interval; a notification by `notify`, a migration by `migrate` when it has no own.
pub(super) fn op_entry<'r>(rsc: &'r Resource, a: &Action) -> Option<&'r OpDef> {
    let name = match a.task.as_str() {
        "cancel" => a
            .meta
            .get("CRM_meta_operation")
            .map_or("cancel", String::as_str),
        task => task,
    };
    let find = |name: &str, interval: u64| {
        rsc.ops
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name) && o.interval_ms == interval)
    };
    match name {
        "notify" | "notified" => find("notify", 0),
        "migrate_to" | "migrate_from" => find(name, 0).or_else(|| find("migrate", 0)),
        _ => find(name, a.interval_ms),
    }
}

/// An action's meta attributes from its operation (Pacemaker's operation unpacking):
/// `op_defaults`, the operation's own, its interval and timeout in milliseconds (a probe's
/// timeout defaults to the most frequent monitor's, a fence device's start and probe take
/// `pcmk_monitor_timeout`), and a start delay in milliseconds.
pub(super) fn operation_meta(
    view: &ClusterView,
    r: RscIdx,
    a: &Action,
    defaults: &OpDefaults,
) -> Meta {
    let rsc = &view.resources[r];
    let probe = a.task == "monitor" && a.interval_ms == 0;
    let mut meta = defaults.meta(view, rsc, &a.task, a.interval_ms);
    if probe {
        if let Some(t) = most_frequent_monitor(rsc).and_then(|m| m.meta.get("timeout")) {
            meta.insert("timeout".into(), t.clone());
        }
    }
    if let Some(op) = op_entry(rsc, a) {
        meta.extend(op.meta.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    meta.remove("id");
    match a.interval_ms {
        0 => meta.remove("interval"),
        ms => meta.insert("interval".into(), ms.to_string()),
    };
    if rsc.class == "stonith" && (a.task == "start" || probe) {
        let params = a.node.map_or(&rsc.params, |n| rsc.params_on(n));
        if let Some(t) = params.get("pcmk_monitor_timeout") {
            meta.insert("timeout".into(), t.clone());
        }
    }
    let timeout = meta
        .get("timeout")
        .and_then(|t| parse_interval_ms(t))
        .unwrap_or(DEFAULT_TIMEOUT_MS);
    meta.insert("timeout".into(), timeout.to_string());
    if let Some(d) = meta.get("start-delay") {
        let ms = parse_interval_ms(d).unwrap_or(0);
        meta.insert("start-delay".into(), ms.to_string());
    } else if let Some(ms) = meta
        .get("interval-origin")
        .and_then(|o| delay_to_origin(o, a.interval_ms, view.now))
    {
        meta.insert("start-delay".into(), ms.to_string());
    }
    meta
}

/// A recurring operation with an `interval-origin` first runs at the next multiple of its
/// interval after that origin: the delay from `now`, in milliseconds.
fn delay_to_origin(origin: &str, interval_ms: u64, now: i64) -> Option<i64> {
    let interval = i64::try_from(interval_ms / 1000).ok().filter(|&i| i > 0)?;
    let since = now - vocab::datetime::parse(origin)?;
    // (C's remainder: negative when the origin is still to come.)
    let into = since % interval;
    Some((if into <= 0 { 0 } else { interval } - into) * 1000)
}

/// The enabled recurring monitor with the shortest interval.
fn most_frequent_monitor(rsc: &Resource) -> Option<&OpDef> {
    rsc.ops
        .iter()
        .filter(|o| o.name == "monitor" && o.interval_ms > 0 && o.enabled)
        .min_by_key(|o| o.interval_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_origin_delays_to_the_next_multiple() {
        let origin = vocab::datetime::parse("2020-01-01T00:00:00Z").unwrap();
        assert_eq!(
            delay_to_origin("2020-01-01T00:00:00Z", 60_000, origin + 90),
            Some(30_000)
        );
        assert_eq!(
            delay_to_origin("2020-01-01T00:00:00Z", 60_000, origin + 120),
            Some(0)
        );
        // (An origin still to come is waited for.)
        assert_eq!(
            delay_to_origin("2020-01-01T00:00:00Z", 60_000, origin - 10),
            Some(10_000)
        );
        assert_eq!(delay_to_origin("not a date", 60_000, origin), None);
        assert_eq!(delay_to_origin("2020-01-01T00:00:00Z", 0, origin), None);
    }
}
