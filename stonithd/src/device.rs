//! Fencing devices as the CIB configures them.

use std::collections::BTreeMap;
use std::time::Duration;

use cib::xml::Element;

/// How a device decides which nodes it can fence (`pcmk_host_check`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostCheck {
    /// `pcmk_host_list` / `pcmk_host_map` name the nodes.
    StaticList,
    /// Ask the agent (`list` action).
    DynamicList,
    /// Ask the agent per node (`status` action).
    Status,
    /// Every node.
    None,
}

/// One fencing device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// The primitive's id.
    pub id: String,
    /// The agent: `fence_xvm`, `external/ssh`, `meatware`, ...
    pub agent: String,
    /// The agent's own parameters (everything not `pcmk_*`).
    pub params: BTreeMap<String, String>,
    /// `pcmk_host_list`.
    pub host_list: Vec<String>,
    /// `pcmk_host_map`: node name -> the agent's name for it (port/plug).
    pub host_map: BTreeMap<String, String>,
    /// `pcmk_host_check`.
    pub host_check: HostCheck,
    /// `pcmk_delay_base`.
    pub delay_base: Duration,
    /// `pcmk_delay_max`: a random extra delay up to this.
    pub delay_max: Duration,
    /// Per-action timeout (`pcmk_<action>_timeout`, else the cluster's `stonith-timeout`).
    pub timeouts: BTreeMap<String, Duration>,
    /// `pcmk_<action>_retries` (default 2).
    pub retries: u32,
    /// `pcmk_<action>_action`: the agent action to run for a cluster action.
    pub action_names: BTreeMap<String, String>,
}

fn parse_secs(v: &str) -> Option<Duration> {
    vocab::parse_duration(v).ok()
}

