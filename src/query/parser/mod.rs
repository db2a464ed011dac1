//! The parser: text to [`Script`] and [`Statement`], with errors that say where and what.
//!
//! 1. `lexical` holds the token parsers (keywords, strings, numbers, variables) and
//!    the furthest-failure tracker; every token parser skips white space and comments
//!    before itself.
//! 2. `grammar` has one nom function per production of `grammar/annals.ebnf`.
//! 3. This module runs them over a whole source, turns a failure into a
//!    [`ParseError`] ("expected `where`, found `wher`", with "did you mean"), and offers
//!    what the REPL needs without re-implementing the grammar: [`input_status`],
//!    [`split_statements`], [`highlight_tokens`], [`KEYWORDS`] and [`PREDICATES`].
//!
//! The parser never sees storage: whether a predicate or an entity exists is the
//! executor's question (it uses [`crate::query::diagnostic::closest`] for its hints).
//! Nesting of `not (` and `optional (` is limited to [`MAX_DEPTH`] levels, since nom
//! has no recursion limit of its own and deep input would overflow the stack.

mod grammar;
mod lexical;

pub use lexical::{highlight_tokens, TokenKind, MAX_DEPTH};

use crate::query::ast::{Script, Span, Statement};
pub use crate::query::diagnostic::ParseError;
use crate::query::diagnostic::{closest, line_col};
use lexical::{lenient_token, ws, Expected, State};

/// Every keyword of the language, lower case (they match in any case).
pub const KEYWORDS: &[&str] = &[
    "find",
    "where",
    "not",
    "optional",
    "in",
    "contains",
    "starts_with",
    "matches",
    "order",
    "by",
    "asc",
    "desc",
    "limit",
    "offset",
    "as",
    "of",
    "count",
    "distinct",
    "sum",
    "min",
    "max",
    "avg",
    "history",
    "why",
    "entity",
    "suggest",
    "aliases",
    "for",
    "assert",
    "note",
    "retract",
    "article",
    "because",
    "alias",
    "let",
    "explain",
    "analyze",
];

/// The built-in predicates of SPEC §2, for completion.
pub const PREDICATES: &[&str] = &crate::schema::ALL_PREDICATES;

/// What [`ParseError::found`] says when the input ended too early.
pub const END_OF_INPUT: &str = "end of input";

pub(crate) fn is_keyword(w: &str) -> bool {
    KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(w))
}

/// Parses a script: statements each ending in `;`, except that the last `;` is
/// optional. Empty statements (`;;`) are skipped.
// A parse error is built once per failed statement, never in a loop: its size
// (span, expectations, message) costs nothing worth boxing it for.
#[allow(clippy::result_large_err)]
pub fn parse_script(src: &str) -> Result<Script, ParseError> {
    let (r, state) = lexical::with_state(src, || grammar::script(src));
    match r {
        Ok((_, statements)) => Ok(Script { statements }),
        Err(_) => Err(build_error(src, state)),
    }
}

/// Parses exactly one statement; a trailing `;` is optional.
// A parse error is built once per failed statement, never in a loop: its size
// (span, expectations, message) costs nothing worth boxing it for.
#[allow(clippy::result_large_err)]
pub fn parse_statement(src: &str) -> Result<Statement, ParseError> {
    one_statement(src).map_err(|state| build_error(src, state))
}

/// [`parse_statement`], keeping the tracker's state on failure for [`input_status`].
fn one_statement(src: &str) -> Result<Statement, State> {
    let (r, state) = lexical::with_state(src, || {
        let (rest, s) = grammar::statement(src)?;
        let rest = ws(rest);
        let rest = rest.strip_prefix(';').map_or(rest, ws);
        if !rest.is_empty() {
            lexical::note(rest, Expected::Punct(";"));
            return lexical::expect(rest, Expected::Thing("end of input"));
        }
        Ok((rest, s))
    });
    match r {
        Ok((_, s)) => Ok(s),
        Err(_) => Err(state),
    }
}

