//! Answers with a JSON body, the Worker's one shape of response for providers and operators.

use worker::{Headers, Response, Result};

/// A response with a JSON body, `status` and any `extra` headers.
pub fn json(status: u16, body: &str, extra: &[(&str, &str)]) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    for (name, value) in extra {
        headers.set(name, value)?;
    }
    Ok(Response::ok(body)?
        .with_status(status)
        .with_headers(headers))
}
