//! `export facts|entities|events` and the one-line event summaries of `log`.
//!
//! - `events`: one JSON line per event, with its commit's `tx` and `time`, in the import
//!   format (`import.rs`), so that `import` into an empty database restores the commits
//!   one for one: same tx numbers, same times, same events in the same order. Values carry
//!   their `object_kind` (and qualifiers their `kind`) so that nothing is re-guessed on
//!   the way back. This is the documented backup format.
//! - `facts`: one record per live entity-level triple (a symmetric fact once), with every
//!   live support; evidence, extractor and qualifiers are read back from the log through
//!   each support's event position (the view does not keep them).
//! - `entities`: name, type and aliases of every entity.
//!
//! JSON lines and N-Triples are written here; every other format is a [`Table`] that the
//! binary renders (nested supports and alias lists become JSON text in a cell).

use std::io::Write;

use serde_json::{json, Map, Value as J};

use crate::error::{Error, Result};
use crate::event::{Commit, Event, Source, Support, Tx};
use crate::kb::Kb;
use crate::table::Table;
use crate::value::{fold, Value};
use crate::view::{Snapshot, TermRef};

/// What to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    Facts,
    Entities,
    Events,
}

/// Formats written by this module; others go through [`table`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Ntriples,
}

fn io_err(e: std::io::Error) -> Error {
    Error::io("writing the export", e)
}

/// A value as JSON and its kind name (`Value::kind`).
pub fn value_json(v: &Value) -> (J, &'static str) {
    let j = match v {
        Value::Int(i) => json!(i),
        Value::Decimal(d) => json!(d),
        other => J::String(other.to_string()),
    };
    (j, v.kind())
}

/// The one-line summary of an event shown by `log`.
pub fn summary(e: &Event) -> String {
    fn obj(v: &Value) -> String {
        match v {
            Value::Str(s) => format!("{s:?}"),
            other => other.to_string(),
        }
    }
    let because = |r: &Option<String>| {
        r.as_ref()
            .map(|r| format!(" because {r:?}"))
            .unwrap_or_default()
    };
    match e {
        Event::ArticleAdded(a) => {
            let mut s = a.id.clone();
            if let Some(t) = &a.title {
                s.push_str(&format!(" {t:?}"));
            }
            let meta: Vec<String> = [a.published.map(|d| d.to_string()), a.language.clone()]
                .into_iter()
                .flatten()
                .collect();
            if !meta.is_empty() {
                s.push_str(&format!(" ({})", meta.join(", ")));
            }
            s
        }
        Event::FactAsserted(f) => {
            let src = match &f.support.source {
                Source::Article(a) => format!(" [{a}]"),
                Source::Note(n) => format!(" [note {n:?}]"),
                Source::None => String::new(),
            };
            format!("{} {} {}{src}", f.subject, f.predicate, obj(&f.object))
        }
        Event::FactRetracted(r) => {
            let art = r
                .article
                .as_ref()
                .map(|a| format!(" in {a}"))
                .unwrap_or_default();
            format!(
                "{} {} {}{art}{}",
                r.subject,
                r.predicate,
                obj(&r.object),
                because(&r.reason)
            )
        }
        Event::ArticleRetracted { id, reason } => format!("{id}{}", because(reason)),
        Event::AliasAdded { alias, canonical } => format!("{alias} as {canonical}"),
        Event::EntityTyped { name, entity_type } => format!("{name}: {entity_type}"),
    }
}

fn put(m: &mut Map<String, J>, k: &str, v: Option<J>) {
    if let Some(v) = v {
        m.insert(k.to_string(), v);
    }
}

fn support_fields(m: &mut Map<String, J>, s: &Support) {
    match &s.source {
        Source::Article(a) => put(m, "article", Some(json!(a))),
        Source::Note(n) => put(m, "note", Some(json!(n))),
        Source::None => {}
    }
    put(
        m,
        "evidence",
        s.evidence
            .as_ref()
            .map(|e| json!({"sentence": e.sentence, "start": e.start, "end": e.end})),
    );
    put(
        m,
        "extractor",
        s.extractor
            .as_ref()
            .map(|x| json!({"name": x.name, "version": x.version})),
    );
    // Through the f32's shortest decimal form, so 0.9 is written as 0.9, not 0.8999999761581421.
    put(
        m,
        "confidence",
        s.confidence
            .and_then(|c| format!("{c}").parse::<f64>().ok())
            .map(|c| json!(c)),
    );
    if !s.qualifiers.is_empty() {
        let list: Vec<J> = s
            .qualifiers
            .iter()
            .map(|(name, v)| {
                let (value, kind) = value_json(v);
                json!({"name": name, "value": value, "kind": kind})
            })
            .collect();
        put(m, "qualifiers", Some(J::Array(list)));
    }
}

