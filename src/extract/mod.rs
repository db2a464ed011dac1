//! Extraction: an article's text → entities and candidate facts with their evidence.
//! No storage access: the knowledge base is consulted only through [`Gazetteer`].
//!
//! # The cascade
//! Each stage is a module of its own, tested alone; data flows one way:
//!
//! 1. [`normalize`] — one spelling for apostrophes, quotes, dashes and spaces, with a map
//!    from every normalized byte back to a character offset of the original text
//!    (evidence spans are original character offsets);
//! 2. [`sentence`] — sentences (titles, initials, decimals and quotations do not end
//!    one); teaser lines ("Lire également:", "Read also:") are marked and give no facts;
//! 3. [`token`] — tokens per sentence, French elisions split ("d'" + "OpenAI");
//! 4. [`literal`] — money and dates, found first so they are never taken for names;
//! 5. [`mention`] — names: gazetteer (knowledge base + `rules/gazetteer/`),
//!    capitalized runs, "administration X" constructions;
//! 6. [`typing`] — Person, Organization, Country, Place, Product from cues around names;
//! 7. [`coref`] — mentions grouped into entities ("Altman" → "Wissam Altman");
//! 8. [`relation`] — each sentence becomes a template (`PER0 , pdg d' ORG1`) matched by
//!    the rules of `rules/relations.tsv`; matches become [`FactAsserted`] events with
//!    the evidence sentence, its span, the rules' version and a confidence.
//!
//! [`input`] reads article files, [`alias`] scores alias suggestions, and [`score`]
//! measures the cascade against a hand annotation.

pub mod alias;
pub mod coref;
pub mod input;
pub mod literal;
pub mod mention;
pub mod normalize;
pub mod relation;
pub mod resources;
pub mod score;
pub mod sentence;
pub mod token;
pub mod typing;

use chrono::NaiveDate;
use rustc_hash::FxHashMap;
use sha2::{Digest, Sha256};

use crate::event::{Article, Evidence, Extractor, FactAsserted, Source, Support};
use crate::value::{fold, EntityType, Value};
use literal::{LitValue, Literal};
use relation::{Arg, Item, ItemKind, Template};

/// The extractor name written in every support.
pub const EXTRACTOR_NAME: &str = "annals-rules";

/// The version of the rules (the `# version:` line of `rules/relations.tsv`).
pub fn extractor_version() -> &'static str {
    relation::rules().version.as_str()
}

/// What the knowledge base already knows about a name.
pub trait Gazetteer {
    /// Known entity for a folded name: (canonical name, type).
    fn lookup(&self, folded: &str) -> Option<(String, EntityType)>;
}

/// A knowledge base that knows nothing (tests, standalone scoring).
pub struct NoGazetteer;

impl Gazetteer for NoGazetteer {
    fn lookup(&self, _folded: &str) -> Option<(String, EntityType)> {
        None
    }
}

/// An article to extract from.
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    pub id: Option<String>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub published: Option<NaiveDate>,
    pub language: Option<String>,
    pub text: String,
    /// file path or "-"
    pub origin: String,
    /// what reading the input had to say (e.g. "decoded as Windows-1252"); copied into
    /// [`Extraction::notices`]
    pub notices: Vec<String>,
}

/// The result of extraction: the article event, its entities and its facts.
#[derive(Debug, Clone)]
pub struct Extraction {
    pub article: Article,
    pub entities: Vec<(String, EntityType)>,
    pub facts: Vec<FactAsserted>,
    pub notices: Vec<String>,
}

/// [`Extraction`] plus what the scorer needs: every surface form of every entity and
/// the literals found.
#[derive(Debug, Clone)]
pub struct Detailed {
    pub extraction: Extraction,
    /// (name, type, surface forms as written in the normalized text)
    pub surfaces: Vec<(String, EntityType, Vec<String>)>,
    /// money and date literals as written (normalized text)
    pub literals: Vec<String>,
    /// each sentence's template, as the rules see it (for debugging rules)
    pub templates: Vec<String>,
    /// line numbers (in `rules/relations.tsv`) of the rules that produced a fact
    pub fired_rules: Vec<usize>,
}

/// One sentence after stages 2–4.
pub struct Sent {
    pub span: sentence::Sentence,
    pub tokens: Vec<token::Token>,
    /// each token, folded (same indices as `tokens`)
    pub folded: Vec<String>,
    /// literals, with absolute byte offsets in the normalized text
    pub literals: Vec<Literal>,
}

/// The article as the stages see it.
pub struct Doc {
    pub norm: normalize::Normalized,
    pub lang: &'static str,
    pub published: Option<NaiveDate>,
    pub sents: Vec<Sent>,
}

const FR_WORDS: &[&str] = &[
    "le", "la", "les", "des", "du", "de", "et", "est", "une", "dans", "pour", "qui", "que", "avec",
    "sur", "pas", "au", "aux", "selon", "sont", "a", "ont", "cette", "il", "elle",
];
const EN_WORDS: &[&str] = &[
    "the", "and", "of", "to", "is", "in", "that", "for", "with", "was", "on", "by", "as", "from",
    "said", "it", "are", "has", "have", "its", "he", "she", "will",
];

