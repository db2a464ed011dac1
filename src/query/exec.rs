//! Step 3 of running a `find`: streaming solutions through the plan.
//!
//! 1. A solution is a row of slots (`Option<Val>`), filled and emptied in place as the
//!    executor goes depth-first through the plan's steps: each pattern step asks the
//!    view's indexes for the facts matching what is bound, binds the free positions and
//!    hands the row to the next step. No intermediate table is built.
//! 2. `optional` runs its group under the row and continues with each extension, or
//!    with the row unchanged when there is none; `not` runs its group only until the
//!    first solution (a "cut"), and continues when there is none.
//! 3. A complete solution goes to the collector: distinct projected rows, or, with
//!    aggregates, one accumulator per group, updated on the spot, so that counting 400k
//!    facts never stores 400k rows.
//! 4. Every 1024 steps the executor checks the cancellation flag and the deadline.
//! 5. At the end the rows are sorted (each distinct value is given a rank once, its text
//!    folded once; rows of one or two columns whose first compared column differs in
//!    every row sort by that column's values alone), offset and limit are applied, and
//!    values become [`Value`]s.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::cmp::Ordering;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Datelike;
use rustc_hash::{FxHashMap, FxHashSet};

use super::ast::{AggFunc, CompareOp};
use super::compile::{
    Arena, Column, FilterIr, FilterOp, Operand, PatternIr, Pos, PredSel, Query, Slot, Val, Virtual,
};
use super::plan::{Plan, Step, StepKind};
use crate::error::{Error, Result};
use crate::table::Table;
use crate::value::{compare_values, fold, fold_into, fold_starts_with, Money, Value};
use crate::view::{FactRef, PredId, Snapshot, TermDepth, TermId, TermRef};

pub type Row = Vec<Option<Val>>;

/// What bounds one statement's run.
#[derive(Clone, Debug)]
pub struct Limits {
    pub timeout: Duration,
    pub max_rows: usize,
    /// Bytes the executor may hold for one statement's rows, groups, values and walks
    /// (an estimate from the structures' sizes, checked as they grow).
    pub max_memory: usize,
    pub cancel: Arc<AtomicBool>,
}

/// The default of [`Limits::max_memory`]: generous on a machine with a few GiB to
/// spare, and well below what would push a laptop into swap.
pub const DEFAULT_MAX_MEMORY: usize = 4 << 30;

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            timeout: Duration::from_secs(60),
            max_rows: 1_000_000,
            max_memory: DEFAULT_MAX_MEMORY,
            cancel: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// The outcome of running a plan: the table, and rows out of each step (by step id).
pub struct Run {
    pub table: Table,
    pub actual: Vec<u64>,
    /// Rows before offset and limit (distinct rows, or groups).
    pub distinct_rows: u64,
}

/// Runs a compiled and planned `find`.
pub fn run(snap: &Snapshot, query: Query, plan: &Plan, limits: &Limits) -> Result<Run> {
    let Query {
        slot_names,
        columns,
        order,
        limit,
        offset,
        arena,
        ..
    } = query;
    let collector = if columns.iter().any(|(_, c)| matches!(c, Column::Agg { .. })) {
        let keys: Vec<Slot> = columns
            .iter()
            .filter_map(|(_, c)| match c {
                Column::Var(s) => Some(*s),
                Column::Agg { .. } => None,
            })
            .collect();
        Collector::Groups {
            buf: RowKey::default(),
            keys,
            aggs: columns
                .iter()
                .filter_map(|(_, c)| match c {
                    Column::Agg {
                        func,
                        distinct,
                        arg,
                    } => Some((*func, *distinct, *arg)),
                    Column::Var(_) => None,
                })
                .collect(),
            map: FxHashMap::default(),
        }
    } else {
        let cols: Vec<Slot> = columns
            .iter()
            .filter_map(|(_, c)| match c {
                Column::Var(s) => Some(*s),
                Column::Agg { .. } => None,
            })
            .collect();
        // Room for the rows the planner expects (up to a bound: estimates can be far
        // off), so that the set does not rehash its way up from empty.
        let expected = plan.steps.last().map_or(0.0, |s| s.est);
        // At least a few hundred: growing from empty rehashes every row several times.
        let room = (expected.max(0.0) as usize).clamp(256, 1 << 14);
        if cols.len() <= 2 {
            let mut set = FxHashSet::default();
            set.reserve(room);
            Collector::Pairs { cols, set }
        } else {
            let mut set = FxHashSet::default();
            set.reserve(room);
            Collector::Rows {
                buf: RowKey::default(),
                cols,
                set,
            }
        }
    };
    let mut ex = Exec {
        snap,
        arena,
        limits,
        started: Instant::now(),
        ticks: 0,
        err: None,
        cut: false,
        actual: vec![0; count_steps(plan)],
        collector,
        virtual_buf: Vec::new(),
        walk_bytes: 0,
        distinct_values: 0,
    };
    let mut row: Row = vec![None; slot_names.len()];
    if !ex.count_by_predicate(plan) {
        ex.solve(&plan.steps, 0, &mut row, &mut |ex, row| ex.collect(row));
    }
    if let Some(e) = ex.err.take() {
        return Err(e);
    }
    let width = columns.len();
    // Sorting holds each cell about three more times (its number, its rank, a row
    // index per row).
    ex.check_memory(ex.collected_rows().saturating_mul(width.max(1) * 24));
    if let Some(e) = ex.err.take() {
        return Err(e);
    }
    let cells = ex.finish(&columns);
    let n = cells.len().checked_div(width).unwrap_or(0);
    let distinct_rows = n as u64;
    let order_idx = ex.sort(&cells, width, &order);
    let start = usize::try_from(offset.unwrap_or(0)).unwrap_or(usize::MAX);
    let take = limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    let mut table = Table::new(columns.iter().map(|(n, _)| n.clone()));
    // Room for every row shown, not a doubling of the list as they come.
    table
        .rows
        .reserve(order_idx.len().saturating_sub(start).min(take));
    // Only the rows inside offset and limit become values.
    let shown = order_idx.get(start..).unwrap_or_default();
    let shown = shown.get(..take.min(shown.len())).unwrap_or_default();
    let prefetch = prefetch_pays(ex.snap);
    for (k, &i) in shown.iter().enumerate() {
        if prefetch {
            for column in 0..width {
                prefetch_ahead(ex.snap, k, |j| {
                    let r = *shown.get(j)?;
                    cells.get(r * width + column).copied().flatten()
                });
            }
        }
        let row = cells.get(i * width..(i + 1) * width).unwrap_or(&[]);
        table.push(row.iter().map(|v| v.and_then(|v| ex.value(v))).collect());
    }
    Ok(Run {
        table,
        actual: ex.actual,
        distinct_rows,
    })
}

fn count_steps(plan: &Plan) -> usize {
    plan.steps
        .iter()
        .map(|s| match &s.kind {
            StepKind::Optional(p) | StepKind::Not(p) => count_steps(p).max(s.id + 1),
            _ => s.id + 1,
        })
        .max()
        .unwrap_or(0)
}

/// A projected row as a hash key: up to four cells inline, so that most rows cost no
/// allocation to look up or store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct RowKey {
    head: [Option<Val>; 4],
    tail: Vec<Option<Val>>,
}

/// One word per cell: hashing is on the path of every solution.
fn pack(v: Option<Val>) -> u64 {
    match v {
        None => 0,
        Some(Val::Term(t)) => (1 << 32) | u64::from(t),
        Some(Val::Extra(i)) => (2 << 32) | u64::from(i),
        Some(Val::Pred(p)) => (3 << 32) | u64::from(p),
        Some(Val::Name(t)) => (4 << 32) | u64::from(t),
        Some(Val::Date(d)) => (5 << 32) | u64::from(d as u32),
    }
}

/// The cell [`pack`] made.
fn unpack(w: u64) -> Option<Val> {
    let id = w as u32;
    match w >> 32 {
        1 => Some(Val::Term(id)),
        2 => Some(Val::Extra(id)),
        3 => Some(Val::Pred(id)),
        4 => Some(Val::Name(id)),
        5 => Some(Val::Date(id as i32)),
        _ => None,
    }
}

impl std::hash::Hash for RowKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let [a, b, c, d] = self.head;
        state.write_u64(pack(a));
        state.write_u64(pack(b));
        state.write_u64(pack(c));
        state.write_u64(pack(d));
        for &c in &self.tail {
            state.write_u64(pack(c));
        }
    }
}

impl RowKey {
    fn fill(&mut self, row: &Row, cols: &[Slot]) {
        self.head = [None; 4];
        self.tail.clear();
        for (i, &s) in cols.iter().enumerate() {
            let v = row.get(s).copied().flatten();
            match self.head.get_mut(i) {
                Some(cell) => *cell = v,
                None => self.tail.push(v),
            }
        }
    }

    fn cells(&self, n: usize) -> impl Iterator<Item = Option<Val>> + '_ {
        self.head.iter().chain(self.tail.iter()).copied().take(n)
    }
}

enum Collector {
    /// Rows of one or two columns: each row one word of two [`pack`]ed cells, hashed
    /// with two multiplications and moved as 16 bytes (a [`RowKey`] is 56: Q7's set of
    /// 1224 rows cost 0.47M instructions to fill).
    Pairs {
        cols: Vec<Slot>,
        set: FxHashSet<u128>,
    },
    Rows {
        cols: Vec<Slot>,
        set: FxHashSet<RowKey>,
        buf: RowKey,
    },
    Groups {
        keys: Vec<Slot>,
        aggs: Vec<(AggFunc, bool, Option<Slot>)>,
        map: FxHashMap<RowKey, Vec<Acc>>,
        buf: RowKey,
    },
}

/// One aggregate's accumulator.
enum Acc {
    Count(u64),
    Distinct(FxHashSet<Val>),
    Sum(SumAcc),
    Min(Option<Val>),
    Max(Option<Val>),
}

#[derive(Default)]
struct SumAcc {
    n: u64,
    int: i128,
    float: f64,
    all_int: bool,
    /// `Some(currency)` while every value is money of one currency.
    money: Option<Option<String>>,
}

