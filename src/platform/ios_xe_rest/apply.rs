//! The IOS XE REST executor: runs a device's planned calls in order, re-reads the global
//! settings before each replace-whole-list PUT, stops at the first failure, reads back
//! unanswered POSTs, and checks convergence with a final read.

use super::IosXe;
use super::lower::SERVER_PATH;
use crate::model::{DeviceConfig, Server};
use crate::plan::report::{DeviceReport, OpDone, OpFailed};
use crate::plan::{DevicePlan, Method, Operation};
use crate::platform::exec::{Stop, converged, failed, run_in_order, settings_moved};

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
        Err(e)
            if op.method == Method::Post
                && !e.status().is_some_and(|s| (400..500).contains(&s)) =>
        {
            let intended = op
                .body
                .as_ref()
                .and_then(|b| crate::platform::ios_xe_rest::wire::parse_pool(b).ok());
            let Some((name, pool)) = intended else {
                return Err(failed(op, &e));
            };
            match client.pool(&name).await {
                Ok(Some(found)) if found == pool => Ok(OpDone {
                    method: op.method,
                    path: op.path.clone(),
                    resource: op.resource.clone(),
                    status: 201,
                    note: Some(format!(
                        "no clear answer ({e}); reading the pool back shows it was created"
                    )),
                }),
                _ => Err(failed(op, &e)),
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
