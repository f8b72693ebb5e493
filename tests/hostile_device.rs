//! A hostile device: a test server on 127.0.0.1 that answers the token service properly and
//! then misbehaves on the reads, with a second listener on 127.0.0.2 as the target of its
//! redirects and foreign token links. For every misbehaviour, `plan` and `apply` exit 1 naming
//! the device, without a panic, within the request timeout, and nothing is written.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use common::Repo;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Seen {
    /// Requests other than token requests and reads: must stay empty.
    writes: Arc<Mutex<Vec<String>>>,
    /// Requests that reached the redirect target: must stay empty.
    elsewhere: Arc<Mutex<Vec<String>>>,
    other: String,
}

const SERVER_OK: &str = r#"{"kind": "object#dhcp-server", "enable": true}"#;
const POOLS_OK: &str = r#"{"kind": "collection#dhcp-server-pool", "items": []}"#;

fn text(status: u16, content_type: &str, body: impl Into<Body>) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(body.into())
        .unwrap()
}

fn json(body: &'static str) -> Response {
    text(200, "application/json", body)
}

/// The answer of scenario `sc` to `GET path` (server or pools).
fn misbehave(sc: &str, pools: bool, other: &str) -> Response {
    let ok = if pools { POOLS_OK } else { SERVER_OK };
    match (sc, pools) {
        ("truncated", _) => json(r#"{"kind": "object#dhcp-server", "enable": tr"#),
        ("html", _) => text(200, "text/html", "<html><body><h1>Login</h1></body></html>"),
        ("wrong-types", false) => {
            json(r#"{"kind": "object#dhcp-server", "enable": "maybe", "excluded-addresses": 7}"#)
        }
        ("wrong-types", true) => json(r#"{"items": [{"poolName": 5, "dynamic": []}]}"#),
        ("wrong-kind", false) => json(POOLS_OK),
        ("wrong-kind", true) => json(SERVER_OK),
        ("error-200", _) => json(r#"{"error-code": -1, "error-message": "internal error"}"#),
        ("missing-mandatory", false) => json(r#"{"kind": "object#dhcp-server"}"#),
        ("missing-mandatory", true) => json(r#"{"kind": "collection#dhcp-server-pool"}"#),
        ("duplicate-pools", true) => json(
            r#"{"items": [{"poolName": "staff", "dynamic": {"address-range": "10.0.0.0/24"}},
                {"poolName": "staff", "dynamic": {"address-range": "10.1.0.0/24"}}]}"#,
        ),
        ("huge", _) => {
            let head = futures::stream::once(async {
                Ok::<_, std::io::Error>(axum::body::Bytes::from_static(
                    br#"{"kind": "object#dhcp-server", "enable": true, "x": ""#,
                ))
            });
            let filler = futures::stream::iter(
                (0..50).map(|_| Ok(axum::body::Bytes::from(vec![b'a'; 1 << 20]))),
            );
            text(
                200,
                "application/json",
                Body::from_stream(head.chain(filler)),
            )
        }
        ("slow", _) => {
            let drip = futures::stream::unfold((), |()| async {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                Some((
                    Ok::<_, std::io::Error>(axum::body::Bytes::from_static(b" ")),
                    (),
                ))
            });
            text(200, "application/json", Body::from_stream(drip))
        }
        ("redirect", _) => Response::builder()
            .status(302)
            .header("location", format!("http://{other}/api/v1/dhcp"))
            .body(Body::empty())
            .unwrap(),
        _ => json(ok),
    }
}

use futures::StreamExt;

async fn device(State(seen): State<Seen>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let method = req.method().as_str().to_string();
    // /s/<scenario>/api/...
    let mut parts = path.splitn(4, '/').skip(2);
    let sc = parts.next().unwrap_or("").to_string();
    let rest = format!("/{}", parts.next().unwrap_or(""));
    let rest = rest.trim_end_matches('/');
    let token_link = if sc == "foreign-link" {
        format!("http://{}/api/v1/auth/token-services/t1", seen.other)
    } else {
        format!("/s/{sc}/api/v1/auth/token-services/t1")
    };
    match (method.as_str(), rest) {
        ("POST", "/api/v1/auth/token-services") if sc == "no-link" => text(
            200,
            "application/json",
            r#"{"kind": "object#auth-token", "token-id": "t1"}"#,
        ),
        ("POST", "/api/v1/auth/token-services") => text(
            200,
            "application/json",
            format!(r#"{{"kind": "object#auth-token", "token-id": "t1", "link": "{token_link}"}}"#),
        ),
        ("DELETE", "/api/v1/auth/token-services/t1") => {
            axum::http::StatusCode::NO_CONTENT.into_response()
        }
        ("GET", "/api/v1/dhcp") => misbehave(&sc, false, &seen.other),
        ("GET", "/api/v1/dhcp/pool") => misbehave(&sc, true, &seen.other),
        _ => {
            seen.writes.lock().unwrap().push(format!("{method} {path}"));
            axum::http::StatusCode::NO_CONTENT.into_response()
        }
    }
}

async fn elsewhere(State(seen): State<Seen>, req: Request) -> Response {
    seen.elsewhere
        .lock()
        .unwrap()
        .push(format!("{} {}", req.method(), req.uri()));
    json(SERVER_OK)
}

struct Hostile {
    rt: tokio::runtime::Runtime,
    addr: std::net::SocketAddr,
    seen: Seen,
}

fn start() -> Hostile {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (addr, seen) = rt.block_on(async {
        let other = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
        let seen = Seen {
            other: other.local_addr().unwrap().to_string(),
            ..Seen::default()
        };
        let app2 = axum::Router::new()
            .fallback(elsewhere)
            .with_state(seen.clone());
        tokio::spawn(async move { axum::serve(other, app2).await });
        let main = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = main.local_addr().unwrap();
        let app = axum::Router::new()
            .fallback(device)
            .with_state(seen.clone());
        tokio::spawn(async move { axum::serve(main, app).await });
        (addr, seen)
    });
    Hostile { rt, addr, seen }
}

const SCENARIOS: [&str; 10] = [
    "truncated",
    "html",
    "wrong-types",
    "wrong-kind",
    "error-200",
    "missing-mandatory",
    "duplicate-pools",
    "huge",
    "slow",
    "redirect",
];

fn repo(h: &Hostile, scenarios: &[&str]) -> Repo {
    let mut inv = String::from("settings:\n  timeout: 2s\n  retries: 0\ndevices:\n");
    for sc in scenarios {
        inv.push_str(&format!(
            "  h-{sc}:\n    platform: ios-xe\n    url: http://{}/s/{sc}\n    \
             auth: {{ username-env: DHCPFORM_TEST_USER, password-env: DHCPFORM_TEST_PASS }}\n",
            h.addr
        ));
    }
    let repo = Repo::new(&inv);
    for sc in scenarios {
        repo.desired(
            &format!("h-{sc}"),
            "server:\n  excluded-addresses: []\npools:\n  staff:\n    \
             dynamic: { address-range: 10.9.0.0/24 }\n",
        );
    }
    repo
}

#[test]
fn every_misbehaviour_fails_the_device_and_writes_nothing() {
    let h = start();
    for sc in SCENARIOS {
        let repo = repo(&h, &[sc]);
        for cmd in [&["plan"][..], &["apply", "--yes"]] {
            let r = common::run(cmd, repo.path());
            assert_eq!(r.code, 1, "{sc} {cmd:?}: {}{}", r.stdout, r.stderr);
            assert!(!r.stderr.contains("panicked"), "{sc}: {}", r.stderr);
            let named = format!("h-{sc}");
            assert!(
                r.stderr.contains(&named) || r.stdout.contains(&named),
                "{sc}: the device is named: {}{}",
                r.stdout,
                r.stderr
            );
        }
    }
    assert!(
        h.seen.writes.lock().unwrap().is_empty(),
        "{:?}",
        h.seen.writes
    );
    assert!(
        h.seen.elsewhere.lock().unwrap().is_empty(),
        "a redirect was followed: {:?}",
        h.seen.elsewhere
    );
    drop(h.rt);
}

#[test]
fn each_failure_says_what_was_wrong() {
    let h = start();
    // Both reads run at once: either may be the one reported.
    let expect: [(&str, &[&str]); 10] = [
        ("truncated", &["not JSON"]),
        ("html", &["not JSON"]),
        ("wrong-types", &["enable", "poolName"]),
        ("wrong-kind", &["kind is"]),
        ("error-200", &["error body: internal error"]),
        (
            "missing-mandatory",
            &["`enable` is missing", "no `items` list"],
        ),
        ("duplicate-pools", &["listed twice"]),
        ("huge", &["over 16 MiB"]),
        ("slow", &["no answer within 2s"]),
        ("redirect", &["redirecting to http://127.0.0.2"]),
    ];
    for (sc, words) in expect {
        let r = common::run(&["plan"], repo(&h, &[sc]).path());
        assert!(
            words.iter().any(|w| r.stdout.contains(w)),
            "{sc}: expected one of {words:?} in: {}",
            r.stdout
        );
    }
    drop(h.rt);
}

#[test]
fn a_token_link_to_another_origin_is_not_followed() {
    let h = start();
    let r = common::run(&["plan"], repo(&h, &["foreign-link"]).path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        h.seen.elsewhere.lock().unwrap().is_empty(),
        "the token went elsewhere: {:?}",
        h.seen.elsewhere
    );
    drop(h.rt);
}

#[test]
fn without_a_token_link_nothing_is_deleted() {
    // a DELETE of the token collection could end other sessions of the same account
    let h = start();
    let r = common::run(&["plan"], repo(&h, &["no-link"]).path());
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        h.seen.writes.lock().unwrap().is_empty(),
        "{:?}",
        h.seen.writes
    );
    drop(h.rt);
}
