//! cluster-glue's netstring encoding of a [`Packet`] (`cl_netstring.c`), the form Heartbeat
//! 3.0.6 puts every signed packet in:
//!
//! ```text
//! ###\n
//! <len>:(<type>)<name>=<value>,      one per field, <len> counting "(<type>)<name>=<value>"
//! %%%\n
//! <len>:<key index> <digest>,        the auth trailer, over the bytes from ### to %%%\n
//! ```
//!
//! Values: strings and binaries raw; a nested message as its own `###`...`%%%` netstring (no
//! trailer); a list as `<len>:<item>,` per item; a compressed message as its compressed bytes.

use thiserror::Error;

use super::packet::{Packet, Value};

/// Start marker.
pub const START: &[u8] = b"###\n";
/// End marker.
pub const END: &[u8] = b"%%%\n";

/// Deepest nesting accepted (cluster-glue's `MAXDEPTH`).
pub const MAX_DEPTH: usize = 16;

/// Why bytes are not a netstring message.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetstringError {
    /// Does not begin with `###\n`.
    #[error("netstring message does not start with ###")]
    NoStart,
    /// Ends before `%%%\n`.
    #[error("netstring message ends before %%% (truncated?)")]
    NoEnd,
    /// A `<len>:...,` frame is malformed; the offset says where.
    #[error("bad netstring frame at byte {0}")]
    BadFrame(usize),
    /// A field is not `(<digit>)name=value`.
    #[error("bad field at byte {0}: {1}")]
    BadField(usize, &'static str),
    /// A string field or list item is not UTF-8 text.
    #[error("field {0:?} is not UTF-8 text")]
    NotText(String),
    /// Nested deeper than [`MAX_DEPTH`].
    #[error("messages nested deeper than {MAX_DEPTH}")]
    TooDeep,
    /// Bytes after the trailer.
    #[error("{0} bytes after the auth trailer")]
    Trailing(usize),
}

/// The netstring form of `p`, without the auth trailer (`msg2netstring_noauth`).
pub fn encode(p: &Packet) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + p.len() * 24);
    encode_into(p, &mut out);
    out
}

fn encode_into(p: &Packet, out: &mut Vec<u8>) {
    out.extend_from_slice(START);
    for (name, value) in p.fields() {
        let mut body = format!("({})", value.type_number()).into_bytes();
        body.extend_from_slice(name.as_bytes());
        body.push(b'=');
        match value {
            Value::Str(s) => body.extend_from_slice(s.as_bytes()),
            Value::Binary(b) | Value::Compressed(b) => body.extend_from_slice(b),
            Value::Struct(child) | Value::Uncompressed(child) => encode_into(child, &mut body),
            Value::List(items) => {
                for item in items {
                    frame(item.as_bytes(), &mut body);
                }
            }
        }
        frame(&body, out);
    }
    out.extend_from_slice(END);
}