/// One event as an import line (module doc).
pub fn event_json(tx: Tx, time: &chrono::DateTime<chrono::Utc>, e: &Event) -> J {
    let mut m = Map::new();
    m.insert("tx".into(), json!(tx));
    m.insert(
        "time".into(),
        json!(time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
    );
    match e {
        Event::ArticleAdded(a) => {
            let mut o = Map::new();
            o.insert("id".into(), json!(a.id));
            put(&mut o, "title", a.title.as_ref().map(|t| json!(t)));
            put(&mut o, "url", a.url.as_ref().map(|t| json!(t)));
            put(
                &mut o,
                "published",
                a.published.map(|d| json!(d.to_string())),
            );
            put(&mut o, "language", a.language.as_ref().map(|t| json!(t)));
            if !a.text.is_empty() {
                o.insert("text".into(), json!(a.text));
            }
            o.insert("content_hash".into(), json!(a.content_hash));
            if !a.mentions.is_empty() {
                o.insert("mentions".into(), json!(a.mentions));
            }
            m.insert("article".into(), J::Object(o));
        }
        Event::FactAsserted(f) => {
            let (object, kind) = value_json(&f.object);
            m.insert("subject".into(), json!(f.subject));
            m.insert("predicate".into(), json!(f.predicate));
            m.insert("object".into(), object);
            m.insert("object_kind".into(), json!(kind));
            support_fields(&mut m, &f.support);
        }
        Event::FactRetracted(r) => {
            let (object, kind) = value_json(&r.object);
            let mut o = Map::new();
            o.insert("subject".into(), json!(r.subject));
            o.insert("predicate".into(), json!(r.predicate));
            o.insert("object".into(), object);
            o.insert("object_kind".into(), json!(kind));
            put(&mut o, "article", r.article.as_ref().map(|a| json!(a)));
            m.insert("retract".into(), J::Object(o));
            put(&mut m, "reason", r.reason.as_ref().map(|r| json!(r)));
        }
        Event::ArticleRetracted { id, reason } => {
            m.insert("retract".into(), json!({"article": id}));
            put(&mut m, "reason", reason.as_ref().map(|r| json!(r)));
        }
        Event::AliasAdded { alias, canonical } => {
            m.insert("alias".into(), json!(alias));
            m.insert("canonical".into(), json!(canonical));
        }
        Event::EntityTyped { name, entity_type } => {
            m.insert("entity".into(), json!(name));
            m.insert("type".into(), json!(entity_type.as_str()));
        }
    }
    J::Object(m)
}

/// One live support of a fact, with what the log says about it.
struct SupportOut {
    source: Option<String>,
    tx: Tx,
    support: Option<Support>,
}

/// A live entity-level fact with its supports.
struct FactOut {
    subject: String,
    predicate: String,
    object: Value,
    supports: Vec<SupportOut>,
}

/// Reads commits for supports, keeping the last one: supports come in log order.
struct CommitCache<'k> {
    kb: &'k Kb,
    last: Option<Commit>,
}

impl CommitCache<'_> {
    fn support(&mut self, at: (Tx, u32)) -> Result<Option<Support>> {
        if self.last.as_ref().map(|c| c.tx) != Some(at.0) {
            self.last = Some(self.kb.log().read(at.0)?);
        }
        Ok(self
            .last
            .as_ref()
            .and_then(|c| c.events.get(at.1 as usize))
            .and_then(|e| match e {
                Event::FactAsserted(f) => Some(f.support.clone()),
                _ => None,
            }))
    }
}

fn term_value(snap: &Snapshot, t: u32) -> Option<Value> {
    match snap.term(t)? {
        TermRef::Entity { name, .. } => Some(Value::Entity(name.to_string())),
        TermRef::Literal(v) => Some(v.clone()),
    }
}

