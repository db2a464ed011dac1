//! From extracted articles to commits: the glue between [`crate::extract`] (which never
//! touches storage) and the log.
//!
//! 1. Each article's text is hashed; a hash the view already holds, or one seen earlier
//!    in the same run, is a duplicate and is skipped.
//! 2. The article is extracted with the knowledge base as it stood just before its own
//!    commit: the view, plus the names the earlier articles of this run introduced (an
//!    overlay, since those commits are not durable yet). `rematerialize --reextract`
//!    rebuilds exactly that past for each stored article, so rerunning an unchanged
//!    extractor finds nothing new.
//! 3. The extraction becomes one commit's events: `ArticleAdded`, an `EntityTyped` for
//!    each entity whose type is new or changed, and the `FactAsserted`s.

use rustc_hash::FxHashMap;

use crate::error::Result;
use crate::event::Event;
use crate::extract::{self, ArticleInput, Extraction, Gazetteer};
use crate::kb::Kb;
use crate::log::NewCommit;
use crate::value::{fold, EntityType};
use crate::view::Snapshot;

/// The knowledge base as an extractor sees it: known names with their canonical
/// spelling and type.
pub struct KbGazetteer<'a> {
    snapshot: Snapshot<'a>,
    /// Names introduced by earlier articles of the same run, folded.
    overlay: FxHashMap<String, (String, EntityType)>,
}

impl<'a> KbGazetteer<'a> {
    pub fn new(snapshot: Snapshot<'a>) -> KbGazetteer<'a> {
        KbGazetteer {
            snapshot,
            overlay: FxHashMap::default(),
        }
    }

    /// Remembers what an extraction introduced, for the articles after it.
    pub fn learn(&mut self, entities: &[(String, EntityType)]) {
        for (name, ty) in entities {
            self.overlay
                .entry(fold(name))
                .or_insert_with(|| (name.clone(), *ty));
        }
    }

    /// The type the knowledge base (with the overlay) gives a name now, if any.
    fn known_type(&self, name: &str) -> Option<EntityType> {
        self.lookup(&fold(name)).map(|(_, t)| t)
    }
}

impl Gazetteer for KbGazetteer<'_> {
    fn lookup(&self, folded: &str) -> Option<(String, EntityType)> {
        if let Some(hit) = self.overlay.get(folded) {
            return Some(hit.clone());
        }
        let root = self.snapshot.resolve_name(folded)?;
        let ty = self.snapshot.entity_type(root)?;
        if ty == EntityType::Article || ty == EntityType::Note {
            return None;
        }
        Some((self.snapshot.name(root)?.to_string(), ty))
    }
}

/// What one run of `ingest` did.
#[derive(Debug, Default)]
pub struct IngestReport {
    pub articles_added: usize,
    /// `origin` of each article skipped as a duplicate, with the id it duplicates.
    pub duplicates: Vec<(String, String)>,
    pub facts: usize,
    /// Entities typed for the first time (or retyped) by this run.
    pub entities: usize,
    /// Notices to show on standard error (encodings converted, teasers skipped, …).
    pub notices: Vec<String>,
}

/// Turns an extraction into the events of its commit. `gazetteer` answers what the
/// knowledge base already knows, so that types are only recorded when new.
pub fn extraction_events(extraction: Extraction, gazetteer: &KbGazetteer<'_>) -> Vec<Event> {
    let mut events = Vec::with_capacity(2 + extraction.entities.len() + extraction.facts.len());
    let mut typed: FxHashMap<String, EntityType> = FxHashMap::default();
    for (name, ty) in &extraction.entities {
        if gazetteer.known_type(name) != Some(*ty) && typed.insert(fold(name), *ty).is_none() {
            events.push(Event::EntityTyped {
                name: name.clone(),
                entity_type: *ty,
            });
        }
    }
    events.insert(0, Event::ArticleAdded(extraction.article));
    events.extend(extraction.facts.into_iter().map(Event::FactAsserted));
    events
}

