//! findings.csv, risk_list.csv and objective_list.csv.

use std::borrow::Cow;
use std::collections::BTreeSet;

/// How the reasons of a listed school begin in risk_list.csv (the xlsx drops
/// it: its header says it); the cells' reasons are joined by « | ».
pub const REASONS_PREFIX: &str =
    "Признаки необъективности (требуют проверки, не являются выводом о нарушении): ";

use serde::Serialize;

use crate::config::CsvDialect;
use crate::error::OutputError;
use crate::model::Dataset;
use crate::risk::{ListEntry, ObjectiveEntry, cell_kind};
use crate::signs::{REGISTRY, SignResults};

use super::{records_bytes, round, safe_bytes, safe_text};

/// One row of findings.csv: a cell × a sign (borrowing its texts).
#[derive(Debug, Default, Serialize)]
pub struct FindingRow<'a> {
    pub year: u16,
    pub exam: &'static str,
    pub subject: &'a str,
    pub grade: u8,
    pub school: Utf8<'a>,
    pub sign: &'static str,
    pub evaluated: bool,
    pub statistic: Option<f64>,
    pub p_value: Option<f64>,
    /// The p-value against the sign's null fitted on the region (crate::evidence).
    pub p_calibrated: Option<f64>,
    pub q_value: Option<f64>,
    pub effect: Option<f64>,
    pub fired: bool,
    pub note: Utf8<'a>,
    pub reason: Utf8<'a>,
}

/// A text given as its UTF-8 bytes, written to CSV as they are.
#[derive(Debug, Default)]
pub struct Utf8<'a>(Cow<'a, [u8]>);

impl Serialize for Utf8<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

/// Serializes into `w` the rows of findings.csv of the cells `range` of
/// `index` (all, or those with numbers: `rows`), cell by cell (the table of a
/// national year is written without being held, see
/// [`super::stream_csv_par`]). The range is taken test by test, each test's
/// texts read back for those cells only.
pub fn write_findings(
    data: &Dataset,
    results: &SignResults,
    cells: &[crate::evidence::CellVerdict],
    index: &[(usize, usize)],
    range: std::ops::Range<usize>,
    rows: crate::config::FindingsRows,
    w: &mut csv::Writer<Vec<u8>>,
) -> Result<(), csv::Error> {
    let all = rows == crate::config::FindingsRows::All;
    let mut at = range.start;
    while at < range.end {
        // The range cut at the tests' boundaries.
        let (t, _) = index[at];
        let (lo, hi) = (
            at,
            (results.first_cell.get(t + 1).copied())
                .unwrap_or(usize::MAX)
                .min(range.end),
        );
        at = hi;
        let first = results.first_cell[t];
        let local = lo - first..hi - first;
        let notes: Vec<_> = (results.texts.iter())
            .map(|by_test| by_test[t].notes(local.clone()))
            .collect();
        // Reasons are written where a sign fired: read back only then.
        let reasons: Vec<Option<_>> = (results.texts.iter().zip(&results.findings))
            .map(|(by_test, findings)| {
                (findings[lo..hi].iter().any(|f| f.fired))
                    .then(|| by_test[t].reasons(local.clone()))
            })
            .collect();
        let block = &data.tests[t];
        for i in lo..hi {
            let (_, c) = index[i];
            let school = safe_bytes(data.schools[block.cells[c].school as usize].id.as_bytes());
            for (s, sign) in REGISTRY.iter().enumerate() {
                let f = &results.findings[s][i];
                if !(all || f.evaluated || f.statistic().is_some()) {
                    continue;
                }
                let j = i - first;
                w.serialize(FindingRow {
                    year: block.key.year,
                    exam: block.key.exam.code(),
                    subject: &block.key.subject,
                    grade: block.key.grade,
                    school: Utf8(Cow::Borrowed(&school)),
                    sign: sign.id(),
                    evaluated: f.evaluated,
                    statistic: round(f.statistic(), 4),
                    p_value: f.p_value().map(sig6),
                    p_calibrated: cells[i].calibrated[s].map(sig6),
                    q_value: f.q_value().map(sig6),
                    effect: round(f.effect(), 4),
                    fired: f.fired,
                    note: Utf8(safe_bytes(notes[s].bytes(j))),
                    // The reason says why a sign counts against the cell:
                    // only where it fired.
                    reason: Utf8(match &reasons[s] {
                        Some(r) if f.fired => safe_bytes(r.bytes(j)),
                        _ => Cow::Borrowed(b""),
                    }),
                })?;
            }
        }
    }
    Ok(())
}

