//! S9: a result the same classes do not keep a year later.
//!
//! Jacob & Levitt (2003) found the strongest single clue of cheating in an
//! unexpected fluctuation: a class's jump this year that the same pupils do
//! not show the next year. obektiv follows a school's cohort from one VPR to
//! the next in the same subject (grade g in year y, grade g + 1 in year y + 1;
//! VPR grade 8 to OGE grade 9), at school level; where the pupils' codes
//! persist across years, on the same pupils in both years
//! ([`super::s9_linked`], which keeps this module's line and replaces the
//! cell means and their variances by the pupils').
//!
//! * **Standardized results**: a cell's mean primary score minus its test's
//!   mean over all works, divided by the test's SD over all works: z, with
//!   sampling variance 1/n in every test. Where reference.csv gives every
//!   test's distribution of primary scores over the region, the means and SDs
//!   are the region's ([`region_moments`], [`against_region`]): a
//!   municipality's cells stand where the whole region's analysis puts them.
//! * **Relation**: over every pair of the folder (z now, z a year later), the
//!   least-squares line z′ = a + b z (b < 1: the regression to the mean of
//!   noisy cell means, and real change, are in it), and the spread τ² of the
//!   pairs around it beyond their sampling variance, by moments: τ² = max(0,
//!   mean r² − mean(b²/n + 1/n′)) — with 200 pairs or more from schools of
//!   different sizes at least the intercept of r² on b²/n + 1/n′, the spread
//!   of the large schools, where the same pupils in both years make the
//!   nominal sampling variance too large ([`spread`]). Pooled over all
//!   subjects and grades of the folder, so a municipality has enough pairs.
//! * **Statistic**: Z = (a + b z − z′) / √(τ² + b²/n + 1/n′): how far the
//!   cohort fell short of what its result predicted. p = 1 − Φ(Z); effect = a
//!   + b z − z′ (in SD of the test's works).
//! * **A year earlier too** (the issue's "a rise that the cohort does not
//!   keep"): for a VPR cell of grades 5–8 whose cohort sat the VPR a year
//!   earlier (grade − 1), the rise over what that result predicts, u = z −
//!   (a + b z₋₁) with variance V₋ = τ² + b²/n₋₁ + 1/n, on the same line.
//!   With both neighbours the statistic is the spike u + d (d the shortfall a
//!   year later, variance V₊): Z = (u + d) / √(V₋ + V₊ + 2 b / n) — both hold
//!   the cell's own sampling error (+e and +b e); a school whose cohorts gain
//!   more than the line every year has u = −d, which cancel, so the two
//!   spreads are counted as if independent (conservative); effect (u + d)/2.
//!   The last year of the folder, with no next year, is judged on u alone
//!   (it used to wait for the next year's results); the first year, with no
//!   earlier one, on d alone as before.
//! * **Rule**: enters the cell's evidence when the effect ≥
//!   `cohort_min_effect`; a family of its own.
//! * **Minimum sample**: `min_works` works in each cell used; 10 pairs in the
//!   folder. A cell with half its works or more on its test's lowest or
//!   highest score is not standardized (nor used by S10): its mean hardly
//!   moves with its level, by how much depending on the year's test.
//! * **Reference**: Jacob B.A., Levitt S.D. (2003) Rotten apples: an
//!   investigation of the prevalence and predictors of teacher cheating. QJE
//!   118(3), 843–877.

use std::collections::BTreeMap;

use crate::load::reference::TestReference;
use crate::model::{Dataset, Exam};
use crate::stats::normal_sf;

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, dec1, s9_linked};

/// Fewest pairs for the relation.
const MIN_PAIRS: usize = 10;

/// One cell and its cohort a year later.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    pub z: f64,
    pub n: usize,
    pub z_next: f64,
    pub n_next: usize,
    pub next_exam: Exam,
    pub next_grade: u8,
}

/// The relation of a cohort's result to its result a year earlier.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    pub a: f64,
    pub b: f64,
    pub tau2: f64,
    pub pairs: usize,
}

/// Every cell's pair (per test, per cell), its cohort a year earlier, and the
/// folder's fit.
#[derive(Clone, Debug, Default)]
pub struct Cohorts {
    pub pairs: Vec<Vec<Option<Pair>>>,
    /// Per test, per cell: the pair (the same cohort a year earlier → this
    /// cell), for the VPR cells of grades 5–8.
    pub earlier: Vec<Vec<Option<Pair>>>,
    pub fit: Option<Fit>,
    /// Per test, per cell: at the edge of the scale, not judged.
    pub edge: Vec<Vec<bool>>,
    /// The cohorts found again by their pupils' codes.
    pub linked: super::s9_linked::Linked,
}

