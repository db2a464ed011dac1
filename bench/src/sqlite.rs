//! The SQLite side: a faithful schema for the annals data model, a bulk loader for the
//! SPEC §4 import format, and the eight questions in SQL with annals' semantics.
//!
//! Schema (in memory):
//! - `entity`: every name ever used (entities, alias spellings, articles), with its folded
//!   form and `canon`, the entity it denotes now (itself unless an alias points elsewhere).
//! - `alias`: alias name → canonical entity, with the tx that added it (for `as of`).
//! - `article`: article metadata.
//! - `triple`: one row per triple as written (raw subject, predicate, raw entity object or
//!   literal), with the materialized current view: `s_c`/`o_c` (canonical now) and `live`
//!   (number of live supports).
//! - `support`: one row per assertion: triple, article, asserting tx, retracting tx.
//!
//! Current-time questions read the materialized columns; `as of` questions resolve aliases
//! and supports against their tx columns, as a replay would.

use std::time::Instant;

use crate::format::{ArticleField, Line};
use anyhow::{anyhow, bail, Context, Result};
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection};
use rustc_hash::FxHashMap;

use crate::fold::{fold, prefix_upper_bound};
use crate::Probes;

/// Symmetric predicates (SPEC §2): `A p B` also answers `B p A`.
pub const SYMMETRIC: &[&str] = &["partner_of", "agreement_with", "competitor_of"];

pub struct Loaded {
    pub conn: Connection,
    pub load_secs: f64,
    pub events: u64,
    pub assertions: u64,
    pub commits: u64,
}

#[derive(Hash, PartialEq, Eq)]
enum ObjKey {
    Ent(i64),
    Lit(String),
}

/// A triple as written, with its number of live supports.
struct TripleRow {
    s: i64,
    p: String,
    o: Option<i64>,
    lit: Option<String>,
    live: i64,
}

struct Loader {
    ent_ids: FxHashMap<String, i64>,
    /// name, folded, type, canon
    ents: Vec<(String, String, Option<String>, i64)>,
    triple_ids: FxHashMap<(i64, String, ObjKey), i64>,
    triples: Vec<TripleRow>,
    /// (triple, article) → live support rowids
    supports: FxHashMap<(i64, i64), Vec<i64>>,
    next_support: i64,
}

impl Loader {
    fn entity(&mut self, name: &str, ty: Option<&str>) -> i64 {
        let f = fold(name);
        if let Some(&id) = self.ent_ids.get(&f) {
            if let Some(t) = ty {
                let e = &mut self.ents[(id - 1) as usize];
                if e.2.is_none() {
                    e.2 = Some(t.to_string());
                }
            }
            return id;
        }
        let id = self.ents.len() as i64 + 1;
        self.ents
            .push((name.to_string(), f.clone(), ty.map(str::to_string), id));
        self.ent_ids.insert(f, id);
        id
    }

    fn lookup(&self, name: &str) -> Option<i64> {
        self.ent_ids.get(&fold(name)).copied()
    }

    fn canon(&self, id: i64) -> i64 {
        let mut c = id;
        for _ in 0..64 {
            let next = self.ents[(c - 1) as usize].3;
            if next == c {
                break;
            }
            c = next;
        }
        c
    }
}

/// A literal object: marked so, or a number, a date or money (SPEC §2).
pub fn is_typed_literal(s: &str) -> bool {
    let s = s.trim();
    if s.parse::<i64>().is_ok() {
        return true;
    }
    let b = s.as_bytes();
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.replace('-', "").bytes().all(|c| c.is_ascii_digit())
    {
        return true;
    }
    if let Some((int, frac)) = s.trim_start_matches('-').split_once('.') {
        if !int.is_empty()
            && !frac.is_empty()
            && (int.to_string() + frac).bytes().all(|c| c.is_ascii_digit())
        {
            return true;
        }
    }
    if let Some((amount, cur)) = s.rsplit_once(' ') {
        if cur.len() == 3
            && cur.chars().all(|c| c.is_ascii_uppercase())
            && amount.trim().parse::<f64>().is_ok()
        {
            return true;
        }
    }
    false
}

