//! Opening an input table: a CSV file in whatever encoding and dialect Excel
//! saved it, or a parquet file, presented as a header plus rows of text fields
//! with the line each row starts on.
//!
//! CSV rows are tokenised with the `csv` crate rather than polars' CSV reader
//! because every rejected row must carry the line it came from and a ragged
//! (truncated or over-long) line must be caught, not padded with nulls.
//! Parquet files are read with polars.

use std::path::{Path, PathBuf};

use csv::{ByteRecord, StringRecord};
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
        columns: Vec<polars_core::prelude::Column>,
    },
    /// Rows already split into fields (from a workbook), with their lines
    /// and the index of their sheet in [`Table::sheets`].
    Rows {
        rows: Vec<(u64, StringRecord, u16)>,
    },
}

/// A table ready to be read row by row.
pub struct Table {
    pub path: PathBuf,
    pub headers: Vec<String>,
    /// `None` for parquet and workbooks.
    pub dialect: Option<Dialect>,
    /// Bytes of a UTF-8 file that did not decode (none for other sources).
    pub undecoded: Undecoded,
    /// Lines above the header that title the table (an Excel report's
    /// heading): how many, and the first one's text. They are read as
    /// empty lines.
    pub title: Option<(u64, String)>,
    /// The line of a header's second row (task numbers under a merged
    /// group heading), read into the header and as an empty line.
    pub second_header: Option<u64>,
    /// The sheets a workbook's rows come from, when more than one: a row's
    /// [`Row::sheet`] indexes it (empty for other tables).
    pub sheets: Vec<String>,
    source: Source,
}

/// The lines above a CSV table's header that title it, as Excel reports
/// have them: (number of lines, the first one's text, the byte where the
/// header starts). The header is the first of the first 10 lines holding at
/// least 3 fields and half as many as the widest of them; the lines above it
/// must hold at most 2 fields each (a title, a municipality's name).
fn title_lines(text: &str) -> Option<(u64, String, usize)> {
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n').take(10) {
        lines.push((at, line.trim_end_matches(['\r', '\n'])));
        at += line.len();
    }
    // Fields by the delimiter that splits some line the widest (a title may
    // hold commas, the table is cut by semicolons).
    let count = |line: &str, d: char| line.split(d).filter(|f| !f.trim().is_empty()).count();
    let (delimiter, widest) = [';', '\t', ',']
        .into_iter()
        .map(|d| (d, lines.iter().map(|(_, l)| count(l, d)).max().unwrap_or(0)))
        .max_by_key(|&(_, w)| w)?;
    let fields = |line: &str| count(line, delimiter);
    let header = lines
        .iter()
        .position(|(_, l)| fields(l) >= 3 && 2 * fields(l) >= widest)?;
    if header == 0
        || lines[..header]
            .iter()
            .any(|(_, l)| fields(l) > 2 || l.contains('"'))
    {
        return None;
    }
    let first = (lines[..header].iter())
        .map(|(_, l)| l.trim_matches([';', ',', '\t', ' ']).trim())
        .find(|l| !l.is_empty())
        .unwrap_or("")
        .to_owned();
    Some((header as u64, first, lines[header].0))
}

/// Why a row cannot be split into the header's fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// A different number of fields than the header.
    Ragged,
    /// A quote opened on this line is not closed before the lines after it
    /// stop making sense; reading went on from the next line.
    UnclosedQuote,
    /// Fewer fields than the header: the missing ones, at the end of the
    /// line, are read as empty (some exporters leave trailing empty fields
    /// off). Not a reason to reject the row; the results say so in a note.
    Short,
}

/// Whether a record splits into the header's `width` fields: one with more
/// fields is ragged unless the extra ones are empty (a delimiter closing
/// every line but the header's), one with fewer is [`Malformed::Short`].
pub fn shape(record: &ByteRecord, width: usize) -> Option<Malformed> {
    use std::cmp::Ordering;
    match record.len().cmp(&width) {
        Ordering::Equal => None,
        Ordering::Less => Some(Malformed::Short),
        Ordering::Greater => (record.iter().skip(width))
            .any(|f| !f.trim_ascii().is_empty())
            .then_some(Malformed::Ragged),
    }
}

/// The rows of a side file shorter than its header, which are read with the
/// missing fields empty: counted as they pass, told in one note per file
/// (the results' rows are told one by one).
#[derive(Default)]
pub struct ShortRows {
    count: u64,
    first: u64,
}

