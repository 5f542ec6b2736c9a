//! The wallet file: the Ethereum key and the L2 key, encrypted under a passphrase.
//!
//! The key is scrypt(passphrase, salt) with the parameters in the file; the secrets are sealed
//! with XChaCha20-Poly1305 (a random 24-byte nonce), and the file's public header — its version,
//! address and L2 key hash — is the AEAD's associated data, so a header edited by hand is
//! detected like a wrong passphrase would be, never silently believed. JSON:
//!
//! ```json
//! {"version": 1, "address": "0x…", "pubKeyHash": "0x…",
//!  "kdf": {"name": "scrypt", "logN": 17, "r": 8, "p": 1, "salt": "0x…"},
//!  "cipher": "xchacha20poly1305", "nonce": "0x…", "ciphertext": "0x…"}
//! ```

use crate::keys::EthKey;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::serde_util::hex_vec;
use zkpay_core::types::{Address, PubKeyHash};

/// What a wallet file holds.
#[derive(Clone)]
pub struct WalletSecret {
    /// The Ethereum key: the account's owner on L1.
    pub eth: EthKey,
    /// The L2 signing key.
    pub l2: PrivateKey,
}

impl std::fmt::Debug for WalletSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WalletSecret({}, l2 {})", self.eth.address(), self.l2.public_key().hash())
    }
}

/// scrypt's cost: N = 2^log_n, r, p.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScryptCost {
    /// log2 of N.
    pub log_n: u8,
    /// Block size.
    pub r: u32,
    /// Parallelism.
    pub p: u32,
}

impl ScryptCost {
    /// The default: N = 2^17, r = 8, p = 1 (128 MiB, a fraction of a second).
    pub const DEFAULT: ScryptCost = ScryptCost { log_n: 17, r: 8, p: 1 };
    /// For tests only: fast and weak.
    pub const TEST_ONLY: ScryptCost = ScryptCost { log_n: 8, r: 8, p: 1 };
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Kdf {
    name: String,
    log_n: u8,
    r: u32,
    p: u32,
    #[serde(with = "hex_vec")]
    salt: Vec<u8>,
}

impl Kdf {
    fn cost(&self) -> ScryptCost {
        ScryptCost { log_n: self.log_n, r: self.r, p: self.p }
    }
}

/// A wallet file as stored.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Keystore {
    version: u32,
    /// The wallet's L1 address (readable without the passphrase).
    pub address: Address,
    /// Its L2 key's hash (readable without the passphrase).
    pub pub_key_hash: PubKeyHash,
    kdf: Kdf,
    cipher: String,
    #[serde(with = "hex_vec")]
    nonce: Vec<u8>,
    #[serde(with = "hex_vec")]
    ciphertext: Vec<u8>,
}

/// Why a wallet file could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum KeystoreError {
    /// The passphrase does not open it (or its header was edited).
    #[error("wrong passphrase (or the wallet file was altered)")]
    WrongPassphrase,
    /// It is not a wallet file this version reads.
    #[error("the wallet file is corrupted: {0}")]
    Corrupted(String),
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Plain {
    #[serde(with = "hex_vec")]
    eth_key: Vec<u8>,
    #[serde(with = "hex_vec")]
    l2_key: Vec<u8>,
}

const VERSION: u32 = 1;

fn associated_data(version: u32, address: &Address, pkh: &PubKeyHash) -> Vec<u8> {
    format!("zkpay wallet v{version} {address} {pkh}").into_bytes()
}

fn derive_key(passphrase: &str, salt: &[u8], cost: ScryptCost) -> Result<[u8; 32], KeystoreError> {
    if cost.log_n > 22 || cost.r > 32 || cost.p > 16 {
        // 2^22 × r × 128 bytes is 4 GiB at r = 8: no file we write asks for that much.
        return Err(KeystoreError::Corrupted(format!("scrypt cost {cost:?} is beyond what a wallet uses")));
    }
    let params = scrypt::Params::new(cost.log_n, cost.r, cost.p, 32)
        .map_err(|e| KeystoreError::Corrupted(format!("scrypt parameters: {e}")))?;
    let mut key = [0u8; 32];
    scrypt::scrypt(passphrase.as_bytes(), salt, &params, &mut key)
        .map_err(|e| KeystoreError::Corrupted(format!("scrypt: {e}")))?;
    Ok(key)
}

