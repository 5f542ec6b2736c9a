use super::*;
use crate::account_tree::AccountFields;
use crate::eddsa::PrivateKey;
use crate::ops::decode_block_pubdata;
use crate::tx::{ChangePubKey, ChangePubKeyAuth, Deposit, PriorityOpData, TimeRange, Transfer, TxSignature, Withdraw};
use crate::types::Address;
use num_bigint::BigUint;

const TS: u64 = 1_700_000_000;

fn domain() -> Domain {
    Domain { chain_id: 31337, rollup: Address([0x5f; 20]) }
}

fn addr(n: u8) -> Address {
    Address([n; 20])
}

fn key(n: u8) -> PrivateKey {
    PrivateKey::from_bytes([n; 32])
}

fn no_sig() -> TxSignature {
    TxSignature { pub_key: [0; 32], signature: [0; 64] }
}

fn always() -> TimeRange {
    TimeRange { valid_from: 0, valid_until: u64::MAX }
}

fn header(number: u32, chunks: usize) -> BlockHeader {
    BlockHeader { domain: domain(), number, fee_account: 0, timestamp: TS, chunks }
}

fn deposit(serial: u64, who: u8, token: TokenId, amount: u128) -> PriorityOp {
    PriorityOp {
        serial_id: serial,
        data: PriorityOpData::Deposit(Deposit { from: addr(who), to: addr(who), token, amount }),
        expiration_block: 100,
    }
}

fn transfer(from: u32, who: u8, to: u8, token: TokenId, amount: u128, fee: u128, nonce: u32) -> L2Tx {
    L2Tx::Transfer(
        Transfer {
            account_id: from,
            to: addr(to),
            token,
            amount,
            fee,
            nonce,
            time_range: always(),
            signature: no_sig(),
        }
        .signed(&key(who), &domain())
        .unwrap(),
    )
}

fn set_key(id: u32, who: u8, nonce: u32) -> L2Tx {
    L2Tx::ChangePubKey(
        ChangePubKey {
            account_id: id,
            account: addr(who),
            new_pub_key_hash: key(who).public_key().hash(),
            fee_token: 0,
            fee: 0,
            nonce,
            time_range: always(),
            auth: ChangePubKeyAuth::Onchain,
            signature: no_sig(),
        }
        .signed(&key(who), &domain())
        .unwrap(),
    )
}

/// Genesis, tokens 0…5, Alice (1) funded with 1000 of each and a key.
fn funded(mode: UpdateMode) -> State {
    let mut s = State::genesis(addr(0xee)).unwrap();
    s.set_mode(mode);
    for t in 1..=5 {
        s.register_token(t).unwrap();
    }
    let mut b = BlockBuilder::new(&mut s, header(1, 64)).unwrap();
    for t in 0..=5 {
        b.add_priority_op(&mut s, &deposit(t as u64, 1, t, 1000)).unwrap();
    }
    b.add_tx(&mut s, &set_key(1, 1, 0)).unwrap();
    b.seal(&mut s).unwrap();
    s
}

#[test]
fn a_fifth_fee_token_waits_for_the_next_block() {
    let mut s = funded(UpdateMode::Witness);
    let mut b = BlockBuilder::new(&mut s, header(2, 32)).unwrap();
    for (i, t) in (0..4).enumerate() {
        b.add_tx(&mut s, &transfer(1, 1, 1, t, 1, 1, 1 + i as u32)).unwrap();
    }
    let root = s.root();
    let fifth = transfer(1, 1, 1, 4, 1, 1, 5);
    assert_eq!(b.add_tx(&mut s, &fifth).unwrap_err(), BlockError::FeeSlotsFull(4));
    assert_eq!(s.root(), root, "a refused op changes nothing");
    // A fee in a token that already has a slot still fits.
    b.add_tx(&mut s, &transfer(1, 1, 1, 2, 1, 1, 5)).unwrap();
    let block = b.seal(&mut s).unwrap();
    assert_eq!(block.fee_slots.map(|f| (f.token, f.amount)), [(0, 1), (1, 1), (2, 2), (3, 1)]);
    // Next block: accepted.
    let mut b = BlockBuilder::new(&mut s, header(3, 32)).unwrap();
    b.add_tx(&mut s, &transfer(1, 1, 1, 4, 1, 1, 6)).unwrap();
    let block = b.seal(&mut s).unwrap();
    assert_eq!(block.fee_slots[0], FeeSlot { token: 4, amount: 1 });
    assert_eq!(s.balance(0, 4), 1, "fee account credited");
}

