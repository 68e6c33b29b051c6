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
//!   test in the same fifth of the distribution of cell mean scores (fewer,
//!   larger groups when the test has fewer than 5 · `min_cells` cells, down to
//!   the whole test: [`super::level_groups`]) — so a share that the
//!   scale itself produces everywhere, or that a school's level explains, is not
//!   blamed on the school. The cut-offs are treated as independent; the null
//!   distribution of X is the exact convolution of the three beta-binomials.
//!   The cell is left out of its own reference where enough others remain
//!   ([`crate::stats::betabinom::MomentSums`]).
//! * **With reference.csv** written by `obektiv reference` (`cutoff_level`,
//!   `cutoff_share`, `cutoff_spread`, `cutoff_cells`, `cutoff_works`,
//!   `cutoff_works2`): each cell's null is its region's level group's (the
//!   group by the region's bounds of cell means), rebuilt as moment sums
//!   ([`crate::stats::betabinom::MomentSums::of_fit`]) with the cell left out
//!   as the region's own analysis leaves it ([`region_fit`]) — the region's
//!   own p-value of the cell. A municipality's own 2–30 cells per
//!   test give a share and spread that one lifted cell among them distorts
//!   (measured: a strongly lifted cell, p = 8·10⁻²⁵ in the region, got 5·10⁻⁴
//!   in its municipality of 6 schools, its worst cut-off dropped for want of a
//!   fit). The GIA-minimum sign (S11) reads the same nulls.
//! * **Rule**: p = P(X ≥ x); enters the cell's evidence ([`crate::evidence`]) when the excess
//!   (x − E X) / Σ window ≥ `cutoff_min_effect`.
//! * **EGE**: the same test on the *test-score* scale (0..100, d = 5) at the
//!   certificate minimum and the university minimum of the year's scale
//!   (`pass`, `university` in scales.csv or the bundled scales; one cut-off
//!   where both are the same score, so that its works do not count twice):
//!   pushes over the minimums leave the same signature.
//! * **Minimum sample**: `min_works` works and at least 5 works in the windows;
//!   tests without cut-offs (no scale; EGE without test scores) are not evaluated.
//! * **Reference**: McCrary J. (2008) Manipulation of the running variable in the
//!   regression discontinuity design: a density test. J. Econometrics 142;
//!   Dee T.S., Dobbie W., Jacob B.A., Rockoff J. (2019) The causes and
//!   consequences of test score manipulation: evidence from the New York Regents
//!   examinations. AEJ: Applied 11(3); Рособрнадзор, признак «концентрация
//!   результатов на границах отметок».

use crate::load::reference::{CutoffNulls, TestReference};
use crate::model::{Cell, NO_TEST_SCORE};
use crate::stats::betabinom::{BetaBinomial, LOO_MIN_CELLS, MomentSums, convolve, upper_tail};

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, pct};

pub struct CutoffBunching;

/// d = max(1, round(0.05 · maximum)) points below a cut-off.
pub(super) fn window_width(max: f32) -> f32 {
    (0.05 * max).round().max(1.0)
}

/// The cut-offs of a test, on the scale its scores are judged on.
struct Cutoffs {
    values: Vec<f32>,
    /// Per cut-off, how a sentence names it («границе отметки «4»»).
    names: Vec<String>,
    /// The scale's unit in sentences («перв. балла», «т. б.»).
    unit: &'static str,
    /// EGE: test scores; else primary scores.
    test_scores: bool,
    max: f32,
}

impl Cutoffs {
    fn of(block: &crate::model::TestBlock) -> Option<Cutoffs> {
        let scale = block.scale.as_ref()?;
        if block.key.exam == crate::model::Exam::Ege {
            let mut values = Vec::new();
            let mut names = Vec::new();
            for (v, name) in [
                (scale.pass, "минимальном балле для аттестата"),
                (scale.university, "минимальном балле для поступления в вуз"),
            ] {
                // One minimum for both where they are the same score: the
                // same works must not count twice as independent parts.
                if let Some(v) = v.filter(|&v| !values.contains(&f32::from(v))) {
                    values.push(f32::from(v));
                    names.push(name.to_owned());
                }
            }
            let scored = block.test_score.iter().any(|&t| t != NO_TEST_SCORE);
            return (!values.is_empty() && scored).then_some(Cutoffs {
                values,
                names,
                unit: "т. б.",
                test_scores: true,
                max: 100.0,
            });
        }
        let cuts = scale.cuts?;
        Some(Cutoffs {
            values: cuts.to_vec(),
            names: (3..=5).map(|m| format!("границе отметки «{m}»")).collect(),
            unit: "перв. балла",
            test_scores: false,
            max: block.max_primary()?,
        })
    }

