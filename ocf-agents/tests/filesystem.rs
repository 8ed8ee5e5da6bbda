//! Filesystem: mounts in a private mount namespace (tmpfs and a loop-mounted ext4 image).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::support::*;

fn fs_agent(install: &Install, instance: &str, dir: &Path) -> Agent {
    install
        .agent("Filesystem", instance)
        .param("device", "tmpfs")
        .param("fstype", "tmpfs")
        .param("directory", dir.to_str().unwrap())
}

#[test]
fn tmpfs_lifecycle_and_check_levels() {
    if skip_unless_root("filesystem::tmpfs_lifecycle_and_check_levels") {
        return;
    }
    let install = Install::new();
    let dir = install.root().join("data");
    let fs = fs_agent(&install, "fs1", &dir);
    in_private_mount_ns(move || {
        assert_eq!(fs.rc("monitor"), OCF_NOT_RUNNING);
        assert_eq!(fs.rc("stop"), OCF_SUCCESS);
        assert_eq!(fs.rc("start"), OCF_SUCCESS);
        assert!(
            mounted(&dir),
            "start must mount (and create) {}",
            dir.display()
        );
        assert_eq!(fs.rc("monitor"), OCF_SUCCESS);
        let deep = fs.clone().env("OCF_CHECK_LEVEL", "20");
        assert_eq!(deep.rc("monitor"), OCF_SUCCESS);
        assert!(dir.join(".Filesystem_status/fs1").exists());
        assert_eq!(fs.rc("start"), OCF_SUCCESS);
        assert_eq!(fs.rc("stop"), OCF_SUCCESS);
        assert!(!mounted(&dir));
        assert_eq!(fs.rc("monitor"), OCF_NOT_RUNNING);
        assert_eq!(fs.rc("stop"), OCF_SUCCESS);
    });
}

#[test]
fn stop_kills_processes_using_the_mount() {
    if skip_unless_root("filesystem::stop_kills_processes_using_the_mount") {
        return;
    }
    let install = Install::new();
    let dir = install.root().join("busy");
    let fs = fs_agent(&install, "fs2", &dir);
    in_private_mount_ns(move || {
        assert_eq!(fs.rc("start"), OCF_SUCCESS);
        let spawn_user = || {
            Command::new("sleep")
                .arg("600")
                .current_dir(&dir)
                .stdin(Stdio::null())
                .spawn()
                .unwrap()
        };
        // Without force_unmount the busy mount stays and stop fails.
        let mut user = spawn_user();
        let polite = fs.clone().param("force_unmount", "false");
        assert_eq!(polite.rc("stop"), OCF_ERR_GENERIC);
        assert!(mounted(&dir));
        assert!(user.try_wait().unwrap().is_none());
        // With it (the default) the user is terminated and the mount goes away.
        assert_eq!(fs.rc("stop"), OCF_SUCCESS);
        assert!(!mounted(&dir));
        let status = user.wait().unwrap();
        assert!(
            !status.success(),
            "the user of the mount must have been killed"
        );
    });
}

#[test]
fn loop_mounted_ext4_image() {
    if skip_unless_root("filesystem::loop_mounted_ext4_image") {
        return;
    }
    if !Path::new("/dev/loop-control").exists() || !have("mkfs.ext4") || !have("fsck") {
        skip("filesystem::loop_mounted_ext4_image: no loop devices or mkfs.ext4; NOT TESTED");
        return;
    }
    let install = Install::new();
    let image = install.root().join("disk.img");
    let file = std::fs::File::create(&image).unwrap();
    file.set_len(16 << 20).unwrap();
    run_ok("mkfs.ext4", &["-q", "-F", image.to_str().unwrap()]);
    let dir = install.root().join("ext4");
    let fs = install
        .agent("Filesystem", "fs3")
        .param("device", image.to_str().unwrap())
        .param("fstype", "ext4")
        .param("options", "loop,noatime")
        .param("directory", dir.to_str().unwrap());
    in_private_mount_ns(move || {
        assert_eq!(fs.rc("validate-all"), OCF_SUCCESS);
        assert_eq!(fs.rc("start"), OCF_SUCCESS);
        assert!(mounted(&dir));
        assert!(
            dir.join("lost+found").exists(),
            "the ext4 image is what got mounted"
        );
        let deep = fs.clone().env("OCF_CHECK_LEVEL", "20");
        assert_eq!(deep.rc("monitor"), OCF_SUCCESS);
        assert_eq!(fs.rc("stop"), OCF_SUCCESS);
        assert!(!mounted(&dir));
        assert_eq!(fs.rc("monitor"), OCF_NOT_RUNNING);
    });
}

