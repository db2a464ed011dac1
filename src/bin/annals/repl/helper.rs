//! The rustyline helper: completion, highlighting, history hints.
//!
//! Everything lexical comes from [`super::lang`] (the parser's lenient lexer and word
//! lists); the only scanning done here is finding the word under the cursor.

use std::borrow::Cow;
use std::cell::RefCell;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::{Hinter, HistoryHinter};
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use super::backend::NamesCell;
use super::lang::{highlight_tokens, TokenKind, KEYWORDS, PREDICATES};
use super::meta::META_COMMANDS;
use super::style;

/// Most entity names offered at once: a screenful is as many as anyone reads.
const MAX_ENTITY_CANDIDATES: usize = 200;

pub struct ReplHelper {
    pub color: bool,
    pub names: NamesCell,
    /// Lines of the statement typed before the current one (for `?variable` completion).
    pub pending: RefCell<String>,
    /// Parameter names set in the session (for `$name` completion).
    pub params: RefCell<Vec<String>>,
    files: FilenameCompleter,
    hinter: HistoryHinter,
}

impl ReplHelper {
    pub fn new(color: bool, names: NamesCell) -> ReplHelper {
        ReplHelper {
            color,
            names,
            pending: RefCell::new(String::new()),
            params: RefCell::new(Vec::new()),
            files: FilenameCompleter::new(),
            hinter: HistoryHinter::new(),
        }
    }

    /// Candidates for the word that ends at `pos`: (start of the replaced text, pairs).
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let before = line.get(..pos).unwrap_or(line);
        // A meta-command: only on a line of its own, and not inside a statement.
        if self.pending.borrow().trim().is_empty() && before.trim_start().starts_with('.') {
            return self.meta_candidates(line, pos);
        }
        // Inside an unclosed string: an entity name.
        if let Some(q) = open_quote(before) {
            let typed = &before[q + 1..];
            let names = self.names.get();
            let pairs = names
                .entities_with_prefix(typed, MAX_ENTITY_CANDIDATES)
                .into_iter()
                .map(|n| Pair {
                    display: n.to_string(),
                    replacement: quote(n),
                })
                .collect();
            return (q, pairs);
        }
        let start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '?' || *c == '$')
            .last()
            .map_or(pos, |(i, _)| i);
        let word = &before[start..];
        let pairs = if let Some(var) = word.strip_prefix('?') {
            let pending = self.pending.borrow();
            let mut vars = Vec::new();
            for text in [pending.as_str(), line] {
                for (span, kind) in highlight_tokens(text) {
                    let v = &text[span.start..span.end];
                    // The word being typed is not a variable "already used".
                    let is_current = std::ptr::eq(text, line) && span.start == start;
                    if kind == TokenKind::Variable && !is_current && v[1..].starts_with(var) {
                        vars.push(v.to_string());
                    }
                }
            }
            vars.sort();
            vars.dedup();
            vars.into_iter().map(pair).collect()
        } else if let Some(p) = word.strip_prefix('$') {
            let params = self.params.borrow();
            params
                .iter()
                .filter(|n| n.starts_with(p))
                .map(|n| pair(format!("${n}")))
                .collect()
        } else if word.is_empty() {
            Vec::new()
        } else {
            let lower = word.to_lowercase();
            // Keep the user's case for keywords: `FI` → `FIND`, `fi` → `find`.
            let upper =
                word.chars().all(|c| !c.is_lowercase()) && word.chars().any(char::is_alphabetic);
            let mut words: Vec<String> = KEYWORDS
                .iter()
                .filter(|k| k.starts_with(&lower))
                .map(|k| {
                    if upper {
                        k.to_uppercase()
                    } else {
                        k.to_string()
                    }
                })
                .collect();
            let names = self.names.get();
            words.extend(
                PREDICATES
                    .iter()
                    .map(|p| p.to_string())
                    .chain(names.predicates.iter().cloned())
                    .filter(|p| p.to_lowercase().starts_with(&lower)),
            );
            words.sort();
            words.dedup();
            words.into_iter().map(pair).collect()
        };
        (start, pairs)
    }

    fn meta_candidates(&self, line: &str, pos: usize) -> (usize, Vec<Pair>) {
        let before = line.get(..pos).unwrap_or(line);
        let indent = before.len() - before.trim_start().len();
        let cmdline = &before[indent..];
        let Some((cmd, arg)) = cmdline.split_once(char::is_whitespace) else {
            let pairs = META_COMMANDS
                .iter()
                .filter(|(n, _)| n.starts_with(cmdline))
                .map(|(n, _)| pair(format!("{n} ")))
                .collect();
            return (indent, pairs);
        };
        let arg_start = pos - arg.trim_start().len();
        let arg = arg.trim_start();
        let words: &[&str] = match cmd {
            ".read" | ".output" => {
                return self
                    .files
                    .complete_path(line, pos)
                    .unwrap_or((pos, Vec::new()));
            }
            ".format" => &["table", "json", "jsonl", "csv", "tsv"],
            ".timer" | ".pager" => &["on", "off"],
            ".asof" => &["off"],
            ".param" => &["set ", "list"],
            ".entities" => {
                let names = self.names.get();
                let pairs = names
                    .entities_with_prefix(arg, MAX_ENTITY_CANDIDATES)
                    .into_iter()
                    .map(|n| pair(n.to_string()))
                    .collect();
                return (arg_start, pairs);
            }
            _ => &[],
        };
        let pairs = words
            .iter()
            .filter(|w| w.starts_with(arg))
            .map(|w| pair(w.to_string()))
            .collect();
        (arg_start, pairs)
    }
}

