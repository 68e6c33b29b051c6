//! Hostile and broken input (issue «never abort, never lose a row, always say
//! where»): one test per case, each with a small folder written on the fly.

use std::path::{Path, PathBuf};

use crate::common::{RESULTS, SCHOOLS, TASKS, analyze, folder, read, table};

type Rows = Vec<std::collections::BTreeMap<String, String>>;

fn rejected(out: &Path) -> Rows {
    table(&out.join("rejected_rows.csv"))
}

fn files(out: &Path) -> Rows {
    table(&out.join("files.csv"))
}

fn notes(out: &Path) -> String {
    read(&out.join("notes.csv"))
}

fn file_row<'a>(files: &'a Rows, name: &str) -> &'a std::collections::BTreeMap<String, String> {
    files
        .iter()
        .find(|f| f["file"] == name)
        .unwrap_or_else(|| panic!("{name} not in files.csv: {files:?}"))
}

/// The common folder with one file replaced (`name`, text), analysed:
/// the summary and the output folder.
fn run_with(tmp: &Path, name: &str, text: &str) -> (obektiv::Summary, PathBuf) {
    let data = folder(&tmp.join("data"), &[("results.csv", RESULTS.as_bytes())]);
    std::fs::write(data.join(name), text).unwrap();
    let out = tmp.join("out");
    (analyze(&data, &out), out)
}

/// A copy of data/sample whose results files lose the columns `drop` picks
/// (and without tasks.csv when `no_tasks`).
fn sample_without(dir: &Path, drop: impl Fn(&str) -> bool, no_tasks: bool) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let dst = dir.join("data");
    std::fs::create_dir_all(&dst).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if no_tasks && name == "tasks.csv" {
            continue;
        }
        if !name.starts_with("results") {
            std::fs::copy(&p, dst.join(&name)).unwrap();
            continue;
        }
        let mut r = csv::Reader::from_path(&p).unwrap();
        let headers = r.headers().unwrap().clone();
        let keep: Vec<usize> = (0..headers.len()).filter(|&i| !drop(&headers[i])).collect();
        let mut w = csv::Writer::from_path(dst.join(&name)).unwrap();
        w.write_record(keep.iter().map(|&i| &headers[i])).unwrap();
        for rec in r.records() {
            let rec = rec.unwrap();
            w.write_record(keep.iter().map(|&i| &rec[i])).unwrap();
        }
        w.flush().unwrap();
    }
    dst
}

fn is_task(h: &str) -> bool {
    h.strip_prefix('t')
        .is_some_and(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()))
}

/// data/sample without the columns `drop` picks, analysed by the binary:
/// asserts exit 0 and no panic; returns the output folder.
fn sample_without_runs(dir: &Path, drop: impl Fn(&str) -> bool, no_tasks: bool) -> PathBuf {
    let data = sample_without(dir, drop, no_tasks);
    let out = dir.join("out");
    let run = analyze_cli(&data, &out);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    for f in ["report.html", "recheck_sample.csv", "cells.csv"] {
        assert!(out.join(f).is_file(), "{f} missing: {err}");
    }
    out
}

