//! What a runtime knows of a request before its body: method, path, headers, peer.

use alloc::string::String;
use core::fmt;

/// A request's head as the runtime received it.
#[derive(Debug, Clone, Copy)]
pub struct Head<'r> {
    /// The request's method, as the runtime read it; only POST is admitted.
    pub method: Method,
    /// The path with its query string, as received (`:path`).
    pub path: &'r str,
    /// Every header, names in any case, repeated names kept.
    pub headers: &'r [(&'r str, &'r str)],
    /// The direct peer as the runtime reports it (`1.2.3.4:5678`, `[::1]:80`, …).
    pub peer: &'r str,
}

/// A request's method, as far as the policy tells methods apart: providers POST their
/// webhooks, and any other method, known or not, is answered 405 with `Allow: POST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `POST`, exactly: the one method a source admits.
    Post,
    /// Any other, refused with 405.
    Other,
}

impl Method {
    /// The methods a source answers, as an `Allow` header lists them.
    pub const ALLOWED: &'static str = "POST";
}

/// A runtime's method string. Methods are case-sensitive (RFC 9110, section 9.1): `post` is
/// not POST.
impl From<&str> for Method {
    fn from(method: &str) -> Self {
        match method {
            "POST" => Self::Post,
            _ => Self::Other,
        }
    }
}

/// A header or parameter given more than once where one is expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repeated;

impl fmt::Display for Repeated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("given more than once where one is expected")
    }
}

impl core::error::Error for Repeated {}

impl<'r> Head<'r> {
    /// The path without its query string.
    pub fn route(&self) -> &'r str {
        self.path
            .split_once('?')
            .map_or(self.path, |(path, _)| path)
    }

    fn query(&self) -> &'r str {
        self.path.split_once('?').map_or("", |(_, query)| query)
    }

    /// Every value of header `name` (case-insensitive), in order.
    pub fn header_values<'s>(
        &'s self,
        name: &'s str,
    ) -> impl DoubleEndedIterator<Item = &'r str> + 's {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }

    /// The value of header `name`, which must not be repeated.
    ///
    /// # Errors
    ///
    /// [`Repeated`] when the request has the header more than once.
    pub fn single_header(&self, name: &str) -> Result<Option<&'r str>, Repeated> {
        let mut values = self.header_values(name);
        match (values.next(), values.next()) {
            (first, None) => Ok(first),
            _ => Err(Repeated),
        }
    }

    /// The percent-decoded value of query parameter `name`, which must not be repeated.
    ///
    /// # Errors
    ///
    /// [`Repeated`] when the query string has the parameter more than once.
    pub fn single_query<'b>(&self, name: &str, buf: &'b mut [u8]) -> Result<Query<'b>, Repeated> {
        let mut values = self.query().split('&').filter_map(|pair| {
            let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
            (n == name).then_some(v)
        });
        match (values.next(), values.next()) {
            (None, _) => Ok(Query::Absent),
            (Some(value), None) => {
                Ok(percent_decode(value, buf).map_or(Query::TooLong, Query::Value))
            }
            _ => Err(Repeated),
        }
    }
}

/// A query parameter as [`Head::single_query`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Query<'b> {
    /// Not in the query string.
    Absent,
    /// Percent-decoded.
    Value(&'b [u8]),
    /// Given, but longer than the caller's buffer, so it cannot be the secret: cutting it would
    /// let a valid secret followed by anything match.
    TooLong,
}

/// `%XX` decoded, `+` kept as is (RFC 3986 query, not form encoding); invalid escapes are
/// kept literally. `None` when the value does not fit `buf`.
fn percent_decode<'b>(input: &str, buf: &'b mut [u8]) -> Option<&'b [u8]> {
    let mut len = 0;
    for byte in percent_encoding::percent_decode_str(input) {
        *buf.get_mut(len)? = byte;
        len += 1;
    }
    buf.get(..len)
}

/// `path_and_query` without parameter `name`: how a runtime keeps a query credential from
/// the receiver.
pub fn without_query_param(path_and_query: &str, name: &str) -> String {
    let Some((path, query)) = path_and_query.split_once('?') else {
        return String::from(path_and_query);
    };
    let mut out = String::from(path);
    let mut separator = '?';
    for pair in query.split('&') {
        if pair.split_once('=').map_or(pair, |(n, _)| n) != name {
            out.push(separator);
            out.push_str(pair);
            separator = '&';
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_query_values() {
        let mut buf = [0u8; 64];
        assert_eq!(
            percent_decode("a%2Fb%zz+%4", &mut buf),
            Some(&b"a/b%zz+%4"[..])
        );
        let mut small = [0u8; 3];
        assert_eq!(percent_decode("abc", &mut small), Some(&b"abc"[..]));
        assert_eq!(percent_decode("abcd", &mut small), None);
    }

    #[test]
    fn only_post_is_post() {
        assert_eq!(Method::from("POST"), Method::Post);
        for other in ["post", "Post", "GET", "POST ", "", "BREW", "P\u{0}ST"] {
            assert_eq!(Method::from(other), Method::Other, "{other:?}");
        }
    }

    #[test]
    fn strips_a_query_parameter() {
        assert_eq!(without_query_param("/h?token=s&x=1", "token"), "/h?x=1");
        assert_eq!(without_query_param("/h?x=1&token=s", "token"), "/h?x=1");
        assert_eq!(without_query_param("/h?token=s", "token"), "/h");
        assert_eq!(without_query_param("/h", "token"), "/h");
    }
}
