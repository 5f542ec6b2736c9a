//! The block circuit's view of operations: the eight op types, the (op type, chunk index) pairs
//! the universal chunk gadget selects between, the op *registers* (the fields of the op that every
//! chunk of it carries) and where each register's bits sit in the op's pubdata (docs/protocol.md
//! §7.1). One table drives both the circuit and the native mirror used to build and check witnesses,
//! and a test pins it to `zkpay_core::ops::Op::encode`.

use zkpay_core::params::CHUNK_BYTES;

/// Bits of pubdata per chunk.
pub const CHUNK_BITS: usize = CHUNK_BYTES * 8;

/// The eight operation types, in opcode order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpType {
    /// 0x00, 1 chunk.
    Noop,
    /// 0x01, 5 chunks.
    Deposit,
    /// 0x02, 4 chunks.
    TransferToNew,
    /// 0x03, 5 chunks.
    Withdraw,
    /// 0x05, 2 chunks.
    Transfer,
    /// 0x06, 5 chunks.
    FullExit,
    /// 0x07, 6 chunks.
    ChangePubKey,
    /// 0x08, 5 chunks.
    ForcedExit,
}

impl OpType {
    /// All op types, in the order the circuit numbers them.
    pub const ALL: [OpType; 8] = [
        OpType::Noop,
        OpType::Deposit,
        OpType::TransferToNew,
        OpType::Withdraw,
        OpType::Transfer,
        OpType::FullExit,
        OpType::ChangePubKey,
        OpType::ForcedExit,
    ];

    /// The opcode (first pubdata byte).
    pub const fn opcode(self) -> u8 {
        match self {
            OpType::Noop => 0x00,
            OpType::Deposit => 0x01,
            OpType::TransferToNew => 0x02,
            OpType::Withdraw => 0x03,
            OpType::Transfer => 0x05,
            OpType::FullExit => 0x06,
            OpType::ChangePubKey => 0x07,
            OpType::ForcedExit => 0x08,
        }
    }

    /// Chunks the op occupies.
    pub const fn chunks(self) -> usize {
        match self {
            OpType::Noop => 1,
            OpType::Transfer => 2,
            OpType::TransferToNew => 4,
            OpType::Deposit | OpType::Withdraw | OpType::FullExit | OpType::ForcedExit => 5,
            OpType::ChangePubKey => 6,
        }
    }

    /// Whether the op is an L2 tx: signed, bumps the signer's nonce, pays a fee.
    pub const fn is_l2(self) -> bool {
        matches!(
            self,
            OpType::TransferToNew | OpType::Withdraw | OpType::Transfer | OpType::ChangePubKey | OpType::ForcedExit
        )
    }

    /// Whether the op sets its first chunk's bit in the onchain bitmap.
    pub const fn is_onchain(self) -> bool {
        matches!(
            self,
            OpType::Deposit | OpType::Withdraw | OpType::FullExit | OpType::ChangePubKey | OpType::ForcedExit
        )
    }

    /// The op type of an opcode (0x04 and above 0x08 have none).
    pub fn from_opcode(opcode: u8) -> Option<OpType> {
        OpType::ALL.into_iter().find(|t| t.opcode() == opcode)
    }

    /// The op's registers in pubdata order, after the opcode byte (docs/protocol.md §7.1).
    pub const fn layout(self) -> &'static [Register] {
        use Register::*;
        match self {
            OpType::Noop => &[],
            OpType::Deposit => &[A, Token, Amount, Address],
            OpType::TransferToNew => &[A, Token, PackedAmount, Address, B, PackedFee],
            OpType::Withdraw => &[A, Token, Amount, PackedFee, Address],
            OpType::Transfer => &[A, Token, B, PackedAmount, PackedFee],
            OpType::FullExit => &[A, Address, Token, Amount],
            OpType::ChangePubKey => &[A, Pkh, Address, Nonce, Token, PackedFee],
            OpType::ForcedExit => &[A, B, Token, PackedFee, Amount, Address],
        }
    }
}

/// The op registers: every chunk of an op carries all of them (equal across the op's chunks), so
/// a field in one chunk's pubdata is known to all the op's chunks. What each holds per op type:
///
/// | register | meaning |
/// |---|---|
/// | `A` | the first account: Deposit/Withdraw/FullExit/ChangePubKey `account_id`, Transfer(ToNew) `from_id`, ForcedExit `initiator_id` |
/// | `B` | the second account: Transfer(ToNew) `to_id`, ForcedExit `target_id` |
/// | `Token` | the token (ChangePubKey: `fee_token`) |
/// | `Amount` | the full amount (Transfer(ToNew): the unpacked amount; ForcedExit/FullExit: the amount paid out) |
/// | `PackedAmount` | Transfer(ToNew)'s packed amount |
/// | `PackedFee` | the packed fee of an L2 tx |
/// | `Address` | Deposit `address`, Transfer(ToNew)/Withdraw `to_address`, FullExit `owner`, ChangePubKey `address`, ForcedExit `target_address` |
/// | `Pkh` | ChangePubKey's new pubkey hash |
/// | `Nonce` | an L2 tx's nonce (in pubdata only for ChangePubKey) |
/// | `ValidFrom`, `ValidUntil` | an L2 tx's time range (signed, never in pubdata) |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Register {
    /// First account id.
    A,
    /// Second account id.
    B,
    /// Token id.
    Token,
    /// Full amount.
    Amount,
    /// Packed amount.
    PackedAmount,
    /// Packed fee.
    PackedFee,
    /// L1 address.
    Address,
    /// Pubkey hash.
    Pkh,
    /// Nonce.
    Nonce,
    /// Start of the time range.
    ValidFrom,
    /// End of the time range.
    ValidUntil,
}

