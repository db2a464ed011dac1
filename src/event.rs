//! Events and the commit envelope: the only thing ever written to the log.
//!
//! A [`Commit`] groups the events of one transaction. Events name entities by name, never
//! by internal id, so the log is self-describing and a replay re-resolves aliases.
//!
//! # Stored byte layout of a commit (format version 1)
//!
//! ```text
//! offset  size  field
//! 0       2     format version, u16 big-endian (currently 1)
//! 2       4     CRC-32 (IEEE) of the payload, u32 big-endian
//! 6       ..    payload: bincode 2 (standard config, serde) of `Commit`
//! ```
//!
//! The checksum is verified before the payload is decoded, and decoding is bounded by
//! [`MAX_COMMIT_BYTES`], so corrupt bytes can never make the process allocate what a
//! length prefix claims. What is deliberately missing: the tx number is also the store
//! key, and it is repeated inside the payload so that `verify` can check the two agree.
//! A future format gets a new version number and a decoder of its own here; version 1
//! keeps decoding forever (`tests/fixtures/commit-v1.bin`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::value::{EntityType, Value};

/// A transaction number: 1, 2, 3, … with no gaps. 0 means "before the first commit".
pub type Tx = u64;

/// The format version written by this build.
pub const COMMIT_FORMAT: u16 = 1;

/// Decoding never allocates more than this for one commit.
pub const MAX_COMMIT_BYTES: usize = 128 << 20;

const HEADER_LEN: usize = 6;

/// One transaction: applied all or nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Commit {
    pub tx: Tx,
    /// UTC wall-clock time of the commit.
    pub time: DateTime<Utc>,
    pub events: Vec<Event>,
}

/// Every kind of change (SPEC §2).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    ArticleAdded(Article),
    FactAsserted(FactAsserted),
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

impl Event {
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

/// A triple and one support of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactAsserted {
    pub subject: String,
    pub predicate: String,
    pub object: Value,
    pub support: Support,
}

/// Without `article` the triple stops being live; with one, only that article's support
/// is withdrawn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FactRetracted {
    pub subject: String,
    pub predicate: String,
    pub object: Value,
    pub article: Option<String>,
    pub reason: Option<String>,
}

/// Where a support comes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Source {
    /// An article, by id.
    Article(String),
    /// A manual note (`assert ... note "..."`); its entity has type `Note`.
    Note(String),
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
    pub name: String,
    pub version: String,
}

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_limit::<MAX_COMMIT_BYTES>()
}

impl Commit {
    /// Encodes the commit in the stored layout documented at the top of this module.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let payload = bincode::serde::encode_to_vec(self, bincode_config())
            .map_err(|e| Error::Internal(format!("cannot encode commit {}: {e}", self.tx)))?;
        if payload.len() > MAX_COMMIT_BYTES {
            return Err(Error::InvalidInput(format!(
                "commit {} is {} bytes, more than the limit of {} bytes",
                self.tx,
                payload.len(),
                MAX_COMMIT_BYTES
            )));
        }
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
        out.extend_from_slice(&COMMIT_FORMAT.to_be_bytes());
        out.extend_from_slice(&crc32fast::hash(&payload).to_be_bytes());
        out.extend_from_slice(&payload);
        Ok(out)
    }

    /// Decodes a stored commit, checking version and checksum first. `tx` is the key it
    /// was stored under, named in errors and checked against the payload.
    pub fn decode(tx: Tx, bytes: &[u8]) -> Result<Commit> {
        let corrupt = |what: String| Error::Corrupt { tx: Some(tx), what };
        let (header, payload) = match bytes.split_at_checked(HEADER_LEN) {
            Some(parts) => parts,
            None => {
                return Err(corrupt(format!(
                    "commit is {} bytes, too short",
                    bytes.len()
                )))
            }
        };
        let &[v0, v1, c0, c1, c2, c3] = header else {
            return Err(corrupt("commit header is not 6 bytes".to_string()));
        };
        let version = u16::from_be_bytes([v0, v1]);
        let crc = u32::from_be_bytes([c0, c1, c2, c3]);
        if version == 0 || version > COMMIT_FORMAT {
            return Err(corrupt(format!(
                "commit format {version} is unknown to this build (which reads up to {COMMIT_FORMAT})"
            )));
        }
        if crc32fast::hash(payload) != crc {
            return Err(corrupt("checksum mismatch".to_string()));
        }
        let (commit, read): (Commit, usize) =
            bincode::serde::decode_from_slice(payload, bincode_config())
                .map_err(|e| corrupt(format!("undecodable payload: {e}")))?;
        if read != payload.len() {
            return Err(corrupt(format!(
                "{} trailing bytes after the commit",
                payload.len() - read
            )));
        }
        if commit.tx != tx {
            return Err(corrupt(format!("payload says tx {}", commit.tx)));
        }
        Ok(commit)
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
    fn every_flipped_byte_is_caught() {
        let bytes = sample().encode().unwrap();
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x40;
            assert!(Commit::decode(7, &b).is_err(), "flip at {i} went unnoticed");
        }
    }

    #[test]
    fn wrong_key_is_caught() {
        let bytes = sample().encode().unwrap();
        assert!(Commit::decode(8, &bytes).is_err());
    }
}