fn facts(kb: &Kb) -> Result<Vec<FactOut>> {
    let view = kb.view();
    let snap = view.snapshot(None);
    let mut refs = Vec::new();
    snap.facts(None, &mut |f| refs.push(f));
    let mut seen = std::collections::HashSet::new();
    let mut cache = CommitCache { kb, last: None };
    let mut out = Vec::new();
    for f in refs {
        let symmetric = view.pred(f.p).is_some_and(|p| p.symmetric);
        let key = if symmetric {
            (f.s.min(f.o), f.p, f.s.max(f.o))
        } else {
            (f.s, f.p, f.o)
        };
        if !seen.insert(key) {
            continue;
        }
        let (Some(Value::Entity(subject)), Some(object), Some(pred)) = (
            term_value(&snap, f.s),
            term_value(&snap, f.o),
            view.pred(f.p),
        ) else {
            continue;
        };
        let mut supports = Vec::new();
        for triple in snap.stored_triples(f.s, f.p, f.o) {
            for s in snap.live_supports(triple) {
                supports.push(SupportOut {
                    source: s.source().and_then(|t| snap.name(t)).map(str::to_string),
                    tx: s.asserted,
                    support: cache.support(s.event())?,
                });
            }
        }
        supports.sort_by_key(|s| s.tx);
        out.push(FactOut {
            subject,
            predicate: pred.name.to_string(),
            object,
            supports,
        });
    }
    out.sort_by(|a, b| {
        fold(&a.subject)
            .cmp(&fold(&b.subject))
            .then_with(|| a.predicate.cmp(&b.predicate))
            .then_with(|| crate::value::compare_values(&a.object, &b.object))
    });
    Ok(out)
}

fn supports_json(f: &FactOut) -> J {
    J::Array(
        f.supports
            .iter()
            .map(|s| {
                let mut m = Map::new();
                if let Some(sup) = &s.support {
                    support_fields(&mut m, sup);
                } else if let Some(src) = &s.source {
                    m.insert("article".into(), json!(src));
                }
                m.insert("tx".into(), json!(s.tx));
                J::Object(m)
            })
            .collect(),
    )
}

/// A fact line of `export facts`, fields in this order.
#[derive(serde::Serialize)]
struct FactLine<'a> {
    subject: &'a str,
    predicate: &'a str,
    object: J,
    object_kind: &'a str,
    supports: J,
}

fn fact_json(f: &FactOut) -> FactLine<'_> {
    let (object, kind) = value_json(&f.object);
    FactLine {
        subject: &f.subject,
        predicate: &f.predicate,
        object,
        object_kind: kind,
        supports: supports_json(f),
    }
}

/// An entity line of `export entities`, fields in this order.
#[derive(serde::Serialize)]
struct EntityLine<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    entity_type: Option<&'a str>,
    aliases: &'a [String],
}

struct EntityOut {
    name: String,
    entity_type: Option<&'static str>,
    aliases: Vec<String>,
}

fn entities(kb: &Kb) -> Vec<EntityOut> {
    let snap = kb.view().snapshot(None);
    let mut out: Vec<EntityOut> = snap
        .entities()
        .into_iter()
        .filter_map(|root| {
            let name = snap.name(root)?.to_string();
            let mut aliases: Vec<String> = snap
                .alias_names(root)
                .into_iter()
                .map(str::to_string)
                .collect();
            aliases.sort_by(|a, b| crate::value::compare_text(a, b));
            Some(EntityOut {
                name,
                entity_type: snap.entity_type(root).map(|t| t.as_str()),
                aliases,
            })
        })
        .collect();
    out.sort_by(|a, b| crate::value::compare_text(&a.name, &b.name));
    out
}

fn nt_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            '"' => o.push_str("\\\""),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c => o.push(c),
        }
    }
    o
}

fn iri(kind: &str, name: &str) -> String {
    let mut o = format!("<urn:annals:{kind}:");
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o.push('>');
    o
}

const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

fn nt_object(v: &Value) -> String {
    let typed = |lex: String, ty: &str| format!("\"{}\"^^<{ty}>", nt_escape(&lex));
    match v {
        Value::Entity(n) => iri("e", n),
        Value::Str(s) => format!("\"{}\"", nt_escape(s)),
        Value::Int(_) => typed(v.to_string(), &format!("{XSD}integer")),
        Value::Decimal(_) => typed(v.to_string(), &format!("{XSD}decimal")),
        Value::Date(_) => typed(v.to_string(), &format!("{XSD}date")),
        Value::DateTime(_) => typed(v.to_string(), &format!("{XSD}dateTime")),
        Value::Money(_) => typed(v.to_string(), "urn:annals:money"),
    }
}

