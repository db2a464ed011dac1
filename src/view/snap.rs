//! The view's checkpoint payload (checkpoint format 8; 5-7 still load), read in place
//! from a map.
//!
//! The payload is a sequence of sections, each a u64 little-endian byte length, the
//! bytes, and zero padding to a multiple of 8 (the payload itself starts 8-aligned in
//! the file, so every section does too). In order:
//!
//! ```text
//! #     section      encoding                                         at open
//! 0     meta         bincode: watermark, counters, term count, preds, decoded
//!                    alias edges, live count
//! 1-2   terms        u32 offsets (terms + 1), records (`terms.rs`)    in place, each
//!                                                                     decoded on use
//! 3     types        bincode map term -> [(tx, type)]                 on first use
//! 4-6   articles     u32 article terms, sorted; u64 offsets           in place, each
//!                    (articles + 1); records: the bincode of each     decoded on use
//!                    ArticleMeta (`articles.rs`)
//! 7     first_seen   u64 per term                                     in place
//! 8     triples      (s, p, o) u32 each per triple                    in place
//! 9     live         u8 (0/1) per triple                              in place
//! 10-11 out          CSR: u32 offsets (terms + 1), u32 entries, each  in place
//!                    list by predicate, then triple id
//! 12-13 inc          CSR, as out                                      in place
//! 14-15 by_pred      CSR by predicate                                 in place
//! 16-17 supports     u32 offsets (triples + 1), then 24-byte records  in place
//!                    (`SupportRec`: asserted, retracted, source,      (`supports.rs`)
//!                    event index)
//! 18    name ids     u32 per entity name, by folded name (byte order) in place
//! 19    literal ids  u32 per literal, by record (byte order)          in place
//! 20    fact rows    u64 per predicate: `Snapshot::fact_rows_by_pred` in place
//!                    at the watermark (empty: not stored)             (then kept)
//! ```
//!
//! Format 7 differs in one place, and still loads: its `out` and `inc` lists are in
//! triple id order, so a scan for one predicate reads a list whole (format 8 reads the
//! predicate's run only: `View::derive_adjacency`). The next checkpoint after loading
//! one derives them again.
//!
//! Format 5-6 differ from 7 in two more places, and still load. Their articles are one section, a
//! bincode map term -> ArticleMeta, decoded whole on first use. Their supports are one
//! section: a u64 triple count, then varints per triple and support (`read_supports`),
//! a third the bytes of format 7's but decodable only whole: the first `as of`, `in ?a`
//! or `why` of a process decoded every triple's supports (4.9 s of a first provenance
//! question at 10M facts); they are decoded on first use into format 7's two arrays.
//! Format 5 also lacks the fact rows, computed on first use.
//!
//! Left out on purpose: everything derivable (name and literal maps, triple ids,
//! supported-by lists, articles by hash), as before; and a support's event tx, which
//! is always the tx that asserted it. The name and literal ids let a first query
//! resolve a name or a literal by binary search instead of hashing every term. The fact
//! rows are derived but stored anyway: computing them walks every fact (1.6-1.9 s at
//! 10M facts, on the first count by predicate of every process), and from a checkpoint
//! it is one read.
//!
//! Every length is checked against the bytes present, and every count against the
//! others, before anything is read; the in-place arrays need no other check, since
//! every read of them is bounds-checked (`get`).

use std::ops::Range;
use std::sync::Arc;

use super::alias::{AliasEdge, AliasMap};
use super::articles::{Articles, Sorted};
use super::mapped::{Adj, Arr, Lazy, Mapped, Pod};
use super::supports::{Base, Supports};
use super::terms::{self, Terms};
use super::{Counters, PredInfo, Side, SupportRec, View};
use crate::event::Tx;

/// Decoding a section never allocates more than this.
const MAX_SECTION: usize = 16 << 30;

fn config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_SECTION>()
}

fn bincode_of<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, String> {
    bincode::serde::encode_to_vec(value, config()).map_err(|e| e.to_string())
}

fn from_bincode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    match bincode::serde::decode_from_slice::<T, _>(bytes, config()) {
        Ok((v, read)) if read == bytes.len() => Some(v),
        _ => None,
    }
}

type Meta = (Tx, Counters, u64, Vec<PredInfo>, Vec<AliasEdge>, u64);

/// The checkpoint format [`View::encode_payload`] writes.
pub const FORMAT: u16 = 8;
/// The oldest checkpoint format [`View::decode_payload`] reads.
pub const OLDEST_FORMAT: u16 = 5;

/// Where the payload goes, a piece at a time (the file, through a buffer and a
/// checksum): no copy of the whole payload is ever made.
pub type Sink<'a> = dyn FnMut(&[u8]) -> Result<(), String> + 'a;

struct Out<'s, 'a> {
    sink: &'s mut Sink<'a>,
    len: usize,
}

impl Out<'_, '_> {
    fn put(&mut self, b: &[u8]) -> Result<(), String> {
        self.len += b.len();
        (self.sink)(b)
    }

    /// A section: length, bytes, padding.
    fn section(&mut self, b: &[u8]) -> Result<(), String> {
        self.put(&(b.len() as u64).to_le_bytes())?;
        self.put(b)?;
        self.pad()
    }

    fn pad(&mut self) -> Result<(), String> {
        let pad = (8 - self.len % 8) % 8;
        self.put([0u8; 8].get(..pad).unwrap_or_default())
    }

    /// A section of `len` bytes that `write` puts a piece at a time (no copy of it
    /// whole is made).
    fn section_with(
        &mut self,
        len: usize,
        write: impl FnOnce(&mut dyn FnMut(&[u8]) -> Result<(), String>) -> Result<(), String>,
    ) -> Result<(), String> {
        self.put(&(len as u64).to_le_bytes())?;
        let start = self.len;
        write(&mut |b| self.put(b))?;
        if self.len - start != len {
            return Err("a section came out of another length than announced".to_string());
        }
        self.pad()
    }
}

type TermSections = (Vec<u8>, Vec<u8>, Vec<super::TermId>, Vec<super::TermId>);

