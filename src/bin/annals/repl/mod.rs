//! `annals repl`: the interactive shell (SPEC §3 statements, dot-commands, rustyline).
//!
//! # The input loop
//!
//! 1. The prompt is drawn at once: nothing is read from the database before it (the
//!    database name comes from the path). A background thread opens the database and
//!    loads the names for completion; until they are ready Tab offers keywords and
//!    predicates, and a statement typed meanwhile waits for that open.
//! 2. Each line is read with the prompt (`annals.db> `, or `annals.db @#42> ` under
//!    `.asof`) or, inside a statement, the continuation prompt (`      ...> `). The lines
//!    typed so far are handed to the parser's `input_status`: `Incomplete` reads another
//!    line; `Complete` or `Invalid` runs the text now (an invalid statement runs so that
//!    its error shows). rustyline's own `Validator` would keep a multi-line statement in
//!    one buffer, but rustyline draws no prompt on a buffer's later lines; the loop keeps
//!    the continuation prompt and stores the whole statement as one history entry, so
//!    Up recalls it in one piece.
//! 3. The text is cut into units: a line starting with `.` between statements is a
//!    dot-command ([`meta`]); the rest is split into statements by the parser and run in
//!    order, so pasted text with several statements runs them all.
//! 4. Each statement is parsed and run by the [`Backend`]; results are rendered in the
//!    session's format, fitted to the terminal's width (long cells cut, and a note says
//!    so), and shown through `$PAGER` when taller than the screen. Errors are rendered
//!    as SPEC §3 says, the caret in red on a terminal; an error never ends the session.
//! 5. Ctrl-C while a statement runs sets the session's cancel flag from a SIGINT handler;
//!    the executor polls it and returns within a fraction of a second. At the prompt
//!    rustyline reads Ctrl-C as a key: it clears the line and any unfinished statement.
//!    Ctrl-D on an empty line leaves with status 0.
//!
//! When standard input is not a terminal the same units are read from it and run in
//! order; the exit status is that of the first failure (SPEC §4 codes).
//!
//! # The REPL and the nightly job
//!
//! sled lets one process open a database at a time, so a shell left open overnight
//! would make `annals rematerialize` fail with "locked". The shell therefore holds the
//! database only while it is being used: a statement (or `.stats`, `.log`, …) opens it
//! if it is closed, and a reaper thread closes it once no statement has run for 20 s
//! (`ANNALS_REPL_HOLD=SECONDS`; `0` closes it right after every statement). An idle
//! shell holds nothing; the nightly job, run with `--wait` longer than the hold, never
//! fails because of a forgotten shell, and the next statement reopens the database and
//! sees the rebuilt view. If a statement is typed while the job holds the lock, it
//! fails with the usual "in use" message (exit-code 3 class) and the session goes on.
//!
//! Why a hold rather than closing after every statement: on a big database the open is
//! the expensive part (sled's recovery and the view checkpoint, about 4-5 s for 1M facts
//! in a release build, measured with `annals stats`), and statements come in bursts.
//! Rejected: `rematerialize --wait` alone (the job would wait on a shell nobody
//! closes) and a daemon owning the database (a second process to run and supervise for
//! a tool used from cron and a laptop). See [`kb`].
//!
//! History lives in `$ANNALS_HISTORY`, else `$XDG_STATE_HOME/annals/history`, else
//! `~/.local/state/annals/history`; nothing is written in the current directory.

mod backend;
mod helper;
mod kb;
pub use kb::Limits;
mod lang;
mod meta;
mod output;
mod signal;
mod style;

use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rustyline::config::{ColorMode, CompletionType, Config};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::Editor;

pub use backend::Backend;
use helper::ReplHelper;
use lang::{highlight_tokens, input_status, split_statements, InputStatus, TokenKind};
use meta::Meta;
use output::{fit_to_width, terminal_size, Sink};
pub use output::{Format, RenderFn};