fn pair(s: String) -> Pair {
    Pair {
        display: s.clone(),
        replacement: s,
    }
}

/// A name as a string literal of the language.
fn quote(name: &str) -> String {
    let mut s = String::with_capacity(name.len() + 2);
    s.push('"');
    for c in name.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\t' => s.push_str("\\t"),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// Byte offset of the `"` opening a string still open at the end of `text`.
fn open_quote(text: &str) -> Option<usize> {
    let (span, kind) = highlight_tokens(text).pop()?;
    let tok = &text[span.start..span.end];
    let closed = tok.len() >= 2 && tok.ends_with('"') && !tok.ends_with("\\\"");
    (kind == TokenKind::String && span.end == text.len() && !closed).then_some(span.start)
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(self.candidates(line, pos))
    }
}

impl Hinter for ReplHelper {
    type Hint = String;

    /// The rest of the latest history entry starting with the line, up to its end of
    /// line: a hint spanning lines would be drawn over the lines below the prompt.
    /// Only with colour: an undimmed hint cannot be told from typed text.
    fn hint(&self, line: &str, pos: usize, ctx: &Context<'_>) -> Option<String> {
        if !self.color {
            return None;
        }
        let hint = self.hinter.hint(line, pos, ctx)?;
        let first = hint.split('\n').next().unwrap_or("");
        (!first.is_empty()).then(|| first.to_string())
    }
}

impl Highlighter for ReplHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        if !self.color || line.is_empty() {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight(line, pos, &self.names.get().predicates))
    }

    fn highlight_hint<'h>(&self, hint: &'h str) -> Cow<'h, str> {
        if !self.color {
            return Cow::Borrowed(hint);
        }
        Cow::Owned(format!("{}{hint}{}", style::DIM, style::RESET))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        // Bracket matching depends on the cursor: redraw on every move. Lines are short.
        self.color
    }
}

/// Lines run when the caller decides (see the module doc): rustyline's validator would
/// keep the statement in one buffer but draws no continuation prompt.
impl Validator for ReplHelper {}

impl Helper for ReplHelper {}

