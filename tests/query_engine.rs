//! The query engine over a small fixed dataset: each construct of SPEC §3 with the rows
//! it must give.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod query_common;

use annals::query::Session;
use query_common::*;

#[test]
fn point_lookup_by_subject_and_object() {
    let mut db = dataset();
    assert_eq!(
        q(&mut db, r#"find ?p, ?o where "G42" ?p ?o"#),
        vec![
            "amount | 1500000000 USD",
            "partner_of | OpenAI",
            "sells_to | Core42"
        ]
    );
    assert_eq!(
        q(&mut db, r#"find ?s, ?p where ?s ?p "g42""#),
        vec![
            "Core42 | sells_to",
            "Microsoft | sells_to",
            "OpenAI | partner_of",
            "Peng Xiao | ceo_of"
        ]
    );
}

#[test]
fn symmetric_both_ways_and_aliases() {
    let mut db = dataset();
    assert_eq!(
        q(&mut db, r#"find ?x where ?x partner_of "OpenAI""#),
        vec!["G42", "Microsoft"]
    );
    assert_eq!(
        q(&mut db, r#"find ?s, ?o where ?s partner_of ?o"#).len(),
        4,
        "two symmetric facts, both ways"
    );
    // The alias merges the two names; the canonical name is shown.
    assert_eq!(
        q(&mut db, r#"find ?o where "elon mask" ceo_of ?o"#),
        vec!["X Corp"]
    );
    assert_eq!(
        q(&mut db, r#"find ?p where ?p ceo_of "X Corp""#),
        vec!["Elon Musk"]
    );
}

#[test]
fn joins_paths_and_inverse() {
    let mut db = dataset();
    assert_eq!(
        q(
            &mut db,
            r#"find ?who, ?org where ?who ceo_of ?org, ?org partner_of "Microsoft""#
        ),
        vec!["Sam Altman | OpenAI"]
    );
    assert_eq!(
        q(&mut db, r#"find ?o where "Microsoft" sells_to+ ?o"#),
        vec!["Core42", "G42"]
    );
    assert_eq!(
        q(&mut db, r#"find ?o where "G42" sells_to+ ?o"#),
        vec!["Core42"],
        "p+ never returns the start node"
    );
    assert_eq!(
        q(&mut db, r#"find ?o where "G42" sells_to* ?o"#),
        vec!["Core42", "G42"]
    );
    assert_eq!(
        q(&mut db, r#"find ?o where "Microsoft" sells_to{2,2} ?o"#),
        vec!["Core42"]
    );
    assert_eq!(
        q(&mut db, r#"find ?s where "G42" ^sells_to ?s"#),
        vec!["Core42", "Microsoft"]
    );
    assert_eq!(
        q(&mut db, r#"find ?x where "G42" partner_of+ ?x"#),
        vec!["Microsoft", "OpenAI"],
        "a walk through a symmetric predicate goes both ways"
    );
}

#[test]
fn provenance_with_in() {
    let mut db = dataset();
    assert_eq!(
        q(
            &mut db,
            r#"find ?a, ?d where "G42" partner_of "OpenAI" in ?a, ?a published ?d"#
        ),
        vec!["ft-2025-05-14 | 2025-05-14"]
    );
    assert_eq!(
        q(
            &mut db,
            r#"find ?a where "G42" partner_of "OpenAI" in ?a as of #3"#
        ),
        vec!["ft-2025-05-14", "wp-2025-05-13"]
    );
}

#[test]
fn not_optional_and_filters() {
    let mut db = dataset();
    assert_eq!(
        q(&mut db, r#"find ?p where ?p type "Person", not ?p said _"#),
        vec!["Elon Musk", "Peng Xiao"]
    );
    assert_eq!(
        q(
            &mut db,
            r#"find ?p, ?q where ?p ceo_of _, optional (?p said ?q)"#
        ),
        vec![
            "Elon Musk | -",
            "Peng Xiao | -",
            "Sam Altman | compute is the currency"
        ]
    );
    assert_eq!(
        q(&mut db, r#"find ?p where ?p ceo_of ?o, ?o = "g42""#),
        vec!["Peng Xiao"]
    );
    assert_eq!(
        q(&mut db, r#"find ?p where ?p ceo_of ?o, ?p = "Elon Mask""#),
        vec!["Elon Musk"],
        "an alias names the entity in a filter"
    );
    assert_eq!(
        q(&mut db, r#"find ?p where ?p ceo_of _, ?p contains "ALT""#),
        vec!["Sam Altman"]
    );
    assert_eq!(
        q(
            &mut db,
            r#"find ?p where ?p ceo_of _, ?p starts_with "elon""#
        ),
        vec!["Elon Musk"]
    );
    assert_eq!(
        q(&mut db, r#"find ?p where ?p ceo_of _, ?p matches "^P.*o$""#),
        vec!["Peng Xiao"]
    );
    assert_eq!(
        q(
            &mut db,
            r#"find ?p where ?p ceo_of ?o, ?o in ["OpenAI", "X Corp"]"#
        ),
        vec!["Elon Musk", "Sam Altman"]
    );
    assert_eq!(
        q(
            &mut db,
            r#"find ?a where ?a published ?d, ?d >= 2025-05-14"#
        ),
        vec!["a3", "ft-2025-05-14"]
    );
}

#[test]
fn aggregates_order_limit() {
    let mut db = dataset();
    assert_eq!(
        q(
            &mut db,
            r#"find ?p, count(*) as n where ?s ?p ?o order by n desc, ?p limit 2"#
        ),
        vec!["partner_of | 4", "ceo_of | 3"]
    );
    assert_eq!(
        q(&mut db, r#"find count(*) where ?s acquires ?o"#),
        vec!["0"],
        "aggregates over no solution: one row"
    );
    assert_eq!(
        q(
            &mut db,
            r#"find ?o, count(?a) as n, count(distinct ?p) where ?s ?p ?o in ?a, ?o = "G42""#
        ),
        vec!["G42 | 4 | 3"]
    );
}

#[test]
fn unknown_names_hint_and_errors() {
    let mut db = dataset();
    let mut s = Session::new();
    let out = run(&mut db, &mut s, r#"find ?o where "Elon Musc" ceo_of ?o"#).unwrap();
    assert!(out.table.rows.is_empty());
    assert_eq!(
        out.hints,
        vec!["hint: no entity is named \"Elon Musc\"; did you mean \"Elon Musk\"?"]
    );
    let err = run(&mut db, &mut s, "find ?o where ?s ceo_off ?o")
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "error: unknown predicate `ceo_off`\n --> line 1, column 18\n  |\n1 | find ?o where ?s ceo_off ?o\n  |                  ^^^^^^^\n  = help: did you mean `ceo_of`?"
    );
    let err = run(
        &mut db,
        &mut s,
        r#"find ?o where ?o type ?t, ?t matches "(""#,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("invalid regular expression"), "{err}");
    let err = run(&mut db, &mut s, "find ?o where $org ceo_of ?o")
        .unwrap_err()
        .to_string();
    assert!(err.contains("parameter $org is not set"), "{err}");
    run(&mut db, &mut s, r#"let $org = "OpenAI""#).unwrap();
    let out = run(&mut db, &mut s, "find ?o where ?o ceo_of $org").unwrap();
    assert_eq!(rows(&out.table), vec!["Sam Altman"]);
}

#[test]
fn as_of_tx_and_date() {
    let mut db = dataset();
    assert_eq!(
        q(&mut db, r#"find ?o where "Nvidia" sells_to ?o as of #5"#),
        vec!["Microsoft"]
    );
    assert!(q(&mut db, r#"find ?o where "Nvidia" sells_to ?o"#).is_empty());
    assert_eq!(
        q(&mut db, r#"find ?p where ?p ceo_of "X Corp" as of #2"#),
        vec!["Elon Mask"],
        "before the alias the old name is canonical"
    );
    // Commit k is at day k-1 after 2025-05-11T21:46:40Z.
    assert_eq!(
        q(
            &mut db,
            r#"find ?o where "Nvidia" sells_to ?o as of 2025-05-12"#
        ),
        vec!["Microsoft"]
    );
    assert!(q(
        &mut db,
        r#"find ?o where "Nvidia" sells_to ?o as of 2025-05-11"#
    )
    .is_empty());
}

#[test]
fn writes_are_one_commit_each() {
    let mut db = dataset();
    let mut s = Session::new();
    let out = run(
        &mut db,
        &mut s,
        r#"assert "G42" partner_of "Nvidia" note "analyst call""#,
    )
    .unwrap();
    assert_eq!(out.committed, Some(7));
    assert_eq!(
        q(&mut db, r#"find ?a where "Nvidia" partner_of "G42" in ?a"#),
        vec!["analyst call"]
    );
    let err = run(&mut db, &mut s, r#"retract "G42" ceo_of "Nvidia""#).unwrap_err();
    assert!(err.to_string().contains("nothing to retract"), "{err}");
    assert_eq!(db.view.watermark(), 7, "nothing appended");
    run(
        &mut db,
        &mut s,
        r#"retract "Nvidia" partner_of "G42" because "denied""#,
    )
    .unwrap();
    assert!(q(&mut db, r#"find ?a where "G42" partner_of "Nvidia" in ?a"#).is_empty());
    run(&mut db, &mut s, r#"retract article "ft-2025-05-14""#).unwrap();
    assert!(q(&mut db, r#"find ?x where "G42" partner_of ?x"#).is_empty());
    let err = run(&mut db, &mut s, r#"retract article "ft-2025-05-14""#).unwrap_err();
    assert!(err.to_string().contains("already retracted"), "{err}");
    run(&mut db, &mut s, r#"alias "Peng" as "Peng Xiao""#).unwrap();
    assert_eq!(q(&mut db, r#"find ?o where "peng" ceo_of ?o"#), vec!["G42"]);
    assert_eq!(db.view.watermark(), 10);
}

#[test]
fn history_why_entity() {
    let mut db = dataset();
    let h = q(&mut db, r#"history "Elon Musk""#);
    assert_eq!(h.len(), 4, "{h:?}");
    assert!(h[0].starts_with("1 | "), "{h:?}");
    let w = q(&mut db, r#"why "OpenAI" partner_of "G42""#);
    assert_eq!(
        w,
        vec!["2 | ft-2025-05-14 | Chips for the Gulf | 2025-05-14 | OpenAI partner_of G42. | rules 1"]
    );
    let e = q(&mut db, r#"entity "elon mask""#);
    assert_eq!(e[0], "name | Elon Musk");
    assert_eq!(e[1], "type | Person");
    assert_eq!(e[2], "aliases | Elon Mask");
}

#[test]
fn counting_fast_path_matches_the_general_path() {
    let mut db = dataset();
    for (fast, general) in [
        (
            "find ?p, count(*) as n where ?s ?p ?o",
            r#"find ?p, count(*) as n where ?s ?p ?o, ?s != "nobody""#,
        ),
        (
            "find count(?o) where ?s ?p ?o as of #3",
            r#"find count(?o) where ?s ?p ?o, ?s != "nobody" as of #3"#,
        ),
    ] {
        assert_eq!(q(&mut db, fast), q(&mut db, general), "{fast}");
    }
    assert_eq!(
        q(&mut db, "find ?p, count(*) as n where ?s ?p ?o"),
        vec![
            "amount | 1",
            "ceo_of | 3",
            "partner_of | 4",
            "said | 1",
            "sells_to | 3"
        ]
    );
}

#[test]
fn names_by_prefix() {
    let mut db = dataset();
    assert_eq!(
        q(&mut db, r#"find ?e where ?e name ?n, ?n starts_with "ELO""#),
        vec!["Elon Musk"]
    );
    assert_eq!(
        q(
            &mut db,
            r#"find ?e, ?n where ?e alias ?n, ?n starts_with "elon""#
        ),
        vec!["Elon Musk | Elon Mask"]
    );
    assert!(q(
        &mut db,
        r#"find ?e where ?e name ?n, ?n starts_with "mask""#
    )
    .is_empty());
}

#[test]
fn row_limit_time_limit_and_cancellation() {
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    let mut db = dataset();
    let mut s = Session::new();
    s.set_max_rows(2);
    let err = run(&mut db, &mut s, "find ?s, ?o where ?s ?p ?o").unwrap_err();
    assert!(matches!(err, annals::Error::Aborted(_)), "{err}");
    assert!(err.to_string().contains("more than 2 rows"), "{err}");

    let mut s = Session::new();
    s.set_timeout(Duration::ZERO);
    let err = run(
        &mut db,
        &mut s,
        "find count(*) where ?a ?p ?x, ?b ?q ?y, ?c ?r ?z",
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "query ran past its time limit of 0 s; raise it with --timeout"
    );

    // Ctrl-C: another thread sets the flag while a long query runs (12^6 solutions).
    let mut s = Session::new();
    let flag = s.cancel_flag();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = done.clone();
    let setter = std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            flag.store(true, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(1));
        }
    });
    let result = run(
        &mut db,
        &mut s,
        "find count(*) where ?a ?p ?x, ?b ?q ?y, ?c ?r ?z, ?d ?t ?u, ?e ?v ?w, ?f ?g ?h",
    );
    done.store(true, Ordering::Relaxed);
    setter.join().unwrap();
    assert_eq!(result.unwrap_err().to_string(), "query cancelled");
}

#[test]
fn a_later_optional_does_not_count_on_an_earlier_one() {
    // Found by the differential test: the second group's filter must wait for its
    // pattern, since the first group may leave ?b unbound.
    let mut db = dataset();
    assert_eq!(
        q(
            &mut db,
            r#"find ?x, ?b where ?x ceo_of "G42", optional (?b said "nothing"), optional (?x ?b _, ?b != "said")"#
        ),
        vec!["Peng Xiao | ceo_of"]
    );
}
