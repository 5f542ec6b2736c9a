//! Groth16 key generation, key files and their integrity checks (PROTOCOL §11).
//!
//! A circuit named `NAME` has two files in a keys directory:
//!
//! - `NAME.pk`: the proving key, bellman's `Parameters::write` format (uncompressed points). Large,
//!   never committed (`keys/*.pk` is git-ignored).
//! - `NAME.vk.json`: the verification key and what it belongs to (committed). Example shape:
//!
//! ```json
//! {
//!   "circuit": "exit",
//!   "protocol": "groth16",
//!   "curve": "bn254",
//!   "kind": "dev",
//!   "devSeed": "0x7a6b70617920646576206b657973207631",
//!   "numPublicInputs": 5,
//!   "constraints": 5469,
//!   "provingKeySha256": "0x…",
//!   "alphaG1": { "x": "0x…", "y": "0x…" },
//!   "betaG1":  { "x": "0x…", "y": "0x…" },
//!   "betaG2":  { "x": { "c0": "0x…", "c1": "0x…" }, "y": { "c0": "0x…", "c1": "0x…" } },
//!   "gammaG2": { … }, "deltaG1": { … }, "deltaG2": { … },
//!   "ic": [ { "x": "0x…", "y": "0x…" }, … ]
//! }
//! ```
//!
//! Coordinates are elements of the BN254 base field as 32-byte big-endian 0x-hex; a G2 coordinate
//! is `c0 + c1·u` written as its two named parts (the Solidity verifier needs them as (c1, c0):
//! see [`crate::prover`]). `ic` has `numPublicInputs + 1` points. `betaG1` and `deltaG1` are not
//! needed to verify but make the file a complete bellman `VerifyingKey`, which is what the proving
//! key embeds and is compared against. The JSON is written byte-for-byte deterministically, so dev
//! keys regenerated from the same seed give an identical file.
//!
//! **Dev keys** come from [`DEV_SEED`] through a ChaCha RNG ([`generate_dev_keys`]): anyone can
//! regenerate the matching proving key, so they are insecure (the toxic waste is public) and only
//! for local chains. **Production keys** draw the toxic waste from the OS ([`generate_production_keys`],
//! one party) or, for a real deployment, come from the multi-party ceremony of [`crate::ceremony`].
//!
//! Loading ([`load_keys`]) never trusts the proving key blindly: it first checks the sha256 that the
//! vk JSON records against the pk file (catching truncation, corruption and a pk from another
//! keygen before any parsing), then parses it, then checks that the verification key embedded in the
//! pk equals the JSON one. Every failure is a [`KeyError`].

use crate::Engine;
use bellman_ce::groth16::{generate_random_parameters, Parameters, VerifyingKey};
use bellman_ce::pairing::bn256::{Fq, FqRepr, G1Affine, G2Affine};
use bellman_ce::pairing::ff::{PrimeField, PrimeFieldRepr};
use bellman_ce::pairing::CurveAffine;
use bellman_ce::{Circuit, SynthesisError};
use rand04::{ChaChaRng, SeedableRng};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// The public seed of the dev keys. Changing it changes every dev key: bump the version suffix
/// and regenerate `keys/*.vk.json` together.
pub const DEV_SEED: &[u8] = b"zkpay dev keys v1";

/// Domain separator hashed in front of the seed, so the ChaCha key is not the raw seed bytes.
const DEV_RNG_DOMAIN: &[u8] = b"zkpay groth16 dev keygen rng\0";

