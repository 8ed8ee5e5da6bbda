//! The multi-call agent binary; see the library docs.

fn main() {
    std::process::exit(ocf_agents::main_entry(std::env::args().collect()));
}