/// The test a cohort sits a year after `exam` in `grade`.
pub(super) fn next_of(exam: Exam, grade: u8) -> Option<(Exam, u8)> {
    match (exam, grade) {
        (Exam::Vpr, 4..=7) => Some((Exam::Vpr, grade + 1)),
        (Exam::Vpr, 8) => Some((Exam::Oge, 9)),
        _ => None,
    }
}

/// Per test, per cell: (z, n) — the cell's mean primary score minus its
/// test's mean over all works, in SD of the test's works, and its works (the
/// test score of a test that has no primary score, [`crate::model::LevelScale`]:
/// standardized, the two scales meet).
///
/// A cell with at least half its works on the test's lowest or highest score
/// ([`AT_EDGE`]) has no z (and is marked at the edge): its mean says
/// little of its level, and how little depends on how hard the test was that
/// year — in an independently generated honest region a school stuck at the
/// floor of a test made harder for one year "rose" that year and "fell" the
/// next (S9 p 2·10⁻¹⁵; notes/signs-power.md, stop 32). Besides, each test's
/// mean and SD and its pooled within-cell variance (for linked cohorts,
/// [`super::s9_linked`]).
fn standardized(data: &Dataset) -> Vec<TestZ> {
    use rayon::prelude::*;
    let region = against_region(data);
    (data.tests.par_iter())
        .map(|block| {
            let region = region.then(|| region_moments(data.reference.region.get(&block.key)));
            let scores = block.level_scores();
            let (mean, sd) = match region.flatten() {
                Some(m) => m,
                None => {
                    let all: Vec<f64> = (scores.iter())
                        .filter(|p| !p.is_nan())
                        .map(|&p| f64::from(p))
                        .collect();
                    let n = all.len() as f64;
                    let mean = all.iter().sum::<f64>() / n;
                    let var = all.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
                    (mean, var.sqrt())
                }
            };
            let (lo, hi) = (scores.iter().filter(|p| !p.is_nan()))
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &p| {
                    (lo.min(p), hi.max(p))
                });
            let scaled = sd > 0.0 && sd.is_finite();
            let mut out = TestZ {
                scale: scaled.then_some((mean, sd)),
                ..TestZ::default()
            };
            // The pooled within-cell variance of the standardized scores.
            let (mut squares, mut dof) = (0.0, 0.0);
            for span in &block.cells {
                let own: Vec<f64> = (span.of(&scores).iter())
                    .filter(|p| !p.is_nan())
                    .map(|&p| f64::from(p))
                    .collect();
                let edge = at_edge(&own, f64::from(lo), f64::from(hi));
                out.floor_share.push(floor_share(&own, f64::from(lo)));
                let z = (!own.is_empty() && scaled && !edge).then(|| {
                    let m = own.iter().sum::<f64>() / own.len() as f64;
                    if own.len() >= 2 {
                        squares += own.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (sd * sd);
                        dof += (own.len() - 1) as f64;
                    }
                    ((m - mean) / sd, own.len())
                });
                out.z.push(z);
                out.edge.push(edge);
            }
            out.within = if dof > 0.0 { squares / dof } else { f64::NAN };
            out
        })
        .collect()
}

/// One test's standardized cells ([`standardized`]).
#[derive(Clone, Debug, Default)]
struct TestZ {
    /// Per cell: (z, n).
    z: Vec<Option<(f64, usize)>>,
    /// Per cell: at the edge of the scale.
    edge: Vec<bool>,
    /// Per cell: the share of its works on the test's lowest score.
    floor_share: Vec<f64>,
    /// The test's mean and SD that standardize it.
    scale: Option<(f64, f64)>,
    /// The pooled within-cell variance of the standardized scores of the
    /// cells with a z.
    within: f64,
}

/// The share of a cell's works on the test's lowest or highest score from
/// which its mean is not standardized.
const AT_EDGE: f64 = 0.5;

/// Whether at least [`AT_EDGE`] of `own` scores are `lo` or `hi`.
fn at_edge(own: &[f64], lo: f64, hi: f64) -> bool {
    let on = own.iter().filter(|&&p| p == lo || p == hi).count();
    !own.is_empty() && on as f64 >= AT_EDGE * own.len() as f64
}

/// The share of `own` scores that are `lo` (0 for none).
fn floor_share(own: &[f64], lo: f64) -> f64 {
    let on = own.iter().filter(|&&p| p == lo).count();
    if own.is_empty() {
        0.0
    } else {
        on as f64 / own.len() as f64
    }
}

/// Why a cell at the edge of its test's scale is not judged.
const EDGE: &str = "не меньше половины работ на наименьшем или наибольшем балле теста: средний балл у края шкалы не показывает, как изменился уровень";

