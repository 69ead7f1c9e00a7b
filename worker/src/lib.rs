//! hookwall on Cloudflare Workers: verifies each provider's webhook with the shared policy,
//! turns it into a CloudEvent and delivers it to the user's receiver without losing one.
//!
//! With a queue bound (`EVENTS`), an event is enqueued before the provider hears 200 and the
//! same Worker's queue consumer forwards it with retries; without one, it is forwarded within
//! the request and the provider hears 200 only once the receiver answered 2xx.

mod config;
mod dedup;
mod forward;
mod log;
mod routes;
mod signature;

use worker::{event, Context, Env, MessageBatch, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    routes::handle(req, &env).await
}

#[event(queue)]
async fn queue(batch: MessageBatch<forward::Queued>, env: Env, _ctx: Context) -> Result<()> {
    forward::consume(batch, &env).await
}
