//! End to end: a fence password set in the CIB crosses the heartbeat link in clear without
//! `crypto`, and never with `crypto chacha20poly1305` (the control run proves the capture would
//! see it). Frames are captured raw (AF_PACKET) in node2's namespace while the DC replicates the
//! change. Needs root.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use cib::xml::{Element, Node};
use crmd::lab::{start_or_skip, wait_until, Lab, LabConfig};

const PASSWORD: &str = "Fence-Pa55word-in-the-CIB";

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(std::path::Path::new(env!("CARGO_BIN_EXE_crmd")))
        .expect("daemons build")
}

/// Every frame seen in namespace `ns` until `stop` is set.
fn capture(ns: &str, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<Vec<Vec<u8>>> {
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || {
        use nix::sys::socket::{socket, AddressFamily, SockFlag, SockProtocol, SockType};
        let netns = std::fs::File::open(path).expect("netns");
        nix::sched::setns(netns, nix::sched::CloneFlags::CLONE_NEWNET).expect("setns");
        let fd = socket(
            AddressFamily::Packet,
            SockType::Raw,
            SockFlag::SOCK_NONBLOCK,
            SockProtocol::EthAll,
        )
        .expect("AF_PACKET socket");
        let mut frames = Vec::new();
        let mut buf = vec![0u8; 70_000];
        while !stop.load(Ordering::SeqCst) {
            match nix::unistd::read(&fd, &mut buf) {
                Ok(n) => frames.push(buf[..n].to_vec()),
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
        frames
    })
}

/// Adds a fencing device whose password is [`PASSWORD`] (fencing stays off: only the CIB matters).
fn add_secret_device(lab: &Lab) {
    lab.edit_cib(0, |cib| {
        let resources = cib
            .child_or_insert("configuration")
            .child_or_insert("resources");
        resources.children.push(Node::Element(
            Element::new("primitive")
                .with_attr("id", "fence-secret")
                .with_attr("class", "stonith")
                .with_attr("type", "fence_lab")
                .with_child(
                    Element::new("instance_attributes")
                        .with_attr("id", "fence-secret-ia")
                        .with_child(
                            Element::new("nvpair")
                                .with_attr("id", "fence-secret-passwd")
                                .with_attr("name", "passwd")
                                .with_attr("value", PASSWORD),
                        ),
                ),
        ));
    })
    .expect("edit the CIB");
}

/// Runs the lab with or without crypto; whether the password was seen on node2's wire.
fn password_on_the_wire(crypto: bool) -> Option<bool> {
    let config = LabConfig {
        crypto,
        ..LabConfig::classic(bin_dir())
    };
    let mut lab = start_or_skip("encrypted_cib", config)?;
    let both = |lab: &Lab| lab.cib(0).is_some() && lab.cib(1).is_some();
    assert!(
        wait_until(Duration::from_secs(60), || both(&lab)),
        "{}",
        lab.logs()
    );
    let stop = Arc::new(AtomicBool::new(false));
    let cap = capture(&lab.nodes[1].ns, stop.clone());
    std::thread::sleep(Duration::from_millis(300));
    add_secret_device(&lab);
    let replicated = |lab: &Lab| lab.cib(1).is_some_and(|c| c.to_xml().contains(PASSWORD));
    assert!(
        wait_until(Duration::from_secs(30), || replicated(&lab)),
        "the change never reached node2:\n{}",
        lab.logs()
    );
    std::thread::sleep(Duration::from_millis(500));
    stop.store(true, Ordering::SeqCst);
    let frames = cap.join().expect("capture");
    assert!(frames.len() > 10, "captured only {} frames", frames.len());
    if crypto {
        assert!(lab.logs().contains("links to our nodes are encrypted"));
    }
    lab.kill(0);
    lab.kill(1);
    let needle = PASSWORD.as_bytes();
    Some(
        frames
            .iter()
            .any(|f| f.windows(needle.len()).any(|w| w == needle)),
    )
}

#[test]
fn a_fence_password_in_the_cib_crosses_encrypted_links_unseen() {
    let Some(clear) = password_on_the_wire(false) else {
        return;
    };
    assert!(
        clear,
        "control: without crypto the password must be on the wire"
    );
    let sealed = password_on_the_wire(true).expect("root");
    assert!(
        !sealed,
        "with crypto the password was captured on the heartbeat link"
    );
}
