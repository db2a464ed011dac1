//! Values, entity types and name folding: the vocabulary every other module speaks.
//!
//! A fact's object is a [`Value`]: either an entity (named by a string, resolved through
//! aliases by the view) or a literal. Names are compared by their [`fold`]ed form, so
//! "Émirats arabes unis", "emirats  arabes unis" and "ÉMIRATS ARABES UNIS" are one name;
//! the spelling a user sees is always the one first written (the canonical name).

use std::cmp::Ordering;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};
use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;

/// The type of an entity (SPEC §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityType {
    Person,
    Organization,
    Country,
    Place,
    Product,
    Article,
    Note,
    Other,
}

impl EntityType {
    pub const ALL: [EntityType; 8] = [
        EntityType::Person,
        EntityType::Organization,
        EntityType::Country,
        EntityType::Place,
        EntityType::Product,
        EntityType::Article,
        EntityType::Note,
        EntityType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Person => "Person",
            EntityType::Organization => "Organization",
            EntityType::Country => "Country",
            EntityType::Place => "Place",
            EntityType::Product => "Product",
            EntityType::Article => "Article",
            EntityType::Note => "Note",
            EntityType::Other => "Other",
        }
    }

    /// Parses a type name, case-insensitively.
    pub fn parse(s: &str) -> Option<EntityType> {
        EntityType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An amount of money in an ISO 4217 currency. The amount is kept as a decimal number;
/// amounts in news text ("9 milliards de dollars", "$1.5bn") are exact in an `f64`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Money {
    pub amount: f64,
    pub currency: String,
}

/// A value in object position, or a literal in a query.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Value {
    /// An entity, by name (canonical name or alias). The view resolves it.
    Entity(String),
    Str(String),
    Int(i64),
    Decimal(f64),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Money(Money),
}

impl Value {
    /// The kind of value, as written in `export facts` (`object_kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Entity(_) => "entity",
            Value::Str(_) => "string",
            Value::Int(_) => "integer",
            Value::Decimal(_) => "decimal",
            Value::Date(_) => "date",
            Value::DateTime(_) => "datetime",
            Value::Money(_) => "money",
        }
    }

    pub fn is_entity(&self) -> bool {
        matches!(self, Value::Entity(_))
    }

    /// Numbers as `f64`, for comparisons across integers, decimals and money amounts.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Decimal(d) => Some(*d),
            Value::Money(m) => Some(m.amount),
            _ => None,
        }
    }

    /// Parses a bare literal as `--param` and the import format do: a number, a date, a
    /// date-time or money (`"9000000000 USD"`), else `None`.
    pub fn parse_typed_literal(s: &str) -> Option<Value> {
        let s = s.trim();
        if let Ok(i) = s.parse::<i64>() {
            return Some(Value::Int(i));
        }
        if looks_decimal(s) {
            if let Ok(d) = s.parse::<f64>() {
                return Some(Value::Decimal(d));
            }
        }
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Some(Value::Date(d));
        }
        if let Some(dt) = parse_datetime(s) {
            return Some(Value::DateTime(dt));
        }
        if let Some((amount, currency)) = s.rsplit_once(' ') {
            if currency.len() == 3 && currency.chars().all(|c| c.is_ascii_uppercase()) {
                if let Ok(amount) = amount.trim().parse::<f64>() {
                    if amount.is_finite() {
                        return Some(Value::Money(Money {
                            amount,
                            currency: currency.to_string(),
                        }));
                    }
                }
            }
        }
        None
    }
}

fn looks_decimal(s: &str) -> bool {
    let body = s.strip_prefix('-').unwrap_or(s);
    let mut parts = body.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next().unwrap_or("");
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// Parses an RFC 3339 date-time (`2025-05-14T10:00:00Z`), normalized to UTC.
pub fn parse_datetime(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Formats a number without a trailing `.0` when it is integral.
pub fn format_number(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e17 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

impl fmt::Display for Value {
    /// The text a user sees: names as written, dates in ISO 8601, money as
    /// `"<amount> <currency>"` (SPEC §6).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Entity(s) | Value::Str(s) => f.write_str(s),
            Value::Int(i) => write!(f, "{i}"),
            Value::Decimal(d) => {
                if d.fract() == 0.0 && d.abs() < 1e17 {
                    write!(f, "{d:.1}")
                } else {
                    write!(f, "{d}")
                }
            }
            // Four-digit years by hand: chrono's `format` parses its pattern on every
            // call, which showed in the rendering of long date columns.
            Value::Date(d) if (0..=9999).contains(&d.year()) => {
                write!(f, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
            }
            Value::DateTime(t) if (0..=9999).contains(&t.year()) => write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            Value::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Value::DateTime(d) => write!(f, "{}", d.format("%Y-%m-%dT%H:%M:%SZ")),
            Value::Money(m) => write!(f, "{} {}", format_number(m.amount), m.currency),
        }
    }
}

/// Equality is exact (bit-equal floats), so that values can key hash maps. Entities
/// compare by folded name.
impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Entity(a), Value::Entity(b)) => fold(a) == fold(b),
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Decimal(a), Value::Decimal(b)) => a.to_bits() == b.to_bits(),
            (Value::Date(a), Value::Date(b)) => a == b,
            (Value::DateTime(a), Value::DateTime(b)) => a == b,
            (Value::Money(a), Value::Money(b)) => {
                a.amount.to_bits() == b.amount.to_bits() && a.currency == b.currency
            }
            _ => false,
        }
    }
}

