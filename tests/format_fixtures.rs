//! Old databases keep opening and answering. `tests/fixtures/db-v1` and `db-v2` were
//! written by database formats 1 and 2 (each from `tests/fixtures/storage.jsonl`) and are
//! checked in as they were written; every later version must open them, verify them, and
//! give these answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn annals(db: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_annals"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn version_1_database_opens_verifies_and_answers() {
    old_database_opens_verifies_and_answers("db-v1");
}

#[test]
fn version_2_database_opens_verifies_and_answers() {
    old_database_opens_verifies_and_answers("db-v2");
}

fn old_database_opens_verifies_and_answers(fixture: &str) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(fixture);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture),
        &db,
    );
    let (code, out, err) = annals(&db, &["verify"]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, err) = annals(&db, &["query", "find ?s, ?p, ?o where ?s ?p ?o"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "s\tp\to\n\
         Anthropic\tcompetitor_of\tOpenAI\n\
         Elon Musk\tceo_of\tX Corp\n\
         Émirats arabes unis\tapproves\tG42\n\
         G42\tpartner_of\tOpenAI\n\
         Microsoft\tamount\t1500000000 USD\n\
         Microsoft\tinvests_in\tG42\n\
         OpenAI\tcompetitor_of\tAnthropic\n\
         OpenAI\tpartner_of\tG42\n\
         Sam Winter Levy\tsaid\tIt is a \"big\" deal,\\tsaid he\n"
    );
    let (code, out, _) = annals(
        &db,
        &["query", "find ?s, ?o where ?s partner_of ?o as of #2"],
    );
    assert_eq!(code, 0);
    assert_eq!(out, "s\to\nG42\tOpenAI\nOpenAI\tG42\n");

    // And it takes new commits.
    let (code, _, err) = annals(&db, &["query", "assert \"G42\" partner_of \"Microsoft\""]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = annals(&db, &["verify"]);
    assert_eq!(code, 0, "{err}");
}