#[test]
fn chunk_budget_is_respected() {
    let mut s = funded(UpdateMode::Fast);
    let mut b = BlockBuilder::new(&mut s, header(2, 8)).unwrap();
    b.add_tx(&mut s, &transfer(1, 1, 1, 0, 1, 0, 1)).unwrap(); // 2 chunks
    let w = L2Tx::Withdraw(
        Withdraw {
            account_id: 1,
            to: addr(1),
            token: 0,
            amount: 5,
            fee: 0,
            nonce: 2,
            time_range: always(),
            signature: no_sig(),
        }
        .signed(&key(1), &domain())
        .unwrap(),
    );
    b.add_tx(&mut s, &w).unwrap(); // 5 chunks
    assert_eq!(b.remaining_chunks(), 1);
    let root = s.root();
    assert_eq!(
        b.add_tx(&mut s, &transfer(1, 1, 1, 0, 1, 0, 3)).unwrap_err(),
        BlockError::BlockFull { needed: 2, remaining: 1 }
    );
    assert_eq!(s.root(), root);
    assert_eq!(s.account(1).unwrap().nonce, 3);
    let block = b.seal(&mut s).unwrap();
    assert_eq!(block.ops.iter().map(|o| o.chunks()).sum::<usize>(), 8);
    assert!(matches!(block.ops.last(), Some(Op::Noop(_))));
    assert!(BlockBuilder::new(&mut s, header(3, 0)).is_err());
    assert_eq!(
        BlockBuilder::new(&mut s, BlockHeader { fee_account: 99, ..header(3, 8) }).unwrap_err(),
        BlockError::FeeAccountNotFound(99)
    );
}

#[test]
fn sealed_block_commitment_pubdata_and_bitmap() {
    let mut s = funded(UpdateMode::Witness);
    let mut b = BlockBuilder::new(&mut s, header(2, 16)).unwrap();
    b.add_tx(&mut s, &transfer(1, 1, 9, 0, 30, 2, 1)).unwrap(); // TransferToNew: chunks 0-3
    b.add_priority_op(&mut s, &deposit(6, 9, 1, 7)).unwrap(); // Deposit: chunks 4-8
    b.add_tx(&mut s, &transfer(1, 1, 9, 0, 5, 1, 2)).unwrap(); // Transfer: chunks 9-10
    let block = b.seal(&mut s).unwrap();
    assert_eq!(block.pubdata.len(), 160);
    assert_eq!(block.onchain_bitmap, vec![0b0000_1000, 0]);
    assert_eq!(decode_block_pubdata(&block.pubdata).unwrap(), block.ops);
    assert_eq!(block.priority_ops, 1);
    assert_eq!(block.new_root, s.root());
    assert_eq!(s.balance(0, 0), 3, "fees credited to the fee account");

    // The commitment, recomputed by hand from §8.
    let mut preimage = Vec::new();
    preimage.extend_from_slice(&31337u64.to_be_bytes());
    preimage.extend_from_slice(&[0x5f; 20]);
    preimage.extend_from_slice(&2u32.to_be_bytes());
    preimage.extend_from_slice(&0u32.to_be_bytes());
    preimage.extend_from_slice(&TS.to_be_bytes());
    preimage.extend_from_slice(&crate::field::fr_to_be_bytes(&block.old_root));
    preimage.extend_from_slice(&crate::field::fr_to_be_bytes(&block.new_root));
    assert_eq!(preimage.len(), 108);
    preimage.extend_from_slice(&block.pubdata);
    preimage.extend_from_slice(&block.onchain_bitmap);
    let expected: [u8; 32] = Sha256::digest(&preimage).into();
    assert_eq!(block.commitment, expected);
    let shifted = BigUint::from_bytes_be(&expected) >> 3u32;
    assert_eq!(crate::field::fr_to_decimal(&block.public_input), shifted.to_string());
}

