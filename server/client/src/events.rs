//! Reading `/v1/events` (Server-Sent Events) as typed [`Event`]s, resumable from the last id.

use crate::ClientError;
use zkpay_api_types::{ApiError, Event};

/// What to stream: where to start and which events.
#[derive(Clone, Debug, Default)]
pub struct EventsRequest {
    /// Start after this event id (`None`: from now). Sent as `Last-Event-ID`.
    pub after: Option<u64>,
    /// Event types: names (`tx.finalized`), families (`tx.*`); empty: all.
    pub types: Vec<String>,
    /// Accounts: 0x addresses or ids; empty: any.
    pub accounts: Vec<String>,
    /// 0x tx hashes; empty: any.
    pub txs: Vec<String>,
}

impl EventsRequest {
    /// The query string (`?types=…&accounts=…`): every value is made of characters that a query
    /// may carry as they are (names, `*`, `.`, 0x-hex, digits, commas).
    pub(crate) fn query(&self) -> String {
        let parts: Vec<String> = [("types", &self.types), ("accounts", &self.accounts), ("txs", &self.txs)]
            .into_iter()
            .filter(|(_, list)| !list.is_empty())
            .map(|(name, list)| format!("{name}={}", list.join(",")))
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// An open event stream.
pub struct EventStream {
    resp: reqwest::Response,
    buf: Vec<u8>,
    last_id: Option<u64>,
}

impl EventStream {
    pub(crate) fn new(resp: reqwest::Response, after: Option<u64>) -> EventStream {
        EventStream { resp, buf: Vec::new(), last_id: after }
    }

    /// The id of the last event read (resume with it after a disconnect).
    pub fn last_event_id(&self) -> Option<u64> {
        self.last_id
    }

    /// The next event; `Ok(None)` once the node closed the stream.
    pub async fn next(&mut self) -> Result<Option<Event>, ClientError> {
        loop {
            while let Some(end) = find_blank_line(&self.buf) {
                let block: Vec<u8> = self.buf.drain(..end.1).collect();
                if let Some(e) = self.parse(&block[..end.0])? {
                    return Ok(Some(e));
                }
            }
            match self.resp.chunk().await? {
                Some(chunk) => self.buf.extend_from_slice(&chunk),
                None => return Ok(None),
            }
        }
    }

    fn parse(&mut self, block: &[u8]) -> Result<Option<Event>, ClientError> {
        let text = String::from_utf8_lossy(block);
        let (mut kind, mut data) = (None, String::new());
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("event:") {
                kind = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("data:") {
                data.push_str(v.strip_prefix(' ').unwrap_or(v));
            }
        }
        if data.is_empty() {
            return Ok(None); // a comment, a retry hint
        }
        let unexpected = || ClientError::Unexpected { status: 200, body: data.chars().take(500).collect() };
        if kind.as_deref() == Some("error") {
            return Err(serde_json::from_str::<ApiError>(&data).map(ClientError::Api).unwrap_or_else(|_| unexpected()));
        }
        let e: Event = serde_json::from_str(&data).map_err(|_| unexpected())?;
        self.last_id = Some(e.id);
        Ok(Some(e))
    }
}

/// The end of the first block (`\n\n`): (where its text ends, where the next begins).
fn find_blank_line(buf: &[u8]) -> Option<(usize, usize)> {
    buf.windows(2).position(|w| w == b"\n\n").map(|i| (i, i + 2))
}

#[cfg(test)]
mod tests {
    use super::find_blank_line;

    #[test]
    fn blocks_end_at_a_blank_line() {
        assert_eq!(find_blank_line(b"id: 1\ndata: x\n\nid: 2"), Some((13, 15)));
        assert_eq!(find_blank_line(b"id: 1\ndata: x\n"), None);
    }
}
