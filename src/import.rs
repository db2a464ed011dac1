//! `import`: JSON lines (SPEC §4) → commits.
//!
//! 1. Every file is streamed: a reader thread cuts it into chunks of lines (blank lines
//!    skipped), parsing threads decode each line into `Line`, a struct with every field
//!    of every kind of line, all optional, and the calling thread takes the chunks back
//!    in order. Channels are bounded, so only a few chunks are in memory at once.
//!    - A chunk is checked as UTF-8 once; its lines are then decoded as `str`, so no
//!      string is checked again.
//!    - A line of the usual shape (known keys, strings without escapes, plain unsigned
//!      numbers, `article` and `retract` objects of strings: every line of an
//!      extractor's output and of an events export of facts, articles and retractions)
//!      is read by `parse_line_fast`, a cursor that reads it once and copies only the
//!      strings kept. Anything else, and every error, goes to serde_json (derived
//!      `Deserialize`, one pass, no intermediate `serde_json::Value` for the line), so
//!      the `Line` and every message are serde_json's either way; tests compare the two
//!      paths. serde_json spent about 6,000 instructions on a usual fact line.
//!    - The calling thread takes the fields it needs out of each `Line` where it lies in
//!      its batch (`Option::take`), instead of moving the whole struct around, and the
//!      batch goes back to its parsing thread to be reused.
//!    - The builder numbers each name on first sight (`Builder::name_id`): a name seen
//!      before, as written, is one hash lookup away from its folded form and kept type.
//! 2. The kind of a line is decided by which field it carries: `retract`, `alias`,
//!    `entity`, `subject` (a fact), or an `article` object (an article).
//! 3. Lines carrying `"tx": N` group into commits: consecutive lines with the same `tx`
//!    form one commit, and `tx` must ascend within a file. Each group becomes the next
//!    transaction (so an export of events restores its commits one for one, with their
//!    `time`). A file without `tx` lines becomes one commit. Mixing both in one file is
//!    refused, since the order of the untagged commit would be a guess.
//! 4. Nothing is written here: [`import`] hands complete commits to an [`ImportSink`]
//!    in chunks of about [`CHUNK_EVENTS`] events, and the sink's view (which holds the
//!    chunks handed over so far) answers the duplicate and type checks of later lines.
//!    `Kb::import` writes each chunk to the log unacknowledged and acknowledges them all
//!    at the end (`log.rs`, "Appending in pieces"), so a 10-million-fact file never sits
//!    in memory whole, and the import is still all or nothing: the first bad line of any
//!    file rejects the whole import with `file:line: what is wrong`, and the chunks
//!    already written are removed.
//!
//! # Fields beyond SPEC §4 (so that `export events` round-trips)
//!
//! - fact lines: `note` (a manual note as source), `evidence` as a string or
//!   `{"sentence", "start", "end"}`, `extractor` as `"name/version"` or
//!   `{"name", "version"}`, `qualifiers` as `{"role": "président"}` or as a list of
//!   `{"name", "value", "kind"}`; `object_kind` may name any value kind (`entity`,
//!   `literal`/`string`, `integer`, `decimal`, `date`, `datetime`, `money`).
//! - `{"entity": "G42", "type": "Organization"}`: an `EntityTyped` event.
//! - `{"retract": {"article": "a1"}, "reason": "…"}` (no subject): an `ArticleRetracted`.
//! - article lines may carry `text`, `content_hash` and `mentions`.
//!
//! # Objects without `object_kind`
//!
//! A JSON number is an integer or a decimal; `{"amount", "currency"}` is money. A string
//! is a literal for the literal predicates (`said`; `amount` when it reads as money), and
//! otherwise a date, date-time or money when it reads as one (`"2025-05-14"`,
//! `"9000000000 USD"`), else an entity name. Strings of digits stay entity names: write
//! numbers as JSON numbers.
//!
//! A fact line (without `tx`) naming an article not yet known also adds that article
//! (id, `published`), so the virtual article predicates answer; `subject_type` and
//! `object_type` add an `EntityTyped` when the entity's type is new or different.

use compact_str::CompactString;
use rustc_hash::{FxHashMap, FxHashSet};
use std::io::Read;
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};

use chrono::NaiveDate;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::event::{
    Article, Event, Evidence, Extractor, FactAsserted, FactRetracted, Source, Support, Tx,
};
use crate::log::NewCommit;
use crate::value::{fold, fold_into, parse_datetime, EntityType, Money, Value};
use crate::view::{NameCache, View, VIRTUAL_PREDICATES};

/// One input: a name for messages (the path, or `-`) and a stream of its bytes, read
/// once, front to back.
pub struct ImportFile {
    pub name: String,
    pub input: Box<dyn Read + Send>,
}

impl ImportFile {
    /// An input held in memory.
    pub fn from_bytes(name: impl Into<String>, data: Vec<u8>) -> ImportFile {
        ImportFile {
            name: name.into(),
            input: Box::new(std::io::Cursor::new(data)),
        }
    }
}

/// Where [`import`] puts its commits.
pub trait ImportSink {
    /// The view, including every commit appended so far when [`ImportSink::view_advances`]
    /// (else as it was before the import): it answers duplicate and type checks for the
    /// lines that follow.
    fn view(&self) -> &View;
    /// Whether [`ImportSink::view`] takes in the commits appended. When it does not, the
    /// import remembers every article it added for the whole run, instead of only those
    /// since the last chunk.
    fn view_advances(&self) -> bool;
    /// Appends complete commits (never an empty one) in order and returns their txs.
    fn append(&mut self, commits: Vec<NewCommit>) -> Result<Vec<Tx>>;
}

/// About this many events are handed to the sink at a time (a commit is never split).
/// Large enough that a chunk's sled batch and thread hand-overs cost little, small
/// enough that a chunk's commits take a megabyte or two. It also sets how much garbage
/// sled's node rewrites leave in its file: on the 400k-fact file the sled folder was
/// 45 MB with 4096 (four runs), 47–55 MB with 16384, 48–49 MB with 1024.
pub const CHUNK_EVENTS: usize = 4_096;

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub files: usize,
    pub lines: u64,
    pub commits: u64,
    pub events: u64,
    /// Article lines skipped because an article with the same content exists.
    pub duplicates: u64,
    pub first_tx: Option<u64>,
    pub last_tx: Option<u64>,
    /// The first `tx` value written in the input, when its lines carry `tx`.
    pub first_input_tx: Option<u64>,
}

