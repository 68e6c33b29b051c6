//! Response-profile tests for one *test* (exam × subject × grade × year)
//! across a region: signs that hard tasks were dictated to a class.
//!
//! Input everywhere is a score matrix `scores` (works × tasks) of
//! integer-valued `f32` in `0..=max_j` (no NaN). Scores are rounded and
//! clamped at 0 before use. A *cell* is a contiguous row range of one school.
//! Both tests return a one-sided p-value and an effect size; the caller turns
//! the p-values of all cells into Benjamini–Hochberg q-values, applies a
//! minimum effect and a minimum number of works per cell (both the caller's
//! choice: this module flags nothing by itself).
//!
//! # Hard tasks
//! The caller passes which tasks are "hard": advanced / high-level tasks, or,
//! when levels are unknown, [`hardest_third`]: the `ceil(J / 3)` tasks with the
//! lowest regional success rate (mean score / max; ties by task index; tasks
//! with max ≤ 0 are never hard; an empty region gives no hard tasks).
//!
//! # Test A: hard-task excess conditional on the total ([`hard_excess`])
//! For work `i`: total `t_i` (sum of scores) and hard score `h_i` (sum over
//! hard tasks). Regional reference ([`HardReference`]): for each total `t`,
//! `m(t)` = mean and `v(t)` = population variance of `h` among region works
//! with total `t`. Sparse totals: when fewer than 30 region works have total
//! `t`, the works with totals in the symmetric window `t ± w` are pooled, with
//! the smallest `w = 1, 2, …` that gives at least 30 works or covers the whole
//! observed range of totals (at the ends of the range the window is truncated
//! to the observed range). `m` and `v` are then the mean and population
//! variance of `h` over the pooled works. Totals outside the observed range use
//! the same rule (the window grows until it reaches the data).
//!
//! * Statistic: `z = Σ_i (h_i − m(t_i)) / sqrt(Σ_i v(t_i))` over the cell.
//! * Null hypothesis: the cell's pupils have the same conditional distribution
//!   of the hard-task score given the total as the region's pupils with the
//!   same totals. Conditioning on the total removes ability, so a strong school
//!   is not flagged for being strong (under a Rasch / partial-credit model the
//!   total is sufficient for ability and the null holds exactly for honest
//!   schools of any ability).
//! * Rule: one-sided `p = P(Z ≥ z)`, `Z ~ N(0, 1)` (normal approximation to a
//!   sum of independent bounded terms).
//! * Effect: `Σ_i (h_i − m(t_i)) / (n · H)`, the excess hard-task score per
//!   pupil as a share of the hard maximum `H`. Because the API carries no task
//!   maxima for this test, `H` is the sum over hard tasks of the largest score
//!   observed for that task in the region (on regional data each task maximum
//!   is reached; if a hard task's maximum never occurs the effect is slightly
//!   overstated).
//! * Edge cases: no hard tasks, all-equal scores or any cell with
//!   `Σ v(t_i) = 0` → `z = 0`, `p = 1`; `H = 0` → effect 0; an empty cell →
//!   `z = 0`, `p = 1`, effect 0; a one-pupil cell is computed as usual (the
//!   caller's minimum sample excludes it from flagging); an empty region gives
//!   `m = v = 0` everywhere.
//! * This is a school-level standardized conditional residual in the spirit of
//!   the Mantel–Haenszel DIF statistic (Holland & Thayer 1988, matching on the
//!   total score) and of the Chicago retest/answer-string analysis (Jacob &
//!   Levitt 2003).
//!
//! # Test B: excess of misfitting pupils ([`misfit_excess`])
//! Polytomous Guttman errors (Molenaar 1991; Emons 2008): task `j` with max
//! `m_j` becomes `m_j` binary steps (step `k` passed iff score ≥ `k`). All `S`
//! steps are ordered by regional popularity (share of region works passing
//! the step, descending; ties by task index, then by step). For a work with
//! `r` passed steps, `G` = number of pairs (`a` more popular than `b`) with
//! `a` failed and `b` passed, counted in O(S) by a running count of failed
//! more-popular steps; `G_N = G / (r · (S − r))` ([`normed_guttman`]), and
//! `G_N = 0` when `r = 0` or `r = S` (including `S = 0`).
//!
//! * Regional reference ([`GuttmanReference`]): the region's works are split
//!   into 5 bands of the total score by the region's total-score quintiles
//!   (cut points `c_k` = the `⌈k·N/5⌉`-th smallest total, `k = 1..4`; a work
//!   is in band `#{k : t > c_k}`, so ties never split and a band may be
//!   empty). In each band `q95` = the 95th percentile of `G_N` (nearest rank:
//!   the `⌈0.95·n_b⌉`-th smallest value). A work *misfits* when
//!   `G_N > q95` of its band. `p0` = the region's exact share of misfitting
//!   works (≤ 0.05, smaller when ties sit at `q95`).
//! * Statistic: `x` = number of the cell's misfitting works.
//! * Null hypothesis: the cell's works misfit at the regional rate given
//!   their totals, `x ~ Binomial(n, p0)`.
//! * Rule: one-sided `p = P(X ≥ x)`.
//! * Effect: `x / n − p0`.
//! * Edge cases: `r = 0` or `r = S` → `G_N = 0`; all-equal scores → all
//!   `G_N = 0`, `p0 = 0`, `x = 0`, `p = 1`; `x = 0` → `p = 1`; an empty cell →
//!   `p = 1`, effect 0; a one-pupil cell is computed as usual (`p ∈ {1, p0}`).
//! * Both tests take a cell as a row range of the works their reference was
//!   built from: each work's `(t, h)` and misfit flag are computed once, when
//!   the reference is built, and a cell only sums them.
//!
//! # References
//! * Molenaar I.W. (1991). A weighted Loevinger H-coefficient extending Mokken
//!   scaling to multicategory items. Kwantitatieve Methoden 12(37).
//! * Emons W.H.M. (2008). Nonparametric person-fit analysis of polytomous item
//!   scores. Applied Psychological Measurement 32(3), 224–247.
//! * Meijer R.R., Sijtsma K. (2001). Methodology review: evaluating person
//!   fit. Applied Psychological Measurement 25(2), 107–135.
//! * Holland P.W., Thayer D.T. (1988). Differential item performance and the
//!   Mantel–Haenszel procedure. In: Wainer & Braun (eds.), Test Validity.
//! * Jacob B.A., Levitt S.D. (2003). Rotten apples: an investigation of the
//!   prevalence and predictors of teacher cheating. Quarterly Journal of
//!   Economics 118(3), 843–877.

