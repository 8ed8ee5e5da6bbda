//! Whether a cluster node is a member that can run resources, or must be fenced, judged from
//! its `<node_state>` as Pacemaker 2.1.5's scheduler judges it. This is the one copy of the
//! rule: the scheduler (`pengine::unpack`) and the configuration checks (`cib::verify`) both
//! call [`judge`], so `crm_simulate`, `crm_mon` and `crm_verify` agree about every node.
//!
//! Values compare case-insensitively, as Pacemaker's do. Like 2.1.5, `in_ccm` must be a true
//! boolean and `crmd` must be `online`: the epoch timestamps Pacemaker 2.1.7 and later record
//! there are not membership to 2.1.5, so a node described that way is offline here too.

use crate::Element;
use vocab::boolean::parse_bool;

/// The node-state attributes the rule reads, plus the two transient attributes that matter.
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeStateFacts<'a> {
    /// `in_ccm`: the membership layer sees the node.
    pub in_ccm: Option<&'a str>,
    /// `crmd`: the controller is up (`online`).
    pub crmd: Option<&'a str>,
    /// `join`: down, pending, member, banned.
    pub join: Option<&'a str>,
    /// `expected`: member or down.
    pub expected: Option<&'a str>,
    /// The transient `shutdown` attribute (a request time, `0` for none).
    pub shutdown: Option<&'a str>,
    /// The transient `terminate` attribute (a boolean or a request time).
    pub terminate: Option<&'a str>,
}

impl<'a> NodeStateFacts<'a> {
    /// The facts of `state`; the transient attributes come from the caller, which knows how
    /// to read them (the scheduler evaluates rules in them).
    pub fn of(state: &'a Element, shutdown: Option<&'a str>, terminate: Option<&'a str>) -> Self {
        NodeStateFacts {
            in_ccm: state.attr("in_ccm"),
            crmd: state.attr("crmd"),
            join: state.attr("join"),
            expected: state.attr("expected"),
            shutdown,
            terminate,
        }
    }
}

/// What the rule decided about one cluster node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Membership {
    /// Online as far as resource management goes (an unclean node may still be online).
    pub online: bool,
    /// Up but not ready to run resources yet (Pacemaker also puts it in standby).
    pub pending: bool,
    /// Why it must be fenced, in Pacemaker's words.
    pub unclean: Option<&'static str>,
    /// Expected up (`expected="member"` and no shutdown requested).
    pub expected_up: bool,
    /// A clean shutdown was requested.
    pub shutdown: bool,
}

fn eq(value: Option<&str>, word: &str) -> bool {
    value.is_some_and(|v| v.trim().eq_ignore_ascii_case(word))
}

/// `in_ccm`: a true boolean.
fn in_cluster(value: Option<&str>) -> bool {
    value.is_some_and(|v| parse_bool(v).unwrap_or(false))
}

/// `crmd`: `online`.
fn controller_up(value: Option<&str>) -> bool {
    value.is_some_and(|v| v.trim().eq_ignore_ascii_case("online"))
}

/// `terminate`: a true boolean, or a time (any number not starting with 0).
fn terminate_requested(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        parse_bool(v).unwrap_or_else(|| v.starts_with(|c: char| c.is_ascii_digit() && c != '0'))
    })
}

/// `shutdown`: any value but empty or `0` is a request.
fn shutdown_requested(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty() && v != "0")
}

/// Judges a cluster node's membership; `fencing` is `stonith-enabled`.
pub fn judge(facts: &NodeStateFacts<'_>, fencing: bool) -> Membership {
    let shutdown = shutdown_requested(facts.shutdown);
    let mut m = Membership {
        shutdown,
        expected_up: !shutdown && eq(facts.expected, "member"),
        ..Membership::default()
    };
    if fencing {
        with_fencing(facts, &mut m);
    } else {
        without_fencing(facts, &mut m);
    }
    m
}

fn without_fencing(f: &NodeStateFacts<'_>, m: &mut Membership) {
    if !in_cluster(f.in_ccm) {
        // Down.
    } else if controller_up(f.crmd) {
        m.online = eq(f.join, "member");
    } else if m.expected_up {
        m.unclean = Some("peer is unexpectedly down");
    }
}

