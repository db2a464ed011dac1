//! The triple index: `(s, p, o)` → triple id, the map that interns a fact's triple.
//!
//! A rebuild interns one triple per fact into a table larger than the cache, so every
//! lookup was a cache miss that the applying thread sat waiting for: with `FxHashMap`,
//! the bucket loads of its triple lookups were about a tenth of that thread's time at
//! 400k facts (`perf`). This table is laid out so that a lookup's memory is known from
//! its key alone, one cache line in the common case, and [`TripleIndex::prefetch`] can
//! ask for it while earlier facts are applied (`View::look_ahead`).
//!
//! Layout: open addressing with linear probing by buckets of four 16-byte slots, each
//! bucket one aligned 64-byte line. A slot holds the whole key and the id, so a match
//! needs no other memory. Entries are never removed, so a key is in the run of full
//! slots from its home bucket to the first empty slot, and a lookup stops there. The
//! table doubles before it is 7/8 full, so that run ends soon (and always ends).
//! Memory is what `FxHashMap` took: 16 bytes a slot against its 17.

use super::{PredId, TermId, TripleId};

/// A slot's id when the slot is empty: no triple id reaches it (ids stop below
/// `MIRROR`, 2^31).
const EMPTY: u32 = u32::MAX;

const SLOTS: usize = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
struct Slot {
    s: TermId,
    p: PredId,
    o: TermId,
    id: TripleId,
}

impl Slot {
    const EMPTY: Slot = Slot {
        s: 0,
        p: 0,
        o: 0,
        id: EMPTY,
    };
}

/// One cache line of slots, filled front to back.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct Bucket([Slot; SLOTS]);

impl Bucket {
    const EMPTY: Bucket = Bucket([Slot::EMPTY; SLOTS]);
}

#[derive(Clone, Debug)]
pub struct TripleIndex {
    /// A power of two of them, at least one.
    buckets: Vec<Bucket>,
    len: usize,
    /// 64 minus log2 of the bucket count: a key's home bucket is the top bits of its hash.
    shift: u32,
}

impl Default for TripleIndex {
    fn default() -> TripleIndex {
        TripleIndex::with_capacity(0)
    }
}

impl TripleIndex {
    /// An index that takes `n` triples without growing.
    pub fn with_capacity(n: usize) -> TripleIndex {
        // No more triples than ids (a size hint is only a hint).
        let n = n.min(u32::MAX as usize);
        // At most 7/8 full: n * 8 / 7 slots, rounded up to a power of two of buckets.
        let slots = n.saturating_add(n / 7).saturating_add(1);
        TripleIndex::with_buckets(slots.div_ceil(SLOTS).next_power_of_two())
    }

