//! A multi-party ceremony for Groth16 keys (PROTOCOL §12): the keys are sound if any one
//! contributor was honest and destroyed their secrets.
//!
//! **Phase 1** (powers of tau, circuit-independent except for the domain size N) builds
//! `τ^i·G1` (i < 2N−1), `τ^i·G2`, `α·τ^i·G1`, `β·τ^i·G1` (i < N) and `β·G2` from generators;
//! every contribution multiplies τ, α and β by its own secrets. **The transition**
//! ([`Transcript::begin_phase2`]) evaluates the circuit's QAP in the Lagrange basis of the
//! domain: the A, B (G1 and G2), IC, L and H queries of bellman's `Parameters` with γ = δ = 1. It
//! is deterministic; verifiers recompute it. **Phase 2** multiplies δ by each contribution's secret
//! and divides L and H by it. [`Transcript::finalize`] writes bellman `Parameters`.
//!
//! Every contribution publishes, per secret `s` (τ, α, β in phase 1; δ in phase 2), a [`Pok`]: the
//! running product `s·before` and a proof of knowledge of `s` bound to the hash of the transcript
//! before it. The transcript keeps the contributions' public keys and only the latest
//! accumulator / phase-2 state: [`Transcript::verify`] checks every contribution's proof and chain
//! link, then that the latest state is consistent powers of the chain's final τ, α, β (random
//! linear combinations checked by pairings) and that L and H are the recomputed queries divided
//! by the chain's final δ. Soundness rests on one honest contributor per phase: τ, α, β (phase 1)
//! and δ (phase 2) are then unknown to everyone.
//!
//! # Transcript file
//!
//! All integers little-endian, points uncompressed (G1 64 bytes, G2 128 bytes, as bellman writes
//! them), no point at infinity anywhere:
//!
//! ```text
//! "zkpay ceremony v1\n"  circuit name (u16 length, UTF-8)  circuit digest [32]
//! num_inputs u32  num_aux u32  num_constraints u32  log2 N u8           (the header)
//! phase u8 (1 or 2)
//! phase-1 contributions u32, each: label (u16 length, UTF-8), Pok τ, Pok α, Pok β
//! accumulator: τ^i·G1 ×(2N−1), τ^i·G2 ×N, α·τ^i·G1 ×N, β·τ^i·G1 ×N, β·G2
//! phase 2 only: contributions u32, each: label, Pok δ; then δ·G1, δ·G2, L ×num_aux, H ×(N−1)
//! ```
//!
//! A Pok is `after, r·G1, r·s·G1` (G1) and `s·H` (G2). The transcript hash starts as
//! `sha256("zkpay ceremony transcript v1" ‖ header)` and after each contribution becomes
//! `sha256(previous ‖ contribution bytes)`; a contributor publishes theirs to attest it.

mod phase1;
mod phase2;
mod pok;
pub mod r1cs;

pub use phase1::Accumulator;
pub use phase2::{queries, Phase2State, Queries};
pub use pok::Pok;
pub use r1cs::{synthesize, R1cs};

use crate::keys::CircuitInfo;
use crate::{Engine, Fr};
use bellman_ce::groth16::{Parameters, VerifyingKey};
use bellman_ce::pairing::bn256::{G1Affine, G2Affine};
use bellman_ce::pairing::ff::Field;
use bellman_ce::pairing::CurveAffine;
use bellman_ce::{Circuit, ConstraintSystem, SynthesisError};
use rand04::Rng;
use sha2::{Digest, Sha256};
use std::io::{self, Read, Write};
use std::sync::Arc;

const MAGIC: &[u8] = b"zkpay ceremony v1\n";

/// The longest contributor label.
pub const MAX_LABEL_BYTES: usize = 256;

