//! Our Poseidon (`zkpay_core::poseidon::hash`) against two independent oracles:
//!
//! 1. `poseidon-rs` 0.0.10 on ≥ 1,000 uniformly random inputs plus edge values (0, p − 1) for every
//!    arity 1…16;
//! 2. every Poseidon vector of `testdata/circomlibjs_vectors.json`, computed by circomlibjs 0.1.7
//!    (regenerate with `npm --prefix scripts/vectors ci && node scripts/vectors/circomlibjs_vectors.js`);
//!
//! and the protocol vector `H(1, 2)` (PROTOCOL §2).

use ff_ce::PrimeField as _;
use rand::{rngs::StdRng, Rng, SeedableRng};
use serde::Deserialize;
use zkpay_core::field::{fr_from_decimal, fr_from_hex, fr_from_limbs, fr_from_u64, fr_to_decimal, Field, Fr};
use zkpay_core::poseidon::{self, MAX_INPUTS};

const P_DEC: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
const P_MINUS_1_DEC: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495616";
/// Random input vectors per arity checked against poseidon-rs.
const RANDOM_PER_ARITY: usize = 1_000;

fn p_minus_1() -> Fr {
    fr_from_decimal(P_MINUS_1_DEC).unwrap()
}

/// Our `Fr` → poseidon-rs's `Fr` (ff_ce 0.11), through decimal text.
fn to_oracle(x: &Fr) -> poseidon_rs::Fr {
    poseidon_rs::Fr::from_str(&fr_to_decimal(x)).expect("canonical decimal")
}

/// poseidon-rs's `Fr` → ours, through its Display form `Fr(0x…)`.
fn from_oracle(x: &poseidon_rs::Fr) -> Fr {
    let s = format!("{x}");
    let digits = s
        .strip_prefix("Fr(")
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or_else(|| panic!("unexpected poseidon-rs Display {s:?}"));
    fr_from_hex(digits).unwrap()
}

/// A uniformly random field element (rejection sampling on 254-bit integers).
fn random_fr(rng: &mut impl Rng) -> Fr {
    loop {
        let mut limbs: [u64; 4] = rng.gen();
        limbs[3] &= (1u64 << 62) - 1; // p < 2^254
        if let Ok(x) = fr_from_limbs(limbs) {
            return x;
        }
    }
}

#[test]
fn conversions_to_and_from_poseidon_rs_are_exact() {
    let mut rng = StdRng::seed_from_u64(1);
    let mut values = vec![Fr::zero(), Fr::one(), p_minus_1()];
    values.extend((0..100).map(|_| random_fr(&mut rng)));
    for x in &values {
        let o = to_oracle(x);
        assert_eq!(from_oracle(&o), *x);
        assert_eq!(format!("{o}"), format!("Fr({})", zkpay_core::field::fr_to_hex(x)));
    }
    // ff_ce's `from_str` reduces mod p (p parses as 0), so only canonical decimals may be fed to it;
    // `fr_to_decimal` always yields those.
    assert_eq!(poseidon_rs::Fr::from_str(P_DEC).map(|x| from_oracle(&x)), Some(Fr::zero()));
}

#[test]
fn matches_poseidon_rs_on_random_and_edge_inputs_for_every_arity() {
    let oracle = poseidon_rs::Poseidon::new();
    let mut rng = StdRng::seed_from_u64(0x7a6b_7061_7920_706f); // "zkpay po"
    let (zero, pm1) = (Fr::zero(), p_minus_1());
    let mut checked = 0usize;
    for n in 1..=MAX_INPUTS {
        let mut cases: Vec<Vec<Fr>> = vec![
            vec![zero; n],
            vec![pm1; n],
            (0..n).map(|i| if i % 2 == 0 { zero } else { pm1 }).collect(),
            (0..n).map(|i| if i % 2 == 0 { pm1 } else { zero }).collect(),
        ];
        // Each position once at 0 and once at p − 1 among random neighbours.
        for i in 0..n {
            for edge in [zero, pm1] {
                let mut v: Vec<Fr> = (0..n).map(|_| random_fr(&mut rng)).collect();
                v[i] = edge;
                cases.push(v);
            }
        }
        cases.extend((0..RANDOM_PER_ARITY).map(|_| (0..n).map(|_| random_fr(&mut rng)).collect()));
        assert!(cases.len() >= RANDOM_PER_ARITY + 4);

        for inputs in &cases {
            let ours = poseidon::hash(inputs).unwrap();
            let theirs = oracle.hash(inputs.iter().map(to_oracle).collect()).unwrap();
            assert_eq!(
                ours,
                from_oracle(&theirs),
                "n = {n}, inputs = {:?}",
                inputs.iter().map(fr_to_decimal).collect::<Vec<_>>()
            );
            checked += 1;
        }
    }
    assert!(checked >= MAX_INPUTS * RANDOM_PER_ARITY);
}

