//! The abstract syntax of the annals query language (SPEC §3, `grammar/annals.ebnf`).
//!
//! Every node carries a [`Span`] into the source text so that errors found after parsing
//! (an unknown predicate, a bad regular expression) can still point at the mistake.
//! [`std::fmt::Display`] on [`Statement`] prints canonical syntax; parsing that text
//! gives back the same tree, spans aside (see `parser` tests).

use chrono::{DateTime, NaiveDate, Utc};

/// A byte range in the source text, end exclusive.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// A parsed script: statements in order.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    pub statements: Vec<Statement>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub kind: StatementKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StatementKind {
    Find(Find),
    /// `history "G42" [as of ..]`: every event touching the entity, oldest first.
    History {
        target: Term,
        as_of: Option<AsOf>,
    },
    /// `why S P O [as of ..]`: every support of the triple.
    Why {
        subject: Term,
        predicate: Name,
        object: Term,
        as_of: Option<AsOf>,
    },
    /// `entity "Elon Mask" [as of ..]`: the entity card.
    Entity {
        name: Term,
        as_of: Option<AsOf>,
    },
    /// `suggest aliases [for "name"] [limit N]`: likely duplicates, never merged.
    SuggestAliases {
        target: Option<Term>,
        limit: Option<u64>,
    },
    /// `assert S P O [note "…"]`.
    Assert {
        subject: Term,
        predicate: Name,
        object: Term,
        note: Option<Term>,
    },
    /// `retract S P O [in "article"] [because "…"]`.
    Retract {
        subject: Term,
        predicate: Name,
        object: Term,
        article: Option<Term>,
        reason: Option<Term>,
    },
    /// `retract article "id" [because "…"]`.
    RetractArticle {
        id: Term,
        reason: Option<Term>,
    },
    /// `alias "Elon Mask" as "Elon Musk"`.
    Alias {
        alias: Term,
        canonical: Term,
    },
    /// `let $name = literal`.
    Let {
        name: Name,
        value: Term,
    },
    /// `explain [analyze] statement`.
    Explain {
        analyze: bool,
        statement: Box<Statement>,
    },
}

/// `find projection where clauses [order by ..] [limit N] [offset N] [as of ..]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Find {
    pub projection: Projection,
    pub clauses: Vec<Clause>,
    pub order_by: Vec<OrderKey>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    pub as_of: Option<AsOf>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Projection {
    /// `find *`: every variable, in order of first appearance.
    Star(Span),
    Items(Vec<ProjItem>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum ProjItem {
    Var(Var),
    Aggregate(Aggregate),
}

/// `count(?x)`, `count(distinct ?x)`, `count(*)`, `sum(?x)`, … optionally `as name`.
#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    pub func: AggFunc,
    pub distinct: bool,
    /// `None` for `count(*)`.
    pub arg: Option<Var>,
    pub alias: Option<Name>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggFunc {
    Count,
    Sum,
    Min,
    Max,
    Avg,
}

impl AggFunc {
    pub fn as_str(self) -> &'static str {
        match self {
            AggFunc::Count => "count",
            AggFunc::Sum => "sum",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
            AggFunc::Avg => "avg",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Clause {
    Pattern(Pattern),
    /// `not ( clauses )` or `not S P O`.
    Not(Vec<Clause>, Span),
    /// `optional ( clauses )`.
    Optional(Vec<Clause>, Span),
    Filter(Filter),
}

/// `S P O [in ?a]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pattern {
    pub subject: Term,
    pub path: Path,
    pub object: Term,
    /// `in ?a`: binds each article or note supporting the fact.
    pub article: Option<Var>,
    pub span: Span,
}

/// The predicate position of a pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum Path {
    /// A variable predicate: ranges over stored facts only.
    Var(Var),
    /// A named predicate, possibly inverted (`^p`) and repeated (`p+`, `p*`, `p{m,n}`).
    Pred {
        name: Name,
        inverse: bool,
        repeat: Repeat,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// Exactly one hop.
    One,
    /// `p+`: one or more hops.
    Plus,
    /// `p*`: zero or more hops.
    Star,
    /// `p{m,n}`: m to n hops (inclusive).
    Range(u32, u32),
}

/// A term in subject, object or filter position.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    Var(Var),
    /// `_`: a fresh anonymous variable each time it appears.
    Wildcard(Span),
    Param(Name),
    Literal(Literal, Span),
}

impl Term {
    pub fn span(&self) -> Span {
        match self {
            Term::Var(v) => v.span,
            Term::Wildcard(s) | Term::Literal(_, s) => *s,
            Term::Param(n) => n.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Str(String),
    Int(i64),
    Decimal(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
}

/// `?name` (the name is kept without `?`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Var {
    pub name: String,
    pub span: Span,
}

/// An identifier: a predicate, a parameter name (without `$`), an `as` name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Name {
    pub name: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    Compare {
        left: Term,
        op: CompareOp,
        right: Term,
        span: Span,
    },
    /// `?x in [v1, v2]`.
    In {
        left: Term,
        values: Vec<Term>,
        span: Span,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    StartsWith,
    Matches,
}

/// `order by ?x desc` or `order by n` (an `as` name or an aggregate's column name).
#[derive(Clone, Debug, PartialEq)]
pub struct OrderKey {
    pub target: OrderTarget,
    pub descending: bool,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OrderTarget {
    Var(Var),
    Column(Name),
}

/// `as of #42`, `as of 2025-05-14`, `as of 2025-05-14T10:00:00Z`, or a parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum AsOf {
    Tx(u64, Span),
    Date(NaiveDate, Span),
    DateTime(DateTime<Utc>, Span),
    Param(Name),
}