fn object_key(
    loader: &mut Loader,
    o: &str,
    kind: Option<&str>,
    ty: Option<&str>,
    create: bool,
) -> Option<ObjKey> {
    if kind == Some("literal") || is_typed_literal(o) {
        return Some(ObjKey::Lit(o.to_string()));
    }
    if create {
        Some(ObjKey::Ent(loader.entity(o, ty)))
    } else {
        loader.lookup(o).map(ObjKey::Ent)
    }
}

pub fn load(path: &str) -> Result<Loaded> {
    let start = Instant::now();
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?;
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -1000000;
         CREATE TABLE entity(id INTEGER PRIMARY KEY, name TEXT NOT NULL, folded TEXT NOT NULL,
                             type TEXT, canon INTEGER NOT NULL);
         CREATE TABLE alias(alias_id INTEGER NOT NULL, canon_id INTEGER NOT NULL, tx INTEGER NOT NULL);
         CREATE TABLE article(entity_id INTEGER PRIMARY KEY, title TEXT, url TEXT,
                              published TEXT, language TEXT, tx INTEGER NOT NULL);
         CREATE TABLE triple(id INTEGER PRIMARY KEY, s INTEGER NOT NULL, p TEXT NOT NULL,
                             o INTEGER, lit TEXT, s_c INTEGER NOT NULL, o_c INTEGER,
                             live INTEGER NOT NULL);
         CREATE TABLE support(id INTEGER PRIMARY KEY, triple_id INTEGER NOT NULL,
                              article_id INTEGER, tx INTEGER NOT NULL, retracted_tx INTEGER,
                              evidence TEXT, confidence REAL);",
    )?;
    let mut l = Loader {
        ent_ids: FxHashMap::default(),
        ents: Vec::new(),
        triple_ids: FxHashMap::default(),
        triples: Vec::new(),
        supports: FxHashMap::default(),
        next_support: 1,
    };
    let (mut events, mut assertions, mut commits) = (0u64, 0u64, 0u64);
    let tx_ = conn.unchecked_transaction()?;
    {
        let mut ins_support = tx_.prepare(
            "INSERT INTO support(id, triple_id, article_id, tx, evidence, confidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut retract_support =
            tx_.prepare("UPDATE support SET retracted_tx = ?2 WHERE id = ?1")?;
        let mut ins_alias =
            tx_.prepare("INSERT INTO alias(alias_id, canon_id, tx) VALUES (?1, ?2, ?3)")?;
        let mut ins_article = tx_.prepare(
            "INSERT OR IGNORE INTO article(entity_id, title, url, published, language, tx) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let mut last_file_tx: Option<u64> = None;
        let mut tx: i64 = 0;
        for (lineno, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let v: Line =
                serde_json::from_str(line).with_context(|| format!("line {}", lineno + 1))?;
            let file_tx = v.tx;
            let new_commit = match (file_tx, last_file_tx) {
                _ if tx == 0 => true,
                (Some(a), Some(b)) => a != b,
                (None, None) => false,
                _ => true,
            };
            if new_commit {
                tx += 1;
                commits += 1;
            }
            last_file_tx = file_tx;
            events += 1;
            let bad = |what: &str| anyhow!("line {}: {what}", lineno + 1);
            if let Some(ArticleField::Meta(a)) = &v.article {
                let eid = l.entity(&a.id, Some("Article"));
                ins_article.execute(params![eid, a.title, a.url, a.published, a.language, tx])?;
            } else if let Some(alias) = &v.alias {
                let canonical = v
                    .canonical
                    .as_deref()
                    .ok_or_else(|| bad("alias without canonical"))?;
                let c = l.entity(canonical, None);
                let c = l.canon(c);
                let a = l.entity(alias, None);
                if a != c {
                    l.ents[(a - 1) as usize].3 = c;
                    ins_alias.execute(params![a, c, tx])?;
                }
            } else if let Some(r) = &v.retract {
                let s = l.lookup(&r.subject);
                let o = object_key(&mut l, &r.object, r.object_kind.as_deref(), None, false);
                let (Some(s), Some(o)) = (s, o) else {
                    continue;
                };
                let Some(&t) = l.triple_ids.get(&(s, r.predicate.to_string(), o)) else {
                    continue;
                };
                let keys: Vec<(i64, i64)> = match &r.article {
                    Some(a) => match l.lookup(a) {
                        Some(a) => vec![(t, a)],
                        None => vec![],
                    },
                    None => l.supports.keys().filter(|k| k.0 == t).copied().collect(),
                };
                for k in keys {
                    if let Some(ids) = l.supports.remove(&k) {
                        for id in ids {
                            retract_support.execute(params![id, tx])?;
                            l.triples[(t - 1) as usize].live -= 1;
                        }
                    }
                }
            } else if let Some(s) = &v.subject {
                assertions += 1;
                let p = v.predicate.as_deref().ok_or_else(|| bad("no predicate"))?;
                let o = v.object.as_deref().ok_or_else(|| bad("no object"))?;
                let s = l.entity(s, v.subject_type.as_deref());
                let o = object_key(
                    &mut l,
                    o,
                    v.object_kind.as_deref(),
                    v.object_type.as_deref(),
                    true,
                )
                .ok_or_else(|| bad("no object"))?;
                let key = (s, p.to_string(), o);
                let t = match l.triple_ids.get(&key) {
                    Some(&t) => t,
                    None => {
                        let t = l.triples.len() as i64 + 1;
                        let (oe, lit) = match &key.2 {
                            ObjKey::Ent(e) => (Some(*e), None),
                            ObjKey::Lit(x) => (None, Some(x.clone())),
                        };
                        l.triples.push(TripleRow {
                            s,
                            p: p.to_string(),
                            o: oe,
                            lit,
                            live: 0,
                        });
                        l.triple_ids.insert(key, t);
                        t
                    }
                };
                let article = match &v.article {
                    Some(ArticleField::Id(a)) => Some(l.entity(a, Some("Article"))),
                    _ => None,
                };
                let sid = l.next_support;
                l.next_support += 1;
                ins_support.execute(params![sid, t, article, tx, v.evidence, v.confidence])?;
                l.supports
                    .entry((t, article.unwrap_or(0)))
                    .or_default()
                    .push(sid);
                l.triples[(t - 1) as usize].live += 1;
            } else {
                bail!(
                    "line {}: event kind not supported by the SQLite loader",
                    lineno + 1
                );
            }
        }
        eprintln!(
            "SQLite: events read and supports inserted after {:.2} s",
            start.elapsed().as_secs_f64()
        );
        // The materialized current view.
        let mut ins_entity = tx_.prepare(
            "INSERT INTO entity(id, name, folded, type, canon) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for i in 0..l.ents.len() {
            let c = l.canon(i as i64 + 1);
            let (name, folded, ty, _) = &l.ents[i];
            ins_entity.execute(params![i as i64 + 1, name, folded, ty, c])?;
        }
        let mut ins_triple =
            tx_.prepare("INSERT INTO triple(id, s, p, o, lit, s_c, o_c, live) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
        for (i, t) in l.triples.iter().enumerate() {
            let (s_c, o_c) = (l.canon(t.s), t.o.map(|o| l.canon(o)));
            ins_triple.execute(params![
                i as i64 + 1,
                t.s,
                t.p,
                t.o,
                t.lit,
                s_c,
                o_c,
                t.live
            ])?;
        }
    }
    tx_.commit()?;
    eprintln!(
        "SQLite: entities and triples inserted after {:.2} s",
        start.elapsed().as_secs_f64()
    );
    conn.execute_batch(
        "CREATE INDEX entity_folded ON entity(folded);
         CREATE INDEX entity_canon ON entity(canon);
         CREATE INDEX alias_alias ON alias(alias_id, tx);
         CREATE INDEX alias_canon ON alias(canon_id, tx);
         CREATE INDEX triple_sc ON triple(s_c, p);
         CREATE INDEX triple_oc ON triple(o_c, p);
         CREATE INDEX triple_s ON triple(s, p);
         CREATE INDEX triple_o ON triple(o, p);
         CREATE INDEX triple_p ON triple(p);
         CREATE INDEX support_triple ON support(triple_id);
         -- The current view as distinct canonical triples, symmetric ones stored once.
         CREATE TABLE cur AS SELECT DISTINCT
             CASE WHEN p IN ('partner_of', 'agreement_with', 'competitor_of') AND o_c < s_c
                  THEN o_c ELSE s_c END AS s,
             p,
             CASE WHEN p IN ('partner_of', 'agreement_with', 'competitor_of') AND o_c < s_c
                  THEN s_c ELSE o_c END AS o,
             lit
           FROM triple WHERE live > 0;
         CREATE INDEX cur_p ON cur(p);
         ANALYZE;",
    )?;
    Ok(Loaded {
        conn,
        load_secs: start.elapsed().as_secs_f64(),
        events,
        assertions,
        commits,
    })
}

/// Bytes the loaded database takes on disk (VACUUM INTO a temporary file).
pub fn disk_bytes(conn: &Connection, tmp: &str) -> Result<u64> {
    let _ = std::fs::remove_file(tmp);
    conn.execute("VACUUM INTO ?1", params![tmp])?;
    let n = std::fs::metadata(tmp)?.len();
    std::fs::remove_file(tmp)?;
    Ok(n)
}

pub type Rows = Vec<Vec<String>>;

/// Distinct canonical triples now live, and those that were asserted but are no longer live.
pub fn fact_counts(conn: &Connection) -> Result<(i64, i64, i64)> {
    let (live, dead) = conn.query_row(
        "SELECT SUM(l > 0), SUM(l = 0) FROM
           (SELECT MAX(live) AS l FROM triple GROUP BY s_c, p, o_c, lit)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let sym_once: i64 = conn.query_row("SELECT COUNT(*) FROM cur", [], |r| r.get(0))?;
    Ok((live, dead, sym_once))
}

fn cell(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) | ValueRef::Blob(t) => String::from_utf8_lossy(t).into_owned(),
    }
}

fn query(conn: &Connection, sql: &str, params: &[&dyn rusqlite::ToSql]) -> Result<Rows> {
    let mut st = conn.prepare_cached(sql)?;
    let n = st.column_count();
    let mut rows = st.query(params)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut row = Vec::with_capacity(n);
        for i in 0..n {
            row.push(cell(r.get_ref(i)?));
        }
        out.push(row);
    }
    Ok(out)
}

