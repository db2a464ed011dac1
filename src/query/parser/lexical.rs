//! Tokens as nom parsers, and the furthest-failure tracker behind every error message.
//!
//! There is no separate lexer pass: each primitive here skips white space and `--`
//! comments, then recognizes one token of `&str` input. Spans are whole-source byte
//! offsets, computed as `source length - remaining length`, which is why the source
//! length lives in the per-parse [`State`].
//!
//! Every primitive that fails records what it expected at the position it looked at.
//! The parse error shown to the user is the furthest position any primitive reached,
//! with every expectation recorded there ("expected `,`, `order` or `limit`"). nom's
//! own errors (and `nom-language`'s `VerboseError`) were rejected for this: `opt`, `alt`
//! and the list combinators throw away the error of a branch that failed further on
//! than where they backtrack to, so the error nom returns often points before the real
//! mistake and names only the last alternative tried.
//!
//! The tracker is a thread-local because nom threads no user state through parsers;
//! the alternative, a custom located input type implementing nom's `Input`, `Compare`
//! and `Offset` traits, costs far more code for the same effect. [`with_state`] saves
//! and restores the previous state, so nested parses (none today) stay correct.

use std::cell::RefCell;

use nom::error::{ErrorKind, ParseError};
use nom::{Err, IResult};

use crate::query::ast::Span;

/// nom's error type for this parser. It carries nothing: what went wrong is in the
/// thread-local [`State`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fail;

impl<I> ParseError<I> for Fail {
    fn from_error_kind(_: I, _: ErrorKind) -> Self {
        Fail
    }
    fn append(_: I, _: ErrorKind, other: Self) -> Self {
        other
    }
}

pub(crate) type PResult<'a, T> = IResult<&'a str, T, Fail>;

/// One thing the parser would have accepted at some position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expected {
    /// A keyword, shown as `` `where` `` and offered as a "did you mean".
    Keyword(&'static str),
    /// Punctuation, shown as `` `,` ``.
    Punct(&'static str),
    /// A kind of token, shown as written ("a variable").
    Thing(&'static str),
    /// An identifier (a predicate, a column name), shown as written: any word may
    /// still grow into one, which the REPL's [`super::input_status`] needs to know.
    Ident(&'static str),
    /// A keyword offered for "did you mean" but covered by a [`Expected::Thing`] label.
    Hidden(&'static str),
}

/// A failure that names its own message (a bad escape, a date that does not exist, a
/// nesting limit); it wins over the furthest-failure expectations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Custom {
    pub span: Span,
    pub message: String,
    /// The input ended too early (an open string): more typing may fix it.
    pub at_end: bool,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    pub src_len: usize,
    pub furthest: usize,
    pub expected: Vec<Expected>,
    pub custom: Option<Custom>,
    pub depth: usize,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// Runs `f` with a fresh tracker for `src`, returning its result and the final state.
pub(crate) fn with_state<T>(src: &str, f: impl FnOnce() -> T) -> (T, State) {
    let fresh = State {
        src_len: src.len(),
        ..State::default()
    };
    let saved = STATE.with(|s| std::mem::replace(&mut *s.borrow_mut(), fresh));
    let out = f();
    let state = STATE.with(|s| std::mem::replace(&mut *s.borrow_mut(), saved));
    (out, state)
}

/// The byte offset of `rest` in the whole source.
pub(crate) fn offset(rest: &str) -> usize {
    STATE.with(|s| s.borrow().src_len.saturating_sub(rest.len()))
}

/// Records that `what` was expected where `rest` starts, and fails.
pub(crate) fn expect<T>(rest: &str, what: Expected) -> PResult<'_, T> {
    note(rest, what);
    Err(Err::Error(Fail))
}

/// Records an expectation without failing (for optional parts whose absence is fine
/// but which belong in the "expected …" list if the next token is wrong).
pub(crate) fn note(rest: &str, what: Expected) {
    let pos = offset(rest);
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        if pos > s.furthest {
            s.furthest = pos;
            s.expected.clear();
        }
        if pos == s.furthest && !s.expected.contains(&what) {
            s.expected.push(what);
        }
    });
}

/// Where the furthest failure is and how many expectations it has, for [`relabel`].
pub(crate) fn snapshot() -> (usize, usize) {
    STATE.with(|s| {
        let s = s.borrow();
        (s.furthest, s.expected.len())
    })
}

/// After a labelled parser failed at `at` without getting further, replaces what it
/// recorded there since `before` (a [`snapshot`]) by `what` and `hidden` keywords.
pub(crate) fn relabel(
    at: usize,
    before: (usize, usize),
    what: &'static str,
    hidden: &[&'static str],
) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        if s.furthest != at {
            return;
        }
        let keep = if before.0 == at { before.1 } else { 0 };
        let removed: Vec<Expected> = s.expected.drain(keep..).collect();
        let label = if removed.iter().any(|e| matches!(e, Expected::Ident(_))) {
            Expected::Ident(what)
        } else {
            Expected::Thing(what)
        };
        let mut add = vec![label];
        add.extend(hidden.iter().map(|h| Expected::Hidden(h)));
        for e in add {
            if !s.expected.contains(&e) {
                s.expected.push(e);
            }
        }
    });
}

