//! The user's way out when the operator is gone (`zkpay exit`): from an L1 endpoint, the Rollup's
//! address and the user's own L1 key to their funds on L1 — activate exodus mode if it is due,
//! restore the state from L1 alone, prove the exit of one token with the exit circuit, perform the
//! exodus and withdraw the pending balance.

use alloy::primitives::{Address as EthAddress, TxHash};
use std::path::Path;
use zkpay_circuit::exit::{ExitCircuit, EXIT_CIRCUIT_NAME};
use zkpay_circuit::keys::{dev_keys, KeyError};
use zkpay_core::types::{AccountId, TokenId};
use zkpay_l1::bindings::Rollup::StoredBlock;
use zkpay_l1::client::{L1Client, Mined};
use zkpay_l1::encode::{core_address, proof_words};
use zkpay_l1::error::L1Error;
use zkpay_l1::restore::{restore_from_l1, RestoreFromL1Error};
use zkpay_prover::{prove_exit, ProvingKey};

/// Why the exit could not be completed. Every step before `performExodus` changes nothing on L1.
#[derive(Debug, thiserror::Error)]
pub enum ExitError {
    /// An L1 call failed (a revert carries the contract's error, e.g. `ExodusAlreadyPerformed`).
    #[error(transparent)]
    L1(#[from] L1Error),
    /// Exodus mode is off and cannot be turned on yet.
    #[error(
        "exodus mode is off and not due: no priority request has expired, so the operator is still serving the queue \
         (request a full exit first; exodus becomes possible if it is not served in time)"
    )]
    ExodusNotDue,
    /// The state could not be restored from L1.
    #[error("restoring the state from L1: {0}")]
    Restore(#[from] RestoreFromL1Error),
    /// The restored state has no account with the signer's address.
    #[error("no L2 account has the address {0} in the last executed block")]
    NoAccount(EthAddress),
    /// The account holds none of the token.
    #[error("account {account} holds no token {token} in the last executed block: nothing to exit")]
    NothingToExit {
        /// The account.
        account: AccountId,
        /// The token.
        token: TokenId,
    },
    /// The token id is not listed on L1.
    #[error("token {0} is not listed in Governance")]
    UnknownToken(TokenId),
    /// No proving key for the exit circuit.
    #[error("exit proving key: {0}")]
    Keys(#[from] KeyError),
    /// The exit proof could not be made.
    #[error("exit proof: {0}")]
    Prove(String),
}

/// What an exit did.
#[derive(Clone, Debug)]
pub struct ExitReport {
    /// Whether this run activated exodus mode.
    pub activated_exodus: bool,
    /// The last executed block the proof is against.
    pub last_executed: StoredBlock,
    /// The signer's account.
    pub account: AccountId,
    /// The token.
    pub token: TokenId,
    /// The amount credited to the pending balance.
    pub amount: u128,
    /// The `performExodus` transaction.
    pub exodus_tx: TxHash,
    /// The `withdrawPendingBalance` transaction, unless withdrawal was skipped.
    pub withdraw_tx: Option<TxHash>,
}

/// Options of [`exit`].
#[derive(Clone, Debug)]
pub struct ExitOptions {
    /// The token to exit (0 = ETH).
    pub token: TokenId,
    /// L1 block to start reading history from (the deployment block, or 0).
    pub from_block: u64,
    /// The genesis operator's address; `None` = Governance's first validator.
    pub operator: Option<EthAddress>,
    /// Also withdraw the pending balance to the signer's address.
    pub withdraw: bool,
}

/// The exit circuit's proving key: `keys_dir/exit.pk` if it is there and matches, else (dev keys
/// only) the cache `cache_dir` or a regeneration from the public dev seed.
pub fn exit_proving_key(keys_dir: &Path, cache_dir: &Path) -> Result<ProvingKey, KeyError> {
    dev_keys(keys_dir, cache_dir, EXIT_CIRCUIT_NAME, ExitCircuit::blank).map(|(p, _)| zkpay_prover::proving_key(p))
}

/// Exit all of `options.token` of the signer's account through exodus (see the module docs).
pub async fn exit(client: &L1Client, pk: &ProvingKey, options: &ExitOptions) -> Result<ExitReport, ExitError> {
    let owner = client.sender();
    let mut activated_exodus = false;
    if !client.exodus_mode().await? {
        match client.activate_exodus_mode().await {
            Ok(_) => activated_exodus = true,
            Err(e) if matches!(e.rollup_error(), Some(zkpay_l1::bindings::Rollup::RollupErrors::ExodusNotDue(_))) => {
                return Err(ExitError::ExodusNotDue)
            }
            Err(e) => return Err(e.into()),
        }
    }
    let restored = restore_from_l1(client, options.from_block, options.operator).await?;
    let token_address = if options.token == 0 {
        EthAddress::ZERO
    } else {
        restored
            .tokens
            .iter()
            .find(|(id, _)| *id == options.token)
            .map(|(_, a)| *a)
            .ok_or(ExitError::UnknownToken(options.token))?
    };
    let state = restored.restorer.state();
    let account = state.account_id_by_address(&core_address(&owner)).ok_or(ExitError::NoAccount(owner))?;
    if state.balance(account, options.token) == 0 {
        return Err(ExitError::NothingToExit { account, token: options.token });
    }
    let (proof, public) =
        prove_exit(pk, state.tree(), account, options.token).map_err(|e| ExitError::Prove(e.to_string()))?;
    let exodus: Mined = client
        .perform_exodus(&restored.last_executed, account, owner, options.token, public.amount, proof_words(&proof))
        .await?;
    let withdraw_tx = if options.withdraw {
        let pending = client.pending_balance(owner, options.token).await?;
        Some(client.withdraw_pending_balance(owner, token_address, pending).await?.tx)
    } else {
        None
    };
    Ok(ExitReport {
        activated_exodus,
        last_executed: restored.last_executed,
        account,
        token: options.token,
        amount: public.amount,
        exodus_tx: exodus.tx,
        withdraw_tx,
    })
}