impl Eq for Value {}

impl std::hash::Hash for Value {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::mem::discriminant(self).hash(state);
        match self {
            Value::Entity(s) => fold(s).hash(state),
            Value::Str(s) => s.hash(state),
            Value::Int(i) => i.hash(state),
            Value::Decimal(d) => d.to_bits().hash(state),
            Value::Date(d) => d.hash(state),
            Value::DateTime(d) => d.hash(state),
            Value::Money(m) => {
                m.amount.to_bits().hash(state);
                m.currency.hash(state);
            }
        }
    }
}

/// The order of SPEC §3: strings (and entity names) by folded form, ties broken by code
/// point; numbers, dates and money by value. Values of different kinds order by kind
/// (numbers, then dates, then strings and names) so that sorting is total.
pub fn compare_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Int(_) | Value::Decimal(_) | Value::Money(_) => 0,
            Value::Date(_) | Value::DateTime(_) => 1,
            Value::Str(_) | Value::Entity(_) => 2,
        }
    }
    match (a, b) {
        (Value::Str(x) | Value::Entity(x), Value::Str(y) | Value::Entity(y)) => compare_text(x, y),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::DateTime(x), Value::DateTime(y)) => x.cmp(y),
        (Value::Date(x), Value::DateTime(y)) => date_start(x).cmp(y).then(Ordering::Less),
        (Value::DateTime(x), Value::Date(y)) => x.cmp(&date_start(y)).then(Ordering::Greater),
        (Value::Money(x), Value::Money(y)) => x
            .amount
            .total_cmp(&y.amount)
            .then_with(|| x.currency.cmp(&y.currency)),
        _ => match (a.as_number(), b.as_number()) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => rank(a).cmp(&rank(b)),
        },
    }
}

/// Compares two strings by folded form, ties broken by code point.
pub fn compare_text(a: &str, b: &str) -> Ordering {
    fold(a).cmp(&fold(b)).then_with(|| a.cmp(b))
}

fn date_start(d: &NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// Folds a name for matching: lower case, accents removed, typographic apostrophes and
/// quotes made plain, white space collapsed and trimmed.
///
/// ASCII input without upper case or runs of spaces is returned as is, without
/// decomposition: most names and every query keyword take that path.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_into(s, &mut out);
    out
}

/// [`fold`] into a buffer the caller reuses.
pub fn fold_into(s: &str, out: &mut String) {
    out.clear();
    let mut pending_space = false;
    if s.is_ascii() {
        for b in s.bytes() {
            if b.is_ascii_whitespace() {
                pending_space = !out.is_empty();
                continue;
            }
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(b.to_ascii_lowercase() as char);
        }
        return;
    }
    fold_chars(s, |c| {
        out.push(c);
        true
    });
}

/// Whether `fold(s) == folded`, without building the fold: it stops at the first
/// character that differs, which for most pairs of names is the first.
pub fn fold_eq(s: &str, folded: &str) -> bool {
    let mut want = folded.chars();
    let mut same = true;
    fold_chars(s, |c| {
        same = want.next() == Some(c);
        same
    });
    same && want.next().is_none()
}

/// Whether `fold(s)` starts with `folded_prefix` (itself a fold), without building the
/// fold: it stops at the first character that differs, or once the prefix is matched.
pub fn fold_starts_with(s: &str, folded_prefix: &str) -> bool {
    let mut want = folded_prefix.chars();
    let Some(mut next) = want.next() else {
        return true;
    };
    let mut matched = false;
    fold_chars(s, |c| {
        if c != next {
            return false;
        }
        match want.next() {
            Some(n) => {
                next = n;
                true
            }
            None => {
                matched = true;
                false
            }
        }
    });
    matched
}