    /// The region's published distribution on this scale (reference.csv), if given.
    fn dist<'r>(&self, reference: Option<&'r TestReference>) -> Option<&'r [(f32, f64)]> {
        let r = reference?;
        let d = if self.test_scores {
            &r.test_score
        } else {
            &r.primary
        };
        (!d.is_empty()).then_some(d.as_slice())
    }

    /// The scores of a cell on this scale (EGE works without a test score left out).
    fn scores<'a>(&self, cell: Cell<'a>) -> Vec<f32> {
        if self.test_scores {
            (cell.test_score().iter())
                .filter(|&&t| t != NO_TEST_SCORE)
                .map(|&t| f32::from(t))
                .collect()
        } else {
            cell.primary().to_vec()
        }
    }
}

/// Per cut-off: (at, window) counts: scores equal to c, scores in [c − d, c].
fn counts_of(scores: impl Iterator<Item = f32>, cuts: &[f32], d: f32) -> Vec<(u64, u64)> {
    let mut out = vec![(0u64, 0u64); cuts.len()];
    for p in scores {
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

/// A region's published group of one cut-off: [share, ρ, cells, works, Σ n²].
type Published = [f64; 5];

/// What the fits of a test are made from.
struct Prepared {
    cut: Cutoffs,
    /// Per cell: its scores on the cut-offs' scale.
    scores: Vec<Vec<f32>>,
    /// Per cell, per cut-off: (works at it, works in its window).
    counts: Vec<Vec<(u64, u64)>>,
    /// Usable cells by mean; the level group of each cell and the groups.
    order: Vec<usize>,
    fifth: Vec<usize>,
    members: Vec<Vec<usize>>,
    /// Per cut-off, the region's level of the fits, from reference.csv.
    level: Vec<Option<(f64, f64)>>,
    /// Per cell, its mean score on the cut-offs' scale.
    means: Vec<f64>,
    /// The region's own nulls per level group (reference.csv, written by
    /// `obektiv reference`), where they cover every cut-off of the test:
    /// the groups, and per cut-off the null of each group.
    region: Option<(CutoffNulls, Vec<Vec<Option<Published>>>)>,
}

impl Prepared {
    /// Per cut-off, the reference sums of each level group
    /// ([`super::level_references`]).
    fn references(&self, cfg: &SignsConfig) -> Vec<Vec<[Option<MomentSums>; 2]>> {
        (0..self.cut.values.len())
            .map(|i| {
                super::level_references(&self.members, &self.order, cfg.min_cells, |m| {
                    self.sums(m, i)
                })
            })
            .collect()
    }

    /// Per cut-off, the null of usable cell `c` (without the cell where
    /// enough others remain; `pooled` gives the exam's pooled spread of a
    /// cut-off), put on the region's level where reference.csv gives it.
    fn fits(
        &self,
        by_cut: &[Vec<[Option<MomentSums>; 2]>],
        c: usize,
        pooled: impl Fn(u8) -> Option<f64>,
    ) -> Vec<Option<BetaBinomial>> {
        if let Some((groups, nulls)) = &self.region {
            let g = usize::from(groups.group_of(self.means[c])) - 1;
            return (nulls.iter().enumerate())
                .map(|(i, n)| n[g].map(|f| region_fit(f, self.counts[c][i])))
                .collect();
        }
        (0..self.cut.values.len())
            .map(|i| {
                MomentSums::fit_without(
                    &by_cut[i][self.fifth[c]],
                    self.counts[c][i],
                    pooled(i as u8),
                )
                .map(|b| b.on_level(self.level[i]))
            })
            .collect()
    }

    /// Each level group's sums per cut-off, tagged with the cut-off's slot
    /// (what the exam's spread pool is summed from).
    fn group_sums(&self) -> Vec<(u8, MomentSums)> {
        (self.members.iter())
            .flat_map(|m| (0..self.cut.values.len()).map(|i| (i as u8, self.sums(m, i))))
            .collect()
    }

    /// The sums of cut-off `i` over `members`.
    fn sums(&self, members: &[usize], i: usize) -> MomentSums {
        MomentSums::of(
            &members
                .iter()
                .map(|&c| self.counts[c][i])
                .collect::<Vec<_>>(),
        )
    }
}

/// The counts and level groups of a test, or the findings of a test that
/// cannot be judged.
fn prepare(test: &TestInput<'_>, cfg: &SignsConfig) -> Result<Prepared, Vec<Finding>> {
    prepare_block(test.block, test.reference, cfg)
}

/// [`prepare`] from the test's works and its published reference.
fn prepare_block(
    block: &crate::model::TestBlock,
    reference: Option<&TestReference>,
    cfg: &SignsConfig,
) -> Result<Prepared, Vec<Finding>> {
    let n_cells = block.cells.len();
    let Some(cut) = Cutoffs::of(block) else {
        return Err(vec![
            Finding::skipped(
                "нет границ отметок для этого теста (scales.csv или встроенной шкалы)"
            );
            n_cells
        ]);
    };
    let k = cut.values.len();
    let d = window_width(cut.max);
    let scores: Vec<Vec<f32>> = (0..n_cells).map(|c| cut.scores(block.cell(c))).collect();
    let counts: Vec<Vec<(u64, u64)>> = (scores.iter())
        .map(|s| counts_of(s.iter().copied(), &cut.values, d))
        .collect();
    let usable = |c: usize| scores[c].len() >= cfg.min_works;
    // Level groups (fifths, fewer in a small test) of the cell mean.
    let means: Vec<f64> = (scores.iter())
        .map(|p| p.iter().map(|&x| f64::from(x)).sum::<f64>() / p.len().max(1) as f64)
        .collect();
    let mut order: Vec<usize> = (0..n_cells).filter(|&c| usable(c)).collect();
    order.sort_by(|&a, &b| means[a].total_cmp(&means[b]).then(a.cmp(&b)));
    let (fifth, members) = super::level_groups(&order, n_cells, cfg.min_cells);
    // With the region's published distribution, each cut-off's fits are
    // put on the region's share at the cut-off among its window.
    let dist = cut.dist(reference);
    let level: Vec<Option<(f64, f64)>> = (0..k)
        .map(|i| {
            let dist = dist?;
            let c = cut.values[i];
            let window = TestReference::share_between(dist, c - d, c);
            let (a, w) = order.iter().fold((0, 0), |(a, w), &cell| {
                (a + counts[cell][i].0, w + counts[cell][i].1)
            });
            (window > 0.0).then(|| {
                (
                    a as f64 / w as f64,
                    TestReference::share_at(dist, c) / window,
                )
            })
        })
        .collect();
    // The region's nulls where every cut-off of the test has one in some
    // group (a group without one judges the cell without that cut-off, as
    // the region's own analysis does).
    let region = reference.and_then(|r| r.cutoffs.as_ref()).and_then(|n| {
        let groups = n.bounds.len() as u8;
        let nulls: Vec<Vec<Option<Published>>> = (cut.values.iter())
            .map(|&c| (1..=groups).map(|g| n.null(c, g)).collect())
            .collect();
        (nulls.iter())
            .all(|n| n.iter().any(Option::is_some))
            .then(|| (n.clone(), nulls))
    });
    Ok(Prepared {
        cut,
        scores,
        counts,
        order,
        fifth,
        members,
        level,
        means,
        region,
    })
}

/// A cell's null from its region's published group, as the region's own
/// analysis makes it ([`MomentSums::fit_without`]): the group's sums rebuilt
/// ([`MomentSums::of_fit`]) without the cell; their own fit where at least
/// [`LOO_MIN_CELLS`] others remain, else their share with the published
/// spread (the exam's pooled spread, which a region's exam always has),
/// widened for the share's uncertainty. A cell that does not fit inside the
/// group's sums (another folder's) gets the group's share and spread as
/// they are.
pub(super) fn region_fit(
    [p, rho, cells, works, works2]: Published,
    cell: (u64, u64),
) -> BetaBinomial {
    let (x, n) = (cell.0 as f64, cell.1 as f64);
    let sums = MomentSums::of_fit(p, rho, cells, works, works2);
    let inside = n >= 2.0 && n <= works && x <= p * works && n * n <= works2;
    let as_published = BetaBinomial::of_share(p, rho);
    if !inside {
        return as_published;
    }
    let others = sums.without(cell);
    let fit = if cells - 1.0 >= LOO_MIN_CELLS as f64 {
        others.fit()
    } else {
        others.fit_pooled(rho, cell.1)
    };
    fit.unwrap_or(as_published)
}

/// The region's nulls of a test as reference.csv carries them: per level
/// group, the largest cell mean in it; per cut-off and group, the share and
/// spread a cell of that level is judged against ([`MomentSums::fit_published`]
/// with the exam's pooled spread, `pooled`). None where the test has no
/// cut-offs.
pub fn published_nulls(
    block: &crate::model::TestBlock,
    cfg: &SignsConfig,
    pooled: impl Fn(u8) -> Option<f64>,
) -> Option<CutoffNulls> {
    let p = prepare_block(block, None, cfg).ok()?;
    if p.order.is_empty() {
        return None;
    }
    let by_cut = p.references(cfg);
    let mut out = CutoffNulls::default();
    for (g, m) in p.members.iter().enumerate() {
        let Some(&last) = m.last() else { continue };
        let g = g as u8 + 1;
        out.bounds.insert(g, p.means[last]);
        for (i, &c) in p.cut.values.iter().enumerate() {
            let sums = &by_cut[i][usize::from(g - 1)];
            let fit = (sums.iter().flatten())
                .find_map(|s| s.fit_published(pooled(i as u8)).map(|bb| (bb, s)));
            if let Some((bb, s)) = fit {
                let key = (CutoffNulls::key(f64::from(c)), g);
                let (cells, works, works2) = s.size();
                out.nulls
                    .insert(key, [bb.share(), bb.rho(), cells, works, works2]);
            }
        }
    }
    Some(out)
}

/// Per exam and cut-off slot, the spread pooled over the exam's tests and
/// level groups, as [`super::run`] pools it from [`Sign::spread`]: the
/// spread that a group of fewer than 30 cells takes.
pub fn exam_pools(data: &crate::model::Dataset, cfg: &SignsConfig) -> super::SpreadPools {
    let mut pools = super::SpreadPools::new();
    for block in &data.tests {
        let Ok(p) = prepare_block(block, None, cfg) else {
            continue;
        };
        for (slot, sums) in p.group_sums() {
            pools.entry((block.key.exam, slot)).or_default().add(&sums);
        }
    }
    pools
}

/// One cut-off of one cell: its null, the works in its window, the works at it.
pub(super) type Part = (BetaBinomial, u64, u64);

/// For a state exam, per cell, the parts of the cut-offs that decide a
/// certificate or admission: the OGE's mark 3; the EGE's certificate and
/// university minimums. `None` for a cell below `min_works` works or
/// without a null; an empty list for a VPR test or a test without cut-offs.
/// The spread is the test's own (the exam's pooled spread is made later).
pub(super) fn minimum_parts(
    block: &crate::model::TestBlock,
    reference: Option<&TestReference>,
    cfg: &SignsConfig,
) -> Vec<Option<Vec<Part>>> {
    let minimums: &[usize] = match block.key.exam {
        crate::model::Exam::Vpr => return Vec::new(),
        crate::model::Exam::Oge => &[0],
        crate::model::Exam::Ege => &[0, 1],
    };
    let Ok(p) = prepare_block(block, reference, cfg) else {
        return Vec::new();
    };
    let by_cut = p.references(cfg);
    (0..block.cells.len())
        .map(|c| {
            if p.scores[c].len() < cfg.min_works {
                return None;
            }
            let fits = p.fits(&by_cut, c, |_| None);
            Some(
                (minimums.iter())
                    .filter(|&&i| i < fits.len())
                    .filter_map(|&i| fits[i].map(|bb| (bb, p.counts[c][i].1, p.counts[c][i].0)))
                    .filter(|&(_, m, _)| m > 0)
                    .collect(),
            )
        })
        .collect()
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
            formula: "Для границы c отметки «3», «4», «5» (для ЕГЭ — минимальных баллов) и окна d = наибольшее из 1 и [0,05 · максимум]: m_c — работ с баллом от c − d до c, x_c — ровно с баллом c. При объективной проверке x_c ~ БетаБин(m_c; α_c, β_c), параметры — по ячейкам того же теста с тем же уровнем (пятая часть по среднему баллу). x = Σ x_c; p = P(X ≥ x) по свёртке распределений границ.",
            statistic: "works scoring exactly the cut-off of marks 3, 4, 5 among the works from d = max(1, round(5 % of the maximum)) points below it up to it",
            null: "per cut-off, beta-binomial with the share and spread of cells of similar level (same fifth of cell means) in the same test",
            rule: "exact upper-tail p of the summed count (convolution); enters the cell's evidence (see evidence) when the excess share of the windows >= cutoff_min_effect",
            min_sample: "min_works works and 5 works in the windows; VPR and OGE tests with a scale, EGE tests with test scores and the year's minimums",
            compared: "доля работ, набравших ровно пограничный балл отметки «3», «4» или «5» (для ЕГЭ — минимальный балл для аттестата и для поступления в вуз), среди работ с баллом на границе и чуть ниже — с ячейками того же теста и похожего уровня",
            unusual: "ровно на границе работ заметно больше, а чуть ниже — меньше, чем в сопоставимых ячейках: так выглядит «дотягивание» работ до отметки при проверке",
            needs: "границы отметок (scales.csv или встроенная шкала) и максимальный балл; для ЕГЭ — тестовые баллы и минимальные баллы года",
            reference: "McCrary (2008); Dee, Dobbie, Jacob & Rockoff (2019); Рособрнадзор, признак «концентрация результатов на границах отметок»",
        }
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.cutoff_min_effect
    }
    fn spread(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<(u8, MomentSums)> {
        prepare(test, cfg).map_or_else(|_| Vec::new(), |p| p.group_sums())
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        let n_cells = test.block.cells.len();
        let p = match prepare(test, cfg) {
            Ok(p) => p,
            Err(findings) => return findings,
        };
        let Prepared {
            cut,
            scores,
            counts,
            order,
            ..
        } = &p;
        let k = cut.values.len();
        let usable = |c: usize| scores[c].len() >= cfg.min_works;
        // Per cut-off and fifth: the fifth's sums (None below `min_cells`
        // cells), then the whole test's; each cell is judged without itself
        // where enough others remain.
        let by_cut = p.references(cfg);
        let by_region = p.region.is_some();
        // The share of works at each cut-off: the region's published
        // distribution where the file gives it, else the folder's cells.
        let dist = cut.dist(test.reference);
        let region_share: Vec<f64> = (0..k)
            .map(|i| {
                if let Some(d) = dist {
                    return TestReference::share_at(d, cut.values[i]);
                }
                let (a, n): (u64, u64) = order.iter().fold((0, 0), |(a, n), &c| {
                    (a + counts[c][i].0, n + scores[c].len() as u64)
                });
                a as f64 / n.max(1) as f64
            })
            .collect();
        (0..n_cells)
            .map(|c| {
                let n = scores[c].len();
                if !usable(c) {
                    return Finding::too_small(n, "работ", cfg);
                }
                let ref_fits = p.fits(&by_cut, c, |i| test.pooled(i));
                let parts: Vec<(BetaBinomial, u64)> = (0..k)
                    .filter_map(|i| ref_fits[i].map(|bb| (bb, counts[c][i].1)))
                    .filter(|&(_, m)| m > 0)
                    .collect();
                let window: u64 = parts.iter().map(|p| p.1).sum();
                if window < 5 {
                    return Finding::skipped(format!("у границ отметок работ: {window}, меньше 5"));
                }
                let x: u64 = (0..k)
                    .filter(|&i| ref_fits[i].is_some())
                    .map(|i| counts[c][i].0)
                    .sum();
                let expected: f64 = parts.iter().map(|(bb, m)| bb.share() * *m as f64).sum();
                let dist = convolve(&parts);
                let p = upper_tail(&dist, x);
                let effect = (x as f64 - expected) / window as f64;
                // The cut-off with the largest excess, for the sentence.
                let worst = (0..k)
                    .filter(|&i| ref_fits[i].is_some())
                    .max_by(|&a, &b| {
                        let ex = |i: usize| counts[c][i].0 as f64 / n as f64 - region_share[i];
                        ex(a).total_cmp(&ex(b)).then(b.cmp(&a))
                    })
                    .unwrap_or(0);
                let reason = format!(
                    "ровно на {} ({} {}) — {} работ при {} по группе сравнения",
                    cut.names[worst],
                    cut.values[worst],
                    cut.unit,
                    pct(counts[c][worst].0 as f64 / n as f64),
                    pct(region_share[worst])
                );
                let mut f = Finding::tested(x as f64, p, effect, reason)
                    .with_next(upper_tail(&dist, x + 1));
                if by_region {
                    f.note = "доля работ на границе и её разброс — по ОО региона того же уровня (reference.csv)".to_owned();
                }
                f
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

    #[test]
    fn the_minimums_are_mark_3_of_the_oge_and_both_ege_minimums() {
        use crate::model::{Exam, Scale};
        // 12 cells of 10 works; cuts 10 / 20 / 30 of 40, d = round(0.05 · 40) = 2,
        // so the window of mark 3 is [8, 10]. By hand: cell 0 has 8, 9, 10,
        // 10, 10 there (window 5, at 3); cells 1 and 4, … one 10 moved to 9
        // (5, 2); cells 2 and 5, … one 10 moved to 8 (5, 2).
        let cells: Vec<(Vec<f32>, Vec<u8>)> = (0..12)
            .map(|c| {
                let mut s = vec![8.0, 9.0, 10.0, 10.0, 10.0, 15.0, 19.0, 20.0, 29.0, 30.0];
                // Vary the cells a little: one work at the cut moves below it.
                if c % 3 == 1 {
                    s[2] = 9.0;
                }
                if c % 3 == 2 {
                    s[3] = 8.0;
                    s[7] = 18.0;
                }
                (s, vec![4; 10])
            })
            .collect();
        let mut block = crate::signs::testing::block(&cells);
        block.key.exam = Exam::Oge;
        block.scale = Some(Scale {
            cuts: Some([10.0, 20.0, 30.0]),
            pass: None,
            university: None,
            max_score: Some(40.0),
            origin: String::new(),
        });
        let cfg = SignsConfig::default();
        let parts = minimum_parts(&block, None, &cfg);
        assert_eq!(parts.len(), 12);
        // OGE: the cut-off of mark 3 only: (window, at) = (5, 3), (5, 2), (5, 2).
        let own: Vec<Vec<(u64, u64)>> = (parts.iter())
            .map(|p| p.as_ref().unwrap().iter().map(|x| (x.1, x.2)).collect())
            .collect();
        assert_eq!(own[0], [(5, 3)]);
        assert_eq!(own[1], [(5, 2)]);
        assert_eq!(own[2], [(5, 2)]);
        // VPR: none.
        block.key.exam = Exam::Vpr;
        assert!(minimum_parts(&block, None, &cfg).is_empty());
    }

    #[test]
    fn ege_is_judged_at_its_minimums_on_test_scores() {
        use crate::model::{Exam, NO_TEST_SCORE, Scale};
        let mut block = crate::signs::testing::block(&[(vec![10.0; 6], vec![4; 6])]);
        block.key.exam = Exam::Ege;
        // Test scores 19, 20, 24, 24, 30 and one work without a test score.
        block.test_score = ndarray::Array1::from(vec![19, 20, 24, 24, 30, NO_TEST_SCORE]);
        block.scale = Some(Scale {
            cuts: None,
            pass: Some(24),
            university: Some(40),
            max_score: None,
            origin: String::new(),
        });
        let cut = Cutoffs::of(&block).expect("EGE cut-offs");
        assert_eq!(cut.values, [24.0, 40.0]);
        assert!(cut.test_scores);
        assert_eq!(window_width(cut.max), 5.0);
        let scores = cut.scores(block.cell(0));
        assert_eq!(scores, [19.0, 20.0, 24.0, 24.0, 30.0]);
        // d = 5: the window of 24 is 19..=24 (4 works), 2 at it; none near 40.
        assert_eq!(
            counts_of(scores.into_iter(), &cut.values, 5.0),
            [(2, 4), (0, 0)]
        );
        // Both minimums at the same score (profile mathematics: 27 and 27)
        // are one cut-off: its works counted twice as independent parts
        // would double the excess and halve the null's spread of it.
        if let Some(s) = block.scale.as_mut() {
            s.university = Some(24);
        }
        let cut = Cutoffs::of(&block).expect("EGE cut-offs");
        assert_eq!(cut.values, [24.0]);
        assert_eq!(cut.names, ["минимальном балле для аттестата"]);
        // Without test scores EGE has nothing to judge.
        block.test_score.fill(NO_TEST_SCORE);
        assert!(Cutoffs::of(&block).is_none());
    }
}
