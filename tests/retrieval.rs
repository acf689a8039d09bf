//! Retrieval quality on the team's labelled queries, held to floors.
//!
//! The floors sit a little under the figures measured when they were set
//! (see README, "Retrieval quality"), so that a change that makes answers
//! worse fails here instead of reaching citizens.

use chatbot::catalogue::Outcome;
use chatbot::eval;
use chatbot_tests::{engine, labelled};

/// Fails unless the query is answered directly with the procedure `expect`.
fn assert_answered_with(q: &str, expect: &str) {
    let found = engine().search(q);
    let top = found.hits.first().map(|h| h.code.to_string());
    assert_eq!(
        (found.outcome, top.as_deref()),
        (Outcome::Answer, Some(expect)),
        "{q}"
    );
}

/// The codes of a search's first three hits.
fn first_three(found: &chatbot::catalogue::Found) -> Vec<&str> {
    found.hits.iter().take(3).map(|h| h.code.as_str()).collect()
}

/// Fails unless the query finds something (an answer or choices) with the
/// procedure `expect` first.
fn assert_found_first(q: &str, expect: &str) {
    let found = engine().search(q);
    assert_ne!(found.outcome, Outcome::None, "{q}");
    assert_eq!(found.hits[0].code.as_str(), expect, "{q}");
}

#[test]
fn labelled_queries_should_stay_above_the_quality_floors() {
    let lines = labelled();
    assert!(
        lines.len() >= 150,
        "the labelled set has {} lines",
        lines.len()
    );
    let report = eval::evaluate(engine(), &lines);
    println!("{}", report.table());
    let o = &report.overall;
    let floor = |name: &str, got: Option<f64>, min: f64| {
        let got = got.unwrap_or(0.0);
        assert!(
            got >= min,
            "{name}: {got:.3} < {min:.3}\n{}",
            report.table()
        );
    };
    floor("top-1", o.top1_rate(), FLOOR_TOP1);
    floor("top-3", o.top3_rate(), FLOOR_TOP3);
    floor("MRR@5", o.mrr5(), FLOOR_MRR);
    floor("out-of-scope rejection", o.oos_rejection(), FLOOR_OOS);
    floor("aspect accuracy", o.aspect_accuracy(), FLOOR_ASPECT);
    for (slice, s) in &report.slices {
        if s.in_scope > 0 {
            floor(
                &format!("top-1 of {slice}"),
                s.top1_rate(),
                FLOOR_SLICE_TOP1,
            );
        }
    }
    let wrong = o.wrong_answers as f64 / lines.len() as f64;
    assert!(
        wrong <= MAX_WRONG_SHARE,
        "{} wrong confident answers",
        o.wrong_answers
    );
}

#[test]
fn misspelt_copies_of_the_labelled_set_should_stay_above_their_floors() {
    // The team's set with one word of each query misspelt the way citizens
    // slip (`chatbot eval --slip all`): a change that reads clean text
    // better but a slipped tone or letter worse fails here.
    use eval::perturb::perturb_all;
    let lines = labelled();
    let mut table = Vec::new();
    let mut low = Vec::new();
    for (slip, floor, aspect_floor) in SLIP_FLOORS {
        // Three seeds pooled: one seed's figures move by a line or two
        // with any change of the engine.
        let slipped: Vec<_> = (1..=3)
            .flat_map(|seed| perturb_all(&lines, slip, seed))
            .collect();
        assert!(
            slipped.len() >= lines.len() * 12 / 5,
            "{slip:?}: {}",
            slipped.len()
        );
        let o = eval::evaluate(engine(), &slipped).overall;
        let top1 = o.top1_rate().unwrap_or(0.0);
        let aspect = o.aspect_accuracy().unwrap_or(0.0);
        let wrong = o.wrong_answers as f64 / slipped.len() as f64;
        table.push(format!(
            "{} top-1 {top1:.3} aspect {aspect:.3} wrong {}",
            slip.as_str(),
            o.wrong_answers
        ));
        if top1 < floor || aspect < aspect_floor || wrong > MAX_SLIPPED_WRONG_SHARE {
            low.push(slip.as_str());
        }
    }
    assert!(
        low.is_empty(),
        "below the floor: {low:?}\n{}",
        table.join("\n")
    );
}

#[test]
fn every_slice_of_the_labelled_set_should_be_present() {
    let lines = labelled();
    for slice in ["clean", "nodiac", "typo", "abbrev", "teen", "aspect", "oos"] {
        assert!(lines.iter().any(|l| l.slice == slice), "no {slice} line");
    }
}

