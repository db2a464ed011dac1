//! The shell driven in a pseudo-terminal, as a person uses it: the real binary, a real
//! database made with `annals import`, keystrokes in, screen text out.
//!
//! Every `expect` has a timeout (`TIMEOUT`), so a hung shell fails the test instead of
//! the suite. Colour is off (`NO_COLOR`) so that screen text can be matched; the pager
//! is `cat` so that nothing waits for a key.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use expectrl::{Eof, Regex, Session, WaitStatus};

const TIMEOUT: Duration = Duration::from_secs(15);
const PROMPT: &str = "annals.db> ";

const FACTS: &str = r#"{"subject": "G42", "predicate": "partner_of", "object": "OpenAI", "subject_type": "Organization", "object_type": "Organization", "article": "wp-2025-05-13"}
{"subject": "Abu Dhabi", "predicate": "located_in", "object": "Émirats arabes unis", "subject_type": "Place", "object_type": "Country"}
{"subject": "Peng Xiao", "predicate": "ceo_of", "object": "G42", "subject_type": "Person", "object_type": "Organization"}
"#;

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        env.import("facts.jsonl", FACTS);
        env
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("annals.db")
    }

    fn history(&self) -> PathBuf {
        self.dir.path().join("state/history")
    }

    fn import(&self, name: &str, lines: &str) {
        let file = self.dir.path().join(name);
        std::fs::write(&file, lines).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_annals"))
            .arg("--db")
            .arg(self.db())
            .arg("import")
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `annals --db … repl` in a pseudo-terminal, in the temporary directory (so that a
    /// file written to the current directory would show up there).
    fn shell(&self) -> Session {
        self.shell_with(&[])
    }

    fn shell_with(&self, env: &[(&str, &str)]) -> Session {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_annals"));
        cmd.arg("--db")
            .arg(self.db())
            .arg("repl")
            .current_dir(self.dir.path())
            .env("HOME", self.dir.path())
            .env("ANNALS_HISTORY", self.history())
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .env("PAGER", "cat")
            .env_remove("XDG_STATE_HOME")
            .env_remove("ANNALS_DB")
            .env_remove("ANNALS_REPL_HOLD")
            .envs(env.iter().copied());
        let mut p = Session::spawn(cmd).unwrap();
        p.set_expect_timeout(Some(TIMEOUT));
        if let Err(e) = p.expect(PROMPT) {
            let mut buf = [0u8; 4096];
            let n = p.try_read(&mut buf).unwrap_or(0);
            panic!(
                "no prompt ({e}); alive: {:?}; screen: {:?}",
                p.is_alive(),
                String::from_utf8_lossy(&buf[..n])
            );
        }
        p
    }
}

fn exit_code(p: &Session) -> i32 {
    match p.get_process().wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        other => panic!("the shell did not exit normally: {other:?}"),
    }
}

/// Ctrl-D, sent once the prompt is up: a Ctrl-D that arrives while the terminal is
/// still in cooked mode (the shell busy) is the terminal's end-of-file, not a key, and
/// is lost when the line editor switches to raw mode. A person sees the prompt first.
fn quit(mut p: Session) {
    p.send("\x04").unwrap();
    p.expect(Eof).unwrap();
    assert_eq!(exit_code(&p), 0);
}

#[test]
fn a_statement_over_two_lines() {
    let env = Env::new();
    let mut p = env.shell();
    p.send_line("find ?o").unwrap();
    p.expect("      ...> ").unwrap();
    p.send_line("where \"G42\" partner_of ?o;").unwrap();
    p.expect("OpenAI").unwrap();
    p.expect(PROMPT).unwrap();
    quit(p);
}

#[test]
fn a_parse_error_shows_a_caret_and_the_session_goes_on() {
    let env = Env::new();
    let mut p = env.shell();
    p.send_line("find ?x wher ?x ceo_of ?y;").unwrap();
    // Line 1, column 9, the offending line, and a caret under `wher`.
    p.expect(Regex("1:9|line 1, column 9")).unwrap();
    p.expect(Regex(r"\n[ 0-9]*\|? *find \?x wher")).unwrap();
    p.expect(Regex(r"\n[ |0-9]*\^")).unwrap();
    p.expect(PROMPT).unwrap();
    p.send_line("find ?o where \"G42\" partner_of ?o;").unwrap();
    p.expect("OpenAI").unwrap();
    p.expect(PROMPT).unwrap();
    quit(p);
}

