//! Events and the commit envelope: the only thing ever written to the log.
//!
//! A [`Commit`] groups the events of one transaction. Events name entities by name, never
//! by internal id, so the log is self-describing and a replay re-resolves aliases.
//!
//! # Stored byte layout of a run of commits (format version 3, written since runs)
//!
//! A stored record holds consecutive commits, `key - n + 1 ..= key`, and is stored under
//! the tx of its last commit (`store`). The log writes one per [`encode_runs`] run.
//!
//! ```text
//! offset  size  field
//! 0       2     format version, u16 big-endian (3)
//! 2       4     CRC-32 (IEEE) of bytes 0..2 and 6.., u32 big-endian
//! 6       4     length of the body once decompressed, u32 big-endian
//! 10      4     n, the number of commits, u32 big-endian (at least 1)
//! 14      ..    one zstd frame of the body: the n payloads, each bincode 2 (standard
//!               config, serde) of a `Commit`, then their n lengths, u32 big-endian each
//! ```
//!
//! Runs replaced a record per commit because both costs of the log writer were per
//! record: sled's (a descent of its tree and a rewrite of the leaf's in-memory copy for
//! every key) and zstd's (entropy tables built for every frame). On the 400k-fact file,
//! with runs of `log::RUN_BYTES` (11 alternating runs against the build before): the
//! import 2.04 → 1.82 CPU-s, the rebuild 0.75 → 0.65 CPU-s, the sled folder 56 → 42 MB.
//! Reading one commit (`why`, `Log::read`) decompresses its run but decodes only its own
//! payload, found through the lengths. The lengths come last
//! so that a writer appends each payload as it encodes it, with no copy. The checks of
//! format 2 all apply to the body, and a table that does not add up to the payloads, a
//! count of 0, or a count that would start the run before tx 1 is corrupt.
//!
//! # Format version 2 (still read, no longer written)
//!
//! ```text
//! offset  size  field
//! 0       2     format version, u16 big-endian (2)
//! 2       4     CRC-32 (IEEE) of bytes 0..2 and 6.., u32 big-endian
//! 6       4     length of the bincode payload once decompressed, u32 big-endian
//! 10      ..    one zstd frame of the payload: bincode 2 (standard config, serde) of
//!               `Commit`
//! ```
//!
//! zstd at level 1 makes the stored commits of a typical import 2.4 times smaller than
//! version 1 (the names in a fact come back in its evidence sentence), and costs about
//! as much to undo as decoding the bincode. Commits were written at level -1 since the
//! import was tuned for speed (any level makes the same kind of frame, so this is no new
//! format: frames of either level decode alike): on the 400k-fact import the stored
//! commits grow 16 % (26.6 MB to 31.0 MB) while compressing takes 35 % fewer
//! instructions (it was a quarter of the import's) and decompressing 46 % fewer (frames
//! without Huffman-coded literals). zstd 1.6 still Huffman-codes literals at level -1,
//! so literal compression is switched off explicitly (`ZSTD_c_literalCompressionMode`,
//! the same frame format): on 100k lines the stored commits grow 16 % more (12.2 MB to
//! 14.2 MB on disk) while the import takes 28 % fewer instructions (2.88G to 2.08G)
//! and decoding in a rebuild 19 % fewer (609M to 493M). Level -2 since (same frame
//! format again): on those 100k lines the writer thread takes 7 % fewer instructions
//! (745M to 695M), for a database folder 5 % larger; level -3 saved as much again
//! for 12 % larger, and a larger `minMatch` or smaller `hashLog` next to nothing.
//! Rejected alternatives: level 3 and above, which compress 1 % better for 30 % more
//! time; `lz4_flex`, faster but about a third larger; sled's own
//! `compression` feature, whose setting is fixed per sled folder so that databases
//! written before could no longer be opened.
//!
//! The checksum covers the version too, so a version flipped from 2 to 1 is caught
//! rather than read as bincode. Before anything is decompressed the checksum must match
//! and the declared length must be at most [`MAX_COMMIT_BYTES`]; the output buffer is
//! never larger than that length, and a frame that decompresses to any other length is
//! corrupt.
//!
//! # Format version 1 (still read, no longer written)
//!
//! ```text
//! offset  size  field
//! 0       2     format version, u16 big-endian (1)
//! 2       4     CRC-32 (IEEE) of the payload, u32 big-endian
//! 6       ..    payload: bincode 2 (standard config, serde) of `Commit`
//! ```
//!
//! In both versions the checksum is verified before the payload is decoded, and
//! decoding is bounded by [`MAX_COMMIT_BYTES`], so corrupt bytes can never make the
//! process allocate what a length prefix claims. What is deliberately missing: the tx
//! number is also the store key, and it is repeated inside the payload so that `verify`
//! can check the two agree. A future format gets a new version number and a decoder of
//! its own here; versions 1 and 2 keep decoding forever (`tests/fixtures/commit-v1.bin`,
//! `tests/fixtures/db-v1`).
//!
//! # Reading for a replay
//!
//! A rebuild (`rematerialize`) and the catch-up at open only fold commits into the view,
//! and the view keeps nothing of a fact's [`Support`] but its [`Source`]: the evidence
//! sentence (the largest field of the log), the extractor's two names, the confidence
//! and the qualifiers are read back from the log by `why` and `export` when asked for.
//! Decoding them anyway meant, for every fact, allocating, copying and UTF-8-checking
//! three strings, only to free them again.
//!
//! So [`Commit`], [`Event`] and [`FactAsserted`] are generic over the form of the
//! support, `Support` by default, and a replay decodes into [`SourceOnly`]:
//!
//! ```text
//! stored record --checksum, length, zstd (as above)--> bincode payloads
//!   --decode_record::<Support>----> Commit<Support>     log, history, why, export, verify
//!   --decode_record::<SourceOnly>-> Commit<SourceOnly>  rematerialize, catch-up at open
//! both --View::apply (one implementation, through SupportForm::source)--> view
//! ```
//!
//! The bytes are the same: no new format, and nothing changes on the write side.
//! `SourceOnly` reads a whole `Support`'s shape field by field (`SupportShape`), so
//! bincode stays in step, but asks for its strings as bytes (`Unread`); bincode encodes
//! a string and a byte string alike (a varint length, then the bytes) and, decoding from
//! a slice, hands out a borrowed slice: no allocation, no copy, no UTF-8 check. The
//! qualifiers, rare, are decoded fully and dropped. Every check of the full decode stays
//! in front (checksum, declared length, the limit, trailing bytes, the key against the
//! payload's tx), and a length that runs past the payload is a decoding error like any
//! other, so corrupt bytes are an [`Error::Corrupt`] naming the tx, never a panic
//! (`tests/replay_form.rs`). What the replay form does not check is that the strings it
//! skips are UTF-8: a checksum-valid commit with a bad sentence can only come from a
//! buggy writer, and `verify`, which decodes every commit fully, reports it.
//!
//! Measured with callgrind (`rematerialize`, decoding summed over its threads): 477M
//! instructions on a 100k-line database and 1,980M on the 400k one for the full decode,
//! 381M and 1,577M (a fifth less) in the replay form.
//!
//! The replay form has a reader of its own (`event/replay.rs`): a cursor over the
//! bincode bytes instead of serde's generic decoder, with serde as the judge of anything
//! it is unsure of. Measured with callgrind on the 400k-fact database, decoding the
//! payloads (zstd done) went from 1,036M to 684M instructions, and to 574M once an ASCII
//! name (most of them) is checked by `is_ascii` instead of `from_utf8` (194M to 75M for
//! the checks); what is left is mostly allocations and copies.
//!
//! Rejected alternatives: a second enum of replay events, which would have doubled the
//! event definitions and `View::apply` with them; borrowing every string of a commit
//! from its payload (`Event<'a>`), which saves the names' allocations too but ties the
//! decoded commit to its decompressed buffer across the decoding threads' channels (and
//! the names are needed: the view interns them); a second stored layout that puts
//! supports apart from triples, a format change for every database.
//!
//! # Names are `CompactString`s
//!
//! A fact's subject and predicate (asserted or retracted), a support's or a
//! retraction's article id, a note, and the extractor's name and version are
//! [`CompactString`]s: the same bytes in the log (serde writes
//! both as strings), but up to 24 bytes (nearly every name and id) live inside the event
//! instead of in an allocation of their own. An import's parsing threads allocated
//! those strings and its log writer freed them, across threads, and a replay allocated
//! them only for the view to intern and drop them. Measured with callgrind on the
//! 400k-fact file: the import 5.59G to 5.46G instructions, `rematerialize` 2.26G to
//! 2.18G. Objects ([`Value`]) stay `String`s: they are also the cells of every query's
//! answer, and as `CompactString`s the questions of the bench took 2 to 5 % more
//! instructions (Q1 213M to 224M, Q3 79M to 82M, 32 statements each).