/// What went wrong with keys. Messages name the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: io::Error,
    },
    /// The proving key named by a verification key does not exist.
    #[error("proving key {path} is missing: run `zkpay keygen` to (re)generate it")]
    MissingProvingKey {
        /// The expected pk file.
        path: PathBuf,
    },
    /// The verification key JSON is unreadable or holds invalid points.
    #[error("verification key {path} is invalid: {reason}")]
    InvalidVerificationKey {
        /// The vk JSON file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The proving key's bytes are not the ones its verification key was written with: it is
    /// truncated, corrupted, or from another key generation.
    #[error(
        "proving key {path} does not match {vk_path}: its sha256 is {actual}, expected {expected} \
         (truncated, corrupted or from another keygen; regenerate with `zkpay keygen`)"
    )]
    ProvingKeyHashMismatch {
        /// The pk file.
        path: PathBuf,
        /// The vk JSON that records the expected hash.
        vk_path: PathBuf,
        /// sha256 recorded in the vk JSON.
        expected: String,
        /// sha256 of the pk file.
        actual: String,
    },
    /// The proving key's bytes cannot be parsed (only reachable when the recorded hash was computed
    /// over a malformed file).
    #[error("proving key {path} is malformed: {reason}")]
    MalformedProvingKey {
        /// The pk file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The verification key inside the proving key differs from the JSON one.
    #[error("proving key {path} embeds a different verification key than {vk_path}")]
    VerifyingKeyMismatch {
        /// The pk file.
        path: PathBuf,
        /// The vk JSON file.
        vk_path: PathBuf,
    },
    /// The keys are for another circuit (name, public inputs or constraint count differ).
    #[error("{path} is for {found}, but the circuit is {expected}")]
    CircuitMismatch {
        /// The vk JSON file.
        path: PathBuf,
        /// What the circuit is.
        expected: String,
        /// What the file says.
        found: String,
    },
    /// Synthesizing the circuit for key generation failed.
    #[error("key generation failed: {0}")]
    Synthesis(#[from] SynthesisError),
}

/// The shape of a circuit: what its keys must be for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CircuitInfo {
    /// Key file name (`keys/<name>.pk`).
    pub name: String,
    /// Number of public inputs (not counting the constant ONE).
    pub num_inputs: usize,
    /// Number of constraints the circuit itself enforces.
    pub constraints: usize,
}

impl std::fmt::Display for CircuitInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "circuit {:?} ({} public inputs, {} constraints)", self.name, self.num_inputs, self.constraints)
    }
}

/// Count the public inputs and constraints of `circuit` (synthesized without a witness).
pub fn circuit_info<C: Circuit<Engine>>(name: &str, circuit: C) -> Result<CircuitInfo, SynthesisError> {
    // Counting never asks for witness values, like key generation.
    let mut cs = crate::check_cs::CheckingCs::counting();
    circuit.synthesize(&mut cs)?;
    Ok(CircuitInfo { name: name.to_string(), num_inputs: cs.public_inputs().len(), constraints: cs.num_constraints() })
}

/// The ChaCha RNG of dev keys: keyed by `sha256(DEV_RNG_DOMAIN ‖ seed)` as eight little-endian u32
/// words. rand 0.4's ChaCha is a fixed algorithm, so the stream (and the keys) never change.
fn dev_rng(seed: &[u8]) -> ChaChaRng {
    ChaChaRng::from_seed(&dev_rng_key(seed)[..])
}

/// The ChaCha key words of [`dev_rng`] (PROTOCOL §12).
fn dev_rng_key(seed: &[u8]) -> Vec<u32> {
    let digest = Sha256::new().chain_update(DEV_RNG_DOMAIN).chain_update(seed).finalize();
    digest.chunks(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))).collect()
}

/// Groth16 parameters from the public `seed` (use [`DEV_SEED`]): the same bytes on every run and
/// machine. **Insecure**: anyone who knows the seed can forge proofs.
pub fn generate_dev_keys<C: Circuit<Engine>>(circuit: C, seed: &[u8]) -> Result<Parameters<Engine>, KeyError> {
    Ok(generate_random_parameters(circuit, &mut dev_rng(seed))?)
}

/// Groth16 parameters from OS entropy. Whoever ran this could forge proofs had they kept the
/// randomness; it lives only in this process's memory.
pub fn generate_production_keys<C: Circuit<Engine>>(circuit: C) -> Result<Parameters<Engine>, KeyError> {
    let mut rng = rand04::OsRng::new()
        .map_err(|e| KeyError::Io { path: PathBuf::from("<OS entropy>"), source: io::Error::other(e.to_string()) })?;
    Ok(generate_random_parameters(circuit, &mut rng)?)
}

/// How a key pair was generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyKind {
    /// From a public seed; insecure, local chains only.
    Dev,
    /// From OS entropy.
    Production,
}

/// A G1 point in the vk JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct G1Json {
    /// x, 0x-hex big-endian.
    pub x: String,
    /// y, 0x-hex big-endian.
    pub y: String,
}

