//! Deterministic tx and op test vectors (filled in below).

/// Placeholder until the vectors land.
pub fn tx_and_op_vectors() -> serde_json::Value {
    serde_json::Value::Null
}
