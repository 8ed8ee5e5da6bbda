use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::harness::{skip_unless_root, Node, AUTHKEYS};

/// Signs on as `client` while running as user nobody with supplementary groups `groups`
/// (`--clear-groups` or `--groups=haclient`); returns the daemon's answer frame text.
fn signon_as_nobody(node: &Node, client: &str, groups: &str) -> String {
    let body = format!(">>>\nhbapi=signon\ncn={client}\n<<<\n");
    let len = body.len() as u32;
    let frame: String = len
        .to_be_bytes()
        .iter()
        .map(|b| format!("\\{:03o}", b))
        .collect();
    let script = format!(
        "printf '{frame}{}' | setpriv --reuid=nobody --regid=nogroup {groups} socat -t 2 - UNIX-CONNECT:{}",
        body.replace('\n', "\\n"),
        node.socket().display()
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(script)
        .output()
        .expect("socat");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn apiauth_decides_who_may_sign_on_as_what() {
    if skip_unless_root("apiauth") {
        return;
    }
    let hacf = "udpport 16962\nbcast lo\nkeepalive 200ms\ndeadtime 2\ninitdead 2\nnode authnode\n\
                apiauth mytool uid=nobody\napiauth ccm uid=hacluster\n";
    let mut node = Node::prepare("authnode", None, hacf, AUTHKEYS);
    std::fs::set_permissions(node.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    node.start();
    std::fs::set_permissions(node.rundir(), std::fs::Permissions::from_mode(0o755)).unwrap();

    // Not in haclient: refused at connect, whatever apiauth says.
    let refused = signon_as_nobody(&node, "mytool", "--clear-groups");
    assert_eq!(refused, "", "a peer outside the policy gets no answer");
    let member = "--groups=haclient";
    let allowed = signon_as_nobody(&node, "mytool", member);
    assert!(
        allowed.contains("hbapi=signon-ok") && allowed.contains("node=authnode"),
        "{allowed:?}\n{}",
        node.log()
    );
    let refused = signon_as_nobody(&node, "ccm", member);
    assert!(refused.contains("hbapi=signon-fail"), "{refused:?}");
    // Names without their own line fall back to `anon` (gid haclient): a supplementary haclient
    // membership counts, as in Pacemaker.
    let allowed = signon_as_nobody(&node, "whatever", member);
    assert!(allowed.contains("hbapi=signon-ok"), "{allowed:?}");
    // The daemons' names are reserved for root/hacluster even without an apiauth line.
    for daemon in ["crmd", "cib", "attrd", "stonithd", "lrmd"] {
        let refused = signon_as_nobody(&node, daemon, member);
        assert!(
            refused.contains("hbapi=signon-fail"),
            "{daemon}: {refused:?}"
        );
    }
    // Root may sign on as anything.
    let c = node.client("ccm");
    assert_eq!(c.local_node(), "authnode");
}
