//! annals: an event-sourced knowledge base of facts taken from news articles.
pub mod error;
pub mod event;
pub mod extract;
pub mod query;
pub mod value;

pub use error::{Error, Result};
