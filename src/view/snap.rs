//! The view's checkpoint payload (checkpoint format 6; 5 still loads), read in place
//! from a map.
//!
//! The payload is a sequence of sections, each a u64 little-endian byte length, the
//! bytes, and zero padding to a multiple of 8 (the payload itself starts 8-aligned in
//! the file, so every section does too). In order:
//!
//! ```text
//! #   section      encoding                                          at open
//! 0   meta         bincode: watermark, counters, term count, preds,  decoded
//!                  alias edges, live count
//! 1-2 terms        u32 offsets (terms + 1), records (`terms.rs`)     in place, each
//!                                                                    decoded on use
//! 3   types        bincode map term -> [(tx, type)]                  on first use
//! 4   articles     bincode map term -> ArticleMeta                   on first use
//! 5   first_seen   u64 per term                                      in place
//! 6   triples      (s, p, o) u32 each per triple                     in place
//! 7   live         u8 (0/1) per triple                               in place
//! 8-9 out          CSR: u32 offsets (terms + 1), u32 entries         in place
//! 10-11 inc        CSR, as out                                       in place
//! 12-13 by_pred    CSR by predicate                                  in place
//! 14  supports     u64 triple count, then varints per triple and     count checked;
//!                  support (`write_supports`; the event's tx is      decoded on first
//!                  `asserted`)                                        use
//! 15  name ids     u32 per entity name, by folded name (byte order)   in place
//! 16  literal ids  u32 per literal, by record (byte order)            in place
//! 17  fact rows    u64 per predicate: `Snapshot::fact_rows_by_pred`   in place
//!                  at the watermark (format 6 on; empty: not stored)  (then kept)
//! ```
//!
//! Left out on purpose: everything derivable (name and literal maps, triple ids,
//! supported-by lists, articles by hash), as before; and a support's event tx, which
//! is always the tx that asserted it. Sections 15-16 let a first query resolve a name
//! or a literal by binary search instead of hashing every term. Section 17 is derived
//! but stored anyway: computing it walks every fact (1.6-1.9 s at 10M facts, on the
//! first count by predicate of every process), and from a checkpoint it is one read.
//! A format 5 checkpoint (no section 17) computes it on first use, as before.
//!
//! Every length is checked against the bytes present, and every count against the
//! others, before anything is read; the in-place arrays need no other check, since
//! every read of them is bounds-checked (`get`).

use std::ops::Range;
use std::sync::Arc;

use smallvec::SmallVec;

use super::alias::{AliasEdge, AliasMap};
use super::mapped::{Adj, Arr, Lazy, Mapped};
use super::terms::{self, Terms};
use super::{Counters, PredInfo, SupportRec, View};
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
pub const FORMAT: u16 = 6;
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
        let pad = (8 - self.len % 8) % 8;
        self.put([0u8; 8].get(..pad).unwrap_or_default())
    }
}

type TermSections = (Vec<u8>, Vec<u8>, Vec<super::TermId>, Vec<super::TermId>);

