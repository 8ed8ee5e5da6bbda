//! `crm_simulate`: run the policy engine on a CIB and show or save what it would do.

// A large status section is millions of small strings built and freed node by node; this
// allocator does that in about half the time of glibc's (64 x 10000 status CIB).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let mut args = std::env::args();
    // As Pacemaker, XML output echoes the program name as it was invoked.
    let program = args.next().unwrap_or_else(|| "crm_simulate".into());
    let args: Vec<String> = args.collect();
    let code = cli::crm_simulate::main_with_args(&program, &args);
    std::process::exit(i32::from(code.code()));
}
