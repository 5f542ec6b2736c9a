//! zkpay-server as a library: the pieces the `zkpay` binary, its tests and (later) the node share.
//!
//! - [`l1`]: the Ethereum side — contract bindings, a typed client for every Rollup entry point,
//!   the conversion of `zkpay-core` blocks into what the contracts take, and data restore from L1.
//! - [`devnet`]: a local deployment on anvil with a minimal operator (tests, benches, `zkpay dev`).

pub mod devnet;
pub mod l1;
