//! The conversation: a citizen's message plus the conversation state gives
//! a reply plus the new state, and the effects the service carries out
//! (events for editors, a call to the operators' desk). Pure: lookups the
//! message needs are named by [`Dialogue::needs`] and handed in done.

mod lookup_texts;
mod texts;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::catalogue::answer::{self, MAX_CHOICES, shorten};
use crate::catalogue::{Aspect, Engine, Entry, Found, Outcome, Procedure, ProcedureCode};
use crate::dossier::{self, DossierCode};
use crate::lookup::{Looked, Need, NoticeKind};
use crate::reply::Reply;
use crate::text::lexicon::Intent;
use crate::text::{Token, normalize, split};

pub use texts::Texts;

/// How long a conversation is remembered after its last message.
pub const CONVERSATION_TTL: i64 = 7 * 24 * 3600;
/// How long the procedure under discussion stays the topic of follow-ups
/// ("còn lệ phí thì sao?").
pub const TOPIC_TTL: i64 = 2 * 3600;
/// How long a conversation stays with the operators after a handover.
pub const HANDOVER_TTL: i64 = 30 * 60;
/// Messages longer than this are cut before they are read.
pub const MAX_MESSAGE_CHARS: usize = 1_000;

/// A message from a citizen, whatever the channel.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// Typed text.
    Text(String),
    /// A tapped button or quick reply: its payload.
    Choice(String),
    /// A shared location.
    Location { lat: f64, lng: f64 },
    /// Get Started, follow, a first visit.
    Start,
    /// An attachment the bot does not read (image, sticker, file, voice…).
    Unsupported(String),
}

impl Incoming {
    /// What kind of message it is, for logs (never its content).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Text(_) => "text",
            Self::Choice(_) => "choice",
            Self::Location { .. } => "location",
            Self::Start => "start",
            Self::Unsupported(_) => "unsupported",
        }
    }
}

/// What is kept between messages. No message text: codes and choices only.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Optimistic-concurrency version; 0 before the first save.
    pub version: u64,
    /// The procedure under discussion.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<ProcedureCode>,
    /// The procedures offered in the last clarifying question, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<ProcedureCode>,
    /// The aspect asked along with an ambiguous question, answered once the
    /// citizen picks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice_aspect: Option<Aspect>,
    /// Until when (unix seconds) the conversation is with the operators.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handover_until: Option<i64>,
    /// The conversation's language (only Vietnamese for now).
    #[serde(default = "vi")]
    pub language: String,
    /// When the topic was last set (unix seconds).
    #[serde(default)]
    pub updated_at: i64,
    /// When the whole state may be forgotten (unix seconds; the store's TTL).
    #[serde(default)]
    pub expires_at: i64,
}

fn vi() -> String {
    "vi".into()
}

impl State {
    /// A conversation that starts now.
    pub fn new(now: i64) -> Self {
        Self {
            language: vi(),
            updated_at: now,
            expires_at: now + CONVERSATION_TTL,
            ..Self::default()
        }
    }

    pub fn in_handover(&self, now: i64) -> bool {
        self.handover_until.is_some_and(|t| t > now)
    }

    fn topic_at(&self, now: i64) -> Option<&ProcedureCode> {
        self.topic
            .as_ref()
            .filter(|_| now - self.updated_at <= TOPIC_TTL)
    }
}

/// Something the service must do besides replying.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Record a question the bot could not answer (already redacted).
    Unanswered { query: String },
    /// Record feedback on an answer.
    Feedback {
        procedure: ProcedureCode,
        helpful: bool,
    },
    /// Tell the operators a citizen waits.
    Handover,
}

/// The outcome of one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// `None`: stay silent (the conversation is with an operator).
    pub reply: Option<Reply>,
    pub state: State,
    pub effects: Vec<Effect>,
}

/// Payloads of the choices the bot offers. Also recognised when typed or
/// sent back as text (Zalo's query buttons arrive as text).
pub mod payload {
    pub const HANDOVER: &str = "HANDOVER";
    pub const BOT: &str = "BOT";
    pub const MENU_PROCEDURES: &str = "MENU:PROCEDURES";
    pub const MENU_DOSSIER: &str = "MENU:DOSSIER";
    pub const MENU_BUS: &str = "MENU:BUS";
    pub const MENU_NOTICES: &str = "MENU:NOTICES";
    pub const PROC: &str = "PROC:";
    pub const ASPECT: &str = "ASPECT:";
    pub const NOTICES: &str = "NOTICES:";
    pub const FEEDBACK_UP: &str = "FEEDBACK:UP:";
    pub const FEEDBACK_DOWN: &str = "FEEDBACK:DOWN:";
    pub const DOSSIER_HISTORY: &str = "DOSSIER:HISTORY:";
    pub const STOP: &str = "STOP:";
    pub const ROUTE: &str = "ROUTE:";
}

