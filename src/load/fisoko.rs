//! FIS OKO «Индивидуальные результаты» workbooks (VPR): each sheet in that
//! layout becomes a results table in the canonical contract columns.
//!
//! # The layout accepted
//!
//! * A **title** somewhere above the first header row, in one cell or spread
//!   over the cells and up to three rows: «ВПР 2025 Русский язык 4 класс»,
//!   «ВПР 2025. Математика. 5 класс», «Всероссийские проверочные работы 2025 …
//!   4 класс». The year is the largest 4-digit year in it (`2024/2025` gives
//!   2025), the grade the number next to «класс»/«кл.», the subject the first
//!   known name ([`SUBJECTS`]). No title, or a subject not in the list, fails
//!   the sheet (and so the file) with a message naming the file and sheet.
//! * **School lines**: any row whose text holds a FIS OKO login (`edu`, `sch`
//!   or `spo` and 4..8 digits), e.g. «МБОУ СОШ № 5 (edu050001) | Кол-во
//!   участников: 42», in one cell or several; the count may also stand on the
//!   next row. Rows up to the next school line belong to that school, and the
//!   stated count is checked against the participant rows found. A `Логин ОО`
//!   column in the table, where present, wins over the school line.
//! * An optional **level row** of Б/П/В (базовый/повышенный/высокий), one per
//!   task column, above the header row.
//! * The **header row**: a participant-code column (`Код`, `Код участника`),
//!   task columns `1 (2б)`, `9.1 (1б)`, `1К1 (4 балла)`, `3(1) (1б)` (label,
//!   then the maximum in brackets; a bare label is a task without a maximum),
//!   and the optional `Вариант`, `Класс`, `Первичный балл`, `Отметка` and the
//!   journal mark: `Отметка по журналу`, `… за предыдущую четверть/триместр/
//!   полугодие`, `Годовая отметка`. `№` and unknown columns are ignored (the
//!   unknown ones noted). Header and level row may come once at the top or
//!   again in every school block; a repeated header must list the same tasks.
//!   Sheets without a header row are not in this layout and are skipped
//!   ([`FisOkoBook::skipped_sheets`]); a workbook with none fails.
//!
//! # What comes out
//!
//! Cells are text as a CSV would hold them: numbers stored as floats lose a
//! zero fraction (`2.0` → `2`), text is trimmed, `X`/`Х`/`-`/`—` are kept for
//! the main loader. An **empty task cell** in a participant row is written as
//! `X`: every task column of a FIS OKO sheet belongs to the test, so empty
//! there means «no score» (the sheet gets one note with the count and the
//! first such cell). Task scores are checked here (a number ≥ 0, at most the
//! maximum in the header); variant, primary score and marks are passed on
//! as they are, for the main loader to check.
//!
//! A row is a participant row when it has a code, a score, a primary score or
//! a mark; each one ends either in [`FisOkoSheet::rows`] or in
//! [`FisOkoSheet::problems`] (rejected: before any school line, no code, a bad
//! score, a value right of the table, a header that changed tasks), with the
//! Excel row and column. Empty rows are skipped; summary rows («Итого»,
//! «Среднее», …) and other non-empty rows are skipped and listed in `notes`.

use std::path::{Path, PathBuf};

use calamine::{Data, Reader, SheetType, Sheets, open_workbook_auto};

/// Subject name fragments (lower case, `ё` as `е`) and codes, searched in the title.
pub const SUBJECTS: &[(&str, &str)] = &[
    ("русск", "RU"),
    ("математик", "MA"),
    ("окружающий мир", "OK"),
    ("биолог", "BI"),
    ("истори", "HI"),
    ("географ", "GE"),
    ("обществознани", "SO"),
    ("физик", "PH"),
    ("хими", "CH"),
    ("информатик", "IN"),
    ("английск", "EN"),
    ("немецк", "DE"),
    ("французск", "FR"),
    ("литература", "LI"),
];

/// The canonical columns before and after the task columns `t1..tK`.
const LEAD: [&str; 8] = [
    "year", "exam", "subject", "grade", "school", "class", "student", "variant",
];
const TAIL: [&str; 3] = ["primary", "mark", "journal_mark"];

/// Task level as in tasks.csv.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Basic,
    Advanced,
    High,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Basic => "basic",
            Level::Advanced => "advanced",
            Level::High => "high",
        }
    }
}

