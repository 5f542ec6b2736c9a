//! The loop that runs a task facing L1 (the watcher, the sender): one step after another until
//! the node is cancelled. A failed step is logged, shown in `/v1/status` and retried with
//! exponential backoff; only a halt (a revert that retrying cannot fix) ends the loop early.

use crate::shared::Shared;
use std::time::Duration;

/// First pause after a failed step; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Longest pause between retries: a provider back after an outage is used within this.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// How a step failed.
pub enum Failure {
    /// The node is stopping: end quietly.
    Stopping,
    /// Retrying cannot help: stop the task and say why in `/v1/status`.
    Halt(String),
    /// Worth retrying (an RPC error, a provider refusing, a gap in the logs).
    Retry(String),
}

/// A task driven by [`run`].
pub trait L1Task {
    /// Its name in the logs and in `/v1/status`'s errors.
    const NAME: &'static str;

    /// One unit of work; on success, the pause before the next one.
    fn step(&mut self) -> impl std::future::Future<Output = Result<Duration, Failure>> + Send;
}

/// Step `task` until the node is cancelled or the task halts.
pub async fn run<T: L1Task>(task: &mut T, shared: &Shared) {
    let cancel = shared.cancel.clone();
    let mut backoff = FIRST_BACKOFF;
    while !cancel.is_cancelled() {
        let pause = match task.step().await {
            Ok(pause) => {
                backoff = FIRST_BACKOFF;
                shared.clear_l1_error(T::NAME);
                pause
            }
            Err(Failure::Stopping) => break,
            Err(Failure::Halt(reason)) => {
                tracing::error!(task = T::NAME, %reason, "halted: nothing more is done until the operator acts");
                shared.set_halted(reason);
                return;
            }
            Err(Failure::Retry(e)) => {
                tracing::warn!(task = T::NAME, error = %e, retry_in_ms = backoff.as_millis() as u64, "L1 step failed");
                shared.set_l1_error(T::NAME, e);
                let b = backoff;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                b
            }
        };
        tokio::select! {
            _ = cancel.cancelled() => break,
            _ = tokio::time::sleep(pause) => {}
        }
    }
}