/// A field that is either a string or an object: the article of a fact line (an id) or
/// of an article line (its metadata), an evidence sentence or `{sentence, start, end}`,
/// an extractor `"name/version"` or `{name, version}`.
///
/// Deserialized by hand: serde's `untagged` buffers every value into an intermediate
/// tree and tries each variant in turn, which made parsing twice as slow.
#[derive(Debug)]
enum TextOr<T> {
    Text(CompactString),
    Full(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for TextOr<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = TextOr<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or an object")
            }
            fn visit_str<E: serde::de::Error>(
                self,
                v: &str,
            ) -> std::result::Result<Self::Value, E> {
                Ok(TextOr::Text(v.into()))
            }
            fn visit_string<E: serde::de::Error>(
                self,
                v: String,
            ) -> std::result::Result<Self::Value, E> {
                Ok(TextOr::Text(v.into()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(TextOr::Full)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

// Boxed, like `retract` below: a `Line` is moved several times on its way from the
// parser to the builder, and these two rare objects were about 40 % of its size.
type ArticleField = TextOr<Box<ArticleLine>>;
type EvidenceField = TextOr<EvidenceObject>;
type ExtractorField = TextOr<Extractor>;

#[derive(Debug, Default, Deserialize)]
struct ArticleLine {
    id: Option<String>,
    title: Option<String>,
    url: Option<String>,
    published: Option<String>,
    language: Option<String>,
    text: Option<String>,
    content_hash: Option<String>,
    #[serde(default)]
    mentions: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct EvidenceObject {
    sentence: String,
    #[serde(default)]
    start: u32,
    #[serde(default)]
    end: u32,
}

#[derive(Debug, Deserialize)]
struct TypedQualifier {
    name: String,
    value: serde_json::Value,
    kind: Option<String>,
}

/// Qualifiers as `{"role": "président"}` or as `[{"name", "value", "kind"}]`.
#[derive(Debug)]
enum QualifiersField {
    Map(serde_json::Map<String, serde_json::Value>),
    List(Vec<TypedQualifier>),
}

impl<'de> Deserialize<'de> for QualifiersField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = QualifiersField;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of qualifiers or a list of {name, value, kind}")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                Deserialize::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(QualifiersField::Map)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                Deserialize::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
                    .map(QualifiersField::List)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
struct RetractLine {
    subject: Option<CompactString>,
    predicate: Option<CompactString>,
    object: Option<serde_json::Value>,
    object_kind: Option<String>,
    article: Option<String>,
}

/// An entity type as written on a fact line, parsed while the line is: a known type
/// (nearly every line has one or two) costs no string, which would be allocated by the
/// parsing thread only to be freed by the importing one.
#[derive(Debug)]
enum TypeField {
    Known(EntityType),
    Unknown(String),
}

impl<'de> Deserialize<'de> for TypeField {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = TypeField;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<TypeField, E> {
                Ok(type_field(v))
            }
        }
        d.deserialize_str(V)
    }
}

/// A type name as [`TypeField`].
fn type_field(v: &str) -> TypeField {
    entity_type(v).map_or_else(|| TypeField::Unknown(v.to_string()), TypeField::Known)
}

/// [`EntityType::parse`], trying first the spelling nearly every line uses: a name equal
/// to a type's own is that type (no two names differ only by case or white space), and
/// comparing it costs less than trimming it and comparing it without case to each name
/// in turn (a twentieth of a parsing thread's instructions).
fn entity_type(v: &str) -> Option<EntityType> {
    EntityType::ALL
        .into_iter()
        .find(|t| t.as_str() == v)
        .or_else(|| EntityType::parse(v))
}

/// Every field of every kind of line.
#[derive(Debug, Default, Deserialize)]
struct Line {
    tx: Option<u64>,
    time: Option<String>,
    subject: Option<CompactString>,
    predicate: Option<CompactString>,
    object: Option<serde_json::Value>,
    object_kind: Option<String>,
    subject_type: Option<TypeField>,
    object_type: Option<TypeField>,
    article: Option<ArticleField>,
    note: Option<String>,
    published: Option<String>,
    evidence: Option<EvidenceField>,
    span: Option<(u32, u32)>,
    extractor: Option<ExtractorField>,
    confidence: Option<f64>,
    qualifiers: Option<QualifiersField>,
    alias: Option<String>,
    canonical: Option<String>,
    retract: Option<Box<RetractLine>>,
    reason: Option<String>,
    entity: Option<String>,
    #[serde(rename = "type")]
    entity_type: Option<String>,
}

/// Hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        // Not `format!` per byte: that was most of the cost of hashing an article id.
        for nibble in [b >> 4, b & 0xf] {
            s.push(char::from(
                HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    s
}

fn parse_date(s: &str) -> std::result::Result<NaiveDate, String> {
    if let Some(d) = plain_date(s) {
        return Ok(d);
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
}

/// A date written exactly `YYYY-MM-DD`, as nearly all are, read without chrono's
/// general parser (about 1,500 instructions a date); `None` for anything else, which
/// `parse_date` hands to chrono.
fn plain_date(s: &str) -> Option<NaiveDate> {
    let b: &[u8; 10] = s.as_bytes().try_into().ok()?;
    let digits = |r: std::ops::Range<usize>| {
        b.get(r)?.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let year = i32::try_from(digits(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(5..7)?, digits(8..10)?)
}

fn non_empty<S: std::ops::Deref<Target = str>>(
    what: &str,
    s: Option<S>,
) -> std::result::Result<S, String> {
    match s {
        Some(s) if !blank(&s) => Ok(s),
        Some(_) => Err(format!("`{what}` is empty")),
        None => Err(format!("`{what}` is missing")),
    }
}

fn json_number(n: &serde_json::Number) -> std::result::Result<Value, String> {
    if let Some(i) = n.as_i64() {
        return Ok(Value::Int(i));
    }
    match n.as_f64() {
        Some(f) if f.is_finite() => Ok(Value::Decimal(f)),
        _ => Err(format!("the number {n} is out of range")),
    }
}

fn money_from(v: &serde_json::Value) -> Option<Value> {
    match v {
        serde_json::Value::String(s) => match Value::parse_typed_literal(s) {
            Some(m @ Value::Money(_)) => Some(m),
            _ => None,
        },
        serde_json::Value::Object(o) => {
            let amount = o.get("amount")?.as_f64().filter(|a| a.is_finite())?;
            let currency = o.get("currency")?.as_str()?;
            (currency.len() == 3 && currency.chars().all(|c| c.is_ascii_uppercase())).then(|| {
                Value::Money(Money {
                    amount,
                    currency: currency.to_string(),
                })
            })
        }
        _ => None,
    }
}

/// A JSON value as a [`Value`], following `kind` when given (module doc). `entity_default`
/// says whether a plain string is an entity name (else a string literal).
pub fn value_from_json(
    v: serde_json::Value,
    kind: Option<&str>,
    entity_default: bool,
) -> std::result::Result<Value, String> {
    use serde_json::Value as J;
    // Taken by value: the string of the usual object (an entity name) becomes the value
    // as it is, instead of a copy of a string a parsing thread allocated, freed by this
    // one.
    let want_str = |v: J| match v {
        J::String(s) => Ok(s),
        other => Err(format!("expected a string, found {other}")),
    };
    match kind.map(str::trim) {
        Some("entity") => {
            let s = want_str(v)?;
            if blank(&s) {
                return Err("an entity name is empty".to_string());
            }
            Ok(Value::Entity(s))
        }
        Some("literal") | Some("string") => match v {
            J::Number(n) if kind == Some("literal") => json_number(&n),
            v => Ok(Value::Str(want_str(v)?)),
        },
        Some("integer") => match &v {
            J::Number(n) => n.as_i64().map(Value::Int),
            J::String(s) => s.trim().parse().ok().map(Value::Int),
            _ => None,
        }
        .ok_or_else(|| format!("{v} is not an integer")),
        Some("decimal") => match &v {
            J::Number(n) => n.as_f64(),
            J::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|f: &f64| f.is_finite())
        .map(Value::Decimal)
        .ok_or_else(|| format!("{v} is not a decimal number")),
        Some("date") => Ok(Value::Date(parse_date(&want_str(v)?)?)),
        Some("datetime") => {
            let s = want_str(v)?;
            parse_datetime(&s)
                .map(Value::DateTime)
                .ok_or_else(|| format!("`{s}` is not a date-time (RFC 3339)"))
        }
        Some("money") => money_from(&v).ok_or_else(|| format!("{v} is not money (\"9000000000 USD\")")),
        Some(other) => Err(format!(
            "unknown object_kind `{other}` (entity, literal, string, integer, decimal, date, datetime, money)"
        )),
        None => match v {
            J::Number(n) => json_number(&n),
            J::String(s) => {
                if blank(&s) {
                    return Err("the value is an empty string".to_string());
                }
                if !entity_default {
                    return Ok(Value::Str(s));
                }
                if !may_be_typed(&s) {
                    return Ok(Value::Entity(s));
                }
                match Value::parse_typed_literal(&s) {
                    Some(t @ (Value::Date(_) | Value::DateTime(_) | Value::Money(_))) => Ok(t),
                    _ => Ok(Value::Entity(s)),
                }
            }
            o @ J::Object(_) => money_from(&o).ok_or_else(|| {
                "an object value must be money: {\"amount\": N, \"currency\": \"USD\"}".to_string()
            }),
            other => Err(format!("{other} cannot be a value")),
        },
    }
}

/// Whether `s` may read as a date, a date-time or money by [`Value::parse_typed_literal`]:
/// each of them starts (after white space) with a digit, or with a sign or a point
/// before a money amount (an amount spelled `inf` or `NaN` is refused as not finite).
/// Most objects are entity names, and trying the three parsers on each was a sixth of
/// the importing thread's instructions.
fn may_be_typed(s: &str) -> bool {
    matches!(
        s.trim_start().as_bytes().first(),
        Some(b'0'..=b'9' | b'+' | b'-' | b'.')
    )
}

/// Whether `s` is empty or white space (`s.trim().is_empty()`), at a glance when it
/// starts with a visible ASCII character, as names nearly always do: trimming every
/// subject, predicate and object was 7 % of the importing thread's instructions.
fn blank(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() => false,
        _ => s.trim().is_empty(),
    }
}

/// Whether `s` has no white space around it (`s.trim() == s`), at a glance when both
/// ends are visible ASCII characters (white space is either ASCII and not visible, or
/// not ASCII).
fn untrimmed(s: &str) -> bool {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => true,
        _ => s.trim().len() == s.len(),
    }
}

/// `s` without white space around it; `s` itself (no new string) when it has none.
fn trimmed<S: std::ops::Deref<Target = str> + for<'a> From<&'a str>>(s: S) -> S {
    if untrimmed(&s) {
        s
    } else {
        S::from(s.trim())
    }
}

/// The object of a fact or retraction line.
fn object_value(
    predicate: &str,
    v: serde_json::Value,
    kind: Option<&str>,
) -> std::result::Result<Value, String> {
    if kind.is_none() {
        if predicate == "said" {
            return value_from_json(v, Some("string"), false);
        }
        if predicate == "amount" {
            if let Some(m) = money_from(&v) {
                return Ok(m);
            }
            return value_from_json(v, None, false);
        }
    }
    value_from_json(v, kind, true)
}

fn check_predicate(p: &str) -> std::result::Result<(), String> {
    if VIRTUAL_PREDICATES.contains(&p) {
        return Err(format!(
            "`{p}` is answered from entity and article records and cannot be imported as a \
             fact (use subject_type, an {{\"entity\", \"type\"}} line, an alias line or an \
             article line)"
        ));
    }
    // Visible ASCII characters only, as nearly always: no white space to look for.
    if !p.bytes().all(|b| b.is_ascii_graphic()) && p.chars().any(char::is_whitespace) {
        return Err(format!("the predicate `{p}` contains white space"));
    }
    Ok(())
}

/// Builds events across the lines of all files. The articles and hashes it remembers
/// cover the commits not yet handed to the sink; the sink's view answers for the ones
/// before (they are cleared at every hand-over, so they stay as small as a chunk). The
/// types it remembers cover the whole import (see `typed`): one entry per typed name,
/// as the view has.
#[derive(Default)]
struct Builder {
    /// Folded name → its number, an index into `folded` and `types` (`name_id`).
    ids: FxHashMap<CompactString, usize>,
    /// By number: the folded name.
    folded: Vec<Box<str>>,
    /// By number: the name's type, given in this import or as the view answered
    /// (`typed`); `None`: the view answers.
    types: Vec<Option<EntityType>>,
    /// Names as written → their folded name's number (see `name_id`), in the cache
    /// the view keeps of its own (`View::raw_names`), laid out to be prefetched
    /// (`warm_names`). `ids` keeps names of up to 24 bytes in the slot
    /// (`CompactString`): at 10M facts, where it outgrows the cache, that was worth
    /// 38.6–40.3 s of import against 42.1 s with boxed keys.
    written: NameCache,
    /// Folded ids of articles added so far in this import.
    articles: FxHashSet<String>,
    hashes: FxHashSet<String>,
    report: ImportReport,
    /// A buffer for folding names.
    fold_buf: String,
}

/// At most this many names as written are remembered (`Builder::written`).
const FOLDS_MAX: usize = 1 << 20;

/// Lines whose names [`Builder::warm_names`] looks up together.
const LOOKAHEAD: usize = 32;

impl Builder {
    /// Asks the processor for the entries of `written` of a window of lines' names
    /// before the lines are built: building a line waits for its names' lookups, one
    /// line after another, and these requests overlap (as in `View::look_ahead`).
    fn warm_names(&self, window: &[Parsed]) {
        for line in window.iter().filter_map(|(_, line)| line.as_ref().ok()) {
            if let Some(subject) = &line.subject {
                self.written.prefetch(subject, NameCache::hash(subject));
            }
            if let Some(serde_json::Value::String(object)) = &line.object {
                self.written.prefetch(object, NameCache::hash(object));
            }
        }
    }

    /// The number of `fold(name)`, given one if it has none.
    ///
    /// Most names recur verbatim (a subject or object type on every fact line): looking
    /// the name as written up once gives the number, by which its folded name and its
    /// type are at hand. Folding the accented names (Unicode decomposition) cost more
    /// than that lookup, and folding every name then looking its fold up again (as a
    /// string) was half of `typed`.
    fn name_id(&mut self, name: &str) -> usize {
        if let Some(id) = self.written.get(name) {
            return id as usize;
        }
        fold_into(name, &mut self.fold_buf);
        let id = match self.ids.get(self.fold_buf.as_str()) {
            Some(&id) => id,
            None => {
                let id = self.folded.len();
                self.ids
                    .insert(CompactString::from(self.fold_buf.as_str()), id);
                self.folded.push(self.fold_buf.as_str().into());
                self.types.push(None);
                id
            }
        };
        if let Ok(number) = u32::try_from(id) {
            if self.written.len() < FOLDS_MAX {
                self.written.insert(name, number);
            }
        }
        id
    }

    /// Sets the type kept for a folded name: `None` makes the view answer again.
    fn keep_type(&mut self, id: usize, t: Option<EntityType>) {
        if let Some(slot) = self.types.get_mut(id) {
            *slot = t;
        }
    }

    /// Forgets the type kept for `folded`, if any: the view answers again.
    fn forget_type(&mut self, folded: &str) {
        if let Some(&id) = self.ids.get(folded) {
            self.keep_type(id, None);
        }
    }
}

impl Builder {
    /// Emits an `EntityTyped` when `ty` is not already the type of `name`.
    ///
    /// Every answer is kept in `types` for the whole import, the view's as well as this
    /// import's own, as the import kept its own before it was streamed: the view only
    /// changes by this import's events, and the ones that type a name are the
    /// `EntityTyped` kept here, and the articles and notes this import adds, which make
    /// their name forget its kept type (the view answers again, once it has them).
    /// Without that, each fact line paid two folds and two view lookups for names most
    /// lines before it had already typed (a quarter of the importing thread's time).
    fn typed(
        &mut self,
        view: &View,
        name: &str,
        ty: &TypeField,
        out: &mut Vec<Event>,
    ) -> std::result::Result<(), String> {
        let t = match ty {
            TypeField::Known(t) => *t,
            TypeField::Unknown(ty) => {
                return Err(format!(
                    "unknown entity type `{ty}` (Person, Organization, Country, Place, \
                     Product, Article, Note, Other)"
                ))
            }
        };
        let id = self.name_id(name);
        let current = match self.types.get(id).copied().flatten() {
            Some(current) => Some(current),
            None => {
                let snap = view.snapshot(None);
                let current = self
                    .folded
                    .get(id)
                    .and_then(|folded| snap.resolve_folded(folded))
                    .and_then(|root| snap.entity_type(root));
                self.keep_type(id, current);
                current
            }
        };
        if current != Some(t) {
            self.keep_type(id, Some(t));
            out.push(Event::EntityTyped {
                name: name.to_string(),
                entity_type: t,
            });
        }
        Ok(())
    }

    fn article_known(&mut self, view: &View, id: &str) -> bool {
        let n = self.name_id(id);
        let Some(folded) = self.folded.get(n) else {
            return false;
        };
        if self.articles.contains(&**folded) {
            return true;
        }
        let snap = view.snapshot(None);
        snap.resolve_folded(folded)
            .is_some_and(|t| snap.article(t).is_some())
    }

    /// The events of one line.
    fn line(
        &mut self,
        view: &View,
        line: &mut Line,
        restoring: bool,
        out: &mut Vec<Event>,
    ) -> std::result::Result<(), String> {
        if let Some(r) = line.retract.take() {
            return self.retract(*r, line.reason.take(), out);
        }
        if let Some(alias) = line.alias.take() {
            let canonical = non_empty("canonical", line.canonical.take())?;
            if blank(&alias) {
                return Err("`alias` is empty".to_string());
            }
            out.push(Event::AliasAdded { alias, canonical });
            return Ok(());
        }
        if let Some(entity) = line.entity.take() {
            let ty = non_empty("type", line.entity_type.take())?;
            if blank(&entity) {
                return Err("`entity` is empty".to_string());
            }
            let t = EntityType::parse(&ty).ok_or_else(|| format!("unknown entity type `{ty}`"))?;
            let id = self.name_id(&entity);
            self.keep_type(id, Some(t));
            out.push(Event::EntityTyped {
                name: entity,
                entity_type: t,
            });
            return Ok(());
        }
        if line.subject.is_some() {
            return self.fact(view, line, restoring, out);
        }
        match line.article.take() {
            Some(TextOr::Full(a)) => self.article(view, *a, out),
            Some(TextOr::Text(_)) => {
                Err("a fact line needs `subject`, `predicate` and `object`".to_string())
            }
            None => Err(
                "the line is none of: a fact (`subject`), `alias`, `retract`, `article`, `entity`"
                    .to_string(),
            ),
        }
    }

    fn article(
        &mut self,
        view: &View,
        a: ArticleLine,
        out: &mut Vec<Event>,
    ) -> std::result::Result<(), String> {
        let text = a.text.unwrap_or_default();
        let id = match a.id {
            Some(id) if !blank(&id) => id,
            Some(_) => return Err("the article `id` is empty".to_string()),
            None if !text.is_empty() => sha256_hex(text.as_bytes()).chars().take(12).collect(),
            None => return Err("an article needs an `id` or a `text`".to_string()),
        };
        let content_hash = match a.content_hash {
            Some(h) => h,
            None if text.is_empty() => sha256_hex(id.as_bytes()),
            None => sha256_hex(text.as_bytes()),
        };
        if view.article_by_hash(&content_hash).is_some() || self.hashes.contains(&content_hash) {
            self.report.duplicates += 1;
            return Ok(());
        }
        let published = a.published.as_deref().map(parse_date).transpose()?;
        self.hashes.insert(content_hash.clone());
        let folded = fold(&id);
        self.forget_type(&folded);
        self.articles.insert(folded);
        out.push(Event::ArticleAdded(Article {
            id,
            title: a.title,
            url: a.url,
            published,
            language: a.language,
            text,
            content_hash,
            mentions: a.mentions,
        }));
        Ok(())
    }

    fn fact(
        &mut self,
        view: &View,
        line: &mut Line,
        restoring: bool,
        out: &mut Vec<Event>,
    ) -> std::result::Result<(), String> {
        let subject = non_empty("subject", line.subject.take())?;
        let predicate = trimmed(non_empty("predicate", line.predicate.take())?);
        check_predicate(&predicate)?;
        let object = line.object.take().ok_or("`object` is missing")?;
        let object = object_value(&predicate, object, line.object_kind.as_deref())?;
        let source = match (line.article.take(), line.note.take()) {
            (Some(TextOr::Text(id)), None) if !blank(&id) => {
                if !restoring && !self.article_known(view, &id) {
                    let published = line.published.as_deref().map(parse_date).transpose()?;
                    let folded = fold(&id);
                    self.forget_type(&folded);
                    self.articles.insert(folded);
                    let content_hash = sha256_hex(id.as_bytes());
                    if view.article_by_hash(&content_hash).is_none()
                        && self.hashes.insert(content_hash.clone())
                    {
                        out.push(Event::ArticleAdded(Article {
                            id: id.to_string(),
                            published,
                            content_hash,
                            ..Article::default()
                        }));
                    }
                }
                Source::Article(id)
            }
            (Some(TextOr::Text(_)), None) => return Err("`article` is empty".to_string()),
            (Some(TextOr::Full(_)), _) => {
                return Err("on a fact line, `article` is the article's id (a string)".to_string())
            }
            (None, Some(note)) => {
                // The view types a note `Note`.
                self.forget_type(&fold(&note));
                Source::Note(note.into())
            }
            (Some(_), Some(_)) => {
                return Err("a fact has an `article` or a `note`, not both".to_string())
            }
            (None, None) => Source::None,
        };
        if let Some(ty) = &line.subject_type {
            self.typed(view, &subject, ty, out)?;
        }
        if let (Some(ty), Value::Entity(name)) = (&line.object_type, &object) {
            self.typed(view, name, ty, out)?;
        }
        let mut evidence = match line.evidence.take() {
            None => None,
            Some(TextOr::Text(sentence)) => Some(Evidence {
                sentence: sentence.into_string(),
                start: 0,
                end: 0,
            }),
            Some(TextOr::Full(EvidenceObject {
                sentence,
                start,
                end,
            })) => Some(Evidence {
                sentence,
                start,
                end,
            }),
        };
        if let (Some(ev), Some((start, end))) = (evidence.as_mut(), line.span) {
            ev.start = start;
            ev.end = end;
        }
        let extractor = match line.extractor.take() {
            None => None,
            Some(TextOr::Full(x)) => Some(x),
            Some(TextOr::Text(s)) => {
                let (name, version) = s.split_once('/').unwrap_or((&s, ""));
                Some(Extractor {
                    name: name.into(),
                    version: version.into(),
                })
            }
        };
        let confidence = match line.confidence {
            Some(c) if !c.is_finite() => return Err("`confidence` is not a number".to_string()),
            Some(c) => Some(c as f32),
            None => None,
        };
        let qualifiers = match line.qualifiers.take() {
            None => Vec::new(),
            Some(QualifiersField::Map(m)) => m
                .into_iter()
                .map(|(k, v)| value_from_json(v, None, false).map(|v| (k, v)))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| format!("qualifier: {e}"))?,
            Some(QualifiersField::List(l)) => l
                .into_iter()
                .map(|q| value_from_json(q.value, q.kind.as_deref(), false).map(|v| (q.name, v)))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| format!("qualifier: {e}"))?,
        };
        out.push(Event::FactAsserted(FactAsserted {
            subject,
            predicate,
            object,
            support: Support {
                source,
                evidence,
                extractor,
                confidence,
                qualifiers,
            },
        }));
        Ok(())
    }

    fn retract(
        &mut self,
        r: RetractLine,
        reason: Option<String>,
        out: &mut Vec<Event>,
    ) -> std::result::Result<(), String> {
        if r.subject.is_none() && r.predicate.is_none() && r.object.is_none() {
            let id = non_empty("retract.article", r.article)?;
            out.push(Event::ArticleRetracted { id, reason });
            return Ok(());
        }
        let subject = non_empty("retract.subject", r.subject)?;
        let predicate = trimmed(non_empty("retract.predicate", r.predicate)?);
        check_predicate(&predicate)?;
        let object = r.object.ok_or("`retract.object` is missing")?;
        let object = object_value(&predicate, object, r.object_kind.as_deref())?;
        out.push(Event::FactRetracted(FactRetracted {
            subject,
            predicate,
            object,
            article: r.article.map(Into::into),
            reason,
        }));
        Ok(())
    }
}

/// Imports `files` into `sink`, in chunks (module doc). The first bad line is an
/// [`Error::InvalidInput`] naming `file:line`; chunks already appended are then the
/// sink's to take back.
pub fn import(files: Vec<ImportFile>, sink: &mut dyn ImportSink) -> Result<ImportReport> {
    run(files, sink, CHUNK_EVENTS)
}

/// Builds the commits of all `files` against `view` (for duplicate and type checks),
/// without writing anything, and returns them all: for tests and tools with small
/// inputs (the whole import is in memory).
pub fn build_commits(
    files: Vec<ImportFile>,
    view: &View,
) -> Result<(Vec<NewCommit>, ImportReport)> {
    let mut sink = Collect {
        view,
        commits: Vec::new(),
    };
    let report = run(files, &mut sink, usize::MAX)?;
    Ok((sink.commits, report))
}

/// A sink that keeps the commits and leaves the view as it is.
struct Collect<'v> {
    view: &'v View,
    commits: Vec<NewCommit>,
}

impl ImportSink for Collect<'_> {
    fn view(&self) -> &View {
        self.view
    }
    fn view_advances(&self) -> bool {
        false
    }
    fn append(&mut self, commits: Vec<NewCommit>) -> Result<Vec<Tx>> {
        let first = self.commits.len() as Tx + 1;
        let txs = (first..first + commits.len() as Tx).collect();
        self.commits.extend(commits);
        Ok(txs)
    }
}

fn run(
    files: Vec<ImportFile>,
    sink: &mut dyn ImportSink,
    chunk_events: usize,
) -> Result<ImportReport> {
    let mut run = Run {
        b: Builder {
            report: ImportReport {
                files: files.len(),
                ..ImportReport::default()
            },
            ..Builder::default()
        },
        sink,
        pending: Vec::new(),
        pending_events: 0,
        chunk_events,
    };
    for file in files {
        let name = file.name.clone();
        parse_stream(file, &mut |batches| run.take_lines(&name, batches))?;
    }
    run.hand_over()?;
    Ok(run.b.report)
}

/// Decodes one line; the message keeps serde_json's column.
fn parse_line(raw: &[u8]) -> std::result::Result<Line, String> {
    serde_json::from_slice(raw).map_err(line_error)
}

/// [`parse_line`] of a line known to be UTF-8: the same result, without checking each
/// string again.
fn parse_line_str(raw: &str) -> std::result::Result<Line, String> {
    serde_json::from_str(raw).map_err(line_error)
}

/// Decodes a line of the usual shape, as [`parse_line_str`] does, or returns `None`.
///
/// The usual shape: one object of known keys, each at most once, whose values are
/// strings without escapes or control characters, unsigned numbers without exponent
/// (at most 18 digits), or, for `article` and `retract`, objects of the same made of
/// their string fields. That is every line of an extractor's output and of an events
/// export of facts, articles and retractions. Anything else (another key, `null`, an
/// escape, a list, a sign, white space serde_json would refuse, an error of any kind)
/// is `None`, and serde_json decodes the line: so a line decodes to the same [`Line`],
/// and fails with the same message, either way (the tests compare the two).
///
/// Why: serde_json spent about 6,000 instructions on a fact line of 270 bytes (fields
/// matched by name through generic visitors, each string scanned for escapes byte by
/// byte in 8-byte words, then copied); this reads the line once and copies only the
/// strings the line keeps.
///
/// It fills `line`, which must be empty (`Line::default()`), where it lies in its batch:
/// returning a `Line` moved its few hundred bytes twice more. After `None`, `line` holds
/// a part of the line and is to be overwritten.
fn parse_line_fast(s: &str, line: &mut Line) -> Option<()> {
    let mut c = Cursor { s, i: 0 };
    c.object(|c, key| match key {
        "tx" => set(&mut line.tx, c.uint()?),
        "time" => set(&mut line.time, c.string()?),
        "subject" => set(&mut line.subject, c.compact()?),
        "predicate" => set(&mut line.predicate, c.compact()?),
        "object" => set(&mut line.object, serde_json::Value::String(c.string()?)),
        "object_kind" => set(&mut line.object_kind, c.string()?),
        "subject_type" => set(&mut line.subject_type, type_field(c.str()?)),
        "object_type" => set(&mut line.object_type, type_field(c.str()?)),
        "article" => {
            let article = if c.peek()? == b'{' {
                TextOr::Full(Box::new(c.article()?))
            } else {
                TextOr::Text(c.compact()?)
            };
            set(&mut line.article, article)
        }
        "note" => set(&mut line.note, c.string()?),
        "published" => set(&mut line.published, c.string()?),
        "evidence" => set(&mut line.evidence, TextOr::Text(c.compact()?)),
        "extractor" => set(&mut line.extractor, TextOr::Text(c.compact()?)),
        "confidence" => set(&mut line.confidence, c.float()?),
        "alias" => set(&mut line.alias, c.string()?),
        "canonical" => set(&mut line.canonical, c.string()?),
        "retract" => set(&mut line.retract, Box::new(c.retract()?)),
        "reason" => set(&mut line.reason, c.string()?),
        "entity" => set(&mut line.entity, c.string()?),
        "type" => set(&mut line.entity_type, c.string()?),
        _ => None,
    })?;
    c.end()
}

/// Fills a field not seen before on this line (serde refuses a duplicate field).
fn set<T>(field: &mut Option<T>, value: T) -> Option<()> {
    match field {
        Some(_) => None,
        None => {
            *field = Some(value);
            Some(())
        }
    }
}

/// serde_json's powers of ten (its `POW10`, exact up to 1e22), by which it divides a
/// number's digits (as an integer) to place its decimal point.
const POW10: [f64; 19] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18,
];

/// The length of the string `body` starts, if it ends at a `"` with no `\\` or control
/// character before it.
///
/// Sixteen bytes at a time ([`special_bytes`]), then eight ([`string_end_short`]).
/// Scanning strings was the largest cost of the import's parsers: 807M of the 5.46G
/// instructions of the 400k-fact import went to `Cursor::str`, eight bytes at a time.
fn string_end(body: &[u8]) -> Option<usize> {
    let (blocks, rest) = body.as_chunks::<16>();
    for (n, block) in blocks.iter().enumerate() {
        let mask = special_bytes(block);
        if mask != 0 {
            let i = mask.trailing_zeros() as usize;
            return (block.get(i) == Some(&b'"')).then_some(16 * n + i);
        }
    }
    string_end_short(rest).map(|len| 16 * blocks.len() + len)
}

/// A mask of the bytes of `block` that are `"`, `\\` or below 0x20 (bit `i` for byte
/// `i`): three compares and a `pmovmskb` with SSE2, which every x86-64 processor has.
#[cfg(target_arch = "x86_64")]
fn special_bytes(block: &[u8; 16]) -> u16 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    // SAFETY: SSE2 is part of every x86-64 target (the build enables it), and the load
    // reads the 16 bytes of `block`, with no alignment required.
    unsafe {
        let v = _mm_loadu_si128(block.as_ptr().cast::<__m128i>());
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        // Unsigned `b < 0x20` is `max(b, 0x1f) == 0x1f`.
        let control = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));
        let any = _mm_or_si128(_mm_or_si128(quote, backslash), control);
        // The mask has 16 bits: the upper half of the `i32` is zero.
        _mm_movemask_epi8(any) as u16
    }
}

