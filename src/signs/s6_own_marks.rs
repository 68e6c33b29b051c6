//! S6: the exam result against the school's own marks, judged by the same
//! school's other works of the year — in two directions that are different signs.
//!
//! Each pupil's work is set against the region's pupils of the same test with
//! the same school mark (journal mark for VPR, annual mark for OGE and EGE):
//! * S6a, *exam above the school's marks*: residual = primary score − the
//!   region's mean primary score of pupils with the same school mark;
//! * S6b, *school marks above the exam*: residual = school mark − the region's
//!   mean school mark of pupils with the same primary score
//!   (each direction regresses the quantity that a manipulation moves on the one
//!   it leaves alone, which is the more powerful of the two comparisons).
//!
//! Regional means by [`ConditionalMean`] (sparse marks or scores pooled with
//! their neighbours, at least 30 works per bin), each cell against the other
//! cells' works (leave-one-out). Residuals are divided by the test's pooled
//! within-cell SD, so a cell's mean residual y has sampling variance 1/n plus
//! the variance of its reference, which matters only where the reference is a
//! handful of schools ([`test_residuals`]).
//!
//! * **Statistic**: the predictive z of the cell's mean residual in the
//!   two-level random-effects model of the year's cells within schools
//!   ([`Nested`]): the school's marking habit (how lenient its marks are
//!   against its results) is the school effect, estimated from its other cells
//!   of the year (other subjects, grades, exams) and shrunk toward the region as
//!   far as those are few or small; the between-cell spread inside schools
//!   (other teachers, other cohorts) is estimated by moments over the region, so
//!   the null allows for it. Effect = y − the predicted mean, in SD.
//!   The school's reference leaves out its cells that are outliers themselves
//!   (first-pass |z| > 3 against all the school's other cells, either
//!   direction), so that one manipulated cell does not hide another; the trim
//!   is symmetric, so an honest school's reference stays unbiased (outlier
//!   leave-out as in meta-analysis: Viechtbauer W., Cheung M.W.-L. (2010)
//!   Outlier and influence diagnostics for meta-analysis. Res. Synth. Methods 1).
//!   The variances are fitted on all cells, outliers included (conservative).
//! * **With reference.csv** written by `obektiv reference` (`own_marks_bin`,
//!   `own_marks_sd`, `own_marks_model`, per test and direction): the cell's
//!   residuals are taken against the region's conditional means and divided
//!   by the region's SD, and where every test of the year has them the year's
//!   model (μ, τ²ₛ, τ²꜀) is the region's — each cell as the region's own
//!   analysis sees it (up to the region leaving the cell's works out of its
//!   means). A municipality's few schools estimate the spreads poorly, and
//!   one lenient school among ten widens them for all.
//! * **Null hypothesis**: the cell departs from its school's usual relation
//!   between results and marks no more than the cells of honest schools do.
//! * **Rule**: p = P(Z ≥ z); enters the cell's evidence ([`crate::evidence`]) when the effect
//!   ≥ `own_marks_min_effect`.
//! * **Minimum sample**: `min_works` works with both a primary score and a
//!   school mark (a smaller cell is computed all the same and reported with
//!   its numbers, not evaluated: [`super::Finding::below_minimum`]); tests where at least 5 cells have such works (each cell's
//!   reference, its own works left out, is then at least four other cells:
//!   see [`test_residuals`]) and the region's mark or score takes at least
//!   two bins.
//! * **Edge cases**: works without a school mark are left out; a test whose
//!   residuals have no spread within cells is not evaluated; a school with no
//!   other cells that year is judged against the region (wider null).
//! * **Reference**: DerSimonian & Laird (1986); Goldstein (2011) Multilevel
//!   Statistical Models; Рособрнадзор, ФИОКО — признак «несоответствие
//!   результатов ВПР и отметок по журналу».

use std::collections::BTreeMap;

use crate::load::reference::OwnMarksRef;
use crate::model::{Dataset, NO_MARK};
use crate::stats::conditional::ConditionalMean;
use crate::stats::nested::Nested;
use crate::stats::normal_sf;

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, dec1};

/// Fewest works per bin of the regional conditional mean.
const MIN_PER_BIN: usize = 30;

/// A cell whose first-pass |z| (against all its school's other cells) exceeds
/// this is left out of the school's reference for its other cells.
const TRIM_Z: f64 = 3.0;

