//! The code layout rules of DESIGN.md section 9, checked on the sources: no import cycle
//! between the top-level modules of `src/` or between the files of one folder (every
//! `crate::` and `super::` reference counts), no file over 700 lines and no function over 100
//! (tests aside), `plan/` pure (no HTTP, no async, no device client) and `commands/`
//! synchronous.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

struct Source {
    /// Module path, e.g. ["platform", "ios_xe_rest", "client"].
    module: Vec<String>,
    /// The text before its `#[cfg(test)]` part.
    code: String,
    path: PathBuf,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let code = match text.find("#[cfg(test)]") {
                    Some(i) => text[..i].to_string(),
                    None => text,
                };
                let rel = path.strip_prefix(&root).unwrap().with_extension("");
                let mut module: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    module.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    module.pop();
                }
                out.push(Source { module, code, path });
            }
        }
    }
    out
}

/// Every module a file refers to with `crate::` or `super::` (use groups expanded one level),
/// resolved to the longest module path that exists.
fn references(s: &Source, modules: &BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    let re = Regex::new(r"\b(crate|super)((?:::\w+)*)(?:::\{([^}]*)\})?").unwrap();
    let mut out = BTreeSet::new();
    for m in re.captures_iter(&s.code) {
        let mut path: Vec<String> = m[2]
            .split("::")
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect();
        let mut base: Vec<String> = Vec::new();
        if &m[1] == "super" {
            base = s.module.clone();
            base.pop();
            while path.first().is_some_and(|p| p == "super") {
                base.pop();
                path.remove(0);
            }
        }
        let tails: Vec<Vec<String>> = match m.get(3) {
            None => vec![vec![]],
            Some(g) => g
                .as_str()
                .split(',')
                .map(|t| {
                    t.trim()
                        .split("::")
                        .filter(|p| !p.is_empty() && *p != "self")
                        .map(String::from)
                        .collect()
                })
                .collect(),
        };
        for tail in tails {
            let full: Vec<String> = base.iter().chain(&path).chain(&tail).cloned().collect();
            let found = (1..=full.len())
                .rev()
                .map(|n| full[..n].to_vec())
                .find(|p| modules.contains(p));
            if let Some(r) = found.filter(|r| *r != s.module) {
                out.insert(r);
            }
        }
    }
    out
}

/// The cycles of a graph (its strongly connected components of more than one node).
fn cycles(graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<Vec<String>> {
    let nodes: Vec<&Vec<String>> = graph.keys().collect();
    let reach = |from: &Vec<String>| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(n) = todo.pop() {
            for m in graph.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let mut out = Vec::new();
    for a in &nodes {
        let from_a = reach(a);
        for b in graph.get(*a).into_iter().flatten() {
            if reach(b).contains(*a) && from_a.contains(b) {
                out.push(vec![a.join("::"), b.join("::")]);
            }
        }
    }
    out
}

fn graph(
    level: impl Fn(&Vec<String>, &Vec<String>) -> Option<(Vec<String>, Vec<String>)>,
) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let srcs = sources();
    let modules: BTreeSet<Vec<String>> = srcs.iter().map(|s| s.module.clone()).collect();
    let mut g: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for s in &srcs {
        for r in references(s, &modules) {
            if let Some((a, b)) = level(&s.module, &r) {
                g.entry(a).or_default().insert(b);
            }
        }
    }
    g
}

#[test]
fn no_cycle_between_top_level_modules() {
    let g = graph(|a, b| {
        let (a, b) = (a.first()?, b.first()?);
        (a != b).then(|| (vec![a.clone()], vec![b.clone()]))
    });
    assert!(g.len() > 5, "the graph was read: {g:?}");
    assert_eq!(cycles(&g), Vec::<Vec<String>>::new());
}

#[test]
fn no_cycle_between_files_of_one_folder() {
    let g = graph(|a, b| {
        let same_folder = a.len() == b.len() && a[..a.len() - 1] == b[..b.len() - 1];
        same_folder.then(|| (a.clone(), b.clone()))
    });
    assert_eq!(cycles(&g), Vec::<Vec<String>>::new());
}

#[test]
fn files_under_700_lines_and_functions_under_100() {
    let fn_start = Regex::new(r"^(\s*)(pub(\([^)]*\))? )?(async )?(const )?fn (\w+)").unwrap();
    let mut problems = Vec::new();
    for s in sources() {
        let lines: Vec<&str> = s.code.lines().collect();
        if lines.len() > 700 {
            problems.push(format!("{}: {} lines", s.path.display(), lines.len()));
        }
        let mut i = 0;
        while i < lines.len() {
            if let Some(m) = fn_start.captures(lines[i])
                && !lines[i].trim_end().ends_with(';')
            {
                let close = format!("{}}}", &m[1]);
                let end = (i + 1..lines.len())
                    .find(|j| lines[*j].starts_with(&close))
                    .unwrap_or(lines.len() - 1);
                if end - i + 1 > 100 {
                    problems.push(format!(
                        "{}: fn {} is {} lines",
                        s.path.display(),
                        &m[6],
                        end - i + 1
                    ));
                }
                i = end;
            }
            i += 1;
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn plan_is_pure_and_commands_are_synchronous() {
    for s in sources() {
        let top = s.module.first().map(String::as_str);
        if top == Some("plan") {
            for word in [
                "reqwest",
                ".await",
                "async ",
                "crate::platform",
                "crate::engine",
            ] {
                assert!(!s.code.contains(word), "{} uses {word}", s.path.display());
            }
        }
        if top == Some("commands") {
            for word in [".await", "async fn", "async move", "async {"] {
                assert!(!s.code.contains(word), "{} uses {word}", s.path.display());
            }
        }
    }
}

#[test]
fn one_folder_per_device_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/platform");
    for api in ["ios_xe_rest", "f5_xc"] {
        assert!(root.join(api).join("mod.rs").is_file(), "platform/{api}/");
    }
}
