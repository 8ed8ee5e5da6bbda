//! Pacemaker's own tooling finds and runs our agents: installed into the real OCF root
//! under a provider name unique to this test run (removed afterwards), then listed,
//! described and validated with `crm_resource`, which runs agents without a cluster.

use std::path::Path;
use std::process::Command;

use crate::support::*;

/// Our agents under /usr/lib/ocf/resource.d/<provider>, uninstalled on drop.
struct SystemInstall {
    provider: String,
}

impl SystemInstall {
    fn new(tag: &str) -> SystemInstall {
        let provider = format!("hbrs-test-{}-{tag}", std::process::id());
        run_ok(BINARY, &["install", "--provider", &provider]);
        SystemInstall { provider }
    }
}

impl Drop for SystemInstall {
    fn drop(&mut self) {
        let _ = Command::new(BINARY)
            .args(["uninstall", "--provider", &self.provider])
            .output();
    }
}

fn crm_resource(args: &[&str]) -> Reply {
    Command::new("crm_resource")
        .args(args)
        .output()
        .expect("run crm_resource")
        .into()
}

#[test]
fn crm_resource_lists_describes_and_validates() {
    if skip_unless_root("pacemaker_interop::crm_resource_lists_describes_and_validates") {
        return;
    }
    if !Path::new("/usr/sbin/crm_resource").exists() {
        skip("pacemaker_interop: crm_resource (pacemaker-cli-utils) missing; NOT TESTED");
        return;
    }
    let sys = SystemInstall::new("crm");
    let p = sys.provider.as_str();

    let listed = crm_resource(&["--list-agents", &format!("ocf:{p}")]);
    assert_eq!(listed.code, 0, "{listed:?}");
    let mut expected: Vec<String> = run_ok(BINARY, &["list"])
        .lines()
        .map(String::from)
        .collect();
    expected.sort_by_key(|n| n.to_lowercase());
    let mut got: Vec<String> = listed.stdout.lines().map(String::from).collect();
    got.sort_by_key(|n| n.to_lowercase());
    assert_eq!(got, expected);

    let meta = crm_resource(&["--show-metadata", &format!("ocf:{p}:IPaddr2")]);
    assert_eq!(meta.code, 0);
    assert!(meta.stdout.contains("<parameter name=\"cidr_netmask\""));

    let validate = |agent: &str, options: &[&str]| {
        let mut args = vec![
            "--validate",
            "--class",
            "ocf",
            "--provider",
            p,
            "--agent",
            agent,
        ];
        for o in options {
            args.extend(["--option", o]);
        }
        crm_resource(&args)
    };
    assert_eq!(validate("Dummy", &[]).code, 0);
    let bad = validate("Dummy", &["state=relative"]);
    assert_eq!(bad.code, 6, "{bad:?}");
    assert!(
        bad.stdout.contains(
            "returned 6 (not configured: state file 'relative' must be an absolute path)"
        ),
        "crm_resource shows our exit reason: {bad:?}"
    );
    let missing = validate(
        "Filesystem",
        &["device=/dev/nonexistent-hbrs-disk", "directory=/mnt/hbrs-x"],
    );
    assert_eq!(missing.code, 5, "{missing:?}");
    assert!(missing
        .stdout
        .contains("not installed: device /dev/nonexistent-hbrs-disk does not exist"));
}

/// A one-primitive CIB file, for `CIB_file=` (crm_resource works on it offline).
fn cib_with(primitive_xml: &str) -> String {
    format!(
        "<cib crm_feature_set=\"3.16.2\" validate-with=\"pacemaker-3.9\" epoch=\"1\" \
         num_updates=\"0\" admin_epoch=\"0\"><configuration><crm_config/><nodes/>\
         <resources>{primitive_xml}</resources><constraints/></configuration><status/></cib>"
    )
}

/// `crm_resource --force-<op> -r <rsc>` against a CIB file, optionally in a namespace.
fn force(cib: &std::path::Path, ns: Option<&NetNs>, op: &str, rsc: &str) -> Reply {
    let mut cmd = match ns {
        Some(ns) => {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", &ns.name, "crm_resource"]);
            c
        }
        None => Command::new("crm_resource"),
    };
    cmd.args([&format!("--force-{op}"), "-r", rsc])
        .env("CIB_file", cib)
        .output()
        .expect("crm_resource")
        .into()
}

#[test]
fn crm_resource_force_start_check_stop() {
    if skip_unless_root("pacemaker_interop::crm_resource_force_start_check_stop") {
        return;
    }
    if !Path::new("/usr/sbin/crm_resource").exists() {
        skip("pacemaker_interop: crm_resource (pacemaker-cli-utils) missing; NOT TESTED");
        return;
    }
    let sys = SystemInstall::new("force");
    let work = tempfile::tempdir().unwrap();
    let state = work.path().join("d1.state");
    let cib = work.path().join("cib.xml");
    let ns = NetNs::new();
    ns.veth("hb0", "hb1");
    let primitives = format!(
        "<primitive id=\"d1\" class=\"ocf\" provider=\"{p}\" type=\"Dummy\">\
         <instance_attributes id=\"d1-ia\"><nvpair id=\"d1-s\" name=\"state\" value=\"{s}\"/>\
         </instance_attributes></primitive>\
         <primitive id=\"vip\" class=\"ocf\" provider=\"{p}\" type=\"IPaddr2\">\
         <instance_attributes id=\"vip-ia\">\
         <nvpair id=\"vip-ip\" name=\"ip\" value=\"10.150.0.5\"/>\
         <nvpair id=\"vip-nic\" name=\"nic\" value=\"hb0\"/>\
         <nvpair id=\"vip-mask\" name=\"cidr_netmask\" value=\"24\"/>\
         </instance_attributes></primitive>",
        p = sys.provider,
        s = state.display()
    );
    std::fs::write(&cib, cib_with(&primitives)).unwrap();

    assert_eq!(force(&cib, None, "check", "d1").code, OCF_NOT_RUNNING);
    let started = force(&cib, None, "start", "d1");
    assert_eq!(started.code, 0, "{started:?}");
    assert!(started.stdout.contains("returned 0 (ok)"));
    assert!(state.exists(), "Pacemaker passed our parameter through");
    assert_eq!(force(&cib, None, "check", "d1").code, 0);
    assert_eq!(force(&cib, None, "stop", "d1").code, 0);
    assert!(!state.exists());

    assert_eq!(force(&cib, Some(&ns), "start", "vip").code, 0);
    assert!(ns.addresses("hb0").contains("inet 10.150.0.5/24"));
    assert_eq!(force(&cib, Some(&ns), "check", "vip").code, 0);
    assert_eq!(force(&cib, Some(&ns), "stop", "vip").code, 0);
    assert!(!ns.addresses("hb0").contains("10.150.0.5"));
    assert_eq!(force(&cib, Some(&ns), "check", "vip").code, OCF_NOT_RUNNING);
}
