//! The simulator's error type.

use std::path::PathBuf;

/// Errors of [`super::simulate`]. I/O errors keep their cause and name the
/// file or directory involved.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The options cannot be simulated.
    #[error("invalid simulation options: {0}")]
    InvalidOptions(String),
    /// The output directory could not be created.
    #[error("cannot create output directory {}: {source}", path.display())]
    CreateDir {
        /// Directory.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// An output file could not be created.
    #[error("cannot create {}: {source}", path.display())]
    CreateFile {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Writing to an output file failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// File.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The list of works to re-check could not be read.
    #[error("{}: {message}", path.display())]
    WorksList {
        /// File.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A text value has no Windows-1251 representation.
    #[error("cannot encode {text:?} in Windows-1251 for {}", path.display())]
    Encoding {
        /// File.
        path: PathBuf,
        /// The value.
        text: String,
    },
}
