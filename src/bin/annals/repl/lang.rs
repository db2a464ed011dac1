//! The only place the shell touches the language: whether input is complete, where
//! statements end, what to highlight, which words to complete.
//!
//! PROVISIONAL: until `annals::query::parser` lands, this file holds a lexical stand-in
//! (quotes, comments and `;` only — no grammar). When the parser is merged, every item
//! here becomes a re-export of the parser's own function, so the shell never carries a
//! second grammar.

use annals::query::ast::Span;

/// What the parser says of the text typed so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputStatus {
    /// One or more whole statements, the last ended by `;`.
    Complete,
    /// More input could still make it valid (an open string, no `;` yet).
    Incomplete,
    /// No continuation can make it parse: run it now so the error shows.
    Invalid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

pub const KEYWORDS: &[&str] = &[
    "find",
    "where",
    "order",
    "by",
    "asc",
    "desc",
    "limit",
    "offset",
    "as",
    "of",
    "not",
    "optional",
    "in",
    "contains",
    "starts_with",
    "matches",
    "count",
    "distinct",
    "sum",
    "min",
    "max",
    "avg",
    "history",
    "why",
    "entity",
    "assert",
    "retract",
    "article",
    "because",
    "note",
    "alias",
    "let",
    "explain",
    "analyze",
    "suggest",
    "aliases",
    "for",
];

pub const PREDICATES: &[&str] = &[
    "ceo_of",
    "founder_of",
    "works_for",
    "member_of",
    "advisor_to",
    "role_in",
    "located_in",
    "headquartered_in",
    "partner_of",
    "agreement_with",
    "competitor_of",
    "sells_to",
    "buys_from",
    "invests_in",
    "acquires",
    "owns",
    "subsidiary_of",
    "approves",
    "restricts",
    "said",
    "reported_by",
    "amount",
    "type",
    "name",
    "alias",
    "title",
    "url",
    "published",
    "language",
    "mentions",
];

/// A lenient lexer: every byte of `src` is in at most one token; never fails.
pub fn highlight_tokens(src: &str) -> Vec<(Span, TokenKind)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        let kind = if c == b'-' && b.get(i + 1) == Some(&b'-') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            TokenKind::Comment
        } else if c == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(b.len());
            TokenKind::String
        } else if c == b'?' || c == b'$' || c == b'#' {
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            match c {
                b'?' => TokenKind::Variable,
                b'$' => TokenKind::Param,
                _ => TokenKind::Number,
            }
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b"-:.".contains(&b[i])) {
                i += 1;
            }
            TokenKind::Number
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let word = src.get(start..i).unwrap_or("").to_ascii_lowercase();
            if KEYWORDS.contains(&word.as_str()) {
                TokenKind::Keyword
            } else {
                TokenKind::Identifier
            }
        } else if c.is_ascii_whitespace() || !c.is_ascii() {
            i += 1;
            while i < b.len() && !b[i].is_ascii() {
                i += 1;
            }
            continue;
        } else {
            i += 1;
            TokenKind::Punctuation
        };
        out.push((Span::new(start, i.min(b.len())), kind));
    }
    out
}

/// Byte ranges of the statements in `src`, without their `;`.
pub fn split_statements(src: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut current: Option<Span> = None;
    for (span, kind) in highlight_tokens(src) {
        if kind == TokenKind::Comment {
            continue;
        }
        if kind == TokenKind::Punctuation && src.get(span.start..span.end) == Some(";") {
            out.extend(current.take());
            continue;
        }
        current = Some(match current {
            Some(s) => Span::new(s.start, span.end),
            None => span,
        });
    }
    out.extend(current);
    out
}

pub fn input_status(src: &str) -> InputStatus {
    let tokens = highlight_tokens(src);
    let significant: Vec<_> = tokens
        .iter()
        .filter(|(_, k)| *k != TokenKind::Comment)
        .collect();
    match significant.last() {
        None => InputStatus::Complete,
        Some((span, TokenKind::String))
            if !src[span.start..span.end].ends_with('"') || span.end - span.start < 2 =>
        {
            InputStatus::Incomplete
        }
        Some((span, TokenKind::Punctuation)) if &src[span.start..span.end] == ";" => {
            InputStatus::Complete
        }
        _ => InputStatus::Incomplete,
    }
}
