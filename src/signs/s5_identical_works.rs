//! S5: identical answers — groups of works with the same non-trivial vector of
//! task scores, beyond what pupils of the same total score produce by chance.
//!
//! * **Statistic**: O, the number of identical pairs among the cell's
//!   non-trivial works (total score between 2 and the maximum − 2), against
//!   E = Σ over pairs with the same total, the same number of tasks below
//!   their maximum (and variant) of the region's collision probability for
//!   that group, estimated from pairs of works of *different* schools (see
//!   [`crate::stats::identical`]; the number of tasks below the maximum keeps a
//!   strong school, whose pupils lose their points on the same few hard tasks,
//!   from looking like a copying one).
//! * **Null hypothesis**: no copying — O is approximately Poisson(E).
//! * **Rule**: p = P(Poisson(E) ≥ O); effect = share of the cell's works in a
//!   group of ≥ 2 identical vectors; enters the cell's evidence ([`crate::evidence`]) when the
//!   effect ≥ `identical_min_effect`.
//! * **Minimum sample**: `min_works` works; tests with fewer than 5 tasks are not
//!   evaluated (too few distinct answer vectors for identity to mean anything).
//! * **With reference.csv** (`identical_pairs`, `cross_pairs`, written by
//!   `obektiv reference` from the whole region): the collision probabilities
//!   are the region's, where its groups cover every group of the folder — a
//!   municipality's few cross-school pairs would put each rate near the
//!   continuity correction's floor and E far above the region's.
//! * **Known limitation**: identical pairs are not independent (a group of three
//!   is three pairs), so on short tests the Poisson tail is too small; the
//!   5-task minimum and the minimum effect keep that from flagging honest cells.
//! * **Reference**: Angoff W.H. (1974) The development of statistical indices for
//!   detecting cheaters, JASA 69; Wollack J.A. (2003) Comparison of answer
//!   copying indices with real data, J. Educ. Measurement 40(3).

use crate::stats::identical::{CollisionReference, Encoded, identical_test_of};

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, pct};
use crate::report::html::plural;

pub struct IdenticalWorks;

impl Sign for IdenticalWorks {
    fn id(&self) -> &'static str {
        "S5"
    }
    fn title(&self) -> &'static str {
        "Совпадающие работы"
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            formula: "O — число пар работ ячейки с одинаковыми баллами по всем заданиям (первичный балл от 2 до максимума − 2); E = Σ по парам с равным первичным баллом, равным числом заданий, выполненных не на полный балл (и вариантом), вероятности совпадения у участников региона с такими же баллом и числом, оцененной по парам работ разных ОО. При отсутствии списывания O ~ Пуассон(E); p = P(Пуассон(E) ≥ O).",
            statistic: "identical pairs of non-trivial task-score vectors in the cell vs the expected number from the region's collision probability per total score and number of tasks below their maximum (pairs across schools)",
            null: "no copying: the number of identical pairs is Poisson(E)",
            rule: "p = P(Poisson(E) >= O); enters the cell's evidence (see evidence) when the share of works in identical groups >= identical_min_effect",
            min_sample: "min_works works; at least 5 tasks",
            compared: "число пар работ ОО с одинаковыми баллами по всем заданиям — с тем, сколько таких совпадений бывает случайно у участников региона с тем же первичным баллом и тем же числом заданий, выполненных не на полный балл (в сильной ОО ученики чаще теряют баллы на одних и тех же трудных заданиях, и это учтено)",
            unusual: "совпадений заметно больше, чем ожидается случайно, — признак списывания или подсказок",
            needs: "баллы за задания (не меньше 5 заданий)",
            reference: "Angoff (1974); Wollack (2003)",
        }
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.identical_min_effect
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        let block = test.block;
        let n_cells = block.cells.len();
        if block.tasks.len() < 5 {
            return vec![
                Finding::skipped("нет баллов за задания (нужно не меньше 5 заданий)");
                n_cells
            ];
        }
        let max: Vec<f32> = block.tasks.iter().map(|t| t.max).collect();
        let works = Encoded::of(block.scores.view(), &max);
        let own = CollisionReference::of(&works, &schools_of(block), &block.variant);
        // The region's rates (reference.csv) where they cover every group
        // of the folder's own.
        let region = (test.reference)
            .filter(|r| !r.pairs.is_empty())
            .map(|r| CollisionReference::from_pairs(r.pairs.clone()))
            .filter(|r| r.covers(&own));
        let by_region = region.is_some();
        let reference = region.unwrap_or(own);
        (0..n_cells)
            .map(|c| {
                let span = block.cells[c];
                if span.len() < cfg.min_works {
                    return Finding::too_small(span.len(), "работ", cfg);
                }
                let r = identical_test_of(&reference, &works, &block.variant, span.start as usize..span.end as usize);
                let mut f = Finding::tested(r.observed_pairs as f64, r.p_value, r.share_in_groups, format!(
                    "{} работ совпадают с другой работой того же класса по баллам за каждое задание (самая большая группа — {} {})",
                    pct(r.share_in_groups), r.largest_group, plural(r.largest_group as u64, ["работа", "работы", "работ"])));
                f.note = format!(
                    "пар совпадающих работ {} (ожидалось {}{}), самая большая группа совпадающих — {}",
                    r.observed_pairs,
                    super::dec(r.expected_pairs, 2),
                    if by_region { " по частоте совпадений в регионе" } else { "" },
                    r.largest_group
                );
                f
            })
            .collect()
    }
}

/// The test's own collision reference (every work, each with its school).
pub fn collision_reference(block: &crate::model::TestBlock) -> CollisionReference {
    let max: Vec<f32> = block.tasks.iter().map(|t| t.max).collect();
    CollisionReference::build(
        block.scores.view(),
        &max,
        &schools_of(block),
        &block.variant,
    )
}

/// The school of each work of the test.
fn schools_of(block: &crate::model::TestBlock) -> Vec<u32> {
    let mut school = Vec::with_capacity(block.n_works());
    for span in &block.cells {
        school.extend(std::iter::repeat_n(span.school, span.len()));
    }
    school
}