/// What is wrong with a transcript or a ceremony step.
#[derive(Debug, thiserror::Error)]
pub enum CeremonyError {
    /// The transcript could not be read (truncated or an OS error).
    #[error("the transcript is truncated or unreadable: {0}")]
    Read(#[source] io::Error),
    /// The transcript is not in the format.
    #[error("the transcript is malformed: {0}")]
    Malformed(String),
    /// The transcript is for another circuit.
    #[error("the transcript is for {found}, but the circuit is {expected}")]
    CircuitMismatch {
        /// What the circuit is.
        expected: String,
        /// What the transcript says.
        found: String,
    },
    /// The step does not apply to the transcript's phase.
    #[error("{0}")]
    WrongPhase(String),
    /// A contribution (or the state it left) fails verification.
    #[error("phase {phase} contribution #{index} ({label:?}) is invalid: {reason}")]
    BadContribution {
        /// 1 or 2.
        phase: u8,
        /// 1-based position in its phase.
        index: usize,
        /// The contributor's label.
        label: String,
        /// What is wrong.
        reason: String,
    },
    /// The state before any contribution is not the one the circuit defines.
    #[error("the initial phase {phase} state is not the one the circuit defines: {reason}")]
    BadInitialState {
        /// 1 or 2.
        phase: u8,
        /// What is wrong.
        reason: String,
    },
    /// Synthesizing the circuit or evaluating its QAP failed.
    #[error("the circuit: {0}")]
    Synthesis(#[from] SynthesisError),
    /// Could not get entropy from the OS.
    #[error("OS entropy: {0}")]
    Entropy(String),
}

impl CeremonyError {
    pub(crate) fn read(e: io::Error) -> CeremonyError {
        CeremonyError::Read(e)
    }
}

/// One contribution to phase 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase1Contribution {
    /// The contributor's name or note (public).
    pub label: String,
    /// τ.
    pub tau: Pok,
    /// α.
    pub alpha: Pok,
    /// β.
    pub beta: Pok,
}

/// One contribution to phase 2.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase2Contribution {
    /// The contributor's name or note (public).
    pub label: String,
    /// δ.
    pub delta: Pok,
}

/// Phase 2 of a transcript.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phase2 {
    /// The δ contributions in order.
    pub contributions: Vec<Phase2Contribution>,
    /// δ and the L and H queries after the last one.
    pub state: Phase2State,
}

/// A ceremony transcript (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transcript {
    /// The circuit's key name.
    pub circuit: String,
    /// [`R1cs::digest`] of the circuit.
    pub digest: [u8; 32],
    /// Inputs including ONE.
    pub num_inputs: u32,
    /// Aux variables.
    pub num_aux: u32,
    /// Constraints including the input constraints.
    pub num_constraints: u32,
    /// log2 of the domain size.
    pub log_domain: u8,
    /// Phase-1 contributions in order.
    pub phase1: Vec<Phase1Contribution>,
    /// The powers of tau after the last phase-1 contribution.
    pub accumulator: Accumulator,
    /// Phase 2, once begun.
    pub phase2: Option<Phase2>,
}

/// What [`Transcript::verify`] found: each contribution's label and the transcript hash after it.
#[derive(Clone, Debug)]
pub struct Verified {
    /// Phase-1 contributions: (label, hash after it).
    pub phase1: Vec<(String, [u8; 32])>,
    /// Phase-2 contributions: (label, hash after it).
    pub phase2: Vec<(String, [u8; 32])>,
    /// The recomputed queries (phase 2 only).
    pub queries: Option<Queries>,
}

fn write_label(w: &mut dyn Write, label: &str) -> io::Result<()> {
    w.write_all(&(label.len() as u16).to_le_bytes())?;
    w.write_all(label.as_bytes())
}

fn read_exact<const N: usize>(r: &mut dyn Read) -> Result<[u8; N], CeremonyError> {
    let mut b = [0u8; N];
    r.read_exact(&mut b).map_err(CeremonyError::read)?;
    Ok(b)
}

fn read_u32(r: &mut dyn Read) -> Result<u32, CeremonyError> {
    Ok(u32::from_le_bytes(read_exact::<4>(r)?))
}

fn read_string(r: &mut dyn Read, what: &str) -> Result<String, CeremonyError> {
    let len = u16::from_le_bytes(read_exact::<2>(r)?) as usize;
    if len > MAX_LABEL_BYTES {
        return Err(CeremonyError::Malformed(format!("a {what} of {len} bytes (at most {MAX_LABEL_BYTES})")));
    }
    let mut b = vec![0u8; len];
    r.read_exact(&mut b).map_err(CeremonyError::read)?;
    String::from_utf8(b).map_err(|_| CeremonyError::Malformed(format!("a {what} that is not UTF-8")))
}

