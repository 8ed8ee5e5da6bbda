//! `cl_status`: query the local heartbeat (see [`cli::cl_status`]).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let env = cli::cl_status::Env::default();
    let code = cli::cl_status::run(&args, &env, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
