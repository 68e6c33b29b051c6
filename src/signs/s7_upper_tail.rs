//! S7: the top of a cell's distribution heavier than the scores just below it.
//!
//! Inflated top results — answers to the hard tasks given to part of a class,
//! the best works copied, generous scoring of the strongest — lift works from
//! the upper middle of a cell's distribution to its top, leaving the band just
//! below the top thin. With totals only (no task scores, no journal) this is
//! what remains visible.
//!
//! * **Statistic**: on the region's pooled scores of the test, T = the lowest
//!   score at or above which at most 10 % of the works lie and B the same for
//!   25 % (the top score when it alone holds more); *top* = scores ≥ T, *upper
//!   band* = scores in [B, T). For a cell, x = its works in the top among its m
//!   works at or above B. Comparing the top with the band just below it, not
//!   with the whole cell, keeps the cell's level out of the count (as S3
//!   compares a cut-off with the scores just below it: Kleven 2016).
//! * **Null hypothesis**: x is beta-binomial with the share and
//!   school-to-school spread of *comparable* cells — cells of the same test in
//!   the same fifth of the distribution of cell medians (fewer, larger groups
//!   when the test has fewer than 5 · `min_cells` cells: [`super::level_groups`])
//!   — so a strong school, whose
//!   works reach the top more often, is compared with strong schools; its
//!   mean moved along the groups' common trend of the share with the cell
//!   median (logit-linear, fitted within the groups: [`Trend`]) from the
//!   group's centre to the cell's own median, so that the strongest school of
//!   the top group is not held to that group's average. The cell is left out
//!   of its own reference where enough others remain
//!   ([`crate::stats::betabinom::MomentSums`]).
//! * **Rule**: p = P(X ≥ x); enters the cell's evidence ([`crate::evidence`])
//!   when the excess share x / m − p̂ ≥ `tail_min_effect`, in one family with
//!   the task-profile sign S2 (both read inflated top results; with task scores
//!   the stronger of the two counts, at a Bonferroni price of two).
//! * **Measured** (`evaluate --seeds 5 --schools 300`): it adds no flagged
//!   cell of its own on the simulator's kinds (their top-tail changes are
//!   small: dictation gives the hard tasks' few points), costs 0.5 point of
//!   mean cell recall on the full layout and 0.3 on totals only, and keeps
//!   honest cells' p-values conservative (2.1 % below 0.05).
//! * **Minimum sample**: `min_works` works and at least 5 works at or above B.
//!   Runs on totals alone (the primary score; the test score where a test
//!   has test scores alone, [`crate::model::LevelScale`]).
//! * **Reference**: Jacob B.A., Levitt S.D. (2003) Rotten apples: an
//!   investigation of the prevalence and predictors of teacher cheating. QJE
//!   118(3) (unexpected gains concentrated in part of a class); Kleven H.J.
//!   (2016) Bunching. Annual Review of Economics 8 (excess mass against the
//!   neighbouring scores).

use crate::load::reference::TestReference;
use crate::stats::betabinom::{MomentSums, logit};
use crate::stats::{histogram, median};

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, pct};

pub struct UpperTail;

/// The region's shares of works in the top and in the top with the band.
const TOP_SHARE: f64 = 0.10;
const BAND_SHARE: f64 = 0.25;

/// The lowest score at or above which at most `share` of a distribution of
/// (score, share), sorted by score, lies; the top score when it alone holds
/// more.
fn threshold(dist: &[(f32, f64)], share: f64) -> Option<f64> {
    let mut t = f64::from(dist.last()?.0);
    let mut above = 0.0;
    // From the top down: the lowest score whose tail is still within `share`.
    for &(s, p) in dist.iter().rev() {
        above += p;
        if above > share + 1e-12 {
            break;
        }
        t = f64::from(s);
    }
    Some(t)
}

/// The distribution of `scores` as (score, share), sorted by score.
fn distribution(scores: impl Iterator<Item = f32>) -> Vec<(f32, f64)> {
    let h = histogram(scores);
    let n: u64 = h.iter().map(|x| x.1).sum();
    h.into_iter()
        .map(|(s, k)| (s, k as f64 / n as f64))
        .collect()
}

/// Works of sorted `scores` at or above `v`.
fn at_or_above(sorted: &[f64], v: f64) -> u64 {
    (sorted.len() - sorted.partition_point(|&x| x < v)) as u64
}

