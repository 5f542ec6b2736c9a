//! `zkpay bench primitives`: Poseidon and EdDSA against the reference crates on the same inputs, and
//! the state tree's update cost and memory.

use super::Report;
use crate::alloc_counter::{enable as count_allocations, live_bytes};
use ff_ce::PrimeField as _;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::hint::black_box;
use std::time::Instant;
use zkpay_core::account_tree::AccountTree;
use zkpay_core::field::{fr_to_decimal, Fr};
use zkpay_core::montgomery::Mont;
use zkpay_core::poseidon;
use zkpay_core::poseidon_batch;
use zkpay_core::types::Address;

/// Rounds per comparison: ours and the reference alternate, and each figure is the median round, so
/// a burst of noise on the shared machine hits both sides alike.
const ROUNDS: usize = 5;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).expect("timings are finite"));
    v[v.len() / 2]
}

/// Nanoseconds per call of `f`, timed over `iters` calls.
fn ns_per_op(iters: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

/// Median ns/op of ours and of the reference, measured in alternating rounds.
pub(super) fn compare(iters: usize, mut ours: impl FnMut(), mut reference: impl FnMut()) -> (f64, f64) {
    // One untimed pass each warms caches and lazy tables.
    ns_per_op(iters.div_ceil(10), &mut ours);
    ns_per_op(iters.div_ceil(10), &mut reference);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        a.push(ns_per_op(iters, &mut ours));
        b.push(ns_per_op(iters, &mut reference));
    }
    (median(a), median(b))
}

/// Median ns/op of `f` over the usual rounds.
pub(super) fn median_ns(iters: usize, mut f: impl FnMut()) -> f64 {
    ns_per_op(iters.div_ceil(10), &mut f);
    median((0..ROUNDS).map(|_| ns_per_op(iters, &mut f)).collect())
}

pub(super) fn random_fr(rng: &mut impl Rng) -> Fr {
    // 248 random bits: uniform enough for timing, always below p.
    let mut b = [0u8; 32];
    rng.fill(&mut b[1..]);
    zkpay_core::field::fr_from_be_bytes(&b).expect("248-bit value is below p")
}

fn to_poseidon_rs(x: &Fr) -> poseidon_rs::Fr {
    poseidon_rs::Fr::from_str(&fr_to_decimal(x)).expect("canonical decimal")
}

fn bench_poseidon(report: &mut Report, rng: &mut impl Rng, arity: usize, iters: usize) {
    let ours_in: Vec<Fr> = (0..arity).map(|_| random_fr(rng)).collect();
    let ref_in: Vec<poseidon_rs::Fr> = ours_in.iter().map(to_poseidon_rs).collect();
    let oracle = poseidon_rs::Poseidon::new();
    // Each output feeds the next call's first input, so no call can be skipped or hoisted.
    let mut a = ours_in.clone();
    let mut b = ref_in.clone();
    let (ours, reference) = compare(
        iters,
        || a[0] = poseidon::hash(black_box(&a)).expect("arity in range"),
        || b[0] = oracle.hash(black_box(b.clone())).expect("arity in range"),
    );
    report.add(&format!("poseidon{arity}_ns"), ours, "ns");
    report.add(&format!("poseidon{arity}_poseidon_rs_ns"), reference, "ns");
    report.add(&format!("poseidon{arity}_speedup_vs_poseidon_rs"), reference / ours, "x");
}

