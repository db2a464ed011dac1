//! Stage 7: literals — money and dates — found in a sentence by regular expressions.
//!
//! They run before mention detection in practice (so "Mai 2025" or "9 milliards" are
//! never taken for names) but are a stage of their own: each literal is a byte range of
//! the normalized text and a value. Money becomes [`Money`] (amount × scale, ISO
//! currency; French "billion" is 10¹², French "1,5" is one and a half). Dates resolve
//! against the article's published date when they are relative ("hier", "last week",
//! "l'année dernière"); without one, they stay the text as written.

use std::sync::OnceLock;

use chrono::{Datelike, Duration, NaiveDate};
use regex::Regex;

use crate::value::{fold, Money, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum DateValue {
    Day(NaiveDate),
    Month(i32, u32),
    Year(i32),
    /// Unresolved (relative, no published date): the text as written.
    Text(String),
}

impl DateValue {
    /// The value of a `date` qualifier: a date when the day is known, else ISO text
    /// of the known precision ("2024-05", "2024") or the words as written.
    pub fn to_value(&self) -> Value {
        match self {
            DateValue::Day(d) => Value::Date(*d),
            DateValue::Month(y, m) => Value::Str(format!("{y:04}-{m:02}")),
            DateValue::Year(y) => Value::Str(format!("{y:04}")),
            DateValue::Text(t) => Value::Str(t.clone()),
        }
    }
}

#[derive(Debug, Clone)]
pub enum LitValue {
    Money(Money),
    Date(DateValue),
}

impl PartialEq for LitValue {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (LitValue::Money(a), LitValue::Money(b)) => {
                a.amount == b.amount && a.currency == b.currency
            }
            (LitValue::Date(a), LitValue::Date(b)) => a == b,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Literal {
    /// byte range in the text given to [`find`]
    pub start: usize,
    pub end: usize,
    pub value: LitValue,
}

const NUM: &str = r"(\d{1,3}(?:[ .,]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)";
const SCALE: &str =
    r"(trillions?|billions?|milliards?|millions?|mds?|mrds?|mns?|bn|tn|md|m|b|k|mille)";
const CUR_WORD: &str = r"(dollars?|euros?|livres?(?:\s+sterling)?|pounds?(?:\s+sterling)?|yuans?|yens?|francs?\s+suisses|swiss\s+francs?|dirhams?|riyals?|roubles?|rubles?|usd|eur|gbp|cny|jpy|chf|aed|sar|\$|€|£)";

struct Res {
    money_symbol: Regex,
    money_word: Regex,
    iso: Regex,
    day_fr: Regex,
    day_en1: Regex,
    day_en2: Regex,
    month_year: Regex,
    /// A month alone after a preposition: "en juin", "in March", "depuis janvier".
    bare_month: Regex,
    year: Regex,
    relative: Regex,
    weekday: Regex,
}

fn res() -> Option<&'static Res> {
    static R: OnceLock<Option<Res>> = OnceLock::new();
    R.get_or_init(|| {
        // Whole names; abbreviations are read only inside fuller dates ("d'ici sept
        // ans" is seven years, not September).
        let full_months = "janvier|fevrier|février|mars|avril|mai|juin|juillet|aout|août|septembre|octobre|novembre|decembre|décembre|january|february|march|april|may|june|july|august|september|october|november|december";
        let months = format!(
            "{full_months}|jan\\.?|feb\\.?|aug\\.?|sept?\\.?|oct\\.?|nov\\.?|dec\\.?"
        );
        Some(Res {
            money_symbol: Regex::new(&format!(
                r"(?i)(US\$|\$|€|£|¥)\s?{NUM}(?:\s?{SCALE}(?-u:\b))?"
            ))
            .ok()?,
            money_word: Regex::new(&format!(
                r"(?i)(?-u:\b){NUM}\s*(?:{SCALE}\s*)?(?:de\s+|d'|of\s+)?{CUR_WORD}(?:(?-u:\b)|$|\s)"
            ))
            .ok()?,
            iso: Regex::new(r"(?-u:\b)(\d{4})-(\d{2})-(\d{2})(?-u:\b)").ok()?,
            day_fr: Regex::new(&format!(r"(?i)(?-u:\b)(1er|\d{{1,2}})\s+({months})(?:\s+(\d{{4}}))?(?-u:\b)")).ok()?,
            day_en1: Regex::new(&format!(
                r"(?i)(?-u:\b)({months})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?-u:\b)(?:,?\s+(\d{{4}}))?"
            ))
            .ok()?,
            day_en2: Regex::new(&format!(r"(?i)(?-u:\b)(\d{{1,2}})(?:st|nd|rd|th)\s+(?:of\s+)?({months})(?:\s+(\d{{4}}))?(?-u:\b)")).ok()?,
            month_year: Regex::new(&format!(r"(?i)(?-u:\b)({months})\s+(\d{{4}})(?-u:\b)")).ok()?,
            bare_month: Regex::new(&format!(r"(?i)(?-u:\b)(?:en|in|depuis|since|d'ici|by|until|fin|end of|début|debut|mi-|au mois de|early|late)\s*({full_months})(?-u:\b)")).ok()?,
            year: Regex::new(r"(?i)(?-u:\b)(?:en|in|depuis|since|d'ici|by|fin|end of|debut|début)\s+((?:19|20)\d{2})(?-u:\b)").ok()?,
            relative: Regex::new(r"(?i)(?-u:\b)(l'ann[ée]e derni[èe]re|l'an dernier|l'an pass[ée]|last year|cette ann[ée]e|this year|l'ann[ée]e prochaine|next year|avant-hier|hier|yesterday|aujourd'hui|today|demain|tomorrow|la semaine derni[èe]re|la semaine pass[ée]e|last week|cette semaine|this week|la semaine prochaine|next week|le mois dernier|le mois pass[ée]|last month|ce mois-ci|this month|le mois prochain|next month)").ok()?,
            weekday: Regex::new(r"(?i)(?-u:\b)(?:(last|next)\s+)?(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:\s+(dernier|prochain))?(?-u:\b)").ok()?,
        })
    })
    .as_ref()
}

/// Parses a number as written: "1,5" (French decimal), "1,500" (English thousands),
/// "1 000", "1.000.000", "3.5".
pub fn parse_number(s: &str, lang: &str) -> Option<f64> {
    let s = s.trim();
    let grouped = |sep: char| {
        let parts: Vec<&str> = s.split(sep).collect();
        let [first, rest @ ..] = parts.as_slice() else {
            return false;
        };
        !rest.is_empty()
            && first.len() <= 3
            && rest.iter().all(|p| p.len() == 3)
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    };
    let cleaned: String =
        if grouped(' ') || (grouped(',') && lang != "fr") || (grouped('.') && lang == "fr") {
            s.chars().filter(|c| c.is_ascii_digit()).collect()
        } else if s.contains(' ') {
            // "1 000,5": spaces group, comma is the decimal point.
            s.replace(' ', "").replace(',', ".")
        } else if s.contains(',') && s.contains('.') {
            // "1,000.5" or "1.000,5": the last separator is the decimal point.
            let (lc, ld) = (s.rfind(',').unwrap_or(0), s.rfind('.').unwrap_or(0));
            if lc > ld {
                s.replace('.', "").replace(',', ".")
            } else {
                s.replace(',', "")
            }
        } else {
            s.replace(',', ".")
        };
    cleaned.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn scale_of(s: &str, lang: &str) -> f64 {
    match fold(s).as_str() {
        "trillion" | "trillions" | "tn" => 1e12,
        "billion" | "billions" if lang == "fr" => 1e12,
        "billion" | "billions" | "bn" | "b" | "milliard" | "milliards" | "md" | "mds" | "mrd"
        | "mrds" => 1e9,
        "million" | "millions" | "m" | "mn" | "mns" => 1e6,
        "k" | "mille" => 1e3,
        _ => 1.0,
    }
}

fn currency_of(s: &str) -> Option<&'static str> {
    let f = fold(s);
    let f = f.as_str();
    Some(
        if f.starts_with("dollar") || f == "$" || f == "usd" || f == "us$" {
            "USD"
        } else if f.starts_with("euro") || f == "€" || f == "eur" {
            "EUR"
        } else if f.starts_with("livre") || f.starts_with("pound") || f == "£" || f == "gbp" {
            "GBP"
        } else if f.starts_with("yuan") || f == "cny" {
            "CNY"
        } else if f.starts_with("yen") || f == "¥" || f == "jpy" {
            "JPY"
        } else if f.contains("franc") || f == "chf" {
            "CHF"
        } else if f.starts_with("dirham") || f == "aed" {
            "AED"
        } else if f.starts_with("riyal") || f == "sar" {
            "SAR"
        } else if f.starts_with("roub") || f.starts_with("rub") {
            "RUB"
        } else {
            return None;
        },
    )
}

fn money(num: &str, scale: Option<&str>, cur: &str, lang: &str) -> Option<Money> {
    let n = parse_number(num, lang)?;
    let amount = n * scale.map(|s| scale_of(s, lang)).unwrap_or(1.0);
    let amount = (amount * 100.0).round() / 100.0;
    Some(Money {
        amount,
        currency: currency_of(cur)?.to_string(),
    })
}

fn month_num(s: &str) -> Option<u32> {
    let f = fold(s);
    let f = f.trim_end_matches('.');
    let p = |x: &str| f.starts_with(x);
    Some(match () {
        _ if p("jan") => 1,
        _ if p("fev") || p("feb") => 2,
        _ if p("mar") => 3,
        _ if p("avr") || p("apr") => 4,
        _ if f == "mai" || f == "may" => 5,
        _ if p("juin") || p("june") || f == "jun" => 6,
        _ if p("juil") || p("jul") => 7,
        _ if p("aou") || p("aug") => 8,
        _ if p("sep") => 9,
        _ if p("oct") => 10,
        _ if p("nov") => 11,
        _ if p("dec") => 12,
        _ => return None,
    })
}

fn weekday_num(s: &str) -> Option<u32> {
    let days = [
        ["lundi", "monday"],
        ["mardi", "tuesday"],
        ["mercredi", "wednesday"],
        ["jeudi", "thursday"],
        ["vendredi", "friday"],
        ["samedi", "saturday"],
        ["dimanche", "sunday"],
    ];
    let f = fold(s);
    days.iter()
        .position(|d| d.contains(&f.as_str()))
        .map(|i| i as u32)
}

fn overlaps(found: &[Literal], s: usize, e: usize) -> bool {
    found.iter().any(|l| l.start < e && s < l.end)
}

/// Finds money and dates in `text` (one sentence of normalized text).
pub fn find(text: &str, lang: &str, published: Option<NaiveDate>) -> Vec<Literal> {
    let mut out: Vec<Literal> = Vec::new();
    let Some(r) = res() else { return out };
    // Money and absolute dates need a digit: most sentences skip those expressions.
    let digits = text.bytes().any(|b| b.is_ascii_digit());
    for c in r
        .money_word
        .captures_iter(text)
        .take(if digits { usize::MAX } else { 0 })
    {
        let (Some(m), Some(num), Some(cur)) = (c.get(0), c.get(1), c.get(3)) else {
            continue;
        };
        if let Some(v) = money(
            num.as_str(),
            c.get(2).map(|s| s.as_str()),
            cur.as_str(),
            lang,
        ) {
            out.push(Literal {
                start: m.start(),
                end: cur.end(),
                value: LitValue::Money(v),
            });
        }
    }
    for c in r
        .money_symbol
        .captures_iter(text)
        .take(if digits { usize::MAX } else { 0 })
    {
        let (Some(m), Some(sym), Some(num)) = (c.get(0), c.get(1), c.get(2)) else {
            continue;
        };
        if overlaps(&out, m.start(), m.end()) {
            continue;
        }
        if let Some(v) = money(
            num.as_str(),
            c.get(3).map(|s| s.as_str()),
            sym.as_str(),
            lang,
        ) {
            out.push(Literal {
                start: m.start(),
                end: m.end(),
                value: LitValue::Money(v),
            });
        }
    }
    let push_date = |out: &mut Vec<Literal>, s: usize, e: usize, d: Option<DateValue>| {
        if let Some(d) = d {
            if !overlaps(out, s, e) {
                out.push(Literal {
                    start: s,
                    end: e,
                    value: LitValue::Date(d),
                });
            }
        }
    };
    let year_of = |y: Option<regex::Match>| -> Option<i32> {
        match y {
            Some(y) => y.as_str().parse().ok(),
            None => published.map(|p| p.year()),
        }
    };
    for c in r
        .iso
        .captures_iter(text)
        .take(if digits { usize::MAX } else { 0 })
    {
        let Some(m) = c.get(0) else { continue };
        let d = NaiveDate::parse_from_str(m.as_str(), "%Y-%m-%d")
            .ok()
            .map(DateValue::Day);
        push_date(&mut out, m.start(), m.end(), d);
    }
    for re in [&r.day_fr, &r.day_en2] {
        for c in re
            .captures_iter(text)
            .take(if digits { usize::MAX } else { 0 })
        {
            let (Some(m), Some(day), Some(mon)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            let day: u32 = if day.as_str().eq_ignore_ascii_case("1er") {
                1
            } else {
                day.as_str().parse().unwrap_or(0)
            };
            let d = match (year_of(c.get(3)), month_num(mon.as_str())) {
                (Some(y), Some(mo)) => NaiveDate::from_ymd_opt(y, mo, day).map(DateValue::Day),
                _ => None,
            };
            push_date(&mut out, m.start(), m.end(), d);
        }
    }
    for c in r
        .day_en1
        .captures_iter(text)
        .take(if digits { usize::MAX } else { 0 })
    {
        let (Some(m), Some(mon), Some(day)) = (c.get(0), c.get(1), c.get(2)) else {
            continue;
        };
        // "May 2" is a date, "may 2" in running English is a modal verb: require a capital.
        if !mon.as_str().starts_with(|ch: char| ch.is_uppercase()) {
            continue;
        }
        let d = match (
            year_of(c.get(3)),
            month_num(mon.as_str()),
            day.as_str().parse::<u32>(),
        ) {
            (Some(y), Some(mo), Ok(dd)) => NaiveDate::from_ymd_opt(y, mo, dd).map(DateValue::Day),
            _ => None,
        };
        push_date(&mut out, m.start(), m.end(), d);
    }
    for c in r
        .month_year
        .captures_iter(text)
        .take(if digits { usize::MAX } else { 0 })
    {
        let (Some(m), Some(mon), Some(y)) = (c.get(0), c.get(1), c.get(2)) else {
            continue;
        };
        let d = match (y.as_str().parse::<i32>(), month_num(mon.as_str())) {
            (Ok(y), Some(mo)) => Some(DateValue::Month(y, mo)),
            _ => None,
        };
        push_date(&mut out, m.start(), m.end(), d);
    }
    for c in r
        .year
        .captures_iter(text)
        .take(if digits { usize::MAX } else { 0 })
    {
        let Some(y) = c.get(1) else { continue };
        let d = y.as_str().parse::<i32>().ok().map(DateValue::Year);
        push_date(&mut out, y.start(), y.end(), d);
    }
    // Relative dates and weekdays need one of a few words: a cheap test first.
    let lower = text.to_lowercase();
    let relative = [
        "hier",
        "yesterday",
        "today",
        "aujourd",
        "demain",
        "tomorrow",
        "semaine",
        "week",
        "mois",
        "month",
        "ann",
        "an ",
        "year",
    ]
    .iter()
    .any(|w| lower.contains(w));
    let weekday = lower.contains("di") || lower.contains("day");
    for c in r
        .relative
        .captures_iter(text)
        .take(if relative { usize::MAX } else { 0 })
    {
        let Some(m) = c.get(0) else { continue };
        // The word must end here ("hier" is not the start of "hierarchy").
        if text[m.end()..]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
        {
            continue;
        }
        let d = Some(resolve_relative(m.as_str(), published));
        push_date(&mut out, m.start(), m.end(), d);
    }
    for c in r
        .weekday
        .captures_iter(text)
        .take(if weekday { usize::MAX } else { 0 })
    {
        let (Some(m), Some(day)) = (c.get(0), c.get(2)) else {
            continue;
        };
        let next = c
            .get(1)
            .is_some_and(|x| x.as_str().eq_ignore_ascii_case("next"))
            || c.get(3).is_some_and(|x| fold(x.as_str()) == "prochain");
        let d = match (published, weekday_num(day.as_str())) {
            (Some(p), Some(w)) => {
                let cur = p.weekday().num_days_from_monday();
                let delta = if next {
                    ((w + 7 - cur) % 7).max(1) as i64
                } else {
                    -(((cur + 7 - w) % 7) as i64)
                };
                p.checked_add_signed(Duration::days(delta))
                    .map(DateValue::Day)
            }
            _ => Some(DateValue::Text(m.as_str().to_string())),
        };
        push_date(&mut out, m.start(), m.end(), d);
    }
    // Last: a month that a fuller date above already holds is not read again.
    for c in r.bare_month.captures_iter(text) {
        let Some(mon) = c.get(1) else { continue };
        // An English month is capitalized ("in may" is a modal verb); a French one is
        // not ("en Mars" is the planet or the company).
        let capital = mon.as_str().starts_with(char::is_uppercase);
        if capital == (lang == "fr") {
            continue;
        }
        let d = match (published, month_num(mon.as_str())) {
            // The latest such month up to the publication: news reports what happened.
            (Some(p), Some(m)) => {
                let year = if m <= p.month() {
                    p.year()
                } else {
                    p.year() - 1
                };
                Some(DateValue::Month(year, m))
            }
            _ => Some(DateValue::Text(mon.as_str().to_string())),
        };
        push_date(&mut out, mon.start(), mon.end(), d);
    }
    out.sort_by_key(|l| l.start);
    out
}

fn resolve_relative(words: &str, published: Option<NaiveDate>) -> DateValue {
    let Some(p) = published else {
        return DateValue::Text(words.to_string());
    };
    let f = fold(words);
    let f = f.as_str();
    let day = |n: i64| p.checked_add_signed(Duration::days(n)).map(DateValue::Day);
    let month = |delta: i32| {
        let idx = p.year() * 12 + p.month0() as i32 + delta;
        DateValue::Month(idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1)
    };
    let r = match f {
        _ if f.contains("annee derniere")
            || f.contains("an dernier")
            || f.contains("an passe")
            || f == "last year" =>
        {
            Some(DateValue::Year(p.year() - 1))
        }
        _ if f.contains("cette annee") || f == "this year" => Some(DateValue::Year(p.year())),
        _ if f.contains("annee prochaine") || f == "next year" => {
            Some(DateValue::Year(p.year() + 1))
        }
        "avant-hier" => day(-2),
        "hier" | "yesterday" => day(-1),
        "aujourd'hui" | "today" => day(0),
        "demain" | "tomorrow" => day(1),
        _ if f.contains("semaine derniere") || f.contains("semaine passee") || f == "last week" => {
            day(-7)
        }
        _ if f.contains("cette semaine") || f == "this week" => day(0),
        _ if f.contains("semaine prochaine") || f == "next week" => day(7),
        _ if f.contains("mois dernier") || f.contains("mois passe") || f == "last month" => {
            Some(month(-1))
        }
        _ if f.contains("ce mois") || f == "this month" => Some(month(0)),
        _ if f.contains("mois prochain") || f == "next month" => Some(month(1)),
        _ => None,
    };
    r.unwrap_or_else(|| DateValue::Text(words.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn money_of(t: &str, lang: &str) -> Vec<(String, f64, String)> {
        find(t, lang, None)
            .into_iter()
            .filter_map(|l| match l.value {
                LitValue::Money(m) => Some((t[l.start..l.end].to_string(), m.amount, m.currency)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn money_forms() {
        let m = money_of("une note de 9 milliards de dollars entre", "fr");
        assert_eq!(
            m,
            vec![("9 milliards de dollars".into(), 9e9, "USD".into())]
        );
        assert_eq!(money_of("paid $1.5bn for", "en")[0].1, 1.5e9);
        assert_eq!(money_of("a £11bn deal", "en")[0].2, "GBP");
        assert_eq!(money_of("1,5 milliard d'euros", "fr")[0].1, 1.5e9);
        assert_eq!(money_of("€200m", "en")[0].1, 2e8);
        assert_eq!(money_of("500 millions de dollars", "fr")[0].1, 5e8);
        // Machine-translated English keeps the French "de".
        assert_eq!(money_of("worth 2 billion of dollars", "en")[0].1, 2e9);
        assert_eq!(money_of("US$ 2 billion", "en")[0].1, 2e9);
        assert_eq!(money_of("1,500 dollars", "en")[0].1, 1500.0);
        assert_eq!(money_of("3 000 euros", "fr")[0].1, 3000.0);
        assert_eq!(money_of("40 billion dollars", "en")[0].1, 4e10);
        assert!(money_of("40 per cent and 3 chips", "en").is_empty());
    }

    #[test]
    fn dates_absolute_and_relative() {
        let p = NaiveDate::from_ymd_opt(2025, 5, 14);
        let d = |t: &str| {
            find(t, "fr", p)
                .into_iter()
                .map(|l| l.value)
                .collect::<Vec<_>>()
        };
        let day = |y, m, dd| {
            LitValue::Date(DateValue::Day(
                NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default(),
            ))
        };
        assert_eq!(d("le 13 mai 2025 à Paris"), vec![day(2025, 5, 13)]);
        assert_eq!(d("On May 2, 2024 it"), vec![day(2024, 5, 2)]);
        assert_eq!(
            d("signé l'année dernière"),
            vec![LitValue::Date(DateValue::Year(2024))]
        );
        assert_eq!(d("hier soir"), vec![day(2025, 5, 13)]);
        assert_eq!(d("yesterday"), vec![day(2025, 5, 13)]);
        assert_eq!(d("last week"), vec![day(2025, 5, 7)]);
        assert_eq!(
            d("en mars 2023"),
            vec![LitValue::Date(DateValue::Month(2023, 3))]
        );
        assert_eq!(d("lundi"), vec![day(2025, 5, 12)]);
        assert_eq!(d("you may 2 x"), vec![]);
        assert_eq!(
            find("l'année dernière", "fr", None)[0].value,
            LitValue::Date(DateValue::Text("l'année dernière".into()))
        );
    }

    #[test]
    fn a_month_alone_after_a_preposition() {
        let month = |t: &str, lang: &str, published| {
            find(t, lang, published)
                .into_iter()
                .map(|l| (t[l.start..l.end].to_string(), l.value))
                .collect::<Vec<_>>()
        };
        let sept_2025 = NaiveDate::from_ymd_opt(2025, 9, 10);
        let feb_2025 = NaiveDate::from_ymd_opt(2025, 2, 1);
        let m = |y, mo| LitValue::Date(DateValue::Month(y, mo));
        // The latest such month up to the publication.
        assert_eq!(
            month("L'accord a été validé en juin.", "fr", sept_2025),
            vec![("juin".to_string(), m(2025, 6))]
        );
        assert_eq!(
            month("The deal was approved in March.", "en", feb_2025),
            vec![("March".to_string(), m(2024, 3))]
        );
        // Unresolved without a publication date: the word as written.
        assert_eq!(
            month("Les ventes progressent depuis janvier.", "fr", None),
            vec![(
                "janvier".to_string(),
                LitValue::Date(DateValue::Text("janvier".to_string()))
            )]
        );
        // Not months: a modal verb, a number, the planet.
        assert!(month("Prices in may rise.", "en", feb_2025).is_empty());
        assert!(month("Il vise la rentabilité d'ici sept ans.", "fr", feb_2025).is_empty());
        assert!(month(
            "Une sonde en route vers Mars, puis en Mars.",
            "fr",
            feb_2025
        )
        .is_empty());
        // A fuller date keeps its precision.
        assert_eq!(
            month("Signé en mars 2023.", "fr", feb_2025),
            vec![("mars 2023".to_string(), m(2023, 3))]
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_number("1,5", "fr"), Some(1.5));
        assert_eq!(parse_number("1,500", "en"), Some(1500.0));
        assert_eq!(parse_number("1.000.000", "fr"), Some(1e6));
        assert_eq!(parse_number("1 000,5", "fr"), Some(1000.5));
        assert_eq!(parse_number("x", "fr"), None);
    }
}