fn analyze_cli(data: &Path, out: &Path) -> std::process::Output {
    assert_cmd::Command::cargo_bin("obektiv")
        .unwrap()
        .args(["--quiet", "analyze"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn sample_without_class_runs_end_to_end_with_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sample_without_runs(tmp.path(), |h| h == "class", false);
    for f in ["recheck_works.csv", "cells.xlsx"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    // The works to re-check carry an empty class, not a made-up one.
    let works = table(&out.join("recheck_works.csv"));
    assert!(!works.is_empty());
    assert!(works.iter().all(|w| w["class"].is_empty()));
}

#[test]
fn sample_without_variant_and_task_columns_runs_end_to_end_with_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sample_without_runs(tmp.path(), |h| h == "variant" || is_task(h), false);
    // tasks.csv still lists the tests' tasks: they are judged on totals, with a note.
    assert!(notes(&out).contains("нет баллов за задания"));
    let cells = table(&out.join("cells.csv"));
    assert!(cells.iter().all(|c| !c["mean_primary"].is_empty()));
    // The maximum comes from tasks.csv and the cut-offs from scales.csv: the
    // high-result, cut-off and fitted-to-journal signs judge totals.
    let findings = table(&out.join("findings.csv"));
    for sign in ["S1", "S3", "S4c"] {
        let judged = (findings.iter())
            .filter(|f| f["sign"] == sign && f["evaluated"] == "true")
            .count();
        assert!(judged > 1000, "{sign}: {judged} cells judged");
    }
    // The methods section says where each sign ran and why not elsewhere.
    let report = read(&out.join("report.html"));
    assert!(
        report.contains("На этих данных: проверен в 0 ячейках"),
        "S2/S5 ran nowhere"
    );
    assert!(report.contains("нет баллов за задания (нужно не меньше 3 заданий)"));
}

#[test]
fn sample_without_task_columns_or_tasks_csv_runs_end_to_end_with_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sample_without_runs(tmp.path(), is_task, true);
    // The maximum comes from the bundled scales where they give one, else the
    // largest score seen, said in a note; the high-result sign judges.
    assert!(notes(&out).contains("взят наибольший балл в данных"));
    let findings = table(&out.join("findings.csv"));
    assert!((findings.iter()).any(|f| f["sign"] == "S1" && f["evaluated"] == "true"));
}

#[test]
fn sample_without_every_other_optional_column_and_file_runs_with_exit_0() {
    // Results without primary, mark and test_score (computed from the tasks and
    // scales where they can be), schools with only the three required columns,
    // no scales.csv: still every row used.
    let tmp = tempfile::tempdir().unwrap();
    let data = sample_without(
        tmp.path(),
        |h| ["primary", "mark", "test_score"].contains(&h),
        false,
    );
    let schools = crate::common::table(&data.join("schools.csv"));
    let mut w = csv::Writer::from_path(data.join("schools.csv")).unwrap();
    w.write_record(["school", "name", "municipality"]).unwrap();
    for r in &schools {
        w.write_record([&r["school"], &r["name"], &r["municipality"]])
            .unwrap();
    }
    w.flush().unwrap();
    std::fs::remove_file(data.join("scales.csv")).unwrap();
    let out = tmp.path().join("out");
    let run = analyze_cli(&data, &out);
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(out.join("report.html").is_file());
}

#[test]
fn sample_without_journal_marks_runs_end_to_end_with_exit_0() {
    let tmp = tempfile::tempdir().unwrap();
    let out = sample_without_runs(tmp.path(), |h| h == "journal_mark", false);
    // Without the school's own marks the task, cut-off and copying signs still judge.
    let findings = table(&out.join("findings.csv"));
    for sign in ["S2", "S3", "S5"] {
        assert!(
            (findings.iter()).any(|f| f["sign"] == sign && f["evaluated"] == "true"),
            "{sign} judged nothing"
        );
    }
    // The signs that compare with the journal say why they did not judge.
    for sign in ["S4a", "S4b", "S4c", "S6a", "S6b"] {
        let vpr = (findings.iter()).filter(|f| f["sign"] == sign && f["exam"] == "VPR");
        for f in vpr {
            assert_eq!(
                f["note"], "в данных нет отметок по журналу для этого теста",
                "{f:?}"
            );
        }
    }
}

#[test]
fn a_table_of_exam_and_journal_marks_alone_is_judged_on_the_marks() {
    // What a municipal office often collects from its schools: each pupil's
    // exam mark and journal mark, no score at all (the EGE, which has no
    // mark, with its test score). Every row is used, and the signs that
    // compare marks (S4a, S4b) judge the VPR and OGE cells; the others say
    // what they lack.
    let tmp = tempfile::tempdir().unwrap();
    let keep = [
        "year",
        "exam",
        "subject",
        "grade",
        "school",
        "class",
        "student",
        "mark",
        "journal_mark",
        "test_score",
    ];
    let out = sample_without_runs(tmp.path(), |h| !keep.contains(&h), true);
    assert_eq!(read(&out.join("rejected_rows.csv")).lines().count(), 1);
    let cells = table(&out.join("cells.csv"));
    let vpr: Vec<_> = (cells.iter())
        .filter(|c| c["exam"] == "VPR" && c["n"].parse::<usize>().unwrap() >= 10)
        .collect();
    assert!(vpr.len() > 1000, "{} VPR cells", vpr.len());
    assert!(vpr.iter().all(|c| c["mean_primary"].is_empty()));
    let findings = table(&out.join("findings.csv"));
    for sign in ["S4a", "S4b"] {
        let judged = (findings.iter())
            .filter(|f| f["sign"] == sign && f["exam"] == "VPR" && f["evaluated"] == "true")
            .count();
        assert!(
            judged * 10 >= vpr.len() * 9,
            "{sign}: {judged} of {}",
            vpr.len()
        );
    }
    for sign in ["S1", "S3", "S6a", "S7"] {
        let judged = (findings.iter())
            .filter(|f| f["sign"] == sign && f["exam"] == "VPR" && f["evaluated"] == "true")
            .count();
        assert_eq!(judged, 0, "{sign} judged a cell without scores");
    }
    // A school without a score (no graduates with an EGE test score) has no
    // result: it is never drawn as a high result without signs, it may be
    // drawn at random.
    let sample = table(&out.join("recheck_sample.csv"));
    let high: Vec<_> = (sample.iter())
        .filter(|s| s["stratum"] == "high_no_signs")
        .collect();
    assert!(!high.is_empty());
    assert!(high.iter().all(|s| !s["result"].is_empty()), "{high:?}");
    assert!(sample.iter().any(|s| s["result"].is_empty()));
}

#[test]
fn a_file_without_year_and_exam_columns_takes_them_from_its_name() {
    // The common results without their first two columns.
    let body: String = (RESULTS.lines())
        .map(|l| l.splitn(3, ',').nth(2).unwrap().to_owned() + "\n")
        .collect();
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results_ВПР_2025.csv", body.as_bytes())],
    );
    let out = tmp.path().join("out");
    let summary = analyze(&data, &out);
    assert_eq!(summary.rows_rejected, 0);
    let cells = table(&out.join("cells.csv"));
    assert_eq!(cells.len(), 3);
    assert!(
        cells
            .iter()
            .all(|c| c["year"] == "2025" && c["exam"] == "VPR")
    );
    let n = notes(&out);
    assert!(n.contains("нет столбца year (год): во всех строках взято из имени файла — 2025"));
    assert!(n.contains("нет столбца exam (экзамен): во всех строках взято из имени файла — VPR"));
    // A name with two years says nothing certain: the columns stay required.
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results_vpr_2024-2025.csv", body.as_bytes())],
    );
    let e = obektiv::analyze(&obektiv::Job {
        data,
        out: tmp.path().join("out"),
        config: obektiv::config::Config::default(),
        progress: obektiv::progress::Progress::new(false),
    })
    .expect_err("no year")
    .to_string();
    assert!(e.contains("нет обязательных столбцов: «год»."), "{e}");
}