impl ShortRows {
    pub fn see(&mut self, row: &Row<'_>) {
        if row.malformed == Some(Malformed::Short) {
            if self.count == 0 {
                self.first = row.line;
            }
            self.count += 1;
        }
    }

    pub fn note(&self, file: &str, report: &mut super::report::LoadReport) {
        if self.count > 0 {
            report.warn(
                file,
                self.first,
                format!(
                    "строк короче заголовка: {}, первая — строка {}; недостающие поля в конце \
                     строки считаются пустыми",
                    self.count, self.first
                ),
            );
        }
    }
}

/// One data row: its 1-based line (for parquet, its 1-based row number) and
/// fields. The fields are cut from UTF-8 text (a decoded file, or strings) at
/// ASCII delimiters and quotes, so each is UTF-8: [`Row::get`] checks it when
/// it is read, on whichever core reads it, not on the one reading the file.
pub struct Row<'a> {
    pub line: u64,
    pub fields: &'a ByteRecord,
    /// Set when the row cannot be used as it is split.
    pub malformed: Option<Malformed>,
    /// Its sheet in [`Table::sheets`] (0 where the table has none).
    pub sheet: u16,
    /// All its fields' bytes as one text, where they are UTF-8: checked once
    /// a row rather than once a field ([`Row::get`]).
    text: Option<&'a str>,
}

impl<'a> Row<'a> {
    pub fn new(
        line: u64,
        fields: &'a ByteRecord,
        malformed: Option<Malformed>,
        sheet: u16,
    ) -> Row<'a> {
        Row {
            line,
            fields,
            malformed,
            sheet,
            text: std::str::from_utf8(fields.as_slice()).ok(),
        }
    }

    /// The trimmed field at `col`, empty when the row is short.
    pub fn get(&self, col: usize) -> &str {
        let field = match (self.text, self.fields.range(col)) {
            // A field of a row that is UTF-8 as a whole is one unless it
            // starts or ends inside a character (`str::get` tells).
            (Some(text), Some(range)) => text.get(range),
            _ => None,
        };
        field
            .or_else(|| std::str::from_utf8(self.fields.get(col)?).ok())
            .map_or("", trim)
    }

    /// The Russian reason to reject a malformed row (`width`: the header's fields).
    pub fn malformed_reason(&self, width: usize) -> Option<String> {
        Some(match self.malformed? {
            Malformed::Ragged => format!(
                "полей в строке: {}, а в заголовке: {width} (строка обрезана или сдвинута?)",
                self.fields.len()
            ),
            Malformed::UnclosedQuote => "в строке открыта кавычка \", которая не закрыта до \
                 конца строки; строка не прочитана, чтение продолжено со следующей строки"
                .to_owned(),
            Malformed::Short => return None,
        })
    }
}

/// [`str::trim`], quick for the usual field: one that starts and ends with a
/// printable ASCII character (a byte below 0x80 is a whole character, and no
/// printable one is white space) is returned as it is.
pub fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(a), Some(z)) if a.is_ascii_graphic() && z.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Bytes that did not decode in a text that is otherwise UTF-8: how many, and
/// where the first ones stand (1-based line, 1-based byte in that line).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Undecoded {
    pub count: usize,
    pub first: Vec<(u64, usize)>,
}

/// Decodes bytes: a BOM wins (UTF-8, UTF-16LE/BE as Excel's "Unicode text"),
/// then UTF-8 when the text is UTF-8 (a few stray bytes among many valid
/// multi-byte characters do not change that: they become U+FFFD and are
/// listed in [`Undecoded`]), else Windows-1251 (what Russian Excel saves as
/// "CSV"). The choice is made on the whole text, not on its first bad byte.
/// Takes the bytes by value so that a UTF-8 file is not copied.
pub fn decode(mut bytes: Vec<u8>) -> (String, &'static str, Undecoded) {
    if let Some((enc, bom_len)) = Encoding::for_bom(&bytes) {
        if enc == UTF_8 {
            bytes.drain(..bom_len);
        } else {
            let (text, _) = enc.decode_without_bom_handling(&bytes[bom_len..]);
            return (text.into_owned(), enc.name(), Undecoded::default());
        }
    }
    let bytes = match String::from_utf8(bytes) {
        Ok(s) => return (s, UTF_8.name(), Undecoded::default()),
        Err(e) => e.into_bytes(),
    };
    // Windows-1251 Cyrillic letters are 0xC0..0xFF, which in UTF-8 must be
    // followed by continuation bytes 0x80..0xBF that Russian text rarely has:
    // read as UTF-8 it is almost all invalid. A UTF-8 file with a stray byte
    // has many valid multi-byte characters per invalid one.
    let mut multibyte = 0usize;
    let mut undecoded = Undecoded::default();
    let (mut line, mut line_start, mut at) = (1u64, 0usize, 0usize);
    for chunk in bytes.utf8_chunks() {
        for (i, c) in chunk.valid().char_indices() {
            if c == '\n' {
                line += 1;
                line_start = at + i + 1;
            }
            multibyte += usize::from(c.len_utf8() > 1);
        }
        at += chunk.valid().len();
        if !chunk.invalid().is_empty() {
            undecoded.count += 1;
            if undecoded.first.len() < 5 {
                undecoded.first.push((line, at - line_start + 1));
            }
            at += chunk.invalid().len();
        }
    }
    if multibyte >= 10 * undecoded.count {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        (text, UTF_8.name(), undecoded)
    } else {
        let (text, _) = WINDOWS_1251.decode_without_bom_handling(&bytes);
        (text.into_owned(), WINDOWS_1251.name(), Undecoded::default())
    }
}

