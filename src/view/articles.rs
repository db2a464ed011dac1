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

/// Decodes one record (`snap.rs` passes its bincode reader).
type Decode = fn(&[u8]) -> Option<ArticleMeta>;

/// The checkpointed articles of format 7 (module doc).
#[derive(Clone, Debug, Default)]
pub struct Sorted {
    terms: Arr<u32>,
    offsets: Arr<u64>,
    records: Arr<u8>,
    decode: Option<Decode>,
    chunks: Vec<OnceLock<Chunk>>,
    /// Made on first use: terms are put in buckets by `term >> shift`, about one term a
    /// bucket, and `starts[b]..starts[b + 1]` are bucket `b`'s positions. One pass over
    /// the terms (4 bytes an article: 2 MB and about a millisecond at 10M facts).
    buckets: OnceLock<(u32, Vec<u32>)>,
}

/// See [`Sorted::buckets`]. Terms out of order (a forged file) make wrong buckets, read
/// as missing articles, never a panic.
fn buckets(terms: &[u32]) -> (u32, Vec<u32>) {
    let max = terms.iter().copied().max().unwrap_or(0);
    let target = terms.len().max(1).next_power_of_two();
    let mut shift = 0u32;
    while shift < 32 && (max >> shift) as usize >= target {
        shift += 1;
    }
    let n = (max.checked_shr(shift).unwrap_or(0) as usize) + 1;
    let mut starts = vec![0u32; n + 1];
    for &t in terms {
        if let Some(c) = starts.get_mut((t >> shift) as usize + 1) {
            *c += 1;
        }
    }
    let mut total = 0u32;
    for s in starts.iter_mut() {
        total += *s;
        *s = total;
    }
    (shift, starts)
}

impl Sorted {
    /// `None` unless there is one offset per term and one more, the first 0 and the
    /// last the records' length (those between, and the terms' order, are checked when
    /// read).
    pub fn new(
        terms: Arr<u32>,
        offsets: Arr<u64>,
        records: Arr<u8>,
        decode: Decode,
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
            buckets: OnceLock::new(),
        })
    }

    /// Where term `t` is in the sorted terms, through [`Sorted::buckets`]: two loads and
    /// a search of about one term. A binary search over the terms made a warm
    /// provenance question (`in ?a, ?a published ?d`) 8% dearer than the hash map it
    /// replaces; an interpolation search more still (article terms are not spread
    /// evenly enough).
    #[inline]
    fn position(&self, t: TermId) -> Option<usize> {
        let terms: &[u32] = &self.terms;
        let (shift, starts) = self.buckets.get_or_init(|| buckets(terms));
        let b = (t >> shift) as usize;
        let from = *starts.get(b)? as usize;
        let to = *starts.get(b.checked_add(1)?)? as usize;
        let window = terms.get(from..to)?;
        // About one term a bucket: a scan (a forged file's big bucket is searched).
        if window.len() <= 8 {
            return window.iter().position(|&x| x == t).map(|i| from + i);
        }
        window.binary_search(&t).ok().map(|i| from + i)
    }

    /// Decodes the record at position `i` (not cached).
    fn decode(&self, i: usize) -> Option<ArticleMeta> {
        let from = usize::try_from(*self.offsets.get(i)?).ok()?;
        let to = usize::try_from(*self.offsets.get(i.checked_add(1)?)?).ok()?;
        (self.decode?)(self.records.get(from..to)?)
    }

    #[inline]
    fn at(&self, i: usize) -> Option<&ArticleMeta> {
        let chunk = self.chunks.get(i / CHUNK)?;
        if let Some(meta) = chunk.get().and_then(|c| c.get(i % CHUNK)?.get()) {
            return meta.as_ref();
        }
        let chunk = chunk.get_or_init(|| {
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

    #[inline]
    fn base_get(&self, t: TermId) -> Option<&ArticleMeta> {
        match &self.base {
            Base::Sorted(s) => s.at(s.position(t)?),
            Base::Map(m) => m.get(&t),
        }
    }

    /// Whether the checkpoint has an article for `t`, without decoding it.
    fn base_has(&self, t: TermId) -> bool {
        match &self.base {
            Base::Sorted(s) => s.position(t).is_some(),
            Base::Map(m) => m.contains_key(&t),
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
        if !self.changed.contains_key(&t) && !self.base_has(t) {
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

    /// True when a checkpointed article does not decode, or the terms are out of order
    /// (decodes every article: for `verify`).
    pub fn damaged(&self) -> bool {
        match &self.base {
            Base::Sorted(s) => s.damaged(),
            Base::Map(m) => m.damage(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_those_of_a_binary_search() {
        let spreads: Vec<Vec<u32>> = vec![
            vec![],
            vec![7],
            (0..1000).map(|i| i * 3 + 1).collect(),
            // Skewed: most terms bunched at the start, a few far away.
            (0..500)
                .chain([10_000, 1 << 20, u32::MAX - 1, u32::MAX])
                .collect(),
            (0..300).map(|i: u32| i * i).collect(),
        ];
        for terms in spreads {
            let n = terms.len();
            let sorted = Sorted::new(
                Arr::Heap(terms.clone()),
                Arr::Heap(vec![0; n + 1]),
                Arr::Heap(Vec::new()),
                |_| None,
            )
            .unwrap();
            let probes = terms
                .iter()
                .flat_map(|&t| [t, t.wrapping_add(1), t.wrapping_sub(1)])
                .chain([0, 2, u32::MAX]);
            for t in probes {
                assert_eq!(sorted.position(t), terms.binary_search(&t).ok(), "{t}");
            }
        }
    }
}