/// The label of a task column headed as FIS OKO heads it (`1К1`, `9.1 (2б)`,
/// `3(1) (1б)`, `12`), for the CSV reader.
/// Stricter than the workbook's header row (where the participant-code
/// column vouches for the layout): only digits, dots, brackets and the
/// letter К, so that a «1 четверть» is not a task.
pub(super) fn task_label(header: &str) -> Option<String> {
    // «Задание 1К1 (макс. 2 б.)»: the word before and the maximum after go.
    let mut h = header.trim();
    for word in [
        "Баллы за задание",
        "Балл за задание",
        "Задание",
        "задание",
        "ЗАДАНИЕ",
        "Задача",
        "задача",
        "Зад.",
        "зад.",
        "№",
    ] {
        h = h.strip_prefix(word).map_or(h, str::trim_start);
    }
    if let Some(open) = h.rfind('(').filter(|_| h.ends_with(')')) {
        let inner = h[open..].to_lowercase();
        if inner.contains("макс") || inner.contains(" б.") {
            h = h[..open].trim_end();
        }
    }
    let label = classify::task_head(h)?.label;
    let plain = (label.chars())
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '(' | ')' | 'К' | 'к' | 'K' | 'k'));
    plain.then_some(label)
}

/// One task column: its official label (`9.1`), maximum and level when given.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskHead {
    pub label: String,
    pub max: Option<f64>,
    pub level: Option<Level>,
}

/// A participant row in canonical columns, with its 1-based Excel row number.
#[derive(Clone, Debug, PartialEq)]
pub struct SheetRow {
    pub line: u64,
    pub fields: Vec<String>,
}

/// A remark on the sheet, in Russian: `line` is the Excel row (0 for the sheet
/// as a whole), `column` the Excel column letter when one cell is meant.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

/// One sheet in the FIS OKO layout.
#[derive(Clone, Debug)]
pub struct FisOkoSheet {
    pub sheet: String,
    pub exam: String,
    pub year: u16,
    pub subject: String,
    pub grade: u8,
    pub tasks: Vec<TaskHead>,
    /// `year, exam, subject, grade, school, class, student, variant, t1..tK, primary, mark, journal_mark`.
    pub headers: Vec<String>,
    pub rows: Vec<SheetRow>,
    /// Participant rows that could not be used: each is here exactly once.
    pub problems: Vec<Problem>,
    /// Skipped non-participant rows and other remarks; nothing is lost here.
    pub notes: Vec<Problem>,
}

/// A workbook read: its sheets in this layout, and the names of the others.
#[derive(Clone, Debug)]
pub struct FisOkoBook {
    pub sheets: Vec<FisOkoSheet>,
    pub skipped_sheets: Vec<String>,
    /// The sheets not in FIS OKO's layout, as rows of cell texts with their
    /// Excel row numbers: a plain table saved from Excel is read from them
    /// when no sheet is FIS OKO's ([`super::workbook`]).
    pub plain: Vec<(String, Rows)>,
    /// What the file is when its name says otherwise (an .xls that is an
    /// xlsx inside, or the other way round): read by its content, said in a note.
    pub disguised: Option<&'static str>,
}

/// What a workbook file holds, by its first bytes, not its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// A zip: xlsx (xlsm).
    Xlsx,
    /// A zip holding an OpenDocument spreadsheet (LibreOffice, МойОфис).
    Ods,
    /// An OLE compound file: Excel 97–2003 .xls.
    Xls,
    /// Text starting with a tag: a web page (or XML) saved under a
    /// workbook's name, as some exports do.
    Html,
    Unknown,
}

/// A workbook's format by its content («xlsx», «xls», «ods», «html»), for
/// files.csv; `None` when the first bytes say nothing.
pub fn content_format(path: &Path) -> Option<&'static str> {
    match sniff(path) {
        Format::Xlsx => Some("xlsx"),
        Format::Xls => Some("xls"),
        Format::Ods => Some("ods"),
        Format::Html => Some("html"),
        Format::Unknown => None,
    }
}