    /// An empty index of `n` buckets, a power of two.
    fn with_buckets(n: usize) -> TripleIndex {
        TripleIndex {
            buckets: vec![Bucket::EMPTY; n],
            len: 0,
            shift: 64 - n.trailing_zeros(),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    /// The id of triple `(s, p, o)`, if it was inserted.
    #[inline]
    pub fn get(&self, (s, p, o): (TermId, PredId, TermId)) -> Option<TripleId> {
        let mask = self.buckets.len() - 1;
        let mut at = self.home(s, p, o);
        // Bounded, though a run always ends at an empty slot (the table is never full).
        for _ in 0..self.buckets.len() {
            for slot in &self.buckets.get(at)?.0 {
                if slot.id == EMPTY {
                    return None;
                }
                if (slot.s, slot.p, slot.o) == (s, p, o) {
                    return Some(slot.id);
                }
            }
            at = (at + 1) & mask;
        }
        None
    }

    /// Asks the processor for the home bucket of `(s, p, o)`, where a lookup of it
    /// starts (and nearly always ends).
    #[inline]
    pub fn prefetch(&self, (s, p, o): (TermId, PredId, TermId)) {
        if let Some(bucket) = self.buckets.get(self.home(s, p, o)) {
            super::mapped::prefetch(bucket);
        }
    }

    /// Maps `(s, p, o)` to `id`, replacing the id it had (as a map's insert does: a
    /// forged checkpoint can list a triple twice, and the later one then wins).
    pub fn insert(&mut self, key: (TermId, PredId, TermId), id: TripleId) {
        debug_assert_ne!(id, EMPTY);
        if (self.len + 1) * 8 > self.buckets.len() * SLOTS * 7 {
            self.grow();
        }
        if self.put(key, id) {
            self.len += 1;
        }
    }

    /// Puts an entry in its run: true when it was new.
    fn put(&mut self, (s, p, o): (TermId, PredId, TermId), id: TripleId) -> bool {
        let mask = self.buckets.len() - 1;
        let mut at = self.home(s, p, o);
        for _ in 0..self.buckets.len() {
            let Some(bucket) = self.buckets.get_mut(at) else {
                return false;
            };
            for slot in &mut bucket.0 {
                if slot.id == EMPTY {
                    *slot = Slot { s, p, o, id };
                    return true;
                }
                if (slot.s, slot.p, slot.o) == (s, p, o) {
                    slot.id = id;
                    return false;
                }
            }
            at = (at + 1) & mask;
        }
        // Unreachable: `insert` grows the table before it is full.
        false
    }

    fn grow(&mut self) {
        let bigger = TripleIndex::with_buckets(self.buckets.len() * 2);
        let old = std::mem::replace(self, bigger);
        for slot in old.buckets.iter().flat_map(|b| &b.0) {
            if slot.id != EMPTY && self.put((slot.s, slot.p, slot.o), slot.id) {
                self.len += 1;
            }
        }
    }

    #[inline]
    fn home(&self, s: TermId, p: PredId, o: TermId) -> usize {
        // Multiply-xorshift: every key bit reaches the top bits, which pick the bucket.
        let mut h = (u64::from(s) << 32 | u64::from(o)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        h ^= u64::from(p).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
        h ^= h >> 31;
        h = h.wrapping_mul(0xD6E8_FEB8_6659_FD93);
        // A shift of 64 (one bucket) would overflow: `checked_shr` gives bucket 0.
        h.checked_shr(self.shift).unwrap_or(0) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustc_hash::FxHashMap;

    /// The index answers what a map given the same inserts answers, for keys inserted
    /// and not, across growth, with repeated keys and with keys crowded into few values
    /// (long runs).
    #[test]
    fn answers_as_a_map_does() {
        let key = (0u32..40, 0u32..4, 0u32..40);
        let ops = proptest::collection::vec((key, 0u32..1 << 20), 0..600);
        crate::testing::for_random((ops, 0usize..300), |(ops, capacity)| {
            let mut index = TripleIndex::with_capacity(capacity);
            let mut map = FxHashMap::default();
            for (k, id) in ops {
                index.insert(k, id);
                map.insert(k, id);
                assert_eq!(index.len(), map.len());
            }
            for s in 0..41 {
                for p in 0..5 {
                    for o in 0..41 {
                        assert_eq!(index.get((s, p, o)), map.get(&(s, p, o)).copied());
                    }
                }
            }
        });
    }

    #[test]
    fn a_bucket_is_a_cache_line() {
        assert_eq!(std::mem::size_of::<Bucket>(), 64);
        assert_eq!(std::mem::align_of::<Bucket>(), 64);
        let index = TripleIndex::with_capacity(1000);
        assert!(index.buckets.len().is_power_of_two());
        assert!(index.buckets.len() * SLOTS * 7 >= 1000 * 8);
    }

    #[test]
    fn many_keys_grow_from_empty() {
        let mut index = TripleIndex::default();
        for i in 0..100_000u32 {
            index.insert((i, i % 7, i.wrapping_mul(31)), i);
        }
        assert_eq!(index.len(), 100_000);
        for i in (0..100_000u32).step_by(97) {
            assert_eq!(index.get((i, i % 7, i.wrapping_mul(31))), Some(i));
        }
        assert_eq!(index.get((1, 0, 0)), None);
    }
}
