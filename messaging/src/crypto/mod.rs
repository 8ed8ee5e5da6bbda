//! Encrypted links between heartbeat-rs nodes: ha.cf `crypto chacha20poly1305` with a `crypto`
//! key line in authkeys.
//!
//! Every packet (already signed with authkeys, as in clear) is sealed whole with
//! XChaCha20-Poly1305 into
//!
//! ```text
//! "\0HBX" | version 1 | name length | sender name | salt (8) | generation (8) | counter (8) | ciphertext+tag
//! ```
//!
//! Everything before the ciphertext is authenticated as associated data. The sender encrypts with
//! its own key ([`CryptoKey::node_key`]) and the 24-byte nonce `salt | generation | counter`: the
//! generation (`hg`, bumped and synced to disk at every start) with a counter that starts at 0 in
//! each generation, never repeats a nonce; the salt, random per start, also covers a generation
//! file lost with the state directory. A receiver keeps, per sender, the newest (generation,
//! salt) and a window of the last [`WINDOW`] counters: an older generation, a counter seen
//! before or one that fell out of the window is a replay. Tampering with any byte fails the tag.
//! A leading NUL byte never starts a Heartbeat packet (`>>>` classic, `###` netstring), so sealed
//! and clear packets are told apart by their first bytes.

mod key;
mod mixed;

pub use key::CryptoKey;
pub use mixed::{MixedCluster, Switch};

use std::collections::BTreeMap;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use thiserror::Error;

/// First bytes of every sealed packet.
pub const MAGIC: &[u8; 4] = b"\0HBX";
/// The format version after the magic.
const VERSION: u8 = 1;
/// Counters a receiver remembers behind the newest one (packets on several media interleave).
pub const WINDOW: u64 = 128;
/// Poly1305 tag length.
const TAG_LEN: usize = 16;

/// The cipher named by ha.cf's `crypto` directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cipher {
    /// XChaCha20-Poly1305 (ChaCha20-Poly1305 with a 24-byte nonce).
    ChaCha20Poly1305,
}

impl Cipher {
    /// Parses the directive's value.
    pub fn parse(s: &str) -> Option<Cipher> {
        match s.to_ascii_lowercase().as_str() {
            "chacha20poly1305" | "xchacha20poly1305" => Some(Cipher::ChaCha20Poly1305),
            _ => None,
        }
    }

    /// The name as written in ha.cf.
    pub fn name(self) -> &'static str {
        "chacha20poly1305"
    }
}

/// Whether `packet` is sealed (rather than a clear Heartbeat packet).
pub fn is_sealed(packet: &[u8]) -> bool {
    packet.starts_with(MAGIC)
}

/// The text frame of a sealed packet on a medium that carries only `>>>`/`<<<` text (serial
/// lines): the sealed bytes in base64 as the one field of a classic message.
const TEXT_START: &[u8] = b">>>\n_hbx=";
const TEXT_END: &[u8] = b"\n<<<\n";

/// Wraps a sealed packet for a text-only medium.
pub fn to_text(sealed: &[u8]) -> Vec<u8> {
    let mut out = TEXT_START.to_vec();
    out.extend_from_slice(crate::wire::classic::base64(sealed).as_bytes());
    out.extend_from_slice(TEXT_END);
    out
}

/// The sealed packet inside a [`to_text`] frame, if `data` is one.
pub fn from_text(data: &[u8]) -> Option<Vec<u8>> {
    let b64 = data.strip_prefix(TEXT_START)?.strip_suffix(TEXT_END)?;
    crate::wire::classic::unbase64(b64).filter(|p| is_sealed(p))
}