/// Guesses the language of a text from its function words: "fr" or "en".
pub fn detect_language(text: &str) -> &'static str {
    let (mut fr, mut en) = (0usize, 0usize);
    for w in text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .take(2000)
    {
        // The lists are short ASCII words: a longer or non-ASCII word (lowered only
        // when needed) is in neither.
        if w.len() > 6 {
            continue;
        }
        let mut buf = [0u8; 6];
        let lowered;
        let w: &str = if w.is_ascii() {
            let b = buf.get_mut(..w.len()).unwrap_or_default();
            b.copy_from_slice(w.as_bytes());
            b.make_ascii_lowercase();
            std::str::from_utf8(b).unwrap_or("")
        } else {
            lowered = w.to_lowercase();
            &lowered
        };
        // "a" is French ("il a") and English ("a deal"): it counts for neither.
        if w == "a" {
            continue;
        }
        if FR_WORDS.contains(&w) {
            fr += 1;
        }
        if EN_WORDS.contains(&w) {
            en += 1;
        }
    }
    if fr > en {
        "fr"
    } else {
        "en"
    }
}

fn language_of(input: &ArticleInput) -> &'static str {
    match input
        .language
        .as_deref()
        .map(|l| l.trim().to_ascii_lowercase())
    {
        Some(l) if l.starts_with("fr") => "fr",
        Some(l) if l.starts_with("en") => "en",
        _ => detect_language(&input.text),
    }
}

/// Runs the cascade over one article.
pub fn extract(input: &ArticleInput, kb: &dyn Gazetteer) -> Extraction {
    extract_detailed(input, kb).extraction
}

/// Quotations of a sentence that are speech (four words or more), as token ranges
/// including the quote marks; a quote left open runs to the end of the sentence.
fn speech_quotes(text: &str, toks: &[token::Token]) -> Vec<(usize, usize)> {
    let marks: Vec<usize> = toks
        .iter()
        .enumerate()
        .filter(|(_, t)| t.kind == token::Kind::Punct && t.text(text) == "\"")
        .map(|(i, _)| i)
        .collect();
    let mut out = Vec::new();
    let mut k = 0;
    while let Some(&open) = marks.get(k) {
        let close = marks.get(k + 1).copied();
        let end = close.map(|c| c + 1).unwrap_or(toks.len());
        let inner_end = close.unwrap_or(toks.len());
        let words = toks
            .get(open + 1..inner_end)
            .map(|s| s.iter().filter(|t| t.kind != token::Kind::Punct).count())
            .unwrap_or(0);
        if words >= 4 {
            out.push((open, end));
        }
        k += 2;
    }
    out
}

/// Character-offset slicing of the original text.
struct Original<'a> {
    text: &'a str,
    /// byte offset of each character, plus the text's length
    bytes: Vec<usize>,
}

impl<'a> Original<'a> {
    fn new(text: &'a str) -> Self {
        let mut bytes: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        bytes.push(text.len());
        Original { text, bytes }
    }
    fn slice(&self, start: u32, end: u32) -> &'a str {
        let b = |c: u32| {
            self.bytes
                .get(c as usize)
                .copied()
                .unwrap_or(self.text.len())
        };
        self.text.get(b(start)..b(end)).unwrap_or("")
    }
}

/// A predicate and, for `role_in`, the title as written.
type PredRole = (String, Option<String>);

/// A subject or object before it is named.
#[derive(Debug, Clone, PartialEq)]
enum Ref {
    Ent(usize),
    Country(String),
    Lit(Value),
}

