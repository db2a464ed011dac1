//! Stage 2: sentence splitting over the normalized text.
//!
//! A line break always ends a sentence (paragraphs of news text never continue across
//! one). Inside a paragraph a sentence ends at `.`, `!` or `?` followed by white space
//! and something that can start a sentence (an upper-case letter, a digit, a quote),
//! except after a title or an initial ("M.", "Dr.", "U.S.", "J."), after a company
//! suffix ("Inc.", "Corp.") unless a function word follows, and never inside a quotation
//! (a quote's sentences stay with the speaker that introduces or follows them).
//!
//! Teaser lines ("Lire également: …", "Read also: …", "Responses (0)") are kept, marked
//! [`Sentence::teaser`]: their names may be typed but they produce no facts.

/// A sentence: a byte range of the normalized text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    pub start: usize,
    pub end: usize,
    /// A teaser or boilerplate line: no facts are extracted from it.
    pub teaser: bool,
}

/// Longer sentences are cut at white space (see `push`).
const MAX_SENTENCE_BYTES: usize = 3000;

/// Titles and initials after which a period never ends a sentence (folded, no period).
const NEVER_BREAK: &[&str] = &[
    "m", "mm", "mme", "mmes", "mlle", "dr", "mr", "mrs", "ms", "prof", "pr", "me", "mgr", "st",
    "ste", "jr", "sr", "gen", "gén", "sen", "rep", "gov", "lt", "col", "capt", "sgt", "cf", "vs",
    "no", "nos", "art", "av", "bd", "fig", "vol", "env", "approx", "p", "pp", "ex", "mt", "ft",
];

/// Company suffixes: a period after them ends a sentence only before a function word.
const SUFFIX_ABBREV: &[&str] = &[
    "inc", "corp", "ltd", "co", "plc", "llc", "cie", "bros", "etc",
];

/// Words that typically start a sentence (folded).
const STARTERS: &[&str] = &[
    "the",
    "a",
    "an",
    "it",
    "he",
    "she",
    "they",
    "we",
    "this",
    "that",
    "in",
    "on",
    "but",
    "and",
    "le",
    "la",
    "les",
    "l'",
    "un",
    "une",
    "il",
    "elle",
    "ils",
    "elles",
    "ce",
    "cette",
    "ces",
    "en",
    "mais",
    "et",
    "selon",
    "depuis",
    "according",
    "since",
    "its",
    "their",
    "nous",
    "on",
];

const TEASERS: &[&str] = &[
    "lire egalement",
    "lire aussi",
    "a lire aussi",
    "a lire egalement",
    "a lire",
    "voir aussi",
    "lisez aussi",
    "sur le meme sujet",
    "read also",
    "read more",
    "see also",
    "related:",
    "related stories",
    "responses (",
    "advertisement",
    "publicite",
];

/// Whether a line is a teaser or boilerplate line.
pub fn is_teaser(line: &str) -> bool {
    let head: String = line.chars().take(40).collect();
    let f = crate::value::fold(&head);
    let f = f.trim_start_matches(|c: char| !c.is_alphanumeric());
    TEASERS.iter().any(|t| f.starts_with(t))
}

/// Splits the normalized text into sentences.
pub fn split(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split('\n') {
        let teaser = is_teaser(line);
        split_line(line, line_start, teaser, &mut out);
        line_start += line.len() + 1;
    }
    out
}

fn split_line(line: &str, offset: usize, teaser: bool, out: &mut Vec<Sentence>) {
    // Quote tracking only when the line's quotes pair up; a stray quote would otherwise
    // glue the rest of the paragraph into one sentence.
    let track_quotes = line.bytes().filter(|b| *b == b'"').count() % 2 == 0;
    let bytes = line.as_bytes();
    let mut in_quote = false;
    let mut start = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'"' && track_quotes {
            in_quote = !in_quote;
        }
        if matches!(b, b'.' | b'!' | b'?') && !in_quote {
            // Extend over a run of terminators and closing brackets.
            let mut j = i + 1;
            while bytes
                .get(j)
                .is_some_and(|c| matches!(c, b'.' | b'!' | b'?' | b')'))
            {
                j += 1;
            }
            if bytes.get(j) == Some(&b' ') && starts_sentence(&line[j + 1..]) {
                let abbrev = b == b'.' && j == i + 1 && blocks_break(&line[..i], &line[j + 1..]);
                if !abbrev {
                    push(line, offset, start, j, teaser, out);
                    start = j + 1;
                }
            }
            i = j;
            continue;
        }
        i += 1;
    }
    push(line, offset, start, line.len(), teaser, out);
}

