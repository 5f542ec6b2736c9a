//! Gadgets: small circuits that each match a piece of `zkpay-core`.
//!
//! All gadgets work over `Bn256` and take a `ConstraintSystem` by value (pass `cs.namespace(..)`),
//! so every variable and constraint gets a readable path in the test constraint system.

pub mod babyjubjub;
pub mod bits;
pub mod boolean;
pub mod compare;
pub mod const_compare;
pub mod eddsa;
pub mod equal;
pub mod float;
pub mod merkle;
pub mod num;
pub mod poseidon;
pub mod range;
pub mod select;
pub mod sha256;

pub use boolean::{AllocatedBit, Boolean};
pub use num::Num;
