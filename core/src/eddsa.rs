//! EdDSA-Poseidon on Baby Jubjub: the iden3/circomlib scheme (PROTOCOL §2), byte-compatible with
//! babyjubjub-rs 0.0.11 and circomlibjs 0.1.7.
//!
//! * Key: 32 raw bytes. `h = Blake-512(key)`; the secret scalar is `prune(h[0..32]) >> 3` read as a
//!   little-endian integer, and the public key is `A = scalar·B8`.
//! * Signature on a field element `M`: nonce `r = Blake-512(h[32..64] ‖ M as 32 bytes LE) mod l`,
//!   `R8 = r·B8`, `hm = H(R8.x, R8.y, A.x, A.y, M)` (Poseidon), `S = (r + 8·hm·scalar) mod l`.
//! * Valid iff `S < l` and `S·B8 = R8 + (8·hm)·A`.
//!
//! Verification is stricter than babyjubjub-rs in ways that only reject inputs an honest signer
//! never produces: S must be below l (the reference accepts S + l, a second encoding of the same
//! signature), the public key must be in the prime subgroup and not the identity, and the sign bit
//! of a compressed point with x = 0 must be clear.

use crate::babyjubjub::{self, Point, PointError, PointTable, SUBGROUP_ORDER};
use crate::field::{fr_to_le_bytes, fr_to_limbs, Fr};
use crate::poseidon;
use blake_hash::Digest;
use std::fmt;

/// Why a key or signature was rejected. Decoding and verification return these; nothing here
/// panics on user input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EddsaError {
    /// A compressed point encodes y ≥ p (or sets the sign bit for x = 0).
    #[error("non-canonical point encoding")]
    NonCanonicalCoordinate,
    /// A point (public key or R8) is not on the Baby Jubjub curve.
    #[error("point is not on the Baby Jubjub curve")]
    NotOnCurve,
    /// The public key is on the curve but not in the prime-order subgroup (it has a small-order
    /// component).
    #[error("public key is not in the prime-order subgroup")]
    NotInSubgroup,
    /// The public key is the neutral element, for which every signature would verify.
    #[error("public key is the identity point")]
    IdentityKey,
    /// The signature scalar S is not below the subgroup order l (non-canonical / malleated).
    #[error("signature scalar S is not below the subgroup order")]
    ScalarOutOfRange,
    /// Well-formed inputs, but the verification equation does not hold.
    #[error("signature does not verify")]
    InvalidSignature,
}

