//! Why a request got the answer it got, spelled once for every runtime: the CLI, the Envoy
//! filter (its replies and metrics) and the Worker (its replies and log lines) all render these,
//! so the same cause is the same status and code wherever it happens.

use serde::Serialize;

/// Declares an enum whose every variant is one row: its HTTP status (200 unless given), its code
/// and what it means.
macro_rules! table {
    (@status) => { 200 };
    (@status $status:literal) => { $status };
    ($(#[$meta:meta])* $name:ident {
        $($(#[$vmeta:meta])* $variant:ident $(($status:literal))? = ($code:literal, $meaning:literal),)*
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(into = "&str")]
        pub enum $name {
            $(
                #[doc = concat!("`", $code, "`: ", $meaning, ".")]
                $(#[$vmeta])*
                $variant,
            )*
        }

        impl $name {
            /// Every row, in the table's order: for the docs' reference table and exhaustive tests.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// The HTTP status hookwall answers with.
            pub const fn status(self) -> u16 {
                match self {
                    $(Self::$variant => table!(@status $($status)?),)*
                }
            }

            /// The stable `snake_case` code of JSON bodies, logs and metric names.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Self::$variant => $code,)*
                }
            }

            /// What it means, in one line: the message when nothing more precise is known, and
            /// the docs' reference table.
            pub const fn meaning(self) -> &'static str {
                match self {
                    $(Self::$variant => $meaning,)*
                }
            }
        }

        impl From<$name> for &'static str {
            fn from(value: $name) -> Self {
                value.code()
            }
        }
    };
}

table! {
    /// A refused request: the request or its event goes no further.
    #[non_exhaustive]
    Reason {
        // The payload.
        EmptyBody(400) = ("empty_body", "the request has no body"),
        BodyTooLarge(413) = ("body_too_large", "the body is larger than the source allows"),
        MalformedJson(400) = ("malformed_json", "the body is not valid JSON: syntax error, truncated input, invalid UTF-8 or trailing bytes"),
        NestingTooDeep(400) = ("nesting_too_deep", "the JSON nests deeper than 16 levels"),
        SchemaViolation(422) = ("schema_violation", "valid JSON that the provider's schema rejects"),
        UnrecognizedPayload(422) = ("unrecognized_payload", "valid JSON in no provider's shape"),
        ProviderMismatch(422) = ("provider_mismatch", "another provider's payload on this source's route"),
        UnknownEventType(422) = ("unknown_event_type", "an event type the provider has not documented, on a source that rejects them"),
        // The request around it.
        UnknownRoute(404) = ("unknown_route", "no webhook source at this path"),
        MethodNotAllowed(405) = ("method_not_allowed", "webhooks are delivered with POST"),
        ForbiddenAddress(403) = ("forbidden_address", "the client address is not allowed for this source"),
        Unauthorized(401) = ("unauthorized", "credentials missing or invalid"),
        UnsupportedMediaType(415) = ("unsupported_media_type", "the body must be JSON (application/json)"),
        InvalidContentLength(400) = ("invalid_content_length", "Content-Length is invalid or repeated"),
        TrailersNotAccepted(400) = ("trailers_not_accepted", "request trailers are not accepted: a webhook ends with its body"),
        UnreadableBody(400) = ("unreadable_body", "the request body could not be read"),
        // The event is safe elsewhere or not yet: the provider should retry.
        DuplicateInFlight(503) = ("duplicate_in_flight", "another copy of this event is being delivered; retry later"),
        DeliveryFailed(503) = ("delivery_failed", "the event could not be delivered yet; retry later"),
        // The deployment.
        FilterMisconfigured(500) = ("filter_misconfigured", "the filter's allow_on_headers_stop_iteration does not match Envoy's: the request was not checked"),
        ConfigError(500) = ("config_error", "the configuration is invalid"),
    }
}

table! {
    /// An event acknowledged to its provider: passed on, or safe without being passed on now.
    Ack {
        /// The filter let the request through: the receiver answers it, not hookwall.
        Allowed = ("allowed", "checked and passed on to the receiver"),
        Delivered = ("delivered", "delivered to every destination that takes it"),
        Enqueued = ("enqueued", "durably queued for delivery"),
        Duplicate = ("duplicate", "a copy of an event already delivered: answered, not passed on again"),
        Unrouted = ("unrouted", "no destination takes this event, as configured"),
    }
}

impl Reason {
    /// How long a provider is asked to wait before retrying (`Retry-After`, seconds): a copy in
    /// flight settles within the receiver's answer, a failed delivery takes longer.
    pub const fn retry_after(self) -> Option<&'static str> {
        match self {
            Self::DuplicateInFlight => Some("5"),
            Self::DeliveryFailed => Some("30"),
            _ => None,
        }
    }
}

impl Ack {
    /// The JSON body of hookwall's own 200: `{"status": "<code>", "id": "<event id>"}`.
    pub fn to_json(self, id: &str) -> alloc::string::String {
        #[derive(Serialize)]
        struct Body<'a> {
            status: Ack,
            id: &'a str,
        }
        crate::json::to_string(&Body { status: self, id }, crate::json::SMALL)
    }
}

/// Whatever hookwall answered: an acknowledgement or a refusal. What the runtimes count and
/// log a request or a delivery under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Acknowledged to the provider with a 200.
    Ack(Ack),
    /// Refused, with the reason's status.
    Refused(Reason),
}

impl From<Ack> for Outcome {
    fn from(ack: Ack) -> Self {
        Self::Ack(ack)
    }
}

impl From<Reason> for Outcome {
    fn from(reason: Reason) -> Self {
        Self::Refused(reason)
    }
}

impl Outcome {
    /// `allow`, `deny`, `retry` (the provider or the queue will try again) or `error` (the
    /// deployment is at fault).
    pub fn verdict(self) -> &'static str {
        match self {
            Self::Ack(_) => "allow",
            Self::Refused(reason) if reason.retry_after().is_some() => "retry",
            Self::Refused(reason) if reason.status() >= 500 => "error",
            Self::Refused(_) => "deny",
        }
    }

    /// The reason's or the acknowledgement's code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Ack(ack) => ack.code(),
            Self::Refused(reason) => reason.code(),
        }
    }

    /// The HTTP status it is answered with.
    pub fn status(self) -> u16 {
        match self {
            Self::Ack(ack) => ack.status(),
            Self::Refused(reason) => reason.status(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;

    #[test]
    fn refusals_are_errors_and_acknowledgements_are_200() {
        assert!(Reason::ALL.iter().all(|r| r.status() >= 400));
        assert!(Ack::ALL.iter().all(|a| a.status() == 200));
    }

    #[test]
    fn every_code_names_one_outcome() {
        let codes: BTreeSet<&str> = Reason::ALL
            .iter()
            .map(|r| r.code())
            .chain(Ack::ALL.iter().map(|a| a.code()))
            .collect();
        assert_eq!(codes.len(), Reason::ALL.len() + Ack::ALL.len());
    }

    #[test]
    fn retries_are_asked_only_of_temporary_refusals() {
        for reason in Reason::ALL {
            assert_eq!(
                reason.retry_after().is_some(),
                reason.status() == 503,
                "{reason:?}"
            );
        }
    }

    #[test]
    fn an_acknowledgement_names_its_event() {
        assert_eq!(
            Ack::Duplicate.to_json("a\"b"),
            r#"{"status":"duplicate","id":"a\"b"}"#
        );
    }
}
