//! Step 1 of running a `find`: from the syntax tree to a resolved query.
//!
//! Compiling does everything that needs the view but not the data's shape:
//! 1. every variable gets a slot number (`_` a fresh slot each time it appears);
//! 2. parameters are substituted, and an unbound one is an error at its span;
//! 3. predicate names are resolved to stored ids, built-in names without facts, or
//!    virtual predicates; an unknown name is an error with a did-you-mean;
//! 4. strings in subject or object position are resolved, once, to the entity they name
//!    (canonical name or alias, folded) and to the equal literal, so that execution only
//!    ever compares integers; a name that resolves to nothing gives a hint, not an error;
//! 5. `^p` is turned around (`S ^p O` is `O p S`), so the executor knows one direction;
//! 6. regular expressions are compiled once, and an invalid one is an error at its span.
//!
//! The result ([`Query`]) is what `plan` orders and `exec` runs.

use std::collections::HashMap;

use regex::Regex;
use rustc_hash::FxHashMap;

use super::ast::{self, AggFunc, CompareOp, Literal, Path, Repeat, Span, Term};
pub use super::diagnostic::{closest, render_at};
use crate::error::{Error, Result};
use crate::value::{fold, Value};
use crate::view::{PredId, Snapshot, TermId, SYMMETRIC_PREDICATES, VIRTUAL_PREDICATES};

/// A variable's position in a solution row.
pub type Slot = usize;

/// A bound value, kept as an integer until projection.
///
/// `Term` is an interned entity (always its canonical term) or literal; `Extra` is a value
/// the view never interned (a virtual predicate's answer, an aggregate), kept in the
/// query's [`Arena`], and `Date` such a date; `Pred` is what a variable predicate binds.
/// A literal that the view interned is always a `Term`, never an `Extra` or a `Date`,
/// and a date is never an `Extra`, so equal values have equal `Val`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Val {
    Term(TermId),
    Extra(u32),
    Pred(PredId),
    /// The text of name term `t` as a string literal, as the `name` and `alias` virtual
    /// predicates answer it, without resolving it to its canonical `Val`: only bound
    /// to a slot that filters alone read ([`PatternIr::text_object`]), where no
    /// equality of `Val`s is ever asked.
    Name(TermId),
    /// A date the view never interned (an article's `published`, a constant), by its
    /// day number from the common era ([`chrono::Datelike::num_days_from_ce`]): no
    /// arena entry, no hashing of a [`Value`], for what virtual predicates answer row
    /// after row. Like `Extra`, never the `Val` of an interned value.
    Date(i32),
}

impl Val {
    /// The `Val` of a date the view did not intern.
    pub fn date(d: chrono::NaiveDate) -> Val {
        Val::Date(chrono::Datelike::num_days_from_ce(&d))
    }

    /// The date of a [`Val::Date`].
    pub fn as_date(self) -> Option<chrono::NaiveDate> {
        match self {
            Val::Date(days) => chrono::NaiveDate::from_num_days_from_ce_opt(days),
            _ => None,
        }
    }
}

/// Values created while compiling or running one query, deduplicated.
#[derive(Debug, Default)]
pub struct Arena {
    values: Vec<Value>,
    index: FxHashMap<Value, u32>,
    /// Values found interned in the view, by [`Arena::val_of`]: a query producing the
    /// same value row after row (a type, a language) searches the view's terms once.
    resolved: FxHashMap<Value, TermId>,
    /// Dates already given a `Val` by [`Arena::val_of_date`], when the view has dates
    /// to look them up in: an article's `published` row after row hashes one integer
    /// instead of searching the view.
    dates: FxHashMap<chrono::NaiveDate, Val>,
    /// [`Snapshot::may_have_dates`], asked once per query.
    may_have_dates: Option<bool>,
    /// Bytes of text the values own, for [`Arena::heap_bytes`].
    text_bytes: usize,
}

impl Arena {
    /// An estimate of the memory the arena holds: each value twice (list and index)
    /// and its text once in each.
    pub fn heap_bytes(&self) -> usize {
        let value = std::mem::size_of::<Value>();
        self.values.capacity() * value
            + (self.index.capacity() + self.resolved.capacity())
                * (value + std::mem::size_of::<u32>() + 1)
            + self.dates.capacity()
                * (std::mem::size_of::<chrono::NaiveDate>() + std::mem::size_of::<Val>() + 1)
            + 2 * self.text_bytes
    }