use ndarray::{ArrayView1, ArrayView2};
use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, Normal};
use std::ops::Range;

/// Minimum number of region works behind `m(t)`, `v(t)` before pooling.
const MIN_GROUP: u64 = 30;
/// Number of total-score bands for the Guttman reference.
const BANDS: usize = 5;
/// Percentile of `G_N` within a band above which a work misfits.
const MISFIT_QUANTILE: f64 = 0.95;

/// A score as a non-negative integer (rounded, clamped at 0).
fn score(x: f32) -> u32 {
    super::whole_score(x)
}

/// A work's score sum as stored per work (saturating: no test comes near).
fn narrow(x: u64) -> u32 {
    u32::try_from(x).unwrap_or(u32::MAX)
}

/// A test's task scores as whole numbers ([`super::whole_score`]), works ×
/// tasks row by row: rounded once for both references of the sign instead of
/// in each of their passes over the matrix.
#[derive(Clone, Debug)]
pub struct WholeScores {
    values: Vec<u32>,
    works: usize,
    tasks: usize,
}

impl WholeScores {
    pub fn of(scores: ArrayView2<'_, f32>) -> WholeScores {
        let (works, tasks) = scores.dim();
        let mut values = Vec::with_capacity(works * tasks);
        match scores.as_slice() {
            Some(all) => values.extend(all.iter().map(|&x| score(x))),
            None => values.extend(scores.iter().map(|&x| score(x))),
        }
        WholeScores {
            values,
            works,
            tasks,
        }
    }

    /// The works' rows in order (empty rows when the test has no tasks).
    fn rows(&self) -> impl Iterator<Item = &[u32]> {
        (0..self.works).map(|i| &self.values[i * self.tasks..(i + 1) * self.tasks])
    }
}

/// Total score of one work.
fn total_of(row: &[u32]) -> u64 {
    row.iter().map(|&x| u64::from(x)).sum()
}

/// The `ceil(J / 3)` tasks with the lowest regional success rate
/// (mean score / max), ties by task index. Tasks with `max ≤ 0` are never
/// hard; an empty region gives no hard tasks.
pub fn hardest_third(scores: ArrayView2<'_, f32>, max: &[f32]) -> Vec<bool> {
    hardest_third_of(&WholeScores::of(scores), max)
}

/// [`hardest_third`] of scores already rounded.
pub fn hardest_third_of(scores: &WholeScores, max: &[f32]) -> Vec<bool> {
    let tasks = max.len();
    assert_eq!(scores.tasks, tasks, "scores columns must match max");
    let mut hard = vec![false; tasks];
    let n = scores.works;
    if n == 0 {
        return hard;
    }
    let mut sums = vec![0f64; tasks];
    for row in scores.rows() {
        for (s, &x) in sums.iter_mut().zip(row) {
            *s += f64::from(x);
        }
    }
    let mut rates: Vec<(f64, usize)> = (0..tasks)
        .filter(|&j| max[j] > 0.0)
        .map(|j| (sums[j] / n as f64 / f64::from(max[j]), j))
        .collect();
    rates.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let k = tasks.div_ceil(3);
    for &(_, j) in rates.iter().take(k) {
        hard[j] = true;
    }
    hard
}

/// Regional reference for [`hard_excess`]: conditional mean and variance of
/// the hard-task score given the total score.
#[derive(Clone, Debug)]
pub struct HardReference {
    /// Smallest observed total.
    tmin: u64,
    /// Largest observed total.
    tmax: u64,
    /// Prefix sums over totals `tmin..=tmax`: works, Σh, Σh² (index 0 = empty).
    cum_n: Vec<u64>,
    cum_h: Vec<f64>,
    cum_h2: Vec<f64>,
    /// Pooled `(m, v)` for each total in `tmin..=tmax`.
    table: Vec<(f64, f64)>,
    /// `(t, h)` of every work the reference was built from, in row order.
    works: Vec<(u32, u32)>,
    /// `H`: the hard maximum, Σ of the largest observed scores of the hard tasks.
    big_h: u64,
}

