//! Stage 1: normalization.
//!
//! The text is rewritten once so that later stages see one spelling of each
//! typographic variant: apostrophes (’ ‘ ʼ) become `'`, quotes (“ ” « » „) become `"`,
//! dashes (– —) become ` - `-like `-`, non-breaking and thin spaces become spaces, runs
//! of spaces collapse to one and runs of white space containing a line break collapse to
//! one `\n` (paragraph boundaries matter to the sentence splitter).
//!
//! Evidence must point into the *original* article, so [`Normalized`] keeps, for every
//! byte of the normalized text, the character offset in the original it came from.
//! Later stages work in normalized byte offsets and convert with [`Normalized::orig_char`]
//! only when they write an [`crate::event::Evidence`].

/// The normalized text and its map back to the original.
#[derive(Debug, Clone)]
pub struct Normalized {
    pub text: String,
    /// `map[b]` = character offset in the original of the character that produced byte
    /// `b` of `text`; one extra entry at the end = the original's length in characters.
    map: Vec<u32>,
}

impl Normalized {
    /// The original character offset of normalized byte offset `byte` (clamped).
    pub fn orig_char(&self, byte: usize) -> u32 {
        match self.map.get(byte) {
            Some(c) => *c,
            None => self.map.last().copied().unwrap_or(0),
        }
    }

    /// The original character span `[start, end)` of a normalized byte range: `end` maps
    /// the last byte of the range and adds one character.
    pub fn orig_span(&self, start: usize, end: usize) -> (u32, u32) {
        let s = self.orig_char(start);
        if end <= start {
            return (s, s);
        }
        let total = self.map.last().copied().unwrap_or(0);
        let e = if end <= self.text.len() {
            self.orig_char(end - 1).saturating_add(1).min(total)
        } else {
            total
        };
        (s, e.max(s))
    }
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\u{A0}'
            | '\u{202F}'
            | '\u{2009}'
            | '\u{2007}'
            | '\u{2002}'
            | '\u{2003}'
            | '\u{200A}'
            | '\u{3000}'
            | '\u{0B}'
            | '\u{0C}'
    )
}

fn is_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}' | '\u{85}')
}

/// Normalizes `original` (see the module doc).
pub fn normalize(original: &str) -> Normalized {
    let mut text = String::with_capacity(original.len());
    let mut map: Vec<u32> = Vec::with_capacity(original.len() + 1);
    // Pending white space: Some((saw_break, char offset of its first char)).
    let mut pending: Option<(bool, u32)> = None;
    let mut count: u32 = 0;
    let push = |text: &mut String, map: &mut Vec<u32>, c: char, at: u32| {
        text.push(c);
        for _ in 0..c.len_utf8() {
            map.push(at);
        }
    };
    for (i, c) in original.chars().enumerate() {
        let i = i as u32;
        count = i + 1;
        if is_space(c) || is_break(c) {
            let brk = is_break(c);
            pending = Some(match pending {
                Some((b, at)) => (b || brk, at),
                None => (brk, i),
            });
            continue;
        }
        // Invisible characters are dropped: soft hyphen, zero-width spaces and joiners, BOM.
        if matches!(
            c,
            '\u{AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}'
        ) {
            continue;
        }
        if let Some((brk, at)) = pending.take() {
            if !text.is_empty() {
                push(&mut text, &mut map, if brk { '\n' } else { ' ' }, at);
            }
        }
        let out = match c {
            '\u{2019}' | '\u{2018}' | '\u{201B}' | '\u{02BC}' | '\u{2032}' | '`' | '\u{B4}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{AB}' | '\u{BB}' | '\u{2033}' => '"',
            '\u{2010}' | '\u{2011}' => '-',
            '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' => '-',
            '\u{2026}' => {
                // "…" becomes "..." so the splitter sees an ordinary ellipsis.
                push(&mut text, &mut map, '.', i);
                push(&mut text, &mut map, '.', i);
                '.'
            }
            _ => c,
        };
        push(&mut text, &mut map, out, i);
    }
    map.push(count);
    Normalized { text, map }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apostrophes_quotes_spaces() {
        let n = normalize("L’OpenAI  dit «\u{A0}oui\u{A0}» — fin");
        assert_eq!(n.text, "L'OpenAI dit \" oui \" - fin");
    }

    #[test]
    fn offsets_map_back_to_original_characters() {
        let orig = "Émirats\u{A0}\u{A0}arabes  unis’s";
        let n = normalize(orig);
        assert_eq!(n.text, "Émirats arabes unis's");
        let start = n.text.find("arabes").unwrap_or(0);
        let (s, e) = n.orig_span(start, start + "arabes".len());
        let chars: Vec<char> = orig.chars().collect();
        let got: String = chars[s as usize..e as usize].iter().collect();
        assert_eq!(got, "arabes");
        let (s, e) = n.orig_span(0, n.text.len());
        assert_eq!((s, e), (0, chars.len() as u32));
    }

    #[test]
    fn line_breaks_collapse_to_one() {
        let n = normalize("  a\r\n\r\n  b \n");
        assert_eq!(n.text, "a\nb");
    }

    #[test]
    fn empty_and_odd_input() {
        assert_eq!(normalize("").text, "");
        assert_eq!(normalize("\u{FEFF}\u{AD}").text, "");
        assert_eq!(normalize("").orig_span(0, 5), (0, 0));
    }
}
