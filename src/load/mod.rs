//! Loading a data folder (layout: `../shared/spec/data-contract.md`, accepted
//! variants: `data/README.md`) into a [`Dataset`], with every input row either
//! used or listed as rejected.
//!
//! Stages: find the files → schools.csv → tasks.csv, scales.csv, medals.csv →
//! results files (parsed one by one into typed columns) → [`assemble`] (one
//! sort, whole-test checks, cells) → the same for recheck.csv → reference.csv
//! (checked against the tests found).

pub mod assemble;
pub mod codes;
pub mod columns;
pub mod fisoko;
pub mod meta;
pub mod reference;
pub mod report;
pub mod results;
pub mod scales;
pub mod schools;
pub mod table;
pub mod values;
pub mod workbook;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::{LoadError, RunError};
use crate::model::Dataset;
use crate::progress::Progress;

use report::{FileStats, LoadReport};
use results::{RawWorks, TestIndex};
use table::Table;

/// The files of a data folder, by role.
#[derive(Debug, Default)]
pub struct Inventory {
    pub schools: Option<PathBuf>,
    pub results: Vec<PathBuf>,
    pub tasks: Option<PathBuf>,
    pub scales: Option<PathBuf>,
    pub medals: Option<PathBuf>,
    pub recheck: Option<PathBuf>,
    pub reference: Option<PathBuf>,
    /// Entries that are not read, with why (listed in files.csv).
    pub skipped: Vec<Skipped>,
    /// Results files found by their columns, not their names («ОГЭ 2024.csv»).
    pub by_content: Vec<PathBuf>,
}

/// A folder entry that is not read.
#[derive(Debug)]
pub struct Skipped {
    pub path: PathBuf,
    pub why: String,
    /// Its name is an input file's, so data may be missing (an error, not a remark).
    pub input: bool,
}

/// What the name of a folder entry makes it.
enum Role {
    Schools,
    Tasks,
    Scales,
    Medals,
    Recheck,
    Reference,
    Results,
    /// A workbook obektiv writes itself.
    Output,
    Other,
}

fn role(name: &str) -> Role {
    let name = name.to_lowercase();
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name.as_str(), ""));
    match (stem, ext) {
        // The list of schools kept in Excel is read as its CSV would be.
        ("schools", "csv" | "xlsx" | "xlsm" | "xls" | "ods") => Role::Schools,
        // Each kept in Excel is read as its CSV would be (the first table of
        // the workbook); a re-check saved as a workbook must never be mixed
        // into the results.
        ("tasks", "csv" | "xlsx" | "xlsm" | "xls" | "ods") => Role::Tasks,
        ("scales", "csv" | "xlsx" | "xlsm" | "xls" | "ods") => Role::Scales,
        ("medals", "csv" | "xlsx" | "xlsm" | "xls" | "ods") => Role::Medals,
        ("recheck", "csv" | "xlsx" | "xlsm" | "xls" | "ods") => Role::Recheck,
        ("reference", "csv" | "xlsx" | "xlsm" | "xls" | "ods") => Role::Reference,
        (s, "csv" | "parquet") if s.starts_with("results") => Role::Results,
        // obektiv's own workbooks, when the output went into the data folder.
        ("risk_list" | "cells" | "quality" | "recheck_sample", "xlsx") => Role::Output,
        // Its tables, which name works by their keys as results do.
        (
            "rejected_rows" | "files" | "notes" | "cells" | "region" | "findings" | "risk_list"
            | "objective_list" | "recheck_sample" | "recheck_works" | "recheck_results"
            | "recheck_schools" | "recheck_strata" | "recheck_unmatched" | "evaluation"
            | "evaluation_cells" | "calibration",
            "csv",
        ) => Role::Output,
        // FIS OKO exports keep their own names («…Индивидуальные результаты.xlsx»).
        // .ods is taken so that it is said why it is not read.
        (_, "xlsx" | "xlsm" | "xls" | "ods") => Role::Results,
        _ => Role::Other,
    }
}