fn check_label(label: &str) -> Result<(), CeremonyError> {
    if label.len() > MAX_LABEL_BYTES {
        return Err(CeremonyError::Malformed(format!("a label is at most {MAX_LABEL_BYTES} bytes")));
    }
    Ok(())
}

impl Phase1Contribution {
    fn bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        write_label(&mut v, &self.label).expect("writing to a Vec");
        for p in [&self.tau, &self.alpha, &self.beta] {
            p.write(&mut v).expect("writing to a Vec");
        }
        v
    }
}

impl Phase2Contribution {
    fn bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        write_label(&mut v, &self.label).expect("writing to a Vec");
        self.delta.write(&mut v).expect("writing to a Vec");
        v
    }
}

/// Secrets of one contribution from 64 bytes of OS entropy and the contributor's own input,
/// hashed together (either alone suffices if it is unpredictable).
fn contribution_rng(user_entropy: &[u8]) -> Result<rand04::ChaChaRng, CeremonyError> {
    let mut os = rand04::OsRng::new().map_err(|e| CeremonyError::Entropy(e.to_string()))?;
    let mut bytes = [0u8; 64];
    os.fill_bytes(&mut bytes);
    Ok(pok::rng_from(&[b"zkpay ceremony contribution v1", &bytes, user_entropy]))
}

impl Transcript {
    /// A new transcript for `r1cs` (the circuit named `circuit`): phase 1, no contributions.
    pub fn new(circuit: &str, r1cs: &R1cs) -> Result<Transcript, CeremonyError> {
        Transcript::with_accumulator(circuit, r1cs, || Accumulator::initial(r1cs.domain()))
    }

    fn with_accumulator(
        circuit: &str,
        r1cs: &R1cs,
        accumulator: impl FnOnce() -> Accumulator,
    ) -> Result<Transcript, CeremonyError> {
        check_label(circuit)?;
        let too_big = || CeremonyError::Synthesis(SynthesisError::PolynomialDegreeTooLarge);
        Ok(Transcript {
            circuit: circuit.to_string(),
            digest: r1cs.digest,
            num_inputs: r1cs.num_inputs.try_into().map_err(|_| too_big())?,
            num_aux: r1cs.num_aux.try_into().map_err(|_| too_big())?,
            num_constraints: r1cs.num_constraints.try_into().map_err(|_| too_big())?,
            log_domain: r1cs.log_domain as u8,
            phase1: Vec::new(),
            accumulator: accumulator(),
            phase2: None,
        })
    }

    fn header(&self) -> Vec<u8> {
        let mut v = MAGIC.to_vec();
        write_label(&mut v, &self.circuit).expect("writing to a Vec");
        v.extend_from_slice(&self.digest);
        for x in [self.num_inputs, self.num_aux, self.num_constraints] {
            v.extend_from_slice(&x.to_le_bytes());
        }
        v.push(self.log_domain);
        v
    }

    /// The transcript hash before any contribution.
    fn initial_hash(&self) -> [u8; 32] {
        Sha256::new().chain_update(b"zkpay ceremony transcript v1").chain_update(self.header()).finalize().into()
    }

    /// The transcript hash after every contribution so far (what the next one binds to).
    pub fn hash(&self) -> [u8; 32] {
        let mut h = self.initial_hash();
        for c in &self.phase1 {
            h = chain(&h, &c.bytes());
        }
        for c in self.phase2.iter().flat_map(|p| &p.contributions) {
            h = chain(&h, &c.bytes());
        }
        h
    }

