//! Planted manipulations: which schools manipulate, in which cells, how,
//! and how a manipulation changes the honest works of a cell.

use super::blueprint::{Exam, Scale, Subject, Test};
use super::irt::NOT_DONE;
use super::region::{Region, SchoolKind};
use super::rng::{self, Purpose, SimRng};
use super::roster::SchoolYear;
use super::works::CellWorks;
use rand::Rng;
use rand::seq::SliceRandom;

/// Kind of manipulation in a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Honest cell.
    None,
    /// Hard tasks dictated to (part of) the class.
    Dictation,
    /// Works just below a mark cut-off lifted to the cut-off.
    CutoffLift,
    /// Groups of identical (copied) works.
    Copying,
    /// VPR scores raised so the VPR mark matches the journal mark.
    FittedToJournal,
    /// Honest exam, journal marks raised.
    InflatedJournal,
    /// Every pupil's performance raised.
    Inflation,
    /// VPR results raised in one subject in every grade and year, the
    /// school's OGE and EGE honest (a school-wide policy the state exams do
    /// not confirm).
    VprUnconfirmed,
    /// One VPR cell raised in one year, the same cohort honest a year later.
    CohortSpike,
    /// State-exam works just below the OGE mark-3 cut-off or the EGE
    /// certificate or university minimum lifted to it.
    GiaMinimum,
    /// Medals given to graduates whose marks and EGE results are weaker than
    /// medal holders' usually are (planted in the EGE Russian cell; see
    /// `super::medals`).
    WeakMedals,
}

impl Kind {
    /// All manipulation kinds (without `None`).
    pub const ALL: [Kind; 6] = [
        Kind::Dictation,
        Kind::CutoffLift,
        Kind::Copying,
        Kind::FittedToJournal,
        Kind::InflatedJournal,
        Kind::Inflation,
    ];

    /// The kinds planted across procedures and years, by schools of their
    /// own (drawn from a separate random stream, so the kinds of
    /// [`Kind::ALL`] are planted exactly as without them).
    pub const PROCEDURES: [Kind; 4] = [
        Kind::VprUnconfirmed,
        Kind::CohortSpike,
        Kind::GiaMinimum,
        Kind::WeakMedals,
    ];

    /// Code as written in `truth.csv`.
    pub fn code(self) -> &'static str {
        match self {
            Kind::None => "none",
            Kind::Dictation => "dictation",
            Kind::CutoffLift => "cutoff_lift",
            Kind::Copying => "copying",
            Kind::FittedToJournal => "fitted_to_journal",
            Kind::InflatedJournal => "inflated_journal",
            Kind::Inflation => "inflation",
            Kind::VprUnconfirmed => "vpr_unconfirmed",
            Kind::CohortSpike => "cohort_spike",
            Kind::GiaMinimum => "gia_minimum",
            Kind::WeakMedals => "weak_medals",
        }
    }

    /// Whether the kind can be planted in a cell of `exam` with `n` works.
    pub fn applies(self, exam: Exam, n: usize) -> bool {
        match self {
            Kind::None | Kind::Inflation => true,
            Kind::Dictation => n >= 2,
            Kind::CutoffLift | Kind::InflatedJournal => exam != Exam::Ege,
            Kind::Copying => n >= 6,
            Kind::FittedToJournal | Kind::VprUnconfirmed | Kind::CohortSpike => exam == Exam::Vpr,
            Kind::GiaMinimum => exam != Exam::Vpr,
            Kind::WeakMedals => exam == Exam::Ege,
        }
    }

    /// Whether the manipulation is in the works as handed in (dictated or
    /// copied answers), so that an honest re-scoring keeps it; the others are
    /// lenient scoring or marks, which a re-scoring undoes or does not see.
    pub fn as_written(self) -> bool {
        matches!(self, Kind::Dictation | Kind::Copying)
    }

    /// How often schools prefer each kind.
    fn weight(self) -> f64 {
        match self {
            Kind::None => 0.0,
            Kind::Dictation => 0.22,
            Kind::CutoffLift => 0.20,
            Kind::Copying => 0.10,
            Kind::FittedToJournal => 0.20,
            Kind::InflatedJournal => 0.13,
            Kind::Inflation => 0.15,
            Kind::VprUnconfirmed => 0.3,
            Kind::CohortSpike => 0.25,
            Kind::GiaMinimum => 0.25,
            Kind::WeakMedals => 0.2,
        }
    }
}