/// The mean and SD of a test's primary scores over the region, from its
/// published distribution (reference.csv), when given: a municipality's cells
/// are then set against the region's works, as the whole region's analysis
/// sets them (the SD with the region's works − 1 where their number is given).
pub(super) fn region_moments(r: Option<&TestReference>) -> Option<(f64, f64)> {
    let dist = &r?.primary;
    let mean = TestReference::mean(dist)?;
    let var: f64 = dist
        .iter()
        .map(|(s, p)| p * (f64::from(*s) - mean).powi(2))
        .sum();
    let correction = match r?.works {
        Some(n) if n > 1.0 => n / (n - 1.0),
        _ => 1.0,
    };
    let sd = (var * correction).sqrt();
    (sd > 0.0 && sd.is_finite()).then_some((mean, sd))
}

/// Whether the folder's cells are standardized against the region: every
/// test of the folder has the region's distribution of primary scores in
/// reference.csv (as `obektiv reference` writes it for a municipality) and
/// is read on primary scores. One test without it and all are standardized
/// against the folder: a cohort's two results, or a school's grades pooled,
/// never mix the two.
pub(super) fn against_region(data: &Dataset) -> bool {
    !data.tests.is_empty()
        && (data.tests.iter()).all(|b| {
            b.level_scale() == crate::model::LevelScale::Primary
                && region_moments(data.reference.region.get(&b.key)).is_some()
        })
}

/// Every cell of the folder by (year, exam, subject, grade, school), with its (z, n).
pub(super) type Index<'a> = BTreeMap<(u16, Exam, &'a str, u8, u32), (f64, usize)>;

/// The standardized results of every cell, computed once for S9 and S10.
pub struct Standardized<'a> {
    pub(super) z: Vec<Vec<Option<(f64, usize)>>>,
    /// Per test, per cell: at the edge of the scale ([`AT_EDGE`]).
    edge: Vec<Vec<bool>>,
    /// Per test, per cell: the share of its works on the test's lowest score.
    pub(super) floor_share: Vec<Vec<f64>>,
    /// Per test: its mean and SD ([`standardized`]).
    pub(super) scale: Vec<Option<(f64, f64)>>,
    /// Per test: the pooled within-cell variance of its standardized scores.
    pub(super) within: Vec<f64>,
    index: Index<'a>,
}

impl<'a> Standardized<'a> {
    pub fn new(data: &'a Dataset) -> Standardized<'a> {
        let tests = standardized(data);
        let mut st = Standardized {
            z: Vec::with_capacity(tests.len()),
            edge: Vec::with_capacity(tests.len()),
            floor_share: Vec::with_capacity(tests.len()),
            scale: Vec::with_capacity(tests.len()),
            within: Vec::with_capacity(tests.len()),
            index: Index::new(),
        };
        for t in tests {
            st.z.push(t.z);
            st.edge.push(t.edge);
            st.floor_share.push(t.floor_share);
            st.scale.push(t.scale);
            st.within.push(t.within);
        }
        st.index = index(data, &st.z);
        st
    }

    /// Per test, per cell: (z, n).
    pub(super) fn z(&self) -> &[Vec<Option<(f64, usize)>>] {
        &self.z
    }

    pub(super) fn index(&self) -> &Index<'a> {
        &self.index
    }
}

fn index<'a>(data: &'a Dataset, z: &[Vec<Option<(f64, usize)>>]) -> Index<'a> {
    let mut index = BTreeMap::new();
    for (t, block) in data.tests.iter().enumerate() {
        for (c, span) in block.cells.iter().enumerate() {
            if let Some(v) = z[t][c] {
                let k = &block.key;
                index.insert(
                    (k.year, k.exam, k.subject.as_str(), k.grade, span.school),
                    v,
                );
            }
        }
    }
    index
}

/// A cell's place: (test, cell).
pub(super) type Place = (usize, usize);

/// Per test, per cell.
pub(super) type PerCell<T> = Vec<Vec<T>>;

/// Per test, per cell with a z: the same cohort's cell with a z a year later
/// ([`next_of`]), and the one a year earlier for the VPR cells of grades
/// 5–8.
fn neighbours(data: &Dataset, z: &PerCell<Option<(f64, usize)>>) -> [PerCell<Option<Place>>; 2] {
    let mut place: BTreeMap<(u16, Exam, &str, u8, u32), Place> = BTreeMap::new();
    for (t, block) in data.tests.iter().enumerate() {
        for (c, span) in block.cells.iter().enumerate() {
            if z[t][c].is_some() {
                let k = &block.key;
                place.insert(
                    (k.year, k.exam, k.subject.as_str(), k.grade, span.school),
                    (t, c),
                );
            }
        }
    }
    let next: PerCell<Option<Place>> = (data.tests.iter().enumerate())
        .map(|(t, block)| {
            let k = &block.key;
            let after = next_of(k.exam, k.grade);
            (block.cells.iter().enumerate())
                .map(|(c, span)| {
                    let (exam, grade) = after?;
                    z[t][c]?;
                    let key = (k.year + 1, exam, k.subject.as_str(), grade, span.school);
                    place.get(&key).copied()
                })
                .collect()
        })
        .collect();
    let mut prev: PerCell<Option<Place>> = (data.tests.iter())
        .map(|b| vec![None; b.cells.len()])
        .collect();
    for (t, cells) in next.iter().enumerate() {
        for (c, after) in cells.iter().enumerate() {
            if let &Some((t1, c1)) = after {
                let k = &data.tests[t1].key;
                if k.exam == Exam::Vpr && (5..=8).contains(&k.grade) {
                    prev[t1][c1] = Some((t, c));
                }
            }
        }
    }
    [next, prev]
}

