//! Tantivy as a peer in `chatbot bench retrieval`: the same catalogue in
//! an in-memory tantivy index, set up two ways.
//!
//! - [`Mode::Same`] compares *engines*, not text handling: every field is
//!   indexed with exactly the term keys our index holds
//!   ([`index::field_terms`]), and a query is searched with exactly the
//!   weighted keys our engine searches with ([`Engine::query_terms`]), as a
//!   disjunction of boosted term queries. What differs is tantivy's BM25
//!   scoring, posting lists and top-k collection.
//! - [`Mode::Stock`] is what a team gets out of the box: the fields as
//!   text, tantivy's simple tokenizer with lower-casing and ASCII folding,
//!   and its query parser.
//!
//! Both keep one reader and one searcher for all queries; a query opens
//! nothing.

use chatbot::Error;
use chatbot::catalogue::{Engine, Entry, index};
use chatbot::text::lexicon::Lexicon;
use tantivy::collector::TopDocs;
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, QueryParser, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};
use tantivy::{
    DocAddress, Index, IndexReader, ReloadPolicy, Score, Searcher, TantivyDocument, Term,
};

/// How many codes a search returns.
const TOP: usize = 5;
/// The field weights of our engine (name, results, field, agencies).
const FIELD_WEIGHTS: [f32; 4] = [1.0, 0.35, 0.25, 0.1];
/// The field names, in the order of [`FIELD_WEIGHTS`] and
/// [`index::field_terms`].
const FIELD_NAMES: [&str; 4] = ["name", "results", "field", "agencies"];
/// The name the stock analyzer is registered under.
const STOCK_TOKENIZER: &str = "vi_fold";
/// The indexing heap: tantivy's writer wants at least ~15 MB a thread.
const WRITER_HEAP: usize = 50_000_000;
/// Tantivy's version, for the report.
const TANTIVY_VERSION: &str = "0.27";

/// How the tantivy index is set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The same text handling as our engine (its term keys on both sides),
    /// tantivy's scoring.
    Same,
    /// Tantivy's stock text handling: simple tokenizer, lower-casing,
    /// ASCII folding, the query parser.
    Stock,
}

/// A tantivy index over the catalogue, ready to be queried.
pub struct TantivyPeer {
    mode: Mode,
    /// The searcher every query uses (it holds the segment readers).
    searcher: Searcher,
    /// The reader the searcher came from; never reloaded (manual policy).
    _reader: IndexReader,
    /// The four text fields (name, results, field, agencies).
    fields: [Field; 4],
    /// Per segment (by segment ordinal), the column of entry ordinals.
    ordinals: Vec<Column<u64>>,
    /// Entry codes by entry ordinal.
    codes: Vec<String>,
    how: How,
}

/// What turns a query into a tantivy query, per mode.
enum How {
    /// Our engine, for the query terms.
    Same(Box<Engine>),
    /// Tantivy's query parser over the four fields, with the field boosts.
    Stock(QueryParser),
}

/// A tantivy error as the crate's error.
fn tantivy_err(e: impl std::fmt::Display) -> Error {
    Error::Io(std::io::Error::other(format!("tantivy: {e}")))
}

/// The stock analyzer: split on non-alphanumerics, drop tokens over 40
/// bytes, lower-case, fold to ASCII (đ → d, ệ → e, …).
fn stock_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The separator of term keys in a [`Mode::Same`] field value. Keys are
/// syllables and pairs of syllables, so never hold one.
const KEY_SEPARATOR: char = '\n';
/// The name the key tokenizer is registered under.
const KEY_TOKENIZER: &str = "term_keys";

/// The [`Mode::Same`] tokenizer: a field value is our term keys joined by
/// [`KEY_SEPARATOR`], and each key is one token, as it is (a bigram key
/// keeps its inner space).
#[derive(Clone, Default)]
struct KeyTokenizer {
    token: Token,
}

struct KeyTokenStream<'a> {
    text: &'a str,
    /// Byte offset of the next key.
    next: usize,
    token: &'a mut Token,
}

impl Tokenizer for KeyTokenizer {
    type TokenStream<'a> = KeyTokenStream<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> KeyTokenStream<'a> {
        self.token.reset();
        KeyTokenStream {
            text,
            next: 0,
            token: &mut self.token,
        }
    }
}