    /// Write the transcript.
    pub fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        w.write_all(&self.header())?;
        w.write_all(&[if self.phase2.is_some() { 2 } else { 1 }])?;
        w.write_all(&(self.phase1.len() as u32).to_le_bytes())?;
        self.phase1.iter().try_for_each(|c| w.write_all(&c.bytes()))?;
        self.accumulator.write(w)?;
        if let Some(p2) = &self.phase2 {
            w.write_all(&(p2.contributions.len() as u32).to_le_bytes())?;
            p2.contributions.iter().try_for_each(|c| w.write_all(&c.bytes()))?;
            p2.state.write(w)?;
        }
        Ok(())
    }

    /// The circuit name in a transcript's header (to find the circuit before [`Transcript::read`]).
    pub fn read_circuit_name(r: &mut dyn Read) -> Result<String, CeremonyError> {
        if read_exact::<18>(r)? != *MAGIC {
            return Err(CeremonyError::Malformed("not a zkpay ceremony v1 transcript".into()));
        }
        read_string(r, "circuit name")
    }

    /// Read a transcript of `r1cs` (the circuit named in its header) to the end. Sizes come from
    /// the circuit, not the file, so a hostile file allocates nothing it does not contain.
    pub fn read(r: &mut dyn Read, r1cs: &R1cs) -> Result<Transcript, CeremonyError> {
        let circuit = Transcript::read_circuit_name(r)?;
        let digest = read_exact::<32>(r)?;
        let (num_inputs, num_aux, num_constraints) = (read_u32(r)?, read_u32(r)?, read_u32(r)?);
        let log_domain = read_exact::<1>(r)?[0];
        // The accumulator is read below: nothing allocated for it here.
        let empty = || Accumulator {
            tau_g1: vec![],
            tau_g2: vec![],
            alpha_tau_g1: vec![],
            beta_tau_g1: vec![],
            beta_g2: G2Affine::one(),
        };
        let mut t = Transcript::with_accumulator(&circuit, r1cs, empty)?;
        let found = (digest, num_inputs, num_aux, num_constraints, log_domain);
        if found != (t.digest, t.num_inputs, t.num_aux, t.num_constraints, t.log_domain) {
            return Err(CeremonyError::CircuitMismatch {
                expected: format!(
                    "{circuit:?} with digest {} ({} constraints)",
                    hex::encode(t.digest),
                    t.num_constraints
                ),
                found: format!("digest {} ({num_constraints} constraints)", hex::encode(digest)),
            });
        }
        let phase = read_exact::<1>(r)?[0];
        if phase != 1 && phase != 2 {
            return Err(CeremonyError::Malformed(format!("phase {phase}")));
        }
        for _ in 0..read_u32(r)? {
            let label = read_string(r, "label")?;
            t.phase1.push(Phase1Contribution { label, tau: Pok::read(r)?, alpha: Pok::read(r)?, beta: Pok::read(r)? });
        }
        t.accumulator = Accumulator::read(r, r1cs.domain())?;
        if phase == 2 {
            let mut contributions = Vec::new();
            for _ in 0..read_u32(r)? {
                let label = read_string(r, "label")?;
                contributions.push(Phase2Contribution { label, delta: Pok::read(r)? });
            }
            t.phase2 = Some(Phase2 { contributions, state: Phase2State::read(r, r1cs)? });
        }
        let mut rest = [0u8; 1];
        if r.read(&mut rest).map_err(CeremonyError::read)? != 0 {
            return Err(CeremonyError::Malformed("trailing bytes".into()));
        }
        Ok(t)
    }

    /// The phase the transcript is in.
    pub fn phase(&self) -> u8 {
        if self.phase2.is_some() {
            2
        } else {
            1
        }
    }

    /// Contribute to the current phase with fresh secrets from the OS and `user_entropy`; the
    /// secrets exist only inside this call. Returns the transcript hash after the contribution.
    pub fn contribute(&mut self, label: &str, user_entropy: &[u8]) -> Result<[u8; 32], CeremonyError> {
        check_label(label)?;
        let mut rng = contribution_rng(user_entropy)?;
        let h = self.hash();
        let label = label.to_string();
        match &mut self.phase2 {
            None => {
                let (tau, alpha, beta) =
                    (pok::nonzero_scalar(&mut rng), pok::nonzero_scalar(&mut rng), pok::nonzero_scalar(&mut rng));
                let acc = &self.accumulator;
                let c = Phase1Contribution {
                    label,
                    tau: Pok::new(&mut rng, &tau, &acc.tau_g1[1], &h, b"tau"),
                    alpha: Pok::new(&mut rng, &alpha, &acc.alpha_tau_g1[0], &h, b"alpha"),
                    beta: Pok::new(&mut rng, &beta, &acc.beta_tau_g1[0], &h, b"beta"),
                };
                self.accumulator.contribute(&tau, &alpha, &beta);
                self.phase1.push(c);
            }
            Some(p2) => {
                let delta = pok::nonzero_scalar(&mut rng);
                let c =
                    Phase2Contribution { label, delta: Pok::new(&mut rng, &delta, &p2.state.delta_g1, &h, b"delta") };
                p2.state.contribute(&delta);
                p2.contributions.push(c);
            }
        }
        Ok(self.hash())
    }

    /// Close phase 1 and start phase 2 from the circuit's queries (deterministic; checks phase 1
    /// first, so nobody contributes on top of a bad accumulator).
    pub fn begin_phase2(&mut self, r1cs: &R1cs) -> Result<(), CeremonyError> {
        if self.phase2.is_some() {
            return Err(CeremonyError::WrongPhase("phase 2 has already begun".into()));
        }
        if self.phase1.is_empty() {
            return Err(CeremonyError::WrongPhase(
                "phase 1 has no contribution yet: its τ, α, β would be public".into(),
            ));
        }
        self.verify(r1cs)?;
        let q = queries(&self.accumulator, r1cs)?;
        self.phase2 = Some(Phase2 { contributions: Vec::new(), state: Phase2State::initial(&q) });
        Ok(())
    }

    /// Verify the whole transcript against `r1cs`: every contribution's proofs of knowledge and
    /// chain links in order, then the latest accumulator and phase-2 state. The error names the
    /// first bad contribution (a bad state is the contribution's that wrote it).
    pub fn verify(&self, r1cs: &R1cs) -> Result<Verified, CeremonyError> {
        if self.digest != r1cs.digest || self.log_domain as u32 != r1cs.log_domain {
            return Err(CeremonyError::CircuitMismatch {
                expected: hex::encode(r1cs.digest),
                found: hex::encode(self.digest),
            });
        }
        let mut h = self.initial_hash();
        let mut keys = [G1Affine::one(); 3];
        let mut verified = Verified { phase1: Vec::new(), phase2: Vec::new(), queries: None };
        for (i, c) in self.phase1.iter().enumerate() {
            let bad = |reason: String| CeremonyError::BadContribution {
                phase: 1,
                index: i + 1,
                label: c.label.clone(),
                reason,
            };
            for (k, (tag, p)) in
                [(&b"tau"[..], &c.tau), (b"alpha", &c.alpha), (b"beta", &c.beta)].into_iter().enumerate()
            {
                p.check(&keys[k], &h, tag).map_err(|e| bad(format!("{}: {e}", String::from_utf8_lossy(tag))))?;
                keys[k] = p.after;
            }
            h = chain(&h, &c.bytes());
            verified.phase1.push((c.label.clone(), h));
        }
        let blame = |phase: u8, list: &[(String, [u8; 32])], reason: String| match list.last() {
            Some((label, _)) => {
                CeremonyError::BadContribution { phase, index: list.len(), label: label.clone(), reason }
            }
            None => CeremonyError::BadInitialState { phase, reason },
        };
        self.accumulator
            .check([&keys[0], &keys[1], &keys[2]])
            .map_err(|e| blame(1, &verified.phase1, format!("the accumulator it wrote: {e}")))?;
        if let Some(p2) = &self.phase2 {
            let q = queries(&self.accumulator, r1cs)?;
            let mut delta = G1Affine::one();
            for (i, c) in p2.contributions.iter().enumerate() {
                c.delta.check(&delta, &h, b"delta").map_err(|e| CeremonyError::BadContribution {
                    phase: 2,
                    index: i + 1,
                    label: c.label.clone(),
                    reason: format!("delta: {e}"),
                })?;
                delta = c.delta.after;
                h = chain(&h, &c.bytes());
                verified.phase2.push((c.label.clone(), h));
            }
            p2.state.check(&q, &delta).map_err(|e| blame(2, &verified.phase2, format!("the state it wrote: {e}")))?;
            verified.queries = Some(q);
        }
        Ok(verified)
    }

    /// Verify the transcript and build the Groth16 parameters. Needs phase 2 with at least one
    /// contribution (with none, δ = 1 is public and proofs can be forged).
    pub fn finalize(&self, r1cs: &R1cs) -> Result<Parameters<Engine>, CeremonyError> {
        let p2 = match &self.phase2 {
            Some(p2) if !p2.contributions.is_empty() => p2,
            Some(_) => {
                return Err(CeremonyError::WrongPhase("phase 2 has no contribution yet: δ would be public".into()))
            }
            None => return Err(CeremonyError::WrongPhase("phase 2 has not begun (`ceremony begin-phase2`)".into())),
        };
        let q = self.verify(r1cs)?.queries.expect("phase 2 verified");
        let acc = &self.accumulator;
        let vk = VerifyingKey::<Engine> {
            alpha_g1: acc.alpha_tau_g1[0],
            beta_g1: acc.beta_tau_g1[0],
            beta_g2: acc.beta_g2,
            gamma_g2: G2Affine::one(),
            delta_g1: p2.state.delta_g1,
            delta_g2: p2.state.delta_g2,
            ic: q.ic,
        };
        Ok(Parameters {
            vk,
            h: Arc::new(p2.state.h.clone()),
            l: Arc::new(p2.state.l.clone()),
            a: Arc::new(q.a),
            b_g1: Arc::new(q.b_g1),
            b_g2: Arc::new(q.b_g2),
        })
    }

    /// The [`CircuitInfo`] of the keys (public inputs without ONE, the circuit's own constraints).
    pub fn circuit_info(&self) -> CircuitInfo {
        let inputs = self.num_inputs as usize - 1;
        CircuitInfo {
            name: self.circuit.clone(),
            num_inputs: inputs,
            constraints: self.num_constraints as usize - inputs - 1,
        }
    }
}

