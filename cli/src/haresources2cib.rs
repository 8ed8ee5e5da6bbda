//! `haresources2cib`: turns a Heartbeat v1 `haresources` file (plus ha.cf's nodes and
//! `auto_failback`) into a CIB.
//!
//! `haresources2cib [-c HA_CF] [--no-monitor] [--stdout | -o FILE] [HARESOURCES]`; the defaults
//! are `/etc/ha.d/ha.cf`, `/etc/ha.d/haresources` and writing `/var/lib/heartbeat/crm/cib.xml`
//! (refused when that file exists, as Heartbeat 2's importer did).

use crate::exit::ExitCode;
use cib::haresources::{AutoFailback, HaResources, ImportOptions};
use messaging::config::{AutoFailback as HbAutoFailback, Config};
use std::io::Write;
use std::path::{Path, PathBuf};

const USAGE: &str =
    "usage: haresources2cib [-c HA_CF] [--no-monitor] [--stdout | -o FILE] [HARESOURCES]";

/// Parsed command line.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    ha_cf: PathBuf,
    haresources: PathBuf,
    output: Option<PathBuf>,
    monitor: bool,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut out = Args {
        ha_cf: PathBuf::from("/etc/ha.d/ha.cf"),
        haresources: PathBuf::from("/etc/ha.d/haresources"),
        output: Some(PathBuf::from("/var/lib/heartbeat/crm/cib.xml")),
        monitor: true,
    };
    let mut it = args.iter();
    let mut positional = Vec::new();
    while let Some(a) = it.next() {
        match a.as_str() {
            "-c" | "--config" => out.ha_cf = it.next().ok_or("-c needs a file")?.into(),
            "-o" | "--output" => out.output = Some(it.next().ok_or("-o needs a file")?.into()),
            "--stdout" => out.output = None,
            "--no-monitor" => out.monitor = false,
            // Our agents are OCF already; accepted for the old command lines.
            "--no-ocf" => {}
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            s => positional.push(s),
        }
    }
    match positional.as_slice() {
        [] => {}
        [file] => out.haresources = PathBuf::from(file),
        _ => return Err("only one haresources file may be given".into()),
    }
    Ok(out)
}

/// Runs the tool; returns the exit status.
pub fn run(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> ExitCode {
    let args = match parse_args(args) {
        Ok(a) => a,
        Err(e) => {
            let _ = writeln!(stderr, "haresources2cib: {e}\n{USAGE}");
            return ExitCode::Usage;
        }
    };
    match import(&args) {
        Ok(xml) => match &args.output {
            None => {
                let _ = stdout.write_all(xml.as_bytes());
                ExitCode::Ok
            }
            Some(path) => match write_new(path, &xml) {
                Ok(()) => ExitCode::Ok,
                Err((code, msg)) => {
                    let _ = writeln!(stderr, "haresources2cib: {msg}");
                    code
                }
            },
        },
        Err((code, msg)) => {
            let _ = writeln!(stderr, "haresources2cib: {msg}");
            code
        }
    }
}

fn import(args: &Args) -> Result<String, (ExitCode, String)> {
    let ha_cf = std::fs::read_to_string(&args.ha_cf).map_err(|e| {
        (
            ExitCode::NoInput,
            format!("cannot read {}: {e}", args.ha_cf.display()),
        )
    })?;
    let config = Config::parse(&ha_cf, &args.ha_cf.display().to_string())
        .map_err(|e| (ExitCode::Config, e.to_string()))?;
    let text = std::fs::read_to_string(&args.haresources).map_err(|e| {
        (
            ExitCode::NoInput,
            format!("cannot read {}: {e}", args.haresources.display()),
        )
    })?;
    let in_file = |e: cib::haresources::HaResourcesError| {
        (
            ExitCode::Config,
            format!("{}: {e}", args.haresources.display()),
        )
    };
    let parsed = HaResources::parse(&text).map_err(in_file)?;
    let resource_dir = args
        .ha_cf
        .parent()
        .unwrap_or(Path::new("/etc/ha.d"))
        .join("resource.d");
    let opts = ImportOptions {
        nodes: config.nodes.clone(),
        auto_failback: match config.auto_failback {
            HbAutoFailback::On => AutoFailback::On,
            HbAutoFailback::Off => AutoFailback::Off,
            HbAutoFailback::Legacy => AutoFailback::Legacy,
        },
        resource_dirs: vec![resource_dir],
        monitor: args.monitor,
        connectivity_rule: !config.ping_nodes.is_empty(),
        ..ImportOptions::default()
    };
    let cib = parsed.to_cib(&opts).map_err(in_file)?;
    Ok(cib::Document {
        prolog: Vec::new(),
        root: cib,
    }
    .to_xml())
}

fn write_new(path: &Path, xml: &str) -> Result<(), (ExitCode, String)> {
    if path.exists() {
        return Err((
            ExitCode::CantCreat,
            format!(
                "{} already exists; remove it first or use --stdout",
                path.display()
            ),
        ));
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| (ExitCode::CantCreat, format!("{}: {e}", dir.display())))?;
    }
    cib::store::write_atomic(path, xml.as_bytes())
        .map_err(|e| (ExitCode::CantCreat, format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_and_defaults() {
        let a = parse_args(&[]).unwrap();
        assert_eq!(a.haresources, PathBuf::from("/etc/ha.d/haresources"));
        let a = parse_args(&[
            "--stdout".into(),
            "-c".into(),
            "x/ha.cf".into(),
            "hr".into(),
        ])
        .unwrap();
        assert_eq!(
            (a.output, a.ha_cf, a.haresources),
            (None, "x/ha.cf".into(), "hr".into())
        );
        assert!(parse_args(&["--bogus".into()]).is_err());
        assert!(parse_args(&["-o".into()]).is_err());
    }
}
