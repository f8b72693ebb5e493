//! Scalar value types of the model, each with every accepted spelling and one canonical form.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::net::Ipv4Addr;
use std::str::FromStr;

/// Why a scalar could not be read. The text says what was expected and what was found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ValueError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, ValueError> {
    Err(ValueError(msg.into()))
}

/// A MAC address as 6 bytes. Accepts `00:a0:98:02:32:de`, `00-A0-98-02-32-DE`,
/// `00a0.9802.32de` (Cisco dotted) and `00a0980232de`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    /// Cisco's dotted form, `00a0.9802.32de`.
    pub fn dotted(&self) -> String {
        let b = self.0;
        format!(
            "{:02x}{:02x}.{:02x}{:02x}.{:02x}{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl fmt::Display for Mac {
    /// Colon form, `00:a0:98:02:32:de`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl FromStr for Mac {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let t = s.trim();
        let bad = || {
            ValueError(format!(
                "expected a MAC address such as 00:a0:98:02:32:de or 00a0.9802.32de, found `{s}`"
            ))
        };
        let groups: Vec<&str> = if t.contains(':') {
            t.split(':').collect()
        } else if t.contains('-') {
            t.split('-').collect()
        } else if t.contains('.') {
            t.split('.').collect()
        } else {
            vec![t]
        };
        let ok_shape = match groups.len() {
            6 => groups.iter().all(|g| g.len() == 2),
            3 => groups.iter().all(|g| g.len() == 4),
            1 => groups[0].len() == 12,
            _ => false,
        };
        if !ok_shape {
            return Err(bad());
        }
        let hex: String = groups.concat();
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let mut out = [0u8; 6];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Mac(out))
    }
}

/// How long a lease lasts: whole minutes, or infinite. The IOS default is one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LeaseDuration {
    Minutes(u32),
    Infinite,
}

pub const MINUTES_PER_DAY: u32 = 24 * 60;

impl Default for LeaseDuration {
    fn default() -> Self {
        LeaseDuration::Minutes(MINUTES_PER_DAY)
    }
}

impl LeaseDuration {
    /// Builds a duration from IOS parts, checking the device's ranges
    /// (days 0-365, hours 0-23, minutes 0-59).
    pub fn from_parts(days: u64, hours: u64, minutes: u64) -> Result<Self, ValueError> {
        if days > 365 {
            return err(format!("lease days must be 0-365, found {days}"));
        }
        if hours > 23 {
            return err(format!("lease hours must be 0-23, found {hours}"));
        }
        if minutes > 59 {
            return err(format!("lease minutes must be 0-59, found {minutes}"));
        }
        let total = days * u64::from(MINUTES_PER_DAY) + hours * 60 + minutes;
        if total == 0 {
            return err("a lease of zero minutes is not allowed; use at least 1m");
        }
        Ok(LeaseDuration::Minutes(total as u32))
    }

    /// (days, hours, minutes) of a finite duration.
    pub fn parts(&self) -> Option<(u32, u32, u32)> {
        match *self {
            LeaseDuration::Minutes(m) => {
                Some((m / MINUTES_PER_DAY, (m % MINUTES_PER_DAY) / 60, m % 60))
            }
            LeaseDuration::Infinite => None,
        }
    }
}

impl fmt::Display for LeaseDuration {
    /// Canonical text: `infinite`, or `2d4h30m` with zero parts left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some((d, h, m)) = self.parts() else {
            return f.write_str("infinite");
        };
        let mut out = String::new();
        if d > 0 {
            out.push_str(&format!("{d}d"));
        }
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if m > 0 || out.is_empty() {
            out.push_str(&format!("{m}m"));
        }
        f.write_str(&out)
    }
}

