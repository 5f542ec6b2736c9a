//! The keys a wallet holds: the Ethereum (L1) key, and the L2 signing key — random, or derived
//! from the Ethereum key as docs/protocol.md §3.7 specifies — and the L1 signatures the SDK makes
//! with the Ethereum key: the key-derivation signature and the EIP-712 ChangePubKey
//! authorization (§13.3).

use k256::ecdsa::{RecoveryId, Signature, SigningKey};
use sha3::{Digest, Keccak256};
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::tx::Domain;
use zkpay_core::types::{AccountId, Address, Nonce, PubKeyHash};

/// Keccak-256.
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// An Ethereum private key.
#[derive(Clone)]
pub struct EthKey(SigningKey);

impl std::fmt::Debug for EthKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EthKey({})", self.address())
    }
}

/// Why a key was refused.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// Not 32 bytes of 0x-hex.
    #[error("an Ethereum private key is 32 bytes of (0x-)hex")]
    Format,
    /// Zero, or not below the curve order.
    #[error("not a valid secp256k1 private key (zero or ≥ the curve order)")]
    Range,
}

impl EthKey {
    /// From 32 bytes.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<EthKey, KeyError> {
        SigningKey::from_bytes(bytes.into()).map(EthKey).map_err(|_| KeyError::Range)
    }

    /// From (0x-)hex text.
    pub fn from_hex(s: &str) -> Result<EthKey, KeyError> {
        let mut b = [0u8; 32];
        hex::decode_to_slice(s.trim().strip_prefix("0x").unwrap_or(s.trim()), &mut b).map_err(|_| KeyError::Format)?;
        EthKey::from_bytes(&b)
    }

    /// A fresh random key.
    pub fn random() -> EthKey {
        EthKey(SigningKey::random(&mut rand::rngs::OsRng))
    }

    /// The 32 secret bytes.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes().into()
    }

    /// The Ethereum address: the last 20 bytes of keccak256 of the uncompressed public key.
    pub fn address(&self) -> Address {
        let point = self.0.verifying_key().to_encoded_point(false);
        let hash = keccak256(&point.as_bytes()[1..]);
        let mut a = [0u8; 20];
        a.copy_from_slice(&hash[12..]);
        Address(a)
    }

    /// The 65-byte `r ‖ s ‖ v` signature (v = 27/28, low s) of a 32-byte digest. Deterministic
    /// (RFC 6979), as the derivation of §3.7 needs.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> [u8; 65] {
        let (sig, recid): (Signature, RecoveryId) =
            self.0.sign_prehash_recoverable(digest).expect("a 32-byte prehash always signs");
        // k256 already returns low-s; normalising again keeps the recovery id consistent if not.
        let (sig, recid) = match sig.normalize_s() {
            Some(low) => (low, RecoveryId::new(!recid.is_y_odd(), recid.is_x_reduced())),
            None => (sig, recid),
        };
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&sig.to_bytes());
        out[64] = 27 + recid.to_byte();
        out
    }

    /// EIP-191 `personal_sign` of `message`.
    pub fn personal_sign(&self, message: &[u8]) -> [u8; 65] {
        self.sign_digest(&personal_digest(message))
    }
}

/// The EIP-191 digest `keccak256("\x19Ethereum Signed Message:\n" ‖ len ‖ message)`.
pub fn personal_digest(message: &[u8]) -> [u8; 32] {
    let mut data = format!("\x19Ethereum Signed Message:\n{}", message.len()).into_bytes();
    data.extend_from_slice(message);
    keccak256(&data)
}

/// The message whose signature derives a deployment's L2 key (docs/protocol.md §3.7): it names
/// the chain and the Rollup, so one Ethereum key gives a different L2 key on each deployment.
pub fn derivation_message(domain: &Domain) -> String {
    format!(
        "zkpay L2 signing key\n\nchain id: {}\nrollup: {}\n\nSigning this message gives your zkpay account its L2 key. Sign it only for the zkpay deployment above.",
        domain.chain_id, domain.rollup
    )
}

/// The L2 key derived from `eth` for `domain` (§3.7): `keccak256(personal_sign(message))`.
pub fn derive_l2_key(eth: &EthKey, domain: &Domain) -> PrivateKey {
    derive_l2_key_from_signature(&eth.personal_sign(derivation_message(domain).as_bytes()))
}

/// The L2 key from the derivation signature made elsewhere (a hardware or browser wallet).
pub fn derive_l2_key_from_signature(signature: &[u8; 65]) -> PrivateKey {
    PrivateKey::from_bytes(keccak256(signature))
}

/// A fresh random L2 key.
pub fn random_l2_key() -> PrivateKey {
    let mut b = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut b);
    PrivateKey::from_bytes(b)
}