fn bench_tree(report: &mut Report, rng: &mut impl Rng, accounts: u32, updates: usize) {
    count_allocations();
    let before = live_bytes();
    let mut tree = AccountTree::new();
    let start = Instant::now();
    {
        let mut batch = tree.batch();
        for id in 0..accounts {
            let mut a = [0u8; 20];
            a[..4].copy_from_slice(&(id + 1).to_be_bytes());
            batch.update_fields(id, |f| f.address = Address(a)).expect("id in range");
            batch.set_balance(id, 0, 1_000_000_000 + id as u128).expect("id in range");
        }
        batch.commit();
    }
    let build = start.elapsed();
    let bytes = live_bytes().saturating_sub(before);
    report.add("tree_accounts", accounts as f64, "accounts");
    report.add("tree_build_ms", build.as_secs_f64() * 1e3, "ms");
    report.add("tree_bytes_per_account", bytes as f64 / accounts as f64, "bytes");

    let ids: Vec<u32> = (0..updates).map(|_| rng.gen_range(0..accounts)).collect();
    let mut k = 0;
    let per_update = median(
        (0..ROUNDS)
            .map(|_| {
                ns_per_op(updates, || {
                    let id = ids[k % ids.len()];
                    k += 1;
                    let u = tree
                        .update(id, 0, |f, b| {
                            f.nonce += 1;
                            *b -= 1;
                        })
                        .expect("id in range");
                    black_box(u.new_root);
                })
            })
            .collect(),
    );
    report.add("account_update_us", per_update / 1e3, "us");

    // The node's path: many accounts changed, one parallel rehash; through the portable scalar
    // Poseidon and through the batched SIMD one, alternating rounds.
    let batch_size = 1_000;
    let one_batch = |tree: &mut AccountTree| {
        let start = Instant::now();
        let mut batch = tree.batch();
        for &id in ids.iter().take(batch_size) {
            let b = batch.get(id).map(|a| a.balance(0)).unwrap_or(0);
            batch.set_balance(id, 0, b + 1).expect("id in range");
        }
        black_box(batch.commit());
        start.elapsed().as_nanos() as f64 / batch_size as f64
    };
    let (mut scalar, mut simd) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        poseidon_batch::force_fallback(true);
        scalar.push(one_batch(&mut tree));
        poseidon_batch::force_fallback(false);
        simd.push(one_batch(&mut tree));
    }
    let (scalar, simd) = (median(scalar), median(simd));
    report.add("account_batch_update_scalar_us", scalar / 1e3, "us");
    report.add("account_batch_update_us", simd / 1e3, "us");
    report.add("account_batch_update_speedup", scalar / simd, "x");
}

/// The IFMA field multiplication against the scalar one, and batched `H(a, b)` against the scalar
/// hash, single-threaded.
fn bench_batch_kernels(report: &mut Report, rng: &mut impl Rng, iters: usize) {
    let x = Mont::from_fr(&random_fr(rng));
    let y = Mont::from_fr(&random_fr(rng));
    let k = iters * 100;
    let scalar_mul = median_ns(10, || {
        black_box(poseidon_batch::bench_mul_chain_scalar(black_box(x), y, k));
    }) / k as f64;
    report.add("mul_scalar_ns", scalar_mul, "ns");
    if poseidon_batch::simd_supported() {
        // Per product: one chain of `k` 8-lane products is 8k products.
        let ifma = median_ns(10, || {
            black_box(poseidon_batch::bench_mul_chain_simd(black_box(x), y, k));
        }) / (k * poseidon_batch::LANES) as f64;
        report.add("mul_ifma_ns", ifma, "ns");
        report.add("mul_ifma_speedup", scalar_mul / ifma, "x");
    }
    let pairs: Vec<(Fr, Fr)> = (0..64).map(|_| (random_fr(rng), random_fr(rng))).collect();
    let per = pairs.len() as f64;
    let (batched, scalar) = compare(
        iters.div_ceil(64).max(3),
        || {
            black_box(poseidon_batch::hash2_batch(black_box(&pairs)));
        },
        || {
            black_box(poseidon_batch::hash2_batch_scalar(black_box(&pairs)));
        },
    );
    report.add("poseidon2_batch_ns", batched / per, "ns");
    report.add("poseidon2_batch_scalar_ns", scalar / per, "ns");
    report.add("poseidon_batch_speedup", scalar / batched, "x");
    report.add("poseidon_batch_simd", if poseidon_batch::simd_active() { 1.0 } else { 0.0 }, "bool");
}

/// Run the suite; `scale` multiplies iteration counts.
pub fn run(report: &mut Report, scale: f64) -> Result<(), String> {
    let n = |base: usize| ((base as f64 * scale) as usize).max(10);
    let mut rng = ChaCha20Rng::seed_from_u64(0x5eed);
    poseidon::warm_up();
    bench_poseidon(report, &mut rng, 2, n(20_000));
    bench_poseidon(report, &mut rng, 5, n(10_000));
    bench_batch_kernels(report, &mut rng, n(10_000));
    super::eddsa_bench::run(report, &mut rng, n(300))?;
    bench_tree(report, &mut rng, (100_000.0 * scale.min(1.0)).max(1_000.0) as u32, n(2_000));
    Ok(())
}
