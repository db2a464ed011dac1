#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Model-based test of the log and the view (after sled's `fuzz_model`): random commits
//! of facts, aliases, triple retractions (with and without an article), article
//! retractions and symmetric predicates, with close-and-reopen steps in between. After
//! every step three things must agree, for the current state and as of every earlier tx:
//!
//! 1. the view the `Kb` keeps incrementally (loaded from its checkpoint after a reopen),
//! 2. a fresh view rebuilt from the log alone,
//! 3. a plain model written here: a list of supports with their assert and retract tx,
//!    and alias classes replayed with a naive union-find.
//!
//! The compared answer is the set of live entity-level facts
//! `(canonical subject, predicate, canonical object)` from `Snapshot::facts`.

use std::collections::{BTreeSet, HashMap};

use annals::event::{Event, FactAsserted, FactRetracted, Source, Support};
use annals::value::{fold, Value};
use annals::view::View;
use annals::{Kb, OpenOptions};
use proptest::prelude::*;

const NAMES: [&str; 6] = ["Alpha", "ALPHA", "Beta", "Gamma", "État", "etat"];
const PREDS: [&str; 3] = ["ceo_of", "partner_of", "owns"];
const ARTICLES: [&str; 3] = ["a1", "a2", "a3"];

#[derive(Clone, Debug)]
enum Op {
    Fact(usize, usize, usize, Option<usize>),
    Alias(usize, usize),
    Retract(usize, usize, usize, Option<usize>),
    RetractArticle(usize),
}

#[derive(Clone, Debug)]
enum Step {
    Commit(Vec<Op>),
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    let n = 0..NAMES.len();
    let p = 0..PREDS.len();
    let a = proptest::option::of(0..ARTICLES.len());
    prop_oneof![
        5 => (n.clone(), p.clone(), n.clone(), a.clone()).prop_map(|(s, p, o, a)| Op::Fact(s, p, o, a)),
        1 => (n.clone(), n.clone()).prop_map(|(a, c)| Op::Alias(a, c)),
        2 => (n.clone(), p, n, a).prop_map(|(s, p, o, a)| Op::Retract(s, p, o, a)),
        1 => (0..ARTICLES.len()).prop_map(Op::RetractArticle),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => proptest::collection::vec(op(), 1..4).prop_map(Step::Commit),
        1 => Just(Step::Reopen),
    ]
}

fn event(op: &Op) -> Event {
    let source = |a: &Option<usize>| match a {
        Some(i) => Source::Article(ARTICLES[*i].into()),
        None => Source::None,
    };
    match op {
        Op::Fact(s, p, o, a) => Event::FactAsserted(FactAsserted {
            subject: NAMES[*s].into(),
            predicate: PREDS[*p].into(),
            object: Value::Entity(NAMES[*o].into()),
            support: Support::from_source(source(a)),
        }),
        Op::Alias(a, c) => Event::AliasAdded {
            alias: NAMES[*a].into(),
            canonical: NAMES[*c].into(),
        },
        Op::Retract(s, p, o, a) => Event::FactRetracted(FactRetracted {
            subject: NAMES[*s].into(),
            predicate: PREDS[*p].into(),
            object: Value::Entity(NAMES[*o].into()),
            article: a.map(|i| ARTICLES[i].into()),
            reason: None,
        }),
        Op::RetractArticle(i) => Event::ArticleRetracted {
            id: ARTICLES[*i].into(),
            reason: None,
        },
    }
}

struct ModelSupport {
    s: String,
    p: &'static str,
    o: String,
    source: Option<String>,
    asserted: u64,
    retracted: u64,
}

/// The plain model: everything by folded name.
#[derive(Default)]
struct Model {
    tx: u64,
    /// Folded name → spelling first written.
    display: HashMap<String, String>,
    supports: Vec<ModelSupport>,
    aliases: Vec<(u64, String, String)>,
}

fn symmetric(p: &str) -> bool {
    p == "partner_of"
}

impl Model {
    fn see(&mut self, name: &str) -> String {
        let f = fold(name);
        self.display
            .entry(f.clone())
            .or_insert_with(|| name.to_string());
        f
    }

    /// Root of each folded name as of `at`, by a naive union-find replay.
    fn roots(&self, at: u64) -> HashMap<String, String> {
        let mut root: HashMap<String, String> = HashMap::new();
        for (tx, a, c) in &self.aliases {
            if *tx > at {
                break;
            }
            let ra = root.get(a).cloned().unwrap_or_else(|| a.clone());
            let rc = root.get(c).cloned().unwrap_or_else(|| c.clone());
            if ra == rc {
                continue;
            }
            let moved: Vec<String> = root
                .iter()
                .filter(|(_, r)| **r == ra)
                .map(|(k, _)| k.clone())
                .collect();
            for m in moved {
                root.insert(m, rc.clone());
            }
            root.insert(ra, rc.clone());
        }
        root
    }