use chrono::{DateTime, NaiveDate, Utc};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::value::{EntityType, Value};

mod replay;

/// A transaction number: 1, 2, 3, … with no gaps. 0 means "before the first commit".
pub type Tx = u64;

/// The format version written by this build.
pub const COMMIT_FORMAT: u16 = 3;

/// The zstd level of formats 2 and 3 (module doc).
const ZSTD_LEVEL: i32 = -2;

/// Decoding never allocates more than this for one commit.
pub const MAX_COMMIT_BYTES: usize = 128 << 20;

const HEADER_LEN: usize = 6;
/// Version 3 adds the decompressed length (as version 2 does) and the number of commits
/// after the version and checksum.
const HEADER_V3_LEN: usize = 14;

/// A reused payload buffer grown past this (by one huge commit) is given back.
const PAYLOAD_KEEP: usize = 4 << 20;

thread_local! {
    // A zstd context costs more to set up than a small commit costs to (de)compress:
    // one of each per thread, reused.
    static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
        const { std::cell::RefCell::new(None) };
    static DECOMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { std::cell::RefCell::new(None) };
    // The body of the run being encoded (its payloads, then their lengths), reused from
    // one run to the next.
    static PAYLOAD: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The version 2 checksum: of the version bytes and of everything after the checksum.
fn crc_v2(version: &[u8], rest: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(version);
    h.update(rest);
    h.finalize()
}

/// Compresses `payload` into the spare capacity of `out`, after what it already holds:
/// no zeroing of the output buffer, which zstd overwrites anyway.
fn compress_into(payload: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
    let at = out.len();
    out.reserve(zstd::zstd_safe::compress_bound(payload.len()));
    let mut cursor = std::io::Cursor::new(out);
    cursor.set_position(at as u64);
    COMPRESSOR.with(|c| {
        let mut c = c.borrow_mut();
        let c = match &mut *c {
            Some(c) => c,
            none => {
                let mut c = zstd::bulk::Compressor::new(ZSTD_LEVEL)?;
                c.set_parameter(zstd::zstd_safe::CParameter::LiteralCompressionMode(
                    zstd::zstd_safe::ParamSwitch::Disable,
                ))?;
                none.insert(c)
            }
        };
        c.compress_to_buffer(payload, &mut cursor)
    })?;
    Ok(())
}

/// A bincode writer appending to a `Vec` (the crate's own allocates a new one per
/// call).
struct VecWriter<'a>(&'a mut Vec<u8>);

