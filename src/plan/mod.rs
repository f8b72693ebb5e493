//! Planning: diff desired against live (`diff`), order the calls (`order`), and judge safety
//! (`safety`). Pure functions over plain data; the plan types here are what `--out` saves and
//! what `--format json` prints (described by `schemas/plan.schema.json`).

pub mod diff;
pub mod expect;
pub mod f5;
pub mod file;
pub mod impact;
pub mod order;
pub mod outcome;
pub mod report;
pub mod safety;
pub mod saved;
pub mod steps;

use crate::model::{Api, Platform, Safety};
use crate::model::{DeviceConfig, LiveConfig};
pub use outcome::{ErrorKind, Failure, GateKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use file::{Checksum, FORMAT_VERSION, Kind, OLDEST_READABLE, PlanFile, Summary};

#[derive(
    Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    pub fn symbol(&self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }
}

/// The HTTP method of a planned call: only the methods the device APIs document for writes
/// (and GET, which apply uses to read back).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema, PartialEq, Eq, Hash)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(&self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a change or a call is about: the global settings (`server`) or one pool
/// (`pool/<name>`) of an IOS XE device, or the DHCP server of one F5 XC site interface
/// (`interface/<name>`). Written as that string in plan files.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Resource {
    Server,
    Pool(String),
    Interface(String),
}

impl Resource {
    pub fn pool(name: &str) -> Resource {
        Resource::Pool(name.to_string())
    }

    /// The pool's name, for a pool.
    pub fn pool_name(&self) -> Option<&str> {
        match self {
            Resource::Pool(n) => Some(n),
            _ => None,
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resource::Server => f.write_str("server"),
            Resource::Pool(n) => write!(f, "pool/{n}"),
            Resource::Interface(n) => write!(f, "interface/{n}"),
        }
    }
}

impl std::str::FromStr for Resource {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "server" {
            return Ok(Resource::Server);
        }
        if let Some(n) = s.strip_prefix("pool/").filter(|n| !n.is_empty()) {
            return Ok(Resource::Pool(n.to_string()));
        }
        match s.strip_prefix("interface/").filter(|n| !n.is_empty()) {
            Some(n) => Ok(Resource::Interface(n.to_string())),
            None => Err(format!(
                "expected `server`, `pool/<name>` or `interface/<name>` as a resource, found \
                 `{s}`"
            )),
        }
    }
}

impl Serialize for Resource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Resource {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Resource {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Resource".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "`server` (the global DHCP settings) or `pool/<name>` of an IOS \
                XE device; `interface/<name>` (the DHCP server of a network_interface) of an \
                F5 XC site.",
            "type": "string",
            "pattern": "^(server|pool/.+|interface/.+)$"
        })
    }
}

/// One changed field of a resource. Lists show the items added and removed; `whole_list`
/// says that the device is sent the whole list.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct FieldChange {
    pub field: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
    #[serde(default)]
    pub whole_list: bool,
}

impl FieldChange {
    /// A single value that changed (`None` when it did not).
    pub fn scalar(field: &str, before: Option<String>, after: Option<String>) -> Option<Self> {
        (before != after).then(|| FieldChange {
            field: field.into(),
            before: before.map(Value::String),
            after: after.map(Value::String),
            added: vec![],
            removed: vec![],
            whole_list: false,
        })
    }

    /// A list whose items were added or removed (`None` when none were); order is not a
    /// change here. The device is sent the whole list.
    pub fn items(field: &str, before: &[String], after: &[String]) -> Option<Self> {
        let added: Vec<String> = after
            .iter()
            .filter(|a| !before.contains(a))
            .cloned()
            .collect();
        let removed: Vec<String> = before
            .iter()
            .filter(|b| !after.contains(b))
            .cloned()
            .collect();
        (!added.is_empty() || !removed.is_empty()).then(|| FieldChange {
            field: field.into(),
            before: None,
            after: None,
            added,
            removed,
            whole_list: true,
        })
    }
}

/// A resource-level change: `server` or `pool/<name>`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Change {
    pub resource: Resource,
    pub action: Action,
    /// Canonical model of the resource before (absent for create).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    /// Canonical model of the resource after (absent for delete).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
    pub fields: Vec<FieldChange>,
    /// Why a change is a replacement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The active bindings this change takes addresses from (only for changes that can).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impact: Option<impact::Impact>,
}

