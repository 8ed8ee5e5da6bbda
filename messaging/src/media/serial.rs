//! Serial lines: packets are written back to back; the reader splits the byte stream on the
//! `>>>` / `<<<` marker lines. Writes go through a thread so a slow line never stalls the daemon.

use std::io::{self, Read, Write};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::time::Duration;

use super::{Inbound, MediumTx, MAX_PACKET};

struct SerialTx {
    queue: SyncSender<Vec<u8>>,
}

impl MediumTx for SerialTx {
    fn send(&self, packet: &[u8]) -> io::Result<()> {
        match self.queue.try_send(packet.to_vec()) {
            Ok(()) => Ok(()),
            // A full queue means the line is slower than our traffic: drop, as a lossy medium would.
            Err(TrySendError::Full(_)) => Ok(()),
            Err(TrySendError::Disconnected(_)) => Err(io::Error::other("serial writer stopped")),
        }
    }

    fn classic_only(&self) -> bool {
        true
    }
}

/// Opens `device` at `baud` (8N1, raw).
pub fn open(
    device: &str,
    baud: u32,
    index: usize,
    inbound: Inbound,
) -> io::Result<Box<dyn MediumTx>> {
    let port = serialport::new(device, baud)
        .timeout(Duration::from_secs(3600))
        .open_native()
        .map_err(|e| io::Error::other(format!("cannot open serial {device}: {e}")))?;
    let mut reader = port
        .try_clone_native()
        .map_err(|e| io::Error::other(format!("serial {device}: {e}")))?;
    let mut writer = port;
    let (tx, rx) = sync_channel::<Vec<u8>>(64);
    std::thread::Builder::new()
        .name(format!("serial-tx-{index}"))
        .spawn(move || {
            for packet in rx {
                let _ = writer.write_all(&packet).and_then(|_| writer.flush());
            }
        })?;
    std::thread::Builder::new()
        .name(format!("serial-rx-{index}"))
        .spawn(move || {
            let mut splitter = Splitter::default();
            let mut buf = [0u8; 4096];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) => std::thread::sleep(Duration::from_millis(50)),
                    Ok(n) => {
                        for p in splitter.push(&buf[..n]) {
                            inbound(index, p);
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::TimedOut => {}
                    Err(_) => std::thread::sleep(Duration::from_millis(100)),
                }
            }
        })?;
    Ok(Box::new(SerialTx { queue: tx }))
}

/// Cuts a byte stream into `>>>\n ... <<<\n` packets, discarding noise between them.
#[derive(Default)]
pub(crate) struct Splitter {
    buf: Vec<u8>,
}

impl Splitter {
    pub(crate) fn push(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        loop {
            let Some(start) = find(&self.buf, b">>>\n") else {
                // Keep a possible partial marker only.
                let keep = self.buf.len().saturating_sub(3);
                self.buf.drain(..keep);
                break;
            };
            self.buf.drain(..start);
            let Some(end) = find(&self.buf, b"\n<<<\n") else {
                if self.buf.len() > MAX_PACKET {
                    self.buf.clear();
                }
                break;
            };
            out.push(self.buf.drain(..end + 5).collect());
        }
        out
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    #[test]
    fn splits_packets_across_reads_and_noise() {
        let mut s = super::Splitter::default();
        assert!(s.push(b"noise>>>\nt=a\n<").is_empty());
        let got = s.push(b"<<\n>>>\nt=b\n<<<\n>>");
        assert_eq!(
            got,
            vec![b">>>\nt=a\n<<<\n".to_vec(), b">>>\nt=b\n<<<\n".to_vec()]
        );
    }
}