/// [`special_bytes`] without SSE2: the same mask, byte by byte.
#[cfg(not(target_arch = "x86_64"))]
fn special_bytes(block: &[u8; 16]) -> u16 {
    let mut mask = 0u16;
    for (i, &b) in block.iter().enumerate() {
        mask |= u16::from((b == b'"') | (b == b'\\') | (b < 0x20)) << i;
    }
    mask
}

/// [`string_end`] for what is left after its blocks, eight bytes at a time: a byte's flag
/// is set when it is `"`, `\\` or below 0x20. The tests flag bytes above a flagged one at
/// times (a borrow carries), never one below it, so the first flag is the first such
/// byte.
fn string_end_short(body: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let mut words = body.chunks_exact(8);
    let mut at = 0;
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().ok()?);
        let flags = zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if flags != 0 {
            let i = (flags.trailing_zeros() / 8) as usize;
            return (word.get(i) == Some(&b'"')).then_some(at + i);
        }
        at += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if b == b'"' {
            return Some(at + i);
        }
        if b == b'\\' || b < 0x20 {
            return None;
        }
    }
    None
}

/// A position in a line, for [`parse_line_fast`]: every method returns `None`, with the
/// position anywhere, for anything outside the usual shape.
struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    /// Skips JSON white space (serde_json's four characters).
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.s.as_bytes().get(self.i) {
            self.i += 1;
        }
    }

    /// The next byte after white space, not taken.
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.s.as_bytes().get(self.i).copied()
    }

    /// Takes `b` after white space.
    fn byte(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.i += 1)
    }

    /// The end of the line, after white space.
    fn end(&mut self) -> Option<()> {
        self.ws();
        (self.i == self.s.len()).then_some(())
    }

    /// A string without escapes and control characters (which serde_json unescapes or
    /// refuses), after white space.
    fn str(&mut self) -> Option<&'a str> {
        self.byte(b'"')?;
        let start = self.i;
        let body = self.s.as_bytes().get(start..)?;
        let len = string_end(body)?;
        self.i = start + len + 1;
        // `"` is ASCII: both ends are character boundaries.
        self.s.get(start..start + len)
    }

    // Out of line: inlined into `parse_line_fast` with its allocation (about twenty
    // places), it made the whole function slower (callgrind: 427M against 439M
    // instructions in the two parsing threads for 100k lines).
    #[inline(never)]
    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_string)
    }

    /// A string kept inline when it is short (a name, an id): no allocation.
    fn compact(&mut self) -> Option<CompactString> {
        self.str().map(CompactString::from)
    }

    /// A number `(0|[1-9][0-9]*)(.[0-9]+)?` of at most 18 digits, as its digits read as
    /// an integer and the count of digits after the point.
    fn number(&mut self) -> Option<(u64, Option<usize>)> {
        self.ws();
        let b = self.s.as_bytes();
        let mut digits = 0u64;
        let mut count = 0usize;
        let mut run = |i: &mut usize| {
            let from = *i;
            while let Some(&d @ b'0'..=b'9') = b.get(*i) {
                digits = digits * 10 + u64::from(d - b'0');
                *i += 1;
                count += 1;
                if count > 18 {
                    return None;
                }
            }
            Some(*i - from)
        };
        let mut i = self.i;
        let int = run(&mut i)?;
        if int == 0 || (int > 1 && b.get(self.i) == Some(&b'0')) {
            return None;
        }
        let mut frac = None;
        if b.get(i) == Some(&b'.') {
            i += 1;
            match run(&mut i)? {
                0 => return None,
                n => frac = Some(n),
            }
        }
        if matches!(
            b.get(i),
            Some(b'.' | b'e' | b'E' | b'+' | b'-' | b'0'..=b'9')
        ) {
            return None;
        }
        self.i = i;
        Some((digits, frac))
    }

    /// An unsigned integer, as serde_json reads a `u64`.
    fn uint(&mut self) -> Option<u64> {
        match self.number()? {
            (n, None) => Some(n),
            (_, Some(_)) => None,
        }
    }

    /// A number, as serde_json reads an `f64` (without its `float_roundtrip` feature):
    /// the digits as an integer, converted, then divided by the power of ten.
    fn float(&mut self) -> Option<f64> {
        let (digits, frac) = self.number()?;
        let f = digits as f64;
        match frac {
            None => Some(f),
            Some(k) => Some(f / POW10.get(k)?),
        }
    }

    /// An object, calling `field` on each key with the position at its value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.byte(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.str()?;
            self.byte(b':')?;
            field(self, key)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// The object of an article line (without `mentions`).
    fn article(&mut self) -> Option<ArticleLine> {
        let mut a = ArticleLine::default();
        self.object(|c, key| match key {
            "id" => set(&mut a.id, c.string()?),
            "title" => set(&mut a.title, c.string()?),
            "url" => set(&mut a.url, c.string()?),
            "published" => set(&mut a.published, c.string()?),
            "language" => set(&mut a.language, c.string()?),
            "text" => set(&mut a.text, c.string()?),
            "content_hash" => set(&mut a.content_hash, c.string()?),
            _ => None,
        })?;
        Some(a)
    }

    /// The object of a retraction, its object a string.
    fn retract(&mut self) -> Option<RetractLine> {
        let mut r = RetractLine::default();
        self.object(|c, key| match key {
            "subject" => set(&mut r.subject, c.compact()?),
            "predicate" => set(&mut r.predicate, c.compact()?),
            "object" => set(&mut r.object, serde_json::Value::String(c.string()?)),
            "object_kind" => set(&mut r.object_kind, c.string()?),
            "article" => set(&mut r.article, c.string()?),
            _ => None,
        })?;
        Some(r)
    }
}