/// Runs the cascade and keeps the details the scorer needs.
pub fn extract_detailed(input: &ArticleInput, kb: &dyn Gazetteer) -> Detailed {
    let lang = language_of(input);
    let mut notices = input.notices.clone();
    let rules = relation::rules();
    if !rules.errors.is_empty() {
        notices.extend(rules.errors.iter().cloned());
    }
    // Stages 1–4.
    let norm = normalize::normalize(&input.text);
    let mut sents = Vec::new();
    for span in sentence::split(&norm.text) {
        let tokens = token::tokenize(&norm.text, span.start, span.end);
        let text = norm.text.get(span.start..span.end).unwrap_or("");
        let literals = literal::find(text, lang, input.published)
            .into_iter()
            .map(|l| Literal {
                start: l.start + span.start,
                end: l.end + span.start,
                value: l.value,
            })
            .collect();
        // Each token folded once; every later stage compares folded words.
        let folded = tokens.iter().map(|t| fold(t.text(&norm.text))).collect();
        sents.push(Sent {
            span,
            tokens,
            folded,
            literals,
        });
    }
    let doc = Doc {
        norm,
        lang,
        published: input.published,
        sents,
    };
    // Stages 5–7.
    let words = mention::article_words(&doc);
    let mut mentions = mention::detect(&doc, kb, &words);
    let ents = coref::resolve(&doc, &mut mentions);
    // The article's topic: the organization it names most often (ties: the first).
    // Anaphora without a name in the sentence ("the company", "l'opération") and
    // attributed claims without one fall back to it.
    let topic: Option<usize> = {
        let mut counts: Vec<usize> = vec![0; ents.len()];
        for m in &mentions {
            if m.etype == EntityType::Organization
                && !doc.sents.get(m.sent).is_some_and(|s| s.span.teaser)
            {
                if let Some(c) = counts.get_mut(m.entity) {
                    *c += 1;
                }
            }
        }
        let best = counts.iter().copied().max().unwrap_or(0);
        (best > 0)
            .then(|| counts.iter().position(|c| *c == best))
            .flatten()
    };
    // Stage 8.
    let original = Original::new(&input.text);
    let res = resources::get();
    // One digest of the text: the content hash, and the id when none is given.
    let content_hash = content_hash(&input.text);
    let article_id = input
        .id
        .clone()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| content_hash.get(..12).unwrap_or(&content_hash).to_string());
    let extractor = Extractor {
        name: EXTRACTOR_NAME.into(),
        version: extractor_version().into(),
    };
    let mut facts: Vec<FactAsserted> = Vec::new();
    let mut seen: FxHashMap<(String, String, String), usize> = FxHashMap::default();
    let mut implicit: Vec<String> = Vec::new();
    let mut last_speaker: Option<usize> = None;
    let mut last_main: Option<usize> = None;
    // The last person named before the current sentence: "Il a ajouté" without an
    // earlier quotation refers to them.
    let mut last_person: Option<usize> = None;
    let mut intro_speaker: Option<usize> = None;
    let mut literal_surfaces = Vec::new();
    let mut templates = Vec::new();
    let mut fired_rules: Vec<usize> = Vec::new();
    let text = doc.norm.text.as_str();
    let mut m_idx = 0;
    for (si, s) in doc.sents.iter().enumerate() {
        // Items of this sentence: quotes, literals, mentions, demonyms.
        let quotes = speech_quotes(text, &s.tokens);
        let in_quote = |a: usize, b: usize| quotes.iter().any(|(qa, qb)| a < *qb && *qa < b);
        let mut items: Vec<Item> = Vec::new();
        for (qa, qb) in &quotes {
            let inner_a = s.tokens.get(qa + 1).map(|t| t.start).unwrap_or(0);
            let inner_b = if *qb > qa + 1 {
                s.tokens
                    .get(qb - 1)
                    .map(|t| if t.text(text) == "\"" { t.start } else { t.end })
                    .unwrap_or(0)
            } else {
                inner_a
            };
            items.push(Item {
                kind: ItemKind::Quote(inner_a, inner_b.max(inner_a)),
                tag: relation::T_QUOTE,
                tok_start: *qa,
                tok_end: *qb,
            });
        }
        for l in &s.literals {
            literal_surfaces.push(text.get(l.start..l.end).unwrap_or("").to_string());
            let a = s.tokens.iter().position(|t| t.end > l.start);
            let b = s.tokens.iter().rposition(|t| t.start < l.end);
            let (Some(a), Some(b)) = (a, b) else { continue };
            if in_quote(a, b + 1) {
                continue;
            }
            let (kind, tag) = match &l.value {
                LitValue::Money(m) => (ItemKind::Money(m.clone()), relation::T_MONEY),
                LitValue::Date(d) => (ItemKind::Date(d.clone()), relation::T_DATE),
            };
            items.push(Item {
                kind,
                tag,
                tok_start: a,
                tok_end: b + 1,
            });
        }
        let first_m = m_idx;
        while let Some(m) = mentions.get(m_idx).filter(|m| m.sent == si) {
            m_idx += 1;
            if in_quote(m.tok_start, m.tok_end)
                || items
                    .iter()
                    .any(|it| it.tok_start < m.tok_end && m.tok_start < it.tok_end)
            {
                continue;
            }
            // "Dr. Anna Keller", "M. Dupont": the title belongs to the person's item.
            let mut tok_start = m.tok_start;
            if m.etype == EntityType::Person {
                let w = |k: usize| {
                    s.tokens
                        .get(k)
                        .map(|t| fold(t.text(text)))
                        .unwrap_or_default()
                };
                let title = |x: &str| {
                    matches!(
                        x,
                        "dr" | "mr"
                            | "mrs"
                            | "ms"
                            | "m"
                            | "mme"
                            | "mlle"
                            | "prof"
                            | "pr"
                            | "sir"
                            | "me"
                    )
                };
                if tok_start >= 2 && w(tok_start - 1) == "." && title(&w(tok_start - 2)) {
                    tok_start -= 2;
                } else if tok_start >= 1 && title(&w(tok_start - 1)) {
                    tok_start -= 1;
                }
                if items
                    .iter()
                    .any(|it| it.tok_start < m.tok_start && tok_start < it.tok_end)
                {
                    tok_start = m.tok_start;
                }
            }
            let tag = match m.etype {
                EntityType::Person => relation::T_PER,
                EntityType::Organization => relation::T_ORG,
                EntityType::Country => relation::T_CTRY,
                EntityType::Place => relation::T_PLACE,
                EntityType::Product => relation::T_PROD,
                _ => relation::T_OTH,
            };
            items.push(Item {
                kind: ItemKind::Ent(m.entity),
                tag,
                tok_start,
                tok_end: m.tok_end,
            });
        }
        let sent_mentions = mentions.get(first_m..m_idx).unwrap_or_default();
        for (k, t) in s.tokens.iter().enumerate() {
            if t.kind != token::Kind::Word
                || items.iter().any(|it| it.tok_start <= k && k < it.tok_end)
            {
                continue;
            }
            // `s.folded[k]` is `fold` of this token's text, computed once per sentence.
            if let Some(c) = s.folded.get(k).and_then(|w| res.demonyms.get(w)) {
                items.push(Item {
                    kind: ItemKind::Dem(c.clone()),
                    tag: relation::T_DEM,
                    tok_start: k,
                    tok_end: k + 1,
                });
            }
        }
        items.sort_by_key(|it| it.tok_start);
        let tpl = Template::build(&s.tokens, &s.folded, items);
        templates.push(tpl.text.clone());
        let first_person = sent_mentions
            .iter()
            .find(|m| m.etype == EntityType::Person)
            .or_else(|| {
                sent_mentions
                    .iter()
                    .find(|m| m.etype == EntityType::Organization)
            })
            .map(|m| m.entity);
        if s.span.teaser {
            intro_speaker = None;
            continue;
        }
        let sentence_text = {
            let (a, b) = doc.norm.orig_span(s.span.start, s.span.end);
            original.slice(a, b).to_string()
        };
        let date_q = tpl.items.iter().find_map(|it| match &it.kind {
            ItemKind::Date(d) => Some(d.to_value()),
            _ => None,
        });
        let resolve = |tp: &Template, arg: Arg| -> Option<Ref> {
            match arg {
                Arg::Item(i) => match &tp.items.get(i)?.kind {
                    ItemKind::Ent(e) => Some(Ref::Ent(*e)),
                    ItemKind::Dem(c) => Some(Ref::Country(c.clone())),
                    ItemKind::Money(m) => Some(Ref::Lit(Value::Money(m.clone()))),
                    ItemKind::Date(d) => Some(Ref::Lit(d.to_value())),
                    ItemKind::Quote(a, b) => {
                        let (x, y) = doc.norm.orig_span(*a, *b);
                        Some(Ref::Lit(Value::Str(
                            original.slice(x, y).trim().to_string(),
                        )))
                    }
                },
                Arg::Text(a, b) => {
                    let (x, y) = tp.norm_range(a, b)?;
                    let (x, y) = doc.norm.orig_span(x, y);
                    let t = original
                        .slice(x, y)
                        .trim()
                        .trim_end_matches(['.', ',', ';', ':'])
                        .trim();
                    Some(Ref::Lit(Value::Str(t.to_string())))
                }
            }
        };
        // The main entity of an attributed claim: the first person or organization
        // before the cue; else, when the claim follows the cue ("selon X, …", "X
        // reported that …"), the first one after it; else the previous sentence's.
        let main_entity = |tp: &Template,
                           start: usize,
                           end: usize,
                           not: Option<usize>,
                           reported: bool|
         -> Option<usize> {
            // A source's claim may be about a person or a country; "the company", "it",
            // "l'opération" stand for an organization.
            let mask = if reported {
                relation::T_ORG | relation::T_PER | relation::T_CTRY
            } else {
                relation::T_ORG
            };
            let cands: Vec<(usize, usize)> = tp
                .items
                .iter()
                .enumerate()
                .filter_map(|(i, it)| match it.kind {
                    ItemKind::Ent(e) if it.tag & mask != 0 && Some(e) != not => {
                        Some((tp.item_pos.get(i).copied().unwrap_or(usize::MAX), e))
                    }
                    _ => None,
                })
                .collect();
            let topic = topic.filter(|t| Some(*t) != not);
            let before: Vec<usize> = cands
                .iter()
                .filter(|(p, _)| *p < start)
                .map(|(_, e)| *e)
                .collect();
            if let Some(t) = topic.filter(|t| before.contains(t)) {
                return Some(t);
            }
            if let Some(e) = before.first() {
                return Some(*e);
            }
            let after = tp.text.get(end..).unwrap_or("").trim_start();
            let claim_follows = [",", "que ", "qu' ", "that ", ":"]
                .iter()
                .any(|w| after.starts_with(w));
            if reported && claim_follows {
                // Only a person or an organization after the cue: "selon X, le
                // contrat couvre le Sénégal" is not about Senegal.
                let agent = |e: usize| {
                    ents.get(e).is_some_and(|x| {
                        matches!(x.etype, EntityType::Person | EntityType::Organization)
                    })
                };
                if let Some((_, e)) = cands.iter().find(|(p, e)| *p >= end && agent(*e)) {
                    return Some(*e);
                }
            }
            topic.or(last_main.filter(|e| Some(*e) != not))
        };
        let mut said_here = false;
        let mut sentence_main = None;
        // Rules also run over the sentence with its appositions removed ("Lumen Labs,
        // the Paris-based developer of …, has raised" → "Lumen Labs has raised").
        let collapsed = tpl.without_appositions();
        let mut matches: Vec<(bool, relation::Match)> = relation::find_matches(rules, lang, &tpl)
            .into_iter()
            .map(|m| (false, m))
            .collect();
        if let Some(c) = &collapsed {
            matches.extend(
                relation::find_matches(rules, lang, c)
                    .into_iter()
                    .map(|m| (true, m)),
            );
        }
        // One speaker per quotation: a person before an organization, then the earliest.
        let is_person_arg = |a: Option<Arg>| match a {
            Some(Arg::Item(i)) => tpl.items.get(i).is_some_and(|it| it.tag == relation::T_PER),
            _ => false,
        };
        // …and a quotation's own words before a paraphrase of the clause around it.
        let is_quote_arg = |a: Option<Arg>| match a {
            Some(Arg::Item(i)) => tpl
                .items
                .get(i)
                .is_some_and(|it| it.tag == relation::T_QUOTE),
            _ => false,
        };
        matches.sort_by_key(|(c, m)| {
            (
                m.rule.predicate != "said",
                !is_person_arg(m.subject),
                !is_quote_arg(m.object),
                *c,
                m.start,
            )
        });
        let mut quotes_said: Vec<String> = Vec::new();
        // What rules that name their subject found: a rule that leaves the subject to
        // the main entity is only a fallback, dropped when another rule of the same
        // predicate named the subject of the same object ("the Nairobi-based startup
        // Kibo Pay" is not about the article's company).
        let resolved_in = |is_collapsed: bool, a: Option<Arg>| {
            let tp: &Template = match (&collapsed, is_collapsed) {
                (Some(c), true) => c,
                _ => &tpl,
            };
            a.and_then(|a| resolve(tp, a))
        };
        // For each rule that names one end (`named_side` true: its subject) and found
        // it, the predicate and the other end. Only sentences where some rule leaves
        // that end to the fallback pay for the list.
        let named_ends = |named_side: bool| -> Vec<(&str, Ref)> {
            let names = |m: &relation::Match| {
                if named_side {
                    (m.rule.has_subject(), m.subject, m.object)
                } else {
                    (m.rule.has_object(), m.object, m.subject)
                }
            };
            if matches.iter().all(|(_, m)| names(m).0) {
                return Vec::new();
            }
            matches
                .iter()
                .filter_map(|(c, m)| {
                    let (has_slot, found, other) = names(m);
                    (has_slot && found.is_some()).then_some(())?;
                    Some((m.rule.predicate.as_str(), resolved_in(*c, other)?))
                })
                .collect()
        };
        let named = named_ends(true);
        // The same the other way round: "donné son feu vert au rachat de Noria par
        // Ardian" names the beneficiary that a bare "feu vert au rachat" leaves to the
        // article's company.
        let named_objects = named_ends(false);
        for (is_collapsed, m) in matches {
            let tp: &Template = match (&collapsed, is_collapsed) {
                (Some(c), true) => c,
                _ => &tpl,
            };
            let rule = m.rule;
            let mut object = m.object.and_then(|a| resolve(tp, a));
            let mut subject = m.subject.and_then(|a| resolve(tp, a));
            // Whether another rule of this predicate named what this one leaves to a
            // fallback, next to the same `other` end.
            let named_elsewhere = |found: &[(&str, Ref)], other: &Option<Ref>| {
                found
                    .iter()
                    .any(|(p, r)| *p == rule.predicate.as_str() && other.as_ref() == Some(r))
            };
            if (subject.is_none() && !rule.has_subject() && named_elsewhere(&named, &object))
                || (object.is_none()
                    && !rule.has_object()
                    && named_elsewhere(&named_objects, &subject))
            {
                continue;
            }
            if subject.is_none() && !rule.has_subject() {
                let not = match &object {
                    Some(Ref::Ent(e)) => Some(*e),
                    _ => None,
                };
                subject = match rule.predicate.as_str() {
                    "said" => last_person.or(last_speaker).map(Ref::Ent),
                    p => main_entity(tp, m.start, m.end, not, p == "reported_by").map(Ref::Ent),
                };
            }
            if object.is_none() && !rule.has_object() {
                let not = match &subject {
                    Some(Ref::Ent(e)) => Some(*e),
                    _ => None,
                };
                // A missing object ("took part in the round", "approve the
                // transaction") is what the article is about, when it is not the subject.
                object = topic
                    .filter(|t| Some(*t) != not)
                    .or_else(|| main_entity(tp, m.start, m.end, not, false))
                    .map(Ref::Ent);
            }
            let (Some(subject), Some(object)) = (subject, object) else {
                continue;
            };
            if let (Ref::Ent(a), Ref::Ent(b)) = (&subject, &object) {
                if a == b {
                    continue;
                }
            }
            let mut preds: Vec<(String, Option<String>)> = Vec::new();
            if rule.predicate == "@title" {
                let Some(Ref::Lit(Value::Str(role))) = m.role.and_then(|a| resolve(tp, a)) else {
                    continue;
                };
                let object_is_country = matches!(&object, Ref::Country(_))
                    || matches!(&object, Ref::Ent(e) if ents.get(*e).is_some_and(|x| x.etype == EntityType::Country));
                preds = titles_to_predicates(&role, rule.strict, object_is_country);
            } else {
                preds.push((rule.predicate.clone(), None));
            }
            if rule.predicate == "said" {
                let Ref::Lit(Value::Str(q)) = &object else {
                    continue;
                };
                // One reading per quotation: a later rule's longer or shorter cut of
                // the same words is not another statement.
                if q.split_whitespace().count() < 3
                    || quotes_said
                        .iter()
                        .any(|o| o.contains(q.as_str()) || q.contains(o.as_str()))
                {
                    continue;
                }
                quotes_said.push(q.clone());
            }
            // "X competes with A and B", "X, A et B": the coordinated names share the
            // relation.
            let mut objects = vec![object.clone()];
            if let (Some(Arg::Item(oi)), false) = (
                m.object,
                matches!(rule.predicate.as_str(), "said" | "reported_by" | "amount"),
            ) {
                objects.extend(
                    coordinated(tp, oi)
                        .into_iter()
                        .filter_map(|i| resolve(tp, Arg::Item(i))),
                );
            }
            // "Nvidia and Bpifrance took part": coordinated subjects share it too.
            let mut subjects = vec![subject.clone()];
            if let (Some(Arg::Item(si)), false) = (
                m.subject,
                matches!(rule.predicate.as_str(), "said" | "reported_by"),
            ) {
                subjects.extend(
                    coordinated_before(tp, si)
                        .into_iter()
                        .filter_map(|i| resolve(tp, Arg::Item(i))),
                );
            }
            let (na, nb) = tp
                .norm_range(m.start, m.end)
                .unwrap_or((s.span.start, s.span.end));
            let (ea, eb) = doc.norm.orig_span(na, nb);
            let name_of = |r: &Ref, implicit: &mut Vec<String>| -> Value {
                match r {
                    Ref::Ent(e) => {
                        Value::Entity(ents.get(*e).map(|x| x.name.clone()).unwrap_or_default())
                    }
                    Ref::Country(c) => {
                        if !implicit.contains(c) {
                            implicit.push(c.clone());
                        }
                        Value::Entity(c.clone())
                    }
                    Ref::Lit(v) => v.clone(),
                }
            };
            let mut combos: Vec<(PredRole, &Ref, &Ref)> = Vec::new();
            for p in &preds {
                for sj in &subjects {
                    for o in &objects {
                        combos.push((p.clone(), sj, o));
                    }
                }
            }
            for ((pred, role), subject, object) in combos {
                let subj = match name_of(subject, &mut implicit) {
                    Value::Entity(n) => n,
                    _ => continue,
                };
                let obj = name_of(object, &mut implicit);
                let mut key = (fold(&subj), pred.clone(), obj.to_string());
                if matches!(
                    pred.as_str(),
                    "partner_of" | "agreement_with" | "competitor_of"
                ) && key.0 > fold(&key.2)
                {
                    key = (fold(&key.2), pred.clone(), key.0.clone());
                }
                if key.2.is_empty() || key.0.is_empty() {
                    continue;
                }
                if let Ref::Ent(e) = *subject {
                    if pred == "said" {
                        last_speaker = Some(e);
                        said_here = true;
                    }
                    if sentence_main.is_none() && pred != "said" {
                        sentence_main = Some(e);
                    }
                }
                let mut qualifiers: Vec<(String, Value)> = rule
                    .qualifiers
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::Str(v.clone())))
                    .collect();
                if let Some(r) = role {
                    qualifiers.push(("role".to_string(), Value::Str(r)));
                }
                if let Some(d) = &date_q {
                    qualifiers.push(("date".to_string(), d.clone()));
                }
                if !fired_rules.contains(&rule.line) {
                    fired_rules.push(rule.line);
                }
                if let Some(&i) = seen.get(&key) {
                    // Keep the most confident reading of a fact stated twice.
                    if let Some(f) = facts.get_mut(i) {
                        if f.support.confidence.unwrap_or(0.0) < rule.confidence {
                            f.support.confidence = Some(rule.confidence);
                        }
                    }
                    continue;
                }
                seen.insert(key, facts.len());
                facts.push(FactAsserted {
                    subject: subj.into(),
                    predicate: pred.into(),
                    object: obj,
                    support: Support {
                        source: Source::Article(article_id.as_str().into()),
                        evidence: Some(Evidence {
                            sentence: sentence_text.clone(),
                            start: ea,
                            end: eb,
                        }),
                        extractor: Some(extractor.clone()),
                        confidence: Some(rule.confidence),
                        qualifiers,
                    },
                });
            }
        }
        // A quotation alone on its line belongs to the speaker introduced by the
        // previous sentence ("X, fellow at Y, commented:").
        if !said_here {
            if let (Some(sp), Some(first)) = (intro_speaker, tpl.items.first()) {
                if let (ItemKind::Quote(a, b), 0) = (&first.kind, first.tok_start) {
                    let (x, y) = doc.norm.orig_span(*a, *b);
                    let q = original.slice(x, y).trim().to_string();
                    let (ea, eb) = doc.norm.orig_span(s.span.start, s.span.end);
                    let subj = ents.get(sp).map(|e| e.name.clone()).unwrap_or_default();
                    let key = (fold(&subj), "said".to_string(), q.clone());
                    if !subj.is_empty() && !seen.contains_key(&key) {
                        seen.insert(key, facts.len());
                        facts.push(FactAsserted {
                            subject: subj.into(),
                            predicate: "said".into(),
                            object: Value::Str(q),
                            support: Support {
                                source: Source::Article(article_id.as_str().into()),
                                evidence: Some(Evidence {
                                    sentence: sentence_text.clone(),
                                    start: ea,
                                    end: eb,
                                }),
                                extractor: Some(extractor.clone()),
                                confidence: Some(0.6),
                                qualifiers: date_q
                                    .iter()
                                    .map(|d| ("date".to_string(), d.clone()))
                                    .collect(),
                            },
                        });
                        last_speaker = Some(sp);
                    }
                }
            }
        }
        let ends_with_colon = tpl.text.trim_end().ends_with(':');
        intro_speaker = if ends_with_colon && quotes.is_empty() {
            first_person
        } else {
            None
        };
        let first_agent = tpl.items.iter().find_map(|it| match it.kind {
            ItemKind::Ent(e) if it.tag & (relation::T_ORG | relation::T_PER) != 0 => Some(e),
            _ => None,
        });
        if let Some(e) = sentence_main.or(first_agent) {
            last_main = Some(e);
        }
        if let Some(m) = sent_mentions
            .iter()
            .rev()
            .find(|m| m.etype == EntityType::Person)
        {
            last_person = Some(m.entity);
        }
    }
    // Entities: every entity of the article, then countries known only by a demonym.
    let mut entities: Vec<(String, EntityType)> =
        ents.iter().map(|e| (e.name.clone(), e.etype)).collect();
    let mut surfaces: Vec<(String, EntityType, Vec<String>)> = ents
        .iter()
        .map(|e| (e.name.clone(), e.etype, e.surfaces.clone()))
        .collect();
    for c in implicit {
        if !entities.iter().any(|(n, _)| fold(n) == fold(&c)) {
            entities.push((c.clone(), EntityType::Country));
            surfaces.push((c, EntityType::Country, Vec::new()));
        }
    }
    let article = Article {
        id: article_id,
        title: input.title.clone(),
        url: input.url.clone(),
        published: input.published,
        language: Some(lang.to_string()),
        text: input.text.clone(),
        content_hash,
        mentions: entities.iter().map(|(n, _)| n.clone()).collect(),
    };
    Detailed {
        extraction: Extraction {
            article,
            entities,
            facts,
            notices,
        },
        surfaces,
        literals: literal_surfaces,
        templates,
        fired_rules,
    }
}

