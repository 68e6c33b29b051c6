mod fixture;

use std::path::{Path, PathBuf};

use self::fixture::{Cell, TempBook, book_bytes, n, t, texts, vpr_2025_ru_4};
use super::classify::{parse_title, school_login, task_head};
use super::*;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_one(name: &str, rows: Vec<Vec<Cell>>) -> FisOkoSheet {
    let book = TempBook::new(name, &[("Лист1", rows)]);
    let mut read = read_workbook(book.path()).unwrap();
    assert_eq!(read.sheets.len(), 1);
    read.sheets.remove(0)
}

fn read_err(name: &str, rows: Vec<Vec<Cell>>) -> String {
    let book = TempBook::new(name, &[("Лист1", rows)]);
    read_workbook(book.path()).unwrap_err().to_string()
}

/// Splits a fixture CSV (no quoting) into its header and rows.
fn split_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect());
    (lines.next().unwrap(), lines.collect())
}

/// A header row: №, code, variant, then tasks `label (max б)`, primary, mark, journal mark.
fn header(tasks: &[(&str, u32)]) -> Vec<Cell> {
    let mut h = texts(&["№", "Код", "Вариант"]);
    h.extend(tasks.iter().map(|(l, m)| t(&format!("{l} ({m}б)"))));
    h.extend(texts(&["Первичный балл", "Отметка", "Отметка по журналу"]));
    h
}

#[test]
fn committed_fixture_loads_into_its_csv_twins() {
    let dir = fixtures_dir();
    let read = read_workbook(&dir.join("vpr_2025_ru_4.xlsx")).unwrap();
    assert!(read.skipped_sheets.is_empty());
    let sheet = &read.sheets[0];
    let csv = std::fs::read_to_string(dir.join("vpr_2025_ru_4.csv")).unwrap();
    let (headers, rows) = split_csv(&csv);
    assert_eq!(sheet.headers, headers);
    let fields: Vec<_> = sheet.rows.iter().map(|r| r.fields.clone()).collect();
    assert_eq!(fields, rows);
    assert!(sheet.problems.is_empty(), "{:?}", sheet.problems);
    let tasks = std::fs::read_to_string(dir.join("vpr_2025_ru_4_tasks.csv")).unwrap();
    let (_, task_rows) = split_csv(&tasks);
    for (head, row) in sheet.tasks.iter().zip(&task_rows) {
        assert_eq!(head.max.map(|m| m.to_string()).as_deref(), Some(&*row[5]));
        assert_eq!(head.level.map(Level::as_str), Some(&*row[6]));
        assert_eq!(head.label, row[7]);
    }
    assert_eq!(sheet.tasks.len(), task_rows.len());
    // The generator and the committed files agree.
    let fx = vpr_2025_ru_4();
    assert_eq!(csv, fx.results_csv);
    assert_eq!(tasks, fx.tasks_csv);
}

/// Rewrites the committed fixtures: `cargo test -- --ignored regenerate_fixtures`.
#[test]
#[ignore]
fn regenerate_fixtures() {
    let dir = fixtures_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let fx = vpr_2025_ru_4();
    let bytes = book_bytes(&[("Индивидуальные результаты", fx.sheet)]);
    std::fs::write(dir.join("vpr_2025_ru_4.xlsx"), bytes).unwrap();
    std::fs::write(dir.join("vpr_2025_ru_4.csv"), fx.results_csv).unwrap();
    std::fs::write(dir.join("vpr_2025_ru_4_tasks.csv"), fx.tasks_csv).unwrap();
    std::fs::write(dir.join("vpr_2025_ru_4_schools.csv"), fx.schools_csv).unwrap();
}

