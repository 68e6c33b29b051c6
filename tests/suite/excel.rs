//! Excel in and out: a FIS OKO workbook loads into the same cells as its CSV
//! twin; the xlsx outputs read back as the CSVs say; a broken workbook costs
//! only itself.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};

use obektiv::config::Config;
use obektiv::progress::Progress;
use obektiv::{Job, analyze};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(data: &Path, out: &Path) -> obektiv::Summary {
    analyze(&Job {
        data: data.to_owned(),
        out: out.to_owned(),
        config: Config::default(),
        progress: Progress::new(false),
    })
    .unwrap()
}

#[test]
fn fis_oko_workbook_loads_into_the_same_cells_as_its_csv_twin() {
    let tmp = tempfile::tempdir().unwrap();
    let (x, c) = (tmp.path().join("xlsx"), tmp.path().join("csv"));
    for d in [&x, &c] {
        std::fs::create_dir_all(d).unwrap();
        std::fs::copy(fixture("vpr_2025_ru_4_schools.csv"), d.join("schools.csv")).unwrap();
    }
    // As exported: the workbook keeps its own name; maxima and levels come
    // from its header, so the CSV twin needs tasks.csv for the same cells.
    std::fs::copy(
        fixture("vpr_2025_ru_4.xlsx"),
        x.join("ВПР 2025 Русский язык 4 Индивидуальные результаты.xlsx"),
    )
    .unwrap();
    std::fs::copy(fixture("vpr_2025_ru_4.csv"), c.join("results.csv")).unwrap();
    std::fs::copy(fixture("vpr_2025_ru_4_tasks.csv"), c.join("tasks.csv")).unwrap();
    let sx = run(&x, &tmp.path().join("rx"));
    let sc = run(&c, &tmp.path().join("rc"));
    assert_eq!((sx.works, sx.cells, sx.rows_rejected), (26, 2, 0));
    assert_eq!((sc.works, sc.cells), (sx.works, sx.cells));
    for f in ["cells.csv", "findings.csv", "region.csv"] {
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("rx").join(f)).unwrap(),
            std::fs::read_to_string(tmp.path().join("rc").join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn xlsx_outputs_read_back_as_the_csvs() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    crate::common::simulated(&data, 40, 1, 3);
    let out = tmp.path().join("out");
    run(&data, &out);
    let mut csv = csv::Reader::from_path(out.join("cells.csv")).unwrap();
    let headers = csv.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    let mut book: Xlsx<_> = open_workbook(out.join("cells.xlsx")).unwrap();
    let range = book.worksheet_range("Ячейки").unwrap();
    assert_eq!(range.height(), rows.len() + 1);
    assert_eq!(range.width(), headers.len());
    assert_eq!(range.get((0, 4)), Some(&Data::String("Логин ОО".into())));
    // Every header is Russian.
    for j in 0..headers.len() {
        let h = range.get((0, j)).unwrap().to_string();
        assert!(
            h.chars()
                .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap())),
            "{h}"
        );
    }
    // Procedures and subjects by name.
    assert!(rows.iter().any(|r| r[1] == *"VPR"));
    assert!((1..range.height()).all(|i| *range.get((i, 1)).unwrap() != "VPR"));
    assert!((1..range.height()).any(|i| *range.get((i, 2)).unwrap() == "математика"));
    for (i, r) in rows.iter().enumerate() {
        for (j, v) in r.iter().enumerate() {
            let cell = range.get((i + 1, j)).unwrap();
            let v = &obektiv::output::excel::shown(&headers[j], v);
            let ok = match cell {
                Data::Empty => v.is_empty(),
                Data::String(s) => {
                    s == v || (v == "true" && s == "да") || (v == "false" && s == "нет")
                }
                Data::Float(f) => v.parse::<f64>().is_ok_and(|x| (x - f).abs() < 1e-9),
                Data::Int(n) => v.parse::<i64>() == Ok(*n),
                other => panic!("unexpected {other:?}"),
            };
            assert!(
                ok,
                "row {i} column {}: xlsx {cell:?} vs csv {v:?}",
                &headers[j]
            );
        }
    }
    let sample: Xlsx<_> = open_workbook(out.join("recheck_sample.xlsx")).unwrap();
    assert_eq!(sample.sheet_names(), ["Школы", "Работы"]);
    // The risk list for people: Russian headers, no block of cell-kind columns.
    let mut list: Xlsx<_> = open_workbook(out.join("risk_list.xlsx")).unwrap();
    let sheet = list.worksheet_range("Перечень").unwrap();
    let list_csv = std::fs::read_to_string(out.join("risk_list.csv")).unwrap();
    assert!(
        list_csv.lines().next().unwrap().contains("VPR "),
        "the CSV keeps them"
    );
    for j in 0..sheet.width() {
        let h = sheet.get((0, j)).unwrap().to_string();
        assert!(
            !h.contains("VPR ") && !h.contains("OGE ") && !h.contains("EGE "),
            "{h}"
        );
    }
    // Every sheet of every workbook a methodist opens has Cyrillic headers.
    let cyrillic = |h: &str| {
        h.chars()
            .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap()))
    };
    for (book, sheets) in [
        (
            "risk_list.xlsx",
            &["Перечень", "Объективные результаты"][..],
        ),
        ("cells.xlsx", &["Ячейки"][..]),
        ("recheck_sample.xlsx", &["Школы", "Работы"][..]),
        (
            "quality.xlsx",
            &["Файлы", "Отклонённые строки", "Замечания"][..],
        ),
    ] {
        let mut wb: Xlsx<_> = open_workbook(out.join(book)).unwrap();
        assert_eq!(wb.sheet_names(), sheets, "{book}");
        for name in sheets {
            let r = wb.worksheet_range(name).unwrap();
            assert!(r.width() > 0, "{book} / {name}");
            for j in 0..r.width() {
                let h = r.get((0, j)).unwrap().to_string();
                assert!(cyrillic(&h), "{book} / {name}: header «{h}»");
            }
        }
    }
    // The objective sheet holds the objective list's rows.
    let objective = std::fs::read_to_string(out.join("objective_list.csv")).unwrap();
    let r = list.worksheet_range("Объективные результаты").unwrap();
    assert_eq!(r.height(), objective.lines().count());
}

