//! The independent re-check of chosen works in a simulated region: an honest
//! re-scorer with small noise, so that the re-check loop (sample → re-check →
//! recheck.csv → analysis) can run end to end.
//!
//! The region is replayed from the same [`SimOptions`]; for each work listed in
//! `recheck_works.csv` the re-scorer scores the work as the pupil handed it in
//! (dictated or copied answers stay — re-scoring cannot see them) without the
//! lenient scoring (cut-off lifts and scores fitted to the journal are undone).
//! For whole-cell inflation it scores the pupils' performance at their true
//! ability (a fresh draw), as a retest would. Each partly solved task then
//! moves one point up or down with probability [`NOISE`] each (full, zero and
//! not-done answers stay): two honest experts do not agree on every task, but
//! they do not disagree in one direction.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rand::Rng;

use super::blueprint::{Blueprint, Exam};
use super::error::SimError;
use super::irt::NOT_DONE;
use super::region::Region;
use super::rng::{self, Purpose};
use super::works::primary_of;
use super::{SimOptions, replay, validate, write};
use crate::load::table::Table;

/// Probability that the re-scorer gives a partly solved task (0 < score <
/// max) one point more, and the same for one point less.
pub const NOISE: f64 = 0.05;

type CellKey = (u16, String, String, u8, String);

/// Reads the (year, exam, subject, grade, school) → students of a
/// recheck_works.csv (either CSV dialect).
fn read_works(path: &Path) -> Result<BTreeMap<CellKey, BTreeSet<String>>, SimError> {
    let err = |message: String| SimError::WorksList {
        path: path.to_owned(),
        message,
    };
    let table = Table::open(path).map_err(|e| err(e.to_string()))?;
    let col = |name: &str| {
        table
            .headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| err(format!("no column {name:?}")))
    };
    let cols = [
        col("year")?,
        col("exam")?,
        col("subject")?,
        col("grade")?,
        col("school")?,
        col("student")?,
    ];
    let mut out: BTreeMap<CellKey, BTreeSet<String>> = BTreeMap::new();
    let mut bad = None;
    table
        .for_each_row(|row| {
            let f = |i: usize| row.get(cols[i]).trim_start_matches('\'').to_owned();
            match (f(0).parse::<u16>(), f(3).parse::<u8>()) {
                (Ok(year), Ok(grade)) => {
                    out.entry((year, f(1), f(2), grade, f(4)))
                        .or_default()
                        .insert(f(5));
                }
                _ => {
                    bad.get_or_insert(row.line);
                }
            }
        })
        .map_err(|e| err(e.to_string()))?;
    if let Some(line) = bad {
        return Err(err(format!("line {line}: year or grade is not a number")));
    }
    Ok(out)
}

/// Writes `out/recheck.csv` for the works listed in `works_csv`; returns the
/// number of works written.
pub fn simulate_recheck(opts: &SimOptions, works_csv: &Path, out: &Path) -> Result<u64, SimError> {
    validate(opts)?;
    let wanted = read_works(works_csv)?;
    std::fs::create_dir_all(out).map_err(|source| SimError::CreateDir {
        path: out.to_path_buf(),
        source,
    })?;
    let years: Vec<u16> = (opts.last_year - (opts.years - 1)..=opts.last_year).collect();
    let bp = Blueprint::standard();
    let k = Exam::ALL
        .iter()
        .map(|&e| bp.max_tasks(e))
        .max()
        .unwrap_or(0);
    let mut file = write::Results::create_at(out.join("recheck.csv"), opts.dialect, k)?;
    let region = Region::generate(opts.schools, opts.seed, opts.misspecified);
    let mut written = 0u64;
    let mut scores: Vec<u8> = Vec::new();
    replay(opts, &region, &years, true, &mut |_, _| {}, &mut |v| {
        let key: CellKey = (
            v.year,
            v.test.exam.code().to_owned(),
            v.test.subject.code().to_owned(),
            v.test.grade,
            v.school.id.clone(),
        );
        let Some(students) = wanted.get(&key) else {
            return Ok(());
        };
        let Some(honest) = v.honest else {
            return Ok(());
        };
        let grade = &v.school_year.grades[v.cell.grade];
        let mut r = rng::stream(
            opts.seed,
            Purpose::Recheck,
            v.school_index as u64,
            u64::from(v.year) << 16 | v.cell.test as u64,
        );
        file.start_cell(v.year, v.test, &v.school.id);
        for (i, w) in honest.works.iter().enumerate() {
            let code = grade.pupils[w.pupil as usize].code;
            // One draw per task for every work, listed or not, so that the
            // noise of a work does not depend on which others were listed.
            scores.clear();
            for (t, &s) in honest.scores(i).iter().enumerate() {
                let u: f64 = r.random();
                let max = v.test.tasks[t].max;
                // Experts disagree on partly correct answers only, one point
                // either way with equal probability: no bias.
                let partial = s != NOT_DONE && s > 0 && s < max;
                scores.push(if partial && u < NOISE {
                    s + 1
                } else if partial && u < 2.0 * NOISE {
                    s - 1
                } else {
                    s
                });
            }
            if !students.contains(&code.to_string()) {
                continue;
            }
            let label = file.encode(&grade.classes[usize::from(w.class)].label)?;
            file.work(
                v.test,
                &label,
                code,
                w.variant,
                &scores,
                primary_of(&scores),
                v.works.works[i].journal,
            )?;
            written += 1;
        }
        Ok(())
    })?;
    file.finish()?;
    Ok(written)
}