fn sniff(path: &Path) -> Format {
    use std::io::Read;
    let mut head = [0u8; 96];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let head = &head[..n];
    if head.starts_with(b"PK\x03\x04") {
        // The first entry of an OpenDocument file is its «mimetype».
        const ODS: &[u8] = b"application/vnd.oasis.opendocument";
        let ods = head.windows(ODS.len()).any(|w| w == ODS);
        return if ods { Format::Ods } else { Format::Xlsx };
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Format::Xls;
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = text.trim_ascii_start();
    if text.starts_with(b"<") {
        return Format::Html;
    }
    Format::Unknown
}

#[derive(Debug, thiserror::Error)]
pub enum FisOkoError {
    #[error(
        "{}: это таблица LibreOffice или «МойОфис» (.ods), такие файлы не читаются; \
         сохраните её как «Книга Excel (.xlsx)» или как CSV",
        path.display()
    )]
    Ods { path: PathBuf },
    #[error(
        "{}: это не книга Excel, а веб-страница (HTML), сохранённая под именем книги (так \
         бывает с выгрузками из веб-систем); откройте файл в Excel и сохраните его как «Книга \
         Excel (.xlsx)» или как CSV",
        path.display()
    )]
    Html { path: PathBuf },
    #[error(
        "{}: файл не открывается как книга Excel: он повреждён, защищён паролем или это не книга xlsx/xls",
        path.display()
    )]
    Open {
        path: PathBuf,
        #[source]
        source: calamine::Error,
    },
    #[error(
        "{}, лист «{sheet}»: лист слишком велик (больше {} млн ячеек до последней заполненной в каждой строке); \
         разделите выгрузку на несколько книг",
        path.display(),
        MAX_SLOTS >> 20
    )]
    TooLarge { path: PathBuf, sheet: String },
    #[error(
        "{}: текст ячеек книги занимает в распакованном виде {megabytes} МБ — больше {} МБ, \
         которые можно прочитать; разделите выгрузку на несколько книг",
        path.display(),
        MAX_SHARED_STRINGS >> 20
    )]
    SharedStrings { path: PathBuf, megabytes: u64 },
    #[error(
        "{}: книга повреждена — в ней объявлено {declared} разных текстов ячеек, а в её списке \
         текстов места не больше чем для {most}; откройте книгу в Excel и сохраните её заново",
        path.display()
    )]
    SharedStringsCount {
        path: PathBuf,
        declared: u64,
        most: u64,
    },
    #[error(
        "{}, лист «{sheet}»: лист не читается (часть книги повреждена)",
        path.display()
    )]
    Sheet {
        path: PathBuf,
        sheet: String,
        #[source]
        source: calamine::Error,
    },
    #[error(
        "{}, лист «{sheet}»: над таблицей нет заголовка работы вида «ВПР 2025 Русский язык 4 класс»",
        path.display()
    )]
    NoTitle { path: PathBuf, sheet: String },
    #[error("{}, лист «{sheet}», строка {line}: {what} в заголовке «{title}»", path.display())]
    BadTitle {
        path: PathBuf,
        sheet: String,
        line: u64,
        title: String,
        what: String,
    },
    #[error(
        "{}: ни на одном листе ({sheets}) нет строки заголовка таблицы со столбцом «Код участника» и столбцами заданий вида «1 (2б)»",
        path.display()
    )]
    NoHeader { path: PathBuf, sheets: String },
    #[error("{}, лист «{sheet}», строка {line}: {message}", path.display())]
    BadHeader {
        path: PathBuf,
        sheet: String,
        line: u64,
        message: String,
    },
}

/// Whether the file name says it is a workbook calamine can open.
pub fn is_workbook_path(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        ["xlsx", "xlsm", "xls", "xlsb", "ods"].contains(&e.to_lowercase().as_str())
    })
}