#[test]
fn historic_years_are_used_and_impossible_ones_say_why() {
    let tmp = tempfile::tempdir().unwrap();
    let body = RESULTS.replace("2025,", "1989,");
    let body = body.replacen(
        "1989,VPR,MA,4,edu000003,4,302",
        "1949,VPR,MA,4,edu000003,4,302",
        1,
    );
    let body = body.replacen(
        "1989,VPR,MA,4,edu000003,4,301",
        "две тысячи,VPR,MA,4,edu000003,4,301",
        1,
    );
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", body.as_bytes())],
    );
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    assert_eq!(s.works, 7, "the 1989 works are used");
    let rej = rejected(&out);
    let why = |v: &str| rej.iter().find(|r| r["value"] == v).unwrap()["reason"].clone();
    assert!(why("1949").contains("вне допустимых пределов"), "{rej:?}");
    assert!(!why("1949").contains("целое число"));
    assert!(why("две тысячи").contains("нужно целое число"));
}

#[test]
fn absurd_task_and_primary_scores_are_rejected_rows_not_allocations() {
    let tmp = tempfile::tempdir().unwrap();
    let body = RESULTS
        .replacen(",101,1,1,2,2,5,5,5", ",101,1,1000000000,2,2,,5,5", 1)
        .replacen(",102,2,1,1,0,2,3,4", ",102,2,1e12,1,0,,3,4", 1)
        .replacen(",103,1,0,1,X,1,2,3", ",103,1,0,1,X,1e15,2,3", 1);
    let data = tmp.path().join("data");
    folder(&data, &[("results.csv", body.as_bytes())]);
    std::fs::remove_file(data.join("tasks.csv")).unwrap();
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    assert_eq!(s.rows_rejected, 3);
    let rej = rejected(&out);
    assert!(
        rej.iter()
            .filter(|r| r["column"] == "t1")
            .all(|r| r["reason"].contains("не может быть настоящим")),
        "{rej:?}"
    );
    assert!(
        rej.iter()
            .any(|r| r["column"] == "primary" && r["reason"].contains("больше 1000"))
    );
}

#[test]
fn an_unclosed_quote_costs_its_own_row_only() {
    let tmp = tempfile::tempdir().unwrap();
    // 399 works: school 1, classes of one test; the quote opens on line 101.
    let mut body = String::from("year,exam,subject,grade,school,class,student,t1,t2,t3\n");
    for i in 0..399 {
        let class = if i == 99 { "\"4А" } else { "4А" };
        body.push_str(&format!(
            "2025,VPR,MA,4,edu000001,{class},{},1,1,1\n",
            1000 + i
        ));
    }
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", body.as_bytes())],
    );
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    let f = files(&out);
    let r = file_row(&f, "results.csv");
    assert_eq!(
        (
            r["rows_read"].as_str(),
            r["rows_used"].as_str(),
            r["rows_rejected"].as_str()
        ),
        ("399", "398", "1")
    );
    assert_eq!(s.works, 398);
    let rej = rejected(&out);
    assert_eq!(rej.len(), 1);
    assert_eq!(rej[0]["line"], "101");
    assert!(rej[0]["reason"].contains("кавычка"), "{rej:?}");
}

#[test]
fn a_bad_locality_costs_the_field_and_a_duplicate_id_keeps_the_first_row() {
    let tmp = tempfile::tempdir().unwrap();
    let schools = SCHOOLS.replace("Южный район,ООШ,,rural", "Южный район,ООШ,,хутор")
        + "edu000002,Другое название,Северный район,СОШ,,urban\n";
    let (s, out) = run_with(tmp.path(), "schools.csv", &schools);
    assert_eq!(s.works, 9, "every work is used");
    let rej = rejected(&out);
    assert_eq!(rej.len(), 1, "{rej:?}");
    assert_eq!(
        (rej[0]["file"].as_str(), rej[0]["line"].as_str()),
        ("schools.csv", "5")
    );
    assert!(
        rej[0]["reason"].contains("использована строка 3"),
        "{rej:?}"
    );
    assert!(notes(&out).contains("хутор"));
    let cells = table(&out.join("cells.csv"));
    assert!(cells.iter().any(|c| c["school"] == "edu000003"));
}

