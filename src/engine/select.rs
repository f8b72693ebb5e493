//! Which devices a run works on: `--device`/`--exclude` globs on names or, written
//! `tag:GLOB`, on tags, and stable shards.

/// The selection a command asks for.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Name globs a device must match (any of them); empty means every device.
    pub devices: Vec<String>,
    /// Name globs that leave a device out.
    pub excludes: Vec<String>,
    /// Shard I of N (1-based).
    pub shard: Option<(u32, u32)>,
}

#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
pub enum SelectError {
    #[error("bad device pattern `{pattern}`: {detail}")]
    BadPattern { pattern: String, detail: String },
    #[error("no device matches {0}")]
    NoMatch(String),
}

/// Name globs and tag globs of a pattern list; `None` when the list is empty.
struct Patterns {
    names: globset::GlobSet,
    tags: globset::GlobSet,
}

impl Patterns {
    fn new(pats: &[String]) -> Result<Option<Patterns>, SelectError> {
        if pats.is_empty() {
            return Ok(None);
        }
        let (tags, names): (Vec<String>, Vec<String>) =
            pats.iter().cloned().partition(|p| p.starts_with("tag:"));
        let tags: Vec<String> = tags
            .iter()
            .map(|t| t.trim_start_matches("tag:").to_string())
            .collect();
        Ok(Some(Patterns {
            names: globs(&names)?,
            tags: globs(&tags)?,
        }))
    }

    fn matches(&self, name: &str, tags: &[String]) -> bool {
        self.names.is_match(name) || tags.iter().any(|t| self.tags.is_match(t))
    }
}

fn globs(pats: &[String]) -> Result<globset::GlobSet, SelectError> {
    let mut b = globset::GlobSetBuilder::new();
    for p in pats {
        let glob = globset::Glob::new(p).map_err(|e| SelectError::BadPattern {
            pattern: p.clone(),
            detail: e.to_string(),
        })?;
        b.add(glob);
    }
    b.build().map_err(|e| SelectError::BadPattern {
        pattern: pats.join(", "),
        detail: e.to_string(),
    })
}

/// The positions (into `devices`, each a name and its tags) of the selected devices, in name
/// order.
pub fn select(devices: &[(&str, &[String])], sel: &Selection) -> Result<Vec<usize>, SelectError> {
    let include = Patterns::new(&sel.devices)?;
    let exclude = Patterns::new(&sel.excludes)?;
    let mut out: Vec<usize> = (0..devices.len())
        .filter(|i| {
            let (name, tags) = devices[*i];
            include.as_ref().is_none_or(|p| p.matches(name, tags))
                && exclude.as_ref().is_none_or(|p| !p.matches(name, tags))
                && sel.shard.is_none_or(|(i, n)| shard_of(name, n) == i)
        })
        .collect();
    out.sort_by(|a, b| devices[*a].0.cmp(devices[*b].0));
    if out.is_empty() && !sel.devices.is_empty() {
        return Err(SelectError::NoMatch(sel.devices.join(", ")));
    }
    Ok(out)
}

/// Stable shard (1-based) of a device name among `n`.
pub fn shard_of(name: &str, n: u32) -> u32 {
    use sha2::{Digest, Sha256};
    let h = Sha256::digest(name.as_bytes());
    let v = u64::from_be_bytes([h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]]);
    (v % u64::from(n.max(1))) as u32 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn untagged<'a>(names: &[&'a str]) -> Vec<(&'a str, &'static [String])> {
        names.iter().map(|n| (*n, &[][..])).collect()
    }

    #[test]
    fn tags_select_and_exclude_and_combine_with_names() {
        let emea = vec!["branch".to_string(), "emea".to_string()];
        let apac = vec!["branch".to_string(), "apac".to_string()];
        let lab = vec!["lab".to_string()];
        let devices: Vec<(&str, &[String])> =
            vec![("b1", &emea), ("b2", &apac), ("l1", &lab), ("core", &[])];
        let sel = |d: &[&str], e: &[&str]| Selection {
            devices: d.iter().map(|s| s.to_string()).collect(),
            excludes: e.iter().map(|s| s.to_string()).collect(),
            shard: None,
        };
        assert_eq!(
            select(&devices, &sel(&["tag:branch"], &[])).unwrap(),
            vec![0, 1]
        );
        assert_eq!(
            select(&devices, &sel(&["tag:branch"], &["tag:apac"])).unwrap(),
            vec![0]
        );
        assert_eq!(
            select(&devices, &sel(&["tag:lab", "core"], &[])).unwrap(),
            vec![3, 2]
        );
        assert_eq!(select(&devices, &sel(&[], &["tag:*"])).unwrap(), vec![3]);
        assert!(select(&devices, &sel(&["tag:nope"], &[])).is_err());
    }

    #[test]
    fn globs_and_excludes_combine_and_the_result_is_in_name_order() {
        let names = untagged(&["r2", "r1", "lab", "r10"]);
        let sel = Selection {
            devices: vec!["r*".into()],
            excludes: vec!["r10".into()],
            shard: None,
        };
        assert_eq!(select(&names, &sel).unwrap(), vec![1, 0]);
    }

    #[test]
    fn shards_partition_the_devices() {
        let names: Vec<String> = (0..50).map(|i| format!("d{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let refs = untagged(&refs);
        let mut all = vec![];
        for i in 1..=3 {
            let sel = Selection {
                shard: Some((i, 3)),
                ..Selection::default()
            };
            all.extend(select(&refs, &sel).unwrap());
        }
        all.sort();
        assert_eq!(all, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn a_pattern_matching_nothing_is_an_error() {
        let sel = Selection {
            devices: vec!["nothing-*".into()],
            ..Selection::default()
        };
        assert!(matches!(
            select(&untagged(&["r1"]), &sel),
            Err(SelectError::NoMatch(_))
        ));
    }
}
