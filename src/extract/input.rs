//! Reading articles: plain text (`.txt`, `.md`), JSON (`{title, url, published,
//! language, text}`, or an array of them), folders (recursively, in sorted order, so a
//! run is deterministic) and standard input (`-`).
//!
//! Bad input is refused with an [`Error::InvalidInput`] naming the file: binary files
//! (NUL bytes), empty files, files over [`MAX_INPUT_BYTES`]. Text that is not UTF-8 is
//! decoded as Windows-1252 (the usual culprit for French news copied from old systems)
//! and a notice says so, carried in [`ArticleInput::notices`].

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use super::ArticleInput;
use crate::error::Error;

/// Files larger than this are refused.
pub const MAX_INPUT_BYTES: u64 = 50 << 20;

/// Metadata for plain-text input (command-line flags).
#[derive(Debug, Clone, Default)]
pub struct InputDefaults {
    /// "fr", "en", or None / "auto" to detect
    pub lang: Option<String>,
    pub published: Option<NaiveDate>,
    pub url: Option<String>,
    pub title: Option<String>,
}

#[derive(Deserialize)]
struct JsonArticle {
    id: Option<String>,
    title: Option<String>,
    url: Option<String>,
    published: Option<String>,
    #[serde(alias = "lang")]
    language: Option<String>,
    text: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum JsonInput {
    One(JsonArticle),
    Many(Vec<JsonArticle>),
}

/// Parses a date as `YYYY-MM-DD`, or the date part of an RFC 3339 date-time.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().or_else(|| {
        s.get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    })
}

/// Reads every article named by `paths`.
pub fn read_inputs(
    paths: &[PathBuf],
    defaults: &InputDefaults,
) -> Result<Vec<ArticleInput>, Error> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .take(MAX_INPUT_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| Error::io("cannot read standard input", e))?;
            if bytes.len() as u64 > MAX_INPUT_BYTES {
                return Err(crate::errinput!(
                    "standard input: more than {} MB, refused",
                    MAX_INPUT_BYTES >> 20
                ));
            }
            out.extend(from_bytes("-", &bytes, false, defaults)?);
            continue;
        }
        let meta = std::fs::metadata(p)
            .map_err(|e| Error::io(format!("cannot read {}", p.display()), e))?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files)?;
            files.sort();
            for f in files {
                out.extend(read_file(&f, defaults)?);
            }
        } else {
            out.extend(read_file(p, defaults)?);
        }
    }
    Ok(out)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), Error> {
    let rd = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("cannot list {}", dir.display()), e))?;
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(format!("cannot list {}", dir.display()), e))?;
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        let ft = entry
            .file_type()
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        if ft.is_dir() {
            walk(&path, files)?;
        } else if is_article_name(&name) {
            files.push(path);
        }
    }
    Ok(())
}

/// Article files in a folder: `.txt`, `.md`, `.json`, but not gold annotations.
fn is_article_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    !lower.ends_with(".gold.json")
        && (lower.ends_with(".txt") || lower.ends_with(".md") || lower.ends_with(".json"))
}

