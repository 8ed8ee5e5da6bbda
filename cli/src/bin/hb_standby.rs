//! `hb_standby`: Heartbeat's command, carried out through the CRM (see `cli::hb_standby`).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = cli::hb_standby::main_with_args(cli::hb_standby::Mode::Standby, &args);
    std::process::exit(i32::from(code.code()));
}
