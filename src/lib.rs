//! obektiv: signs of non-objective school assessment results (VPR, OGE, EGE).
//!
//! [`analyze`] reads top to bottom as the pipeline: load and validate the data
//! folder → cells → descriptive statistics → signs (parallel) → risk → lists →
//! outputs → the cross-check sample → the re-check results when recheck.csv
//! is present.

pub mod charts;
pub mod config;
pub mod describe;
pub mod error;
pub mod evaluate;
pub mod evidence;
pub mod load;
pub mod medals;
pub mod model;
pub mod output;
pub mod progress;
pub mod recheck;
pub mod report;
pub mod risk;
pub mod sample;
pub mod signs;
pub mod simulate;
pub mod stats;
pub mod timings;

use std::path::PathBuf;

use config::Config;
use error::{OutputError, RunError};
use load::report::LoadReport;
use model::Dataset;
use output::{csv_bytes, lists, tables, write_file};
use progress::Progress;

/// One analysis job: the validated configuration plus where to read and write.
#[derive(Clone, Debug)]
pub struct Job {
    pub data: PathBuf,
    pub out: PathBuf,
    pub config: Config,
    pub progress: Progress,
}

/// What a run did, for the closing message and the exit code.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Rows of every input file.
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
    /// (read, used, rejected) rows of the results files alone.
    pub results_rows: (u64, u64, u64),
    pub files_failed: usize,
    pub tests: usize,
    pub cells: usize,
    pub works: usize,
    pub marked_cells: usize,
    /// School-years on the risk list.
    pub listed: usize,
    /// Schools in the cross-check sample and works to re-check.
    pub sampled_schools: usize,
    pub sampled_works: usize,
    /// Re-check rows matched with works, and not matched.
    pub rechecked: usize,
    pub recheck_unmatched: usize,
    /// The municipality of `--municipality`: the list and sample counts are its own.
    pub municipality: Option<String>,
    /// Outputs not written on purpose, with the reason.
    pub skipped: Vec<String>,
    /// Outputs that failed: the file and the cause.
    pub failed: Vec<String>,
    pub written: Vec<String>,
}

impl Summary {
    fn new(report: &LoadReport) -> Summary {
        let (rows_read, rows_used, rows_rejected) = report.totals();
        let (results_rows, _) = report.results_totals();
        Summary {
            rows_read,
            rows_used,
            rows_rejected,
            results_rows,
            files_failed: report.files.iter().filter(|f| !f.error.is_empty()).count(),
            ..Summary::default()
        }
    }

    /// Whether some input was not used (rejected rows or unreadable files).
    pub fn incomplete(&self) -> bool {
        self.rows_rejected > 0 || self.files_failed > 0
    }
}

/// Loads and validates a folder without writing anything.
pub fn validate(
    data: &std::path::Path,
    progress: Progress,
) -> Result<(load::Loaded, Summary), RunError> {
    let loaded = timings::stage("загрузка и проверка данных", || {
        load::load_folder(data, &progress)
    })?;
    let mut summary = Summary::new(&loaded.report);
    summary.tests = loaded.dataset.tests.len();
    summary.cells = loaded.dataset.n_cells();
    summary.works = loaded.dataset.n_works();
    Ok((loaded, summary))
}

/// The data-quality outputs: rejected_rows.csv, files.csv, notes.csv.
pub fn write_quality(
    job: &Job,
    report: &LoadReport,
    summary: &mut Summary,
) -> Result<(), RunError> {
    let d = job.config.output.csv_dialect;
    let files = [
        (
            "rejected_rows.csv",
            csv_bytes(&tables::rejected_rows(report), d, "rejected_rows.csv")?,
        ),
        (
            "files.csv",
            csv_bytes(&tables::file_rows(report), d, "files.csv")?,
        ),
        (
            "notes.csv",
            csv_bytes(&tables::note_rows(report), d, "notes.csv")?,
        ),
    ];
    for (name, bytes) in files {
        write_file(&job.out, name, &bytes)?;
        summary.written.push(name.to_owned());
    }
    Ok(())
}