fn line_error(e: serde_json::Error) -> String {
    let what = e.to_string();
    // serde_json's own "at line 1 column N" is about this one line: keep the column.
    match what.rsplit_once(" at line 1 column ") {
        Some((msg, col)) => format!("{msg} (column {col})"),
        None => what,
    }
}

/// A chunk of raw lines goes to a parsing thread once it holds this many bytes (and
/// whole lines: a line longer than this makes a chunk of its own).
const PARSE_CHUNK_BYTES: usize = 1 << 20;
/// A reused buffer grown past this (by a very long line) is dropped, not kept.
const KEEP_BYTES: usize = 4 * PARSE_CHUNK_BYTES;

type Parsed = (usize, std::result::Result<Line, String>);

/// Non-blank lines, as (1-based line number, start, end) in `data`.
#[derive(Default)]
struct RawChunk {
    data: Vec<u8>,
    lines: Vec<(usize, usize, usize)>,
}

/// Reads `input` to its end in chunks of whole lines, handing chunk `i` to
/// `workers[i % n]`. Stops early, without error, when a worker is gone (the import
/// stopped).
///
/// The input is read in blocks straight into the chunk's buffer, and the part of a line
/// cut by the end of a block moves to the next chunk: one copy of the bytes (the
/// kernel's), where reading line by line through a `BufReader` made two. Chunks the
/// workers are done with come back through `recycled`, so their buffers are reused
/// rather than allocated (and faulted in) afresh for every megabyte.
fn read_chunks(
    mut input: Box<dyn Read + Send>,
    name: &str,
    workers: Vec<SyncSender<RawChunk>>,
    recycled: Receiver<RawChunk>,
) -> Result<()> {
    let mut line_no = 0usize;
    let mut sent = 0usize;
    let mut carry: Vec<u8> = Vec::new();
    let mut eof = false;
    while !eof {
        let mut chunk = recycled.try_recv().unwrap_or_default();
        chunk.data.clear();
        chunk.lines.clear();
        chunk.data.extend_from_slice(&carry);
        carry.clear();
        // Up to the chunk size, then on until a newline (or the end of the input).
        let mut searched = 0;
        let lines_end = loop {
            let want = PARSE_CHUNK_BYTES
                .saturating_sub(chunk.data.len())
                .max(64 << 10);
            let n = (&mut input)
                .take(want as u64)
                .read_to_end(&mut chunk.data)
                .map_err(|e| Error::InvalidInput(format!("cannot read {name}: {e}")))?;
            if n < want {
                eof = true;
                break chunk.data.len();
            }
            if chunk.data.len() >= PARSE_CHUNK_BYTES {
                let tail = chunk.data.get(searched..).unwrap_or_default();
                if let Some(last) = memchr::memrchr(b'\n', tail) {
                    break searched + last + 1;
                }
                searched = chunk.data.len();
            }
        };
        carry.extend_from_slice(chunk.data.get(lines_end..).unwrap_or_default());
        chunk.data.truncate(lines_end);
        let mut start = 0;
        while start < chunk.data.len() {
            let rest = chunk.data.get(start..).unwrap_or_default();
            let next = memchr::memchr(b'\n', rest).map_or(chunk.data.len(), |i| start + i + 1);
            line_no += 1;
            let raw = chunk.data.get(start..next).unwrap_or_default();
            let raw = raw.strip_suffix(b"\n").unwrap_or(raw);
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            if !raw.iter().all(u8::is_ascii_whitespace) {
                chunk.lines.push((line_no, start, start + raw.len()));
            }
            start = next;
        }
        if chunk.lines.is_empty() {
            continue;
        }
        let Some(w) = workers.get(sent % workers.len().max(1)) else {
            return Ok(());
        };
        sent += 1;
        if w.send(chunk).is_err() {
            return Ok(());
        }
    }
    Ok(())
}

