//! Stage 8: relations — rules from `rules/relations.tsv` matched over sentence templates.
//!
//! # Templates
//! A sentence becomes a *template*: its tokens folded (lower case, no accents) and
//! joined by single spaces, with every mention, literal, quotation and demonym replaced
//! by one upper-case placeholder naming its kind and its index in the sentence's item
//! list: `PER0 , pdg d' ORG1`. Folded words are lower case, so a placeholder can never
//! collide with a word. Each template piece remembers its byte range in the normalized
//! text, so a match maps back to an evidence span in the original.
//!
//! # Rules
//! One rule per line: `lang <TAB> predicate <TAB> pattern <TAB> qualifiers <TAB> confidence`.
//! A pattern is a space-separated list of
//! - words, matched folded, with `a|b` alternatives, `_` for a space inside one
//!   alternative (`a_l'_egard`), and a trailing `?` for an optional word;
//! - slots `{TYPES:role}`: `TYPES` is `PER`, `ORG`, `CTRY`, `PLACE`, `PROD`, `OTH`, `LOC`
//!   (= CTRY|PLACE), `AGENT` (= PER|ORG), `ENT` (any entity), `DEM` (a demonym, standing
//!   for its country), `MONEY`, `QUOTE`, `DATE`, or several joined by `|`; `role` is `s`
//!   (subject), `o` (object) or `x` (matched, unused). Without a role the first entity
//!   slot is the subject and the second the object;
//! - `{ROLE}`: one to six words, the title as written (the `@title` predicate maps it
//!   through `rules/gazetteer/titles.tsv`: "PDG" → ceo_of, "fondateur" → founder_of,
//!   other titles → role_in with qualifier `role`); `{REST}`: the rest of the sentence
//!   (an indirect quote); `{SOURCE}`: an unnamed source as written ("people familiar
//!   with the matter", "une source proche du dossier"), a literal like `{REST}`;
//! - gaps: `*` (up to 6 tokens), `**` (up to 20), `*N` (up to N), `~N` (up to N words,
//!   never skipping a name, money or a quote — demonyms and dates may be skipped).
//!
//! A rule without a subject (or object) slot takes the sentence's *main entity*: the
//! first person, organization or country before the cue, else after it when the claim
//! follows ("selon X, …"), else the previous sentence's (this is how "the company",
//! "it" and `reported_by` claims are resolved). For `said` it takes the last person
//! named ("Il a ajouté : « … »").
//! Qualifiers are `name=value` pairs separated by `;`; `strict` (for `@title`) accepts a
//! role only when a word of it is a known title.
//!
//! Each rule is compiled once into a regular expression. Rules are indexed by their
//! required words: a template's words name the few rules that can match (one hash
//! lookup per word), the placeholder kinds present rule out more, and only the rest
//! run their regex.

use std::sync::OnceLock;

use regex::Regex;
use rustc_hash::{FxHashMap, FxHashSet};

use super::literal::DateValue;
use super::token::tokenize;
use crate::value::{fold, Money};

pub const RULES_TSV: &str = include_str!("../../rules/relations.tsv");

pub const T_PER: u32 = 1;
pub const T_ORG: u32 = 2;
pub const T_CTRY: u32 = 4;
pub const T_PLACE: u32 = 8;
pub const T_PROD: u32 = 16;
pub const T_OTH: u32 = 32;
pub const T_MONEY: u32 = 64;
pub const T_DATE: u32 = 128;
pub const T_QUOTE: u32 = 256;
pub const T_DEM: u32 = 512;
const T_ENT: u32 = T_PER | T_ORG | T_CTRY | T_PLACE | T_PROD | T_OTH;

pub fn tag_name(tag: u32) -> &'static str {
    match tag {
        T_PER => "PER",
        T_ORG => "ORG",
        T_CTRY => "CTRY",
        T_PLACE => "PLACE",
        T_PROD => "PROD",
        T_OTH => "OTH",
        T_MONEY => "MONEY",
        T_DATE => "DATE",
        T_QUOTE => "QUOTE",
        _ => "DEM",
    }
}

