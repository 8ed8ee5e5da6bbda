//! The local client socket: accept, peer credentials, one reader and one writer thread per client.
//! Frames and fields are documented in [`crate::client`].

use std::collections::BTreeMap;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::mpsc::{sync_channel, Sender, SyncSender, TrySendError};

use nix::sys::socket::{getsockopt, sockopt::PeerCredentials};
use nix::unistd::{Group, User};

use super::Event;
use crate::config::ApiAuth;
use crate::frame::{read_frame, write_frame};
use crate::wire::Message;

/// Frames a slow client may have queued before it is dropped.
const CLIENT_QUEUE: usize = 10_000;

/// Binds the socket (replacing a stale one) and starts accepting.
pub(super) fn listen(path: &Path, tx: Sender<Event>) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)?;
    // Everyone may connect; apiauth decides who may sign on.
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o777))?;
    std::thread::Builder::new()
        .name("api-accept".into())
        .spawn(move || {
            let mut next_id = 1u64;
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let Ok(cred) = getsockopt(&stream, PeerCredentials) else {
                    continue;
                };
                let id = next_id;
                next_id += 1;
                let Ok(reader) = stream.try_clone() else {
                    continue;
                };
                let _ = tx.send(Event::ClientConnected {
                    id,
                    stream,
                    uid: cred.uid(),
                    gid: cred.gid(),
                });
                let tx2 = tx.clone();
                let _ = std::thread::Builder::new()
                    .name(format!("api-client-{id}"))
                    .spawn(move || read_client(id, reader, tx2));
            }
        })?;
    Ok(())
}

fn read_client(id: u64, mut stream: UnixStream, tx: Sender<Event>) {
    while let Ok(Some(msg)) = read_frame(&mut stream) {
        if tx.send(Event::ClientFrame { id, msg }).is_err() {
            return;
        }
    }
    let _ = tx.send(Event::ClientGone { id });
}

/// One connected client.
pub(super) struct Conn {
    pub name: Option<String>,
    pub uid: u32,
    pub gid: u32,
    queue: SyncSender<Message>,
    stream: UnixStream,
}

impl Conn {
    /// Queues a frame; false if the client is gone or too slow.
    pub fn send(&self, msg: Message) -> bool {
        match self.queue.try_send(msg) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
                let _ = self.stream.shutdown(std::net::Shutdown::Both);
                false
            }
        }
    }
}

/// The connected clients.
pub(super) struct Clients {
    pub conns: BTreeMap<u64, Conn>,
}

impl Clients {
    pub fn new() -> Self {
        Clients {
            conns: BTreeMap::new(),
        }
    }

    pub fn connected(&mut self, id: u64, stream: UnixStream, uid: u32, gid: u32) {
        let Ok(mut writer) = stream.try_clone() else {
            return;
        };
        let (queue, rx) = sync_channel::<Message>(CLIENT_QUEUE);
        let _ = std::thread::Builder::new()
            .name(format!("api-writer-{id}"))
            .spawn(move || {
                for m in rx {
                    if write_frame(&mut writer, &m).is_err() {
                        break;
                    }
                }
                // The daemon dropped the connection: what was queued has been written, so close
                // (this also wakes the reader thread).
                let _ = writer.shutdown(std::net::Shutdown::Both);
            });
        self.conns.insert(
            id,
            Conn {
                name: None,
                uid,
                gid,
                queue,
                stream,
            },
        );
    }

    /// Names of signed-on clients.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.conns.values().filter_map(|c| c.name.clone()).collect();
        v.sort();
        v.dedup();
        v
    }
}

/// Whether a peer with `uid`/`gid` may sign on as `client` under these apiauth rules.
/// Root may always; otherwise the client's own line, else `default`, else `anon`, decides.
pub(super) fn authorised(rules: &[ApiAuth], client: &str, uid: u32, gid: u32) -> bool {
    if uid == 0 {
        return true;
    }
    let rule = [client, "default", "anon"]
        .iter()
        .find_map(|name| rules.iter().rev().find(|r| r.client == *name));
    let Some(rule) = rule else {
        return false;
    };
    let uid_ok = rule.uids.iter().any(|u| match u.parse::<u32>() {
        Ok(n) => n == uid,
        Err(_) => matches!(User::from_name(u), Ok(Some(user)) if user.uid.as_raw() == uid),
    });
    let gid_ok = rule.gids.iter().any(|g| match g.parse::<u32>() {
        Ok(n) => n == gid,
        Err(_) => matches!(Group::from_name(g), Ok(Some(grp)) if grp.gid.as_raw() == gid),
    });
    uid_ok || gid_ok
}
