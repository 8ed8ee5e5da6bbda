//! `hb_v1rsc`: Heartbeat v1's resource manager, for a node of ours in a two-node haresources
//! site whose other node still runs Heartbeat 3.0.6 (a rolling migration). Heartbeat starts it
//! instead of the CRM daemons when `HA_RESOURCE_MANAGER=v1`; it speaks v1's resource messages
//! through the local heartbeat ([`messaging::v1rsc`]) and runs the haresources groups with the
//! LRM's heartbeat-class runner ([`lrm::v1groups`]).
//!
//! `hb_standby` and `hb_takeover` (cli) send their v1 requests when `HA_RESOURCE_MANAGER=v1`.
//! On SIGTERM it releases every group, says `shutdone` and exits 100 (not respawned).

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use flags::{Dialect, FlagError, Given, Opt, Spec};
use lrm::runner::RunnerConfig;
use lrm::v1groups::Groups;
use messaging::client::{Client, Event, NodeStatus};
use messaging::config::{AutoFailback, Config, DEFAULT_CONFDIR};
use messaging::log;
use messaging::v1rsc::{Action, Command, Held, Input, LegacyMachine, Machine, RscStatus};
use messaging::wire::Message;
use nix::sys::signal::SigSet;

/// Exit code heartbeat does not respawn.
const NO_RESTART: u8 = 100;
/// Message types the machine handles.
const RESOURCE_TYPES: [&str; 7] = [
    "starting",
    "resource",
    "ask_resources",
    "hb_takeover",
    "shutdone",
    "ip-request",
    "ip-request-resp",
];

/// Heartbeat's two resource protocols: "nice failback" (`auto_failback on|off`) and `legacy`.
enum Manager {
    Nice(Machine),
    Legacy(LegacyMachine),
}

impl Manager {
    fn step(&mut self, input: Input) -> Vec<Command> {
        match self {
            Manager::Nice(m) => m.step(input),
            Manager::Legacy(m) => m.step(input),
        }
    }

    fn resource_state(&self) -> RscStatus {
        match self {
            Manager::Nice(m) => m.resource_state(),
            Manager::Legacy(m) => m.resource_state(),
        }
    }
}

const USAGE: &str = "usage: hb_v1rsc (started by heartbeat with HA_RESOURCE_MANAGER=v1)\n";

const SPEC: Spec = Spec {
    tool: "hb_v1rsc",
    dialect: Dialect::Getopt,
    options: &[Opt::HELP_H],
    help_groups: &[],
    help: USAGE,
    version: concat!("hb_v1rsc (heartbeat-rs) ", env!("CARGO_PKG_VERSION"), "\n"),
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // No options: anything but help or version is a usage error (64), and nothing starts.
    let checked = flags::parse(&SPEC, &args).and_then(|given| match given.first() {
        None => Ok(()),
        Some(Given::Arg(a)) => Err(FlagError::Invalid(format!("unexpected argument '{a}'")).into()),
        Some(Given::Opt { name, .. }) => unreachable!("--{name} is not in the spec"),
    });
    if let Err(stop) = checked {
        let code = stop.report(&SPEC, &mut std::io::stdout(), &mut std::io::stderr());
        return ExitCode::from(code);
    }
    // Its lines go where heartbeat's children log (stderr and ha.cf's files, via halog).
    halog::init("hb_v1rsc", "HB_V1RSC_LOG");
    match serve() {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            log::error(&format!("hb_v1rsc: {e:#}"));
            ExitCode::FAILURE
        }
    }
}

