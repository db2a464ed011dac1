//! The result of every command and statement: named columns and rows of cells.
//!
//! The binary renders a [`Table`] in the format the user chose (table, tsv, csv, json,
//! jsonl); the library only builds it. A cell is `None` when a variable is unbound.
//! Entities are cells holding [`Value::Entity`] with the canonical name, so renderers
//! print them as names and JSON gives strings; numbers stay numbers.

use crate::value::Value;

pub type Cell = Option<Value>;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new<S: Into<String>>(columns: impl IntoIterator<Item = S>) -> Table {
        Table {
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        self.rows.push(row);
    }
}
