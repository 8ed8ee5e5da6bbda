//! Fuzzes what heartbeat does with a datagram from the network before trusting it: Heartbeat
//! 3.0.6's netstring and classic decoders and the authkeys checks. Nothing may panic; a decoded
//! packet must re-encode to the bytes it came from (netstring) or decode to itself (classic); a
//! packet this node seals must open, and any change to a signed byte must not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use messaging::config::AuthKeys;
use messaging::droplog::{DropLog, DropReason};
use messaging::wire::datagram::{self, Encoding, SealOptions};
use messaging::wire::{classic, netstring};

fuzz_target!(|data: &[u8]| {
    let Ok(parsed) = datagram::parse(data) else {
        return;
    };
    let p = parsed.packet;
    match parsed.encoding {
        Encoding::Netstring => assert_eq!(netstring::encode(&p), data[..parsed.body_len]),
        Encoding::Classic => {
            if let Ok(text) = classic::encode(&p) {
                assert_eq!(classic::decode(&text).expect("own encoding decodes"), p);
            }
        }
    }
    // The fields heartbeat reads before and after authentication.
    let _ = (p.get_str("src"), p.get_hex("hg"), p.get_hex("seq"), p.get_dec("firstseq"));
    for text in [
        "auth 1\n1 crc\n",
        "auth 2\n2 md5 k\n",
        "auth 3\n3 sha1 secret\n",
        "auth 1\n1 sha256 secret\n",
    ] {
        let keys = AuthKeys::parse(text, "fuzz").expect("fixed authkeys parse");
        let _ = datagram::open(data, &keys);
        let sealed = datagram::seal(&p, &keys, SealOptions::default());
        let (opened, _) = datagram::open(&sealed, &keys).expect("own seal opens");
        if !messaging::wire::compress::is_compressed(&p) {
            let mut expected = p.clone();
            let _ = datagram::sign_classic(&mut expected, &keys);
            if !p.needs_netstring() {
                assert_eq!(opened, expected);
            }
        }
        // Tampering with a signed byte is caught (crc is a checksum, not a MAC, but any single
        // changed byte still changes it).
        let body = netstring::encode(&p).len();
        if body > 8 {
            let mut bad = sealed.clone();
            bad[body / 2] ^= 0x20;
            assert!(datagram::open(&bad, &keys).is_err(), "tampered packet opened");
        }
    }
    // The drop log takes any claimed source.
    let mut log = DropLog::new(std::time::Duration::from_secs(30));
    let _ = log.dropped(
        std::time::Instant::now(),
        DropReason::BadAuth,
        p.get_str("src").unwrap_or("?"),
        String::new,
    );
});
