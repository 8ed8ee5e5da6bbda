//! The tracing layer: each event becomes one cl_log line on every configured output.

use crate::config::LogConfig;
use crate::format::{file_line, syslog_datagram, Priority};
use std::fmt::Write as _;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::Context;

/// Open outputs.
struct Outputs {
    logfile: Option<File>,
    debugfile: Option<File>,
    syslog: Option<UnixDatagram>,
}

impl Outputs {
    /// Opens the outputs of `cfg`; one that cannot be opened is reported on stderr and left
    /// out (cl_log goes on without it too).
    fn open(cfg: &LogConfig) -> Outputs {
        let open = |p: &Path| match OpenOptions::new().create(true).append(true).open(p) {
            Ok(f) => Some(f),
            Err(e) => {
                eprintln!("{}: cannot open log file {}: {e}", cfg.entity, p.display());
                None
            }
        };
        let syslog = cfg.facility.and_then(|_| {
            let sock = UnixDatagram::unbound().ok()?;
            sock.connect(&cfg.syslog_socket).ok()?;
            Some(sock)
        });
        Outputs {
            logfile: cfg.logfile.as_deref().and_then(open),
            debugfile: cfg.debugfile.as_deref().and_then(open),
            syslog,
        }
    }
}

struct State {
    cfg: LogConfig,
    outputs: Outputs,
}

/// Writes Heartbeat's log lines (see the crate documentation). Clones share the outputs, so
/// the process can keep a handle to reconfigure them after the subscriber is installed.
#[derive(Clone)]
pub struct HaLayer {
    state: Arc<Mutex<State>>,
    debug: Arc<AtomicBool>,
}

impl HaLayer {
    /// A layer writing to the outputs of `cfg`.
    pub fn new(cfg: LogConfig) -> HaLayer {
        let debug = Arc::new(AtomicBool::new(wants_debug(&cfg)));
        let outputs = Outputs::open(&cfg);
        HaLayer {
            state: Arc::new(Mutex::new(State { cfg, outputs })),
            debug,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the outputs (heartbeat once it has read ha.cf).
    pub fn reconfigure(&self, cfg: LogConfig) {
        self.debug.store(wants_debug(&cfg), Ordering::Relaxed);
        let outputs = Outputs::open(&cfg);
        *self.lock() = State { cfg, outputs };
    }

    /// Stops the stderr copy (heartbeat, once it runs as a daemon).
    pub fn detach_stderr(&self) {
        self.lock().cfg.stderr = false;
    }

    /// Writes one message at `prio` to every output that takes it.
    pub fn write(&self, prio: Priority, msg: &str) {
        let epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let pid = std::process::id();
        let mut st = self.lock();
        let State { cfg, outputs } = &mut *st;
        let entity = &cfg.entity;
        let line = file_line(
            cfg.syslog_format,
            epoch,
            &cfg.nodename,
            entity,
            pid,
            prio,
            msg,
        );
        // cl_log writes its stderr copy in the files' layout.
        if prio != Priority::Debug && cfg.stderr {
            eprint!("{line}");
        }
        if prio != Priority::Debug {
            if let Some(f) = outputs.logfile.as_mut() {
                let _ = f.write_all(line.as_bytes());
            }
        }
        if let Some(f) = outputs.debugfile.as_mut() {
            let _ = f.write_all(line.as_bytes());
        }
        if let (Some(sock), Some(fac)) = (outputs.syslog.as_ref(), cfg.facility) {
            let _ = sock.send(syslog_datagram(fac, epoch, entity, pid, prio, msg).as_bytes());
        }
    }
}

/// Debug lines are made only when something takes them.
fn wants_debug(cfg: &LogConfig) -> bool {
    cfg.debug || cfg.debugfile.is_some()
}

/// The message, then the other fields as ` key=value`.
#[derive(Default)]
struct Message {
    text: String,
    fields: String,
}

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.text.push_str(value);
        } else {
            let _ = write!(self.fields, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.text, "{value:?}");
        } else {
            let _ = write!(self.fields, " {}={value:?}", field.name());
        }
    }
}

fn priority(event: &Event<'_>) -> Priority {
    let meta = event.metadata();
    match *meta.level() {
        Level::ERROR if meta.target() == crate::CRIT_TARGET => Priority::Crit,
        Level::ERROR => Priority::Error,
        Level::WARN => Priority::Warn,
        Level::INFO => Priority::Info,
        _ => Priority::Debug,
    }
}

impl<S: Subscriber> tracing_subscriber::Layer<S> for HaLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut m = Message::default();
        event.record(&mut m);
        self.write(priority(event), &format!("{}{}", m.text, m.fields));
    }
}

/// The layer's own level: info, or debug while an output takes debug lines. A per-layer
/// filter, so it never hides events from the process's other outputs.
pub struct LevelSwitch(Arc<AtomicBool>);

impl HaLayer {
    /// The filter to install this layer with (`layer.clone().with_filter(layer.levels())`).
    pub fn levels(&self) -> LevelSwitch {
        LevelSwitch(self.debug.clone())
    }
}

impl<S> tracing_subscriber::layer::Filter<S> for LevelSwitch {
    fn enabled(&self, meta: &Metadata<'_>, _: &Context<'_, S>) -> bool {
        let max = if self.0.load(Ordering::Relaxed) {
            Level::DEBUG
        } else {
            Level::INFO
        };
        *meta.level() <= max
    }

    // The outputs change at run time (heartbeat reads ha.cf after installing the layer).
    fn callsite_enabled(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }
}
