//! Error answers, and injected faults: which one a request meets (by the configured rates)
//! and the answer it gets.

use super::options::{Fault, Faults};
use axum::body::Bytes;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The answer to a request the fault dice struck (nothing was processed).
pub(super) fn fault_response(fault: Fault, retry_after: u64) -> Response {
    match fault {
        Fault::Status(429) => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, 429, "too many requests");
            if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                r.headers_mut().insert("retry-after", v);
            }
            r
        }
        Fault::Status(503) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            503,
            "service temporarily unavailable",
        ),
        Fault::Status(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            500,
            "internal error (injected fault)",
        ),
        Fault::Timeout(_) => error(
            StatusCode::GATEWAY_TIMEOUT,
            504,
            "gateway timeout (injected fault: not processed)",
        ),
        Fault::Reset => lost_answer(),
    }
}

/// No answer: a body that fails at once, so the server cuts the connection before the
/// client has a whole answer (`reset-rate`, and `lose-answer` after carrying the write out).
pub(super) fn lost_answer() -> Response {
    let broken = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("injected reset"))
    });
    let mut r = Response::new(axum::body::Body::from_stream(broken));
    *r.status_mut() = StatusCode::OK;
    r.extensions_mut().insert(Cut);
    r
}

/// Marks an answer that is cut off (journaled with status 0: the client got none).
#[derive(Debug, Clone, Copy)]
pub(super) struct Cut;

/// Rolls the fault dice for one request.
pub(super) fn roll_fault(rng: &mut fastrand::Rng, f: &Faults) -> Option<Fault> {
    let mut roll = |rate: f64| rate > 0.0 && rng.f64() < rate;
    if roll(f.fault_rate) {
        return Some(Fault::Status(if rng.bool() { 429 } else { 503 }));
    }
    if roll(f.error_rate) {
        return Some(Fault::Status(500));
    }
    if roll(f.reset_rate) {
        return Some(Fault::Reset);
    }
    if roll(f.timeout_rate) {
        return Some(Fault::Timeout(f.timeout_ms));
    }
    None
}

/// An IOS XE style error answer.
pub(crate) fn error(status: StatusCode, code: u16, message: &str) -> Response {
    (
        status,
        axum::Json(json!({ "error-code": code, "error-message": message })),
    )
        .into_response()
}