impl HardReference {
    /// Builds the reference from all works of the test in the region.
    /// O(N · J + T log T), T = range of totals.
    pub fn build(scores: ArrayView2<'_, f32>, hard: &[bool]) -> HardReference {
        HardReference::of(&WholeScores::of(scores), hard)
    }

    /// [`HardReference::build`] from scores already rounded.
    pub fn of(scores: &WholeScores, hard: &[bool]) -> HardReference {
        assert_eq!(scores.tasks, hard.len(), "scores columns must match hard");
        let mut task_max = vec![0u32; hard.len()];
        let mut works: Vec<(u32, u32)> = Vec::with_capacity(scores.works);
        for row in scores.rows() {
            let (mut total, mut hard_total) = (0u64, 0u64);
            for ((m, &x), &h) in task_max.iter_mut().zip(row).zip(hard) {
                *m = (*m).max(x);
                total += u64::from(x);
                hard_total += if h { u64::from(x) } else { 0 };
            }
            works.push((narrow(total), narrow(hard_total)));
        }
        let big_h: u64 = task_max
            .iter()
            .zip(hard)
            .filter(|(_, h)| **h)
            .map(|(&m, _)| u64::from(m))
            .sum();
        let (tmin, tmax) = match (
            works.iter().map(|w| u64::from(w.0)).min(),
            works.iter().map(|w| u64::from(w.0)).max(),
        ) {
            (Some(a), Some(b)) => (a, b),
            _ => {
                return HardReference {
                    tmin: 0,
                    tmax: 0,
                    cum_n: vec![0, 0],
                    cum_h: vec![0.0, 0.0],
                    cum_h2: vec![0.0, 0.0],
                    table: vec![(0.0, 0.0)],
                    works,
                    big_h,
                };
            }
        };
        let width = (tmax - tmin + 1) as usize;
        let mut n = vec![0u64; width];
        let mut sh = vec![0f64; width];
        let mut sh2 = vec![0f64; width];
        for &(t, h) in &works {
            let i = (u64::from(t) - tmin) as usize;
            let h = f64::from(h);
            n[i] += 1;
            sh[i] += h;
            sh2[i] += h * h;
        }
        let mut cum_n = vec![0u64; width + 1];
        let mut cum_h = vec![0f64; width + 1];
        let mut cum_h2 = vec![0f64; width + 1];
        for i in 0..width {
            cum_n[i + 1] = cum_n[i] + n[i];
            cum_h[i + 1] = cum_h[i] + sh[i];
            cum_h2[i + 1] = cum_h2[i] + sh2[i];
        }
        let mut r = HardReference {
            tmin,
            tmax,
            cum_n,
            cum_h,
            cum_h2,
            table: Vec::new(),
            works,
            big_h,
        };
        r.table = (tmin..=tmax).map(|t| r.pooled(t)).collect();
        r
    }

    /// Works and sums over totals in the window `t ± w` ∩ observed range.
    fn window(&self, t: u64, w: u64) -> (u64, f64, f64) {
        let lo = t.saturating_sub(w).max(self.tmin);
        let hi = t.saturating_add(w).min(self.tmax);
        if lo > hi {
            return (0, 0.0, 0.0);
        }
        let a = (lo - self.tmin) as usize;
        let b = (hi - self.tmin) as usize + 1;
        (
            self.cum_n[b] - self.cum_n[a],
            self.cum_h[b] - self.cum_h[a],
            self.cum_h2[b] - self.cum_h2[a],
        )
    }

    /// `(m, v)` with the pooling rule: smallest `w` giving ≥ 30 works or
    /// covering the whole observed range (binary search: counts grow with `w`).
    fn pooled(&self, t: u64) -> (f64, f64) {
        let full = t.saturating_sub(self.tmin).max(self.tmax.saturating_sub(t));
        let enough = |w: u64| self.window(t, w).0 >= MIN_GROUP || w >= full;
        let (mut lo, mut hi) = (0u64, full);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if enough(mid) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        let (n, sh, sh2) = self.window(t, lo);
        if n == 0 {
            return (0.0, 0.0);
        }
        let n = n as f64;
        let m = sh / n;
        let v = (sh2 / n - m * m).max(0.0);
        (m, v)
    }

    /// `(m(t), v(t))`: mean and population variance of the hard-task score
    /// among region works with total `total` (pooled when sparse).
    pub fn conditional(&self, total: u32) -> (f64, f64) {
        self.conditional_u64(u64::from(total))
    }

    fn conditional_u64(&self, t: u64) -> (f64, f64) {
        if (self.tmin..=self.tmax).contains(&t) {
            self.table[(t - self.tmin) as usize]
        } else {
            self.pooled(t)
        }
    }
}

