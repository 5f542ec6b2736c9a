//! Poseidon `H(x1..xn)` in the circuit, equal to `zkpay_core::poseidon::hash` (circomlib parameters).
//!
//! This is circomlib's round structure as written (add round constants, S-box, full MDS), using the
//! raw constants from `zkpay_core::poseidon::raw_constants()`. The S-box x^5 costs three
//! constraints (x², x⁴, x⁴·x); round constants and MDS layers are linear and cost nothing, the state
//! stays a set of linear combinations. An S-box applied to a constant is evaluated natively, which
//! makes the first full round's S-box on the capacity element (0 + c) free. Cost:
//! `3 · (8·t − 1 + R_P)` for t = n + 1, e.g. 240 for n = 2 (circom's count).
//!
//! The optimised partial-round schedule of core would not lower the count (the S-boxes are the
//! same); it would only make the linear combinations of the partial rounds shorter.

use super::num::Num;
use crate::{Engine, Fr};
use bellman_ce::{ConstraintSystem, SynthesisError};
use std::sync::OnceLock;
use zkpay_core::poseidon::{raw_constants, RawConstants, MAX_INPUTS, N_ROUNDS_F, N_ROUNDS_P};

fn constants() -> &'static [RawConstants] {
    static C: OnceLock<Vec<RawConstants>> = OnceLock::new();
    C.get_or_init(raw_constants)
}

/// `x^5`: three constraints, none for a constant.
fn sbox<CS: ConstraintSystem<Engine>>(mut cs: CS, x: &Num) -> Result<Num, SynthesisError> {
    if let Some(c) = x.constant_value() {
        let mut c2 = c;
        bellman_ce::pairing::ff::Field::square(&mut c2);
        let mut c4 = c2;
        bellman_ce::pairing::ff::Field::square(&mut c4);
        bellman_ce::pairing::ff::Field::mul_assign(&mut c4, &c);
        return Ok(Num::constant(c4));
    }
    let x2 = x.square(cs.namespace(|| "x^2"))?;
    let x4 = x2.square(cs.namespace(|| "x^4"))?;
    x4.mul(cs.namespace(|| "x^5"), x)
}

/// `H(inputs)` for 1…16 inputs; panics on any other count (a circuit's shape is fixed at design
/// time, so a wrong count is a programming error).
pub fn poseidon_hash<CS: ConstraintSystem<Engine>>(mut cs: CS, inputs: &[Num]) -> Result<Num, SynthesisError> {
    let n = inputs.len();
    assert!((1..=MAX_INPUTS).contains(&n), "poseidon takes 1 to {MAX_INPUTS} inputs, got {n}");
    let t = n + 1;
    let raw = &constants()[n - 1];
    let rounds_p = N_ROUNDS_P[t - 2];
    let half = N_ROUNDS_F / 2;

    let mut state: Vec<Num> = std::iter::once(Num::zero()).chain(inputs.iter().cloned()).collect();
    for r in 0..N_ROUNDS_F + rounds_p {
        let mut cs = cs.namespace(|| format!("round {r}"));
        for (i, s) in state.iter_mut().enumerate() {
            *s = s.add_constant(&raw.c[r * t + i]);
        }
        let full = r < half || r >= half + rounds_p;
        for (i, s) in state.iter_mut().enumerate().take(if full { t } else { 1 }) {
            *s = sbox(cs.namespace(|| format!("sbox {i}")), s)?;
        }
        // The last round's outputs other than state[0] are unused: skip computing them.
        let rows = if r + 1 == N_ROUNDS_F + rounds_p { 1 } else { t };
        state = (0..rows)
            .map(|i| state.iter().zip(&raw.m[i]).fold(Num::zero(), |acc, (s, m)| acc.add_mul_const(s, m)))
            .collect();
    }
    Ok(state.swap_remove(0))
}

/// `H(a, b)`, the Merkle node hash (240 constraints).
pub fn poseidon_hash2<CS: ConstraintSystem<Engine>>(cs: CS, a: &Num, b: &Num) -> Result<Num, SynthesisError> {
    poseidon_hash(cs, &[a.clone(), b.clone()])
}

