//! Fuzzes what heartbeat does with a datagram from the network before trusting it: the classic
//! message decoder and the authkeys check. Neither may panic; a decoded message must encode and
//! decode to itself; a packet this node signs must verify, and any change to a signed field must
//! not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use messaging::auth;
use messaging::config::AuthKeys;
use messaging::droplog::{DropLog, DropReason};
use messaging::origin::Origin;
use messaging::wire::Message;

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = Message::decode(data) else {
        return;
    };
    let again = Message::decode(msg.encode().as_bytes()).expect("own encoding decodes");
    assert_eq!(again, msg);
    // The fields heartbeat reads before and after authentication.
    let _ = (
        msg.get("src"),
        msg.get_hex("hg"),
        msg.get_hex("seq"),
        msg.get_hex("hbseq"),
    );
    let _ = Origin::of(&msg);
    for text in [
        "auth 1\n1 crc\n",
        "auth 2\n2 md5 k\n",
        "auth 3\n3 sha1 secret\n",
        "auth 1\n1 sha256 secret\n",
        "auth 1\n1 sha512 secret\n",
    ] {
        let keys = AuthKeys::parse(text, "fuzz").expect("fixed authkeys parse");
        let _ = auth::verify(&msg, &keys);
        let mut signed = msg.clone();
        auth::sign(&mut signed, &keys);
        let wire = signed.encode();
        let received = Message::decode(wire.as_bytes()).expect("signed packet decodes");
        auth::verify(&received, &keys).expect("own signature verifies");
        // Tampering with any signed field is caught (crc is a checksum, not a MAC).
        if text.contains("crc") {
            continue;
        }
        let first = received
            .fields()
            .find(|(n, _)| *n != "auth")
            .map(|(n, v)| (n.to_string(), v.to_string()));
        if let Some((name, value)) = first {
            let mut tampered = received.clone();
            tampered.set(&name, format!("{value}x"));
            assert!(
                auth::verify(&tampered, &keys).is_err(),
                "tampered {name} verified"
            );
        }
    }
    // The drop log takes any claimed source.
    let mut log = DropLog::new(std::time::Duration::from_secs(30));
    let _ = log.dropped(
        std::time::Instant::now(),
        DropReason::BadAuth,
        msg.get("src").unwrap_or("?"),
        String::new,
    );
});