#[test]
fn validation_errors() {
    let install = Install::new();
    let dir = install.root().join("v");
    let base = fs_agent(&install, "fsv", &dir);
    let cases = [
        ("directory", "relative/dir", OCF_ERR_CONFIGURED),
        ("directory", "/", OCF_ERR_CONFIGURED),
        ("device", "", OCF_ERR_CONFIGURED),
        ("device", "/dev/nonexistent-hbrs-disk", OCF_ERR_INSTALLED),
        ("fstype", "nosuchfs-hbrs", OCF_ERR_INSTALLED),
        ("force_unmount", "maybe", OCF_ERR_CONFIGURED),
    ];
    for (name, value, expected) in cases {
        let reply = base.clone().param(name, value).call("validate-all");
        assert_eq!(reply.code, expected, "{name}={value}: {}", reply.stderr);
    }
    assert_eq!(base.rc("validate-all"), OCF_SUCCESS);
    // OCF_CHECK_LEVEL=0 checks the syntax only, so another node's device is fine...
    let elsewhere = base
        .clone()
        .param("device", "/dev/nonexistent-hbrs-disk")
        .env("OCF_CHECK_LEVEL", "0");
    assert_eq!(elsewhere.rc("validate-all"), OCF_SUCCESS);
    // ...but a malformed parameter is still an error.
    let relative = elsewhere.clone().param("directory", "relative/dir");
    assert_eq!(relative.rc("validate-all"), OCF_ERR_CONFIGURED);
    // A probe for a device missing on this node says "not running".
    let probe = base
        .clone()
        .param("device", "/dev/nonexistent-hbrs-disk")
        .env("OCF_RESKEY_CRM_meta_interval", "0");
    assert_eq!(probe.rc("monitor"), OCF_NOT_RUNNING);
}

#[test]
fn fsck_runs_before_mounting() {
    if skip_unless_root("filesystem::fsck_runs_before_mounting") {
        return;
    }
    if !Path::new("/dev/loop-control").exists() || !have("mkfs.ext4") || !have("fsck") {
        skip("filesystem::fsck_runs_before_mounting: no loop devices or mkfs.ext4; NOT TESTED");
        return;
    }
    let install = Install::new();
    let good = install.root().join("good.img");
    std::fs::File::create(&good)
        .unwrap()
        .set_len(16 << 20)
        .unwrap();
    run_ok("mkfs.ext4", &["-q", "-F", good.to_str().unwrap()]);
    // Sixteen MiB of zeros: no superblock, so fsck cannot repair it.
    let garbage = install.root().join("garbage.img");
    std::fs::File::create(&garbage)
        .unwrap()
        .set_len(16 << 20)
        .unwrap();
    let dir = install.root().join("checked");
    let agent = |image: &Path| {
        install
            .agent("Filesystem", "fsck")
            .param("device", image.to_str().unwrap())
            .param("fstype", "ext4")
            .param("options", "loop")
            .param("run_fsck", "force")
            .param("directory", dir.to_str().unwrap())
    };
    let (good_fs, bad_fs) = (agent(&good), agent(&garbage));
    let bad_option = good_fs.clone().param("run_fsck", "sometimes");
    assert_eq!(bad_option.rc("validate-all"), OCF_ERR_CONFIGURED);
    in_private_mount_ns(move || {
        let reply = bad_fs.call("start");
        assert_eq!(reply.code, OCF_ERR_GENERIC, "{reply:?}");
        assert!(reply.stderr.contains("fsck of"), "{}", reply.stderr);
        assert!(!mounted(&dir));
        assert_eq!(good_fs.rc("start"), OCF_SUCCESS);
        assert!(mounted(&dir));
        assert_eq!(good_fs.rc("stop"), OCF_SUCCESS);
    });
}
