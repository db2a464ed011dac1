//! The annals query language: syntax tree, parser, diagnostics, planner and executor.
pub mod ast;
pub mod diagnostic;
pub mod parser;
pub mod print;
