//! S4: the exam mark against the school's own mark (journal mark for VPR, annual
//! mark for OGE), in three directions that are different signs.
//!
//! For each cell, among works with both marks: the counts of exam marks below
//! («понизили»), equal to («подтвердили») and above («повысили») the school mark.
//!
//! * **Statistic** (S4a, S4b): the count in the sign's direction; effect = the
//!   cell's share minus the peer group's share.
//! * **Null hypothesis**: the cell's count is a draw from the beta-binomial
//!   predictive distribution of its peer group (lyceums, gymnasiums and schools
//!   with in-depth study of the subject vs the others; for the others the whole
//!   test when their group has fewer than `min_cells` cells, while selective
//!   schools with fewer than `min_cells` peers are not judged by S4a/S4b:
//!   compared with ordinary schools, which mark differently, an honest lyceum
//!   looks unusual), fitted to the test's cells by
//!   moments — so the ordinary school-to-school variation in marking is part of
//!   the null (see [`crate::stats::betabinom`]); the cell is left out of its own
//!   reference where enough others remain ([`crate::stats::betabinom::MomentSums`]).
//!   With reference.csv's published shares (FIS OKO's «понизили / подтвердили /
//!   повысили») the fit is moved to the region's level; and where the folder
//!   has fewer than `min_cells` ordinary schools in the test (a small
//!   municipality), S4a/S4b set the cell against the region's published share
//!   with the spread ρ pooled over the folder's tests of the exam
//!   ([`crate::stats::betabinom::SpreadPool`]). Honest regions of 400 schools cut
//!   into their municipalities, each with the region's file (seeds 7 and 8,
//!   the second `--misspecified`): cells judged this way had p ≤ 0.05 / 0.01 /
//!   0.001 in 3.9 / 0.94 / 0.06 % (misspecified 5.0 / 1.5 / 0.18 %), and no
//!   honest cell was marked by S4.
//! * **Rule**: one-sided p-value; enters the cell's evidence ([`crate::evidence`]) when the
//!   effect ≥ `journal_min_effect`.
//!   - S4a `exam above journal`: too many exam marks above the school mark —
//!     an exam result inflated beyond what the school itself sees in its pupils.
//!   - S4b `journal above exam`: too many exam marks below the school mark —
//!     school marks inflated above an honest exam.
//!   - S4c `fitted to journal`: exam marks brought into line with the journal
//!     by giving a work just the points it lacks for its journal mark. Among
//!     the works whose journal mark is j (3, 4, 5), those scoring exactly the
//!     cut-off of mark j, against those in the band of mark j − 1 up to it
//!     (from the cut-off of mark j − 1, for j = 3 from the lowest score; each
//!     pupil at the cut-off of *his own* journal mark, so pupils whom nobody
//!     had a reason to lift do not dilute the count). A fitted work is lifted
//!     from wherever it lay in the band below, which empties into its upper
//!     edge; the window of S3 (d = max(1, round(5 % of the maximum)) points
//!     below the cut-off), used until stop 34, saw only the works lifted from
//!     nearby and counted the honest ones just below as the reference
//!     (`evaluate --seeds 5 --schools 300 --standard-only`: marks fitted to
//!     the journal, moderate, .33 → .60 of the cells; honest cells with
//!     p ≤ 0.001 0.025 % → 0.067 %, 84 independent honest regions 0.026 % →
//!     0.073 %). The null is one beta-binomial per journal mark
//!     (peer group as above), the p-value the exact upper tail of the summed
//!     count (convolution), the effect the excess share of the windows; not
//!     evaluated with fewer than 5 works in the windows or without cut-offs.
//!     With reference.csv's `fitted_*` rows (written by `obektiv reference`)
//!     each journal mark and peer group is set against the region's share
//!     and spread, the cell left out as the region's own analysis leaves it
//!     out (as S3 with `cutoff_*`): a municipality's few cells gave the sign
//!     a level of its own (`evaluate --municipal`: fitted_to_journal
//!     .07 / .50 / .71 without, .14 / .62 / .86 with).
//!     Quadratic-weighted kappa of the two marks is reported in the note. (It
//!     replaces "too many equal marks while the mean is above the peer group",
//!     which confused honest agreement with fitting.)
//! * **Second reference, the school itself** (S4a, S4b): the same count against the school's
//!   own other VPR/OGE works of the year (other subjects and grades), with the
//!   within-school spread between cells estimated over the test; the sign's
//!   p-value is 1 − (1 − min(p_region, p_school))² (Šidák over the two, [`crate::stats::sidak_min`]),
//!   and the effect the larger of the two excess shares. A school whose marking
//!   habit differs from the region's is thus judged partly by its own habit.
//! * **Minimum sample**: `min_works` works with both marks; EGE cells (no
//!   5-point exam mark) are not evaluated.
//! * **Reference**: Рособрнадзор, ФИОКО. Методические рекомендации по
//!   проведению ВПР и использованию их результатов (признак «несоответствие
//!   отметок за ВПР и отметок по журналу»); Skellam J.G. (1948) A probability
//!   distribution derived from the binomial distribution by regarding the
//!   probability of success as variable between the sets of trials. JRSS B 10.

