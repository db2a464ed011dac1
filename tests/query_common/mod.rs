//! Test helpers for the query engine: an in-memory [`Database`], a tiny parser for the
//! statements the tests write (a stand-in until the nom parser lands; it accepts the
//! SPEC §3 syntax the tests use and nothing clever), and event builders.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use annals::error::Result;
use annals::event::{Article, Commit, Event, FactAsserted, FactRetracted, Source, Support, Tx};
use annals::query::ast::*;
use annals::query::{Database, Output, Session};
use annals::table::Table;
use annals::value::{EntityType, Value};
use annals::view::View;
use chrono::{DateTime, NaiveDate, Utc};

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

// ---- a tiny parser ------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Word(String),
    Var(String),
    Param(String),
    Str(String),
    Int(i64),
    Dec(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    TxNum(u64),
    Punct(&'static str),
}

fn lex(src: &str) -> Vec<(Tok, Span)> {
    let b: Vec<char> = src.chars().collect();
    // Byte offsets of each char.
    let offs: Vec<usize> = src
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(src.len()))
        .collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '-' && b.get(i + 1) == Some(&'-') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
            continue;
        }
        let tok = if c == '"' {
            i += 1;
            let mut s = String::new();
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                    match b[i] {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        x => s.push(x),
                    }
                } else {
                    s.push(b[i]);
                }
                i += 1;
            }
            i += 1;
            Tok::Str(s)
        } else if c == '?' || c == '$' || c.is_alphabetic() || c == '_' {
            if c == '?' || c == '$' {
                i += 1;
            }
            let s0 = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            let w: String = b[s0..i].iter().collect();
            match c {
                '?' => Tok::Var(w),
                '$' => Tok::Param(w),
                _ => Tok::Word(w),
            }
        } else if c == '#' {
            i += 1;
            let s0 = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            Tok::TxNum(b[s0..i].iter().collect::<String>().parse().unwrap())
        } else if c.is_ascii_digit()
            || (c == '-' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], '.' | ':' | '-')) {
                i += 1;
            }
            let w: String = b[start..i].iter().collect();
            if let Ok(n) = w.parse::<i64>() {
                Tok::Int(n)
            } else if let Ok(d) = NaiveDate::parse_from_str(&w, "%Y-%m-%d") {
                Tok::Date(d)
            } else if let Ok(t) = DateTime::parse_from_rfc3339(&w) {
                Tok::DateTime(t.with_timezone(&Utc))
            } else {
                Tok::Dec(w.parse().unwrap())
            }
        } else {
            let two: String = b[i..(i + 2).min(b.len())].iter().collect();
            let p: &'static str = match two.as_str() {
                "!=" => "!=",
                "<=" => "<=",
                ">=" => ">=",
                _ => match c {
                    ',' => ",",
                    '(' => "(",
                    ')' => ")",
                    '[' => "[",
                    ']' => "]",
                    '{' => "{",
                    '}' => "}",
                    '*' => "*",
                    '+' => "+",
                    '^' => "^",
                    '=' => "=",
                    '<' => "<",
                    '>' => ">",
                    ';' => ";",
                    other => panic!("unexpected {other:?}"),
                },
            };
            i += p.chars().count();
            Tok::Punct(p)
        };
        out.push((tok, Span::new(offs[start], offs[i.min(b.len())])));
    }
    out
}

struct P {
    toks: Vec<(Tok, Span)>,
    i: usize,
}