/// Six significant digits (p-values span many orders of magnitude).
pub fn sig6(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let mag = x.abs().log10().floor() as i32;
    let f = 10f64.powi(5 - mag);
    (x * f).round() / f
}

/// A p-value as text: six significant digits, in exponent form below 0.001.
fn p_text(p: f64) -> String {
    if p != 0.0 && p.abs() < 1e-3 {
        format!("{:.5e}", p)
    } else {
        sig6(p).to_string()
    }
}

/// risk_list.csv: one column per cell kind present in the data.
pub fn risk_list_bytes(
    data: &Dataset,
    list: &[ListEntry],
    dialect: CsvDialect,
) -> Result<Vec<u8>, OutputError> {
    let kinds: Vec<String> = {
        let mut set: Vec<(String, (u8, u8, String))> = (0..data.tests.len())
            .map(|t| {
                let k = &data.tests[t].key;
                (
                    cell_kind(data, t),
                    (k.exam as u8, k.grade, k.subject.clone()),
                )
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        set.sort_by(|a, b| a.1.cmp(&b.1));
        set.dedup_by(|a, b| a.0 == b.0);
        set.into_iter().map(|(k, _)| k).collect()
    };
    let mut header: Vec<String> = ["year", "school", "name", "municipality"]
        .map(String::from)
        .to_vec();
    header.extend(kinds.iter().cloned());
    header.extend(
        [
            "markers",
            "consecutive_years",
            "evidence",
            "p_value",
            "weight",
            "q_value",
            "risk",
            "reasons",
        ]
        .map(String::from),
    );
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|e| {
            let s = &data.schools[e.school as usize];
            let mut r = vec![
                e.year.to_string(),
                safe_text(&s.id),
                safe_text(&s.name),
                safe_text(&s.municipality),
            ];
            r.extend(
                kinds
                    .iter()
                    .map(|k| e.cells.get(k).cloned().unwrap_or_default()),
            );
            r.push(e.markers.to_string());
            r.push(e.consecutive_years.to_string());
            r.push(format!("{:.3}", e.evidence));
            r.push(p_text(e.p_value));
            r.push(format!("{:.3}", e.weight));
            r.push(p_text(e.q_value));
            r.push(format!("{:.4}", e.risk));
            r.push(safe_text(&format!(
                "{REASONS_PREFIX}{}",
                e.reasons.join(" | ")
            )));
            r
        })
        .collect();
    records_bytes(&header, &rows, dialect, "risk_list.csv")
}

#[derive(Debug, Default, Serialize)]
pub struct ObjectiveRow {
    pub year: u16,
    pub school: String,
    pub name: String,
    pub municipality: String,
    pub kind: String,
    pub cells_evaluated: usize,
    pub works: usize,
}

pub fn objective_rows(data: &Dataset, list: &[ObjectiveEntry]) -> Vec<ObjectiveRow> {
    list.iter()
        .map(|e| {
            let s = &data.schools[e.school as usize];
            ObjectiveRow {
                year: e.year,
                school: safe_text(&s.id),
                name: safe_text(&s.name),
                municipality: safe_text(&s.municipality),
                kind: safe_text(&s.kind),
                cells_evaluated: e.cells_evaluated,
                works: e.works,
            }
        })
        .collect()
}
