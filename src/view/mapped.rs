//! Arrays that live either in the heap or in a read-only map of the checkpoint file.
//!
//! Opening a database used to copy every array of the checkpoint into fresh heap memory,
//! and on this kind of machine the kernel's zeroing of fresh pages was most of the cost
//! of an open. A checkpoint is now mapped ([`Mapped`]) and its fixed-width arrays are
//! read in place ([`Arr`], [`Adj`]); what is not fixed-width is decoded on first use
//! ([`Lazy`]). The first write to an array copies it to the heap (copy on write), so
//! `apply` works on a loaded view exactly as on a fresh one.
//!
//! Rejected alternatives: reading the file into one heap buffer and decoding from it
//! (format 4: the buffer and every decoded array are fresh pages the kernel must zero,
//! which was most of an open at 1M facts); and a heap copy made lazily per array (a
//! first query needs the adjacency and triples anyway, so it would still copy them).
//!
//! Soundness: the file is mapped private and read-only, and checkpoints are never
//! modified in place (a new one is written aside and renamed over the old), so the
//! mapped bytes do not change while the map lives. Someone truncating `view.snap` by
//! hand while annals runs could make a read fault (SIGBUS); that is the one trust the
//! map asks for. Arrays are read in place only on little-endian machines and when their
//! offset is aligned; otherwise they are copied (decoded) instead.

use std::fmt;
use std::ops::{Deref, Range};
use std::sync::{Arc, OnceLock};

/// Asks the processor to bring the cache line of `value` in, without waiting for it
/// (x86-64; elsewhere nothing). A loop that knows which records it will read a few
/// rows ahead asks for them early, so that their cache misses overlap instead of
/// following each other ([`View::prefetch_term`](super::View::prefetch_term)).
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch is only a hint: it never faults and reads nothing into the
    // program, and the address is that of a live reference anyway.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

/// A read-only, private map of a whole file (or a heap copy of it).
pub struct Mapped {
    ptr: *const u8,
    len: usize,
    /// The fallback when mapping is not possible (an empty file, another OS).
    heap: Vec<u8>,
}

// SAFETY: the mapping is read-only and never modified while it lives (module doc).
unsafe impl Send for Mapped {}
// SAFETY: as above; shared reads of immutable bytes.
unsafe impl Sync for Mapped {}

impl Mapped {
    /// Maps the file read-only; a file that cannot be mapped is read into the heap.
    pub fn open(file: &std::fs::File) -> std::io::Result<Mapped> {
        let len = usize::try_from(file.metadata()?.len())
            .map_err(|_| std::io::Error::other("the file is too large to map"))?;
        #[cfg(unix)]
        if len > 0 {
            use std::os::unix::io::AsRawFd;
            // SAFETY: a fresh private read-only mapping of `len` bytes of an open file;
            // the result is checked before use and unmapped once in `drop`.
            let ptr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE,
                    file.as_raw_fd(),
                    0,
                )
            };
            if ptr != libc::MAP_FAILED {
                return Ok(Mapped {
                    ptr: ptr as *const u8,
                    len,
                    heap: Vec::new(),
                });
            }
        }
        let mut heap = Vec::new();
        std::io::Read::read_to_end(&mut &*file, &mut heap)?;
        Ok(Mapped::from_vec(heap))
    }

    /// Bytes already in the heap (tests, and the fallback).
    pub fn from_vec(heap: Vec<u8>) -> Mapped {
        Mapped {
            ptr: std::ptr::null(),
            len: 0,
            heap,
        }
    }

    #[inline]
    pub fn bytes(&self) -> &[u8] {
        if self.ptr.is_null() {
            &self.heap
        } else {
            // SAFETY: `ptr..ptr+len` is a live read-only mapping owned by `self`.
            unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
        }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        #[cfg(unix)]
        if !self.ptr.is_null() {
            // SAFETY: unmapping the mapping made in `open`, once.
            unsafe {
                libc::munmap(self.ptr as *mut libc::c_void, self.len);
            }
        }
    }
}

impl fmt::Debug for Mapped {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Mapped({} bytes)", self.bytes().len())
    }
}

/// A fixed-width record every bit pattern of which is valid, stored little-endian.
///
/// # Safety
/// Implementors must be plain data (`repr(C)` or primitive, no padding, no invalid bit
/// patterns), so that reading one from any aligned bytes is sound.
pub unsafe trait Pod: Copy + 'static {
    const SIZE: usize = std::mem::size_of::<Self>();
    /// Decodes one record from exactly `SIZE` little-endian bytes.
    fn read_le(b: &[u8]) -> Self;
    fn write_le(&self, out: &mut Vec<u8>);
}

fn le<const N: usize>(b: &[u8], at: usize) -> [u8; N] {
    let mut a = [0u8; N];
    if let Some(s) = b.get(at..at + N) {
        a.copy_from_slice(s);
    }
    a
}