/// An element `c0 + c1·u` of the quadratic extension Fq2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fq2Json {
    /// Real part, 0x-hex big-endian.
    pub c0: String,
    /// Imaginary part, 0x-hex big-endian.
    pub c1: String,
}

/// A G2 point in the vk JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct G2Json {
    /// x.
    pub x: Fq2Json,
    /// y.
    pub y: Fq2Json,
}

/// The contents of `NAME.vk.json` (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerificationKeyFile {
    /// Circuit name.
    pub circuit: String,
    /// Always `"groth16"`.
    pub protocol: String,
    /// Always `"bn254"`.
    pub curve: String,
    /// Dev or production.
    pub kind: KeyKind,
    /// The public seed of dev keys, 0x-hex; absent for production keys.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub dev_seed: Option<String>,
    /// Number of public inputs.
    pub num_public_inputs: usize,
    /// Constraints of the circuit.
    pub constraints: usize,
    /// sha256 of the `NAME.pk` file, 0x-hex.
    pub proving_key_sha256: String,
    /// α in G1.
    pub alpha_g1: G1Json,
    /// β in G1 (proving only).
    pub beta_g1: G1Json,
    /// β in G2.
    pub beta_g2: G2Json,
    /// γ in G2.
    pub gamma_g2: G2Json,
    /// δ in G1 (proving only).
    pub delta_g1: G1Json,
    /// δ in G2.
    pub delta_g2: G2Json,
    /// Input commitments, `numPublicInputs + 1` points.
    pub ic: Vec<G1Json>,
}

fn fq_to_hex(x: &Fq) -> String {
    let mut bytes = Vec::with_capacity(32);
    x.into_repr().write_be(&mut bytes).expect("writing to a Vec");
    format!("0x{}", hex::encode(bytes))
}

fn fq_from_hex(s: &str) -> Result<Fq, String> {
    let digits = s.strip_prefix("0x").ok_or_else(|| format!("{s:?} does not start with 0x"))?;
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(digits, &mut bytes).map_err(|_| format!("{s:?} is not 32 bytes of hex"))?;
    fq_from_be_bytes(&bytes).ok_or_else(|| format!("{s} is not below the base field modulus"))
}

/// A base-field element from 32 big-endian bytes, `None` if not below the modulus.
pub(crate) fn fq_from_be_bytes(bytes: &[u8; 32]) -> Option<Fq> {
    let mut repr = FqRepr::default();
    repr.read_be(&bytes[..]).expect("32 bytes");
    Fq::from_repr(repr).ok()
}

fn g1_to_json(p: &G1Affine) -> G1Json {
    let (x, y) = p.as_xy();
    G1Json { x: fq_to_hex(x), y: fq_to_hex(y) }
}

fn g2_to_json(p: &G2Affine) -> G2Json {
    let (x, y) = p.as_xy();
    G2Json {
        x: Fq2Json { c0: fq_to_hex(&x.c0), c1: fq_to_hex(&x.c1) },
        y: Fq2Json { c0: fq_to_hex(&y.c0), c1: fq_to_hex(&y.c1) },
    }
}

fn g1_from_json(p: &G1Json) -> Result<G1Affine, String> {
    let point = G1Affine::from_xy_checked(fq_from_hex(&p.x)?, fq_from_hex(&p.y)?).map_err(|e| e.to_string())?;
    if point.is_zero() {
        return Err("point at infinity".into());
    }
    Ok(point)
}

fn g2_from_json(p: &G2Json) -> Result<G2Affine, String> {
    use bellman_ce::pairing::bn256::Fq2;
    let fq2 = |v: &Fq2Json| -> Result<Fq2, String> { Ok(Fq2 { c0: fq_from_hex(&v.c0)?, c1: fq_from_hex(&v.c1)? }) };
    let point = G2Affine::from_xy_checked(fq2(&p.x)?, fq2(&p.y)?).map_err(|e| e.to_string())?;
    if point.is_zero() {
        return Err("point at infinity".into());
    }
    Ok(point)
}

