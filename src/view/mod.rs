//! The materialized view: the log folded into indexes that answer queries.
//!
//! 1. [`View::apply`] folds one commit in, deterministically: the same log always gives
//!    the same view, which is what makes `rematerialize` and `verify` possible. It goes
//!    by windows of events whose lookups are issued together first (`look_ahead`), in
//!    tables laid out to be prefetched (`name_cache.rs`, `triple_index.rs`, both on
//!    `line_table.rs`).
//! 2. Names are folded ([`crate::value::fold`]) and interned as [`TermId`]s; literals are
//!    interned too, so a triple is three integers.
//! 3. A triple is stored once; each of its supports keeps the tx that asserted it and the
//!    tx that retracted it, so whether it was live at any tx is known exactly.
//!    Symmetric triples are stored in one direction and indexed in both.
//! 4. Aliases do not rewrite anything: facts stay under the name they were asserted with,
//!    and reads go through the alias classes of the tx asked about ([`alias::AliasMap`]).
//! 5. Readers take a [`Snapshot`] at a tx; every scan it offers is by entity (alias class),
//!    live as of that tx, with symmetric facts in both directions.
//!
//! Evidence sentences, extractor names and qualifiers are not kept here: each support
//! records where its event sits in the log (tx, index), and `why`/`export` read it back.

pub mod alias;
mod articles;
mod line_table;
mod mapped;
mod name_cache;
pub mod snap;
mod supports;
mod terms;
mod triple_index;

use std::sync::OnceLock;

use compact_str::CompactString;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::event::{Commit, Event, Source, SupportForm, Tx};
use crate::value::{fold, fold_into, EntityType, Value};
use alias::{AliasEdge, AliasMap};
pub use mapped::Mapped;
use mapped::{Adj, Arr, Lazy};
pub use name_cache::NameCache;
use name_cache::NameHash;
#[cfg(test)]
pub(crate) use snap::tests::format_6_payload as checkpoint_format_6_payload;
pub use snap::{FORMAT as CHECKPOINT_FORMAT, OLDEST_FORMAT as OLDEST_CHECKPOINT_FORMAT};
pub use terms::TermDepth;
use terms::Terms;
use triple_index::TripleIndex;

/// Adjacency scans of views with fewer triples than this are not prefetched
/// (`Snapshot::prefetch_scan`): 24 MB of triples and more with their flags and lists,
/// about the machine's last-level cache (32 MiB). 10M facts make 6.4M triples, 1M 640k.
const PREFETCH_FROM_TRIPLES: usize = 1 << 21;

/// Counting facts by predicate walks merged entities' triples only while they are fewer
/// than one in this many stored triples (measured at 10M facts: when they are many,
/// hashing them costs more than one plain pass over every fact).
const MERGED_WALK_SHARE: usize = 16;

/// The sizes of a view, to size another by ([`View::size_hint`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SizeHint {
    pub terms: usize,
    pub triples: usize,
}

/// A count that readers add to through `&View` (a clone starts from it).
#[derive(Debug, Default)]
struct ScanCount(std::sync::atomic::AtomicUsize);

impl Clone for ScanCount {
    fn clone(&self) -> Self {
        ScanCount(self.0.load(std::sync::atomic::Ordering::Relaxed).into())
    }
}

impl ScanCount {
    /// Adds `n`; the count after.
    fn pay(&self, n: usize) -> usize {
        let before = self.0.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        before.saturating_add(n)
    }
}

/// An interned entity name or literal.
pub type TermId = u32;
/// An interned predicate name.
pub type PredId = u32;
/// A stored triple.
pub type TripleId = u32;

/// "Still live": the retraction tx of a support nobody retracted.
pub const LIVE: Tx = Tx::MAX;

pub use crate::schema::{SYMMETRIC_PREDICATES, VIRTUAL_PREDICATES};

/// At most this many names as written are remembered (`View::raw_names`).
const RAW_NAMES_MAX: usize = 1 << 20;

/// Events whose lookups [`View::look_ahead`] issues together: a commit of an article is
/// about 20.
const LOOKAHEAD: usize = 32;

/// The subject and the object (when an entity) of a fact.
fn fact_names<S: SupportForm>(event: &Event<S>) -> (Option<&str>, Option<&str>) {
    match event {
        Event::FactAsserted(f) => (
            Some(f.subject.as_str()),
            match &f.object {
                Value::Entity(name) => Some(name.as_str()),
                _ => None,
            },
        ),
        _ => (None, None),
    }
}

/// Asks for the cache line that holds the start of `text`.
fn prefetch_text(text: &str) {
    if let Some(first) = text.as_bytes().first() {
        mapped::prefetch(first);
    }
}

/// A name with its hash, for a prefetch and the lookup after it.
fn hashed(name: &str) -> (&str, NameHash) {
    (name, NameCache::hash(name))
}

/// What [`View::look_ahead`] found of a fact before it is applied.
#[derive(Clone, Copy, Debug, Default)]
struct Found {
    subject: Option<TermId>,
    object: Option<TermId>,
    /// The predicate, when the triple was looked for (its names both exist).
    pred: Option<PredId>,
    triple: Option<TripleId>,
}

/// The bit marking an adjacency entry as the mirror of a symmetric triple.
const MIRROR: u32 = 1 << 31;

/// [`View::name_ranks`] are built once the rows asked for reach this share of the
/// names: numbering a name costs a few nanoseconds, reading one for a sort about as
/// much as a cache miss, so the numbers are then paid for within a few times over.
pub const RANKS_AFTER_SHARE: usize = 16;

/// A count of rows, shared by the readers of one view: a copy of the view starts from
/// the same count.
#[derive(Debug, Default)]
struct RowCount(std::sync::atomic::AtomicUsize);

impl RowCount {
    /// Adds `n` and returns the new count.
    fn add(&self, n: usize) -> usize {
        let before = self.0.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        before.saturating_add(n)
    }
}

impl Clone for RowCount {
    fn clone(&self) -> Self {
        RowCount(std::sync::atomic::AtomicUsize::new(
            self.0.load(std::sync::atomic::Ordering::Relaxed),
        ))
    }
}

/// Lists at least this long are searched for a predicate's run
/// ([`Snapshot::pred_run`]); shorter ones are scanned whole.
const PRED_RUN_SEARCH_FROM: usize = 16;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum TermData {
    /// An entity name as first written, and its folded form.
    Name {
        display: Box<str>,
        folded: Box<str>,
    },
    Literal(Value),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PredInfo {
    pub name: Box<str>,
    pub symmetric: bool,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
#[repr(C)]
pub struct Triple {
    pub s: TermId,
    pub p: PredId,
    pub o: TermId,
}

// SAFETY: three `u32`s, `repr(C)`: no padding, every bit pattern valid.
unsafe impl mapped::Pod for Triple {
    fn read_le(b: &[u8]) -> Triple {
        let u = |i: usize| u32::read_le(b.get(i * 4..i * 4 + 4).unwrap_or_default());
        Triple {
            s: u(0),
            p: u(1),
            o: u(2),
        }
    }
    fn write_le(&self, out: &mut Vec<u8>) {
        self.s.write_le(out);
        self.p.write_le(out);
        self.o.write_le(out);
    }
}

/// Term ids sorted by folded name and by literal, read in place from a checkpoint
/// (`snap.rs`, sections 15-16): resolves a constant without building the term maps.
/// Used only while the terms are the mapped ones, which they stop being when a term is
/// interned.
#[derive(Clone, Debug)]
struct TermIndex {
    names: Arr<u32>,
    literals: Arr<u32>,
}

/// One support of a triple: 24 bytes, fixed, so that a checkpoint's supports are read
/// in place (`supports.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct SupportRec {
    pub asserted: Tx,
    pub retracted: Tx,
    /// The article or note term, or [`NO_SOURCE`].
    source: TermId,
    /// The index of the `FactAsserted` event in the commit of tx `asserted`.
    index: u32,
}

/// [`SupportRec::source`] of a support without one. Not a term id: terms are numbered
/// from 0 by a `u32` count, and the 2^32-th term would already wrap.
const NO_SOURCE: TermId = TermId::MAX;

// SAFETY: `repr(C)` of two `u64`s then two `u32`s: no padding, every bit pattern valid.
unsafe impl mapped::Pod for SupportRec {
    fn read_le(b: &[u8]) -> SupportRec {
        let u64_at = |i: usize| u64::read_le(b.get(i..i + 8).unwrap_or_default());
        let u32_at = |i: usize| u32::read_le(b.get(i..i + 4).unwrap_or_default());
        SupportRec {
            asserted: u64_at(0),
            retracted: u64_at(8),
            source: u32_at(16),
            index: u32_at(20),
        }
    }
    fn write_le(&self, out: &mut Vec<u8>) {
        self.asserted.write_le(out);
        self.retracted.write_le(out);
        self.source.write_le(out);
        self.index.write_le(out);
    }
}

impl SupportRec {
    /// A live support asserted by event `index` of tx `asserted`.
    pub fn new(asserted: Tx, source: Option<TermId>, index: u32) -> SupportRec {
        SupportRec {
            asserted,
            retracted: LIVE,
            source: source.unwrap_or(NO_SOURCE),
            index,
        }
    }

    /// The article or note term, if any.
    #[inline]
    pub fn source(&self) -> Option<TermId> {
        (self.source != NO_SOURCE).then_some(self.source)
    }

    /// Where the `FactAsserted` event sits: its commit's tx and its index in the commit.
    #[inline]
    pub fn event(&self) -> (Tx, u32) {
        (self.asserted, self.index)
    }

    #[inline]
    pub fn live_at(&self, at: Tx) -> bool {
        self.asserted <= at && at < self.retracted
    }
}

/// Article metadata, for the virtual predicates and duplicate detection.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ArticleMeta {
    pub added: Tx,
    pub retracted: Option<Tx>,
    pub title: Option<String>,
    pub url: Option<String>,
    pub published: Option<chrono::NaiveDate>,
    pub language: Option<String>,
    pub content_hash: String,
    pub mentions: Vec<TermId>,
}

