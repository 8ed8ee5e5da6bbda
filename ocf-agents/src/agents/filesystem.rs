//! Filesystem: mounts a file system on start and unmounts it on stop, terminating the
//! processes that keep it busy (found by scanning /proc, like `fuser -m`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use nix::sys::signal::Signal;

use crate::agent::unsupported;
use crate::log;
use crate::metadata::{standard_actions, ActionHint, ContentType, Metadata, Parameter};
use crate::ocf::{Action, Failure, OcfEnv, OcfRc, Outcome};
use crate::process::{all_pids, run_ok, run_program, signal, wait_gone, which};

pub fn metadata() -> Metadata {
    let mut actions = standard_actions(60, 60, 20);
    actions.push(ActionHint::new("monitor", 40).every(20).depth(10));
    actions.push(ActionHint::new("monitor", 40).every(20).depth(20));
    Metadata {
        name: "Filesystem",
        version: "1.1",
        shortdesc: "Manages filesystem mounts",
        longdesc: "Mounts a block device, image file, network share or pseudo file system on \
                   a directory. Stop unmounts it and, with force_unmount, first terminates the \
                   processes that use it. Monitor depth 10 reads the directory, depth 20 also \
                   writes a status file into it.",
        parameters: vec![
            Parameter::new(
                "device",
                "block device",
                "The device to mount: a block device, -U uuid / -L label / UUID=... / LABEL=..., \
                 an NFS export (host:/path), an image file (with options=loop) or a pseudo \
                 file system name such as tmpfs.",
            )
            .required(),
            Parameter::new(
                "directory",
                "mount point",
                "The absolute path of the mount point; it is created when missing.",
            )
            .required()
            .unique(),
            Parameter::new(
                "fstype",
                "filesystem type",
                "The file system type (mount -t); empty lets mount detect it.",
            ),
            Parameter::new(
                "options",
                "mount options",
                "Options passed to mount -o, comma separated.",
            ),
            Parameter::new(
                "force_unmount",
                "Kill processes before unmount",
                "Terminate (SIGTERM, then SIGKILL) the processes using the mount when a plain \
                 unmount fails.",
            )
            .of_type(ContentType::Boolean)
            .default("true"),
            Parameter::new(
                "run_fsck",
                "Run fsck before mounting",
                "auto: check local devices and images whose file system has no journal \
                 (ext2, minix, ...); force: always check local devices and images; no: never.",
            )
            .default("auto"),
        ],
        actions,
    }
}

#[derive(Debug)]
struct Config {
    device: String,
    directory: PathBuf,
    fstype: Option<String>,
    options: Option<String>,
    force_unmount: bool,
    run_fsck: Fsck,
}

/// When to check the file system before mounting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fsck {
    Auto,
    Force,
    No,
}

/// File systems that recover on their own (journals) or cannot be checked here.
const NO_FSCK_IN_AUTO: &[&str] = &[
    "ext3",
    "ext4",
    "xfs",
    "btrfs",
    "jfs",
    "reiserfs",
    "reiser4",
    "f2fs",
    "vfat",
    "fat",
    "exfat",
    "ntfs",
    "nfs",
    "nfs4",
    "cifs",
    "smbfs",
    "ocfs2",
    "gfs2",
    "glusterfs",
    "ceph",
    "lustre",
    "tmpfs",
    "ramfs",
    "overlay",
    "zfs",
    "none",
    "bind",
];

fn config(env: &OcfEnv) -> Result<Config, Failure> {
    let device = env.required("device")?.to_string();
    let raw_dir = env.required("directory")?;
    if !raw_dir.starts_with('/') {
        return Err(Failure::configured(format!(
            "directory '{raw_dir}' must be an absolute path"
        )));
    }
    let trimmed = raw_dir.trim_end_matches('/');
    if trimmed.is_empty() {
        return Err(Failure::configured(
            "refusing to manage the root file system",
        ));
    }
    Ok(Config {
        device,
        directory: PathBuf::from(trimmed),
        fstype: env.param("fstype").map(str::to_string),
        options: env.param("options").map(str::to_string),
        force_unmount: env.flag("force_unmount", true)?,
        run_fsck: match env.param_or("run_fsck", "auto") {
            "auto" => Fsck::Auto,
            "force" | "yes" => Fsck::Force,
            "no" => Fsck::No,
            other => {
                return Err(Failure::configured(format!(
                    "run_fsck '{other}' is not auto, force or no"
                )))
            }
        },
    })
}

pub fn run(action: &Action, env: &OcfEnv) -> Outcome {
    let cfg = config(env)?;
    match action {
        Action::Start => start(&cfg),
        Action::Stop => stop(&cfg),
        Action::Monitor => monitor(&cfg, env),
        Action::ValidateAll if !env.checks_host() => Ok(OcfRc::SUCCESS),
        Action::ValidateAll => validate(&cfg).map(|()| OcfRc::SUCCESS),
        other => unsupported(other),
    }
}