impl VerificationKeyFile {
    /// The JSON form of `vk` with its metadata.
    pub fn new(
        vk: &VerifyingKey<Engine>,
        info: &CircuitInfo,
        kind: KeyKind,
        dev_seed: Option<&[u8]>,
        proving_key_sha256: [u8; 32],
    ) -> VerificationKeyFile {
        VerificationKeyFile {
            circuit: info.name.clone(),
            protocol: "groth16".into(),
            curve: "bn254".into(),
            kind,
            dev_seed: dev_seed.map(|s| format!("0x{}", hex::encode(s))),
            num_public_inputs: info.num_inputs,
            constraints: info.constraints,
            proving_key_sha256: format!("0x{}", hex::encode(proving_key_sha256)),
            alpha_g1: g1_to_json(&vk.alpha_g1),
            beta_g1: g1_to_json(&vk.beta_g1),
            beta_g2: g2_to_json(&vk.beta_g2),
            gamma_g2: g2_to_json(&vk.gamma_g2),
            delta_g1: g1_to_json(&vk.delta_g1),
            delta_g2: g2_to_json(&vk.delta_g2),
            ic: vk.ic.iter().map(g1_to_json).collect(),
        }
    }

    /// The bellman verification key (every point checked to be on its curve and not at infinity).
    pub fn verifying_key(&self) -> Result<VerifyingKey<Engine>, String> {
        if self.ic.len() != self.num_public_inputs + 1 {
            return Err(format!(
                "ic has {} points, expected numPublicInputs + 1 = {}",
                self.ic.len(),
                self.num_public_inputs + 1
            ));
        }
        let at = |what: &str, e: String| format!("{what}: {e}");
        Ok(VerifyingKey {
            alpha_g1: g1_from_json(&self.alpha_g1).map_err(|e| at("alphaG1", e))?,
            beta_g1: g1_from_json(&self.beta_g1).map_err(|e| at("betaG1", e))?,
            beta_g2: g2_from_json(&self.beta_g2).map_err(|e| at("betaG2", e))?,
            gamma_g2: g2_from_json(&self.gamma_g2).map_err(|e| at("gammaG2", e))?,
            delta_g1: g1_from_json(&self.delta_g1).map_err(|e| at("deltaG1", e))?,
            delta_g2: g2_from_json(&self.delta_g2).map_err(|e| at("deltaG2", e))?,
            ic: self
                .ic
                .iter()
                .enumerate()
                .map(|(i, p)| g1_from_json(p).map_err(|e| at(&format!("ic[{i}]"), e)))
                .collect::<Result<_, _>>()?,
        })
    }

    /// The JSON text, as written to disk (pretty, trailing newline, deterministic).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("plain data serializes");
        s.push('\n');
        s
    }

    /// Whether this file is for `info`.
    pub fn ensure_circuit(&self, info: &CircuitInfo, path: &Path) -> Result<(), KeyError> {
        if self.circuit != info.name
            || self.num_public_inputs != info.num_inputs
            || self.constraints != info.constraints
        {
            let found = CircuitInfo {
                name: self.circuit.clone(),
                num_inputs: self.num_public_inputs,
                constraints: self.constraints,
            };
            return Err(KeyError::CircuitMismatch {
                path: path.into(),
                expected: info.to_string(),
                found: found.to_string(),
            });
        }
        Ok(())
    }
}

/// `DIR/NAME.pk`.
pub fn proving_key_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.pk"))
}

/// `DIR/NAME.vk.json`.
pub fn verification_key_path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.vk.json"))
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> KeyError + '_ {
    move |source| KeyError::Io { path: path.to_path_buf(), source }
}