/// Picks the delimiter that occurs most often outside quotes in the header line:
/// `;` (Russian Excel), `,`, or tab. Ties prefer `;`, then `,`.
pub fn detect_delimiter(text: &str) -> u8 {
    // The header line: the first one that is not empty.
    let text = text.trim_start_matches(['\r', '\n']);
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
        let (text, encoding, undecoded) = decode(bytes);
        if text.trim().is_empty() {
            return Err(LoadError::Empty {
                path: path.to_owned(),
            });
        }
        // A title above the header: its lines are read as empty ones, so that
        // every line keeps its number.
        let title = title_lines(&text);
        let text = match &title {
            Some((_, _, start)) => {
                let breaks: String = (text[..*start].chars())
                    .filter(|c| matches!(c, '\r' | '\n'))
                    .collect();
                breaks + &text[*start..]
            }
            None => text,
        };
        let title = title.map(|(n, first, _)| (n, first));
        let delimiter = detect_delimiter(&text);
        let mut reader = csv_reader(&text, delimiter);
        let mut header = StringRecord::new();
        match reader.read_record(&mut header) {
            // A first row of delimiters alone (`;;;`) with no header found
            // below it (see `title_lines`): a file of empty lines.
            Ok(true) if !blank(header.as_byte_record()) => {}
            Ok(_) => {
                return Err(LoadError::Empty {
                    path: path.to_owned(),
                });
            }
            Err(e) => return Err(csv_error(path, &e)),
        }
        // A header cell may hold a line break (Alt+Enter in Excel); a header
        // over several lines is taken when the row after it has its width,
        // else it is a quote left open that swallowed the file.
        if line_breaks(
            &reader,
            record_start(header.as_byte_record(), 0, &text),
            0,
            &text,
        ) > 0
        {
            let mut next = StringRecord::new();
            let fits =
                matches!(reader.read_record(&mut next), Ok(true)) && next.len() == header.len();
            if !fits {
                return Err(LoadError::Csv {
                    path: path.to_owned(),
                    line: 1,
                    message:
                        "в строке заголовка открыта кавычка, которая не закрыта до конца строки"
                            .to_owned(),
                });
            }
        }
        let mut headers: Vec<String> = header.iter().map(|h| h.trim().to_owned()).collect();
        // A header over two rows (task numbers under a merged «Баллы за
        // задания»): the second row joins the header and is read as an empty line.
        let start = reader.position().byte() as usize;
        let mut next = StringRecord::new();
        let second = match reader.read_record(&mut next) {
            Ok(true) => {
                let row: Vec<String> = next.iter().map(|f| f.trim().to_owned()).collect();
                super::columns::merged_header(&headers, &row)
                    .map(|merged| (merged, reader.position().byte() as usize))
            }
            _ => None,
        };
        drop(reader);
        let (text, second_header) = match second {
            Some((merged, end)) if end <= text.len() => {
                headers = merged;
                let before = &text[..start];
                let breaks_before = before.matches('\n').count() + before.matches('\r').count()
                    - before.matches("\r\n").count();
                let line = 1 + breaks_before as u64;
                let breaks: String = (text[start..end].chars())
                    .filter(|c| matches!(c, '\r' | '\n'))
                    .collect();
                (
                    text[..start].to_owned() + &breaks + &text[end..],
                    Some(line),
                )
            }
            _ => (text, None),
        };
        Ok(Table {
            path: path.to_owned(),
            headers,
            dialect: Some(Dialect {
                encoding,
                delimiter,
            }),
            undecoded,
            title,
            second_header,
            sheets: Vec::new(),
            source: Source::Csv { text, delimiter },
        })
    }

    /// A table of rows already split into fields, e.g. read from a workbook;
    /// `line` is what messages call the row's line.
    pub fn from_rows(path: &Path, headers: Vec<String>, rows: Vec<(u64, Vec<String>)>) -> Table {
        let rows = (rows.into_iter())
            .map(|(line, fields)| (line, fields, 0))
            .collect();
        Table::from_sheet_rows(path, headers, rows, Vec::new())
    }

    /// [`Table::from_rows`] for rows from several sheets of a workbook: each
    /// row carries the index of its sheet in `sheets`, so that a message
    /// about it names the sheet (Excel rows are numbered per sheet).
    pub fn from_sheet_rows(
        path: &Path,
        headers: Vec<String>,
        rows: Vec<(u64, Vec<String>, u16)>,
        sheets: Vec<String>,
    ) -> Table {
        let rows = (rows.into_iter())
            .map(|(line, fields, sheet)| (line, StringRecord::from(fields), sheet))
            .collect();
        Table {
            path: path.to_owned(),
            headers,
            dialect: None,
            undecoded: Undecoded::default(),
            title: None,
            second_header: None,
            sheets,
            source: Source::Rows { rows },
        }
    }

    fn open_parquet(path: &Path) -> Result<Table, LoadError> {
        use polars_core::prelude::*;
        use polars_io::prelude::*;
        let parquet_err = |_: PolarsError| LoadError::Parquet {
            path: path.to_owned(),
            message: "файл повреждён или это не файл parquet".to_owned(),
        };
        let file = std::fs::File::open(path).map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })?;
        // A damaged file can make polars panic inside its page decoder (found by
        // the fuzz harness): caught here, with polars' own panic message kept
        // off the user's terminal, and reported as a damaged file.
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ParquetReader::new(file).finish()
        }));
        std::panic::set_hook(previous);
        let df = match read {
            Ok(r) => r.map_err(parquet_err)?,
            Err(_) => {
                return Err(LoadError::Parquet {
                    path: path.to_owned(),
                    message: "файл повреждён: его данные не читаются".to_owned(),
                });
            }
        };
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
            undecoded: Undecoded::default(),
            title: None,
            second_header: None,
            sheets: Vec::new(),
            source: Source::Parquet { columns },
        })
    }

    /// Calls `f` for each data row in file order. A row whose quote is left
    /// open is delivered as [`Malformed::UnclosedQuote`] on its own line and
    /// reading goes on from the line after it, so one stray quote costs one row.
    pub fn for_each_row(&self, mut f: impl FnMut(Row<'_>)) -> Result<(), LoadError> {
        let width = self.headers.len();
        match &self.source {
            Source::Csv { text, delimiter } => {
                csv_rows(&self.path, text, *delimiter, width, &mut f)?;
            }
            Source::Rows { rows } => {
                for (line, record, sheet) in rows {
                    if blank(record.as_byte_record()) {
                        continue;
                    }
                    f(Row::new(
                        *line,
                        record.as_byte_record(),
                        shape(record.as_byte_record(), width),
                        *sheet,
                    ));
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
                    f(Row::new(i as u64 + 1, record.as_byte_record(), None, 0));
                }
            }
        }
        Ok(())
    }
}