/// Streams one file through the reader and parsing threads and calls `consume` once with
/// its decoded lines, in order, batch by batch (module doc, step 1).
///
/// JSON decoding is most of an import's parsing time and each line decodes alone:
/// worker `w` decodes chunks w, w + workers, …, and the calling thread takes them back
/// in order. Channels are bounded, so memory stays bounded; when `consume` returns, the
/// receivers are dropped, which stops the workers and the reader. Rejected alternative:
/// reading the whole file first, which held a 10-million-fact file (3 GB) in memory.
fn parse_stream(
    file: ImportFile,
    consume: &mut dyn FnMut(&mut Batches) -> Result<()>,
) -> Result<()> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().clamp(1, 4));
    let ImportFile { name, input } = file;
    std::thread::scope(|scope| {
        let mut to_workers = Vec::with_capacity(workers);
        let mut from_workers = Vec::with_capacity(workers);
        let mut back_to_workers = Vec::with_capacity(workers);
        let (give_back, recycled) = channel::<RawChunk>();
        for _ in 0..workers {
            let (send_raw, receive_raw) = sync_channel::<RawChunk>(2);
            let (send_parsed, receive_parsed) = sync_channel::<Vec<Parsed>>(2);
            let (send_back, receive_back) = channel::<Vec<Parsed>>();
            let recycle = give_back.clone();
            scope.spawn(move || {
                for chunk in receive_raw.iter() {
                    let mut parsed = receive_back.try_recv().unwrap_or_default();
                    parsed.clear();
                    // Exactly once: growing a fresh buffer line by line copied it about
                    // forty times per chunk.
                    parsed.reserve_exact(chunk.lines.len());
                    // One UTF-8 check for the whole chunk, then each line parses as a
                    // `str` (no check per string); a chunk that is not UTF-8 parses as
                    // bytes, so its lines fail with serde_json's own message.
                    let text = simdutf8::basic::from_utf8(&chunk.data).ok();
                    for &(n, start, end) in &chunk.lines {
                        let raw = text.and_then(|t| t.get(start..end));
                        parsed.push((n, Ok(Line::default())));
                        let Some((_, slot)) = parsed.last_mut() else {
                            continue;
                        };
                        let fast = match (raw, slot.as_mut()) {
                            (Some(raw), Ok(line)) => parse_line_fast(raw, line).is_some(),
                            _ => false,
                        };
                        if !fast {
                            *slot = match raw {
                                Some(raw) => parse_line_str(raw),
                                None => parse_line(chunk.data.get(start..end).unwrap_or_default()),
                            };
                        }
                    }
                    if chunk.data.capacity() <= KEEP_BYTES {
                        // The reader may be gone: then the buffer is simply dropped.
                        let _ = recycle.send(chunk);
                    }
                    if send_parsed.send(parsed).is_err() {
                        return;
                    }
                }
            });
            to_workers.push(send_raw);
            from_workers.push(receive_parsed);
            back_to_workers.push(send_back);
        }
        drop(give_back);
        let reader = scope.spawn(move || read_chunks(input, &name, to_workers, recycled));
        let mut batches = Batches {
            from_workers,
            back_to_workers,
            next: 0,
            batch: Vec::new(),
        };
        let result = consume(&mut batches);
        // Stops the workers, and through them the reader, if `consume` returned early.
        drop(batches);
        let read = reader.join().unwrap_or_else(|_| {
            Err(Error::Internal(
                "the import's reading thread panicked".to_string(),
            ))
        });
        // A read error cuts the stream short: it, not what was made of the part before,
        // is the error to report.
        read.and(result)
    })
}