/// Appends `<len>:<data>,`.
pub fn frame(data: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(data.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(data);
    out.push(b',');
}

/// Reads one `<len>:<data>,` frame at `at`; returns the data and the offset after the comma.
pub fn peel(bytes: &[u8], at: usize) -> Result<(&[u8], usize), NetstringError> {
    let digits = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 || digits > 9 {
        return Err(NetstringError::BadFrame(at));
    }
    let len: usize = std::str::from_utf8(&bytes[at..at + digits])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or(NetstringError::BadFrame(at))?;
    let colon = at + digits;
    if bytes.get(colon) != Some(&b':') {
        return Err(NetstringError::BadFrame(at));
    }
    let start = colon + 1;
    let end = start
        .checked_add(len)
        .filter(|e| *e < bytes.len())
        .ok_or(NetstringError::BadFrame(at))?;
    if bytes[end] != b',' {
        return Err(NetstringError::BadFrame(at));
    }
    Ok((&bytes[start..end], end + 1))
}

/// Parses one netstring message at the start of `bytes`; returns it and the number of bytes it
/// took (up to and including `%%%\n`).
pub fn decode_prefix(bytes: &[u8]) -> Result<(Packet, usize), NetstringError> {
    decode_at(bytes, 0)
}

/// Parses a message that must fill `bytes` exactly (a nested message).
pub fn decode(bytes: &[u8]) -> Result<Packet, NetstringError> {
    let (p, used) = decode_prefix(bytes)?;
    match bytes.len() - used {
        0 => Ok(p),
        n => Err(NetstringError::Trailing(n)),
    }
}

fn decode_at(bytes: &[u8], depth: usize) -> Result<(Packet, usize), NetstringError> {
    if depth >= MAX_DEPTH {
        return Err(NetstringError::TooDeep);
    }
    if !bytes.starts_with(START) {
        return Err(NetstringError::NoStart);
    }
    let mut at = START.len();
    let mut p = Packet::new();
    loop {
        if bytes[at..].starts_with(END) {
            return Ok((p, at + END.len()));
        }
        if at >= bytes.len() {
            return Err(NetstringError::NoEnd);
        }
        let (field, next) = peel(bytes, at)?;
        let (name, value) = field_of(field, at, depth)?;
        p.push(name, value);
        at = next;
    }
}

fn field_of(field: &[u8], at: usize, depth: usize) -> Result<(&str, Value), NetstringError> {
    let [b'(', t, b')', rest @ ..] = field else {
        return Err(NetstringError::BadField(at, "no (type)"));
    };
    let eq = rest
        .iter()
        .position(|b| *b == b'=')
        .filter(|p| *p > 0)
        .ok_or(NetstringError::BadField(at, "no name="))?;
    let name = std::str::from_utf8(&rest[..eq])
        .map_err(|_| NetstringError::BadField(at, "name not UTF-8"))?;
    let raw = &rest[eq + 1..];
    let text = |b: &[u8]| {
        String::from_utf8(b.to_vec()).map_err(|_| NetstringError::NotText(name.to_string()))
    };
    let value = match t {
        b'0' => Value::Str(text(raw)?),
        b'1' => Value::Binary(raw.to_vec()),
        b'2' => Value::Struct(decode_nested(raw, depth)?),
        b'3' => {
            let mut items = Vec::new();
            let mut i = 0;
            while i < raw.len() {
                let (item, next) = peel(raw, i)?;
                items.push(text(item)?);
                i = next;
            }
            Value::List(items)
        }
        b'4' => Value::Compressed(raw.to_vec()),
        b'5' => Value::Uncompressed(decode_nested(raw, depth)?),
        _ => return Err(NetstringError::BadField(at, "unknown type")),
    };
    Ok((name, value))
}

fn decode_nested(raw: &[u8], depth: usize) -> Result<Packet, NetstringError> {
    let (child, used) = decode_at(raw, depth + 1)?;
    match raw.len() - used {
        0 => Ok(child),
        n => Err(NetstringError::Trailing(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_every_type_as_cluster_glue_does() {
        let mut child = Packet::new();
        child.push_str("a", "1");
        let mut p = Packet::with_type("x");
        p.push("u", Value::Binary(vec![0, b',', 0xff]))
            .push("s", Value::Struct(child))
            .push("l", Value::List(vec!["ab".into(), "c".into()]));
        let bytes = encode(&p);
        assert_eq!(
            bytes,
            b"###\n6:(0)t=x,8:(1)u=\0,\xff,22:(2)s=###\n6:(0)a=1,%%%\n,14:(3)l=2:ab,1:c,,%%%\n"
        );
        assert_eq!(decode(&bytes).unwrap(), p);
    }

    #[test]
    fn refuses_bad_frames_without_panicking() {
        for bad in [
            &b"###\n"[..],
            b"###\n9:(0)t=x,%%%\n",
            b"###\n5:(0)t=x%%%\n",
            b"###\n5:(9)t=x,%%%\n",
            b"###\n4:(0)=x,%%%\n",
            b"###\n99999999999:(0)t=x,%%%\n",
            b">>>\nt=x\n<<<\n",
            b"###\n12:(2)s=###\n%%%,%%%\n",
        ] {
            assert!(decode(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }
}