/// A piece of a CSV table's data rows, cut at a line break (see
/// [`Table::csv_chunks`]).
#[derive(Clone, Copy, Debug)]
pub struct Chunk<'a> {
    text: &'a str,
    /// Line breaks before the piece in the file.
    breaks_before: u64,
}

impl Table {
    /// The data rows' text cut at line breaks into pieces of about `bytes`
    /// bytes, to be read on several cores, when that reads exactly as one
    /// pass does: a CSV text without a quote character, so that no record
    /// runs over a line break (a quote may hold one, and a quote left open is
    /// resynchronised row by row, see [`Table::for_each_row`]). None for
    /// other texts and other sources.
    pub fn csv_chunks(&self, bytes: usize) -> Option<Vec<Chunk<'_>>> {
        let Source::Csv { text, delimiter } = &self.source else {
            return None;
        };
        if text.as_bytes().contains(&b'"') {
            return None;
        }
        // The header is the first record (checked to be one line).
        let mut reader = csv_reader(text, *delimiter);
        let mut record = ByteRecord::new();
        if !reader.read_byte_record(&mut record).unwrap_or(false) {
            return Some(Vec::new());
        }
        let mut at = (reader.position().byte() as usize).min(text.len());
        // The reader may stop inside the header's CRLF: the piece starts
        // past the line breaks, so that none is cut or counted twice.
        at += text[at..].len() - text[at..].trim_start_matches(['\r', '\n']).len();
        let mut breaks_before = breaks(&text[..at]) as u64;
        let mut chunks = Vec::new();
        while at < text.len() {
            // The piece ends after the first LF at or past `bytes` (a CRLF is
            // never cut; a text of lone CRs stays one piece).
            let want = (at + bytes.max(1)).min(text.len());
            let end = match text.as_bytes()[want..].iter().position(|&b| b == b'\n') {
                Some(i) => want + i + 1,
                None => text.len(),
            };
            let piece = &text[at..end];
            chunks.push(Chunk {
                text: piece,
                breaks_before,
            });
            breaks_before += breaks(piece) as u64;
            at = end;
        }
        Some(chunks)
    }

    /// Calls `f` for each row of a piece of [`Table::csv_chunks`], in order,
    /// as [`Table::for_each_row`] delivers them.
    pub fn for_each_row_of(
        &self,
        chunk: &Chunk<'_>,
        mut f: impl FnMut(Row<'_>),
    ) -> Result<(), LoadError> {
        let Source::Csv { delimiter, .. } = &self.source else {
            return Ok(());
        };
        let width = self.headers.len();
        let mut reader = csv_reader(chunk.text, *delimiter);
        let mut record = ByteRecord::new();
        let mut lines = LineCounter::default();
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(&self.path, &e))?
        {
            if blank(&record) {
                continue;
            }
            let start = record_start(&record, 0, chunk.text);
            let line = chunk.breaks_before + lines.line_at(chunk.text, start);
            f(Row::new(line, &record, shape(&record, width), 0));
        }
        Ok(())
    }
}

