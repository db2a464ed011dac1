//! The interned terms: a `Vec` in the heap, or records read in place from a checkpoint
//! and decoded one at a time, when a reader asks for them.
//!
//! A first query needs a handful of terms (the constants it resolves, the rows it
//! shows), not the hundreds of thousands a checkpoint holds: decoding them all was the
//! largest cost of an open once the arrays were read in place. In a checkpoint each
//! term is one record (offsets into one byte string):
//!
//! ```text
//! name:     0u8, display length u32 LE, display bytes, folded bytes
//! literal:  1u8, bincode 2 (standard config) of the `Value`
//! ```
//!
//! Two sorted lists of term ids (by folded name, by literal record) resolve a name or a
//! literal by binary search on the records. Literal records compare as values do:
//! equality of values is exact (bit-equal floats) and their encoding canonical.
//!
//! Rejected alternative: decoding the whole term table on first use, which cost a
//! first query at 1M facts a quarter of its time (270k terms, two allocations each) to
//! show a few hundred; and hashing every literal to resolve one constant cost 43%.
//!
//! Decoded terms are cached in boxes that are never moved or freed while the terms are
//! shared, so a reader gets a plain `&TermData` with the view's lifetime.

use std::cmp::Ordering;
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering as AtomicOrdering};
use std::sync::OnceLock;

use super::mapped::Arr;
use super::{TermData, TermId};
use crate::value::Value;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<{ 1 << 30 }>()
}

/// Decoded terms of a mapped table: one slot per term, null until a reader decodes it,
/// then a box that stays until the table is written to (which needs `&mut`) or dropped.
///
/// A slot is read without a lock: term lookups sit on the path of every row a query
/// yields, where a mutex and a hash lookup per access cost a fifth of a query.
pub struct Cache(Box<[AtomicPtr<TermData>]>);

impl Cache {
    fn new(len: usize) -> Cache {
        Cache(
            (0..len)
                .map(|_| AtomicPtr::new(std::ptr::null_mut()))
                .collect(),
        )
    }

    /// The decoded term in slot `t`, decoding it with `make` the first time.
    fn get_or_decode(&self, t: TermId, make: impl FnOnce() -> TermData) -> Option<&TermData> {
        let slot = self.0.get(t as usize)?;
        let mut ptr = slot.load(AtomicOrdering::Acquire);
        if ptr.is_null() {
            let fresh = Box::into_raw(Box::new(make()));
            match slot.compare_exchange(
                std::ptr::null_mut(),
                fresh,
                AtomicOrdering::AcqRel,
                AtomicOrdering::Acquire,
            ) {
                Ok(_) => ptr = fresh,
                Err(winner) => {
                    // SAFETY: `fresh` came from `Box::into_raw` above and was never shared.
                    drop(unsafe { Box::from_raw(fresh) });
                    ptr = winner;
                }
            }
        }
        // SAFETY: a non-null slot holds a pointer from `Box::into_raw` that is freed only
        // in `drop`, which needs the cache gone; slots are never overwritten once set.
        Some(unsafe { &*ptr })
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        for slot in self.0.iter_mut() {
            let ptr = *slot.get_mut();
            if !ptr.is_null() {
                // SAFETY: set from `Box::into_raw` and owned by this cache alone.
                drop(unsafe { Box::from_raw(ptr) });
            }
        }
    }
}

/// How far into a term a prefetch reaches
/// ([`View::prefetch_term`](super::View::prefetch_term)). Each depth reads what the one
/// before brought in, so a loop asks for the slot of a term several places ahead, its
/// decoded record a few places ahead, and its text just ahead.
#[derive(Clone, Copy, Debug)]
pub enum TermDepth {
    /// The cache slot of a mapped term, or the record of a term in the heap.
    Slot,
    /// The decoded record behind a mapped term's slot.
    Decoded,
    /// A name's display and folded texts.
    Text,
}

pub enum Terms {
    Heap(Vec<TermData>),
    Mapped {
        offsets: Arr<u32>,
        bytes: Arr<u8>,
        cache: Cache,
        /// The first eight bytes of each literal record, in the order of the sorted
        /// literal index: see [`LiteralKeys`].
        literal_keys: LiteralKeys,
        /// Where the dates sit in the sorted literal index: see [`Terms::date_range`].
        dates: OnceLock<Range<usize>>,
    },
}

