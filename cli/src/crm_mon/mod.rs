//! `crm_mon`: the cluster status, once (`-1`) or redrawn every interval, as Pacemaker 2.1.5
//! prints it.
//!
//! The node and resource state is the scheduler's unpacked view
//! ([`pengine::unpack::ClusterView`]); [`status`] gathers it with what only the raw CIB has
//! (operation history order, bundles) into one [`status::Status`], which [`text`] and [`xml`]
//! format.

mod args;
mod fencing;
mod filter;
mod history;
mod model;
mod revised;
pub(crate) mod status;
mod text;
pub(crate) mod xml;

pub use args::{options, Options, SPEC};

use crate::cib_access::{self, AccessError};
use crate::exit::ExitCode;
use std::io::Write;

const USAGE: &str = "\
Usage:
  crm_mon [OPTION?]

Provides a summary of cluster's current state.

Outputs varying levels of detail in a number of different formats.

Display Options:
  -I, --include=SECTION(s)     A list of sections to include in the output
  -U, --exclude=SECTION(s)     A list of sections to exclude from the output
                               (summary, nodes, resources, attributes, failcounts, failures,
                               operations, bans, inactive, all, none, default)
  --node=NODE                  Only show information for the node (or tag)
  --resource=RSC               Only show information for the resource (or tag)
  -n, --group-by-node          Group resources by node
  -r, --inactive               Display inactive resources
  -f, --failcounts             Display resource fail counts
  -o, --operations             Display resource operation history
  -A, --show-node-attributes   Display node attributes
  -L, --neg-locations          Display negative location constraints
  -R, --show-detail            Show more details (node IDs, individual clone instances)
  -b, --brief                  Brief output

Mode Options:
  -1, --one-shot               Display the cluster status once and exit
  -i, --interval=TIMESPEC      Update frequency (default is 5 seconds)
  -s, --simple-status          Display the cluster status once as a simple one line output
  -X, --as-xml                 Write cluster status as XML (same as --output-as=xml)
  --output-as=FORMAT           text (default) or xml

The CIB is the file named by $CIB_file.
";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Renders one screen (text, XML or simple status) for the current CIB.
fn screen(opts: &Options, err: &mut dyn Write) -> Result<(String, ExitCode), AccessError> {
    let mut access = cib_access::reader_from_env()?;
    let cib = access.query()?;
    let t = now();
    let idx = pengine::rules::IdIndex::new(&cib);
    let mut diags = pengine::Diagnostics::default();
    let view = pengine::unpack::ClusterView::unpack(&cib, &idx, t, &mut diags);
    let st = status::Status::gather(&cib, &view, opts, t);
    for w in &st.warnings {
        let _ = writeln!(err, "{w}");
    }
    if opts.simple {
        return Ok(simple(&st));
    }
    if opts.xml {
        return Ok((xml::render(&st, opts), ExitCode::Ok));
    }
    let mut text = text::render(&st, opts);
    // Fencing history lives in stonithd, not in the CIB: only for the live cluster.
    if std::env::var_os("CIB_file").is_none() {
        text.push_str(&fencing::render(&fencing::history(), opts));
    }
    Ok((text, ExitCode::Ok))
}

/// crm_mon's options for the XML node and resource sections alone: the cluster status
/// crm_simulate shows.
pub(crate) fn status_options() -> Options {
    let mut o = options(&[], Vec::new()).unwrap_or_else(|_| unreachable!("no options given"));
    o.xml = true;
    o.one_shot = true;
    o.sections = ["nodes", "resources"].map(String::from).into();
    o
}

/// `-s`: one line for monitoring systems.
fn simple(st: &status::Status) -> (String, ExitCode) {
    if st.dc.is_none() {
        return ("CLUSTER CRIT: No DC\n".into(), ExitCode::Error);
    }
    let offline: Vec<&str> = st
        .nodes
        .iter()
        .filter(|n| !n.online)
        .map(|n| n.name.as_str())
        .collect();
    if !offline.is_empty() {
        // Pacemaker exits 0 on a warning too.
        return (
            format!("CLUSTER WARN: offline node: {}\n", offline.join(", ")),
            ExitCode::Ok,
        );
    }
    let online = st.nodes.iter().filter(|n| n.online).count();
    (
        format!(
            "CLUSTER OK: {online} node{} online, {} resource instance{} configured\n",
            if online == 1 { "" } else { "s" },
            st.instances,
            if st.instances == 1 { "" } else { "s" }
        ),
        ExitCode::Ok,
    )
}

/// Runs `crm_mon` with `args` (without the program name) on the CIB from the environment.
pub fn run(args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> ExitCode {
    let given = match crate::command_line::read(&SPEC, args, out, err) {
        Ok(given) => given,
        Err(code) => return code,
    };
    let opts = match options(args, given) {
        Ok(o) => o,
        Err(m) => return crate::command_line::refuse(&SPEC, &m, err),
    };
    loop {
        match screen(&opts, err) {
            Ok((text, code)) => {
                if !opts.one_shot {
                    // Redraw in place: cursor home, clear screen.
                    let _ = out.write_all(b"\x1b[H\x1b[2J");
                }
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
                if opts.one_shot {
                    return code;
                }
            }
            Err(e) => {
                let _ = writeln!(err, "crm_mon: {e}");
                if opts.one_shot {
                    return e.exit_code();
                }
            }
        }
        std::thread::sleep(std::time::Duration::from_secs(opts.interval));
    }
}
