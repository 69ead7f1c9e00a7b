//! The fetch handler: `GET /healthz`, the admin API under `/_hookwall/`, `POST` on each
//! source's path, 404 elsewhere (the policy decides). Answers a provider 200 only once its
//! event is delivered to every matching destination, or enqueued.

use std::borrow::Cow;

use hookwall::policy::{Admission, Denial, Head, Method};
use hookwall::{Ack, Event, Reason};
use worker::js_sys::{Reflect, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::web_sys::ReadableStreamDefaultReader;
use worker::{Env, Request, Response, Result};

use crate::accept::Answer;
use crate::admin;
use crate::config;
use crate::log;
use crate::reply::json;

pub async fn handle(mut req: Request, env: &Env) -> Result<Response> {
    let started = crate::now_ms();
    let url = req.inner().url();
    let path = path_and_query(&url);
    let method = req.method().to_string();
    if method == "GET" && path == "/healthz" {
        return json(200, r#"{"status":"ok"}"#, &[]);
    }
    if admin::is_admin_path(&path) {
        return admin::handle(req, env, &method, &path).await;
    }
    let policy = match config::policy(env) {
        Ok(policy) => policy,
        Err(problem) => return refuse(Reason::ConfigError, &problem, &Seen::default(), started),
    };
    let header_pairs: Vec<(String, String)> = req.headers().entries().collect();
    let headers: Vec<(&str, &str)> = header_pairs
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let peer = header_pairs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("cf-connecting-ip"))
        .map_or("", |(_, v)| v.as_str());
    let head = Head {
        method: Method::from(method.as_str()),
        path: &path,
        headers: &headers,
        peer,
    };
    let admission = match policy.admit(&head) {
        Ok(admission) => admission,
        Err(denial) => {
            let seen = Seen {
                source: policy.route(&head).map(|(_, s)| s.name()),
                ..Seen::default()
            };
            return deny(&denial, &seen, started);
        }
    };
    let source = admission.source().name();
    let seen = Seen {
        source: Some(source),
        ..Seen::default()
    };
    let declared_length = header_pairs
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
    let body = match read_body(&mut req, &admission, declared_length).await {
        Ok(body) => body,
        Err(denial) => return deny(&denial, &seen, started),
    };
    let received_at = i64::try_from(crate::now_ms() / 1000).ok();
    match admission.check_body(&body, received_at) {
        Ok(event) => accept(source, &event, env, started).await,
        Err(denial) => deny(&denial, &seen, started),
    }
}

/// The path and query of the absolute URL workerd hands the Worker, already normalized by its
/// WHATWG URL parser: what the `url` crate would return, without linking its IDNA tables (about
/// 150 KB of the Worker). A fragment is dropped; a URL without a path has the path `/`.
fn path_and_query(url: &str) -> Cow<'_, str> {
    let url = url.split_once('#').map_or(url, |(before, _)| before);
    let Some((_, rest)) = url.split_once("://") else {
        return Cow::Borrowed(url);
    };
    match rest.find(['/', '?']) {
        Some(start) if rest[start..].starts_with('/') => Cow::Borrowed(&rest[start..]),
        Some(start) => Cow::Owned(format!("/{}", &rest[start..])),
        None => Cow::Borrowed("/"),
    }
}

/// The request body. A declared length was checked by the policy and workerd delivers exactly
/// that many bytes, so it is read in one call; a body without one (chunked) is read chunk by
/// chunk and refused with 413 as soon as it passes the source's limit, before the next chunk
/// is copied, so a client cannot make the Worker buffer more than the limit.
async fn read_body(
    req: &mut Request,
    admission: &Admission<'_>,
    declared_length: bool,
) -> std::result::Result<Vec<u8>, Denial> {
    if declared_length {
        return req.bytes().await.map_err(|_| unreadable_body());
    }
    let Some(stream) = req.inner().body() else {
        return Ok(Vec::new());
    };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let step = JsFuture::from(reader.read())
            .await
            .map_err(|_| unreadable_body())?;
        let done = Reflect::get(&step, &JsValue::from_str("done"))
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        if done {
            return Ok(body);
        }
        let chunk: Uint8Array = Reflect::get(&step, &JsValue::from_str("value"))
            .ok()
            .and_then(|v| v.dyn_into().ok())
            .ok_or_else(unreadable_body)?;
        let start = body.len();
        let end = start.saturating_add(chunk.length() as usize);
        admission.check_size(end)?;
        body.resize(end, 0);
        chunk.copy_to(&mut body[start..]);
    }
}

