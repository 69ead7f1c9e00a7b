//! A request head built from fuzz input, shaped so that the fuzzer reaches past each check of
//! examples/policy.json: its routes, credentials and addresses are among the choices, next to
//! arbitrary text.

use arbitrary::Arbitrary;
use hookwall::policy::{self, Head, Policy};

/// The policy every request target runs against.
pub fn policy() -> Policy {
    Policy::from_json(include_bytes!("../../examples/policy.json")).expect("examples/policy.json")
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq, Hash)]
pub struct Request<'a> {
    method: Method<'a>,
    route: Route<'a>,
    query: Option<Query<'a>>,
    peer: Address<'a>,
    forwarded_for: Option<Vec<Address<'a>>>,
    authorization: Option<Authorization<'a>>,
    content_type: Option<&'a str>,
    content_length: Option<Length<'a>>,
    headers: Vec<(&'a str, &'a str)>,
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq, Hash)]
enum Method<'a> {
    Post,
    Get,
    Other(&'a str),
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq, Hash)]
enum Route<'a> {
    CrowdSec,
    Cloud66,
    Sectigo,
    Other(&'a str),
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq, Hash)]
enum Query<'a> {
    /// Cloud66's credential.
    Token,
    Raw(&'a str),
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq, Hash)]
enum Address<'a> {
    V4([u8; 4], u16),
    /// Inside the policy's trusted proxies, 10.0.0.0/8.
    Proxy([u8; 3], u16),
    V6([u16; 8], u16),
    Raw(&'a str),
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq, Hash)]
enum Authorization<'a> {
    Basic(&'a str, &'a str),
    CrowdSecBasic,
    SectigoBasic,
    Bearer(&'a str),
    CrowdSecBearer,
    Raw(&'a str),
}

#[derive(Arbitrary, Debug, Clone, PartialEq, Eq, Hash)]
enum Length<'a> {
    Number(u64),
    Raw(&'a str),
}

impl Address<'_> {
    fn render(&self, port: bool) -> String {
        let (ip, p) = match self {
            Address::V4([a, b, c, d], p) => (format!("{a}.{b}.{c}.{d}"), p),
            Address::Proxy([b, c, d], p) => (format!("10.{b}.{c}.{d}"), p),
            Address::V6(parts, p) => {
                let ip = parts.map(|x| format!("{x:x}")).join(":");
                return if port { format!("[{ip}]:{p}") } else { ip };
            }
            Address::Raw(text) => return (*text).to_owned(),
        };
        if port {
            format!("{ip}:{p}")
        } else {
            ip
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A request's head as owned strings, for [`Head`] to borrow.
pub struct Rendered {
    method: String,
    path: String,
    peer: String,
    headers: Vec<(String, String)>,
}

impl Rendered {
    /// The headers as [`Head`] takes them.
    pub fn pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    pub fn head<'r>(&'r self, pairs: &'r [(&'r str, &'r str)]) -> Head<'r> {
        Head {
            method: policy::Method::from(self.method.as_str()),
            path: &self.path,
            headers: pairs,
            peer: &self.peer,
        }
    }
}

impl Request<'_> {
    pub fn render(&self) -> Rendered {
        let method = match self.method {
            Method::Post => "POST",
            Method::Get => "GET",
            Method::Other(m) => m,
        };
        let mut path = match self.route {
            Route::CrowdSec => "/hooks/crowdsec",
            Route::Cloud66 => "/hooks/cloud66",
            Route::Sectigo => "/hooks/sectigo",
            Route::Other(p) => p,
        }
        .to_owned();
        match self.query {
            Some(Query::Token) => path.push_str("?token=example-cloud66-token"),
            Some(Query::Raw(q)) => {
                path.push('?');
                path.push_str(q);
            }
            None => {}
        }
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(hops) = &self.forwarded_for {
            let hops: Vec<String> = hops.iter().map(|a| a.render(false)).collect();
            headers.push(("X-Forwarded-For".into(), hops.join(", ")));
        }
        if let Some(auth) = &self.authorization {
            let value = match auth {
                Authorization::Basic(user, password) => {
                    format!("Basic {}", base64(format!("{user}:{password}").as_bytes()))
                }
                Authorization::CrowdSecBasic => {
                    format!("Basic {}", base64(b"crowdsec:example-crowdsec-password"))
                }
                Authorization::SectigoBasic => {
                    format!("Basic {}", base64(b"sectigo:example-sectigo-password"))
                }
                Authorization::Bearer(token) => format!("Bearer {token}"),
                Authorization::CrowdSecBearer => "Bearer example-crowdsec-token".into(),
                Authorization::Raw(raw) => (*raw).to_owned(),
            };
            headers.push(("authorization".into(), value));
        }
        if let Some(content_type) = self.content_type {
            headers.push(("Content-Type".into(), content_type.into()));
        }
        match &self.content_length {
            Some(Length::Number(n)) => headers.push(("content-length".into(), n.to_string())),
            Some(Length::Raw(raw)) => headers.push(("content-length".into(), (*raw).into())),
            None => {}
        }
        headers.extend(
            self.headers
                .iter()
                .map(|&(n, v)| (n.to_owned(), v.to_owned())),
        );
        Rendered {
            method: method.to_owned(),
            path,
            peer: self.peer.render(true),
            headers,
        }
    }
}