    fn apply(&mut self, ops: &[Op]) {
        self.tx += 1;
        let tx = self.tx;
        for op in ops {
            match op {
                Op::Fact(s, p, o, a) => {
                    let s = self.see(NAMES[*s]);
                    let o = self.see(NAMES[*o]);
                    let source = a.map(|i| self.see(ARTICLES[i]));
                    self.supports.push(ModelSupport {
                        s,
                        p: PREDS[*p],
                        o,
                        source,
                        asserted: tx,
                        retracted: u64::MAX,
                    });
                }
                Op::Alias(a, c) => {
                    let a = self.see(NAMES[*a]);
                    let c = self.see(NAMES[*c]);
                    self.aliases.push((tx, a, c));
                }
                Op::Retract(s, p, o, a) => {
                    let (s, o) = (fold(NAMES[*s]), fold(NAMES[*o]));
                    if !self.display.contains_key(&s) || !self.display.contains_key(&o) {
                        continue;
                    }
                    let article = a.map(|i| fold(ARTICLES[i]));
                    if article
                        .as_ref()
                        .is_some_and(|a| !self.display.contains_key(a))
                    {
                        continue;
                    }
                    let roots = self.roots(tx);
                    let r = |n: &String| roots.get(n).cloned().unwrap_or_else(|| n.clone());
                    let (rs, ro) = (r(&s), r(&o));
                    let p = PREDS[*p];
                    for sup in &mut self.supports {
                        let (ss, so) = (r(&sup.s), r(&sup.o));
                        let same = (ss == rs && so == ro) || (symmetric(p) && ss == ro && so == rs);
                        if sup.p == p
                            && same
                            && sup.retracted == u64::MAX
                            && (article.is_none() || sup.source == article)
                        {
                            sup.retracted = tx;
                        }
                    }
                }
                Op::RetractArticle(i) => {
                    let a = fold(ARTICLES[*i]);
                    for sup in &mut self.supports {
                        if sup.source.as_ref() == Some(&a) && sup.retracted == u64::MAX {
                            sup.retracted = tx;
                        }
                    }
                }
            }
        }
    }

    fn facts(&self, at: u64) -> BTreeSet<(String, String, String)> {
        let roots = self.roots(at);
        let name = |n: &String| {
            let r = roots.get(n).unwrap_or(n);
            self.display.get(r).cloned().unwrap_or_default()
        };
        let mut out = BTreeSet::new();
        for s in &self.supports {
            if s.asserted <= at && at < s.retracted {
                out.insert((name(&s.s), s.p.to_string(), name(&s.o)));
                if symmetric(s.p) {
                    out.insert((name(&s.o), s.p.to_string(), name(&s.s)));
                }
            }
        }
        out
    }
}

fn view_facts(view: &View, at: u64) -> BTreeSet<(String, String, String)> {
    let snap = view.snapshot(Some(at));
    let mut out = BTreeSet::new();
    snap.facts(None, &mut |f| {
        out.insert((
            snap.name(f.s).unwrap().to_string(),
            view.pred(f.p).unwrap().name.to_string(),
            snap.name(f.o).unwrap().to_string(),
        ));
    });
    out
}

fn rebuild(kb: &Kb) -> View {
    let mut v = View::new();
    annals::query::Database::scan_commits(kb, 1, &mut |c| {
        v.apply(c)?;
        Ok(true)
    })
    .unwrap();
    v
}

fn check(kb: &Kb, model: &Model) {
    let fresh = rebuild(kb);
    kb.view().same_as(&fresh).unwrap();
    assert_eq!(kb.last_tx(), model.tx);
    for at in 0..=model.tx {
        let expected = model.facts(at);
        assert_eq!(
            view_facts(kb.view(), at),
            expected,
            "incremental view as of #{at}"
        );
        assert_eq!(
            view_facts(&fresh, at),
            expected,
            "fresh rebuild as of #{at}"
        );
    }
}

fn open(path: &std::path::Path) -> Kb {
    Kb::open(
        path,
        OpenOptions {
            create: true,
            wait: Some(std::time::Duration::from_secs(5)),
            skip_view: false,
        },
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn view_log_and_model_agree(steps in proptest::collection::vec(step(), 1..14)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kb");
        let mut kb = open(&path);
        let mut model = Model::default();
        for step in &steps {
            match step {
                Step::Commit(ops) => {
                    kb.commit(ops.iter().map(event).collect()).unwrap();
                    model.apply(ops);
                }
                Step::Reopen => {
                    kb.close().unwrap();
                    kb = open(&path);
                    prop_assert!(kb.take_notices().is_empty());
                }
            }
            check(&kb, &model);
        }
    }
}
