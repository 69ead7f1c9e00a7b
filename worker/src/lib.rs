//! hookwall on Cloudflare Workers: verifies each provider's webhook with the shared policy,
//! normalizes it and delivers it to each matching destination (a CloudEvent, OCSF, a Slack
//! message or the bare event) without losing or doubling one.
//!
//! Every event is claimed in the ledger (a Durable Object per source) before it is sent, so
//! that each destination gets it once. With a queue bound (`EVENTS`), an event is enqueued
//! before the provider hears 200 and the same Worker's queue consumer delivers it with
//! retries; without one, it is delivered within the request and the provider hears 200 only
//! once every matching destination answered 2xx. The admin API (`/_hookwall/`) lists the
//! ledger, recovers failed deliveries and resends one.

mod accept;
mod admin;
mod config;
mod console;
mod destinations;
mod direct;
mod ledger;
mod log;
mod post;
mod queue;
mod reply;
mod routes;
mod signature;

pub use ledger::Ledger;

use worker::wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen::JsValue;
use worker::worker_sys::{Context as ContextSys, MessageBatch as MessageBatchSys};
use worker::{event, Context, Env, Request, Response, Result};

/// Milliseconds since the epoch. `Date.now()` directly: workers-rs's `Date::now()` creates a JS
/// `Date` object for each reading, and a request takes several.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "a float-to-int `as` saturates; the clock is never negative or beyond u64"
)]
fn now_ms() -> u64 {
    worker::js_sys::Date::now() as u64
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    routes::handle(req, &env).await
}

/// The queue handler, exported by hand instead of with `#[event(queue)]`: workers-rs 0.8.7's
/// `Message` hides the runtime's message object and with it `attempts`, which the consumer's
/// backoff needs. worker-build binds an export named `queue` exactly as the macro's.
///
/// # Errors
///
/// Never: the consumer acknowledges or retries each message itself; the `Result` is the
/// binding's shape.
#[wasm_bindgen(
    wasm_bindgen = ::worker::wasm_bindgen,
    wasm_bindgen_futures = ::worker::wasm_bindgen_futures,
    js_sys = ::worker::js_sys
)]
pub async fn queue(
    batch: MessageBatchSys,
    env: Env,
    _ctx: ContextSys,
) -> std::result::Result<JsValue, JsValue> {
    queue::consume(&batch, &env).await;
    Ok(JsValue::UNDEFINED)
}