/// The entity a name denotes now (by folded name or alias), if any.
fn resolve(conn: &Connection, name: &str) -> Result<i64> {
    let mut st = conn.prepare_cached("SELECT canon FROM entity WHERE folded = ?1")?;
    let mut rows = st.query(params![fold(name)])?;
    Ok(match rows.next()? {
        Some(r) => r.get(0)?,
        None => -1,
    })
}

/// The entity a name denotes as of `tx`.
fn resolve_as_of(conn: &Connection, name: &str, tx: i64) -> Result<i64> {
    let mut st = conn.prepare_cached(
        "SELECT COALESCE((SELECT canon_id FROM alias WHERE alias_id = e.id AND tx <= ?2 ORDER BY tx DESC LIMIT 1), e.id)
         FROM entity e WHERE folded = ?1",
    )?;
    let mut rows = st.query(params![fold(name), tx])?;
    Ok(match rows.next()? {
        Some(r) => r.get(0)?,
        None => -1,
    })
}

const SYM_LIST: &str = "('partner_of', 'agreement_with', 'competitor_of')";

/// Whether `"X" sells_to{1,2} ?o` leaves out X itself when a 2-hop cycle reaches it, as
/// `p+` does (SPEC §3 says so for `p+`; `{1,2}` is read the same way).
pub const Q4_EXCLUDES_START: bool = true;