/// The constraint count of [`poseidon_hash`] on `n` allocated (non-constant) inputs.
pub const fn poseidon_constraints(n: usize) -> usize {
    let t = n + 1;
    3 * (N_ROUNDS_F * t - 1 + N_ROUNDS_P[t - 2])
}

/// The native value the gadget computes (`zkpay_core::poseidon::hash`), for witness code and tests.
pub fn native_hash(inputs: &[Fr]) -> Fr {
    zkpay_core::poseidon::hash(inputs).expect("1..=16 inputs")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_cs::TestConstraintSystem;
    use crate::test_util::{random_fr, rng};
    use zkpay_core::field::{fr_from_hex, fr_from_u64};

    fn run(values: &[Fr]) -> (TestConstraintSystem, Num) {
        let mut cs = TestConstraintSystem::new();
        let inputs: Vec<Num> = values
            .iter()
            .enumerate()
            .map(|(i, v)| Num::alloc(cs.namespace(|| format!("in {i}")), Some(*v)).unwrap())
            .collect();
        let out = poseidon_hash(cs.namespace(|| "poseidon"), &inputs).unwrap();
        (cs, out)
    }

    #[test]
    fn matches_core_for_arities_1_to_6_with_pinned_counts() {
        const COUNTS: [usize; 6] = [213, 240, 261, 297, 321, 354];
        let mut r = rng(7);
        for n in 1..=6 {
            assert_eq!(poseidon_constraints(n), COUNTS[n - 1]);
            for _ in 0..5 {
                let values: Vec<Fr> = (0..n).map(|_| random_fr(&mut r)).collect();
                let (cs, out) = run(&values);
                assert_eq!(out.value(), Some(zkpay_core::poseidon::hash(&values).unwrap()), "n = {n}");
                assert_eq!(cs.num_constraints(), COUNTS[n - 1], "n = {n}");
                assert!(cs.is_satisfied());
            }
        }
        assert!(COUNTS[1] <= 250, "PROTOCOL budget: Poseidon(2) ≤ 250");
    }

    #[test]
    fn protocol_vector_h_1_2() {
        let (_, out) = run(&[fr_from_u64(1), fr_from_u64(2)]);
        assert_eq!(
            out.value(),
            Some(fr_from_hex("0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a").unwrap())
        );
    }

    #[test]
    fn constant_inputs_are_evaluated_natively() {
        let mut cs = TestConstraintSystem::new();
        let out = poseidon_hash(cs.namespace(|| "p"), &[Num::constant(fr_from_u64(1)), Num::constant(fr_from_u64(2))])
            .unwrap();
        assert_eq!(cs.num_constraints(), 0);
        assert_eq!(out.constant_value(), Some(native_hash(&[fr_from_u64(1), fr_from_u64(2)])));
    }

    #[test]
    fn corrupted_sbox_witness_or_wrong_output_is_unsatisfiable() {
        let mut r = rng(8);
        let values = [random_fr(&mut r), random_fr(&mut r)];
        let (mut cs, out) = run(&values);
        // Claiming the hash of different inputs (here: swapped) is unsatisfiable.
        let (mut cs2, out2) = run(&values);
        out2.enforce_equal(cs2.namespace(|| "claimed"), &Num::constant(native_hash(&[values[1], values[0]])));
        assert_eq!(cs2.which_is_unsatisfied().as_deref(), Some("claimed/equal"));

        out.enforce_equal(cs.namespace(|| "claimed"), &Num::constant(native_hash(&values)));
        assert!(cs.is_satisfied());
        for path in ["poseidon/round 0/sbox 1/x^2/product/num", "poseidon/round 30/sbox 0/x^5/product/num"] {
            let saved = cs.get(path);
            cs.set(path, random_fr(&mut r));
            assert!(cs.which_is_unsatisfied().unwrap().starts_with(path.trim_end_matches("product/num")));
            cs.set(path, saved);
        }
        // Changing an input changes the hash: the claimed-output constraint fails.
        cs.set("in 0/num", random_fr(&mut r));
        assert!(!cs.is_satisfied());
    }
}