use std::collections::BTreeMap;

use crate::model::{Cell, Dataset, NO_MARK, School, TestBlock};
use crate::stats::agreement::quadratic_kappa;
use crate::stats::betabinom::{BetaBinomial, MomentSums, SpreadPool, convolve, upper_tail};

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, dec, pct, sci};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Raised,
    Lowered,
    Fitted,
}

/// (lowered, confirmed, raised) counts among works with both marks.
pub(super) fn counts(cell: Cell<'_>) -> [u64; 3] {
    let mut c = [0u64; 3];
    for (&m, &j) in cell.mark().iter().zip(cell.journal().iter()) {
        if m != NO_MARK && j != NO_MARK {
            c[(m.cmp(&j) as i8 + 1) as usize] += 1;
        }
    }
    c
}

/// The (count in direction `k`, works with both marks) of the cells with
/// at least `min_works` such works, in the peer group `sel` (all with None).
fn peer_cells(
    test: &TestInput<'_>,
    cfg: &SignsConfig,
    k: usize,
    sel: Option<bool>,
) -> Vec<(u64, u64)> {
    let all = &test.shared.cell_marks[test.index];
    (0..all.len())
        .map(|c| (c, all[c].iter().sum::<u64>()))
        .filter(|&(c, n)| n as usize >= cfg.min_works && sel.is_none_or(|s| test.selective(c) == s))
        .map(|(c, n)| (all[c][k], n))
        .collect()
}

