//! annals: an event-sourced knowledge base of facts taken from news articles.
pub mod error;
pub mod event;
pub mod query;
pub mod table;
pub mod value;
pub mod view;

pub use error::{Error, Result};