/// What a message asks for, once read.
#[derive(Debug, Clone, PartialEq)]
enum Asked {
    Welcome,
    Section(&'static str),
    Thanks,
    Handover,
    BackToBot,
    Silent,
    Empty,
    Dossier(DossierCode, bool),
    LookAlikeCode,
    BusStop(String),
    Nearby { lat: f64, lng: f64 },
    Bus(String),
    Notices(NoticeKind, String),
    Procedure(ProcedureCode, Option<Aspect>),
    TopicAspect(Aspect),
    Feedback(ProcedureCode, bool),
    Search(String),
    Unsupported(String),
    UnknownChoice,
}

/// The conversation logic over one catalogue.
#[derive(Debug, Clone)]
pub struct Dialogue {
    engine: Arc<Engine>,
    texts: Texts,
}

impl Dialogue {
    pub fn new(engine: Arc<Engine>, texts: Texts) -> Self {
        Self { engine, texts }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn texts(&self) -> &Texts {
        &self.texts
    }

    /// The state a message is read in: an expired conversation starts
    /// afresh, an expired handover ends.
    fn current(state: &State, now: i64) -> State {
        let mut st = if state.expires_at > now {
            state.clone()
        } else {
            State {
                version: state.version,
                ..State::new(now)
            }
        };
        st.expires_at = now + CONVERSATION_TTL;
        if st.handover_until.is_some_and(|t| t <= now) {
            st.handover_until = None;
        }
        st
    }

    /// Reads a message and says what must be fetched before answering it:
    /// a lookup, and the procedure whose details the answer shows.
    pub fn plan(&self, state: &State, incoming: &Incoming, now: i64) -> Plan {
        let st = Self::current(state, now);
        let asked = self.read(&st, incoming, now);
        let found = match &asked {
            Asked::Search(text) => Some(self.engine.search(text)),
            _ => None,
        };
        // A message no procedure fits that reads like an address ("101
        // Nguyễn Văn Cừ") asks for the bus stops there.
        let asked = match asked {
            Asked::Search(text)
                if found
                    .as_ref()
                    .is_some_and(|f| f.outcome == Outcome::None && f.aspect.is_none())
                    && looks_like_address(&text) =>
            {
                Asked::Bus(text)
            }
            other => other,
        };
        let need = match &asked {
            Asked::Dossier(code, history) => Some(Need::Dossier {
                code: code.clone(),
                history: *history,
            }),
            Asked::BusStop(code) => Some(Need::BusStop { code: code.clone() }),
            Asked::Nearby { lat, lng } => Some(Need::Nearby {
                lat: *lat,
                lng: *lng,
            }),
            Asked::Bus(query) => Some(Need::Bus {
                query: query.clone(),
            }),
            Asked::Notices(kind, query) => Some(Need::Notices {
                kind: *kind,
                query: query.clone(),
            }),
            _ => None,
        };
        let procedure = match &asked {
            Asked::Procedure(code, _) => Some(code.clone()),
            Asked::TopicAspect(_) => st.topic_at(now).cloned(),
            Asked::Search(_) => {
                found
                    .as_ref()
                    .and_then(|f| match self.search_target(&st, f, now) {
                        SearchTarget::Topic(code, _) | SearchTarget::Answer(code, _) => Some(code),
                        _ => None,
                    })
            }
            _ => None,
        };
        Plan {
            asked,
            found,
            need,
            procedure,
        }
    }

    /// The reply, once what [`Self::plan`] asked for has been fetched.
    pub fn respond(&self, state: &State, plan: Plan, fetched: Fetched, now: i64) -> Turn {
        let mut st = Self::current(state, now);
        let mut effects = Vec::new();
        let t = &self.texts;
        let details = fetched.procedure.as_ref();
        let reply = match plan.asked {
            Asked::Silent => None,
            Asked::Welcome => Some(t.welcome()),
            Asked::Section(section) => Some(t.section(section)),
            Asked::Thanks => Some(t.thanks()),
            Asked::Empty => Some(t.empty()),
            Asked::Handover => {
                st.handover_until = Some(now + HANDOVER_TTL);
                st.choices.clear();
                effects.push(Effect::Handover);
                Some(t.handover())
            }
            Asked::BackToBot => {
                st.handover_until = None;
                Some(t.back_to_bot())
            }
            Asked::Unsupported(kind) => Some(t.unsupported(&kind)),
            Asked::UnknownChoice => Some(t.welcome()),
            Asked::LookAlikeCode => Some(t.look_alike_code()),
            Asked::Dossier(..)
            | Asked::BusStop(_)
            | Asked::Nearby { .. }
            | Asked::Bus(_)
            | Asked::Notices(..) => Some(match (plan.need, fetched.looked) {
                (Some(need), Some(Looked::Unavailable) | None) => t.unavailable(&need),
                (Some(_), Some(looked)) => t.looked(&looked, now),
                (None, _) => t.welcome(),
            }),
            Asked::Feedback(procedure, helpful) => {
                effects.push(Effect::Feedback {
                    procedure: procedure.clone(),
                    helpful,
                });
                Some(if helpful {
                    t.thanks_feedback()
                } else {
                    t.sorry_feedback()
                })
            }
            Asked::Procedure(code, aspect) => {
                Some(self.answer(&mut st, &code, aspect, details, now))
            }
            Asked::TopicAspect(aspect) => match st.topic_at(now).cloned() {
                Some(code) => Some(self.answer(&mut st, &code, Some(aspect), details, now)),
                None => Some(t.which_procedure(aspect)),
            },
            Asked::Search(text) => {
                let found = plan.found.unwrap_or_else(|| self.engine.search(&text));
                Some(self.search(&mut st, &text, &found, details, now, &mut effects))
            }
        };
        Turn {
            reply,
            state: st,
            effects,
        }
    }

    /// Reads a message in the light of the conversation so far.
    fn read(&self, st: &State, incoming: &Incoming, now: i64) -> Asked {
        let handover = st.in_handover(now);
        match incoming {
            Incoming::Start => {
                if handover {
                    Asked::Silent
                } else {
                    Asked::Welcome
                }
            }
            Incoming::Choice(p) => self.read_choice(p, handover),
            Incoming::Location { lat, lng } if !handover => {
                if lat.is_finite()
                    && lng.is_finite()
                    && (-90.0..=90.0).contains(lat)
                    && (-180.0..=180.0).contains(lng)
                {
                    Asked::Nearby {
                        lat: *lat,
                        lng: *lng,
                    }
                } else {
                    Asked::Unsupported("location".into())
                }
            }
            Incoming::Unsupported(kind) if !handover => Asked::Unsupported(kind.clone()),
            Incoming::Location { .. } | Incoming::Unsupported(_) => Asked::Silent,
            Incoming::Text(text) => {
                let text: String = text.chars().take(MAX_MESSAGE_CHARS).collect();
                if looks_like_payload(&text) {
                    return self.read_choice(text.trim(), handover);
                }
                let tokens: Vec<Token> = split(&normalize(&text)).map(Token::new).collect();
                let intents = self.engine.lexicon().intents_in(&tokens);
                let has = |i: Intent| intents.iter().any(|(_, _, x)| *x == i);
                if handover {
                    return if has(Intent::BackToBot) {
                        Asked::BackToBot
                    } else {
                        Asked::Silent
                    };
                }
                if tokens.is_empty() {
                    return Asked::Empty;
                }
                match dossier::DossierCode::find_in(&text) {
                    dossier::Found::Code(code) => return Asked::Dossier(code, false),
                    dossier::Found::LookAlike => return Asked::LookAlikeCode,
                    dossier::Found::None => {}
                }
                if let Some(code) = bus_stop_code(&tokens) {
                    return Asked::BusStop(code);
                }
                if names_a_route(&tokens) {
                    return Asked::Bus(text);
                }
                let short = tokens.len() <= 8;
                if short && has(Intent::Handover) {
                    return Asked::Handover;
                }
                if short && has(Intent::BackToBot) {
                    return Asked::Welcome;
                }
                if let Some(pick) = self.pick(st, &tokens) {
                    return Asked::Procedure(pick, st.choice_aspect);
                }
                // Greetings, thanks and "menu" only when that is all the
                // message says (filler aside): "chào ad, cho em hỏi làm hộ
                // chiếu" is a question.
                let lex = self.engine.lexicon();
                let meaningful: Vec<usize> = (0..tokens.len())
                    .filter(|&i| !lex.is_glue(&tokens[i]))
                    .collect();
                for (at, len, intent) in &intents {
                    if intent.whole_message()
                        && meaningful.iter().all(|i| (*at..at + len).contains(i))
                    {
                        return match intent {
                            Intent::Thanks => Asked::Thanks,
                            Intent::NoticesMenu => Asked::Section("notices"),
                            _ => Asked::Welcome,
                        };
                    }
                }
                for (_, _, intent) in &intents {
                    match intent {
                        Intent::Notices(kind) => return Asked::Notices(*kind, text),
                        Intent::Bus => {
                            return Asked::Bus(self.without_leading_filler(&text, &tokens));
                        }
                        Intent::Dossier => return Asked::Section("dossier"),
                        _ => {}
                    }
                }
                Asked::Search(text)
            }
        }
    }

    fn read_choice(&self, p: &str, handover: bool) -> Asked {
        use payload::*;
        if handover {
            return if p == BOT {
                Asked::BackToBot
            } else {
                Asked::Silent
            };
        }
        let code = |s: &str| {
            ProcedureCode::parse(s)
                .ok()
                .filter(|c| self.engine.entry(c).is_some())
        };
        if p == HANDOVER {
            Asked::Handover
        } else if p == BOT {
            Asked::BackToBot
        } else if p == MENU_PROCEDURES {
            Asked::Section("procedures")
        } else if p == MENU_DOSSIER {
            Asked::Section("dossier")
        } else if p == MENU_BUS {
            Asked::Section("bus")
        } else if p == MENU_NOTICES {
            Asked::Section("notices")
        } else if let Some(rest) = p.strip_prefix(PROC) {
            code(rest).map_or(Asked::UnknownChoice, |c| Asked::Procedure(c, None))
        } else if let Some(rest) = p.strip_prefix(ASPECT) {
            rest.parse()
                .map_or(Asked::UnknownChoice, Asked::TopicAspect)
        } else if let Some(rest) = p.strip_prefix(NOTICES) {
            NoticeKind::parse(&rest.to_ascii_lowercase())
                .map_or(Asked::UnknownChoice, |k| Asked::Notices(k, String::new()))
        } else if let Some(rest) = p.strip_prefix(STOP) {
            if crate::bus::is_stop_code(rest) {
                Asked::BusStop(rest.to_ascii_uppercase())
            } else {
                Asked::UnknownChoice
            }
        } else if let Some(rest) = p.strip_prefix(ROUTE) {
            let ok = !rest.is_empty() && rest.chars().count() <= 20;
            if ok {
                Asked::Bus(format!("tuyến {rest}"))
            } else {
                Asked::UnknownChoice
            }
        } else if let Some(rest) = p.strip_prefix(DOSSIER_HISTORY) {
            DossierCode::parse(rest).map_or(Asked::UnknownChoice, |c| Asked::Dossier(c, true))
        } else if let Some(rest) = p.strip_prefix(FEEDBACK_UP) {
            code(rest).map_or(Asked::UnknownChoice, |c| Asked::Feedback(c, true))
        } else if let Some(rest) = p.strip_prefix(FEEDBACK_DOWN) {
            code(rest).map_or(Asked::UnknownChoice, |c| Asked::Feedback(c, false))
        } else {
            Asked::UnknownChoice
        }
    }

    /// The message without the politeness it opens with ("cho em hỏi …",
    /// "ad ơi …"), for the lookups that read the rest as a place.
    fn without_leading_filler(&self, text: &str, tokens: &[Token]) -> String {
        let filler = &self.engine.lexicon().filler;
        let mut at = 0;
        while let Some((n, _)) = filler.longest_at(tokens, at) {
            at += n;
        }
        if at == 0 || at >= tokens.len() {
            return text.to_owned();
        }
        tokens[at..]
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// A pending choice picked by number ("2", "số 2", "cái thứ 2") or by
    /// part of its name that only it has.
    fn pick(&self, st: &State, tokens: &[Token]) -> Option<ProcedureCode> {
        if st.choices.is_empty() {
            return None;
        }
        let lex = self.engine.lexicon();
        let words: Vec<&Token> = tokens
            .iter()
            .filter(|t| {
                !lex.is_glue(t)
                    && !["so", "cai", "thu", "chon", "muc", "phuong", "an"]
                        .contains(&t.folded.as_str())
            })
            .collect();
        if let [only] = words.as_slice()
            && let Ok(n) = only.folded.parse::<usize>()
        {
            return st.choices.get(n.checked_sub(1)?).cloned();
        }
        if words.is_empty() || words.len() > 6 {
            return None;
        }
        // Part of a name: every typed word in the candidate's name, and in
        // no other candidate's.
        let matching: Vec<&ProcedureCode> = st
            .choices
            .iter()
            .filter(|c| {
                self.engine.entry(c).is_some_and(|p| {
                    let name: Vec<Token> = split(&normalize(&p.name)).map(Token::new).collect();
                    words.iter().all(|w| name.iter().any(|n| w.compatible(n)))
                })
            })
            .collect();
        match matching.as_slice() {
            [one] => Some((*one).clone()),
            _ => None,
        }
    }

    /// Answers a procedure with its details; without them (the store did
    /// not have them) says so and offers the portal page and the hotline.
    fn answer(
        &self,
        st: &mut State,
        code: &ProcedureCode,
        aspect: Option<Aspect>,
        details: Option<&Procedure>,
        now: i64,
    ) -> Reply {
        st.topic = Some(code.clone());
        st.choices.clear();
        st.choice_aspect = None;
        st.updated_at = now;
        match details.filter(|p| &p.code == code) {
            Some(p) => self.texts.procedure(p, aspect),
            None => self.texts.details_missing(self.engine.entry(code)),
        }
    }

    /// What a search leads to.
    fn search_target(&self, st: &State, found: &Found, now: i64) -> SearchTarget {
        // A question that names no procedure (or none the catalogue knows)
        // but asks for an aspect is a follow-up about the one under
        // discussion.
        if let Some(aspect) = found.aspect
            && (found.content_words == 0
                || found.outcome == Outcome::None && st.topic_at(now).is_some())
        {
            return match st.topic_at(now) {
                Some(code) => SearchTarget::Topic(code.clone(), aspect),
                None => SearchTarget::WhichProcedure(aspect),
            };
        }
        match found.outcome {
            Outcome::Answer => SearchTarget::Answer(found.hits[0].code.clone(), found.aspect),
            Outcome::Clarify => SearchTarget::Clarify,
            Outcome::None => SearchTarget::None,
        }
    }

    fn search(
        &self,
        st: &mut State,
        text: &str,
        found: &Found,
        details: Option<&Procedure>,
        now: i64,
        effects: &mut Vec<Effect>,
    ) -> Reply {
        match self.search_target(st, found, now) {
            SearchTarget::Topic(code, aspect) => self.answer(st, &code, Some(aspect), details, now),
            SearchTarget::WhichProcedure(aspect) => self.texts.which_procedure(aspect),
            SearchTarget::Answer(code, aspect) => self.answer(st, &code, aspect, details, now),
            SearchTarget::Clarify => {
                let hits: Vec<&Entry> = found
                    .hits
                    .iter()
                    .take(MAX_CHOICES)
                    .filter_map(|h| self.engine.entry(&h.code))
                    .collect();
                st.choices = hits.iter().map(|p| p.code.clone()).collect();
                st.choice_aspect = found.aspect;
                st.topic = None;
                st.updated_at = now;
                self.texts.clarify(&hits, found.definition)
            }
            SearchTarget::None => {
                effects.push(Effect::Unanswered {
                    query: self.engine.redact(text),
                });
                st.choices.clear();
                self.texts.dont_know()
            }
        }
    }
}

/// Where a searched question leads.
enum SearchTarget {
    Topic(ProcedureCode, Aspect),
    WhichProcedure(Aspect),
    Answer(ProcedureCode, Option<Aspect>),
    Clarify,
    None,
}

/// What [`Dialogue::plan`] read, and what must be fetched.
#[derive(Debug, Clone)]
pub struct Plan {
    asked: Asked,
    found: Option<Found>,
    /// A lookup to make.
    pub need: Option<Need>,
    /// The procedure whose details the answer shows.
    pub procedure: Option<ProcedureCode>,
}

/// What was fetched for a [`Plan`].
#[derive(Debug, Clone, Default)]
pub struct Fetched {
    pub looked: Option<Looked>,
    pub procedure: Option<Procedure>,
}

/// Whether typed text is one of the bot's own payloads (sent back as text
/// by Zalo's query buttons, or typed).
fn looks_like_payload(text: &str) -> bool {
    use payload::*;
    let t = text.trim();
    t == HANDOVER
        || t == BOT
        || [MENU_PROCEDURES, MENU_DOSSIER, MENU_BUS, MENU_NOTICES].contains(&t)
        || [
            PROC,
            ASPECT,
            NOTICES,
            FEEDBACK_UP,
            FEEDBACK_DOWN,
            DOSSIER_HISTORY,
            STOP,
            ROUTE,
        ]
        .iter()
        .any(|p| t.starts_with(p))
}

/// An address as citizens type it: a house number (after "số" or not,
/// "12", "12A", "12/4") followed by two to six words of a street name, and
/// nothing else.
fn looks_like_address(text: &str) -> bool {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let rest = match words.as_slice() {
        [so, number, rest @ ..] if crate::text::fold(so) == "so" && is_house_number(number) => rest,
        [number, rest @ ..] if is_house_number(number) => rest,
        _ => return false,
    };
    (2..=6).contains(&rest.len())
        && rest
            .iter()
            .all(|w| w.chars().all(char::is_alphabetic) && w.chars().count() <= 7)
}

/// "12", "12A", "12/4", "171-173".
fn is_house_number(w: &str) -> bool {
    w.chars().next().is_some_and(|c| c.is_ascii_digit())
        && w.len() <= 9
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '/' || c == '-')
        && w.chars().filter(char::is_ascii_alphabetic).count() <= 1
}

/// "tuyến 05", "tuyến số 13", "tuyen R16", "tuyến LK 01": a bus route
/// named by its number ("trực tuyến" is online, not a route).
fn names_a_route(tokens: &[Token]) -> bool {
    let route = Token::new("tuyến");
    tokens.iter().enumerate().any(|(i, t)| {
        // "tuyển" (to recruit, "xét tuyển 10") is another word.
        let is_route = t.folded == "tuyen" && (!t.accented() || t.same_word(&route));
        if !is_route || (i > 0 && tokens[i - 1].folded == "truc") {
            return false;
        }
        let mut next = tokens[i + 1..].iter().map(|t| t.folded.as_str());
        let mut n = next.next();
        if n == Some("so") {
            n = next.next();
        }
        match n {
            Some("lk") => next
                .next()
                .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit())),
            Some(code) => {
                code.len() <= 5
                    && code.bytes().any(|b| b.is_ascii_digit())
                    && code.bytes().all(|b| b.is_ascii_alphanumeric())
                    && code.bytes().filter(u8::is_ascii_alphabetic).count() <= 2
            }
            None => false,
        }
    })
}

