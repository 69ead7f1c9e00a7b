//! Direct calls to the runtime's KV and Queue bindings. workers-rs's wrappers convert every
//! options object with serde-wasm-bindgen, which links that serializer and float formatting
//! into the Worker and crosses into JS once per field; a binding here is a method call with
//! arguments built in place.

use worker::js_sys::{Array, Function, Object, Promise, Reflect};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;
use worker::Env;

/// The binding `name`, if the Worker has one.
pub fn binding(env: &Env, name: &str) -> Option<JsValue> {
    Reflect::get(env, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined())
}

/// Calls `target.method(...args)` and awaits its promise, if it returns one.
pub async fn call(target: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, JsValue> {
    let function: Function = Reflect::get(target, &JsValue::from_str(method))?.dyn_into()?;
    let result = function.apply(target, &args.iter().collect::<Array>())?;
    match result.dyn_into::<Promise>() {
        Ok(promise) => JsFuture::from(promise).await,
        Err(value) => Ok(value),
    }
}

/// A plain object with these properties.
pub fn object(properties: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (name, value) in properties {
        // Setting a property on a fresh plain object cannot throw.
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object
}

/// The string property `name` of `value`.
pub fn string(value: &JsValue, name: &str) -> Option<String> {
    Reflect::get(value, &JsValue::from_str(name))
        .ok()
        .and_then(|v| v.as_string())
}

/// What a thrown value says: an `Error`'s message, a string as is.
pub fn describe(thrown: &JsValue) -> String {
    string(thrown, "message")
        .or_else(|| thrown.as_string())
        .unwrap_or_else(|| "an unknown error".into())
}
