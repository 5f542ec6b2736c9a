//! Protocol constants (PROTOCOL.md §13, normative in `docs/protocol.md`).

/// Bytes per pubdata chunk; every operation is padded to a whole number of chunks.
pub const CHUNK_BYTES: usize = 10;
/// Depth of the account tree: 2^24 accounts.
pub const ACCOUNT_TREE_DEPTH: usize = 24;
/// Depth of each account's balance tree: 2^10 = 1,024 tokens.
pub const BALANCE_TREE_DEPTH: usize = 10;
/// Number of distinct fee tokens a block can collect fees in.
pub const FEE_SLOTS: usize = 4;
/// Largest amount a single L1 deposit may carry: 2^104 − 1.
pub const MAX_DEPOSIT: u128 = (1u128 << 104) - 1;
/// Largest valid account id: 2^24 − 1.
pub const MAX_ACCOUNT_ID: u32 = (1u32 << ACCOUNT_TREE_DEPTH) - 1;
/// Largest valid token id: 1,023 (token 0 is ETH).
pub const MAX_TOKEN_ID: u16 = (1u16 << BALANCE_TREE_DEPTH) - 1;
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