/// Parses the one statement that starts at byte `start` of `src` and ends at its `;` (or
/// at the end of `src`), with spans and errors relative to the whole of `src`. `annals
/// run --keep-going` parses a file statement by statement this way, so that a statement
/// after a broken one still runs and every message names its line in the file.
#[allow(clippy::result_large_err)]
pub fn parse_statement_at(src: &str, start: usize) -> Result<Statement, ParseError> {
    let tail = src.get(start..).unwrap_or("");
    let (r, state) = lexical::with_state(src, || {
        let (rest, s) = grammar::statement(tail)?;
        let rest = ws(rest);
        if rest.is_empty() || rest.starts_with(';') {
            return Ok((rest, s));
        }
        lexical::note(rest, Expected::Punct(";"));
        lexical::expect(rest, Expected::Thing("end of statement"))
    });
    match r {
        Ok((_, s)) => Ok(s),
        Err(_) => Err(build_error(src, state)),
    }
}

/// What the REPL should do with the text typed so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputStatus {
    /// One or more whole statements, each ending in `;` (or nothing at all): run it.
    Complete,
    /// Could still become valid by typing more: no `;` yet, an open string or paren.
    Incomplete,
    /// A statement already ended cannot parse, or the text has an error before its end
    /// that more typing cannot fix: submit it so that the error shows.
    Invalid,
}

/// Classifies REPL input without running it (toydb's validator asks its parser the same).
///
/// Empty input (or only comments) is `Complete`, so that Enter on an empty line gives a
/// fresh prompt instead of a continuation line.
pub fn input_status(src: &str) -> InputStatus {
    let segments = segments(src);
    for (span, terminated) in &segments {
        let text = src.get(span.start..span.end).unwrap_or("");
        let result = one_statement(text);
        if *terminated {
            if result.is_err() {
                return InputStatus::Invalid;
            }
            continue;
        }
        return match result {
            Ok(_) => InputStatus::Incomplete,
            Err(state) if could_continue(text, &state) => InputStatus::Incomplete,
            Err(_) => InputStatus::Invalid,
        };
    }
    InputStatus::Complete
}

/// Whether typing more after `text` may fix the error `state` describes: the text ran
/// out, or the failure is in its last token and that token may be the start of what
/// was expected (`wher` of `where`, `2025-0` of a date, `!` of `!=`). A misspelling
/// before the end (`fnd ?p`) or a last word no keyword extends (`lmit`) cannot be fixed
/// by typing on, so the REPL should show it at once.
fn could_continue(text: &str, state: &State) -> bool {
    let len = text.len();
    if let Some(c) = &state.custom {
        return c.at_end || c.span.end >= len;
    }
    let pos = state.furthest;
    let rest = text.get(pos..).unwrap_or("");
    let Some((kind, tlen)) = lenient_token(rest) else {
        return true;
    };
    if pos + tlen < len {
        return false;
    }
    let token = rest.get(..tlen).unwrap_or("").to_ascii_lowercase();
    match kind {
        TokenKind::Keyword | TokenKind::Identifier => state.expected.iter().any(|e| match e {
            Expected::Keyword(k) | Expected::Hidden(k) => k.starts_with(&token),
            Expected::Ident(_) => true,
            _ => false,
        }),
        TokenKind::Number => true,
        TokenKind::Punctuation => matches!(
            token.as_str(),
            "?" | "$" | "!" | "<" | ">" | "#" | "-" | "."
        ),
        _ => false,
    }
}

/// The spans of the statements in `src`, split on `;` outside strings and comments,
/// without the `;` and without leading or trailing white space and comments. Pieces
/// holding nothing but white space and comments are left out.
pub fn split_statements(src: &str) -> Vec<Span> {
    segments(src).into_iter().map(|(s, _)| s).collect()
}

/// [`split_statements`], telling whether each piece ended with a `;`.
fn segments(src: &str) -> Vec<(Span, bool)> {
    let mut out = Vec::new();
    let mut current: Option<Span> = None;
    for (span, kind) in highlight_tokens(src) {
        if kind == TokenKind::Comment {
            continue;
        }
        if kind == TokenKind::Punctuation && src.get(span.start..span.end) == Some(";") {
            if let Some(s) = current.take() {
                out.push((s, true));
            }
            continue;
        }
        current = Some(match current {
            Some(s) => Span::new(s.start, span.end),
            None => span,
        });
    }
    if let Some(s) = current {
        out.push((s, false));
    }
    out
}