#[test]
fn a_broken_workbook_is_reported_and_the_run_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::copy(
        fixture("vpr_2025_ru_4_schools.csv"),
        data.join("schools.csv"),
    )
    .unwrap();
    std::fs::copy(fixture("vpr_2025_ru_4.csv"), data.join("results.csv")).unwrap();
    std::fs::write(data.join("export.xlsx"), b"not a workbook").unwrap();
    let s = run(&data, &tmp.path().join("out"));
    assert_eq!(s.files_failed, 1);
    assert_eq!(s.works, 26);
    let files = crate::common::table(&tmp.path().join("out/files.csv"));
    let row = files.iter().find(|f| f["file"] == "export.xlsx").unwrap();
    assert!(
        row["error"].contains("файл не открывается как книга Excel"),
        "{row:?}"
    );
}

/// A results table saved from Excel as a workbook (the contract's columns,
/// numbers stored as numbers, split over two sheets, a third sheet of
/// notes): read as its CSV twin, with a note (the workbook was refused as
/// «not a FIS OKO export»).
#[test]
fn a_plain_results_workbook_reads_as_its_csv_twin() {
    let tmp = tempfile::tempdir().unwrap();
    let lines: Vec<Vec<&str>> = (crate::common::RESULTS.lines())
        .map(|l| l.split(',').collect())
        .collect();
    let mut wb = rust_xlsxwriter::Workbook::new();
    // The second sheet heads its columns in another order and in Russian
    // (as one sheet per subject, each made by hand, would): it is read by
    // its own header.
    let width = lines[0].len();
    let second: Vec<String> = (lines[0].iter().rev())
        .map(|h| match *h {
            "student" => "Код участника".to_owned(),
            "primary" => "Первичный балл".to_owned(),
            "t1" => "Задание 1".to_owned(),
            h => h.to_owned(),
        })
        .collect();
    let first: Vec<String> = lines[0].iter().map(|h| h.to_string()).collect();
    for (name, rows, head, reversed) in [
        ("Лист1", &lines[1..5], &first, false),
        ("Лист2", &lines[5..], &second, true),
    ] {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        for (c, h) in head.iter().enumerate() {
            ws.write_string(0, c as u16, h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let c = if reversed { width - 1 - c } else { c };
                let (r, c) = (r as u32 + 1, c as u16);
                match v.parse::<f64>() {
                    Ok(x) if !v.starts_with('0') || *v == "0" => ws.write_number(r, c, x),
                    _ => ws.write_string(r, c, *v),
                }
                .unwrap();
            }
        }
    }
    wb.add_worksheet()
        .set_name("Примечания")
        .unwrap()
        .write_string(0, 0, "выгружено вручную")
        .unwrap();
    let data = crate::common::folder(&tmp.path().join("data"), &[]);
    wb.save(data.join("results.xlsx")).unwrap();
    let out = tmp.path().join("out");
    let s = run(&data, &out);
    assert_eq!((s.rows_rejected, s.works), (0, 9));
    let twin = crate::common::folder(
        &tmp.path().join("twin"),
        &[("results.csv", crate::common::RESULTS.as_bytes())],
    );
    let twin_out = tmp.path().join("twin_out");
    run(&twin, &twin_out);
    let cells = |o: &Path| std::fs::read_to_string(o.join("cells.csv")).unwrap();
    assert_eq!(cells(&out), cells(&twin_out));
    let notes = std::fs::read_to_string(out.join("notes.csv")).unwrap();
    assert!(
        notes.contains("книга прочитана как таблица по её заголовку (не выгрузка ФИС ОКО)"),
        "{notes}"
    );
    assert!(
        notes.contains("лист «Примечания»: нет строки заголовка"),
        "{notes}"
    );
    assert!(
        notes.contains("лист «Лист2»: столбцы не те, что на первом листе с результатами; прочитан по своему заголовку"),
        "{notes}"
    );
}

