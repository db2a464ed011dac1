//! Open addressing by cache lines: the storage under the triple index
//! (`triple_index.rs`) and the name cache (`name_cache.rs`).
//!
//! Both exist so that a lookup's memory is known from its key alone and can be asked for
//! ahead (`View::look_ahead`). Slots sit in lines of one aligned 64-byte cache line,
//! filled front to back; a key's home line is the top bits of its hash, and its run
//! goes on line after line (linear probing) to the first empty slot. Entries are never
//! removed, so a key is in its run or nowhere. The owners keep the table from filling
//! (they double it well before), so a run ends soon and always ends; every probe is
//! bounded anyway.

/// What a table holds: a fixed-size record with a recognizable empty value.
pub trait Slot: Copy {
    const EMPTY: Self;
    fn is_empty(&self) -> bool;
}

#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
pub struct Line<S, const N: usize>(pub [S; N]);

#[derive(Clone, Debug)]
pub struct LineTable<S, const N: usize> {
    /// A power of two of them, at least one.
    lines: Vec<Line<S, N>>,
    /// 64 minus log2 of the line count: a hash's home line is its top bits.
    shift: u32,
}

impl<S: Slot, const N: usize> LineTable<S, N> {
    /// An empty table of `n` lines, a power of two.
    pub fn with_lines(n: usize) -> LineTable<S, N> {
        LineTable {
            lines: vec![Line([S::EMPTY; N]); n],
            shift: 64 - n.trailing_zeros(),
        }
    }

    #[cfg(test)]
    pub fn lines(&self) -> usize {
        self.lines.len()
    }

    pub fn slots(&self) -> usize {
        self.lines.len() * N
    }

    /// Asks the processor for the home line of `hash`, where a lookup starts (and
    /// nearly always ends).
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        if let Some(line) = self.lines.get(self.home(hash)) {
            super::mapped::prefetch(line);
        }
    }

    /// The slot of `hash`'s run that `matches` (asked of full slots only), else the
    /// empty slot that ends the run.
    #[inline]
    pub fn find(&self, hash: u64, matches: impl Fn(&S) -> bool) -> Option<&S> {
        let mask = self.lines.len() - 1;
        let mut at = self.home(hash);
        // Bounded, though a run always ends at an empty slot (the table is never full).
        for _ in 0..self.lines.len() {
            for slot in &self.lines.get(at)?.0 {
                if slot.is_empty() || matches(slot) {
                    return Some(slot);
                }
            }
            at = (at + 1) & mask;
        }
        None
    }

    /// [`LineTable::find`], to write: a slot to fill, or the entry to update.
    #[inline]
    pub fn find_mut(&mut self, hash: u64, matches: impl Fn(&S) -> bool) -> Option<&mut S> {
        let (line, slot) = self.position(hash, matches)?;
        self.lines.get_mut(line)?.0.get_mut(slot)
    }

    /// The same entries in twice the lines; `hash_of` gives an entry's hash again.
    pub fn doubled(&self, hash_of: impl Fn(&S) -> u64) -> LineTable<S, N> {
        let mut bigger = LineTable::with_lines(self.lines.len() * 2);
        for entry in self.lines.iter().flat_map(|l| &l.0) {
            if !entry.is_empty() {
                // Keys are unique: each goes to the first empty slot of its run.
                if let Some(slot) = bigger.find_mut(hash_of(entry), |_| false) {
                    *slot = *entry;
                }
            }
        }
        bigger
    }

    /// Where [`LineTable::find`] stops, as (line, slot).
    #[inline]
    fn position(&self, hash: u64, matches: impl Fn(&S) -> bool) -> Option<(usize, usize)> {
        let mask = self.lines.len() - 1;
        let mut at = self.home(hash);
        for _ in 0..self.lines.len() {
            for (i, slot) in self.lines.get(at)?.0.iter().enumerate() {
                if slot.is_empty() || matches(slot) {
                    return Some((at, i));
                }
            }
            at = (at + 1) & mask;
        }
        None
    }

    #[inline]
    fn home(&self, hash: u64) -> usize {
        // A shift of 64 (one line) would overflow: `checked_shr` gives line 0.
        hash.checked_shr(self.shift).unwrap_or(0) as usize
    }
}