/// A cell's mean standardized residual and its number of works.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellResidual {
    pub y: f64,
    pub n: usize,
    /// Sampling variance of y: 1/n from the cell's works, plus the
    /// uncertainty of its leave-one-out reference.
    pub v: f64,
    /// Whether the cell is part of its school's reference for the other
    /// cells (false when its own first-pass |z| exceeds [`TRIM_Z`]).
    pub in_reference: bool,
}

/// One direction over the whole dataset.
#[derive(Clone, Debug, Default)]
pub struct Direction {
    /// Per test, per cell (None where the test or cell has no residuals).
    pub cells: Vec<Vec<Option<CellResidual>>>,
    /// Per test: why it has none, when it has none.
    pub skipped: Vec<Option<&'static str>>,
    /// Per year.
    pub fits: BTreeMap<u16, Nested>,
    /// Per (year, school): Σ w*, Σ w* y and the number of its cells.
    pub sums: BTreeMap<(u16, u32), (f64, f64, usize)>,
    /// Per test: the conditional means and pooled SD of its own works (None
    /// where it has no residuals or took the region's from reference.csv).
    pub references: Vec<Option<(ConditionalMean, f64)>>,
}

/// Both directions: [exam above marks, marks above exam].
#[derive(Clone, Debug, Default)]
pub struct OwnMarks {
    pub dirs: [Direction; 2],
}

impl OwnMarks {
    pub fn new(data: &Dataset) -> OwnMarks {
        let (a, b) = rayon::join(|| Direction::new(data, 0), || Direction::new(data, 1));
        OwnMarks { dirs: [a, b] }
    }
}

/// Fewest cells with school marks for a test to be judged: each cell's
/// reference is then the pupils of at least four other cells.
const MIN_REFERENCE_CELLS: usize = 5;

/// A test's residuals, conditional means and pooled SD ([`test_residuals`]).
type Referenced = (Vec<Option<CellResidual>>, ConditionalMean, f64);