/// The list of schools kept in Excel (schools.xlsx, no schools.csv) reads as
/// its CSV (it was «schools.csv: … файла нет в папке»); with both, the CSV is
/// read and the workbook is said to be skipped.
#[test]
fn a_schools_workbook_reads_as_its_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let data = crate::common::folder(
        &tmp.path().join("data"),
        &[("results.csv", crate::common::RESULTS.as_bytes())],
    );
    let mut csv = csv::Reader::from_path(data.join("schools.csv")).unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    // A register's title and an empty row above the table (it was read as
    // the header: «нет обязательных столбцов»).
    ws.write_string(0, 0, "Реестр общеобразовательных организаций")
        .unwrap();
    for (c, h) in csv.headers().unwrap().iter().enumerate() {
        ws.write_string(2, c as u16, h).unwrap();
    }
    for (r, rec) in csv.records().enumerate() {
        for (c, v) in rec.unwrap().iter().enumerate() {
            ws.write_string(r as u32 + 3, c as u16, v).unwrap();
        }
    }
    wb.save(data.join("schools.xlsx")).unwrap();
    let both = tmp.path().join("both");
    run(&data, &both);
    let files = std::fs::read_to_string(both.join("files.csv")).unwrap();
    assert!(files.contains("тот же файл в другом формате"), "{files}");
    std::fs::remove_file(data.join("schools.csv")).unwrap();
    let out = tmp.path().join("out");
    let s = run(&data, &out);
    assert_eq!((s.rows_rejected, s.works), (0, 9));
    let cells = |o: &Path| std::fs::read_to_string(o.join("cells.csv")).unwrap();
    assert_eq!(cells(&out), cells(&both));
    let notes = std::fs::read_to_string(out.join("notes.csv")).unwrap();
    assert!(
        notes.contains("(например, «Реестр общеобразовательных организаций»)"),
        "{notes}"
    );
}