/// The line with ANSI colours; the same characters, so the same width.
/// `stored` are the predicates of the database, coloured like the built-in ones.
pub fn highlight(line: &str, pos: usize, stored: &[String]) -> String {
    let tokens = highlight_tokens(line);
    let brackets = matching_brackets(line, pos, &tokens);
    let mut out = String::with_capacity(line.len() * 2);
    let mut at = 0;
    for (span, kind) in &tokens {
        let (start, end) = (span.start.min(line.len()), span.end.min(line.len()));
        if start < at {
            continue;
        }
        push_plain(&mut out, line, at, start, &brackets);
        let color = match kind {
            TokenKind::Keyword => style::KEYWORD,
            TokenKind::String => style::STRING,
            TokenKind::Variable | TokenKind::Param => style::VARIABLE,
            TokenKind::Number => style::NUMBER,
            TokenKind::Comment => style::COMMENT,
            TokenKind::Identifier if is_predicate(line.get(start..end).unwrap_or(""), stored) => {
                style::PREDICATE
            }
            _ => "",
        };
        if color.is_empty() {
            push_plain(&mut out, line, start, end, &brackets);
        } else {
            out.push_str(color);
            out.push_str(line.get(start..end).unwrap_or(""));
            out.push_str(style::RESET);
        }
        at = end;
    }
    push_plain(&mut out, line, at, line.len(), &brackets);
    out
}

fn is_predicate(word: &str, stored: &[String]) -> bool {
    PREDICATES.iter().any(|p| p.eq_ignore_ascii_case(word)) || stored.iter().any(|p| p == word)
}

fn push_plain(out: &mut String, line: &str, from: usize, to: usize, brackets: &[usize]) {
    let Some(text) = line.get(from..to) else {
        return;
    };
    for (i, c) in text.char_indices() {
        if brackets.contains(&(from + i)) {
            out.push_str(style::BRACKET);
            out.push(c);
            out.push_str(style::RESET);
        } else {
            out.push(c);
        }
    }
}

