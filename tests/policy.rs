//! Every rule of the policy, and the bypass attempts, as tables of requests and verdicts.

mod common;

use base64::Engine;
use common::fixture;
use hookwall::policy::{Head, Method, Policy, UsedCredential, Verdict};
use hookwall::Location;

/// Standard base64 with padding, for building Basic credentials.
fn base64(text: impl AsRef<[u8]>) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

const CONFIG: &str = r#"{
  "sources": [
    {"name": "crowdsec", "path": "/hooks/crowdsec", "provider": "crowdsec",
     "auth": [{"bearer": {"token": "s3cret-token"}},
              {"header": {"name": "X-Api-Key", "value": "key-123"}},
              {"basic": {"username": "cs", "password": "pa:ss:word"}}],
     "max_body_bytes": 4096},
    {"name": "cloud66", "path": "/hooks/cloud66", "provider": "cloud66",
     "auth": [{"query": {"name": "token", "value": "q/tok en"}}]},
    {"name": "sectigo", "path": "/hooks/sectigo", "provider": "sectigo",
     "auth": [{"bearer": {"token_sha256": "8e757c94ebd12a8303913c0904a13704b7a6bc542fa1a96cacbc4f359543cc8e"}}],
     "allow_ips": ["preset:sectigo", "2001:db8::/32"], "unknown_events": "reject"},
    {"name": "any", "path": "/hooks/any", "provider": "auto", "allow_ips": ["192.0.2.0/24"]}
  ],
  "trusted_proxies": ["10.0.0.0/8"]
}"#;

const SECTIGO_IP: &str = "54.236.233.46";
const SECTIGO_TOKEN: &str = "Bearer example-sectigo-password";

fn policy() -> Policy {
    Policy::from_json(CONFIG.as_bytes()).expect("test config is valid")
}

struct Request<'a> {
    method: &'a str,
    path: &'a str,
    headers: Vec<(&'a str, &'a str)>,
    peer: &'a str,
    body: Vec<u8>,
}

fn post(
    path: &'static str,
    headers: &[(&'static str, &'static str)],
    body: Vec<u8>,
) -> Request<'static> {
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    Request {
        method: "POST",
        path,
        headers: all,
        peer: "203.0.113.7:40000",
        body,
    }
}

/// `(status, reason)` of the decision on `request`.
fn decide(policy: &Policy, request: &Request<'_>) -> (u16, String) {
    let head = Head {
        method: Method::from(request.method),
        path: request.path,
        headers: &request.headers,
        peer: request.peer,
    };
    match policy.decide(&head, &request.body, Some(1_767_225_600)) {
        Verdict::Allow { .. } => (200, "allowed".into()),
        Verdict::Deny(d) => (d.status(), d.reason.code().into()),
    }
}

fn crowdsec_alert() -> Vec<u8> {
    fixture("crowdsec/alert_triggered.json")
}

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "a table of cases, one per line of defence"
)]
fn routes_methods_media_types_and_sizes() {
    let p = policy();
    let auth = [("authorization", "Bearer s3cret-token")];
    let mut get = post("/hooks/crowdsec", &auth, crowdsec_alert());
    get.method = "GET";
    let mut lowercase_post = post("/hooks/crowdsec", &auth, crowdsec_alert());
    lowercase_post.method = "post";
    let cases: Vec<(&str, Request, u16, &str)> = vec![
        (
            "exact path",
            post("/hooks/crowdsec", &auth, crowdsec_alert()),
            200,
            "allowed",
        ),
        (
            "unknown path",
            post("/hooks/other", &auth, crowdsec_alert()),
            404,
            "unknown_route",
        ),
        (
            "trailing slash",
            post("/hooks/crowdsec/", &auth, crowdsec_alert()),
            404,
            "unknown_route",
        ),
        (
            "dot segments",
            post("/hooks/x/../crowdsec", &auth, crowdsec_alert()),
            404,
            "unknown_route",
        ),
        (
            "percent-encoded",
            post("/hooks/crowd%73ec", &auth, crowdsec_alert()),
            404,
            "unknown_route",
        ),
        (
            "encoded slash",
            post("/hooks%2Fcrowdsec", &auth, crowdsec_alert()),
            404,
            "unknown_route",
        ),
        (
            "other case",
            post("/Hooks/CrowdSec", &auth, crowdsec_alert()),
            404,
            "unknown_route",
        ),
        (
            "query is not the path",
            post("/hooks/crowdsec?x=1", &auth, crowdsec_alert()),
            200,
            "allowed",
        ),
        ("GET", get, 405, "method_not_allowed"),
        (
            "lowercase method",
            lowercase_post,
            405,
            "method_not_allowed",
        ),
        (
            "text/plain",
            post(
                "/hooks/crowdsec",
                &[
                    ("authorization", "Bearer s3cret-token"),
                    ("Content-Type", "text/plain"),
                ],
                crowdsec_alert(),
            ),
            415,
            "unsupported_media_type",
        ),
        (
            "declared length over the limit",
            post(
                "/hooks/crowdsec",
                &[
                    ("authorization", "Bearer s3cret-token"),
                    ("content-length", "4097"),
                ],
                crowdsec_alert(),
            ),
            413,
            "body_too_large",
        ),
        (
            "invalid length",
            post(
                "/hooks/crowdsec",
                &[
                    ("authorization", "Bearer s3cret-token"),
                    ("content-length", "-1"),
                ],
                crowdsec_alert(),
            ),
            400,
            "invalid_content_length",
        ),
        (
            "body over the limit",
            post("/hooks/crowdsec", &auth, vec![b' '; 4097]),
            413,
            "body_too_large",
        ),
        (
            "malformed JSON",
            post("/hooks/crowdsec", &auth, b"{\"metadata\" 1}".to_vec()),
            400,
            "malformed_json",
        ),
        (
            "schema violation",
            post(
                "/hooks/crowdsec",
                &auth,
                fixture("cases/invalid_missing_nested_field.json"),
            ),
            422,
            "schema_violation",
        ),
        (
            "another provider's payload",
            post(
                "/hooks/crowdsec",
                &auth,
                fixture("cloud66/server.stopped.json"),
            ),
            422,
            "provider_mismatch",
        ),
    ];
    let mut cases = cases;
    cases[0]
        .1
        .headers
        .push(("Content-Type", "application/json; charset=utf-8"));
    cases[0].1.headers.remove(0);
    for (name, request, status, reason) in cases {
        assert_eq!(decide(&p, &request), (status, reason.to_string()), "{name}");
    }
}

