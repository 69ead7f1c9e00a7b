//! The `slack` format: an incoming-webhook message, `text` plus Block Kit `section` and `context`
//! blocks in mrkdwn. Slack renders the blocks; Mattermost and Discord's `/slack` endpoint show
//! `text`, so it carries the severity, provider and summary alone.
//!
//! Built from the event's summary, subject and indicators, never from the payload. Those are
//! still third parties' words (a partner's customer names a site, an attacker a CrowdSec
//! scenario), so each value is neutralized before it is placed: Slack's three characters
//! escaped, control characters and line breaks folded to spaces (a value cannot start a line of
//! its own), `@` followed by a zero-width space (Discord and Mattermost ping `@everyone` from
//! plain text), links defanged (`hxxps://evil[.]example`), and cut. Every text is bounded after
//! all that, within Slack's limits, and so is the whole message.

use alloc::borrow::Cow;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use serde::Serialize;

use crate::event::Event;
use crate::json;

/// The longest value from a third party, in UTF-8 bytes once neutralized and escaped.
const MAX_VALUE_BYTES: usize = 200;
/// The longest summary, which quotes values: in UTF-8 bytes once neutralized and escaped.
const MAX_SUMMARY_BYTES: usize = 600;
/// Slack refuses a section's text over 3,000 characters; a byte is at most a character.
const MAX_SECTION_BYTES: usize = 3_000;
/// Slack cuts `text` at 40,000 characters and Discord refuses over 2,000.
const MAX_TEXT_BYTES: usize = 2_000;
/// Where a text was cut.
const ELLIPSIS: &str = "…";

#[derive(Serialize)]
struct Message {
    /// The notification's fallback text, shown where blocks are not.
    text: String,
    blocks: Vec<Block>,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Block {
    Section { text: Mrkdwn },
    Context { elements: [Mrkdwn; 1] },
}

/// A Block Kit `mrkdwn` text object. `verbatim` keeps Slack from turning URLs, channel names
/// and user names into links or mentions on its own.
#[derive(Serialize)]
#[serde(tag = "type", rename = "mrkdwn")]
struct Mrkdwn {
    text: String,
    verbatim: bool,
}

impl From<Bounded> for Mrkdwn {
    fn from(text: Bounded) -> Self {
        Self {
            text: text.text,
            verbatim: true,
        }
    }
}

/// The event as a Slack message (JSON), under 10 KB whatever the event: its texts come to under
/// 5 KB with the bounds above (the details' 3,000 the largest), and JSON at most doubles a byte
/// (`"` and `\`; control characters are folded before).
pub fn message(event: &Event<'_>) -> String {
    let severity = event.severity.as_str().to_ascii_uppercase();
    let provider = event.provider().as_str();
    let mut headline = Bounded::new(MAX_SECTION_BYTES);
    headline.literal(&format!("*[{severity}]* {provider} `"));
    headline.value(event.event_type(), MAX_VALUE_BYTES);
    headline.literal("`\n");
    headline.value(&event.summary, MAX_SUMMARY_BYTES);
    let mut blocks = vec![Block::Section {
        text: headline.into(),
    }];
    if let Some(details) = details(event) {
        blocks.push(Block::Section {
            text: details.into(),
        });
    }
    let mut context = Bounded::new(MAX_SECTION_BYTES);
    context.literal(&format!(
        "hookwall · {provider} · {} · id ",
        event.category.as_str()
    ));
    context.value(event.id.as_str(), MAX_VALUE_BYTES);
    blocks.push(Block::Context {
        elements: [context.into()],
    });
    let mut text = Bounded::new(MAX_TEXT_BYTES);
    text.literal(&format!("[{severity}] {provider}: "));
    text.value(&event.summary, MAX_SUMMARY_BYTES);
    json::to_string(
        &Message {
            text: text.text,
            blocks,
        },
        json::SMALL,
    )
}

/// A text indicator's row, if the event has it.
fn text(value: Option<&str>) -> Option<Row<'_>> {
    value.map(Row::Value)
}

/// The subject and the key indicators, one `*name:* value` line each; `None` without any.
fn details(event: &Event<'_>) -> Option<Bounded> {
    let subject = &event.subject;
    let i = &event.indicators;
    let number = |n: Option<i64>| n.map(Row::Number);
    let subject_row = match (subject.name.as_deref(), subject.id.as_deref()) {
        (Some(name), Some(id)) if name != id => Some(Row::Named(name, id)),
        (Some(text), _) | (None, Some(text)) => Some(Row::Value(text)),
        (None, None) => None,
    };
    let rows = [
        (subject.kind.as_str(), subject_row),
        (
            "source",
            text(i.source_ip.as_deref()).or_else(|| text(i.source_value.as_deref())),
        ),
        ("country", text(i.country.as_deref())),
        ("AS", text(i.as_name.as_deref())),
        ("scenario", text(i.scenario.as_deref())),
        ("confidence", number(i.confidence)),
        ("attack", text(i.attack.as_deref())),
        ("target", text(i.target_ip.as_deref())),
        ("file", text(i.file_path.as_deref())),
        ("address", text(i.address.as_deref())),
        ("count", number(i.count)),
        ("state", text(i.current_state.as_deref())),
    ];
    let mut out = Bounded::new(MAX_SECTION_BYTES);
    for (name, row) in rows.iter().filter_map(|(n, r)| Some((n, r.as_ref()?))) {
        if !out.text.is_empty() {
            out.literal("\n");
        }
        out.literal(&format!("*{name}:* "));
        match *row {
            Row::Value(value) => out.value(value, MAX_VALUE_BYTES),
            Row::Named(name, id) => {
                out.value(name, MAX_VALUE_BYTES);
                out.literal(" (");
                out.value(id, MAX_VALUE_BYTES);
                out.literal(")");
            }
            Row::Number(n) => out.literal(&n.to_string()),
        }
    }
    (!out.text.is_empty()).then_some(out)
}

