//! Solidity export of Groth16 verification keys: one generated contract `Verifier` that checks
//! `bellman_ce` proofs over BN254 on the EVM with the precompiles `ecAdd` (0x06), `ecMul` (0x07) and
//! `ecPairing` (0x08) (EIP-196/197).
//!
//! # Interface
//!
//! [`export_verifier`] turns a list of `(name, &VerifyingKey<Bn256>, KeyKind)` into the source of one
//! Solidity 0.8 contract ([`export_verifier_dir`] does the same for every `*.vk.json` of a keys
//! directory). For each key with `N` public inputs it has
//!
//! ```solidity
//! function verify_<name>(uint256[8] calldata proof, uint256[N] calldata input) external view returns (bool);
//! ```
//!
//! and, when `N == 1` (the block circuits, whose only input is the commitment), also
//!
//! ```solidity
//! function verify_<name>_batch(uint256[8][] calldata proofs, uint256[] calldata inputs) external view returns (bool);
//! ```
//!
//! Block circuits' keys are named `block_<N>` (`N` = chunks, decimal, no leading zero; exactly one
//! public input). Over those keys the contract also has the size-generic interface the Rollup
//! contract uses (its `IVerifier`), dispatching on `chunks`:
//!
//! ```solidity
//! bool public constant DEV_KEYS;   // true iff any exported key's kind is `dev`
//! function isBlockSize(uint256 chunks) external pure returns (bool);
//! function blockSizes() external pure returns (uint256[] memory);   // ascending
//! function verifyBlock(uint256 chunks, uint256[8] calldata proof, uint256 input) external view returns (bool);
//! function verifyBlocks(uint256 chunks, uint256[8][] calldata proofs, uint256[] calldata inputs) external view returns (bool);
//! ```
//!
//! `verifyBlock`/`verifyBlocks` revert with `UnknownBlockSize(chunks)` for a size without a key (a
//! caller's mistake, not an invalid proof).
//!
//! Each `verify*` returns `true` iff every proof is valid for its inputs. It returns `false` for a proof that
//! fails the pairing check, an input `≥ r` (the scalar field modulus), a proof word `≥ q` (the base
//! field modulus), and a batch that is empty or whose lengths differ. It reverts with
//! `PrecompileFailed()` when a precompile call fails, which is either a point off its curve or
//! outside G2's subgroup, or too little gas: the two cannot be told apart, and answering `false` to
//! a short-of-gas call would both misreport a valid proof and make `eth_estimateGas` settle on the
//! gas of that cheap `false` (it looks for the least gas that does not revert).
//!
//! # Proof layout
//!
//! A proof is eight big-endian 256-bit words (see [`proof_to_uint256_8`]):
//!
//! ```text
//! [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]
//! ```
//!
//! G2 coordinates are elements `c0 + c1·u` of Fq2 and EIP-197 takes them imaginary part first, so words
//! 2..6 are `B` exactly as the pairing precompile reads it. The point at infinity is `(0, 0)`. A public
//! input is the canonical integer of its field element (see [`public_input_to_uint256`]).
//!
//! # The checks
//!
//! A single proof for inputs `x_1..x_N` is valid iff
//!
//! ```text
//! e(A, B) = e(α, β) · e(L, γ) · e(C, δ),   L = IC_0 + Σ_j x_j·IC_j
//! ```
//!
//! which the contract tests as one pairing product with four pairs:
//! `e(−A, B) · e(α, β) · e(L, γ) · e(C, δ) == 1`.
//!
//! A batch of `k` one-input proofs `(A_i, B_i, C_i)` for inputs `x_i` is checked with one pairing
//! call of `k + 3` pairs. Raising proof `i`'s equation to a random scalar `r_i` and multiplying them
//! all, bilinearity gives
//!
//! ```text
//! Π_i e(r_i·A_i, B_i) = e((Σ r_i)·α, β) · e(Σ r_i·L_i, γ) · e(Σ r_i·C_i, δ)
//! Σ r_i·L_i = (Σ r_i)·IC_0 + (Σ r_i·x_i)·IC_1
//! ```
//!
//! tested as `Π_i e(−r_i·A_i, B_i) · e((Σ r_i)·α, β) · e(Σ r_i·L_i, γ) · e(Σ r_i·C_i, δ) == 1`.
//! Valid proofs always pass. If some proof is invalid, the product of the per-proof quotients
//! `Π_i g_i^{r_i}` (with some `g_i ≠ 1` in the order-`r` group GT) is `1` for at most a `1/r`
//! fraction of the choices of the `r_i`, so the `r_i` must be unpredictable to whoever makes the
//! proofs: `r_0 = 1` (scaling every equation by a common factor changes nothing) and for `i ≥ 1`
//! `r_i = uint256(keccak256(abi.encode(seed, i))) mod r` with
//! `seed = keccak256(abi.encode(proofs, inputs))` (Fiat–Shamir over everything the prover chose).
//! `−r_i·A_i` is `ecMul(A_i, r − r_i)` since G1 has prime order `r`. Per extra proof the batch costs
//! one pairing pair (34 000 gas), two `ecMul`s (6 000 each) and an `ecAdd` instead of a whole
//! four-pair check (181 000 gas for the pairing alone): measured on anvil, 3 proofs cost ≈ 347k gas
//! in one batch against ≈ 220k each alone (see `tests/verifier_evm.rs`).
//!
//! The output is a deterministic function of the keys and their order: same keys, same bytes.

