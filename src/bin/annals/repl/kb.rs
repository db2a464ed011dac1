//! The shell's backend on the real knowledge base.
//!
//! PROVISIONAL: `Kb`, `Session` and the renderers are being merged; until then this
//! backend answers every statement with an error saying so.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use annals::query::ast::AsOf;
use annals::table::Table;
use annals::{Error, Result};

use super::backend::{Backend, NamesCell, Output};
use super::Format;

pub struct KbBackend {
    #[allow(dead_code)]
    path: PathBuf,
    cancel: Arc<AtomicBool>,
    names: NamesCell,
    params: Vec<(String, String)>,
}

impl KbBackend {
    pub fn new(
        path: PathBuf,
        _wait: Option<std::time::Duration>,
        _timeout: Option<std::time::Duration>,
    ) -> KbBackend {
        KbBackend {
            path,
            cancel: Arc::default(),
            names: NamesCell::default(),
            params: Vec::new(),
        }
    }
}

fn not_yet() -> Error {
    Error::Internal("the query engine is not wired into this build yet".into())
}

impl Backend for KbBackend {
    fn execute(&mut self, _src: &str, _origin: Option<&str>) -> Result<Output> {
        Err(not_yet())
    }
    fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<()> {
        self.params.retain(|(n, _)| n != name);
        self.params.push((name.to_string(), value.to_string()));
        self.params.sort();
        Ok(())
    }
    fn params(&self) -> Vec<(String, String)> {
        self.params.clone()
    }
    fn set_as_of(&mut self, _as_of: Option<AsOf>) -> Result<()> {
        Ok(())
    }
    fn stats(&mut self) -> Result<Table> {
        Err(not_yet())
    }
    fn log(&mut self, _last: Option<u64>) -> Result<Table> {
        Err(not_yet())
    }
    fn predicates(&mut self) -> Result<Table> {
        Err(not_yet())
    }
    fn entities(&mut self, _prefix: &str) -> Result<Table> {
        Err(not_yet())
    }
    fn names(&self) -> NamesCell {
        self.names.clone()
    }
}

/// PROVISIONAL renderer until `render.rs` lands: tab-separated for every format.
pub fn render(table: &Table, _format: Format, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", table.columns.join("\t"))?;
    for row in &table.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| c.as_ref().map(|v| v.to_string()).unwrap_or_default())
            .collect();
        writeln!(out, "{}", cells.join("\t"))?;
    }
    Ok(())
}