impl SumAcc {
    fn new() -> SumAcc {
        SumAcc {
            all_int: true,
            ..SumAcc::default()
        }
    }

    fn add(&mut self, v: &Value) {
        let Some(x) = v.as_number() else {
            return;
        };
        self.n += 1;
        self.float += x;
        match v {
            Value::Int(i) => self.int += i128::from(*i),
            _ => self.all_int = false,
        }
        let cur = match v {
            Value::Money(m) => Some(m.currency.clone()),
            _ => None,
        };
        self.money = match self.money.take() {
            None => Some(cur),
            Some(prev) if prev == cur => Some(prev),
            Some(_) => Some(None),
        };
    }

    fn sum(&self) -> Value {
        if let Some(Some(currency)) = &self.money {
            return Value::Money(Money {
                amount: self.float,
                currency: currency.clone(),
            });
        }
        if self.all_int {
            if let Ok(i) = i64::try_from(self.int) {
                return Value::Int(i);
            }
        }
        Value::Decimal(self.float)
    }
}

fn new_acc(func: AggFunc, distinct: bool) -> Acc {
    if distinct {
        return Acc::Distinct(FxHashSet::default());
    }
    match func {
        AggFunc::Count => Acc::Count(0),
        AggFunc::Sum | AggFunc::Avg => Acc::Sum(SumAcc::new()),
        AggFunc::Min => Acc::Min(None),
        AggFunc::Max => Acc::Max(None),
    }
}

struct Exec<'a, 'v> {
    snap: &'a Snapshot<'v>,
    arena: Arena,
    limits: &'a Limits,
    started: Instant,
    ticks: u64,
    err: Option<Error>,
    /// Set by a `not` group's first solution: unwind to the `not`.
    cut: bool,
    actual: Vec<u64>,
    collector: Collector,
    /// Scratch space for the objects of a virtual pattern, reused across subjects.
    virtual_buf: Vec<Val>,
    /// Bytes held by the path walk in progress, if any.
    walk_bytes: usize,
    /// Values held by `count(distinct …)` accumulators.
    distinct_values: usize,
}

/// Slots a step bound, to be emptied when it moves on.
#[derive(Default)]
struct Bound {
    slots: [Slot; 4],
    n: usize,
}

impl Bound {
    fn undo(&mut self, row: &mut Row) {
        for &s in self.slots.iter().take(self.n) {
            if let Some(cell) = row.get_mut(s) {
                *cell = None;
            }
        }
        self.n = 0;
    }
}

/// Binds `pos` to `v`, or checks it when already bound. False on a mismatch.
#[inline]
fn unify(row: &mut Row, pos: &Pos, v: Val, b: &mut Bound) -> bool {
    match pos {
        Pos::Const(vals) => vals.contains(&v),
        Pos::Slot(s) => unify_slot(row, *s, v, b),
    }
}

#[inline]
fn unify_slot(row: &mut Row, s: Slot, v: Val, b: &mut Bound) -> bool {
    match row.get_mut(s) {
        Some(Some(x)) => *x == v,
        Some(cell) => {
            *cell = Some(v);
            if let Some(slot) = b.slots.get_mut(b.n) {
                *slot = s;
                b.n += 1;
            }
            true
        }
        None => false,
    }
}

/// The values a position can take now: `None` when it is free.
fn known(row: &Row, pos: &Pos) -> Option<Vec<Val>> {
    match pos {
        Pos::Const(vals) => Some(vals.clone()),
        Pos::Slot(s) => row.get(*s).copied().flatten().map(|v| vec![v]),
    }
}

type Cont<'c, 'a, 'v> = dyn FnMut(&mut Exec<'a, 'v>, &mut Row) + 'c;

impl<'a, 'v> Exec<'a, 'v> {
    #[inline]
    fn halted(&self) -> bool {
        self.cut || self.err.is_some()
    }

    #[inline]
    fn tick(&mut self) {
        self.ticks += 1;
        if self.ticks & 1023 == 0 {
            self.check_limits();
        }
    }

    /// Rows or groups collected so far.
    fn collected_rows(&self) -> usize {
        match &self.collector {
            Collector::Rows { set, .. } => set.len(),
            Collector::Pairs { set, .. } => set.len(),
            Collector::Groups { map, .. } => map.len(),
        }
    }

    /// An estimate of the bytes this run holds, from the sizes of what it built.
    fn memory_used(&self) -> usize {
        let key = std::mem::size_of::<RowKey>() + 1;
        let cell = std::mem::size_of::<Option<Val>>();
        let collected = match &self.collector {
            Collector::Rows { set, cols, .. } => {
                set.capacity() * key + set.len() * cols.len().saturating_sub(4) * cell
            }
            Collector::Pairs { set, .. } => set.capacity() * (std::mem::size_of::<u128>() + 1),
            Collector::Groups {
                map, keys, aggs, ..
            } => {
                let accs = aggs.len() * std::mem::size_of::<Acc>();
                map.capacity() * (key + std::mem::size_of::<Vec<Acc>>())
                    + map.len() * (accs + keys.len().saturating_sub(4) * cell)
                    + self.distinct_values * (std::mem::size_of::<Val>() + 1)
            }
        };
        collected + self.arena.heap_bytes() + self.walk_bytes
    }

    /// Stops the run when what it holds, plus `more` bytes it is about to take, passes
    /// the memory limit.
    fn check_memory(&mut self, more: usize) {
        let used = self.memory_used().saturating_add(more);
        if used > self.limits.max_memory && self.err.is_none() {
            self.err = Some(Error::Aborted(format!(
                "the query needs more than {} of memory; narrow it, or raise the limit with --max-memory",
                human_bytes(self.limits.max_memory)
            )));
        }
    }

    fn check_limits(&mut self) {
        if self.err.is_some() {
            return;
        }
        self.check_memory(0);
        if self.err.is_some() {
            return;
        }
        if self.limits.cancel.load(AtomicOrdering::Relaxed) {
            self.err = Some(Error::Aborted("query cancelled".to_string()));
        } else if self.started.elapsed() > self.limits.timeout {
            self.err = Some(Error::Aborted(format!(
                "query ran past its time limit of {} s; raise it with --timeout",
                self.limits.timeout.as_secs_f64()
            )));
        }
    }

    fn solve(&mut self, steps: &[Step], i: usize, row: &mut Row, k: &mut Cont<'_, 'a, 'v>) {
        if self.halted() {
            return;
        }
        let Some(step) = steps.get(i) else {
            k(self, row);
            return;
        };
        match &step.kind {
            StepKind::Pattern(p) => self.pattern(p, steps, i, row, k),
            StepKind::Filter(f) => {
                if f.implied || self.filter_ok(f, row) {
                    self.pass(steps, i, row, k);
                } else {
                    self.tick();
                }
            }
            StepKind::Optional(inner) => {
                let mut matched = false;
                self.solve(&inner.steps, 0, row, &mut |ex, row| {
                    matched = true;
                    ex.pass(steps, i, row, k);
                });
                if !matched && !self.halted() {
                    self.pass(steps, i, row, k);
                }
            }
            StepKind::Not(inner) => {
                self.solve(&inner.steps, 0, row, &mut |ex, _| ex.cut = true);
                let found = std::mem::replace(&mut self.cut, false);
                if !found && self.err.is_none() {
                    self.pass(steps, i, row, k);
                }
            }
        }
    }

    /// The row got through step `i`: count it and go on.
    #[inline]
    fn pass(&mut self, steps: &[Step], i: usize, row: &mut Row, k: &mut Cont<'_, 'a, 'v>) {
        if let Some(step) = steps.get(i) {
            if let Some(c) = self.actual.get_mut(step.id) {
                *c += 1;
            }
        }
        self.tick();
        self.solve(steps, i + 1, row, k);
    }

    // ---- patterns ----------------------------------------------------------------------

    fn pattern(
        &mut self,
        p: &PatternIr,
        steps: &[Step],
        i: usize,
        row: &mut Row,
        k: &mut Cont<'_, 'a, 'v>,
    ) {
        let pred = match p.pred {
            PredSel::Stored(id) => Some(Some(id)),
            PredSel::Var(s) => match row.get(s).copied().flatten() {
                Some(Val::Pred(id)) => Some(Some(id)),
                Some(_) => None,
                None => Some(None),
            },
            PredSel::Nothing => None,
            PredSel::Virtual(v) => return self.virtual_pattern(p, v, steps, i, row, k),
        };
        if p.is_path() {
            let edge = match pred {
                Some(Some(id)) => Some(id),
                _ => None,
            };
            return self.path(p, edge, steps, i, row, k);
        }
        let Some(pred) = pred else {
            return;
        };
        let snap = self.snap;
        // A free end with seeds from an equality filter is read as if it were constant.
        let seeded = |pos: &Pos| match pos {
            Pos::Slot(x) => p
                .seeds
                .iter()
                .find(|(s, _)| s == x)
                .map(|(_, vals)| vals.clone()),
            Pos::Const(_) => None,
        };
        let s_known = known(row, &p.s).or_else(|| seeded(&p.s));
        let o_known = known(row, &p.o).or_else(|| seeded(&p.o));
        let mut on_fact = |ex: &mut Exec<'a, 'v>, f: FactRef, row: &mut Row| {
            ex.fact(p, f, steps, i, row, k);
        };
        match (s_known, o_known) {
            (Some(ss), o_known) => {
                for sv in ss {
                    let Val::Term(s) = sv else { continue };
                    // From the object when it is bound and has fewer facts.
                    if let Some(os) = &o_known {
                        if let [Val::Term(o)] = os.as_slice() {
                            let (o, s_deg) = (*o, degree(snap, s, true));
                            if degree(snap, o, false) < s_deg {
                                snap.facts_to(o, pred, &mut |f| on_fact(self, f, row));
                                continue;
                            }
                        }
                    }
                    snap.facts_from(s, pred, &mut |f| on_fact(self, f, row));
                }
            }
            (None, Some(os)) => {
                for ov in os {
                    let Val::Term(o) = ov else { continue };
                    snap.facts_to(o, pred, &mut |f| on_fact(self, f, row));
                }
            }
            (None, None) => snap.facts(pred, &mut |f| on_fact(self, f, row)),
        }
    }

