//! annals: an event-sourced knowledge base of facts taken from news articles.
//!
//! # The life of an event
//!
//! 1. An article comes in (`annals ingest`). [`extract`] splits it into sentences, finds
//!    the names in it, types them, and matches relation patterns; the result is a list of
//!    candidate facts, each with its evidence sentence. Extraction never touches storage:
//!    it reads the knowledge base only through a gazetteer of known names.
//! 2. The candidates become [`event::Event`]s (an `ArticleAdded`, `EntityTyped`s,
//!    `FactAsserted`s), grouped in one [`event::Commit`] per article. Imports and write
//!    statements (`assert`, `retract`, `alias`) make commits the same way.
//! 3. [`log`] gives the commit the next transaction number and appends it to sled through
//!    [`store`], the only module that knows sled. The command returns only once the data
//!    files are fsynced and the tx is recorded in the `ACKED` file beside them.
//! 4. [`view::View::apply`] folds the commit into the in-memory materialized view:
//!    names interned and folded, triples indexed both ways, each support with the tx that
//!    asserted it and the tx that retracted it. The view's watermark is the last applied
//!    tx; checkpoints store it with the view, and opening replays only the tail.
//! 5. `annals rematerialize` rebuilds the view from the log alone and switches to it
//!    atomically; `annals verify` checks every checksum and compares the view in service
//!    with a fresh replay.
//!
//! # The life of a query
//!
//! 1. [`query::parser`] turns text into an [`query::ast::Statement`], with a span on
//!    every node; errors are rendered by [`query::diagnostic`] with a caret.
//! 2. The session resolves names against a [`view::Snapshot`] as of the statement's tx
//!    (aliases and retractions as they stood then), orders the clauses by estimated rows,
//!    and streams solutions through the view's indexes.
//! 3. The result is a [`table::Table`]; the binary renders it as a table, TSV, CSV, JSON
//!    or JSON lines. The library never prints and never exits.

// Input must not be able to panic the library: no unwrap, expect or unchecked index
// outside tests (CI runs clippy with -D warnings). An index that provably cannot fail
// gets a local `#[allow(clippy::indexing_slicing)]` with a `// why:` comment. Not in
// Cargo.toml's [lints], which would also reach the integration tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

pub mod error;
pub mod event;
pub mod export;
pub mod extract;
pub mod import;
pub mod ingest;
pub mod kb;
pub mod log;
pub mod query;
pub mod schema;
pub mod store;
pub mod table;
pub mod value;
pub mod view;

pub use error::{Error, Result};
pub use kb::{Kb, OpenOptions};

/// Helpers for the unit tests of several modules.
#[cfg(test)]
mod testing {
    /// Runs `check` on proptest's default number of random cases of `strategy`; a panic
    /// in `check` fails the test with the shrunk case.
    pub fn for_random<S: proptest::strategy::Strategy>(strategy: S, check: impl Fn(S::Value)) {
        proptest::test_runner::TestRunner::default()
            .run(&strategy, |value| {
                check(value);
                Ok(())
            })
            .unwrap();
    }
}
