//! Errors from L1, typed: a revert carries the contract's decoded custom error.

use super::bindings::{
    Governance::GovernanceErrors, Rollup::RollupErrors, TestERC20::TestERC20Errors, Verifier::VerifierErrors,
};
use alloy::primitives::{Bytes, TxHash, U256};
use alloy::sol_types::{Panic, Revert as RevertString, SolError, SolInterface};

/// What went wrong talking to L1.
#[derive(Debug, thiserror::Error)]
pub enum L1Error {
    /// The call reverted (when estimated, called or mined) with `revert`.
    #[error("{call} reverted: {revert}")]
    Reverted {
        /// The contract function.
        call: &'static str,
        /// The decoded revert reason.
        revert: Revert,
    },
    /// The transaction was mined but failed without revert data to decode.
    #[error("{call}: transaction {tx} was mined but failed")]
    Failed {
        /// The contract function.
        call: &'static str,
        /// The transaction.
        tx: TxHash,
    },
    /// The node could not be reached, or refused the request for another reason than a revert.
    #[error("{call}: L1 RPC failed: {message}")]
    Rpc {
        /// The call or RPC method.
        call: &'static str,
        /// The transport's message.
        message: String,
    },
    /// L1 returned data this client cannot interpret (an unexpected event, calldata of an unknown
    /// function, a missing transaction, …).
    #[error("unexpected L1 data: {0}")]
    Data(String),
}

/// A decoded revert: the custom errors of the contracts a Rollup call can reach (the Rollup itself,
/// Governance through it, the Verifier, the test token), Solidity's `Error(string)` and `Panic`,
/// or the raw bytes when nothing matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revert {
    /// A custom error of `Rollup.sol` (and the `Operations` library it uses).
    Rollup(RollupErrors),
    /// A custom error of `Governance.sol` (validator and token checks).
    Governance(GovernanceErrors),
    /// A custom error of the generated `Verifier.sol`.
    Verifier(VerifierErrors),
    /// A custom error of the test ERC-20.
    Token(TestERC20Errors),
    /// `Error(string)`.
    Message(String),
    /// `Panic(uint256)`.
    Panic(U256),
    /// Revert data none of the above decode (empty for a bare `revert()`).
    Unknown(Bytes),
}

impl Revert {
    /// Decode revert data, trying the Rollup's errors first.
    pub fn decode(data: &[u8]) -> Revert {
        if let Ok(e) = RollupErrors::abi_decode(data) {
            return Revert::Rollup(e);
        }
        if let Ok(e) = GovernanceErrors::abi_decode(data) {
            return Revert::Governance(e);
        }
        if let Ok(e) = VerifierErrors::abi_decode(data) {
            return Revert::Verifier(e);
        }
        if let Ok(e) = TestERC20Errors::abi_decode(data) {
            return Revert::Token(e);
        }
        if let Ok(e) = RevertString::abi_decode(data) {
            return Revert::Message(e.reason);
        }
        if let Ok(e) = Panic::abi_decode(data) {
            return Revert::Panic(e.code);
        }
        Revert::Unknown(Bytes::copy_from_slice(data))
    }

    /// The Rollup's custom error, if that is what it is.
    pub fn rollup(&self) -> Option<&RollupErrors> {
        match self {
            Revert::Rollup(e) => Some(e),
            _ => None,
        }
    }
}

impl std::fmt::Display for Revert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The generated enums' Debug output is the error's name and its named fields.
        match self {
            Revert::Rollup(e) => write!(f, "Rollup.{e:?}"),
            Revert::Governance(e) => write!(f, "Governance.{e:?}"),
            Revert::Verifier(e) => write!(f, "Verifier.{e:?}"),
            Revert::Token(e) => write!(f, "token {e:?}"),
            Revert::Message(m) => write!(f, "Error({m:?})"),
            Revert::Panic(code) => write!(f, "Panic({code:#x})"),
            Revert::Unknown(data) if data.is_empty() => write!(f, "revert without data"),
            Revert::Unknown(data) => write!(f, "undecoded revert data {data}"),
        }
    }
}

impl L1Error {
    /// A contract call's error: a revert if it carries revert data, else an RPC failure.
    pub(crate) fn from_contract(call: &'static str, e: alloy::contract::Error) -> L1Error {
        match e.as_revert_data() {
            Some(data) => L1Error::Reverted { call, revert: Revert::decode(&data) },
            None => L1Error::Rpc { call, message: e.to_string() },
        }
    }

    /// A provider call's error (never a revert: the call is not a contract call).
    pub(crate) fn rpc(call: &'static str, e: impl std::fmt::Display) -> L1Error {
        L1Error::Rpc { call, message: e.to_string() }
    }

    /// The Rollup's custom error, if this is a Rollup revert.
    pub fn rollup_error(&self) -> Option<&RollupErrors> {
        match self {
            L1Error::Reverted { revert, .. } => revert.rollup(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::Rollup;
    use alloy::sol_types::SolError;

    #[test]
    fn revert_data_decodes_to_the_contract_error_or_stays_raw() {
        let data = Rollup::ExodusAlreadyPerformed { accountId: 7, tokenId: 1 }.abi_encode();
        let revert = Revert::decode(&data);
        assert_eq!(
            revert.rollup(),
            Some(&RollupErrors::ExodusAlreadyPerformed(Rollup::ExodusAlreadyPerformed { accountId: 7, tokenId: 1 }))
        );
        assert!(revert.to_string().contains("ExodusAlreadyPerformed"), "{revert}");
        let governance =
            crate::bindings::Governance::NotValidator { caller: alloy::primitives::Address::ZERO }.abi_encode();
        assert!(matches!(Revert::decode(&governance), Revert::Governance(_)));
        let message = RevertString::from("no").abi_encode();
        assert_eq!(Revert::decode(&message), Revert::Message("no".into()));
        let panic = Panic { code: U256::from(0x11) }.abi_encode();
        assert_eq!(Revert::decode(&panic), Revert::Panic(U256::from(0x11)));
        assert_eq!(Revert::decode(&[1, 2, 3]), Revert::Unknown(Bytes::from(vec![1, 2, 3])));
        assert_eq!(Revert::decode(&[]).to_string(), "revert without data");
        // A known selector with truncated arguments is not that error.
        assert!(matches!(Revert::decode(&data[..20]), Revert::Unknown(_)));
    }
}