/// Per cell, the residuals of direction `d` in one test, divided by the pooled
/// within-cell SD; Err with the reason when the test has none.
///
/// Each cell's residuals are taken against the region's conditional means
/// *without its own works* (leave-one-out), so that in a small folder (a
/// municipality: 5–30 cells per test) a cell does not lift its own
/// reference. The reference then carries its own uncertainty, added to the
/// cell's sampling variance: the cell's mean residual is y − Σ_b w_b m_b with
/// w_b its share of works in bin b and m_b the others' bin means, whose
/// variance is estimated with the cells as clusters (so the school-to-school
/// spread of the few schools behind a small reference counts, not only the
/// number of pupils): with u_cb = (S_cb − n_cb m_b) / N_b, Var = wᵀ (Σ_c u_c u_cᵀ)
/// w · K / (K − 1) over the K other cells (the sandwich estimator with the
/// usual small-sample factor: Liang K.-Y., Zeger S.L. (1986) Longitudinal data
/// analysis using generalized linear models. Biometrika 73(1); Cameron A.C.,
/// Miller D.L. (2015) A practitioner's guide to cluster-robust inference. J.
/// Human Resources 50(2)). In a region of hundreds of cells this adds next
/// to nothing; in a municipality it is what keeps an honest cell's residual
/// against four or five other schools from looking unusual.
///
/// Returns the residuals with the conditional means and the pooled SD they
/// were taken against (written to reference.csv by `obektiv reference`).
fn test_residuals(block: &crate::model::TestBlock, d: usize) -> Result<Referenced, &'static str> {
    // The primary score, or the test score of a test that has only those.
    let scores = block.level_scores();
    let pair = |i: usize| {
        let (p, j) = (scores[i], block.journal[i]);
        (!p.is_nan() && j != NO_MARK).then(|| {
            let (p, j) = (f64::from(p), f64::from(j));
            if d == 0 { (j, p) } else { (p, j) }
        })
    };
    if block.journal.iter().all(|&j| j == NO_MARK) {
        return Err(super::NO_JOURNAL);
    }
    let pairs: Vec<(f64, f64)> = (0..block.n_works()).filter_map(pair).collect();
    let reference = ConditionalMean::build(&pairs, MIN_PER_BIN)
        .filter(|c| c.n_bins() >= 2)
        .ok_or("в регионе слишком мало работ с отметкой школы для сравнения")?;
    let k = reference.n_bins();
    let works =
        |span: &crate::model::CellSpan| (span.start as usize..span.end as usize).filter_map(pair);
    // Per cell, per bin: (works, sum of responses); and the test's totals.
    let bins: Vec<Vec<(f64, f64)>> = (block.cells.iter())
        .map(|span| {
            let mut v = vec![(0.0, 0.0); k];
            for (x, y) in works(span) {
                let b = &mut v[reference.bin(x)];
                *b = (b.0 + 1.0, b.1 + y);
            }
            v
        })
        .collect();
    let with_pairs = bins.iter().filter(|v| v.iter().any(|b| b.0 > 0.0)).count();
    if with_pairs < MIN_REFERENCE_CELLS {
        return Err("в тесте слишком мало ячеек с отметками школы");
    }
    let total: Vec<(f64, f64)> = (0..k)
        .map(|b| {
            bins.iter()
                .fold((0.0, 0.0), |(n, s), v| (n + v[b].0, s + v[b].1))
        })
        .collect();
    // Cross-products over the cells of e_cb = S_cb − n_cb m_b (m_b the bin's
    // mean over all cells) and n_cb, from which each cell's leave-one-out
    // sums follow by subtraction.
    let mean: Vec<f64> = total.iter().map(|&(n, s)| s / n).collect();
    let e: Vec<Vec<f64>> = (bins.iter())
        .map(|v| (0..k).map(|b| v[b].1 - v[b].0 * mean[b]).collect())
        .collect();
    let (mut ee, mut en, mut nn) = (vec![0.0; k * k], vec![0.0; k * k], vec![0.0; k * k]);
    // Only the bins a cell has works in add anything (e_cb = n_cb = 0 in the
    // others), so each cell's products are taken over those alone.
    let mut occupied = Vec::with_capacity(k);
    for (ec, v) in e.iter().zip(&bins) {
        occupied.clear();
        occupied.extend((0..k).filter(|&b| v[b].0 > 0.0));
        for &a in &occupied {
            for &b in &occupied {
                ee[a * k + b] += ec[a] * ec[b];
                en[a * k + b] += ec[a] * v[b].0;
                nn[a * k + b] += v[a].0 * v[b].0;
            }
        }
    }
    let others = (with_pairs - 1) as f64;
    let raw: Vec<Option<(f64, f64, usize, f64)>> = (block.cells.iter().enumerate())
        .map(|(c, span)| {
            let own = &bins[c];
            // The others' mean of each bin (None where only this cell has works).
            let loo: Vec<Option<f64>> = (0..k)
                .map(|b| {
                    let n = total[b].0 - own[b].0;
                    (n > 0.0).then(|| (total[b].1 - own[b].1) / n)
                })
                .collect();
            let r: Vec<f64> = works(span)
                .filter_map(|(x, y)| loo[reference.bin(x)].map(|m| y - m))
                .collect();
            if r.is_empty() {
                return None;
            }
            let n = r.len() as f64;
            let m = r.iter().sum::<f64>() / n;
            let ss = r.iter().map(|x| (x - m).powi(2)).sum::<f64>();
            // Variance of the reference part over the other cells as
            // clusters: Σ_{c′≠c} (Σ_b w_b (S_c′b − n_c′b m_b,−c) / N_b,−c)², with
            // S − n m_−c = e + n δ, δ_b = m_b − m_b,−c.
            let w: Vec<f64> = (0..k)
                .map(|b| if loo[b].is_some() { own[b].0 / n } else { 0.0 })
                .collect();
            let delta: Vec<f64> = (0..k)
                .map(|b| loo[b].map_or(0.0, |m| mean[b] - m))
                .collect();
            let ec = &e[c];
            let mut var = 0.0;
            let used: Vec<usize> = (0..k).filter(|&a| w[a] > 0.0).collect();
            for &a in &used {
                for &b in &used {
                    let i = a * k + b;
                    let ee = ee[i] - ec[a] * ec[b];
                    let en_ab = en[i] - ec[a] * own[b].0;
                    let en_ba = en[b * k + a] - ec[b] * own[a].0;
                    let nn = nn[i] - own[a].0 * own[b].0;
                    let sum = ee + delta[b] * en_ab + delta[a] * en_ba + delta[a] * delta[b] * nn;
                    var += w[a] * w[b] * sum / ((total[a].0 - own[a].0) * (total[b].0 - own[b].0));
                }
            }
            Some((m, ss, r.len(), var.max(0.0) * others / (others - 1.0)))
        })
        .collect();
    let (ss, df) = raw
        .iter()
        .flatten()
        .fold((0.0, 0.0), |(a, b), &(_, ss, n, _)| {
            (a + ss, b + n as f64 - 1.0)
        });
    if !(df > 0.0 && ss > 0.0) {
        return Err(
            "при одной и той же отметке школы результаты не различаются: не с чем сравнивать",
        );
    }
    let sd = (ss / df).sqrt();
    let cells = raw
        .into_iter()
        .map(|c| {
            c.map(|(m, _, n, var)| CellResidual {
                y: m / sd,
                n,
                v: 1.0 / n as f64 + var / (sd * sd),
                in_reference: true,
            })
        })
        .collect();
    Ok((cells, reference, sd))
}

