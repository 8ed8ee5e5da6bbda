//! End to end: fencing topology. A failing device makes the next level run; when every level
//! fails the lost node's resources are not started elsewhere, crm_mon shows the node unclean,
//! and an operator's `stonith_admin --confirm` lets the cluster recover. Needs root.

use std::path::PathBuf;
use std::time::Duration;

use cib::xml::{Element, Node};
use crmd::lab::{start_or_skip, wait_until, Lab, LabConfig};

const VIP: &str = "10.1.0.100";

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(std::path::Path::new(env!("CARGO_BIN_EXE_crmd")))
        .expect("daemons build")
}

fn edit(lab: &Lab, i: usize, f: impl FnOnce(&mut Element)) {
    lab.edit_cib(i, f).expect("change accepted");
}

fn served_by(lab: &Lab, node: &str) -> bool {
    lab.serves(VIP, node)
}

fn configure(lab: &Lab, node1_levels: &[&str]) {
    let map = format!("node1:{},node2:{}", lab.nodes[0].ns, lab.nodes[1].ns);
    let levels: String = node1_levels
        .iter()
        .enumerate()
        .map(|(i, d)| {
            format!(
                r#"<fencing-level id="n1-l{n}" target="node1" index="{n}" devices="{d}"/>"#,
                n = i + 1
            )
        })
        .collect();
    let topology = format!("<fencing-topology>{levels}</fencing-topology>");
    edit(lab, 1, |cib| {
        let conf = cib.child_mut("configuration").expect("configuration");
        let opts = conf
            .child_mut("crm_config")
            .and_then(|c| c.elements_mut().next())
            .expect("options");
        opts.children.retain(
            |c| !matches!(c, Node::Element(e) if e.attr("name") == Some("stonith-enabled")),
        );
        opts.children.push(Node::Element(
            Element::new("nvpair")
                .with_attr("id", "opt-stonith-enabled")
                .with_attr("name", "stonith-enabled")
                .with_attr("value", "true"),
        ));
        let resources = conf.child_mut("resources").expect("resources");
        resources
            .children
            .retain(|c| !matches!(c, Node::Element(e) if e.attr("class") == Some("stonith")));
        for (id, m) in [("broken", "nobody:none".to_string()), ("good", map.clone())] {
            resources.children.push(Node::Element(
                cib::xml::parse_element(&format!(
                    r#"<primitive id="{id}" class="stonith" type="fence_lab"><instance_attributes id="{id}-ia"><nvpair id="{id}-map" name="netns_map" value="{m}"/><nvpair id="{id}-check" name="pcmk_host_check" value="none"/><nvpair id="{id}-retries" name="pcmk_reboot_retries" value="0"/></instance_attributes></primitive>"#
                ))
                .unwrap(),
            ));
        }
        conf.children
            .retain(|c| !matches!(c, Node::Element(e) if e.name == "fencing-topology"));
        conf.children
            .push(Node::Element(cib::xml::parse_element(&topology).unwrap()));
    });
}

#[test]
fn failing_level_falls_through_and_total_failure_blocks_recovery_until_confirmed() {
    let Some(mut lab) = start_or_skip("fencing", LabConfig::classic(bin_dir())) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || served_by(&lab, "node1")),
        "{}",
        lab.logs()
    );
    configure(&lab, &["broken", "good"]);
    let (rc, out) = lab.run_on(1, "stonith_admin -L").expect("stonith_admin");
    assert_eq!(rc, 0, "{out}");
    assert!(
        out.contains(" broken\n")
            && out.contains(" good\n")
            && out.contains("2 fence devices found"),
        "{out}"
    );

    // node1 dies: level 1 (broken) fails, level 2 (good) fences, the service moves.
    lab.kill(0);
    assert!(
        wait_until(Duration::from_secs(40), || served_by(&lab, "node2")),
        "{}",
        lab.logs()
    );
    let (rc, out) = lab
        .run_on(1, "stonith_admin --history node1")
        .expect("history");
    assert_eq!(rc, 0, "{out}");
    assert!(
        out.contains("reboot of node1 successful") && out.contains("(good)"),
        "{out}"
    );

    lab.start(0).expect("node1 returns");
    assert!(
        wait_until(Duration::from_secs(60), || served_by(&lab, "node1")),
        "{}",
        lab.logs()
    );

    // Only the broken device is left for node1: fencing cannot succeed.
    configure(&lab, &["broken"]);
    std::thread::sleep(Duration::from_secs(1));
    lab.kill(0);
    std::thread::sleep(Duration::from_secs(8));
    assert!(
        lab.holders(VIP).is_empty(),
        "started elsewhere without fencing: {:?}",
        lab.holders(VIP)
    );
    let (_, mon) = lab.run_on(1, "crm_mon -1").expect("crm_mon");
    assert!(
        mon.contains("UNCLEAN"),
        "crm_mon must say node1 is unclean:\n{mon}"
    );
    assert!(
        mon.contains("Failed Fencing Actions:\n  * reboot of node1 failed: delegate=node2"),
        "crm_mon must show the failed fencing:\n{mon}"
    );
    let (_, hist) = lab.run_on(1, "stonith_admin -H node1").expect("history");
    assert!(hist.contains("reboot of node1 failed"), "{hist}");

    // The operator checked node1 is off and says so: the cluster recovers.
    let (rc, out) = lab
        .run_on(1, "stonith_admin --confirm node1")
        .expect("confirm");
    assert_eq!(rc, 0, "{out}");
    assert!(
        wait_until(Duration::from_secs(30), || served_by(&lab, "node2")),
        "{}",
        lab.logs()
    );
}