/// What one detail line shows.
enum Row<'e> {
    Value(&'e str),
    /// A subject's name, then its id in parentheses.
    Named(&'e str, &'e str),
    Number(i64),
}

/// Text that never passes its bound: pieces are added whole or not at all, so an entity, a
/// defanged dot or a character is never cut, and the first piece that does not fit ends the
/// text with [`ELLIPSIS`], for which every earlier piece left room.
struct Bounded {
    text: String,
    max_bytes: usize,
    full: bool,
}

impl Bounded {
    fn new(max_bytes: usize) -> Self {
        Self {
            text: String::new(),
            max_bytes,
            full: false,
        }
    }

    /// Adds `piece` whole, or ends the text; `false` once it is full.
    fn push(&mut self, piece: &str) -> bool {
        if self.full {
            return false;
        }
        if self.text.len() + piece.len() + ELLIPSIS.len() > self.max_bytes {
            self.text.push_str(ELLIPSIS);
            self.full = true;
            return false;
        }
        self.text.push_str(piece);
        true
    }

    /// Text of hookwall's own, added whole (or the text ends here).
    fn literal(&mut self, text: &str) {
        self.push(text);
    }

    /// A third party's `text`, neutralized and cut at `max_bytes`, added whole (or the text
    /// ends here).
    fn value(&mut self, text: &str, max_bytes: usize) {
        let mut value = Bounded::new(max_bytes);
        neutralize(text, |piece| value.push(piece));
        self.push(&value.text);
    }
}

/// Feeds `emit` the pieces `text` becomes, until it returns `false`:
/// - a control character, a line or paragraph separator or a bidirectional control: a space;
/// - `&`, `<`, `>`: their entities, as Slack asks (so no `<!channel>`, `<@U…>` or `<url|…>`);
/// - `@`: followed by a zero-width space, which breaks `@everyone`, `@here`, `@channel`;
/// - a dot between two letters or digits: `[.]`, so no host, address or e-mail links;
/// - `http://`, `https://`, `ftp://`: `hxxp`, `hxxps`, `fxp`, for the hosts a dot cannot defang
///   (`http://localhost`, a numeric host).
fn neutralize(text: &str, mut emit: impl FnMut(&str) -> bool) {
    let mut previous = ' ';
    let mut skip = 0;
    let mut buffer = [0; 4];
    for (at, c) in text.char_indices() {
        if skip > 0 {
            skip -= 1;
            continue;
        }
        let rest = &text[at..];
        let next = rest[c.len_utf8()..].chars().next();
        let piece: Cow<'_, str> = if let Some((defanged, len)) = scheme(rest) {
            skip = len - 1;
            Cow::Owned(defanged)
        } else {
            Cow::Borrowed(match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '@' => "@\u{200B}",
                c if breaks_lines(c) => " ",
                '.' | '。' | '．' | '｡'
                    if previous.is_alphanumeric() && next.is_some_and(char::is_alphanumeric) =>
                {
                    "[.]"
                }
                c => c.encode_utf8(&mut buffer),
            })
        };
        if !emit(&piece) {
            return;
        }
        previous = c;
    }
}

/// A link scheme at the start of `rest`, defanged (`http` → `hxxp`, `ftp` → `fxp`: every `t`
/// an `x`), and how many characters it replaces.
fn scheme(rest: &str) -> Option<(String, usize)> {
    let prefix = ["https://", "http://", "ftp://"].into_iter().find(|s| {
        rest.as_bytes()
            .get(..s.len())
            .is_some_and(|b| b.eq_ignore_ascii_case(s.as_bytes()))
    })?;
    let name = &rest[..prefix.len() - "://".len()];
    let defanged = name
        .chars()
        .map(|c| if c.eq_ignore_ascii_case(&'t') { 'x' } else { c })
        .collect();
    Some((defanged, name.len()))
}

/// What would end a line, or reorder one, in a chat client.
fn breaks_lines(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neutral(text: &str) -> String {
        let mut out = String::new();
        neutralize(text, |piece| {
            out.push_str(piece);
            true
        });
        out
    }

    #[test]
    fn each_rule_of_the_neutralizer() {
        assert_eq!(neutral("a & <b>"), "a &amp; &lt;b&gt;");
        assert_eq!(neutral("@everyone"), "@\u{200B}everyone");
        assert_eq!(neutral("a\nb\r\tc\u{2028}d\u{202E}e"), "a b  c d e");
        assert_eq!(neutral("198.51.100.7"), "198[.]51[.]100[.]7");
        assert_eq!(neutral("Done. Next"), "Done. Next");
        assert_eq!(neutral("v1.2 ..x"), "v1[.]2 ..x");
        assert_eq!(neutral("evil。example"), "evil[.]example");
        assert_eq!(
            neutral("HTTPS://evil.example/x http://10 ftp://f.example"),
            "HxxPS://evil[.]example/x hxxp://10 fxp://f[.]example"
        );
        assert_eq!(neutral("ops@corp.example"), "ops@\u{200B}corp[.]example");
        assert_eq!(neutral("é"), "é");
    }

    #[test]
    fn a_bounded_text_never_passes_its_bound_nor_cuts_a_piece() {
        let mut text = Bounded::new(20);
        text.value(&"<".repeat(100), 15);
        text.literal("!");
        assert_eq!(text.text, "&lt;&lt;&lt;…!");
        let mut text = Bounded::new(13);
        text.literal("0123456789");
        text.literal("ab");
        text.literal("c");
        assert_eq!(text.text, "0123456789…");
        assert_eq!(text.text.len(), 13);
    }
}