fn read_file(path: &Path, defaults: &InputDefaults) -> Result<Vec<ArticleInput>, Error> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::io(format!("cannot read {shown}"), e))?;
    if meta.len() > MAX_INPUT_BYTES {
        return Err(crate::errinput!(
            "{shown}: {} MB, more than the limit of {} MB; split it or pass a smaller file",
            meta.len() >> 20,
            MAX_INPUT_BYTES >> 20
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(format!("cannot read {shown}"), e))?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    from_bytes(&shown, &bytes, json, defaults)
}

fn from_bytes(
    origin: &str,
    bytes: &[u8],
    json: bool,
    defaults: &InputDefaults,
) -> Result<Vec<ArticleInput>, Error> {
    if bytes.contains(&0) {
        return Err(crate::errinput!(
            "{origin}: binary file (contains NUL bytes), not an article"
        ));
    }
    let mut notices = Vec::new();
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{FEFF}').to_string(),
        Err(_) => {
            // The caller names the file (ingest prefixes each notice with its origin).
            notices.push("not UTF-8; decoded as Windows-1252".to_string());
            decode_windows_1252(bytes)
        }
    };
    if text.trim().is_empty() {
        return Err(crate::errinput!("{origin}: empty file, no article text"));
    }
    let lang = defaults
        .lang
        .clone()
        .filter(|l| !l.eq_ignore_ascii_case("auto"));
    if !json {
        return Ok(vec![ArticleInput {
            id: None,
            title: defaults.title.clone(),
            url: defaults.url.clone(),
            published: defaults.published,
            language: lang,
            text,
            origin: origin.to_string(),
            notices,
        }]);
    }
    let parsed: JsonInput = serde_json::from_str(&text).map_err(|e| {
        crate::errinput!(
            "{origin}: not an article in JSON ({{title, url, published, language, text}}): {e}"
        )
    })?;
    let list = match parsed {
        JsonInput::One(a) => vec![a],
        JsonInput::Many(v) => v,
    };
    let mut out = Vec::new();
    for (i, a) in list.into_iter().enumerate() {
        let at = if i == 0 {
            origin.to_string()
        } else {
            format!("{origin} (article {})", i + 1)
        };
        let body = a.text.unwrap_or_default();
        if body.trim().is_empty() {
            return Err(crate::errinput!("{at}: no \"text\""));
        }
        let published = match a.published.as_deref() {
            Some(p) if !p.trim().is_empty() => Some(parse_date(p).ok_or_else(|| {
                crate::errinput!("{at}: \"published\" is not a date (YYYY-MM-DD): {p}")
            })?),
            _ => defaults.published,
        };
        out.push(ArticleInput {
            id: a.id.filter(|s| !s.trim().is_empty()),
            title: a.title.or_else(|| defaults.title.clone()),
            url: a.url.or_else(|| defaults.url.clone()),
            published,
            language: a
                .language
                .filter(|l| !l.eq_ignore_ascii_case("auto"))
                .or_else(|| lang.clone()),
            text: body,
            origin: at,
            notices: notices.clone(),
        });
    }
    Ok(out)
}

/// Decodes Windows-1252 (every byte is a character; 0x80–0x9F are the typographic
/// marks, the rest is Latin-1).
pub fn decode_windows_1252(bytes: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH
                .get(usize::from(b - 0x80))
                .copied()
                .unwrap_or(b as char),
            _ => b as char,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252() {
        assert_eq!(decode_windows_1252(b"l\x92\xe9t\xe9 \x80"), "l’été €");
    }

    #[test]
    fn bad_input_is_refused_with_the_name() {
        let d = InputDefaults::default();
        let e = from_bytes("a.txt", b"ab\0c", false, &d)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("a.txt") && e.contains("binary"), "{e}");
        assert!(from_bytes("b.txt", b"  \n", false, &d).is_err());
        assert!(from_bytes("c.json", b"{\"title\": 1}", true, &d).is_err());
        let ok = from_bytes("d.txt", b"caf\xe9", false, &d).unwrap();
        assert_eq!(ok[0].text, "café");
        assert_eq!(ok[0].notices.len(), 1);
    }

    #[test]
    fn json_articles() {
        let d = InputDefaults {
            lang: Some("auto".into()),
            ..Default::default()
        };
        let a = from_bytes(
            "x.json",
            br#"{"title":"T","published":"2025-05-13","language":"fr","text":"Bonjour"}"#,
            true,
            &d,
        )
        .unwrap();
        assert_eq!(a[0].published, NaiveDate::from_ymd_opt(2025, 5, 13));
        assert_eq!(a[0].language.as_deref(), Some("fr"));
        let many = from_bytes("y.json", br#"[{"text":"a"},{"text":"b"}]"#, true, &d).unwrap();
        assert_eq!(many.len(), 2);
        assert!(from_bytes("z.json", br#"{"text":"a","published":"soon"}"#, true, &d).is_err());
    }
}