/// A writer that hashes what passes through it.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Write `path` through a temporary file and a rename, so a crash never leaves a half-written key
/// under the real name. Returns the sha256 of what was written.
fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<[u8; 32], KeyError> {
    // A temporary name of this writer's own: two writers of the same key (two tests generating
    // the dev keys at once) must not truncate or rename each other's file. The last rename wins,
    // and each one puts a complete file in place.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(format!(".{}.{n}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let file = File::create(&tmp).map_err(io_err(&tmp))?;
    let mut w = HashingWriter { inner: BufWriter::new(file), hasher: Sha256::new() };
    write(&mut w).map_err(io_err(&tmp))?;
    let HashingWriter { inner, hasher } = w;
    let file = inner.into_inner().map_err(|e| KeyError::Io { path: tmp.clone(), source: e.into_error() })?;
    file.sync_all().map_err(io_err(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io_err(path))?;
    Ok(hasher.finalize().into())
}

/// The two files of a written key pair.
#[derive(Clone, Debug)]
pub struct WrittenKeys {
    /// The proving key file.
    pub proving_key: PathBuf,
    /// Its size in bytes.
    pub proving_key_bytes: u64,
    /// The verification key JSON file.
    pub verification_key: PathBuf,
    /// The JSON as written.
    pub file: VerificationKeyFile,
}

/// Write `params` as `DIR/NAME.pk` and its verification key as `DIR/NAME.vk.json` (the JSON last,
/// since it records the pk's hash). `dev_seed` is the seed of dev keys, `None` for production keys.
pub fn write_keys(
    dir: &Path,
    info: &CircuitInfo,
    params: &Parameters<Engine>,
    dev_seed: Option<&[u8]>,
) -> Result<WrittenKeys, KeyError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let pk_path = proving_key_path(dir, &info.name);
    let sha = write_atomically(&pk_path, |w| params.write(w))?;
    let kind = if dev_seed.is_some() { KeyKind::Dev } else { KeyKind::Production };
    let file = VerificationKeyFile::new(&params.vk, info, kind, dev_seed, sha);
    let vk_path = verification_key_path(dir, &info.name);
    let json = file.to_json();
    write_atomically(&vk_path, |w| w.write_all(json.as_bytes()))?;
    let proving_key_bytes = std::fs::metadata(&pk_path).map_err(io_err(&pk_path))?.len();
    Ok(WrittenKeys { proving_key: pk_path, proving_key_bytes, verification_key: vk_path, file })
}

/// Read and check `DIR/NAME.vk.json`: the JSON with its points validated, and the bellman key.
pub fn read_verification_key(path: &Path) -> Result<(VerificationKeyFile, VerifyingKey<Engine>), KeyError> {
    let text = std::fs::read_to_string(path).map_err(io_err(path))?;
    let invalid = |reason: String| KeyError::InvalidVerificationKey { path: path.to_path_buf(), reason };
    let file: VerificationKeyFile = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
    if file.protocol != "groth16" || file.curve != "bn254" {
        return Err(invalid(format!("unsupported {} over {}", file.protocol, file.curve)));
    }
    let vk = file.verifying_key().map_err(invalid)?;
    Ok((file, vk))
}

/// sha256 of a file, streamed (proving keys of large circuits are hundreds of MB).
fn sha256_file(path: &Path) -> Result<[u8; 32], KeyError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(KeyError::MissingProvingKey { path: path.to_path_buf() })
        }
        Err(e) => return Err(KeyError::Io { path: path.to_path_buf(), source: e }),
    };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

/// A checked key pair.
pub struct LoadedKeys {
    /// The verification key JSON.
    pub file: VerificationKeyFile,
    /// The proving key (its `vk` equals the JSON one).
    pub params: Parameters<Engine>,
}

/// Load `DIR/NAME.pk` with every integrity check: the vk JSON is valid; the pk's sha256 is the one
/// the JSON records; the pk parses to the end with every point on its curve; and the verification
/// key inside it equals the JSON one. Compare the result with the circuit through
/// [`VerificationKeyFile::ensure_circuit`].
pub fn load_keys(dir: &Path, name: &str) -> Result<LoadedKeys, KeyError> {
    let vk_path = verification_key_path(dir, name);
    let pk_path = proving_key_path(dir, name);
    let (file, vk) = read_verification_key(&vk_path)?;
    if file.circuit != name {
        return Err(KeyError::CircuitMismatch {
            path: vk_path,
            expected: format!("circuit {name:?}"),
            found: format!("circuit {:?}", file.circuit),
        });
    }
    let actual = format!("0x{}", hex::encode(sha256_file(&pk_path)?));
    if !actual.eq_ignore_ascii_case(&file.proving_key_sha256) {
        return Err(KeyError::ProvingKeyHashMismatch {
            path: pk_path,
            vk_path,
            expected: file.proving_key_sha256.clone(),
            actual,
        });
    }
    let malformed = |reason: String| KeyError::MalformedProvingKey { path: pk_path.clone(), reason };
    let f = File::open(&pk_path).map_err(io_err(&pk_path))?;
    let mut reader = BufReader::with_capacity(1 << 20, f);
    // `checked` verifies that every point is on its curve (cheap next to reading them).
    let params = Parameters::<Engine>::read(&mut reader, true).map_err(|e| malformed(e.to_string()))?;
    let mut rest = [0u8; 1];
    if reader.read(&mut rest).map_err(io_err(&pk_path))? != 0 {
        return Err(malformed("trailing bytes after the parameters".into()));
    }
    if params.vk != vk {
        return Err(KeyError::VerifyingKeyMismatch { path: pk_path, vk_path });
    }
    Ok(LoadedKeys { file, params })
}

