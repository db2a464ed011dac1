#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The query language front end: statements, spans, diagnostics (exact rendered text),
//! limits, REPL helpers, and parse∘print round trips on random trees.

use annals::query::ast::*;
use annals::query::parser::*;

fn parse(src: &str) -> Statement {
    parse_statement(src).unwrap_or_else(|e| panic!("{}", e.render(src, None)))
}

fn find(src: &str) -> Find {
    match parse(src).kind {
        StatementKind::Find(f) => f,
        other => panic!("not a find: {other:?}"),
    }
}

fn err(src: &str) -> String {
    match parse_script(src) {
        Ok(s) => panic!("parsed: {s}"),
        Err(e) => e.render(src, Some("script.aq")),
    }
}

fn text(src: &str, span: Span) -> &str {
    &src[span.start..span.end]
}

/// Debug output with every span blanked, to compare trees regardless of position.
fn erased<T: std::fmt::Debug>(x: &T) -> String {
    let re = regex::Regex::new(r"Span \{ start: \d+, end: \d+ \}").unwrap();
    re.replace_all(&format!("{x:?}"), "Span").into_owned()
}

#[test]
fn find_with_everything() {
    let src = "find ?person, count(distinct ?org) as n\n\
               where ?person ceo_of ?org in ?a, ?org partner_of \"OpenAI\"\n\
               order by n desc, ?person limit 10 offset 5 as of #42;";
    let f = find(src);
    let Projection::Items(items) = &f.projection else {
        panic!()
    };
    assert_eq!(items.len(), 2);
    let ProjItem::Aggregate(agg) = &items[1] else {
        panic!()
    };
    assert_eq!(agg.func, AggFunc::Count);
    assert!(agg.distinct);
    assert_eq!(agg.alias.as_ref().unwrap().name, "n");
    assert_eq!(text(src, agg.span), "count(distinct ?org) as n");
    assert_eq!(f.clauses.len(), 2);
    let Clause::Pattern(p) = &f.clauses[0] else {
        panic!()
    };
    assert_eq!(text(src, p.span), "?person ceo_of ?org in ?a");
    assert_eq!(p.article.as_ref().unwrap().name, "a");
    assert_eq!(text(src, p.subject.span()), "?person");
    assert_eq!(f.order_by.len(), 2);
    assert!(f.order_by[0].descending);
    assert_eq!(f.limit, Some(10));
    assert_eq!(f.offset, Some(5));
    assert!(matches!(f.as_of, Some(AsOf::Tx(42, s)) if text(src, s) == "#42"));
    let st = parse(src);
    assert_eq!(text(src, st.span), src.trim_end_matches(';'));
}

