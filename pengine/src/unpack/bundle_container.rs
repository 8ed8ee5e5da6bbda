//! The parameters of a bundle's container resources, exactly as Pacemaker 2.1.5 generates
//! them (`run_opts`, `mount_points`, `run_cmd`, ...): they are what the container was started
//! with, so their digest says whether a running container still matches its definition.

use super::bundle::Settings;
use cib::Element;
use std::collections::BTreeMap;

/// The authentication key Pacemaker always maps into a container that runs a remote daemon.
const AUTHKEY: &str = "/etc/pacemaker/authkey";
/// Where the containers' logs live on the host (one subdirectory per replica).
const BUNDLE_LOG_DIR: &str = "/var/log/pacemaker/bundles";
/// The remote daemon's default port.
pub const DEFAULT_REMOTE_PORT: &str = "3121";
/// The remote daemon a container runs when the bundle wraps a primitive.
const REMOTE_DAEMON: &str = "/usr/sbin/pacemaker-remoted";

/// A `storage-mapping`.
#[derive(Debug, Clone)]
pub struct Mount {
    /// `source-dir`, or `source-dir-root` (then `subdir`).
    pub source: String,
    /// `target-dir`.
    pub target: String,
    /// `options`.
    pub options: Option<String>,
    /// Each replica gets its own subdirectory of `source`.
    pub subdir: bool,
}

/// A `port-mapping`.
#[derive(Debug, Clone)]
pub struct Port {
    /// `port` (or `range`).
    pub source: String,
    /// `internal-port`, else the same as `source`.
    pub target: String,
}

/// The storage mappings of a bundle, in order, and whether one of them is `/var/log`.
pub fn mounts(bundle: &Element) -> (Vec<Mount>, bool) {
    let mut out = Vec::new();
    let mut has_log = false;
    for m in bundle
        .child("storage")
        .into_iter()
        .flat_map(|s| s.elements())
    {
        let (source, subdir) = match (m.attr("source-dir"), m.attr("source-dir-root")) {
            (Some(s), _) => (s, false),
            (None, Some(s)) => (s, true),
            (None, None) => continue,
        };
        let Some(target) = m.attr("target-dir") else {
            continue;
        };
        has_log |= target == "/var/log";
        out.push(Mount {
            source: source.to_string(),
            target: target.to_string(),
            options: m.attr("options").map(str::to_string),
            subdir,
        });
    }
    (out, has_log)
}

/// The port mappings of a bundle's `network`, in order.
pub fn ports(network: Option<&Element>) -> Vec<Port> {
    let mut out = Vec::new();
    for p in network.into_iter().flat_map(|n| n.elements()) {
        let (source, target) = match p.attr("port") {
            Some(port) => (port, p.attr("internal-port")),
            None => (p.attr("range").unwrap_or(""), None),
        };
        if source.is_empty() {
            continue;
        }
        out.push(Port {
            source: source.to_string(),
            target: target.unwrap_or(source).to_string(),
        });
    }
    out
}

/// What a bundle that runs a remote daemon in its containers adds: the key and log mounts
/// and the control port mapping.
pub fn add_remote_daemon(
    mounts: &mut Vec<Mount>,
    has_log: bool,
    ports: &mut Vec<Port>,
    s: &Settings,
) {
    mounts.push(Mount {
        source: AUTHKEY.into(),
        target: AUTHKEY.into(),
        options: None,
        subdir: false,
    });
    if !has_log {
        mounts.push(Mount {
            source: BUNDLE_LOG_DIR.into(),
            target: "/var/log".into(),
            options: None,
            subdir: true,
        });
    }
    let port = s.control_port.as_deref().unwrap_or(DEFAULT_REMOTE_PORT);
    ports.push(Port {
        source: port.into(),
        target: port.into(),
    });
}

/// The host entries every container gets for the replicas' addresses.
pub fn host_options(s: &Settings, addresses: &[String]) -> String {
    let mut out = String::new();
    for (i, addr) in addresses.iter().enumerate() {
        let prefix = &s.prefix;
        if s.agent != "rkt" && s.add_host {
            out.push_str(&format!(" --add-host={prefix}-{i}:{addr}"));
        } else {
            out.push_str(&format!(" --hosts-entry={addr}={prefix}-{i}"));
        }
    }
    out
}

