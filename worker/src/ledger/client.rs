//! The Worker's side of the ledger: a source's object, reached through the `LEDGER` binding
//! and called over Durable Objects' RPC, and one typed method per call.

use serde::de::DeserializeOwned;
use worker::js_sys::Promise;
use worker::wasm_bindgen::prelude::wasm_bindgen;
use worker::wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::JsFuture;
use worker::Env;

use super::protocol::{
    Call, Candidates, Claim, Claimed, Delivery, Filter, Lease, Leased, Page, Position, Record,
    Recover, Settle, Take, Taken,
};

/// The binding's name in wrangler.toml.
pub const BINDING: &str = "LEDGER";

/// How long a claim holds its deliveries beyond the time its holder may take: after that an
/// attempt that died half way can be made again.
const LEASE_MARGIN_MS: u64 = 5_000;

#[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen, js_sys = ::worker::js_sys)]
extern "C" {
    /// A ledger object's stub, through its one RPC method (`Ledger::rpc`): a JSON call in, its
    /// JSON answer out. RPC passes the strings as they are, where `fetch` would build a
    /// `Request` and a `Response` with a body stream each, both ways, twice per event.
    #[wasm_bindgen(extends = ::worker::js_sys::Object)]
    type LedgerStub;

    #[wasm_bindgen(method, catch)]
    fn call(this: &LedgerStub, call: &str) -> std::result::Result<Promise, JsValue>;
}

/// One source's ledger object.
pub struct Client {
    stub: LedgerStub,
}

impl Client {
    /// The object of the route source `source` (one per source: a claim needs all copies of
    /// an event in one place, and the source is known before the body is read).
    pub fn new(env: &Env, source: &str) -> Result<Self, String> {
        let namespace = env
            .durable_object(BINDING)
            .map_err(|_| format!("no Durable Object namespace is bound as {BINDING}"))?;
        let stub = namespace
            .get_by_name(source)
            .map_err(|e| format!("ledger: {e}"))?;
        Ok(Self {
            stub: stub.into_rpc(),
        })
    }

    async fn call<T: DeserializeOwned>(&self, call: &Call) -> Result<T, String> {
        let call = serde_json::to_string(call).map_err(|e| format!("ledger: {e}"))?;
        let answer = match self.stub.call(&call) {
            Ok(promise) => JsFuture::from(promise).await,
            Err(thrown) => Err(thrown),
        }
        .map_err(|e| format!("ledger unavailable: {}", worker::Error::from(e)))?;
        let text = answer
            .as_string()
            .ok_or_else(|| String::from("ledger: its answer is not text"))?;
        serde_json::from_str(&text).map_err(|e| format!("ledger: {e}"))
    }

    pub async fn claim(&self, claim: Claim) -> Result<Claimed, String> {
        self.call(&Call::Claim(claim)).await
    }

    pub async fn settle(&self, settle: Settle) -> Result<(), String> {
        self.call(&Call::Settle(settle)).await
    }

    pub async fn take(&self, take: Take) -> Result<Taken, String> {
        self.call(&Call::Take(take)).await
    }

    pub async fn dead(&self, key: &str, destination: &str) -> Result<(), String> {
        let delivery = Delivery {
            key: key.into(),
            destination: destination.into(),
        };
        self.call(&Call::Dead(delivery)).await
    }

    pub async fn list(&self, filter: Filter) -> Result<Page, String> {
        self.call(&Call::List(filter)).await
    }

    pub async fn get(&self, key: &str) -> Result<Option<Record>, String> {
        self.call(&Call::Get { key: key.into() }).await
    }

    pub async fn candidates(&self, candidates: Candidates) -> Result<Vec<Position>, String> {
        self.call(&Call::Candidates(candidates)).await
    }

    pub async fn recover(&self, recover: Recover) -> Result<Vec<Leased>, String> {
        self.call(&Call::Recover(recover)).await
    }
}

impl Lease {
    /// A fresh lease for a holder that may take up to `holds_ms`.
    pub fn new(holds_ms: u64) -> Self {
        let mut bytes = [0u8; 16];
        // Without randomness, the clock still tells holders apart well enough: a token only
        // keeps a late settlement from releasing a newer lease.
        if getrandom::fill(&mut bytes).is_err() {
            bytes[..8].copy_from_slice(&crate::now_ms().to_le_bytes());
        }
        Self {
            token: crate::signature::hex(&bytes),
            ms: holds_ms.saturating_add(LEASE_MARGIN_MS),
        }
    }
}
