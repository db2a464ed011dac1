//! The input loop against an in-memory backend: units, readiness, positions, dot-commands.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use annals::query::ast::AsOf;
use annals::table::Table;
use annals::value::Value;
use annals::{Error, Result};

use super::*;
use crate::repl::backend::{NamesCell, Output};
use std::io::Write;

/// Records what it was asked; `boom` fails, everything else returns its text.
#[derive(Default)]
struct Fake {
    ran: Vec<(String, String)>,
    errors: Vec<String>,
    /// A statement containing this text is "cancelled by Ctrl-C" while it runs.
    cancel_on: Option<String>,
    params: Vec<(String, String)>,
    as_of: Option<AsOf>,
    cancel: Arc<AtomicBool>,
    names: NamesCell,
}

impl Backend for Fake {
    fn execute(&mut self, src: &str, start: usize, origin: Option<&str>) -> Result<Output> {
        let origin = origin.unwrap_or("<input>");
        let rest = &src[start..];
        let stmt = &rest[..rest.find(';').unwrap_or(rest.len())];
        self.ran.push((stmt.to_string(), origin.to_string()));
        if self.cancel_on.as_deref().is_some_and(|c| stmt.contains(c)) {
            self.cancel.store(true, std::sync::atomic::Ordering::SeqCst);
            return Err(Error::Aborted("query cancelled".into()));
        }
        if stmt.contains("boom") {
            let line = src[..start].matches('\n').count() + 1;
            let msg = format!("error at {origin}:{line}");
            self.errors.push(msg.clone());
            return Err(Error::Statement(msg));
        }
        let mut table = Table::new(["statement"]);
        table.push(vec![Some(Value::Str(stmt.trim().to_string()))]);
        Ok(Output {
            table,
            ..Output::default()
        })
    }
    fn cancel_flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.cancel)
    }
    fn set_param(&mut self, name: &str, value: &str) -> Result<()> {
        self.params.push((name.into(), value.into()));
        Ok(())
    }
    fn params(&self) -> Vec<(String, String)> {
        self.params.clone()
    }
    fn set_as_of(&mut self, as_of: Option<AsOf>) -> Result<()> {
        self.as_of = as_of;
        Ok(())
    }
    fn stats(&mut self) -> Result<Table> {
        Ok(Table::new(["metric", "value"]))
    }
    fn log(&mut self, _last: Option<u64>) -> Result<Table> {
        Ok(Table::new(["tx", "time", "kind", "summary"]))
    }
    fn predicates(&mut self) -> Result<Table> {
        Ok(Table::new(["predicate", "facts"]))
    }
    fn entities(&mut self, _prefix: &str) -> Result<Table> {
        Ok(Table::new(["name"]))
    }
    fn names(&self) -> NamesCell {
        self.names.clone()
    }
}

fn tsv(table: &Table, _f: Format, out: &mut dyn Write) -> io::Result<()> {
    for row in &table.rows {
        for c in row {
            write!(
                out,
                "{}\t",
                c.as_ref().map(|v| v.to_string()).unwrap_or_default()
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn shell(fake: &mut Fake) -> Shell<'_> {
    Shell {
        backend: fake,
        render: tsv,
        format: Format::Tsv,
        timer: false,
        quiet: true,
        color: false,
        sink: Sink::Screen { pager: false },
        as_of: None,
        quit: false,
        interrupted: false,
        depth: 0,
    }
}

#[test]
fn units_separate_dot_commands_from_statements() {
    let text = "find ?x where ?x a ?y;\n.format json\nfind ?y\n  where ?y b ?z;\n.quit\n";
    let u = units(text);
    assert_eq!(u.len(), 4, "{u:?}");
    assert_eq!(u[1], Unit::Meta(".format json"));
    assert!(matches!(u[2], Unit::Statements { start: 36, .. }));
    // A `.` line inside an open statement belongs to the statement.
    assert_eq!(units("find ?x\n.5;\n").len(), 1);
}

#[test]
fn ready_asks_the_language() {
    assert!(!ready("find ?x\n"));
    assert!(ready("find ?x where ?x a ?y;\n"));
    assert!(!ready("find ?x where ?x said \"a;\n"));
    assert!(ready(".help\n"));
    // Only a comment: nothing to wait for (the parser says Complete).
    assert!(ready("-- a comment\n"));
}

#[test]
fn pasted_statements_run_in_order_and_the_first_failure_sets_the_status() {
    let mut fake = Fake::default();
    let code = shell(&mut fake).run_text("find 1;\nboom;\nfind 3;", None);
    assert_eq!(code, 1);
    let ran: Vec<&str> = fake.ran.iter().map(|(s, _)| s.trim()).collect();
    assert_eq!(ran, ["find 1", "boom", "find 3"]);
}

#[test]
fn read_runs_a_file_and_counts_its_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q.aq");
    std::fs::write(&file, "find 1;\n\n.timer on\nfind 2\n  boom;\n").unwrap();
    let mut fake = Fake::default();
    let mut sh = shell(&mut fake);
    let code = sh.run_text(&format!(".read {}\n", file.display()), None);
    assert_eq!(code, 1);
    assert!(sh.timer);
    let (stmt, origin) = &fake.ran[1];
    assert_eq!(origin, &file.display().to_string());
    assert_eq!(stmt, "find 2\n  boom");
    // The failing statement is found on line 4 of the file, not of its own text.
    assert_eq!(fake.errors, [format!("error at {}:4", file.display())]);
}

#[test]
fn output_sends_results_to_a_file_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.tsv");
    let mut fake = Fake::default();
    let mut sh = shell(&mut fake);
    let text = format!(".output {}\nfind 1;\n.output\n", file.display());
    assert_eq!(sh.run_text(&text, None), 0);
    assert!(sh.sink.is_screen());
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "find 1\t\n");
}

