//! The channel-neutral reply: what the bot says, before a channel renders it
//! within its own limits (Messenger, Zalo, the web widget).

use serde::{Deserialize, Serialize};

/// One reply to one citizen message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// Said in order.
    pub blocks: Vec<Block>,
    /// Quick choices offered after the blocks (tapped, or typed by number).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
}

/// A piece of a reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// Plain text; may hold line breaks. Never HTML.
    Text { text: String },
    /// A link to open (the procedure's page on the national portal).
    Link { title: String, url: String },
    /// A phone number to call (the 1022 hotline).
    Call { title: String, phone: String },
}

/// A quick choice: a short title and the payload sent back when tapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub title: String,
    pub payload: String,
}

impl Reply {
    pub fn text(text: impl Into<String>) -> Self {
        Self {
            blocks: vec![Block::Text { text: text.into() }],
            choices: Vec::new(),
        }
    }

    pub fn push_text(&mut self, text: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Text { text: text.into() });
        self
    }

    pub fn link(&mut self, title: impl Into<String>, url: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Link {
            title: title.into(),
            url: url.into(),
        });
        self
    }

    pub fn call(&mut self, title: impl Into<String>, phone: impl Into<String>) -> &mut Self {
        self.blocks.push(Block::Call {
            title: title.into(),
            phone: phone.into(),
        });
        self
    }

    pub fn choice(&mut self, title: impl Into<String>, payload: impl Into<String>) -> &mut Self {
        self.choices.push(Choice {
            title: title.into(),
            payload: payload.into(),
        });
        self
    }

    /// The reply as plain text (the terminal, logs of tests): links and
    /// phone numbers spelled out, choices listed with their numbers.
    pub fn render_plain(&self) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            if !out.is_empty() {
                out.push('\n');
            }
            match b {
                Block::Text { text } => out.push_str(text),
                Block::Link { title, url } => out.push_str(&format!("{title}: {url}")),
                Block::Call { title, phone } => out.push_str(&format!("{title}: {phone}")),
            }
        }
        if !self.choices.is_empty() {
            out.push('\n');
            for (i, c) in self.choices.iter().enumerate() {
                out.push_str(&format!("\n  [{}] {}", i + 1, c.title));
            }
        }
        out
    }

    /// All text blocks joined by blank lines.
    pub fn plain_text(&self) -> String {
        let mut out = String::new();
        for b in &self.blocks {
            if let Block::Text { text } = b {
                if !out.is_empty() {
                    out.push_str("\n\n");
                }
                out.push_str(text);
            }
        }
        out
    }
}

/// Cuts `text` into pieces of at most `max` characters, at paragraph
/// breaks if possible, else at line breaks, else at spaces — never inside
/// a word (a word longer than `max` is the only thing ever split).
pub fn split_text(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out: Vec<String> = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if rest.chars().count() <= max {
            out.push(rest.to_owned());
            break;
        }
        // Byte offset of the `max`-th character: the cut must come before.
        let limit = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let head = &rest[..limit];
        let cut = ["\n\n", "\n", " "]
            .iter()
            .find_map(|sep| head.rfind(sep).filter(|&i| i > 0))
            .unwrap_or(limit);
        out.push(rest[..cut].trim_end().to_owned());
        rest = rest[cut..].trim_start();
    }
    out
}

/// `s` cut to at most `max` characters at a word boundary, ending in "…".
pub fn shorten(s: &str, max: usize) -> String {
    crate::catalogue::answer::shorten(s, max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn when_text_fits_should_keep_it_whole() {
        assert_eq!(split_text("xin chào", 20), ["xin chào"]);
    }

    #[test]
    fn when_text_is_long_should_cut_at_paragraphs_first() {
        let parts = split_text("một hai\n\nba bốn năm", 12);
        assert_eq!(parts, ["một hai", "ba bốn năm"]);
    }

    proptest! {
        #[test]
        fn pieces_fit_and_keep_every_word(words in prop::collection::vec("[a-zàáạđêôơư]{1,12}", 0..80), max in 12usize..60) {
            let text = words.join(" ");
            let parts = split_text(&text, max);
            for p in &parts {
                prop_assert!(p.chars().count() <= max, "{p:?} is over {max}");
            }
            let rejoined: Vec<&str> = parts.iter().flat_map(|p| p.split_whitespace()).collect();
            let original: Vec<&str> = text.split_whitespace().collect();
            prop_assert_eq!(rejoined, original);
        }
    }
}
