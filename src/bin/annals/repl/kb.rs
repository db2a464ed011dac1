//! The shell's backend on the real knowledge base: the parser, a [`Session`] kept for
//! the whole shell, and a [`Kb`] opened for each statement and closed right after.
//!
//! Opening per statement is what lets the nightly job run while a shell is open (see
//! the module doc of `repl`): between statements no lock is held. The price is the
//! open itself (loading the view checkpoint and replaying the log's tail), paid once per
//! statement; the `.timer` line excludes it, as it reports parse, plan and execution.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use annals::query::ast::AsOf;
use annals::query::parser::{parse_statement_at, PREDICATES};
use annals::query::Session;
use annals::table::Table;
use annals::value::{fold, Value};
use annals::view::{View, VIRTUAL_PREDICATES};
use annals::{Kb, OpenOptions, Result};

use super::backend::{Backend, Names, NamesCell, Output};
use super::Format;

/// Most rows `.entities` lists: a prefix of one letter can match a million names.
const MAX_ENTITIES: usize = 1000;

pub struct KbBackend {
    path: PathBuf,
    wait: Option<Duration>,
    session: Session,
    names: NamesCell,
    /// The view's watermark when `names` was filled; `None` before the first load.
    names_at: Arc<Mutex<Option<u64>>>,
    /// sled allows one open of a database at a time, within a process too: the loader
    /// thread and the statements take turns through this gate.
    gate: Arc<Mutex<()>>,
    loader: std::sync::Once,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Completion names as of now: canonical names and aliases, stored predicates.
fn names_of(view: &View) -> Names {
    let snap = view.snapshot(None);
    let mut names = Vec::new();
    for t in snap.entities() {
        if let Some(n) = snap.name(t) {
            names.push(n.to_string());
        }
        names.extend(snap.alias_names(t).into_iter().map(str::to_string));
    }
    let predicates = view.predicates().map(|(_, p)| p.name.to_string()).collect();
    Names::new(names, predicates)
}

impl KbBackend {
    /// Returns at once: nothing is read before the prompt.
    pub fn new(path: PathBuf, wait: Option<Duration>, timeout: Option<Duration>) -> KbBackend {
        let mut session = Session::new();
        if let Some(t) = timeout {
            session.set_timeout(t);
        }
        KbBackend {
            path,
            wait,
            session,
            names: NamesCell::default(),
            names_at: Arc::default(),
            gate: Arc::default(),
            loader: std::sync::Once::new(),
        }
    }

    /// Loads completion names in a background thread: the prompt must not wait for
    /// them, and completion works without them meanwhile.
    fn start_loading_names(&self) {
        let (path, names, names_at, gate) = (
            self.path.clone(),
            self.names.clone(),
            Arc::clone(&self.names_at),
            Arc::clone(&self.gate),
        );
        self.loader.call_once(move || {
            std::thread::spawn(move || {
                let _turn = lock(&gate);
                if lock(&names_at).is_some() {
                    return; // a statement got there first
                }
                if let Ok(kb) = Kb::open(&path, OpenOptions::default()) {
                    names.set(names_of(kb.view()));
                    *lock(&names_at) = Some(kb.view().watermark());
                    // Notices (a rebuilt checkpoint) are the statements' to show.
                    let _ = kb.close();
                }
            });
        });
    }

