//! The `annals` command line: parses arguments (clap), opens the database, runs one
//! command, renders its table on standard output and maps errors to the exit codes of
//! SPEC §4. Notices, hints, progress and timers go to standard error. All the work is in
//! the library; this file only wires it to a terminal.

// No unwrap, expect or unchecked index outside tests; see the note in src/lib.rs.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)
)]

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod render;
mod repl;
mod statements;

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use annals::export;
use annals::import::ImportFile;
use annals::table::Table;
use annals::value::Value;
use annals::{Error, Kb, OpenOptions, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use render::OutFormat;

#[derive(Parser, Debug)]
#[command(
    name = "annals",
    version,
    about = "An event-sourced knowledge base of facts taken from news articles"
)]
struct Cli {
    /// The database folder [default: $ANNALS_DB, else ./annals.db]
    #[arg(long, global = true, value_name = "PATH")]
    db: Option<PathBuf>,
    /// Output format [default: table on a terminal, tsv otherwise]
    #[arg(long, value_enum)]
    format: Option<OutFormat>,
    /// No progress, summaries or hints on standard error
    #[arg(long, short, global = true)]
    quiet: bool,
    /// Print `timer: <ms> ms, <rows> rows` on standard error after each statement
    #[arg(long, global = true)]
    timer: bool,
    /// Wait up to SECONDS for a database locked by another process
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_seconds)]
    wait: Option<Duration>,
    /// Time limit of each query statement
    #[arg(long, global = true, value_name = "SECONDS", value_parser = parse_seconds)]
    timeout: Option<Duration>,
    /// Row limit of each query statement (distinct rows or groups) [default: 1000000]
    #[arg(long, global = true, value_name = "N")]
    max_rows: Option<usize>,
    /// Memory limit of each query statement, as 512M, 2G or bytes [default: 4G]
    #[arg(long, global = true, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<usize>,
    #[command(subcommand)]
    command: Option<Command>,
}

/// `--format` after the command name (the global one goes before it).
#[derive(Args, Debug, Default)]
struct FormatArg {
    /// Output format [default: table on a terminal, tsv otherwise]
    #[arg(long, value_enum)]
    format: Option<OutFormat>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ExportWhat {
    Facts,
    Entities,
    Events,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ExportFormat {
    Jsonl,
    Csv,
    Ntriples,
    Tsv,
    Json,
    Table,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Ingest articles: .txt/.md, .json, folders recursively, or - for standard input
    Ingest {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[arg(long, value_name = "fr|en|auto")]
        lang: Option<String>,
        #[arg(long, value_name = "DATE")]
        published: Option<String>,
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        out: FormatArg,
    },
    /// Import JSON lines (facts, or an events export), all or nothing; - reads standard input
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[command(flatten)]
        out: FormatArg,
    },
    /// Run one statement
    Query {
        statement: String,
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        #[command(flatten)]
        out: FormatArg,
    },
    /// Run statement files
    Run {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        #[arg(long)]
        keep_going: bool,
        #[command(flatten)]
        out: FormatArg,
    },
    /// The interactive shell (the default when standard input is a terminal)
    Repl {
        /// Set a parameter for every statement, as `.param NAME VALUE` would
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
    },
    /// One row per event: tx, time, kind, summary (oldest first)
    Log {
        /// Start at this tx
        #[arg(long, value_name = "TX")]
        since: Option<u64>,
        /// At most N rows
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        #[command(flatten)]
        out: FormatArg,
    },
    /// Counts: events, commits, articles, entities, facts, size on disk, view watermark
    Stats {
        #[command(flatten)]
        out: FormatArg,
    },
    /// Rebuild the view from the log and switch to it atomically
    Rematerialize {
        /// First re-run the current extractor over every stored article
        #[arg(long)]
        reextract: bool,
        /// Compare the rebuilt view with the one in service
        #[arg(long)]
        verify: bool,
        #[command(flatten)]
        out: FormatArg,
    },
    /// Check every commit's checksum and the view against a fresh replay
    Verify {
        #[command(flatten)]
        out: FormatArg,
    },
    /// Export facts, entities or events (events in jsonl is the backup format)
    Export {
        what: ExportWhat,
        /// jsonl by default (or the global --format)
        #[arg(long, value_enum)]
        format: Option<ExportFormat>,
    },
}

fn parse_seconds(s: &str) -> std::result::Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(x) if (0.0..1e9).contains(&x) => Ok(Duration::from_secs_f64(x)),
        _ => Err(format!("`{s}` is not a number of seconds")),
    }
}