impl From<PointError> for EddsaError {
    fn from(e: PointError) -> Self {
        match e {
            PointError::NonCanonicalCoordinate => EddsaError::NonCanonicalCoordinate,
            PointError::NotOnCurve => EddsaError::NotOnCurve,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Integers modulo l
// ---------------------------------------------------------------------------------------------

/// `a ≥ b` for little-endian limbs.
#[inline]
fn geq(a: &[u64; 4], b: &[u64; 4]) -> bool {
    !babyjubjub::limbs_gt(b, a)
}

/// `a −= b` (caller guarantees a ≥ b).
#[inline]
fn sub_in_place(a: &mut [u64; 4], b: &[u64; 4]) {
    let mut borrow = 0u64;
    for i in 0..4 {
        let (d1, o1) = a[i].overflowing_sub(b[i]);
        let (d2, o2) = d1.overflowing_sub(borrow);
        a[i] = d2;
        borrow = (o1 | o2) as u64;
    }
}

/// `2a mod l` for a < l (2a < 2^252 fits in four limbs).
#[inline]
fn double_mod_l(a: &[u64; 4]) -> [u64; 4] {
    let mut r = [a[0] << 1, (a[1] << 1) | (a[0] >> 63), (a[2] << 1) | (a[1] >> 63), (a[3] << 1) | (a[2] >> 63)];
    if geq(&r, &SUBGROUP_ORDER) {
        sub_in_place(&mut r, &SUBGROUP_ORDER);
    }
    r
}

/// A 512-bit little-endian integer reduced mod l, bit by bit (≈ 512 shift-and-subtract steps; used
/// only when signing).
fn reduce_wide(v: &[u64; 8]) -> [u64; 4] {
    let mut acc = [0u64; 4];
    for i in (0..512).rev() {
        let bit = (v[i / 64] >> (i % 64)) & 1;
        // acc < l < 2^251, so the shift cannot overflow.
        acc = [
            acc[0] << 1 | bit,
            (acc[1] << 1) | (acc[0] >> 63),
            (acc[2] << 1) | (acc[1] >> 63),
            (acc[3] << 1) | (acc[2] >> 63),
        ];
        if geq(&acc, &SUBGROUP_ORDER) {
            sub_in_place(&mut acc, &SUBGROUP_ORDER);
        }
    }
    acc
}

/// Full 256 × 256 → 512-bit product.
fn mul_wide(a: &[u64; 4], b: &[u64; 4]) -> [u64; 8] {
    let mut out = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0u128;
        for j in 0..4 {
            let t = out[i + j] as u128 + (a[i] as u128) * (b[j] as u128) + carry;
            out[i + j] = t as u64;
            carry = t >> 64;
        }
        out[i + 4] = carry as u64;
    }
    out
}

/// An integer modulo the subgroup order l, always canonical (`< l`). Used for the signature
/// scalar S; holding the invariant in the type means a stored `Signature` is never malleable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scalar([u64; 4]);

impl Scalar {
    /// Zero.
    pub const ZERO: Scalar = Scalar([0; 4]);

    /// 32 little-endian bytes, if the integer is below l.
    pub fn from_le_bytes(bytes: &[u8; 32]) -> Result<Scalar, EddsaError> {
        Self::from_limbs(le_bytes_to_limbs(bytes))
    }

    /// Little-endian 64-bit limbs, if the integer is below l.
    pub fn from_limbs(limbs: [u64; 4]) -> Result<Scalar, EddsaError> {
        if geq(&limbs, &SUBGROUP_ORDER) {
            Err(EddsaError::ScalarOutOfRange)
        } else {
            Ok(Scalar(limbs))
        }
    }

    /// A 64-byte little-endian integer reduced mod l (how the nonce is derived).
    pub fn from_le_bytes_wide(bytes: &[u8; 64]) -> Scalar {
        let mut v = [0u64; 8];
        for (i, limb) in v.iter_mut().enumerate() {
            *limb = u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8 bytes"));
        }
        Scalar(reduce_wide(&v))
    }

    /// A field element's integer reduced mod l (p < 8·l, so at most seven subtractions).
    pub fn from_fr(f: &Fr) -> Scalar {
        let mut v = fr_to_limbs(f);
        while geq(&v, &SUBGROUP_ORDER) {
            sub_in_place(&mut v, &SUBGROUP_ORDER);
        }
        Scalar(v)
    }

    /// 32 little-endian bytes.
    pub fn to_le_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, limb) in self.0.iter().enumerate() {
            out[8 * i..8 * i + 8].copy_from_slice(&limb.to_le_bytes());
        }
        out
    }

    /// Little-endian 64-bit limbs.
    pub fn limbs(&self) -> &[u64; 4] {
        &self.0
    }

    /// `self + other mod l`.
    pub fn add(&self, other: &Scalar) -> Scalar {
        // Both < l < 2^251: the sum fits in four limbs.
        let mut r = [0u64; 4];
        let mut carry = 0u64;
        for (i, limb) in r.iter_mut().enumerate() {
            let (s1, o1) = self.0[i].overflowing_add(other.0[i]);
            let (s2, o2) = s1.overflowing_add(carry);
            *limb = s2;
            carry = (o1 | o2) as u64;
        }
        if geq(&r, &SUBGROUP_ORDER) {
            sub_in_place(&mut r, &SUBGROUP_ORDER);
        }
        Scalar(r)
    }

    /// `8·self mod l`.
    pub fn times8(&self) -> Scalar {
        Scalar(double_mod_l(&double_mod_l(&double_mod_l(&self.0))))
    }
}

fn le_bytes_to_limbs(bytes: &[u8; 32]) -> [u64; 4] {
    let mut l = [0u64; 4];
    for (i, limb) in l.iter_mut().enumerate() {
        *limb = u64::from_le_bytes(bytes[8 * i..8 * i + 8].try_into().expect("8 bytes"));
    }
    l
}

/// `v >> 3`: the secret scalar (babyjubjub-rs `scalar_key`) from `8·scalar`. Below 2^252, not
/// reduced mod l (reduction would not change `scalar·B8`, but we keep the reference's integer).
fn shr3(v: &[u64; 4]) -> [u64; 4] {
    [(v[0] >> 3) | (v[1] << 61), (v[1] >> 3) | (v[2] << 61), (v[2] >> 3) | (v[3] << 61), v[3] >> 3]
}

