//! The scorer: the cascade's output against a hand annotation in the seed's gold format
//! (`../shared/seeds/README.md`).
//!
//! Matching follows the README's "Suggested scoring":
//! - entities match by type and by any mention, folded (case, accents, apostrophes),
//!   a leading article ignored ("L'administration Trump" = "administration Trump") and
//!   country names taken through the shipped gazetteer ("Chine" = "China");
//! - relations match as (subject, predicate, object) after mapping names to gold
//!   entities, with `partner_of` symmetric and equal to `agreement_with`,
//!   `sells_to(A,B)` = `buys_from(B,A)`, `located_in` = `headquartered_in`, and any
//!   overlapping span for `said`;
//! - implied relations, implicit entities, `other` relations and whatever only a teaser
//!   line names give credit when found and no blame when missed.
//!
//! Money and dates are literals in annals, not entities: they are scored apart, as the
//! recall of the gold's Money and Date mentions among the literals found.

use serde::Deserialize;

use super::{extract_detailed, literal, resources, ArticleInput, Gazetteer};
use crate::error::Error;
use crate::value::{fold, EntityType, Value};

#[derive(Debug, Clone, Deserialize)]
pub struct GoldEntity {
    pub name: String,
    #[serde(rename = "type")]
    pub etype: String,
    #[serde(default)]
    pub mentions: Vec<String>,
    #[serde(default)]
    pub implicit: bool,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GoldRelation {
    pub subject: String,
    pub predicate: String,
    pub object: String,
    #[serde(default)]
    pub implied: bool,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Gold {
    pub entities: Vec<GoldEntity>,
    pub relations: Vec<GoldRelation>,
}

/// True positives, false positives, false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prf {
    pub tp: usize,
    pub fp: usize,
    pub fn_: usize,
}

impl Prf {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
    pub fn add(&mut self, o: Prf) {
        self.tp += o.tp;
        self.fp += o.fp;
        self.fn_ += o.fn_;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// The scores of one article, and the mistakes behind them.
#[derive(Debug, Clone, Default)]
pub struct Score {
    pub entities: Prf,
    pub relations: Prf,
    /// (gold money and date mentions found, gold money and date mentions)
    pub literals: (usize, usize),
    /// one line per mistake: "entity FP …", "relation FN …"
    pub mistakes: Vec<String>,
}

/// Matching key of a name: folded, quotes and a leading article removed, known names
/// replaced by their gazetteer canonical.
pub fn name_key(s: &str) -> String {
    let f = fold(s);
    let mut f = f
        .trim_matches(|c: char| c == '"' || c.is_whitespace())
        .to_string();
    for art in ["l'", "le ", "la ", "les ", "the "] {
        if let Some(rest) = f.strip_prefix(art) {
            f = rest.to_string();
            break;
        }
    }
    match resources::get().gazetteer.get(&f) {
        Some((canon, _)) => fold(canon),
        None => f,
    }
}

fn is_teaser_note(note: &Option<String>) -> bool {
    note.as_deref().is_some_and(|n| {
        let n = n.to_lowercase();
        n.contains("lire aussi")
            || n.contains("read also")
            || n.contains("teaser")
            || n.contains("boilerplate")
    })
}

/// Predicate class and argument order used for matching.
fn canonical(pred: &str, s: usize, o: Key) -> (String, Key, Key) {
    let s = Key::Ent(s);
    match pred {
        "partner_of" | "agreement_with" => {
            let (a, b) = if s <= o { (s, o) } else { (o, s) };
            ("partnership".into(), a, b)
        }
        "competitor_of" => {
            let (a, b) = if s <= o { (s, o) } else { (o, s) };
            ("competitor_of".into(), a, b)
        }
        "buys_from" => ("sells_to".into(), o, s),
        "headquartered_in" => ("located_in".into(), s, o),
        p => (p.to_string(), s, o),
    }
}

#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Key {
    /// a gold entity, by index
    Ent(usize),
    /// a literal, folded
    Text(String),
    Money(f64, String),
}

/// Runs the cascade on `input` and scores it against the gold annotation (JSON text).
pub fn score(input: &ArticleInput, gold_json: &str, kb: &dyn Gazetteer) -> Result<Score, Error> {
    let gold: Gold =
        serde_json::from_str(gold_json).map_err(|e| crate::errinput!("gold file: {e}"))?;
    let d = extract_detailed(input, kb);
    let lang = d
        .extraction
        .article
        .language
        .clone()
        .unwrap_or_else(|| "en".into());
    let mut sc = Score::default();
    // Gold entities and their keys.
    let named: Vec<(usize, &GoldEntity)> = gold
        .entities
        .iter()
        .enumerate()
        .filter(|(_, e)| !matches!(e.etype.as_str(), "Money" | "Date"))
        .collect();
    let gkeys: Vec<Vec<String>> = gold
        .entities
        .iter()
        .map(|e| {
            std::iter::once(&e.name)
                .chain(e.mentions.iter())
                .map(|s| name_key(s))
                .collect()
        })
        .collect();
    let gold_of = |keys: &[String]| -> Option<usize> {
        named.iter().map(|(i, _)| *i).find(|i| {
            gkeys
                .get(*i)
                .is_some_and(|g| g.iter().any(|k| keys.contains(k)))
        })
    };
    // Entities.
    let mut matched = vec![false; gold.entities.len()];
    let mut my_gold: Vec<Option<usize>> = Vec::new();
    for (name, ty, surfaces) in &d.surfaces {
        let keys: Vec<String> = std::iter::once(name)
            .chain(surfaces.iter())
            .map(|s| name_key(s))
            .collect();
        let g = gold_of(&keys);
        my_gold.push(g);
        let slot = match g {
            Some(i) => gold.entities.get(i).zip(matched.get_mut(i)),
            None => None,
        };
        match slot {
            Some((ge, seen)) if EntityType::parse(&ge.etype) == Some(*ty) && !*seen => {
                *seen = true;
                sc.entities.tp += 1;
            }
            Some((_, seen)) if *seen => sc.mistakes.push(format!("entity DUP {name} ({ty})")),
            _ => {
                sc.entities.fp += 1;
                sc.mistakes.push(format!("entity FP  {name} ({ty})"));
            }
        }
    }
    for (i, e) in &named {
        let optional = e.implicit || is_teaser_note(&e.note);
        if !matched.get(*i).is_some_and(|&seen| seen) && !optional {
            sc.entities.fn_ += 1;
            sc.mistakes
                .push(format!("entity FN  {} ({})", e.name, e.etype));
        }
    }
    // Literals.
    for e in gold
        .entities
        .iter()
        .filter(|e| matches!(e.etype.as_str(), "Money" | "Date"))
    {
        for m in e.mentions.iter().take(1) {
            sc.literals.1 += 1;
            let fm = fold(m);
            if d.literals.iter().any(|l| {
                let fl = fold(l);
                fl.contains(&fm) || fm.contains(&fl)
            }) {
                sc.literals.0 += 1;
            } else {
                sc.mistakes.push(format!("literal FN {m}"));
            }
        }
    }
    // Relations.
    let ent_key = |name: &str| -> Option<usize> {
        let k = name_key(name);
        // The scorer maps a name through the extraction's own surfaces first.
        for (i, (n, _, surfaces)) in d.surfaces.iter().enumerate() {
            if fold(n) == fold(name) {
                if let Some(g) = my_gold.get(i).copied().flatten() {
                    return Some(g);
                }
                let keys: Vec<String> = surfaces.iter().map(|s| name_key(s)).collect();
                if let Some(g) = gold_of(&keys) {
                    return Some(g);
                }
            }
        }
        gold_of(&[k])
    };
    let money_of = |s: &str| -> Option<Key> {
        literal::find(s, &lang, None)
            .into_iter()
            .find_map(|l| match l.value {
                literal::LitValue::Money(m) => Some(Key::Money(m.amount, m.currency)),
                _ => None,
            })
    };
    struct G {
        key: (String, Key, Key),
        optional: bool,
        said: Option<String>,
        text: String,
    }
    let gold_rel: Vec<G> = gold
        .relations
        .iter()
        .filter_map(|r| {
            let s = gold_of(&[name_key(&r.subject)])?;
            let o = match r.predicate.as_str() {
                "said" => Key::Text(fold(&r.object)),
                "amount" => money_of(&r.object).unwrap_or(Key::Text(fold(&r.object))),
                _ => gold_of(&[name_key(&r.object)])
                    .map(Key::Ent)
                    .unwrap_or(Key::Text(name_key(&r.object))),
            };
            Some(G {
                key: canonical(&r.predicate, s, o),
                optional: r.implied || r.predicate == "other" || is_teaser_note(&r.note),
                said: (r.predicate == "said").then(|| fold(&r.object)),
                text: format!("{} {} {}", r.subject, r.predicate, r.object),
            })
        })
        .collect();
    let mut gmatched = vec![false; gold_rel.len()];
    for f in &d.extraction.facts {
        let text = format!("{} {} {}", f.subject, f.predicate, f.object);
        let Some(s) = ent_key(&f.subject) else {
            sc.relations.fp += 1;
            sc.mistakes.push(format!("relation FP  {text}"));
            continue;
        };
        let o = match &f.object {
            Value::Entity(n) => ent_key(n).map(Key::Ent).unwrap_or(Key::Text(name_key(n))),
            Value::Money(m) => Key::Money(m.amount, m.currency.clone()),
            v => Key::Text(fold(&v.to_string())),
        };
        let key = canonical(&f.predicate, s, o);
        let hit = gold_rel.iter().position(|g| match (&g.said, &key.2) {
            (Some(gq), Key::Text(mine)) if g.key.0 == key.0 && g.key.1 == key.1 => {
                overlaps(gq, mine)
            }
            _ => g.key == key,
        });
        match hit.map(|i| gmatched.get_mut(i)) {
            Some(Some(seen)) if !*seen => {
                *seen = true;
                sc.relations.tp += 1;
            }
            Some(_) => sc.mistakes.push(format!("relation DUP {text}")),
            None => {
                sc.relations.fp += 1;
                sc.mistakes.push(format!("relation FP  {text}"));
            }
        }
    }
    let mut unmapped = 0;
    for r in &gold.relations {
        if gold_of(&[name_key(&r.subject)]).is_none() {
            unmapped += 1;
            if !r.implied {
                sc.relations.fn_ += 1;
                sc.mistakes.push(format!(
                    "relation FN  {} {} {} (subject not an entity)",
                    r.subject, r.predicate, r.object
                ));
            }
        }
    }
    let _ = unmapped;
    for (g, &seen) in gold_rel.iter().zip(&gmatched) {
        if !seen && !g.optional {
            sc.relations.fn_ += 1;
            sc.mistakes.push(format!("relation FN  {}", g.text));
        }
    }
    Ok(sc)
}

/// Whether two folded quotes share a span of four words (or one contains the other).
fn overlaps(a: &str, b: &str) -> bool {
    if a.contains(b) || b.contains(a) {
        return true;
    }
    let wa: Vec<&str> = a.split_whitespace().collect();
    wa.windows(4).any(|w| b.contains(&w.join(" ")))
}
