#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What "acknowledged" means, checked on the system calls of a real import (with
//! `strace`; the test is skipped, saying so, where strace is missing): sled's own
//! `sync_file_range` is followed by a full `fsync` of its data file, then `ACKED` is
//! written aside, fsynced, renamed and its folder fsynced, and only then does anything
//! reach standard output. A process kill cannot lose what the page cache holds; this is
//! the part of the power-cut guarantee a test can see.

use std::process::Command;

#[test]
fn success_is_reported_only_after_fsync_and_acked() {
    if Command::new("strace").arg("-V").output().is_err() {
        eprintln!("strace is not installed: durability ordering not checked");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kb");
    let input = dir.path().join("a.jsonl");
    std::fs::write(
        &input,
        "{\"subject\": \"A\", \"predicate\": \"owns\", \"object\": \"B\"}\n",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_annals");
    let first = Command::new(bin)
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&input)
        .output()
        .unwrap();
    assert!(first.status.success());
    let trace = dir.path().join("trace.txt");
    let out = Command::new("strace")
        .args([
            "-f",
            "-y",
            "-e",
            "trace=fsync,fdatasync,sync_file_range,rename,renameat,renameat2,write",
            "-o",
        ])
        .arg(&trace)
        .arg(bin)
        .arg("--db")
        .arg(&db)
        .arg("import")
        .arg(&input)
        .output()
        .unwrap();
    if !out.status.success() {
        eprintln!(
            "strace could not trace here ({}): durability ordering not checked",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let text = std::fs::read_to_string(&trace).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let at = |what: &dyn Fn(&str) -> bool| -> Vec<usize> {
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| what(l))
            .map(|(i, _)| i)
            .collect()
    };
    let first =
        |v: Vec<usize>, what: &str| *v.first().unwrap_or_else(|| panic!("no {what}:\n{text}"));
    let db_file = "/kb/log/db>";
    let output = first(at(&|l| l.contains("write(1<")), "result written");
    let renamed = first(
        at(&|l| l.contains("rename") && l.contains("ACKED.new")),
        "ACKED rename",
    );
    let acked_synced = first(
        at(&|l| l.contains("fsync(") && l.contains("/kb/ACKED.new>")),
        "fsync of ACKED.new",
    );
    let dir_synced = first(
        at(&|l| l.contains("fsync(") && l.contains("/kb>)"))
            .into_iter()
            .filter(|&i| i > renamed)
            .collect(),
        "fsync of the database folder after the rename",
    );
    let data_synced = *at(&|l| l.contains("fsync(") && l.contains(db_file))
        .iter()
        .rfind(|&&i| i < renamed)
        .unwrap_or_else(|| panic!("no fsync of sled's data file before ACKED:\n{text}"));
    if let Some(&range) = at(&|l| l.contains("sync_file_range(") && l.contains(db_file))
        .iter()
        .rfind(|&&i| i < renamed)
    {
        assert!(
            range < data_synced,
            "sled's sync_file_range is followed by a full fsync"
        );
    }
    assert!(data_synced < acked_synced, "data before ACKED");
    assert!(acked_synced < renamed, "ACKED synced before the rename");
    assert!(renamed < dir_synced, "the folder synced after the rename");
    assert!(
        dir_synced < output,
        "nothing reported before ACKED is durable:\n{text}"
    );
}
