//! The cache of names as written: a name as it appears in events → its term, so that a
//! name seen before is interned without folding it again (`View::intern_name`).
//!
//! Like the triple index (`triple_index.rs`), it exists so that a lookup's memory is
//! known from the key alone and can be prefetched for a window of facts
//! (`View::look_ahead`): with an `FxHashMap<CompactString, TermId>`, the loads of its
//! buckets were the largest share of applying a fact in a rebuild, and cannot be asked
//! for ahead.
//!
//! Layout: open addressing with linear probing by buckets of two 32-byte slots, each
//! bucket one aligned 64-byte line. A slot holds a 32-bit tag of the hash, the term and
//! the name itself, up to [`INLINE`] bytes: a lookup reads nothing else. Most names
//! are that short (93% of the names of the synthetic bench's facts); longer ones go to
//! an ordinary map. Entries are never removed, so a lookup stops at the first empty
//! slot; the table doubles before it is half full, so that run ends soon (and always
//! ends).

use compact_str::CompactString;
use rustc_hash::FxHashMap;
use std::hash::BuildHasher;

use super::TermId;

/// Names up to this many bytes are kept in the slot.
const INLINE: usize = 23;

/// The length byte of an empty slot.
const EMPTY: u8 = u8::MAX;

#[derive(Clone, Copy, Debug)]
#[repr(C)]
struct Slot {
    tag: u32,
    term: TermId,
    len: u8,
    text: [u8; INLINE],
}

impl Slot {
    const EMPTY: Slot = Slot {
        tag: 0,
        term: 0,
        len: EMPTY,
        text: [0; INLINE],
    };

    fn holds(&self, tag: u32, name: &[u8]) -> bool {
        self.tag == tag
            && usize::from(self.len) == name.len()
            && self.text.get(..name.len()) == Some(name)
    }
}

#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct Bucket([Slot; 2]);

/// A name's hash, computed once for a prefetch and the lookup after it.
#[derive(Clone, Copy, Debug)]
pub struct NameHash(u64);

#[derive(Clone, Debug)]
pub struct NameCache {
    /// A power of two of them, at least one.
    buckets: Vec<Bucket>,
    short: usize,
    /// 64 minus log2 of the bucket count: a name's home bucket is the top bits of its
    /// hash.
    shift: u32,
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
        // Two slots a bucket, at most half of them full: a bucket a name (and no more
        // names than terms: a size hint is only a hint).
        NameCache::with_buckets(n.clamp(1, u32::MAX as usize).next_power_of_two())
    }

    fn with_buckets(n: usize) -> NameCache {
        NameCache {
            buckets: vec![Bucket([Slot::EMPTY; 2]); n],
            short: 0,
            shift: 64 - n.trailing_zeros(),
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
        // bucket, depend on every byte.
        let h = rustc_hash::FxBuildHasher.hash_one(name);
        NameHash((h ^ (h >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9))
    }

    /// Asks the processor for the bucket where the lookup of a short name starts.
    #[inline]
    pub fn prefetch(&self, name: &str, hash: NameHash) {
        if name.len() <= INLINE {
            if let Some(bucket) = self.buckets.get(self.home(hash)) {
                super::mapped::prefetch(bucket);
            }
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
        let (mask, tag, name) = (self.buckets.len() - 1, hash.0 as u32, name.as_bytes());
        let mut at = self.home(hash);
        // Bounded, though a run always ends at an empty slot (the table is never full).
        for _ in 0..self.buckets.len() {
            for slot in &self.buckets.get(at)?.0 {
                if slot.len == EMPTY {
                    return None;
                }
                if slot.holds(tag, name) {
                    return Some(slot.term);
                }
            }
            at = (at + 1) & mask;
        }
        None
    }

    /// Maps `name` to `term`, replacing the term it had.
    pub fn insert(&mut self, name: &str, term: TermId) {
        if name.len() > INLINE {
            self.long.insert(CompactString::from(name), term);
            return;
        }
        // At most half of the slots (two a bucket) full.
        if self.short + 1 > self.buckets.len() {
            self.grow();
        }
        if self.put(
            name.as_bytes(),
            NameCache::hash_bytes(name.as_bytes()),
            term,
        ) {
            self.short += 1;
        }
    }

    /// Puts a short name in its run: true when it was new.
    fn put(&mut self, name: &[u8], hash: NameHash, term: TermId) -> bool {
        let (mask, tag) = (self.buckets.len() - 1, hash.0 as u32);
        let mut at = self.home(hash);
        for _ in 0..self.buckets.len() {
            let Some(bucket) = self.buckets.get_mut(at) else {
                return false;
            };
            for slot in &mut bucket.0 {
                if slot.len == EMPTY {
                    let mut text = [0; INLINE];
                    let Some(to) = text.get_mut(..name.len()) else {
                        return false;
                    };
                    to.copy_from_slice(name);
                    *slot = Slot {
                        tag,
                        term,
                        len: name.len() as u8,
                        text,
                    };
                    return true;
                }
                if slot.holds(tag, name) {
                    slot.term = term;
                    return false;
                }
            }
            at = (at + 1) & mask;
        }
        // Unreachable: `insert` grows the table before it is half full.
        false
    }

    fn grow(&mut self) {
        let old = std::mem::take(&mut self.buckets);
        let bigger = NameCache::with_buckets(old.len() * 2);
        self.buckets = bigger.buckets;
        self.shift = bigger.shift;
        for slot in old.iter().flat_map(|b| &b.0) {
            if slot.len != EMPTY {
                let name = slot.text.get(..usize::from(slot.len)).unwrap_or_default();
                // The tag is the hash's low half: the full hash is needed again.
                self.put(name, NameCache::hash_bytes(name), slot.term);
            }
        }
    }

    #[inline]
    fn home(&self, hash: NameHash) -> usize {
        // A shift of 64 (one bucket) would overflow: `checked_shr` gives bucket 0.
        hash.0.checked_shr(self.shift).unwrap_or(0) as usize
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
        assert_eq!(std::mem::size_of::<Slot>(), 32);
        assert_eq!(std::mem::size_of::<Bucket>(), 64);
        assert_eq!(std::mem::align_of::<Bucket>(), 64);
        let mut cache = NameCache::with_capacity(1000);
        let buckets = cache.buckets.len();
        for i in 0..1000 {
            cache.insert(&i.to_string(), i);
        }
        assert_eq!(cache.buckets.len(), buckets, "grew before its capacity");
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
