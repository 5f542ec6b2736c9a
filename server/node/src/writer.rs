//! The storage writer: the one thread that writes to the store, in the order it is handed the
//! writes. Whatever is queued when it gets to work goes into one synced write (group commit:
//! concurrent submits share one fsync), and only then are the waiting requests answered.

use crate::events::EventLog;
use crate::now_ms;
use crate::shared::Shared;
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::sync::Arc;
use tokio::sync::oneshot;
use zkpay_api_types::{ApiError, ErrorCode};
use zkpay_storage::{NodeStore, Write};

/// What to do once a write is durable.
pub enum Done {
    /// Answer a request.
    Reply(Box<dyn FnOnce(Result<(), ApiError>) + Send>),
    /// A block is durable: publish its number.
    Sealed(u32),
}

/// One write and what waits for it.
pub struct Job {
    /// The change.
    pub write: Write,
    /// Who waits.
    pub done: Option<Done>,
}

/// A wait for writes handed to the writer: resolves once the last of them (and so, the writer
/// being in order, all of them) is on disk.
pub struct Durable(oneshot::Receiver<Result<(), ApiError>>);

impl Durable {
    /// Wait in async code.
    pub async fn wait(self) -> Result<(), ApiError> {
        self.0.await.unwrap_or_else(|_| Err(stopped()))
    }

    /// Wait on a blocking thread (never from inside the async runtime).
    pub fn wait_blocking(self) -> Result<(), ApiError> {
        self.0.blocking_recv().unwrap_or_else(|_| Err(stopped()))
    }
}

fn stopped() -> ApiError {
    ApiError::new(ErrorCode::Unavailable, "the node stopped before the write was stored")
}

/// Hand `writes` to the writer, in order. Only the last carries a reply: if an earlier one fails,
/// the writer stops and drops the rest, and the wait ends with an error. `None` when the writer
/// is gone (the node is stopping) or there is nothing to write.
pub fn durable(writer: &Sender<Job>, writes: Vec<Write>) -> Option<Durable> {
    let n = writes.len();
    let (tx, rx) = oneshot::channel();
    let mut reply = Some(Done::Reply(Box::new(move |r| {
        let _ = tx.send(r);
    })));
    for (i, write) in writes.into_iter().enumerate() {
        let done = if i + 1 == n { reply.take() } else { None };
        writer.send(Job { write, done }).ok()?;
    }
    reply.is_none().then_some(Durable(rx))
}

/// Most jobs in one synced write.
const MAX_GROUP: usize = 4096;

/// Run until every sender is gone; a failed write stops the node (the memory of the sequencer
/// is then ahead of the disk, and only a restart from disk is safe).
pub fn run<S: NodeStore>(
    store: Arc<S>,
    shared: Arc<Shared>,
    jobs: Receiver<Job>,
) -> Result<(), zkpay_storage::StorageError> {
    let mut log = EventLog::open(&*store)?;
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(j) => group.push(j),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        // Split without copying: a sealed block's write holds every account it touched.
        let (mut writes, dones): (Vec<Write>, Vec<Option<Done>>) = group.into_iter().map(|j| (j.write, j.done)).unzip();
        // The group's events go into the same batch: on disk exactly when their changes are.
        let result = log.derive(&*store, &writes, now_ms()).and_then(|events| {
            if !events.is_empty() {
                writes.push(Write::Events(events));
            }
            store.write(&writes)
        });
        if let (Ok(()), Some(Write::Events(events))) = (&result, writes.pop()) {
            shared.publish_events(events);
        }
        for done in dones {
            match (done, &result) {
                (Some(Done::Reply(f)), Ok(())) => f(Ok(())),
                (Some(Done::Reply(f)), Err(e)) => f(Err(ApiError::new(ErrorCode::Internal, format!("storage: {e}")))),
                (Some(Done::Sealed(n)), Ok(())) => shared.set_durable_block(n),
                _ => {}
            }
        }
        if let Err(e) = result {
            tracing::error!(error = %e, "storage write failed: stopping the node");
            shared.cancel.cancel();
            return Err(e);
        }
    }
    Ok(())
}
