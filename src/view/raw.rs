//! Fixed-width little-endian encodings of the view's big flat arrays, for checkpoints.
//!
//! Serde decodes a `Vec<T>` element by element and, not trusting the length prefix,
//! grows it by doubling from at most 1 MiB: for the arrays below that was most of the
//! cost of opening (reallocations, copies, page faults). Each array is instead written
//! as one byte string of fixed-width records, so decoding allocates once, at the exact
//! size, bounded by the bytes actually present in the file (a corrupt length cannot ask
//! for more). Every record is checked; a bad one is a decoding error, never a panic.

use serde::de::{Error as _, Visitor};
use serde::{Deserializer, Serializer};
use smallvec::SmallVec;

use super::{SupportRec, Triple};

/// Runs `f` over the byte string the deserializer holds, whichever way it hands it over.
fn with_bytes<'de, D, T>(d: D, f: fn(&[u8]) -> Result<T, String>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct V<T>(fn(&[u8]) -> Result<T, String>);
    impl<'de, T> Visitor<'de> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a byte string of fixed-width records")
        }
        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<T, E> {
            (self.0)(v).map_err(E::custom)
        }
        fn visit_borrowed_bytes<E: serde::de::Error>(self, v: &'de [u8]) -> Result<T, E> {
            (self.0)(v).map_err(E::custom)
        }
        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<T, E> {
            (self.0)(&v).map_err(E::custom)
        }
    }
    d.deserialize_bytes(V(f)).map_err(D::Error::custom)
}

/// Reads little-endian fixed-width fields off the front of a slice.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or("a record is truncated")?;
        self.0 = rest;
        Ok(*head)
    }
    fn u32(&mut self) -> Result<u32, String> {
        self.take::<4>().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Result<u64, String> {
        self.take::<8>().map(u64::from_le_bytes)
    }
}

/// `Vec<Triple>` as 12-byte records: s, p, o (u32 each).
pub mod triples {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[Triple], s: S) -> Result<S::Ok, S::Error> {
        let mut out = Vec::with_capacity(v.len() * 12);
        for t in v {
            out.extend_from_slice(&t.s.to_le_bytes());
            out.extend_from_slice(&t.p.to_le_bytes());
            out.extend_from_slice(&t.o.to_le_bytes());
        }
        s.serialize_bytes(&out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Triple>, D::Error> {
        with_bytes(d, |b| {
            if b.len() % 12 != 0 {
                return Err("the triples are truncated".into());
            }
            let mut c = Cursor(b);
            let mut v = Vec::with_capacity(b.len() / 12);
            while !c.0.is_empty() {
                v.push(Triple {
                    s: c.u32()?,
                    p: c.u32()?,
                    o: c.u32()?,
                });
            }
            Ok(v)
        })
    }
}

/// `Vec<u64>` as 8-byte records.
pub mod u64s {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[u64], s: S) -> Result<S::Ok, S::Error> {
        let out: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        s.serialize_bytes(&out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
        with_bytes(d, |b| {
            if b.len() % 8 != 0 {
                return Err("an array of u64 is truncated".into());
            }
            let mut c = Cursor(b);
            let mut v = Vec::with_capacity(b.len() / 8);
            while !c.0.is_empty() {
                v.push(c.u64()?);
            }
            Ok(v)
        })
    }
}

/// `Vec<bool>` as one byte each (0 or 1).
pub mod bools {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[bool], s: S) -> Result<S::Ok, S::Error> {
        let out: Vec<u8> = v.iter().map(|&x| u8::from(x)).collect();
        s.serialize_bytes(&out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<bool>, D::Error> {
        with_bytes(d, |b| {
            b.iter()
                .map(|&x| match x {
                    0 => Ok(false),
                    1 => Ok(true),
                    _ => Err("a flag is neither 0 nor 1".to_string()),
                })
                .collect()
        })
    }
}

/// The supports of every triple: per triple a u32 count, then per support a 33-byte
/// record: asserted (u64), retracted (u64), has source (u8 0/1), source (u32),
/// event tx (u64), event index (u32).
pub mod supports {
    use super::*;

