//! The one table that maps every provider's event type to a category, severity and subject.

use crate::{cloud66, crowdsec, sectigo};

/// An event's type, per provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    CrowdSec(crowdsec::EventType),
    Cloud66(cloud66::EventType),
    Sectigo(sectigo::EventType),
}
