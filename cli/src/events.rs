//! `hookwall events`: the Worker's ledger through its admin API (docs/worker.md): list the
//! events and their deliveries, show one, recover a destination's failed deliveries, resend one.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use hookwall::Severity;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::admin::{Admin, Answer};
use crate::output::{self, printable, Stdout};
use crate::Failure;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// The events, newest first, with each destination's delivery state: one page, or all.
    List(ListArgs),
    /// One event and its deliveries: attempts, last error, delivered time.
    Show(ShowArgs),
    /// Resend every failed or dead delivery of a destination received in a window.
    Recover(RecoverArgs),
    /// Resend one delivery on purpose, even a delivered one.
    Resend(ResendArgs),
}

/// Which Worker, with which token, and how to print.
#[derive(clap::Args)]
#[expect(
    clippy::doc_markdown,
    reason = "clap prints these comments as --help, where Markdown would show as is"
)]
struct Target {
    /// The Worker's URL: https://HOST, or http:// on a loopback address.
    #[arg(long, value_name = "URL", value_parser = parse_worker)]
    worker: String,
    /// A file holding the admin token; without it, HOOKWALL_ADMIN_TOKEN holds it.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Print JSON instead of a table: an array of the API's event objects (recover: its answer).
    #[arg(long)]
    json: bool,
}

impl Target {
    fn admin(&self) -> Result<Admin, Failure> {
        Admin::new(&self.worker, self.token_file.as_deref())
    }
}

#[derive(clap::Args)]
struct ListArgs {
    #[command(flatten)]
    target: Target,
    /// Only events of this source (its name in the policy).
    #[arg(long)]
    source: Option<String>,
    /// Only events with a delivery in this state (with --destination, that destination's).
    #[arg(long, value_enum)]
    status: Option<Status>,
    /// Only events sent to this destination.
    #[arg(long)]
    destination: Option<String>,
    /// Only events of this severity (info, low, medium, high, critical).
    #[arg(long, value_parser = str::parse::<Severity>)]
    severity: Option<Severity>,
    /// Received at or after: RFC 3339, or an age such as 30m, 24h or 7d.
    #[arg(long, value_parser = parse_time)]
    since: Option<String>,
    /// Received before: RFC 3339, or an age such as 30m, 24h or 7d.
    #[arg(long, value_parser = parse_time)]
    until: Option<String>,
    /// Events per page (the API's default is 50).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=500))]
    limit: Option<u16>,
    /// The page that starts at this cursor (printed on stderr after a page with more after it).
    #[arg(long, conflicts_with = "all")]
    cursor: Option<String>,
    /// Every page, following the cursor to the end.
    #[arg(long)]
    all: bool,
}

#[derive(clap::Args)]
struct ShowArgs {
    #[command(flatten)]
    target: Target,
    /// The event's key, as `list` prints it.
    #[arg(value_parser = parse_key)]
    key: String,
}

#[derive(clap::Args)]
struct RecoverArgs {
    #[command(flatten)]
    target: Target,
    /// The destination whose failed and dead deliveries are resent.
    #[arg(long)]
    destination: String,
    /// Received at or after: RFC 3339, or an age such as 30m, 24h or 7d.
    #[arg(long, value_parser = parse_time)]
    since: String,
    /// Received before: RFC 3339, or an age.
    #[arg(long, value_parser = parse_time)]
    until: Option<String>,
    /// Only events of this source.
    #[arg(long)]
    source: Option<String>,
}

#[derive(clap::Args)]
struct ResendArgs {
    #[command(flatten)]
    target: Target,
    /// The event's key, as `list` prints it.
    #[arg(value_parser = parse_key)]
    key: String,
    /// The destination to send it to again.
    #[arg(long)]
    destination: String,
}

/// A delivery's state in the ledger.
#[derive(Clone, Copy, clap::ValueEnum)]
enum Status {
    Pending,
    Delivered,
    Failed,
    Dead,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Dead => "dead",
        }
    }
}

