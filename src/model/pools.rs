//! `Pools`: a desired file's pools by name, in one allocation sized to their count.
//!
//! A run keeps every selected device's desired state until the device is planned; a
//! `BTreeMap` node holds room for eleven pools whatever the count (about 1.9 KB for a device
//! with one pool), which made the desired states the largest part of a 10,000-device run. This
//! is a sorted, deduplicated `Vec` with the map calls the planner uses; it serialises as a map
//! in name order, exactly as the `BTreeMap` it replaces.

use super::Pool;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// Pools by name, sorted by name, each name once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pools(Vec<(String, Pool)>);

impl Pools {
    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(n, _)| n.as_str().cmp(name))
    }
    pub fn get(&self, name: &str) -> Option<&Pool> {
        self.find(name)
            .ok()
            .and_then(|i| self.0.get(i))
            .map(|(_, p)| p)
    }
    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }
    /// Adds or replaces the pool `name`; the old one comes back.
    pub fn insert(&mut self, name: String, pool: Pool) -> Option<Pool> {
        match self.find(&name) {
            Ok(i) => self
                .0
                .get_mut(i)
                .map(|slot| std::mem::replace(&mut slot.1, pool)),
            Err(i) => {
                self.0.insert(i, (name, pool));
                None
            }
        }
    }
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&String, &Pool)> + Clone {
        self.0.iter().map(|(n, p)| (n, p))
    }
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + Clone {
        self.0.iter().map(|(n, _)| n)
    }
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Pool> + Clone {
        self.0.iter().map(|(_, p)| p)
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<BTreeMap<String, Pool>> for Pools {
    fn from(map: BTreeMap<String, Pool>) -> Self {
        // already sorted and unique; the Vec is allocated to the exact count
        Pools(map.into_iter().collect())
    }
}

impl From<Pools> for BTreeMap<String, Pool> {
    fn from(pools: Pools) -> Self {
        pools.0.into_iter().collect()
    }
}

impl FromIterator<(String, Pool)> for Pools {
    /// A later pool of the same name wins, as with a map.
    fn from_iter<I: IntoIterator<Item = (String, Pool)>>(iter: I) -> Self {
        iter.into_iter().collect::<BTreeMap<_, _>>().into()
    }
}

impl<'a> IntoIterator for &'a Pools {
    type Item = (&'a String, &'a Pool);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, Pool)>,
        fn(&'a (String, Pool)) -> (&'a String, &'a Pool),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(n, p)| (n, p))
    }
}

impl IntoIterator for Pools {
    type Item = (String, Pool);
    type IntoIter = std::vec::IntoIter<(String, Pool)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Serialize for Pools {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> Deserialize<'de> for Pools {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        BTreeMap::<String, Pool>::deserialize(d).map(Pools::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LeaseDuration, PoolKind, PoolOptions};

    fn pool(net: &str) -> Pool {
        Pool {
            kind: PoolKind::Dynamic {
                network: net.parse().expect("network"),
                lease: LeaseDuration::default(),
            },
            options: PoolOptions::default(),
        }
    }

    #[test]
    fn behaves_as_the_map_it_replaces() {
        let names = ["m", "b", "z", "b", "a"];
        let mut map = BTreeMap::new();
        let mut pools = Pools::default();
        for (i, n) in names.iter().enumerate() {
            let p = pool(&format!("10.0.{i}.0/24"));
            assert_eq!(
                pools.insert(n.to_string(), p.clone()),
                map.insert(n.to_string(), p)
            );
        }
        assert_eq!(
            pools.keys().collect::<Vec<_>>(),
            map.keys().collect::<Vec<_>>()
        );
        assert_eq!(pools.get("b"), map.get("b"));
        assert!(pools.get("c").is_none() && !pools.contains_key("c"));
        assert_eq!(pools.len(), 4);
        let collected: Pools = names
            .iter()
            .map(|n| (n.to_string(), pool("10.9.0.0/24")))
            .collect();
        assert_eq!(collected.len(), 4);
        assert_eq!(
            serde_json::to_string(&pools).expect("json"),
            serde_json::to_string(&map).expect("json")
        );
        let back: Pools =
            serde_json::from_str(&serde_json::to_string(&map).expect("json")).expect("parse");
        assert_eq!(back, pools);
        assert_eq!(BTreeMap::from(back), map);
    }
}
