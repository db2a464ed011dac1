//! Golden snapshot of the extraction output: every entity and fact (subject, predicate,
//! object, qualifiers, evidence, confidence) for every example article and the seed.
//! A change of output fails here; regenerate with `UPDATE_GOLDEN=1 cargo test --test
//! extract_golden` only when the change is intended.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use annals::extract::input::{read_inputs, InputDefaults};
use annals::extract::{extract_detailed, ArticleInput, NoGazetteer};

const GOLDEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/golden/extract_examples.txt"
);

fn articles(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            articles(&p, out);
            continue;
        }
        let n = p.to_string_lossy();
        if !n.ends_with(".gold.json") && (n.ends_with(".txt") || n.ends_with(".json")) {
            out.push(p);
        }
    }
}

fn dump(name: &str, input: &ArticleInput, out: &mut String) {
    let d = extract_detailed(input, &NoGazetteer);
    let x = &d.extraction;
    writeln!(out, "== {name}").unwrap();
    writeln!(out, "article {:?}", x.article).unwrap();
    for (n, t) in &x.entities {
        writeln!(out, "entity {n:?} {t:?}").unwrap();
    }
    for f in &x.facts {
        writeln!(
            out,
            "fact {:?} {:?} {:?} | {:?}",
            f.subject, f.predicate, f.object, f.support
        )
        .unwrap();
    }
    for (n, t, s) in &d.surfaces {
        writeln!(out, "surface {n:?} {t:?} {s:?}").unwrap();
    }
    writeln!(out, "literals {:?}", d.literals).unwrap();
    for t in &d.templates {
        writeln!(out, "template {t}").unwrap();
    }
    writeln!(out, "fired {:?}", d.fired_rules).unwrap();
    writeln!(out, "notices {:?}", x.notices).unwrap();
}

#[test]
fn extraction_output_is_unchanged() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    articles(&root.join("examples/articles"), &mut files);
    let seed = [
        root.join("../shared/seeds/seed-article.fr.txt"),
        root.join("../../shared/seeds/seed-article.fr.txt"),
    ]
    .into_iter()
    .find(|p| p.exists());
    let mut out = String::new();
    let mut all = Vec::new();
    for f in &files {
        let inputs = read_inputs(std::slice::from_ref(f), &InputDefaults::default()).unwrap();
        let name = f.strip_prefix(root).unwrap_or(f).display().to_string();
        for input in &inputs {
            dump(&name, input, &mut out);
            all.push(input.clone());
        }
    }
    // The benchmark's documents: whole articles run together.
    let joined = ArticleInput {
        text: all
            .iter()
            .map(|a| a.text.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        origin: "joined".into(),
        ..Default::default()
    };
    dump("(all examples joined)", &joined, &mut out);
    // The seed lives outside the repository: its section is checked only when present.
    let mut seed_out = String::new();
    if let Some(seed) = &seed {
        let inputs = read_inputs(std::slice::from_ref(seed), &InputDefaults::default()).unwrap();
        for input in &inputs {
            dump("seed-article.fr.txt", input, &mut seed_out);
        }
    } else {
        eprintln!("seed article not found: its section is not checked");
    }
    // The seed's text must not be copied into the repository: only a digest of its
    // dump is kept.
    let seed_golden = GOLDEN.replace("extract_examples.txt", "extract_seed.sha256");
    let seed_out = {
        use sha2::{Digest, Sha256};
        let d = Sha256::digest(seed_out.as_bytes());
        let mut h = d.iter().fold(String::new(), |mut s, b| {
            write!(s, "{b:02x}").unwrap();
            s
        });
        h.push('\n');
        h
    };
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN, &out).unwrap();
        if seed.is_some() {
            std::fs::write(&seed_golden, &seed_out).unwrap();
        }
        return;
    }
    let want = std::fs::read_to_string(GOLDEN).unwrap();
    assert!(
        want == out,
        "extraction output changed; first difference at line {}",
        first_diff(&want, &out)
    );
    if seed.is_some() {
        let want = std::fs::read_to_string(&seed_golden).unwrap();
        assert!(
            want == seed_out,
            "seed extraction changed; first difference at line {}",
            first_diff(&want, &seed_out)
        );
    }
}

fn first_diff(a: &str, b: &str) -> String {
    for (i, (x, y)) in a.lines().zip(b.lines()).enumerate() {
        if x != y {
            return format!("{}:\n  want {x}\n  got  {y}", i + 1);
        }
    }
    format!(
        "{} (length differs)",
        a.lines().count().min(b.lines().count()) + 1
    )
}
