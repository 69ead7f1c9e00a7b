//! The operator console (`worker/console/`): one page, its style sheet, script and icon,
//! compiled into the Worker and served at `/_hookwall/` without a token, since the page asks
//! for one and sends it with each admin API call. Headers keep every payload value it shows
//! inert: no script but its own file, no HTML sink at all (Trusted Types), no framing, no form
//! that navigates, no referrer, no sniffing.

use worker::{Headers, Response, Result};

/// One file of the console.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: [Asset; 4] = [
    Asset {
        path: "/_hookwall/",
        content_type: "text/html; charset=utf-8",
        body: include_bytes!("../console/index.html"),
    },
    Asset {
        path: "/_hookwall/console.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../console/console.css"),
    },
    Asset {
        path: "/_hookwall/console.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../console/console.js"),
    },
    Asset {
        path: "/_hookwall/console.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../console/console.svg"),
    },
];

/// `form-action 'none'`: the forms are handled by the script, so a page whose script did not
/// run cannot submit the token into a URL.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

const HEADERS: [(&str, &str); 7] = [
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    // Small, and replaced by each deploy: fetched again rather than kept stale.
    ("cache-control", "no-cache"),
];

/// The console's answer to `GET`/`HEAD` of one of its files, or of `/_hookwall` (redirected to
/// the page); `None` for any other request, which is the admin API's.
pub fn asset(method: &str, path_and_query: &str) -> Option<Result<Response>> {
    if !matches!(method, "GET" | "HEAD") {
        return None;
    }
    let path = path_and_query.split('?').next().unwrap_or_default();
    if path == "/_hookwall" {
        return Some(redirect());
    }
    let asset = ASSETS.iter().find(|a| a.path == path)?;
    Some(serve(asset))
}

/// The runtime leaves the body out of an answer to `HEAD`.
fn serve(asset: &Asset) -> Result<Response> {
    let headers = Headers::new();
    headers.set("content-type", asset.content_type)?;
    for (name, value) in HEADERS {
        headers.set(name, value)?;
    }
    Ok(Response::from_bytes(asset.body.to_vec())?.with_headers(headers))
}

fn redirect() -> Result<Response> {
    let headers = Headers::new();
    headers.set("location", "/_hookwall/")?;
    Ok(Response::empty()?.with_status(308).with_headers(headers))
}
