//! The annals query language: syntax tree, parser, diagnostics, planner and executor.
pub mod ast;
pub mod compile;
pub mod diagnostic;
pub mod exec;
pub mod parser;
pub mod plan;
pub mod print;
pub mod session;

pub use session::{Output, Session};

use crate::error::Result;
use crate::event::{Commit, Event, Tx};
use crate::view::View;

/// What the executor needs from a database: the view to read, the log for `history` and
/// `why`, and a way to append one commit for a write statement. `Kb` implements it over
/// sled; tests implement it over a `Vec<Commit>`.
pub trait Database {
    /// The view, caught up with the log.
    fn view(&self) -> &View;
    /// One stored commit.
    fn read_commit(&self, tx: Tx) -> Result<Commit>;
    /// Calls `f` with every commit from `from` on, in order, until it returns `false`.
    fn scan_commits(&self, from: Tx, f: &mut dyn FnMut(&Commit) -> Result<bool>) -> Result<()>;
    /// Appends one commit holding `events`, durably, applies it to the view, and returns
    /// its tx.
    fn commit(&mut self, events: Vec<Event>) -> Result<Tx>;
}