/// Runs `p`; if it fails, keeps what it recorded only as hidden keywords: still offered
/// as "did you mean" and as a possible continuation in the REPL, but left out of the
/// "expected …" list. For optional suffixes that are rarely meant (`p+`, `in ?a`), which
/// would otherwise crowd every message.
pub(crate) fn quiet<'a, T>(
    mut p: impl FnMut(&'a str) -> PResult<'a, T>,
) -> impl FnMut(&'a str) -> PResult<'a, T> {
    move |i: &'a str| {
        let (furthest, len) = snapshot();
        let r = p(i);
        if let Err(Err::Error(_)) = &r {
            STATE.with(|s| {
                let mut s = s.borrow_mut();
                let keep = if s.furthest == furthest { len } else { 0 };
                let added: Vec<Expected> = s.expected.drain(keep..).collect();
                for e in added {
                    if let Expected::Keyword(k) | Expected::Hidden(k) = e {
                        if !s.expected.contains(&Expected::Hidden(k)) {
                            s.expected.push(Expected::Hidden(k));
                        }
                    }
                }
            });
        }
        r
    }
}

/// Fails for good with a message of its own at `span`.
pub(crate) fn fail_with<'a, T>(span: Span, message: impl Into<String>) -> PResult<'a, T> {
    fail_custom(span, message.into(), false)
}

fn fail_custom<'a, T>(span: Span, message: String, at_end: bool) -> PResult<'a, T> {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        // The first custom failure is the one closest to the cause; outer ones only wrap it.
        if s.custom.is_none() {
            s.custom = Some(Custom {
                span,
                message,
                at_end,
            });
        }
    });
    Err(Err::Failure(Fail))
}

/// The maximum nesting of `not (` and `optional (` (SPEC §6).
pub const MAX_DEPTH: usize = 256;

/// Enters one nesting level; fails when that goes past [`MAX_DEPTH`].
pub(crate) fn enter(span: Span) -> Result<(), Err<Fail>> {
    let depth = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.depth += 1;
        s.depth
    });
    if depth > MAX_DEPTH {
        leave();
        return fail_with::<()>(span, format!("nesting deeper than {MAX_DEPTH} levels"))
            .map(|_| ());
    }
    Ok(())
}

pub(crate) fn leave() {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.depth = s.depth.saturating_sub(1);
    });
}

pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

pub(crate) fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Skips white space and `--` comments. Never fails.
pub(crate) fn ws(mut i: &str) -> &str {
    loop {
        let t = i.trim_start();
        if let Some(comment) = t.strip_prefix("--") {
            i = match comment.find('\n') {
                Some(n) => comment.get(n..).unwrap_or(""),
                None => "",
            };
        } else {
            return t;
        }
    }
}

/// Splits off the longest prefix whose chars satisfy `f`.
pub(crate) fn take_while(i: &str, f: impl Fn(char) -> bool) -> (&str, &str) {
    let n = i.find(|c: char| !f(c)).unwrap_or(i.len());
    i.split_at_checked(n).unwrap_or((i, ""))
}

