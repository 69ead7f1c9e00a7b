//! CloudEvents 1.0, structured JSON mode.

use alloc::string::String;

use crate::Event;

impl Event<'_> {
    /// The CloudEvent (structured mode, `application/cloudevents+json`) for this event.
    pub fn to_cloudevent_json(&self) -> String {
        todo!()
    }

    /// The bare normalized event: the CloudEvent's `data`.
    pub fn to_data_json(&self) -> String {
        todo!()
    }
}