#[test]
fn media_types() {
    let p = policy();
    for (content_type, ok) in [
        ("application/json", true),
        ("Application/JSON; charset=UTF-8", true),
        ("application/cloudevents+json", true),
        ("application/x-www-form-urlencoded", false),
        ("text/json", false),
        ("application/jsonx", false),
        ("json", false),
    ] {
        let request = Request {
            method: "POST",
            path: "/hooks/crowdsec",
            headers: vec![
                ("authorization", "Bearer s3cret-token"),
                ("content-type", content_type),
            ],
            peer: "203.0.113.7:1",
            body: crowdsec_alert(),
        };
        assert_eq!(decide(&p, &request).0 == 200, ok, "{content_type}");
    }
    let mut missing = post(
        "/hooks/crowdsec",
        &[("authorization", "Bearer s3cret-token")],
        crowdsec_alert(),
    );
    missing.headers.remove(0);
    assert_eq!(
        decide(&p, &missing).0,
        200,
        "no content type at all is accepted"
    );
}

/// Extra request headers.
type Headers = Vec<(&'static str, &'static str)>;

#[test]
#[expect(
    clippy::too_many_lines,
    reason = "a table of cases, one per bypass attempt"
)]
fn credentials_and_bypass_attempts() {
    let p = policy();
    // base64("cs:pa:ss:word"), base64("cs:wrong"), base64("other:pa:ss:word")
    let cases: Vec<(&str, Headers, u16)> = vec![
        (
            "bearer",
            vec![("authorization", "Bearer s3cret-token")],
            200,
        ),
        (
            "bearer scheme in lower case",
            vec![("Authorization", "bearer s3cret-token")],
            200,
        ),
        (
            "bearer scheme in upper case",
            vec![("AUTHORIZATION", "BEARER s3cret-token")],
            200,
        ),
        (
            "token in another case",
            vec![("authorization", "Bearer S3CRET-TOKEN")],
            401,
        ),
        (
            "token with trailing spaces",
            vec![("authorization", "Bearer s3cret-token  ")],
            401,
        ),
        (
            "token with a leading space",
            vec![("authorization", "Bearer  s3cret-token")],
            401,
        ),
        (
            "token prefix",
            vec![("authorization", "Bearer s3cret")],
            401,
        ),
        ("scheme only", vec![("authorization", "Bearer")], 401),
        ("wrong token", vec![("authorization", "Bearer nope")], 401),
        ("no credentials", vec![], 401),
        (
            "two Authorization headers",
            vec![
                ("authorization", "Bearer s3cret-token"),
                ("Authorization", "Bearer nope"),
            ],
            401,
        ),
        (
            "two Authorization headers, both right",
            vec![
                ("authorization", "Bearer s3cret-token"),
                ("authorization", "Bearer s3cret-token"),
            ],
            401,
        ),
        ("custom header", vec![("x-api-key", "key-123")], 200),
        (
            "custom header name in any case",
            vec![("X-API-KEY", "key-123")],
            200,
        ),
        (
            "custom header repeated",
            vec![("x-api-key", "key-123"), ("x-api-key", "other")],
            401,
        ),
        ("custom header wrong", vec![("x-api-key", "key-1234")], 401),
        (
            "basic with a colon in the password",
            vec![("authorization", "Basic Y3M6cGE6c3M6d29yZA==")],
            200,
        ),
        (
            "basic scheme in lower case",
            vec![("authorization", "basic Y3M6cGE6c3M6d29yZA==")],
            200,
        ),
        (
            "basic wrong password",
            vec![("authorization", "Basic Y3M6d3Jvbmc=")],
            401,
        ),
        (
            "basic wrong user",
            vec![("authorization", "Basic b3RoZXI6cGE6c3M6d29yZA==")],
            401,
        ),
        (
            "basic not base64",
            vec![("authorization", "Basic !!!")],
            401,
        ),
        (
            "basic without padding",
            vec![("authorization", "Basic Y3M6cGE6c3M6d29yZA")],
            401,
        ),
        (
            "bearer token sent as basic",
            vec![("authorization", "Basic s3cret-token")],
            401,
        ),
    ];
    for (name, headers, status) in cases {
        let mut request = post("/hooks/crowdsec", &[], crowdsec_alert());
        request.headers.extend(headers);
        assert_eq!(decide(&p, &request).0, status, "{name}");
    }
}