/// Turns the tracker's state after a failed parse into a [`ParseError`].
fn build_error(src: &str, state: State) -> ParseError {
    if let Some(c) = state.custom {
        let (line, column) = line_col(src, c.span.start);
        let found = if c.at_end {
            END_OF_INPUT.to_string()
        } else {
            found_at(src, c.span.start).0
        };
        return ParseError {
            span: c.span,
            line,
            column,
            expected: Vec::new(),
            found,
            message: c.message,
            help: None,
        };
    }
    let pos = state.furthest.min(src.len());
    let (found, span, word) = found_at(src, pos);
    let shown: Vec<String> = state
        .expected
        .iter()
        .filter_map(|e| match e {
            Expected::Keyword(k) | Expected::Punct(k) => Some(format!("`{k}`")),
            Expected::Thing(t) | Expected::Ident(t) => Some((*t).to_string()),
            Expected::Hidden(_) => None,
        })
        .collect();
    let keywords = state.expected.iter().filter_map(|e| match e {
        Expected::Keyword(k) | Expected::Hidden(k) => Some(*k),
        _ => None,
    });
    let help = word.and_then(|w| {
        closest(w, keywords)
            .map(|k| format!("did you mean `{k}`?"))
            .or_else(|| bare_word_help(w, &state.expected))
    });
    let message = if shown.is_empty() {
        format!("unexpected {found}")
    } else {
        format!("expected {}, found {found}", join_or(&shown))
    };
    let (line, column) = line_col(src, span.start);
    ParseError {
        span,
        line,
        column,
        expected: shown,
        found,
        message,
        help,
    }
}

/// The two commonest slips with a bare word: a name without quotes where a term was
/// expected, and a variable without its `?`.
fn bare_word_help(word: &str, expected: &[Expected]) -> Option<String> {
    let wants = |prefix: &str| {
        expected
            .iter()
            .any(|e| matches!(e, Expected::Thing(t) if t.starts_with(prefix)))
    };
    if wants("a variable") {
        Some(format!("variables start with `?`: `?{word}`"))
    } else if wants("a term") || wants("a string") {
        Some(format!(
            "names and other strings go in double quotes: `\"{word}\"`"
        ))
    } else {
        None
    }
}

/// "a", "a or b", "a, b or c".
fn join_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The token at `pos`: how to name it, its span, and its text if it is a word.
fn found_at(src: &str, pos: usize) -> (String, Span, Option<&str>) {
    let rest = src.get(pos..).unwrap_or("");
    match lenient_token(rest) {
        None => (END_OF_INPUT.to_string(), Span::new(pos, pos), None),
        Some((kind, len)) => {
            let text = rest.get(..len).unwrap_or(rest);
            let span = Span::new(pos, pos + text.len());
            let mut shown: String = text.lines().next().unwrap_or("").chars().take(40).collect();
            if shown.len() < text.len() {
                shown.push('…');
            }
            let word = matches!(kind, TokenKind::Keyword | TokenKind::Identifier).then_some(text);
            (format!("`{shown}`"), span, word)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_lower_case_and_unique() {
        for (n, k) in KEYWORDS.iter().enumerate() {
            assert_eq!(k.to_lowercase(), *k);
            assert!(!KEYWORDS[n + 1..].contains(k), "{k} twice");
        }
    }

    #[test]
    fn segments_split_outside_strings_and_comments() {
        let src = "find ?x where ?x p \"a;b\"; -- c;\n history \"x\"";
        let spans: Vec<&str> = split_statements(src)
            .iter()
            .map(|s| &src[s.start..s.end])
            .collect();
        assert_eq!(spans, vec!["find ?x where ?x p \"a;b\"", "history \"x\""]);
    }
}
