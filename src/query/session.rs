//! Running statements: the [`Session`] holds what lives between them (parameters, the
//! REPL's `.asof`, limits, the Ctrl-C flag) and runs each statement against a
//! [`Database`].
//!
//! A `find` goes through four steps:
//! 1. the `as of` (the statement's, else the session's) picks the tx, and the view gives
//!    a [`Snapshot`] as of it;
//! 2. [`compile`] resolves names, parameters and predicates against it;
//! 3. [`plan`] orders the clauses by estimated rows;
//! 4. [`exec`] streams solutions into distinct rows or aggregates, then sorts.
//!
//! `history` and `why` read the log (`Database::scan_commits`, `read_commit`); writes build
//! their events, check them against the view (a retraction must match something live) and
//! append exactly one commit.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use super::ast::{self, AsOf, Span, Statement, StatementKind, Term};
use super::compile::{self, literal_value, render_at, Params, Pos, Virtual};
use super::exec::{self, Limits};
use super::plan::{self, Plan, Step, StepKind};
use super::Database;
use crate::error::{Error, Result};
use crate::event::{Event, FactAsserted, FactRetracted, Source, Support, Tx};
use crate::table::Table;
use crate::value::{fold_eq, Value};
use crate::view::{Snapshot, TermData, TermId};

/// What a statement gives back.
#[derive(Debug, Default)]
pub struct Output {
    pub table: Table,
    /// Notes for standard error (an unknown entity name, …).
    pub hints: Vec<String>,
    /// The tx of the commit a write statement appended.
    pub committed: Option<Tx>,
}

/// State kept between statements.
#[derive(Debug)]
pub struct Session {
    /// `let $name = …` and `--param name=value`, by name without `$`.
    pub params: Params,
    /// The REPL's `.asof`: applies to every reading statement without its own `as of`.
    pub as_of: Option<AsOf>,
    pub limits: Limits,
    /// (tx, time) of every commit seen, for `as of` a date; extended as the log grows.
    commit_times: Vec<(Tx, DateTime<Utc>)>,
}

impl Default for Session {
    fn default() -> Session {
        Session::new()
    }
}

impl Session {
    pub fn new() -> Session {
        Session {
            params: HashMap::new(),
            as_of: None,
            limits: Limits::default(),
            commit_times: Vec::new(),
        }
    }

    /// The flag that cancels the running statement when set (the REPL's Ctrl-C).
    pub fn cancel_flag(&self) -> Arc<AtomicBool> {
        self.limits.cancel.clone()
    }

    pub fn set_timeout(&mut self, timeout: Duration) {
        self.limits.timeout = timeout;
    }

    pub fn set_max_rows(&mut self, max_rows: usize) {
        self.limits.max_rows = max_rows;
    }

    /// Bytes one statement may hold while it runs (rows, groups, values, path walks).
    pub fn set_max_memory(&mut self, bytes: usize) {
        self.limits.max_memory = bytes;
    }

    /// Sets a parameter from `--param name=value` text: a number, a date or a date-time
    /// when it parses as one, else a string (SPEC §6).
    pub fn set_param_text(&mut self, name: &str, text: &str) {
        let value = Value::parse_typed_literal(text)
            .filter(|v| !matches!(v, Value::Money(_)))
            .unwrap_or_else(|| Value::Str(text.to_string()));
        self.params
            .insert(name.trim_start_matches('$').to_string(), value);
    }