fn blake512(parts: &[&[u8]]) -> [u8; 64] {
    let mut h = blake_hash::Blake512::new();
    for p in parts {
        h.update(p);
    }
    let mut out = [0u8; 64];
    out.copy_from_slice(&h.finalize());
    out
}

/// The challenge `hm = H(R8.x, R8.y, A.x, A.y, M)`.
#[inline]
fn challenge(r8: &Point, a: &Point, msg: &Fr) -> Fr {
    poseidon::hash_n(&[r8.x, r8.y, a.x, a.y, *msg])
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------

/// A signing key: 32 raw bytes (as babyjubjub-rs `PrivateKey::import` / circomlibjs `prv`).
/// `Debug` does not print the key, and the bytes are overwritten on drop.
#[derive(Clone)]
pub struct PrivateKey([u8; 32]);

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(<redacted>)")
    }
}

impl Drop for PrivateKey {
    fn drop(&mut self) {
        self.0 = [0; 32];
        // Keeps the wipe of a value about to die from being optimised away (best effort: copies
        // made by moves or `to_bytes` are not covered).
        std::hint::black_box(&self.0);
    }
}

impl PrivateKey {
    /// Wraps 32 raw key bytes (any value is a valid key).
    pub fn from_bytes(bytes: [u8; 32]) -> PrivateKey {
        PrivateKey(bytes)
    }

    /// The raw key bytes (for storage in a wallet; handle with care).
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// `prune(h[0..32])` as a little-endian integer, i.e. `8·scalar`, and `h[32..64]`, the nonce
    /// prefix.
    fn expand(&self) -> ([u64; 4], [u8; 32]) {
        let h = blake512(&[&self.0]);
        let mut s = [0u8; 32];
        s.copy_from_slice(&h[..32]);
        // RFC 8032 pruning: clear the cofactor bits, fix the top bit.
        s[0] &= 0xF8;
        s[31] &= 0x7F;
        s[31] |= 0x40;
        let mut prefix = [0u8; 32];
        prefix.copy_from_slice(&h[32..]);
        (le_bytes_to_limbs(&s), prefix)
    }

    /// `A = scalar·B8`.
    pub fn public_key(&self) -> PublicKey {
        let (s8, _) = self.expand();
        // A multiple of B8 is in the subgroup and on the curve; it is the identity only if the
        // scalar is a multiple of l (probability about 2^-251), so the checks are skipped.
        PublicKey::from_point_unchecked(babyjubjub::mul_base(&shr3(&s8)).to_affine())
    }

    /// Deterministic signature on the field element `msg`.
    pub fn sign(&self, msg: &Fr) -> Signature {
        let (s8, prefix) = self.expand();
        let r = Scalar::from_le_bytes_wide(&blake512(&[&prefix, &fr_to_le_bytes(msg)]));
        let r8 = babyjubjub::mul_base(&r.0).to_affine();
        let a = babyjubjub::mul_base(&shr3(&s8)).to_affine();
        let hm = challenge(&r8, &a, msg);
        // S = r + hm·(8·scalar) with hm the full field integer (as the reference does).
        let k = Scalar(reduce_wide(&mul_wide(&fr_to_limbs(&hm), &s8)));
        Signature { r8, s: r.add(&k) }
    }
}

/// A validated public key: on the curve, in the prime-order subgroup, not the identity.
///
/// Holds a [`PointTable`] of the negated point (8 KB), which is what verification multiplies:
/// building it once per key makes each verification's `k·(−A)` take 33 doublings instead of
/// about 251. Keep a decoded key around when it verifies more than one signature. The table is
/// shared behind an `Arc`, so cloning a key is cheap.
#[derive(Clone, Debug)]
pub struct PublicKey {
    point: Point,
    neg_table: std::sync::Arc<PointTable>,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.point == other.point
    }
}
impl Eq for PublicKey {}

impl PublicKey {
    fn from_point_unchecked(point: Point) -> PublicKey {
        PublicKey { point, neg_table: std::sync::Arc::new(PointTable::new(&point.neg())) }
    }

    fn from_point(point: Point) -> Result<PublicKey, EddsaError> {
        if !point.is_on_curve() {
            return Err(EddsaError::NotOnCurve);
        }
        if point == Point::identity() {
            return Err(EddsaError::IdentityKey);
        }
        let key = Self::from_point_unchecked(point);
        // l·(−A) is the identity iff l·A is. The table's doublings 2^(33·j)·(−A) are most of the
        // work of a subgroup check anyway, so checking with the table costs little beyond it.
        if !key.neg_table.mul(&SUBGROUP_ORDER).is_identity() {
            return Err(EddsaError::NotInSubgroup);
        }
        Ok(key)
    }

