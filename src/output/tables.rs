//! Rows of the CSV outputs: cells.csv, region.csv, rejected_rows.csv,
//! files.csv and notes.csv.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::describe::Descriptives;
use crate::load::report::{FileStats, LoadReport, Note, Rejected};
use crate::model::{Dataset, Exam, TestKey};

use super::{round, safe_text};

/// One row of cells.csv (year × exam × subject × grade × school).
#[derive(Debug, Default, Serialize)]
pub struct CellRow {
    pub year: u16,
    pub exam: &'static str,
    pub subject: String,
    pub grade: u8,
    pub school: String,
    pub name: String,
    pub municipality: String,
    pub kind: String,
    pub n: usize,
    pub n_tasks: usize,
    pub max_primary: Option<f64>,
    pub mean_primary: Option<f64>,
    pub sd_primary: Option<f64>,
    pub mean_percent: Option<f64>,
    pub n_marked: usize,
    pub share_2: Option<f64>,
    pub share_3: Option<f64>,
    pub share_4: Option<f64>,
    pub share_5: Option<f64>,
    pub n_journal: usize,
    pub share_lowered: Option<f64>,
    pub share_confirmed: Option<f64>,
    pub share_raised: Option<f64>,
    pub n_test_score: usize,
    pub mean_test_score: Option<f64>,
    pub share_below_min: Option<f64>,
    pub not_done_share: Option<f64>,
    pub mark_scale_disagreements: usize,
    pub rows_rejected: usize,
    /// See [`crate::risk`].
    pub risk: Option<f64>,
    /// −log10 of the cell's combined p-value (see crate::evidence).
    pub evidence: Option<f64>,
    pub p_value: Option<f64>,
    pub marker: Option<bool>,
    pub signs: String,
}

/// One row of region.csv: a test's regional reference.
#[derive(Debug, Default, Serialize)]
pub struct RegionRow {
    pub year: u16,
    pub exam: &'static str,
    pub subject: String,
    pub grade: u8,
    pub n: usize,
    pub schools: usize,
    pub n_tasks: usize,
    pub max_primary: Option<f64>,
    pub mean_primary: Option<f64>,
    pub sd_primary: Option<f64>,
    pub mean_percent: Option<f64>,
    pub share_2: Option<f64>,
    pub share_3: Option<f64>,
    pub share_4: Option<f64>,
    pub share_5: Option<f64>,
    pub share_lowered: Option<f64>,
    pub share_confirmed: Option<f64>,
    pub share_raised: Option<f64>,
    pub mean_test_score: Option<f64>,
    pub share_below_min: Option<f64>,
    pub scale: String,
}

fn shares<const N: usize>(x: Option<[f64; N]>) -> [Option<f64>; N] {
    std::array::from_fn(|i| round(x.map(|a| a[i]), 4))
}

