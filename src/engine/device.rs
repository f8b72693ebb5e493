//! The device contract the engine drives, as octoDNS's providers have populate/plan/apply: a
//! device is bound to its own desired state when it is built, so a desired file of another
//! platform cannot reach it, and the engine never matches on the platform again.

use super::{LeaseRow, LeaseSet, Usage};
use crate::apply::{DeviceReport, Stop};
use crate::config::inventory::{DeviceEntry, Platform, Safety};
use crate::config::validate::{Desired, IosXeDesired};
use crate::model::DeviceConfig;
use crate::model::f5::{F5Desired, F5DhcpServer, F5Live};
use crate::plan::{self, DevicePlan, Policy};
use crate::platform::Client;
use crate::platform::f5_xc::client::F5Xc;
use crate::platform::http::DeviceError;
use crate::platform::ios_xe_rest::IosXe;
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

/// How a device is planned.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanMode {
    /// Lift the safety gates (apply --force).
    pub force: bool,
    /// Add the `expect:` checks (drift).
    pub drift: bool,
}

/// What bindings to clear.
#[derive(Debug, Clone)]
pub enum Clear {
    All,
    Ips(Vec<Ipv4Addr>),
}

/// One device with its desired state and a client (and so a session) of its own.
pub trait Device: Send + Sync {
    fn name(&self) -> &str;
    fn platform(&self) -> Platform;
    /// Reads the device and plans it; a failure is a plan with its error set.
    fn plan(&self, mode: PlanMode) -> BoxFuture<'_, DevicePlan>;
    /// Reads the device and plans it towards the desired state a saved plan was made for
    /// (apply --plan checks the saved calls against this plan).
    fn plan_saved<'a>(&'a self, saved: &'a DevicePlan, force: bool) -> BoxFuture<'a, DevicePlan>;
    /// Runs a plan's operations in order and checks convergence, stopping before the next
    /// call once `stop` is requested.
    fn apply<'a>(&'a self, plan: &'a DevicePlan, stop: &'a Stop) -> BoxFuture<'a, DeviceReport>;
    /// Reads leases and pool utilisation.
    fn leases(&self) -> BoxFuture<'_, Result<LeaseSet, DeviceError>>;
    /// Clears bindings: per binding (or for all at once), what was cleared or why not.
    fn clear(&self, what: &Clear) -> BoxFuture<'_, Result<Vec<Cleared>, ClearError>>;
    /// Reads the live configuration as a desired state that plans empty (`import`).
    fn import(&self) -> BoxFuture<'_, Result<Imported, ClearError>>;
    /// Ends the device's session (releases an IOS XE token). Idempotent.
    fn close(&self) -> BoxFuture<'_, ()>;
}

/// A device's live configuration as a desired state (`import`).
#[derive(Debug, Clone)]
pub enum Imported {
    IosXe(DeviceConfig),
    /// The DHCP servers of the site's interfaces that have one.
    F5Xc(BTreeMap<String, F5DhcpServer>),
}

/// What one clear call did: the binding (or "every automatic binding") or the device's error.
pub type Cleared = Result<String, DeviceError>;

/// A request this device's platform cannot carry out.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum ClearError {
    #[error("device `{0}` is F5 XC: its leases are read-only")]
    ReadOnly(String),
    #[error("device `{0}` is F5 XC: import reads IOS XE devices only")]
    NoImport(String),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Device(#[from] DeviceError),
}