use crate::bellman_ce::groth16::{Proof, VerifyingKey};
use crate::bellman_ce::pairing::bn256::{Bn256, Fq, Fr, G1Affine, G2Affine};
use crate::bellman_ce::pairing::ff::{PrimeField, PrimeFieldRepr};
use crate::bellman_ce::pairing::CurveAffine;
use crate::keys::{read_verification_key, verification_key_path, KeyError, KeyKind};
use std::fmt::Write;
use std::path::Path;

/// A 256-bit EVM word, big-endian.
pub type Uint256 = [u8; 32];

/// The BN254 scalar field modulus `r` (public inputs must be below it), as Solidity writes it.
const R_DEC: &str = "21888242871839275222246405745257275088548364400416034343698204186575808495617";
/// The BN254 base field modulus `q` (proof coordinates must be below it), as Solidity writes it.
const Q_DEC: &str = "21888242871839275222246405745257275088696311157297823662689037894645226208583";

/// Big-endian word of a base-field element (a curve coordinate).
fn fq_to_uint256(x: &Fq) -> Uint256 {
    let mut out = [0u8; 32];
    x.into_repr().write_be(&mut out[..]).expect("a 256-bit representation fits 32 bytes");
    out
}

/// `[x, y]` of a G1 point as the precompiles read it; infinity is `(0, 0)` (EIP-196), which
/// `into_xy_unchecked` would not give (pairing_ce stores infinity as `(0, 1)`).
fn g1_words(p: &G1Affine) -> [Uint256; 2] {
    if p.is_zero() {
        return [[0; 32]; 2];
    }
    let (x, y) = p.into_xy_unchecked();
    [fq_to_uint256(&x), fq_to_uint256(&y)]
}

/// `[x.c1, x.c0, y.c1, y.c0]` of a G2 point: EIP-197 puts the imaginary part first.
fn g2_words(p: &G2Affine) -> [Uint256; 4] {
    if p.is_zero() {
        return [[0; 32]; 4];
    }
    let (x, y) = p.into_xy_unchecked();
    [fq_to_uint256(&x.c1), fq_to_uint256(&x.c0), fq_to_uint256(&y.c1), fq_to_uint256(&y.c0)]
}

/// A proof as the `uint256[8]` the generated `verify_*` functions take:
/// `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`, each a big-endian word.
///
/// The prover module is meant to hold the one copy of this conversion; this one is here so the
/// verifier export and its tests stand alone until the two are merged.
pub fn proof_to_uint256_8(proof: &Proof<Bn256>) -> [Uint256; 8] {
    let [ax, ay] = g1_words(&proof.a);
    let [bx1, bx0, by1, by0] = g2_words(&proof.b);
    let [cx, cy] = g1_words(&proof.c);
    [ax, ay, bx1, bx0, by1, by0, cx, cy]
}

/// A public input as the big-endian `uint256` of its canonical integer (always `< r`).
pub fn public_input_to_uint256(x: &Fr) -> Uint256 {
    let mut out = [0u8; 32];
    x.into_repr().write_be(&mut out[..]).expect("a 256-bit representation fits 32 bytes");
    out
}

