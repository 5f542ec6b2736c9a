//! An L2 tx whose signature has been checked, so the sequential state transition does not pay for
//! it: the node verifies signatures in parallel when it admits txs, then applies them one by one.

use crate::tx::{Domain, L2Tx, TxError};
use crate::types::PubKeyHash;
use rayon::prelude::*;

/// An L2 tx with a verified signature, bound to the deployment it was verified for. Only
/// [`VerifiedTx::verify`] makes one, so holding it proves the check happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedTx {
    tx: L2Tx,
    signer: PubKeyHash,
    domain: Domain,
}

impl VerifiedTx {
    /// Verify `tx`'s signature for `domain` (for ChangePubKey: by the key it installs).
    pub fn verify(tx: L2Tx, domain: &Domain) -> Result<VerifiedTx, TxError> {
        let signer = tx.verify_signature(domain)?;
        Ok(VerifiedTx { tx, signer, domain: *domain })
    }

    /// Verify many txs in parallel; results in input order.
    pub fn verify_all(txs: Vec<L2Tx>, domain: &Domain) -> Vec<Result<VerifiedTx, TxError>> {
        txs.into_par_iter().map(|tx| VerifiedTx::verify(tx, domain)).collect()
    }

    /// The tx.
    pub fn tx(&self) -> &L2Tx {
        &self.tx
    }

    /// Hash of the key that signed it.
    pub fn signer(&self) -> PubKeyHash {
        self.signer
    }

    /// The deployment it was verified for.
    pub fn domain(&self) -> &Domain {
        &self.domain
    }
}
