//! systemd units driven over systemd's D-Bus API (`org.freedesktop.systemd1`).
//!
//! Where no systemd system bus exists (containers, this project's CI), every operation
//! returns a clear "systemd not available" result instead of failing obscurely.

use std::path::Path;
use std::time::{Duration, Instant};

use zbus::{Connection, OwnedObjectPath, OwnedVariant};

use crate::op::Action;
use crate::runner::Execution;
use vocab::{ExecStatus, OcfRc};

const DEST: &str = "org.freedesktop.systemd1";
const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
const MANAGER_IFACE: &str = "org.freedesktop.systemd1.Manager";
const UNIT_IFACE: &str = "org.freedesktop.systemd1.Unit";
const DEFAULT_BUS_SOCKET: &str = "/run/dbus/system_bus_socket";
/// How often a start or stop polls the unit's state while its job runs.
const POLL: Duration = Duration::from_millis(200);

/// True when systemd is PID 1 (as `sd_booted()` decides) and its bus socket exists.
pub fn present() -> bool {
    let booted = Path::new("/run/systemd/system").is_dir();
    let socket = std::env::var("DBUS_SYSTEM_BUS_ADDRESS")
        .ok()
        .and_then(|a| {
            a.strip_prefix("unix:path=")
                .map(|p| p.split(',').next().unwrap_or(p).to_string())
        })
        .unwrap_or_else(|| DEFAULT_BUS_SOCKET.to_string());
    booted && Path::new(&socket).exists()
}

/// The unit name with `.service` added when it has no type suffix.
pub fn unit_name(name: &str) -> String {
    const SUFFIXES: [&str; 6] = [
        ".service", ".socket", ".mount", ".timer", ".target", ".path",
    ];
    if SUFFIXES.iter().any(|s| name.ends_with(s)) {
        name.to_string()
    } else {
        format!("{name}.service")
    }
}

/// Whether systemd has a unit file for `name` (used by the `service` class).
pub async fn knows_unit(name: &str) -> bool {
    let Ok(conn) = Connection::system().await else {
        return false;
    };
    let Ok(path) = load_unit(&conn, &unit_name(name)).await else {
        return false;
    };
    matches!(
        property(&conn, &path, "LoadState").await.as_deref(),
        Ok("loaded")
    )
}

/// Runs `action` on the unit within `timeout`.
pub async fn execute(name: &str, action: &Action, timeout: Duration) -> Execution {
    let started = Instant::now();
    if !present() {
        return result(
            OcfRc::ERR_INSTALLED,
            ExecStatus::NotInstalled,
            "systemd not available (systemd is not running or its system bus is absent)",
            started,
        );
    }
    let unit = unit_name(name);
    let work = async {
        let conn = Connection::system().await?;
        match action {
            Action::Start => change(&conn, &unit, "StartUnit", &["active"]).await,
            Action::Stop => change(&conn, &unit, "StopUnit", &["inactive", "failed"]).await,
            Action::Monitor | Action::Status => {
                let path = load_unit(&conn, &unit).await?;
                Ok(rc_of_state(&property(&conn, &path, "ActiveState").await?))
            }
            _ => Ok(OcfRc::ERR_UNIMPLEMENTED),
        }
    };
    match tokio::time::timeout(timeout, work).await {
        Err(_) => result(
            OcfRc::ERR_GENERIC,
            ExecStatus::Timeout,
            "systemd job did not finish in time",
            started,
        ),
        Ok(Err(e)) => result(
            OcfRc::ERR_GENERIC,
            ExecStatus::Error,
            &format!("systemd: {e}"),
            started,
        ),
        Ok(Ok(OcfRc::ERR_UNIMPLEMENTED)) => result(
            OcfRc::ERR_UNIMPLEMENTED,
            ExecStatus::NotSupported,
            &format!("action {action} is not supported for systemd units"),
            started,
        ),
        Ok(Ok(rc)) => result(rc, ExecStatus::Done, "", started),
    }
}

fn result(rc: OcfRc, status: ExecStatus, reason: &str, started: Instant) -> Execution {
    Execution {
        rc,
        status,
        exit_reason: reason.to_string(),
        stdout: String::new(),
        stderr: String::new(),
        elapsed: started.elapsed(),
    }
}

fn rc_of_state(state: &str) -> OcfRc {
    match state {
        "active" | "reloading" | "activating" | "deactivating" => OcfRc::SUCCESS,
        _ => OcfRc::NOT_RUNNING,
    }
}

/// Queues a start or stop job, then waits until the unit reaches one of `done_states`.
async fn change(
    conn: &Connection,
    unit: &str,
    method: &str,
    done_states: &[&str],
) -> zbus::Result<OcfRc> {
    conn.call_method(
        Some(DEST),
        MANAGER_PATH,
        Some(MANAGER_IFACE),
        method,
        &(unit, "replace"),
    )
    .await?;
    let path = load_unit(conn, unit).await?;
    loop {
        let state = property(conn, &path, "ActiveState").await?;
        if done_states.contains(&state.as_str()) {
            return Ok(OcfRc::SUCCESS);
        }
        if method == "StartUnit" && state == "failed" {
            return Ok(OcfRc::ERR_GENERIC);
        }
        tokio::time::sleep(POLL).await;
    }
}

async fn load_unit(conn: &Connection, unit: &str) -> zbus::Result<OwnedObjectPath> {
    let reply = conn
        .call_method(
            Some(DEST),
            MANAGER_PATH,
            Some(MANAGER_IFACE),
            "LoadUnit",
            &(unit,),
        )
        .await?;
    reply.body().deserialize::<OwnedObjectPath>()
}

async fn property(conn: &Connection, path: &OwnedObjectPath, name: &str) -> zbus::Result<String> {
    let reply = conn
        .call_method(
            Some(DEST),
            path.as_str(),
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &(UNIT_IFACE, name),
        )
        .await?;
    let value: OwnedVariant = reply.body().deserialize()?;
    String::try_from(&*value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_names_get_a_service_suffix() {
        assert_eq!(unit_name("sshd"), "sshd.service");
        assert_eq!(unit_name("x.socket"), "x.socket");
    }
}
