//! A hand-written reader of a commit's payload into the replay form.
//!
//! serde's derived `Deserialize` went through bincode's generic decoder for every field:
//! about 1.0G instructions to decode the events of the 400k-fact log, a third of a
//! whole `rematerialize`, against 0.55G for undoing zstd. Here a cursor walks the same
//! bytes (bincode 2, standard config: varint integers, a varint length before every
//! string and sequence, a varint index before every enum variant, one byte before an
//! `Option`) straight into [`Commit<SourceOnly>`].
//!
//! It is an accelerator, not a second authority: [`decode`] returns `None` for anything
//! it is not sure of (an unknown variant, a cut-short field, a string that is not
//! UTF-8, trailing bytes, a payload large enough that bincode's byte limit could come
//! into play), and the caller then decodes with serde, which gives the commit or the
//! error, as before. So the two can differ only in speed: `tests` checks that on random
//! commits of every kind of event, and on random damage to them, whatever this reader
//! accepts serde decodes to the same commit (`tests/replay_form.rs`, through
//! [`super::replay_decoders`]).
//!
//! Dates and times are strings in the payload; they go through chrono's own
//! `Deserialize`, from the borrowed string, exactly as serde would.

use chrono::{DateTime, NaiveDate, Utc};
use compact_str::CompactString;
use serde::de::value::{BorrowedStrDeserializer, Error as ValueError};
use serde::Deserialize;

use super::{
    Article, Commit, Event, FactAsserted, FactRetracted, Source, SourceOnly, MAX_COMMIT_BYTES,
};
use crate::value::{EntityType, Money, Value};

/// bincode counts every integer it reads at its full width (a one-byte varint `u64`
/// counts 8) against the configured limit; at 8 counted per stored byte at most, a
/// payload this small can never reach [`MAX_COMMIT_BYTES`], so this reader need not
/// count.
const MAX_PAYLOAD: usize = MAX_COMMIT_BYTES / 8;

/// The payload's commit in the replay form, or `None` to leave it to serde (module doc).
pub(super) fn decode(payload: &[u8]) -> Option<Commit<SourceOnly>> {
    if payload.len() > MAX_PAYLOAD {
        return None;
    }
    let mut r = Reader { rest: payload };
    let tx = r.u64()?;
    let time = r.parsed::<DateTime<Utc>>()?;
    let n = r.len()?;
    // Every event takes at least two bytes: never reserve more than the bytes allow.
    let mut events = Vec::with_capacity(n.min(r.rest.len() / 2));
    for _ in 0..n {
        events.push(r.event()?);
    }
    r.rest.is_empty().then_some(Commit { tx, time, events })
}