/// Runs question `q` (1..=8, 9 = the alias form of Q8) and returns its rows.
pub fn question(conn: &Connection, q: usize, pr: &Probes) -> Result<Rows> {
    let sym = |sql: &str| sql.replace("{SYM}", SYM_LIST);
    match q {
        1 => {
            let e = resolve(conn, &pr.e1)?;
            query(
                conn,
                &sym("SELECT DISTINCT p, o FROM (
                        SELECT t.p AS p, COALESCE(oe.name, t.lit) AS o
                          FROM triple t LEFT JOIN entity oe ON oe.id = t.o_c
                         WHERE t.s_c = ?1 AND t.live > 0
                        UNION ALL
                        SELECT t.p, se.name FROM triple t JOIN entity se ON se.id = t.s_c
                         WHERE t.o_c = ?1 AND t.p IN {SYM} AND t.live > 0)"),
                params![e],
            )
        }
        2 => {
            let e = resolve(conn, &pr.e2)?;
            query(
                conn,
                &sym("SELECT DISTINCT s, p FROM (
                        SELECT se.name AS s, t.p AS p FROM triple t JOIN entity se ON se.id = t.s_c
                         WHERE t.o_c = ?1 AND t.live > 0
                        UNION ALL
                        SELECT oe.name, t.p FROM triple t JOIN entity oe ON oe.id = t.o_c
                         WHERE t.s_c = ?1 AND t.p IN {SYM} AND t.live > 0)"),
                params![e],
            )
        }
        3 => {
            let x = resolve(conn, &pr.x)?;
            query(
                conn,
                "SELECT DISTINCT w.name FROM triple t2
                   JOIN triple t1 ON t1.o_c = t2.s_c AND t1.p = 'ceo_of' AND t1.live > 0
                   JOIN entity w ON w.id = t1.s_c
                  WHERE t2.o_c = ?1 AND t2.p = 'sells_to' AND t2.live > 0",
                params![x],
            )
        }
        4 => {
            let x = resolve(conn, &pr.x)?;
            query(
                conn,
                "WITH h1(n) AS (SELECT DISTINCT o_c FROM triple WHERE s_c = ?1 AND p = 'sells_to' AND live > 0),
                      r(n) AS (SELECT n FROM h1
                               UNION
                               SELECT t.o_c FROM h1 JOIN triple t ON t.s_c = h1.n AND t.p = 'sells_to' AND t.live > 0)
                 SELECT e.name FROM r JOIN entity e ON e.id = r.n WHERE ?2 = 0 OR r.n != ?1",
                params![x, Q4_EXCLUDES_START as i64],
            )
        }
        5 => query(
            conn,
            &sym(
                "SELECT p, SUM(CASE WHEN p IN {SYM} AND s != o THEN 2 ELSE 1 END) AS n
                    FROM cur GROUP BY p ORDER BY n DESC, p LIMIT 10",
            ),
            params![],
        ),
        6 => q1_as_of(conn, &pr.e1, pr.mid_tx),
        7 => {
            let s = resolve(conn, &pr.s)?;
            let o = resolve(conn, &pr.o)?;
            let symmetric = SYMMETRIC.contains(&pr.p.as_str()) as i64;
            query(
                conn,
                "SELECT DISTINCT a.name, ar.published FROM triple t
                   JOIN support su ON su.triple_id = t.id AND su.retracted_tx IS NULL
                   JOIN entity a ON a.id = su.article_id
                   JOIN article ar ON ar.entity_id = su.article_id
                  WHERE t.p = ?3 AND t.live > 0
                    AND ((t.s_c = ?1 AND t.o_c = ?2) OR (?4 AND t.s_c = ?2 AND t.o_c = ?1))",
                params![s, o, pr.p, symmetric],
            )
        }
        8 => {
            let lo = fold(&pr.prefix);
            let hi = prefix_upper_bound(&lo);
            query(
                conn,
                "SELECT name FROM entity WHERE folded >= ?1 AND folded < ?2 AND canon = id",
                params![lo, hi],
            )
        }
        9 => {
            let lo = fold(&pr.prefix);
            let hi = prefix_upper_bound(&lo);
            query(
                conn,
                "SELECT DISTINCT c.name FROM entity a JOIN entity c ON c.id = a.canon
                  WHERE a.folded >= ?1 AND a.folded < ?2 AND a.canon != a.id",
                params![lo, hi],
            )
        }
        _ => bail!("no question {q}"),
    }
}

