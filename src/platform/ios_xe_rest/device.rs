//! The IOS XE REST API as a `Device`: read and plan, apply, leases, clear, import.

use super::IosXe;
use crate::model::leases::LeaseSet;
use crate::model::{DeviceConfig, IosXeDesired, Platform, Safety};
use crate::plan::report::DeviceReport;
use crate::plan::{self, DevicePlan, Policy};
use crate::platform::exec::Stop;
use crate::platform::http::DeviceError;
use crate::platform::{Clear, ClearError, Cleared, Device, Imported, PlanMode};
use futures::future::BoxFuture;
use std::sync::Arc;

pub struct IosXeDevice {
    pub name: String,
    pub prune: bool,
    pub protected: Vec<String>,
    pub safety: Safety,
    pub desired: Arc<IosXeDesired>,
    pub client: IosXe,
}

impl IosXeDevice {
    async fn plan_inner(&self, mode: PlanMode, desired: &DeviceConfig) -> DevicePlan {
        let live = match self.client.read().await {
            Ok(l) => l,
            Err(err) => return DevicePlan::failed(&self.name, Platform::IosXe, err.failure()),
        };
        let policy = Policy {
            prune: self.prune,
            protected: &self.protected,
            safety: self.safety,
            force: mode.force,
        };
        let mut plan = plan::plan_ios_xe(&self.name, desired, &live, &policy, &super::Rest);
        let expect = &self.desired.expect;
        let bindings = || self.client.bindings();
        crate::platform::exec::impact_and_expect(
            &mut plan, &live, desired, &policy, mode, expect, bindings,
        )
        .await;
        plan
    }

    async fn leases_inner(&self) -> Result<LeaseSet, DeviceError> {
        let live = self.client.read().await?;
        let bindings = self.client.bindings().await?;
        let max = self.desired.expect.max_utilization;
        let time = crate::model::time::ios_time;
        Ok(crate::platform::exec::lease_set(
            &self.name, &live, &bindings, max, &time, true,
        ))
    }

    async fn clear_inner(&self, what: &Clear) -> Vec<Cleared> {
        match what {
            Clear::All => vec![
                self.client
                    .clear_all_bindings()
                    .await
                    .map(|()| "every automatic binding".to_string()),
            ],
            Clear::Ips(ips) => {
                let mut out = Vec::new();
                for ip in ips {
                    out.push(
                        self.client
                            .clear_binding(*ip)
                            .await
                            .map(|()| ip.to_string()),
                    );
                }
                out
            }
        }
    }
}

impl Device for IosXeDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn platform(&self) -> Platform {
        Platform::IosXe
    }
    fn plan(&self, mode: PlanMode) -> BoxFuture<'_, DevicePlan> {
        Box::pin(self.plan_inner(mode, &self.desired.config))
    }
    fn plan_saved<'a>(&'a self, saved: &'a DevicePlan, force: bool) -> BoxFuture<'a, DevicePlan> {
        let mode = PlanMode {
            force,
            drift: false,
        };
        match &saved.desired {
            Some(d) => Box::pin(self.plan_inner(mode, d)),
            None => Box::pin(async move {
                let why = if saved.error.is_some() {
                    "the device could not be planned when the plan was saved (the plan file \
                     holds its error): nothing of it is applied; plan again"
                } else {
                    "the saved plan has no desired state; plan again"
                };
                DevicePlan::failed(
                    &self.name,
                    Platform::IosXe,
                    crate::plan::Failure::new(crate::plan::ErrorKind::Setup, why),
                )
            }),
        }
    }
    fn apply<'a>(&'a self, plan: &'a DevicePlan, stop: &'a Stop) -> BoxFuture<'a, DeviceReport> {
        Box::pin(async move {
            // A saved plan carries the desired state it was made for.
            let desired = plan.desired.as_ref().unwrap_or(&self.desired.config);
            super::apply::execute_until(&self.client, plan, desired, self.prune, stop).await
        })
    }
    fn leases(&self) -> BoxFuture<'_, Result<LeaseSet, DeviceError>> {
        Box::pin(self.leases_inner())
    }
    fn clear(&self, what: &Clear) -> BoxFuture<'_, Result<Vec<Cleared>, ClearError>> {
        let what = what.clone();
        Box::pin(async move { Ok(self.clear_inner(&what).await) })
    }
    fn import(&self) -> BoxFuture<'_, Result<Imported, ClearError>> {
        Box::pin(async move {
            let live = self.client.read().await?;
            Ok(Imported::IosXe(DeviceConfig {
                server: Some(live.server),
                pools: Some(live.pools.into()),
            }))
        })
    }
    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.client.logout())
    }
}