#[test]
fn query_credentials() {
    let p = policy();
    let body = fixture("cloud66/server.stopped.json");
    for (path, status) in [
        ("/hooks/cloud66?token=q%2Ftok%20en", 200),
        ("/hooks/cloud66?x=1&token=q%2Ftok%20en", 200),
        ("/hooks/cloud66?token=q/tok%20en", 200),
        ("/hooks/cloud66?token=q%2Ftok%20en&token=q%2Ftok%20en", 401),
        ("/hooks/cloud66?token=q%2Ftok%20en&token=x", 401),
        ("/hooks/cloud66?token=wrong", 401),
        ("/hooks/cloud66?Token=q%2Ftok%20en", 401),
        ("/hooks/cloud66", 401),
    ] {
        let mut request = post("/hooks/cloud66", &[], body.clone());
        request.path = path;
        assert_eq!(decide(&p, &request).0, status, "{path}");
    }
}

#[test]
fn basic_challenge_only_where_basic_is_accepted() {
    let p = policy();
    let head = |path| Head {
        method: Method::Post,
        path,
        headers: &[],
        peer: "198.51.100.1:1",
    };
    let denial = p.admit(&head("/hooks/crowdsec")).unwrap_err();
    assert_eq!(denial.status(), 401);
    let challenge = |denial: &hookwall::policy::Denial| {
        denial
            .headers()
            .find(|(name, _)| *name == "www-authenticate")
    };
    assert_eq!(
        challenge(&denial),
        Some(("www-authenticate", "Basic realm=\"hookwall\""))
    );
    let denial = p.admit(&head("/hooks/cloud66")).unwrap_err();
    assert_eq!(challenge(&denial), None);
}

/// Any method but POST, however it is spelled, is refused with 405 and `Allow: POST`; the
/// denial reads as its code and message.
#[test]
fn other_methods_are_told_to_post() {
    let p = policy();
    for method in ["GET", "post", "BREW", ""] {
        let head = Head {
            method: Method::from(method),
            path: "/hooks/crowdsec",
            headers: &[],
            peer: "198.51.100.1:1",
        };
        let denial = p.admit(&head).unwrap_err();
        assert_eq!(
            denial.to_string(),
            "method_not_allowed: webhooks are delivered with POST",
            "{method:?}"
        );
        assert_eq!(
            denial.headers().collect::<Vec<_>>(),
            [("allow", "POST")],
            "{method:?}"
        );
    }
}

/// The `X-Forwarded-For` headers of a request.
type Forwarded = Vec<&'static str>;

#[test]
fn client_addresses_and_forwarded_for() {
    let p = policy();
    let cases: Vec<(&str, &str, Forwarded, u16)> = vec![
        ("allowed peer", "54.236.233.46:443", vec![], 200),
        ("allowed peer without port", SECTIGO_IP, vec![], 200),
        ("IPv4-mapped peer", "::ffff:54.236.233.46", vec![], 200),
        (
            "bracketed IPv4-mapped peer",
            "[::ffff:54.236.233.46]:8443",
            vec![],
            200,
        ),
        ("allowed IPv6 range", "[2001:db8::7]:1", vec![], 200),
        ("other peer", "203.0.113.9:1", vec![], 403),
        (
            "forged X-Forwarded-For from an untrusted peer",
            "203.0.113.9:1",
            vec![SECTIGO_IP],
            403,
        ),
        (
            "trusted proxy forwarding an allowed client",
            "10.1.2.3:1",
            vec![SECTIGO_IP],
            200,
        ),
        (
            "trusted proxy, allowed client mapped",
            "10.1.2.3:1",
            vec!["::ffff:54.236.233.46"],
            200,
        ),
        (
            "rightmost untrusted hop decides",
            "10.1.2.3:1",
            vec!["6.6.6.6, 54.236.233.46"],
            200,
        ),
        (
            "forged leftmost hop is ignored",
            "10.1.2.3:1",
            vec!["54.236.233.46, 6.6.6.6"],
            403,
        ),
        (
            "trusted hops are skipped",
            "10.1.2.3:1",
            vec!["54.236.233.46, 10.9.9.9"],
            200,
        ),
        (
            "several headers read as one list",
            "10.1.2.3:1",
            vec!["6.6.6.6", "54.236.233.46"],
            200,
        ),
        (
            "hop with a port",
            "10.1.2.3:1",
            vec!["54.236.233.46:5555"],
            200,
        ),
        ("garbage hop", "10.1.2.3:1", vec!["not-an-ip"], 403),
        (
            "trusted proxy without X-Forwarded-For",
            "10.1.2.3:1",
            vec![],
            403,
        ),
        ("unreadable peer", "somewhere", vec![], 403),
    ];
    for (name, peer, forwarded, status) in cases {
        let mut request = post(
            "/hooks/sectigo",
            &[("authorization", SECTIGO_TOKEN)],
            fixture("sectigo/user_create.json"),
        );
        request.peer = peer;
        request
            .headers
            .extend(forwarded.iter().map(|v| ("x-forwarded-for", *v)));
        assert_eq!(decide(&p, &request).0, status, "{name}");
    }
}