/// Why a sealed packet was refused.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// The header is cut short or has an unknown version.
    #[error("malformed encrypted packet: {0}")]
    Malformed(&'static str),
    /// The tag does not verify: tampered, or sealed with another key.
    #[error("encrypted packet claiming [{src}] fails authentication (tampered or wrong key)")]
    Forged {
        /// The sender the header claims.
        src: String,
    },
    /// A counter already seen, or too far behind the newest.
    #[error("replayed encrypted packet from [{src}] (generation {generation}, counter {counter})")]
    Replay {
        /// Sender.
        src: String,
        /// Its generation.
        generation: u64,
        /// The counter seen again.
        counter: u64,
    },
    /// A generation older than the sender's current one (or the same one from another life).
    #[error("replayed encrypted packet from [{src}]: generation {generation} is not its current {current}")]
    OldGeneration {
        /// Sender.
        src: String,
        /// The packet's generation.
        generation: u64,
        /// The newest generation seen from it.
        current: u64,
    },
    /// This generation's counter is used up (2^64 packets): restart to get a new generation.
    #[error("encryption counter exhausted in this generation")]
    Exhausted,
}

/// What a receiver remembers of one sender.
#[derive(Debug)]
struct Sender {
    aead: XChaCha20Poly1305,
    generation: u64,
    salt: [u8; 8],
    highest: u64,
    /// Bit `i` set: counter `highest - i` was seen.
    seen: u128,
}

impl Sender {
    /// Records `counter`, or says it is a replay.
    fn accept(&mut self, counter: u64) -> bool {
        if counter > self.highest {
            let shift = counter - self.highest;
            self.seen = if shift >= 128 { 0 } else { self.seen << shift };
            self.seen |= 1;
            self.highest = counter;
            return true;
        }
        let behind = self.highest - counter;
        if behind >= WINDOW || self.seen & (1u128 << behind) != 0 {
            return false;
        }
        self.seen |= 1u128 << behind;
        true
    }
}

/// Seals this node's packets and opens its peers'.
pub struct LinkCipher {
    master: CryptoKey,
    me: String,
    own: XChaCha20Poly1305,
    salt: [u8; 8],
    generation: u64,
    counter: u64,
    senders: BTreeMap<String, Sender>,
}

impl std::fmt::Debug for LinkCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkCipher")
            .field("me", &self.me)
            .field("generation", &self.generation)
            .field("counter", &self.counter)
            .finish_non_exhaustive()
    }
}

fn aead_for(key: &CryptoKey, node: &str) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new_from_slice(&key.node_key(node)).expect("32-byte key")
}

fn nonce(salt: &[u8; 8], generation: u64, counter: u64) -> XNonce {
    let mut n = [0u8; 24];
    n[..8].copy_from_slice(salt);
    n[8..16].copy_from_slice(&generation.to_be_bytes());
    n[16..].copy_from_slice(&counter.to_be_bytes());
    XNonce::from(n)
}

/// The parsed clear part of a sealed packet.
struct Header<'a> {
    src: &'a str,
    salt: [u8; 8],
    generation: u64,
    counter: u64,
    /// Length of the header (the associated data).
    len: usize,
}

fn parse_header(packet: &[u8]) -> Result<Header<'_>, CryptoError> {
    let short = CryptoError::Malformed("header cut short");
    if !is_sealed(packet) || packet.len() < 6 {
        return Err(short);
    }
    if packet[4] != VERSION {
        return Err(CryptoError::Malformed("unknown version"));
    }
    let name_end = 6 + usize::from(packet[5]);
    let len = name_end + 24;
    if packet.len() < len + TAG_LEN {
        return Err(short);
    }
    let src = std::str::from_utf8(&packet[6..name_end])
        .map_err(|_| CryptoError::Malformed("sender name is not UTF-8"))?;
    let u64_at = |at: usize| u64::from_be_bytes(packet[at..at + 8].try_into().expect("8 bytes"));
    Ok(Header {
        src,
        salt: packet[name_end..name_end + 8].try_into().expect("8 bytes"),
        generation: u64_at(name_end + 8),
        counter: u64_at(name_end + 16),
        len,
    })
}

