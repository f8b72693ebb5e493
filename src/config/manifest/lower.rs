//! Lowering helpers: turn spanned raw values into model values, collecting every failure.

use super::{Diag, Diags, List, Raw, SourceFile, Sp, type_name};
use crate::model::{AddrRange, LeaseDuration, Mac, NodeType};
use ipnet::Ipv4Net;
use miette::SourceSpan;
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// Model paths (`pools/staff/network`) to the spans they came from.
pub type Spans = BTreeMap<String, SourceSpan>;

/// Smallest and largest prefix a dynamic pool can use.
pub const MIN_POOL_PREFIX: u8 = 8;
pub const MAX_POOL_PREFIX: u8 = 30;

pub struct Lowerer<'a> {
    pub file: &'a SourceFile,
    pub diags: &'a mut Diags,
    pub spans: Spans,
}

impl<'a> Lowerer<'a> {
    pub fn new(file: &'a SourceFile, diags: &'a mut Diags) -> Self {
        Lowerer {
            file,
            diags,
            spans: Spans::new(),
        }
    }

    /// Errors so far (of the whole run).
    pub fn errors(&self) -> usize {
        self.diags.errors()
    }

    pub fn span<T>(&self, v: &Sp<T>) -> SourceSpan {
        self.file.span_of(&v.referenced)
    }

    /// Span of `v`, or of `parent` when `v` has no place of its own (a single item written in
    /// place of a list).
    pub fn span_in<T, P>(&self, v: &Sp<T>, parent: &Sp<P>) -> SourceSpan {
        if v.referenced.line() == 0 {
            self.span(parent)
        } else {
            self.span(v)
        }
    }

    pub fn error(
        &mut self,
        span: SourceSpan,
        message: impl Into<String>,
        label: impl Into<String>,
    ) {
        self.diags.push(Diag::at(self.file, span, message, label));
    }

    pub fn error_help(
        &mut self,
        span: SourceSpan,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags
            .push(Diag::at(self.file, span, message, label).with_help(help));
    }

    pub fn warn_help(
        &mut self,
        span: SourceSpan,
        message: impl Into<String>,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.diags.push(
            Diag::at(self.file, span, message, label)
                .with_help(help)
                .warning(),
        );
    }

    pub fn note(&mut self, path: impl Into<String>, span: SourceSpan) {
        self.spans.insert(path.into(), span);
    }

