//! annals: an event-sourced knowledge base of facts taken from news articles.
pub mod error;
pub mod event;
pub mod export;
pub mod import;
pub mod kb;
pub mod log;
pub mod query;
pub mod store;
pub mod table;
pub mod value;
pub mod view;

pub use error::{Error, Result};
pub use kb::{Kb, OpenOptions};
