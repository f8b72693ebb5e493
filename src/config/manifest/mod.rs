//! YAML input types that keep spans, and their lowering into the canonical model.
//!
//! Values whose parsing can fail are kept as spanned raw YAML values, so lowering can report
//! every bad value of a file at once; unknown keys are collected by `keys` (all of them, next
//! to the value errors). Only YAML syntax errors, duplicate keys and values of the wrong shape
//! for a section stop a file early (serde stops at its first error).

pub mod diag;
pub mod f5_xc;
pub mod ios_xe;
pub mod ios_xe_in;
pub mod keys;
pub mod lower;
pub mod options;
pub mod profile;
pub mod write;

pub use diag::{Diag, Diags, Severity, SourceFile};

use serde::Deserialize;
use serde::de::{Deserializer, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

/// A spanned raw YAML value.
pub type Sp<T> = Spanned<T>;
/// A spanned raw scalar (or small map) whose meaning lowering decides.
pub type Raw = Spanned<Value>;

/// A list that may also be written as a single item (`dns-servers: 10.0.0.53`). Items keep
/// their own spans when written as a sequence.
#[derive(Debug, Clone, Default)]
pub struct List(pub Vec<Raw>);

impl<'de> Deserialize<'de> for List {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = List;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a list, or a single item")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<List, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<Raw>()? {
                    out.push(item);
                }
                Ok(List(out))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<List, E> {
                Ok(List(vec![single(Value::String(v.to_string()))]))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<List, E> {
                Ok(List(vec![single(Value::String(v))]))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<List, E> {
                Ok(List(vec![single(Value::from(v))]))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<List, E> {
                Ok(List(vec![single(Value::from(v))]))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<List, E> {
                Ok(List(vec![single(Value::from(v))]))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<List, E> {
                Ok(List(vec![single(Value::from(v))]))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<List, E> {
                Ok(List(vec![]))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<List, E> {
                Ok(List(vec![]))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<List, A::Error> {
                let v = Value::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(List(vec![single(v)]))
            }
        }
        d.deserialize_any(V)
    }
}

/// A single item written in place of a list: it takes the list's span during lowering.
fn single(v: Value) -> Raw {
    Spanned::new(
        v,
        serde_saphyr::Location::UNKNOWN,
        serde_saphyr::Location::UNKNOWN,
    )
}

/// Describes a raw value's YAML type for messages.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}