/// Counts for `stats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub events: u64,
    pub commits: u64,
}

/// The view. Loaded from a checkpoint, its big arrays are read in place from the mapped
/// file and its other parts decoded on first use (`mapped.rs`, `snap.rs`); the first
/// write copies what it touches to the heap.
#[derive(Clone, Debug, Default)]
pub struct View {
    /// Last applied tx: the watermark, stored with the view in every checkpoint.
    watermark: Tx,
    counters: Counters,
    terms: Terms,
    /// Tx at which each term was first seen (one per term, also when `terms` is not
    /// decoded yet: the term count).
    first_seen: Arr<Tx>,
    /// Derived from `terms`, built on first use (not checkpointed).
    names: OnceLock<FxHashMap<CompactString, TermId>>,
    /// Derived from `terms`, built on first use (not checkpointed).
    literals: OnceLock<FxHashMap<Value, TermId>>,
    /// From the checkpoint: resolves names and literals while `terms` are mapped.
    term_index: Option<TermIndex>,
    /// Derived from `term_index`, built once sorts have paid for it (`name_ranks`).
    name_ranks: OnceLock<Vec<u32>>,
    /// Rows callers were about to sort before `name_ranks` was built (`name_ranks`).
    text_sorted: RowCount,
    preds: Vec<PredInfo>,
    pred_ids: FxHashMap<Box<str>, PredId>,
    triples: Arr<Triple>,
    /// Derived from `triples`, built on first use (not checkpointed): by a write, or by
    /// lookups once `triple_scans` passed its budget.
    triple_ids: OnceLock<TripleIndex>,
    /// Adjacency entries `find_triple` scanned instead of building `triple_ids`.
    triple_scans: ScanCount,
    /// Read in place from a checkpoint, written lists aside (`supports.rs`).
    supports: supports::Supports,
    /// Whether each triple is live now (at the watermark): 0 or 1.
    live: Arr<u8>,
    live_count: u64,
    /// Adjacency by subject and by object: triple ids, with [`MIRROR`] set on the
    /// reverse entry of a symmetric triple. Derived from `triples` on first use (a
    /// replay does not keep lists it never reads: one allocation per term less); kept
    /// up to date by `apply` once built; read in place from a checkpoint.
    out: OnceLock<Adj>,
    inc: OnceLock<Adj>,
    /// Triple ids by predicate, as `out`.
    by_pred: OnceLock<Adj>,
    /// Type history of each entity name: (tx, type), in log order.
    types: Lazy<FxHashMap<TermId, Vec<(Tx, EntityType)>>>,
    alias_edges: Vec<AliasEdge>,
    /// Read one at a time from a checkpoint, written ones aside (`articles.rs`).
    articles: articles::Articles,
    /// Derived from `articles`, built on first use (not checkpointed).
    article_by_hash: OnceLock<FxHashMap<String, TermId>>,
    /// Triples each article or note supports, in the order their supports were
    /// asserted. Derived from `supports`, built on first use (not checkpointed).
    supported_by: OnceLock<FxHashMap<TermId, Vec<TripleId>>>,
    current_aliases: AliasMap,
    last_source: Option<(Box<str>, TermId)>,
    /// Names as written, not folded, to their terms: most names recur verbatim, and a
    /// hit skips the fold, which was two thirds of `intern_name` in a replay. Filled by
    /// `intern_name` only, up to [`RAW_NAMES_MAX`] entries (not checkpointed). Terms are
    /// never renumbered, so an entry never goes stale.
    ///
    /// Keyed by `CompactString`, as `names` is: a name of up to 24 bytes (most of them)
    /// lies in the table's own slot, where a `Box<str>` key sent every lookup on to a
    /// second cache miss for the bytes to compare. A rebuild of the 10M-fact database
    /// went from 31.7–37.3 s to 26.3–29.1 s (two runs each, alternating), 400k facts
    /// from 0.73 to 0.65 s (median of six); its peak memory fell by 20–40 MB.
    raw_names: NameCache,
    sorted_names: OnceLock<Vec<(Box<str>, TermId)>>,
    /// Per predicate: live stored triples, and how many of those are symmetric with two
    /// distinct ends (they answer in both directions). Derived on first use (not
    /// checkpointed), then kept by `set_live`.
    pred_live: OnceLock<Vec<[u64; 2]>>,
    /// What [`Snapshot::fact_rows_by_pred`] answered at the watermark: the rows of every
    /// predicate, aliases applied. Read from a checkpoint (format 6 on: `snap.rs`) or
    /// computed on first use, then kept by `set_live` while
    /// writes touch no merged entity; dropped by a write that does, and by an alias.
    fact_rows: OnceLock<Vec<u64>>,
}

impl View {
    pub fn new() -> View {
        let mut view = View::default();
        for name in SYMMETRIC_PREDICATES {
            view.intern_pred(name);
        }
        view
    }

    /// How many terms and triples this view holds, to size another by
    /// ([`View::with_size_hint`]).
    pub fn size_hint(&self) -> SizeHint {
        SizeHint {
            terms: self.term_count(),
            triples: self.triple_count(),
        }
    }

    /// An empty view whose arrays and maps are sized for `hint` (the view a rebuild
    /// replaces: [`View::size_hint`]). Growing them one doubling at a time was a third
    /// of a rebuild at 1M facts, most of it the kernel zeroing the pages each larger
    /// copy touches, and rehashing.
    pub fn with_size_hint(hint: SizeHint) -> View {
        let mut view = View::new();
        let (terms, triples) = (hint.terms, hint.triples);
        view.terms.vec().reserve(terms);
        view.first_seen.vec().reserve(terms);
        view.triples.vec().reserve(triples);
        view.live.vec().reserve(triples);
        view.supports.reserve(triples);
        view.raw_names = NameCache::with_capacity(terms.min(RAW_NAMES_MAX));
        let mut names = FxHashMap::default();
        names.reserve(terms);
        let _ = view.names.set(names);
        let _ = view.triple_ids.set(TripleIndex::with_capacity(triples));
        view
    }

    /// The last applied tx.
    pub fn watermark(&self) -> Tx {
        self.watermark
    }

    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// Folds one commit in. Commits must come in tx order with no gaps.
    ///
    /// Of a fact's support only the source is read, so the commit may be the full form
    /// (live writes, import) or the replay form ([`crate::event::SourceOnly`]: rebuild,
    /// catch-up) alike, through this one implementation.
    pub fn apply<S: SupportForm>(&mut self, commit: &Commit<S>) -> Result<()> {
        self.apply_looking_ahead(commit, true)
    }

    /// [`View::apply`], with [`View::look_ahead`] or (to test it) without.
    fn apply_looking_ahead<S: SupportForm>(
        &mut self,
        commit: &Commit<S>,
        look_ahead: bool,
    ) -> Result<()> {
        if commit.tx != self.watermark + 1 {
            return Err(Error::Corrupt {
                tx: Some(commit.tx),
                what: format!(
                    "commit {} applied to a view whose watermark is {}",
                    commit.tx, self.watermark
                ),
            });
        }
        let tx = commit.tx;
        let mut fold_buf = String::new();
        let mut found = [Found::default(); LOOKAHEAD];
        let mut index = 0u32;
        for window in commit.events.chunks(LOOKAHEAD) {
            if look_ahead {
                self.look_ahead(window, &mut found);
            }
            for (event, found) in window.iter().zip(found) {
                self.apply_event(tx, index, event, found, &mut fold_buf);
                index += 1;
            }
        }
        self.watermark = tx;
        self.counters.commits += 1;
        self.counters.events += commit.events.len() as u64;
        Ok(())
    }

    /// Looks up, for a window of events about to be applied, the terms of the facts'
    /// names and then their triples, as far as they exist already.
    ///
    /// Applying a fact is a chain of cache misses in tables larger than the cache: the
    /// name's slot, then the triple's, then its supports. One after another, each waits
    /// for the one before. Here the lookups of a window do not depend on each other, so
    /// the processor overlaps their misses, and `apply_event` finds the slots in cache
    /// (or skips the lookup). A hint stays true while the window is applied: names and
    /// triples are only ever added, never renumbered.
    fn look_ahead<S: SupportForm>(&self, window: &[Event<S>], found: &mut [Found; LOOKAHEAD]) {
        // The facts' strings were written by another thread (a decoder, the import's
        // builder): their first bytes are asked for all at once, before any is hashed.
        for event in window {
            if let Event::FactAsserted(f) = event {
                prefetch_text(&f.subject);
                prefetch_text(&f.predicate);
                if let Value::Entity(text) | Value::Str(text) = &f.object {
                    prefetch_text(text);
                }
                if let Source::Article(id) = f.support.source() {
                    prefetch_text(id);
                }
            }
        }
        // The facts' names: every line asked for first, then the lookups.
        let mut names = [(None, None); LOOKAHEAD];
        for (event, names) in window.iter().zip(names.iter_mut()) {
            let (subject, object) = fact_names(event);
            *names = (subject.map(hashed), object.map(hashed));
            for (name, hash) in [names.0, names.1].into_iter().flatten() {
                self.raw_names.prefetch(name, hash);
            }
        }
        for (found, (subject, object)) in found.iter_mut().zip(names) {
            let look = |name: Option<(&str, _)>| {
                name.and_then(|(name, hash)| self.raw_names.get_hashed(name, hash))
            };
            *found = Found {
                subject: look(subject),
                object: look(object),
                pred: None,
                triple: None,
            };
        }
        // The triples of the facts whose names both exist: their buckets first, all of
        // them, then the lookups, which then mostly find them in cache.
        let mut keys = [None; LOOKAHEAD];
        for ((event, found), key) in window.iter().zip(found.iter_mut()).zip(keys.iter_mut()) {
            if let (Event::FactAsserted(f), Some(s), Some(o)) = (event, found.subject, found.object)
            {
                if let Some(&p) = self.pred_ids.get(f.predicate.as_str()) {
                    // Kept, so that applying the fact does not look the name up again: a
                    // predicate's id never changes once given.
                    found.pred = Some(p);
                    *key = Some(self.triple_key(s, p, o));
                }
            }
        }
        // Only then the index: a window without such a fact (an alias, a retraction, an
        // article) must not build it from a loaded checkpoint's triples, which a large
        // database pays for in a fraction of a second (`find_triple`).
        if keys.iter().all(Option::is_none) {
            return;
        }
        let ids = self.triple_ids();
        for key in keys.iter().flatten() {
            ids.prefetch(*key);
        }
        for (found, key) in found.iter_mut().zip(keys) {
            found.triple = key.and_then(|k| ids.get(k));
            if let Some(triple) = found.triple {
                self.supports.prefetch_list(triple);
                if let Some(flag) = self.live.get(triple as usize) {
                    mapped::prefetch(flag);
                }
            }
        }
    }

