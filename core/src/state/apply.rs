//! The rules of each operation (PROTOCOL §5). Each `apply_*` first builds a [`Plan`] — every check
//! done, every new value computed, nothing written — and then writes it, so a rejected operation
//! changes nothing.

use super::{ApplyError, State, VerifiedTx};
use crate::account_tree::{AccountFields, AccountUpdate};
use crate::ops::{
    ChangePubKeyOp, DepositOp, ForcedExitOp, FullExitOp, NoopOp, Op, TransferOp, TransferToNewOp, WithdrawOp,
};
use crate::packing::{is_amount_packable, is_fee_packable};
use crate::params::{FEE_ACCOUNT_ID, MAX_ACCOUNT_ID, MAX_DEPOSIT};
use crate::tx::{
    ChangePubKey, Deposit, Domain, ForcedExit, FullExit, L2Tx, PriorityOpData, TimeRange, Transfer, TxError, Withdraw,
};
use crate::types::{AccountId, Address, Nonce, PubKeyHash, TokenId};

/// What the block being built tells the state: the timestamp L2 txs are checked against and the
/// deployment their signatures are bound to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockContext {
    /// Block timestamp (unix seconds).
    pub timestamp: u64,
    /// Chain and rollup contract.
    pub domain: Domain,
}

/// An applied operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedOp {
    /// The operation as it goes into the block (Transfer vs TransferToNew decided, amounts filled).
    pub op: Op,
    /// Witness mode: one update per chunk of `op` (chunks the op does not touch carry an unchanged
    /// proof). Fast mode: empty.
    pub updates: Vec<AccountUpdate>,
    /// The fee the op pays, to be credited to the block's fee account: `(token, amount)`.
    pub fee: Option<(TokenId, u128)>,
    /// The signed L2 tx the op came from (its signature and time range are part of the circuit's
    /// witness); `None` for priority ops, Noops and replayed ops (`apply_*_to`).
    pub tx: Option<L2Tx>,
}

/// One chunk's effect.
#[derive(Clone, Copy, Debug)]
enum ChunkWrite {
    /// Set the account's fields and one balance.
    Write { id: AccountId, token: TokenId, fields: AccountFields, balance: u128 },
    /// Touch nothing (the proof shows `(id, token)` unchanged).
    Read { id: AccountId, token: TokenId },
}

/// A fully checked operation, ready to write.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    op: Op,
    chunks: Vec<ChunkWrite>,
    fee: Option<(TokenId, u128)>,
}

impl Plan {
    /// The operation this plan produces.
    pub(crate) fn op(&self) -> &Op {
        &self.op
    }

    /// The fee it pays.
    pub(crate) fn fee(&self) -> Option<(TokenId, u128)> {
        self.fee
    }

    /// A Noop: one chunk that reads the fee account's ETH leaf (§7.4).
    pub(super) fn noop() -> Plan {
        Plan::new(Op::Noop(NoopOp), ChunkWrite::Read { id: FEE_ACCOUNT_ID, token: 0 }, None, None)
    }

    fn new(op: Op, first: ChunkWrite, second: Option<ChunkWrite>, fee: Option<(TokenId, u128)>) -> Plan {
        let n = op.chunks();
        let (id, token) = match first {
            ChunkWrite::Write { id, token, .. } | ChunkWrite::Read { id, token } => (id, token),
        };
        let mut chunks = vec![first];
        chunks.extend(second);
        while chunks.len() < n {
            chunks.push(ChunkWrite::Read { id, token });
        }
        Plan { op, chunks, fee }
    }
}

/// What vouches for the parts of an L2 op the state cannot see for itself: the tx's time range and
/// signature, and the node's token registry.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Vouch<'a> {
    /// The node admits the op now: the token must be registered, the time range must hold at
    /// `ctx.timestamp`, and the signature must verify — now, or already (`pre` = the signer's key
    /// hash, see [`VerifiedTx`]).
    Node { ctx: &'a BlockContext, pre: Option<PubKeyHash> },
    /// A proven block states the op (data restore): the proof vouched for the signature and the time
    /// range, which are not in pubdata, and the circuit does not see the registry, so none of the
    /// three is checked. Every rule on state and pubdata still is.
    Proof,
}