    /// Decodes and validates a compressed key (32 bytes, babyjubjub-rs `compress`).
    /// Costs one square root, the key's [`PointTable`] and one multiplication with it (the
    /// subgroup check).
    pub fn from_compressed(bytes: &[u8; 32]) -> Result<PublicKey, EddsaError> {
        Self::from_point(Point::decompress(bytes)?)
    }

    /// Validates affine coordinates.
    pub fn from_xy(x: Fr, y: Fr) -> Result<PublicKey, EddsaError> {
        Self::from_point(Point { x, y })
    }

    /// The 32-byte compressed encoding.
    pub fn compress(&self) -> [u8; 32] {
        self.point.compress()
    }

    /// The x coordinate.
    pub fn x(&self) -> Fr {
        self.point.x
    }

    /// The y coordinate.
    pub fn y(&self) -> Fr {
        self.point.y
    }

    /// The affine point.
    pub fn point(&self) -> Point {
        self.point
    }

    /// The key's `PubKeyHash`: low 160 bits of `H(A.x, A.y)`.
    pub fn hash(&self) -> PubKeyHash {
        PubKeyHash::from_fr_low160(&poseidon::hash_n(&[self.point.x, self.point.y]))
    }
}

/// The account-side hash of a key; defined with the other value types.
pub use crate::types::PubKeyHash;

// ---------------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------------

/// A signature (R8, S). `r8` is public and may be set to anything, so [`Signature::verify`] checks
/// it is on the curve; `s` is canonical by construction of [`Scalar`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The nonce commitment r·B8.
    pub r8: Point,
    /// The response S < l.
    pub s: Scalar,
}

impl Signature {
    /// Decodes 64 bytes: compressed R8 ‖ S (32 bytes little-endian), babyjubjub-rs `compress`.
    pub fn from_bytes(bytes: &[u8; 64]) -> Result<Signature, EddsaError> {
        let mut r = [0u8; 32];
        r.copy_from_slice(&bytes[..32]);
        let mut s = [0u8; 32];
        s.copy_from_slice(&bytes[32..]);
        // Check S first: it is the cheap test and the one a malleated signature fails.
        let s = Scalar::from_le_bytes(&s)?;
        let r8 = Point::decompress(&r)?;
        Ok(Signature { r8, s })
    }

    /// The 64-byte encoding.
    pub fn to_bytes(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&self.r8.compress());
        out[32..].copy_from_slice(&self.s.to_le_bytes());
        out
    }

    /// Checks `S < l` and `S·B8 = R8 + (8·hm mod l)·A`, as `S·B8 − k·A == R8` with one
    /// double-scalar multiplication compared projectively (no inversion, no allocation).
    /// Reducing 8·hm mod l is sound because A is in the subgroup of order l.
    pub fn verify(&self, pk: &PublicKey, msg: &Fr) -> Result<(), EddsaError> {
        if geq(&self.s.0, &SUBGROUP_ORDER) {
            return Err(EddsaError::ScalarOutOfRange);
        }
        if !self.r8.is_on_curve() {
            return Err(EddsaError::NotOnCurve);
        }
        let k = Scalar::from_fr(&challenge(&self.r8, &pk.point, msg)).times8();
        let q = pk.neg_table.double_mul_base(&self.s.0, &k.0);
        if q.eq_affine(&self.r8) {
            Ok(())
        } else {
            Err(EddsaError::InvalidSignature)
        }
    }
}