/// The EIP-712 digest of a ChangePubKey authorization (docs/protocol.md §13.3; the Rollup's
/// `changePubKeyDigest`).
pub fn change_pubkey_digest(
    domain: &Domain,
    pub_key_hash: &PubKeyHash,
    nonce: Nonce,
    account_id: AccountId,
) -> [u8; 32] {
    let word_u = |v: u64| {
        let mut w = [0u8; 32];
        w[24..].copy_from_slice(&v.to_be_bytes());
        w
    };
    let mut separator = Vec::with_capacity(5 * 32);
    separator.extend_from_slice(&keccak256(
        b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
    ));
    separator.extend_from_slice(&keccak256(b"zkpay"));
    separator.extend_from_slice(&keccak256(b"1"));
    separator.extend_from_slice(&word_u(domain.chain_id));
    let mut rollup = [0u8; 32];
    rollup[12..].copy_from_slice(&domain.rollup.0);
    separator.extend_from_slice(&rollup);
    let domain_separator = keccak256(&separator);

    let mut data = Vec::with_capacity(4 * 32);
    data.extend_from_slice(&keccak256(b"ChangePubKey(bytes20 pubKeyHash,uint32 nonce,uint32 accountId)"));
    let mut pkh = [0u8; 32];
    pkh[..20].copy_from_slice(&pub_key_hash.0); // bytes20 is left-aligned
    data.extend_from_slice(&pkh);
    data.extend_from_slice(&word_u(nonce as u64));
    data.extend_from_slice(&word_u(account_id as u64));
    let struct_hash = keccak256(&data);

    let mut digest = vec![0x19, 0x01];
    digest.extend_from_slice(&domain_separator);
    digest.extend_from_slice(&struct_hash);
    keccak256(&digest)
}

/// The 65-byte EIP-712 authorization of setting `pub_key_hash` on `account_id` at `nonce`.
pub fn change_pubkey_auth(
    eth: &EthKey,
    domain: &Domain,
    pub_key_hash: &PubKeyHash,
    nonce: Nonce,
    account_id: AccountId,
) -> [u8; 65] {
    eth.sign_digest(&change_pubkey_digest(domain, pub_key_hash, nonce, account_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    // anvil's first dev account.
    const ANVIL_0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[test]
    fn the_address_of_a_known_key() {
        let k = EthKey::from_hex(ANVIL_0).unwrap();
        assert_eq!(k.address().to_string(), "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
    }

    #[test]
    fn malformed_keys_are_refused() {
        assert!(matches!(EthKey::from_hex("0x12"), Err(KeyError::Format)));
        assert!(matches!(EthKey::from_hex(&format!("0x{}", "00".repeat(32))), Err(KeyError::Range)));
        assert!(matches!(EthKey::from_hex(&format!("0x{}", "ff".repeat(32))), Err(KeyError::Range)));
    }

    #[test]
    fn signatures_recover_to_the_signer_and_are_deterministic() {
        let k = EthKey::from_hex(ANVIL_0).unwrap();
        let digest = personal_digest(b"hello");
        let sig = k.sign_digest(&digest);
        assert_eq!(sig, k.sign_digest(&digest));
        assert!(sig[64] == 27 || sig[64] == 28);
        let recid = RecoveryId::from_byte(sig[64] - 27).unwrap();
        let s = Signature::from_slice(&sig[..64]).unwrap();
        assert!(s.normalize_s().is_none(), "low s");
        let vk = k256::ecdsa::VerifyingKey::recover_from_prehash(&digest, &s, recid).unwrap();
        assert_eq!(&vk, k.0.verifying_key());
    }

    /// The vector of docs/protocol.md §3.7.
    #[test]
    fn the_protocol_vector() {
        let k = EthKey::from_hex(ANVIL_0).unwrap();
        let d = Domain { chain_id: 31337, rollup: Address([0x11; 20]) };
        let sig = k.personal_sign(derivation_message(&d).as_bytes());
        let l2 = derive_l2_key(&k, &d);
        let got =
            format!("sig 0x{} l2 0x{} pkh {}", hex::encode(sig), hex::encode(l2.to_bytes()), l2.public_key().hash());
        assert_eq!(
            got,
            "sig 0x622b34745ed1758d491b08f3960704a32b2bbd1a62224ffb85d4c41415fc5b875dcf12b3c8e5ed248c70bcfa2992cfbdb7a5f52bd6d228c69e6c0d0f3a44f1e11b \
             l2 0x2c6ff6b78482b558247a8b5a86356e499b2fc931ffd123fc569289e5607fdc60 \
             pkh 0xf99ea24d2b8b16794ae796e7c364989190501e1c"
        );
    }

    #[test]
    fn the_derived_key_depends_on_the_key_the_chain_and_the_rollup() {
        let k = EthKey::from_hex(ANVIL_0).unwrap();
        let d = Domain { chain_id: 31337, rollup: Address([0x11; 20]) };
        let a = derive_l2_key(&k, &d).to_bytes();
        assert_eq!(a, derive_l2_key(&k, &d).to_bytes(), "deterministic");
        assert_ne!(a, derive_l2_key(&k, &Domain { chain_id: 1, ..d }).to_bytes());
        assert_ne!(a, derive_l2_key(&k, &Domain { rollup: Address([0x12; 20]), ..d }).to_bytes());
        assert_ne!(a, derive_l2_key(&EthKey::random(), &d).to_bytes());
        let sig = k.personal_sign(derivation_message(&d).as_bytes());
        assert_eq!(derive_l2_key_from_signature(&sig).to_bytes(), a);
    }
}