/// Everything computed from a loaded dataset.
pub struct Analysis {
    pub cells: Vec<(usize, usize, describe::Descriptives)>,
    pub results: signs::SignResults,
    pub evidence: evidence::Evidence,
    pub list: Vec<risk::ListEntry>,
    pub objective: Vec<risk::ObjectiveEntry>,
    pub sample: Option<sample::Sample>,
    pub recheck: Option<recheck::Recheck>,
    /// Medal holders against the EGE rule (data quality, not evidence).
    pub medals: Vec<medals::Check>,
    /// The schools of `--municipality`: the sample is drawn among them and
    /// the lists' files hold them alone (the справка shows the region too).
    pub scope: Option<report::Scope>,
}

impl Analysis {
    /// The risk list's entries of the scope's schools (all without one).
    pub fn list_in_scope(&self) -> Vec<risk::ListEntry> {
        (self.list.iter())
            .filter(|e| self.in_scope(e.school))
            .cloned()
            .collect()
    }

    /// The objective list's entries of the scope's schools.
    pub fn objective_in_scope(&self) -> Vec<risk::ObjectiveEntry> {
        (self.objective.iter())
            .filter(|e| self.in_scope(e.school))
            .cloned()
            .collect()
    }

    fn in_scope(&self, school: u32) -> bool {
        self.scope
            .as_ref()
            .is_none_or(|s| s.schools.contains(&school))
    }
}

/// Cells → signs → risk → lists → sample → re-check.
pub fn run_analysis(data: &Dataset, config: &Config, progress: Progress) -> Analysis {
    use timings::stage;
    let cells = stage(
        "ячейки: описательные статистики",
        || describe::all_cells(data),
    );
    let spinner = progress.spinner("проверка признаков");
    let mut results = stage("признаки", || signs::run(data, &config.signs));
    let evidence = stage(
        "калибровка и p-значения ячеек и ОО",
        || {
            evidence::assess(
                data,
                &mut results,
                &config.signs,
                config.lists.persistence_weight,
            )
        },
    );
    spinner.finish_and_clear();
    let (list, objective) = stage(
        "перечень и список объективных",
        || {
            (
                risk::risk_list(data, &results, &evidence),
                risk::objective_list(data, &evidence, &config.lists, config.signs.min_cells),
            )
        },
    );
    // `--municipality`: the cross-check sample is drawn among its schools.
    let scope = (config.output.municipality.as_deref())
        .and_then(|m| report::Scope::narrowing(data, m).ok().flatten());
    let sample = stage("выборка для перепроверки", || {
        let schools = scope.as_ref().map(|s| &s.schools);
        sample::draw(data, &results, &evidence, &list, &config.sample, schools)
    });
    let recheck = stage("результаты перепроверки", || {
        recheck::analyze(data, &evidence.cells, sample.as_ref(), &config.sample)
    });
    Analysis {
        cells,
        results,
        evidence,
        list,
        objective,
        sample,
        recheck,
        medals: medals::check(data),
        scope,
    }
}

/// Builds and writes one output file after another: a failure of one is
/// recorded in the summary with the file and its cause, and the others are
/// still written.
struct Emitter<'a> {
    job: &'a Job,
    summary: &'a mut Summary,
    /// Remarks made while writing (texts cut for Excel), for notes.csv.
    notes: Vec<load::report::Note>,
}

