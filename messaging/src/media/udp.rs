//! UDP media bound to one interface with `SO_BINDTODEVICE`.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};

use nix::ifaddrs::getifaddrs;
use socket2::{Domain, Protocol, Socket, Type};

use super::{Inbound, MediumTx, MAX_PACKET};

struct UdpTx {
    socket: UdpSocket,
    targets: Vec<SocketAddr>,
}

impl MediumTx for UdpTx {
    fn send(&self, packet: &[u8]) -> io::Result<()> {
        let mut result = Ok(());
        for t in &self.targets {
            if let Err(e) = self.socket.send_to(packet, t) {
                result = Err(e);
            }
        }
        result
    }
}

fn device_socket(dev: &str) -> io::Result<Socket> {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    s.set_reuse_address(true)?;
    s.bind_device(Some(dev.as_bytes())).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("error setting option SO_BINDTODEVICE(w) on {dev}: {e}"),
        )
    })?;
    Ok(s)
}

fn start_reader(socket: &UdpSocket, index: usize, inbound: Inbound) -> io::Result<()> {
    let reader = socket.try_clone()?;
    std::thread::Builder::new()
        .name(format!("medium-{index}"))
        .spawn(move || {
            let mut buf = vec![0u8; MAX_PACKET + 1];
            loop {
                match reader.recv_from(&mut buf) {
                    Ok((n, _)) => inbound(index, buf[..n].to_vec()),
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
                }
            }
        })?;
    Ok(())
}

/// The IPv4 addresses of interface `dev` (`None` = all interfaces), with broadcast addresses.
fn interface_addrs(dev: Option<&str>) -> Vec<(Ipv4Addr, Option<Ipv4Addr>)> {
    let Ok(addrs) = getifaddrs() else {
        return vec![];
    };
    addrs
        .filter(|a| dev.is_none_or(|d| a.interface_name == d))
        .filter_map(|a| {
            let ip = a.address?.as_sockaddr_in()?.ip();
            // Without an explicit `brd`, the kernel reports the local address here; derive the
            // directed broadcast from the netmask instead.
            let bcast = a
                .netmask
                .and_then(|m| m.as_sockaddr_in().map(|s| s.ip()))
                .map(|mask| Ipv4Addr::from(u32::from(ip) | !u32::from(mask)))
                .filter(|b| *b != ip);
            Some((ip, bcast))
        })
        .collect()
}

/// `bcast dev`: send to the interface's broadcast address.
pub fn open_bcast(
    dev: &str,
    port: u16,
    index: usize,
    inbound: Inbound,
) -> io::Result<Box<dyn MediumTx>> {
    let s = device_socket(dev)?;
    s.set_broadcast(true)?;
    s.bind(&SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port).into())?;
    let socket: UdpSocket = s.into();
    let bcast = interface_addrs(Some(dev))
        .into_iter()
        .find_map(|(_, b)| b)
        .unwrap_or(Ipv4Addr::BROADCAST);
    start_reader(&socket, index, inbound)?;
    Ok(Box::new(UdpTx {
        socket,
        targets: vec![SocketAddr::new(IpAddr::V4(bcast), port)],
    }))
}

/// `ucast dev peer...`: send to each peer that is not one of our own addresses.
pub fn open_ucast(
    dev: &str,
    peers: &[IpAddr],
    port: u16,
    index: usize,
    inbound: Inbound,
) -> io::Result<Box<dyn MediumTx>> {
    let s = device_socket(dev)?;
    s.bind(&SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, port).into())?;
    let socket: UdpSocket = s.into();
    let own: Vec<IpAddr> = interface_addrs(None)
        .into_iter()
        .map(|(ip, _)| IpAddr::V4(ip))
        .collect();
    let targets = peers
        .iter()
        .filter(|p| !own.contains(p))
        .map(|p| SocketAddr::new(*p, port))
        .collect();
    start_reader(&socket, index, inbound)?;
    Ok(Box::new(UdpTx { socket, targets }))
}

/// `mcast dev group port ttl loop`.
pub fn open_mcast(
    dev: &str,
    group: Ipv4Addr,
    port: u16,
    ttl: u32,
    looped: bool,
    index: usize,
    inbound: Inbound,
) -> io::Result<Box<dyn MediumTx>> {
    let s = device_socket(dev)?;
    let local = interface_addrs(Some(dev))
        .into_iter()
        .map(|(ip, _)| ip)
        .next()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{dev} has no IPv4 address"),
            )
        })?;
    s.bind(&SocketAddrV4::new(group, port).into())?;
    s.join_multicast_v4(&group, &local)?;
    s.set_multicast_if_v4(&local)?;
    s.set_multicast_ttl_v4(ttl)?;
    s.set_multicast_loop_v4(looped)?;
    let socket: UdpSocket = s.into();
    start_reader(&socket, index, inbound)?;
    Ok(Box::new(UdpTx {
        socket,
        targets: vec![SocketAddr::new(IpAddr::V4(group), port)],
    }))
}
