//! Loading real-world variants of the data folder, and the rejected-rows accounting.

use std::path::Path;

use crate::common::{RESULTS, analyze, excel_ru, folder, read, table};

fn cells_of(dir: &Path, results: &[(&str, &[u8])]) -> (String, obektiv::Summary) {
    let data = folder(&dir.join("data"), results);
    let out = dir.join("out");
    let s = analyze(&data, &out);
    (read(&out.join("cells.csv")), s)
}

/// cells.csv of the common clean results, analysed under `dir/clean`: what a
/// variant of the same works must read as.
fn clean_cells(dir: &Path) -> String {
    cells_of(&dir.join("clean"), &[("results.csv", RESULTS.as_bytes())]).0
}

/// Analyses `results` as results.csv and checks that every row is used and
/// the cells are the clean file's; returns notes.csv.
fn reads_as_clean(results: &[u8]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let (cells, s) = cells_of(tmp.path(), &[("results.csv", results)]);
    assert_eq!(s.rows_rejected, 0, "{:?}", rejected(tmp.path()));
    assert_eq!(cells, clean_cells(tmp.path()));
    read(&tmp.path().join("out/notes.csv"))
}

fn rejected(dir: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    table(&dir.join("out/rejected_rows.csv"))
}

#[test]
fn clean_folder_uses_every_row_with_hand_computed_statistics() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, s) = cells_of(tmp.path(), &[("results.csv", RESULTS.as_bytes())]);
    // 3 schools + 3 tasks + 3 scale rows + 9 works.
    assert_eq!((s.rows_read, s.rows_used, s.rows_rejected), (18, 18, 0));
    assert_eq!((s.tests, s.cells, s.works), (1, 3, 9));
    let cells = table(&tmp.path().join("out/cells.csv"));
    let c = &cells[0];
    assert_eq!(c["school"], "edu000001");
    assert_eq!(c["n"], "4");
    // primary 5, 2, 1, 3: mean 2.75; sample SD sqrt(8.75 / 3) = 1.7078 (by hand).
    assert_eq!(c["mean_primary"], "2.75");
    assert_eq!(c["sd_primary"], "1.708");
    assert_eq!(c["max_primary"], "5.0");
    assert_eq!(
        (c["share_2"].as_str(), c["share_5"].as_str()),
        ("0.25", "0.25")
    );
    // exam vs journal: 5/5, 3/4, 2/3, 4/4 -> lowered 2, confirmed 2.
    assert_eq!(
        (
            c["share_lowered"].as_str(),
            c["share_confirmed"].as_str(),
            c["share_raised"].as_str()
        ),
        ("0.5", "0.5", "0.0")
    );
    // one X among 4 works × 3 tasks.
    assert_eq!(c["not_done_share"], "0.0833");
    // 4 works: below every sign's minimum sample, so nothing is evaluated.
    assert_eq!(
        (
            c["risk"].as_str(),
            c["marker"].as_str(),
            c["signs"].as_str()
        ),
        ("0.0", "false", "")
    );
    let lyceum = &cells[1];
    assert_eq!(
        (
            lyceum["share_lowered"].as_str(),
            lyceum["share_raised"].as_str()
        ),
        ("0.3333", "0.3333")
    );
}

#[test]
fn windows_1251_semicolon_and_decimal_comma_load_like_utf8() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let with_decimal = RESULTS.replace(",5,5,5\n", ",5.0,5,5\n");
    let (utf8, _) = cells_of(a.path(), &[("results.csv", RESULTS.as_bytes())]);
    let (cp, s) = cells_of(b.path(), &[("results.csv", &excel_ru(&with_decimal))]);
    assert_eq!(s.rows_rejected, 0);
    assert_eq!(utf8, cp);
    let files = table(&b.path().join("out/files.csv"));
    let r = files.iter().find(|f| f["file"] == "results.csv").unwrap();
    assert_eq!(
        (r["encoding"].as_str(), r["delimiter"].as_str()),
        ("windows-1251", ";")
    );
}

#[test]
fn bom_and_russian_headers_load_like_plain() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let header_end = RESULTS.find('\n').unwrap();
    let russian = format!(
        "\u{feff}Год,Экзамен,Предмет,Параллель,Логин ОО,Класс,Код участника,Вариант,т1,т2,т3,Первичный балл,Отметка,Отметка по журналу{}",
        &RESULTS[header_end..]
    );
    let (plain, _) = cells_of(a.path(), &[("results.csv", RESULTS.as_bytes())]);
    let (ru, s) = cells_of(b.path(), &[("results.csv", russian.as_bytes())]);
    assert_eq!(s.rows_rejected, 0);
    assert_eq!(plain, ru);
}

