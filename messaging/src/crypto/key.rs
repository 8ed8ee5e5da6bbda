//! The link encryption key: the `crypto` line of authkeys, 64 hexadecimal digits (32 bytes).

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Label mixed into every per-node key, so these keys never equal a key derived for another use.
const SUBKEY_LABEL: &[u8] = b"heartbeat-rs link key v1\0";

/// A 256-bit master key shared by every node. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct CryptoKey([u8; 32]);

impl CryptoKey {
    /// Parses exactly 64 hexadecimal digits.
    pub fn from_hex(text: &str) -> Option<CryptoKey> {
        if text.len() != 64 || !text.is_ascii() {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(CryptoKey(key))
    }

    /// The sending key of node `name`: HMAC-SHA256(master, label || name). Each node encrypts
    /// with its own key, so two nodes that happen to share a generation and counter still never
    /// use one (key, nonce) pair twice.
    pub fn node_key(&self, name: &str) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(SUBKEY_LABEL);
        mac.update(name.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for CryptoKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CryptoKey(<secret>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn parses_64_hex_digits_only() {
        assert!(CryptoKey::from_hex(HEX).is_some());
        assert!(CryptoKey::from_hex(&HEX.to_uppercase()).is_some());
        assert!(CryptoKey::from_hex(&HEX[..62]).is_none(), "too short");
        assert!(
            CryptoKey::from_hex(&format!("{HEX}00")).is_none(),
            "too long"
        );
        assert!(
            CryptoKey::from_hex(&HEX.replace('0', "g")).is_none(),
            "not hex"
        );
        assert!(
            CryptoKey::from_hex(&"\u{e9}".repeat(32)).is_none(),
            "not ascii"
        );
    }

    #[test]
    fn node_keys_differ_per_node_and_debug_hides_the_key() {
        let k = CryptoKey::from_hex(HEX).unwrap();
        assert_ne!(k.node_key("node1"), k.node_key("node2"));
        assert_eq!(k.node_key("node1"), k.node_key("node1"));
        assert_eq!(format!("{k:?}"), "CryptoKey(<secret>)");
    }
}
