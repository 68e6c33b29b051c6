//! S3: bunching of works at and just above the mark cut-offs.
//!
//! Lenient marking lifts works that fall a point or two short of a mark to the
//! cut-off, emptying the scores just below it and piling them up *on* it: a
//! lifted work gets just the points it lacks, so it lands on the cut-off score
//! itself, not above it.
//!
//! * **Statistic**: for each cut-off c of marks 3, 4, 5 and d = max(1,
//!   round(0.05 · maximum)) points, the number of works scoring exactly c (*at*)
//!   among the works in [c − d, c] (*window*: the cut-off and the d scores below
//!   it); X = the sum of the *at* counts over the cut-offs. Comparing the
//!   cut-off score with the scores just below it, rather than a band above with
//!   a band below, keeps the untouched scores above the cut-off out of the
//!   count (a sharper contrast for the same works: Kleven H.J. (2016) Bunching,
//!   Annual Review of Economics 8, on locating the excess mass at the notch).
//! * **Null hypothesis**: at each cut-off the at-count is beta-binomial with the
//!   share and school-to-school spread of *comparable* cells — cells of the same
//!   test in the same fifth of the distribution of cell mean scores (the whole
//!   test when that fifth has fewer than `min_cells` cells) — so a share that the
//!   scale itself produces everywhere, or that a school's level explains, is not
//!   blamed on the school. The cut-offs are treated as independent; the null
//!   distribution of X is the exact convolution of the three beta-binomials.
//! * **Rule**: p = P(X ≥ x); enters the cell's evidence ([`crate::evidence`]) when the excess
//!   (x − E X) / Σ window ≥ `cutoff_min_effect`.
//! * **Minimum sample**: `min_works` works and at least 5 works in the windows;
//!   tests without cut-offs (EGE, or no scale) are not evaluated.
//! * **Reference**: McCrary J. (2008) Manipulation of the running variable in the
//!   regression discontinuity design: a density test. J. Econometrics 142;
//!   Dee T.S., Dobbie W., Jacob B.A., Rockoff J. (2019) The causes and
//!   consequences of test score manipulation: evidence from the New York Regents
//!   examinations. AEJ: Applied 11(3); Рособрнадзор, признак «концентрация
//!   результатов на границах отметок».

use crate::model::Cell;
use crate::stats::betabinom::{BetaBinomial, convolve};

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, pct};

pub struct CutoffBunching;

/// d = max(1, round(0.05 · maximum)) points below a cut-off.
pub(super) fn window_width(max: f32) -> f32 {
    (0.05 * max).round().max(1.0)
}

/// Per cut-off: (at, window) counts of a cell: works scoring c, works in [c − d, c].
fn window_counts(cell: Cell<'_>, cuts: &[f32; 3], d: f32) -> [(u64, u64); 3] {
    counts_of(cell.primary().iter().copied(), cuts, d)
}

fn counts_of(primary: impl Iterator<Item = f32>, cuts: &[f32; 3], d: f32) -> [(u64, u64); 3] {
    let mut out = [(0u64, 0u64); 3];
    for p in primary {
        for (i, &c) in cuts.iter().enumerate() {
            if p >= c - d - 1e-6 && p < c + 1.0 - 1e-6 {
                out[i].1 += 1;
                if p >= c - 1e-6 {
                    out[i].0 += 1;
                }
            }
        }
    }
    out
}