/// Intensity of a manipulation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Intensity {
    /// Honest cell.
    None,
    /// Mild.
    Mild,
    /// Moderate.
    Moderate,
    /// Strong.
    Strong,
}

impl Intensity {
    /// Code as written in `truth.csv`.
    pub fn code(self) -> &'static str {
        match self {
            Intensity::None => "none",
            Intensity::Mild => "mild",
            Intensity::Moderate => "moderate",
            Intensity::Strong => "strong",
        }
    }

    /// Picks one of three values by intensity (`None` gives the first).
    pub(super) fn pick<T: Copy>(self, values: [T; 3]) -> T {
        match self {
            Intensity::None | Intensity::Mild => values[0],
            Intensity::Moderate => values[1],
            Intensity::Strong => values[2],
        }
    }

    fn random(rng: &mut SimRng) -> Intensity {
        [Intensity::Mild, Intensity::Moderate, Intensity::Strong]
            [rng::weighted(rng, &[0.4, 0.35, 0.25])]
    }
}

/// What happens in one cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellPlan {
    /// Kind.
    pub kind: Kind,
    /// Intensity.
    pub intensity: Intensity,
}

impl CellPlan {
    /// An honest cell.
    pub const HONEST: CellPlan = CellPlan {
        kind: Kind::None,
        intensity: Intensity::None,
    };

    /// Performance and journal shifts applied while generating the works:
    /// `inflation` and `cohort_spike` raise the performance only (the journal
    /// marks still reflect true ability); `vpr_unconfirmed` raises the marks
    /// with it (the school's own marks agree with its VPR: only its OGE and
    /// EGE show the difference).
    pub fn shift(self) -> super::works::Shift {
        let performance = self.theta_shift();
        let journal = if self.kind == Kind::VprUnconfirmed {
            performance
        } else {
            0.0
        };
        super::works::Shift {
            performance,
            journal,
        }
    }

    /// Performance shift applied while generating the works.
    pub fn theta_shift(self) -> f64 {
        if matches!(
            self.kind,
            Kind::Inflation | Kind::VprUnconfirmed | Kind::CohortSpike
        ) {
            self.intensity.pick([0.3, 0.6, 1.0])
        } else {
            0.0
        }
    }
}

/// A manipulating school's habits.
#[derive(Clone, Debug)]
pub struct SchoolPlan {
    /// The kind it tends to use (repeated in consecutive years).
    pub preferred: Kind,
    /// Its usual intensity.
    pub intensity: Intensity,
    /// Index of the year in which it surely manipulates.
    pub anchor_year: usize,
    /// Probability of manipulating in each other year.
    pub repeat: f64,
}

/// Chooses `round(share × schools)` manipulating schools (ordinary schools
/// somewhat more often than lyceums and gymnasiums) and their habits.
pub fn school_plans(
    region: &Region,
    share: f64,
    years: usize,
    seed: u64,
) -> Vec<Option<SchoolPlan>> {
    let n = region.schools.len();
    let m = ((share * n as f64).round() as usize).min(n);
    let mut rng = rng::stream(seed, Purpose::SchoolPlan, 0, 0);
    let weights: Vec<f64> = region
        .schools
        .iter()
        .map(|s| match s.kind {
            SchoolKind::Sosh => 1.0,
            SchoolKind::Oosh => 0.9,
            SchoolKind::Nosh => 0.7,
            SchoolKind::Boarding => 0.8,
            SchoolKind::Lyceum | SchoolKind::Gymnasium => 0.45,
        })
        .collect();
    let mut plans = vec![None; n];
    for i in rng::weighted_distinct(&mut rng, &weights, m) {
        let mut r = rng::stream(seed, Purpose::SchoolPlan, i as u64 + 1, 1);
        let kw: Vec<f64> = Kind::ALL.iter().map(|k| k.weight()).collect();
        plans[i] = Some(SchoolPlan {
            preferred: Kind::ALL[rng::weighted(&mut r, &kw)],
            intensity: Intensity::random(&mut r),
            anchor_year: r.random_range(0..years.max(1)),
            repeat: 0.6,
        });
    }
    plans
}

