//! The one error type of the core: every rejection says what went wrong and where.

use alloc::string::{String, ToString};
use core::fmt;

use crate::reason::Reason;

/// Why a payload was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Nothing to parse.
    Empty,
    /// The body is larger than the core accepts.
    TooLarge,
    /// Not JSON: syntax error, truncated input, invalid UTF-8, trailing bytes.
    Malformed,
    /// JSON nested deeper than the parser allows.
    TooDeep,
    /// Valid JSON that the provider's schema rejects.
    Schema,
    /// Valid JSON in no provider's shape.
    Unrecognized,
    /// One provider's payload where another was expected.
    ProviderMismatch,
}

impl ErrorKind {
    /// The refusal a runtime answers it with, so both runtimes answer the same thing for the
    /// same input.
    pub const fn reason(self) -> Reason {
        match self {
            Self::Empty => Reason::EmptyBody,
            Self::TooLarge => Reason::BodyTooLarge,
            Self::Malformed => Reason::MalformedJson,
            Self::TooDeep => Reason::NestingTooDeep,
            Self::Schema => Reason::SchemaViolation,
            Self::Unrecognized => Reason::UnrecognizedPayload,
            Self::ProviderMismatch => Reason::ProviderMismatch,
        }
    }
}

/// A rejected payload: its kind, where in the input (a JSON path such as `details.source.value`,
/// or `line 1 column 37`), and what is wrong there. Never contains a value from the payload
/// beyond what a parser error quotes, so it is safe to log and to return to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    location: String,
    message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, location: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            kind,
            location: location.into(),
            message: message.into(),
        }
    }

    /// A schema violation at a JSON path.
    pub fn schema(path: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Schema, path, message)
    }

    /// A required field that is absent.
    pub fn missing(path: &str) -> Self {
        Self::schema(path, "missing field")
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    pub fn location(&self) -> &str {
        &self.location
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn reason(&self) -> Reason {
        self.kind.reason()
    }

    pub fn status(&self) -> u16 {
        self.reason().status()
    }

    pub fn code(&self) -> &'static str {
        self.reason().code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.location, self.message)
        }
    }
}

impl core::error::Error for Error {}

/// Where a byte offset sits in the input, in serde_json's terms (both 1-based).
pub(crate) fn line_column(input: &[u8], offset: usize) -> String {
    let before = &input[..offset.min(input.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
    let mut out = String::from("line ");
    out.push_str(&line.to_string());
    out.push_str(" column ");
    out.push_str(&column.to_string());
    out
}
