//! Administrative procedures: the model, the converter from the national
//! portal's records, the search index and the ranking on top of it.

pub mod model;

pub use model::*;
