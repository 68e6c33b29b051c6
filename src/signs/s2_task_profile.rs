//! S2: the task profile — hard tasks done better than the pupils' totals explain
//! (profile inversion), or an excess of pupils whose answers misfit their totals.
//!
//! Two tests (see [`crate::stats::profile`] for the statistics, the null
//! hypotheses, the edge cases and the references):
//! * **A, hard-task excess**: z = Σ(h_i − m(t_i)) / √Σ v(t_i), the pupils' score
//!   on hard tasks against the region's pupils with the same total score.
//!   Hard tasks are the advanced and high-level ones from tasks.csv, else the
//!   third of the tasks with the lowest regional success rate.
//! * **B, misfit excess**: the number of pupils whose normed polytomous Guttman
//!   error count exceeds the region's 95th percentile for their total-score
//!   band, against Binomial(n, p0).
//!
//! * **Rule**: p = 1 − (1 − min(p_A, p_B))² (Šidák over the two, see
//!   [`crate::stats::sidak_min`]); effect =
//!   the effect of the test with the smaller p (A: excess hard-task score per
//!   pupil as a share of the hard maximum; B: share of misfitting pupils minus
//!   the regional share); enters the cell's evidence ([`crate::evidence`]) when the effect ≥
//!   `task_profile_min_effect`.
//! * **Minimum sample**: `min_works` works; tests with fewer than 3 tasks are not
//!   evaluated.
//! * **Reference**: Holland P.W., Thayer D.T. (1988) Differential item
//!   performance and the Mantel–Haenszel procedure; Jacob B.A., Levitt S.D.
//!   (2003) Rotten apples: an investigation of the prevalence and predictors of
//!   teacher cheating, QJE 118(3); Emons W.H.M. (2008) Nonparametric person-fit
//!   analysis of polytomous item scores, APM 32(3).

use crate::model::TaskLevel;
use crate::stats::profile::{
    GuttmanReference, HardReference, WholeScores, hard_excess, hardest_third_of, misfit_excess,
};
use crate::stats::sidak_min;

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, dec, pct, sci};

pub struct TaskProfile;

impl Sign for TaskProfile {
    fn id(&self) -> &'static str {
        "S2"
    }
    fn title(&self) -> &'static str {
        "Нетипичный профиль выполнения заданий"
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            formula: "A: h_i — балл участника i за трудные задания, t_i — его первичный балл, m(t) и v(t) — среднее и дисперсия балла за трудные задания у участников региона с первичным баллом t; z_A = Σ(h_i − m(t_i)) / √Σ v(t_i), p_A = P(Z ≥ z_A). B: k — число участников, у которых нормированное число ошибок Гуттмана выше 95-го процентиля региона для их полосы баллов; p_B = P(X ≥ k), X ~ Бин(n, p₀). p = 1 − (1 − наименьшее из p_A и p_B)² (поправка Шидака).",
            statistic: "A: hard-task score against region pupils with the same total (standardized conditional residual); B: pupils with normed Guttman errors above the region's 95th percentile for their score band",
            null: "the school's pupils answer like the region's pupils with the same total score",
            rule: "p = 1 − (1 − min(pA, pB))^2 (Šidák); enters the cell's evidence (see evidence) when the effect of that test >= task_profile_min_effect",
            min_sample: "min_works works; at least 3 tasks",
            compared: "как участники справились с трудными заданиями (повышенного и высокого уровня) и насколько их ответы идут «от лёгкого к трудному» — с участниками региона с тем же первичным баллом",
            unusual: "трудные задания решены заметно лучше, чем у участников региона с тем же баллом, или много участников решили трудные задания при нерешённых лёгких — так бывает при подсказках и списывании",
            needs: "баллы за задания (не меньше 3 заданий)",
            reference: "Holland & Thayer (1988); Jacob & Levitt (2003); Emons (2008)",
        }
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.task_profile_min_effect
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        let block = test.block;
        let n_cells = block.cells.len();
        if block.tasks.len() < 3 {
            return vec![
                Finding::skipped("нет баллов за задания (нужно не меньше 3 заданий)");
                n_cells
            ];
        }
        let scores = WholeScores::of(block.scores.view());
        let max: Vec<f32> = block.tasks.iter().map(|t| t.max).collect();
        let levels_known = block.tasks.iter().all(|t| t.level.is_some());
        let hard: Vec<bool> = if levels_known {
            block
                .tasks
                .iter()
                .map(|t| matches!(t.level, Some(TaskLevel::Advanced | TaskLevel::High)))
                .collect()
        } else {
            hardest_third_of(&scores, &max)
        };
        let hard_ref = HardReference::of(&scores, &hard);
        let gutt_ref = GuttmanReference::of(&scores, &max);
        drop(scores);
        (0..n_cells)
            .map(|c| {
                let span = block.cells[c];
                if span.len() < cfg.min_works {
                    return Finding::too_small(span.len(), "работ", cfg);
                }
                let rows = span.start as usize..span.end as usize;
                let a = hard_excess(&hard_ref, rows.clone());
                let b = misfit_excess(&gutt_ref, rows);
                let p = sidak_min(&[a.p_value, b.p_value]);
                let mut f = if a.p_value <= b.p_value {
                    Finding::tested(a.z, p, a.effect, format!(
                        "по заданиям повышенного и высокого уровня участники набрали в среднем на {} максимума этих заданий больше, чем участники региона с тем же первичным баллом",
                        pct(a.effect)))
                } else {
                    Finding::tested(b.misfits as f64, p, b.effect, format!(
                        "у {} участников нетипичный профиль ответов (выполнены трудные задания при невыполненных лёгких) при {} по региону",
                        pct(b.misfits as f64 / b.works.max(1) as f64), pct(b.expected_share)))
                };
                f.note = format!(
                    "трудные задания: z = {}, p = {}, эффект {}; нетипичный профиль у {} из {} (в регионе {}), p = {}{}",
                    dec(a.z, 2),
                    sci(a.p_value),
                    dec(a.effect, 3),
                    b.misfits,
                    b.works,
                    pct(b.expected_share),
                    sci(b.p_value),
                    if levels_known {
                        ""
                    } else {
                        "; трудные — треть заданий с наименьшим выполнением (уровни в tasks.csv не указаны)"
                    }
                );
                f
            })
            .collect()
    }
}
