//! `stonithd`: the fencing daemon. Started by heartbeat (`crm respawn`); serves
//! [`stonithd::proto`] on its socket and reads the fencing devices and topology from the CIB the
//! local crmd stores (`$HA_STATEDIR/crm/cib.xml`), plus devices registered ad hoc.

use flags::{Dialect, Opt, Spec};
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{mpsc, Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use cib::xml::{Element, Node};
use stonithd::fence::{self, Operator, Outcome};
use stonithd::history::History;
use stonithd::proto::{self, Request, Response};

#[derive(Default)]
struct State {
    history: History,
    confirmed: BTreeSet<String>,
    registered: Vec<Element>,
}

struct Daemon {
    state: Mutex<State>,
    cib_dir: PathBuf,
    node: String,
}

impl Operator for Daemon {
    fn confirmed(&self, target: &str) -> bool {
        self.state
            .lock()
            .map(|s| s.confirmed.contains(target))
            .unwrap_or(false)
    }
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Daemon {
    /// The stored CIB with the ad-hoc devices added to its resources.
    fn cib(&self) -> Element {
        let mut cib = cib::store::CibStore::open(&self.cib_dir)
            .ok()
            .and_then(|s| s.load_or_backup().ok().flatten())
            .map(|d| d.root)
            .unwrap_or_else(|| Element::new("cib"));
        let registered = self
            .state
            .lock()
            .map(|s| s.registered.clone())
            .unwrap_or_default();
        let resources = cib
            .child_or_insert("configuration")
            .child_or_insert("resources");
        resources
            .children
            .extend(registered.into_iter().map(Node::Element));
        cib
    }

    fn handle(&self, req: Request) -> Response {
        match req {
            Request::Fence {
                target,
                action,
                client,
                origin,
                delay_ms,
                no_device_delay,
            } => {
                if delay_ms > 0 && matches!(action.as_str(), "reboot" | "off") {
                    tracing::info!(
                        "priority-fencing-delay: waiting {delay_ms} ms before fencing {target}"
                    );
                    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
                }
                let origin = if origin.is_empty() {
                    self.node.clone()
                } else {
                    origin
                };
                let id = self
                    .state
                    .lock()
                    .map(|mut s| s.history.begin(&target, &action, &client, &origin, now()))
                    .unwrap_or(0);
                tracing::warn!("fencing {target} ({action}) for {client}@{origin}");
                let outcome = fence::fence(&self.cib(), &target, &action, self, !no_device_delay);
                let (ok, detail) = match &outcome {
                    Outcome::Done(devs) => (true, devs.join(",")),
                    Outcome::Failed(why) => (false, why.clone()),
                };
                if let Ok(mut s) = self.state.lock() {
                    s.history.finish(id, ok, &detail, now());
                    s.confirmed.remove(&target);
                }
                match outcome {
                    Outcome::Done(devices) => {
                        tracing::warn!("fenced {target} with {}", devices.join(","));
                        Response {
                            devices,
                            ..Response::default()
                        }
                    }
                    Outcome::Failed(why) => {
                        tracing::error!("fencing {target} failed: {why}");
                        let rc = if why.starts_with("no fencing device") {
                            105
                        } else {
                            1
                        };
                        Response {
                            rc,
                            error: Some(why),
                            ..Response::default()
                        }
                    }
                }
            }
            Request::Confirm { target } => {
                if let Ok(mut s) = self.state.lock() {
                    s.confirmed.insert(target.clone());
                    let id = s
                        .history
                        .begin(&target, "off", "stonith_admin", &self.node, now());
                    s.history.finish(id, true, "manual confirmation", now());
                }
                Response::default()
            }
            Request::ListRegistered => Response {
                devices: stonithd::device::devices(&self.cib())
                    .into_iter()
                    .map(|d| d.id)
                    .collect(),
                ..Response::default()
            },
            Request::ListCapable { target } => Response {
                devices: stonithd::device::devices(&self.cib())
                    .into_iter()
                    .filter(|d| stonithd::agent::can_fence(d, &target))
                    .map(|d| d.id)
                    .collect(),
                ..Response::default()
            },
            Request::History { target } => Response {
                history: self
                    .state
                    .lock()
                    .map(|s| s.history.for_target(&target))
                    .unwrap_or_default(),
                ..Response::default()
            },
            Request::Register { xml } => match cib::xml::parse_element(&xml) {
                Ok(p) if p.name == "primitive" && p.attr("class") == Some("stonith") => {
                    // Pacemaker's -EINVAL: an agent outside the fence agent directories.
                    if let Err(bad) =
                        cib::agent_name::check_fence_agent(p.attr("type").unwrap_or_default())
                    {
                        tracing::warn!("refusing to register device {:?}: {bad}", p.attr("id"));
                        return Response {
                            rc: 2,
                            error: Some(bad.to_string()),
                            ..Response::default()
                        };
                    }
                    if let Ok(mut s) = self.state.lock() {
                        s.registered.retain(|r| r.attr("id") != p.attr("id"));
                        s.registered.push(p);
                    }
                    Response::default()
                }
                Ok(_) => Response {
                    rc: 2,
                    error: Some("not a <primitive class=\"stonith\">".into()),
                    ..Response::default()
                },
                Err(e) => Response {
                    rc: 65,
                    error: Some(format!("invalid device XML: {e}")),
                    ..Response::default()
                },
            },
            Request::Deregister { id } => {
                let removed = self
                    .state
                    .lock()
                    .map(|mut s| {
                        let before = s.registered.len();
                        s.registered.retain(|r| r.attr("id") != Some(id.as_str()));
                        before != s.registered.len()
                    })
                    .unwrap_or(false);
                if removed {
                    Response::default()
                } else {
                    Response {
                        rc: 105,
                        error: Some(format!("no ad-hoc device {id}")),
                        ..Response::default()
                    }
                }
            }
        }
    }
}

/// Requests running at once (one per connection at most): fencing can take minutes, so each
/// runs on a worker thread, and the connection limit bounds the workers.
const MAX_CLIENTS: usize = 32;

/// What the main thread reacts to.
enum Ev {
    Ipc(ipc::Event),
    /// The request running for connection `id` has been answered.
    Done(u64),
}

/// A client: its requests are answered one at a time, in order.
struct Client {
    conn: ipc::Conn,
    busy: bool,
    queued: VecDeque<Request>,
}

/// Serves the socket: access checks here, requests on workers.
fn serve(
    d: Arc<Daemon>,
    listener: std::os::unix::net::UnixListener,
    policy: ipc::Policy,
) -> Result<()> {
    let (tx, rx) = mpsc::channel::<Ev>();
    let mut cfg = ipc::ServerConfig::new("stonithd.sock", ipc::AccessTable::CLIENTS_READ);
    cfg.max_connections = MAX_CLIENTS;
    cfg.max_per_uid = MAX_CLIENTS / 2;
    let events = tx.clone();
    ipc::server::spawn(listener, policy, cfg, move |ev| {
        events.send(Ev::Ipc(ev)).is_ok()
    })?;
    let mut clients: HashMap<u64, Client> = HashMap::new();
    for ev in rx {
        let id = match ev {
            Ev::Ipc(ipc::Event::Connected(conn)) => {
                let client = Client {
                    conn,
                    busy: false,
                    queued: VecDeque::new(),
                };
                clients.insert(client.conn.id(), client);
                continue;
            }
            Ev::Ipc(ipc::Event::Closed { id }) => {
                clients.remove(&id);
                continue;
            }
            Ev::Ipc(ipc::Event::Frame { id, payload }) => {
                let Some(c) = clients.get_mut(&id) else {
                    continue;
                };
                match Request::decode(&payload) {
                    Ok(req) if c.conn.access().permits(req.need()) => c.queued.push_back(req),
                    Ok(req) => {
                        c.conn.refuse(&format!("{req:?}: read-only access"));
                        reply(
                            &c.conn,
                            &Response {
                                rc: 4,
                                error: Some("permission denied: this user may only query".into()),
                                ..Response::default()
                            },
                        );
                    }
                    Err(e) => {
                        tracing::warn!("stonithd client sent an invalid frame: {e}");
                        reply(
                            &c.conn,
                            &Response {
                                rc: 76,
                                error: Some(format!("invalid request: {e}")),
                                ..Response::default()
                            },
                        );
                        clients.remove(&id);
                        continue;
                    }
                }
                id
            }
            Ev::Done(id) => {
                if let Some(c) = clients.get_mut(&id) {
                    c.busy = false;
                }
                id
            }
        };
        let Some(c) = clients.get_mut(&id) else {
            continue;
        };
        if c.busy {
            continue;
        }
        let Some(req) = c.queued.pop_front() else {
            continue;
        };
        c.busy = true;
        let (d, conn, done) = (d.clone(), c.conn.clone(), tx.clone());
        std::thread::Builder::new()
            .name("stonithd request".into())
            .spawn(move || {
                reply(&conn, &d.handle(req));
                let _ = done.send(Ev::Done(conn.id()));
            })?;
    }
    Ok(())
}

fn reply(conn: &ipc::Conn, resp: &Response) {
    match ipc::json::encode(resp) {
        Ok(bytes) => {
            conn.send(&bytes);
        }
        Err(e) => tracing::warn!("cannot encode a reply: {e}"),
    }
}

const USAGE: &str =
    "usage: stonithd   (configured through HA_STATEDIR, HA_NODENAME, STONITHD_SOCKET)\n";

const SPEC: Spec = Spec {
    tool: "stonithd",
    dialect: Dialect::Getopt,
    options: &[Opt::HELP_H],
    help_groups: &[],
    help: USAGE,
    version: concat!("stonithd (heartbeat-rs) ", env!("CARGO_PKG_VERSION"), "\n"),
};

fn main() -> Result<()> {
    // The daemon takes no arguments: anything else gets usage, never a second daemon.
    let args: Vec<String> = std::env::args().skip(1).collect();
    match flags::parse(&SPEC, &args) {
        Ok(given) if given.is_empty() => {}
        Ok(_) => {
            eprint!("{USAGE}");
            std::process::exit(flags::EXIT_USAGE.into());
        }
        Err(stop) => {
            let code = stop.report(&SPEC, &mut std::io::stdout(), &mut std::io::stderr());
            std::process::exit(code.into());
        }
    }
    // heartbeat starts its children with its handled signals blocked; agents must not inherit that.
    let _ = nix::sys::signal::SigSet::all().thread_unblock();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("STONITHD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let statedir = std::env::var_os("HA_STATEDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/heartbeat"));
    let node = std::env::var("HA_NODENAME").unwrap_or_else(|_| {
        nix::unistd::gethostname()
            .ok()
            .and_then(|h| h.into_string().ok())
            .unwrap_or_default()
    });
    let socket = proto::socket_path();
    let policy = ipc::Policy::from_env();
    let listener = ipc::bind(&socket, &ipc::SocketSpec::new(0o660, policy.client_gid))
        .with_context(|| format!("binding {}", socket.display()))?;
    tracing::info!("stonithd ready on {}", socket.display());
    let daemon = Arc::new(Daemon {
        state: Mutex::new(State::default()),
        cib_dir: statedir.join("crm"),
        node,
    });
    serve(daemon, listener, policy)
}
