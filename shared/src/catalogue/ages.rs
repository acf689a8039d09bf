//! Age groups. A few procedures are named for people of some ages ("Cấp
//! thẻ căn cước cho người dưới 14 tuổi", "… từ đủ 14 tuổi trở lên"); a
//! citizen who gives an age ("con tôi 10 tuổi") is served by the one whose
//! group holds it, however alike the names read otherwise.

use crate::text::{Token, normalize, split};

/// Ages from `from` (included) to `below` (excluded), in years.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeGroup {
    pub from: u32,
    pub below: u32,
}

impl AgeGroup {
    pub fn holds(&self, age: u32) -> bool {
        (self.from..self.below).contains(&age)
    }
}

/// Ages above this are not read as ages ("2024 tuổi" is a typo or a
/// year).
const OLDEST: u32 = 130;

fn years(word: &str) -> Option<u32> {
    word.parse().ok().filter(|&n| n <= OLDEST)
}

/// The age group a procedure's name states: "dưới N tuổi", "(từ) (đủ) N
/// tuổi trở lên", "trên N tuổi". A name that only mentions an age ("đủ 6
/// tuổi") states no group.
pub fn in_name(name: &str) -> Option<AgeGroup> {
    // Most names have no age: skip them before normalising.
    if !name.contains("tuổi") {
        return None;
    }
    let text = normalize(name);
    let words: Vec<&str> = split(&text).collect();
    words.iter().enumerate().find_map(|(k, &w)| {
        if w != "tuổi" {
            return None;
        }
        let n = years(words.get(k.checked_sub(1)?)?)?;
        let before = k.checked_sub(2).and_then(|j| words.get(j)).copied();
        let after = (words.get(k + 1).copied(), words.get(k + 2).copied());
        match (before, after) {
            (Some("dưới"), _) => Some(AgeGroup { from: 0, below: n }),
            (Some("trên"), _) => Some(AgeGroup {
                from: n + 1,
                below: u32::MAX,
            }),
            (_, (Some("trở"), Some("lên"))) => Some(AgeGroup {
                from: n,
                below: u32::MAX,
            }),
            _ => None,
        }
    })
}

/// The age a query gives for the person concerned: a number followed by
/// "tuổi" ("bé nhà em 5 tuoi"). Not when a word before the number makes it
/// a bound ("dưới 14 tuổi", whose words match the names already; "gần",
/// "hơn", "ngoài", "đến" …), nor when the query gives two different ages.
pub fn in_query(typed: &[Token]) -> Option<u32> {
    let mut age = None;
    for (k, t) in typed.iter().enumerate() {
        if t.folded != "tuoi" {
            continue;
        }
        let Some(n) = k.checked_sub(1).and_then(|j| years(&typed[j].folded)) else {
            continue;
        };
        let bound = k
            .checked_sub(2)
            .map(|j| typed[j].folded.as_str())
            .is_some_and(|w| {
                matches!(
                    w,
                    "duoi" | "tren" | "tu" | "du" | "qua" | "hon" | "gan" | "ngoai" | "den"
                )
            });
        let group = typed.get(k + 1).is_some_and(|t| t.folded == "tro");
        if bound || group {
            continue;
        }
        match age {
            Some(a) if a != n => return None,
            _ => age = Some(n),
        }
    }
    age
}

/// Whether `typed[k]` is the number or the "tuổi" of an age the query
/// gives for the person concerned ("khai sinh quá hạn cho con 5 tuổi"):
/// who is asking, not which procedure, as a bound is.
pub fn in_age(typed: &[Token], k: usize) -> bool {
    let number = |j: usize| typed.get(j).is_some_and(|t| years(&t.folded).is_some());
    let tuoi = |j: usize| typed.get(j).is_some_and(|t| t.folded == "tuoi");
    (number(k) && tuoi(k + 1)) || (tuoi(k) && k.checked_sub(1).is_some_and(number))
}

/// Whether `typed[k]` is a word of an age bound ("dưới 14 tuổi", "trên
/// 60 tuổi", "đủ 6 tuổi"): the bound word, the number or "tuổi".
pub fn in_bound(typed: &[Token], k: usize) -> bool {
    (k.saturating_sub(2)..=k).any(|start| {
        typed.get(start..start + 3).is_some_and(|w| {
            w[2].folded == "tuoi"
                && years(&w[1].folded).is_some()
                && matches!(w[0].folded.as_str(), "duoi" | "tren" | "du" | "qua")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokens;

    #[test]
    fn a_name_should_state_its_age_group() {
        let under = AgeGroup { from: 0, below: 14 };
        let from = AgeGroup {
            from: 14,
            below: u32::MAX,
        };
        assert_eq!(
            in_name("Cấp thẻ căn cước cho người dưới 14 tuổi"),
            Some(under)
        );
        assert_eq!(
            in_name("Cấp thẻ căn cước cho người từ đủ 14 tuổi trở lên (thực hiện tại cấp tỉnh)"),
            Some(from)
        );
        assert_eq!(
            in_name("Trợ cấp cho người trên 80 tuổi"),
            Some(AgeGroup {
                from: 81,
                below: u32::MAX
            })
        );
        assert_eq!(in_name("Cấp thẻ căn cước"), None);
        assert_eq!(in_name("Đăng ký cho trẻ đủ 6 tuổi"), None);
        assert!(under.holds(10) && !under.holds(14) && from.holds(14) && !from.holds(13));
    }

    #[test]
    fn a_query_should_give_an_age_only_as_a_point() {
        let age = |q: &str| in_query(&tokens(q));
        assert_eq!(age("con tôi 10 tuổi muốn làm thẻ căn cước"), Some(10));
        assert_eq!(age("be nha em 5 tuoi lam can cuoc"), Some(5));
        assert_eq!(age("căn cước cho trẻ dưới 14 tuổi"), None);
        assert_eq!(age("người 14 tuổi trở lên"), None);
        assert_eq!(age("con em gần 14 tuổi làm căn cước"), None);
        assert_eq!(age("bố em ngoài 60 tuổi"), None);
        assert_eq!(age("con 3 tuổi và con 16 tuổi"), None);
        assert_eq!(age("con 3 tuổi, bé 3 tuổi"), Some(3));
        assert_eq!(age("làm căn cước 2024 tuổi"), None);
        assert_eq!(age("làm căn cước"), None);
    }

    #[test]
    fn the_words_of_an_age_bound_should_be_told_from_the_rest() {
        let q = tokens("lam ho chieu cho con duoi 14 tuoi");
        let bound: Vec<bool> = (0..q.len()).map(|k| in_bound(&q, k)).collect();
        assert_eq!(bound, [false, false, false, false, false, true, true, true]);
        // An age alone is no bound.
        let q = tokens("bé 5 tuổi");
        assert!((0..q.len()).all(|k| !in_bound(&q, k)));
    }

    #[test]
    fn the_words_of_an_age_the_query_gives_should_be_told_from_the_rest() {
        let q = tokens("khai sinh qua han cho con 5 tuoi");
        let age: Vec<bool> = (0..q.len()).map(|k| in_age(&q, k)).collect();
        assert_eq!(age, [false, false, false, false, false, false, true, true]);
        // A number that is no age, and "tuổi" without one.
        for q in ["xây nhà 3 tầng", "tuổi nghỉ hưu", "cấp 2024 tuổi"] {
            let q = tokens(q);
            assert!((0..q.len()).all(|k| !in_age(&q, k)), "{q:?}");
        }
    }
}
