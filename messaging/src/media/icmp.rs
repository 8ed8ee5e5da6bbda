//! ICMP echo for ping pseudo-nodes: an unprivileged datagram ICMP socket where the kernel allows
//! it, a raw socket otherwise.

use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::Arc;

use socket2::{Domain, Protocol, Socket, Type};

/// Called with the address of every host that answered.
pub type Answered = Arc<dyn Fn(IpAddr) + Send + Sync>;

/// Sends echo requests; a thread reports replies.
pub struct Pinger {
    socket: UdpSocket,
    ident: u16,
    seq: u16,
}

impl Pinger {
    /// Opens the socket and starts the reply reader.
    pub fn open(answered: Answered) -> io::Result<Pinger> {
        let (socket, raw) = match Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::ICMPV4)) {
            Ok(s) => (s, false),
            Err(_) => (
                Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4))?,
                true,
            ),
        };
        let socket: UdpSocket = socket.into();
        let ident = (std::process::id() & 0xffff) as u16;
        let reader = socket.try_clone()?;
        std::thread::Builder::new()
            .name("ping-rx".into())
            .spawn(move || {
                let mut buf = [0u8; 2048];
                loop {
                    let Ok((n, from)) = reader.recv_from(&mut buf) else {
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        continue;
                    };
                    if is_echo_reply(&buf[..n], raw, ident) {
                        answered(from.ip());
                    }
                }
            })?;
        Ok(Pinger {
            socket,
            ident,
            seq: 0,
        })
    }

    /// Sends one echo request to each address.
    pub fn ping(&mut self, addrs: &[IpAddr]) {
        self.seq = self.seq.wrapping_add(1);
        let packet = echo_request(self.ident, self.seq);
        for a in addrs.iter().filter(|a| a.is_ipv4()) {
            let _ = self.socket.send_to(&packet, SocketAddr::new(*a, 0));
        }
    }
}

fn echo_request(ident: u16, seq: u16) -> Vec<u8> {
    let mut p = vec![8, 0, 0, 0];
    p.extend_from_slice(&ident.to_be_bytes());
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(b"heartbeat-rs ping");
    let sum = checksum(&p);
    p[2..4].copy_from_slice(&sum.to_be_bytes());
    p
}

fn is_echo_reply(buf: &[u8], raw: bool, ident: u16) -> bool {
    let icmp = if raw {
        let Some(&first) = buf.first() else {
            return false;
        };
        let ihl = usize::from(first & 0x0f) * 4;
        match buf.get(ihl..) {
            Some(rest) => rest,
            None => return false,
        }
    } else {
        buf
    };
    // Datagram sockets rewrite the identifier themselves and only deliver our own replies.
    icmp.len() >= 8 && icmp[0] == 0 && (!raw || icmp[4..6] == ident.to_be_bytes())
}

fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = data
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksum_of_a_packet_with_its_checksum_is_zero() {
        let p = super::echo_request(0x1234, 7);
        assert_eq!(super::checksum(&p), 0);
    }
}