impl Register {
    /// All registers, in allocation order.
    pub const ALL: [Register; 11] = [
        Register::A,
        Register::B,
        Register::Token,
        Register::Amount,
        Register::PackedAmount,
        Register::PackedFee,
        Register::Address,
        Register::Pkh,
        Register::Nonce,
        Register::ValidFrom,
        Register::ValidUntil,
    ];

    /// Bits the value has in the circuit (decomposing it is also its range check).
    pub const fn value_bits(self) -> usize {
        match self {
            Register::A | Register::B => 24,
            Register::Token => 10,
            Register::Amount => 128,
            Register::PackedAmount => 40,
            Register::PackedFee => 16,
            Register::Address | Register::Pkh => 160,
            Register::Nonce => 32,
            Register::ValidFrom | Register::ValidUntil => 64,
        }
    }

    /// Bytes the register takes in pubdata (ids and tokens are wider there than their range).
    pub const fn pubdata_bytes(self) -> usize {
        match self {
            Register::A | Register::B | Register::Nonce => 4,
            Register::Token | Register::PackedFee => 2,
            Register::Amount => 16,
            Register::PackedAmount => 5,
            Register::Address | Register::Pkh => 20,
            Register::ValidFrom | Register::ValidUntil => 8,
        }
    }

    /// Index in [`Register::ALL`].
    pub fn index(self) -> usize {
        Register::ALL.iter().position(|r| *r == self).expect("listed")
    }

    /// Short name for constraint paths.
    pub const fn name(self) -> &'static str {
        match self {
            Register::A => "a",
            Register::B => "b",
            Register::Token => "token",
            Register::Amount => "amount",
            Register::PackedAmount => "packed_amount",
            Register::PackedFee => "packed_fee",
            Register::Address => "address",
            Register::Pkh => "pkh",
            Register::Nonce => "nonce",
            Register::ValidFrom => "valid_from",
            Register::ValidUntil => "valid_until",
        }
    }
}

/// Where one pubdata bit comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BitSource {
    /// A constant (opcode bits, padding, the always-zero high bits of ids and tokens).
    Const(bool),
    /// Bit `bit` (little-endian) of a register.
    Reg(Register, usize),
}

/// The sources of all `chunks × 80` pubdata bits of an op of type `t`, most significant bit of
/// byte 0 first.
pub fn pubdata_sources(t: OpType) -> Vec<BitSource> {
    let mut out = Vec::with_capacity(t.chunks() * CHUNK_BITS);
    for j in (0..8).rev() {
        out.push(BitSource::Const((t.opcode() >> j) & 1 == 1));
    }
    for &r in t.layout() {
        let bits = 8 * r.pubdata_bytes();
        for i in (0..bits).rev() {
            out.push(if i < r.value_bits() { BitSource::Reg(r, i) } else { BitSource::Const(false) });
        }
    }
    assert!(out.len() <= t.chunks() * CHUNK_BITS, "{t:?} pubdata overflows its chunks");
    out.resize(t.chunks() * CHUNK_BITS, BitSource::Const(false));
    out
}

/// One (op type, chunk index) pair: the universal chunk gadget is in exactly one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Phase {
    /// The op the chunk belongs to.
    pub op: OpType,
    /// Index of the chunk within its op.
    pub k: usize,
}

/// All phases, op types in [`OpType::ALL`] order, chunk indices ascending (33 of them).
pub fn phases() -> Vec<Phase> {
    OpType::ALL.iter().flat_map(|&op| (0..op.chunks()).map(move |k| Phase { op, k })).collect()
}

/// Number of phases.
pub const NUM_PHASES: usize = 1 + 5 + 4 + 5 + 2 + 5 + 6 + 5;

/// Index of `(op, k)` in [`phases`].
pub fn phase_index(op: OpType, k: usize) -> usize {
    assert!(k < op.chunks(), "{op:?} has no chunk {k}");
    OpType::ALL.iter().take_while(|&&t| t != op).map(|t| t.chunks()).sum::<usize>() + k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_numbered_consistently() {
        let all = phases();
        assert_eq!(all.len(), NUM_PHASES);
        for (i, p) in all.iter().enumerate() {
            assert_eq!(phase_index(p.op, p.k), i);
        }
    }

    #[test]
    fn layouts_fit_their_chunks_and_match_the_documented_lengths() {
        // Unpadded lengths from docs/protocol.md §7.1.
        let expected = [1, 43, 38, 45, 18, 43, 53, 49];
        for (t, len) in OpType::ALL.iter().zip(expected) {
            let bytes: usize = 1 + t.layout().iter().map(|r| r.pubdata_bytes()).sum::<usize>();
            assert_eq!(bytes, len, "{t:?}");
            assert!(bytes <= t.chunks() * CHUNK_BYTES);
            assert_eq!(OpType::from_opcode(t.opcode()), Some(*t));
        }
        assert_eq!(OpType::from_opcode(0x04), None);
    }
}
