//! The only place the shell touches the language: whether input is complete, where
//! statements end, what to highlight, which words to complete. Everything here is the
//! parser's own (`annals::query::parser`), so the shell carries no second grammar.

pub use annals::query::parser::{
    highlight_tokens, input_status, split_statements, InputStatus, TokenKind, KEYWORDS, PREDICATES,
};