impl Cohorts {
    pub fn new(data: &Dataset, st: &Standardized<'_>, min_works: usize) -> Cohorts {
        let z = &st.z;
        let [next, prev] = neighbours(data, z);
        // The pair of two places, both with a z.
        let pair = |(t, c): Place, (t1, c1): Place| {
            let ((z0, n0), (z1, n1)) = (z[t][c]?, z[t1][c1]?);
            let k = &data.tests[t1].key;
            Some(Pair {
                z: z0,
                n: n0,
                z_next: z1,
                n_next: n1,
                next_exam: k.exam,
                next_grade: k.grade,
            })
        };
        let pairs: PerCell<Option<Pair>> = (next.iter().enumerate())
            .map(|(t, cells)| {
                (cells.iter().enumerate())
                    .map(|(c, after)| pair((t, c), (*after)?))
                    .collect()
            })
            .collect();
        let earlier: PerCell<Option<Pair>> = (prev.iter().enumerate())
            .map(|(t, cells)| {
                (cells.iter().enumerate())
                    .map(|(c, before)| pair((*before)?, (t, c)))
                    .collect()
            })
            .collect();
        let usable: Vec<Pair> = (pairs.iter().flatten().flatten())
            .filter(|p| p.n >= min_works && p.n_next >= min_works)
            .copied()
            .collect();
        let fit = fit(&usable);
        let linked = s9_linked::Linked::new(data, st, [&next, &prev], fit.as_ref(), min_works);
        Cohorts {
            linked,
            fit,
            pairs,
            earlier,
            edge: st.edge.clone(),
        }
    }
}

/// The least-squares line and the spread around it (see the module docs),
/// the spread at least what the large schools' pairs show ([`spread`]).
pub(super) fn fit(pairs: &[Pair]) -> Option<Fit> {
    fit_line(pairs, true)
}

/// [`fit`] with τ² = max(0, mean r² − mean v) alone: S10's line, the one
/// reference.csv carries for a municipality (its VPR and GIA are other
/// pupils' works).
pub(super) fn fit_independent(pairs: &[Pair]) -> Option<Fit> {
    fit_line(pairs, false)
}

