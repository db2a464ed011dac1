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
use crate::error::{Error, Result};
use crate::value::{fold, Value};
use crate::view::{PredId, Snapshot, TermId, SYMMETRIC_PREDICATES, VIRTUAL_PREDICATES};

/// A variable's position in a solution row.
pub type Slot = usize;

/// A bound value, kept as an integer until projection.
///
/// `Term` is an interned entity (always its canonical term) or literal; `Extra` is a value
/// the view never interned (a virtual predicate's answer, an aggregate), kept in the
/// query's [`Arena`]; `Pred` is what a variable predicate binds. A literal that the view
/// interned is always a `Term`, never an `Extra`, so equal values have equal `Val`s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Val {
    Term(TermId),
    Extra(u32),
    Pred(PredId),
}

/// Values created while compiling or running one query, deduplicated.
#[derive(Debug, Default)]
pub struct Arena {
    values: Vec<Value>,
    index: FxHashMap<Value, u32>,
}

impl Arena {
    pub fn get(&self, i: u32) -> Option<&Value> {
        self.values.get(i as usize)
    }

    fn add(&mut self, v: Value) -> u32 {
        if let Some(&i) = self.index.get(&v) {
            return i;
        }
        let i = self.values.len() as u32;
        self.values.push(v.clone());
        self.index.insert(v, i);
        i
    }

    /// The `Val` of a literal: its term when the view interned it, else an arena entry.
    pub fn val_of(&mut self, snap: &Snapshot, v: Value) -> Val {
        match snap.resolve_literal(&v) {
            Some(t) => Val::Term(t),
            None => Val::Extra(self.add(v)),
        }
    }
}

/// The predicates of SPEC §2 (stored ones; the virtual ones are in
/// [`VIRTUAL_PREDICATES`]).
pub const BUILTIN_PREDICATES: [&str; 22] = [
    "ceo_of",
    "founder_of",
    "works_for",
    "member_of",
    "advisor_to",
    "role_in",
    "located_in",
    "headquartered_in",
    "partner_of",
    "agreement_with",
    "competitor_of",
    "sells_to",
    "buys_from",
    "invests_in",
    "acquires",
    "owns",
    "subsidiary_of",
    "approves",
    "restricts",
    "said",
    "reported_by",
    "amount",
];

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
    /// The pattern as written, for `explain`.
    pub text: String,
}

impl PatternIr {
    pub fn is_path(&self) -> bool {
        !(self.min == 1 && self.max == Some(1))
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
    let clauses = find
        .clauses
        .iter()
        .map(|cl| c.clause(cl))
        .collect::<Result<Vec<_>>>()?;
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
                        let help = closest(&n.name, &names).map(|s| format!("did you mean `{s}`?"));
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
            let help = closest(&v.name, &names).map(|s| format!("did you mean `?{s}`?"));
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
            None => out.push(Val::Extra(self.arena.add(lit))),
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
        let is_path = !(min == 1 && max == Some(1));
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
                        let last = detail.lines().last().unwrap_or("").trim().to_string();
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
            text: self.src.get(span.start..span.end).unwrap_or("").to_string(),
        })
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
    match closest(name, &names) {
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
    closest(name, &names)
}

// ---- diagnostics ---------------------------------------------------------------------
//
// A minimal renderer with the signature the parser's `diagnostic` module will offer, so
// that switching to it later is a one-line change.

/// Renders `message` at `span` of `src`: line and column (1-based, in characters), the
/// source line, and a caret under the span.
pub fn render_at(
    src: &str,
    span: Span,
    origin: Option<&str>,
    message: &str,
    help: Option<&str>,
) -> String {
    let start = floor_char_boundary(src, span.start.min(src.len()));
    let end = floor_char_boundary(src, span.end.clamp(start, src.len()));
    let line_start = src
        .get(..start)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let line_end = src
        .get(start..)
        .and_then(|s| s.find('\n'))
        .map_or(src.len(), |i| start + i);
    let line_no = src.get(..start).map_or(0, |s| s.matches('\n').count()) + 1;
    let line = src.get(line_start..line_end).unwrap_or("");
    let col = src.get(line_start..start).map_or(0, |s| s.chars().count()) + 1;
    let width = src
        .get(start..end.min(line_end))
        .map_or(1, |s| s.chars().count())
        .max(1);
    let gutter = line_no.to_string().len();
    let pad = " ".repeat(gutter);
    let mut out = format!("error: {message}\n");
    match origin {
        Some(o) => out.push_str(&format!("{pad}--> {o}:{line_no}:{col}\n")),
        None => out.push_str(&format!("{pad}--> line {line_no}, column {col}\n")),
    }
    out.push_str(&format!("{pad} |\n{line_no} | {line}\n"));
    out.push_str(&format!(
        "{pad} | {}{}",
        " ".repeat(col - 1),
        "^".repeat(width)
    ));
    if let Some(h) = help {
        out.push_str(&format!("\n{pad} = help: {h}"));
    }
    out
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The candidate nearest to `word` by edit distance on folded text, if near enough.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let w: Vec<char> = fold(word).chars().collect();
    let limit = (w.len() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for &c in candidates {
        let cf: Vec<char> = fold(c).chars().collect();
        if cf.len().abs_diff(w.len()) > limit {
            continue;
        }
        let d = edit_distance(&w, &cf);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_under_the_span() {
        let src = "find ?x\nwhere ?x ceo_off ?y";
        let out = render_at(
            src,
            Span::new(17, 24),
            None,
            "unknown predicate `ceo_off`",
            Some("did you mean `ceo_of`?"),
        );
        assert_eq!(
            out,
            "error: unknown predicate `ceo_off`\n --> line 2, column 10\n  |\n2 | where ?x ceo_off ?y\n  |          ^^^^^^^\n  = help: did you mean `ceo_of`?"
        );
    }

    #[test]
    fn closest_name() {
        assert_eq!(closest("ceo_off", &["ceo_of", "owns"]), Some("ceo_of"));
        assert_eq!(closest("zzz", &["ceo_of", "owns"]), None);
    }
}
