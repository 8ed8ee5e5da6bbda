//! Fuzzes `ccm.sock`'s request decoder (through the ipc frame layer) and the view decoder clients
//! use; neither may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut frames = ipc::FrameBuffer::new(64 * 1024);
    frames.push(data);
    while let Ok(Some(payload)) = frames.next_frame() {
        let _ = ccm::api::Request::decode(&payload);
        if let Ok(m) = messaging::frame::decode(&payload) {
            if let Ok(v) = ccm::api::ViewEvent::decode(&m) {
                assert_eq!(ccm::api::ViewEvent::decode(&v.encode()).expect("re-decode"), v);
            }
        }
    }
});