    /// Runs one statement. `src` is the text its spans point into.
    pub fn execute(
        &mut self,
        db: &mut dyn Database,
        stmt: &Statement,
        src: &str,
    ) -> Result<Output> {
        self.limits.cancel.store(false, Ordering::Relaxed);
        match &stmt.kind {
            StatementKind::Find(find) => {
                let at = self.resolve_as_of(&*db, find.as_of.as_ref(), src)?;
                let snap = db.view().snapshot(at);
                let query = compile::compile_find(find, &snap, &self.params, src)?;
                let hints = query.hints.clone();
                let plan = plan::plan_query(&query.clauses, query.slot_names.len(), &snap);
                let run = exec::run(&snap, query, &plan, &self.limits)?;
                Ok(Output {
                    table: run.table,
                    hints,
                    committed: None,
                })
            }
            StatementKind::Explain { analyze, statement } => {
                self.explain(&*db, *analyze, statement, src)
            }
            StatementKind::History { target, as_of } => {
                let at = self.resolve_as_of(&*db, as_of.as_ref(), src)?;
                self.history(&*db, target, at, src)
            }
            StatementKind::Why {
                subject,
                predicate,
                object,
                as_of,
            } => {
                let at = self.resolve_as_of(&*db, as_of.as_ref(), src)?;
                self.why(&*db, subject, predicate, object, at, src)
            }
            StatementKind::Entity { name, as_of } => {
                let at = self.resolve_as_of(&*db, as_of.as_ref(), src)?;
                self.entity(&*db, name, at, src)
            }
            StatementKind::SuggestAliases { target, limit } => {
                self.suggest_aliases(&*db, target.as_ref(), *limit, src)
            }
            StatementKind::Assert {
                subject,
                predicate,
                object,
                note,
            } => self.assert(db, subject, predicate, object, note.as_ref(), src),
            StatementKind::Retract {
                subject,
                predicate,
                object,
                article,
                reason,
            } => self.retract(
                db,
                stmt.span,
                subject,
                predicate,
                object,
                article.as_ref(),
                reason.as_ref(),
                src,
            ),
            StatementKind::RetractArticle { id, reason } => {
                self.retract_article(db, id, reason.as_ref(), src)
            }
            StatementKind::Alias { alias, canonical } => {
                let a = self.name_text(alias, src)?;
                let c = self.name_text(canonical, src)?;
                let mut hints = Vec::new();
                {
                    let snap = db.view().snapshot(None);
                    if let (Some(x), Some(y)) = (snap.resolve_name(&a), snap.resolve_name(&c)) {
                        if x == y {
                            hints
                                .push(format!("note: \"{a}\" and \"{c}\" were already one entity"));
                        }
                    }
                }
                let summary = format!("alias \"{a}\" as \"{c}\"");
                let tx = db.commit(vec![Event::AliasAdded {
                    alias: a,
                    canonical: c,
                }])?;
                Ok(committed(tx, summary, hints))
            }
            StatementKind::Let { name, value } => {
                let v = match value {
                    Term::Literal(l, _) => literal_value(l),
                    Term::Param(p) => self.param(p, src)?,
                    other => {
                        return Err(err_at(
                            src,
                            other.span(),
                            "`let` takes a literal",
                            Some("write a string, a number, a date or a date-time"),
                        ))
                    }
                };
                let mut table = Table::new(["parameter", "value"]);
                table.push(vec![
                    Some(Value::Str(format!("${}", name.name))),
                    Some(v.clone()),
                ]);
                self.params.insert(name.name.clone(), v);
                Ok(Output {
                    table,
                    ..Output::default()
                })
            }
        }
    }

    fn param(&self, n: &ast::Name, src: &str) -> Result<Value> {
        self.params.get(&n.name).cloned().ok_or_else(|| {
            err_at(
                src,
                n.span,
                &format!("parameter ${} is not set", n.name),
                Some(&format!(
                    "set it with `let ${} = …;` or `--param {}=…`",
                    n.name, n.name
                )),
            )
        })
    }

    /// A term that must be a constant (a literal or a parameter).
    fn constant(&self, t: &Term, src: &str, what: &str) -> Result<Value> {
        match t {
            Term::Literal(l, _) => Ok(literal_value(l)),
            Term::Param(p) => self.param(p, src),
            other => Err(err_at(
                src,
                other.span(),
                &format!("{what} must be a constant here, not a variable"),
                None,
            )),
        }
    }

    /// A term that must be a string: a name.
    fn name_text(&self, t: &Term, src: &str) -> Result<String> {
        match self.constant(t, src, "a name")? {
            Value::Str(s) | Value::Entity(s) => Ok(s),
            other => Err(err_at(
                src,
                t.span(),
                &format!("expected a name in quotes, found {}", other.kind()),
                None,
            )),
        }
    }

    // ---- as of ----------------------------------------------------------------------------

    /// The tx a reading statement answers as of: `None` for now.
    fn resolve_as_of(
        &mut self,
        db: &dyn Database,
        own: Option<&AsOf>,
        src: &str,
    ) -> Result<Option<Tx>> {
        let Some(a) = own.or(self.as_of.as_ref()).cloned() else {
            return Ok(None);
        };
        let last = db.view().watermark();
        let (point, span) = match &a {
            AsOf::Tx(n, span) => (AsOfPoint::Tx(*n), *span),
            AsOf::Date(d, span) => (AsOfPoint::Date(*d), *span),
            AsOf::DateTime(t, span) => (AsOfPoint::Time(*t), *span),
            AsOf::Param(n) => {
                let point = match self.param(n, src)? {
                    Value::Int(i) if i >= 0 => AsOfPoint::Tx(i as Tx),
                    Value::Date(d) => AsOfPoint::Date(d),
                    Value::DateTime(t) => AsOfPoint::Time(t),
                    other => {
                        return Err(err_at(
                            src,
                            n.span,
                            &format!(
                                "`as of` needs a tx, a date or a date-time; ${} is {}",
                                n.name,
                                other.kind()
                            ),
                            None,
                        ))
                    }
                };
                (point, n.span)
            }
        };
        match point {
            AsOfPoint::Tx(n) => {
                if n > last {
                    return Err(err_at(
                        src,
                        span,
                        &format!("as of #{n}: the log ends at #{last}"),
                        Some(&format!("use a tx from #0 to #{last}")),
                    ));
                }
                Ok(Some(n))
            }
            AsOfPoint::Date(d) => {
                // A date means the end of that day: everything committed on it counts.
                let end = d
                    .succ_opt()
                    .and_then(|n| n.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc() - chrono::Duration::nanoseconds(1));
                match end {
                    Some(t) => self.tx_at(db, t).map(Some),
                    None => Ok(None),
                }
            }
            AsOfPoint::Time(t) => self.tx_at(db, t).map(Some),
        }
    }

