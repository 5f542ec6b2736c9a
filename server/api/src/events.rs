//! `GET /v1/events`: the event stream as Server-Sent Events. A subscriber names where to start
//! (`Last-Event-ID`, or `?after=`; neither: from now), and gets every matching event after it in
//! id order — first the stored ones, then the live ones — without a gap or a repeat, across a
//! disconnect or a node restart. One that falls behind the live buffer re-reads from storage.

use crate::routes::{error_response, parse_account, parse_hash, query};
use crate::{AccountRef, LiveEvent, NodeApi};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use zkpay_api_types::{ApiError, ErrorCode, Event, EventFilter, EventTypes};

/// Events read from storage at a time while catching up.
const PAGE: usize = 512;
/// A comment line this often keeps proxies from closing an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Frames buffered per subscriber before the pump waits for the client.
const CLIENT_BUFFER: usize = 256;

/// The query of `/v1/events`: comma-separated lists.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventsQuery {
    /// Start after this event id (`Last-Event-ID` wins when both are given).
    pub after: Option<u64>,
    /// Event types: names (`tx.finalized`), families (`tx.*`) or `*`.
    pub types: Option<String>,
    /// Accounts: 0x addresses or ids.
    pub accounts: Option<String>,
    /// 0x tx hashes.
    pub txs: Option<String>,
}

fn list(s: &Option<String>) -> Vec<String> {
    s.as_deref().unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// The filter of a query; account ids are resolved to their addresses.
pub async fn filter_of<A: NodeApi>(api: &A, q: &EventsQuery) -> Result<EventFilter, ApiError> {
    let types = EventTypes(list(&q.types));
    types.check().map_err(|m| ApiError::new(ErrorCode::InvalidRequest, m))?;
    let mut addresses = Vec::new();
    for a in list(&q.accounts) {
        let r = parse_account(&a)?;
        addresses.push(match r {
            AccountRef::Address(addr) => addr,
            AccountRef::Id(_) => api.account(r).await?.address,
        });
    }
    let mut tx_hashes = Vec::new();
    for h in list(&q.txs) {
        parse_hash(&h)?;
        tx_hashes.push(h.to_ascii_lowercase());
    }
    Ok(EventFilter { types, addresses, tx_hashes })
}

fn start_after(req: &HttpRequest, q: &EventsQuery) -> Result<Option<u64>, ApiError> {
    match req.headers().get("last-event-id") {
        Some(v) => {
            let id = v.to_str().ok().and_then(|s| s.trim().parse().ok()).ok_or_else(|| {
                ApiError::new(ErrorCode::InvalidRequest, "Last-Event-ID is not an event id (a decimal integer)")
            })?;
            Ok(Some(id))
        }
        None => Ok(q.after),
    }
}

fn frame(e: &Event, json: &str) -> web::Bytes {
    web::Bytes::from(format!("id: {}\nevent: {}\ndata: {}\n\n", e.id, e.event_type, json))
}

/// The live event stream (Server-Sent Events)
///
/// Frames are `id: <event id>`, `event: <type>`, `data: <Event JSON>`. Resume with the
/// `Last-Event-ID` header (or `?after=`): every matching event after it comes, first from storage,
/// then live, without a gap or a repeat. Neither: events from now on. A comment line every 15 s
/// keeps the connection open through proxies.
#[utoipa::path(
    get,
    path = "/v1/events",
    tag = "events",
    operation_id = "streamEvents",
    params(
        ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this event id"),
        ("after" = Option<u64>, Query, description = "Resume after this event id (the header wins)"),
        ("types" = Option<String>, Query, description = "Comma-separated event types: names (`tx.finalized`), families (`tx.*`) or `*`"),
        ("accounts" = Option<String>, Query, description = "Comma-separated account ids or 0x addresses"),
        ("txs" = Option<String>, Query, description = "Comma-separated 0x tx hashes"),
    ),
    responses(
        (status = 200, description = "The stream: `text/event-stream` frames whose data is an `Event`", content_type = "text/event-stream", body = String),
        (status = 400, description = "The request cannot be read", body = ApiError),
        (status = 404, description = "An account of the filter does not exist", body = ApiError),
    )
)]
pub async fn events<A: NodeApi>(api: web::Data<A>, req: HttpRequest) -> HttpResponse {
    let setup = async {
        let q: EventsQuery = query(&req)?;
        let filter = filter_of(&**api, &q).await?;
        let after = start_after(&req, &q)?;
        Ok::<_, ApiError>((filter, after))
    };
    let (filter, after) = match setup.await {
        Ok(v) => v,
        Err(e) => return error_response(&e),
    };
    // Subscribe before reading storage: an event stored meanwhile arrives live.
    let live = api.subscribe_events();
    let cursor = after.unwrap_or_else(|| api.last_event_id());
    let (tx, rx) = mpsc::channel::<web::Bytes>(CLIENT_BUFFER);
    let api = api.into_inner();
    let stopping = api.stopping();
    actix_web::rt::spawn(async move {
        tokio::select! {
            r = pump(&*api, filter, cursor, live, &tx) => if let Err(e) = r {
                let _ = tx.send(web::Bytes::from(format!("event: error\ndata: {}\n\n", serde_json::json!(e)))).await;
            },
            // The node stops: end the stream (the client resumes elsewhere or later).
            _ = stopping => {}
        }
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|b| (Ok::<_, actix_web::Error>(b), rx))
    });
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(stream)
}

