//! WebServer: a real HTTP server (python3's http.server) in a network namespace.

use crate::support::*;

/// A document root with an index page, the server's parameters and a namespace.
fn site(install: &Install, ns: &NetNs, instance: &str) -> Agent {
    let root = install.root().join("www");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(root.join("index.html"), "<h1>hello cluster</h1>\n").unwrap();
    install
        .agent("WebServer", instance)
        .param("binfile", "python3")
        .param(
            "cmdline_options",
            &format!(
                "-m http.server 18080 --bind 127.0.0.1 --directory {}",
                root.display()
            ),
        )
        .param("statusurl", "http://127.0.0.1:18080/index.html")
        .param("teststring", "hello cluster")
        .in_netns(ns)
}

#[test]
fn ocf_tester_passes() {
    if skip_unless_root("webserver::ocf_tester_passes") {
        return;
    }
    if skip_without("webserver::ocf_tester_passes", &["python3"]) {
        return;
    }
    let ns = NetNs::new();
    let install = Install::new();
    let web = site(&install, &ns, "ot-web");
    assert_ocf_tester_passes(&web, "WebServer");
}

#[test]
fn monitor_checks_process_and_page() {
    if skip_unless_root("webserver::monitor_checks_process_and_page") {
        return;
    }
    if skip_without("webserver::monitor_checks_process_and_page", &["python3"]) {
        return;
    }
    let ns = NetNs::new();
    let install = Install::new();
    let web = site(&install, &ns, "web1");
    assert_eq!(web.rc("monitor"), OCF_NOT_RUNNING);
    // Start returns only once the page answers, so monitor succeeds at once.
    assert_eq!(web.rc("start"), OCF_SUCCESS);
    assert_eq!(web.rc("monitor"), OCF_SUCCESS);
    let wrong_text = web.clone().param("teststring", "goodbye");
    assert_eq!(wrong_text.rc("monitor"), OCF_ERR_GENERIC);
    let missing_page = web
        .clone()
        .param("statusurl", "http://127.0.0.1:18080/nope.html");
    assert_eq!(
        missing_page.rc("monitor"),
        OCF_ERR_GENERIC,
        "404 is unhealthy"
    );
    let pid: i32 = std::fs::read_to_string(install.rsctmp().join("WebServer-web1.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    run_ok("kill", &["-KILL", &pid.to_string()]);
    assert!(eventually(5.0, || web.rc("monitor") == OCF_NOT_RUNNING));
    assert_eq!(web.rc("stop"), OCF_SUCCESS);
}

#[test]
fn start_fails_when_the_server_never_answers() {
    if skip_unless_root("webserver::start_fails_when_the_server_never_answers") {
        return;
    }
    if skip_without(
        "webserver::start_fails_when_the_server_never_answers",
        &["python3"],
    ) {
        return;
    }
    let ns = NetNs::new();
    let install = Install::new();
    let mute = install
        .agent("WebServer", "mute")
        .param("binfile", "sleep")
        .param("cmdline_options", "600")
        .param("statusurl", "http://127.0.0.1:18081/")
        .env("OCF_RESKEY_CRM_meta_timeout", "1000")
        .in_netns(&ns);
    let reply = mute.call("start");
    assert_eq!(reply.code, OCF_ERR_GENERIC, "{reply:?}");
    assert!(
        reply.stderr.contains("did not become healthy"),
        "{}",
        reply.stderr
    );
    assert_eq!(mute.rc("stop"), OCF_SUCCESS);
    assert_eq!(mute.rc("monitor"), OCF_NOT_RUNNING);
}

#[test]
fn validation_errors() {
    let install = Install::new();
    let base = install
        .agent("WebServer", "wv")
        .param("binfile", "python3")
        .param("statusurl", "http://127.0.0.1:18082/");
    assert_eq!(base.rc("validate-all"), OCF_SUCCESS);
    let https = base.clone().param("statusurl", "https://127.0.0.1/");
    assert_eq!(https.rc("validate-all"), OCF_ERR_CONFIGURED);
    let no_url = install.agent("WebServer", "wv").param("binfile", "python3");
    assert_eq!(no_url.rc("validate-all"), OCF_ERR_CONFIGURED);
    let no_server = base.clone().param("binfile", "/nonexistent/httpd");
    assert_eq!(no_server.rc("validate-all"), OCF_ERR_INSTALLED);
}