    /// A scalar as text: strings as they are, numbers and booleans as YAML wrote them.
    pub fn text(&mut self, v: &Value, span: SourceSpan, what: &str) -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            other => {
                self.error(
                    span,
                    format!("expected {what} (a string), found {}", type_name(other)),
                    "wrong type",
                );
                None
            }
        }
    }

    pub fn bool(&mut self, v: &Raw) -> Option<bool> {
        match &v.value {
            Value::Bool(b) => Some(*b),
            other => {
                let span = self.span(v);
                self.error(
                    span,
                    format!("expected true or false, found {}", type_name(other)),
                    "not a boolean",
                );
                None
            }
        }
    }

    pub fn ipv4_at(&mut self, v: &Value, span: SourceSpan, what: &str) -> Option<Ipv4Addr> {
        let s = self.text(v, span, what)?;
        match s.trim().parse::<Ipv4Addr>() {
            Ok(ip) => Some(ip),
            Err(_) => {
                self.error(
                    span,
                    format!("expected {what} as an IPv4 address (x.x.x.x), found `{s}`"),
                    "not an IPv4 address",
                );
                None
            }
        }
    }

    pub fn ipv4(&mut self, v: &Raw, what: &str) -> Option<Ipv4Addr> {
        let span = self.span(v);
        self.ipv4_at(&v.value, span, what)
    }

    /// A pool network in CIDR form; host bits set is an error with the corrected network.
    pub fn network(&mut self, v: &Raw) -> Option<Ipv4Net> {
        let span = self.span(v);
        let s = self.text(&v.value, span, "a network")?;
        let net: Ipv4Net = match s.trim().parse() {
            Ok(n) => n,
            Err(_) => {
                self.error_help(
                    span,
                    format!("expected a network in CIDR form (x.x.x.x/nn), found `{s}`"),
                    "not a network",
                    "write the pool's subnet and prefix length, e.g. 10.10.0.0/24",
                );
                return None;
            }
        };
        let mut ok = true;
        if net.addr() != net.network() {
            self.error_help(
                span,
                format!("`{s}` has host bits set"),
                "host bits set",
                format!("did you mean `{}`?", net.trunc()),
            );
            ok = false;
        }
        if !(MIN_POOL_PREFIX..=MAX_POOL_PREFIX).contains(&net.prefix_len()) {
            self.error_help(
                span,
                format!(
                    "a pool's prefix length must be /{MIN_POOL_PREFIX} to /{MAX_POOL_PREFIX}, \
                        found /{}",
                    net.prefix_len()
                ),
                "unusable prefix length",
                "a /31 or /32 leaves no address to lease; use a manual binding for a single host",
            );
            ok = false;
        }
        ok.then(|| net.trunc())
    }

    pub fn mac(&mut self, v: &Raw) -> Option<Mac> {
        let span = self.span(v);
        let s = self.text(&v.value, span, "a MAC address")?;
        match s.parse::<Mac>() {
            Ok(m) => Some(m),
            Err(e) => {
                self.error(span, e.0, "not a MAC address");
                None
            }
        }
    }

    pub fn node_type(&mut self, v: &Raw) -> Option<NodeType> {
        let span = self.span(v);
        let s = self.text(&v.value, span, "a NetBIOS node type")?;
        match s.parse::<NodeType>() {
            Ok(n) => Some(n),
            Err(e) => {
                let kinds = ["b-node", "p-node", "m-node", "h-node"];
                match super::diag::nearest(&s.to_ascii_lowercase(), kinds) {
                    Some(n) => self.error_help(
                        span,
                        e.0,
                        "unknown node type",
                        format!("did you mean `{n}`?"),
                    ),
                    None => self.error(span, e.0, "unknown node type"),
                }
                None
            }
        }
    }

    /// `1d`, `2d4h30m`, `infinite`, or `{days, hours, minutes}` / `{infinite: true}`.
    pub fn lease(&mut self, v: &Raw) -> Option<LeaseDuration> {
        let span = self.span(v);
        match &v.value {
            Value::String(s) => match s.parse::<LeaseDuration>() {
                Ok(l) => Some(l),
                Err(e) => {
                    self.error(span, e.0, "bad lease duration");
                    None
                }
            },
            Value::Object(map) => {
                let mut parts = [0u64; 3];
                let mut infinite = false;
                for (k, val) in map {
                    let slot = match k.as_str() {
                        "days" => 0,
                        "hours" => 1,
                        "minutes" => 2,
                        "infinite" => {
                            match val.as_bool() {
                                Some(b) => infinite = b,
                                None => self.error(
                                    span,
                                    "`infinite` must be true or false",
                                    "bad lease duration",
                                ),
                            }
                            continue;
                        }
                        other => {
                            self.error_help(
                                span,
                                format!("unknown key `{other}` in lease-duration"),
                                "unknown key",
                                "a lease-duration mapping takes days, hours, minutes or infinite",
                            );
                            return None;
                        }
                    };
                    match val.as_u64() {
                        Some(n) => parts[slot] = n,
                        None => {
                            self.error(
                                span,
                                format!("`{k}` must be a whole number, found {}", type_name(val)),
                                "bad lease duration",
                            );
                            return None;
                        }
                    }
                }
                if infinite {
                    return Some(LeaseDuration::Infinite);
                }
                match LeaseDuration::from_parts(parts[0], parts[1], parts[2]) {
                    Ok(l) => Some(l),
                    Err(e) => {
                        self.error(span, e.0, "bad lease duration");
                        None
                    }
                }
            }
            other => {
                self.error_help(
                    span,
                    format!("expected a lease duration, found {}", type_name(other)),
                    "bad lease duration",
                    "write 1d, 8h, 2d4h30m, infinite, or {days: 1, hours: 0, minutes: 0}",
                );
                None
            }
        }
    }

    /// `10.0.0.1-10.0.0.20`, `10.0.0.1`, or `{low-ip-address, high-ip-address}`.
    pub fn range_at(&mut self, v: &Value, span: SourceSpan) -> Option<AddrRange> {
        match v {
            Value::String(s) => match s.parse::<AddrRange>() {
                Ok(r) => Some(r),
                Err(e) => {
                    self.error(span, e.0, "bad address range");
                    None
                }
            },
            Value::Object(map) => {
                let mut low = None;
                let mut high = None;
                for (k, val) in map {
                    match k.as_str() {
                        "low-ip-address" => low = self.ipv4_at(val, span, "low-ip-address"),
                        "high-ip-address" => high = self.ipv4_at(val, span, "high-ip-address"),
                        other => {
                            let hint = if other.starts_with("low") {
                                "did you mean `low-ip-address`?"
                            } else if other.starts_with("high") {
                                "did you mean `high-ip-address`?"
                            } else {
                                "an exclusion mapping takes low-ip-address and high-ip-address"
                            };
                            self.error_help(
                                span,
                                format!("unknown key `{other}` in an excluded address"),
                                "unknown key",
                                hint,
                            );
                            return None;
                        }
                    }
                }
                let low = match low {
                    Some(l) => l,
                    None => {
                        if !map.contains_key("low-ip-address") {
                            self.error(
                                span,
                                "an excluded address mapping needs `low-ip-address`",
                                "missing low-ip-address",
                            );
                        }
                        return None;
                    }
                };
                let high = high.unwrap_or(low);
                if low > high {
                    self.error(
                        span,
                        format!("range is reversed: {low} is above {high}"),
                        "low > high",
                    );
                    return None;
                }
                Some(AddrRange { low, high })
            }
            other => {
                self.error(
                    span,
                    format!("expected an address or a range, found {}", type_name(other)),
                    "bad address range",
                );
                None
            }
        }
    }

    /// A list of IPv4 addresses with an upper bound on its length.
    pub fn ipv4_list(
        &mut self,
        list: &Sp<List>,
        max: usize,
        what: &str,
        path: &str,
    ) -> Vec<Ipv4Addr> {
        let mut out = Vec::new();
        if list.value.0.len() > max {
            let span = self.span(list);
            self.error(
                span,
                format!(
                    "at most {max} {what} can be configured, found {}",
                    list.value.0.len()
                ),
                "too many",
            );
        }
        for (i, item) in list.value.0.iter().enumerate() {
            let span = self.span_in(item, list);
            self.note(format!("{path}/{i}"), span);
            if let Some(ip) = self.ipv4_at(&item.value, span, what) {
                if out.contains(&ip) {
                    self.error(span, format!("{ip} is listed twice"), "duplicate");
                } else {
                    out.push(ip);
                }
            }
        }
        out
    }

    /// A percentage written `90%` or `90`.
    pub fn percent(&mut self, v: &Raw) -> Option<u8> {
        let span = self.span(v);
        let n = match &v.value {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().trim_end_matches('%').trim().parse::<u64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if n <= 100 => Some(n as u8),
            _ => {
                self.error(
                    span,
                    format!(
                        "expected a percentage 0-100 such as 90%, found `{}`",
                        display(&v.value)
                    ),
                    "bad percentage",
                );
                None
            }
        }
    }
}

pub fn display(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