/// The plan of every cell of a school in one year.
pub fn plan_year(
    plan: Option<&SchoolPlan>,
    year_index: usize,
    year: &SchoolYear,
    bp: &super::blueprint::Blueprint,
    rng: &mut SimRng,
    forced: Option<Intensity>,
) -> Vec<CellPlan> {
    let mut out = vec![CellPlan::HONEST; year.cells.len()];
    let Some(plan) = plan else {
        return out;
    };
    if year.cells.is_empty() || (year_index != plan.anchor_year && !rng.random_bool(plan.repeat)) {
        return out;
    }
    let k = (1 + rng::weighted(rng, &[0.40, 0.25, 0.15, 0.10, 0.05, 0.05])).min(year.cells.len());
    let weights: Vec<f64> = year
        .cells
        .iter()
        .map(|c| {
            let w = match bp.tests[c.test].exam {
                Exam::Vpr => 1.0,
                Exam::Oge => 0.5,
                Exam::Ege => 0.3,
            };
            // Manipulating a single pupil's work is pointless.
            if c.participants.len() >= 2 {
                w
            } else {
                w * 0.05
            }
        })
        .collect();
    for ci in rng::weighted_distinct(rng, &weights, k) {
        let cell = &year.cells[ci];
        let exam = bp.tests[cell.test].exam;
        let n = cell.participants.len();
        let kind = if plan.preferred.applies(exam, n) && rng.random_bool(0.75) {
            plan.preferred
        } else {
            let kw: Vec<f64> = Kind::ALL
                .iter()
                .map(|k| if k.applies(exam, n) { k.weight() } else { 0.0 })
                .collect();
            Kind::ALL[rng::weighted(rng, &kw)]
        };
        let intensity = if rng.random_bool(0.7) {
            plan.intensity
        } else {
            Intensity::random(rng)
        };
        let intensity = forced.unwrap_or(intensity);
        out[ci] = CellPlan { kind, intensity };
    }
    out
}

/// A school's manipulation across procedures or years: one of
/// [`Kind::PROCEDURES`].
#[derive(Clone, Debug)]
pub struct ProcedurePlan {
    /// Kind.
    pub kind: Kind,
    /// Its intensity.
    pub intensity: Intensity,
    /// `VprUnconfirmed`: the subject whose VPR results are raised.
    pub subject: Subject,
    /// `CohortSpike`: the year of the spike (not the last, where there are
    /// two years or more); `GiaMinimum`: a year in which it surely happens.
    pub anchor_year: usize,
}

/// Chooses `round(share × schools)` further schools, none of them with a
/// [`SchoolPlan`] and each with a grade 9 or 11 (its cohorts sit the state
/// exams), that manipulate across procedures, and their plans. Drawn from a
/// stream of its own, so the plans of [`school_plans`] do not change.
pub fn procedure_plans(
    region: &Region,
    plans: &[Option<SchoolPlan>],
    share: f64,
    years: usize,
    seed: u64,
) -> Vec<Option<ProcedurePlan>> {
    let n = region.schools.len();
    let weights: Vec<f64> = (region.schools.iter().zip(plans))
        .map(|(s, plan)| {
            if plan.is_some() || s.kind.last_grade() < 9 {
                return 0.0;
            }
            match s.kind {
                SchoolKind::Lyceum | SchoolKind::Gymnasium => 0.45,
                SchoolKind::Boarding => 0.8,
                _ => 1.0,
            }
        })
        .collect();
    let eligible = weights.iter().filter(|&&w| w > 0.0).count();
    let m = ((share * n as f64).round() as usize).min(eligible);
    let mut rng = rng::stream(seed, Purpose::ProcedurePlan, 0, 0);
    let mut out = vec![None; n];
    for i in rng::weighted_distinct(&mut rng, &weights, m) {
        let mut r = rng::stream(seed, Purpose::ProcedurePlan, i as u64 + 1, 1);
        // Medals need graduates of grade 11.
        let senior = region.schools[i].kind.last_grade() >= 11;
        let kw: Vec<f64> = (Kind::PROCEDURES.iter())
            .map(|&k| {
                if k == Kind::WeakMedals && !senior {
                    0.0
                } else {
                    k.weight()
                }
            })
            .collect();
        let kind = Kind::PROCEDURES[rng::weighted(&mut r, &kw)];
        let intensity = Intensity::random(&mut r);
        let subject = if r.random_bool(0.5) {
            Subject::Ru
        } else {
            Subject::Ma
        };
        let last = if kind == Kind::CohortSpike && years >= 2 {
            years - 1
        } else {
            years.max(1)
        };
        out[i] = Some(ProcedurePlan {
            kind,
            intensity,
            subject,
            anchor_year: r.random_range(0..last),
        });
    }
    out
}

