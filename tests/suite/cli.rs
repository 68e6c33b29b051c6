//! The command line: exit codes, determinism across thread counts, help text.

use assert_cmd::Command;

use crate::common::{RESULTS, folder, read};

fn obektiv() -> Command {
    Command::cargo_bin("obektiv").unwrap()
}

/// The standard output of a successful run with `args`.
fn stdout_of(args: &[&str]) -> String {
    let out = obektiv()
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn analyze_writes_the_tables_and_exits_zero_on_clean_input() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    let out = tmp.path().join("out");
    obektiv()
        .args(["analyze"])
        .arg(&data)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    for f in [
        "cells.csv",
        "region.csv",
        "rejected_rows.csv",
        "files.csv",
        "notes.csv",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
}

#[test]
fn rejected_rows_give_exit_code_3() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = format!("{RESULTS}2025,VPR,MA,4,edu404,4А,9,1,1,1,0,2,3,4\n");
    let data = folder(&tmp.path().join("data"), &[("results.csv", bad.as_bytes())]);
    obektiv()
        .args(["analyze"])
        .arg(&data)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .code(3)
        .stderr(predicates::str::contains("отклонено: 1 ("));
}

#[test]
fn outputs_do_not_depend_on_the_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    for t in ["1", "2"] {
        obektiv()
            .args(["--threads", t, "analyze"])
            .arg(&data)
            .arg("--out")
            .arg(tmp.path().join(t))
            .assert()
            .success();
    }
    for f in ["cells.csv", "region.csv", "notes.csv", "files.csv"] {
        assert_eq!(
            read(&tmp.path().join("1").join(f)),
            read(&tmp.path().join("2").join(f)),
            "{f}"
        );
    }
}

#[test]
fn an_output_path_that_is_a_file_is_said_to_be_one() {
    // Not «файл уже существует: File exists (os error 17)».
    let tmp = tempfile::tempdir().unwrap();
    let data = crate::common::folder(
        &tmp.path().join("data"),
        &[("results.csv", crate::common::RESULTS.as_bytes())],
    );
    let file = data.join("results.csv");
    let out = obektiv()
        .args([
            "analyze",
            data.to_str().unwrap(),
            "--out",
            file.to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("это файл, а не папка"), "{err}");
    assert!(!err.contains("os error"), "{err}");
}

#[test]
fn missing_folder_is_a_clear_error() {
    obektiv()
        .args(["analyze", "/no/such/folder", "--out", "/tmp/x"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "obektiv: ошибка: /no/such/folder: не удаётся открыть папку с входными файлами",
        ));
}

#[test]
fn default_config_round_trips_and_help_has_examples() {
    assert!(stdout_of(&["config", "--default"]).contains("csv_dialect"));
    obektiv()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "obektiv analyze data/sample --out reports",
        ));
}

#[test]
fn help_and_command_line_errors_are_russian() {
    // Words a methodist may meet in the help that are names, not English text:
    // commands, file names, values of options and the program itself.
    let names = [
        "obektiv",
        "analyze",
        "sample",
        "validate",
        "simulate",
        "evaluate",
        "signs",
        "config",
        "default",
        "data",
        "reports",
        "checks",
        "region",
        "schools",
        "results",
        "recheck",
        "works",
        "strata",
        "unmatched",
        "risk",
        "list",
        "cells",
        "rejected",
        "rows",
        "files",
        "notes",
        "report",
        "html",
        "xlsx",
        "csv",
        "toml",
        "README",
        "md",
        "my",
        "sim",
        "out",
        "seed",
        "seeds",
        "threads",
        "timings",
        "quiet",
        "help",
        "version",
        "year",
        "years",
        "last",
        "manipulated",
        "share",
        "dialect",
        "intensity",
        "misspecified",
        "persistent",
        "codes",
        "of",
        "min",
        "standard",
        "only",
        "shape",
        "excel",
        "Excel",
        "truth",
        "evaluation",
        "reference",
        "municipal",
        "municipality",
        "spravka",
        "docx",
        "Word",
        "TOML",
        "UTF",
        "Windows",
    ];
    for cmd in [
        "",
        "analyze",
        "sample",
        "validate",
        "reference",
        "simulate",
        "evaluate",
        "signs",
        "config",
    ] {
        let args: Vec<&str> = [cmd, "--help"]
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect();
        let text = stdout_of(&args);
        let english: Vec<&str> = text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| w.len() > 1 && !names.contains(w))
            .collect();
        assert!(english.is_empty(), "{cmd} --help: {english:?}\n{text}");
    }
    let err = obektiv()
        .arg("anlyze")
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(err).unwrap();
    assert!(
        err.contains("нет такой команды: anlyze") && err.contains("«analyze»"),
        "{err}"
    );
    let err = obektiv()
        .args(["analyze"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(
        String::from_utf8(err)
            .unwrap()
            .contains("не указано обязательное")
    );
}

#[test]
fn simulate_is_byte_reproducible_and_its_region_loads_without_rejections() {
    let tmp = tempfile::tempdir().unwrap();
    let sim = |name: &str, seed: &str, dialect: &str| {
        let dir = tmp.path().join(name);
        obektiv()
            .args([
                "simulate",
                "--schools",
                "12",
                "--years",
                "2",
                "--seed",
                seed,
                "--dialect",
                dialect,
                "--out",
            ])
            .arg(&dir)
            .assert()
            .success();
        dir
    };
    let a = sim("a", "7", "plain");
    let b = sim("b", "7", "plain");
    let c = sim("c", "8", "plain");
    let files: Vec<_> = std::fs::read_dir(&a)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(files.len() >= 6);
    for f in &files {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f:?}"
        );
    }
    assert_ne!(read(&a.join("truth.csv")), read(&c.join("truth.csv")));

    // The loader takes every simulated row, in either dialect, to the same cells.
    let ru = sim("ru", "7", "excel-ru");
    for (data, out) in [(&a, "out_a"), (&ru, "out_ru")] {
        obektiv()
            .args(["--quiet", "analyze"])
            .arg(data)
            .arg("--out")
            .arg(tmp.path().join(out))
            .assert()
            .success();
        assert_eq!(
            read(&tmp.path().join(out).join("rejected_rows.csv")),
            "file,line,column,value,reason\n"
        );
    }
    assert_eq!(
        read(&tmp.path().join("out_a/cells.csv")),
        read(&tmp.path().join("out_ru/cells.csv"))
    );
    // one cells.csv row per truth.csv cell
    let truth_cells = read(&a.join("truth.csv")).lines().count();
    let cells = read(&tmp.path().join("out_a/cells.csv")).lines().count();
    assert_eq!(truth_cells, cells);
}