/// The first eight bytes (big-endian, zero-padded) of every literal record, in the
/// order of the sorted literal index, built once [`LiteralKeys::BUILD_AFTER`] literals
/// were looked up.
///
/// A virtual predicate resolves its values row after row (an article's date, an
/// entity's name, most of which the view never interned): a binary search over the
/// records costs a cache miss and a `memcmp` per step, 1.8k instructions a value at
/// 400k facts; over these keys it is a search in one contiguous array, and the records
/// are read only where keys tie. Building the array costs about as much as 1.4k
/// searches (2.1M instructions at 400k facts), so it waits for 1k lookups: a statement
/// that resolves a few constants never pays for it, and a process that resolves many
/// pays at most twice what it would have either way.
#[derive(Default)]
pub struct LiteralKeys {
    keys: OnceLock<Box<[u64]>>,
    lookups: AtomicU32,
}

impl LiteralKeys {
    const BUILD_AFTER: u32 = 1024;
}

/// The key of a record part: its first eight bytes, big-endian, zero-padded. Keys order
/// as the parts do wherever they differ (a shorter part pads with zeros, which sorts
/// before or equal to any byte, so a tie is resolved on the records).
fn key8(part: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    for (w, b) in word.iter_mut().zip(part) {
        *w = *b;
    }
    u64::from_be_bytes(word)
}

impl Default for Terms {
    fn default() -> Self {
        Terms::Heap(Vec::new())
    }
}

impl Clone for Terms {
    fn clone(&self) -> Self {
        match self {
            Terms::Heap(v) => Terms::Heap(v.clone()),
            Terms::Mapped { offsets, bytes, .. } => Terms::Mapped {
                offsets: offsets.clone(),
                bytes: bytes.clone(),
                cache: Cache::new(offsets.len().saturating_sub(1)),
                literal_keys: LiteralKeys::default(),
                dates: OnceLock::new(),
            },
        }
    }
}

impl fmt::Debug for Terms {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Terms({})", self.len())
    }
}

