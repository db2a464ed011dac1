//! Extraction quality floors: the scorer (`annals::extract::score`) over the seed
//! article and the example articles with their gold annotations. Floors sit slightly
//! below the scores measured when they were set (see the report in the commit log);
//! a change that lowers quality fails here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use annals::extract::input::{read_inputs, InputDefaults};
use annals::extract::score::{score, Prf};
use annals::extract::NoGazetteer;

fn score_pair(article: &Path, gold: &Path) -> (Prf, Prf) {
    let inputs = read_inputs(&[article.to_path_buf()], &InputDefaults::default()).unwrap();
    let gold = std::fs::read_to_string(gold).unwrap();
    let s = score(&inputs[0], &gold, &NoGazetteer).unwrap();
    (s.entities, s.relations)
}

/// Every `NAME.*` article of a folder with its `NAME.gold.json`, micro-averaged.
fn score_folder(dir: &Path) -> (Prf, Prf, usize) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.to_string_lossy();
            !n.ends_with(".gold.json") && (n.ends_with(".txt") || n.ends_with(".json"))
        })
        .collect();
    files.sort();
    let (mut e, mut r, mut n) = (Prf::default(), Prf::default(), 0);
    for f in files {
        let stem = f
            .file_name()
            .unwrap()
            .to_string_lossy()
            .split('.')
            .next()
            .unwrap()
            .to_string();
        let gold = f.with_file_name(format!("{stem}.gold.json"));
        if gold.exists() {
            let (pe, pr) = score_pair(&f, &gold);
            e.add(pe);
            r.add(pr);
            n += 1;
        }
    }
    (e, r, n)
}

fn check(name: &str, e: Prf, r: Prf, entity_floor: f64, relation_floor: f64) {
    eprintln!("{name}: entity F1 {:.3}, relation F1 {:.3}", e.f1(), r.f1());
    assert!(
        e.f1() >= entity_floor,
        "{name}: entity F1 {:.3} < {entity_floor}",
        e.f1()
    );
    assert!(
        r.f1() >= relation_floor,
        "{name}: relation F1 {:.3} < {relation_floor}",
        r.f1()
    );
}

#[test]
fn seed_article() {
    let candidates = [
        concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/seeds"),
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/seeds"),
    ];
    let Some(dir) = candidates
        .iter()
        .map(Path::new)
        .find(|d| d.join("seed-article.fr.txt").exists())
    else {
        eprintln!("seed article not found under ../shared/seeds: skipped");
        return;
    };
    let (e, r) = score_pair(
        &dir.join("seed-article.fr.txt"),
        &dir.join("seed-article.gold.json"),
    );
    check("seed", e, r, 0.93, 0.72);
}

#[test]
fn example_articles() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/articles"));
    let (e, r, n) = score_folder(dir);
    assert!(n >= 5, "expected at least 5 annotated examples, found {n}");
    check("examples", e, r, 0.97, 0.90);
}

#[test]
fn held_out_articles() {
    // Written after the rules; the first two batches were then used for tuning (their
    // first scores are in the commits that added them and in the README), the last two
    // were written without reading the rules and have not been.
    for (sub, ef, rf) in [
        ("heldout", 0.92, 0.95),
        ("heldout2", 0.95, 0.78),
        ("heldout3", 0.88, 0.59),
        ("heldout4", 0.86, 0.63),
    ] {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/articles")).join(sub);
        if !dir.exists() {
            continue;
        }
        let (e, r, _) = score_folder(&dir);
        check(sub, e, r, ef, rf);
    }
}
