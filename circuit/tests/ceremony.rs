//! The key ceremony (PROTOCOL §12) on a small circuit: a three-party ceremony whose keys prove and
//! verify with bellman; verification of honest, tampered and forged transcripts; two circuits'
//! ceremonies share no toxic waste.

use std::time::Instant;
use zkpay_circuit::bellman_ce::groth16::{create_random_proof, prepare_verifying_key, verify_proof, Parameters};
use zkpay_circuit::bellman_ce::pairing::bn256::{G1Affine, G2Affine};
use zkpay_circuit::bellman_ce::pairing::ff::PrimeField;
use zkpay_circuit::bellman_ce::pairing::{CurveAffine, CurveProjective};
use zkpay_circuit::ceremony::{synthesize, toy_circuit_of_name, CeremonyError, R1cs, ToyCircuit, Transcript};
use zkpay_circuit::keys::{load_keys, write_keys, KeyKind};
use zkpay_circuit::{Engine, Fr};

fn r1cs(n: usize) -> R1cs {
    synthesize(ToyCircuit { n, x: None }).unwrap()
}

/// A ceremony with `p1` phase-1 and `p2` phase-2 contributors.
fn ceremony(name: &str, r: &R1cs, p1: usize, p2: usize) -> Transcript {
    let mut t = Transcript::new(name, r).unwrap();
    for i in 0..p1 {
        let start = Instant::now();
        t.contribute(&format!("phase1 party {i}"), format!("entropy {i}").as_bytes()).unwrap();
        eprintln!("{name}: phase-1 contribution in {:.2?}", start.elapsed());
    }
    let start = Instant::now();
    t.begin_phase2(r).unwrap();
    eprintln!("{name}: verify phase 1 and begin phase 2 in {:.2?}", start.elapsed());
    for i in 0..p2 {
        let start = Instant::now();
        t.contribute(&format!("phase2 party {i}"), b"").unwrap();
        eprintln!("{name}: phase-2 contribution in {:.2?}", start.elapsed());
    }
    t
}

fn round_trip(t: &Transcript, r: &R1cs) -> Transcript {
    let mut bytes = Vec::new();
    t.write(&mut bytes).unwrap();
    Transcript::read(&mut &bytes[..], r).unwrap()
}

fn prove_and_verify(params: &Parameters<Engine>, n: usize, x: u64) -> bool {
    let circuit = ToyCircuit { n, x: Some(Fr::from_str(&x.to_string()).unwrap()) };
    let inputs = circuit.public_inputs(Fr::from_str(&x.to_string()).unwrap());
    let proof = create_random_proof(circuit, params, &mut rand04::thread_rng()).unwrap();
    verify_proof(&prepare_verifying_key(&params.vk), &proof, &inputs).unwrap()
}

#[test]
fn three_party_ceremony_gives_keys_that_prove_and_verify() {
    let r = r1cs(300);
    let start = Instant::now();
    let t = ceremony("toy_300", &r, 3, 3);
    eprintln!("toy_300 (N = {}): 3+3 contributions and the transition in {:.2?}", r.domain(), start.elapsed());
    let t = round_trip(&t, &r);
    let start = Instant::now();
    let verified = t.verify(&r).unwrap();
    eprintln!("verify in {:.2?}", start.elapsed());
    assert_eq!((verified.phase1.len(), verified.phase2.len()), (3, 3));
    assert_eq!(verified.phase2.last().unwrap().1, t.hash());
    let params = t.finalize(&r).unwrap();
    assert!(prove_and_verify(&params, 300, 7));
    // A proof for a false statement does not verify.
    let circuit = ToyCircuit { n: 300, x: Some(Fr::from_str("7").unwrap()) };
    let proof = create_random_proof(circuit, &params, &mut rand04::thread_rng()).unwrap();
    let wrong = ToyCircuit { n: 300, x: None }.public_inputs(Fr::from_str("8").unwrap());
    assert!(!verify_proof(&prepare_verifying_key(&params.vk), &proof, &wrong).unwrap());
    assert_eq!(params.vk.gamma_g2, G2Affine::one());
    assert_eq!(toy_circuit_of_name("toy_300").map(|c| c.n), Some(300));
    // Written and loaded back by the key files' own code, as production keys.
    let dir = tempfile::tempdir().unwrap();
    let info = t.circuit_info();
    assert_eq!(info, zkpay_circuit::keys::circuit_info("toy_300", ToyCircuit { n: 300, x: None }).unwrap());
    let written = write_keys(dir.path(), &info, &params, None).unwrap();
    assert_eq!(written.file.kind, KeyKind::Production);
    assert!(load_keys(dir.path(), "toy_300").unwrap().params == params);
}

