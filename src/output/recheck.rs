//! recheck_sample.csv, recheck_works.csv and the re-check results
//! (recheck_results.csv, recheck_schools.csv, recheck_strata.csv,
//! recheck_unmatched.csv).

use serde::Serialize;

use crate::model::{Dataset, NO_MARK};
use crate::recheck::{Estimate, Recheck};
use crate::sample::Sample;

use super::{round, safe_text};

fn mark(m: u8) -> Option<u8> {
    (m != NO_MARK).then_some(m)
}

#[derive(Debug, Default, Serialize)]
pub struct SampleRow {
    pub year: u16,
    pub school: String,
    pub name: String,
    pub municipality: String,
    pub stratum: &'static str,
    pub stratum_name: &'static str,
    pub order: usize,
    pub works: usize,
    pub size_class: &'static str,
    pub evidence: Option<f64>,
    pub markers: usize,
    pub result: Option<f64>,
    pub reason: String,
    pub seed: u64,
    pub method: String,
}

pub fn sample_rows(data: &Dataset, s: &Sample) -> Vec<SampleRow> {
    s.schools
        .iter()
        .map(|x| {
            let school = &data.schools[x.school as usize];
            SampleRow {
                year: s.year,
                school: safe_text(&school.id),
                name: safe_text(&school.name),
                municipality: safe_text(&school.municipality),
                stratum: x.stratum.code(),
                stratum_name: x.stratum.russian(),
                order: x.order,
                works: x.works,
                size_class: x.size_class,
                evidence: round(Some(x.evidence), 3),
                markers: x.markers,
                result: round(x.result, 3),
                reason: safe_text(&x.reason),
                seed: s.seed,
                method: s.method.clone(),
            }
        })
        .collect()
}

#[derive(Debug, Default, Serialize)]
pub struct WorkRow {
    pub year: u16,
    pub exam: &'static str,
    pub subject: String,
    pub grade: u8,
    pub school: String,
    pub name: String,
    pub class: String,
    pub student: String,
    pub variant: Option<u16>,
    pub primary: f32,
    pub mark: Option<u8>,
    pub journal_mark: Option<u8>,
    pub stratum: &'static str,
    pub reason: &'static str,
    pub reason_text: String,
    pub in_marked_cell: bool,
    pub seed: u64,
}

pub fn work_rows(data: &Dataset, s: &Sample) -> Vec<WorkRow> {
    s.works
        .iter()
        .map(|w| {
            let b = &data.tests[w.test];
            let school = &data.schools[w.school as usize];
            WorkRow {
                year: b.key.year,
                exam: b.key.exam.code(),
                subject: b.key.subject.clone(),
                grade: b.key.grade,
                school: safe_text(&school.id),
                name: safe_text(&school.name),
                class: safe_text(data.codes.get(b.class[w.row])),
                student: safe_text(data.codes.get(b.student[w.row])),
                variant: b.variant.get(w.row).copied().filter(|&v| v != 0),
                primary: b.primary[w.row],
                mark: mark(b.mark[w.row]),
                journal_mark: mark(b.journal[w.row]),
                stratum: w.stratum.code(),
                reason: w.reason.code(),
                reason_text: w.detail.clone(),
                in_marked_cell: w.in_marked_cell,
                seed: s.seed,
            }
        })
        .collect()
}

#[derive(Debug, Default, Serialize)]
pub struct ResultRow {
    pub year: u16,
    pub exam: &'static str,
    pub subject: String,
    pub grade: u8,
    pub school: String,
    pub student: String,
    pub primary_before: f32,
    pub primary_after: f32,
    pub change: f32,
    pub mark_before: Option<u8>,
    pub mark_after: Option<u8>,
    pub mark_changed: bool,
    pub in_marked_cell: bool,
    pub stratum: &'static str,
    pub reason: &'static str,
}

pub fn result_rows(data: &Dataset, r: &Recheck) -> Vec<ResultRow> {
    r.works
        .iter()
        .map(|w| {
            let b = &data.tests[w.test];
            let (mb, ma) = (mark(w.mark_before), mark(w.mark_after));
            ResultRow {
                year: b.key.year,
                exam: b.key.exam.code(),
                subject: b.key.subject.clone(),
                grade: b.key.grade,
                school: safe_text(&data.schools[w.school as usize].id),
                student: safe_text(data.codes.get(b.student[w.row])),
                primary_before: w.primary_before,
                primary_after: w.primary_after,
                change: w.primary_after - w.primary_before,
                mark_before: mb,
                mark_after: ma,
                mark_changed: mb.is_some() && ma.is_some() && mb != ma,
                in_marked_cell: w.in_marked_cell,
                stratum: w.stratum.map_or("outside", |s| s.code()),
                reason: w.reason.map_or("", |r| r.code()),
            }
        })
        .collect()
}

