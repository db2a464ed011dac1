//! Test helpers for the query engine: an in-memory [`Database`], event builders, the
//! fixed dataset of the engine tests and the golden transcript, and `parse` through the
//! language's parser.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use annals::error::Result;
use annals::event::{Article, Commit, Event, FactAsserted, FactRetracted, Source, Support, Tx};
use annals::query::ast::*;
use annals::query::{Database, Output, Session};
use annals::table::Table;
use annals::value::{EntityType, Money, Value};
use annals::view::View;
use chrono::{DateTime, NaiveDate};

/// A database in memory: the view and the commits.
#[derive(Default)]
pub struct MemDb {
    pub view: View,
    pub commits: Vec<Commit>,
    /// Time of the next commit, in seconds since the epoch; each commit adds a day.
    pub clock: i64,
}

impl MemDb {
    pub fn new() -> MemDb {
        MemDb {
            view: View::new(),
            commits: Vec::new(),
            clock: 1_747_000_000,
        }
    }

    pub fn push(&mut self, events: Vec<Event>) -> Tx {
        self.commit(events).unwrap()
    }
}

impl Database for MemDb {
    fn view(&self) -> &View {
        &self.view
    }
    fn read_commit(&self, tx: Tx) -> Result<Commit> {
        Ok(self.commits[(tx - 1) as usize].clone())
    }
    fn scan_commits(&self, from: Tx, f: &mut dyn FnMut(&Commit) -> Result<bool>) -> Result<()> {
        for c in self.commits.iter().skip(from.saturating_sub(1) as usize) {
            if !f(c)? {
                break;
            }
        }
        Ok(())
    }
    fn commit(&mut self, events: Vec<Event>) -> Result<Tx> {
        let c = Commit {
            tx: self.view.watermark() + 1,
            time: DateTime::from_timestamp(self.clock, 0).unwrap(),
            events,
        };
        self.clock += 86_400;
        self.view.apply(&c)?;
        self.commits.push(c);
        Ok(self.view.watermark())
    }
}

// ---- events ---------------------------------------------------------------------------

pub fn fact(s: &str, p: &str, o: &str, article: &str) -> Event {
    fact_v(s, p, Value::Entity(o.into()), article)
}

pub fn fact_v(s: &str, p: &str, o: Value, article: &str) -> Event {
    let source = if article.is_empty() {
        Source::None
    } else {
        Source::Article(article.into())
    };
    let mut support = Support::from_source(source);
    support.evidence = Some(annals::event::Evidence {
        sentence: format!("{s} {p} {o}."),
        start: 0,
        end: 1,
    });
    support.extractor = Some(annals::event::Extractor {
        name: "rules".into(),
        version: "1".into(),
    });
    Event::FactAsserted(FactAsserted {
        subject: s.into(),
        predicate: p.into(),
        object: o,
        support,
    })
}

pub fn retract(s: &str, p: &str, o: &str, article: Option<&str>) -> Event {
    Event::FactRetracted(FactRetracted {
        subject: s.into(),
        predicate: p.into(),
        object: Value::Entity(o.into()),
        article: article.map(Into::into),
        reason: None,
    })
}

pub fn article(id: &str, title: &str, published: &str) -> Event {
    Event::ArticleAdded(Article {
        id: id.into(),
        title: Some(title.into()),
        url: Some(format!("https://news.example/{id}")),
        published: NaiveDate::parse_from_str(published, "%Y-%m-%d").ok(),
        language: Some("en".into()),
        text: String::new(),
        content_hash: id.into(),
        mentions: Vec::new(),
    })
}

pub fn typed(name: &str, t: EntityType) -> Event {
    Event::EntityTyped {
        name: name.into(),
        entity_type: t,
    }
}

pub fn alias(a: &str, c: &str) -> Event {
    Event::AliasAdded {
        alias: a.into(),
        canonical: c.into(),
    }
}

// ---- running ----------------------------------------------------------------------------

pub fn run(db: &mut MemDb, session: &mut Session, src: &str) -> Result<Output> {
    let stmt = parse(src);
    session.execute(db, &stmt, src)
}

/// Rows as text: cells joined by " | ", unbound as "-".
pub fn rows(t: &Table) -> Vec<String> {
    t.rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|c| c.as_ref().map_or("-".to_string(), |v| v.to_string()))
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

pub fn q(db: &mut MemDb, src: &str) -> Vec<String> {
    let mut s = Session::new();
    match run(db, &mut s, src) {
        Ok(out) => rows(&out.table),
        Err(e) => panic!("{src}\n{e}"),
    }
}

/// Parses one statement with the language's parser.
pub fn parse(src: &str) -> Statement {
    match annals::query::parser::parse_statement(src) {
        Ok(s) => s,
        Err(e) => panic!("{}", e.render(src, None)),
    }
}

// ---- the fixed dataset ----------------------------------------------------------------

/// The dataset: 6 commits.
///  1. two articles, types
///  2. facts from wp (a1) and ft (a2)
///  3. alias "Elon Mask" -> "Elon Musk", a fact under the new name from a3
///  4. wp's support of G42 partner_of OpenAI withdrawn (ft's stands)
///  5. article a3 retracted
///  6. Nvidia sells_to Microsoft retracted outright
pub fn dataset() -> MemDb {
    let mut db = MemDb::new();
    db.push(vec![
        article("wp-2025-05-13", "G42 and OpenAI", "2025-05-13"),
        article("ft-2025-05-14", "Chips for the Gulf", "2025-05-14"),
        article("a3", "Rockets", "2025-05-15"),
        typed("Peng Xiao", EntityType::Person),
        typed("Sam Altman", EntityType::Person),
        typed("Elon Mask", EntityType::Person),
        typed("G42", EntityType::Organization),
        typed("OpenAI", EntityType::Organization),
        typed("Microsoft", EntityType::Organization),
        typed("Nvidia", EntityType::Organization),
    ]);
    db.push(vec![
        fact("Peng Xiao", "ceo_of", "G42", "wp-2025-05-13"),
        fact("G42", "partner_of", "OpenAI", "wp-2025-05-13"),
        fact("OpenAI", "partner_of", "G42", "ft-2025-05-14"),
        fact("Sam Altman", "ceo_of", "OpenAI", "wp-2025-05-13"),
        fact("OpenAI", "partner_of", "Microsoft", "ft-2025-05-14"),
        fact("Nvidia", "sells_to", "Microsoft", "ft-2025-05-14"),
        fact("Microsoft", "sells_to", "G42", "ft-2025-05-14"),
        fact("G42", "sells_to", "Core42", "ft-2025-05-14"),
        fact("Core42", "sells_to", "G42", "ft-2025-05-14"),
        fact_v(
            "Sam Altman",
            "said",
            Value::Str("compute is the currency".into()),
            "wp-2025-05-13",
        ),
        fact_v(
            "G42",
            "amount",
            Value::Money(Money {
                amount: 1.5e9,
                currency: "USD".into(),
            }),
            "ft-2025-05-14",
        ),
        fact("Elon Mask", "ceo_of", "X Corp", "ft-2025-05-14"),
    ]);
    db.push(vec![
        alias("Elon Mask", "Elon Musk"),
        fact("Elon Musk", "founder_of", "SpaceX", "a3"),
    ]);
    db.push(vec![retract(
        "G42",
        "partner_of",
        "OpenAI",
        Some("wp-2025-05-13"),
    )]);
    db.push(vec![annals::event::Event::ArticleRetracted {
        id: "a3".into(),
        reason: None,
    }]);
    db.push(vec![retract("Nvidia", "sells_to", "Microsoft", None)]);
    db
}