#[test]
fn works_of_a_school_whose_row_was_rejected_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    // The school's row has a field too many (a municipality empty would
    // only cost a warning: the school is kept).
    let schools = SCHOOLS.replace(
        "МКОУ Ивановская ООШ,Южный район",
        "МКОУ Ивановская ООШ,Южный район,лишнее",
    );
    assert_ne!(schools, SCHOOLS);
    let (_, out) = run_with(tmp.path(), "schools.csv", &schools);
    let rej = rejected(&out);
    let works: Vec<_> = rej.iter().filter(|r| r["file"] == "results.csv").collect();
    assert_eq!(works.len(), 2, "{rej:?}");
    let row = rej.iter().find(|r| r["file"] == "schools.csv").unwrap();
    for w in works {
        assert!(!w["reason"].contains("нет в schools.csv"), "{w:?}");
        assert!(w["reason"].contains("строка 4"), "{w:?}");
        assert!(w["reason"].contains(&row["reason"]), "{w:?} {row:?}");
    }
}

#[test]
fn a_bad_tasks_row_costs_that_tasks_metadata_only() {
    let tmp = tempfile::tempdir().unwrap();
    let tasks = TASKS.replace("VPR,2025,MA,4,2,2,basic,2", "VPR,2025,MA,4,2,два,сложный,2");
    let (s, out) = run_with(tmp.path(), "tasks.csv", &tasks);
    assert_eq!((s.works, s.rows_rejected), (9, 0));
    let n = notes(&out);
    assert!(n.contains("«два»") && n.contains("«сложный»"), "{n}");
}

#[test]
fn a_task_missing_from_tasks_csv_joins_the_test_with_a_note() {
    let tmp = tempfile::tempdir().unwrap();
    let tasks: String = TASKS
        .lines()
        .filter(|l| !l.contains(",3,2,high,"))
        .map(|l| format!("{l}\n"))
        .collect();
    let (s, out) = run_with(tmp.path(), "tasks.csv", &tasks);
    assert_eq!((s.works, s.rows_rejected), (9, 0));
    assert!(notes(&out).contains("задания 3 нет в tasks.csv"));
}

#[test]
fn a_megabyte_school_name_is_cut_in_excel_and_nothing_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "Ш".repeat(1 << 20);
    let schools = SCHOOLS.replace("МКОУ Ивановская ООШ", &long);
    let (s, out) = run_with(tmp.path(), "schools.csv", &schools);
    assert!(s.failed.is_empty(), "{:?}", s.failed);
    assert!(
        s.written.iter().any(|w| w == "cells.xlsx"),
        "{:?}",
        s.written
    );
    assert!(out.join("report.html").is_file());
    use calamine::{DataType, Reader};
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(out.join("cells.xlsx")).unwrap();
    let range = book.worksheet_range("Ячейки").unwrap();
    let cut = range
        .rows()
        .flatten()
        .filter_map(|d| d.get_string())
        .find(|s| s.starts_with("ШШШ"))
        .expect("the long name is in cells.xlsx");
    assert_eq!(cut.chars().count(), 32_767);
    assert!(cut.ends_with("[обрезано]"));
    assert!(notes(&out).contains("обрезан"));
}

#[test]
fn when_nothing_can_be_read_the_error_names_the_file_and_the_cause() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", b"year,exam,subject\n2025,VPR,MA\n" as &[u8])],
    );
    let out = tmp.path().join("out");
    let job = obektiv::Job {
        data,
        out,
        config: obektiv::config::Config::default(),
        progress: obektiv::progress::Progress::new(false),
    };
    let e = obektiv::analyze(&job)
        .expect_err("nothing usable")
        .to_string();
    assert!(e.contains("results.csv"), "{e}");
    assert!(e.contains("нет обязательных столбцов"), "{e}");
    assert!(!e.contains("причины — в rejected_rows.csv"), "{e}");
}

#[test]
fn a_stray_byte_does_not_turn_utf8_into_windows_1251() {
    let tmp = tempfile::tempdir().unwrap();
    let header = "год,экзамен,предмет,параллель,логин,класс,код участника,вариант,t1,t2,t3,первичный балл,отметка,отметка по журналу";
    let mut body = RESULTS.replacen(
        "year,exam,subject,grade,school,class,student,variant,t1,t2,t3,primary,mark,journal_mark",
        header,
        1,
    )
    .into_bytes();
    let at = body.len() - 3;
    body.insert(at, 0xFF); // in the mark of the last line
    let data = folder(&tmp.path().join("data"), &[("results.csv", &body)]);
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    let f = files(&out);
    assert_eq!(file_row(&f, "results.csv")["encoding"], "UTF-8");
    // The Russian header is read, so every work is; the garbled mark is dropped.
    assert_eq!((s.works, s.rows_rejected), (9, 0));
    let n = notes(&out);
    assert!(n.contains("не все байты в нём допустимы в UTF-8"), "{n}");
    assert!(n.contains("строка 10, байт 43"), "{n}");
    assert!(n.contains("results.csv,10,"), "{n}");
}

