//! Keys of a file, all at once: `Checked` reads a value through a deserializer wrapper that
//! skips and records every key a struct does not know (with its place and the keys it does
//! know, for a did-you-mean) instead of stopping at the first, so a file with three typos gets
//! three diagnostics in one run, alongside the errors of its values. Top-level keys starting
//! with `x-` are ignored (a place for YAML anchors, as in Compose files).
//!
//! The input structs therefore do not `deny_unknown_fields` in serde (the schemas still do,
//! through `#[schemars(deny_unknown_fields)]`); every struct read through this wrapper is
//! strict.

use serde::de::value::StringDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, IntoDeserializer, MapAccess};
use serde::de::{SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};
use std::cell::RefCell;
use std::fmt;

/// A key no struct at its place knows.
#[derive(Debug, Clone)]
pub struct UnknownKey {
    pub key: String,
    pub at: Location,
    /// The keys known at that place.
    pub known: &'static [&'static str],
}

/// Found unknown keys, in file order.
pub type Found = RefCell<Vec<UnknownKey>>;

/// The first field serde-saphyr gives its span wrapper: such a map is not one of ours.
const SPANNED_MARKER: &str = "__serde_saphyr_private_spanned";

/// Reads `T` from `d`, recording unknown keys into `found`.
pub fn read<'de, T: de::Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
    found: &Found,
) -> Result<T, D::Error> {
    T::deserialize(Checked {
        d,
        found,
        top: true,
    })
}

macro_rules! forward_scalars {
    ($($method:ident)*) => {
        $(fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
            self.d.$method(v)
        })*
    };
}

struct Checked<'f, D> {
    d: D,
    found: &'f Found,
    /// The document's top-level mapping (where `x-` keys are allowed).
    top: bool,
}

impl<'f, D> Checked<'f, D> {
    fn visitor<V>(&self, v: V, fields: Option<&'static [&'static str]>) -> Wrap<'f, V> {
        Wrap {
            v,
            found: self.found,
            fields,
            top: self.top,
        }
    }
}

impl<'de, 'f, D: Deserializer<'de>> Deserializer<'de> for Checked<'f, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        let w = self.visitor(v, None);
        self.d.deserialize_any(w)
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        let w = self.visitor(v, None);
        self.d.deserialize_map(w)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        let w = self.visitor(v, None);
        self.d.deserialize_seq(w)
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        let w = self.visitor(v, None);
        self.d.deserialize_option(w)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        let w = self.visitor(v, None);
        self.d.deserialize_newtype_struct(name, w)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        let ours = !fields.contains(&SPANNED_MARKER);
        let w = self.visitor(v, ours.then_some(fields));
        self.d.deserialize_struct(name, fields, w)
    }

    fn is_human_readable(&self) -> bool {
        self.d.is_human_readable()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.d.deserialize_unit_struct(name, v)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, D::Error> {
        let w = self.visitor(v, None);
        self.d.deserialize_tuple(len, w)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        v: V,
    ) -> Result<V::Value, D::Error> {
        let w = self.visitor(v, None);
        self.d.deserialize_tuple_struct(name, len, w)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.d.deserialize_enum(name, variants, v)
    }

    // Scalars go to the same method of the YAML deserializer (which, for example, reads a
    // plain `10` as a string when a string is asked for).
    forward_scalars! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_unit
        deserialize_identifier deserialize_ignored_any
    }
}

struct Wrap<'f, V> {
    v: V,
    found: &'f Found,
    fields: Option<&'static [&'static str]>,
    top: bool,
}

macro_rules! forward_visits {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(fn $method<E: de::Error>(self, x: $ty) -> Result<V::Value, E> {
            self.v.$method(x)
        })*
    };
}

impl<'de, 'f, V: Visitor<'de>> Visitor<'de> for Wrap<'f, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.v.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.v.visit_map(Keys {
            map,
            found: self.found,
            fields: self.fields,
            top: self.top,
            spanned: false,
            wrap_next: true,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.v.visit_seq(Items {
            seq,
            found: self.found,
        })
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.v.visit_some(Checked {
            d,
            found: self.found,
            top: false,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.v.visit_newtype_struct(Checked {
            d,
            found: self.found,
            top: false,
        })
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.v.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.v.visit_unit()
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.v.visit_enum(data)
    }

    forward_visits! {
        visit_bool(bool), visit_i64(i64), visit_i128(i128), visit_u64(u64), visit_u128(u128),
        visit_f64(f64), visit_char(char), visit_str(&str), visit_string(String),
        visit_borrowed_str(&'de str), visit_bytes(&[u8]), visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>),
    }
}

/// A mapping: a struct's (`fields` known) or a free map's (every key allowed).
struct Keys<'f, A> {
    map: A,
    found: &'f Found,
    fields: Option<&'static [&'static str]>,
    top: bool,
    /// serde-saphyr's span wrapper: only its `value` is read through the check.
    spanned: bool,
    /// Whether the next value is read through the check.
    wrap_next: bool,
}

