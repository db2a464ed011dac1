//! Stage 6: in-article coreference — mentions become entities.
//!
//! - Known names (knowledge base, shipped lists) join by canonical name, so "Chine" and
//!   "China" are one country.
//! - A legal suffix is not part of a company's name: "Microsoft Corp." and "Microsoft"
//!   are one organization named "Microsoft".
//! - A person's surname alone ("Trump", "Altman") joins the one person of the article
//!   whose name ends with it ("Donald Trump", "Wissam Altman"); a company's first word
//!   alone ("Cerebras") joins the one company whose name starts with it.
//! - Types are then decided over the whole entity (see `typing`), and the entity's name
//!   is the fullest form the article uses (or the knowledge base's canonical name).

use rustc_hash::FxHashMap;

use super::mention::Mention;
use super::typing::{self, Votes};
use super::Doc;
use crate::value::{fold, EntityType};

/// An entity of the article.
#[derive(Debug, Clone)]
pub struct Entity {
    pub name: String,
    pub etype: EntityType,
    /// every distinct surface form, as written (normalized)
    pub surfaces: Vec<String>,
    /// only named in teaser lines
    pub teaser_only: bool,
}

const LEGAL_SUFFIXES: &[&str] = &[
    "inc", "corp", "ltd", "llc", "plc", "sa", "ag", "gmbh", "co", "s.a", "nv", "bv", "spa",
];

/// The name without a trailing legal suffix ("Microsoft Corp." → "Microsoft").
pub fn strip_legal_suffix(name: &str) -> &str {
    let trimmed = name.trim_end_matches('.').trim_end();
    if let Some((head, last)) = trimmed.rsplit_once(' ') {
        let l = fold(last);
        if LEGAL_SUFFIXES.contains(&l.trim_end_matches('.')) && !head.trim().is_empty() {
            return head.trim_end_matches(',').trim_end();
        }
    }
    name
}

