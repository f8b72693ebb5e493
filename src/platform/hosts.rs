//! Requests in flight per host: every request to one host (scheme, name and port) holds one
//! of that host's permits while it is sent and answered, so devices behind one endpoint (the
//! sites of an F5 XC tenant, the fleet of one emulator) never storm it, whatever the device
//! parallelism. Waiting between retries holds no permit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The per-host limits of a run, shared by every client.
#[derive(Debug)]
pub struct HostLimits {
    limit: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl HostLimits {
    pub fn new(limit: usize) -> HostLimits {
        HostLimits {
            limit: limit.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// A permit for one request to `url`'s host (a URL that does not parse shares one slot).
    pub async fn acquire(&self, url: Option<&reqwest::Url>) -> Option<OwnedSemaphorePermit> {
        let sem = {
            let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
            hosts
                .entry(host_key(url))
                .or_insert_with(|| Arc::new(Semaphore::new(self.limit)))
                .clone()
        };
        sem.acquire_owned().await.ok()
    }
}

/// `scheme://host:port` of a URL (its origin).
fn host_key(url: Option<&reqwest::Url>) -> String {
    match url {
        Some(u) => format!(
            "{}://{}:{}",
            u.scheme(),
            u.host_str().unwrap_or(""),
            u.port_or_known_default().unwrap_or(0)
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> reqwest::Url {
        reqwest::Url::parse(s).expect("a test URL")
    }

    #[tokio::test]
    async fn one_host_gets_at_most_its_limit_and_other_hosts_their_own() {
        let limits = HostLimits::new(2);
        let a1 = limits
            .acquire(Some(&url("https://tenant.example/api/a")))
            .await;
        let a2 = limits
            .acquire(Some(&url("https://tenant.example:443/api/b")))
            .await;
        assert!(a1.is_some() && a2.is_some());
        // the third request to that host waits; another host does not
        let c = url("https://tenant.example/api/c");
        let third = limits.acquire(Some(&c));
        tokio::pin!(third);
        assert!(
            futures::poll!(third.as_mut()).is_pending(),
            "a third request to one host waits for a permit"
        );
        assert!(
            limits
                .acquire(Some(&url("https://other.example/api")))
                .await
                .is_some()
        );
        drop(a1);
        assert!(third.await.is_some(), "a released permit lets it through");
        assert_eq!(
            host_key(Some(&url("http://127.0.0.1:8080/x"))),
            "http://127.0.0.1:8080"
        );
    }
}
