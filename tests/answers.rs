//! Answers rendered from the shipped catalogue's structured fields.

use chatbot::catalogue::Aspect;
use chatbot::catalogue::answer::{aspect, summary};
use chatbot_tests::{procedure, procedures};

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

/// Room left in a 2,000-character message for the link line.
const BUDGET: usize = 1_850;

#[test]
fn every_aspect_of_every_procedure_should_render_and_fit_a_message() {
    for p in procedures() {
        let s = summary(p);
        assert!(s.contains("• Nơi nộp:"), "{}: {s}", p.code);
        assert!(s.chars().count() < BUDGET, "{}: {s}", p.code);
        for a in Aspect::ALL {
            let text = aspect(p, a);
            assert!(!text.trim().is_empty(), "{} {a}", p.code);
            assert!(
                text.chars().count() < BUDGET,
                "{} {a}: {} characters",
                p.code,
                text.chars().count()
            );
        }
    }
}