/// Maps a title as written ("fondateur et PDG", "conseiller", "président") to
/// predicates through `rules/gazetteer/titles.tsv`. Titles that imply no predicate of
/// their own become `role_in` with the title as written; `strict` drops a role in which
/// no word is a known title. A country takes only `role_in` (government titles).
fn titles_to_predicates(
    role: &str,
    strict: bool,
    object_is_country: bool,
) -> Vec<(String, Option<String>)> {
    let r = resources::get();
    let words = role.split_whitespace().count();
    if words == 0 || words > 6 {
        return Vec::new();
    }
    // "patron d'une société française" describes a company, not a title held there.
    if fold(role)
        .split_whitespace()
        .any(|w| matches!(w, "un" | "une" | "a" | "an" | "des"))
    {
        return Vec::new();
    }
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut role_parts: Vec<&str> = Vec::new();
    let mut known_any = false;
    let folded_role = fold(role);
    let parts: Vec<&str> = role
        .split([','])
        .flat_map(|p| {
            p.split(" et ")
                .flat_map(|q| q.split(" and "))
                .flat_map(|q| q.split(" & "))
        })
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    for part in parts {
        let f = fold(part);
        let f = f
            .trim_start_matches("l'")
            .trim_start_matches("le ")
            .trim_start_matches("la ")
            .trim_start_matches("the ");
        let ws: Vec<&str> = f.split_whitespace().collect();
        // The whole part, else its first two words, else its first or last word.
        let pred = r
            .titles
            .get(f)
            .or_else(|| ws.get(..2).and_then(|w| r.titles.get(&w.join(" "))))
            .or_else(|| ws.first().and_then(|w| r.titles.get(*w)))
            .or_else(|| ws.last().and_then(|w| r.titles.get(*w)));
        match pred {
            Some(p) => {
                known_any = true;
                if p == "role_in" || object_is_country {
                    role_parts.push(part);
                } else if !out.iter().any(|(q, _)| q == p) {
                    out.push((p.clone(), None));
                }
            }
            None => role_parts.push(part),
        }
    }
    if strict && !known_any {
        return Vec::new();
    }
    // Sentence-like "roles" ("a déclaré que", "previously worked") are not titles.
    if !known_any
        && folded_role.split_whitespace().any(|w| {
            matches!(
                w,
                "a" | "est"
                    | "qui"
                    | "que"
                    | "is"
                    | "was"
                    | "has"
                    | "who"
                    | "said"
                    | "worked"
                    | "works"
                    | "joined"
                    | "left"
                    | "previously"
                    | "formerly"
                    | "will"
                    | "would"
                    | "travaille"
                    | "travaillait"
                    | "auparavant"
            )
        })
    {
        return Vec::new();
    }
    if !role_parts.is_empty() {
        out.push(("role_in".to_string(), Some(role_parts.join(" et "))));
    }
    out
}

