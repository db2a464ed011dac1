//! The shell's backend on the real knowledge base: the parser, a [`Session`] kept for
//! the whole shell, and a [`Kb`] that is open only while the shell is being used.
//!
//! # Holding the database
//!
//! sled lets one process open a database at a time. The shell opens the [`Kb`] when a
//! statement needs it and closes it once no statement has run for the hold time
//! ([`DEFAULT_HOLD`], `ANNALS_REPL_HOLD=SECONDS`; `0` closes it after every statement).
//! A reaper thread does the closing, so an idle shell holds nothing and the nightly job
//! (run with `--wait` longer than the hold) always gets the database.
//!
//! Why not close after every statement: opening is the expensive part on a big
//! database (sled's recovery and the view checkpoint: about 4-5 s for 1M facts in a
//! release build), and an analyst's statements come in bursts. Holding across a burst
//! and releasing after it costs one open per burst instead of one per statement.
//!
//! At start-up an interactive shell opens the database in the background (to load the
//! names for completion); the prompt never waits for it, and a statement typed in the
//! meantime waits for that open rather than doing its own.

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, Once, Weak};
use std::time::{Duration, Instant};

use annals::event::Tx;
use annals::query::ast::AsOf;
use annals::query::parser::{parse_statement_at, PREDICATES};
use annals::query::Session;
use annals::table::Table;
use annals::value::{fold, Value};
use annals::view::{View, VIRTUAL_PREDICATES};
use annals::{Error, Kb, OpenOptions, Result};

use super::backend::{Backend, Names, NamesCell, Output};
use super::Format;

/// Most rows `.entities` lists: a prefix of one letter can match a million names.
const MAX_ENTITIES: usize = 1000;

/// How long the database stays open after the last statement.
pub const DEFAULT_HOLD: Duration = Duration::from_secs(20);

/// The open database, shared by the shell, the start-up loader and the reaper.
struct Slot {
    kb: Option<Kb>,
    last_used: Instant,
    /// The view's watermark when the completion names were taken.
    names_at: Option<Tx>,
}

pub struct KbBackend {
    path: PathBuf,
    wait: Option<Duration>,
    hold: Duration,
    session: Session,
    names: NamesCell,
    slot: Arc<Mutex<Slot>>,
    loader: Once,
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

/// Refreshes the completion names if the view moved since they were taken.
fn refresh_names(slot: &mut Slot, names: &NamesCell) {
    if let Some(kb) = &slot.kb {
        let at = kb.view().watermark();
        if slot.names_at != Some(at) {
            names.set(names_of(kb.view()));
            slot.names_at = Some(at);
        }
    }
}

/// Closes the database once it has been idle for `hold`; ends with the backend.
fn reap(slot: Weak<Mutex<Slot>>, hold: Duration) {
    let tick = (hold / 4).clamp(Duration::from_millis(50), Duration::from_secs(1));
    loop {
        std::thread::sleep(tick);
        let Some(slot) = slot.upgrade() else { return };
        let mut s = lock(&slot);
        if s.kb.is_some() && s.last_used.elapsed() >= hold {
            if let Some(kb) = s.kb.take() {
                // Closing writes a checkpoint when one is due. Its notices would land in
                // the middle of the line being typed; the next open reports anything
                // that matters.
                let _ = kb.close();
            }
        }
    }
}

/// The command line's limits on each statement; `None` keeps the session's default.
#[derive(Clone, Copy, Debug, Default)]
pub struct Limits {
    pub timeout: Option<Duration>,
    pub max_rows: Option<usize>,
    pub max_memory: Option<usize>,
}

impl KbBackend {
    /// Returns at once: nothing is read before the prompt.
    pub fn new(path: PathBuf, wait: Option<Duration>, limits: Limits, hold: Duration) -> KbBackend {
        let mut session = Session::new();
        if let Some(t) = limits.timeout {
            session.set_timeout(t);
        }
        if let Some(n) = limits.max_rows {
            session.set_max_rows(n);
        }
        if let Some(n) = limits.max_memory {
            session.set_max_memory(n);
        }
        let slot = Arc::new(Mutex::new(Slot {
            kb: None,
            last_used: Instant::now(),
            names_at: None,
        }));
        if !hold.is_zero() {
            let weak = Arc::downgrade(&slot);
            std::thread::spawn(move || reap(weak, hold));
        }
        KbBackend {
            path,
            wait,
            hold,
            session,
            names: NamesCell::default(),
            slot,
            loader: Once::new(),
        }
    }