/// Whether a CSV file (by its extension) holds a results table by its
/// header: the participant's code and the school, and two more of the
/// results' columns (year, procedure, subject, grade, scores, marks). Only the
/// first 64 KB are read.
fn looks_like_results(path: &Path) -> bool {
    use std::io::Read;
    if !path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    {
        return false;
    }
    let mut head = Vec::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(64 * 1024).read_to_end(&mut head));
    if read.is_err() {
        return false;
    }
    let Ok(table) = Table::from_csv_bytes(path, head) else {
        return false;
    };
    let specs: Vec<columns::ColumnSpec> = (columns::RESULTS.iter())
        .map(|s| columns::ColumnSpec {
            required: false,
            ..*s
        })
        .collect();
    let Ok(map) = columns::ColumnMap::build(path, &table.headers, &specs, true) else {
        return false;
    };
    let has = |n: &str| map.get(&specs, n).is_some();
    let more = [
        "year",
        "exam",
        "subject",
        "grade",
        "primary",
        "mark",
        "test_score",
    ]
    .iter()
    .filter(|n| has(n))
    .count()
        + usize::from(!map.tasks.is_empty());
    has("student") && has("school") && more >= 2
}

/// Why an entry cannot be read as a file, if it cannot: a link that leads
/// nowhere or to itself, a folder, a pipe or a device (reading a pipe would
/// wait forever).
fn unreadable(path: &Path) -> Option<String> {
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => None,
        Ok(m) if m.is_dir() => Some("это папка, а не файл".to_owned()),
        Ok(_) => Some("это не обычный файл (канал, сокет или устройство)".to_owned()),
        Err(e) if link && e.kind() == std::io::ErrorKind::NotFound => {
            Some("ссылка ведёт на файл, которого нет".to_owned())
        }
        Err(e) if link && e.raw_os_error() == Some(40) => {
            Some("ссылка ведёт сама на себя (цикл ссылок)".to_owned())
        }
        Err(e) => Some(format!(
            "не удаётся открыть: {}",
            crate::error::io_reason(&e)
        )),
    }
}