/// Entries kept in the history file.
const HISTORY_SIZE: usize = 5000;
/// `.read` inside `.read`: deep enough for any real use, shallow enough to stop a loop.
const MAX_READ_DEPTH: usize = 16;

/// How `annals repl` was asked to run (the global flags of SPEC §4).
pub struct ReplOptions {
    /// The database path (`--db`, `$ANNALS_DB`, or `./annals.db`).
    pub db: PathBuf,
    /// `--format`; `None`: `table` on a terminal, `tsv` otherwise.
    pub format: Option<Format>,
    pub timer: bool,
    pub quiet: bool,
    /// `--param name=value` given on the command line.
    pub params: Vec<(String, String)>,
    /// `--wait`: how long a statement waits for a database another process holds.
    pub wait: Option<std::time::Duration>,
    /// `--timeout`, `--max-rows`, `--max-memory`: the limits of each statement.
    pub limits: kb::Limits,
}

/// Runs the shell on the real knowledge base; returns the process exit code.
pub fn run(opts: ReplOptions) -> i32 {
    // `ANNALS_REPL_HOLD=SECONDS`: how long the database stays open after a statement.
    let hold = std::env::var("ANNALS_REPL_HOLD")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map_or(kb::DEFAULT_HOLD, std::time::Duration::from_secs_f64);
    let mut backend = kb::KbBackend::new(opts.db.clone(), opts.wait, opts.limits, hold);
    run_with(opts, &mut backend, kb::render)
}

/// Runs the shell over any backend (tests use an in-memory one).
pub fn run_with(opts: ReplOptions, backend: &mut dyn Backend, render: RenderFn) -> i32 {
    let interactive = io::stdin().is_terminal();
    let screen = io::stdout().is_terminal();
    let format = opts
        .format
        .unwrap_or(if screen { Format::Table } else { Format::Tsv });
    for (name, value) in &opts.params {
        if let Err(e) = backend.set_param(name, value) {
            eprintln!("{e}");
            return 2;
        }
    }
    let mut shell = Shell {
        backend,
        render,
        format,
        timer: opts.timer,
        quiet: opts.quiet,
        color: use_color(),
        sink: Sink::Screen { pager: true },
        as_of: None,
        quit: false,
        interrupted: false,
        depth: 0,
    };
    if !interactive {
        let mut text = String::new();
        if let Err(e) = io::stdin().read_to_string(&mut text) {
            eprintln!("cannot read standard input: {e}");
            return 1;
        }
        return shell.run_text(&text, Some("<stdin>"));
    }
    shell.interactive(&opts.db)
}

/// Colour only for a person at a terminal that shows it.
fn use_color() -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
    !no_color && !dumb && io::stdout().is_terminal()
}

/// `$ANNALS_HISTORY`, else `$XDG_STATE_HOME/annals/history`, else
/// `~/.local/state/annals/history`; `None` when there is no home to put it in.
fn history_path(env: impl Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    if let Some(p) = set("ANNALS_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let state = match set("XDG_STATE_HOME") {
        Some(s) => PathBuf::from(s),
        None => PathBuf::from(set("HOME")?).join(".local/state"),
    };
    Some(state.join("annals/history"))
}

/// The database's name for the prompt: the last part of its path.
fn db_label(db: &Path) -> String {
    db.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| db.display().to_string())
}

/// A piece of input: a dot-command line, or text holding statements. Offsets are bytes
/// into the whole input, so messages count lines from its start.
#[derive(Debug, PartialEq)]
enum Unit<'a> {
    Meta(&'a str),
    Statements { start: usize, text: &'a str },
}

/// Cuts input into dot-command lines and statement text. A line is a dot-command only
/// when it starts with `.` and no statement is open (the lexer decides: last token `;`).
fn units(text: &str) -> Vec<Unit<'_>> {
    let mut out = Vec::new();
    let mut chunk_start = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let line_start = at;
        at += line.len();
        if !line.trim_start().starts_with('.') {
            continue;
        }
        let chunk = &text[chunk_start..line_start];
        if !between_statements(chunk) {
            continue;
        }
        if !chunk.trim().is_empty() {
            out.push(Unit::Statements {
                start: chunk_start,
                text: chunk,
            });
        }
        out.push(Unit::Meta(line.trim()));
        chunk_start = at;
    }
    let rest = &text[chunk_start..];
    if !rest.trim().is_empty() {
        out.push(Unit::Statements {
            start: chunk_start,
            text: rest,
        });
    }
    out
}