/// The characters of [`fold`]`(s)`, in order, to `emit` until it returns false.
#[inline]
fn fold_chars(s: &str, mut emit: impl FnMut(char) -> bool) {
    let mut pending_space = false;
    let mut any = false;
    // Each character is decomposed on its own: combining marks are dropped, so the
    // canonical reordering a full NFD pass would do cannot change the result.
    let mut push = |c: char| -> bool {
        if c.is_ascii() {
            if c.is_ascii_whitespace() {
                pending_space = any;
                return true;
            }
        } else {
            if is_combining_mark(c) {
                return true;
            }
            if c.is_whitespace() {
                pending_space = any;
                return true;
            }
        }
        if pending_space {
            pending_space = false;
            if !emit(' ') {
                return false;
            }
        }
        any = true;
        if c.is_ascii() {
            return emit(c.to_ascii_lowercase());
        }
        match c {
            '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{2032}' | '`' | '\u{00B4}' => emit('\''),
            '\u{201C}' | '\u{201D}' | '\u{00AB}' | '\u{00BB}' | '\u{201E}' => emit('"'),
            '\u{2010}'..='\u{2015}' => emit('-'),
            'ß' => emit('s') && emit('s'),
            'æ' | 'Æ' => emit('a') && emit('e'),
            'œ' | 'Œ' => emit('o') && emit('e'),
            'ø' | 'Ø' => emit('o'),
            'ł' | 'Ł' => emit('l'),
            _ => c.to_lowercase().all(&mut emit),
        }
    };
    for c in s.chars() {
        if c.is_ascii() {
            if !push(c) {
                return;
            }
        } else {
            let mut go = true;
            unicode_normalization::char::decompose_canonical(c, |d| {
                if go {
                    go = push(d);
                }
            });
            if !go {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dates print as chrono's ISO patterns did, by hand for four-digit years.
    #[test]
    fn dates_display_in_iso_8601() {
        for (y, m, d) in [
            (2025, 5, 14),
            (7, 1, 2),
            (0, 12, 31),
            (9999, 12, 31),
            (-44, 3, 15),
            (12025, 1, 1),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(
                Value::Date(date).to_string(),
                date.format("%Y-%m-%d").to_string()
            );
            let t = date.and_hms_opt(9, 5, 7).unwrap().and_utc();
            assert_eq!(
                Value::DateTime(t).to_string(),
                t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            );
        }
    }

    /// Texts that folding treats specially: accents, ligatures, spaces, a lone prefix.
    const FOLD_SAMPLES: [&str; 13] = [
        "Émirats arabes unis",
        "emirats  arabes unis",
        "  L’administration\tTrump ",
        "Straße",
        "Æsir Œuvre",
        "e\u{301}lan",
        "ÉLAN",
        "élan ",
        "el",
        "",
        " ",
        "İstanbul",
        "a\u{b}b",
    ];

    #[test]
    fn fold_eq_agrees_with_fold() {
        let texts = FOLD_SAMPLES;
        for a in texts {
            for b in texts {
                assert_eq!(fold_eq(a, &fold(b)), fold(a) == fold(b), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn fold_starts_with_agrees_with_fold() {
        let texts = FOLD_SAMPLES;
        for a in texts {
            for b in texts {
                let fb = fold(b);
                let mut cut = 0;
                loop {
                    let p = fb.get(..cut).unwrap_or("");
                    assert_eq!(
                        fold_starts_with(a, p),
                        fold(a).starts_with(p),
                        "{a:?} vs {p:?}"
                    );
                    match fb.get(cut..).and_then(|r| r.chars().next()) {
                        Some(c) => cut += c.len_utf8(),
                        None => break,
                    }
                }
            }
        }
    }

    #[test]
    fn fold_matches_spec_examples() {
        assert_eq!(fold("Émirats arabes unis"), "emirats arabes unis");
        assert_eq!(fold("emirats  arabes unis"), "emirats arabes unis");
        assert_eq!(fold("ÉMIRATS ARABES UNIS"), "emirats arabes unis");
        assert_eq!(fold("  L’administration\tTrump "), "l'administration trump");
        assert_eq!(fold("G42"), "g42");
    }

    #[test]
    fn typed_literals() {
        assert_eq!(Value::parse_typed_literal("42"), Some(Value::Int(42)));
        assert_eq!(Value::parse_typed_literal("4.5"), Some(Value::Decimal(4.5)));
        assert!(matches!(
            Value::parse_typed_literal("2025-05-14"),
            Some(Value::Date(_))
        ));
        assert!(matches!(
            Value::parse_typed_literal("2025-05-14T10:00:00Z"),
            Some(Value::DateTime(_))
        ));
        assert_eq!(
            Value::parse_typed_literal("9000000000 USD").map(|v| v.to_string()),
            Some("9000000000 USD".to_string())
        );
        assert_eq!(Value::parse_typed_literal("G42"), None);
        assert_eq!(Value::parse_typed_literal("nan"), None);
    }

    #[test]
    fn order_is_folded_then_code_point() {
        let mut v = vec!["b", "É", "a", "e"];
        v.sort_by(|a, b| compare_text(a, b));
        assert_eq!(v, vec!["a", "b", "e", "É"]);
    }
}
