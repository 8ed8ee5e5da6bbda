//! One module per agent; [`REGISTRY`] lists them under their installed names.

mod announcement;
mod anything;
mod daemon;
mod delay;
mod dummy;
mod filesystem;
mod ip_address;
mod ipaddr;
mod ipaddr2;
mod ipsrcaddr;
mod ipv6addr;
mod mailto;
mod ping;
mod portblock;
mod route;
mod send_arp;
mod stateful;
mod sysinfo;
mod webserver;

use crate::agent::AgentSpec;

/// Every agent, by the file name it is installed under.
pub static REGISTRY: &[AgentSpec] = &[
    AgentSpec {
        name: "Dummy",
        metadata: dummy::metadata,
        run: dummy::run,
        heartbeat_args: None,
    },
    AgentSpec {
        name: "Stateful",
        metadata: stateful::metadata,
        run: stateful::run,
        heartbeat_args: None,
    },
    AgentSpec {
        name: "Delay",
        metadata: delay::metadata,
        run: delay::run,
        heartbeat_args: Some(delay::heartbeat_args),
    },
    AgentSpec {
        name: "IPaddr2",
        metadata: ipaddr2::metadata,
        run: ipaddr2::run,
        heartbeat_args: Some(ip_address::heartbeat_args),
    },
    AgentSpec {
        name: "IPaddr",
        metadata: ipaddr::metadata,
        run: ipaddr::run,
        heartbeat_args: Some(ip_address::heartbeat_args),
    },
    AgentSpec {
        name: "IPv6addr",
        metadata: ipv6addr::metadata,
        run: ipv6addr::run,
        heartbeat_args: Some(ipv6addr::heartbeat_args),
    },
    AgentSpec {
        name: "Filesystem",
        metadata: filesystem::metadata,
        run: filesystem::run,
        heartbeat_args: Some(filesystem::heartbeat_args),
    },
    AgentSpec {
        name: "ping",
        metadata: ping::metadata,
        run: ping::run,
        heartbeat_args: None,
    },
    AgentSpec {
        name: "anything",
        metadata: anything::metadata,
        run: anything::run,
        heartbeat_args: None,
    },
    AgentSpec {
        name: "WebServer",
        metadata: webserver::metadata,
        run: webserver::run,
        heartbeat_args: None,
    },
    AgentSpec {
        name: "Route",
        metadata: route::metadata,
        run: route::run,
        heartbeat_args: None,
    },
    AgentSpec {
        name: "SendArp",
        metadata: send_arp::metadata,
        run: send_arp::run,
        heartbeat_args: Some(send_arp::heartbeat_args),
    },
    AgentSpec {
        name: "IPsrcaddr",
        metadata: ipsrcaddr::metadata,
        run: ipsrcaddr::run,
        heartbeat_args: Some(ipsrcaddr::heartbeat_args),
    },
    AgentSpec {
        name: "portblock",
        metadata: portblock::metadata,
        run: portblock::run,
        heartbeat_args: Some(portblock::heartbeat_args),
    },
    AgentSpec {
        name: "MailTo",
        metadata: mailto::metadata,
        run: mailto::run,
        heartbeat_args: Some(mailto::heartbeat_args),
    },
    AgentSpec {
        name: "SysInfo",
        metadata: sysinfo::metadata,
        run: sysinfo::run,
        heartbeat_args: None,
    },
];
