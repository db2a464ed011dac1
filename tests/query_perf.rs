//! A quick timing of the eight questions of issue 6 over a synthetic log of about 400k
//! fact assertions (20,000 articles, Zipf-popular entities, 2% of supports retracted,
//! about 1,000 aliases). Not a benchmark (the bench harness owns those): a check that
//! the engine is in the right range. Run it in release:
//!
//! ```text
//! cargo test --release --test query_perf -- --ignored --nocapture
//! PERF_ONLY=Q1 perf record target/release/deps/query_perf-* --ignored   # one question
//! ```
//!
//! On the issue's own data, through the binary (what the bench harness does):
//!
//! ```text
//! cargo run --release --example generate -- --facts 400000 --seed 1 --out 400k.jsonl
//! annals --db db import 400k.jsonl
//! annals --db db --timer --format tsv run q1.aq   # one statement repeated 11 times
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod query_common;

use std::time::Instant;

use annals::event::{Event, FactAsserted, FactRetracted, Source, Support};
use annals::query::Session;
use annals::value::{EntityType, Value};
use query_common::*;

const PREDS: [&str; 12] = [
    "ceo_of",
    "works_for",
    "partner_of",
    "sells_to",
    "buys_from",
    "invests_in",
    "owns",
    "located_in",
    "reported_by",
    "agreement_with",
    "competitor_of",
    "member_of",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Zipf-like: small indices far more often.
    fn zipf(&mut self, n: u64) -> u64 {
        let u = (self.next() % 1_000_000) as f64 / 1_000_000.0;
        ((n as f64).powf(u) - 1.0) as u64
    }
}

fn person(i: u64) -> String {
    format!("Person {i}")
}

fn org(i: u64) -> String {
    format!("Org {i}")
}

pub fn big_db(articles: u64, facts_per_article: u64) -> MemDb {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut db = MemDb::new();
    let people = 20_000;
    let orgs = 20_000;
    let mut typed = vec![];
    for i in 0..200 {
        typed.push(Event::EntityTyped {
            name: person(i),
            entity_type: EntityType::Person,
        });
        typed.push(Event::EntityTyped {
            name: org(i),
            entity_type: EntityType::Organization,
        });
    }
    db.push(typed);
    let mut recent: Vec<(String, String, String, String)> = Vec::new();
    for a in 0..articles {
        let id = format!("art-{a:05}");
        let mut events = vec![article(&id, &format!("Story {a}"), "2025-05-14")];
        for _ in 0..facts_per_article {
            let p = PREDS[rng.below(PREDS.len() as u64) as usize];
            let (s, o) = if p == "ceo_of" || p == "works_for" || p == "member_of" {
                (person(rng.zipf(people)), org(rng.zipf(orgs)))
            } else {
                (org(rng.zipf(orgs)), org(rng.zipf(orgs)))
            };
            if recent.len() < 4096 {
                recent.push((s.clone(), p.to_string(), o.clone(), id.clone()));
            } else {
                let k = rng.below(4096) as usize;
                recent[k] = (s.clone(), p.to_string(), o.clone(), id.clone());
            }
            events.push(Event::FactAsserted(FactAsserted {
                subject: s.into(),
                predicate: p.into(),
                object: Value::Entity(o),
                support: Support::from_source(Source::Article(id.as_str().into())),
            }));
        }
        // 2% of supports retracted, one support at a time.
        for _ in 0..(facts_per_article * 2 / 100).max(if a % 3 == 0 { 1 } else { 0 }) {
            let (s, p, o, art) = recent[rng.below(recent.len() as u64) as usize].clone();
            events.push(Event::FactRetracted(FactRetracted {
                subject: s.into(),
                predicate: p.into(),
                object: Value::Entity(o),
                article: Some(art.into()),
                reason: None,
            }));
        }
        if a % 20 == 0 {
            let x = 1000 + rng.below(people - 1000);
            events.push(alias(&format!("P. {x}"), &person(x)));
        }
        db.push(events);
    }
    db
}

/// (median, min) in ms, and rows.
fn time(db: &mut MemDb, session: &mut Session, q: &str) -> (f64, f64, usize) {
    let stmt = parse(q);
    let mut times = Vec::new();
    let mut n = 0;
    for _ in 0..15 {
        let t = Instant::now();
        let out = session.execute(db, &stmt, q).unwrap();
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        n = out.table.rows.len();
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    (times[times.len() / 2], times[0], n)
}

#[test]
#[ignore]
fn eight_questions() {
    let t = Instant::now();
    let mut db = big_db(20_000, 20);
    eprintln!(
        "built: {} triples, {} terms in {:.1} s",
        db.view.triple_count(),
        db.view.term_count(),
        t.elapsed().as_secs_f64()
    );
    let mut s = Session::new();
    let mid = db.view.watermark() / 2;
    let questions = [
        ("Q1", r#"find ?p, ?o where "Person 0" ?p ?o"#.to_string()),
        ("Q2", r#"find ?s, ?p where ?s ?p "Org 1""#.to_string()),
        (
            "Q3",
            r#"find ?who where ?who ceo_of ?org, ?org sells_to "Org 0""#.to_string(),
        ),
        (
            "Q4",
            r#"find ?o where "Org 5" sells_to{1,2} ?o"#.to_string(),
        ),
        (
            "Q5",
            "find ?p, count(*) as n where ?s ?p ?o order by n desc, ?p limit 10".to_string(),
        ),
        (
            "Q6",
            format!(r#"find ?p, ?o where "Person 0" ?p ?o as of #{mid}"#),
        ),
        (
            "Q7",
            r#"find ?a, ?d where "Org 0" partner_of "Org 1" in ?a, ?a published ?d"#.to_string(),
        ),
        (
            "Q8",
            r#"find ?e where ?e name ?n, ?n starts_with "pe""#.to_string(),
        ),
    ];
    // PERF_ONLY=Q5 runs one question many times, for a profiler.
    let only = std::env::var("PERF_ONLY").ok();
    for (name, q) in &questions {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        if only.is_some() {
            for _ in 0..20 {
                time(&mut db, &mut s, q);
            }
        }
        let (ms, min, rows) = time(&mut db, &mut s, q);
        eprintln!("{name}: median {ms:8.3} ms  min {min:8.3} ms  {rows:6} rows  {q}");
    }
}
