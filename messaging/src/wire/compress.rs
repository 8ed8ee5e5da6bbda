//! Heartbeat's message compression (cluster-glue `cl_compress.c`, plugins `zlib` and `bz2`).
//!
//! Two forms reach the wire:
//! - *traditional* (`traditional_compression yes`): the whole message is replaced by one with
//!   `(1)_compressed_payload=<compressed bytes>` and `_compression_algorithm=<zlib|bz2>`;
//! - *field* (the default for large nested messages): one `(4)` field holds a compressed nested
//!   message, and the message carries `_compression_algorithm`.
//!
//! Either way the compressed bytes are the sender's unsigned wire form of the inner message
//! (netstring, or classic text with its NUL), compressed with zlib's `compress()` (a zlib stream)
//! or libbz2.

use std::io::Read;

use thiserror::Error;

use super::packet::{Packet, Value};

/// The field of a traditionally compressed message.
pub const PAYLOAD_FIELD: &str = "_compressed_payload";
/// The field naming the algorithm.
pub const ALGORITHM_FIELD: &str = "_compression_algorithm";
/// The largest inner message we inflate (cluster-glue's `MAXUNCOMPRESSED` is 2 MiB).
pub const MAX_INFLATED: u64 = 2 * 1024 * 1024;

/// Why a compressed message could not be opened.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CompressError {
    /// No `_compression_algorithm`.
    #[error("compressed message names no {ALGORITHM_FIELD}")]
    NoAlgorithm,
    /// An algorithm other than zlib or bz2.
    #[error("compression algorithm {0:?} is not supported (zlib, bz2)")]
    Unsupported(String),
    /// The field is missing or not compressed.
    #[error("no compressed field {0:?}")]
    NoField(String),
    /// The stream is corrupt.
    #[error("cannot inflate {0}: {1}")]
    Corrupt(&'static str, std::io::Error),
    /// Inflates to more than [`MAX_INFLATED`].
    #[error("compressed message inflates beyond {MAX_INFLATED} bytes")]
    TooLarge,
    /// The inflated bytes are not a message.
    #[error("inflated bytes are not a message: {0}")]
    NotAMessage(String),
}

/// A compression algorithm Heartbeat knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// zlib's `compress()`.
    Zlib,
    /// libbz2.
    Bz2,
}

impl Algorithm {
    /// The `compression` directive / `_compression_algorithm` name.
    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Zlib => "zlib",
            Algorithm::Bz2 => "bz2",
        }
    }

    /// Parses a name.
    pub fn parse(name: &str) -> Result<Self, CompressError> {
        match name {
            "zlib" => Ok(Algorithm::Zlib),
            "bz2" => Ok(Algorithm::Bz2),
            other => Err(CompressError::Unsupported(other.to_string())),
        }
    }

    /// Compresses `data`.
    pub fn compress(self, data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        match self {
            Algorithm::Zlib => {
                let mut e =
                    flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
                e.write_all(data).expect("writing to a Vec");
                e.finish().expect("writing to a Vec")
            }
            Algorithm::Bz2 => {
                let mut e = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
                e.write_all(data).expect("writing to a Vec");
                e.finish().expect("writing to a Vec")
            }
        }
    }

    /// Inflates `data`, refusing more than [`MAX_INFLATED`] bytes.
    pub fn inflate(self, data: &[u8]) -> Result<Vec<u8>, CompressError> {
        let mut out = Vec::new();
        let reader: Box<dyn Read + '_> = match self {
            Algorithm::Zlib => Box::new(flate2::read::ZlibDecoder::new(data)),
            Algorithm::Bz2 => Box::new(bzip2::read::BzDecoder::new(data)),
        };
        reader
            .take(MAX_INFLATED + 1)
            .read_to_end(&mut out)
            .map_err(|e| CompressError::Corrupt(self.name(), e))?;
        if out.len() as u64 > MAX_INFLATED {
            return Err(CompressError::TooLarge);
        }
        Ok(out)
    }
}

