//! A third implementation, in plain Rust hash maps: it replays the same JSON lines and
//! answers the questions by walking adjacency lists. It is the "plain dicts" reference of
//! issue 6 (annals should never be slower), and it cross-checks the SQL: the harness
//! reports any question where its rows differ from SQLite's.

use std::time::Instant;

use anyhow::{anyhow, bail, Context, Result};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::fold::fold;
use crate::format::{ArticleField, Line};
use crate::sqlite::{is_typed_literal, Rows, SYMMETRIC};
use crate::Probes;

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Obj {
    Ent(u32),
    Lit(u32),
}

struct Support {
    article: u32,
    tx: u32,
    /// 0 while live.
    retracted: u32,
}

struct Triple {
    s: u32,
    p: u16,
    o: Obj,
    supports: Vec<Support>,
    live: u32,
}

pub struct Maps {
    pub load_secs: f64,
    ids: FxHashMap<String, u32>,
    names: Vec<String>,
    folded: Vec<String>,
    /// The entity each name denotes now.
    canon: Vec<u32>,
    /// Aliases added: alias name → (tx, canonical), and canonical → (tx, alias name).
    alias_to: FxHashMap<u32, Vec<(u32, u32)>>,
    aliases_of: FxHashMap<u32, Vec<(u32, u32)>>,
    lits: Vec<String>,
    lit_ids: FxHashMap<String, u32>,
    preds: Vec<String>,
    pred_ids: FxHashMap<String, u16>,
    triples: Vec<Triple>,
    triple_ids: FxHashMap<(u32, u16, Obj), u32>,
    published: FxHashMap<u32, String>,
    /// Current view: triples by canonical subject and by canonical object.
    by_s: FxHashMap<u32, Vec<u32>>,
    by_o: FxHashMap<u32, Vec<u32>>,
    /// Triples by subject and object name as written (for `as of`).
    by_raw_s: FxHashMap<u32, Vec<u32>>,
    by_raw_o: FxHashMap<u32, Vec<u32>>,
}

impl Maps {
    fn name(&mut self, n: &str) -> u32 {
        let f = fold(n);
        if let Some(&id) = self.ids.get(&f) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(n.to_string());
        self.folded.push(f.clone());
        self.canon.push(id);
        self.ids.insert(f, id);
        id
    }

    fn pred(&mut self, p: &str) -> u16 {
        if let Some(&id) = self.pred_ids.get(p) {
            return id;
        }
        let id = self.preds.len() as u16;
        self.preds.push(p.to_string());
        self.pred_ids.insert(p.to_string(), id);
        id
    }

    fn obj(&mut self, o: &str, kind: Option<&str>, create: bool) -> Option<Obj> {
        if kind == Some("literal") || is_typed_literal(o) {
            if let Some(&l) = self.lit_ids.get(o) {
                return Some(Obj::Lit(l));
            }
            if !create {
                return None;
            }
            let l = self.lits.len() as u32;
            self.lits.push(o.to_string());
            self.lit_ids.insert(o.to_string(), l);
            return Some(Obj::Lit(l));
        }
        if create {
            Some(Obj::Ent(self.name(o)))
        } else {
            self.ids.get(&fold(o)).copied().map(Obj::Ent)
        }
    }

    fn canon_now(&self, id: u32) -> u32 {
        let mut c = id;
        for _ in 0..64 {
            let n = self.canon[c as usize];
            if n == c {
                break;
            }
            c = n;
        }
        c
    }

    fn canon_at(&self, id: u32, t: u32) -> u32 {
        self.alias_to
            .get(&id)
            .and_then(|v| v.iter().rev().find(|(tx, _)| *tx <= t).map(|x| x.1))
            .unwrap_or(id)
    }

    fn sym(&self, p: u16) -> bool {
        SYMMETRIC.contains(&self.preds[p as usize].as_str())
    }

    fn obj_text(&self, o: Obj, canon: impl Fn(u32) -> u32) -> String {
        match o {
            Obj::Ent(e) => self.names[canon(e) as usize].clone(),
            Obj::Lit(l) => self.lits[l as usize].clone(),
        }
    }

    fn resolve(&self, name: &str) -> Option<u32> {
        self.ids.get(&fold(name)).map(|&id| self.canon_now(id))
    }
}

