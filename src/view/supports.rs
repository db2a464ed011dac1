//! The supports of every triple: read in place from the checkpoint, with the lists
//! written since kept aside.
//!
//! A checkpoint (format 7 on, `snap.rs` sections 14-15) stores them as compressed sparse
//! rows: one `u32` offset per triple (and one more) into one array of fixed-width
//! [`SupportRec`]s (24 bytes). Both are read in place from the map, so the supports of
//! one triple cost two offset reads and a slice, and a first `as of`, provenance (`in
//! ?a`) or `why` of a process touches the pages of the triples it asks about, not every
//! triple's. Format 5-6 stored them as varints, decodable only from the start: those are
//! decoded on first use into the same two arrays, in the heap (two allocations, about
//! 28 bytes a triple instead of the 56 of a list per triple that format 6 built).
//!
//! Writes after the load never touch the mapped arrays: a support added to or retracted
//! from a checkpointed triple copies that triple's list into `changed` (a hash map: the
//! writes of a process are few next to the triples of a checkpoint), and triples interned
//! after it get a list each in `tail`, which is also where a replay from the empty view
//! keeps everything (one inline record per triple, no allocation for the usual single
//! support). A read looks in `changed` only when it is not empty.
//!
//! Rejected: keeping the format 6 varints and an offset per triple into them (a third
//! the bytes, but a read decodes, and `as of` reads the supports of every triple a scan
//! meets; a slice of fixed records also serves `View::supports` as before); and `u64`
//! offsets (twice the bytes; a checkpoint with more than `u32::MAX` supports is refused,
//! as the adjacencies' are).
//!
//! Offsets from disk are checked at open at their ends (first 0, last the record count)
//! and per read in between: a pair out of order or out of bounds reads as no supports,
//! never a panic, and [`Supports::damaged`] (asked by `verify`) reports it.

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use super::mapped::{Arr, Lazy, Pod};
use super::{SupportRec, TripleId};

/// One list per triple interned or changed since the checkpoint.
type List = SmallVec<[SupportRec; 1]>;

/// The checkpointed supports: `offsets` (one per triple, and one more) into `records`.
#[derive(Clone, Debug, Default)]
pub struct Base {
    offsets: Arr<u32>,
    records: Arr<SupportRec>,
}

impl Base {
    /// `None` unless there is one offset per triple and one more, the first 0 and the
    /// last the record count (the ones between are checked when read).
    pub fn new(offsets: Arr<u32>, records: Arr<SupportRec>, triples: usize) -> Option<Base> {
        let ends_ok = offsets.first() == Some(&0)
            && offsets.last().map(|&l| l as usize) == Some(records.len());
        (ends_ok && offsets.len() == triples.checked_add(1)?).then_some(Base { offsets, records })
    }

    /// Number of triples.
    pub fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The supports of triple `i`; `None` past the end or when its offsets are wrong.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&[SupportRec]> {
        let offsets: &[u32] = &self.offsets;
        let [from, to] = *offsets.get(i..i.checked_add(2)?)? else {
            return None;
        };
        self.records.get(from as usize..to as usize)
    }

    /// True when some pair of offsets does not make a list.
    fn damaged(&self) -> bool {
        (0..self.len()).any(|i| self.get(i).is_none())
    }
}

/// See the module doc.
#[derive(Clone, Debug, Default)]
pub struct Supports {
    /// Decoded on first use for format 5-6; already there (in place) from format 7.
    base: Lazy<Base>,
    /// Triples `base` covers, known at open.
    n_base: usize,
    /// Lists of checkpointed triples written since, whole.
    changed: FxHashMap<TripleId, List>,
    /// Lists of triples `n_base..`.
    tail: Vec<List>,
}