/// A test's residuals against its region's published conditional means and
/// SD (reference.csv): the region's own analysis of each cell, whose
/// reference of thousands of works carries no uncertainty worth adding
/// (v = 1/n).
fn region_residuals(
    block: &crate::model::TestBlock,
    d: usize,
    region: &OwnMarksRef,
) -> Vec<Option<CellResidual>> {
    let reference = ConditionalMean::of_bins(&region.bins).expect("checked when loaded");
    (block.cells.iter())
        .map(|span| {
            let r: Vec<f64> = (span.start as usize..span.end as usize)
                .filter_map(|i| {
                    let (p, j) = (block.primary[i], block.journal[i]);
                    (!p.is_nan() && j != NO_MARK).then(|| {
                        let (p, j) = (f64::from(p), f64::from(j));
                        let (x, y) = if d == 0 { (j, p) } else { (p, j) };
                        y - reference.mean(x)
                    })
                })
                .collect();
            (!r.is_empty()).then(|| {
                let n = r.len();
                CellResidual {
                    y: r.iter().sum::<f64>() / n as f64 / region.sd,
                    n,
                    v: 1.0 / n as f64,
                    in_reference: true,
                }
            })
        })
        .collect()
}

impl Direction {
    fn new(data: &Dataset, d: usize) -> Direction {
        let mut out = Direction::default();
        // Per year, per school: the cells (y, v, test, cell).
        type Group = Vec<(f64, f64, usize, usize)>;
        let mut groups: BTreeMap<u16, BTreeMap<u32, Group>> = BTreeMap::new();
        // Where reference.csv gives the region's means, SD and the year's
        // model for this direction, the region's; else the folder's own.
        // (Published on the primary scale: not for a test read on test scores.)
        let region = |t: usize| {
            let block = &data.tests[t];
            if block.level_scale() != crate::model::LevelScale::Primary {
                return None;
            }
            let r = data.reference.region.get(&block.key)?;
            r.own_marks[d].as_ref()
        };
        type Got =
            Result<(Vec<Option<CellResidual>>, Option<(ConditionalMean, f64)>), &'static str>;
        let residuals: Vec<Got> = {
            use rayon::prelude::*;
            (data.tests.par_iter().enumerate())
                .map(|(t, block)| match region(t) {
                    Some(r) => Ok((region_residuals(block, d, r), None)),
                    None => test_residuals(block, d).map(|(c, m, sd)| (c, Some((m, sd)))),
                })
                .collect()
        };
        // A year is judged on the region's model where every test of the
        // year with residuals took the region's reference.
        let mut own_years: std::collections::BTreeSet<u16> = Default::default();
        let mut region_model: BTreeMap<u16, Nested> = BTreeMap::new();
        for (t, r) in residuals.iter().enumerate() {
            let year = data.tests[t].key.year;
            match (r, region(t)) {
                (Ok(_), Some(reg)) => {
                    let [mu, tau2_school, tau2_cell] = reg.model;
                    region_model.entry(year).or_insert(Nested {
                        mu,
                        tau2_school,
                        tau2_cell,
                    });
                }
                (Ok(_), None) => {
                    own_years.insert(year);
                }
                (Err(_), _) => {}
            }
        }
        for ((t, block), residuals) in data.tests.iter().enumerate().zip(residuals) {
            match residuals {
                Ok((cells, reference)) => {
                    out.references.push(reference);
                    for (i, (span, c)) in block.cells.iter().zip(&cells).enumerate() {
                        if let Some(c) = c.filter(|c| c.n >= 2) {
                            groups
                                .entry(block.key.year)
                                .or_default()
                                .entry(span.school)
                                .or_default()
                                .push((c.y, c.v, t, i));
                        }
                    }
                    out.cells.push(cells);
                    out.skipped.push(None);
                }
                Err(why) => {
                    out.references.push(None);
                    out.cells.push(vec![None; block.cells.len()]);
                    out.skipped.push(Some(why));
                }
            }
        }
        for (year, schools) in groups {
            let list: Vec<Vec<(f64, f64)>> = schools
                .values()
                .map(|g| g.iter().map(|&(y, v, _, _)| (y, v)).collect())
                .collect();
            let region = (!own_years.contains(&year))
                .then(|| region_model.get(&year).copied())
                .flatten();
            let Some(fit) = region.or_else(|| Nested::fit(&list)) else {
                continue;
            };
            let sum = |cells: &mut dyn Iterator<Item = &(f64, f64, usize, usize)>| {
                cells.fold((0.0, 0.0, 0), |(a, b, k), &(y, v, _, _)| {
                    (a + fit.weight(v), b + fit.weight(v) * y, k + 1)
                })
            };
            for (school, cells) in schools {
                // First pass: each cell against all the school's other cells.
                let (sw, swy, k) = sum(&mut cells.iter());
                let mut kept = Vec::with_capacity(cells.len());
                for &(y, v, t, i) in &cells {
                    let w = fit.weight(v);
                    let z = if k > 1 {
                        fit.z(y, v, sw - w, swy - w * y)
                    } else {
                        fit.z(y, v, 0.0, 0.0)
                    };
                    let keep = z.abs() <= TRIM_Z;
                    if let Some(c) = out.cells[t][i].as_mut() {
                        c.in_reference = keep;
                    }
                    if keep {
                        kept.push((y, v, t, i));
                    }
                }
                out.sums.insert((year, school), sum(&mut kept.iter()));
            }
            out.fits.insert(year, fit);
        }
        out
    }
}

