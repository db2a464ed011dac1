//! The shipped word lists (`rules/gazetteer/*`), embedded at build time so the binary is
//! self-contained, parsed once on first use.
//!
//! A malformed line is skipped rather than fatal: these files are ours, and a test
//! (`every_list_loads`) checks that each one yields entries.

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::value::{fold, EntityType};

const COUNTRIES: &str = include_str!("../../rules/gazetteer/countries.tsv");
const PLACES: &str = include_str!("../../rules/gazetteer/places.tsv");
const ORGS: &str = include_str!("../../rules/gazetteer/organizations.tsv");
const DEMONYMS: &str = include_str!("../../rules/gazetteer/demonyms.tsv");
const TITLES: &str = include_str!("../../rules/gazetteer/titles.tsv");
const FIRSTNAMES: &str = include_str!("../../rules/gazetteer/firstnames.txt");
const STOPWORDS: &str = include_str!("../../rules/gazetteer/stopwords.txt");

pub struct Resources {
    /// folded surface form → (canonical name, type)
    pub gazetteer: FxHashMap<String, (String, EntityType)>,
    /// the longest gazetteer entry, in tokens (bounds the longest-match search)
    pub max_gaz_words: usize,
    /// first words, in lower case, of multi-word gazetteer names ("département du
    /// Commerce"): only at these words is a lower-case start tried
    pub gaz_lower_heads: FxHashSet<String>,
    /// folded demonym → country canonical name
    pub demonyms: FxHashMap<String, String>,
    /// folded title → predicate
    pub titles: FxHashMap<String, String>,
    pub firstnames: FxHashSet<String>,
    pub stopwords: FxHashSet<String>,
}

fn lines(src: &str) -> impl Iterator<Item = &str> {
    src.lines()
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}

fn load() -> Resources {
    let mut gazetteer = FxHashMap::default();
    let mut max_gaz_words = 1;
    let mut gaz_lower_heads = FxHashSet::default();
    for (src, ty) in [
        (COUNTRIES, EntityType::Country),
        (PLACES, EntityType::Place),
        (ORGS, EntityType::Organization),
    ] {
        for line in lines(src) {
            let mut cols = line.split('\t');
            let surface = cols.next().unwrap_or("").trim();
            let canonical = cols
                .next()
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .unwrap_or(surface);
            let ty = cols.next().and_then(EntityType::parse).unwrap_or(ty);
            if surface.is_empty() {
                continue;
            }
            let toks = crate::extract::token::tokenize(surface, 0, surface.len());
            max_gaz_words = max_gaz_words.max(toks.len());
            if toks.len() > 1 {
                if let Some(t) = toks.first() {
                    gaz_lower_heads.insert(fold(t.text(surface)));
                }
            }
            gazetteer.insert(fold(surface), (canonical.to_string(), ty));
        }
    }
    let mut demonyms = FxHashMap::default();
    for line in lines(DEMONYMS) {
        if let Some((forms, country)) = line.split_once('\t') {
            for f in forms.split(',') {
                demonyms.insert(fold(f), country.trim().to_string());
            }
        }
    }
    let mut titles = FxHashMap::default();
    for line in lines(TITLES) {
        if let Some((t, p)) = line.split_once('\t') {
            titles.insert(fold(t), p.trim().to_string());
        }
    }
    let words = |src: &str| -> FxHashSet<String> {
        lines(src)
            .flat_map(|l| l.split_whitespace())
            .map(fold)
            .collect()
    };
    let stopwords = words(STOPWORDS);
    gaz_lower_heads.retain(|w| !stopwords.contains(w) && !w.chars().all(|c| c.is_ascii_digit()));
    Resources {
        gazetteer,
        max_gaz_words,
        gaz_lower_heads,
        demonyms,
        titles,
        firstnames: words(FIRSTNAMES),
        stopwords,
    }
}

/// The shipped lists, parsed on first use.
pub fn get() -> &'static Resources {
    static R: OnceLock<Resources> = OnceLock::new();
    R.get_or_init(load)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_loads() {
        let r = get();
        assert_eq!(
            r.gazetteer.get("emirats arabes unis").map(|x| x.1),
            Some(EntityType::Country)
        );
        assert_eq!(
            r.gazetteer.get("washington post").map(|x| x.1),
            Some(EntityType::Organization)
        );
        assert_eq!(
            r.gazetteer.get("moyen-orient").map(|x| x.1),
            Some(EntityType::Place)
        );
        assert_eq!(
            r.demonyms.get("saoudienne").map(String::as_str),
            Some("Saudi Arabia")
        );
        assert_eq!(r.titles.get("pdg").map(String::as_str), Some("ceo_of"));
        assert!(r.firstnames.contains("andrew"));
        assert!(r.stopwords.contains("selon"));
        assert!(r.max_gaz_words >= 3);
    }
}