    /// Opens the database, runs `f`, refreshes completion names if the view moved, and
    /// closes it again.
    fn with_kb<T>(
        &mut self,
        create: bool,
        f: impl FnOnce(&mut Session, &mut Kb) -> Result<T>,
    ) -> Result<T> {
        let _turn = lock(&self.gate);
        let mut kb = Kb::open(
            &self.path,
            OpenOptions {
                create,
                wait: self.wait,
            },
        )?;
        for n in kb.take_notices() {
            eprintln!("notice: {n}");
        }
        let result = f(&mut self.session, &mut kb);
        let at = kb.view().watermark();
        let mut names_at = lock(&self.names_at);
        if *names_at != Some(at) {
            self.names.set(names_of(kb.view()));
            *names_at = Some(at);
        }
        drop(names_at);
        for n in kb.close()? {
            eprintln!("notice: {n}");
        }
        result
    }
}

/// A value as the language writes it: strings quoted, the rest as displayed.
fn literal(v: &Value) -> String {
    match v {
        Value::Str(s) | Value::Entity(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

fn int(n: usize) -> Option<Value> {
    Some(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}

fn text(s: impl Into<String>) -> Option<Value> {
    Some(Value::Str(s.into()))
}

impl Backend for KbBackend {
    fn execute(&mut self, src: &str, start: usize, origin: Option<&str>) -> Result<Output> {
        let started = Instant::now();
        // Parsed before the database is opened: a typo never takes the lock.
        let stmt = parse_statement_at(src, start).map_err(|e| e.into_error(src, origin))?;
        let parse_time = started.elapsed();
        self.with_kb(crate::statements::writes(&stmt), |session, kb| {
            let started = Instant::now();
            let out = session.execute(kb, &stmt, src)?;
            Ok(Output {
                table: out.table,
                hints: out.hints,
                committed: out.committed,
                elapsed: Some(parse_time + started.elapsed()),
            })
        })
    }

    fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.session.cancel_flag()
    }

    fn set_param(&mut self, name: &str, value: &str) -> Result<()> {
        // `.param set org "G42 Holdings"`: quotes group words, as in a shell.
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        self.session.set_param_text(name, value);
        Ok(())
    }

    fn params(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .session
            .params
            .iter()
            .map(|(n, v)| (n.clone(), literal(v)))
            .collect();
        out.sort();
        out
    }

    fn set_as_of(&mut self, as_of: Option<AsOf>) -> Result<()> {
        self.session.as_of = as_of;
        Ok(())
    }

    fn stats(&mut self) -> Result<Table> {
        self.with_kb(false, |_, kb| Ok(kb.stats()))
    }

    fn log(&mut self, last: Option<u64>) -> Result<Table> {
        self.with_kb(false, |_, kb| {
            let n = last.unwrap_or(20);
            // Each commit holds at least one event: the last n commits hold the last n
            // events.
            let since = kb.last_tx().saturating_sub(n).saturating_add(1);
            let mut t = kb.log_table(Some(since), None)?;
            let extra = t
                .rows
                .len()
                .saturating_sub(usize::try_from(n).unwrap_or(usize::MAX));
            t.rows.drain(..extra);
            Ok(t)
        })
    }

    fn predicates(&mut self) -> Result<Table> {
        self.with_kb(false, |_, kb| {
            let view = kb.view();
            let mut t = Table::new(["predicate", "facts", "kind"]);
            let mut rows: Vec<(String, usize, &str)> = view
                .predicates()
                .map(|(id, p)| {
                    let kind = if p.symmetric { "symmetric" } else { "" };
                    (p.name.to_string(), view.pred_count(id), kind)
                })
                .collect();
            for p in PREDICATES {
                if !rows.iter().any(|(n, _, _)| n == p) {
                    let kind = if VIRTUAL_PREDICATES.contains(p) {
                        "virtual"
                    } else {
                        ""
                    };
                    rows.push((p.to_string(), 0, kind));
                }
            }
            rows.sort();
            for (name, n, kind) in rows {
                t.push(vec![text(name), int(n), text(kind)]);
            }
            Ok(t)
        })
    }

    fn entities(&mut self, prefix: &str) -> Result<Table> {
        self.with_kb(false, |_, kb| {
            let snap = kb.view().snapshot(None);
            let mut found = snap.names_with_prefix(&fold(prefix));
            found.sort_by_key(|&t| snap.folded_name(t).unwrap_or("").to_string());
            let mut t = Table::new(["name", "type", "aliases"]);
            let total = found.len();
            for root in found.into_iter().take(MAX_ENTITIES) {
                t.push(vec![
                    snap.name(root).map(|n| Value::Entity(n.to_string())),
                    snap.entity_type(root).map(|ty| Value::Str(ty.to_string())),
                    text(snap.alias_names(root).join(", ")),
                ]);
            }
            if total > MAX_ENTITIES {
                eprintln!("note: {total} entities match; the first {MAX_ENTITIES} are shown");
            }
            Ok(t)
        })
    }

    fn names(&self) -> NamesCell {
        self.start_loading_names();
        self.names.clone()
    }
}

/// Renders with the same renderers as every other command.
pub fn render(table: &Table, format: Format, out: &mut dyn Write) -> io::Result<()> {
    crate::render::render(table, format.into(), out)
}
