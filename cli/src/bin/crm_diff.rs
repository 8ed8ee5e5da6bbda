//! `crm_diff`: compare two XML documents into a patch (v1 or v2), or apply a patch.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = cli::crm_diff::run(
        &args,
        &mut std::io::stdin(),
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    );
    code.into()
}
