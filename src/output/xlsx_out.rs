//! Writing tables as `.xlsx` workbooks for people who read them in Excel.
//!
//! Each table becomes one sheet: a bold header row that stays in view (frozen)
//! with an autofilter over the used range; column widths from the longest
//! header or value (capped at [`MAX_WIDTH`]; a text column with longer values
//! wraps them instead); a number format per column kind; printing on A4
//! landscape, one page wide, the header repeated on every page and «Стр. N из M»
//! at the foot.
//!
//! Choices:
//! * Text is always written with `write_string`, so `=SUM(A1)`, `+7…`, `-5`
//!   or `@x` stay text and never become formulas; numbers never go through
//!   string conversion either. A value of another type than its column's kind
//!   is written as what it is (text in a number column stays text).
//! * A text longer than Excel's cell limit ([`MAX_CELL_CHARS`]) is cut to it,
//!   ending in [`CUT_MARKER`], instead of failing the workbook.
//! * Percent columns take fractions: `Value::Num(0.25)` shows as `25%`.
//! * Each column's format is set on the column and the cells are written
//!   without one: they take the column's (Excel's own rule for a cell without
//!   a format), where rust_xlsxwriter would otherwise hash the whole format on
//!   every formatted cell, most of the time of a large sheet.
//! * `Value::Int` is stored as an Excel number (a double): exact to 2^53.
//!   Non-finite numbers (NaN, ∞) have no Excel form and are left empty.
//! * The bytes are reproducible: the document creation time, the only clock
//!   value in the file, is fixed to [`CREATED`] (rust_xlsxwriter already
//!   writes a fixed zip entry time).
//!
//! [`workbook_bytes`] builds the file's bytes (its sheets' rows pass through
//! temporary files, "low memory" mode of rust_xlsxwriter); [`write_workbook`]
//! and [`write_table`] are the only functions that write to the output folder.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet,
    XlsxError, row_col_to_cell,
};

/// The widest a column is made from its content, in Excel character units.
pub const MAX_WIDTH: f64 = 50.0;
/// The narrowest.
const MIN_WIDTH: f64 = 6.0;
/// The most characters Excel keeps in one cell.
pub const MAX_CELL_CHARS: usize = 32_767;
/// What ends a text cut to fit a cell.
pub const CUT_MARKER: &str = " … [обрезано]";

/// `s` cut to fit one Excel cell, with [`CUT_MARKER`] at the end; `None` when it fits.
pub fn fit_cell(s: &str) -> Option<String> {
    if s.chars().count() <= MAX_CELL_CHARS {
        return None;
    }
    let keep = MAX_CELL_CHARS - CUT_MARKER.chars().count();
    let mut cut: String = s.chars().take(keep).collect();
    cut.push_str(CUT_MARKER);
    Some(cut)
}
/// The fixed document creation date (year, month, day) written to docProps/core.xml.
pub const CREATED: (u16, u8, u8) = (2000, 1, 1);
/// Excel's paper size code for A4.
const A4: u8 = 9;

/// How a column's numbers are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Integer,
    /// Fixed decimal places: `Decimal(2)` is `0.00`.
    Decimal(u8),
    /// A fraction shown as a percentage with these decimal places: `Percent(1)` is `0.0%`.
    Percent(u8),
    Bool,
}

/// One column: its header, kind and an optional fixed width (character units).
#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub header: String,
    pub kind: Kind,
    pub width: Option<f64>,
}

impl Column {
    pub fn new(header: impl Into<String>, kind: Kind) -> Column {
        Column {
            header: header.into(),
            kind,
            width: None,
        }
    }

    pub fn with_width(mut self, width: f64) -> Column {
        self.width = Some(width);
        self
    }
}

