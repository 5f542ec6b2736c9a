//! What wraps every `/v1` request: a request id (the client's `X-Request-Id` if it sends a sane
//! one, else a fresh one) in the response and in every log line of the request; the latency
//! histogram by route; and a per-client-address rate limit answered with `rate_limited` (429)
//! and `Retry-After`.

use crate::metrics::HTTP_SECONDS;
use crate::routes::error_response;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;
use zkpay_api_types::{ApiError, ErrorCode};

/// The request id header (a function: a `HeaderName` const would be interior mutable).
fn request_id() -> HeaderName {
    HeaderName::from_static("x-request-id")
}

/// Requests per second per client address (GCRA: a steady rate with a burst allowance).
pub struct RateLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    exempt_loopback: bool,
}

impl RateLimit {
    /// `per_second` requests a second with bursts of `burst` per client address; `None` when
    /// `per_second` is 0 (no limit). Loopback clients are exempt when `exempt_loopback`.
    pub fn new(per_second: u32, burst: u32, exempt_loopback: bool) -> Option<Arc<RateLimit>> {
        let rate = NonZeroU32::new(per_second)?;
        let burst = NonZeroU32::new(burst.max(per_second)).unwrap_or(rate);
        let limiter = DefaultKeyedRateLimiter::keyed(Quota::per_second(rate).allow_burst(burst));
        Some(Arc::new(RateLimit { limiter, exempt_loopback }))
    }

    /// `Err(seconds to wait)` when `ip` is over its rate.
    fn check(&self, ip: IpAddr) -> Result<(), u64> {
        if self.exempt_loopback && ip.is_loopback() {
            return Ok(());
        }
        self.limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })
    }

    /// Forget addresses that are back under their rate (the map would grow with every client).
    pub fn shrink(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A fresh id: the process start (to tell restarts apart) and a counter.
fn fresh_id() -> String {
    static START: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
    });
    format!("{:x}-{:x}", *START, NEXT_ID.fetch_add(1, Ordering::Relaxed))
}

/// The client's id if it is 1–128 visible ASCII characters.
fn client_id(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(request_id())?.to_str().ok()?;
    (!v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic())).then(|| v.to_string())
}

/// The middleware (`actix_web::middleware::from_fn(observe)`).
pub async fn observe<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    let id = client_id(&req).unwrap_or_else(fresh_id);
    let started = Instant::now();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let method = req.method().to_string();
    let header = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    if let (Some(limit), Some(peer)) = (req.app_data::<web::Data<Arc<RateLimit>>>(), req.peer_addr()) {
        if let Err(wait) = limit.check(peer.ip()) {
            let e = ApiError::new(
                ErrorCode::RateLimited,
                format!("too many requests from {}: retry in {wait} s", peer.ip()),
            )
            .with_details(serde_json::json!({ "retryAfter": wait }));
            let mut resp = error_response(&e);
            resp.headers_mut().insert(actix_web::http::header::RETRY_AFTER, HeaderValue::from(wait));
            resp.headers_mut().insert(request_id(), header);
            HTTP_SECONDS
                .with_label_values(&[route.as_str(), method.as_str(), "429"])
                .observe(started.elapsed().as_secs_f64());
            return Ok(req.into_response(resp).map_into_right_body());
        }
    }
    let span = tracing::info_span!("request", id = %id, method = %method, path = %req.path());
    let mut res = next.call(req).instrument(span).await?.map_into_left_body();
    res.headers_mut().insert(request_id(), header);
    let status = res.status().as_u16().to_string();
    HTTP_SECONDS
        .with_label_values(&[route.as_str(), method.as_str(), status.as_str()])
        .observe(started.elapsed().as_secs_f64());
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_over_its_rate_waits_and_loopback_can_be_exempt() {
        let limit = RateLimit::new(1, 2, false).unwrap();
        let ip: IpAddr = "203.0.113.7".parse().unwrap();
        assert!(limit.check(ip).is_ok() && limit.check(ip).is_ok(), "the burst");
        assert_eq!(limit.check(ip), Err(1), "then one a second");
        assert!(limit.check("203.0.113.8".parse().unwrap()).is_ok(), "per address");
        let exempt = RateLimit::new(1, 1, true).unwrap();
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert!((0..10).all(|_| exempt.check(lo).is_ok()));
        assert!(RateLimit::new(0, 10, false).is_none(), "0: no limit");
    }

    #[test]
    fn ids_are_fresh_unless_the_client_sends_a_sane_one() {
        assert_ne!(fresh_id(), fresh_id());
        let req = actix_web::test::TestRequest::default().insert_header(("x-request-id", "abc-123")).to_srv_request();
        assert_eq!(client_id(&req).as_deref(), Some("abc-123"));
        let req = actix_web::test::TestRequest::default().insert_header(("x-request-id", "a b")).to_srv_request();
        assert_eq!(client_id(&req), None);
    }
}
