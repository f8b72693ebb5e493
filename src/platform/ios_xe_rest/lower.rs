//! Steps into `/api/v1` calls: the global settings are one `PUT /api/v1/dhcp`, a pool update a
//! `PUT` of the whole pool, a create a `POST` to the collection, a delete a `DELETE`. Also the
//! check that a saved plan's call is one of these.

use super::wire;
use crate::model::names::addressable;
use crate::plan::steps::{Lowering, Step};
use crate::plan::{Method, Operation, Resource};
use crate::platform::path::segment;

pub const SERVER_PATH: &str = "/api/v1/dhcp";
pub const POOLS_PATH: &str = "/api/v1/dhcp/pool";

/// `/api/v1/dhcp/pool/{name}`, the name percent-encoded.
pub fn pool_path(name: &str) -> String {
    format!("{POOLS_PATH}/{}", segment(name))
}

/// The IOS XE REST API's lowering.
pub struct Rest;

impl Lowering for Rest {
    fn lower(&self, steps: &[Step]) -> Vec<Operation> {
        steps.iter().filter_map(lower_one).collect()
    }
}

fn lower_one(step: &Step) -> Option<Operation> {
    let op = |method, path: String, body, resource| Operation {
        method,
        path,
        body,
        resource,
        expect_server: None,
    };
    Some(match step {
        Step::Server { to, expect } => Operation {
            expect_server: serde_json::to_value(expect).ok(),
            ..op(
                Method::Put,
                SERVER_PATH.into(),
                Some(wire::server_body(to)),
                Resource::Server,
            )
        },
        Step::DeletePool(n) => op(Method::Delete, pool_path(n), None, Resource::pool(n)),
        Step::UpdatePool(n, p) => op(
            Method::Put,
            pool_path(n),
            Some(wire::pool_body(n, p)),
            Resource::pool(n),
        ),
        Step::CreatePool(n, p) => op(
            Method::Post,
            POOLS_PATH.into(),
            Some(wire::pool_body(n, p)),
            Resource::pool(n),
        ),
        Step::Interface { .. } => return None,
    })
}

/// Whether a saved call is one this backend makes: the DHCP API's writes.
pub fn allowed(op: &Operation) -> bool {
    let pool = op.resource.pool_name().filter(|n| addressable(n));
    match (op.method, &op.resource, pool) {
        (Method::Put, Resource::Server, _) => op.path == SERVER_PATH,
        (Method::Post, Resource::Pool(_), Some(_)) => op.path == POOLS_PATH,
        (Method::Put | Method::Delete, Resource::Pool(_), Some(n)) => op.path == pool_path(n),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(method: Method, path: &str, resource: Resource) -> Operation {
        Operation {
            method,
            path: path.into(),
            body: None,
            resource,
            expect_server: None,
        }
    }

    #[test]
    fn the_calls_dhcpform_makes_pass() {
        let ops = [
            op(Method::Put, "/api/v1/dhcp", Resource::Server),
            op(Method::Delete, "/api/v1/dhcp/pool/a", Resource::pool("a")),
            op(
                Method::Put,
                "/api/v1/dhcp/pool/b%20c",
                Resource::pool("b c"),
            ),
            op(Method::Post, "/api/v1/dhcp/pool", Resource::pool("d")),
        ];
        assert!(ops.iter().all(allowed));
    }

    #[test]
    fn calls_outside_the_api_are_refused() {
        for bad in [
            op(Method::Get, "/api/v1/dhcp", Resource::Server),
            op(Method::Delete, "/api/v1/dhcp", Resource::Server),
            op(Method::Put, "/api/v1/auth/token-services", Resource::Server),
            op(Method::Delete, "/api/v1/dhcp/pool/x", Resource::pool("a")),
            op(Method::Put, "/api/v1/dhcp/pool/..", Resource::pool("..")),
            op(Method::Post, "/api/v1/dhcp/pool/a", Resource::pool("a")),
        ] {
            assert!(!allowed(&bad), "{bad:?}");
        }
    }
}
