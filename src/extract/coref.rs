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
    for (i, m) in mentions.iter().enumerate() {
        let words: Vec<&str> = keys[i].split(' ').collect();
        if words.len() < 2 || m.known.is_some() {
            continue;
        }
        if prelim[i] == EntityType::Person {
            if let Some(last) = words.last() {
                let v = person_last.entry(last.to_string()).or_default();
                if !v.contains(&keys[i]) {
                    v.push(keys[i].clone());
                }
            }
        } else if prelim[i] == EntityType::Organization && m.cue_type.is_none() {
            let v = org_first.entry(words[0].to_string()).or_default();
            if !v.contains(&keys[i]) {
                v.push(keys[i].clone());
            }
        }
    }
    let mut forced_person = vec![false; mentions.len()];
    for (i, m) in mentions.iter().enumerate() {
        if m.known.is_some() || m.cue_type.is_some() || keys[i].contains(' ') {
            continue;
        }
        if let Some(v) = person_last.get(&keys[i]) {
            if v.len() == 1 {
                keys[i] = v[0].clone();
                forced_person[i] = true;
                continue;
            }
        }
        if let Some(v) = org_first.get(&keys[i]) {
            if v.len() == 1 {
                keys[i] = v[0].clone();
            }
        }
    }
    // Entities in order of first mention.
    let mut index: FxHashMap<String, usize> = FxHashMap::default();
    let mut ents: Vec<Entity> = Vec::new();
    let mut votes: Vec<Votes> = Vec::new();
    let mut fixed: Vec<Option<EntityType>> = Vec::new();
    let mut longest: Vec<(usize, String)> = Vec::new();
    let mut in_body: Vec<bool> = Vec::new();
    for (i, m) in mentions.iter_mut().enumerate() {
        let id = *index.entry(keys[i].clone()).or_insert_with(|| {
            ents.push(Entity {
                name: String::new(),
                etype: EntityType::Other,
                surfaces: Vec::new(),
                teaser_only: true,
            });
            votes.push([0.0; 5]);
            fixed.push(None);
            longest.push((0, String::new()));
            in_body.push(false);
            ents.len() - 1
        });
        m.entity = id;
        let e = &mut ents[id];
        if !e.surfaces.contains(&m.surface) {
            e.surfaces.push(m.surface.clone());
        }
        let teaser = doc.sents.get(m.sent).is_some_and(|s| s.span.teaser);
        in_body[id] |= !teaser;
        match (&m.known, m.cue_type) {
            (Some((canon, t)), _) => {
                fixed[id] = Some(*t);
                longest[id] = (usize::MAX, canon.clone());
            }
            (None, Some(t)) => fixed[id] = fixed[id].or(Some(t)),
            _ => {}
        }
        if forced_person[i] {
            fixed[id] = fixed[id].or(Some(EntityType::Person));
        }
        let v = vote_of(m);
        for (a, b) in votes[id].iter_mut().zip(v) {
            *a += b;
        }
        let name = strip_legal_suffix(&m.surface).to_string();
        let len = name.chars().count();
        if longest[id].0 != usize::MAX && len > longest[id].0 {
            longest[id] = (len, name);
        }
    }
    for (id, e) in ents.iter_mut().enumerate() {
        e.name = std::mem::take(&mut longest[id].1);
        let ntok = e.name.split_whitespace().count();
        e.etype = fixed[id].unwrap_or_else(|| typing::decide(votes[id], ntok, is_acronym(&e.name)));
        e.teaser_only = !in_body[id];
    }
    for m in mentions.iter_mut() {
        if let Some(e) = ents.get(m.entity) {
            m.etype = e.etype;
        }
    }
    ents
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
