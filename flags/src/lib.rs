//! The one command-line layer of heartbeat-rs's tools and daemons.
//!
//! A tool declares its options once ([`Spec`]: short letter, long name, whether a value
//! follows); [`parse`] reads the arguments with `lexopt` the way Pacemaker 2.1.5's tools do and
//! hands back what was given, in order, under each option's name. Help and version are
//! recognised here for every tool, and [`Stop::report`] prints them, or a usage error in the
//! tool's dialect, and says the exit code (0, or 64 = CRM_EX_USAGE).
//!
//! Two dialects, as Pacemaker 2.1.5 has both ([`Dialect`]):
//! - GLib (`crm_mon`, `crm_resource`, `crm_attribute`, `crm_diff`, ...): `-x V`, `-xV`,
//!   `--long V`, `--long=V`, bundles (`-VVx V`), `--`; a value is taken even when it starts
//!   with `-`; `--flag=anything` is accepted for a flag; no abbreviations; errors
//!   `TOOL: Unknown option -Z` / `TOOL: Missing argument for -x`; `-?`, `-h` (unless the tool
//!   uses it), `--help`, `--help-all`, `--help-GROUP` print help at once; `-$`/`--version`
//!   print the version once the whole line has parsed.
//! - getopt (`cibadmin`, and Heartbeat's tools): the same forms plus unique long prefixes
//!   (`--quer`), glibc's messages (`unrecognized option '--bogus'`, `invalid option -- 'Z'`)
//!   followed by the usage on standard error; help and version act at once.

mod error;
mod lex;
mod spec;
mod stop;

pub use error::FlagError;
pub use lex::{parse, parse_lenient, Given};
pub use spec::{Dialect, Opt, Spec, Takes};
pub use stop::{HelpKind, Stop, EXIT_USAGE};
