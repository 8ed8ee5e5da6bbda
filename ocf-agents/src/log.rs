//! Agent log lines on stderr (and `HA_LOGFILE` when set), tagged like ocf_log:
//! `<Agent>(<instance>)[pid]: LEVEL: message`.

use std::io::Write;
use std::sync::OnceLock;

static TAG: OnceLock<String> = OnceLock::new();

/// Sets the tag once per process (the dispatcher does this).
pub fn set_tag(agent: &str, instance: &str) {
    let _ = TAG.set(format!("{agent}({instance})[{}]", std::process::id()));
}

fn emit(level: &str, message: &str) {
    let tag = TAG.get().map(String::as_str).unwrap_or("ocf-agents");
    let line = format!("{tag}: {level}: {message}\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    if let Ok(path) = std::env::var("HA_LOGFILE") {
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

pub fn info(message: &str) {
    emit("INFO", message);
}

pub fn warn(message: &str) {
    emit("WARNING", message);
}

pub fn error(message: &str) {
    emit("ERROR", message);
}