/// A bare word: identifier characters, starting with a letter or `_`.
fn word(i: &str) -> Option<(&str, &str)> {
    let first = i.chars().next()?;
    if !is_ident_start(first) {
        return None;
    }
    let (w, rest) = take_while(i, is_ident_char);
    Some((rest, w))
}

/// A case-insensitive keyword, which must not run on into an identifier.
pub(crate) fn keyword(kw: &'static str) -> impl Fn(&str) -> PResult<'_, Span> {
    move |i: &str| {
        let i = ws(i);
        match word(i) {
            Some((rest, w)) if w.eq_ignore_ascii_case(kw) => {
                Ok((rest, Span::new(offset(i), offset(rest))))
            }
            _ => expect(i, Expected::Keyword(kw)),
        }
    }
}

/// Punctuation such as `,` or `<=`.
pub(crate) fn punct(p: &'static str) -> impl Fn(&str) -> PResult<'_, Span> {
    move |i: &str| {
        let i = ws(i);
        match i.strip_prefix(p) {
            Some(rest) => Ok((rest, Span::new(offset(i), offset(rest)))),
            None => expect(i, Expected::Punct(p)),
        }
    }
}

/// An identifier (a predicate name, an `as` name): returns the text and its span.
pub(crate) fn ident<'a>(label: &'static str) -> impl Fn(&'a str) -> PResult<'a, (&'a str, Span)> {
    move |i: &'a str| {
        let i = ws(i);
        match word(i) {
            // `_` alone is the wildcard, never a name.
            Some((rest, w)) if w != "_" => Ok((rest, (w, Span::new(offset(i), offset(rest))))),
            _ => expect(i, Expected::Ident(label)),
        }
    }
}

/// `?name` or `$name` (by `sigil`): the name without its sigil, and the span with it.
pub(crate) fn sigil_name<'a>(
    sigil: char,
    label: &'static str,
) -> impl Fn(&'a str) -> PResult<'a, (&'a str, Span)> {
    move |i: &'a str| {
        let i = ws(i);
        if let Some(after) = i.strip_prefix(sigil) {
            if let Some((rest, w)) = word(after) {
                return Ok((rest, (w, Span::new(offset(i), offset(rest)))));
            }
        }
        expect(i, Expected::Thing(label))
    }
}

/// `"…"` with the escapes `\" \\ \n \t \r \u{E9}`. Linear in the literal's length.
pub(crate) fn string_lit(i: &str) -> PResult<'_, (String, Span)> {
    let i = ws(i);
    let start = offset(i);
    let Some(body) = i.strip_prefix('"') else {
        return expect(i, Expected::Thing("a string"));
    };
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((n, c)) = chars.next() {
        match c {
            '"' => {
                let rest = body.get(n + 1..).unwrap_or("");
                return Ok((rest, (out, Span::new(start, offset(rest)))));
            }
            '\\' => {
                let esc_start = start + 1 + n;
                match chars.next() {
                    Some((_, '"')) => out.push('"'),
                    Some((_, '\\')) => out.push('\\'),
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, 'r')) => out.push('\r'),
                    Some((_, 'u')) => {
                        let rest = chars.as_str();
                        match unicode_escape(rest) {
                            Some((c, used)) => {
                                out.push(c);
                                // `used` counts ASCII bytes, so it is a char count too.
                                for _ in 0..used {
                                    chars.next();
                                }
                            }
                            None if !rest.contains('}') && !rest.contains('"') => {
                                // Still being typed: an open string, not a bad escape.
                                break;
                            }
                            None => {
                                let len = 2 + rest.find('}').map_or(0, |n| n + 1).min(12);
                                return fail_with(
                                    Span::new(esc_start, (esc_start + len).min(offset(""))),
                                    "invalid unicode escape: write `\\u{` 1 to 6 hex digits `}` naming a character",
                                );
                            }
                        }
                    }
                    Some((_, other)) => {
                        return fail_with(
                            Span::new(esc_start, esc_start + 1 + other.len_utf8()),
                            format!(
                                "unknown escape `\\{other}`: use \\\" \\\\ \\n \\t \\r or \\u{{…}}"
                            ),
                        )
                    }
                    None => break,
                }
            }
            _ => out.push(c),
        }
    }
    fail_custom(
        Span::new(start, offset("")),
        "unterminated string: it needs a closing `\"`".to_string(),
        true,
    )
}