/// Reads every sheet in the FIS OKO layout; sheets without a header row are
/// listed in `skipped_sheets`. Fails when none has one.
pub fn read_workbook(path: &Path) -> Result<FisOkoBook, FisOkoError> {
    let open = |source| FisOkoError::Open {
        path: path.to_owned(),
        source,
    };
    // By the content: an .xls may be an xlsx inside and the other way round.
    let named = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase);
    let (mut book, disguised) = match sniff(path) {
        Format::Ods => {
            return Err(FisOkoError::Ods {
                path: path.to_owned(),
            });
        }
        Format::Html => {
            return Err(FisOkoError::Html {
                path: path.to_owned(),
            });
        }
        Format::Xlsx => {
            check_shared_strings(path)?;
            let book = calamine::open_workbook::<calamine::Xlsx<_>, _>(path)
                .map_err(|e| open(e.into()))?;
            let disguised = (named.as_deref() == Some("xls")).then_some("книга xlsx");
            (Sheets::Xlsx(book), disguised)
        }
        Format::Xls => {
            let book =
                calamine::open_workbook::<calamine::Xls<_>, _>(path).map_err(|e| open(e.into()))?;
            let disguised = matches!(named.as_deref(), Some("xlsx" | "xlsm"))
                .then_some("книга Excel 97–2003 (xls)");
            (Sheets::Xls(book), disguised)
        }
        Format::Unknown => (open_workbook_auto(path).map_err(open)?, None),
    };
    let names: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let mut out = FisOkoBook {
        sheets: Vec::new(),
        skipped_sheets: Vec::new(),
        plain: Vec::new(),
        disguised,
    };
    for name in &names {
        let sheet_err = |source| FisOkoError::Sheet {
            path: path.to_owned(),
            sheet: name.clone(),
            source,
        };
        let mut grid = GridBuilder::default();
        match &mut book {
            // Cell by cell: the used range a sheet declares (up to XFD1048576)
            // never decides what is allocated, only the cells that hold something.
            Sheets::Xlsx(x) => {
                let mut cells = x
                    .worksheet_cells_reader(name)
                    .map_err(|e| sheet_err(e.into()))?;
                while let Some(cell) = cells.next_cell().map_err(|e| sheet_err(e.into()))? {
                    let (r, c) = cell.get_position();
                    grid.push(r, c, cell_text(&Data::from(cell.get_value().clone())));
                    if grid.full() {
                        break;
                    }
                }
            }
            // .xls sheets are at most 65 536 × 256 cells by format.
            other => {
                let range = other.worksheet_range(name).map_err(sheet_err)?;
                let (r0, c0) = range.start().unwrap_or((0, 0));
                for (i, row) in range.rows().enumerate() {
                    for (j, d) in row.iter().enumerate() {
                        grid.push(r0 + i as u32, c0 + j as u32, cell_text(d));
                    }
                }
            }
        }
        if grid.full() {
            return Err(FisOkoError::TooLarge {
                path: path.to_owned(),
                sheet: name.clone(),
            });
        }
        let (grid, outside) = grid.finish();
        match read_sheet(&grid).map_err(|e| e.into_error(path, name))? {
            Some(mut sheet) => {
                sheet.sheet = name.clone();
                if let Some(Outside { count, line, col }) = outside {
                    sheet.notes.push(Problem {
                        line,
                        column: Some(column_letter(col)),
                        message: format!(
                            "заполненных ячеек правее столбца {}: {count}; таблица ФИС ОКО так \
                             далеко не заходит, они не прочитаны (первая — {}{line})",
                            column_letter(MAX_COLUMNS as usize - 1),
                            column_letter(col)
                        ),
                    });
                }
                out.sheets.push(sheet);
            }
            None => {
                out.skipped_sheets.push(name.clone());
                out.plain.push((name.clone(), grid));
            }
        }
    }
    if !out.sheets.is_empty() {
        out.plain.clear();
    }
    if out.sheets.is_empty() && out.plain.is_empty() {
        return Err(FisOkoError::NoHeader {
            path: path.to_owned(),
            sheets: names.join(", "),
        });
    }
    Ok(out)
}

/// Columns read from a sheet: FIS OKO tables are a few dozen wide; a filled
/// cell further right is counted and noted, not stored.
const MAX_COLUMNS: u32 = 1024;
/// Cells (filled or not, up to the last filled one of each row) one sheet may
/// hold in memory: about 40 times the largest regional export.
const MAX_SLOTS: usize = 64 << 20;

/// A sheet's grid from its filled cells, in memory proportional to them.
#[derive(Default)]
struct GridBuilder {
    /// (row, column, text) of the non-empty cells within [`MAX_COLUMNS`].
    cells: Vec<(u32, u32, String)>,
    /// Slots the dense rows will take.
    slots: usize,
    outside: Option<Outside>,
}

/// Filled cells right of [`MAX_COLUMNS`]: how many, and the first one's
/// 1-based row and 0-based column.
struct Outside {
    count: u64,
    line: u64,
    col: usize,
}

/// A sheet's rows with their 1-based Excel row numbers.
/// A sheet's rows: (Excel row number, cell texts up to the last filled one).
pub type Rows = Vec<(u64, Vec<String>)>;

impl GridBuilder {
    fn push(&mut self, row: u32, col: u32, text: String) {
        if text.is_empty() {
            return;
        }
        if col >= MAX_COLUMNS {
            let o = self.outside.get_or_insert(Outside {
                count: 0,
                line: u64::from(row) + 1,
                col: col as usize,
            });
            o.count += 1;
            return;
        }
        self.slots += col as usize + 1;
        self.cells.push((row, col, text));
    }

    fn full(&self) -> bool {
        self.slots > MAX_SLOTS
    }

    /// The rows that hold something, each as wide as its last filled cell,
    /// with their 1-based Excel row numbers.
    fn finish(mut self) -> (Rows, Option<Outside>) {
        self.cells.sort_by_key(|&(r, c, _)| (r, c));
        let mut grid: Rows = Vec::new();
        for (r, c, text) in self.cells {
            let line = u64::from(r) + 1;
            if grid.last().is_none_or(|(l, _)| *l != line) {
                grid.push((line, Vec::new()));
            }
            if let Some((_, row)) = grid.last_mut() {
                let c = c as usize;
                if row.len() <= c {
                    row.resize(c + 1, String::new());
                }
                row[c] = text;
            }
        }
        (grid, self.outside)
    }
}