#[test]
fn a_nul_byte_in_a_header_is_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let body = RESULTS.replacen("student", "stu\0dent", 1);
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", body.as_bytes())],
    );
    let out = tmp.path().join("out");
    let job = obektiv::Job {
        data,
        out: out.clone(),
        config: obektiv::config::Config::default(),
        progress: obektiv::progress::Progress::new(false),
    };
    let e = obektiv::analyze(&job).err().unwrap().to_string();
    assert!(e.contains("stu[0x00]dent"), "{e}");
    assert!(!e.contains('\0'));
    assert!(read(&out.join("files.csv")).contains("stu[0x00]dent"));
}

#[cfg(unix)]
#[test]
fn every_entry_not_read_is_in_files_csv_with_why() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    std::os::unix::fs::symlink("loop_b.csv", data.join("results_loop_a.csv")).unwrap();
    std::os::unix::fs::symlink("results_loop_a.csv", data.join("loop_b.csv")).unwrap();
    std::os::unix::fs::symlink("nowhere.csv", data.join("results_gone.csv")).unwrap();
    std::fs::create_dir(data.join("results_folder.csv")).unwrap();
    let fifo = data.join("results_pipe.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo");
    std::fs::write(data.join("SCHOOLS.CSV"), SCHOOLS).unwrap();
    std::fs::write(data.join("~$results.xlsx"), b"lock").unwrap();
    std::fs::write(data.join("readme.txt"), b"notes").unwrap();
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    assert_eq!(s.works, 9);
    let f = files(&out);
    let why = |name: &str| {
        let r = file_row(&f, name);
        format!("{}{}", r["error"], r["skipped"])
    };
    assert!(why("results_loop_a.csv").contains("цикл"), "{f:?}");
    assert!(why("results_gone.csv").contains("которого нет"), "{f:?}");
    assert!(why("results_folder.csv").contains("папка"), "{f:?}");
    assert!(why("results_pipe.csv").contains("не обычный файл"), "{f:?}");
    assert!(why("SCHOOLS.CSV").contains("«schools.csv»"), "{f:?}");
    assert!(why("~$results.xlsx").contains("блокировки"), "{f:?}");
    assert!(why("readme.txt").contains("не из списка"), "{f:?}");
    // Input files that could not be read make the run incomplete; the others do not.
    assert!(!file_row(&f, "results_pipe.csv")["error"].is_empty());
    assert!(file_row(&f, "readme.txt")["error"].is_empty());
    assert!(s.incomplete());
}

/// A FIS OKO sheet of three works with one more value in the last cell Excel has.
fn workbook_reaching_xfd(path: &Path) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "ВПР 2025 Математика 4 класс")
        .unwrap();
    ws.write_string(2, 0, "МБОУ СОШ № 1 (edu000001) | Кол-во участников: 3")
        .unwrap();
    let head = [
        "Код участника",
        "1 (1б)",
        "2 (2б)",
        "3 (2б)",
        "Первичный балл",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string(3, c as u16, *h).unwrap();
    }
    for (r, row) in [[101, 1, 2, 2, 5], [102, 1, 1, 0, 2], [103, 0, 1, 1, 2]]
        .iter()
        .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            ws.write_number(4 + r as u32, c as u16, f64::from(*v))
                .unwrap();
        }
    }
    ws.write_string(1_048_575, 16_383, "конец").unwrap();
    wb.save(path).unwrap();
}

#[test]
fn a_workbook_whose_used_range_reaches_the_last_cell_is_read_cell_by_cell() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(&tmp.path().join("data"), &[]);
    workbook_reaching_xfd(&data.join("vpr.xlsx"));
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    let f = files(&out);
    let r = file_row(&f, "vpr.xlsx");
    assert!(r["error"].is_empty(), "{r:?}");
    assert_eq!((s.works, s.rows_rejected), (3, 0));
    assert!(notes(&out).contains("XFD1048576"), "{}", notes(&out));
}

