//! One packet between nodes, as Heartbeat 3.0.6 puts it on a medium and takes it off.
//!
//! Sending ([`seal`]): the netstring form plus its auth trailer. Like Heartbeat with the default
//! `msgfmt classic`, a message that has a classic form also carries the classic `auth` field as
//! its last field (`add_msg_auth`), so a receiver checking either signature accepts it.
//!
//! Receiving ([`open`]): netstring (`###`, trailer checked) or classic (`>>>`, `auth` field
//! checked); a traditionally compressed message is inflated after its signature is checked.

use thiserror::Error;

use super::classic::{self, ClassicError};
use super::compress::{self, CompressError};
use super::netstring::{self, NetstringError};
use super::packet::{Packet, Value};
use crate::auth::{self, AuthError};
use crate::config::AuthKeys;

/// Which encoding a packet came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `###` ... `%%%` with an auth trailer.
    Netstring,
    /// `>>>` ... `<<<` with an `auth` field.
    Classic,
}

/// Why a datagram was refused.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DatagramError {
    /// Neither encoding's start marker.
    #[error("not a Heartbeat message (no ### or >>>)")]
    UnknownEncoding,
    /// The netstring form is malformed.
    #[error(transparent)]
    Netstring(#[from] NetstringError),
    /// The classic form is malformed or the packet has none.
    #[error(transparent)]
    Classic(#[from] ClassicError),
    /// The signature is missing or wrong.
    #[error("authentication failed: {0}")]
    Auth(#[from] AuthError),
    /// A compressed message does not open.
    #[error(transparent)]
    Compress(#[from] CompressError),
}

/// A datagram taken apart: the packet and where its bytes came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The message as sent (compressed messages still compressed).
    pub packet: Packet,
    /// The encoding it came in.
    pub encoding: Encoding,
    /// Netstring only: the bytes the trailer signs (`###\n` through `%%%\n`).
    pub body_len: usize,
    /// Netstring only: the trailer's `N digest`.
    pub trailer: Option<String>,
}

/// Splits a datagram without checking signatures (fixtures, diagnostics).
pub fn parse(bytes: &[u8]) -> Result<Parsed, DatagramError> {
    if bytes.starts_with(netstring::START) {
        let (packet, body_len) = netstring::decode_prefix(bytes)?;
        let rest = &bytes[body_len..];
        let trailer = if rest.is_empty() {
            None
        } else {
            let (data, used) = netstring::peel(rest, 0)?;
            if used != rest.len() {
                return Err(NetstringError::Trailing(rest.len() - used).into());
            }
            Some(String::from_utf8_lossy(data).into_owned())
        };
        return Ok(Parsed {
            packet,
            encoding: Encoding::Netstring,
            body_len,
            trailer,
        });
    }
    if bytes.starts_with(classic::START) {
        let text = bytes.strip_suffix(b"\0").unwrap_or(bytes);
        return Ok(Parsed {
            packet: classic::decode(text)?,
            encoding: Encoding::Classic,
            body_len: bytes.len(),
            trailer: None,
        });
    }
    Err(DatagramError::UnknownEncoding)
}

/// Decodes a datagram, checks its signature with `keys` and inflates it if compressed.
pub fn open(bytes: &[u8], keys: &AuthKeys) -> Result<(Packet, Encoding), DatagramError> {
    let parsed = parse(bytes)?;
    match parsed.encoding {
        Encoding::Netstring => {
            let trailer = parsed.trailer.as_deref().ok_or(AuthError::Unsigned)?;
            auth::verify_bytes(&bytes[..parsed.body_len], trailer, keys)?;
        }
        Encoding::Classic => verify_classic(&parsed.packet, keys)?,
    }
    let packet = if compress::is_compressed(&parsed.packet) {
        compress::expand(&parsed.packet)?
    } else {
        parsed.packet
    };
    Ok((packet, parsed.encoding))
}

/// Checks the classic `auth` field of `p`.
pub fn verify_classic(p: &Packet, keys: &AuthKeys) -> Result<(), DatagramError> {
    let given = p.get_str("auth").ok_or(AuthError::Unsigned)?;
    auth::verify_bytes(&classic::signed_text(p)?, given, keys)?;
    Ok(())
}

/// Sets the classic `auth` field (replacing one in place, else appending it).
pub fn sign_classic(p: &mut Packet, keys: &AuthKeys) -> Result<(), ClassicError> {
    let text = classic::signed_text(p)?;
    p.set("auth", Value::Str(auth::sign_bytes(&text, keys)));
    Ok(())
}

/// How [`seal`] writes a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealOptions {
    /// Also carry the classic `auth` field (Heartbeat's `msgfmt classic`, the default).
    pub classic_auth: bool,
}

impl Default for SealOptions {
    fn default() -> Self {
        SealOptions { classic_auth: true }
    }
}

/// The netstring datagram for `p`, signed with the active key.
pub fn seal(p: &Packet, keys: &AuthKeys, opts: SealOptions) -> Vec<u8> {
    let mut p = p.clone();
    if opts.classic_auth && !p.needs_netstring() && !compress::is_compressed(&p) {
        // A value with a reserved control byte has no classic form; Heartbeat could not send
        // it at all, we send it with the netstring trailer only.
        let _ = sign_classic(&mut p, keys);
    }
    seal_as_is(&p, keys)
}

/// The netstring datagram for `p` exactly as it is, plus the trailer.
pub fn seal_as_is(p: &Packet, keys: &AuthKeys) -> Vec<u8> {
    let mut out = netstring::encode(p);
    let trailer = auth::sign_bytes(&out, keys);
    netstring::frame(trailer.as_bytes(), &mut out);
    out
}

/// The classic datagram for `p` (`>>>` ... `<<<`) with its `auth` field.
pub fn seal_classic(p: &Packet, keys: &AuthKeys) -> Result<Vec<u8>, ClassicError> {
    let mut p = p.clone();
    sign_classic(&mut p, keys)?;
    classic::encode(&p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> AuthKeys {
        AuthKeys::parse(text, "authkeys").unwrap()
    }

    fn status() -> Packet {
        let mut p = Packet::with_type("status");
        p.push_str("st", "active")
            .push_str("src", "n1")
            .push("srcuuid", Value::Binary(vec![7; 16]))
            .push_str("seq", "1");
        p
    }

    #[test]
    fn both_encodings_open_and_tampering_is_refused() {
        let k = keys("auth 2\n2 md5 secret\n");
        let net = seal(&status(), &k, SealOptions::default());
        let (p, enc) = open(&net, &k).unwrap();
        assert_eq!(enc, Encoding::Netstring);
        assert_eq!(p.get_str("src"), Some("n1"));
        assert!(p.get_str("auth").is_some_and(|a| a.starts_with("2 ")));
        let cls = seal_classic(&status(), &k).unwrap();
        assert_eq!(open(&cls, &k).unwrap().1, Encoding::Classic);
        for bytes in [net, cls] {
            let mut bad = bytes.clone();
            let at = bad.windows(2).position(|w| w == b"n1").unwrap();
            bad[at + 1] = b'2';
            assert!(matches!(open(&bad, &k), Err(DatagramError::Auth(_))));
            assert!(matches!(
                open(&bytes, &keys("auth 2\n2 md5 other\n")),
                Err(DatagramError::Auth(AuthError::BadDigest))
            ));
        }
        let unsigned = netstring::encode(&status());
        assert!(matches!(
            open(&unsigned, &k),
            Err(DatagramError::Auth(AuthError::Unsigned))
        ));
    }

    #[test]
    fn compressed_messages_open_after_their_signature() {
        let k = keys("auth 1\n1 sha1 s\n");
        let mut big = Packet::with_type("crmd");
        big.push_str("x", "y".repeat(5000));
        let bytes = seal(
            &compress::compress(&big, compress::Algorithm::Zlib, false),
            &k,
            SealOptions::default(),
        );
        assert!(bytes.len() < 1000);
        assert_eq!(open(&bytes, &k).unwrap().0, big);
    }
}
