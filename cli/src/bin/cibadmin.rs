//! `cibadmin`: query and edit the CIB in the file named by `$CIB_file`.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cib_file = std::env::var("CIB_file").ok();
    cli::cibadmin::run(
        &args,
        cib_file.as_deref(),
        &mut std::io::stdin(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    )
    .into()
}
