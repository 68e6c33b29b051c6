//! S8: a pile of works on one primary score — identical totals where the task
//! scores that would show identical answers are not in the data.
//!
//! Copied or dictated works share their score: a group hands in the same
//! answers and lands on the same total. With task scores that is what the
//! identical-works sign (S5) reads, far more sharply; with totals only (the
//! FIS OKO exports of many offices) what is left is a pile in the cell's
//! distribution: many more works on one score than its distribution holds.
//!
//! * **Statistic**: x = the most works on one score, among the cell's n works
//!   on scores other than 0 and the maximum (piles at the floor and the
//!   ceiling are ordinary on easy and hard tests and depend on a cell's level
//!   more steeply than the level groups follow). A mark's cut-off is a
//!   candidate: f holds the region's own mass there, and a copied work of a
//!   top pupil often sits on one; the cut-off sign (S3) reads the whole cell
//!   and misses a pile that one variant holds. Until stop 30 the cut-offs were
//!   left out: a group of 31 works of one variant on the cut-off of «4» (59
//!   works) had S8 p = 0.43 and S3 p = 0.0024; `evaluate --shape totals`
//!   copying moderate / strong 0.438 / 0.812 → 0.750 / 0.875 of cells marked,
//!   honest p ≤ 0.001 0.037 % → 0.035 %.
//! * **Null hypothesis**: the cell's n works are drawn from the distribution
//!   f of scores of *comparable* cells — the same test, the same fifth of the
//!   distribution of cell means (fewer, larger groups in a small test:
//!   [`super::level_groups`]), without the cell's own works — so a test's own
//!   lumps (parity of two-point tasks, a popular score) are part of f.
//! * **p-value**: exactly P(max_s K_s ≥ x) for (K_s) ~ Multinomial(n, f)
//!   ([`p_max_at_least`]): the choice of the cell's own most frequent score
//!   is in the null, so no comparison of windows is needed. A cell whose
//!   spread is narrower than its group's piles more by chance; the empirical
//!   null of [`crate::evidence`] widens the sign's null for that.
//! * **Variant by variant**: a group that copies hands in one work, so its
//!   pile is on one variant, while desk-mates write different variants (the
//!   point of variants). Where the cell has two variants or more and they
//!   hold on average 5 candidate works or more, x is the largest pile of any
//!   variant, and given each variant's n_v works (the variants independent,
//!   each Multinomial(n_v, f)) p = 1 − Π_v (1 − P(max_s K_{v,s} ≥ x))
//!   ([`p_max_over_variants`]); the effect is x / n_v − max_s f_s of the
//!   pile's variant. Which reading applies depends only on who wrote which
//!   variant, never on a score, so the p-value stays valid. Half the works per
//!   variant roughly halve an honest pile while a copied group stays whole: in
//!   `evaluate --shape totals` copying of a quarter of a cell went from 0 to
//!   0.31 of its cells marked, honest cells p ≤ 0.001 0.05 % → 0.04 %. One f
//!   serves every variant (variants of one test differ little in difficulty;
//!   what they differ by, the empirical null absorbs).
//! * **Class by class**: a copied work is handed on between the desks of one
//!   class, so where the class is given and the cell has several, the blocks
//!   are the variants of each class (the same rule: two blocks or more, on
//!   average 5 candidate works each; else the variants alone, else the whole
//!   cell). The reading again depends only on who sat in which class and
//!   wrote which variant.
//! * **Rule**: enters the cell's evidence when the effect x / n − max_s f_s
//!   (the excess of the pile's share over the most likely score's) ≥
//!   `identical_min_effect`. In one family with S5; evaluated only where S5
//!   cannot be (fewer than 5 task columns), so the two never count twice.
//! * **Minimum sample**: `min_works` works on the candidate scores; a known
//!   maximum score ([`crate::model::TestBlock::max_primary`]).
//! * **Reference**: Angoff W.H. (1974) The development of statistical indices
//!   for detecting cheaters, JASA 69 (similarity of copied works); Levin B.
//!   (1981) A representation for multinomial cumulative distribution
//!   functions, Annals of Statistics 9(5) (the maximum of multinomial counts,
//!   computed here by conditional binomials).