impl Vouch<'_> {
    fn check_token(&self, state: &State, token: TokenId) -> Result<(), ApplyError> {
        match self {
            Vouch::Node { .. } => state.check_token(token),
            Vouch::Proof => Ok(()),
        }
    }

    fn check_time(&self, range: &TimeRange) -> Result<(), ApplyError> {
        match self {
            Vouch::Node { ctx, .. } => check_time(range, ctx.timestamp),
            Vouch::Proof => Ok(()),
        }
    }

    /// The signer's key hash: given (already verified), verified now, or `None` when the proof
    /// vouched for it.
    fn signer(
        &self,
        verify: impl FnOnce(&Domain) -> Result<PubKeyHash, TxError>,
    ) -> Option<Result<PubKeyHash, TxError>> {
        match self {
            Vouch::Node { pre: Some(p), .. } => Some(Ok(*p)),
            Vouch::Node { ctx, pre: None } => Some(verify(&ctx.domain)),
            Vouch::Proof => None,
        }
    }

    /// Rule *sig*: the signer is the account's key (skipped under [`Vouch::Proof`]).
    fn check_signed_by(
        &self,
        expected: PubKeyHash,
        verify: impl FnOnce(&Domain) -> Result<PubKeyHash, TxError>,
    ) -> Result<(), ApplyError> {
        let Some(signer) = self.signer(verify) else { return Ok(()) };
        let got = signer?;
        if got != expected {
            return Err(ApplyError::WrongSigner { expected, got });
        }
        Ok(())
    }
}

fn check_time(range: &TimeRange, timestamp: u64) -> Result<(), ApplyError> {
    if timestamp < range.valid_from {
        return Err(ApplyError::NotYetValid { valid_from: range.valid_from, timestamp });
    }
    if timestamp > range.valid_until {
        return Err(ApplyError::Expired { valid_until: range.valid_until, timestamp });
    }
    Ok(())
}

fn bump(nonce: Nonce, account_id: AccountId) -> Result<Nonce, ApplyError> {
    nonce.checked_add(1).ok_or(ApplyError::NonceExhausted(account_id))
}

impl State {
    fn check_token(&self, token: TokenId) -> Result<(), ApplyError> {
        if !self.is_token_known(token) {
            return Err(ApplyError::UnknownToken(token));
        }
        Ok(())
    }

    pub(super) fn existing(&self, id: AccountId) -> Result<AccountFields, ApplyError> {
        if id > MAX_ACCOUNT_ID {
            return Err(ApplyError::AccountIdOutOfRange(id));
        }
        self.account(id).ok_or(ApplyError::AccountNotFound(id))
    }

    /// The checks every L2 tx shares for its signer: exists, has a key, nonce, time range; the
    /// signature itself is checked last (it is the expensive part).
    fn check_signer(
        &self,
        id: AccountId,
        nonce: Nonce,
        range: &TimeRange,
        vouch: Vouch<'_>,
    ) -> Result<AccountFields, ApplyError> {
        vouch.check_time(range)?;
        let fields = self.existing(id)?;
        if fields.pubkey_hash.is_zero() {
            return Err(ApplyError::NoSigningKey(id));
        }
        if nonce != fields.nonce {
            return Err(ApplyError::NonceMismatch { expected: fields.nonce, got: nonce });
        }
        Ok(fields)
    }

    fn debit(&self, id: AccountId, token: TokenId, needed: u128) -> Result<u128, ApplyError> {
        let balance = self.balance(id, token);
        balance.checked_sub(needed).ok_or(ApplyError::InsufficientBalance { account_id: id, token, balance, needed })
    }

    /// The sender's side of a Transfer or Withdraw (chunk 0): signer checks, then `amount + fee`
    /// debited and the nonce bumped. Returns the fields before, the fields after and the balance
    /// after.
    #[allow(clippy::too_many_arguments)]
    fn plan_sender(
        &self,
        id: AccountId,
        nonce: Nonce,
        range: &TimeRange,
        token: TokenId,
        amount: u128,
        fee: u128,
        vouch: Vouch<'_>,
    ) -> Result<(AccountFields, AccountFields, u128), ApplyError> {
        let before = self.check_signer(id, nonce, range, vouch)?;
        let needed = amount.checked_add(fee).ok_or(ApplyError::AmountOverflow)?;
        let balance = self.debit(id, token, needed)?;
        let after = AccountFields { nonce: bump(before.nonce, id)?, ..before };
        Ok((before, after, balance))
    }

