//! The core's refusal of a payload, and what every refusal shares with it, a payload's or a
//! configuration's: what went wrong and where.

use alloc::string::String;
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

/// Where in its input a refusal points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The input as a whole: empty, too large, in no provider's shape, not an object.
    Whole,
    /// Where text stops being JSON, as `serde_json` counts: both 1-based, the column in bytes.
    Position {
        /// The line, from 1.
        line: usize,
        /// The byte in that line, from 1.
        column: usize,
    },
    /// The path of the field at fault: `details.source.value`, `sources[0].auth[1].bearer`.
    /// A [`Fault`] takes an empty path for [`Location::Whole`].
    Path(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Whole => Ok(()),
            Self::Position { line, column } => write!(f, "line {line} column {column}"),
            Self::Path(path) => f.write_str(path),
        }
    }
}

/// Where and what: the part of a refusal a person reads, the same for a payload ([`Error`])
/// and a configuration (`policy::ConfigError`), so both read alike: `where: what`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    location: Location,
    message: String,
}

impl Fault {
    /// An empty path is the input as a whole, so a fault has one way to say so.
    pub fn new(location: Location, message: impl Into<String>) -> Self {
        let location = match location {
            Location::Path(path) if path.is_empty() => Location::Whole,
            location => location,
        };
        Self {
            location,
            message: message.into(),
        }
    }

    /// Where the input is at fault.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// What is wrong there, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Location::Whole => f.write_str(&self.message),
            _ => write!(f, "{}: {}", self.location, self.message),
        }
    }
}

/// A rejected payload: its kind, where in the input and what is wrong there. Never contains a
/// value from the payload beyond what a parser error quotes, so it is safe to log and to return
/// to the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    fault: Fault,
}

impl Error {
    /// An error of `kind` at `location`.
    pub fn new(kind: ErrorKind, location: Location, message: impl Into<String>) -> Self {
        Self {
            kind,
            fault: Fault::new(location, message),
        }
    }

    /// A schema violation at a JSON path (empty: the payload as a whole).
    pub fn schema(path: &str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Schema, Location::Path(path.into()), message)
    }

    /// A required field that is absent.
    pub fn missing(path: &str) -> Self {
        Self::schema(path, "missing field")
    }

    /// Why the payload was rejected, for a caller that branches on it.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Where in the input: a field's path, a line and column, or the input as a whole.
    pub fn location(&self) -> &Location {
        self.fault.location()
    }

    /// What is wrong there, without the location.
    pub fn message(&self) -> &str {
        self.fault.message()
    }

    /// The location and the message together, as [`crate::policy::ConfigError`] has them too.
    pub fn fault(&self) -> &Fault {
        &self.fault
    }

    /// The refusal a runtime answers this error with.
    pub fn reason(&self) -> Reason {
        self.kind.reason()
    }

    /// The HTTP status of that refusal.
    pub fn status(&self) -> u16 {
        self.reason().status()
    }

    /// The stable machine-readable code of that refusal.
    pub fn code(&self) -> &'static str {
        self.reason().code()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fault.fmt(f)
    }
}

impl core::error::Error for Error {}

/// Where a byte offset sits in the input, in `serde_json`'s terms.
pub(crate) fn position(input: &[u8], offset: usize) -> Location {
    let before = &input[..offset.min(input.len())];
    Location::Position {
        line: before.split(|&b| b == b'\n').count(),
        column: before.iter().rev().take_while(|&&b| b != b'\n').count() + 1,
    }
}

/// Where `serde_json` stopped reading.
pub(crate) fn stopped(e: &serde_json::Error) -> Location {
    Location::Position {
        line: e.line(),
        column: e.column(),
    }
}