    fn apply_event<S: SupportForm>(
        &mut self,
        tx: Tx,
        index: u32,
        event: &Event<S>,
        found: Found,
        buf: &mut String,
    ) {
        match event {
            Event::ArticleAdded(a) => {
                let term = self.intern_name(&a.id, tx, buf);
                self.push_type(term, tx, EntityType::Article);
                let mentions = a
                    .mentions
                    .iter()
                    .map(|m| self.intern_name(m, tx, buf))
                    .collect();
                if let Some(by_hash) = self.article_by_hash.get_mut() {
                    by_hash.insert(a.content_hash.clone(), term);
                }
                self.articles.insert(
                    term,
                    ArticleMeta {
                        added: tx,
                        retracted: None,
                        title: a.title.clone(),
                        url: a.url.clone(),
                        published: a.published,
                        language: a.language.clone(),
                        content_hash: a.content_hash.clone(),
                        mentions,
                    },
                );
            }
            Event::FactAsserted(f) => {
                let s = match found.subject {
                    Some(s) => s,
                    None => self.intern_name(&f.subject, tx, buf),
                };
                let p = match found.pred {
                    Some(p) => p,
                    None => self.intern_pred(&f.predicate),
                };
                let o = match found.object {
                    Some(o) => o,
                    None => self.intern_value(&f.object, tx, buf),
                };
                let source = match f.support.source() {
                    // The facts of one article follow each other: skip the fold and the
                    // lookup when the source repeats.
                    Source::Article(id) => match &self.last_source {
                        Some((last, t)) if **last == **id => Some(*t),
                        _ => {
                            let t = self.intern_name(id, tx, buf);
                            self.last_source = Some((id.as_str().into(), t));
                            Some(t)
                        }
                    },
                    Source::Note(text) => {
                        let t = self.intern_name(text, tx, buf);
                        if !self.types.contains_key(&t) {
                            self.push_type(t, tx, EntityType::Note);
                        }
                        Some(t)
                    }
                    Source::None => None,
                };
                let triple = match found.triple {
                    Some(triple) => triple,
                    None => self.intern_triple(s, p, o),
                };
                if let Some(supports) = self.supports.list_mut(triple) {
                    supports.push(SupportRec::new(tx, source, index));
                }
                self.set_live(triple, true);
                if let (Some(src), Some(by_source)) = (source, self.supported_by.get_mut()) {
                    let list = by_source.entry(src).or_default();
                    if list.last() != Some(&triple) {
                        list.push(triple);
                    }
                }
            }
            Event::FactRetracted(r) => {
                let source = match &r.article {
                    Some(id) => match self.lookup_name(id, buf) {
                        Some(t) => Some(t),
                        None => return,
                    },
                    None => None,
                };
                for triple in self.matching_triples(&r.subject, &r.predicate, &r.object, buf) {
                    self.retract_supports(triple, tx, |s| source.is_none() || s.source() == source);
                }
            }
            Event::ArticleRetracted { id, .. } => {
                let Some(term) = self.lookup_name(id, buf) else {
                    return;
                };
                if let Some(meta) = self.articles.get_mut(&term) {
                    meta.retracted.get_or_insert(tx);
                }
                let triples = self.supported_triples(term);
                for triple in triples {
                    self.retract_supports(triple, tx, |s| s.source() == Some(term));
                }
            }
            Event::AliasAdded { alias, canonical } => {
                let a = self.intern_name(alias, tx, buf);
                let c = self.intern_name(canonical, tx, buf);
                self.alias_edges.push(AliasEdge {
                    tx,
                    alias: a,
                    canonical: c,
                });
                self.current_aliases.add(a, c);
                // Names merged: facts stated under both may now be one.
                self.fact_rows = OnceLock::new();
            }
            Event::EntityTyped { name, entity_type } => {
                let t = self.intern_name(name, tx, buf);
                self.push_type(t, tx, *entity_type);
            }
        }
    }

    fn push_type(&mut self, term: TermId, tx: Tx, ty: EntityType) {
        let history = self.types.entry(term).or_default();
        if history.last().map(|(_, t)| *t) != Some(ty) {
            history.push((tx, ty));
        }
    }

    fn retract_supports(&mut self, triple: TripleId, tx: Tx, pick: impl Fn(&SupportRec) -> bool) {
        // A checkpointed list is copied aside only when a support of it is retracted.
        let current = self.supports.get(triple);
        if !current.iter().any(|s| s.retracted == LIVE && pick(s)) {
            let any_live = current.iter().any(|s| s.retracted == LIVE);
            self.set_live(triple, any_live);
            return;
        }
        let Some(supports) = self.supports.list_mut(triple) else {
            return;
        };
        let mut any_live = false;
        for s in supports.iter_mut() {
            if s.retracted == LIVE && pick(s) {
                s.retracted = tx;
            }
            any_live |= s.retracted == LIVE;
        }
        self.set_live(triple, any_live);
    }

    fn set_live(&mut self, triple: TripleId, live: bool) {
        let mut flipped = false;
        if let Some(flag) = self.live.vec().get_mut(triple as usize) {
            if (*flag != 0) != live {
                *flag = u8::from(live);
                flipped = true;
                if live {
                    self.live_count = self.live_count.saturating_add(1);
                } else {
                    // Saturating: a forged checkpoint can claim any count.
                    self.live_count = self.live_count.saturating_sub(1);
                }
            }
        }
        if !flipped || (self.pred_live.get().is_none() && self.fact_rows.get().is_none()) {
            return;
        }
        let Some(t) = self.triples.get(triple as usize).copied() else {
            return;
        };
        let two = self.pred(t.p).is_some_and(|i| i.symmetric) && t.s != t.o;
        self.keep_fact_rows(t, two, live);
        if let Some(counts) = self.pred_live.get_mut() {
            if counts.len() <= t.p as usize {
                counts.resize(t.p as usize + 1, [0, 0]);
            }
            if let Some(c) = counts.get_mut(t.p as usize) {
                for (n, applies) in c.iter_mut().zip([true, two]) {
                    if applies {
                        *n = if live {
                            n.saturating_add(1)
                        } else {
                            n.saturating_sub(1)
                        };
                    }
                }
            }
        }
    }

    /// Keeps [`View::fact_rows`] through a flip of `t`. A triple with no merged end is
    /// the only stored form of its fact, so its predicate's rows move by one (two for a
    /// symmetric triple with distinct ends); one with a merged end may state what another
    /// name of its entity states, so the rows are dropped, to be recomputed on next use.
    fn keep_fact_rows(&mut self, t: Triple, two: bool, live: bool) {
        if self.fact_rows.get().is_none() {
            return;
        }
        if self.current_aliases.is_merged(t.s) || self.current_aliases.is_merged(t.o) {
            self.fact_rows = OnceLock::new();
            return;
        }
        let Some(rows) = self.fact_rows.get_mut() else {
            return;
        };
        if rows.len() <= t.p as usize {
            rows.resize(t.p as usize + 1, 0);
        }
        if let Some(n) = rows.get_mut(t.p as usize) {
            let by = 1 + u64::from(two);
            *n = if live {
                n.saturating_add(by)
            } else {
                n.saturating_sub(by)
            };
        }
    }

    /// See the field.
    fn pred_live(&self) -> &[[u64; 2]] {
        self.pred_live.get_or_init(|| {
            let mut counts = vec![[0u64, 0u64]; self.preds.len()];
            for (id, t) in self.triples.iter().enumerate() {
                if self.live.get(id).is_none_or(|&l| l == 0) {
                    continue;
                }
                let two = self.pred(t.p).is_some_and(|i| i.symmetric) && t.s != t.o;
                if counts.len() <= t.p as usize {
                    counts.resize(t.p as usize + 1, [0, 0]);
                }
                if let Some([n, both_ways]) = counts.get_mut(t.p as usize) {
                    *n += 1;
                    *both_ways += u64::from(two);
                }
            }
            counts
        })
    }

    /// Every stored triple that denotes the entity-level triple (s, p, o) under the
    /// current aliases, both directions for a symmetric predicate.
    fn matching_triples(
        &self,
        subject: &str,
        predicate: &str,
        object: &Value,
        buf: &mut String,
    ) -> Vec<TripleId> {
        let Some(&p) = self.pred_ids.get(predicate) else {
            return Vec::new();
        };
        let Some(s) = self.lookup_name(subject, buf) else {
            return Vec::new();
        };
        let o = match object {
            Value::Entity(name) => self.lookup_name(name, buf),
            literal => self.literals().get(literal).copied(),
        };
        let Some(o) = o else {
            return Vec::new();
        };
        let snap = self.snapshot(None);
        snap.stored_triples(snap.root(s), p, snap.root(o))
    }

    // ---- interning -------------------------------------------------------------------

    fn new_term(&mut self, data: TermData, tx: Tx) -> TermId {
        let id = self.terms.len() as TermId;
        self.terms.vec().push(data);
        self.first_seen.vec().push(tx);
        for adj in [&mut self.out, &mut self.inc] {
            if let Some(adj) = adj.get_mut() {
                adj.lists().push(Vec::new());
            }
        }
        id
    }

    fn intern_name(&mut self, name: &str, tx: Tx, buf: &mut String) -> TermId {
        if let Some(t) = self.raw_names.get(name) {
            return t;
        }
        let t = self.intern_folded(name, tx, buf);
        if self.raw_names.len() < RAW_NAMES_MAX {
            self.raw_names.insert(name, t);
        }
        t
    }

