//! Who is at the other end of a connection: `SO_PEERCRED` plus supplementary groups.

use std::os::fd::AsFd;

use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};

/// The credentials of a connected peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// Effective uid at connect time.
    pub uid: u32,
    /// Effective (primary) gid at connect time.
    pub gid: u32,
    /// Process id (0 when unknown).
    pub pid: i32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
}

impl Peer {
    /// Reads the peer of a connected Unix stream.
    pub fn of(sock: &impl AsFd) -> std::io::Result<Peer> {
        let cred = getsockopt(sock, PeerCredentials)?;
        let (uid, gid, pid) = (cred.uid(), cred.gid(), cred.pid());
        Ok(Peer {
            uid,
            gid,
            pid,
            groups: supplementary_groups(pid, uid, gid),
        })
    }

    /// Whether `gid` is the peer's primary or one of its supplementary groups.
    pub fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }
}

/// The process's own groups from `/proc/PID/status` (what the kernel checks); when that cannot
/// be read, the groups the user database gives the uid's user.
fn supplementary_groups(pid: i32, uid: u32, gid: u32) -> Vec<u32> {
    if pid > 0 {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            if let Some(groups) = parse_groups_line(&status) {
                return groups;
            }
        }
    }
    user_groups(uid, gid)
}

/// The numbers on the `Groups:` line of a `/proc/PID/status` text.
pub(crate) fn parse_groups_line(status: &str) -> Option<Vec<u32>> {
    let line = status.lines().find_map(|l| l.strip_prefix("Groups:"))?;
    Some(
        line.split_whitespace()
            .filter_map(|g| g.parse().ok())
            .collect(),
    )
}

fn user_groups(uid: u32, gid: u32) -> Vec<u32> {
    let Ok(Some(user)) = nix::unistd::User::from_uid(nix::unistd::Uid::from_raw(uid)) else {
        return Vec::new();
    };
    let Ok(name) = std::ffi::CString::new(user.name) else {
        return Vec::new();
    };
    nix::unistd::getgrouplist(&name, nix::unistd::Gid::from_raw(gid))
        .map(|v| v.into_iter().map(|g| g.as_raw()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_line_is_parsed_and_an_empty_one_means_none() {
        let s = "Name:\tx\nUid:\t1\t1\t1\t1\nGroups:\t4 24 1001 \nVmRSS:\t1 kB\n";
        assert_eq!(parse_groups_line(s), Some(vec![4, 24, 1001]));
        assert_eq!(parse_groups_line("Groups:\t\n"), Some(vec![]));
        assert_eq!(parse_groups_line("Name:\tx\n"), None);
    }

    #[test]
    fn a_socketpair_shows_our_own_credentials() {
        let (a, _b) = std::os::unix::net::UnixStream::pair().unwrap();
        let p = Peer::of(&a).unwrap();
        assert_eq!(p.uid, nix::unistd::geteuid().as_raw());
        assert_eq!(p.pid as u32, std::process::id());
        assert!(p.in_group(nix::unistd::getegid().as_raw()));
    }
}
