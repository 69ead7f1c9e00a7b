//! A client of the Worker's admin API (`/_hookwall/…`, docs/worker.md): the bearer token, the
//! calls, and what each answer means for the exit status.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Read;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use ureq::http::Response;
use ureq::{Agent, Body};

use crate::output::printable;
use crate::Failure;

/// The environment variable that holds the admin token, so that it never sits in a flag's value
/// (and with it in the shell's history and the process list).
pub const TOKEN_VAR: &str = "HOOKWALL_ADMIN_TOKEN";

/// A token file is a line; anything longer is not one.
const MAX_TOKEN_BYTES: u64 = 4096;

/// A page of 500 events with their deliveries is well under this.
const MAX_ANSWER_BYTES: u64 = 16 << 20;

/// A recover in direct mode sends within one request of the Worker, which ends after 30 s.
const TIMEOUT: Duration = Duration::from_mins(1);

/// The Worker's admin API at `base` (scheme and host, no trailing slash), with its token.
pub struct Admin {
    base: String,
    authorization: String,
    agent: Agent,
}

/// What the API answered a call that reached it.
pub enum Answer {
    /// 2xx: its JSON body.
    Done(Value),
    /// Any other status but 401: the one-line reason to print, exit 1.
    Refused(String),
}

impl Admin {
    pub fn new(worker: &str, token_file: Option<&Path>) -> Result<Self, Failure> {
        let token = token(token_file)?;
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            // The admin API never redirects; following one could carry the token elsewhere.
            .max_redirects(0)
            .timeout_global(Some(TIMEOUT))
            .build()
            .into();
        Ok(Self {
            base: worker.trim_end_matches('/').to_string(),
            authorization: format!("Bearer {token}"),
            agent,
        })
    }

    /// `GET path?query…`.
    pub fn get(&self, path: &str, query: &[(&str, &str)]) -> Result<Answer, Failure> {
        let mut request = self
            .agent
            .get(format!("{}{path}", self.base))
            .header("authorization", &self.authorization)
            .header("accept", "application/json");
        for (name, value) in query {
            request = request.query(name, value);
        }
        answer(request.call())
    }

    /// `POST path?query…`, with a JSON body or none.
    pub fn post(
        &self,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Result<Answer, Failure> {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("authorization", &self.authorization)
            .header("accept", "application/json");
        for (name, value) in query {
            request = request.query(name, value);
        }
        answer(match body {
            Some(body) => request
                .header("content-type", "application/json")
                .send(body.to_string()),
            None => request.send_empty(),
        })
    }
}

/// The token from `--token-file`, else from [`TOKEN_VAR`]. It must be a header value; it is never
/// repeated in a message.
fn token(file: Option<&Path>) -> Result<String, Failure> {
    let token = match file {
        Some(path) => read_token(path)?,
        None => std::env::var(TOKEN_VAR).map_err(|_| {
            Failure(format!(
                "no admin token: set {TOKEN_VAR} or pass --token-file FILE"
            ))
        })?,
    };
    let token = token.trim();
    if token.is_empty() {
        return Err(Failure("the admin token is empty".to_string()));
    }
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Failure(
            "the admin token must be printable ASCII without spaces".to_string(),
        ));
    }
    Ok(token.to_string())
}

fn read_token(path: &Path) -> Result<String, Failure> {
    let name = path.display();
    let mut text = String::new();
    File::open(path)
        .and_then(|file| file.take(MAX_TOKEN_BYTES + 1).read_to_string(&mut text))
        .map_err(|e| Failure(format!("{name}: {e}")))?;
    if text.len() as u64 > MAX_TOKEN_BYTES {
        return Err(Failure(format!(
            "{name}: larger than {MAX_TOKEN_BYTES} bytes, not a token"
        )));
    }
    Ok(text)
}

/// 2xx is done, 401 a usage error (the wrong token), any other status a refusal naming the API's
/// `error` and `message`; no answer at all, or one that is not JSON, is an I/O failure.
fn answer(result: Result<Response<Body>, ureq::Error>) -> Result<Answer, Failure> {
    let mut response = result.map_err(|e| Failure(format!("the Worker did not answer: {e}")))?;
    let status = response.status();
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
        .map_err(|e| Failure(format!("reading the Worker's answer: {e}")))?;
    if status.as_u16() == 401 {
        return Err(Failure(format!(
            "the Worker refused the admin token (401): {TOKEN_VAR} or --token-file must hold the token whose SHA-256 is the Worker's HOOKWALL_ADMIN_TOKEN_SHA256"
        )));
    }
    let json: Option<Value> = serde_json::from_str(&text).ok();
    if !status.is_success() {
        return Ok(Answer::Refused(refusal(status.as_u16(), json.as_ref())));
    }
    json.map(Answer::Done).ok_or_else(|| {
        Failure(format!(
            "the Worker answered {} with a body that is not JSON",
            status.as_u16()
        ))
    })
}

/// `404 not_found: no such event`, from the API's `{"error", "message"}` when it sent one.
fn refusal(status: u16, body: Option<&Value>) -> String {
    let member = |name| body.and_then(|b| b.get(name)).and_then(Value::as_str);
    let mut line = format!("the Worker answered {status}");
    if let Some(error) = member("error") {
        let _ = write!(line, ": {}", printable(error));
    }
    if let Some(message) = member("message") {
        let _ = write!(line, " ({})", printable(message));
    }
    if status == 404 && member("error").is_none() {
        line.push_str(" (is HOOKWALL_ADMIN_TOKEN_SHA256 set on the Worker?)");
    }
    line
}
