//! Reading article files: formats, folders, bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use annals::extract::input::{read_inputs, InputDefaults};
use annals::extract::{extract, NoGazetteer};

#[test]
fn folders_are_read_recursively_in_order_and_gold_files_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("b");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(dir.path().join("z.txt"), "Texte z.").unwrap();
    std::fs::write(dir.path().join("a.md"), "Texte a.").unwrap();
    std::fs::write(
        sub.join("c.json"),
        r#"{"title":"C","published":"2025-05-13","text":"Texte c."}"#,
    )
    .unwrap();
    std::fs::write(sub.join("c.gold.json"), r#"{"entities":[],"relations":[]}"#).unwrap();
    std::fs::write(dir.path().join("notes.csv"), "x").unwrap();
    let defaults = InputDefaults {
        lang: Some("fr".into()),
        url: Some("http://x".into()),
        ..Default::default()
    };
    let got = read_inputs(&[dir.path().to_path_buf()], &defaults).unwrap();
    let texts: Vec<&str> = got.iter().map(|a| a.text.as_str()).collect();
    assert_eq!(texts, vec!["Texte a.", "Texte c.", "Texte z."]);
    assert_eq!(got[1].title.as_deref(), Some("C"));
    assert_eq!(got[0].url.as_deref(), Some("http://x"));
    assert_eq!(got[0].language.as_deref(), Some("fr"));
}

#[test]
fn bad_files_are_refused_with_their_name() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin.txt");
    std::fs::write(&bin, b"abc\0def").unwrap();
    let e = read_inputs(&[bin], &InputDefaults::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("bin.txt") && e.contains("binary"), "{e}");
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, b"  \n").unwrap();
    let e = read_inputs(&[empty], &InputDefaults::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("empty.txt") && e.contains("empty"), "{e}");
    let missing: PathBuf = dir.path().join("nope.txt");
    assert!(read_inputs(&[missing], &InputDefaults::default()).is_err());
}

#[test]
fn windows_1252_is_decoded_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("cp.txt");
    std::fs::write(&f, b"L\x92\xe9t\xe9 de Tesla.").unwrap();
    let got = read_inputs(&[f], &InputDefaults::default()).unwrap();
    assert_eq!(got[0].text, "L\u{2019}\u{e9}t\u{e9} de Tesla.");
    let x = extract(&got[0], &NoGazetteer);
    assert!(
        x.notices.iter().any(|n| n.contains("Windows-1252")),
        "{:?}",
        x.notices
    );
}

#[test]
fn article_ids_default_to_the_text_hash() {
    let got = annals::extract::ArticleInput {
        text: "abc".into(),
        ..Default::default()
    };
    let x = extract(&got, &NoGazetteer);
    assert_eq!(x.article.id, "ba7816bf8f01");
    assert_eq!(
        x.article.content_hash,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}
