//! The framing of every local socket: a 4-byte big-endian length `N`, then `N` payload bytes.
//!
//! Each reader passes its own limit; a frame announcing more is refused before anything is
//! allocated, and the error names the limit. Writers refuse payloads above [`DEFAULT_MAX_FRAME`]
//! (no server accepts more).

use std::io::{self, Read, Write};

use thiserror::Error;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest frame any server accepts (16 MiB); servers may set a lower limit.
pub const DEFAULT_MAX_FRAME: usize = 16 * 1024 * 1024;

/// Why a frame could not be read or written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The length prefix is above the reader's limit (or the payload above the writer's).
    #[error("frame of {len} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Announced or actual payload length.
        len: usize,
        /// The limit in force.
        limit: usize,
    },
    /// The stream ended inside a frame.
    #[error("connection closed in the middle of a frame")]
    Truncated,
    /// The stream failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl From<FrameError> for io::Error {
    fn from(e: FrameError) -> io::Error {
        match e {
            FrameError::Io(e) => e,
            FrameError::Truncated => io::Error::new(io::ErrorKind::UnexpectedEof, e.to_string()),
            FrameError::TooLarge { .. } => {
                io::Error::new(io::ErrorKind::InvalidData, e.to_string())
            }
        }
    }
}

impl FrameError {
    /// Whether this is a read timeout (`SO_RCVTIMEO`) rather than a broken stream.
    pub fn is_timeout(&self) -> bool {
        matches!(self, FrameError::Io(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut))
    }
}

/// The length prefix and payload as one buffer (one `write` call, no interleaving).
pub fn encode(payload: &[u8]) -> Result<Vec<u8>, FrameError> {
    if payload.len() > DEFAULT_MAX_FRAME {
        return Err(FrameError::TooLarge {
            len: payload.len(),
            limit: DEFAULT_MAX_FRAME,
        });
    }
    let mut buf = Vec::with_capacity(4 + payload.len());
    buf.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    buf.extend_from_slice(payload);
    Ok(buf)
}

/// Writes one frame and flushes.
pub fn write_frame(out: &mut impl Write, payload: &[u8]) -> Result<(), FrameError> {
    out.write_all(&encode(payload)?)?;
    out.flush()?;
    Ok(())
}

/// Reads one frame of at most `limit` bytes. `Ok(None)`: the peer closed between frames.
pub fn read_frame(input: &mut impl Read, limit: usize) -> Result<Option<Vec<u8>>, FrameError> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match input.read(&mut len[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(FrameError::Truncated),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = checked_len(len, limit)?;
    let mut body = vec![0u8; len];
    input.read_exact(&mut body).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => FrameError::Truncated,
        _ => FrameError::Io(e),
    })?;
    Ok(Some(body))
}

/// Async [`write_frame`].
pub async fn write_frame_async<W: AsyncWrite + Unpin>(
    out: &mut W,
    payload: &[u8],
) -> Result<(), FrameError> {
    out.write_all(&encode(payload)?).await?;
    out.flush().await?;
    Ok(())
}

/// Async [`read_frame`].
pub async fn read_frame_async<R: AsyncRead + Unpin>(
    input: &mut R,
    limit: usize,
) -> Result<Option<Vec<u8>>, FrameError> {
    let mut len = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match input.read(&mut len[got..]).await? {
            0 if got == 0 => return Ok(None),
            0 => return Err(FrameError::Truncated),
            n => got += n,
        }
    }
    let len = checked_len(len, limit)?;
    let mut body = vec![0u8; len];
    input
        .read_exact(&mut body)
        .await
        .map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => FrameError::Truncated,
            _ => FrameError::Io(e),
        })?;
    Ok(Some(body))
}

fn checked_len(prefix: [u8; 4], limit: usize) -> Result<usize, FrameError> {
    let len = u32::from_be_bytes(prefix) as usize;
    if len > limit {
        return Err(FrameError::TooLarge { len, limit });
    }
    Ok(len)
}

/// Bytes received but not yet returned as frames: for readers that must not block (a read that
/// stops halfway through a frame loses nothing).
#[derive(Debug)]
pub struct FrameBuffer {
    buf: Vec<u8>,
    limit: usize,
}

