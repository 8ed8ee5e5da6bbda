//! crmsh drives a live heartbeat-rs cluster, unchanged: Debian's crmsh 4.4.1 (its .deb
//! extracted, never installed, so it does not pull Pacemaker in) runs with our tools first in
//! PATH and without /usr/sbin, so no Pacemaker tool can answer in our place. Every step checks
//! the CIB it should have changed. Needs root (namespace lab), `apt-get download crmsh` (or
//! `CRMSH_ROOT` naming an extracted package) and crmsh's Python modules (python3-lxml,
//! python3-yaml, python3-dateutil, python3-parallax); skips loudly without them.
//!
//! The test prints a table of every crmsh command with its exit status.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cib::xml::Element;
use crmd::lab::{start_or_skip, wait_until, Lab, LabConfig};

fn bin_dir() -> PathBuf {
    crmd::lab::prepare_bins(Path::new(env!("CARGO_BIN_EXE_crmd"))).expect("daemons build")
}

/// The extracted crmsh package: `$CRMSH_ROOT`, or `apt-get download crmsh` unpacked under the
/// test's scratch directory.
fn crmsh_root() -> Result<PathBuf, String> {
    if let Some(r) = std::env::var_os("CRMSH_ROOT") {
        return Ok(PathBuf::from(r));
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("crmsh");
    let root = dir.join("root");
    if root.join("usr/sbin/crm").exists() {
        return Ok(root);
    }
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let ok = Command::new("apt-get")
        .args(["download", "crmsh"])
        .current_dir(&dir)
        .status()
        .is_ok_and(|s| s.success());
    let deb = std::fs::read_dir(&dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "deb"));
    let (true, Some(deb)) = (ok, deb) else {
        return Err("apt-get download crmsh failed".into());
    };
    let ok = Command::new("dpkg-deb")
        .arg("-x")
        .arg(&deb)
        .arg(&root)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        return Err(format!("dpkg-deb -x {} failed", deb.display()));
    }
    Ok(root)
}

fn python_modules_present() -> bool {
    Command::new("/usr/bin/python3")
        .args(["-c", "import lxml, yaml, dateutil, parallax"])
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs crmsh on lab nodes with our tools only.
struct Crm<'a> {
    lab: &'a Lab,
    root: PathBuf,
    home: PathBuf,
    bin: PathBuf,
    report: Vec<(String, i32, bool)>,
    /// `EDITOR` for `crm configure edit`.
    editor: Option<PathBuf>,
}

impl Crm<'_> {
    fn run(&mut self, node: usize, args: &str) -> (i32, String) {
        let editor = self
            .editor
            .as_ref()
            .map(|e| format!("EDITOR={} ", e.display()))
            .unwrap_or_default();
        let crm = format!(
            "{editor}HOME={home} PYTHONPATH={root}/usr/lib/python3/dist-packages \
             PATH={bin}:/usr/bin:/bin /usr/bin/python3 {root}/usr/sbin/crm {args}",
            home = self.home.display(),
            root = self.root.display(),
            bin = self.bin.display(),
        );
        // crmsh edits only on a terminal: give `configure edit` one (util-linux script).
        let crm = if editor.is_empty() {
            crm
        } else {
            format!("script -qec '{crm}' /dev/null")
        };
        let cmd = format!("mkdir -p /var/log/crmsh; {crm} 2>&1");
        self.lab.run_on(node, &cmd).expect("run crm")
    }

    /// Runs `crm ARGS` and records whether `check` holds afterwards (waiting up to 30 s for
    /// the CIB to show it).
    fn step(&mut self, args: &str, check: impl Fn(&Element, &str) -> bool) -> String {
        let (rc, out) = self.run(0, args);
        let ok = rc == 0
            && wait_until(Duration::from_secs(30), || {
                self.lab.cib(0).is_some_and(|c| check(&c, &out))
            });
        if !ok {
            eprintln!("crm {args} -> {rc}\n{out}");
        }
        self.report.push((format!("crm {args}"), rc, ok));
        out
    }
}

