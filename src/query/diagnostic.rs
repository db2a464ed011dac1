//! Diagnostics: the error a statement gets when it does not parse, the renderer every
//! error at a span shares (parse errors here, unknown predicates and bad regular
//! expressions in the executor), and the "did you mean" matcher.
//!
//! Rendering follows rustc's layout, which users of compilers already read fluently:
//!
//! ```text
//! error: expected `where`, found `wher`
//!  --> script.aq:2:1
//!   |
//! 2 | wher ?p ceo_of ?o
//!   | ^^^^
//!   = help: did you mean `where`?
//! ```
//!
//! Lines and columns are 1-based and columns count characters, not bytes (SPEC §6).

use std::fmt;

use crate::query::ast::Span;
use crate::value::fold;

/// A statement that does not parse: where, what was expected, what was found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Byte range in the whole source (the script, not just the statement).
    pub span: Span,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// 1-based column of `span.start`, in characters.
    pub column: usize,
    /// What the parser would have accepted there (`` `where` ``, `a variable`); empty
    /// when the message says it all (a bad escape, nesting too deep).
    pub expected: Vec<String>,
    /// What was there instead: `` `wher` `` or `end of input`.
    pub found: String,
    /// The whole first line: "expected `where`, found `wher`".
    pub message: String,
    /// "did you mean `where`?"
    pub help: Option<String>,
}

impl ParseError {
    /// The full diagnostic with the offending line and a caret; `origin` is a file name.
    pub fn render(&self, src: &str, origin: Option<&str>) -> String {
        render_at(src, self.span, origin, &self.message, self.help.as_deref())
    }