    /// [`View::intern_name`] through the fold.
    fn intern_folded(&mut self, name: &str, tx: Tx, buf: &mut String) -> TermId {
        fold_into(name, buf);
        if let Some(&t) = self.names().get(buf.as_str()) {
            return t;
        }
        let display = collapse_spaces(name);
        let id = self.new_term(
            TermData::Name {
                display,
                folded: buf.as_str().into(),
            },
            tx,
        );
        if let Some(names) = self.names.get_mut() {
            names.insert(CompactString::from(buf.as_str()), id);
        }
        self.sorted_names = OnceLock::new();
        id
    }

    fn intern_value(&mut self, value: &Value, tx: Tx, buf: &mut String) -> TermId {
        match value {
            Value::Entity(name) => self.intern_name(name, tx, buf),
            literal => {
                if let Some(&t) = self.literals().get(literal) {
                    return t;
                }
                let id = self.new_term(TermData::Literal(literal.clone()), tx);
                if let Some(literals) = self.literals.get_mut() {
                    literals.insert(literal.clone(), id);
                }
                id
            }
        }
    }

    fn intern_pred(&mut self, name: &str) -> PredId {
        if let Some(&p) = self.pred_ids.get(name) {
            return p;
        }
        let id = self.preds.len() as PredId;
        self.preds.push(PredInfo {
            name: name.into(),
            symmetric: SYMMETRIC_PREDICATES.contains(&name),
        });
        self.pred_ids.insert(name.into(), id);
        if let Some(adj) = self.by_pred.get_mut() {
            adj.lists().push(Vec::new());
        }
        id
    }

    /// The key of `s p o` in [`View::triple_ids`]: a symmetric triple is stored once,
    /// smaller term first, so `A p B` and `B p A` are one triple with one list of
    /// supports.
    fn triple_key(&self, s: TermId, p: PredId, o: TermId) -> (TermId, PredId, TermId) {
        let symmetric = self.preds.get(p as usize).is_some_and(|i| i.symmetric);
        if symmetric && o < s {
            (o, p, s)
        } else {
            (s, p, o)
        }
    }

    fn intern_triple(&mut self, s: TermId, p: PredId, o: TermId) -> TripleId {
        let symmetric = self.preds.get(p as usize).is_some_and(|i| i.symmetric);
        let (s, p, o) = self.triple_key(s, p, o);
        if let Some(t) = self.triple_ids().get((s, p, o)) {
            return t;
        }
        let id = self.triples.len() as TripleId;
        self.triples.vec().push(Triple { s, p, o });
        if let Some(ids) = self.triple_ids.get_mut() {
            ids.insert((s, p, o), id);
        }
        self.supports.push_triple();
        self.live.vec().push(0);
        push_entry(&mut self.out, s, id);
        push_entry(&mut self.inc, o, id);
        if symmetric && s != o {
            push_entry(&mut self.out, o, id | MIRROR);
            push_entry(&mut self.inc, s, id | MIRROR);
        }
        push_entry(&mut self.by_pred, p, id);
        id
    }

    /// The adjacency by subject (see the field).
    fn out(&self) -> &Adj {
        self.out.get_or_init(|| self.derive_adjacency(Side::Out))
    }

    fn inc(&self) -> &Adj {
        self.inc.get_or_init(|| self.derive_adjacency(Side::In))
    }

    fn by_pred(&self) -> &Adj {
        self.by_pred
            .get_or_init(|| self.derive_adjacency(Side::Pred))
    }

    /// Builds one adjacency from the triples by counting sort, as compressed rows.
    ///
    /// The entries of a `by_pred` list come in triple id order, as `apply` pushes them.
    /// Those of an `out` or `inc` list come by predicate, then triple id (`pred_runs`).
    /// A pattern with a constant predicate and one end bound (`?who ceo_of ?org` once
    /// `?org` is known) then reads that predicate's run of the list, found by binary
    /// search (`Snapshot::scan_lists`), instead of every fact of the entity: a popular
    /// organization's incoming list holds facts of every predicate, and filtering them
    /// cost a cache miss each on large databases.
    fn derive_adjacency(&self, side: Side) -> Adj {
        let lists = match side {
            Side::Pred => self.preds.len(),
            Side::Out | Side::In => self.first_seen.len(),
        };
        let entries_of = |id: u32, t: &Triple, f: &mut dyn FnMut(u32, u32)| {
            let mirror = t.s != t.o && self.preds.get(t.p as usize).is_some_and(|i| i.symmetric);
            match side {
                Side::Pred => f(t.p, id),
                Side::Out => {
                    f(t.s, id);
                    if mirror {
                        f(t.o, id | MIRROR);
                    }
                }
                Side::In => {
                    f(t.o, id);
                    if mirror {
                        f(t.s, id | MIRROR);
                    }
                }
            }
        };
        let pred_runs = side != Side::Pred;
        let mut offsets = vec![0u32; lists + 1];
        // Entries per predicate, for the staging pass below.
        let mut by_pred_at = vec![0usize; if pred_runs { self.preds.len() + 1 } else { 0 }];
        for (id, t) in self.triples.iter().enumerate() {
            entries_of(id as u32, t, &mut |at, _| {
                if let Some(c) = offsets
                    .get_mut(at as usize + 1)
                    .filter(|_| (at as usize) < lists)
                {
                    *c += 1;
                    if let Some(c) = by_pred_at.get_mut(t.p as usize + 1) {
                        *c += 1;
                    }
                }
            });
        }
        let mut total = 0u32;
        for o in offsets.iter_mut() {
            total += *o;
            *o = total;
        }
        let mut next = offsets.clone();
        let mut entries = vec![0u32; total as usize];
        let mut place = |at: u32, entry: u32| {
            if let Some(pos) = next.get_mut(at as usize).filter(|_| (at as usize) < lists) {
                if let Some(slot) = entries.get_mut(*pos as usize) {
                    *slot = entry;
                }
                *pos += 1;
            }
        };
        if pred_runs {
            // Two stable counting sorts, by predicate then by list: the entries are
            // staged in predicate order (triples read in id order, one pass), then placed
            // in their lists from the stage. Reading the triples in `by_pred` order
            // instead (each predicate's triples are spread over the whole array) made
            // deriving `out` and `inc` at 10M facts take 2.0 s against 0.6-1.1 s in
            // triple id order; staged, it takes 0.6-0.9 s (timed inside a rebuild).
            let mut sum = 0;
            for c in by_pred_at.iter_mut() {
                sum += *c;
                *c = sum;
            }
            let mut staged = vec![(0u32, 0u32); sum];
            for (id, t) in self.triples.iter().enumerate() {
                entries_of(id as u32, t, &mut |at, entry| {
                    let pos = by_pred_at
                        .get_mut(t.p as usize)
                        .filter(|_| (at as usize) < lists);
                    if let Some(pos) = pos {
                        if let Some(slot) = staged.get_mut(*pos) {
                            *slot = (at, entry);
                        }
                        *pos += 1;
                    }
                });
            }
            for (at, entry) in staged {
                place(at, entry);
            }
        } else {
            for (id, t) in self.triples.iter().enumerate() {
                entries_of(id as u32, t, &mut |at, entry| place(at, entry));
            }
        }
        Adj::Csr {
            offsets: Arr::Heap(offsets),
            entries: Arr::Heap(entries),
            pred_runs,
        }
    }

    fn lookup_name(&self, name: &str, buf: &mut String) -> Option<TermId> {
        fold_into(name, buf);
        self.find_name(buf)
    }

    /// The term of a folded entity name: through the checkpoint's name index while the
    /// name map is not built (no name was interned since the load), else the map.
    fn find_name(&self, folded: &str) -> Option<TermId> {
        match (self.names.get(), &self.term_index) {
            (None, Some(index)) if self.terms.is_mapped() => {
                self.terms.find_name(&index.names, folded)
            }
            _ => self.names().get(folded).copied(),
        }
    }

    /// Each name term's place in the order of folded names, from 1 (0: not a name),
    /// while the terms are the checkpoint's, whose name index gives that order; `None`
    /// once a write interned a term. Entities sort as their canonical name folded, so a
    /// column of entities sorts by these numbers alone, without reading a name
    /// (`query::exec`).
    ///
    /// A caller about to sort `rows` entities asks; the numbers are built (one pass over
    /// the index, 4 bytes a term) only once the rows asked for since the view was loaded
    /// reach a [`RANKS_AFTER_SHARE`]th of the names, and `None` until then: a process
    /// that sorts a few rows, such as one `annals query`, does not pay for numbering a
    /// million names (about 10 ms at 10M facts) to save reading a hundred.
    pub fn name_ranks(&self, rows: usize) -> Option<&[u32]> {
        let index = self
            .term_index
            .as_ref()
            .filter(|_| self.terms.is_mapped())?;
        if let Some(ranks) = self.name_ranks.get() {
            return Some(ranks);
        }
        if self.text_sorted.add(rows) < index.names.len() / RANKS_AFTER_SHARE {
            return None;
        }
        let ranks = self.name_ranks.get_or_init(|| {
            let mut ranks = vec![0u32; self.terms.len()];
            for (i, &t) in index.names.iter().enumerate() {
                if let Some(r) = ranks.get_mut(t as usize) {
                    *r = u32::try_from(i + 1).unwrap_or(u32::MAX);
                }
            }
            ranks
        });
        Some(ranks)
    }

    /// Name terms whose folded form starts with `prefix`, as [`View::find_name`] finds
    /// one: through the checkpoint's sorted names while the name map is not built, so a
    /// first prefix query does not decode every term.
    fn find_names_with_prefix(&self, prefix: &str) -> Vec<TermId> {
        match (self.names.get(), &self.term_index) {
            (None, Some(index)) if self.terms.is_mapped() => {
                self.terms.names_with_prefix(&index.names, prefix)
            }
            _ => {
                let names = self.sorted_names();
                let start = names.partition_point(|(n, _)| &**n < prefix);
                names
                    .get(start..)
                    .unwrap_or(&[])
                    .iter()
                    .take_while(|(n, _)| n.starts_with(prefix))
                    .map(|(_, t)| *t)
                    .collect()
            }
        }
    }

