//! Output files. Writers build bytes from `#[derive(Serialize)]` rows;
//! [`write_file`] is the one function that touches the disk.

pub mod excel;
pub mod lists;
pub mod recheck;
pub mod reference;
pub mod tables;
pub mod xlsx_out;

use std::path::Path;

use serde::Serialize;

use crate::config::CsvDialect;
use crate::error::OutputError;

/// Creates the output folder `dir` (and its parents); a file of that name
/// is said to be one.
fn make_dir(dir: &Path, io: impl Fn(std::io::Error) -> OutputError) -> Result<(), OutputError> {
    if dir.exists() && !dir.is_dir() {
        return Err(OutputError::NotAFolder {
            path: dir.to_owned(),
        });
    }
    std::fs::create_dir_all(dir).map_err(io)
}

/// The files `analyze` writes into its folder (beside `charts/`).
pub const ANALYZE_FILES: &[&str] = &[
    "rejected_rows.csv",
    "files.csv",
    "notes.csv",
    "cells.csv",
    "region.csv",
    "findings.csv",
    "risk_list.csv",
    "objective_list.csv",
    "recheck_sample.csv",
    "recheck_works.csv",
    "recheck_results.csv",
    "recheck_schools.csv",
    "recheck_strata.csv",
    "recheck_unmatched.csv",
    "risk_list.xlsx",
    "cells.xlsx",
    "quality.xlsx",
    "recheck_sample.xlsx",
    "report.html",
    "spravka.docx",
];

/// Creates the output folder `dir` before anything is read, so that a
/// folder that cannot be made is said so at once.
pub fn make_out_dir(dir: &Path) -> Result<(), OutputError> {
    make_dir(dir, |source| OutputError::MakeDir {
        path: dir.to_owned(),
        source,
    })
}

