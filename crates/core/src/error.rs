//! The crate's one error type.
//!
//! Parsing fails on the first syntax problem, with its line and column; validation does not
//! use this type, because it reports every problem at once as a list of [`crate::Issue`]s.

/// Errors from parsing or rendering an integration spec.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec is not valid TOML or does not fit the spec format.
    #[error("invalid integration spec at line {line}, column {column}: {message}")]
    SpecSyntax {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column (in characters) of the problem.
        column: usize,
        /// What is wrong, as the TOML parser words it.
        message: String,
    },
    /// The spec could not be rendered as TOML.
    #[error("failed to render the integration spec as TOML: {message}")]
    Serialize {
        /// What went wrong.
        message: String,
    },
}

/// Results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Converts a TOML error into [`Error::SpecSyntax`], turning its byte span into a line
    /// and column. A problem without a span (such as a missing top-level key) is placed at
    /// line 1, column 1.
    pub(crate) fn from_toml(text: &str, error: &toml::de::Error) -> Self {
        let offset = error.span().map_or(0, |span| span.start.min(text.len()));
        let before = text.get(..offset).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        let column = before
            .get(line_start..)
            .map_or(0, |rest| rest.chars().count())
            + 1;
        Self::SpecSyntax {
            line,
            column,
            message: error.message().trim().to_owned(),
        }
    }
}
