//! The triple index: `(s, p, o)` → triple id, the map that interns a fact's triple.
//!
//! A rebuild interns one triple per fact into a table larger than the cache, so every
//! lookup was a cache miss that the applying thread sat waiting for: with `FxHashMap`,
//! the bucket loads of its triple lookups were about a tenth of that thread's time at
//! 400k facts (`perf`). This table is laid out so that a lookup's memory is known from
//! its key alone, one cache line in the common case, and [`TripleIndex::prefetch`] can
//! ask for it while earlier facts are applied (`View::look_ahead`).
//!
//! Layout (`line_table.rs`): four 16-byte slots a cache line. A slot holds the whole
//! key and the id, so a match needs no other memory. The table doubles before it is 7/8
//! full. Memory is what `FxHashMap` took: 16 bytes a slot against its 17.

use super::line_table::{self, LineTable};
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

impl line_table::Slot for Slot {
    const EMPTY: Slot = Slot {
        s: 0,
        p: 0,
        o: 0,
        id: EMPTY,
    };

    fn is_empty(&self) -> bool {
        self.id == EMPTY
    }
}

type Key = (TermId, PredId, TermId);

impl Slot {
    fn key(&self) -> Key {
        (self.s, self.p, self.o)
    }
}

#[derive(Clone, Debug)]
pub struct TripleIndex {
    table: LineTable<Slot, SLOTS>,
    len: usize,
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
        // At most 7/8 full: n * 8 / 7 slots, rounded up to a power of two of lines.
        let slots = n.saturating_add(n / 7).saturating_add(1);
        TripleIndex {
            table: LineTable::with_lines(slots.div_ceil(SLOTS).next_power_of_two()),
            len: 0,
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.len
    }

    /// The id of triple `(s, p, o)`, if it was inserted.
    #[inline]
    pub fn get(&self, key: Key) -> Option<TripleId> {
        let slot = self.table.find(hash(key), |slot| slot.key() == key)?;
        (slot.id != EMPTY).then_some(slot.id)
    }

    /// Asks the processor for the line where a lookup of `key` starts.
    #[inline]
    pub fn prefetch(&self, key: Key) {
        self.table.prefetch(hash(key));
    }

    /// Maps `(s, p, o)` to `id`, replacing the id it had (as a map's insert does: a
    /// forged checkpoint can list a triple twice, and the later one then wins).
    pub fn insert(&mut self, key: Key, id: TripleId) {
        debug_assert_ne!(id, EMPTY);
        if (self.len + 1) * 8 > self.table.slots() * 7 {
            self.table = self.table.doubled(|slot| hash(slot.key()));
        }
        // None only of a full table, which the doubling above rules out.
        if let Some(slot) = self.table.find_mut(hash(key), |slot| slot.key() == key) {
            if slot.id == EMPTY {
                self.len += 1;
            }
            let (s, p, o) = key;
            *slot = Slot { s, p, o, id };
        }
    }
}

/// Multiply-xorshift: every key bit reaches the top bits, which pick the line.
#[inline]
fn hash((s, p, o): Key) -> u64 {
    let mut h = (u64::from(s) << 32 | u64::from(o)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    h ^= u64::from(p).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    h ^= h >> 31;
    h.wrapping_mul(0xD6E8_FEB8_6659_FD93)
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
        type Bucket = line_table::Line<Slot, SLOTS>;
        assert_eq!(std::mem::size_of::<Bucket>(), 64);
        assert_eq!(std::mem::align_of::<Bucket>(), 64);
        let index = TripleIndex::with_capacity(1000);
        assert!(index.table.lines().is_power_of_two());
        assert!(index.table.lines() * SLOTS * 7 >= 1000 * 8);
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