    /// One fact from an index: bind what it gives and go on.
    fn fact(
        &mut self,
        p: &PatternIr,
        f: FactRef,
        steps: &[Step],
        i: usize,
        row: &mut Row,
        k: &mut Cont<'_, 'a, 'v>,
    ) {
        if self.halted() {
            return;
        }
        self.tick();
        let mut b = Bound::default();
        let ok = unify(row, &p.s, Val::Term(f.s), &mut b)
            && unify(row, &p.o, Val::Term(f.o), &mut b)
            && match p.pred {
                PredSel::Var(s) => unify_slot(row, s, Val::Pred(f.p), &mut b),
                _ => true,
            };
        if ok {
            match p.article {
                None => self.pass(steps, i, row, k),
                Some(a) => {
                    for src in self.snap.sources(f.s, f.p, f.o) {
                        let mut ab = Bound::default();
                        if unify_slot(row, a, Val::Term(src), &mut ab) {
                            self.pass(steps, i, row, k);
                        }
                        ab.undo(row);
                        if self.halted() {
                            break;
                        }
                    }
                }
            }
        }
        b.undo(row);
    }

    /// `p+`, `p*`, `p{m,n}`: walks from the bound end.
    fn path(
        &mut self,
        p: &PatternIr,
        edge: Option<PredId>,
        steps: &[Step],
        i: usize,
        row: &mut Row,
        k: &mut Cont<'_, 'a, 'v>,
    ) {
        // A constant starts a walk from the entity it names, else from its literal; a
        // value the view never saw has no edges and is no node.
        let nodes = |vals: Vec<Val>| -> Vec<Val> {
            let terms: Vec<Val> = vals
                .into_iter()
                .filter(|v| matches!(v, Val::Term(_)))
                .collect();
            if terms.len() > 1 {
                let entities: Vec<Val> = terms
                    .iter()
                    .copied()
                    .filter(|v| matches!(v, Val::Term(t) if self.snap.is_entity(*t)))
                    .collect();
                if !entities.is_empty() {
                    return entities;
                }
            }
            terms
        };
        let (from, to, forward, starts) =
            match (known(row, &p.s).map(nodes), known(row, &p.o).map(nodes)) {
                (Some(ss), _) => (&p.s, &p.o, true, ss),
                (None, Some(os)) => (&p.o, &p.s, false, os),
                (None, None) => (&p.s, &p.o, true, self.path_starts(p, edge)),
            };
        for start in starts {
            if self.halted() {
                return;
            }
            let ends = self.walk(start, edge, forward, p.min, p.max);
            for end in ends {
                let mut b = Bound::default();
                if unify(row, from, start, &mut b) && unify(row, to, end, &mut b) {
                    self.pass(steps, i, row, k);
                }
                b.undo(row);
                if self.halted() {
                    return;
                }
            }
        }
    }

    /// Start nodes when neither end is bound: every subject of the predicate, or every
    /// term when zero hops are allowed (a zero-hop path relates each node to itself).
    fn path_starts(&mut self, p: &PatternIr, edge: Option<PredId>) -> Vec<Val> {
        let snap = self.snap;
        let mut out: Vec<TermId> = Vec::new();
        if p.min == 0 {
            for t in 0..snap.view().term_count() as TermId {
                if snap.exists(t) {
                    out.push(snap.root(t));
                }
            }
        } else if let Some(e) = edge {
            snap.facts(Some(e), &mut |f| out.push(f.s));
        }
        out.sort_unstable();
        out.dedup();
        out.into_iter().map(Val::Term).collect()
    }

    /// Nodes reachable from `start` by a walk of `min..=max` hops. A node reached only
    /// as the start itself is left out unless zero hops are allowed.
    fn walk(
        &mut self,
        start: Val,
        edge: Option<PredId>,
        forward: bool,
        min: u32,
        max: Option<u32>,
    ) -> Vec<Val> {
        let snap = self.snap;
        let mut out: Vec<Val> = Vec::new();
        if min == 0 {
            out.push(start);
        }
        let (Val::Term(s), Some(e)) = (start, edge) else {
            return out;
        };
        let next_of = |node: TermId, acc: &mut Vec<TermId>| {
            if forward {
                snap.facts_from(node, Some(e), &mut |f| acc.push(f.o));
            } else {
                snap.facts_to(node, Some(e), &mut |f| acc.push(f.s));
            }
        };
        let mut frontier = vec![s];
        let mut next = Vec::new();
        if min <= 1 {
            // Shortest distances suffice: every node within `max` hops (but the start).
            let mut seen: FxHashSet<TermId> = FxHashSet::default();
            seen.insert(s);
            let mut depth = 0u32;
            while !frontier.is_empty() && max.is_none_or(|m| depth < m) {
                depth += 1;
                next.clear();
                for &n in &frontier {
                    next_of(n, &mut next);
                }
                frontier.clear();
                for &n in &next {
                    if seen.insert(n) {
                        frontier.push(n);
                        out.push(Val::Term(n));
                    }
                }
                self.walk_bytes = walk_bytes(&[&frontier, &next], seen.capacity(), out.len());
                self.check_memory(0);
                self.tick();
                if self.halted() {
                    break;
                }
            }
        } else {
            // Walks of at least `min` hops: layer by layer, each layer a set.
            let max = max.unwrap_or(min);
            let mut result: FxHashSet<TermId> = FxHashSet::default();
            for depth in 1..=max {
                next.clear();
                for &n in &frontier {
                    next_of(n, &mut next);
                }
                next.sort_unstable();
                next.dedup();
                std::mem::swap(&mut frontier, &mut next);
                if depth >= min {
                    result.extend(frontier.iter().copied().filter(|&n| n != s));
                }
                self.walk_bytes = walk_bytes(&[&frontier, &next], result.capacity(), 0);
                self.check_memory(0);
                self.tick();
                if frontier.is_empty() || self.halted() {
                    break;
                }
            }
            let mut r: Vec<TermId> = result.into_iter().collect();
            r.sort_unstable();
            out.extend(r.into_iter().map(Val::Term));
        }
        self.walk_bytes = 0;
        out
    }

    // ---- virtual predicates ------------------------------------------------------------

    fn virtual_pattern(
        &mut self,
        p: &PatternIr,
        v: Virtual,
        steps: &[Step],
        i: usize,
        row: &mut Row,
        k: &mut Cont<'_, 'a, 'v>,
    ) {
        let snap = self.snap;
        // A subject bound by an earlier step (an article's `published`, row after row):
        // no list of subjects to build.
        if let Pos::Slot(s) = p.s {
            if let Some(Some(Val::Term(t))) = row.get(s).copied() {
                self.virtual_subject(p, v, t, false, steps, i, row, k);
                return;
            }
        }
        // Canonical names read from the index by prefix have it: no check per name.
        let mut have_prefix = false;
        let subjects: Vec<TermId> = match known(row, &p.s) {
            Some(vals) => vals
                .into_iter()
                .filter_map(|v| match v {
                    Val::Term(t) => Some(t),
                    _ => None,
                })
                .collect(),
            None => match (v, known(row, &p.o)) {
                // The filter behind the prefix keeps only entities whose canonical name
                // (for `name`) or an alias (for `alias`) starts with it.
                (Virtual::Name | Virtual::Alias, None) if p.prefix.is_some() => {
                    have_prefix = v == Virtual::Name;
                    snap.names_with_prefix_as(p.prefix.as_deref().unwrap_or(""), v == Virtual::Name)
                }
                (Virtual::Name | Virtual::Alias, Some(os)) => os
                    .iter()
                    .filter_map(|o| self.val_text(*o))
                    .filter_map(|name| snap.resolve_name(&name))
                    .collect(),
                _ if v.of_article() => {
                    let mut a: Vec<TermId> = snap
                        .view()
                        .articles()
                        .filter(|(t, _)| snap.exists(*t))
                        .filter(|(_, m)| m.added <= snap.at())
                        .map(|(t, _)| snap.root(t))
                        .collect();
                    a.sort_unstable();
                    a.dedup();
                    a
                }
                _ => snap.entities(),
            },
        };
        for s in subjects {
            if self.halted() {
                return;
            }
            self.virtual_subject(p, v, s, have_prefix, steps, i, row, k);
        }
    }

    /// One subject of a virtual pattern: bind each of its values and go on. With a
    /// [`PatternIr::prefix`], only values starting with it, unless `have_prefix` says
    /// they all do.
    #[allow(clippy::too_many_arguments)]
    fn virtual_subject(
        &mut self,
        p: &PatternIr,
        v: Virtual,
        s: TermId,
        have_prefix: bool,
        steps: &[Step],
        i: usize,
        row: &mut Row,
        k: &mut Cont<'_, 'a, 'v>,
    ) {
        let snap = self.snap;
        self.tick();
        // Subjects from the prefix index are canonical entity names already.
        let s = if have_prefix {
            s
        } else {
            if !snap.is_entity(s) {
                return;
            }
            snap.root(s)
        };
        if v == Virtual::Name && p.text_object {
            // One value, the name itself: no list to build (Q8's every row).
            let Some(name) = snap.name_text(s) else {
                return;
            };
            if have_prefix
                || p.prefix
                    .as_deref()
                    .is_none_or(|pre| fold_starts_with(name, pre))
            {
                let mut b = Bound::default();
                if unify(row, &p.s, Val::Term(s), &mut b) && unify(row, &p.o, Val::Name(s), &mut b)
                {
                    self.pass(steps, i, row, k);
                }
                b.undo(row);
            }
            return;
        }
        let mut values = std::mem::take(&mut self.virtual_buf);
        values.clear();
        self.virtual_values(v, s, p.text_object, &mut values);
        let prefix = p.prefix.as_deref().filter(|_| !have_prefix);
        for &val in &values {
            if let Some(prefix) = prefix {
                let starts = match val {
                    Val::Name(t) => snap
                        .name_text(t)
                        .is_some_and(|n| fold_starts_with(n, prefix)),
                    other => self
                        .val_text(other)
                        .is_some_and(|n| fold_starts_with(&n, prefix)),
                };
                if !starts {
                    continue;
                }
            }
            let mut b = Bound::default();
            if unify(row, &p.s, Val::Term(s), &mut b) && unify(row, &p.o, val, &mut b) {
                self.pass(steps, i, row, k);
            }
            b.undo(row);
        }
        // Steps below may have taken the buffer for their own virtual patterns.
        if self.virtual_buf.capacity() < values.capacity() {
            self.virtual_buf = values;
        }
    }

