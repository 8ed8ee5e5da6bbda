//! Messages: [`Message`], the text message of the local client API, and Heartbeat 3.0.6's wire
//! formats between nodes: the typed [`packet::Packet`], its [`netstring`] and [`classic`]
//! encodings, [`compress`]ion, and signed [`datagram`]s.
//!
//! [`Message`] is the classic layout restricted to text values, used inside local client frames.
//!
//! A message is an ordered list of `name=value` fields between a `>>>` line and a `<<<` line:
//!
//! ```text
//! >>>
//! t=status
//! st=active
//! src=node1
//! hg=5f3a01
//! hbseq=1c
//! lastseq=4
//! ts=6560c1e2
//! auth=1 9d1b...
//! <<<
//! ```
//!
//! Names are non-empty and contain neither `=` nor a newline. Values are text; a newline in a value
//! is written as `\n` and a backslash as `\\`, so every field stays on one line (Heartbeat would
//! base64 such values; escaping keeps the packet readable in `tcpdump -A`).

pub mod classic;
pub mod compress;
pub mod datagram;
pub mod netstring;
pub mod packet;

use std::fmt::Write as _;

use thiserror::Error;

/// Start-of-message marker line.
pub const MSG_START: &str = ">>>";
/// End-of-message marker line.
pub const MSG_END: &str = "<<<";

/// Why a byte string is not a message.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum WireError {
    /// Not valid UTF-8.
    #[error("message is not UTF-8 text")]
    NotText,
    /// The `>>>` line is missing.
    #[error("message does not start with >>>")]
    NoStart,
    /// The `<<<` line is missing (truncated packet).
    #[error("message does not end with <<< (truncated?)")]
    NoEnd,
    /// A line between the markers is not `name=value`.
    #[error("malformed field line {0:?}")]
    BadField(String),
}

/// One message: ordered `name=value` fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    fields: Vec<(String, String)>,
}

impl Message {
    /// An empty message.
    pub fn new() -> Self {
        Self::default()
    }

    /// A message with the type field `t` set.
    pub fn with_type(t: &str) -> Self {
        let mut m = Self::new();
        m.set("t", t);
        m
    }

    /// The value of field `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The message type (field `t`).
    pub fn msg_type(&self) -> Option<&str> {
        self.get("t")
    }

    /// Parses field `name` as hexadecimal (Heartbeat writes sequence numbers in hex).
    pub fn get_hex(&self, name: &str) -> Option<u64> {
        self.get(name).and_then(|v| u64::from_str_radix(v, 16).ok())
    }

    /// Sets field `name`, replacing an existing value in place or appending a new field.
    pub fn set(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        let value = value.into();
        match self.fields.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((name.to_string(), value)),
        }
        self
    }

    /// Sets field `name` to `value` written in lowercase hexadecimal.
    pub fn set_hex(&mut self, name: &str, value: u64) -> &mut Self {
        self.set(name, format!("{value:x}"))
    }

    /// Removes field `name`, returning its value.
    pub fn remove(&mut self, name: &str) -> Option<String> {
        let pos = self.fields.iter().position(|(n, _)| n == name)?;
        Some(self.fields.remove(pos).1)
    }

    /// All fields in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &str)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The classic text form, `>>>` ... `<<<`, each line ending in `\n`.
    pub fn encode(&self) -> String {
        let mut out = String::with_capacity(16 + self.fields.len() * 16);
        out.push_str(MSG_START);
        out.push('\n');
        for (n, v) in &self.fields {
            let _ = writeln!(out, "{n}={}", escape(v));
        }
        out.push_str(MSG_END);
        out.push('\n');
        out
    }

    /// The field lines only (no markers), in order, excluding `skip` — the text an auth digest covers.
    pub fn encode_fields_except(&self, skip: &str) -> String {
        let mut out = String::new();
        for (n, v) in self.fields.iter().filter(|(n, _)| n != skip) {
            let _ = writeln!(out, "{n}={}", escape(v));
        }
        out
    }

    /// Parses the classic text form. Trailing bytes after `<<<\n` are rejected as garbage.
    pub fn decode(bytes: &[u8]) -> Result<Message, WireError> {
        let text = std::str::from_utf8(bytes).map_err(|_| WireError::NotText)?;
        let text = text.strip_prefix("!^!\n").unwrap_or(text);
        let mut lines = text.split('\n');
        if lines.next() != Some(MSG_START) {
            return Err(WireError::NoStart);
        }
        if !text.contains("\n<<<") {
            return Err(WireError::NoEnd);
        }
        let mut msg = Message::new();
        let mut ended = false;
        for line in lines.by_ref() {
            if line == MSG_END {
                ended = true;
                break;
            }
            let (n, v) = line
                .split_once('=')
                .filter(|(n, _)| !n.is_empty())
                .ok_or_else(|| WireError::BadField(line.chars().take(60).collect()))?;
            msg.fields.push((n.to_string(), unescape(v)));
        }
        if !ended {
            return Err(WireError::NoEnd);
        }
        if lines.any(|rest| !rest.is_empty()) {
            return Err(WireError::BadField("data after <<<".into()));
        }
        Ok(msg)
    }
}

fn escape(v: &str) -> std::borrow::Cow<'_, str> {
    if !v.contains(['\n', '\\']) {
        return v.into();
    }
    let mut out = String::with_capacity(v.len() + 8);
    for c in v.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.into()
}

fn unescape(v: &str) -> String {
    if !v.contains('\\') {
        return v.to_string();
    }
    let mut out = String::with_capacity(v.len());
    let mut chars = v.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_fields_with_newlines_and_backslashes() {
        let mut m = Message::with_type("cib");
        m.set("xml", "<a>\n <b x=\"1\\2\"/>\n</a>")
            .set("dest", "n2");
        let text = m.encode();
        assert_eq!(text.lines().count(), 5);
        assert_eq!(Message::decode(text.as_bytes()).unwrap(), m);
    }

    #[test]
    fn rejects_truncated_and_garbage() {
        assert_eq!(Message::decode(b">>>\nt=x\n"), Err(WireError::NoEnd));
        assert_eq!(Message::decode(b"hello"), Err(WireError::NoStart));
        assert!(matches!(
            Message::decode(b">>>\nnovalue\n<<<\n"),
            Err(WireError::BadField(_))
        ));
        assert_eq!(Message::decode(&[0xff, 0xfe]), Err(WireError::NotText));
    }
}
