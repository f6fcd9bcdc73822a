//! What every request meets before routing: the per-address rate limit and the request
//! timeout. The per-address limit comes first so that a flood of requests, with or without a
//! token, costs no database work once it is over the limit; the per-token limit follows
//! authentication (`auth.rs`).
//!
//! The peer address is the `ConnectInfo<SocketAddr>` the listener (`listener.rs`) attaches to
//! every request. A request without one (the router driven in-process, as tests and benches
//! do) is not limited by address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};

use crate::error::Error;
use crate::state::AppState;

/// Answers 429 with `Retry-After` once the peer's address is over its rate.
pub async fn by_address(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if let (Some(limiter), Some(ConnectInfo(peer))) = (&state.address_limiter, req.extensions().get::<ConnectInfo<SocketAddr>>()) {
        if let Err(not_until) = limiter.check_key(&address_key(peer.ip())) {
            let wait = not_until.wait_time_from(DefaultClock::default().now()).as_secs_f64().ceil().max(1.0) as u64;
            return Error::RateLimited { from: format!("from {}", peer.ip()), retry_after: wait }.into_response();
        }
    }
    next.run(req).await
}

/// Answers 408 when a request (its body upload included) takes longer than the limit. Work
/// already handed to the blocking pool finishes on its own, each write whole or not at all, so
/// repeating the request is safe.
pub async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.limits.request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => Error::TimedOut(format!(
            "the request took longer than {} s and was stopped; what it finished is kept, and it is safe to retry",
            limit.as_secs_f64()
        ))
        .into_response(),
    }
}

/// The key an address is limited under: an IPv4 address (also when mapped into IPv6) as it
/// is, an IPv6 address by its /64, the block one subscriber usually holds.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_subscriber_is_one_key_and_mapped_ipv4_is_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(other));
        assert_eq!(address_key("::ffff:10.0.0.7".parse().unwrap()), "10.0.0.7".parse::<IpAddr>().unwrap());
        assert_eq!(address_key("10.0.0.7".parse().unwrap()), "10.0.0.7".parse::<IpAddr>().unwrap());
    }
}