#[test]
fn when_the_catalogue_has_no_answer_should_never_answer_confidently() {
    for q in [
        "giá vàng hôm nay",
        "ai là chủ tịch thành phố",
        "mua vé tàu đi huế",
        "xin chào",
        "ok cảm ơn",
        // Not in the catalogue: not the one-off social insurance payment.
        "chốt sổ bảo hiểm xã hội",
        // Not in the catalogue: "dạy" (teach) is not the "đầy" of "hồ sơ
        // đầy đủ" in a share offering's results.
        "đăng ký dạy thêm ngoài nhà trường",
    ] {
        assert_ne!(engine().search(q).outcome, Outcome::Answer, "{q}");
    }
}

#[test]
fn context_a_rewrite_spells_out_should_not_outweigh_what_is_asked() {
    // "tiệm vàng" (a gold shop: who is asking) reads as vàng trang sức, mỹ
    // nghệ; the shop asks about becoming a currency-exchange agent, and
    // the gold-jewellery licence must not be answered as if certain.
    for q in [
        "tiệm vàng muốn làm đại lý đổi ngoại tệ",
        "tiem vang muon lam dai ly doi ngoai te",
    ] {
        let found = engine().search(q);
        let top = found.hits.first().map(|h| h.code.to_string());
        assert!(
            found.outcome != Outcome::Answer || top.as_deref() == Some("1.000526"),
            "{q}: {:?} {:?}",
            found.outcome,
            found.hits
        );
    }
    // Rewrites that only make the citizen's words more precise keep them
    // whole: these plain names are still answered.
    for (q, expect) in [
        ("thành lập công ty TNHH một thành viên", "2.001583"),
        ("đổi thẻ BHYT", "1.001321"),
        ("chứng thực bản sao từ bản chính giấy tờ", "2.000815"),
    ] {
        assert_answered_with(q, expect);
    }
}

#[test]
fn a_procedure_that_has_a_word_of_the_query_only_by_half_should_be_offered_not_answered() {
    // The catalogue has no work permit, no advertising licence but for
    // veterinary drugs, no medical practice licence: their closest names
    // share one syllable of a word ("giấy" of "giấy phép" in "giấy chứng
    // nhận", "y" in "thú y"), not the thing asked for.
    for q in [
        "cấp giấy phép lao động",
        "cấp giấy phép quảng cáo",
        "cap chung chi hanh nghe y",
        "cấp chứng chỉ hành nghề y",
    ] {
        let found = engine().search(q);
        assert_ne!(found.outcome, Outcome::Answer, "{q}: {:?}", found.hits);
    }
    // Words matched whole, or a half written the way the catalogue writes
    // it ("phép mang vàng"), still answer.
    for (q, expect) in [
        ("cấp chứng chỉ hành nghề thú y", "1.004756"),
        (
            "xin phép mang vàng khi xuất cảnh định cư nước ngoài",
            "1.001328",
        ),
        ("giấy phép lái xe bị mất", "3.000348"),
    ] {
        assert_answered_with(q, expect);
    }
}

#[test]
fn one_word_should_be_answered_only_when_it_names_the_procedure() {
    // A word that is a small part of every name it is in names a detail:
    // "nước sạch" is a word of the handing over of water-supply assets to
    // a company, not what a household asks about.
    for q in ["tra cứu địa chỉ", "nước sạch"] {
        let found = engine().search(q);
        assert_ne!(found.outcome, Outcome::Answer, "{q}: {:?}", found.hits);
    }
    // Citizens' words the lexicon spells out are not one word any more:
    // "đăng kiểm" is the vehicle's inspection.
    for (q, expect) in [
        ("kết hôn", "1.000894"),
        ("khai tử", "1.000656"),
        ("đăng kiểm", "1.005103"),
    ] {
        assert_answered_with(q, expect);
    }
}

#[test]
fn a_question_asking_what_something_is_should_be_answered_only_by_the_procedure_it_names() {
    // The card's procedure does not say what health insurance is: the
    // procedures are offered, with the card first.
    for q in [
        "Bảo hiểm y tế là gì?",
        "bao hiem y te la j",
        "thế nào là hộ nghèo",
    ] {
        let found = engine().search(q);
        assert!(found.definition, "{q}");
        assert_eq!(found.outcome, Outcome::Clarify, "{q}: {:?}", found.hits);
    }
    assert_eq!(
        engine().search("Bảo hiểm y tế là gì?").hits[0]
            .code
            .as_str(),
        "2.000639"
    );
    // Words that name the procedure itself, and a part of a procedure
    // asked with "là gì", keep their answers.
    for (q, expect) in [
        ("đăng ký tạm trú là gì", "1.004194"),
        ("thủ tục đăng ký kết hôn là gì", "1.000894"),
        (
            "điều kiện để được nhận con nuôi trong nước là gì",
            "2.001263",
        ),
    ] {
        assert_answered_with(q, expect);
    }
    assert!(
        !engine()
            .search("điều kiện để được nhận con nuôi là gì")
            .definition
    );
}

