//! Dot-commands in the sqlite3/duckdb style. A line whose first character is `.` is a
//! meta-command: it ends at the end of the line and needs no `;`.

use annals::query::ast::{AsOf, Span};
use annals::value::parse_datetime;
use chrono::NaiveDate;

use super::Format;

/// Names and one-line descriptions, for `.help` and completion.
pub const META_COMMANDS: &[(&str, &str)] = &[
    (".help", "show this help"),
    (
        ".format",
        "table|json|jsonl|csv|tsv   how results are written",
    ),
    (".timer", "on|off   time each statement (on standard error)"),
    (".read", "FILE   run the statements in FILE"),
    (
        ".output",
        "[FILE]   write results to FILE; without FILE, back to the screen",
    ),
    (
        ".param",
        "set NAME VALUE | list | clear   parameters ($NAME) for later statements",
    ),
    (
        ".asof",
        "#TX|DATE|DATETIME|off   read every statement as of that point",
    ),
    (
        ".stats",
        "counts of events, commits, articles, entities, facts",
    ),
    (".predicates", "predicates with their fact counts"),
    (
        ".entities",
        "PREFIX   entities whose name starts with PREFIX (accents ignored)",
    ),
    (".log", "[N]   the last N events (default 20)"),
    (
        ".pager",
        "on|off   page long results through $PAGER (default less -FRX)",
    ),
    (".quit", "leave (also .exit, or Ctrl-D on an empty line)"),
];

#[derive(Clone, Debug, PartialEq)]
pub enum Meta {
    Help,
    /// `None`: say which format is in use.
    Format(Option<Format>),
    Timer(bool),
    Pager(bool),
    Read(String),
    Output(Option<String>),
    ParamSet(String, String),
    ParamList,
    AsOf(Option<AsOf>),
    Stats,
    Predicates,
    Entities(String),
    Log(Option<u64>),
    Quit,
}

/// Parses one meta-command line (starting with `.`). The error says what was expected.
pub fn parse(line: &str) -> Result<Meta, String> {
    let line = line.trim();
    let (cmd, rest) = match line.split_once(char::is_whitespace) {
        Some((c, r)) => (c, r.trim()),
        None => (line, ""),
    };
    let args: Vec<&str> = rest.split_whitespace().collect();
    let on_off = |what: &str| match rest {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("usage: {what} on|off")),
    };
    Ok(match cmd {
        ".help" | ".h" => Meta::Help,
        ".quit" | ".exit" | ".q" => Meta::Quit,
        ".format" | ".mode" if rest.is_empty() => Meta::Format(None),
        ".format" | ".mode" => {
            Meta::Format(Some(Format::parse(rest).ok_or_else(|| {
                "usage: .format table|json|jsonl|csv|tsv".to_string()
            })?))
        }
        ".timer" => Meta::Timer(on_off(".timer")?),
        ".pager" => Meta::Pager(on_off(".pager")?),
        ".read" => {
            if rest.is_empty() {
                return Err("usage: .read FILE".into());
            }
            Meta::Read(path(rest))
        }
        ".output" | ".o" => Meta::Output((!rest.is_empty()).then(|| path(rest))),
        ".param" | ".params" => match args.first().copied() {
            Some("set") => {
                // The value is the rest of the line, spaces included.
                let after = rest.strip_prefix("set").unwrap_or("").trim_start();
                match after.split_once(char::is_whitespace) {
                    Some((name, value)) if !value.trim().is_empty() => Meta::ParamSet(
                        name.trim_start_matches('$').to_string(),
                        value.trim().to_string(),
                    ),
                    _ => return Err("usage: .param set NAME VALUE".into()),
                }
            }
            Some("list") | None => Meta::ParamList,
            _ => return Err("usage: .param set NAME VALUE | .param list".into()),
        },
        ".asof" => Meta::AsOf(parse_as_of(rest)?),
        ".stats" => Meta::Stats,
        ".predicates" => Meta::Predicates,
        ".entities" => Meta::Entities(unquote(rest)),
        ".log" => Meta::Log(match rest {
            "" => None,
            n => Some(
                n.parse()
                    .map_err(|_| format!("usage: .log [N]  ({n:?} is not a count)"))?,
            ),
        }),
        other => {
            let near = closest_meta(other);
            return Err(match near {
                Some(n) => format!("unknown command {other}; did you mean {n}? (.help lists them)"),
                None => format!("unknown command {other} (.help lists them)"),
            });
        }
    })
}