    /// Plan a transfer to the account at `to_id`: an existing account whose address is `tx.to`
    /// (Transfer), or the next free id if `tx.to` has no account (TransferToNew).
    pub(super) fn plan_transfer(&self, tx: &Transfer, to_id: AccountId, vouch: Vouch<'_>) -> Result<Plan, ApplyError> {
        vouch.check_token(self, tx.token)?;
        if !is_amount_packable(tx.amount) {
            return Err(ApplyError::AmountNotPackable(tx.amount));
        }
        if !is_fee_packable(tx.fee) {
            return Err(ApplyError::FeeNotPackable(tx.fee));
        }
        if tx.to.is_zero() {
            return Err(ApplyError::ZeroAddress);
        }
        let (from, from_fields, from_balance) =
            self.plan_sender(tx.account_id, tx.nonce, &tx.time_range, tx.token, tx.amount, tx.fee, vouch)?;

        let (op, to_fields, to_base) = match self.account(to_id) {
            Some(to) => {
                if to.address != tx.to {
                    return Err(ApplyError::RecipientAddressMismatch {
                        account_id: to_id,
                        expected: tx.to,
                        found: to.address,
                    });
                }
                let op = Op::Transfer(TransferOp {
                    from_id: tx.account_id,
                    token: tx.token,
                    to_id,
                    amount: tx.amount,
                    fee: tx.fee,
                });
                // To oneself: chunk 1 starts from chunk 0's result.
                if to_id == tx.account_id {
                    (op, from_fields, from_balance)
                } else {
                    (op, to, self.balance(to_id, tx.token))
                }
            }
            None => {
                // Only "the leaf is empty" is a protocol rule (the circuit sees leaves, not the id
                // allocator): on the node path `recipient_id` picks the lowest never-used id and one
                // account per address by construction, and a replay must follow what was proven.
                if to_id > MAX_ACCOUNT_ID {
                    return Err(ApplyError::AccountIdOutOfRange(to_id));
                }
                let op = Op::TransferToNew(TransferToNewOp {
                    from_id: tx.account_id,
                    token: tx.token,
                    amount: tx.amount,
                    to_address: tx.to,
                    to_id,
                    fee: tx.fee,
                });
                (op, AccountFields { address: tx.to, ..Default::default() }, 0)
            }
        };
        let to_balance =
            to_base.checked_add(tx.amount).ok_or(ApplyError::BalanceOverflow { account_id: to_id, token: tx.token })?;
        vouch.check_signed_by(from.pubkey_hash, |d| tx.verify_signature(d))?;
        Ok(Plan::new(
            op,
            ChunkWrite::Write { id: tx.account_id, token: tx.token, fields: from_fields, balance: from_balance },
            Some(ChunkWrite::Write { id: to_id, token: tx.token, fields: to_fields, balance: to_balance }),
            Some((tx.token, tx.fee)),
        ))
    }

    pub(super) fn plan_withdraw(&self, tx: &Withdraw, vouch: Vouch<'_>) -> Result<Plan, ApplyError> {
        vouch.check_token(self, tx.token)?;
        if !is_fee_packable(tx.fee) {
            return Err(ApplyError::FeeNotPackable(tx.fee));
        }
        if tx.to.is_zero() {
            // Paying out to the zero address would burn the funds on L1.
            return Err(ApplyError::ZeroAddress);
        }
        let (from, fields, balance) =
            self.plan_sender(tx.account_id, tx.nonce, &tx.time_range, tx.token, tx.amount, tx.fee, vouch)?;
        vouch.check_signed_by(from.pubkey_hash, |d| tx.verify_signature(d))?;
        let op = Op::Withdraw(WithdrawOp {
            account_id: tx.account_id,
            token: tx.token,
            amount: tx.amount,
            fee: tx.fee,
            to_address: tx.to,
        });
        Ok(Plan::new(
            op,
            ChunkWrite::Write { id: tx.account_id, token: tx.token, fields, balance },
            None,
            Some((tx.token, tx.fee)),
        ))
    }

