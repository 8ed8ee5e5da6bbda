//! The core driven directly, one input at a time.

use super::*;
use crate::peer::PeerMsg;

fn now(ms: Millis) -> Now {
    Now {
        ms,
        wall: 1_700_000_000,
    }
}

fn view(members: &[(&str, u64)]) -> Input {
    Input::View(ccm::api::ViewEvent {
        event: ccm::api::EventKind::NewMembership,
        instance: 5,
        leader: members[0].0.to_string(),
        quorum: true,
        members: members.iter().map(|(n, b)| (n.to_string(), *b)).collect(),
        joined: vec![],
        left: vec![],
    })
}

const START_A: &str = r#"<transition_graph><synapse id="0"><action_set>
<rsc_op id="3" operation="start" operation_key="a_start_0" on_node="n2" on_node_uuid="n2">
<primitive id="a" class="ocf" provider="heartbeat" type="Dummy"/>
<attributes CRM_meta_timeout="20000"/></rsc_op></action_set><inputs/></synapse></transition_graph>"#;

/// A message as heartbeat delivers it from a peer crmd.
fn from_crmd(msg: PeerMsg) -> messaging::wire::Message {
    let mut m = msg.encode();
    messaging::origin::stamp(&mut m, "crmd", 0, 0);
    m
}

/// n2 follows n1 (the older member).
fn member() -> Core {
    let mut core = Core::new(Config {
        me: "n2".into(),
        cib: empty_cib(),
        nodes: vec!["n1".into(), "n2".into()],
    });
    core.step(
        now(0),
        Input::PeerCrmd {
            node: "n1".into(),
            up: true,
        },
    );
    core.step(now(1), view(&[("n1", 1), ("n2", 2)]));
    assert_eq!(core.dc(), Some("n1"));
    assert_eq!(core.phase(), Phase::NotDc);
    core
}

#[test]
fn an_action_runs_on_the_lrm_while_lrmd_is_connected() {
    let mut core = member();
    core.step(now(2), Input::NeighbourBack(Neighbour::Lrmd));
    let cmds = core.step(
        now(3),
        Input::Peer {
            src: "n1".into(),
            msg: from_crmd(PeerMsg::Exec {
                tid: 1,
                action: START_A.into(),
            }),
        },
    );
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LrmExec { tid: 1, .. })),
        "{cmds:?}"
    );
}

/// After lrmd is lost, an action fails at once (reported to the DC) instead of waiting on a
/// dead connection; when lrmd is back the DC is asked to re-probe.
#[test]
fn without_lrmd_actions_fail_at_once_and_its_return_asks_for_a_reprobe() {
    let mut core = member();
    core.step(now(2), Input::NeighbourBack(Neighbour::Lrmd));
    core.step(now(3), Input::NeighbourLost(Neighbour::Lrmd));
    assert_eq!(core.phase(), Phase::Recovery);
    let cmds = core.step(
        now(4),
        Input::Peer {
            src: "n1".into(),
            msg: from_crmd(PeerMsg::Exec {
                tid: 1,
                action: START_A.into(),
            }),
        },
    );
    assert!(!cmds.iter().any(|c| matches!(c, Command::LrmExec { .. })));
    assert!(
        cmds.iter().any(|c| matches!(
            c,
            Command::Send { to, msg: PeerMsg::Result { status: 4, .. } } if to == "n1"
        )),
        "{cmds:?}"
    );
    let cmds = core.step(now(5), Input::NeighbourBack(Neighbour::Lrmd));
    assert!(
        cmds.contains(&Command::Send {
            to: "n1".into(),
            msg: PeerMsg::Reprobe
        }),
        "{cmds:?}"
    );
    assert_eq!(core.phase(), Phase::NotDc);
}

/// A stop asked for while lrmd is being respawned waits for it instead of failing: a failed
/// stop would get the node fenced for a restart of lrmd that lost nothing.
#[test]
fn a_stop_while_lrmd_is_away_waits_for_it_and_then_runs() {
    let mut core = member();
    core.step(now(2), Input::NeighbourBack(Neighbour::Lrmd));
    core.step(now(3), Input::NeighbourLost(Neighbour::Lrmd));
    let stop_a = START_A
        .replace("operation=\"start\"", "operation=\"stop\"")
        .replace("a_start_0", "a_stop_0");
    let cmds = core.step(
        now(4),
        Input::Peer {
            src: "n1".into(),
            msg: from_crmd(PeerMsg::Exec {
                tid: 7,
                action: stop_a,
            }),
        },
    );
    assert!(
        !cmds.iter().any(|c| matches!(
            c,
            Command::LrmExec { .. }
                | Command::Send {
                    msg: PeerMsg::Result { .. },
                    ..
                }
        )),
        "{cmds:?}"
    );
    let cmds = core.step(now(5), Input::NeighbourBack(Neighbour::Lrmd));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::LrmExec { tid: 7, action }
            if action.reference.operation == "stop")),
        "{cmds:?}"
    );
}

