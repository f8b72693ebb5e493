//! Which devices a run works on: `--device`/`--exclude` globs on names or, written
//! `tag:GLOB`, on tags, and even shards (the devices in name order dealt round-robin: shard
//! sizes differ by at most one).

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
    #[error("no device matches {patterns}{}", hint(.nearest, .excluded))]
    NoMatch {
        patterns: String,
        /// The device name nearest to a pattern, when one is close.
        nearest: Option<String>,
        /// Devices the patterns match that `--exclude` removed.
        excluded: Vec<String>,
    },
}

fn hint(nearest: &Option<String>, excluded: &[String]) -> String {
    if !excluded.is_empty() {
        return format!(
            ": it matches {}, which --exclude removed",
            excluded.join(", ")
        );
    }
    nearest
        .as_ref()
        .map(|n| format!(": did you mean `{n}`?"))
        .unwrap_or_default()
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
/// order. A shard is taken of the devices in name order, dealt round-robin, before
/// `--device`/`--exclude` (so a device's shard does not depend on the selection).
pub fn select(devices: &[(&str, &[String])], sel: &Selection) -> Result<Vec<usize>, SelectError> {
    let include = Patterns::new(&sel.devices)?;
    let exclude = Patterns::new(&sel.excludes)?;
    let mut order: Vec<usize> = (0..devices.len()).collect();
    order.sort_by(|a, b| devices[*a].0.cmp(devices[*b].0));
    let in_shard = |k: usize| {
        sel.shard
            .is_none_or(|(i, n)| (k as u64 % u64::from(n.max(1))) as u32 + 1 == i)
    };
    let matched: Vec<usize> = order
        .iter()
        .enumerate()
        .filter(|(k, _)| in_shard(*k))
        .map(|(_, i)| *i)
        .filter(|i| {
            let (name, tags) = devices[*i];
            include.as_ref().is_none_or(|p| p.matches(name, tags))
        })
        .collect();
    let (out, excluded): (Vec<usize>, Vec<usize>) = matched.into_iter().partition(|i| {
        let (name, tags) = devices[*i];
        exclude.as_ref().is_none_or(|p| !p.matches(name, tags))
    });
    if out.is_empty() && !sel.devices.is_empty() {
        let names = devices.iter().map(|(n, _)| *n);
        let nearest = sel
            .devices
            .iter()
            .find_map(|p| crate::model::names::nearest(p, names.clone()).map(str::to_string));
        return Err(SelectError::NoMatch {
            patterns: sel.devices.join(", "),
            nearest,
            excluded: excluded.iter().map(|i| devices[*i].0.to_string()).collect(),
        });
    }
    Ok(out)
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
        let e = select(&untagged(&["r1"]), &sel).unwrap_err();
        assert_eq!(e.to_string(), "no device matches nothing-*");
        let typo = Selection {
            devices: vec!["branch-01".into()],
            ..Selection::default()
        };
        let e = select(&untagged(&["branch-1", "core"]), &typo).unwrap_err();
        assert!(e.to_string().ends_with("did you mean `branch-1`?"), "{e}");
        let excluded = Selection {
            devices: vec!["core".into()],
            excludes: vec!["c*".into()],
            ..Selection::default()
        };
        let e = select(&untagged(&["branch-1", "core"]), &excluded).unwrap_err();
        assert!(
            e.to_string()
                .contains("it matches core, which --exclude removed"),
            "{e}"
        );
    }

    #[test]
    fn shards_are_even() {
        for (devices, shards) in [(2usize, 2u32), (5, 2), (10, 3), (7, 7), (3, 4)] {
            let names: Vec<String> = (0..devices).map(|i| format!("d{i}")).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let refs = untagged(&refs);
            let sizes: Vec<usize> = (1..=shards)
                .map(|i| {
                    let sel = Selection {
                        shard: Some((i, shards)),
                        ..Selection::default()
                    };
                    select(&refs, &sel).unwrap().len()
                })
                .collect();
            let (min, max) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(max - min <= 1, "{devices} on {shards}: {sizes:?}");
            assert_eq!(sizes.iter().sum::<usize>(), devices);
        }
    }
}
