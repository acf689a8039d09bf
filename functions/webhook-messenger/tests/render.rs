//! Any reply renders within Messenger's limits.

use chatbot::reply::{Block, Choice, Reply};
use proptest::prelude::*;
use webhook_messenger::{limits, render};

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-zàáảãạăằắđêôơưỳ]{1,14}|\\n|\\n\\n|[0-9]{1,6}", 0..700)
        .prop_map(|w| w.join(" "))
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        text().prop_map(|text| Block::Text { text }),
        (
            "[A-Za-zàđ ]{0,60}",
            "https://dichvucong\\.gov\\.vn/[a-z0-9-]{1,40}"
        )
            .prop_map(|(title, url)| Block::Link { title, url }),
        ("[A-Za-zàđ ]{0,60}", "0[0-9]{7,10}")
            .prop_map(|(title, phone)| Block::Call { title, phone }),
    ]
}

fn reply() -> impl Strategy<Value = Reply> {
    (
        prop::collection::vec(block(), 0..6),
        prop::collection::vec(("[A-Za-zàđ ]{0,40}", "[A-Z:0-9.]{1,1200}"), 0..20),
    )
        .prop_map(|(blocks, choices)| Reply {
            blocks,
            choices: choices
                .into_iter()
                .map(|(title, payload)| Choice { title, payload })
                .collect(),
        })
}

proptest! {
    #[test]
    fn every_reply_renders_within_the_limits(r in reply()) {
        let messages = render(&r);
        for (i, m) in messages.iter().enumerate() {
            if let Some(t) = m["text"].as_str() {
                prop_assert!(t.chars().count() <= limits::TEXT);
                prop_assert!(!t.is_empty());
            }
            let payload = &m["attachment"]["payload"];
            if payload.is_object() {
                let t = payload["text"].as_str().unwrap_or_default();
                prop_assert!(!t.is_empty() && t.chars().count() <= limits::TEMPLATE_TEXT);
                let buttons = payload["buttons"].as_array().unwrap();
                prop_assert!(!buttons.is_empty() && buttons.len() <= limits::BUTTONS);
                for b in buttons {
                    prop_assert!(b["title"].as_str().unwrap().chars().count() <= limits::BUTTON_TITLE);
                    if b["type"] == "phone_number" {
                        prop_assert!(b["payload"].as_str().unwrap().starts_with('+'));
                    }
                }
            }
            if let Some(q) = m["quick_replies"].as_array() {
                prop_assert_eq!(i, messages.len() - 1, "quick replies only on the last message");
                prop_assert!(q.len() <= limits::QUICK_REPLIES);
                for c in q {
                    prop_assert!(c["title"].as_str().unwrap().chars().count() <= limits::QUICK_REPLY_TITLE);
                    prop_assert!(c["payload"].as_str().unwrap().len() <= limits::PAYLOAD);
                }
            }
        }
        // No text is lost: every word of the text blocks is sent.
        let sent: String = messages
            .iter()
            .map(|m| m["text"].as_str().or(m["attachment"]["payload"]["text"].as_str()).unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
            .join(" ");
        let sent_words: Vec<&str> = sent.split_whitespace().collect();
        let words: Vec<&str> = r.blocks.iter().filter_map(|b| match b { Block::Text { text } => Some(text.as_str()), _ => None }).flat_map(str::split_whitespace).collect();
        for w in words {
            prop_assert!(sent_words.contains(&w), "{w} lost");
        }
    }
}