/// A workbook is read by what it holds, not by its name: an xlsx saved as
/// .xls reads as its CSV twin (with a note); a web page saved as .xls and an
/// OpenDocument table are refused with what they are and what to do, and the
/// run goes on with the other files.
#[test]
fn a_workbook_is_known_by_its_content() {
    let tmp = tempfile::tempdir().unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    crate::common::write_text(wb.add_worksheet(), crate::common::RESULTS);
    let data = crate::common::folder(&tmp.path().join("data"), &[]);
    wb.save(data.join("results.xls")).unwrap();
    std::fs::write(
        data.join("Выгрузка.xls"),
        "<html><body><table><tr><td>Код</td></tr></table></body></html>",
    )
    .unwrap();
    // The start of an OpenDocument file: a zip whose first entry is its type.
    let mut ods = b"PK\x03\x04".to_vec();
    ods.extend([0u8; 26]);
    ods.extend(b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet");
    std::fs::write(data.join("results_oge.ods"), ods).unwrap();
    let out = tmp.path().join("out");
    let s = run(&data, &out);
    assert_eq!((s.rows_rejected, s.works), (0, 9));
    let twin = crate::common::folder(
        &tmp.path().join("twin"),
        &[("results.csv", crate::common::RESULTS.as_bytes())],
    );
    run(&twin, &tmp.path().join("twin_out"));
    let cells = |o: &Path| std::fs::read_to_string(o.join("cells.csv")).unwrap();
    assert_eq!(cells(&out), cells(&tmp.path().join("twin_out")));
    let notes = std::fs::read_to_string(out.join("notes.csv")).unwrap();
    assert!(
        notes.contains("файл назван не по своему формату: это книга xlsx"),
        "{notes}"
    );
    let files = std::fs::read_to_string(out.join("files.csv")).unwrap();
    crate::common::says(
        &files,
        &[
            // The format it is, not the one its name says.
            "results.xls,results,xlsx,",
            "это не книга Excel, а веб-страница (HTML)",
            "это таблица LibreOffice или «МойОфис» (.ods)",
        ],
    );
}

/// Excel numbers rows per sheet: what is said about a row of a workbook read
/// from several sheets names the sheet (a methodist looks for row 2 of
/// «Лист2», not of the first sheet).
#[test]
fn messages_about_rows_of_several_sheets_name_the_sheet() {
    let tmp = tempfile::tempdir().unwrap();
    let lines: Vec<Vec<&str>> = (crate::common::RESULTS.lines())
        .map(|l| l.split(',').collect())
        .collect();
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in [("Лист1", &lines[1..5]), ("Лист2", &lines[5..])] {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        for (c, h) in lines[0].iter().enumerate() {
            ws.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                // The first work of each sheet: a mark 7 (a note) and,
                // on the second sheet, a task score 9 (a rejection).
                let v = match (r, lines[0][c], name) {
                    (0, "mark", _) => "7",
                    (0, "t1", "Лист2") => "9",
                    _ => v,
                };
                ws.write_string(r as u32 + 1, c as u16, v).unwrap();
            }
        }
    }
    let data = crate::common::folder(&tmp.path().join("data"), &[]);
    wb.save(data.join("results.xlsx")).unwrap();
    let out = tmp.path().join("out");
    let s = run(&data, &out);
    assert_eq!((s.rows_rejected, s.works), (1, 8));
    let notes = std::fs::read_to_string(out.join("notes.csv")).unwrap();
    assert!(
        notes.contains("results.xlsx,2,\"лист «Лист1»: столбец mark: неверная отметка «7»"),
        "{notes}"
    );
    let rejected = std::fs::read_to_string(out.join("rejected_rows.csv")).unwrap();
    assert!(
        rejected.contains("results.xlsx,2,t1,9,лист «Лист2»: балл 9 за задание 1"),
        "{rejected}"
    );
}