    pub fn get(&self, i: u32) -> Option<&Value> {
        self.values.get(i as usize)
    }

    /// The `Val` of a value the view did not intern.
    fn absent(&mut self, v: Value) -> Val {
        if let Value::Date(d) = v {
            return Val::date(d);
        }
        if let Some(&i) = self.index.get(&v) {
            return Val::Extra(i);
        }
        Val::Extra(self.push_new(v))
    }

    fn push_new(&mut self, v: Value) -> u32 {
        let i = self.values.len() as u32;
        if let Value::Str(t) | Value::Entity(t) = &v {
            self.text_bytes += t.len();
        }
        self.values.push(v.clone());
        self.index.insert(v, i);
        i
    }

    /// The `Val` of a literal: its term when the view interned it, else an arena entry.
    /// The arena only ever holds values the snapshot lacks, so it is asked first.
    pub fn val_of(&mut self, snap: &Snapshot, v: Value) -> Val {
        if let Value::Date(d) = v {
            return self.val_of_date(snap, d);
        }
        if let Some(&i) = self.index.get(&v) {
            return Val::Extra(i);
        }
        if let Some(&t) = self.resolved.get(&v) {
            return Val::Term(t);
        }
        if let Some(t) = snap.resolve_literal(&v) {
            if let Value::Str(text) = &v {
                self.text_bytes += text.len();
            }
            self.resolved.insert(v, t);
            return Val::Term(t);
        }
        // Known absent from the index: push without a second lookup.
        Val::Extra(self.push_new(v))
    }

    /// [`Arena::val_of`] of `Value::Date(d)`: its term when the view interned it,
    /// else [`Val::Date`].
    pub fn val_of_date(&mut self, snap: &Snapshot, d: chrono::NaiveDate) -> Val {
        if !*self
            .may_have_dates
            .get_or_insert_with(|| snap.may_have_dates())
        {
            return Val::date(d);
        }
        if let Some(&v) = self.dates.get(&d) {
            return v;
        }
        let v = snap.resolve_date(d).map_or(Val::date(d), Val::Term);
        self.dates.insert(d, v);
        v
    }
}

pub use crate::schema::STORED_PREDICATES as BUILTIN_PREDICATES;

/// Virtual predicates, answered from entity and article records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Virtual {
    Type,
    Name,
    Alias,
    Title,
    Url,
    Published,
    Language,
    Mentions,
}

impl Virtual {
    pub fn parse(name: &str) -> Option<Virtual> {
        Some(match name {
            "type" => Virtual::Type,
            "name" => Virtual::Name,
            "alias" => Virtual::Alias,
            "title" => Virtual::Title,
            "url" => Virtual::Url,
            "published" => Virtual::Published,
            "language" => Virtual::Language,
            "mentions" => Virtual::Mentions,
            _ => return None,
        })
    }

    /// True when the subject must be an article.
    pub fn of_article(self) -> bool {
        matches!(
            self,
            Virtual::Title
                | Virtual::Url
                | Virtual::Published
                | Virtual::Language
                | Virtual::Mentions
        )
    }
}

/// A subject or object position.
#[derive(Clone, Debug)]
pub enum Pos {
    Slot(Slot),
    /// A constant: every value it can denote (an entity and an equal literal). Empty when
    /// it names nothing known, so the pattern matches nothing.
    Const(Vec<Val>),
}

/// The predicate position.
#[derive(Clone, Debug)]
pub enum PredSel {
    /// A stored predicate.
    Stored(PredId),
    /// A variable predicate: any stored predicate.
    Var(Slot),
    Virtual(Virtual),
    /// A known predicate with no stored fact: matches nothing.
    Nothing,
}

