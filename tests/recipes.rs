//! The CI recipes in examples/ci cannot drift from the code: every `dhcpform ...` command
//! line in them parses under the current CLI. (`.ci/run` also validates them against
//! GitHub's and GitLab's published schemas with check-jsonschema.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clap::Parser;
use dhcpform::cli::Cli;
use std::path::Path;

const RECIPES: &[&str] = &[
    "examples/ci/github/plan.yml",
    "examples/ci/github/apply.yml",
    "examples/ci/github/drift.yml",
    "examples/ci/github/plan-sharded.yml",
    "examples/ci/gitlab/.gitlab-ci.yml",
    "examples/ci/gitlab/sharded.gitlab-ci.yml",
];

/// Shell words of a command, quotes removed, CI expressions (`${{ x }}`, `$VAR`) replaced by
/// `1`.
fn words(cmd: &str) -> Vec<String> {
    let mut s = cmd.to_string();
    while let Some(i) = s.find("${{") {
        let end = s[i..].find("}}").map_or(s.len(), |e| i + e + 2);
        s.replace_range(i..end, "1");
    }
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$'
            && chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphabetic() || *n == '{')
        {
            while chars
                .peek()
                .is_some_and(|n| n.is_ascii_alphanumeric() || "_{}".contains(*n))
            {
                chars.next();
            }
            out.push('1');
        } else {
            out.push(c);
        }
    }
    out.replace(['"', '\''], "")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// Every `dhcpform SUBCOMMAND ...` command line of a recipe, up to a redirection, a pipe, a
/// list operator, a comment or a closing parenthesis.
fn commands(text: &str) -> Vec<String> {
    let joined = text.replace("\\\n", " ");
    let mut out = Vec::new();
    for line in joined.lines() {
        let bare = line.trim_start().trim_start_matches("- ");
        // comments and step names are prose
        if bare.starts_with('#') || bare.starts_with("name:") {
            continue;
        }
        let mut rest = line;
        while let Some(i) = rest.find("dhcpform ") {
            let before = rest[..i].chars().last();
            let after = &rest[i + "dhcpform ".len()..];
            let starts_command = before.is_none_or(|c| " \t(;|&".contains(c));
            let sub = after.split_whitespace().next().unwrap_or("");
            if starts_command && !sub.is_empty() && sub.chars().all(|c| c.is_ascii_lowercase()) {
                let end = [" >", " |", " &&", ";", ")", " #", " 2>"]
                    .iter()
                    .filter_map(|stop| after.find(stop))
                    .min()
                    .unwrap_or(after.len());
                let cmd: Vec<&str> = after[..end].split_whitespace().collect();
                out.push(format!("dhcpform {}", cmd.join(" ")));
            }
            rest = after;
        }
    }
    out
}

fn parses(cmd: &str) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(words(cmd))
}

#[test]
fn every_command_in_the_recipes_parses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut used = std::collections::BTreeSet::new();
    for recipe in RECIPES {
        let text = std::fs::read_to_string(root.join(recipe)).unwrap();
        let cmds = commands(&text);
        assert!(cmds.len() >= 2, "{recipe}: only {cmds:?}");
        for cmd in cmds {
            if let Err(e) = parses(&cmd) {
                panic!("{recipe}: `{cmd}` does not parse:\n{e}");
            }
            used.insert(words(&cmd)[1].clone());
        }
    }
    let all: Vec<&str> = used.iter().map(String::as_str).collect();
    assert_eq!(all, ["apply", "drift", "plan", "show", "validate"]);
}

#[test]
fn the_extraction_sees_what_a_shell_would_run() {
    let text = "run: |\n  code=0; dhcpform plan --out plan.json --detailed-exitcode || code=$?\n  \
                dhcpform show plan-*.json --format markdown > plan.md\n  \
                dhcpform apply --plan \"plan-${{ matrix.shard }}.json\" \\\n    --yes\n  \
                name: dhcpform-plan\n  echo '<!-- dhcpform:plan -->'\n";
    let cmds = commands(text);
    assert_eq!(
        cmds,
        [
            "dhcpform plan --out plan.json --detailed-exitcode",
            "dhcpform show plan-*.json --format markdown",
            "dhcpform apply --plan \"plan-${{ matrix.shard }}.json\" --yes",
        ]
    );
    assert_eq!(words(&cmds[2])[3], "plan-1.json");
    for cmd in &cmds {
        assert!(parses(cmd).is_ok(), "{cmd}");
    }
    // a recipe that drifted from the CLI is caught
    assert!(parses("dhcpform plan --output plan.json").is_err());
    assert!(parses("dhcpform show --format html plan.json").is_err());
}

/// The shell a recipe runs: GitLab `before_script`/`script` lists and GitHub steps' `run`,
/// with CI expressions (`${{ x }}`) replaced by `1`.
fn shell_blocks(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("run", serde_json::Value::String(s)) => out.push(s.clone()),
                    ("script" | "before_script" | "after_script", serde_json::Value::Array(a)) => {
                        let lines: Vec<&str> = a.iter().filter_map(|l| l.as_str()).collect();
                        out.push(lines.join("\n"));
                    }
                    _ => shell_blocks(x, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| shell_blocks(x, out)),
        _ => {}
    }
}

#[test]
fn every_shell_block_of_the_recipes_is_valid_bash() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for recipe in RECIPES {
        let text = std::fs::read_to_string(root.join(recipe)).unwrap();
        let v: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
        let mut blocks = Vec::new();
        shell_blocks(&v, &mut blocks);
        assert!(!blocks.is_empty(), "{recipe}: no shell found");
        for b in blocks {
            let mut s = b.clone();
            while let Some(i) = s.find("${{") {
                let end = s[i..].find("}}").map_or(s.len(), |e| i + e + 2);
                s.replace_range(i..end, "1");
            }
            let out = std::process::Command::new("bash")
                .args(["-n", "-c", &s])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{recipe}: not valid bash:\n{s}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} blocks");
}