fn serve() -> anyhow::Result<u8> {
    let stop = Arc::new(AtomicBool::new(false));
    watch_sigterm(stop.clone());
    let confdir = std::env::var("HA_DIR").unwrap_or_else(|_| DEFAULT_CONFDIR.to_string());
    let cfg = Config::load(&confdir).context("ha.cf")?;
    let mut client = Client::connect_default("hb_v1rsc").context("cannot reach heartbeat")?;
    let me = client.local_node().to_string();
    let peers: Vec<&String> = cfg.nodes.iter().filter(|n| **n != me).collect();
    let [peer] = peers[..] else {
        bail!(
            "the v1 resource manager runs two-node sites; ha.cf lists {:?}",
            cfg.nodes
        );
    };
    let peer = peer.clone();
    let groups = Groups::load(&std::path::Path::new(&confdir).join("haresources"), &me)?;
    let runner = RunnerConfig::default();
    let mut manager = if cfg.auto_failback == AutoFailback::Legacy {
        Manager::Legacy(LegacyMachine::new(
            &me,
            &peer,
            groups.keys(Held::LOCAL),
            groups.keys(Held::FOREIGN),
        ))
    } else {
        Manager::Nice(Machine::new(
            &me,
            &peer,
            cfg.auto_failback == AutoFailback::On,
        ))
    };
    log::info(&format!(
        "v1 resource manager on {me} (peer {peer}, auto_failback {})",
        match cfg.auto_failback {
            AutoFailback::On => "on",
            AutoFailback::Off => "off",
            AutoFailback::Legacy => "legacy",
        }
    ));

    let (done_tx, done_rx) = mpsc::channel::<(u64, Vec<String>)>();
    let actions = spawn_action_worker(groups, runner, done_tx);
    let mut comm_up = false;
    // The peer's requests that arrive before our links are up (its `ip-request` at its own comm
    // up, its `starting`) are kept for then rather than lost.
    let mut early: Vec<Message> = Vec::new();
    let mut shutdown_sent = false;
    let mut next_tick = Instant::now() + Duration::from_secs(1);
    // What heartbeat answers `cl_status rscstatus` with, sent on every change.
    let mut reported = None;
    loop {
        let state = manager.resource_state();
        if reported != Some(state) {
            client.report_resources(state)?;
            reported = Some(state);
        }
        let mut inputs = Vec::new();
        if !comm_up {
            // Heartbeat's "comm up": the peer is known to be alive or dead. A Heartbeat peer is
            // `up` before it handles resource messages, `active` from then on.
            match client.node_status(&peer)? {
                NodeStatus::Active => {
                    comm_up = true;
                    inputs.push(Input::CommUp);
                    inputs.extend(early.drain(..).map(Input::Delivered));
                }
                NodeStatus::Dead => {
                    comm_up = true;
                    early.clear();
                    inputs.extend([Input::CommUp, Input::PeerDead]);
                }
                _ => {}
            }
        }
        if stop.load(Ordering::SeqCst) && !shutdown_sent {
            shutdown_sent = true;
            inputs.push(Input::Shutdown);
        }
        while let Ok((id, failures)) = done_rx.try_recv() {
            for f in failures {
                log::error(&f);
            }
            inputs.push(Input::Done(id));
        }
        if Instant::now() >= next_tick {
            next_tick = Instant::now() + Duration::from_secs(1);
            inputs.push(Input::Tick);
        }
        if let Some(ev) = client.recv_timeout(Duration::from_millis(100))? {
            match ev {
                Event::Message(m) if m.msg_type().is_some_and(|t| RESOURCE_TYPES.contains(&t)) => {
                    if comm_up {
                        inputs.push(Input::Delivered(m));
                    } else {
                        early.push(m);
                    }
                }
                Event::Node(n) if n.node == peer && n.status == NodeStatus::Dead && comm_up => {
                    inputs.push(Input::PeerDead)
                }
                _ => {}
            }
        }
        for input in inputs {
            for cmd in manager.step(input) {
                match cmd {
                    Command::Send(mut m) => {
                        m.set("src", me.clone());
                        // `dest` (an ip-request-resp) is a node to send to, as Heartbeat reads it.
                        match m.get("dest").map(str::to_string) {
                            Some(node) => client.send_to_node(&node, &m)?,
                            None => client.send_to_all(&m)?,
                        }
                    }
                    Command::Run { id, action } => actions
                        .send((id, action))
                        .context("the group action worker ended")?,
                    Command::Info(s) => log::info(&s),
                    Command::Warn(s) => log::warn(&s),
                    Command::Error(s) => log::error(&s),
                    Command::Stopped => {
                        // Released: heartbeat answers `none` until it stops.
                        client.report_resources(manager.resource_state())?;
                        return Ok(NO_RESTART);
                    }
                }
            }
        }
    }
}

/// Runs group actions one at a time, in the order asked, reporting each on `done`. One at a
/// time because two actions on one group must not overlap: a takeover still starting a group
/// when the peer asks for it back would otherwise race the release, and the group could end
/// up running on both nodes.
fn spawn_action_worker(
    groups: Groups,
    runner: RunnerConfig,
    done: mpsc::Sender<(u64, Vec<String>)>,
) -> mpsc::Sender<(u64, Action)> {
    let (tx, rx) = mpsc::channel::<(u64, Action)>();
    std::thread::spawn(move || {
        for (id, action) in rx {
            let failures = match action {
                Action::Acquire(set) => groups.acquire(&runner, set),
                Action::Release(set) => groups.release(&runner, set),
                Action::AcquireGroup(key) => groups.acquire_group(&runner, &key),
                Action::ReleaseGroup(key) => groups.release_group(&runner, &key),
            };
            if done.send((id, failures)).is_err() {
                return;
            }
        }
    });
    tx
}

/// Sets `stop` on SIGTERM or SIGINT. Signals are caught with a handler (tokio's), not blocked:
/// heartbeat starts us with its signals blocked and a blocked mask would pass to every agent,
/// and to the services the agents start, which then could never be stopped with SIGTERM.
fn watch_sigterm(stop: Arc<AtomicBool>) {
    let _ = SigSet::all().thread_unblock();
    let (ready_tx, ready_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("signal runtime");
        runtime.block_on(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
            let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
            let _ = ready_tx.send(());
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            stop.store(true, Ordering::SeqCst);
        });
    });
    // Handlers are in place before any group is touched.
    let _ = ready_rx.recv();
}