#[derive(Clone, Debug)]
pub struct PatternIr {
    pub s: Pos,
    pub pred: PredSel,
    /// Hops: `(1, Some(1))` for a plain pattern, `(1, None)` for `p+`, `(0, None)` for `p*`.
    pub min: u32,
    pub max: Option<u32>,
    pub o: Pos,
    pub article: Option<Slot>,
    /// Written with a repetition (`+`, `*`, `{m,n}`): a walk, which returns its start
    /// node only when zero hops are allowed (so `?x p{1,1} ?x` ignores self-loops that
    /// `?x p ?x` finds, as `p+` does).
    pub repeated: bool,
    /// For a `name` or `alias` pattern whose object must start with this (folded) text
    /// by a filter of the same group: candidates come from the name index by prefix,
    /// and the pattern binds only names that start with it (so the filter is
    /// [`FilterIr::implied`]).
    pub prefix: Option<String>,
    /// For a `name` or `alias` pattern: its object slot is read by filters only (in no
    /// other pattern, no column), so the executor binds [`Val::Name`] there instead of
    /// resolving each name to a literal, which was most of the cost of
    /// `?e name ?n, ?n starts_with "el"`.
    pub text_object: bool,
    /// Values a free subject or object slot can only take for the group's filters to
    /// hold (`?x = "G42"`, `?x in ["a", "b"]`): read from the index as if constants.
    pub seeds: Vec<(Slot, Vec<Val>)>,
    /// The pattern as written, for `explain`.
    pub text: String,
}

impl PatternIr {
    pub fn is_path(&self) -> bool {
        self.repeated
    }

    pub fn slots(&self) -> Vec<Slot> {
        let mut out = Vec::new();
        if let Pos::Slot(s) = self.s {
            out.push(s);
        }
        if let PredSel::Var(s) = self.pred {
            out.push(s);
        }
        if let Pos::Slot(s) = self.o {
            out.push(s);
        }
        out.extend(self.article);
        out
    }
}

