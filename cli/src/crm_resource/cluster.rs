//! The commands that work on the cluster's CIB (`--list`, `--locate`, `--move`, ...): the
//! shared reply and error types, and the dispatch. Each command reads the CIB through
//! [`crate::cib_access`], so the same code serves `$CIB_file` and the running cluster.

use super::args::Options;
use super::output;
use super::snapshot::Snapshot;
use super::{constraints, listing, operations, params, restart, stack, why, Outcome};
use crate::cib_access::{self, AccessError, CibAccess};
use crate::exit::ExitCode;

/// What a command produced: text-mode stdout and stderr, the body of the XML result, and
/// the exit status (a command can succeed with a message on stderr).
#[derive(Debug, Default)]
pub struct Reply {
    /// Text for stdout (text mode).
    pub out: String,
    /// Text for stderr (text mode).
    pub err: String,
    /// Elements inside `<pacemaker-result>` (XML mode).
    pub xml: String,
    /// The stderr messages, one per entry, as XML output lists them when the command fails.
    pub messages: Vec<String>,
}

impl Reply {
    /// Adds one line of stdout.
    pub fn info(&mut self, line: impl AsRef<str>) {
        self.out.push_str(line.as_ref());
        self.out.push('\n');
    }

    /// Adds one message (one or more lines) to stderr.
    pub fn error(&mut self, message: impl AsRef<str>) {
        self.err.push_str(message.as_ref());
        self.err.push('\n');
        self.messages.push(message.as_ref().to_string());
    }
}

/// Why a CIB command failed; each prints as Pacemaker's `crm_resource: ...` lines.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The command line does not make sense for this command (CRM_EX_USAGE).
    #[error("{0}")]
    Usage(String),
    /// The operation failed; `message` is the reason when Pacemaker gives one.
    #[error("{}", failed_text(.message.as_deref(), *.code))]
    Failed {
        /// Pacemaker's reason.
        message: Option<String>,
        /// The exit status.
        code: ExitCode,
    },
    /// The CIB could not be read or written.
    #[error("{}", access_text(.0))]
    Access(#[from] AccessError),
    /// The command failed after printing what it printed (its own error lines included);
    /// with `report`, Pacemaker's "Error performing operation" line follows.
    #[error("{}", failed_text(None, *.code))]
    Partial {
        /// What was printed.
        reply: Reply,
        /// The exit status.
        code: ExitCode,
        /// Whether the generic error line follows.
        report: bool,
    },
}

fn access_text(e: &AccessError) -> String {
    let what = vocab::exit::exit_text(i32::from(e.exit_code().code()));
    format!("{e}\nError performing operation: {what}")
}

fn failed_text(message: Option<&str>, code: ExitCode) -> String {
    let what = vocab::exit::exit_text(i32::from(code.code()));
    match message {
        Some(m) => format!("{m}\nError performing operation: {what}"),
        None => format!("Error performing operation: {what}"),
    }
}

impl ClusterError {
    /// A failure with Pacemaker's reason.
    pub fn failed(message: impl Into<String>, code: ExitCode) -> ClusterError {
        ClusterError::Failed {
            message: Some(message.into()),
            code,
        }
    }

    /// `Resource 'RSC' not found`.
    pub fn no_resource(rsc: &str) -> ClusterError {
        ClusterError::failed(format!("Resource '{rsc}' not found"), ExitCode::NoSuch)
    }

    /// `Node 'NODE' not found`.
    pub fn no_node(node: &str) -> ClusterError {
        ClusterError::failed(format!("Node '{node}' not found"), ExitCode::NoSuch)
    }

    /// The exit status.
    pub fn code(&self) -> ExitCode {
        match self {
            ClusterError::Usage(_) => ExitCode::Usage,
            ClusterError::Failed { code, .. } => *code,
            ClusterError::Access(e) => e.exit_code(),
            ClusterError::Partial { code, .. } => *code,
        }
    }