/// An honest 2+2 transcript of toy_40 (fast) for the tampering tests.
fn small() -> (R1cs, Transcript) {
    let r = r1cs(40);
    let t = ceremony("toy_40", &r, 2, 2);
    t.verify(&r).unwrap();
    (r, t)
}

fn bad(err: CeremonyError) -> (u8, usize, String) {
    match err {
        CeremonyError::BadContribution { phase, index, reason, .. } => (phase, index, reason),
        other => panic!("not a bad contribution: {other}"),
    }
}

#[test]
fn tampered_accumulator_or_phase2_state_is_blamed_on_the_contribution_that_wrote_it() {
    let (r, t) = small();
    let plus_g1 = |p: &G1Affine| {
        let mut q = p.into_projective();
        q.add_assign_mixed(&G1Affine::one());
        q.into_affine()
    };
    for i in [2usize, 9, 60] {
        let mut bad_t = t.clone();
        bad_t.accumulator.tau_g1[i] = plus_g1(&bad_t.accumulator.tau_g1[i]);
        let (phase, index, reason) = bad(bad_t.verify(&r).unwrap_err());
        assert_eq!((phase, index), (1, 2), "{reason}");
        assert!(reason.contains("powers of τ"), "{reason}");
    }
    let mut bad_t = t.clone();
    bad_t.accumulator.alpha_tau_g1[3] = plus_g1(&bad_t.accumulator.alpha_tau_g1[3]);
    assert!(bad(bad_t.verify(&r).unwrap_err()).2.contains("α·τ^i·G1"));
    let mut bad_t = t.clone();
    bad_t.accumulator.tau_g2[2] = G2Affine::one();
    assert!(bad(bad_t.verify(&r).unwrap_err()).2.contains("τ^i·G2"));
    let mut bad_t = t.clone();
    bad_t.accumulator.beta_g2 = G2Affine::one();
    assert!(bad(bad_t.verify(&r).unwrap_err()).2.contains("β·G2"));
    // Phase 2: one L or H point, or δ·G2.
    for which in 0..3 {
        let mut bad_t = t.clone();
        let state = &mut bad_t.phase2.as_mut().unwrap().state;
        match which {
            0 => state.l[5] = plus_g1(&state.l[5]),
            1 => state.h[7] = plus_g1(&state.h[7]),
            _ => state.delta_g2 = G2Affine::one(),
        }
        let (phase, index, reason) = bad(bad_t.verify(&r).unwrap_err());
        assert_eq!((phase, index), (2, 2), "{reason}");
        // And such a transcript is never finalized.
        assert!(bad_t.finalize(&r).is_err());
    }
}

#[test]
fn a_contribution_with_a_wrong_proof_of_knowledge_is_named() {
    let (r, t) = small();
    let (_, other) = small();
    // Phase 1, contribution #2: another ceremony's proof (valid, but for another secret and bound
    // to another transcript).
    let mut bad_t = t.clone();
    bad_t.phase1[1].alpha = other.phase1[1].alpha.clone();
    let (phase, index, reason) = bad(bad_t.verify(&r).unwrap_err());
    assert_eq!((phase, index), (1, 2));
    assert!(reason.starts_with("alpha: "), "{reason}");
    // Contribution #1's: a valid proof for another secret on the same (initial) transcript, so #1
    // checks, but #2's proofs were bound to the transcript hash with #1's original bytes.
    let mut bad_t = t.clone();
    bad_t.phase1[0].alpha = other.phase1[0].alpha.clone();
    let (phase, index, reason) = bad(bad_t.verify(&r).unwrap_err());
    assert_eq!((phase, index), (1, 2));
    assert!(reason.contains("proof of knowledge does not verify"), "{reason}");
    // And with a proof of the same secret re-bound to the changed hash, #2's α would still not
    // follow from #1's: a proof that `after = s·before` for the new `before` fails.
    let mut bad_t = t.clone();
    bad_t.phase1[0].alpha = other.phase1[0].alpha.clone();
    bad_t.phase1[1].alpha.after = other.phase1[1].alpha.after;
    assert_eq!(bad(bad_t.verify(&r).unwrap_err()).1, 2);
    // Only the G2 point of the proof replaced: knowledge not shown.
    let mut bad_t = t.clone();
    bad_t.phase1[1].tau.s_h = other.phase1[1].tau.s_h;
    let (phase, index, reason) = bad(bad_t.verify(&r).unwrap_err());
    assert_eq!((phase, index), (1, 2));
    assert!(reason.contains("proof of knowledge does not verify"), "{reason}");
    // A proof bound to another transcript: relabelling contribution #1 changes the hash that
    // #2's proofs are bound to.
    let mut bad_t = t.clone();
    bad_t.phase1[0].label = "someone else".into();
    assert_eq!(bad(bad_t.verify(&r).unwrap_err()).1, 2);
    // Phase 2, δ of contribution #1.
    let mut bad_t = t.clone();
    bad_t.phase2.as_mut().unwrap().contributions[0].delta =
        other.phase2.as_ref().unwrap().contributions[0].delta.clone();
    let (phase, index, _) = bad(bad_t.verify(&r).unwrap_err());
    assert_eq!((phase, index), (2, 1));
}