#[test]
fn every_phrase_asking_for_a_definition_should_be_read_as_one() {
    // The search compares the phrases as the catalogue's terms: each must
    // be found so, typed with or without diacritics, and a bare word of a
    // phrase must not be.
    let lexicon = engine().lexicon();
    assert!(lexicon.definitions.len() >= 10);
    for phrase in &lexicon.definitions {
        let words: Vec<&str> = phrase.iter().map(|t| t.text.as_str()).collect();
        let q = format!("nhà ở xã hội {}", words.join(" "));
        assert!(engine().search(&q).definition, "{q}");
        let bare = chatbot::text::fold(&q);
        assert!(engine().search(&bare).definition, "{bare}");
    }
    for q in ["nhà ở xã hội là", "gọi nhà ở xã hội", "lá gì", "làm gì"] {
        assert!(!engine().search(q).definition, "{q}");
    }
}

#[test]
fn a_birth_certificate_asked_for_again_should_lead_to_registering_the_birth_again() {
    // "cấp lại" is not a variant of the first registration: the catalogue
    // re-issues a birth certificate by registering the birth again (or a
    // copy of the record, the second reading).
    for q in [
        "cấp lại giấy khai sinh",
        "xin cấp lại giấy khai sinh bản chính",
        "lam lai giay khai sinh",
    ] {
        assert_answered_with(q, "1.004884");
        let found = engine().search(q);
        assert!(first_three(&found).contains(&"2.000635"), "{q}: {found:?}");
    }
}

#[test]
fn changing_the_use_of_land_should_offer_the_land_procedures_not_the_forest_ones() {
    // The procedure's name is 91 words long ("Giao đất, cho thuê đất,
    // chuyển mục đích sử dụng đất đối với trường hợp …"); the short names
    // of the forest's change of use had ranked above it.
    for q in [
        "chuyển mục đích sử dụng đất",
        "chuyen doi muc dich su dung dat",
        "chuyen muc dich su dung dat vuon sang dat o",
        // Agricultural land to residential: the forest's change of use
        // had come first.
        "chuyển đất nông nghiệp sang đất ở",
        "chuyển mục đích đất nông nghiệp sang đất ở",
    ] {
        let found = engine().search(q);
        let codes = first_three(&found);
        assert!(
            codes.iter().any(|c| ["1.013949", "1.013823"].contains(c)),
            "{q}: {codes:?}"
        );
        assert!(
            found.hits[0].name.contains("đất") && !found.hits[0].name.contains("rừng"),
            "{q}: {}",
            found.hits[0].name
        );
    }
}

#[test]
fn a_foreigner_named_should_ask_for_the_civil_status_variants_with_a_foreign_element() {
    // A nationality reads as "người nước ngoài"; the civil-status
    // procedures call the case "có yếu tố nước ngoài".
    assert_answered_with("ket hon voi nguoi han quoc", "2.000806");
    let found = engine().search("ck e là ng hàn, đk khai sinh cho con sao ạ");
    assert_eq!(found.hits[0].code.as_str(), "2.000528", "{:?}", found.hits);
    // The foreigners' own procedures keep their answers.
    assert_answered_with("cấp thị thực cho người nước ngoài", "1.001194");
    assert_answered_with("gia han tam tru cho nguoi nuoc ngoai", "1.001146");
}

#[test]
fn a_licence_issued_abroad_should_lead_to_the_foreigners_exchange() {
    // "đổi bằng lái" alone is the plain exchange; read first, it had
    // hidden "bằng lái … nước ngoài" behind it.
    for q in [
        "đổi bằng lái do nước ngoài cấp",
        "doi bang lai nuoc ngoai sang viet nam",
        "doi giay phep lai xe do nuoc ngoai cap sang giay phep Viet Nam",
    ] {
        assert_answered_with(q, "3.000351");
    }
    assert_answered_with("đổi bằng lái", "3.000347");
}

#[test]
fn a_longer_phrase_should_keep_a_shorter_ones_reading_from_taking_it() {
    // "tách sổ" is splitting a land plot; "tách sổ hộ khẩu" is splitting a
    // household. "xóa thế chấp" alone may be any security (ships and
    // aircraft come first); a house's is the land one.
    assert_answered_with("tách sổ hộ khẩu", "1.010038");
    assert_answered_with("tach so ho khau ra rieng", "1.010038");
    assert_answered_with("tách sổ đỏ", "1.012784");
    assert_answered_with("xóa thế chấp nhà", "1.011443");
    assert_answered_with("giai chap nha", "1.011443");
}

