//! FIS OKO workbooks into the loader: the sheets of one workbook become one
//! results table in the contract columns (each row carries its own year,
//! exam, subject and grade, so sheets of different tests can share it), the
//! task maxima and levels of the header become task metadata, and the reader's
//! rejected rows and remarks go into the load report.

use std::collections::BTreeMap;
use std::path::Path;

use super::fisoko::{self, FisOkoBook, Level as FisLevel};
use super::report::{Level, LoadReport};
use super::table::Table;
use crate::error::LoadError;
use crate::model::{Exam, TaskInfo, TaskLevel, TestKey};

/// What a workbook gives the loader.
pub struct Workbook {
    pub table: Table,
    /// Task metadata per test, from the header (`1 (2б)`, Б/П row).
    pub tasks: BTreeMap<TestKey, Vec<TaskInfo>>,
    /// Participant rows the reader rejected (counted as read).
    pub rejected: u64,
    /// Read in FIS OKO's layout (else as a plain table).
    pub fis_oko: bool,
}

const BEFORE: [&str; 8] = [
    "year", "exam", "subject", "grade", "school", "class", "student", "variant",
];
const AFTER: [&str; 3] = ["primary", "mark", "journal_mark"];

fn level(l: FisLevel) -> TaskLevel {
    match l {
        FisLevel::Basic => TaskLevel::Basic,
        FisLevel::Advanced => TaskLevel::Advanced,
        FisLevel::High => TaskLevel::High,
    }
}

/// Reads `path`; `file` names it in the report.
pub fn read(path: &Path, file: &str, report: &mut LoadReport) -> Result<Workbook, LoadError> {
    let book: FisOkoBook = fisoko::read_workbook(path).map_err(|e| LoadError::Unsupported {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    if let Some(what) = book.disguised {
        report.note(
            Level::Info,
            file,
            0,
            format!("файл назван не по своему формату: это {what}; прочитан как она"),
        );
    }
    if book.sheets.is_empty() {
        return plain(path, file, book.plain, report);
    }
    for s in &book.skipped_sheets {
        report.note(
            Level::Info,
            file,
            0,
            format!("лист «{s}» не в формате «Индивидуальные результаты» ФИС ОКО: пропущен"),
        );
    }
    let k = book.sheets.iter().map(|s| s.tasks.len()).max().unwrap_or(0);
    let mut headers: Vec<String> = BEFORE.iter().map(|s| s.to_string()).collect();
    headers.extend((1..=k).map(|i| format!("t{i}")));
    headers.extend(AFTER.iter().map(|s| s.to_string()));
    let many = book.sheets.len() > 1;
    let names: Vec<String> = book.sheets.iter().map(|s| s.sheet.clone()).collect();
    let mut rows = Vec::new();
    let mut tasks = BTreeMap::new();
    let mut rejected = 0u64;
    for (index, sheet) in book.sheets.into_iter().enumerate() {
        let on_sheet = |m: &str| {
            if many {
                format!("лист «{}»: {m}", sheet.sheet)
            } else {
                m.to_owned()
            }
        };
        for p in &sheet.problems {
            rejected += 1;
            report.reject(
                file,
                p.line,
                p.column.as_deref().unwrap_or(""),
                "",
                on_sheet(&p.message),
            );
        }
        for n in &sheet.notes {
            report.note(Level::Info, file, n.line, on_sheet(&n.message));
        }
        // Sheet column -> table column.
        let map: Vec<Option<usize>> = sheet
            .headers
            .iter()
            .map(|h| headers.iter().position(|x| x == h))
            .collect();
        for r in sheet.rows {
            let mut fields = vec![String::new(); headers.len()];
            for (v, to) in r.fields.into_iter().zip(&map) {
                if let Some(i) = to {
                    fields[*i] = v;
                }
            }
            rows.push((r.line, fields, index as u16));
        }
        if let Some(exam) = Exam::parse(&sheet.exam) {
            let infos: Option<Vec<TaskInfo>> = sheet
                .tasks
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    // A maximum no real task has is treated as not given.
                    let max = t.max.filter(|&m| m <= super::values::MAX_TASK_SCORE);
                    max.map(|m| TaskInfo {
                        index: i as u16 + 1,
                        max: m as f32,
                        max_declared: true,
                        level: t.level.map(level),
                        label: t.label.clone(),
                    })
                })
                .collect();
            let key = TestKey {
                year: sheet.year,
                exam,
                subject: sheet.subject.clone(),
                grade: sheet.grade,
            };
            match infos {
                Some(infos) => {
                    tasks.insert(key, infos);
                }
                None => report.warn(file,
                    0,
                    on_sheet("у части заданий в заголовке нет максимального балла (или он больше возможного): максимумы взяты по наибольшему баллу в данных"),
                ),
            }
        }
    }
    Ok(Workbook {
        table: Table::from_sheet_rows(path, headers, rows, if many { names } else { Vec::new() }),
        tasks,
        rejected,
        fis_oko: true,
    })
}