pub fn q1_as_of(conn: &Connection, name: &str, t: i64) -> Result<Rows> {
    let e = resolve_as_of(conn, name, t)?;
    // A name's entity as of ?2, and the live-support test as of ?2.
    let name_of = |col: &str| {
        format!(
                    "(SELECT c.name FROM entity c WHERE c.id = COALESCE(
                        (SELECT canon_id FROM alias a WHERE a.alias_id = {col} AND a.tx <= ?2 ORDER BY a.tx DESC LIMIT 1), {col}))"
                )
    };
    let live = "EXISTS (SELECT 1 FROM support su WHERE su.triple_id = t.id AND su.tx <= ?2
                                AND (su.retracted_tx IS NULL OR su.retracted_tx > ?2))";
    let sql = format!(
                "WITH names(id) AS (SELECT ?1 UNION SELECT alias_id FROM alias WHERE canon_id = ?1 AND tx <= ?2)
                 SELECT DISTINCT p, o FROM (
                   SELECT t.p AS p, COALESCE({o_name}, t.lit) AS o FROM triple t
                    WHERE t.s IN names AND {live}
                   UNION ALL
                   SELECT t.p, {s_name} FROM triple t
                    WHERE t.o IN names AND t.p IN {SYM_LIST} AND {live})",
                o_name = name_of("t.o"),
                s_name = name_of("t.s"),
            );
    query(conn, &sql, params![e, t])
}

