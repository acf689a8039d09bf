//! Any reply renders as one message within Zalo's limits.

use chatbot::reply::{Block, Choice, Reply};
use proptest::prelude::*;
use webhook_zalo::{limits, render};

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-zàáảãạăằắđêôơưỳ]{1,14}|\\n|[0-9]{1,6}", 0..700)
        .prop_map(|w| w.join(" "))
}

fn block() -> impl Strategy<Value = Block> {
    prop_oneof![
        text().prop_map(|text| Block::Text { text }),
        (
            "[A-Za-zàđ ]{0,160}",
            "https://dichvucong\\.gov\\.vn/[a-z0-9-]{1,40}"
        )
            .prop_map(|(title, url)| Block::Link { title, url }),
        ("[A-Za-zàđ ]{0,160}", "0[0-9]{7,10}")
            .prop_map(|(title, phone)| Block::Call { title, phone }),
    ]
}

proptest! {
    #[test]
    fn every_reply_renders_within_the_limits(
        blocks in prop::collection::vec(block(), 0..6),
        choices in prop::collection::vec(("[A-Za-zàđ ]{0,160}", "[A-Z:0-9.]{1,1200}"), 0..12),
    ) {
        let r = Reply { blocks, choices: choices.into_iter().map(|(title, payload)| Choice { title, payload }).collect() };
        let m = render(&r);
        let t = m["text"].as_str().unwrap();
        prop_assert!(!t.is_empty() && t.chars().count() <= limits::TEXT);
        if let Some(buttons) = m["attachment"]["payload"]["buttons"].as_array() {
            prop_assert!(!buttons.is_empty() && buttons.len() <= limits::BUTTONS);
            for b in buttons {
                prop_assert!(b["title"].as_str().unwrap().chars().count() <= limits::BUTTON_TITLE);
                let kind = b["type"].as_str().unwrap();
                prop_assert!(["oa.query.hide", "oa.open.url", "oa.open.phone"].contains(&kind));
            }
        }
        // The portal link and the hotline always stay reachable.
        let links = r.blocks.iter().filter(|b| !matches!(b, Block::Text { .. })).count();
        let kept = m["attachment"]["payload"]["buttons"].as_array().map_or(0, |b| b.iter().filter(|b| b["type"] != "oa.query.hide").count());
        prop_assert_eq!(kept, links.min(2));
    }
}