#[test]
fn damaged_files_wrong_circuits_and_missing_contributions_are_errors_not_panics() {
    let (r, t) = small();
    let mut bytes = Vec::new();
    t.write(&mut bytes).unwrap();
    assert!(matches!(Transcript::read(&mut &bytes[..bytes.len() - 1], &r), Err(CeremonyError::Read(_))));
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(Transcript::read(&mut &longer[..], &r), Err(CeremonyError::Malformed(_))));
    // A flipped bit anywhere after the header: unreadable or failing verification.
    for at in [100, 400, bytes.len() / 2, bytes.len() - 70] {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x10;
        let result = Transcript::read(&mut &flipped[..], &r).and_then(|t| t.verify(&r).map(|_| ()));
        assert!(result.is_err(), "bit flip at {at} went unnoticed");
    }
    // Another circuit.
    assert!(matches!(Transcript::read(&mut &bytes[..], &r1cs(41)), Err(CeremonyError::CircuitMismatch { .. })));
    assert!(matches!(t.verify(&r1cs(41)), Err(CeremonyError::CircuitMismatch { .. })));
    // Phase 2 without a phase-1 contribution; finalize without a phase-2 contribution.
    let mut fresh = Transcript::new("toy_40", &r).unwrap();
    fresh.verify(&r).unwrap();
    assert!(matches!(fresh.begin_phase2(&r), Err(CeremonyError::WrongPhase(_))));
    assert!(matches!(fresh.finalize(&r), Err(CeremonyError::WrongPhase(_))));
    fresh.contribute("one", b"").unwrap();
    fresh.begin_phase2(&r).unwrap();
    assert!(matches!(fresh.finalize(&r), Err(CeremonyError::WrongPhase(_))));
    assert!(matches!(fresh.begin_phase2(&r), Err(CeremonyError::WrongPhase(_))));
}

#[test]
fn two_circuits_ceremonies_share_no_toxic_waste() {
    let (ra, rb) = (r1cs(300), r1cs(301));
    assert_eq!(ra.domain(), rb.domain());
    let (ta, tb) = (ceremony("toy_300", &ra, 1, 1), ceremony("toy_301", &rb, 1, 1));
    let (pa, pb) = (ta.finalize(&ra).unwrap(), tb.finalize(&rb).unwrap());
    // Independent τ, α, β and δ.
    assert_ne!(ta.accumulator.tau_g1[1], tb.accumulator.tau_g1[1]);
    assert_ne!(ta.accumulator.tau_g2[1], tb.accumulator.tau_g2[1]);
    assert_ne!(pa.vk.alpha_g1, pb.vk.alpha_g1);
    assert_ne!(pa.vk.beta_g2, pb.vk.beta_g2);
    assert_ne!(pa.vk.delta_g2, pb.vk.delta_g2);
    assert!(pa.h.iter().zip(pb.h.iter()).all(|(a, b)| a != b));
    // A proof under one circuit's keys does not verify under the other's, for the same inputs.
    let x = Fr::from_str("5").unwrap();
    let inputs = ToyCircuit { n: 300, x: None }.public_inputs(x);
    let proof = create_random_proof(ToyCircuit { n: 300, x: Some(x) }, &pa, &mut rand04::thread_rng()).unwrap();
    assert!(verify_proof(&prepare_verifying_key(&pa.vk), &proof, &inputs).unwrap());
    assert!(!verify_proof(&prepare_verifying_key(&pb.vk), &proof, &inputs).unwrap());
    // Even the same circuit twice: independent ceremonies, independent keys.
    let tc = ceremony("toy_300", &ra, 1, 1);
    let pc = tc.finalize(&ra).unwrap();
    assert_ne!(pa.vk.delta_g1, pc.vk.delta_g1);
    assert!(!verify_proof(&prepare_verifying_key(&pc.vk), &proof, &inputs).unwrap());
}