/// Consistency checks of the SQL against other formulations: the materialized current view
/// against a replay-style query as of the last tx, and Q5 on `cur` against a UNION over
/// `triple`. Returns one message per disagreement.
pub fn selfcheck(conn: &Connection, pr: &Probes, last_tx: i64) -> Result<Vec<String>> {
    let mut bad = Vec::new();
    let sort = |mut r: Rows| {
        r.sort();
        r
    };
    for name in [&pr.e1, &pr.e2, &pr.x, &pr.s, &pr.o] {
        let e = resolve(conn, name)?;
        let now = sort(query(
            conn,
            &format!(
                "SELECT DISTINCT p, o FROM (
                   SELECT t.p AS p, COALESCE(oe.name, t.lit) AS o
                     FROM triple t LEFT JOIN entity oe ON oe.id = t.o_c
                    WHERE t.s_c = ?1 AND t.live > 0
                   UNION ALL
                   SELECT t.p, se.name FROM triple t JOIN entity se ON se.id = t.s_c
                    WHERE t.o_c = ?1 AND t.p IN {SYM_LIST} AND t.live > 0)"
            ),
            params![e],
        )?);
        let replay = sort(q1_as_of(conn, name, last_tx)?);
        if now != replay {
            bad.push(format!(
                "selfcheck: {name:?} ?p ?o: view {} rows, as of #{last_tx} {} rows",
                now.len(),
                replay.len()
            ));
        }
    }
    let q5 = question(conn, 5, pr)?;
    let union = query(
        conn,
        &format!(
            "SELECT p, COUNT(*) AS n FROM (
               SELECT s_c, p, o_c, lit FROM triple WHERE live > 0
               UNION
               SELECT o_c, p, s_c, NULL FROM triple WHERE live > 0 AND p IN {SYM_LIST})
             GROUP BY p ORDER BY n DESC, p LIMIT 10"
        ),
        params![],
    )?;
    if q5 != union {
        bad.push(format!(
            "selfcheck: Q5 on cur {q5:?} != Q5 by UNION {union:?}"
        ));
    }
    Ok(bad)
}