impl Keystore {
    /// Seal `secret` under `passphrase`.
    pub fn encrypt(secret: &WalletSecret, passphrase: &str, cost: ScryptCost) -> Keystore {
        let mut salt = vec![0u8; 32];
        let mut nonce = vec![0u8; 24];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut salt);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
        let address = secret.eth.address();
        let pub_key_hash = secret.l2.public_key().hash();
        let key = derive_key(passphrase, &salt, cost).expect("the parameters we write are valid");
        let plain = serde_json::to_vec(&Plain {
            eth_key: secret.eth.to_bytes().to_vec(),
            l2_key: secret.l2.to_bytes().to_vec(),
        })
        .expect("serializes");
        let aad = associated_data(VERSION, &address, &pub_key_hash);
        let ciphertext = XChaCha20Poly1305::new(&key.into())
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: &plain, aad: &aad })
            .expect("encryption of a short message cannot fail");
        Keystore {
            version: VERSION,
            address,
            pub_key_hash,
            kdf: Kdf { name: "scrypt".into(), log_n: cost.log_n, r: cost.r, p: cost.p, salt },
            cipher: "xchacha20poly1305".into(),
            nonce,
            ciphertext,
        }
    }

    /// Open with `passphrase`.
    pub fn decrypt(&self, passphrase: &str) -> Result<WalletSecret, KeystoreError> {
        if self.version != VERSION {
            return Err(KeystoreError::Corrupted(format!("version {} (this zkpay reads {VERSION})", self.version)));
        }
        if self.kdf.name != "scrypt" || self.cipher != "xchacha20poly1305" {
            return Err(KeystoreError::Corrupted(format!(
                "unknown kdf {:?} or cipher {:?}",
                self.kdf.name, self.cipher
            )));
        }
        if self.nonce.len() != 24 || self.kdf.salt.len() < 16 {
            return Err(KeystoreError::Corrupted("nonce or salt of the wrong length".into()));
        }
        let key = derive_key(passphrase, &self.kdf.salt, self.kdf.cost())?;
        let aad = associated_data(self.version, &self.address, &self.pub_key_hash);
        let plain = XChaCha20Poly1305::new(&key.into())
            .decrypt(XNonce::from_slice(&self.nonce), Payload { msg: &self.ciphertext, aad: &aad })
            .map_err(|_| KeystoreError::WrongPassphrase)?;
        let plain: Plain =
            serde_json::from_slice(&plain).map_err(|e| KeystoreError::Corrupted(format!("sealed content: {e}")))?;
        let bytes32 = |v: &[u8], what: &str| -> Result<[u8; 32], KeystoreError> {
            v.try_into().map_err(|_| KeystoreError::Corrupted(format!("{what} is not 32 bytes")))
        };
        let eth = EthKey::from_bytes(&bytes32(&plain.eth_key, "the Ethereum key")?)
            .map_err(|e| KeystoreError::Corrupted(e.to_string()))?;
        let l2 = PrivateKey::from_bytes(bytes32(&plain.l2_key, "the L2 key")?);
        if eth.address() != self.address || l2.public_key().hash() != self.pub_key_hash {
            return Err(KeystoreError::Corrupted("the sealed keys do not match the header".into()));
        }
        Ok(WalletSecret { eth, l2 })
    }

    /// The file's JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("serializes")
    }

    /// Read a file's JSON.
    pub fn from_json(text: &str) -> Result<Keystore, KeystoreError> {
        serde_json::from_str(text).map_err(|e| KeystoreError::Corrupted(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::random_l2_key;

    fn secret() -> WalletSecret {
        WalletSecret { eth: EthKey::random(), l2: random_l2_key() }
    }

    #[test]
    fn the_right_passphrase_opens_it_and_nothing_else_does() {
        let s = secret();
        let ks = Keystore::encrypt(&s, "correct horse", ScryptCost::TEST_ONLY);
        let text = ks.to_json();
        let back = Keystore::from_json(&text).unwrap().decrypt("correct horse").unwrap();
        assert_eq!(back.eth.to_bytes(), s.eth.to_bytes());
        assert_eq!(back.l2.to_bytes(), s.l2.to_bytes());
        assert!(matches!(ks.decrypt("correct horsf"), Err(KeystoreError::WrongPassphrase)));
        assert!(!text.contains(&hex::encode(s.eth.to_bytes())), "the key is not in the file in clear");
    }

    #[test]
    fn an_altered_file_is_refused() {
        let s = secret();
        let ks = Keystore::encrypt(&s, "pw", ScryptCost::TEST_ONLY);
        let mut v: serde_json::Value = serde_json::from_str(&ks.to_json()).unwrap();
        // Another address in the header: the AEAD refuses it.
        v["address"] = serde_json::json!(Address([9; 20]).to_string());
        let edited = Keystore::from_json(&v.to_string()).unwrap();
        assert!(matches!(edited.decrypt("pw"), Err(KeystoreError::WrongPassphrase)));
        // A flipped ciphertext byte.
        let mut ks2 = Keystore::encrypt(&s, "pw", ScryptCost::TEST_ONLY);
        ks2.ciphertext[0] ^= 1;
        assert!(matches!(ks2.decrypt("pw"), Err(KeystoreError::WrongPassphrase)));
        // Not JSON, an unknown field, a truncated nonce, an absurd cost.
        assert!(matches!(Keystore::from_json("{"), Err(KeystoreError::Corrupted(_))));
        let mut extra = v.clone();
        extra["x"] = serde_json::json!(1);
        assert!(matches!(Keystore::from_json(&extra.to_string()), Err(KeystoreError::Corrupted(_))));
        let mut short = Keystore::encrypt(&s, "pw", ScryptCost::TEST_ONLY);
        short.nonce.truncate(5);
        assert!(matches!(short.decrypt("pw"), Err(KeystoreError::Corrupted(_))));
        let mut heavy = Keystore::encrypt(&s, "pw", ScryptCost::TEST_ONLY);
        heavy.kdf.log_n = 40;
        assert!(matches!(heavy.decrypt("pw"), Err(KeystoreError::Corrupted(_))));
    }
}
