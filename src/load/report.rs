//! What loading saw: per-file counts, rejected rows, and notes (warnings that
//! did not cost a row, such as a given mark that disagrees with the scale).

use serde::Serialize;

/// An input row that could not be used.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Rejected {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
    /// The cell the row would have belonged to, where known (test, school index).
    #[serde(skip)]
    pub cell: Option<(crate::model::TestKey, u32)>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    #[default]
    Info,
}

/// A remark about the input that did not reject a row.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Note {
    pub level: Level,
    pub file: String,
    /// 0 when the note is about the whole file.
    pub line: u64,
    pub message: String,
}

impl Note {
    /// A warning about a whole test (no file, no line).
    pub fn test_warning(message: impl Into<String>) -> Note {
        Note {
            level: Level::Warning,
            file: String::new(),
            line: 0,
            message: message.into(),
        }
    }
}

/// Counts for one input file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct FileStats {
    pub file: String,
    pub kind: String,
    pub encoding: String,
    pub delimiter: String,
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
    /// Set when the file could not be read at all.
    pub error: String,
    /// Set when the file was not read on purpose (not an input file's name,
    /// a lock file, a second file of the same name in other case …): why.
    pub skipped: String,
}

/// Everything loading reports besides the data.
#[derive(Clone, Debug, Default)]
pub struct LoadReport {
    pub files: Vec<FileStats>,
    pub rejected: Vec<Rejected>,
    pub notes: Vec<Note>,
}

/// The longest value kept of a rejected field, and the longest reason and
/// note (in characters): a 300 000-character field is a mistake to show, not
/// to copy into every table and the справка.
const VALUE_LIMIT: usize = 200;
const REASON_LIMIT: usize = 600;

/// `s` cut to `limit` characters, saying how many more there were, with
/// control characters written as `[0x00]` (a NUL byte or a stray carriage
/// return in a field must not reach the tables raw).
fn cut(s: &str, limit: usize) -> String {
    let shown = |s: &str| -> String {
        if !s.chars().any(char::is_control) {
            return s.to_owned();
        }
        s.chars()
            .map(|c| {
                if c.is_control() {
                    format!("[0x{:02X}]", u32::from(c))
                } else {
                    c.to_string()
                }
            })
            .collect()
    };
    match s.char_indices().nth(limit) {
        None => shown(s),
        Some((at, _)) => format!(
            "{}… (ещё {} знаков)",
            shown(&s[..at]),
            s[at..].chars().count()
        ),
    }
}

impl LoadReport {
    pub fn reject(
        &mut self,
        file: &str,
        line: u64,
        column: &str,
        value: &str,
        reason: impl Into<String>,
    ) {
        self.rejected.push(Rejected {
            file: file.to_owned(),
            line,
            column: column.to_owned(),
            value: cut(value, VALUE_LIMIT),
            reason: cut(&reason.into(), REASON_LIMIT),
            cell: None,
        });
    }

    /// A remark that costs nothing but deserves attention (a field dropped, a
    /// byte that did not decode …).
    pub fn warn(&mut self, file: &str, line: u64, message: impl Into<String>) {
        self.note(Level::Warning, file, line, message);
    }

    pub fn note(&mut self, level: Level, file: &str, line: u64, message: impl Into<String>) {
        self.notes.push(Note {
            level,
            file: file.to_owned(),
            line,
            message: cut(&message.into(), REASON_LIMIT),
        });
    }

    /// Whether any file failed to load or any row was rejected.
    pub fn has_errors(&self) -> bool {
        self.files.iter().any(|f| !f.error.is_empty()) || !self.rejected.is_empty()
    }

    /// Fills `rows_rejected` and `rows_used` from the rejected list and sorts
    /// everything into a stable order.
    pub fn finish(&mut self) {
        self.rejected.sort();
        self.rejected.dedup();
        self.notes.sort();
        self.notes.dedup();
        for f in &mut self.files {
            let mut lines: Vec<u64> = self
                .rejected
                .iter()
                .filter(|r| r.file == f.file)
                .map(|r| r.line)
                .collect();
            lines.dedup(); // sorted by (file, line) above
            f.rows_rejected = lines.len() as u64;
            f.rows_used = f.rows_read.saturating_sub(f.rows_rejected);
        }
    }

    pub fn totals(&self) -> (u64, u64, u64) {
        self.files.iter().fold((0, 0, 0), |(r, u, j), f| {
            (r + f.rows_read, u + f.rows_used, j + f.rows_rejected)
        })
    }

    /// (read, used, rejected) rows of the results files alone (the works),
    /// and the rows read of the other files (schools, tasks, scales,
    /// reference figures …).
    pub fn results_totals(&self) -> ((u64, u64, u64), u64) {
        self.files
            .iter()
            .fold(((0, 0, 0), 0), |((r, u, j), other), f| {
                if f.kind == "results" {
                    (
                        (r + f.rows_read, u + f.rows_used, j + f.rows_rejected),
                        other,
                    )
                } else {
                    ((r, u, j), other + f.rows_read)
                }
            })
    }
}

/// A file's role (the `kind` of files.csv) in words, for people: «результаты»
/// for `results`; anything else (a school type in cells.csv) as it is.
pub fn role_name(kind: &str) -> &str {
    match kind {
        "schools" => "ОО",
        "results" => "результаты",
        "tasks" => "задания",
        "scales" => "шкалы",
        "medals" => "медали",
        "recheck" => "перепроверка",
        "reference" => "итоги региона",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_and_reasons_are_cut() {
        let mut r = LoadReport::default();
        let long = "2".repeat(300_000);
        r.reject("a.csv", 2, "year", &long, format!("неверный год «{long}»"));
        let x = &r.rejected[0];
        assert_eq!(
            x.value.chars().count(),
            200 + "… (ещё 299800 знаков)".chars().count()
        );
        assert!(x.reason.chars().count() < 700 && x.reason.ends_with("знаков)"));
        assert_eq!(cut("коротко", 200), "коротко");
        assert_eq!(cut("1\u{0}2\r", 200), "1[0x00]2[0x0D]");
    }
}