/// How far and which way, for «на 1,2 стандартного отклонения ниже» — never
/// «на −1,2 … выше».
fn size_and_side(x: f64) -> (String, &'static str) {
    (dec1(x.abs()), if x < 0.0 { "ниже" } else { "выше" })
}

fn evaluate(d: usize, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
    let block = test.block;
    let n_cells = block.cells.len();
    let dir = &test.shared.own_marks.dirs[d];
    if let Some(why) = dir.skipped[test.index] {
        return vec![Finding::skipped(why); n_cells];
    }
    let year = block.key.year;
    let Some(fit) = dir.fits.get(&year) else {
        return vec![
            Finding::skipped("в этом году слишком мало ОО для модели");
            n_cells
        ];
    };
    let marks = if block.key.exam.has_marks() && block.key.exam.code() == "VPR" {
        "отметками по журналу"
    } else {
        "годовыми отметками"
    };
    let score = block.level_scale().instrumental();
    (0..n_cells)
        .map(|c| {
            let Some(cell) = dir.cells[test.index][c] else {
                return Finding::skipped("нет работ, у которых есть и балл, и отметка школы");
            };
            let v = cell.v;
            let (sw, swy, k) = dir
                .sums
                .get(&(year, block.cells[c].school))
                .copied()
                .unwrap_or_default();
            // The school's other cells in its reference: its sums without this
            // cell when the cell is in them.
            let w = fit.weight(v);
            // (A cell of one work is in no school's sums.)
            let (sw_o, swy_o, k_o) = if cell.in_reference && cell.n >= 2 {
                (sw - w, swy - w * cell.y, k.saturating_sub(1))
            } else {
                (sw, swy, k)
            };
            let (sw_o, swy_o) = if k_o > 0 { (sw_o, swy_o) } else { (0.0, 0.0) };
            let (m, var) = fit.predict(v, sw_o, swy_o);
            let z = if var > 0.0 { (cell.y - m) / var.sqrt() } else { 0.0 };
            let effect = cell.y - m;
            let own = if sw_o > 0.0 {
                format!(
                    "; в остальных работах школы за этот год разница в среднем {}",
                    dec1(swy_o / sw_o)
                )
            } else {
                String::new()
            };
            let (size, side) = size_and_side(cell.y);
            let reason = if d == 0 {
                format!(
                    "результат работы в среднем на {size} стандартного отклонения {side}, чем у участников региона с теми же {marks}{own}"
                )
            } else {
                format!(
                    "{} в среднем на {size} стандартного отклонения {side}, чем у участников региона с тем же {score} баллом{own}",
                    if marks == "годовыми отметками" { "годовые отметки" } else { "отметки по журналу" },
                )
            };
            let mut f = Finding::tested(z, normal_sf(z), effect, reason);
            f.note = format!(
                "средний остаток {} стандартного отклонения при ожидаемом {} ± {} (разброс между ОО {}, между ячейками одной ОО {}{}); работ {}",
                super::dec(cell.y, 3),
                super::dec(m, 3),
                super::dec(var.sqrt(), 3),
                super::dec(fit.tau2_school, 4),
                super::dec(fit.tau2_cell, 4),
                if dir.references[test.index].is_none() {
                    "; средние и разброс — по региону, reference.csv"
                } else {
                    ""
                },
                cell.n
            );
            if cell.n < cfg.min_works {
                return f.below_minimum(cell.n, "работ с отметкой школы", cfg);
            }
            f
        })
        .collect()
}

