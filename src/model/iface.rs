//! Interface names: compared case-insensitively with IOS abbreviations expanded
//! (`Gi2`, `gig2`, `gigabitEthernet2` and `GigabitEthernet2` are one interface).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::cmp::Ordering;
use std::fmt;

/// IOS interface types with their usual short forms. Any unambiguous prefix of at least three
/// letters of a full name is accepted as well, as the IOS CLI does.
const TYPES: &[(&str, &[&str])] = &[
    ("GigabitEthernet", &["gi", "gig", "ge"]),
    ("FastEthernet", &["fa", "fe"]),
    ("TenGigabitEthernet", &["te", "ten", "tengig"]),
    ("TwentyFiveGigE", &["twe", "twentyfivegig"]),
    ("FortyGigabitEthernet", &["fo"]),
    ("HundredGigE", &["hu"]),
    ("AppGigabitEthernet", &["ap"]),
    ("Ethernet", &["e", "et", "eth"]),
    ("Loopback", &["lo"]),
    ("Vlan", &["vl"]),
    ("Port-channel", &["po"]),
    ("Tunnel", &["tu"]),
    ("Serial", &["se"]),
    ("BDI", &["bd"]),
    ("Dialer", &["di"]),
    ("Virtual-Template", &["vt"]),
];

#[derive(Debug, Clone)]
pub struct InterfaceName {
    canonical: String,
    key: String,
}

impl InterfaceName {
    pub fn new(raw: &str) -> Self {
        let raw = raw.trim();
        let split = raw.find(|c: char| c.is_ascii_digit()).unwrap_or(raw.len());
        let (kind, rest) = raw.split_at(split);
        let kind_l = kind.trim().to_ascii_lowercase();
        let rest = rest.trim();
        let full = TYPES
            .iter()
            .find(|(full, abbr)| {
                full.to_ascii_lowercase() == kind_l || abbr.contains(&kind_l.as_str())
            })
            .map(|(full, _)| *full)
            .or_else(|| {
                if kind_l.len() < 3 {
                    return None;
                }
                let mut hits = TYPES
                    .iter()
                    .filter(|(full, _)| full.to_ascii_lowercase().starts_with(&kind_l));
                let first = hits.next();
                if hits.next().is_some() {
                    None
                } else {
                    first.map(|(f, _)| *f)
                }
            });
        let canonical = match full {
            Some(full) if !rest.is_empty() || kind_l == full.to_ascii_lowercase() => {
                format!("{full}{rest}")
            }
            _ => raw.to_string(),
        };
        let key = canonical.to_ascii_lowercase();
        InterfaceName { canonical, key }
    }

    pub fn as_str(&self) -> &str {
        &self.canonical
    }

    /// Whether `raw` names an IOS interface type (full, abbreviated, or an unambiguous prefix)
    /// followed by a number. `Err` carries the closest known type, for a did-you-mean.
    pub fn check(raw: &str) -> Result<(), Option<&'static str>> {
        let raw = raw.trim();
        let split = raw.find(|c: char| c.is_ascii_digit()).unwrap_or(raw.len());
        let (kind, rest) = raw.split_at(split);
        let resolved = InterfaceName::new(raw);
        let known = TYPES
            .iter()
            .any(|(full, _)| resolved.canonical.starts_with(full) && !rest.is_empty());
        if known {
            return Ok(());
        }
        let kind_l = kind.trim().to_ascii_lowercase();
        let nearest = TYPES
            .iter()
            .map(|(full, _)| {
                (
                    strsim::jaro_winkler(&kind_l, &full.to_ascii_lowercase()),
                    *full,
                )
            })
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, f)| f);
        Err(nearest)
    }
}

impl PartialEq for InterfaceName {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for InterfaceName {}
impl PartialOrd for InterfaceName {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for InterfaceName {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}
impl std::hash::Hash for InterfaceName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key.hash(state)
    }
}
impl fmt::Display for InterfaceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical)
    }
}
impl Serialize for InterfaceName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.canonical)
    }
}
impl<'de> Deserialize<'de> for InterfaceName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(InterfaceName::new(&String::deserialize(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn abbreviations_and_case() {
        let want = InterfaceName::new("GigabitEthernet2");
        for s in [
            "Gi2",
            "gi2",
            "gig2",
            "gigabitEthernet2",
            "GIGABITETHERNET2",
            "Gigabit2",
            " Gi 2",
        ] {
            let n = InterfaceName::new(s);
            assert_eq!(n, want, "{s}");
            assert_eq!(n.as_str(), "GigabitEthernet2", "{s}");
        }
        assert_eq!(
            InterfaceName::new("Te0/0/1").as_str(),
            "TenGigabitEthernet0/0/1"
        );
        assert_eq!(InterfaceName::new("Po10").as_str(), "Port-channel10");
        assert_ne!(InterfaceName::new("Gi2"), InterfaceName::new("Gi3"));
        assert_ne!(InterfaceName::new("Gi2"), InterfaceName::new("Te2"));
        // unknown types are kept as written but still compared without case
        assert_eq!(InterfaceName::new("Weird7"), InterfaceName::new("weird7"));
    }

    proptest! {
        #[test]
        fn canonical_form_is_a_fixed_point(idx in 0usize..TYPES.len(), slot in 0u8..8,
            port in 0u16..64, pick in 0usize..4) {
            let (full, abbr) = TYPES[idx];
            let spellings = [full.to_string(), full.to_ascii_lowercase(),
                full.to_ascii_uppercase(), abbr[0].to_string()];
            let name = InterfaceName::new(&format!("{}{slot}/{port}", spellings[pick]));
            prop_assert_eq!(name.as_str(), format!("{full}{slot}/{port}"));
            prop_assert_eq!(InterfaceName::new(name.as_str()), name);
        }
    }
}
