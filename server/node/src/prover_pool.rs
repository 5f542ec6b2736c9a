//! The prover pool: one proving job per sealed block without a proof, worked by in-process worker
//! threads and by external `zkpay prover` workers that lease jobs over HTTP.
//!
//! A job is durable through what it is made from (the sealed block in storage): after a restart
//! the witness builder recreates every job whose block has no stored proof. Leases live in memory
//! and expire `lease` after their last heartbeat; an expired lease returns the job to the queue
//! (a restart returns them all). A returned proof is verified under the block size's verification
//! key before it is stored — a bad proof is refused and logged and never reaches L1.

use crate::now_ms;
use crate::shared::Shared;
use crate::writer::{self, Job as WriteJob};
use std::collections::{BTreeMap, HashMap};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use zkpay_api_types::{ApiError, ErrorCode};
use zkpay_circuit::bellman_ce::groth16::VerifyingKey;
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_circuit::Engine;
use zkpay_prover::{verify_block_proof, ProofWords};
use zkpay_storage::{HexHash, ProofRecord, Write};

/// A job handed to a worker.
#[derive(Clone)]
pub struct Leased {
    /// The lease.
    pub lease_id: u64,
    /// The block.
    pub block: u32,
    /// Its size.
    pub chunks: usize,
    /// The circuit witness.
    pub witness: Arc<BlockWitness>,
}

struct Lease {
    id: u64,
    worker: String,
    deadline: Instant,
    since: Instant,
}

struct Job {
    chunks: usize,
    witness: Arc<BlockWitness>,
    lease: Option<Lease>,
    /// Being verified and stored: not leasable, not expirable.
    submitting: bool,
}

#[derive(Default)]
struct Inner {
    jobs: BTreeMap<u32, Job>,
    next_lease: u64,
}

/// The pool (shared by the witness builder, the workers, the API and the L1 sender).
pub struct ProverPool {
    inner: Mutex<Inner>,
    ready: Condvar,
    lease: Duration,
    vks: HashMap<usize, VerifyingKey<Engine>>,
    /// Taken away on shutdown, so the storage writer can finish.
    writer: Mutex<Option<Sender<WriteJob>>>,
    shared: Arc<Shared>,
}

impl ProverPool {
    /// A pool whose leases last `lease` past their last heartbeat, verifying proofs with `vks`
    /// (block size → verification key), storing them through `writer`.
    pub fn new(
        lease: Duration,
        vks: HashMap<usize, VerifyingKey<Engine>>,
        writer: Sender<WriteJob>,
        shared: Arc<Shared>,
    ) -> ProverPool {
        ProverPool {
            inner: Mutex::default(),
            ready: Condvar::new(),
            lease,
            vks,
            writer: Mutex::new(Some(writer)),
            shared,
        }
    }