impl<'de, 'f, A: MapAccess<'de>> MapAccess<'de> for Keys<'f, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(fields) = self.fields else {
            let Some(key) = self.map.next_key::<String>()? else {
                return Ok(None);
            };
            if key == SPANNED_MARKER {
                self.spanned = true;
            }
            self.wrap_next = !self.spanned || key == "value";
            let d: StringDeserializer<A::Error> = key.into_deserializer();
            return seed.deserialize(d).map(Some);
        };
        loop {
            let Some(key) = self.map.next_key::<Spanned<String>>()? else {
                return Ok(None);
            };
            if fields.contains(&key.value.as_str()) {
                self.wrap_next = true;
                let d: StringDeserializer<A::Error> = key.value.into_deserializer();
                return seed.deserialize(d).map(Some);
            }
            self.map.next_value::<IgnoredAny>()?;
            if self.top && key.value.starts_with("x-") {
                continue;
            }
            self.found.borrow_mut().push(UnknownKey {
                key: key.value,
                at: key.defined,
                known: fields,
            });
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        if !self.wrap_next {
            return self.map.next_value_seed(seed);
        }
        self.map.next_value_seed(Seed {
            seed,
            found: self.found,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

struct Items<'f, A> {
    seq: A,
    found: &'f Found,
}

impl<'de, 'f, A: SeqAccess<'de>> SeqAccess<'de> for Items<'f, A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        self.seq.next_element_seed(Seed {
            seed,
            found: self.found,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

struct Seed<'f, S> {
    seed: S,
    found: &'f Found,
}

impl<'de, 'f, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'f, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(Checked {
            d,
            found: self.found,
            top: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    struct Inner {
        lease_duration: Option<Spanned<String>>,
        address_range: Option<String>,
    }

    #[derive(Debug, Deserialize)]
    struct Top {
        pools: Option<BTreeMap<String, Spanned<Inner>>>,
        list: Option<Vec<Inner>>,
        free: Option<serde_json::Value>,
    }

    fn check(yaml: &str) -> (Top, Vec<(String, usize, usize)>) {
        let found = Found::default();
        let top: Top =
            serde_saphyr::with_deserializer_from_str(yaml, |d| read(d, &found)).expect("parses");
        let keys = found
            .into_inner()
            .into_iter()
            .map(|u| (u.key, u.at.line() as usize, u.at.column() as usize))
            .collect();
        (top, keys)
    }

    #[test]
    fn every_unknown_key_is_found_with_its_place_and_the_rest_is_read() {
        let yaml = "x-anchor: {a: 1}\nbogus: 1\npools:\n  p:\n    lease-duraton: 1d\n    \
                    address-range: 10.0.0.0/24\n    hnode: x\nlist:\n  - {addres-range: a}\n\
                    free: {anything: [1, {goes: 2}]}\n";
        let (top, keys) = check(yaml);
        assert_eq!(
            keys,
            vec![
                ("bogus".to_string(), 2, 1),
                ("lease-duraton".to_string(), 5, 5),
                ("hnode".to_string(), 7, 5),
                ("addres-range".to_string(), 9, 6),
            ]
        );
        let pools = top.pools.expect("pools");
        let p = &pools["p"];
        assert_eq!(p.referenced.line(), 5, "spans still work through the check");
        assert_eq!(p.value.address_range.as_deref(), Some("10.0.0.0/24"));
        assert!(top.free.is_some());
        assert_eq!(top.list.map(|l| l.len()), Some(1));
    }

    #[test]
    fn x_keys_are_allowed_only_at_the_top() {
        let (_, keys) = check("pools:\n  p:\n    x-note: 1\n");
        assert_eq!(keys, vec![("x-note".to_string(), 3, 5)]);
    }

    #[test]
    fn keys_merged_from_an_anchor_are_checked() {
        let (top, keys) =
            check("x-base: &b\n  lease-duration: 1d\n  typo: 1\npools:\n  p:\n    <<: *b\n");
        assert_eq!(keys.len(), 1, "{keys:?}");
        assert_eq!(keys[0].0, "typo");
        let pools = top.pools.expect("pools");
        let lease = pools["p"].value.lease_duration.as_ref().expect("merged");
        assert_eq!(lease.value, "1d");
    }
}