impl FromStr for LeaseDuration {
    type Err = ValueError;
    /// Accepts `infinite`, and `1d`, `8h`, `30m`, `2d4h30m`, `2d 4h` (each unit at most once, in
    /// the order d, h, m).
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let t = s.trim().to_ascii_lowercase();
        if t == "infinite" {
            return Ok(LeaseDuration::Infinite);
        }
        let bad = || {
            ValueError(format!(
                "expected a lease duration such as 1d, 8h, 2d4h30m or infinite, found `{s}`"
            ))
        };
        let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.is_empty() {
            return Err(bad());
        }
        let (mut d, mut h, mut m) = (None, None, None);
        let mut num = String::new();
        let mut last_rank = 0;
        for c in compact.chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            if num.is_empty() || num.len() > 6 {
                return Err(bad());
            }
            let v: u64 = num.parse().map_err(|_| bad())?;
            num.clear();
            let (slot, rank) = match c {
                'd' => (&mut d, 1),
                'h' => (&mut h, 2),
                'm' => (&mut m, 3),
                _ => return Err(bad()),
            };
            if rank <= last_rank {
                return Err(bad());
            }
            last_rank = rank;
            *slot = Some(v);
        }
        if !num.is_empty() {
            return Err(bad());
        }
        // The text form normalises (24h = 1d, 90m = 1h30m); the device's object form keeps
        // its ranges (`from_parts`). The longest lease a device holds is 365d23h59m.
        let total =
            d.unwrap_or(0) * u64::from(MINUTES_PER_DAY) + h.unwrap_or(0) * 60 + m.unwrap_or(0);
        let max = 365 * u64::from(MINUTES_PER_DAY) + 23 * 60 + 59;
        if total > max {
            return err(format!(
                "lease `{s}` is longer than a device holds (365d23h59m); use infinite for no end"
            ));
        }
        let (days, rest) = (
            total / u64::from(MINUTES_PER_DAY),
            total % u64::from(MINUTES_PER_DAY),
        );
        LeaseDuration::from_parts(days, rest / 60, rest % 60)
    }
}

/// An inclusive IPv4 address range; a single address has `low == high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AddrRange {
    pub low: Ipv4Addr,
    pub high: Ipv4Addr,
}

impl AddrRange {
    pub fn single(ip: Ipv4Addr) -> Self {
        AddrRange { low: ip, high: ip }
    }
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        self.low <= ip && ip <= self.high
    }
    pub fn overlaps_net(&self, net: &ipnet::Ipv4Net) -> bool {
        self.low <= net.broadcast() && net.network() <= self.high
    }
}

impl fmt::Display for AddrRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.low == self.high {
            write!(f, "{}", self.low)
        } else {
            write!(f, "{}-{}", self.low, self.high)
        }
    }
}

pub fn parse_ipv4(s: &str) -> Result<Ipv4Addr, ValueError> {
    s.trim().parse().map_err(|_| {
        ValueError(format!(
            "expected an IPv4 address in x.x.x.x form, found `{s}`"
        ))
    })
}

impl FromStr for AddrRange {
    type Err = ValueError;
    /// `10.0.0.1` or `10.0.0.1-10.0.0.20`; low must not exceed high.
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let (low, high) = match s.split_once('-') {
            Some((a, b)) => (parse_ipv4(a)?, parse_ipv4(b)?),
            None => {
                let ip = parse_ipv4(s)?;
                (ip, ip)
            }
        };
        if low > high {
            return err(format!("range is reversed: {low} is above {high}"));
        }
        Ok(AddrRange { low, high })
    }
}

/// NetBIOS node type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeType {
    B,
    P,
    M,
    H,
}

impl fmt::Display for NodeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NodeType::B => "b-node",
            NodeType::P => "p-node",
            NodeType::M => "m-node",
            NodeType::H => "h-node",
        })
    }
}

impl FromStr for NodeType {
    type Err = ValueError;
    /// `b-node`, `p-node`, `m-node`, `h-node` (any case; also `broadcast`, `peer-to-peer`,
    /// `mixed`, `hybrid`, and IOS's hex codes 0x1, 0x2, 0x4, 0x8).
    fn from_str(s: &str) -> Result<Self, ValueError> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "b-node" | "broadcast" | "0x1" => NodeType::B,
            "p-node" | "peer-to-peer" | "0x2" => NodeType::P,
            "m-node" | "mixed" | "0x4" => NodeType::M,
            "h-node" | "hybrid" | "0x8" => NodeType::H,
            _ => {
                return err(format!(
                    "expected a NetBIOS node type (b-node, p-node, m-node or h-node), found `{s}`"
                ));
            }
        })
    }
}