/// One cell value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Int(i64),
    Num(f64),
    Bool(bool),
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(s)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<f64> for Value {
    fn from(v: f64) -> Value {
        Value::Num(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Value {
        Value::Bool(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Empty, Into::into)
    }
}

/// One sheet to write.
#[derive(Clone, Copy, Debug)]
pub struct Sheet<'a> {
    pub name: &'a str,
    pub columns: &'a [Column],
    pub rows: &'a [Vec<Value>],
}

#[derive(Debug, thiserror::Error)]
pub enum XlsxOutError {
    #[error("лист «{sheet}», строка {row}: значений {len}, а столбцов {columns}")]
    RowWidth {
        sheet: String,
        row: usize,
        len: usize,
        columns: usize,
    },
    #[error("лист «{sheet}»{cell}: {source}")]
    Xlsx {
        sheet: String,
        /// `, ячейка B7` when one cell is at fault, else empty.
        cell: String,
        #[source]
        source: XlsxError,
    },
    #[error("не удаётся собрать книгу xlsx: {0}")]
    Workbook(#[source] XlsxError),
    #[error("{}: не удаётся записать файл ({})", path.display(), crate::error::io_reason(source))]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Writes one table as a one-sheet workbook.
pub fn write_table(
    path: &Path,
    sheet: &str,
    columns: &[Column],
    rows: &[Vec<Value>],
) -> Result<(), XlsxOutError> {
    let sheet = Sheet {
        name: sheet,
        columns,
        rows,
    };
    write_workbook(path, &[sheet])
}

/// Writes a workbook with one sheet per table.
pub fn write_workbook(path: &Path, sheets: &[Sheet<'_>]) -> Result<(), XlsxOutError> {
    let bytes = workbook_bytes(sheets)?;
    std::fs::write(path, bytes).map_err(|source| XlsxOutError::Write {
        path: path.to_owned(),
        source,
    })
}

/// The `.xlsx` file's bytes: the same sheets give the same bytes.
pub fn workbook_bytes(sheets: &[Sheet<'_>]) -> Result<Vec<u8>, XlsxOutError> {
    let mut workbook = Workbook::new();
    // Deflate level 2: the workbook of a large region (cells.xlsx) is the
    // last output to finish. Its 147 MB sheet of 4 000 schools deflates in
    // 1.98 s at the default level 6, 0.65 s at 3 and 0.47 s at 2, to 19.8,
    // 23.6 and 25.0 MB (level 1: 0.33 s but 36.8 MB).
    workbook.set_zip_compression_level(2);
    let (y, m, d) = CREATED;
    let created = ExcelDateTime::from_ymd(y, m, d).map_err(XlsxOutError::Workbook)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    for sheet in sheets {
        // "Low memory" mode: each row goes to a temporary file as it is
        // written (the strings stay shared), instead of a map of every cell —
        // about 200 bytes per cell held, 1.3 GB for cells.xlsx of 4 000
        // schools. Rows must come in order, as `fill` writes them.
        let worksheet = workbook
            .add_worksheet_with_low_memory()
            .map_err(XlsxOutError::Workbook)?;
        fill(worksheet, sheet)?;
    }
    workbook.save_to_buffer().map_err(XlsxOutError::Workbook)
}

fn fill(ws: &mut Worksheet, sheet: &Sheet<'_>) -> Result<(), XlsxOutError> {
    let name = sheet.name;
    let whole = |source| XlsxOutError::Xlsx {
        sheet: name.to_owned(),
        cell: String::new(),
        source,
    };
    let ncols = sheet.columns.len();
    if let Some((i, row)) = sheet
        .rows
        .iter()
        .enumerate()
        .find(|(_, r)| r.len() != ncols)
    {
        return Err(XlsxOutError::RowWidth {
            sheet: name.to_owned(),
            row: i + 2,
            len: row.len(),
            columns: ncols,
        });
    }
    ws.set_name(name).map_err(whole)?;
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border_bottom(FormatBorder::Thin);
    // The width of each column whose text wraps.
    let mut wrapped: Vec<Option<f64>> = Vec::with_capacity(ncols);
    let mut header_lines = 1;
    for (c, col) in sheet.columns.iter().enumerate() {
        let (width, wrap) = column_width(col, sheet.rows.iter().map(|r| &r[c]));
        let c16 = c as u16;
        ws.set_column_width(c16, width).map_err(whole)?;
        ws.write_string_with_format(0, c16, &col.header, &header)
            .map_err(whole)?;
        ws.set_column_format(c16, &cell_format(col.kind, wrap))
            .map_err(whole)?;
        wrapped.push(wrap.then_some(width));
        header_lines = header_lines.max(wrapped_lines(&col.header, width));
    }
    if header_lines > 1 {
        ws.set_row_height(0, (ROW_POINTS * header_lines as f64).min(MAX_ROW_POINTS))
            .map_err(whole)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r32 = r as u32 + 1;
        // Wrapped text gets the row height it needs: LibreOffice, and Excel for
        // a file it did not write, keep the default height otherwise, and the
        // lines of the cell overlap the next row.
        let lines = (row.iter().zip(&wrapped))
            .filter_map(|(v, w)| match (v, w) {
                (Value::Text(s), Some(w)) => Some(wrapped_lines(s, *w)),
                _ => None,
            })
            .max()
            .unwrap_or(1);
        if lines > 1 {
            ws.set_row_height(r32, (ROW_POINTS * lines as f64).min(MAX_ROW_POINTS))
                .map_err(whole)?;
        }
        for (c, value) in row.iter().enumerate() {
            let c16 = c as u16;
            let written = match value {
                Value::Empty => continue,
                Value::Num(x) if !x.is_finite() => continue,
                Value::Text(s) => {
                    let cut = fit_cell(s);
                    ws.write_string(r32, c16, cut.as_deref().unwrap_or(s))
                }
                Value::Int(i) => ws.write_number(r32, c16, *i as f64),
                Value::Num(x) => ws.write_number(r32, c16, *x),
                Value::Bool(b) => ws.write_boolean(r32, c16, *b),
            };
            written.map_err(|source| XlsxOutError::Xlsx {
                sheet: name.to_owned(),
                cell: format!(", ячейка {}", row_col_to_cell(r32, c16)),
                source,
            })?;
        }
    }
    if ncols > 0 {
        let last_col = (ncols - 1) as u16;
        ws.set_freeze_panes(1, 0).map_err(whole)?;
        ws.autofilter(0, 0, sheet.rows.len() as u32, last_col)
            .map_err(whole)?;
        ws.set_repeat_rows(0, 0).map_err(whole)?;
    }
    ws.set_landscape()
        .set_paper_size(A4)
        .set_print_fit_to_pages(1, 0)
        .set_footer("&CСтр. &P из &N");
    Ok(())
}

/// The height of a row of one line (Calibri 11), and the most Excel allows.
const ROW_POINTS: f64 = 15.0;
const MAX_ROW_POINTS: f64 = 409.0;

/// How many lines `text` takes wrapped in a column `width` characters wide
/// (each of its own lines broken at the width; text letters are narrower than
/// the digit «0» the width counts, by about a fifth in the default font).
fn wrapped_lines(text: &str, width: f64) -> usize {
    let per_line = (width * 1.2 - 2.0).max(4.0);
    text.lines()
        .map(|l| (l.chars().count() as f64 / per_line).ceil().max(1.0) as usize)
        .sum::<usize>()
        .max(1)
}

fn cell_format(kind: Kind, wrap: bool) -> Format {
    let base = Format::new().set_align(FormatAlign::Top);
    let places = |p: u8| {
        if p == 0 {
            String::new()
        } else {
            format!(".{}", "0".repeat(usize::from(p)))
        }
    };
    match kind {
        Kind::Text if wrap => base.set_text_wrap(),
        Kind::Text | Kind::Bool => base,
        Kind::Integer => base.set_num_format("0"),
        Kind::Decimal(p) => base.set_num_format(format!("0{}", places(p))),
        Kind::Percent(p) => base.set_num_format(format!("0{}%", places(p))),
    }
}

/// The column width and whether its text wraps: a fixed width wins; else the
/// longest of the header's longest word (headers wrap; plus room for the filter
/// button) and the values.
fn column_width<'a>(col: &Column, values: impl Iterator<Item = &'a Value>) -> (f64, bool) {
    let longest = values.map(|v| shown_len(v, col.kind)).max().unwrap_or(0);
    let content = longest as f64 + 1.0;
    let wrap = col.kind == Kind::Text && content > col.width.unwrap_or(MAX_WIDTH);
    let width = col.width.unwrap_or_else(|| {
        // The header wraps: its longest word must fit (with the filter button).
        let word = (col.header.split_whitespace())
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0);
        let header = word as f64 + 3.0;
        header.max(content).clamp(MIN_WIDTH, MAX_WIDTH)
    });
    (width, wrap)
}

/// Roughly how many characters Excel shows for the value in a column of this kind.
fn shown_len(v: &Value, kind: Kind) -> usize {
    let digits = |x: f64| whole_digits(x) + usize::from(x < 0.0);
    match (v, kind) {
        (Value::Empty, _) => 0,
        (Value::Text(s), _) => s.lines().map(|l| l.chars().count()).max().unwrap_or(0),
        (Value::Bool(_), _) => 6,
        (Value::Int(i), Kind::Percent(p)) => digits(*i as f64 * 100.0) + usize::from(p) + 2,
        (Value::Int(i), Kind::Decimal(p)) => digits(*i as f64) + usize::from(p) + 1,
        (Value::Int(i), _) => decimal_digits(i.unsigned_abs()) + usize::from(*i < 0),
        (Value::Num(x), Kind::Percent(p)) => digits(x * 100.0) + usize::from(p) + 2,
        (Value::Num(x), Kind::Decimal(p)) => digits(*x) + usize::from(p) + 1,
        (Value::Num(x), Kind::Integer) => digits(*x),
        (Value::Num(x), _) => x.to_string().len().min(11),
    }
}

/// The decimal digits of `u` (1 for 0).
fn decimal_digits(u: u64) -> usize {
    (u.checked_ilog10().unwrap_or(0) + 1) as usize
}

/// The digits of |x| rounded to a whole number (as `{:.0}` writes it),
/// counted without writing it: the widths read every value of a large table.
fn whole_digits(x: f64) -> usize {
    let r = x.abs().round();
    if r < 1e15 {
        // Exact in u64 below 2^53; 9.5 rounds to 10 both ways (ties differ
        // only on even/odd, never on the number of digits).
        decimal_digits(r as u64)
    } else {
        format!("{:.0}", x.abs()).len()
    }
}

#[cfg(test)]
mod tests;
