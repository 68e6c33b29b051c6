//! Planted manipulations: which schools manipulate, in which cells, how,
//! and how a manipulation changes the honest works of a cell.

use super::blueprint::{Exam, Scale, Test};
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
        }
    }

    /// Whether the kind can be planted in a cell of `exam` with `n` works.
    pub fn applies(self, exam: Exam, n: usize) -> bool {
        match self {
            Kind::None | Kind::Inflation => true,
            Kind::Dictation => n >= 2,
            Kind::CutoffLift | Kind::InflatedJournal => exam != Exam::Ege,
            Kind::Copying => n >= 6,
            Kind::FittedToJournal => exam == Exam::Vpr,
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
    fn pick<T: Copy>(self, values: [T; 3]) -> T {
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

    /// Performance shift applied while generating the works.
    pub fn theta_shift(self) -> f64 {
        if self.kind == Kind::Inflation {
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
        Kind::None | Kind::Inflation => {}
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
            let Scale::Marks(cuts) = &test.scale else {
                return;
            };
            let window = plan.intensity.pick([1u16, 2, 3]);
            let p = plan.intensity.pick([0.75, 0.85, 0.95]);
            for i in 0..n {
                let primary = cw.works[i].primary;
                let Some(&cut) = cuts.iter().find(|&&c| primary < c && c - primary <= window)
                else {
                    continue;
                };
                if rng.random_bool(p) {
                    add_points(test, cw.scores_mut(i), cut - primary, rng);
                    cw.update_primary(i);
                }
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
        let mut rng = rng::stream(seed, Purpose::SchoolYear, 0, 0);
        let mut cw = CellWorks {
            stride: test.tasks.len(),
            ..CellWorks::default()
        };
        for i in 0..n {
            let theta = rng::normal(&mut rng);
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
    fn applicability() {
        assert!(!Kind::FittedToJournal.applies(Exam::Oge, 30));
        assert!(!Kind::CutoffLift.applies(Exam::Ege, 30));
        assert!(!Kind::InflatedJournal.applies(Exam::Ege, 30));
        assert!(Kind::InflatedJournal.applies(Exam::Oge, 30));
        assert!(!Kind::Copying.applies(Exam::Vpr, 5));
        assert!(Kind::Inflation.applies(Exam::Ege, 1));
    }
}