#[test]
fn normal_workbook_two_schools() {
    let fx = vpr_2025_ru_4();
    let sheet = read_one("normal.xlsx", fx.sheet);
    assert_eq!(
        (
            sheet.exam.as_str(),
            sheet.year,
            sheet.subject.as_str(),
            sheet.grade
        ),
        ("VPR", 2025, "RU", 4)
    );
    assert_eq!(sheet.sheet, "Лист1");
    assert_eq!(sheet.tasks.len(), 16);
    let t91 = &sheet.tasks[10];
    assert_eq!(
        (t91.label.as_str(), t91.max, t91.level),
        ("9.1", Some(1.0), Some(Level::Basic))
    );
    assert_eq!(sheet.tasks[11].level, Some(Level::Advanced));
    assert_eq!(sheet.rows.len(), 26);
    assert!(sheet.problems.is_empty());
    // Rows keep their Excel row: title 1, subtitle 2, blank 3, levels 4, header 5, school 6.
    let first = &sheet.rows[0];
    assert_eq!(first.line, 7);
    assert_eq!(
        &first.fields[..7],
        ["2025", "VPR", "RU", "4", "edu050001", "4А", "10001"]
    );
    assert_eq!(sheet.rows[12].line, 20); // after the second school line, row 19
    assert_eq!(sheet.rows[12].fields[4], "edu050017");
    assert_eq!(sheet.rows[12].fields[6], "20001");
    let all: Vec<&str> = (sheet.rows.iter())
        .flat_map(|r| r.fields.iter().map(String::as_str))
        .collect();
    assert!(all.contains(&"Х") && all.contains(&"X") && all.contains(&"—"));
    assert!(all.iter().all(|f| !f.ends_with(".0")));
    // The one empty task cell is read as X, and said so.
    assert_eq!(sheet.notes.len(), 1, "{:?}", sheet.notes);
    assert!(
        sheet.notes[0]
            .message
            .contains("пустых ячеек в столбцах заданий: 1")
    );
    assert_eq!(sheet.notes[0].column.as_deref(), Some("L"));
}

#[test]
fn header_repeated_per_school_with_summary_rows() {
    let tasks = [("1", 1), ("2", 2), ("3(1)", 1)];
    let mut head = header(&tasks);
    head.insert(3, t("Пол"));
    *head.last_mut().unwrap() = t("Отметка за предыдущую четверть");
    let levels = texts(&["Уровень", "", "", "", "Б", "П", "В"]);
    let pupil = |no: f64, code: &str, scores: [Cell; 3], total: f64| {
        let mut r = vec![n(no), t(code), n(1.0), t("м")];
        r.extend(scores);
        r.extend([n(total), n(3.0), n(4.0)]);
        r
    };
    let rows = vec![
        texts(&["Всероссийские проверочные работы 2024/2025 учебного года"]),
        texts(&["Математика, 5 кл."]),
        texts(&["МБОУ СОШ № 1 (edu050002)", "", "Кол-во участников: 2"]),
        levels.clone(),
        head.clone(),
        pupil(1.0, "301", [n(1.0), n(2.0), t("Х")], 3.0),
        pupil(2.0, "302", [n(0.0), t("1"), n(1.0)], 2.0),
        texts(&["Итого по ОО", "", "", "", "0,5", "1,5", "0,5"]),
        vec![],
        texts(&["Лицей № 2 (EDU050003)", "", "Кол-во участников: 3"]),
        levels,
        head,
        pupil(1.0, "401", [n(1.0), n(2.0), n(1.0)], 4.0),
        pupil(2.0, "402", [t("X"), t("-"), n(0.0)], 0.0),
    ];
    let sheet = read_one("repeated.xlsx", rows);
    assert_eq!(
        (sheet.year, sheet.subject.as_str(), sheet.grade),
        (2025, "MA", 5)
    );
    let labels: Vec<_> = sheet.tasks.iter().map(|t| t.label.as_str()).collect();
    assert_eq!(labels, ["1", "2", "3(1)"]);
    let levels: Vec<_> = sheet.tasks.iter().map(|t| t.level).collect();
    assert_eq!(
        levels,
        [Some(Level::Basic), Some(Level::Advanced), Some(Level::High)]
    );
    let got: Vec<(u64, &str, &str, &str)> = (sheet.rows.iter())
        .map(|r| (r.line, &*r.fields[4], &*r.fields[6], &*r.fields[13]))
        .collect();
    assert_eq!(
        got,
        [
            (6, "edu050002", "301", "4"),
            (7, "edu050002", "302", "4"),
            (13, "edu050003", "401", "4"),
            (14, "edu050003", "402", "4")
        ]
    );
    assert_eq!(sheet.rows[0].fields[8..11], ["1", "2", "Х"]);
    assert!(sheet.problems.is_empty());
    let notes: Vec<(u64, Option<&str>, &str)> = (sheet.notes.iter())
        .map(|p| (p.line, p.column.as_deref(), &*p.message))
        .collect();
    assert_eq!(
        notes,
        [
            (5, Some("D"), "столбец «Пол» не используется"),
            (
                8,
                None,
                "итоговая или служебная строка пропущена: «Итого по ОО 0,5 1,5 0,5»"
            ),
            (12, Some("D"), "столбец «Пол» не используется"),
            (
                10,
                None,
                "в строке ОО указано участников: 3, а строк участников в таблице: 2"
            ),
        ]
    );
}

