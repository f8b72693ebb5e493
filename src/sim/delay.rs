//! The emulator's added latency, kept to the microsecond. tokio's timer rounds a sleep up to
//! its millisecond tick and the wait for it up again: `--latency 20` answered in 21.4-21.9 ms
//! (measured with curl against `sim serve --latency 20`), which a benchmark against the
//! network bound would charge to the client. One thread holds the deadlines and wakes each
//! request at its own (the kernel's timer slack, ~50 us, is the error left).

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

type Wake = (Instant, oneshot::Sender<()>);

/// Waits `d`, to the deadline. Falls back to tokio's timer if the thread cannot be started.
pub async fn sleep(d: Duration) {
    static TIMER: OnceLock<Option<Sender<Wake>>> = OnceLock::new();
    let timer = TIMER.get_or_init(|| {
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("sim-latency".into())
            .spawn(move || run(rx))
            .ok()
            .map(|_| tx)
    });
    let (tx, rx) = oneshot::channel();
    match timer {
        Some(timer) if timer.send((Instant::now() + d, tx)).is_ok() => {
            let _ = rx.await;
        }
        _ => tokio::time::sleep(d).await,
    }
}

/// Wakes every waiter whose deadline has come, then waits for the next deadline or request.
fn run(rx: Receiver<Wake>) {
    let mut pending: BTreeMap<(Instant, u64), oneshot::Sender<()>> = BTreeMap::new();
    let mut seq = 0u64;
    loop {
        let now = Instant::now();
        while let Some(due) = pending.first_entry() {
            if due.key().0 > now {
                break;
            }
            let _ = due.remove().send(());
        }
        let next = match pending.first_key_value() {
            Some(((at, _), _)) => rx.recv_timeout(at.saturating_duration_since(now)),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match next {
            Ok((at, tx)) => {
                seq += 1;
                pending.insert((at, seq), tx);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn every_waiter_wakes_after_its_own_deadline_in_deadline_order() {
        use std::time::{Duration, Instant};
        let start = Instant::now();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        for ms in [30u64, 10, 20] {
            let tx = tx.clone();
            tokio::spawn(async move {
                super::sleep(Duration::from_millis(ms)).await;
                let _ = tx.send((ms, start.elapsed()));
            });
        }
        drop(tx);
        let mut woke = vec![];
        while let Some(w) = rx.recv().await {
            woke.push(w);
        }
        assert_eq!(woke.iter().map(|w| w.0).collect::<Vec<_>>(), [10, 20, 30]);
        for (ms, at) in woke {
            assert!(at >= Duration::from_millis(ms), "{ms} ms woke at {at:?}");
        }
    }
}
