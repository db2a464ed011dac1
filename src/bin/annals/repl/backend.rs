//! What the shell needs from a database, as a trait: the shell's editing, completion,
//! meta-commands and output are written and tested against it, and [`super::kb`] binds it
//! to the real session and knowledge base.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use annals::query::ast::AsOf;
use annals::table::Table;
use annals::value::fold;
use annals::Result;

/// The result of one statement, as the session gives it.
#[derive(Debug, Default)]
pub struct Output {
    pub table: Table,
    /// Notices for standard error ("no entity named …; did you mean …").
    pub hints: Vec<String>,
    /// Parse, plan and execution time, when the backend measures it apart from opening
    /// the database (what `.timer` reports, SPEC §4 `--timer`).
    pub elapsed: Option<std::time::Duration>,
}

pub trait Backend {
    /// Parses and runs the statement starting at byte `start` of `src` (up to its `;`).
    /// `src` is the whole input the statement came from, so that line and column
    /// numbers count from its start; `origin` names it (a file; `None` for typed input).
    /// Errors come back already rendered (SPEC §3), the caret uncoloured.
    fn execute(&mut self, src: &str, start: usize, origin: Option<&str>) -> Result<Output>;
    /// The flag a running statement polls; the Ctrl-C handler sets it.
    fn cancel_flag(&self) -> Arc<AtomicBool>;
    /// `.param set NAME VALUE`: VALUE as `--param` takes it (SPEC §6).
    fn set_param(&mut self, name: &str, value: &str) -> Result<()>;
    /// Parameters in name order, values as the language writes them.
    fn params(&self) -> Vec<(String, String)>;
    /// `.asof`: the session-wide as-of, or `None` to read the present.
    fn set_as_of(&mut self, as_of: Option<AsOf>) -> Result<()>;
    fn stats(&mut self) -> Result<Table>;
    fn log(&mut self, last: Option<u64>) -> Result<Table>;
    fn predicates(&mut self) -> Result<Table>;
    fn entities(&mut self, prefix: &str) -> Result<Table>;
    /// Where the completer finds entity and predicate names; filled when ready.
    fn names(&self) -> NamesCell;
}

/// Names for completion, taken from the view: loaded in the background at start-up and
/// refreshed after a write, so the prompt never waits for them.
#[derive(Debug, Default)]
pub struct Names {
    /// (folded name, name as displayed), sorted by the folded form.
    pub entities: Vec<(String, String)>,
    /// Stored predicate names (the built-in ones come from the language).
    pub predicates: Vec<String>,
}

impl Names {
    pub fn new(entities: impl IntoIterator<Item = String>, predicates: Vec<String>) -> Names {
        let mut entities: Vec<(String, String)> =
            entities.into_iter().map(|n| (fold(&n), n)).collect();
        entities.sort();
        entities.dedup_by(|a, b| a.1 == b.1);
        Names {
            entities,
            predicates,
        }
    }

    /// Names whose folded form starts with the folded `prefix`, at most `max`.
    pub fn entities_with_prefix(&self, prefix: &str, max: usize) -> Vec<&str> {
        let folded = fold(prefix);
        let start = self
            .entities
            .partition_point(|(f, _)| f.as_str() < folded.as_str());
        self.entities
            .get(start..)
            .unwrap_or(&[])
            .iter()
            .take_while(|(f, _)| f.starts_with(&folded))
            .take(max)
            .map(|(_, n)| n.as_str())
            .collect()
    }
}

/// Shared between the backend (writer) and the completer (reader).
#[derive(Clone, Debug, Default)]
pub struct NamesCell(Arc<Mutex<Arc<Names>>>);

impl NamesCell {
    pub fn get(&self) -> Arc<Names> {
        match self.0.lock() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    pub fn set(&self, names: Names) {
        let names = Arc::new(names);
        match self.0.lock() {
            Ok(mut g) => *g = names,
            Err(poisoned) => *poisoned.into_inner() = names,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_prefix_finds_accented_names() {
        let names = Names::new(
            ["Émirats arabes unis", "Emmanuel Macron", "G42", "OpenAI"].map(String::from),
            vec![],
        );
        assert_eq!(
            names.entities_with_prefix("emir", 10),
            ["Émirats arabes unis"]
        );
        assert_eq!(names.entities_with_prefix("EM", 10).len(), 2);
        assert_eq!(names.entities_with_prefix("", 1).len(), 1);
        assert!(names.entities_with_prefix("zz", 10).is_empty());
    }
}