    /// The term of a literal value, as [`View::find_name`].
    fn find_literal(&self, value: &Value) -> Option<TermId> {
        match (self.literals.get(), &self.term_index) {
            (None, Some(index)) if self.terms.is_mapped() => {
                self.terms.find_literal(&index.literals, value)
            }
            _ => self.literals().get(value).copied(),
        }
    }

    // ---- derived indexes, built on first use -----------------------------------------
    //
    // Checkpoints do not store what can be derived: decoding a hash map costs as much
    // as building it, and most opens (a query) never touch most of these. Each is kept
    // up to date by `apply` once built; before that, `apply` leaves it alone and the
    // build sees the new terms and triples anyway.

    fn names(&self) -> &FxHashMap<CompactString, TermId> {
        self.names.get_or_init(|| {
            let mut map = FxHashMap::default();
            map.reserve(self.terms.len());
            self.terms.for_each(|i, t| {
                if let TermData::Name { folded, .. } = t {
                    map.insert(CompactString::from(&**folded), i);
                }
            });
            map
        })
    }

    fn literals(&self) -> &FxHashMap<Value, TermId> {
        self.literals.get_or_init(|| {
            let mut map = FxHashMap::default();
            self.terms.for_each(|i, t| {
                if let TermData::Literal(v) = t {
                    map.insert(v.clone(), i);
                }
            });
            map
        })
    }

    fn triple_ids(&self) -> &TripleIndex {
        self.triple_ids.get_or_init(|| {
            let mut index = TripleIndex::with_capacity(self.triples.len());
            for (i, t) in self.triples.iter().enumerate() {
                index.insert((t.s, t.p, t.o), i as TripleId);
            }
            index
        })
    }

    fn article_by_hash_map(&self) -> &FxHashMap<String, TermId> {
        self.article_by_hash.get_or_init(|| {
            // `apply` lets the later article win a shared hash: replay that order.
            let mut by_added: Vec<(Tx, TermId, &str)> = self
                .articles
                .iter()
                .map(|(t, m)| (m.added, t, m.content_hash.as_str()))
                .collect();
            by_added.sort_unstable();
            by_added
                .into_iter()
                .map(|(_, t, h)| (h.to_string(), t))
                .collect()
        })
    }

    fn supported_by(&self) -> &FxHashMap<TermId, Vec<TripleId>> {
        self.supported_by.get_or_init(|| {
            // Replay the pushes of `apply` in log order: (tx, index) of each assertion.
            let mut asserted: Vec<((Tx, u32), TermId, TripleId)> = Vec::new();
            for (i, supports) in self.supports.iter().enumerate() {
                for s in supports {
                    if let Some(src) = s.source() {
                        asserted.push((s.event(), src, i as TripleId));
                    }
                }
            }
            asserted.sort_unstable();
            let mut map: FxHashMap<TermId, Vec<TripleId>> = FxHashMap::default();
            for (_, src, triple) in asserted {
                let list = map.entry(src).or_default();
                if list.last() != Some(&triple) {
                    list.push(triple);
                }
            }
            map
        })
    }

    // ---- checkpoints ------------------------------------------------------------------

    /// True when a part of a loaded checkpoint was decoded on use and did not decode
    /// (`mapped::Lazy`): the view is then wrong, and `verify` says so.
    pub fn damaged(&self) -> bool {
        self.types.damage() || self.articles.damaged() || self.supports.damaged()
    }

    /// Compares two views by what they answer (used by `verify` and tests): the same
    /// watermark, names, triples with the same supports, aliases, types and articles.
    pub fn same_as(&self, other: &View) -> std::result::Result<(), String> {
        if self.damaged() || other.damaged() {
            return Err("a part of the checkpoint does not decode".to_string());
        }
        if self.watermark != other.watermark {
            return Err(format!(
                "watermark {} vs {}",
                self.watermark, other.watermark
            ));
        }
        if self.counters != other.counters {
            return Err(format!(
                "counters {:?} vs {:?}",
                self.counters, other.counters
            ));
        }
        if self.terms.len() != other.terms.len() || self.triples.len() != other.triples.len() {
            return Err(format!(
                "{} terms and {} triples vs {} terms and {} triples",
                self.terms.len(),
                self.triples.len(),
                other.terms.len(),
                other.triples.len()
            ));
        }
        for i in 0..self.terms.len() as TermId {
            let same = match (self.terms.get(i), other.terms.get(i)) {
                (
                    Some(TermData::Name { display: x, .. }),
                    Some(TermData::Name { display: y, .. }),
                ) => x == y,
                (Some(TermData::Literal(x)), Some(TermData::Literal(y))) => x == y,
                _ => false,
            };
            if !same {
                return Err(format!("term {i} differs"));
            }
        }
        for (i, (a, b)) in self.triples.iter().zip(other.triples.iter()).enumerate() {
            if (a.s, a.p, a.o) != (b.s, b.p, b.o) {
                return Err(format!("triple {i} differs"));
            }
        }
        if self.supports != other.supports {
            return Err("supports differ".to_string());
        }
        if *self.live != *other.live || self.live_count != other.live_count {
            return Err("liveness differs".to_string());
        }
        if self.alias_edges != other.alias_edges {
            return Err("aliases differ".to_string());
        }
        if *self.types != *other.types {
            return Err("entity types differ".to_string());
        }
        if self.articles.len() != other.articles.len() {
            return Err("articles differ".to_string());
        }
        for (k, a) in self.articles.iter() {
            let Some(b) = other.articles.get(&k) else {
                return Err("articles differ".to_string());
            };
            if a.added != b.added || a.retracted != b.retracted || a.content_hash != b.content_hash
            {
                return Err(format!("article {k} differs"));
            }
        }
        Ok(())
    }

    // ---- reading ---------------------------------------------------------------------

    /// A reader of the view as of `at` (`None`: now).
    pub fn snapshot(&self, at: Option<Tx>) -> Snapshot<'_> {
        match at {
            Some(t) if t < self.watermark => Snapshot {
                view: self,
                at: t,
                aliases: std::borrow::Cow::Owned(AliasMap::build(&self.alias_edges, t)),
                current: false,
            },
            _ => Snapshot {
                view: self,
                at: self.watermark,
                aliases: std::borrow::Cow::Borrowed(&self.current_aliases),
                current: true,
            },
        }
    }

    /// The article term whose content hash is `hash`, for duplicate detection.
    pub fn article_by_hash(&self, hash: &str) -> Option<TermId> {
        self.article_by_hash_map().get(hash).copied()
    }

    pub fn pred_id(&self, name: &str) -> Option<PredId> {
        self.pred_ids.get(name).copied()
    }

    pub fn pred(&self, p: PredId) -> Option<&PredInfo> {
        self.preds.get(p as usize)
    }

    /// Every predicate that has stored facts.
    pub fn predicates(&self) -> impl Iterator<Item = (PredId, &PredInfo)> {
        self.preds
            .iter()
            .enumerate()
            .map(|(i, p)| (i as PredId, p))
            .filter(|(i, _)| {
                self.by_pred()
                    .get(*i as usize)
                    .is_some_and(|l| !l.is_empty())
            })
    }

    pub fn term(&self, t: TermId) -> Option<&TermData> {
        self.terms.get(t)
    }

    /// Prefetches what reading term `t` will need, to `depth` (a hint; see
    /// [`TermDepth`]).
    #[inline]
    pub fn prefetch_term(&self, t: TermId, depth: TermDepth) {
        self.terms.prefetch(t, depth);
    }

    pub fn term_count(&self) -> usize {
        self.first_seen.len()
    }

    pub fn triple(&self, id: TripleId) -> Option<Triple> {
        self.triples.get(id as usize).copied()
    }

    /// The stored triple (s, p, o), as stored (no aliases, no mirror). By the map of
    /// every triple when something built it, else by the shorter of the subject's and
    /// the object's adjacency: building that map hashed every triple, most of a first
    /// provenance question (`in ?a`) once supports were read in place. Scans pay into
    /// `triple_scans`; past a quarter of the triple count, the map is built
    /// (a whole-database walk such as `export` then costs at most a quarter more than
    /// building it first did; a question costs what its triples' adjacency does).
    fn find_triple(&self, s: TermId, p: PredId, o: TermId) -> Option<TripleId> {
        // The map first: a rebuild has it and no adjacency yet, and asking for one here
        // (a retraction) would derive it mid-replay, to be kept up to date from then on.
        if let Some(ids) = self.triple_ids.get() {
            return ids.get((s, p, o));
        }
        let from = self.out().get(s as usize).unwrap_or_default();
        let to = self.inc().get(o as usize).unwrap_or_default();
        let list = if from.len() <= to.len() { from } else { to };
        let budget = self.triples.len() / 4;
        if self.triple_scans.pay(list.len()) > budget {
            return self.triple_ids().get((s, p, o));
        }
        list.iter()
            .filter(|&&e| e & MIRROR == 0)
            .find(|&&id| {
                self.triples
                    .get(id as usize)
                    .is_some_and(|t| (t.s, t.p, t.o) == (s, p, o))
            })
            .copied()
    }

    #[inline]
    pub fn supports(&self, id: TripleId) -> &[SupportRec] {
        self.supports.get(id)
    }

    /// Number of stored triples, live or not.
    pub fn triple_count(&self) -> usize {
        self.triples.len()
    }

    pub fn live_triple_count(&self) -> u64 {
        self.live_count
    }

    pub fn article(&self, t: TermId) -> Option<&ArticleMeta> {
        self.articles.get(&t)
    }

    /// Every article, in no particular order (decodes them all).
    pub fn articles(&self) -> impl Iterator<Item = (TermId, &ArticleMeta)> {
        self.articles.iter()
    }

    /// Number of articles, without decoding any.
    pub fn article_count(&self) -> usize {
        self.articles.len()
    }

    /// Estimated number of facts with `t` as subject (symmetric ones both ways).
    pub fn out_degree(&self, t: TermId) -> usize {
        self.out().get(t as usize).map_or(0, <[u32]>::len)
    }

    /// Estimated number of facts with `t` as object (symmetric ones both ways).
    pub fn in_degree(&self, t: TermId) -> usize {
        self.inc().get(t as usize).map_or(0, <[u32]>::len)
    }

    /// Number of stored triples with predicate `p`.
    pub fn pred_count(&self, p: PredId) -> usize {
        self.by_pred().get(p as usize).map_or(0, <[u32]>::len)
    }

    /// The folded names in order, for prefix search and completion.
    fn sorted_names(&self) -> &[(Box<str>, TermId)] {
        self.sorted_names.get_or_init(|| {
            let mut v: Vec<(Box<str>, TermId)> = self
                .names()
                .iter()
                .map(|(k, v)| (k.as_str().into(), *v))
                .collect();
            v.sort_unstable();
            v
        })
    }

    /// Number of distinct entities now (alias classes count once).
    pub fn entity_count(&self) -> usize {
        let merged: usize = self
            .current_aliases
            .classes()
            .map(|(_, m)| m.len() - 1)
            .sum();
        self.names().len().saturating_sub(merged)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Out,
    In,
    Pred,
}