/// The data rows of CSV text (the header line skipped), resynchronising after
/// a quote left open: a record that runs over several lines without the
/// header's number of fields is such a quote, reported on its first line, and
/// reading restarts at the line after it.
fn csv_rows(
    path: &Path,
    text: &str,
    delimiter: u8,
    width: usize,
    f: &mut impl FnMut(Row<'_>),
) -> Result<(), LoadError> {
    let mut record = ByteRecord::new();
    // Where the current reader started, and the line count up to a byte.
    let mut offset = 0usize;
    let mut lines = LineCounter::default();
    let mut header = true;
    'restart: while offset < text.len() {
        let mut reader = csv_reader(&text[offset..], delimiter);
        loop {
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break 'restart,
                Err(e) => return Err(csv_error(path, &e)),
            }
            let start = record_start(&record, offset, text);
            let line = lines.line_at(text, start);
            if std::mem::take(&mut header) {
                // The header is checked to be one line when the table is opened.
                continue;
            }
            let broken = line_breaks(&reader, start, offset, text) > 0
                && (record.len() != width || swallows_rows(&record, delimiter, width));
            if broken {
                f(Row::new(line, &record, Some(Malformed::UnclosedQuote), 0));
                match text[start..].find(['\n', '\r']) {
                    Some(at) => {
                        let after = start + at;
                        offset = after
                            + if text[after..].starts_with("\r\n") {
                                2
                            } else {
                                1
                            };
                        continue 'restart;
                    }
                    None => break 'restart,
                }
            }
            if blank(&record) {
                continue;
            }
            f(Row::new(line, &record, shape(&record, width), 0));
        }
    }
    Ok(())
}

