//! One error type whose variants say who is at fault: the user's input, the stored data,
//! the system (I/O), another process (the lock), or a bug. The binary maps each to the
//! exit codes of SPEC §4.

use thiserror::Error as ThisError;

use crate::event::Tx;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, ThisError)]
#[non_exhaustive]
pub enum Error {
    /// A statement, file or argument the user gave is wrong. Exit 1.
    #[error("{0}")]
    InvalidInput(String),

    /// A statement that did not parse or could not run, already rendered with its line,
    /// column and caret (see `query::diagnostic`). Exit 1.
    #[error("{0}")]
    Statement(String),

    /// A query was cancelled (Ctrl-C) or ran past its time or row limit. Exit 1.
    #[error("{0}")]
    Aborted(String),

    /// The database is held by another process. Exit 3.
    #[error("database {path} is in use by another process; close it or retry with --wait SECONDS")]
    Locked { path: String },

    /// The database cannot be opened (sled refused it, a newer format, not a database).
    /// Exit 3.
    #[error("cannot open database {path}: {reason}")]
    CannotOpen { path: String, reason: String },

    /// Stored data is damaged: a checksum, a missing commit, a view that disagrees with
    /// the log. Exit 4.
    #[error("corruption{}: {what}", .tx.map(|t| format!(" at tx {t}")).unwrap_or_default())]
    Corrupt { tx: Option<Tx>, what: String },

    /// The operating system refused a read or a write (full disk, permissions). Exit 1.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// A bug: an invariant of annals itself does not hold. Exit 1.
    #[error("internal error (please report): {0}")]
    Internal(String),
}

impl Error {
    /// The exit code of SPEC §4 for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Locked { .. } | Error::CannotOpen { .. } => 3,
            Error::Corrupt { .. } => 4,
            _ => 1,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// Builds an [`Error::InvalidInput`] with `format!` syntax.
#[macro_export]
macro_rules! errinput {
    ($($arg:tt)*) => { $crate::error::Error::InvalidInput(format!($($arg)*)) };
}
