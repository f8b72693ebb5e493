//! Ctrl-C and SIGTERM while an apply runs.

use crate::platform::exec::Stop;
use crate::platform::http::Logger;
use std::sync::Arc;

/// Listens for Ctrl-C and SIGTERM while an apply runs: the first requests a stop, the second
/// ends the process at once (3 when a write was sent, else 1). The signal streams are made
/// once, before anything can arrive, so no signal falls between two waits.
pub(super) fn listen(stop: Arc<Stop>, told: Option<Logger>) -> tokio::task::JoinHandle<()> {
    #[cfg(unix)]
    let streams = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()).ok(),
            signal(SignalKind::terminate()).ok(),
        )
    };
    tokio::spawn(async move {
        #[cfg(unix)]
        let (mut int, mut term) = streams;
        for n in 0..2 {
            #[cfg(unix)]
            {
                let int = async {
                    match int.as_mut() {
                        Some(s) => s.recv().await,
                        None => std::future::pending().await,
                    }
                };
                let term = async {
                    match term.as_mut() {
                        Some(s) => s.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    _ = int => {}
                    _ = term => {}
                }
            }
            #[cfg(not(unix))]
            let _ = tokio::signal::ctrl_c().await;
            if n == 0 && stop.asking() {
                // at the confirmation prompt: nothing was written, the answer is "no"
                if let Some(t) = &told {
                    t("apply cancelled: nothing written");
                }
                std::process::exit(1);
            }
            if n == 0 {
                stop.request();
                if let Some(t) = &told {
                    t(
                        "interrupted: finishing the calls in flight, sending nothing more \
                       (interrupt again to exit at once)",
                    );
                }
            }
        }
        let (code, what) = if stop.wrote() {
            (3, "writes were sent: plan again to see the device")
        } else {
            (1, "nothing was written")
        };
        if let Some(t) = &told {
            t(&format!("interrupted again: exiting now ({what})"));
        }
        std::process::exit(code);
    })
}