/// A word as a Solidity hex literal (fixed width, so the output does not depend on leading zeros).
fn lit(w: &Uint256) -> String {
    let mut s = String::with_capacity(66);
    s.push_str("0x");
    for b in w {
        write!(s, "{b:02x}").unwrap();
    }
    s
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Header of the generated file: what it is and the math it implements, so a reader of the
/// contract alone can check it.
const HEADER: &str = r#"// SPDX-License-Identifier: MIT OR Apache-2.0
// Generated by zkpay-circuit (verifier_sol::export_verifier) from the Groth16 verification keys.
// Do not edit: regenerate from the keys.
pragma solidity ^0.8.4;

/// @title zkpay Groth16 verifier (BN254)
/// @notice One `verify_<name>` per verification key; `verify_<name>_batch` for one-input keys; and
/// over the block keys (`block_<chunks>`) the size-generic isBlockSize/blockSizes/verifyBlock/
/// verifyBlocks that the Rollup contract calls. DEV_KEYS is true iff a key is an insecure dev key.
///
/// Proof layout (uint256[8]): [A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y], where B's
/// coordinates are c0 + c1*u in Fq2, imaginary part first as the ecPairing precompile (EIP-197) reads
/// them. Public inputs are field elements as integers and must be < R.
///
/// Single proof, inputs x_1..x_N, L = IC_0 + sum_j x_j*IC_j:
///     e(-A, B) * e(alpha, beta) * e(L, gamma) * e(C, delta) == 1.
///
/// Batch of k one-input proofs (A_i, B_i, C_i) for x_i, one pairing call with k + 3 pairs:
///     prod_i e(-r_i*A_i, B_i) * e((sum r_i)*alpha, beta) * e(sum r_i*L_i, gamma) * e(sum r_i*C_i, delta) == 1
/// with sum r_i*L_i = (sum r_i)*IC_0 + (sum r_i*x_i)*IC_1. This is the product of every proof's own
/// equation raised to r_i; if any proof is invalid it holds for at most a 1/R fraction of the r_i,
/// which are therefore drawn after the proofs are fixed (Fiat-Shamir): r_0 = 1,
/// r_i = uint256(keccak256(abi.encode(seed, i))) % R, seed = keccak256(abi.encode(proofs, inputs)).
/// -r_i*A_i is computed as ecMul(A_i, R - r_i) since G1 has prime order R.
///
/// Every function returns false on an invalid proof, an input >= R, a proof word >= Q, or a
/// malformed batch (empty, or lengths that differ), and reverts with PrecompileFailed() when a
/// precompile call fails: a point off its curve or outside G2's subgroup, or too little gas. Failing
/// on the latter (rather than answering false) keeps a short-of-gas call from passing as an invalid
/// proof, and lets eth_estimateGas find the gas a real check needs.
contract Verifier {
    /// A precompile (ecAdd, ecMul, ecPairing) call failed: malformed point or out of gas.
    error PrecompileFailed();
    /// verifyBlock/verifyBlocks was asked for a block size that has no `block_<chunks>` key here.
    error UnknownBlockSize(uint256 chunks);

    /// BN254 scalar field modulus: public inputs and scalars live below it.
    uint256 internal constant R = __R__;
    /// BN254 base field modulus: proof coordinates live below it.
    uint256 internal constant Q = __Q__;
"#;

/// Helpers shared by every key: precompile calls and the per-proof step of a batch.
const HELPERS: &str = r#"
    /// @dev Every proof word is a base field element (the precompiles would reject larger ones, but
    /// checking first keeps -A.y well defined).
    function _proofInField(uint256[8] calldata proof) internal pure returns (bool) {
        for (uint256 i = 0; i < 8; i++) {
            if (proof[i] >= Q) return false;
        }
        return true;
    }

    /// @dev y-coordinate of -P for P = (x, y), y < Q; infinity (0, 0) stays itself.
    function _negY(uint256 y) internal pure returns (uint256) {
        return y == 0 ? 0 : Q - y;
    }

    /// @dev acc := acc + s*(x, y) with ecMul (0x07) then ecAdd (0x06); reverts if a precompile fails
    /// (a point off the curve, or out of gas). acc = (0, 0) is the point at infinity.
    function _mulAcc(uint256[2] memory acc, uint256 x, uint256 y, uint256 s) internal view {
        bool ok;
        assembly {
            let m := mload(0x40)
            mstore(m, x)
            mstore(add(m, 0x20), y)
            mstore(add(m, 0x40), s)
            ok := staticcall(gas(), 0x07, m, 0x60, m, 0x40)
            if ok {
                mstore(add(m, 0x40), mload(acc))
                mstore(add(m, 0x60), mload(add(acc, 0x20)))
                ok := staticcall(gas(), 0x06, m, 0x80, acc, 0x40)
            }
        }
        if (!ok) revert PrecompileFailed();
    }

    /// @dev ecPairing (0x08) over p, six words per (G1, G2) pair: true iff the product of the
    /// pairings is 1; reverts if the precompile fails (a point off its curve or outside G2's subgroup,
    /// or out of gas).
    function _pairing(uint256[] memory p) internal view returns (bool) {
        uint256 len = p.length * 32;
        bool ok;
        uint256 out;
        assembly {
            ok := staticcall(gas(), 0x08, add(p, 0x20), len, 0x00, 0x20)
            out := mload(0x00)
        }
        if (!ok) revert PrecompileFailed();
        return out == 1;
    }

    /// @dev Batch step for proof i with input x: writes the pair (-r_i*A_i, B_i) at pair slot i of p,
    /// adds r_i*C_i to c, r_i to sums[0] and r_i*x to sums[1] (mod R).
    function _batchTerm(
        uint256[] memory p,
        uint256[2] memory c,
        uint256[2] memory sums,
        uint256[8] calldata proof,
        uint256 x,
        uint256 i,
        bytes32 seed
    ) internal view returns (bool) {
        if (x >= R || !_proofInField(proof)) return false;
        uint256 o = 6 * i;
        if (i == 0) {
            // r_0 = 1: no multiplications needed.
            sums[0] = addmod(sums[0], 1, R);
            sums[1] = addmod(sums[1], x, R);
            p[o] = proof[0];
            p[o + 1] = _negY(proof[1]);
            c[0] = proof[6];
            c[1] = proof[7];
        } else {
            uint256 r = uint256(keccak256(abi.encode(seed, i))) % R;
            sums[0] = addmod(sums[0], r, R);
            sums[1] = addmod(sums[1], mulmod(r, x, R), R);
            uint256[2] memory a;
            _mulAcc(a, proof[0], proof[1], R - r);
            p[o] = a[0];
            p[o + 1] = a[1];
            _mulAcc(c, proof[6], proof[7], r);
        }
        p[o + 2] = proof[2];
        p[o + 3] = proof[3];
        p[o + 4] = proof[4];
        p[o + 5] = proof[5];
        return true;
    }
}
"#;

/// Solidity statements writing one (G1, G2) pair into the memory array `p` at word `base + start`
/// (`base` a Solidity expression or empty): the G1 point's two given words, then the four words of
/// the G2 constants named `<g2_prefix>_{X1,X0,Y1,Y0}`.
fn put_pair(out: &mut String, base: &str, start: usize, g1: [&str; 2], g2_prefix: &str) {
    let at = |k: usize| match (base, start + k) {
        ("", i) => i.to_string(),
        (b, 0) => b.to_string(),
        (b, i) => format!("{b} + {i}"),
    };
    writeln!(out, "        p[{}] = {};", at(0), g1[0]).unwrap();
    writeln!(out, "        p[{}] = {};", at(1), g1[1]).unwrap();
    for (k, suffix) in ["X1", "X0", "Y1", "Y0"].iter().enumerate() {
        writeln!(out, "        p[{}] = {g2_prefix}_{suffix};", at(k + 2)).unwrap();
    }
}

/// The block size of a key named `block_<N>` (`N` decimal without a leading zero, `N ≥ 1`), else `None`.
pub fn block_size_of(name: &str) -> Option<u64> {
    let digits = name.strip_prefix("block_")?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The Solidity source of one contract `Verifier` with `verify_<name>` for every key (and
/// `verify_<name>_batch` for every key with exactly one public input), the size-generic block
/// interface over the `block_<N>` keys, and `DEV_KEYS` (true iff any key's kind is
/// [`KeyKind::Dev`]). See the module docs for the proof layout, the checks and the batching math.
/// Deterministic: the same keys in the same order give the same bytes.
///
/// # Panics
///
/// If a name is not a Solidity identifier (`[A-Za-z_][A-Za-z0-9_]*`), two names collide once
/// upper-cased (they name the key's constants), a key has no IC point, two block keys have the same
/// size, or a `block_<N>` key does not have exactly one public input. The names and keys come from
/// the project's key generation, not from users.
pub fn export_verifier(keys: &[(String, &VerifyingKey<Bn256>, KeyKind)]) -> String {
    let mut seen = std::collections::BTreeSet::new();
    // Block size → key name, ascending: the dispatch order of the generated functions.
    let mut blocks = std::collections::BTreeMap::new();
    for (name, vk, _) in keys {
        assert!(is_identifier(name), "verifier key name {name:?} is not a Solidity identifier");
        assert!(seen.insert(name.to_ascii_uppercase()), "verifier key name {name:?} is used twice");
        assert!(!vk.ic.is_empty(), "verifying key {name:?} has no IC point");
        if let Some(size) = block_size_of(name) {
            assert_eq!(vk.ic.len(), 2, "block key {name:?} must have exactly one public input (the commitment)");
            assert!(blocks.insert(size, name.clone()).is_none(), "two block keys of size {size}");
        }
    }
    let dev = keys.iter().any(|(_, _, kind)| *kind == KeyKind::Dev);

    let mut out = HEADER.replace("__R__", R_DEC).replace("__Q__", Q_DEC);
    write_dispatch(&mut out, dev, &blocks);
    for (name, vk, _) in keys {
        write_key(&mut out, name, vk);
    }
    out.push_str(HELPERS);
    out
}

/// [`export_verifier`] over every `*.vk.json` in `dir`, in name order (proving keys are not
/// needed). Returns the source and the key names.
pub fn export_verifier_dir(dir: &Path) -> Result<(String, Vec<String>), KeyError> {
    let entries = std::fs::read_dir(dir).map_err(|source| KeyError::Io { path: dir.to_path_buf(), source })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".vk.json")).map(str::to_string))
        .collect();
    names.sort();
    let mut keys = Vec::with_capacity(names.len());
    for name in &names {
        let (file, vk) = read_verification_key(&verification_key_path(dir, name))?;
        keys.push((name.clone(), vk, file.kind));
    }
    let refs: Vec<(String, &VerifyingKey<Bn256>, KeyKind)> =
        keys.iter().map(|(n, vk, k)| (n.clone(), vk, *k)).collect();
    Ok((export_verifier(&refs), names))
}