    /// Stop storing proofs (shutdown): later submissions are refused as `unavailable`.
    pub fn close(&self) {
        self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.ready.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain data behind: keep serving.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The lease duration.
    pub fn lease_duration(&self) -> Duration {
        self.lease
    }

    /// A new job for `block`.
    pub fn add(&self, block: u32, chunks: usize, witness: BlockWitness) {
        let mut inner = self.lock();
        inner.jobs.insert(block, Job { chunks, witness: Arc::new(witness), lease: None, submitting: false });
        drop(inner);
        tracing::info!(block, chunks, "proving job queued");
        self.ready.notify_all();
        self.publish();
    }

    /// `(queued, leased)` jobs.
    pub fn counts(&self) -> (usize, usize) {
        let inner = self.lock();
        let leased = inner.jobs.values().filter(|j| j.lease.is_some() || j.submitting).count();
        (inner.jobs.len() - leased, leased)
    }

    fn publish(&self) {
        let (queued, leased) = self.counts();
        self.shared.set_jobs(queued, leased);
    }

    /// Lease the oldest job a worker with keys for `sizes` (empty: any) can do; expired leases
    /// return to the queue first.
    pub fn lease(&self, worker: &str, sizes: &[usize]) -> Option<Leased> {
        let mut inner = self.lock();
        let now = Instant::now();
        for (block, job) in inner.jobs.iter_mut() {
            if let Some(l) = &job.lease {
                if l.deadline <= now {
                    tracing::warn!(block, worker = %l.worker, lease = l.id, "prover lease expired: the job is queued again");
                    job.lease = None;
                }
            }
        }
        let next_lease = inner.next_lease;
        let (block, job) = inner
            .jobs
            .iter_mut()
            .find(|(_, j)| j.lease.is_none() && !j.submitting && (sizes.is_empty() || sizes.contains(&j.chunks)))?;
        let (block, chunks, witness) = (*block, job.chunks, job.witness.clone());
        job.lease = Some(Lease { id: next_lease, worker: worker.to_string(), deadline: now + self.lease, since: now });
        inner.next_lease += 1;
        drop(inner);
        tracing::info!(block, chunks, worker, lease = next_lease, "proving job leased");
        self.publish();
        Some(Leased { lease_id: next_lease, block, chunks, witness })
    }

    /// Wait up to `timeout` for a job (in-process workers).
    pub fn lease_wait(&self, worker: &str, sizes: &[usize], timeout: Duration) -> Option<Leased> {
        if let Some(l) = self.lease(worker, sizes) {
            return Some(l);
        }
        let inner = self.lock();
        let _ = self.ready.wait_timeout(inner, timeout);
        self.lease(worker, sizes)
    }

    /// Extend a lease; `lease_expired` if it is not (or no longer) held.
    pub fn heartbeat(&self, lease_id: u64) -> Result<u32, ApiError> {
        let mut inner = self.lock();
        let now = Instant::now();
        for (block, job) in inner.jobs.iter_mut() {
            if let Some(l) = job.lease.as_mut().filter(|l| l.id == lease_id) {
                if l.deadline <= now {
                    break;
                }
                l.deadline = now + self.lease;
                return Ok(*block);
            }
        }
        Err(expired(lease_id))
    }

    /// A worker's proof for its lease: verified, then stored (synced) before this returns. A
    /// proof that does not verify is refused and the job goes back to the queue.
    pub fn submit(&self, lease_id: u64, proof: ProofWords) -> Result<u32, ApiError> {
        let (block, chunks, worker, public_input, since) = {
            let mut inner = self.lock();
            let now = Instant::now();
            let Some((block, job)) =
                inner.jobs.iter_mut().find(|(_, j)| j.lease.as_ref().is_some_and(|l| l.id == lease_id))
            else {
                return Err(expired(lease_id));
            };
            let lease = job.lease.take().expect("found by its lease");
            if lease.deadline <= now {
                return Err(expired(lease_id));
            }
            job.submitting = true;
            (*block, job.chunks, lease.worker, job.witness.public_input, lease.since)
        };
        let verified = self.vks.get(&chunks).is_some_and(|vk| verify_block_proof(vk, &public_input, &proof));
        if !verified {
            tracing::error!(block, worker = %worker, lease = lease_id, "a worker returned a proof that does not verify: refused");
            self.requeue(block);
            return Err(ApiError::new(
                ErrorCode::InvalidProof,
                format!("the proof does not verify for block {block}; the job is queued again"),
            ));
        }
        let record = ProofRecord {
            block,
            chunks,
            proof: proof.iter().map(|w| HexHash(*w)).collect(),
            worker: worker.clone(),
            proven_at: now_ms(),
        };
        let wait = match &*self.writer.lock().unwrap_or_else(|p| p.into_inner()) {
            Some(w) => writer::durable(w, vec![Write::Proof(record)]),
            None => None,
        };
        let Some(wait) = wait else {
            self.requeue(block);
            return Err(ApiError::new(ErrorCode::Unavailable, "the node is shutting down"));
        };
        match wait.wait_blocking() {
            Ok(()) => {
                self.lock().jobs.remove(&block);
                tracing::info!(block, worker = %worker, "proof verified and stored");
                zkpay_api::metrics::PIPELINE_SECONDS
                    .with_label_values(&["prove", chunks.to_string().as_str()])
                    .observe(since.elapsed().as_secs_f64());
                self.shared.set_proof_stored(block);
                self.publish();
                Ok(block)
            }
            Err(e) => {
                self.requeue(block);
                Err(e)
            }
        }
    }

    fn requeue(&self, block: u32) {
        if let Some(job) = self.lock().jobs.get_mut(&block) {
            job.submitting = false;
            job.lease = None;
        }
        self.ready.notify_all();
        self.publish();
    }
}

fn expired(lease_id: u64) -> ApiError {
    ApiError::new(ErrorCode::LeaseExpired, format!("lease {lease_id} is not held (expired or unknown)"))
}

/// An in-process worker: lease, prove with the store's proving keys, submit — until cancelled.
pub fn run_worker(pool: Arc<ProverPool>, keys: zkpay_prover::KeyStore, name: String, sizes: Vec<usize>) {
    let cancel = pool.shared.cancel.clone();
    while !cancel.is_cancelled() {
        let Some(job) = pool.lease_wait(&name, &sizes, Duration::from_millis(200)) else { continue };
        // Keep the lease alive while proving (a proof takes longer than a lease for big blocks).
        let beat = {
            let (pool, cancel, id) = (pool.clone(), cancel.clone(), job.lease_id);
            let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let flag = stop.clone();
            let every = pool.lease_duration() / 3;
            std::thread::spawn(move || {
                while !flag.load(std::sync::atomic::Ordering::Relaxed) && !cancel.is_cancelled() {
                    std::thread::sleep(every.min(Duration::from_millis(500)));
                    let _ = pool.heartbeat(id);
                }
            });
            stop
        };
        let started = Instant::now();
        let result = keys
            .block(job.chunks)
            .map_err(|e| e.to_string())
            .and_then(|pk| zkpay_prover::prove_witness(&pk, (*job.witness).clone()).map_err(|e| e.to_string()));
        beat.store(true, std::sync::atomic::Ordering::Relaxed);
        match result {
            Ok(proof) => {
                tracing::info!(block = job.block, worker = %name, seconds = started.elapsed().as_secs_f64(), "block proven");
                if let Err(e) = pool.submit(job.lease_id, proof) {
                    tracing::warn!(block = job.block, error = %e, "proof not taken");
                }
            }
            Err(e) => {
                // A witness that does not prove is a bug: leave the job leased until it expires
                // (another worker retries) and say so loudly.
                tracing::error!(block = job.block, worker = %name, error = %e, "proving failed");
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}
