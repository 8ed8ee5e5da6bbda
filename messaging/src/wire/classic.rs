//! cluster-glue's classic text form of a [`Packet`] (`msg2string_buf` / `string2msg_ll`):
//!
//! ```text
//! >>>\n
//! <name>=<value>\n            a string; each newline in it written as byte 19
//! (<type>)<name>=<value>\n    other types: binary base64, a nested message as its own classic
//! <<<\n                       text with newlines written as byte 20 + depth, a list as <len>:<item>,
//! ```
//!
//! Heartbeat 3.0.6 still accepts packets in this form, and its inner `auth` field is computed over
//! the field lines of this form (without markers and without the `auth` line).

use thiserror::Error;

use super::packet::{Packet, Value};

/// Start marker line.
pub const START: &[u8] = b">>>\n";
/// End marker line.
pub const END: &[u8] = b"<<<\n";

/// What a newline inside a string becomes (`SPECIAL_SYM`).
const STRING_NL: u8 = 19;
/// What a newline inside a nested message at each depth becomes (`SPECIAL_SYMS`).
const STRUCT_NL: [u8; 16] = [
    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 15, 16, 17, 18,
];

/// Why a packet has no classic form, or bytes are not one.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClassicError {
    /// A value holds the byte its newlines would be written as.
    #[error("field {0:?} holds control byte {1}, which the classic form reserves")]
    ReservedByte(String, u8),
    /// An uncompressed-struct field has no classic form.
    #[error("field {0:?} has no classic form (uncompressed struct)")]
    NoClassicForm(String),
    /// Nested deeper than cluster-glue allows.
    #[error("messages nested deeper than 16")]
    TooDeep,
    /// Missing `>>>`.
    #[error("classic message does not start with >>>")]
    NoStart,
    /// Missing `<<<`.
    #[error("classic message does not end with <<< (truncated?)")]
    NoEnd,
    /// A line is not `[(N)]name=value` or its value does not decode.
    #[error("malformed field line {0:?}")]
    BadField(String),
}

/// The whole message, `>>>\n` ... `<<<\n`.
pub fn encode(p: &Packet) -> Result<Vec<u8>, ClassicError> {
    let mut out = Vec::new();
    encode_into(p, 0, true, &mut out)?;
    Ok(out)
}

/// The field lines without markers and without `auth`: the text Heartbeat's inner `auth` field
/// signs (`msg2string_buf(..., NOHEAD)`).
pub fn signed_text(p: &Packet) -> Result<Vec<u8>, ClassicError> {
    let mut out = Vec::new();
    encode_into(p, 0, false, &mut out)?;
    Ok(out)
}

fn encode_into(
    p: &Packet,
    depth: usize,
    head: bool,
    out: &mut Vec<u8>,
) -> Result<(), ClassicError> {
    if depth >= STRUCT_NL.len() {
        return Err(ClassicError::TooDeep);
    }
    if head {
        out.extend_from_slice(START);
    }
    for (name, value) in p.fields() {
        if !head && name == "auth" {
            continue;
        }
        if value.type_number() != 0 {
            out.extend_from_slice(format!("({})", value.type_number()).as_bytes());
        }
        out.extend_from_slice(name.as_bytes());
        out.push(b'=');
        match value {
            Value::Str(s) => out.extend(replace_nl(s.as_bytes(), STRING_NL, name)?),
            Value::Binary(b) | Value::Compressed(b) => out.extend(base64(b).into_bytes()),
            Value::Struct(child) => {
                let mut text = Vec::new();
                encode_into(child, depth + 1, true, &mut text)?;
                out.extend(replace_nl(&text, STRUCT_NL[depth], name)?);
            }
            Value::List(items) => {
                for item in items {
                    super::netstring::frame(item.as_bytes(), out);
                }
            }
            Value::Uncompressed(_) => return Err(ClassicError::NoClassicForm(name.to_string())),
        }
        out.push(b'\n');
    }
    if head {
        out.extend_from_slice(END);
    }
    Ok(())
}

fn replace_nl(text: &[u8], sym: u8, name: &str) -> Result<Vec<u8>, ClassicError> {
    if text.contains(&sym) {
        return Err(ClassicError::ReservedByte(name.to_string(), sym));
    }
    Ok(text
        .iter()
        .map(|&b| if b == b'\n' { sym } else { b })
        .collect())
}

/// Parses a classic message. A trailing NUL (cluster-glue sends the string's terminator) and
/// anything after `<<<\n` are ignored, as `string2msg_ll` does.
pub fn decode(bytes: &[u8]) -> Result<Packet, ClassicError> {
    decode_at(bytes, 0)
}