/// One of the two directions, as a sign.
pub struct OwnMarksSign {
    dir: usize,
    id: &'static str,
    family: &'static str,
    title: &'static str,
    statistic: &'static str,
    formula: &'static str,
    compared: &'static str,
    unusual: &'static str,
}

/// S6a.
pub const RESULT_ABOVE_OWN_MARKS: OwnMarksSign = OwnMarksSign {
    dir: 0,
    id: "S6a",
    family: "exam_above_own_marks",
    title: "Результат работы выше, чем предсказывают отметки школы",
    statistic: "mean of (primary score − region's mean primary score at the same school mark) in within-cell SD; predictive z given the school's other cells of the year (two-level random effects)",
    formula: "r_i = (балл участника − средний балл участников региона с той же отметкой школы) / σ, σ — стандартное отклонение внутри ячеек теста; ȳ — среднее r_i по ячейке из n работ. Ожидаемое ȳ: μ̂ — привычка ОО к отметкам по её другим ячейкам года, сжатая к региону; τ² — разброс между ячейками одной ОО (метод моментов). z = (ȳ − μ̂) / √(τ² + 1/n + Dμ̂), p = P(Z ≥ z).",
    compared: "насколько первичные баллы участников выше, чем у участников региона с теми же отметками школы, — с тем, как обычно соотносятся результаты и отметки в других ячейках этой же ОО за год",
    unusual: "ячейка заметно выбивается вверх из обычного для ОО соотношения: результат выше, чем предсказывают её собственные отметки",
};

/// S6b.
pub const OWN_MARKS_ABOVE_RESULT: OwnMarksSign = OwnMarksSign {
    dir: 1,
    id: "S6b",
    family: "own_marks_above_exam",
    title: "Отметки школы выше, чем предсказывает результат работы",
    statistic: "mean of (school mark − region's mean school mark at the same primary score) in within-cell SD; predictive z given the school's other cells of the year (two-level random effects)",
    formula: "r_i = (отметка школы − средняя отметка школы у участников региона с тем же первичным баллом) / σ; далее как у признака «Результат работы выше, чем предсказывают отметки школы»: z = (ȳ − μ̂) / √(τ² + 1/n + Dμ̂), p = P(Z ≥ z).",
    compared: "насколько отметки школы выше, чем у участников региона с тем же первичным баллом, — с другими ячейками этой же ОО за год",
    unusual: "отметки школы в ячейке заметно выше, чем предсказывает результат работы, и выше обычного для этой ОО",
};