/// The peer groups a sign's fits are made on, per slot (see
/// [`super::Sign::spread`]): S4a/S4b the ordinary (0) and the selective (1)
/// schools; S4c the same per journal mark j (slot 3 · group + j − 3).
fn spread(dir: Dir, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<(u8, MomentSums)> {
    if !test.block.key.exam.has_marks() {
        return Vec::new();
    }
    let k = match dir {
        Dir::Lowered => 0,
        Dir::Raised => 2,
        Dir::Fitted => {
            return FittedCells::of(test.block, test.schools, cfg)
                .map_or(Vec::new(), |f| f.slots());
        }
    };
    [false, true]
        .map(|sel| {
            (
                u8::from(sel),
                MomentSums::of(&peer_cells(test, cfg, k, Some(sel))),
            )
        })
        .to_vec()
}

fn evaluate(dir: Dir, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
    let block = test.block;
    let n_cells = block.cells.len();
    if !block.key.exam.has_marks() {
        return vec![
            Finding::skipped("ЕГЭ: нет отметки по пятибалльной шкале для сравнения");
            n_cells
        ];
    }
    if block.journal.iter().all(|&j| j == NO_MARK) {
        return vec![Finding::skipped(super::NO_JOURNAL); n_cells];
    }
    let k = match dir {
        Dir::Lowered => 0,
        Dir::Raised => 2,
        Dir::Fitted => return evaluate_fitted(test, cfg),
    };
    let all = &test.shared.cell_marks[test.index];
    let totals: Vec<u64> = all.iter().map(|c| c.iter().sum()).collect();
    let big = |c: usize| totals[c] as usize >= cfg.min_works;
    // Peer-group sums (None below `min_cells` cells); each cell is judged
    // without itself where enough others remain (see `MomentSums`).
    let sums = |sel: Option<bool>| {
        let cells = peer_cells(test, cfg, k, sel);
        (cells.len() >= cfg.min_cells).then(|| MomentSums::of(&cells))
    };
    let whole = sums(None);
    // Selective schools are compared with each other only: against the whole
    // test (mostly ordinary schools, which mark differently) an honest lyceum
    // looks unusual. Too few of them, and they are not judged here.
    let groups = [[sums(Some(false)), whole], [sums(Some(true)), None]];
    // With the region's published shares, the fits are put on its level.
    let level = test.reference.and_then(|r| r.journal).map(|j| {
        let (x, n) = (0..n_cells)
            .filter(|&c| big(c))
            .fold((0, 0), |(x, n), c| (x + all[c][k], n + totals[c]));
        (x as f64 / n.max(1) as f64, j[k])
    });
    // The school's own other works of the year (other subjects and grades).
    let others: Vec<(u64, u64)> = (0..n_cells)
        .map(|c| {
            let key = (block.key.year, block.cells[c].school);
            let sy = test
                .shared
                .school_marks
                .get(&key)
                .copied()
                .unwrap_or_default();
            (
                sy[k].saturating_sub(all[c][k]),
                sy.iter().sum::<u64>().saturating_sub(totals[c]),
            )
        })
        .collect();
    let within = WithinSchool::fit(
        &(0..n_cells)
            .filter(|&c| big(c))
            .map(|c| (all[c][k], totals[c], others[c].0, others[c].1))
            .collect::<Vec<_>>(),
        cfg.min_works,
    );
    (0..n_cells)
        .map(|c| {
            let n = totals[c];
            // Below the minimum: computed against the peers all the same
            // (the cell is in none of their sums), reported, not evaluated.
            let small = !big(c);
            if n == 0 {
                return Finding::too_small(n, "работ с обеими отметками", cfg);
            }
            let sel = usize::from(test.selective(c));
            if sel == 1 && groups[1][0].is_none() {
                return Finding::skipped(format!(
                    "лицеев, гимназий и ОО с углублённым изучением предмета в тесте меньше {}: \
                     их не с кем сравнить",
                    cfg.min_cells
                ));
            }
            let fitted = if small {
                MomentSums::fit_new(&groups[sel], n, test.pooled(sel as u8))
            } else {
                MomentSums::fit_without(&groups[sel], (all[c][k], n), test.pooled(sel as u8))
            };
            // Too few schools in the folder (a small municipality) but the
            // region's published share at hand: the cell against that share,
            // with the spread between schools pooled over the folder's tests.
            let published = || {
                let share = test.reference.and_then(|r| r.journal)?[k];
                let rho = test.pooled(0).filter(|_| sel == 0)?;
                (share > 1e-6 && share < 1.0 - 1e-6).then(|| BetaBinomial::of_share(share, rho))
            };
            let Some(bb) = fitted.map(|b| b.on_level(level)).or_else(published) else {
                return Finding::skipped(super::too_few_cells(cfg, cfg.min_works));
            };
            let x = all[c][k];
            let share = x as f64 / n as f64;
            let region = bb.share();
            let p_region = bb.sf(x, n);
            // Against the school's own other works, where it has enough of them.
            let school = (!small)
                .then_some(within)
                .flatten()
                .and_then(|w| w.test(x, n, others[c].0, others[c].1, cfg.min_works));
            let (p, effect, own) = match school {
                Some((p_school, own)) => (
                    crate::stats::sidak_min(&[p_region, p_school]),
                    (share - region).max(share - own),
                    format!(" и {} в других работах этой школы за год", pct(own)),
                ),
                None => (p_region, share - region, String::new()),
            };
            // One step further (x + 1 works), for the fit of the empirical null.
            let p_next = match (school, within) {
                (Some(_), Some(w)) => {
                    let next = w.test(x + 1, n, others[c].0, others[c].1, cfg.min_works);
                    let school_next = next.map_or(0.0, |(p, _)| p);
                    crate::stats::sidak_min(&[bb.sf(x + 1, n), school_next])
                }
                _ => bb.sf(x + 1, n),
            };
            let note = match school {
                Some((p_school, own)) => format!(
                    "p-значение против региона {}, против других работ этой ОО за год {} (в них доля {})",
                    sci(p_region), sci(p_school), pct(own)
                ),
                None => format!(
                    "p-значение против региона {}; других работ этой ОО за год мало для сравнения с ними",
                    sci(p_region)
                ),
            };
            let with_note = |f: Finding| {
                let mut f = f.with_next(p_next);
                f.note = note.clone();
                if small {
                    f.below_minimum(n as usize, "работ с обеими отметками", cfg)
                } else {
                    f
                }
            };
            if dir == Dir::Raised {
                with_note(Finding::tested(x as f64, p, effect, format!(
                    "отметка за работу выше отметки по журналу у {} участников при {} по группе сравнения{own}",
                    pct(share), pct(region))))
            } else {
                with_note(Finding::tested(x as f64, p, effect, format!(
                    "отметка по журналу выше отметки за работу у {} участников при {} по группе сравнения{own}",
                    pct(share), pct(region))))
            }
        })
        .collect()
}

/// S4c counts of a cell: per journal mark j = 3, 4, 5, among the works whose
/// journal mark is j, (works scoring exactly the cut-off of mark j, works from
/// the cut-off of mark j − 1 up to it — for j = 3 every score up to it).
fn fitted_counts(cell: Cell<'_>, cuts: &[f32; 3]) -> [(u64, u64); 3] {
    let mut out = [(0u64, 0u64); 3];
    for (&p, &j) in cell.primary().iter().zip(cell.journal().iter()) {
        if p.is_nan() || !(3..=5).contains(&j) {
            continue;
        }
        let (i, c) = (usize::from(j - 3), cuts[usize::from(j - 3)]);
        // The band of the mark below the journal mark (for 3: every score below).
        let lo = if i > 0 {
            cuts[i - 1]
        } else {
            f32::NEG_INFINITY
        };
        if p >= lo - 1e-6 && p < c + 1.0 - 1e-6 {
            out[i].1 += 1;
            if p >= c - 1e-6 {
                out[i].0 += 1;
            }
        }
    }
    out
}

/// S4c's view of a test's cells: their counts ([`fitted_counts`]), whether
/// each is judged (at least `min_works` works with both marks) and whether
/// its school is in the selective peer group.
struct FittedCells {
    counts: Vec<[(u64, u64); 3]>,
    usable: Vec<bool>,
    selective: Vec<bool>,
}

/// Per peer group (ordinary, selective) and journal mark 3, 4, 5: the
/// group's sums, then the whole test's (each None below `min_cells` cells).
type FittedSums = [[[Option<MomentSums>; 2]; 3]; 2];

impl FittedCells {
    /// None without cut-offs.
    fn of(block: &TestBlock, schools: &[School], cfg: &SignsConfig) -> Option<FittedCells> {
        let cuts = block.scale.as_ref().and_then(|s| s.cuts)?;
        let n = block.cells.len();
        Some(FittedCells {
            counts: (0..n)
                .map(|c| fitted_counts(block.cell(c), &cuts))
                .collect(),
            usable: (0..n)
                .map(|c| counts(block.cell(c)).iter().sum::<u64>() as usize >= cfg.min_works)
                .collect(),
            selective: (block.cells.iter())
                .map(|c| schools[c.school as usize].selective_for(&block.key.subject))
                .collect(),
        })
    }

    fn sums(&self, cfg: &SignsConfig) -> FittedSums {
        let sums = |sel: Option<bool>| -> [Option<MomentSums>; 3] {
            let cells: Vec<usize> = (0..self.counts.len())
                .filter(|&c| self.usable[c] && sel.is_none_or(|s| self.selective[c] == s))
                .collect();
            std::array::from_fn(|i| {
                (cells.len() >= cfg.min_cells).then(|| {
                    MomentSums::of(&cells.iter().map(|&c| self.counts[c][i]).collect::<Vec<_>>())
                })
            })
        };
        let whole = sums(None);
        [false, true].map(|s| {
            let g = sums(Some(s));
            std::array::from_fn(|i| [g[i], whole[i]])
        })
    }

    /// The spread slots (3 · group + j − 3) with their groups' sums.
    fn slots(&self) -> Vec<(u8, MomentSums)> {
        let mut out = Vec::new();
        for sel in [false, true] {
            let cells: Vec<usize> = (0..self.counts.len())
                .filter(|&c| self.usable[c] && self.selective[c] == sel)
                .collect();
            for i in 0..3u8 {
                let group: Vec<(u64, u64)> = cells
                    .iter()
                    .map(|&c| self.counts[c][usize::from(i)])
                    .collect();
                out.push((3 * u8::from(sel) + i, MomentSums::of(&group)));
            }
        }
        out
    }
}

/// S4c's null per test as reference.csv carries it (`obektiv reference`):
/// per (journal mark, peer group 0/1) the share, spread, cells, works and
/// Σ n² a cell of that group is judged against, with the exam's spread pooled
/// over its tests as in the analysis ([`MomentSums::fit_published`]).
pub fn published_fitted(data: &Dataset, cfg: &SignsConfig) -> Vec<BTreeMap<(u8, u8), [f64; 5]>> {
    let views: Vec<Option<FittedCells>> = (data.tests.iter())
        .map(|b| {
            let marks = b.key.exam.has_marks() && b.journal.iter().any(|&j| j != NO_MARK);
            marks
                .then(|| FittedCells::of(b, &data.schools, cfg))
                .flatten()
        })
        .collect();
    let mut pools = super::SpreadPools::new();
    for (b, v) in data.tests.iter().zip(&views) {
        for (slot, sums) in v.iter().flat_map(FittedCells::slots) {
            pools.entry((b.key.exam, slot)).or_default().add(&sums);
        }
    }
    (data.tests.iter().zip(&views))
        .map(|(b, v)| {
            let mut out = BTreeMap::new();
            let Some(v) = v else { return out };
            let sums = v.sums(cfg);
            for (g, by_mark) in sums.iter().enumerate() {
                for (i, pair) in by_mark.iter().enumerate() {
                    let slot = (3 * g + i) as u8;
                    let pooled = pools.get(&(b.key.exam, slot)).and_then(SpreadPool::rho);
                    let fit = (pair.iter().flatten())
                        .find_map(|s| s.fit_published(pooled).map(|bb| (bb, s)));
                    if let Some((bb, s)) = fit {
                        let (cells, works, works2) = s.size();
                        out.insert(
                            (i as u8 + 3, g as u8),
                            [bb.share(), bb.rho(), cells, works, works2],
                        );
                    }
                }
            }
            out
        })
        .collect()
}

/// S4c: bunching on the cut-off of each pupil's own journal mark.
fn evaluate_fitted(test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
    let block = test.block;
    let n_cells = block.cells.len();
    let Some(view) = FittedCells::of(block, test.schools, cfg) else {
        return vec![
            Finding::skipped(
                "нет границ отметок для этого теста (scales.csv или встроенной шкалы)"
            );
            n_cells
        ];
    };
    let counts = &view.counts;
    let all = &test.shared.cell_marks[test.index];
    // Per journal mark, peer-group sums; each cell judged without itself
    // where enough others remain.
    let groups = view.sums(cfg);
    let published = test.reference.map(|r| &r.fitted).filter(|f| !f.is_empty());
    (0..n_cells)
        .map(|c| {
            let n: u64 = all[c].iter().sum();
            if !view.usable[c] {
                return Finding::too_small(n, "работ с обеими отметками", cfg);
            }
            let sel = usize::from(view.selective[c]);
            let fits: [Option<BetaBinomial>; 3] = std::array::from_fn(|i| {
                if let Some(p) = published {
                    return (p.get(&(i as u8 + 3, sel as u8)))
                        .map(|&fig| super::s3_cutoff_bunching::region_fit(fig, counts[c][i]));
                }
                let slot = (3 * sel + i) as u8;
                MomentSums::fit_without(&groups[sel][i], counts[c][i], test.pooled(slot))
            });
            let used: Vec<usize> = (0..3)
                .filter(|&i| fits[i].is_some() && counts[c][i].1 > 0)
                .collect();
            let parts: Vec<(BetaBinomial, u64)> = used
                .iter()
                .filter_map(|&i| fits[i].map(|bb| (bb, counts[c][i].1)))
                .collect();
            let window: u64 = parts.iter().map(|p| p.1).sum();
            if window < 5 {
                return Finding::skipped(format!(
                    "у границ отметок по журналу работ: {window}, меньше 5"
                ));
            }
            let x: u64 = used.iter().map(|&i| counts[c][i].0).sum();
            let expected: f64 = parts.iter().map(|(bb, m)| bb.share() * *m as f64).sum();
            let dist = convolve(&parts);
            let (p, p_next) = (upper_tail(&dist, x), upper_tail(&dist, x + 1));
            let effect = (x as f64 - expected) / window as f64;
            let cell = block.cell(c);
            let kappa = quadratic_kappa(
                cell.mark().as_slice().unwrap_or(&[]),
                cell.journal().as_slice().unwrap_or(&[]),
            );
            let mut f = Finding::tested(
                x as f64,
                p,
                effect,
                format!(
                    "из {window} участников, чей балл не выше нижней границы их отметки по журналу и не ниже границы предыдущей отметки, {x} набрали ровно пограничный балл (отметка за работу «дотянута» до отметки по журналу); по группе сравнения ожидалось {}",
                    dec(expected, 1)
                ),
            )
            .with_next(p_next);
            f.note = format!(
                "ровно на границе отметки по журналу {x} из {window} (ожидалось {}), доля {}{}{}",
                dec(expected, 2),
                pct(x as f64 / window as f64),
                kappa.map_or(String::new(), |k| format!(
                    "; согласие отметок (каппа Коэна с квадратичными весами) {}",
                    dec(k, 2)
                )),
                if published.is_some() {
                    "; доля на границе и её разброс — по ОО региона (reference.csv)"
                } else {
                    ""
                }
            );
            f
        })
        .collect()
}

/// The cell against the same school's other works of the year: the school's
/// own marking habit is the baseline, so a cell that departs from it stands out
/// even in a school whose habit is far from the region's.
///
/// x ~ n·p_o ± √(n p_o (1 − p_o) (1 + (n − 1) ρ_w + n / n_o)), with p_o the share in
/// the school's other works (n_o of them, +½/+1 continuity), ρ_w the extra
/// between-cell spread inside schools, estimated by moments over the test's cells
/// (Pearson residuals), and n / n_o the uncertainty of p_o; the upper tail of the
/// beta-binomial with that mean and variance.
#[derive(Clone, Copy, Debug)]
struct WithinSchool {
    rho: f64,
}

impl WithinSchool {
    fn share(xo: u64, no: u64) -> f64 {
        (xo as f64 + 0.5) / (no as f64 + 1.0)
    }

    /// From cells (x, n, x_other, n_other); None with fewer than 10 usable cells.
    fn fit(cells: &[(u64, u64, u64, u64)], min_works: usize) -> Option<WithinSchool> {
        let used: Vec<_> = cells
            .iter()
            .filter(|c| c.3 as usize >= min_works && c.1 >= 2)
            .collect();
        if used.len() < 10 {
            return None;
        }
        let (mut r, mut base, mut dn) = (0.0, 0.0, 0.0);
        for &&(x, n, xo, no) in &used {
            let (x, n, no) = (x as f64, n as f64, no as f64);
            let p = Self::share(xo, no as u64);
            r += (x - n * p).powi(2) / (n * p * (1.0 - p));
            base += 1.0 + n / no;
            dn += n - 1.0;
        }
        Some(WithinSchool {
            rho: ((r - base) / dn).clamp(0.0, 0.5),
        })
    }

    /// (p-value, the school's own share) or None without enough other works.
    fn test(&self, x: u64, n: u64, xo: u64, no: u64, min_works: usize) -> Option<(f64, f64)> {
        if (no as usize) < min_works {
            return None;
        }
        let p = Self::share(xo, no);
        let nf = n as f64;
        // Beta-binomial with the same mean and variance (the exact tail keeps a
        // small expected count from looking significant on a normal approximation).
        let rho = if n > 1 {
            (self.rho + nf / (no as f64 * (nf - 1.0))).clamp(1e-6, 0.5)
        } else {
            0.5
        };
        let s = (1.0 - rho) / rho;
        let bb = BetaBinomial {
            alpha: p * s,
            beta: (1.0 - p) * s,
        };
        Some((bb.sf(x, n), p))
    }
}

const REFERENCE: &str = "ФИОКО, методические рекомендации по использованию результатов ВПР (соответствие отметок); бета-биномиальное распределение (Skellam 1948); поправка Бенджамини — Хохберга (Benjamini & Hochberg 1995)";

/// One of the three directions, as a sign.
pub struct JournalSign {
    dir: Dir,
    id: &'static str,
    family: &'static str,
    title: &'static str,
    statistic: &'static str,
    rule: &'static str,
    formula: &'static str,
    compared: &'static str,
    unusual: &'static str,
}

/// S4a.
pub const EXAM_ABOVE_JOURNAL: JournalSign = JournalSign {
    dir: Dir::Raised,
    id: "S4a",
    family: "exam_above_own_marks",
    title: "Отметки за работу выше отметок по журналу",
    statistic: "number of works whose exam mark is above the school (journal/annual) mark",
    rule: "upper-tail p; enters the cell's evidence (see evidence) when share minus the peer share >= journal_min_effect",
    formula: "m — работ ячейки с отметкой за работу и отметкой по журналу, x — из них с отметкой за работу выше журнальной. x ~ БетаБин(m; α, β): доля и разброс между ОО — по сопоставимым ячейкам теста; p = P(X ≥ x). Эффект: x/m минус доля в сопоставимых ячейках.",
    compared: "доля участников, у которых отметка за работу выше отметки по журналу (для ОГЭ — годовой), — с сопоставимыми ячейками и с другими работами этой ОО за год",
    unusual: "таких участников заметно больше обычного: результат работы не подтверждается отметками школы",
};

/// S4b.
pub const JOURNAL_ABOVE_EXAM: JournalSign = JournalSign {
    dir: Dir::Lowered,
    id: "S4b",
    family: "own_marks_above_exam",
    title: "Отметки по журналу выше отметок за работу",
    statistic: "number of works whose exam mark is below the school (journal/annual) mark",
    rule: "upper-tail p; enters the cell's evidence (see evidence) when share minus the peer share >= journal_min_effect",
    formula: "m — работ ячейки с обеими отметками, x — из них с отметкой по журналу выше отметки за работу. x ~ БетаБин(m; α, β) с долей и разбросом сопоставимых ячеек; p = P(X ≥ x).",
    compared: "доля участников, у которых отметка по журналу (для ОГЭ — годовая) выше отметки за работу, — с сопоставимыми ячейками и с другими работами этой ОО за год",
    unusual: "таких участников заметно больше обычного: отметки школы выше, чем подтверждает работа",
};

/// S4c.
pub const FITTED_TO_JOURNAL: JournalSign = JournalSign {
    dir: Dir::Fitted,
    id: "S4c",
    family: "cutoffs",
    title: "Отметки за работу подогнаны под отметки по журналу",
    statistic: "works scoring exactly the cut-off of their own journal mark, among the works with that journal mark from the cut-off of the mark below up to it (quadratic-weighted kappa in the note)",
    rule: "exact upper-tail p of the summed count (convolution of one beta-binomial per journal mark); enters the cell's evidence (see evidence) when the excess share of the windows >= journal_min_effect",
    formula: "Для каждой отметки по журналу k с нижней границей c_k: m_k — работ участников с отметкой по журналу k и баллом от c_(k−1) до c_k (для k = 3 — не выше c_3), x_k — ровно с баллом c_k. x_k ~ БетаБин(m_k; α_k, β_k) по сопоставимым ячейкам; x = Σ x_k; p = P(X ≥ x) по свёртке.",
    compared: "среди участников, чей балл не выше нижней границы их отметки по журналу и не ниже границы предыдущей отметки, — доля набравших ровно пограничный балл, с сопоставимыми ячейками",
    unusual: "ровно пограничных баллов заметно больше обычного: отметка за работу «дотянута» до отметки по журналу",
};

impl Sign for JournalSign {
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
            null: "the count is beta-binomial with the peer group's share and school-to-school spread",
            rule: self.rule,
            formula: self.formula,
            min_sample: "min_works works with both marks; VPR and OGE only",
            reference: REFERENCE,
            compared: self.compared,
            unusual: self.unusual,
            needs: "отметка за работу и отметка по журналу (годовая); ВПР и ОГЭ",
        }
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.journal_min_effect
    }
    /// S4a and S4b compare the two marks alone; S4c reads the primary score
    /// at the journal mark's cut-offs.
    fn needs_scores(&self) -> bool {
        matches!(self.dir, Dir::Fitted)
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        evaluate(self.dir, test, cfg)
    }
    fn spread(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<(u8, MomentSums)> {
        spread(self.dir, test, cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitted_counts_use_each_pupils_own_journal_mark() {
        // Cuts 3: 10, 4: 20, 5: 30. Journal 4: 20 at the cut; 18, 19 and 10
        // in the band of mark 3 (from 10 up to 20); 9 below it (not counted).
        // Journal 3: 10 at the cut, 9 and 0 below it (every score up to 10).
        // Journal 5: 31 above its cut (not counted), 25 in the band of 4, 19
        // below it. A missing journal mark and journal mark 2 are skipped.
        let b = crate::signs::testing::block(&[(
            vec![
                20.0, 18.0, 19.0, 10.0, 9.0, 10.0, 9.0, 0.0, 31.0, 25.0, 19.0, 20.0, 10.0,
            ],
            vec![4, 4, 4, 4, 4, 3, 3, 3, 5, 5, 5, NO_MARK, 2],
        )]);
        let c = fitted_counts(b.cell(0), &[10.0, 20.0, 30.0]);
        assert_eq!(c, [(1, 3), (1, 4), (0, 1)]);
    }

    #[test]
    fn within_school_tail_matches_scipy() {
        // p_o = 20.5 / 80 = 0.25625, rho_eff = 0.05 + 20 / (79 * 19) = 0.0633244...;
        // scipy.stats.betabinom.sf(9, 20, p*s, (1-p)*s) with s = (1 - rho) / rho
        // = 0.08052522596765521
        let w = WithinSchool { rho: 0.05 };
        let (p, own) = w.test(10, 20, 20, 79, 15).unwrap();
        assert!((own - 0.25625).abs() < 1e-12);
        assert!((p - 0.08052522596765521).abs() < 1e-9, "{p}");
        assert_eq!(w.test(10, 20, 3, 14, 15), None); // too few other works
    }

    #[test]
    fn within_school_spread_by_moments() {
        // Cells that follow their school's share exactly: no extra spread.
        let cells: Vec<(u64, u64, u64, u64)> = (0..12).map(|_| (5, 20, 25, 100)).collect();
        let w = WithinSchool::fit(&cells, 15).unwrap();
        assert_eq!(w.rho, 0.0);
        assert!(WithinSchool::fit(&cells[..9], 15).is_none());
    }
}
