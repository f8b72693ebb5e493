//! The IOS XE REST executor: runs a device's planned calls in order, re-reads the global
//! settings before each replace-whole-list PUT, stops at the first failure, reads back
//! unanswered POSTs, and checks convergence with a final read.

use super::IosXe;
use super::lower::SERVER_PATH;
use crate::model::{DeviceConfig, Server};
use crate::plan::report::{DeviceReport, OpDone, OpFailed};
use crate::plan::{DevicePlan, Method, Operation};
use crate::platform::exec::{Stop, converged, failed, run_in_order, settings_moved};

/// Whether an error leaves the outcome of a write unknown: no answer, a 5xx, or a DELETE
/// answered 404 (a retry meeting its own earlier delete). A 4xx to a POST is a refusal.
fn unknown(op: &Operation, e: &crate::platform::http::DeviceError) -> bool {
    match (op.method, e.status()) {
        (_, None) => true,
        (Method::Delete, Some(404)) => true,
        (_, Some(s)) => s >= 500,
    }
}

/// Whether the device shows what `op` was sent for (read back after an unknown outcome).
async fn landed(client: &IosXe, op: &Operation) -> bool {
    match (&op.resource, op.method) {
        (crate::plan::Resource::Pool(name), Method::Delete) => {
            matches!(client.pool(name).await, Ok(None))
        }
        (crate::plan::Resource::Pool(name), _) => {
            let intended = op
                .body
                .as_ref()
                .and_then(|b| super::wire::parse_pool(b).ok());
            match (intended, client.pool(name).await) {
                (Some((_, want)), Ok(Some(found))) => found == want,
                _ => false,
            }
        }
        (crate::plan::Resource::Server, _) => {
            let intended = op
                .body
                .as_ref()
                .and_then(|b| super::wire::parse_server(b).ok());
            match (intended, client.reread_server().await) {
                (Some(want), Ok(now)) => now == want,
                _ => false,
            }
        }
        _ => false,
    }
}

/// Runs one operation. A POST that got no definite answer (no 4xx) is read back: when the pool
/// exists as intended, it was processed.
async fn run_op(client: &IosXe, op: &Operation) -> Result<OpDone, OpFailed> {
    if op.method == Method::Put && op.path == SERVER_PATH {
        let expected: Option<Server> = op
            .expect_server
            .clone()
            .and_then(|v| serde_json::from_value(v).ok());
        match client.reread_server().await {
            Ok(now) if Some(&now) == expected.as_ref() => {}
            Ok(_) => {
                return Err(settings_moved(op));
            }
            Err(e) => return Err(failed(op, &e)),
        }
    }
    match client
        .call(
            crate::platform::http::method(op.method),
            &op.path,
            op.body.as_ref(),
        )
        .await
    {
        Ok(ans) => Ok(OpDone {
            method: op.method,
            path: op.path.clone(),
            resource: op.resource.clone(),
            status: ans.status,
            note: None,
        }),
        Err(e) if unknown(op, &e) => {
            if landed(client, op).await {
                let note = if op.method == Method::Post {
                    format!("no clear answer ({e}); reading the pool back shows it was created")
                } else {
                    format!(
                        "no clear answer ({e}); reading the device back shows it was carried out"
                    )
                };
                Ok(OpDone {
                    method: op.method,
                    path: op.path.clone(),
                    resource: op.resource.clone(),
                    status: 0,
                    note: Some(note),
                })
            } else {
                Err(failed(op, &e))
            }
        }
        Err(e) => Err(failed(op, &e)),
    }
}

/// Executes a device's operations in order, then reads it again and reports the residue.
pub async fn execute(
    client: &IosXe,
    plan: &DevicePlan,
    desired: &DeviceConfig,
    prune: bool,
) -> DeviceReport {
    execute_until(client, plan, desired, prune, &Stop::default()).await
}

/// `execute`, stopping before the next call once `stop` is requested: the call in flight
/// finishes, nothing more is sent (not even the final read), the rest is reported skipped.
pub async fn execute_until(
    client: &IosXe,
    plan: &DevicePlan,
    desired: &DeviceConfig,
    prune: bool,
    stop: &Stop,
) -> DeviceReport {
    let mut report = run_in_order(plan, stop, |op| run_op(client, op)).await;
    if report.interrupted {
        return report;
    }
    let now = client.read().await;
    converged(
        &mut report,
        desired,
        now.as_ref().map_err(Clone::clone),
        prune,
    );
    report
}