/// The first lrmd connection is not a restart.
#[test]
fn the_first_lrmd_connection_asks_for_nothing() {
    let mut core = member();
    let cmds = core.step(now(2), Input::NeighbourBack(Neighbour::Lrmd));
    assert!(!cmds.iter().any(|c| matches!(c, Command::Send { .. })));
}

/// A lone node becomes DC, joins itself and asks to be woken for its timers; nothing blocks.
#[test]
fn a_lone_node_becomes_dc_and_goes_idle() {
    let mut core = Core::new(Config {
        me: "n1".into(),
        cib: empty_cib(),
        nodes: vec!["n1".into()],
    });
    let cmds = core.step(now(0), view(&[("n1", 1)]));
    assert!(core.is_dc());
    assert!(cmds
        .iter()
        .any(|c| matches!(c, Command::SavePeInput { tid: 1, .. })));
    assert_eq!(core.phase(), Phase::Idle);
    assert!(cmds.iter().any(|c| matches!(c, Command::WakeAt(_))));
}

/// A node that knows its DC only from a join offer (its own view has not arrived) holds client
/// writes: that DC has not seen it join yet and would drop the request, leaving the client
/// without an answer. With the view, the write goes to the DC; unanswered, it fails in time.
#[test]
fn writes_wait_for_a_view_with_the_dc_and_fail_if_unanswered() {
    let mut core = Core::new(Config {
        me: "n2".into(),
        cib: empty_cib(),
        nodes: vec!["n1".into(), "n2".into()],
    });
    core.step(
        now(0),
        Input::Peer {
            src: "n1".into(),
            msg: from_crmd(PeerMsg::JoinOffer { join: 1 }),
        },
    );
    assert_eq!(core.dc(), Some("n1"));
    let write = Input::Client {
        conn: 3,
        req: Request {
            id: 9,
            body: RequestBody::Cleanup {
                rsc: String::new(),
                node: String::new(),
            },
            client: None,
        },
        user: "root".into(),
    };
    let is_request = |c: &Command| {
        matches!(
            c,
            Command::Send {
                msg: PeerMsg::Request { .. },
                ..
            }
        )
    };
    let cmds = core.step(now(1), write);
    assert!(!cmds.iter().any(is_request), "{cmds:?}");
    let cmds = core.step(now(2), view(&[("n1", 1), ("n2", 2)]));
    assert!(cmds.iter().any(is_request), "{cmds:?}");
    let cmds = core.step(now(2 + WRITE_HOLD + 1), Input::Tick);
    assert!(
        cmds.iter().any(|c| matches!(
            c,
            Command::Reply { conn: 3, resp } if resp.id == 9 && resp.rc == 124
        )),
        "{cmds:?}"
    );
}

/// n2 with resource `a` started through its lrmd, then lrmd lost at 10 s.
fn member_running_a_then_lrmd_lost() -> Core {
    let mut core = member();
    core.step(now(2), Input::NeighbourBack(Neighbour::Lrmd));
    let cmds = core.step(
        now(3),
        Input::Peer {
            src: "n1".into(),
            msg: from_crmd(PeerMsg::Exec {
                tid: 1,
                action: START_A.into(),
            }),
        },
    );
    let Some(Command::LrmExec { tid, action }) = cmds
        .into_iter()
        .find(|c| matches!(c, Command::LrmExec { .. }))
    else {
        panic!("no LrmExec");
    };
    let summary = OpSummary {
        call_id: 5,
        rc: 0,
        op_status: 0,
        exit_reason: String::new(),
        exec_time_ms: 10,
        queue_time_ms: 0,
        last_rc_change: 1_700_000_000,
    };
    core.step(
        now(4),
        Input::LrmDone {
            tid,
            action,
            result: Ok(summary),
        },
    );
    core.step(now(10_000), Input::NeighbourLost(Neighbour::Lrmd));
    core
}