impl Sign for CutoffBunching {
    fn id(&self) -> &'static str {
        "S3"
    }
    fn family(&self) -> &'static str {
        "cutoffs"
    }
    fn title(&self) -> &'static str {
        "Скопление работ на границах отметок"
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            statistic: "works scoring exactly the cut-off of marks 3, 4, 5 among the works from d = max(1, round(5 % of the maximum)) points below it up to it",
            null: "per cut-off, beta-binomial with the share and spread of cells of similar level (same fifth of cell means) in the same test",
            rule: "exact upper-tail p of the summed count (convolution); enters the cell's evidence (see evidence) when the excess share of the windows >= cutoff_min_effect",
            min_sample: "min_works works and 5 works in the windows; VPR and OGE tests with a scale",
            reference: "McCrary (2008); Dee, Dobbie, Jacob & Rockoff (2019); Рособрнадзор, признак «концентрация результатов на границах отметок»",
        }
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.cutoff_min_effect
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        let block = test.block;
        let n_cells = block.cells.len();
        let (Some(cuts), Some(max)) = (
            block.scale.as_ref().and_then(|s| s.cuts),
            block.max_primary(),
        ) else {
            return vec![
                Finding::skipped(
                    "нет границ отметок для этого теста (scales.csv или встроенной шкалы)"
                );
                n_cells
            ];
        };
        let d = window_width(max);
        let counts: Vec<[(u64, u64); 3]> = (0..n_cells)
            .map(|c| window_counts(block.cell(c), &cuts, d))
            .collect();
        let usable = |c: usize| block.cells[c].len() >= cfg.min_works;
        // Fifths of the cell mean among usable cells.
        let mean = |c: usize| {
            let p = block.cell(c).primary();
            p.iter().map(|&x| f64::from(x)).sum::<f64>() / p.len().max(1) as f64
        };
        let mut order: Vec<usize> = (0..n_cells).filter(|&c| usable(c)).collect();
        order.sort_by(|&a, &b| mean(a).total_cmp(&mean(b)).then(a.cmp(&b)));
        let mut fifth = vec![usize::MAX; n_cells];
        for (rank, &c) in order.iter().enumerate() {
            fifth[c] = rank * 5 / order.len().max(1);
        }
        let fit = |members: &[usize], i: usize| {
            let cells: Vec<(u64, u64)> = members.iter().map(|&c| counts[c][i]).collect();
            BetaBinomial::fit(&cells)
        };
        let whole: [Option<BetaBinomial>; 3] = std::array::from_fn(|i| fit(&order, i));
        let by_fifth: Vec<[Option<BetaBinomial>; 3]> = (0..5)
            .map(|f| {
                let members: Vec<usize> =
                    order.iter().copied().filter(|&c| fifth[c] == f).collect();
                std::array::from_fn(|i| {
                    if members.len() >= cfg.min_cells {
                        fit(&members, i).or(whole[i])
                    } else {
                        whole[i]
                    }
                })
            })
            .collect();
        let region_share: [f64; 3] = std::array::from_fn(|i| {
            let (a, n): (u64, u64) = order.iter().fold((0, 0), |(a, n), &c| {
                (a + counts[c][i].0, n + block.cells[c].len() as u64)
            });
            a as f64 / n.max(1) as f64
        });
        (0..n_cells)
            .map(|c| {
                let n = block.cells[c].len();
                if !usable(c) {
                    return Finding::too_small(n, "работ", cfg);
                }
                let ref_fits = &by_fifth[fifth[c]];
                let parts: Vec<(BetaBinomial, u64)> =
                    (0..3).filter_map(|i| ref_fits[i].map(|bb| (bb, counts[c][i].1))).filter(|&(_, m)| m > 0).collect();
                let window: u64 = parts.iter().map(|p| p.1).sum();
                if window < 5 {
                    return Finding::skipped(format!("у границ отметок работ: {window}, меньше 5"));
                }
                let x: u64 = (0..3).filter(|&i| ref_fits[i].is_some()).map(|i| counts[c][i].0).sum();
                let expected: f64 = parts.iter().map(|(bb, m)| bb.share() * *m as f64).sum();
                let dist = convolve(&parts);
                let p: f64 = dist.iter().skip(x as usize).sum::<f64>().min(1.0);
                let effect = (x as f64 - expected) / window as f64;
                // The cut-off with the largest excess, for the sentence.
                let worst = (0..3)
                    .filter(|&i| ref_fits[i].is_some())
                    .max_by(|&a, &b| {
                        let ex = |i: usize| counts[c][i].0 as f64 / n as f64 - region_share[i];
                        ex(a).total_cmp(&ex(b)).then(b.cmp(&a))
                    })
                    .unwrap_or(0);
                let lo = cuts[worst];
                let reason = format!(
                    "ровно на границе отметки «{}» ({} перв. балла) — {} работ при {} по группе сравнения",
                    worst + 3,
                    lo,
                    pct(counts[c][worst].0 as f64 / n as f64),
                    pct(region_share[worst])
                );
                Finding::tested(x as f64, p, effect, reason)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_is_the_cut_off_and_the_d_scores_below() {
        // Cuts 10, 20, 30, d = 2: scores 8, 9, 10 are the window of cut 10 and
        // 10 is at it; 11 is outside every window; 18 and 20 count for cut 20.
        let c = counts_of(
            [7.0, 8.0, 9.0, 10.0, 10.0, 11.0, 18.0, 20.0].into_iter(),
            &[10.0, 20.0, 30.0],
            2.0,
        );
        assert_eq!(c, [(2, 4), (1, 2), (0, 0)]);
    }
}