impl Device {
    /// A device from a `class="stonith"` primitive; `None` for other primitives.
    pub fn from_primitive(p: &Element, stonith_timeout: Duration) -> Option<Device> {
        if p.name != "primitive" || p.attr("class") != Some("stonith") {
            return None;
        }
        let mut params = BTreeMap::new();
        let mut pcmk = BTreeMap::new();
        for ia in p.children_named("instance_attributes") {
            for nv in ia.children_named("nvpair") {
                let (Some(k), Some(v)) = (nv.attr("name"), nv.attr("value")) else {
                    continue;
                };
                if k.starts_with("pcmk_") {
                    pcmk.insert(k.to_string(), v.to_string());
                } else {
                    params.insert(k.to_string(), v.to_string());
                }
            }
        }
        let host_list: Vec<String> = pcmk
            .get("pcmk_host_list")
            .map(|v| {
                v.split([' ', ',', ';', '\t'])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let host_map: BTreeMap<String, String> = pcmk
            .get("pcmk_host_map")
            .map(|v| {
                // `n1:1;n2:2,3` (a node may have several ports) or `n1=1 n2=2` or `n1:1,n2:2`.
                v.split([' ', ';', '\t'])
                    .flat_map(|chunk| {
                        if chunk.matches([':', '=']).count() > 1 {
                            chunk.split(',').map(str::to_string).collect::<Vec<_>>()
                        } else {
                            vec![chunk.to_string()]
                        }
                    })
                    .filter_map(|pair| {
                        let (n, port) = pair.split_once(':').or_else(|| pair.split_once('='))?;
                        Some((n.to_string(), port.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let host_check = match pcmk.get("pcmk_host_check").map(String::as_str) {
            Some("static-list") => HostCheck::StaticList,
            Some("dynamic-list") => HostCheck::DynamicList,
            Some("status") => HostCheck::Status,
            Some("none") => HostCheck::None,
            _ if !host_list.is_empty() || !host_map.is_empty() => HostCheck::StaticList,
            _ => HostCheck::DynamicList,
        };
        let mut timeouts = BTreeMap::new();
        let mut action_names = BTreeMap::new();
        let mut retries = 2;
        for action in ["reboot", "off", "on", "list", "status", "monitor"] {
            let t = pcmk
                .get(&format!("pcmk_{action}_timeout"))
                .and_then(|v| parse_secs(v))
                .unwrap_or(stonith_timeout);
            timeouts.insert(action.to_string(), t);
            if let Some(name) = pcmk.get(&format!("pcmk_{action}_action")) {
                action_names.insert(action.to_string(), name.clone());
            }
            if action == "reboot" {
                if let Some(r) = pcmk.get("pcmk_reboot_retries").and_then(|v| v.parse().ok()) {
                    retries = r;
                }
            }
        }
        Some(Device {
            id: p.attr("id")?.to_string(),
            agent: p.attr("type")?.to_string(),
            params,
            host_list,
            host_map,
            host_check,
            delay_base: pcmk
                .get("pcmk_delay_base")
                .and_then(|v| parse_secs(v))
                .unwrap_or_default(),
            delay_max: pcmk
                .get("pcmk_delay_max")
                .and_then(|v| parse_secs(v))
                .unwrap_or_default(),
            timeouts,
            retries,
            action_names,
        })
    }

    /// The name the agent knows `node` by.
    pub fn port_for(&self, node: &str) -> String {
        self.host_map
            .get(node)
            .cloned()
            .unwrap_or_else(|| node.to_string())
    }

    /// The agent action for a cluster action.
    pub fn agent_action(&self, action: &str) -> String {
        self.action_names
            .get(action)
            .cloned()
            .unwrap_or_else(|| action.to_string())
    }

    /// Timeout of one run of `action`.
    pub fn timeout(&self, action: &str) -> Duration {
        self.timeouts
            .get(action)
            .copied()
            .unwrap_or(Duration::from_secs(60))
    }
}

/// The cluster's `stonith-timeout` (default 60 s).
pub fn stonith_timeout(cib: &Element) -> Duration {
    cib.child("configuration")
        .and_then(|c| c.child("crm_config"))
        .map(|c| c.descendants())
        .unwrap_or_default()
        .into_iter()
        .find(|e| e.name == "nvpair" && e.attr("name") == Some("stonith-timeout"))
        .and_then(|e| e.attr("value"))
        .and_then(parse_secs)
        .unwrap_or(Duration::from_secs(60))
}

/// Every fencing device of a CIB, in configuration order.
pub fn devices(cib: &Element) -> Vec<Device> {
    let timeout = stonith_timeout(cib);
    cib.child("configuration")
        .and_then(|c| c.child("resources"))
        .map(|r| r.descendants())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| Device::from_primitive(p, timeout))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcmk_options_are_read_and_kept_from_the_agent() {
        let cib = cib::xml::parse_element(
            r#"<cib><configuration><crm_config><cluster_property_set id="o"><nvpair id="t" name="stonith-timeout" value="30s"/></cluster_property_set></crm_config><resources>
            <primitive id="f1" class="stonith" type="fence_virsh"><instance_attributes id="a">
              <nvpair id="a1" name="ip" value="10.0.0.1"/>
              <nvpair id="a2" name="pcmk_host_map" value="node1:vm1;node2:vm2,vm3"/>
              <nvpair id="a3" name="pcmk_delay_max" value="5s"/>
              <nvpair id="a4" name="pcmk_reboot_timeout" value="90"/>
            </instance_attributes></primitive>
            <primitive id="d" class="ocf" provider="heartbeat" type="Dummy"/>
            </resources></configuration></cib>"#,
        )
        .unwrap();
        let d = devices(&cib);
        assert_eq!(d.len(), 1);
        let d = &d[0];
        assert_eq!(d.params.keys().collect::<Vec<_>>(), vec!["ip"]);
        assert_eq!(d.port_for("node2"), "vm2,vm3");
        assert_eq!(d.port_for("node1"), "vm1");
        assert_eq!(d.host_check, HostCheck::StaticList);
        assert_eq!(d.delay_max, Duration::from_secs(5));
        assert_eq!(d.timeout("reboot"), Duration::from_secs(90));
        assert_eq!(d.timeout("off"), Duration::from_secs(30));
    }
}
