//! Fuzzes `lrmd.sock`'s request decoder (JSON through the ipc frame layer): no panic, and a
//! decoded request says whether it reads or writes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut frames = ipc::FrameBuffer::new(64 * 1024);
    frames.push(data);
    while let Ok(Some(payload)) = frames.next_frame() {
        if let Ok(req) = lrm::wire::Request::decode(&payload) {
            let _ = req.body.need();
        }
    }
});