/// Where [`dev_keys`] found the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DevKeysSource {
    /// `committed_dir/NAME.pk`, next to the committed vk (after `zkpay keygen`).
    Committed,
    /// A copy written to the cache by an earlier call.
    Cache,
    /// Regenerated from [`DEV_SEED`] (and written to the cache).
    Generated,
}

/// The dev proving key of circuit `name` that matches the committed `committed_dir/NAME.vk.json`,
/// found without trusting any file: first `committed_dir/NAME.pk` if it passes every check of
/// [`load_keys`] and is for the current circuit shape; then a copy in `cache_dir` whose vk JSON is
/// byte-identical to the committed one; else regenerated from [`DEV_SEED`] and written to
/// `cache_dir`, and then the regenerated vk JSON must equal the committed one byte for byte
/// ([`KeyError::VerifyingKeyMismatch`] otherwise: the committed key is stale). For tests, benches
/// and local dev chains, where generating keys is the slow part.
pub fn dev_keys<C: Circuit<Engine>>(
    committed_dir: &Path,
    cache_dir: &Path,
    name: &str,
    blank: impl Fn() -> C,
) -> Result<(Parameters<Engine>, DevKeysSource), KeyError> {
    let info = circuit_info(name, blank()).map_err(KeyError::Synthesis)?;
    let committed_path = verification_key_path(committed_dir, name);
    let committed = std::fs::read_to_string(&committed_path).map_err(io_err(&committed_path))?;
    if let Ok(keys) = load_keys(committed_dir, name) {
        if keys.file.ensure_circuit(&info, &committed_path).is_ok() {
            return Ok((keys.params, DevKeysSource::Committed));
        }
    }
    let cached_vk = verification_key_path(cache_dir, name);
    if std::fs::read_to_string(&cached_vk).is_ok_and(|t| t == committed) {
        if let Ok(keys) = load_keys(cache_dir, name) {
            if keys.file.ensure_circuit(&info, &cached_vk).is_ok() {
                return Ok((keys.params, DevKeysSource::Cache));
            }
        }
    }
    let params = generate_dev_keys(blank(), DEV_SEED)?;
    let written = write_keys(cache_dir, &info, &params, Some(DEV_SEED))?;
    let regenerated = std::fs::read_to_string(&written.verification_key).map_err(io_err(&written.verification_key))?;
    if regenerated != committed {
        return Err(KeyError::VerifyingKeyMismatch { path: written.verification_key, vk_path: committed_path });
    }
    Ok((params, DevKeysSource::Generated))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::gadgets::num::Num;
    use crate::Fr;
    use bellman_ce::ConstraintSystem;

    /// `x · x = y` with `y` public: keys in milliseconds.
    #[derive(Clone)]
    pub(crate) struct Square(pub Option<Fr>);

    impl Circuit<Engine> for Square {
        fn synthesize<CS: ConstraintSystem<Engine>>(self, cs: &mut CS) -> Result<(), SynthesisError> {
            let y = self.0.map(|x| {
                let mut y = x;
                bellman_ce::pairing::ff::Field::square(&mut y);
                y
            });
            let y = Num::alloc_input(cs.namespace(|| "y"), y)?;
            let x = Num::alloc(cs.namespace(|| "x"), self.0)?;
            x.square(cs.namespace(|| "x^2"))?.enforce_equal(cs.namespace(|| "y"), &y);
            Ok(())
        }
    }

    fn square_info() -> CircuitInfo {
        circuit_info("square", Square(None)).unwrap()
    }

    fn write_square(dir: &Path, seed: &[u8]) -> WrittenKeys {
        let params = generate_dev_keys(Square(None), seed).unwrap();
        write_keys(dir, &square_info(), &params, Some(seed)).unwrap()
    }

    #[test]
    fn dev_keys_come_from_committed_then_cache_then_regeneration_and_refuse_a_stale_vk() {
        let (committed, cache) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let written = write_square(committed.path(), DEV_SEED);
        // No pk next to the committed vk: regenerated, then found in the cache.
        std::fs::remove_file(&written.proving_key).unwrap();
        let (p1, s1) = dev_keys(committed.path(), cache.path(), "square", || Square(None)).unwrap();
        assert_eq!(s1, DevKeysSource::Generated);
        let (p2, s2) = dev_keys(committed.path(), cache.path(), "square", || Square(None)).unwrap();
        assert_eq!(s2, DevKeysSource::Cache);
        assert!(p1 == p2 && p1.vk == read_verification_key(&written.verification_key).unwrap().1);
        // With the pk back in place, the committed pair is used.
        write_square(committed.path(), DEV_SEED);
        assert_eq!(
            dev_keys(committed.path(), cache.path(), "square", || Square(None)).unwrap().1,
            DevKeysSource::Committed
        );
        // A committed vk from another seed is stale: the cache no longer matches it and the
        // regenerated key differs from it.
        let stale = write_square(committed.path(), b"another seed");
        std::fs::remove_file(&stale.proving_key).unwrap();
        let err = dev_keys(committed.path(), cache.path(), "square", || Square(None)).err().expect("stale vk refused");
        assert!(matches!(err, KeyError::VerifyingKeyMismatch { .. }), "{err}");
    }

    /// The dev-key seed derivation exactly as docs/protocol.md §12 states it.
    #[test]
    fn dev_rng_key_is_sha256_of_domain_then_seed_as_le_words() {
        assert_eq!(hex::encode(DEV_RNG_DOMAIN), "7a6b7061792067726f7468313620646576206b657967656e20726e6700");
        assert_eq!(hex::encode(DEV_SEED), "7a6b70617920646576206b657973207631");
        let digest = Sha256::new().chain_update(DEV_RNG_DOMAIN).chain_update(DEV_SEED).finalize();
        assert_eq!(hex::encode(digest), "3b0619daf0bc40f79fe35f40ed609d6d64e84309d35177e1f9a8f2a34f5808be");
        let key = dev_rng_key(DEV_SEED);
        assert_eq!((key.len(), key[0], key[7]), (8, 0xda19063b, 0xbe08584f));
    }

    #[test]
    fn dev_keys_are_deterministic_and_seed_dependent() {
        let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let ka = write_square(a.path(), DEV_SEED);
        let kb = write_square(b.path(), DEV_SEED);
        let kc = write_square(c.path(), b"another seed");
        let read = |p: &Path| std::fs::read(p).unwrap();
        assert_eq!(read(&ka.verification_key), read(&kb.verification_key));
        assert_eq!(read(&ka.proving_key), read(&kb.proving_key));
        assert_ne!(ka.file.alpha_g1, kc.file.alpha_g1);
        assert_eq!(ka.file.kind, KeyKind::Dev);
        assert_eq!(ka.file.dev_seed.as_deref(), Some("0x7a6b70617920646576206b657973207631"));
        // Production keys differ from run to run and carry no seed.
        let p1 = generate_production_keys(Square(None)).unwrap();
        let p2 = generate_production_keys(Square(None)).unwrap();
        assert!(p1.vk != p2.vk);
        let d = tempfile::tempdir().unwrap();
        let w = write_keys(d.path(), &square_info(), &p1, None).unwrap();
        assert_eq!(w.file.kind, KeyKind::Production);
        assert!(!std::fs::read_to_string(&w.verification_key).unwrap().contains("devSeed"));
        assert!(load_keys(d.path(), "square").unwrap().params == p1);
    }

    #[test]
    fn written_keys_load_back_equal_and_json_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let params = generate_dev_keys(Square(None), DEV_SEED).unwrap();
        let w = write_keys(dir.path(), &square_info(), &params, Some(DEV_SEED)).unwrap();
        assert_eq!(w.proving_key, dir.path().join("square.pk"));
        assert_eq!(w.verification_key, dir.path().join("square.vk.json"));
        let loaded = load_keys(dir.path(), "square").unwrap();
        assert!(loaded.params == params);
        loaded.file.ensure_circuit(&square_info(), &w.verification_key).unwrap();
        let (file, vk) = read_verification_key(&w.verification_key).unwrap();
        assert!(vk == params.vk);
        assert_eq!(file.ic.len(), 2);
        assert_eq!(file.to_json(), std::fs::read_to_string(&w.verification_key).unwrap());
        // Another circuit's shape is refused.
        let other = CircuitInfo { constraints: square_info().constraints + 1, ..square_info() };
        assert!(matches!(file.ensure_circuit(&other, &w.verification_key), Err(KeyError::CircuitMismatch { .. })));
    }

    #[test]
    fn truncated_corrupted_missing_or_swapped_proving_keys_are_typed_errors() {
        let dir = tempfile::tempdir().unwrap();
        let w = write_square(dir.path(), DEV_SEED);
        let good = std::fs::read(&w.proving_key).unwrap();

        std::fs::write(&w.proving_key, &good[..good.len() / 2]).unwrap();
        assert!(matches!(load_keys(dir.path(), "square"), Err(KeyError::ProvingKeyHashMismatch { .. })));

        let mut corrupted = good.clone();
        corrupted[good.len() / 3] ^= 1;
        std::fs::write(&w.proving_key, &corrupted).unwrap();
        let err = load_keys(dir.path(), "square").err().unwrap();
        assert!(matches!(err, KeyError::ProvingKeyHashMismatch { .. }));
        assert!(err.to_string().contains("square.pk"), "{err}");

        // A proving key of another keygen (another seed) under this name.
        let other = tempfile::tempdir().unwrap();
        let o = write_square(other.path(), b"other");
        std::fs::copy(&o.proving_key, &w.proving_key).unwrap();
        assert!(matches!(load_keys(dir.path(), "square"), Err(KeyError::ProvingKeyHashMismatch { .. })));

        // Even with the hash in the JSON updated to the foreign pk, its embedded vk gives it away.
        let mut file = w.file.clone();
        file.proving_key_sha256 = o.file.proving_key_sha256.clone();
        std::fs::write(&w.verification_key, file.to_json()).unwrap();
        assert!(matches!(load_keys(dir.path(), "square"), Err(KeyError::VerifyingKeyMismatch { .. })));

        // A hash recorded over a malformed file: parsing fails cleanly, no panic.
        let truncated = &good[..good.len() - 10];
        std::fs::write(&w.proving_key, truncated).unwrap();
        file.proving_key_sha256 = format!("0x{}", hex::encode(Sha256::digest(truncated)));
        std::fs::write(&w.verification_key, file.to_json()).unwrap();
        assert!(matches!(load_keys(dir.path(), "square"), Err(KeyError::MalformedProvingKey { .. })));
        let mut longer = good.clone();
        longer.push(0);
        std::fs::write(&w.proving_key, &longer).unwrap();
        file.proving_key_sha256 = format!("0x{}", hex::encode(Sha256::digest(&longer)));
        std::fs::write(&w.verification_key, file.to_json()).unwrap();
        assert!(matches!(load_keys(dir.path(), "square"), Err(KeyError::MalformedProvingKey { .. })));

        std::fs::remove_file(&w.proving_key).unwrap();
        assert!(matches!(load_keys(dir.path(), "square"), Err(KeyError::MissingProvingKey { .. })));
    }

    #[test]
    fn invalid_verification_key_json_is_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let w = write_square(dir.path(), DEV_SEED);
        let mut file = w.file.clone();
        // Off the curve.
        file.alpha_g1.y = file.alpha_g1.x.clone();
        std::fs::write(&w.verification_key, file.to_json()).unwrap();
        let err = load_keys(dir.path(), "square").err().unwrap();
        assert!(matches!(err, KeyError::InvalidVerificationKey { .. }), "{err}");
        assert!(err.to_string().contains("alphaG1"), "{err}");
        // Missing ic point.
        let mut file = w.file.clone();
        file.ic.pop();
        std::fs::write(&w.verification_key, file.to_json()).unwrap();
        assert!(matches!(load_keys(dir.path(), "square"), Err(KeyError::InvalidVerificationKey { .. })));
        // Not JSON / another circuit's name.
        std::fs::write(&w.verification_key, "{").unwrap();
        assert!(matches!(load_keys(dir.path(), "square"), Err(KeyError::InvalidVerificationKey { .. })));
        let mut file = w.file.clone();
        file.circuit = "exit".into();
        std::fs::write(&w.verification_key, file.to_json()).unwrap();
        assert!(matches!(load_keys(dir.path(), "square"), Err(KeyError::CircuitMismatch { .. })));
    }
}