impl LinkCipher {
    /// The cipher of node `me` in `generation`; `salt` must be fresh random bytes at every start.
    pub fn new(key: CryptoKey, me: &str, generation: u64, salt: [u8; 8]) -> LinkCipher {
        LinkCipher {
            own: aead_for(&key, me),
            master: key,
            me: me.to_string(),
            salt,
            generation,
            counter: 0,
            senders: BTreeMap::new(),
        }
    }

    /// Encrypts one whole packet under the next nonce.
    pub fn seal(&mut self, plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let counter = self.counter;
        self.counter = counter.checked_add(1).ok_or(CryptoError::Exhausted)?;
        let name = self.me.as_bytes();
        let name_len = u8::try_from(name.len()).expect("node names are at most 255 bytes");
        let mut out = Vec::with_capacity(plain.len() + name.len() + 30 + TAG_LEN);
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.push(name_len);
        out.extend_from_slice(name);
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&self.generation.to_be_bytes());
        out.extend_from_slice(&counter.to_be_bytes());
        let sealed = self
            .own
            .encrypt(
                &nonce(&self.salt, self.generation, counter),
                Payload {
                    msg: plain,
                    aad: &out,
                },
            )
            .expect("encryption of an in-memory buffer cannot fail");
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Decrypts a peer's packet, refusing forgeries and replays. Returns the sender's name (as
    /// authenticated by its key) and the clear packet.
    pub fn open(&mut self, packet: &[u8]) -> Result<(String, Vec<u8>), CryptoError> {
        let h = parse_header(packet)?;
        let known = self.senders.get(h.src);
        let fresh;
        let aead = match known {
            Some(s) => &s.aead,
            None => {
                fresh = aead_for(&self.master, h.src);
                &fresh
            }
        };
        let plain = aead
            .decrypt(
                &nonce(&h.salt, h.generation, h.counter),
                Payload {
                    msg: &packet[h.len..],
                    aad: &packet[..h.len],
                },
            )
            .map_err(|_| CryptoError::Forged {
                src: h.src.to_string(),
            })?;
        // Only authentic packets reach here, so a forger cannot move a sender's window.
        let src = h.src.to_string();
        let replay = CryptoError::Replay {
            src: src.clone(),
            generation: h.generation,
            counter: h.counter,
        };
        match self.senders.get_mut(h.src) {
            Some(s)
                if h.generation < s.generation
                    || (h.generation == s.generation && h.salt != s.salt) =>
            {
                return Err(CryptoError::OldGeneration {
                    src,
                    generation: h.generation,
                    current: s.generation,
                });
            }
            Some(s) if h.generation == s.generation => {
                if !s.accept(h.counter) {
                    return Err(replay);
                }
            }
            _ => {
                let aead = aead_for(&self.master, h.src);
                self.senders.insert(
                    src.clone(),
                    Sender {
                        aead,
                        generation: h.generation,
                        salt: h.salt,
                        highest: h.counter,
                        seen: 1,
                    },
                );
            }
        }
        Ok((src, plain))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> CryptoKey {
        CryptoKey::from_hex(&format!("{byte:02x}").repeat(32)).unwrap()
    }

    fn pair() -> (LinkCipher, LinkCipher) {
        (
            LinkCipher::new(key(7), "node1", 100, [1; 8]),
            LinkCipher::new(key(7), "node2", 200, [2; 8]),
        )
    }

    #[test]
    fn seals_and_opens_without_showing_the_text() {
        let (mut a, mut b) = pair();
        let text = b">>>\nt=crmd\nxml=<nvpair name=\"passwd\" value=\"fence-s3cret\"/>\n<<<\n";
        let sealed = a.seal(text).unwrap();
        assert!(is_sealed(&sealed));
        assert!(!sealed.windows(6).any(|w| w == b"s3cret"));
        assert!(!sealed.windows(4).any(|w| w == b"crmd"));
        assert_eq!(
            b.open(&sealed).unwrap(),
            ("node1".to_string(), text.to_vec())
        );
    }

    #[test]
    fn the_same_text_never_seals_the_same_way() {
        let (mut a, _) = pair();
        let one = a.seal(b"same").unwrap();
        let two = a.seal(b"same").unwrap();
        assert_ne!(one, two);
        let mut restarted = LinkCipher::new(key(7), "node1", 101, [1; 8]);
        assert_ne!(
            restarted.seal(b"same").unwrap(),
            one,
            "new generation, new nonce"
        );
    }

    #[test]
    fn any_changed_byte_or_another_key_is_a_forgery() {
        let (mut a, mut b) = pair();
        let sealed = a.seal(b"hello node2").unwrap();
        for i in 6..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert!(
                matches!(
                    b.open(&bad),
                    Err(CryptoError::Forged { .. } | CryptoError::Malformed(_))
                ),
                "byte {i}"
            );
        }
        let mut stranger = LinkCipher::new(key(9), "node1", 100, [1; 8]);
        let forged = stranger.seal(b"hello node2").unwrap();
        assert_eq!(
            b.open(&forged),
            Err(CryptoError::Forged {
                src: "node1".into()
            })
        );
        // The genuine packet still opens: failures changed nothing.
        assert!(b.open(&sealed).is_ok());
    }

    #[test]
    fn replays_are_refused_and_reordering_within_the_window_is_not() {
        let (mut a, mut b) = pair();
        let p: Vec<Vec<u8>> = (0..5).map(|_| a.seal(b"x").unwrap()).collect();
        assert!(b.open(&p[0]).is_ok());
        assert!(b.open(&p[2]).is_ok());
        assert!(b.open(&p[1]).is_ok(), "late but unseen");
        assert!(matches!(
            b.open(&p[1]),
            Err(CryptoError::Replay { counter: 1, .. })
        ));
        assert!(matches!(b.open(&p[0]), Err(CryptoError::Replay { .. })));
        for _ in 0..WINDOW {
            b.open(&a.seal(b"y").unwrap()).unwrap();
        }
        assert!(b.open(&p[3]).is_err(), "fell out of the window");
    }

    #[test]
    fn a_new_generation_resets_and_old_ones_are_replays() {
        let (mut a, mut b) = pair();
        let old = a.seal(b"old life").unwrap();
        let old2 = a.seal(b"old life").unwrap();
        b.open(&old).unwrap();
        let mut restarted = LinkCipher::new(key(7), "node1", 101, [3; 8]);
        b.open(&restarted.seal(b"new life").unwrap()).unwrap();
        assert_eq!(
            b.open(&old2),
            Err(CryptoError::OldGeneration {
                src: "node1".into(),
                generation: 100,
                current: 101
            })
        );
        // The same generation from another life (its file lost) is not mixed with this one.
        let mut twin = LinkCipher::new(key(7), "node1", 101, [4; 8]);
        assert!(matches!(
            b.open(&twin.seal(b"twin").unwrap()),
            Err(CryptoError::OldGeneration { .. })
        ));
    }

    #[test]
    fn text_frames_carry_sealed_packets_over_serial_lines() {
        let (mut a, mut b) = pair();
        let sealed = a.seal(b"over the null-modem cable").unwrap();
        let text = to_text(&sealed);
        assert!(text.starts_with(b">>>\n") && text.ends_with(b"\n<<<\n"));
        assert_eq!(
            text.iter().filter(|c| **c == b'\n').count(),
            3,
            "one field line"
        );
        let back = from_text(&text).unwrap();
        assert_eq!(b.open(&back).unwrap().1, b"over the null-modem cable");
        assert_eq!(from_text(b">>>\nt=status\n<<<\n"), None);
    }

    #[test]
    fn short_and_foreign_packets_are_malformed() {
        let (_, mut b) = pair();
        assert!(matches!(b.open(b"\0HBX"), Err(CryptoError::Malformed(_))));
        assert!(matches!(
            b.open(b"\0HBX\x02\x00aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            Err(CryptoError::Malformed("unknown version"))
        ));
        assert!(!is_sealed(b">>>\nt=status\n<<<\n"));
        assert!(!is_sealed(b"###\n"));
    }
}
