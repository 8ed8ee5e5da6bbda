//! A minimal SMTP client (no TLS, no auth) for notification mail to a relay on the local
//! network, used when no sendmail-compatible program is installed or a relay is named.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// One message to send.
#[derive(Debug, Clone)]
pub struct Mail<'a> {
    pub from: &'a str,
    pub to: &'a [String],
    pub subject: &'a str,
    pub body: &'a str,
}

/// Sends `mail` through the relay at `server` (`host:port`); errors are readable reasons.
pub fn send(server: &str, helo: &str, mail: &Mail, timeout: Duration) -> Result<(), String> {
    let addr = server
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {server}: {e}"))?
        .next()
        .ok_or_else(|| format!("{server} has no address"))?;
    let stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {server}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| e.to_string())?;
    let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut reader = BufReader::new(stream);
    let mut step = |command: Option<String>, expect: char| -> Result<(), String> {
        if let Some(c) = &command {
            writer
                .write_all(format!("{c}\r\n").as_bytes())
                .map_err(|e| format!("cannot send to {server}: {e}"))?;
        }
        // Multi-line replies continue with "NNN-"; the last line has "NNN ".
        loop {
            let mut line = String::new();
            reader
                .read_line(&mut line)
                .map_err(|e| format!("no reply from {server}: {e}"))?;
            if line.is_empty() {
                return Err(format!("{server} closed the connection"));
            }
            if line.as_bytes().get(3) == Some(&b'-') {
                continue;
            }
            return if line.starts_with(expect) {
                Ok(())
            } else {
                Err(format!(
                    "{server} answered '{}' to {}",
                    line.trim_end(),
                    command.as_deref().unwrap_or("the greeting")
                ))
            };
        }
    };
    step(None, '2')?;
    step(Some(format!("HELO {helo}")), '2')?;
    step(Some(format!("MAIL FROM:<{}>", mail.from)), '2')?;
    for rcpt in mail.to {
        step(Some(format!("RCPT TO:<{rcpt}>")), '2')?;
    }
    step(Some("DATA".into()), '3')?;
    step(Some(message_text(mail)), '2')?;
    let _ = step(Some("QUIT".into()), '2');
    Ok(())
}

/// Headers, body (lines starting with "." doubled) and the terminating ".".
pub fn message_text(mail: &Mail) -> String {
    let mut text = format!(
        "From: {}\r\nTo: {}\r\nSubject: {}\r\n\r\n",
        mail.from,
        mail.to.join(", "),
        mail.subject
    );
    for line in mail.body.lines() {
        if line.starts_with('.') {
            text.push('.');
        }
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push('.');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_stuffing_and_headers() {
        let to = vec!["a@example.org".to_string(), "b".to_string()];
        let mail = Mail {
            from: "root@n1",
            to: &to,
            subject: "s",
            body: "one\n.two",
        };
        let text = message_text(&mail);
        assert!(text.starts_with("From: root@n1\r\nTo: a@example.org, b\r\nSubject: s\r\n\r\n"));
        assert!(text.ends_with("one\r\n..two\r\n."));
    }
}
