//! End to end: a local user of one node cannot speak for its crmd. `t=crmd` messages sent through
//! heartbeat's `api.sock` by a member of `haclient` (or by root signed on under another client
//! name) reach the other nodes, which drop and log them: a forged CIB write changes nothing and a
//! forged `exec` of `lsb:/tmp/...` runs nothing. Needs root.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crmd::lab::{haclient_gid, start_or_skip, wait_until, Lab, LabConfig, CLASSIC_VIP};
use messaging::wire::Message;

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(Path::new(env!("CARGO_BIN_EXE_crmd"))).expect("daemons build")
}

fn frame(m: &Message) -> Vec<u8> {
    ipc::frame::encode(m.encode().as_bytes()).expect("frame within the limit")
}

/// Signs on to `sock` as `client` (as user nobody with group haclient when `gid` is given,
/// else as root), sends `msgs` and returns what the daemon answered.
fn send_as(sock: &Path, gid: Option<u32>, client: &str, msgs: &[Message]) -> String {
    let mut signon = Message::new();
    signon.set("hbapi", "signon").set("cn", client);
    let mut bytes = frame(&signon);
    for m in msgs {
        let mut m = m.clone();
        m.set("hbapi", "send");
        bytes.extend(frame(&m));
    }
    let mut cmd = match gid {
        Some(gid) => {
            let mut c = Command::new("setpriv");
            c.args([
                "--reuid=65534",
                &format!("--regid={gid}"),
                "--clear-groups",
                "socat",
            ]);
            c
        }
        None => Command::new("socat"),
    };
    let mut child = cmd
        .args(["-t", "2", "-"])
        .arg(format!("UNIX-CONNECT:{}", sock.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("socat");
    // socat may already have closed a refused connection: judged by the output, not here.
    let _ = child.stdin.take().unwrap().write_all(&bytes);
    let out = child.wait_with_output().expect("socat output");
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

/// Lets user nobody reach the lab's sockets (the lab directory is root's, mode 0700).
fn open_lab_dirs(lab: &Lab) {
    let mut dirs = vec![lab.nodes[0].dir.parent().unwrap().to_path_buf()];
    for n in &lab.nodes {
        dirs.push(n.dir.clone());
        dirs.push(n.dir.join("run"));
    }
    for d in dirs {
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// An lsb "agent" outside /etc/init.d that leaves `marker` behind when run.
fn hostile_script(marker: &Path) -> PathBuf {
    let script = PathBuf::from(format!("/tmp/hb-forged-{}.sh", std::process::id()));
    std::fs::write(
        &script,
        format!("#!/bin/sh\nid -u > {}\nexit 0\n", marker.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// The forged messages: a CIB write as if forwarded by a member's crmd, and an `exec` of the
/// hostile script on every other node, as if sent by the DC.
fn forgeries(lab: &Lab, script: &Path) -> Vec<Message> {
    let old = lab.cib(0).expect("cib");
    let mut new = old.clone();
    let set = cib::xml::Element::new("cluster_property_set")
        .with_attr("id", "forged")
        .with_child(
            cib::xml::Element::new("nvpair")
                .with_attr("id", "forged-nv")
                .with_attr("name", "forged")
                .with_attr("value", "yes"),
        );
    new.child_or_insert("configuration")
        .child_or_insert("crm_config")
        .children
        .push(cib::xml::Node::Element(set));
    let patch = cib::patch::diff(&old, &new).to_xml_compact();
    let body = serde_json::to_string(&crmd::proto::RequestBody::Patch { patch }).unwrap();
    let mut request = crmd::peer::PeerMsg::Request {
        rid: 1,
        body,
        client: "cibadmin".into(),
        user: "root".into(),
    }
    .encode();
    // What a forger would claim; heartbeat must overwrite it.
    request.set("from_id", "crmd").set("from_class", "daemon");
    let mut out = vec![request];
    for n in &lab.nodes {
        let action = format!(
            "<transition_graph><synapse id=\"0\"><action_set>\
             <rsc_op id=\"1\" operation=\"start\" operation_key=\"forged_start_0\" on_node=\"{0}\" on_node_uuid=\"{0}\">\
             <primitive id=\"forged\" class=\"lsb\" type=\"{1}\"/>\
             <attributes CRM_meta_timeout=\"20000\"/></rsc_op></action_set><inputs/></synapse>\
             </transition_graph>",
            n.name,
            script.display()
        );
        let mut exec = crmd::peer::PeerMsg::Exec { tid: 900, action }.encode();
        exec.set("dest", n.name.as_str()).set("from_id", "crmd");
        out.push(exec);
    }
    out
}

fn forged_property(lab: &Lab) -> bool {
    (0..lab.nodes.len()).any(|i| {
        lab.cib(i)
            .is_some_and(|c| c.to_xml_compact().contains("forged-nv"))
    })
}

#[test]
fn forged_crmd_messages_change_nothing_and_are_logged() {
    let Some(lab) = start_or_skip("forged_messages", LabConfig::classic(bin_dir())) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(60), || lab.serves(CLASSIC_VIP, "node1")),
        "{}",
        lab.logs()
    );
    open_lab_dirs(&lab);
    let gid = haclient_gid();
    let marker = PathBuf::from(format!("/tmp/hb-forged-{}.marker", std::process::id()));
    let _ = std::fs::remove_file(&marker);
    let script = hostile_script(&marker);
    let msgs = forgeries(&lab, &script);

    // A haclient member may not take the crmd's name.
    let answer = send_as(&lab.nodes[1].hb_socket(), Some(gid), "crmd", &[]);
    assert!(answer.contains("hbapi=signon-fail"), "{answer:?}");

    // From every node: a haclient member under its own name, and root under another name.
    for (i, n) in lab.nodes.iter().enumerate() {
        let answer = send_as(&n.hb_socket(), Some(gid), "mytool", &msgs);
        assert!(answer.contains("hbapi=signon-ok"), "node {i}: {answer:?}");
        let answer = send_as(&n.hb_socket(), None, "cl_status", &msgs);
        assert!(answer.contains("hbapi=signon-ok"), "node {i}: {answer:?}");
    }

    // Root's messages reach the other crmds, which say they dropped them (with the node,
    // client and op). The haclient member's are refused by heartbeat itself (its access to
    // api.sock is read-only) or, were they sent, dropped by the crmds the same way.
    assert!(
        wait_until(Duration::from_secs(10), || {
            let logs = lab.logs();
            let dropped = |c: &str| {
                logs.contains(&format!("client [{c}]"))
                    && logs.contains("dropping crmd message op=request")
                    && logs.contains("dropping crmd message op=exec")
            };
            dropped("cl_status") && (dropped("mytool") || logs.contains("refused hbapi=send"))
        }),
        "the drops must be logged:\n{}",
        lab.logs()
    );
    // Enough time for a forged write or exec to have happened, had it been accepted.
    std::thread::sleep(Duration::from_secs(3));
    assert!(!forged_property(&lab), "a forged CIB write was applied");
    assert!(
        !marker.exists(),
        "the forged exec ran {} as uid {}",
        script.display(),
        std::fs::read_to_string(&marker).unwrap_or_default()
    );
    assert!(lab.serves(CLASSIC_VIP, "node1"), "{}", lab.logs());
    let _ = std::fs::remove_file(&script);
    let _ = std::fs::remove_file(&marker);
}