/// The sections `encode_payload` makes while the terms are encoded.
struct Rest {
    types: Vec<u8>,
    articles: [Vec<u8>; 3],
}

impl View {
    /// Writes the checkpoint payload (module doc) to `sink`; the payload must start
    /// 8-aligned in the file.
    pub fn encode_payload(&self, sink: &mut Sink) -> Result<(), String> {
        let mut out = Out { sink, len: 0 };
        let meta = (
            self.watermark,
            self.counters,
            self.first_seen.len() as u64,
            &self.preds,
            &self.alias_edges,
            self.live_count,
        );
        out.section(&bincode_of(&meta)?)?;
        // The terms' records and their sorted indexes (a third of the work here) are
        // made on a second thread while this one derives the adjacencies and encodes
        // the rest; the sections are then written in their order. A checkpoint is
        // written at the end of a rebuild or an import, when the other threads of
        // those are done.
        let (terms, rest, fact_rows) = std::thread::scope(|scope| {
            let terms = scope.spawn(|| self.encode_terms());
            // Its own thread too: it walks every fact when no write kept it (a rebuild).
            let fact_rows = scope.spawn(|| {
                let mut rows = self.snapshot(None).fact_rows_by_pred().unwrap_or_default();
                rows.resize(self.preds.len(), 0);
                rows
            });
            let rest = self.encode_rest();
            let terms = terms
                .join()
                .unwrap_or_else(|_| Err("the thread encoding terms panicked".to_string()));
            let fact_rows = fact_rows
                .join()
                .map_err(|_| "the thread counting facts panicked".to_string());
            (terms, rest, fact_rows)
        });
        let fact_rows = fact_rows?;
        let (term_offsets, term_bytes, name_ids, literal_ids) = terms?;
        out.section(&term_offsets)?;
        out.section(&term_bytes)?;
        drop((term_offsets, term_bytes));
        let Rest { types, articles } = rest?;
        out.section(&types)?;
        for section in &articles {
            out.section(section)?;
        }
        out.section(&self.first_seen.le_bytes())?;
        out.section(&self.triples.le_bytes())?;
        out.section(&self.live.le_bytes())?;
        let too_big = || "an array is too large for a checkpoint".to_string();
        let sides = [
            (self.out(), Some(Side::Out)),
            (self.inc(), Some(Side::In)),
            (self.by_pred(), None),
        ];
        for (adj, side) in sides {
            // `out` and `inc` are written with their predicate runs: lists that writes
            // added to since they were derived, or read from a format 7 checkpoint, are
            // derived again.
            let derived;
            let adj = match side {
                Some(side) if !adj.has_pred_runs() => {
                    derived = self.derive_adjacency(side);
                    &derived
                }
                _ => adj,
            };
            match adj {
                Adj::Csr {
                    offsets, entries, ..
                } => {
                    out.section(&offsets.le_bytes())?;
                    out.section(&entries.le_bytes())?;
                }
                Adj::Lists(_) => {
                    let (mut offsets, mut entries) = (Vec::new(), Vec::new());
                    adj.write_csr(&mut offsets, &mut entries)
                        .ok_or_else(too_big)?;
                    out.section(&offsets)?;
                    out.section(&entries)?;
                }
            }
        }
        // Streamed: a rebuild at 10M facts would otherwise hold a copy of them all.
        let records = self.supports.record_count().ok_or_else(too_big)?;
        out.section_with((self.supports.len() + 1) * 4, |put| {
            self.supports.write_offsets(put)
        })?;
        out.section_with(records as usize * SupportRec::SIZE, |put| {
            self.supports.write_records(put)
        })?;
        for ids in [name_ids, literal_ids] {
            out.section(&Arr::Heap(ids).le_bytes())?;
        }
        out.section(&Arr::Heap(fact_rows).le_bytes())?;
        Ok(())
    }

    /// The terms' offsets and records, and the term ids sorted by folded name and by
    /// literal (`encode_payload`).
    fn encode_terms(&self) -> Result<TermSections, String> {
        let (mut term_offsets, mut term_bytes) = (Vec::new(), Vec::new());
        self.terms.write(&mut term_offsets, &mut term_bytes)?;
        let (name_ids, literal_ids) = {
            let offset = |i: usize| -> usize {
                let b = term_offsets.get(i * 4..i * 4 + 4).unwrap_or_default();
                u32::from_le_bytes(b.try_into().unwrap_or_default()) as usize
            };
            let records: Vec<&[u8]> = (0..self.terms.len())
                .map(|i| term_bytes.get(offset(i)..offset(i + 1)).unwrap_or_default())
                .collect();
            terms::sorted_indexes(&records)
        };
        Ok((term_offsets, term_bytes, name_ids, literal_ids))
    }

    /// The encoded types and articles, with the adjacencies derived
    /// (`encode_payload`).
    fn encode_rest(&self) -> Result<Rest, String> {
        let types = bincode_of(&*self.types)?;
        let articles = self.encode_articles()?;
        // Derived now (a replay does not keep them), while the terms are encoded.
        let _ = (self.out(), self.inc(), self.by_pred());
        Ok(Rest { types, articles })
    }

    /// The article sections: sorted terms, offsets, records (module doc).
    fn encode_articles(&self) -> Result<[Vec<u8>; 3], String> {
        // What reads as the articles (a damaged one of a forged file does not), by term.
        let mut articles: Vec<(super::TermId, &super::ArticleMeta)> =
            self.articles.iter().collect();
        articles.sort_unstable_by_key(|(t, _)| *t);
        articles.dedup_by_key(|(t, _)| *t);
        let mut terms = Vec::with_capacity(articles.len());
        let mut offsets = Vec::with_capacity((articles.len() + 1) * 8);
        let mut records = Vec::new();
        offsets.extend_from_slice(&0u64.to_le_bytes());
        for (t, meta) in articles {
            terms.push(t);
            bincode::serde::encode_into_std_write(meta, &mut records, config())
                .map_err(|e| e.to_string())?;
            offsets.extend_from_slice(&(records.len() as u64).to_le_bytes());
        }
        Ok([Arr::Heap(terms).le_bytes().into_owned(), offsets, records])
    }

