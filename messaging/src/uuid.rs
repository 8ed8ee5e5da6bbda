//! Node UUIDs (`uuidfrom`): random and kept in `<statedir>/hb_uuid`, or derived from the node name
//! so that every node computes the same UUID for a given name.

use std::io::{self, Read};
use std::path::Path;

use md5::{Digest, Md5};

use crate::config::UuidFrom;

/// File name under the state directory.
pub const UUID_FILE: &str = "hb_uuid";

/// This node's UUID in the usual 8-4-4-4-12 text form.
pub fn node_uuid(statedir: &Path, from: UuidFrom, nodename: &str) -> io::Result<String> {
    match from {
        UuidFrom::Nodename => Ok(from_name(nodename)),
        UuidFrom::File => {
            let path = statedir.join(UUID_FILE);
            if let Ok(text) = std::fs::read_to_string(&path) {
                let text = text.trim();
                if text.len() == 36 {
                    return Ok(text.to_string());
                }
            }
            let mut bytes = [0u8; 16];
            std::fs::File::open("/dev/urandom")?.read_exact(&mut bytes)?;
            // RFC 4122 version 4, variant 1.
            bytes[6] = (bytes[6] & 0x0f) | 0x40;
            bytes[8] = (bytes[8] & 0x3f) | 0x80;
            let uuid = format_uuid(&bytes);
            std::fs::create_dir_all(statedir)?;
            std::fs::write(&path, format!("{uuid}\n"))?;
            crate::log::info("No uuid found for current node - generating a new uuid.");
            Ok(uuid)
        }
    }
}

/// A name-based UUID: MD5 of the lowercase name with version 3 bits.
pub fn from_name(nodename: &str) -> String {
    let digest = Md5::digest(nodename.to_ascii_lowercase().as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest);
    bytes[6] = (bytes[6] & 0x0f) | 0x30;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format_uuid(&bytes)
}

/// The 16 bytes of a UUID in text form (Heartbeat sends `srcuuid` as these bytes).
pub fn to_bytes(text: &str) -> Option<[u8; 16]> {
    let hex: Vec<u8> = text.bytes().filter(|b| *b != b'-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

/// The text form of 16 UUID bytes.
pub fn format_uuid(b: &[u8; 16]) -> String {
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_uuid_is_kept_and_name_uuid_is_stable() {
        let dir = tempfile::tempdir().unwrap();
        let a = node_uuid(dir.path(), UuidFrom::File, "n1").unwrap();
        assert_eq!(node_uuid(dir.path(), UuidFrom::File, "n1").unwrap(), a);
        assert_eq!(a.len(), 36);
        assert_eq!(from_name("Node1"), from_name("node1"));
        assert_ne!(from_name("node1"), from_name("node2"));
        assert_eq!(to_bytes(&a).map(|b| format_uuid(&b)), Some(a));
        assert_eq!(to_bytes("not-a-uuid"), None);
    }
}
