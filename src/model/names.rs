//! Names: whether a name survives a URL path, and the "did you mean" of a misspelt one.

/// Whether a pool name can be put into a URL path and read back as itself: `.` and `..`
/// would be resolved away, `/` and control characters do not survive.
pub fn addressable(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.chars().any(|c| c == '/' || c.is_control())
}

/// The candidate closest to `word` (Jaro-Winkler above 0.75), for a "did you mean" hint.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.75)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Whether a name is what F5 XC accepts for object names, namespaces and sites: a DNS label
/// (1-63 lower-case letters, digits and `-`, neither first nor last a `-`).
pub fn dns_label(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        for ok in ["eth1", "edge-a-eth1", "system", "a"] {
            assert!(dns_label(ok), "{ok}");
        }
        for bad in [
            "",
            "..",
            ".",
            "Eth1",
            "a/b",
            "-a",
            "a-",
            "a b",
            &"x".repeat(64),
        ] {
            assert!(!dns_label(bad), "{bad}");
        }
    }
}