#[derive(Deserialize)]
struct Vectors {
    generator: String,
    circomlibjs: String,
    poseidon: Vec<PoseidonVector>,
}

#[derive(Deserialize)]
struct PoseidonVector {
    inputs: Vec<String>,
    output: String,
}

fn load_vectors() -> Vectors {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/circomlibjs_vectors.json");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {path}: {e}"))
}

#[test]
fn matches_every_circomlibjs_poseidon_vector() {
    let v = load_vectors();
    assert_eq!(v.generator, "scripts/vectors/circomlibjs_vectors.js");
    assert_eq!(v.circomlibjs, "0.1.7");
    let mut per_arity = [0usize; MAX_INPUTS + 1];
    let mut saw_edge = [false; 2];
    for (k, vec) in v.poseidon.iter().enumerate() {
        let inputs: Vec<Fr> = vec.inputs.iter().map(|s| fr_from_decimal(s).unwrap()).collect();
        let expected = fr_from_decimal(&vec.output).unwrap();
        assert_eq!(poseidon::hash(&inputs).unwrap(), expected, "vector {k}: inputs {:?}", vec.inputs);
        per_arity[inputs.len()] += 1;
        saw_edge[0] |= inputs.iter().any(|x| x.is_zero());
        saw_edge[1] |= vec.inputs.iter().any(|s| s == P_MINUS_1_DEC);
    }
    for (n, count) in per_arity.iter().enumerate().skip(1) {
        assert!(*count >= 3, "only {count} circomlibjs vectors for arity {n}");
    }
    assert_eq!(saw_edge, [true, true], "vectors must include 0 and p − 1");
}

#[test]
fn h_1_2_is_the_protocol_vector() {
    let expected = fr_from_hex("0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a").unwrap();
    assert_eq!(poseidon::hash(&[fr_from_u64(1), fr_from_u64(2)]).unwrap(), expected);
    let oracle =
        poseidon_rs::Poseidon::new().hash(vec![to_oracle(&fr_from_u64(1)), to_oracle(&fr_from_u64(2))]).unwrap();
    assert_eq!(from_oracle(&oracle), expected);
}

/// The batched Poseidon of the state trees (`poseidon_batch`, H of 2 and of 4 inputs: Merkle nodes
/// and account leaves) against poseidon-rs, through both its paths: the 8-lane IFMA kernel (where
/// this CPU has it; the test says so when it does not) and the portable fallback. Batch sizes that
/// fill, underfill and overrun the lanes; inputs with 0 and p − 1 among random ones.
#[test]
fn batched_poseidon_matches_poseidon_rs_with_simd_and_with_the_fallback() {
    use zkpay_core::poseidon_batch::{hash_batch_scalar, hash_batch_simd, simd_supported};
    fn check<const N: usize>(rng: &mut StdRng, oracle: &poseidon_rs::Poseidon) -> usize {
        let mut simd_checked = 0;
        for len in [1usize, 7, 8, 9, 37] {
            let inputs: Vec<[Fr; N]> = (0..len)
                .map(|k| {
                    std::array::from_fn(|i| match (k + i) % 5 {
                        0 => Fr::zero(),
                        1 => p_minus_1(),
                        _ => random_fr(rng),
                    })
                })
                .collect();
            let expected: Vec<Fr> =
                inputs.iter().map(|x| from_oracle(&oracle.hash(x.iter().map(to_oracle).collect()).unwrap())).collect();
            assert_eq!(hash_batch_scalar(&inputs), expected, "fallback, H of {N}, batch of {len}");
            if let Some(simd) = hash_batch_simd(&inputs) {
                assert_eq!(simd, expected, "IFMA, H of {N}, batch of {len}");
                simd_checked += len;
            }
        }
        simd_checked
    }
    let oracle = poseidon_rs::Poseidon::new();
    let mut rng = StdRng::seed_from_u64(0x7a6b_7061_7920_6261); // "zkpay ba"
    let simd = check::<2>(&mut rng, &oracle) + check::<4>(&mut rng, &oracle);
    if simd_supported() {
        assert_eq!(simd, 2 * (1 + 7 + 8 + 9 + 37), "every batch also went through the SIMD kernel");
    } else {
        eprintln!("no AVX-512 IFMA on this CPU: only the fallback was compared");
    }
}