/// An event object as the tables read it; `--json` prints the API's objects as they came.
#[derive(Deserialize)]
#[expect(clippy::struct_field_names, reason = "the admin API's member names")]
struct Event {
    key: String,
    source: Option<String>,
    event_source: Option<String>,
    id: Option<String>,
    provider: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    category: Option<String>,
    severity: Option<String>,
    received_at: Option<String>,
    deliveries: Vec<Delivery>,
}

#[derive(Deserialize)]
struct Delivery {
    destination: String,
    status: String,
    attempts: Option<u64>,
    last_error: Option<String>,
    delivered_at: Option<String>,
}

#[derive(Deserialize)]
struct Page {
    events: Vec<Value>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct Recovered {
    requeued: u64,
    next: Option<String>,
}

/// Exit 0 when the API did it, 1 when it refused (an unknown event, a failed resend), 2 for a
/// usage or I/O error (no token, a wrong one, no answer).
pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let result = match args.action {
        Action::List(args) => list(&args),
        Action::Show(args) => show(&args),
        Action::Recover(args) => recover(&args),
        Action::Resend(args) => resend(&args),
    }?;
    Ok(result.unwrap_or_else(|refusal| {
        output::complain(refusal);
        ExitCode::FAILURE
    }))
}

/// What a subcommand ends with: done, or the API's refusal to print (exit 1).
type Outcome = Result<ExitCode, String>;

fn list(args: &ListArgs) -> Result<Outcome, Failure> {
    let admin = args.target.admin()?;
    let limit = args.limit.map(|n| n.to_string());
    let mut cursor = args.cursor.clone();
    let mut events = Vec::new();
    loop {
        let filters = [
            ("source", args.source.as_deref()),
            ("status", args.status.map(Status::as_str)),
            ("destination", args.destination.as_deref()),
            ("severity", args.severity.map(Severity::as_str)),
            ("since", args.since.as_deref()),
            ("until", args.until.as_deref()),
            ("limit", limit.as_deref()),
            ("cursor", cursor.as_deref()),
        ];
        let query: Vec<(&str, &str)> = filters
            .iter()
            .filter_map(|(name, value)| value.map(|v| (*name, v)))
            .collect();
        let page: Page = match admin.get("/_hookwall/events", &query)? {
            Answer::Done(body) => parse(body, "a page of events")?,
            Answer::Refused(reason) => return Ok(Err(reason)),
        };
        events.extend(page.events);
        match page.next {
            Some(next) if args.all => cursor = Some(next),
            Some(next) => {
                print_events(&events, &args.target)?;
                output::complain(format!("more events: --cursor {}", printable(&next)));
                return Ok(Ok(ExitCode::SUCCESS));
            }
            None => break,
        }
    }
    print_events(&events, &args.target)?;
    Ok(Ok(ExitCode::SUCCESS))
}

fn show(args: &ShowArgs) -> Result<Outcome, Failure> {
    let admin = args.target.admin()?;
    match admin.get(&event_path(&args.key), &[])? {
        Answer::Done(event) => print_event(event, &args.target).map(Ok),
        Answer::Refused(reason) => Ok(Err(reason)),
    }
}

/// Sends the recover request until the API has no cursor left, and prints the total.
fn recover(args: &RecoverArgs) -> Result<Outcome, Failure> {
    let admin = args.target.admin()?;
    let mut body = json!({ "destination": args.destination, "since": args.since });
    for (name, value) in [("until", &args.until), ("source", &args.source)] {
        if let Some(value) = value {
            body[name] = json!(value);
        }
    }
    let mut requeued = 0;
    loop {
        let answer: Recovered = match admin.post("/_hookwall/recover", &[], Some(&body))? {
            Answer::Done(answer) => parse(answer, "the recover answer")?,
            Answer::Refused(reason) => return Ok(Err(reason)),
        };
        requeued += answer.requeued;
        match answer.next {
            // The API stopped within its request's limits: the same request, from its cursor.
            Some(next) if body.get("cursor").and_then(Value::as_str) != Some(next.as_str()) => {
                body["cursor"] = json!(next);
            }
            Some(_) => {
                return Err(Failure(
                    "the Worker sent the same recover cursor twice".into(),
                ))
            }
            None => break,
        }
    }
    let mut out = Stdout::default();
    if args.target.json {
        out.line(json!({ "requeued": requeued, "next": null }))?;
    } else {
        out.line(format!(
            "requeued {requeued} failed or dead deliveries to {}",
            printable(&args.destination)
        ))?;
    }
    Ok(Ok(ExitCode::SUCCESS))
}