/// `512M`, `2G`, `1.5GiB`, `4096`: a byte count with an optional binary unit.
fn parse_size(s: &str) -> std::result::Result<usize, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => {
            return Err(format!(
                "`{s}` is not a size: write bytes, or a number with K, M, G or T"
            ))
        }
    };
    match number.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 && x * scale < 1.8e19 => Ok((x * scale) as usize),
        _ => Err(format!(
            "`{s}` is not a size: write bytes, or a number with K, M, G or T"
        )),
    }
}

struct Ctx {
    db: PathBuf,
    format: Option<OutFormat>,
    quiet: bool,
    timer: bool,
    wait: Option<Duration>,
    timeout: Option<Duration>,
    max_rows: Option<usize>,
    max_memory: Option<usize>,
}

impl Ctx {
    fn open(&self, create: bool) -> Result<Kb> {
        self.open_with(create, false)
    }

    fn open_with(&self, create: bool, skip_view: bool) -> Result<Kb> {
        let mut kb = Kb::open(
            &self.db,
            OpenOptions {
                create,
                wait: self.wait,
                skip_view,
            },
        )?;
        self.notices(kb.take_notices());
        Ok(kb)
    }

    fn notices(&self, notices: Vec<String>) {
        for n in notices {
            eprintln!("notice: {n}");
        }
    }

    fn close(&self, kb: Kb) -> Result<()> {
        let (notices, view) = kb.close_into_view()?;
        // The process ends right after: freeing a large view piece by piece would only
        // add to every command's latency, and the operating system reclaims it at once.
        std::mem::forget(view);
        self.notices(notices);
        Ok(())
    }

    fn format(&self, own: &FormatArg) -> OutFormat {
        own.format.or(self.format).unwrap_or_else(default_format)
    }

    fn emit(&self, t: &Table, format: OutFormat, started: Instant) -> Result<()> {
        if self.timer {
            eprintln!(
                "timer: {} ms, {} rows",
                started.elapsed().as_millis(),
                t.rows.len()
            );
        }
        let stdout = std::io::stdout();
        let mut w = std::io::BufWriter::new(stdout.lock());
        render::render(t, format, &mut w)
            .and_then(|()| w.flush())
            .map_err(|e| Error::io("writing to standard output", e))
    }

    /// Renders a table on standard output.
    fn print(&self, t: &Table, format: OutFormat) -> Result<()> {
        let stdout = std::io::stdout();
        let mut w = std::io::BufWriter::new(stdout.lock());
        render::render(t, format, &mut w)
            .and_then(|()| w.flush())
            .map_err(|e| Error::io("writing to standard output", e))
    }

    fn say(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }
}

fn default_format() -> OutFormat {
    if std::io::stdout().is_terminal() {
        OutFormat::Table
    } else {
        OutFormat::Tsv
    }
}

fn default_db() -> PathBuf {
    match std::env::var_os("ANNALS_DB") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from("annals.db"),
    }
}

fn int(n: u64) -> Option<Value> {
    Some(Value::Int(i64::try_from(n).unwrap_or(i64::MAX)))
}

/// Opens one import input, streamed by the import (a 10-million-fact file is never read
/// whole). Everything that can be checked before the database is opened is: the file
/// exists, is readable and is not a folder.
fn read_input(path: &Path) -> Result<ImportFile> {
    if path == Path::new("-") {
        return Ok(ImportFile {
            name: "-".to_string(),
            input: not_blank(
                Box::new(std::io::stdin()),
                "standard input",
                "standard input is empty; nothing was imported",
            )?,
        });
    }
    let name = path.display().to_string();
    let cannot = |e: std::io::Error| Error::InvalidInput(format!("cannot read {name}: {e}"));
    let file = std::fs::File::open(path).map_err(cannot)?;
    if file.metadata().map_err(cannot)?.is_dir() {
        return Err(cannot(std::io::Error::from_raw_os_error(libc::EISDIR)));
    }
    let empty = format!("{name}: the file is empty; nothing was imported");
    let input = not_blank(Box::new(file), &name, &empty)?;
    Ok(ImportFile { name, input })
}