#[test]
fn parquet_loads_like_csv() {
    use polars_io::prelude::*;
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (csv_cells, _) = cells_of(a.path(), &[("results.csv", RESULTS.as_bytes())]);
    let mut df = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(0)) // all text, as FIS OKO exports keep codes
        .into_reader_with_file_handle(std::io::Cursor::new(RESULTS.as_bytes()))
        .finish()
        .unwrap();
    let data = folder(&b.path().join("data"), &[]);
    let file = std::fs::File::create(data.join("results.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
    let s = analyze(&data, &b.path().join("out"));
    assert_eq!((s.rows_rejected, s.works), (0, 9));
    assert_eq!(csv_cells, read(&b.path().join("out/cells.csv")));
}

#[test]
fn row_order_and_file_split_do_not_change_results() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let mut lines: Vec<&str> = RESULTS.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let first = format!("{header}\n{}\n", lines[..4].join("\n"));
    let second = format!("{header}\n{}\n", lines[4..].join("\n"));
    let (one, _) = cells_of(a.path(), &[("results.csv", RESULTS.as_bytes())]);
    let (two, _) = cells_of(
        b.path(),
        &[
            ("results_a.csv", first.as_bytes()),
            ("results_b.csv", second.as_bytes()),
        ],
    );
    assert_eq!(one, two);
}

/// Each bad row is rejected with its line and reason; the others are used.
#[test]
fn bad_rows_are_listed_and_accounting_balances() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = format!(
        "{RESULTS}\
2025,VPR,MA,4,edu000001,4А,105,1,1,два,0,,,4\n\
2025,VPR,MA,4,edu999999,4А,106,1,1,1,0,2,3,4\n\
2025,VPR,MA,4,edu000001,4А,107,1,1,1,0,5,3,4\n\
2025,VPR,MA,4,edu000001,4А,108,1,1,3,0,4,4,4\n\
2025,VPR,MA,4,edu000001,4А,109,1,1,1,0,2,7,4\n\
2025,VPR,MA,4,edu000002,4А,201,1,1,2,1,4,4,5\n\
2025,VPR,MA,4,edu000002,4А,203,1,0,0,0,0,2,3\n\
2025,VPR,MA,4,edu000003,4,303,1,1,1\n"
    );
    let (_, s) = cells_of(tmp.path(), &[("results.csv", bad.as_bytes())]);
    let rows = rejected(tmp.path());
    let find = |line: &str| {
        rows.iter()
            .find(|r| r["line"] == line)
            .unwrap_or_else(|| panic!("line {line} not rejected: {rows:?}"))
    };
    assert_eq!(find("11")["column"], "t2");
    assert_eq!(find("11")["value"], "два");
    assert!(find("11")["reason"].starts_with("неверный балл «два» за задание 2: нужно число"));
    assert_eq!(
        (find("12")["column"].as_str(), find("12")["value"].as_str()),
        ("school", "edu999999")
    );
    assert_eq!(find("12")["reason"], "ОО «edu999999» нет в schools.csv");
    assert_eq!(find("13")["column"], "primary");
    assert_eq!(
        find("13")["reason"],
        "первичный балл 5 не равен сумме баллов за задания (2)"
    );
    assert_eq!(
        (find("14")["column"].as_str(), find("14")["value"].as_str()),
        ("t2", "3")
    );
    assert_eq!(
        find("14")["reason"],
        "балл 3 за задание 2 больше максимума 2 (tasks.csv)"
    );
    // A bad optional field (the mark 7) costs the field, not the work: a note.
    assert!(!rows.iter().any(|r| r["line"] == "15"));
    let notes = read(&tmp.path().join("out/notes.csv"));
    assert!(
        notes.contains(
            "results.csv,15,\"столбец mark: неверная отметка «7»: нужно целое число от 2 до 5 \
             (или «отлично», «хорошо», «удовл.», «неуд.»); значение «7» не учтено, работа \
             использована\""
        ),
        "{notes}"
    );
    // line 16 repeats line 6 exactly: one copy kept; line 17 conflicts with line 8: both out.
    assert!(find("16")["reason"].contains("повтор: та же работа уже есть в results.csv, строка 6"));
    let conflict =
        "с разными результатами (записей: 2 — results.csv, строка 8; results.csv, строка 17)";
    assert!(
        find("17")["reason"].contains(conflict),
        "{}",
        find("17")["reason"]
    );
    assert!(find("8")["reason"].contains(conflict));
    assert!(!rows.iter().any(|r| r["line"] == "6"));
    assert!(find("18")["reason"].contains("полей в строке: 10, а в заголовке: 14"));
    assert_eq!(rows.len(), 8);
    // read = used + rejected, per file and in total.
    assert_eq!(s.rows_read, s.rows_used + s.rows_rejected);
    assert_eq!(s.rows_rejected, 8);
    let files = table(&tmp.path().join("out/files.csv"));
    let r = files.iter().find(|f| f["file"] == "results.csv").unwrap();
    assert_eq!(
        (
            r["rows_read"].as_str(),
            r["rows_used"].as_str(),
            r["rows_rejected"].as_str()
        ),
        ("17", "9", "8")
    );
    // the rejected rows of a cell are counted in cells.csv.
    let cells = table(&tmp.path().join("out/cells.csv"));
    // school 1: lines 11, 13, 14 (line 16 is school 2's, 12 has no known school).
    assert_eq!(cells[0]["rows_rejected"], "3");
}