    /// The objects of virtual predicate `v` for entity `s`, pushed onto `out`; names as
    /// [`Val::Name`] when `text` (the pattern's `text_object`).
    fn virtual_values(&mut self, v: Virtual, s: TermId, text: bool, out: &mut Vec<Val>) {
        let snap = self.snap;
        match v {
            Virtual::Name if text => {
                if snap.name_text(s).is_some() {
                    out.push(Val::Name(s));
                }
                return;
            }
            Virtual::Alias if text => {
                snap.for_each_alias(s, |m| out.push(Val::Name(m)));
                return;
            }
            _ => {}
        }
        let value = match v {
            Virtual::Type => snap
                .entity_type(s)
                .map(|t| Value::Str(t.as_str().to_string())),
            Virtual::Name => snap.name(s).map(|n| Value::Str(n.to_string())),
            Virtual::Alias => {
                for n in snap.alias_names(s) {
                    out.push(self.arena.val_of(snap, Value::Str(n.to_string())));
                }
                None
            }
            Virtual::Mentions => {
                if snap.article(s).is_some() {
                    out.extend(snap.mentions(s).into_iter().map(Val::Term));
                }
                None
            }
            Virtual::Published => {
                if let Some(d) = snap.article(s).and_then(|meta| meta.published) {
                    out.push(self.arena.val_of_date(snap, d));
                }
                None
            }
            Virtual::Title | Virtual::Url | Virtual::Language => {
                snap.article(s).and_then(|meta| match v {
                    Virtual::Title => meta.title.clone().map(Value::Str),
                    Virtual::Url => meta.url.clone().map(Value::Str),
                    Virtual::Language => meta.language.clone().map(Value::Str),
                    _ => None,
                })
            }
        };
        if let Some(value) = value {
            out.push(self.arena.val_of(snap, value));
        }
    }

    // ---- filters -----------------------------------------------------------------------

    fn operand<'x>(&'x self, o: &'x Operand, row: &Row) -> Option<Opd<'x>> {
        match o {
            Operand::Slot(s) => row.get(*s).copied().flatten().map(|v| self.opd(v)),
            Operand::Const { value, names } => Some(Opd::Lit(Cow::Borrowed(value), *names)),
        }
    }

