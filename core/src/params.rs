//! Protocol constants (PROTOCOL.md §13, normative in `docs/protocol.md`).

/// Bytes per pubdata chunk; every operation is padded to a whole number of chunks.
pub const CHUNK_BYTES: usize = 10;
/// Children per inner node of both Merkle trees (quaternary trees: one Poseidon(4) per level).
pub const TREE_ARITY: usize = 4;
/// Bits of an account id: 2^24 accounts.
pub const ACCOUNT_ID_BITS: usize = 24;
/// Bits of a token id: 2^10 = 1,024 tokens.
pub const TOKEN_ID_BITS: usize = 10;
/// Levels of the account tree (4^12 = 2^24 leaves): each consumes two bits of the account id.
pub const ACCOUNT_TREE_LEVELS: usize = ACCOUNT_ID_BITS / 2;
/// Levels of each account's balance tree (4^5 = 2^10 leaves).
pub const BALANCE_TREE_LEVELS: usize = TOKEN_ID_BITS / 2;
/// Siblings in an account tree audit path (three per level).
pub const ACCOUNT_PATH_SIBLINGS: usize = (TREE_ARITY - 1) * ACCOUNT_TREE_LEVELS;
/// Siblings in a balance tree audit path (three per level).
pub const BALANCE_PATH_SIBLINGS: usize = (TREE_ARITY - 1) * BALANCE_TREE_LEVELS;
/// Number of distinct fee tokens a block can collect fees in.
pub const FEE_SLOTS: usize = 4;
/// Largest amount a single L1 deposit may carry: 2^104 − 1.
pub const MAX_DEPOSIT: u128 = (1u128 << 104) - 1;
/// Largest valid account id: 2^24 − 1.
pub const MAX_ACCOUNT_ID: u32 = (1u32 << ACCOUNT_ID_BITS) - 1;
/// Largest valid token id: 1,023 (token 0 is ETH).
pub const MAX_TOKEN_ID: u16 = (1u16 << TOKEN_ID_BITS) - 1;
/// Token id of ETH.
pub const ETH_TOKEN_ID: u16 = 0;
/// Account id of the operator's fee account created at genesis.
pub const FEE_ACCOUNT_ID: u32 = 0;
/// Block sizes (in chunks) of the dev deployment; production sizes come from the deployment config.
pub const DEV_BLOCK_SIZES: [usize; 2] = [8, 32];
/// Commit timestamp window: a block may be at most this many seconds older than the L1 block.
pub const COMMIT_TIMESTAMP_MAX_AGE_SECS: u64 = 24 * 60 * 60;
/// Commit timestamp window: a block may be at most this many seconds ahead of the L1 block.
pub const COMMIT_TIMESTAMP_MAX_AHEAD_SECS: u64 = 15 * 60;

/// Amount float: mantissa bits.
pub const AMOUNT_MANTISSA_BITS: u32 = 35;
/// Fee float: mantissa bits.
pub const FEE_MANTISSA_BITS: u32 = 11;
/// Exponent bits of both floats (base 10).
pub const FLOAT_EXPONENT_BITS: u32 = 5;
/// Bytes of a packed amount in pubdata.
pub const PACKED_AMOUNT_BYTES: usize = 5;
/// Bytes of a packed fee in pubdata.
pub const PACKED_FEE_BYTES: usize = 2;
