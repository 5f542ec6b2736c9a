//! zkpay-core: the zkpay protocol as pure Rust.
//!
//! The one source of truth for every other component: the field and its encodings, Poseidon,
//! EdDSA-Poseidon on Baby Jubjub, float packing and the sparse Merkle trees of the state. No I/O and
//! no async here; everything is deterministic and checked against independent reference
//! implementations in the tests.

pub mod account_tree;
pub mod babyjubjub;
pub mod block;
pub mod eddsa;
pub mod field;
pub mod merkle;
pub mod montgomery;
pub mod ops;
pub mod packing;
pub mod params;
pub mod poseidon;
pub mod poseidon_batch;
pub mod restore;
pub mod serde_util;
pub mod state;
pub mod tx;
pub mod types;
pub mod vectors;
