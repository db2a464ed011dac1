//! Scores the extractor against hand annotations.
//!
//! ```text
//! cargo run --release --example score -- ARTICLE [GOLD] [ARTICLE [GOLD]]... [--verbose]
//! cargo run --release --example score -- examples/articles/      # NAME.gold.json beside NAME.txt
//! ```
//! An article's gold defaults to `NAME.gold.json` next to it (for `seed-article.fr.txt`,
//! the `seed-article.gold.json` beside it). `--verbose` lists each mistake and fact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use annals::extract::input::{read_inputs, InputDefaults};
use annals::extract::score::{score, Prf};
use annals::extract::{extract, NoGazetteer};

fn gold_for(article: &Path) -> PathBuf {
    let name = article.file_name().and_then(|n| n.to_str()).unwrap_or("");
    // NAME.fr.txt → NAME.gold.json; NAME.txt / NAME.json → NAME.gold.json
    let stem = name.split('.').next().unwrap_or(name);
    article.with_file_name(format!("{stem}.gold.json"))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v");
    let mut pairs: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut it = args.iter().filter(|a| !a.starts_with('-')).peekable();
    while let Some(a) = it.next() {
        let p = PathBuf::from(a);
        if p.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&p)
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    let n = f.to_string_lossy();
                    !n.ends_with(".gold.json") && (n.ends_with(".txt") || n.ends_with(".json"))
                })
                .collect();
            files.sort();
            for f in files {
                let g = gold_for(&f);
                if g.exists() {
                    pairs.push((f, g));
                }
            }
            continue;
        }
        let gold = match it.peek() {
            Some(g) if g.ends_with(".gold.json") => PathBuf::from(it.next().unwrap()),
            _ => gold_for(&p),
        };
        pairs.push((p, gold));
    }
    if pairs.is_empty() {
        eprintln!("usage: score ARTICLE [GOLD]... | FOLDER [--verbose]");
        std::process::exit(2);
    }
    println!(
        "{:<32} {:>4} | {:>5} {:>5} {:>5} | {:>5} {:>5} {:>5} | {:>7}",
        "article", "lang", "ent P", "R", "F1", "rel P", "R", "F1", "literal"
    );
    let (mut te, mut tr, mut tl) = (Prf::default(), Prf::default(), (0, 0));
    for (article, gold) in &pairs {
        let inputs = match read_inputs(std::slice::from_ref(article), &InputDefaults::default()) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("{}: {e}", article.display());
                continue;
            }
        };
        let gold_text =
            std::fs::read_to_string(gold).unwrap_or_else(|e| panic!("{}: {e}", gold.display()));
        for input in inputs {
            let s = match score(&input, &gold_text, &NoGazetteer) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("{}: {e}", gold.display());
                    continue;
                }
            };
            let name = article.file_name().and_then(|n| n.to_str()).unwrap_or("?");
            let lang = extract(&input, &NoGazetteer)
                .article
                .language
                .unwrap_or_default();
            println!(
                "{:<32} {:>4} | {:>5.2} {:>5.2} {:>5.2} | {:>5.2} {:>5.2} {:>5.2} | {:>3}/{:<3}",
                name,
                lang,
                s.entities.precision(),
                s.entities.recall(),
                s.entities.f1(),
                s.relations.precision(),
                s.relations.recall(),
                s.relations.f1(),
                s.literals.0,
                s.literals.1
            );
            if verbose {
                for m in &s.mistakes {
                    println!("    {m}");
                }
                if std::env::var_os("SCORE_TEMPLATES").is_some() {
                    for t in annals::extract::extract_detailed(&input, &NoGazetteer).templates {
                        println!("    tpl {t}");
                    }
                }
                for f in extract(&input, &NoGazetteer).facts {
                    let q: Vec<String> = f
                        .support
                        .qualifiers
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    println!(
                        "    fact {} {} {} [{}]",
                        f.subject,
                        f.predicate,
                        f.object,
                        q.join(", ")
                    );
                }
            }
            te.add(s.entities);
            tr.add(s.relations);
            tl.0 += s.literals.0;
            tl.1 += s.literals.1;
        }
    }
    println!(
        "{:<32} {:>4} | {:>5.2} {:>5.2} {:>5.2} | {:>5.2} {:>5.2} {:>5.2} | {:>3}/{:<3}",
        "TOTAL (micro)",
        "",
        te.precision(),
        te.recall(),
        te.f1(),
        tr.precision(),
        tr.recall(),
        tr.f1(),
        tl.0,
        tl.1
    );
}
