//! S1: a result well above the cell's peer group.
//!
//! * **Statistic**: the cell's mean primary score as a share of the test's
//!   maximum, m (the test score out of 100 where the test has test scores
//!   alone, [`crate::model::LevelScale`]); its predictive z against the peer
//!   group's normal random-effects model (DerSimonian–Laird τ², see
//!   [`crate::stats::random_effects`]) with sampling variance σ²_w / n, σ²_w the
//!   pooled within-cell variance; effect = the empirical-Bayes (shrunk) level
//!   minus the group mean, in shares of the maximum.
//! * **Null hypothesis**: the school is an ordinary member of its peer group —
//!   lyceums, gymnasiums and schools with in-depth study of the subject are
//!   compared with each other, the other schools with each other (the whole test
//!   when a group has fewer than `min_cells` cells).
//! * **Rule**: p = P(Z ≥ z); fires when the BH q-value ≤ `q_max` and the shrunk
//!   excess ≥ `high_result_min_effect`. It does **not** enter a cell's evidence
//!   (a high result is not a sign of bias, and boosting the other signs with it
//!   would use the same works twice); it is reported, and it feeds the
//!   cross-check's stratum of high results without signs.
//! * **Minimum sample**: `min_works` works. Shrinkage keeps small cells, whose
//!   sampling variance is large, from being flagged on noise. The reference is
//!   fitted on cells of at least 15 works ([`REFERENCE_WORKS`]).
//! * **Reference**: Efron & Morris (1975), Stein's estimator; DerSimonian & Laird
//!   (1986); ФИОКО, признак «аномально высокие результаты» в методике выявления
//!   ОО с признаками необъективности.

use ndarray::ArrayView1;

use crate::stats::normal_sf;
use crate::stats::random_effects::RandomEffects;

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, pct};

pub struct HighResult;

/// Fewest works for a cell to enter the regional reference.
pub const REFERENCE_WORKS: usize = 15;

/// (mean share, within variance in shares², n) of a cell's scores.
fn moments(scores: ArrayView1<'_, f32>, max: f64) -> Option<(f64, f64, usize)> {
    let p: Vec<f64> = scores
        .iter()
        .filter(|x| !x.is_nan())
        .map(|&x| f64::from(x) / max)
        .collect();
    if p.len() < 2 {
        return None;
    }
    let n = p.len() as f64;
    let m = p.iter().sum::<f64>() / n;
    let var = p.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    Some((m, var, p.len()))
}