/// Resends one delivery and prints the event as the API answers it: as it stands after.
fn resend(args: &ResendArgs) -> Result<Outcome, Failure> {
    let admin = args.target.admin()?;
    let path = format!("{}/resend", event_path(&args.key));
    let query = [("destination", args.destination.as_str())];
    match admin.post(&path, &query, None)? {
        Answer::Done(event) => print_event(event, &args.target).map(Ok),
        Answer::Refused(reason) => Ok(Err(reason)),
    }
}

/// `/_hookwall/events/<key>`, the key percent-encoded: it is URL-safe as the API makes it, but
/// a mistyped one must not change the path.
fn event_path(key: &str) -> String {
    let mut path = String::from("/_hookwall/events/");
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            path.push(char::from(byte));
        } else {
            let _ = write!(path, "%{byte:02X}");
        }
    }
    path
}

fn parse<T: for<'de> Deserialize<'de>>(value: Value, what: &str) -> Result<T, Failure> {
    serde_json::from_value(value)
        .map_err(|e| Failure(format!("the Worker's answer is not {what}: {e}")))
}

fn print_events(events: &[Value], target: &Target) -> Result<ExitCode, Failure> {
    let mut out = Stdout::default();
    if target.json {
        out.line(Value::Array(events.to_vec()))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![[
        "RECEIVED",
        "SOURCE",
        "PROVIDER",
        "TYPE",
        "SEVERITY",
        "CATEGORY",
        "DELIVERIES",
        "KEY",
    ]
    .map(String::from)
    .to_vec()];
    for value in events {
        let event: Event = parse(value.clone(), "an event")?;
        let deliveries: Vec<String> = event
            .deliveries
            .iter()
            .map(|d| format!("{}={}", d.destination, d.status))
            .collect();
        rows.push(vec![
            cell(event.received_at.as_deref()),
            cell(event.source.as_deref()),
            cell(event.provider.as_deref()),
            cell(event.kind.as_deref()),
            cell(event.severity.as_deref()),
            cell(event.category.as_deref()),
            deliveries.join(","),
            event.key,
        ]);
    }
    out.text(&table(&rows))?;
    Ok(ExitCode::SUCCESS)
}

/// One event: `[event]` with `--json`, else its members, then a table of its deliveries.
fn print_event(value: Value, target: &Target) -> Result<ExitCode, Failure> {
    if target.json {
        return print_events(&[value], target);
    }
    let event: Event = parse(value, "an event")?;
    let members = [
        ("key", Some(event.key)),
        ("source", event.source),
        ("event source", event.event_source),
        ("id", event.id),
        ("provider", event.provider),
        ("type", event.kind),
        ("category", event.category),
        ("severity", event.severity),
        ("received at", event.received_at),
    ];
    let mut rows: Vec<Vec<String>> = members
        .into_iter()
        .map(|(name, value)| vec![name.to_string(), cell(value.as_deref())])
        .collect();
    let mut text = table(&rows);
    rows = vec![[
        "DESTINATION",
        "STATUS",
        "ATTEMPTS",
        "DELIVERED",
        "LAST ERROR",
    ]
    .map(String::from)
    .to_vec()];
    for d in event.deliveries {
        rows.push(vec![
            d.destination,
            d.status,
            d.attempts.map_or("-".to_string(), |n| n.to_string()),
            cell(d.delivered_at.as_deref()),
            cell(d.last_error.as_deref()),
        ]);
    }
    text.push('\n');
    text.push_str(&table(&rows));
    Stdout::default().text(&text)?;
    Ok(ExitCode::SUCCESS)
}

fn cell(value: Option<&str>) -> String {
    value.unwrap_or("-").to_string()
}

/// Columns padded to their widest cell, two spaces apart; every cell made printable, since its
/// text may come from a payload.
fn table(rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| printable(c).into_owned()).collect())
        .collect();
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == columns {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<width$}  ", width = widths[i]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// A key names one path segment: `.` and `..` would name another path.
fn parse_key(text: &str) -> Result<String, String> {
    match text {
        "" | "." | ".." => {
            Err("expected an event key, as `hookwall events list` prints it".to_string())
        }
        key => Ok(key.to_string()),
    }
}