#[test]
fn without_scales_csv_the_cut_points_are_read_from_the_works_marks() {
    // A municipal folder seldom has scales.csv, but FIS OKO's exports hold
    // each work's primary score and mark: the cut points of every VPR and
    // OGE test must come out as the sample's own scales.csv states them
    // (the simulator marked the works by it), S3 must judge the cells, and
    // no work is reported as marked against the scale.
    let tmp = tempfile::tempdir().unwrap();
    let data = sample_without(tmp.path(), |_| false, false);
    let truth = table(&data.join("scales.csv"));
    std::fs::remove_file(data.join("scales.csv")).unwrap();
    let out = tmp.path().join("out");
    let run = analyze_cli(&data, &out);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let notes = notes(&out);
    let mut read = 0;
    for t in truth
        .iter()
        .filter(|t| t["exam"] != "EGE" && t["mark"] == "3")
    {
        let cut = |m: &str| {
            let row = truth.iter().find(|r| {
                ["exam", "year", "subject", "grade"]
                    .iter()
                    .all(|c| r[*c] == t[*c])
                    && r["mark"] == m
            });
            row.unwrap()["min_score"].clone()
        };
        let said = format!("{} / {} / {}", cut("3"), cut("4"), cut("5"));
        // The note of this test names its cut points.
        let exam = if t["exam"] == "VPR" {
            "ВПР"
        } else {
            "ОГЭ"
        };
        let name = obektiv::model::subject_name(&t["subject"]).to_owned();
        let head = format!("{exam} {}, {name}, {} кл.:", t["year"], t["grade"]);
        if let Some(l) = notes.lines().find(|l| {
            l.contains(&head) && l.contains("границы") && !l.contains("нет шкалы перевода")
        }) {
            assert!(l.ends_with(&format!("{said}\"")), "{head} {said}: {l}");
            read += 1;
        }
    }
    assert!(read >= 40, "cut points read for {read} tests: {notes}");
    assert!(
        !notes.contains("по шкале"),
        "works said to disagree: {notes}"
    );
    let findings = table(&out.join("findings.csv"));
    let s3 = findings
        .iter()
        .filter(|f| f["sign"] == "S3" && f["evaluated"] == "true")
        .count();
    assert!(s3 > 500, "S3 evaluated in {s3} cells");
}

#[test]
fn obektivs_own_workbooks_in_the_data_folder_are_skipped() {
    // The output written into the data folder, then the folder analysed
    // again: its workbooks are not FIS OKO exports and are not read.
    let tmp = tempfile::tempdir().unwrap();
    let (s, out) = run_with(tmp.path(), "risk_list.xlsx", "not a workbook");
    assert_eq!(s.files_failed, 0);
    let f = files(&out);
    let row = file_row(&f, "risk_list.xlsx");
    assert!(
        row["skipped"].contains("записывает сама программа"),
        "{row:?}"
    );
    assert_eq!(row["error"], "");
}

#[test]
fn a_sample_year_not_in_the_data_is_refused_with_the_years_there_are() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    let run = assert_cmd::Command::cargo_bin("obektiv")
        .unwrap()
        .args(["--quiet", "sample"])
        .arg(&data)
        .args(["--year", "2030", "--out"])
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    assert!(
        err.contains("нет 2030 года") && err.contains("есть: 2025"),
        "{err}"
    );
}

#[test]
fn a_recheck_of_marks_alone_says_it_cannot_be_compared_and_writes_no_nan() {
    // A commission's file with the new marks only: the change of the score,
    // which the verdicts are about, cannot be told — said work by work, and
    // never «no inflation found» from NaN.
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    let recheck: String = std::iter::once("year,exam,subject,grade,school,student,mark".to_owned())
        .chain(RESULTS.lines().skip(1).map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{},{},{},{},{},{},2", f[0], f[1], f[2], f[3], f[4], f[6])
        }))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(data.join("recheck.csv"), recheck).unwrap();
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    assert_eq!((s.rechecked, s.recheck_unmatched), (0, 9));
    let unmatched = table(&out.join("recheck_unmatched.csv"));
    assert!(
        unmatched
            .iter()
            .all(|r| r["reason"].contains("нет первичного балла"))
    );
    for f in std::fs::read_dir(&out).unwrap() {
        let p = f.unwrap().path();
        if p.extension().is_some_and(|e| e == "csv" || e == "html") {
            assert!(!read(&p).contains("NaN"), "{}", p.display());
        }
    }
}

#[test]
fn medal_holders_written_twice_are_kept_once_and_the_official_name_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let medals = "year,school,student,medal
2025,edu000001,11,gold
2025,edu000001,11,gold
2025,edu000001,12,silver
2025,edu000001,12,gold
2025,edu000002,21,«За особые успехи в учении» I степени
2025,edu000002,22,II степени
2025,edu000002,23,
2025,,24,gold
";
    let (_, out) = run_with(tmp.path(), "medals.csv", medals);
    let rows = rejected(&out);
    let lines: Vec<(&str, &str)> = (rows.iter())
        .filter(|r| r["file"] == "medals.csv")
        .map(|r| (r["line"].as_str(), r["reason"].as_str()))
        .collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(
        lines[0].0 == "3" && lines[0].1.contains("повтор строки 2"),
        "{lines:?}"
    );
    assert!(
        lines[1].1.contains("разные медали в строках 4, 5"),
        "{lines:?}"
    );
    assert!(
        lines[3].0 == "8" && lines[3].1.contains("не заполнен столбец «medal»"),
        "{lines:?}"
    );
    assert_eq!(lines[4], ("9", "не заполнен столбец «school»"), "{lines:?}");
    let f = files(&out);
    let m = file_row(&f, "medals.csv");
    assert_eq!(
        (m["rows_read"].as_str(), m["rows_used"].as_str()),
        ("8", "3")
    );
}