use statrs::distribution::{Binomial, DiscreteCDF};

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, pct};
use crate::report::html::plural;

pub struct IdenticalTotals;

/// (score of the mode, works on it, works on candidate scores) of a cell's
/// scores, the scores in `skip` not candidates; None without a candidate.
fn mode_of(scores: &[f32], skip: &[f32]) -> Option<(f32, u64, u64)> {
    let mut sorted: Vec<f32> = scores.iter().copied().filter(|x| !x.is_nan()).collect();
    sorted.sort_by(f32::total_cmp);
    let mut best: Option<(f32, u64)> = None;
    for run in sorted.chunk_by(|a, b| a == b) {
        let s = run[0];
        if skip.iter().any(|&k| (k - s).abs() < 1e-6) {
            continue;
        }
        let n = run.len() as u64;
        if best.is_none_or(|(_, b)| n > b) {
            best = Some((s, n));
        }
    }
    let (s, x) = best?;
    let m = (sorted.iter())
        .filter(|&&v| !skip.iter().any(|&k| (k - v).abs() < 1e-6))
        .count() as u64;
    Some((s, x, m))
}

/// P(max_s K_s ≥ x) for (K_s) ~ Multinomial(n, f) (`f` need not sum to 1: it
/// is normalised). One minus the probability that every count stays below x,
/// computed score by score: given the r works placed on earlier scores, the
/// count of score s is Binomial(n − r, f_s / Σ_{s′ ≥ s} f_s′); a dynamic
/// programme over r keeps only the paths with every count < x
/// (O(scores · n · x), the binomial probabilities by their ratio recurrence).
pub fn p_max_at_least(n: usize, f: &[f64], x: usize) -> f64 {
    if x == 0 {
        return 1.0;
    }
    if x > n {
        return 0.0;
    }
    let mut rest: f64 = f.iter().filter(|v| **v > 0.0).sum();
    if rest <= 0.0 {
        return 0.0;
    }
    // dp[r]: probability that r works went to the scores so far, each < x.
    let mut dp = vec![0.0; n + 1];
    dp[0] = 1.0;
    for &fs in f.iter().filter(|v| **v > 0.0) {
        let q = (fs / rest).clamp(0.0, 1.0);
        rest -= fs;
        let mut next = vec![0.0; n + 1];
        for r in 0..=n {
            if dp[r] == 0.0 {
                continue;
            }
            let left = n - r;
            if q >= 1.0 - 1e-12 {
                // The last score takes every work left.
                if left < x {
                    next[n] += dp[r];
                }
                continue;
            }
            // Binomial(left, q) pmf from k = 0 upwards.
            let mut pmf = (1.0 - q).powi(left as i32);
            let ratio = q / (1.0 - q);
            for k in 0..x.min(left + 1) {
                next[r + k] += dp[r] * pmf;
                pmf *= (left - k) as f64 / (k + 1) as f64 * ratio;
            }
        }
        dp = next;
    }
    let p = (1.0 - dp[n]).clamp(0.0, 1.0);
    if p > 1e-9 {
        return p;
    }
    // Far in the tail 1 − P(all < x) loses its digits (it rounds to 0); there
    // the union bound Σ_s P(K_s ≥ x), each K_s ~ Binomial(n, f_s), is exact to
    // the leading order and never below the true value.
    let sum: f64 = f.iter().filter(|v| **v > 0.0).sum();
    (f.iter().filter(|v| **v > 0.0))
        .map(|&fs| Binomial::new((fs / sum).min(1.0), n as u64).map_or(0.0, |b| b.sf(x as u64 - 1)))
        .sum::<f64>()
        .min(1.0)
}