/// Task columns headed by number alone, their maxima in a «Максимальный
/// балл» row under each school's header: the maxima of the first such row
/// (the same rows again are no news; a differing one is noted).
#[test]
fn maxima_from_a_row_under_the_header() {
    let mut head = texts(&["№", "Код", "Вариант", "1", "2", "3"]);
    head.extend(texts(&["Первичный балл", "Отметка", "Отметка по журналу"]));
    let maxima = |m: [f64; 3]| {
        let mut r = texts(&["Максимальный балл", "", ""]);
        r.extend(m.map(n));
        r.push(n(m.iter().sum()));
        r
    };
    let pupil = |code: &str, total: f64| {
        let mut r = vec![n(1.0), t(code), n(1.0), n(1.0), n(1.0), n(total - 2.0)];
        r.extend([n(total), n(3.0), n(4.0)]);
        r
    };
    let rows = vec![
        texts(&["ВПР 2025 Математика 5 класс"]),
        texts(&["МБОУ СОШ № 1 (edu050002)"]),
        head.clone(),
        maxima([1.0, 2.0, 3.0]),
        pupil("301", 3.0),
        texts(&["Лицей № 2 (edu050003)"]),
        head.clone(),
        maxima([1.0, 2.0, 3.0]),
        pupil("401", 4.0),
        texts(&["СОШ № 3 (edu050004)"]),
        head,
        maxima([1.0, 2.0, 4.0]),
        pupil("501", 2.0),
    ];
    let sheet = read_one("maxima.xlsx", rows);
    let max: Vec<_> = sheet.tasks.iter().map(|t| t.max).collect();
    assert_eq!(max, [Some(1.0), Some(2.0), Some(3.0)]);
    assert_eq!(sheet.rows.len(), 3);
    assert!(sheet.problems.is_empty(), "{:?}", sheet.problems);
    let notes: Vec<(u64, &str)> = (sheet.notes.iter())
        .map(|p| (p.line, &*p.message))
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(
        notes[0],
        (
            4,
            "максимальные баллы заданий взяты из строки «Максимальный балл»"
        )
    );
    assert!(
        notes[1].0 == 12
            && notes[1]
                .1
                .starts_with("строка «Максимальный балл» расходится")
    );
}

#[test]
fn bad_rows_are_rejected_with_row_and_column() {
    let tasks = [("1", 1), ("2", 2)];
    let row = |code: &str, a: Cell, b: Cell| {
        let mut r = vec![n(1.0), t(code), n(1.0), a, b];
        r.extend([n(1.0), n(2.0), n(2.0)]);
        r
    };
    let mut extra = row("105", n(1.0), n(0.0));
    extra.extend([Cell::E, n(7.0)]);
    let rows = vec![
        texts(&["ВПР 2025 Окружающий мир 4 класс"]),
        header(&tasks),
        row("100", n(1.0), n(0.0)),
        texts(&["ООШ (sch050009)"]),
        row("101", n(1.0), t("абв")),
        row("102", n(1.0), n(3.0)),
        row("", n(1.0), n(0.0)),
        row("104", Cell::E, Cell::E),
        extra,
        row("106", n(1.0), n(2.0)),
        header(&[("1", 1), ("2", 2), ("3", 1)]),
        row("107", n(1.0), n(2.0)),
    ];
    let sheet = read_one("bad.xlsx", rows);
    assert_eq!(sheet.subject, "OK");
    let got: Vec<(u64, Option<&str>, &str)> = (sheet.problems.iter())
        .map(|p| (p.line, p.column.as_deref(), &*p.message))
        .collect();
    let shifted = "значение «7» правее последнего столбца таблицы: строка сдвинута?";
    assert_eq!(
        got,
        [
            (
                3,
                None,
                "строка участника стоит выше первой строки ОО с логином (например «(edu050001)»)"
            ),
            (
                5,
                Some("E"),
                "балл «абв» за задание 2 — не число (X, Х, - или — означают «не выполнено»)"
            ),
            (6, Some("E"), "балл 3 за задание 2 больше максимума 2"),
            (7, Some("B"), "не указан код участника"),
            (
                8,
                None,
                "нет баллов ни за одно задание (участник не писал работу?)"
            ),
            (9, Some("J"), shifted),
            (
                12,
                None,
                "задания в заголовке строки 11 не совпадают с заголовком строки 2"
            ),
        ]
    );
    assert_eq!(sheet.rows.len(), 1);
    assert_eq!(
        (sheet.rows[0].line, &*sheet.rows[0].fields[4]),
        (10, "sch050009")
    );
}