#[test]
fn medal_holders_of_a_year_without_ege_are_said_to_lack_the_ege_not_to_mismatch() {
    let tmp = tempfile::tempdir().unwrap();
    let medals = "year,school,student,medal\n2025,edu000001,11,gold\n2025,edu000002,21,silver\n";
    let (_, out) = run_with(tmp.path(), "medals.csv", medals);
    let html = read(&out.join("report.html"));
    assert!(html.contains("в данных нет ЕГЭ 2025 года — 2"), "{html}");
    assert!(!html.contains("не совпали"));
}

#[test]
fn every_task_of_its_test_not_done_without_a_score_is_an_absence() {
    // The file's task columns are those of two tests: a row of the 3-task
    // test leaves t4 empty. Every one of its own tasks «not done» and no
    // primary score or mark: an absence, as data/README.md says — whatever
    // the other tests' columns hold.
    let tmp = tempfile::tempdir().unwrap();
    let text = RESULTS
        .replacen("t3,primary", "t3,t4,primary", 1)
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                l.to_owned()
            } else {
                // t4 empty: not in the test.
                let at = l.match_indices(',').nth(10).unwrap().0;
                format!("{},{}", &l[..at], &l[at..])
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n2025,VPR,MA,4,edu000001,4А,105,1,X,Х,—,,,,4\n";
    let (s, out) = run_with(tmp.path(), "results.csv", &text);
    assert_eq!(s.works, 9, "the nine works are used, the absence is not");
    let rej = rejected(&out);
    assert_eq!(rej.len(), 1, "{rej:?}");
    assert_eq!(rej[0]["line"], "11");
    assert!(rej[0]["reason"].contains("похоже на неявку"), "{rej:?}");
}