impl Sign for IdenticalTotals {
    fn id(&self) -> &'static str {
        "S8"
    }
    fn title(&self) -> &'static str {
        "Скопление работ на одном первичном балле"
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            formula: "n — работ ячейки с баллом не 0 и не максимум; x — наибольшее число из них с одним и тем же баллом. f — распределение баллов в ячейках того же теста и уровня (пятая часть по среднему баллу), без самой ячейки. p = P(наибольшее из K_s ≥ x) для (K_s) ~ Мультиномиальное(n; f), точно. Если в ячейке два варианта и больше (в среднем не меньше 5 работ на вариант), x — наибольшее скопление внутри одного варианта, p = 1 − Π_v (1 − P_v), где P_v = P(наибольшее из K_s ≥ x) для (K_s) ~ Мультиномиальное(n_v; f), n_v — работ варианта v; если указаны классы и в ячейке их несколько, так же читаются варианты каждого класса (в среднем не меньше 5 работ на вариант класса). Эффект: x/n (x/n_v) минус наибольшая из долей f_s.",
            statistic: "the most works on one score (other than 0 and the maximum) among the cell's n works on such scores; within one variant where the cell has several, within one variant of one class where classes are given",
            null: "the cell's works are a multinomial draw from the score distribution of cells of similar level (same fifth of cell means) in the same test, the cell left out",
            rule: "exact P(max count >= x); enters the evidence when x / n − max f >= identical_min_effect; evaluated only without task scores (else S5)",
            min_sample: "min_works works on candidate scores, a known maximum; fewer than 5 task columns",
            compared: "сколько работ ОО набрали один и тот же первичный балл (если вариантов несколько — по одному и тому же варианту, а если указаны классы — в одном классе) — с тем, сколько совпадений даёт случайно распределение баллов в ячейках того же теста и похожего уровня",
            unusual: "на одном балле работ намного больше, чем бывает случайно: так выглядят одинаковые работы группы участников (списывание, подсказки), когда баллов за задания нет",
            needs: "только первичные баллы и максимальный балл теста, номер варианта и класс — если они есть; признак проверяется, когда нет баллов за задания (иначе совпадения видит признак «Совпадающие работы»)",
            reference: "Angoff (1974); Levin (1981)",
        }
    }
    /// Identical works read from the totals; with task scores the
    /// identical-works sign reads them and this one is not evaluated.
    fn family(&self) -> &'static str {
        "S5"
    }
    fn stands_in_for(&self) -> Option<&'static str> {
        Some("S5")
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.identical_min_effect
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        let n_cells = test.block.cells.len();
        let p = match prepare(test, cfg) {
            Ok(p) => p,
            Err(findings) => return findings,
        };
        // Each level group's histogram over the candidate scores.
        let group_hist: Vec<Vec<f64>> = (p.members.iter())
            .map(|m| {
                let mut h = vec![0.0; p.bins];
                for &c in m {
                    for (a, b) in h.iter_mut().zip(&p.hist[c]) {
                        *a += b;
                    }
                }
                h
            })
            .collect();
        (0..n_cells)
            .map(|c| {
                let Some((s, x, n)) = p.modes[c] else {
                    return Finding::skipped("все работы — на 0 или на максимуме");
                };
                if (n as usize) < cfg.min_works || p.fifth[c] == usize::MAX {
                    return Finding::too_small(n, "работ", cfg);
                }
                // The group's distribution without the cell's own works.
                let f: Vec<f64> = (group_hist[p.fifth[c]].iter().zip(&p.hist[c]))
                    .map(|(g, own)| g - own)
                    .collect();
                let total: f64 = f.iter().sum();
                if total < 2.0 * n as f64 {
                    return Finding::skipped("в тесте слишком мало других работ этого уровня для сравнения");
                }
                let top = f.iter().copied().fold(0.0, f64::max) / total;
                let cell = test.block.cell(c);
                let class: Vec<&str> = cell.class().iter().map(|&c| test.codes.get(c)).collect();
                if let Some(piles) = block_piles(&cell.primary().to_vec(), cell.variant(), &class, &p.skip) {
                    let best = variant_best(&piles);
                    let pv = p_max_over_variants(&piles, &f, best.x as usize);
                    let share = best.x as f64 / best.n as f64;
                    let wrote = match best.variant {
                        0 => "без указанного варианта".to_owned(),
                        v => format!("вариант {v}"),
                    };
                    let wrote = if best.by_class {
                        format!("{wrote} в одном классе")
                    } else {
                        wrote
                    };
                    let reason = format!(
                        "{} из {} {}, писавших {wrote}, набрали ровно {} перв. балла ({}), а у участников ОО того же уровня самый частый балл набирают не больше {} (когда баллов за задания нет, так выглядят одинаковые работы группы участников: они пишут один вариант)",
                        best.x,
                        best.n,
                        plural(best.n, ["участника", "участников", "участников"]),
                        best.score,
                        pct(share),
                        pct(top)
                    );
                    let next = p_max_over_variants(&piles, &f, best.x as usize + 1);
                    return Finding::tested(best.x as f64, pv, share - top, reason).with_next(next);
                }
                let share = x as f64 / n as f64;
                let reason = format!(
                    "{x} {} из {n} набрали ровно {s} перв. балла ({}), а у участников ОО того же уровня самый частый балл набирают не больше {} (когда баллов за задания нет, так выглядят одинаковые работы группы участников)",
                    plural(x, ["участник", "участника", "участников"]),
                    pct(share),
                    pct(top)
                );
                let pv = p_max_at_least(n as usize, &f, x as usize);
                let next = p_max_at_least(n as usize, &f, x as usize + 1);
                Finding::tested(x as f64, pv, share - top, reason).with_next(next)
            })
            .collect()
    }
}

