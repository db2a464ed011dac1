//! The cache of names as written: a name as it appears in events → its term, so that a
//! name seen before is interned without folding it again (`View::intern_name`).
//!
//! Like the triple index (`triple_index.rs`), it exists so that a lookup's memory is
//! known from the key alone and can be prefetched for a window of facts
//! (`View::look_ahead`): with an `FxHashMap<CompactString, TermId>`, the loads of its
//! buckets were the largest share of applying a fact in a rebuild, and cannot be asked
//! for ahead.
//!
//! Layout (`line_table.rs`): two 32-byte slots a cache line. A slot holds a 32-bit tag
//! of the hash, the term and the name itself, up to [`INLINE`] bytes: a lookup reads
//! nothing else. Most names are that short (93% of the names of the synthetic bench's
//! facts); longer ones go to an ordinary map. The table doubles before it is half full.

use compact_str::CompactString;
use rustc_hash::FxHashMap;
use std::hash::BuildHasher;

use super::line_table::{self, LineTable};
use super::TermId;

/// Names up to this many bytes are kept in the slot.
const INLINE: usize = 23;

/// The length byte of an empty slot.
const EMPTY: u8 = u8::MAX;

const SLOTS: usize = 2;

#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct Slot {
    tag: u32,
    term: TermId,
    len: u8,
    text: [u8; INLINE],
}

impl line_table::Slot for Slot {
    const EMPTY: Slot = Slot {
        tag: 0,
        term: 0,
        len: EMPTY,
        text: [0; INLINE],
    };

    fn is_empty(&self) -> bool {
        self.len == EMPTY
    }
}

impl Slot {
    fn name(&self) -> &[u8] {
        self.text.get(..usize::from(self.len)).unwrap_or_default()
    }

    fn holds(&self, tag: u32, name: &[u8]) -> bool {
        self.tag == tag
            && usize::from(self.len) == name.len()
            && self.text.get(..name.len()) == Some(name)
    }
}

/// A name's hash, computed once for a prefetch and the lookup after it.
#[derive(Clone, Copy, Debug)]
pub struct NameHash(u64);

impl NameHash {
    /// The tag a slot keeps: the low half (the line is picked by the top bits).
    fn tag(self) -> u32 {
        self.0 as u32
    }
}

#[derive(Clone, Debug)]
pub struct NameCache {
    table: LineTable<Slot, SLOTS>,
    short: usize,
    /// Names longer than [`INLINE`].
    long: FxHashMap<CompactString, TermId>,
}

impl Default for NameCache {
    fn default() -> NameCache {
        NameCache::with_capacity(0)
    }
}

impl NameCache {
    /// A cache that takes `n` short names without growing.
    pub fn with_capacity(n: usize) -> NameCache {
        // Two slots a line, at most half of them full: a line a name (and no more names
        // than terms: a size hint is only a hint).
        NameCache {
            table: LineTable::with_lines(n.clamp(1, u32::MAX as usize).next_power_of_two()),
            short: 0,
            long: FxHashMap::default(),
        }
    }

