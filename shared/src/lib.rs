//! `chatbot`: the domain of the city's public-service chatbot.
//!
//! - [`text`]: Vietnamese normalisation, folding, tokens and the curated lexicon.
//! - [`catalogue`]: the procedure model, the converter from the national
//!   portal's records, the search index and its ranking.
//! - [`dialogue`]: the conversation state machine (message + state → reply
//!   + state + effects) and every text the bot says.
//! - [`reply`]: the channel-neutral reply model.
//! - [`service`]: runs the dialogue over the storage and lookup ports.
//! - [`store`], [`lookup`]: the ports, with in-memory implementations.
//! - [`dossier`]: dossier codes.
//!
//! The crate is pure: no network, no AWS, no handler code. Adapters live in
//! `functions/*` and `cli/`.

pub mod bus;
pub mod calendar;
pub mod catalogue;
pub mod dialogue;
pub mod dossier;
pub mod eval;
pub mod lookup;
pub mod notices;
pub mod reply;
pub mod seeded;
pub mod service;
pub mod store;
pub mod text;

mod error;

pub use error::Error;
