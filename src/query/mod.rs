//! The annals query language: syntax tree, parser, diagnostics, planner and executor.
pub mod ast;