/// Writes an export in JSON lines or N-Triples.
pub fn write(kb: &Kb, what: What, format: Format, w: &mut dyn Write) -> Result<()> {
    match (what, format) {
        (What::Events, Format::Jsonl) => {
            kb.log().scan(1, &mut |c| {
                let time = json!(c.time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
                for e in &c.events {
                    // `tx` and `time` first, for people reading the backup; serde_json's
                    // map (without `preserve_order`) would sort them among the rest.
                    let mut j = event_json(c.tx, &c.time, e);
                    if let J::Object(m) = &mut j {
                        m.remove("tx");
                        m.remove("time");
                    }
                    let rest = j.to_string();
                    let rest = rest.strip_prefix('{').unwrap_or(&rest);
                    writeln!(w, "{{\"tx\":{},\"time\":{time},{rest}", c.tx).map_err(io_err)?;
                }
                Ok(true)
            })?;
        }
        (What::Events, Format::Ntriples) => {
            return Err(Error::InvalidInput(
                "`export events` is written as jsonl (the backup format), csv or another table \
                 format, not as N-Triples"
                    .to_string(),
            ))
        }
        (What::Facts, Format::Jsonl) => {
            for f in facts(kb)? {
                serde_json::to_writer(&mut *w, &fact_json(&f)).map_err(|e| io_err(e.into()))?;
                w.write_all(b"\n").map_err(io_err)?;
            }
        }
        (What::Facts, Format::Ntriples) => {
            for f in facts(kb)? {
                writeln!(
                    w,
                    "{} {} {} .",
                    iri("e", &f.subject),
                    iri("p", &f.predicate),
                    nt_object(&f.object)
                )
                .map_err(io_err)?;
            }
        }
        (What::Entities, Format::Jsonl) => {
            for e in entities(kb) {
                let line = EntityLine {
                    name: &e.name,
                    entity_type: e.entity_type,
                    aliases: &e.aliases,
                };
                serde_json::to_writer(&mut *w, &line).map_err(|e| io_err(e.into()))?;
                w.write_all(b"\n").map_err(io_err)?;
            }
        }
        (What::Entities, Format::Ntriples) => {
            for e in entities(kb) {
                let s = iri("e", &e.name);
                writeln!(
                    w,
                    "{s} <http://www.w3.org/2000/01/rdf-schema#label> \"{}\" .",
                    nt_escape(&e.name)
                )
                .map_err(io_err)?;
                if let Some(t) = e.entity_type {
                    writeln!(
                        w,
                        "{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> {} .",
                        iri("type", t)
                    )
                    .map_err(io_err)?;
                }
                for a in &e.aliases {
                    writeln!(w, "{s} {} \"{}\" .", iri("p", "alias"), nt_escape(a))
                        .map_err(io_err)?;
                }
            }
        }
    }
    w.flush().map_err(io_err)
}

/// An export as a table, for csv, tsv, json and the terminal table.
pub fn table(kb: &Kb, what: What) -> Result<Table> {
    let s = |x: String| Some(Value::Str(x));
    match what {
        What::Events => {
            let mut t = Table::new(["tx", "time", "kind", "event"]);
            kb.log().scan(1, &mut |c| {
                for e in &c.events {
                    let mut j = event_json(c.tx, &c.time, e);
                    if let J::Object(m) = &mut j {
                        m.remove("tx");
                        m.remove("time");
                    }
                    t.push(vec![
                        Some(Value::Int(i64::try_from(c.tx).unwrap_or(i64::MAX))),
                        Some(Value::DateTime(c.time)),
                        s(e.kind().to_string()),
                        s(j.to_string()),
                    ]);
                }
                Ok(true)
            })?;
            Ok(t)
        }
        What::Facts => {
            let mut t = Table::new(["subject", "predicate", "object", "object_kind", "supports"]);
            for f in facts(kb)? {
                let kind = f.object.kind();
                t.push(vec![
                    Some(Value::Entity(f.subject.clone())),
                    s(f.predicate.clone()),
                    Some(f.object.clone()),
                    s(kind.to_string()),
                    s(supports_json(&f).to_string()),
                ]);
            }
            Ok(t)
        }
        What::Entities => {
            let mut t = Table::new(["name", "type", "aliases"]);
            for e in entities(kb) {
                t.push(vec![
                    Some(Value::Entity(e.name)),
                    e.entity_type.map(|x| Value::Str(x.to_string())),
                    s(e.aliases.join("; ")),
                ]);
            }
            Ok(t)
        }
    }
}