/// `{E9}` after `\u`: the char and the bytes used.
fn unicode_escape(s: &str) -> Option<(char, usize)> {
    let inner = s.strip_prefix('{')?;
    let close = inner.find('}')?;
    let hex = inner.get(..close)?;
    if hex.is_empty() || hex.len() > 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
    Some((c, close + 2))
}

/// An unsigned integer (`limit 10`, `#42`, `{1,3}`).
pub(crate) fn uint(i: &str) -> PResult<'_, (u64, Span)> {
    let i = ws(i);
    let (digits, rest) = take_while(i, |c| c.is_ascii_digit());
    if digits.is_empty() {
        return expect(i, Expected::Thing("a number"));
    }
    let span = Span::new(offset(i), offset(rest));
    match digits.parse::<u64>() {
        Ok(n) => Ok((rest, (n, span))),
        Err(_) => fail_with(span, "number too large"),
    }
}

/// What a token is, for syntax highlighting and for naming what was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Keyword,
    String,
    Variable,
    Param,
    Number,
    Comment,
    Punctuation,
    Identifier,
}

/// One token of the lenient lexer: kind and byte length.
pub(crate) fn lenient_token(i: &str) -> Option<(TokenKind, usize)> {
    let mut chars = i.chars();
    let c = chars.next()?;
    let len_of = |rest: &str| i.len() - rest.len();
    if i.starts_with("--") {
        return Some((TokenKind::Comment, i.find('\n').unwrap_or(i.len())));
    }
    if c == '"' {
        let bytes = i.as_bytes();
        let mut n = 1;
        while n < bytes.len() {
            match bytes.get(n) {
                Some(b'\\') => n += 2,
                Some(b'"') => return Some((TokenKind::String, n + 1)),
                _ => n += 1,
            }
        }
        return Some((TokenKind::String, i.len()));
    }
    if c == '?' || c == '$' {
        let (w, _) = take_while(chars.as_str(), is_ident_char);
        if !w.is_empty() {
            let kind = if c == '?' {
                TokenKind::Variable
            } else {
                TokenKind::Param
            };
            return Some((kind, 1 + w.len()));
        }
        return Some((TokenKind::Punctuation, 1));
    }
    if c == '#'
        || c.is_ascii_digit()
        || (c == '-' && chars.as_str().starts_with(|d: char| d.is_ascii_digit()))
    {
        let body = i.get(1..).unwrap_or("");
        let (_, rest) = take_while(body, |c| {
            c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '.' | '+')
        });
        return Some((TokenKind::Number, len_of(rest)));
    }
    if is_ident_start(c) {
        let (w, rest) = take_while(i, is_ident_char);
        if w == "_" {
            return Some((TokenKind::Variable, 1));
        }
        let kind = if super::KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(w)) {
            TokenKind::Keyword
        } else {
            TokenKind::Identifier
        };
        return Some((kind, len_of(rest)));
    }
    if c.is_whitespace() {
        return None;
    }
    for p in ["<=", ">=", "!="] {
        if i.starts_with(p) {
            return Some((TokenKind::Punctuation, 2));
        }
    }
    Some((TokenKind::Punctuation, c.len_utf8()))
}

/// The lenient lexer: every token with its span, white space skipped. Never fails.
pub fn highlight_tokens(src: &str) -> Vec<(Span, TokenKind)> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(rest) = src.get(pos..) {
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            break;
        }
        pos += rest.len() - trimmed.len();
        let Some((kind, len)) = lenient_token(trimmed) else {
            break;
        };
        // Keep to char boundaries even if a length above were off.
        let mut end = (pos + len.max(1)).min(src.len());
        while !src.is_char_boundary(end) {
            end += 1;
        }
        out.push((Span::new(pos, end), kind));
        pos = end;
    }
    out
}
