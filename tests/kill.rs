#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Crash tests, bounded to a few seconds: SIGKILL `annals import` and `annals
//! rematerialize` at random points, then check that `verify` is clean, that every
//! acknowledged commit is present and that an import is all or nothing; and SIGKILL a
//! writer right after it acknowledged a commit, which must lose nothing.
//!
//! The seed is printed; `KILL_SEED=n` replays a run, `KILL_ROUNDS=n` makes it longer.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use annals::event::{Event, FactAsserted, Source, Support};
use annals::value::Value;
use annals::{Kb, OpenOptions};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_annals"));
    c.env_remove("ANNALS_DB");
    c
}

fn run(db: &Path, args: &[&str]) -> Output {
    bin().arg("--db").arg(db).args(args).output().unwrap()
}

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn seed() -> u64 {
    let s = std::env::var("KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
        });
    eprintln!("KILL_SEED={s}");
    s | 1
}

fn rounds(default: u64) -> u64 {
    std::env::var("KILL_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// A JSON-lines file of `commits` commits (with `tx`) of `per` facts each.
fn import_file(path: &Path, round: u64, commits: u64, per: u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for c in 0..commits {
        for i in 0..per {
            writeln!(
                f,
                r#"{{"tx": {}, "subject": "Org {round}-{c}-{i}", "predicate": "partner_of", "object": "Org {}", "article": "art-{round}-{c}", "evidence": "Some sentence {i}."}}"#,
                c + 1,
                i % 97
            )
            .unwrap();
        }
    }
}

fn last_tx(db: &Path) -> u64 {
    let out = run(db, &["--format", "tsv", "stats"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("log_tx\t").map(|n| n.parse().unwrap()))
        .unwrap()
}

/// Runs `verify`, which must be clean, and returns the last tx it found.
fn verify_clean(db: &Path) -> u64 {
    let out = run(db, &["verify"]);
    assert!(
        out.status.success(),
        "verify after a kill: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.split("log ends at tx ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unexpected verify output: {text}"))
}

fn kill_after(mut child: std::process::Child, delay: Duration) -> bool {
    std::thread::sleep(delay);
    let exited = matches!(child.try_wait(), Ok(Some(s)) if s.success());
    let _ = child.kill();
    let status = child.wait().unwrap();
    exited || status.success()
}

#[test]
fn sigkill_during_import_and_rematerialize() {
    let mut rng = Rng(seed());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kb");
    let file = dir.path().join("in.jsonl");
    const COMMITS: u64 = 3;
    import_file(&file, 0, COMMITS, 500);
    assert!(run(&db, &["import", file.to_str().unwrap()])
        .status
        .success());
    let mut acked = last_tx(&db);
    for round in 1..=rounds(6) {
        import_file(&file, round, COMMITS, 500);
        let child = bin()
            .arg("--db")
            .arg(&db)
            .args(["--quiet", "import", file.to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let reported = kill_after(child, Duration::from_millis(rng.below(200)));
        let now = verify_clean(&db);
        if reported {
            assert_eq!(now, acked + COMMITS, "a successful import is all there");
        } else {
            assert!(
                now == acked || now == acked + COMMITS,
                "all or nothing: {acked} → {now}"
            );
        }
        acked = now;

        let child = bin()
            .arg("--db")
            .arg(&db)
            .args(["--quiet", "rematerialize"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        kill_after(child, Duration::from_millis(rng.below(150)));
        assert_eq!(verify_clean(&db), acked);
    }
}

/// The writer half of `sigkill_right_after_ack_loses_nothing`: commits, prints each
/// acknowledged tx, and waits to be killed.
#[test]
#[ignore = "run as a child process by sigkill_right_after_ack_loses_nothing"]
fn child_writer() {
    let Some(path) = std::env::var_os("KILL_CHILD_DB") else {
        return;
    };
    let mut kb = Kb::open(
        Path::new(&path),
        OpenOptions {
            create: true,
            wait: Some(Duration::from_secs(5)),
            skip_view: false,
        },
    )
    .unwrap();
    let mut out = std::io::stdout();
    for i in 0.. {
        let tx = kb
            .commit(vec![Event::FactAsserted(FactAsserted {
                subject: format!("S{i}").into(),
                predicate: "owns".into(),
                object: Value::Entity(format!("O{i}")),
                support: Support::from_source(Source::None),
            })])
            .unwrap();
        writeln!(out, "acked {tx}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn sigkill_right_after_ack_loses_nothing() {
    let mut rng = Rng(seed());
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kb");
    for _ in 0..rounds(3) {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--ignored",
                "--exact",
                "child_writer",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("KILL_CHILD_DB", &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stop_at = 1 + rng.below(20);
        let mut last_acked = 0;
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(tx) = line.strip_prefix("acked ") {
                last_acked = tx.parse().unwrap();
                if last_acked >= stop_at {
                    break;
                }
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(last_acked > 0, "the child acknowledged nothing");
        assert!(
            verify_clean(&db) >= last_acked,
            "tx {last_acked} was acknowledged"
        );
    }
}
