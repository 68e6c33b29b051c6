//! Region simulator: realistic VPR, OGE and EGE results of a simulated
//! region, with manipulations planted in known cells.
//!
//! Real per-student data cannot be shared, so [`simulate`] generates a
//! region whose honest results look like real FIS OKO / RCOI exports, plants
//! manipulations in a known set of *cells* (year × exam × subject × grade ×
//! school) and writes the ground truth next to the data.
//!
//! # Output (the data contract)
//!
//! * `schools.csv` — `school,name,municipality,kind,advanced_subjects,locality`
//! * `results_<year>_<exam>.csv` (`vpr`, `oge`, `ege`) —
//!   `year,exam,subject,grade,school,class,student,variant,t1..tK,primary,mark,test_score,journal_mark`
//!   where K is the largest task count of the file's tests; a task column is
//!   empty when the row's test has fewer tasks, `X` means "not done" (0).
//! * `tasks.csv` — `exam,year,subject,grade,task,max,level,label`
//! * `scales.csv` — `exam,year,subject,grade,mark,min_score` (primary cut-offs
//!   of marks 3/4/5 for VPR and OGE; EGE `pass`/`university` test scores)
//! * `truth.csv` — `year,exam,subject,grade,school,manipulation,intensity,changed`,
//!   one row per cell, honest cells included; `changed` is how many works
//!   the manipulation changed (every work where it raises performance; the
//!   lifted, fitted, dictated or copied works and the raised journal marks
//!   otherwise, 0 where a lift found no work below its cut-off) and, for
//!   `weak_medals`, how many medals it gave.
//! * `medals.csv` — `year,school,student,medal` (`gold`, `silver`): the
//!   medal holders among the graduates who sat EGE Russian (`medals`).
//!
//! The same [`SimOptions`] give byte-identical files: every school-year has
//! its own ChaCha8 stream derived from the seed, outputs are written in a
//! fixed order, and no hash-map order is used.
//!
//! # Region
//!
//! About one municipality per 15 schools (5–60 for small regions, ~2 000 at
//! national scale): city okrugs (mostly urban schools) and districts (a town
//! and villages). Schools are СОШ, ООШ (grades ≤ 9), НОШ (grades ≤ 4),
//! lyceums, gymnasiums and boarding schools. Urban schools have 40–150 pupils
//! per grade in 1–4 classes, small rural schools 5–15; grade 11 keeps about
//! half of a cohort (more in lyceums and gymnasiums). Lyceums and
//! gymnasiums teach one or two subjects in depth, a few СОШ one.
//!
//! # Honest results
//!
//! * **Ability.** A pupil's ability in a subject is
//!   `θ = school effect + school-year noise + class effect + advanced-subject
//!   bonus + 0.85·g + 0.53·e`, where `g ~ N(0,1)` is the pupil's general
//!   ability (shared by all subjects of the year) and `e ~ N(0,1)` is
//!   subject-specific. The school effect is persistent and dominant: a
//!   municipality effect, urban +0.12 / rural −0.18, lyceums +0.5…+1.0,
//!   gymnasiums +0.5…+0.9, boarding schools −0.35, plus N(0, 0.28). Grade 11
//!   pupils are a selected, stronger group.
//! * **Tasks.** Each task has a discrimination `a` and step difficulties;
//!   scores 0..max are drawn from a generalized partial credit model.
//!   Advanced and high-level tasks are genuinely harder. Each test's
//!   ability scale is stretched and shifted once (numerical integration over
//!   ability, measurement error included) so that the honest shares of
//!   mark 2 and mark 5 (EGE: below the minimum and 80+) are realistic.
//!   The blueprint is fixed: it does not depend on the seed or the year.
//!   Variants differ slightly in difficulty (VPR: two variants per class,
//!   alternating by desk). A zero-score task is sometimes "not done" (`X`),
//!   more often for hard tasks and weak pupils (≈ 1–3 % of entries).
//! * **Scales.** Official-like VPR and OGE cut-offs (e.g. VPR 4 RU 14/24/33
//!   of 38, OGE MA 8/15/22 of 31, otherwise about 30–35/55–60/80–85 % of the
//!   maximum); EGE primary scores are converted by a monotone piecewise-linear
//!   scale to 0–100 with the real minimum scores.
//! * **Journal marks.** A teacher's impression is the pupil's true ability
//!   plus noise plus the school's (and teacher's) leniency, cut at the
//!   abilities of marks 3/4/5 (2 is rare). Most schools are slightly
//!   lenient (lyceums and gymnasiums less so), so regionally about 28 % of
//!   honest VPR marks are below the journal mark ("lowered"), about 62 %
//!   equal it and about 9 % are above — the familiar FIS OKO picture.
//! * **Participation.** A few per cent of pupils miss any given VPR test
//!   (weak pupils more often); state exams are missed far less often.
//!   OGE: RU and MA plus two electives (SO and IN most popular); EGE: RU,
//!   profile MA for ~45 %, 1–3 electives; choices depend on ability and on
//!   the school's advanced subjects.
//!
//! # Planted manipulations
//!
//! `manipulated_share` of the schools (ordinary schools about twice as
//! often as lyceums and gymnasiums, which are honest by default but not
//! immune) manipulate one to several cells in a year; each such school has
//! a preferred kind and intensity that it tends to repeat in consecutive
//! years. Each manipulated cell gets one kind and an intensity
//! (mild / moderate / strong):
//!
//! * `dictation` — the hard (advanced/high) tasks are dictated: 30/60/90 % of
//!   the pupils get full or near-full scores on them regardless of ability;
//!   basic tasks are untouched.
//! * `cutoff_lift` — lenient checking (VPR, OGE): works 1/2/3 points below a
//!   mark cut-off are lifted to exactly the cut-off with probability
//!   0.75/0.85/0.95 by adding points to tasks not at their maximum.
//! * `copying` — groups hand in identical task-score vectors (and variant)
//!   copied from a fairly strong pupil: one group of 3–4 / ~25 % of the cell
//!   in 1–2 groups / ~50 % in 1–3 groups.
//! * `fitted_to_journal` (VPR) — for 40/70/95 % of the pupils whose honest
//!   mark is below the journal mark, points are added up to the cut-off of
//!   the journal mark.
//! * `inflated_journal` (VPR, OGE) — the exam is honest but 25/50/75 % of the
//!   journal marks are raised by one (sometimes two).
//! * `inflation` — every pupil performs as if 0.3/0.6/1.0 SD more able
//!   (journal marks still reflect true ability).
//!
//! Half as many schools again (drawn from streams of their own among the
//! schools with a grade 9 or 11 and no plan above, so the manipulations above
//! are planted exactly as without them) manipulate across procedures and
//! years, one kind per school:
//!
//! * `vpr_unconfirmed` — every VPR cell of one subject (Russian or
//!   mathematics), every grade and year, as `inflation`, and the journal
//!   marks raised with it (the school's own marks agree with its VPR, so the
//!   signs that compare the two cannot see it); the school's OGE and EGE
//!   honest: the pattern the Rosobrnadzor/FIOKO criterion looks for.
//! * `cohort_spike` — one VPR cell in Russian or mathematics (grades 4–8)
//!   raised as `inflation` in one year before the last; the same cohort a
//!   year later honest (Jacob & Levitt's unexpected fluctuation).
//! * `gia_minimum` — in most years, OGE and EGE works in Russian and
//!   mathematics 1/2/3 primary points below the OGE mark-3 cut-off or the
//!   least primary score of the EGE certificate or university minimum lifted
//!   to it with probability 0.75/0.85/0.95 (few works per cell: only a few
//!   per cent of graduates score just below a minimum).
//! * `weak_medals` — silver medals to graduates whose marks fall short of
//!   them (see `medals`), planted in the school's EGE Russian cell.
//!
//! After manipulation the primary scores are recomputed and the marks and
//! test scores follow from the scales.
//!
//! # Scale and layout
//!
//! Output is streamed school by school through buffered writers, so memory
//! stays small: a national run (40 000 schools, one year, ≈ 37 million
//! works, ≈ 3 GB of CSV) takes about 40 s and under 20 MB in release mode.
//!
//! Submodules: `blueprint` (tests, tasks, scales, calibration), `region`
//! and `names` (municipalities, schools), `roster` (pupils, classes, choices,
//! absences, cells of a school-year), `irt` (response and teacher models),
//! `works` (honest works of a cell), `manipulate` (planted manipulations),
//! `medals` (the graduates' medals), `write` (CSV dialects and files), `rng`
//! (deterministic streams).