/// Fewest candidate works a block (a variant, or a class's variant) holds on
/// average for a cell to be read block by block.
const MIN_PER_VARIANT: usize = 5;

/// One block's largest pile in a cell: the works of one variant, or of one
/// variant in one class.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Pile {
    variant: u16,
    /// Read class by class (else by variant alone).
    by_class: bool,
    score: f32,
    /// Works on the pile.
    x: u64,
    /// The block's works on candidate scores.
    n: u64,
}

/// The largest pile of each block of a cell, the finest reading that holds:
/// by variant within each class (a copied work is handed on between desks of
/// one class, and its copies carry its variant), else by variant alone. A
/// reading holds with two blocks or more (a work without a variant counts as
/// variant 0) holding on average `MIN_PER_VARIANT` candidate works or more;
/// none holding, the cell is read as a whole (None). The choice reads only
/// who wrote which variant in which class, never a score.
/// `class` holds each work's class code ("" where none is given).
fn block_piles(
    primary: &[f32],
    variant: &[u16],
    class: &[&str],
    skip: &[f32],
) -> Option<Vec<Pile>> {
    // Two classes or more (works without a class count as one of them).
    if class.iter().any(|c| Some(c) != class.first()) {
        let keys: Vec<(u16, &str)> = variant.iter().copied().zip(class.iter().copied()).collect();
        if let Some(piles) = piles_by(primary, &keys, skip, true) {
            return Some(piles);
        }
    }
    let keys: Vec<(u16, &str)> = variant.iter().map(|&v| (v, "")).collect();
    piles_by(primary, &keys, skip, false)
}

/// The piles of the blocks given by `keys` (variant, class code), when the
/// reading holds (see [`block_piles`]); the blocks in the order of their keys.
fn piles_by(
    primary: &[f32],
    keys: &[(u16, &str)],
    skip: &[f32],
    by_class: bool,
) -> Option<Vec<Pile>> {
    let mut by: std::collections::BTreeMap<(u16, &str), Vec<f32>> =
        std::collections::BTreeMap::new();
    for (&s, &k) in primary.iter().zip(keys) {
        by.entry(k).or_default().push(s);
    }
    // A block without a work on a candidate score has no pile (`mode_of`
    // counts the candidates) and does not count.
    let piles: Vec<Pile> = (by.into_iter())
        .filter_map(|((variant, _), scores)| {
            let (score, x, n) = mode_of(&scores, skip)?;
            Some(Pile {
                variant,
                by_class,
                score,
                x,
                n,
            })
        })
        .collect();
    let works: u64 = piles.iter().map(|p| p.n).sum();
    (piles.len() >= 2 && works >= (MIN_PER_VARIANT * piles.len()) as u64).then_some(piles)
}

