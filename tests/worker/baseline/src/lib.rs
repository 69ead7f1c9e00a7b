//! The benchmark's baseline: a workers-rs Worker that reads the body and answers 200.

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(mut req: Request, _env: Env, _ctx: Context) -> Result<Response> {
    req.bytes().await?;
    Response::ok(r#"{"status":"ok"}"#)
}
