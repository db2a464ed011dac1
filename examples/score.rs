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

fn bench(n: usize, paths: &[PathBuf]) {
    let mut files = Vec::new();
    for p in paths {
        files.extend(read_inputs(std::slice::from_ref(p), &InputDefaults::default()).unwrap());
    }
    // ~5 KB documents made of whole articles, in both languages.
    let mut docs: Vec<annals::extract::ArticleInput> = Vec::new();
    let mut cur = String::new();
    for f in files.iter().cycle().take(files.len() * 8) {
        cur.push_str(&f.text);
        cur.push('\n');
        if cur.len() >= 5000 {
            docs.push(annals::extract::ArticleInput {
                text: std::mem::take(&mut cur),
                origin: "bench".into(),
                ..Default::default()
            });
        }
    }
    let bytes: usize = docs.iter().map(|d| d.text.len()).sum::<usize>() / docs.len().max(1);
    // Warm up: rules and lists are compiled on first use.
    let _ = extract(&docs[0], &NoGazetteer);
    let cpu0 = cpu_seconds();
    let start = std::time::Instant::now();
    let mut facts = 0;
    for i in 0..n {
        facts += extract(&docs[i % docs.len()], &NoGazetteer).facts.len();
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    println!(
        "{n} articles of ~{bytes} bytes in {secs:.3} s wall, {cpu:.3} s CPU: {:.0} articles/s wall, {:.0} articles per CPU-second ({facts} facts)",
        n as f64 / secs,
        n as f64 / cpu.max(1e-9),
    );
}

/// User + system CPU time of this process: on a shared machine, throughput per core is
/// articles per CPU-second, not per wall-clock second.
fn cpu_seconds() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0.0;
    }
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--bench") {
        let n: usize = args.get(i + 1).and_then(|x| x.parse().ok()).unwrap_or(1000);
        let paths: Vec<PathBuf> = args
            .iter()
            .enumerate()
            .filter(|(j, a)| *j != i && *j != i + 1 && !a.starts_with('-'))
            .map(|(_, a)| PathBuf::from(a))
            .collect();
        bench(n, &paths);
        return;
    }
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