#[test]
fn who_the_procedure_is_for_and_chat_abbreviations_should_not_hide_it() {
    // A grandparent is who it is for ("bà ngoại" had matched "nước ngoài",
    // "bà nội" stayed content); "xn" is xác nhận (or xét nghiệm).
    assert_answered_with("chung tu cho ba noi", "1.000656");
    assert_answered_with("khai tử cho bà ngoại mới mất", "1.000656");
    assert_found_first("xin giay xn doc than de cuoi", "1.004873");
}

#[test]
fn locking_and_unlocking_the_electronic_identity_should_not_be_confused() {
    // "mở khóa" marks the unlocking procedures: a query asking to lock
    // ranks them below; an account that "bị khóa" asks to be unlocked.
    for q in ["khóa tài khoản vneid", "khoa tai khoan dinh danh dien tu"] {
        assert_answered_with(q, "3.000276");
    }
    for q in [
        "mở khóa tài khoản vneid",
        "tai khoan vneid bi khoa",
        "vneid bị khóa thì làm sao",
    ] {
        assert_answered_with(q, "3.000275");
    }
}

// Measured when set (2026-12-01): top-1 0.952, top-3 0.982, MRR@5 0.968,
// out-of-scope rejection 0.969, aspect 1.000, weakest slice (teen) 0.926,
// 1 wrong confident answer in 260 (answered directly 0.737). (First set
// on 2026-11-22 at top-1 0.877, weakest slice 0.778, 5 wrong answers.)
const FLOOR_TOP1: f64 = 0.91;
const FLOOR_TOP3: f64 = 0.95;
const FLOOR_MRR: f64 = 0.93;
const FLOOR_OOS: f64 = 0.93;
const FLOOR_ASPECT: f64 = 0.95;
const FLOOR_SLICE_TOP1: f64 = 0.85;
const MAX_WRONG_SHARE: f64 = 0.015;

// Measured when set (2026-12-01, seeds 1–3 pooled), top-1 / aspect
// accuracy / wrong confident answers: fold 0.952 / 1.000 / 3, tone-drop
// 0.950 / 1.000 / 3, tone-swap 0.954 / 1.000 / 3, typo 0.888 / 0.875 / 9,
// sound 0.889 / 0.906 / 10 (three of them each time the out-of-scope
// line the clean set answers wrongly too).
const SLIP_FLOORS: [(eval::perturb::Slip, f64, f64); 5] = {
    use eval::perturb::Slip::*;
    [
        (Fold, 0.93, 0.97),
        (ToneDrop, 0.93, 0.97),
        (ToneSwap, 0.93, 0.97),
        (Typo, 0.86, 0.84),
        (Sound, 0.86, 0.87),
    ]
};
const MAX_SLIPPED_WRONG_SHARE: f64 = 0.03;

#[test]
fn a_childs_age_should_lead_to_the_procedure_for_its_age_group() {
    // "Làm căn cước" alone reads as the adults' card (what most people
    // asking want); an age the citizen gives settles it.
    for (q, expect) in [
        (
            "con tôi 10 tuổi muốn làm thẻ căn cước thì làm thế nào",
            "1.014062",
        ),
        ("lam can cuoc cho chau 8 tuoi", "1.014062"),
        ("em 15 tuổi làm căn cước lần đầu", "1.014061"),
    ] {
        let found = engine().search(q);
        let top = found.hits.first().map(|h| h.code.to_string());
        assert_eq!(top.as_deref(), Some(expect), "{q}: {:?}", found.hits);
    }
}

#[test]
fn calibration_should_report_what_its_settings_achieve_and_not_fall_below_the_defaults() {
    // A few lines of each kind keep the sweep short in a debug build.
    let lines = labelled();
    let some: Vec<_> = ["clean", "nodiac", "typo", "abbrev", "oos"]
        .iter()
        .flat_map(|slice| lines.iter().filter(move |l| l.slice == *slice).take(2))
        .cloned()
        .collect();
    let engine = engine();
    let c = eval::calibrate(engine, &some);
    let defaults = eval::mean_utility(engine, &some);
    assert!(c.utility >= defaults - 1e-9, "{} < {defaults}", c.utility);
    let calibrated = engine.as_ref().clone().with_params(c.params);
    let again = eval::mean_utility(&calibrated, &some);
    assert!((again - c.utility).abs() < 1e-9, "{again} != {}", c.utility);
}