/// One HTTP call, exactly as apply sends it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Operation {
    pub method: Method,
    /// Path below the device's base URL.
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// The resource this call writes.
    pub resource: Resource,
    /// For `PUT /api/v1/dhcp`: the canonical server state the device must still have just
    /// before this call; for an F5 XC interface, its DHCP server as planned (`null`: none).
    /// Apply re-reads and stops if it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expect_server: Option<Value>,
}

impl Operation {
    /// `POST /api/v1/dhcp/pool (pool/guests)`: the call and the resource it writes (unless
    /// the path names it already).
    pub fn line(&self) -> String {
        call_line(self.method, &self.path, &self.resource)
    }
}

/// `Operation::line` of a call's parts.
pub fn call_line(method: Method, path: &str, resource: &Resource) -> String {
    let named = match resource {
        Resource::Pool(n) | Resource::Interface(n) => path.ends_with(&format!("/{n}")),
        Resource::Server => false,
    };
    if named {
        format!("{method} {path}")
    } else {
        format!("{method} {path} ({resource})")
    }
}

/// A safety gate that blocks a device's plan.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Gate {
    pub gate: GateKind,
    pub message: String,
    /// How to lift it.
    pub lift: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Verdict {
    pub blocked: bool,
    /// Gates that fired (also listed when `--force` lifted them).
    pub gates: Vec<Gate>,
    pub forced: bool,
}

impl Verdict {
    /// The one block/force rule: any gate blocks, unless `--force` lifts it (then the plan
    /// says it was forced).
    pub fn judge(gates: Vec<Gate>, force: bool) -> Verdict {
        let fired = !gates.is_empty();
        Verdict {
            blocked: fired && !force,
            forced: fired && force,
            gates,
        }
    }

    /// Adds a gate that fired after the first judgement (client impact).
    pub fn add(&mut self, gate: Gate, force: bool) {
        let mut gates = std::mem::take(&mut self.gates);
        gates.push(gate);
        *self = Verdict::judge(gates, force);
    }
}

/// A failed `expect:` check (drift only).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct Finding {
    pub check: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct DevicePlan {
    pub device: String,
    pub platform: Platform,
    /// IOS XE: the API the calls are for (absent: `rest`).
    #[serde(default, skip_serializing_if = "is_rest")]
    pub api: Api,
    /// Set when the device could not be read or planned; nothing else is meaningful then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Failure>,
    /// SHA-256 of the canonical live state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live_digest: Option<String>,
    pub changes: Vec<Change>,
    pub operations: Vec<Operation>,
    /// Pools on the device that the file does not declare, left alone (`prune: false`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmanaged: Vec<String>,
    /// Pools on the device with neither dynamic nor manual: never rewritten or deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmanageable: Vec<String>,
    /// What reading the device had to assume (e.g. DHCP never configured).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Likely mistakes in the settings, e.g. a protected pool that exists nowhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Active bindings the plan takes addresses from, all changes together (distinct).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub affected_clients: usize,
    pub safety: Verdict,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Finding>,
    /// What a read-only device's plan checked (F5 XC: leases read, `expect:` checks run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checked: Vec<String>,
    /// Canonical live state at planning time (lets a stale saved plan say what changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Value>")]
    pub live: Option<LiveConfig>,
    /// Canonical desired state (lets `apply --plan` check convergence).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Value>")]
    pub desired: Option<DeviceConfig>,
    /// F5 XC: the DHCP servers of the listed interfaces at planning time (`null`: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Value>")]
    pub interfaces_live: Option<crate::model::f5::F5Live>,
    /// F5 XC: the desired DHCP servers of the listed interfaces.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<Value>")]
    pub interfaces_desired:
        Option<std::collections::BTreeMap<String, crate::model::f5::F5DhcpServer>>,
    /// F5 XC: listed interfaces that are a DHCP client or have a static address today.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub interfaces_addressing: std::collections::BTreeMap<String, String>,
    /// F5 XC: interfaces read without `resource_version` (unguarded PUT) -> digest of the
    /// replace form read, which apply compares with its read just before the PUT.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub unguarded: std::collections::BTreeMap<String, String>,
}

impl DevicePlan {
    /// A device that could not be read or planned.
    pub fn failed(device: &str, platform: Platform, error: Failure) -> Self {
        DevicePlan {
            error: Some(error),
            ..DevicePlan::empty(device, platform)
        }
    }