    /// A view from a payload of checkpoint format `format` occupying `payload` of the
    /// map; `Err` says why not.
    pub fn decode_payload(
        map: &Arc<Mapped>,
        payload: Range<usize>,
        format: u16,
    ) -> Result<View, String> {
        if !(OLDEST_FORMAT..=FORMAT).contains(&format) {
            return Err(format!("its format {format} is not this build's"));
        }
        let mut sections = Sections {
            map,
            at: payload.start,
            end: payload.end,
        };
        let meta = sections.next()?;
        let (watermark, counters, n_terms, preds, alias_edges, live_count): Meta = map
            .bytes()
            .get(meta)
            .and_then(from_bincode)
            .ok_or("its summary cannot be decoded")?;
        let term_offsets: Arr<u32> = sections.arr()?;
        let term_bytes: Arr<u8> = sections.arr()?;
        let terms = Terms::mapped(term_offsets, term_bytes).ok_or("its terms are inconsistent")?;
        let types = Lazy::from_map(map, sections.next()?, from_bincode);
        let bad = |what: &str| format!("its {what} are inconsistent");
        let articles = if format >= 7 {
            let terms: Arr<u32> = sections.arr()?;
            let offsets: Arr<u64> = sections.arr()?;
            let records: Arr<u8> = sections.arr()?;
            Articles::sorted(
                Sorted::new(terms, offsets, records, from_bincode)
                    .ok_or_else(|| bad("articles"))?,
            )
        } else {
            Articles::from_map(Lazy::from_map(map, sections.next()?, from_bincode))
        };
        let first_seen: Arr<u64> = sections.arr()?;
        let triples: Arr<super::Triple> = sections.arr()?;
        let live: Arr<u8> = sections.arr()?;
        let out = sections.adj(format >= 8)?;
        let inc = sections.adj(format >= 8)?;
        let by_pred = sections.adj(false)?;
        let supports = if format >= 7 {
            let offsets: Arr<u32> = sections.arr()?;
            let records: Arr<SupportRec> = sections.arr()?;
            Supports::mapped(
                Base::new(offsets, records, triples.len()).ok_or_else(|| bad("supports"))?,
            )
        } else {
            let range = sections.next()?;
            let bytes = map.bytes().get(range.clone()).unwrap_or_default();
            if supports_count(bytes) != Some(triples.len()) {
                return Err(bad("supports"));
            }
            Supports::lazy(Lazy::from_map(map, range, read_supports), triples.len())
        };
        let name_ids: Arr<u32> = sections.arr()?;
        let literal_ids: Arr<u32> = sections.arr()?;
        let fact_rows: Option<Arr<u64>> = if format >= 6 {
            Some(sections.arr()?)
        } else {
            None
        };
        if sections.at != sections.end {
            return Err("it has trailing bytes".into());
        }
        if first_seen.len() as u64 != n_terms
            || out.len() != first_seen.len()
            || terms.len() != first_seen.len()
        {
            return Err(bad("terms"));
        }
        if inc.len() != first_seen.len() || by_pred.len() != preds.len() {
            return Err(bad("indexes"));
        }
        if live.len() != triples.len() || live.iter().any(|&l| l > 1) {
            return Err(bad("liveness flags"));
        }
        let pred_ids = preds
            .iter()
            .enumerate()
            .map(|(i, p)| (p.name.clone(), i as u32))
            .collect();
        let current_aliases = AliasMap::build(&alias_edges, watermark);
        let fact_rows = match fact_rows {
            Some(rows) if rows.len() == preds.len() => {
                std::sync::OnceLock::from(rows.iter().copied().collect::<Vec<u64>>())
            }
            Some(rows) if rows.is_empty() => std::sync::OnceLock::new(),
            Some(_) => return Err(bad("fact counts")),
            None => std::sync::OnceLock::new(),
        };
        Ok(View {
            watermark,
            counters,
            terms,
            first_seen,
            preds,
            pred_ids,
            triples,
            supports,
            live,
            live_count,
            out: out.into(),
            inc: inc.into(),
            by_pred: by_pred.into(),
            types,
            alias_edges,
            articles,
            current_aliases,
            term_index: Some(super::TermIndex {
                names: name_ids,
                literals: literal_ids,
            }),
            fact_rows,
            ..View::default()
        })
    }
}

struct Sections<'m> {
    map: &'m Arc<Mapped>,
    at: usize,
    end: usize,
}

impl Sections<'_> {
    /// The byte range of the next section.
    fn next(&mut self) -> Result<Range<usize>, String> {
        let truncated = || "it is truncated".to_string();
        let bytes = self.map.bytes();
        let len_bytes = bytes
            .get(self.at..self.at.checked_add(8).ok_or_else(truncated)?)
            .filter(|_| self.at + 8 <= self.end)
            .ok_or_else(truncated)?;
        let len = u64::from_le_bytes(len_bytes.try_into().map_err(|_| truncated())?);
        let start = self.at + 8;
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l <= self.end - start)
            .ok_or_else(truncated)?;
        let padded = len.div_ceil(8) * 8;
        if padded > self.end - start {
            return Err(truncated());
        }
        self.at = start + padded;
        Ok(start..start + len)
    }

    fn arr<T: super::mapped::Pod>(&mut self) -> Result<Arr<T>, String> {
        let range = self.next()?;
        Arr::from_map(self.map, range).ok_or_else(|| "an array is truncated".to_string())
    }

    fn adj(&mut self, pred_runs: bool) -> Result<Adj, String> {
        let offsets = self.arr()?;
        let entries = self.arr()?;
        Adj::csr(offsets, entries, pred_runs)
            .ok_or_else(|| "an adjacency is inconsistent".to_string())
    }
}

#[cfg(test)]
fn put_varint(out: &mut Vec<u8>, mut x: u64) {
    while x >= 0x80 {
        out.push((x as u8) | 0x80);
        x >>= 7;
    }
    out.push(x as u8);
}

