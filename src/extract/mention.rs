//! Stage 4: mention detection — which token spans of a sentence name something.
//!
//! Three sources, tried at each token, the longest winning:
//! 1. the gazetteer: the knowledge base's known names (the [`Gazetteer`] passed in) and
//!    the shipped lists in `rules/gazetteer/` (countries FR/EN, places, outlets, public
//!    bodies), matched on folded text so case, accents and apostrophes do not matter;
//! 2. capitalized runs ("Carnegie International Peace Corporation", "G42", "OpenAI"),
//!    which may contain a lower-case connector ("Banque de France", "Bank of America")
//!    only after an institutional head word, so "OpenAI de Sam Altman" stays two names;
//! 3. constructions that make an organization of a name: "l'administration Trump",
//!    "la campagne Trump", "the Trump administration".
//!
//! A capitalized word at the start of a sentence is a name only if the article also
//! writes it capitalized elsewhere (or it is an acronym, or the gazetteer knows it), and
//! it is dropped when the article also writes it in lower case ("Autoriser" is a verb).
//! Literal spans (money, dates) are never part of a mention.

use rustc_hash::FxHashSet;

use super::resources::{self, Resources};
use super::token::Kind;
use super::{Doc, Gazetteer};
use crate::value::{fold, EntityType};

#[derive(Debug, Clone)]
pub struct Mention {
    pub sent: usize,
    /// token range in the sentence, end exclusive
    pub tok_start: usize,
    pub tok_end: usize,
    /// byte range in the normalized text
    pub start: usize,
    pub end: usize,
    /// the normalized text of the span
    pub surface: String,
    /// canonical name and type when the knowledge base or a shipped list knows the name
    pub known: Option<(String, EntityType)>,
    /// a type forced by the construction the name appeared in ("administration X")
    pub cue_type: Option<EntityType>,
    /// set by typing
    pub etype: EntityType,
    /// index into the article's entities, set by coref
    pub entity: usize,
}

/// Heads that let a lower-case connector continue a name ("Banque de France").
pub const ORG_HEADS: &[&str] = &[
    "credit",
    "compagnie",
    "laboratoires",
    "editions",
    "air",
    "hopital",
    "hospital",
    "clinique",
    "banque",
    "bank",
    "ministere",
    "ministry",
    "universite",
    "university",
    "institut",
    "institute",
    "agence",
    "agency",
    "conseil",
    "council",
    "commission",
    "fondation",
    "foundation",
    "groupe",
    "group",
    "societe",
    "caisse",
    "cour",
    "court",
    "chambre",
    "centre",
    "center",
    "departement",
    "department",
    "office",
    "bureau",
    "autorite",
    "authority",
    "federation",
    "association",
    "union",
    "syndicat",
    "fonds",
    "fund",
    "secretariat",
    "organisation",
    "organization",
    "academie",
    "academy",
    "ecole",
    "school",
    "musee",
    "museum",
    "port",
    "parti",
    "party",
    "board",
    "house",
    "school",
    "college",
];
/// Words after a sentence-initial capitalized word that make it a subject.
const VERBISH: &[&str] = &[
    "a",
    "ont",
    "est",
    "sont",
    "va",
    "vont",
    "vient",
    "doit",
    "peut",
    "veut",
    "devrait",
    "pourrait",
    "prevoit",
    "compte",
    "negocie",
    "annonce",
    "achete",
    "vend",
    "rachete",
    "investit",
    "detient",
    "possede",
    "dirige",
    "emploie",
    "fabrique",
    "produit",
    "lance",
    "has",
    "had",
    "have",
    "is",
    "was",
    "will",
    "would",
    "could",
    "should",
    "may",
    "said",
    "says",
    "plans",
    "buys",
    "sells",
    "owns",
    "makes",
    "announced",
    "announces",
    "expects",
    "reported",
    "reports",
    "agreed",
    "agrees",
    "competes",
    "employs",
    "develops",
    "raised",
];
/// Capitalized words that may end a name but not start one.
const NOT_FIRST: &[&str] = &["ai", "ia"];
/// Lower-case particles inside person names.
const PARTICLES: &[&str] = &[
    "de", "van", "von", "der", "den", "bin", "ibn", "al", "el", "da", "di", "del", "du", "le",
    "ter",
];
/// Legal suffixes that may be written in lower case.
const LOWER_LEGAL: &[&str] = &[
    "plc", "inc", "ltd", "llc", "sa", "ag", "gmbh", "nv", "bv", "spa", "sas",
];
/// Capitalized at a sentence start, these describe the name that follows.
const CUE_NOUNS: &[&str] = &[
    "rival",
    "rivals",
    "competitor",
    "analyst",
    "analysts",
    "president",
    "presidente",
    "ministre",
    "minister",
    "chairman",
    "ceo",
    "founder",
    "fondateur",
    "billionaire",
    "milliardaire",
    "investor",
    "investisseur",
    "startup",
    "regulator",
    "concurrent",
    "patron",
    "senator",
    "senateur",
    "economist",
    "economiste",
    "chancellor",
    "chancelier",
    "spokesman",
    "spokeswoman",
    "porte-parole",
    "partner",
    "partenaire",
    "client",
    "customer",
    "supplier",
    "fournisseur",
    "lawmaker",
    "chipmaker",
    "carmaker",
];
const CONNECTORS: &[&str] = &[
    "de", "du", "des", "of", "for", "and", "&", "d'", "la", "l'", "the",
];
/// "administration Trump", "campagne Trump": a French head before a name.
const FR_ORG_CUES: &[&str] = &["administration", "campagne", "gouvernement"];
/// "Trump administration", "Trump campaign".
const EN_ORG_CUES: &[&str] = &["administration", "campaign", "government"];