/// Sorts the folder's files into roles by name (case-insensitive). Every entry
/// that is not read is in [`Inventory::skipped`] with why.
pub fn inventory(folder: &Path) -> Result<Inventory, RunError> {
    let entries = std::fs::read_dir(folder).map_err(|_| RunError::NotAFolder {
        path: folder.to_owned(),
    })?;
    let mut paths: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    // By name regardless of case; of names equal but for case, the lower-case one first.
    paths.sort_by_cached_key(|(n, _)| (n.to_lowercase(), *n != n.to_lowercase(), n.clone()));
    let mut inv = Inventory::default();
    let mut skipped = Vec::new();
    for (name, p) in paths {
        let lock = name.starts_with("~$") || name.starts_with(".~lock.");
        let role = role(&name);
        let input = !lock && !matches!(role, Role::Other | Role::Output);
        if lock {
            let why =
                "временный файл блокировки Excel или LibreOffice (книга открыта): не читается";
            skipped.push(Skipped {
                path: p,
                why: why.to_owned(),
                input,
            });
            continue;
        }
        if let Some(why) = unreadable(&p) {
            skipped.push(Skipped {
                path: p,
                why,
                input,
            });
            continue;
        }
        let slot = match role {
            Role::Schools => &mut inv.schools,
            Role::Tasks => &mut inv.tasks,
            Role::Scales => &mut inv.scales,
            Role::Medals => &mut inv.medals,
            Role::Recheck => &mut inv.recheck,
            Role::Reference => &mut inv.reference,
            Role::Results => {
                inv.results.push(p);
                continue;
            }
            // A CSV named as offices name files («ОГЭ 2024 Красноуральский.csv»)
            // is a results file when its header says so; one that speaks of a
            // re-check is never read as results.
            Role::Other if looks_like_results(&p) => {
                let lower = name.to_lowercase();
                if lower.contains("перепров") || lower.contains("recheck") {
                    skipped.push(Skipped {
                        path: p,
                        why: "похоже на перепроверку в столбцах результатов: чтобы она была \
                              прочитана как перепроверка, назовите файл recheck.csv"
                            .to_owned(),
                        input: true,
                    });
                } else {
                    inv.by_content.push(p.clone());
                    inv.results.push(p);
                }
                continue;
            }
            Role::Other | Role::Output => {
                let why = if matches!(role, Role::Output) {
                    "таблица, которую записывает сама программа (результат анализа, а не данные): не читается"
                } else {
                    "имя файла не из списка входных файлов (см. data/README.md): не читается"
                };
                skipped.push(Skipped {
                    path: p,
                    why: why.to_owned(),
                    input,
                });
                continue;
            }
        };
        match slot {
            Some(first) => {
                let first = first.file_name().map(|n| n.to_string_lossy().into_owned());
                let first = first.unwrap_or_default();
                let same_name = p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().to_lowercase() == first.to_lowercase());
                let why = if same_name {
                    format!(
                        "имя совпадает с «{first}» без учёта регистра букв; прочитан только тот файл"
                    )
                } else {
                    format!("тот же файл в другом формате: прочитан «{first}», этот — нет")
                };
                skipped.push(Skipped {
                    path: p,
                    why,
                    input,
                });
            }
            None => *slot = Some(p),
        }
    }
    if inv.results.is_empty() {
        let unread: Vec<String> = (skipped.iter())
            .filter(|s| {
                matches!(
                    role(&s.path.file_name().unwrap_or_default().to_string_lossy()),
                    Role::Results
                )
            })
            .map(|s| format!("«{}» — {}", display_name(folder, &s.path), s.why))
            .collect();
        return Err(RunError::NoResults {
            folder: folder.to_owned(),
            unread: if unread.is_empty() {
                String::new()
            } else {
                format!(" Не прочитаны: {}.", unread.join("; "))
            },
        });
    }
    inv.skipped = skipped;
    Ok(inv)
}

/// A loaded folder.
pub struct Loaded {
    pub dataset: Dataset,
    pub report: LoadReport,
}

fn display_name(folder: &Path, path: &Path) -> String {
    path.strip_prefix(folder)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Opens a table, recording its dialect (or its failure) in the report.
fn open(
    folder: &Path,
    path: &Path,
    kind: &str,
    report: &mut LoadReport,
) -> Result<Table, LoadError> {
    let table = if is_workbook(path) {
        workbook::first_table(path)
    } else {
        Table::open(path)
    };
    opened(folder, path, kind, report, table)
}

/// [`open`] of a CSV file whose bytes were read already (see `prefetched`).
fn open_read(
    folder: &Path,
    path: &Path,
    kind: &str,
    report: &mut LoadReport,
    bytes: std::io::Result<Vec<u8>>,
) -> Result<Table, LoadError> {
    let table = bytes
        .map_err(|source| LoadError::Io {
            path: path.to_owned(),
            source,
        })
        .and_then(|b| Table::from_csv_bytes(path, b));
    opened(folder, path, kind, report, table)
}

/// Whether a results file is read whole as CSV text (not a workbook, not parquet).
fn is_csv_text(path: &Path) -> bool {
    !is_workbook(path)
        && !path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("parquet"))
}

/// The note on a header over two rows (CSV and workbooks alike).
pub(crate) const SECOND_HEADER: &str = "заголовок таблицы занимает две строки: номера заданий \
     под общим заголовком (например, «Баллы за задания») прочитаны как названия столбцов заданий";