#[test]
fn address_is_checked_before_credentials_and_credentials_before_the_body() {
    let p = policy();
    let mut request = post(
        "/hooks/sectigo",
        &[("authorization", "Bearer nope")],
        b"not json".to_vec(),
    );
    request.peer = "203.0.113.9:1";
    assert_eq!(decide(&p, &request), (403, "forbidden_address".into()));
    request.peer = "54.236.233.46:1";
    assert_eq!(decide(&p, &request), (401, "unauthorized".into()));
    request.headers.push(("content-type", "text/plain"));
    assert_eq!(
        decide(&p, &request),
        (401, "unauthorized".into()),
        "no media-type hint before auth"
    );
}

#[test]
fn unknown_events_follow_the_source_setting() {
    let p = policy();
    let unknown = fixture("cases/valid_sectigo_unknown_event_type.json");
    let mut request = post(
        "/hooks/sectigo",
        &[("authorization", SECTIGO_TOKEN)],
        unknown,
    );
    request.peer = SECTIGO_IP;
    assert_eq!(decide(&p, &request), (422, "unknown_event_type".into()));
    let head = Head {
        method: Method::from(request.method),
        path: request.path,
        headers: &request.headers,
        peer: request.peer,
    };
    let json = p.decide(&head, &request.body, None).to_json();
    assert!(
        json.contains("the sectigo event type is not documented"),
        "{json}"
    );
    assert!(!json.contains("website_ssl_certificate_expiring"), "{json}");
    let mut any = post(
        "/hooks/any",
        &[],
        fixture("cases/valid_cloud66_unknown_event_type.json"),
    );
    any.peer = "192.0.2.10:1";
    assert_eq!(decide(&p, &any), (200, "allowed".into()));
}

#[test]
fn auto_sources_accept_every_provider() {
    let p = policy();
    for file in [
        "crowdsec/alert_triggered.json",
        "cloud66/server.stopped.json",
        "sectigo/user_create.json",
    ] {
        let mut request = post("/hooks/any", &[], fixture(file));
        request.peer = "192.0.2.10:1";
        assert_eq!(decide(&p, &request), (200, "allowed".into()), "{file}");
    }
}

#[test]
fn admission_reports_the_credential_and_the_client() {
    let p = policy();
    let headers = [
        ("x-forwarded-for", SECTIGO_IP),
        ("authorization", SECTIGO_TOKEN),
    ];
    let head = Head {
        method: Method::Post,
        path: "/hooks/sectigo",
        headers: &headers,
        peer: "10.0.0.1:1",
    };
    let admission = p.admit(&head).unwrap();
    assert_eq!(admission.source().name(), "sectigo");
    assert_eq!(admission.client_ip().to_string(), SECTIGO_IP);
    assert_eq!(
        admission.credential(),
        Some(UsedCredential::Header("authorization"))
    );
    let head = Head {
        method: Method::Post,
        path: "/hooks/cloud66?token=q%2Ftok%20en",
        headers: &[],
        peer: "1.1.1.1:1",
    };
    assert_eq!(
        p.admit(&head).unwrap().credential(),
        Some(UsedCredential::Query("token"))
    );
    let head = Head {
        method: Method::Post,
        path: "/hooks/crowdsec",
        headers: &[("X-Api-Key", "key-123")],
        peer: "1.1.1.1:1",
    };
    assert_eq!(
        p.admit(&head).unwrap().credential(),
        Some(UsedCredential::Header("x-api-key"))
    );
}

#[test]
fn secrets_never_appear_in_verdicts() {
    let p = policy();
    for presented in [
        "Bearer s3cret-tokex",
        "Bearer s3cret-token ",
        "Basic Y3M6d3Jvbmc=",
    ] {
        let request = post(
            "/hooks/crowdsec",
            &[("authorization", presented)],
            crowdsec_alert(),
        );
        let head = Head {
            method: Method::from(request.method),
            path: request.path,
            headers: &request.headers,
            peer: request.peer,
        };
        let json = p.decide(&head, &request.body, None).to_json();
        for secret in ["s3cret", "Y3M6", "wrong", "pa:ss"] {
            assert!(!json.contains(secret), "{json}");
        }
        assert!(json.contains("\"status\":401"), "{json}");
    }
}