#[test]
fn marks_come_from_the_scale_and_disagreements_are_kept_and_noted() {
    let tmp = tempfile::tempdir().unwrap();
    // No mark column values: computed from the scale (cuts 2, 3, 5).
    let no_marks = RESULTS
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            if !l.starts_with("year") {
                f[12] = "";
            }
            f.join(",")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let (computed, _) = cells_of(tmp.path(), &[("results.csv", no_marks.as_bytes())]);
    let t2 = tempfile::tempdir().unwrap();
    let (given, _) = cells_of(t2.path(), &[("results.csv", RESULTS.as_bytes())]);
    assert_eq!(computed, given, "the fixture's marks are the scale's marks");

    // A mark that contradicts the scale: kept, counted and noted.
    let t3 = tempfile::tempdir().unwrap();
    let wrong = RESULTS.replace("102,2,1,1,0,2,3,4", "102,2,1,1,0,2,5,4");
    let (_, s) = cells_of(t3.path(), &[("results.csv", wrong.as_bytes())]);
    assert_eq!(s.rows_rejected, 0);
    let cells = table(&t3.path().join("out/cells.csv"));
    assert_eq!(cells[0]["mark_scale_disagreements"], "1");
    assert_eq!(cells[0]["share_5"], "0.5");
    let notes = read(&t3.path().join("out/notes.csv"));
    assert!(
        notes.contains("results.csv,3,\"в файле отметка 5, а по шкале (scales.csv) за первичный балл 2 положена 3; оставлена отметка из файла\""),
        "{notes}"
    );
}

#[test]
fn a_broken_file_is_reported_and_the_others_are_used() {
    let tmp = tempfile::tempdir().unwrap();
    let files: &[(&str, &[u8])] = &[
        ("results_ok.csv", RESULTS.as_bytes()),
        ("results_empty.csv", b""),
        ("results_nocol.csv", b"year,exam,subject\n2025,VPR,MA\n"),
        (
            "results_pipe.csv",
            b"year|exam|subject|grade|school|student\n2025|VPR|MA|4|edu000001|1\n",
        ),
        (
            "results_duphead.csv",
            b"year,exam,subject,grade,school,student,t1,T1\n",
        ),
    ];
    let (_, s) = cells_of(tmp.path(), files);
    assert_eq!((s.files_failed, s.works), (4, 9));
    let f = table(&tmp.path().join("out/files.csv"));
    let err = |name: &str| f.iter().find(|r| r["file"] == name).unwrap()["error"].clone();
    assert!(err("results_empty.csv").contains("results_empty.csv: файл пуст"));
    let nocol = err("results_nocol.csv");
    assert!(
        nocol.contains(
            "results_nocol.csv: нет обязательных столбцов: «параллель», «логин», «код участника»"
        ),
        "{nocol}"
    );
    assert!(
        nocol.contains("Найдены столбцы: «year», «exam», «subject»."),
        "{nocol}"
    );
    assert!(err("results_pipe.csv").contains("всего один столбец"));
    assert!(err("results_duphead.csv").contains("столбцы 7 («t1») и 8 («T1») оба означают «t1»"));
}

#[test]
fn truncated_last_line_without_newline_is_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let cut = format!("{RESULTS}2025,VPR,MA,4,edu000002,4А,204,1,1,");
    let (_, s) = cells_of(tmp.path(), &[("results.csv", cut.as_bytes())]);
    assert_eq!((s.rows_read, s.rows_rejected), (19, 1));
    let rows = rejected(tmp.path());
    assert_eq!(rows[0]["line"], "11");
    assert!(rows[0]["reason"].contains("обрезана"));
}