    /// A device with nothing to change (an F5 XC site, whose leases are read-only).
    pub fn empty(device: &str, platform: Platform) -> Self {
        DevicePlan {
            device: device.into(),
            platform,
            api: Api::Rest,
            error: None,
            live_digest: None,
            changes: vec![],
            operations: vec![],
            unmanaged: vec![],
            unmanageable: vec![],
            notes: vec![],
            warnings: vec![],
            affected_clients: 0,
            safety: Verdict::default(),
            findings: vec![],
            checked: vec![],
            live: None,
            desired: None,
            interfaces_live: None,
            interfaces_desired: None,
            interfaces_addressing: Default::default(),
            unguarded: Default::default(),
        }
    }

    /// (create, update+replace, delete) counts.
    pub fn counts(&self) -> (usize, usize, usize) {
        let n = |a: Action| self.changes.iter().filter(|c| c.action == a).count();
        (
            n(Action::Create),
            n(Action::Update) + n(Action::Replace),
            n(Action::Delete),
        )
    }

    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// Drops what only showing the plan needs (changes, live state, notes), keeping what its
    /// writes need: the calls, the F5 XC desired servers and guards. The IOS XE desired state
    /// is the device's own (a saved plan's was checked equal to it), so it goes too.
    pub fn slim_for_writes(&mut self) {
        self.changes = Vec::new();
        self.live = None;
        self.desired = None;
        self.interfaces_live = None;
        self.notes = Vec::new();
        self.warnings = Vec::new();
        self.findings = Vec::new();
        self.checked = Vec::new();
        self.unmanaged = Vec::new();
        self.unmanageable = Vec::new();
        // lowering collects through a filter: room for four calls where one is common
        self.operations.shrink_to_fit();
    }
}

/// What planning one IOS XE device needs besides desired and live.
#[derive(Debug, Clone)]
pub struct Policy<'a> {
    pub prune: bool,
    pub protected: &'a [String],
    pub safety: Safety,
    pub force: bool,
}

/// Plans one IOS XE device: changes, ordered operations, digest and safety verdict.
pub fn plan_ios_xe(
    device: &str,
    desired: &DeviceConfig,
    live: &LiveConfig,
    policy: &Policy,
    lowering: &dyn steps::Lowering,
) -> DevicePlan {
    let unmanageable: Vec<String> = live.unmanageable.iter().cloned().collect();
    if let Some(name) = desired
        .pools
        .as_ref()
        .and_then(|p| unmanageable.iter().find(|n| p.contains_key(n)))
    {
        let mut plan = DevicePlan::failed(
            device,
            Platform::IosXe,
            Failure::new(
                ErrorKind::Setup,
                format!(
                    "pool `{name}` on the device has neither dynamic nor manual (a pool of options \
                only): dhcpform cannot manage it and will not rewrite it; remove `{name}` from \
                the desired file or give the pool a kind on the device"
                ),
            ),
        );
        plan.unmanageable = unmanageable;
        return plan;
    }
    let mut d = diff::diff(desired, live, policy.prune);
    if let Some(why) = overlaps_unmanaged(&d, desired, live) {
        let mut plan =
            DevicePlan::failed(device, Platform::IosXe, Failure::new(ErrorKind::Setup, why));
        plan.unmanaged = d.unmanaged;
        return plan;
    }
    let operations = lowering.lower(&order::steps(desired, live, &mut d));
    let safety = safety::judge(&d.changes, desired, live, policy);
    DevicePlan {
        device: device.into(),
        platform: Platform::IosXe,
        api: Api::Rest,
        error: None,
        live_digest: Some(live.digest()),
        changes: d.changes,
        operations,
        unmanaged: d.unmanaged,
        unmanageable,
        notes: live.notes.clone(),
        warnings: protected_nowhere(desired, live, policy.protected),
        affected_clients: 0,
        safety,
        findings: vec![],
        checked: vec![],
        live: Some(live.clone()),
        desired: Some(desired.clone()),
        interfaces_live: None,
        interfaces_desired: None,
        interfaces_addressing: Default::default(),
        unguarded: Default::default(),
    }
}