    /// The crate error for this parse error, rendered against `src`.
    pub fn into_error(self, src: &str, origin: Option<&str>) -> crate::Error {
        crate::Error::Statement(self.render(src, origin))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )?;
        if let Some(h) = &self.help {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

/// The largest char boundary at or before `pos` (clamped to the text).
fn floor_boundary(src: &str, pos: usize) -> usize {
    let mut p = pos.min(src.len());
    while !src.is_char_boundary(p) {
        p -= 1;
    }
    p
}

/// 1-based line and character column of byte offset `pos`.
pub fn line_col(src: &str, pos: usize) -> (usize, usize) {
    let pos = floor_boundary(src, pos);
    let before = src.get(..pos).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |n| n + 1);
    let column = before.get(line_start..).unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Renders `message` at `span` of `src`: the location, the line, a caret under the span
/// (its first line only; at least one caret, so an empty span at the end of the input
/// still shows where), and the optional help line. No trailing newline.
pub fn render_at(
    src: &str,
    span: Span,
    origin: Option<&str>,
    message: &str,
    help: Option<&str>,
) -> String {
    let start = floor_boundary(src, span.start);
    let end = floor_boundary(src, span.end.max(start));
    let (line, column) = line_col(src, start);
    let line_start = src
        .get(..start)
        .and_then(|b| b.rfind('\n'))
        .map_or(0, |n| n + 1);
    let line_end = src
        .get(start..)
        .and_then(|r| r.find('\n'))
        .map_or(src.len(), |n| start + n);
    let text = src.get(line_start..line_end).unwrap_or("");
    let text = text.strip_suffix('\r').unwrap_or(text);
    // Tabs shown as four spaces, on the line and under it, keep the caret aligned.
    let shown: String = text
        .chars()
        .map(|c| {
            if c == '\t' {
                "    ".to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    let width = |s: &str| -> usize { s.chars().map(|c| if c == '\t' { 4 } else { 1 }).sum() };
    let pad = width(src.get(line_start..start).unwrap_or(""));
    let under_end = end.min(line_end).max(start);
    let carets = width(src.get(start..under_end).unwrap_or("")).max(1);

    let gutter = " ".repeat(line.to_string().len());
    let location = match origin {
        Some(o) => format!("{o}:{line}:{column}"),
        None => format!("line {line}, column {column}"),
    };
    let mut out = format!("error: {message}\n{gutter}--> {location}\n{gutter} |\n");
    out.push_str(&format!("{line} | {shown}\n"));
    out.push_str(&format!(
        "{gutter} | {}{}",
        " ".repeat(pad),
        "^".repeat(carets)
    ));
    if let Some(h) = help {
        out.push_str(&format!("\n{gutter} = help: {h}"));
    }
    out
}

/// Edit distance with adjacent transpositions (optimal string alignment), on chars.
fn distance(a: &[char], b: &[char]) -> usize {
    // Rows of the table, one per char of `a`: `cur` is built from `prev` (the row above)
    // and `prev2` (two rows above, for a transposition). In the inner loop `left` is the
    // cell just built, `diag` and `up` the cells of `prev` above-left and above the next
    // one, and `trans` the cell of `prev2` two up and two left (none in the first column).
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = Vec::with_capacity(b.len() + 1);
    let mut before_ca: Option<char> = None;
    for (i, &ca) in a.iter().enumerate() {
        cur.clear();
        let mut left = i + 1;
        cur.push(left);
        let mut before_cb: Option<char> = None;
        let trans_cells = std::iter::once(None).chain(prev2.iter().copied().map(Some));
        for (((&diag, &up), &cb), trans) in
            prev.iter().zip(prev.iter().skip(1)).zip(b).zip(trans_cells)
        {
            let cost = usize::from(ca != cb);
            let mut d = (up + 1).min(left + 1).min(diag + cost);
            if let (Some(pa), Some(pb), Some(t)) = (before_ca, before_cb, trans) {
                if ca == pb && pa == cb {
                    d = d.min(t + 1);
                }
            }
            left = d;
            cur.push(d);
            before_cb = Some(cb);
        }
        before_ca = Some(ca);
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(b.len())
}

/// Typos tolerated in a word of `len` characters: none in very short words, where one
/// edit turns any word into another, then one per four or so characters.
fn tolerance(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=5 => 1,
        6..=9 => 2,
        _ => 3,
    }
}

/// The candidate closest to `word`, if any is close enough to be a likely typo.
///
/// Both sides are folded (case, accents, spacing, as names are matched), then compared
/// token by token: with the same number of tokens, every token must be within its own
/// tolerance, and the total edits rank the candidates. Whole-string distance was
/// rejected: it rates "Donald Trump"~"Donald Tusk" as close as real typos. Different
/// token counts match only when the strings differ by one edit ("ElonMusk"). Ties go to
/// the earliest candidate.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let w = fold(word);
    let w_chars: Vec<char> = w.chars().collect();
    let w_tokens: Vec<Vec<char>> = w.split(' ').map(|t| t.chars().collect()).collect();
    let mut best: Option<(usize, &'a str)> = None;
    for cand in candidates {
        let c = fold(cand);
        let score = if c == w {
            Some(0)
        } else {
            let c_tokens: Vec<Vec<char>> = c.split(' ').map(|t| t.chars().collect()).collect();
            if c_tokens.len() == w_tokens.len() {
                let mut total = 0;
                let mut ok = true;
                for (a, b) in w_tokens.iter().zip(&c_tokens) {
                    let d = distance(a, b);
                    if d > tolerance(a.len().max(b.len())) {
                        ok = false;
                        break;
                    }
                    total += d;
                }
                ok.then_some(total)
            } else {
                let c_chars: Vec<char> = c.chars().collect();
                (distance(&w_chars, &c_chars) <= 1).then_some(1)
            }
        };
        if let Some(s) = score {
            if best.is_none_or(|(b, _)| s < b) {
                best = Some((s, cand));
            }
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook full-table form of `distance`.
    fn distance_table(a: &[char], b: &[char]) -> usize {
        let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        d[0] = (0..=b.len()).collect();
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    #[test]
    fn distance_matches_the_full_table() {
        let words = [
            "", "a", "ab", "ba", "abc", "acb", "ca", "abcd", "badc", "where", "wehre", "whre",
            "kitten", "sitting", "émirats", "emriats",
        ];
        for x in words {
            for y in words {
                let (a, b): (Vec<char>, Vec<char>) = (x.chars().collect(), y.chars().collect());
                assert_eq!(distance(&a, &b), distance_table(&a, &b), "{x:?} {y:?}");
            }
        }
        let (ab, ba): (Vec<char>, Vec<char>) = ("ab".chars().collect(), "ba".chars().collect());
        assert_eq!(distance(&ab, &ba), 1);
    }

    #[test]
    fn closest_keywords_and_names() {
        let kws = ["find", "where", "order", "limit"];
        assert_eq!(closest("wher", kws), Some("where"));
        assert_eq!(closest("fnd", kws), Some("find"));
        assert_eq!(closest("WHRE", kws), Some("where"));
        assert_eq!(closest("banana", kws), None);
        assert_eq!(closest("ab", ["an"]), None);
        let names = ["Donald Tusk", "Elon Musk", "Wissam Altman"];
        assert_eq!(closest("Donald Trump", names), None);
        assert_eq!(closest("elon  musc", names), Some("Elon Musk"));
        assert_eq!(closest("ElonMusk", names), Some("Elon Musk"));
        assert_eq!(closest("Émirats", ["emirats"]), Some("emirats"));
    }

    #[test]
    fn line_and_column_count_chars() {
        let src = "ab\néé x";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        assert_eq!(line_col(src, 8), (2, 4));
        assert_eq!(line_col(src, 4), (2, 1)); // inside a char: its start
        assert_eq!(line_col(src, 999), (2, 5));
    }

    #[test]
    fn render_with_and_without_origin() {
        let src = "find ?p\nwher ?p ceo_of ?o";
        let r = render_at(
            src,
            Span::new(8, 12),
            Some("script.aq"),
            "expected `where`, found `wher`",
            Some("did you mean `where`?"),
        );
        assert_eq!(
            r,
            "error: expected `where`, found `wher`\n --> script.aq:2:1\n  |\n2 | wher ?p ceo_of ?o\n  | ^^^^\n  = help: did you mean `where`?"
        );
        let r = render_at("é x", Span::new(3, 4), None, "boom", None);
        assert_eq!(
            r,
            "error: boom\n --> line 1, column 3\n  |\n1 | é x\n  |   ^"
        );
    }

    #[test]
    fn render_never_panics_on_odd_spans() {
        let src = "é\t\n";
        for s in 0..6 {
            for e in 0..6 {
                let _ = render_at(src, Span::new(s, e), None, "m", None);
            }
        }
        let _ = render_at("", Span::new(3, 1), None, "m", None);
    }
}