    pub(super) fn plan_change_pubkey(&self, tx: &ChangePubKey, vouch: Vouch<'_>) -> Result<Plan, ApplyError> {
        vouch.check_token(self, tx.fee_token)?;
        if !is_fee_packable(tx.fee) {
            return Err(ApplyError::FeeNotPackable(tx.fee));
        }
        vouch.check_time(&tx.time_range)?;
        let account = self.existing(tx.account_id)?;
        if account.address != tx.account {
            return Err(ApplyError::AddressMismatch {
                account_id: tx.account_id,
                expected: tx.account,
                found: account.address,
            });
        }
        if tx.nonce != account.nonce {
            return Err(ApplyError::NonceMismatch { expected: account.nonce, got: tx.nonce });
        }
        let balance = self.debit(tx.account_id, tx.fee_token, tx.fee)?;
        // Signed by the new key (the old one, if any, plays no part: L1 authorizes the change).
        if let Some(signer) = vouch.signer(|d| tx.verify_signature(d)) {
            let signer = signer?;
            if signer != tx.new_pub_key_hash {
                return Err(TxError::WrongSigner { expected: tx.new_pub_key_hash, actual: signer }.into());
            }
        }
        let fields =
            AccountFields { nonce: bump(account.nonce, tx.account_id)?, pubkey_hash: tx.new_pub_key_hash, ..account };
        let op = Op::ChangePubKey(ChangePubKeyOp {
            account_id: tx.account_id,
            new_pub_key_hash: tx.new_pub_key_hash,
            address: tx.account,
            nonce: tx.nonce,
            fee_token: tx.fee_token,
            fee: tx.fee,
        });
        Ok(Plan::new(
            op,
            ChunkWrite::Write { id: tx.account_id, token: tx.fee_token, fields, balance },
            None,
            Some((tx.fee_token, tx.fee)),
        ))
    }

    pub(super) fn plan_forced_exit(
        &self,
        tx: &ForcedExit,
        target_id: AccountId,
        vouch: Vouch<'_>,
    ) -> Result<Plan, ApplyError> {
        vouch.check_token(self, tx.token)?;
        if !is_fee_packable(tx.fee) {
            return Err(ApplyError::FeeNotPackable(tx.fee));
        }
        let initiator = self.check_signer(tx.initiator_account_id, tx.nonce, &tx.time_range, vouch)?;
        let target = self.existing(target_id)?;
        if target.address != tx.target {
            return Err(ApplyError::AddressMismatch {
                account_id: target_id,
                expected: tx.target,
                found: target.address,
            });
        }
        if !target.pubkey_hash.is_zero() {
            return Err(ApplyError::TargetHasSigningKey(target_id));
        }
        let initiator_balance = self.debit(tx.initiator_account_id, tx.token, tx.fee)?;
        let amount = self.balance(target_id, tx.token);
        vouch.check_signed_by(initiator.pubkey_hash, |d| tx.verify_signature(d))?;
        let initiator_fields = AccountFields { nonce: bump(initiator.nonce, tx.initiator_account_id)?, ..initiator };
        let op = Op::ForcedExit(ForcedExitOp {
            initiator_id: tx.initiator_account_id,
            target_id,
            token: tx.token,
            fee: tx.fee,
            amount,
            target_address: tx.target,
        });
        Ok(Plan::new(
            op,
            ChunkWrite::Write {
                id: tx.initiator_account_id,
                token: tx.token,
                fields: initiator_fields,
                balance: initiator_balance,
            },
            Some(ChunkWrite::Write { id: target_id, token: tx.token, fields: target, balance: 0 }),
            Some((tx.token, tx.fee)),
        ))
    }

