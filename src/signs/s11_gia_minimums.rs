//! S11: works pushed over the state exams' minimum scores, pooled over a
//! school's state exams of the year.
//!
//! A school that lets none of its graduates fail lifts the few works that
//! fall a point or two short of the OGE's mark 3, or of the EGE's certificate
//! or university minimum. In one cell these are one or two works (a few per
//! cent of graduates score just below a minimum, in the simulated regions
//! 1.7 % of OGE Russian works within 3 points of it, 4.8 % in mathematics),
//! too few for the cut-off sign S3 to see; a school's policy shows in all its
//! state exams of the year at once.
//!
//! * **Statistic**: over the school's OGE and EGE cells of the year (every
//!   subject, cells of `min_works` works and more), X = the works scoring
//!   exactly a minimum among the works from d points below it up to it — S3's
//!   count ([`super::s3_cutoff_bunching`]) at the minimums only: OGE mark 3,
//!   EGE the certificate and the university minimum on the test-score scale.
//! * **Null**: per cell and minimum, S3's beta-binomial (cells of the same
//!   test and level, the cell left out; the region's level from reference.csv
//!   where given); cells and minimums independent; the null distribution of X
//!   is the exact convolution.
//! * **Over the years**: where the folder holds the school's state exams of
//!   more than one year, X and its null are pooled over all of them (a
//!   school's policy at the minimums is a policy of every year: in evaluate
//!   see notes/procedures.md), and the year's cells carry that p; the effect
//!   stays the year's own excess, so a year without one does not enter.
//! * **Rule**: p = P(X ≥ x). A cell carries the school's p when it holds more
//!   works at a minimum than its own null expects (it is part of the excess);
//!   the school's other state-exam cells get p = 1. Either way P(p ≤ α) ≤ α
//!   for an honest cell, so the p-value stays valid. Enters the evidence when
//!   the pooled excess (x − E X) / Σ windows ≥ `cutoff_min_effect`, in one
//!   family with S3 (both count the same works at cut-offs).
//! * **Minimum sample**: 5 works in the pooled windows; VPR cells are not
//!   judged.
//! * **Reference**: Dee T.S., Dobbie W., Jacob B.A., Rockoff J. (2019) The
//!   causes and consequences of test score manipulation: evidence from the New
//!   York Regents examinations. AEJ: Applied 11(3) (manipulation concentrated
//!   at the passing thresholds); Kleven H.J. (2016) Bunching. Annual Review of
//!   Economics 8.

use std::collections::BTreeMap;

use rayon::prelude::*;

use crate::model::{Dataset, Exam};
use crate::stats::betabinom::{convolve, upper_tail};

use super::s3_cutoff_bunching::{Part, minimum_parts};
use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, pct};

/// Fewest works in a school-year's pooled windows.
const MIN_WINDOW: u64 = 5;

/// A cell's own count at the minimums: (works at them, expected, window).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Own {
    pub at: u64,
    pub expected: f64,
    pub window: u64,
}

/// A school-year's pooled count and its p-value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pool {
    pub at: u64,
    pub expected: f64,
    pub window: u64,
    pub p: f64,
    /// State-exam cells pooled.
    pub cells: usize,
}

/// Every state-exam cell's own count and every school-year's pool.
#[derive(Clone, Debug, Default)]
pub struct Minimums {
    /// Per test, per cell (empty for VPR tests and tests without cut-offs).
    pub cells: Vec<Vec<Option<Own>>>,
    pub schools: BTreeMap<(u16, u32), Pool>,
    /// Per school: its pool over every year of the folder, with the years.
    pub over_years: BTreeMap<u32, (Pool, usize)>,
}

