//! Golden transcript: every construct of the query language over the fixed dataset of
//! `query_common::dataset()`, each `find` with its `explain analyze` plan and its rows.
//! The file `tests/golden/constructs.txt` is meant to be read as documentation.
//!
//! Regenerate after an intended change, and review the diff:
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test --test query_transcript
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod query_common;

use annals::query::ast::StatementKind;
use annals::query::Session;
use annals::table::Table;
use query_common::*;

/// (title, statements run in order). Writes change the database for the cases after them.
const CASES: &[(&str, &[&str])] = &[
    (
        "Point lookup by subject: every fact about G42 (a variable predicate ranges over stored facts)",
        &[r#"find ?p, ?o where "G42" ?p ?o"#],
    ),
    (
        "Point lookup by object; names are folded (g42 = G42)",
        &[r#"find ?s, ?p where ?s ?p "g42""#],
    ),
    (
        "A symmetric predicate answers both ways",
        &[
            r#"find ?x where ?x partner_of "OpenAI""#,
            r#"find ?s, ?o where ?s partner_of ?o"#,
        ],
    ),
    (
        "An alias names the same entity; the canonical name is shown",
        &[r#"find ?o where "elon mask" ceo_of ?o"#],
    ),
    (
        "A join: the planner starts from the constant, not from the first clause",
        &[r#"find ?who, ?org where ?who ceo_of ?org, ?org partner_of "Microsoft""#],
    ),
    (
        "Paths: p+ never returns the start, p* does, p{m,n} counts hops, ^p inverts",
        &[
            r#"find ?o where "Microsoft" sells_to+ ?o"#,
            r#"find ?o where "G42" sells_to+ ?o"#,
            r#"find ?o where "G42" sells_to* ?o"#,
            r#"find ?o where "Microsoft" sells_to{2,2} ?o"#,
            r#"find ?s where "G42" ^sells_to ?s"#,
            r#"find ?x where "G42" partner_of+ ?x"#,
        ],
    ),
    (
        "Provenance: `in ?a` binds each live supporting article; virtual article metadata",
        &[
            r#"find ?a, ?d, ?t where "G42" partner_of "OpenAI" in ?a, ?a published ?d, ?a title ?t"#,
        ],
    ),
    (
        "not: a single pattern, and a group with an existential variable",
        &[
            r#"find ?p where ?p type "Person", not ?p said _"#,
            r#"find ?o where ?o type "Organization", not (?p ceo_of ?o, ?p type "Person")"#,
        ],
    ),
    (
        "optional: extend when possible, else leave unbound (shown as -)",
        &[r#"find ?p, ?q where ?p ceo_of _, optional (?p said ?q)"#],
    ),
    (
        "Filters: an entity compares as its name (aliases included); text tests are folded",
        &[
            r#"find ?p where ?p ceo_of ?o, ?p = "Elon Mask""#,
            r#"find ?p where ?p ceo_of ?o, ?o != "G42""#,
            r#"find ?p where ?p ceo_of _, ?p contains "ALT""#,
            r#"find ?p where ?p ceo_of _, ?p starts_with "élon""#,
            r#"find ?p where ?p ceo_of _, ?p matches "^P.*o$""#,
            r#"find ?p where ?p ceo_of ?o, ?o in ["OpenAI", "X Corp"]"#,
            r#"find ?a, ?d where ?a published ?d, ?d >= 2025-05-14"#,
        ],
    ),
    (
        "Names by prefix use the name index",
        &[r#"find ?e, ?n where ?e alias ?n, ?n starts_with "elon""#],
    ),
    (
        "Aggregates group by the other columns; order by a column name, limit, offset",
        &[
            r#"find ?p, count(*) as n where ?s ?p ?o order by n desc, ?p"#,
            r#"find ?o, count(?s), count(distinct ?p) as preds where ?s ?p ?o order by ?o limit 3 offset 1"#,
            r#"find sum(?m), min(?m), max(?x), avg(?m) where ?x amount ?m"#,
            r#"find count(*) where ?s acquires ?o"#,
        ],
    ),
    (
        "find * projects every variable outside `not`, in order of appearance",
        &[r#"find * where ?p ceo_of ?o, not ?o partner_of "Microsoft""#],
    ),
    (
        "as of a tx, or a date (the last commit of that day; commit k is on May 11 + k - 1)",
        &[
            r#"find ?o where "Nvidia" sells_to ?o as of #5"#,
            r#"find ?o where "Nvidia" sells_to ?o"#,
            r#"find ?p where ?p ceo_of "X Corp" as of #2"#,
            r#"find ?a where "G42" partner_of "OpenAI" in ?a as of 2025-05-13"#,
        ],
    ),
    (
        "Unknown names: an empty answer and a hint, not an error",
        &[r#"find ?o where "Elon Musc" ceo_of ?o"#],
    ),
    (
        "Errors point at the mistake",
        &[
            r#"find ?o where ?s ceo_off ?o"#,
            r#"find ?o where ?o type ?t, ?t matches "([a-z""#,
            r#"find ?o where ?o ceo_of $org"#,
            r#"find ?o where ?o ceo_of ?x order by ?y"#,
        ],
    ),
    (
        "Parameters",
        &[r#"let $org = "OpenAI""#, r#"find ?p where ?p ceo_of $org"#],
    ),
    (
        "history, why, entity",
        &[
            r#"history "Elon Musk""#,
            r#"why "OpenAI" partner_of "G42""#,
            r#"entity "elon mask""#,
        ],
    ),
    (
        "Writes: each one commit; a retraction must match something live; suggest aliases only suggests",
        &[
            r#"assert "G42" partner_of "Nvidia" note "analyst call""#,
            r#"find ?x, ?a where "Nvidia" partner_of ?x in ?a"#,
            r#"retract "G42" ceo_of "Nvidia""#,
            r#"retract "Nvidia" partner_of "G42" because "denied""#,
            r#"retract "OpenAI" partner_of "Microsoft" in "ft-2025-05-14" because "corrected""#,
            r#"alias "Peng" as "Peng Xiao""#,
            r#"find ?p, ?o where ?p ceo_of ?o, ?p = "peng""#,
            r#"retract article "wp-2025-05-13" because "withdrawn""#,
            r#"find ?p, ?o where ?p ceo_of ?o"#,
            r#"explain assert "a" owns "b""#,
            r#"assert "Musk" ceo_of "X Corp.""#,
            r#"suggest aliases"#,
            r#"suggest aliases for "x corp" limit 1"#,
        ],
    ),
];

fn render_table(t: &Table, out: &mut String) {
    out.push_str("    ");
    out.push_str(&t.columns.join(" | "));
    out.push('\n');
    for r in &t.rows {
        out.push_str("    ");
        out.push_str(
            &r.iter()
                .map(|c| c.as_ref().map_or("-".to_string(), |v| v.to_string()))
                .collect::<Vec<_>>()
                .join(" | "),
        );
        out.push('\n');
    }
}

fn transcript() -> String {
    let mut db = dataset();
    let mut session = Session::new();
    let mut out = String::from(
        "# Golden transcript: the query engine over tests/query_common's fixed dataset.\n\
         # Each `find` shows its `explain analyze` plan (est_rows: the planner's guess,\n\
         # rows: rows out of each step), then its rows. Regenerate with UPDATE_GOLDEN=1.\n",
    );
    for (title, statements) in CASES {
        out.push_str(&format!("\n== {title}\n"));
        for src in *statements {
            out.push_str(&format!("\n> {src};\n"));
            let stmt = parse(src);
            if matches!(stmt.kind, StatementKind::Find(_)) {
                let explain_src = format!("explain analyze {src}");
                if let Ok(plan) = run(&mut db, &mut session, &explain_src) {
                    out.push_str("  plan:\n");
                    render_table(&plan.table, &mut out);
                }
            }
            match session.execute(&mut db, &stmt, src) {
                Ok(o) => {
                    out.push_str("  rows:\n");
                    render_table(&o.table, &mut out);
                    for h in &o.hints {
                        out.push_str(&format!("  {h}\n"));
                    }
                    if let Some(tx) = o.committed {
                        out.push_str(&format!("  committed tx {tx}\n"));
                    }
                }
                Err(e) => {
                    for line in e.to_string().lines() {
                        out.push_str(&format!("  ! {line}\n"));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn constructs_transcript() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/constructs.txt");
    let got = transcript();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden")).unwrap();
        std::fs::write(path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(path)
        .expect("tests/golden/constructs.txt is missing; run with UPDATE_GOLDEN=1");
    if got != want {
        let first = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "transcript differs from tests/golden/constructs.txt at line {}:\n got: {:?}\nwant: {:?}\n(run with UPDATE_GOLDEN=1 and review the diff)",
            first + 1,
            got.lines().nth(first),
            want.lines().nth(first)
        );
    }
}