    /// `check_registry`: the node checks its copy of L1's token list; a replay does not (L1 queued
    /// only listed tokens and the circuit does not see the list).
    pub(super) fn plan_deposit(
        &self,
        deposit: &Deposit,
        account_id: AccountId,
        check_registry: bool,
    ) -> Result<Plan, ApplyError> {
        if check_registry {
            self.check_token(deposit.token)?;
        }
        if deposit.amount == 0 || deposit.amount > MAX_DEPOSIT {
            return Err(ApplyError::InvalidDepositAmount(deposit.amount));
        }
        if deposit.to.is_zero() {
            return Err(ApplyError::ZeroAddress);
        }
        if account_id > MAX_ACCOUNT_ID {
            return Err(ApplyError::AccountIdOutOfRange(account_id));
        }
        let fields = match self.account(account_id) {
            Some(f) if f.address == deposit.to => f,
            Some(f) => return Err(ApplyError::AddressMismatch { account_id, expected: deposit.to, found: f.address }),
            // Empty leaf: see `plan_transfer` on why the id allocator is not checked here.
            None => AccountFields { address: deposit.to, ..Default::default() },
        };
        let balance = self
            .balance(account_id, deposit.token)
            .checked_add(deposit.amount)
            .ok_or(ApplyError::BalanceOverflow { account_id, token: deposit.token })?;
        let op =
            Op::Deposit(DepositOp { account_id, token: deposit.token, amount: deposit.amount, address: deposit.to });
        Ok(Plan::new(op, ChunkWrite::Write { id: account_id, token: deposit.token, fields, balance }, None, None))
    }

    pub(super) fn plan_full_exit(&self, exit: &FullExit) -> Result<Plan, ApplyError> {
        if exit.account_id > MAX_ACCOUNT_ID {
            return Err(ApplyError::AccountIdOutOfRange(exit.account_id));
        }
        if exit.token > crate::params::MAX_TOKEN_ID {
            return Err(ApplyError::TokenIdOutOfRange(exit.token));
        }
        // Always included; pays only the owner, and only what is there.
        let owned = self.account(exit.account_id).filter(|f| f.address == exit.owner);
        let amount = if owned.is_some() { self.balance(exit.account_id, exit.token) } else { 0 };
        let op = Op::FullExit(FullExitOp { account_id: exit.account_id, owner: exit.owner, token: exit.token, amount });
        let first = match owned {
            Some(fields) if amount > 0 => {
                ChunkWrite::Write { id: exit.account_id, token: exit.token, fields, balance: 0 }
            }
            _ => ChunkWrite::Read { id: exit.account_id, token: exit.token },
        };
        Ok(Plan::new(op, first, None, None))
    }

    /// Write a checked plan.
    pub(crate) fn execute(&mut self, plan: Plan) -> Result<AppliedOp, ApplyError> {
        let mut updates = Vec::new();
        for chunk in plan.chunks {
            let u = match chunk {
                ChunkWrite::Write { id, token, fields, balance } => self.write(id, token, fields, balance)?,
                ChunkWrite::Read { id, token } => self.read_only(id, token)?,
            };
            updates.extend(u);
        }
        Ok(AppliedOp { op: plan.op, updates, fee: plan.fee, tx: None })
    }

    /// Where a transfer to `to` goes: the address's account, or the next free id.
    pub fn recipient_id(&self, to: &Address) -> AccountId {
        self.account_id_by_address(to).unwrap_or(self.next_free_id())
    }

    /// Plan an L2 tx; `pre` is the signer's key hash when the signature was already verified
    /// (see [`VerifiedTx`]), `None` to verify it here, after the cheap checks.
    pub(crate) fn plan_tx(&self, tx: &L2Tx, ctx: &BlockContext, pre: Option<PubKeyHash>) -> Result<Plan, ApplyError> {
        let vouch = Vouch::Node { ctx, pre };
        match tx {
            L2Tx::Transfer(t) => self.plan_transfer(t, self.recipient_id(&t.to), vouch),
            L2Tx::Withdraw(w) => self.plan_withdraw(w, vouch),
            L2Tx::ChangePubKey(c) => self.plan_change_pubkey(c, vouch),
            L2Tx::ForcedExit(f) => {
                let target = self.account_id_by_address(&f.target).ok_or(ApplyError::NoAccountForAddress(f.target))?;
                self.plan_forced_exit(f, target, vouch)
            }
        }
    }

