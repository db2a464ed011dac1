#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The examples of `grammar/README.md` and the productions of `grammar/annals.ebnf`.
//!
//! Each example is a fenced block holding a statement, a line `-->`, and the expected
//! rows as TSV under a header. The front end checks that every statement parses, prints
//! back to itself, and projects exactly the header's columns; then the `annals` binary
//! imports `tests/fixtures/grammar_dataset.jsonl` into a fresh database and runs each
//! example, whose TSV output must be the expected text exactly.

use std::path::Path as FsPath;

use annals::query::ast::*;
use annals::query::parser::parse_statement;
use annals::query::print::aggregate_column;

struct Example {
    line: usize,
    statement: String,
    header: Vec<String>,
    /// The expected rows, cells in column order; an empty cell is an unbound value.
    rows: Vec<Vec<String>>,
}

fn root() -> &'static FsPath {
    FsPath::new(env!("CARGO_MANIFEST_DIR"))
}

fn examples() -> Vec<Example> {
    let text = std::fs::read_to_string(root().join("grammar/README.md")).unwrap();
    let mut out = Vec::new();
    let mut block: Option<(usize, Vec<&str>)> = None;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            match block.take() {
                None => block = Some((n + 2, Vec::new())),
                Some((start, lines)) => {
                    if let Some(arrow) = lines.iter().position(|l| *l == "-->") {
                        let statement = lines[..arrow].join("\n");
                        let mut tsv = lines[arrow + 1..].iter();
                        let header = tsv
                            .next()
                            .unwrap_or_else(|| panic!("README.md:{start}: no header"))
                            .split('\t')
                            .map(str::to_string)
                            .collect();
                        let rows = tsv
                            .map(|r| r.split('\t').map(str::to_string).collect())
                            .collect();
                        out.push(Example {
                            line: start,
                            statement,
                            header,
                            rows,
                        });
                    }
                }
            }
        } else if let Some((_, lines)) = &mut block {
            lines.push(line);
        }
    }
    assert!(block.is_none(), "README.md: a fenced block is not closed");
    out
}

/// The column names a `find` projects (SPEC §3).
fn columns(find: &Find) -> Vec<String> {
    match &find.projection {
        Projection::Items(items) => items
            .iter()
            .map(|i| match i {
                ProjItem::Var(v) => v.name.clone(),
                ProjItem::Aggregate(a) => match &a.alias {
                    Some(n) => n.name.clone(),
                    None => aggregate_column(a),
                },
            })
            .collect(),
        Projection::Star(_) => {
            let mut names: Vec<String> = Vec::new();
            let mut add = |v: &Var| {
                if !names.contains(&v.name) {
                    names.push(v.name.clone());
                }
            };
            fn walk(clauses: &[Clause], add: &mut dyn FnMut(&Var)) {
                let term = |t: &Term, add: &mut dyn FnMut(&Var)| {
                    if let Term::Var(v) = t {
                        add(v)
                    }
                };
                for c in clauses {
                    match c {
                        Clause::Pattern(p) => {
                            term(&p.subject, add);
                            if let Path::Var(v) = &p.path {
                                add(v);
                            }
                            term(&p.object, add);
                            if let Some(a) = &p.article {
                                add(a);
                            }
                        }
                        Clause::Not(cs, _) | Clause::Optional(cs, _) => walk(cs, add),
                        Clause::Filter(Filter::Compare { left, right, .. }) => {
                            term(left, add);
                            term(right, add);
                        }
                        Clause::Filter(Filter::In { left, values, .. }) => {
                            term(left, add);
                            for v in values {
                                term(v, add);
                            }
                        }
                    }
                }
            }
            walk(&find.clauses, &mut add);
            names
        }
    }
}

#[test]
fn there_are_25_to_35_examples() {
    let n = examples().len();
    assert!((25..=35).contains(&n), "{n} examples");
}

#[test]
fn every_example_parses_and_projects_its_header() {
    for ex in examples() {
        let at = format!("grammar/README.md:{}", ex.line);
        let st = parse_statement(&ex.statement)
            .unwrap_or_else(|e| panic!("{}", e.render(&ex.statement, Some(&at))));
        let printed = st.to_string();
        let again = parse_statement(&printed).unwrap();
        assert_eq!(again.to_string(), printed, "{at}");
        let StatementKind::Find(find) = &st.kind else {
            panic!("{at}: examples are find statements")
        };
        assert_eq!(columns(find), ex.header, "{at}: header");
        for row in &ex.rows {
            assert_eq!(row.len(), ex.header.len(), "{at}: row {row:?}");
        }
        assert!(!ex.rows.is_empty(), "{at}: no rows");
    }
}

#[test]
fn every_example_gives_its_rows() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("examples.db");
    let annals = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_annals"))
            .arg("--db")
            .arg(&db)
            .args(["--format", "tsv"])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let dataset = root().join("tests/fixtures/grammar_dataset.jsonl");
    let (code, _, err) = annals(&["import", dataset.to_str().unwrap()]);
    assert_eq!(code, Some(0), "import: {err}");
    let mut failures = Vec::new();
    for ex in examples() {
        let (code, out, err) = annals(&["query", &ex.statement]);
        let mut expected = ex.header.join("\t");
        for row in &ex.rows {
            expected.push('\n');
            expected.push_str(&row.join("\t"));
        }
        if code != Some(0) || out.trim_end_matches('\n') != expected {
            failures.push(format!(
                "grammar/README.md:{}: {}\n--- expected\n{expected}\n--- got (exit {code:?})\n{out}{err}",
                ex.line, ex.statement
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_dataset_is_json_lines_with_ascending_tx() {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/grammar_dataset.jsonl")).unwrap();
    let mut last = 0;
    for (n, line) in text.lines().enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {}: {e}", n + 1));
        let tx = v["tx"].as_u64().unwrap();
        assert!(tx >= last, "line {}: tx goes down", n + 1);
        last = tx;
        let obj = v.as_object().unwrap();
        assert!(
            ["subject", "article", "alias", "retract"]
                .iter()
                .any(|k| obj.contains_key(*k)),
            "line {}: not a fact, article, alias or retraction",
            n + 1
        );
    }
    assert_eq!(last, 4);
}

#[test]
fn every_production_names_a_parser_function_that_quotes_it() {
    let ebnf = std::fs::read_to_string(root().join("grammar/annals.ebnf")).unwrap();
    let re = regex::Regex::new(r"\(\* @ (\w+)::(\w+) \*\)").unwrap();
    let mut seen = 0;
    for cap in re.captures_iter(&ebnf) {
        let (module, func) = (&cap[1], &cap[2]);
        let src =
            std::fs::read_to_string(root().join(format!("src/query/parser/{module}.rs"))).unwrap();
        assert!(
            src.contains(&format!("fn {func}(")) || src.contains(&format!("fn {func}<")),
            "{module}::{func} named in annals.ebnf does not exist"
        );
        seen += 1;
    }
    assert!(seen >= 40, "only {seen} productions name a function");
}
