//! stub

use crate::{Error, Event};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Unknown,
}

pub(crate) fn parse(_body: &[u8]) -> Result<Event<'_>, Error> {
    todo!()
}