#[test]
fn school_line_above_the_title_and_count_on_its_own_row() {
    let rows = vec![
        texts(&["МАОУ «Гимназия № 3» (edu050044)"]),
        texts(&["Кол-во участников: 2"]),
        texts(&["ВПР 2025 География 7 класс"]),
        header(&[("1", 2), ("2", 1)]),
        texts(&["Макс. балл", "", "", "2", "1"]),
        vec![n(1.0), n(9.0), n(1.0), n(2.0), n(1.0)],
        vec![n(2.0), n(8.0), n(2.0), n(-1.0), n(0.0)],
    ];
    let sheet = read_one("gymnasium.xlsx", rows);
    assert_eq!((sheet.subject.as_str(), sheet.grade), ("GE", 7));
    assert_eq!(sheet.rows.len(), 1);
    assert_eq!(sheet.rows[0].fields[4], "edu050044");
    assert_eq!(
        sheet.problems[0].message,
        "отрицательный балл -1 за задание 1"
    );
    assert_eq!(sheet.problems[0].line, 7);
    // The row of maxima agrees with the header's: read, no news.
    assert!(sheet.notes.is_empty(), "{:?}", sheet.notes);
}

#[test]
fn fatal_problems_name_file_and_sheet() {
    let table = || vec![header(&[("1", 1)]), vec![n(1.0), n(5.0), n(1.0), n(1.0)]];
    let mut no_title = vec![texts(&["Результаты"])];
    no_title.extend(table());
    let e = read_err("notitle.xlsx", no_title);
    assert!(
        e.contains("notitle.xlsx, лист «Лист1»: над таблицей нет заголовка работы"),
        "{e}"
    );
    let mut unknown = vec![texts(&["ВПР 2025 Технология 5 класс"])];
    unknown.extend(table());
    let e = read_err("subject.xlsx", unknown);
    assert!(
        e.contains("лист «Лист1», строка 1: неизвестный предмет"),
        "{e}"
    );
    assert!(
        e.contains("в заголовке «ВПР 2025 Технология 5 класс»"),
        "{e}"
    );
    let mut dup = vec![texts(&["ВПР 2025 Химия 8 класс"])];
    dup.push(texts(&["Код", "1 (1б)", "Отметка", "Оценка"]));
    let e = read_err("dup.xlsx", dup);
    assert!(
        e.contains("строка 2: столбцы C («Отметка») и D («Оценка») означают одно и то же"),
        "{e}"
    );
    // A sheet without FIS OKO's header is handed on as a plain table (the
    // loader reads it as one, or refuses the book: see load::workbook).
    let none = TempBook::new(
        "none.xlsx",
        &[("Лист1", vec![texts(&["ВПР 2025 Химия 8 класс"])])],
    );
    let book = read_workbook(none.path()).unwrap();
    assert!(book.sheets.is_empty());
    assert_eq!(book.plain.len(), 1);
    assert_eq!(
        book.plain[0].1,
        [(1, vec!["ВПР 2025 Химия 8 класс".to_owned()])]
    );
    let junk = TempBook::from_bytes("junk.xlsx", b"not a workbook");
    let e = read_workbook(junk.path()).unwrap_err().to_string();
    assert!(
        e.contains("junk.xlsx: файл не открывается как книга Excel"),
        "{e}"
    );
}

#[test]
fn sheets_without_the_layout_are_listed() {
    let mut data = vec![texts(&["ВПР 2025 История 6 класс"]), texts(&["edu000001"])];
    data.push(header(&[("1", 2)]));
    data.push(vec![n(1.0), n(5.0), n(1.0), n(2.0)]);
    let sheets = [
        ("Инструкция", vec![texts(&["Выгрузка из ФИС ОКО"])]),
        ("6 класс", data),
    ];
    let book = TempBook::new("multi.xlsx", &sheets);
    let read = read_workbook(book.path()).unwrap();
    assert_eq!(read.skipped_sheets, ["Инструкция"]);
    assert_eq!(read.sheets[0].sheet, "6 класс");
    assert_eq!(
        read.sheets[0].rows[0].fields[..8],
        ["2025", "VPR", "HI", "6", "edu000001", "", "5", "1"]
    );
}

