//! The admin API under `/_hookwall/`, which no source may use: the ledger's events, recovery
//! of a destination's failed deliveries, and a resend. With `HOOKWALL_ADMIN_TOKEN_SHA256`
//! unset, every admin path answers 404 as an unknown route would; otherwise each request needs
//! `Authorization: Bearer <token>` (401 without it), and nothing else grants access.

mod auth;
mod events;
mod query;
mod recover;

use hookwall::policy::Denial;
use hookwall::Reason;
use serde::Serialize;
use worker::{Env, Request, Response, Result};

use crate::config;
use crate::log;
use crate::reply::json;

/// The reserved prefix.
const PREFIX: &str = "/_hookwall";

/// The largest recover request read.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Whether `path_and_query` is under the reserved prefix.
pub fn is_admin_path(path_and_query: &str) -> bool {
    let path = path_and_query.split('?').next().unwrap_or_default();
    path.strip_prefix(PREFIX)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

pub async fn handle(
    mut req: Request,
    env: &Env,
    method: &str,
    path_and_query: &str,
) -> Result<Response> {
    let digest = match auth::access(env) {
        Ok(auth::Access::Closed) => {
            let denial = Denial::from(Reason::UnknownRoute);
            return json(denial.status(), &denial.to_json(), &[]);
        }
        Ok(auth::Access::Token(digest)) => digest,
        Err(problem) => return config_error(&problem),
    };
    if let Some(page) = crate::console::asset(method, path_and_query) {
        return page;
    }
    let authorization = req.headers().get("authorization").ok().flatten();
    if !auth::allows(&digest, authorization.as_deref()) {
        let body = error_body("unauthorized", "a valid admin token is required");
        return json(
            401,
            &body,
            &[("www-authenticate", "Bearer realm=\"hookwall\"")],
        );
    }
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let rest = path.strip_prefix(PREFIX).unwrap_or_default();
    let segments: Vec<&str> = rest.split('/').skip(1).collect();
    let policy = match config::policy(env) {
        Ok(policy) => policy,
        Err(problem) => return config_error(&problem),
    };
    let sources = |only: Option<&str>| events::sources(&policy, only);
    match (method, segments.as_slice()) {
        ("GET", ["events"]) => {
            let (source, filter) = match query::listing(query) {
                Ok(listing) => listing,
                Err(message) => return bad_request(&message),
            };
            answer(events::list(env, &sources(source.as_deref()), filter).await)
        }
        ("GET", ["events", key]) => match known(query, &[]) {
            Err(response) => response,
            Ok(_) => show(env, &sources(None), key).await,
        },
        ("POST", ["recover"]) => {
            let delivery = match config::delivery(env) {
                Ok(delivery) => delivery,
                Err(problem) => return config_error(&problem),
            };
            let Some(body) = read_body(&mut req).await else {
                return bad_request("the body must be a JSON object of at most 16 KB");
            };
            let all = sources(None);
            match recover::recover(env, &delivery, &all, &body).await {
                Ok(answer) => json(200, &answer, &[]),
                Err(refusal) => refused(&refusal),
            }
        }
        ("POST", ["events", key, "resend"]) => {
            let name = match known(query, &["destination"]) {
                Err(response) => return response,
                Ok(pairs) => pairs.into_iter().next().map(|(_, value)| value),
            };
            let Some(name) = name else {
                return bad_request("destination is required");
            };
            let delivery = match config::delivery(env) {
                Ok(delivery) => delivery,
                Err(problem) => return config_error(&problem),
            };
            let all = sources(None);
            let record = match find(env, &all, key).await {
                Ok(record) => record,
                Err(response) => return response,
            };
            let source = record.event.source.as_str();
            if !record.deliveries.iter().any(|d| d.destination == name) {
                return not_found("this event has no delivery to that destination");
            }
            match recover::resend(env, &delivery, source, key, &name).await {
                Ok(()) => show(env, &[source], key).await,
                Err(refusal) => refused(&refusal),
            }
        }
        (_, ["events" | "recover"] | ["events", _] | ["events", _, "resend"]) => json(
            405,
            &error_body("method_not_allowed", "not with this method"),
            &[],
        ),
        _ => not_found("no admin API at this path"),
    }
}

/// The query's pairs if every name is one of `names`, else the 400 to answer.
fn known<'n>(
    query: &str,
    names: &[&'n str],
) -> std::result::Result<Vec<(&'n str, String)>, Result<Response>> {
    query::pairs(query, names).map_err(|message| bad_request(&message))
}

async fn show(env: &Env, sources: &[&str], key: &str) -> Result<Response> {
    match find(env, sources, key).await {
        Ok(record) => match serde_json::to_string(&events::EventView::new(&record)) {
            Ok(body) => json(200, &body, &[]),
            Err(e) => unavailable(&e.to_string()),
        },
        Err(response) => response,
    }
}

/// The event of `key`, or the answer to give: 404 when the key is no event's.
async fn find(
    env: &Env,
    sources: &[&str],
    key: &str,
) -> std::result::Result<crate::ledger::Record, Result<Response>> {
    if !events::is_key(key) {
        return Err(not_found("no such event"));
    }
    match events::find(env, sources, key).await {
        Ok(Some(record)) => Ok(record),
        Ok(None) => Err(not_found("no such event")),
        Err(problem) => Err(unavailable(&problem)),
    }
}

async fn read_body(req: &mut Request) -> Option<String> {
    let bytes = req.bytes().await.ok()?;
    (bytes.len() <= MAX_BODY_BYTES)
        .then(|| String::from_utf8(bytes).ok())
        .flatten()
}

fn answer(result: std::result::Result<String, String>) -> Result<Response> {
    match result {
        Ok(body) => json(200, &body, &[]),
        Err(problem) => unavailable(&problem),
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: &'a str,
}

fn error_body(error: &str, message: &str) -> String {
    serde_json::to_string(&ErrorBody { error, message }).unwrap_or_default()
}

fn refused(refusal: &recover::Refusal) -> Result<Response> {
    if refusal.status >= 500 {
        log_problem(Reason::DeliveryFailed, &refusal.message);
    }
    let retry: &[(&str, &str)] = match refusal.status {
        409 | 503 => &[("retry-after", "5")],
        _ => &[],
    };
    json(
        refusal.status,
        &error_body(refusal.error, &refusal.message),
        retry,
    )
}

fn bad_request(message: &str) -> Result<Response> {
    json(400, &error_body("bad_request", message), &[])
}

fn not_found(message: &str) -> Result<Response> {
    json(404, &error_body("not_found", message), &[])
}

/// The ledger could not answer: 503, the cause in the log only.
fn unavailable(problem: &str) -> Result<Response> {
    log_problem(Reason::DeliveryFailed, problem);
    let body = error_body(
        "ledger_unavailable",
        "the ledger did not answer; retry later",
    );
    json(503, &body, &[("retry-after", "5")])
}

fn config_error(problem: &str) -> Result<Response> {
    log_problem(Reason::ConfigError, problem);
    let denial = Denial::from(Reason::ConfigError);
    json(denial.status(), &denial.to_json(), &[])
}

fn log_problem(reason: Reason, problem: &str) {
    log::Line {
        source: Some("admin"),
        message: Some(problem),
        ..log::Line::new(reason)
    }
    .emit();
}
