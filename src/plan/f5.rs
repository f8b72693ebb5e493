//! Planning an F5 XC site: per interface the file lists, create or update of its DHCP server
//! (field- and item-level changes), one PUT each, the digest of the DHCP part, and the safety
//! verdict (a removed reservation counts as a delete). Pure.

use super::steps::{Lowering, Step};
use super::{Action, Change, DevicePlan, FieldChange, Gate, Resource, Verdict, safety};
use crate::model::f5::{Addressing, Dns, F5DhcpServer, F5Read, Gateway, PoolMode, digest};
use crate::model::{Platform, Safety};
use serde_json::Value;
use std::collections::BTreeMap;

fn gateway(g: &Gateway) -> String {
    match g {
        Gateway::First => "first".into(),
        Gateway::Last => "last".into(),
        Gateway::Address(a) => a.to_string(),
    }
}

fn dns(d: &Dns) -> String {
    match d {
        Dns::SameAsGateway => "same-as-gateway".into(),
        Dns::Address(a) => a.to_string(),
    }
}

fn addressing(a: &Addressing) -> String {
    match a {
        Addressing::FromStart => "from-start".into(),
        Addressing::FromEnd => "from-end".into(),
        Addressing::Nodes(n) => n
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn scalar(field: &str, before: String, after: String, out: &mut Vec<FieldChange>) {
    out.extend(FieldChange::scalar(field, Some(before), Some(after)));
}

fn items(field: &str, before: Vec<String>, after: Vec<String>, out: &mut Vec<FieldChange>) {
    out.extend(FieldChange::items(field, &before, &after));
}

/// The fields that differ between two DHCP servers of an interface.
pub fn fields(b: &F5DhcpServer, a: &F5DhcpServer) -> Vec<FieldChange> {
    let mut out = Vec::new();
    scalar(
        "network",
        b.network.to_string(),
        a.network.to_string(),
        &mut out,
    );
    let pools = |s: &F5DhcpServer| s.pools.iter().map(ToString::to_string).collect();
    items("pools", pools(b), pools(a), &mut out);
    scalar(
        "gateway",
        gateway(&b.gateway),
        gateway(&a.gateway),
        &mut out,
    );
    scalar("dns", dns(&b.dns), dns(&a.dns), &mut out);
    let mode = |m: &PoolMode| format!("{m:?}").to_lowercase();
    scalar(
        "pool-mode",
        mode(&b.pool_mode),
        mode(&a.pool_mode),
        &mut out,
    );
    scalar(
        "interface-addressing",
        addressing(&b.interface_addressing),
        addressing(&a.interface_addressing),
        &mut out,
    );
    let res = |s: &F5DhcpServer| {
        s.reservations
            .iter()
            .map(|(m, ip)| format!("{m} {ip}"))
            .collect()
    };
    items("reservations", res(b), res(a), &mut out);
    out
}

fn value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Plans an F5 XC site's listed interfaces.
pub fn plan(
    device: &str,
    desired: &BTreeMap<String, F5DhcpServer>,
    read: &F5Read,
    safety_settings: Safety,
    force: bool,
    lowering: &dyn Lowering,
) -> DevicePlan {
    let live = &read.live;
    let mut plan = DevicePlan::empty(device, Platform::F5Xc);
    let mut steps = Vec::new();
    let (mut removed, mut total) = (0usize, 0usize);
    let mut readdressed = Vec::new();
    for (name, want) in desired {
        let have = live.get(name).cloned().flatten();
        let resource = Resource::Interface(name.clone());
        let mut action = match &have {
            None => Action::Create,
            Some(h) if h == want => continue,
            Some(_) => Action::Update,
        };
        let mut fields = have.as_ref().map(|h| fields(h, want)).unwrap_or_default();
        let mut before = have.as_ref().map(value);
        let mut after = value(want);
        if let (None, Some(other)) = (&have, read.addressing.get(name)) {
            // the interface is there, with other addressing: an update of that choice
            action = Action::Update;
            fields.extend(FieldChange::scalar(
                "addressing",
                Some(other.clone()),
                Some("dhcp-server".into()),
            ));
            before = Some(serde_json::json!({ "addressing": other }));
            if let Value::Object(m) = &mut after {
                m.insert("addressing".into(), Value::from("dhcp-server"));
            }
            readdressed.push(format!("{name} ({other})"));
        }
        if let Some(h) = &have {
            total += h.reservations.len();
            removed += h
                .reservations
                .keys()
                .filter(|m| want.reservations.get(*m) != h.reservations.get(*m))
                .count();
        }
        if read.unguarded.contains_key(name) {
            plan.notes.push(format!(
                "interface {name}: unguarded: the API gave no resource_version, so its PUT \
                 cannot be refused when someone else writes first; apply reads the whole \
                 object again just before the PUT and stops if anything in it changed"
            ));
        }
        plan.changes.push(Change {
            resource,
            action,
            before,
            after: Some(after),
            fields,
            reason: None,
            impact: None,
        });
        steps.push(Step::Interface {
            name: name.clone(),
            want: want.clone(),
            expect: have,
        });
    }
    plan.operations = lowering.lower(&steps);
    plan.live_digest = Some(digest(live, &read.addressing));
    plan.interfaces_live = Some(live.clone());
    plan.interfaces_desired = Some(desired.clone());
    plan.interfaces_addressing = read.addressing.clone();
    plan.unguarded = read.unguarded.clone();
    plan.safety = verdict(removed, total, &readdressed, safety_settings, force);
    plan
}

/// A reservation removed or changed counts as a delete for `max-delete-percent`.
/// Giving a DHCP server to an interface that is a DHCP client or has a static address
/// replaces its addressing (`interface-addressing`).
fn verdict(
    removed: usize,
    total: usize,
    readdressed: &[String],
    s: Safety,
    force: bool,
) -> Verdict {
    let mut gates = Vec::new();
    if !readdressed.is_empty() {
        gates.push(Gate {
            gate: super::GateKind::InterfaceAddressing,
            message: format!(
                "gives a DHCP server to {}: that replaces the interface's own addressing \
                 (one choice in the API), and the site may lose that link",
                readdressed.join(", ")
            ),
            lift: safety::FORCE.into(),
        });
    }
    if total > 0 && total >= s.min_existing && safety::over(removed, s.max_delete_percent, total) {
        gates.push(Gate {
            gate: super::GateKind::MaxDeletePercent,
            message: format!(
                "removes or changes {removed} of {total} reservations, above \
                 max-delete-percent {}",
                s.max_delete_percent
            ),
            lift: format!(
                "{}, or raise settings.safety.max-delete-percent",
                safety::FORCE
            ),
        });
    }
    Verdict::judge(gates, force)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::f5::F5Live;
    use crate::plan::{Method, Operation};

    /// One call per interface step, its path the interface's name.
    struct Names;
    impl Lowering for Names {
        fn lower(&self, steps: &[Step]) -> Vec<Operation> {
            steps
                .iter()
                .filter_map(|s| match s {
                    Step::Interface { name, .. } => Some(Operation {
                        method: Method::Put,
                        path: name.clone(),
                        body: None,
                        resource: Resource::Interface(name.clone()),
                        expect_server: None,
                    }),
                    _ => None,
                })
                .collect()
        }
    }

    fn plan(
        d: &str,
        want: &BTreeMap<String, F5DhcpServer>,
        live: &F5Live,
        s: Safety,
        force: bool,
    ) -> DevicePlan {
        let read = F5Read {
            live: live.clone(),
            ..F5Read::default()
        };
        super::plan(d, want, &read, s, force, &Names)
    }

    fn server(res: &[(&str, &str)]) -> F5DhcpServer {
        F5DhcpServer {
            network: "192.168.10.0/24".parse().unwrap(),
            pools: ["192.168.10.50-192.168.10.99".parse().unwrap()].into(),
            gateway: Gateway::First,
            dns: Dns::SameAsGateway,
            pool_mode: PoolMode::Include,
            interface_addressing: Addressing::FromStart,
            reservations: res
                .iter()
                .map(|(m, ip)| (m.parse().unwrap(), ip.parse().unwrap()))
                .collect(),
        }
    }

    fn safety() -> Safety {
        Safety {
            max_delete_percent: 30,
            max_update_percent: 30,
            min_existing: 2,
            max_affected_clients: 0,
        }
    }

    #[test]
    fn an_equal_interface_plans_nothing_and_a_new_one_is_created() {
        let want: BTreeMap<_, _> = [("eth1".to_string(), server(&[]))].into();
        let same: F5Live = [("eth1".to_string(), Some(server(&[])))].into();
        let p = plan("s", &want, &same, safety(), false);
        assert!(p.changes.is_empty() && p.operations.is_empty());
        let none: F5Live = [("eth1".to_string(), None)].into();
        let p = plan("s", &want, &none, safety(), false);
        assert_eq!(p.changes[0].action, Action::Create);
        assert_eq!(p.operations[0].path, "eth1");
        assert_ne!(
            p.live_digest,
            plan("s", &want, &same, safety(), false).live_digest
        );
    }

    #[test]
    fn reservations_change_item_by_item_and_removals_are_gated() {
        let three = [
            ("02:00:00:00:00:01", "192.168.10.101"),
            ("02:00:00:00:00:02", "192.168.10.102"),
            ("02:00:00:00:00:03", "192.168.10.103"),
        ];
        let live: F5Live = [("eth1".to_string(), Some(server(&three)))].into();
        let want: BTreeMap<_, _> = [("eth1".to_string(), server(&three[..1]))].into();
        let p = plan("s", &want, &live, safety(), false);
        let f = &p.changes[0].fields[0];
        assert_eq!(f.field, "reservations");
        assert_eq!(f.removed.len(), 2);
        assert!(p.safety.blocked, "2 of 3 removed is above 30%");
        assert_eq!(
            p.safety.gates[0].gate,
            super::super::GateKind::MaxDeletePercent
        );
        assert!(!plan("s", &want, &live, safety(), true).safety.blocked);
        let one_less: BTreeMap<_, _> = [("eth1".to_string(), server(&three[..2]))].into();
        let mut lenient = safety();
        lenient.max_delete_percent = 50;
        assert!(!plan("s", &one_less, &live, lenient, false).safety.blocked);
    }

    #[test]
    fn a_dhcp_client_given_a_server_shows_the_addressing_change_behind_a_gate() {
        let want: BTreeMap<_, _> = [("eth1".to_string(), server(&[]))].into();
        let read = F5Read {
            live: [("eth1".to_string(), None)].into(),
            addressing: [("eth1".to_string(), "dhcp-client".to_string())].into(),
            unguarded: [("eth1".to_string(), "abc".to_string())].into(),
        };
        let p = super::plan("s", &want, &read, safety(), false, &Names);
        let f = &p.changes[0].fields;
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].field, "addressing");
        assert_eq!(f[0].before, Some(Value::from("dhcp-client")));
        assert_eq!(f[0].after, Some(Value::from("dhcp-server")));
        assert!(p.safety.blocked);
        assert_eq!(
            p.safety.gates[0].gate,
            super::super::GateKind::InterfaceAddressing
        );
        assert!(p.notes[0].contains("unguarded"), "{:?}", p.notes);
        assert_eq!(p.unguarded, read.unguarded);
        let forced = super::plan("s", &want, &read, safety(), true, &Names);
        assert!(!forced.safety.blocked && forced.safety.forced);
        let plain = F5Read {
            live: read.live.clone(),
            ..F5Read::default()
        };
        let p2 = super::plan("s", &want, &plain, safety(), false, &Names);
        assert!(!p2.safety.blocked && p2.changes[0].fields.is_empty());
        assert_ne!(
            p.live_digest, p2.live_digest,
            "the addressing is in the digest"
        );
    }
}