/// RESULTS with `edit` applied to each line's fields (the line's 0-based
/// index, its fields).
fn results_edited<'a>(edit: impl Fn(usize, &mut Vec<&'a str>)) -> String {
    RESULTS
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut f: Vec<&str> = l.split(',').collect();
            edit(i, &mut f);
            f.join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// RESULTS without its column t3 (task 3 of tasks.csv).
fn results_without_t3() -> String {
    results_edited(|_, f| {
        f.remove(10);
    })
}

#[test]
fn a_task_column_missing_from_the_file_sets_the_task_scores_aside_and_keeps_the_works() {
    // tasks.csv lists three tasks, the file has two: the primary scores
    // count task 3, so the works cannot be checked task by task — the test
    // is judged on its primary scores, and no work is lost.
    let tmp = tempfile::tempdir().unwrap();
    let (s, out) = run_with(tmp.path(), "results.csv", &results_without_t3());
    assert_eq!(s.works, 9, "every work is used");
    assert!(rejected(&out).is_empty(), "{:?}", rejected(&out));
    let notes = notes(&out);
    assert!(
        notes.contains(
            "задания 3 из tasks.csv нет ни в одной работе (в файле нет его столбца или он пуст)"
        ),
        "{notes}"
    );
    assert!(
        notes.contains("тест обработан по первичным баллам"),
        "{notes}"
    );
    let cells = table(&out.join("cells.csv"));
    let c = cells.iter().find(|c| c["school"] == "edu000001").unwrap();
    assert_eq!(c["n_tasks"], "0", "{c:?}");
    // The maximum stays the declared test's (1 + 2 + 2).
    assert_eq!(c["max_primary"], "5.0", "{c:?}");
    assert_eq!(c["mean_primary"], "2.75", "{c:?}");
}

#[test]
fn a_task_of_tasks_csv_that_no_work_has_and_the_primary_scores_leave_out_is_left_out() {
    // tasks.csv lists a fourth task; every primary score is the sum of the
    // three in the file: tasks.csv is the one in error.
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    std::fs::write(
        data.join("tasks.csv"),
        TASKS.to_owned() + "VPR,2025,MA,4,4,3,high,4\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let s = analyze(&data, &out);
    assert_eq!(s.works, 9, "every work is used");
    assert!(rejected(&out).is_empty(), "{:?}", rejected(&out));
    let notes = notes(&out);
    assert!(
        notes.contains("равен сумме остальных заданий в 9 из 9 работ"),
        "{notes}"
    );
    let cells = table(&out.join("cells.csv"));
    let c = cells.iter().find(|c| c["school"] == "edu000001").unwrap();
    assert_eq!(c["n_tasks"], "3", "{c:?}");
    assert_eq!(c["max_primary"], "5.0", "{c:?}");
}

#[test]
fn sample_with_marks_alone_says_why_the_signs_that_read_scores_did_not_judge() {
    // Marks only (data/README.md allows it): no task scores, no primary
    // scores; the EGE keeps its test scores.
    let tmp = tempfile::tempdir().unwrap();
    let out = sample_without_runs(tmp.path(), |h| is_task(h) || h == "primary", true);
    let findings = table(&out.join("findings.csv"));
    // The marks are compared where they can be.
    assert!(
        (findings.iter()).any(|f| f["sign"] == "S4a" && f["evaluated"] == "true"),
        "the marks were not compared"
    );
    // Every sign that reads scores says on a VPR or OGE cell that there are
    // none, rather than «every work at 0 or the maximum» (S8) or «no GIA in
    // this subject» (S10), as their own checks made of the missing scores.
    let marks_only: Vec<_> = (findings.iter())
        .filter(|f| f["exam"] != "EGE" && !["S4a", "S4b"].contains(&f["sign"].as_str()))
        .collect();
    assert!(!marks_only.is_empty());
    for f in marks_only {
        assert_eq!(f["evaluated"], "false", "{f:?}");
        assert_eq!(f["note"], obektiv::signs::NO_SCORES, "{f:?}");
    }
    // The summary says which signs these data could not check.
    let html = read(&out.join("report.html"));
    assert!(
        html.contains("По этим данным не проверены") && html.contains("«Совпадающие работы»"),
        "no summary of the unchecked signs"
    );
    // The EGE's test scores are still read.
    assert!(
        (findings.iter())
            .any(|f| f["exam"] == "EGE" && f["sign"] == "S1" && f["evaluated"] == "true"),
        "the EGE's test scores were not read"
    );
}

/// RESULTS without its task columns (totals only), the primary scores of
/// lines `high` (1-based file lines) set to `score`.
fn totals_with(high: &[usize], score: &str) -> String {
    results_edited(|i, f| {
        f.drain(8..11);
        if high.contains(&(i + 1)) {
            f[8] = score;
        }
    })
}

#[test]
fn a_primary_score_above_the_tests_maximum_is_rejected_without_task_columns() {
    // tasks.csv's maximum is 1 + 2 + 2 = 5.
    let tmp = tempfile::tempdir().unwrap();
    let (s, out) = run_with(tmp.path(), "results.csv", &totals_with(&[3], "50"));
    assert_eq!(s.works, 8);
    let rej = rejected(&out);
    assert_eq!(rej.len(), 1, "{rej:?}");
    assert_eq!(
        (
            rej[0]["line"].as_str(),
            rej[0]["column"].as_str(),
            rej[0]["value"].as_str()
        ),
        ("3", "primary", "50")
    );
    assert!(
        rej[0]["reason"].contains("первичный балл 50 больше максимума теста 5"),
        "{rej:?}"
    );
    // Many works above it: the maximum is the error, the works are kept.
    let tmp = tempfile::tempdir().unwrap();
    let (s, out) = run_with(
        tmp.path(),
        "results.csv",
        &totals_with(&[2, 3, 4, 5, 6], "6"),
    );
    assert_eq!(s.works, 9);
    assert!(rejected(&out).is_empty(), "{:?}", rejected(&out));
    assert!(
        notes(&out).contains("балл выше него у 5 работ из 9"),
        "{}",
        notes(&out)
    );
}

#[test]
fn an_earlier_runs_files_do_not_outlive_it_and_other_files_stay() {
    // The folder of an earlier run with a re-check and a listed school;
    // this run has neither.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(out.join("charts")).unwrap();
    std::fs::write(out.join("recheck_results.csv"), "old\n").unwrap();
    std::fs::write(out.join("charts/edu000009_2024_VPR_MA_4_marks.png"), "old").unwrap();
    std::fs::write(out.join("мои заметки.txt"), "своё").unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    // A run stopped by an error leaves them in place.
    let mut config = obektiv::config::Config::default();
    config.output.municipality = Some("Нет такого района".into());
    let job = obektiv::Job {
        data: data.clone(),
        out: out.clone(),
        config,
        progress: obektiv::progress::Progress::new(false),
    };
    assert!(obektiv::analyze(&job).is_err());
    assert!(out.join("recheck_results.csv").exists());
    analyze(&data, &out);
    assert!(!out.join("recheck_results.csv").exists());
    assert!(
        !out.join("charts/edu000009_2024_VPR_MA_4_marks.png")
            .exists()
    );
    assert_eq!(read(&out.join("мои заметки.txt")), "своё");
    assert!(out.join("report.html").is_file());
    let notes = notes(&out);
    assert!(
        notes
            .contains("файлы прежнего запуска, которые этот запуск не пишет: recheck_results.csv;"),
        "{notes}"
    );
}

#[test]
fn an_output_folder_that_cannot_be_made_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("файл");
    std::fs::write(&file, "").unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    let err = analyze_cli(&data, &file.join("out"));
    let text = String::from_utf8_lossy(&err.stderr);
    assert_eq!(err.status.code(), Some(1), "{text}");
    assert!(
        text.contains("не удаётся создать папку для результатов"),
        "{text}"
    );
}

#[test]
fn a_recheck_file_without_works_is_said_so() {
    let tmp = tempfile::tempdir().unwrap();
    let header = "year,exam,subject,grade,school,class,student,primary\n";
    let (_, out) = run_with(tmp.path(), "recheck.csv", header);
    assert!(
        notes(&out).contains("в файле перепроверки нет ни одной пригодной работы"),
        "{}",
        notes(&out)
    );
    assert!(!out.join("recheck_results.csv").exists());
}
