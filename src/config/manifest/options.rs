//! Lowering a pool's `options:` (also a profile's) into the model.

use super::ios_xe_in::{MAX_LIST, OptionsIn};
use super::lower::Lowerer;
use crate::model::PoolOptions;

pub fn lower_options(lw: &mut Lowerer, base: &str, o: &OptionsIn) -> PoolOptions {
    let mut out = PoolOptions::default();
    if let Some(d) = &o.domain_name {
        let span = lw.span(d);
        if let Some(t) = lw.text(&d.value, span, "a domain name") {
            // `None` is how devices of this API family send an unset field.
            let ok = !t.is_empty()
                && t != "None"
                && t.len() <= 253
                && t.split('.').all(|l| {
                    !l.is_empty()
                        && l.len() <= 63
                        && l.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                });
            if ok {
                out.domain_name = Some(t);
            } else {
                lw.error(
                    span,
                    format!("`{t}` is not a valid domain name"),
                    "bad domain name",
                );
            }
        }
    }
    if let Some(l) = &o.default_gateway {
        out.default_gateway =
            lw.ipv4_list(l, MAX_LIST, "default gateways", &format!("{base}/gateway"));
    }
    if let Some(l) = &o.dns_servers {
        out.dns_servers = lw.ipv4_list(l, MAX_LIST, "DNS servers", &format!("{base}/dns"));
    }
    if let Some(l) = &o.netbios_name_servers {
        out.netbios_name_servers = lw.ipv4_list(
            l,
            MAX_LIST,
            "NetBIOS name servers",
            &format!("{base}/netbios"),
        );
    }
    if let Some(n) = &o.netbios_node_type {
        let span = lw.span(n);
        lw.note(format!("{base}/netbios-node-type"), span);
        out.netbios_node_type = lw.node_type(n);
    }
    out
}
