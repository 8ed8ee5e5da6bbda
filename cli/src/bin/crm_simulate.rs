//! `crm_simulate`: run the policy engine on a CIB and show or save what it would do.

// A large status section is millions of small strings built and freed node by node; this
// allocator does that in about half the time of glibc's (64 x 10000 status CIB).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in mimalloc.h's option list; the binding
/// names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// A run is short and its memory is reused phase after phase: returning freed pages to the
/// kernel only makes it zero them again (a fifth of the time at 64 x 10000), so keep them.
/// (The workspace denies unsafe code; an allocator option has no safe binding.)
#[allow(unsafe_code)]
fn keep_freed_memory() {
    // SAFETY: sets a process-wide allocator option (-1: never purge); nothing depends on its
    // old value.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

fn main() {
    keep_freed_memory();
    let mut args = std::env::args();
    // As Pacemaker, XML output echoes the program name as it was invoked.
    let program = args.next().unwrap_or_else(|| "crm_simulate".into());
    let args: Vec<String> = args.collect();
    let code = cli::crm_simulate::main_with_args(&program, &args);
    std::process::exit(i32::from(code.code()));
}