/// What the fits of a test are made from.
struct Prepared {
    /// Per cell: its scores ([`crate::model::LevelScale`]), sorted.
    scores: Vec<Vec<f64>>,
    /// Per cell: (works in the top, works at or above the upper band).
    counts: Vec<(u64, u64)>,
    /// Usable cells by median; the level group of each cell and the groups.
    order: Vec<usize>,
    fifth: Vec<usize>,
    members: Vec<Vec<usize>>,
    /// The top and the band's lower end (scores).
    t: f64,
    b: f64,
    /// The region's level of the fits, from reference.csv.
    level: Option<(f64, f64)>,
    /// Per cell: its median score.
    med: Vec<f64>,
    /// The level trend within the groups ([`Trend`]).
    trend: Trend,
}

/// How the share of top works rises with a cell's median inside its level
/// group: the logit of x / m grows by `slope` per point of the median
/// (weighted least squares with a centre per group, so only the spread of
/// medians *within* groups informs it; never below 0). A cell is compared
/// with its group moved along that line to its own median, instead of with
/// the group's average: an honest school far above every other (in an
/// independently generated region, a lyceum 4.8 SD above the schools' mean
/// was listed three years running by this sign alone, its top share 64–80 %
/// against the top fifth's 36–41 %) sits at the top of the top group, where
/// the group's average is not what its level predicts.
#[derive(Clone, Debug, Default)]
struct Trend {
    slope: f64,
    /// The works-weighted median of each group's cells, and of the whole
    /// test's (the centre of the group's pooled share).
    centres: Vec<f64>,
    whole: f64,
}

impl Trend {
    /// From the cells with at least 5 works at or above B.
    fn fit(members: &[Vec<usize>], counts: &[(u64, u64)], med: &[f64]) -> Trend {
        let judged: Vec<Vec<usize>> = (members.iter())
            .map(|g| {
                (g.iter().copied())
                    .filter(|&c| counts[c].1 >= 5 && med[c].is_finite())
                    .collect()
            })
            .collect();
        let centre = |cells: &[usize]| {
            let (sw, swm) = cells.iter().fold((0.0, 0.0), |(sw, swm), &c| {
                let m = counts[c].1 as f64;
                (sw + m, swm + m * med[c])
            });
            if sw > 0.0 { swm / sw } else { f64::NAN }
        };
        let centres: Vec<f64> = judged.iter().map(|g| centre(g)).collect();
        let whole = centre(&judged.concat());
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for (cells, &mid) in judged.iter().zip(&centres) {
            let (x, m) =
                (cells.iter()).fold((0, 0), |(x, m), &c| (x + counts[c].0, m + counts[c].1));
            if cells.len() < 3 || m == 0 {
                continue;
            }
            let p = x as f64 / m as f64;
            let info = p * (1.0 - p);
            if info <= 0.0 {
                continue;
            }
            let l = |c: usize| logit((counts[c].0 as f64 + 0.5) / (counts[c].1 as f64 + 1.0));
            let w = |c: usize| counts[c].1 as f64 * info;
            let sw: f64 = cells.iter().map(|&c| w(c)).sum();
            let lbar = cells.iter().map(|&c| w(c) * l(c)).sum::<f64>() / sw;
            for &c in cells {
                sxy += w(c) * (med[c] - mid) * (l(c) - lbar);
                sxx += w(c) * (med[c] - mid).powi(2);
            }
        }
        let slope = if sxx > 0.0 { (sxy / sxx).max(0.0) } else { 0.0 };
        Trend {
            slope,
            centres,
            whole,
        }
    }

    /// The logit shift of a cell of median `med` against the group whose
    /// centre is `centre`.
    fn shift(&self, med: f64, centre: f64) -> f64 {
        if self.slope > 0.0 && med.is_finite() && centre.is_finite() {
            self.slope * (med - centre)
        } else {
            0.0
        }
    }
}