/// Items coordinated before item `i` in the template: "ORG1 et ORG2 ont …" gives ORG1
/// for ORG2 (same kind only).
fn coordinated_before(tpl: &Template, i: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let Some(item) = tpl.items.get(i) else {
        return out;
    };
    let tag = relation::tag_name(item.tag);
    let Some(&pos) = tpl.item_pos.get(i) else {
        return out;
    };
    let mut words = tpl
        .text
        .get(..pos)
        .unwrap_or("")
        .split(' ')
        .rev()
        .filter(|w| !w.is_empty())
        .peekable();
    loop {
        let mut sep = false;
        let mut conjunction = false;
        // Determiners and adjectives may stand between: "Nvidia and the French state
        // bank Bpifrance".
        let mut skipped = 0;
        while let Some(w) = words.peek() {
            if matches!(*w, "et" | "and" | "," | "&") {
                sep = true;
                conjunction |= *w != ",";
                words.next();
            } else if !sep && skipped < 4 && w.chars().next().is_some_and(|c| c.is_lowercase())
                || w.starts_with("DEM") && !sep
            {
                skipped += 1;
                words.next();
            } else {
                break;
            }
        }
        // A list ends with its conjunction ("A, B et C"): a comma alone right before
        // the name is no coordination ("Selon Le Figaro, Valmont va racheter …").
        if out.is_empty() && !conjunction {
            break;
        }
        let prev = words.next().unwrap_or("");
        match prev.strip_prefix(tag).and_then(|n| n.parse::<usize>().ok()) {
            Some(j) if sep && prev.len() > tag.len() => out.push(j),
            _ => break,
        }
    }
    out
}