/// A filter operand.
#[derive(Clone, Debug)]
pub enum Operand {
    Slot(Slot),
    /// A constant, with the entity its text names (if it is a string naming one).
    Const {
        value: Value,
        names: Option<TermId>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterOp {
    Cmp(CompareOp),
    In,
}

#[derive(Clone, Debug)]
pub struct FilterIr {
    pub left: Operand,
    pub op: FilterOp,
    pub rights: Vec<Operand>,
    /// The compiled pattern of `matches` with a constant.
    pub regex: Option<Regex>,
    /// The folded right operand of `contains`/`starts_with` with a constant.
    pub folded: Option<String>,
    /// True of every solution that reaches it: a `starts_with` whose prefix a `name` or
    /// `alias` pattern of the same group took ([`PatternIr::prefix`]), which then binds
    /// only names starting with it. The executor lets rows through unchecked; `explain`
    /// still shows the filter.
    pub implied: bool,
    pub text: String,
}

impl FilterIr {
    pub fn slots(&self) -> Vec<Slot> {
        std::iter::once(&self.left)
            .chain(&self.rights)
            .filter_map(|o| match o {
                Operand::Slot(s) => Some(*s),
                Operand::Const { .. } => None,
            })
            .collect()
    }
}

#[derive(Clone, Debug)]
pub enum ClauseIr {
    Pattern(PatternIr),
    Filter(FilterIr),
    Optional(Vec<ClauseIr>),
    Not(Vec<ClauseIr>),
}

impl ClauseIr {
    /// Every slot mentioned, nested groups included.
    pub fn all_slots(&self, out: &mut Vec<Slot>) {
        match self {
            ClauseIr::Pattern(p) => out.extend(p.slots()),
            ClauseIr::Filter(f) => out.extend(f.slots()),
            ClauseIr::Optional(cs) | ClauseIr::Not(cs) => {
                for c in cs {
                    c.all_slots(out);
                }
            }
        }
    }
}

/// One output column.
#[derive(Clone, Debug)]
pub enum Column {
    Var(Slot),
    Agg {
        func: AggFunc,
        distinct: bool,
        arg: Option<Slot>,
    },
}

/// A compiled `find`.
#[derive(Debug)]
pub struct Query {
    /// Slot names (`_` for wildcards).
    pub slot_names: Vec<String>,
    pub clauses: Vec<ClauseIr>,
    pub columns: Vec<(String, Column)>,
    /// Output column index and descending flag.
    pub order: Vec<(usize, bool)>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
    pub arena: Arena,
    pub hints: Vec<String>,
}

impl Query {
    pub fn has_aggregates(&self) -> bool {
        self.columns
            .iter()
            .any(|(_, c)| matches!(c, Column::Agg { .. }))
    }
}

/// Parameters by name (without `$`).
pub type Params = HashMap<String, Value>;

/// Compiles a `find` against a snapshot. `src` is the statement text spans point into.
pub fn compile_find(
    find: &ast::Find,
    snap: &Snapshot,
    params: &Params,
    src: &str,
) -> Result<Query> {
    let mut c = Compiler {
        snap,
        params,
        src,
        slots: Vec::new(),
        by_name: HashMap::new(),
        arena: Arena::default(),
        hints: Vec::new(),
        in_not: 0,
        outside_not: Vec::new(),
    };
    let mut clauses = find
        .clauses
        .iter()
        .map(|cl| c.clause(cl))
        .collect::<Result<Vec<_>>>()?;
    prefix_hints(&mut clauses);
    seed_hints(&mut clauses, snap);
    let mut columns: Vec<(String, Column)> = Vec::new();
    match &find.projection {
        ast::Projection::Star(_) => {
            for (slot, name) in c.slots.iter().enumerate() {
                if name != "_" && c.outside_not.get(slot).copied().unwrap_or(false) {
                    columns.push((name.clone(), Column::Var(slot)));
                }
            }
        }
        ast::Projection::Items(items) => {
            for item in items {
                match item {
                    ast::ProjItem::Var(v) => {
                        let slot = c.existing_var(v)?;
                        columns.push((v.name.clone(), Column::Var(slot)));
                    }
                    ast::ProjItem::Aggregate(a) => {
                        let arg = match &a.arg {
                            Some(v) => Some(c.existing_var(v)?),
                            None => None,
                        };
                        let name = match &a.alias {
                            Some(n) => n.name.clone(),
                            None => agg_text(a),
                        };
                        columns.push((
                            name,
                            Column::Agg {
                                func: a.func,
                                distinct: a.distinct,
                                arg,
                            },
                        ));
                    }
                }
            }
        }
    }
    let mut order = Vec::new();
    for key in &find.order_by {
        let idx = match &key.target {
            ast::OrderTarget::Var(v) => columns
                .iter()
                .position(
                    |(_, col)| matches!(col, Column::Var(s) if c.slots.get(*s) == Some(&v.name)),
                )
                .ok_or_else(|| {
                    c.error(
                        v.span,
                        &format!("cannot order by ?{}: it is not in the find list", v.name),
                        Some(&format!("add ?{} to the columns after `find`", v.name)),
                    )
                })?,
            ast::OrderTarget::Column(n) => {
                match columns.iter().position(|(name, _)| *name == n.name) {
                    Some(i) => i,
                    None => {
                        let names: Vec<&str> = columns.iter().map(|(n, _)| n.as_str()).collect();
                        let help = closest(&n.name, names.iter().copied())
                            .map(|s| format!("did you mean `{s}`?"));
                        return Err(c.error(
                            n.span,
                            &format!("cannot order by `{}`: no column has that name", n.name),
                            help.as_deref(),
                        ));
                    }
                }
            }
        };
        order.push((idx, key.descending));
    }
    mark_text_objects(&mut clauses, &columns, c.slots.len());
    Ok(Query {
        slot_names: c.slots,
        clauses,
        columns,
        order,
        limit: find.limit,
        offset: find.offset,
        arena: c.arena,
        hints: c.hints,
    })
}

/// The column name of an aggregate without `as`: as written.
pub fn agg_text(a: &ast::Aggregate) -> String {
    let inner = match &a.arg {
        None => "*".to_string(),
        Some(v) if a.distinct => format!("distinct ?{}", v.name),
        Some(v) => format!("?{}", v.name),
    };
    format!("{}({inner})", a.func.as_str())
}

struct Compiler<'a, 'v> {
    snap: &'a Snapshot<'v>,
    params: &'a Params,
    src: &'a str,
    slots: Vec<String>,
    by_name: HashMap<String, Slot>,
    arena: Arena,
    hints: Vec<String>,
    in_not: usize,
    /// Whether each slot appears outside every `not` (those are the ones `find *` shows).
    outside_not: Vec<bool>,
}

impl Compiler<'_, '_> {
    fn error(&self, span: Span, message: &str, help: Option<&str>) -> Error {
        Error::Statement(render_at(self.src, span, None, message, help))
    }

    fn var(&mut self, v: &ast::Var) -> Slot {
        let slot = match self.by_name.get(&v.name) {
            Some(&s) => s,
            None => {
                let s = self.slots.len();
                self.slots.push(v.name.clone());
                self.outside_not.push(false);
                self.by_name.insert(v.name.clone(), s);
                s
            }
        };
        if self.in_not == 0 {
            if let Some(flag) = self.outside_not.get_mut(slot) {
                *flag = true;
            }
        }
        slot
    }

    fn existing_var(&self, v: &ast::Var) -> Result<Slot> {
        self.by_name.get(&v.name).copied().ok_or_else(|| {
            let names: Vec<&str> = self.slots.iter().map(String::as_str).collect();
            let help =
                closest(&v.name, names.iter().copied()).map(|s| format!("did you mean `?{s}`?"));
            self.error(
                v.span,
                &format!("?{} does not appear in `where`", v.name),
                help.as_deref(),
            )
        })
    }

    fn fresh(&mut self) -> Slot {
        let s = self.slots.len();
        self.slots.push("_".to_string());
        self.outside_not.push(false);
        s
    }

    fn param(&self, n: &ast::Name) -> Result<Value> {
        self.params.get(&n.name).cloned().ok_or_else(|| {
            self.error(
                n.span,
                &format!("parameter ${} is not set", n.name),
                Some(&format!(
                    "set it with `let ${} = …;` or `--param {}=…`",
                    n.name, n.name
                )),
            )
        })
    }

    fn clause(&mut self, cl: &ast::Clause) -> Result<ClauseIr> {
        Ok(match cl {
            ast::Clause::Pattern(p) => ClauseIr::Pattern(self.pattern(p)?),
            ast::Clause::Filter(f) => ClauseIr::Filter(self.filter(f)?),
            ast::Clause::Optional(cs, _) => ClauseIr::Optional(
                cs.iter()
                    .map(|c| self.clause(c))
                    .collect::<Result<Vec<_>>>()?,
            ),
            ast::Clause::Not(cs, _) => {
                self.in_not += 1;
                let inner = cs
                    .iter()
                    .map(|c| self.clause(c))
                    .collect::<Result<Vec<_>>>();
                self.in_not -= 1;
                ClauseIr::Not(inner?)
            }
        })
    }

    /// A subject or object term.
    fn pos(&mut self, t: &Term) -> Result<Pos> {
        Ok(match t {
            Term::Var(v) => Pos::Slot(self.var(v)),
            Term::Wildcard(_) => Pos::Slot(self.fresh()),
            Term::Param(n) => {
                let v = self.param(n)?;
                Pos::Const(self.const_vals(v))
            }
            Term::Literal(l, _) => Pos::Const(self.const_vals(literal_value(l))),
        })
    }

    /// The values a constant denotes: a string names an entity and equals a literal.
    fn const_vals(&mut self, v: Value) -> Vec<Val> {
        let mut out = Vec::new();
        if let Value::Str(s) | Value::Entity(s) = &v {
            if let Some(root) = self.snap.resolve_name(s) {
                out.push(Val::Term(root));
            }
        }
        let lit = match v {
            Value::Entity(s) => Value::Str(s),
            other => other,
        };
        match self.snap.resolve_literal(&lit) {
            Some(t) => out.push(Val::Term(t)),
            // Virtual predicates answer values the view never interned.
            None => out.push(self.arena.absent(lit)),
        }
        out
    }

    fn pattern(&mut self, p: &ast::Pattern) -> Result<PatternIr> {
        let mut s = self.pos(&p.subject)?;
        let (pred, inverse, repeat) = match &p.path {
            Path::Var(v) => (PredSel::Var(self.var(v)), false, Repeat::One),
            Path::Pred {
                name,
                inverse,
                repeat,
            } => (self.predicate(name)?, *inverse, *repeat),
        };
        let mut o = self.pos(&p.object)?;
        if !matches!(pred, PredSel::Virtual(_)) {
            // A string that names nothing: the pattern matches nothing; say why.
            for pos in [&s, &o] {
                if let Pos::Const(vals) = pos {
                    if let [Val::Extra(i)] = vals.as_slice() {
                        if let Some(Value::Str(name)) = self.arena.get(*i) {
                            let hint = unknown_entity_hint(self.snap, name);
                            if !self.hints.contains(&hint) {
                                self.hints.push(hint);
                            }
                        }
                    }
                }
            }
        }
        if inverse {
            std::mem::swap(&mut s, &mut o);
        }
        let (min, max) = match repeat {
            Repeat::One => (1, Some(1)),
            Repeat::Plus => (1, None),
            Repeat::Star => (0, None),
            Repeat::Range(m, n) => {
                if m > n {
                    return Err(self.error(
                        p.span,
                        &format!("a path of {m} to {n} hops is empty"),
                        Some("write the smaller number first: `p{m,n}` with m <= n"),
                    ));
                }
                (m, Some(n))
            }
        };
        let is_path = repeat != Repeat::One;
        if is_path && matches!(pred, PredSel::Virtual(_)) {
            return Err(self.error(
                p.span,
                "a virtual predicate cannot be repeated",
                Some("repeat stored predicates only (`p+`, `p*`, `p{m,n}`)"),
            ));
        }
        let article = match &p.article {
            Some(v) => {
                if is_path || matches!(pred, PredSel::Virtual(_)) {
                    return Err(self.error(
                        v.span,
                        "`in ?a` needs a single stored fact",
                        Some("use one hop of a stored predicate with `in`"),
                    ));
                }
                Some(self.var(v))
            }
            None => None,
        };
        Ok(PatternIr {
            s,
            pred,
            min,
            max,
            o,
            article,
            repeated: is_path,
            prefix: None,
            text_object: false,
            seeds: Vec::new(),
            text: self
                .src
                .get(p.span.start..p.span.end)
                .unwrap_or("")
                .to_string(),
        })
    }

    fn predicate(&self, name: &ast::Name) -> Result<PredSel> {
        let n = name.name.as_str();
        if let Some(v) = Virtual::parse(n) {
            return Ok(PredSel::Virtual(v));
        }
        if let Some(p) = self.snap.view().pred_id(n) {
            return Ok(PredSel::Stored(p));
        }
        if BUILTIN_PREDICATES.contains(&n) {
            return Ok(PredSel::Nothing);
        }
        Err(self.error(
            name.span,
            &format!("unknown predicate `{n}`"),
            closest_predicate(self.snap, n)
                .map(|s| format!("did you mean `{s}`?"))
                .as_deref(),
        ))
    }

    fn operand(&mut self, t: &Term) -> Result<Operand> {
        let value = match t {
            Term::Var(v) => return Ok(Operand::Slot(self.var(v))),
            Term::Wildcard(_) => return Ok(Operand::Slot(self.fresh())),
            Term::Param(n) => self.param(n)?,
            Term::Literal(l, _) => literal_value(l),
        };
        let names = match &value {
            Value::Str(s) | Value::Entity(s) => self.snap.resolve_name(s),
            _ => None,
        };
        Ok(Operand::Const { value, names })
    }

    fn filter(&mut self, f: &ast::Filter) -> Result<FilterIr> {
        let (left, op, right_terms, span) = match f {
            ast::Filter::Compare {
                left,
                op,
                right,
                span,
            } => (left, FilterOp::Cmp(*op), std::slice::from_ref(right), *span),
            ast::Filter::In { left, values, span } => {
                (left, FilterOp::In, values.as_slice(), *span)
            }
        };
        let left = self.operand(left)?;
        let rights = right_terms
            .iter()
            .map(|t| self.operand(t))
            .collect::<Result<Vec<_>>>()?;
        let mut regex = None;
        let mut folded = None;
        if let (FilterOp::Cmp(op), Some(right)) = (op, rights.first()) {
            let text = match right {
                Operand::Const { value, .. } => Some(value_text(value)),
                Operand::Slot(_) => None,
            };
            match (op, text) {
                (CompareOp::Matches, Some(pattern)) => match Regex::new(&pattern) {
                    Ok(r) => regex = Some(r),
                    Err(e) => {
                        let span = right_terms.first().map_or(span, Term::span);
                        let detail = e.to_string();
                        let last = detail.lines().last().unwrap_or("").trim();
                        let last = last.strip_prefix("error: ").unwrap_or(last).to_string();
                        return Err(self.error(
                            span,
                            &format!("invalid regular expression: {last}"),
                            Some("`matches` takes a regular expression in the syntax of the regex crate"),
                        ));
                    }
                },
                (CompareOp::Matches, None) => {
                    return Err(self.error(
                        span,
                        "`matches` needs a constant pattern",
                        Some("write the regular expression as a string or a parameter"),
                    ))
                }
                (CompareOp::Contains | CompareOp::StartsWith, Some(t)) => folded = Some(fold(&t)),
                _ => {}
            }
        }
        Ok(FilterIr {
            left,
            op,
            rights,
            regex,
            folded,
            implied: false,
            text: self.src.get(span.start..span.end).unwrap_or("").to_string(),
        })
    }
}

/// Sets [`PatternIr::text_object`] on `name` and `alias` patterns whose object slot
/// appears in no other pattern position (nested groups included) and in no column.
fn mark_text_objects(clauses: &mut [ClauseIr], columns: &[(String, Column)], slots: usize) {
    fn count(clauses: &[ClauseIr], uses: &mut [u32]) {
        for c in clauses {
            match c {
                ClauseIr::Pattern(p) => {
                    for s in p.slots() {
                        if let Some(n) = uses.get_mut(s) {
                            *n += 1;
                        }
                    }
                }
                ClauseIr::Filter(_) => {}
                ClauseIr::Optional(cs) | ClauseIr::Not(cs) => count(cs, uses),
            }
        }
    }
    fn mark(clauses: &mut [ClauseIr], uses: &[u32]) {
        for c in clauses {
            match c {
                ClauseIr::Pattern(p) => {
                    if let (PredSel::Virtual(Virtual::Name | Virtual::Alias), Pos::Slot(o)) =
                        (&p.pred, &p.o)
                    {
                        p.text_object = uses.get(*o) == Some(&1);
                    }
                }
                ClauseIr::Filter(_) => {}
                ClauseIr::Optional(cs) | ClauseIr::Not(cs) => mark(cs, uses),
            }
        }
    }
    let mut uses = vec![0u32; slots];
    count(clauses, &mut uses);
    for (_, col) in columns {
        let slot = match col {
            Column::Var(s) => Some(*s),
            Column::Agg { arg, .. } => *arg,
        };
        if let Some(n) = slot.and_then(|s| uses.get_mut(s)) {
            // Projected: never a `Val::Name`.
            *n += 2;
        }
    }
    mark(clauses, &uses);
}

/// Marks `?e name ?n` / `?e alias ?n` patterns whose `?n` a filter of the same group
/// requires to start with a constant: the executor then reads candidates from the name
/// index instead of every entity, and binds only names with the prefix. Every solution
/// of the group passes through the pattern, so the filter holds for each: it is marked
/// [`FilterIr::implied`] (re-checking it cost a fifth of `?e name ?n, ?n starts_with
/// "el"`).
fn prefix_hints(clauses: &mut [ClauseIr]) {
    let prefixes: Vec<(Slot, String)> = clauses
        .iter()
        .filter_map(|c| match c {
            ClauseIr::Filter(f) => match (&f.op, &f.left, &f.folded) {
                (FilterOp::Cmp(CompareOp::StartsWith), Operand::Slot(s), Some(p)) => {
                    Some((*s, p.clone()))
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    // The (slot, prefix) pairs some pattern took: the first filter's prefix per slot.
    let mut taken: Vec<(Slot, String)> = Vec::new();
    for c in clauses.iter_mut() {
        match c {
            ClauseIr::Pattern(p) => {
                if let (PredSel::Virtual(Virtual::Name | Virtual::Alias), Pos::Slot(o)) =
                    (&p.pred, &p.o)
                {
                    if let Some((s, prefix)) = prefixes.iter().find(|(s, _)| s == o) {
                        p.prefix = Some(prefix.clone());
                        taken.push((*s, prefix.clone()));
                    }
                }
            }
            ClauseIr::Optional(cs) | ClauseIr::Not(cs) => prefix_hints(cs),
            ClauseIr::Filter(_) => {}
        }
    }
    for c in clauses.iter_mut() {
        if let ClauseIr::Filter(f) = c {
            if let (FilterOp::Cmp(CompareOp::StartsWith), Operand::Slot(s), Some(p)) =
                (&f.op, &f.left, &f.folded)
            {
                f.implied = taken.iter().any(|(ts, tp)| ts == s && tp == p);
            }
        }
    }
}

/// Gives stored single-hop patterns the values an equality filter of the same group
/// allows for their free subject or object: `?x = "s"` holds for a stored fact's end
/// only when it is the entity `s` names or the literal string `s`, so reading the index
/// from those values finds every fact the filter can keep. The filter still runs.
fn seed_hints(clauses: &mut [ClauseIr], snap: &Snapshot) {
    let mut seeds: Vec<(Slot, Vec<Val>)> = Vec::new();
    for c in clauses.iter() {
        let ClauseIr::Filter(f) = c else { continue };
        let (Operand::Slot(x), op) = (&f.left, f.op) else {
            continue;
        };
        if !matches!(op, FilterOp::Cmp(CompareOp::Eq) | FilterOp::In) {
            continue;
        }
        let mut vals = Vec::new();
        let mut all_text = true;
        for r in &f.rights {
            match r {
                Operand::Const {
                    value: Value::Str(s),
                    names,
                } => {
                    vals.extend(names.map(Val::Term));
                    if let Some(t) = snap.resolve_literal(&Value::Str(s.clone())) {
                        vals.push(Val::Term(t));
                    }
                }
                _ => all_text = false,
            }
        }
        if all_text {
            // Each value once: a seed is read like a constant, and twice would double rows.
            vals.sort_unstable();
            vals.dedup();
            seeds.push((*x, vals));
        }
    }
    for c in clauses.iter_mut() {
        match c {
            ClauseIr::Pattern(p) => {
                if p.is_path() || matches!(p.pred, PredSel::Virtual(_)) {
                    continue;
                }
                for (x, vals) in &seeds {
                    let at_end = [&p.s, &p.o]
                        .iter()
                        .any(|pos| matches!(pos, Pos::Slot(s) if s == x));
                    if at_end {
                        p.seeds.push((*x, vals.clone()));
                    }
                }
            }
            ClauseIr::Optional(cs) | ClauseIr::Not(cs) => seed_hints(cs, snap),
            ClauseIr::Filter(_) => {}
        }
    }
}

/// The value of a literal of the language.
pub fn literal_value(l: &Literal) -> Value {
    match l {
        Literal::Str(s) => Value::Str(s.clone()),
        Literal::Int(i) => Value::Int(*i),
        Literal::Decimal(d) => Value::Decimal(*d),
        Literal::Date(d) => Value::Date(*d),
        Literal::DateTime(d) => Value::DateTime(*d),
    }
}

/// A value as text, for `contains`, `starts_with` and `matches`.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Str(s) | Value::Entity(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The hint for a name that denotes nothing, with the closest known name.
pub fn unknown_entity_hint(snap: &Snapshot, name: &str) -> String {
    let folded = fold(name);
    let prefix: String = folded.chars().take(1).collect();
    let candidates: Vec<TermId> = snap.names_with_prefix(&prefix);
    let names: Vec<&str> = candidates
        .iter()
        .take(5000)
        .filter_map(|&t| snap.name(t))
        .collect();
    // A name of a few megabytes is shown by its start only.
    let shown: String = if name.chars().count() > 80 {
        name.chars().take(80).chain(['…']).collect()
    } else {
        name.to_string()
    };
    let name = shown.as_str();
    match closest(name, names.iter().copied()) {
        Some(c) => format!("hint: no entity is named \"{name}\"; did you mean \"{c}\"?"),
        None => format!("hint: no entity is named \"{name}\""),
    }
}

/// The closest stored or built-in predicate to `name`.
pub fn closest_predicate<'a>(snap: &'a Snapshot, name: &str) -> Option<&'a str> {
    let mut names: Vec<&str> = BUILTIN_PREDICATES
        .iter()
        .chain(VIRTUAL_PREDICATES.iter())
        .chain(SYMMETRIC_PREDICATES.iter())
        .copied()
        .collect();
    names.extend(snap.view().predicates().map(|(_, p)| &*p.name));
    closest(name, names.iter().copied())
}