/// The rows of cells.csv (an iterator, written as it is built: see
/// [`super::stream_csv`]).
pub fn cell_rows<'a>(
    data: &'a Dataset,
    cells: &'a [(usize, usize, Descriptives)],
    verdicts: &'a [crate::risk::CellVerdict],
    report: &'a LoadReport,
) -> impl Iterator<Item = CellRow> + 'a {
    let mut rejected: BTreeMap<(&TestKey, u32), usize> = BTreeMap::new();
    for r in &report.rejected {
        if let Some((k, s)) = &r.cell {
            *rejected.entry((k, *s)).or_default() += 1;
        }
    }
    cells.iter().zip(verdicts).map(move |((t, c, d), v)| {
        let block = &data.tests[*t];
        let span = block.cells[*c];
        let school = &data.schools[span.school as usize];
        let [s2, s3, s4, s5] = shares(d.mark_shares);
        let [lo, eq, hi] = shares(d.vs_journal);
        CellRow {
            year: block.key.year,
            exam: block.key.exam.code(),
            subject: block.key.subject.clone(),
            grade: block.key.grade,
            school: safe_text(&school.id),
            name: safe_text(&school.name),
            municipality: safe_text(&school.municipality),
            kind: safe_text(&school.kind),
            n: d.n,
            n_tasks: block.tasks.len(),
            max_primary: block.max_primary().map(f64::from),
            mean_primary: round(d.mean_primary, 3),
            sd_primary: round(d.sd_primary, 3),
            mean_percent: round(d.mean_percent, 4),
            n_marked: d.n_marked,
            share_2: s2,
            share_3: s3,
            share_4: s4,
            share_5: s5,
            n_journal: d.n_journal,
            share_lowered: lo,
            share_confirmed: eq,
            share_raised: hi,
            n_test_score: d.n_test_score,
            mean_test_score: round(d.mean_test_score, 3),
            share_below_min: round(d.share_below_min, 4),
            not_done_share: round(d.not_done_share, 4),
            mark_scale_disagreements: d.mark_scale_disagreements,
            rows_rejected: rejected
                .get(&(&block.key, span.school))
                .copied()
                .unwrap_or(0),
            risk: round(Some(v.risk), 4),
            evidence: round(Some(v.evidence), 3),
            p_value: v.p_value.map(super::lists::sig6),
            marker: Some(v.marker),
            signs: v
                .signs
                .iter()
                .map(|&s| crate::signs::REGISTRY[s].id())
                .collect::<Vec<_>>()
                .join(";"),
        }
    })
}

pub fn region_rows(data: &Dataset) -> Vec<RegionRow> {
    data.tests
        .iter()
        .map(|b| {
            let d = crate::describe::region(b);
            let [s2, s3, s4, s5] = shares(d.mark_shares);
            let [lo, eq, hi] = shares(d.vs_journal);
            RegionRow {
                year: b.key.year,
                exam: b.key.exam.code(),
                subject: b.key.subject.clone(),
                grade: b.key.grade,
                n: d.n,
                schools: b.cells.len(),
                n_tasks: b.tasks.len(),
                max_primary: b.max_primary().map(f64::from),
                mean_primary: round(d.mean_primary, 3),
                sd_primary: round(d.sd_primary, 3),
                mean_percent: round(d.mean_percent, 4),
                share_2: s2,
                share_3: s3,
                share_4: s4,
                share_5: s5,
                share_lowered: lo,
                share_confirmed: eq,
                share_raised: hi,
                mean_test_score: round(d.mean_test_score, 3),
                share_below_min: round(d.share_below_min, 4),
                scale: b.scale.as_ref().map_or_else(
                    || {
                        if b.key.exam == Exam::Ege {
                            "—".to_owned()
                        } else {
                            "нет шкалы".to_owned()
                        }
                    },
                    |s| safe_text(&s.origin),
                ),
            }
        })
        .collect()
}

/// rejected_rows.csv: file, line, column, value, reason.
#[derive(Debug, Default, Serialize)]
pub struct RejectedRow {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub value: String,
    pub reason: String,
}

pub fn rejected_rows(report: &LoadReport) -> Vec<RejectedRow> {
    report
        .rejected
        .iter()
        .map(|r: &Rejected| RejectedRow {
            file: safe_text(&r.file),
            line: r.line,
            column: safe_text(&r.column),
            value: safe_text(&r.value),
            reason: safe_text(&r.reason),
        })
        .collect()
}

pub fn file_rows(report: &LoadReport) -> Vec<FileStats> {
    report
        .files
        .iter()
        .map(|f| FileStats {
            file: safe_text(&f.file),
            error: safe_text(&f.error),
            skipped: safe_text(&f.skipped),
            ..f.clone()
        })
        .collect()
}

pub fn note_rows(report: &LoadReport) -> Vec<Note> {
    report
        .notes
        .iter()
        .map(|n| Note {
            file: safe_text(&n.file),
            message: safe_text(&n.message),
            ..n.clone()
        })
        .collect()
}