/// `/etc/netns/NS/hosts` naming every lab node, which `ip netns exec` shows as /etc/hosts:
/// crmsh pings the nodes by name (`crm node standby` checks they are reachable). Removed on drop.
struct NetnsHosts(Vec<PathBuf>);

impl NetnsHosts {
    fn write(lab: &Lab) -> NetnsHosts {
        let mut hosts = String::from("127.0.0.1 localhost\n");
        for (i, n) in lab.nodes.iter().enumerate() {
            hosts.push_str(&format!("10.1.0.{} {}\n", i + 1, n.name));
        }
        let dirs = lab
            .nodes
            .iter()
            .map(|n| {
                let dir = PathBuf::from("/etc/netns").join(&n.ns);
                std::fs::create_dir_all(&dir).expect("netns dir");
                std::fs::write(dir.join("hosts"), &hosts).expect("hosts");
                dir
            })
            .collect();
        NetnsHosts(dirs)
    }
}

impl Drop for NetnsHosts {
    fn drop(&mut self) {
        for d in &self.0 {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

fn find<'a>(cib: &'a Element, xpath: &str) -> Vec<&'a Element> {
    cib::xpath::select(cib, xpath).unwrap_or_default()
}

fn running_on(cib: &Element, rsc: &str) -> Vec<String> {
    crmd::lab::running_on(cib, rsc)
}

#[test]
fn crmsh_everyday_commands_on_a_live_cluster() {
    let root = match crmsh_root() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("SKIP crmsh: {e}");
            return;
        }
    };
    if !python_modules_present() {
        eprintln!(
            "SKIP crmsh: python3-lxml, python3-yaml, python3-dateutil or python3-parallax missing"
        );
        return;
    }
    let bin = bin_dir();
    let mut config = LabConfig::classic(bin.clone());
    config.haresources = String::new();
    let Some(lab) = start_or_skip("crmsh", config) else {
        return;
    };
    assert!(
        wait_until(Duration::from_secs(30), || {
            lab.cib(0).is_some_and(|c| {
                c.attr("dc-uuid").is_some() && find(&c, "//node_state[@crmd='online']").len() == 2
            })
        }),
        "no DC with both nodes\n{}",
        lab.logs()
    );
    let _hosts = NetnsHosts::write(&lab);
    // crmsh's own configuration: the Pacemaker daemon names and schemas it probes are ours
    // (pacemaker-controld ... from our bin directory), nothing from a Pacemaker install.
    let home = tempfile::tempdir().expect("home");
    let conf = home.path().join(".config/crm");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(
        conf.join("crm.conf"),
        format!(
            "[core]\nwait = no\n[path]\ncrm_daemon_dir = {}\ncrm_dtd_dir = /usr/share/pacemaker\n",
            bin.display()
        ),
    )
    .unwrap();
    let mut crm = Crm {
        lab: &lab,
        root,
        home: home.path().to_path_buf(),
        bin,
        report: Vec::new(),
        editor: None,
    };

    let live = lab.cib(0).expect("cib");
    assert_eq!(live.attr("crm_feature_set"), Some(cib::FEATURE_SET));
    let node1_id = find(&live, "//nodes/node[@uname='node1']")[0]
        .id()
        .unwrap()
        .to_string();
    assert!(
        node1_id.parse::<u32>().is_ok(),
        "node ids are numbers: {node1_id}"
    );

    crm.step("status", |_, out| {
        out.contains("node1") && out.contains("node2")
    });
    crm.step("status full", |_, out| {
        out.contains("\nInactive Resources:\n")
    });
    crm.step("status xml", |_, out| {
        out.contains("<crm_mon version=\"2.1.5\">") && out.contains("<last_change time=")
    });
    crm.step("configure show", |_, out| {
        out.contains(&format!("node {node1_id}: node1"))
            && out.contains("property cib-bootstrap-options")
    });
    crm.step("configure property stonith-enabled=false", |c, _| {
        !find(
            c,
            "//crm_config//nvpair[@name='stonith-enabled'][@value='false']",
        )
        .is_empty()
    });
    crm.step(
        "configure primitive d1 ocf:heartbeat:Dummy op monitor interval=5s",
        |c, _| {
            !find(c, "//resources/primitive[@id='d1']").is_empty() && running_on(c, "d1").len() == 1
        },
    );
    let script = crm.home.join("script.crm");
    std::fs::write(
        &script,
        "configure\n\
         primitive d2 ocf:heartbeat:Dummy\n\
         primitive d3 ocf:heartbeat:Dummy\n\
         group g1 d2 d3\n\
         location l-g1 g1 100: node2\n\
         colocation c-d1-g1 inf: d1 g1\n\
         order o-g1-d1 Mandatory: g1 d1\n\
         commit\n\
         end\n",
    )
    .unwrap();
    let script_arg = format!("-f {}", script.display());
    crm.step(&script_arg, |c, _| {
        !find(c, "//group[@id='g1']/primitive[@id='d3']").is_empty()
            && !find(c, "//rsc_location[@id='l-g1']").is_empty()
            && !find(c, "//rsc_colocation[@id='c-d1-g1']").is_empty()
            && !find(c, "//rsc_order[@id='o-g1-d1']").is_empty()
            && running_on(c, "d1") == ["node2"]
    });
    crm.step("resource stop d1", |c, _| {
        !find(
            c,
            "//primitive[@id='d1']/meta_attributes/nvpair[@name='target-role'][@value='Stopped']",
        )
        .is_empty()
            && running_on(c, "d1").is_empty()
    });
    crm.step("resource start d1", |c, _| {
        find(
            c,
            "//primitive[@id='d1']/meta_attributes/nvpair[@name='target-role'][@value='Stopped']",
        )
        .is_empty()
            && running_on(c, "d1") == ["node2"]
    });
    crm.step("resource move g1 node1", |c, _| {
        !find(c, "//rsc_location[@rsc='g1'][@node='node1']").is_empty()
            && running_on(c, "d2") == ["node1"]
    });
    crm.step("resource clear g1", |c, _| {
        find(c, "//rsc_location[starts-with(@id,'cli-')]").is_empty()
            && running_on(c, "d2") == ["node2"]
    });
    crm.step("resource ban g1 node2", |c, _| {
        !find(c, "//rsc_location[@id='cli-ban-g1-on-node2']").is_empty()
            && running_on(c, "d2") == ["node1"]
    });
    crm.step("resource clear g1", |c, _| {
        find(c, "//rsc_location[starts-with(@id,'cli-')]").is_empty()
    });
    crm.step("resource cleanup d1", |c, _| running_on(c, "d1").len() == 1);
    crm.step("node standby node2", |c, _| {
        !find(
            c,
            "//nodes/node[@uname='node2']//nvpair[@name='standby'][@value='on']",
        )
        .is_empty()
            && running_on(c, "d2") == ["node1"]
    });
    crm.step("node online node2", |c, _| {
        find(
            c,
            "//nodes/node[@uname='node2']//nvpair[@name='standby'][@value='on']",
        )
        .is_empty()
    });
    crm.step(
        "configure property cluster-recheck-interval=10min",
        |c, _| {
            !find(
                c,
                "//crm_config//nvpair[@name='cluster-recheck-interval'][@value='10min']",
            )
            .is_empty()
        },
    );
    crm.step("configure verify", |_, _| true);
    crm.step("resource failcount d1 show node1", |_, out| {
        out.contains("value=")
    });
    crm.step("configure show xml", |_, out| {
        out.contains("<primitive") && out.contains("id=\"d1\"")
    });
    crm.step("resource param d1 set fake 42", |c, _| {
        !find(
            c,
            "//primitive[@id='d1']/instance_attributes/nvpair[@name='fake'][@value='42']",
        )
        .is_empty()
    });
    crm.step("resource param d1 show fake", |_, out| {
        out.trim_end().ends_with("42")
    });
    crm.step("node attribute node1 set rack r1", |c, _| {
        !find(
            c,
            "//nodes/node[@uname='node1']/instance_attributes/nvpair[@name='rack'][@value='r1']",
        )
        .is_empty()
    });
    crm.step("node attribute node1 show rack", |_, out| {
        out.contains("value=r1")
    });
    crm.step(
        "configure primitive d9 ocf:heartbeat:Dummy meta target-role=Stopped",
        |c, _| !find(c, "//primitive[@id='d9']").is_empty(),
    );
    crm.step("configure delete d9", |c, _| {
        find(c, "//primitive[@id='d9']").is_empty()
    });
    // `crm configure edit` through an EDITOR that rewrites the text crmsh shows.
    let editor = crm.home.join("edit.sh");
    std::fs::write(
        &editor,
        "#!/bin/sh\nsed -i 's/cluster-recheck-interval=10min/cluster-recheck-interval=11min/' \"$1\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    crm.editor = Some(editor);
    crm.step("configure edit", |c, _| {
        !find(
            c,
            "//crm_config//nvpair[@name='cluster-recheck-interval'][@value='11min']",
        )
        .is_empty()
    });
    crm.editor = None;
    // Both run crm_simulate: on the live CIB (-sUL), and on crmsh's copy through stdin.
    crm.step("resource scores", |_, out| {
        out.contains("pcmk__primitive_assign: d1 allocation score on node1:")
            && out.contains("Original: node1 capacity:")
    });
    crm.step("configure ptest nograph scores utilization", |_, out| {
        out.contains("allocation score on node1:") && out.contains("Remaining: node1 capacity:")
    });

    // crm_simulate on the live cluster (through the CIB service), as Pacemaker's layout.
    let (rc, out) = lab
        .run_on(
            0,
            &format!(
                "PATH={}:/usr/bin:/bin crm_simulate -sUL 2>&1",
                crm.bin.display()
            ),
        )
        .expect("crm_simulate");
    let ok = rc == 0
        && out.contains("Original: node1 capacity:")
        && out.contains("pcmk__primitive_assign: d1 allocation score on node1:")
        && !out.contains("Current cluster status:");
    if !ok {
        eprintln!("crm_simulate -sUL -> {rc}\n{out}");
    }
    crm.report.push(("crm_simulate -sUL (live)".into(), rc, ok));

    // A v1 patch (what crm_diff writes for a CIB without crm_feature_set, as crmsh sent to
    // clusters that did not announce one) goes into the live cluster through cibadmin -P. Like
    // crmsh, drop its digest: a v1 result can not match it (v1 never removes attributes), and
    // Pacemaker refuses a mismatch as we do.
    let v1 = format!(
        "cibadmin -Q | sed 's/ crm_feature_set=\"[^\"]*\"//' > {d}/old.xml && \
         sed 's#</crm_config>#<cluster_property_set id=\"v1-set\"><nvpair id=\"v1-nv\" name=\"v1-patched\" value=\"yes\"/></cluster_property_set></crm_config>#' {d}/old.xml > {d}/new.xml && \
         crm_diff --no-version -o {d}/old.xml -n {d}/new.xml > {d}/v1.xml; grep -q 'format=\"1\"' {d}/v1.xml && \
         sed 's/ digest=\"[^\"]*\"//' {d}/v1.xml | cibadmin -p -P",
        d = crm.home.display()
    );
    let (rc, out) = lab.run_on(0, &v1).expect("v1 patch");
    let ok = rc == 0
        && wait_until(Duration::from_secs(10), || {
            lab.cib(0)
                .is_some_and(|c| !find(&c, "//nvpair[@id='v1-nv'][@value='yes']").is_empty())
        });
    if !ok {
        eprintln!("v1 patch -> {rc}\n{out}");
    }
    crm.report
        .push(("crm_diff (v1) | cibadmin -p -P, live".into(), rc, ok));

    println!("\n{:<72} {:>4}  result", "crmsh command", "exit");
    for (cmd, rc, ok) in &crm.report {
        println!("{cmd:<72} {rc:>4}  {}", if *ok { "ok" } else { "FAILED" });
    }
    let failed: Vec<&String> = crm.report.iter().filter(|r| !r.2).map(|r| &r.0).collect();
    assert!(
        failed.is_empty(),
        "crmsh commands failed: {failed:?}\n{}",
        lab.logs()
    );
}