fn push(
    line: &str,
    offset: usize,
    start: usize,
    end: usize,
    teaser: bool,
    out: &mut Vec<Sentence>,
) {
    let Some(s) = line.get(start..end) else {
        return;
    };
    // A "sentence" longer than any real one (a table, a list without periods, a
    // pathological input) is cut at white space: later stages are linear per sentence
    // only up to a constant, and no rule spans that far.
    if s.len() > MAX_SENTENCE_BYTES {
        let cut = s
            .char_indices()
            .skip_while(|(i, _)| *i < MAX_SENTENCE_BYTES / 2)
            .find(|(_, c)| c.is_whitespace())
            .map(|(i, _)| i)
            .filter(|&i| i > 0 && i < s.len());
        if let Some(i) = cut {
            push(line, offset, start, start + i, teaser, out);
            push(line, offset, start + i, end, teaser, out);
            return;
        }
    }
    let lead = s.len() - s.trim_start().len();
    let trail = s.len() - s.trim_end().len();
    if s.trim().is_empty() {
        return;
    }
    out.push(Sentence {
        start: offset + start + lead,
        end: offset + end - trail,
        teaser,
    });
}

fn starts_sentence(rest: &str) -> bool {
    match rest.chars().next() {
        Some(c) => c.is_uppercase() || c.is_ascii_digit() || c == '"' || c == '(' || c == '-',
        None => false,
    }
}

/// Whether the period ending `before` is an abbreviation's rather than a sentence end.
fn blocks_break(before: &str, after: &str) -> bool {
    let word = before
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '.' || c == '-'))
        .next()
        .unwrap_or("");
    if word.is_empty() {
        return false;
    }
    let folded = crate::value::fold(word);
    // Initials and dotted acronyms: "J.", "U.S." (the last letter before this period).
    let last = folded.rsplit('.').next().unwrap_or("");
    let dotted = folded.contains('.');
    let single_upper = word.chars().count() == 1 && word.chars().all(|c| c.is_uppercase());
    if NEVER_BREAK.contains(&folded.as_str()) || single_upper {
        return true;
    }
    if dotted && last.chars().count() == 1 {
        return !next_is_starter(after);
    }
    if SUFFIX_ABBREV.contains(&folded.as_str()) {
        return !next_is_starter(after);
    }
    false
}

fn next_is_starter(after: &str) -> bool {
    let w: String = after
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '\'')
        .collect();
    let f = crate::value::fold(&w);
    STARTERS.contains(&f.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &str) -> Vec<&str> {
        split(t).into_iter().map(|s| &t[s.start..s.end]).collect()
    }

    #[test]
    fn abbreviations_numbers_and_quotes_do_not_split() {
        assert_eq!(
            texts("M. Dupont a vu Dr. Who. Les U.S. Steel font 3.5 milliards. Apple Inc. CEO Tim Cook parle."),
            vec![
                "M. Dupont a vu Dr. Who.",
                "Les U.S. Steel font 3.5 milliards.",
                "Apple Inc. CEO Tim Cook parle."
            ]
        );
        assert_eq!(
            texts("\"It is good. We like it,\" said Ann Lee. Then she left."),
            vec![
                "\"It is good. We like it,\" said Ann Lee.",
                "Then she left."
            ]
        );
        assert_eq!(
            texts("Bought by Acme Inc. The deal closed."),
            vec!["Bought by Acme Inc.", "The deal closed."]
        );
    }

    #[test]
    fn lines_end_sentences_and_teasers_are_marked() {
        let t = "Un texte ici\nLire également: Honda achète Toyota\nRead also: x\nResponses (0 )";
        let s = split(t);
        assert_eq!(s.len(), 4);
        assert!(!s[0].teaser);
        assert!(s[1].teaser && s[2].teaser && s[3].teaser);
    }

    #[test]
    fn very_long_sentences_are_cut() {
        let t = "mot ".repeat(5000);
        let s = split(&t);
        assert!(s.len() > 5);
        assert!(s.iter().all(|x| x.end - x.start <= MAX_SENTENCE_BYTES));
        let one = "x".repeat(10_000);
        assert_eq!(split(&one).len(), 1);
    }

    #[test]
    fn unbalanced_quote_does_not_swallow_the_line() {
        assert_eq!(
            texts("Il a dit \"oui. Puis non."),
            vec!["Il a dit \"oui.", "Puis non."]
        );
    }
}