/// Groups mentions into entities and types them; sets `Mention::entity` and `etype`.
pub fn resolve(doc: &Doc, mentions: &mut [Mention]) -> Vec<Entity> {
    let surface_votes = typing::votes_by_surface(doc, mentions);
    let vote_of = |m: &Mention| {
        surface_votes
            .get(&fold(&m.surface))
            .copied()
            .unwrap_or([0.0; 5])
    };
    // First pass: a key per mention.
    let mut keys: Vec<String> = Vec::with_capacity(mentions.len());
    let prelim: Vec<EntityType> = mentions
        .iter()
        .map(|m| match (&m.known, m.cue_type) {
            (Some(k), _) => k.1,
            (None, Some(t)) => t,
            _ => typing::decide(vote_of(m), m.tok_end - m.tok_start, is_acronym(&m.surface)),
        })
        .collect();
    for m in mentions.iter() {
        keys.push(match &m.known {
            Some((canon, _)) => fold(canon),
            None => fold(strip_legal_suffix(&m.surface)),
        });
    }
    // Multi-word persons and organizations, by key, for short forms to join.
    let mut person_last: FxHashMap<String, Vec<String>> = FxHashMap::default();
    let mut org_first: FxHashMap<String, Vec<String>> = FxHashMap::default();
    for ((m, key), ty) in mentions.iter().zip(&keys).zip(&prelim) {
        let words: Vec<&str> = key.split(' ').collect();
        let [first, .., last] = words.as_slice() else {
            continue;
        };
        if m.known.is_some() {
            continue;
        }
        if *ty == EntityType::Person {
            let v = person_last.entry(last.to_string()).or_default();
            if !v.contains(key) {
                v.push(key.clone());
            }
        } else if *ty == EntityType::Organization && m.cue_type.is_none() {
            let v = org_first.entry(first.to_string()).or_default();
            if !v.contains(key) {
                v.push(key.clone());
            }
        }
    }
    let mut forced_person = vec![false; mentions.len()];
    for ((m, key), forced) in mentions.iter().zip(&mut keys).zip(&mut forced_person) {
        if m.known.is_some() || m.cue_type.is_some() || key.contains(' ') {
            continue;
        }
        if let Some([only]) = person_last.get(key.as_str()).map(Vec::as_slice) {
            *key = only.clone();
            *forced = true;
            continue;
        }
        if let Some([only]) = org_first.get(key.as_str()).map(Vec::as_slice) {
            *key = only.clone();
        }
    }
    // Entities in order of first mention: what the mentions of each say, by key.
    let mut gathered: FxHashMap<String, Gathered> = FxHashMap::default();
    for ((m, key), forced) in mentions.iter_mut().zip(keys).zip(forced_person) {
        let next_id = gathered.len();
        let g = gathered
            .entry(key)
            .or_insert_with(|| Gathered::new(next_id));
        m.entity = g.id;
        if !g.surfaces.contains(&m.surface) {
            g.surfaces.push(m.surface.clone());
        }
        let teaser = doc.sents.get(m.sent).is_some_and(|s| s.span.teaser);
        g.in_body |= !teaser;
        match (&m.known, m.cue_type) {
            (Some((canon, t)), _) => {
                g.fixed = Some(*t);
                g.longest = (usize::MAX, canon.clone());
            }
            (None, Some(t)) => g.fixed = g.fixed.or(Some(t)),
            _ => {}
        }
        if forced {
            g.fixed = g.fixed.or(Some(EntityType::Person));
        }
        let v = vote_of(m);
        for (a, b) in g.votes.iter_mut().zip(v) {
            *a += b;
        }
        let name = strip_legal_suffix(&m.surface).to_string();
        let len = name.chars().count();
        if g.longest.0 != usize::MAX && len > g.longest.0 {
            g.longest = (len, name);
        }
    }
    let mut gathered: Vec<Gathered> = gathered.into_values().collect();
    gathered.sort_unstable_by_key(|g| g.id);
    let ents: Vec<Entity> = gathered.into_iter().map(Gathered::into_entity).collect();
    for m in mentions.iter_mut() {
        if let Some(e) = ents.get(m.entity) {
            m.etype = e.etype;
        }
    }
    ents
}

/// What the mentions of one entity say, gathered before the entity is named and typed.
struct Gathered {
    /// the entity's index in the article: the order of its first mention
    id: usize,
    surfaces: Vec<String>,
    votes: Votes,
    /// a type the knowledge base or a cue forces
    fixed: Option<EntityType>,
    /// the fullest name so far and its length in chars (`usize::MAX`: a canonical name)
    longest: (usize, String),
    /// named outside teaser lines
    in_body: bool,
}

impl Gathered {
    fn new(id: usize) -> Self {
        Gathered {
            id,
            surfaces: Vec::new(),
            votes: [0.0; 5],
            fixed: None,
            longest: (0, String::new()),
            in_body: false,
        }
    }

    fn into_entity(self) -> Entity {
        let name = self.longest.1;
        let ntok = name.split_whitespace().count();
        let etype = self
            .fixed
            .unwrap_or_else(|| typing::decide(self.votes, ntok, is_acronym(&name)));
        Entity {
            name,
            etype,
            surfaces: self.surfaces,
            teaser_only: !self.in_body,
        }
    }
}

fn is_acronym(s: &str) -> bool {
    !s.contains(' ')
        && (s.chars().filter(|c| c.is_uppercase()).count() >= 2
            || s.chars().any(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_suffixes() {
        assert_eq!(strip_legal_suffix("Microsoft Corp."), "Microsoft");
        assert_eq!(strip_legal_suffix("Apple Inc"), "Apple");
        assert_eq!(strip_legal_suffix("Cerebras Systems"), "Cerebras Systems");
        assert_eq!(strip_legal_suffix("Inc."), "Inc.");
    }
}
