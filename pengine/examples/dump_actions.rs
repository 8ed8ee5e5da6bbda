//! Development aid: every action the scheduler created for a CIB file (optional ones too),
//! with its flags and the edges into it, to see why an action is (not) in the graph.
//! `cargo run -p pengine --example dump_actions -- FILE.xml [FILTER]`

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: dump_actions FILE [FILTER]")?;
    let filter = args.next().unwrap_or_default();
    let text = std::fs::read_to_string(&path)?;
    let doc = cib::Document::parse(&text)?;
    // "Now" is the CIB's recorded execution date, else the clock, as the corpus runs it.
    let now = doc
        .root
        .attr("execution-date")
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    let s = pengine::schedule(&doc.root, now)?;
    let t = &s.actions;
    let name = |i: usize| {
        let a = &t.list[i];
        let node = a
            .node
            .map(|n| s.view.nodes[n].uname.as_str())
            .unwrap_or("-");
        let rsc = a
            .rsc
            .map(|r| s.view.resources[r].id.as_str())
            .unwrap_or("-");
        format!("{}@{} [{rsc}]", a.key, node)
    };
    for (i, r) in s.view.resources.iter().enumerate() {
        if r.id.contains(&filter) || filter.contains(r.id.as_str()) {
            let on: Vec<&str> = r
                .node_state
                .keys()
                .map(|n| s.view.nodes[*n].uname.as_str())
                .collect();
            println!("rsc {i} {} orphan={} history on {on:?}", r.id, r.orphan);
        }
    }
    for (i, a) in t.list.iter().enumerate() {
        let n = name(i);
        if !n.contains(&filter) {
            continue;
        }
        println!(
            "{i} {n} optional={} runnable={} reason={:?}",
            a.optional, a.runnable, a.reason
        );
        for e in t.edges.iter().filter(|e| e.then == i) {
            println!("    <- {} flags={}", name(e.first), e.flags);
        }
    }
    Ok(())
}