#[test]
fn paths_clauses_and_filters() {
    let f = find(
        "find * where ?a ^partner_of{1,3} ?b, ?a sells_to+ ?c, ?a owns* ?d, ?s ?p ?o, \
         not ?a acquires _, not (?a x ?y, ?y = 3), optional (?a amount ?m), \
         ?m >= 5.5, ?n contains \"x\", ?n starts_with \"é\", ?n matches \"^G\", \
         ?d in [\"a\", 2025-05-14, $p], ?t < 2025-05-14T10:00:00Z, ?a != -4",
    );
    assert!(matches!(f.projection, Projection::Star(_)));
    let paths: Vec<String> = f
        .clauses
        .iter()
        .filter_map(|c| match c {
            Clause::Pattern(p) => Some(p.path.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(paths, ["^partner_of{1,3}", "sells_to+", "owns*", "?p"]);
    assert!(
        matches!(&f.clauses[4], Clause::Not(cs, _) if matches!(cs.as_slice(), [Clause::Pattern(p)] if matches!(p.object, Term::Wildcard(_))))
    );
    assert!(matches!(&f.clauses[5], Clause::Not(cs, _) if cs.len() == 2));
    assert!(matches!(&f.clauses[6], Clause::Optional(cs, _) if cs.len() == 1));
    let ops: Vec<String> = f
        .clauses
        .iter()
        .filter_map(|c| match c {
            Clause::Filter(Filter::Compare { op, .. }) => Some(op.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(ops, [">=", "contains", "starts_with", "matches", "<", "!="]);
    assert!(
        matches!(&f.clauses[11], Clause::Filter(Filter::In { values, .. }) if values.len() == 3)
    );
}

#[test]
fn literals_and_escapes() {
    let f = find(
        r#"find ?x where ?x said "a\"b\\c\nd\te\u{E9}", ?x p 42, ?x q 4.25, ?x r 2025-05-14, ?x s 2025-05-14T10:00:00+02:00"#,
    );
    let objects: Vec<&Term> = f
        .clauses
        .iter()
        .map(|c| match c {
            Clause::Pattern(p) => &p.object,
            _ => panic!(),
        })
        .collect();
    assert!(matches!(objects[0], Term::Literal(Literal::Str(s), _) if s == "a\"b\\c\nd\teé"));
    assert!(matches!(objects[1], Term::Literal(Literal::Int(42), _)));
    assert!(matches!(objects[2], Term::Literal(Literal::Decimal(d), _) if *d == 4.25));
    assert_eq!(objects[3].to_string(), "2025-05-14");
    assert_eq!(objects[4].to_string(), "2025-05-14T08:00:00Z");
}

#[test]
fn keywords_any_case_and_comments() {
    let src = "-- leading comment\nFIND ?p -- who\n WhErE ?p ceo_of \"OpenAI\" -- the org\n ORDER BY ?p DESC;";
    let s = parse_script(src).unwrap();
    assert_eq!(s.statements.len(), 1);
    assert_eq!(
        s.to_string(),
        "find ?p where ?p ceo_of \"OpenAI\" order by ?p desc;\n"
    );
}

#[test]
fn every_other_statement() {
    let src = r#"
        history "G42" as of 2025-05-14;
        why "G42" partner_of "OpenAI" as of $when;
        entity "Elon Mask";
        suggest aliases;
        suggest aliases for "Elon" limit 5;
        assert "G42" partner_of "OpenAI" note "analyst call, 2025-05-20";
        retract "G42" partner_of "OpenAI" because "denied by both companies";
        retract "G42" partner_of "OpenAI" in "wp-2025-05-13" because "story corrected";
        retract article "a1b2c3" because "article withdrawn";
        alias "Elon Mask" as "Elon Musk";
        let $org = "G42";
        explain find ?x where ?x ceo_of $org;
        explain analyze find ?x where ?x ceo_of $org
    "#;
    let script = parse_script(src).unwrap();
    let expected = r#"history "G42" as of 2025-05-14;
why "G42" partner_of "OpenAI" as of $when;
entity "Elon Mask";
suggest aliases;
suggest aliases for "Elon" limit 5;
assert "G42" partner_of "OpenAI" note "analyst call, 2025-05-20";
retract "G42" partner_of "OpenAI" because "denied by both companies";
retract "G42" partner_of "OpenAI" in "wp-2025-05-13" because "story corrected";
retract article "a1b2c3" because "article withdrawn";
alias "Elon Mask" as "Elon Musk";
let $org = "G42";
explain find ?x where ?x ceo_of $org;
explain analyze find ?x where ?x ceo_of $org;
"#;
    assert_eq!(script.to_string(), expected);
    // Statement spans are whole-source offsets.
    let last = script.statements.last().unwrap();
    assert!(text(src, last.span).starts_with("explain analyze find"));
    assert!(matches!(
        &script.statements[10].kind,
        StatementKind::Let { name, value: Term::Literal(Literal::Str(s), _) } if name.name == "org" && s == "G42"
    ));
}

#[test]
fn scripts_and_single_statements() {
    assert_eq!(parse_script("").unwrap().statements.len(), 0);
    assert_eq!(parse_script(" ;; -- x\n").unwrap().statements.len(), 0);
    assert_eq!(
        parse_script("entity \"a\"; entity \"b\"")
            .unwrap()
            .statements
            .len(),
        2
    );
    assert!(parse_statement("entity \"a\"").is_ok());
    assert!(parse_statement("entity \"a\" ; ").is_ok());
    assert!(parse_statement("entity \"a\"; entity \"b\"").is_err());
    assert!(parse_script("entity \"a\" entity \"b\"").is_err());
}

#[test]
fn order_by_aggregate_names_its_column() {
    let f = find("find ?p, count(?o) where ?p ceo_of ?o order by COUNT( ?o ) desc");
    assert!(matches!(&f.order_by[0].target, OrderTarget::Column(n) if n.name == "count(?o)"));
}

#[test]
fn rejected_forms() {
    for bad in [
        "find ?x where ?x p ?y as of #1 limit 3", // as of comes last
        "find ?x where",
        "find where ?x p ?y",
        "find ?x where ?x p",
        "find ?x where not ()",
        "find ?x where ?x p ?y in",
        "find ?x where ?x p{3,1} ?y",
        "find ?x where ?x in ?y",
        "find sum(*) where ?x p ?y",
        "find ?x, count(*) as where where ?x p ?y",
        "explain explain find ?x where ?x p ?y",
        "assert ?x p \"a\"",
        "let $x = ?y",
        "find ?x where ?x p \"\\q\"",
        "find ?x where ?x p \"\\u{D800}\"",
        "find ?x where ?x p 2025-13-01",
        "find ?x where ?x p 2025-1-01",
        "history \"x\" as of 2025-05-14T25:00:00Z",
        "find ?x where ?x p 99999999999999999999",
        "find ?x where ?x p ?y limit 99999999999999999999999",
        "find ?x where ?x contains ?y ?z",
    ] {
        assert!(parse_script(bad).is_err(), "accepted: {bad}");
    }
}

// ---- diagnostics: exact rendered text ----

#[test]
fn diagnostic_misspelled_where() {
    assert_eq!(
        err("find ?p\nwher ?p ceo_of ?o;"),
        "error: expected `,` or `where`, found `wher`
 --> script.aq:2:1
  |
2 | wher ?p ceo_of ?o;
  | ^^^^
  = help: did you mean `where`?"
    );
}

#[test]
fn diagnostic_misspelled_statement_keyword() {
    assert_eq!(
        err("entity \"G42\";\nfnd ?p where ?p ceo_of ?o;"),
        "error: expected `find`, `history`, `why`, `entity`, `suggest`, `assert`, `retract`, `alias`, `let` or `explain`, found `fnd`
 --> script.aq:2:1
  |
2 | fnd ?p where ?p ceo_of ?o;
  | ^^^
  = help: did you mean `find`?"
    );
}

#[test]
fn diagnostic_after_the_clauses() {
    assert_eq!(
        err("find ?p where ?p ceo_of ?o lmit 5"),
        "error: expected `,`, `order`, `limit`, `offset`, `as`, `;` or end of input, found `lmit`
 --> script.aq:1:28
  |
1 | find ?p where ?p ceo_of ?o lmit 5
  |                            ^^^^
  = help: did you mean `limit`?"
    );
}

#[test]
fn diagnostic_missing_object_counts_characters() {
    let src = "find ?p where ?p said \"Émirats\", ?p ceo_of";
    let e = parse_script(src).unwrap_err();
    assert_eq!(e.found, "end of input");
    assert_eq!((e.line, e.column), (1, 43));
    assert_eq!(
        e.render(src, None),
        "error: expected a term (`?var`, `_`, `$param`, a string, number or date), found end of input
 --> line 1, column 43
  |
1 | find ?p where ?p said \"Émirats\", ?p ceo_of
  |                                           ^"
    );
}

#[test]
fn diagnostic_custom_messages() {
    assert_eq!(
        err("find ?x where ?x published 2025-02-30"),
        "error: no such date: 2025-02-30
 --> script.aq:1:28
  |
1 | find ?x where ?x published 2025-02-30
  |                            ^^^^^^^^^^"
    );
    assert_eq!(
        err("find ?x where ?x said \"a\\qb\""),
        "error: unknown escape `\\q`: use \\\" \\\\ \\n \\t \\r or \\u{…}
 --> script.aq:1:25
  |
1 | find ?x where ?x said \"a\\qb\"
  |                         ^^"
    );
}

#[test]
fn diagnostic_bare_words() {
    assert_eq!(
        err("find ?p where ?p ceo_of OpenAI;"),
        "error: expected a term (`?var`, `_`, `$param`, a string, number or date), found `OpenAI`
 --> script.aq:1:25
  |
1 | find ?p where ?p ceo_of OpenAI;
  |                         ^^^^^^
  = help: names and other strings go in double quotes: `\"OpenAI\"`"
    );
    let e = parse_script("find p where ?p ceo_of ?o").unwrap_err();
    assert_eq!(e.help.as_deref(), Some("variables start with `?`: `?p`"));
    let e = parse_script("entity G42").unwrap_err();
    assert_eq!(
        e.help.as_deref(),
        Some("names and other strings go in double quotes: `\"G42\"`")
    );
}

#[test]
fn diagnostic_as_of_comes_last() {
    assert_eq!(
        err("find ?x where ?x p ?y as of #1 limit 3"),
        "error: `as of` comes last: move `limit` before it
 --> script.aq:1:32
  |
1 | find ?x where ?x p ?y as of #1 limit 3
  |                                ^^^^^"
    );
}

#[test]
fn diagnostic_filter_operator() {
    let e = parse_script("find ?x where ?x ~ 3").unwrap_err();
    assert_eq!(
        e.message,
        "expected `in`, a comparison operator or a predicate, found `~`"
    );
}

// ---- limits and robustness ----

fn nested(depth: usize) -> String {
    let mut s = String::from("find ?x where ");
    for n in 0..depth {
        s.push_str(if n % 2 == 0 { "not (" } else { "optional (" });
    }
    s.push_str("?x p ?y");
    s.push_str(&")".repeat(depth));
    s
}

#[test]
fn nesting_up_to_the_limit_parses() {
    assert!(parse_statement(&nested(MAX_DEPTH)).is_ok());
}

#[test]
fn nesting_past_the_limit_is_an_error() {
    let src = nested(MAX_DEPTH + 1);
    let e = parse_statement(&src).unwrap_err();
    assert_eq!(e.message, "nesting deeper than 256 levels");
    for src in [
        nested(100_000),
        format!("find ?x where {}", "not (".repeat(100_000)),
    ] {
        let e = parse_statement(&src).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 256 levels");
    }
    let parens = format!("find ?x where {}", "(".repeat(100_000));
    assert!(parse_statement(&parens).is_err());
    assert!(parse_statement(&"explain ".repeat(100_000)).is_err());
}

#[test]
fn a_two_megabyte_string_parses() {
    let body = "é\\\"x".repeat(2 * 1024 * 1024 / 5);
    let src = format!("assert \"a\" said \"{body}\";");
    let s = parse_statement(&src).unwrap();
    let StatementKind::Assert {
        object: Term::Literal(Literal::Str(o), _),
        ..
    } = s.kind
    else {
        panic!()
    };
    assert_eq!(o.len(), body.len() - body.len() / 5);
    assert_eq!(input_status(&src), InputStatus::Complete);
    assert_eq!(highlight_tokens(&src).len(), 5);
}

// ---- REPL helpers ----

#[test]
fn input_status_cases() {
    use InputStatus::*;
    for (src, want) in [
        ("", Complete),
        ("  -- just a comment", Complete),
        ("find ?p where ?p ceo_of ?o;", Complete),
        ("entity \"a\"; entity \"b\";", Complete),
        ("find ?p where ?p ceo_of ?o", Incomplete),
        ("find ?p\nwhere", Incomplete),
        ("find ?p where not (?p ceo_of ?o", Incomplete),
        ("find ?p where ?p in [\"a\",", Incomplete),
        ("find ?p where ?p said \"a;b", Incomplete),
        ("find ?p where ?p ceo_of ?o -- done;", Incomplete),
        ("entity \"a\"; entity", Incomplete),
        ("fnd ?p;", Invalid),
        ("fnd ?p", Invalid),
        ("find ?p wher", Incomplete), // may become `where`
        ("fin", Incomplete),
        ("find ?p where ?p x ?o lmit", Invalid),
        ("find ?p where ?p published 2025-0", Incomplete),
        ("find ?p where ?p x ?o, ?p !", Incomplete),
        ("find \"x\"", Invalid),
        ("entity \"a\" x; entity \"b\"", Invalid),
        ("find ?p where not (?p ceo_of ?o;", Invalid),
    ] {
        assert_eq!(input_status(src), want, "{src:?}");
    }
}

#[test]
fn split_statements_for_run_errors() {
    let src = "entity \"a;b\"; -- one; two\n\n  history \"c\" ;\nwhy";
    let parts: Vec<&str> = split_statements(src)
        .into_iter()
        .map(|s| text(src, s))
        .collect();
    assert_eq!(parts, ["entity \"a;b\"", "history \"c\"", "why"]);
}

#[test]
fn highlighting_names_every_token() {
    let src = "FIND ?p, count(*) where ?p ceo_of $org, ?d > 2025-05-14 -- c\n as of #3;";
    let kinds: Vec<(&str, TokenKind)> = highlight_tokens(src)
        .into_iter()
        .map(|(s, k)| (text(src, s), k))
        .collect();
    use TokenKind::*;
    assert_eq!(
        kinds,
        [
            ("FIND", Keyword),
            ("?p", Variable),
            (",", Punctuation),
            ("count", Keyword),
            ("(", Punctuation),
            ("*", Punctuation),
            (")", Punctuation),
            ("where", Keyword),
            ("?p", Variable),
            ("ceo_of", Identifier),
            ("$org", Param),
            (",", Punctuation),
            ("?d", Variable),
            (">", Punctuation),
            ("2025-05-14", Number),
            ("-- c", Comment),
            ("as", Keyword),
            ("of", Keyword),
            ("#3", Number),
            (";", Punctuation),
        ]
    );
    assert!(highlight_tokens("\"unclosed").len() == 1);
    assert!(PREDICATES.contains(&"partner_of") && KEYWORDS.contains(&"find"));
}

// ---- properties ----

mod props {
    use super::*;
    use chrono::{DateTime, NaiveDate};
    use proptest::prelude::*;

    const CASES_PREFIX: u32 = 48;

    fn sp() -> Span {
        Span::default()
    }

    fn ident() -> impl Strategy<Value = String> {
        "[a-zA-Z][a-zA-Z0-9_]{0,6}|é[a-z]{0,3}"
    }

    fn column() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9_]{0,6}".prop_filter("not a keyword", |s| !KEYWORDS.contains(&s.as_str()))
    }

    fn pred() -> impl Strategy<Value = String> {
        "[a-z][a-z0-9_]{0,8}".prop_filter("not an operator word", |s| {
            !["in", "contains", "starts_with", "matches"].contains(&s.as_str())
        })
    }

    fn var() -> impl Strategy<Value = Var> {
        ident().prop_map(|name| Var { name, span: sp() })
    }

    fn name(s: impl Strategy<Value = String>) -> impl Strategy<Value = Name> {
        s.prop_map(|name| Name { name, span: sp() })
    }

    fn date() -> impl Strategy<Value = NaiveDate> {
        (1000i32..=9999, 1u32..=12, 1u32..=28)
            .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn datetime() -> impl Strategy<Value = DateTime<chrono::Utc>> {
        (
            -30_610_224_000i64..253_402_300_799,
            prop_oneof![Just(0u32), 0u32..1_000_000_000],
        )
            .prop_map(|(s, n)| DateTime::from_timestamp(s, n).unwrap())
    }

    fn literal() -> impl Strategy<Value = Literal> {
        prop_oneof![
            any::<String>().prop_map(Literal::Str),
            "[ -~]{0,8}".prop_map(Literal::Str),
            any::<i64>().prop_map(Literal::Int),
            any::<f64>()
                .prop_filter("finite", |d| d.is_finite())
                .prop_map(Literal::Decimal),
            date().prop_map(Literal::Date),
            datetime().prop_map(Literal::DateTime),
        ]
    }

    fn constant() -> impl Strategy<Value = Term> {
        prop_oneof![
            3 => literal().prop_map(|l| Term::Literal(l, sp())),
            1 => name(ident()).prop_map(Term::Param),
        ]
    }

    fn term() -> BoxedStrategy<Term> {
        prop_oneof![
            3 => var().prop_map(Term::Var),
            1 => Just(Term::Wildcard(sp())),
            2 => constant(),
        ]
        .boxed()
    }

    fn path() -> impl Strategy<Value = Path> {
        let repeat = prop_oneof![
            Just(Repeat::One),
            Just(Repeat::Plus),
            Just(Repeat::Star),
            (0u32..5, 0u32..5).prop_map(|(a, b)| Repeat::Range(a.min(b), a.max(b))),
        ];
        prop_oneof![
            var().prop_map(Path::Var),
            (name(pred()), any::<bool>(), repeat).prop_map(|(name, inverse, repeat)| {
                Path::Pred {
                    name,
                    inverse,
                    repeat,
                }
            }),
        ]
    }

    fn pattern() -> BoxedStrategy<Pattern> {
        (term(), path(), term(), proptest::option::of(var()))
            .prop_map(|(subject, path, object, article)| Pattern {
                subject,
                path,
                object,
                article,
                span: sp(),
            })
            .boxed()
    }

    fn op() -> impl Strategy<Value = CompareOp> {
        use CompareOp::*;
        prop_oneof![
            Just(Eq),
            Just(Ne),
            Just(Lt),
            Just(Le),
            Just(Gt),
            Just(Ge),
            Just(Contains),
            Just(StartsWith),
            Just(Matches)
        ]
    }

    fn clause() -> BoxedStrategy<Clause> {
        let leaf = prop_oneof![
            3 => pattern().prop_map(Clause::Pattern),
            1 => (term(), op(), term()).prop_map(|(left, op, right)| {
                Clause::Filter(Filter::Compare { left, op, right, span: sp() })
            }),
            1 => (term(), proptest::collection::vec(term(), 1..4)).prop_map(|(left, values)| {
                Clause::Filter(Filter::In { left, values, span: sp() })
            }),
        ];
        leaf.prop_recursive(3, 16, 3, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 1..3).prop_map(|c| Clause::Not(c, sp())),
                proptest::collection::vec(inner, 1..3).prop_map(|c| Clause::Optional(c, sp())),
            ]
        })
        .boxed()
    }

    fn aggregate() -> impl Strategy<Value = Aggregate> {
        use AggFunc::*;
        let func = prop_oneof![Just(Count), Just(Sum), Just(Min), Just(Max), Just(Avg)];
        (
            func,
            any::<bool>(),
            proptest::option::of(var()),
            proptest::option::of(name(column())),
        )
            .prop_map(|(func, distinct, arg, alias)| Aggregate {
                func,
                distinct,
                arg: if func == Count {
                    arg
                } else {
                    arg.or(Some(Var {
                        name: "x".into(),
                        span: sp(),
                    }))
                },
                alias,
                span: sp(),
            })
    }

    fn as_of() -> impl Strategy<Value = AsOf> {
        prop_oneof![
            any::<u64>().prop_map(|n| AsOf::Tx(n, sp())),
            date().prop_map(|d| AsOf::Date(d, sp())),
            datetime().prop_map(|d| AsOf::DateTime(d, sp())),
            name(ident()).prop_map(AsOf::Param),
        ]
    }

    fn find() -> BoxedStrategy<Find> {
        let projection = prop_oneof![
            1 => Just(Projection::Star(sp())),
            4 => proptest::collection::vec(
                prop_oneof![var().prop_map(ProjItem::Var), aggregate().prop_map(ProjItem::Aggregate)],
                1..4
            ).prop_map(Projection::Items),
        ];
        let target = prop_oneof![
            var().prop_map(OrderTarget::Var),
            name(column()).prop_map(OrderTarget::Column),
            aggregate().prop_map(|mut a| {
                a.alias = None;
                OrderTarget::Column(Name {
                    name: annals::query::print::aggregate_column(&a),
                    span: sp(),
                })
            }),
        ];
        let key = (target, any::<bool>()).prop_map(|(target, descending)| OrderKey {
            target,
            descending,
            span: sp(),
        });
        (
            projection,
            proptest::collection::vec(clause(), 1..4),
            proptest::collection::vec(key, 0..3),
            proptest::option::of(any::<u64>()),
            proptest::option::of(any::<u64>()),
            proptest::option::of(as_of()),
        )
            .prop_map(
                |(projection, clauses, order_by, limit, offset, as_of)| Find {
                    projection,
                    clauses,
                    order_by,
                    limit,
                    offset,
                    as_of,
                },
            )
            .boxed()
    }

    fn inner_statement() -> BoxedStrategy<StatementKind> {
        let o = || proptest::option::of(constant());
        prop_oneof![
            4 => find().prop_map(StatementKind::Find),
            1 => (constant(), proptest::option::of(as_of())).prop_map(|(target, as_of)| StatementKind::History { target, as_of }),
            1 => (constant(), name(pred()), constant(), proptest::option::of(as_of())).prop_map(|(subject, predicate, object, as_of)| StatementKind::Why { subject, predicate, object, as_of }),
            1 => (constant(), proptest::option::of(as_of())).prop_map(|(name, as_of)| StatementKind::Entity { name, as_of }),
            1 => (o(), proptest::option::of(any::<u64>())).prop_map(|(target, limit)| StatementKind::SuggestAliases { target, limit }),
            1 => (constant(), name(pred()), constant(), o()).prop_map(|(subject, predicate, object, note)| StatementKind::Assert { subject, predicate, object, note }),
            1 => (constant(), name(pred()), constant(), o(), o()).prop_map(|(subject, predicate, object, article, reason)| StatementKind::Retract { subject, predicate, object, article, reason }),
            1 => (constant(), o()).prop_map(|(id, reason)| StatementKind::RetractArticle { id, reason }),
            1 => (constant(), constant()).prop_map(|(alias, canonical)| StatementKind::Alias { alias, canonical }),
            1 => (name(ident()), literal()).prop_map(|(name, l)| StatementKind::Let { name, value: Term::Literal(l, sp()) }),
        ]
        .boxed()
    }

    fn statement() -> impl Strategy<Value = Statement> {
        prop_oneof![
            5 => inner_statement().prop_map(|kind| Statement { kind, span: sp() }),
            1 => (any::<bool>(), inner_statement()).prop_map(|(analyze, kind)| Statement {
                kind: StatementKind::Explain { analyze, statement: Box::new(Statement { kind, span: sp() }) },
                span: sp(),
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn print_then_parse_gives_the_same_tree(script in proptest::collection::vec(statement(), 1..4)) {
            let script = Script { statements: script };
            let text = script.to_string();
            let back = match parse_script(&text) {
                Ok(s) => s,
                Err(e) => panic!("{}", e.render(&text, None)),
            };
            prop_assert_eq!(erased(&back), erased(&script), "{}", text);
            prop_assert_eq!(back.to_string(), text);
        }

        #[test]
        fn any_text_never_panics(src in any::<String>()) {
            let _ = parse_script(&src);
            let _ = parse_statement(&src);
            let _ = input_status(&src);
            let _ = highlight_tokens(&src);
            let _ = split_statements(&src);
            if let Err(e) = parse_script(&src) {
                let _ = e.render(&src, Some("x"));
            }
        }

        #[test]
        fn near_miss_text_never_panics(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("find "), Just("?x "), Just("where "), Just("not ("), Just(")"),
                    Just("optional("), Just("\""), Just("\\"), Just("\\u{"), Just("}"), Just(","),
                    Just(";"), Just("2025-"), Just("05-14"), Just("T10:00"), Just("-"), Just("--"),
                    Just("\n"), Just("é"), Just("#"), Just("$"), Just("{1,"), Just("+"), Just("as of "),
                    Just("count("), Just("*"), Just("["), Just("]"), Just("in "), Just("ceo_of "),
                ],
                0..24,
            )
        ) {
            let src: String = parts.concat();
            let _ = parse_script(&src).map_err(|e| e.render(&src, None));
            let _ = input_status(&src);
            let _ = highlight_tokens(&src);
        }

        #[test]
        fn bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let src = String::from_utf8_lossy(&bytes);
            let _ = parse_script(&src).map_err(|e| e.render(&src, None));
            let _ = input_status(&src);
        }

        #[test]
        fn highlight_spans_tile_the_tokens(src in any::<String>()) {
            let mut last = 0;
            for (s, _) in highlight_tokens(&src) {
                prop_assert!(s.start >= last && s.end > s.start && s.end <= src.len());
                prop_assert!(src.is_char_boundary(s.start) && src.is_char_boundary(s.end));
                last = s.end;
            }
        }
    }

    proptest! {
        // Each case parses every prefix of a statement: fewer cases keep it fast.
        #![proptest_config(ProptestConfig::with_cases(CASES_PREFIX))]

        #[test]
        fn every_prefix_of_a_statement_is_incomplete(st in statement()) {
            let text = st.to_string();
            prop_assert_eq!(input_status(&format!("{text};")), InputStatus::Complete);
            for (n, _) in text.char_indices().skip(1) {
                let prefix = &text[..n];
                if prefix.trim().is_empty() {
                    continue;
                }
                prop_assert_eq!(input_status(prefix), InputStatus::Incomplete, "{:?}", prefix);
            }
            prop_assert_eq!(input_status(&text), InputStatus::Incomplete);
        }
    }
}

#[test]
fn every_span_points_into_the_source() {
    let src = "-- q\nfind ?p, count(distinct ?o) as n where ?p ^ceo_of+ ?o in ?a, \
               not (?o partner_of _, ?o = \"é\"), optional (?o amount ?m), ?m in [1, 2.5] \
               order by n desc, ?p as of 2025-05-14;\nhistory $org as of #3;";
    let script = parse_script(src).unwrap();
    let debug = format!("{script:?}");
    let spans = regex::Regex::new(r"Span \{ start: (\d+), end: (\d+) \}").unwrap();
    let mut n = 0;
    for c in spans.captures_iter(&debug) {
        let (s, e): (usize, usize) = (c[1].parse().unwrap(), c[2].parse().unwrap());
        assert!(s < e && e <= src.len(), "{s}..{e}");
        assert!(src.is_char_boundary(s) && src.is_char_boundary(e));
        n += 1;
    }
    assert!(n > 30, "{n} spans");
    let vars =
        regex::Regex::new(r#"Var \{ name: "(\w+)", span: Span \{ start: (\d+), end: (\d+) \}"#)
            .unwrap();
    for c in vars.captures_iter(&debug) {
        let (s, e): (usize, usize) = (c[2].parse().unwrap(), c[3].parse().unwrap());
        assert_eq!(&src[s..e], format!("?{}", &c[1]));
    }
}