impl Minimums {
    pub fn new(data: &Dataset, cfg: &SignsConfig) -> Minimums {
        let parts: Vec<Vec<Option<Vec<Part>>>> = (data.tests.par_iter())
            .map(|b| minimum_parts(b, data.reference.region.get(&b.key), cfg))
            .collect();
        // Per school-year: its cells' parts and how many cells gave them.
        let mut by_school: BTreeMap<(u16, u32), (Vec<Part>, usize)> = BTreeMap::new();
        for (block, cells) in data.tests.iter().zip(&parts) {
            for (c, p) in cells.iter().enumerate() {
                if let Some(p) = p {
                    let e = (by_school.entry((block.key.year, block.cells[c].school))).or_default();
                    e.0.extend_from_slice(p);
                    e.1 += 1;
                }
            }
        }
        let mut by_years: BTreeMap<u32, (Vec<Part>, usize, usize)> = BTreeMap::new();
        for (&(_, school), (parts, cells)) in &by_school {
            let e = by_years.entry(school).or_default();
            e.0.extend_from_slice(parts);
            e.1 += cells;
            e.2 += 1;
        }
        let by_school: Vec<_> = by_school.into_iter().collect();
        let schools = (by_school.par_iter())
            .map(|(key, (parts, cells))| (*key, pool(parts, *cells)))
            .collect();
        let by_years: Vec<_> = by_years.into_iter().filter(|y| y.1.2 > 1).collect();
        let over_years = (by_years.par_iter())
            .map(|(school, (parts, cells, years))| (*school, (pool(parts, *cells), *years)))
            .collect();
        let cells = (parts.iter())
            .map(|cells| (cells.iter()).map(|p| p.as_deref().map(own)).collect())
            .collect();
        Minimums {
            cells,
            schools,
            over_years,
        }
    }
}

fn own(parts: &[Part]) -> Own {
    Own {
        at: parts.iter().map(|p| p.2).sum(),
        expected: parts.iter().map(|(bb, m, _)| bb.share() * *m as f64).sum(),
        window: parts.iter().map(|p| p.1).sum(),
    }
}

/// The pooled count of a school-year's parts and P(X ≥ x) by convolution.
fn pool(parts: &[Part], cells: usize) -> Pool {
    let Own {
        at,
        expected,
        window,
    } = own(parts);
    let nulls: Vec<_> = parts.iter().map(|&(bb, m, _)| (bb, m)).collect();
    Pool {
        at,
        expected,
        window,
        p: upper_tail(&convolve(&nulls), at),
        cells,
    }
}

pub struct GiaMinimums;