/// `#42`, `2025-05-14`, `2025-05-14T10:00:00Z`, or `off`.
fn parse_as_of(arg: &str) -> Result<Option<AsOf>, String> {
    let usage = || "usage: .asof #TX | DATE | DATETIME | off".to_string();
    let span = Span::default();
    if arg == "off" {
        return Ok(None);
    }
    if let Some(n) = arg.strip_prefix('#') {
        return n
            .parse()
            .map(|t| Some(AsOf::Tx(t, span)))
            .map_err(|_| usage());
    }
    if let Ok(d) = NaiveDate::parse_from_str(arg, "%Y-%m-%d") {
        return Ok(Some(AsOf::Date(d, span)));
    }
    parse_datetime(arg)
        .map(|t| Some(AsOf::DateTime(t, span)))
        .ok_or_else(usage)
}

/// The as-of as the prompt shows it: `#42`, `2025-05-14`.
pub fn as_of_label(as_of: &AsOf) -> String {
    match as_of {
        AsOf::Tx(t, _) => format!("#{t}"),
        AsOf::Date(d, _) => d.format("%Y-%m-%d").to_string(),
        AsOf::DateTime(t, _) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        AsOf::Param(n) => format!("${}", n.name),
    }
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner.to_string();
        }
    }
    s.to_string()
}

/// A file argument: quotes removed, `~/` as in the shell (completion offers it too).
fn path(arg: &str) -> String {
    let p = unquote(arg);
    match (p.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) if !home.is_empty() => format!("{home}/{rest}"),
        _ => p,
    }
}

/// The meta-command nearest to a mistyped one, if close enough to be a typo.
fn closest_meta(word: &str) -> Option<&'static str> {
    META_COMMANDS
        .iter()
        .map(|(n, _)| (edit_distance(word, n), *n))
        .filter(|(d, _)| *d <= 2)
        .min()
        .map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        // `left` is the cell just built; `diag` and `up` the cells of the previous row
        // above-left of and above the next one.
        let mut left = i + 1;
        let mut cur = vec![left];
        for ((&diag, &up), cb) in prev.iter().zip(prev.iter().skip(1)).zip(&b) {
            let sub = diag + usize::from(ca != *cb);
            left = sub.min(up + 1).min(left + 1);
            cur.push(left);
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(b.len())
}

pub fn help_text() -> String {
    let mut s = String::from(
        "Statements end with ';' and may span lines, e.g.\n  \
         find ?p, ?o where ?p ceo_of ?o limit 5;\n\
         Tab completes keywords, predicates, \"entity names, ?variables and .commands.\n\
         Ctrl-C cancels a running statement or clears the line; Ctrl-D leaves.\n\n",
    );
    for (name, desc) in META_COMMANDS {
        s.push_str(&format!("  {name:<12} {desc}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_command() {
        assert_eq!(parse(".format json"), Ok(Meta::Format(Some(Format::Json))));
        assert_eq!(parse(".format"), Ok(Meta::Format(None)));
        assert_eq!(parse(" .timer on "), Ok(Meta::Timer(true)));
        assert_eq!(parse(".read 'q.aq'"), Ok(Meta::Read("q.aq".into())));
        assert_eq!(parse(".output"), Ok(Meta::Output(None)));
        assert_eq!(
            parse(".output out.tsv"),
            Ok(Meta::Output(Some("out.tsv".into())))
        );
        assert_eq!(
            parse(".param set org \"G42 Holdings\""),
            Ok(Meta::ParamSet("org".into(), "\"G42 Holdings\"".into()))
        );
        assert_eq!(parse(".param list"), Ok(Meta::ParamList));
        assert_eq!(
            parse(".param set $s  a  b "),
            Ok(Meta::ParamSet("s".into(), "a  b".into()))
        );
        assert!(parse(".param set org").is_err());
        assert_eq!(parse(".asof off"), Ok(Meta::AsOf(None)));
        assert!(matches!(
            parse(".asof #42"),
            Ok(Meta::AsOf(Some(AsOf::Tx(42, _))))
        ));
        assert!(matches!(
            parse(".asof 2025-05-14"),
            Ok(Meta::AsOf(Some(AsOf::Date(..))))
        ));
        assert!(matches!(
            parse(".asof 2025-05-14T10:00:00Z"),
            Ok(Meta::AsOf(Some(AsOf::DateTime(..))))
        ));
        assert_eq!(parse(".entities emir"), Ok(Meta::Entities("emir".into())));
        assert_eq!(parse(".log 5"), Ok(Meta::Log(Some(5))));
        assert_eq!(parse(".log"), Ok(Meta::Log(None)));
        assert_eq!(parse(".quit"), Ok(Meta::Quit));
    }

    #[test]
    fn bad_usage_says_what_is_expected() {
        assert_eq!(
            parse(".format yaml"),
            Err("usage: .format table|json|jsonl|csv|tsv".into())
        );
        assert_eq!(parse(".timer maybe"), Err("usage: .timer on|off".into()));
        assert!(parse(".asof yesterday").is_err_and(|e| e.starts_with("usage: .asof")));
        assert_eq!(
            parse(".fromat json"),
            Err("unknown command .fromat; did you mean .format? (.help lists them)".into())
        );
    }
}
