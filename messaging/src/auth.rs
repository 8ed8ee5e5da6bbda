//! Heartbeat 3.0.6's packet authentication with authkeys methods, byte for byte.
//!
//! A digest is computed by key `N`'s method over exact bytes and written `N <digest>`:
//! - `crc`: CRC-32/CKSUM (poly 0x04C11DB7, not reflected, init 0, final xor 0xFFFFFFFF; the
//!   check value of "123456789" is 765e7680), lowercase hex without leading zeros;
//! - `md5`, `sha1` (and our `sha256`, `sha512`): the HMAC keyed with the secret, lowercase hex.
//!
//! Two places carry one ([`crate::wire::datagram`]): the netstring trailer
//! `<len>:N <digest>,` over the bytes from `###\n` through `%%%\n`, and the classic `auth=N
//! <digest>` field over the classic field lines (without markers and without `auth`).

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use thiserror::Error;

use crate::config::{AuthKey, AuthKeys, AuthMethod};

/// Why a packet's signature was refused.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// No signature.
    #[error("packet is not signed")]
    Unsigned,
    /// The signature is not `N digest`.
    #[error("malformed auth string")]
    Malformed,
    /// Key `N` is not in our authkeys.
    #[error("unknown key {0}")]
    UnknownKey(u32),
    /// The digest does not match.
    #[error("bad signature")]
    BadDigest,
}

/// `N <digest>` over `data` with the active key.
pub fn sign_bytes(data: &[u8], keys: &AuthKeys) -> String {
    let key = keys.active_key();
    format!("{} {}", key.index, digest(key, data))
}

/// Checks an `N <digest>` string over `data` against our key `N`.
pub fn verify_bytes(data: &[u8], auth: &str, keys: &AuthKeys) -> Result<(), AuthError> {
    // Heartbeat reads it with "%d %s": the number, then the first word.
    let mut words = auth.split_ascii_whitespace();
    let (Some(n), Some(given)) = (words.next(), words.next()) else {
        return Err(AuthError::Malformed);
    };
    let n: u32 = n.parse().map_err(|_| AuthError::Malformed)?;
    let key = u8::try_from(n)
        .ok()
        .and_then(|i| keys.key(i))
        .ok_or(AuthError::UnknownKey(n))?;
    let expected = digest(key, data);
    // Both are hex of the same method, so compare without early exit.
    let same = expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(AuthError::BadDigest)
    }
}

/// The digest of `data` with `key`, as Heartbeat's HBauth plugin writes it.
pub fn digest(key: &AuthKey, data: &[u8]) -> String {
    fn hmac_hex<M: Mac + KeyInit>(secret: &[u8], data: &[u8]) -> String {
        let mut mac = <M as KeyInit>::new_from_slice(secret).expect("HMAC takes any key length");
        mac.update(data);
        hex(&mac.finalize().into_bytes())
    }
    match key.method {
        AuthMethod::Crc => format!("{:x}", crc_cksum(data)),
        AuthMethod::Md5 => hmac_hex::<Hmac<Md5>>(&key.secret, data),
        AuthMethod::Sha1 => hmac_hex::<Hmac<Sha1>>(&key.secret, data),
        AuthMethod::Sha256 => hmac_hex::<Hmac<Sha256>>(&key.secret, data),
        AuthMethod::Sha512 => hmac_hex::<Hmac<Sha512>>(&key.secret, data),
    }
}

/// CRC-32/CKSUM without the length suffix POSIX `cksum` appends: what Heartbeat's `crc`
/// method computes.
pub fn crc_cksum(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut t = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = (i as u32) << 24;
            let mut bit = 0;
            while bit < 8 {
                c = if c & 0x8000_0000 != 0 {
                    (c << 1) ^ 0x04C1_1DB7
                } else {
                    c << 1
                };
                bit += 1;
            }
            t[i] = c;
            i += 1;
        }
        t
    };
    !data.iter().fold(0u32, |crc, &b| {
        (crc << 8) ^ TABLE[((crc >> 24) as u8 ^ b) as usize]
    })
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
    fn crc_is_cksum_without_length() {
        assert_eq!(crc_cksum(b"123456789"), 0x765e_7680);
        assert_eq!(crc_cksum(b""), 0xffff_ffff);
        let k = keys("auth 1\n1 crc\n");
        assert_eq!(sign_bytes(b"123456789", &k), "1 765e7680");
    }

    #[test]
    fn hmacs_match_rfc_vectors() {
        // RFC 2202 test case 2: key "Jefe", data "what do ya want for nothing?".
        let data = b"what do ya want for nothing?";
        let sha1 = keys("auth 1\n1 sha1 Jefe\n");
        assert_eq!(
            sign_bytes(data, &sha1),
            "1 effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        let md5 = keys("auth 2\n2 md5 Jefe\n");
        assert_eq!(sign_bytes(data, &md5), "2 750c783e6ab0b503eaa86e310a5db738");
    }

    #[test]
    fn every_method_detects_tampering_and_wrong_keys() {
        for m in ["crc", "md5 k", "sha1 k", "sha256 k", "sha512 k"] {
            let k = keys(&format!("auth 3\n3 {m}\n"));
            let auth = sign_bytes(b"t=status\n", &k);
            assert_eq!(verify_bytes(b"t=status\n", &auth, &k), Ok(()), "{m}");
            assert_eq!(
                verify_bytes(b"t=statue\n", &auth, &k),
                Err(AuthError::BadDigest),
                "{m}"
            );
        }
        let k = keys("auth 1\n1 sha1 right\n");
        let auth = sign_bytes(b"x", &k);
        assert_eq!(
            verify_bytes(b"x", &auth, &keys("auth 1\n1 sha1 wrong\n")),
            Err(AuthError::BadDigest)
        );
        assert_eq!(
            verify_bytes(b"x", &auth, &keys("auth 2\n2 sha1 right\n")),
            Err(AuthError::UnknownKey(1))
        );
        assert_eq!(verify_bytes(b"x", "1", &k), Err(AuthError::Malformed));
        assert_eq!(
            verify_bytes(b"x", "999 ab", &k),
            Err(AuthError::UnknownKey(999))
        );
    }
}