impl Emitter<'_> {
    fn emit(&mut self, name: &str, build: impl FnOnce() -> Result<Vec<u8>, OutputError>) {
        let written = timings::stage(name, || {
            build().and_then(|bytes| write_file(&self.job.out, name, &bytes))
        });
        match written {
            Ok(()) => self.summary.written.push(name.to_owned()),
            Err(e) => self.summary.failed.push(format!("{name}: {e}")),
        }
    }

    /// Records a file written elsewhere (a table streamed to disk as it is built).
    fn record(&mut self, name: &str, written: Result<(), OutputError>) {
        match written {
            Ok(()) => self.summary.written.push(name.to_owned()),
            Err(e) => self.summary.failed.push(format!("{name}: {e}")),
        }
    }

    /// An Excel twin of CSV tables; long texts are cut (with a note).
    fn emit_xlsx(
        &mut self,
        name: &str,
        sheets: impl FnOnce() -> Result<Vec<(&'static str, Vec<u8>)>, OutputError>,
    ) {
        let built = timings::stage(&format!("{name} (сборка)"), || xlsx(name, sheets));
        self.record_xlsx(name, built);
    }

    /// Writes a built workbook (or records why it could not be built).
    fn record_xlsx(&mut self, name: &str, built: Result<(Vec<u8>, usize), OutputError>) {
        let mut cut = 0;
        self.emit(name, || {
            let (bytes, n) = built?;
            cut = n;
            Ok(bytes)
        });
        if cut > 0 {
            self.notes.push(load::report::Note {
                level: load::report::Level::Warning,
                file: name.to_owned(),
                line: 0,
                message: format!(
                    "текст длиннее {} знаков не помещается в ячейку Excel: обрезан в ячейках: {cut} \
                     (в конце таких ячеек стоит пометка «{}»; полный текст — в CSV)",
                    output::xlsx_out::MAX_CELL_CHARS,
                    output::xlsx_out::CUT_MARKER.trim()
                ),
            });
        }
    }

    /// Rewrites notes.csv when writing added remarks.
    fn finish(mut self, report: &LoadReport) {
        if self.notes.is_empty() {
            return;
        }
        let mut all = report.clone();
        all.notes.append(&mut self.notes);
        all.notes.sort();
        let d = self.job.config.output.csv_dialect;
        let written = csv_bytes(&tables::note_rows(&all), d, "notes.csv")
            .and_then(|bytes| write_file(&self.job.out, "notes.csv", &bytes));
        if let Err(e) = written {
            self.summary.failed.push(format!("notes.csv: {e}"));
        }
    }
}

/// The cross-check sample and the re-check results.
fn sample_outputs(e: &mut Emitter<'_>, data: &Dataset, a: &Analysis) {
    use output::recheck as rc;
    let d = e.job.config.output.csv_dialect;
    if let Some(s) = &a.sample {
        e.emit("recheck_sample.csv", || {
            csv_bytes(&rc::sample_rows(data, s), d, "recheck_sample.csv")
        });
        e.emit("recheck_works.csv", || {
            csv_bytes(&rc::work_rows(data, s), d, "recheck_works.csv")
        });
    }
    if let Some(r) = &a.recheck {
        let mut say = |message: String| {
            e.notes.push(load::report::Note {
                level: load::report::Level::Warning,
                file: "recheck.csv".to_owned(),
                line: 0,
                message,
            })
        };
        if r.not_rechecked > 0 {
            say(format!(
                "работ из выборки нет в перепроверке: {} (в выборке {}; их ОО оцениваются по \
                 перепроверенным работам)",
                r.not_rechecked,
                a.sample.as_ref().map_or(0, |s| s.works.len())
            ));
        }
        if r.outside_sample > r.works.len() / 2 {
            say(format!(
                "из {} перепроверенных работ {} не входят в эту выборку: перепроверка, видимо, \
                 по другой жеребьёвке (другой seed или год в настройках [sample])",
                r.works.len(),
                r.outside_sample
            ));
        } else if r.outside_sample > 0 {
            say(format!(
                "из {} перепроверенных работ {} не входят в эту выборку: они учтены в \
                 recheck_results.csv и recheck_schools.csv с группой outside (вне выборки)",
                r.works.len(),
                r.outside_sample
            ));
        }
        e.emit("recheck_results.csv", || {
            csv_bytes(&rc::result_rows(data, r), d, "recheck_results.csv")
        });
        e.emit("recheck_schools.csv", || {
            csv_bytes(&rc::school_rows(data, r), d, "recheck_schools.csv")
        });
        e.emit("recheck_strata.csv", || {
            csv_bytes(&rc::stratum_rows(r), d, "recheck_strata.csv")
        });
        e.emit("recheck_unmatched.csv", || {
            csv_bytes(&rc::unmatched_rows(data, r), d, "recheck_unmatched.csv")
        });
    }
}

