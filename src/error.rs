//! Error types of the library. Each area has its own enum with the cause kept;
//! messages say what went wrong and what to do about it.

use std::path::PathBuf;

/// A problem that stops one input file from being read at all.
/// The run reports it and goes on with the other files where it can.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read the file: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the file is empty (no header line)")]
    Empty { path: PathBuf },
    #[error(
        "{path}: required column(s) missing: {missing}. Columns found: {found}.{hint} \
         See data/README.md for the accepted names."
    )]
    MissingColumns {
        path: PathBuf,
        missing: String,
        found: String,
        hint: &'static str,
    },
    #[error("{path}: columns {first} and {second} both mean `{canonical}`; keep only one of them")]
    DuplicateColumn {
        path: PathBuf,
        first: String,
        second: String,
        canonical: String,
    },
    #[error("{path}: line {line}: malformed CSV: {message}")]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: cannot read the parquet file: {message}")]
    Parquet { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Unsupported { path: PathBuf, message: String },
}

/// A problem that stops the whole run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{path}: not a folder with the input files (schools.csv, results*.csv)")]
    NotAFolder { path: PathBuf },
    #[error("{folder}: no results files found (expected results*.csv or results*.parquet)")]
    NoResults { folder: PathBuf },
    #[error("schools.csv cannot be used, so no result can be matched to a school")]
    Schools(#[source] LoadError),
    #[error("no input row could be used: every row was rejected (see rejected_rows.csv)")]
    NothingUsable,
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("grouping the works into cells failed: {0}")]
    Polars(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("evaluation: {0}")]
    Evaluation(String),
}

/// Writing an output file failed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: cannot write: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("building {what}: {message}")]
    Build { what: String, message: String },
}

/// The configuration file is unreadable or holds a value out of range.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read the configuration: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("configuration: {0}")]
    Invalid(String),
}