    pub fn len(&self) -> usize {
        self.short + self.long.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn hash(name: &str) -> NameHash {
        NameCache::hash_bytes(name.as_bytes())
    }

    fn hash_bytes(name: &[u8]) -> NameHash {
        // FxHash of the bytes, then a multiply so that its top bits, which pick the
        // line, depend on every byte.
        let h = rustc_hash::FxBuildHasher.hash_one(name);
        NameHash((h ^ (h >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9))
    }

    /// Asks the processor for the line where the lookup of a short name starts.
    #[inline]
    pub fn prefetch(&self, name: &str, hash: NameHash) {
        if name.len() <= INLINE {
            self.table.prefetch(hash.0);
        }
    }

    #[inline]
    pub fn get(&self, name: &str) -> Option<TermId> {
        self.get_hashed(name, NameCache::hash(name))
    }

    /// [`NameCache::get`] with the hash of `name` already computed.
    #[inline]
    pub fn get_hashed(&self, name: &str, hash: NameHash) -> Option<TermId> {
        if name.len() > INLINE {
            return self.long.get(name).copied();
        }
        let (tag, name) = (hash.tag(), name.as_bytes());
        let slot = self.table.find(hash.0, |slot| slot.holds(tag, name))?;
        (slot.len != EMPTY).then_some(slot.term)
    }

    /// Maps `name` to `term`, replacing the term it had.
    pub fn insert(&mut self, name: &str, term: TermId) {
        if name.len() > INLINE {
            self.long.insert(CompactString::from(name), term);
            return;
        }
        // At most half of the slots full.
        if (self.short + 1) * 2 > self.table.slots() {
            // The tag is the hash's low half: the full hash is needed again.
            self.table = self
                .table
                .doubled(|slot| NameCache::hash_bytes(slot.name()).0);
        }
        let (hash, name) = (NameCache::hash(name), name.as_bytes());
        // None only of a full table, which the doubling above rules out.
        let Some(slot) = self
            .table
            .find_mut(hash.0, |slot| slot.holds(hash.tag(), name))
        else {
            return;
        };
        if slot.len == EMPTY {
            let mut text = [0; INLINE];
            let Some(to) = text.get_mut(..name.len()) else {
                return;
            };
            to.copy_from_slice(name);
            *slot = Slot {
                tag: hash.tag(),
                term,
                len: name.len() as u8,
                text,
            };
            self.short += 1;
        } else {
            slot.term = term;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cache answers what a map given the same inserts answers, for names inserted
    /// and not, short and long (either side of the inline limit, in bytes, with
    /// multi-byte characters), across growth and with repeated names.
    #[test]
    fn answers_as_a_map_does() {
        let name = "[ab é]{0,5}|[ab]{20,26}|é{10,13}";
        let names = proptest::collection::vec(proptest::string::string_regex(name).unwrap(), 1..40);
        let ops = proptest::collection::vec((0usize..40, 0u32..1000), 0..400);
        crate::testing::for_random((names, ops, 0usize..100), |(names, ops, capacity)| {
            let mut cache = NameCache::with_capacity(capacity);
            let mut map: FxHashMap<String, TermId> = FxHashMap::default();
            for (i, term) in ops {
                let name = &names[i % names.len()];
                cache.insert(name, term);
                map.insert(name.clone(), term);
                assert_eq!(cache.len(), map.len());
            }
            for name in &names {
                assert_eq!(cache.get(name), map.get(name).copied(), "{name:?}");
                let hash = NameCache::hash(name);
                cache.prefetch(name, hash);
                assert_eq!(cache.get_hashed(name, hash), map.get(name).copied());
            }
        });
    }

    #[test]
    fn a_bucket_is_a_cache_line() {
        type Bucket = line_table::Line<Slot, SLOTS>;
        assert_eq!(std::mem::size_of::<Slot>(), 32);
        assert_eq!(std::mem::size_of::<Bucket>(), 64);
        assert_eq!(std::mem::align_of::<Bucket>(), 64);
        let mut cache = NameCache::with_capacity(1000);
        let buckets = cache.table.lines();
        for i in 0..1000 {
            cache.insert(&i.to_string(), i);
        }
        assert_eq!(cache.table.lines(), buckets, "grew before its capacity");
    }

    #[test]
    fn many_names_grow_from_empty() {
        let mut cache = NameCache::default();
        for i in 0..50_000u32 {
            cache.insert(&format!("name {i}"), i);
        }
        assert_eq!(cache.len(), 50_000);
        for i in (0..50_000u32).step_by(89) {
            assert_eq!(cache.get(&format!("name {i}")), Some(i));
        }
        assert_eq!(cache.get("name"), None);
        assert_eq!(cache.get(""), None);
        cache.insert("", 7);
        assert_eq!(cache.get(""), Some(7));
    }
}