fn is_cap(t: &str) -> bool {
    // An elided word ("C'", "L'") is never part of a name.
    if t.ends_with('\'') {
        return false;
    }
    let mut chars = t.chars();
    match chars.next() {
        Some(c) if c.is_uppercase() => true,
        // "iPhone", "eBay": lower-case first letter, an upper-case one inside.
        Some(c) if c.is_alphabetic() => t.chars().skip(1).any(char::is_uppercase),
        _ => false,
    }
}

fn is_acronymish(t: &str) -> bool {
    let upper = t.chars().filter(|c| c.is_uppercase()).count();
    upper >= 2 || t.chars().any(|c| c.is_ascii_digit()) || t.chars().skip(1).any(char::is_uppercase)
}

/// Words the article writes in lower case, and capitalized words it writes away from the
/// start of a sentence (the start-of-sentence filter needs both).
pub struct ArticleWords {
    lower: FxHashSet<String>,
    cap_inside: FxHashSet<String>,
    /// "w1 w2" for two capitalized words in a row, away from a sentence start
    cap_pairs: FxHashSet<String>,
}

pub fn article_words(doc: &Doc) -> ArticleWords {
    let mut lower = FxHashSet::default();
    let mut cap_inside = FxHashSet::default();
    let mut cap_pairs = FxHashSet::default();
    let text = doc.norm.text.as_str();
    for s in &doc.sents {
        for (k, t) in s.tokens.iter().enumerate() {
            if t.kind != Kind::Word {
                continue;
            }
            let w = t.text(text);
            if is_cap(w) {
                if !is_initial(doc, s, k) {
                    cap_inside.insert(fold(w));
                    if let Some(n) = s
                        .tokens
                        .get(k + 1)
                        .map(|n| n.text(text))
                        .filter(|n| is_cap(n))
                    {
                        cap_pairs.insert(format!("{} {}", fold(w), fold(n)));
                    }
                }
            } else {
                lower.insert(fold(w));
            }
        }
    }
    ArticleWords {
        lower,
        cap_inside,
        cap_pairs,
    }
}

/// Whether token `k` starts its sentence (after punctuation only, a colon or a quote).
fn is_initial(doc: &Doc, s: &super::Sent, k: usize) -> bool {
    let text = doc.norm.text.as_str();
    if k == 0 {
        return true;
    }
    // A token past the end of the sentence starts nothing.
    let Some(before @ [.., prev]) = s.tokens.get(..k) else {
        return false;
    };
    if matches!(prev.text(text), ":" | "\"" | "-" | "(") {
        return true;
    }
    before.iter().all(|t| t.kind == Kind::Punct)
}

/// Whether a known name (gazetteer) of at least two words starts at token `i`.
fn starts_known(
    kb: &dyn Gazetteer,
    r: &Resources,
    text: &str,
    toks: &[super::token::Token],
    masked: &[bool],
    i: usize,
) -> bool {
    let mut key = String::new();
    let max = r.max_gaz_words.min(toks.len().saturating_sub(i));
    (2..=max).any(|len| {
        if (i..i + len).any(|k| masked.get(k).copied().unwrap_or(true)) {
            return false;
        }
        let (Some(a), Some(b)) = (toks.get(i), toks.get(i + len - 1)) else {
            return false;
        };
        crate::value::fold_into(text.get(a.start..b.end).unwrap_or(""), &mut key);
        lookup(kb, r, &key).is_some()
    })
}

