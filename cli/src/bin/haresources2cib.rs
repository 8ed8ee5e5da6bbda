//! `haresources2cib`: import a Heartbeat v1 haresources file (see [`cli::haresources2cib`]).

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    cli::haresources2cib::run(&args, &mut std::io::stdout(), &mut std::io::stderr()).into()
}
