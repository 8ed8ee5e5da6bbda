//! Signing and checking packets with authkeys methods.
//!
//! The signed text is every field line except `auth`, in packet order (`name=value\n` each, as
//! [`Message::encode_fields_except`] writes them). The packet then carries `auth=<N> <hex digest>`
//! as its last field: crc is CRC32 of the text; md5, sha1, sha256 and sha512 are HMACs keyed with
//! the secret of key `N`.

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use thiserror::Error;

use crate::config::{AuthKey, AuthKeys, AuthMethod};
use crate::wire::Message;

/// Why a packet's signature was refused.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// No `auth` field.
    #[error("packet is not signed")]
    Unsigned,
    /// `auth` is not `N hex`.
    #[error("malformed auth field")]
    Malformed,
    /// Key `N` is not in our authkeys.
    #[error("unknown key {0}")]
    UnknownKey(u8),
    /// The digest does not match.
    #[error("bad signature")]
    BadDigest,
}

/// Appends the `auth` field for the active key.
pub fn sign(msg: &mut Message, keys: &AuthKeys) {
    msg.remove("auth");
    let key = keys.active_key();
    let digest = digest(key, msg.encode_fields_except("auth").as_bytes());
    msg.set("auth", format!("{} {digest}", key.index));
}

/// Checks the `auth` field against any known key.
pub fn verify(msg: &Message, keys: &AuthKeys) -> Result<(), AuthError> {
    let field = msg.get("auth").ok_or(AuthError::Unsigned)?;
    let (n, hex) = field.split_once(' ').ok_or(AuthError::Malformed)?;
    let n: u8 = n.parse().map_err(|_| AuthError::Malformed)?;
    let key = keys.key(n).ok_or(AuthError::UnknownKey(n))?;
    let expected = digest(key, msg.encode_fields_except("auth").as_bytes());
    // Both are fixed-length hex of the same method, so compare without early exit.
    let same = expected.len() == hex.len()
        && expected
            .bytes()
            .zip(hex.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(AuthError::BadDigest)
    }
}

fn digest(key: &AuthKey, data: &[u8]) -> String {
    fn hmac_hex<M: Mac + KeyInit>(secret: &[u8], data: &[u8]) -> String {
        let mut mac = <M as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(data);
        hex(&mac.finalize().into_bytes())
    }
    match key.method {
        AuthMethod::Crc => format!("{:x}", crc32fast::hash(data)),
        AuthMethod::Md5 => hmac_hex::<Hmac<Md5>>(&key.secret, data),
        AuthMethod::Sha1 => hmac_hex::<Hmac<Sha1>>(&key.secret, data),
        AuthMethod::Sha256 => hmac_hex::<Hmac<Sha256>>(&key.secret, data),
        AuthMethod::Sha512 => hmac_hex::<Hmac<Sha512>>(&key.secret, data),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> AuthKeys {
        AuthKeys::parse(text, "authkeys").unwrap()
    }

    #[test]
    fn every_method_signs_and_detects_tampering() {
        for m in ["crc", "md5 k", "sha1 k", "sha256 k", "sha512 k"] {
            let k = keys(&format!("auth 3\n3 {m}\n"));
            let mut msg = Message::with_type("status");
            msg.set("src", "n1").set("seq", "1");
            sign(&mut msg, &k);
            assert_eq!(verify(&msg, &k), Ok(()), "{m}");
            msg.set("src", "n2");
            assert_eq!(verify(&msg, &k), Err(AuthError::BadDigest), "{m}");
        }
    }

    #[test]
    fn hmac_sha1_matches_a_known_vector() {
        // RFC 2202 test case 2: key "Jefe", data "what do ya want for nothing?".
        let key = AuthKey {
            index: 1,
            method: AuthMethod::Sha1,
            secret: b"Jefe".to_vec(),
        };
        assert_eq!(
            digest(&key, b"what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn wrong_key_and_unsigned_are_refused() {
        let mut msg = Message::with_type("status");
        sign(&mut msg, &keys("auth 1\n1 sha1 right\n"));
        assert_eq!(
            verify(&msg, &keys("auth 1\n1 sha1 wrong\n")),
            Err(AuthError::BadDigest)
        );
        assert_eq!(
            verify(&msg, &keys("auth 2\n2 sha1 right\n")),
            Err(AuthError::UnknownKey(1))
        );
        assert_eq!(
            verify(&Message::with_type("x"), &keys("auth 1\n1 crc\n")),
            Err(AuthError::Unsigned)
        );
    }
}
