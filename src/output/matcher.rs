//! Which events a destination takes, read from its `match`: the core's own provider, category
//! and severity names, so a config cannot name one the core does not know.

use alloc::vec::Vec;
use core::fmt;

use serde::Deserialize;

use crate::event::{Category, Event, Severity};
use crate::providers::Provider;

/// Which events a destination takes: every condition given holds. At least one condition is
/// given and no list is empty (a `match` that takes nothing or everything by mistake is
/// refused), so `{"min_severity": "info"}` is how a config says "every event".
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Conditions")]
pub struct Match {
    providers: Option<Vec<Provider>>,
    categories: Option<Vec<Category>>,
    min_severity: Option<Severity>,
}

impl Match {
    /// Takes every event: what the Worker's `FORWARD_URL` shorthand means.
    pub const EVERY: Self = Self {
        providers: None,
        categories: None,
        min_severity: None,
    };

    /// Whether the destination takes `event`: each condition given holds for it.
    pub fn takes(&self, event: &Event<'_>) -> bool {
        self.providers
            .as_ref()
            .is_none_or(|p| p.contains(&event.provider()))
            && self
                .categories
                .as_ref()
                .is_none_or(|c| c.contains(&event.category))
            && self.min_severity.is_none_or(|min| event.severity >= min)
    }
}

/// A `match` as written; [`Match`] is it checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Conditions {
    #[serde(default)]
    providers: Option<Vec<Provider>>,
    #[serde(default)]
    categories: Option<Vec<Category>>,
    #[serde(default)]
    min_severity: Option<Severity>,
}

/// A `match` that names no event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchError {
    /// No condition at all.
    Empty,
    /// A list with nothing in it, which would take no event: the field.
    EmptyList(&'static str),
}

impl fmt::Display for MatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str(
                "no condition; give providers, categories or min_severity (\"info\" takes every event)",
            ),
            Self::EmptyList(field) => write!(f, "{field} is empty"),
        }
    }
}

impl core::error::Error for MatchError {}

impl TryFrom<Conditions> for Match {
    type Error = MatchError;

    fn try_from(c: Conditions) -> Result<Self, MatchError> {
        if c.providers.is_none() && c.categories.is_none() && c.min_severity.is_none() {
            return Err(MatchError::Empty);
        }
        if c.providers.as_ref().is_some_and(Vec::is_empty) {
            return Err(MatchError::EmptyList("providers"));
        }
        if c.categories.as_ref().is_some_and(Vec::is_empty) {
            return Err(MatchError::EmptyList("categories"));
        }
        Ok(Self {
            providers: c.providers,
            categories: c.categories,
            min_severity: c.min_severity,
        })
    }
}
