//! The F5 XC executor: re-reads every interface in the replace form, refuses a stale one, and
//! PUTs each fresh form with only `dhcp_server` swapped, at the version read.

use super::F5Xc;
use crate::model::f5::F5DhcpServer;
use crate::plan::outcome::{BlockedBy, ErrorKind, Failure, SkipReason};
use crate::plan::report::{Blocked, DeviceReport, OpDone, OpFailed};
use crate::plan::{DevicePlan, Resource};
use crate::platform::exec::{Stop, skipped};
use std::collections::BTreeMap;

/// Executes an F5 XC site's interface PUTs. Every interface is read again first, in the
/// replace form; when one's DHCP server is no longer what was planned, the device is stale and
/// nothing is written. Otherwise each PUT carries that fresh form with only `dhcp_server`
/// swapped, at the version read (a racing write is refused by the API with 409: reported,
/// nothing overwritten, nothing more sent). Then the interfaces are read once more.
pub async fn execute_f5(
    client: &F5Xc,
    plan: &DevicePlan,
    desired: &BTreeMap<String, F5DhcpServer>,
    stop: &Stop,
) -> DeviceReport {
    let mut report = DeviceReport::new(&plan.device);
    let mut fresh = Vec::new();
    for op in &plan.operations {
        let Resource::Interface(name) = &op.resource else {
            report.error = Some(Failure::new(
                ErrorKind::Setup,
                format!("{} is not an F5 XC interface call", op.resource),
            ));
            return report;
        };
        let form = match client.interface(name).await {
            Ok(f) => f,
            Err(e) => {
                report.error = Some(e.failure());
                report.skipped = skipped(&plan.operations, SkipReason::NotChecked);
                return report;
            }
        };
        let planned: Option<F5DhcpServer> = op
            .expect_server
            .clone()
            .and_then(|v| serde_json::from_value(v).ok());
        if let Some(what) = moved(plan, name, &form, planned.as_ref()) {
            report.blocked = Some(Blocked {
                by: BlockedBy::StalePlan,
                message: format!(
                    "stale: {what} of interface {name} changed since planning; nothing \
                     written; plan again"
                ),
            });
            return report;
        }
        fresh.push((name.clone(), op, form));
    }
    for (i, (name, op, form)) in fresh.iter().enumerate() {
        if stop.requested() {
            report.interrupted = true;
            report.skipped = skipped(&plan.operations[i..], SkipReason::Interrupted);
            break;
        }
        let result = put_one(client, name, form, desired.get(name.as_str())).await;
        match result {
            Ok((status, note)) => report.done.push(OpDone {
                method: op.method,
                path: op.path.clone(),
                resource: op.resource.clone(),
                status,
                note,
            }),
            Err((kind, error, sent)) => {
                report.failed = Some(OpFailed {
                    method: op.method,
                    path: op.path.clone(),
                    resource: op.resource.clone(),
                    status: None,
                    kind,
                    error,
                    sent,
                });
                report.skipped = skipped(&plan.operations[i + 1..], SkipReason::AfterFailure);
                break;
            }
        }
    }
    if report.done.is_empty() {
        return report;
    }
    converged(client, desired, &mut report).await;
    report
}

/// What of an interface read just before its PUT is no longer what was planned: its DHCP
/// server, its other addressing, or (read without `resource_version`, so the PUT cannot be
/// guarded) anything in the whole object.
fn moved(
    plan: &DevicePlan,
    name: &str,
    form: &super::client::InterfaceForm,
    planned: Option<&F5DhcpServer>,
) -> Option<&'static str> {
    if form.dhcp.as_ref() != planned {
        return Some("the DHCP server");
    }
    if form.addressing != plan.interfaces_addressing.get(name).map(String::as_str) {
        return Some("the addressing");
    }
    let unguarded = form.resource_version.is_empty()
        && plan.unguarded.get(name) != Some(&super::config::form_digest(&form.form));
    unguarded.then_some("the object (read without resource_version, so compared whole)")
}

/// One interface's PUT: the fresh form with only the modelled members of its `dhcp_server`
/// changed, at the version read; a write whose outcome is unknown is read back. The status
/// and a note, or the failure.
async fn put_one(
    client: &F5Xc,
    name: &str,
    form: &super::client::InterfaceForm,
    want: Option<&F5DhcpServer>,
) -> Result<(u16, Option<String>), (ErrorKind, String, bool)> {
    let Some(want_server) = want else {
        return Err((
            ErrorKind::Setup,
            format!("interface {name}: no desired DHCP server for this call"),
            false,
        ));
    };
    let live = super::config::ethernet(&form.form).and_then(|e| e.get("dhcp_server"));
    let unguarded = form.resource_version.is_empty().then(|| {
        "unguarded: sent without resource_version (the API gave none); the object was \
         unchanged when read just before"
            .to_string()
    });
    let body = super::config::merge(live, want_server);
    match body.and_then(|b| super::config::with_dhcp(&form.form, &b)) {
        Ok(object) => match client
            .put_interface(name, &object, &form.resource_version)
            .await
        {
            Ok(status) => Ok((status, unguarded)),
            // no answer, a 5xx, or a 409 that may be a retry meeting its own write: the
            // interface read back decides
            Err(e) if landed(client, name, want, &e).await => Ok((
                0,
                Some(format!(
                    "no clear answer ({e}); reading the interface back shows it was written"
                )),
            )),
            Err(e) => Err(e),
        }
        .map_err(|e| {
            let text = if e.status() == Some(409) {
                format!(
                    "{e}: the interface was changed by someone else just now; nothing \
                         overwritten; plan again"
                )
            } else {
                e.to_string()
            };
            (e.write_kind(), text, e.may_have_landed())
        }),
        Err(e) => Err((ErrorKind::Setup, format!("interface {name}: {e}"), false)),
    }
}

/// After an unknown outcome: whether the interface now holds the DHCP server sent.
async fn landed(
    client: &F5Xc,
    name: &str,
    want: Option<&F5DhcpServer>,
    e: &crate::platform::http::DeviceError,
) -> bool {
    let unknown = e.status().is_none_or(|s| s >= 500 || s == 409);
    if !unknown {
        return false;
    }
    match (want, client.interface(name).await) {
        (Some(w), Ok(f)) => f.dhcp.as_ref() == Some(w),
        _ => false,
    }
}

/// Reads the interfaces once more: converged when each holds its desired DHCP server.
async fn converged(
    client: &F5Xc,
    desired: &BTreeMap<String, F5DhcpServer>,
    report: &mut DeviceReport,
) {
    let mut residue = Vec::new();
    for (name, want) in desired {
        match client.interface(name).await {
            Ok(f) if f.dhcp.as_ref() == Some(want) => {}
            Ok(_) => residue.push(format!("interface/{name}")),
            Err(e) => {
                report.error = Some(e.failure());
                return;
            }
        }
    }
    report.converged = Some(residue.is_empty());
    report.residue = residue;
}