    /// The last tx committed at or before `time` (0 when none).
    fn tx_at(&mut self, db: &dyn Database, time: DateTime<Utc>) -> Result<Tx> {
        let last = db.view().watermark();
        let known = self.commit_times.last().map_or(0, |(tx, _)| *tx);
        if known > last || self.commit_times.len() as u64 != known {
            self.commit_times.clear();
        }
        let from = self.commit_times.len() as Tx + 1;
        if from <= last {
            let times = &mut self.commit_times;
            db.scan_commits(from, &mut |c| {
                times.push((c.tx, c.time));
                Ok(c.tx < last)
            })?;
        }
        Ok(self
            .commit_times
            .iter()
            .take_while(|(tx, _)| *tx <= last)
            .filter(|(_, t)| *t <= time)
            .map(|(tx, _)| *tx)
            .max()
            .unwrap_or(0))
    }

    // ---- explain -------------------------------------------------------------------------

    fn explain(
        &mut self,
        db: &dyn Database,
        analyze: bool,
        stmt: &Statement,
        src: &str,
    ) -> Result<Output> {
        let StatementKind::Find(find) = &stmt.kind else {
            let what = match &stmt.kind {
                StatementKind::History { .. } => {
                    "scan the log from tx 1, keep events naming the entity or an alias"
                }
                StatementKind::Why { .. } => {
                    "index triple lookup, then read each live support's event from the log"
                }
                StatementKind::Entity { .. } => "index facts_from and facts_to of the entity",
                StatementKind::Explain { .. } => "explain the inner statement",
                StatementKind::Let { .. } => "set a session parameter",
                StatementKind::SuggestAliases { .. } => {
                    "score pairs of names of one type, blocked by token prefixes"
                }
                _ => "append one commit",
            };
            let mut table = Table::new(["step", "operator", "detail", "est_rows"]);
            table.push(vec![
                Some(Value::Str("1".into())),
                Some(Value::Str(statement_word(&stmt.kind).into())),
                Some(Value::Str(what.into())),
                None,
            ]);
            return Ok(Output {
                table,
                ..Output::default()
            });
        };
        let at = self.resolve_as_of(db, find.as_of.as_ref(), src)?;
        let snap = db.view().snapshot(at);
        let query = compile::compile_find(find, &snap, &self.params, src)?;
        let hints = query.hints.clone();
        let slots = query.slot_names.len();
        let plan = plan::plan_query(&query.clauses, slots, &snap);
        let aggregated = query.has_aggregates();
        let order_text = order_detail(&query);
        let (actual, out_rows, final_rows) = if analyze {
            let run = exec::run(&snap, query, &plan, &self.limits)?;
            (
                Some(run.actual),
                Some(run.distinct_rows),
                Some(run.table.rows.len() as u64),
            )
        } else {
            (None, None, None)
        };
        let mut cols = vec!["step", "operator", "detail", "est_rows"];
        if analyze {
            cols.push("rows");
        }
        let mut table = Table::new(cols);
        let mut bound = vec![false; slots];
        let mut last_est = 1.0;
        explain_steps(
            &plan,
            &mut bound,
            actual.as_deref(),
            &mut table,
            &mut last_est,
            analyze,
        );
        let mut tail = |label: &str, op: &str, detail: String, rows: Option<u64>| {
            let mut r = vec![
                Some(Value::Str(label.into())),
                Some(Value::Str(op.into())),
                Some(Value::Str(detail)),
                Some(Value::Int(last_est.ceil().min(1e15) as i64)),
            ];
            if analyze {
                r.push(rows.map(|n| Value::Int(n as i64)));
            }
            table.push(r);
        };
        let n = plan.steps.len();
        tail(
            &format!("{}", n + 1),
            if aggregated { "aggregate" } else { "distinct" },
            if aggregated {
                "group by the other columns, accumulating while solving".into()
            } else {
                "project, drop duplicate rows".into()
            },
            out_rows,
        );
        tail(&format!("{}", n + 2), "sort", order_text, final_rows);
        Ok(Output {
            table,
            hints,
            committed: None,
        })
    }

