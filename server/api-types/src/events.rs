//! The node's event stream: what `/v1/events` streams and webhooks deliver. Every event has an
//! id that increases by one from 1, is stored with the change that caused it (a sealed block and
//! its `tx.included` events are on disk together or not at all), and never changes: a client
//! that resumes after id `n` gets exactly the events after `n`.

use crate::types::{PriorityOpInfo, TxInfo};
use crate::BlockStatus;
use crate::L1Txs;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zkpay_core::serde_util::u64_dec;
use zkpay_core::types::Address;

/// What happened. The wire names are `family.stage`, e.g. `tx.finalized`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
pub enum EventType {
    /// A tx is in a sealed block.
    #[serde(rename = "tx.included")]
    TxIncluded,
    /// Its block is committed on L1.
    #[serde(rename = "tx.committed")]
    TxCommitted,
    /// Its block is proven on L1.
    #[serde(rename = "tx.proven")]
    TxProven,
    /// Its block is executed on L1: final.
    #[serde(rename = "tx.finalized")]
    TxFinalized,
    /// The tx was dropped without a block (its reason is in the tx).
    #[serde(rename = "tx.rejected")]
    TxRejected,
    /// A block was sealed.
    #[serde(rename = "block.sealed")]
    BlockSealed,
    /// A block was committed on L1.
    #[serde(rename = "block.committed")]
    BlockCommitted,
    /// A block was proven on L1.
    #[serde(rename = "block.proven")]
    BlockProven,
    /// A block was executed on L1.
    #[serde(rename = "block.finalized")]
    BlockFinalized,
    /// A deposit was read from L1 (with its confirmations); not yet credited.
    #[serde(rename = "deposit.received")]
    DepositReceived,
    /// A deposit is credited in a sealed block.
    #[serde(rename = "deposit.included")]
    DepositIncluded,
    /// Its block is committed on L1.
    #[serde(rename = "deposit.committed")]
    DepositCommitted,
    /// Its block is proven on L1.
    #[serde(rename = "deposit.proven")]
    DepositProven,
    /// Its block is executed on L1.
    #[serde(rename = "deposit.finalized")]
    DepositFinalized,
    /// A full exit request was read from L1.
    #[serde(rename = "fullExit.received")]
    FullExitReceived,
    /// It is in a sealed block.
    #[serde(rename = "fullExit.included")]
    FullExitIncluded,
    /// Its block is committed on L1.
    #[serde(rename = "fullExit.committed")]
    FullExitCommitted,
    /// Its block is proven on L1.
    #[serde(rename = "fullExit.proven")]
    FullExitProven,
    /// Its block is executed on L1: the amount is withdrawable on L1.
    #[serde(rename = "fullExit.finalized")]
    FullExitFinalized,
    /// The Rollup entered exodus mode.
    #[serde(rename = "network.exodus")]
    NetworkExodus,
}

impl EventType {
    /// Every type, in wire-name order of families.
    pub const ALL: [EventType; 20] = [
        EventType::TxIncluded,
        EventType::TxCommitted,
        EventType::TxProven,
        EventType::TxFinalized,
        EventType::TxRejected,
        EventType::BlockSealed,
        EventType::BlockCommitted,
        EventType::BlockProven,
        EventType::BlockFinalized,
        EventType::DepositReceived,
        EventType::DepositIncluded,
        EventType::DepositCommitted,
        EventType::DepositProven,
        EventType::DepositFinalized,
        EventType::FullExitReceived,
        EventType::FullExitIncluded,
        EventType::FullExitCommitted,
        EventType::FullExitProven,
        EventType::FullExitFinalized,
        EventType::NetworkExodus,
    ];