#[test]
fn a_criminal_record_and_an_electric_vehicle_should_read_as_the_catalogue_says() {
    // "không có tiền án (tiền sự)" is what the criminal-record certificate
    // shows: "cấp giấy xác nhận …" had been answered with a certificate
    // about certificates. An electric motorbike or car registers as any
    // vehicle: "điện" had been read as a word of the procedure ("điện tử").
    for q in [
        "cấp giấy xác nhận không có tiền án",
        "xin giay xac nhan khong tien an tien su",
        "xin giấy không tiền án tiền sự",
    ] {
        assert_found_first(q, "3.000333");
    }
    for q in ["dang ky xe may dien", "đăng ký ô tô điện"] {
        let found = engine().search(q);
        assert_ne!(found.outcome, Outcome::Answer, "{q}");
        assert!(
            found.hits.iter().all(|h| h.name.contains(" xe")),
            "{q}: {:?}",
            found.hits.iter().map(|h| &h.name).collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_health_insurance_card_for_a_child_under_six_should_offer_the_combined_procedures() {
    // "dưới 6 tuổi" names the combined birth, residence and card
    // procedures (a variant marker implying "liên thông"): the plain card
    // had ranked first, covering too little to be offered at all.
    for q in [
        "lam the bhyt cho tre duoi 6 tuoi",
        "cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
    ] {
        let found = engine().search(q);
        assert_eq!(found.outcome, Outcome::Clarify, "{q}");
        let first: Vec<&str> = found.hits[..2].iter().map(|h| h.code.as_str()).collect();
        assert!(
            first.contains(&"2.001023") && first.contains(&"2.000986"),
            "{q}: {first:?}"
        );
    }
    // Not asked for, the combined procedures still come after the plain
    // card, and once each (their two markers are one variant).
    let found = engine()
        .search("làm khai sinh, đăng ký thường trú và thẻ bảo hiểm y tế cho bé cùng một lúc");
    let rank = found
        .hits
        .iter()
        .position(|h| h.code.as_str() == "2.000986");
    assert!(rank.is_some_and(|r| r < 3), "{rank:?}");
}

#[test]
fn one_word_that_is_a_small_part_of_every_name_should_offer_nothing() {
    // Names of twenty words that share one word with the query are guesses:
    // the citizen is offered the hotline instead ("cấp số nhà" is not the
    // ATA carnet, "tỉnh Sóc Trăng" is no procedure at all).
    for q in ["cap so nha", "hiến tạng", "Tỉnh Sóc Trăng", "tháng 1"] {
        let found = engine().search(q);
        assert_eq!(found.outcome, Outcome::None, "{q}: {:?}", found.hits);
    }
    // A typo in one word of a short name still offers it.
    let found = engine().search("lam ho chiu");
    assert_eq!(found.outcome, Outcome::Clarify);
    assert_eq!(found.hits[0].code.as_str(), "1.001456");
}

#[test]
fn a_place_should_say_where_not_which_procedure() {
    // Provinces and Đà Nẵng's former districts are filler, like the city's
    // name: "sóc" is no typo of "séc" ("đăng ký mẫu séc trắng"), "hải châu"
    // no word of "hải quan".
    assert_answered_with("đăng ký tạm trú ở hải châu", "1.004194");
    assert_answered_with("tôi ở sóc trăng muốn làm căn cước", "1.014061");
    assert_eq!(
        engine().search("Kết quả thống kê tp sóc trăng").outcome,
        Outcome::None
    );
    // "nam định" and "gia lai" alone are words of procedures.
    assert_answered_with("dang ky tham gia lai bhxh tu nguyen", "1.002179");
    let found = engine().search("người việt nam định cư ở nước ngoài xin miễn thị thực");
    assert_eq!(found.hits[0].code.as_str(), "1.003144");
}

#[test]
fn what_citizens_call_a_copy_a_cv_a_residence_and_a_house_permit_should_be_read() {
    // "công chứng giấy …" is certifying a copy ("giấy khai sinh", read
    // next, had answered it with registering the birth); a CV's
    // certification is the signature's ("lý lịch" alone is the criminal
    // record); "nhập khẩu cho vợ" is residence, not imports; a permit to
    // build a house keeps the house ("cấp giấy phép xây nhà 3 tầng" had
    // found nothing).
    assert_answered_with("công chứng giấy khai sinh", "2.000815");
    assert_answered_with("chứng thực sơ yếu lý lịch", "2.000884");
    assert_answered_with("nhập khẩu cho vợ về nhà chồng", "1.004222");
    assert_found_first("cap giay phep xay nha 3 tang", "1.013225");
}

#[test]
fn a_household_business_is_closed_not_dissolved() {
    // Citizens "giải thể" a household business as they would a company;
    // for a hộ kinh doanh it is ending its activity.
    assert_answered_with("giải thể hộ kinh doanh", "1.001266");
    assert_answered_with("giai the ho kinh doanh", "1.001266");
}

#[test]
fn selling_a_house_is_registering_the_land_change() {
    // "mua bán nhà", like "mua bán nhà đất": registering the transfer, not
    // the mortgage of a house-sale contract; the contract's certification
    // keeps its own procedure.
    assert_answered_with("đăng ký biến động đất đai khi mua bán nhà", "1.013831");
    assert_found_first("chứng thực hợp đồng mua bán nhà", "2.001035");
}

#[test]
fn a_social_insurance_book_made_again_should_be_its_own_procedure() {
    // The book's procedure names "cấp lại, đổi, điều chỉnh": asked only to
    // make it again, it had lost to the seafarer's book, whose short name
    // has no other action ("cấp lại sổ bhxh" found nothing).
    for q in [
        "cấp lại sổ bhxh",
        "cap lai so bhxh",
        "làm lại sổ bhxh bị mất",
    ] {
        assert_answered_with(q, "1.002759");
    }
}

#[test]
fn chat_spelling_of_wanting_and_moving_the_household_should_be_read() {
    // "mun" is muốn in chat ("mun" had been taken for a typo of mua, mục,
    // môn); "chuyển khẩu" is moving one's registered residence.
    assert_found_first("e mun chuyen khau ve que thi lm sao", "1.004222");
    assert_answered_with("tôi muốn chuyển khẩu từ quảng nam ra đà nẵng", "1.004222");
    assert_found_first("e mun xin lltp so 1 de di lam", "3.000333");
    assert_found_first("e mun dk tam tru cho bn cung phong tro dc k", "1.004194");
}

#[test]
fn a_syllable_spelt_as_it_sounds_should_be_read_as_meant() {
    // A real syllable that fits neither neighbour, where one of the same
    // sound does: read again as that one, so that the lexicon's phrases
    // and the variant markers apply ("lước ngoài" is nước ngoài, the
    // foreign-element marriage; "hộ kinh doan" is hộ kinh doanh).
    assert_answered_with(
        "cho tôi hỏi thủ tục đăng ký kết hôn với người lước ngoài",
        "2.000806",
    );
    assert_answered_with("đăng ký hộ kinh doan cá thể", "1.001612");
    assert_answered_with("dang ky ho kinh doan ca the", "1.001612");
    assert_answered_with("cấp lại biển số xe bị mấc", "1.013082");
    // What the citizen meant as typed stays: a bare syllable gives way only
    // to a stock phrase of the catalogue, a word with its diacritics to one
    // the catalogue writes at all next to its neighbour.
    for (q, not) in [
        ("dang ky ket hon o dai su quan", "giay"),
        ("tro cap thai san cho chong", "cong"),
        ("xin GCN ANTT cho quán karaoke", "chuan"),
    ] {
        let terms = engine().query_terms(q);
        assert!(
            terms.iter().all(|(k, w)| k != not || *w < 0.99),
            "{q}: {terms:?}"
        );
    }
}

#[test]
fn a_mistyped_abbreviation_should_be_read_as_the_one_meant() {
    // Consonants and digits nobody knows, one edit after the first letter
    // from exactly one abbreviation: a doubled, dropped, swapped or
    // neighbouring key.
    assert_answered_with("làm CCCCD lần đầu cho con 16t", "1.014061");
    assert_answered_with("mất CCCF rồi làm lại ở đâu", "1.014064");
    assert_found_first("xin LLTPP số 2", "3.000333");
    // A word with a vowel is a word mistyped ("sibh" is sinh, not the
    // social-insurance book "sbh"); an acronym of its own differs from
    // ours in its first letter ("TTND" is not "PTTND").
    assert_answered_with("dang ki khai sibh", "1.001193");
    let terms = engine().query_terms("Xét TTND cho cán bộ");
    assert!(terms.iter().all(|(k, _)| k != "phuong"), "{terms:?}");
}

#[test]
fn a_word_typed_with_a_tone_the_catalogue_writes_it_with_should_not_be_rewritten_as_another() {
    // "tiền thuê đất" is land rent, as the catalogue's names write it: the
    // lexicon's "thuế đất" (land tax) folds alike but is another word.
    let found = engine().search("miễn giảm tiền thuê đất");
    assert!(found.hits[0].name.contains("thuê đất"), "{found:?}");
    // A tone slipped onto another real word that no name writes there
    // still reads as the phrase meant ("đối thẻ" is đổi thẻ).
    assert_found_first("đối thẻ BHYT do sai ngày sinh", "1.001321");
    assert_found_first("đổi bằng lại quân sự sang bằng dân sự", "3.000349");
}

#[test]
fn opening_a_branch_of_a_company_should_be_the_enterprises_branch_registration() {
    // Not a foreign law firm's or an auction firm's branch, whose names
    // say "công ty" too.
    assert_answered_with("mở chi nhánh công ty", "2.002069");
    assert_answered_with("mo chi nhanh cong ty tnhh", "2.002069");
    assert_answered_with("thủ tục thành lập chi nhánh công ty ở đà nẵng", "2.002069");
}

#[test]
fn an_age_bound_should_not_count_against_a_procedure_whose_name_states_no_age() {
    // The passport's name says nothing of age: "dưới 14 tuổi" had made
    // it cover too little of the query to be offered at all.
    assert_found_first("lam ho chieu cho con duoi 14 tuoi", "1.001456");
    // Where the name states the group, the bound is what it is matched on.
    assert_answered_with("làm căn cước cho con dưới 14 tuổi", "1.014062");
}

#[test]
fn an_age_the_query_gives_should_not_count_against_a_procedure_whose_name_states_no_age() {
    // "5 tuổi", "70 tuổi" say who is asking. They had made the birth
    // registration cover too little of the query to be offered at all,
    // and the card issued again be offered rather than answered.
    assert_found_first("khai sinh quá hạn cho con 5 tuổi", "1.001193");
    assert_answered_with("mẹ em 70 tuổi muốn làm lại căn cước", "1.014064");
}

#[test]
fn a_quantity_the_query_gives_should_not_count_against_a_procedure_without_its_number() {
    // "3 tầng" says how big the house is. The number (unknown to the
    // catalogue, so weighing as its rarest word) had left the building
    // permit covering too little of the query to be offered at all.
    assert_found_first("xin phép xây nhà 3 tầng", "1.013225");
    assert_found_first("xin GPXD nhà phố 4 tầng", "1.013225");
    // A number after its word is no quantity ("lớp 7", "phường 1"): the
    // catalogue has no school transfer, and nothing is offered. Nor is a
    // house number before a street's name: an address, for the bus stops.
    for q in [
        "thủ tục chuyển trường cho học sinh lớp 7",
        "101 Nguyễn Văn Cừ",
    ] {
        assert_eq!(engine().search(q).outcome, Outcome::None, "{q}");
    }
}

#[test]
fn a_closing_clause_of_purpose_should_not_count_against_the_procedure_asked_for() {
    // What the paper is for is not in the procedure's name: the clause had
    // left the criminal record certificate with nothing offered, and the
    // temporary residence with choices.
    assert_found_first(
        "xin phiếu lý lịch tư pháp để đi xuất khẩu lao động",
        "3.000333",
    );
    assert_found_first(
        "xin giấy kiểm dịch để chở heo sang tỉnh khác bán",
        "2.000873",
    );
    assert_answered_with("đăng ký tạm trú để cho con đi học", "1.004194");
}

#[test]
fn a_query_saying_the_whole_name_should_be_answered_whatever_it_adds_about_who_asks() {
    // The name word after word, then who asks or when: it had been offered
    // among choices, as covering too little of the query.
    assert_answered_with("xóa đăng ký tạm trú khi đã chuyển đi nơi khác", "1.010028");
    assert_answered_with("đăng ký khai tử cho ông nội mất ở nhà", "1.000656");
    assert_answered_with("đổi GPLX giấy bìa sang thẻ PET", "3.000347");
    // Not when a rewrite brought the name's words ("giấy khai sinh" is
    // read as "đăng ký khai sinh"), nor when another procedure's name has
    // what the query adds (the military licence, "quân" slipped to
    // "quang").
    for (q, not) in [
        ("cải hín ngày sinh trong giấy khai sinh", "1.001193"),
        ("doi giay phep lai xe quang su sang dan su", "3.000347"),
    ] {
        let found = engine().search(q);
        let answered = (found.outcome == Outcome::Answer).then(|| found.hits[0].code.as_str());
        assert_ne!(answered, Some(not), "{q}");
    }
}

#[test]
fn an_abbreviation_a_name_writes_should_be_found_by_its_words_typed_in_full() {
    // The founding procedures say "công ty TNHH"; the conversions spell
    // "trách nhiệm hữu hạn" out. Typed in full, founding a company had
    // been answered with converting one.
    assert_found_first(
        "thành lập công ty trách nhiệm hữu hạn một thành viên",
        "2.001583",
    );
    assert_found_first("thành lập cty trách nhiệm hữu hạng", "2.001583");
    for q in [
        "thành lập công ty trách nhiệm hữu hạn một thành viên",
        "đăng ký thành lập công ty trách nhiệm hữu hạn hai thành viên",
    ] {
        let found = engine().search(q);
        let codes = first_three(&found);
        assert!(
            codes.iter().any(|c| ["2.001199", "2.001583"].contains(c))
                && !(found.outcome == Outcome::Answer && codes[0] == "2.002033"),
            "{q}: {found:?}"
        );
    }
    // The abbreviation typed still finds both spellings.
    assert_found_first("thành lập cty tnhh", "2.001583");
    // An abbreviation of one meaning is spelt out in a query: the names
    // that write it ("… mở tại KBNN") are found by its words, typed in
    // full or abbreviated.
    assert_answered_with("tất toán tài khoản tại kbnn", "3.000114");
    assert_answered_with("tất toán tài khoản mở tại kho bạc nhà nước", "3.000114");
}

#[test]
fn a_procedure_done_again_should_be_read_with_lai_after_the_object() {
    // "lại" said after what is asked for, as citizens often say it: the
    // procedure done again, not the first registration.
    assert_answered_with("đăng ký kết hôn lại", "1.004746");
    assert_answered_with("dang ky ket hon lai", "1.004746");
    assert_answered_with("cấp giấy khai sinh lại", "1.004884");
    assert_answered_with("làm thẻ căn cước lại", "1.014064");
}

#[test]
fn a_discharge_permit_should_lead_to_the_environmental_permit() {
    // Part of the environmental permit since the 2020 law; the words had
    // found driving-school licences ("xả thải" read as "xe tập lái").
    assert_found_first("xin giấy phép xả thải", "1.010727");
    assert_found_first("xin phep xa thai", "1.010727");
}

#[test]
fn inheriting_a_house_should_be_registering_the_land_change() {
    // Not the state taking over property nobody inherits, whose name says
    // "thừa kế", nor the splitting of a plot ("thửa").
    assert_answered_with("thừa kế nhà", "1.013831");
    assert_answered_with("thừa kế nhà đất", "1.013831");
    assert_answered_with("thua ke nha dat", "1.013831");
}

#[test]
fn lost_vehicle_papers_should_be_the_registration_issued_again() {
    // Not its change ("Đổi chứng nhận đăng ký xe"), which had come first.
    for q in ["mất giấy tờ xe máy", "mat giay to xe"] {
        let found = engine().search(q);
        assert_eq!(found.outcome, Outcome::Answer, "{q}");
        assert!(
            found.hits[0]
                .name
                .starts_with("Cấp lại chứng nhận đăng ký xe"),
            "{q}: {found:?}"
        );
    }
}

#[test]
fn a_new_vehicle_and_food_safety_should_read_as_the_catalogue_says() {
    // "đăng ký xe ô tô mới": the longer phrase at "đăng ký" had read
    // "đăng ký xe" and left "mới" alone, and the change of a registration
    // came first. "attp" is an toàn thực phẩm ("cấp giấy chứng nhận attp"
    // had found nothing); the catalogue's certificates of food safety are
    // for farm and fishery products, so choices, not an answer.
    assert_answered_with("dang ky xe oto moi", "1.013067");
    assert_answered_with("đăng ký xe ô tô mới", "1.013067");
    let found = engine().search("cap giay chung nhan attp");
    assert_eq!(found.outcome, Outcome::Clarify);
    assert!(
        found.hits.iter().any(|h| h.code.as_str() == "2.001827"),
        "{:?}",
        found.hits
    );
}

#[test]
fn an_extract_of_the_cadastral_map_should_not_be_read_as_one_of_the_civil_registry() {
    // "trích lục" alone is an extract of the civil registry (birth,
    // marriage); "trích lục bản đồ địa chính" had been answered with the
    // copy of a civil-registry extract. The catalogue has no procedure for
    // the map's extract itself: no answer, and first among the hits the
    // provision of survey and map data.
    for q in [
        "trích lục bản đồ địa chính",
        "trich luc ban do dia chinh",
        "trích lục thửa đất",
    ] {
        let found = engine().search(q);
        assert_ne!(found.outcome, Outcome::Answer, "{q}: {:?}", found.hits);
        assert_eq!(
            found.hits.first().map(|h| h.code.as_str()),
            Some("1.011671"),
            "{q}: {:?}",
            found.hits
        );
    }
    assert_answered_with("trích lục khai sinh", "2.000635");
}

#[test]
fn a_gift_to_the_state_and_an_export_consignment_should_be_variants_not_answers() {
    // Giving land "cho Nhà nước hoặc cộng đồng dân cư" and a certificate
    // "cho lô hàng thủy sản … xuất khẩu" are special cases of giving land
    // and of food-safety certificates: a parent giving land to a child and
    // a kitchen asking for its certificate had been answered with them.
    // Choices, with the general procedure among them.
    for (q, general) in [
        ("tang cho nha dat cho con", "1.013831"),
        ("xin chung nhan an toan thuc pham cho bep an", "2.001827"),
        ("giấy chứng nhận an toàn thực phẩm cho quán ăn", "2.001827"),
    ] {
        let found = engine().search(q);
        assert_ne!(found.outcome, Outcome::Answer, "{q}: {:?}", found.hits);
        assert!(
            found.hits.iter().any(|h| h.code.as_str() == general),
            "{q}: {:?}",
            found.hits
        );
    }
    assert_answered_with(
        "chứng thư an toàn thực phẩm cho lô hàng thủy sản xuất khẩu",
        "2.001281",
    );
}