impl bincode::enc::write::Writer for VecWriter<'_> {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::result::Result<(), bincode::error::EncodeError> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

fn decompress_exact(frame: &[u8], len: usize) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(len);
    let n = DECOMPRESSOR
        .with(|d| {
            let mut d = d.borrow_mut();
            let d = match &mut *d {
                Some(d) => d,
                none => none.insert(zstd::bulk::Decompressor::new()?),
            };
            d.decompress_to_buffer(frame, &mut out)
        })
        .map_err(|e| format!("undecompressable payload: {e}"))?;
    if n != len || out.len() != len {
        return Err(format!(
            "payload decompresses to {n} bytes, not the {len} its header says"
        ));
    }
    Ok(out)
}

/// One transaction: applied all or nothing. `S` is the form of each fact's support:
/// [`Support`] as written, or [`SourceOnly`] as a replay reads it (module doc).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Commit<S = Support> {
    pub tx: Tx,
    /// UTC wall-clock time of the commit.
    pub time: DateTime<Utc>,
    pub events: Vec<Event<S>>,
}

/// Every kind of change (SPEC §2). `S` as in [`Commit`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event<S = Support> {
    ArticleAdded(Article),
    FactAsserted(FactAsserted<S>),
    FactRetracted(FactRetracted),
    ArticleRetracted {
        id: String,
        reason: Option<String>,
    },
    AliasAdded {
        alias: String,
        canonical: String,
    },
    EntityTyped {
        name: String,
        entity_type: EntityType,
    },
}

impl<S> Event<S> {
    /// The kind name shown by `log` and written by `export events`.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::ArticleAdded(_) => "ArticleAdded",
            Event::FactAsserted(_) => "FactAsserted",
            Event::FactRetracted(_) => "FactRetracted",
            Event::ArticleRetracted { .. } => "ArticleRetracted",
            Event::AliasAdded { .. } => "AliasAdded",
            Event::EntityTyped { .. } => "EntityTyped",
        }
    }
}

/// An article as ingested or imported. Its entity (type `Article`) is named by `id`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub id: String,
    pub title: Option<String>,
    pub url: Option<String>,
    pub published: Option<NaiveDate>,
    pub language: Option<String>,
    /// The full text; empty for an article line imported without text.
    pub text: String,
    /// Hex SHA-256 of the text (or of the id when there is no text): duplicates are
    /// detected by it.
    pub content_hash: String,
    /// Entities the extractor found in the text, by name (the virtual `mentions`).
    pub mentions: Vec<String>,
}

/// A triple and one support of it. `S` as in [`Commit`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactAsserted<S = Support> {
    pub subject: CompactString,
    pub predicate: CompactString,
    pub object: Value,
    pub support: S,
}

/// Without `article` the triple stops being live; with one, only that article's support
/// is withdrawn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactRetracted {
    pub subject: CompactString,
    pub predicate: CompactString,
    pub object: Value,
    pub article: Option<CompactString>,
    pub reason: Option<String>,
}

/// Where a support comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Source {
    /// An article, by id.
    Article(CompactString),
    /// A manual note (`assert ... note "..."`); its entity has type `Note`.
    Note(CompactString),
    /// Neither (an import line without an article).
    None,
}

/// One support of a triple: where it came from and why it was believed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Support {
    pub source: Source,
    pub evidence: Option<Evidence>,
    pub extractor: Option<Extractor>,
    pub confidence: Option<f32>,
    /// Named literals: `role`, `label`, `share`, `date`, …
    pub qualifiers: Vec<(String, Value)>,
}

impl Support {
    /// A support with nothing but its source.
    pub fn from_source(source: Source) -> Support {
        Support {
            source,
            evidence: None,
            extractor: None,
            confidence: None,
            qualifiers: Vec::new(),
        }
    }
}

/// The sentence a fact was read from, and the character span of the fact in the article
/// text (character offsets, end exclusive).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub sentence: String,
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Extractor {
    pub name: CompactString,
    pub version: CompactString,
}

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_COMMIT_BYTES>()
}

/// Encodes consecutive commits (`tx`, `tx + 1`, …) into stored records of format 3
/// (module doc), each to be stored under the tx of its last commit: a run closes once
/// its payloads pass `run_bytes`, so a commit larger than that is a run of its own.
pub fn encode_runs(commits: &[Commit], run_bytes: usize) -> Result<Vec<(Tx, Vec<u8>)>> {
    encode_runs_within(commits, run_bytes, MAX_COMMIT_BYTES)
}