/// Result of [`hard_excess`] for one cell.
#[derive(Clone, Debug, PartialEq)]
pub struct HardExcess {
    /// Standardized excess `Σ(h − m(t)) / sqrt(Σ v(t))` (0 when `Σ v = 0`).
    pub z: f64,
    /// One-sided `P(Z ≥ z)`.
    pub p_value: f64,
    /// Excess hard-task score per pupil as a share of the hard maximum.
    pub effect: f64,
    /// Number of works in the cell.
    pub works: usize,
}

/// Test A for the cell `rows`, a range of the works the reference was built
/// from: hard-task excess conditional on the total.
pub fn hard_excess(r: &HardReference, rows: Range<usize>) -> HardExcess {
    let works = rows.len();
    let mut sum_d = 0.0;
    let mut sum_v = 0.0;
    for &(t, h) in &r.works[rows] {
        let (m, v) = r.conditional(t);
        sum_d += f64::from(h) - m;
        sum_v += v;
    }
    let big_h = r.big_h;
    let effect = if works > 0 && big_h > 0 {
        sum_d / (works as f64 * big_h as f64)
    } else {
        0.0
    };
    if sum_v <= 0.0 || works == 0 {
        return HardExcess {
            z: 0.0,
            p_value: 1.0,
            effect,
            works,
        };
    }
    let z = sum_d / sum_v.sqrt();
    let normal = Normal::new(0.0, 1.0).expect("standard normal");
    HardExcess {
        z,
        p_value: normal.sf(z),
        effect,
        works,
    }
}

/// Regional reference for [`misfit_excess`]: step order by popularity and
/// the `q95` of normed Guttman errors within total-score bands.
#[derive(Clone, Debug)]
pub struct GuttmanReference {
    /// Number of steps of each task (its rounded max).
    steps: Vec<u32>,
    /// Σ of the positions (0-based, in the popularity order) of steps
    /// `1..=s` of task `j` at `cum[start[j] + s]` (`s = 0` gives 0).
    cum: Vec<u64>,
    start: Vec<usize>,
    /// `S`: the number of steps of all tasks.
    s_total: u64,
    /// Band cut points on the total (`band = #{k : t > cuts[k]}`).
    cuts: Vec<u64>,
    /// `q95` of `G_N` per band (`+∞` for an empty band).
    q95: Vec<f64>,
    /// Region share of works with `G_N > q95` of their band.
    p0: f64,
    /// Whether each work the reference was built from misfits, in row order.
    misfit: Vec<bool>,
}

impl GuttmanReference {
    /// Builds the reference from all works of the test in the region.
    /// O(N · S + N log N).
    pub fn build(scores: ArrayView2<'_, f32>, max: &[f32]) -> GuttmanReference {
        GuttmanReference::of(&WholeScores::of(scores), max)
    }

    /// [`GuttmanReference::build`] from scores already rounded.
    pub fn of(scores: &WholeScores, max: &[f32]) -> GuttmanReference {
        assert_eq!(scores.tasks, max.len(), "scores columns must match max");
        let steps: Vec<u32> = max.iter().map(|&m| score(m)).collect();
        let mut offset = Vec::with_capacity(steps.len());
        let mut s_total = 0usize;
        for &m in &steps {
            offset.push(s_total);
            s_total += m as usize;
        }
        // Passing counts per step via per-task score histograms.
        let mut hist: Vec<Vec<u64>> = steps.iter().map(|&m| vec![0; m as usize + 1]).collect();
        for row in scores.rows() {
            for ((h, &x), &m) in hist.iter_mut().zip(row).zip(&steps) {
                h[x.min(m) as usize] += 1;
            }
        }
        // (count passing, task, step)
        let mut order: Vec<(u64, usize, u32)> = Vec::with_capacity(s_total);
        for (j, h) in hist.iter().enumerate() {
            let mut at_least = 0u64;
            let mut counts = vec![0u64; h.len()];
            for k in (1..h.len()).rev() {
                at_least += h[k];
                counts[k] = at_least;
            }
            for (k, &c) in counts.iter().enumerate().skip(1) {
                order.push((c, j, k as u32));
            }
        }
        order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut pos = vec![0u64; s_total];
        for (p, &(_, j, k)) in order.iter().enumerate() {
            pos[offset[j] + k as usize - 1] = p as u64;
        }
        let mut cum = Vec::with_capacity(s_total + steps.len());
        let mut start = Vec::with_capacity(steps.len());
        for (j, &m) in steps.iter().enumerate() {
            start.push(cum.len());
            let mut sum = 0u64;
            cum.push(0);
            for k in 0..m as usize {
                sum += pos[offset[j] + k];
                cum.push(sum);
            }
        }
        let mut r = GuttmanReference {
            steps,
            cum,
            start,
            s_total: s_total as u64,
            cuts: Vec::new(),
            q95: vec![f64::INFINITY; BANDS],
            p0: 0.0,
            misfit: Vec::new(),
        };

        let n = scores.works;
        let works: Vec<(u64, f64)> = scores
            .rows()
            .map(|row| (total_of(row), r.normed(row)))
            .collect();
        if n == 0 {
            return r;
        }
        let mut totals: Vec<u64> = works.iter().map(|w| w.0).collect();
        totals.sort_unstable();
        r.cuts = (1..BANDS)
            .map(|k| totals[(k * n).div_ceil(BANDS).max(1) - 1])
            .collect();
        let mut by_band: Vec<Vec<f64>> = vec![Vec::new(); BANDS];
        for w in &works {
            by_band[r.band(w.0)].push(w.1);
        }
        for (b, g) in by_band.iter_mut().enumerate() {
            if g.is_empty() {
                continue;
            }
            g.sort_unstable_by(f64::total_cmp);
            let rank = (MISFIT_QUANTILE * g.len() as f64).ceil() as usize;
            r.q95[b] = g[rank.clamp(1, g.len()) - 1];
        }
        r.misfit = works.iter().map(|w| w.1 > r.q95[r.band(w.0)]).collect();
        r.p0 = r.misfit.iter().filter(|&&m| m).count() as f64 / n as f64;
        r
    }