// SAFETY: primitive integers: every bit pattern is valid.
unsafe impl Pod for u32 {
    fn read_le(b: &[u8]) -> u32 {
        u32::from_le_bytes(le(b, 0))
    }
    fn write_le(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

// SAFETY: as above.
unsafe impl Pod for u64 {
    fn read_le(b: &[u8]) -> u64 {
        u64::from_le_bytes(le(b, 0))
    }
    fn write_le(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
}

// SAFETY: a byte: every bit pattern is valid.
unsafe impl Pod for u8 {
    fn read_le(b: &[u8]) -> u8 {
        b.first().copied().unwrap_or(0)
    }
    fn write_le(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
}

/// An array in the heap or read in place from a map.
#[derive(Clone)]
pub enum Arr<T: Pod> {
    Heap(Vec<T>),
    Mapped {
        /// Keeps the records alive (never read: held).
        _map: Arc<Mapped>,
        /// The first record, in `map` (a pointer, not an offset: a read of a mapped
        /// array is then what a read of a `Vec` is, which the supports read for every
        /// triple an `as of` scan meets).
        ptr: *const T,
        len: usize,
    },
}

// SAFETY: `ptr` points into the immutable bytes of the `Arc<Mapped>` held beside it,
// which is `Send` and `Sync`; `T: Pod` is plain data.
unsafe impl<T: Pod> Send for Arr<T> {}
// SAFETY: as above: shared reads of immutable records.
unsafe impl<T: Pod> Sync for Arr<T> {}

impl<T: Pod> Default for Arr<T> {
    fn default() -> Self {
        Arr::Heap(Vec::new())
    }
}

impl<T: Pod + fmt::Debug> fmt::Debug for Arr<T> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Arr({} records)", self.len())
    }
}

impl<T: Pod> Deref for Arr<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Arr::Heap(v) => v,
            Arr::Mapped { ptr, len, .. } => {
                // SAFETY: `from_map` checked that `len` records from `ptr` lie in the
                // map and that `ptr` is aligned for `T`; `T: Pod` makes any bytes a
                // valid `T`; the map is immutable and lives as long as `self` (`map`).
                unsafe { std::slice::from_raw_parts(*ptr, *len) }
            }
        }
    }
}

impl<T: Pod> Arr<T> {
    /// The records in `range` of the map: read in place when possible, else copied.
    /// `None` when the range is outside the map or not a whole number of records.
    pub fn from_map(map: &Arc<Mapped>, range: Range<usize>) -> Option<Arr<T>> {
        let bytes = map.bytes().get(range.clone())?;
        if T::SIZE == 0 || bytes.len() % T::SIZE != 0 {
            return None;
        }
        let len = bytes.len() / T::SIZE;
        let aligned = (bytes.as_ptr() as usize).is_multiple_of(std::mem::align_of::<T>());
        if cfg!(target_endian = "little") && aligned {
            Some(Arr::Mapped {
                _map: Arc::clone(map),
                ptr: bytes.as_ptr() as *const T,
                len,
            })
        } else {
            Some(Arr::Heap(
                bytes.chunks_exact(T::SIZE).map(T::read_le).collect(),
            ))
        }
    }

    /// The array in the heap, copied there on first use (copy on write).
    pub fn vec(&mut self) -> &mut Vec<T> {
        if let Arr::Mapped { .. } = self {
            *self = Arr::Heap(self.to_vec());
        }
        match self {
            Arr::Heap(v) => v,
            Arr::Mapped { .. } => unreachable!("copied to the heap just above"),
        }
    }

    /// The records as little-endian bytes: the array's own memory on a little-endian
    /// machine, else a copy.
    pub fn le_bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        le_bytes(self)
    }
}

/// The little-endian bytes of `records`: the records' own memory on a little-endian
/// machine, else a copy.
pub fn le_bytes<T: Pod>(records: &[T]) -> std::borrow::Cow<'_, [u8]> {
    if cfg!(target_endian = "little") {
        // SAFETY: `T: Pod` has no padding, so its records are initialized bytes; the
        // slice covers exactly the records' memory and borrows it.
        std::borrow::Cow::Borrowed(unsafe {
            std::slice::from_raw_parts(
                records.as_ptr() as *const u8,
                std::mem::size_of_val(records),
            )
        })
    } else {
        let mut out = Vec::with_capacity(records.len() * T::SIZE);
        for x in records {
            x.write_le(&mut out);
        }
        std::borrow::Cow::Owned(out)
    }
}

/// Lists of `u32` by index (adjacency): a list per element in the heap, or compressed
/// sparse rows (offsets and entries) read in place from a checkpoint.
#[derive(Clone, Debug)]
pub enum Adj {
    /// Entries in the order they were pushed.
    Lists(Vec<Vec<u32>>),
    Csr {
        offsets: Arr<u32>,
        entries: Arr<u32>,
        /// Each list holds the entries of one predicate together, predicates ascending
        /// (`View::derive_adjacency`), so a scan for one predicate reads its run only.
        pred_runs: bool,
    },
}

impl Default for Adj {
    fn default() -> Self {
        Adj::Lists(Vec::new())
    }
}