    /// The error as XML output lists it.
    fn xml_message(&self) -> String {
        format!("crm_resource: {self}")
    }
}

/// A CIB command's context: the backend, and the options.
pub struct Ctx<'a> {
    /// The CIB backend.
    pub access: Box<dyn CibAccess>,
    /// The command line.
    pub opts: &'a Options,
    /// Scheduler complaints collected when the CIB was unpacked (printed once).
    pub warnings: String,
}

impl Ctx<'_> {
    /// Reads and unpacks the CIB; the first read records the scheduler's warnings.
    pub fn snapshot(&mut self) -> Result<Snapshot, ClusterError> {
        let snap = Snapshot::new(self.access.query()?);
        if self.warnings.is_empty() {
            self.warnings = snap.warnings();
        }
        Ok(snap)
    }

    /// `-r`, required.
    pub fn resource(&self) -> Result<&str, ClusterError> {
        self.opts
            .resource
            .as_deref()
            .ok_or_else(|| ClusterError::Usage("Must supply a resource id with -r".into()))
    }
}

/// Runs the CIB command `name` (the long option, e.g. `list`).
pub fn run(opts: &Options, name: &str) -> Outcome {
    let access = match cib_access::from_env() {
        Ok(a) => a,
        Err(e) => return render(opts, String::new(), Err(ClusterError::Access(e))),
    };
    let mut ctx = Ctx {
        access,
        opts,
        warnings: String::new(),
    };
    let result = dispatch(&mut ctx, name);
    render(opts, ctx.warnings, result)
}

fn dispatch(ctx: &mut Ctx<'_>, name: &str) -> Result<Reply, ClusterError> {
    match name {
        "list" => listing::list(ctx),
        "list-raw" => listing::list_raw(ctx),
        "locate" => listing::locate(ctx),
        "query-xml" | "query-xml-raw" => listing::query_xml(ctx, name == "query-xml-raw"),
        "set-parameter" => params::set(ctx),
        "get-parameter" => params::get(ctx),
        "delete-parameter" => params::delete(ctx),
        "move" => constraints::move_resource(ctx),
        "ban" => constraints::ban(ctx),
        "clear" => constraints::clear(ctx),
        "cleanup" | "refresh" => restart::cleanup(ctx, name == "refresh"),
        "restart" => restart::restart(ctx),
        "delete" => listing::delete(ctx),
        "constraints" => stack::constraints(ctx, false),
        "why" => why::why(ctx),
        "list-operations" => operations::list(ctx, true),
        "list-all-operations" => operations::list(ctx, false),
        "stack" => stack::constraints(ctx, true),
        other => Err(ClusterError::Failed {
            message: Some(format!("--{other} is not implemented yet in heartbeat-rs")),
            code: ExitCode::UnimplementFeature,
        }),
    }
}

/// Turns a command's result into what the tool prints.
fn render(opts: &Options, warnings: String, result: Result<Reply, ClusterError>) -> Outcome {
    let (reply, error, code) = match result {
        Ok(r) => (r, None, ExitCode::Ok),
        Err(ClusterError::Partial {
            reply,
            code,
            report,
        }) => {
            let error = report.then_some(ClusterError::Failed {
                message: None,
                code,
            });
            (reply, error, code)
        }
        Err(e) => {
            let code = e.code();
            (Reply::default(), Some(e), code)
        }
    };
    if opts.xml {
        let mut errors = reply.messages.clone();
        errors.extend(error.iter().map(ClusterError::xml_message));
        let stdout = output::result_open(&opts.request)
            + &reply.xml
            + &output::result_close(i32::from(code.code()), &errors);
        return Outcome {
            stdout,
            stderr: warnings,
            code: code.code(),
        };
    }
    let mut stderr = warnings + &reply.err;
    if let Some(e) = &error {
        stderr.push_str(&format!("crm_resource: {e}\n"));
    }
    Outcome {
        stdout: reply.out,
        stderr,
        code: code.code(),
    }
}
