//! `crm_mon`: see [`cli::crm_mon`]; works on the CIB file named by `$CIB_file`.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    cli::crm_mon::run(&args, &mut std::io::stdout(), &mut std::io::stderr()).into()
}
