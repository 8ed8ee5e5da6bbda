//! `crm_resource`: manage resources; without a cluster, run agents locally and discover them.

use std::io::Write;

fn main() -> std::process::ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let outcome = cli::crm_resource::run(&argv);
    let _ = std::io::stdout().write_all(outcome.stdout.as_bytes());
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    std::process::ExitCode::from(outcome.code)
}