/// The counts and level groups of a test, or the findings of a test that
/// cannot be judged.
fn prepare(test: &TestInput<'_>, cfg: &SignsConfig) -> Result<Prepared, Vec<Finding>> {
    let block = test.block;
    let n_cells = block.cells.len();
    let on_scale = block.level_scores();
    let scores: Vec<Vec<f64>> = (block.cells.iter())
        .map(|span| {
            let mut v: Vec<f64> = (span.of(&on_scale).iter())
                .filter(|x| !x.is_nan())
                .map(|&x| f64::from(x))
                .collect();
            v.sort_unstable_by(f64::total_cmp);
            v
        })
        .collect();
    let mut order: Vec<usize> = (0..n_cells)
        .filter(|&c| scores[c].len() >= cfg.min_works)
        .collect();
    // The region's published distribution sets the thresholds when given,
    // else the pooled works of the test's usable cells.
    // (Published on the primary scale: not for a test read on test scores.)
    let dist = (test.reference.map(|r| &r.primary))
        .filter(|d| !d.is_empty() && block.level_scale() == crate::model::LevelScale::Primary);
    let pooled = distribution(
        order
            .iter()
            .flat_map(|&c| scores[c].iter().map(|&x| x as f32)),
    );
    let of = dist.map_or(pooled.as_slice(), Vec::as_slice);
    let thresholds = (threshold(of, TOP_SHARE), threshold(of, BAND_SHARE));
    let (Some(t), Some(b)) = thresholds else {
        return Err(vec![
            Finding::skipped("в тесте нет ячеек с баллами");
            n_cells
        ]);
    };
    if b >= t {
        return Err(vec![
            Finding::skipped(
                "у теста слишком мало разных баллов: лучшие 10 % и лучшая четверть работ региона совпадают"
            );
            n_cells
        ]);
    }
    let counts: Vec<(u64, u64)> = (scores.iter())
        .map(|s| (at_or_above(s, t), at_or_above(s, b)))
        .collect();
    // Level groups (fifths, fewer in a small test) of the cell median.
    let med: Vec<f64> = (scores.iter())
        .map(|s| median(s).unwrap_or(f64::NAN))
        .collect();
    order.sort_by(|&a, &c| med[a].total_cmp(&med[c]).then(a.cmp(&c)));
    let (fifth, members) = super::level_groups(&order, n_cells, cfg.min_cells);
    // ... and the level of the fits: the region's top among its top quarter.
    let level = dist.and_then(|d| {
        let (x, m) = (order.iter()).fold((0, 0), |(x, m), &c| (x + counts[c].0, m + counts[c].1));
        let quarter = TestReference::share_at_or_above(d, b as f32);
        (quarter > 0.0).then(|| {
            (
                x as f64 / m as f64,
                TestReference::share_at_or_above(d, t as f32) / quarter,
            )
        })
    });
    let trend = Trend::fit(&members, &counts, &med);
    Ok(Prepared {
        scores,
        counts,
        order,
        fifth,
        members,
        t,
        b,
        level,
        med,
        trend,
    })
}

fn sums(p: &Prepared, members: &[usize]) -> MomentSums {
    MomentSums::of(&members.iter().map(|&c| p.counts[c]).collect::<Vec<_>>())
}

