//! The heartbeat API's payload codec over the one framing of [`ipc::frame`].
//!
//! A frame's payload is one message in classic text form (`>>>\n` … `<<<\n`, see [`crate::wire`]).

use std::io::{self, Read, Write};

use crate::wire::Message;

/// The largest frame either side accepts.
pub const MAX_FRAME: usize = ipc::DEFAULT_MAX_FRAME;

/// Writes one message as a frame.
pub fn write_frame(out: &mut impl Write, msg: &Message) -> io::Result<()> {
    ipc::frame::write_frame(out, msg.encode().as_bytes()).map_err(io::Error::from)
}

/// Reads one message. `Ok(None)` means the peer closed the connection cleanly between frames.
pub fn read_frame(input: &mut impl Read) -> io::Result<Option<Message>> {
    match ipc::frame::read_frame(input, MAX_FRAME)? {
        Some(payload) => decode(&payload).map(Some),
        None => Ok(None),
    }
}

/// Decodes one frame's payload (the request decoder of `api.sock`).
pub fn decode(payload: &[u8]) -> io::Result<Message> {
    Message::decode(payload).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Bytes read from a stream but not yet returned as messages, so a read that times out halfway
/// through a frame loses nothing.
#[derive(Debug)]
pub struct FrameBuffer(ipc::FrameBuffer);

impl Default for FrameBuffer {
    fn default() -> Self {
        FrameBuffer(ipc::FrameBuffer::new(MAX_FRAME))
    }
}

impl FrameBuffer {
    /// Whether a whole frame is buffered.
    pub fn has_frame(&self) -> bool {
        self.0.has_frame()
    }

    /// Takes the next whole message, if buffered.
    pub fn take(&mut self) -> io::Result<Option<Message>> {
        match self.0.next_frame()? {
            Some(payload) => decode(&payload).map(Some),
            None => Ok(None),
        }
    }

    /// One `read` from `input` into the buffer; returns the byte count (0 = end of stream).
    pub fn fill(&mut self, input: &mut impl Read) -> io::Result<usize> {
        self.0.fill(input)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_survive_arbitrary_splits() {
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
