//! Where results go: the screen (fitted to its width, through a pager when longer than
//! the screen) or a file chosen with `.output`.

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::process::{Command, Stdio};

use annals::table::Table;
use annals::value::Value;

use crate::render::OutFormat;

/// Output formats of SPEC §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Jsonl,
    Csv,
    Tsv,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "table" | "box" => Format::Table,
            "json" => Format::Json,
            "jsonl" | "ndjson" => Format::Jsonl,
            "csv" => Format::Csv,
            "tsv" | "tabs" => Format::Tsv,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
        }
    }
}

impl From<OutFormat> for Format {
    fn from(f: OutFormat) -> Format {
        match f {
            OutFormat::Table => Format::Table,
            OutFormat::Json => Format::Json,
            OutFormat::Jsonl => Format::Jsonl,
            OutFormat::Csv => Format::Csv,
            OutFormat::Tsv => Format::Tsv,
        }
    }
}

impl From<Format> for OutFormat {
    fn from(f: Format) -> OutFormat {
        match f {
            Format::Table => OutFormat::Table,
            Format::Json => OutFormat::Json,
            Format::Jsonl => OutFormat::Jsonl,
            Format::Csv => OutFormat::Csv,
            Format::Tsv => OutFormat::Tsv,
        }
    }
}

/// Renders a table in a format, the same way the other commands do.
pub type RenderFn = fn(&Table, Format, &mut dyn Write) -> io::Result<()>;

/// Columns the box-drawing table spends besides its cells: `│ a │ b │` is 3 per column + 1.
fn table_overhead(columns: usize) -> usize {
    3 * columns + 1
}

/// Narrowest a cut cell gets: below this a cell says nothing.
const MIN_CELL: usize = 8;

/// Cuts the longest cells so that a `table` rendering fits `width` columns. Returns the
/// number of cells cut (0: the table is unchanged). Only cut cells change, and they
/// become strings ending with `…`; every other cell keeps its type.
pub fn fit_to_width(table: &mut Table, width: usize) -> usize {
    let n = table.columns.len();
    if n == 0 {
        return 0;
    }
    let text_width = |c: &Option<Value>| c.as_ref().map_or(0, |v| display_width(&v.to_string()));
    let mut natural: Vec<usize> = table.columns.iter().map(|c| display_width(c)).collect();
    for row in &table.rows {
        for (w, c) in natural.iter_mut().zip(row) {
            *w = (*w).max(text_width(c));
        }
    }
    let budget = width.saturating_sub(table_overhead(n));
    if natural.iter().sum::<usize>() <= budget {
        return 0;
    }
    // The largest cap such that min(natural, cap) summed fits; never below MIN_CELL.
    let total = |cap: usize| natural.iter().map(|w| (*w).min(cap)).sum::<usize>();
    let (mut lo, mut hi) = (MIN_CELL, natural.iter().copied().max().unwrap_or(MIN_CELL));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if total(mid) <= budget {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let cap = lo;
    let mut cut = 0;
    for row in &mut table.rows {
        for cell in row.iter_mut() {
            let Some(v) = cell else { continue };
            let text = v.to_string();
            if display_width(&text) > cap {
                let kept: String = text.chars().take(cap.saturating_sub(1)).collect();
                *cell = Some(Value::Str(format!("{kept}…")));
                cut += 1;
            }
        }
    }
    for col in &mut table.columns {
        if display_width(col) > cap {
            let kept: String = col.chars().take(cap.saturating_sub(1)).collect();
            *col = format!("{kept}…");
        }
    }
    cut
}

/// Characters, not bytes; wide CJK characters count one (no width table is linked in).
fn display_width(s: &str) -> usize {
    s.chars().count()
}

/// The terminal's size (columns, rows) seen on standard output, if it is one.
pub fn terminal_size() -> Option<(usize, usize)> {
    // SAFETY: TIOCGWINSZ writes a `winsize` into the struct we pass and nothing else.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
    (ok && ws.ws_col > 0).then_some((usize::from(ws.ws_col), usize::from(ws.ws_row)))
}

/// The screen or a file.
pub enum Sink {
    Screen { pager: bool },
    File { file: File },
}

impl Sink {
    pub fn is_screen(&self) -> bool {
        matches!(self, Sink::Screen { .. })
    }

    /// Writes rendered output. On a terminal, output taller than the screen goes to the
    /// pager; if the pager cannot start, it is printed.
    pub fn write(&mut self, text: &[u8]) -> io::Result<()> {
        match self {
            Sink::File { file } => file.write_all(text),
            Sink::Screen { pager } => {
                let stdout = io::stdout();
                if *pager && stdout.is_terminal() {
                    let rows = terminal_size().map_or(24, |(_, r)| r);
                    let lines = text.iter().filter(|&&b| b == b'\n').count();
                    if lines + 2 > rows && page(text).is_ok() {
                        return Ok(());
                    }
                }
                let mut out = stdout.lock();
                out.write_all(text)?;
                out.flush()
            }
        }
    }
}

/// `$PAGER` (default `less -FRX`; empty: no pager), run through `sh -c` so that a pager
/// with arguments works as it does in git and psql.
fn page(text: &[u8]) -> io::Result<()> {
    let pager = std::env::var("PAGER").unwrap_or_else(|_| "less -FRX".to_string());
    if pager.trim().is_empty() {
        return Err(io::Error::other("no pager"));
    }
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(&pager)
        .stdin(Stdio::piped())
        .spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // The user may quit the pager before reading everything: a broken pipe is normal.
        match stdin.write_all(text) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => return Err(e),
            _ => {}
        }
    }
    let status = child.wait()?;
    // 126/127: the shell could not run the pager (a typo in $PAGER). Nothing was shown,
    // so the caller prints the text itself.
    if matches!(status.code(), Some(126 | 127)) {
        return Err(io::Error::other(format!(
            "the pager `{pager}` could not run"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Table {
        let mut t = Table::new(["name", "quote"]);
        for r in rows {
            t.push(r.iter().map(|s| Some(Value::Str(s.to_string()))).collect());
        }
        t
    }

    #[test]
    fn narrow_tables_are_untouched() {
        let mut t = table(&[&["G42", "short"]]);
        let before = t.clone();
        assert_eq!(fit_to_width(&mut t, 80), 0);
        assert_eq!(t, before);
    }

    #[test]
    fn long_cells_are_cut_to_fit() {
        let long = "x".repeat(200);
        let mut t = table(&[&["Sam Winter Levy", &long], &["G42", "short"]]);
        assert_eq!(fit_to_width(&mut t, 60), 1);
        let cell = t.rows[0][1]
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_default();
        assert!(cell.ends_with('…'));
        let widest: usize = (0..2)
            .map(|c| {
                t.rows
                    .iter()
                    .map(|r| r[c].as_ref().map_or(0, |v| v.to_string().chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .sum();
        assert!(widest + table_overhead(2) <= 60, "{widest}");
        assert_eq!(t.rows[0][0], Some(Value::Str("Sam Winter Levy".into())));
    }

    #[test]
    fn formats_parse() {
        for f in [
            Format::Table,
            Format::Json,
            Format::Jsonl,
            Format::Csv,
            Format::Tsv,
        ] {
            assert_eq!(Format::parse(f.as_str()), Some(f));
        }
        assert_eq!(Format::parse("yaml"), None);
    }
}
