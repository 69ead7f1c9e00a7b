//! Standard output that neither a closed pipe nor a full disk turns into a panic.

use std::fmt::Display;
use std::io::{self, ErrorKind, Write};

use crate::Failure;

/// Stdout, written line by line. Once the reader has gone (`| head`), further lines are
/// dropped and the command still ends with its verdict's status, quietly, as `head` expects;
/// any other write error (a full disk) stops the command.
#[derive(Default)]
pub struct Stdout {
    closed: bool,
}

impl Stdout {
    pub fn line(&mut self, text: impl Display) -> Result<(), Failure> {
        self.write(format_args!("{text}\n"))
    }

    /// Writes `text` as it is: the caller supplies the line ends.
    pub fn text(&mut self, text: &str) -> Result<(), Failure> {
        self.write(format_args!("{text}"))
    }

    fn write(&mut self, text: std::fmt::Arguments<'_>) -> Result<(), Failure> {
        if self.closed {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        match out.write_fmt(text).and_then(|()| out.flush()) {
            Err(e) if e.kind() == ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            result => result.map_err(|e| Failure(format!("stdout: {e}"))),
        }
    }
}

/// One line on stderr, `hookwall: ` first, [`printable`]: a refusal may name a payload's
/// member. With stderr gone too there is no one left to tell.
pub fn complain(message: impl Display) {
    let message = message.to_string();
    let _ = writeln!(io::stderr(), "hookwall: {}", printable(&message));
}

/// `text` safe to print on a terminal: a value from a payload may hold escape sequences, or
/// bidirectional overrides that reorder a line, or line and paragraph separators (U+2028,
/// U+2029) that end one for some readers, so control and format characters are written as
/// `\u{…}` escapes.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
    };
    if !text.chars().any(hidden) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if hidden(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}