/// Pushes `entry` on list `at` of an adjacency, if it is built.
fn push_entry(adj: &mut OnceLock<Adj>, at: u32, entry: u32) {
    if let Some(list) = adj.get_mut().and_then(|a| a.lists().get_mut(at as usize)) {
        list.push(entry);
    }
}

/// `s` with its runs of white space made one space, and none at either end. Most names
/// are already so: they are copied as they are, without splitting and joining (15 % of
/// `intern_name` in a replay).
fn collapse_spaces(s: &str) -> Box<str> {
    let mut previous_space = true;
    let collapsed = s.chars().all(|c| {
        let space = c.is_whitespace();
        let ok = !space || (c == ' ' && !previous_space);
        previous_space = space;
        ok
    }) && !previous_space;
    if collapsed || s.is_empty() {
        return s.into();
    }
    s.split_whitespace().collect::<Vec<_>>().join(" ").into()
}

/// A term as a reader sees it: an entity (by its canonical term) or a literal.
#[derive(Clone, Copy, Debug)]
pub enum TermRef<'v> {
    Entity { root: TermId, name: &'v str },
    Literal(&'v Value),
}

/// A fact as scans yield it: entity-level (terms are canonical), live as of the
/// snapshot's tx. `triple` is one stored triple behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FactRef {
    pub s: TermId,
    pub p: PredId,
    pub o: TermId,
    pub triple: TripleId,
}

/// The view as of one tx.
pub struct Snapshot<'v> {
    view: &'v View,
    at: Tx,
    aliases: std::borrow::Cow<'v, AliasMap>,
    current: bool,
}

