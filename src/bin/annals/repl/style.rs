//! ANSI styles. Used only when colour is on (see `super::use_color`).

pub const RESET: &str = "\x1b[0m";
pub const KEYWORD: &str = "\x1b[1;34m";
pub const PREDICATE: &str = "\x1b[36m";
pub const STRING: &str = "\x1b[32m";
pub const VARIABLE: &str = "\x1b[33m";
pub const NUMBER: &str = "\x1b[35m";
pub const COMMENT: &str = "\x1b[2;37m";
pub const BRACKET: &str = "\x1b[1;7m";
pub const DIM: &str = "\x1b[2m";
pub const ERROR: &str = "\x1b[1;31m";
pub const PROMPT: &str = "\x1b[1;32m";
pub const AS_OF: &str = "\x1b[1;35m";

/// Colours a rendered error: the caret line(s) and the word `error` in red. The text
/// is the one SPEC §3 describes; only escape codes are added.
pub fn color_error(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let body = line.trim_end_matches('\n');
        let nl = &line[body.len()..];
        // After an optional gutter ("  | "), a line that starts with a caret marks the
        // position: the caret and its label go red.
        let after_gutter = match body.split_once('|') {
            Some((gutter, rest)) if gutter.trim().is_empty() => rest,
            _ => body,
        };
        let marks = after_gutter.trim_start();
        if marks.starts_with('^') {
            let cut = body.len() - marks.len();
            out.push_str(&body[..cut]);
            out.push_str(ERROR);
            out.push_str(marks);
            out.push_str(RESET);
        } else if i == 0 && body.starts_with("error") {
            let word = body.find(':').map_or(body.len(), |c| c + 1);
            out.push_str(ERROR);
            out.push_str(&body[..word]);
            out.push_str(RESET);
            out.push_str(&body[word..]);
        } else {
            out.push_str(body);
        }
        out.push_str(nl);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caret_line_is_red_and_text_unchanged() {
        let text = "error: expected `where`\n --> <stdin>:1:9\n  |\n1 | find ?x wher ?x a ?y;\n  |         ^^^^ expected `where`\n";
        let colored = color_error(text);
        assert!(colored.starts_with(&format!("{ERROR}error:{RESET}")));
        assert!(colored.contains(&format!("|         {ERROR}^^^^ expected `where`{RESET}\n")));
        let plain = "error: unknown\n    ^\n";
        assert!(color_error(plain).contains(&format!("    {ERROR}^{RESET}")));
        assert_eq!(colored.replace(ERROR, "").replace(RESET, ""), text);
    }
}