mod blueprint;
mod error;
mod irt;
mod manipulate;
mod medals;
mod names;
mod recheck;
mod region;
mod rng;
mod roster;
mod works;
mod write;

#[cfg(test)]
mod tests;

pub use error::SimError;
pub use manipulate::Intensity;
pub use recheck::simulate_recheck;

use blueprint::{Blueprint, Exam};
use manipulate::CellPlan;
use region::Region;
use rng::Purpose;
use roster::SchoolYear;
use std::path::Path;
use works::CellWorks;

/// Whether a manipulation code of `truth.csv` is one of the kinds planted
/// across procedures and years (`vpr_unconfirmed`, `cohort_spike`,
/// `gia_minimum`, `weak_medals`) rather than within one cell.
pub fn across_procedures(code: &str) -> bool {
    manipulate::Kind::PROCEDURES
        .iter()
        .any(|k| k.code() == code)
}

/// Schools manipulating across procedures ([`manipulate::Kind::PROCEDURES`]),
/// as a share of `manipulated_share`: half as many again.
const PROCEDURE_SHARE: f64 = 0.5;

/// CSV dialect of the output files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    /// UTF-8, `,` delimiter, `.` decimals, LF line ends.
    #[default]
    Plain,
    /// Windows-1251, `;` delimiter, `,` decimal mark, CRLF line ends
    /// (what Russian Excel writes).
    ExcelRu,
}