/// Records a table opened (its dialect) or its failure in the report.
fn opened(
    folder: &Path,
    path: &Path,
    kind: &str,
    report: &mut LoadReport,
    table: Result<Table, LoadError>,
) -> Result<Table, LoadError> {
    let file = display_name(folder, path);
    let mut stats = FileStats {
        file: file.clone(),
        kind: kind.to_owned(),
        ..FileStats::default()
    };
    match &table {
        Ok(t) => {
            if let Some(d) = t.dialect {
                stats.encoding = d.encoding.to_owned();
                stats.delimiter = match d.delimiter {
                    b'\t' => "tab".to_owned(),
                    b => (b as char).to_string(),
                };
            } else {
                // A parquet file or a workbook (schools.xlsx): its format.
                stats.encoding = (is_workbook(path))
                    .then(|| fisoko::content_format(path).map(str::to_owned))
                    .flatten()
                    .or_else(|| {
                        path.extension()
                            .and_then(|e| e.to_str())
                            .map(str::to_lowercase)
                    })
                    .unwrap_or_else(|| "parquet".to_owned());
            }
        }
        Err(e) => stats.error = e.to_string(),
    }
    report.files.push(stats);
    if let Ok(Table {
        second_header: Some(line),
        ..
    }) = &table
    {
        report.note(report::Level::Info, &file, *line, SECOND_HEADER);
    }
    if let Ok(Table {
        title: Some((n, first)),
        ..
    }) = &table
    {
        report.note(
            report::Level::Info,
            &file,
            1,
            format!(
                "над заголовком таблицы {} с названием (например, «{}»): {} как пустые, \
                 заголовок — строка {}",
                if *n == 1 {
                    "одна строка".to_owned()
                } else {
                    format!(
                        "{n} {}",
                        crate::report::html::plural(*n, ["строка", "строки", "строк"])
                    )
                },
                values::visible(first),
                if *n == 1 {
                    "она прочитана"
                } else {
                    "они прочитаны"
                },
                n + 1
            ),
        );
    }
    if let Ok(t) = &table
        && t.undecoded.count > 0
    {
        let places: Vec<String> = (t.undecoded.first.iter())
            .map(|(line, byte)| format!("строка {line}, байт {byte}"))
            .collect();
        report.warn(
            &file,
            0,
            format!(
                "файл прочитан как UTF-8, но не все байты в нём допустимы в UTF-8 \
                 (мест с такими байтами: {}, в тексте они заменены знаком «\u{FFFD}»): {}{}",
                t.undecoded.count,
                places.join("; "),
                if t.undecoded.count > places.len() {
                    " …"
                } else {
                    ""
                }
            ),
        );
    }
    table
}

/// Records a file-level failure after the file was opened.
fn file_failed(report: &mut LoadReport, file: &str, e: &LoadError) {
    if let Some(f) = report.files.iter_mut().find(|f| f.file == file) {
        f.error = e.to_string();
    }
}

/// Reads a FIS OKO workbook, recording it (or its failure) in the report.
fn open_workbook(
    folder: &Path,
    path: &Path,
    kind: &str,
    report: &mut LoadReport,
) -> Result<workbook::Workbook, LoadError> {
    let file = display_name(folder, path);
    let wb = workbook::read(path, &file, report);
    report.files.push(FileStats {
        file,
        kind: kind.to_owned(),
        encoding: {
            let ext = (fisoko::content_format(path).map(str::to_owned))
                .or_else(|| {
                    path.extension()
                        .and_then(|e| e.to_str())
                        .map(str::to_lowercase)
                })
                .unwrap_or_else(|| "xlsx".to_owned());
            match &wb {
                Ok(w) if w.fis_oko => format!("{ext} (ФИС ОКО)"),
                _ => ext,
            }
        },
        error: wb.as_ref().err().map(|e| e.to_string()).unwrap_or_default(),
        ..FileStats::default()
    });
    wb
}

fn is_workbook(path: &Path) -> bool {
    path.extension().is_some_and(|e| {
        ["xlsx", "xlsm", "xls", "ods"]
            .iter()
            .any(|x| e.eq_ignore_ascii_case(x))
    })
}

fn set_read(report: &mut LoadReport, file: &str, read: u64) {
    if let Some(f) = report.files.iter_mut().find(|f| f.file == file) {
        f.rows_read = read;
    }
}