    fn opd(&self, v: Val) -> Opd<'_> {
        match v {
            Val::Term(t) => match self.snap.term(t) {
                Some(TermRef::Entity { root, .. }) => Opd::Ent(root),
                Some(TermRef::Literal(l)) => Opd::Lit(Cow::Borrowed(l), None),
                None => Opd::Lit(Cow::Owned(Value::Str(String::new())), None),
            },
            Val::Extra(i) => match self.arena.get(i) {
                Some(l) => Opd::Lit(Cow::Borrowed(l), None),
                None => Opd::Lit(Cow::Owned(Value::Str(String::new())), None),
            },
            Val::Pred(p) => Opd::Lit(Cow::Owned(Value::Str(self.pred_name(p))), None),
            Val::Name(t) => Opd::Text(self.snap.name_text(t).unwrap_or_default()),
            Val::Date(_) => match v.as_date() {
                Some(d) => Opd::Lit(Cow::Owned(Value::Date(d)), None),
                None => Opd::Lit(Cow::Owned(Value::Str(String::new())), None),
            },
        }
    }

    fn pred_name(&self, p: PredId) -> String {
        self.snap
            .view()
            .pred(p)
            .map_or_else(String::new, |i| i.name.to_string())
    }

    fn opd_eq(&self, a: &Opd, b: &Opd) -> bool {
        let lit = |o: &Opd| match o {
            Opd::Text(t) => Some(Opd::Lit(Cow::Owned(Value::Str(t.to_string())), None)),
            _ => None,
        };
        match (lit(a), lit(b)) {
            (Some(x), Some(y)) => return self.opd_eq(&x, &y),
            (Some(x), None) => return self.opd_eq(&x, b),
            (None, Some(y)) => return self.opd_eq(a, &y),
            (None, None) => {}
        }
        match (a, b) {
            (Opd::Ent(x), Opd::Ent(y)) => x == y,
            (Opd::Ent(e), Opd::Lit(v, names)) | (Opd::Lit(v, names), Opd::Ent(e)) => {
                match v.as_ref() {
                    Value::Str(s) | Value::Entity(s) => {
                        names.or_else(|| self.snap.resolve_name(s)) == Some(*e)
                    }
                    _ => false,
                }
            }
            (Opd::Lit(x, _), Opd::Lit(y, _)) => {
                compare_values(x, y) == Ordering::Equal
                    && matches!(x.as_ref(), Value::Str(_) | Value::Entity(_))
                        == matches!(y.as_ref(), Value::Str(_) | Value::Entity(_))
            }
            // Made literals above.
            (Opd::Text(_), _) | (_, Opd::Text(_)) => false,
        }
    }

    fn opd_value<'x>(&self, o: &'x Opd) -> Cow<'x, Value> {
        match o {
            Opd::Ent(t) => Cow::Owned(Value::Entity(
                self.snap.name(*t).unwrap_or_default().to_string(),
            )),
            Opd::Lit(v, _) => Cow::Borrowed(v.as_ref()),
            Opd::Text(t) => Cow::Owned(Value::Str(t.to_string())),
        }
    }

    fn opd_text<'x>(&'x self, o: &'x Opd) -> Cow<'x, str> {
        match o {
            Opd::Ent(t) => Cow::Borrowed(self.snap.name(*t).unwrap_or_default()),
            Opd::Lit(v, _) => match v.as_ref() {
                Value::Str(s) | Value::Entity(s) => Cow::Borrowed(s.as_str()),
                other => Cow::Owned(other.to_string()),
            },
            Opd::Text(t) => Cow::Borrowed(t),
        }
    }

    fn filter_ok(&self, f: &FilterIr, row: &Row) -> bool {
        let Some(left) = self.operand(&f.left, row) else {
            return false;
        };
        match f.op {
            FilterOp::In => f.rights.iter().any(|r| {
                self.operand(r, row)
                    .is_some_and(|right| self.opd_eq(&left, &right))
            }),
            FilterOp::Cmp(op) => {
                let Some(right) = f.rights.first().and_then(|r| self.operand(r, row)) else {
                    return false;
                };
                match op {
                    CompareOp::Eq => self.opd_eq(&left, &right),
                    CompareOp::Ne => !self.opd_eq(&left, &right),
                    CompareOp::Lt | CompareOp::Le | CompareOp::Gt | CompareOp::Ge => {
                        let ord = compare_values(&self.opd_value(&left), &self.opd_value(&right));
                        match op {
                            CompareOp::Lt => ord == Ordering::Less,
                            CompareOp::Le => ord != Ordering::Greater,
                            CompareOp::Gt => ord == Ordering::Greater,
                            _ => ord != Ordering::Less,
                        }
                    }
                    CompareOp::StartsWith if f.folded.is_some() => {
                        // A constant needle: fold the text only as far as it takes.
                        let needle = f.folded.as_deref().unwrap_or_default();
                        fold_starts_with(&self.opd_text(&left), needle)
                    }
                    CompareOp::Contains | CompareOp::StartsWith => {
                        let hay = fold(&self.opd_text(&left));
                        let needle = match &f.folded {
                            Some(n) => Cow::Borrowed(n.as_str()),
                            None => Cow::Owned(fold(&self.opd_text(&right))),
                        };
                        if op == CompareOp::Contains {
                            hay.contains(needle.as_ref())
                        } else {
                            hay.starts_with(needle.as_ref())
                        }
                    }
                    CompareOp::Matches => f
                        .regex
                        .as_ref()
                        .is_some_and(|r| r.is_match(&self.opd_text(&left))),
                }
            }
        }
    }

    fn val_text(&self, v: Val) -> Option<String> {
        match self.opd(v) {
            Opd::Ent(t) => self.snap.name(t).map(str::to_string),
            Opd::Lit(l, _) => match l.as_ref() {
                Value::Str(s) => Some(s.clone()),
                _ => None,
            },
            Opd::Text(t) => Some(t.to_string()),
        }
    }

    // ---- collecting ----------------------------------------------------------------------

    /// The fast path for "how many facts of each predicate": a plan of one pattern
    /// `?s ?p ?o` (three distinct free variables, no `in`), grouped by `?p` or by nothing,
    /// with only `count(*)` or `count(?x)` of its variables. Every solution binds all
    /// three, so counting facts per predicate in a dense array gives the same groups as
    /// the general path, without a hash lookup per fact. Returns false when the plan has
    /// another shape.
    fn count_by_predicate(&mut self, plan: &Plan) -> bool {
        let [step] = plan.steps.as_slice() else {
            return false;
        };
        let StepKind::Pattern(p) = &step.kind else {
            return false;
        };
        let (Pos::Slot(s), PredSel::Var(ps), Pos::Slot(o), None) = (&p.s, &p.pred, &p.o, p.article)
        else {
            return false;
        };
        if p.is_path() || s == o || s == ps || o == ps {
            return false;
        }
        let Collector::Groups {
            keys, aggs, map, ..
        } = &mut self.collector
        else {
            return false;
        };
        let by_pred = match keys.as_slice() {
            [] => false,
            [k] if k == ps => true,
            _ => return false,
        };
        let counts_only = aggs.iter().all(|(f, distinct, arg)| {
            *f == AggFunc::Count && !distinct && arg.is_none_or(|a| a == *s || a == *o || a == *ps)
        });
        if !counts_only {
            return false;
        }
        let mut counts: Vec<u64> = vec![
            0;
            self.snap
                .view()
                .predicates()
                .map(|(id, _)| id as usize + 1)
                .max()
                .unwrap_or(0)
        ];
        // Now, from the view's maintained counts (`Snapshot::fact_rows_by_pred`).
        match self.snap.fact_rows_by_pred() {
            Some(rows) => {
                for (c, n) in counts.iter_mut().zip(rows) {
                    *c = n;
                }
            }
            None => self.snap.facts(None, &mut |f| {
                if let Some(c) = counts.get_mut(f.p as usize) {
                    *c += 1;
                }
            }),
        }
        let total: u64 = counts.iter().sum();
        if let Some(c) = self.actual.get_mut(step.id) {
            *c = total;
        }
        let groups: Vec<(Option<Val>, u64)> = if by_pred {
            counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(p, n)| (Some(Val::Pred(p as PredId)), *n))
                .collect()
        } else if total > 0 {
            vec![(None, total)]
        } else {
            Vec::new()
        };
        for (key, n) in groups {
            let mut k = RowKey::default();
            if by_pred {
                k.head[0] = key;
            }
            map.insert(k, aggs.iter().map(|_| Acc::Count(n)).collect());
        }
        true
    }

    fn collect(&mut self, row: &mut Row) {
        let max_rows = self.limits.max_rows;
        let mut over = false;
        match &mut self.collector {
            Collector::Rows { cols, set, buf } => {
                buf.fill(row, cols);
                // The clone allocates nothing for rows of up to four columns.
                if set.insert(buf.clone()) {
                    over = set.len() > max_rows;
                }
            }
            Collector::Pairs { cols, set } => {
                let cell = |i: usize| {
                    let v = cols.get(i).and_then(|&s| row.get(s).copied().flatten());
                    u128::from(pack(v))
                };
                if set.insert(cell(0) << 64 | cell(1)) {
                    over = set.len() > max_rows;
                }
            }
            Collector::Groups {
                keys,
                aggs,
                map,
                buf,
            } => {
                buf.fill(row, keys);
                let accs = match map.get_mut(buf) {
                    Some(accs) => accs,
                    None => {
                        over = map.len() >= max_rows;
                        map.entry(buf.clone()).or_insert_with(|| {
                            aggs.iter().map(|(f, d, _)| new_acc(*f, *d)).collect()
                        })
                    }
                };
                let snap = self.snap;
                let arena = &self.arena;
                for ((func, _, arg), acc) in aggs.iter().zip(accs.iter_mut()) {
                    let v = arg.and_then(|s| row.get(s).copied().flatten());
                    let star = arg.is_none();
                    accumulate(snap, arena, *func, acc, star, v, &mut self.distinct_values);
                }
            }
        }
        if over {
            self.err = Some(Error::Aborted(format!(
                "the query has more than {max_rows} rows; narrow it, or raise the limit with --max-rows"
            )));
        } else if self.collected_rows() & 1023 == 0 {
            self.check_memory(0);
        }
    }

    /// Output cells, row after row (`columns.len()` per row), unsorted.
    fn finish(&mut self, columns: &[(String, Column)]) -> Vec<Option<Val>> {
        let collector = std::mem::replace(
            &mut self.collector,
            Collector::Rows {
                cols: Vec::new(),
                set: FxHashSet::default(),
                buf: RowKey::default(),
            },
        );
        match collector {
            Collector::Rows { set, cols, .. } => {
                let mut out = Vec::with_capacity(set.len() * cols.len());
                for k in &set {
                    out.extend(k.cells(cols.len()));
                }
                out
            }
            Collector::Pairs { set, cols } => {
                let mut out = Vec::with_capacity(set.len() * cols.len());
                for &k in &set {
                    out.extend(
                        [unpack((k >> 64) as u64), unpack(k as u64)]
                            .into_iter()
                            .take(cols.len()),
                    );
                }
                out
            }
            Collector::Groups {
                keys,
                aggs,
                mut map,
                ..
            } => {
                if keys.is_empty() && map.is_empty() {
                    // Aggregates over no solution: one row (a count of 0).
                    map.insert(
                        RowKey::default(),
                        aggs.iter().map(|(f, d, _)| new_acc(*f, *d)).collect(),
                    );
                }
                let mut out = Vec::with_capacity(map.len() * columns.len());
                for (key, accs) in map {
                    let mut key = key.cells(keys.len());
                    let mut accs = accs.into_iter().zip(&aggs);
                    let mut r = Vec::with_capacity(columns.len());
                    for (_, col) in columns {
                        match col {
                            Column::Var(_) => r.push(key.next().flatten()),
                            Column::Agg { .. } => {
                                let v = accs
                                    .next()
                                    .and_then(|(acc, (func, _, _))| self.final_value(*func, acc));
                                r.push(v);
                            }
                        }
                    }
                    out.extend(r);
                }
                out
            }
        }
    }

    fn final_value(&mut self, func: AggFunc, acc: Acc) -> Option<Val> {
        let snap = self.snap;
        let lit = match acc {
            Acc::Count(n) => Value::Int(i64::try_from(n).unwrap_or(i64::MAX)),
            Acc::Sum(s) => match func {
                AggFunc::Avg if s.n == 0 => return None,
                AggFunc::Avg => Value::Decimal(s.float / s.n as f64),
                _ => s.sum(),
            },
            Acc::Min(v) | Acc::Max(v) => return v,
            Acc::Distinct(set) => {
                let mut vals: Vec<Val> = set.into_iter().collect();
                vals.sort_unstable();
                match func {
                    AggFunc::Count => Value::Int(i64::try_from(vals.len()).unwrap_or(i64::MAX)),
                    AggFunc::Min | AggFunc::Max => {
                        let mut best: Option<Val> = None;
                        for v in vals {
                            best = Some(match best {
                                None => v,
                                Some(b) => {
                                    let ord = cmp_vals(snap, &self.arena, v, b);
                                    let better = if func == AggFunc::Min {
                                        ord == Ordering::Less
                                    } else {
                                        ord == Ordering::Greater
                                    };
                                    if better {
                                        v
                                    } else {
                                        b
                                    }
                                }
                            });
                        }
                        return best;
                    }
                    AggFunc::Sum | AggFunc::Avg => {
                        let mut s = SumAcc::new();
                        for v in vals {
                            if let Some(value) = val_value(snap, &self.arena, v) {
                                s.add(&value);
                            }
                        }
                        if func == AggFunc::Avg {
                            if s.n == 0 {
                                return None;
                            }
                            Value::Decimal(s.float / s.n as f64)
                        } else {
                            s.sum()
                        }
                    }
                }
            }
        };
        Some(self.arena.val_of(snap, lit))
    }

    /// The order of the rows (`width` cells each): by the order keys, then by every
    /// column ascending. Each distinct value is ranked once (its text folded once), so
    /// comparing rows compares integers.
    fn sort(&self, cells: &[Option<Val>], width: usize, order: &[(usize, bool)]) -> Vec<usize> {
        let n = cells.len().checked_div(width).unwrap_or(0);
        if n < 2 {
            return (0..n).collect();
        }
        // Rows of one or two columns (most answers): their columns in comparison order,
        // a column ordered twice counting the first time.
        let mut cols: Vec<(usize, bool)> = Vec::with_capacity(2);
        if width <= 2 {
            for (col, desc) in order.iter().copied().chain((0..width).map(|c| (c, false))) {
                if col < width && !cols.iter().any(|o| o.0 == col) {
                    cols.push((col, desc));
                }
            }
            // The column compared first: when it alone orders the rows, no other is ranked.
            let (col, desc) = cols.first().copied().unwrap_or((0, false));
            if let Some(idx) = self.sort_by_unique_column(cells, width, col, desc) {
                return idx;
            }
            if let [first, second] = cols[..] {
                if let Some(idx) = self.sort_by_groups(cells, first, second) {
                    return idx;
                }
            }
        }
        let mut order_idx: Vec<usize> = (0..n).collect();
        let snap = self.snap;
        // Number the distinct values in the order met: `cell_ids[c]` is cell c's value
        // (0 for unbound, else 1 + its index in `distinct`).
        // Rows are distinct: with one column, so are its cells, and no map is needed.
        let mut ids: FxHashMap<Val, u32> = FxHashMap::default();
        if width > 1 {
            ids.reserve(cells.len());
        }
        let mut distinct: Vec<Val> = Vec::with_capacity(cells.len());
        let cell_ids: Vec<u32> = cells
            .iter()
            .map(|c| match c {
                None => 0,
                Some(v) if width == 1 => {
                    distinct.push(*v);
                    distinct.len() as u32
                }
                Some(v) => *ids.entry(*v).or_insert_with(|| {
                    distinct.push(*v);
                    distinct.len() as u32
                }),
            })
            .collect();
        // Most values differ in their first folded bytes: ordering by those first leaves
        // the full keys (a fold of each text) to the few ties.
        let mut buf = String::new();
        // Built at the first tie only: most sorts never compare full keys.
        let keys: OnceCell<Vec<OnceCell<Key>>> = OnceCell::new();
        let key = |i: u32| {
            let v = distinct.get(i as usize).copied();
            let keys = keys.get_or_init(|| distinct.iter().map(|_| OnceCell::new()).collect());
            keys.get(i as usize).map(|cell| {
                cell.get_or_init(|| v.map_or(Key::Missing, |v| key_of(snap, &self.arena, v)))
            })
        };
        let full = |a: u32, b: u32| match (key(a), key(b)) {
            (Some(x), Some(y)) => cmp_keys(x, y),
            _ => Ordering::Equal,
        };
        // The values by head: one word each, the head's first thirteen bytes above the
        // value's index, sorted as plain integers (a comparator over (head, index) pairs
        // cost three times as much); only runs of equal heads compare full keys.
        let idx: Vec<(u128, u32)> = if distinct.len() <= HEAD_INDEX_MASK as usize {
            let prefetch = prefetch_pays(snap);
            let heads: Vec<u128> = distinct
                .iter()
                .enumerate()
                .map(|(i, &v)| {
                    if prefetch {
                        prefetch_ahead(snap, i, |j| distinct.get(j).copied());
                    }
                    head_of(snap, &self.arena, v, &mut buf)
                })
                .collect();
            let words = sort_by_heads(&heads, &full);
            let index = |w: u128| (w & HEAD_INDEX_MASK) as u32;
            let head = |w: u128| heads.get(index(w) as usize).copied().unwrap_or(0);
            words.into_iter().map(|w| (head(w), index(w))).collect()
        } else {
            let mut idx: Vec<(u128, u32)> = distinct
                .iter()
                .enumerate()
                .map(|(i, &v)| (head_of(snap, &self.arena, v, &mut buf), i as u32))
                .collect();
            idx.sort_unstable_by(|&(ha, a), &(hb, b)| ha.cmp(&hb).then_with(|| full(a, b)));
            idx
        };
        // Equal keys share a rank; 0 is unbound. `rank_of[1 + i]` ranks `distinct[i]`.
        let mut rank_of = vec![0u32; distinct.len() + 1];
        let mut r = 0u32;
        let mut prev: Option<(u128, u32)> = None;
        for &(h, i) in &idx {
            let same = prev.is_some_and(|(ph, p)| ph == h && full(p, i) == Ordering::Equal);
            if !same {
                r += 1;
            }
            if let Some(slot) = rank_of.get_mut(i as usize + 1) {
                *slot = r;
            }
            prev = Some((h, i));
        }
        let ranks: Vec<u32> = cell_ids
            .iter()
            .map(|&id| rank_of.get(id as usize).copied().unwrap_or(0))
            .collect();
        let row_ranks = |i: usize| ranks.get(i * width..(i + 1) * width).unwrap_or(&[]);
        // Rows of one or two columns (most answers) sort by one word: the ranks packed
        // in comparison order, a descending one inverted.
        if width <= 2 {
            // Ranks run from 0 to `r`: a stable counting sort per column, the last
            // compared first, orders the rows as sorting (ranks, row index) would, in
            // time linear in rows and ranks.
            let max_rank = r as usize;
            if max_rank <= n.saturating_mul(4) {
                let mut counts = vec![0usize; max_rank + 2];
                let mut cur: Vec<u32> = (0..n as u32).collect();
                let mut next: Vec<u32> = vec![0; n];
                for &(col, desc) in cols.iter().rev() {
                    let bucket = |i: u32| {
                        let rank = row_ranks(i as usize).get(col).copied().unwrap_or(0) as usize;
                        if desc {
                            max_rank.saturating_sub(rank)
                        } else {
                            rank
                        }
                    };
                    counts.iter_mut().for_each(|c| *c = 0);
                    for &i in &cur {
                        if let Some(c) = counts.get_mut(bucket(i) + 1) {
                            *c += 1;
                        }
                    }
                    for b in 1..counts.len() {
                        let prev = counts.get(b - 1).copied().unwrap_or(0);
                        if let Some(c) = counts.get_mut(b) {
                            *c += prev;
                        }
                    }
                    for &i in &cur {
                        if let Some(c) = counts.get_mut(bucket(i)) {
                            if let Some(slot) = next.get_mut(*c) {
                                *slot = i;
                            }
                            *c += 1;
                        }
                    }
                    std::mem::swap(&mut cur, &mut next);
                }
                return cur.into_iter().map(|i| i as usize).collect();
            }
            let mut packed: Vec<(u64, u32)> = (0..n)
                .map(|i| {
                    let r = row_ranks(i);
                    let word = cols.iter().fold(0u64, |acc, &(col, desc)| {
                        let rank = r.get(col).copied().unwrap_or(0);
                        (acc << 32) | u64::from(if desc { u32::MAX - rank } else { rank })
                    });
                    (word, i as u32)
                })
                .collect();
            packed.sort_unstable();
            return packed.into_iter().map(|(_, i)| i as usize).collect();
        }
        order_idx.sort_unstable_by(|&a, &b| {
            let (ra, rb) = (row_ranks(a), row_ranks(b));
            for &(col, desc) in order {
                let ord = ra.get(col).cmp(&rb.get(col));
                let ord = if desc { ord.reverse() } else { ord };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            ra.cmp(rb)
        });
        order_idx
    }

    /// [`Exec::sort`] when column `col` is compared first and its values are bound in
    /// every row, with keys all different: then it alone orders the rows, and they sort
    /// as its values do (one sort of `n` heads). `None` when a value is unbound, repeats
    /// or ties another's key: rank every column then.
    ///
    /// Most answers of one or two columns have such a column (`?e` in Q8, each article
    /// once in Q7's `?a, ?d`): ranking the other column's values too, and counting-sorting
    /// the rows by both ranks, cost Q7 0.4M of its 1.1M instructions of sorting.
    fn sort_by_unique_column(
        &self,
        cells: &[Option<Val>],
        width: usize,
        col: usize,
        desc: bool,
    ) -> Option<Vec<usize>> {
        let n = cells.len().checked_div(width)?;
        if n > HEAD_INDEX_MASK as usize {
            return None;
        }
        let mut vals: Vec<Val> = Vec::with_capacity(n);
        for i in 0..n {
            vals.push(cells.get(i * width + col).copied().flatten()?);
        }
        // Distinct ranks are distinct cells: no set needed on this path.
        if let Some(order) = self.sort_by_name_rank(&vals, desc) {
            return Some(order);
        }
        // Rows are distinct: with one column, so are its cells.
        if width > 1 {
            let mut seen: FxHashSet<Val> = FxHashSet::default();
            for (i, &v) in vals.iter().enumerate() {
                // Room for every row only once the first rows were all different: a
                // repeating column (Q1's `?p`) shows in a few rows, and clearing a set
                // for all of them cost more than the check.
                if i == 64 {
                    seen.reserve(n);
                }
                if !seen.insert(v) {
                    return None;
                }
            }
        }
        let snap = self.snap;
        let mut buf = String::new();
        let prefetch = prefetch_pays(snap);
        let heads: Vec<u128> = vals
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                if prefetch {
                    prefetch_ahead(snap, i, |j| vals.get(j).copied());
                }
                head_of(snap, &self.arena, v, &mut buf)
            })
            .collect();
        let keys: OnceCell<Vec<OnceCell<Key>>> = OnceCell::new();
        let full = |a: u32, b: u32| {
            let keys = keys.get_or_init(|| vals.iter().map(|_| OnceCell::new()).collect());
            let key = |i: u32| {
                keys.get(i as usize).map(|k| {
                    k.get_or_init(|| {
                        vals.get(i as usize)
                            .map_or(Key::Missing, |&v| key_of(snap, &self.arena, v))
                    })
                })
            };
            match (key(a), key(b)) {
                (Some(x), Some(y)) => cmp_keys(x, y),
                _ => Ordering::Equal,
            }
        };
        let index = |w: u128| (w & HEAD_INDEX_MASK) as u32;
        let head = |w: u128| heads.get(index(w) as usize).copied().unwrap_or(0);
        let words = sort_by_heads(&heads, &full);
        // Two equal keys would leave their rows to the other column.
        let tie = words
            .windows(2)
            .any(|w| matches!(w, [a, b] if head(*a) == head(*b) && full(index(*a), index(*b)) == Ordering::Equal));
        if tie {
            return None;
        }
        let mut out: Vec<usize> = words.into_iter().map(|w| index(w) as usize).collect();
        if desc {
            out.reverse();
        }
        Some(out)
    }

    /// [`Exec::sort`] of rows of two columns whose first compared column (`first`) holds
    /// predicates, or entities with [`View::name_ranks`](crate::view::View::name_ranks),
    /// in every row: the rows are grouped by its values, ordered by one number each,
    /// and each group is ordered by the other column (`second`), whose cells a group
    /// holds once each ([`Exec::sort_by_unique_column`]). Q1's `?p, ?o` (a few
    /// predicates, each with its objects) no longer ranks every value of both columns
    /// through a map. `None` when a group's cells tie or are unbound: rank every column
    /// then.
    fn sort_by_groups(
        &self,
        cells: &[Option<Val>],
        first: (usize, bool),
        second: (usize, bool),
    ) -> Option<Vec<usize>> {
        const WIDTH: usize = 2;
        let snap = self.snap;
        let view = snap.view();
        let n = cells.len() / WIDTH;
        let firsts: Vec<Val> = (0..n)
            .map(|i| cells.get(i * WIDTH + first.0).copied().flatten())
            .collect::<Option<_>>()?;
        // The first column's values as numbers in their order.
        let keys: Vec<u32> = if firsts.iter().all(|v| matches!(v, Val::Pred(_))) {
            let mut by_name: Vec<(&str, u32)> = view
                .predicates()
                .map(|(p, info)| (&*info.name, p))
                .collect();
            by_name.sort_unstable();
            let mut pred_rank = vec![0u32; by_name.iter().map(|&(_, p)| p as usize + 1).max()?];
            for (r, &(_, p)) in by_name.iter().enumerate() {
                *pred_rank.get_mut(p as usize)? = r as u32 + 1;
            }
            firsts
                .iter()
                .map(|v| match v {
                    Val::Pred(p) => pred_rank.get(*p as usize).copied().filter(|&r| r > 0),
                    _ => None,
                })
                .collect::<Option<_>>()?
        } else if firsts.iter().all(|v| matches!(v, Val::Term(_))) {
            let ranks = view.name_ranks(n)?;
            firsts
                .iter()
                .map(|&v| self.entity_rank(ranks, v))
                .collect::<Option<_>>()?
        } else {
            return None;
        };
        let mut words: Vec<u64> = keys
            .iter()
            .enumerate()
            .map(|(i, &k)| u64::from(k) << 32 | i as u64)
            .collect();
        words.sort_unstable();
        let mut out: Vec<usize> = Vec::with_capacity(n);
        let mut sub: Vec<Option<Val>> = Vec::new();
        let second_of = |w: u64| cells.get(w as u32 as usize * WIDTH + second.0).copied();
        // Most groups hold a row or two: those are placed without a sort's allocations.
        let mut place = |group: &[u64]| -> Option<()> {
            match *group {
                [one] => out.push(one as u32 as usize),
                [a, b] => {
                    let key = |w| second_of(w).flatten().map(|v| key_of(snap, &self.arena, v));
                    let ord = cmp_keys(&key(a)?, &key(b)?);
                    let ord = if second.1 { ord.reverse() } else { ord };
                    match ord {
                        Ordering::Less => out.extend([a as u32 as usize, b as u32 as usize]),
                        Ordering::Greater => out.extend([b as u32 as usize, a as u32 as usize]),
                        Ordering::Equal => return None,
                    }
                }
                _ => {
                    sub.clear();
                    sub.extend(group.iter().map(|&w| second_of(w).flatten()));
                    for j in self.sort_by_unique_column(&sub, 1, 0, second.1)? {
                        out.push(*group.get(j)? as u32 as usize);
                    }
                }
            }
            Some(())
        };
        let groups = words.chunk_by(|a, b| a >> 32 == b >> 32);
        if first.1 {
            groups.rev().try_for_each(&mut place)?;
        } else {
            groups.into_iter().try_for_each(&mut place)?;
        }
        Some(out)
    }

    /// [`Exec::sort_by_unique_column`] of a column of entities, by their canonical
    /// names' ranks ([`View::name_ranks`](crate::view::View::name_ranks)): one number a
    /// row instead of its name's text, a cache miss or more a row on large views.
    /// `None` (sort by text) unless every cell is an entity with a rank and no two share
    /// one: a cell repeated, or two names of one entity.
    fn sort_by_name_rank(&self, vals: &[Val], desc: bool) -> Option<Vec<usize>> {
        let snap = self.snap;
        if !vals.iter().all(|v| matches!(v, Val::Term(_))) {
            return None;
        }
        let ranks = snap.view().name_ranks(vals.len())?;
        let mut words = Vec::with_capacity(vals.len());
        for (i, &v) in vals.iter().enumerate() {
            let rank = self.entity_rank(ranks, v)?;
            words.push(u64::from(rank) << 32 | i as u64);
        }
        words.sort_unstable();
        if words
            .windows(2)
            .any(|w| matches!(w, [a, b] if a >> 32 == b >> 32))
        {
            return None;
        }
        let mut out: Vec<usize> = words.into_iter().map(|w| w as u32 as usize).collect();
        if desc {
            out.reverse();
        }
        Some(out)
    }

    /// The rank of an entity's canonical name among `ranks`
    /// ([`View::name_ranks`](crate::view::View::name_ranks)); `None` for anything else.
    #[inline]
    fn entity_rank(&self, ranks: &[u32], v: Val) -> Option<u32> {
        let Val::Term(t) = v else {
            return None;
        };
        ranks
            .get(self.snap.root(t) as usize)
            .copied()
            .filter(|&r| r > 0)
    }

    fn value(&self, v: Val) -> Option<Value> {
        val_value(self.snap, &self.arena, v)
    }
}