fn asks_dc_to_fail_a(cmds: &[Command]) -> bool {
    cmds.iter().any(|c| {
        matches!(c, Command::Send { to, msg } if to == "n1"
            && format!("{msg:?}").contains("fail-count-a#start_0"))
    })
}

/// A short lrmd outage (heartbeat respawns it) is not escalated.
#[test]
fn an_lrmd_back_within_the_grace_period_is_not_escalated() {
    let mut core = member_running_a_then_lrmd_lost();
    let cmds = core.step(now(10_000 + NEIGHBOUR_GRACE - 1_000), Input::Tick);
    assert!(!asks_dc_to_fail_a(&cmds), "{cmds:?}");
    core.step(
        now(10_000 + NEIGHBOUR_GRACE - 500),
        Input::NeighbourBack(Neighbour::Lrmd),
    );
    let cmds = core.step(now(10_000 + 5 * NEIGHBOUR_GRACE), Input::Tick);
    assert!(!asks_dc_to_fail_a(&cmds), "{cmds:?}");
}

/// lrmd unreachable beyond the grace period under the default `daemon-lost-reaction=recover`:
/// the core wakes itself and exits with CRM_EX_FATAL (as Pacemaker's controller does), so the
/// peers recover the node; it does not fence itself and takes no input afterwards.
#[test]
fn an_lrmd_lost_for_good_makes_crmd_exit_fatally() {
    let mut core = member_running_a_then_lrmd_lost();
    let wake = core
        .step(now(10_001), Input::Tick)
        .into_iter()
        .chain(core.step(now(10_002), Input::Tick))
        .find_map(|c| match c {
            Command::WakeAt(at) => Some(at),
            _ => None,
        });
    assert!(wake.is_none() || wake == Some(10_000 + NEIGHBOUR_GRACE));
    let cmds = core.step(now(10_000 + NEIGHBOUR_GRACE - 1), Input::Tick);
    assert!(!cmds.contains(&Command::Exit(EXIT_FATAL)), "{cmds:?}");
    let cmds = core.step(now(10_000 + NEIGHBOUR_GRACE), Input::Tick);
    assert!(cmds.contains(&Command::Exit(EXIT_FATAL)), "{cmds:?}");
    assert!(!cmds.iter().any(|c| matches!(c, Command::Fence { .. })));
    let cmds = core.step(now(10_000 + 3 * NEIGHBOUR_GRACE), Input::Tick);
    assert!(cmds.is_empty(), "acted after exiting: {cmds:?}");
}

/// With `daemon-lost-reaction=fence` and fencing enabled, the node then fences itself.
#[test]
fn daemon_lost_reaction_fence_makes_the_node_fence_itself() {
    let mut core = member_running_a_then_lrmd_lost();
    options::set_cluster_option(&mut core.cib, DAEMON_LOST_REACTION, "fence");
    options::set_cluster_option(&mut core.cib, "stonith-enabled", "true");
    let cmds = core.step(now(10_000 + NEIGHBOUR_GRACE), Input::Tick);
    assert!(asks_dc_to_fail_a(&cmds), "{cmds:?}");
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Fence { target, .. } if target == "n2")),
        "{cmds:?}"
    );
    // Fencing disabled: recovery only.
    let mut core = member_running_a_then_lrmd_lost();
    options::set_cluster_option(&mut core.cib, DAEMON_LOST_REACTION, "fence");
    options::set_cluster_option(&mut core.cib, "stonith-enabled", "false");
    let cmds = core.step(now(10_000 + NEIGHBOUR_GRACE), Input::Tick);
    assert!(!cmds.iter().any(|c| matches!(c, Command::Fence { .. })));
}

const SHUTDOWN_N2: &str = r#"<transition_graph><synapse id="0"><action_set>
<crm_event id="7" operation="do_shutdown" operation_key="do_shutdown-n2" on_node="n2" on_node_uuid="n2">
<attributes CRM_meta_op_no_wait="true"/></crm_event></action_set><inputs/></synapse></transition_graph>"#;

fn do_shutdown_from_dc() -> Input {
    Input::Peer {
        src: "n1".into(),
        msg: from_crmd(PeerMsg::Exec {
            tid: 4,
            action: SHUTDOWN_N2.into(),
        }),
    }
}