/// The container agent's parameters for replica `i` (address `addr`), with `remote` when the
/// container runs the remote daemon for a wrapped primitive.
pub fn params(
    s: &Settings,
    i: usize,
    addr: Option<&str>,
    remote: bool,
) -> BTreeMap<String, String> {
    let mut mount_points: Vec<String> = Vec::new();
    let mut opts = base_run_opts(s, i);
    opts.push_str(&mount_opts(s, i, &mut mount_points));
    opts.push_str(&port_opts(s, addr));
    // (Pacemaker appends both with a separating space even when empty.)
    if let Some(o) = &s.options {
        opts.push_str(&format!(" {o}"));
    }
    opts.push(' ');
    opts.push_str(&s.host_options);
    let mut out = BTreeMap::new();
    let mut set = |k: &str, v: &str| {
        out.insert(k.to_string(), v.to_string());
    };
    set("image", &s.image);
    set("allow_pull", "true");
    set("force_kill", "false");
    set("reuse", "false");
    set("run_opts", &opts);
    set("mount_points", &mount_points.join(","));
    match (&s.run_command, remote) {
        (Some(cmd), _) => set("run_cmd", cmd),
        (None, true) => set("run_cmd", REMOTE_DAEMON),
        (None, false) => {}
    }
    set("monitor_cmd", "/bin/true");
    out
}

/// The run options every replica's container gets: no restart (docker), its host name
/// (with an address range), stderr logging, its network and the remote port.
fn base_run_opts(s: &Settings, i: usize) -> String {
    let (hostname_opt, env_opt) = if s.agent == "rkt" {
        ("--hostname=", "--environment=")
    } else {
        ("-h ", "-e ")
    };
    let prefix = &s.prefix;
    let mut opts = String::new();
    if s.agent == "docker" {
        opts.push_str(" --restart=no");
    }
    if s.ip_range_start.is_some() {
        opts.push_str(&format!(" {hostname_opt}{prefix}-{i}"));
    }
    opts.push_str(&format!(" {env_opt}PCMK_stderr=1"));
    if let Some(net) = &s.network {
        opts.push_str(&format!(" --net={net}"));
    }
    let port = s.control_port.as_deref().unwrap_or(DEFAULT_REMOTE_PORT);
    opts.push_str(&format!(" {env_opt}PCMK_remote_port={port}"));
    opts
}

/// The storage mappings' run options for replica `i` (a per-replica subdirectory of the
/// source when asked: those directories go to `mount_points`).
fn mount_opts(s: &Settings, i: usize, mount_points: &mut Vec<String>) -> String {
    let prefix = &s.prefix;
    let mut opts = String::new();
    for (volume, m) in s.mounts.iter().enumerate() {
        let source = if m.subdir {
            let dir = format!("{}/{prefix}-{i}", m.source);
            mount_points.push(dir.clone());
            dir
        } else {
            m.source.clone()
        };
        if s.agent == "rkt" {
            let options = m
                .options
                .as_deref()
                .map(|o| format!(",{o}"))
                .unwrap_or_default();
            opts.push_str(&format!(
                " --volume vol{volume},kind=host,source={source}{options} --mount volume=vol{volume},target={}",
                m.target
            ));
        } else {
            opts.push_str(&format!(" -v {source}:{}", m.target));
            if let Some(o) = &m.options {
                opts.push_str(&format!(":{o}"));
            }
        }
    }
    opts
}

/// The port mappings' run options (bound to the replica's address when it has one; none
/// needed on the host network).
fn port_opts(s: &Settings, addr: Option<&str>) -> String {
    let rkt = s.agent == "rkt";
    let mut opts = String::new();
    for p in &s.ports {
        match (rkt, addr) {
            (false, Some(a)) => opts.push_str(&format!(" -p {a}:{}:{}", p.source, p.target)),
            (false, None) if s.network.as_deref() != Some("host") => {
                opts.push_str(&format!(" -p {}:{}", p.source, p.target))
            }
            (false, None) => {}
            (true, Some(a)) => opts.push_str(&format!(" --port={}:{a}:{}", p.target, p.source)),
            (true, None) => opts.push_str(&format!(" --port={}:{}", p.target, p.source)),
        }
    }
    opts
}