fn type_mask(name: &str) -> Option<u32> {
    Some(match name {
        "PER" => T_PER,
        "ORG" => T_ORG,
        "CTRY" => T_CTRY,
        "PLACE" => T_PLACE,
        "PROD" => T_PROD,
        "OTH" => T_OTH,
        "LOC" => T_CTRY | T_PLACE,
        "AGENT" => T_PER | T_ORG,
        "ENT" => T_ENT,
        "MONEY" => T_MONEY,
        "DATE" => T_DATE,
        "QUOTE" => T_QUOTE,
        "DEM" => T_DEM,
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotRole {
    Subject,
    Object,
    Unused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlotKind {
    /// placeholders of these kinds
    Item(u32),
    /// the title as written
    Role,
    /// the rest of the sentence
    Rest,
}

#[derive(Debug, Clone)]
pub struct Slot {
    pub kind: SlotKind,
    pub role: SlotRole,
    /// capture group in the rule's regex
    pub group: usize,
}

#[derive(Debug)]
pub struct Rule {
    /// line number in the rules file (1-based), for diagnostics
    pub line: usize,
    pub lang: Option<String>,
    pub predicate: String,
    pub pattern: String,
    pub re: Regex,
    pub slots: Vec<Slot>,
    pub qualifiers: Vec<(String, String)>,
    pub strict: bool,
    pub confidence: f32,
    /// placeholder kinds each item slot needs (prefilter)
    need_tags: Vec<u32>,
    /// one required word group: the first word of at least one alternative must be a
    /// word of the template (a hash lookup per alternative, not a substring search)
    need_words: Vec<String>,
}

impl Rule {
    /// Whether the pattern names its subject (else the sentence's main entity is used).
    pub fn has_subject(&self) -> bool {
        self.slots.iter().any(|s| s.role == SlotRole::Subject)
    }

    /// Whether the pattern names its object.
    pub fn has_object(&self) -> bool {
        self.slots.iter().any(|s| s.role == SlotRole::Object)
    }

    /// Whether the template can possibly match (cheap checks before the regex).
    pub fn may_match(&self, words: &FxHashSet<&str>, tags: u32) -> bool {
        self.need_tags.iter().all(|t| t & tags != 0)
            && (self.need_words.is_empty()
                || self.need_words.iter().any(|w| words.contains(w.as_str())))
    }
}

pub struct Rules {
    pub version: String,
    pub rules: Vec<Rule>,
    /// rules by the words of their required word group: a template's words name the
    /// only rules that can match (one hash lookup per word, not per rule and word)
    by_word: FxHashMap<String, Vec<usize>>,
    /// rules without a required word group: tried on every template
    wordless: Vec<usize>,
    /// lines that did not compile, with the reason (reported as notices and by tests)
    pub errors: Vec<String>,
}

/// Folds a literal pattern word the way templates fold text tokens.
fn fold_words(s: &str) -> String {
    if s == "'s" {
        return s.to_string(); // the possessive is a token of its own in templates
    }
    let s = s.replace('_', " ");
    let toks = tokenize(&s, 0, s.len());
    let mut out = String::new();
    for t in toks {
        let w = t.text(&s);
        // A pattern word may end in an elision ("d'", "l'"), which the tokenizer only
        // splits before a letter: keep the apostrophe with its word.
        if !out.is_empty() && w != "'" {
            out.push(' ');
        }
        out.push_str(&fold(w));
    }
    out
}

/// A compiled pattern: regex source, slots, placeholder kinds needed, required word groups.
pub type Compiled = (String, Vec<Slot>, Vec<u32>, Vec<Vec<String>>);

/// Compiles one pattern; `Err` says why not.
pub fn compile_pattern(pattern: &str, defs: &[(String, String)]) -> Result<Compiled, String> {
    let mut re = String::from(" (");
    let mut slots = Vec::new();
    let mut need_tags = Vec::new();
    let mut word_groups: Vec<Vec<String>> = Vec::new();
    let mut group = 1;
    let mut entity_slots = 0;
    for tok in pattern.split_whitespace() {
        if let Some(inner) = tok.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let (types, role) = match inner.split_once(':') {
                Some((t, r)) => (t, Some(r)),
                None => (inner, None),
            };
            group += 1;
            let kind = match types {
                "ROLE" => {
                    re.push_str(r"([a-z0-9][a-z0-9'&\-]*(?: [a-z0-9][a-z0-9'&\-]*){0,5}?) ");
                    SlotKind::Role
                }
                "REST" => {
                    re.push_str(r"(.+) ");
                    SlotKind::Rest
                }
                // An unnamed source, kept as written: "people familiar with the
                // matter", "deux personnes proches du dossier".
                "SOURCE" => {
                    re.push_str(concat!(
                        r"((?:[a-z]+ ){0,2}?",
                        r"(?:sources?|personnes?|people|person|officials?|responsables?|",
                        r"executives?|bankers?|insiders?|diplomats?|diplomates?) ",
                        r"(?:familiar with|close to|proches? (?:de|du|des)|au fait (?:de|du|des)|",
                        r"briefed on|with knowledge of)",
                        r"(?: (?:the|its|la|le|l'|du|des|de|ces|cette))?",
                        r" (?:matter|matters|talks|deal|plans|plan|negotiations|discussions|",
                        r"situation|transaction|company|group|bank|government|dossier|",
                        r"negociations|affaire|projet|operation|groupe|societe|entreprise|",
                        r"gouvernement|direction)) "
                    ));
                    SlotKind::Rest
                }
                _ => {
                    let mut mask = 0;
                    let mut names = Vec::new();
                    for t in types.split('|') {
                        let m = type_mask(t).ok_or_else(|| format!("unknown slot type {t}"))?;
                        mask |= m;
                    }
                    for bit in 0..10 {
                        if mask & (1 << bit) != 0 {
                            names.push(tag_name(1 << bit));
                        }
                    }
                    re.push_str(&format!("(?:{})(\\d+) ", names.join("|")));
                    need_tags.push(mask);
                    SlotKind::Item(mask)
                }
            };
            let role = match role {
                Some("s") => SlotRole::Subject,
                Some("o") => SlotRole::Object,
                Some("x") => SlotRole::Unused,
                Some(r) => return Err(format!("unknown slot role {r}")),
                None => match kind {
                    SlotKind::Item(m)
                        if m & (T_ENT | T_DEM) != 0 && m & (T_MONEY | T_QUOTE) == 0 =>
                    {
                        entity_slots += 1;
                        if entity_slots == 1 {
                            SlotRole::Subject
                        } else {
                            SlotRole::Object
                        }
                    }
                    SlotKind::Item(_) | SlotKind::Rest => SlotRole::Object,
                    SlotKind::Role => SlotRole::Unused,
                },
            };
            slots.push(Slot { kind, role, group });
            continue;
        }
        if let Some(n) = tok.strip_prefix('~') {
            // A gap of words only: it never skips over a name, a literal or a quote.
            let n: usize = if n.is_empty() {
                4
            } else {
                n.parse().map_err(|_| format!("bad gap {tok}"))?
            };
            re.push_str(&format!(r"(?:(?:[^A-Z ]|DEM|DATE)\S* ){{0,{n}}}?"));
            continue;
        }
        if tok == "**" {
            re.push_str(r"(?:\S+ ){0,20}?");
            continue;
        }
        if let Some(n) = tok.strip_prefix('*') {
            let n: usize = if n.is_empty() {
                6
            } else {
                n.parse().map_err(|_| format!("bad gap {tok}"))?
            };
            re.push_str(&format!(r"(?:\S+ ){{0,{n}}}?"));
            continue;
        }
        let (body, optional) = match tok.strip_suffix('?') {
            Some(b) if !b.is_empty() => (b, true),
            _ => (tok, false),
        };
        let mut alts: Vec<String> = Vec::new();
        for alt in body.split('|') {
            match alt.strip_prefix('$') {
                Some(name) => {
                    let def = defs
                        .iter()
                        .find(|(n, _)| n == name)
                        .ok_or_else(|| format!("undefined word list ${name}"))?;
                    alts.extend(def.1.split('|').map(fold_words));
                }
                None => alts.push(fold_words(alt)),
            }
        }
        alts.retain(|a| !a.is_empty());
        alts.sort_by_key(|a| std::cmp::Reverse(a.len()));
        alts.dedup();
        if alts.is_empty() {
            return Err(format!("empty word {tok}"));
        }
        let escaped: Vec<String> = alts.iter().map(|a| regex::escape(a)).collect();
        if optional {
            re.push_str(&format!("(?:(?:{}) )?", escaped.join("|")));
        } else {
            re.push_str(&format!("(?:{}) ", escaped.join("|")));
            word_groups.push(
                alts.iter()
                    .map(|a| a.split(' ').next().unwrap_or("").to_string())
                    .collect(),
            );
        }
    }
    re.push(')');
    Ok((re, slots, need_tags, word_groups))
}

fn parse_rules(src: &str) -> Rules {
    let mut version = String::from("0");
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    let mut defs: Vec<(String, String)> = Vec::new();
    for (i, line) in src.lines().enumerate() {
        let line_no = i + 1;
        let trimmed = line.trim();
        if let Some(v) = trimmed.strip_prefix("# version:") {
            version = v.trim().to_string();
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [lang, predicate, pattern, ..] = cols.as_slice() else {
            errors.push(format!(
                "rules line {line_no}: expected lang, predicate, pattern"
            ));
            continue;
        };
        if lang.trim() == "def" {
            // `def`, name, body
            defs.push((predicate.trim().to_string(), pattern.trim().to_string()));
            continue;
        }
        let lang = match lang.trim() {
            "*" | "" => None,
            l => Some(l.to_string()),
        };
        let predicate = predicate.trim().to_string();
        let pattern = pattern.trim().to_string();
        let mut qualifiers = Vec::new();
        let mut strict = false;
        for q in cols.get(3).map(|c| c.trim()).unwrap_or("").split(';') {
            let q = q.trim();
            if q.is_empty() || q == "-" {
                continue;
            }
            if q == "strict" {
                strict = true;
            } else if let Some((k, v)) = q.split_once('=') {
                qualifiers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let confidence = cols
            .get(4)
            .and_then(|c| c.trim().parse::<f32>().ok())
            .unwrap_or(0.7);
        match compile_pattern(&pattern, &defs) {
            Ok((re, slots, need_tags, groups)) => match Regex::new(&re) {
                Ok(re) => {
                    // The most selective required word group: the one whose shortest
                    // alternative is longest.
                    let need_words = groups
                        .into_iter()
                        .filter(|g| g.iter().all(|w| w.trim() != ","))
                        .max_by_key(|g| g.iter().map(|w| w.len()).min().unwrap_or(0))
                        .unwrap_or_default();
                    rules.push(Rule {
                        line: line_no,
                        lang,
                        predicate,
                        pattern,
                        re,
                        slots,
                        qualifiers,
                        strict,
                        confidence,
                        need_tags,
                        need_words,
                    })
                }
                Err(e) => errors.push(format!("rules line {line_no}: {e}")),
            },
            Err(e) => errors.push(format!("rules line {line_no}: {e}")),
        }
    }
    let mut by_word: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    let mut wordless = Vec::new();
    for (i, r) in rules.iter().enumerate() {
        if r.need_words.is_empty() {
            wordless.push(i);
        }
        for w in &r.need_words {
            let ids = by_word.entry(w.clone()).or_default();
            if ids.last() != Some(&i) {
                ids.push(i);
            }
        }
    }
    Rules {
        version,
        rules,
        by_word,
        wordless,
        errors,
    }
}

/// The shipped rules, compiled on first use.
pub fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| parse_rules(RULES_TSV))
}

/// What a template placeholder stands for.
#[derive(Debug, Clone)]
pub enum ItemKind {
    /// an entity of the article (index into its entity list)
    Ent(usize),
    Money(Money),
    Date(DateValue),
    /// a quotation: byte range of its inner text in the normalized text
    Quote(usize, usize),
    /// a demonym: the country's canonical name
    Dem(String),
}

#[derive(Debug, Clone)]
pub struct Item {
    pub kind: ItemKind,
    pub tag: u32,
    pub tok_start: usize,
    pub tok_end: usize,
}

/// One piece of a template: its byte range there and in the normalized text.
#[derive(Debug, Clone, Copy)]
pub struct Piece {
    pub t_start: usize,
    pub t_end: usize,
    pub n_start: usize,
    pub n_end: usize,
}

#[derive(Debug, Clone, Default)]
pub struct Template {
    /// " w w PER0 w … " (leading and trailing space)
    pub text: String,
    pub pieces: Vec<Piece>,
    pub items: Vec<Item>,
    /// the union of the placeholder kinds present
    pub tags: u32,
    /// template byte offset of each item's placeholder (usize::MAX if left out)
    pub item_pos: Vec<usize>,
}

impl Template {
    /// Builds the template of a sentence from its tokens and items (items sorted by
    /// token start, not overlapping).
    pub fn build(tokens: &[super::token::Token], folded: &[String], items: Vec<Item>) -> Template {
        let n_items = items.len();
        let mut t = Template {
            text: String::from(" "),
            pieces: Vec::new(),
            items,
            tags: 0,
            item_pos: vec![usize::MAX; n_items],
        };
        let mut k = 0;
        let mut next_item = 0;
        let mut buf = String::new();
        while let Some(tok) = tokens.get(k) {
            let t_start = t.text.len();
            if let Some(item) = t.items.get(next_item).filter(|it| it.tok_start == k) {
                let (Some(a), Some(b)) = (
                    tokens.get(item.tok_start),
                    tokens.get(item.tok_end.saturating_sub(1)),
                ) else {
                    break;
                };
                if let Some(p) = t.item_pos.get_mut(next_item) {
                    *p = t_start;
                }
                t.text.push_str(tag_name(item.tag));
                t.text.push_str(&next_item.to_string());
                t.tags |= item.tag;
                t.pieces.push(Piece {
                    t_start,
                    t_end: t.text.len(),
                    n_start: a.start,
                    n_end: b.end,
                });
                k = item.tok_end.max(k + 1);
                next_item += 1;
            } else {
                buf.clear();
                buf.push_str(folded.get(k).map(String::as_str).unwrap_or(""));
                // "Sahra Airways' rival": a bare apostrophe after a plural is the possessive.
                if buf == "'"
                    && k > 0
                    && tokens.get(k - 1).is_some_and(|p| p.end == tok.start)
                    && folded.get(k - 1).is_some_and(|p| p.ends_with('s'))
                {
                    buf.push('s');
                }
                t.text.push_str(&buf);
                t.pieces.push(Piece {
                    t_start,
                    t_end: t.text.len(),
                    n_start: tok.start,
                    n_end: tok.end,
                });
                k += 1;
                // Items are sorted and disjoint; one starting inside a skipped range
                // (never produced) is simply left out of the template.
                while t.items.get(next_item).is_some_and(|it| it.tok_start < k) {
                    next_item += 1;
                }
            }
            t.text.push(' ');
        }
        t
    }

    /// The template without its appositions: `, words ,` right after a name, when
    /// the words start in lower case (a description, not a list of names) and a
    /// lower-case word follows (the verb). `None` when there is none.
    pub fn without_appositions(&self) -> Option<Template> {
        let toks: Vec<(usize, &str)> = self
            .pieces
            .iter()
            .enumerate()
            .map(|(i, p)| (i, self.text.get(p.t_start..p.t_end).unwrap_or("")))
            .collect();
        let is_name = |w: &str| {
            ["PER", "ORG", "CTRY", "PLACE", "PROD", "OTH"]
                .iter()
                .any(|t| {
                    w.strip_prefix(t)
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                })
        };
        let lower = |w: &str| w.chars().next().is_some_and(|c| c.is_lowercase());
        let mut drop = vec![false; toks.len()];
        let mut any = false;
        let mut k = 0;
        while let Some(&[(_, name), (_, comma), (_, word)]) = toks.get(k..k + 3) {
            if is_name(name)
                && comma == ","
                && lower(word)
                && !matches!(word, "et" | "and" | "ou" | "or")
            {
                // find the closing comma within 16 pieces
                let close = toks
                    .iter()
                    .enumerate()
                    .take(k + 18)
                    .skip(k + 2)
                    .find(|(_, (_, w))| *w == ",")
                    .map(|(j, _)| j);
                if let Some(c) = close {
                    if toks.get(c + 1).is_some_and(|(_, w)| lower(w)) {
                        for d in drop.iter_mut().take(c + 1).skip(k + 1) {
                            *d = true;
                        }
                        any = true;
                        k = c + 1;
                        continue;
                    }
                }
            }
            k += 1;
        }
        if !any {
            return None;
        }
        let mut t = Template {
            text: String::from(" "),
            pieces: Vec::new(),
            items: self.items.clone(),
            tags: self.tags,
            item_pos: vec![usize::MAX; self.items.len()],
        };
        for (p, &dropped) in self.pieces.iter().zip(&drop) {
            if dropped {
                continue;
            }
            let w = self.text.get(p.t_start..p.t_end).unwrap_or("");
            let t_start = t.text.len();
            if let Some(j) = self.item_pos.iter().position(|&q| q == p.t_start) {
                if let Some(slot) = t.item_pos.get_mut(j) {
                    *slot = t_start;
                }
            }
            t.text.push_str(w);
            t.pieces.push(Piece {
                t_start,
                t_end: t.text.len(),
                n_start: p.n_start,
                n_end: p.n_end,
            });
            t.text.push(' ');
        }
        Some(t)
    }

    /// The normalized byte range covered by a template byte range.
    pub fn norm_range(&self, a: usize, b: usize) -> Option<(usize, usize)> {
        let first = self.pieces.iter().find(|p| p.t_end > a)?;
        let last = self.pieces.iter().rev().find(|p| p.t_start < b)?;
        (first.n_start <= last.n_end).then_some((first.n_start, last.n_end))
    }
}

/// A slot's value in a match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// an item of the template, by index
    Item(usize),
    /// words of the template (a `{ROLE}` or `{REST}`), by template byte range
    Text(usize, usize),
}

/// One match of one rule in one template.
#[derive(Debug, Clone)]
pub struct Match<'r> {
    pub rule: &'r Rule,
    /// template byte range of the whole match
    pub start: usize,
    pub end: usize,
    pub subject: Option<Arg>,
    pub object: Option<Arg>,
    pub role: Option<Arg>,
}

/// Every match of every rule of the language in the template (overlapping matches
/// included: each start position is tried).
pub fn find_matches<'r>(rules: &'r Rules, lang: &str, t: &Template) -> Vec<Match<'r>> {
    let mut out = Vec::new();
    // The rules whose required words occur in the template, in file order.
    let mut candidates: Vec<usize> = rules.wordless.clone();
    for w in t.text.split(' ').filter(|w| !w.is_empty()) {
        if let Some(ids) = rules.by_word.get(w) {
            candidates.extend_from_slice(ids);
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    for rule in candidates.into_iter().filter_map(|i| rules.rules.get(i)) {
        if rule.lang.as_deref().is_some_and(|l| l != lang)
            || !rule.need_tags.iter().all(|tag| tag & t.tags != 0)
        {
            continue;
        }
        let mut pos = 0;
        while pos < t.text.len() {
            // A plain search first: most candidate rules do not match, and only a
            // match pays for the capture groups.
            if !rule.re.is_match_at(&t.text, pos) {
                break;
            }
            let Some(c) = rule.re.captures_at(&t.text, pos) else {
                break;
            };
            let Some(body) = c.get(1) else { break };
            let mut m = Match {
                rule,
                start: body.start(),
                end: body.end().saturating_sub(1),
                subject: None,
                object: None,
                role: None,
            };
            for slot in &rule.slots {
                let Some(g) = c.get(slot.group) else { continue };
                let arg = match slot.kind {
                    SlotKind::Item(_) => match g.as_str().parse::<usize>() {
                        Ok(i) => Arg::Item(i),
                        Err(_) => continue,
                    },
                    SlotKind::Role | SlotKind::Rest => Arg::Text(g.start(), g.end()),
                };
                match (slot.kind, slot.role) {
                    (SlotKind::Role, _) => m.role = Some(arg),
                    (_, SlotRole::Subject) => m.subject = Some(arg),
                    (_, SlotRole::Object) => m.object = Some(arg),
                    (_, SlotRole::Unused) => {}
                }
            }
            out.push(m);
            // Next start: the token after this match's first token.
            let next = t.text[body.start()..]
                .find(' ')
                .map(|i| body.start() + i + 1);
            match next {
                Some(n) if n > pos => pos = n - 1,
                _ => break,
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_compiles() {
        let r = rules();
        assert!(r.errors.is_empty(), "{:?}", r.errors);
        assert!(r.rules.len() > 50);
        assert_ne!(r.version, "0");
    }

    #[test]
    fn pattern_syntax() {
        let (re, slots, tags, words) = compile_pattern(
            "{PER} , {ROLE} $P {ORG:o} *3 x?",
            &[("P".into(), "de|du|d'".into())],
        )
        .unwrap();
        let re = Regex::new(&re).unwrap();
        assert_eq!(slots.len(), 3);
        assert_eq!(slots[0].role, SlotRole::Subject);
        assert_eq!(slots[2].role, SlotRole::Object);
        assert_eq!(tags, vec![T_PER, T_ORG]);
        assert_eq!(words.len(), 2);
        let c = re.captures(" PER0 , pdg et fondateur d' ORG1 . ").unwrap();
        assert_eq!(&c[2], "0");
        assert_eq!(&c[3], "pdg et fondateur");
        assert_eq!(&c[4], "1");
        assert_eq!(fold_words("d'"), "d'");
        assert_eq!(fold_words("a_l'_égard"), "a l' egard");
        assert!(compile_pattern("{FOO}", &[]).is_err());
        assert!(compile_pattern("$NOPE", &[]).is_err());
    }
}