#[test]
fn hand_typed_tables_are_read_as_a_methodist_types_them() {
    // The common results as an office often types them: a school year, the
    // grade with its letter, a login in capitals, pupils numbered in each
    // class anew, the journal mark under FIS OKO's header, Excel's empty
    // rows of delimiters, the header again (two files pasted together) and
    // a total line, the subject shortened. Each of the nine works must be
    // read as the clean file's.
    let header = "year,exam,subject,grade,school,class,student,variant,t1,t2,t3,primary,mark,\
                  Отметка за предыдущую четверть";
    let body: Vec<String> = (RESULTS.lines().skip(1).enumerate())
        .map(|(i, l)| {
            // The subject shortened, or its code typed in Cyrillic (М, А).
            let short = if i % 2 == 0 {
                ",матем.,"
            } else {
                ",МА,"
            };
            l.replacen(",MA,", short, 1)
                .replacen("2025,", "2024/2025,", 1)
                .replacen(",4,edu", ",4 класс,edu", 1)
                .replace("edu000002", "EDU000002")
                // A Cyrillic «е» and a space in one login, the name for another.
                .replace("edu000001,4Б", "еdu 000001,4Б")
                .replace("edu000003", "МКОУ Ивановская ООШ")
                // 101, 102 in 4А and 103, 104 in 4Б become 1, 2 and 1, 2.
                .replace(",101,", ",1,")
                .replace(",102,", ",2,")
                .replace(",103,", ",1,")
                .replace(",104,", ",2,")
        })
        .collect();
    let text = format!(
        "{header}\n{}\n,,,,,,,,,,,,,\n{header}\n{}\nИтого,,,,,,,,,,,,,\n",
        body[..4].join("\n"),
        body[4..].join("\n")
    );
    let tmp = tempfile::tempdir().unwrap();
    let (cells, s) = cells_of(tmp.path(), &[("results.csv", text.as_bytes())]);
    let clean = clean_cells(tmp.path());
    assert_eq!(
        (s.works, s.rows_rejected),
        (9, 2),
        "{:?}",
        rejected(tmp.path())
    );
    let why: Vec<String> = rejected(tmp.path())
        .iter()
        .map(|r| r["reason"].clone())
        .collect();
    assert!(why[0].contains("повторяет заголовок"), "{why:?}");
    assert!(why[1].contains("итоговая строка"), "{why:?}");
    // Every cell as from the clean file (journal marks included).
    assert_eq!(cells, clean);
    let notes = read(&tmp.path().join("out/notes.csv"));
    crate::common::says(
        &notes,
        &[
            "год записан как учебный",
            "параллель записана с текстом",
            "логин ОО записан не так, как в schools.csv",
            "вместо логина ОО указано её название (например, «МКОУ Ивановская ООШ»)",
            "пронумерованы в каждом классе заново",
            "предмет записан сокращённо (например, «матем.»): прочитан как «математика»",
        ],
    );
}

#[test]
fn column_and_value_spellings_of_other_exports_read_as_the_clean_file() {
    // Task columns «Зад.1», «2 задание», «Балл за задание 3»; the class as
    // its number and a letter column; the school year with its words; marks
    // in words («отлично», «5 (отлично)»); a delimiter closing every data
    // line but not the header. Each was rejected or dropped before.
    let word = |m: &str| match m {
        "5" => "отлично",
        "4" => "хор.",
        "3" => "удовл.",
        _ => "неуд.",
    };
    let mut lines = RESULTS.lines();
    let header = lines
        .next()
        .unwrap()
        .replace("t1,t2,t3", "Зад.1,2 задание,Балл за задание 3")
        .replace(",class,", ",Класс,Литера,");
    let body: String = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let (number, letter) = f[5].split_at(1);
            let journal = format!("{} ({})", f[13], word(f[13]));
            let row = [
                &["2024-2025 уч. год"][..],
                &f[1..5],
                &[number, letter],
                &f[6..12],
                &[word(f[12]), journal.as_str()],
            ]
            .concat();
            row.join(",") + ",\n"
        })
        .collect();
    let notes = reads_as_clean(format!("{header}\n{body}").as_bytes());
    assert!(notes.contains("год записан как учебный"), "{notes}");
}

/// A header over two rows (task numbers under a merged «Баллы за задания»)
/// is one header; a row of maximum points under it is listed as not a work.
#[test]
fn a_header_over_two_rows_and_a_row_of_maxima() {
    let mut lines = RESULTS.lines();
    let header = lines
        .next()
        .unwrap()
        .replace("t1,t2,t3", "Баллы за задания,,");
    let text = format!(
        "{header}\n,,,,,,,,1,2,3,,,\n,,,,,,Максимальный балл,,1,2,2,5,,\n{}\n",
        lines.collect::<Vec<_>>().join("\n")
    );
    let tmp = tempfile::tempdir().unwrap();
    let (cells, s) = cells_of(tmp.path(), &[("results.csv", text.as_bytes())]);
    assert_eq!((s.works, s.rows_rejected), (9, 1));
    assert_eq!(cells, clean_cells(tmp.path()));
    let rows = rejected(tmp.path());
    assert_eq!(
        (rows[0]["line"].as_str(), rows[0]["column"].as_str()),
        ("3", "student")
    );
    assert!(rows[0]["reason"].starts_with("строка максимальных баллов заданий"));
    let notes = read(&tmp.path().join("out/notes.csv"));
    assert!(
        notes.contains("results.csv,2,\"заголовок таблицы занимает две строки"),
        "{notes}"
    );
}