impl Sign for OwnMarksSign {
    fn id(&self) -> &'static str {
        self.id
    }
    fn family(&self) -> &'static str {
        self.family
    }
    fn title(&self) -> &'static str {
        self.title
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            statistic: self.statistic,
            formula: self.formula,
            null: "the cell departs from its school's usual relation between results and marks (school effect, from its other cells) no more than honest cells do (between-cell spread inside schools by moments)",
            rule: "p = P(Z >= z); enters the cell's evidence (see evidence) when the departure >= own_marks_min_effect (SD)",
            min_sample: "min_works works with a score and a school mark; 5 such cells in the test",
            compared: self.compared,
            unusual: self.unusual,
            needs: "балл за работу и отметка школы (по журналу или годовая); несколько ОО в году",
            reference: "DerSimonian & Laird (1986); Goldstein (2011); ФИОКО, признак «несоответствие результатов и отметок по журналу»",
        }
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.own_marks_min_effect
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        evaluate(self.dir, test, cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signs::testing::block;

    /// Ten works with journal mark 3 scoring a, b alternately, ten with 4 scoring c, d.
    fn cell(a: f32, b: f32, c: f32, d: f32) -> (Vec<f32>, Vec<u8>) {
        let p = (0..20)
            .map(|i| match (i < 10, i % 2 == 0) {
                (true, true) => a,
                (true, false) => b,
                (false, true) => c,
                (false, false) => d,
            })
            .collect();
        let j = (0..20).map(|i| if i < 10 { 3 } else { 4 }).collect();
        (p, j)
    }

    #[test]
    fn residuals_by_hand() {
        // Five cells; journal 3 scores a, b and journal 4 scores c, d. Each
        // cell against the other four cells' means of its journal mark, the
        // residuals divided by the pooled within-cell SD, and the variance of
        // the cell's mean: 1/n plus the cluster-robust variance of the others'
        // means (K/(K−1) Σ over the other cells of (Σ_b w_b (S − n m_b,−c) /
        // N_b,−c)²). Worked in Python from these definitions:
        //   y = [-0.4873397172404483, 0.7310095758606724, -1.705689010341569,
        //        -0.4873397172404483, 1.9493588689617931]
        //   v = [0.44583333333333347, 0.42604166666666676, 0.2677083333333334,
        //        0.44583333333333347, 0.20833333333333337]
        let b = block(&[
            cell(4.0, 6.0, 8.0, 10.0),
            cell(5.0, 7.0, 9.0, 11.0),
            cell(3.0, 5.0, 7.0, 9.0),
            cell(4.0, 6.0, 8.0, 10.0),
            cell(6.0, 8.0, 10.0, 12.0),
            (vec![5.0; 3], vec![NO_MARK; 3]),
        ]);
        let r = test_residuals(&b, 0).unwrap().0;
        let want_y = [
            -0.4873397172404483,
            0.7310095758606724,
            -1.705689010341569,
            -0.4873397172404483,
            1.9493588689617931,
        ];
        let want_v = [
            0.44583333333333347,
            0.42604166666666676,
            0.2677083333333334,
            0.44583333333333347,
            0.20833333333333337,
        ];
        for (c, (y, v)) in want_y.iter().zip(want_v).enumerate() {
            let got = r[c].expect("cell with journal marks");
            assert!((got.y - y).abs() < 1e-12, "cell {c}: y {} vs {y}", got.y);
            assert!((got.v - v).abs() < 1e-12, "cell {c}: v {} vs {v}", got.v);
            assert!(got.n == 20 && got.in_reference);
        }
        assert_eq!(r[5], None); // no journal marks
        // Four cells with journal marks are too few for a test.
        let four = block(&[
            cell(4.0, 6.0, 8.0, 10.0),
            cell(5.0, 7.0, 9.0, 11.0),
            cell(3.0, 5.0, 7.0, 9.0),
            cell(4.0, 6.0, 8.0, 10.0),
        ]);
        assert!(test_residuals(&four, 0).is_err());
    }

    #[test]
    fn zero_spread_is_not_evaluated() {
        // Every pupil with journal 3 scores 5 and with 4 scores 9: the
        // residuals have no spread within cells.
        let b = block(&vec![cell(5.0, 5.0, 9.0, 9.0); 5]);
        assert_eq!(
            test_residuals(&b, 0).map(|r| r.0),
            Err("при одной и той же отметке школы результаты не различаются: не с чем сравнивать")
        );
    }

    #[test]
    fn a_negative_difference_is_said_to_be_below() {
        assert_eq!(size_and_side(-1.23), ("1,2".to_owned(), "ниже"));
        assert_eq!(size_and_side(0.86), ("0,9".to_owned(), "выше"));
        assert_eq!(size_and_side(-0.01), ("0,0".to_owned(), "ниже"));
    }

    #[test]
    fn decimals_in_russian() {
        assert_eq!(dec1(0.84), "0,8");
        assert_eq!(dec1(-0.44), "−0,4");
        assert_eq!(dec1(-0.04), "0,0");
    }
}