/// Options of a simulation run.
#[derive(Clone, Debug, PartialEq)]
pub struct SimOptions {
    /// Number of schools.
    pub schools: usize,
    /// Number of consecutive years, ending at `last_year`.
    pub years: u16,
    /// Last simulated year.
    pub last_year: u16,
    /// Random seed; the same options give byte-identical files.
    pub seed: u64,
    /// Share of schools with planted manipulations.
    pub manipulated_share: f64,
    /// CSV dialect.
    pub dialect: Dialect,
    /// When set, every planted manipulation has this intensity (for measuring
    /// detection by intensity); the random draws are made all the same, so the
    /// region and the choice of cells do not change.
    pub intensity: Option<Intensity>,
    /// Honest schools that break the signs' assumptions (see
    /// `region::Region::generate`).
    pub misspecified: bool,
    /// Pupils who stay in their cohort from year to year (their ability
    /// drawn once per cohort) and keep one participant code; by default every
    /// year's pupils are drawn afresh and numbered 10001, 10002, … (FIS OKO's
    /// codes do not persist).
    pub persistent_codes: bool,
}

impl Default for SimOptions {
    fn default() -> SimOptions {
        SimOptions {
            schools: 300,
            years: 3,
            last_year: 2025,
            seed: 42,
            manipulated_share: 0.10,
            dialect: Dialect::Plain,
            intensity: None,
            misspecified: false,
            persistent_codes: false,
        }
    }
}

/// What a run produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimSummary {
    /// Number of schools.
    pub schools: usize,
    /// Number of student works (rows of all results files).
    pub works: u64,
    /// Number of cells (rows of `truth.csv`).
    pub cells: usize,
    /// Number of cells with a planted manipulation.
    pub manipulated_cells: usize,
}