/// A line that leaves its trailing empty fields off is read with them empty
/// where that costs only those fields (the journal mark), and rejected as cut
/// short where scores would be missing.
#[test]
fn a_line_short_of_its_trailing_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let text = format!(
        "{RESULTS}2025,VPR,MA,4,edu000002,4А,204,1,1,1,1,3,4\n\
         2025,VPR,MA,4,edu000002,4А,205,1,1,1\n"
    );
    let (_, s) = cells_of(tmp.path(), &[("results.csv", text.as_bytes())]);
    assert_eq!((s.works, s.rows_rejected), (10, 1));
    let rows = rejected(tmp.path());
    assert_eq!(rows[0]["line"], "12");
    assert!(rows[0]["reason"].contains("обрезана"), "{rows:?}");
    let notes = read(&tmp.path().join("out/notes.csv"));
    assert!(
        notes.contains(
            "results.csv,11,\"полей в строке: 13, а в заголовке: 14; недостающие поля в конце \
             строки считаются пустыми\""
        ),
        "{notes}"
    );
}

#[test]
fn a_municipality_spelled_two_ways_is_one_municipality() {
    // «Северный район» and «северный  район» (a capital and a double space
    // lost in typing) are one municipality, spelled as most rows spell it.
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    let schools = crate::common::SCHOOLS.replace(
        "Лицей № 2\"\"\",Северный район",
        "Лицей № 2\"\"\",северный  район",
    );
    assert_ne!(schools, crate::common::SCHOOLS);
    std::fs::write(data.join("schools.csv"), schools).unwrap();
    let out = tmp.path().join("out");
    analyze(&data, &out);
    let munis: std::collections::BTreeSet<String> = (table(&out.join("cells.csv")).into_iter())
        .map(|c| c["municipality"].clone())
        .collect();
    assert_eq!(
        munis,
        ["Северный район", "Южный район"].map(str::to_owned).into()
    );
    let notes = read(&out.join("notes.csv"));
    assert!(
        notes.contains("муниципалитет записан по-разному"),
        "{notes}"
    );
}

#[test]
fn fis_oko_task_labels_in_a_csv_are_read_in_column_order() {
    // FIS OKO heads tasks «1К1», «2», «3 (2б)»: read by number, «2» would be
    // task 2 and the others left out (every primary score «wrong»). Numbered
    // by their order, the works are the clean file's.
    let text = RESULTS.replacen("t1,t2,t3", "1К1,2,3 (2б)", 1);
    assert_ne!(text, RESULTS);
    let notes = reads_as_clean(text.as_bytes());
    assert!(
        notes.contains(
            "по порядку столбцов («1К1» — задание 1, «2» — задание 2, «3 (2б)» — задание 3);"
        ),
        "{notes}"
    );
}

#[test]
fn an_absent_pupil_is_not_a_work_scored_zero() {
    // «н/я» for the primary score, and a row of dashes with no score or mark
    // (an absence written as «not done»): both are rejected, saying why; a
    // work scored 0 is written with its primary score 0 and stays a work.
    let text = RESULTS
        .replace("4А,101,1,1,2,2,5,5,5", "4А,101,1,1,2,2,н/я,5,5")
        .replace("4А,102,2,1,1,0,2,3,4", "4А,102,2,-,-,-,,,4");
    assert_eq!(text.matches("н/я").count(), 1);
    assert!(text.contains(",-,-,-,,,"));
    let tmp = tempfile::tempdir().unwrap();
    let (_, s) = cells_of(tmp.path(), &[("results.csv", text.as_bytes())]);
    assert_eq!(s.rows_rejected, 2, "{:?}", rejected(tmp.path()));
    let why: Vec<String> = (rejected(tmp.path()).iter())
        .map(|r| r["reason"].clone())
        .collect();
    assert!(why[0].contains("не явился («н/я»)"), "{why:?}");
    assert!(why[1].contains("похоже на неявку"), "{why:?}");
}

#[test]
fn a_school_without_a_municipality_keeps_its_results() {
    // A list typed by hand: one school's municipality left empty, another's
    // name, and a total line. The schools' works all count (with warnings);
    // the total line is rejected as what it is.
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    let schools = crate::common::SCHOOLS
        .replace(
            "\"МБОУ \"\"СОШ № 1\"\"\",Северный район",
            "\"МБОУ \"\"СОШ № 1\"\"\",",
        )
        .replace("МКОУ Ивановская ООШ,", ",")
        + "Итого: 3 ОО,,,,,\n";
    std::fs::write(data.join("schools.csv"), schools).unwrap();
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    let (_, clean) = cells_of(
        &tmp.path().join("clean"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    assert_eq!(s.works, clean.works);
    let rejected_rows = table(&out.join("rejected_rows.csv"));
    assert_eq!(rejected_rows.len(), 1, "{rejected_rows:?}");
    assert!(rejected_rows[0]["reason"].contains("итоговая строка"));
    let notes = read(&out.join("notes.csv"));
    assert!(notes.contains("не указан муниципалитет"), "{notes}");
    assert!(notes.contains("вместо названия — логин"), "{notes}");
    let munis: std::collections::BTreeSet<String> = (table(&out.join("cells.csv")).into_iter())
        .map(|c| c["municipality"].clone())
        .collect();
    assert!(munis.contains("муниципалитет не указан"), "{munis:?}");
}

#[test]
fn an_excel_report_with_a_title_above_the_table_is_read() {
    // Saved from Excel: a title with commas, the municipality, an empty row,
    // then the table (Windows-1251, «;»). Each work is read as the clean
    // file's; the note says which line is the header.
    let title =
        "Результаты ВПР 2025 года, математика, 4 класс;;;;\r\nСеверный район;;;;\r\n;;;;\r\n";
    let (title, _, _) = encoding_rs::WINDOWS_1251.encode(title);
    let titled = [title.as_ref(), excel_ru(RESULTS).as_slice()].concat();
    let notes = reads_as_clean(&titled);
    assert!(notes.contains("заголовок — строка 4"), "{notes}");
}

#[test]
fn without_a_grade_column_the_grade_is_read_from_the_class() {
    // «4А», «4Б», «4»: the grade column dropped, the class says it.
    let text: String = (RESULTS.lines())
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(3);
            f.join(",") + "\n"
        })
        .collect();
    assert!(text.starts_with("year,exam,subject,school,class"));
    let notes = reads_as_clean(text.as_bytes());
    assert!(notes.contains("она взята из класса"), "{notes}");
}

