//! `pacemaker-schedulerd`: answers `metadata` for tools that probe Pacemaker's daemon; starts nothing.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let d = cli::daemon_compat::Daemon::Schedulerd;
    cli::daemon_compat::run(d, &args, &mut std::io::stdout(), &mut std::io::stderr()).into()
}
