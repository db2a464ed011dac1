#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The storage commands through the binary: golden output of `stats`, `log` and `export`
//! in every format, bad imports, the export → import round trip, corruption, `ACKED`, the
//! lock, and a newer format. Regenerate the golden files with `UPDATE_GOLDEN=1`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use annals::store::{MetaKey, Store};
use annals::view::View;
use annals::{Kb, OpenOptions};

const DATASET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/storage.jsonl");

fn annals(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_annals"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("ANNALS_DB")
        .output()
        .unwrap()
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = annals(db, args);
    assert!(
        out.status.success(),
        "annals {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn loaded() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kb");
    ok(&db, &["import", DATASET]);
    (dir, db)
}

/// Compares with (or with UPDATE_GOLDEN=1 writes) `tests/golden/<name>`.
fn golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing: run with UPDATE_GOLDEN=1", path.display()));
    assert_eq!(expected, actual, "golden file {name} differs");
}

/// Replaces the number after `disk_bytes` (its size varies with sled's files).
fn mask_disk_bytes(s: &str) -> String {
    let re = regex::Regex::new(r#"(disk_bytes"?[,\t:\]\[" ]*(?:"value":)?)\d+"#).unwrap();
    re.replace_all(s, "${1}N").into_owned()
}

#[test]
fn golden_stats_log_export() {
    let (_dir, db) = loaded();
    let mut text = String::new();
    for f in ["tsv", "csv", "json", "jsonl"] {
        text.push_str(&format!("### --format {f} stats\n"));
        text.push_str(&mask_disk_bytes(&ok(&db, &["--format", f, "stats"])));
    }
    golden("storage_stats.txt", &text);

    let mut text = String::new();
    for f in ["table", "tsv", "csv", "json", "jsonl"] {
        text.push_str(&format!("### log --format {f}\n"));
        text.push_str(&ok(&db, &["log", "--format", f]));
    }
    text.push_str("### log --since 3 --limit 2\n");
    text.push_str(&ok(&db, &["log", "--since", "3", "--limit", "2"]));
    golden("storage_log.txt", &text);

    let mut text = String::new();
    for what in ["facts", "entities", "events"] {
        for f in ["jsonl", "csv", "ntriples", "tsv", "json"] {
            if what == "events" && f == "ntriples" {
                continue;
            }
            text.push_str(&format!("### export {what} --format {f}\n"));
            text.push_str(&ok(&db, &["export", what, "--format", f]));
        }
    }
    text.push_str("### --format csv export entities\n");
    text.push_str(&ok(&db, &["--format", "csv", "export", "entities"]));
    golden("storage_export.txt", &text);
}

/// Names by prefix come from the checkpoint's sorted names until a name is interned,
/// then from the view's own index: both give the same rows, new names included.
#[test]
fn prefix_queries_agree_before_and_after_new_names() {
    let (_dir, db) = loaded();
    let q = "find ?e, ?n where ?e name ?n, ?n starts_with \"o\"";
    assert_eq!(
        ok(&db, &["--format", "tsv", "query", q]),
        "e\tn\nOpenAI\tOpenAI\n"
    );
    ok(
        &db,
        &["query", "assert \"Orbital Labs\" partner_of \"OpenAI\""],
    );
    ok(&db, &["query", "assert \"Zeta\" partner_of \"ÖBB\""]);
    let want = "e\tn\nÖBB\tÖBB\nOpenAI\tOpenAI\nOrbital Labs\tOrbital Labs\n";
    assert_eq!(ok(&db, &["--format", "tsv", "query", q]), want);
    ok(&db, &["rematerialize"]);
    assert_eq!(ok(&db, &["--format", "tsv", "query", q]), want);
}

fn log_tx(db: &Path) -> String {
    ok(db, &["stats"])
        .lines()
        .find(|l| l.starts_with("log_tx"))
        .unwrap()
        .to_string()
}

#[test]
fn bad_import_lines_name_file_and_line_and_append_nothing() {
    let (dir, db) = loaded();
    let before = log_tx(&db);
    let cases: [(&str, &str); 6] = [
        ("{\"subject\": \"A\", \"predicate\": \"ceo_of\", \"object\": \"B\"}\n{\"subject\": \"A\"", "bad.jsonl:2:"),
        ("{\"subject\": \"A\", \"predicate\": \"ceo_of\"}", "`object` is missing"),
        ("{\"subject\": \"A\", \"predicate\": \"ceo_of\", \"object\": \"B\", \"confidence\": \"high\"}", "invalid type"),
        ("{\"tx\": 5, \"alias\": \"a\", \"canonical\": \"b\"}\n{\"tx\": 4, \"alias\": \"c\", \"canonical\": \"d\"}", "must ascend"),
        ("{\"subject\": \"A\", \"predicate\": \"ceo_of\", \"object\": \"B\", \"subject_type\": \"Alien\"}", "unknown entity type"),
        ("\n\n{\"subject\": \"A\", \"predicate\": \"x\", \"object\": \"\u{0}\"", "bad.jsonl:3:"),
    ];
    let good = dir.path().join("good.jsonl");
    std::fs::write(
        &good,
        "{\"subject\": \"Z\", \"predicate\": \"ceo_of\", \"object\": \"Y\"}\n",
    )
    .unwrap();
    for (content, expect) in cases {
        let bad = dir.path().join("bad.jsonl");
        std::fs::write(&bad, content).unwrap();
        // A good file first: all or nothing across files.
        let out = annals(
            &db,
            &["import", good.to_str().unwrap(), bad.to_str().unwrap()],
        );
        assert_eq!(out.status.code(), Some(1), "{content}");
        let err = stderr(&out);
        assert!(err.contains("bad.jsonl:"), "{err}");
        assert!(err.contains(expect), "{err} should contain {expect}");
    }
    std::fs::write(dir.path().join("bin.jsonl"), [0xff, 0xfe, b'\n']).unwrap();
    let out = annals(
        &db,
        &["import", dir.path().join("bin.jsonl").to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bin.jsonl:1:"), "{}", stderr(&out));
    assert_eq!(before, log_tx(&db));
    assert!(ok(&db, &["verify"]).contains("verify: ok"));
}

/// Every live entity-level fact as of `at`, by names.
fn facts_at(view: &View, at: u64) -> Vec<String> {
    let snap = view.snapshot(Some(at));
    let mut out = Vec::new();
    snap.facts(None, &mut |f| {
        let o = match snap.term(f.o).unwrap() {
            annals::view::TermRef::Entity { name, .. } => format!("entity {name}"),
            annals::view::TermRef::Literal(v) => format!("{} {v}", v.kind()),
        };
        let mut sources: Vec<String> = snap
            .sources(f.s, f.p, f.o)
            .into_iter()
            .map(|t| snap.name(t).unwrap().to_string())
            .collect();
        sources.sort();
        out.push(format!(
            "{} {} {o} {:?} type={:?}",
            snap.name(f.s).unwrap(),
            view.pred(f.p).unwrap().name,
            sources,
            snap.entity_type(f.s)
        ));
    });
    out.sort();
    out
}

#[test]
fn export_import_round_trip_answers_the_same_as_of_every_tx() {
    let (dir, db) = loaded();
    // A commit made now, without tx, on top of the dataset.
    let extra = dir.path().join("extra.jsonl");
    std::fs::write(&extra, "{\"subject\": \"Anthropic\", \"predicate\": \"partner_of\", \"object\": \"G42\", \"article\": \"blog-1\", \"published\": \"2025-06-01\"}\n{\"alias\": \"G-42\", \"canonical\": \"G42\"}\n").unwrap();
    ok(&db, &["import", extra.to_str().unwrap()]);
    let events = ok(&db, &["export", "events"]);
    let dump = dir.path().join("events.jsonl");
    std::fs::write(&dump, &events).unwrap();
    let db2 = dir.path().join("restored");
    ok(&db2, &["import", dump.to_str().unwrap()]);
    assert_eq!(events, ok(&db2, &["export", "events"]));
    for what in ["facts", "entities"] {
        assert_eq!(ok(&db, &["export", what]), ok(&db2, &["export", what]));
    }
    let a = Kb::open(&db, OpenOptions::default()).unwrap();
    let b = Kb::open(&db2, OpenOptions::default()).unwrap();
    a.view().same_as(b.view()).unwrap();
    assert_eq!(a.last_tx(), 7);
    for at in 0..=a.last_tx() {
        assert_eq!(
            facts_at(a.view(), at),
            facts_at(b.view(), at),
            "as of #{at}"
        );
    }
}

/// Flips a bit in the middle of the stored record that holds commit `tx`, and returns
/// that record's key (the tx of its last commit).
fn damage_commit(db: &Path, tx: u64) -> u64 {
    let store = open_store(db);
    let (key, mut bytes) = store.get_record(tx).unwrap().unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    store.put_raw_record(key, &bytes).unwrap();
    store.sync().unwrap();
    key
}

fn open_store(db: &Path) -> Store {
    Store::open(&db.join("log"), "test", Some(Duration::from_secs(5))).unwrap()
}

#[test]
fn a_flipped_byte_is_found_by_verify() {
    let (_dir, db) = loaded();
    // The import stored its commits as one run: the damage is reported at its key.
    let key = damage_commit(&db, 2);
    assert_eq!(key, 6);
    let out = annals(&db, &["verify"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("tx 6"), "{}", stderr(&out));
    // A commit alone in its record is named itself.
    let (_dir, db) = loaded();
    ok(&db, &["query", "assert \"G42\" partner_of \"Microsoft\""]);
    assert_eq!(damage_commit(&db, 7), 7);
    let out = annals(&db, &["verify"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("tx 7"), "{}", stderr(&out));
}

#[test]
fn a_log_shorter_than_acked_is_corruption() {
    let (_dir, db) = loaded();
    std::fs::write(db.join("ACKED"), "9\n").unwrap();
    for cmd in ["verify", "stats"] {
        let out = annals(&db, &[cmd]);
        assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
        assert!(stderr(&out).contains("tx 7"), "{}", stderr(&out));
    }
}

#[test]
fn unacknowledged_commits_are_dropped_with_a_notice() {
    let (dir, db) = loaded();
    // Two later writes whose acknowledgement never happened: one commit, then a run.
    ok(&db, &["query", "assert \"G42\" partner_of \"Microsoft\""]);
    let more = dir.path().join("more.jsonl");
    std::fs::write(&more, "{\"tx\": 1, \"alias\": \"G-42\", \"canonical\": \"G42\"}\n{\"tx\": 2, \"alias\": \"MSFT\", \"canonical\": \"Microsoft\"}\n").unwrap();
    ok(&db, &["import", more.to_str().unwrap()]);
    assert!(ok(&db, &["stats"]).contains("log_tx\t9"));
    std::fs::write(db.join("ACKED"), "6\n").unwrap();
    let out = annals(&db, &["stats"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("dropped 3 commit(s) after tx 6"),
        "{}",
        stderr(&out)
    );
    assert!(ok(&db, &["stats"]).contains("log_tx\t6"));
    assert!(ok(&db, &["verify"]).contains("verify: ok"));
}

#[test]
fn acked_within_a_run_is_corruption_and_nothing_is_dropped() {
    // No build writes this: a run never spans two writes, and ACKED moves to the end of
    // a write. An ACKED edited into the middle of the import's run must not make the
    // open drop acknowledged commits along with the rest of the run.
    let (_dir, db) = loaded();
    std::fs::write(db.join("ACKED"), "4\n").unwrap();
    let out = annals(&db, &["stats"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stderr(&out).contains("tx 4"), "{}", stderr(&out));
    std::fs::write(db.join("ACKED"), "6\n").unwrap();
    assert!(ok(&db, &["verify"]).contains("verify: ok"));
}

#[test]
fn a_damaged_checkpoint_is_rebuilt_with_a_notice() {
    let (_dir, db) = loaded();
    let snap = db.join("view.snap");
    let mut bytes = std::fs::read(&snap).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x10;
    std::fs::write(&snap, bytes).unwrap();
    let out = annals(&db, &["stats"]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("checksum"), "{}", stderr(&out));
    let out = annals(&db, &["verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).is_empty(),
        "rewritten at close: {}",
        stderr(&out)
    );
}

#[test]
fn a_checkpoint_of_an_older_format_is_rebuilt_with_a_notice() {
    let (_dir, db) = loaded();
    let before = ok(&db, &["stats"]);
    let snap = db.join("view.snap");
    let mut bytes = std::fs::read(&snap).unwrap();
    // The format field (offset 8, u16 big-endian): format 3 stored adjacency as varint arrays.
    bytes[8..10].copy_from_slice(&3u16.to_be_bytes());
    std::fs::write(&snap, bytes).unwrap();
    let out = annals(&db, &["stats"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("its format 3 is not this build's")
            && stderr(&out).contains("rebuilding the view from the log"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        mask_disk_bytes(&String::from_utf8_lossy(&out.stdout)),
        mask_disk_bytes(&before)
    );
    let out = annals(&db, &["verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "rewritten: {}", stderr(&out));
}

#[test]
fn a_second_process_gets_exit_3_quickly() {
    let (_dir, db) = loaded();
    let kb = Kb::open(&db, OpenOptions::default()).unwrap();
    let t = Instant::now();
    let out = annals(&db, &["stats"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    let err = stderr(&out);
    assert!(
        err.contains(db.to_str().unwrap()) && err.contains("in use"),
        "{err}"
    );
    // --wait outlasts a holder that lets go.
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(400));
        drop(kb);
    });
    let out = annals(&db, &["--wait", "10", "stats"]);
    releaser.join().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_newer_format_is_refused() {
    let (_dir, db) = loaded();
    {
        let store = open_store(&db);
        store
            .set_meta(MetaKey::FormatVersion, &99u32.to_be_bytes())
            .unwrap();
        store.sync().unwrap();
    }
    let out = annals(&db, &["stats"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("upgrade annals"), "{}", stderr(&out));
}

#[test]
fn missing_database_and_plain_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = annals(&dir.path().join("nothing"), &["stats"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("no database there"));
    assert!(!dir.path().join("nothing").exists());
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let out = annals(&file, &["import", DATASET]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("is a file"));
    let out = annals(&file, &["stats", "--limit", "3"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rematerialize_prints_one_line_and_keeps_answers() {
    let (_dir, db) = loaded();
    let before = ok(&db, &["export", "facts"]);
    let out = ok(&db, &["rematerialize", "--verify"]);
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(
        out.starts_with("rematerialized: 17 events replayed"),
        "{out}"
    );
    assert_eq!(before, ok(&db, &["export", "facts"]));
    assert!(ok(&db, &["verify"]).contains("verify: ok"));
}

#[test]
fn commit_v1_fixture_decodes() {
    use annals::event::{Commit, Event};
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/commit-v1.bin");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        let (_dir, db) = loaded();
        let store = open_store(&db);
        std::fs::write(&path, store.get_record(2).unwrap().unwrap().1).unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[..2], &[0, 1], "format version 1");
    let c = Commit::decode(2, &bytes).unwrap();
    assert_eq!(c.tx, 2);
    assert_eq!(c.time.to_rfc3339(), "2025-05-14T09:30:00+00:00");
    let kinds: Vec<&str> = c.events.iter().map(Event::kind).collect();
    assert_eq!(
        kinds,
        [
            "ArticleAdded",
            "FactAsserted",
            "FactAsserted",
            "FactAsserted",
            "FactAsserted"
        ]
    );
}

#[test]
fn a_lost_acked_file_trusts_the_log_and_a_foreign_folder_is_refused() {
    let (dir, db) = loaded();
    std::fs::remove_file(db.join("ACKED")).unwrap();
    let out = annals(&db, &["stats"]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("was missing"), "{}", stderr(&out));
    assert!(ok(&db, &["verify"]).contains("log ends at tx 6"));
    let foreign = dir.path().join("docs");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("notes.txt"), "mine").unwrap();
    let out = annals(&foreign, &["import", DATASET]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("not an annals database"));
    assert!(!foreign.join("log").exists());
}

#[test]
fn a_damaged_sled_file_is_never_taken_for_an_empty_database() {
    let (_dir, db) = loaded();
    let path = db.join("log").join("db");
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().skip(100).take(64) {
        *b ^= 0x5a;
    }
    std::fs::write(&path, bytes).unwrap();
    let out = annals(&db, &["verify"]);
    assert!(
        matches!(out.status.code(), Some(3) | Some(4)),
        "{:?} {}",
        out.status,
        stderr(&out)
    );
    assert!(stderr(&out).contains("export events"), "{}", stderr(&out));
}

#[test]
fn import_from_standard_input_and_tsv_by_default() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kb");
    let mut child = Command::new(env!("CARGO_BIN_EXE_annals"))
        .arg("--db")
        .arg(&db)
        .args(["import", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(DATASET).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "files\tlines\tcommits\tevents\tfirst_tx\tlast_tx\n1\t16\t6\t17\t1\t6\n"
    );
    assert_eq!(
        annals(&db, &["--wait", "soon", "stats"]).status.code(),
        Some(2)
    );
    let out = annals(&db, &["log", "--limit", "1"]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "tx\ttime\tkind\tsummary\n1\t2025-05-13T08:00:00Z\tArticleAdded\twp-2025-05-13 \"G42 and OpenAI\" (2025-05-13, en)\n"
    );
}