/// The digest Pacemaker records with a one-shot operation's result for these parameters.
pub fn digest(params: &BTreeMap<String, String>) -> String {
    let mut el = Element::new("parameters");
    for (k, v) in params {
        el.set_attr(k.as_str(), v.as_str());
    }
    cib::digest::digest(&el)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(xml: &str) -> Settings {
        let el = cib::Document::parse(xml).unwrap().root;
        super::super::bundle::settings(&el).unwrap()
    }

    #[test]
    fn a_replica_gets_pacemakers_run_options_and_its_recorded_digest() {
        // From the corpus case bundle-replicas-change (Pacemaker 2.1.5's own output).
        let s = bundle(
            r#"<bundle id="httpd-bundle">
              <docker image="pcmktest:http" replicas="3" replicas-per-host="3" options="--log-driver=journald"/>
              <network ip-range-start="192.168.20.188" host-interface="ens192" host-netmask="24">
                <port-mapping id="httpd-port" port="80"/>
              </network>
              <storage>
                <storage-mapping id="r" source-dir-root="/var/local/containers" target-dir="/var/www/html" options="rw"/>
                <storage-mapping id="l" source-dir-root="/var/log/pacemaker/bundles" target-dir="/etc/httpd/logs" options="rw"/>
              </storage>
              <primitive class="ocf" id="httpd" provider="heartbeat" type="apache"/>
            </bundle>"#,
        );
        let p = params(&s, 0, Some("192.168.20.188"), true);
        assert_eq!(
            p["run_opts"],
            " --restart=no -h httpd-bundle-0 -e PCMK_stderr=1 -e PCMK_remote_port=3121 \
             -v /var/local/containers/httpd-bundle-0:/var/www/html:rw \
             -v /var/log/pacemaker/bundles/httpd-bundle-0:/etc/httpd/logs:rw \
             -v /etc/pacemaker/authkey:/etc/pacemaker/authkey \
             -v /var/log/pacemaker/bundles/httpd-bundle-0:/var/log \
             -p 192.168.20.188:80:80 -p 192.168.20.188:3121:3121 --log-driver=journald  \
             --add-host=httpd-bundle-0:192.168.20.188 --add-host=httpd-bundle-1:192.168.20.189 \
             --add-host=httpd-bundle-2:192.168.20.190"
        );
        assert_eq!(p["run_cmd"], "/usr/sbin/pacemaker-remoted");
        assert_eq!(
            p["mount_points"],
            "/var/local/containers/httpd-bundle-0,/var/log/pacemaker/bundles/httpd-bundle-0,\
             /var/log/pacemaker/bundles/httpd-bundle-0"
        );
    }

    #[test]
    fn a_plain_container_digest_matches_the_one_pacemaker_recorded() {
        // bundle-order-partial-start: openstack-cinder-volume-docker-0_last_0's op-digest.
        let s = bundle(
            r#"<bundle id="openstack-cinder-volume">
              <docker run-command="/bin/bash /usr/local/bin/kolla_start" network="host" image="192.168.24.1:8787/tripleoupstream/centos-binary-cinder-volume:latest" options="--ipc=host --privileged=true --user=root --log-driver=journald -e KOLLA_CONFIG_STRATEGY=COPY_ALWAYS" replicas="1"/>
              <storage>
                <storage-mapping target-dir="/var/lib/kolla/config_files/config.json" options="ro" id="a" source-dir="/var/lib/kolla/config_files/cinder_volume.json"/>
                <storage-mapping target-dir="/etc/cinder" options="ro" id="b" source-dir="/var/lib/config-data/cinder/etc/cinder"/>
                <storage-mapping target-dir="/etc/hosts" options="ro" id="c" source-dir="/etc/hosts"/>
                <storage-mapping target-dir="/etc/localtime" options="ro" id="d" source-dir="/etc/localtime"/>
                <storage-mapping target-dir="/dev" options="rw" id="e" source-dir="/dev"/>
                <storage-mapping target-dir="/run" options="rw" id="f" source-dir="/run"/>
                <storage-mapping target-dir="/sys" options="rw" id="g" source-dir="/sys"/>
                <storage-mapping target-dir="/lib/modules" options="ro" id="h" source-dir="/lib/modules"/>
                <storage-mapping target-dir="/etc/iscsi" options="rw" id="i" source-dir="/etc/iscsi"/>
                <storage-mapping target-dir="/var/lib/cinder" options="rw" id="j" source-dir="/var/lib/cinder"/>
                <storage-mapping target-dir="/var/log/cinder" options="rw" id="k" source-dir="/var/log/containers/cinder"/>
              </storage>
            </bundle>"#,
        );
        assert_eq!(
            digest(&params(&s, 0, None, false)),
            "6bca2ea371d88385f9492e607d2ba781"
        );
    }
}
