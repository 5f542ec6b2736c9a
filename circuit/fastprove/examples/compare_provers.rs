//! The kernels and the 8-chunk block, fast prover against bellman_ce, for a release build of the
//! prover alone (`zkpay bench prover` is the same figures from the CLI):
//!
//! ```text
//! CARGO_TARGET_DIR=/tmp/fastprove-release cargo run --release -p zkpay-fastprove --example compare_provers -- [KEYS_DIR [CACHE_DIR]]
//! ```
//!
//! (a separate target dir: a `-p` build in the shared one would rebuild the workspace's RocksDB).

use std::path::PathBuf;
use zkpay_circuit::block::witness::BlockWitness;
use zkpay_circuit::block::BlockCircuit;
use zkpay_circuit::keys::dev_keys;
use zkpay_core::vectors::vector_blocks;
use zkpay_fastprove::bench;

fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1).map(PathBuf::from);
    // The key cache the scripts' target dir holds (`zkpay keygen`, the tests and the node fill it).
    let default_cache =
        PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/zkpay-target/tmp/zkpay-dev-keys");
    let (keys, cache) = (args.next().unwrap_or("keys".into()), args.next().unwrap_or(default_cache));
    for log in [16usize, 18, 19] {
        let p = bench::msm::<ark_bn254::g1::Config>(1 << log)?;
        println!(
            "msm_g1_2^{log}: arkworks {:.0} ms, fast {:.0} ms, {:.2}x",
            p.reference_ms,
            p.ours_ms,
            p.reference_ms / p.ours_ms
        );
    }
    let p = bench::msm::<ark_bn254::g2::Config>(1 << 17)?;
    println!(
        "msm_g2_2^17: arkworks {:.0} ms, fast {:.0} ms, {:.2}x",
        p.reference_ms,
        p.ours_ms,
        p.reference_ms / p.ours_ms
    );
    let p = bench::quotient(1 << 19)?;
    println!(
        "quotient_2^19: bellman_ce {:.0} ms, fast {:.0} ms, {:.2}x",
        p.reference_ms,
        p.ours_ms,
        p.reference_ms / p.ours_ms
    );

    let (params, _) = dev_keys(&keys, &cache, "block_8", || BlockCircuit::blank(8)).map_err(|e| e.to_string())?;
    let pk = zkpay_fastprove::ProvingKey::from_params(&params);
    let (blocks, _) = vector_blocks();
    let circuit = BlockCircuit::new(BlockWitness::from_block(&blocks[2]).map_err(|e| e.to_string())?);
    let f = bench::compare_provers(&params, &pk, || circuit.clone(), &[blocks[2].public_input], 3)?;
    println!(
        "block_8: bellman_ce {:.0} ms, fast {:.0} ms ({:.0} synthesis, {:.0} fft, {:.0} msm), {:.2}x",
        f.bellman_ms,
        f.fast_ms,
        f.synthesis_ms,
        f.fft_ms,
        f.msm_ms,
        f.bellman_ms / f.fast_ms
    );
    Ok(())
}
