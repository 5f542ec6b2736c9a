//! The storage writer: the one thread that writes to the store, in the order it is handed the
//! writes. Whatever is queued when it gets to work goes into one synced write (group commit:
//! concurrent submits share one fsync), and only then are the waiting requests answered.

use crate::shared::Shared;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;
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

/// Most jobs in one synced write.
const MAX_GROUP: usize = 4096;

/// Run until every sender is gone; a failed write stops the node (the memory of the sequencer
/// is then ahead of the disk, and only a restart from disk is safe).
pub fn run<S: NodeStore>(
    store: Arc<S>,
    shared: Arc<Shared>,
    jobs: Receiver<Job>,
) -> Result<(), zkpay_storage::StorageError> {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(j) => group.push(j),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
            }
        }
        // Split without copying: a sealed block's write holds every account it touched.
        let (writes, dones): (Vec<Write>, Vec<Option<Done>>) = group.into_iter().map(|j| (j.write, j.done)).unzip();
        let result = store.write(&writes);
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