#[derive(Debug, Default, Serialize)]
pub struct SchoolRow {
    pub year: u16,
    pub school: String,
    pub name: String,
    pub municipality: String,
    pub stratum: &'static str,
    pub works: usize,
    pub mean_primary_before: Option<f64>,
    pub mean_primary_after: Option<f64>,
    /// Mean (original − re-check) / maximum.
    pub drop: Option<f64>,
    pub drop_low: Option<f64>,
    pub drop_high: Option<f64>,
    pub works_in_marked_cells: usize,
    pub drop_marked: Option<f64>,
    pub drop_marked_low: Option<f64>,
    pub drop_marked_high: Option<f64>,
    pub marks_changed: Option<f64>,
    pub marks_lowered: Option<f64>,
    pub had_signs: bool,
    pub inflation_found: bool,
    pub signs_confirmed: Option<bool>,
    pub verdict: String,
}

pub fn school_rows(data: &Dataset, r: &Recheck) -> Vec<SchoolRow> {
    r.schools
        .iter()
        .map(|s| {
            let school = &data.schools[s.school as usize];
            SchoolRow {
                year: s.year,
                school: safe_text(&school.id),
                name: safe_text(&school.name),
                municipality: safe_text(&school.municipality),
                stratum: s.stratum.map_or("outside", |x| x.code()),
                works: s.drop.n,
                mean_primary_before: round(Some(s.points_before), 2),
                mean_primary_after: round(Some(s.points_after), 2),
                drop: round(Some(s.drop.mean), 4),
                drop_low: round(s.drop.low, 4),
                drop_high: round(s.drop.high, 4),
                works_in_marked_cells: s.drop_marked.map_or(0, |e| e.n),
                drop_marked: s.drop_marked.and_then(|e| round(Some(e.mean), 4)),
                drop_marked_low: s.drop_marked.and_then(|e| round(e.low, 4)),
                drop_marked_high: s.drop_marked.and_then(|e| round(e.high, 4)),
                marks_changed: round(Some(s.marks_changed), 4),
                marks_lowered: round(Some(s.marks_lowered), 4),
                had_signs: s.had_signs,
                inflation_found: s.inflation_found,
                signs_confirmed: s.signs_confirmed,
                verdict: safe_text(&s.verdict),
            }
        })
        .collect()
}

#[derive(Debug, Default, Serialize)]
pub struct StratumRow {
    pub stratum: &'static str,
    pub stratum_name: &'static str,
    pub schools: usize,
    pub works: usize,
    pub drop: Option<f64>,
    pub drop_low: Option<f64>,
    pub drop_high: Option<f64>,
    pub drop_random_works: Option<f64>,
    pub marks_changed: Option<f64>,
    pub schools_inflation_found: usize,
    pub share_inflation_found: Option<f64>,
    pub schools_with_signs_judged: usize,
    pub signs_confirmed: usize,
    pub diff_vs_random: Option<f64>,
    pub diff_low: Option<f64>,
    pub diff_high: Option<f64>,
}

pub fn stratum_rows(r: &Recheck) -> Vec<StratumRow> {
    r.strata
        .iter()
        .map(|s| {
            let d = s.vs_random.unwrap_or(Estimate::default());
            StratumRow {
                stratum: s.stratum.map_or("outside", |x| x.code()),
                stratum_name: s.stratum.map_or("вне выборки", |x| x.russian()),
                schools: s.schools,
                works: s.works,
                drop: round(Some(s.drop.mean), 4),
                drop_low: round(s.drop.low, 4),
                drop_high: round(s.drop.high, 4),
                drop_random_works: round(s.drop_random_works, 4),
                marks_changed: round(Some(s.marks_changed), 4),
                schools_inflation_found: s.schools_found,
                share_inflation_found: (s.schools > 0)
                    .then(|| s.schools_found as f64 / s.schools as f64)
                    .and_then(|x| round(Some(x), 4)),
                schools_with_signs_judged: s.schools_judged,
                signs_confirmed: s.signs_confirmed,
                diff_vs_random: s.vs_random.and_then(|_| round(Some(d.mean), 4)),
                diff_low: round(d.low, 4),
                diff_high: round(d.high, 4),
            }
        })
        .collect()
}

#[derive(Debug, Default, Serialize)]
pub struct UnmatchedRow {
    pub year: u16,
    pub exam: &'static str,
    pub subject: String,
    pub grade: u8,
    pub school: String,
    pub student: String,
    pub reason: String,
}

pub fn unmatched_rows(data: &Dataset, r: &Recheck) -> Vec<UnmatchedRow> {
    r.unmatched
        .iter()
        .map(|u| UnmatchedRow {
            year: u.key.year,
            exam: u.key.exam.code(),
            subject: u.key.subject.clone(),
            grade: u.key.grade,
            school: safe_text(&data.schools[u.school as usize].id),
            student: safe_text(&u.student),
            reason: u.reason.clone(),
        })
        .collect()
}