#[test]
fn titles() {
    let ok = |s: &str| {
        let t = parse_title(s).unwrap();
        (t.year, t.subject, t.grade)
    };
    assert_eq!(ok("ВПР 2025 Русский язык 4 класс"), (2025, "RU", 4));
    assert_eq!(ok("ВПР 2025. Математика. 5 класс"), (2025, "MA", 5));
    assert_eq!(
        ok("Всероссийские проверочные работы 2024-2025, 11-й класс, Английский язык"),
        (2025, "EN", 11)
    );
    assert_eq!(ok("ВПР. Класс: 7. Обществознание. 2024"), (2024, "SO", 7));
    assert!(
        parse_title("ВПР Физика 8 класс")
            .unwrap_err()
            .contains("год")
    );
    assert!(
        parse_title("ВПР 2025 Физика")
            .unwrap_err()
            .contains("класс")
    );
}

#[test]
fn cells_and_labels() {
    assert_eq!(number_text(2.0), "2");
    assert_eq!(number_text(0.1 + 0.2), "0.3");
    assert_eq!(number_text(1.5), "1.5");
    assert_eq!(number_text(123_456_789_012.0), "123456789012");
    assert_eq!(column_letter(0), "A");
    assert_eq!(column_letter(25), "Z");
    assert_eq!(column_letter(26), "AA");
    assert_eq!(column_letter(27 * 26), "AAA");
    let head = |s: &str| task_head(s).map(|h| (h.label, h.max));
    assert_eq!(head("9.1 (2б)"), Some(("9.1".into(), Some(2.0))));
    assert_eq!(head("1К1 (4 балла)"), Some(("1К1".into(), Some(4.0))));
    assert_eq!(head("3(1) (1б.)"), Some(("3(1)".into(), Some(1.0))));
    assert_eq!(head("12"), Some(("12".into(), None)));
    assert_eq!(head("Код"), None);
    assert_eq!(
        school_login("МБОУ СОШ № 5 (edu050001) | Кол-во участников: 42").as_deref(),
        Some("edu050001")
    );
    assert_eq!(school_login("education 2025"), None);
    assert!(is_workbook_path(Path::new("a/b.XLSX")) && !is_workbook_path(Path::new("b.csv")));
}

/// `bytes` (an xlsx) with `edit` applied to the text of its entry `name`.
fn with_entry(bytes: &[u8], name: &str, edit: impl Fn(&str) -> String) -> Vec<u8> {
    use std::io::{Cursor, Read, Write};
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut text = Vec::new();
        entry.read_to_end(&mut text).unwrap();
        let entry_name = entry.name().unwrap().into_owned();
        if entry_name == name {
            text = edit(std::str::from_utf8(&text).unwrap()).into_bytes();
        }
        out.start_file(entry_name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&text).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn a_shared_string_count_the_table_cannot_hold_refuses_the_book() {
    let good = book_bytes(&[("Лист1", vpr_2025_ru_4().sheet)]);
    // rust_xlsxwriter writes the true counts; calamine reserves room for the
    // declared one at once.
    let lie = |xml: &str| {
        let at = xml.find("uniqueCount=\"").unwrap() + "uniqueCount=\"".len();
        let end = at + xml[at..].find('"').unwrap();
        format!("{}4000000000{}", &xml[..at], &xml[end..])
    };
    let bad = with_entry(&good, "xl/sharedStrings.xml", lie);
    let book = TempBook::from_bytes("lying-count.xlsx", &bad);
    let err = read_workbook(book.path()).unwrap_err().to_string();
    assert!(err.contains("объявлено 4000000000 разных текстов"), "{err}");
    assert!(err.contains("сохраните её заново"), "{err}");
    // The same edit to the true count reads as before.
    let same = with_entry(&good, "xl/sharedStrings.xml", |x| x.to_owned());
    let book = TempBook::from_bytes("true-count.xlsx", &same);
    assert!(read_workbook(book.path()).is_ok());
    // A count past u64 is refused too.
    let huge = with_entry(&good, "xl/sharedStrings.xml", |x| {
        x.replacen("uniqueCount=\"", "uniqueCount=\"99999999999999999999999", 1)
    });
    let book = TempBook::from_bytes("huge-count.xlsx", &huge);
    assert!(read_workbook(book.path()).is_err());
}