fn fit_line(pairs: &[Pair], by_size: bool) -> Option<Fit> {
    if pairs.len() < MIN_PAIRS {
        return None;
    }
    let k = pairs.len() as f64;
    let mx = pairs.iter().map(|p| p.z).sum::<f64>() / k;
    let my = pairs.iter().map(|p| p.z_next).sum::<f64>() / k;
    let sxx: f64 = pairs.iter().map(|p| (p.z - mx).powi(2)).sum();
    let sxy: f64 = pairs.iter().map(|p| (p.z - mx) * (p.z_next - my)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let b = sxy / sxx;
    let a = my - b * mx;
    // Squared residuals (with the line's two degrees of freedom) and each
    // pair's nominal sampling variance.
    let dof = k / (k - 2.0);
    let y: Vec<f64> = (pairs.iter())
        .map(|p| dof * (p.z_next - a - b * p.z).powi(2))
        .collect();
    let v: Vec<f64> = (pairs.iter())
        .map(|p| b * b / p.n as f64 + 1.0 / p.n_next as f64)
        .collect();
    Some(Fit {
        a,
        b,
        tau2: spread(&y, &v, by_size),
        pairs: pairs.len(),
    })
}

/// Fewest pairs for the spread to be read from the large schools too.
const BY_SIZE_PAIRS: usize = 200;

/// τ², the spread of the pairs around the line beyond their sampling
/// variance: max(0, ȳ − v̄) (y the squared residuals, v the nominal sampling
/// variances b²/n + 1/n′), and — with `by_size`, [`BY_SIZE_PAIRS`] pairs or
/// more and schools of different sizes (v's coefficient of variation ≥ 0.3)
/// — at least the intercept of y on v by least squares, ȳ − κ v̄ with the
/// slope κ within [0.1, 1].
///
/// The nominal variance assumes a cohort's two years independent draws of
/// pupils. Where the same pupils sit both years their sampling errors go
/// together, the nominal variance overstates the pairs' and took all of the
/// spread: τ² came out 0 in every independently generated region whose
/// pupils stay in their cohort, and a large school improving honestly by
/// 0.3 SD a year got S9 p 2·10⁻¹⁰ (notes/signs-power.md, stop 32). The
/// intercept reads the spread where sampling hardly counts, in the large
/// schools. Only the spread is taken from the fit: every cell keeps its
/// nominal sampling variance, so no p-value falls below the one τ² =
/// max(0, ȳ − v̄) gives (estimating the sampling share too made S9 read the
/// non-linear floors and the changing participation of other honest regions
/// as spikes: 8 → 20 school-years listed).
pub(super) fn spread(y: &[f64], v: &[f64], by_size: bool) -> f64 {
    let k = y.len() as f64;
    let (ym, vm) = (y.iter().sum::<f64>() / k, v.iter().sum::<f64>() / k);
    let plain = (ym - vm).max(0.0);
    let svv: f64 = v.iter().map(|x| (x - vm).powi(2)).sum();
    let cv = (svv / k).sqrt() / vm;
    if !by_size || y.len() < BY_SIZE_PAIRS || cv.is_nan() || cv < 0.3 {
        return plain;
    }
    let svy: f64 = v.iter().zip(y).map(|(x, y)| (x - vm) * (y - ym)).sum();
    let kappa = (svy / svv).clamp(0.1, 1.0);
    plain.max(ym - kappa * vm)
}

pub struct CohortNotKept;

/// (the prediction a + b z, its shortfall a + b z − z′, and Z = shortfall /
/// √(τ² + b²/n + 1/n′)) of a pair.
pub(super) fn shortfall(fit: &Fit, p: &Pair) -> (f64, f64, f64) {
    let predicted = fit.a + fit.b * p.z;
    let short = predicted - p.z_next;
    (predicted, short, short / variance(fit, p).sqrt())
}

/// The variance of a pair's shortfall around the line: τ² + b²/n + 1/n′.
fn variance(fit: &Fit, p: &Pair) -> f64 {
    fit.tau2 + fit.b * fit.b / p.n as f64 + 1.0 / p.n_next as f64
}

/// How a sign of pairs names the later result of a pair.
pub(super) struct Later<'a> {
    /// What too few works of it are («работ того же потока через год»).
    pub works: &'a str,
    /// The reason from z, z′ and the prediction, written with [`dec`].
    pub reason: &'a dyn Fn(&str, &str, &str) -> String,
    /// Named after «прямая по N парам» (« «ВПР — ОГЭ»», or nothing).
    pub line: &'a str,
}

/// The finding of a pair: both cells' minimum, the shortfall and its Z, the
/// reason and the note with the line it was judged against.
pub(super) fn judge(p: &Pair, fit: &Fit, cfg: &SignsConfig, later: &Later<'_>) -> Finding {
    let (predicted, short, z) = shortfall(fit, p);
    let reason = (later.reason)(&dec1(p.z), &dec1(p.z_next), &dec1(predicted));
    let mut f = Finding::tested(z, normal_sf(z), short, reason);
    f.note = format!(
        "прямая по {} парам{}: z′ = {} + {}·z, разброс пар {}; работ {} и {}",
        fit.pairs,
        later.line,
        super::dec(fit.a, 3),
        super::dec(fit.b, 3),
        super::dec(fit.tau2, 4),
        p.n,
        p.n_next
    );
    if p.n < cfg.min_works {
        return f.below_minimum(p.n, "работ", cfg);
    }
    if p.n_next < cfg.min_works {
        return f.below_minimum(p.n_next, later.works, cfg);
    }
    f
}