/// The sections `encode_payload` makes while the terms are encoded.
struct Rest {
    types: Vec<u8>,
    articles: Vec<u8>,
    supports: Vec<u8>,
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
        let Rest {
            types,
            articles,
            supports,
        } = rest?;
        out.section(&types)?;
        out.section(&articles)?;
        out.section(&self.first_seen.le_bytes())?;
        out.section(&self.triples.le_bytes())?;
        out.section(&self.live.le_bytes())?;
        let too_big = || "an array is too large for a checkpoint".to_string();
        for adj in [self.out(), self.inc(), self.by_pred()] {
            match adj {
                Adj::Csr { offsets, entries } => {
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
        out.section(&supports)?;
        drop(supports);
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

    /// The encoded types, articles and supports, with the adjacencies derived
    /// (`encode_payload`).
    fn encode_rest(&self) -> Result<Rest, String> {
        let types = bincode_of(&*self.types)?;
        let articles = bincode_of(&*self.articles)?;
        // Derived now (a replay does not keep them), while the terms are encoded.
        let _ = (self.out(), self.inc(), self.by_pred());
        // About 9 bytes a support (`write_supports`): grown a doubling at a time, this
        // buffer was a tenth of a checkpoint's main thread at 1M facts.
        let mut supports = Vec::with_capacity(8 + self.supports.len() * 10);
        write_supports(&self.supports, &mut supports)
            .ok_or_else(|| "an array is too large for a checkpoint".to_string())?;
        Ok(Rest {
            types,
            articles,
            supports,
        })
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
        let articles = Lazy::from_map(map, sections.next()?, from_bincode);
        let bad = |what: &str| format!("its {what} are inconsistent");
        let first_seen: Arr<u64> = sections.arr()?;
        let triples: Arr<super::Triple> = sections.arr()?;
        let live: Arr<u8> = sections.arr()?;
        let out = sections.adj()?;
        let inc = sections.adj()?;
        let by_pred = sections.adj()?;
        let supports_range = sections.next()?;
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
        let supports_bytes = map.bytes().get(supports_range.clone()).unwrap_or_default();
        if supports_count(supports_bytes) != Some(triples.len()) {
            return Err(bad("supports"));
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
            supports: Lazy::from_map(map, supports_range, read_supports),
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

    fn adj(&mut self) -> Result<Adj, String> {
        let offsets = self.arr()?;
        let entries = self.arr()?;
        Adj::csr(offsets, entries).ok_or_else(|| "an adjacency is inconsistent".to_string())
    }
}

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

/// Section 14: the triple count (u64), then per triple a varint count of supports and
/// per support four varints: asserted tx, retracted tx + 1 (wrapping: live is 0),
/// source term + 1 (0: none), event index. About 9 bytes a support instead of 24
/// fixed, at the price of decoding (which happens on first use anyway).
fn write_supports(supports: &[SmallVec<[SupportRec; 1]>], out: &mut Vec<u8>) -> Option<()> {
    out.extend_from_slice(&(supports.len() as u64).to_le_bytes());
    for list in supports {
        put_varint(out, list.len() as u64);
        for r in list {
            if r.event.0 != r.asserted {
                return None;
            }
            put_varint(out, r.asserted);
            put_varint(out, r.retracted.wrapping_add(1));
            put_varint(out, r.source.map_or(0, |s| u64::from(s) + 1));
            put_varint(out, u64::from(r.event.1));
        }
    }
    Some(())
}

/// The triple count section 14 claims, if its bytes could hold that many (one byte
/// per triple at least): checked at open, the rest when decoded.
fn supports_count(b: &[u8]) -> Option<usize> {
    let n = usize::try_from(u64::from_le_bytes(b.get(..8)?.try_into().ok()?)).ok()?;
    (n <= b.len() - 8).then_some(n)
}

fn read_supports(b: &[u8]) -> Option<Vec<SmallVec<[SupportRec; 1]>>> {
    let n = supports_count(b)?;
    let mut rest = b.get(8..)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let count = usize::try_from(take_varint(&mut rest)?).ok()?;
        // A support takes four bytes at least: a count cannot ask for more.
        if count > rest.len() / 4 {
            return None;
        }
        let mut list = SmallVec::with_capacity(count);
        for _ in 0..count {
            let asserted = take_varint(&mut rest)?;
            let retracted = take_varint(&mut rest)?.wrapping_sub(1);
            let source = match take_varint(&mut rest)? {
                0 => None,
                s => Some(u32::try_from(s - 1).ok()?),
            };
            let index = u32::try_from(take_varint(&mut rest)?).ok()?;
            list.push(SupportRec {
                asserted,
                retracted,
                source,
                event: (asserted, index),
            });
        }
        out.push(list);
    }
    rest.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::LIVE;

    #[test]
    fn supports_round_trip_and_truncation() {
        let rec = |a: Tx, s: Option<u32>| SupportRec {
            asserted: a,
            retracted: LIVE,
            source: s,
            event: (a, 3),
        };
        let lists: Vec<SmallVec<[SupportRec; 1]>> = vec![
            SmallVec::from_vec(vec![rec(1, Some(4))]),
            SmallVec::new(),
            SmallVec::from_vec(vec![rec(2, None), rec(5, Some(0))]),
            SmallVec::from_vec(vec![SupportRec {
                retracted: 9,
                ..rec(1 << 40, Some(u32::MAX))
            }]),
        ];
        let mut b = Vec::new();
        write_supports(&lists, &mut b).unwrap();
        assert_eq!(read_supports(&b).unwrap(), lists);
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

    #[test]
    fn a_format_5_checkpoint_loads_and_counts_on_first_use() {
        let v = sample();
        let mut bytes = payload(&v);
        // Format 5 is format 6 without its last section (fact rows).
        let last = {
            let mut at = 0;
            let mut last = 0;
            while at < bytes.len() {
                last = at;
                let len = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
                at += 8 + len.div_ceil(8) * 8;
            }
            last
        };
        bytes.truncate(last);
        let len = bytes.len();
        let map = Arc::new(Mapped::from_vec(bytes));
        assert!(View::decode_payload(&map, 0..len, FORMAT).is_err());
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
}