/// True when `text` holds only whole statements (or nothing but blanks and comments).
fn between_statements(text: &str) -> bool {
    let last = highlight_tokens(text)
        .into_iter()
        .rfind(|(_, k)| *k != TokenKind::Comment);
    match last {
        None => true,
        Some((span, kind)) => {
            kind == TokenKind::Punctuation && text.get(span.start..span.end) == Some(";")
        }
    }
}

/// Whether typed text is ready to run: a dot-command always is; statements when the
/// parser says they are complete, or cannot become valid.
fn ready(text: &str) -> bool {
    match units(text).last() {
        None => false,
        Some(Unit::Meta(_)) => true,
        Some(Unit::Statements { text, .. }) => input_status(text) != InputStatus::Incomplete,
    }
}

struct Shell<'b> {
    backend: &'b mut dyn Backend,
    render: RenderFn,
    format: Format,
    timer: bool,
    quiet: bool,
    color: bool,
    sink: Sink,
    as_of: Option<String>,
    quit: bool,
    /// Ctrl-C stopped a statement: skip the rest of the current input.
    interrupted: bool,
    depth: usize,
}

impl Shell<'_> {
    fn interactive(&mut self, db: &Path) -> i32 {
        let config = Config::builder()
            .max_history_size(HISTORY_SIZE)
            .and_then(|b| b.history_ignore_dups(true))
            .map(|b| {
                // List, as bash and psql do: Tab completes the common prefix, a second
                // Tab lists the candidates (Circular would cycle through 200 names).
                b.auto_add_history(false)
                    .completion_type(CompletionType::List)
                    .color_mode(if self.color {
                        ColorMode::Enabled
                    } else {
                        ColorMode::Disabled
                    })
                    .build()
            });
        let config = match config {
            Ok(c) => c,
            Err(e) => {
                eprintln!("cannot set up the line editor: {e}");
                return 1;
            }
        };
        let mut rl: Editor<ReplHelper, FileHistory> = match Editor::with_config(config) {
            Ok(rl) => rl,
            Err(e) => {
                eprintln!("cannot set up the line editor: {e}");
                return 1;
            }
        };
        rl.set_helper(Some(ReplHelper::new(self.color, self.backend.names())));
        let history = history_path(|k| std::env::var(k).ok());
        if let Some(path) = &history {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            if path.exists() {
                if let Err(e) = rl.load_history(path) {
                    eprintln!("warning: cannot read history {}: {e}", path.display());
                }
            }
        }
        signal::install(self.backend.cancel_flag());
        if !self.quiet {
            eprintln!(
                "annals {} — statements end with ';', .help for commands, Ctrl-D to leave",
                env!("CARGO_PKG_VERSION")
            );
        }
        let label = db_label(db);
        let mut pending = String::new();
        let mut history_warned = false;
        while !self.quit {
            let (raw, styled) = self.prompt(&label, !pending.is_empty());
            if let Some(h) = rl.helper_mut() {
                *h.pending.borrow_mut() = pending.clone();
                *h.params.borrow_mut() =
                    self.backend.params().into_iter().map(|(n, _)| n).collect();
            }
            let line = if self.color {
                rl.readline(&(raw.as_str(), styled.as_str()))
            } else {
                rl.readline(raw.as_str())
            };
            match line {
                Ok(line) => {
                    pending.push_str(&line);
                    pending.push('\n');
                    if pending.trim().is_empty() {
                        pending.clear();
                        continue;
                    }
                    if !ready(&pending) {
                        continue;
                    }
                    let entry = pending.trim_end().to_string();
                    pending.clear();
                    let _ = rl.add_history_entry(entry.as_str());
                    if let Some(path) = &history {
                        // Appended at once, so that a second shell (or a crash) keeps it.
                        if let Err(e) = rl.append_history(path) {
                            if !history_warned {
                                eprintln!("warning: cannot write history {}: {e}", path.display());
                                history_warned = true;
                            }
                        }
                    }
                    self.interrupted = false;
                    self.run_text(&entry, None);
                    if self.interrupted {
                        eprintln!("(interrupted: the rest of the input was not run)");
                    }
                }
                Err(ReadlineError::Interrupted) => pending.clear(),
                Err(ReadlineError::Eof) => {
                    if !pending.trim().is_empty() {
                        eprintln!("(unfinished statement discarded)");
                    }
                    break;
                }
                Err(e) => {
                    eprintln!("cannot read input: {e}");
                    return 1;
                }
            }
        }
        0
    }

    /// The prompt as (plain, coloured): `annals.db> `, `annals.db @#42> `, `      ...> `.
    fn prompt(&self, label: &str, continuation: bool) -> (String, String) {
        let main = match &self.as_of {
            Some(a) => format!("{label} @{a}> "),
            None => format!("{label}> "),
        };
        if continuation {
            let width = main.chars().count();
            let raw = format!("{:>width$}", "...> ");
            return (raw.clone(), format!("{}{raw}{}", style::DIM, style::RESET));
        }
        let styled = match &self.as_of {
            Some(a) => format!(
                "{}{label}{} {}@{a}{}> ",
                style::PROMPT,
                style::RESET,
                style::AS_OF,
                style::RESET
            ),
            None => format!("{}{label}{}> ", style::PROMPT, style::RESET),
        };
        (main, styled)
    }

    /// Runs every unit of `text` in order; returns the exit code of the first failure.
    fn run_text(&mut self, text: &str, origin: Option<&str>) -> i32 {
        let mut status = 0;
        for unit in units(text) {
            if self.quit || self.interrupted {
                break;
            }
            let code = match unit {
                Unit::Meta(line) => self.meta(line),
                Unit::Statements { start, text: chunk } => {
                    let mut code = 0;
                    for span in split_statements(chunk) {
                        if self.interrupted {
                            break;
                        }
                        let c = self.statement(text, start + span.start, origin);
                        if code == 0 {
                            code = c;
                        }
                    }
                    code
                }
            };
            if status == 0 {
                status = code;
            }
        }
        status
    }

    fn statement(&mut self, src: &str, start: usize, origin: Option<&str>) -> i32 {
        let cancel = self.backend.cancel_flag();
        cancel.store(false, std::sync::atomic::Ordering::SeqCst);
        let started = Instant::now();
        let result = self.backend.execute(src, start, origin);
        let elapsed = started.elapsed();
        // Ctrl-C stops the statement and whatever was pasted or `.read` after it: the
        // user wants the prompt back, not the next statement.
        if cancel.swap(false, std::sync::atomic::Ordering::SeqCst) {
            self.interrupted = true;
        }
        match result {
            Ok(out) => {
                // The same lines as `annals query` and `annals run`.
                if self.timer {
                    eprintln!(
                        "timer: {:.3} ms, {} rows",
                        out.elapsed.unwrap_or(elapsed).as_secs_f64() * 1000.0,
                        out.table.rows.len()
                    );
                }
                if !self.quiet {
                    for hint in &out.hints {
                        eprintln!("hint: {hint}");
                    }
                }
                // A write statement's table is its commit: tx and event.
                self.show(out.table);
                0
            }
            Err(e) => {
                self.error(&e.to_string());
                e.exit_code()
            }
        }
    }

    fn error(&self, text: &str) {
        let text = text.trim_end();
        if self.color && io::stderr().is_terminal() {
            eprintln!("{}", style::color_error(text));
        } else {
            eprintln!("{text}");
        }
    }

    /// Renders a table to the sink: fitted to the screen's width in `table` format.
    fn show(&mut self, mut table: annals::table::Table) {
        if self.format == Format::Table && self.sink.is_screen() {
            if let Some((cols, _)) = terminal_size() {
                let cut = fit_to_width(&mut table, cols);
                if cut > 0 {
                    eprintln!(
                        "note: {cut} long cell{} cut to fit {cols} columns (.format tsv or .output FILE shows them whole)",
                        if cut == 1 { "" } else { "s" }
                    );
                }
            }
        }
        let mut buf = Vec::new();
        if let Err(e) = (self.render)(&table, self.format, &mut buf) {
            eprintln!("cannot render the result: {e}");
            return;
        }
        if let Err(e) = self.sink.write(&buf) {
            if e.kind() != io::ErrorKind::BrokenPipe {
                eprintln!("cannot write the result: {e}");
            }
        }
    }

    fn meta(&mut self, line: &str) -> i32 {
        let cmd = match meta::parse(line) {
            Ok(c) => c,
            Err(msg) => {
                self.error(&format!("error: {msg}"));
                return 1;
            }
        };
        let table = match cmd {
            Meta::Help => {
                eprint!("{}", meta::help_text());
                return 0;
            }
            Meta::Quit => {
                self.quit = true;
                return 0;
            }
            Meta::Format(Some(f)) => {
                self.format = f;
                return 0;
            }
            Meta::Format(None) => {
                eprintln!("format: {}", self.format.as_str());
                return 0;
            }
            Meta::Timer(on) => {
                self.timer = on;
                return 0;
            }
            Meta::Pager(on) => {
                if let Sink::Screen { pager } = &mut self.sink {
                    *pager = on;
                }
                return 0;
            }
            Meta::Output(None) => {
                self.sink = Sink::Screen { pager: true };
                return 0;
            }
            Meta::Output(Some(path)) => match std::fs::File::create(&path) {
                Ok(file) => {
                    self.sink = Sink::File { file };
                    return 0;
                }
                Err(e) => {
                    self.error(&format!("error: cannot write {path}: {e}"));
                    return 1;
                }
            },
            Meta::Read(path) => return self.read_file(&path),
            Meta::ParamSet(name, value) => match self.backend.set_param(&name, &value) {
                Ok(()) => return 0,
                Err(e) => Err(e),
            },
            Meta::ParamList => {
                let mut t = annals::table::Table::new(["parameter", "value"]);
                for (n, v) in self.backend.params() {
                    t.push(vec![
                        Some(annals::value::Value::Str(format!("${n}"))),
                        Some(annals::value::Value::Str(v)),
                    ]);
                }
                Ok(t)
            }
            Meta::AsOf(a) => {
                let label = a.as_ref().map(meta::as_of_label);
                match self.backend.set_as_of(a) {
                    Ok(()) => {
                        self.as_of = label;
                        return 0;
                    }
                    Err(e) => Err(e),
                }
            }
            Meta::Stats => self.backend.stats(),
            Meta::Predicates => self.backend.predicates(),
            Meta::Entities(prefix) => self.backend.entities(&prefix),
            Meta::Log(n) => self.backend.log(Some(n.unwrap_or(20))),
        };
        match table {
            Ok(t) => {
                self.show(t);
                0
            }
            Err(e) => {
                self.error(&e.to_string());
                e.exit_code()
            }
        }
    }

    fn read_file(&mut self, path: &str) -> i32 {
        if self.depth >= MAX_READ_DEPTH {
            self.error(&format!(
                "error: .read {path}: files read each other more than {MAX_READ_DEPTH} deep"
            ));
            return 1;
        }
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                self.error(&format!("error: cannot read {path}: {e}"));
                return 1;
            }
        };
        self.depth += 1;
        let code = self.run_text(&text, Some(path));
        self.depth -= 1;
        // `.quit` in a file ends the file, not the session.
        self.quit = false;
        code
    }
}

#[cfg(test)]
mod tests;