fn validate(opts: &SimOptions) -> Result<(), SimError> {
    let bad = |m: String| Err(SimError::InvalidOptions(m));
    if opts.schools == 0 || opts.schools > 999_999 {
        return bad(format!("schools must be 1..=999999, got {}", opts.schools));
    }
    if opts.years == 0 || opts.years > opts.last_year {
        return bad(format!(
            "years must be at least 1 and at most last_year, got {}",
            opts.years
        ));
    }
    if !(0.0..=1.0).contains(&opts.manipulated_share) {
        return bad(format!(
            "manipulated_share must be within 0..=1, got {}",
            opts.manipulated_share
        ));
    }
    Ok(())
}

/// Simulates a region and writes its files into `out` (created if needed).
/// `progress` is called after each school with (schools done, total).
pub fn simulate(
    opts: &SimOptions,
    out: &Path,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<SimSummary, SimError> {
    validate(opts)?;
    std::fs::create_dir_all(out).map_err(|source| SimError::CreateDir {
        path: out.to_path_buf(),
        source,
    })?;
    let dialect = opts.dialect;
    let years: Vec<u16> = (opts.last_year - (opts.years - 1)..=opts.last_year).collect();

    let bp = Blueprint::standard();
    let region = Region::generate(opts.schools, opts.seed, opts.misspecified);
    write::schools(out, dialect, &region)?;
    write::tasks(out, dialect, bp, &years)?;
    write::scales(out, dialect, bp, &years)?;
    let mut truth = write::Truth::create(out, dialect)?;
    let mut medal_file = write::Medals::create(out, dialect)?;
    let mut graduates = medals::Gathered::default();
    let mut results = Vec::with_capacity(years.len());
    for &year in &years {
        let mut per_exam = Vec::with_capacity(Exam::ALL.len());
        for exam in Exam::ALL {
            per_exam.push(write::Results::create(
                out,
                dialect,
                year,
                exam,
                bp.max_tasks(exam),
            )?);
        }
        results.push(per_exam);
    }

    let mut summary = SimSummary {
        schools: region.schools.len(),
        works: 0,
        cells: 0,
        manipulated_cells: 0,
    };
    let mut labels: Vec<Vec<u8>> = Vec::new();
    replay(opts, &region, &years, false, progress, &mut |v| {
        let file = &mut results[v.year_index][v.test.exam.index()];
        file.start_cell(v.year, v.test, &v.school.id);
        let grade = &v.school_year.grades[v.cell.grade];
        labels.clear();
        for c in &grade.classes {
            labels.push(file.encode(&c.label)?);
        }
        for (i, w) in v.works.works.iter().enumerate() {
            let code = grade.pupils[w.pupil as usize].code;
            file.work(
                v.test,
                &labels[usize::from(w.class)],
                code,
                w.variant,
                v.works.scores(i),
                w.primary,
                w.journal,
            )?;
        }
        summary.works += v.works.works.len() as u64;
        summary.cells += 1;
        if v.plan != CellPlan::HONEST {
            summary.manipulated_cells += 1;
        }
        if let Some(weak) = graduates.add(v, &mut medal_file, opts.seed)? {
            truth.school_year_done(weak)?;
        }
        truth.cell(v.year, v.test, &v.school.id, v.plan, v.changed);
        Ok(())
    })?;
    let weak = graduates.flush(&mut medal_file, opts.seed)?;
    truth.school_year_done(weak)?;
    truth.finish()?;
    medal_file.finish()?;
    for per_exam in results {
        for f in per_exam {
            f.finish()?;
        }
    }
    Ok(summary)
}

/// One cell of a replayed region.
pub(crate) struct CellVisit<'a> {
    pub school_index: usize,
    pub year_index: usize,
    pub year: u16,
    pub school: &'a region::School,
    pub school_year: &'a SchoolYear,
    pub cell: &'a roster::Cell,
    pub test: &'a blueprint::Test,
    pub plan: CellPlan,
    /// The works as handed in and scored (manipulations applied).
    pub works: &'a CellWorks,
    /// With `keep_honest`: the works an honest re-scorer would score — as
    /// handed in (dictated or copied answers stay), but without lenient
    /// scoring (cut-off lifts, scores fitted to the journal) and, for
    /// whole-cell inflation, the pupils' performance at their true ability.
    pub honest: Option<&'a CellWorks>,
    /// How many works the plan changed: every work where it raises the
    /// pupils' performance, else the works whose scores, variant or journal
    /// mark it altered (0 where a lift found no work below its cut-off).
    pub changed: u32,
}