pub fn load(path: &str) -> Result<Maps> {
    let start = Instant::now();
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let mut m = Maps {
        load_secs: 0.0,
        ids: FxHashMap::default(),
        names: Vec::new(),
        folded: Vec::new(),
        canon: Vec::new(),
        alias_to: FxHashMap::default(),
        aliases_of: FxHashMap::default(),
        lits: Vec::new(),
        lit_ids: FxHashMap::default(),
        preds: Vec::new(),
        pred_ids: FxHashMap::default(),
        triples: Vec::new(),
        triple_ids: FxHashMap::default(),
        published: FxHashMap::default(),
        by_s: FxHashMap::default(),
        by_o: FxHashMap::default(),
        by_raw_s: FxHashMap::default(),
        by_raw_o: FxHashMap::default(),
    };
    let mut tx: u32 = 0;
    let mut last: Option<u64> = None;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Line = serde_json::from_str(line).with_context(|| format!("line {}", n + 1))?;
        let new_commit = match (v.tx, last) {
            _ if tx == 0 => true,
            (Some(a), Some(b)) => a != b,
            (None, None) => false,
            _ => true,
        };
        if new_commit {
            tx += 1;
        }
        last = v.tx;
        if let Some(ArticleField::Meta(a)) = &v.article {
            let id = m.name(&a.id);
            if let Some(p) = &a.published {
                m.published.insert(id, p.to_string());
            }
        } else if let Some(alias) = &v.alias {
            let c = v
                .canonical
                .as_deref()
                .ok_or_else(|| anyhow!("alias without canonical"))?;
            let c = m.name(c);
            let c = m.canon_now(c);
            let a = m.name(alias);
            if a != c {
                m.canon[a as usize] = c;
                m.alias_to.entry(a).or_default().push((tx, c));
                m.aliases_of.entry(c).or_default().push((tx, a));
            }
        } else if let Some(r) = &v.retract {
            let s = m.ids.get(&fold(&r.subject)).copied();
            let p = m.pred_ids.get(r.predicate.as_ref()).copied();
            let o = m.obj(&r.object, r.object_kind.as_deref(), false);
            let (Some(s), Some(p), Some(o)) = (s, p, o) else {
                continue;
            };
            let Some(&t) = m.triple_ids.get(&(s, p, o)) else {
                continue;
            };
            let article = r.article.as_deref().map(|a| m.ids.get(&fold(a)).copied());
            let tr = &mut m.triples[t as usize];
            for su in tr.supports.iter_mut() {
                let hit = match article {
                    Some(Some(a)) => su.article == a,
                    Some(None) => false,
                    None => true,
                };
                if hit && su.retracted == 0 {
                    su.retracted = tx;
                    tr.live -= 1;
                }
            }
        } else if let Some(s) = &v.subject {
            let s = m.name(s);
            let p = m.pred(
                v.predicate
                    .as_deref()
                    .ok_or_else(|| anyhow!("no predicate"))?,
            );
            let o = v.object.as_deref().ok_or_else(|| anyhow!("no object"))?;
            let o = m
                .obj(o, v.object_kind.as_deref(), true)
                .ok_or_else(|| anyhow!("no object"))?;
            let article = match &v.article {
                Some(ArticleField::Id(a)) => m.name(a),
                _ => u32::MAX,
            };
            let t = match m.triple_ids.get(&(s, p, o)) {
                Some(&t) => t,
                None => {
                    let t = m.triples.len() as u32;
                    m.triples.push(Triple {
                        s,
                        p,
                        o,
                        supports: Vec::new(),
                        live: 0,
                    });
                    m.triple_ids.insert((s, p, o), t);
                    m.by_raw_s.entry(s).or_default().push(t);
                    if let Obj::Ent(e) = o {
                        m.by_raw_o.entry(e).or_default().push(t);
                    }
                    t
                }
            };
            let tr = &mut m.triples[t as usize];
            tr.supports.push(Support {
                article,
                tx,
                retracted: 0,
            });
            tr.live += 1;
        } else {
            bail!(
                "line {}: event kind not supported by the maps loader",
                n + 1
            );
        }
    }
    // The current view's adjacency, by canonical entity.
    for (i, t) in m.triples.iter().enumerate() {
        m.by_s.entry(m.canon_now(t.s)).or_default().push(i as u32);
        if let Obj::Ent(e) = t.o {
            m.by_o.entry(m.canon_now(e)).or_default().push(i as u32);
        }
    }
    m.load_secs = start.elapsed().as_secs_f64();
    Ok(m)
}