/// Indexes of `heads` (at most [`HEAD_INDEX_MASK`] of them) in the order of their values:
/// one word each, the head's first thirteen bytes above its index, sorted as plain
/// integers; only runs that tie on those bytes compare the whole head, then `full` (the
/// full keys of two indexes). Read an index back with `w & HEAD_INDEX_MASK`.
fn sort_by_heads(heads: &[u128], full: &dyn Fn(u32, u32) -> Ordering) -> Vec<u128> {
    let index = |w: u128| (w & HEAD_INDEX_MASK) as u32;
    let head = |w: u128| heads.get(index(w) as usize).copied().unwrap_or(0);
    let mut words: Vec<u128> = heads
        .iter()
        .enumerate()
        .map(|(i, &h)| (h & !HEAD_INDEX_MASK) | i as u128)
        .collect();
    words.sort_unstable();
    for run in words.chunk_by_mut(|a, b| a >> HEAD_INDEX_BITS == b >> HEAD_INDEX_BITS) {
        if run.len() > 1 {
            run.sort_unstable_by(|&a, &b| {
                head(a)
                    .cmp(&head(b))
                    .then_with(|| full(index(a), index(b)))
                    .then(a.cmp(&b))
            });
        }
    }
    words
}

/// Bytes held by a path walk: its node lists, a set of `set_len` nodes and `out` values.
fn walk_bytes(lists: &[&Vec<TermId>], set_len: usize, out: usize) -> usize {
    let node = std::mem::size_of::<TermId>();
    lists.iter().map(|l| l.capacity() * node).sum::<usize>()
        + set_len * (node + 1)
        + out * std::mem::size_of::<Val>()
}