/// Generates the region cell by cell, in the fixed order of the output
/// (school, year, cell), calling `f` for each; `progress(done, total)` after
/// each school.
pub(crate) fn replay(
    opts: &SimOptions,
    region: &Region,
    years: &[u16],
    keep_honest: bool,
    progress: &mut dyn FnMut(usize, usize),
    f: &mut dyn FnMut(&CellVisit<'_>) -> Result<(), SimError>,
) -> Result<(), SimError> {
    let bp = Blueprint::standard();
    let plans = manipulate::school_plans(region, opts.manipulated_share, years.len(), opts.seed);
    let procedures = manipulate::procedure_plans(
        region,
        &plans,
        opts.manipulated_share * PROCEDURE_SHARE,
        years.len(),
        opts.seed,
    );
    let mut cw = CellWorks::default();
    let mut honest = CellWorks::default();
    let mut before_plan = CellWorks::default();
    let total = region.schools.len();
    for (si, school) in region.schools.iter().enumerate() {
        for (yi, &year) in years.iter().enumerate() {
            let mut gen_rng =
                rng::stream(opts.seed, Purpose::SchoolYear, si as u64, u64::from(year));
            let mut man_rng =
                rng::stream(opts.seed, Purpose::Manipulation, si as u64, u64::from(year));
            let cohorts = opts.persistent_codes.then_some(roster::Cohorts {
                seed: opts.seed,
                school: si as u64,
                year,
            });
            let sy = SchoolYear::generate(bp, school, cohorts, &mut gen_rng);
            let mut cell_plans = manipulate::plan_year(
                plans[si].as_ref(),
                yi,
                &sy,
                bp,
                &mut man_rng,
                opts.intensity,
            );
            let mut proc_rng = rng::stream(
                opts.seed,
                Purpose::ProcedureManipulation,
                si as u64,
                u64::from(year),
            );
            manipulate::plan_procedures(
                procedures[si].as_ref(),
                yi,
                &sy,
                bp,
                &mut proc_rng,
                opts.intensity,
                &mut cell_plans,
            );
            for (cell, &plan) in sy.cells.iter().zip(&cell_plans) {
                let test = &bp.tests[cell.test];
                let before = keep_honest.then(|| gen_rng.clone());
                cw.generate(test, school, &sy, cell, plan.shift(), &mut gen_rng);
                if let Some(mut r) = before
                    && plan.theta_shift() > 0.0
                {
                    honest.generate(test, school, &sy, cell, Default::default(), &mut r);
                } else if keep_honest {
                    honest.clone_from(&cw);
                }
                let rng = if manipulate::Kind::PROCEDURES.contains(&plan.kind) {
                    &mut proc_rng
                } else {
                    &mut man_rng
                };
                let alters = plan.kind != manipulate::Kind::None && plan.theta_shift() == 0.0;
                if alters {
                    before_plan.clone_from(&cw);
                }
                manipulate::apply(plan, test, &mut cw, rng);
                if keep_honest && plan.kind.as_written() {
                    honest.clone_from(&cw);
                }
                let changed = if plan.theta_shift() > 0.0 {
                    cw.works.len()
                } else if alters {
                    cw.changed_from(&before_plan)
                } else {
                    0
                };
                f(&CellVisit {
                    school_index: si,
                    year_index: yi,
                    year,
                    school,
                    school_year: &sy,
                    cell,
                    test,
                    plan,
                    works: &cw,
                    honest: keep_honest.then_some(&honest),
                    changed: u32::try_from(changed).unwrap_or(u32::MAX),
                })?;
            }
        }
        progress(si + 1, total);
    }
    Ok(())
}
