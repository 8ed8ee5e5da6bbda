//! `stonith_admin`: fencing from the command line (see `cli::stonith_admin`).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = cli::stonith_admin::run(&args, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(i32::from(code.code()));
}
