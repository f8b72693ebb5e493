//! IOS XE over RESTCONF as a `Device`: read and plan (three reads, plus the bindings when a
//! change can hurt clients or `expect:` needs them), apply, leases from the oper data, clear
//! (all at once only), import. There is no session to end.

use super::{Conf, Restconf};
use crate::model::leases::LeaseSet;
use crate::model::{Api, DeviceConfig, IosXeDesired, Platform, Safety};
use crate::plan::report::DeviceReport;
use crate::plan::{self, DevicePlan, ErrorKind, Failure, Policy, Resource};
use crate::platform::exec::Stop;
use crate::platform::http::DeviceError;
use crate::platform::{Clear, ClearError, Cleared, Device, Imported, PlanMode};
use futures::future::BoxFuture;
use std::sync::Arc;

pub struct RestconfDevice {
    pub name: String,
    pub prune: bool,
    pub protected: Vec<String>,
    pub safety: Safety,
    pub save_config: bool,
    pub desired: Arc<IosXeDesired>,
    pub client: Restconf,
}

impl RestconfDevice {
    fn failed(&self, f: Failure) -> DevicePlan {
        let mut p = DevicePlan::failed(&self.name, Platform::IosXe, f);
        p.api = Api::Restconf;
        p
    }

    async fn plan_inner(&self, mode: PlanMode, desired: &DeviceConfig) -> DevicePlan {
        let read = match self.client.read().await {
            Ok(r) => r,
            Err(e) => return self.failed(e.failure()),
        };
        // helper addresses are written only on interfaces that exist
        if let Some(server) = &desired.server {
            let missing: Vec<&str> = server
                .relay_agents
                .iter()
                .filter(|(n, set)| !set.is_empty() && !read.interfaces.exist.contains_key(*n))
                .map(|(n, _)| n.as_str())
                .collect();
            let taken: Vec<String> = read
                .interfaces
                .unmanaged
                .iter()
                .filter(|(n, a, _)| server.relay_agents.get(n).is_some_and(|s| s.contains(a)))
                .map(|(n, a, how)| format!("{n} {a} ({how})"))
                .collect();
            if !taken.is_empty() {
                return self.failed(Failure::new(
                    ErrorKind::Setup,
                    format!(
                        "helper address(es) {} are configured on the device with a VRF or as \
                         global, which dhcpform does not manage: writing them would replace \
                         that configuration; remove them from the desired file or change them \
                         on the device",
                        taken.join(", ")
                    ),
                ));
            }
            if !missing.is_empty() {
                return self.failed(Failure::new(
                    ErrorKind::Setup,
                    format!(
                        "relay agents on interface(s) the device does not have: {}; nothing \
                         is written to this device (fix the interface name, or create the \
                         interface on the device first)",
                        missing.join(", ")
                    ),
                ));
            }
        }
        let policy = Policy {
            prune: self.prune,
            protected: &self.protected,
            safety: self.safety,
            force: mode.force,
        };
        let lowering = Conf {
            read: &read,
            desired,
            save_config: self.save_config,
        };
        let live = &read.live;
        let mut plan = plan::plan_ios_xe(&self.name, desired, live, &policy, &lowering);
        plan.api = Api::Restconf;
        // the global lists are written entry by entry here, never sent whole
        let server = plan
            .changes
            .iter_mut()
            .filter(|c| c.resource == Resource::Server);
        for f in server.flat_map(|c| c.fields.iter_mut()) {
            f.whole_list = false;
        }
        let expect = &self.desired.expect;
        let bindings = || self.client.bindings();
        crate::platform::exec::impact_and_expect(
            &mut plan, live, desired, &policy, mode, expect, bindings,
        )
        .await;
        plan
    }
}

impl Device for RestconfDevice {
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
            Some(d) if saved.api == Api::Restconf => Box::pin(self.plan_inner(mode, d)),
            _ => Box::pin(async move {
                self.failed(Failure::new(
                    ErrorKind::Setup,
                    "the saved plan was not made for this device's RESTCONF API (or could not \
                     be planned when it was saved): nothing of it is applied; plan again",
                ))
            }),
        }
    }
    fn apply<'a>(&'a self, plan: &'a DevicePlan, stop: &'a Stop) -> BoxFuture<'a, DeviceReport> {
        Box::pin(async move {
            let desired = plan.desired.as_ref().unwrap_or(&self.desired.config);
            super::apply::execute(&self.client, plan, desired, self.prune, stop).await
        })
    }
    fn leases(&self) -> BoxFuture<'_, Result<LeaseSet, DeviceError>> {
        Box::pin(async move {
            let read = self.client.read().await?;
            let bindings = self.client.bindings().await?;
            let max = self.desired.expect.max_utilization;
            let time = |t: &str| t.to_string();
            Ok(crate::platform::exec::lease_set(
                &self.name, &read.live, &bindings, max, &time, false,
            ))
        })
    }
    fn can_clear(&self, what: &Clear) -> Result<(), ClearError> {
        match what {
            Clear::All => Ok(()),
            Clear::Ips(_) => Err(ClearError::NoPerAddressClear(self.name.clone())),
        }
    }
    fn clear(&self, what: &Clear) -> BoxFuture<'_, Result<Vec<Cleared>, ClearError>> {
        let refused = self.can_clear(what);
        Box::pin(async move {
            refused?;
            let done = self
                .client
                .clear_all()
                .await
                .map(|()| "every automatic binding".to_string());
            Ok(vec![done])
        })
    }
    fn import(&self) -> BoxFuture<'_, Result<Imported, ClearError>> {
        Box::pin(async move {
            let read = self.client.read().await?;
            Ok(Imported::IosXe(DeviceConfig {
                server: Some(read.live.server),
                pools: Some(read.live.pools.into()),
            }))
        })
    }
    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}
