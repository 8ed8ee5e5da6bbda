//! `haresources2cib`: turns a Heartbeat v1 `haresources` file (plus ha.cf's nodes and
//! `auto_failback`) into a CIB.
//!
//! `haresources2cib [-c HA_CF] [--no-monitor] [--stdout | -o FILE] [HARESOURCES]`; the defaults
//! are `/etc/ha.d/ha.cf`, `/etc/ha.d/haresources` and writing `/var/lib/heartbeat/crm/cib.xml`
//! (refused when that file exists, as Heartbeat 2's importer did).

use crate::exit::ExitCode;
use cib::haresources::{AutoFailback, HaResources, ImportOptions};
use flags::{Dialect, FlagError, Given, Opt, Spec, Stop};
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

const SPEC: Spec = Spec {
    tool: "haresources2cib",
    dialect: Dialect::Getopt,
    options: &[
        Opt::value('c', "config"),
        Opt::value('o', "output"),
        Opt::long_flag("stdout"),
        Opt::long_flag("no-monitor"),
        // Our agents are OCF already; accepted for the old command lines.
        Opt::long_flag("no-ocf"),
    ],
    help_groups: &[],
    help: USAGE,
    version: concat!(
        "haresources2cib (heartbeat-rs) ",
        env!("CARGO_PKG_VERSION"),
        "\n"
    ),
};

fn parse_args(args: &[String]) -> Result<Args, Stop> {
    let mut out = Args {
        ha_cf: PathBuf::from("/etc/ha.d/ha.cf"),
        haresources: PathBuf::from("/etc/ha.d/haresources"),
        output: Some(PathBuf::from("/var/lib/heartbeat/crm/cib.xml")),
        monitor: true,
    };
    let mut positional = Vec::new();
    for g in flags::parse(&SPEC, args)? {
        match g {
            Given::Opt { name, value } => match name {
                "config" => out.ha_cf = value.unwrap_or_default().into(),
                "output" => out.output = value.map(PathBuf::from),
                "stdout" => out.output = None,
                "no-monitor" => out.monitor = false,
                _ => {}
            },
            Given::Arg(a) => positional.push(a),
        }
    }
    match positional.as_slice() {
        [] => {}
        [file] => out.haresources = PathBuf::from(file),
        _ => {
            return Err(Stop::Usage(FlagError::Invalid(
                "only one haresources file may be given".into(),
            )))
        }
    }
    Ok(out)
}

/// Runs the tool; returns the exit status.
pub fn run(args: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> ExitCode {
    let args = match parse_args(args) {
        Ok(a) => a,
        Err(stop) => {
            return match stop.report(&SPEC, stdout, stderr) {
                0 => ExitCode::Ok,
                _ => ExitCode::Usage,
            }
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