    pub(crate) fn plan_priority(&self, op: &PriorityOpData) -> Result<Plan, ApplyError> {
        match op {
            PriorityOpData::Deposit(d) => self.plan_deposit(d, self.recipient_id(&d.to), true),
            PriorityOpData::FullExit(e) => self.plan_full_exit(e),
        }
    }

    /// Check an L2 tx against the current state without applying it (e.g. for a mempool).
    pub fn check_tx(&self, tx: &L2Tx, ctx: &BlockContext) -> Result<Op, ApplyError> {
        Ok(self.plan_tx(tx, ctx, None)?.op)
    }

    /// Apply an L2 tx; the recipient of a transfer is found by address (a new account is created at
    /// the next free id if the address has none).
    pub fn apply_tx(&mut self, tx: &L2Tx, ctx: &BlockContext) -> Result<AppliedOp, ApplyError> {
        let plan = self.plan_tx(tx, ctx, None)?;
        Ok(AppliedOp { tx: Some(tx.clone()), ..self.execute(plan)? })
    }

    /// Apply an L2 tx whose signature was verified beforehand (e.g. in parallel at mempool
    /// admission); refused if it was verified for another deployment.
    pub fn apply_verified_tx(&mut self, tx: &VerifiedTx, ctx: &BlockContext) -> Result<AppliedOp, ApplyError> {
        let plan = self.plan_verified(tx, ctx)?;
        Ok(AppliedOp { tx: Some(tx.tx().clone()), ..self.execute(plan)? })
    }

    pub(crate) fn plan_verified(&self, tx: &VerifiedTx, ctx: &BlockContext) -> Result<Plan, ApplyError> {
        if tx.domain() != &ctx.domain {
            return Err(ApplyError::DomainMismatch);
        }
        self.plan_tx(tx.tx(), ctx, Some(tx.signer()))
    }

    /// Apply a transfer to an explicitly chosen recipient id (block replay, tests): rejected unless
    /// `to_id` holds `tx.to` or is an empty leaf (then a TransferToNew creates the account there).
    pub fn apply_transfer_to(
        &mut self,
        tx: &Transfer,
        to_id: AccountId,
        ctx: &BlockContext,
    ) -> Result<AppliedOp, ApplyError> {
        let plan = self.plan_transfer(tx, to_id, Vouch::Node { ctx, pre: None })?;
        self.execute(plan)
    }

    /// Apply a forced exit of an explicitly chosen target id (block replay, tests).
    pub fn apply_forced_exit_to(
        &mut self,
        tx: &ForcedExit,
        target_id: AccountId,
        ctx: &BlockContext,
    ) -> Result<AppliedOp, ApplyError> {
        let plan = self.plan_forced_exit(tx, target_id, Vouch::Node { ctx, pre: None })?;
        self.execute(plan)
    }

    /// Apply a priority op from L1 (deposit to the address's account or a new one; full exit).
    pub fn apply_priority_op(&mut self, op: &PriorityOpData) -> Result<AppliedOp, ApplyError> {
        let plan = self.plan_priority(op)?;
        self.execute(plan)
    }

    /// Apply a deposit into an explicitly chosen account id (block replay, tests): rejected unless
    /// the account belongs to `deposit.to` or the leaf is empty.
    pub fn apply_deposit_to(&mut self, deposit: &Deposit, account_id: AccountId) -> Result<AppliedOp, ApplyError> {
        let plan = self.plan_deposit(deposit, account_id, true)?;
        self.execute(plan)
    }

    /// A padding chunk (touches nothing; in witness mode proves the fee account's ETH leaf).
    pub fn apply_noop(&mut self) -> Result<AppliedOp, ApplyError> {
        self.execute(Plan::noop())
    }

    /// Credit a block's collected fee to its fee account (after the last chunk, PROTOCOL §6).
    pub fn credit_fee(
        &mut self,
        fee_account: AccountId,
        token: TokenId,
        amount: u128,
    ) -> Result<Option<AccountUpdate>, ApplyError> {
        let fields = self.existing(fee_account)?;
        let balance = self
            .balance(fee_account, token)
            .checked_add(amount)
            .ok_or(ApplyError::BalanceOverflow { account_id: fee_account, token })?;
        self.write(fee_account, token, fields, balance)
    }
}