/// A row of delimiters alone (`;;;;`: how Excel saves a formatted empty row),
/// or of spaces between them: an empty line, skipped as the reader skips a
/// blank one.
fn blank(record: &ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

/// Line breaks in `s`: LF, CRLF, and a CR alone (old Macintosh files), as an
/// editor shows them.
fn breaks(s: &str) -> usize {
    let b = s.as_bytes();
    // The common case in one vectorized count: no CR at all.
    let lf = b.iter().filter(|&&c| c == b'\n').count();
    if !b.contains(&b'\r') {
        return lf;
    }
    lf + (0..b.len())
        .filter(|&i| b[i] == b'\r' && b.get(i + 1) != Some(&b'\n'))
        .count()
}

/// The 1-based line of a byte offset, counted incrementally (offsets asked
/// for never decrease).
#[derive(Default)]
struct LineCounter {
    byte: usize,
    breaks: usize,
}

impl LineCounter {
    fn line_at(&mut self, text: &str, byte: usize) -> u64 {
        let byte = byte.min(text.len()).max(self.byte);
        self.breaks += breaks(&text[self.byte..byte]);
        self.byte = byte;
        self.breaks as u64 + 1
    }
}

/// Whether a field of a multi-line record holds a whole line that would be a
/// row of the header's width by itself: the mark of a quote left open that
/// happened to swallow a full row's worth of fields.
fn swallows_rows(record: &ByteRecord, delimiter: u8, width: usize) -> bool {
    let delimiter = char::from(delimiter);
    record
        .iter()
        .filter_map(|f| std::str::from_utf8(f).ok())
        .any(|f| {
            f.lines()
                .skip(1)
                .any(|l| width > 1 && l.matches(delimiter).count() + 1 >= width)
        })
}

/// Where the record just read starts in `text`: the reader's position may
/// stand on the line break before it (the LF of a CRLF, blank lines), which is
/// skipped here so that lines are right in files saved by Windows Excel.
fn record_start(record: &ByteRecord, offset: usize, text: &str) -> usize {
    let byte = record.position().map_or(0, |p| p.byte() as usize);
    let from = (offset + byte).min(text.len());
    let rest = &text[from..];
    from + (rest.len() - rest.trim_start_matches(['\r', '\n']).len())
}

/// Line breaks inside the record just read, its own terminator aside.
fn line_breaks(reader: &csv::Reader<&[u8]>, start: usize, offset: usize, text: &str) -> usize {
    let end = (offset + reader.position().byte() as usize).min(text.len());
    breaks(text[start.min(end)..end].trim_end_matches(['\r', '\n']))
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
    fn a_title_above_the_header_is_read_as_empty_lines() {
        // An Excel report saved as CSV: a title (with commas in it), the
        // municipality, an empty row, then the table.
        let text = "Результаты ВПР 2025 года, русский язык, 4 класс;;;;\r\n\
                    Городской округ Верхний;;;;\r\n;;;;\r\n\
                    год;экзамен;предмет;класс;логин\r\n2025;VPR;RU;4;edu1\r\n";
        let t = Table::from_csv_bytes(Path::new("t.csv"), text.as_bytes().to_vec()).unwrap();
        assert_eq!(t.headers, ["год", "экзамен", "предмет", "класс", "логин"]);
        assert_eq!(t.dialect.unwrap().delimiter, b';');
        assert_eq!(
            t.title,
            Some((
                3,
                "Результаты ВПР 2025 года, русский язык, 4 класс".to_owned()
            ))
        );
        let mut lines = Vec::new();
        t.for_each_row(|r| lines.push((r.line, r.fields.len())))
            .unwrap();
        assert_eq!(lines, [(5, 5)], "the data row keeps its line number");
        // A header on the first line, and a first data row of few fields,
        // are not titles.
        assert_eq!(title_lines("a,b,c\n1,,\n"), None);
        assert_eq!(title_lines("a;b\n1;2\n"), None);
    }

    #[test]
    fn decodes_cp1251_and_bom() {
        // "школа" in Windows-1251.
        let cp = [0xF8, 0xEA, 0xEE, 0xEB, 0xE0];
        assert_eq!(decode(cp.to_vec()).0, "школа");
        assert_eq!(decode(cp.to_vec()).1, "windows-1251");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("школа".as_bytes());
        assert_eq!(decode(bom).0, "школа");
        assert_eq!(decode(b"a,b".to_vec()).1, "UTF-8");
        // UTF-16LE with BOM, as Excel's "Unicode text".
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("ab".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let (text, enc, _) = decode(utf16);
        assert_eq!((text.as_str(), enc), ("ab", "UTF-16LE"));
    }

    #[test]
    fn delimiter_from_header() {
        assert_eq!(detect_delimiter("year;exam;subject\n1,5;2,5;3"), b';');
        assert_eq!(detect_delimiter("year,exam,subject\n"), b',');
        assert_eq!(detect_delimiter("\"a;b\",c,d\n"), b',');
        assert_eq!(detect_delimiter("a\tb\tc"), b'\t');
    }

    type Seen = (u64, Vec<Vec<u8>>, bool);

    /// A row's (line, fields, ragged).
    fn seen(r: Row<'_>) -> Seen {
        let fields = r.fields.iter().map(<[u8]>::to_vec).collect();
        (r.line, fields, r.malformed.is_some())
    }

    /// Every row, as one pass reads them.
    fn rows_in_one_pass(t: &Table) -> Vec<Seen> {
        let mut out = Vec::new();
        t.for_each_row(|r| out.push(seen(r))).unwrap();
        out
    }

    #[test]
    fn quick_trim_is_the_standard_trim() {
        let spaces = [" ", "\u{a0}", "\t", "\u{2003}", "\r", ""];
        let cores = [
            "", "5", "4,5", "X", "Х", "—", "edu0501", "а б", " ", "\u{a0}7",
        ];
        for a in spaces {
            for c in cores {
                for z in spaces {
                    let s = format!("{a}{c}{z}");
                    assert_eq!(trim(&s), s.trim(), "{s:?}");
                }
            }
        }
    }

    proptest::proptest! {
        /// Read in pieces of any size, a text without quotes gives the rows,
        /// lines and raggedness of one pass: line breaks LF, CRLF and CR
        /// alone, blank lines, short and long rows, no final break.
        #[test]
        fn pieces_read_as_one_pass(
            lines in proptest::collection::vec((0usize..5, 0usize..4), 0..40),
            bytes in 1usize..40,
        ) {
            let mut text = String::from("a;b;c\r\n");
            for (i, &(fields, end)) in lines.iter().enumerate() {
                let row: Vec<String> = (0..fields).map(|f| format!("{i}ж{f}")).collect();
                text.push_str(&row.join(";"));
                text.push_str(["\n", "\r\n", "\r", "\n\n"][end]);
            }
            if lines.len() % 2 == 1 {
                text.push_str("9;9;9");
            }
            let t = Table::from_csv_bytes(Path::new("x.csv"), text.into_bytes()).unwrap();
            let whole = rows_in_one_pass(&t);
            let chunks = t.csv_chunks(bytes).expect("no quote: read in pieces");
            let mut pieces = Vec::new();
            for c in &chunks {
                t.for_each_row_of(c, |r| pieces.push(seen(r))).unwrap();
            }
            proptest::prop_assert_eq!(pieces, whole);
        }
    }

    #[test]
    fn a_quote_reads_in_one_pass() {
        let t = Table::from_csv_bytes(Path::new("x.csv"), b"a;b\n\"1\";2\n".to_vec()).unwrap();
        assert!(t.csv_chunks(4).is_none());
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
        t.for_each_row(|r| seen.push((r.line, r.get(0).to_owned(), r.malformed.is_some())))
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

    fn rows_of(text: &[u8]) -> Vec<(u64, String, Option<Malformed>)> {
        let t = Table::from_csv_bytes(Path::new("q.csv"), text.to_vec()).unwrap();
        let mut seen = Vec::new();
        t.for_each_row(|r| seen.push((r.line, r.get(0).to_owned(), r.malformed)))
            .unwrap();
        seen
    }

    #[test]
    fn an_unclosed_quote_costs_one_line_and_reading_goes_on() {
        let seen = rows_of(b"a;b;c\n1;2;3\n\"4;5;6\n7;8;9\n10;11;12\n");
        assert_eq!(
            seen,
            [
                (2, "1".to_owned(), None),
                (
                    3,
                    "4;5;6\n7;8;9\n10;11;12".to_owned(),
                    Some(Malformed::UnclosedQuote)
                ),
                (4, "7".to_owned(), None),
                (5, "10".to_owned(), None),
            ]
        );
        // Quote in the middle of a field, CRLF line ends, no final line break.
        let seen = rows_of(b"a;b\r\nx;\"y\r\nz;w\r\nu;v");
        let lines: Vec<_> = seen.iter().map(|(l, f, m)| (*l, f.as_str(), *m)).collect();
        assert_eq!(lines[0].0, 2);
        assert_eq!(lines[0].2, Some(Malformed::UnclosedQuote));
        assert_eq!(&lines[1..], [(3, "z", None), (4, "u", None)]);
        // A legitimate multi-line quoted field stays one row.
        let seen = rows_of(b"a;b\n\"x\ny\";1\n2;3\n");
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1], (4, "2".to_owned(), None));
    }

    #[test]
    fn lines_are_right_with_crlf_and_blank_lines() {
        let lines = |t: &[u8]| {
            rows_of(t)
                .into_iter()
                .map(|(l, f, _)| (l, f))
                .collect::<Vec<_>>()
        };
        let want = [(2, "1".to_owned()), (4, "3".to_owned())];
        assert_eq!(lines(b"a;b\r\n1;2\r\n\r\n3;4\r\n"), want);
        assert_eq!(lines(b"a;b\n1;2\n\n3;4\n"), want);
        assert_eq!(lines(b"a;b\r\n1;2\r\n\r\n3;4"), want);
        // Old Macintosh line ends (a CR alone), as Excel's «CSV (Macintosh)»:
        // each row keeps its own line, so no two rows share one (found by fuzzing).
        assert_eq!(lines(b"a;b\r1;2\r\r3;4\r"), want);
        assert_eq!(
            lines(b"a;b\n1;2\r\n3;4\n"),
            [(2, "1".to_owned()), (3, "3".to_owned())]
        );
    }

    #[test]
    fn rows_of_delimiters_alone_are_empty_lines() {
        // Excel saves a formatted empty row as `;;` (or `; ;`); a short row
        // of empty fields is empty too. A row with one value is a row.
        let want = [(2, "1".to_owned(), None), (6, "3".to_owned(), None)];
        assert_eq!(rows_of(b"a;b;c\n1;2;3\n;;\n; ;\n;\n3;4;5\n"), want);
        assert_eq!(
            rows_of(b"a;b;c\r\n1;2;3\r\n;;\r\n; ;\r\n;\r\n3;4;5\r\n"),
            want
        );
        assert_eq!(
            rows_of(b"a;b;c\n;;x\n"),
            [(2, String::new(), None)],
            "a row with a value is read"
        );
    }

    #[test]
    fn a_file_of_empty_lines_and_delimiters_alone_is_empty() {
        for text in [&b"\n\n\n;;;\n"[..], b";;;\r\n;;;\r\n", b"\t\t\n"] {
            let e = Table::from_csv_bytes(Path::new("e.csv"), text.to_vec()).err();
            assert!(
                matches!(e, Some(LoadError::Empty { .. })),
                "{text:?}: {e:?}"
            );
        }
        // Delimiters alone above a header are empty lines before it.
        let t = Table::from_csv_bytes(Path::new("h.csv"), b";;;\na;b;c\n1;2;3\n".to_vec()).unwrap();
        assert_eq!(t.headers, ["a", "b", "c"]);
    }

    #[test]
    fn a_header_cell_may_hold_a_line_break() {
        let t =
            Table::from_csv_bytes(Path::new("h.csv"), b"a;\"b\nc\";d\n1;2;3\n".to_vec()).unwrap();
        assert_eq!(t.headers, ["a", "b\nc", "d"]);
        assert_eq!(
            rows_of(b"a;\"b\nc\";d\n1;2;3\n"),
            [(3, "1".to_owned(), None)]
        );
    }

    #[test]
    fn an_unclosed_quote_in_the_header_fails_the_file_at_line_1() {
        let e = Table::from_csv_bytes(Path::new("h.csv"), b"a;\"b;c\n1;2;3\n".to_vec())
            .err()
            .unwrap();
        assert!(e.to_string().contains("строка 1"), "{e}");
    }

    #[test]
    fn a_stray_byte_keeps_utf8_and_is_located() {
        let mut bytes = "год;предмет;школа\nодин;два;три\n".as_bytes().to_vec();
        bytes.insert(bytes.len() - 3, 0xFF);
        let (text, enc, bad) = decode(bytes);
        assert_eq!(enc, "UTF-8");
        assert!(text.starts_with("год;предмет;школа\n"));
        assert_eq!(bad.count, 1);
        // The byte stands after «один;два;тр» on line 2.
        assert_eq!(bad.first, [(2, "один;два;тр".len() + 1)]);
        // Real Windows-1251 text is still read as such.
        let (cp, enc, _) = decode(vec![0xE3, 0xEE, 0xE4, 0x3B, 0xF8, 0xEA, 0xEE, 0xEB, 0xE0]);
        assert_eq!((cp.as_str(), enc), ("год;школа", "windows-1251"));
    }

    #[test]
    fn empty_file_is_an_error() {
        let e = Table::from_csv_bytes(Path::new("e.csv"), b"  \n".to_vec())
            .err()
            .unwrap();
        assert!(e.to_string().contains("e.csv: файл пуст"), "{e}");
    }
}
