//! Replay of an operation as a proven block states it — the step of data restore (PROTOCOL §12,
//! `docs/protocol.md` §10.6).
//!
//! A block on L1 carries only pubdata: no signatures, no time ranges, no nonces of Transfer,
//! Withdraw and ForcedExit. The block's proof vouched for those, so a replay rebuilds the L2 tx
//! with what the proof implies (nonce = the signer's current nonce, any time range, no signature)
//! and runs it through the same plans as the node under [`Vouch::Proof`]: every rule on the state
//! and the pubdata is checked, the signature, the time range and the token registry are not (the
//! circuit does not see the registry). What the state computes but the pubdata also states — the
//! paid-out amount of a FullExit or ForcedExit, the recipient kind of a transfer — must agree.

use super::apply::{Plan, Vouch};
use super::{ApplyError, State};
use crate::account_tree::AccountUpdate;
use crate::ops::Op;
use crate::tx::{
    ChangePubKey, ChangePubKeyAuth, Deposit, ForcedExit, FullExit, TimeRange, Transfer, TxSignature, Withdraw,
};
use crate::types::{AccountId, Nonce, TokenId};

/// An op replayed onto the state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplayedOp {
    /// The op (equal to the one replayed).
    pub op: Op,
    /// Witness mode: one update per chunk, as [`super::AppliedOp::updates`]. Fast mode: empty.
    pub updates: Vec<AccountUpdate>,
    /// The fee the op pays, `(token, amount)`, for the caller to collect in the block's fee slots;
    /// `None` for Noop, Deposit and FullExit.
    pub fee: Option<(TokenId, u128)>,
}

impl State {
    /// Apply `op` as a proven block states it (see the module docs): no signature, no time range,
    /// no token registry; every other rule of PROTOCOL §5 is checked, first failing rule first, and
    /// a rejected op changes nothing. Replay-only errors: [`ApplyError::AccountExists`] (a
    /// TransferToNew onto an existing account), [`ApplyError::AmountMismatch`] (a FullExit or
    /// ForcedExit stating another amount than the state gives). The fee is returned, not credited.
    pub fn replay_op(&mut self, op: &Op) -> Result<ReplayedOp, ApplyError> {
        let plan = self.plan_replay(op)?;
        let applied = self.execute(plan)?;
        Ok(ReplayedOp { op: applied.op, updates: applied.updates, fee: applied.fee })
    }

    /// The nonce a proven L2 op was signed with: not in its pubdata (except ChangePubKey), and the
    /// proof showed it equals the signer's nonce. A missing signer gets 0; its plan then fails
    /// with `AccountNotFound` before the nonce matters.
    fn proven_nonce(&self, id: AccountId) -> Nonce {
        self.account(id).map_or(0, |f| f.nonce)
    }

    fn plan_replay(&self, op: &Op) -> Result<Plan, ApplyError> {
        // Signature and time range are vouched for by the proof: placeholders that no check reads.
        let (signature, time_range) = (TxSignature::default(), TimeRange::ALWAYS);
        let plan = match *op {
            Op::Noop(_) => Plan::noop(),
            Op::Deposit(d) => {
                let deposit = Deposit { from: d.address, to: d.address, token: d.token, amount: d.amount };
                self.plan_deposit(&deposit, d.account_id, false)?
            }
            Op::Transfer(t) => {
                // 0x05 carries no address: the recipient must exist (the circuit proves its leaf
                // with `Address` = its address), and then it is the transfer's `to`.
                let to = self.existing(t.to_id)?.address;
                let tx = Transfer {
                    account_id: t.from_id,
                    to,
                    token: t.token,
                    amount: t.amount,
                    fee: t.fee,
                    nonce: self.proven_nonce(t.from_id),
                    time_range,
                    signature,
                };
                self.plan_transfer(&tx, t.to_id, Vouch::Proof)?
            }
            Op::TransferToNew(t) => {
                // Checked here, not by the plan: on a non-empty leaf the plan would make a Transfer.
                if self.account(t.to_id).is_some() {
                    return Err(ApplyError::AccountExists(t.to_id));
                }
                let tx = Transfer {
                    account_id: t.from_id,
                    to: t.to_address,
                    token: t.token,
                    amount: t.amount,
                    fee: t.fee,
                    nonce: self.proven_nonce(t.from_id),
                    time_range,
                    signature,
                };
                self.plan_transfer(&tx, t.to_id, Vouch::Proof)?
            }
            Op::Withdraw(w) => {
                let tx = Withdraw {
                    account_id: w.account_id,
                    to: w.to_address,
                    token: w.token,
                    amount: w.amount,
                    fee: w.fee,
                    nonce: self.proven_nonce(w.account_id),
                    time_range,
                    signature,
                };
                self.plan_withdraw(&tx, Vouch::Proof)?
            }
            Op::ChangePubKey(c) => {
                // The only L2 op whose pubdata carries the nonce: it is checked, not assumed.
                let tx = ChangePubKey {
                    account_id: c.account_id,
                    account: c.address,
                    new_pub_key_hash: c.new_pub_key_hash,
                    fee_token: c.fee_token,
                    fee: c.fee,
                    nonce: c.nonce,
                    time_range,
                    auth: ChangePubKeyAuth::Onchain,
                    signature,
                };
                self.plan_change_pubkey(&tx, Vouch::Proof)?
            }
            Op::ForcedExit(f) => {
                let tx = ForcedExit {
                    initiator_account_id: f.initiator_id,
                    target: f.target_address,
                    token: f.token,
                    fee: f.fee,
                    nonce: self.proven_nonce(f.initiator_id),
                    time_range,
                    signature,
                };
                let plan = self.plan_forced_exit(&tx, f.target_id, Vouch::Proof)?;
                check_stated_amount(&plan, f.amount)?;
                plan
            }
            Op::FullExit(e) => {
                let plan =
                    self.plan_full_exit(&FullExit { account_id: e.account_id, owner: e.owner, token: e.token })?;
                check_stated_amount(&plan, e.amount)?;
                plan
            }
        };
        // Every field of the op is either an input of its plan or checked above.
        debug_assert_eq!(plan.op(), op);
        Ok(plan)
    }
}

/// A FullExit or ForcedExit states what it paid out; it must be what the plan computed.
fn check_stated_amount(plan: &Plan, stated: u128) -> Result<(), ApplyError> {
    let (account_id, token, actual) = match *plan.op() {
        Op::FullExit(e) => (e.account_id, e.token, e.amount),
        Op::ForcedExit(f) => (f.target_id, f.token, f.amount),
        _ => return Ok(()),
    };
    if stated != actual {
        return Err(ApplyError::AmountMismatch { account_id, token, stated, actual });
    }
    Ok(())
}
