//! obektiv: signs of non-objective school assessment results (VPR, OGE, EGE).
//!
//! [`analyze`] reads top to bottom as the pipeline: load and validate the data
//! folder → cells → descriptive statistics → signs (parallel) → risk → lists →
//! outputs. The cross-check sample is a later stage of the same pipeline.

pub mod config;
pub mod describe;
pub mod error;
pub mod evaluate;
pub mod load;
pub mod model;
pub mod output;
pub mod progress;
pub mod risk;
pub mod signs;
pub mod simulate;
pub mod stats;

use std::path::PathBuf;

use config::Config;
use error::RunError;
use load::report::LoadReport;
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
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
    pub files_failed: usize,
    pub tests: usize,
    pub cells: usize,
    pub works: usize,
    pub marked_cells: usize,
    /// School-years on the risk list.
    pub listed: usize,
    pub written: Vec<String>,
}

impl Summary {
    fn new(report: &LoadReport) -> Summary {
        let (rows_read, rows_used, rows_rejected) = report.totals();
        Summary {
            rows_read,
            rows_used,
            rows_rejected,
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
    let loaded = load::load_folder(data, &progress)?;
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

/// The whole analysis: load → validate → cells → signs → risk → lists → outputs.
pub fn analyze(job: &Job) -> Result<Summary, RunError> {
    let (loaded, mut summary) = validate(&job.data, job.progress)?;
    let (data, report) = (&loaded.dataset, &loaded.report);
    write_quality(job, report, &mut summary)?;
    if data.n_works() == 0 {
        return Err(RunError::NothingUsable);
    }
    let cells = describe::all_cells(data);
    let spinner = job.progress.spinner("evaluating the signs");
    let results = signs::run(data, &job.config.signs);
    spinner.finish_and_clear();
    let verdicts = risk::combine(&results, &job.config.signs);
    let list = risk::risk_list(data, &results, &verdicts, &job.config.lists);
    let objective = risk::objective_list(data, &results, &job.config.lists);
    summary.listed = list.len();
    summary.marked_cells = verdicts.iter().filter(|v| v.marker).count();
    let d = job.config.output.csv_dialect;
    let outputs = [
        (
            "cells.csv",
            csv_bytes(
                &tables::cell_rows(data, &cells, &verdicts, report),
                d,
                "cells.csv",
            )?,
        ),
        (
            "region.csv",
            csv_bytes(&tables::region_rows(data), d, "region.csv")?,
        ),
        (
            "findings.csv",
            csv_bytes(&lists::finding_rows(data, &results), d, "findings.csv")?,
        ),
        ("risk_list.csv", lists::risk_list_bytes(data, &list, d)?),
        (
            "objective_list.csv",
            csv_bytes(
                &lists::objective_rows(data, &objective),
                d,
                "objective_list.csv",
            )?,
        ),
    ];
    for (name, bytes) in outputs {
        write_file(&job.out, name, &bytes)?;
        summary.written.push(name.to_owned());
    }
    Ok(summary)
}