#[test]
fn an_ege_test_score_off_the_conversion_is_noted() {
    // Ten EGE works of primary score 16: nine have 43 test points, one 100
    // (a typo or a shifted row). The work is kept and its line noted.
    let mut text = String::from("year,exam,subject,grade,school,student,primary,test_score\n");
    for k in 0..10 {
        let t = if k == 6 { 100 } else { 43 };
        text.push_str(&format!("2025,EGE,RU,11,edu000001,{},16,{t}\n", 500 + k));
    }
    let tmp = tempfile::tempdir().unwrap();
    let (_, s) = cells_of(tmp.path(), &[("results_ege.csv", text.as_bytes())]);
    assert_eq!((s.rows_rejected, s.works), (0, 10));
    let notes = table(&tmp.path().join("out/notes.csv"));
    let said: Vec<_> = (notes.iter())
        .filter(|n| n["message"].contains("тестовый балл 100 при первичном 16"))
        .collect();
    assert_eq!(said.len(), 1, "{notes:?}");
    assert_eq!(said[0]["line"], "8");
    assert!(said[0]["message"].contains("тестовый балл 43"));
}

/// A test without task scores is said to be judged on what its works carry:
/// primary scores, else EGE test scores, else marks (the note said «по
/// первичным баллам» for files that had none).
#[test]
fn a_totals_only_test_is_said_to_be_judged_on_what_it_has() {
    let tmp = tempfile::tempdir().unwrap();
    let files = [
        (
            "results_ege.csv",
            "year,exam,subject,grade,school,student,test_score\n\
             2025,EGE,RU,11,edu000001,1,72\n2025,EGE,RU,11,edu000001,2,55\n",
        ),
        (
            "results_oge.csv",
            "year,exam,subject,grade,school,student,mark\n\
             2025,OGE,MA,9,edu000001,1,4\n2025,OGE,MA,9,edu000001,2,3\n",
        ),
    ];
    let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
    let data = folder(&tmp.path().join("data"), &files);
    std::fs::write(
        data.join("tasks.csv"),
        "exam,year,subject,grade,task,max,level\nEGE,2025,RU,11,1,50,basic\n\
         OGE,2025,MA,9,1,31,basic\n",
    )
    .unwrap();
    analyze(&data, &tmp.path().join("out"));
    let notes = read(&tmp.path().join("out/notes.csv"));
    crate::common::says(
        &notes,
        &[
            "ЕГЭ 2025, русский язык, 11 кл.: в результатах нет баллов за задания; тест обработан по \
             тестовым баллам (первичных баллов в файле нет)",
            "ОГЭ 2025, математика, 9 кл.: в результатах нет баллов за задания; тест обработан по \
             отметкам (первичных баллов в файле нет)",
        ],
    );
}