/// [`encode_runs`] with `limit` for the bytes of a run's body (payloads and table):
/// [`MAX_COMMIT_BYTES`], the most a decoder accepts, except in tests.
fn encode_runs_within(
    commits: &[Commit],
    run_bytes: usize,
    limit: usize,
) -> Result<Vec<(Tx, Vec<u8>)>> {
    PAYLOAD.with(|body| {
        // Not re-entered: nothing below encodes another commit.
        let mut body = body
            .try_borrow_mut()
            .map_err(|_| Error::Internal("commits encoded re-entrantly".to_string()))?;
        let mut records = Vec::new();
        let mut lengths: Vec<u32> = Vec::new();
        body.clear();
        for (i, c) in commits.iter().enumerate() {
            let previous = i.checked_sub(1).and_then(|p| commits.get(p));
            if let Some(previous) = previous.filter(|p| c.tx != p.tx + 1) {
                return Err(Error::Internal(format!(
                    "commit {} encoded in a run after commit {}",
                    c.tx, previous.tx
                )));
            }
            let at = body.len();
            bincode::serde::encode_into_writer(c, VecWriter(&mut body), bincode_config())
                .map_err(|e| Error::Internal(format!("cannot encode commit {}: {e}", c.tx)))?;
            let len = body.len() - at;
            let alone = limit.saturating_sub(4);
            let Some(len) = u32::try_from(len).ok().filter(|&l| l as usize <= alone) else {
                return Err(Error::InvalidInput(format!(
                    "commit {} is {len} bytes, more than the limit of {alone} bytes",
                    c.tx
                )));
            };
            if let Some(previous) =
                previous.filter(|_| body.len() + 4 * (lengths.len() + 1) > limit)
            {
                // The run so far and this commit would pass the limit together: the run
                // closes before it, and it starts the next (a copy, for commits this large).
                let this = body.split_off(at);
                records.push((previous.tx, seal_run(&mut body, &lengths)?));
                lengths.clear();
                *body = this;
            }
            lengths.push(len);
            if i + 1 == commits.len() || body.len() >= run_bytes {
                records.push((c.tx, seal_run(&mut body, &lengths)?));
                lengths.clear();
                body.clear();
            }
        }
        if body.capacity() > PAYLOAD_KEEP {
            *body = Vec::new();
        }
        Ok(records)
    })
}

/// Appends the run's table of lengths to `body` and wraps it in the format 3 envelope.
fn seal_run(body: &mut Vec<u8>, lengths: &[u32]) -> Result<Vec<u8>> {
    for len in lengths {
        body.extend_from_slice(&len.to_be_bytes());
    }
    let n = u32::try_from(lengths.len())
        .map_err(|_| Error::Internal("a run of more than 2^32 commits".to_string()))?;
    seal(3, Some(n), body)
}

/// A format 3 record of `n` commits around any body, checksum and all: for the tests
/// that feed the decoder bodies no writer makes.
#[doc(hidden)]
pub fn seal_run_body(n: u32, body: &[u8]) -> Result<Vec<u8>> {
    seal(3, Some(n), body)
}

/// The envelope of format 2 (`commits: None`) or 3 around a payload or a run's body:
/// version, checksum, decompressed length, the number of commits (format 3), then the
/// zstd frame.
fn seal(version: u16, commits: Option<u32>, body: &[u8]) -> Result<Vec<u8>> {
    let len = u32::try_from(body.len())
        .ok()
        .filter(|&l| l as usize <= MAX_COMMIT_BYTES)
        .ok_or_else(|| Error::Internal(format!("a record of {} bytes", body.len())))?;
    let mut out = Vec::with_capacity(HEADER_V3_LEN + zstd::zstd_safe::compress_bound(body.len()));
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&len.to_be_bytes());
    if let Some(n) = commits {
        out.extend_from_slice(&n.to_be_bytes());
    }
    compress_into(body, &mut out)
        .map_err(|e| Error::Internal(format!("cannot compress commits: {e}")))?;
    let crc = crc_v2(&version.to_be_bytes(), out.get(6..).unwrap_or_default());
    if let Some(field) = out.get_mut(2..6) {
        field.copy_from_slice(&crc.to_be_bytes());
    }
    Ok(out)
}

impl Commit {
    /// Encodes the commit as a stored record of its own (a run of one, format 3).
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut records = encode_runs(std::slice::from_ref(self), usize::MAX)?;
        match records.pop() {
            Some((_, bytes)) if records.is_empty() => Ok(bytes),
            _ => Err(Error::Internal(format!(
                "commit {} did not encode to one record",
                self.tx
            ))),
        }
    }

    /// Encodes the commit in format version 2 (module doc), as builds before runs wrote
    /// it: for tests that check old commits keep decoding.
    #[doc(hidden)]
    pub fn encode_v2(&self) -> Result<Vec<u8>> {
        let payload = bincode::serde::encode_to_vec(self, bincode_config())
            .map_err(|e| Error::Internal(format!("cannot encode commit {}: {e}", self.tx)))?;
        seal(2, None, &payload)
    }

    /// Encodes the commit in format version 1 (module doc), as builds before the
    /// streaming import wrote it: for tests that check old commits keep decoding.
    pub fn encode_v1(&self) -> Result<Vec<u8>> {
        let payload = bincode::serde::encode_to_vec(self, bincode_config())
            .map_err(|e| Error::Internal(format!("cannot encode commit {}: {e}", self.tx)))?;
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&crc32fast::hash(&payload).to_be_bytes());
        out.extend_from_slice(&payload);
        Ok(out)
    }

    /// Decodes a stored record that holds one commit, `tx` (every record of formats 1
    /// and 2; a run of one in format 3), checking version and checksum first. `tx` is the
    /// key it was stored under, named in errors and checked against the payload.
    pub fn decode(tx: Tx, bytes: &[u8]) -> Result<Commit> {
        decode_single(tx, bytes, |_| None)
    }

    /// Decodes commit `tx` out of the record stored under `key` (which holds `tx` when
    /// `key - n < tx <= key` for a run of `n`): every check of the record, but only that
    /// commit's payload is decoded.
    pub fn decode_in(key: Tx, bytes: &[u8], tx: Tx) -> Result<Commit> {
        let mut out = Vec::with_capacity(1);
        decode_record_as(key, bytes, |_| None, Some(tx), &mut out)?;
        out.pop().ok_or_else(|| Error::Corrupt {
            tx: Some(tx),
            what: format!("commit missing from the log (the record of tx {key} does not hold it)"),
        })
    }
}

