//! Heartbeat's typed message, as cluster-glue's `ha_msg` holds it: ordered fields, each a
//! string, binary, nested message, string list or compressed nested message.
//!
//! The type numbers are the ones both wire encodings write in `(N)` before a field name.

use std::fmt;

use super::Message;

/// One field's value. The discriminants are cluster-glue's `FT_*` numbers.
#[derive(Clone, PartialEq, Eq)]
pub enum Value {
    /// `FT_STRING` (0): text without NUL.
    Str(String),
    /// `FT_BINARY` (1): any bytes, e.g. `srcuuid` (16 bytes).
    Binary(Vec<u8>),
    /// `FT_STRUCT` (2): a nested message.
    Struct(Packet),
    /// `FT_LIST` (3): a list of strings.
    List(Vec<String>),
    /// `FT_COMPRESS` (4): a nested message compressed with the algorithm the message's
    /// `_compression_algorithm` field names. Kept as received so it re-encodes byte for byte.
    Compressed(Vec<u8>),
    /// `FT_UNCOMPRESS` (5): a nested message its sender would compress before sending.
    Uncompressed(Packet),
}

impl Value {
    /// cluster-glue's type number.
    pub fn type_number(&self) -> u8 {
        match self {
            Value::Str(_) => 0,
            Value::Binary(_) => 1,
            Value::Struct(_) => 2,
            Value::List(_) => 3,
            Value::Compressed(_) => 4,
            Value::Uncompressed(_) => 5,
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Binary(b) => write!(f, "bin:{}", hex(b)),
            Value::Struct(p) => write!(f, "struct:{p:?}"),
            Value::List(l) => write!(f, "list:{l:?}"),
            Value::Compressed(b) => write!(f, "compressed:{} bytes", b.len()),
            Value::Uncompressed(p) => write!(f, "uncompressed:{p:?}"),
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// An ordered list of named, typed fields. Names may repeat, as in `ha_msg`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Packet {
    fields: Vec<(String, Value)>,
}

impl fmt::Debug for Packet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.fields.iter().map(|(n, v)| (n, v)))
            .finish()
    }
}

impl Packet {
    /// An empty message.
    pub fn new() -> Self {
        Self::default()
    }

    /// A message whose first field is `t=<t>`.
    pub fn with_type(t: &str) -> Self {
        let mut p = Self::new();
        p.push_str("t", t);
        p
    }

    /// Appends a field (even if one of that name exists, as `ha_msg_add` does for new names).
    pub fn push(&mut self, name: &str, value: Value) -> &mut Self {
        self.fields.push((name.to_string(), value));
        self
    }

    /// Appends a string field.
    pub fn push_str(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.push(name, Value::Str(value.into()))
    }

    /// Replaces the first field called `name` in place, or appends it (`ha_msg_mod`).
    pub fn set(&mut self, name: &str, value: Value) -> &mut Self {
        match self.fields.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.fields.push((name.to_string(), value)),
        }
        self
    }

    /// [`Packet::set`] with a string.
    pub fn set_str(&mut self, name: &str, value: impl Into<String>) -> &mut Self {
        self.set(name, Value::Str(value.into()))
    }

    /// Removes the first field called `name`.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let pos = self.fields.iter().position(|(n, _)| n == name)?;
        Some(self.fields.remove(pos).1)
    }

    /// The first field called `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The first field called `name` if it is a string.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The first field called `name` if it is binary.
    pub fn get_binary(&self, name: &str) -> Option<&[u8]> {
        match self.get(name)? {
            Value::Binary(b) | Value::Compressed(b) => Some(b),
            _ => None,
        }
    }

    /// A string field read as hexadecimal (`seq`, `hg`, `ts`, `ackseq`).
    pub fn get_hex(&self, name: &str) -> Option<u64> {
        u64::from_str_radix(self.get_str(name)?, 16).ok()
    }

    /// A string field read as decimal (`firstseq`/`lastseq` of a retransmit request).
    pub fn get_dec(&self, name: &str) -> Option<u64> {
        self.get_str(name)?.parse().ok()
    }

    /// The message type (`t`).
    pub fn msg_type(&self) -> Option<&str> {
        self.get_str("t")
    }

    /// All fields in order.
    pub fn fields(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.fields.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Whether there are no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Whether cluster-glue would have to send this message as a netstring
    /// (`must_use_netstring`: it holds a nested or compressed message).
    pub fn needs_netstring(&self) -> bool {
        self.fields.iter().any(|(_, v)| {
            matches!(
                v,
                Value::Struct(_) | Value::Compressed(_) | Value::Uncompressed(_)
            )
        })
    }
}

impl Packet {
    /// A packet of the string fields of a local-API message, in order.
    pub fn from_message(m: &Message) -> Packet {
        let mut p = Packet::new();
        for (n, v) in m.fields() {
            p.push_str(n, v);
        }
        p
    }

    /// The string fields as a local-API message; other types have no text form there and are
    /// left out (their senders' peers read them from the packet).
    pub fn to_message(&self) -> Message {
        let mut m = Message::new();
        for (n, v) in self.fields() {
            if let Value::Str(s) = v {
                m.set(n, s.as_str());
            }
        }
        m
    }
}
