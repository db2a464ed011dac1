//! Article metadata by term: read one at a time from the checkpoint, with the articles
//! written since kept aside.
//!
//! A checkpoint (format 7 on, `snap.rs` sections 4-6) stores the article terms sorted
//! (`u32` each), one `u64` offset per article (and one more) into the records, and each
//! record the bincode of its [`ArticleMeta`]. An article is found by binary search and
//! decoded on first use, into a cache of chunks of [`CHUNK`] articles made on first use
//! too: a first `?a published ?d` of a process decodes the articles it asks about, not
//! the 500k of a 10M-fact database (format 6 decoded them all into a hash map, two
//! thirds of a first provenance question at 1M facts once supports were read in place).
//! Format 5-6's one bincode map still loads, and is decoded whole on first use.
//!
//! Writes never touch the checkpointed part: an article added, or a checkpointed one
//! retracted, is kept whole in `changed`, which a read looks in first (when not empty).
//! A replay from the empty view keeps every article there (a hash map, as before).
//!
//! A record that does not decode, or terms out of order, read as no article, never a
//! panic, and [`Articles::damaged`] (asked by `verify`) reports them.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::mapped::{Arr, Lazy};
use super::{ArticleMeta, TermId};

/// Articles decoded together, on first use of one of them.
pub const CHUNK: usize = 64;

type Chunk = Box<[OnceLock<Option<ArticleMeta>>]>;

/// The checkpointed articles of format 7 (module doc).
#[derive(Clone, Debug, Default)]
pub struct Sorted {
    terms: Arr<u32>,
    offsets: Arr<u64>,
    records: Arr<u8>,
    decode: Option<fn(&[u8]) -> Option<ArticleMeta>>,
    chunks: Vec<OnceLock<Chunk>>,
}

impl Sorted {
    /// `None` unless there is one offset per term and one more, the first 0 and the
    /// last the records' length (those between, and the terms' order, are checked when
    /// read).
    pub fn new(
        terms: Arr<u32>,
        offsets: Arr<u64>,
        records: Arr<u8>,
        decode: fn(&[u8]) -> Option<ArticleMeta>,
    ) -> Option<Sorted> {
        let ok = offsets.len() == terms.len().checked_add(1)?
            && offsets.first() == Some(&0)
            && offsets.last().map(|&l| l as usize) == Some(records.len());
        let chunks = (0..terms.len().div_ceil(CHUNK))
            .map(|_| OnceLock::new())
            .collect();
        ok.then_some(Sorted {
            terms,
            offsets,
            records,
            decode: Some(decode),
            chunks,
        })
    }

    fn position(&self, t: TermId) -> Option<usize> {
        self.terms.binary_search(&t).ok()
    }

    /// Decodes the record at position `i` (not cached).
    fn decode(&self, i: usize) -> Option<ArticleMeta> {
        let from = usize::try_from(*self.offsets.get(i)?).ok()?;
        let to = usize::try_from(*self.offsets.get(i.checked_add(1)?)?).ok()?;
        (self.decode?)(self.records.get(from..to)?)
    }

    fn at(&self, i: usize) -> Option<&ArticleMeta> {
        let chunk = self.chunks.get(i / CHUNK)?.get_or_init(|| {
            let n = CHUNK.min(self.terms.len() - i / CHUNK * CHUNK);
            (0..n).map(|_| OnceLock::new()).collect()
        });
        chunk
            .get(i % CHUNK)?
            .get_or_init(|| self.decode(i))
            .as_ref()
    }

    fn damaged(&self) -> bool {
        self.terms.windows(2).any(|w| matches!(w, [a, b] if a >= b))
            || (0..self.terms.len()).any(|i| self.decode(i).is_none())
    }
}

/// Where the checkpointed articles are.
#[derive(Clone, Debug)]
enum Base {
    /// Format 7 on.
    Sorted(Sorted),
    /// Format 5-6: one map, decoded whole on first use.
    Map(Lazy<FxHashMap<TermId, ArticleMeta>>),
}

/// See the module doc.
#[derive(Clone, Debug)]
pub struct Articles {
    base: Base,
    /// Articles added or changed since the checkpoint, whole.
    changed: FxHashMap<TermId, ArticleMeta>,
    /// Terms in `changed` and not in `base`.
    added: usize,
}

impl Default for Articles {
    fn default() -> Self {
        Articles::from_map(Lazy::default())
    }
}

impl Articles {
    pub fn sorted(base: Sorted) -> Articles {
        Articles {
            base: Base::Sorted(base),
            changed: FxHashMap::default(),
            added: 0,
        }
    }

    pub fn from_map(map: Lazy<FxHashMap<TermId, ArticleMeta>>) -> Articles {
        Articles {
            base: Base::Map(map),
            changed: FxHashMap::default(),
            added: 0,
        }
    }

    fn base_get(&self, t: TermId) -> Option<&ArticleMeta> {
        match &self.base {
            Base::Sorted(s) => s.at(s.position(t)?),
            Base::Map(m) => m.get(&t),
        }
    }

    fn base_len(&self) -> usize {
        match &self.base {
            Base::Sorted(s) => s.terms.len(),
            Base::Map(m) => m.len(),
        }
    }

    #[inline]
    pub fn get(&self, t: &TermId) -> Option<&ArticleMeta> {
        if !self.changed.is_empty() {
            if let Some(a) = self.changed.get(t) {
                return Some(a);
            }
        }
        self.base_get(*t)
    }

    /// Adds or replaces the article of term `t`.
    pub fn insert(&mut self, t: TermId, meta: ArticleMeta) {
        if !self.changed.contains_key(&t) && self.base_get(t).is_none() {
            self.added += 1;
        }
        self.changed.insert(t, meta);
    }

    /// The article of term `t` to write to (copied aside first if checkpointed).
    pub fn get_mut(&mut self, t: &TermId) -> Option<&mut ArticleMeta> {
        if !self.changed.contains_key(t) {
            let meta = self.base_get(*t)?.clone();
            self.changed.insert(*t, meta);
        }
        self.changed.get_mut(t)
    }

    /// Number of articles; decodes none of format 7's.
    pub fn len(&self) -> usize {
        self.base_len() + self.added
    }

    /// Every article, in no particular order (decodes them all).
    pub fn iter(&self) -> impl Iterator<Item = (TermId, &ArticleMeta)> + '_ {
        let base: Box<dyn Iterator<Item = (TermId, &ArticleMeta)> + '_> = match &self.base {
            Base::Sorted(s) => Box::new(
                s.terms
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &t)| Some((t, s.at(i)?))),
            ),
            Base::Map(m) => Box::new(m.iter().map(|(&t, a)| (t, a))),
        };
        base.filter(|(t, _)| !self.changed.contains_key(t))
            .chain(self.changed.iter().map(|(&t, a)| (t, a)))
    }

    /// Every article sorted by term, for a checkpoint.
    pub fn sorted_terms(&self) -> Vec<TermId> {
        let mut terms: Vec<TermId> = self.iter().map(|(t, _)| t).collect();
        terms.sort_unstable();
        terms
    }

    /// True when a checkpointed article does not decode, or the terms are out of order
    /// (decodes every article: for `verify`).
    pub fn damaged(&self) -> bool {
        match &self.base {
            Base::Sorted(s) => s.damaged(),
            Base::Map(m) => m.damage(),
        }
    }
}
