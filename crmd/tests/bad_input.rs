//! End to end: bad input never hurts the running cluster. A configuration change that breaks
//! the CIB is refused with a reason and the cluster keeps the old one; garbage written to every
//! local socket is rejected while the service keeps running. Needs root.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::time::Duration;

use crmd::lab::{start_or_skip, wait_until, Lab, LabConfig};

const VIP: &str = "10.1.0.100";

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(std::path::Path::new(env!("CARGO_BIN_EXE_crmd")))
        .expect("daemons build")
}

fn epoch(lab: &Lab) -> String {
    let mut c = crmd::proto::CibClient::connect(&lab.nodes[1].cib_socket()).expect("connect");
    let cib = cib::xml::parse_element(&c.query().expect("query")).expect("parse");
    cib.attr("epoch").unwrap_or("").to_string()
}

fn serving(lab: &Lab) -> bool {
    lab.serves(VIP, "node1")
}

#[test]
fn broken_configuration_is_refused_and_garbage_is_rejected() {
    let Some(lab) = start_or_skip("bad_input", LabConfig::classic(bin_dir())) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || serving(&lab)),
        "{}",
        lab.logs()
    );
    let before = epoch(&lab);

    // A subscriber on node2 hears of a change made through node1.
    let mut watcher = crmd::proto::CibClient::connect(&lab.nodes[1].cib_socket()).expect("connect");
    watcher
        .call(crmd::proto::RequestBody::Subscribe)
        .expect("subscribe");
    let (rc, out) = lab
        .run_on(
            0,
            "crm_attribute -t crm_config -n cluster-recheck-interval -v 5min",
        )
        .expect("crm_attribute");
    assert_eq!(rc, 0, "{out}");
    assert!(
        watcher.wait_change(Duration::from_secs(10)).expect("event"),
        "no cib_changed event"
    );
    let before = {
        // Let the change settle, then take the version a refused update must keep.
        std::thread::sleep(Duration::from_millis(500));
        assert_ne!(
            epoch(&lab),
            before,
            "a configuration change bumps the epoch"
        );
        epoch(&lab)
    };

    // A primitive without an agent type: refused by the DC, from either node.
    for node in [0, 1] {
        let (rc, out) = lab
            .run_on(
                node,
                r#"cibadmin --create -o resources -X '<primitive id="broken" class="ocf" provider="heartbeat"/>'"#,
            )
            .expect("cibadmin");
        assert_eq!(rc, 78, "cibadmin must fail with CRM_EX_CONFIG: {out}");
        assert!(
            out.contains("Update does not conform to the configured schema")
                && out.contains("primitive"),
            "the refusal must say why: {out}"
        );
    }
    assert_eq!(
        epoch(&lab),
        before,
        "a refused update must not change the CIB"
    );
    let (rc, out) = lab.run_on(1, "cibadmin -Q -o resources").expect("cibadmin");
    assert_eq!(rc, 0);
    assert!(!out.contains("broken"), "{out}");

    // Garbage on every local socket of node1: heartbeat's API, ccm, lrmd and the CIB.
    let node = &lab.nodes[0];
    let run = node.dir.join("run");
    let sockets = ["api.sock", "ccm.sock", "lrmd.sock", "cib.sock"];
    let payloads: [&[u8]; 4] = [
        b"\xff\xff\xff\xff garbage",
        b"\x00\x00\x00\x05{{{{{",
        b">>>\nnot a message\n",
        b"\x00\x00\x10\x00",
    ];
    for sock in sockets {
        for payload in payloads {
            let path = run.join(sock);
            let mut s = UnixStream::connect(&path)
                .unwrap_or_else(|e| panic!("connect {}: {e}", path.display()));
            let _ = s.write_all(payload);
            drop(s);
        }
    }
    // Everything still answers and the service never moved.
    std::thread::sleep(Duration::from_secs(1));
    for sock in sockets {
        assert!(run.join(sock).exists(), "{sock} is gone\n{}", lab.logs());
    }
    let (rc, out) = lab.run_on(0, "crm_mon -1").expect("crm_mon");
    assert_eq!(rc, 0, "{out}");
    assert!(out.contains("Started node1"), "{out}");
    let (rc, out) = lab.run_on(0, "cl_status hbstatus").expect("cl_status");
    assert_eq!(rc, 0, "{out}");
    assert!(serving(&lab), "the service stopped\n{}", lab.logs());
    assert_eq!(lab.holders(VIP), vec!["node1"]);
}