#[test]
fn witness_updates_chain_from_old_to_new_root() {
    let mut s = funded(UpdateMode::Witness);
    let mut b = BlockBuilder::new(&mut s, header(2, 16)).unwrap();
    b.add_tx(&mut s, &transfer(1, 1, 9, 0, 30, 2, 1)).unwrap();
    b.add_tx(&mut s, &transfer(1, 1, 9, 3, 5, 1, 2)).unwrap();
    let block = b.seal(&mut s).unwrap();
    let mut root = block.old_root;
    let mut chunks = 0;
    for a in &block.applied {
        assert_eq!(a.updates.len(), a.op.chunks());
        for u in &a.updates {
            assert!(u.verify());
            assert_eq!(u.old_root, root);
            root = u.new_root;
            chunks += 1;
        }
    }
    assert_eq!(chunks, 16);
    assert_eq!(block.fee_updates.len(), FEE_SLOTS);
    for (u, slot) in block.fee_updates.iter().zip(&block.fee_slots) {
        assert!(u.verify());
        assert_eq!(u.old_root, root);
        assert_eq!((u.account_id, u.token, u.new_balance - u.old_balance), (0, slot.token, slot.amount));
        root = u.new_root;
    }
    assert_eq!(root, block.new_root);
}

#[test]
fn fast_and_witness_modes_seal_identical_blocks() {
    let run = |mode| {
        let mut s = funded(mode);
        let mut b = BlockBuilder::new(&mut s, header(2, 32)).unwrap();
        b.add_tx(&mut s, &transfer(1, 1, 9, 0, 30, 2, 1)).unwrap();
        b.add_priority_op(&mut s, &deposit(6, 9, 1, 7)).unwrap();
        b.add_tx(&mut s, &transfer(1, 1, 9, 1, 5, 1, 2)).unwrap();
        b.add_tx(&mut s, &transfer(1, 1, 1, 2, 5, 1, 3)).unwrap();
        let block = b.seal(&mut s).unwrap();
        (block.commitment, block.new_root, block.pubdata)
    };
    assert_eq!(run(UpdateMode::Fast), run(UpdateMode::Witness));
}

fn verified(tx: L2Tx) -> VerifiedTx {
    VerifiedTx::verify(tx, &domain()).unwrap()
}