impl Commit<SourceOnly> {
    /// [`Commit::decode`] into the replay form: the same checks on the same bytes, but
    /// of each support only the source is kept (module doc, "Reading for a replay").
    pub fn decode_for_replay(tx: Tx, bytes: &[u8]) -> Result<Commit<SourceOnly>> {
        decode_single(tx, bytes, replay::decode)
    }
}

/// Every commit of the record stored under `key`, in order, in the support form `S`.
pub fn decode_record<S: SupportForm>(key: Tx, bytes: &[u8]) -> Result<Vec<Commit<S>>> {
    let mut out = Vec::new();
    S::decode_record(key, bytes, &mut out)?;
    Ok(out)
}

/// [`Commit::decode`] into either form of support.
fn decode_single<S>(tx: Tx, bytes: &[u8], fast: fn(&[u8]) -> Option<Commit<S>>) -> Result<Commit<S>>
where
    Commit<S>: serde::de::DeserializeOwned,
{
    let mut out = Vec::with_capacity(1);
    let n = decode_record_as(tx, bytes, fast, None, &mut out)?;
    match out.pop() {
        Some(c) if n == 1 => Ok(c),
        _ => Err(Error::Corrupt {
            tx: Some(tx),
            what: format!("a record of {n} commits where one was expected"),
        }),
    }
}

/// Checks and opens the record stored under `key` and decodes its commits (only `only`,
/// when given) into `out`, in order. `fast` may decode a payload itself (the replay
/// form's reader) or return `None` to leave it to serde. Returns how many commits the
/// record holds.
fn decode_record_as<S>(
    key: Tx,
    bytes: &[u8],
    fast: fn(&[u8]) -> Option<Commit<S>>,
    only: Option<Tx>,
    out: &mut Vec<Commit<S>>,
) -> Result<u32>
where
    Commit<S>: serde::de::DeserializeOwned,
{
    let corrupt = |tx: Tx, what: String| Error::Corrupt { tx: Some(tx), what };
    let envelope = open_envelope(key, bytes)?;
    let decompressed;
    let body = match envelope.len {
        None => envelope.stored,
        Some(len) => {
            decompressed = decompress_exact(envelope.stored, len).map_err(|e| corrupt(key, e))?;
            decompressed.as_slice()
        }
    };
    let Some(n) = envelope.commits else {
        // Formats 1 and 2: the body is the one commit's payload.
        if only.is_none_or(|tx| tx == key) {
            out.push(decode_checked(key, body, fast)?);
        }
        return Ok(1);
    };
    // Format 3: the payloads, then their lengths; the commits are key - n + 1 ..= key.
    let first = first_of_run(key, n)?;
    let table_len = (n as usize)
        .checked_mul(4)
        .filter(|&t| t <= body.len())
        .ok_or_else(|| corrupt(key, format!("a run of {n} commits in {} bytes", body.len())))?;
    let (mut payloads, table) = body.split_at(body.len() - table_len);
    let (table, _) = table.as_chunks::<4>();
    for (i, len) in table.iter().enumerate() {
        let tx = first + i as u64;
        let len = u32::from_be_bytes(*len) as usize;
        let Some((payload, after)) = payloads.split_at_checked(len) else {
            return Err(corrupt(
                tx,
                "the run's table of lengths runs past its payloads".to_string(),
            ));
        };
        payloads = after;
        if only.is_none_or(|only| only == tx) {
            out.push(decode_checked(tx, payload, fast)?);
        }
    }
    if !payloads.is_empty() {
        return Err(corrupt(
            key,
            format!(
                "{} bytes in the run beyond its table of lengths",
                payloads.len()
            ),
        ));
    }
    Ok(n)
}

/// A stored record with its header read and its checksum verified, not yet decompressed.
struct Envelope<'a> {
    /// The number of commits (format 3); formats 1 and 2 hold one.
    commits: Option<u32>,
    /// The length once decompressed (formats 2 and 3; format 1 is not compressed).
    len: Option<usize>,
    /// The payload (format 1) or the zstd frame.
    stored: &'a [u8],
}