    const RECORD: usize = 33;

    pub fn serialize<S: Serializer>(
        v: &[SmallVec<[SupportRec; 1]>],
        s: S,
    ) -> Result<S::Ok, S::Error> {
        let records: usize = v.iter().map(|l| l.len()).sum();
        let mut out = Vec::with_capacity(v.len() * 4 + records * RECORD);
        for list in v {
            out.extend_from_slice(&(list.len() as u32).to_le_bytes());
            for r in list {
                out.extend_from_slice(&r.asserted.to_le_bytes());
                out.extend_from_slice(&r.retracted.to_le_bytes());
                out.push(u8::from(r.source.is_some()));
                out.extend_from_slice(&r.source.unwrap_or(0).to_le_bytes());
                out.extend_from_slice(&r.event.0.to_le_bytes());
                out.extend_from_slice(&r.event.1.to_le_bytes());
            }
        }
        s.serialize_bytes(&out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<SmallVec<[SupportRec; 1]>>, D::Error> {
        with_bytes(d, |b| {
            // A first pass counts the lists, so the one allocation is exact.
            let mut c = Cursor(b);
            let mut lists = 0usize;
            while !c.0.is_empty() {
                let n = c.u32()? as usize;
                let skip = n
                    .checked_mul(RECORD)
                    .filter(|&k| k <= c.0.len())
                    .ok_or("a list of supports is truncated")?;
                c.0 = c.0.get(skip..).unwrap_or_default();
                lists += 1;
            }
            let mut c = Cursor(b);
            let mut v = Vec::with_capacity(lists);
            while !c.0.is_empty() {
                let n = c.u32()? as usize;
                if n > c.0.len() / RECORD {
                    return Err("a list of supports is truncated".into());
                }
                let mut list = SmallVec::with_capacity(n);
                for _ in 0..n {
                    let asserted = c.u64()?;
                    let retracted = c.u64()?;
                    let [has] = c.take::<1>()?;
                    let src = c.u32()?;
                    let source = match has {
                        0 => None,
                        1 => Some(src),
                        _ => return Err("a support's source flag is neither 0 nor 1".into()),
                    };
                    let event = (c.u64()?, c.u32()?);
                    list.push(SupportRec {
                        asserted,
                        retracted,
                        source,
                        event,
                    });
                }
                v.push(list);
            }
            Ok(v)
        })
    }
}

/// Adjacency lists (`Vec<Vec<u32>>`): per list a u32 count, then that many u32s.
pub mod lists {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[Vec<u32>], s: S) -> Result<S::Ok, S::Error> {
        let entries: usize = v.iter().map(Vec::len).sum();
        let mut out = Vec::with_capacity((v.len() + entries) * 4);
        for list in v {
            out.extend_from_slice(&(list.len() as u32).to_le_bytes());
            for x in list {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        s.serialize_bytes(&out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u32>>, D::Error> {
        with_bytes(d, |b| {
            // A first pass counts the lists, so the outer allocation is exact.
            let mut c = Cursor(b);
            let mut lists = 0usize;
            while !c.0.is_empty() {
                let n = c.u32()? as usize;
                let skip = n
                    .checked_mul(4)
                    .filter(|&k| k <= c.0.len())
                    .ok_or("an adjacency list is truncated")?;
                c.0 = c.0.get(skip..).unwrap_or_default();
                lists += 1;
            }
            let mut c = Cursor(b);
            let mut v = Vec::with_capacity(lists);
            while !c.0.is_empty() {
                let n = c.u32()? as usize;
                if n > c.0.len() / 4 {
                    return Err("an adjacency list is truncated".into());
                }
                let mut list = Vec::with_capacity(n);
                for _ in 0..n {
                    list.push(c.u32()?);
                }
                v.push(list);
            }
            Ok(v)
        })
    }
}