/// Everything after `cursor` that passes `filter`, then live, until the client goes.
async fn pump<A: NodeApi>(
    api: &A,
    filter: EventFilter,
    mut cursor: u64,
    mut live: broadcast::Receiver<Arc<LiveEvent>>,
    tx: &mpsc::Sender<web::Bytes>,
) -> Result<(), ApiError> {
    // A retry hint for EventSource clients, then the stored backlog.
    if tx.send(web::Bytes::from_static(b"retry: 2000\n\n")).await.is_err() {
        return Ok(());
    }
    if !catch_up(api, &filter, &mut cursor, tx).await? {
        return Ok(());
    }
    let mut keep_alive = tokio::time::interval(KEEP_ALIVE);
    keep_alive.tick().await;
    loop {
        tokio::select! {
            r = live.recv() => match r {
                Ok(e) => {
                    if e.event.id <= cursor {
                        continue;
                    }
                    if e.event.id > cursor + 1 {
                        // Not expected (subscribed before reading), but storage is the truth.
                        if !catch_up(api, &filter, &mut cursor, tx).await? {
                            return Ok(());
                        }
                        continue;
                    }
                    cursor = e.event.id;
                    if filter.matches(&e.event) && tx.send(frame(&e.event, &e.json)).await.is_err() {
                        return Ok(());
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if !catch_up(api, &filter, &mut cursor, tx).await? {
                        return Ok(());
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
            _ = keep_alive.tick() => {
                if tx.send(web::Bytes::from_static(b": keep-alive\n\n")).await.is_err() {
                    return Ok(());
                }
            }
            _ = tx.closed() => return Ok(()),
        }
    }
}

/// Stored events after `cursor`, up to the last one; `false` once the client is gone.
async fn catch_up<A: NodeApi>(
    api: &A,
    filter: &EventFilter,
    cursor: &mut u64,
    tx: &mpsc::Sender<web::Bytes>,
) -> Result<bool, ApiError> {
    loop {
        let page = api.events_after(*cursor, PAGE).await?;
        if page.is_empty() {
            return Ok(true);
        }
        for e in page {
            *cursor = e.id;
            if filter.matches(&e) {
                let json = serde_json::to_string(&e).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
                if tx.send(frame(&e, &json)).await.is_err() {
                    return Ok(false);
                }
            }
        }
    }
}