/// `4 GiB`, `512 MiB`, `1.5 KiB`: a byte count for messages.
pub fn human_bytes(n: usize) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = UNITS.first().copied().unwrap_or("KiB");
    for u in UNITS.iter().skip(1) {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = u;
    }
    if value.fract() == 0.0 {
        format!("{value:.0} {unit}")
    } else {
        format!("{value:.1} {unit}")
    }
}

fn degree(snap: &Snapshot, t: TermId, out: bool) -> usize {
    let view = snap.view();
    snap.members(t)
        .iter()
        .map(|&m| {
            if out {
                view.out_degree(m)
            } else {
                view.in_degree(m)
            }
        })
        .sum()
}

fn accumulate(
    snap: &Snapshot,
    arena: &Arena,
    func: AggFunc,
    acc: &mut Acc,
    star: bool,
    v: Option<Val>,
    distinct_values: &mut usize,
) {
    match acc {
        Acc::Count(n) => {
            if star || v.is_some() {
                *n += 1;
            }
        }
        Acc::Distinct(set) => {
            if let Some(v) = v {
                if set.insert(v) {
                    *distinct_values += 1;
                }
            }
        }
        Acc::Sum(s) => {
            if let Some(value) = v.and_then(|v| val_value(snap, arena, v)) {
                s.add(&value);
            }
        }
        Acc::Min(best) | Acc::Max(best) => {
            if let Some(v) = v {
                let replace = match best {
                    None => true,
                    Some(b) => {
                        let ord = cmp_vals(snap, arena, v, *b);
                        if func == AggFunc::Min {
                            ord == Ordering::Less
                        } else {
                            ord == Ordering::Greater
                        }
                    }
                };
                if replace {
                    *best = Some(v);
                }
            }
        }
    }
}

