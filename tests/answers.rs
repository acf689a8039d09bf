//! Answers rendered from the shipped catalogue's structured fields.

use chatbot::catalogue::answer::{self, aspect, summary};
use chatbot::catalogue::{Aspect, Outcome, ProcedureCode};
use chatbot_tests::engine;

fn procedure(code: &str) -> &'static chatbot::catalogue::Procedure {
    engine()
        .procedure(&ProcedureCode::parse(code).unwrap())
        .unwrap_or_else(|| panic!("{code} is in the catalogue"))
}

#[test]
fn birth_registration_documents_should_list_the_birth_certificate() {
    let text = aspect(procedure("1.001193"), Aspect::Documents);
    assert!(text.contains("Giấy chứng sinh"), "{text}");
    assert!(text.contains("bản chính"), "{text}");
}

#[test]
fn passport_fee_should_be_stated_in_dong_per_channel() {
    let text = aspect(procedure("1.001456"), Aspect::Fee);
    assert!(text.contains(".000 đồng"), "{text}");
    assert!(text.contains("Trực tiếp"), "{text}");
}

#[test]
fn id_card_renewal_time_should_be_in_working_days() {
    let text = aspect(procedure("1.014063"), Aspect::Time);
    assert!(text.contains("ngày làm việc"), "{text}");
}

#[test]
fn marriage_registration_place_should_name_the_commune_people_s_committee() {
    let text = aspect(procedure("1.000894"), Aspect::Place);
    assert!(text.to_lowercase().contains("ủy ban nhân dân"), "{text}");
}

#[test]
fn every_aspect_of_every_procedure_should_render_with_its_link_and_fit_a_message() {
    for p in engine().procedures() {
        let s = summary(p);
        assert!(
            s.contains(&p.url) && s.chars().count() < 2000,
            "{}: {s}",
            p.code
        );
        for a in Aspect::ALL {
            let text = aspect(p, a);
            assert!(text.ends_with(&p.url), "{} {a}", p.code);
            assert!(
                text.chars().count() < 2000,
                "{} {a}: {} characters",
                p.code,
                text.chars().count()
            );
        }
    }
}

#[test]
fn reply_should_offer_numbered_choices_when_unsure_and_the_hotline_when_lost() {
    let e = engine();
    let found = e.search("giá vàng hôm nay");
    assert_ne!(found.outcome, Outcome::Answer);
    if found.outcome == Outcome::None {
        assert!(answer::reply(e, &found).contains("1022"));
    }
    let found = e.search("thủ tục xin giấy phép xây dựng");
    if found.outcome == Outcome::Clarify {
        let text = answer::reply(e, &found);
        assert!(text.contains("1. ") && text.contains("2. "), "{text}");
    }
}