/// The bracket at or just before the cursor and its partner, skipping strings and
/// comments (they are tokens of their own, so only punctuation tokens count).
fn matching_brackets(
    line: &str,
    pos: usize,
    tokens: &[(annals::query::ast::Span, TokenKind)],
) -> Vec<usize> {
    let brackets: Vec<(usize, u8)> = tokens
        .iter()
        .filter(|(_, k)| *k == TokenKind::Punctuation)
        .filter_map(|(s, _)| {
            let b = *line.as_bytes().get(s.start)?;
            b"()[]{}".contains(&b).then_some((s.start, b))
        })
        .collect();
    let here = brackets
        .iter()
        .position(|(i, _)| *i == pos)
        .or_else(|| brackets.iter().position(|(i, _)| pos > 0 && *i == pos - 1));
    let Some(k) = here else { return Vec::new() };
    let Some(&(at, b)) = brackets.get(k) else {
        return Vec::new();
    };
    let (open, close, forward) = match b {
        b'(' => (b'(', b')', true),
        b'[' => (b'[', b']', true),
        b'{' => (b'{', b'}', true),
        b')' => (b'(', b')', false),
        b']' => (b'[', b']', false),
        _ => (b'{', b'}', false),
    };
    let mut depth = 0i32;
    let order: Box<dyn Iterator<Item = &(usize, u8)>> = if forward {
        Box::new(brackets.iter().skip(k))
    } else {
        Box::new(brackets.iter().take(k + 1).rev())
    };
    for (i, c) in order {
        if *c == open {
            depth += if forward { 1 } else { -1 };
        } else if *c == close {
            depth += if forward { -1 } else { 1 };
        }
        if depth == 0 {
            return vec![at, *i];
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repl::backend::Names;

    fn helper() -> ReplHelper {
        let names = NamesCell::default();
        names.set(Names::new(
            [
                "Émirats arabes unis",
                "Emmanuel Macron",
                "G42",
                "Say \"hi\"",
            ]
            .map(String::from),
            vec!["custom_pred".into()],
        ));
        ReplHelper::new(true, names)
    }

    fn complete(h: &ReplHelper, line: &str) -> (usize, Vec<String>) {
        let (start, pairs) = h.candidates(line, line.len());
        (start, pairs.into_iter().map(|p| p.replacement).collect())
    }

    #[test]
    fn keywords_keep_the_typed_case() {
        let h = helper();
        assert_eq!(complete(&h, "fi"), (0, vec!["find".to_string()]));
        assert_eq!(complete(&h, "FI"), (0, vec!["FIND".to_string()]));
        assert_eq!(complete(&h, "find ?x whe").1, ["where"]);
    }

    #[test]
    fn predicates_builtin_and_stored() {
        let h = helper();
        assert_eq!(complete(&h, "find ?x where ?x ceo").1, ["ceo_of"]);
        assert_eq!(complete(&h, "find ?x where ?x cust").1, ["custom_pred"]);
    }

    #[test]
    fn entity_names_quoted_and_folded() {
        let h = helper();
        let line = "find ?x where ?x located_in \"emir";
        assert_eq!(
            complete(&h, line),
            (line.len() - 5, vec!["\"Émirats arabes unis\"".to_string()])
        );
        assert_eq!(complete(&h, "entity \"say").1, ["\"Say \\\"hi\\\"\""]);
        // A closed string is not completed.
        assert!(complete(&h, "entity \"G42\" ").1.is_empty());
    }

    #[test]
    fn variables_already_used() {
        let h = helper();
        *h.pending.borrow_mut() = "find ?person, ?org\n".into();
        assert_eq!(complete(&h, "where ?p").1, ["?person".to_string()]);
        assert_eq!(complete(&h, "where ?").1, ["?org", "?person"]);
    }

    #[test]
    fn meta_commands_and_their_arguments() {
        let h = helper();
        assert_eq!(complete(&h, ".fo").1, [".format "]);
        assert_eq!(
            complete(&h, ".format j"),
            (8, vec!["json".into(), "jsonl".into()])
        );
        assert_eq!(complete(&h, ".entities emi").1, ["Émirats arabes unis"]);
        assert_eq!(complete(&h, ".timer o").1, ["on", "off"]);
    }

    #[test]
    fn read_completes_file_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("queries.aq"), "").unwrap();
        let h = helper();
        let line = format!(".read {}/que", dir.path().display());
        let (_, got) = complete(&h, &line);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].ends_with("queries.aq"));
    }

    #[test]
    fn highlighting_keeps_the_text() {
        let line = "find ?x where ?x ceo_of \"G42\", ?x rel ?y -- note\n limit 10;";
        let out = highlight(line, 0, &["rel".to_string()]);
        assert_eq!(strip_ansi(&out), line);
        assert!(out.contains(&format!("{}find{}", style::KEYWORD, style::RESET)));
        assert!(out.contains(&format!("{}\"G42\"{}", style::STRING, style::RESET)));
        assert!(out.contains(&format!("{}?x{}", style::VARIABLE, style::RESET)));
        assert!(out.contains(&format!("{}ceo_of{}", style::PREDICATE, style::RESET)));
        assert!(out.contains(&format!("{}rel{}", style::PREDICATE, style::RESET)));
        assert!(out.contains(&format!("{}10{}", style::NUMBER, style::RESET)));
        assert!(out.contains(&format!("{}-- note{}", style::COMMENT, style::RESET)));
    }

    #[test]
    fn brackets_under_the_cursor_match() {
        let line = "find ?x where not (?x owns ?y)";
        let open = line.find('(').unwrap();
        let close = line.find(')').unwrap();
        assert_eq!(
            matching_brackets(line, open, &highlight_tokens(line)),
            vec![open, close]
        );
        assert_eq!(
            matching_brackets(line, close + 1, &highlight_tokens(line)),
            vec![close, open]
        );
        assert!(matching_brackets(line, 2, &highlight_tokens(line)).is_empty());
    }

    fn strip_ansi(s: &str) -> String {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
