//! Fixtures shared by zkpay's tests (one place instead of copies in every test file): L2 keys,
//! signed txs, dev proving keys and proofs. Test code only; nothing here is used by the node.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use zkpay_core::block::Block;
use zkpay_core::eddsa::PrivateKey;
use zkpay_core::tx::{ChangePubKey, ChangePubKeyAuth, Domain, L2Tx, TimeRange, Transfer, TxSignature, Withdraw};
use zkpay_core::types::{AccountId, Address, Nonce, TokenId};
use zkpay_prover::{prove_block, KeyStore, ProofWords};

/// One ether in wei.
pub const ETHER: u128 = 1_000_000_000_000_000_000;

/// A time range that always holds.
pub const ALWAYS: TimeRange = TimeRange::ALWAYS;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The committed `keys/`.
pub fn committed_keys_dir() -> PathBuf {
    repo_root().join("keys")
}

/// The pinned anvil from `contracts/node_modules`.
pub fn anvil_binary() -> PathBuf {
    repo_root().join("contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
}

/// The dev key store shared by every test binary: committed vks, proving keys cached under
/// `target_tmpdir` (a test's `env!("CARGO_TARGET_TMPDIR")`), where the circuit tests cache theirs.
pub fn dev_key_store(target_tmpdir: &str) -> &'static KeyStore {
    static KEYS: OnceLock<KeyStore> = OnceLock::new();
    KEYS.get_or_init(|| KeyStore::new(committed_keys_dir(), PathBuf::from(target_tmpdir).join("zkpay-dev-keys")))
}

/// Proofs of `blocks` with the 8-chunk dev key of `keys`.
pub fn prove_all(keys: &KeyStore, blocks: &[Block]) -> Vec<ProofWords> {
    let start = std::time::Instant::now();
    let pk = keys.block(8).expect("block_8 dev keys");
    eprintln!("block_8 dev keys ready in {:.1?}", start.elapsed());
    blocks
        .iter()
        .map(|b| {
            let start = std::time::Instant::now();
            let proof = prove_block(&pk, b).unwrap_or_else(|e| panic!("block {}: {e}", b.header.number));
            eprintln!("block {} proven in {:.1?}", b.header.number, start.elapsed());
            proof
        })
        .collect()
}

/// A user's L2 key, fixed per name byte.
pub fn l2_key(b: u8) -> PrivateKey {
    PrivateKey::from_bytes([b; 32])
}

/// `tx` signed by `key` for `domain`.
pub fn signed(mut tx: L2Tx, key: &PrivateKey, domain: &Domain) -> L2Tx {
    tx.sign(key, domain).expect("tx signs");
    tx
}

/// An all-zero signature, for building a tx before signing it.
pub fn nosig() -> TxSignature {
    TxSignature::default()
}

/// A ChangePubKey of `account` (address `address`, nonce 0) to `key`, fee `fee` in ETH, signed by `key`.
pub fn change_pubkey(
    account: AccountId,
    address: Address,
    key: &PrivateKey,
    fee: u128,
    auth: ChangePubKeyAuth,
    domain: &Domain,
) -> L2Tx {
    let tx = L2Tx::ChangePubKey(ChangePubKey {
        account_id: account,
        account: address,
        new_pub_key_hash: key.public_key().hash(),
        fee_token: 0,
        fee,
        nonce: 0,
        time_range: ALWAYS,
        auth,
        signature: nosig(),
    });
    signed(tx, key, domain)
}

/// What a transfer moves: `(from, to, token, amount, fee, nonce)`.
pub struct TransferSpec {
    /// Sender.
    pub from: AccountId,
    /// Recipient address.
    pub to: Address,
    /// Token.
    pub token: TokenId,
    /// Amount.
    pub amount: u128,
    /// Fee.
    pub fee: u128,
    /// Sender nonce.
    pub nonce: Nonce,
}

/// A Transfer signed by `key`.
pub fn transfer(spec: TransferSpec, key: &PrivateKey, domain: &Domain) -> L2Tx {
    let tx = L2Tx::Transfer(Transfer {
        account_id: spec.from,
        to: spec.to,
        token: spec.token,
        amount: spec.amount,
        fee: spec.fee,
        nonce: spec.nonce,
        time_range: ALWAYS,
        signature: nosig(),
    });
    signed(tx, key, domain)
}

/// A Withdraw of `amount` (fee `fee`) of `token` from `from` to L1 address `to`, signed by `key`.
#[allow(clippy::too_many_arguments)] // every field of the tx, by name at the call site
pub fn withdraw(
    from: AccountId,
    to: Address,
    token: TokenId,
    amount: u128,
    fee: u128,
    nonce: Nonce,
    key: &PrivateKey,
    domain: &Domain,
) -> L2Tx {
    let tx = L2Tx::Withdraw(Withdraw {
        account_id: from,
        to,
        token,
        amount,
        fee,
        nonce,
        time_range: ALWAYS,
        signature: nosig(),
    });
    signed(tx, key, domain)
}

/// An L1 address made of one repeated byte.
pub fn address(b: u8) -> Address {
    Address([b; 20])
}