/// Russian or mathematics: the subjects every pupil sits at the VPR, the
/// OGE and the EGE.
fn compulsory(subject: Subject) -> bool {
    matches!(subject, Subject::Ru | Subject::Ma)
}

/// Adds the cells of a [`ProcedurePlan`] in one year to `out` (the school's
/// other cells stay as they are).
pub fn plan_procedures(
    plan: Option<&ProcedurePlan>,
    year_index: usize,
    year: &SchoolYear,
    bp: &super::blueprint::Blueprint,
    rng: &mut SimRng,
    forced: Option<Intensity>,
    out: &mut [CellPlan],
) {
    let Some(plan) = plan else {
        return;
    };
    let cell_plan = CellPlan {
        kind: plan.kind,
        intensity: forced.unwrap_or(plan.intensity),
    };
    let tests = |ci: usize| &bp.tests[year.cells[ci].test];
    let size = |ci: usize| year.cells[ci].participants.len();
    match plan.kind {
        // A policy: every grade's VPR in the subject, every year.
        Kind::VprUnconfirmed => {
            for (cell, slot) in year.cells.iter().zip(out.iter_mut()) {
                let t = &bp.tests[cell.test];
                if t.exam == Exam::Vpr && t.subject == plan.subject && cell.participants.len() >= 2
                {
                    *slot = cell_plan;
                }
            }
        }
        // One cell whose cohort writes the next VPR (or the OGE) a year later.
        Kind::CohortSpike => {
            if year_index != plan.anchor_year {
                return;
            }
            let weights: Vec<f64> = (0..year.cells.len())
                .map(|ci| {
                    let t = tests(ci);
                    let fits = t.exam == Exam::Vpr
                        && compulsory(t.subject)
                        && (4..=8).contains(&t.grade)
                        && size(ci) >= 2;
                    if fits { size(ci) as f64 } else { 0.0 }
                })
                .collect();
            if weights.iter().any(|&w| w > 0.0) {
                out[rng::weighted(rng, &weights)] = cell_plan;
            }
        }
        // The compulsory state exams, in most years.
        Kind::GiaMinimum => {
            if year_index != plan.anchor_year && !rng.random_bool(0.6) {
                return;
            }
            let eligible: Vec<usize> = (0..year.cells.len())
                .filter(|&ci| {
                    let t = tests(ci);
                    t.exam != Exam::Vpr && compulsory(t.subject) && size(ci) >= 2
                })
                .collect();
            let mut chosen: Vec<usize> = (eligible.iter().copied())
                .filter(|_| rng.random_bool(0.7))
                .collect();
            if chosen.is_empty() && !eligible.is_empty() {
                chosen.push(eligible[rng.random_range(0..eligible.len())]);
            }
            for ci in chosen {
                out[ci] = cell_plan;
            }
        }
        // The school's EGE Russian cell (every graduate sits it), in most years.
        Kind::WeakMedals => {
            if year_index != plan.anchor_year && !rng.random_bool(0.6) {
                return;
            }
            for (cell, slot) in year.cells.iter().zip(out.iter_mut()) {
                let t = &bp.tests[cell.test];
                if t.exam == Exam::Ege && t.subject == Subject::Ru {
                    *slot = cell_plan;
                }
            }
        }
        _ => {}
    }
}

/// Adds `need` points to random tasks of a work that are not at their
/// maximum (a not-done task that gets a point becomes done).
fn add_points(test: &Test, scores: &mut [u8], mut need: u16, rng: &mut SimRng) {
    let mut open: Vec<usize> = Vec::with_capacity(scores.len());
    while need > 0 {
        open.clear();
        open.extend((0..scores.len()).filter(|&t| {
            let s = if scores[t] == NOT_DONE { 0 } else { scores[t] };
            s < test.tasks[t].max
        }));
        if open.is_empty() {
            return;
        }
        let t = open[rng.random_range(0..open.len())];
        scores[t] = if scores[t] == NOT_DONE {
            1
        } else {
            scores[t] + 1
        };
        need -= 1;
    }
}