/// The mount point as the kernel reports it (symlinks resolved when it exists).
fn mount_point(cfg: &Config) -> PathBuf {
    cfg.directory
        .canonicalize()
        .unwrap_or_else(|_| cfg.directory.clone())
}

/// Mount points from /proc/self/mountinfo (field 5, octal escapes decoded).
pub fn mount_points(mountinfo: &str) -> Vec<PathBuf> {
    mountinfo
        .lines()
        .filter_map(|l| l.split(' ').nth(4))
        .map(|p| PathBuf::from(unescape_octal(p)))
        .collect()
}

fn unescape_octal(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let digits = bytes
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
        if let (b'\\', Some(d)) = (bytes[i], digits) {
            out.push(
                d.iter()
                    .fold(0u8, |acc, b| acc.wrapping_mul(8) + (b - b'0')),
            );
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn is_mounted(cfg: &Config) -> bool {
    let target = mount_point(cfg);
    std::fs::read_to_string("/proc/self/mountinfo")
        .map(|m| mount_points(&m).contains(&target))
        .unwrap_or(false)
}

fn monitor(cfg: &Config, env: &OcfEnv) -> Outcome {
    if !is_mounted(cfg) {
        return Ok(OcfRc::NOT_RUNNING);
    }
    let dir = mount_point(cfg);
    if env.check_level.unwrap_or(0) >= 10 {
        std::fs::read_dir(&dir)
            .map_err(|e| Failure::generic(format!("cannot read {}: {e}", dir.display())))?;
    }
    if env.check_level.unwrap_or(0) >= 20 {
        let status_dir = dir.join(".Filesystem_status");
        let file = status_dir.join(env.instance.replace('/', "_"));
        let stamp = format!("{:?}\n", std::time::SystemTime::now());
        let written = std::fs::create_dir_all(&status_dir)
            .and_then(|()| std::fs::write(&file, &stamp))
            .and_then(|()| std::fs::read_to_string(&file));
        match written {
            Ok(read) if read == stamp => {}
            Ok(_) => {
                return Err(Failure::generic(format!(
                    "{} read back wrong",
                    file.display()
                )))
            }
            Err(e) => {
                return Err(Failure::generic(format!(
                    "cannot write {}: {e}",
                    file.display()
                )))
            }
        }
    }
    Ok(OcfRc::SUCCESS)
}

/// True for devices that name a local file we can check for (not UUID=, host:/path, tmpfs).
fn local_device_path(device: &str) -> Option<&Path> {
    device.starts_with('/').then(|| Path::new(device))
}

fn validate(cfg: &Config) -> Result<(), Failure> {
    if which("mount").is_none() || which("umount").is_none() {
        return Err(Failure::installed("mount/umount are not installed"));
    }
    if let Some(path) = local_device_path(&cfg.device) {
        if !path.exists() {
            return Err(Failure::installed(format!(
                "device {} does not exist",
                path.display()
            )));
        }
    }
    if let Some(fstype) = &cfg.fstype {
        if !fstype_supported(fstype) {
            return Err(Failure::installed(format!(
                "file system type {fstype} is not supported on this host"
            )));
        }
    }
    Ok(())
}

/// Known to the kernel, handled by a mount helper, or loadable as a module.
fn fstype_supported(fstype: &str) -> bool {
    let in_kernel = std::fs::read_to_string("/proc/filesystems")
        .map(|t| {
            t.lines()
                .any(|l| l.split_whitespace().last() == Some(fstype))
        })
        .unwrap_or(false);
    in_kernel
        || fstype.starts_with("fuse")
        || which(&format!("mount.{fstype}")).is_some()
        || run_program("modprobe", &["-n", "-q", fstype]).is_ok_and(|o| o.status.success())
}

fn start(cfg: &Config) -> Outcome {
    validate(cfg)?;
    if is_mounted(cfg) {
        return Ok(OcfRc::SUCCESS);
    }
    std::fs::create_dir_all(&cfg.directory)
        .map_err(|e| Failure::generic(format!("cannot create {}: {e}", cfg.directory.display())))?;
    fsck(cfg)?;
    let dir = cfg.directory.to_string_lossy().into_owned();
    let mut args: Vec<&str> = Vec::new();
    if let Some(t) = &cfg.fstype {
        args.extend(["-t", t]);
    }
    if let Some(o) = &cfg.options {
        args.extend(["-o", o]);
    }
    // UUID=/LABEL= style specs and "-U x" style are both handed to mount as given.
    args.extend(cfg.device.split_whitespace());
    args.push(&dir);
    run_ok("mount", &args)?;
    log::info(&format!("mounted {} on {dir}", cfg.device));
    Ok(OcfRc::SUCCESS)
}

/// Checks (and lets fsck repair) the file system first when `run_fsck` asks for it.
fn fsck(cfg: &Config) -> Result<(), Failure> {
    let Some(device) = local_device_path(&cfg.device) else {
        return Ok(());
    };
    let checkable = device.is_file()
        || std::fs::metadata(device).is_ok_and(|m| {
            use std::os::unix::fs::FileTypeExt;
            m.file_type().is_block_device()
        });
    let wanted = match (cfg.run_fsck, cfg.fstype.as_deref()) {
        (Fsck::No, _) => false,
        (Fsck::Force, _) => true,
        (Fsck::Auto, Some(t)) => !NO_FSCK_IN_AUTO.contains(&t),
        (Fsck::Auto, None) => false,
    };
    if !(wanted && checkable) {
        return Ok(());
    }
    let dev = device.to_string_lossy().into_owned();
    let mut args = vec!["-p"];
    if let Some(t) = &cfg.fstype {
        args.extend(["-t", t]);
    }
    args.push(&dev);
    let out = run_program("fsck", &args)?;
    // 0 clean, 1 errors corrected, 2 corrected but a reboot is advised; 4 and up: not fixed.
    match out.status.code() {
        Some(0..=2) => {
            log::info(&format!("fsck of {dev} passed"));
            Ok(())
        }
        code => Err(Failure::generic(format!(
            "fsck of {dev} failed (exit {code:?}): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
    }
}

/// Processes whose cwd, root, executable, open files or mappings are inside `dir`.
pub fn users_of(dir: &Path) -> Vec<i32> {
    let me = std::process::id() as i32;
    let inside = |p: &Path| p.starts_with(dir);
    all_pids()
        .into_iter()
        .filter(|pid| *pid != me)
        .filter(|pid| {
            let proc_dir = PathBuf::from(format!("/proc/{pid}"));
            let links = ["cwd", "root", "exe"]
                .iter()
                .filter_map(|l| std::fs::read_link(proc_dir.join(l)).ok())
                .any(|t| inside(&t));
            let fds = std::fs::read_dir(proc_dir.join("fd"))
                .map(|d| {
                    d.filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
                        .any(|t| inside(&t))
                })
                .unwrap_or(false);
            let maps = std::fs::read_to_string(proc_dir.join("maps"))
                .map(|m| {
                    m.lines()
                        .filter_map(|l| l.split_whitespace().nth(5))
                        .any(|p| inside(Path::new(p)))
                })
                .unwrap_or(false);
            links || fds || maps
        })
        .collect()
}

fn umount(dir: &str) -> Result<(), Failure> {
    run_ok("umount", &[dir]).map(|_| ())
}

fn stop(cfg: &Config) -> Outcome {
    if !is_mounted(cfg) {
        return Ok(OcfRc::SUCCESS);
    }
    let target = mount_point(cfg);
    let dir = target.to_string_lossy().into_owned();
    let mut last = match umount(&dir) {
        Ok(()) => return stopped(&dir),
        Err(e) => e,
    };
    if !cfg.force_unmount {
        return Err(last);
    }
    // Escalate: two rounds of SIGTERM, then SIGKILL, retrying the unmount after each.
    for sig in [
        Signal::SIGTERM,
        Signal::SIGTERM,
        Signal::SIGKILL,
        Signal::SIGKILL,
    ] {
        let users = users_of(&target);
        for pid in &users {
            log::info(&format!("sending {sig:?} to pid {pid} using {dir}"));
            signal(*pid, sig);
        }
        wait_gone(&users, Duration::from_secs(2));
        match umount(&dir) {
            Ok(()) => return stopped(&dir),
            Err(e) => last = e,
        }
    }
    Err(last)
}

fn stopped(dir: &str) -> Outcome {
    log::info(&format!("unmounted {dir}"));
    Ok(OcfRc::SUCCESS)
}

/// `Filesystem::device::directory[::fstype[::options]]` in haresources.
pub fn heartbeat_args(args: &[String]) -> Result<Vec<(String, String)>, Failure> {
    if args.len() < 2 || args.len() > 4 {
        return Err(Failure::args(
            "expected device directory [fstype [options]]",
        ));
    }
    Ok(["device", "directory", "fstype", "options"]
        .iter()
        .zip(args)
        .map(|(n, v)| (n.to_string(), v.clone()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mountinfo_mount_points_are_unescaped() {
        let text = "36 35 98:0 / /mnt/with\\040space rw,noatime - ext3 /dev/root rw\n";
        assert_eq!(mount_points(text), vec![PathBuf::from("/mnt/with space")]);
    }
}
