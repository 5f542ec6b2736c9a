//! zkpay-api-types: the JSON wire types of the node's HTTP API, shared by the server (`zkpay-api`)
//! and the client SDK (`zkpay-client`).
//!
//! Conventions (docs/api.md): camelCase fields; every integer that can exceed 2^53 − 1 (amounts,
//! fees, timestamps, serial ids, chain ids) is a decimal string; addresses, hashes, keys and roots
//! are 0x-hex. Errors are one body, [`ApiError`], with a stable snake_case [`ErrorCode`].

mod error;
mod events;
pub mod schema;
mod types;
mod webhooks;

pub use error::{ApiError, ErrorCode};
pub use events::*;
pub use types::*;
pub use webhooks::*;