/// `DEV_KEYS` and the size-generic block interface, dispatching to the `block_<N>` keys.
fn write_dispatch(out: &mut String, dev: bool, blocks: &std::collections::BTreeMap<u64, String>) {
    writeln!(out).unwrap();
    writeln!(out, "    /// @notice True iff some key here is an insecure dev key (generated from the public seed):")
        .unwrap();
    writeln!(out, "    /// the Rollup contract refuses such a verifier on any chain but the local dev chain.").unwrap();
    writeln!(out, "    bool public constant DEV_KEYS = {dev};").unwrap();

    let sizes: Vec<String> = blocks.keys().map(u64::to_string).collect();
    writeln!(out).unwrap();
    writeln!(
        out,
        "    /// @notice Whether blocks of `chunks` chunks can be verified here (a `block_<chunks>` key exists)."
    )
    .unwrap();
    if blocks.is_empty() {
        writeln!(out, "    function isBlockSize(uint256) external pure returns (bool) {{").unwrap();
        writeln!(out, "        return false;").unwrap();
    } else {
        writeln!(out, "    function isBlockSize(uint256 chunks) external pure returns (bool) {{").unwrap();
        let cond: Vec<String> = sizes.iter().map(|n| format!("chunks == {n}")).collect();
        writeln!(out, "        return {};", cond.join(" || ")).unwrap();
    }
    writeln!(out, "    }}").unwrap();

    writeln!(out).unwrap();
    writeln!(out, "    /// @notice The block sizes (chunks) that have a key here, ascending.").unwrap();
    writeln!(out, "    function blockSizes() external pure returns (uint256[] memory sizes) {{").unwrap();
    writeln!(out, "        sizes = new uint256[]({});", sizes.len()).unwrap();
    for (i, n) in sizes.iter().enumerate() {
        writeln!(out, "        sizes[{i}] = {n};").unwrap();
    }
    writeln!(out, "    }}").unwrap();

    // With no block key the functions only revert: `pure`, unnamed unused parameters (no warnings).
    let (mutability, proof, input, proofs, inputs) =
        if blocks.is_empty() { ("pure", "", "", "", "") } else { ("view", " proof", " input", " proofs", " inputs") };
    writeln!(out).unwrap();
    writeln!(out, "    /// @notice Checks one proof of a block of `chunks` chunks for its public input `input`.")
        .unwrap();
    writeln!(out, "    /// Reverts with UnknownBlockSize if there is no key for `chunks`.").unwrap();
    writeln!(out, "    function verifyBlock(uint256 chunks, uint256[8] calldata{proof}, uint256{input}) external {mutability} returns (bool) {{").unwrap();
    for (n, name) in blocks {
        writeln!(out, "        if (chunks == {n}) return _verify_{name}(proof, [input]);").unwrap();
    }
    writeln!(out, "        revert UnknownBlockSize(chunks);").unwrap();
    writeln!(out, "    }}").unwrap();

    writeln!(out).unwrap();
    writeln!(
        out,
        "    /// @notice Checks `proofs[i]` for `inputs[i]`, all blocks of `chunks` chunks, with one pairing call."
    )
    .unwrap();
    writeln!(
        out,
        "    /// False if empty or the lengths differ; reverts with UnknownBlockSize if there is no key for `chunks`."
    )
    .unwrap();
    writeln!(out, "    function verifyBlocks(uint256 chunks, uint256[8][] calldata{proofs}, uint256[] calldata{inputs}) external {mutability} returns (bool) {{").unwrap();
    for (n, name) in blocks {
        writeln!(out, "        if (chunks == {n}) return _verify_{name}_batch(proofs, inputs);").unwrap();
    }
    writeln!(out, "        revert UnknownBlockSize(chunks);").unwrap();
    writeln!(out, "    }}").unwrap();
}

