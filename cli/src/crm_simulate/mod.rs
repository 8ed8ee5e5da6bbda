//! `crm_simulate`: options, input loading, and output files around [`pengine::schedule`].

mod args;

use crate::exit::ExitCode;
use anyhow::{anyhow, Context};
pub use args::Args;
use std::io::Write;

/// Runs crm_simulate with command-line arguments (without the program name).
pub fn main_with_args(argv: &[String]) -> ExitCode {
    let (out, err) = (&mut std::io::stdout(), &mut std::io::stderr());
    let args = match crate::command_line::read(&args::SPEC, argv, out, err) {
        Ok(given) => Args::from_given(given),
        Err(code) => return code,
    };
    match std::panic::catch_unwind(|| run(&args)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("crm_simulate: {e:#}");
            ExitCode::Error
        }
        Err(_) => {
            eprintln!("crm_simulate: internal error while scheduling (this is a bug)");
            ExitCode::Software
        }
    }
}

/// An input the operator names is read up to 1 GiB: the largest clusters' saved inputs
/// (64 nodes x 10000 resources with history is about 400 MB) are simulated offline.
fn input_limits() -> cib::xml::Limits {
    cib::xml::Limits::with_max_bytes(1 << 30)
}

fn load_input(args: &Args) -> anyhow::Result<(String, String)> {
    let path = if let Some(x) = &args.xml_file {
        x.clone()
    } else if args.live {
        std::env::var("CIB_file").map_err(|_| {
            anyhow!("--live-check needs a running cluster; set CIB_file to a CIB file for now")
        })?
    } else {
        return Err(anyhow!("no input: use --xml-file FILE or --live-check"));
    };
    let text = if path == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)?;
        s
    } else {
        // Pacemaker keeps its inputs as `pe-input-N.bz2`; those read as they are.
        cib::series::read_text(std::path::Path::new(&path), &input_limits())?
    };
    Ok((path, text))
}

fn now_for(args: &Args, cib: &cib::Element) -> anyhow::Result<(i64, Option<String>)> {
    if let Some(t) = &args.set_datetime {
        let v = pengine::datetime::parse(t).ok_or_else(|| anyhow!("invalid date/time: {t}"))?;
        return Ok((v, None));
    }
    if let Some(e) = cib
        .attr("execution-date")
        .and_then(|v| v.parse::<i64>().ok())
    {
        return Ok((e, Some(pengine::datetime::format(e))));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok((now, None))
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (path, text) = load_input(args)?;
    let doc = match cib::Document::parse_with(&text, &input_limits()) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("crm_simulate: {path}: not a valid CIB: {e}");
            return Ok(ExitCode::DataErr);
        }
    };
    // The input text is not needed once parsed (it is as large as the tree's strings).
    drop(text);
    let (now, original) = now_for(args, &doc.root)?;
    // The tree is needed afterwards only to save it (-O); the scheduler frees it once
    // unpacked (most of the peak memory on a large status section).
    let saved_xml = args.save_output.as_ref().map(|_| doc.root.to_xml());
    let sched = match pengine::schedule_owned(doc.root, now) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("crm_simulate: {e}");
            return Ok(ExitCode::DataErr);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Some(explain) = &args.explain {
        let text = pengine::render::explain(&sched, explain)
            .ok_or_else(|| anyhow!("resource {explain} not found"))?;
        write!(out, "{text}")?;
    }
    if args.debug_actions {
        write!(out, "{}", pengine::render::debug_actions(&sched))?;
    }
    if args.simulate {
        let text = pengine::render::simulation(&sched, original.as_deref(), args.show_scores);
        write!(out, "{text}")?;
    } else {
        // As Pacemaker: the status unless -Q, the scores (with a heading unless -Q), and the
        // transition summary whenever the scheduler's results are asked for.
        if !args.quiet {
            let status = pengine::render::current_status(&sched);
            if args.show_scores || args.show_utilization {
                write!(out, "{status}")?;
            } else {
                // Nothing follows: no separating blank line.
                writeln!(out, "{}", status.trim_end_matches('\n'))?;
            }
        }
        if args.show_scores {
            if !args.quiet {
                write!(out, "\nAllocation scores:\n")?;
            }
            write!(out, "{}", pengine::render::scores(&sched))?;
        }
        if !args.quiet && (args.show_scores || args.show_utilization) {
            write!(out, "{}", pengine::render::transition_summary(&sched))?;
        }
    }
    if let Some(g) = &args.save_graph {
        std::fs::write(g, graph::xml::to_xml(&sched.graph))
            .with_context(|| format!("cannot write {g}"))?;
    }
    if let Some(d) = &args.save_dotfile {
        std::fs::write(d, pengine::render::dot(&sched))
            .with_context(|| format!("cannot write {d}"))?;
    }
    if let (Some(o), Some(xml)) = (&args.save_output, &saved_xml) {
        std::fs::write(o, xml).with_context(|| format!("cannot write {o}"))?;
    }
    Ok(ExitCode::Ok)
}
