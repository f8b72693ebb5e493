//! HTTPS to the emulator (`sim serve --tls-cert/--tls-key`) with throw-away certificates made
//! here: `tls.ca-file` trusts a private CA; an unknown CA or a host name the certificate does
//! not hold fails naming the device; `insecure-skip-verify` connects and is warned about on
//! every run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{Repo, TestSim, run};
use dhcpform::sim::{SimOptions, TlsFiles};

/// A CA and a server certificate it signed for `names`, written as PEM files in `dir`.
fn certificates(dir: &std::path::Path, names: &[&str]) -> TlsFiles {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let cert = rcgen::CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("server.key"), key.serialize_pem()).unwrap();
    TlsFiles {
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    }
}

fn https_sim(names: &[&str]) -> (TestSim, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let tls = certificates(dir.path(), names);
    let sim = TestSim::start(SimOptions {
        fleet: Some(2),
        tls: Some(tls),
        ..SimOptions::default()
    });
    (sim, dir)
}

fn repo(url: &str, tls: &str) -> Repo {
    let repo = Repo::new(&format!(
        "settings:\n  retries: 0\ndevices:\n  r1:\n    platform: ios-xe\n    url: {url}\n    \
         auth: {{ username-env: DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n    \
         tls: {tls}\n"
    ));
    repo.desired(
        "r1",
        "pools:\n  a:\n    dynamic: { address-range: 10.1.0.0/24 }\n",
    );
    repo
}

#[test]
fn a_private_ca_is_trusted_through_ca_file() {
    let (sim, dir) = https_sim(&["localhost", "127.0.0.1"]);
    assert!(sim.url("r1").starts_with("https://127.0.0.1:"));
    let repo = repo(&sim.url("r1"), "{ ca-file: ca.pem }");
    std::fs::copy(dir.path().join("ca.pem"), repo.file("ca.pem")).unwrap();
    let r = run(&["apply", "--yes"], repo.path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("converged"), "{}", r.stdout);
    // the Location the emulator answers is https too
    assert_eq!(sim.writes("r1"), ["POST /api/v1/dhcp/pool 201"]);
}

#[test]
fn an_unknown_ca_fails_naming_the_device() {
    let (sim, _dir) = https_sim(&["localhost", "127.0.0.1"]);
    let r = run(&["plan"], repo(&sim.url("r1"), "{}").path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("r1: failed"), "{}", r.stdout);
    assert!(
        r.stdout.contains("certificate is not trusted"),
        "{}",
        r.stderr
    );
    assert!(sim.journal("r1").is_empty(), "nothing reached the device");
}

#[test]
fn a_host_name_the_certificate_does_not_hold_fails() {
    let (sim, dir) = https_sim(&["localhost"]);
    let repo = repo(&sim.url("r1"), "{ ca-file: ca.pem }");
    std::fs::copy(dir.path().join("ca.pem"), repo.file("ca.pem")).unwrap();
    let r = run(&["plan"], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("r1: failed"), "{}", r.stdout);
    assert!(
        r.stdout.contains("certificate is not trusted"),
        "{}",
        r.stderr
    );
}

#[test]
fn insecure_skip_verify_connects_and_warns_every_run() {
    let (sim, _dir) = https_sim(&["localhost"]);
    let repo = repo(&sim.url("r1"), "{ insecure-skip-verify: true }");
    for _ in 0..2 {
        let r = run(&["plan"], repo.path());
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        assert!(
            r.stderr
                .contains("warning: device r1: TLS certificate verification is off"),
            "{}",
            r.stderr
        );
    }
}
