//! Fuzzes the opening of an encrypted-link packet (`crypto`): whatever arrives, nothing panics,
//! nothing forged opens, and a packet this node seals opens exactly once (a second copy is a
//! replay), its text frame (serial lines) too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use messaging::crypto::{from_text, to_text, CryptoKey, LinkCipher};

fuzz_target!(|data: &[u8]| {
    let key = || CryptoKey::from_hex(&"5a".repeat(32)).expect("fixed key");
    let mut receiver = LinkCipher::new(key(), "node2", 7, [2; 8]);
    // Arbitrary bytes never open: they would need the tag under a key derived from ours.
    assert!(receiver.open(data).is_err(), "forged packet opened");
    let _ = from_text(data).map(|p| receiver.open(&p));
    let mut sender = LinkCipher::new(key(), "node1", 9, [1; 8]);
    let sealed = sender.seal(data).expect("seal");
    let (src, clear) = receiver.open(&sealed).expect("own seal opens");
    assert_eq!((src.as_str(), clear.as_slice()), ("node1", data));
    assert!(receiver.open(&sealed).is_err(), "replay opened");
    let again = sender.seal(data).expect("seal");
    let framed = from_text(&to_text(&again)).expect("text frame round trip");
    assert!(receiver.open(&framed).is_ok());
});
