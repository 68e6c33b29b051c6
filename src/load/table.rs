//! Opening an input table: a CSV file in whatever encoding and dialect Excel
//! saved it, or a parquet file, presented as a header plus rows of text fields
//! with the line each row starts on.
//!
//! CSV rows are tokenised with the `csv` crate rather than polars' CSV reader
//! because every rejected row must carry the line it came from and a ragged
//! (truncated or over-long) line must be caught, not padded with nulls.
//! Parquet files are read with polars.

use std::path::{Path, PathBuf};

use csv::StringRecord;
use encoding_rs::{Encoding, UTF_8, WINDOWS_1251};

use crate::error::LoadError;

/// How a CSV file was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dialect {
    pub encoding: &'static str,
    pub delimiter: u8,
}

enum Source {
    Csv {
        text: String,
        delimiter: u8,
    },
    Parquet {
        columns: Vec<polars::prelude::Column>,
    },
    /// Rows already split into fields (from a workbook), with their lines.
    Rows {
        rows: Vec<(u64, StringRecord)>,
    },
}

/// A table ready to be read row by row.
pub struct Table {
    pub path: PathBuf,
    pub headers: Vec<String>,
    /// `None` for parquet and workbooks.
    pub dialect: Option<Dialect>,
    source: Source,
}

/// One data row: its 1-based line (for parquet, its 1-based row number) and fields.
pub struct Row<'a> {
    pub line: u64,
    pub fields: &'a StringRecord,
    /// Set when the row has a different number of fields than the header.
    pub ragged: bool,
}

impl Row<'_> {
    /// The trimmed field at `col`, empty when the row is short.
    pub fn get(&self, col: usize) -> &str {
        self.fields.get(col).map(str::trim).unwrap_or("")
    }
}

/// Decodes bytes: a BOM wins (UTF-8, UTF-16LE/BE as Excel's "Unicode text"),
/// then valid UTF-8, else Windows-1251 (what Russian Excel saves as "CSV").
/// Takes the bytes by value so that a UTF-8 file is not copied.
pub fn decode(mut bytes: Vec<u8>) -> (String, &'static str) {
    if let Some((enc, bom_len)) = Encoding::for_bom(&bytes) {
        if enc == UTF_8 {
            bytes.drain(..bom_len);
        } else {
            let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
            return (text.into_owned(), enc.name());
        }
    }
    match String::from_utf8(bytes) {
        Ok(s) => (s, UTF_8.name()),
        Err(e) => {
            let (text, _) = WINDOWS_1251.decode_without_bom_handling(e.as_bytes());
            (text.into_owned(), WINDOWS_1251.name())
        }
    }
}

/// Picks the delimiter that occurs most often outside quotes in the header line:
/// `;` (Russian Excel), `,`, or tab. Ties prefer `;`, then `,`.
pub fn detect_delimiter(text: &str) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            b';' if !quoted => counts[0] += 1,
            b',' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    [b';', b',', b'\t'][best]
}

impl Table {
    /// Opens a CSV or parquet file (by extension).
    pub fn open(path: &Path) -> Result<Table, LoadError> {
        let is_parquet = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
        if is_parquet {
            Self::open_parquet(path)
        } else {
            let bytes = std::fs::read(path).map_err(|source| LoadError::Io {
                path: path.to_owned(),
                source,
            })?;
            Self::from_csv_bytes(path, bytes)
        }
    }

    /// Reads CSV from bytes already in memory (`path` names it in messages).
    pub fn from_csv_bytes(path: &Path, bytes: Vec<u8>) -> Result<Table, LoadError> {
        let (text, encoding) = decode(bytes);
        if text.trim().is_empty() {
            return Err(LoadError::Empty {
                path: path.to_owned(),
            });
        }
        let delimiter = detect_delimiter(&text);
        let mut reader = csv_reader(&text, delimiter);
        let mut header = StringRecord::new();
        match reader.read_record(&mut header) {
            Ok(true) => {}
            Ok(false) => {
                return Err(LoadError::Empty {
                    path: path.to_owned(),
                });
            }
            Err(e) => return Err(csv_error(path, &e)),
        }
        let headers = header.iter().map(|h| h.trim().to_owned()).collect();
        Ok(Table {
            path: path.to_owned(),
            headers,
            dialect: Some(Dialect {
                encoding,
                delimiter,
            }),
            source: Source::Csv { text, delimiter },
        })
    }

    /// A table of rows already split into fields, e.g. read from a workbook;
    /// `line` is what messages call the row's line.
    pub fn from_rows(path: &Path, headers: Vec<String>, rows: Vec<(u64, Vec<String>)>) -> Table {
        let rows = rows
            .into_iter()
            .map(|(line, fields)| (line, StringRecord::from(fields)))
            .collect();
        Table {
            path: path.to_owned(),
            headers,
            dialect: None,
            source: Source::Rows { rows },
        }
    }