/// Reads the header of the record stored under `key` and verifies its checksum; a
/// declared length beyond [`MAX_COMMIT_BYTES`] is refused before anything is
/// decompressed.
fn open_envelope(key: Tx, bytes: &[u8]) -> Result<Envelope<'_>> {
    let corrupt = |what: String| Error::Corrupt {
        tx: Some(key),
        what,
    };
    let Some(([v0, v1, c0, c1, c2, c3], rest)) = bytes.split_first_chunk::<HEADER_LEN>() else {
        return Err(corrupt(format!(
            "commit is {} bytes, too short",
            bytes.len()
        )));
    };
    let version = u16::from_be_bytes([*v0, *v1]);
    let crc = u32::from_be_bytes([*c0, *c1, *c2, *c3]);
    if version == 0 || version > COMMIT_FORMAT {
        return Err(corrupt(format!(
            "commit format {version} is unknown to this build (which reads up to {COMMIT_FORMAT})"
        )));
    }
    if version == 1 {
        if crc32fast::hash(rest) != crc {
            return Err(corrupt("checksum mismatch".to_string()));
        }
        return Ok(Envelope {
            commits: None,
            len: None,
            stored: rest,
        });
    }
    if crc_v2(&[*v0, *v1], rest) != crc {
        return Err(corrupt("checksum mismatch".to_string()));
    }
    let cut_short = || corrupt("commit header is cut short".to_string());
    let (len, rest) = rest.split_first_chunk::<4>().ok_or_else(cut_short)?;
    let (commits, stored) = if version == 3 {
        let (n, frame) = rest.split_first_chunk::<4>().ok_or_else(cut_short)?;
        (Some(u32::from_be_bytes(*n)), frame)
    } else {
        (None, rest)
    };
    let len = u32::from_be_bytes(*len) as usize;
    if len > MAX_COMMIT_BYTES {
        return Err(corrupt(format!(
            "payload claims {len} bytes, more than the limit of {MAX_COMMIT_BYTES}"
        )));
    }
    Ok(Envelope {
        commits,
        len: Some(len),
        stored,
    })
}

/// The first tx of a run of `n` commits stored under `key`.
fn first_of_run(key: Tx, n: u32) -> Result<Tx> {
    key.checked_sub(u64::from(n))
        .filter(|_| n > 0)
        .map(|before| before + 1)
        .ok_or_else(|| Error::Corrupt {
            tx: Some(key),
            what: format!("a run of {n} commits cannot end at tx {key}"),
        })
}

/// The first and last tx of the record stored under `key`, from its header: the
/// checksum is verified, nothing is decompressed.
pub fn record_span(key: Tx, bytes: &[u8]) -> Result<(Tx, Tx)> {
    match open_envelope(key, bytes)?.commits {
        None => Ok((key, key)),
        Some(n) => Ok((first_of_run(key, n)?, key)),
    }
}

/// One commit's payload, decoded and checked to be commit `tx`.
fn decode_checked<S>(
    tx: Tx,
    payload: &[u8],
    fast: fn(&[u8]) -> Option<Commit<S>>,
) -> Result<Commit<S>>
where
    Commit<S>: serde::de::DeserializeOwned,
{
    let corrupt = |what: String| Error::Corrupt { tx: Some(tx), what };
    let commit = match fast(payload) {
        Some(commit) => commit,
        None => decode_payload(payload).map_err(corrupt)?,
    };
    if commit.tx != tx {
        return Err(corrupt(format!("payload says tx {}", commit.tx)));
    }
    Ok(commit)
}

/// A commit's payload decoded by serde, the whole of it.
fn decode_payload<S>(payload: &[u8]) -> std::result::Result<Commit<S>, String>
where
    Commit<S>: serde::de::DeserializeOwned,
{
    let (commit, read): (Commit<S>, usize) =
        bincode::serde::decode_from_slice(payload, bincode_config())
            .map_err(|e| format!("undecodable payload: {e}"))?;
    if read != payload.len() {
        return Err(format!(
            "{} trailing bytes after the commit",
            payload.len() - read
        ));
    }
    Ok(commit)
}

/// A payload decoded by the replay form's own reader and by serde: for the tests that
/// hold the one to the other (`tests/replay_form.rs`).
#[doc(hidden)]
pub fn replay_decoders(
    payload: &[u8],
) -> (
    Option<Commit<SourceOnly>>,
    std::result::Result<Commit<SourceOnly>, String>,
) {
    (replay::decode(payload), decode_payload(payload))
}

/// What the view reads of a support, and how a stored commit with supports of this form
/// is decoded: implemented by [`Support`] (the full form) and [`SourceOnly`] (the replay
/// form), so that one `View::apply` serves both.
pub trait SupportForm: Sized + Send + 'static {
    /// Where the support comes from.
    fn source(&self) -> &Source;
    /// Decodes every commit of the record stored under `key` into this form, in order,
    /// with every check of [`Commit::decode`].
    fn decode_record(key: Tx, bytes: &[u8], out: &mut Vec<Commit<Self>>) -> Result<()>;
}

impl SupportForm for Support {
    #[inline]
    fn source(&self) -> &Source {
        &self.source
    }
    fn decode_record(key: Tx, bytes: &[u8], out: &mut Vec<Commit>) -> Result<()> {
        decode_record_as(key, bytes, |_| None, None, out).map(|_| ())
    }
}

impl SupportForm for SourceOnly {
    #[inline]
    fn source(&self) -> &Source {
        &self.source
    }
    fn decode_record(key: Tx, bytes: &[u8], out: &mut Vec<Commit<SourceOnly>>) -> Result<()> {
        decode_record_as(key, bytes, replay::decode, None, out).map(|_| ())
    }
}

/// A [`Support`] as a replay reads it: only its source, the one part the view keeps
/// (module doc, "Reading for a replay"). Decoded from the bytes of a whole `Support`;
/// never written.
#[derive(Clone, Debug, PartialEq)]
pub struct SourceOnly {
    pub source: Source,
}

