//! `pacemakerd`: answers `--version` and `--features` for tools that probe Pacemaker; starts nothing.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    cli::daemon_compat::run_pacemakerd(&args, &mut std::io::stdout(), &mut std::io::stderr()).into()
}