fn algorithm_of(p: &Packet) -> Result<Algorithm, CompressError> {
    Algorithm::parse(
        p.get_str(ALGORITHM_FIELD)
            .ok_or(CompressError::NoAlgorithm)?,
    )
}

/// Whether `p` is a traditionally compressed message.
pub fn is_compressed(p: &Packet) -> bool {
    matches!(p.get(PAYLOAD_FIELD), Some(Value::Binary(_)))
}

/// The message a traditionally compressed message stands for.
pub fn expand(p: &Packet) -> Result<Packet, CompressError> {
    let data = match p.get(PAYLOAD_FIELD) {
        Some(Value::Binary(b)) => b,
        _ => return Err(CompressError::NoField(PAYLOAD_FIELD.into())),
    };
    inner_message(&algorithm_of(p)?.inflate(data)?)
}

/// Wraps `inner` as a traditionally compressed message. As cluster-glue does, the compressed
/// bytes are the inner message's unsigned wire form: netstring when `netstring` (`msgfmt
/// netstring`, or nested messages) or when it has no classic form, else classic text with its
/// terminating NUL.
pub fn compress(inner: &Packet, algorithm: Algorithm, netstring: bool) -> Packet {
    let classic = (!netstring && !inner.needs_netstring())
        .then(|| super::classic::encode(inner).ok())
        .flatten();
    let raw = match classic {
        Some(mut text) => {
            text.push(0);
            text
        }
        None => super::netstring::encode(inner),
    };
    let mut p = Packet::new();
    p.push(PAYLOAD_FIELD, Value::Binary(algorithm.compress(&raw)))
        .push_str(ALGORITHM_FIELD, algorithm.name());
    p
}

/// The nested message held compressed in field `name`.
pub fn expand_field(p: &Packet, name: &str) -> Result<Packet, CompressError> {
    let data = match p.get(name) {
        Some(Value::Compressed(b)) => b,
        _ => return Err(CompressError::NoField(name.into())),
    };
    inner_message(&algorithm_of(p)?.inflate(data)?)
}

/// Parses inflated bytes: netstring, or classic text with an optional trailing NUL.
fn inner_message(bytes: &[u8]) -> Result<Packet, CompressError> {
    let bytes = bytes.strip_suffix(b"\0").unwrap_or(bytes);
    if bytes.starts_with(super::netstring::START) {
        super::netstring::decode(bytes).map_err(|e| CompressError::NotAMessage(e.to_string()))
    } else {
        super::classic::decode(bytes).map_err(|e| CompressError::NotAMessage(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traditional_compression_round_trips_with_both_algorithms() {
        let mut inner = Packet::with_type("crmd");
        inner.push_str("crm_xml", "<cib>".repeat(2000));
        for a in [Algorithm::Zlib, Algorithm::Bz2] {
            for netstring in [false, true] {
                let c = compress(&inner, a, netstring);
                assert!(is_compressed(&c));
                assert!(super::super::netstring::encode(&c).len() < 2000);
                assert_eq!(expand(&c).unwrap(), inner);
            }
        }
    }

    #[test]
    fn refuses_bombs_unknown_algorithms_and_garbage() {
        let bomb = Algorithm::Zlib.compress(&vec![b'a'; 3 * 1024 * 1024]);
        let mut p = Packet::new();
        p.push(PAYLOAD_FIELD, Value::Binary(bomb))
            .push_str(ALGORITHM_FIELD, "zlib");
        assert!(matches!(expand(&p), Err(CompressError::TooLarge)));
        p.set_str(ALGORITHM_FIELD, "lzma");
        assert!(matches!(expand(&p), Err(CompressError::Unsupported(_))));
        p.set(PAYLOAD_FIELD, Value::Binary(b"not zlib".to_vec()))
            .set_str(ALGORITHM_FIELD, "zlib");
        assert!(matches!(expand(&p), Err(CompressError::Corrupt(..))));
    }
}
