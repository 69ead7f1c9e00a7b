//! The `Ledger` Durable Object class: one per route source, its state in SQLite. It answers the
//! Worker's calls ([`Call`]) one at a time, each as one synchronous run over its tables, and
//! its alarm deletes the events past their retention.

use std::cell::Cell;

use serde::Serialize;
use worker::js_sys::Date;
// The `durable_object` macro's expansion names `wasm_bindgen` as a crate.
use worker::wasm_bindgen;
use worker::wasm_bindgen::JsValue;
use worker::{durable_object, DurableObject, Env, Request, Response, Result, ScheduledTime, State};

use super::protocol::Call;
use super::schema;
use super::store::Store;
use crate::config;

/// One day in ms.
const DAY_MS: i64 = 86_400_000;

#[durable_object(alarm)]
pub struct Ledger {
    state: State,
    env: Env,
    /// Whether the tables could be created; a failure is answered to every call, never a panic
    /// (a panic here would fail every request of the isolate).
    ready: std::result::Result<(), String>,
    /// When the alarm is set for (`Some(None)`: none is), once this instance has read it.
    alarm_at: Cell<Option<Option<i64>>>,
}

impl DurableObject for Ledger {
    fn new(state: State, env: Env) -> Self {
        let ready =
            schema::create(&state.storage().sql()).map_err(|e| format!("the ledger's tables: {e}"));
        Self {
            state,
            env,
            ready,
            alarm_at: Cell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        if let Err(problem) = &self.ready {
            return Response::error(problem.as_str(), 500);
        }
        let Ok(text) = req.text().await else {
            return Response::error("unreadable call", 400);
        };
        let call: Call = match serde_json::from_str(&text) {
            Ok(call) => call,
            Err(e) => return Response::error(format!("not a ledger call: {e}"), 400),
        };
        let sql = self.state.storage().sql();
        let store = Store::new(&sql, crate::now_ms() as i64);
        let answer = match call {
            Call::Claim(claim) => {
                let claimed = store.claim(&claim)?;
                if claimed.new {
                    let expires = claim.event.received_ms.saturating_add(self.retention_ms()?);
                    self.alarm_by(expires).await?;
                }
                json(&claimed)
            }
            Call::Settle(settle) => json(&store.settle(&settle)?),
            Call::Take(take) => json(&store.take(&take)?),
            Call::Dead(d) => json(&store.dead(&d.key, &d.destination)?),
            Call::List(filter) => json(&store.list(&filter)?),
            Call::Get { key } => json(&store.get(&key)?),
            Call::Candidates(c) => json(&store.candidates(&c)?),
            Call::Recover(r) => json(&store.recover(&r)?),
        };
        answer.and_then(Response::ok)
    }

    /// Deletes the events older than the retention, then sleeps until the oldest left expires.
    async fn alarm(&self) -> Result<Response> {
        let retention = self.retention_ms()?;
        let sql = self.state.storage().sql();
        let now = crate::now_ms() as i64;
        let oldest = Store::new(&sql, now).sweep(now.saturating_sub(retention))?;
        match oldest {
            Some(oldest) => self.set_alarm(oldest.saturating_add(retention)).await?,
            None => self.alarm_at.set(Some(None)),
        }
        Response::ok("")
    }
}

impl Ledger {
    fn retention_ms(&self) -> Result<i64> {
        let days = config::retention_days(&self.env).map_err(worker::Error::RustError)?;
        Ok(i64::from(days) * DAY_MS)
    }

    /// Makes sure the alarm fires by `expires` (ms), when a new event expires: the alarm then
    /// keeps itself going while events are left. Events arrive in time order, so after the
    /// first one this reads nothing and writes nothing.
    async fn alarm_by(&self, expires: i64) -> Result<()> {
        let at = match self.alarm_at.get() {
            Some(at) => at,
            None => self.state.storage().get_alarm().await?,
        };
        match at {
            Some(at) if at <= expires => self.alarm_at.set(Some(Some(at))),
            _ => self.set_alarm(expires).await?,
        }
        Ok(())
    }

    async fn set_alarm(&self, at_ms: i64) -> Result<()> {
        let date = Date::new(&JsValue::from_f64(at_ms as f64));
        self.state
            .storage()
            .set_alarm(ScheduledTime::new(date))
            .await?;
        self.alarm_at.set(Some(Some(at_ms)));
        Ok(())
    }
}

fn json(value: &impl Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| worker::Error::RustError(e.to_string()))
}
