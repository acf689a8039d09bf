//! `chatbot`: the domain of the city's public-service chatbot.
//!
//! - [`text`]: Vietnamese normalisation, folding, tokens and the curated lexicon.
//! - [`catalogue`]: the procedure model, the converter from the national
//!   portal's records, the search index and its ranking.
//!
//! The crate is pure: no network, no AWS, no handler code. Adapters live in
//! `functions/*` and `cli/`.

pub mod catalogue;
pub mod eval;
pub mod text;

mod error;

pub use error::Error;
