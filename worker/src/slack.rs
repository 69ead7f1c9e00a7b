//! The `slack` format: an incoming-webhook message, `text` plus Block Kit `section` and `context`
//! blocks in mrkdwn. Slack renders the blocks; Mattermost and Discord's `/slack` endpoint accept
//! the message and show `text`, so `text` carries the severity, provider and summary alone.
//!
//! Built from the event's summary, severity, subject and indicators only, never from the payload:
//! the core builds none of those from a redacted value, so no secret reaches a chat channel.

use hookwall::Event;
use serde::Serialize;

#[derive(Serialize)]
struct Message {
    /// The notification's fallback text, shown where blocks are not.
    text: String,
    blocks: Vec<Block>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Block {
    Section { text: Text },
    Context { elements: Vec<Text> },
}

#[derive(Serialize)]
struct Text {
    #[serde(rename = "type")]
    kind: &'static str,
    text: String,
}

fn mrkdwn(text: String) -> Text {
    Text {
        kind: "mrkdwn",
        text,
    }
}

/// Slack refuses a section's text over 3,000 characters; a value is cut well before.
const MAX_VALUE_CHARS: usize = 200;

/// The event as a Slack message (JSON).
pub fn message(event: &Event<'_>) -> String {
    let severity = event.severity.as_str().to_ascii_uppercase();
    let summary = value(&event.summary);
    let headline = format!(
        "*[{severity}]* {} `{}`\n{summary}",
        event.provider(),
        value(&event.event_type)
    );
    let mut blocks = vec![Block::Section {
        text: mrkdwn(headline),
    }];
    let details = details(event);
    if !details.is_empty() {
        blocks.push(Block::Section {
            text: mrkdwn(details.join("\n")),
        });
    }
    blocks.push(Block::Context {
        elements: vec![mrkdwn(format!(
            "hookwall · {} · {} · id {}",
            event.provider(),
            event.category.as_str(),
            value(&event.id)
        ))],
    });
    let message = Message {
        text: format!("[{severity}] {}: {summary}", event.provider()),
        blocks,
    };
    // Strings and vectors only: serializing cannot fail.
    serde_json::to_string(&message).unwrap_or_default()
}

/// The subject and the key indicators, one `*name:* value` line each.
fn details(event: &Event<'_>) -> Vec<String> {
    let subject = &event.subject;
    let subject_text = match (subject.name.as_deref(), subject.id.as_deref()) {
        (Some(name), Some(id)) if name != id => Some(format!("{} ({})", value(name), value(id))),
        (Some(text), _) | (None, Some(text)) => Some(value(text)),
        (None, None) => None,
    };
    let i = &event.indicators;
    let number = |n: Option<i64>| n.map(|n| n.to_string());
    let text = |t: &Option<std::borrow::Cow<'_, str>>| t.as_deref().map(value);
    let source = text(&i.source_ip).or_else(|| text(&i.source_value));
    let rows = [
        (subject.kind.as_str(), subject_text),
        ("source", source),
        ("country", text(&i.country)),
        ("AS", text(&i.as_name)),
        ("scenario", text(&i.scenario)),
        ("confidence", number(i.confidence)),
        ("attack", text(&i.attack)),
        ("target", text(&i.target_ip)),
        ("file", text(&i.file_path)),
        ("address", text(&i.address)),
        ("count", number(i.count)),
        ("state", text(&i.current_state)),
    ];
    rows.into_iter()
        .filter_map(|(name, v)| v.map(|v| format!("*{name}:* {v}")))
        .collect()
}

/// `text` cut to its first characters and escaped as Slack asks: `&`, `<` and `>` as entities,
/// so that a value cannot open a link or a mention (`<!channel>`).
fn value(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_VALUE_CHARS * 4));
    for (n, c) in text.chars().enumerate() {
        if n == MAX_VALUE_CHARS {
            out.push('…');
            break;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{message, value};

    /// A scenario name that tries to notify the channel and open a link, as a payload may.
    #[test]
    fn a_hostile_value_reaches_the_message_escaped() {
        let body = include_str!("../../fixtures/crowdsec/alert_triggered.json").replace(
            "ssh-brute-force",
            "<!channel> & <https://evil.example|click>",
        );
        let event = hookwall::classify(body.as_bytes(), &hookwall::Options::default()).unwrap();
        let json = message(&event);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        let texts: Vec<&str> = parsed["blocks"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|b| [&b["text"]["text"], &b["elements"][0]["text"]])
            .chain([&parsed["text"]])
            .filter_map(|t| t.as_str())
            .collect();
        assert!(
            texts
                .iter()
                .any(|t| t.contains("&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;")),
            "{json}"
        );
        assert!(texts.iter().all(|t| !t.contains(['<', '>'])), "{json}");
    }

    #[test]
    fn values_are_escaped_and_bounded() {
        assert_eq!(
            value("<!channel> & <http://x|y>"),
            "&lt;!channel&gt; &amp; &lt;http://x|y&gt;"
        );
        let long = value(&"é".repeat(1000));
        assert_eq!(long.chars().count(), 201);
        assert!(long.ends_with('…'));
    }
}
