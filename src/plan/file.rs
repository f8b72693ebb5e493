//! A plan file (`plan --out`, `drift --out`): its format version, kind, devices, summary
//! counts and checksum.

use super::DevicePlan;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Version of the plan JSON; bumped on any incompatible change. Version 2: the model speaks the
/// desired file's names, files say their `kind` and carry a `summary`. Version 3: a failed
/// device's `error` is `{kind, message}` (it was a string), gates are a closed set.
pub const FORMAT_VERSION: u32 = 3;

/// The oldest plan format `show` still reads (`apply --plan` takes only the current one).
pub const OLDEST_READABLE: u32 = 2;

/// What a plan file holds: a plan (`plan --out`) or a drift report (`drift --out`).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Plan,
    Drift,
}

impl Kind {
    pub fn as_str(&self) -> &'static str {
        match self {
            Kind::Plan => "plan",
            Kind::Drift => "drift",
        }
    }
}

/// A whole plan: every selected device.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema, PartialEq)]
pub struct PlanFile {
    pub format_version: u32,
    pub kind: Kind,
    pub devices: Vec<DevicePlan>,
    /// Counts over `devices`.
    pub summary: Summary,
    /// SHA-256 over the format version, the kind and every device (see `Checksum`): a plan
    /// edited after it was written is refused by `apply --plan` and `show`.
    pub checksum: String,
}

impl PlanFile {
    pub fn new(kind: Kind, devices: Vec<DevicePlan>) -> PlanFile {
        let mut sum = Checksum::new(kind);
        let mut summary = Summary::default();
        for d in &devices {
            sum.add(d);
            summary.add(d);
        }
        PlanFile {
            format_version: FORMAT_VERSION,
            kind,
            devices,
            summary,
            checksum: sum.finish(),
        }
    }

    /// Whether the checksum matches the content.
    pub fn checksum_ok(&self) -> bool {
        let mut sum = Checksum::new(self.kind);
        sum.version = self.format_version;
        for d in &self.devices {
            sum.add(d);
        }
        sum.finish() == self.checksum
    }
}

/// Counts over a plan's devices, gathered device by device.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Summary {
    pub devices: usize,
    /// Devices whose plan has changes (blocked ones included).
    pub with_changes: usize,
    /// Devices with a failed `expect:` check.
    pub with_findings: usize,
    /// Devices with changes or failed checks: drift, in a drift report.
    pub drifted: usize,
    /// Devices a safety gate blocks.
    pub blocked: usize,
    /// Devices that could not be read or planned.
    pub failed: usize,
    pub create: usize,
    /// Updates and replacements.
    pub update: usize,
    pub delete: usize,
    /// Active bindings the plans take addresses from, all devices together.
    pub affected_clients: usize,
}

impl Summary {
    pub fn add(&mut self, d: &DevicePlan) {
        let (c, u, del) = d.counts();
        self.devices += 1;
        self.with_changes += usize::from(d.has_changes());
        self.with_findings += usize::from(!d.findings.is_empty());
        self.drifted += usize::from(d.has_changes() || !d.findings.is_empty());
        self.blocked += usize::from(d.safety.blocked);
        self.failed += usize::from(d.error.is_some());
        self.create += c;
        self.update += u;
        self.delete += del;
        self.affected_clients += d.affected_clients;
    }
}

/// The plan file's checksum, built device by device (so a streamed plan can carry it):
/// SHA-256 of `dhcpform-<kind> <version>\n` and each device's compact JSON and a newline.
pub struct Checksum {
    hasher: sha2::Sha256,
    version: u32,
    kind: Kind,
}

impl Checksum {
    pub fn new(kind: Kind) -> Checksum {
        Checksum {
            hasher: sha2::Sha256::default(),
            version: FORMAT_VERSION,
            kind,
        }
    }

    pub fn add(&mut self, d: &DevicePlan) {
        use sha2::Digest;
        // Serialising plain owned data with string keys cannot fail.
        let bytes = serde_json::to_vec(d).unwrap_or_default();
        self.hasher.update(&bytes);
        self.hasher.update(b"\n");
    }

    pub fn finish(self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::default();
        h.update(format!("dhcpform-{} {}\n", self.kind.as_str(), self.version).as_bytes());
        h.update(self.hasher.finalize());
        hex::encode(h.finalize())
    }
}