    fn band(&self, total: u64) -> usize {
        self.cuts.iter().filter(|&&c| total > c).count()
    }

    /// `G_N` of one work. With `p` the 0-based positions of the steps in the
    /// popularity order, a passed step at `p` follows `p − (passed steps before
    /// it)` failed ones, so `G = Σ_passed p − r(r − 1)/2`: one lookup per task.
    fn normed(&self, work: &[u32]) -> f64 {
        let mut passed = 0u64;
        let mut sum_pos = 0u64;
        for (j, &x) in work.iter().enumerate() {
            let s = x.min(self.steps[j]) as usize;
            passed += s as u64;
            sum_pos += self.cum[self.start[j] + s];
        }
        let s_total = self.s_total;
        if passed == 0 || passed == s_total {
            return 0.0;
        }
        let g = sum_pos - passed * (passed - 1) / 2;
        g as f64 / (passed * (s_total - passed)) as f64
    }
}

/// Normed polytomous Guttman errors `G_N = G / (r · (S − r))` of one work
/// (0 when `r = 0` or `r = S`).
pub fn normed_guttman(r: &GuttmanReference, work: ArrayView1<'_, f32>) -> f64 {
    assert_eq!(work.len(), r.steps.len(), "work length must match tasks");
    let whole: Vec<u32> = work.iter().map(|&x| score(x)).collect();
    r.normed(&whole)
}

/// Result of [`misfit_excess`] for one cell.
#[derive(Clone, Debug, PartialEq)]
pub struct MisfitExcess {
    /// Works with `G_N` above their band's `q95`.
    pub misfits: u64,
    /// Number of works in the cell.
    pub works: usize,
    /// Regional share `p0` of misfitting works.
    pub expected_share: f64,
    /// One-sided `P(X ≥ misfits)`, `X ~ Binomial(works, p0)`.
    pub p_value: f64,
    /// `misfits / works − p0` (0 for an empty cell).
    pub effect: f64,
}

/// `P(X ≥ x)` for `X ~ Binomial(n, p)`.
fn binomial_upper_tail(x: u64, n: u64, p: f64) -> f64 {
    if x == 0 {
        1.0
    } else if x > n || p <= 0.0 {
        0.0
    } else if p >= 1.0 {
        1.0
    } else {
        let b = Binomial::new(p, n).expect("valid binomial");
        b.sf(x - 1).clamp(0.0, 1.0)
    }
}

