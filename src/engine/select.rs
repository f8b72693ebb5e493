//! Which devices a run works on: `--device`/`--exclude` globs and stable shards.

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

fn globs(pats: &[String]) -> Result<Option<globset::GlobSet>, SelectError> {
    if pats.is_empty() {
        return Ok(None);
    }
    let mut b = globset::GlobSetBuilder::new();
    for p in pats {
        let glob = globset::Glob::new(p).map_err(|e| SelectError::BadPattern {
            pattern: p.clone(),
            detail: e.to_string(),
        })?;
        b.add(glob);
    }
    b.build().map(Some).map_err(|e| SelectError::BadPattern {
        pattern: pats.join(", "),
        detail: e.to_string(),
    })
}

/// The positions (into `names`) of the selected devices, in name order.
pub fn select(names: &[&str], sel: &Selection) -> Result<Vec<usize>, SelectError> {
    let include = globs(&sel.devices)?;
    let exclude = globs(&sel.excludes)?;
    let mut out: Vec<usize> = (0..names.len())
        .filter(|i| {
            let name = names[*i];
            include.as_ref().is_none_or(|g| g.is_match(name))
                && exclude.as_ref().is_none_or(|g| !g.is_match(name))
                && sel.shard.is_none_or(|(i, n)| shard_of(name, n) == i)
        })
        .collect();
    out.sort_by(|a, b| names[*a].cmp(names[*b]));
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

    #[test]
    fn globs_and_excludes_combine_and_the_result_is_in_name_order() {
        let names = ["r2", "r1", "lab", "r10"];
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
            select(&["r1"], &sel),
            Err(SelectError::NoMatch(_))
        ));
    }
}
