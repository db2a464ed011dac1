//! `annals query` and `annals run`: statements from the command line or from files,
//! parsed, run through one [`Session`] in order, and rendered one table each.
//!
//! A script stops at its first failing statement (parse or run error) with the file,
//! line and column, unless `--keep-going`; either way the exit code is that of the first
//! failure. `--timer` prints one line per statement on standard error, measuring parse,
//! plan and execution but not rendering, so a file of repeated statements times them
//! without a process start each.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use annals::query::ast::{Statement, StatementKind};
use annals::query::parser::{parse_statement, parse_statement_at, split_statements};
use annals::query::Session;
use annals::{Error, Kb, Result};

use crate::render::OutFormat;
use crate::Ctx;

/// True for statements that append a commit: they may create the database.
pub fn writes(stmt: &Statement) -> bool {
    match &stmt.kind {
        StatementKind::Assert { .. }
        | StatementKind::Retract { .. }
        | StatementKind::RetractArticle { .. }
        | StatementKind::Alias { .. } => true,
        StatementKind::Explain { statement, .. } => writes(statement),
        _ => false,
    }
}

/// A session with the command line's parameters and limits.
pub fn session(ctx: &Ctx, params: &[String]) -> Result<Session> {
    let mut session = Session::new();
    if let Some(t) = ctx.timeout {
        session.set_timeout(t);
    }
    if let Some(n) = ctx.max_rows {
        session.set_max_rows(n);
    }
    if let Some(n) = ctx.max_memory {
        session.set_max_memory(n);
    }
    for p in params {
        let (name, value) = parse_param(p)?;
        session.set_param_text(name, value);
    }
    Ok(session)
}

/// `--param NAME=VALUE` (a leading `$` on the name allowed) as (name, value).
pub fn parse_param(p: &str) -> Result<(&str, &str)> {
    let Some((name, value)) = p.split_once('=') else {
        return Err(Error::InvalidInput(format!(
            "--param `{p}` is not of the form name=value"
        )));
    };
    let name = name.trim().trim_start_matches('$');
    if name.is_empty() {
        return Err(Error::InvalidInput(format!("--param `{p}` has no name")));
    }
    Ok((name, value))
}

/// `annals query 'STATEMENT'`.
pub fn query(ctx: &Ctx, text: &str, params: &[String], format: OutFormat) -> Result<()> {
    let mut session = session(ctx, params)?;
    let started = Instant::now();
    let stmt = parse_statement(text).map_err(|e| e.into_error(text, None))?;
    let parse_time = started.elapsed();
    let mut kb = ctx.open(writes(&stmt))?;
    let result = run_one(ctx, &mut kb, &mut session, &stmt, text, parse_time, format);
    ctx.close(kb)?;
    result
}

/// Runs one parsed statement and renders its table.
fn run_one(
    ctx: &Ctx,
    kb: &mut Kb,
    session: &mut Session,
    stmt: &Statement,
    src: &str,
    parse_time: Duration,
    format: OutFormat,
) -> Result<()> {
    let started = Instant::now();
    let output = session.execute(kb, stmt, src)?;
    let elapsed = parse_time + started.elapsed();
    if ctx.timer {
        eprintln!(
            "timer: {:.3} ms, {} rows",
            elapsed.as_secs_f64() * 1000.0,
            output.table.rows.len()
        );
    }
    if !ctx.quiet {
        for hint in &output.hints {
            if hint.starts_with("hint:") {
                eprintln!("{hint}");
            } else {
                eprintln!("hint: {hint}");
            }
        }
    }
    ctx.print(&output.table, format)
}

/// `annals run FILE...`.
pub fn run(
    ctx: &Ctx,
    files: &[PathBuf],
    params: &[String],
    keep_going: bool,
    format: OutFormat,
) -> Result<()> {
    let mut scripts = Vec::with_capacity(files.len());
    for path in files {
        let name = path.display().to_string();
        let text = if name == "-" {
            let mut s = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                .map_err(|e| Error::io("reading standard input", e))?;
            s
        } else {
            std::fs::read_to_string(path)
                .map_err(|e| Error::InvalidInput(format!("cannot read {name}: {e}")))?
        };
        scripts.push((name, text));
    }
    let mut session = session(ctx, params)?;
    // Parse everything first: a script that writes may create the database, and a
    // broken statement is reported before anything runs only when not keeping going.
    let mut parsed = Vec::new();
    let mut any_write = false;
    for (name, text) in &scripts {
        for span in split_statements(text) {
            let started = Instant::now();
            let stmt = parse_statement_at(text, span.start)
                .map_err(|e| Error::Statement(e.render(text, Some(name))));
            if let Ok(s) = &stmt {
                any_write |= writes(s);
            }
            parsed.push((name.as_str(), text.as_str(), stmt, started.elapsed()));
        }
    }
    let mut first_error: Option<Error> = None;
    let mut failures = 0usize;
    let total = parsed.len();
    let mut kb: Option<Kb> = None;
    for (name, text, stmt, parse_time) in parsed {
        let result = match stmt {
            Ok(stmt) => {
                if kb.is_none() {
                    kb = Some(ctx.open(any_write)?);
                }
                match kb.as_mut() {
                    Some(kb) => run_one(ctx, kb, &mut session, &stmt, text, parse_time, format)
                        .map_err(|e| with_origin(e, name)),
                    None => Err(Error::Internal("no database open".into())),
                }
            }
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            if !keep_going {
                if let Some(kb) = kb {
                    ctx.close(kb)?;
                }
                return Err(e);
            }
            crate::report_error(&e);
            failures += 1;
            first_error.get_or_insert(e);
        }
    }
    if let Some(kb) = kb {
        ctx.close(kb)?;
    }
    match first_error {
        // Already shown as it happened; keep the exit code.
        Some(e) => Err(Error::Aborted(format!(
            "{failures} of {total} statements failed; the first: {}",
            e.to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
        ))),
        None => Ok(()),
    }
}

/// Names the file in a rendered statement error (`--> line 2, column 5` becomes
/// `--> queries.aq:2:5`), so that scripts report `file:line:col`.
fn with_origin(e: Error, origin: &str) -> Error {
    match e {
        Error::Statement(text) => {
            let mut out = String::with_capacity(text.len() + origin.len());
            let mut done = false;
            for (i, line) in text.lines().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                let trimmed = line.trim_start();
                match trimmed.strip_prefix("--> line ") {
                    Some(rest) if !done => {
                        let indent = &line[..line.len() - trimmed.len()];
                        let (l, c) = rest.split_once(", column ").unwrap_or((rest, "1"));
                        out.push_str(&format!("{indent}--> {origin}:{l}:{c}"));
                        done = true;
                    }
                    _ => out.push_str(line),
                }
            }
            Error::Statement(out)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_is_named() {
        let e = Error::Statement("error: x\n --> line 2, column 5\n  |".into());
        assert_eq!(
            with_origin(e, "q.aq").to_string(),
            "error: x\n --> q.aq:2:5\n  |"
        );
    }
}