/// Test B for the cell `rows`, a range of the works the reference was built
/// from: excess of misfitting pupils.
pub fn misfit_excess(r: &GuttmanReference, rows: Range<usize>) -> MisfitExcess {
    let works = rows.len();
    let misfits = r.misfit[rows].iter().filter(|&&m| m).count() as u64;
    let p0 = r.p0;
    let effect = if works > 0 {
        misfits as f64 / works as f64 - p0
    } else {
        0.0
    };
    MisfitExcess {
        misfits,
        works,
        expected_share: p0,
        p_value: binomial_upper_tail(misfits, works as u64, p0),
        effect,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{Array2, array};

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * (1.0 + b.abs())
    }

    /// 3 tasks, maxima [1, 2, 1]; steps (task, step).
    fn guttman_region() -> (Array2<f32>, Vec<f32>) {
        let s = array![
            [1.0f32, 2.0, 1.0],
            [1.0, 1.0, 0.0],
            [1.0, 2.0, 0.0],
            [0.0, 1.0, 1.0],
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 1.0],
        ];
        (s, vec![1.0, 2.0, 1.0])
    }

    #[test]
    fn guttman_known_answers() {
        // Passing counts over the 6 works: (0,1): 4, (1,1): 5, (1,2): 2,
        // (2,1): 3. Order by popularity: pos0 (1,1), pos1 (0,1), pos2 (2,1),
        // pos3 (1,2); S = 4.
        let (s, max) = guttman_region();
        let r = GuttmanReference::build(s.view(), &max);
        let g = |w: [f32; 3]| normed_guttman(&r, ndarray::aview1(&w));
        // [0,1,1] → y = (1,0,1,0): pos2 passed after 1 failed → G = 1,
        // r = 2, G_N = 1 / (2·2).
        assert!(close(g([0.0, 1.0, 1.0]), 0.25, 1e-12));
        // [0,0,1] → y = (0,0,1,0): G = 2, r = 1, G_N = 2 / (1·3).
        assert!(close(g([0.0, 0.0, 1.0]), 2.0 / 3.0, 1e-12));
        // [1,0,0] → y = (0,1,0,0): G = 1, r = 1, G_N = 1/3.
        assert!(close(g([1.0, 0.0, 0.0]), 1.0 / 3.0, 1e-12));
        // [0,2,0] → y = (1,0,0,1): pos3 passed after 2 failed → G = 2,
        // r = 2, G_N = 2/4.
        assert!(close(g([0.0, 2.0, 0.0]), 0.5, 1e-12));
        // [1,1,0] → y = (1,1,0,0): Guttman-perfect, G = 0.
        assert_eq!(g([1.0, 1.0, 0.0]), 0.0);
        // r = S and r = 0.
        assert_eq!(g([1.0, 2.0, 1.0]), 0.0);
        assert_eq!(g([0.0, 0.0, 0.0]), 0.0);
        // Scores above the max are clamped: [3,5,2] is r = S.
        assert_eq!(g([3.0, 5.0, 2.0]), 0.0);
    }

    #[test]
    fn guttman_ties_by_task_then_step() {
        // Maxima [2, 1]; 2 works: [2,1] and [0,0]. All 3 steps have
        // popularity 1/2, so the order is (0,1), (0,2), (1,1).
        let s = array![[2.0f32, 1.0], [0.0, 0.0]];
        let r = GuttmanReference::build(s.view(), &[2.0, 1.0]);
        // [0,1] → y = (0,0,1): G = 2, r = 1, G_N = 2 / (1·2) = 1.
        assert_eq!(normed_guttman(&r, ndarray::aview1(&[0.0f32, 1.0])), 1.0);
        // [1,1] → y = (1,0,1): G = 1, r = 2, G_N = 1 / (2·1) = 0.5.
        assert_eq!(normed_guttman(&r, ndarray::aview1(&[1.0f32, 1.0])), 0.5);
        // [2,0] → y = (1,1,0): G = 0.
        assert_eq!(normed_guttman(&r, ndarray::aview1(&[2.0f32, 0.0])), 0.0);
    }

    /// Two tasks of max 2, hard = task 1. Rows:
    /// 0: [0,0] ×1; 1..16: [1,0] ×15; 16..31: [0,1] ×15;
    /// 31..51: [2,0] ×20; 51..61: [0,2] ×10; 61..63: [2,2] ×2.
    fn hard_region() -> Array2<f32> {
        let mut rows: Vec<[f32; 2]> = vec![[0.0, 0.0]];
        rows.extend(std::iter::repeat_n([1.0, 0.0], 15));
        rows.extend(std::iter::repeat_n([0.0, 1.0], 15));
        rows.extend(std::iter::repeat_n([2.0, 0.0], 20));
        rows.extend(std::iter::repeat_n([0.0, 2.0], 10));
        rows.extend(std::iter::repeat_n([2.0, 2.0], 2));
        Array2::from_shape_vec((rows.len(), 2), rows.concat()).unwrap()
    }

    #[test]
    fn hard_reference_known_answers() {
        let s = hard_region();
        let hard = [false, true];
        let r = HardReference::build(s.view(), &hard);
        // t = 1: 30 works, h = 0 ×15, 1 ×15 → m = 0.5, v = 0.25.
        let (m, v) = r.conditional(1);
        assert!(close(m, 0.5, 1e-12) && close(v, 0.25, 1e-12));
        // t = 2: 30 works, h = 0 ×20, 2 ×10 → m = 2/3, v = 4/3 − 4/9 = 8/9.
        let (m, v) = r.conditional(2);
        assert!(close(m, 2.0 / 3.0, 1e-12) && close(v, 8.0 / 9.0, 1e-12));
        // t = 4: 2 works; t±1 (3..5) adds none; t±2 (2..6 ∩ 0..4) → 32
        // works: h = 0 ×20, 2 ×12 → m = 24/32 = 0.75, v = 48/32 − 0.5625.
        let (m, v) = r.conditional(4);
        assert!(close(m, 0.75, 1e-12) && close(v, 0.9375, 1e-12));
        // t = 0: 1 work; t±1 → 31 works, h = 0 ×16, 1 ×15 → m = 15/31,
        // v = 15/31 − 225/961 = 240/961.
        let (m, v) = r.conditional(0);
        assert!(close(m, 15.0 / 31.0, 1e-12) && close(v, 240.0 / 961.0, 1e-12));
        // t = 3 (no works): t±1 → totals 2..4 → 32 works, same as t = 4.
        let (m, v) = r.conditional(3);
        assert!(close(m, 0.75, 1e-12) && close(v, 0.9375, 1e-12));
        // t = 9 (outside): window grows to t±7 → totals 2..4, again 32 works.
        let (m, v) = r.conditional(9);
        assert!(close(m, 0.75, 1e-12) && close(v, 0.9375, 1e-12));

        // Cell = rows 51..63: 10 × (t=2, h=2), 2 × (t=4, h=2).
        // Σd = 10·(2 − 2/3) + 2·(2 − 0.75) = 15.8333…,
        // Σv = 10·8/9 + 2·0.9375 = 10.7638…, z = 4.826004826007…
        // p = scipy.stats.norm.sf(4.82600482600724) = 6.9649567019452e-07
        // effect = Σd / (12 · H), H = 2 → 0.65972…
        let e = hard_excess(&r, 51..63);
        assert_eq!(e.works, 12);
        assert!(close(e.z, 4.82600482600724, 1e-12));
        assert!(close(e.p_value, 6.9649567019452e-07, 1e-9));
        assert!(close(e.effect, 0.6597222222222223, 1e-12));

        // The whole region: residuals sum to ~0 over unpooled totals; not
        // significant.
        let all = hard_excess(&r, 0..s.nrows());
        assert!(all.p_value > 0.1);
    }

    #[test]
    fn binomial_tail_known_answers() {
        // scipy.stats.binom.sf(7 - 1, 25, 0.05) = 0.00016875315008158497
        assert!(close(
            binomial_upper_tail(7, 25, 0.05),
            0.00016875315008158497,
            1e-9
        ));
        // scipy.stats.binom.sf(3 - 1, 20, 0.0475) = 0.06679630858211398
        assert!(close(
            binomial_upper_tail(3, 20, 0.0475),
            0.06679630858211398,
            1e-9
        ));
        assert_eq!(binomial_upper_tail(0, 20, 0.05), 1.0);
        assert_eq!(binomial_upper_tail(1, 20, 0.0), 0.0);
    }

    #[test]
    fn edge_no_hard_tasks() {
        let s = hard_region();
        let hard = [false, false];
        let r = HardReference::build(s.view(), &hard);
        let e = hard_excess(&r, 51..63);
        assert_eq!(
            e,
            HardExcess {
                z: 0.0,
                p_value: 1.0,
                effect: 0.0,
                works: 12
            }
        );
    }

    #[test]
    fn edge_one_pupil_and_empty_cell() {
        let s = hard_region();
        let hard = [false, true];
        let r = HardReference::build(s.view(), &hard);
        // Row 51: t = 2, h = 2 → d = 4/3, v = 8/9, z = (4/3) / sqrt(8/9).
        let e = hard_excess(&r, 51..52);
        assert_eq!(e.works, 1);
        assert!(close(e.z, (4.0 / 3.0) / (8.0f64 / 9.0).sqrt(), 1e-12));
        assert!(e.p_value > 0.0 && e.p_value < 1.0);
        assert!(close(e.effect, (4.0 / 3.0) / 2.0, 1e-12));
        let e = hard_excess(&r, 5..5);
        assert_eq!((e.works, e.p_value, e.effect), (0, 1.0, 0.0));

        let (g, max) = guttman_region();
        let gr = GuttmanReference::build(g.view(), &max);
        let m = misfit_excess(&gr, 3..4);
        assert_eq!(m.works, 1);
        assert!(m.p_value == 1.0 || close(m.p_value, m.expected_share, 1e-12));
        let m = misfit_excess(&gr, 2..2);
        assert_eq!((m.works, m.misfits, m.p_value, m.effect), (0, 0, 1.0, 0.0));
    }

    #[test]
    fn edge_all_equal_scores() {
        let s = Array2::from_elem((50, 4), 1.0f32);
        let max = [2.0f32; 4];
        let hard = hardest_third(s.view(), &max);
        assert_eq!(hard, vec![true, true, false, false]);
        let r = HardReference::build(s.view(), &hard);
        assert_eq!(r.conditional(4), (2.0, 0.0));
        let e = hard_excess(&r, 0..25);
        assert_eq!((e.z, e.p_value, e.effect), (0.0, 1.0, 0.0));

        let g = GuttmanReference::build(s.view(), &max);
        assert_eq!(normed_guttman(&g, s.row(0)), 0.0);
        let m = misfit_excess(&g, 0..25);
        assert_eq!(m.misfits, 0);
        assert_eq!(m.expected_share, 0.0);
        assert_eq!(m.p_value, 1.0);
    }

    #[test]
    fn edge_empty_region() {
        let s = Array2::<f32>::zeros((0, 3));
        let max = [1.0f32, 2.0, 1.0];
        assert_eq!(hardest_third(s.view(), &max), vec![false; 3]);
        let r = HardReference::build(s.view(), &[true, false, false]);
        assert_eq!(r.conditional(3), (0.0, 0.0));
        let g = GuttmanReference::build(s.view(), &max);
        // No data: all steps tie at popularity 0, order (0,1), (1,1), (1,2),
        // (2,1); [0,1,1] → y = (0,1,0,1): G = 1 + 2 = 3, r = 2, G_N = 3/4.
        assert_eq!(
            normed_guttman(&g, ndarray::aview1(&[0.0f32, 1.0, 1.0])),
            0.75
        );
        let m = misfit_excess(&g, 0..0);
        assert_eq!((m.misfits, m.expected_share, m.p_value), (0, 0.0, 1.0));
    }

    #[test]
    fn hardest_third_picks_lowest_success() {
        // Success rates: 1.0, 0.25, 0.5, 0.0 (max 0 → never), 0.75, 0.25.
        let s = array![
            [1.0f32, 0.0, 1.0, 0.0, 2.0, 0.0],
            [1.0, 1.0, 1.0, 0.0, 1.0, 1.0]
        ];
        let max = [1.0f32, 2.0, 2.0, 0.0, 2.0, 2.0];
        // ceil(6/3) = 2 tasks: rates 0.25 (task 1) and 0.25 (task 5).
        assert_eq!(
            hardest_third(s.view(), &max),
            vec![false, true, false, false, false, true]
        );
    }

    /// Tiny deterministic generator (64-bit LCG, top 53 bits).
    struct Lcg(u64);
    impl Lcg {
        fn uniform(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        }
        fn normal(&mut self) -> f64 {
            let (u, v) = (self.uniform(), self.uniform());
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        }
        /// Partial-credit item: P(s) ∝ exp(Σ_{k≤s} (θ − δ_k)).
        fn pcm(&mut self, theta: f64, deltas: &[f64]) -> f32 {
            let mut w = vec![1.0f64];
            let mut acc = 0.0;
            for d in deltas {
                acc += theta - d;
                w.push(acc.exp());
            }
            let mut u = self.uniform() * w.iter().sum::<f64>();
            for (s, x) in w.iter().enumerate() {
                if u < *x {
                    return s as f32;
                }
                u -= x;
            }
            deltas.len() as f32
        }
    }

    #[test]
    fn simulation_sanity() {
        const SCHOOLS: usize = 80;
        const PUPILS: usize = 25;
        const CHEAT: usize = 30;
        // 20 tasks: 12 basic of max 1, 5 of max 2, 3 high-level of max 3.
        let mut max = vec![1.0f32; 12];
        max.extend([2.0f32; 5]);
        max.extend([3.0f32; 3]);
        let difficulty: Vec<f64> = (0..20)
            .map(|j| match j {
                0..12 => -1.5 + 2.0 * j as f64 / 11.0,
                12..17 => 0.0 + 0.25 * (j - 12) as f64,
                _ => 1.2 + 0.3 * (j - 17) as f64,
            })
            .collect();
        let deltas: Vec<Vec<f64>> = (0..20)
            .map(|j| {
                let m = max[j] as usize;
                (1..=m)
                    .map(|k| difficulty[j] + 0.6 * (k as f64 - (m as f64 + 1.0) / 2.0))
                    .collect()
            })
            .collect();
        let hard_levels: Vec<bool> = (0..20).map(|j| j >= 17).collect();
        let mut rng = Lcg(20240611);
        let mut s = Array2::<f32>::zeros((SCHOOLS * PUPILS, 20));
        for school in 0..SCHOOLS {
            let effect = -1.0 + 2.5 * school as f64 / (SCHOOLS - 1) as f64;
            for p in 0..PUPILS {
                let i = school * PUPILS + p;
                let theta = effect + rng.normal();
                for j in 0..20 {
                    s[[i, j]] = rng.pcm(theta, &deltas[j]);
                }
                // 60 % of the cheating school's pupils get full marks on the
                // hard tasks regardless of ability.
                if school == CHEAT && p < PUPILS * 3 / 5 {
                    for j in 17..20 {
                        s[[i, j]] = max[j];
                    }
                }
            }
        }
        let hard = hardest_third(s.view(), &max);
        // The three high-level tasks are among the hardest third.
        assert!(hard[17] && hard[18] && hard[19]);
        let cell = |k: usize| k * PUPILS..(k + 1) * PUPILS;

        // (mask, minimum effect): the dictated high-level tasks, and the
        // hardest third (7 tasks, of which only 3 were dictated, so the effect
        // is diluted).
        for (mask, min_effect) in [(&hard_levels, 0.2), (&hard, 0.05)] {
            let r = HardReference::build(s.view(), mask);
            let mut min_honest = 1.0f64;
            for k in (0..SCHOOLS).filter(|&k| k != CHEAT) {
                let e = hard_excess(&r, cell(k));
                min_honest = min_honest.min(e.p_value);
            }
            assert!(min_honest > 1e-4, "honest min p = {min_honest}");
            // The strongest schools are not flagged for being strong.
            for k in SCHOOLS - 5..SCHOOLS {
                let e = hard_excess(&r, cell(k));
                assert!(e.p_value > 1e-3, "strong school {k}: {e:?}");
            }
            let e = hard_excess(&r, cell(CHEAT));
            assert!(e.p_value < 1e-6, "cheat: {e:?}");
            assert!(e.effect >= min_effect, "cheat: {e:?}");
        }

        let g = GuttmanReference::build(s.view(), &max);
        assert!(g.p0 > 0.0 && g.p0 <= 0.05);
        let m = misfit_excess(&g, cell(CHEAT));
        assert!(m.p_value < 1e-3, "cheat misfit: {m:?}");
        assert!(m.effect > 0.0);
        assert!(close(
            m.p_value,
            binomial_upper_tail(m.misfits, PUPILS as u64, m.expected_share),
            1e-12
        ));
        let mut min_honest = 1.0f64;
        for k in (0..SCHOOLS).filter(|&k| k != CHEAT) {
            min_honest = min_honest.min(misfit_excess(&g, cell(k)).p_value);
        }
        assert!(min_honest > 1e-4, "honest misfit min p = {min_honest}");
    }
}