impl Sign for CohortNotKept {
    fn id(&self) -> &'static str {
        "S9"
    }
    fn title(&self) -> &'static str {
        "Результат, который тот же поток не подтвердил через год"
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            formula: "z — средний первичный балл ячейки минус средний по тесту, делённый на стандартное отклонение баллов теста (если в reference.csv есть распределение баллов региона — по всем работам региона); z′ — то же у того же потока через год (следующий класс, тот же предмет; после ВПР в 8 классе — ОГЭ). По всем парам: z′ = a + b·z (наименьшие квадраты), τ² — разброс пар вокруг прямой сверх случайного. Спад через год d = a + b·z − z′, дисперсия V₊ = τ² + b²/n + 1/n′. Если есть результат того же потока годом раньше (z₋₁, ВПР в предыдущем классе), то и подъём над ним u = z − (a + b·z₋₁), дисперсия V₋ = τ² + b²/n₋₁ + 1/n. Z = (u + d) / √(V₋ + V₊ + 2b/n), если есть оба года; d / √V₊ или u / √V₋, если один. p = 1 − Φ(Z). Эффект: (u + d) / 2, или d, или u. Если коды участников сохраняются из года в год (работы одних и тех же учеников найдены по коду и их баллы согласованы), то z и z′ — средние только этих учеников, случайный разброс — по разбросу их собственных изменений, а разброс пар τ² — по таким же парам (наибольший из общего, по тому же предмету и классу и по близким уровням результата); так не сравнивается ячейка, где не меньше пятой части работ на наименьшем балле теста.",
            statistic: "the cell's rise over its cohort a year earlier plus the cohort's shortfall a year later (grade + 1, same subject; VPR 8 → OGE 9) against the folder's line, in SD of the test's works; one of the two where the other year is missing; on the pupils found in both (all three) years where their codes persist",
            null: "the pair lies around the folder's least-squares line z' = a + b z with the spread of all pairs (moments) plus the sampling variances",
            rule: "p = 1 − Φ(Z); enters the cell's evidence when the effect >= cohort_min_effect; a family of its own",
            min_sample: "min_works works in each cell used; 10 pairs in the folder; VPR grades 4–8 with the next or the previous year's results; not a cell with half its works or more on the test's lowest or highest score",
            compared: "результат ячейки — с результатами тех же классов годом раньше и через год (предыдущий и следующий класс, тот же предмет; после ВПР в 8 классе — ОГЭ), с учётом того, как обычно связаны результаты потока по всем ОО",
            unusual: "результат заметно выше, чем предсказывает результат того же потока годом раньше, а через год поток показывает заметно более низкий результат: такой «скачок» на один год — признак необъективного результата (Jacob & Levitt); для последнего года в данных — только подъём над годом раньше",
            needs: "первичные баллы за два года подряд или больше (коды участников, сохраняющиеся из года в год, делают проверку точнее); ячейка, где не меньше половины работ на наименьшем или наибольшем балле теста, не проверяется (средний балл у края шкалы не показывает уровень)",
            reference: "Jacob & Levitt (2003)",
        }
    }
    /// The cohort's own results over the years: a family of its own (S10
    /// reads the school's GIA instead).
    fn family(&self) -> &'static str {
        "S9"
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.cohort_min_effect
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        let block = test.block;
        let n_cells = block.cells.len();
        let cohorts = &test.shared.cohorts;
        if next_of(block.key.exam, block.key.grade).is_none() {
            return vec![
                Finding::skipped(
                    "для этой процедуры и класса нет следующей процедуры по тому же предмету"
                );
                n_cells
            ];
        }
        let Some(fit) = cohorts.fit else {
            return vec![
                Finding::skipped(
                    "в данных меньше 10 пар «результат — результат того же потока через год»"
                );
                n_cells
            ];
        };
        (0..n_cells)
            .map(|c| {
                if cohorts.edge.get(test.index).is_some_and(|e| e[c]) {
                    return Finding::skipped(EDGE);
                }
                let before = cohorts.earlier[test.index][c];
                let linked = &cohorts.linked;
                let Some(p) = cohorts.pairs[test.index][c] else {
                    return match before {
                        Some(b) => match (linked.spread.as_ref(), linked.earlier[test.index][c]) {
                            (Some(s), Some(l)) => s9_linked::judge_rise(&l, block.key.grade, &fit, s, cfg),
                            _ => judge_rise(&b, &fit, cfg),
                        },
                        None => Finding::skipped(
                            "нет результатов того же потока ни через год, ни годом раньше (тот же предмет, соседний класс)",
                        ),
                    };
                };
                let next = (p.next_exam, p.next_grade);
                if let Some(b) = before {
                    if let (Some(s), Some(t)) = (linked.spread.as_ref(), linked.triples[test.index][c]) {
                        return s9_linked::judge_spike(&t, block.key.grade, next, &fit, s, cfg);
                    }
                    return judge_spike(&b, &p, &fit, cfg);
                }
                if let (Some(s), Some(l)) = (linked.spread.as_ref(), linked.links[test.index][c]) {
                    return s9_linked::judge_fall(&l, next, &fit, s, cfg);
                }
                let reason = |z: &str, z_next: &str, predicted: &str| {
                    format!(
                        "отклонение от среднего по региону: здесь {z} стандартного отклонения, у того же потока через год ({}, {} класс) {z_next} (ожидалось {predicted})",
                        p.next_exam.russian(),
                        p.next_grade
                    )
                };
                let later = Later {
                    works: "работ того же потока через год",
                    reason: &reason,
                    line: "",
                };
                judge(&p, &fit, cfg, &later)
            })
            .collect()
    }
}

/// The rise of a cell over what its cohort's result a year earlier predicts:
/// z − (a + b z₋₁) and its variance τ² + b²/n₋₁ + 1/n.
fn rise(fit: &Fit, before: &Pair) -> (f64, f64) {
    let (_, short, _) = shortfall(fit, before);
    (-short, variance(fit, before))
}

/// The line's note: its pairs, coefficients and spread.
fn line_note(fit: &Fit) -> String {
    format!(
        "прямая по {} парам: z′ = {} + {}·z, разброс пар {}",
        fit.pairs,
        super::dec(fit.a, 3),
        super::dec(fit.b, 3),
        super::dec(fit.tau2, 4)
    )
}