/// A pool to be written whose network overlaps a pool the file does not declare and
/// `prune: false` leaves on the device: the device would refuse the write (409), so the plan
/// says so now instead.
fn overlaps_unmanaged(d: &diff::Diff, desired: &DeviceConfig, live: &LiveConfig) -> Option<String> {
    let pools = desired.pools.as_ref()?;
    for c in d.changes.iter().filter(|c| c.action != Action::Delete) {
        let Some(name) = c.resource.pool_name() else {
            continue;
        };
        let Some(net) = pools.get(name).and_then(|p| p.kind.network()) else {
            continue;
        };
        for other in &d.unmanaged {
            let Some(theirs) = live.pools.get(other).and_then(|p| p.kind.network()) else {
                continue;
            };
            if net.contains(&theirs.network()) || theirs.contains(&net.network()) {
                return Some(format!(
                    "pool `{name}` ({net}) overlaps pool `{other}` ({theirs}) on the device, \
                     which the desired file does not declare and `prune: false` leaves in place: \
                     the device would refuse the write. Declare `{other}`, remove it from the \
                     device, or move `{name}`"
                ));
            }
        }
    }
    None
}

/// Protected pools that neither the desired file nor the device has: a typo protects nothing.
fn protected_nowhere(
    desired: &DeviceConfig,
    live: &LiveConfig,
    protected: &[String],
) -> Vec<String> {
    let declared = |p: &str| desired.pools.as_ref().is_some_and(|d| d.contains_key(p));
    let known: Vec<&str> = live
        .pools
        .keys()
        .chain(desired.pools.iter().flat_map(|p| p.keys()))
        .map(String::as_str)
        .collect();
    protected
        .iter()
        .filter(|p| !declared(p))
        .map(|p| {
            if live.pools.contains_key(p) || live.unmanageable.contains(p) {
                return format!(
                    "protected pool `{p}` is on the device but not in the desired file: \
                     deleting it stays blocked by the protected-pool gate"
                );
            }
            let hint = crate::model::names::nearest(p, known.iter().copied())
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            format!(
                "protected pool `{p}` is neither in the desired file nor on the device: it \
                 protects nothing{hint}"
            )
        })
        .collect()
}

fn is_rest(a: &Api) -> bool {
    *a == Api::Rest
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Whether a plan holds a change that can take addresses away (its bindings must be read).
pub fn needs_bindings(plan: &DevicePlan, live: &LiveConfig, desired: &DeviceConfig) -> bool {
    plan.changes
        .iter()
        .any(|c| impact::can_hurt(c, live, desired))
}

/// Attaches to each change the bindings it affects and judges `max-affected-clients`.
/// `bindings` is the device's answer, or why it could not be read (that blocks the plan: an
/// unknown impact never counts as none).
pub fn attach_impact(
    plan: &mut DevicePlan,
    live: &LiveConfig,
    desired: &DeviceConfig,
    bindings: Result<&[crate::model::Binding], String>,
    policy: &Policy,
) {
    let lift = safety::FORCE;
    let gate = match bindings {
        Err(e) => Some(Gate {
            gate: GateKind::MaxAffectedClients,
            message: format!(
                "the plan can take addresses from clients, and the active bindings could not be \
                 read to count them: {e}"
            ),
            lift: lift.into(),
        }),
        Ok(bindings) => {
            let found = impact::impacts(&plan.changes, live, desired, bindings);
            for (c, i) in plan.changes.iter_mut().zip(found.per_change) {
                c.impact = i;
            }
            plan.affected_clients = found.affected.len();
            let automatic = found.affected.iter().filter(|(_, auto)| *auto).count();
            let max = policy.safety.max_affected_clients;
            let all = found.affected.len();
            (automatic > max).then(|| Gate {
                gate: GateKind::MaxAffectedClients,
                message: if all == automatic {
                    format!(
                        "takes addresses from {all} active client(s), above \
                         max-affected-clients {max}"
                    )
                } else {
                    format!(
                        "takes addresses from {all} active client(s): {automatic} with an \
                         automatic binding, above max-affected-clients {max} (the {} with a \
                         manual binding change with the file itself and are not counted \
                         against the setting)",
                        all - automatic
                    )
                },
                lift: format!("{lift}, or raise settings.safety.max-affected-clients"),
            })
        }
    };
    if let Some(g) = gate {
        plan.safety.add(g, policy.force);
    }
}