fn with_fencing(f: &NodeStateFacts<'_>, m: &mut Membership) {
    let in_ccm = in_cluster(f.in_ccm);
    let crmd_up = controller_up(f.crmd);
    let terminate = terminate_requested(f.terminate);
    // A missing `expected` counts as down.
    let expected_down = f.expected.is_none() || eq(f.expected, "down");
    m.online = in_ccm;
    if m.shutdown {
        // A dead peer cannot be shut down: only the controller counts.
        m.online = crmd_up;
    } else if f.in_ccm.is_none() {
        m.unclean = Some("peer has not been seen by the cluster");
    } else if eq(f.join, "banned") {
        // (Pacemaker's CRMD_JOINSTATE_NACK is written "banned".)
        m.unclean = Some("peer failed Pacemaker membership criteria");
    } else if !terminate && expected_down {
        // Coming up (or down): not ready to run resources while anything of it runs.
        m.pending = in_ccm || crmd_up;
    } else if terminate && eq(f.join, "down") && !in_ccm && !crmd_up {
        // Just fenced as requested.
        m.online = false;
    } else if !in_ccm {
        m.unclean = Some("peer is no longer part of the cluster");
    } else if !crmd_up {
        m.unclean = Some("peer process is no longer available");
    } else if terminate {
        m.unclean = Some("termination was requested");
    } else if eq(f.join, "member") {
        // Active.
    } else if eq(f.join, "pending") || eq(f.join, "down") {
        m.pending = true;
    } else {
        m.unclean = Some("peer was in an unknown state");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(
        in_ccm: &'a str,
        crmd: &'a str,
        join: &'a str,
        expected: &'a str,
    ) -> NodeStateFacts<'a> {
        NodeStateFacts {
            in_ccm: Some(in_ccm),
            crmd: Some(crmd),
            join: Some(join),
            expected: Some(expected),
            ..Default::default()
        }
    }

    #[test]
    fn a_healthy_member_is_online_in_any_case() {
        for f in [
            facts("true", "online", "member", "member"),
            facts("TRUE", "Online", "MEMBER", "Member"),
            facts("yes", "ONLINE", "member", "member"),
        ] {
            let m = judge(&f, true);
            assert!(
                m.online && !m.pending && m.unclean.is_none(),
                "{f:?}: {m:?}"
            );
            assert!(judge(&f, false).online, "{f:?} without fencing");
        }
    }

    #[test]
    fn timestamps_are_not_membership_to_2_1_5() {
        let f = facts("1700000000", "1700000000", "member", "member");
        assert!(!judge(&f, false).online);
        let m = judge(&f, true);
        assert!(!m.online);
        assert_eq!(m.unclean, Some("peer is no longer part of the cluster"));
    }

    #[test]
    fn a_lost_member_is_unclean_with_pacemakers_reason() {
        let m = judge(&facts("false", "offline", "member", "member"), true);
        assert_eq!(m.unclean, Some("peer is no longer part of the cluster"));
        assert!(!m.online);
        let m = judge(&facts("true", "offline", "member", "member"), true);
        assert_eq!(m.unclean, Some("peer process is no longer available"));
        // Still in the membership: Pacemaker shows it "UNCLEAN (online)".
        assert!(m.online);
        let m = judge(&facts("true", "offline", "member", "member"), false);
        assert_eq!(m.unclean, Some("peer is unexpectedly down"));
    }

    #[test]
    fn a_peer_banned_from_joining_is_fenced_while_online() {
        let m = judge(&facts("true", "online", "banned", "member"), true);
        assert!(m.online && !m.pending);
        assert_eq!(m.unclean, Some("peer failed Pacemaker membership criteria"));
    }

    #[test]
    fn joining_nodes_are_pending() {
        let m = judge(&facts("true", "online", "pending", "member"), true);
        assert!(m.pending && m.online && m.unclean.is_none());
        let m = judge(&facts("0", "offline", "down", "down"), true);
        assert!(!m.online && !m.pending && m.unclean.is_none());
    }

    #[test]
    fn shutdown_and_terminate_requests() {
        let mut f = facts("true", "online", "member", "member");
        f.shutdown = Some("1700000000");
        let m = judge(&f, true);
        assert!(m.shutdown && m.online && !m.expected_up);
        let mut f = facts("true", "online", "member", "member");
        f.terminate = Some("1700000000");
        assert_eq!(judge(&f, true).unclean, Some("termination was requested"));
        f.terminate = Some("0");
        assert_eq!(judge(&f, true).unclean, None);
    }

    #[test]
    fn a_node_never_seen_by_the_membership_layer_must_be_fenced() {
        let f = NodeStateFacts {
            crmd: Some("online"),
            join: Some("member"),
            expected: Some("member"),
            ..Default::default()
        };
        assert_eq!(
            judge(&f, true).unclean,
            Some("peer has not been seen by the cluster")
        );
    }
}