/// Encodes one term record.
pub fn encode(t: &TermData, out: &mut Vec<u8>) -> Result<(), String> {
    match t {
        TermData::Name { display, folded } => {
            out.push(0);
            let len = u32::try_from(display.len()).map_err(|_| "a name is too long")?;
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(display.as_bytes());
            out.extend_from_slice(folded.as_bytes());
        }
        TermData::Literal(v) => {
            out.push(1);
            bincode::serde::encode_into_std_write(v, out, config()).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// (display, folded) of a name record.
fn name_parts(r: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&tag, rest) = r.split_first()?;
    if tag != 0 {
        return None;
    }
    let (len, rest) = rest.split_first_chunk::<4>()?;
    let len = u32::from_le_bytes(*len) as usize;
    (len <= rest.len()).then(|| rest.split_at(len))
}

/// The encoded value of a literal record.
fn literal_part(r: &[u8]) -> Option<&[u8]> {
    match r.split_first()? {
        (1, rest) => Some(rest),
        _ => None,
    }
}

fn decode(r: &[u8]) -> Option<TermData> {
    if let Some((display, folded)) = name_parts(r) {
        return Some(TermData::Name {
            display: std::str::from_utf8(display).ok()?.into(),
            folded: std::str::from_utf8(folded).ok()?.into(),
        });
    }
    let bytes = literal_part(r)?;
    match bincode::serde::decode_from_slice::<Value, _>(bytes, config()) {
        Ok((v, read)) if read == bytes.len() && !v.is_entity() => Some(TermData::Literal(v)),
        _ => None,
    }
}

/// The bincode encoding of a string or a four-digit-year date, written directly:
/// virtual predicates look their values up row after row (names, article dates), and
/// serde's way costs more than the search. `Value::Str` is variant 1, `Value::Date`
/// variant 4; lengths are bincode's varints; chrono writes a date as its ISO text.
fn direct_record(value: &Value) -> Option<Vec<u8>> {
    use chrono::Datelike;
    let d = match value {
        Value::Str(text) => {
            let mut key = Vec::with_capacity(text.len() + 10);
            key.push(1);
            let n = text.len() as u64;
            if n < 251 {
                key.push(n as u8);
            } else if let Ok(n) = u16::try_from(n) {
                key.push(251);
                key.extend_from_slice(&n.to_le_bytes());
            } else if let Ok(n) = u32::try_from(n) {
                key.push(252);
                key.extend_from_slice(&n.to_le_bytes());
            } else {
                key.push(253);
                key.extend_from_slice(&n.to_le_bytes());
            }
            key.extend_from_slice(text.as_bytes());
            return Some(key);
        }
        Value::Date(d) => d,
        _ => return None,
    };
    if !(0..=9999).contains(&d.year()) {
        return None;
    }
    let digit = |n: u32, unit: u32| b'0' + (n / unit % 10) as u8;
    let (y, m, day) = (d.year() as u32, d.month(), d.day());
    Some(vec![
        4,
        10,
        digit(y, 1000),
        digit(y, 100),
        digit(y, 10),
        digit(y, 1),
        b'-',
        digit(m, 10),
        digit(m, 1),
        b'-',
        digit(day, 10),
        digit(day, 1),
    ])
}

/// A stand-in for a record that does not decode (a forged checkpoint): the view is
/// reported damaged, never a panic.
fn broken() -> TermData {
    TermData::Literal(Value::Str(String::new()))
}

impl Terms {
    /// A mapped table; `None` unless the offsets are well formed.
    pub fn mapped(offsets: Arr<u32>, bytes: Arr<u8>) -> Option<Terms> {
        let ok = offsets.first() == Some(&0)
            && offsets.last().map(|&l| l as usize) == Some(bytes.len())
            && offsets.windows(2).all(|w| matches!(w, [a, b] if a <= b));
        ok.then(|| Terms::Mapped {
            cache: Cache::new(offsets.len().saturating_sub(1)),
            offsets,
            bytes,
            literal_keys: LiteralKeys::default(),
            dates: OnceLock::new(),
        })
    }

    pub fn len(&self) -> usize {
        match self {
            Terms::Heap(v) => v.len(),
            Terms::Mapped { offsets, .. } => offsets.len().saturating_sub(1),
        }
    }

    /// The record of term `t` (mapped tables only).
    fn record(&self, t: TermId) -> Option<&[u8]> {
        match self {
            Terms::Heap(_) => None,
            Terms::Mapped { offsets, bytes, .. } => {
                let from = *offsets.get(t as usize)? as usize;
                let to = *offsets.get(t as usize + 1)? as usize;
                bytes.get(from..to)
            }
        }
    }

    pub fn is_mapped(&self) -> bool {
        matches!(self, Terms::Mapped { .. })
    }

    /// Prefetches what [`Terms::get`] of `t` reads at `depth` (see [`TermDepth`]).
    #[inline]
    pub fn prefetch(&self, t: TermId, depth: TermDepth) {
        match depth {
            TermDepth::Slot => self.prefetch_slot(t),
            TermDepth::Decoded => self.prefetch_decoded(t),
            TermDepth::Text => {
                if let Some(TermData::Name { display, folded }) = self.peek(t) {
                    for text in [display, folded] {
                        if let Some(b) = text.as_bytes().first() {
                            super::mapped::prefetch(b);
                        }
                    }
                }
            }
        }
    }

    /// The term of `t` if it is at hand: in the heap, or decoded already.
    #[inline]
    fn peek(&self, t: TermId) -> Option<&TermData> {
        match self {
            Terms::Heap(v) => v.get(t as usize),
            Terms::Mapped { cache, .. } => {
                let ptr = cache.0.get(t as usize)?.load(AtomicOrdering::Acquire);
                // SAFETY: a non-null slot points at a live `TermData` (`get_or_decode`).
                unsafe { ptr.as_ref() }
            }
        }
    }

    /// Prefetches where [`Terms::get`] of `t` starts: its cache slot, or its record in
    /// the heap.
    #[inline]
    fn prefetch_slot(&self, t: TermId) {
        match self {
            Terms::Heap(v) => {
                if let Some(d) = v.get(t as usize) {
                    super::mapped::prefetch(d);
                }
            }
            Terms::Mapped { cache, .. } => {
                if let Some(slot) = cache.0.get(t as usize) {
                    super::mapped::prefetch(slot);
                }
            }
        }
    }

    /// Prefetches the decoded term behind `t`'s cache slot, when it has been decoded
    /// (the slot itself having been prefetched a little earlier).
    #[inline]
    fn prefetch_decoded(&self, t: TermId) {
        if let (Terms::Mapped { .. }, Some(data)) = (self, self.peek(t)) {
            super::mapped::prefetch(data);
        }
    }

    pub fn get(&self, t: TermId) -> Option<&TermData> {
        match self {
            Terms::Heap(v) => v.get(t as usize),
            Terms::Mapped { cache, .. } => {
                cache.get_or_decode(t, || self.record(t).and_then(decode).unwrap_or_else(broken))
            }
        }
    }

    /// Calls `f` for every term in order (mapped ones decoded into a temporary).
    pub fn for_each(&self, mut f: impl FnMut(TermId, &TermData)) {
        match self {
            Terms::Heap(v) => v.iter().enumerate().for_each(|(i, t)| f(i as TermId, t)),
            Terms::Mapped { .. } => {
                for t in 0..self.len() as TermId {
                    let data = self.record(t).and_then(decode).unwrap_or_else(broken);
                    f(t, &data);
                }
            }
        }
    }

    /// The terms in the heap, decoded there on first use (copy on write).
    pub fn vec(&mut self) -> &mut Vec<TermData> {
        if let Terms::Mapped { .. } = self {
            let mut all = Vec::with_capacity(self.len());
            self.for_each(|_, t| all.push(t.clone()));
            *self = Terms::Heap(all);
        }
        match self {
            Terms::Heap(v) => v,
            Terms::Mapped { .. } => unreachable!("decoded just above"),
        }
    }

    /// Writes offsets (u32, `len + 1`) and records.
    pub fn write(&self, offsets: &mut Vec<u8>, bytes: &mut Vec<u8>) -> Result<(), String> {
        offsets.extend_from_slice(&0u32.to_le_bytes());
        for t in 0..self.len() as TermId {
            match (self, self.record(t)) {
                (Terms::Mapped { .. }, Some(r)) => bytes.extend_from_slice(r),
                (Terms::Heap(v), _) => encode(v.get(t as usize).ok_or("no term")?, bytes)?,
                _ => return Err("a term record is missing".into()),
            }
            let at = u32::try_from(bytes.len()).map_err(|_| "the terms are too large")?;
            offsets.extend_from_slice(&at.to_le_bytes());
        }
        Ok(())
    }
}

/// Term ids sorted for lookup by binary search: names by folded form, literals by
/// record. `terms` are the records as written (`records[t]`).
///
/// Each key is sorted with its [`key8`] beside it: most comparisons end there, without
/// reading the record (a cache miss each at 10M facts).
pub fn sorted_indexes(records: &[&[u8]]) -> (Vec<TermId>, Vec<TermId>) {
    let mut names: Vec<(u64, &[u8], TermId)> = Vec::new();
    let mut literals: Vec<(u64, &[u8], TermId)> = Vec::new();
    for (t, r) in records.iter().enumerate() {
        if let Some((_, folded)) = name_parts(r) {
            names.push((key8(folded), folded, t as TermId));
        } else if let Some(v) = literal_part(r) {
            literals.push((key8(v), v, t as TermId));
        }
    }
    names.sort_unstable();
    literals.sort_unstable();
    (
        names.into_iter().map(|(_, _, t)| t).collect(),
        literals.into_iter().map(|(_, _, t)| t).collect(),
    )
}

/// Binary search of `sorted` (term ids) for the record part `key` (`part` of a record).
fn search(
    terms: &Terms,
    sorted: &[TermId],
    key: &[u8],
    part: fn(&[u8]) -> Option<&[u8]>,
) -> Option<TermId> {
    let (mut lo, mut hi) = (0usize, sorted.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let t = *sorted.get(mid)?;
        let here = terms.record(t).and_then(part).unwrap_or_default();
        match here.cmp(key) {
            Ordering::Less => lo = mid + 1,
            Ordering::Greater => hi = mid,
            Ordering::Equal => return Some(t),
        }
    }
    None
}

impl Terms {
    /// The name whose folded form is `folded`, through a sorted index of a mapped table.
    pub fn find_name(&self, index: &[TermId], folded: &str) -> Option<TermId> {
        search(self, index, folded.as_bytes(), |r| {
            name_parts(r).map(|(_, f)| f)
        })
    }

    /// Names whose folded form starts with `prefix`, through the sorted index of a
    /// mapped table: they are one run of it, found by two binary searches (walking the
    /// run read every record in it: 300 for "el" at 400k facts, most of a query that
    /// then keeps five aliases).
    pub fn names_with_prefix(&self, index: &[TermId], prefix: &str) -> Vec<TermId> {
        let folded = |t: TermId| {
            self.record(t)
                .and_then(name_parts)
                .map(|(_, f)| f)
                .unwrap_or_default()
        };
        let prefix = prefix.as_bytes();
        let start = index.partition_point(|&t| folded(t) < prefix);
        let rest = index.get(start..).unwrap_or_default();
        let len = rest.partition_point(|&t| folded(t).starts_with(prefix));
        rest.get(..len).unwrap_or_default().to_vec()
    }

    /// The literal `value`, through a sorted index of a mapped table (always the same
    /// index for one table: the checkpoint's).
    pub fn find_literal(&self, index: &[TermId], value: &Value) -> Option<TermId> {
        let key = match direct_record(value) {
            Some(key) => key,
            None => bincode::serde::encode_to_vec(value, config()).ok()?,
        };
        match self.literal_keys(index) {
            Some(keys) => self.search_keyed(index, keys, &key),
            None => search(self, index, &key, literal_part),
        }
    }

    /// The literal keys of `index`, once enough lookups made them worth building.
    fn literal_keys(&self, index: &[TermId]) -> Option<&[u64]> {
        let Terms::Mapped { literal_keys, .. } = self else {
            return None;
        };
        if let Some(keys) = literal_keys.keys.get() {
            // A table is only ever searched with its checkpoint's index; a length
            // mismatch would be a caller's bug: fall back to the plain search.
            return (keys.len() == index.len()).then_some(&**keys);
        }
        let n = literal_keys.lookups.fetch_add(1, AtomicOrdering::Relaxed);
        if n < LiteralKeys::BUILD_AFTER {
            return None;
        }
        let keys = literal_keys.keys.get_or_init(|| {
            index
                .iter()
                .map(|&t| key8(self.record(t).and_then(literal_part).unwrap_or_default()))
                .collect()
        });
        (keys.len() == index.len()).then_some(&**keys)
    }

    /// [`search`] of the literal index with its keys: the range of equal keys first,
    /// then the records in it. Keys are nondecreasing along the index because records
    /// are sorted and [`key8`] preserves their order up to ties.
    fn search_keyed(&self, index: &[TermId], keys: &[u64], key: &[u8]) -> Option<TermId> {
        let k = key8(key);
        let lo = keys.partition_point(|&x| x < k);
        // Most keys are unique: a short walk, and a second search only past it (texts
        // sharing eight bytes can be many).
        let rest = keys.get(lo..)?;
        let near = rest.iter().take(8).take_while(|&&x| x == k).count();
        let hi = lo
            + if near < 8 {
                near
            } else {
                rest.partition_point(|&x| x == k)
            };
        search(self, index.get(lo..hi)?, key, literal_part)
    }
}

impl Terms {
    /// The positions of the dates in the sorted literal index `index`: records sort by
    /// their bytes, so the dates (one variant byte) are one run of it. Found once per
    /// table by two binary searches; empty when the view interned no date, which is
    /// the common case (article dates are metadata, not terms).
    fn date_range(&self, index: &[TermId]) -> Option<Range<usize>> {
        let Terms::Mapped { dates, .. } = self else {
            return None;
        };
        let range = dates.get_or_init(|| {
            // The first byte of every date's record part: bincode's variant index of
            // `Value::Date` (one byte below 251), read off an encoded date so that it
            // follows the enum. Should encoding fail, the run is the whole index.
            let Some(date_variant) =
                bincode::serde::encode_to_vec(Value::Date(chrono::NaiveDate::MIN), config())
                    .ok()
                    .and_then(|b| b.first().copied())
            else {
                return 0..index.len();
            };
            let variant = |t: TermId| {
                self.record(t)
                    .and_then(literal_part)
                    .and_then(|p| p.first().copied())
                    .unwrap_or(0)
            };
            let lo = index.partition_point(|&t| variant(t) < date_variant);
            let hi = lo
                + index
                    .get(lo..)
                    .unwrap_or_default()
                    .partition_point(|&t| variant(t) <= date_variant);
            lo..hi
        });
        Some(range.clone())
    }

    /// [`Terms::find_literal`] of `Value::Date(d)`, searching the dates only: none at
    /// all when the table holds none. `None` as the answer when not found; the outer
    /// `None` when `index` is not a mapped table's.
    fn find_date(&self, index: &[TermId], d: chrono::NaiveDate) -> Option<Option<TermId>> {
        let range = self.date_range(index)?;
        if range.is_empty() {
            return Some(None);
        }
        let value = Value::Date(d);
        let key = match direct_record(&value) {
            Some(key) => key,
            None => bincode::serde::encode_to_vec(&value, config()).ok()?,
        };
        Some(search(self, index.get(range)?, &key, literal_part))
    }
}

impl<'v> super::Snapshot<'v> {
    /// The name term `t` as written (itself, not its class's canonical name).
    pub fn name_text(&self, t: TermId) -> Option<&'v str> {
        match self.view().terms.get(t)? {
            TermData::Name { display, .. } => Some(display),
            TermData::Literal(_) => None,
        }
    }

    /// Canonical terms of entities whose canonical name (`canonical`) or one of whose
    /// aliases (not `canonical`) folds to a text starting with `folded_prefix`, existing
    /// as of this tx: [`Snapshot::names_with_prefix`](super::Snapshot::names_with_prefix) split by what `name` and `alias`
    /// answer, so that neither reads the entities only the other matches.
    pub fn names_with_prefix_as(&self, folded_prefix: &str, canonical: bool) -> Vec<TermId> {
        let mut out: Vec<TermId> = self
            .view()
            .find_names_with_prefix(folded_prefix)
            .into_iter()
            .filter(|&t| self.exists(t))
            .filter_map(|t| {
                let root = self.root(t);
                ((root == t) == canonical).then_some(root)
            })
            .collect();
        // Canonical names are their own roots, each listed once (names are distinct):
        // only the roots of aliases can repeat.
        if !canonical {
            out.sort_unstable();
            out.dedup();
        }
        out
    }

    /// The term of date literal `d` ([`Snapshot::resolve_literal`](super::Snapshot::resolve_literal)
    /// of `Value::Date(d)`), looked for among the interned dates only.
    pub fn resolve_date(&self, d: chrono::NaiveDate) -> Option<TermId> {
        let view = self.view();
        let found = match (view.literals.get(), &view.term_index) {
            (None, Some(index)) if view.terms.is_mapped() => {
                view.terms.find_date(&index.literals, d)
            }
            _ => None,
        };
        match found {
            Some(t) => t.filter(|&t| self.exists(t)),
            None => self.resolve_literal(&Value::Date(d)),
        }
    }

    /// False when the view certainly interned no date (checked once per view, for
    /// the mapped tables of a checkpoint): every date is then absent, no lookup needed.
    pub fn may_have_dates(&self) -> bool {
        let view = self.view();
        match &view.term_index {
            Some(index) if view.terms.is_mapped() => view
                .terms
                .date_range(&index.literals)
                .is_none_or(|r| !r.is_empty()),
            _ => true,
        }
    }

    /// Calls `f` with each other name term of an entity's class (its aliases), those
    /// whose texts [`Snapshot::alias_names`](super::Snapshot::alias_names) lists, in the same order.
    pub fn for_each_alias(&self, root: TermId, mut f: impl FnMut(TermId)) {
        for &m in self.members(root).iter() {
            if m != root && self.name_text(m).is_some() {
                f(m);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lookups through the literal keys find what the plain search finds, present or
    /// not, strings sharing long prefixes included.
    #[test]
    fn keyed_literal_search_agrees() {
        let mut values: Vec<Value> = Vec::new();
        for i in 0..300 {
            values.push(Value::Str(format!("shared prefix {i}")));
            values.push(Value::Str("x".repeat(i % 20)));
            values.push(Value::Int(i as i64 * 7 - 500));
            values.push(Value::Date(
                chrono::NaiveDate::from_ymd_opt(2000 + i as i32 % 30, 1 + (i as u32 % 12), 1)
                    .unwrap(),
            ));
        }
        values.sort_by_key(|v| format!("{v:?}"));
        values.dedup();
        let mut offsets = vec![0u32];
        let mut bytes = Vec::new();
        let mut kept = Vec::new();
        for (i, v) in values.iter().enumerate() {
            if i % 3 == 0 {
                continue; // absent from the table
            }
            encode(&TermData::Literal(v.clone()), &mut bytes).unwrap();
            offsets.push(bytes.len() as u32);
            kept.push(v.clone());
        }
        let records: Vec<&[u8]> = offsets
            .windows(2)
            .map(|w| &bytes[w[0] as usize..w[1] as usize])
            .collect();
        let (_, index) = sorted_indexes(&records);
        let terms = Terms::mapped(Arr::Heap(offsets.clone()), Arr::Heap(bytes.clone())).unwrap();
        let plain: Vec<Option<TermId>> = values
            .iter()
            .map(|v| {
                let key = bincode::serde::encode_to_vec(v, config()).unwrap();
                search(&terms, &index, &key, literal_part)
            })
            .collect();
        for _ in 0..=LiteralKeys::BUILD_AFTER {
            terms.find_literal(&index, &values[0]);
        }
        assert!(terms.literal_keys(&index).is_some());
        for (v, want) in values.iter().zip(&plain) {
            assert_eq!(terms.find_literal(&index, v), *want, "{v:?}");
            assert_eq!(want.is_some(), kept.contains(v), "{v:?}");
        }
    }

    /// The run of names with a prefix, found by two searches, is every name with it.
    #[test]
    fn names_with_prefix_are_all_names_starting_with_it() {
        let names = [
            "el",
            "elan",
            "élan corp",
            "elbe works",
            "elm",
            "em",
            "e",
            "",
            "zeta",
            "ele",
            "el ",
            "elz",
            "ek",
            "f",
        ];
        let mut offsets = vec![0u32];
        let mut bytes = Vec::new();
        for n in names {
            let t = TermData::Name {
                display: n.into(),
                folded: crate::value::fold(n).into(),
            };
            encode(&t, &mut bytes).unwrap();
            offsets.push(bytes.len() as u32);
        }
        encode(&TermData::Literal(Value::Str("el".into())), &mut bytes).unwrap();
        offsets.push(bytes.len() as u32);
        let records: Vec<&[u8]> = offsets
            .windows(2)
            .map(|w| &bytes[w[0] as usize..w[1] as usize])
            .collect();
        let (index, _) = sorted_indexes(&records);
        let terms = Terms::mapped(Arr::Heap(offsets.clone()), Arr::Heap(bytes.clone())).unwrap();
        for prefix in ["", "e", "el", "ela", "elan", "elz", "em", "ez", "a", "zz"] {
            let mut got = terms.names_with_prefix(&index, prefix);
            got.sort_unstable();
            let want: Vec<TermId> = names
                .iter()
                .enumerate()
                .filter(|(_, n)| crate::value::fold(n).starts_with(prefix))
                .map(|(t, _)| t as TermId)
                .collect();
            assert_eq!(got, want, "{prefix:?}");
        }
    }

    #[test]
    fn direct_records_are_what_bincode_writes() {
        let mut values = Vec::new();
        for (y, m, d) in [
            (2024, 1, 3),
            (0, 1, 1),
            (9999, 12, 31),
            (1999, 10, 9),
            (33, 2, 28),
        ] {
            values.push(Value::Date(
                chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
            ));
        }
        for n in [0, 1, 250, 251, 252, 65535, 65536, 70000] {
            values.push(Value::Str("é".repeat(n / 2) + &"x".repeat(n % 2)));
        }
        for v in &values {
            let direct = direct_record(v).unwrap();
            assert_eq!(direct, bincode::serde::encode_to_vec(v, config()).unwrap());
        }
        let far = Value::Date(chrono::NaiveDate::from_ymd_opt(12025, 1, 1).unwrap());
        assert!(direct_record(&far).is_none());
        assert!(direct_record(&Value::Int(3)).is_none());
    }
}
