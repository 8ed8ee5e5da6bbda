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
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "frame too large",
        ));
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
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    let mut body = vec![0u8; len];
    input.read_exact(&mut body)?;
    Message::decode(&body)
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Bytes read from a stream but not yet returned as frames, so a read that times out halfway
/// through a frame loses nothing.
#[derive(Debug, Default)]
pub struct FrameBuffer {
    buf: Vec<u8>,
}

impl FrameBuffer {
    /// Whether a whole frame is buffered.
    pub fn has_frame(&self) -> bool {
        self.frame_len().is_some_and(|n| self.buf.len() >= 4 + n)
    }

    fn frame_len(&self) -> Option<usize> {
        let len: [u8; 4] = self.buf.get(..4)?.try_into().ok()?;
        Some(u32::from_be_bytes(len) as usize)
    }

    /// Takes the next whole frame, if buffered.
    pub fn take(&mut self) -> io::Result<Option<Message>> {
        let Some(len) = self.frame_len() else {
            return Ok(None);
        };
        if len > MAX_FRAME {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "frame too large",
            ));
        }
        if self.buf.len() < 4 + len {
            return Ok(None);
        }
        let body: Vec<u8> = self.buf.drain(..4 + len).skip(4).collect();
        Message::decode(&body)
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// One `read` from `input` into the buffer; returns the byte count (0 = end of stream).
    pub fn fill(&mut self, input: &mut impl Read) -> io::Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        let n = input.read(&mut chunk)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_survive_arbitrary_splits() {
        let mut m = Message::with_type("x");
        m.set("v", "a\nb");
        let mut bytes = Vec::new();
        write_frame(&mut bytes, &m).unwrap();
        write_frame(&mut bytes, &m).unwrap();
        let mut fb = FrameBuffer::default();
        let mut got = Vec::new();
        for piece in bytes.chunks(3) {
            fb.fill(&mut &piece[..]).unwrap();
            while let Some(f) = fb.take().unwrap() {
                got.push(f);
            }
        }
        assert_eq!(got, vec![m.clone(), m]);
        assert!(!fb.has_frame());
    }
}
