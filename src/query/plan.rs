//! Step 2 of running a `find`: ordering the compiled clauses.
//!
//! The semantics fix what may move and what may not:
//! 1. the patterns of a group are joined (order is free): they are ordered greedily, each
//!    time taking the pattern expected to yield the fewest rows per input row given what
//!    is already bound, estimated from the view's counts (the degree of a bound entity,
//!    the number of facts of a predicate), never from the textual order;
//! 2. a filter runs as soon as every variable it reads is bound by the patterns before it
//!    (a filter on a variable bound only by an `optional` waits for it);
//! 3. then the `optional` groups, in textual order (a later one sees what an earlier one
//!    bound), each planned the same way with the outer variables bound;
//! 4. then the `not` groups: a solution is kept when the group has no solution given it;
//!    variables only inside the group are existential;
//! 5. then the filters still waiting.
//!
//! The executor decides each pattern's access path (from the subject, from the object,
//! a scan) at run time from what is bound, so a plan is correct whatever the estimates;
//! the access shown by `explain` is the one the static bindings predict.

use super::compile::{ClauseIr, FilterIr, PatternIr, Pos, PredSel, Val, Virtual};
use crate::view::Snapshot;

#[derive(Debug)]
pub struct Plan {
    pub steps: Vec<Step>,
}

#[derive(Debug)]
pub struct Step {
    /// Position in `explain` and in the actual-rows counters.
    pub id: usize,
    /// Numbered label: "3", or "4.1" inside a group.
    pub label: String,
    /// Estimated rows out of this step (for the whole query).
    pub est: f64,
    pub kind: StepKind,
}

#[derive(Debug)]
pub enum StepKind {
    Pattern(PatternIr),
    Filter(FilterIr),
    Optional(Plan),
    Not(Plan),
}

/// How a pattern will be read, given the variables bound before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Check,
    FromSubject,
    FromObject,
    ScanPredicate,
    ScanAll,
    Virtual,
}

impl Access {
    pub fn describe(self, p: &PatternIr) -> &'static str {
        let path = p.is_path();
        match (self, path) {
            (Access::Check, false) => "check (index facts_from)",
            (Access::FromSubject, false) => "index facts_from(subject)",
            (Access::FromObject, false) => "index facts_to(object)",
            (Access::ScanPredicate, false) => "scan facts of predicate",
            (Access::ScanAll, false) => "scan all facts",
            (Access::Check, true) => "path walk from subject, check object",
            (Access::FromSubject, true) => "path walk forward from subject",
            (Access::FromObject, true) => "path walk backward from object",
            (Access::ScanPredicate | Access::ScanAll, true) => "path walk from every start",
            (Access::Virtual, _) => "entity/article records",
        }
    }
}

/// Decides the access for a pattern given the bound slots.
pub fn access(p: &PatternIr, bound: &[bool]) -> Access {
    let is_bound = |pos: &Pos| match pos {
        Pos::Const(_) => true,
        Pos::Slot(s) => {
            bound.get(*s).copied().unwrap_or(false) || p.seeds.iter().any(|(x, _)| x == s)
        }
    };
    if matches!(p.pred, PredSel::Virtual(_)) {
        return Access::Virtual;
    }
    match (is_bound(&p.s), is_bound(&p.o)) {
        (true, true) => Access::Check,
        (true, false) => Access::FromSubject,
        (false, true) => Access::FromObject,
        (false, false) => match p.pred {
            PredSel::Stored(_) | PredSel::Nothing => Access::ScanPredicate,
            _ => Access::ScanAll,
        },
    }
}

/// Plans a `where` list with nothing bound.
pub fn plan_query(clauses: &[ClauseIr], slots: usize, snap: &Snapshot) -> Plan {
    let mut bound = vec![false; slots];
    let mut next_id = 0;
    plan_group(clauses, &mut bound, snap, &mut next_id, "", 1.0)
}

