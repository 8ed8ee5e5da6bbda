//! One logging path for every daemon: `tracing` events, written as Heartbeat 3.0.6 (through
//! cluster-glue's `cl_log`) writes them to ha.cf's `logfile` and `debugfile` and to syslog
//! (`logfacility`).
//!
//! heartbeat reads these from ha.cf and hands them to its children as `HA_logfile`,
//! `HA_debugfile` and `HA_logfacility` (and cl_log also reads `HA_syslogmsgfmt` and
//! `HA_debug`); each daemon calls [`init`] with its name, which installs [`HaLayer`] from that
//! environment next to the usual stderr output.
//!
//! Line formats (cl_log's):
//! - files, `syslogmsgfmt` on (the default): `Dec 06 00:55:02 node1 crmd: [812]: info: text`
//! - files, `syslogmsgfmt off`: `crmd[812]: 2026/12/06_00:55:02 info: text`
//! - syslog: the entity as ident, then `[812]: info: text`, at `facility * 8 + severity`.
//!
//! Priorities are cl_log's names: `ERROR` (error), `WARN` (warn), `info`, `debug` (debug and
//! trace), and `CRIT` for events with target [`CRIT_TARGET`]. Debug lines go to the debug file
//! only, as cl_log sends `LOG_DEBUG` nowhere else. Times are UTC (the project reads no time
//! zone database; Heartbeat uses local time).

mod config;
mod format;
mod layer;

pub use config::{facility_code, LogConfig};
pub use format::{file_line, ha_timestamp, syslog_datagram, syslog_timestamp, Priority};
pub use layer::{HaLayer, LevelSwitch};

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Events with this target are logged at cl_log's `CRIT`.
pub const CRIT_TARGET: &str = "crit";

/// Installs a daemon's subscriber: `tracing`'s stderr output (filtered by `$filter_var`,
/// default `info`) and [`HaLayer`] from the `HA_*` environment, as `entity`. Returns the
/// layer's handle.
pub fn init(entity: &str, filter_var: &str) -> HaLayer {
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(
            tracing_subscriber::EnvFilter::try_from_env(filter_var)
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        );
    let layer = HaLayer::new(LogConfig::from_env(entity));
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(layer.clone().with_filter(layer.levels()))
        .try_init();
    layer
}

/// Installs [`HaLayer`] alone (heartbeat: its stderr lines are cl_log's own). Returns the
/// layer's handle.
pub fn init_with(cfg: LogConfig) -> HaLayer {
    let layer = HaLayer::new(cfg);
    let _ = tracing_subscriber::registry()
        .with(layer.clone().with_filter(layer.levels()))
        .try_init();
    layer
}