/// S_STOPPING: SIGTERM makes the member ask the DC for its `shutdown` attribute (again while the
/// replica does not show it) and exit 0 only on the DC's `do_shutdown`; an unasked
/// `do_shutdown` is ignored.
#[test]
fn sigterm_asks_the_dc_to_stop_this_node_and_exits_on_its_do_shutdown() {
    let mut core = member();
    core.step(now(2), Input::NeighbourBack(Neighbour::Lrmd));
    let cmds = core.step(now(3), do_shutdown_from_dc());
    assert!(
        !cmds.iter().any(|c| matches!(c, Command::Exit(_))),
        "{cmds:?}"
    );

    let asks = |cmds: &[Command]| {
        cmds.iter().any(|c| {
            matches!(c, Command::Send { to, msg: PeerMsg::Request { body, .. } }
                if to == "n1" && body.contains(r#"name=\"shutdown\""#))
        })
    };
    let cmds = core.step(now(10), Input::Shutdown);
    assert_eq!(core.phase(), Phase::Stopping);
    assert!(asks(&cmds), "{cmds:?}");
    assert!(!cmds.iter().any(|c| matches!(c, Command::Exit(_))));
    // No answer (the DC changed its mind, a join lost it): asked again.
    let cmds = core.step(now(2_010), Input::Tick);
    assert!(asks(&cmds), "{cmds:?}");
    let cmds = core.step(now(2_500), do_shutdown_from_dc());
    assert!(cmds.contains(&Command::Exit(0)), "{cmds:?}");
}

/// A crmd that never found a DC has nothing to hand over: SIGTERM exits at once.
#[test]
fn sigterm_before_any_dc_exits_at_once() {
    let mut core = Core::new(Config {
        me: "n2".into(),
        cib: empty_cib(),
        nodes: vec!["n1".into(), "n2".into()],
    });
    let cmds = core.step(now(1), Input::Shutdown);
    assert!(cmds.contains(&Command::Exit(0)), "{cmds:?}");
}

/// A stonithd lost for good is escalated (an error), but never by exiting or self-fencing:
/// the fencer is what fencing would need, and crmd still runs the node's resources.
#[test]
fn a_stonithd_lost_for_good_neither_exits_nor_fences() {
    for reaction in ["recover", "fence"] {
        let mut core = member();
        options::set_cluster_option(&mut core.cib, DAEMON_LOST_REACTION, reaction);
        options::set_cluster_option(&mut core.cib, "stonith-enabled", "true");
        let cmds = core.step(now(10), Input::NeighbourLost(Neighbour::Stonithd));
        assert!(
            cmds.contains(&Command::WakeAt(10 + NEIGHBOUR_GRACE)),
            "the escalation is not scheduled: {cmds:?}"
        );
        let cmds = core.step(now(10 + NEIGHBOUR_GRACE), Input::Tick);
        assert!(
            !cmds
                .iter()
                .any(|c| matches!(c, Command::Exit(_) | Command::Fence { .. })),
            "{reaction}: {cmds:?}"
        );
        assert_eq!(core.phase(), Phase::NotDc);
    }
}

/// S_ELECTION: a starting node whose view holds an older member of unknown crmd state waits for
/// heartbeat's answer instead of electing itself (and starting a join round it would lose); a
/// "running" answer makes the older member DC, and a round nobody answers times out to the
/// members known to run a crmd.
#[test]
fn an_election_round_waits_for_members_that_could_win() {
    let fresh = || {
        Core::new(Config {
            me: "n2".into(),
            cib: empty_cib(),
            nodes: vec!["n1".into(), "n2".into()],
        })
    };
    let mut core = fresh();
    let cmds = core.step(now(1), view(&[("n1", 1), ("n2", 2)]));
    assert!(
        cmds.contains(&Command::AskCrmdStatus(vec!["n1".into()])),
        "{cmds:?}"
    );
    assert_eq!(core.phase(), Phase::Election);
    assert_eq!(core.dc(), None);
    assert!(
        !cmds
            .iter()
            .any(|c| matches!(c, Command::Broadcast(PeerMsg::JoinOffer { .. }))),
        "elected itself: {cmds:?}"
    );
    core.step(
        now(5),
        Input::PeerCrmd {
            node: "n1".into(),
            up: true,
        },
    );
    assert_eq!(core.dc(), Some("n1"));
    assert_eq!(core.phase(), Phase::NotDc);

    // heartbeat says n1 runs no crmd: n2 is DC at once.
    let mut core = fresh();
    core.step(now(1), view(&[("n1", 1), ("n2", 2)]));
    core.step(
        now(5),
        Input::PeerCrmd {
            node: "n1".into(),
            up: false,
        },
    );
    assert_eq!(core.dc(), Some("n2"));

    // No answer at all: the round closes after its timeout.
    let mut core = fresh();
    core.step(now(1), view(&[("n1", 1), ("n2", 2)]));
    core.step(now(1 + election::ROUND_TIMEOUT - 1), Input::Tick);
    assert_eq!(core.phase(), Phase::Election);
    let cmds = core.step(now(1 + election::ROUND_TIMEOUT), Input::Tick);
    assert_eq!(core.dc(), Some("n2"));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Broadcast(PeerMsg::JoinOffer { .. }))),
        "{cmds:?}"
    );
}