/// A commission's re-check as offices keep it: the school's score beside the
/// expert's («Балл эксперта» is the re-check's score), codes with leading
/// zeros the results do not write, the file saved as recheck.xlsx (read as
/// the re-check, never as more results).
#[test]
fn a_recheck_as_offices_keep_it() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    // 101 scored 5 by the school, 4 by the expert; 202 5 and 3.
    let recheck = "Год,Процедура,Предмет,Параллель,Логин ОО,Код участника,Первичный балл,Балл эксперта\n\
                   2025,VPR,MA,4,edu000001,0101,5,4\n2025,VPR,MA,4,edu000002,202,5,3\n";
    let mut wb = rust_xlsxwriter::Workbook::new();
    crate::common::write_text(wb.add_worksheet(), recheck);
    wb.save(data.join("recheck.xlsx")).unwrap();
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    assert_eq!((s.works, s.rechecked, s.recheck_unmatched), (9, 2, 0));
    assert_eq!(read(&out.join("cells.csv")), clean_cells(tmp.path()));
    let after: Vec<(String, String, String)> = table(&out.join("recheck_results.csv"))
        .into_iter()
        .map(|r| {
            (
                r["student"].clone(),
                r["primary_before"].clone(),
                r["primary_after"].clone(),
            )
        })
        .collect();
    assert_eq!(
        after,
        [
            ("101".to_owned(), "5.0".to_owned(), "4.0".to_owned()),
            ("202".to_owned(), "5.0".to_owned(), "3.0".to_owned())
        ]
    );
    let files = read(&out.join("files.csv"));
    assert!(files.contains("recheck.xlsx,recheck,xlsx,"), "{files}");
    let notes = read(&out.join("notes.csv"));
    crate::common::says(
        &notes,
        &[
            "балл перепроверки взят из столбца «Балл эксперта»; столбец «Первичный балл» (исходный балл) не используется",
            "сопоставлены как числа, без ведущих нулей и «.0» (работ: 1)",
        ],
    );
}

/// A task maximum in tasks.csv that many works exceed is the file's error:
/// the works are kept (the largest score in the data stands for it) and the
/// test is warned about; a single work above it is still rejected.
#[test]
fn a_wrong_maximum_in_tasks_csv_does_not_cost_the_works() {
    let tmp = tempfile::tempdir().unwrap();
    let many: String = (0..12)
        .map(|i| format!("2025,VPR,MA,4,edu000002,4А,{},1,1,3,2,6,5,5\n", 300 + i))
        .collect();
    let text = format!("{RESULTS}{many}");
    let (_, s) = cells_of(tmp.path(), &[("results.csv", text.as_bytes())]);
    // tasks.csv says task 2 is worth 2 points; 12 of 21 works score 3.
    assert_eq!(
        (s.works, s.rows_rejected),
        (21, 0),
        "{:?}",
        rejected(tmp.path())
    );
    let notes = read(&tmp.path().join("out/notes.csv"));
    assert!(
        notes.contains(
            "у задания 2 в tasks.csv максимум 2, а балл выше него у 12 работ из 21 (наибольший — 3)"
        ),
        "{notes}"
    );
}

/// schools.csv as a register exports it: a full and a short name (the short
/// one shown), «Муниципальный район (городской округ)», «Тип образовательной
/// организации», «Предметы углубленного изучения» with a misspelt subject
/// (warned about, not silently dropped), an extra column (noted).
#[test]
fn a_register_of_schools_reads_as_the_list() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    std::fs::write(
        data.join("schools.csv"),
        "Логин;Полное наименование;Краткое наименование;Муниципальный район (городской округ);\
         Тип образовательной организации;Предметы углубленного изучения;ИНН\n\
         edu000001;Муниципальное бюджетное общеобразовательное учреждение «СОШ № 1»;\
         МБОУ \"СОШ № 1\";Северный район;СОШ;;111\n\
         edu000002;Муниципальное автономное общеобразовательное учреждение «Лицей № 2»;\
         МАОУ \"Лицей № 2\";Северный район;лицей;математика; физика; астрономя;222\n\
         edu000003;Муниципальное казённое общеобразовательное учреждение Ивановская ООШ;\
         МКОУ Ивановская ООШ;Южный район;ООШ;нет;333\n"
            .replace(
                "математика; физика; астрономя",
                "\"математика; физика; астрономя\"",
            ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    assert_eq!((s.works, s.rows_rejected), (9, 0));
    let cells = table(&out.join("cells.csv"));
    let got: Vec<(&str, &str, &str)> = (cells.iter())
        .map(|c| {
            (
                c["name"].as_str(),
                c["municipality"].as_str(),
                c["kind"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("МБОУ \"СОШ № 1\"", "Северный район", "СОШ"),
            ("МАОУ \"Лицей № 2\"", "Северный район", "лицей"),
            ("МКОУ Ивановская ООШ", "Южный район", "ООШ")
        ]
    );
    let notes = read(&out.join("notes.csv"));
    crate::common::says(
        &notes,
        &[
            "столбцы не используются: «ИНН»",
            "предмет углублённого изучения «астрономя» у ОО «edu000002» не распознан",
        ],
    );
}

/// scales.csv as FIPI and Rosobrnadzor publish conversion tables: a range of
/// primary scores per mark («0–1», «от 3 до 4»), marks in words or quoted,
/// the row of mark «2», Russian headers — the same cut-offs as the contract's
/// layout. A cut-off above the test's maximum is warned about.
#[test]
fn a_published_conversion_table_is_a_scale() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    std::fs::write(
        data.join("scales.csv"),
        "Процедура;Год;Предмет;Класс;Оценка;Первичный балл\n\
         ВПР;2025;Математика;4;«2»;0–1\n\
         ВПР;2025;Математика;4;удовлетворительно;2 - 2\n\
         ВПР;2025;Математика;4;хорошо;от 3 до 4\n\
         ВПР;2025;Математика;4;5;5\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    assert_eq!(
        (s.works, s.rows_rejected),
        (9, 0),
        "{:?}",
        rejected(tmp.path())
    );
    assert_eq!(read(&out.join("cells.csv")), clean_cells(tmp.path()));
    // The same table with «5» from 7 points, above the test's maximum of 5.
    std::fs::write(
        data.join("scales.csv"),
        "exam,year,subject,grade,mark,min_score\nVPR,2025,MA,4,3,2\nVPR,2025,MA,4,4,3\n\
         VPR,2025,MA,4,5,7\n",
    )
    .unwrap();
    analyze(&data, &out);
    let notes = read(&out.join("notes.csv"));
    assert!(
        notes.contains(
            "ВПР 2025, математика, 4 кл.: граница отметки «5» по шкале — 7, а максимальный \
             первичный балл теста — 5: отметку «5» получить нельзя"
        ),
        "{notes}"
    );
}

/// A results file named as an office names it («ОГЭ 2024 Северный.csv») is
/// read by its columns (it was skipped, exit 0, «все строки использованы»); a
/// file of the results' columns that speaks of a re-check is not mixed into
/// the results; obektiv's own tables in the folder are not read.
#[test]
fn a_results_file_is_known_by_its_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("ОГЭ 2024 Северный.csv", RESULTS.as_bytes())],
    );
    std::fs::write(data.join("перепроверка ВПР.csv"), RESULTS).unwrap();
    std::fs::write(data.join("recheck_works.csv"), RESULTS).unwrap();
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    assert_eq!((s.works, s.rows_rejected), (9, 0));
    assert_eq!(read(&out.join("cells.csv")), clean_cells(tmp.path()));
    let notes = read(&out.join("notes.csv"));
    assert!(
        notes.contains("ОГЭ 2024 Северный.csv,0,\"имя файла не начинается с results"),
        "{notes}"
    );
    let files = read(&out.join("files.csv"));
    assert!(files.contains("назовите файл recheck.csv"), "{files}");
    assert!(files.contains("recheck_works.csv,"), "{files}");
}