/// The most an xlsx's shared strings (held whole while its sheets are read) may
/// take unpacked.
const MAX_SHARED_STRINGS: u64 = 512 << 20;

/// The most bytes deflate unpacks one byte into (its limit is 1 032 : 1).
const MAX_DEFLATE_RATIO: u64 = 1032;

/// The fewest bytes one shared string takes in the table (`<si/>`).
const MIN_STRING_BYTES: u64 = 5;

/// Refuses an xlsx whose shared-string table unpacks past [`MAX_SHARED_STRINGS`]
/// (by the sizes its zip directory declares), or declares more strings
/// (`uniqueCount`) than its table can hold, before calamine reads it:
/// calamine reserves room for the declared count at once (24 bytes a string:
/// a count of 4·10⁹ in a 2 kB file asked for 96 GB and aborted the run;
/// calamine issue 684). Files that are not zip archives are left to calamine
/// to judge.
fn check_shared_strings(path: &Path) -> Result<(), FisOkoError> {
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(());
    };
    let Ok(mut zip) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    let Ok(entry) = zip.by_name("xl/sharedStrings.xml") else {
        return Ok(());
    };
    let size = entry.size();
    if size > MAX_SHARED_STRINGS {
        return Err(FisOkoError::SharedStrings {
            path: path.to_owned(),
            megabytes: size >> 20,
        });
    }
    // What the table can really unpack to: its declared size, and no more
    // than deflate can make of its packed bytes.
    let room = size.min(entry.compressed_size().saturating_mul(MAX_DEFLATE_RATIO));
    let most = room / MIN_STRING_BYTES;
    match declared_strings(entry) {
        Some(declared) if declared > most => Err(FisOkoError::SharedStringsCount {
            path: path.to_owned(),
            declared,
            most,
        }),
        _ => Ok(()),
    }
}

/// The `uniqueCount` of the shared-string table's `<sst>` tag, read from its
/// first 4 kB (None when absent or not a number).
fn declared_strings(entry: impl std::io::Read) -> Option<u64> {
    use std::io::Read;
    let mut head = Vec::new();
    entry.take(4096).read_to_end(&mut head).ok()?;
    let head = String::from_utf8_lossy(&head);
    let tag = &head[head.find("<sst")?..];
    let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
    let value = tag.split("uniqueCount=").nth(1)?;
    let value = value.trim_start_matches(['"', '\'']);
    let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
    // A number past u64 is past any table.
    Some(digits.parse().unwrap_or(u64::MAX)).filter(|_| !digits.is_empty())
}

/// A sheet-level failure before the path and sheet name are known.
enum SheetError {
    NoTitle,
    BadTitle(u64, String, String),
    BadHeader(u64, String),
}

impl SheetError {
    fn into_error(self, path: &Path, sheet: &str) -> FisOkoError {
        let (path, sheet) = (path.to_owned(), sheet.to_owned());
        match self {
            SheetError::NoTitle => FisOkoError::NoTitle { path, sheet },
            SheetError::BadTitle(line, title, what) => FisOkoError::BadTitle {
                path,
                sheet,
                line,
                title,
                what,
            },
            SheetError::BadHeader(line, message) => FisOkoError::BadHeader {
                path,
                sheet,
                line,
                message,
            },
        }
    }
}

/// A cell as CSV text: floats without a zero fraction, text trimmed.
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::DateTime(t) => number_text(t.as_f64()),
        Data::Bool(b) => b.to_string(),
        Data::Error(e) => e.to_string(),
    }
}

fn number_text(v: f64) -> String {
    // Binary noise from formulas (0.30000000000000004) is rounded off.
    let v = if v.abs() < 1e6 && v.fract() != 0.0 {
        (v * 1e9).round() / 1e9
    } else {
        v
    };
    if v.fract() == 0.0 && v.abs() < 1e15 {
        (v as i64).to_string()
    } else {
        v.to_string()
    }
}

/// The Excel column letters of a 0-based column index.
pub fn column_letter(mut col: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

fn normalize(s: &str) -> String {
    s.to_lowercase()
        .replace('ё', "е")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn row_text(cells: &[String]) -> String {
    let parts: Vec<&str> = cells
        .iter()
        .map(String::as_str)
        .filter(|c| !c.is_empty())
        .collect();
    parts.join(" ")
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim()
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

mod classify;
mod sheet;
use sheet::read_sheet;

#[cfg(test)]
mod tests;