    /// The wire name, e.g. `tx.finalized`.
    pub fn name(self) -> &'static str {
        match self {
            EventType::TxIncluded => "tx.included",
            EventType::TxCommitted => "tx.committed",
            EventType::TxProven => "tx.proven",
            EventType::TxFinalized => "tx.finalized",
            EventType::TxRejected => "tx.rejected",
            EventType::BlockSealed => "block.sealed",
            EventType::BlockCommitted => "block.committed",
            EventType::BlockProven => "block.proven",
            EventType::BlockFinalized => "block.finalized",
            EventType::DepositReceived => "deposit.received",
            EventType::DepositIncluded => "deposit.included",
            EventType::DepositCommitted => "deposit.committed",
            EventType::DepositProven => "deposit.proven",
            EventType::DepositFinalized => "deposit.finalized",
            EventType::FullExitReceived => "fullExit.received",
            EventType::FullExitIncluded => "fullExit.included",
            EventType::FullExitCommitted => "fullExit.committed",
            EventType::FullExitProven => "fullExit.proven",
            EventType::FullExitFinalized => "fullExit.finalized",
            EventType::NetworkExodus => "network.exodus",
        }
    }

    /// The tx event of its block reaching `status` (sealed: `tx.included`).
    pub fn tx_stage(status: BlockStatus) -> EventType {
        match status {
            BlockStatus::Sealed => EventType::TxIncluded,
            BlockStatus::Committed => EventType::TxCommitted,
            BlockStatus::Proven => EventType::TxProven,
            BlockStatus::Finalized => EventType::TxFinalized,
        }
    }

    /// The block event of a block reaching `status`.
    pub fn block_stage(status: BlockStatus) -> EventType {
        match status {
            BlockStatus::Sealed => EventType::BlockSealed,
            BlockStatus::Committed => EventType::BlockCommitted,
            BlockStatus::Proven => EventType::BlockProven,
            BlockStatus::Finalized => EventType::BlockFinalized,
        }
    }

    /// The priority-op event of a block reaching `status`, for a deposit or a full exit.
    pub fn priority_stage(status: BlockStatus, deposit: bool) -> EventType {
        use EventType::*;
        match (status, deposit) {
            (BlockStatus::Sealed, true) => DepositIncluded,
            (BlockStatus::Committed, true) => DepositCommitted,
            (BlockStatus::Proven, true) => DepositProven,
            (BlockStatus::Finalized, true) => DepositFinalized,
            (BlockStatus::Sealed, false) => FullExitIncluded,
            (BlockStatus::Committed, false) => FullExitCommitted,
            (BlockStatus::Proven, false) => FullExitProven,
            (BlockStatus::Finalized, false) => FullExitFinalized,
        }
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of event types written as names and families: `tx.finalized`, `tx.*`, `*`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct EventTypes(pub Vec<String>);

impl EventTypes {
    /// Every pattern is a known name, a known family followed by `.*`, or `*`.
    pub fn check(&self) -> Result<(), String> {
        for p in &self.0 {
            let known = p == "*"
                || EventType::ALL.iter().any(|t| t.name() == p)
                || p.strip_suffix(".*")
                    .is_some_and(|fam| EventType::ALL.iter().any(|t| t.name().starts_with(&format!("{fam}."))));
            if !known {
                return Err(format!(
                    "unknown event type {p:?} (a name such as tx.finalized, a family such as tx.*, or *)"
                ));
            }
        }
        Ok(())
    }

    /// Whether `t` is in the set; an empty set holds every type.
    pub fn contains(&self, t: EventType) -> bool {
        let name = t.name();
        self.0.is_empty()
            || self.0.iter().any(|p| {
                p == "*"
                    || p == name
                    || p.strip_suffix('*').is_some_and(|prefix| prefix.ends_with('.') && name.starts_with(prefix))
            })
    }
}

/// A block reaching a stage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BlockEvent {
    /// Block number.
    pub number: u32,
    /// The stage reached.
    pub status: BlockStatus,
    /// How many L2 txs it holds.
    pub txs: usize,
    /// How many priority ops it holds.
    pub priority_ops: usize,
    /// The L1 transactions of its life so far.
    #[serde(default)]
    pub l1: L1Txs,
}

/// One event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Event {
    /// Increasing from 1, without gaps; SSE's `id` and the webhook's `webhook-id` (`evt_<id>`).
    pub id: u64,
    /// What happened.
    #[serde(rename = "type")]
    pub event_type: EventType,
    /// When the node stored it (unix milliseconds).
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub created_at: u64,
    /// The L1 addresses of the accounts it concerns (sender and recipient, a depositor…): what
    /// an account filter matches.
    #[schema(value_type = Vec<crate::schema::Address>)]
    pub addresses: Vec<Address>,
    /// `tx.*`: the tx as of this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx: Option<TxInfo>,
    /// `block.*`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<BlockEvent>,
    /// `deposit.*` and `fullExit.*`: the op as of this event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_op: Option<PriorityOpInfo>,
}

/// Which events a subscriber or a webhook endpoint wants.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventFilter {
    /// Event types (names, families, `*`); empty: all.
    #[serde(default)]
    pub types: EventTypes,
    /// L1 addresses; empty: any. An event matches if it concerns one of them.
    #[serde(default)]
    #[schema(value_type = Vec<crate::schema::Address>)]
    pub addresses: Vec<Address>,
    /// 0x-hex tx hashes; empty: any. A `tx.*` event matches if its tx is one of them (other
    /// events do not match a hash filter).
    #[serde(default)]
    #[schema(value_type = Vec<crate::schema::Hash>)]
    pub tx_hashes: Vec<String>,
}

impl EventFilter {
    /// Whether `e` passes.
    pub fn matches(&self, e: &Event) -> bool {
        self.types.contains(e.event_type)
            && (self.addresses.is_empty() || e.addresses.iter().any(|a| self.addresses.contains(a)))
            && (self.tx_hashes.is_empty()
                || e.tx.as_ref().is_some_and(|t| self.tx_hashes.iter().any(|h| h.eq_ignore_ascii_case(&t.hash))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_json() {
        for t in EventType::ALL {
            let json = serde_json::to_string(&t).unwrap();
            assert_eq!(json, format!("\"{}\"", t.name()));
            assert_eq!(serde_json::from_str::<EventType>(&json).unwrap(), t);
        }
    }

    #[test]
    fn type_patterns_match_names_and_families() {
        let set = |p: &[&str]| EventTypes(p.iter().map(|s| s.to_string()).collect());
        assert!(set(&[]).contains(EventType::BlockSealed), "empty: all");
        assert!(set(&["*"]).contains(EventType::NetworkExodus));
        assert!(set(&["tx.*"]).contains(EventType::TxRejected));
        assert!(!set(&["tx.*"]).contains(EventType::BlockSealed));
        assert!(set(&["tx.finalized"]).contains(EventType::TxFinalized));
        assert!(!set(&["tx.finalized"]).contains(EventType::TxCommitted));
        assert!(!set(&["t*"]).contains(EventType::TxCommitted), "only whole families");
        assert!(set(&["fullExit.*", "deposit.finalized"]).check().is_ok());
        assert!(set(&["tx.final"]).check().is_err());
        assert!(set(&["nope.*"]).check().is_err());
        assert!(set(&["t*"]).check().is_err());
    }
}
