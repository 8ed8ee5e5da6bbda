//! `crm_node`: see [`cli::crm_node`]; works on the CIB file named by `$CIB_file`.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    cli::crm_node::run(&args, &mut std::io::stdout(), &mut std::io::stderr()).into()
}
