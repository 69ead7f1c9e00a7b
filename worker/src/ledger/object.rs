//! The `Ledger` Durable Object class: one per route source, its state in SQLite. It answers the
//! Worker's calls ([`Call`]) one at a time, each as one synchronous run over its tables, and
//! its alarm deletes the events past their retention.
#![expect(
    missing_docs,
    reason = "the durable_object macro's bindings for the runtime, which have none"
)]

use std::cell::Cell;

use serde::Serialize;
use worker::js_sys::{Date, Error};
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

/// The Durable Object: its storage, and what this instance has learnt of its alarm.
#[durable_object(alarm)]
pub struct Ledger {
    state: State,
    env: Env,
    /// Whether the tables could be created; a failure is answered to every call, never a panic
    /// (a panic here would fail every request of the isolate).
    ready: std::result::Result<(), String>,
    /// When the alarm is set for, once this instance has read it.
    alarm: Cell<Alarm>,
}

/// The alarm as this instance knows it.
#[derive(Clone, Copy)]
enum Alarm {
    /// Not read from storage yet.
    Unread,
    /// None is set.
    Unset,
    /// Set for this time, in ms.
    At(i64),
}

/// The time in ms, as the ledger's signed columns hold it.
fn now_ms() -> i64 {
    i64::try_from(crate::now_ms()).unwrap_or(i64::MAX)
}

impl DurableObject for Ledger {
    fn new(state: State, env: Env) -> Self {
        let ready =
            schema::create(&state.storage().sql()).map_err(|e| format!("the ledger's tables: {e}"));
        Self {
            state,
            env,
            ready,
            alarm: Cell::new(Alarm::Unread),
        }
    }

    /// The ledger answers its RPC method only ([`Ledger::rpc`]); the trait wants a `fetch`.
    async fn fetch(&self, _req: Request) -> Result<Response> {
        Response::error("the ledger answers RPC calls (`call`) only", 404)
    }

    /// Deletes the events older than the retention, then sleeps until the oldest left expires.
    async fn alarm(&self) -> Result<Response> {
        let retention = self.retention_ms()?;
        let sql = self.state.storage().sql();
        let now = now_ms();
        let oldest = Store::new(&sql, now).sweep(now.saturating_sub(retention))?;
        match oldest {
            Some(oldest) => self.set_alarm(oldest.saturating_add(retention)).await?,
            None => self.alarm.set(Alarm::Unset),
        }
        Response::ok("")
    }
}

#[worker::wasm_bindgen::prelude::wasm_bindgen(
    wasm_bindgen = ::worker::wasm_bindgen,
    wasm_bindgen_futures = ::worker::wasm_bindgen_futures,
    js_sys = ::worker::js_sys
)]
impl Ledger {
    /// The ledger's RPC method, `call`: a JSON [`Call`] in, its JSON answer out, or a rejection
    /// that says what went wrong. workerd takes RPC calls only on a class that extends
    /// `DurableObject`: `worker/entry.js` puts this one on that chain.
    ///
    /// # Errors
    ///
    /// A JS `Error` when the ledger's tables could not be created, the call is not a [`Call`],
    /// or storage fails.
    #[wasm_bindgen(js_name = call)]
    pub async fn rpc(&self, call: String) -> std::result::Result<JsValue, JsValue> {
        match self.answer(&call).await {
            Ok(answer) => Ok(JsValue::from(answer)),
            Err(e) => Err(Error::new(&e.to_string()).into()),
        }
    }
}

impl Ledger {
    /// Runs one call over this source's tables.
    async fn answer(&self, call: &str) -> Result<String> {
        if let Err(problem) = &self.ready {
            return Err(worker::Error::RustError(problem.clone()));
        }
        let call: Call = serde_json::from_str(call)
            .map_err(|e| worker::Error::RustError(format!("not a ledger call: {e}")))?;
        let sql = self.state.storage().sql();
        let store = Store::new(&sql, now_ms());
        match call {
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
        }
    }

    fn retention_ms(&self) -> Result<i64> {
        let days = config::retention_days(&self.env).map_err(worker::Error::RustError)?;
        Ok(i64::from(days) * DAY_MS)
    }

    /// Makes sure the alarm fires by `expires` (ms), when a new event expires: the alarm then
    /// keeps itself going while events are left. Events arrive in time order, so after the
    /// first one this reads nothing and writes nothing.
    async fn alarm_by(&self, expires: i64) -> Result<()> {
        let at = match self.alarm.get() {
            Alarm::Unread => self.state.storage().get_alarm().await?,
            Alarm::Unset => None,
            Alarm::At(at) => Some(at),
        };
        match at {
            Some(at) if at <= expires => self.alarm.set(Alarm::At(at)),
            _ => self.set_alarm(expires).await?,
        }
        Ok(())
    }

    async fn set_alarm(&self, at_ms: i64) -> Result<()> {
        #[expect(
            clippy::cast_precision_loss,
            reason = "times in ms stay below 2^53, which a JS date holds exactly"
        )]
        let date = Date::new(&JsValue::from_f64(at_ms as f64));
        self.state
            .storage()
            .set_alarm(ScheduledTime::new(date))
            .await?;
        self.alarm.set(Alarm::At(at_ms));
        Ok(())
    }
}

fn json(value: &impl Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| worker::Error::RustError(e.to_string()))
}
