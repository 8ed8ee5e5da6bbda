//! `crm_verify`: check a CIB for syntax and common configuration errors.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = cli::crm_verify::run(&args, &mut std::io::stdout(), &mut std::io::stderr());
    code.into()
}