/// Binds a device entry, its desired state and its client. A desired state of another
/// platform than the client's is refused here, once.
pub fn bind(
    entry: &DeviceEntry,
    desired: &Desired,
    client: Client,
    safety: Safety,
) -> Result<Box<dyn Device>, DeviceError> {
    match (client, desired) {
        (_, Desired::Invalid(why)) => Err(DeviceError::Setup {
            device: entry.name.clone(),
            message: format!("{why}: the device was not contacted"),
        }),
        (Client::IosXe(client), Desired::IosXe(desired)) => Ok(Box::new(IosXeDevice {
            name: entry.name.clone(),
            prune: entry.prune,
            protected: entry.protected_pools.clone(),
            safety,
            desired: desired.clone(),
            client,
        })),
        (Client::F5Xc(client), Desired::F5Xc(desired)) => Ok(Box::new(F5XcDevice {
            name: entry.name.clone(),
            namespace: entry.namespace.clone(),
            safety,
            desired: desired.clone(),
            client,
        })),
        _ => Err(DeviceError::Setup {
            device: entry.name.clone(),
            message: format!(
                "device {}: the desired file does not match the device's platform ({})",
                entry.name, entry.platform
            ),
        }),
    }
}

struct IosXeDevice {
    name: String,
    prune: bool,
    protected: Vec<String>,
    safety: Safety,
    desired: Arc<IosXeDesired>,
    client: IosXe,
}

impl IosXeDevice {
    async fn plan_inner(&self, mode: PlanMode, desired: &DeviceConfig) -> DevicePlan {
        let live = match self.client.read().await {
            Ok(l) => l,
            Err(err) => return DevicePlan::failed(&self.name, Platform::IosXe, err.to_string()),
        };
        let policy = Policy {
            prune: self.prune,
            protected: &self.protected,
            safety: self.safety,
            force: mode.force,
        };
        let mut plan = plan::plan_ios_xe(&self.name, desired, &live, &policy);
        // Whom it hurts: the bindings are read only when a change can take addresses away.
        if plan::needs_bindings(&plan, &live, desired) {
            let read = self.client.bindings().await.map_err(|e| e.to_string());
            let read = read.as_deref().map_err(String::clone);
            plan::attach_impact(&mut plan, &live, desired, read, &policy);
        }
        let expect = &self.desired.expect;
        if mode.drift && (expect.max_utilization.is_some() || expect.min_free.is_some()) {
            match self.client.bindings().await {
                Ok(b) => {
                    if let Some(max) = expect.max_utilization {
                        plan.findings
                            .extend(plan::expect::ios_utilization(&live, &b, max));
                    }
                    if let Some(min) = expect.min_free {
                        plan.findings
                            .extend(plan::expect::ios_min_free(&live, &b, min));
                    }
                }
                Err(err) => plan.error = Some(err.to_string()),
            }
        }
        plan
    }

    async fn leases_inner(&self) -> Result<LeaseSet, DeviceError> {
        let live = self.client.read().await?;
        let bindings = self.client.bindings().await?;
        let mut set = LeaseSet::default();
        for b in &bindings {
            // a manual binding belongs to its own pool, though a dynamic pool may cover it
            let manual = live.pools.iter().find(|(_, p)| {
                matches!(&p.kind, crate::model::PoolKind::Manual { host, .. } if *host == b.ip)
            });
            let dynamic = live
                .pools
                .iter()
                .find(|(_, p)| p.kind.network().is_some_and(|n| n.contains(&b.ip)));
            let pool = manual
                .or(dynamic)
                .map(|(n, _)| n.clone())
                .unwrap_or_default();
            set.leases.push(LeaseRow {
                device: self.name.clone(),
                ip: b.ip.to_string(),
                mac: b.mac.to_string(),
                hostname: String::new(),
                kind: format!("{:?}", b.kind).to_lowercase(),
                expires: b.expires.as_deref().map(ios_time),
                expires_local: true,
                expired: false,
                pool,
            });
        }
        let max = self.desired.expect.max_utilization;
        for (pool, used, total) in plan::expect::ios_usage(&live, &bindings) {
            let percent = plan::expect::percent(used, total);
            set.utilisation.push(Usage {
                device: self.name.clone(),
                pool,
                used,
                total,
                percent,
                over: max.is_some_and(|m| percent > u64::from(m)),
            });
        }
        Ok(set)
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
                DevicePlan::failed(&self.name, Platform::IosXe, why.into())
            }),
        }
    }
    fn apply<'a>(&'a self, plan: &'a DevicePlan, stop: &'a Stop) -> BoxFuture<'a, DeviceReport> {
        Box::pin(async move {
            // A saved plan carries the desired state it was made for.
            let desired = plan.desired.as_ref().unwrap_or(&self.desired.config);
            crate::apply::execute_until(&self.client, plan, desired, self.prune, stop).await
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
                pools: Some(live.pools),
            }))
        })
    }
    fn close(&self) -> BoxFuture<'_, ()> {
        Box::pin(self.client.logout())
    }
}

