//! One POST of a body to a destination, in its format, with its headers and, when it has a
//! signing key, an `x-hookwall-signature`. Direct delivery, the queue consumer and the admin
//! API's resends all send through it.

use worker::{web_sys, AbortSignal, Fetch, Headers, Method, Request, RequestInit, Result};

use crate::destinations::Destination;
use crate::signature;

/// One POST of the body, aborted after `timeout_ms`; only a 2xx answer counts as delivered.
/// The messages name no URL or header: those are secrets.
pub async fn post(
    destination: &Destination,
    body: &str,
    timeout_ms: u64,
) -> std::result::Result<(), String> {
    let request = request(destination, body)?;
    let timeout = u32::try_from(timeout_ms).unwrap_or(u32::MAX);
    let signal = AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(timeout));
    let response = Fetch::Request(request)
        .send_with_signal(&signal)
        .await
        .map_err(|e| {
            let e = e.to_string();
            if signal.aborted() {
                format!("receiver did not answer within {timeout} ms")
            } else if e.contains("://") {
                "receiver unreachable".into()
            } else {
                format!("receiver unreachable: {e}")
            }
        })?;
    match response.status_code() {
        200..=299 => Ok(()),
        status => Err(format!("receiver answered {status}")),
    }
}

fn request(destination: &Destination, body: &str) -> std::result::Result<Request, String> {
    let signature = match &destination.signing_key {
        Some(key) => Some(
            signature::sign(key.as_bytes(), crate::now_ms() / 1000, body)
                .map_err(|e| format!("signing: {e}"))?,
        ),
        None => None,
    };
    let build = || -> Result<Request> {
        let headers = Headers::new();
        headers.set("content-type", destination.format.content_type())?;
        for (name, value) in &destination.headers {
            headers.set(name, value)?;
        }
        if let Some(signature) = &signature {
            headers.set("x-hookwall-signature", signature)?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(body.into()));
        Request::new_with_init(&destination.url, &init)
    };
    // workers-rs's errors quote the URL or a header value: only the step is named.
    build().map_err(|_| "the request could not be built".to_string())
}