/// A workbook with no sheet in FIS OKO's layout: a results table saved from
/// Excel as it would be saved as CSV (the contract's columns, or their
/// Russian names). Its header is the first of a sheet's first 10 rows in
/// which at least 3 cells name results columns; every sheet with such a
/// header is read by its own header, one after another (rows keep their Excel
/// numbers), into the union of the sheets' columns.
fn plain(
    path: &Path,
    file: &str,
    sheets: Vec<(String, fisoko::Rows)>,
    report: &mut LoadReport,
) -> Result<Workbook, LoadError> {
    use super::columns::{RESULTS, normalize, task_index};
    let known = |cells: &[String]| {
        (cells.iter())
            .filter(|c| {
                let n = normalize(c);
                !n.is_empty()
                    && (task_index(c).is_some()
                        || RESULTS.iter().any(|s| {
                            normalize(s.name) == n || s.aliases.iter().any(|a| normalize(a) == n)
                        }))
            })
            .count()
    };
    let names: Vec<String> = sheets.iter().map(|(n, _)| n.clone()).collect();
    // Each sheet's columns by what they are (a contract column, a task, or
    // their text), so that sheets headed differently (one sheet per subject,
    // each with its own tasks) fill one table: the union of their columns,
    // headed as the first sheet to have each one heads it.
    let key = |c: &str| -> String {
        let n = normalize(c);
        if let Some(k) = task_index(c) {
            return format!("t{k}");
        }
        (RESULTS.iter())
            .find(|s| normalize(s.name) == n || s.aliases.iter().any(|a| normalize(a) == n))
            .map_or(n, |s| s.name.to_owned())
    };
    let mut header: Option<Vec<String>> = None;
    let mut keys: Vec<String> = Vec::new();
    let mut first: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    let mut used = Vec::new();
    for (name, grid) in sheets {
        let Some(at) = grid.iter().take(10).position(|(_, c)| known(c) >= 3) else {
            report.note(
                Level::Info,
                file,
                0,
                format!("лист «{name}»: нет строки заголовка таблицы результатов, пропущен"),
            );
            continue;
        };
        let mut head: Vec<String> = grid[at].1.iter().map(|c| c.trim().to_owned()).collect();
        // A header over two rows (task numbers under a merged heading).
        let mut skip = at + 1;
        if let Some((line, next)) = grid.get(at + 1)
            && let Some(merged) = super::columns::merged_header(&head, next)
        {
            head = merged;
            skip = at + 2;
            report.note(Level::Info, file, *line, super::SECOND_HEADER);
        }
        let header = header.get_or_insert_with(Vec::new);
        // Sheet column -> table column (None: an empty heading, not read).
        let mut to: Vec<Option<usize>> = Vec::with_capacity(head.len());
        for h in &head {
            if h.is_empty() {
                to.push(None);
                continue;
            }
            let k = key(h);
            let at = match keys.iter().position(|x| *x == k) {
                Some(i) if !to.contains(&Some(i)) => i,
                // A column new to the table, or a second one of the same
                // kind on this sheet (left to the column check to report).
                _ => {
                    keys.push(k);
                    header.push(h.clone());
                    keys.len() - 1
                }
            };
            to.push(Some(at));
        }
        match &first {
            Some(f) if *f != head => report.note(
                Level::Info,
                file,
                grid[at].0,
                format!(
                    "лист «{name}»: столбцы не те, что на первом листе с результатами; \
                     прочитан по своему заголовку"
                ),
            ),
            Some(_) => {}
            None => first = Some(head.clone()),
        }
        used.push(name);
        for (line, cells) in grid.into_iter().skip(skip) {
            let mut fields: Vec<(usize, String)> = Vec::with_capacity(cells.len());
            for (v, t) in cells.into_iter().zip(&to) {
                if let Some(i) = t {
                    fields.push((*i, v));
                }
            }
            rows.push((line, fields, used.len() as u16 - 1));
        }
    }
    // One sheet per subject (and grade) with no such column: the sheet's
    // name says it («Математика», «Русский язык 5 класс»).
    for (what, column, of) in [
        (
            "предмет",
            "subject",
            sheet_subject as fn(&str) -> Option<String>,
        ),
        ("параллель", "grade", sheet_grade),
    ] {
        let missing = !keys.iter().any(|k| k == column)
            && (column != "grade" || !keys.iter().any(|k| k == "class"));
        let said: Option<Vec<String>> = used.iter().map(|n| of(n)).collect();
        if let (true, Some(said)) = (missing && !used.is_empty(), said) {
            keys.push(column.to_owned());
            header.get_or_insert_with(Vec::new).push(column.to_owned());
            let at = keys.len() - 1;
            for (_, fields, sheet) in &mut rows {
                fields.push((at, said[usize::from(*sheet)].clone()));
            }
            report.note(
                Level::Info,
                file,
                0,
                format!(
                    "в таблице нет столбца «{what}»: он взят из названий листов ({})",
                    (used.iter().zip(&said))
                        .map(|(n, v)| format!("«{n}» — {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    let width = keys.len();
    let rows: Vec<(u64, Vec<String>, u16)> = (rows.into_iter())
        .map(|(line, fields, sheet)| {
            let mut cells = vec![String::new(); width];
            for (i, v) in fields {
                cells[i] = v;
            }
            (line, cells, sheet)
        })
        .collect();
    let Some(header) = header else {
        return Err(LoadError::Unsupported {
            path: path.to_owned(),
            message: format!(
                "{}: ни на одном листе ({}) нет ни таблицы ФИС ОКО (со столбцом «Код участника» и \
                 столбцами заданий вида «1 (2б)»), ни таблицы с заголовком результатов (год, \
                 процедура, предмет, параллель, логин ОО, код участника …); сохраните лист как CSV \
                 или проверьте заголовок",
                path.display(),
                names.join(", ")
            ),
        });
    };
    report.note(
        Level::Info,
        file,
        0,
        format!(
            "книга прочитана как таблица по её заголовку (не выгрузка ФИС ОКО): {} «{}»",
            if used.len() == 1 {
                "лист"
            } else {
                "листы"
            },
            used.join("», «")
        ),
    );
    // Rows of one sheet need no sheet named in messages.
    let sheets = if used.len() > 1 { used } else { Vec::new() };
    Ok(Workbook {
        table: Table::from_sheet_rows(path, header, rows, sheets),
        tasks: BTreeMap::new(),
        rejected: 0,
        fis_oko: false,
    })
}

/// The subject a sheet's name gives («Математика», «Русский язык 5 класс»,
/// «МА»), as a code.
fn sheet_subject(name: &str) -> Option<String> {
    let lower = name.trim().to_lowercase().replace('ё', "е");
    (super::values::subject(name.trim()))
        .filter(|c| super::values::known_subject(c))
        .or_else(|| {
            (fisoko::SUBJECTS.iter())
                .find(|(fragment, _)| lower.contains(fragment))
                .map(|(_, code)| (*code).to_owned())
        })
}

/// The grade a sheet's name gives: a number 4..11 of its own («5 класс»,
/// «Математика 5», «5А» is not a grade of its own but a class).
fn sheet_grade(name: &str) -> Option<String> {
    let words: Vec<&str> = name.split(|c: char| !c.is_alphanumeric()).collect();
    let mut found = (words.iter())
        .filter_map(|w| w.parse::<u8>().ok())
        .filter(|g| (4..=11).contains(g));
    let grade = found.next()?;
    found.next().is_none().then(|| grade.to_string())
}

/// A workbook holding one plain table (schools.xlsx, tasks.xlsx …): the first
/// sheet with a filled row; its header the first of its first 10 rows with at
/// least 3 filled cells and half as many as the widest (rows above it are a
/// title, noted); the rows after it the data (with their Excel row numbers).
pub fn first_table(path: &Path) -> Result<Table, LoadError> {
    let book = fisoko::read_workbook(path).map_err(|e| LoadError::Unsupported {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let filled = |cells: &Vec<String>| cells.iter().filter(|c| !c.trim().is_empty()).count();
    for (_, grid) in book.plain {
        // The header as in a CSV with a title above it: the first of the
        // first 10 rows with at least 3 filled cells and half as many as the
        // widest of them; the rows above title the table.
        let widest = grid
            .iter()
            .take(10)
            .map(|(_, c)| filled(c))
            .max()
            .unwrap_or(0);
        if widest == 0 {
            continue;
        }
        let at = (grid.iter().take(10))
            .position(|(_, c)| filled(c) >= widest.min(3) && 2 * filled(c) >= widest)
            .unwrap_or(0);
        let header: Vec<String> = grid[at].1.iter().map(|c| c.trim().to_owned()).collect();
        let title = (grid[..at].iter())
            .flat_map(|(_, c)| c.iter())
            .find(|c| !c.trim().is_empty())
            .map(|c| (grid[at].0.saturating_sub(1), c.trim().to_owned()));
        let rows = padded(grid.into_iter().skip(at + 1).collect(), header.len());
        let mut table = Table::from_rows(path, header, rows);
        table.title = title;
        return Ok(table);
    }
    Err(LoadError::Unsupported {
        path: path.to_owned(),
        message: format!(
            "{}: в книге нет ни одного заполненного листа",
            path.display()
        ),
    })
}

/// Every row as wide as the header: a sheet stores a row's cells up to its
/// last filled one, so its trailing empty cells are added back.
fn padded(rows: fisoko::Rows, width: usize) -> fisoko::Rows {
    (rows.into_iter())
        .map(|(line, mut cells)| {
            if cells.len() < width {
                cells.resize(width, String::new());
            }
            (line, cells)
        })
        .collect()
}

#[cfg(test)]
mod sheet_name_tests {
    use super::{sheet_grade, sheet_subject};

    #[test]
    fn subject_and_grade_from_a_sheet_name() {
        for (name, subject) in [
            ("Математика", Some("MA")),
            ("Русский язык 5 класс", Some("RU")),
            ("окр. мир", Some("OK")),
            ("Лист1", None),
            ("Sheet1", None),
            ("Итоги", None),
        ] {
            assert_eq!(sheet_subject(name).as_deref(), subject, "{name}");
        }
        for (name, grade) in [
            ("Русский язык 5 класс", Some("5")),
            ("Математика 11", Some("11")),
            ("5А", None),
            ("Математика", None),
            ("2025 Математика 5", Some("5")),
            ("4 и 5 классы", None),
        ] {
            assert_eq!(sheet_grade(name).as_deref(), grade, "{name}");
        }
    }
}