const EMPTY: &[u32] = &[];

fn rows_of(set: FxHashSet<Vec<String>>) -> Rows {
    set.into_iter().collect()
}

impl Maps {
    fn out(&self, e: u32) -> &[u32] {
        self.by_s.get(&e).map(Vec::as_slice).unwrap_or(EMPTY)
    }
    fn inn(&self, e: u32) -> &[u32] {
        self.by_o.get(&e).map(Vec::as_slice).unwrap_or(EMPTY)
    }

    /// `"name" ?p ?o` now.
    fn about(&self, e: u32) -> Rows {
        let c = |x| self.canon_now(x);
        let mut set = FxHashSet::default();
        for &t in self.out(e) {
            let t = &self.triples[t as usize];
            if t.live > 0 {
                set.insert(vec![
                    self.preds[t.p as usize].clone(),
                    self.obj_text(t.o, c),
                ]);
            }
        }
        for &t in self.inn(e) {
            let t = &self.triples[t as usize];
            if t.live > 0 && self.sym(t.p) {
                set.insert(vec![
                    self.preds[t.p as usize].clone(),
                    self.names[c(t.s) as usize].clone(),
                ]);
            }
        }
        rows_of(set)
    }

    fn live_at(&self, t: &Triple, at: u32) -> bool {
        t.supports
            .iter()
            .any(|s| s.tx <= at && (s.retracted == 0 || s.retracted > at))
    }

