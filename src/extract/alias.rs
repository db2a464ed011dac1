//! `suggest aliases`: pairs of entity names that may denote one referent ("Elon Mask" /
//! "Elon Musk", "Wissam Altman" / "Sam Altman"), scored from the names and from the
//! neighbours the two entities share in the knowledge base. It only suggests: merging is
//! an `alias` statement the user writes.
//!
//! Names are compared token by token, surname (last token) first: whole-string
//! similarity rates "Donald Trump" ~ "Donald Tusk" above "Wissam Altman" ~ "Sam
//! Altman", which is backwards for news names (mistranslations mangle the given name,
//! rarely the surname while keeping the given name).

use rustc_hash::{FxHashMap, FxHashSet};

use crate::value::{fold, EntityType};

/// A suggested alias pair.
#[derive(Debug, Clone, PartialEq)]
pub struct AliasSuggestion {
    pub a: String,
    pub b: String,
    pub score: f64,
    pub reason: String,
}

fn tokens(s: &str) -> Vec<String> {
    fold(s)
        .split(|c: char| c.is_whitespace() || c == '-' || c == '.' || c == ',' || c == '"')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // `prev` is the row of the previous char of `a`; `cur` is built from it, cell by
    // cell: `left` is the cell just built, `diag` and `up` are the cells of `prev` above
    // and above-left of the next.
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur: Vec<usize> = Vec::with_capacity(b.len() + 1);
    for (i, ca) in a.chars().enumerate() {
        cur.clear();
        let mut left = i + 1;
        cur.push(left);
        for ((&diag, &up), &cb) in prev.iter().zip(prev.iter().skip(1)).zip(&b) {
            let cost = usize::from(ca != cb);
            left = (up + 1).min(left + 1).min(diag + cost);
            cur.push(left);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(b.len())
}

/// Similarity of two folded tokens in [0, 1]: edit distance, with a short form that ends
/// or starts the other ("sam" / "wissam", "bob" / "bobby") counted as close.
fn token_sim(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let (la, lb) = (a.chars().count(), b.chars().count());
    let max = la.max(lb);
    if max == 0 {
        return 0.0;
    }
    let edit = 1.0 - levenshtein(a, b) as f64 / max as f64;
    let short = la.min(lb);
    let affix =
        short >= 3 && (a.ends_with(b) || b.ends_with(a) || a.starts_with(b) || b.starts_with(a));
    if affix {
        edit.max(0.8)
    } else {
        edit
    }
}

/// How alike two names are, in [0, 1], compared token by token, surname first.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let ta = tokens(a);
    let tb = tokens(b);
    let (Some((la, ra)), Some((lb, rb))) = (ta.split_last(), tb.split_last()) else {
        return 0.0;
    };
    if ta == tb {
        return 1.0;
    }
    // Surname first: the last tokens weigh 0.6, the given names 0.4.
    let last = token_sim(la, lb);
    let rest = if ra.is_empty() || rb.is_empty() {
        0.7 // one side gives no first name: neither evidence for nor against
    } else {
        let (short, long) = if ra.len() <= rb.len() {
            (ra, rb)
        } else {
            (rb, ra)
        };
        short
            .iter()
            .map(|x| long.iter().map(|y| token_sim(x, y)).fold(0.0, f64::max))
            .sum::<f64>()
            / short.len() as f64
    };
    let surname_first = 0.6 * last + 0.4 * rest;
    // In-order alignment of the shorter name inside the longer one, for organizations
    // ("Borkhhan World" / "Burkhan World Investments"), a little below an exact length.
    let (short, long) = if ta.len() <= tb.len() {
        (&ta, &tb)
    } else {
        (&tb, &ta)
    };
    let mut from = 0;
    let mut sum = 0.0;
    for x in short.iter() {
        let mut best = (0.0, from);
        for (k, y) in long.iter().enumerate().skip(from) {
            let s = token_sim(x, y);
            if s > best.0 {
                best = (s, k + 1);
            }
        }
        sum += best.0;
        from = best.1;
    }
    let aligned = sum / short.len() as f64 * (0.85 + 0.15 * short.len() as f64 / long.len() as f64);
    surname_first.max(aligned).clamp(0.0, 1.0)
}

/// Suggests alias pairs among `names` (same type only), best first. `neighbours(name)`
/// gives the names an entity is related to; shared neighbours raise a pair's score.
/// With `target`, only pairs involving that name are considered.
pub fn suggest(
    names: &[(String, EntityType)],
    neighbours: &dyn Fn(&str) -> Vec<String>,
    target: Option<&str>,
    limit: usize,
) -> Vec<AliasSuggestion> {
    let folded: Vec<String> = names.iter().map(|(n, _)| fold(n)).collect();
    let target = target.map(fold);
    // Blocking: only names sharing a token prefix are compared (a KB has many names).
    let mut blocks: FxHashMap<(EntityType, String), Vec<usize>> = FxHashMap::default();
    for (i, (n, t)) in names.iter().enumerate() {
        if matches!(t, EntityType::Article | EntityType::Note) {
            continue;
        }
        let mut keys: FxHashSet<String> = FxHashSet::default();
        for tok in tokens(n) {
            keys.insert(tok.chars().take(2).collect());
            keys.insert(tok.chars().rev().take(2).collect());
        }
        for k in keys {
            blocks.entry((*t, k)).or_default().push(i);
        }
    }
    let mut pairs: FxHashSet<(usize, usize)> = FxHashSet::default();
    for ids in blocks.values() {
        let mut rest = ids.as_slice();
        while let Some((&i, tail)) = rest.split_first() {
            rest = tail;
            for &j in tail {
                let (i, j) = if i < j { (i, j) } else { (j, i) };
                let (Some(fi), Some(fj)) = (folded.get(i), folded.get(j)) else {
                    continue;
                };
                if fi == fj {
                    continue;
                }
                if let Some(t) = &target {
                    if fi != t && fj != t {
                        continue;
                    }
                }
                pairs.insert((i, j));
            }
        }
    }
    let mut cache: FxHashMap<usize, FxHashSet<String>> = FxHashMap::default();
    let mut neigh = |i: usize, name: &str| -> FxHashSet<String> {
        cache
            .entry(i)
            .or_insert_with(|| neighbours(name).iter().map(|n| fold(n)).collect())
            .clone()
    };
    let mut out = Vec::new();
    let mut pairs: Vec<(usize, usize)> = pairs.into_iter().collect();
    pairs.sort_unstable();
    for (i, j) in pairs {
        let (Some((a, _)), Some((b, _))) = (names.get(i), names.get(j)) else {
            continue;
        };
        let ns = name_similarity(a, b);
        if ns < 0.6 {
            continue;
        }
        let (na, nb) = (neigh(i, a), neigh(j, b));
        let shared: Vec<&String> = {
            let mut v: Vec<&String> = na.intersection(&nb).collect();
            v.sort();
            v
        };
        let union = na.union(&nb).count();
        let jaccard = if union == 0 {
            0.0
        } else {
            shared.len() as f64 / union as f64
        };
        let score =
            (0.8 * ns + 0.2 * jaccard + if shared.is_empty() { 0.0 } else { 0.05 }).min(1.0);
        let mut reason = format!("names {ns:.2} alike, surname first");
        if !shared.is_empty() {
            let list: Vec<&str> = shared.iter().take(3).map(|s| s.as_str()).collect();
            reason.push_str(&format!(
                "; {} shared neighbour(s): {}",
                shared.len(),
                list.join(", ")
            ));
        }
        out.push(AliasSuggestion {
            a: a.clone(),
            b: b.clone(),
            score,
            reason,
        });
    }
    out.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.a.cmp(&y.a))
            .then_with(|| x.b.cmp(&y.b))
    });
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distances() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("flaw", "lawn"), 2);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("abc", ""), 3);
        assert_eq!(levenshtein("", ""), 0);
        assert_eq!(levenshtein("Zoé", "Zoe"), 1);
    }

    #[test]
    fn surname_first() {
        let altman = name_similarity("Wissam Altman", "Sam Altman");
        let musk = name_similarity("Elon Mask", "Elon Musk");
        let tusk = name_similarity("Donald Trump", "Donald Tusk");
        assert!(altman > 0.85, "{altman}");
        assert!(musk > 0.8, "{musk}");
        assert!(tusk < musk && tusk < altman, "{tusk}");
        assert!(name_similarity("Borkhhan World", "Burkhan World Investments") > 0.7);
        assert_eq!(name_similarity("", "x"), 0.0);
        assert_eq!(name_similarity("G42", "g42"), 1.0);
    }

    #[test]
    fn suggestions_same_type_with_neighbours() {
        let names = vec![
            ("Elon Mask".to_string(), EntityType::Person),
            ("Elon Musk".to_string(), EntityType::Person),
            ("Elon Musk Foundation".to_string(), EntityType::Organization),
            ("Donald Tusk".to_string(), EntityType::Person),
            ("Donald Trump".to_string(), EntityType::Person),
        ];
        let nb = |n: &str| -> Vec<String> {
            match n {
                "Elon Mask" | "Elon Musk" => vec!["Tesla".to_string()],
                _ => vec![],
            }
        };
        let s = suggest(&names, &nb, None, 10);
        assert_eq!(
            (s[0].a.as_str(), s[0].b.as_str()),
            ("Elon Mask", "Elon Musk")
        );
        assert!(s[0].reason.contains("tesla"));
        assert!(s
            .iter()
            .all(|x| !(x.a.contains("Foundation") || x.b.contains("Foundation"))));
        let t = suggest(&names, &nb, Some("donald trump"), 10);
        assert!(t
            .iter()
            .all(|x| x.a == "Donald Trump" || x.b == "Donald Trump"));
    }
}