fn decode_at(bytes: &[u8], depth: usize) -> Result<Packet, ClassicError> {
    if depth >= STRUCT_NL.len() {
        return Err(ClassicError::TooDeep);
    }
    let body = bytes.strip_prefix(START).ok_or(ClassicError::NoStart)?;
    let mut p = Packet::new();
    for line in body.split(|b| *b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line == b"<<<" {
            return Ok(p);
        }
        if line.is_empty() {
            continue;
        }
        let (name, value) = field_of(line, depth)?;
        p.push(&name, value);
    }
    Err(ClassicError::NoEnd)
}

fn field_of(line: &[u8], depth: usize) -> Result<(String, Value), ClassicError> {
    let bad =
        || ClassicError::BadField(String::from_utf8_lossy(&line[..line.len().min(60)]).into());
    let (t, rest) = match line {
        [b'(', t @ b'0'..=b'9', b')', rest @ ..] => (*t, rest),
        _ => (b'0', line),
    };
    let eq = rest
        .iter()
        .position(|b| *b == b'=')
        .filter(|p| *p > 0)
        .ok_or_else(bad)?;
    let name = std::str::from_utf8(&rest[..eq])
        .map_err(|_| bad())?
        .to_string();
    let raw = &rest[eq + 1..];
    let text = |b: Vec<u8>| String::from_utf8(b).map_err(|_| bad());
    let value = match t {
        b'0' => Value::Str(text(restore_nl(raw, STRING_NL))?),
        b'1' => Value::Binary(unbase64(raw).ok_or_else(bad)?),
        b'2' => Value::Struct(decode_at(&restore_nl(raw, STRUCT_NL[depth]), depth + 1)?),
        b'3' => {
            let mut items = Vec::new();
            let mut i = 0;
            while i < raw.len() {
                let (item, next) = super::netstring::peel(raw, i).map_err(|_| bad())?;
                items.push(text(item.to_vec())?);
                i = next;
            }
            Value::List(items)
        }
        b'4' => Value::Compressed(unbase64(raw).ok_or_else(bad)?),
        _ => return Err(bad()),
    };
    Ok((name, value))
}

fn restore_nl(raw: &[u8], sym: u8) -> Vec<u8> {
    raw.iter()
        .map(|&b| if b == sym { b'\n' } else { b })
        .collect()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with `=` padding (cluster-glue's `binary_to_base64`).
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes [`base64`]; `None` for bad characters or length.
pub fn unbase64(text: &[u8]) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    for chunk in text.chunks(4) {
        let pad = chunk.iter().rev().take_while(|b| **b == b'=').count();
        if pad > 2 {
            return None;
        }
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            let v = if i >= 4 - pad {
                0
            } else {
                B64.iter().position(|b| b == c)? as u32
            };
            n |= v << (18 - 6 * i);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), enc);
            assert_eq!(unbase64(enc.as_bytes()).unwrap(), plain.as_bytes());
        }
        assert_eq!(unbase64(b"Zg="), None);
        assert_eq!(unbase64(b"Z!=="), None);
    }

    #[test]
    fn round_trips_newlines_binaries_structs_and_lists() {
        let mut inner = Packet::new();
        inner.push_str("x", "line1\nline2");
        let mut p = Packet::with_type("t1");
        p.push_str("v", "a\nb")
            .push("u", Value::Binary(vec![1, 2, 3, 250]))
            .push("s", Value::Struct(inner))
            .push("l", Value::List(vec!["one".into(), "".into()]))
            .push_str("auth", "1 abc");
        let text = encode(&p).unwrap();
        assert_eq!(text.iter().filter(|b| **b == b'\n').count(), 8);
        assert_eq!(decode(&text).unwrap(), p);
        let signed = signed_text(&p).unwrap();
        assert!(signed.starts_with(
            b"t=t1\nv=a\x13b\n(1)u=AQID+g==\n(2)s=>>>\x14x=line1\x13line2\x14<<<\x14\n"
        ));
        assert!(!signed.windows(5).any(|w| w == b"auth="));
    }

    #[test]
    fn refuses_reserved_bytes_and_truncation() {
        let mut p = Packet::with_type("x");
        p.push_str("v", "a\x13b");
        assert!(matches!(encode(&p), Err(ClassicError::ReservedByte(..))));
        assert_eq!(decode(b">>>\nt=x\n"), Err(ClassicError::NoEnd));
        assert_eq!(decode(b"t=x\n<<<\n"), Err(ClassicError::NoStart));
        assert!(decode(b">>>\n(1)u=!!!!\n<<<\n").is_err());
        assert!(decode(b">>>\nnovalue\n<<<\n").is_err());
    }
}