/// Items coordinated with item `i` in the template: "ORG1 et ORG2", "ORG1 , ORG2 and
/// ORG3" (same kind only).
fn coordinated(tpl: &Template, i: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let Some(item) = tpl.items.get(i) else {
        return out;
    };
    let tag = relation::tag_name(item.tag);
    let Some(&pos) = tpl.item_pos.get(i) else {
        return out;
    };
    let mut rest = tpl
        .text
        .get(pos..)
        .unwrap_or("")
        .split(' ')
        .skip(1)
        .peekable();
    loop {
        let mut sep = false;
        while let Some(w) = rest.peek() {
            if matches!(*w, "et" | "and" | "," | "&") {
                sep = true;
                rest.next();
            } else {
                break;
            }
        }
        let next = rest.next().unwrap_or("");
        match next.strip_prefix(tag).and_then(|n| n.parse::<usize>().ok()) {
            Some(j) if sep && next.len() > tag.len() => out.push(j),
            _ => break,
        }
    }
    out
}

/// The content hash duplicates are detected by: hex SHA-256 of the text.
pub fn content_hash(text: &str) -> String {
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language() {
        assert_eq!(
            detect_language("Le PDG de la société a dit que les ventes sont bonnes."),
            "fr"
        );
        assert_eq!(
            detect_language("The chief executive of the company said that sales were good."),
            "en"
        );
        assert_eq!(detect_language(""), "en");
    }

    #[test]
    fn titles_map_to_predicates() {
        let p = |r: &str| {
            titles_to_predicates(r, false, false)
                .into_iter()
                .map(|(p, _)| p)
                .collect::<Vec<_>>()
        };
        assert_eq!(p("fondateur et PDG"), vec!["founder_of", "ceo_of"]);
        assert_eq!(p("chief executive"), vec!["ceo_of"]);
        // A PDG written out, in either gender, is the CEO; a deputy is not.
        assert_eq!(p("présidente-directrice générale"), vec!["ceo_of"]);
        assert_eq!(p("président-directeur général"), vec!["ceo_of"]);
        assert_eq!(p("directeur général adjoint"), vec!["role_in"]);
        assert_eq!(p("collègue"), vec!["role_in"]);
        assert_eq!(
            titles_to_predicates("ministre", false, true),
            vec![("role_in".to_string(), Some("ministre".to_string()))]
        );
        assert!(titles_to_predicates("truc", true, false).is_empty());
        assert!(titles_to_predicates("previously worked", false, false).is_empty());
    }
}