impl Sign for GiaMinimums {
    fn id(&self) -> &'static str {
        "S11"
    }
    fn title(&self) -> &'static str {
        "Работы, дотянутые до минимального балла ГИА"
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            formula: "По всем ОГЭ и ЕГЭ ОО за год (все предметы): у каждой минимальной границы — отметки «3» ОГЭ, минимальных баллов ЕГЭ для аттестата и для поступления в вуз — работы с баллом от c − d до c и ровно с баллом c, как в признаке «Скопление работ на границах отметок». При объективной проверке число работ ровно на границе в каждой ячейке — бета-биномиальное с долей сопоставимых ячеек того же теста; x — сумма по всем ячейкам ОО, p = P(X ≥ x) по свёртке. Если в данных несколько лет, x и его распределение берутся по всем годам ОО вместе. Ячейка получает p ОО, если работ на границе в ней больше ожидаемого, иначе p = 1; в оценку года признак входит, только если превышение есть в этом году.",
            statistic: "works exactly at the OGE mark-3 cut-off and the EGE minimums, summed over the school's state exams of the year",
            null: "per cell and minimum, the cut-off sign's beta-binomial from cells of the same test and level; independent across cells; exact convolution",
            rule: "p = P(X >= x) for the cells holding more works at a minimum than expected (others p = 1); enters the evidence when the pooled excess share of the windows >= cutoff_min_effect; one family with S3",
            min_sample: "min_works works per cell; 5 works in the school-year's windows; OGE and EGE only",
            compared: "сколько работ ОГЭ и ЕГЭ ОО за год (по всем предметам) набрали ровно минимальный балл — отметку «3» ОГЭ, минимальный балл ЕГЭ для аттестата или для поступления в вуз — среди работ на этой границе и чуть ниже; с ячейками тех же экзаменов и похожего уровня",
            unusual: "во всех экзаменах ОО вместе работ ровно на минимальном балле заметно больше, а чуть ниже — меньше, чем обычно: так выглядит «дотягивание» выпускников до минимального балла; в одном экзамене таких работ одна-две, заметны они только вместе",
            needs: "баллы ОГЭ или ЕГЭ, границы отметки «3» ОГЭ и минимальные баллы ЕГЭ года (scales.csv или встроенные шкалы); для ЕГЭ — тестовые баллы",
            reference: "Dee, Dobbie, Jacob & Rockoff (2019); Kleven (2016)",
        }
    }
    fn per_school(&self) -> bool {
        true
    }
    fn family(&self) -> &'static str {
        "cutoffs"
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.cutoff_min_effect
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        let block = test.block;
        let n_cells = block.cells.len();
        if block.key.exam == Exam::Vpr {
            return vec![
                Finding::skipped("признак проверяет только ОГЭ и ЕГЭ");
                n_cells
            ];
        }
        let shared = &test.shared.minimums;
        let Some(cells) = shared.cells.get(test.index).filter(|c| !c.is_empty()) else {
            return vec![
                Finding::skipped(
                    "нет минимальной границы для этого теста (отметки «3» ОГЭ или минимальных баллов ЕГЭ)"
                );
                n_cells
            ];
        };
        (0..n_cells)
            .map(|c| {
                let Some(own) = cells[c] else {
                    return Finding::too_small(block.cells[c].len(), "работ", cfg);
                };
                let key = (block.key.year, block.cells[c].school);
                let Some(pool) = shared.schools.get(&key) else {
                    return Finding::skipped("нет работ у минимальных границ");
                };
                if pool.window < MIN_WINDOW {
                    return Finding::skipped(format!(
                        "у минимальных границ всех экзаменов ОО работ: {}, меньше {MIN_WINDOW}",
                        pool.window
                    ));
                }
                let effect = (pool.at as f64 - pool.expected) / pool.window as f64;
                let years = shared.over_years.get(&key.1);
                let p = if own.at as f64 <= own.expected {
                    1.0
                } else if let Some((all, _)) = years {
                    all.p
                } else {
                    pool.p
                };
                let mut reason = format!(
                    "во всех ОГЭ и ЕГЭ ОО за год ({} ячеек) ровно на минимальном балле {} из {} работ на границе и чуть ниже при ожидаемых {}; в этой ячейке {} из {}",
                    pool.cells,
                    pool.at,
                    pool.window,
                    pct(pool.expected / pool.window as f64),
                    own.at,
                    own.window
                );
                let Some((all, n)) = years else {
                    return Finding::tested(pool.at as f64, p, effect, reason);
                };
                reason += &format!(
                    "; за {n} {} вместе — {} из {} при ожидаемых {}",
                    crate::report::html::plural(*n as u64, ["год", "года", "лет"]),
                    all.at,
                    all.window,
                    pct(all.expected / all.window.max(1) as f64)
                );
                let mut f = Finding::tested(pool.at as f64, p, effect, reason);
                f.note = format!(
                    "p — по всем годам вместе ({n}): работ на границе {} из {}",
                    all.at, all.window
                );
                f
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::betabinom::BetaBinomial;

    #[test]
    fn the_pool_is_the_convolution_of_its_cells() {
        // Two cells, each with 2 works in a window and a null share of 1/2
        // with no spread to speak of (α = β = 1e6, binomial(2, 1/2)): X ~
        // binomial(4, 1/2), P(X ≥ 4) = 1/16, P(X ≥ 3) = 5/16 (hand count).
        let bb = BetaBinomial {
            alpha: 1e6,
            beta: 1e6,
        };
        let all = pool(&[(bb, 2, 2), (bb, 2, 2)], 2);
        assert_eq!((all.at, all.window, all.cells), (4, 4, 2));
        assert!((all.p - 1.0 / 16.0).abs() < 1e-5, "{}", all.p);
        assert!((all.expected - 2.0).abs() < 1e-9);
        let three = pool(&[(bb, 2, 2), (bb, 2, 1)], 2);
        assert!((three.p - 5.0 / 16.0).abs() < 1e-5, "{}", three.p);
    }
}