/// The pile reported: the most works, then the largest share of its block,
/// then the lowest variant, then the lowest score, then the first class by
/// its code.
fn variant_best(piles: &[Pile]) -> Pile {
    let mut best = piles[0];
    for &p in &piles[1..] {
        let more = (p.x.cmp(&best.x))
            .then((p.x * best.n).cmp(&(best.x * p.n)))
            .then(best.variant.cmp(&p.variant))
            .then(best.score.total_cmp(&p.score))
            .is_gt();
        if more {
            best = p;
        }
    }
    best
}

/// P(the largest pile of any variant ≥ x): given each variant's number of
/// works n_v, its scores are Multinomial(n_v, f), the variants independent, so
/// P = 1 − Π_v (1 − P(max_s K_{v,s} ≥ x)).
fn p_max_over_variants(piles: &[Pile], f: &[f64], x: usize) -> f64 {
    let log_none: f64 = (piles.iter())
        .map(|p| (-p_max_at_least(p.n as usize, f, x)).ln_1p())
        .sum();
    (-log_none.exp_m1()).clamp(0.0, 1.0)
}

/// What the comparisons of a test are made from.
struct Prepared {
    /// Per cell: its mode (score, works on it, works on candidate scores) and
    /// its histogram over the score bins (candidate scores only).
    modes: Vec<Option<(f32, u64, u64)>>,
    hist: Vec<Vec<f64>>,
    bins: usize,
    /// The level group of each usable cell (usize::MAX for the others) and the groups.
    fifth: Vec<usize>,
    members: Vec<Vec<usize>>,
    /// Scores that are not candidates (0 and the maximum).
    skip: Vec<f32>,
}