/// Removes the pictures of `dir/charts/` before the report draws its own,
/// so that none of an earlier run's (the charts of a school no longer
/// listed) is left among them.
pub fn clear_charts(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir.join("charts")) {
        for entry in entries.flatten() {
            let path = entry.path();
            let picture = (path.extension().and_then(|e| e.to_str()))
                .is_some_and(|e| e == "png" || e == "svg");
            if picture && path.is_file() {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

/// Removes the files of [`ANALYZE_FILES`] in `dir` that this run did not
/// write (`written`): an earlier run's (the re-check results of a run with
/// recheck.csv, in the folder of a run without it), or one this run failed
/// to finish. Runs after every output, so that a run stopped by an error
/// leaves the earlier results in place. Returns the names removed.
pub fn remove_unwritten(dir: &Path, written: &[String]) -> Vec<String> {
    (ANALYZE_FILES.iter())
        .filter(|name| !written.iter().any(|w| w == *name))
        .filter(|name| {
            let path = dir.join(name);
            path.is_file() && std::fs::remove_file(&path).is_ok()
        })
        .map(|name| (*name).to_owned())
        .collect()
}

/// Writes `bytes` to `dir/name`, creating `dir`.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
    let io = |source| OutputError::Io {
        path: dir.join(name),
        source,
    };
    make_dir(dir, io)?;
    std::fs::write(dir.join(name), bytes).map_err(io)
}

/// Text that a spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab,
/// CR at the start) gets a leading apostrophe, so it stays text.
pub fn safe_text(s: &str) -> String {
    if formula_like(s.as_bytes()) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// [`safe_text`] of a text given as its UTF-8 bytes, borrowing it when it
/// needs no quote.
pub fn safe_bytes(s: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if formula_like(s) {
        [b"'", s].concat().into()
    } else {
        s.into()
    }
}

/// Whether a text starts like a formula (the characters looked at are ASCII,
/// so its first byte tells).
fn formula_like(s: &[u8]) -> bool {
    matches!(s.first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'))
}

/// Rounds to `digits` decimals (for stable, readable output).
pub fn round(x: Option<f64>, digits: i32) -> Option<f64> {
    let f = 10f64.powi(digits);
    x.map(|v| (v * f).round() / f)
}

/// CSV bytes of `rows` in the configured dialect.
/// An empty table still gets its header (taken from a default row).
pub fn csv_bytes<T: Serialize + Default>(
    rows: &[T],
    dialect: CsvDialect,
    what: &str,
) -> Result<Vec<u8>, OutputError> {
    let err = build_error(what);
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    for r in rows {
        w.serialize(r).map_err(|e| err(&e))?;
    }
    if rows.is_empty() {
        w.serialize(T::default()).map_err(|e| err(&e))?;
    }
    let mut plain = w.into_inner().map_err(|e| err(&e))?;
    if rows.is_empty() {
        let header_end = plain
            .iter()
            .position(|&b| b == b'\n')
            .map_or(plain.len(), |i| i + 1);
        plain.truncate(header_end);
    }
    in_dialect(plain, dialect, true).map_err(|e| err(&e))
}

/// CSV bytes of a table whose columns are known only at run time.
pub fn records_bytes(
    header: &[String],
    rows: &[Vec<String>],
    dialect: CsvDialect,
    what: &str,
) -> Result<Vec<u8>, OutputError> {
    let err = build_error(what);
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    w.write_record(header).map_err(|e| err(&e))?;
    for r in rows {
        w.write_record(r).map_err(|e| err(&e))?;
    }
    let plain = w.into_inner().map_err(|e| err(&e))?;
    in_dialect(plain, dialect, true).map_err(|e| err(&e))
}

/// Maps a CSV error to an [`OutputError`] naming the table being built.
fn build_error(what: &str) -> impl Fn(&dyn std::fmt::Display) -> OutputError + '_ {
    move |e| OutputError::Build {
        what: what.to_owned(),
        message: e.to_string(),
    }
}

/// Plain CSV bytes in `dialect`; `first`: they start the file (the BOM of
/// the Excel dialect goes there only).
fn in_dialect(plain: Vec<u8>, dialect: CsvDialect, first: bool) -> Result<Vec<u8>, csv::Error> {
    match dialect {
        CsvDialect::Plain => Ok(plain),
        CsvDialect::ExcelRu => to_excel_ru(&plain, first),
    }
}

/// An output file being streamed: its errors name it.
struct Out {
    path: std::path::PathBuf,
    file: std::io::BufWriter<std::fs::File>,
}

impl Out {
    fn create(dir: &Path, name: &str) -> Result<Out, OutputError> {
        let path = dir.join(name);
        let io = |source| OutputError::Io {
            path: path.clone(),
            source,
        };
        make_dir(dir, io)?;
        let file = std::io::BufWriter::new(std::fs::File::create(&path).map_err(io)?);
        Ok(Out { path, file })
    }

    fn io(&self, source: std::io::Error) -> OutputError {
        OutputError::Io {
            path: self.path.clone(),
            source,
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        use std::io::Write;
        self.file.write_all(bytes).map_err(|e| self.io(e))
    }

    fn finish(mut self) -> Result<(), OutputError> {
        use std::io::Write;
        self.file.flush().map_err(|e| self.io(e))
    }
}

/// Rows serialized between two writes to disk when streaming.
const STREAM_CHUNK: usize = 1 << 22;

/// Writes `rows` as CSV to `dir/name` in the configured dialect, a chunk of
/// a few MB at a time: a table of millions of rows (findings.csv of a
/// national year) is never held whole, neither as rows nor as bytes.
pub fn stream_csv<T: Serialize + Default>(
    dir: &Path,
    name: &str,
    rows: impl Iterator<Item = T>,
    dialect: CsvDialect,
) -> Result<(), OutputError> {
    let err = build_error(name);
    let mut out = Out::create(dir, name)?;
    // Each chunk's writer; only the first one writes the header.
    let writer = |header: bool| {
        csv::WriterBuilder::new()
            .has_headers(header)
            .from_writer(Vec::new())
    };
    let mut w = writer(true);
    let mut first = true;
    let mut flush = |w: &mut csv::Writer<Vec<u8>>, first: &mut bool| -> Result<(), OutputError> {
        let plain = std::mem::replace(w, writer(false))
            .into_inner()
            .map_err(|e| err(&e))?;
        let bytes = in_dialect(plain, dialect, *first).map_err(|e| err(&e))?;
        *first = false;
        out.write(&bytes)
    };
    let mut any = false;
    for r in rows {
        w.serialize(&r).map_err(|e| err(&e))?;
        any = true;
        if w.get_ref().len() >= STREAM_CHUNK {
            flush(&mut w, &mut first)?;
        }
    }
    if any {
        flush(&mut w, &mut first)?;
    } else {
        out.write(&csv_bytes::<T>(&[], dialect, name)?)?;
    }
    out.finish()
}

/// [`stream_csv`] with the rows made and serialized on every core:
/// `write(r, w)` serializes into `w`, in order, the rows (of type `T`) of
/// items `r` of `0..n` (e.g. cells), so that rows may borrow what they show;
/// blocks of [`PAR_BLOCK`] items are turned into bytes in parallel, a window of
/// them at a time, and written in order — the same file as the serial writer,
/// with memory bounded by the window.
pub fn stream_csv_par<T>(
    dir: &Path,
    name: &str,
    n: usize,
    write: impl Fn(std::ops::Range<usize>, &mut csv::Writer<Vec<u8>>) -> Result<(), csv::Error> + Sync,
    dialect: CsvDialect,
) -> Result<(), OutputError>
where
    T: Serialize + Default,
{
    use rayon::prelude::*;
    if n == 0 {
        return stream_csv(dir, name, std::iter::empty::<T>(), dialect);
    }
    let err = build_error(name);
    let mut out = Out::create(dir, name)?;
    let blocks: Vec<std::ops::Range<usize>> = (0..n)
        .step_by(PAR_BLOCK)
        .map(|a| a..(a + PAR_BLOCK).min(n))
        .collect();
    let window = 2 * rayon::current_num_threads().max(1);
    let bytes_of = |group: &[std::ops::Range<usize>]| -> Vec<Result<Vec<u8>, String>> {
        group
            .par_iter()
            .map(|r| {
                let first = r.start == 0;
                let mut w = csv::WriterBuilder::new()
                    .has_headers(first)
                    .from_writer(Vec::new());
                write(r.clone(), &mut w).map_err(|e| e.to_string())?;
                let plain = w.into_inner().map_err(|e| e.to_string())?;
                in_dialect(plain, dialect, first).map_err(|e| e.to_string())
            })
            .collect()
    };
    let write_all = |out: &mut Out, bytes: Vec<Result<Vec<u8>, String>>| {
        for b in bytes {
            out.write(&b.map_err(|e| err(&e))?)?;
        }
        Ok::<(), OutputError>(())
    };
    // Each window is written while the next one is made.
    let mut pending: Option<Vec<Result<Vec<u8>, String>>> = None;
    for group in blocks.chunks(window) {
        let (written, bytes) = rayon::join(
            || pending.take().map_or(Ok(()), |b| write_all(&mut out, b)),
            || bytes_of(group),
        );
        written?;
        pending = Some(bytes);
    }
    if let Some(b) = pending {
        write_all(&mut out, b)?;
    }
    out.finish()
}

/// Items (cells) per parallel block of [`stream_csv_par`].
pub const PAR_BLOCK: usize = 2048;

/// `;`-separated, decimal comma, UTF-8 BOM (when `bom`, at the start of a
/// file): what Excel with Russian regional settings opens directly.
fn to_excel_ru(plain: &[u8], bom: bool) -> Result<Vec<u8>, csv::Error> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(plain);
    let mut out = if bom {
        b"\xEF\xBB\xBF".to_vec()
    } else {
        Vec::new()
    };
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(&mut out);
        for rec in r.records() {
            let rec = rec?;
            let fields: Vec<String> = rec
                .iter()
                .map(|f| {
                    let numeric =
                        f.contains('.') && f.parse::<f64>().is_ok() && !f.contains(['e', 'E']);
                    if numeric {
                        f.replace('.', ",")
                    } else {
                        f.to_owned()
                    }
                })
                .collect();
            w.write_record(&fields)?;
        }
        w.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Default)]
    struct R {
        name: String,
        x: Option<f64>,
    }

    #[test]
    fn streamed_csv_is_the_same_bytes_in_both_dialects_and_when_empty() {
        let tmp = tempfile::tempdir().unwrap();
        // ~6 MB of rows: more than one chunk, so the header and the BOM must
        // be written once and the chunks join exactly.
        let rows = || {
            (0..400_000).map(|i| R {
                name: format!("школа {i}"),
                x: (i % 3 != 0).then(|| f64::from(i) / 7.0),
            })
        };
        for d in [CsvDialect::Plain, CsvDialect::ExcelRu] {
            stream_csv(tmp.path(), "t.csv", rows(), d).unwrap();
            let whole = csv_bytes(&rows().collect::<Vec<_>>(), d, "t").unwrap();
            assert!(whole.len() > 2 * STREAM_CHUNK);
            assert!(
                std::fs::read(tmp.path().join("t.csv")).unwrap() == whole,
                "{d:?}"
            );
            stream_csv(tmp.path(), "e.csv", std::iter::empty::<R>(), d).unwrap();
            let empty = csv_bytes::<R>(&[], d, "e").unwrap();
            assert_eq!(std::fs::read(tmp.path().join("e.csv")).unwrap(), empty);
        }
    }

    #[test]
    fn parallel_stream_writes_the_same_bytes() {
        let tmp = tempfile::tempdir().unwrap();
        // Three rows an item over 5 000 items: several blocks and windows, the
        // last block short.
        let n = 2 * PAR_BLOCK + 904;
        let rows = |r: std::ops::Range<usize>| {
            r.flat_map(|i| {
                (0..3).map(move |k| R {
                    name: format!("школа {i}, {k}"),
                    x: (k != 1).then(|| i as f64 / 7.0),
                })
            })
        };
        for d in [CsvDialect::Plain, CsvDialect::ExcelRu] {
            stream_csv(tmp.path(), "s.csv", rows(0..n), d).unwrap();
            let write =
                |r, w: &mut csv::Writer<Vec<u8>>| rows(r).try_for_each(|row| w.serialize(row));
            stream_csv_par::<R>(tmp.path(), "p.csv", n, write, d).unwrap();
            assert!(
                std::fs::read(tmp.path().join("s.csv")).unwrap()
                    == std::fs::read(tmp.path().join("p.csv")).unwrap(),
                "{d:?}"
            );
            stream_csv_par::<R>(tmp.path(), "e.csv", 0, write, d).unwrap();
            let empty = csv_bytes::<R>(&[], d, "e").unwrap();
            assert_eq!(std::fs::read(tmp.path().join("e.csv")).unwrap(), empty);
        }
    }

    #[test]
    fn formulas_stay_text() {
        assert_eq!(safe_text("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(safe_text("-1"), "'-1");
        assert_eq!(safe_text("МБОУ СОШ"), "МБОУ СОШ");
        for s in [
            "=SUM(A1)",
            "-1",
            "+7",
            "@x",
            "\tt",
            "\rr",
            "МБОУ СОШ",
            "",
            "'",
        ] {
            assert_eq!(&*safe_bytes(s.as_bytes()), safe_text(s).as_bytes(), "{s}");
        }
    }

    #[test]
    fn excel_dialect_uses_semicolon_and_decimal_comma() {
        let rows = [
            R {
                name: "a.b".into(),
                x: Some(0.25),
            },
            R {
                name: "c".into(),
                x: None,
            },
        ];
        let plain = csv_bytes(&rows, CsvDialect::Plain, "t").unwrap();
        assert_eq!(String::from_utf8(plain).unwrap(), "name,x\na.b,0.25\nc,\n");
        let ru = csv_bytes(&rows, CsvDialect::ExcelRu, "t").unwrap();
        assert_eq!(
            String::from_utf8(ru).unwrap(),
            "\u{feff}name;x\na.b;0,25\nc;\n"
        );
        let empty: [R; 0] = [];
        assert_eq!(
            csv_bytes(&empty, CsvDialect::Plain, "t").unwrap(),
            b"name,x\n"
        );
    }
}
