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

/// A self-signed certificate with the CA flag (what `openssl req -x509` makes, and what a
/// router's self-signed trustpoint may be) naming only `router.example`, as PEM files; its
/// SHA-256.
fn self_signed_ca(dir: &std::path::Path) -> (TlsFiles, [u8; 32]) {
    use sha2::Digest;
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["router.example".to_string()]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let cert = params.self_signed(&key).unwrap();
    std::fs::write(dir.join("router.pem"), cert.pem()).unwrap();
    std::fs::write(dir.join("router.key"), key.serialize_pem()).unwrap();
    let sha: [u8; 32] = sha2::Sha256::digest(cert.der()).into();
    let files = TlsFiles {
        cert: dir.join("router.pem"),
        key: dir.join("router.key"),
    };
    (files, sha)
}

#[test]
fn a_self_signed_ca_flagged_router_certificate_is_accepted_by_its_pin_only() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let (files, sha) = self_signed_ca(dir.path());
    let sim = TestSim::start(SimOptions {
        fleet: Some(2),
        tls: Some(files),
        ..SimOptions::default()
    });
    let hex_pin = hex::encode(sha);
    let colons: Vec<String> = sha.iter().map(|b| format!("{b:02X}")).collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(sha);
    for pin in [hex_pin.clone(), colons.join(":"), b64] {
        let repo = repo(&sim.url("r1"), &format!("{{ pin-sha256: \"{pin}\" }}"));
        let r = run(&["plan", "--detailed-exitcode"], repo.path());
        assert_eq!(r.code, 2, "pin {pin}: {}{}", r.stdout, r.stderr);
    }
    // another certificate's pin: refused, nothing reaches the device
    sim.clear_journal();
    let other = hex_pin.replacen(
        &hex_pin[..2],
        if &hex_pin[..2] == "00" { "11" } else { "00" },
        1,
    );
    let r = run(
        &["plan"],
        repo(&sim.url("r1"), &format!("{{ pin-sha256: {other} }}")).path(),
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("not the pinned one"), "{}", r.stdout);
    assert!(sim.journal("r1").is_empty());
    // the same certificate as a CA file: refused, and the message says to pin it
    let repo = repo(&sim.url("r1"), "{ ca-file: router.pem }");
    std::fs::copy(dir.path().join("router.pem"), repo.file("router.pem")).unwrap();
    let r = run(&["plan"], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("tls.pin-sha256"), "{}", r.stdout);
}

#[test]
fn a_malformed_pin_is_a_validation_error() {
    let repo = repo("https://127.0.0.1:9", "{ pin-sha256: abc }");
    let r = run(&["validate"], repo.path());
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("tls.pin-sha256"), "{}", r.stderr);
}
