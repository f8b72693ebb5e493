//! An F5 XC site as a `Device`: the DHCP servers of its listed interfaces (plan, apply,
//! import) and its leases (read-only).

use super::F5Xc;
use crate::model::f5::{F5Desired, F5DhcpServer, F5Read};
use crate::model::leases::{BindingKind, LeaseRow, LeaseSet, Usage};
use crate::model::time::{epoch, rfc3339_epoch};
use crate::model::{Platform, Safety};
use crate::plan::report::DeviceReport;
use crate::plan::{self, DevicePlan};
use crate::platform::exec::Stop;
use crate::platform::http::DeviceError;
use crate::platform::{Clear, ClearError, Cleared, Device, Imported, PlanMode};
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct F5XcDevice {
    pub name: String,
    pub namespace: String,
    pub safety: Safety,
    pub desired: Arc<F5Desired>,
    pub client: F5Xc,
}

impl F5XcDevice {
    /// Reads the listed interfaces (one GET each, all at once): their DHCP servers, the
    /// other addressing of those without one, and which have no `resource_version`.
    async fn read_interfaces(
        &self,
        names: impl Iterator<Item = &String>,
    ) -> Result<F5Read, DeviceError> {
        let reads = names.map(|name| async move {
            let form = self.client.interface(name).await?;
            Ok::<_, DeviceError>((name.clone(), form))
        });
        let mut read = F5Read::default();
        for (name, form) in futures::future::try_join_all(reads).await? {
            if let Some(a) = form.addressing {
                read.addressing.insert(name.clone(), a.into());
            }
            if form.resource_version.is_empty() {
                read.unguarded
                    .insert(name.clone(), super::config::form_digest(&form.form));
            }
            read.live.insert(name, form.dhcp);
        }
        Ok(read)
    }

    async fn plan_inner(
        &self,
        mode: PlanMode,
        interfaces: Option<&BTreeMap<String, F5DhcpServer>>,
    ) -> DevicePlan {
        let failed = |e: DeviceError| DevicePlan::failed(&self.name, Platform::F5Xc, e.failure());
        let mut plan = match interfaces {
            Some(want) => match self.read_interfaces(want.keys()).await {
                Ok(live) => plan::f5::plan(
                    &self.name,
                    want,
                    &live,
                    self.safety,
                    mode.force,
                    &super::Xc {
                        namespace: &self.namespace,
                    },
                ),
                Err(e) => return failed(e),
            },
            None => DevicePlan::empty(&self.name, Platform::F5Xc),
        };
        let expect = &self.desired.expect;
        let managed = interfaces.map_or(0, BTreeMap::len);
        // the leases are read for the checks only
        if mode.drift || managed == 0 {
            let leases = match self.client.leases().await {
                Ok(l) => l,
                Err(e) => return failed(e),
            };
            plan.checked = plan::expect::f5_checked(&leases, expect, mode.drift);
            if mode.drift {
                plan.findings = plan::expect::f5(&leases, expect);
                if let Some(want) = interfaces {
                    plan.findings
                        .extend(plan::expect::f5_reserved(&leases, want));
                }
            }
        }
        if managed > 0 {
            plan.checked.insert(
                0,
                format!("{managed} interface(s) with a managed DHCP server"),
            );
        }
        plan
    }

    async fn leases_inner(&self) -> Result<LeaseSet, DeviceError> {
        let l = self.client.leases().await?;
        let mut set = LeaseSet::default();
        let now = std::time::SystemTime::now();
        for x in &l.leases {
            let expires = (!x.expiry.is_empty()).then(|| x.expiry.clone());
            set.leases.push(LeaseRow {
                device: self.name.clone(),
                ip: x.ip.to_string(),
                mac: x.mac.to_string(),
                hostname: x.hostname.clone(),
                kind: BindingKind::Lease,
                expired: expires
                    .as_deref()
                    .and_then(rfc3339_epoch)
                    .is_some_and(|t| t < epoch(now)),
                expires,
                expires_local: false,
                pool: x.subnet.clone(),
            });
        }
        let max = self.desired.expect.max_utilization;
        for s in &l.subnets {
            let used = s.address_count.saturating_sub(s.free_address_count);
            let percent = plan::expect::percent(used, s.address_count);
            set.utilisation.push(Usage {
                device: self.name.clone(),
                pool: s.subnet.clone(),
                used,
                total: s.address_count,
                percent,
                over: max.is_some_and(|m| percent > u64::from(m)),
            });
        }
        Ok(set)
    }
}

impl Device for F5XcDevice {
    fn name(&self) -> &str {
        &self.name
    }
    fn platform(&self) -> Platform {
        Platform::F5Xc
    }
    fn plan(&self, mode: PlanMode) -> BoxFuture<'_, DevicePlan> {
        Box::pin(self.plan_inner(mode, self.desired.interfaces.as_ref()))
    }
    fn plan_saved<'a>(&'a self, saved: &'a DevicePlan, force: bool) -> BoxFuture<'a, DevicePlan> {
        let mode = PlanMode {
            force,
            drift: false,
        };
        if saved.error.is_some() {
            return Box::pin(async move {
                DevicePlan::failed(
                    &self.name,
                    Platform::F5Xc,
                    crate::plan::Failure::new(
                        crate::plan::ErrorKind::Setup,
                        "the device could not be planned when the plan was saved (the plan \
                         file holds its error): nothing of it is applied; plan again",
                    ),
                )
            });
        }
        // a saved plan carries the interfaces it was made for (none: nothing to write)
        Box::pin(self.plan_inner(mode, saved.interfaces_desired.as_ref()))
    }
    fn apply<'a>(&'a self, plan: &'a DevicePlan, stop: &'a Stop) -> BoxFuture<'a, DeviceReport> {
        Box::pin(async move {
            let empty = BTreeMap::new();
            let want = plan
                .interfaces_desired
                .as_ref()
                .or(self.desired.interfaces.as_ref())
                .unwrap_or(&empty);
            super::apply::execute_f5(&self.client, plan, want, stop).await
        })
    }
    fn leases(&self) -> BoxFuture<'_, Result<LeaseSet, DeviceError>> {
        Box::pin(self.leases_inner())
    }
    fn clear(&self, _what: &Clear) -> BoxFuture<'_, Result<Vec<Cleared>, ClearError>> {
        Box::pin(async move { Err(ClearError::ReadOnly(self.name.clone())) })
    }
    fn import(&self) -> BoxFuture<'_, Result<Imported, ClearError>> {
        Box::pin(async move {
            let mut out = BTreeMap::new();
            for name in self.client.interface_names().await? {
                // interfaces of other kinds hold no DHCP server
                if let Some(dhcp) = self.client.interface_any(&name).await?.dhcp {
                    out.insert(name, dhcp);
                }
            }
            Ok(Imported::F5Xc(out))
        })
    }
    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(async {})
    }
}
