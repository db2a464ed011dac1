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

use crate::event::Event;
use crate::extract::{self, ArticleInput, Extraction, Gazetteer};
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
        let extraction = extract::extract(input, &gazetteer);
        let hash = extraction.article.content_hash.clone();
        let id = extraction.article.id.clone();
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
        seen.insert(hash, id);
        report
            .notices
            .extend(extraction.notices.iter().map(|n| format!("{}: {n}", input.origin)));
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
