//! Requests as the providers send them to hookwall's example policy (`examples/policy.json`):
//! the right path, credentials and source address. Shared by the tests, the benchmark and the
//! replay tool.

use crate::Request;

/// A request carrying `body` from `provider` (`crowdsec`, `cloud66` or `sectigo`).
pub fn provider_request(provider: &str, body: &[u8]) -> Request {
    match provider {
        "crowdsec" => Request::post("/hooks/crowdsec", body)
            .header("authorization", "Bearer example-crowdsec-token"),
        "cloud66" => Request::post("/hooks/cloud66?token=example-cloud66-token", body),
        _ => Request::post("/hooks/sectigo", body)
            // sectigo:example-sectigo-password
            .header(
                "authorization",
                "Basic c2VjdGlnbzpleGFtcGxlLXNlY3RpZ28tcGFzc3dvcmQ=",
            )
            .peer("54.236.233.46:443"),
    }
}