/// An import file with nothing but white space is a mistake (a truncated export, the
/// wrong path), not a successful import of nothing: it is refused before the database
/// is opened, so nothing is appended or created. Reads up to the first byte that is not
/// white space and hands back a reader that starts again from the beginning.
fn not_blank(
    mut input: Box<dyn Read + Send>,
    name: &str,
    empty: &str,
) -> Result<Box<dyn Read + Send>> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = match input.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::InvalidInput(format!("cannot read {name}: {e}"))),
        };
        let chunk = buf.get(..n).unwrap_or_default();
        if chunk.is_empty() {
            return Err(Error::InvalidInput(empty.to_string()));
        }
        seen.extend_from_slice(chunk);
        if !chunk.iter().all(u8::is_ascii_whitespace) {
            return Ok(Box::new(std::io::Cursor::new(seen).chain(input)));
        }
    }
}

fn progress_bar(ctx: &Ctx, label: &'static str) -> Option<indicatif::ProgressBar> {
    if ctx.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{msg} [{bar:40}] tx {pos}/{len} ({per_sec}, eta {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(label);
    Some(bar)
}

fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx {
        db: cli.db.clone().unwrap_or_else(default_db),
        format: cli.format,
        quiet: cli.quiet,
        timer: cli.timer,
        wait: cli.wait,
        timeout: cli.timeout,
        max_rows: cli.max_rows,
        max_memory: cli.max_memory,
    };
    let command = match cli.command {
        Some(c) => c,
        None => Command::Repl { params: Vec::new() },
    };
    let started = Instant::now();
    match command {
        Command::Import { files, out } => {
            let inputs = files
                .iter()
                .map(|p| read_input(p))
                .collect::<Result<Vec<_>>>()?;
            let mut kb = ctx.open(true)?;
            let report = kb.import(inputs)?;
            if report.duplicates > 0 {
                ctx.say(&format!(
                    "notice: {} duplicate article(s) skipped",
                    report.duplicates
                ));
            }
            let mut t = Table::new(["files", "lines", "commits", "events", "first_tx", "last_tx"]);
            t.push(vec![
                int(report.files as u64),
                int(report.lines),
                int(report.commits),
                int(report.events),
                report.first_tx.and_then(int),
                report.last_tx.and_then(int),
            ]);
            ctx.close(kb)?;
            if !ctx.quiet {
                ctx.emit(&t, ctx.format(&out), started)?;
            }
        }
        Command::Stats { out } => {
            let kb = ctx.open(false)?;
            let t = kb.stats();
            ctx.close(kb)?;
            ctx.emit(&t, ctx.format(&out), started)?;
        }
        Command::Log { since, limit, out } => {
            let kb = ctx.open(false)?;
            let t = kb.log_table(since, limit)?;
            ctx.close(kb)?;
            ctx.emit(&t, ctx.format(&out), started)?;
        }
        Command::Export { what, format } => {
            let kb = ctx.open(false)?;
            let what = match what {
                ExportWhat::Facts => export::What::Facts,
                ExportWhat::Entities => export::What::Entities,
                ExportWhat::Events => export::What::Events,
            };
            let format = match (format, ctx.format) {
                (Some(f), _) => f,
                (None, Some(OutFormat::Csv)) => ExportFormat::Csv,
                (None, Some(OutFormat::Tsv)) => ExportFormat::Tsv,
                (None, Some(OutFormat::Json)) => ExportFormat::Json,
                (None, Some(OutFormat::Table)) => ExportFormat::Table,
                (None, Some(OutFormat::Jsonl)) | (None, None) => ExportFormat::Jsonl,
            };
            let direct = match format {
                ExportFormat::Jsonl => Some(export::Format::Jsonl),
                ExportFormat::Ntriples => Some(export::Format::Ntriples),
                _ => None,
            };
            match direct {
                Some(f) => {
                    let stdout = std::io::stdout();
                    let mut w = std::io::BufWriter::new(stdout.lock());
                    export::write(&kb, what, f, &mut w)?;
                }
                None => {
                    let t = export::table(&kb, what)?;
                    let f = match format {
                        ExportFormat::Csv => OutFormat::Csv,
                        ExportFormat::Tsv => OutFormat::Tsv,
                        ExportFormat::Json => OutFormat::Json,
                        _ => OutFormat::Table,
                    };
                    ctx.emit(&t, f, started)?;
                }
            }
            ctx.close(kb)?;
        }
        Command::Rematerialize {
            reextract,
            verify,
            out,
        } => {
            // Rebuilding needs only the log; the view in service is read when it is
            // compared (--verify) or when the extractor must see the past (--reextract).
            let mut kb = ctx.open_with(false, !verify && !reextract)?;
            if reextract {
                let bar = progress_bar(&ctx, "reextract");
                let report = annals::ingest::reextract(&mut kb, &mut |done, total| {
                    if let Some(b) = &bar {
                        b.set_length(total as u64);
                        b.set_position(done as u64);
                    }
                });
                if let Some(b) = bar {
                    b.finish_and_clear();
                }
                let report = report?;
                ctx.say(&format!(
                    "reextracted: {} articles, {} changed, {} facts asserted, {} retracted ({} {})",
                    report.articles,
                    report.changed,
                    report.asserted,
                    report.retracted,
                    annals::extract::EXTRACTOR_NAME,
                    annals::extract::extractor_version()
                ));
            }
            let bar = progress_bar(&ctx, "rematerialize");
            let report = kb.rematerialize(verify, &mut |done, total| {
                if let Some(b) = &bar {
                    b.set_length(total);
                    b.set_position(done);
                }
            })?;
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            ctx.close(kb)?;
            let format = ctx.format(&out);
            if matches!(format, OutFormat::Table | OutFormat::Tsv) {
                let line = format!(
                    "rematerialized: {} events replayed ({} commits), {} facts live, {:.2} s, {:.0} events/s",
                    report.events,
                    report.commits,
                    report.facts_live,
                    report.seconds,
                    report.events_per_second()
                );
                writeln!(std::io::stdout(), "{line}")
                    .map_err(|e| Error::io("writing to standard output", e))?;
            } else {
                let mut t = Table::new([
                    "events",
                    "commits",
                    "facts_live",
                    "seconds",
                    "events_per_second",
                ]);
                t.push(vec![
                    int(report.events),
                    int(report.commits),
                    int(report.facts_live),
                    Some(Value::Decimal((report.seconds * 1000.0).round() / 1000.0)),
                    Some(Value::Decimal(report.events_per_second().round())),
                ]);
                ctx.emit(&t, format, started)?;
            }
            if let Some(diff) = report.difference {
                return Err(Error::Corrupt {
                    tx: None,
                    what: format!(
                        "the view that was in service differed from the rebuilt one ({diff}); \
                         the rebuilt view is now in service"
                    ),
                });
            }
        }
        Command::Verify { out } => {
            let kb = ctx.open(false)?;
            let bar = progress_bar(&ctx, "verify");
            let report = kb.verify(&mut |done, total| {
                if let Some(b) = &bar {
                    b.set_length(total);
                    b.set_position(done);
                }
            });
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            let report = report?;
            ctx.close(kb)?;
            let format = ctx.format(&out);
            if matches!(format, OutFormat::Table | OutFormat::Tsv) {
                let line = format!(
                    "verify: ok: {} commits and {} events checked, log ends at tx {} (acknowledged: {}), the view matches a fresh replay",
                    report.commits, report.events, report.last_tx, report.acked
                );
                writeln!(std::io::stdout(), "{line}")
                    .map_err(|e| Error::io("writing to standard output", e))?;
            } else {
                let mut t = Table::new(["commits", "events", "last_tx", "acked", "ok"]);
                t.push(vec![
                    int(report.commits),
                    int(report.events),
                    int(report.last_tx),
                    int(report.acked),
                    Some(Value::Str("true".into())),
                ]);
                ctx.emit(&t, format, started)?;
            }
        }
        Command::Query {
            statement,
            params,
            out,
        } => statements::query(&ctx, &statement, &params, ctx.format(&out))?,
        Command::Run {
            files,
            params,
            keep_going,
            out,
        } => statements::run(&ctx, &files, &params, keep_going, ctx.format(&out))?,
        Command::Ingest {
            paths,
            lang,
            published,
            url,
            title,
            out,
        } => {
            let published = match published {
                Some(d) => Some(annals::extract::input::parse_date(&d).ok_or_else(|| {
                    Error::InvalidInput(format!("--published `{d}` is not a date (YYYY-MM-DD)"))
                })?),
                None => None,
            };
            let lang = match lang.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("auto") => None,
                Some(l @ ("fr" | "en")) => Some(l.to_string()),
                Some(other) => {
                    return Err(Error::InvalidInput(format!(
                        "--lang `{other}` is not one of fr, en, auto"
                    )))
                }
            };
            let defaults = annals::extract::input::InputDefaults {
                lang,
                published,
                url,
                title,
            };
            let inputs = annals::extract::input::read_inputs(&paths, &defaults)?;
            if inputs.is_empty() {
                return Err(Error::InvalidInput(
                    "no article found (ingest reads .txt, .md and .json files)".to_string(),
                ));
            }
            let mut kb = ctx.open(true)?;
            let bar = if inputs.len() > 1 {
                progress_bar(&ctx, "ingest")
            } else {
                None
            };
            let report = annals::ingest::ingest(&mut kb, &inputs, &mut |done, total| {
                if let Some(b) = &bar {
                    b.set_length(total as u64);
                    b.set_position(done as u64);
                }
            });
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            let report = report?;
            ctx.close(kb)?;
            for n in &report.notices {
                ctx.say(&format!("notice: {n}"));
            }
            for (origin, of) in &report.duplicates {
                ctx.say(&format!(
                    "notice: {origin}: duplicate of article {of}, skipped"
                ));
            }
            let mut t = Table::new(["articles", "duplicates", "facts", "entities"]);
            t.push(vec![
                int(report.articles_added as u64),
                int(report.duplicates.len() as u64),
                int(report.facts as u64),
                int(report.entities as u64),
            ]);
            if !ctx.quiet {
                ctx.emit(&t, ctx.format(&out), started)?;
            }
        }
        Command::Repl { params } => {
            let pairs = params
                .iter()
                .map(|p| statements::parse_param(p).map(|(n, v)| (n.to_string(), v.to_string())))
                .collect::<Result<Vec<_>>>()?;
            // The shell reports its own errors and returns the exit code (SPEC §4).
            let code = repl::run(repl::ReplOptions {
                db: ctx.db.clone(),
                format: ctx.format.map(repl::Format::from),
                timer: ctx.timer,
                quiet: ctx.quiet,
                params: pairs,
                wait: ctx.wait,
                limits: repl::Limits {
                    timeout: ctx.timeout,
                    max_rows: ctx.max_rows,
                    max_memory: ctx.max_memory,
                },
            });
            std::process::exit(code);
        }
    }
    Ok(())
}

fn is_broken_pipe(e: &Error) -> bool {
    matches!(e, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
}

/// Prints an error on standard error. Statement errors are already rendered with their
/// `error:` line, location and caret.
pub(crate) fn report_error(e: &Error) {
    match e {
        Error::Statement(text) => eprintln!("{text}"),
        other => eprintln!("error: {other}"),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Help and version exit 0; usage errors exit 2.
        Err(e) => e.exit(),
    };
    if cli.command.is_none() && !std::io::stdin().is_terminal() {
        eprintln!("error: no command given, and standard input is not a terminal for the REPL");
        eprintln!("usage: annals [--db PATH] [--format FORMAT] COMMAND (see `annals --help`)");
        return ExitCode::from(2);
    }
    annals::kb::small_pages_only();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            report_error(&e);
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(1))
        }
    }
}
