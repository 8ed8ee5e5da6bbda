//! `crm_simulate`: options, input loading, and output files around [`pengine::schedule`].

mod args;
#[cfg(all(feature = "cib-tools", feature = "stonith-tools"))]
mod xml;

use crate::exit::ExitCode;
use anyhow::{anyhow, Context};
pub use args::Args;
use std::io::Write;

/// Runs crm_simulate invoked as `program` with command-line arguments `argv`.
pub fn main_with_args(program: &str, argv: &[String]) -> ExitCode {
    let (out, err) = (&mut std::io::stdout(), &mut std::io::stderr());
    let args = match crate::command_line::read(&args::SPEC, argv, out, err) {
        Ok(given) => Args::from_given(given),
        Err(code) => return code,
    };
    if let Some(f) = &args.bad_format {
        eprintln!("Error creating output format {f}: Unknown output format");
        return ExitCode::NoSuch;
    }
    let request = std::iter::once(program)
        .chain(argv.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join(" ");
    match std::panic::catch_unwind(|| run(&args, &request)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            let message = format!("crm_simulate: {e:#}");
            eprintln!("{message}");
            let code = if e.is::<NoLiveCib>() {
                ExitCode::NoInput
            } else if e.is::<BadInput>() {
                ExitCode::DataErr
            } else {
                ExitCode::Error
            };
            if args.xml {
                print!("{}", xml_failure(&request, code, &message));
            }
            code
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
        match std::env::var("CIB_file") {
            Ok(p) if !p.is_empty() => p,
            _ => return live_cib(),
        }
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

/// The XML document of a failed run: Pacemaker's envelope with the exit code and the error.
fn xml_failure(request: &str, code: ExitCode, message: &str) -> String {
    #[cfg(all(feature = "cib-tools", feature = "stonith-tools"))]
    {
        use crate::crm_attribute::{xml_escape, xml_status, XML_API_VERSION};
        format!(
            "<pacemaker-result api-version=\"{XML_API_VERSION}\" request=\"{}\">\n{}</pacemaker-result>\n",
            xml_escape(request),
            xml_status(code, &[message])
        )
    }
    #[cfg(not(all(feature = "cib-tools", feature = "stonith-tools")))]
    {
        let _ = (request, code, message);
        String::new()
    }
}

/// An input that is not a CIB the scheduler can read (Pacemaker: CRM_EX_DATAERR).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct BadInput(String);

/// No CIB service answered `-L` (Pacemaker: exit CRM_EX_NOINPUT).
#[derive(Debug, thiserror::Error)]
#[error("CIB query failed: Input file not available")]
struct NoLiveCib;

/// The running cluster's CIB, from the local crmd's CIB service (as Pacemaker's `-L` asks
/// its CIB manager).
#[cfg(feature = "cib-tools")]
fn live_cib() -> anyhow::Result<(String, String)> {
    let root = crate::cib_access::LiveCib::connect()
        .and_then(|mut cib| crate::cib_access::CibAccess::query(&mut cib))
        // Pacemaker says only that the query failed, whatever the cause.
        .map_err(|_| NoLiveCib)?;
    Ok(("(live CIB)".to_string(), root.to_xml()))
}

#[cfg(not(feature = "cib-tools"))]
fn live_cib() -> anyhow::Result<(String, String)> {
    Err(anyhow!(
        "--live-check: this build has no CIB client (feature cib-tools); set CIB_file"
    ))
}

fn now_for(args: &Args, cib: &cib::Element) -> anyhow::Result<(i64, Option<String>)> {
    if let Some(t) = &args.set_datetime {
        let v = vocab::datetime::parse(t).ok_or_else(|| anyhow!("invalid date/time: {t}"))?;
        return Ok((v, None));
    }
    if let Some(e) = cib
        .attr("execution-date")
        .and_then(|v| v.parse::<i64>().ok())
    {
        return Ok((e, Some(vocab::datetime::format(e))));
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    Ok((now, None))
}

/// With `-s` or `-U` Pacemaker prints its plain layout: the status, the assignment log
/// (scores, utilization), the transition summary and, with `-S`, the simulation; `-Q`
/// leaves only the assignment log.
fn plain_report(args: &Args, sched: &pengine::Schedule, original: Option<&str>) -> String {
    use pengine::render::{assignment_log, plain};
    let log = assignment_log(sched, args.show_scores, args.show_utilization);
    if args.quiet {
        // The simulation's (quiet) sections leave one blank line.
        return if args.simulate { log + "\n" } else { log };
    }
    let fancy = if args.simulate {
        pengine::render::simulation(sched, original, false)
    } else {
        let date_line = original
            .map(|d| format!("Using the original execution date of: {d}\n"))
            .unwrap_or_default();
        let summary = pengine::render::transition_summary(sched);
        format!(
            "{date_line}{}{}",
            pengine::render::current_status(sched),
            // Without the simulation nothing follows the summary's items.
            summary.strip_suffix('\n').unwrap_or(&summary)
        )
    };
    let at = fancy.find("Transition Summary:\n").unwrap_or(fancy.len());
    format!("{}{log}\n{}", plain(&fancy[..at]), plain(&fancy[at..]))
}

/// The text layouts: fancy (`-S`, or the status alone), plain (`-s`/`-U`), diagnostics.
fn text_report(
    args: &Args,
    sched: &pengine::Schedule,
    original: Option<&str>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    if let Some(explain) = &args.explain {
        let text = pengine::render::explain(sched, explain)
            .ok_or_else(|| anyhow!("resource {explain} not found"))?;
        write!(out, "{text}")?;
    }
    if args.debug_actions {
        write!(out, "{}", pengine::render::debug_actions(sched))?;
    }
    let date_line = original
        .map(|d| format!("Using the original execution date of: {d}\n"))
        .unwrap_or_default();
    if let (Some(t), false) = (&args.set_datetime, args.quiet) {
        // As Pacemaker announces -t, in every layout.
        writeln!(out, "Setting effective cluster time: {t}")?;
    }
    if args.show_scores || args.show_utilization {
        write!(out, "{}", plain_report(args, sched, original))?;
    } else if args.simulate {
        let text = pengine::render::simulation(sched, original, false);
        write!(out, "{text}")?;
    } else if !args.quiet {
        let status = pengine::render::current_status(sched);
        // Nothing follows: no separating blank line.
        writeln!(out, "{date_line}{}", status.trim_end_matches('\n'))?;
    }
    Ok(())
}

/// The XML document (`-Q` changes nothing in it, as in Pacemaker's). The cluster status
/// before and after comes from crm_mon's code, which reads the CIB itself (history,
/// attributes) as well as the scheduler's view.
#[cfg(all(feature = "cib-tools", feature = "stonith-tools"))]
fn xml_report(
    args: &Args,
    request: &str,
    cib: &cib::Element,
    sched: &pengine::Schedule,
    now: i64,
) -> anyhow::Result<String> {
    use crate::crm_mon::status::Status;
    let opts = crate::crm_mon::status_options();
    let before = Status::gather(cib, &sched.view, &opts, now);
    let after = args.simulate.then(|| {
        let mut st = Status::gather(cib, &sched.view, &opts, now);
        st.apply_placement(
            &sched.view,
            &pengine::render::revised_placement(sched),
            &pengine::render::fenced_nodes(sched),
        );
        st
    });
    let show = xml::Sections {
        scores: args.show_scores,
        utilization: args.show_utilization,
        simulate: args.simulate,
    };
    Ok(xml::document(
        request,
        sched,
        &before,
        after.as_ref(),
        &show,
    ))
}

#[cfg(not(all(feature = "cib-tools", feature = "stonith-tools")))]
fn xml_report(
    _: &Args,
    _: &str,
    _: &cib::Element,
    _: &pengine::Schedule,
    _: i64,
) -> anyhow::Result<String> {
    Err(anyhow!(
        "--output-as=xml: this build has no crm_mon (features cib-tools, stonith-tools)"
    ))
}

fn run(args: &Args, request: &str) -> anyhow::Result<ExitCode> {
    let (path, text) = load_input(args)?;
    // Node histories are parsed one node at a time while scheduling, never as one tree;
    // the XML status (crm_mon's code) reads them all, so it takes the whole tree. Deferred
    // histories stay in the input text, which the tree shares.
    let text = std::sync::Arc::new(text);
    let parsed = if args.xml {
        cib::Document::parse_with(&text, &input_limits())
    } else {
        cib::Document::parse_deferring(&text, &input_limits(), &pengine::read_lazily)
    };
    let doc = parsed.map_err(|e| BadInput(format!("{path}: not a valid CIB: {e}")))?;
    // The deferred histories keep the input alive until the tree is freed (once unpacked).
    drop(text);
    let (now, original) = now_for(args, &doc.root)?;
    // The tree is needed afterwards only to save it (-O) or for the XML status; the
    // scheduler frees it once unpacked (most of the peak memory on a large status section).
    let saved_xml = args.save_output.as_ref().map(|_| doc.root.to_xml());
    let kept_cib = args.xml.then(|| doc.root.clone());
    let sched = pengine::schedule_owned(doc.root, now).map_err(|e| BadInput(e.to_string()))?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &kept_cib {
        Some(cib) => write!(out, "{}", xml_report(args, request, cib, &sched, now)?)?,
        None => text_report(args, &sched, original.as_deref(), &mut out)?,
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