/// A cell whose cohort has no next year in the folder (its last year): how
/// far it rose over what the cohort's result a year earlier predicts.
fn judge_rise(before: &Pair, fit: &Fit, cfg: &SignsConfig) -> Finding {
    let (up, var) = rise(fit, before);
    let z = up / var.sqrt();
    let reason = format!(
        "отклонение от среднего по региону: здесь {} стандартного отклонения, у того же потока годом раньше ({} класс) {} (ожидалось здесь {})",
        dec1(before.z_next),
        before.next_grade - 1,
        dec1(before.z),
        dec1(fit.a + fit.b * before.z)
    );
    let mut f = Finding::tested(z, normal_sf(z), up, reason);
    f.note = format!(
        "следующего года нет — только подъём над годом раньше; {}; работ {} и {}",
        line_note(fit),
        before.n_next,
        before.n
    );
    if before.n_next < cfg.min_works {
        return f.below_minimum(before.n_next, "работ", cfg);
    }
    if before.n < cfg.min_works {
        return f.below_minimum(before.n, "работ того же потока годом раньше", cfg);
    }
    f
}

/// A one-year spike: the cell's rise over its cohort a year earlier plus its
/// cohort's shortfall a year later. Both hold the cell's own sampling error
/// (+e and +b e): Var = V₋ + V₊ + 2 b / n. A school whose cohorts gain more
/// than the line every year has a rise and an equal negative fall, which
/// cancel in the sum (the spread of the two is therefore counted as if
/// independent: conservative).
fn judge_spike(before: &Pair, after: &Pair, fit: &Fit, cfg: &SignsConfig) -> Finding {
    let (up, var_up) = rise(fit, before);
    let (predicted, down, _) = shortfall(fit, after);
    let var_down = variance(fit, after);
    let total = up + down;
    let z = total / (var_up + var_down + 2.0 * fit.b / after.n as f64).sqrt();
    let reason = format!(
        "отклонение от среднего по региону: здесь {} стандартного отклонения, у того же потока годом раньше ({} класс) {} (ожидалось здесь {}), через год ({}, {} класс) {} (ожидалось {})",
        dec1(after.z),
        before.next_grade - 1,
        dec1(before.z),
        dec1(fit.a + fit.b * before.z),
        after.next_exam.russian(),
        after.next_grade,
        dec1(after.z_next),
        dec1(predicted)
    );
    let mut f = Finding::tested(z, normal_sf(z), total / 2.0, reason);
    f.note = format!(
        "подъём над годом раньше и спад через год вместе; {}; работ {}, годом раньше {}, через год {}",
        line_note(fit),
        after.n,
        before.n,
        after.n_next
    );
    for (n, what) in [
        (after.n, "работ"),
        (before.n, "работ того же потока годом раньше"),
        (after.n_next, "работ того же потока через год"),
    ] {
        if n < cfg.min_works {
            return f.below_minimum(n, what, cfg);
        }
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(z: f64, z_next: f64) -> Pair {
        Pair {
            z,
            n: 25,
            z_next,
            n_next: 25,
            next_exam: Exam::Vpr,
            next_grade: 5,
        }
    }

    #[test]
    fn rise_and_spike_by_hand() {
        let fit = Fit {
            a: 0.0,
            b: 0.8,
            tau2: 0.02,
            pairs: 40,
        };
        let cfg = SignsConfig::default();
        // The cohort a year earlier at 0.1, this cell at 0.5, 25 works each:
        // u = 0.5 − 0.8 · 0.1 = 0.42, V₋ = 0.02 + 0.64/25 + 1/25 = 0.0856,
        // Z = 0.42 / √0.0856 = 1.4355304.
        let before = Pair {
            z: 0.1,
            n: 25,
            z_next: 0.5,
            n_next: 25,
            next_exam: Exam::Vpr,
            next_grade: 6,
        };
        let f = judge_rise(&before, &fit, &cfg);
        assert!(f.evaluated);
        assert!((f.statistic.unwrap() - 1.435_530_4).abs() < 1e-6);
        assert!((f.effect.unwrap() - 0.42).abs() < 1e-12);
        // And the cohort a year later at 0.1: d = 0.8 · 0.5 − 0.1 = 0.3, V₊ =
        // 0.0856, the shared error 2 · 0.8 / 25 = 0.064: Z = 0.72 /
        // √0.2352 = 1.4846150, p = 0.0688229 (Φ by Python's math.erfc),
        // effect 0.36.
        let after = Pair {
            z: 0.5,
            n: 25,
            z_next: 0.1,
            n_next: 25,
            next_exam: Exam::Vpr,
            next_grade: 7,
        };
        let f = judge_spike(&before, &after, &fit, &cfg);
        assert!((f.statistic.unwrap() - 1.484_615_0).abs() < 1e-6);
        assert!((f.p_value.unwrap() - 0.068_822_9).abs() < 1e-6);
        assert!((f.effect.unwrap() - 0.36).abs() < 1e-12);
        // A cohort a year earlier of 3 works: numbers kept, not evaluated.
        let small = Pair { n: 3, ..before };
        let f = judge_spike(&small, &after, &fit, &cfg);
        assert!(!f.evaluated && f.statistic.is_some());
    }

    #[test]
    fn line_and_spread_by_hand() {
        // Ten pairs z = 0, 0.1, …, 0.9 with z′ = 0.1 + 0.5 z + 0.2 at even and
        // − 0.2 at odd indices. Least squares in exact rational arithmetic
        // (Python fractions): b = 25/66, a = 17/110, Σ r² / (10 − 2) =
        // 0.048484848484848485.
        let pairs: Vec<Pair> = (0..10)
            .map(|i| {
                let x = i as f64 / 10.0;
                pair(x, 0.1 + 0.5 * x + if i % 2 == 0 { 0.2 } else { -0.2 })
            })
            .collect();
        let f = fit(&pairs).unwrap();
        assert!((f.b - 25.0 / 66.0).abs() < 1e-12, "{f:?}");
        assert!((f.a - 17.0 / 110.0).abs() < 1e-12, "{f:?}");
        // τ² = 0.048484848484848485 − (b²/25 + 1/25) = 0.0028…
        let noise = (25.0f64 / 66.0).powi(2) / 25.0 + 1.0 / 25.0;
        assert!(
            (f.tau2 - (0.048484848484848485 - noise)).abs() < 1e-12,
            "{f:?}"
        );
        assert_eq!(fit(&pairs[..9]), None);
    }

    #[test]
    fn shortfall_by_hand() {
        // a = 0.1, b = 0.6, τ² = 0.05; z = 1.0 (n = 20), z′ = 0.2 (n′ = 25):
        // predicted 0.7, shortfall 0.5, variance 0.05 + 0.36/20 + 1/25 =
        // 0.108, Z = 0.5 / √0.108 = 1.5214515486254614.
        let fit = Fit {
            a: 0.1,
            b: 0.6,
            tau2: 0.05,
            pairs: 10,
        };
        let p = Pair {
            n: 20,
            ..pair(1.0, 0.2)
        };
        let (predicted, short, z) = shortfall(&fit, &p);
        assert!((predicted - 0.7).abs() < 1e-12 && (short - 0.5).abs() < 1e-12);
        assert!((z - 1.5214515486254614).abs() < 1e-12, "{z}");
    }

    #[test]
    fn the_spread_is_read_from_the_large_schools_where_sizes_differ() {
        // 200 pairs, v from 0.01 to 0.2 (schools of different sizes), the
        // squared residuals exactly 0.03 + 0.5 v: the intercept 0.03, where
        // ȳ − v̄ = (0.03 + 0.5·0.105) − 0.105 < 0.
        let v: Vec<f64> = (0..200)
            .map(|i| 0.01 + 0.19 * f64::from(i) / 199.0)
            .collect();
        let y: Vec<f64> = v.iter().map(|x| 0.03 + 0.5 * x).collect();
        assert!((spread(&y, &v, true) - 0.03).abs() < 1e-12);
        // Not by size: asked not to, fewer than 200 pairs, schools of one
        // size — max(0, ȳ − v̄).
        assert_eq!(spread(&y, &v, false), 0.0);
        assert_eq!(spread(&y[..199], &v[..199], true), 0.0);
        assert!((spread(&y, &[0.05; 200], true) - (0.0825 - 0.05)).abs() < 1e-12);
        // A slope above 1 is held at 1: never below ȳ − v̄.
        let y2: Vec<f64> = v.iter().map(|x| 0.01 + 1.5 * x).collect();
        assert!((spread(&y2, &v, true) - (0.01 + 0.5 * 0.105)).abs() < 1e-12);
    }

    #[test]
    fn a_cell_piled_on_the_floor_or_the_ceiling_is_at_the_edge() {
        // Half of the works at the test's lowest score (0) or highest (20).
        assert!(at_edge(&[0.0, 0.0, 3.0, 5.0], 0.0, 20.0));
        assert!(at_edge(&[20.0, 0.0, 3.0, 5.0], 0.0, 20.0));
        // Fewer than half: judged.
        assert!(!at_edge(&[0.0, 2.0, 3.0, 5.0, 20.0 - 1.0], 0.0, 20.0));
        assert!(!at_edge(&[], 0.0, 20.0));
    }

    #[test]
    fn only_vpr_cohorts_have_a_next_test() {
        assert_eq!(next_of(Exam::Vpr, 4), Some((Exam::Vpr, 5)));
        assert_eq!(next_of(Exam::Vpr, 8), Some((Exam::Oge, 9)));
        assert_eq!(next_of(Exam::Oge, 9), None);
        assert_eq!(next_of(Exam::Ege, 11), None);
    }
}
