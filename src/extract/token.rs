//! Stage 3: tokens of one sentence.
//!
//! A token is a byte range of the normalized text. Words keep internal hyphens
//! ("Moyen-Orient"), dotted acronyms keep their periods ("U.S."), and numbers keep their
//! separators ("1,5", "3.5"). French elisions are split after the apostrophe
//! ("d'OpenAI" → "d'" + "OpenAI", "l'administration" → "l'" + "administration"), which
//! generic word segmentation (UAX#29) does not do; other apostrophes stay inside the word
//! ("aujourd'hui", "O'Brien"). The English possessive becomes its own token ("OpenAI's"
//! → "OpenAI" + "'s").

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Word,
    Number,
    Punct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

impl Token {
    pub fn text<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// Elided French words, folded, without the apostrophe.
const ELISIONS: &[&str] = &[
    "l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu",
];

fn is_elision(word: &str) -> bool {
    word.len() <= 7 && ELISIONS.iter().any(|e| e.eq_ignore_ascii_case(word))
}

/// Tokenizes `text[start..end]`; offsets in the result are absolute in `text`.
pub fn tokenize(text: &str, start: usize, end: usize) -> Vec<Token> {
    let mut out = Vec::new();
    let Some(s) = text.get(start..end) else {
        return out;
    };
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let at = |k: usize| chars.get(k).map(|(_, c)| *c);
    // the byte offset of char `k` in `s` (its length past the end), and in `text`
    let byte = |k: usize| chars.get(k).map(|(b, _)| *b).unwrap_or(s.len());
    let off = |k: usize| byte(k) + start;
    let mut i = 0;
    while let Some(c) = at(i) {
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            let mut j = i + 1;
            while let Some(d) = at(j) {
                if d.is_ascii_digit() {
                    j += 1;
                } else if matches!(d, '.' | ',') && at(j + 1).is_some_and(|x| x.is_ascii_digit()) {
                    j += 2;
                } else {
                    break;
                }
            }
            // "5G", "G42"-like tails make a word, not a number.
            let mut kind = Kind::Number;
            while at(j).is_some_and(char::is_alphanumeric) {
                kind = Kind::Word;
                j += 1;
            }
            out.push(Token {
                start: off(i),
                end: off(j),
                kind,
            });
            i = j;
            continue;
        }
        if c.is_alphanumeric() {
            let mut j = i + 1;
            while let Some(d) = at(j) {
                if d.is_alphanumeric() {
                    j += 1;
                    continue;
                }
                let next = at(j + 1);
                if (d == '-' || d == '&') && next.is_some_and(|x| x.is_alphanumeric()) {
                    // "Abu Dhabi-based": the suffix is a word of its own so the place
                    // before it can still be recognized.
                    let rest = s.get(byte(j) + d.len_utf8()..).unwrap_or("");
                    let suffix = [
                        "based",
                        "basé",
                        "basée",
                        "headquartered",
                        "backed",
                        "owned",
                        "led",
                    ]
                    .iter()
                    .any(|x| {
                        rest.strip_prefix(x)
                            .is_some_and(|after| !after.starts_with(char::is_alphanumeric))
                    });
                    if d == '-' && suffix {
                        break;
                    }
                    j += 2;
                    continue;
                }
                if d == '.' {
                    // Dotted acronym: single letters separated by periods ("U.S.", "J.-C.").
                    let seg_len = j - word_seg_start(&chars, i, j);
                    if seg_len == 1 && at(j - 1).is_some_and(char::is_uppercase) {
                        if next.is_some_and(|x| x.is_uppercase())
                            && at(j + 2).is_some_and(|x| x == '.')
                        {
                            j += 2;
                            continue;
                        }
                        if j > i + 1 && at(j - 2) == Some('.') {
                            // The closing period of "U.S." belongs to the acronym.
                            j += 1;
                        }
                    }
                    break;
                }
                if d == '\'' && next.is_some_and(|x| x.is_alphabetic()) {
                    let word = s.get(byte(i)..byte(j)).unwrap_or("");
                    if is_elision(word) {
                        j += 1; // keep the apostrophe with the elided word, then stop
                        break;
                    }
                    if next.is_some_and(|x| x == 's' || x == 'S')
                        && !at(j + 2).is_some_and(|x| x.is_alphanumeric())
                    {
                        break; // possessive: "'s" becomes its own token below
                    }
                    j += 2;
                    continue;
                }
                break;
            }
            out.push(Token {
                start: off(i),
                end: off(j),
                kind: Kind::Word,
            });
            i = j;
            continue;
        }
        if c == '\''
            && at(i + 1).is_some_and(|x| x == 's' || x == 'S')
            && !at(i + 2).is_some_and(|x| x.is_alphanumeric())
            && out
                .last()
                .is_some_and(|t: &Token| t.end == off(i) && t.kind == Kind::Word)
        {
            out.push(Token {
                start: off(i),
                end: off(i + 2),
                kind: Kind::Word,
            });
            i += 2;
            continue;
        }
        // Any other character is a token of its own; "..." stays together.
        let mut j = i + 1;
        if c == '.' {
            while at(j) == Some('.') {
                j += 1;
            }
        }
        out.push(Token {
            start: off(i),
            end: off(j),
            kind: Kind::Punct,
        });
        i = j;
    }
    out
}

fn word_seg_start(chars: &[(usize, char)], word_start: usize, j: usize) -> usize {
    let mut k = j;
    while k > word_start && chars.get(k - 1).is_some_and(|(_, c)| c.is_alphanumeric()) {
        k -= 1;
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(t: &str) -> Vec<&str> {
        tokenize(t, 0, t.len()).iter().map(|k| k.text(t)).collect()
    }

    #[test]
    fn elisions_split() {
        assert_eq!(words("PDG d'OpenAI"), vec!["PDG", "d'", "OpenAI"]);
        assert_eq!(
            words("L'administration Trump"),
            vec!["L'", "administration", "Trump"]
        );
        assert_eq!(words("aujourd'hui qu'il"), vec!["aujourd'hui", "qu'", "il"]);
        assert_eq!(words("OpenAI's chief"), vec!["OpenAI", "'s", "chief"]);
    }

    #[test]
    fn acronyms_numbers_hyphens() {
        assert_eq!(
            words("the U.S. paid 3.5 or 1,5 in G42."),
            vec!["the", "U.S.", "paid", "3.5", "or", "1,5", "in", "G42", "."]
        );
        assert_eq!(
            words("Moyen-Orient, AT&T"),
            vec!["Moyen-Orient", ",", "AT&T"]
        );
        assert_eq!(words("Inc. x"), vec!["Inc", ".", "x"]);
        assert_eq!(
            words("Abu Dhabi-based G42"),
            vec!["Abu", "Dhabi", "-", "based", "G42"]
        );
        assert_eq!(words("J. Smith"), vec!["J", ".", "Smith"]);
    }

    #[test]
    fn odd_input() {
        assert!(words("").is_empty());
        assert_eq!(words("'"), vec!["'"]);
        assert_eq!(words("l'"), vec!["l", "'"]);
        assert!(tokenize("abc", 2, 10).is_empty());
    }
}