impl Sign for UpperTail {
    fn id(&self) -> &'static str {
        "S7"
    }
    fn title(&self) -> &'static str {
        "Избыток лучших работ над работами чуть ниже"
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            formula: "T и B — баллы, выше которых лучшие 10 % и 25 % работ региона (по reference.csv, если он есть); m — работ ячейки с баллом ≥ B, x — из них с баллом ≥ T. x ~ БетаБин(m; α, β), параметры — по ячейкам того же теста из той же пятой части по медианному баллу, среднее сдвинуто к медиане самой ячейки по общему для групп наклону (логит доли растёт линейно с медианой); p = P(X ≥ x). Эффект: x/m − p̂.",
            statistic: "works in the region's top decile (score >= T) among the works in its top quarter (score >= B)",
            null: "beta-binomial with the share and spread of cells of the same test in the same fifth of cell medians, the share moved along the within-group logit trend to the cell's own median",
            rule: "p = P(X >= x); enters the evidence when the excess share x / m − p̂ >= tail_min_effect",
            min_sample: "min_works works and at least 5 in the region's top quarter",
            compared: "среди работ ОО, попавших в лучшую четверть работ региона, — доля попавших в лучшие 10 %; сравнивается с ОО того же уровня (той же пятой части по медианному баллу) с поправкой на то, насколько медианный балл самой ОО выше или ниже среднего по этой части",
            unusual: "лучших работ намного больше, чем работ с баллом чуть ниже них: так выглядят подсказки части класса на трудных заданиях или завышение баллов сильнейшим",
            needs: "только первичные баллы (без баллов за задания и без отметок по журналу), а если их нет — тестовые баллы ЕГЭ; не меньше 5 работ в лучшей четверти региона",
            reference: "Jacob & Levitt (2003); Kleven (2016)",
        }
    }
    /// Inflated top results, read from the totals; the task-profile sign
    /// reads the same from the task scores (over-solved hard tasks), so with
    /// task scores the two count once, at a Bonferroni price of two.
    fn family(&self) -> &'static str {
        "S2"
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.tail_min_effect
    }
    fn spread(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<(u8, MomentSums)> {
        prepare(test, cfg).map_or_else(
            |_| Vec::new(),
            |p| p.members.iter().map(|m| (0, sums(&p, m))).collect(),
        )
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        let n_cells = test.block.cells.len();
        let p = match prepare(test, cfg) {
            Ok(p) => p,
            Err(findings) => return findings,
        };
        let Prepared {
            scores,
            counts,
            order,
            fifth,
            members,
            t,
            b,
            level,
            med,
            trend,
        } = &p;
        let (t, b, level) = (*t, *b, *level);
        // Per fifth: its sums (None below `min_cells` cells), then the whole
        // test's; each cell is judged without itself where enough others remain.
        let by_fifth = super::level_references(members, order, cfg.min_cells, |m| sums(&p, m));
        (0..n_cells)
            .map(|c| {
                let n = scores[c].len();
                if n < cfg.min_works {
                    return Finding::too_small(n, "работ", cfg);
                }
                let (x, m) = counts[c];
                if m < 5 {
                    return Finding::skipped(format!(
                        "работ с баллом {b} и выше (лучшая четверть региона): {m}, меньше 5"
                    ));
                }
                let fitted = MomentSums::fit_without(&by_fifth[fifth[c]], (x, m), test.pooled(0));
                // Moved along the level trend from the centre of the cells it
                // was fitted on (the group's, or the whole test's when the
                // group is too small to stand alone).
                let centre = if by_fifth[fifth[c]][0].is_some() {
                    trend.centres[fifth[c]]
                } else {
                    trend.whole
                };
                let shift = trend.shift(med[c], centre);
                let Some(bb) = fitted.map(|b| b.on_level(level).shifted(shift)) else {
                    return Finding::skipped(
                        "в тесте слишком мало ячеек, чтобы найти обычную для региона долю лучших работ",
                    );
                };
                let share = x as f64 / m as f64;
                let reason = format!(
                    "из {m} работ с баллом {b} и выше {x} ({}) набрали {t} и больше при {} у ОО того же уровня",
                    pct(share),
                    pct(bb.share())
                );
                Finding::tested(x as f64, bb.sf(x, m), share - bb.share(), reason)
                    .with_next(bb.sf(x + 1, m))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The distribution of pooled works.
    fn of(v: &[f64]) -> Vec<(f32, f64)> {
        distribution(v.iter().map(|&x| x as f32))
    }

    #[test]
    fn the_trend_is_fitted_within_groups() {
        // Two groups of three cells of 10 works at or above B: (x, median)
        // (2, 10), (5, 12), (8, 14) and (1, 5), (3, 6), (5, 7). By hand
        // (python3, the formula of `Trend`: logits of (x + ½) / 11, weights
        // 10·p(1 − p) with the group's pooled p, centres 12 and 6):
        //   Σw(m − m̄)(l − l̄) / Σw(m − m̄)² = 0.6658673705069277.
        let counts = [(2, 10), (5, 10), (8, 10), (1, 10), (3, 10), (5, 10)];
        let med = [10.0, 12.0, 14.0, 5.0, 6.0, 7.0];
        let members = vec![vec![0, 1, 2], vec![3, 4, 5]];
        let t = Trend::fit(&members, &counts, &med);
        assert!((t.slope - 0.6658673705069277).abs() < 1e-12, "{}", t.slope);
        assert_eq!((t.centres.as_slice(), t.whole), (&[12.0, 6.0][..], 9.0));
        // The strongest cell of the first group expects a share moved up by
        // two points of median along the slope.
        assert!((t.shift(14.0, 12.0) - 2.0 * t.slope).abs() < 1e-12);
        // A share falling with the level gives no trend (never below 0), and
        // cells with fewer than 5 works at or above B do not count.
        let falling = [(8, 10), (5, 10), (2, 10), (1, 4), (3, 4), (5, 10)];
        assert_eq!(Trend::fit(&members, &falling, &med).slope, 0.0);
    }

    #[test]
    fn threshold_is_the_lowest_score_with_at_most_a_tenth_above() {
        // Scores 0..=19 once each: at most 2 of 20 at or above T, so T = 18.
        let v: Vec<f64> = (0..20).map(f64::from).collect();
        assert_eq!(threshold(&of(&v), TOP_SHARE), Some(18.0));
        // A tie at the boundary moves T up: 0..17, then 18, 18, 18 (3 of 21
        // at 18 > 2 allowed): nothing above 18, so T is the top score, 18.
        let mut w: Vec<f64> = (0..18).map(f64::from).collect();
        w.extend([18.0, 18.0, 18.0]);
        assert_eq!(threshold(&of(&w), TOP_SHARE), Some(18.0));
        // 0..=9, then 9, 9, 10, 10 (14 scores, 1 allowed): the top score 10
        // alone holds two, so T = 10.
        let mut z: Vec<f64> = (0..10).map(f64::from).collect();
        z.extend([9.0, 9.0, 10.0, 10.0]);
        assert_eq!(threshold(&of(&z), TOP_SHARE), Some(10.0));
    }

    #[test]
    fn threshold_on_a_published_distribution() {
        // Scores 0..=19 each 5 %: the lowest score with at most 10 % at or
        // above is 18, as for the pooled works; 25 %: 15.
        let d: Vec<(f32, f64)> = (0..20).map(|s| (s as f32, 0.05)).collect();
        assert_eq!(threshold(&d, TOP_SHARE), Some(18.0));
        assert_eq!(threshold(&d, BAND_SHARE), Some(15.0));
        // The top score alone holds 30 %: it is the threshold.
        let e = [(1.0, 0.7), (2.0, 0.3)];
        assert_eq!(threshold(&e, TOP_SHARE), Some(2.0));
    }

    #[test]
    fn counts_at_or_above() {
        assert_eq!(at_or_above(&[2.0, 4.0, 6.0, 8.0, 19.0, 20.0], 18.0), 2);
        assert_eq!(at_or_above(&[2.0, 4.0, 6.0], 6.0), 1);
        assert_eq!(at_or_above(&[], 1.0), 0);
    }

    #[test]
    fn a_cell_with_a_top_heavier_than_its_middle_stands_out() {
        use crate::signs::{
            Shared,
            testing::{block, input},
        };
        use statrs::distribution::{ContinuousCDF, Normal};
        // 50 ordinary cells (five level groups of 10) of 24 works on a 0..30
        // scale: the normal quantiles at (i + 0.5) / 24 with SD 3, 3.5, 4 or
        // 4.5 around medians 6..=19, rounded; cell 50: the lower 16 works of a
        // median-13 cell, and 8 works at 28–30.
        let z: Vec<f64> = (0..24)
            .map(|i| Normal::standard().inverse_cdf((f64::from(i) + 0.5) / 24.0))
            .collect();
        let cell = |m: f64, sd: f64| -> Vec<f32> {
            z.iter()
                .map(|z| (m + sd * z).round().clamp(0.0, 30.0) as f32)
                .collect()
        };
        let mut cells: Vec<(Vec<f32>, Vec<u8>)> = (0..50)
            .map(|c| {
                let m = 6.0 + f64::from(c % 14);
                (cell(m, 3.0 + 0.5 * f64::from(c % 4)), vec![4; 24])
            })
            .collect();
        let mut odd = cell(13.0, 4.0)[..16].to_vec();
        odd.extend([28.0, 29.0, 30.0, 28.0, 29.0, 30.0, 28.0, 30.0]);
        cells.push((odd, vec![4; 24]));
        let b = block(&cells);
        let shared = Shared::default();
        let (spreads, codes) = Default::default();
        let input = input(&b, &shared, &spreads, &codes);
        let f = UpperTail.evaluate(&input, &SignsConfig::default());
        // Low cells have fewer than 5 works in the top quarter and are skipped.
        let p: Vec<f64> = f.iter().map(|f| f.p_value.unwrap_or(1.0)).collect();
        // All 8 of its top-quarter works are in the top: about 0.46⁸ ≈ 0.002 at
        // its peers' share (a little more with their spread).
        assert!(f[50].evaluated && p[50] < 0.01, "odd cell: {:?}", f[50]);
        let judged = f[..50].iter().filter(|f| f.evaluated).count();
        assert!(judged >= 10, "{judged} ordinary cells judged");
        let honest_min = p[..50].iter().copied().fold(1.0, f64::min);
        assert!(honest_min > 0.05, "an ordinary cell p = {honest_min}");
        assert!(f[50].effect.expect("effect") > 0.2);
    }
}