#[test]
fn a_batch_with_one_bad_tx_leaves_nothing_behind_in_both_modes() {
    for mode in [UpdateMode::Fast, UpdateMode::Witness] {
        let mut s = funded(mode);
        let mut b = BlockBuilder::new(&mut s, header(2, 32)).unwrap();
        b.add_tx(&mut s, &transfer(1, 1, 7, 0, 10, 1, 1)).unwrap();
        let (used, applied) = (b.used_chunks(), b.applied().len());
        let next_free = s.next_free_id();
        let before = (s.balance(1, 0), s.balance(1, 1), s.account(1).unwrap().nonce);
        // A new recipient (TransferToNew: a new id and address), then a good transfer in
        // another token (a new fee slot), then one whose nonce is wrong.
        let batch = [
            verified(transfer(1, 1, 8, 0, 5, 1, 2)),
            verified(transfer(1, 1, 1, 1, 5, 1, 3)),
            verified(transfer(1, 1, 1, 1, 5, 1, 9)),
        ];
        let err = b.add_verified_batch(&mut s, &batch).unwrap_err();
        assert_eq!(err.index, 2);
        assert!(matches!(err.error, BlockError::Apply(ApplyError::NonceMismatch { expected: 4, got: 9 })), "{err}");
        assert_eq!((b.used_chunks(), b.applied().len()), (used, applied), "builder restored ({mode:?})");
        assert_eq!((s.balance(1, 0), s.balance(1, 1), s.account(1).unwrap().nonce), before, "state restored");
        assert_eq!(s.next_free_id(), next_free, "the new id is free again");
        assert_eq!(s.account_id_by_address(&addr(8)), None, "the new address is unindexed again");
        // The same block then seals exactly as if the batch had never been tried.
        let block = b.seal(&mut s).unwrap();
        let mut fresh = funded(mode);
        let mut c = BlockBuilder::new(&mut fresh, header(2, 32)).unwrap();
        c.add_tx(&mut fresh, &transfer(1, 1, 7, 0, 10, 1, 1)).unwrap();
        let expected = c.seal(&mut fresh).unwrap();
        assert_eq!((block.new_root, block.commitment), (expected.new_root, expected.commitment), "{mode:?}");
        assert_eq!(block.fee_slots, expected.fee_slots, "no fee slot left by the refused batch");
    }
}

#[test]
fn a_good_batch_is_applied_whole() {
    let mut s = funded(UpdateMode::Fast);
    let mut b = BlockBuilder::new(&mut s, header(2, 32)).unwrap();
    let batch = [verified(transfer(1, 1, 8, 0, 5, 1, 1)), verified(transfer(1, 1, 8, 1, 5, 1, 2))];
    b.add_verified_batch(&mut s, &batch).unwrap();
    assert_eq!(b.applied().len(), 2);
    b.seal(&mut s).unwrap();
    let id = s.account_id_by_address(&addr(8)).unwrap();
    assert_eq!((s.balance(id, 0), s.balance(id, 1)), (5, 5));
}

#[test]
fn resize_seals_at_the_smaller_size_and_refuses_below_the_used_chunks() {
    let mut s = funded(UpdateMode::Fast);
    let mut b = BlockBuilder::new(&mut s, header(2, 32)).unwrap();
    b.add_tx(&mut s, &transfer(1, 1, 1, 0, 5, 1, 1)).unwrap();
    b.add_tx(&mut s, &transfer(1, 1, 1, 0, 5, 1, 2)).unwrap();
    assert_eq!(b.resize(3), Err(BlockError::BlockFull { needed: 4, remaining: 3 }));
    b.resize(8).unwrap();
    let block = b.seal(&mut s).unwrap();
    assert_eq!(block.header.chunks, 8);
    assert_eq!(block.pubdata.len(), 80);
}

#[test]
fn a_state_rebuilt_from_its_accounts_has_the_same_root() {
    let mut s = funded(UpdateMode::Fast);
    let mut b = BlockBuilder::new(&mut s, header(2, 32)).unwrap();
    b.add_tx(&mut s, &transfer(1, 1, 9, 3, 5, 1, 1)).unwrap();
    b.seal(&mut s).unwrap();
    let accounts: Vec<_> = s.tree().iter().map(|(id, a)| (id, a.fields, a.balances())).collect();
    let mut rebuilt = State::from_accounts(accounts, &[1, 2, 3, 4, 5]).unwrap();
    assert_eq!(rebuilt.root(), s.root());
    assert_eq!(rebuilt.next_free_id(), s.next_free_id());
    assert_eq!(rebuilt.account_id_by_address(&addr(9)), s.account_id_by_address(&addr(9)));
    assert!(rebuilt.is_token_known(5) && !rebuilt.is_token_known(6));
    assert_eq!(
        State::from_accounts([(3, AccountFields::default(), vec![])], &[]).unwrap_err(),
        ApplyError::ZeroAddress
    );
}