fn lookup(kb: &dyn Gazetteer, r: &Resources, folded: &str) -> Option<(String, EntityType)> {
    kb.lookup(folded)
        .or_else(|| r.gazetteer.get(folded).cloned())
}

/// Detects the mentions of every sentence, in text order.
pub fn detect(doc: &Doc, kb: &dyn Gazetteer, words: &ArticleWords) -> Vec<Mention> {
    let r = resources::get();
    let text = doc.norm.text.as_str();
    let mut out = Vec::new();
    let mut key = String::new();
    for (si, s) in doc.sents.iter().enumerate() {
        let toks = &s.tokens;
        let n = toks.len();
        let masked: Vec<bool> = toks
            .iter()
            .map(|t| {
                s.literals
                    .iter()
                    .any(|l| l.start < t.end && t.start < l.end)
            })
            .collect();
        let word = |k: usize| -> &str { toks.get(k).map(|t| t.text(text)).unwrap_or("") };
        // out of the sentence counts as masked
        let masked_at = |k: usize| masked.get(k).copied().unwrap_or(true);
        let usable = |k: usize| !masked_at(k) && toks.get(k).is_some_and(|t| t.kind != Kind::Punct);
        let folded = |k: usize| -> String { s.folded.get(k).cloned().unwrap_or_default() };
        let mut i = 0;
        while i < n {
            if usable(i) && !is_cap(word(i)) && r.gaz_lower_heads.contains(&folded(i)) {
                // "département du Commerce", "Banque centrale européenne" written in
                // lower case: only multi-word gazetteer names may start with such a word.
                let max = r.max_gaz_words.min(n - i);
                let mut hit = None;
                for len in (2..=max).rev() {
                    if (i..i + len).any(masked_at) {
                        continue;
                    }
                    let (Some(a), Some(b)) = (toks.get(i), toks.get(i + len - 1)) else {
                        continue;
                    };
                    crate::value::fold_into(text.get(a.start..b.end).unwrap_or(""), &mut key);
                    if let Some(h) = lookup(kb, r, &key) {
                        hit = Some((len, h));
                        break;
                    }
                }
                if let Some((len, known)) = hit {
                    let (Some(a), Some(b)) = (toks.get(i), toks.get(i + len - 1)) else {
                        break;
                    };
                    out.push(Mention {
                        sent: si,
                        tok_start: i,
                        tok_end: i + len,
                        start: a.start,
                        end: b.end,
                        surface: text.get(a.start..b.end).unwrap_or("").to_string(),
                        etype: known.1,
                        known: Some(known),
                        cue_type: None,
                        entity: 0,
                    });
                    i += len;
                    continue;
                }
            }
            if !usable(i) || !is_cap(word(i)) {
                i += 1;
                continue;
            }
            // A capitalized cue noun starting a sentence ("Rival Pentara Pharma",
            // "Analyst Jane Doe") is not part of the name.
            // Also a demonym before a name ("French President Emmanuel Macron").
            let f_i = folded(i);
            if (CUE_NOUNS.contains(&f_i.as_str())
                || (r.demonyms.contains_key(&f_i) && lookup(kb, r, &f_i).is_none()))
                && usable(i + 1)
                && is_cap(word(i + 1))
                && lookup(kb, r, &fold(&format!("{} {}", word(i), word(i + 1)))).is_none()
            {
                i += 1;
                continue;
            }
            // 1. longest gazetteer match starting here
            let mut gaz: Option<(usize, (String, EntityType))> = None;
            let max = r.max_gaz_words.max(4).min(n - i);
            for len in (1..=max).rev() {
                if (i..i + len).any(masked_at) {
                    continue;
                }
                let (Some(a), Some(b)) = (toks.get(i), toks.get(i + len - 1)) else {
                    continue;
                };
                crate::value::fold_into(text.get(a.start..b.end).unwrap_or(""), &mut key);
                if let Some(hit) = lookup(kb, r, &key) {
                    gaz = Some((len, hit));
                    break;
                }
            }
            // 2. capitalized run
            let head_is_org = ORG_HEADS.contains(&folded(i).as_str());
            let mut j = i;
            while j < n && usable(j) {
                let w = word(j);
                let f = fold(w);
                let connector = j > i
                    && head_is_org
                    && CONNECTORS.contains(&f.as_str())
                    && (usable(j + 1) && is_cap(word(j + 1))
                        || CONNECTORS.contains(&folded(j + 1).as_str())
                            && usable(j + 2)
                            && is_cap(word(j + 2)));
                // Person particles ("Joost de Wit", "Ludwig van Beethoven"): between a
                // one-word run and one capitalized word that ends the name.
                let particle = j == i + 1
                    && PARTICLES.contains(&f.as_str())
                    && usable(j + 1)
                    && is_cap(word(j + 1))
                    && !(usable(j + 2) && is_cap(word(j + 2)))
                    && !r.gazetteer.contains_key(&folded(j + 1));
                // Legal suffixes written in lower case ("Future plc").
                let legal = j > i && LOWER_LEGAL.contains(&f.as_str());
                // "AI" ends names ("Mistral AI") but never starts one ("AI chips").
                let bad_start = j == i && NOT_FIRST.contains(&f.as_str());
                if (is_cap(w) && !r.stopwords.contains(&f) && !bad_start)
                    || connector
                    || particle
                    || legal
                {
                    j += 1;
                } else {
                    break;
                }
            }
            let run = j - i;
            let initial = is_initial(doc, s, i);
            let (len, known) = match gaz {
                Some((g, hit)) if g >= run => (g, Some(hit)),
                // "US Food and Drug Administration": a country followed by another known
                // name is two names, not one.
                Some((g, hit))
                    if hit.1 == EntityType::Country
                        && starts_known(kb, r, text, toks, &masked, i + g) =>
                {
                    (g, Some(hit))
                }
                _ => (run, None),
            };
            if len == 0 {
                i += 1;
                continue;
            }
            // A lone demonym ("German minister", "Chinese giant") is an adjective.
            if known.is_none() && len == 1 && r.demonyms.contains_key(&folded(i)) {
                i += 1;
                continue;
            }
            if known.is_none() && initial {
                let f0 = folded(i);
                let pair_seen = len > 1
                    && words
                        .cap_pairs
                        .contains(&format!("{} {}", f0, folded(i + 1)));
                if words.lower.contains(&f0) && !pair_seen {
                    i += 1; // a common word that starts the sentence
                    continue;
                }
                // A one-word name at a sentence start is kept when the article writes it
                // capitalized elsewhere, or when what follows reads like its verb or an
                // apposition ("Halvora will pay", "Tesla a annoncé", "Huawei, …").
                let next = folded(i + 1);
                let verbish = VERBISH.contains(&next.as_str())
                    || (next.len() > 4 && next.ends_with("ed") && !words.lower.contains(&f0))
                    || matches!(next.as_str(), "," | "'s" | "-" | "(");
                if len == 1
                    && !words.cap_inside.contains(&f0)
                    && !is_acronymish(word(i))
                    && (!verbish || words.lower.contains(&f0))
                {
                    i += 1;
                    continue;
                }
            }
            let mut start_tok = i;
            let mut end_tok = i + len;
            let mut cue_type = None;
            if known.as_ref().is_none_or(|k| k.1 == EntityType::Person) {
                if i > 0 && FR_ORG_CUES.contains(&folded(i - 1).as_str()) && !masked_at(i - 1) {
                    start_tok = i - 1;
                    cue_type = Some(EntityType::Organization);
                } else if usable(end_tok) && EN_ORG_CUES.contains(&folded(end_tok).as_str()) {
                    end_tok += 1;
                    cue_type = Some(EntityType::Organization);
                }
            }
            let (Some(a), Some(b)) = (toks.get(start_tok), toks.get(end_tok - 1)) else {
                break;
            };
            let surface = text.get(a.start..b.end).unwrap_or("").to_string();
            let known = if cue_type.is_some() { None } else { known };
            out.push(Mention {
                sent: si,
                tok_start: start_tok,
                tok_end: end_tok,
                start: a.start,
                end: b.end,
                surface,
                etype: known
                    .as_ref()
                    .map(|k| k.1)
                    .or(cue_type)
                    .unwrap_or(EntityType::Other),
                known,
                cue_type,
                entity: 0,
            });
            i = end_tok;
        }
    }
    out
}