fn chain(h: &[u8; 32], bytes: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update(h).chain_update(bytes).finalize().into()
}

/// A small circuit for testing ceremonies: `n` squarings of a private x, `x^(2^n)` and `x + 1`
/// public (keys named `toy_<n>`; they prove nothing of the rollup).
#[derive(Clone)]
pub struct ToyCircuit {
    /// Number of squarings.
    pub n: usize,
    /// The witness x, `None` for key generation.
    pub x: Option<Fr>,
}

impl ToyCircuit {
    /// The public inputs for witness `x`: `[x^(2^n), x + 1]`.
    pub fn public_inputs(&self, x: Fr) -> Vec<Fr> {
        use bellman_ce::pairing::ff::Field;
        let mut y = x;
        for _ in 0..self.n {
            y.square();
        }
        let mut x1 = x;
        x1.add_assign(&Fr::one());
        vec![y, x1]
    }
}

impl Circuit<Engine> for ToyCircuit {
    fn synthesize<CS: ConstraintSystem<Engine>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
        use crate::gadgets::num::Num;
        let inputs = self.x.map(|x| self.public_inputs(x));
        let y = Num::alloc_input(cs.namespace(|| "y"), inputs.as_ref().map(|v| v[0]))?;
        let x1 = Num::alloc_input(cs.namespace(|| "x+1"), inputs.as_ref().map(|v| v[1]))?;
        let x = Num::alloc(cs.namespace(|| "x"), self.x)?;
        let mut acc = x.clone();
        for i in 0..self.n {
            acc = acc.square(cs.namespace(|| format!("square {i}")))?;
        }
        acc.enforce_equal(cs.namespace(|| "y"), &y);
        let one = Num::constant(Fr::one());
        x.add(&one).enforce_equal(cs.namespace(|| "x+1"), &x1);
        Ok(())
    }
}

/// Parse `toy_<n>` (1 ≤ n ≤ 100,000).
pub fn toy_circuit_of_name(name: &str) -> Option<ToyCircuit> {
    let n: usize = name.strip_prefix("toy_")?.parse().ok()?;
    ((1..=100_000).contains(&n) && format!("toy_{n}") == name).then_some(ToyCircuit { n, x: None })
}