#[test]
fn tab_completes_keywords_and_entity_names() {
    let env = Env::new();
    let mut p = env.shell();
    // Entity names load in the background: one statement makes sure they are there.
    p.send_line(".stats").unwrap();
    p.expect(PROMPT).unwrap();
    // `fi` → `find`, `"emir` → `"Émirats arabes unis"` (accents folded), `ceo` → ceo_of.
    p.send("fi\t").unwrap();
    p.expect("find").unwrap();
    p.send(" ?p where ?p loc\t ").unwrap();
    p.expect("located_in").unwrap();
    p.send("\"emir\t").unwrap();
    p.expect("\"Émirats arabes unis\"").unwrap();
    p.send(";\r").unwrap();
    p.expect("Abu Dhabi").unwrap();
    p.expect(PROMPT).unwrap();
    quit(p);
}

#[test]
fn history_is_recalled_in_a_second_session() {
    let env = Env::new();
    let mut p = env.shell();
    p.send_line("find ?c where ?c ceo_of \"G42\";").unwrap();
    p.expect("Peng Xiao").unwrap();
    p.expect(PROMPT).unwrap();
    quit(p);
    assert!(env.history().exists());
    // Nothing written in the current directory but the database and the import file.
    let mut here: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    here.sort();
    assert_eq!(here, ["annals.db", "facts.jsonl", "state"]);

    let mut p = env.shell();
    p.send("\x1b[A").unwrap(); // Up
    p.expect("ceo_of").unwrap();
    p.send("\r").unwrap();
    p.expect("Peng Xiao").unwrap();
    p.expect(PROMPT).unwrap();
    quit(p);
}

#[test]
fn format_json() {
    let env = Env::new();
    let mut p = env.shell();
    p.send_line(".format json").unwrap();
    p.expect(PROMPT).unwrap();
    p.send_line("find ?o where \"G42\" partner_of ?o;").unwrap();
    p.expect(Regex(
        r#"\{"columns": ?\["o"\], ?"rows": ?\[\["OpenAI"\]\]\}"#,
    ))
    .unwrap();
    p.expect(PROMPT).unwrap();
    quit(p);
}

/// A graph whose `rel*` closure is far too big to finish: every node reaches every node.
fn big_graph(env: &Env, nodes: usize) {
    let mut lines = String::new();
    for i in 0..nodes {
        for step in [1, 7, 31] {
            let j = (i + step) % nodes;
            lines.push_str(&format!(
                "{{\"subject\": \"n{i}\", \"predicate\": \"rel\", \"object\": \"n{j}\"}}\n"
            ));
        }
    }
    env.import("graph.jsonl", &lines);
}

#[test]
fn ctrl_c_cancels_a_long_query_and_returns_to_the_prompt() {
    let env = Env::new();
    big_graph(&env, 3000);
    let mut p = env.shell();
    // Two closures joined and counted: billions of solutions but one row, so neither
    // the row limit nor memory ends it first; only Ctrl-C does.
    p.send_line("find count(*) where ?a rel* ?b, ?b rel* ?c;")
        .unwrap();
    // A Ctrl-C typed before the shell has left rustyline's raw mode is a key in the
    // input queue, not a signal; on a loaded machine that window can be long. So press
    // it every half second, as an impatient user would, until the statement stops.
    let mut sent = Instant::now();
    let mut cancelled = false;
    p.set_expect_timeout(Some(Duration::from_millis(500)));
    for _ in 0..20 {
        sent = Instant::now();
        p.send("\x03").unwrap();
        if p.expect(Regex("(?i)cancel|interrupt")).is_ok() {
            cancelled = true;
            break;
        }
    }
    assert!(cancelled, "Ctrl-C never cancelled the statement");
    p.set_expect_timeout(Some(Duration::from_secs(3)));
    p.expect(PROMPT).unwrap();
    assert!(
        sent.elapsed() < Duration::from_secs(3),
        "took {:?} to come back",
        sent.elapsed()
    );
    p.set_expect_timeout(Some(TIMEOUT));
    // The session is still alive and usable.
    p.send_line("find ?o where \"G42\" partner_of ?o;").unwrap();
    p.expect("OpenAI").unwrap();
    p.expect(PROMPT).unwrap();
    quit(p);
}

#[test]
fn ctrl_c_at_the_prompt_clears_the_line() {
    let env = Env::new();
    let mut p = env.shell();
    p.send("find ?x where").unwrap();
    p.send("\x03").unwrap();
    p.expect(PROMPT).unwrap();
    p.send_line("find ?o where \"G42\" partner_of ?o;").unwrap();
    p.expect("OpenAI").unwrap();
    p.expect(PROMPT).unwrap();
    quit(p);
}