/// Decodes a compressed public key and a 64-byte signature and verifies the signature on `msg`.
pub fn verify_bytes(pk_compressed: &[u8; 32], msg: &Fr, sig: &[u8; 64]) -> Result<(), EddsaError> {
    let pk = PublicKey::from_compressed(pk_compressed)?;
    Signature::from_bytes(sig)?.verify(&pk, msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{fr_from_decimal, fr_from_hex, fr_from_u64, Field, PrimeField};
    use num_bigint::BigUint;

    fn big(limbs: &[u64]) -> BigUint {
        let bytes: Vec<u8> = limbs.iter().flat_map(|l| l.to_le_bytes()).collect();
        BigUint::from_bytes_le(&bytes)
    }

    fn circomlib_key() -> PrivateKey {
        let mut k = [0u8; 32];
        k.copy_from_slice(&hex::decode("0001020304050607080900010203040506070809000102030405060708090001").unwrap());
        PrivateKey::from_bytes(k)
    }

    #[test]
    fn circomlib_test_vector() {
        // The vector of circomlib's eddsa tests, as reproduced by babyjubjub-rs
        // `test_circomlib_testvector`.
        let sk = circomlib_key();
        let (s8, _) = sk.expand();
        assert_eq!(
            big(&shr3(&s8)).to_string(),
            "6466070937662820620902051049739362987537906109895538826186780010858059362905"
        );
        let pk = sk.public_key();
        assert_eq!(pk.x(), fr_from_hex("0x1d5ac1f31407018b7d413a4f52c8f74463b30e6ac2238220ad8b254de4eaa3a2").unwrap());
        assert_eq!(pk.y(), fr_from_hex("0x1e1de8a908826c3f9ac2e0ceee929ecd0caf3b99b3ef24523aaab796a6f733c4").unwrap());
        let mut m = [0u8; 32];
        m[..10].copy_from_slice(&hex::decode("00010203040506070809").unwrap());
        let msg = crate::field::fr_from_le_bytes(&m).unwrap();
        let sig = sk.sign(&msg);
        assert_eq!(
            sig.r8.x,
            fr_from_hex("0x192b4e51adf302c8139d356d0e08e2404b5ace440ef41fc78f5c4f2428df0765").unwrap()
        );
        assert_eq!(
            sig.r8.y,
            fr_from_hex("0x2202bebcf57b820863e0acc88970b6ca7d987a0d513c2ddeb42e3f5d31b4eddf").unwrap()
        );
        assert_eq!(
            big(sig.s.limbs()).to_string(),
            "1672775540645840396591609181675628451599263765380031905495115170613215233181"
        );
        assert_eq!(sig.verify(&pk, &msg), Ok(()));
        assert_eq!(Signature::from_bytes(&sig.to_bytes()), Ok(sig));
        assert_eq!(verify_bytes(&pk.compress(), &msg, &sig.to_bytes()), Ok(()));
        let mut other = msg;
        other.add_assign(&Fr::one());
        assert_eq!(sig.verify(&pk, &other), Err(EddsaError::InvalidSignature));
    }

    #[test]
    fn scalar_arithmetic_matches_bigint() {
        let l = big(&SUBGROUP_ORDER);
        let mut x: u64 = 0x1234_5678_9abc_def0;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..200 {
            let wide: [u64; 8] = std::array::from_fn(|_| next());
            assert_eq!(big(&reduce_wide(&wide)), big(&wide) % &l);
            let a: [u64; 4] = std::array::from_fn(|_| next());
            let b: [u64; 4] = std::array::from_fn(|_| next());
            assert_eq!(big(&mul_wide(&a, &b)), big(&a) * big(&b));
            let sa = Scalar(reduce_wide(&mul_wide(&a, &[1, 0, 0, 0])));
            let sb = Scalar(reduce_wide(&mul_wide(&b, &[1, 0, 0, 0])));
            assert_eq!(big(sa.add(&sb).limbs()), (big(&a) + big(&b)) % &l);
            assert_eq!(big(sa.times8().limbs()), (big(&a) * 8u32) % &l);
            let f = Fr::from_repr(crate::field::FrRepr([a[0], a[1], a[2], a[3] & 0x0fff_ffff_ffff_ffff]))
                .unwrap_or(Fr::one());
            assert_eq!(big(Scalar::from_fr(&f).limbs()), big(&crate::field::fr_to_limbs(&f)) % &l);
        }
        assert_eq!(Scalar::from_limbs(SUBGROUP_ORDER), Err(EddsaError::ScalarOutOfRange));
        let mut lm1 = SUBGROUP_ORDER;
        lm1[0] -= 1;
        assert_eq!(Scalar::from_limbs(lm1).map(|s| *s.limbs()), Ok(lm1));
        assert_eq!(Scalar::from_le_bytes(&[0xff; 32]), Err(EddsaError::ScalarOutOfRange));
    }

    #[test]
    fn debug_does_not_print_the_key() {
        let sk = PrivateKey::from_bytes([0xab; 32]);
        let dbg = format!("{sk:?}");
        assert!(!dbg.to_lowercase().contains("ab, ") && !dbg.contains("171") && !dbg.contains("abab"));
        assert_eq!(dbg, "PrivateKey(<redacted>)");
        assert_eq!(sk.to_bytes(), [0xab; 32]);
    }

    #[test]
    fn pub_key_hash_is_low_160_bits_of_poseidon() {
        let pk = circomlib_key().public_key();
        let h = poseidon::hash_n(&[pk.x(), pk.y()]);
        let pkh = pk.hash();
        assert_eq!(&pkh.0[..], &crate::field::fr_to_be_bytes(&h)[12..]);
        assert_eq!(PubKeyHash::from_fr_low160(&pkh.to_fr()), pkh);
        assert_eq!(pkh.to_string(), format!("0x{}", hex::encode(pkh.0)));
        assert_eq!(pkh.to_string().len(), 42);
        assert!(!pkh.is_zero());
        assert!(PubKeyHash::ZERO.is_zero());
        assert_eq!(PubKeyHash::ZERO.to_fr(), Fr::zero());
        // A value below 2^160 is its own low-160-bit part.
        let small = fr_from_decimal("1461501637330902918203684832716283019655932542975").unwrap(); // 2^160 − 1
        assert_eq!(PubKeyHash::from_fr_low160(&small).0, [0xff; 20]);
        assert_eq!(PubKeyHash([0xff; 20]).to_fr(), small);
        assert_eq!(PubKeyHash::from_fr_low160(&fr_from_u64(258)).0[18..], [1, 2]);
    }

    #[test]
    fn public_key_constructors_validate() {
        let pk = circomlib_key().public_key();
        assert_eq!(PublicKey::from_compressed(&pk.compress()), Ok(pk.clone()));
        assert_eq!(PublicKey::from_xy(pk.x(), pk.y()), Ok(pk.clone()));
        assert_eq!(pk.point(), Point { x: pk.x(), y: pk.y() });
        assert_eq!(PublicKey::from_xy(pk.x(), pk.x()), Err(EddsaError::NotOnCurve));
        assert_eq!(PublicKey::from_xy(Fr::zero(), Fr::one()), Err(EddsaError::IdentityKey));
        let mut minus_one = Fr::one();
        minus_one.negate();
        assert_eq!(PublicKey::from_xy(Fr::zero(), minus_one), Err(EddsaError::NotInSubgroup));
    }

    #[test]
    fn small_order_keys_are_refused() {
        // Points of order 8, 4, 2: l·P for a curve point P outside the subgroup, and its doublings.
        let double = |p: &Point| p.mul_scalar(&[2, 0, 0, 0]);
        let t8 = (2u64..)
            .filter_map(|y| {
                let mut bytes = [0u8; 32];
                bytes[..8].copy_from_slice(&y.to_le_bytes());
                Point::decompress(&bytes).ok()
            })
            .map(|p| p.mul_scalar(&SUBGROUP_ORDER))
            .find(|t| double(&double(t)) != Point::identity())
            .expect("half of all curve points give one of order 8");
        let (t4, t2) = (double(&t8), double(&double(&t8)));
        assert_eq!(double(&t2), Point::identity());
        // Under such a key every message "verifies" with R8 = S·B8 (since 8·hm·T = O): each must be
        // refused when decoded, from coordinates and from bytes, before any signature check.
        let s = Scalar::from_limbs([5, 0, 0, 0]).unwrap();
        let forged = Signature { r8: Point::b8().mul_scalar(&s.0), s };
        for t in [t8, t4, t2] {
            assert!(t.is_on_curve());
            assert_eq!(t.mul_scalar(&[8, 0, 0, 0]), Point::identity());
            assert_eq!(PublicKey::from_xy(t.x, t.y), Err(EddsaError::NotInSubgroup));
            assert_eq!(PublicKey::from_compressed(&t.compress()), Err(EddsaError::NotInSubgroup));
            assert_eq!(
                verify_bytes(&t.compress(), &fr_from_u64(42), &forged.to_bytes()),
                Err(EddsaError::NotInSubgroup)
            );
        }
        // A subgroup key plus a small-order point is refused too (it has a small-order component).
        let pk = circomlib_key().public_key();
        let mixed = pk.point().to_extended().add(&t8.to_extended()).to_affine();
        assert_eq!(PublicKey::from_xy(mixed.x, mixed.y), Err(EddsaError::NotInSubgroup));
        // The real key itself is fine.
        assert_eq!(PublicKey::from_xy(pk.x(), pk.y()), Ok(pk));
    }
}