/// An Excel twin of CSV tables: its bytes and the number of texts cut.
fn xlsx(
    name: &str,
    sheets: impl FnOnce() -> Result<Vec<(&'static str, Vec<u8>)>, OutputError>,
) -> Result<(Vec<u8>, usize), OutputError> {
    let sheets = sheets()?;
    let named: Vec<(&str, &[u8])> = sheets.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    output::excel::xlsx_bytes(&named, name)
}

/// cells.xlsx, the largest workbook, built apart (on another core while the
/// other outputs are written); only where the cells fit Excel's row limit.
fn cells_xlsx(
    data: &Dataset,
    a: &Analysis,
    report: &LoadReport,
) -> Result<(Vec<u8>, usize), OutputError> {
    timings::stage("cells.xlsx (сборка)", || {
        xlsx("cells.xlsx", || {
            let rows: Vec<_> =
                tables::cell_rows(data, &a.cells, &a.evidence.cells, report).collect();
            let plain = config::CsvDialect::Plain;
            Ok(vec![("Ячейки", csv_bytes(&rows, plain, "cells.csv")?)])
        })
    })
}

/// risk_list.xlsx (with the objective list), recheck_sample.xlsx and
/// quality.xlsx: the same rows as the CSVs (cells.xlsx: [`cells_xlsx`]). A
/// table longer than Excel's row limit gets no xlsx (said in `skipped`).
fn excel_outputs(e: &mut Emitter<'_>, data: &Dataset, a: &Analysis, report: &LoadReport) {
    use output::excel::MAX_ROWS;
    use output::recheck as rc;
    let plain = config::CsvDialect::Plain;
    e.emit_xlsx("risk_list.xlsx", || {
        Ok(vec![
            (
                "Перечень",
                lists::risk_list_bytes(data, &a.list_in_scope(), plain)?,
            ),
            (
                "Объективные результаты",
                csv_bytes(
                    &lists::objective_rows(data, &a.objective_in_scope()),
                    plain,
                    "objective_list.csv",
                )?,
            ),
        ])
    });
    if report.rejected.len() < MAX_ROWS {
        e.emit_xlsx("quality.xlsx", || {
            Ok(vec![
                (
                    "Файлы",
                    csv_bytes(&tables::file_rows(report), plain, "files.csv")?,
                ),
                (
                    "Отклонённые строки",
                    csv_bytes(&tables::rejected_rows(report), plain, "rejected_rows.csv")?,
                ),
                (
                    "Замечания",
                    csv_bytes(&tables::note_rows(report), plain, "notes.csv")?,
                ),
            ])
        });
    } else {
        e.summary.skipped.push(format!(
            "quality.xlsx: отклонённых строк {} — больше предела Excel ({MAX_ROWS} строк); \
             используйте rejected_rows.csv",
            report.rejected.len()
        ));
    }
    if a.cells.len() >= MAX_ROWS {
        e.summary.skipped.push(format!(
            "cells.xlsx: ячеек {} — больше предела Excel ({MAX_ROWS} строк); используйте cells.csv",
            a.cells.len()
        ));
    }
    if let Some(s) = &a.sample {
        e.emit_xlsx("recheck_sample.xlsx", || {
            Ok(vec![
                (
                    "Школы",
                    csv_bytes(&rc::sample_rows(data, s), plain, "recheck_sample.csv")?,
                ),
                (
                    "Работы",
                    csv_bytes(&rc::work_rows(data, s), plain, "recheck_works.csv")?,
                ),
            ])
        });
    }
}

/// Why no work could be used, naming the files and their causes.
fn nothing_usable(report: &LoadReport) -> String {
    let failed: Vec<String> = (report.files.iter())
        .filter(|f| !f.error.is_empty())
        .map(|f| format!("{} — {}", f.file, f.error))
        .collect();
    let rejected = report.rejected.len();
    let mut parts = Vec::new();
    if !failed.is_empty() {
        parts.push(format!("не прочитаны файлы: {}", failed.join("; ")));
    }
    if rejected > 0 {
        parts.push(format!(
            "отклонено строк: {rejected} (строка и причина каждой — в rejected_rows.csv)"
        ));
    }
    if parts.is_empty() {
        parts.push("в файлах с результатами нет ни одной строки данных".to_owned());
    }
    parts.join("; ")
}

fn count_sample(summary: &mut Summary, a: &Analysis) {
    summary.listed = a.list_in_scope().len();
    summary.municipality = a.scope.as_ref().map(|s| s.name.clone());
    summary.marked_cells = a.evidence.cells.iter().filter(|v| v.marker).count();
    if let Some(s) = &a.sample {
        summary.sampled_schools = s
            .schools
            .iter()
            .filter(|x| x.stratum != sample::Stratum::Excluded)
            .count();
        summary.sampled_works = s.works.len();
    }
    if let Some(r) = &a.recheck {
        summary.rechecked = r.works.len();
        summary.recheck_unmatched = r.unmatched.len();
    }
}

/// Loads, writes the data-quality files and runs the analysis.
fn load_and_analyze(job: &Job) -> Result<(load::Loaded, Summary, Analysis), RunError> {
    let (loaded, mut summary) = validate(&job.data, job.progress)?;
    timings::stage("файлы качества данных", || {
        write_quality(job, &loaded.report, &mut summary)
    })?;
    if loaded.dataset.n_works() == 0 {
        return Err(RunError::NothingUsable {
            why: nothing_usable(&loaded.report),
        });
    }
    // An unknown municipality or sample year is refused before the long
    // part of the run.
    if let Some(m) = &job.config.output.municipality {
        report::Scope::find(&loaded.dataset, m)?;
    }
    let years: std::collections::BTreeSet<u16> =
        (loaded.dataset.tests.iter()).map(|b| b.key.year).collect();
    if let Some(year) = job.config.sample.year.filter(|y| !years.contains(y)) {
        return Err(RunError::UnknownYear {
            year,
            known: (years.iter())
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let a = run_analysis(&loaded.dataset, &job.config, job.progress);
    count_sample(&mut summary, &a);
    Ok((loaded, summary, a))
}

/// `obektiv sample`: the analysis, writing only the data-quality files, the
/// cross-check sample and (with recheck.csv) the re-check results.
pub fn sample_only(job: &Job) -> Result<Summary, RunError> {
    let (loaded, mut summary, a) = load_and_analyze(job)?;
    let mut e = Emitter {
        job,
        summary: &mut summary,
        notes: Vec::new(),
    };
    sample_outputs(&mut e, &loaded.dataset, &a);
    e.finish(&loaded.report);
    Ok(summary)
}

/// The whole analysis: load → validate → cells → signs → risk → lists →
/// sample → re-check → outputs. Each output is written on its own: one that
/// fails is named in [`Summary::failed`] and the others are still written.
pub fn analyze(job: &Job) -> Result<Summary, RunError> {
    output::make_out_dir(&job.out)?;
    let (loaded, mut summary, a) = load_and_analyze(job)?;
    let (data, report) = (&loaded.dataset, &loaded.report);
    let scope = (job.config.output.municipality.as_deref())
        .map(|m| report::Scope::narrowing(data, m))
        .transpose()?
        .flatten();
    let d = job.config.output.csv_dialect;
    let mut e = Emitter {
        job,
        summary: &mut summary,
        notes: Vec::new(),
    };
    if let (Some(m), None) = (&job.config.output.municipality, &scope) {
        e.notes.push(load::report::Note {
            level: load::report::Level::Info,
            file: String::new(),
            line: 0,
            message: format!(
                "в папке только ОО муниципалитета «{m}»: справка составлена по всей папке, \
                 как без параметра --municipality"
            ),
        });
    }
    let at = e.summary.written.len();
    let findings = || {
        timings::stage("findings.csv", || {
            let index = data.cell_index();
            output::stream_csv_par::<lists::FindingRow>(
                &job.out,
                "findings.csv",
                index.len(),
                |r, w| {
                    let rows = job.config.output.findings;
                    lists::write_findings(data, &a.results, &a.evidence.cells, &index, r, rows, w)
                },
                d,
            )
        })
    };
    // The long serial write goes alone to one side — cells.xlsx where it is
    // built, else findings.csv — and everything else to the other, so that
    // the serial workbook starts first and its tables are built on both cores.
    let book = a.cells.len() < output::excel::MAX_ROWS;
    let ((findings_csv, cells_book), cells_csv) = rayon::join(
        || {
            if book {
                (None, Some(cells_xlsx(data, &a, report)))
            } else {
                (Some(findings()), None)
            }
        },
        || {
            let csv = timings::stage("cells.csv", || {
                output::stream_csv(
                    &job.out,
                    "cells.csv",
                    tables::cell_rows(data, &a.cells, &a.evidence.cells, report),
                    d,
                )
            });
            e.emit("region.csv", || {
                csv_bytes(&tables::region_rows(data), d, "region.csv")
            });
            if book {
                e.record("findings.csv", findings());
            }
            e.emit("risk_list.csv", || {
                lists::risk_list_bytes(data, &a.list_in_scope(), d)
            });
            e.emit("objective_list.csv", || {
                csv_bytes(
                    &lists::objective_rows(data, &a.objective_in_scope()),
                    d,
                    "objective_list.csv",
                )
            });
            sample_outputs(&mut e, data, &a);
            excel_outputs(&mut e, data, &a, report);
            let spinner = job.progress.spinner("аналитическая справка");
            let inputs = report::Inputs {
                data,
                analysis: &a,
                load: report,
                config: &job.config,
                scope,
            };
            output::clear_charts(&job.out);
            match report::write(&job.out, &inputs) {
                Ok(written) => e.summary.written.extend(written),
                Err(err) => e.summary.failed.push(format!("report.html: {err}")),
            }
            spinner.finish_and_clear();
            csv
        },
    );
    for (name, written) in [
        ("findings.csv", findings_csv),
        ("cells.csv", Some(cells_csv)),
    ] {
        match written {
            Some(Ok(())) => e.summary.written.insert(at, name.to_owned()),
            Some(Err(err)) => e.summary.failed.push(format!("{name}: {err}")),
            None => {}
        }
    }
    if let Some(built) = cells_book {
        e.record_xlsx("cells.xlsx", built);
    }
    // An earlier run's files that this one did not write again (and any it
    // failed to finish).
    let removed = output::remove_unwritten(&job.out, &e.summary.written);
    let gone: Vec<&str> = (removed.iter().map(String::as_str))
        .filter(|f| {
            !e.summary
                .failed
                .iter()
                .any(|x| x.starts_with(&format!("{f}:")))
        })
        .collect();
    if !gone.is_empty() {
        e.notes.push(load::report::Note {
            level: load::report::Level::Info,
            file: String::new(),
            line: 0,
            message: format!(
                "в папке результатов были файлы прежнего запуска, которые этот запуск не \
                 пишет: {}; они удалены, чтобы не смешивать результаты разных запусков",
                gone.join(", ")
            ),
        });
    }
    // Medals whose holders' EGE results do not meet the rule: a note each.
    for c in (a.medals.iter()).filter(|c| c.outcome == medals::Outcome::NotMet) {
        let school = &data.schools[c.school as usize];
        e.notes.push(load::report::Note {
            level: load::report::Level::Warning,
            file: "medals.csv".to_owned(),
            line: 0,
            message: format!(
                "{} год, {} ({}), участник {}: {}",
                c.year,
                school.name,
                school.id,
                c.student,
                medals::reason(c)
            ),
        });
    }
    e.finish(report);
    Ok(summary)
}