    // ---- history, why, entity -------------------------------------------------------------

    fn history(
        &mut self,
        db: &dyn Database,
        target: &Term,
        at: Option<Tx>,
        src: &str,
    ) -> Result<Output> {
        let name = self.name_text(target, src)?;
        let snap = db.view().snapshot(at);
        let mut table = Table::new(["tx", "time", "kind", "summary"]);
        let Some(root) = snap.resolve_name(&name) else {
            return Ok(unknown(table, &snap, &name));
        };
        let names: Vec<String> = snap
            .members(root)
            .iter()
            .filter_map(|&m| match snap.view().term(m) {
                Some(TermData::Name { folded, .. }) => Some(folded.to_string()),
                _ => None,
            })
            .collect();
        let is = |s: &str| names.iter().any(|n| fold_eq(s, n));
        let last = snap.at();
        if last == 0 {
            return Ok(Output {
                table,
                ..Output::default()
            });
        }
        db.scan_commits(1, &mut |c| {
            if c.tx > last {
                return Ok(false);
            }
            for e in &c.events {
                let touches = match e {
                    Event::ArticleAdded(a) => is(&a.id),
                    Event::FactAsserted(f) => {
                        is(&f.subject)
                            || matches!(&f.object, Value::Entity(o) if is(o))
                            || matches!(&f.support.source, Source::Article(a) | Source::Note(a) if is(a))
                    }
                    Event::FactRetracted(r) => {
                        is(&r.subject)
                            || matches!(&r.object, Value::Entity(o) if is(o))
                            || r.article.as_deref().is_some_and(is)
                    }
                    Event::ArticleRetracted { id, .. } => is(id),
                    Event::AliasAdded { alias, canonical } => is(alias) || is(canonical),
                    Event::EntityTyped { name, .. } => is(name),
                };
                if touches {
                    table.push(vec![
                        Some(Value::Int(c.tx as i64)),
                        Some(Value::DateTime(c.time)),
                        Some(Value::Str(e.kind().into())),
                        Some(Value::Str(summary(e))),
                    ]);
                }
            }
            Ok(c.tx < last)
        })?;
        Ok(Output {
            table,
            ..Output::default()
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn why(
        &mut self,
        db: &dyn Database,
        subject: &Term,
        predicate: &ast::Name,
        object: &Term,
        at: Option<Tx>,
        src: &str,
    ) -> Result<Output> {
        let mut table = Table::new([
            "tx",
            "article",
            "title",
            "published",
            "evidence",
            "extractor",
        ]);
        let snap = db.view().snapshot(at);
        let p = match stored_predicate(&snap, predicate, src)? {
            Some(p) => p,
            None => {
                return Ok(Output {
                    table,
                    ..Output::default()
                })
            }
        };
        let s_name = self.name_text(subject, src)?;
        let o_value = self.constant(object, src, "the object")?;
        let Some(s) = snap.resolve_name(&s_name) else {
            return Ok(unknown(table, &snap, &s_name));
        };
        let objects = object_terms(&snap, &o_value);
        if objects.is_empty() {
            return Ok(unknown(table, &snap, &compile::value_text(&o_value)));
        }
        let mut supports: Vec<crate::view::SupportRec> = Vec::new();
        for o in objects {
            for t in snap.stored_triples(s, p, o) {
                supports.extend(snap.live_supports(t).copied());
            }
        }
        supports.sort_by_key(|s| s.event());
        supports.dedup();
        let mut cache: Option<crate::event::Commit> = None;
        for rec in supports {
            let (tx, index) = rec.event();
            if cache.as_ref().is_none_or(|c| c.tx != tx) {
                cache = Some(db.read_commit(tx)?);
            }
            let support = cache
                .as_ref()
                .and_then(|c| c.events.get(index as usize))
                .and_then(|e| match e {
                    Event::FactAsserted(f) => Some(&f.support),
                    _ => None,
                });
            let source = rec.source().map(|t| snap.root(t));
            let meta = source.and_then(|t| snap.article(t));
            let source_name = match support.map(|s| &s.source) {
                Some(Source::Article(a) | Source::Note(a)) => Some(Value::Str(a.to_string())),
                _ => source
                    .and_then(|t| snap.name(t))
                    .map(|n| Value::Str(n.to_string())),
            };
            table.push(vec![
                Some(Value::Int(tx as i64)),
                source_name,
                meta.and_then(|m| m.title.clone()).map(Value::Str),
                meta.and_then(|m| m.published).map(Value::Date),
                support
                    .and_then(|s| s.evidence.as_ref())
                    .map(|e| Value::Str(e.sentence.clone())),
                support
                    .and_then(|s| s.extractor.as_ref())
                    .map(|x| Value::Str(format!("{} {}", x.name, x.version))),
            ]);
        }
        Ok(Output {
            table,
            ..Output::default()
        })
    }

    fn entity(
        &mut self,
        db: &dyn Database,
        name: &Term,
        at: Option<Tx>,
        src: &str,
    ) -> Result<Output> {
        let text = self.name_text(name, src)?;
        let snap = db.view().snapshot(at);
        let mut table = Table::new(["field", "value"]);
        let Some(root) = snap.resolve_name(&text) else {
            return Ok(unknown(table, &snap, &text));
        };
        let str_cell = |s: &str| Some(Value::Str(s.to_string()));
        let canonical = snap.name(root).unwrap_or_default().to_string();
        table.push(vec![str_cell("name"), str_cell(&canonical)]);
        table.push(vec![
            str_cell("type"),
            snap.entity_type(root)
                .map(|t| Value::Str(t.as_str().into())),
        ]);
        let mut aliases = snap.alias_names(root);
        aliases.sort_by(|a, b| crate::value::compare_text(a, b));
        table.push(vec![str_cell("aliases"), str_cell(&aliases.join(", "))]);
        let mut facts: Vec<(usize, String)> = Vec::new();
        let view = snap.view();
        let mut out_n = 0i64;
        let mut in_n = 0i64;
        let describe = |f: crate::view::FactRef| -> (usize, String) {
            let supports = snap.live_supports(f.triple).count();
            let pname = view.pred(f.p).map_or("?", |i| &*i.name);
            (
                supports,
                format!(
                    "{} {} {}",
                    term_text(&snap, f.s),
                    pname,
                    term_text(&snap, f.o)
                ),
            )
        };
        snap.facts_from(root, None, &mut |f| {
            out_n += 1;
            facts.push(describe(f));
        });
        snap.facts_to(root, None, &mut |f| {
            in_n += 1;
            facts.push(describe(f));
        });
        table.push(vec![str_cell("facts as subject"), Some(Value::Int(out_n))]);
        table.push(vec![str_cell("facts as object"), Some(Value::Int(in_n))]);
        if let Some(meta) = snap.article(root) {
            if let Some(t) = &meta.title {
                table.push(vec![str_cell("title"), str_cell(t)]);
            }
            if let Some(d) = meta.published {
                table.push(vec![str_cell("published"), Some(Value::Date(d))]);
            }
        }
        facts.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        facts.dedup_by(|a, b| a.1 == b.1);
        for (n, text) in facts.into_iter().take(10) {
            let sources = if n == 1 { "source" } else { "sources" };
            table.push(vec![
                str_cell("fact"),
                Some(Value::Str(format!("{text} ({n} {sources})"))),
            ]);
        }
        Ok(Output {
            table,
            ..Output::default()
        })
    }

    /// `suggest aliases [for "name"] [limit N]`: likely duplicates among the entities of
    /// one type, scored by `extract::alias` from the names and the neighbours they share.
    /// It never merges anything.
    fn suggest_aliases(
        &mut self,
        db: &dyn Database,
        target: Option<&Term>,
        limit: Option<u64>,
        src: &str,
    ) -> Result<Output> {
        let snap = db.view().snapshot(self.resolve_as_of(db, None, src)?);
        let mut table = Table::new(["a", "b", "score", "reason"]);
        let target = match target {
            Some(t) => {
                let name = self.name_text(t, src)?;
                match snap.resolve_name(&name) {
                    Some(root) => Some(snap.name(root).unwrap_or_default().to_string()),
                    None => return Ok(unknown(table, &snap, &name)),
                }
            }
            None => None,
        };
        let names: Vec<(String, crate::value::EntityType)> = snap
            .entities()
            .into_iter()
            .filter_map(|t| {
                let name = snap.name(t)?.to_string();
                let ty = snap
                    .entity_type(t)
                    .unwrap_or(crate::value::EntityType::Other);
                Some((name, ty))
            })
            .collect();
        let neighbours = |name: &str| -> Vec<String> {
            let Some(root) = snap.resolve_name(name) else {
                return Vec::new();
            };
            let mut out = Vec::new();
            let mut add = |t: TermId| {
                if snap.is_entity(t) {
                    if let Some(n) = snap.name(t) {
                        out.push(n.to_string());
                    }
                }
            };
            snap.facts_from(root, None, &mut |f| add(f.o));
            snap.facts_to(root, None, &mut |f| add(f.s));
            out
        };
        let limit = limit.map_or(20, |l| usize::try_from(l).unwrap_or(usize::MAX));
        for s in crate::extract::alias::suggest(&names, &neighbours, target.as_deref(), limit) {
            table.push(vec![
                Some(Value::Entity(s.a)),
                Some(Value::Entity(s.b)),
                Some(Value::Decimal((s.score * 100.0).round() / 100.0)),
                Some(Value::Str(s.reason)),
            ]);
        }
        Ok(Output {
            table,
            ..Output::default()
        })
    }

    // ---- writes ----------------------------------------------------------------------------

    fn assert(
        &mut self,
        db: &mut dyn Database,
        subject: &Term,
        predicate: &ast::Name,
        object: &Term,
        note: Option<&Term>,
        src: &str,
    ) -> Result<Output> {
        if Virtual::parse(&predicate.name).is_some() {
            return Err(err_at(
                src,
                predicate.span,
                &format!(
                    "`{}` is answered from entity records and cannot be asserted",
                    predicate.name
                ),
                Some("use `alias` for names; types and article metadata come from ingestion"),
            ));
        }
        let s = self.name_text(subject, src)?;
        let o = match self.constant(object, src, "the object")? {
            Value::Str(text) | Value::Entity(text) => match predicate.name.as_str() {
                "said" => Value::Str(text),
                "amount" => Value::parse_typed_literal(&text).unwrap_or(Value::Str(text)),
                _ => Value::Entity(text),
            },
            other => other,
        };
        let source = match note {
            Some(n) => Source::Note(self.name_text(n, src)?.into()),
            None => Source::None,
        };
        let event = Event::FactAsserted(FactAsserted {
            subject: s.into(),
            predicate: predicate.name.as_str().into(),
            object: o,
            support: Support::from_source(source),
        });
        let text = summary(&event);
        let tx = db.commit(vec![event])?;
        Ok(committed(tx, text, Vec::new()))
    }

    #[allow(clippy::too_many_arguments)]
    fn retract(
        &mut self,
        db: &mut dyn Database,
        span: Span,
        subject: &Term,
        predicate: &ast::Name,
        object: &Term,
        article: Option<&Term>,
        reason: Option<&Term>,
        src: &str,
    ) -> Result<Output> {
        let s_name = self.name_text(subject, src)?;
        let o_value = self.constant(object, src, "the object")?;
        let article_name = article.map(|a| self.name_text(a, src)).transpose()?;
        let reason = reason.map(|r| self.name_text(r, src)).transpose()?;
        let event = {
            let snap = db.view().snapshot(None);
            let nothing = || {
                let what = match &article_name {
                    Some(a) => format!(" supported by \"{a}\""),
                    None => String::new(),
                };
                err_at(
                    src,
                    span,
                    &format!(
                        "nothing to retract: no live fact \"{s_name}\" {} {}{what}",
                        predicate.name,
                        quoted(&o_value)
                    ),
                    Some("check the names with `find`, or `why` for the supports"),
                )
            };
            let p = match stored_predicate(&snap, predicate, src)? {
                Some(p) => p,
                None => return Err(nothing()),
            };
            let s = snap.resolve_name(&s_name).ok_or_else(nothing)?;
            let article_root = match &article_name {
                Some(a) => Some(snap.resolve_name(a).ok_or_else(nothing)?),
                None => None,
            };
            // The object as an entity first, else as a literal: the first that matches.
            let mut chosen: Option<Value> = None;
            for (term, as_value) in object_choices(&snap, &o_value) {
                let live = snap.stored_triples(s, p, term).into_iter().any(|t| {
                    snap.live_supports(t).any(|sup| match article_root {
                        None => true,
                        Some(a) => sup.source().map(|x| snap.root(x)) == Some(a),
                    })
                });
                if live {
                    chosen = Some(as_value);
                    break;
                }
            }
            let object = chosen.ok_or_else(nothing)?;
            Event::FactRetracted(FactRetracted {
                subject: s_name.into(),
                predicate: predicate.name.as_str().into(),
                object,
                article: article_name.map(Into::into),
                reason,
            })
        };
        let text = summary(&event);
        let tx = db.commit(vec![event])?;
        Ok(committed(tx, text, Vec::new()))
    }

    fn retract_article(
        &mut self,
        db: &mut dyn Database,
        id: &Term,
        reason: Option<&Term>,
        src: &str,
    ) -> Result<Output> {
        let name = self.name_text(id, src)?;
        let reason = reason.map(|r| self.name_text(r, src)).transpose()?;
        let stored_id = {
            let snap = db.view().snapshot(None);
            let view = snap.view();
            let found = snap.resolve_name(&name).and_then(|root| {
                snap.members(root).iter().find_map(|&m| {
                    let meta = view.article(m)?;
                    match view.term(m) {
                        Some(TermData::Name { display, .. }) => {
                            Some((display.to_string(), meta.retracted.is_some()))
                        }
                        _ => None,
                    }
                })
            });
            match found {
                Some((id, false)) => id,
                Some((_, true)) => {
                    return Err(err_at(
                        src,
                        id.span(),
                        &format!("article \"{name}\" is already retracted"),
                        None,
                    ))
                }
                None => {
                    return Err(err_at(
                        src,
                        id.span(),
                        &format!("no article has the id \"{name}\""),
                        None,
                    ))
                }
            }
        };
        let event = Event::ArticleRetracted {
            id: stored_id,
            reason,
        };
        let text = summary(&event);
        let tx = db.commit(vec![event])?;
        Ok(committed(tx, text, Vec::new()))
    }
}

enum AsOfPoint {
    Tx(Tx),
    Date(NaiveDate),
    Time(DateTime<Utc>),
}

fn err_at(src: &str, span: Span, message: &str, help: Option<&str>) -> Error {
    Error::Statement(render_at(src, span, None, message, help))
}

fn committed(tx: Tx, summary: String, hints: Vec<String>) -> Output {
    let mut table = Table::new(["tx", "event"]);
    table.push(vec![Some(Value::Int(tx as i64)), Some(Value::Str(summary))]);
    Output {
        table,
        hints,
        committed: Some(tx),
    }
}

/// An empty answer for a name that denotes nothing, with a hint.
fn unknown(table: Table, snap: &Snapshot, name: &str) -> Output {
    Output {
        table,
        hints: vec![compile::unknown_entity_hint(snap, name)],
        committed: None,
    }
}

/// A stored predicate for `why` and `retract`: `None` for a built-in one without facts.
fn stored_predicate(
    snap: &Snapshot,
    predicate: &ast::Name,
    src: &str,
) -> Result<Option<crate::view::PredId>> {
    let n = predicate.name.as_str();
    if Virtual::parse(n).is_some() {
        return Err(err_at(
            src,
            predicate.span,
            &format!("`{n}` is answered from entity records, not from supported facts"),
            Some("ask `find` for it instead"),
        ));
    }
    if let Some(p) = snap.view().pred_id(n) {
        return Ok(Some(p));
    }
    if compile::BUILTIN_PREDICATES.contains(&n) {
        return Ok(None);
    }
    Err(err_at(
        src,
        predicate.span,
        &format!("unknown predicate `{n}`"),
        compile::closest_predicate(snap, n)
            .map(|s| format!("did you mean `{s}`?"))
            .as_deref(),
    ))
}

/// Terms an object constant denotes: the entity it names, and the equal literal.
fn object_terms(snap: &Snapshot, v: &Value) -> Vec<TermId> {
    object_choices(snap, v)
        .into_iter()
        .map(|(t, _)| t)
        .collect()
}

/// Each term an object constant can denote, with the value a retraction event names it by.
fn object_choices(snap: &Snapshot, v: &Value) -> Vec<(TermId, Value)> {
    let mut out = Vec::new();
    if let Value::Str(s) | Value::Entity(s) = v {
        if let Some(t) = snap.resolve_name(s) {
            out.push((t, Value::Entity(s.clone())));
        }
    }
    let lit = match v {
        Value::Entity(s) => Value::Str(s.clone()),
        other => other.clone(),
    };
    if let Some(t) = snap.resolve_literal(&lit) {
        out.push((t, lit));
    }
    out
}

fn term_text(snap: &Snapshot, t: TermId) -> String {
    match snap.term(t) {
        Some(crate::view::TermRef::Entity { name, .. }) => name.to_string(),
        Some(crate::view::TermRef::Literal(v)) => quoted(v),
        None => "?".into(),
    }
}

fn quoted(v: &Value) -> String {
    match v {
        Value::Str(s) | Value::Entity(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

/// One line describing an event, for `history` and write results.
pub fn summary(e: &Event) -> String {
    fn obj(v: &Value) -> String {
        match v {
            Value::Entity(s) => s.clone(),
            other => quoted(other),
        }
    }
    match e {
        Event::ArticleAdded(a) => {
            let mut s = format!("article {}", a.id);
            if let Some(t) = &a.title {
                s.push_str(&format!(" \"{t}\""));
            }
            if let Some(d) = a.published {
                s.push_str(&format!(" published {d}"));
            }
            s
        }
        Event::FactAsserted(f) => {
            let source = match &f.support.source {
                Source::Article(a) => format!(" (article {a})"),
                Source::Note(n) => format!(" (note \"{n}\")"),
                Source::None => String::new(),
            };
            format!("{} {} {}{source}", f.subject, f.predicate, obj(&f.object))
        }
        Event::FactRetracted(r) => {
            let mut s = format!("retract {} {} {}", r.subject, r.predicate, obj(&r.object));
            if let Some(a) = &r.article {
                s.push_str(&format!(" in {a}"));
            }
            if let Some(why) = &r.reason {
                s.push_str(&format!(" because \"{why}\""));
            }
            s
        }
        Event::ArticleRetracted { id, reason } => {
            let mut s = format!("retract article {id}");
            if let Some(why) = reason {
                s.push_str(&format!(" because \"{why}\""));
            }
            s
        }
        Event::AliasAdded { alias, canonical } => format!("alias \"{alias}\" as \"{canonical}\""),
        Event::EntityTyped { name, entity_type } => format!("{name} is a {entity_type}"),
    }
}

fn statement_word(k: &StatementKind) -> &'static str {
    match k {
        StatementKind::Find(_) => "find",
        StatementKind::History { .. } => "history",
        StatementKind::Why { .. } => "why",
        StatementKind::Entity { .. } => "entity",
        StatementKind::SuggestAliases { .. } => "suggest aliases",
        StatementKind::Assert { .. } => "assert",
        StatementKind::Retract { .. } => "retract",
        StatementKind::RetractArticle { .. } => "retract article",
        StatementKind::Alias { .. } => "alias",
        StatementKind::Let { .. } => "let",
        StatementKind::Explain { .. } => "explain",
    }
}

fn order_detail(q: &compile::Query) -> String {
    let mut parts: Vec<String> = q
        .order
        .iter()
        .filter_map(|(i, desc)| {
            q.columns
                .get(*i)
                .map(|(n, _)| format!("{n}{}", if *desc { " desc" } else { "" }))
        })
        .collect();
    if parts.is_empty() {
        parts.push("every column ascending".into());
    }
    let mut s = format!("by {}", parts.join(", "));
    if let Some(o) = q.offset {
        s.push_str(&format!(", offset {o}"));
    }
    if let Some(l) = q.limit {
        s.push_str(&format!(", limit {l}"));
    }
    s
}

fn explain_steps(
    plan: &Plan,
    bound: &mut [bool],
    actual: Option<&[u64]>,
    table: &mut Table,
    last_est: &mut f64,
    analyze: bool,
) {
    for step in &plan.steps {
        let (op, detail) = describe_step(step, bound);
        let mut r = vec![
            Some(Value::Str(step.label.clone())),
            Some(Value::Str(op)),
            Some(Value::Str(detail)),
            Some(Value::Int(step.est.ceil().min(1e15) as i64)),
        ];
        if analyze {
            r.push(
                actual
                    .and_then(|a| a.get(step.id))
                    .map(|n| Value::Int(*n as i64)),
            );
        }
        table.push(r);
        *last_est = step.est;
        match &step.kind {
            StepKind::Pattern(p) => {
                for s in p.slots() {
                    if let Some(b) = bound.get_mut(s) {
                        *b = true;
                    }
                }
            }
            StepKind::Optional(inner) | StepKind::Not(inner) => {
                let mut inner_bound = bound.to_vec();
                let mut e = step.est;
                explain_steps(inner, &mut inner_bound, actual, table, &mut e, analyze);
            }
            StepKind::Filter(_) => {}
        }
    }
}

fn describe_step(step: &Step, bound: &[bool]) -> (String, String) {
    match &step.kind {
        StepKind::Pattern(p) => {
            let access = plan::access(p, bound);
            let mut detail = p.text.clone();
            if p.article.is_some() {
                detail.push_str("  + supporting articles");
            }
            if !p.seeds.is_empty() {
                detail.push_str("  (free end read from the values an = or in filter allows)");
            }
            if let Some(prefix) = &p.prefix {
                detail.push_str(&format!(
                    "  (names starting with \"{prefix}\" from the name index)"
                ));
            }
            let consts = [&p.s, &p.o]
                .iter()
                .any(|pos| matches!(pos, Pos::Const(v) if v.is_empty()));
            if consts {
                detail.push_str("  (a constant names nothing)");
            }
            (access.describe(p).to_string(), detail)
        }
        StepKind::Filter(f) => ("filter".into(), f.text.clone()),
        StepKind::Optional(_) => (
            "optional".into(),
            "left join: keep the row when the group has no solution".into(),
        ),
        StepKind::Not(_) => (
            "not".into(),
            "keep the row when the group has no solution (stop at the first)".into(),
        ),
    }
}
