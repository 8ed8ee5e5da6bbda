//! The server over real sockets: frames both ways, limits, half-sent frames, closing.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::time::Duration;

use ipc::server::{self, Event};
use ipc::{frame, AccessTable, Policy, ServerConfig, SocketSpec};

struct Running {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    events: mpsc::Receiver<Event>,
}

fn start(tune: impl FnOnce(&mut ServerConfig)) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.sock");
    let listener = ipc::bind(&path, &SocketSpec::new(0o600, None)).unwrap();
    let mut cfg = ServerConfig::new("t.sock", AccessTable::CLUSTER_ONLY);
    tune(&mut cfg);
    let (tx, events) = mpsc::channel();
    server::spawn(listener, Policy::from_env(), cfg, move |ev| {
        tx.send(ev).is_ok()
    })
    .unwrap();
    Running {
        _dir: dir,
        path,
        events,
    }
}

fn next(r: &Running) -> Event {
    r.events
        .recv_timeout(Duration::from_secs(10))
        .expect("an event")
}

fn closed_by_server(s: &mut UnixStream) -> bool {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut b = [0u8; 1];
    matches!(s.read(&mut b), Ok(0) | Err(_))
}

#[test]
fn frames_flow_both_ways_and_dropping_the_handle_closes_after_the_queue() {
    let r = start(|_| {});
    let mut c = ipc::connect(&r.path).unwrap();
    let Event::Connected(conn) = next(&r) else {
        panic!("connected first")
    };
    assert_eq!(conn.peer().pid as u32, std::process::id());
    frame::write_frame(&mut c, b"ping").unwrap();
    match next(&r) {
        Event::Frame { id, payload } => {
            assert_eq!(id, conn.id());
            assert_eq!(payload, b"ping");
        }
        e => panic!("{e:?}"),
    }
    assert!(conn.send(b"pong"));
    assert!(conn.send(b"bye"));
    drop(conn);
    assert_eq!(frame::read_frame(&mut c, 100).unwrap().unwrap(), b"pong");
    assert_eq!(frame::read_frame(&mut c, 100).unwrap().unwrap(), b"bye");
    assert!(frame::read_frame(&mut c, 100).unwrap().is_none());
    assert!(matches!(next(&r), Event::Closed { .. }));
}

#[test]
fn a_half_sent_frame_is_dropped_after_the_timeout() {
    let r = start(|c| c.frame_timeout = Duration::from_millis(300));
    let mut c = ipc::connect(&r.path).unwrap();
    let Event::Connected(_conn) = next(&r) else {
        panic!()
    };
    c.write_all(&[0, 0, 0, 10, b'a']).unwrap();
    assert!(closed_by_server(&mut c));
    assert!(matches!(next(&r), Event::Closed { .. }));
}

#[test]
fn an_oversized_frame_closes_the_connection_before_its_body() {
    let r = start(|c| c.max_frame = 8);
    let mut c = ipc::connect(&r.path).unwrap();
    let Event::Connected(_conn) = next(&r) else {
        panic!()
    };
    c.write_all(&1_000_000u32.to_be_bytes()).unwrap();
    assert!(closed_by_server(&mut c));
    assert!(matches!(next(&r), Event::Closed { .. }));
}

#[test]
fn connections_beyond_the_total_limit_are_refused_and_slots_come_back() {
    let r = start(|c| c.max_connections = 3);
    let mut held = Vec::new();
    let mut conns = Vec::new();
    for _ in 0..3 {
        held.push(ipc::connect(&r.path).unwrap());
        let Event::Connected(c) = next(&r) else {
            panic!()
        };
        conns.push(c);
    }
    let mut extra = ipc::connect(&r.path).unwrap();
    assert!(closed_by_server(&mut extra));
    assert!(r.events.recv_timeout(Duration::from_millis(300)).is_err());
    drop(held.pop());
    let Event::Closed { id } = next(&r) else {
        panic!()
    };
    // The slot comes back once the daemon lets go of the connection too.
    conns.retain(|c| c.id() != id);
    // The slot is given back when the connection's task ends, just after: retry until then.
    let mut admitted = false;
    let mut again = Vec::new();
    for _ in 0..50 {
        again.push(ipc::connect(&r.path).unwrap());
        if let Ok(Event::Connected(_)) = r.events.recv_timeout(Duration::from_millis(200)) {
            admitted = true;
            break;
        }
    }
    assert!(admitted, "a freed slot is used again");
}

#[test]
fn replies_queued_after_the_client_shut_down_its_side_are_still_written() {
    let r = start(|_| {});
    let mut c = ipc::connect(&r.path).unwrap();
    let Event::Connected(conn) = next(&r) else {
        panic!()
    };
    frame::write_frame(&mut c, b"query").unwrap();
    c.shutdown(std::net::Shutdown::Write).unwrap();
    assert!(matches!(next(&r), Event::Frame { .. }));
    assert!(matches!(next(&r), Event::Closed { .. }));
    assert!(conn.send(b"answer"));
    drop(conn);
    assert_eq!(frame::read_frame(&mut c, 100).unwrap().unwrap(), b"answer");
    assert!(frame::read_frame(&mut c, 100).unwrap().is_none());
}

#[test]
fn a_client_that_does_not_read_is_dropped_when_its_queue_fills() {
    let r = start(|c| c.queue = 4);
    let _c = ipc::connect(&r.path).unwrap();
    let Event::Connected(conn) = next(&r) else {
        panic!()
    };
    let big = vec![0u8; 1 << 20];
    let mut refused = false;
    for _ in 0..200 {
        if !conn.send(&big) {
            refused = true;
            break;
        }
    }
    assert!(refused, "the queue is bounded");
    assert!(matches!(next(&r), Event::Closed { .. }));
}
