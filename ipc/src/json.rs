//! JSON payloads over [`crate::frame`]: one object per frame (cib.sock, lrmd.sock,
//! stonithd.sock). Decoding errors are `InvalidData` I/O errors naming what was wrong.

use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::frame;

/// Encodes `msg` as a frame payload.
pub fn encode<T: Serialize>(msg: &T) -> io::Result<Vec<u8>> {
    serde_json::to_vec(msg).map_err(io::Error::other)
}

/// Decodes a frame payload.
pub fn decode<T: DeserializeOwned>(payload: &[u8]) -> io::Result<T> {
    serde_json::from_slice(payload).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Writes `msg` as one frame.
pub fn write<T: Serialize>(out: &mut impl Write, msg: &T) -> io::Result<()> {
    Ok(frame::write_frame(out, &encode(msg)?)?)
}

/// Reads one message of at most `limit` bytes; `Ok(None)` at a clean end of stream.
pub fn read<T: DeserializeOwned>(input: &mut impl Read, limit: usize) -> io::Result<Option<T>> {
    match frame::read_frame(input, limit)? {
        Some(p) => decode(&p).map(Some),
        None => Ok(None),
    }
}

/// Async [`write`].
pub async fn write_async<T: Serialize, W: AsyncWrite + Unpin>(
    out: &mut W,
    msg: &T,
) -> io::Result<()> {
    Ok(frame::write_frame_async(out, &encode(msg)?).await?)
}

/// Async [`read`].
pub async fn read_async<T: DeserializeOwned, R: AsyncRead + Unpin>(
    input: &mut R,
    limit: usize,
) -> io::Result<Option<T>> {
    match frame::read_frame_async(input, limit).await? {
        Some(p) => decode(&p).map(Some),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip_and_garbage() {
        let mut buf = Vec::new();
        super::write(&mut buf, &vec![1, 2, 3]).unwrap();
        let back: Option<Vec<i32>> = super::read(&mut &buf[..], 100).unwrap();
        assert_eq!(back, Some(vec![1, 2, 3]));
        let e = super::decode::<Vec<i32>>(b"{").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
    }
}