/// `--timings` prints the stage table on stderr: the loading, the signs (one
/// summed line each) and the whole run; without it, no table.
#[test]
fn timings_print_the_stage_table() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    std::fs::create_dir_all(&data).unwrap();
    let fixture = |n: &str| {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(n)
    };
    std::fs::copy(
        fixture("vpr_2025_ru_4_schools.csv"),
        data.join("schools.csv"),
    )
    .unwrap();
    std::fs::copy(fixture("vpr_2025_ru_4.csv"), data.join("results.csv")).unwrap();
    let run = |timings: bool| {
        let mut c = obektiv();
        c.arg("--quiet");
        if timings {
            c.arg("--timings");
        }
        let out = c
            .arg("analyze")
            .arg(&data)
            .arg("--out")
            .arg(tmp.path().join("out"))
            .output()
            .unwrap();
        String::from_utf8(out.stderr).unwrap()
    };
    let table = run(true);
    for line in [
        "загрузка и проверка данных",
        "признаки",
        "S3 (сумма заданий)",
        "report.html",
        "всего",
    ] {
        assert!(table.contains(line), "«{line}» not in:\n{table}");
    }
    assert!(!run(false).contains("всего"));
}

#[test]
fn findings_with_numbers_only_on_request() {
    // `findings = "evaluated"` keeps the rows with numbers — every evaluated
    // sign and every small cell that carries its statistic — and drops the
    // signs not evaluated for want of data; the default keeps cell × sign.
    let tmp = tempfile::tempdir().unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let config = tmp.path().join("obektiv.toml");
    std::fs::write(&config, "[output]\nfindings = \"evaluated\"\n").unwrap();
    let (all, some) = (tmp.path().join("all"), tmp.path().join("some"));
    for (out, cfg) in [(&all, None), (&some, Some(&config))] {
        let mut cmd = obektiv();
        cmd.args(["--quiet", "analyze"])
            .arg(&data)
            .arg("--out")
            .arg(out);
        if let Some(c) = cfg {
            cmd.arg("--config").arg(c);
        }
        cmd.assert().success();
    }
    let rows = |dir: &std::path::Path| crate::common::table(&dir.join("findings.csv"));
    let (full, kept) = (rows(&all), rows(&some));
    let cells = crate::common::table(&all.join("cells.csv")).len();
    assert_eq!(full.len(), cells * obektiv::signs::REGISTRY.len());
    let with_numbers: Vec<_> = (full.iter())
        .filter(|r| r["evaluated"] == "true" || !r["statistic"].is_empty())
        .collect();
    assert!(with_numbers.len() < full.len());
    assert_eq!(kept.len(), with_numbers.len());
    assert!(kept.iter().zip(&with_numbers).all(|(a, b)| a == *b));
    // The other outputs do not change.
    for f in ["cells.csv", "risk_list.csv", "recheck_sample.csv"] {
        assert_eq!(read(&all.join(f)), read(&some.join(f)), "{f}");
    }
}
