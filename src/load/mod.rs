//! Loading a data folder (layout: `../shared/spec/data-contract.md`, accepted
//! variants: `data/README.md`) into a [`Dataset`], with every input row either
//! used or listed as rejected.
//!
//! Stages: find the files → schools.csv → tasks.csv, scales.csv, medals.csv →
//! results files (parsed one by one into typed columns) → [`assemble`] (polars
//! sort, whole-test checks, cells) → the same for recheck.csv.

pub mod assemble;
pub mod columns;
pub mod fisoko;
pub mod meta;
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

use report::{FileStats, Level, LoadReport};
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
    /// Files the engine does not read (listed in the report).
    pub ignored: Vec<PathBuf>,
}

/// Sorts the folder's files into roles by name (case-insensitive).
pub fn inventory(folder: &Path) -> Result<Inventory, RunError> {
    let entries = std::fs::read_dir(folder).map_err(|_| RunError::NotAFolder {
        path: folder.to_owned(),
    })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let mut inv = Inventory::default();
    for p in paths {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let (stem, ext) = name.rsplit_once('.').unwrap_or((name.as_str(), ""));
        let slot = match (stem, ext) {
            ("schools", "csv") => &mut inv.schools,
            ("tasks", "csv") => &mut inv.tasks,
            ("scales", "csv") => &mut inv.scales,
            ("medals", "csv") => &mut inv.medals,
            ("recheck", "csv") => &mut inv.recheck,
            (s, "csv" | "parquet") if s.starts_with("results") => {
                inv.results.push(p);
                continue;
            }
            // FIS OKO exports keep their own names («…Индивидуальные результаты.xlsx»).
            (_, "xlsx" | "xlsm" | "xls") => {
                inv.results.push(p);
                continue;
            }
            _ => {
                inv.ignored.push(p);
                continue;
            }
        };
        *slot = Some(p);
    }
    if inv.results.is_empty() {
        return Err(RunError::NoResults {
            folder: folder.to_owned(),
        });
    }
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
    let file = display_name(folder, path);
    let mut stats = FileStats {
        file: file.clone(),
        kind: kind.to_owned(),
        ..FileStats::default()
    };
    let table = Table::open(path);
    match &table {
        Ok(t) => {
            if let Some(d) = t.dialect {
                stats.encoding = d.encoding.to_owned();
                stats.delimiter = match d.delimiter {
                    b'\t' => "tab".to_owned(),
                    b => (b as char).to_string(),
                };
            } else {
                stats.encoding = "parquet".to_owned();
            }
        }
        Err(e) => stats.error = e.to_string(),
    }
    report.files.push(stats);
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
    report: &mut LoadReport,
) -> Result<workbook::Workbook, LoadError> {
    let file = display_name(folder, path);
    let wb = workbook::read(path, &file, report);
    report.files.push(FileStats {
        file,
        kind: "results".to_owned(),
        encoding: "xlsx (ФИС ОКО)".to_owned(),
        error: wb.as_ref().err().map(|e| e.to_string()).unwrap_or_default(),
        ..FileStats::default()
    });
    wb
}

fn is_workbook(path: &Path) -> bool {
    path.extension().is_some_and(|e| {
        ["xlsx", "xlsm", "xls"]
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
    for p in &inv.ignored {
        report.note(
            Level::Info,
            &display_name(folder, p),
            0,
            "файл не используется: его имя не из списка входных файлов (см. data/README.md)",
        );
    }
    let name = |p: &Path| display_name(folder, p);

    // schools.csv
    let schools_path = inv.schools.clone().ok_or_else(|| {
        RunError::Schools(LoadError::Io {
            path: folder.join("schools.csv"),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "файла нет в папке"),
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
            for p in paths {
                let f = name(p);
                bar.set_message(f.clone());
                let mut extra_rejected = 0;
                let table = if is_workbook(p) {
                    open_workbook(folder, p, report).map(|wb| {
                        extra_rejected = wb.rejected;
                        for (key, infos) in wb.tasks {
                            workbook_tasks.entry(key).or_insert(infos);
                        }
                        wb.table
                    })
                } else {
                    open(folder, p, kind, report)
                };
                let mut cx = results::Context {
                    schools: &schools,
                    tests: &mut tests,
                    codes: &mut codes,
                    report,
                };
                let loaded = table
                    .and_then(|t| results::load(&t, &f, &mut cx))
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
    };
    let spinner = progress.spinner("группировка работ по ячейкам");
    let results = assemble::assemble(&raws, &cx)?;
    drop(raws);
    let recheck = assemble::assemble(&recheck_raws, &cx)?;
    spinner.finish_and_clear();
    for part in [&results, &recheck] {
        report.rejected.extend(part.rejected.iter().cloned());
        report.notes.extend(part.notes.iter().cloned());
    }
    report.finish();
    let dataset = Dataset {
        schools,
        tests: results.blocks,
        codes,
        medals,
        recheck: recheck.blocks,
    };
    Ok(Loaded { dataset, report })
}
