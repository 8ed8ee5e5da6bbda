//! Bounded capture of an agent's output: the first and the last `limit` bytes are kept, the
//! middle is dropped and counted, so an agent printing gigabytes costs at most `2 * limit`.

use std::collections::VecDeque;

/// Default bytes kept at each end of a stream.
pub const DEFAULT_CAPTURE_LIMIT: usize = 64 * 1024;

/// Output kept from one stream.
#[derive(Debug, Clone)]
pub struct BoundedCapture {
    limit: usize,
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: u64,
}

impl BoundedCapture {
    /// An empty capture keeping up to `limit` bytes at each end.
    pub fn new(limit: usize) -> Self {
        BoundedCapture {
            limit,
            head: Vec::new(),
            tail: VecDeque::new(),
            total: 0,
        }
    }

    /// Appends bytes read from the stream.
    pub fn push(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len() as u64;
        let head_room = self.limit - self.head.len();
        if head_room > 0 {
            let n = head_room.min(bytes.len());
            self.head.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
        }
        if bytes.len() >= self.limit {
            bytes = &bytes[bytes.len() - self.limit..];
            self.tail.clear();
        }
        let overflow = (self.tail.len() + bytes.len()).saturating_sub(self.limit);
        self.tail.drain(..overflow);
        self.tail.extend(bytes);
    }

    /// Bytes the stream produced in total.
    pub fn total_bytes(&self) -> u64 {
        self.total
    }

    /// Bytes dropped from the middle.
    pub fn dropped_bytes(&self) -> u64 {
        self.total - (self.head.len() + self.tail.len()) as u64
    }

    /// The kept text (lossy UTF-8), with a marker where bytes were dropped.
    pub fn to_text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        let dropped = self.dropped_bytes();
        if dropped > 0 {
            text.push_str(&format!("\n[... {dropped} bytes of output dropped ...]\n"));
        }
        let (a, b) = self.tail.as_slices();
        let mut tail = Vec::with_capacity(a.len() + b.len());
        tail.extend_from_slice(a);
        tail.extend_from_slice(b);
        text.push_str(&String::from_utf8_lossy(&tail));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_head_and_tail_and_counts_the_middle() {
        let mut c = BoundedCapture::new(4);
        c.push(b"abc");
        c.push(b"defgh");
        c.push(b"ijklmnop");
        c.push(b"q");
        assert_eq!(c.total_bytes(), 17);
        assert_eq!(c.dropped_bytes(), 9);
        let text = c.to_text();
        assert!(text.starts_with("abcd\n[... 9 bytes"), "{text}");
        assert!(text.ends_with("nopq"), "{text}");
    }

    #[test]
    fn short_output_is_kept_whole() {
        let mut c = BoundedCapture::new(64);
        c.push(b"hello ");
        c.push(b"world");
        assert_eq!(c.to_text(), "hello world");
    }
}
