//! zkpay-l1: the Ethereum (L1) side of zkpay, with `alloy`.
//!
//! - [`bindings`]: `sol!` bindings from the contracts' ABIs (`contracts/artifacts/`).
//! - [`client`]: [`L1Client`], one signer's typed access to a deployment.
//! - [`encode`]: core blocks and priority requests ⇄ the contracts' structs and events.
//! - [`restore`]: rebuild the L2 state from L1 alone (events and `commitBlocks` calldata).
//! - [`error`]: [`L1Error`], with reverts decoded into the contracts' custom errors.
//! - [`dev`]: the pinned local anvil, for tests, benches and local chains.
//! - [`devnet`]: a local deployment on anvil with a minimal operator (tests, benches).

pub mod bindings;
pub mod client;
pub mod dev;
pub mod devnet;
pub mod encode;
pub mod error;
pub mod operator;
pub mod restore;

pub use client::{CommittedBlock, DeployConfig, Deployment, L1Client, Mined, PriorityRequest};
pub use error::{L1Error, Revert};
pub use operator::{Broadcast, OperatorL1, Receipt};
