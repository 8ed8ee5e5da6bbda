//! `crm_simulate`: run the policy engine on a CIB and show or save what it would do.

fn main() {
    let mut args = std::env::args();
    // As Pacemaker, XML output echoes the program name as it was invoked.
    let program = args.next().unwrap_or_else(|| "crm_simulate".into());
    let args: Vec<String> = args.collect();
    let code = cli::crm_simulate::main_with_args(&program, &args);
    std::process::exit(i32::from(code.code()));
}
