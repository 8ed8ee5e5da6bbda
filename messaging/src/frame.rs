//! Length-prefixed framing of [`Message`]s on the local client socket.
//!
//! A frame is a 4-byte big-endian length `N` followed by `N` bytes: the message in classic text form
//! (`>>>\n` … `<<<\n`, see [`crate::wire`]). Frames larger than [`MAX_FRAME`] are refused.

use std::io::{self, Read, Write};

use crate::wire::Message;

/// The largest frame either side accepts (16 MiB).
pub const MAX_FRAME: usize = 16 * 1024 * 1024;

/// Writes one frame.
pub fn write_frame(out: &mut impl Write, msg: &Message) -> io::Result<()> {
    let body = msg.encode();
    if body.len() > MAX_FRAME {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "frame too large"));
    }
    let mut buf = Vec::with_capacity(body.len() + 4);
    buf.extend_from_slice(&(body.len() as u32).to_be_bytes());
    buf.extend_from_slice(body.as_bytes());
    out.write_all(&buf)?;
    out.flush()
}

/// Reads one frame. `Ok(None)` means the peer closed the connection cleanly between frames.
pub fn read_frame(input: &mut impl Read) -> io::Result<Option<Message>> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "frame too large"));
    }
    let mut body = vec![0u8; len];
    input.read_exact(&mut body)?;
    Message::decode(&body)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
