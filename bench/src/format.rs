//! The SPEC §4 import format, as the SQLite and plain-maps loaders read it.

use std::borrow::Cow;

use serde::Deserialize;

/// One line of the import format, borrowing from the file text where it can.
#[derive(Deserialize)]
pub struct Line<'a> {
    #[serde(borrow, default)]
    pub subject: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub predicate: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub object: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub object_kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub subject_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub object_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub evidence: Option<Cow<'a, str>>,
    #[serde(default)]
    pub confidence: Option<f64>,
    #[serde(default)]
    pub tx: Option<u64>,
    #[serde(borrow, default)]
    pub alias: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub canonical: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub retract: Option<Retract<'a>>,
    #[serde(borrow, default)]
    pub article: Option<ArticleField<'a>>,
}

#[derive(Deserialize)]
pub struct Retract<'a> {
    #[serde(borrow)]
    pub subject: Cow<'a, str>,
    #[serde(borrow)]
    pub predicate: Cow<'a, str>,
    #[serde(borrow)]
    pub object: Cow<'a, str>,
    #[serde(borrow, default)]
    pub object_kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub article: Option<Cow<'a, str>>,
}

/// `article` is an id on a fact line and the metadata on an article line.
#[derive(Deserialize)]
#[serde(untagged)]
pub enum ArticleField<'a> {
    Id(#[serde(borrow)] Cow<'a, str>),
    Meta(#[serde(borrow)] ArticleMeta<'a>),
}

#[derive(Deserialize)]
pub struct ArticleMeta<'a> {
    #[serde(borrow)]
    pub id: Cow<'a, str>,
    #[serde(borrow, default)]
    pub title: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub url: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub published: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub language: Option<Cow<'a, str>>,
}