impl TokenStream for KeyTokenStream<'_> {
    fn advance(&mut self) -> bool {
        while self.next < self.text.len() {
            let from = self.next;
            let rest = &self.text[from..];
            let len = rest.find(KEY_SEPARATOR).unwrap_or(rest.len());
            self.next = from + len + KEY_SEPARATOR.len_utf8();
            if len > 0 {
                self.token.text.clear();
                self.token.text.push_str(&rest[..len]);
                self.token.offset_from = from;
                self.token.offset_to = from + len;
                self.token.position = self.token.position.wrapping_add(1);
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// Term keys as one [`KeyTokenizer`] value.
fn joined_keys(keys: &[String]) -> String {
    let mut text = String::with_capacity(keys.iter().map(|k| k.len() + 1).sum());
    for key in keys {
        if !text.is_empty() {
            text.push(KEY_SEPARATOR);
        }
        text.push_str(key);
    }
    text
}

impl TantivyPeer {
    /// Builds an in-memory (RAM directory) index over the entries.
    pub fn build(entries: &[Entry], mode: Mode) -> Result<Self, Error> {
        let mut sb = Schema::builder();
        let text_options = match mode {
            // Our term keys, one token each; frequencies for BM25, no
            // positions (no phrase queries are built).
            Mode::Same => TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(KEY_TOKENIZER)
                    .set_index_option(IndexRecordOption::WithFreqs),
            ),
            // What `TEXT` is, with the folding analyzer: positions too, so
            // the parser's phrase queries work.
            Mode::Stock => TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(STOCK_TOKENIZER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        };
        let fields = FIELD_NAMES.map(|name| sb.add_text_field(name, text_options.clone()));
        let code_field = sb.add_text_field("code", STRING | STORED);
        let ordinal_field = sb.add_u64_field("ordinal", FAST);
        let schema = sb.build();

        let index = Index::create_in_ram(schema);
        match mode {
            Mode::Same => index
                .tokenizers()
                .register(KEY_TOKENIZER, KeyTokenizer::default()),
            Mode::Stock => index
                .tokenizers()
                .register(STOCK_TOKENIZER, stock_analyzer()),
        }

        let mut writer = index
            .writer_with_num_threads::<TantivyDocument>(1, WRITER_HEAP)
            .map_err(tantivy_err)?;
        let lexicon = Lexicon::embedded()?;
        let in_full = lexicon.indexed_in_full();
        for (ordinal, entry) in entries.iter().enumerate() {
            let mut doc = TantivyDocument::default();
            doc.add_text(code_field, entry.code.as_str());
            doc.add_u64(ordinal_field, ordinal as u64);
            match mode {
                Mode::Same => {
                    for (field, keys) in fields.iter().zip(index::field_terms(entry, &in_full)) {
                        if !keys.is_empty() {
                            doc.add_text(*field, joined_keys(&keys));
                        }
                    }
                }
                Mode::Stock => {
                    let [name, results, field, agencies] = fields;
                    doc.add_text(name, &entry.name);
                    doc.add_text(results, entry.results.join(" ; "));
                    doc.add_text(field, &entry.field);
                    doc.add_text(agencies, entry.agencies.join(" ; "));
                }
            }
            writer.add_document(doc).map_err(tantivy_err)?;
        }
        writer.commit().map_err(tantivy_err)?;
        writer.wait_merging_threads().map_err(tantivy_err)?;

        let reader: IndexReader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(tantivy_err)?;
        let searcher = reader.searcher();
        let ordinals = searcher
            .segment_readers()
            .iter()
            .map(|s| s.fast_fields().u64("ordinal"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(tantivy_err)?;
        let codes = entries.iter().map(|e| e.code.as_str().to_owned()).collect();

        let how = match mode {
            Mode::Same => How::Same(Box::new(Engine::new(entries.to_vec(), lexicon))),
            Mode::Stock => {
                let mut parser = QueryParser::for_index(&index, fields.to_vec());
                for (field, weight) in fields.iter().zip(FIELD_WEIGHTS) {
                    parser.set_field_boost(*field, weight);
                }
                How::Stock(parser)
            }
        };

        Ok(Self {
            mode,
            searcher,
            _reader: reader,
            fields,
            ordinals,
            codes,
            how,
        })
    }

    /// Up to 5 entry codes, best first, and the best score (0.0 when
    /// nothing matched).
    pub fn search(&self, query: &str) -> Result<(Vec<String>, f32), Error> {
        let query: Box<dyn Query> = match &self.how {
            How::Same(engine) => {
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for (key, w) in engine.query_terms(query) {
                    if w <= 0.0 || !w.is_finite() {
                        continue;
                    }
                    for (field, fw) in self.fields.iter().zip(FIELD_WEIGHTS) {
                        let term = TermQuery::new(
                            Term::from_field_text(*field, &key),
                            IndexRecordOption::WithFreqs,
                        );
                        clauses.push((
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(term), w * fw)),
                        ));
                    }
                }
                if clauses.is_empty() {
                    return Ok((Vec::new(), 0.0));
                }
                Box::new(BooleanQuery::new(clauses))
            }
            // Lenient: citizens' text has quotes, colons, parentheses, + and
            // -; whatever the grammar cannot read is dropped, not an error.
            How::Stock(parser) => parser.parse_query_lenient(query).0,
        };
        let top: Vec<(Score, DocAddress)> = self
            .searcher
            .search(&*query, &TopDocs::with_limit(TOP).order_by_score())
            .map_err(tantivy_err)?;
        let best = top.first().map_or(0.0, |&(score, _)| score);
        let codes = top
            .iter()
            .map(|&(_, addr)| self.code(addr))
            .collect::<Result<Vec<_>, _>>()?;
        Ok((codes, best))
    }

    /// The code of a hit, through the entry-ordinal fast field.
    fn code(&self, addr: DocAddress) -> Result<String, Error> {
        self.ordinals
            .get(addr.segment_ord as usize)
            .and_then(|column| column.first(addr.doc_id))
            .and_then(|ordinal| usize::try_from(ordinal).ok())
            .and_then(|ordinal| self.codes.get(ordinal))
            .cloned()
            .ok_or_else(|| tantivy_err(format!("no entry for document {addr:?}")))
    }

    /// A short description for the report.
    pub fn describe(&self) -> String {
        match self.mode {
            Mode::Same => format!(
                "tantivy {TANTIVY_VERSION} (BM25), project text handling (our term keys, our query terms)"
            ),
            Mode::Stock => format!(
                "tantivy {TANTIVY_VERSION} (BM25), stock text handling (simple tokenizer, ASCII folding, query parser)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use chatbot::catalogue::{Level, ProcedureCode};

    use super::*;

    fn entry(code: &str, name: &str, field: &str, results: &[&str], agencies: &[&str]) -> Entry {
        Entry {
            code: ProcedureCode::parse(code).expect("test code"),
            name: name.into(),
            url: format!("https://dichvucong.gov.vn/{code}"),
            levels: vec![Level::Commune],
            field: field.to_owned(),
            results: results.iter().map(|s| (*s).to_owned()).collect(),
            agencies: agencies.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    const KHAI_SINH: &str = "1.001193";

    /// "Đăng ký khai sinh" comes after an entry sharing most of its words
    /// and with shorter fields, so that neither a tie (broken by document
    /// order) nor length normalisation finds it by luck.
    fn entries() -> Vec<Entry> {
        vec![
            entry(
                "2.000806",
                "Đăng ký kết hôn",
                "Hộ tịch",
                &["Giấy chứng nhận kết hôn"],
                &["Ủy ban nhân dân cấp xã"],
            ),
            entry(
                "1.001195",
                "Đăng ký khai tử",
                "Hộ tịch",
                &["Trích lục khai tử"],
                &["Ủy ban nhân dân cấp xã"],
            ),
            entry(
                KHAI_SINH,
                "Đăng ký khai sinh",
                "Hộ tịch",
                &["Giấy khai sinh bản chính"],
                &["Ủy ban nhân dân cấp xã"],
            ),
            entry(
                "1.012549",
                "Cấp lại thẻ căn cước",
                "Căn cước",
                &["Thẻ căn cước"],
                &["Công an cấp tỉnh"],
            ),
            entry(
                "1.002809",
                "Cấp giấy phép lái xe",
                "Đường bộ",
                &["Giấy phép lái xe"],
                &["Sở Xây dựng"],
            ),
        ]
    }

    fn peer(mode: Mode) -> TantivyPeer {
        TantivyPeer::build(&entries(), mode).expect("build")
    }

    fn first(p: &TantivyPeer, q: &str) -> Option<String> {
        p.search(q).expect("search").0.into_iter().next()
    }

    #[test]
    fn both_modes_find_the_name_with_and_without_diacritics() {
        for mode in [Mode::Same, Mode::Stock] {
            let p = peer(mode);
            for q in [
                "dang ky khai sinh",
                "đăng ký khai sinh",
                "ĐĂNG KÝ KHAI SINH",
            ] {
                let (codes, score) = p.search(q).expect("search");
                assert_eq!(
                    codes.first().map(String::as_str),
                    Some(KHAI_SINH),
                    "{mode:?} {q:?}"
                );
                assert!(codes.len() <= TOP);
                assert!(score > 0.0, "{mode:?} {q:?}");
            }
            assert_eq!(
                first(&p, "giấy phép lái xe").as_deref(),
                Some("1.002809"),
                "{mode:?}"
            );
            assert_eq!(
                first(&p, "làm lại thẻ căn cước").as_deref(),
                Some("1.012549"),
                "{mode:?}"
            );
        }
    }

    #[test]
    fn same_mode_reads_typos_and_chat_spelling_like_our_engine() {
        let p = peer(Mode::Same);
        for q in ["dang ky khai sinhh", "dk khai sinh", "đăng kí khai xinh"] {
            assert_eq!(first(&p, q).as_deref(), Some(KHAI_SINH), "{q:?}");
        }
        // The fixture is such that the typos matter: without our reading,
        // "khai tử" (shorter fields) wins.
        let stock = peer(Mode::Stock);
        for q in ["dang ky khai sinhh", "đăng kí khai xinh"] {
            assert_eq!(first(&stock, q).as_deref(), Some("1.001195"), "{q:?}");
        }
    }

    #[test]
    fn same_mode_indexes_bigram_keys_as_one_token() {
        let p = peer(Mode::Same);
        let term = Term::from_field_text(p.fields[0], "khai sinh");
        let q = TermQuery::new(term, IndexRecordOption::WithFreqs);
        let top = p
            .searcher
            .search(&q, &TopDocs::with_limit(TOP).order_by_score())
            .expect("search");
        let codes: Vec<String> = top.iter().map(|&(_, a)| p.code(a).expect("code")).collect();
        assert_eq!(codes, [KHAI_SINH]);
    }

    #[test]
    fn empty_and_punctuation_queries_match_nothing() {
        for mode in [Mode::Same, Mode::Stock] {
            let p = peer(mode);
            for q in ["", "   ", "?!...", "\"\"", "()", ":", "+-"] {
                let (codes, score) = p.search(q).expect("search");
                assert!(codes.is_empty(), "{mode:?} {q:?}: {codes:?}");
                assert_eq!(score, 0.0, "{mode:?} {q:?}");
            }
        }
    }

    #[test]
    fn stock_mode_survives_query_syntax() {
        let p = peer(Mode::Stock);
        for q in [
            "\"đăng ký khai sinh",
            "khai sinh: hồ sơ (gồm những gì?)",
            "name:khai sinh",
            "+khai -sinh",
            "khai sinh AND OR NOT",
            "[khai TO sinh}",
            "giấy tờ ^2 ~ * \\",
        ] {
            p.search(q).unwrap_or_else(|e| panic!("{q:?}: {e}"));
        }
        assert_eq!(
            first(&p, "cho hỏi: đăng ký khai sinh (cho con)?").as_deref(),
            Some(KHAI_SINH)
        );
    }

    fn tokens(mut stream: impl TokenStream) -> Vec<(String, usize)> {
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.position));
        }
        out
    }

    #[test]
    fn key_tokenizer_keeps_each_key_whole() {
        let keys = ["khai", "~khai1", "^khai", "khai sinh", "khai"].map(String::from);
        let text = joined_keys(&keys);
        let mut t = KeyTokenizer::default();
        let got = tokens(t.token_stream(&text));
        let want: Vec<(String, usize)> = keys.iter().cloned().zip(0..).collect();
        assert_eq!(got, want);
        assert!(tokens(t.token_stream("")).is_empty());
        assert_eq!(
            tokens(t.token_stream("\na\n\nb c\n")),
            [("a".into(), 0), ("b c".into(), 1)]
        );
    }

    #[test]
    fn ascii_folding_maps_vietnamese_letters() {
        let mut a = stock_analyzer();
        let out: Vec<String> =
            tokens(a.token_stream("Đường ĐĂNG ký Thẻ căn cước ở Ủy ban, ngữ ữ ặ ộ ỹ"))
                .into_iter()
                .map(|(t, _)| t)
                .collect();
        assert_eq!(
            out,
            [
                "duong", "dang", "ky", "the", "can", "cuoc", "o", "uy", "ban", "ngu", "u", "a",
                "o", "y"
            ]
        );
    }

    #[test]
    fn describe_names_the_mode() {
        assert!(
            peer(Mode::Same)
                .describe()
                .contains("project text handling")
        );
        assert!(peer(Mode::Stock).describe().contains("stock"));
    }
}