/// Applies a planted manipulation to the honest works of a cell (whole-cell
/// inflation is applied during generation, see [`CellPlan::theta_shift`]).
/// Primary scores are recomputed; marks follow from the scale on output.
pub fn apply(plan: CellPlan, test: &Test, cw: &mut CellWorks, rng: &mut SimRng) {
    let n = cw.works.len();
    match plan.kind {
        Kind::None
        | Kind::Inflation
        | Kind::VprUnconfirmed
        | Kind::CohortSpike
        | Kind::WeakMedals => {}
        Kind::Dictation => {
            let share = plan.intensity.pick([0.3, 0.6, 0.9]);
            for i in 0..n {
                if !rng.random_bool(share) {
                    continue;
                }
                let scores = cw.scores_mut(i);
                for (t, task) in test.tasks.iter().enumerate() {
                    if task.is_hard() {
                        scores[t] = if rng.random_bool(0.8) {
                            task.max
                        } else {
                            task.max.saturating_sub(1)
                        };
                    }
                }
                cw.update_primary(i);
            }
        }
        Kind::CutoffLift => {
            if let Scale::Marks(cuts) = &test.scale {
                lift_to(cuts, plan.intensity, test, cw, rng);
            }
        }
        Kind::FittedToJournal => {
            let share = plan.intensity.pick([0.4, 0.7, 0.95]);
            for i in 0..n {
                let (primary, journal) = (cw.works[i].primary, cw.works[i].journal);
                let (Some(mark), Some(cut)) = (test.mark(primary), test.cut(journal)) else {
                    continue;
                };
                if mark < journal && rng.random_bool(share) {
                    let need = cut - primary;
                    add_points(test, cw.scores_mut(i), need, rng);
                    cw.update_primary(i);
                }
            }
        }
        Kind::InflatedJournal => {
            let share = plan.intensity.pick([0.25, 0.5, 0.75]);
            for w in &mut cw.works {
                if w.journal < 5 && rng.random_bool(share) {
                    let step = if rng.random_bool(0.15) { 2 } else { 1 };
                    w.journal = (w.journal + step).min(5);
                }
            }
        }
        Kind::Copying => copy_works(plan.intensity, cw, rng),
        Kind::GiaMinimum => lift_to(&gia_minimums(test), plan.intensity, test, cw, rng),
    }
}

/// Lenient checking: works 1/2/3 points below one of `cuts` lifted to it
/// with probability 0.75/0.85/0.95 by intensity.
fn lift_to(cuts: &[u16], intensity: Intensity, test: &Test, cw: &mut CellWorks, rng: &mut SimRng) {
    let window = intensity.pick([1u16, 2, 3]);
    let p = intensity.pick([0.75, 0.85, 0.95]);
    for i in 0..cw.works.len() {
        let primary = cw.works[i].primary;
        let Some(&cut) = cuts.iter().find(|&&c| primary < c && c - primary <= window) else {
            continue;
        };
        if rng.random_bool(p) {
            add_points(test, cw.scores_mut(i), cut - primary, rng);
            cw.update_primary(i);
        }
    }
}

/// The primary scores a state exam's works are pushed to: OGE the cut-off
/// of mark 3; EGE the least primary scores that reach the certificate and
/// the university minimum test scores.
fn gia_minimums(test: &Test) -> Vec<u16> {
    match &test.scale {
        Scale::Marks(cuts) => cuts.first().copied().into_iter().collect(),
        Scale::Ege(s) => [s.pass, Some(s.university)]
            .into_iter()
            .flatten()
            .filter_map(|min| {
                (s.conversion.iter())
                    .position(|&t| t >= min)
                    .and_then(|p| u16::try_from(p).ok())
            })
            .filter(|&p| p > 0)
            .collect(),
    }
}