fn plan_group(
    clauses: &[ClauseIr],
    bound: &mut [bool],
    snap: &Snapshot,
    next_id: &mut usize,
    prefix: &str,
    mut rows: f64,
) -> Plan {
    let mut patterns: Vec<&PatternIr> = Vec::new();
    let mut filters: Vec<&FilterIr> = Vec::new();
    let mut optionals: Vec<&[ClauseIr]> = Vec::new();
    let mut nots: Vec<&[ClauseIr]> = Vec::new();
    for c in clauses {
        match c {
            ClauseIr::Pattern(p) => patterns.push(p),
            ClauseIr::Filter(f) => filters.push(f),
            ClauseIr::Optional(cs) => optionals.push(cs),
            ClauseIr::Not(cs) => nots.push(cs),
        }
    }
    let mut g = Group {
        steps: Vec::new(),
        n: 0,
        prefix,
        next_id,
    };
    g.ready_filters(&mut filters, bound, &mut rows);
    while !patterns.is_empty() {
        let mut best = 0;
        let mut best_est = f64::INFINITY;
        for (i, p) in patterns.iter().enumerate() {
            let e = fanout(p, bound, snap);
            if e < best_est {
                best_est = e;
                best = i;
            }
        }
        let p = patterns.remove(best);
        rows *= best_est;
        g.push(rows, StepKind::Pattern(p.clone()));
        for s in p.slots() {
            if let Some(b) = bound.get_mut(s) {
                *b = true;
            }
        }
        g.ready_filters(&mut filters, bound, &mut rows);
    }
    for cs in optionals {
        let id = take(g.next_id);
        let l = g.label();
        let inner_prefix = format!("{l}.");
        // What an optional binds may stay unbound: later steps must not count on it (a
        // filter placed early on the strength of it would reject every row).
        let mut inner_bound = bound.to_vec();
        let inner = plan_group(cs, &mut inner_bound, snap, g.next_id, &inner_prefix, rows);
        g.steps.push(Step {
            id,
            label: l,
            est: rows,
            kind: StepKind::Optional(inner),
        });
    }
    g.ready_filters(&mut filters, bound, &mut rows);
    for cs in nots {
        let id = take(g.next_id);
        let l = g.label();
        let inner_prefix = format!("{l}.");
        // Inner variables are bound only inside: plan on a copy.
        let mut inner_bound = bound.to_vec();
        let inner = plan_group(cs, &mut inner_bound, snap, g.next_id, &inner_prefix, rows);
        rows *= 0.5;
        g.steps.push(Step {
            id,
            label: l,
            est: rows,
            kind: StepKind::Not(inner),
        });
    }
    // Filters on variables that may stay unbound.
    for f in filters {
        rows *= filter_selectivity(f);
        g.push(rows, StepKind::Filter(f.clone()));
    }
    Plan { steps: g.steps }
}

struct Group<'a> {
    steps: Vec<Step>,
    n: usize,
    prefix: &'a str,
    next_id: &'a mut usize,
}

impl Group<'_> {
    fn label(&mut self) -> String {
        self.n += 1;
        format!("{}{}", self.prefix, self.n)
    }

    fn push(&mut self, est: f64, kind: StepKind) {
        let id = take(self.next_id);
        let label = self.label();
        self.steps.push(Step {
            id,
            label,
            est,
            kind,
        });
    }

    /// Pushes every waiting filter whose variables are all bound.
    fn ready_filters(&mut self, filters: &mut Vec<&FilterIr>, bound: &[bool], rows: &mut f64) {
        let mut i = 0;
        while i < filters.len() {
            let ready = filters.get(i).is_some_and(|f| {
                f.slots()
                    .iter()
                    .all(|s| bound.get(*s).copied().unwrap_or(false))
            });
            if ready {
                let f = filters.remove(i);
                *rows *= filter_selectivity(f);
                self.push(*rows, StepKind::Filter(f.clone()));
            } else {
                i += 1;
            }
        }
    }
}

fn take(next: &mut usize) -> usize {
    let id = *next;
    *next += 1;
    id
}

fn filter_selectivity(f: &FilterIr) -> f64 {
    use super::ast::CompareOp;
    use super::compile::FilterOp;
    match f.op {
        FilterOp::Cmp(CompareOp::Eq) | FilterOp::In => 0.1,
        FilterOp::Cmp(CompareOp::Ne) => 0.9,
        _ => 0.5,
    }
}