/// The decoded lines of one file, a worker's batch at a time, in order. The consumer
/// takes the fields it needs out of each [`Line`] where it lies (`Option::take`): a
/// `Line` is a few hundred bytes, and moving each one out of the batch, through an
/// iterator and down the builder's calls was a tenth of the importing thread's
/// instructions.
struct Batches {
    from_workers: Vec<Receiver<Vec<Parsed>>>,
    back_to_workers: Vec<Sender<Vec<Parsed>>>,
    /// How many batches were taken.
    next: usize,
    batch: Vec<Parsed>,
}

impl Batches {
    /// The next batch, or `None` at the end (or when the reader failed: `parse_stream`
    /// reports its error).
    fn next_batch(&mut self) -> Option<&mut Vec<Parsed>> {
        let workers = self.from_workers.len();
        if let Some(back) = self
            .next
            .checked_sub(1)
            .and_then(|w| self.back_to_workers.get(w % workers))
        {
            // Its buffer goes back to the worker that filled it (gone: dropped).
            let _ = back.send(std::mem::take(&mut self.batch));
        }
        // A closed channel: the reader is done (or failed) and this worker drained.
        self.batch = self.from_workers.get(self.next % workers)?.recv().ok()?;
        self.next += 1;
        Some(&mut self.batch)
    }
}

/// The state of an import across files: the builder, and the complete commits not yet
/// handed to the sink.
struct Run<'s> {
    b: Builder,
    sink: &'s mut dyn ImportSink,
    pending: Vec<NewCommit>,
    pending_events: usize,
    chunk_events: usize,
}