#[test]
fn params_and_as_of_reach_the_backend_and_the_prompt() {
    let mut fake = Fake::default();
    let mut sh = shell(&mut fake);
    assert_eq!(sh.run_text(".param set org G42\n.asof #42\n", None), 0);
    assert_eq!(sh.prompt("annals.db", false).0, "annals.db @#42> ");
    assert_eq!(sh.prompt("annals.db", true).0, "           ...> ");
    assert_eq!(sh.run_text(".asof off\n", None), 0);
    assert_eq!(sh.prompt("annals.db", false).0, "annals.db> ");
    assert_eq!(sh.prompt("annals.db", true).0, "      ...> ");
    assert_eq!(fake.params, [("org".to_string(), "G42".to_string())]);
    assert!(fake.as_of.is_none());
}

#[test]
fn bad_dot_commands_fail_without_ending_the_session() {
    let mut fake = Fake::default();
    let mut sh = shell(&mut fake);
    assert_eq!(sh.run_text(".frobnicate\nfind 1;\n", None), 1);
    assert!(!sh.quit);
    assert_eq!(fake.ran.len(), 1);
}

#[test]
fn ctrl_c_stops_the_rest_of_the_input() {
    let mut fake = Fake {
        cancel_on: Some("slow".into()),
        ..Fake::default()
    };
    let mut sh = shell(&mut fake);
    assert_eq!(sh.run_text("find 1;\nfind slow;\nfind 3;\n", None), 1);
    assert!(sh.interrupted);
    let ran: Vec<&str> = fake.ran.iter().map(|(s, _)| s.trim()).collect();
    assert_eq!(ran, ["find 1", "find slow"]);
}

#[test]
fn quit_stops_the_input() {
    let mut fake = Fake::default();
    let mut sh = shell(&mut fake);
    assert_eq!(sh.run_text("find 1;\n.quit\nfind 2;\n", Some("<stdin>")), 0);
    assert!(sh.quit);
    assert_eq!(fake.ran.len(), 1);
}

#[test]
fn history_path_order() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    };
    assert_eq!(
        history_path(env(&[("ANNALS_HISTORY", "/h"), ("HOME", "/home/a")])),
        Some(PathBuf::from("/h"))
    );
    assert_eq!(
        history_path(env(&[("XDG_STATE_HOME", "/s"), ("HOME", "/home/a")])),
        Some(PathBuf::from("/s/annals/history"))
    );
    assert_eq!(
        history_path(env(&[("HOME", "/home/a"), ("XDG_STATE_HOME", "")])),
        Some(PathBuf::from("/home/a/.local/state/annals/history"))
    );
    assert_eq!(history_path(env(&[])), None);
}

#[test]
fn db_label_is_the_file_name() {
    assert_eq!(db_label(Path::new("/data/news/annals.db")), "annals.db");
    assert_eq!(db_label(Path::new("kb")), "kb");
}
