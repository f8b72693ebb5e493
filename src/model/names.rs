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