struct F5XcDevice {
    name: String,
    namespace: String,
    safety: Safety,
    desired: Arc<F5Desired>,
    client: F5Xc,
}

impl F5XcDevice {
    /// Reads the listed interfaces' DHCP servers, all at once (one GET each).
    async fn read_interfaces(
        &self,
        names: impl Iterator<Item = &String>,
    ) -> Result<F5Live, DeviceError> {
        let reads = names.map(|name| async move {
            let form = self.client.interface(name).await?;
            Ok::<_, DeviceError>((name.clone(), form.dhcp))
        });
        futures::future::try_join_all(reads)
            .await
            .map(|all| all.into_iter().collect())
    }

    async fn plan_inner(
        &self,
        mode: PlanMode,
        interfaces: Option<&BTreeMap<String, F5DhcpServer>>,
    ) -> DevicePlan {
        let failed = |e: DeviceError| DevicePlan::failed(&self.name, Platform::F5Xc, e.to_string());
        let mut plan = match interfaces {
            Some(want) => match self.read_interfaces(want.keys()).await {
                Ok(live) => plan::f5::plan(
                    &self.name,
                    &self.namespace,
                    want,
                    &live,
                    self.safety,
                    mode.force,
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
                kind: "lease".into(),
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

/// An IOS XE expiry `YYYY:MM:DD HH:MM` as RFC 3339 without a zone (`YYYY-MM-DDTHH:MM:00`): the
/// device's local time. Text of another form is kept as it is.
fn ios_time(t: &str) -> String {
    let parts: Vec<&str> = t.split([':', ' ']).filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        [y, mo, d, h, mi] if parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit())) => {
            format!("{y}-{mo}-{d}T{h}:{mi}:00")
        }
        _ => t.to_string(),
    }
}

fn epoch(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Seconds since 1970 of an RFC 3339 date-time (`2026-04-15T12:00:00Z`, offsets `+hh:mm`).
fn rfc3339_epoch(t: &str) -> Option<i64> {
    let (date, rest) = t.split_once(['T', 't', ' '])?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => (rest, "Z"),
    };
    let mut c = clock.split(':');
    let h: i64 = c.next()?.parse().ok()?;
    let mi: i64 = c.next()?.parse().ok()?;
    let s: f64 = c.next().unwrap_or("0").parse().ok()?;
    let off = match offset.as_bytes().first() {
        Some(b'+' | b'-') => {
            let sign = if offset.starts_with('-') { -1 } else { 1 };
            let (oh, om) = offset[1..].split_once(':')?;
            sign * (oh.parse::<i64>().ok()? * 3600 + om.parse::<i64>().ok()? * 60)
        }
        _ => 0,
    };
    // days from civil (Howard Hinnant's algorithm)
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + s as i64 - off)
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
                    "the device could not be planned when the plan was saved (the plan file \
                     holds its error): nothing of it is applied; plan again"
                        .into(),
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
            crate::apply::execute_f5(&self.client, plan, want, stop).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_they_should() {
        assert_eq!(rfc3339_epoch("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339_epoch("2026-04-15T12:00:00Z"), Some(1_776_254_400));
        assert_eq!(
            rfc3339_epoch("2026-04-15T14:00:00+02:00"),
            Some(1_776_254_400)
        );
        assert_eq!(rfc3339_epoch("garbage"), None);
        assert_eq!(ios_time("2026:11:25 12:16"), "2026-11-25T12:16:00");
        assert_eq!(ios_time("soon"), "soon");
    }
}