impl Adj {
    /// `None` unless offsets start at 0, never decrease and end at the entries' length.
    pub fn csr(offsets: Arr<u32>, entries: Arr<u32>, pred_runs: bool) -> Option<Adj> {
        if offsets.first() != Some(&0)
            || offsets.last().map(|&l| l as usize) != Some(entries.len())
            || offsets.windows(2).any(|w| matches!(w, [a, b] if a > b))
        {
            return None;
        }
        Some(Adj::Csr {
            offsets,
            entries,
            pred_runs,
        })
    }

    /// True when every list holds each predicate's entries together (see the field).
    pub fn has_pred_runs(&self) -> bool {
        matches!(
            self,
            Adj::Csr {
                pred_runs: true,
                ..
            }
        )
    }

    /// Number of lists.
    pub fn len(&self) -> usize {
        match self {
            Adj::Lists(l) => l.len(),
            Adj::Csr { offsets, .. } => offsets.len().saturating_sub(1),
        }
    }

    #[inline]
    pub fn get(&self, i: usize) -> Option<&[u32]> {
        match self {
            Adj::Lists(l) => l.get(i).map(Vec::as_slice),
            Adj::Csr {
                offsets, entries, ..
            } => {
                let from = *offsets.get(i)? as usize;
                let to = *offsets.get(i + 1)? as usize;
                entries.get(from..to)
            }
        }
    }

    /// The lists in the heap, one `Vec` each, made on first use (copy on write).
    pub fn lists(&mut self) -> &mut Vec<Vec<u32>> {
        if let Adj::Csr { .. } = self {
            let lists = (0..self.len())
                .map(|i| self.get(i).unwrap_or_default().to_vec())
                .collect();
            *self = Adj::Lists(lists);
        }
        match self {
            Adj::Lists(l) => l,
            Adj::Csr { .. } => unreachable!("converted just above"),
        }
    }

    /// Writes offsets (u32, `len + 1` of them) then entries (u32); `None` when there are
    /// more than `u32::MAX` entries.
    pub fn write_csr(&self, offsets: &mut Vec<u8>, entries: &mut Vec<u8>) -> Option<()> {
        let mut at = 0u32;
        offsets.reserve((self.len() + 1) * 4);
        offsets.extend_from_slice(&0u32.to_le_bytes());
        for i in 0..self.len() {
            let list = self.get(i).unwrap_or_default();
            at = at.checked_add(u32::try_from(list.len()).ok()?)?;
            offsets.extend_from_slice(&at.to_le_bytes());
            entries.reserve(list.len() * 4);
            for x in list {
                entries.extend_from_slice(&x.to_le_bytes());
            }
        }
        Some(())
    }
}

/// Where a [`Lazy`] part comes from: its bytes in the map, and how to decode them.
type Source<T> = (Arc<Mapped>, Range<usize>, fn(&[u8]) -> Option<T>);

/// A part of the view decoded from the checkpoint on first use.
///
/// The bytes were covered by the checkpoint's checksum when it was opened; a part that
/// still does not decode (a forged file, or a writer bug) reads as empty and is reported
/// by [`Lazy::damage`], never a panic: `verify` then finds the view wrong and
/// `rematerialize` rebuilds it.
pub struct Lazy<T> {
    cell: OnceLock<T>,
    src: Option<Source<T>>,
    damaged: OnceLock<bool>,
}

impl<T: Default> Lazy<T> {
    pub fn new(value: T) -> Lazy<T> {
        Lazy {
            cell: OnceLock::from(value),
            src: None,
            damaged: OnceLock::new(),
        }
    }

    pub fn from_map(
        map: &Arc<Mapped>,
        range: Range<usize>,
        decode: fn(&[u8]) -> Option<T>,
    ) -> Self {
        Lazy {
            cell: OnceLock::new(),
            src: Some((Arc::clone(map), range, decode)),
            damaged: OnceLock::new(),
        }
    }

    fn decode(&self) -> T {
        let value = self
            .src
            .as_ref()
            .and_then(|(map, range, decode)| decode(map.bytes().get(range.clone())?));
        let _ = self.damaged.set(value.is_none() && self.src.is_some());
        value.unwrap_or_default()
    }

    /// True when the part was decoded and did not decode.
    pub fn damage(&self) -> bool {
        self.damaged.get().copied().unwrap_or(false)
    }
}

impl<T: Default> Default for Lazy<T> {
    fn default() -> Self {
        Lazy::new(T::default())
    }
}

impl<T: Default> Deref for Lazy<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        self.cell.get_or_init(|| self.decode())
    }
}

impl<T: Default> std::ops::DerefMut for Lazy<T> {
    fn deref_mut(&mut self) -> &mut T {
        let _ = self.cell.get_or_init(|| self.decode());
        self.src = None;
        match self.cell.get_mut() {
            Some(v) => v,
            None => unreachable!("initialized just above"),
        }
    }
}

impl<T: Clone + Default> Clone for Lazy<T> {
    fn clone(&self) -> Self {
        Lazy {
            cell: self.cell.clone(),
            src: self.src.clone(),
            damaged: self.damaged.clone(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Lazy<T> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self.cell.get() {
            Some(v) => v.fmt(f),
            None => f.write_str("Lazy(not decoded yet)"),
        }
    }
}