/// `https://host[:port]`, or `http://` to a loopback host (the token must not cross a network in
/// clear); no path, query or user.
fn parse_worker(text: &str) -> Result<String, String> {
    let (secure, rest) = match text.split_once("://") {
        Some(("https", rest)) => (true, rest),
        Some(("http", rest)) => (false, rest),
        _ => return Err("expected https://HOST".to_string()),
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if authority.is_empty() || authority.contains(['/', '?', '#', '@', ' ']) {
        return Err("expected the Worker's scheme and host only, such as https://HOST".to_string());
    }
    if !secure && !is_loopback(authority) {
        return Err(
            "plain http:// only to a loopback address: the token would cross the network in clear"
                .to_string(),
        );
    }
    Ok(format!(
        "{}://{authority}",
        if secure { "https" } else { "http" }
    ))
}

fn is_loopback(authority: &str) -> bool {
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// An RFC 3339 time as given, or an age (`90s`, `30m`, `24h`, `7d`) as the UTC time that long ago.
fn parse_time(text: &str) -> Result<String, String> {
    if hookwall::time::is_rfc3339(text) {
        return Ok(text.to_string());
    }
    let unit = match text.chars().last() {
        Some('s') => 1,
        Some('m') => 60,
        Some('h') => 3600,
        Some('d') => 86_400,
        _ => return Err("expected an RFC 3339 time or an age such as 30m, 24h or 7d".to_string()),
    };
    let count: i64 = text[..text.len() - 1]
        .parse()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or("expected an RFC 3339 time or an age such as 30m, 24h or 7d")?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    Ok(hookwall::time::format_unix(
        now.saturating_sub(count.saturating_mul(unit)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_urls() {
        assert_eq!(
            parse_worker("https://h.example/").unwrap(),
            "https://h.example"
        );
        assert_eq!(
            parse_worker("http://127.0.0.1:8787").unwrap(),
            "http://127.0.0.1:8787"
        );
        assert_eq!(parse_worker("http://[::1]:80/").unwrap(), "http://[::1]:80");
        assert_eq!(
            parse_worker("http://localhost").unwrap(),
            "http://localhost"
        );
        for bad in [
            "http://h.example",
            "http://127.0.0.1.example",
            "ftp://h",
            "https://",
            "https://h/x",
            "https://u@h",
            "https://h?x",
            "h.example",
        ] {
            assert!(parse_worker(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times() {
        assert_eq!(
            parse_time("2026-01-02T03:04:05Z").unwrap(),
            "2026-01-02T03:04:05Z"
        );
        let day_ago = parse_time("1d").unwrap();
        assert!(hookwall::time::is_rfc3339(&day_ago), "{day_ago}");
        assert!(day_ago < parse_time("0s").unwrap());
        for bad in ["yesterday", "-1d", "1w", "", "d", "2026-01-02"] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_cannot_leave_their_path() {
        assert_eq!(event_path("a-b_c.d~e"), "/_hookwall/events/a-b_c.d~e");
        assert_eq!(event_path("../x?y"), "/_hookwall/events/..%2Fx%3Fy");
    }

    #[test]
    fn tables_align_and_neutralize() {
        let rows = [
            vec!["A".to_string(), "B".into()],
            vec!["long".into(), "\u{1b}[2Jx".into()],
        ];
        assert_eq!(table(&rows), "A     B\nlong  \\u{1b}[2Jx\n");
    }
}
