//! Desired-state files written from the model (`import`) and the canonical YAML of one
//! resource (the plan's diffs): one form per value, sorted, quoted only where a plain scalar
//! could be misread.

use super::profile::{Profile, matches_profile};
use crate::model::f5::{Addressing, Dns, F5DhcpServer, Gateway, PoolMode};
use crate::model::{DeviceConfig, Pool, PoolKind, Server};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Quotes a YAML string when the plain form could be misread.
pub fn yaml_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c))
        && !s.starts_with(['-', '.'])
        && s.parse::<f64>().is_err()
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n" | "~"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::Value::String(s.to_string()).to_string()
    }
}

/// Renders a server section in the file format (canonical: sorted, one form per value).
pub fn render_server(out: &mut String, s: &Server, indent: &str) {
    let _ = writeln!(out, "{indent}enable: {}", s.enable);
    if s.excluded_addresses.is_empty() {
        let _ = writeln!(out, "{indent}excluded-addresses: []");
    } else {
        let _ = writeln!(out, "{indent}excluded-addresses:");
        for r in &s.excluded_addresses {
            let _ = writeln!(out, "{indent}  - {r}");
        }
    }
    if s.relay_agents.is_empty() {
        let _ = writeln!(out, "{indent}relay-agents: {{}}");
    } else {
        let _ = writeln!(out, "{indent}relay-agents:");
        for (iface, addrs) in &s.relay_agents {
            let list: Vec<String> = addrs.iter().map(|a| a.to_string()).collect();
            let _ = writeln!(
                out,
                "{indent}  {}: [{}]",
                yaml_str(iface.as_str()),
                list.join(", ")
            );
        }
    }
}

/// Renders one pool's body (below its name) in the file format.
pub fn render_pool(out: &mut String, p: &Pool, indent: &str) {
    render_pool_with(out, p, indent, None);
}

/// A pool as YAML; with a profile it matches, `profile: NAME` stands for what the profile gives.
pub fn render_pool_with(
    out: &mut String,
    p: &Pool,
    indent: &str,
    profile: Option<(&str, &Profile)>,
) {
    let profile = profile.filter(|(_, pr)| matches_profile(p, pr));
    if let Some((name, _)) = profile {
        let _ = writeln!(out, "{indent}profile: {}", yaml_str(name));
    }
    let from_profile = |key: &str| profile.is_some_and(|(_, pr)| pr.given.contains(key));
    match &p.kind {
        PoolKind::Dynamic { network, lease } => {
            let _ = writeln!(out, "{indent}dynamic:");
            let _ = writeln!(out, "{indent}  address-range: {network}");
            if profile.is_none_or(|(_, pr)| pr.lease.is_none()) {
                let _ = writeln!(out, "{indent}  lease-duration: {lease}");
            }
        }
        PoolKind::Manual {
            host,
            mac,
            client_name,
        } => {
            let _ = writeln!(out, "{indent}manual:");
            let _ = writeln!(out, "{indent}  host-ip-address: {host}");
            let _ = writeln!(out, "{indent}  mac-address: {}", yaml_str(&mac.to_string()));
            if let Some(c) = client_name {
                let _ = writeln!(out, "{indent}  client-name: {}", yaml_str(c));
            }
        }
    }
    let o = &p.options;
    let mut lines = String::new();
    if let Some(d) = o
        .domain_name
        .as_ref()
        .filter(|_| !from_profile("domain-name"))
    {
        let _ = writeln!(lines, "{indent}  domain-name: {}", yaml_str(d));
    }
    for (key, list) in [
        ("default-gateway", &o.default_gateway),
        ("dns-servers", &o.dns_servers),
        ("netbios-name-servers", &o.netbios_name_servers),
    ] {
        if !list.is_empty() && !from_profile(key) {
            let items: Vec<String> = list.iter().map(|a| a.to_string()).collect();
            let _ = writeln!(lines, "{indent}  {key}: [{}]", items.join(", "));
        }
    }
    if let Some(n) = o
        .netbios_node_type
        .as_ref()
        .filter(|_| !from_profile("netbios-node-type"))
    {
        let _ = writeln!(lines, "{indent}  netbios-node-type: {n}");
    }
    if !lines.is_empty() {
        let _ = writeln!(out, "{indent}options:");
        out.push_str(&lines);
    }
}

/// Renders a whole desired-state file for a configuration.
pub fn render(config: &DeviceConfig, header: &str) -> String {
    render_with(config, header, None)
}

/// `render`, writing `profile: NAME` for the pools that match the profile.
pub fn render_with(
    config: &DeviceConfig,
    header: &str,
    profile: Option<(&str, &Profile)>,
) -> String {
    let mut out = String::new();
    out.push_str(header);
    if let Some(s) = &config.server {
        out.push_str("server:\n");
        render_server(&mut out, s, "  ");
    }
    if let Some(pools) = &config.pools {
        if pools.is_empty() {
            out.push_str("pools: {}\n");
        } else {
            out.push_str("pools:\n");
            for (name, p) in pools {
                let _ = writeln!(out, "  {}:", yaml_str(name));
                render_pool_with(&mut out, p, "    ", profile);
            }
        }
    }
    out
}

/// The `interfaces:` section of a desired file (used by `import`).
pub fn render_interfaces(out: &mut String, ifaces: &BTreeMap<String, F5DhcpServer>) {
    out.push_str("interfaces:\n");
    for (name, s) in ifaces {
        let _ = writeln!(out, "  {}:", yaml_str(name));
        render_f5_server(out, s, "    ");
    }
}

/// One interface's DHCP server, each line indented by `indent`.
pub fn render_f5_server(out: &mut String, s: &F5DhcpServer, indent: &str) {
    let _ = writeln!(out, "{indent}network: {}", s.network);
    if !s.pools.is_empty() {
        let pools: Vec<String> = s.pools.iter().map(ToString::to_string).collect();
        let _ = writeln!(out, "{indent}pools: [{}]", pools.join(", "));
    }
    match s.gateway {
        Gateway::First => {}
        Gateway::Last => {
            let _ = writeln!(out, "{indent}gateway: last");
        }
        Gateway::Address(ip) => {
            let _ = writeln!(out, "{indent}gateway: {ip}");
        }
    }
    if let Dns::Address(ip) = s.dns {
        let _ = writeln!(out, "{indent}dns: {ip}");
    }
    if s.pool_mode == PoolMode::Exclude {
        let _ = writeln!(out, "{indent}pool-mode: exclude");
    }
    match &s.interface_addressing {
        Addressing::FromStart => {}
        Addressing::FromEnd => {
            let _ = writeln!(out, "{indent}interface-addressing: from-end");
        }
        Addressing::Nodes(nodes) => {
            let _ = writeln!(out, "{indent}interface-addressing:");
            for (node, ip) in nodes {
                let _ = writeln!(out, "{indent}  {}: {ip}", yaml_str(node));
            }
        }
    }
    if !s.reservations.is_empty() {
        let _ = writeln!(out, "{indent}reservations:");
        for (mac, ip) in &s.reservations {
            let _ = writeln!(out, "{indent}  \"{mac}\": {ip}");
        }
    }
}