fn prepare(test: &TestInput<'_>, cfg: &SignsConfig) -> Result<Prepared, Vec<Finding>> {
    let block = test.block;
    let n_cells = block.cells.len();
    if block.tasks.len() >= 5 {
        return Err(vec![
            Finding::skipped(
                "есть баллы за задания: одинаковые работы проверяет признак «Совпадающие работы»"
            );
            n_cells
        ]);
    }
    let Some(max) = block.max_primary() else {
        return Err(vec![
            Finding::skipped(
                "неизвестен максимальный первичный балл теста"
            );
            n_cells
        ]);
    };
    let skip: Vec<f32> = vec![0.0, max];
    // Score bins: halves where the test is scored in halves, capped so that
    // no value inside the data decides the memory (a maximum is at most a few
    // hundred points).
    let step = if block
        .primary
        .iter()
        .any(|p| p.fract() != 0.0 && !p.is_nan())
    {
        0.5
    } else {
        1.0
    };
    let bins = ((max / step).ceil() as usize + 1).min(2001);
    let bin = |v: f32| ((v / step).round().max(0.0) as usize).min(bins - 1);
    let candidate = |v: f32| !v.is_nan() && !skip.iter().any(|&k| (k - v).abs() < 1e-6);
    let mut modes = Vec::with_capacity(n_cells);
    let mut hist = Vec::with_capacity(n_cells);
    let mut mean = Vec::with_capacity(n_cells);
    for c in 0..n_cells {
        let cell = block.cell(c);
        let valid: Vec<f32> = cell
            .primary()
            .iter()
            .copied()
            .filter(|x| !x.is_nan())
            .collect();
        let mut h = vec![0.0; bins];
        for &v in valid.iter().filter(|&&v| candidate(v)) {
            h[bin(v)] += 1.0;
        }
        hist.push(h);
        mean.push(valid.iter().map(|&x| f64::from(x)).sum::<f64>() / valid.len().max(1) as f64);
        modes.push(mode_of(&valid, &skip));
    }
    let mut order: Vec<usize> = (0..n_cells)
        .filter(|&c| modes[c].is_some_and(|(_, _, n)| n as usize >= cfg.min_works))
        .collect();
    order.sort_by(|&a, &b| mean[a].total_cmp(&mean[b]).then(a.cmp(&b)));
    let (fifth, members) = super::level_groups(&order, n_cells, cfg.min_cells);
    Ok(Prepared {
        modes,
        hist,
        bins,
        fifth,
        members,
        skip,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StrPool;

    #[test]
    fn mode_skips_floor_ceiling_and_cut_offs() {
        // Scores: 0 ×4, 7 ×3, 8 ×2, 10 ×5 (a cut-off), 20 ×4 (the maximum).
        let mut v = vec![0.0; 4];
        v.extend([7.0; 3]);
        v.extend([8.0; 2]);
        v.extend([10.0; 5]);
        v.extend([20.0; 4]);
        // Candidates 7 and 8: the mode 7 (3 works) of 5 candidate works.
        assert_eq!(mode_of(&v, &[0.0, 20.0, 10.0]), Some((7.0, 3, 5)));
        // Without skipping the cut-off, 10 is the mode, of 10 candidate works.
        assert_eq!(mode_of(&v, &[0.0, 20.0]), Some((10.0, 5, 10)));
        // Ties: the lowest score. Nothing but skipped scores: None.
        assert_eq!(mode_of(&[3.0, 3.0, 5.0, 5.0], &[]), Some((3.0, 2, 4)));
        assert_eq!(mode_of(&[0.0, 20.0], &[0.0, 20.0]), None);
    }

    #[test]
    fn variants_read_apart_by_hand() {
        // Two variants of 2 works, two equally likely scores, a pile of 2:
        // each variant has it with probability 1 − 1/2 = 1/2, so
        // P = 1 − (1/2)(1/2) = 3/4.
        let pile = |n| Pile {
            variant: 1,
            by_class: false,
            score: 1.0,
            x: 0,
            n,
        };
        let p = p_max_over_variants(&[pile(2), pile(2)], &[1.0, 1.0], 2);
        assert!((p - 0.75).abs() < 1e-12, "{p}");
        // 3 and 1 works, a pile of 3: only the first can, all three on one of
        // two scores, 2 · (1/2)³ = 1/4.
        let p = p_max_over_variants(&[pile(3), pile(1)], &[1.0, 1.0], 3);
        assert!((p - 0.25).abs() < 1e-12, "{p}");
    }

    #[test]
    fn variants_split_a_cell_only_when_each_holds_enough() {
        // Candidate scores (0 and 20 skipped): variant 1 has 7 ×4, 8, 9;
        // variant 2 has 7, 8 ×2, 9 ×3 — 12 works, 6 per variant.
        let primary = [
            7.0, 7.0, 7.0, 7.0, 8.0, 9.0, 7.0, 8.0, 8.0, 9.0, 9.0, 9.0, 0.0, 20.0,
        ];
        let variant = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 1, 2];
        let none = [""; 14];
        let piles = block_piles(&primary, &variant, &none, &[0.0, 20.0]).unwrap();
        assert_eq!(piles.len(), 2);
        assert_eq!((piles[0].score, piles[0].x, piles[0].n), (7.0, 4, 6));
        assert_eq!((piles[1].score, piles[1].x, piles[1].n), (9.0, 3, 6));
        assert_eq!(variant_best(&piles).variant, 1);
        // One variant only, or fewer than 5 works a variant: read as a whole.
        assert!(block_piles(&primary, &[1; 14], &none, &[0.0, 20.0]).is_none());
        let many: Vec<u16> = (1..=14).collect();
        assert!(block_piles(&primary, &many, &none, &[0.0, 20.0]).is_none());
    }

    #[test]
    fn classes_split_a_variant_when_each_block_holds_enough() {
        // Two classes (7А and 7Б), two variants, 20 candidate works: four
        // blocks of 5. 7А's variant 1 holds the pile 12 ×4; read by variant
        // alone the pile is 4 of variant 1's 10 works.
        let mut primary = vec![12.0, 12.0, 12.0, 12.0, 5.0]; // 7А, variant 1
        primary.extend([4.0, 5.0, 6.0, 7.0, 8.0]); // 7А, variant 2
        primary.extend([3.0, 6.0, 9.0, 10.0, 11.0]); // 7Б, variant 1
        primary.extend([3.0, 4.0, 5.0, 9.0, 10.0]); // 7Б, variant 2
        let variant: Vec<u16> = [1, 2, 1, 2].iter().flat_map(|&v| [v; 5]).collect();
        let class: Vec<&str> = ["7А", "7А", "7Б", "7Б"]
            .iter()
            .flat_map(|&c| [c; 5])
            .collect();
        let skip = [0.0, 20.0];
        let piles = block_piles(&primary, &variant, &class, &skip).unwrap();
        assert_eq!(piles.len(), 4);
        let best = variant_best(&piles);
        assert_eq!(
            (best.variant, best.by_class, best.score, best.x, best.n),
            (1, true, 12.0, 4, 5)
        );
        // Three blocks of 5 and one of 1 (16 works: 4 a block on average, too
        // few): read by variant alone, as if no class were given.
        let p16 = &primary[..16];
        let (v16, c16) = (&variant[..16], &class[..16]);
        let by_variant = block_piles(p16, v16, &[""; 16], &skip);
        assert_eq!(block_piles(p16, v16, c16, &skip), by_variant);
        assert!(by_variant.unwrap().iter().all(|p| !p.by_class));
        // One class for every work: the variant reading.
        let one = block_piles(&primary, &variant, &["7А"; 20], &skip).unwrap();
        assert_eq!(one.len(), 2);
        assert!(one.iter().all(|p| !p.by_class));
    }

    #[test]
    fn a_copied_group_is_read_in_its_class_by_its_codes() {
        use crate::signs::testing::{block, input};
        use crate::signs::{Shared, SpreadPools};
        // As the loader gives them, every work has a class id of its own
        // (codes are not interned): the classes are told apart by their codes.
        // 200 cells of 24 works spread over 6..17 (two variants, two classes
        // of 12, the variant alternating by desk) and one where 8 of class
        // 7Б's 12 hand in 15 on variant 2 — by variant alone 8 of 12 on
        // variant 2, in its class 8 of 8.
        let honest =
            |c: usize| -> Vec<f32> { (0..24).map(|i| (6 + (i * 7 + c * 5) % 12) as f32).collect() };
        let mut cells: Vec<(Vec<f32>, Vec<u8>)> =
            (0..200).map(|c| (honest(c), vec![4; 24])).collect();
        let mut odd = honest(7);
        for i in (13..24).step_by(2).chain([12, 14]) {
            odd[i] = 15.0;
        }
        cells.push((odd, vec![4; 24]));
        let mut b = block(&cells);
        b.max_score = Some(30.0);
        let mut codes = StrPool::default();
        b.variant = (0..b.n_works()).map(|w| 1 + (w % 2) as u16).collect();
        b.class = (0..b.n_works())
            .map(|w| codes.push(if w % 24 < 12 { "7А" } else { "7Б" }))
            .collect();
        for w in 0..24 {
            let at = 200 * 24 + w;
            if b.primary[at] == 15.0 {
                b.variant[at] = 2;
            }
        }
        let (shared, spreads) = (Shared::default(), SpreadPools::default());
        let mut input = input(&b, &shared, &spreads, &codes);
        let by_class = IdenticalTotals.evaluate(&input, &SignsConfig::default())[200].clone();
        assert!(by_class.reason.contains("в одном классе"), "{by_class:?}");
        // Without the codes (every class "") the same cell is read by variant.
        let none = StrPool::default();
        let mut b2 = b.clone();
        b2.class = vec![StrPool::NONE; b.n_works()];
        input.block = &b2;
        input.codes = &none;
        let by_variant = IdenticalTotals.evaluate(&input, &SignsConfig::default())[200].clone();
        assert!(
            !by_variant.reason.contains("в одном классе"),
            "{by_variant:?}"
        );
        assert!(by_class.p_value.unwrap() < by_variant.p_value.unwrap() / 10.0);
    }

    #[test]
    fn maximum_count_tail_matches_enumeration() {
        // Known answers by brute-force enumeration of every multinomial
        // outcome in Python (sum of n!/Π cᵢ! Π fᵢ^cᵢ over outcomes with
        // max cᵢ ≥ x):
        let cases: [(usize, &[f64], usize, f64); 4] = [
            (6, &[0.5, 0.3, 0.2], 3, 0.919),
            (8, &[1.0, 2.0, 3.0, 4.0], 4, 0.6427872000000004),
            (10, &[1.0; 5], 5, 0.16370944000000012),
            (8, &[1.0, 2.0, 3.0, 4.0], 1, 1.0),
        ];
        for (n, f, x, want) in cases {
            let got = p_max_at_least(n, f, x);
            assert!((got - want).abs() < 1e-12, "n {n}, x {x}: {got} vs {want}");
        }
        assert_eq!(p_max_at_least(8, &[1.0, 2.0, 3.0, 4.0], 9), 0.0);
        // Far in the tail the union bound: 30 works all on one of 20 equally
        // likely scores, P = 20 · 20⁻³⁰ = 20⁻²⁹ = 1.8626451492309571e-38.
        let tiny = p_max_at_least(30, &[1.0; 20], 30);
        assert!((tiny / 1.8626451492309571e-38 - 1.0).abs() < 1e-9, "{tiny}");
        assert_eq!(p_max_at_least(8, &[0.0, 0.0], 2), 0.0);
    }

    #[test]
    fn a_pile_on_one_score_stands_out_among_smooth_cells() {
        use crate::signs::testing::{block, input};
        use crate::signs::{Shared, SpreadPools};
        // 200 honest cells of 24 works, each score the sum of three uniform
        // draws from 0..=10 (SD ≈ 5.5 points; a seeded generator); one cell
        // with 10 of its 24 works on 17. (On a much narrower distribution,
        // SD 2.7, 10 works of 24 on one score happen by chance about once in
        // a hundred cells, and the sign rightly says little.)
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut honest = || -> Vec<f32> {
            (0..24)
                .map(|_| (0..3).map(|_| rng.random_range(0..=10u32)).sum::<u32>() as f32)
                .collect()
        };
        let mut cells: Vec<(Vec<f32>, Vec<u8>)> =
            (0..200).map(|_| (honest(), vec![4; 24])).collect();
        let mut odd = honest()[..14].to_vec();
        odd.extend([17.0; 10]);
        cells.push((odd, vec![4; 24]));
        let mut b = block(&cells);
        b.max_score = Some(30.0);
        let (shared, spreads) = (Shared::default(), SpreadPools::default());
        let codes = StrPool::default();
        let input = input(&b, &shared, &spreads, &codes);
        let f = IdenticalTotals.evaluate(&input, &SignsConfig::default());
        assert!(f[200].evaluated, "{:?}", f[200]);
        let p_odd = f[200].p_value.unwrap();
        let honest: Vec<f64> = f[..200].iter().filter_map(|f| f.p_value).collect();
        let honest_min = honest.iter().copied().fold(1.0, f64::min);
        let at_5 = honest.iter().filter(|&&p| p <= 0.05).count() as f64 / honest.len() as f64;
        // The pile stands far below every honest cell, and honest cells are
        // not flagged more often than the nominal rate (the null is exact for
        // cells drawn from their group's distribution).
        assert!(
            p_odd < 1e-4 && honest_min > 100.0 * p_odd && at_5 <= 0.08,
            "odd {p_odd}, honest min {honest_min}, share at 0.05 {at_5}"
        );
        // With task scores it is the identical-works sign's business.
        let mut with_tasks = block(&cells);
        with_tasks.tasks = (1..=5)
            .map(|k| crate::model::TaskInfo {
                index: k,
                max: 6.0,
                max_declared: true,
                level: None,
                label: k.to_string(),
            })
            .collect();
        let input = TestInput {
            block: &with_tasks,
            ..input
        };
        let f = IdenticalTotals.evaluate(&input, &SignsConfig::default());
        assert!(f.iter().all(|f| !f.evaluated));
    }
}