impl<'de> Deserialize<'de> for SourceOnly {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        SupportShape::deserialize(d).map(|s| SourceOnly { source: s.source })
    }
}

/// The shape of [`Support`], field for field, with its strings passed over ([`Unread`]):
/// what `SourceOnly` reads. Only `source` is used; the other fields are here to be read
/// past, so that bincode finds the next event where it starts.
#[derive(Deserialize)]
#[serde(rename = "Support")]
#[allow(dead_code)]
struct SupportShape {
    source: Source,
    evidence: Option<EvidenceShape>,
    extractor: Option<ExtractorShape>,
    confidence: Option<f32>,
    /// Rare, so decoded fully.
    qualifiers: Vec<(Unread, Value)>,
}

/// The shape of [`Evidence`].
#[derive(Deserialize)]
#[serde(rename = "Evidence")]
#[allow(dead_code)]
struct EvidenceShape {
    sentence: Unread,
    start: u32,
    end: u32,
}

/// The shape of [`Extractor`].
#[derive(Deserialize)]
#[serde(rename = "Extractor")]
#[allow(dead_code)]
struct ExtractorShape {
    name: Unread,
    version: Unread,
}

/// A string read past: asked for as bytes, which bincode encodes as it encodes a
/// string (a varint length, then the bytes), so that decoding from a slice hands out a
/// borrowed slice, neither copied nor checked to be UTF-8.
struct Unread;

