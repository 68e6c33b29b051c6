//! results*.csv / results*.parquet (and recheck.csv, same layout): one row per
//! student work, parsed into typed columns. Checks that need the whole test
//! (task set, maxima, primary = sum of tasks, duplicates) happen in
//! [`super::assemble`].

use std::collections::BTreeMap;

use crate::error::LoadError;
use crate::model::{Exam, NO_MARK, NO_TEST_SCORE, StrPool, TestKey};

use super::columns::{ColumnMap, ColumnSpec, RESULTS};
use super::report::LoadReport;
use super::schools::Schools;
use super::table::{Chunk, Malformed, Row, Table};
use super::values::{self, Score};

/// The parsed rows of one file, columnar.
#[derive(Debug, Default)]
pub struct RawWorks {
    pub file: String,
    /// Task number k of each score column, ascending.
    pub task_ids: Vec<u16>,
    pub line: Vec<u64>,
    pub test: Vec<u32>,
    pub school: Vec<u32>,
    pub class: Vec<u32>,
    pub student: Vec<u32>,
    pub variant: Vec<u16>,
    /// Row-major, `task_ids.len()` per row, coded (a byte instead of an f32:
    /// the file's every task column is held for every row, filled or not):
    /// whole and half points up to 125 as twice their value, [`ABSENT`] for an
    /// empty field, [`EXACT`] for any other value, kept in `exact`. Read with
    /// [`RawWorks::score`].
    pub scores: Vec<u8>,
    /// (position in `scores`, value) of the scores coded [`EXACT`], ascending.
    pub exact: Vec<(usize, f32)>,
    pub not_done: Vec<u8>,
    /// NaN when not given.
    pub primary: Vec<f32>,
    pub mark: Vec<u8>,
    pub test_score: Vec<u8>,
    pub journal: Vec<u8>,
    /// A workbook read from several sheets: their names, and each row's
    /// index among them (both empty otherwise).
    pub sheets: Vec<String>,
    pub sheet: Vec<u16>,
}

impl RawWorks {
    /// Where row `i` stands, as messages say it: «results.xlsx, лист
    /// «Математика», строка 5» (the sheet only for a workbook of several).
    pub fn place(&self, i: usize) -> String {
        match self.sheet_of(i) {
            Some(s) => format!("{}, лист «{s}», строка {}", self.file, self.line[i]),
            None => format!("{}, строка {}", self.file, self.line[i]),
        }
    }

    /// `message` about row `i`, with its sheet named first where rows come
    /// from several sheets.
    pub fn on_sheet(&self, i: usize, message: String) -> String {
        match self.sheet_of(i) {
            Some(s) => format!("лист «{s}»: {message}"),
            None => message,
        }
    }

    fn sheet_of(&self, i: usize) -> Option<&str> {
        let k = *self.sheet.get(i)?;
        self.sheets.get(usize::from(k)).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.line.len()
    }

    pub fn is_empty(&self) -> bool {
        self.line.is_empty()
    }

    /// The score of task column `j` in `row`; NaN when the field is empty.
    pub fn score(&self, row: usize, j: usize) -> f32 {
        let at = row * self.task_ids.len() + j;
        match self.scores[at] {
            ABSENT => f32::NAN,
            EXACT => (self.exact.binary_search_by_key(&at, |e| e.0))
                .map_or(f32::NAN, |i| self.exact[i].1),
            code => f32::from(code) / 2.0,
        }
    }

    /// Appends a task score (NaN: the field is empty).
    fn push_score(&mut self, v: f32) {
        let twice = v * 2.0;
        let code = if v.is_nan() {
            ABSENT
        } else if twice.fract() == 0.0 && (0.0..=f32::from(MAX_CODED)).contains(&twice) {
            twice as u8
        } else {
            self.exact.push((self.scores.len(), v));
            EXACT
        };
        self.scores.push(code);
    }

    /// Drops the scores from position `start` on (a row rejected half-read).
    fn truncate_scores(&mut self, start: usize) {
        self.scores.truncate(start);
        while self.exact.last().is_some_and(|e| e.0 >= start) {
            self.exact.pop();
        }
    }
}

/// The largest code of a score held as twice its value (125 points).
const MAX_CODED: u8 = 250;
/// The code of an empty score field.
pub const ABSENT: u8 = 255;
/// The code of a score held in [`RawWorks::exact`].
pub const EXACT: u8 = 254;

/// The tests seen so far, by index.
#[derive(Debug, Default)]
pub struct TestIndex {
    pub keys: Vec<TestKey>,
    /// The last test asked for: rows come grouped by test, so most lookups
    /// end here instead of scanning every key.
    last: usize,
}

impl TestIndex {
    pub fn id(&mut self, year: u16, exam: Exam, subject: &str, grade: u8) -> u32 {
        let is = |k: &TestKey| {
            k.year == year && k.exam == exam && k.grade == grade && k.subject == subject
        };
        if self.keys.get(self.last).is_some_and(is) {
            return self.last as u32;
        }
        let found = self.keys.iter().position(is);
        let i = found.unwrap_or_else(|| {
            self.keys.push(TestKey {
                year,
                exam,
                subject: subject.to_owned(),
                grade,
            });
            self.keys.len() - 1
        });
        self.last = i;
        i as u32
    }
}

/// What the row parser needs besides the row.
pub struct Context<'a> {
    pub schools: &'a Schools,
    pub tests: &'a mut TestIndex,
    pub codes: &'a mut StrPool,
    pub report: &'a mut LoadReport,
    /// Reading a re-check (recheck.csv): an expert's score column is its score.
    pub recheck: bool,
}

