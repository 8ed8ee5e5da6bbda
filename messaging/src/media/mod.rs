//! Heartbeat media: UDP broadcast, multicast and unicast, serial lines, and ICMP for ping nodes.
//!
//! Each medium gets a reader thread that hands every received packet to a callback together with
//! the medium's index; sending goes through [`MediumTx`].

mod icmp;
mod serial;
mod udp;

use std::io;
use std::sync::Arc;

pub use icmp::Pinger;

use crate::config::Medium;

/// Largest packet accepted from any medium.
pub const MAX_PACKET: usize = 65_536;

/// Where readers deliver packets: `(medium index, bytes)`.
pub type Inbound = Arc<dyn Fn(usize, Vec<u8>) + Send + Sync>;

/// The sending half of an open medium.
pub trait MediumTx: Send {
    /// Sends one packet to every peer this medium reaches.
    fn send(&self, packet: &[u8]) -> io::Result<()>;

    /// Whether the medium carries only the classic text form (serial lines: Heartbeat's serial
    /// plugin rewrites netstring packets as `>>>` ... `<<<` with the `auth` field).
    fn classic_only(&self) -> bool {
        false
    }
}

/// Opens a medium and starts its reader thread.
pub fn open(medium: &Medium, index: usize, inbound: Inbound) -> io::Result<Box<dyn MediumTx>> {
    match medium {
        Medium::Bcast { dev, port } => udp::open_bcast(dev, *port, index, inbound),
        Medium::Ucast { dev, peers, port } => udp::open_ucast(dev, peers, *port, index, inbound),
        Medium::Mcast {
            dev,
            group,
            port,
            ttl,
            looped,
        } => udp::open_mcast(dev, *group, *port, *ttl, *looped, index, inbound),
        Medium::Serial { device, baud } => serial::open(device, *baud, index, inbound),
    }
}

/// Checks that a medium's interface or device exists, before the daemon detaches.
pub fn preflight(medium: &Medium) -> io::Result<()> {
    match medium {
        Medium::Serial { device, .. } => std::fs::metadata(device)
            .map(|_| ())
            .map_err(|e| io::Error::new(e.kind(), format!("serial: cannot open {device}: {e}"))),
        other => {
            let dev = other.link_name();
            nix::net::if_::if_nametoindex(dev).map(|_| ()).map_err(|_| {
                io::Error::new(
                    io::ErrorKind::NotFound,
                    format!(
                        "{}: error setting option SO_BINDTODEVICE(w) on {dev}: No such device",
                        match other {
                            Medium::Bcast { .. } => "bcast",
                            Medium::Mcast { .. } => "mcast",
                            _ => "ucast",
                        }
                    ),
                )
            })
        }
    }
}