/// Plans the commits of one ingest run: duplicates skipped, each article extracted
/// against the knowledge base as it stands before it. `is_known_hash` says whether the
/// view already holds an article with that content hash.
pub fn plan_commits(
    inputs: &[ArticleInput],
    snapshot: Snapshot<'_>,
    report: &mut IngestReport,
    mut progress: impl FnMut(usize),
) -> Vec<Vec<Event>> {
    let mut gazetteer = KbGazetteer::new(snapshot);
    let mut seen: FxHashMap<String, String> = FxHashMap::default();
    let mut commits = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        progress(i);
        // Duplicates are known from the text alone: skip them before extracting.
        let hash = extract::content_hash(&input.text);
        let duplicate_of = gazetteer
            .snapshot
            .view()
            .article_by_hash(&hash)
            .and_then(|t| gazetteer.snapshot.name(t).map(str::to_string))
            .or_else(|| seen.get(&hash).cloned());
        if let Some(of) = duplicate_of {
            report.duplicates.push((input.origin.clone(), of));
            continue;
        }
        let extraction = extract::extract(input, &gazetteer);
        seen.insert(hash, extraction.article.id.clone());
        report.notices.extend(
            extraction
                .notices
                .iter()
                .map(|n| format!("{}: {n}", input.origin)),
        );
        report.articles_added += 1;
        report.facts += extraction.facts.len();
        // Types are compared with what was known before this article, so learn after.
        let learned = extraction.entities.clone();
        let events = extraction_events(extraction, &gazetteer);
        gazetteer.learn(&learned);
        report.entities += events
            .iter()
            .filter(|e| matches!(e, Event::EntityTyped { .. }))
            .count();
        commits.push(events);
    }
    commits
}

/// Articles per durable batch: each batch is one atomic append and one fsync, so a
/// killed ingest keeps every batch it acknowledged and none of the one in flight.
const BATCH: usize = 256;

