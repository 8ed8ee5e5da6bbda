//! `ocf-agents serve DIR PORT [ADDRESS]`: a small static web server in the foreground, so the
//! classic "virtual IP plus web server" site runs with nothing but this package (the demo
//! and the tests start it through a heartbeat-class script or `anything`).
//!
//! It answers `GET` and `HEAD` for files directly under DIR (`/` is `index.html`), one
//! request per connection, with bounded request size and time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest request head read before the connection is dropped.
const MAX_REQUEST: u64 = 8 * 1024;
/// How long a client may take to send its request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs the server; returns an exit status only when it cannot start.
pub fn main(args: &[String]) -> i32 {
    let (dir, port, address) = match args {
        [dir, port] => (dir, port, "0.0.0.0"),
        [dir, port, address] => (dir, port, address.as_str()),
        _ => {
            eprintln!("usage: ocf-agents serve DIR PORT [ADDRESS]");
            return 2;
        }
    };
    let root = PathBuf::from(dir);
    let listener = match TcpListener::bind(format!("{address}:{port}")) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("ocf-agents serve: cannot listen on {address}:{port}: {e}");
            return 1;
        }
    };
    for stream in listener.incoming().flatten() {
        // One request at a time keeps the server small; a slow client is cut off by the timeout.
        let _ = answer(stream, &root);
    }
    1
}

fn answer(mut stream: TcpStream, root: &Path) -> std::io::Result<()> {
    stream.set_read_timeout(Some(REQUEST_TIMEOUT))?;
    stream.set_write_timeout(Some(REQUEST_TIMEOUT))?;
    let mut reader = BufReader::new((&stream).take(MAX_REQUEST));
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Drain the headers so the client sees a clean close.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut words = request_line.split_whitespace();
    let (method, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let response = match (method, file_for(root, target)) {
        ("GET" | "HEAD", Some(path)) => match std::fs::read(&path) {
            Ok(body) => Response::ok(body),
            Err(_) => Response::status(404, "Not Found"),
        },
        ("GET" | "HEAD", None) => Response::status(404, "Not Found"),
        _ => Response::status(405, "Method Not Allowed"),
    };
    stream.write_all(&response.head())?;
    if method != "HEAD" {
        stream.write_all(&response.body)?;
    }
    stream.flush()
}

/// The file a request path names: a plain file name under `root`, never anything above it.
fn file_for(root: &Path, target: &str) -> Option<PathBuf> {
    let name = target.split('?').next()?.trim_start_matches('/');
    let name = if name.is_empty() { "index.html" } else { name };
    let plain = !name.contains('/') && !name.starts_with('.') && !name.contains('\0');
    plain.then(|| root.join(name))
}

struct Response {
    code: u16,
    reason: &'static str,
    body: Vec<u8>,
}

impl Response {
    fn ok(body: Vec<u8>) -> Self {
        Response {
            code: 200,
            reason: "OK",
            body,
        }
    }

    fn status(code: u16, reason: &'static str) -> Self {
        Response {
            code,
            reason,
            body: format!("{code} {reason}\n").into_bytes(),
        }
    }

    fn head(&self) -> Vec<u8> {
        format!(
            "HTTP/1.0 {} {}\r\nContent-Length: {}\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n",
            self.code,
            self.reason,
            self.body.len()
        )
        .into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_files_under_the_root_are_served() {
        let root = Path::new("/srv/www");
        assert_eq!(file_for(root, "/"), Some(root.join("index.html")));
        assert_eq!(file_for(root, "/a.html?x=1"), Some(root.join("a.html")));
        assert_eq!(file_for(root, "/../etc/passwd"), None);
        assert_eq!(file_for(root, "/sub/file"), None);
        assert_eq!(file_for(root, "/.hidden"), None);
    }

    #[test]
    fn serves_a_page_over_loopback() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "served by test\n").unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let root = dir.path().to_path_buf();
        std::thread::spawn(move || {
            for s in listener.incoming().flatten().take(2) {
                let _ = answer(s, &root);
            }
        });
        let get = |req: &str| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(req.as_bytes()).unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        };
        let page = get("GET / HTTP/1.0\r\nHost: x\r\n\r\n");
        assert!(page.starts_with("HTTP/1.0 200 OK"), "{page}");
        assert!(page.ends_with("served by test\n"), "{page}");
        let missing = get("GET /nope HTTP/1.0\r\n\r\n");
        assert!(missing.starts_with("HTTP/1.0 404"), "{missing}");
    }
}