/// Reads a LEB128 varint off the front of `b`; `None` when truncated or over 64 bits.
#[inline(always)]
fn take_varint(b: &mut &[u8]) -> Option<u64> {
    // Most values (an event index, a retraction that never came) take one byte.
    if let Some((&byte, rest)) = b.split_first() {
        if byte < 0x80 {
            *b = rest;
            return Some(u64::from(byte));
        }
    }
    let mut x = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = b.split_first()?;
        *b = rest;
        x |= u64::from(byte & 0x7f).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(x);
        }
    }
    None
}

/// Format 5-6's section 14: the triple count (u64), then per triple a varint count of
/// supports and per support four varints: asserted tx, retracted tx + 1 (wrapping:
/// live is 0), source term + 1 (0: none), event index. Written by tests only now.
#[cfg(test)]
fn write_supports<'a>(
    supports: impl ExactSizeIterator<Item = &'a [SupportRec]>,
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(&(supports.len() as u64).to_le_bytes());
    for list in supports {
        put_varint(out, list.len() as u64);
        for r in list {
            put_varint(out, r.asserted);
            put_varint(out, r.retracted.wrapping_add(1));
            put_varint(out, r.source().map_or(0, |s| u64::from(s) + 1));
            put_varint(out, u64::from(r.index));
        }
    }
}

/// The triple count a format 5-6 section 14 claims, if its bytes could hold that many (one byte
/// per triple at least): checked at open, the rest when decoded.
fn supports_count(b: &[u8]) -> Option<usize> {
    let n = usize::try_from(u64::from_le_bytes(b.get(..8)?.try_into().ok()?)).ok()?;
    (n <= b.len() - 8).then_some(n)
}

