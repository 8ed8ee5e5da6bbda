//! Lab nodes that run an installed package instead of the build tree.
//!
//! Each node gets a private mount namespace laid out as a real host after
//! `dpkg -i heartbeat-rs.deb`: the package's `/usr` and `/etc` over the host's (overlays, so the
//! host is untouched), Debian's own OCF providers hidden (the package must work alone), the
//! package's post-install step run for real (accounts, directories, owners), and the node's
//! private directories bound where the package expects them: `conf` at `/etc/ha.d`, `state` at
//! `/var/lib/heartbeat`, `run` at `/run/heartbeat`. Then `heartbeat` starts exactly as the
//! systemd unit says, with a clean environment.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::LabNode;

/// Where the package installs the agents' multi-call binary.
pub(super) const INSTALLED_AGENTS: &str = "/usr/lib/ocf/lib/heartbeat-rs/ocf-agents";

/// The OCF providers of other packages, hidden so only the package's own agents are used.
const FOREIGN_PROVIDERS: [&str; 2] = ["heartbeat", "pacemaker"];

/// The unit's `ExecStart=` command line.
fn exec_start(pkg: &Path) -> Result<String> {
    let unit = pkg.join("lib/systemd/system/heartbeat.service");
    let text =
        std::fs::read_to_string(&unit).with_context(|| format!("reading {}", unit.display()))?;
    text.lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .map(str::to_string)
        .with_context(|| format!("{} has no ExecStart", unit.display()))
}

/// The command that starts `node` from the package at `pkg`.
pub(super) fn start_command(pkg: &Path, node: &LabNode) -> Result<Command> {
    let dir = &node.dir;
    for d in ["etc.upper", "etc.work", "var.upper", "var.work"] {
        std::fs::create_dir_all(dir.join(d))?;
    }
    let hide: String = FOREIGN_PROVIDERS
        .iter()
        .map(|p| {
            format!("[ -d /usr/lib/ocf/resource.d/{p} ] && mount -t tmpfs none /usr/lib/ocf/resource.d/{p}\n")
        })
        .collect();
    let script = format!(
        r#"set -e
hostname {name}
mount --make-rprivate /
mount -t overlay none -o lowerdir={pkg}/usr:/usr /usr
mount -t overlay none -o lowerdir={pkg}/etc:/etc,upperdir={dir}/etc.upper,workdir={dir}/etc.work /etc
mount -t overlay none -o lowerdir=/var,upperdir={dir}/var.upper,workdir={dir}/var.work /var
mount -t tmpfs -o mode=0755 none /run
mkdir -p /run/heartbeat /var/lib/heartbeat
mount --bind {dir}/run /run/heartbeat
mount --bind {dir}/state /var/lib/heartbeat
mount --bind {dir}/conf /etc/ha.d
set +e
{hide}set -e
{pkg}/DEBIAN/postinst configure
exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin {exec}
"#,
        name = node.name,
        pkg = pkg.display(),
        dir = dir.display(),
        exec = exec_start(pkg)?,
    );
    let mut cmd = Command::new("ip");
    cmd.args([
        "netns", "exec", &node.ns, "unshare", "--uts", "--mount", "sh", "-c",
    ])
    .arg(script)
    .env_clear()
    .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    Ok(cmd)
}

/// Runs `cmd` inside the namespaces of the process `pid` (a node's heartbeat), as root or as
/// `user` with that user's groups, with a clean environment.
pub(super) fn run_in(pid: u32, user: Option<&str>, cmd: &str) -> Result<(i32, String)> {
    // setpriv resolves the user inside the node's mount namespace (its /etc/passwd).
    let line = match user {
        Some(u) => format!(
            "setpriv --reuid={u} --regid=$(id -g {u}) --init-groups sh -c {}",
            shell_quote(cmd)
        ),
        None => cmd.to_string(),
    };
    let out = Command::new("nsenter")
        .args([
            "-t",
            &pid.to_string(),
            "-m",
            "-u",
            "-n",
            "--",
            "sh",
            "-c",
            &line,
        ])
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .output()
        .context("running nsenter")?;
    Ok(collect(out))
}

fn collect(out: std::process::Output) -> (i32, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Builds the package from `bin_dir` (a cargo target directory) with `packaging/build-deb.sh`
/// and unpacks it (files and control scripts) into `into`.
pub fn unpack_package(bin_dir: &Path, into: &Path) -> Result<()> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/build-deb.sh");
    let out_dir = into.join("deb");
    let out = Command::new(&script)
        .arg(bin_dir)
        .arg(&out_dir)
        .env("DEB_COMPRESSION", "none")
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed:\n{}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let deb = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let root = into.join("root");
    for (flag, dest) in [("-x", root.clone()), ("-e", root.join("DEBIAN"))] {
        let ok = Command::new("dpkg-deb")
            .arg(flag)
            .arg(&deb)
            .arg(&dest)
            .status()
            .context("running dpkg-deb")?
            .success();
        if !ok {
            bail!("dpkg-deb {flag} {deb} failed");
        }
    }
    Ok(())
}