/// `annals ingest`: extracts every input and appends one commit per new article.
/// `progress(done, total)` is called as articles are extracted.
pub fn ingest(
    kb: &mut Kb,
    inputs: &[ArticleInput],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<IngestReport> {
    let mut report = IngestReport::default();
    let total = inputs.len();
    for (b, batch) in inputs.chunks(BATCH).enumerate() {
        let commits = plan_commits(batch, kb.view().snapshot(None), &mut report, |i| {
            progress(b * BATCH + i, total)
        });
        if !commits.is_empty() {
            kb.commit_many(
                commits
                    .into_iter()
                    .map(|events| NewCommit { time: None, events })
                    .collect(),
            )?;
        }
    }
    progress(total, total);
    Ok(report)
}

/// What `rematerialize --reextract` appended.
#[derive(Debug, Default)]
pub struct ReextractReport {
    pub articles: usize,
    /// Articles whose facts changed (one commit each).
    pub changed: usize,
    pub asserted: usize,
    pub retracted: usize,
}

/// `rematerialize --reextract`: reruns the current extractor over every stored article
/// (with the knowledge base as it stood just before the article's commit, as `ingest`
/// saw it) and appends one commit per article whose facts differ: the facts newly found,
/// tagged with the current extractor version, and retractions of this article's support
/// for the facts the extractor no longer finds. Only supports written by this extractor
/// (any version) are compared; facts from other sources stand.
pub fn reextract(kb: &mut Kb, progress: &mut dyn FnMut(usize, usize)) -> Result<ReextractReport> {
    use crate::event::{Commit, FactRetracted, Source};
    use crate::query::Database;

    let mut report = ReextractReport::default();
    let mut articles: Vec<(crate::event::Tx, String)> = {
        let snap = kb.view().snapshot(None);
        kb.view()
            .articles()
            .filter(|(_, meta)| meta.retracted.is_none())
            .filter_map(|(t, meta)| Some((meta.added, snap.name(t)?.to_string())))
            .collect()
    };
    articles.sort();
    let total = articles.len();
    let mut commits = Vec::new();
    let version = extract::extractor_version();
    let mut cache: Option<Commit> = None;
    for (i, (added, id)) in articles.into_iter().enumerate() {
        progress(i, total);
        report.articles += 1;
        if cache.as_ref().map(|c| c.tx) != Some(added) {
            cache = Some(kb.read_commit(added)?);
        }
        let Some(article) = cache.as_ref().and_then(|c| {
            c.events.iter().find_map(|e| match e {
                Event::ArticleAdded(a) if a.id == id => Some(a.clone()),
                _ => None,
            })
        }) else {
            continue;
        };
        if article.text.is_empty() {
            continue;
        }
        let input = ArticleInput {
            id: Some(article.id.clone()),
            title: article.title.clone(),
            url: article.url.clone(),
            published: article.published,
            language: article.language.clone(),
            text: article.text.clone(),
            origin: article.id.clone(),
            notices: Vec::new(),
        };
        // What this extractor's supports from the article say now, keyed by folded text.
        let mut stored: FxHashMap<(String, String, String), FactKeyed> = FxHashMap::default();
        {
            let view = kb.view();
            let snap = view.snapshot(None);
            let Some(term) = snap.resolve_name(&article.id) else {
                continue;
            };
            for &m in snap.members(term).iter() {
                for triple in view.supported_triples(m) {
                    for s in snap.live_supports(triple) {
                        if s.source() != Some(m) {
                            continue;
                        }
                        let (tx, index) = s.event();
                        let commit = if cache.as_ref().map(|c| c.tx) == Some(tx) {
                            cache.clone()
                        } else {
                            Some(kb.read_commit(tx)?)
                        };
                        let Some(Event::FactAsserted(f)) =
                            commit.and_then(|c| c.events.into_iter().nth(index as usize))
                        else {
                            continue;
                        };
                        if f.support.extractor.as_ref().map(|e| e.name.as_str())
                            != Some(extract::EXTRACTOR_NAME)
                        {
                            continue;
                        }
                        stored.insert(fact_key(&f), FactKeyed(f));
                    }
                }
            }
        }
        let extraction = {
            let gazetteer = KbGazetteer::new(kb.view().snapshot(Some(added.saturating_sub(1))));
            extract::extract(&input, &gazetteer)
        };
        let mut events = Vec::new();
        let mut found: FxHashMap<(String, String, String), ()> = FxHashMap::default();
        for f in extraction.facts {
            let key = fact_key(&f);
            if found.insert(key.clone(), ()).is_some() {
                continue;
            }
            if !stored.contains_key(&key) {
                report.asserted += 1;
                events.push(Event::FactAsserted(f));
            }
        }
        let mut gone: Vec<_> = stored
            .into_iter()
            .filter(|(k, _)| !found.contains_key(k))
            .collect();
        gone.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, FactKeyed(f)) in gone {
            report.retracted += 1;
            events.push(Event::FactRetracted(FactRetracted {
                subject: f.subject,
                predicate: f.predicate,
                object: f.object,
                article: Some(article.id.as_str().into()),
                reason: Some(format!(
                    "no longer found by {} {version}",
                    extract::EXTRACTOR_NAME
                )),
            }));
        }
        if !events.is_empty() {
            debug_assert!(events.iter().all(|e| match e {
                Event::FactAsserted(f) =>
                    matches!(&f.support.source, Source::Article(a) if *a == article.id),
                _ => true,
            }));
            report.changed += 1;
            commits.push(NewCommit { time: None, events });
        }
    }
    progress(total, total);
    if !commits.is_empty() {
        kb.commit_many(commits)?;
    }
    Ok(report)
}

/// A stored fact, kept whole so that its retraction names it exactly as asserted.
struct FactKeyed(crate::event::FactAsserted);

/// Facts compared by folded subject, predicate and folded object text.
fn fact_key(f: &crate::event::FactAsserted) -> (String, String, String) {
    (
        fold(&f.subject),
        f.predicate.to_string(),
        fold(&f.object.to_string()),
    )
}