impl<'v> Snapshot<'v> {
    pub fn view(&self) -> &'v View {
        self.view
    }

    /// The tx this snapshot answers as of.
    pub fn at(&self) -> Tx {
        self.at
    }

    /// True when the term exists as of this snapshot.
    #[inline]
    pub fn exists(&self, t: TermId) -> bool {
        self.view
            .first_seen
            .get(t as usize)
            .is_some_and(|&tx| tx <= self.at)
    }

    /// The canonical term of an entity name (folded), if it exists as of this tx.
    pub fn resolve_name(&self, name: &str) -> Option<TermId> {
        self.resolve_folded(&fold(name))
    }

    /// [`Snapshot::resolve_name`] of a name already folded ([`fold`]).
    pub fn resolve_folded(&self, folded: &str) -> Option<TermId> {
        let t = self.view.find_name(folded)?;
        self.exists(t).then(|| self.root(t))
    }

    /// The term of a literal value, if it exists as of this tx.
    pub fn resolve_literal(&self, value: &Value) -> Option<TermId> {
        let t = self.view.find_literal(value)?;
        self.exists(t).then_some(t)
    }

    #[inline]
    pub fn root(&self, t: TermId) -> TermId {
        self.aliases.root(t)
    }

    /// Every name of the class whose canonical term is `root`.
    pub fn members(&self, root: TermId) -> alias::Members<'_> {
        self.aliases.members(root)
    }

    pub fn is_entity(&self, t: TermId) -> bool {
        matches!(self.view.terms.get(t), Some(TermData::Name { .. }))
    }

    /// A term for display: entities by their canonical name.
    pub fn term(&self, t: TermId) -> Option<TermRef<'v>> {
        match self.view.terms.get(t)? {
            TermData::Name { .. } => {
                let root = self.root(t);
                match self.view.terms.get(root)? {
                    TermData::Name { display, .. } => Some(TermRef::Entity {
                        root,
                        name: display,
                    }),
                    TermData::Literal(_) => None,
                }
            }
            TermData::Literal(v) => Some(TermRef::Literal(v)),
        }
    }

    /// The canonical name of an entity term.
    pub fn name(&self, t: TermId) -> Option<&'v str> {
        match self.term(t)? {
            TermRef::Entity { name, .. } => Some(name),
            TermRef::Literal(_) => None,
        }
    }

    /// The folded canonical name, for ordering.
    pub fn folded_name(&self, t: TermId) -> Option<&'v str> {
        match self.view.terms.get(self.root(t))? {
            TermData::Name { folded, .. } => Some(folded),
            TermData::Literal(_) => None,
        }
    }

    /// The other names of an entity's class (aliases), as written.
    pub fn alias_names(&self, root: TermId) -> Vec<&'v str> {
        let view = self.view;
        self.members(root)
            .iter()
            .filter(|&&m| m != root)
            .filter_map(|&m| match view.terms.get(m) {
                Some(TermData::Name { display, .. }) => Some(&**display),
                _ => None,
            })
            .collect()
    }

    /// The entity's type as of this tx: the latest `EntityTyped` of any of its names.
    pub fn entity_type(&self, root: TermId) -> Option<EntityType> {
        self.members(root)
            .iter()
            .filter_map(|m| {
                self.view
                    .types
                    .get(m)?
                    .iter()
                    .rev()
                    .find(|(tx, _)| *tx <= self.at)
                    .copied()
            })
            .max_by_key(|(tx, _)| *tx)
            .map(|(_, t)| t)
    }

    /// Article metadata, if `t` names an article added by this tx.
    pub fn article(&self, t: TermId) -> Option<&'v ArticleMeta> {
        self.members(self.root(t))
            .iter()
            .filter_map(|m| self.view.articles.get(m))
            .find(|a| a.added <= self.at)
    }

    /// Entities an article mentions: its extractor's mentions and every entity in a fact
    /// it supports (live or not: the article still mentions them).
    pub fn mentions(&self, article: TermId) -> Vec<TermId> {
        let mut out: Vec<TermId> = Vec::new();
        for m in self.members(self.root(article)).iter() {
            if let Some(meta) = self.view.articles.get(m) {
                if meta.added <= self.at {
                    out.extend(meta.mentions.iter().map(|&t| self.root(t)));
                }
            }
            for &triple in self.view.supported_by().get(m).map_or(&[][..], |v| v) {
                let asserted_by_then = self
                    .view
                    .supports(triple)
                    .iter()
                    .any(|s| s.source() == Some(*m) && s.asserted <= self.at);
                if let (true, Some(t)) = (asserted_by_then, self.view.triple(triple)) {
                    out.push(self.root(t.s));
                    if self.is_entity(t.o) {
                        out.push(self.root(t.o));
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// True when the triple has a support live as of this tx.
    #[inline]
    pub fn triple_live(&self, triple: TripleId) -> bool {
        if self.current {
            return self.view.live.get(triple as usize).is_some_and(|&l| l != 0);
        }
        self.view
            .supports(triple)
            .iter()
            .any(|s| s.live_at(self.at))
    }

    /// Supports of a stored triple live as of this tx.
    pub fn live_supports(&self, triple: TripleId) -> impl Iterator<Item = &'v SupportRec> + '_ {
        let at = self.at;
        self.view
            .supports(triple)
            .iter()
            .filter(move |s| s.live_at(at))
    }

    /// Every stored triple (live or not) that denotes entity-level (s, p, o), with `s`
    /// and `o` canonical terms; both directions for a symmetric predicate.
    pub fn stored_triples(&self, s: TermId, p: PredId, o: TermId) -> Vec<TripleId> {
        let symmetric = self.view.pred(p).is_some_and(|i| i.symmetric);
        let mut out = Vec::new();
        for &sm in self.members(s).iter() {
            for &om in self.members(o).iter() {
                if let Some(t) = self.view.find_triple(sm, p, om) {
                    out.push(t);
                }
                if symmetric {
                    if let Some(t) = self.view.find_triple(om, p, sm) {
                        out.push(t);
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Live facts with subject `s` (a canonical term), optionally of predicate `p`.
    /// Each entity-level fact is yielded once.
    pub fn facts_from(&self, s: TermId, p: Option<PredId>, f: &mut dyn FnMut(FactRef)) {
        self.scan_adjacency(self.view.out(), s, p, true, f)
    }

    /// Live facts with object `o` (a canonical term), optionally of predicate `p`.
    pub fn facts_to(&self, o: TermId, p: Option<PredId>, f: &mut dyn FnMut(FactRef)) {
        self.scan_adjacency(self.view.inc(), o, p, false, f)
    }

    fn scan_adjacency(
        &self,
        lists: &Adj,
        anchor: TermId,
        p: Option<PredId>,
        outgoing: bool,
        f: &mut dyn FnMut(FactRef),
    ) {
        // Two copies of the scan, so that a view too small to prefetch pays nothing for
        // it: one loop testing a flag cost Q4 at 400k facts 24% more instructions in the
        // scan.
        if self.view.triple_count() >= PREFETCH_FROM_TRIPLES {
            self.scan_lists::<true>(lists, anchor, p, outgoing, f);
        } else {
            self.scan_lists::<false>(lists, anchor, p, outgoing, f);
        }
    }

    /// [`Snapshot::scan_adjacency`], prefetching rows ahead or not.
    #[inline(never)]
    fn scan_lists<const PREFETCH: bool>(
        &self,
        lists: &Adj,
        anchor: TermId,
        p: Option<PredId>,
        outgoing: bool,
        f: &mut dyn FnMut(FactRef),
    ) {
        let members = self.members(anchor);
        let mut seen: Option<FxHashSet<(PredId, TermId)>> = None;
        if members.len() > 1 {
            seen = Some(FxHashSet::default());
        }
        for &m in members.iter() {
            let Some(mut list) = lists.get(m as usize) else {
                continue;
            };
            if let Some(p) = p.filter(|_| lists.has_pred_runs()) {
                list = self.pred_run(list, p);
            }
            for (i, &entry) in list.iter().enumerate() {
                if PREFETCH {
                    self.prefetch_scan(list, i);
                }
                let id = entry & !MIRROR;
                let Some(t) = self.view.triples.get(id as usize) else {
                    continue;
                };
                if p.is_some_and(|p| p != t.p) || !self.triple_live(id) {
                    continue;
                }
                let mirrored = entry & MIRROR != 0;
                // The far end of the edge from the anchor's side.
                let other = if outgoing != mirrored { t.o } else { t.s };
                let other_root = self.root(other);
                if seen.is_none() && self.aliases.is_merged(other) {
                    // Two names of one entity can carry the same fact: from here on,
                    // yield each (predicate, entity) once.
                    seen = Some(FxHashSet::default());
                }
                if let Some(seen) = seen.as_mut() {
                    if !seen.insert((t.p, other_root)) {
                        continue;
                    }
                }
                let (s, o) = if outgoing {
                    (anchor, other_root)
                } else {
                    (other_root, anchor)
                };
                f(FactRef {
                    s,
                    p: t.p,
                    o,
                    triple: id,
                });
            }
        }
    }

    /// The entries of predicate `p` in `list`, a list of an adjacency with
    /// [`Adj::has_pred_runs`]: found by binary search, a triple read a step. Short lists
    /// are returned whole, for the scan's own filter: reading them costs less than the
    /// search.
    fn pred_run<'l>(&self, list: &'l [u32], p: PredId) -> &'l [u32] {
        if list.len() < PRED_RUN_SEARCH_FROM {
            return list;
        }
        let pred_of = |entry: &u32| {
            self.view
                .triples
                .get((entry & !MIRROR) as usize)
                .map_or(PredId::MAX, |t| t.p)
        };
        let start = list.partition_point(|e| pred_of(e) < p);
        let rest = list.get(start..).unwrap_or_default();
        let len = rest.partition_point(|e| pred_of(e) == p);
        rest.get(..len).unwrap_or_default()
    }

    /// Prefetches what the rows after row `i` of an adjacency scan will read first, from
    /// their entries alone: the triple and the live flag (or, as of a past tx, the
    /// supports' offsets, then their first record). At 10M facts each is a cache miss
    /// a row; asked for ahead, the misses of several rows overlap. The far ends' terms
    /// are left to the sort and the output (`query::exec`): reaching them here needs the
    /// triple first, and rows of another predicate would fetch them for nothing.
    #[inline]
    fn prefetch_scan(&self, list: &[u32], i: usize) {
        let view = self.view;
        if let Some(&entry) = list.get(i + 8) {
            let id = entry & !MIRROR;
            if let Some(t) = view.triples.get(id as usize) {
                mapped::prefetch(t);
            }
            if self.current {
                if let Some(live) = view.live.get(id as usize) {
                    mapped::prefetch(live);
                }
            } else {
                view.supports.prefetch_offsets(id);
            }
        }
        if !self.current {
            if let Some(&entry) = list.get(i + 4) {
                view.supports.prefetch_records(entry & !MIRROR);
            }
        }
    }

    /// Every live fact, optionally of predicate `p`, each entity-level fact once and
    /// symmetric ones in both directions.
    pub fn facts(&self, p: Option<PredId>, f: &mut dyn FnMut(FactRef)) {
        let ids: Box<dyn Iterator<Item = TripleId>> = match p {
            Some(p) => Box::new(
                self.view
                    .by_pred()
                    .get(p as usize)
                    .unwrap_or_default()
                    .iter()
                    .copied(),
            ),
            None => Box::new(0..self.view.triples.len() as TripleId),
        };
        let mut seen: FxHashSet<(TermId, PredId, TermId)> = FxHashSet::default();
        let merged_any = !self.aliases.is_empty();
        for id in ids {
            let Some(t) = self.view.triples.get(id as usize) else {
                continue;
            };
            if !self.triple_live(id) {
                continue;
            }
            let symmetric = self.view.pred(t.p).is_some_and(|i| i.symmetric);
            let (s, o) = (self.root(t.s), self.root(t.o));
            let mut emit = |s: TermId, o: TermId, f: &mut dyn FnMut(FactRef)| {
                if merged_any
                    && (self.aliases.is_merged(t.s) || self.aliases.is_merged(t.o))
                    && !seen.insert((s, t.p, o))
                {
                    return;
                }
                f(FactRef {
                    s,
                    p: t.p,
                    o,
                    triple: id,
                })
            };
            emit(s, o, f);
            if symmetric && s != o {
                emit(o, s, f);
            }
        }
    }

    /// Adjacency entries of every name that aliases merged with another: what
    /// [`Snapshot::fact_rows_by_pred`] walks.
    fn merged_walk_len(&self) -> usize {
        self.aliases
            .classes()
            .flat_map(|(_, members)| members.iter())
            .map(|&m| {
                [self.view.out(), self.view.inc()]
                    .iter()
                    .map(|adj| adj.get(m as usize).map_or(0, |l| l.len()))
                    .sum::<usize>()
            })
            .sum()
    }

    /// The rows [`Snapshot::facts`]`(None)` yields, per predicate id: at the view's
    /// current tx only (`None` as of an earlier one). The first call computes them and
    /// the view keeps them up to date through writes (recomputing only after a write
    /// that touches a merged entity), so a session that asks again (a dashboard, a
    /// script, the REPL) pays nothing for a database of any size.
    ///
    /// Computing them starts from the counts `set_live` maintains, which are right for
    /// every triple but those of merged entities: two names of one entity can state one
    /// fact twice, so those triples are walked and deduplicated. Merged entities are
    /// often the popular ones: when their adjacency entries number more than one in
    /// `MERGED_WALK_SHARE` (16) stored triples, one plain pass over every fact costs less
    /// than hashing them.
    pub fn fact_rows_by_pred(&self) -> Option<Vec<u64>> {
        self.fact_rows_by_pred_walking(self.view.triple_count() / MERGED_WALK_SHARE)
    }

    /// [`Snapshot::fact_rows_by_pred`] with the walk's limit given: 0 makes a first
    /// computation one plain pass over every fact (tests compare the two ways).
    pub fn fact_rows_by_pred_walking(&self, max_walk: usize) -> Option<Vec<u64>> {
        if !self.current {
            return None;
        }
        let rows = self.view.fact_rows.get_or_init(|| {
            if !self.aliases.is_empty() && self.merged_walk_len() > max_walk {
                let mut rows = vec![0u64; self.view.preds.len()];
                self.facts(None, &mut |f| {
                    if rows.len() <= f.p as usize {
                        rows.resize(f.p as usize + 1, 0);
                    }
                    if let Some(n) = rows.get_mut(f.p as usize) {
                        *n += 1;
                    }
                });
                rows
            } else {
                self.fact_rows_from_counts()
            }
        });
        Some(rows.clone())
    }

    /// [`Snapshot::fact_rows_by_pred`] from the maintained counts, walking only the
    /// triples of merged entities; never cached. Meaningful at the current tx only.
    pub fn fact_rows_from_counts(&self) -> Vec<u64> {
        let mut rows: Vec<u64> = self
            .view
            .pred_live()
            .iter()
            .map(|[n, two]| n + two)
            .collect();
        if self.aliases.is_empty() {
            return rows;
        }
        let mut touched: FxHashSet<TripleId> = FxHashSet::default();
        for (_, members) in self.aliases.classes() {
            for &m in members {
                for adj in [self.view.out(), self.view.inc()] {
                    for &entry in adj.get(m as usize).unwrap_or_default() {
                        touched.insert(entry & !MIRROR);
                    }
                }
            }
        }
        let mut seen: FxHashSet<(TermId, PredId, TermId)> = FxHashSet::default();
        for id in touched {
            let Some(t) = self.view.triples.get(id as usize) else {
                continue;
            };
            // The same rule as `facts`: only triples with a merged end are deduplicated.
            if !self.triple_live(id)
                || !(self.aliases.is_merged(t.s) || self.aliases.is_merged(t.o))
            {
                continue;
            }
            let symmetric = self.view.pred(t.p).is_some_and(|i| i.symmetric);
            let Some(n) = rows.get_mut(t.p as usize) else {
                continue;
            };
            *n = n.saturating_sub(1 + u64::from(symmetric && t.s != t.o));
            let (s, o) = (self.root(t.s), self.root(t.o));
            *n += u64::from(seen.insert((s, t.p, o)));
            if symmetric && s != o {
                *n += u64::from(seen.insert((o, t.p, s)));
            }
        }
        rows
    }

    /// Articles and notes supporting entity-level (s, p, o) as of this tx.
    pub fn sources(&self, s: TermId, p: PredId, o: TermId) -> Vec<TermId> {
        let mut out: Vec<TermId> = self
            .stored_triples(s, p, o)
            .into_iter()
            .flat_map(|t| self.live_supports(t).filter_map(|s| s.source()))
            .map(|src| self.root(src))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Entity-level facts as of this tx: (live, retracted). Two stored triples that
    /// aliases make one fact count once; a fact is retracted when it was asserted and no
    /// support of it is live.
    pub fn fact_counts(&self) -> (u64, u64) {
        let (mut live, mut dead) = (0u64, 0u64);
        // The triples with a merged end, as their entity-level fact above its live bit,
        // sorted and counted once per fact below. A map from fact to liveness did the
        // same with a random insert each: most of `stats` at 10M facts (1.1 of 2 s).
        let mut merged: Vec<u128> = Vec::new();
        for (id, t) in self.view.triples.iter().enumerate() {
            let id = id as TripleId;
            // Every stored triple was asserted by the watermark: only a past snapshot
            // reads the supports (a cache miss a triple, most of a rebuild's count).
            let asserted =
                self.current || self.view.supports(id).iter().any(|s| s.asserted <= self.at);
            if !asserted {
                continue;
            }
            let is_live = self.triple_live(id);
            if self.aliases.is_merged(t.s) || self.aliases.is_merged(t.o) {
                let (mut s, mut o) = (self.root(t.s), self.root(t.o));
                if o < s && self.view.pred(t.p).is_some_and(|i| i.symmetric) {
                    std::mem::swap(&mut s, &mut o);
                }
                let fact = (u128::from(s) << 64) | (u128::from(t.p) << 32) | u128::from(o);
                merged.push((fact << 1) | u128::from(is_live));
            } else if is_live {
                live += 1;
            } else {
                dead += 1;
            }
        }
        merged.sort_unstable();
        for copies in merged.chunk_by(|a, b| a >> 1 == b >> 1) {
            // Sorted, a live copy of a fact comes last.
            if copies.last().is_some_and(|c| c & 1 == 1) {
                live += 1;
            } else {
                dead += 1;
            }
        }
        (live, dead)
    }

    /// Canonical terms of entities with a name or alias whose folded form starts with
    /// `prefix` (folded by the caller), existing as of this tx.
    pub fn names_with_prefix(&self, folded_prefix: &str) -> Vec<TermId> {
        let mut out: Vec<TermId> = self
            .view
            .find_names_with_prefix(folded_prefix)
            .into_iter()
            .filter(|&t| self.exists(t))
            .map(|t| self.root(t))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every entity name existing as of this tx, as canonical terms, each once.
    pub fn entities(&self) -> Vec<TermId> {
        let mut out: Vec<TermId> = self
            .view
            .names()
            .values()
            .filter(|&&t| self.exists(t))
            .map(|&t| self.root(t))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl View {
    /// Triples an article or note term supports (live or not).
    pub fn supported_triples(&self, source: TermId) -> Vec<TripleId> {
        self.supported_by()
            .get(&source)
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{FactAsserted, FactRetracted, Support};

    fn fact(s: &str, p: &str, o: &str, article: &str) -> Event {
        Event::FactAsserted(FactAsserted {
            subject: s.into(),
            predicate: p.into(),
            object: Value::Entity(o.into()),
            support: Support::from_source(Source::Article(article.into())),
        })
    }

    fn commit(view: &mut View, events: Vec<Event>) {
        let c = Commit {
            tx: view.watermark() + 1,
            time: chrono::DateTime::from_timestamp(0, 0).unwrap(),
            events,
        };
        view.apply(&c).unwrap();
    }

    fn names_from(snap: &Snapshot, s: &str) -> Vec<String> {
        let root = snap.resolve_name(s).unwrap();
        let mut out = Vec::new();
        snap.facts_from(root, None, &mut |f| {
            out.push(format!(
                "{} {}",
                snap.view().pred(f.p).unwrap().name,
                snap.name(f.o).unwrap()
            ))
        });
        out.sort();
        out
    }

    /// `fact_counts` against the rule it applies, counted the plain way: every stored
    /// triple asserted by the tx becomes its entity-level fact (ends through the aliases,
    /// a symmetric one smaller end first), which is live when any of its triples is.
    /// Random events over a few names (two of which fold alike) and predicates (one
    /// symmetric, one literal): aliases, retractions of one article's support or of
    /// every support, and assertions with entity and literal objects.
    fn random_events(
        len: std::ops::Range<usize>,
    ) -> impl proptest::strategy::Strategy<Value = Vec<Event>> {
        use proptest::strategy::Strategy;
        const NAMES: [&str; 7] = ["A", "B", "C", "D", "E", "a", "Ｆ"];
        const PREDS: [&str; 4] = ["partner_of", "ceo_of", "sells_to", "amount"];
        // (kind, subject, predicate, object, article)
        let event = (
            0..12usize,
            0..NAMES.len(),
            0..PREDS.len(),
            0..NAMES.len(),
            0..5usize,
        )
            .prop_map(|(kind, s, p, o, a)| {
                let (s, p, o, article) = (NAMES[s], PREDS[p], NAMES[o], format!("a{a}"));
                match kind {
                    0 => Event::AliasAdded {
                        alias: s.into(),
                        canonical: o.into(),
                    },
                    1 | 2 => Event::FactRetracted(FactRetracted {
                        subject: s.into(),
                        predicate: p.into(),
                        object: Value::Entity(o.into()),
                        article: Some(article.into()).filter(|_| kind == 1),
                        reason: None,
                    }),
                    3 => Event::FactAsserted(FactAsserted {
                        subject: s.into(),
                        predicate: p.into(),
                        object: Value::Int(a as i64),
                        support: Support::from_source(Source::Article(article.into())),
                    }),
                    _ => fact(s, p, o, &article),
                }
            });
        proptest::collection::vec(event, len)
    }

    #[test]
    fn fact_counts_are_entity_level_facts_counted_once() {
        crate::testing::for_random(random_events(1..60), |events| {
            let mut v = View::new();
            for event in events {
                commit(&mut v, vec![event]);
            }
            for at in [None, Some(v.watermark() / 2)] {
                let snap = v.snapshot(at);
                let mut facts: FxHashMap<(TermId, PredId, TermId), bool> = FxHashMap::default();
                for (id, t) in v.triples.iter().enumerate() {
                    let id = id as TripleId;
                    if !v.supports(id).iter().any(|s| s.asserted <= snap.at()) {
                        continue;
                    }
                    let (mut s, mut o) = (snap.root(t.s), snap.root(t.o));
                    if o < s && v.pred(t.p).is_some_and(|i| i.symmetric) {
                        std::mem::swap(&mut s, &mut o);
                    }
                    *facts.entry((s, t.p, o)).or_insert(false) |= snap.triple_live(id);
                }
                let live = facts.values().filter(|&&l| l).count() as u64;
                let dead = facts.len() as u64 - live;
                assert_eq!(snap.fact_counts(), (live, dead), "at {at:?}");
            }
        });
    }

    /// What `look_ahead` finds before a window is applied is what applying it finds:
    /// the same log gives the same view with it and without, in commits of any size
    /// (windows cut mid-commit), with names, literals and triples new and repeated
    /// within a window, symmetric triples both ways, aliases and retractions.
    #[test]
    fn looking_ahead_changes_nothing() {
        let cuts = proptest::collection::vec(1..80usize, 1..8);
        crate::testing::for_random((random_events(1..120), cuts), |(events, cuts)| {
            let (mut with, mut without) = (View::new(), View::new());
            let mut rest = &events[..];
            for &cut in cuts.iter().cycle() {
                if rest.is_empty() {
                    break;
                }
                let (now, later) = rest.split_at(cut.min(rest.len()));
                rest = later;
                let c = Commit {
                    tx: with.watermark() + 1,
                    time: chrono::DateTime::from_timestamp(0, 0).unwrap(),
                    events: now.to_vec(),
                };
                with.apply_looking_ahead(&c, true).unwrap();
                without.apply_looking_ahead(&c, false).unwrap();
            }
            assert_eq!(with.same_as(&without), Ok(()));
        });
    }

    #[test]
    fn symmetric_aliases_and_retractions() {
        let mut v = View::new();
        commit(&mut v, vec![fact("G42", "partner_of", "OpenAI", "a1")]);
        commit(&mut v, vec![fact("OpenAI", "partner_of", "G42", "a2")]);
        commit(&mut v, vec![fact("Elon Mask", "ceo_of", "X Corp", "a2")]);
        commit(
            &mut v,
            vec![Event::AliasAdded {
                alias: "Elon Mask".into(),
                canonical: "Elon Musk".into(),
            }],
        );
        commit(&mut v, vec![fact("Elon Musk", "ceo_of", "X Corp", "a3")]);
        let now = v.snapshot(None);
        assert_eq!(
            now.fact_counts(),
            (2, 0),
            "aliases make two stored triples one fact"
        );
        assert_eq!(v.snapshot(Some(4)).fact_counts(), (2, 0));
        assert_eq!(names_from(&now, "openai"), vec!["partner_of G42"]);
        assert_eq!(names_from(&now, "ELON MASK"), vec!["ceo_of X Corp"]);
        assert_eq!(
            now.name(now.resolve_name("elon mask").unwrap()),
            Some("Elon Musk")
        );
        let then = v.snapshot(Some(3));
        assert_eq!(
            then.name(then.resolve_name("elon mask").unwrap()),
            Some("Elon Mask")
        );
        assert!(then.resolve_name("Elon Musk").is_none());

        commit(
            &mut v,
            vec![Event::FactRetracted(FactRetracted {
                subject: "G42".into(),
                predicate: "partner_of".into(),
                object: Value::Entity("OpenAI".into()),
                article: Some("a1".into()),
                reason: None,
            })],
        );
        assert_eq!(
            names_from(&v.snapshot(None), "G42"),
            vec!["partner_of OpenAI"]
        );
        commit(
            &mut v,
            vec![Event::ArticleRetracted {
                id: "a2".into(),
                reason: None,
            }],
        );
        assert!(names_from(&v.snapshot(None), "G42").is_empty());
        assert_eq!(
            names_from(&v.snapshot(Some(5)), "G42"),
            vec!["partner_of OpenAI"]
        );
        let mut all = Vec::new();
        v.snapshot(Some(2)).facts(None, &mut |f| all.push(f));
        assert_eq!(all.len(), 2, "a symmetric fact answers both ways");
    }

    #[test]
    fn collapse_spaces_copies_only_names_already_collapsed() {
        for s in [
            "",
            " ",
            "a",
            "Tému Labs",
            " a",
            "a ",
            "a  b",
            "a\tb",
            "a\u{a0}b",
            "a b c",
            "\n",
        ] {
            let slow: Box<str> = s.split_whitespace().collect::<Vec<_>>().join(" ").into();
            assert_eq!(collapse_spaces(s), slow, "{s:?}");
        }
    }
}