impl<'de> Deserialize<'de> for Unread {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Past;
        impl serde::de::Visitor<'_> for Past {
            type Value = Unread;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_bytes<E>(self, _: &[u8]) -> std::result::Result<Unread, E> {
                Ok(Unread)
            }
            fn visit_str<E>(self, _: &str) -> std::result::Result<Unread, E> {
                Ok(Unread)
            }
        }
        d.deserialize_bytes(Past)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Commit {
        Commit {
            tx: 7,
            time: DateTime::from_timestamp(1_747_000_000, 0).unwrap_or_default(),
            events: vec![
                Event::EntityTyped {
                    name: "G42".into(),
                    entity_type: EntityType::Organization,
                },
                Event::FactAsserted(FactAsserted {
                    subject: "G42".into(),
                    predicate: "partner_of".into(),
                    object: Value::Entity("OpenAI".into()),
                    support: Support::from_source(Source::Article("wp".into())),
                }),
            ],
        }
    }

    #[test]
    fn round_trip() {
        let c = sample();
        let bytes = c.encode().unwrap();
        assert_eq!(Commit::decode(7, &bytes).unwrap(), c);
    }

    #[test]
    fn every_version_decodes_and_every_flipped_byte_is_caught() {
        let c = sample();
        for (bytes, version) in [
            (c.encode_v1().unwrap(), 1),
            (c.encode_v2().unwrap(), 2),
            (c.encode().unwrap(), 3),
        ] {
            assert_eq!(&bytes[..2], &[0, version]);
            assert_eq!(Commit::decode(7, &bytes).unwrap(), c);
            assert_eq!(record_span(7, &bytes).unwrap(), (7, 7));
            for i in 0..bytes.len() {
                let mut b = bytes.clone();
                b[i] ^= 0x40;
                let decoded = Commit::decode(7, &b);
                assert!(
                    decoded.is_err(),
                    "version {version}: flip at {i} went unnoticed"
                );
            }
        }
    }

    #[test]
    fn a_record_read_as_an_older_version_is_caught() {
        for (bytes, version) in [
            (sample().encode().unwrap(), 3),
            (sample().encode_v2().unwrap(), 2),
        ] {
            assert_eq!(&bytes[..2], &[0, version]);
            for older in 1..version {
                let mut b = bytes.clone();
                b[1] = older;
                assert!(Commit::decode(7, &b).is_err(), "{version} read as {older}");
            }
        }
    }

    /// Commits `first ..` of various sizes (the third one large).
    fn run_of(first: Tx, n: usize) -> Vec<Commit> {
        (0..n)
            .map(|i| {
                let mut c = sample();
                c.tx = first + i as u64;
                if i % 3 == 2 {
                    let many = c.events.clone().into_iter().cycle().take(200);
                    c.events = many.collect();
                }
                c
            })
            .collect()
    }

    #[test]
    fn runs_round_trip_and_each_commit_reads_alone() {
        let commits = run_of(10, 7);
        for run_bytes in [1, 200, 2_000, usize::MAX] {
            let records = encode_runs(&commits, run_bytes).unwrap();
            if run_bytes == usize::MAX {
                assert_eq!(records.len(), 1);
            }
            if run_bytes == 1 {
                assert_eq!(records.len(), commits.len());
            }
            let mut all = Vec::new();
            for (key, bytes) in &records {
                let (first, last) = record_span(*key, bytes).unwrap();
                assert_eq!(last, *key);
                let these = decode_record::<Support>(*key, bytes).unwrap();
                assert_eq!(these.first().map(|c| c.tx), Some(first));
                for c in &these {
                    assert_eq!(&Commit::decode_in(*key, bytes, c.tx).unwrap(), c);
                }
                assert!(Commit::decode_in(*key, bytes, first - 1).is_err());
                assert!(Commit::decode_in(*key, bytes, key + 1).is_err());
                let replayed = decode_record::<SourceOnly>(*key, bytes).unwrap();
                let shape = |tx: Tx, events: usize| (tx, events);
                assert_eq!(
                    replayed
                        .iter()
                        .map(|c| shape(c.tx, c.events.len()))
                        .collect::<Vec<_>>(),
                    these
                        .iter()
                        .map(|c| shape(c.tx, c.events.len()))
                        .collect::<Vec<_>>()
                );
                if these.len() > 1 {
                    let e = Commit::decode(*key, bytes).unwrap_err().to_string();
                    assert!(e.contains("where one was expected"), "{e}");
                }
                all.extend(these);
            }
            assert_eq!(all, commits, "runs of {run_bytes} bytes");
        }
    }

    #[test]
    fn every_flipped_byte_of_a_run_is_caught() {
        let records = encode_runs(&run_of(3, 4), usize::MAX).unwrap();
        let (key, bytes) = &records[0];
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x40;
            assert!(
                decode_record::<Support>(*key, &b).is_err(),
                "flip at {i} went unnoticed"
            );
            assert!(decode_record::<SourceOnly>(*key, &b).is_err());
        }
        assert!(
            decode_record::<Support>(key + 1, bytes).is_err(),
            "wrong key"
        );
    }

    #[test]
    fn a_run_whose_table_disagrees_with_its_payloads_is_caught() {
        let payloads: Vec<Vec<u8>> = run_of(5, 3)
            .iter()
            .map(|c| bincode::serde::encode_to_vec(c, bincode_config()).unwrap())
            .collect();
        let body = |lengths: &[u32]| {
            let mut b = payloads.concat();
            for l in lengths {
                b.extend_from_slice(&l.to_be_bytes());
            }
            b
        };
        let lens: Vec<u32> = payloads.iter().map(|p| p.len() as u32).collect();
        let good = seal(3, Some(3), &body(&lens)).unwrap();
        assert_eq!(decode_record::<Support>(7, &good).unwrap().len(), 3);
        let bad = [
            // Lengths one byte off each way, too many and too few of them.
            (3, body(&[lens[0] + 1, lens[1], lens[2]])),
            (3, body(&[lens[0], lens[1], lens[2] - 1])),
            (3, body(&[lens[0], lens[1], lens[2], 0])),
            (2, body(&[lens[0], lens[1] + lens[2]])),
            (3, body(&[u32::MAX, 0, 0])),
            // No commits, or more than the key leaves room for.
            (0, body(&[])),
            (8, body(&[lens[0], lens[1], lens[2], 0, 0, 0, 0, 0])),
            // A count whose table is larger than the body.
            (u32::MAX, body(&lens)),
        ];
        for (n, b) in bad {
            let record = seal(3, Some(n), &b).unwrap();
            assert!(
                decode_record::<Support>(7, &record).is_err(),
                "{n} commits accepted"
            );
            assert!(decode_record::<SourceOnly>(7, &record).is_err());
        }
        // A count that does not fit the key is caught from the header alone.
        let eight = seal(3, Some(8), &body(&lens)).unwrap();
        assert!(record_span(7, &eight).is_err());
    }

    #[test]
    fn a_run_closes_before_a_commit_that_would_pass_the_limit() {
        let commits = run_of(1, 6);
        let sizes: Vec<usize> = commits
            .iter()
            .map(|c| {
                bincode::serde::encode_to_vec(c, bincode_config())
                    .unwrap()
                    .len()
            })
            .collect();
        // Room for the third commit (the large one) alone, not with the two before it:
        // runs [1, 2], [3], [4, 5], [6].
        let limit = sizes[2] + 4;
        assert!(sizes[0] + sizes[1] + sizes[2] + 12 > limit);
        let records = encode_runs_within(&commits, usize::MAX, limit).unwrap();
        let keys: Vec<Tx> = records.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, [2, 3, 5, 6], "sizes {sizes:?}");
        let mut all = Vec::new();
        for (key, bytes) in &records {
            all.extend(decode_record::<Support>(*key, bytes).unwrap());
        }
        assert_eq!(all, commits);
        // A commit larger than the limit alone is refused, naming it.
        let e = encode_runs_within(&commits, usize::MAX, sizes[2] + 3).unwrap_err();
        assert!(e.to_string().contains("commit 3 is"), "{e}");
    }

    #[test]
    fn a_run_must_be_consecutive() {
        let mut commits = run_of(1, 3);
        commits[2].tx = 4;
        assert!(encode_runs(&commits, usize::MAX).is_err());
    }

    #[test]
    fn a_length_beyond_the_limit_is_refused_before_decompressing() {
        let mut bytes = sample().encode().unwrap();
        bytes[6..10].copy_from_slice(&u32::MAX.to_be_bytes());
        let crc = crc_v2(&bytes[..2], &bytes[6..]);
        bytes[2..6].copy_from_slice(&crc.to_be_bytes());
        let e = Commit::decode(7, &bytes).unwrap_err().to_string();
        assert!(e.contains("limit"), "{e}");
        // A length that is wrong but within the limit: the frame gives another length.
        bytes[6..10].copy_from_slice(&3u32.to_be_bytes());
        let crc = crc_v2(&bytes[..2], &bytes[6..]);
        bytes[2..6].copy_from_slice(&crc.to_be_bytes());
        assert!(Commit::decode(7, &bytes).is_err());
    }

    #[test]
    fn wrong_key_is_caught() {
        let bytes = sample().encode().unwrap();
        assert!(Commit::decode(8, &bytes).is_err());
    }
}