/// A cursor over the payload. Every method returns `None` when the bytes run out or
/// hold something bincode would not decode the same way.
struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.rest.split_at_checked(n)?;
        self.rest = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, rest) = self.rest.split_first_chunk::<N>()?;
        self.rest = rest;
        Some(*head)
    }

    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.rest.split_first()?;
        self.rest = rest;
        Some(b)
    }

    /// bincode's varint: one byte up to 250, else a marker and 2, 4 or 8 bytes.
    fn u64(&mut self) -> Option<u64> {
        match self.byte()? {
            b @ 0..=250 => Some(u64::from(b)),
            251 => Some(u64::from(u16::from_le_bytes(self.array()?))),
            252 => Some(u64::from(u32::from_le_bytes(self.array()?))),
            253 => Some(u64::from_le_bytes(self.array()?)),
            _ => None,
        }
    }

    /// A varint `u32`: bincode refuses the 8-byte form for it.
    fn u32(&mut self) -> Option<u32> {
        match self.byte()? {
            b @ 0..=250 => Some(u32::from(b)),
            251 => Some(u32::from(u16::from_le_bytes(self.array()?))),
            252 => Some(u32::from_le_bytes(self.array()?)),
            _ => None,
        }
    }

    /// Zigzag over the varint `u64`, as bincode writes an `i64`.
    fn i64(&mut self) -> Option<i64> {
        let n = self.u64()?;
        let half = (n / 2) as i64;
        Some(if n % 2 == 0 { half } else { !half })
    }

    fn len(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    /// An enum's variant index.
    fn variant(&mut self) -> Option<u32> {
        self.u32()
    }

    /// An `Option`'s tag: `Some(true)` when a value follows.
    fn some(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn str(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        let bytes = self.take(n)?;
        if bytes.is_ascii() {
            // SAFETY: ASCII is UTF-8. Most names are ASCII and short, where the word-at-a-
            // time `is_ascii` is several times cheaper than `from_utf8`: 194M of the
            // 2.37G instructions of a rebuild at 400k facts went to `from_utf8`.
            Some(unsafe { std::str::from_utf8_unchecked(bytes) })
        } else {
            std::str::from_utf8(bytes).ok()
        }
    }

    fn string(&mut self) -> Option<String> {
        self.str().map(str::to_owned)
    }

    /// A name: kept inline when it is short (most are), with no allocation.
    fn compact(&mut self) -> Option<CompactString> {
        self.str().map(CompactString::from)
    }

    /// An `Option`: its byte, then `read` when it is `Some`.
    fn option<T>(&mut self, read: fn(&mut Self) -> Option<T>) -> Option<Option<T>> {
        Some(if self.some()? {
            Some(read(self)?)
        } else {
            None
        })
    }

    /// A string the replay form reads past: neither copied nor checked (`Unread`).
    fn skip_str(&mut self) -> Option<()> {
        let n = self.len()?;
        self.take(n).map(|_| ())
    }

    fn f32(&mut self) -> Option<f32> {
        self.array().map(f32::from_le_bytes)
    }

    fn f64(&mut self) -> Option<f64> {
        self.array().map(f64::from_le_bytes)
    }

    /// A string read by chrono's `Deserialize`, as serde would read it.
    fn parsed<T: Deserialize<'a>>(&mut self) -> Option<T> {
        let s = self.str()?;
        T::deserialize(BorrowedStrDeserializer::<ValueError>::new(s)).ok()
    }

    fn event(&mut self) -> Option<Event<SourceOnly>> {
        Some(match self.variant()? {
            0 => Event::ArticleAdded(self.article()?),
            1 => Event::FactAsserted(FactAsserted {
                subject: self.compact()?,
                predicate: self.compact()?,
                object: self.value()?,
                support: self.support()?,
            }),
            2 => Event::FactRetracted(FactRetracted {
                subject: self.compact()?,
                predicate: self.compact()?,
                object: self.value()?,
                article: self.option(Self::compact)?,
                reason: self.option(Self::string)?,
            }),
            3 => Event::ArticleRetracted {
                id: self.string()?,
                reason: self.option(Self::string)?,
            },
            4 => Event::AliasAdded {
                alias: self.string()?,
                canonical: self.string()?,
            },
            5 => Event::EntityTyped {
                name: self.string()?,
                entity_type: self.entity_type()?,
            },
            _ => return None,
        })
    }

    fn article(&mut self) -> Option<Article> {
        Some(Article {
            id: self.string()?,
            title: self.option(Self::string)?,
            url: self.option(Self::string)?,
            published: if self.some()? {
                Some(self.parsed::<NaiveDate>()?)
            } else {
                None
            },
            language: self.option(Self::string)?,
            text: self.string()?,
            content_hash: self.string()?,
            mentions: {
                let n = self.len()?;
                // A mention takes at least one byte.
                let mut mentions = Vec::with_capacity(n.min(self.rest.len()));
                for _ in 0..n {
                    mentions.push(self.string()?);
                }
                mentions
            },
        })
    }

    fn value(&mut self) -> Option<Value> {
        Some(match self.variant()? {
            0 => Value::Entity(self.string()?),
            1 => Value::Str(self.string()?),
            2 => Value::Int(self.i64()?),
            3 => Value::Decimal(self.f64()?),
            4 => Value::Date(self.parsed::<NaiveDate>()?),
            5 => Value::DateTime(self.parsed::<DateTime<Utc>>()?),
            6 => Value::Money(Money {
                amount: self.f64()?,
                currency: self.string()?,
            }),
            _ => return None,
        })
    }

    fn entity_type(&mut self) -> Option<EntityType> {
        // `ALL` lists the variants in their declared order, which is their index.
        let i = usize::try_from(self.variant()?).ok()?;
        EntityType::ALL.get(i).copied()
    }

    /// A whole `Support`, of which only the source is kept (`SupportShape`).
    fn support(&mut self) -> Option<SourceOnly> {
        let source = match self.variant()? {
            0 => Source::Article(self.compact()?),
            1 => Source::Note(self.compact()?),
            2 => Source::None,
            _ => return None,
        };
        if self.some()? {
            // Evidence: the sentence, then its start and end.
            self.skip_str()?;
            self.u32()?;
            self.u32()?;
        }
        if self.some()? {
            // Extractor: name and version.
            self.skip_str()?;
            self.skip_str()?;
        }
        if self.some()? {
            self.f32()?;
        }
        // Qualifiers, rare: names read past, values decoded (and dropped) as serde does.
        for _ in 0..self.len()? {
            self.skip_str()?;
            self.value()?;
        }
        Some(SourceOnly { source })
    }
}
