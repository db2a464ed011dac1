//! `rematerialize --reextract`: the current extractor reruns over stored articles and
//! only the differences are appended, tagged with its version.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

fn annals(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_annals"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn reextract_appends_only_differences() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let text = "Megan Ortiz, CEO of Kestrel Robotics, said the company would expand.";
    // An article stored by an older extractor: it found a fact the current rules do not
    // (works_for), and missed the one they do (ceo_of).
    let lines = format!(
        "{}\n{}\n",
        serde_json::json!({"article": {"id": "a1", "title": "T", "language": "en", "text": text}, "tx": 1}),
        serde_json::json!({"subject": "Megan Ortiz", "predicate": "works_for", "object": "Kestrel Robotics",
            "article": "a1", "extractor": "annals-rules/0-old", "tx": 1}),
    );
    let file = dir.path().join("old.jsonl");
    std::fs::write(&file, lines).unwrap();
    let (ok, _, err) = annals(&db, &["import", file.to_str().unwrap()]);
    assert!(ok, "{err}");

    let (ok, _, err) = annals(&db, &["rematerialize", "--reextract"]);
    assert!(ok, "{err}");
    assert!(err.contains("1 changed"), "{err}");

    let (_, out, _) = annals(&db, &["query", "find ?p, ?o where \"Megan Ortiz\" ?p ?o"]);
    assert!(out.contains("ceo_of\tKestrel Robotics"), "{out}");
    assert!(!out.contains("works_for"), "{out}");
    // The older belief is still in the history, as of tx 1.
    let (_, out, _) = annals(
        &db,
        &[
            "query",
            "find ?p where \"Megan Ortiz\" ?p \"Kestrel Robotics\" as of #1",
        ],
    );
    assert!(out.contains("works_for"), "{out}");

    // Unchanged extractor, unchanged articles: nothing more is appended.
    let (_, before, _) = annals(&db, &["stats"]);
    let (ok, _, err) = annals(&db, &["rematerialize", "--reextract"]);
    assert!(ok, "{err}");
    assert!(err.contains("0 changed"), "{err}");
    let (_, after, _) = annals(&db, &["stats"]);
    let commits = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("commits"))
            .map(str::to_string)
    };
    assert_eq!(commits(&before), commits(&after));
}