/// A workbook with one sheet per subject and no subject column («ВПР
/// 2024.xlsx», sheets «Математика» …) takes the subject from the sheet's name
/// (the whole book was refused: «нет обязательных столбцов»).
#[test]
fn the_subject_of_a_sheet_is_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    // The results without their subject column (the third of each line).
    let text: String = (RESULTS.lines())
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            assert_eq!(
                f.remove(2),
                if l.starts_with("year") {
                    "subject"
                } else {
                    "MA"
                }
            );
            f.join(",") + "\n"
        })
        .collect();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Математика").unwrap();
    crate::common::write_text(ws, &text);
    let data = folder(&tmp.path().join("data"), &[]);
    wb.save(data.join("ВПР 2025.xlsx")).unwrap();
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    assert_eq!((s.works, s.rows_rejected), (9, 0));
    assert_eq!(read(&out.join("cells.csv")), clean_cells(tmp.path()));
    let notes = read(&out.join("notes.csv"));
    assert!(
        notes.contains(
            "в таблице нет столбца «предмет»: он взят из названий листов («Математика» — MA)"
        ),
        "{notes}"
    );
}

/// Lines of side files that stop before the header's last columns (an
/// exporter leaving trailing empty fields off) are read with those fields
/// empty, and each file says so once — a lyceum's kind lost that way
/// changes its peer group, so it must not pass unsaid.
#[test]
fn short_lines_of_side_files_are_read_and_told() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    std::fs::write(
        data.join("schools.csv"),
        "school,name,municipality,kind,advanced_subjects,locality\n\
         edu000001,МБОУ СОШ № 1,Северный район,СОШ,,urban\n\
         edu000002,МАОУ Лицей № 2,Северный район\n\
         edu000003,МКОУ Ивановская ООШ,Южный район,ООШ\n",
    )
    .unwrap();
    std::fs::write(
        data.join("tasks.csv"),
        "exam,year,subject,grade,task,max,level,label\n\
         VPR,2025,MA,4,1,1,basic,1\n\
         VPR,2025,MA,4,2,2\n\
         VPR,2025,MA,4,3,2,high,3\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    assert_eq!((s.works, s.rows_rejected), (9, 0));
    let kinds: Vec<String> = (table(&out.join("cells.csv")).iter())
        .map(|c| c["kind"].clone())
        .collect();
    assert_eq!(kinds, ["СОШ", "", "ООШ"]);
    let notes = read(&out.join("notes.csv"));
    for (file, line, count) in [("schools.csv", 3, 2), ("tasks.csv", 3, 1)] {
        let said = format!(
            "{file},{line},\"строк короче заголовка: {count}, первая — строка {line}; \
             недостающие поля в конце строки считаются пустыми\""
        );
        assert!(notes.contains(&said), "{said}\n{notes}");
    }
}
