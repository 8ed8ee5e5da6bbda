//! Packets captured from the real Heartbeat 3.0.6 (`tests/fixtures/hb306/`): each re-encodes byte
//! for byte with our codec, and both its signatures (the netstring trailer and the classic `auth`
//! field) verify with the authkeys the capture used, and fail with a different key.

use std::path::{Path, PathBuf};

use messaging::auth;
use messaging::config::AuthKeys;
use messaging::wire::datagram::{self, Encoding};
use messaging::wire::netstring;
use messaging::wire::packet::Value;

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hb306");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures")
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn packets(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(p).unwrap())
        })
        .collect()
}

fn keys(dir: &Path) -> AuthKeys {
    let text = std::fs::read_to_string(dir.join("authkeys")).unwrap();
    AuthKeys::parse(&text, "authkeys").unwrap()
}

#[test]
fn captured_packets_round_trip_byte_for_byte_and_verify() {
    let mut total = 0;
    let mut types = std::collections::BTreeSet::new();
    for dir in fixture_dirs() {
        let keys = keys(&dir);
        let wrong = AuthKeys::parse(
            &format!(
                "auth {0}\n{0} {1} not-the-secret\n",
                keys.active_key().index,
                if keys.active_key().method.name() == "crc" {
                    "md5"
                } else {
                    keys.active_key().method.name()
                }
            ),
            "authkeys",
        )
        .unwrap();
        let all = packets(&dir);
        assert!(
            all.len() > 50,
            "{}: only {} packets",
            dir.display(),
            all.len()
        );
        for (name, bytes) in all {
            let what = format!("{}/{name}", dir.display());
            let parsed = datagram::parse(&bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(parsed.encoding, Encoding::Netstring, "{what}");
            let p = &parsed.packet;
            // Byte for byte: the body, then the trailer we compute for it.
            let body = netstring::encode(p);
            assert_eq!(body, bytes[..parsed.body_len], "{what}: body");
            let mut again = body.clone();
            netstring::frame(auth::sign_bytes(&body, &keys).as_bytes(), &mut again);
            assert_eq!(again, bytes, "{what}: trailer");
            assert_eq!(datagram::seal_as_is(p, &keys), bytes, "{what}: seal");
            // Both signatures verify; the classic one is present wherever Heartbeat adds it.
            let (opened, _) =
                datagram::open(&bytes, &keys).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(&opened, p);
            datagram::verify_classic(p, &keys)
                .unwrap_or_else(|e| panic!("{what}: classic auth: {e}"));
            assert!(
                datagram::open(&bytes, &wrong).is_err(),
                "{what}: verified with a wrong key"
            );
            // Control fields as Heartbeat writes them.
            let t = p.msg_type().expect("type").to_string();
            assert!(
                p.get_str("src").is_some() && p.get_hex("hg").is_some(),
                "{what}"
            );
            assert!(
                matches!(p.get("srcuuid"), Some(Value::Binary(u)) if u.len() == 16),
                "{what}: srcuuid"
            );
            assert_eq!(
                p.get_hex("seq").is_some(),
                !t.starts_with("NS_"),
                "{what}: seq"
            );
            if t == "status" {
                assert_eq!(p.get_str("protocol"), Some("1"), "{what}");
                assert!(
                    p.get_hex("dt").is_some() && p.get_str("st").is_some(),
                    "{what}"
                );
            }
            if t == "NS_rexmit" {
                // Decimal, one number per request.
                let (f, l) = (p.get_dec("firstseq"), p.get_dec("lastseq"));
                assert!(f.is_some() && f == l, "{what}: {p:?}");
            }
            if t == "NS_ackmsg" {
                assert!(
                    p.get_hex("ackseq").is_some() && p.get_str("dest").is_some(),
                    "{what}"
                );
            }
            // Our datagram for the same packet (classic auth recomputed) is the captured one.
            let mut unsigned = p.clone();
            unsigned.remove("auth");
            assert_eq!(
                datagram::seal(&unsigned, &keys, datagram::SealOptions::default()),
                bytes,
                "{what}: our seal"
            );
            types.insert(t);
            total += 1;
        }
    }
    for t in ["status", "NS_ackmsg", "NS_rexmit", "starting", "resource"] {
        assert!(
            types.contains(t),
            "no {t} packet in the fixtures: {types:?}"
        );
    }
    eprintln!("{total} captured packets round-trip; types {types:?}");
}

#[test]
fn a_changed_byte_anywhere_in_the_body_fails_authentication() {
    for dir in fixture_dirs() {
        let keys = keys(&dir);
        let (_, bytes) = packets(&dir).into_iter().next().unwrap();
        let body_len = datagram::parse(&bytes).unwrap().body_len;
        for i in (4..body_len - 4).step_by(7) {
            let mut bad = bytes.clone();
            bad[i] ^= 0x01;
            assert!(
                datagram::open(&bad, &keys).is_err(),
                "{}: byte {i}",
                dir.display()
            );
        }
    }
}
