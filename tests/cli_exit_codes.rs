//! Exit codes a CI job can trust: a usage error is 1 (never 2, which reads as "drift found"),
//! `--help` and `--version` are 0, and a closed stdout pipe is no crash.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

const COMMANDS: [&[&str]; 10] = [
    &["validate"],
    &["plan"],
    &["apply"],
    &["drift"],
    &["import"],
    &["leases"],
    &["leases", "clear"],
    &["sim", "serve"],
    &["schema"],
    &["completions"],
];

fn code(args: &[&str]) -> (i32, String) {
    let out = common::dhcpform().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn a_mistyped_flag_exits_1_on_every_command() {
    for cmd in COMMANDS {
        let args = [cmd, &["--no-such-flag"]].concat();
        let (c, stderr) = code(&args);
        assert_eq!(c, 1, "{args:?}: {stderr}");
        assert!(stderr.contains("--no-such-flag"), "{args:?}: {stderr}");
    }
    assert_eq!(code(&["no-such-command"]).0, 1);
    assert_eq!(code(&[]).0, 1, "a missing command is a usage error");
    assert_eq!(
        code(&["schema", "nope"]).0,
        1,
        "a bad value is a usage error"
    );
}

#[test]
fn help_and_version_exit_0_on_every_command() {
    for cmd in COMMANDS {
        let args = [cmd, &["--help"]].concat();
        assert_eq!(code(&args).0, 0, "{args:?}");
    }
    assert_eq!(code(&["--version"]).0, 0);
    assert_eq!(code(&["help", "plan"]).0, 0);
}

#[test]
fn a_closed_stdout_pipe_is_not_a_crash() {
    for args in [&["completions", "bash"][..], &["schema", "plan"]] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dhcpform"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the program writes: its writes fail with EPIPE.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn every_flag_and_argument_has_a_description() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for a in cmd.get_arguments() {
            let builtin = matches!(a.get_id().as_str(), "help" | "version");
            if !builtin && a.get_help().is_none() && a.get_long_help().is_none() {
                missing.push(format!("{path} {}", a.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), missing);
        }
    }
    let mut missing = vec![];
    walk(
        &<dhcpform::cli::Cli as clap::CommandFactory>::command(),
        "dhcpform",
        &mut missing,
    );
    assert!(missing.is_empty(), "without a description: {missing:?}");
}

#[test]
fn fleet_options_belong_to_the_fleet_commands_only() {
    for cmd in [&["plan"][..], &["apply"], &["drift"], &["leases"]] {
        let args = [cmd, &["--help"]].concat();
        let out = common::dhcpform().args(&args).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            help.contains("--parallelism") && help.contains("--shard"),
            "{args:?}"
        );
    }
    for cmd in [
        &["validate"][..],
        &["import"],
        &["schema"],
        &["leases", "clear"],
    ] {
        let args = [cmd, &["--help"]].concat();
        let out = common::dhcpform().args(&args).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            !help.contains("--parallelism") && !help.contains("--shard"),
            "{args:?}"
        );
    }
}
