//! MailTo: notification mail through a real SMTP server (Python's smtpd debugging server)
//! inside a network namespace.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use crate::support::*;

const RELAY: &str = "127.0.0.1:2525";

/// An SMTP server printing every message it receives to a file; killed on drop.
struct Relay {
    child: Child,
    log: PathBuf,
}

impl Relay {
    fn start(ns: &NetNs, install: &Install) -> Relay {
        let log = install.root().join("smtp.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("ip")
            .args(["netns", "exec", &ns.name, "python3", "-u", "-W", "ignore"])
            .args(["-m", "smtpd", "-n", "-c", "DebuggingServer", RELAY])
            .stdout(out)
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 smtpd");
        let relay = Relay { child, log };
        let probe =
            "import socket; socket.create_connection(('127.0.0.1', 2525), timeout=1).close()";
        assert!(
            eventually(10.0, || ns.exec(&["python3", "-c", probe]).status.success()),
            "smtp relay did not come up"
        );
        relay
    }

    fn received(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn messages(&self) -> usize {
        self.received().matches("MESSAGE FOLLOWS").count()
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python_smtpd_available() -> bool {
    Command::new("python3")
        .args(["-W", "ignore", "-c", "import smtpd"])
        .status()
        .is_ok_and(|s| s.success())
}

fn lab(test: &str) -> Option<(NetNs, Install)> {
    if skip_unless_root(test) {
        return None;
    }
    if !python_smtpd_available() {
        skip(&format!("{test}: python3 has no smtpd module; NOT TESTED"));
        return None;
    }
    Some((NetNs::new(), Install::new()))
}

#[test]
fn start_and_stop_send_mail() {
    let Some((ns, install)) = lab("mailto::start_and_stop_send_mail") else {
        return;
    };
    let relay = Relay::start(&ns, &install);
    let mail = install
        .agent("MailTo", "m1")
        .param("email", "ops@example.org, dba@example.org")
        .param("subject", "webshop")
        .param("smtp_server", RELAY)
        .in_netns(&ns);
    assert_eq!(mail.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(mail.rc("start"), OCF_SUCCESS);
    assert!(
        eventually(5.0, || relay.messages() == 1),
        "{}",
        relay.received()
    );
    let text = relay.received();
    assert!(
        text.contains("Subject: webshop Takeover in progress at"),
        "{text}"
    );
    assert!(
        text.contains("To: ops@example.org, dba@example.org"),
        "{text}"
    );
    assert_eq!(mail.rc("monitor"), OCF_SUCCESS);
    assert_eq!(mail.rc("stop"), OCF_SUCCESS);
    assert!(eventually(5.0, || relay.messages() == 2));
    assert!(relay
        .received()
        .contains("Subject: webshop Migrating resource away at"));
    assert_eq!(mail.rc("monitor"), OCF_NOT_RUNNING);
    assert_eq!(mail.rc("stop"), OCF_SUCCESS);
    assert_eq!(
        relay.messages(),
        2,
        "stopping a stopped MailTo sends nothing"
    );

    // Heartbeat v1: MailTo::ops@example.org::v1group
    let v1 = install
        .agent("MailTo", "")
        .param("smtp_server", RELAY)
        .in_netns(&ns);
    assert_eq!(
        v1.call_with(&["ops@example.org", "v1group", "start"]).code,
        0
    );
    assert!(eventually(5.0, || relay
        .received()
        .contains("Subject: v1group Takeover")));
    assert_eq!(
        v1.call_with(&["ops@example.org", "v1group", "stop"]).code,
        0
    );
}

#[test]
fn an_unreachable_relay_does_not_block_failover() {
    let Some((ns, install)) = lab("mailto::an_unreachable_relay_does_not_block_failover") else {
        return;
    };
    let mail = install
        .agent("MailTo", "m2")
        .param("email", "ops@example.org")
        .param("smtp_server", "127.0.0.1:2599")
        .in_netns(&ns);
    let reply = mail.call("start");
    assert_eq!(reply.code, OCF_SUCCESS);
    assert!(reply.stderr.contains("could not send"), "{}", reply.stderr);
    assert_eq!(mail.rc("stop"), OCF_SUCCESS);
}

#[test]
fn ocf_tester_passes() {
    let Some((ns, install)) = lab("mailto::ocf_tester_passes") else {
        return;
    };
    if skip_without("mailto::ocf_tester_passes", &["ocf-tester", "xmllint"]) {
        return;
    }
    let relay = Relay::start(&ns, &install);
    let mail = install
        .agent("MailTo", "ot-mail")
        .param("email", "ops@example.org")
        .param("smtp_server", RELAY)
        .in_netns(&ns);
    assert_ocf_tester_passes(&mail, "MailTo");
    assert!(relay.messages() >= 2);
}

#[test]
fn validation_errors() {
    let install = Install::new();
    let base = install
        .agent("MailTo", "mv")
        .param("email", "ops@example.org")
        .param("smtp_server", RELAY);
    assert_eq!(base.rc("validate-all"), OCF_SUCCESS);
    let cases = [
        ("email", "", OCF_ERR_CONFIGURED),
        ("email", "-oQ/tmp", OCF_ERR_CONFIGURED),
        ("smtp_server", "relay-without-port", OCF_ERR_CONFIGURED),
    ];
    for (name, value, expected) in cases {
        let reply = base.clone().param(name, value).call("validate-all");
        assert_eq!(reply.code, expected, "{name}={value}: {}", reply.stderr);
    }
    let has_local_mailer = ["/usr/sbin/sendmail", "/usr/bin/mail", "/usr/lib/sendmail"]
        .iter()
        .any(|p| std::path::Path::new(p).exists());
    let local = install
        .agent("MailTo", "mv")
        .param("email", "ops@example.org");
    let expected = if has_local_mailer {
        OCF_SUCCESS
    } else {
        OCF_ERR_INSTALLED
    };
    assert_eq!(local.rc("validate-all"), expected);
}