/// The nightly job must not be locked out by a shell left open: once idle, the shell
/// lets go of the database, and its next statement opens it again.
#[test]
fn an_idle_shell_releases_the_database() {
    let env = Env::new();
    let mut p = env.shell_with(&[("ANNALS_REPL_HOLD", "0.3")]);
    p.send_line("find ?o where \"G42\" partner_of ?o;").unwrap();
    p.expect("OpenAI").unwrap();
    p.expect(PROMPT).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    // Another process writes while the shell is still open.
    env.import(
        "more.jsonl",
        "{\"subject\": \"G42\", \"predicate\": \"partner_of\", \"object\": \"Microsoft\"}\n",
    );
    p.send_line("find ?o where \"G42\" partner_of ?o;").unwrap();
    p.expect("Microsoft").unwrap();
    p.expect(PROMPT).unwrap();
    quit(p);
}

#[test]
fn long_cells_are_cut_to_the_terminal_width_and_the_cut_is_said() {
    let env = Env::new();
    let quote = "Nous ne vendrons pas de puces avancées sans garanties, ".repeat(4);
    env.import(
        "said.jsonl",
        &format!(
            "{{\"subject\": \"Sam Winter Levy\", \"predicate\": \"said\", \"object\": \"{quote}\", \"object_kind\": \"literal\"}}\n"
        ),
    );
    let mut p = env.shell();
    p.get_process_mut().set_window_size(60, 24).unwrap();
    p.send_line("find ?s, ?q where ?s said ?q;").unwrap();
    p.expect(Regex("1 long cell cut to fit 60 columns"))
        .unwrap();
    p.expect("Sam Winter Levy").unwrap();
    p.expect("…").unwrap();
    p.expect(PROMPT).unwrap();
    quit(p);
}

#[test]
fn results_taller_than_the_screen_go_through_the_pager() {
    let env = Env::new();
    big_graph(&env, 100);
    let mut p = env.shell_with(&[("PAGER", "sed 's/^/paged: /'")]);
    p.send_line("find ?a, ?b where ?a rel ?b limit 50;")
        .unwrap();
    p.expect("paged: ").unwrap();
    p.expect(PROMPT).unwrap();
    // Short results are printed directly.
    p.send_line("find ?o where \"G42\" partner_of ?o;").unwrap();
    p.expect(Regex("\n[^p\n]*OpenAI")).unwrap();
    p.expect(PROMPT).unwrap();
    quit(p);
}

#[test]
fn ctrl_d_exits_with_status_zero() {
    let env = Env::new();
    let p = env.shell();
    quit(p);
}

#[test]
fn piped_statements_run_and_the_first_failure_sets_the_status() {
    let env = Env::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_annals"))
        .arg("--db")
        .arg(env.db())
        .arg("repl")
        .env("ANNALS_HISTORY", env.history())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"find ?o where \"G42\" partner_of ?o;\nfind ?x wher;\n.format json\nfind ?c where ?c ceo_of \"G42\";\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("OpenAI"), "{stdout}");
    assert!(stdout.contains("Peng Xiao"), "{stdout}");
    assert!(
        !Path::new(&env.history()).exists(),
        "no history when not interactive"
    );
}

/// `repl --param NAME=VALUE` sets a parameter for every statement, as `query` does.
#[test]
fn repl_param_flag_binds_a_parameter() {
    let env = Env::new();
    let mut child = Command::new(env!("CARGO_BIN_EXE_annals"))
        .arg("--db")
        .arg(env.db())
        .args(["repl", "--param", "org=G42"])
        .env("ANNALS_HISTORY", env.history())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"find ?o where $org partner_of ?o;\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("OpenAI"), "{stdout}");
}

/// Start-up to prompt on a big database (the issue asks under 100 ms on 1M facts).
/// `ANNALS_BENCH_DB=/path/to/db cargo test --test repl_pty -- --ignored --nocapture
/// startup` prints the median of 9 starts. The prompt must not wait for the database,
/// so the size of the database should not show.
#[test]
#[ignore = "benchmark: needs ANNALS_BENCH_DB pointing at a big database"]
fn startup_to_prompt_benchmark() {
    let db = std::env::var("ANNALS_BENCH_DB").expect("ANNALS_BENCH_DB");
    let home = tempfile::tempdir().unwrap();
    let mut times = Vec::new();
    for _ in 0..9 {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_annals"));
        cmd.arg("--db")
            .arg(&db)
            .arg("repl")
            .env("HOME", home.path())
            .env_remove("ANNALS_HISTORY")
            .env_remove("XDG_STATE_HOME")
            .env("NO_COLOR", "1");
        let started = Instant::now();
        let mut p = Session::spawn(cmd).unwrap();
        p.set_expect_timeout(Some(TIMEOUT));
        p.expect("> ").unwrap();
        times.push(started.elapsed());
        quit(p);
    }
    times.sort();
    println!(
        "start-up to prompt on {db}: median {:?} (min {:?}, max {:?})",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1]
    );
    assert!(times[times.len() / 2] < Duration::from_millis(100));
}
