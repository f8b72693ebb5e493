//! The command reference (docs/reference.md) and the man pages (man/), generated from the clap
//! definitions so they cannot drift from the code: `tests/docs.rs` fails when a committed copy
//! is stale and rewrites them with `DHCPFORM_UPDATE_DOCS=1`.

use super::Cli;
use super::exit::EXIT_CODES;
use clap::{Arg, ArgAction, Command, CommandFactory};
use std::fmt::Write;

/// Environment variables dhcpform reads besides the credentials the inventory names.
const ENVIRONMENT: &[(&str, &str)] = &[
    ("NO_COLOR", "no colour in `--color auto` mode"),
    (
        "GITHUB_ACTIONS",
        "`true`: text plans group each device in `::group::`/`::endgroup::`",
    ),
    (
        "CI_NODE_INDEX, CI_NODE_TOTAL",
        "read by `--shard auto` (GitLab `parallel:`)",
    ),
    (
        "DHCPFORM_PROGRESS_SECS",
        "without a terminal, seconds between progress lines on stderr (default 5)",
    ),
    (
        "DHCPFORM_SIM_PASSWORD, DHCPFORM_SIM_API_TOKEN",
        "credentials the emulator (`sim serve`) accepts",
    ),
];

/// The built command tree.
fn root() -> Command {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    cmd
}

/// Every visible command, depth first, with its full name (`dhcpform leases clear`).
fn walk(cmd: &Command, prefix: &str, out: &mut Vec<(String, Command)>) {
    let name = if prefix.is_empty() {
        cmd.get_name().to_string()
    } else {
        format!("{prefix} {}", cmd.get_name())
    };
    out.push((name.clone(), cmd.clone()));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        walk(sub, &name, out);
    }
}

/// The name an argument's value is shown by (`GLOB`, `DIR`...).
fn value_name(a: &Arg) -> String {
    a.get_value_names()
        .and_then(|v| v.first())
        .map_or(a.get_id().as_str().to_uppercase(), |v| v.to_string())
}

fn arg_line(a: &Arg) -> String {
    let mut head = match (a.get_short(), a.get_long()) {
        (Some(s), Some(l)) => format!("`-{s}`, `--{l}`"),
        (None, Some(l)) => format!("`--{l}`"),
        (Some(s), None) => format!("`-{s}`"),
        (None, None) => format!("`{}`", value_name(a)),
    };
    let takes_value = !matches!(
        a.get_action(),
        ArgAction::SetTrue | ArgAction::SetFalse | ArgAction::Count | ArgAction::Help
    ) && a.get_long().is_some();
    if takes_value {
        head.push_str(&format!(" `{}`", value_name(a)));
    }
    let help = a
        .get_long_help()
        .or(a.get_help())
        .map(|h| h.to_string().replace('\n', " "))
        .unwrap_or_default();
    let mut line = format!("- {head}: {help}");
    if !line.ends_with('.') {
        line.push('.');
    }
    let values: Vec<String> = a
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| format!("`{}`", v.get_name()))
        .collect();
    if !values.is_empty() && takes_value {
        line.push_str(&format!(" One of {}.", values.join(", ")));
    }
    let defaults: Vec<String> = a
        .get_default_values()
        .iter()
        .map(|d| d.to_string_lossy().to_string())
        .collect();
    if !defaults.is_empty() && (takes_value || a.get_long().is_none()) {
        line.push_str(&format!(" Default: `{}`.", defaults.join(",")));
    }
    if a.is_required_set() {
        line.push_str(" Required.");
    }
    if matches!(a.get_action(), ArgAction::Append) && !help.contains("repeatable") {
        line.push_str(" Repeatable.");
    }
    if let Some(env) = a.get_env() {
        line.push_str(&format!(" Environment: `{}`.", env.to_string_lossy()));
    }
    line
}

/// docs/reference.md: every command, its arguments and flags, their defaults, the exit codes
/// and the environment.
pub fn reference() -> String {
    let mut cmds = Vec::new();
    walk(&root(), "", &mut cmds);
    let mut s = String::from(
        "# dhcpform command reference\n\n<!-- Generated from the clap definitions \
         (src/cli.rs) by src/docs.rs; `DHCPFORM_UPDATE_DOCS=1 cargo test --test docs` \
         rewrites it. -->\n\n",
    );
    s.push_str("## Contents\n\n");
    for (name, _) in &cmds {
        let _ = writeln!(s, "- [`{name}`](#{})", name.replace(' ', "-"));
    }
    s.push('\n');
    for (name, cmd) in &cmds {
        let _ = writeln!(s, "## {}\n", name.replace(' ', "-"));
        let _ = writeln!(s, "`{name}`\n");
        if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
            let _ = writeln!(s, "{about}\n");
        }
        let usage = cmd.clone().render_usage().to_string();
        let usage = usage.trim_start_matches("Usage: ");
        let _ = writeln!(s, "```text\n{usage}\n```\n");
        let top = !name.contains(' ');
        let args: Vec<&Arg> = cmd
            .get_arguments()
            .filter(|a| !a.is_hide_set() && a.get_id() != "version")
            .filter(|a| top || !a.is_global_set())
            .collect();
        if !args.is_empty() {
            for a in args {
                let _ = writeln!(s, "{}", arg_line(a));
            }
            if !top {
                s.push_str("- and the [global options](#dhcpform) `--color`, `-v`, `-q`.\n");
            }
            s.push('\n');
        }
        let subs: Vec<&Command> = cmd.get_subcommands().filter(|c| !c.is_hide_set()).collect();
        if !subs.is_empty() {
            s.push_str("Commands:\n\n");
            for c in subs {
                let about = c.get_about().map(|a| a.to_string()).unwrap_or_default();
                let _ = writeln!(
                    s,
                    "- [`{name} {}`](#{}-{}): {about}",
                    c.get_name(),
                    name.replace(' ', "-"),
                    c.get_name()
                );
            }
            s.push('\n');
        }
    }
    s.push_str("## Exit codes\n\n```text\n");
    s.push_str(EXIT_CODES);
    s.push_str("\n```\n\n## Environment\n\n");
    for (var, what) in ENVIRONMENT {
        let _ = writeln!(s, "- `{var}`: {what}");
    }
    s
}

/// The man pages (clap_mangen): `dhcpform.1` and one per subcommand (`dhcpform-plan.1`...).
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    fn add(cmd: &Command, out: &mut Vec<(String, Vec<u8>)>) {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            add(sub, out);
        }
        let man = clap_mangen::Man::new(cmd.clone());
        let mut page = Vec::new();
        if man.render(&mut page).is_ok() {
            out.push((man.get_filename(), page));
        }
    }
    let mut out = Vec::new();
    add(&root(), &mut out);
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