/// Constants and functions of one key.
fn write_key(out: &mut String, name: &str, vk: &VerifyingKey<Bn256>) {
    let k = name.to_ascii_uppercase();
    let n = vk.ic.len() - 1;
    writeln!(out).unwrap();
    writeln!(out, "    // ---- key `{name}`: {n} public input(s) ----").unwrap();
    let [ax, ay] = g1_words(&vk.alpha_g1);
    writeln!(out, "    uint256 internal constant {k}_ALPHA_X = {};", lit(&ax)).unwrap();
    writeln!(out, "    uint256 internal constant {k}_ALPHA_Y = {};", lit(&ay)).unwrap();
    for (label, p) in [("BETA", &vk.beta_g2), ("GAMMA", &vk.gamma_g2), ("DELTA", &vk.delta_g2)] {
        let words = g2_words(p);
        for (suffix, w) in ["X1", "X0", "Y1", "Y0"].iter().zip(words.iter()) {
            writeln!(out, "    uint256 internal constant {k}_{label}_{suffix} = {};", lit(w)).unwrap();
        }
    }
    for (j, p) in vk.ic.iter().enumerate() {
        let [x, y] = g1_words(p);
        writeln!(out, "    uint256 internal constant {k}_IC{j}_X = {};", lit(&x)).unwrap();
        writeln!(out, "    uint256 internal constant {k}_IC{j}_Y = {};", lit(&y)).unwrap();
    }

    // Single proof: e(-A, B) * e(alpha, beta) * e(L, gamma) * e(C, delta) == 1.
    writeln!(out).unwrap();
    writeln!(out, "    /// @notice Checks one `{name}` proof for its {n} public input(s).").unwrap();
    writeln!(
        out,
        "    function verify_{name}(uint256[8] calldata proof, uint256[{n}] calldata input) external view returns (bool) {{"
    )
    .unwrap();
    writeln!(out, "        return _verify_{name}(proof, input);").unwrap();
    writeln!(out, "    }}").unwrap();
    writeln!(out).unwrap();
    writeln!(
        out,
        "    function _verify_{name}(uint256[8] calldata proof, uint256[{n}] memory input) internal view returns (bool) {{"
    )
    .unwrap();
    writeln!(out, "        if (!_proofInField(proof)) return false;").unwrap();
    writeln!(out, "        // L = IC_0 + sum_j input[j-1] * IC_j").unwrap();
    writeln!(out, "        uint256[2] memory l = [{k}_IC0_X, {k}_IC0_Y];").unwrap();
    for j in 1..=n {
        writeln!(out, "        if (input[{i}] >= R) return false;", i = j - 1).unwrap();
        writeln!(out, "        _mulAcc(l, {k}_IC{j}_X, {k}_IC{j}_Y, input[{i}]);", i = j - 1).unwrap();
    }
    writeln!(out, "        uint256[] memory p = new uint256[](24);").unwrap();
    writeln!(out, "        p[0] = proof[0];").unwrap();
    writeln!(out, "        p[1] = _negY(proof[1]);").unwrap();
    for w in 2..6 {
        writeln!(out, "        p[{w}] = proof[{w}];").unwrap();
    }
    put_pair(out, "", 6, [&format!("{k}_ALPHA_X"), &format!("{k}_ALPHA_Y")], &format!("{k}_BETA"));
    put_pair(out, "", 12, ["l[0]", "l[1]"], &format!("{k}_GAMMA"));
    put_pair(out, "", 18, ["proof[6]", "proof[7]"], &format!("{k}_DELTA"));
    writeln!(out, "        return _pairing(p);").unwrap();
    writeln!(out, "    }}").unwrap();

    if n != 1 {
        return;
    }
    // Batch: prod_i e(-r_i A_i, B_i) * e((sum r_i) alpha, beta) * e(sum r_i L_i, gamma) * e(sum r_i C_i, delta) == 1.
    writeln!(out).unwrap();
    writeln!(
        out,
        "    /// @notice Checks `proofs[i]` for `inputs[i]`, all `{name}` proofs, with one pairing call (see the"
    )
    .unwrap();
    writeln!(out, "    /// contract notes for the random linear combination). False if empty or the lengths differ.")
        .unwrap();
    writeln!(
        out,
        "    function verify_{name}_batch(uint256[8][] calldata proofs, uint256[] calldata inputs) external view returns (bool) {{"
    )
    .unwrap();
    writeln!(out, "        return _verify_{name}_batch(proofs, inputs);").unwrap();
    writeln!(out, "    }}").unwrap();
    writeln!(out).unwrap();
    writeln!(
        out,
        "    function _verify_{name}_batch(uint256[8][] calldata proofs, uint256[] calldata inputs) internal view returns (bool) {{"
    )
    .unwrap();
    writeln!(out, "        uint256 n = proofs.length;").unwrap();
    writeln!(out, "        if (n == 0 || inputs.length != n) return false;").unwrap();
    writeln!(out, "        bytes32 seed = keccak256(abi.encode(proofs, inputs));").unwrap();
    writeln!(out, "        uint256[] memory p = new uint256[](6 * (n + 3));").unwrap();
    writeln!(out, "        uint256[2] memory c; // sum r_i*C_i").unwrap();
    writeln!(out, "        uint256[2] memory sums; // [sum r_i, sum r_i*x_i] mod R").unwrap();
    writeln!(out, "        for (uint256 i = 0; i < n; i++) {{").unwrap();
    writeln!(out, "            if (!_batchTerm(p, c, sums, proofs[i], inputs[i], i, seed)) return false;").unwrap();
    writeln!(out, "        }}").unwrap();
    writeln!(out, "        uint256 o = 6 * n;").unwrap();
    writeln!(out, "        uint256[2] memory a; // (sum r_i)*alpha").unwrap();
    writeln!(out, "        _mulAcc(a, {k}_ALPHA_X, {k}_ALPHA_Y, sums[0]);").unwrap();
    writeln!(out, "        uint256[2] memory l; // sum r_i*L_i = (sum r_i)*IC_0 + (sum r_i*x_i)*IC_1").unwrap();
    writeln!(out, "        _mulAcc(l, {k}_IC0_X, {k}_IC0_Y, sums[0]);").unwrap();
    writeln!(out, "        _mulAcc(l, {k}_IC1_X, {k}_IC1_Y, sums[1]);").unwrap();
    put_pair(out, "o", 0, ["a[0]", "a[1]"], &format!("{k}_BETA"));
    put_pair(out, "o", 6, ["l[0]", "l[1]"], &format!("{k}_GAMMA"));
    put_pair(out, "o", 12, ["c[0]", "c[1]"], &format!("{k}_DELTA"));
    writeln!(out, "        return _pairing(p);").unwrap();
    writeln!(out, "    }}").unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bellman_ce::pairing::bn256::{Fq2, G1, G2};
    use crate::bellman_ce::pairing::ff::Field;
    use crate::bellman_ce::pairing::CurveProjective;

    fn fq_from_word(w: &Uint256) -> Fq {
        let mut repr = <Fq as PrimeField>::Repr::default();
        repr.read_be(&w[..]).unwrap();
        Fq::from_repr(repr).unwrap()
    }

    /// A point and a key made from fixed multiples of the generators: enough for layout tests
    /// without running a setup (the EVM test in `tests/verifier_evm.rs` uses real keys).
    fn g1(k: u64) -> G1Affine {
        G1Affine::one().mul(Fr::from_str(&k.to_string()).unwrap().into_repr()).into_affine()
    }
    fn g2(k: u64) -> G2Affine {
        G2Affine::one().mul(Fr::from_str(&k.to_string()).unwrap().into_repr()).into_affine()
    }
    fn vk(inputs: usize) -> VerifyingKey<Bn256> {
        VerifyingKey {
            alpha_g1: g1(2),
            beta_g1: g1(3),
            beta_g2: g2(3),
            gamma_g2: g2(5),
            delta_g1: g1(7),
            delta_g2: g2(7),
            ic: (0..=inputs as u64).map(|j| g1(11 + j)).collect(),
        }
    }

    #[test]
    fn proof_words_round_trip_in_eip197_order() {
        let proof = Proof::<Bn256> { a: g1(9), b: g2(10), c: g1(12) };
        let w = proof_to_uint256_8(&proof);
        let a = G1Affine::from_xy_checked(fq_from_word(&w[0]), fq_from_word(&w[1])).unwrap();
        let mut bx = Fq2::zero();
        bx.c1 = fq_from_word(&w[2]);
        bx.c0 = fq_from_word(&w[3]);
        let mut by = Fq2::zero();
        by.c1 = fq_from_word(&w[4]);
        by.c0 = fq_from_word(&w[5]);
        let b = G2Affine::from_xy_checked(bx, by).unwrap();
        let c = G1Affine::from_xy_checked(fq_from_word(&w[6]), fq_from_word(&w[7])).unwrap();
        assert_eq!((a, b, c), (proof.a, proof.b, proof.c));
    }

    #[test]
    fn infinity_is_all_zero_words() {
        let proof = Proof::<Bn256> { a: G1::zero().into_affine(), b: G2::zero().into_affine(), c: g1(1) };
        let w = proof_to_uint256_8(&proof);
        assert!(w[..6].iter().all(|w| w == &[0u8; 32]));
        assert_ne!(w[6], [0u8; 32]);
    }

    #[test]
    fn public_input_is_big_endian_integer() {
        let w = public_input_to_uint256(&Fr::from_str("258").unwrap());
        let mut want = [0u8; 32];
        want[30] = 1;
        want[31] = 2;
        assert_eq!(w, want);
        // r - 1, the largest input, is the modulus minus one in big-endian.
        let mut minus_one = Fr::zero();
        minus_one.sub_assign(&Fr::one());
        let w = public_input_to_uint256(&minus_one);
        assert_eq!(lit(&w), "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000000");
    }

    #[test]
    fn moduli_constants_match_the_fields() {
        // The Solidity constants are decimal; check them against pairing_ce's own fields: the
        // modulus minus one, written out, differs from the modulus only in its last byte.
        let r_hex = "0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001";
        let q_hex = "0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47";
        assert_eq!(dec_to_hex(R_DEC), r_hex);
        assert_eq!(dec_to_hex(Q_DEC), q_hex);
        let mut r_minus_one = Fr::zero();
        r_minus_one.sub_assign(&Fr::one());
        assert_eq!(lit(&public_input_to_uint256(&r_minus_one))[..64], r_hex[..64]);
        let mut q_minus_one = Fq::zero();
        q_minus_one.sub_assign(&Fq::one());
        assert_eq!(lit(&fq_to_uint256(&q_minus_one))[..64], q_hex[..64]);
    }

    /// Decimal string to fixed-width hex, by schoolbook long multiplication on bytes.
    fn dec_to_hex(dec: &str) -> String {
        let mut bytes = [0u8; 32];
        for d in dec.bytes() {
            let mut carry = (d - b'0') as u32;
            for b in bytes.iter_mut().rev() {
                let v = *b as u32 * 10 + carry;
                *b = v as u8;
                carry = v >> 8;
            }
            assert_eq!(carry, 0);
        }
        lit(&bytes)
    }

    #[test]
    fn export_is_deterministic_and_has_the_interface() {
        let (block, exit) = (vk(1), vk(5));
        let keys = vec![("block_4".to_string(), &block, KeyKind::Dev), ("exit".to_string(), &exit, KeyKind::Dev)];
        let a = export_verifier(&keys);
        assert_eq!(a, export_verifier(&keys));
        assert!(a.contains("contract Verifier {"));
        assert!(a.contains(
            "function verify_block_4(uint256[8] calldata proof, uint256[1] calldata input) external view returns (bool)"
        ));
        assert!(a.contains(
            "function verify_block_4_batch(uint256[8][] calldata proofs, uint256[] calldata inputs) external view returns (bool)"
        ));
        assert!(a.contains(
            "function verify_exit(uint256[8] calldata proof, uint256[5] calldata input) external view returns (bool)"
        ));
        assert!(!a.contains("verify_exit_batch"), "batching is only for one-input keys");
        assert!(a.contains("EXIT_IC5_Y"));
        assert!(!a.contains("EXIT_IC6_X"));
        // Different keys, different contract.
        let other = vk(4);
        assert_ne!(
            a,
            export_verifier(&[
                ("block_4".to_string(), &block, KeyKind::Dev),
                ("exit".to_string(), &other, KeyKind::Dev)
            ])
        );
    }

    #[test]
    fn block_keys_get_the_size_generic_interface() {
        let (b8, b32, exit) = (vk(1), vk(1), vk(5));
        // Name order is not size order: the dispatch is by size, ascending.
        let a = export_verifier(&[
            ("block_32".to_string(), &b32, KeyKind::Production),
            ("block_8".to_string(), &b8, KeyKind::Production),
            ("exit".to_string(), &exit, KeyKind::Production),
        ]);
        assert!(a.contains("bool public constant DEV_KEYS = false;"));
        assert!(a.contains("function isBlockSize(uint256 chunks) external pure returns (bool) {\n        return chunks == 8 || chunks == 32;"));
        assert!(a.contains("sizes = new uint256[](2);\n        sizes[0] = 8;\n        sizes[1] = 32;"));
        assert!(a.contains(
            "function verifyBlock(uint256 chunks, uint256[8] calldata proof, uint256 input) external view returns (bool) {\n        if (chunks == 8) return _verify_block_8(proof, [input]);\n        if (chunks == 32) return _verify_block_32(proof, [input]);\n        revert UnknownBlockSize(chunks);"
        ));
        assert!(a.contains(
            "function verifyBlocks(uint256 chunks, uint256[8][] calldata proofs, uint256[] calldata inputs) external view returns (bool) {\n        if (chunks == 8) return _verify_block_8_batch(proofs, inputs);\n        if (chunks == 32) return _verify_block_32_batch(proofs, inputs);"
        ));
        // The per-key external functions and the dispatch share one internal body per key.
        assert_eq!(a.matches("function _verify_block_8(").count(), 1);
        assert!(a.contains("return _verify_block_8(proof, input);"));
        assert!(a.contains("return _verify_block_8_batch(proofs, inputs);"));
    }

    #[test]
    fn dev_keys_flag_follows_any_dev_key() {
        let (b, exit) = (vk(1), vk(5));
        let mixed = export_verifier(&[
            ("block_8".to_string(), &b, KeyKind::Production),
            ("exit".to_string(), &exit, KeyKind::Dev),
        ]);
        assert!(mixed.contains("bool public constant DEV_KEYS = true;"));
        let production = export_verifier(&[("exit".to_string(), &exit, KeyKind::Production)]);
        assert!(production.contains("bool public constant DEV_KEYS = false;"));
    }

    #[test]
    fn without_block_keys_the_block_interface_only_refuses() {
        let exit = vk(5);
        let a = export_verifier(&[("exit".to_string(), &exit, KeyKind::Dev)]);
        assert!(a.contains("function isBlockSize(uint256) external pure returns (bool) {\n        return false;"));
        assert!(a.contains("sizes = new uint256[](0);"));
        assert!(a.contains(
            "function verifyBlock(uint256 chunks, uint256[8] calldata, uint256) external pure returns (bool) {\n        revert UnknownBlockSize(chunks);"
        ));
        assert!(a.contains(
            "function verifyBlocks(uint256 chunks, uint256[8][] calldata, uint256[] calldata) external pure returns (bool) {\n        revert UnknownBlockSize(chunks);"
        ));
    }

    #[test]
    fn block_size_names() {
        assert_eq!(block_size_of("block_8"), Some(8));
        assert_eq!(block_size_of("block_1024"), Some(1024));
        for not_block in ["block_", "block_08", "block_0", "block_8a", "blocks_8", "exit", "block_x"] {
            assert_eq!(block_size_of(not_block), None, "{not_block}");
        }
    }

    #[test]
    #[should_panic(expected = "exactly one public input")]
    fn rejects_block_key_with_more_inputs() {
        let k = vk(2);
        export_verifier(&[("block_8".to_string(), &k, KeyKind::Dev)]);
    }

    #[test]
    fn export_dir_reads_kinds_and_sorts_names() {
        use crate::keys::{CircuitInfo, VerificationKeyFile};
        let dir = tempfile::tempdir().unwrap();
        let (b, exit) = (vk(1), vk(5));
        for (name, key, kind) in [("exit", &exit, KeyKind::Production), ("block_8", &b, KeyKind::Production)] {
            let info = CircuitInfo { name: name.to_string(), num_inputs: key.ic.len() - 1, constraints: 1 };
            let file = VerificationKeyFile::new(key, &info, kind, None, [0; 32]);
            std::fs::write(verification_key_path(dir.path(), name), file.to_json()).unwrap();
        }
        let (source, names) = export_verifier_dir(dir.path()).unwrap();
        assert_eq!(names, ["block_8", "exit"]);
        assert_eq!(
            source,
            export_verifier(&[
                ("block_8".to_string(), &b, KeyKind::Production),
                ("exit".to_string(), &exit, KeyKind::Production)
            ])
        );
        assert!(source.contains("DEV_KEYS = false"));
    }

    #[test]
    #[should_panic(expected = "not a Solidity identifier")]
    fn rejects_non_identifier_names() {
        let k = vk(1);
        export_verifier(&[("block-4".to_string(), &k, KeyKind::Dev)]);
    }

    #[test]
    #[should_panic(expected = "used twice")]
    fn rejects_colliding_names() {
        let k = vk(1);
        export_verifier(&[("exit".to_string(), &k, KeyKind::Dev), ("EXIT".to_string(), &k, KeyKind::Dev)]);
    }
}