/// Loads a data folder. Fails only when schools.csv or every results file is
/// missing; a bad results or metadata file is reported and skipped, and a
/// dataset with no usable work is returned as such (the caller decides).
pub fn load_folder(folder: &Path, progress: &Progress) -> Result<Loaded, RunError> {
    let inv = inventory(folder)?;
    let mut report = LoadReport::default();
    for p in &inv.by_content {
        report.note(
            report::Level::Info,
            &display_name(folder, p),
            0,
            "имя файла не начинается с results, но в нём столбцы результатов (код участника, \
             ОО …): прочитан как файл результатов",
        );
    }
    for sk in &inv.skipped {
        let why = sk.why.clone();
        report.files.push(FileStats {
            file: display_name(folder, &sk.path),
            error: if sk.input { why.clone() } else { String::new() },
            skipped: if sk.input { String::new() } else { why },
            ..FileStats::default()
        });
    }
    let name = |p: &Path| display_name(folder, p);

    // schools.csv
    let schools_path = inv.schools.clone().ok_or_else(|| {
        RunError::Schools(LoadError::Io {
            path: folder.join("schools.csv"),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "файла нет в папке (список ОО: schools.csv или schools.xlsx)",
            ),
        })
    })?;
    let schools_file = name(&schools_path);
    let (schools, read) = open(folder, &schools_path, "schools", &mut report)
        .and_then(|t| schools::load(&t, &schools_file, &mut report))
        .map_err(RunError::Schools)?;
    set_read(&mut report, &schools_file, read);

    // Metadata files: a failure costs only that file.
    let mut tasks = BTreeMap::new();
    if let Some(p) = &inv.tasks {
        let f = name(p);
        match open(folder, p, "tasks", &mut report)
            .and_then(|t| meta::load_tasks(&t, &f, &mut report))
        {
            Ok((t, read)) => {
                tasks = t;
                set_read(&mut report, &f, read);
            }
            Err(e) => file_failed(&mut report, &f, &e),
        }
    }
    let mut folder_scales = scales::Scales::new();
    if let Some(p) = &inv.scales {
        let f = name(p);
        match open(folder, p, "scales", &mut report).and_then(|t| scales::load(&t, &f, &mut report))
        {
            Ok((s, read)) => {
                folder_scales = s;
                set_read(&mut report, &f, read);
            }
            Err(e) => file_failed(&mut report, &f, &e),
        }
    }
    let mut medals = Vec::new();
    if let Some(p) = &inv.medals {
        let f = name(p);
        match open(folder, p, "medals", &mut report)
            .and_then(|t| meta::load_medals(&t, &f, &schools, &mut report))
        {
            Ok((m, read)) => {
                medals = m;
                set_read(&mut report, &f, read);
            }
            Err(e) => file_failed(&mut report, &f, &e),
        }
    }

    // Results and re-check files.
    let mut tests = TestIndex::default();
    let mut workbook_tasks = BTreeMap::new();
    let mut codes = crate::model::StrPool::default();
    let mut read_files =
        |paths: &[PathBuf], kind: &str, report: &mut LoadReport| -> Vec<RawWorks> {
            let bar = progress.bar(paths.len() as u64, &format!("чтение файлов {kind}"));
            let mut raws = Vec::new();
            // Each CSV file's bytes are read from disk while the file before
            // it is parsed (one file ahead at most: the channel holds none).
            let csv: Vec<PathBuf> = paths.iter().filter(|p| is_csv_text(p)).cloned().collect();
            let (ahead, read) = std::sync::mpsc::sync_channel::<std::io::Result<Vec<u8>>>(0);
            let reader = std::thread::spawn(move || {
                for p in csv {
                    if ahead.send(std::fs::read(p)).is_err() {
                        break;
                    }
                }
            });
            for p in paths {
                let f = name(p);
                bar.set_message(f.clone());
                let mut extra_rejected = 0;
                let table = if is_workbook(p) {
                    open_workbook(folder, p, kind, report).map(|wb| {
                        extra_rejected = wb.rejected;
                        for (key, infos) in wb.tasks {
                            workbook_tasks.entry(key).or_insert(infos);
                        }
                        wb.table
                    })
                } else if is_csv_text(p) {
                    crate::timings::stage(&format!("  чтение {f}"), || {
                        let bytes = read.recv().expect("the reader sends every CSV file");
                        open_read(folder, p, kind, report, bytes)
                    })
                } else {
                    crate::timings::stage(&format!("  чтение {f}"), || {
                        open(folder, p, kind, report)
                    })
                };
                let mut cx = results::Context {
                    schools: &schools,
                    tests: &mut tests,
                    codes: &mut codes,
                    report,
                    recheck: kind == "recheck",
                };
                let loaded = table
                    .and_then(|t| {
                        crate::timings::stage(&format!("  разбор строк {f}"), || {
                            results::load(&t, &f, &mut cx)
                        })
                    })
                    .map(|(raw, read)| (raw, read + extra_rejected));
                match loaded {
                    Ok((raw, read)) => {
                        set_read(report, &f, read);
                        raws.push(raw);
                    }
                    Err(e) => file_failed(report, &f, &e),
                }
                bar.inc(1);
            }
            reader.join().expect("the reader does not panic");
            bar.finish_and_clear();
            raws
        };
    let raws = read_files(&inv.results, "results", &mut report);
    let recheck_raws = read_files(inv.recheck.as_slice(), "recheck", &mut report);

    // Task metadata from workbook headers, where tasks.csv says nothing.
    for (key, infos) in workbook_tasks {
        tasks.entry(key).or_insert(infos);
    }
    let bundled = scales::bundled();
    let cx = assemble::Context {
        tests: &tests,
        tasks: &tasks,
        folder_scales: &folder_scales,
        bundled_scales: &bundled,
        codes: &codes,
        recheck: false,
    };
    let spinner = progress.spinner("группировка работ по ячейкам");
    let results = crate::timings::stage("  группировка по ячейкам", || {
        assemble::assemble(&raws, &cx)
    });
    crate::timings::stage("  освобождение прочитанного", || drop(raws));
    let cx = assemble::Context {
        recheck: true,
        ..cx
    };
    let mut recheck = assemble::assemble(&recheck_raws, &cx);
    spinner.finish_and_clear();
    if let Some(p) = inv.recheck.as_ref().filter(|_| recheck.blocks.is_empty()) {
        report.notes.push(report::Note {
            level: report::Level::Warning,
            file: name(p),
            line: 0,
            message: "в файле перепроверки нет ни одной пригодной работы: итоги перепроверки \
                      не подведены"
                .to_owned(),
        });
    }
    if let Some(p) = &inv.recheck {
        codes::match_recheck_codes(
            &mut recheck.blocks,
            &results.blocks,
            &codes,
            &name(p),
            &mut report,
        );
    }
    for part in [&results, &recheck] {
        report.rejected.extend(part.rejected.iter().cloned());
        report.notes.extend(part.notes.iter().cloned());
    }
    let mut reference = reference::Reference::default();
    if let Some(p) = &inv.reference {
        let f = name(p);
        let keys: Vec<crate::model::TestKey> =
            results.blocks.iter().map(|b| b.key.clone()).collect();
        match open(folder, p, "reference", &mut report)
            .and_then(|t| reference::load(&t, &f, &keys, &mut report))
        {
            Ok((r, read)) => {
                reference = r;
                set_read(&mut report, &f, read);
            }
            Err(e) => file_failed(&mut report, &f, &e),
        }
    }
    if let Some(p) = &inv.medals {
        codes::match_medal_codes(&mut medals, &results.blocks, &codes, &name(p), &mut report);
    }
    report.finish();
    let dataset = Dataset {
        schools: schools.schools,
        tests: results.blocks,
        codes,
        medals,
        recheck: recheck.blocks,
        reference,
    };
    Ok(Loaded { dataset, report })
}