/// S_FINALIZE_JOIN: the DC sends the join's CIB tagged with the round and runs the policy
/// engine only once the member that reported confirmed it (or after a timeout); the member
/// confirms the round it installed.
#[test]
fn the_policy_engine_waits_for_the_members_to_confirm_the_joins_cib() {
    let mut dc = Core::new(Config {
        me: "n1".into(),
        cib: empty_cib(),
        nodes: vec!["n1".into(), "n2".into()],
    });
    dc.step(
        now(0),
        Input::PeerCrmd {
            node: "n2".into(),
            up: true,
        },
    );
    dc.step(now(1), view(&[("n1", 1), ("n2", 2)]));
    assert!(dc.is_dc());
    let mut n2 = member();
    let Some(PeerMsg::JoinReport { join, .. }) = n2
        .step(
            now(2),
            Input::Peer {
                src: "n1".into(),
                msg: from_crmd(PeerMsg::JoinOffer { join: 1 }),
            },
        )
        .into_iter()
        .find_map(|c| match c {
            Command::Send { msg, .. } => Some(msg),
            _ => None,
        })
    else {
        panic!("no join report");
    };
    assert_eq!(join, 1);
    let report = n2.own_report(1);
    let cmds = dc.step(
        now(3),
        Input::Peer {
            src: "n2".into(),
            msg: from_crmd(report),
        },
    );
    assert_eq!(dc.phase(), Phase::FinalizeJoin);
    assert!(!cmds
        .iter()
        .any(|c| matches!(c, Command::SavePeInput { .. })));
    let Some(full) = cmds.into_iter().find_map(|c| match c {
        Command::Broadcast(m @ PeerMsg::CibFull { join: 1, .. }) => Some(m),
        _ => None,
    }) else {
        panic!("the join's CIB was not sent tagged with its round");
    };
    let cmds = n2.step(
        now(4),
        Input::Peer {
            src: "n1".into(),
            msg: from_crmd(full),
        },
    );
    let ack = PeerMsg::JoinAck { join: 1 };
    assert!(
        cmds.contains(&Command::Send {
            to: "n1".into(),
            msg: ack.clone()
        }),
        "{cmds:?}"
    );
    let cmds = dc.step(
        now(5),
        Input::Peer {
            src: "n2".into(),
            msg: from_crmd(ack),
        },
    );
    assert!(cmds
        .iter()
        .any(|c| matches!(c, Command::SavePeInput { .. })));
    assert_ne!(dc.phase(), Phase::FinalizeJoin);
}

/// Seen in the split-brain lab after a partition healed: the DC's join offer reached the
/// rejoining node just before its own membership view listed the DC. The offer was refused
/// ("not a member"), the DC finished its join without that node and never asked again, so the
/// node's resources were never started. The refused offer is answered once a view lists its
/// sender.
#[test]
fn a_join_offer_that_outruns_our_view_is_answered_once_the_view_lists_its_sender() {
    let mut n2 = member();
    // The partition: n1 leaves our view.
    n2.step(now(2), view(&[("n2", 2)]));
    let offer = Input::Peer {
        src: "n1".into(),
        msg: from_crmd(PeerMsg::JoinOffer { join: 7 }),
    };
    let report_to_n1 = |cmds: &[Command]| {
        cmds.iter().any(|c| {
            matches!(c, Command::Send { to, msg: PeerMsg::JoinReport { join: 7, .. } } if to == "n1")
        })
    };
    let cmds = n2.step(now(3), offer);
    assert!(!report_to_n1(&cmds), "answered a non-member: {cmds:?}");
    // Healed: the view lists n1 again, and the offer is answered.
    let cmds = n2.step(now(4), view(&[("n1", 1), ("n2", 2)]));
    assert!(report_to_n1(&cmds), "offer never answered: {cmds:?}");
}