impl Run<'_> {
    /// A complete commit: handed over with the others once there are enough.
    fn push(&mut self, commit: NewCommit) -> Result<()> {
        if commit.events.is_empty() {
            return Ok(());
        }
        self.pending_events += commit.events.len();
        self.pending.push(commit);
        if self.pending_events >= self.chunk_events {
            self.hand_over()?;
        }
        Ok(())
    }

    /// Hands the pending commits to the sink. The sink's view now answers for them, so
    /// the builder forgets what it remembered about them.
    fn hand_over(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let report = &mut self.b.report;
        report.commits += self.pending.len() as u64;
        report.events += self.pending_events as u64;
        self.pending_events = 0;
        let txs = self.sink.append(std::mem::take(&mut self.pending))?;
        if report.first_tx.is_none() {
            report.first_tx = txs.first().copied();
        }
        if let Some(&last) = txs.last() {
            report.last_tx = Some(last);
        }
        if self.sink.view_advances() {
            self.b.articles.clear();
            self.b.hashes.clear();
        }
        Ok(())
    }

    /// Groups decoded lines into commits and builds their events (module doc, step 3).
    fn take_lines(&mut self, name: &str, batches: &mut Batches) -> Result<()> {
        let at = |n: usize, what: String| Error::InvalidInput(format!("{name}:{n}: {what}"));
        // `Some(tx)` of the current group when the file uses `tx`, `None` when it does
        // not.
        let mut mode: Option<Option<u64>> = None;
        let mut current: Option<NewCommit> = None;
        let mut last_len = 0;
        while let Some(batch) = batches.next_batch() {
            for window in batch.chunks_mut(LOOKAHEAD) {
                self.b.warm_names(window);
                for (n, line) in window.iter_mut() {
                    let n = *n;
                    self.b.report.lines += 1;
                    let line = line.as_mut().map_err(|e| at(n, std::mem::take(e)))?;
                    let tx = line.tx;
                    if self.b.report.first_input_tx.is_none() {
                        self.b.report.first_input_tx = tx;
                    }
                    let time = match &line.time {
                        Some(t) => Some(parse_datetime(t).ok_or_else(|| {
                            at(n, format!("`time` `{t}` is not an RFC 3339 date-time"))
                        })?),
                        None => None,
                    };
                    match (mode, tx) {
                        (None, t) => mode = Some(t),
                        (Some(Some(_)), None) | (Some(None), Some(_)) => {
                            return Err(at(
                                n,
                                "lines with and without `tx` are mixed in one file".to_string(),
                            ))
                        }
                        _ => {}
                    }
                    let new_group = match (&current, mode) {
                        (None, _) => true,
                        (Some(_), Some(Some(prev))) => match tx {
                            Some(t) if t == prev => false,
                            Some(t) if t > prev => true,
                            Some(t) => {
                                return Err(at(
                                    n,
                                    format!(
                                        "`tx` {t} comes after tx {prev}: tx values must ascend"
                                    ),
                                ))
                            }
                            None => false,
                        },
                        (Some(_), _) => false,
                    };
                    if new_group {
                        if let Some(c) = current.take() {
                            last_len = c.events.len();
                            self.push(c)?;
                        }
                        current = Some(NewCommit {
                            time: if tx.is_some() { time } else { None },
                            // Sized like the last commit: commits of a file tend to be alike,
                            // and growing each from empty was 2-3% of an import's instructions.
                            events: Vec::with_capacity(last_len.min(4096)),
                        });
                        if tx.is_some() {
                            mode = Some(tx);
                        }
                    }
                    let restoring = tx.is_some();
                    if let Some(c) = current.as_mut() {
                        self.b
                            .line(self.sink.view(), line, restoring, &mut c.events)
                            .map_err(|e| at(n, e))?;
                    }
                }
            }
        }
        if let Some(c) = current.take() {
            self.push(c)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::for_random;
    use serde_json::json;

    /// [`for_random`] on strings matching `regex`.
    fn for_random_strings(regex: &str, check: impl Fn(&str)) {
        let strategy = proptest::string::string_regex(regex).unwrap();
        for_random(strategy, |s| check(&s));
    }

    fn many_lines(n: usize, bad_at: Option<usize>) -> ImportFile {
        let mut text = String::new();
        for i in 1..=n {
            if Some(i) == bad_at {
                text.push_str("{\"subject\": 5}\n");
            } else if i % 1000 == 0 {
                text.push('\n');
            } else {
                text.push_str(&format!(
                    "{{\"tx\": {}, \"subject\": \"S{i}\", \"predicate\": \"owns\", \"object\": \"O{}\", \"subject_type\": \"Organization\"}}\n",
                    i / 7 + 1,
                    i % 13
                ));
            }
        }
        ImportFile::from_bytes("big.jsonl", text.into_bytes())
    }

    #[test]
    fn chunked_import_gives_the_whole_result_and_the_right_line() {
        let view = View::new();
        let (whole, report) = build_commits(vec![many_lines(12_000, None)], &view).unwrap();
        assert_eq!(report.lines, 12_000 - 12);
        let mut sink = Collect {
            view: &view,
            commits: Vec::new(),
        };
        let chunked = run(vec![many_lines(12_000, None)], &mut sink, 100).unwrap();
        assert_eq!(chunked.commits, report.commits);
        assert_eq!(chunked.events, report.events);
        assert_eq!(chunked.last_tx, Some(report.commits));
        assert_eq!(whole.len(), sink.commits.len());
        for (w, c) in whole.iter().zip(&sink.commits) {
            assert_eq!(w.events, c.events);
            assert_eq!(w.time, c.time);
        }
        let err = build_commits(vec![many_lines(12_000, Some(10_567))], &view).unwrap_err();
        assert!(err.to_string().starts_with("big.jsonl:10567: "), "{err}");
    }

    #[test]
    fn sha256_hex_is_lowercase_hex_of_the_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn lines_end_with_or_without_newline_and_carriage_return() {
        let view = View::new();
        let text = "{\"alias\": \"a\", \"canonical\": \"b\"}\r\n\n  \n{\"alias\": \"c\", \"canonical\": \"d\"}";
        let (commits, report) =
            build_commits(vec![ImportFile::from_bytes("f", text.into())], &view).unwrap();
        assert_eq!(report.lines, 2);
        assert_eq!(commits.len(), 1);
        assert_eq!(commits[0].events.len(), 2);
        let bad = "\n\n{\"alias\": \"a\"}\r\n";
        let err = build_commits(vec![ImportFile::from_bytes("f", bad.into())], &view).unwrap_err();
        assert_eq!(err.to_string(), "f:3: `canonical` is missing");
    }

    #[test]
    fn objects_without_kind() {
        let v = |j: serde_json::Value, p: &str| object_value(p, j, None).unwrap();
        assert_eq!(
            v(json!("OpenAI"), "partner_of"),
            Value::Entity("OpenAI".into())
        );
        assert_eq!(v(json!(42), "employees"), Value::Int(42));
        assert_eq!(v(json!(4.5), "share"), Value::Decimal(4.5));
        assert!(matches!(
            v(json!("2025-05-14"), "signed_on"),
            Value::Date(_)
        ));
        assert!(matches!(
            v(json!("9000000000 USD"), "amount"),
            Value::Money(_)
        ));
        assert!(matches!(
            v(json!({"amount": 5, "currency": "EUR"}), "amount"),
            Value::Money(_)
        ));
        assert_eq!(v(json!("2025"), "said"), Value::Str("2025".into()));
        assert_eq!(v(json!("1999"), "owns"), Value::Entity("1999".into()));
    }

    /// The fast path of `value_from_json`: a string `may_be_typed` turns away must be one
    /// that `parse_typed_literal` reads as no date, date-time or money either.
    #[test]
    fn strings_turned_away_are_never_typed() {
        let typed = |s: &str| {
            matches!(
                Value::parse_typed_literal(s),
                Some(Value::Date(_) | Value::DateTime(_) | Value::Money(_))
            )
        };
        let samples = [
            "2025-05-14",
            " 2025-05-14",
            "\u{3000}2025-05-14",
            "2025-05-14T10:00:00Z",
            "2025-05-14T10:00:00+02:00",
            "9000000000 USD",
            " 5 EUR",
            "+5 EUR",
            "-5.5 EUR",
            ".5 EUR",
            "5. EUR",
            "1e3 USD",
            "inf USD",
            "infinity USD",
            "NaN USD",
            "Infinity EUR",
            "OpenAI",
            "USD 5",
            "É 5 EUR",
            "",
            "  ",
        ];
        for s in samples {
            assert!(may_be_typed(s) || !typed(s), "{s:?} turned away but typed");
        }
        // Every shape of string, including near misses of the three formats.
        for_random_strings("[ \u{3000}]?[-+.0-9a-zA-Z:TZ ]{0,12}( [A-Z]{3})?", |s| {
            assert!(may_be_typed(s) || !typed(s), "{s:?}");
        });
    }

    #[test]
    fn objects_with_kind() {
        let v = |j: serde_json::Value, k: &str| value_from_json(j, Some(k), true);
        assert_eq!(v(json!("x"), "literal").unwrap(), Value::Str("x".into()));
        assert_eq!(v(json!(3), "literal").unwrap(), Value::Int(3));
        assert_eq!(v(json!("7"), "integer").unwrap(), Value::Int(7));
        assert!(v(json!("soon"), "date").is_err());
        assert!(v(json!("x"), "colour").is_err());
        assert!(v(json!(""), "entity").is_err());
    }

    /// What `parse_line_fast` makes of `s` must be what serde_json makes of it, when it
    /// makes anything; `must` says it has to (a usual line).
    fn check_fast(s: &str, must: bool) {
        let reference = parse_line_str(s);
        let mut line = Line::default();
        match parse_line_fast(s, &mut line).map(|()| line) {
            Some(fast) => match &reference {
                Ok(r) => assert_eq!(format!("{fast:?}"), format!("{r:?}"), "{s:?}"),
                Err(e) => panic!("{s:?}: the fast path accepts, serde_json refuses: {e}"),
            },
            None => assert!(!must, "{s:?}: the fast path turns a usual line away"),
        }
    }

    const USUAL_LINES: &[&str] = &[
        r#"{"article":{"id":"art-0000001","language":"en","published":"2024-01-01","title":"The Guardian: Lajacorté announces a deal","url":"https://news.example/2024-01-01/lajacorté-1"},"tx":1}"#,
        r#"{"article":"art-0000001","confidence":0.81,"evidence":"Tému Labs located in Saint-Tatalol, selon The Guardian.","object":"Saint-Tatalol","object_type":"Place","predicate":"located_in","subject":"Tému Labs","subject_type":"Organization","tx":1}"#,
        r#"{"article":"a","confidence":0.55,"evidence":"« Chips », a déclaré Aïcha.","object":"Chips n°999993008.","object_kind":"literal","predicate":"said","subject":"Aïcha van der Gontélo","subject_type":"Person","tx":12}"#,
        r#"{"reason":"corrected","retract":{"subject":"A","predicate":"owns","object":"B","article":"a1"},"tx":18446744073709551}"#,
        r#"{"retract": {"article": "a1"}, "reason": "gone"}"#,
        r#"{"alias": "Elon Mask", "canonical": "Elon Musk", "tx": 0}"#,
        r#"{"entity": "G42", "type": "organization"}"#,
        r#"  { "subject" : "G42" , "predicate":"partner_of","object":"OpenAI","subject_type":" Organization ","object_type":"Company","note":"n","published":"2025-13-45","extractor":"rules/1.2","time":"2025-05-14T10:00:00Z","confidence":1}	"#,
        r#"{"subject":"S","predicate":"p","object":"2025-05-14","confidence":0.1234567890123456,"article":{"id":"x","text":"t","content_hash":"h","url":"","title":"","language":"fr","published":"2024-02-30"}}"#,
        r#"{}"#,
        r#"{"confidence":10.5}"#,
        r#"{"tx":123456789012345678}"#,
        r#"{"subject":""}"#,
    ];

    /// The fast path of `parse_line`: the same `Line` as serde_json for usual lines, and
    /// nothing for the rest, whose messages serde_json gives.
    #[test]
    fn fast_lines_decode_as_serde_json_does() {
        for s in USUAL_LINES {
            check_fast(s, true);
        }
        let others = [
            r#"{"subject":"a\"b"}"#,
            r#"{"subject":"a\\b"}"#,
            r#"{"subject":"\u00e9"}"#,
            "{\"subject\":\"a\tb\"}",
            "{\"subject\":\"a\u{1}b\"}",
            "{\"subject\":\"a long name, then\ta tab\", \"predicate\": \"p\"}",
            "{\"subject\":\"a long name, then \u{1f}\", \"predicate\": \"p\"}",
            r#"{"subject":"a long name, then \"a quote\"", "predicate": "p"}"#,
            r#"{"subject":"a long name, then \\ a backslash", "predicate": "p"}"#,
            r#"{"subject":null}"#,
            r#"{"subject":"a","subject":"a"}"#,
            r#"{"subject":"a",}"#,
            r#"{"subject" "a"}"#,
            r#"{"subject":"a"} x"#,
            r#"{"subject":"a"}}"#,
            r#"{"subject":5}"#,
            r#"{"object":5}"#,
            r#"{"object":{"amount":5,"currency":"EUR"}}"#,
            r#"{"tx":-1}"#,
            r#"{"tx":01}"#,
            r#"{"tx":1.0}"#,
            r#"{"tx":1e3}"#,
            r#"{"tx":18446744073709551616}"#,
            r#"{"tx":1234567890123456789}"#,
            r#"{"confidence":-0}"#,
            r#"{"confidence":0.}"#,
            r#"{"confidence":.5}"#,
            r#"{"confidence":1E2}"#,
            r#"{"confidence":0.1234567890123456789}"#,
            r#"{"confidence":"0.5"}"#,
            r#"{"span":[1,2]}"#,
            r#"{"qualifiers":{"role":"CEO"}}"#,
            r#"{"evidence":{"sentence":"s","start":1,"end":2}}"#,
            r#"{"extractor":{"name":"n","version":"v"}}"#,
            r#"{"article":{"id":"a","mentions":["x"]}}"#,
            r#"{"article":{"id":"a","id":"b"}}"#,
            r#"{"article":{"id":"a","colour":"b"}}"#,
            r#"{"retract":{"subject":"a","object":5}}"#,
            r#"{"retract":"a"}"#,
            r#"{"colour":"blue"}"#,
            r#"["a","b"]"#,
            r#"{"sub\u006aect":"a"}"#,
            r#"{"subject":"a""#,
            r#"{"subject":"a"#,
            r#"{"#,
            "",
            "{\u{b}}",
        ];
        for s in others {
            check_fast(s, false);
        }
        // Lines built of the usual fields and of near misses, in any order.
        let key = proptest::sample::select(vec![
            "tx",
            "time",
            "subject",
            "predicate",
            "object",
            "object_kind",
            "subject_type",
            "object_type",
            "article",
            "note",
            "published",
            "evidence",
            "span",
            "extractor",
            "confidence",
            "qualifiers",
            "alias",
            "canonical",
            "retract",
            "reason",
            "entity",
            "type",
            "id",
            "Subject",
            "",
        ]);
        let value = proptest::sample::select(vec![
            r#""x""#,
            r#""""#,
            r#""Émirats arabes unis""#,
            r#""a\"b""#,
            r#""a\\""#,
            "\"\u{7}\"",
            "\"Émirats arabes\u{7} unis\"",
            r#""Émirats arabes \" unis""#,
            r#""Person""#,
            r#""person ""#,
            r#""Org""#,
            "0",
            "7",
            "0.5",
            "1.25",
            "-1",
            "1e2",
            "01",
            "1.",
            "99999999999999999999",
            "null",
            "true",
            "[]",
            "{}",
            r#"{"id":"a","title":"t"}"#,
            r#"{"subject":"s","predicate":"p","object":"o"}"#,
            r#"{"article":"a"}"#,
            r#"{"id":"a","mentions":[]}"#,
            r#"{"id":1}"#,
        ]);
        let ws = proptest::sample::select(vec!["", " ", "\t", "\r", " \u{a0}", "\u{c}"]);
        let strategy = proptest::collection::vec((key, ws.clone(), value, ws), 0..8);
        for_random(strategy, |fields| {
            let body: Vec<String> = fields
                .iter()
                .map(|(k, w1, v, w2)| format!("{w1}\"{k}\"{w2}:{w1}{v}{w2}"))
                .collect();
            check_fast(&format!("{{{}}}", body.join(",")), false);
        });
        // Usual lines with one byte changed, inserted or removed anywhere.
        let strategy = (
            proptest::sample::select(USUAL_LINES.to_vec()),
            0usize..400,
            proptest::sample::select(vec![
                None,
                Some('"'),
                Some('\\'),
                Some(','),
                Some(':'),
                Some('{'),
                Some('}'),
                Some(' '),
                Some('0'),
                Some('.'),
                Some('e'),
                Some('-'),
                Some('\u{1f}'),
            ]),
            proptest::bool::ANY,
        );
        for_random(strategy, |(line, at, c, replace)| {
            let mut chars: Vec<char> = line.chars().collect();
            let at = at % (chars.len() + 1);
            match c {
                None if at < chars.len() => {
                    chars.remove(at);
                }
                None => {}
                Some(c) if replace && at < chars.len() => {
                    if let Some(slot) = chars.get_mut(at) {
                        *slot = c;
                    }
                }
                Some(c) => chars.insert(at, c),
            }
            check_fast(&chars.into_iter().collect::<String>(), false);
        });
    }

    /// `string_end` against the rule it applies, byte by byte, near word and block
    /// boundaries.
    #[test]
    fn string_end_finds_the_first_quote_unless_an_escape_or_control_comes_first() {
        let reference = |b: &[u8]| {
            b.iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .filter(|&i| b.get(i) == Some(&b'"'))
        };
        let byte = proptest::sample::select(vec![
            b'"', b'\\', 0, 0x1f, 0x20, b'!', b'#', b'[', b']', b'a', 0x7f, 0x80, 0xa2, 0xdc, 0xff,
        ]);
        let strategy = proptest::collection::vec(byte, 0..40);
        for_random(strategy, |bytes| {
            assert_eq!(string_end(&bytes), reference(&bytes), "{bytes:?}");
        });
        for len in 0..40 {
            for special in [b'"', b'\\', 0x1f] {
                let mut bytes = vec![b'a'; len];
                bytes.push(special);
                bytes.extend_from_slice(b"\"zz\\\"");
                assert_eq!(string_end(&bytes), reference(&bytes), "{bytes:?}");
            }
        }
    }

    /// `plain_date` reads what chrono reads, and nothing chrono refuses.
    #[test]
    fn plain_dates_are_chrono_dates() {
        let chrono = |s: &str| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok();
        let check = |s: &str| {
            if let Some(d) = plain_date(s) {
                assert_eq!(Some(d), chrono(s), "{s:?}");
            }
        };
        for s in ["2024-01-01", "2024-02-29", "0000-01-01", "9999-12-31"] {
            assert_eq!(plain_date(s), chrono(s), "{s:?}");
            assert!(plain_date(s).is_some(), "{s:?}");
        }
        for s in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-01-32",
            "2024-1-01",
            " 2024-01-01",
            "2024/01/01",
            "+2024-01-01",
            "20240-01-01",
            "2024-01-0a",
            "",
        ] {
            check(s);
        }
        for_random_strings("[0-9+ -]{0,2}[0-9]{4}-[0-9]{1,2}-[0-9 ]{1,3}", check);
    }

    /// The quick tests of white space agree with `trim`.
    #[test]
    fn blank_and_untrimmed_are_trim() {
        let check = |s: &str| {
            assert_eq!(blank(s), s.trim().is_empty(), "{s:?}");
            assert_eq!(untrimmed(s), s.trim() == s, "{s:?}");
        };
        for s in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\ta",
            "a\n",
            "\u{b}a",
            "a\u{c}",
            "\u{1c}a",
            "a\u{7f}",
            "\u{85}",
            "\u{a0}a",
            "a\u{a0}",
            "\u{3000}",
            "é",
            "é ",
            "xé",
            "\u{2028}x",
            "~",
        ] {
            check(s);
        }
        for_random_strings(
            "[ \t\n\u{b}\u{c}\r\u{1c}\u{85}\u{a0}\u{3000}a~é]{0,4}",
            check,
        );
    }

    /// `entity_type` is `EntityType::parse`, however the name is spelled.
    #[test]
    fn entity_type_is_parse() {
        let mut names = vec![
            String::new(),
            " ".into(),
            "Company".into(),
            "Persons".into(),
        ];
        for t in EntityType::ALL {
            let n = t.as_str();
            names.extend([
                n.to_string(),
                n.to_lowercase(),
                n.to_uppercase(),
                format!(" {n}"),
                format!("{n}\t"),
                format!("{n}x"),
                n.get(1..).unwrap_or_default().to_string(),
            ]);
        }
        for n in &names {
            assert_eq!(entity_type(n), EntityType::parse(n), "{n:?}");
        }
    }

    #[test]
    fn line_kinds_and_errors() {
        let view = View::new();
        let file = |s: &str| ImportFile::from_bytes("f.jsonl", s.as_bytes().to_vec());
        let (commits, report) = build_commits(
            vec![file(concat!(
                "{\"subject\": \"A\", \"predicate\": \"owns\", \"object\": \"B\", \"subject_type\": \"Organization\", \"article\": \"a1\", \"published\": \"2025-01-02\"}\n",
                "\n",
                "{\"alias\": \"A Inc\", \"canonical\": \"A\"}\n",
                "{\"retract\": {\"article\": \"a1\"}, \"reason\": \"gone\"}\n",
            ))],
            &view,
        )
        .unwrap();
        assert_eq!(commits.len(), 1);
        let kinds: Vec<&str> = commits[0].events.iter().map(Event::kind).collect();
        assert_eq!(
            kinds,
            [
                "ArticleAdded",
                "EntityTyped",
                "FactAsserted",
                "AliasAdded",
                "ArticleRetracted"
            ]
        );
        assert_eq!(report.lines, 3);
        let err = build_commits(vec![file("{\"alias\": \"x\"}")], &view).unwrap_err();
        assert_eq!(err.to_string(), "f.jsonl:1: `canonical` is missing");
        let err = build_commits(
            vec![file(
                "{\"subject\": \"A\", \"predicate\": \"type\", \"object\": \"B\"}",
            )],
            &view,
        )
        .unwrap_err();
        assert!(err.to_string().contains("answered from entity"));
    }
}
