//! Merchant webhooks: endpoints registered through the admin routes, and deliveries signed as
//! Standard Webhooks specifies (`webhook-id`, `webhook-timestamp`, `webhook-signature`).

use crate::events::EventFilter;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use zkpay_core::serde_util::u64_dec;

/// `POST /v1/webhooks`: register an endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateWebhook {
    /// An `http://` or `https://` URL that deliveries are POSTed to.
    pub url: String,
    /// Which events it gets (empty: all).
    #[serde(default)]
    pub filter: EventFilter,
}

/// An endpoint as the admin routes show it (the secret only once, at creation).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookEndpoint {
    /// Id.
    pub id: u64,
    /// Delivery URL.
    pub url: String,
    /// Which events it gets.
    pub filter: EventFilter,
    /// Created at (unix ms).
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub created_at: u64,
    /// Events after this id are still to be matched (it starts at the last event when the
    /// endpoint is made: an endpoint gets the events after its creation).
    pub cursor: u64,
    /// The signing secret `whsec_<base64>`: present only in the answer to its creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// Where a delivery is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up: not delivered within the maximum age.
    Failed,
}

/// One attempt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookAttempt {
    /// When (unix ms).
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub at: u64,
    /// The HTTP status the endpoint answered, if it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Why it failed (connection refused, timeout, a non-2xx status).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: u64,
}

/// One event's delivery to one endpoint: `GET /v1/webhooks/{id}/deliveries`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookDelivery {
    /// The endpoint.
    pub endpoint: u64,
    /// The event (its `webhook-id` is `evt_<event>`, the same on every attempt).
    pub event: u64,
    /// Where it is.
    pub state: DeliveryState,
    /// Attempts made.
    pub attempts: u32,
    /// When it was made (unix ms): retries stop at this plus the maximum age.
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub created_at: u64,
    /// The next attempt (unix ms), while pending.
    #[serde(with = "u64_dec")]
    #[schema(value_type = crate::schema::U64)]
    pub next_attempt_at: u64,
    /// The last attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_attempt: Option<WebhookAttempt>,
}

/// `POST /v1/webhooks/{id}/replay`: deliver an event (again).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplayRequest {
    /// The event id.
    pub event_id: u64,
}

/// A page of a list, newest or oldest first as the route says, with the cursor of the next page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Page<T> {
    /// The items.
    pub data: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
