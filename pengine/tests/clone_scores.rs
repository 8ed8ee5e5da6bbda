//! `crm_simulate -s` tables of clone instances on small hand-written CIBs, against the lines
//! Pacemaker 2.1.5's crm_simulate prints for the same input (the corpus test covers breadth).

mod common;
use common::cib;

/// The score lines of `rsc`'s instances as placement assigned them.
fn assign_lines(root: &cib::Element, rsc: &str) -> Vec<String> {
    let s = pengine::schedule(root, 1_700_000_000).unwrap();
    let prefix = format!("pcmk__primitive_assign: {rsc}:");
    pengine::render::scores(&s)
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .map(str::to_string)
        .collect()
}

/// An interleaved clone's instance is colocated with one instance of the other clone (the one
/// on its best node), so its table bans every other node; before, each instance saw the
/// other clone as a whole and could go anywhere it ran.
#[test]
fn an_interleaved_instance_is_shown_paired_with_one_partner() {
    let clone = |id: &str, p: &str| {
        format!(
            r#"<clone id="{id}"><meta_attributes id="{id}-m"><nvpair id="{id}-i" name="interleave" value="true"/></meta_attributes>
            <primitive id="{p}" class="ocf" provider="pacemaker" type="Dummy"/></clone>"#
        )
    };
    let resources = clone("dlm-clone", "dlm") + &clone("clvmd-clone", "clvmd");
    let root = cib(
        &resources,
        r#"<rsc_colocation id="c" rsc="clvmd-clone" with-rsc="dlm-clone" score="INFINITY"/>"#,
        "",
    );
    // As /usr/sbin/crm_simulate (Pacemaker 2.1.5) -s prints them for this CIB.
    let expected: Vec<String> = [
        ("0", ["0", "-INFINITY", "-INFINITY"]),
        ("1", ["-INFINITY", "0", "-INFINITY"]),
        ("2", ["-INFINITY", "-INFINITY", "0"]),
    ]
    .iter()
    .flat_map(|(i, scores)| {
        scores.iter().enumerate().map(move |(n, s)| {
            format!(
                "pcmk__primitive_assign: clvmd:{i} allocation score on node{}: {s}",
                n + 1
            )
        })
    })
    .collect();
    let mut actual = assign_lines(&root, "clvmd");
    actual.sort();
    assert_eq!(actual, expected);
}
