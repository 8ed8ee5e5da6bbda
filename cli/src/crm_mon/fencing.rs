//! The fencing sections of crm_mon, from the local stonithd's history (live cluster only):
//! failed and pending fencing by default, every operation with `-m`.

use std::fmt::Write as _;
use std::time::Duration;

use stonithd::history::{Entry, State};

use super::args::Options;

/// The history, when a stonithd answers on this node.
pub fn history() -> Vec<Entry> {
    let req = stonithd::proto::Request::History {
        target: String::new(),
    };
    stonithd::proto::call(
        &stonithd::proto::socket_path(),
        &req,
        Duration::from_secs(2),
    )
    .map(|r| r.history)
    .unwrap_or_default()
}

fn line(e: &Entry, out: &mut String) {
    let t = |s: i64| pengine::datetime::ctime(s);
    let _ = match e.state {
        State::Failed => writeln!(
            out,
            "  * {} of {} failed: delegate={}, client={}, origin={}, last-failed='{}'",
            e.action,
            e.target,
            e.delegate,
            e.client,
            e.origin,
            t(e.completed)
        ),
        State::Pending => writeln!(
            out,
            "  * {} of {} pending: client={}, origin={}",
            e.action, e.target, e.client, e.origin
        ),
        State::Done => writeln!(
            out,
            "  * {} of {} successful: delegate={}, client={}, origin={}, completed='{}'",
            e.action,
            e.target,
            e.delegate,
            e.client,
            e.origin,
            t(e.completed)
        ),
    };
}

/// The sections the options ask for, newest first, each after a blank line.
pub fn render(history: &[Entry], opts: &Options) -> String {
    let mut out = String::new();
    let newest_first: Vec<&Entry> = history.iter().rev().collect();
    let mut section = |name: &str, title: &str, state: State| {
        if !opts.sections.contains(name) {
            return;
        }
        let items: Vec<&&Entry> = newest_first.iter().filter(|e| e.state == state).collect();
        if items.is_empty() {
            return;
        }
        out.push('\n');
        out.push_str(title);
        out.push('\n');
        for e in items {
            line(e, &mut out);
        }
    };
    section("fencing-failed", "Failed Fencing Actions:", State::Failed);
    section(
        "fencing-pending",
        "Pending Fencing Actions:",
        State::Pending,
    );
    section("fencing-succeeded", "Fencing History:", State::Done);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(target: &str, state: State) -> Entry {
        Entry {
            id: 1,
            target: target.into(),
            action: "reboot".into(),
            client: "crmd".into(),
            origin: "node2".into(),
            delegate: "node2".into(),
            state,
            detail: String::new(),
            started: 0,
            completed: 86_400,
        }
    }

    #[test]
    fn failed_and_pending_by_default_history_with_m() {
        let h = vec![entry("node1", State::Failed), entry("node3", State::Done)];
        let parse = |a: &[&str]| {
            let a: Vec<String> = a.iter().map(|s| s.to_string()).collect();
            let given = flags::parse(&super::super::args::SPEC, &a).unwrap();
            super::super::args::options(&a, given).unwrap()
        };
        let default = parse(&["-1"]);
        assert_eq!(
            render(&h, &default),
            "\nFailed Fencing Actions:\n  * reboot of node1 failed: delegate=node2, client=crmd, origin=node2, last-failed='Fri Jan  2 00:00:00 1970'\n"
        );
        let m = parse(&["-1", "-m3"]);
        assert!(render(&h, &m).contains("Fencing History:\n  * reboot of node3 successful"));
    }
}