macro_rules! serde_via_str {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    )*};
}
serde_via_str!(Mac, LeaseDuration, AddrRange, NodeType);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn mac_spellings_agree() {
        let want = Mac([0x00, 0xa0, 0x98, 0x02, 0x32, 0xde]);
        for s in [
            "00:a0:98:02:32:de",
            "00:A0:98:02:32:DE",
            "00-a0-98-02-32-de",
            "00a0.9802.32de",
            "00A0980232DE",
        ] {
            assert_eq!(s.parse::<Mac>(), Ok(want), "{s}");
        }
        assert_eq!(want.dotted(), "00a0.9802.32de");
        for bad in [
            "00:a0:98:02:32",
            "00a0.9802.32dg",
            "",
            "00:a0:98:02:32:de:ff",
            "0:a0:98:02:32:de",
        ] {
            assert!(bad.parse::<Mac>().is_err(), "{bad}");
        }
    }

    #[test]
    fn lease_spellings() {
        assert_eq!("1d".parse(), Ok(LeaseDuration::default()));
        assert_eq!("24h".parse(), Ok(LeaseDuration::default()), "24h = 1d");
        assert_eq!(
            "90m".parse(),
            LeaseDuration::from_parts(0, 1, 30),
            "90m = 1h30m"
        );
        assert_eq!("36h".parse(), LeaseDuration::from_parts(1, 12, 0));
        assert_eq!(
            "24h".parse::<LeaseDuration>().map(|l| l.to_string()),
            Ok("1d".into())
        );
        assert!(
            "366d".parse::<LeaseDuration>().is_err(),
            "longer than a device holds"
        );
        assert_eq!("2d4h30m".parse(), LeaseDuration::from_parts(2, 4, 30));
        assert_eq!("2d 4h 30m".parse(), LeaseDuration::from_parts(2, 4, 30));
        assert_eq!("INFINITE".parse(), Ok(LeaseDuration::Infinite));
        assert!("366d".parse::<LeaseDuration>().is_err());
        assert!("4h2d".parse::<LeaseDuration>().is_err());
        assert!("0m".parse::<LeaseDuration>().is_err());
        assert!("5".parse::<LeaseDuration>().is_err());
    }

    #[test]
    fn range_order_and_single() {
        assert_eq!(
            "10.0.0.5".parse::<AddrRange>(),
            Ok(AddrRange::single(Ipv4Addr::new(10, 0, 0, 5)))
        );
        assert!("10.0.0.9-10.0.0.5".parse::<AddrRange>().is_err());
        assert!("10.0.0.300".parse::<AddrRange>().is_err());
    }

    proptest! {
        #[test]
        fn mac_every_spelling_lowers_to_the_same_bytes(bytes in any::<[u8; 6]>(),
            upper in any::<bool>()) {
            let mac = Mac(bytes);
            let b = bytes;
            let forms = [
                mac.to_string(),
                mac.dotted(),
                mac.to_string().replace(':', "-"),
                format!("{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", b[0], b[1], b[2], b[3], b[4], b[5]),
            ];
            for f in forms {
                let f = if upper { f.to_uppercase() } else { f };
                prop_assert_eq!(f.parse::<Mac>(), Ok(mac));
            }
        }

        #[test]
        fn lease_renders_to_itself(d in 0u64..=365, h in 0u64..24, m in 0u64..60) {
            prop_assume!(d + h + m > 0);
            let lease = LeaseDuration::from_parts(d, h, m).unwrap();
            prop_assert_eq!(lease.to_string().parse::<LeaseDuration>(), Ok(lease));
            let spaced = format!("{d}d {h}h {m}m");
            prop_assert_eq!(spaced.parse::<LeaseDuration>(), Ok(lease));
        }

        #[test]
        fn range_renders_to_itself(a in any::<u32>(), b in any::<u32>()) {
            let r = AddrRange { low: Ipv4Addr::from(a.min(b)), high: Ipv4Addr::from(a.max(b)) };
            prop_assert_eq!(r.to_string().parse::<AddrRange>(), Ok(r));
        }
    }
}
