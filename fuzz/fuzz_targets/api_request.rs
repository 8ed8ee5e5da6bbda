//! Fuzzes `api.sock`'s request decoding: bytes through the ipc frame layer, each payload through
//! the heartbeat text-message decoder; a decoded message must survive encode/decode unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut frames = ipc::FrameBuffer::new(64 * 1024);
    frames.push(data);
    while let Ok(Some(payload)) = frames.next_frame() {
        if let Ok(msg) = messaging::frame::decode(&payload) {
            let again = messaging::frame::decode(msg.encode().as_bytes()).expect("re-decode");
            assert_eq!(again, msg);
        }
    }
});
