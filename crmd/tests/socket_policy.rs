//! Every local socket of a real cluster node, started under umask 000, against hostile local
//! users (root only): each socket is 0660 root:haclient; a user outside the policy cannot
//! connect, and even with the file opened up each daemon refuses it (and logs uid and pid);
//! a haclient member gets exactly what the policy says (CIB read-write, ccm and stonithd
//! read-only, lrmd nothing).

use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crmd::lab::{start_or_skip, wait_until, Lab, LabConfig};

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(Path::new(env!("CARGO_BIN_EXE_crmd"))).expect("daemons build")
}

fn frame(payload: &str) -> Vec<u8> {
    let mut f = (payload.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(payload.as_bytes());
    f
}

/// Sends `payload` as one frame as user nobody with `groups`; returns what came back.
fn as_nobody(sock: &Path, groups: &str, payload: &str) -> String {
    let mut child = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            groups,
            "socat",
            "-t",
            "3",
            "-",
        ])
        .arg(format!("UNIX-CONNECT:{}", sock.display()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("setpriv socat");
    // socat may already have given up (a refused connection closes at once): a broken pipe
    // here is an outcome, judged by what came back, not a test failure.
    let _ = child.stdin.take().unwrap().write_all(&frame(payload));
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const STRANGER: &str = "--clear-groups";
const MEMBER: &str = "--groups=haclient";

/// One request per socket that only reads, and the socket's file name.
const QUERIES: [(&str, &str); 5] = [
    ("api.sock", ">>>\nhbapi=signon\ncn=probe\n<<<\n"),
    ("ccm.sock", ">>>\nccmapi=query\n<<<\n"),
    ("cib.sock", r#"{"id":1,"op":"query"}"#),
    ("lrmd.sock", r#"{"id":1,"request":"list"}"#),
    ("stonithd.sock", r#"{"op":"list_registered"}"#),
];

fn open_path(dir: &Path) {
    let mut d = Some(dir);
    while let Some(p) = d {
        if p == std::env::temp_dir() || p.parent().is_none() {
            break;
        }
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
        d = p.parent();
    }
}

#[test]
fn every_socket_enforces_the_policy_even_under_umask_000() {
    let old = nix::sys::stat::umask(nix::sys::stat::Mode::empty());
    let lab: Option<Lab> = start_or_skip("socket_policy", LabConfig::classic(bin_dir()));
    nix::sys::stat::umask(old);
    let Some(lab) = lab else {
        return;
    };
    let node = &lab.nodes[0];
    let run = node.dir.join("run");
    let all_up = wait_until(Duration::from_secs(60), || {
        QUERIES.iter().all(|(s, _)| run.join(s).exists())
            && crmd::proto::CibClient::connect(&node.cib_socket())
                .and_then(|mut c| c.query())
                .is_ok()
    });
    assert!(
        all_up,
        "node1 never served all five sockets\n{}",
        lab.logs()
    );
    open_path(&run);

    println!("| socket | mode | group | stranger | haclient member |");
    println!("|---|---|---|---|---|");
    for (sock, query) in QUERIES {
        let path = run.join(sock);
        let meta = std::fs::metadata(&path).unwrap();
        let stranger = as_nobody(&path, STRANGER, query);
        let member = as_nobody(&path, MEMBER, query);
        println!(
            "| {sock} | {:o} | {} | {} | {} |",
            meta.mode() & 0o777,
            meta.gid(),
            if stranger.is_empty() {
                "refused"
            } else {
                "ANSWERED"
            },
            if member.is_empty() {
                "refused"
            } else {
                "answered"
            },
        );
        assert_eq!(meta.mode() & 0o777, 0o660, "{sock} under umask 000");
        assert!(
            stranger.is_empty(),
            "{sock} answered a stranger: {stranger:?}"
        );
        if sock == "lrmd.sock" {
            assert!(
                member.is_empty(),
                "lrmd admits root and hacluster only: {member:?}"
            );
        } else {
            assert!(
                !member.is_empty(),
                "{sock} refused a haclient member's query"
            );
        }
    }

    // Defence in depth: with the files opened to everyone, each daemon still refuses.
    for (sock, query) in QUERIES {
        let path = run.join(sock);
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        let stranger = as_nobody(&path, STRANGER, query);
        assert!(
            stranger.is_empty(),
            "{sock} answered a stranger: {stranger:?}"
        );
    }
    for (sock, _) in QUERIES {
        let line = format!("{sock}: refused client uid 65534");
        assert!(
            wait_until(Duration::from_secs(5), || node.log().contains(&line)),
            "no log line {line:?}\n{}",
            node.log()
        );
    }

    // What a haclient member may do beyond queries.
    let cib = run.join("cib.sock");
    let cleanup = as_nobody(
        &cib,
        MEMBER,
        r#"{"id":2,"op":"cleanup","rsc":"","node":""}"#,
    );
    assert!(
        cleanup.contains(r#""rc":0"#),
        "haclient may write the CIB: {cleanup:?}"
    );
    let stonithd = run.join("stonithd.sock");
    let fence = as_nobody(
        &stonithd,
        MEMBER,
        r#"{"op":"fence","target":"node2","action":"reboot"}"#,
    );
    assert!(
        fence.contains(r#""rc":4"#) && fence.contains("permission denied"),
        "haclient may not fence: {fence:?}"
    );
    let register = as_nobody(
        &stonithd,
        MEMBER,
        r#"{"op":"register","xml":"<primitive id=\"x\" class=\"stonith\" type=\"/tmp/x.sh\"/>"}"#,
    );
    assert!(
        register.contains(r#""rc":4"#),
        "haclient may not register: {register:?}"
    );
    assert!(
        node.log().contains("stonithd.sock: refused Fence"),
        "the refused fence is logged\n{}",
        node.log()
    );
}