impl FrameBuffer {
    /// An empty buffer refusing frames above `limit`.
    pub fn new(limit: usize) -> Self {
        FrameBuffer {
            buf: Vec::new(),
            limit,
        }
    }

    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// One `read` from `input` into the buffer; returns the byte count (0 = end of stream).
    pub fn fill(&mut self, input: &mut impl Read) -> io::Result<usize> {
        let mut chunk = [0u8; 16 * 1024];
        let n = input.read(&mut chunk)?;
        self.push(&chunk[..n]);
        Ok(n)
    }

    /// Takes the next whole frame, if buffered. An oversized length prefix is an error at once.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        let Some(prefix) = self.buf.get(..4) else {
            return Ok(None);
        };
        let len = checked_len(prefix.try_into().expect("4 bytes"), self.limit)?;
        if self.buf.len() < 4 + len {
            return Ok(None);
        }
        let body = self.buf[4..4 + len].to_vec();
        self.buf.drain(..4 + len);
        if self.buf.is_empty() {
            // Give back the memory of a large frame once it is consumed.
            self.buf = Vec::new();
        }
        Ok(Some(body))
    }

    /// Whether a frame has started but not fully arrived.
    pub fn is_partial(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Whether a whole frame is buffered.
    pub fn has_frame(&self) -> bool {
        self.buf.get(..4).is_some_and(|p| {
            let len = u32::from_be_bytes(p.try_into().expect("4 bytes")) as usize;
            len > self.limit || self.buf.len() >= 4 + len
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_survive_arbitrary_splits() {
        let mut bytes = Vec::new();
        write_frame(&mut bytes, b"hello").unwrap();
        write_frame(&mut bytes, b"").unwrap();
        write_frame(&mut bytes, b"world!").unwrap();
        for step in 1..bytes.len() {
            let mut fb = FrameBuffer::new(64);
            let mut got = Vec::new();
            for piece in bytes.chunks(step) {
                fb.push(piece);
                while let Some(f) = fb.next_frame().unwrap() {
                    got.push(f);
                }
            }
            assert_eq!(got, [b"hello".to_vec(), vec![], b"world!".to_vec()]);
            assert!(!fb.is_partial());
        }
    }

    #[test]
    fn an_oversized_prefix_is_refused_naming_the_limit_before_the_body_arrives() {
        let mut fb = FrameBuffer::new(10);
        fb.push(&11u32.to_be_bytes());
        let e = fb.next_frame().unwrap_err();
        assert_eq!(
            e.to_string(),
            "frame of 11 bytes exceeds the limit of 10 bytes"
        );
        let mut r = &[0u8, 0, 0, 11][..];
        assert!(matches!(
            read_frame(&mut r, 10),
            Err(FrameError::TooLarge { len: 11, limit: 10 })
        ));
    }

    #[test]
    fn sync_reader_tells_a_clean_end_from_a_truncated_frame() {
        assert!(read_frame(&mut &[][..], 10).unwrap().is_none());
        assert!(matches!(
            read_frame(&mut &[0u8, 0][..], 10),
            Err(FrameError::Truncated)
        ));
        assert!(matches!(
            read_frame(&mut &[0u8, 0, 0, 3, b'a'][..], 10),
            Err(FrameError::Truncated)
        ));
        let mut ok = &[0u8, 0, 0, 2, b'h', b'i'][..];
        assert_eq!(read_frame(&mut ok, 10).unwrap().unwrap(), b"hi");
    }

    #[tokio::test]
    async fn async_round_trip_and_limit() {
        let (mut a, mut b) = tokio::io::duplex(1024);
        write_frame_async(&mut a, b"payload").await.unwrap();
        write_frame_async(&mut a, &[7u8; 100]).await.unwrap();
        drop(a);
        assert_eq!(
            read_frame_async(&mut b, 50).await.unwrap().unwrap(),
            b"payload"
        );
        assert!(matches!(
            read_frame_async(&mut b, 50).await,
            Err(FrameError::TooLarge {
                len: 100,
                limit: 50
            })
        ));
    }
}