/// Expected rows a pattern yields per input row, given the bound slots.
pub fn fanout(p: &PatternIr, bound: &[bool], snap: &Snapshot) -> f64 {
    let view = snap.view();
    let total = view.triple_count().max(1) as f64;
    let terms = view.term_count().max(1) as f64;
    let is_bound = |pos: &Pos| match pos {
        Pos::Const(_) => true,
        Pos::Slot(s) => {
            bound.get(*s).copied().unwrap_or(false) || p.seeds.iter().any(|(x, _)| x == s)
        }
    };
    // Facts of this predicate, and the share of all facts they are.
    let pred_facts = match p.pred {
        PredSel::Stored(id) => {
            let sym = view.pred(id).is_some_and(|i| i.symmetric);
            view.pred_count(id) as f64 * if sym { 2.0 } else { 1.0 }
        }
        PredSel::Var(s) if bound.get(s).copied().unwrap_or(false) => total / 20.0,
        PredSel::Var(_) => total,
        PredSel::Nothing => 0.0,
        PredSel::Virtual(v) => return virtual_fanout(p, v, &is_bound, snap),
    };
    let share = (pred_facts / total).min(1.0);
    // Degree of a constant end: the sum over its names.
    let seeds_of = |pos: &Pos| -> Option<Vec<Val>> {
        match pos {
            Pos::Const(vals) => Some(vals.clone()),
            Pos::Slot(s) if !bound.get(*s).copied().unwrap_or(false) => {
                p.seeds.iter().find(|(x, _)| x == s).map(|(_, v)| v.clone())
            }
            Pos::Slot(_) => None,
        }
    };
    let const_degree = |pos: &Pos, out: bool| -> Option<f64> {
        match seeds_of(pos)
            .as_ref()
            .map(|v| Pos::Const(v.clone()))
            .as_ref()
            .unwrap_or(pos)
        {
            Pos::Const(vals) => Some(
                vals.iter()
                    .map(|v| match v {
                        Val::Term(t) => snap
                            .members(*t)
                            .iter()
                            .map(|&m| {
                                if out {
                                    view.out_degree(m)
                                } else {
                                    view.in_degree(m)
                                }
                            })
                            .sum::<usize>() as f64,
                        _ => 0.0,
                    })
                    .sum(),
            ),
            Pos::Slot(_) => None,
        }
    };
    let avg = (pred_facts / terms * 2.0).max(1.0);
    let one_hop = match (is_bound(&p.s), is_bound(&p.o)) {
        (true, true) => {
            let s = const_degree(&p.s, true).map_or(avg, |d| d * share);
            let o = const_degree(&p.o, false).map_or(avg, |d| d * share);
            return s.min(o).min(1.0) * if p.is_path() { 1.0 } else { 0.9 };
        }
        (true, false) => const_degree(&p.s, true).map_or(avg, |d| (d * share).max(d.min(1.0))),
        (false, true) => const_degree(&p.o, false).map_or(avg, |d| (d * share).max(d.min(1.0))),
        (false, false) => pred_facts,
    };
    let hops = if p.is_path() {
        match p.max {
            Some(m) => one_hop.powi(m.clamp(1, 3) as i32).min(terms),
            None => (one_hop * 10.0).min(terms),
        }
    } else {
        one_hop
    };
    let with_sources = if p.article.is_some() { 1.5 } else { 1.0 };
    if !is_bound(&p.s) && !is_bound(&p.o) && p.is_path() {
        // Every start node: the most expensive thing a plan can do.
        return terms * hops.max(1.0);
    }
    hops * with_sources
}

fn virtual_fanout(
    p: &PatternIr,
    v: Virtual,
    is_bound: &dyn Fn(&Pos) -> bool,
    snap: &Snapshot,
) -> f64 {
    let view = snap.view();
    let entities = view.term_count().max(1) as f64;
    if is_bound(&p.s) {
        return match v {
            Virtual::Mentions => 10.0,
            Virtual::Alias => 1.5,
            _ => 1.0,
        };
    }
    // The number of articles, kept by the view: not a walk of its 29k entries at 400k
    // facts, which cost every plan with an article predicate 160k instructions, nor a
    // decode of them all from the checkpoint.
    let domain = if v.of_article() {
        view.article_count().max(1) as f64
    } else {
        entities
    };
    if p.prefix.is_some() {
        // Names by prefix: a small slice of the name index.
        return (domain / 100.0).max(1.0);
    }
    if is_bound(&p.o) {
        return match v {
            Virtual::Name | Virtual::Alias => 1.0,
            Virtual::Type => domain / 4.0,
            Virtual::Mentions => 10.0,
            _ => domain / 10.0,
        };
    }
    domain
}