/// A filter operand: an entity (its canonical term) or a literal, with the entity a
/// constant string names.
enum Opd<'x> {
    Ent(TermId),
    Lit(Cow<'x, Value>, Option<TermId>),
    /// A string literal's text ([`Val::Name`]).
    Text(&'x str),
}

/// Views with fewer terms than this are not prefetched ([`prefetch_pays`]).
const PREFETCH_FROM_TERMS: usize = 1 << 18;

/// Whether [`prefetch_ahead`] pays on this view: not below [`PREFETCH_FROM_TERMS`] terms
/// (a few tens of MB of terms with their texts, about the machine's last-level cache),
/// whose terms are mostly in cache already, so that asking costs instructions for nothing
/// (Q8 at 400k facts: 11% more).
fn prefetch_pays(snap: &Snapshot) -> bool {
    snap.view().term_count() >= PREFETCH_FROM_TERMS
}

/// Prefetches the terms that the values a few places after place `i` will read (`at(j)`
/// is the value at place j): a term's slot eight places ahead, its decoded record four,
/// its texts two. At 10M facts the rows of an answer name terms all over a view that no
/// longer fits in cache, each read a chain of misses (slot, record, text); asked for
/// ahead, the misses of several rows overlap (Q1 66.5 -> 48.3 ms, Q4 85.8 -> 60.1).
/// Callers ask [`prefetch_pays`] first, once.
#[inline]
fn prefetch_ahead(snap: &Snapshot, i: usize, at: impl Fn(usize) -> Option<Val>) {
    let view = snap.view();
    for (ahead, depth) in [
        (8, TermDepth::Slot),
        (4, TermDepth::Decoded),
        (2, TermDepth::Text),
    ] {
        if let Some(Val::Term(t)) = at(i + ahead) {
            view.prefetch_term(t, depth);
        }
    }
}

/// A value as output.
pub fn val_value(snap: &Snapshot, arena: &Arena, v: Val) -> Option<Value> {
    match v {
        Val::Term(t) => match snap.term(t)? {
            TermRef::Entity { name, .. } => Some(Value::Entity(String::from(name))),
            TermRef::Literal(l) => Some(l.clone()),
        },
        Val::Extra(i) => arena.get(i).cloned(),
        Val::Pred(p) => snap
            .view()
            .pred(p)
            .map(|i| Value::Str(String::from(&*i.name))),
        Val::Name(t) => snap.name_text(t).map(|n| Value::Str(String::from(n))),
        Val::Date(_) => v.as_date().map(Value::Date),
    }
}

/// What a value sorts by: text (folded, then as written) or another literal.
///
/// A literal string's key folds only its first [`FOLD_PREFIX`] characters (quotes can be
/// long, and most strings differ early); two keys whose folded prefixes tie fold in full.
/// Folding is per character, so the folded prefix is a prefix of the full fold.
enum Key<'x> {
    Text {
        folded: Cow<'x, str>,
        raw: &'x str,
        /// `folded` is the fold of a prefix of `raw` only.
        truncated: bool,
    },
    Other(Cow<'x, Value>),
    Missing,
}

/// Sixteen bytes that order like [`cmp_keys`] wherever two heads differ: missing
/// values, then other literals, then texts by their first fifteen folded bytes. Equal
/// heads say nothing; compare the keys. `buf` is scratch space for folding.
fn head_of(snap: &Snapshot, arena: &Arena, v: Val, buf: &mut String) -> u128 {
    match v {
        Val::Term(t) => match snap.folded_name(t) {
            // An entity: its canonical name folded.
            Some(folded) => text_head(folded),
            None => match snap.term(t) {
                Some(TermRef::Literal(l)) => literal_head(l, buf),
                _ => 0,
            },
        },
        Val::Extra(i) => arena.get(i).map_or(0, |l| literal_head(l, buf)),
        Val::Pred(p) => snap.view().pred(p).map_or(0, |info| text_head(&info.name)),
        Val::Name(t) => snap.name_text(t).map_or(0, |n| str_head(n, buf)),
        Val::Date(days) => day_head(days),
    }
}

fn text_head(folded: &str) -> u128 {
    let mut word = [0u8; 16];
    let bytes = folded.as_bytes();
    let n = bytes.len().min(15);
    if let (Some(to), Some(from)) = (word.get_mut(1..1 + n), bytes.get(..n)) {
        to.copy_from_slice(from);
    }
    u128::from_be_bytes(word) | (2 << 120)
}

fn literal_head(l: &Value, buf: &mut String) -> u128 {
    match l {
        Value::Str(s) | Value::Entity(s) => str_head(s, buf),
        Value::Date(d) => date_head(d),
        Value::DateTime(t) => date_head(&t.date_naive()),
        // Numbers and money: their class only.
        _ => 1 << 120,
    }
}

/// The head of a text: the fold of a prefix is a prefix of the fold, so fold a few
/// characters, and the whole text only when they fold to fewer bytes than the head holds.
fn str_head(s: &str, buf: &mut String) -> u128 {
    let cut = s.char_indices().nth(HEAD_CHARS).map_or(s.len(), |(c, _)| c);
    fold_into(s.get(..cut).unwrap_or(s), buf);
    if buf.len() < 15 && cut < s.len() {
        fold_into(s, buf);
    }
    text_head(buf)
}

/// Dates after numbers, by day: a date and a date-time on different days compare as
/// their days do (`compare_values`), and the same day is a tie left to the full key.
/// The day sits in bytes 8 to 11, clear of the bytes [`HEAD_INDEX_MASK`] reuses.
fn date_head(d: &chrono::NaiveDate) -> u128 {
    day_head(d.num_days_from_ce())
}

/// [`date_head`] of the day numbered `days` from the common era.
fn day_head(days: i32) -> u128 {
    let day = i64::from(days) + (1 << 31);
    (1 << 120) | (1 << 112) | (u128::from(day as u64 & 0xFFFF_FFFF) << 32)
}

/// Bits at the low end of a head that [`Exec::sort`] replaces with a value's index:
/// heads compare on their first thirteen bytes there (a coarser head orders as keys
/// do wherever it differs, like the full one).
const HEAD_INDEX_BITS: u32 = 24;
const HEAD_INDEX_MASK: u128 = (1 << HEAD_INDEX_BITS) - 1;

/// Characters folded for [`head_of`]: enough for fifteen bytes unless most are spaces.
const HEAD_CHARS: usize = 16;

const FOLD_PREFIX: usize = 48;

fn text_key(s: &str) -> Key<'_> {
    match s.char_indices().nth(FOLD_PREFIX) {
        Some((cut, _)) => Key::Text {
            folded: Cow::Owned(fold(s.get(..cut).unwrap_or(s))),
            raw: s,
            truncated: true,
        },
        None => Key::Text {
            folded: Cow::Owned(fold(s)),
            raw: s,
            truncated: false,
        },
    }
}

fn key_of<'x>(snap: &'x Snapshot, arena: &'x Arena, v: Val) -> Key<'x> {
    let lit = |l: &'x Value| match l {
        Value::Str(s) | Value::Entity(s) => text_key(s),
        other => Key::Other(Cow::Borrowed(other)),
    };
    match v {
        Val::Term(t) => match snap.term(t) {
            Some(TermRef::Entity { root, name }) => Key::Text {
                folded: Cow::Borrowed(snap.folded_name(root).unwrap_or_default()),
                raw: name,
                truncated: false,
            },
            Some(TermRef::Literal(l)) => lit(l),
            None => Key::Missing,
        },
        Val::Extra(i) => arena.get(i).map_or(Key::Missing, lit),
        Val::Pred(p) => match snap.view().pred(p) {
            Some(info) => Key::Text {
                folded: Cow::Borrowed(&info.name),
                raw: &info.name,
                truncated: false,
            },
            None => Key::Missing,
        },
        Val::Name(t) => snap.name_text(t).map_or(Key::Missing, text_key),
        Val::Date(_) => v
            .as_date()
            .map_or(Key::Missing, |d| Key::Other(Cow::Owned(Value::Date(d)))),
    }
}

/// SPEC §3 order: numbers, then dates, then text (folded, ties by code point).
fn cmp_keys(a: &Key, b: &Key) -> Ordering {
    match (a, b) {
        (Key::Missing, Key::Missing) => Ordering::Equal,
        (Key::Missing, _) => Ordering::Less,
        (_, Key::Missing) => Ordering::Greater,
        (
            Key::Text {
                folded: fa,
                raw: ra,
                truncated: ta,
            },
            Key::Text {
                folded: fb,
                raw: rb,
                truncated: tb,
            },
        ) => {
            let common = fa.len().min(fb.len());
            let head = fa
                .as_bytes()
                .get(..common)
                .cmp(&fb.as_bytes().get(..common));
            if head != Ordering::Equal {
                return head;
            }
            // One folded prefix starts the other: if the shorter is only a prefix, the
            // texts may still differ after it.
            if (*ta && fa.len() <= fb.len()) || (*tb && fb.len() <= fa.len()) {
                return fold(ra).cmp(&fold(rb)).then_with(|| ra.cmp(rb));
            }
            fa.len().cmp(&fb.len()).then_with(|| ra.cmp(rb))
        }
        (Key::Text { .. }, Key::Other(_)) => Ordering::Greater,
        (Key::Other(_), Key::Text { .. }) => Ordering::Less,
        (Key::Other(x), Key::Other(y)) => compare_values(x, y),
    }
}

fn cmp_vals(snap: &Snapshot, arena: &Arena, a: Val, b: Val) -> Ordering {
    cmp_keys(&key_of(snap, arena, a), &key_of(snap, arena, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::compare_text;

    fn test_key(v: &Value) -> Key<'_> {
        match v {
            Value::Str(s) => text_key(s),
            other => Key::Other(Cow::Borrowed(other)),
        }
    }

    #[test]
    fn unpack_undoes_pack() {
        let vals = [
            None,
            Some(Val::Term(0)),
            Some(Val::Term(u32::MAX)),
            Some(Val::Extra(7)),
            Some(Val::Pred(3)),
            Some(Val::Name(u32::MAX - 1)),
            Some(Val::Date(-700_000)),
            Some(Val::Date(739_000)),
        ];
        for v in vals {
            assert_eq!(unpack(pack(v)), v);
        }
    }

    /// Wherever two heads differ, they order as the full keys do.
    #[test]
    fn heads_order_like_keys() {
        use chrono::TimeZone;
        let long = "Le président a déclaré que la coopération".repeat(2);
        let mut values: Vec<Value> = [
            long.clone(),
            format!("{long} avec OpenAI"),
            long.to_uppercase(),
            "Élan".into(),
            "elan".into(),
            "ELAN".into(),
            "  \u{301}\u{301}  x".into(),
            "a\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}\u{301}b".into(),
            "ab".into(),
            "abcdefghijklmnop".into(),
            "abcdefghijklmnoq".into(),
            "abcdefghijklmno".into(),
            format!("{}b", " ".repeat(30)),
            String::new(),
        ]
        .into_iter()
        .map(Value::Str)
        .collect();
        for d in [(2025, 5, 14), (2025, 5, 15), (1, 1, 1), (2026, 1, 1)] {
            if let Some(date) = chrono::NaiveDate::from_ymd_opt(d.0, d.1, d.2) {
                values.push(Value::Date(date));
            }
        }
        values.push(Value::DateTime(
            chrono::Utc.with_ymd_and_hms(2025, 5, 14, 12, 0, 0).unwrap(),
        ));
        values.push(Value::Int(-3));
        values.push(Value::Int(7));
        values.push(Value::Decimal(2.5));
        let (mut ba, mut bb) = (String::new(), String::new());
        for a in &values {
            for b in &values {
                let (ha, hb) = (literal_head(a, &mut ba), literal_head(b, &mut bb));
                if ha != hb {
                    let (ka, kb) = (test_key(a), test_key(b));
                    assert_eq!(ha.cmp(&hb), cmp_keys(&ka, &kb), "{a:?} vs {b:?}");
                }
                // The coarser heads the sort uses: the same wherever they differ.
                let (ma, mb) = (ha >> HEAD_INDEX_BITS, hb >> HEAD_INDEX_BITS);
                if ma != mb {
                    let (ka, kb) = (test_key(a), test_key(b));
                    assert_eq!(ma.cmp(&mb), cmp_keys(&ka, &kb), "{a:?} vs {b:?}");
                }
            }
        }
    }

    #[test]
    fn prefix_folded_keys_order_like_compare_text() {
        let long = "Le président a déclaré que la coopération".repeat(2);
        let texts = [
            long.clone(),
            format!("{long} avec OpenAI"),
            format!("{long} avec openai"),
            format!("{long}  avec OpenAI"),
            long.to_uppercase(),
            "Élan".to_string(),
            "elan".to_string(),
            "ELAN".to_string(),
            format!("{}{}", " ".repeat(47), "b"),
            format!("{}{}", "a".repeat(47), " b"),
            format!("{}{}", "a".repeat(47), "b"),
            format!("{}{}", "a".repeat(48), "é"),
            format!("{}{}", "a".repeat(48), "E"),
            String::new(),
        ];
        for a in &texts {
            for b in &texts {
                assert_eq!(
                    cmp_keys(&text_key(a), &text_key(b)),
                    compare_text(a, b),
                    "{a:?} vs {b:?}"
                );
            }
        }
    }
}
