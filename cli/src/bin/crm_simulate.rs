//! `crm_simulate`: run the policy engine on a CIB and show or save what it would do.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = cli::crm_simulate::main_with_args(&args);
    std::process::exit(i32::from(code.code()));
}