    fn open_parquet(path: &Path) -> Result<Table, LoadError> {
        use polars::prelude::*;
        let parquet_err = |e: PolarsError| LoadError::Parquet {
            path: path.to_owned(),
            message: e.to_string(),
        };
        let file = std::fs::File::open(path).map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })?;
        let df = ParquetReader::new(file).finish().map_err(parquet_err)?;
        let headers = df
            .get_column_names()
            .iter()
            .map(|s| s.to_string())
            .collect();
        let columns = df
            .columns()
            .iter()
            .map(|c| c.cast(&DataType::String))
            .collect::<PolarsResult<Vec<_>>>()
            .map_err(parquet_err)?;
        Ok(Table {
            path: path.to_owned(),
            headers,
            dialect: None,
            source: Source::Parquet { columns },
        })
    }

    /// Calls `f` for each data row in file order. A CSV syntax error stops the
    /// file there and is returned; the rows before it were delivered.
    pub fn for_each_row(&self, mut f: impl FnMut(Row<'_>)) -> Result<(), LoadError> {
        let width = self.headers.len();
        match &self.source {
            Source::Csv { text, delimiter } => {
                let mut reader = csv_reader(text, *delimiter);
                let mut record = StringRecord::new();
                let mut first = true;
                loop {
                    match reader.read_record(&mut record) {
                        Ok(true) => {}
                        Ok(false) => break,
                        Err(e) => return Err(csv_error(&self.path, &e)),
                    }
                    if std::mem::take(&mut first) {
                        continue; // the header
                    }
                    let line = record.position().map_or(0, |p| p.line());
                    f(Row {
                        line,
                        fields: &record,
                        ragged: record.len() != width,
                    });
                }
            }
            Source::Rows { rows } => {
                for (line, record) in rows {
                    f(Row {
                        line: *line,
                        fields: record,
                        ragged: record.len() != width,
                    });
                }
            }
            Source::Parquet { columns } => {
                let strings: Vec<_> = columns
                    .iter()
                    .map(|c| c.str())
                    .collect::<Result<_, _>>()
                    .map_err(|e| LoadError::Parquet {
                        path: self.path.clone(),
                        message: e.to_string(),
                    })?;
                let height = columns.first().map_or(0, |c| c.len());
                let mut record = StringRecord::new();
                for i in 0..height {
                    record.clear();
                    for ca in &strings {
                        record.push_field(ca.get(i).unwrap_or(""));
                    }
                    f(Row {
                        line: i as u64 + 1,
                        fields: &record,
                        ragged: false,
                    });
                }
            }
        }
        Ok(())
    }
}

fn csv_reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

fn csv_error(path: &Path, e: &csv::Error) -> LoadError {
    LoadError::Csv {
        path: path.to_owned(),
        line: e.position().map_or(0, |p| p.line()),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_cp1251_and_bom() {
        // "школа" in Windows-1251.
        let cp = [0xF8, 0xEA, 0xEE, 0xEB, 0xE0];
        assert_eq!(decode(cp.to_vec()), ("школа".to_owned(), "windows-1251"));
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("школа".as_bytes());
        assert_eq!(decode(bom), ("школа".to_owned(), "UTF-8"));
        assert_eq!(decode(b"a,b".to_vec()).1, "UTF-8");
        // UTF-16LE with BOM, as Excel's "Unicode text".
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("ab".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(utf16), ("ab".to_owned(), "UTF-16LE"));
    }

    #[test]
    fn delimiter_from_header() {
        assert_eq!(detect_delimiter("year;exam;subject\n1,5;2,5;3"), b';');
        assert_eq!(detect_delimiter("year,exam,subject\n"), b',');
        assert_eq!(detect_delimiter("\"a;b\",c,d\n"), b',');
        assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
    }

    #[test]
    fn rows_carry_lines_and_raggedness() {
        let t = Table::from_csv_bytes(
            Path::new("x.csv"),
            b"a;b;c\n1;2;3\n\"multi\nline\";5;6\n7;8\n".to_vec(),
        )
        .unwrap();
        assert_eq!(t.headers, ["a", "b", "c"]);
        let mut seen = Vec::new();
        t.for_each_row(|r| seen.push((r.line, r.get(0).to_owned(), r.ragged)))
            .unwrap();
        assert_eq!(
            seen,
            [
                (2, "1".to_owned(), false),
                (3, "multi\nline".to_owned(), false),
                (5, "7".to_owned(), true)
            ]
        );
    }

    #[test]
    fn empty_file_is_an_error() {
        let e = Table::from_csv_bytes(Path::new("e.csv"), b"  \n".to_vec())
            .err()
            .unwrap();
        assert!(e.to_string().contains("e.csv: файл пуст"), "{e}");
    }
}