/// Format 5-6's section 14, decoded into format 7's arrays (in the heap).
fn read_supports(b: &[u8]) -> Option<Base> {
    let n = supports_count(b)?;
    let mut rest = b.get(8..)?;
    let mut offsets = Vec::with_capacity(n + 1);
    // About 9 bytes a support.
    let mut records = Vec::with_capacity(rest.len() / 9);
    offsets.push(0u32);
    for _ in 0..n {
        let count = usize::try_from(take_varint(&mut rest)?).ok()?;
        // A support takes four bytes at least: a count cannot ask for more.
        if count > rest.len() / 4 {
            return None;
        }
        for _ in 0..count {
            let asserted = take_varint(&mut rest)?;
            let retracted = take_varint(&mut rest)?.wrapping_sub(1);
            let source = match take_varint(&mut rest)? {
                0 => None,
                s => Some(u32::try_from(s - 1).ok()?),
            };
            let index = u32::try_from(take_varint(&mut rest)?).ok()?;
            // A term that is the no-source mark could not come from a view.
            if source == Some(super::NO_SOURCE) {
                return None;
            }
            records.push(SupportRec {
                retracted,
                ..SupportRec::new(asserted, source, index)
            });
        }
        offsets.push(u32::try_from(records.len()).ok()?);
    }
    if !rest.is_empty() {
        return None;
    }
    Base::new(Arr::Heap(offsets), Arr::Heap(records), n)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn format_6_supports_round_trip_and_truncation() {
        let rec = |a: Tx, s: Option<u32>| SupportRec::new(a, s, 3);
        let lists: Vec<Vec<SupportRec>> = vec![
            vec![rec(1, Some(4))],
            vec![],
            vec![rec(2, None), rec(5, Some(0))],
            vec![SupportRec {
                retracted: 9,
                ..rec(1 << 40, Some(u32::MAX - 1))
            }],
        ];
        let mut b = Vec::new();
        write_supports(lists.iter().map(Vec::as_slice), &mut b);
        let base = read_supports(&b).unwrap();
        assert_eq!(base.len(), lists.len());
        for (i, list) in lists.iter().enumerate() {
            assert_eq!(base.get(i).unwrap(), list.as_slice());
        }
        for cut in 0..b.len() {
            assert!(read_supports(&b[..cut]).is_none(), "cut at {cut}");
        }
    }

    fn commit(view: &mut View, events: Vec<crate::event::Event>) {
        let c = crate::event::Commit {
            tx: view.watermark() + 1,
            time: chrono::DateTime::from_timestamp(0, 0).unwrap(),
            events,
        };
        view.apply(&c).unwrap();
    }

    fn fact(s: &str, p: &str, o: crate::value::Value, article: &str) -> crate::event::Event {
        use crate::event::{Event, FactAsserted, Source, Support};
        Event::FactAsserted(FactAsserted {
            subject: s.into(),
            predicate: p.into(),
            object: o,
            support: Support::from_source(Source::Article(article.into())),
        })
    }

    fn sample() -> View {
        use crate::event::{Event, FactRetracted};
        use crate::value::Value;
        let mut v = View::new();
        commit(
            &mut v,
            vec![fact(
                "G42",
                "partner_of",
                Value::Entity("OpenAI".into()),
                "a1",
            )],
        );
        commit(
            &mut v,
            vec![fact("Élan", "said", Value::Str("« Oui »".into()), "a2")],
        );
        commit(
            &mut v,
            vec![
                fact("OpenAI", "ceo_of", Value::Int(7), "a2"),
                Event::AliasAdded {
                    alias: "Open AI".into(),
                    canonical: "OpenAI".into(),
                },
            ],
        );
        commit(
            &mut v,
            vec![Event::FactRetracted(FactRetracted {
                subject: "G42".into(),
                predicate: "partner_of".into(),
                object: Value::Entity("OpenAI".into()),
                article: None,
                reason: None,
            })],
        );
        v
    }

    fn payload(v: &View) -> Vec<u8> {
        let mut out = Vec::new();
        v.encode_payload(&mut |b: &[u8]| {
            out.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        out
    }

    fn decode(bytes: Vec<u8>) -> Result<View, String> {
        let len = bytes.len();
        View::decode_payload(&Arc::new(Mapped::from_vec(bytes)), 0..len, FORMAT)
    }

    /// Every read a query or a write might do.
    fn exercise(v: &View) {
        use crate::value::Value;
        prefetch_everything(v);
        for at in [None, Some(0), Some(2)] {
            let snap = v.snapshot(at);
            snap.fact_counts();
            snap.facts(None, &mut |_| {});
            for t in 0..v.term_count() as crate::view::TermId + 2 {
                snap.term(t);
                snap.facts_from(t, None, &mut |_| {});
                snap.facts_to(t, None, &mut |_| {});
                snap.mentions(t);
                snap.entity_type(t);
            }
            for name in ["openai", "Open AI", "élan", "nobody"] {
                snap.resolve_name(name);
            }
            snap.resolve_literal(&Value::Str("« Oui »".into()));
            snap.resolve_literal(&Value::Int(7));
            snap.names_with_prefix("o");
        }
        // Again, with the terms decoded now: the deeper prefetches follow them.
        prefetch_everything(v);
        let mut w = v.clone();
        let tx = w.watermark() + 1;
        let _ = w.apply(&crate::event::Commit {
            tx,
            time: chrono::DateTime::from_timestamp(0, 0).unwrap(),
            events: vec![
                fact("OpenAI", "partner_of", Value::Entity("G42".into()), "a3"),
                crate::event::Event::ArticleRetracted {
                    id: "a2".into(),
                    reason: None,
                },
            ],
        });
        let _ = payload(&w);
    }

    /// Every prefetch a query might ask for, of every term and every row of every
    /// adjacency list, past the ends too: hints that must never fail, whatever the view
    /// (they run only on large views, which the tests do not build).
    fn prefetch_everything(v: &View) {
        use crate::view::TermDepth;
        for t in 0..v.term_count() as crate::view::TermId + 2 {
            for depth in [TermDepth::Slot, TermDepth::Decoded, TermDepth::Text] {
                v.prefetch_term(t, depth);
            }
        }
        for at in [None, Some(0), Some(2)] {
            let snap = v.snapshot(at);
            for adj in [v.out(), v.inc(), v.by_pred()] {
                for i in 0..adj.len() + 1 {
                    let list = adj.get(i).unwrap_or_default();
                    for row in 0..list.len() + 9 {
                        snap.prefetch_scan(list, row);
                    }
                }
            }
            // A long list of every triple, mirrored too, so that rows ahead exist; and
            // entries past the triples, as a forged list could hold.
            let every: Vec<u32> = (0..v.triple_count() as u32)
                .flat_map(|id| [id, id | crate::view::MIRROR])
                .cycle()
                .take(24)
                .collect();
            for row in 0..every.len() {
                snap.prefetch_scan(&every, row);
            }
            snap.prefetch_scan(&[u32::MAX; 12], 0);
        }
    }

    #[test]
    fn a_checkpoint_reads_back_as_the_view_it_was() {
        let v = sample();
        let back = decode(payload(&v)).unwrap();
        back.same_as(&v).unwrap();
        let (a, b) = (v.snapshot(None), back.snapshot(None));
        assert_eq!(a.resolve_name("open ai"), b.resolve_name("open ai"));
        assert!(b
            .resolve_literal(&crate::value::Value::Str("« Oui »".into()))
            .is_some());
        assert!(b.resolve_literal(&crate::value::Value::Int(8)).is_none());
        assert_eq!(a.fact_counts(), b.fact_counts());
        exercise(&back);
    }

    /// A write without facts (here an alias) leaves the triple index of a loaded view
    /// unbuilt, look-ahead or not: building it walks every triple. A fact builds it, as
    /// interning its triple always did.
    #[test]
    fn only_a_fact_builds_the_triple_index_of_a_loaded_view() {
        use crate::event::Event;
        use crate::value::Value;
        let mut back = decode(payload(&sample())).unwrap();
        assert!(back.triple_ids.get().is_none());
        commit(
            &mut back,
            vec![Event::AliasAdded {
                alias: "G 42".into(),
                canonical: "G42".into(),
            }],
        );
        assert!(back.triple_ids.get().is_none());
        commit(
            &mut back,
            vec![fact(
                "G42",
                "partner_of",
                Value::Entity("OpenAI".into()),
                "a3",
            )],
        );
        assert!(back.triple_ids.get().is_some());
    }

    /// Rows per predicate by a plain walk of every fact: what the kept counts must be.
    fn walked_rows(v: &View) -> Vec<u64> {
        let mut rows = vec![0u64; v.preds.len()];
        v.snapshot(None)
            .facts(None, &mut |f| rows[f.p as usize] += 1);
        rows
    }

    fn rows_of(v: &View) -> Vec<u64> {
        let mut rows = v.snapshot(None).fact_rows_by_pred_walking(0).unwrap();
        rows.resize(v.preds.len(), 0);
        rows
    }

    #[test]
    fn stored_fact_rows_are_read_back_and_kept_through_later_writes() {
        use crate::event::{Event, FactRetracted};
        use crate::value::Value;
        let v = sample();
        let mut back = decode(payload(&v)).unwrap();
        assert!(back.fact_rows.get().is_some(), "format 6 stores the rows");
        assert_eq!(rows_of(&back), walked_rows(&v));
        // Writes after the checkpoint: a new fact on a merged entity, a new predicate,
        // a retraction, an alias that merges two names stating one fact, an article
        // retraction. Each must leave the loaded rows what a walk says.
        let writes = vec![
            vec![fact(
                "Open AI",
                "partner_of",
                Value::Entity("G42".into()),
                "a3",
            )],
            vec![fact("Élan", "founded", Value::Int(1999), "a3")],
            vec![Event::FactRetracted(FactRetracted {
                subject: "Élan".into(),
                predicate: "said".into(),
                object: Value::Str("« Oui »".into()),
                article: None,
                reason: None,
            })],
            vec![
                fact("G 42", "partner_of", Value::Entity("OpenAI".into()), "a4"),
                Event::AliasAdded {
                    alias: "G 42".into(),
                    canonical: "G42".into(),
                },
            ],
            vec![Event::ArticleRetracted {
                id: "a3".into(),
                reason: None,
            }],
        ];
        for events in writes {
            commit(&mut back, events);
            assert_eq!(rows_of(&back), walked_rows(&back));
            // And what a checkpoint of the written view stores.
            let again = decode(payload(&back)).unwrap();
            assert_eq!(rows_of(&again), walked_rows(&back));
        }
    }

    /// The sections of a payload.
    fn sections_of(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
            out.push(bytes[at + 8..at + 8 + len].to_vec());
            at += 8 + len.div_ceil(8) * 8;
        }
        out
    }

    fn payload_of(sections: &[Vec<u8>]) -> Vec<u8> {
        let mut out = Vec::new();
        for s in sections {
            out.extend_from_slice(&(s.len() as u64).to_le_bytes());
            out.extend_from_slice(s);
            out.resize(out.len().div_ceil(8) * 8, 0);
        }
        out
    }

    /// `v`'s checkpoint payload in format 6: format 7 with its supports as varints in
    /// one section, and its articles as one bincode map.
    pub(crate) fn format_6_payload(v: &View) -> Vec<u8> {
        let mut sections = sections_of(&payload(v));
        let mut varints = Vec::new();
        write_supports(
            (0..v.triple_count()).map(|i| v.supports(i as u32)),
            &mut varints,
        );
        sections.splice(SUPPORTS..SUPPORTS + 2, [varints]);
        let articles: rustc_hash::FxHashMap<super::super::TermId, super::super::ArticleMeta> =
            v.articles().map(|(t, a)| (t, a.clone())).collect();
        sections.splice(ARTICLES..ARTICLES + 3, [bincode_of(&articles).unwrap()]);
        payload_of(&sections)
    }

    /// The first section of the articles and of the supports, in format 7.
    const ARTICLES: usize = 4;
    const SUPPORTS: usize = 16;

    /// The supports of every triple of `v`.
    fn all_supports(v: &View) -> Vec<Vec<SupportRec>> {
        (0..v.triple_count() as u32)
            .map(|i| v.supports(i).to_vec())
            .collect()
    }

    #[test]
    fn a_format_6_checkpoint_loads_and_decodes_supports_on_first_use() {
        let v = sample();
        let bytes = format_6_payload(&v);
        let len = bytes.len();
        let map = Arc::new(Mapped::from_vec(bytes));
        assert!(View::decode_payload(&map, 0..len, FORMAT).is_err());
        let mut old = View::decode_payload(&map, 0..len, 6).unwrap();
        old.same_as(&v).unwrap();
        assert_eq!(all_supports(&old), all_supports(&v));
        assert_eq!(all_articles(&old), all_articles(&v));
        exercise(&old);
        // Written to, then saved in format 7.
        let mut fresh = v.clone();
        for events in later_writes() {
            commit(&mut old, events.clone());
            commit(&mut fresh, events);
        }
        assert_eq!(all_supports(&old), all_supports(&fresh));
        assert_eq!(all_articles(&old), all_articles(&fresh));
        let again = decode(payload(&old)).unwrap();
        again.same_as(&fresh).unwrap();
        assert_eq!(all_articles(&again), all_articles(&fresh));
        // A section 14 that does not decode is found by `verify`, never a panic.
        let mut sections = sections_of(&format_6_payload(&v));
        // Format 6 has one section for the articles, not three.
        let last = sections[SUPPORTS - 2].len() - 1;
        sections[SUPPORTS - 2][last] = 0x80;
        let bytes = payload_of(&sections);
        let len = bytes.len();
        let broken = View::decode_payload(&Arc::new(Mapped::from_vec(bytes)), 0..len, 6).unwrap();
        assert!(broken.supports(0).is_empty());
        assert!(broken.same_as(&v).is_err());
    }

    /// Writes on a loaded view that touch its checkpointed supports and add more.
    fn later_writes() -> Vec<Vec<crate::event::Event>> {
        use crate::event::{Event, FactRetracted};
        use crate::value::Value;
        vec![
            // A new support on an old triple, and a new triple.
            vec![
                fact("Élan", "said", Value::Str("« Oui »".into()), "a3"),
                fact("Élan", "founded", Value::Int(1999), "a3"),
            ],
            // One support of two retracted (by article).
            vec![Event::FactRetracted(FactRetracted {
                subject: "Élan".into(),
                predicate: "said".into(),
                object: Value::Str("« Oui »".into()),
                article: Some("a2".into()),
                reason: None,
            })],
            // An article retracted: its old and new triples' supports.
            vec![Event::ArticleRetracted {
                id: "a3".into(),
                reason: None,
            }],
            // A retracted triple asserted again, and a support on a new triple.
            vec![
                fact("G42", "partner_of", Value::Entity("OpenAI".into()), "a4"),
                fact("Élan", "founded", Value::Int(1999), "a4"),
            ],
            // A checkpointed article retracted, a new one added.
            vec![
                Event::ArticleRetracted {
                    id: "a1".into(),
                    reason: None,
                },
                article("a5", "2024-05-14"),
            ],
        ]
    }

    fn article(id: &str, published: &str) -> crate::event::Event {
        crate::event::Event::ArticleAdded(crate::event::Article {
            id: id.into(),
            title: Some(format!("Title of {id}")),
            url: None,
            published: published.parse().ok(),
            language: Some("fr".into()),
            text: String::new(),
            content_hash: format!("hash of {id}"),
            mentions: vec!["G42".into(), id.into()],
        })
    }

    /// The articles of `v`, sorted by term, with `v.article` of each.
    fn all_articles(v: &View) -> Vec<String> {
        let mut out: Vec<String> = v
            .articles()
            .map(|(t, a)| format!("{t} {a:?} {:?}", v.article(t).map(|b| b.added)))
            .collect();
        out.sort();
        assert_eq!(out.len(), v.article_count());
        out
    }

    #[test]
    fn supports_read_in_place_equal_the_written_view_through_writes_and_reloads() {
        let mut fresh = sample();
        let mut loaded = decode(payload(&fresh)).unwrap();
        assert_eq!(all_supports(&loaded), all_supports(&fresh));
        assert_eq!(all_articles(&loaded), all_articles(&fresh));
        for events in later_writes() {
            commit(&mut fresh, events.clone());
            commit(&mut loaded, events);
            assert_eq!(all_supports(&loaded), all_supports(&fresh));
            assert_eq!(all_articles(&loaded), all_articles(&fresh));
            loaded.same_as(&fresh).unwrap();
            // Saved and loaded again, then written again next round.
            loaded = decode(payload(&loaded)).unwrap();
            assert_eq!(all_supports(&loaded), all_supports(&fresh));
            assert_eq!(all_articles(&loaded), all_articles(&fresh));
            loaded.same_as(&fresh).unwrap();
        }
        // The snapshots of the past read the same supports.
        for at in 0..=fresh.watermark() {
            let (a, b) = (fresh.snapshot(Some(at)), loaded.snapshot(Some(at)));
            for t in 0..fresh.triple_count() as u32 {
                assert_eq!(a.triple_live(t), b.triple_live(t));
                assert!(a.live_supports(t).eq(b.live_supports(t)));
            }
        }
    }

    #[test]
    fn supports_offsets_out_of_order_read_as_none_and_are_reported() {
        let v = sample();
        let mut sections = sections_of(&payload(&v));
        // Offsets 0, 1, 2, 3 for three triples: 0, 3, 2, 3 puts triple 1's out of order.
        let offsets: Vec<u32> = sections[SUPPORTS]
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(offsets.len(), v.triple_count() + 1);
        let mut forged = offsets.clone();
        forged[1] = *offsets.last().unwrap();
        sections[SUPPORTS] = forged.iter().flat_map(|o| o.to_le_bytes()).collect();
        let broken = decode(payload_of(&sections)).unwrap();
        assert!(broken.supports(1).is_empty());
        exercise(&broken);
        assert!(broken.same_as(&v).is_err());
        // Ends that do not match the records: refused at open.
        for (at, value) in [(0, 1), (offsets.len() - 1, 99)] {
            let mut forged = offsets.clone();
            forged[at] = value;
            sections[SUPPORTS] = forged.iter().flat_map(|o| o.to_le_bytes()).collect();
            assert!(decode(payload_of(&sections)).is_err());
        }
        // Records not a whole number: refused.
        let mut sections = sections_of(&payload(&v));
        sections[SUPPORTS + 1].pop();
        assert!(decode(payload_of(&sections)).is_err());
    }

    #[test]
    fn articles_are_counted_without_decoding_and_bad_ones_are_reported() {
        let mut v = sample();
        commit(
            &mut v,
            vec![article("a1", "2024-01-02"), article("a2", "bad")],
        );
        let sections = sections_of(&payload(&v));
        let terms: Vec<u32> = sections[ARTICLES]
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(terms.len(), 2);
        // A record that does not decode: counted, read as no article, reported.
        let mut forged = sections.clone();
        // The last byte of the first record: a mention's term, now no varint at all.
        let first_end = u64::from_le_bytes(sections[ARTICLES + 1][8..16].try_into().unwrap());
        forged[ARTICLES + 2][first_end as usize - 1] = 0xff;
        let broken = decode(payload_of(&forged)).unwrap();
        assert_eq!(broken.article_count(), 2);
        assert!(broken.damaged());
        exercise(&broken);
        assert!(broken.same_as(&v).is_err());
        // Terms out of order: reported.
        let mut forged = sections.clone();
        forged[ARTICLES] = [terms[1], terms[0]]
            .iter()
            .flat_map(|t| t.to_le_bytes())
            .collect();
        let broken = decode(payload_of(&forged)).unwrap();
        exercise(&broken);
        assert!(broken.damaged());
        // Offsets that do not end at the records, or not one per term: refused.
        for cut in [ARTICLES, ARTICLES + 1, ARTICLES + 2] {
            let mut forged = sections.clone();
            let len = forged[cut].len();
            forged[cut].truncate(len - 1);
            assert!(decode(payload_of(&forged)).is_err(), "section {cut}");
        }
        let good = decode(payload_of(&sections)).unwrap();
        assert!(!good.damaged());
        assert_eq!(all_articles(&good), all_articles(&v));
    }

    #[test]
    fn a_format_5_checkpoint_loads_and_counts_on_first_use() {
        let v = sample();
        let mut sections = sections_of(&format_6_payload(&v));
        // Format 5 is format 6 without its last section (fact rows).
        sections.pop();
        let bytes = payload_of(&sections);
        let len = bytes.len();
        let map = Arc::new(Mapped::from_vec(bytes));
        assert!(View::decode_payload(&map, 0..len, 6).is_err());
        let old = View::decode_payload(&map, 0..len, 5).unwrap();
        assert!(old.fact_rows.get().is_none());
        old.same_as(&v).unwrap();
        assert_eq!(rows_of(&old), walked_rows(&v));
        assert!(View::decode_payload(&map, 0..len, 4).is_err());
    }

    #[test]
    fn a_view_sized_by_another_starts_empty() {
        let v = sample();
        let hint = v.size_hint();
        assert_eq!(
            (hint.terms, hint.triples),
            (v.term_count(), v.triple_count())
        );
        let sized = View::with_size_hint(hint);
        assert_eq!((sized.term_count(), sized.triple_count()), (0, 0));
    }

    #[test]
    fn a_forged_checkpoint_never_panics() {
        let good = payload(&sample());
        for i in 0..good.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut b = good.clone();
                b[i] ^= flip;
                if let Ok(v) = decode(b) {
                    exercise(&v);
                }
            }
        }
        for cut in 0..good.len() {
            assert!(decode(good[..cut].to_vec()).is_err(), "cut at {cut}");
        }
    }

    /// A hub with facts of five predicates each way (one symmetric), more of them than
    /// `PRED_RUN_SEARCH_FROM`, an alias that also carries facts, and a retraction: its
    /// lists are long enough to be searched for predicate runs.
    fn hub() -> View {
        use crate::value::Value;
        let preds = ["ceo_of", "partner_of", "sells_to", "owns", "invests_in"];
        let mut v = View::new();
        let mut events = Vec::new();
        for i in 0..60 {
            let p = preds[i % preds.len()];
            events.push(fact("Hub", p, Value::Entity(format!("E{i}")), "a1"));
            events.push(fact(&format!("F{i}"), p, Value::Entity("Hub".into()), "a2"));
        }
        events.push(crate::event::Event::AliasAdded {
            alias: "Hub Inc".into(),
            canonical: "Hub".into(),
        });
        events.push(fact("Hub Inc", "owns", Value::Entity("E3".into()), "a2"));
        events.push(fact(
            "F9",
            "sells_to",
            Value::Entity("Hub Inc".into()),
            "a2",
        ));
        commit(&mut v, events);
        commit(
            &mut v,
            vec![crate::event::Event::FactRetracted(
                crate::event::FactRetracted {
                    subject: "Hub".into(),
                    predicate: "sells_to".into(),
                    object: Value::Entity("E2".into()),
                    article: None,
                    reason: None,
                },
            )],
        );
        v
    }

    /// Every scan a query can make of `v`: from and to each term, of each predicate and
    /// of any, now and as of tx 1, each answer sorted.
    fn scans(v: &View) -> Vec<Vec<(u32, u32, u32, u32)>> {
        let mut all = Vec::new();
        for at in [None, Some(1)] {
            let snap = v.snapshot(at);
            for t in 0..v.term_count() as crate::view::TermId {
                let preds = (0..v.preds.len() as crate::view::PredId + 1).map(Some);
                for p in std::iter::once(None).chain(preds) {
                    for outgoing in [true, false] {
                        let mut rows = Vec::new();
                        let mut f = |r: crate::view::FactRef| rows.push((r.s, r.p, r.o, r.triple));
                        if outgoing {
                            snap.facts_from(t, p, &mut f);
                        } else {
                            snap.facts_to(t, p, &mut f);
                        }
                        rows.sort_unstable();
                        all.push(rows);
                    }
                }
            }
        }
        all
    }

    /// `v` with its `out` and `inc` lists in the heap, in the order they had: scans
    /// then read them whole.
    fn without_runs(v: &View) -> View {
        let mut plain = v.clone();
        let _ = (plain.out(), plain.inc());
        for adj in [&mut plain.out, &mut plain.inc] {
            if let Some(adj) = adj.get_mut() {
                adj.lists();
            }
        }
        assert!(!plain.out().has_pred_runs() && !plain.inc().has_pred_runs());
        plain
    }

    #[test]
    fn predicate_runs_find_what_whole_lists_find() {
        let v = hub();
        assert!(v.out().has_pred_runs() && v.inc().has_pred_runs());
        let reference = scans(&without_runs(&v));
        assert!(reference
            .iter()
            .any(|rows| rows.len() >= super::super::PRED_RUN_SEARCH_FROM));
        assert_eq!(scans(&v), reference);
        // Through a checkpoint, which keeps the runs.
        let loaded = decode(payload(&v)).unwrap();
        assert!(loaded.out().has_pred_runs() && loaded.inc().has_pred_runs());
        assert_eq!(scans(&loaded), reference);
        // A write puts the lists in the heap; the next checkpoint derives runs again.
        let mut written = loaded.clone();
        let mut fresh = v.clone();
        for events in later_writes() {
            commit(&mut written, events.clone());
            commit(&mut fresh, events);
        }
        assert!(!written.out().has_pred_runs());
        assert_eq!(scans(&written), scans(&without_runs(&fresh)));
        let again = decode(payload(&written)).unwrap();
        assert!(again.out().has_pred_runs() && again.inc().has_pred_runs());
        assert_eq!(scans(&again), scans(&without_runs(&fresh)));
    }

    /// Format 7 stored `out` and `inc` in triple id order: its lists are read whole,
    /// and the next checkpoint (format 8) stores them with runs.
    #[test]
    fn a_format_7_checkpoint_reads_its_lists_whole() {
        const OUT: usize = 10;
        let v = hub();
        let reference = scans(&without_runs(&v));
        let mut sections = sections_of(&payload(&v));
        for at in [OUT, OUT + 2] {
            let offsets: Vec<u32> = sections[at]
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
                .collect();
            let mut entries: Vec<u32> = sections[at + 1]
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
                .collect();
            for w in offsets.windows(2) {
                entries[w[0] as usize..w[1] as usize]
                    .sort_unstable_by_key(|e| e & !super::super::MIRROR);
            }
            sections[at + 1] = entries.iter().flat_map(|e| e.to_le_bytes()).collect();
        }
        let bytes = payload_of(&sections);
        let len = bytes.len();
        let map = Arc::new(Mapped::from_vec(bytes));
        let old = View::decode_payload(&map, 0..len, 7).unwrap();
        assert!(!old.out().has_pred_runs() && !old.inc().has_pred_runs());
        old.same_as(&v).unwrap();
        assert_eq!(scans(&old), reference);
        let again = decode(payload(&old)).unwrap();
        assert!(again.out().has_pred_runs());
        assert_eq!(scans(&again), reference);
    }

    /// A view read from a checkpoint numbers its names in folded order once the rows
    /// asked for reach a share of them, and a view of the heap never does.
    #[test]
    fn name_ranks_follow_folded_names_once_sorts_have_paid_for_them() {
        use super::super::TermData;
        let v = hub();
        assert!(v.name_ranks(usize::MAX).is_none());
        let loaded = decode(payload(&v)).unwrap();
        let names = loaded.term_index.as_ref().map_or(0, |i| i.names.len());
        let due = names / super::super::RANKS_AFTER_SHARE;
        assert!(due > 1, "{names} names");
        assert!(loaded.name_ranks(due - 1).is_none());
        let ranks = loaded.name_ranks(1).unwrap();
        let mut ranked: Vec<(u32, String)> = (0..loaded.term_count() as u32)
            .filter_map(|t| match loaded.terms.get(t) {
                Some(TermData::Name { folded, .. }) => {
                    Some((ranks[t as usize], folded.to_string()))
                }
                _ => None,
            })
            .collect();
        assert_eq!(ranked.len(), names);
        ranked.sort();
        assert_eq!(ranked.first().map(|r| r.0), Some(1));
        assert!(ranked
            .windows(2)
            .all(|w| w[0].0 + 1 == w[1].0 && w[0].1 < w[1].1));
    }
}