struct Cols {
    /// The year and the exam of every row, taken from the file's name where
    /// the file has no such column.
    fixed_year: Option<String>,
    fixed_exam: Option<String>,
    width: usize,
    year: usize,
    exam: usize,
    subject: usize,
    grade: usize,
    school: usize,
    student: usize,
    class: Option<usize>,
    /// The class's letter in a column of its own.
    letter: Option<usize>,
    variant: Option<usize>,
    primary: Option<usize>,
    mark: Option<usize>,
    test_score: Option<usize>,
    journal: Option<usize>,
}

/// A row-level problem: the column, the value and the reason.
type Problem = (String, String, String);

fn problem(column: &str, value: &str, reason: impl Into<String>) -> Problem {
    (column.to_owned(), value.to_owned(), reason.into())
}

/// Reads one results-layout file. Returns the parsed rows and the number of data rows read.
pub fn load(table: &Table, file: &str, cx: &mut Context<'_>) -> Result<(RawWorks, u64), LoadError> {
    // A file of one year and one procedure often says them in its name
    // only (results_2025_vpr.csv): a missing year or exam column is then
    // taken from the name, with a note.
    // RESULTS with `required` kept where `keep` says so.
    let relaxed = |keep: &dyn Fn(&ColumnSpec) -> bool| -> Vec<ColumnSpec> {
        (RESULTS.iter())
            .map(|s| ColumnSpec {
                required: s.required && keep(s),
                ..*s
            })
            .collect()
    };
    // Which columns the file has, none required.
    let probe = ColumnMap::build(&table.path, &table.headers, &relaxed(&|_| false), true)?;
    let named =
        |col: &str, value: Option<String>| value.filter(|_| probe.get(RESULTS, col).is_none());
    let fixed_year = named("year", year_in_name(file));
    let fixed_exam = named("exam", exam_in_name(file).map(|e| e.code().to_owned()));
    // No grade column but a class one («4А»): the grade is read from the class.
    let grade_from_class =
        probe.get(RESULTS, "grade").is_none() && probe.get(RESULTS, "class").is_some();
    let specs = relaxed(&|s| {
        !((s.name == "year" && fixed_year.is_some())
            || (s.name == "exam" && fixed_exam.is_some())
            || (s.name == "grade" && grade_from_class))
    });
    let map = ColumnMap::build(&table.path, &table.headers, &specs, true)?;
    for (what, value) in [("year (год)", &fixed_year), ("exam (экзамен)", &fixed_exam)] {
        if let Some(v) = value {
            cx.report.note(
                super::report::Level::Info,
                file,
                0,
                format!("в файле нет столбца {what}: во всех строках взято из имени файла — {v}"),
            );
        }
    }
    if grade_from_class {
        cx.report.note(
            super::report::Level::Info,
            file,
            0,
            "в файле нет столбца параллели: она взята из класса (число в начале: «4А» — 4)",
        );
    }
    let req = |n| map.get(RESULTS, n).unwrap_or(usize::MAX);
    let cols = Cols {
        fixed_year,
        fixed_exam,
        width: table.headers.len(),
        year: req("year"),
        exam: req("exam"),
        subject: req("subject"),
        // Without a grade column, the class's.
        grade: map
            .get(RESULTS, "grade")
            .or(map.get(RESULTS, "class").filter(|_| grade_from_class))
            .unwrap_or(usize::MAX),
        school: req("school"),
        student: req("student"),
        class: map.get(RESULTS, "class"),
        letter: map.get(RESULTS, "class_letter"),
        variant: map.get(RESULTS, "variant"),
        primary: match (cx.recheck, map.get(RESULTS, "expert_primary")) {
            (true, Some(expert)) => Some(expert),
            _ => map.get(RESULTS, "primary"),
        },
        mark: map.get(RESULTS, "mark"),
        test_score: map.get(RESULTS, "test_score"),
        journal: map.get(RESULTS, "journal_mark"),
    };
    if let Some(expert) = map.get(RESULTS, "expert_primary") {
        let head = values::visible(table.headers[expert].trim());
        let message = match (cx.recheck, map.get(RESULTS, "primary")) {
            (true, Some(original)) => format!(
                "балл перепроверки взят из столбца «{head}»; столбец «{}» (исходный балл) не \
                 используется: исходные баллы берутся из файлов результатов",
                values::visible(table.headers[original].trim())
            ),
            (true, None) => format!("балл перепроверки взят из столбца «{head}»"),
            (false, _) => format!(
                "столбец «{head}» — балл перепроверки; в файле результатов он не используется \
                 (результаты перепроверки кладутся в recheck.csv)"
            ),
        };
        let level = if cx.recheck {
            super::report::Level::Info
        } else {
            super::report::Level::Warning
        };
        cx.report.note(level, file, 0, message);
    }
    if !map.by_order.is_empty() {
        let said = |(k, h): &(u16, String)| format!("«{}» — задание {k}", values::visible(h));
        let mut which: Vec<String> = map.by_order.iter().take(4).map(said).collect();
        if map.by_order.len() > 4 {
            which.push(format!(
                "…, {}",
                said(map.by_order.last().expect("not empty"))
            ));
        }
        cx.report.note(
            super::report::Level::Warning,
            file,
            0,
            format!(
                "столбцы заданий названы, как в ФИС ОКО: задания пронумерованы по порядку \
                 столбцов ({}); в tasks.csv задания этого теста должны идти в том же порядке",
                which.join(", ")
            ),
        );
    }
    if !map.unknown.is_empty() {
        cx.report.note(
            super::report::Level::Info,
            file,
            0,
            format!(
                "столбцы не используются: {}",
                map.unknown
                    .iter()
                    .map(|h| format!("«{}»", values::visible(h)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let task_ids: Vec<u16> = map.tasks.iter().map(|&(k, _)| k).collect();
    let raw = RawWorks {
        file: file.to_owned(),
        task_ids: task_ids.clone(),
        sheets: table.sheets.clone(),
        ..RawWorks::default()
    };
    let parse = Parse {
        headers: &table.headers,
        cols: &cols,
        map: &map,
        schools: cx.schools,
        task_ids: &task_ids,
        sheets: &table.sheets,
    };
    let mut lenient = Lenient::default();
    let loaded = match table.csv_chunks(CHUNK_BYTES) {
        Some(chunks) => load_chunks(table, &chunks, &parse, file, cx, raw, &mut lenient),
        None => load_batches(table, &parse, file, cx, raw, &mut lenient),
    };
    lenient.report(file, cx.report);
    loaded
}

/// Reads a table row by row ([`Table::for_each_row`]).
fn load_batches(
    table: &Table,
    parse: &Parse<'_>,
    file: &str,
    cx: &mut Context<'_>,
    mut raw: RawWorks,
    lenient: &mut Lenient,
) -> Result<(RawWorks, u64), LoadError> {
    // Rows are copied into batches by a reader thread (the records are
    // reused, nothing is allocated per row) while the batch before is parsed
    // on every core in pieces and committed in file order: ids, codes,
    // rejections and notes come out as from one pass.
    let read = std::thread::scope(|scope| {
        let (full, batches) = std::sync::mpsc::sync_channel::<Vec<BatchRow>>(1);
        let (used, spare) = std::sync::mpsc::channel::<Vec<BatchRow>>();
        let reader = scope.spawn(move || {
            let mut read = 0u64;
            let mut batch: Vec<BatchRow> = Vec::new();
            let mut filled = 0usize;
            table.for_each_row(|row| {
                read += 1;
                if filled == batch.len() {
                    batch.push(BatchRow::default());
                }
                let slot = &mut batch[filled];
                slot.line = row.line;
                slot.malformed = row.malformed;
                slot.sheet = row.sheet;
                copy_fields(&mut slot.fields, row.fields);
                filled += 1;
                if filled == BATCH {
                    let next = spare.try_recv().unwrap_or_default();
                    // The receiver stops only when this function returns.
                    let _ = full.send(std::mem::replace(&mut batch, next));
                    filled = 0;
                }
            })?;
            batch.truncate(filled);
            let _ = full.send(batch);
            Ok::<u64, LoadError>(read)
        });
        // Each batch's pieces are committed while the next batch is parsed.
        let mut parsed: Vec<Piece> = Vec::new();
        for batch in batches {
            let (next, ()) = rayon::join(
                || parse.batch(&batch),
                || {
                    for piece in parsed.drain(..) {
                        commit(piece, file, cx, &mut raw, lenient);
                    }
                },
            );
            parsed = next;
            let _ = used.send(batch);
        }
        for piece in parsed {
            commit(piece, file, cx, &mut raw, lenient);
        }
        reader.join().expect("the reader thread does not panic")
    })?;
    Ok((raw, read))
}

/// A file's name without its folders.
fn base_name(file: &str) -> &str {
    file.rsplit(['/', '\\']).next().unwrap_or(file)
}

/// The one year (1950..=2100) a file's name holds as a number of its own,
/// e.g. `results_2025_vpr.csv`; None when it holds none or several.
fn year_in_name(file: &str) -> Option<String> {
    let years: std::collections::BTreeSet<&str> = (base_name(file)
        .split(|c: char| !c.is_ascii_digit()))
    .filter(|t| t.len() == 4 && t.parse::<u16>().is_ok_and(|y| (1950..=2100).contains(&y)))
    .collect();
    let one = years.len() == 1;
    years.first().filter(|_| one).map(|y| (*y).to_owned())
}

/// The one procedure a file's name names as a word of its own (VPR, OGE,
/// EGE or ВПР, ОГЭ, ЕГЭ, any case); None when it names none or several.
fn exam_in_name(file: &str) -> Option<Exam> {
    let exams: std::collections::BTreeSet<Exam> = (base_name(file)
        .split(|c: char| !c.is_alphanumeric()))
    .filter_map(Exam::parse)
    .collect();
    let one = exams.len() == 1;
    exams.first().copied().filter(|_| one)
}

/// Reads a CSV text cut into pieces ([`Table::csv_chunks`]): each window of
/// pieces is read and parsed on every core while the window before is
/// committed in file order, so the works, codes, rejections and notes come
/// out as from one pass, and no core waits for a reader.
fn load_chunks(
    table: &Table,
    chunks: &[Chunk<'_>],
    parse: &Parse<'_>,
    file: &str,
    cx: &mut Context<'_>,
    mut raw: RawWorks,
    lenient: &mut Lenient,
) -> Result<(RawWorks, u64), LoadError> {
    use rayon::prelude::*;
    let window = (BATCH / PIECE).max(2 * rayon::current_num_threads());
    let mut read = 0u64;
    let mut parsed: Vec<Result<(Piece, u64), LoadError>> = Vec::new();
    for group in chunks.chunks(window) {
        let (next, committed) = rayon::join(
            || {
                group
                    .par_iter()
                    .map(|c| parse.chunk(table, c))
                    .collect::<Vec<_>>()
            },
            || {
                for piece in parsed.drain(..) {
                    let (piece, rows) = piece?;
                    read += rows;
                    commit(piece, file, cx, &mut raw, lenient);
                }
                Ok::<(), LoadError>(())
            },
        );
        committed?;
        parsed = next;
    }
    for piece in parsed {
        let (piece, rows) = piece?;
        read += rows;
        commit(piece, file, cx, &mut raw, lenient);
    }
    Ok((raw, read))
}

/// Bytes of text per piece read on one core (about [`PIECE`] rows of a
/// results file with a dozen task columns).
const CHUNK_BYTES: usize = 1 << 17;

/// Rows per batch, and per piece of a batch parsed on one core.
const BATCH: usize = 1 << 15;
const PIECE: usize = 1 << 11;

/// A slot's record above this many bytes is given back after a row, so that
/// one long line (a quote left open that swallowed the rest of the file, a
/// pasted comment) does not stay held by a slot of every later batch.
const SLOT_BYTES: usize = 1 << 16;

/// Copies the fields of `from` into `to`: only the bytes the fields use.
/// (`ByteRecord::clone_from` copies the whole buffer the reader grew, which
/// after one long line is as long as that line: every row after a quote left
/// open in a 2 500-line file was copied at 500 kB, 1.3 GB in all.)
fn copy_fields(to: &mut csv::ByteRecord, from: &csv::ByteRecord) {
    if to.as_slice().len() > SLOT_BYTES {
        *to = csv::ByteRecord::new();
    }
    to.clear();
    for field in from {
        to.push_field(field);
    }
}

/// One row copied out of the table.
#[derive(Default)]
struct BatchRow {
    line: u64,
    malformed: Option<Malformed>,
    fields: csv::ByteRecord,
    sheet: u16,
}

/// What parsing a file needs that does not change from row to row.
struct Parse<'a> {
    headers: &'a [String],
    cols: &'a Cols,
    map: &'a ColumnMap,
    schools: &'a Schools,
    task_ids: &'a [u16],
    /// The sheets the rows come from, when more than one ([`Table::sheets`]).
    sheets: &'a [String],
}

/// A rejection or a note, in row order.
enum Event {
    Reject {
        line: u64,
        problem: Problem,
        /// The (piece's test, school) of the row, once its keys parsed.
        cell: Option<(u32, u32)>,
    },
    Warn {
        line: u64,
        message: String,
    },
}

/// The rows of a piece of a batch, parsed: tests and codes numbered within
/// the piece until committed.
#[derive(Default)]
struct Piece {
    raw: RawWorks,
    tests: TestIndex,
    codes: StrPool,
    events: Vec<Event>,
    lenient: Lenient,
}

/// A value read leniently, said once per file in notes.csv.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Reading {
    /// A school year, «2024/2025», for the year of its spring.
    SchoolYear,
    /// A grade written with text, «4 класс» or «4А».
    Grade,
    /// A school's id in another letter case than in schools.csv, with
    /// Cyrillic look-alike letters or spaces.
    SchoolCase,
    /// A school's name where its login should be.
    SchoolName,
    /// A subject code obektiv does not know by name (its code).
    UnknownSubject(String),
    /// A subject in a short form, «рус. яз.» or «РУ» (the code read).
    ShortSubject(String),
}

/// The values of a file read leniently: per kind, the first one (line,
/// value) and how many rows.
#[derive(Debug, Default)]
struct Lenient(BTreeMap<Reading, (u64, String, u64)>);

impl Lenient {
    fn saw(&mut self, what: Reading, line: u64, value: &str) {
        let e = (self.0.entry(what)).or_insert_with(|| (line, value.to_owned(), 0));
        e.2 += 1;
    }

    /// Adds a later piece's readings.
    fn extend(&mut self, later: Lenient) {
        for (what, (line, value, n)) in later.0 {
            self.0.entry(what).or_insert((line, value, 0)).2 += n;
        }
    }

    fn report(self, file: &str, report: &mut LoadReport) {
        for (what, (line, value, n)) in self.0 {
            let value = values::visible(&value);
            let rows = format!("строк: {n}, первая — строка {line}");
            let message = match what {
                Reading::SchoolYear => format!(
                    "год записан как учебный (например, «{value}»): взят год его весны, когда \
                     проходят ВПР, ОГЭ и ЕГЭ ({rows})"
                ),
                Reading::Grade => format!(
                    "параллель записана с текстом (например, «{value}»): взято число в её начале \
                     ({rows})"
                ),
                Reading::UnknownSubject(code) => format!(
                    "предмет «{value}» (код {code}) не входит в список известных предметов: он \
                     прочитан как отдельный предмет; если это опечатка или другое обозначение известного \
                     предмета (RU, MA, …), исправьте его в файле ({rows})"
                ),
                Reading::ShortSubject(code) => format!(
                    "предмет записан сокращённо (например, «{value}»): прочитан как «{}» ({rows})",
                    crate::model::subject_name(&code)
                ),
                Reading::SchoolCase => format!(
                    "логин ОО записан не так, как в schools.csv (например, «{value}»: другой регистр \
                     букв, русские буквы вместо латинских или пробелы): ОО найдена без учёта этих \
                     различий ({rows})"
                ),
                Reading::SchoolName => format!(
                    "вместо логина ОО указано её название (например, «{value}»): ОО найдена по \
                     названию из schools.csv ({rows})"
                ),
            };
            report.note(super::report::Level::Warning, file, line, message);
        }
    }
}

impl Parse<'_> {
    /// Parses `rows` on every core, in pieces (to be committed in order).
    fn batch(&self, rows: &[BatchRow]) -> Vec<Piece> {
        use rayon::prelude::*;
        rows.par_chunks(PIECE)
            .map(|rows| self.piece(rows))
            .collect()
    }

    fn piece(&self, rows: &[BatchRow]) -> Piece {
        let mut out = self.empty_piece();
        let mut cache = Cache::default();
        for r in rows {
            let row = Row::new(r.line, &r.fields, r.malformed, r.sheet);
            self.row(&row, &mut out, &mut cache);
        }
        out
    }

    /// Parses the rows of a piece of the file's text (one core's share).
    fn chunk(&self, table: &Table, chunk: &Chunk<'_>) -> Result<(Piece, u64), LoadError> {
        let mut out = self.empty_piece();
        let mut cache = Cache::default();
        let mut read = 0u64;
        table.for_each_row_of(chunk, |row| {
            read += 1;
            self.row(&row, &mut out, &mut cache);
        })?;
        Ok((out, read))
    }

    /// Why a rejected row is not a pupil's work at all: the header line
    /// again (files put one after another) or a summary line («Итого»).
    fn not_a_work(&self, row: &Row<'_>) -> Option<Problem> {
        let fields = || (0..row.fields.len()).map(|i| row.get(i));
        let header = (self.headers.len() == row.fields.len())
            && fields()
                .zip(self.headers)
                .all(|(f, h)| f.trim() == h.trim());
        if header {
            return Some(problem(
                "",
                "",
                "строка повторяет заголовок таблицы (файлы вставлены один за другим?); \
                 это не работа участника",
            ));
        }
        // A row of the tasks' maximum points under the header («Максимальный балл»).
        let maxima = fields().enumerate().find(|(_, f)| {
            let key: String = (f.to_lowercase().chars())
                .filter(|c| !matches!(c, '.' | ' '))
                .collect();
            matches!(
                key.as_str(),
                "максимальныйбалл"
                    | "максимальныебаллы"
                    | "максбалл"
                    | "максимум"
                    | "макс"
                    | "max"
            )
        });
        if let Some((at, said)) = maxima {
            let column = self.headers.get(at).map_or("", String::as_str);
            return Some(problem(
                column,
                said,
                "строка максимальных баллов заданий, а не работа участника; максимумы заданий \
                 берутся из tasks.csv, иначе по наибольшему баллу в данных",
            ));
        }
        let (at, summary) = fields().enumerate().find(|(_, f)| {
            let f = f.to_lowercase();
            ["итого", "всего", "среднее", "средний балл"]
                .iter()
                .any(|w| f.starts_with(w))
        })?;
        let column = self.headers.get(at).map_or("", String::as_str);
        Some(problem(
            column,
            summary,
            "итоговая строка таблицы, а не работа участника",
        ))
    }

    fn empty_piece(&self) -> Piece {
        Piece {
            raw: RawWorks {
                task_ids: self.task_ids.to_vec(),
                ..RawWorks::default()
            },
            ..Piece::default()
        }
    }

    /// Parses one row into `out` (or its rejection).
    fn row(&self, row: &Row<'_>, out: &mut Piece, cache: &mut Cache) {
        cache.cell = None;
        let before = out.events.len();
        if let Err(problem) = parse_row(row, self, out, cache) {
            let problem = self.not_a_work(row).unwrap_or(problem);
            out.events.push(Event::Reject {
                line: row.line,
                problem,
                cell: cache.cell,
            });
        }
        // Rows from several sheets: Excel numbers rows per sheet, so what is
        // said about a row names its sheet.
        if let Some(sheet) = self.sheets.get(usize::from(row.sheet)) {
            for event in &mut out.events[before..] {
                let said = match event {
                    Event::Reject { problem, .. } => &mut problem.2,
                    Event::Warn { message, .. } => message,
                };
                *said = format!("лист «{sheet}»: {said}");
            }
        }
    }
}

/// Appends a parsed piece to the file's works: its tests and codes take
/// their numbers in the folder's index and pool, its rejections and notes go
/// to the report.
fn commit(
    piece: Piece,
    file: &str,
    cx: &mut Context<'_>,
    raw: &mut RawWorks,
    lenient: &mut Lenient,
) {
    lenient.extend(piece.lenient);
    let test_ids: Vec<u32> = (piece.tests.keys.iter())
        .map(|k| cx.tests.id(k.year, k.exam, &k.subject, k.grade))
        .collect();
    let offset = cx.codes.append(&piece.codes);
    let code = |id: u32| if id == StrPool::NONE { id } else { id + offset };
    let p = piece.raw;
    raw.line.extend_from_slice(&p.line);
    raw.sheet.extend_from_slice(&p.sheet);
    raw.test
        .extend(p.test.iter().map(|&t| test_ids[t as usize]));
    raw.school.extend_from_slice(&p.school);
    raw.class.extend(p.class.iter().map(|&c| code(c)));
    raw.student.extend(p.student.iter().map(|&c| code(c)));
    raw.variant.extend_from_slice(&p.variant);
    let base = raw.scores.len();
    raw.scores.extend_from_slice(&p.scores);
    raw.exact
        .extend(p.exact.iter().map(|&(at, v)| (base + at, v)));
    raw.not_done.extend_from_slice(&p.not_done);
    raw.primary.extend_from_slice(&p.primary);
    raw.mark.extend_from_slice(&p.mark);
    raw.test_score.extend_from_slice(&p.test_score);
    raw.journal.extend_from_slice(&p.journal);
    for event in piece.events {
        match event {
            Event::Reject {
                line,
                problem: (column, value, reason),
                cell,
            } => {
                cx.report.reject(file, line, &column, &value, reason);
                if let (Some(r), Some((t, s))) = (cx.report.rejected.last_mut(), cell) {
                    r.cell = Some((cx.tests.keys[test_ids[t as usize] as usize].clone(), s));
                }
            }
            Event::Warn { line, message } => cx.report.warn(file, line, message),
        }
    }
}

#[derive(Default)]
struct Cache {
    subject_raw: String,
    subject: String,
    /// Whether `subject` is a code obektiv knows by name.
    subject_known: bool,
    /// Whether the subject was written in a short form (a note says so).
    subject_short: bool,
    school_raw: String,
    school: u32,
    /// Whether the school was found without regard to letter case.
    school_folded: Option<super::schools::Loose>,
    /// The (test, school) of the current row once its keys parsed.
    cell: Option<(u32, u32)>,
}

fn parse_row(
    row: &Row<'_>,
    p: &Parse<'_>,
    out: &mut Piece,
    cache: &mut Cache,
) -> Result<(), Problem> {
    let (c, map, raw) = (p.cols, p.map, &mut out.raw);
    if let Some(why) = row.malformed_reason(c.width) {
        return Err(problem("", "", why));
    }
    if row.malformed == Some(Malformed::Short) {
        // Fields left off the end of the line are read as empty only where
        // an empty field costs nothing but itself (the school mark, the
        // class, the variant, a column not read): a line cut short among the
        // scores would be read as a different work.
        let scored = [c.year, c.exam, c.subject, c.grade, c.school, c.student]
            .into_iter()
            .chain([c.primary, c.mark, c.test_score].into_iter().flatten())
            .chain(map.tasks.iter().map(|&(_, pos)| pos));
        let have = row.fields.len();
        if scored.into_iter().any(|pos| pos >= have) {
            return Err(problem(
                "",
                "",
                format!(
                    "полей в строке: {have}, а в заголовке: {} (строка обрезана или сдвинута?)",
                    c.width
                ),
            ));
        }
        out.events.push(Event::Warn {
            line: row.line,
            message: format!(
                "полей в строке: {}, а в заголовке: {}; недостающие поля в конце строки \
                 считаются пустыми",
                row.fields.len(),
                c.width
            ),
        });
    }
    // A required column left empty, named as the file heads it.
    let empty = |column: &str, pos: usize| {
        let head = p.headers.get(pos).map_or(column, |h| h.trim());
        problem(
            column,
            "",
            format!("не заполнен столбец «{}»", values::visible(head)),
        )
    };
    let year_s = c.fixed_year.as_deref().unwrap_or_else(|| row.get(c.year));
    let year = match values::year(year_s) {
        Ok(Some(y)) => {
            // «2024/2025», «2024-2025 уч. год»: a school year.
            if year_s.len() > 4 && year_s.contains(['/', '-', '–']) {
                out.lenient.saw(Reading::SchoolYear, row.line, year_s);
            }
            y
        }
        Ok(None) => return Err(empty("year", c.year)),
        Err(why) => return Err(problem("year", year_s, why)),
    };
    let exam_s = c.fixed_exam.as_deref().unwrap_or_else(|| row.get(c.exam));
    let exam = Exam::parse(exam_s).ok_or_else(|| {
        problem(
            "exam",
            exam_s,
            format!("неизвестный экзамен «{exam_s}»: нужно VPR, OGE или EGE (ВПР, ОГЭ, ЕГЭ)"),
        )
    })?;
    let subject_s = row.get(c.subject);
    if subject_s.is_empty() {
        return Err(empty("subject", c.subject));
    }
    if subject_s != cache.subject_raw || cache.subject.is_empty() {
        cache.subject = values::subject(subject_s).ok_or_else(|| {
            problem(
                "subject",
                subject_s,
                format!(
                    "неизвестный предмет «{subject_s}»: укажите код (RU, MA, OK …) \
                     или название, например «Русский язык»"
                ),
            )
        })?;
        cache.subject_raw = subject_s.to_owned();
        cache.subject_known = values::known_subject(&cache.subject);
        cache.subject_short = values::abbreviated(subject_s);
    }
    if cache.subject_short {
        let short = Reading::ShortSubject(cache.subject.clone());
        out.lenient.saw(short, row.line, subject_s);
    }
    if !cache.subject_known {
        let unknown = Reading::UnknownSubject(cache.subject.clone());
        out.lenient.saw(unknown, row.line, subject_s);
    }
    let grade_s = row.get(c.grade);
    // «4 класс», «4А»: the number it starts with, said in a note.
    let (parsed, in_text) = match values::integer(grade_s) {
        Err(_) => match values::grade_in_text(grade_s) {
            Some(g) => (Ok(Some(g)), true),
            None => (Err(values::NotANumber), false),
        },
        parsed => (parsed, false),
    };
    let grade = match parsed {
        Ok(Some(g)) if (4..=11).contains(&g) => {
            if in_text {
                out.lenient.saw(Reading::Grade, row.line, grade_s);
            }
            g as u8
        }
        Ok(None) => return Err(empty("grade", c.grade)),
        _ => {
            return Err(problem(
                "grade",
                grade_s,
                format!("неверная параллель «{grade_s}»: нужно целое число от 4 до 11"),
            ));
        }
    };
    let school_s = row.get(c.school);
    if school_s.is_empty() {
        return Err(empty("school", c.school));
    }
    if school_s != cache.school_raw {
        let (idx, folded) = match p.schools.find(school_s) {
            Ok(i) => (i, None),
            Err(why) => match p.schools.find_loose(school_s) {
                Some((i, how)) => (i, Some(how)),
                None => return Err(problem("school", school_s, why)),
            },
        };
        cache.school = idx as u32;
        cache.school_folded = folded;
        cache.school_raw = school_s.to_owned();
    }
    match cache.school_folded {
        Some(super::schools::Loose::Login) => {
            out.lenient.saw(Reading::SchoolCase, row.line, school_s)
        }
        Some(super::schools::Loose::Name) => {
            out.lenient.saw(Reading::SchoolName, row.line, school_s)
        }
        None => {}
    }
    let test = out.tests.id(year, exam, &cache.subject, grade);
    cache.cell = Some((test, cache.school));
    let student_s = row.get(c.student);
    if student_s.is_empty() {
        return Err(empty("student", c.student));
    }
    // A pupil who did not come is not a work: «н/я» where the score or the
    // mark would be.
    let named = [
        ("primary", c.primary),
        ("mark", c.mark),
        ("test_score", c.test_score),
    ];
    for (column, pos) in named {
        let s = pos.map_or("", |p| row.get(p));
        if values::absent(s) {
            return Err(problem(
                column,
                s,
                format!("участник не явился («{s}»): строка не учтена как работа"),
            ));
        }
    }
    let start = raw.scores.len();
    let mut not_done = 0u8;
    // Whether any task has a score (a file's task columns are those of all
    // its tests: a task left empty is not in this row's test).
    let mut scored = false;
    for &(k, pos) in &map.tasks {
        let s = row.get(pos);
        match values::score(s) {
            Ok(Score::Absent) => raw.push_score(f32::NAN),
            Ok(Score::NotDone) => {
                not_done = not_done.saturating_add(1);
                raw.push_score(0.0);
            }
            Ok(Score::Value(v)) if f64::from(v) <= values::MAX_TASK_SCORE => {
                scored = true;
                raw.push_score(v);
            }
            Ok(Score::Value(_)) => {
                raw.truncate_scores(start);
                return Err(problem(
                    &format!("t{k}"),
                    s,
                    format!(
                        "балл «{s}» за задание {k} не может быть настоящим: ни в одной работе \
                         ВПР, ОГЭ или ЕГЭ за задание не дают больше {} баллов",
                        values::MAX_TASK_SCORE
                    ),
                ));
            }
            Err(_) => {
                raw.truncate_scores(start);
                return Err(problem(
                    &format!("t{k}"),
                    s,
                    format!(
                        "неверный балл «{s}» за задание {k}: нужно число не меньше 0 \
                         (X, Х, - или — означают «не выполнено»)"
                    ),
                ));
            }
        }
    }
    let primary = match primary(row, c) {
        Ok(v) => v,
        Err(p) => {
            raw.truncate_scores(start);
            return Err(p);
        }
    };
    // Every task of the row's test «not done» and no score or mark given: an
    // absence written with dashes, not a work scored 0 (that one has its
    // primary score 0).
    let blank = |pos: Option<usize>| pos.is_none_or(|p| row.get(p).is_empty());
    if not_done > 0 && !scored && primary.is_nan() && blank(c.mark) && blank(c.test_score) {
        raw.truncate_scores(start);
        return Err(problem(
            "primary",
            "",
            "все задания отмечены как невыполненные, а первичный балл и отметка не заполнены: \
             похоже на неявку, строка не учтена как работа (если участник писал работу и получил \
             0 баллов, укажите первичный балл 0)",
        ));
    }
    // Optional fields: a bad value costs the field (with a note), not the work.
    let events = &mut out.events;
    let mut dropped = |(column, value, why): Problem| {
        events.push(Event::Warn {
            line: row.line,
            message: format!(
                "столбец {column}: {why}; значение «{}» не учтено, работа использована",
                values::visible(&value)
            ),
        });
    };
    let variant = optional(c.variant, row, 0, variant).unwrap_or_else(|p| {
        dropped(p);
        0
    });
    let mark =
        optional(c.mark, row, NO_MARK, |s| mark_of(s, "mark", "отметка")).unwrap_or_else(|p| {
            dropped(p);
            NO_MARK
        });
    let journal = optional(c.journal, row, NO_MARK, |s| {
        mark_of(s, "journal_mark", "отметка по журналу")
    })
    .unwrap_or_else(|p| {
        dropped(p);
        NO_MARK
    });
    let test_score = optional(c.test_score, row, NO_TEST_SCORE, test_score).unwrap_or_else(|p| {
        dropped(p);
        NO_TEST_SCORE
    });
    raw.line.push(row.line);
    if !p.sheets.is_empty() {
        raw.sheet.push(row.sheet);
    }
    raw.test.push(test);
    raw.school.push(cache.school);
    let class_s = c.class.map_or("", |v| row.get(v));
    let letter = c.letter.map_or("", |v| row.get(v));
    raw.class.push(match (class_s, letter) {
        ("", "") => StrPool::NONE,
        // «Литера» А beside «Класс» 4 (or no class column): «4А».
        (s, l) if !l.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            let number = if s.is_empty() {
                grade.to_string()
            } else {
                s.to_owned()
            };
            out.codes.push(&format!("{number}{l}"))
        }
        (s, _) => out.codes.push(s),
    });
    raw.student.push(out.codes.push(student_s));
    raw.variant.push(variant);
    raw.not_done.push(not_done);
    raw.primary.push(primary);
    raw.mark.push(mark);
    raw.test_score.push(test_score);
    raw.journal.push(journal);
    Ok(())
}

/// The primary score: NaN when not given.
fn primary(row: &Row<'_>, c: &Cols) -> Result<f32, Problem> {
    match c.primary.map(|p| row.get(p)) {
        None | Some("") => Ok(f32::NAN),
        Some(s) => match values::number(s) {
            Some(v) if (0.0..=values::MAX_PRIMARY).contains(&v) => Ok(v as f32),
            Some(v) if v > values::MAX_PRIMARY => Err(problem(
                "primary",
                s,
                format!(
                    "первичный балл «{s}» не может быть настоящим: он больше {}",
                    values::MAX_PRIMARY
                ),
            )),
            _ => Err(problem(
                "primary",
                s,
                format!("неверный первичный балл «{s}»: нужно число не меньше 0"),
            )),
        },
    }
}

/// An optional field: `none` when the column is absent or the field empty.
fn optional<T>(
    col: Option<usize>,
    row: &Row<'_>,
    none: T,
    parse: impl Fn(&str) -> Result<T, Problem>,
) -> Result<T, Problem> {
    match col.map(|p| row.get(p)) {
        None | Some("") => Ok(none),
        Some(s) => parse(s),
    }
}

fn variant(s: &str) -> Result<u16, Problem> {
    match values::integer(s) {
        Ok(Some(x)) if (1..=i64::from(u16::MAX)).contains(&x) => Ok(x as u16),
        _ => Err(problem(
            "variant",
            s,
            format!(
                "неверный вариант «{}»: нужно целое число от 1 до {}",
                values::visible(s),
                u16::MAX
            ),
        )),
    }
}

fn mark_of(s: &str, name: &str, what: &str) -> Result<u8, Problem> {
    match values::mark(s) {
        Some(m) => Ok(m),
        None => Err(problem(
            name,
            s,
            format!(
                "неверная {what} «{}»: нужно целое число от 2 до 5 (или «отлично», «хорошо», «удовл.», «неуд.»)",
                values::visible(s)
            ),
        )),
    }
}

fn test_score(s: &str) -> Result<u8, Problem> {
    match values::integer(s) {
        Ok(Some(v)) if (0..=100).contains(&v) => Ok(v as u8),
        _ => Err(problem(
            "test_score",
            s,
            format!(
                "неверный тестовый балл «{}»: нужно целое число от 0 до 100",
                values::visible(s)
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_and_exam_in_a_file_name() {
        assert_eq!(
            year_in_name("results_2025_vpr.csv").as_deref(),
            Some("2025")
        );
        assert_eq!(
            year_in_name("ВПР 2025 математика.csv").as_deref(),
            Some("2025")
        );
        assert_eq!(
            year_in_name("2025/results_2025.csv").as_deref(),
            Some("2025")
        );
        // Two years, none, a number that is no year, a longer number.
        assert_eq!(year_in_name("results_2024-2025.csv"), None);
        assert_eq!(year_in_name("results.csv"), None);
        assert_eq!(year_in_name("results_1812.csv"), None);
        assert_eq!(year_in_name("results_20250.csv"), None);
        assert_eq!(exam_in_name("results_2025_vpr.csv"), Some(Exam::Vpr));
        assert_eq!(exam_in_name("ОГЭ-2025.csv"), Some(Exam::Oge));
        assert_eq!(exam_in_name("Ege_2025.xlsx"), Some(Exam::Ege));
        // A word that only contains the code, or two procedures.
        assert_eq!(exam_in_name("results_vprs.csv"), None);
        assert_eq!(exam_in_name("oge_ege_2025.csv"), None);
    }

    #[test]
    fn coded_scores_read_back_exactly() {
        let mut raw = RawWorks {
            task_ids: vec![1, 2, 3],
            ..RawWorks::default()
        };
        let row0 = [0.0, 2.5, f32::NAN];
        let row1 = [100.0, 0.25, 1.0 / 3.0];
        for v in row0.iter().chain(&row1) {
            raw.push_score(*v);
        }
        // Two values need more than half points: kept apart.
        assert_eq!(raw.exact.len(), 2);
        assert_eq!(raw.scores.len(), 6);
        for (row, values) in [row0, row1].iter().enumerate() {
            for (j, v) in values.iter().enumerate() {
                let got = raw.score(row, j);
                assert!(
                    got == *v || (got.is_nan() && v.is_nan()),
                    "{row} {j}: {got}"
                );
            }
        }
        // A row rejected half-read takes its exact values with it.
        raw.truncate_scores(4);
        assert_eq!((raw.scores.len(), raw.exact.len()), (4, 0));
        raw.push_score(0.75);
        assert_eq!(raw.score(1, 1), 0.75);
    }
}