fn unreadable_body() -> Denial {
    Denial::from(Reason::UnreadableBody)
}

/// Delivers an allowed event to each matching destination, or enqueues it, through the ledger
/// (`crate::accept`), then answers the provider.
async fn accept(source: &str, event: &Event<'_>, env: &Env, started: u64) -> Result<Response> {
    let seen = Seen {
        source: Some(source),
        provider: Some(event.provider().as_str()),
        event_type: Some(event.event_type()),
        id: Some(event.id().as_str()),
    };
    let delivery = match config::delivery(env) {
        Ok(delivery) => delivery,
        Err(problem) => return refuse(Reason::ConfigError, &problem, &seen, started),
    };
    match crate::accept::accept(env, &delivery, source, event, started).await {
        Answer::Ack(ack) => acknowledge(ack, &seen, started),
        Answer::Refused(reason, problem) => refuse(reason, &problem, &seen, started),
    }
}

/// The provider's 200: the event is safe (delivered, enqueued, or was already).
fn acknowledge(ack: Ack, seen: &Seen<'_>, started: u64) -> Result<Response> {
    log_line(ack.into(), "", seen, started);
    json(ack.status(), &ack.to_json(seen.id.unwrap_or_default()), &[])
}

fn deny(denial: &Denial, seen: &Seen<'_>, started: u64) -> Result<Response> {
    log_line(denial.reason.into(), &denial.message, seen, started);
    respond(denial)
}

/// A refusal whose log line says more than its answer: `problem` names what is misconfigured
/// or which destination failed, which is for the operator, not the caller.
fn refuse(reason: Reason, problem: &str, seen: &Seen<'_>, started: u64) -> Result<Response> {
    log_line(reason.into(), problem, seen, started);
    respond(&Denial::from(reason))
}

fn respond(denial: &Denial) -> Result<Response> {
    let extra: Vec<(&str, &str)> = denial.headers().collect();
    json(denial.status(), &denial.to_json(), &extra)
}

/// What is known of a request when it is answered, for its log line.
#[derive(Default)]
struct Seen<'a> {
    source: Option<&'a str>,
    provider: Option<&'a str>,
    event_type: Option<&'a str>,
    id: Option<&'a str>,
}

fn log_line(outcome: hookwall::Outcome, message: &str, seen: &Seen<'_>, started: u64) {
    log::Line {
        source: seen.source,
        provider: seen.provider,
        event_type: seen.event_type.map(log::Clipped),
        id: seen.id.map(log::Clipped),
        ms: crate::now_ms().saturating_sub(started),
        message: (!message.is_empty()).then_some(message),
        ..log::Line::new(outcome)
    }
    .emit();
}

#[cfg(test)]
mod tests {
    use super::path_and_query;

    #[test]
    fn path_and_query_match_the_url_crate() {
        for (url, expected) in [
            ("https://hookwall.test/hooks/crowdsec", "/hooks/crowdsec"),
            (
                "http://127.0.0.1:8787/hooks/cloud66?token=a/b",
                "/hooks/cloud66?token=a/b",
            ),
            ("https://h.test/a%3F%23b?c=1#frag", "/a%3F%23b?c=1"),
            ("https://h.test", "/"),
            ("https://h.test?q=/x", "/?q=/x"),
        ] {
            assert_eq!(path_and_query(url), expected, "{url}");
        }
    }
}