impl PartialEq for Supports {
    fn eq(&self, other: &Supports) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Supports {
    /// The supports of `triples` triples, read in place (format 7 on).
    pub fn mapped(base: Base) -> Supports {
        Supports {
            n_base: base.len(),
            base: Lazy::new(base),
            changed: FxHashMap::default(),
            tail: Vec::new(),
        }
    }

    /// The supports of `triples` triples, decoded on first use (format 5-6).
    pub fn lazy(base: Lazy<Base>, triples: usize) -> Supports {
        Supports {
            base,
            n_base: triples,
            changed: FxHashMap::default(),
            tail: Vec::new(),
        }
    }

    /// Number of triples.
    pub fn len(&self) -> usize {
        self.n_base + self.tail.len()
    }

    pub fn reserve(&mut self, triples: usize) {
        self.tail.reserve(triples);
    }

    /// The supports of triple `id` (none for an unknown triple).
    #[inline]
    pub fn get(&self, id: TripleId) -> &[SupportRec] {
        let i = id as usize;
        if i < self.n_base {
            if !self.changed.is_empty() {
                if let Some(list) = self.changed.get(&id) {
                    return list;
                }
            }
            self.base.get(i).unwrap_or_default()
        } else {
            self.tail.get(i - self.n_base).map_or(&[], |l| l.as_slice())
        }
    }

    /// Prefetches where [`Supports::get`] of a checkpointed triple starts: its offsets.
    #[inline]
    pub fn prefetch_offsets(&self, id: TripleId) {
        if (id as usize) < self.n_base {
            if let Some(o) = self.base.offsets.get(id as usize) {
                super::mapped::prefetch(o);
            }
        }
    }

    /// Prefetches the first support of a checkpointed triple (its offsets being in cache
    /// by now, prefetched a little earlier).
    #[inline]
    pub fn prefetch_records(&self, id: TripleId) {
        if (id as usize) < self.n_base {
            let base = &*self.base;
            if let Some(r) = base
                .offsets
                .get(id as usize)
                .and_then(|&from| base.records.get(from as usize))
            {
                super::mapped::prefetch(r);
            }
        }
    }

    /// Prefetches what [`Supports::list_mut`] of a triple added since the checkpoint
    /// reaches first: its list.
    #[inline]
    pub fn prefetch_list(&self, id: TripleId) {
        if let Some(list) = (id as usize)
            .checked_sub(self.n_base)
            .and_then(|i| self.tail.get(i))
        {
            super::mapped::prefetch(list);
        }
    }

    /// Every triple's supports, in triple order.
    pub fn iter(&self) -> impl Iterator<Item = &[SupportRec]> + '_ {
        (0..self.len()).map(|i| self.get(i as TripleId))
    }

    /// A new triple, without supports yet.
    pub fn push_triple(&mut self) {
        self.tail.push(List::new());
    }

    /// The list of triple `id` to write to (copied aside first if checkpointed).
    pub fn list_mut(&mut self, id: TripleId) -> Option<&mut List> {
        let i = id as usize;
        if i < self.n_base {
            let base = &self.base;
            Some(
                self.changed
                    .entry(id)
                    .or_insert_with(|| List::from_slice(base.get(i).unwrap_or_default())),
            )
        } else {
            self.tail.get_mut(i - self.n_base)
        }
    }

    /// True when the checkpointed part did not decode, or has offsets out of order
    /// (walks every offset: for `verify`).
    pub fn damaged(&self) -> bool {
        self.base.damage() || self.base.damaged()
    }

    /// Number of supports of every triple, for a checkpoint: `None` past `u32::MAX`.
    pub fn record_count(&self) -> Option<u32> {
        let mut n = 0u32;
        if self.changed.is_empty() {
            n = u32::try_from(self.base.records.len()).ok()?;
            for list in &self.tail {
                n = n.checked_add(u32::try_from(list.len()).ok()?)?;
            }
        } else {
            for list in self.iter() {
                n = n.checked_add(u32::try_from(list.len()).ok()?)?;
            }
        }
        Some(n)
    }

    /// Writes the offsets section's bytes (`len + 1` little-endian `u32`s), a piece at a
    /// time; `None` past `u32::MAX` supports.
    pub fn write_offsets(
        &self,
        put: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(), String> {
        let too_big = || "an array is too large for a checkpoint".to_string();
        let mut buf = Vec::with_capacity(CHUNK);
        let mut at = 0u32;
        buf.extend_from_slice(&0u32.to_le_bytes());
        for list in self.iter() {
            at = u32::try_from(list.len())
                .ok()
                .and_then(|l| at.checked_add(l))
                .ok_or_else(too_big)?;
            buf.extend_from_slice(&at.to_le_bytes());
            if buf.len() >= CHUNK {
                put(&buf)?;
                buf.clear();
            }
        }
        put(&buf)
    }

    /// Writes the records section's bytes, a piece at a time.
    pub fn write_records(
        &self,
        put: &mut dyn FnMut(&[u8]) -> Result<(), String>,
    ) -> Result<(), String> {
        if self.changed.is_empty() && self.tail.is_empty() {
            return put(&self.base.records.le_bytes());
        }
        let mut buf = Vec::with_capacity(CHUNK + SupportRec::SIZE);
        for list in self.iter() {
            // A list at a time, not a field at a time: writing the 466k supports of the
            // 400k-fact rebuild took 34.0M instructions field by field, 24.5M so.
            buf.extend_from_slice(&super::mapped::le_bytes(list));
            if buf.len() >= CHUNK {
                put(&buf)?;
                buf.clear();
            }
        }
        put(&buf)
    }
}

/// Bytes a checkpoint's supports are written by.
const CHUNK: usize = 1 << 16;
