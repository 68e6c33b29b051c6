//! The data shapes a simulated region is analysed in (`evaluate --shape`).

use std::path::{Path, PathBuf};

use crate::error::RunError;

/// The layout a region is analysed in: the simulator writes the full one; the
/// others drop columns from every results file, as real exports do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shape {
    #[default]
    Full,
    /// Totals and marks only: no task columns (tasks.csv stays).
    Totals,
    /// No class column.
    NoClass,
    /// No journal marks.
    NoJournal,
}

impl Shape {
    fn drops(self, header: &str) -> bool {
        match self {
            Shape::Full => false,
            Shape::Totals => {
                header.len() > 1
                    && header.starts_with('t')
                    && header[1..].bytes().all(|b| b.is_ascii_digit())
            }
            Shape::NoClass => header == "class",
            Shape::NoJournal => header == "journal_mark",
        }
    }

    /// Rewrites the results files of `dir` without the shape's columns.
    pub fn apply(self, dir: &Path) -> Result<(), RunError> {
        if self == Shape::Full {
            return Ok(());
        }
        let err = |p: &Path, e: &dyn std::fmt::Display| {
            RunError::Evaluation(format!("{}: {e}", p.display()))
        };
        let entries = std::fs::read_dir(dir).map_err(|e| err(dir, &e))?;
        let mut files: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("results"))
            })
            .collect();
        files.sort();
        for path in files {
            let mut r = csv::Reader::from_path(&path).map_err(|e| err(&path, &e))?;
            let headers = r.headers().map_err(|e| err(&path, &e))?.clone();
            let keep: Vec<usize> = (0..headers.len())
                .filter(|&i| !self.drops(&headers[i]))
                .collect();
            let mut out = Vec::new();
            {
                let mut w = csv::Writer::from_writer(&mut out);
                w.write_record(keep.iter().map(|&i| &headers[i]))
                    .map_err(|e| err(&path, &e))?;
                for rec in r.records() {
                    let rec = rec.map_err(|e| err(&path, &e))?;
                    w.write_record(keep.iter().map(|&i| &rec[i]))
                        .map_err(|e| err(&path, &e))?;
                }
                w.flush().map_err(|e| err(&path, &e))?;
            }
            std::fs::write(&path, out).map_err(|e| err(&path, &e))?;
        }
        Ok(())
    }
}