/// `MT <mã trạm>`: the stop code after "MT" (or glued to it, "MT123").
fn bus_stop_code(tokens: &[Token]) -> Option<String> {
    let first = tokens.first()?;
    let code = if first.folded == "mt" {
        tokens.get(1)?.folded.clone()
    } else {
        first.folded.strip_prefix("mt")?.to_owned()
    };
    let ok = crate::bus::is_stop_code(&code)
        && code.bytes().any(|b| b.is_ascii_digit())
        && tokens.len() <= 3;
    ok.then(|| code.to_ascii_uppercase())
}

/// A name cut for a numbered list.
pub(crate) fn short_name(p: &Entry) -> String {
    shorten(&p.name, 110)
}

/// Summary or aspect text, for one procedure.
pub(crate) fn procedure_text(p: &Procedure, aspect: Option<Aspect>) -> String {
    match aspect {
        Some(a) => answer::aspect(p, a),
        None => answer::summary(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Token> {
        split(&normalize(s)).map(Token::new).collect()
    }

    #[test]
    fn a_route_is_named_by_tuyen_and_its_number() {
        for s in [
            "tuyến 05 chạy mấy giờ",
            "tuyen R16",
            "tuyến số 13",
            "xe tuyến LK 01",
        ] {
            assert!(names_a_route(&toks(s)), "{s}");
        }
        for s in [
            "xét tuyển 10 học sinh",
            "nộp hồ sơ trực tuyến 2 lần",
            "tuyến đường nào",
            "tuyến",
        ] {
            assert!(!names_a_route(&toks(s)), "{s}");
        }
    }

    #[test]
    fn an_address_is_a_house_number_and_a_street() {
        for s in [
            "101 Nguyễn Văn Cừ",
            "số 12/4 Lê Duẩn",
            "171-173 nguyen luong bang",
        ] {
            assert!(looks_like_address(s), "{s}");
        }
        for s in [
            "2 con dưới 6 tuổi",
            "101",
            "Nguyễn Văn Cừ",
            "12 tháng 5 năm 2026 làm giấy khai sinh được không",
        ] {
            assert!(!looks_like_address(s), "{s}");
        }
    }
}