#[test]
fn invalid_configs_are_refused_with_the_field() {
    let source = |extra: &str| {
        format!(
            r#"{{"sources": [{{"name": "a", "path": "/a", "provider": "crowdsec", "auth": [{{"bearer": {{"token": "t"}}}}]}}, {{"name": "b", "path": "/b", "provider": "crowdsec"{extra}}}]}}"#
        )
    };
    let cases = [
        (source(r#", "allow_ips": ["10.0.0.0/33"]"#), r#"sources[1].allow_ips[0]: invalid CIDR "10.0.0.0/33""#),
        (source(r#", "allow_ips": ["10.0.0.1/8"]"#), r#"sources[1].allow_ips[0]: invalid CIDR "10.0.0.1/8""#),
        (source(r#", "allow_ips": ["preset:aws"]"#), r#"sources[1].allow_ips[0]: unknown preset "aws" (known: sectigo)"#),
        (source(""), "sources[1]: neither auth nor allow_ips"),
        (source(r#", "auth": []"#), "sources[1]: neither auth nor allow_ips"),
        (source(&format!(r#", "auth": [{{"bearer": {{"token": "t", "token_sha256": "{}"}}}}]"#, "1".repeat(64))), "sources[1].auth[0].bearer: give token or token_sha256, not both"),
        (source(r#", "auth": [{"bearer": {"token_sha256": "xyz"}}]"#), "sources[1].auth[0].bearer.token_sha256: must be 64 hexadecimal digits"),
        (source(r#", "auth": [{"bearer": {"token": ""}}]"#), "sources[1].auth[0].bearer.token: must not be empty"),
        (source(r#", "auth": [{"bearer": {}}]"#), "sources[1].auth[0].bearer: missing field `token` (or `token_sha256`)"),
        (source(r#", "auth": [{"basic": {"password": "p"}}]"#), "sources[1].auth[0].basic: missing field `username`"),
        (source(r#", "auth": [{"bearer": {"token": "t", "token": "u"}}]"#), "sources[1].auth[0].bearer: duplicate field `token`"),
        (source(r#", "auth": [{}]"#), "sources[1].auth[0]: an auth kind is required"),
        (source(r#", "auth": [{"bearer": {"token": "t"}, "basic": {"username": "u", "password": "p"}}]"#), "sources[1].auth[0]: one auth kind per alternative"),
        (source(r#", "auth": [{"bearer": {"value": "v"}}]"#), "sources[1].auth[0].bearer.value: unknown field `value`, expected `token` or `token_sha256`"),
        (source(r#", "auth": [{"basic": {"username": "a:b", "password": "p"}}]"#), "sources[1].auth[0].basic.username: must be non-empty and without ':'"),
        (source(r#", "auth": [{"header": {"name": "bad name", "value": "v"}}]"#), "sources[1].auth[0].header.name: not a valid header name"),
        (source(r#", "auth": [{"token": {"value": "v"}}]"#), "sources[1].auth[0].token: unknown variant, expected one of `bearer`, `header`, `basic`, `query`"),
        (source(r#", "allow_ips": ["1.2.3.4"], "max_body_bytes": 0"#), "sources[1].max_body_bytes: must be between 1 and"),
        (source(r#", "allow_ips": ["1.2.3.4"], "unknown_events": "drop""#), "sources[1].unknown_events: unknown variant, expected `accept` or `reject`"),
        (source(r#", "allow_ips": ["1.2.3.4"], "redact": ["a..b"]"#), "sources[1].redact[0]: invalid redact path"),
        (source(r#", "allow_ips": ["1.2.3.4"], "alow_ips": []"#), "sources[1].alow_ips: unknown field `alow_ips`"),
        (source(r#", "allow_ips": ["1.2.3.4"], "path": "/a""#), "sources[1]: duplicate field `path`"),
        (r#"{"sources": [{"name": "a", "path": "/a", "provider": "acme", "allow_ips": ["1.2.3.4"]}]}"#.into(), r#"sources[0].provider: unknown provider "acme""#),
        (r#"{"sources": [{"name": "a", "path": "a", "provider": "auto", "allow_ips": ["1.2.3.4"]}]}"#.into(), "sources[0].path: must be an absolute path"),
        (r#"{"sources": [{"name": "a", "path": "/a/../b", "provider": "auto", "allow_ips": ["1.2.3.4"]}]}"#.into(), "sources[0].path: must be an absolute path"),
        (r#"{"sources": [{"name": "a", "path": "/_hookwall/events", "provider": "auto", "allow_ips": ["1.2.3.4"]}]}"#.into(), "sources[0].path: is under /_hookwall/, which is reserved"),
        (r#"{"sources": [{"name": "a", "path": "/_hookwall", "provider": "auto", "allow_ips": ["1.2.3.4"]}]}"#.into(), "sources[0].path: is under /_hookwall/, which is reserved"),
        (r#"{"sources": [{"name": "a", "path": "/a", "provider": "auto", "allow_ips": ["1.2.3.4"]}, {"name": "b", "path": "/a", "provider": "auto", "allow_ips": ["1.2.3.4"]}]}"#.into(), r#"sources[1].path: "/a" is also the path of sources[0]"#),
        (r#"{"sources": []}"#.into(), "sources: at least one source is required"),
        (r#"{"sources": [{"name": "a", "path": "/a", "provider": "auto", "allow_ips": ["1.2.3.4"]}], "trusted_proxies": ["10/8"]}"#.into(), r#"trusted_proxies[0]: invalid CIDR "10/8""#),
        ("{".into(), "line 1 column 1: EOF while parsing"),
        ("[]".into(), "invalid type: sequence, expected an object"),
        ("{\"sources\": []} {}".into(), "line 1 column 17: trailing characters"),
        // serde reads a struct from an array too, by position; a config may not.
        (r#"[[{"name": "a", "path": "/a", "provider": "auto", "allow_ips": ["1.2.3.4"]}]]"#.into(), "invalid type: sequence, expected an object"),
        (r#"{"sources": [["a", "/a", "auto"]]}"#.into(), "sources[0]: invalid type: sequence, expected an object"),
        (source(r#", "auth": [{"bearer": ["t"]}]"#), "sources[1].auth[0].bearer: invalid type: sequence, expected an object"),
        (r#"{"sources": [{"name": "a", "path": "/a", "provider": "auto", "allow_ips": ["1.2.3.4"]}], "sorces": []}"#.into(), "sorces: unknown field `sorces`"),
    ];
    for (config, expected) in cases {
        let error = Policy::from_json(config.as_bytes())
            .expect_err(&config)
            .to_string();
        assert!(
            error.starts_with(expected),
            "{config}\n  expected: {expected}\n  actual:   {error}"
        );
    }
}

/// A config error says where as a value, not only as text: a field's path, the line and
/// column where text stops being JSON, or the document as a whole.
#[test]
fn config_errors_locate_by_path_position_or_whole() {
    let location = |config: &str| {
        Policy::from_json(config.as_bytes())
            .expect_err(config)
            .location()
            .clone()
    };
    assert_eq!(
        location(r#"{"sources": [{"name": "_a"}]}"#),
        Location::Path("sources[0].name".into())
    );
    assert_eq!(
        location("{\n  \"sources\": [}"),
        Location::Position {
            line: 2,
            column: 15
        }
    );
    assert_eq!(location("[]"), Location::Whole);
    assert_eq!(
        location(r#"{"sources": []}"#),
        Location::Path("sources".into())
    );
}

#[test]
fn an_open_source_must_say_so() {
    let config = r#"{"sources": [{"name": "a", "path": "/a", "provider": "auto", "insecure_allow_anyone": true}]}"#;
    let p = Policy::from_json(config.as_bytes()).unwrap();
    let request = post("/a", &[], fixture("cloud66/server.backon.json"));
    assert_eq!(decide(&p, &request), (200, "allowed".into()));
}

#[test]
fn the_example_config_is_valid() {
    let config = fixture("../examples/policy.json");
    let p = Policy::from_json(&config).unwrap();
    assert_eq!(p.sources().len(), 3);
}

#[test]
fn a_long_query_secret_is_not_matched_by_its_prefix() {
    let secret = "k".repeat(512);
    let config = format!(
        r#"{{"sources": [{{"name": "a", "path": "/a", "provider": "cloud66", "auth": [{{"query": {{"name": "token", "value": "{secret}"}}}}]}}]}}"#
    );
    let p = Policy::from_json(config.as_bytes()).unwrap();
    let body = fixture("cloud66/server.stopped.json");
    for (suffix, status) in [("", 200), ("x", 401), ("%78", 401)] {
        let path = format!("/a?token={secret}{suffix}");
        let mut request = post("/a", &[], body.clone());
        request.path = &path;
        assert_eq!(decide(&p, &request).0, status, "suffix {suffix:?}");
    }
}

/// A source named `b` with `auth`, after a valid source `a`.
fn config_with_auth(auth: &str) -> String {
    format!(
        r#"{{"sources": [{{"name": "a", "path": "/a", "provider": "crowdsec", "auth": [{{"bearer": {{"token": "t"}}}}]}}, {{"name": "b", "path": "/b", "provider": "crowdsec", "auth": [{auth}]}}]}}"#
    )
}

fn config_error(config: &str) -> String {
    Policy::from_json(config.as_bytes())
        .expect_err(config)
        .to_string()
}

const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[test]
fn the_digest_of_an_empty_secret_is_refused() {
    for (auth, field) in [
        (
            format!(r#"{{"bearer": {{"token_sha256": "{EMPTY_SHA256}"}}}}"#),
            "bearer.token_sha256",
        ),
        (
            format!(
                r#"{{"header": {{"name": "x-key", "value_sha256": "{}"}}}}"#,
                EMPTY_SHA256.to_uppercase()
            ),
            "header.value_sha256",
        ),
        (
            format!(
                r#"{{"basic": {{"username": "sectigo", "password_sha256": "{EMPTY_SHA256}"}}}}"#
            ),
            "basic.password_sha256",
        ),
        (
            format!(r#"{{"query": {{"name": "token", "value_sha256": "{EMPTY_SHA256}"}}}}"#),
            "query.value_sha256",
        ),
    ] {
        let error = config_error(&config_with_auth(&auth));
        assert!(
            error.starts_with(&format!(
                "sources[1].auth[0].{field}: is the SHA-256 of an empty secret"
            )),
            "{error}"
        );
        assert!(!error.to_lowercase().contains("e3b0c442"), "{error}");
    }
}

#[test]
fn empty_credentials_never_match() {
    let config = r#"{"sources": [
        {"name": "b", "path": "/b", "provider": "cloud66",
         "auth": [{"bearer": {"token": "t"}}, {"header": {"name": "x-key", "value": "v"}},
                  {"basic": {"username": "sectigo", "password": "p"}}, {"query": {"name": "token", "value": "q"}}]}]}"#;
    let p = Policy::from_json(config.as_bytes()).unwrap();
    let body = fixture("cloud66/server.stopped.json");
    let cases: [(&str, &str, Headers); 5] = [
        (
            "Bearer with a trailing space",
            "/b",
            vec![("authorization", "Bearer ")],
        ),
        ("empty custom header", "/b", vec![("x-key", "")]),
        (
            "Basic with an empty password",
            "/b",
            vec![("authorization", "Basic c2VjdGlnbzo=")],
        ),
        ("query name without a value", "/b?token", vec![]),
        ("empty query value", "/b?token=", vec![]),
    ];
    for (name, path, headers) in cases {
        let mut request = post("/b", &headers, body.clone());
        request.path = path;
        assert_eq!(decide(&p, &request), (401, "unauthorized".into()), "{name}");
    }
}

#[test]
fn an_allowlist_of_every_address_is_no_allowlist() {
    let source = |allow: &str, extra: &str| {
        format!(
            r#"{{"sources": [{{"name": "a", "path": "/a", "provider": "auto", "allow_ips": [{allow}]{extra}}}]}}"#
        )
    };
    for (allow, family) in [
        (r#""0.0.0.0/0""#, "IPv4"),
        (r#""::/0""#, "IPv6"),
        (r#""0.0.0.0/0", "::/0""#, "IPv4"),
        (r#""192.0.2.0/24", "::/0""#, "IPv6"),
        // Ranges that add up to a whole family admit as many callers as its /0.
        (r#""0.0.0.0/1", "128.0.0.0/1""#, "IPv4"),
        (r#""::/1", "8000::/1""#, "IPv6"),
        (r#""192.0.2.0/24", "8000::/1", "::/1""#, "IPv6"),
        (
            r#""0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2""#,
            "IPv4",
        ),
    ] {
        let error = config_error(&source(allow, ""));
        assert!(
            error.starts_with(&format!(
                "sources[0]: no auth, and allow_ips admits every {family} address"
            )),
            "{allow}: {error}"
        );
        let open = source(allow, r#", "insecure_allow_anyone": true"#);
        assert!(Policy::from_json(open.as_bytes()).is_ok(), "{allow}");
    }
    let with_auth = r#"{"sources": [{"name": "a", "path": "/a", "provider": "auto", "allow_ips": ["0.0.0.0/1", "128.0.0.0/1"], "auth": [{"bearer": {"token": "t"}}]}]}"#;
    assert!(Policy::from_json(with_auth.as_bytes()).is_ok());
    for narrow in [
        r#""0.0.0.0/1""#,
        r#""0.0.0.0/1", "::/1""#,
        r#""0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3""#,
    ] {
        let narrow = source(narrow, "");
        assert!(Policy::from_json(narrow.as_bytes()).is_ok(), "{narrow}");
    }
}

#[test]
fn wide_public_trusted_proxies_need_the_insecure_flag() {
    let config = |proxies: &str, extra: &str| {
        format!(
            r#"{{"sources": [{{"name": "a", "path": "/a", "provider": "auto", "allow_ips": ["192.0.2.0/24"]}}], "trusted_proxies": [{proxies}]{extra}}}"#
        )
    };
    for wide in [
        r#""0.0.0.0/0""#,
        r#""::/0""#,
        r#""10.0.0.0/8", "128.0.0.0/1""#,
        r#""2000::/3""#,
    ] {
        let error = config_error(&config(wide, ""));
        assert!(
            error.contains("lets anyone forge X-Forwarded-For"),
            "{wide}: {error}"
        );
        assert!(
            error.contains("insecure_trust_any_proxy"),
            "{wide}: {error}"
        );
        let trusting = config(wide, r#", "insecure_trust_any_proxy": true"#);
        assert!(Policy::from_json(trusting.as_bytes()).is_ok(), "{wide}");
    }
    let error = config_error(&config(r#""10.0.0.0/8", "0.0.0.0/0""#, ""));
    assert!(error.starts_with("trusted_proxies[1]: "), "{error}");
    for fine in [
        r#""10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16""#,
        r#""127.0.0.0/8", "::1", "fc00::/7", "fe80::/10""#,
        r#""203.0.113.0/24", "2001:db8::/32""#,
    ] {
        assert!(
            Policy::from_json(config(fine, "").as_bytes()).is_ok(),
            "{fine}"
        );
    }
}

/// A path, its extra headers and the status expected.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16);

#[test]
fn one_length_limit_for_every_secret() {
    let max = "k".repeat(512);
    let over = "k".repeat(513);
    for (auth, field) in [
        (
            format!(r#"{{"bearer": {{"token": "{over}"}}}}"#),
            "bearer.token",
        ),
        (
            format!(r#"{{"header": {{"name": "x-key", "value": "{over}"}}}}"#),
            "header.value",
        ),
        (
            format!(r#"{{"basic": {{"username": "u", "password": "{over}"}}}}"#),
            "basic.password",
        ),
        (
            format!(r#"{{"basic": {{"username": "{over}", "password": "p"}}}}"#),
            "basic.username",
        ),
        (
            format!(r#"{{"query": {{"name": "token", "value": "{over}"}}}}"#),
            "query.value",
        ),
    ] {
        let error = config_error(&config_with_auth(&auth));
        assert!(
            error.starts_with(&format!(
                "sources[1].auth[0].{field}: must be at most 512 bytes"
            )),
            "{field}: {error}"
        );
    }
    // Every kind matches a secret of exactly the limit.
    let config = format!(
        r#"{{"sources": [{{"name": "b", "path": "/b", "provider": "cloud66", "auth": [
            {{"bearer": {{"token": "{max}"}}}}, {{"header": {{"name": "x-key", "value": "{max}"}}}},
            {{"basic": {{"username": "u", "password": "{max}"}}}}, {{"query": {{"name": "token", "value": "{max}"}}}}]}}]}}"#
    );
    let p = Policy::from_json(config.as_bytes()).unwrap();
    let body = fixture("cloud66/server.stopped.json");
    let bearer = format!("Bearer {max}");
    let basic = format!("Basic {}", base64(format!("u:{max}")));
    let query = format!("/b?token={max}");
    let long_bearer = format!("Bearer {over}");
    let long_basic = format!("Basic {}", base64(format!("u:{over}")));
    let long_query = format!("/b?token={over}");
    let cases: [Case; 8] = [
        ("/b", vec![("authorization", bearer.as_str())], 200),
        ("/b", vec![("x-key", max.as_str())], 200),
        ("/b", vec![("authorization", basic.as_str())], 200),
        (query.as_str(), vec![], 200),
        ("/b", vec![("authorization", long_bearer.as_str())], 401),
        ("/b", vec![("x-key", over.as_str())], 401),
        ("/b", vec![("authorization", long_basic.as_str())], 401),
        (long_query.as_str(), vec![], 401),
    ];
    for (path, headers, status) in cases {
        let mut request = post("/b", &[], body.clone());
        request.path = path;
        request.headers.extend(headers);
        assert_eq!(
            decide(&p, &request).0,
            status,
            "{path} {:?}",
            request.headers
        );
    }
}

#[test]
fn config_errors_never_echo_a_value() {
    let secret = "73915582011";
    for auth in [
        format!(r#"{{"basic": {{"username": "u", "password": {secret}}}}}"#),
        format!(r#"{{"bearer": {{"token": {secret}.5}}}}"#),
        format!(r#"{{"query": {{"name": "token", "value": [{secret}]}}}}"#),
    ] {
        let error = config_error(&config_with_auth(&auth));
        assert!(error.starts_with("sources[1].auth[0]."), "{error}");
        assert!(error.contains("invalid type:"), "{error}");
        assert!(!error.contains(secret), "{error}");
    }
    let error = config_error(&config_with_auth(r#"{"bearer": {"token": true}}"#));
    assert!(
        error.ends_with("invalid type: boolean, expected a string"),
        "{error}"
    );
    // serde's own messages quote strings, numbers and variants; they are cut to the kind.
    for (field, value, expected) in [
        (
            "unknown_events",
            format!(r#""{secret}""#),
            "unknown variant, expected `accept` or `reject`",
        ),
        (
            "insecure_allow_anyone",
            format!(r#""{secret}""#),
            "invalid type: string, expected a boolean",
        ),
        (
            "max_body_bytes",
            format!("-{secret}"),
            "invalid value: integer, expected usize",
        ),
        (
            "max_body_bytes",
            format!("{secret}.5"),
            "invalid type: floating point, expected usize",
        ),
        (
            "redact",
            format!(r#"["a", {secret}]"#),
            "invalid type: integer, expected a string",
        ),
    ] {
        let config = format!(
            r#"{{"sources": [{{"name": "a", "path": "/a", "provider": "auto", "allow_ips": ["192.0.2.1"], "{field}": {value}}}]}}"#
        );
        let error = config_error(&config);
        assert!(error.ends_with(expected), "{field}: {error}");
        assert!(!error.contains(secret), "{error}");
    }
}

#[test]
fn a_source_name_is_at_most_64_bytes() {
    let config = |name: &str| {
        format!(
            r#"{{"sources": [{{"name": "{name}", "path": "/a", "provider": "auto", "allow_ips": ["192.0.2.1"]}}]}}"#
        )
    };
    let longest = "n".repeat(64);
    let p = Policy::from_json(config(&longest).as_bytes()).unwrap();
    assert_eq!(p.sources()[0].name(), longest);
    assert_eq!(
        config_error(&config(&"n".repeat(65))),
        "sources[0].name: must be at most 64 bytes"
    );
    assert!(config_error(&config("a b")).starts_with("sources[0].name: must be non-empty letters"));
    // The filter counts requests at no source's path as `_none`: no source may take it.
    assert_eq!(
        config_error(&config("_none")),
        "sources[0].name: must not start with '_', which hookwall reserves"
    );
}

#[test]
fn docs_list_every_answer_with_its_status() {
    let docs = std::fs::read_to_string("docs/policy.md").unwrap();
    let answers = hookwall::Reason::ALL
        .iter()
        .map(|r| (r.status(), r.code()))
        .chain(hookwall::Ack::ALL.iter().map(|a| (a.status(), a.code())));
    for (status, code) in answers {
        let row = format!("| {status} | ");
        let code = format!("`{code}`");
        assert!(
            docs.lines()
                .any(|l| l.starts_with(&row) && l.split(" | ").nth(1).unwrap().contains(&code)),
            "docs/policy.md has no row `{row}… {code} …`"
        );
    }
}