    /// Opens the database in a background thread and takes the completion names from
    /// it: the prompt must not wait, and completion works without names meanwhile.
    fn start_loading_names(&self) {
        let (path, names, slot) = (
            self.path.clone(),
            self.names.clone(),
            Arc::clone(&self.slot),
        );
        let hold = self.hold;
        self.loader.call_once(move || {
            std::thread::spawn(move || {
                let mut s = lock(&slot);
                if s.names_at.is_some() {
                    return; // a statement got there first
                }
                if s.kb.is_none() {
                    // No database yet, or locked: completion goes without names until
                    // a statement opens it.
                    s.kb = Kb::open(&path, OpenOptions::default()).ok();
                }
                refresh_names(&mut s, &names);
                s.last_used = Instant::now();
                if hold.is_zero() {
                    if let Some(kb) = s.kb.take() {
                        let _ = kb.close();
                    }
                }
            });
        });
    }

    /// Runs `f` on the open database (opening it first if need be), refreshes the
    /// completion names if the view moved, and leaves it for the reaper to close.
    fn with_kb<T>(
        &mut self,
        create: bool,
        f: impl FnOnce(&mut Session, &mut Kb) -> Result<T>,
    ) -> Result<T> {
        let mut slot = lock(&self.slot);
        let kb = match &mut slot.kb {
            Some(kb) => kb,
            empty => {
                let mut kb = Kb::open(
                    &self.path,
                    OpenOptions {
                        create,
                        wait: self.wait,
                        skip_view: false,
                    },
                )?;
                for n in kb.take_notices() {
                    eprintln!("notice: {n}");
                }
                empty.insert(kb)
            }
        };
        let result = f(&mut self.session, kb);
        refresh_names(&mut slot, &self.names);
        slot.last_used = Instant::now();
        // After a failure of the system or the data, start from a fresh open.
        let broken = matches!(
            result,
            Err(Error::Io { .. } | Error::Corrupt { .. } | Error::Internal(_))
        );
        if self.hold.is_zero() || broken {
            if let Some(kb) = slot.kb.take() {
                for n in kb.close()? {
                    eprintln!("notice: {n}");
                }
            }
        }
        result
    }
}

impl Drop for KbBackend {
    /// Closes the database if it is open. If the start-up loader is still opening it
    /// (Ctrl-D right after start on a big database), the shell does not wait: leaving
    /// mid-open is as safe as being killed, which the log is built to survive.
    fn drop(&mut self) {
        let mut slot = match self.slot.try_lock() {
            Ok(s) => s,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return,
        };
        if let Some(kb) = slot.kb.take() {
            match kb.close() {
                Ok(notices) => notices.iter().for_each(|n| eprintln!("notice: {n}")),
                Err(e) => eprintln!("error: {e}"),
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn locked(path: &std::path::Path) -> bool {
        match Kb::open(path, OpenOptions::default()) {
            Ok(kb) => {
                let _ = kb.close();
                false
            }
            Err(Error::Locked { .. }) => true,
            Err(e) => panic!("unexpected: {e}"),
        }
    }

    #[test]
    fn the_database_is_held_through_a_burst_and_released_after_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kb.db");
        // Margins for a loaded machine: the check right after the statement is well
        // inside the hold, the one after the sleep well past hold + reaper tick.
        let mut shell = KbBackend::new(
            path.clone(),
            None,
            Limits::default(),
            Duration::from_secs(2),
        );
        let src = "assert \"G42\" partner_of \"OpenAI\";";
        shell.execute(src, 0, None).unwrap();
        assert!(locked(&path), "held right after a statement");
        std::thread::sleep(Duration::from_millis(3500));
        assert!(!locked(&path), "released once idle");
        // The next statement opens it again and sees what was written meanwhile.
        let src = "find ?o where \"G42\" partner_of ?o;";
        let out = shell.execute(src, 0, None).unwrap();
        assert_eq!(out.table.rows.len(), 1);
    }

    #[test]
    fn with_no_hold_the_database_is_free_between_statements() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kb.db");
        let mut shell = KbBackend::new(path.clone(), None, Limits::default(), Duration::ZERO);
        let src = "assert \"G42\" partner_of \"OpenAI\";";
        shell.execute(src, 0, None).unwrap();
        assert!(!locked(&path));
        // A parse error never opens the database at all.
        let err = shell.execute("find ?x wher;", 0, None).unwrap_err();
        assert!(err.to_string().contains("line 1, column 9"), "{err}");
        assert!(!locked(&path));
    }

    #[test]
    fn names_for_completion_follow_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kb.db");
        let mut shell = KbBackend::new(path, None, Limits::default(), Duration::ZERO);
        let names = shell.names();
        let src = "assert \"Émirats arabes unis\" partner_of \"G42\";";
        shell.execute(src, 0, None).unwrap();
        assert_eq!(
            names.get().entities_with_prefix("emir", 5),
            ["Émirats arabes unis"]
        );
        assert!(names.get().predicates.contains(&"partner_of".to_string()));
    }
}
