//! The RESTCONF executor: runs a device's planned calls one at a time, re-reads the device
//! before the first write of each change of the global settings (stops when they moved since
//! planning), reads back a write whose answer was lost (a timeout, a dropped connection, a
//! 5xx, a DELETE answered 404) and counts it done when the device shows it, and checks
//! convergence with a final read. Save-config runs only after every write succeeded.

use super::Restconf;
use super::client::{RcLive, SAVE};
use super::lower::SWITCH;
use super::wire;
use crate::model::{DeviceConfig, Server};
use crate::plan::outcome::ErrorKind;
use crate::plan::report::{DeviceReport, OpDone, OpFailed};
use crate::plan::{DevicePlan, Method, Operation, Resource};
use crate::platform::exec::{Stop, converged, failed, run_in_order, settings_moved};
use crate::platform::http::DeviceError;

fn done(op: &Operation, status: u16, note: Option<String>) -> OpDone {
    OpDone {
        method: op.method,
        path: op.path.clone(),
        resource: op.resource.clone(),
        status,
        note,
    }
}

/// Whether the device shows the effect `op` was sent for.
fn landed(op: &Operation, now: &RcLive) -> bool {
    let live = &now.live;
    match (&op.resource, op.method) {
        (Resource::Pool(n), Method::Delete) => !now.dhcp.raw_pools.contains_key(n),
        (Resource::Pool(n), _) => {
            let sent = op
                .body
                .as_ref()
                .and_then(|b| b.get(wire::POOLS))
                .and_then(|l| l.get(0))
                .and_then(|p| p.as_object())
                .and_then(|p| wire::parse_pool(p).ok().flatten());
            sent.is_some() && live.pools.get(n) == sent.as_ref()
        }
        (Resource::Server, _) if op.path == SWITCH => {
            let on = op
                .body
                .as_ref()
                .and_then(|b| b.get("Cisco-IOS-XE-native:dhcp-config"))
                .and_then(|v| v.as_bool());
            on == Some(live.server.enable)
        }
        (Resource::Server, Method::Patch) => op
            .body
            .as_ref()
            .and_then(|b| b.pointer("/Cisco-IOS-XE-native:native/ip/dhcp"))
            .and_then(|d| d.as_object())
            .and_then(|d| wire::parse_dhcp(d).ok())
            .is_some_and(|added| added.exclusions.is_subset(&live.server.excluded_addresses)),
        // single exclusion or helper entries: present after a PUT, gone after a DELETE
        (Resource::Server, m) => {
            let again = super::lower::listed(&op.path, now);
            (m == Method::Delete) != again
        }
        _ => false,
    }
}

/// Whether an error leaves the outcome unknown: the write may have been carried out.
fn unknown(op: &Operation, e: &DeviceError) -> bool {
    match e.status() {
        None => true,
        Some(404) => op.method == Method::Delete,
        Some(s) => s >= 500,
    }
}

async fn run_op(client: &Restconf, op: &Operation) -> Result<OpDone, OpFailed> {
    let mut etag = None;
    if let Some(expected) = &op.expect_server {
        let expected: Option<Server> = serde_json::from_value(expected.clone()).ok();
        match client.read().await {
            // the write goes only if nothing changed since this read (when the device tags)
            Ok(now) if Some(&now.live.server) == expected.as_ref() => etag = now.etag,
            Ok(_) => {
                return Err(settings_moved(op));
            }
            Err(e) => return Err(failed(op, &e)),
        }
    }
    let method = crate::platform::http::method(op.method);
    let sent = client.call_if(method, &op.path, op.body.as_ref(), etag.as_deref());
    match sent.await {
        Ok(ans) => Ok(done(op, ans.status, None)),
        Err(e) if unknown(op, &e) && op.path != SAVE => match client.read().await {
            Ok(now) if landed(op, &now) => Ok(done(
                op,
                0,
                Some(format!(
                    "no clear answer ({e}); reading the device back shows it was carried out"
                )),
            )),
            _ => Err(failed(op, &e)),
        },
        Err(e) if e.status() == Some(412) => Err(OpFailed {
            kind: ErrorKind::Stale,
            error: format!(
                "{e}: the device's configuration changed between the re-read and this write; \
                 not overwriting it (plan again)"
            ),
            ..failed(op, &e)
        }),
        Err(e) => Err(failed(op, &e)),
    }
}

/// Runs the operations in order until one fails or `stop` is requested, then reads the
/// device again and reports the residue.
pub async fn execute(
    client: &Restconf,
    plan: &DevicePlan,
    desired: &DeviceConfig,
    prune: bool,
    stop: &Stop,
) -> DeviceReport {
    let mut report = run_in_order(plan, stop, |op| run_op(client, op)).await;
    if report.interrupted {
        return report;
    }
    let now = client.read().await.map(|r| r.live);
    converged(
        &mut report,
        desired,
        now.as_ref().map_err(Clone::clone),
        prune,
    );
    report
}