    pub fn question(&self, q: usize, pr: &Probes) -> Result<Rows> {
        let none = u32::MAX;
        let sells_to = self.pred_ids.get("sells_to").copied().unwrap_or(u16::MAX);
        let ceo_of = self.pred_ids.get("ceo_of").copied().unwrap_or(u16::MAX);
        let c = |x| self.canon_now(x);
        Ok(match q {
            1 => self.about(self.resolve(&pr.e1).unwrap_or(none)),
            2 => {
                let e = self.resolve(&pr.e2).unwrap_or(none);
                let mut set = FxHashSet::default();
                for &t in self.inn(e) {
                    let t = &self.triples[t as usize];
                    if t.live > 0 {
                        set.insert(vec![
                            self.names[c(t.s) as usize].clone(),
                            self.preds[t.p as usize].clone(),
                        ]);
                    }
                }
                for &t in self.out(e) {
                    let t = &self.triples[t as usize];
                    if t.live > 0 && self.sym(t.p) {
                        set.insert(vec![
                            self.obj_text(t.o, c),
                            self.preds[t.p as usize].clone(),
                        ]);
                    }
                }
                rows_of(set)
            }
            3 => {
                let x = self.resolve(&pr.x).unwrap_or(none);
                let mut set = FxHashSet::default();
                for &t in self.inn(x) {
                    let t = &self.triples[t as usize];
                    if t.p != sells_to || t.live == 0 {
                        continue;
                    }
                    for &u in self.inn(c(t.s)) {
                        let u = &self.triples[u as usize];
                        if u.p == ceo_of && u.live > 0 {
                            set.insert(vec![self.names[c(u.s) as usize].clone()]);
                        }
                    }
                }
                rows_of(set)
            }
            4 => {
                let x = self.resolve(&pr.x).unwrap_or(none);
                let hop = |from: u32| -> Vec<u32> {
                    self.out(from)
                        .iter()
                        .map(|&t| &self.triples[t as usize])
                        .filter(|t| t.p == sells_to && t.live > 0)
                        .filter_map(|t| match t.o {
                            Obj::Ent(e) => Some(c(e)),
                            Obj::Lit(_) => None,
                        })
                        .collect()
                };
                let mut seen: FxHashSet<u32> = FxHashSet::default();
                let first = hop(x);
                for &n in &first {
                    seen.insert(n);
                }
                let firsts: Vec<u32> = seen.iter().copied().collect();
                for n in firsts {
                    for m in hop(n) {
                        seen.insert(m);
                    }
                }
                if crate::sqlite::Q4_EXCLUDES_START {
                    seen.remove(&x);
                }
                seen.into_iter()
                    .map(|e| vec![self.names[e as usize].clone()])
                    .collect()
            }
            5 => {
                let mut sols: FxHashSet<(u32, u16, Obj)> = FxHashSet::default();
                for t in &self.triples {
                    if t.live == 0 {
                        continue;
                    }
                    let o = match t.o {
                        Obj::Ent(e) => Obj::Ent(c(e)),
                        l => l,
                    };
                    sols.insert((c(t.s), t.p, o));
                    if let (true, Obj::Ent(e)) = (self.sym(t.p), o) {
                        sols.insert((e, t.p, Obj::Ent(c(t.s))));
                    }
                }
                let mut counts: FxHashMap<u16, u64> = FxHashMap::default();
                for (_, p, _) in sols {
                    *counts.entry(p).or_default() += 1;
                }
                let mut v: Vec<(u64, &str)> = counts
                    .into_iter()
                    .map(|(p, n)| (n, self.preds[p as usize].as_str()))
                    .collect();
                v.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
                v.into_iter()
                    .take(10)
                    .map(|(n, p)| vec![p.to_string(), n.to_string()])
                    .collect()
            }
            6 => {
                let at = pr.mid_tx as u32;
                let Some(&raw) = self.ids.get(&fold(&pr.e1)) else {
                    return Ok(Vec::new());
                };
                let e = self.canon_at(raw, at);
                let mut names = vec![e];
                if let Some(v) = self.aliases_of.get(&e) {
                    names.extend(
                        v.iter()
                            .filter(|(tx, a)| *tx <= at && self.canon_at(*a, at) == e)
                            .map(|x| x.1),
                    );
                }
                let ca = |x| self.canon_at(x, at);
                let mut set = FxHashSet::default();
                for &n in &names {
                    for &t in self.by_raw_s.get(&n).map(Vec::as_slice).unwrap_or(EMPTY) {
                        let t = &self.triples[t as usize];
                        if self.live_at(t, at) {
                            set.insert(vec![
                                self.preds[t.p as usize].clone(),
                                self.obj_text(t.o, ca),
                            ]);
                        }
                    }
                    for &t in self.by_raw_o.get(&n).map(Vec::as_slice).unwrap_or(EMPTY) {
                        let t = &self.triples[t as usize];
                        if self.sym(t.p) && self.live_at(t, at) {
                            set.insert(vec![
                                self.preds[t.p as usize].clone(),
                                self.names[ca(t.s) as usize].clone(),
                            ]);
                        }
                    }
                }
                rows_of(set)
            }
            7 => {
                let (Some(s), Some(o)) = (self.resolve(&pr.s), self.resolve(&pr.o)) else {
                    return Ok(Vec::new());
                };
                let p = self
                    .pred_ids
                    .get(pr.p.as_str())
                    .copied()
                    .unwrap_or(u16::MAX);
                let mut set = FxHashSet::default();
                let mut scan = |from: u32, to: u32| {
                    for &t in self.out(from) {
                        let t = &self.triples[t as usize];
                        if t.p == p && matches!(t.o, Obj::Ent(e) if c(e) == to) {
                            for su in t
                                .supports
                                .iter()
                                .filter(|su| su.retracted == 0 && su.article != u32::MAX)
                            {
                                let d =
                                    self.published.get(&su.article).cloned().unwrap_or_default();
                                set.insert(vec![self.names[su.article as usize].clone(), d]);
                            }
                        }
                    }
                };
                scan(s, o);
                if SYMMETRIC.contains(&pr.p.as_str()) {
                    scan(o, s);
                }
                rows_of(set)
            }
            8 | 9 => {
                let prefix = fold(&pr.prefix);
                let mut set = FxHashSet::default();
                for (id, f) in self.folded.iter().enumerate() {
                    let id = id as u32;
                    let is_canon = c(id) == id;
                    if f.starts_with(&prefix) && (is_canon == (q == 8)) {
                        set.insert(vec![self.names[c(id) as usize].clone()]);
                    }
                }
                rows_of(set)
            }
            _ => bail!("no question {q}"),
        })
    }
}