impl Sign for HighResult {
    fn id(&self) -> &'static str {
        "S1"
    }
    fn title(&self) -> &'static str {
        "Высокий результат относительно группы сравнения"
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            formula: "x̄ — средний первичный балл ячейки в долях максимума, n — число работ, s² — дисперсия баллов внутри ячеек теста. По ячейкам группы сравнения: среднее μ и разброс между ОО τ² (метод моментов ДерСимоняна — Лэрда). z = (x̄ − μ) / √(τ² + s²/n), p = P(Z ≥ z), Z ~ N(0, 1). Эффект: B·(x̄ − μ), B = τ² / (τ² + s²/n) — превышение, сжатое к среднему группы (эмпирический Байес).",
            statistic: "mean primary score as a share of the maximum; predictive z against the peer group's random-effects model; effect = empirical-Bayes shrunk excess",
            null: "the school is an ordinary member of its peer group (selective schools and in-depth study vs the others)",
            rule: "p = P(Z >= z); fires when q <= q_max and the shrunk excess >= high_result_min_effect; does not enter the cell's evidence (a high result is no sign of bias alone)",
            min_sample: "min_works works; peer group of at least min_cells cells, else the whole test",
            compared: "средний первичный балл ячейки (доля максимального) — с ячейками того же теста в сопоставимых ОО: лицеи, гимназии и ОО с углублённым изучением предмета сравниваются между собой, остальные — между собой",
            unusual: "результат, который с поправкой на размер ячейки (малые ячейки сдвигаются к среднему) заметно выше обычного для таких ОО; сам по себе высокий результат признаком необъективности не считается и в силу признаков ОО не входит",
            needs: "максимальный первичный балл теста (из заданий, tasks.csv или шкалы; иначе наибольший в данных); если первичных баллов нет — тестовые баллы ЕГЭ (из 100)",
            reference: "Efron & Morris (1975); DerSimonian & Laird (1986); ФИОКО, признак «аномально высокие результаты»",
        }
    }
    fn marks_cell(&self) -> bool {
        false
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.high_result_min_effect
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        let block = test.block;
        let n_cells = block.cells.len();
        let Some(max) = block.level_max().filter(|&m| m > 0.0).map(f64::from) else {
            return vec![
                Finding::skipped(
                    "у теста не известен максимальный первичный балл (нет ни баллов за задания, ни tasks.csv, ни шкалы)"
                );
                n_cells
            ];
        };
        let scale = block.level_scale();
        let scores = block.level_scores();
        let mom: Vec<Option<(f64, f64, usize)>> = (block.cells.iter())
            .map(|span| moments(span.of(&scores), max))
            .collect();
        // The regional reference is fitted on cells of at least REFERENCE_WORKS
        // works (the DerSimonian–Laird spread is biased by tiny cells); every
        // cell of `min_works` works or more is judged against it.
        let usable =
            |c: usize| mom[c].is_some_and(|(_, _, n)| n >= REFERENCE_WORKS.max(cfg.min_works));
        let fit = |sel: Option<bool>| -> Option<(RandomEffects, f64)> {
            let cells: Vec<usize> = (0..n_cells)
                .filter(|&c| usable(c) && sel.is_none_or(|s| test.selective(c) == s))
                .collect();
            if cells.len() < cfg.min_cells {
                return None;
            }
            let (ss, df) = cells
                .iter()
                .filter_map(|&c| mom[c])
                .fold((0.0, 0.0), |(a, b), (_, v, n)| {
                    (a + v * (n as f64 - 1.0), b + n as f64 - 1.0)
                });
            let within = ss / df;
            if within <= 0.0 {
                return None;
            }
            let means: Vec<f64> = cells.iter().filter_map(|&c| mom[c]).map(|m| m.0).collect();
            let vars: Vec<f64> = cells
                .iter()
                .filter_map(|&c| mom[c])
                .map(|(_, _, n)| within / n as f64)
                .collect();
            RandomEffects::fit(&means, &vars).map(|re| (re, within))
        };
        let whole = fit(None);
        let groups = [fit(Some(false)).or(whole), fit(Some(true)).or(whole)];
        (0..n_cells)
            .map(|c| {
                let Some((m, _, n)) = mom[c] else {
                    return Finding::skipped("в ячейке меньше 2 работ с баллом");
                };
                if n < cfg.min_works {
                    return Finding::too_small(n, "работ", cfg);
                }
                let Some((re, within)) = groups[usize::from(test.selective(c))] else {
                    return Finding::skipped(super::too_few_cells(
                        cfg,
                        REFERENCE_WORKS.max(cfg.min_works),
                    ));
                };
                let v = within / n as f64;
                let z = re.z(m, v);
                let effect = re.shrunk(m, v) - re.mu;
                Finding::tested(
                    z,
                    normal_sf(z),
                    effect,
                    format!(
                        "средний {} балл — {} от максимума при {} в группе сравнения",
                        scale.adjective(),
                        pct(m),
                        pct(re.mu)
                    ),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LevelScale, NO_TEST_SCORE};
    use crate::signs::{Shared, SpreadPools, testing};

    /// Twelve cells of 20 works on 0..=100, the last one higher.
    fn cells() -> Vec<(Vec<f32>, Vec<u8>)> {
        (0..12u8)
            .map(|c| {
                let base = if c == 11 {
                    85.0
                } else {
                    40.0 + 2.0 * f32::from(c)
                };
                let works: Vec<f32> = (0..20u8)
                    .map(|i| (base + 3.0 * f32::from(i % 7) - f32::from(i % 3)).min(100.0))
                    .collect();
                (works, vec![4; 20])
            })
            .collect()
    }

    #[test]
    fn test_scores_alone_are_read_as_primary_scores_out_of_100() {
        // The same numbers as primary scores with a maximum of 100 and as test
        // scores without a primary score: the sign must read them alike (the
        // share of the maximum is the same), and say which score it read.
        let mut primary = testing::block(&cells());
        primary.max_score = Some(100.0);
        let mut tested = testing::block(&cells());
        tested.test_score = tested
            .primary
            .mapv(|p| if p.is_nan() { NO_TEST_SCORE } else { p as u8 });
        tested.primary.fill(f32::NAN);
        assert_eq!(primary.level_scale(), LevelScale::Primary);
        assert_eq!(tested.level_scale(), LevelScale::TestScore);
        let (shared, spreads, codes) = (
            Shared::default(),
            SpreadPools::default(),
            crate::model::StrPool::default(),
        );
        let cfg = SignsConfig::default();
        let schools: Vec<crate::model::School> = (0..12)
            .map(|i| crate::model::School {
                id: format!("s{i}"),
                name: format!("СОШ № {i}"),
                municipality: "М".into(),
                kind: "СОШ".into(),
                advanced_subjects: Vec::new(),
                locality: None,
            })
            .collect();
        let judge = |block| {
            let input = TestInput {
                schools: &schools,
                ..testing::input(block, &shared, &spreads, &codes)
            };
            HighResult.evaluate(&input, &cfg)
        };
        let (a, b) = (judge(&primary), judge(&tested));
        assert!(a.iter().all(|f| f.evaluated), "{:?}", a[0].note);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(
                (x.statistic, x.p_value, x.effect),
                (y.statistic, y.p_value, y.effect)
            );
        }
        // The high cell stands out: its mean is 0.92 of the maximum against
        // 0.48–0.70 for the others (base + 7.6 by hand: the offsets
        // 3·(i mod 7) − (i mod 3) average 8.55 − 0.95; two works capped at 100).
        assert!(b[11].p_value.unwrap() < 0.01, "{:?}", b[11].p_value);
        assert!(
            a[11].reason.contains("средний первичный балл"),
            "{}",
            a[11].reason
        );
        assert!(
            b[11].reason.contains("средний тестовый балл"),
            "{}",
            b[11].reason
        );
    }
}