/// Groups of pupils hand in the task-score vector (and variant) of a
/// fairly strong pupil: mild one group of 3–4, moderate ~25 % of the cell
/// in 1–2 groups, strong ~50 % in 1–3 groups.
fn copy_works(intensity: Intensity, cw: &mut CellWorks, rng: &mut SimRng) {
    let n = cw.works.len();
    if n < 3 {
        return;
    }
    let (total, groups) = match intensity {
        Intensity::None => return,
        Intensity::Mild => (rng.random_range(3..=4usize), 1usize),
        Intensity::Moderate => (
            ((0.25 * n as f64).round() as usize).max(3),
            rng.random_range(1..=2),
        ),
        Intensity::Strong => (
            ((0.5 * n as f64).round() as usize).max(3),
            rng.random_range(1..=3),
        ),
    };
    let total = total.min(n);
    let groups = groups.min(total / 3).max(1);

    // Sources: the top 40 % of the cell by primary score.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| {
        cw.works[b]
            .primary
            .cmp(&cw.works[a].primary)
            .then(a.cmp(&b))
    });
    let top = ((0.4 * n as f64).ceil() as usize).max(1);
    let mut used = vec![false; n];
    let mut left = total;
    for g in 0..groups {
        let size = if g + 1 == groups {
            left
        } else {
            total / groups
        };
        left = left.saturating_sub(size);
        let candidates: Vec<usize> = order[..top].iter().copied().filter(|&i| !used[i]).collect();
        let Some(&source) = candidates.get(rng.random_range(0..candidates.len().max(1))) else {
            break;
        };
        used[source] = true;
        // Members: neighbours from the same class first.
        let mut same: Vec<usize> = (0..n)
            .filter(|&i| !used[i] && cw.works[i].class == cw.works[source].class)
            .collect();
        let mut other: Vec<usize> = (0..n)
            .filter(|&i| !used[i] && cw.works[i].class != cw.works[source].class)
            .collect();
        same.shuffle(rng);
        other.shuffle(rng);
        let vector = cw.scores(source).to_vec();
        let (variant, primary) = (cw.works[source].variant, cw.works[source].primary);
        for i in same.into_iter().chain(other).take(size.saturating_sub(1)) {
            used[i] = true;
            cw.scores_mut(i).copy_from_slice(&vector);
            cw.works[i].variant = variant;
            cw.works[i].primary = primary;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::blueprint::{Blueprint, Subject};
    use crate::simulate::irt;
    use crate::simulate::works::{Work, primary_of};

    fn vpr_ru4() -> &'static Test {
        let bp = Blueprint::standard();
        let i = bp.find(Exam::Vpr, Subject::Ru, 4).expect("VPR RU 4");
        &bp.tests[i]
    }

    /// An honest cell of `n` pupils in two classes.
    fn honest(test: &Test, n: usize, seed: u64) -> CellWorks {
        honest_at(test, n, seed, 0.0)
    }

    /// An honest cell of pupils whose mean ability is `mean`.
    fn honest_at(test: &Test, n: usize, seed: u64, mean: f64) -> CellWorks {
        let mut rng = rng::stream(seed, Purpose::SchoolYear, 0, 0);
        let mut cw = CellWorks {
            stride: test.tasks.len(),
            ..CellWorks::default()
        };
        for i in 0..n {
            let theta = mean + rng::normal(&mut rng);
            for t in &test.tasks {
                cw.scores.push(irt::sample_score(t, theta, &mut rng));
            }
            cw.works.push(Work {
                pupil: i as u32,
                class: (i % 2) as u8,
                variant: 1 + (i % 2) as u16,
                primary: 0,
                journal: irt::teacher_mark(theta, &test.theta_cuts, 0.3, &mut rng),
            });
            cw.update_primary(i);
        }
        cw
    }

    fn plan(kind: Kind, intensity: Intensity) -> CellPlan {
        CellPlan { kind, intensity }
    }

    fn consistent(cw: &CellWorks) {
        for i in 0..cw.works.len() {
            assert_eq!(cw.works[i].primary, primary_of(cw.scores(i)));
        }
    }

    #[test]
    fn dictation_fills_hard_tasks_only() {
        let test = vpr_ru4();
        let before = honest(test, 300, 1);
        let mut cw = before.clone();
        let mut rng = rng::stream(9, Purpose::Manipulation, 0, 0);
        apply(
            plan(Kind::Dictation, Intensity::Strong),
            test,
            &mut cw,
            &mut rng,
        );
        consistent(&cw);
        let full = |c: &CellWorks, i: usize| {
            test.tasks
                .iter()
                .zip(c.scores(i))
                .filter(|(t, _)| t.is_hard())
                .all(|(t, &s)| s != irt::NOT_DONE && s + 1 >= t.max)
        };
        let n_full = (0..300).filter(|&i| full(&cw, i)).count();
        let n_full_before = (0..300).filter(|&i| full(&before, i)).count();
        assert!(
            n_full >= 250 && n_full_before < 100,
            "{n_full} vs {n_full_before}"
        );
        for i in 0..300 {
            for (t, task) in test.tasks.iter().enumerate() {
                if !task.is_hard() {
                    assert_eq!(cw.scores(i)[t], before.scores(i)[t]);
                }
            }
        }
    }

    #[test]
    fn cutoff_lift_bunches_at_cutoffs() {
        let test = vpr_ru4();
        let Scale::Marks(cuts) = test.scale.clone() else {
            panic!("VPR has marks")
        };
        let before = honest(test, 400, 2);
        let mut cw = before.clone();
        let mut rng = rng::stream(9, Purpose::Manipulation, 0, 1);
        apply(
            plan(Kind::CutoffLift, Intensity::Strong),
            test,
            &mut cw,
            &mut rng,
        );
        consistent(&cw);
        let below = |c: &CellWorks| {
            c.works
                .iter()
                .filter(|w| cuts.iter().any(|&k| w.primary < k && k - w.primary <= 3))
                .count()
        };
        assert!(below(&before) > 60);
        assert!(
            below(&cw) * 8 < below(&before),
            "{} {}",
            below(&cw),
            below(&before)
        );
        for (a, b) in cw.works.iter().zip(&before.works) {
            if a.primary != b.primary {
                assert!(
                    cuts.contains(&a.primary)
                        && a.primary > b.primary
                        && a.primary - b.primary <= 3
                );
            }
        }
    }

    #[test]
    fn copying_makes_identical_groups() {
        let test = vpr_ru4();
        let groups = |c: &CellWorks| {
            let mut m: std::collections::BTreeMap<&[u8], usize> = Default::default();
            for i in 0..c.works.len() {
                *m.entry(c.scores(i)).or_default() += 1;
            }
            m.into_values().filter(|&k| k > 1).collect::<Vec<_>>()
        };
        let before = honest(test, 24, 3);
        assert!(groups(&before).is_empty());
        let mut rng = rng::stream(9, Purpose::Manipulation, 0, 2);
        let mut mild = before.clone();
        apply(
            plan(Kind::Copying, Intensity::Mild),
            test,
            &mut mild,
            &mut rng,
        );
        consistent(&mild);
        let g = groups(&mild);
        assert_eq!(g.len(), 1);
        assert!((3..=4).contains(&g[0]));
        let mut strong = before.clone();
        apply(
            plan(Kind::Copying, Intensity::Strong),
            test,
            &mut strong,
            &mut rng,
        );
        consistent(&strong);
        let g = groups(&strong);
        assert!((1..=3).contains(&g.len()));
        assert_eq!(g.iter().sum::<usize>(), 12);
    }

    #[test]
    fn fitted_to_journal_matches_journal_marks() {
        let test = vpr_ru4();
        let before = honest(test, 400, 4);
        let mut cw = before.clone();
        let mut rng = rng::stream(9, Purpose::Manipulation, 0, 3);
        apply(
            plan(Kind::FittedToJournal, Intensity::Strong),
            test,
            &mut cw,
            &mut rng,
        );
        consistent(&cw);
        let lowered = |c: &CellWorks| {
            c.works
                .iter()
                .filter(|w| test.mark(w.primary).is_some_and(|m| m < w.journal))
                .count()
        };
        assert!(lowered(&before) > 40);
        assert!(lowered(&cw) * 8 < lowered(&before));
        for (a, b) in cw.works.iter().zip(&before.works) {
            if a.primary != b.primary {
                assert_eq!(test.mark(a.primary), Some(a.journal));
                assert_eq!(test.cut(a.journal), Some(a.primary));
            }
        }
    }

    #[test]
    fn inflated_journal_leaves_scores() {
        let test = vpr_ru4();
        let before = honest(test, 400, 5);
        let mut cw = before.clone();
        let mut rng = rng::stream(9, Purpose::Manipulation, 0, 4);
        apply(
            plan(Kind::InflatedJournal, Intensity::Moderate),
            test,
            &mut cw,
            &mut rng,
        );
        assert_eq!(cw.scores, before.scores);
        let raised = cw
            .works
            .iter()
            .zip(&before.works)
            .filter(|(a, b)| a.journal > b.journal)
            .count();
        let eligible = before.works.iter().filter(|w| w.journal < 5).count();
        let share = raised as f64 / eligible as f64;
        assert!((0.4..0.6).contains(&share), "{share}");
        assert!(cw.works.iter().all(|w| (2..=5).contains(&w.journal)));
    }

    #[test]
    fn inflation_shifts_ability() {
        assert_eq!(plan(Kind::Inflation, Intensity::Strong).theta_shift(), 1.0);
        assert_eq!(plan(Kind::Inflation, Intensity::Mild).theta_shift(), 0.3);
        assert_eq!(plan(Kind::Dictation, Intensity::Strong).theta_shift(), 0.0);
        assert_eq!(CellPlan::HONEST.theta_shift(), 0.0);
    }

    #[test]
    fn gia_minimum_lifts_works_to_the_minimums_only() {
        let bp = Blueprint::standard();
        // OGE mathematics: only the cut-off of mark 3 (8 of 31 in the
        // blueprint's official-like scale); works below 4 and 5 stay.
        let oge = &bp.tests[bp.find(Exam::Oge, Subject::Ma, 9).expect("OGE MA")];
        let Scale::Marks(cuts) = oge.scale.clone() else {
            panic!("OGE has marks")
        };
        assert_eq!(gia_minimums(oge), [cuts[0]]);
        // Weaker pupils, so that many works fall just below mark 3.
        let before = honest_at(oge, 3000, 6, -1.5);
        let mut cw = before.clone();
        let mut rng = rng::stream(9, Purpose::ProcedureManipulation, 0, 0);
        apply(
            plan(Kind::GiaMinimum, Intensity::Strong),
            oge,
            &mut cw,
            &mut rng,
        );
        consistent(&cw);
        let (mut lifted, mut eligible) = (0, 0);
        for (a, b) in cw.works.iter().zip(&before.works) {
            if b.primary < cuts[0] && cuts[0] - b.primary <= 3 {
                eligible += 1;
            }
            if a.primary != b.primary {
                lifted += 1;
                assert_eq!(a.primary, cuts[0], "lifted to the mark-3 cut-off only");
                assert!(cuts[0] - b.primary <= 3);
            }
        }
        // Strong: each eligible work lifted with probability 0.95.
        assert!(eligible > 100, "{eligible}");
        assert!(lifted * 100 >= eligible * 90, "{lifted} of {eligible}");
        // EGE: the least primary scores that reach the certificate and the
        // university minimums.
        let ege = &bp.tests[bp.find(Exam::Ege, Subject::Ru, 11).expect("EGE RU")];
        let Scale::Ege(scale) = &ege.scale else {
            panic!("EGE has test scores")
        };
        let mins = gia_minimums(ege);
        assert_eq!(mins.len(), 2);
        for (&p, min) in mins
            .iter()
            .zip([scale.pass.expect("RU pass"), scale.university])
        {
            let p = usize::from(p);
            assert!(scale.conversion[p] >= min && scale.conversion[p - 1] < min);
        }
    }

    #[test]
    fn procedure_plans_go_to_other_schools_with_state_exams() {
        let region = Region::generate(400, 7, false);
        let plans = school_plans(&region, 0.1, 3, 7);
        let procedures = procedure_plans(&region, &plans, 0.05, 3, 7);
        assert_eq!(procedure_plans(&region, &plans, 0.05, 3, 7).len(), 400);
        let chosen: Vec<usize> = (0..400).filter(|&i| procedures[i].is_some()).collect();
        assert_eq!(chosen.len(), 20);
        for &i in &chosen {
            assert!(plans[i].is_none(), "school {i} has two plans");
            assert!(region.schools[i].kind.last_grade() >= 9);
            let p = procedures[i].as_ref().unwrap();
            assert!(Kind::PROCEDURES.contains(&p.kind));
            // A cohort spike's year has a next year in the data.
            if p.kind == Kind::CohortSpike {
                assert!(p.anchor_year < 2);
            } else {
                assert!(p.anchor_year < 3);
            }
        }
        // The kinds of the main plans are the ones drawn without them.
        assert!(
            plans
                .iter()
                .flatten()
                .all(|p| Kind::ALL.contains(&p.preferred))
        );
    }

    #[test]
    fn applicability() {
        assert!(!Kind::FittedToJournal.applies(Exam::Oge, 30));
        assert!(!Kind::CutoffLift.applies(Exam::Ege, 30));
        assert!(!Kind::InflatedJournal.applies(Exam::Ege, 30));
        assert!(Kind::InflatedJournal.applies(Exam::Oge, 30));
        assert!(!Kind::Copying.applies(Exam::Vpr, 5));
        assert!(Kind::Inflation.applies(Exam::Ege, 1));
        assert!(
            Kind::GiaMinimum.applies(Exam::Ege, 30) && !Kind::GiaMinimum.applies(Exam::Vpr, 30)
        );
        assert!(
            Kind::CohortSpike.applies(Exam::Vpr, 30) && !Kind::CohortSpike.applies(Exam::Oge, 30)
        );
        assert_eq!(
            plan(Kind::VprUnconfirmed, Intensity::Moderate).theta_shift(),
            plan(Kind::Inflation, Intensity::Moderate).theta_shift()
        );
    }
}