impl P {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.i).map(|t| &t.0)
    }
    fn span(&self) -> Span {
        self.toks.get(self.i).map(|t| t.1).unwrap_or_default()
    }
    fn next(&mut self) -> (Tok, Span) {
        let t = self.toks[self.i].clone();
        self.i += 1;
        t
    }
    fn kw(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w)) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn punct(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(x)) if *x == p) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect_kw(&mut self, w: &str) {
        assert!(self.kw(w), "expected {w} at {:?}", self.peek());
    }
    fn expect(&mut self, p: &str) {
        assert!(self.punct(p), "expected {p} at {:?}", self.peek());
    }
    fn name(&mut self) -> Name {
        match self.next() {
            (Tok::Word(w), span) => Name { name: w, span },
            other => panic!("expected a name, got {other:?}"),
        }
    }
    fn int(&mut self) -> u64 {
        match self.next() {
            (Tok::Int(n), _) => n as u64,
            other => panic!("expected a number, got {other:?}"),
        }
    }
    fn term(&mut self) -> Term {
        let (t, span) = self.next();
        match t {
            Tok::Var(v) => Term::Var(Var { name: v, span }),
            Tok::Param(p) => Term::Param(Name { name: p, span }),
            Tok::Word(w) if w == "_" => Term::Wildcard(span),
            Tok::Str(s) => Term::Literal(Literal::Str(s), span),
            Tok::Int(n) => Term::Literal(Literal::Int(n), span),
            Tok::Dec(d) => Term::Literal(Literal::Decimal(d), span),
            Tok::Date(d) => Term::Literal(Literal::Date(d), span),
            Tok::DateTime(d) => Term::Literal(Literal::DateTime(d), span),
            other => panic!("expected a term, got {other:?}"),
        }
    }
    fn path(&mut self) -> Path {
        if let Some(Tok::Var(_)) = self.peek() {
            let (Tok::Var(v), span) = self.next() else {
                unreachable!()
            };
            return Path::Var(Var { name: v, span });
        }
        let inverse = self.punct("^");
        let name = self.name();
        let repeat = if self.punct("+") {
            Repeat::Plus
        } else if self.punct("*") {
            Repeat::Star
        } else if self.punct("{") {
            let m = self.int() as u32;
            self.expect(",");
            let n = self.int() as u32;
            self.expect("}");
            Repeat::Range(m, n)
        } else {
            Repeat::One
        };
        Path::Pred {
            name,
            inverse,
            repeat,
        }
    }
    fn as_of(&mut self) -> Option<AsOf> {
        let save = self.i;
        if !self.kw("as") {
            return None;
        }
        if !self.kw("of") {
            self.i = save;
            return None;
        }
        let (t, span) = self.next();
        Some(match t {
            Tok::TxNum(n) => AsOf::Tx(n, span),
            Tok::Date(d) => AsOf::Date(d, span),
            Tok::DateTime(d) => AsOf::DateTime(d, span),
            Tok::Param(p) => AsOf::Param(Name { name: p, span }),
            other => panic!("bad as of {other:?}"),
        })
    }
    fn clauses(&mut self) -> Vec<Clause> {
        let mut out = vec![self.clause()];
        while self.punct(",") {
            out.push(self.clause());
        }
        out
    }
    fn group(&mut self) -> (Vec<Clause>, Span) {
        let start = self.span();
        if self.punct("(") {
            let cs = self.clauses();
            self.expect(")");
            (cs, start)
        } else {
            (vec![Clause::Pattern(self.pattern())], start)
        }
    }
    fn clause(&mut self) -> Clause {
        if self.kw("not") {
            let (cs, span) = self.group();
            return Clause::Not(cs, span);
        }
        if self.kw("optional") {
            let (cs, span) = self.group();
            return Clause::Optional(cs, span);
        }
        // A filter when an operator follows the first term.
        let save = self.i;
        let start = self.span().start;
        let left = self.term();
        let op = match self.peek() {
            Some(Tok::Punct("=")) => Some(CompareOp::Eq),
            Some(Tok::Punct("!=")) => Some(CompareOp::Ne),
            Some(Tok::Punct("<")) => Some(CompareOp::Lt),
            Some(Tok::Punct("<=")) => Some(CompareOp::Le),
            Some(Tok::Punct(">")) => Some(CompareOp::Gt),
            Some(Tok::Punct(">=")) => Some(CompareOp::Ge),
            Some(Tok::Word(w)) if w == "contains" => Some(CompareOp::Contains),
            Some(Tok::Word(w)) if w == "starts_with" => Some(CompareOp::StartsWith),
            Some(Tok::Word(w)) if w == "matches" => Some(CompareOp::Matches),
            _ => None,
        };
        if let Some(op) = op {
            self.i += 1;
            let right = self.term();
            let end = self.toks[self.i - 1].1.end;
            return Clause::Filter(Filter::Compare {
                left,
                op,
                right,
                span: Span::new(start, end),
            });
        }
        if matches!(self.peek(), Some(Tok::Word(w)) if w == "in")
            && matches!(self.toks.get(self.i + 1), Some((Tok::Punct("["), _)))
        {
            self.i += 2;
            let mut values = vec![self.term()];
            while self.punct(",") {
                values.push(self.term());
            }
            self.expect("]");
            let end = self.toks[self.i - 1].1.end;
            return Clause::Filter(Filter::In {
                left,
                values,
                span: Span::new(start, end),
            });
        }
        self.i = save;
        Clause::Pattern(self.pattern())
    }
    fn pattern(&mut self) -> Pattern {
        let start = self.span().start;
        let subject = self.term();
        let path = self.path();
        let object = self.term();
        let article = if self.kw("in") {
            match self.next() {
                (Tok::Var(v), span) => Some(Var { name: v, span }),
                other => panic!("expected ?a after in, got {other:?}"),
            }
        } else {
            None
        };
        let end = self.toks[self.i - 1].1.end;
        Pattern {
            subject,
            path,
            object,
            article,
            span: Span::new(start, end),
        }
    }
    fn find(&mut self) -> Find {
        let projection = if self.punct("*") {
            Projection::Star(Span::default())
        } else {
            let mut items = vec![self.item()];
            while self.punct(",") {
                items.push(self.item());
            }
            Projection::Items(items)
        };
        self.expect_kw("where");
        let clauses = self.clauses();
        let mut order_by = Vec::new();
        if self.kw("order") {
            self.expect_kw("by");
            loop {
                let span = self.span();
                let target = match self.next() {
                    (Tok::Var(v), span) => OrderTarget::Var(Var { name: v, span }),
                    (Tok::Word(w), span) => OrderTarget::Column(Name { name: w, span }),
                    other => panic!("bad order key {other:?}"),
                };
                let descending = if self.kw("desc") {
                    true
                } else {
                    self.kw("asc");
                    false
                };
                order_by.push(OrderKey {
                    target,
                    descending,
                    span,
                });
                if !self.punct(",") {
                    break;
                }
            }
        }
        let limit = self.kw("limit").then(|| self.int());
        let offset = self.kw("offset").then(|| self.int());
        let as_of = self.as_of();
        Find {
            projection,
            clauses,
            order_by,
            limit,
            offset,
            as_of,
        }
    }
    fn item(&mut self) -> ProjItem {
        let span = self.span();
        if let Some(Tok::Var(_)) = self.peek() {
            let (Tok::Var(v), span) = self.next() else {
                unreachable!()
            };
            return ProjItem::Var(Var { name: v, span });
        }
        let f = self.name();
        let func = match f.name.as_str() {
            "count" => AggFunc::Count,
            "sum" => AggFunc::Sum,
            "min" => AggFunc::Min,
            "max" => AggFunc::Max,
            "avg" => AggFunc::Avg,
            other => panic!("unknown aggregate {other}"),
        };
        self.expect("(");
        let distinct = self.kw("distinct");
        let arg = if self.punct("*") {
            None
        } else {
            match self.next() {
                (Tok::Var(v), span) => Some(Var { name: v, span }),
                other => panic!("bad aggregate argument {other:?}"),
            }
        };
        self.expect(")");
        let alias = if self.kw("as") {
            Some(self.name())
        } else {
            None
        };
        ProjItem::Aggregate(Aggregate {
            func,
            distinct,
            arg,
            alias,
            span,
        })
    }
    fn statement(&mut self) -> Statement {
        let start = self.span().start;
        let kind = if self.kw("find") {
            StatementKind::Find(self.find())
        } else if self.kw("explain") {
            let analyze = self.kw("analyze");
            StatementKind::Explain {
                analyze,
                statement: Box::new(self.statement()),
            }
        } else if self.kw("history") {
            StatementKind::History {
                target: self.term(),
                as_of: self.as_of(),
            }
        } else if self.kw("why") {
            StatementKind::Why {
                subject: self.term(),
                predicate: self.name(),
                object: self.term(),
                as_of: self.as_of(),
            }
        } else if self.kw("entity") {
            StatementKind::Entity {
                name: self.term(),
                as_of: self.as_of(),
            }
        } else if self.kw("suggest") {
            self.expect_kw("aliases");
            StatementKind::SuggestAliases {
                target: None,
                limit: None,
            }
        } else if self.kw("assert") {
            let subject = self.term();
            let predicate = self.name();
            let object = self.term();
            let note = self.kw("note").then(|| self.term());
            StatementKind::Assert {
                subject,
                predicate,
                object,
                note,
            }
        } else if self.kw("retract") {
            if self.kw("article") {
                let id = self.term();
                let reason = self.kw("because").then(|| self.term());
                StatementKind::RetractArticle { id, reason }
            } else {
                let subject = self.term();
                let predicate = self.name();
                let object = self.term();
                let article = self.kw("in").then(|| self.term());
                let reason = self.kw("because").then(|| self.term());
                StatementKind::Retract {
                    subject,
                    predicate,
                    object,
                    article,
                    reason,
                }
            }
        } else if self.kw("alias") {
            let alias = self.term();
            self.expect_kw("as");
            StatementKind::Alias {
                alias,
                canonical: self.term(),
            }
        } else if self.kw("let") {
            let (Tok::Param(p), span) = self.next() else {
                panic!("expected $name")
            };
            self.expect("=");
            StatementKind::Let {
                name: Name { name: p, span },
                value: self.term(),
            }
        } else {
            panic!("unknown statement at {:?}", self.peek())
        };
        let end = self
            .toks
            .get(self.i.saturating_sub(1))
            .map_or(0, |t| t.1.end);
        Statement {
            kind,
            span: Span::new(start, end),
        }
    }
}

/// Parses one statement (a trailing `;` is allowed).
pub fn parse(src: &str) -> Statement {
    let mut p = P {
        toks: lex(src),
        i: 0,
    };
    let s = p.statement();
    p.punct(";");
    assert!(
        p.i == p.toks.len(),
        "trailing input at {:?} in {src}",
        p.peek()
    );
    s
}
