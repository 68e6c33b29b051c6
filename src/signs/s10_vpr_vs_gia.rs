//! S10: a VPR result that the school's state exams (GIA) do not confirm.
//!
//! The criterion offices know from Rosobrnadzor and FIOKO (2018): a school
//! whose VPR result is well above its region *and is not confirmed by its
//! graduates' OGE and EGE results* in the same subject. obektiv reads it as a
//! prediction: the school's GIA result in the subject is set against what its
//! VPR result predicts through the relation of the two over all schools of the
//! folder; a GIA result far below the prediction leaves the VPR unconfirmed.
//!
//! * **Standardized results** as S9 ([`super::s9_cohort`]): a cell's mean
//!   primary score minus its test's mean, in SD of the test's works (sampling
//!   variance 1/n).
//! * **Pairs**: each VPR cell in Russian or mathematics (year, subject, grade,
//!   school) with the same school's OGE grade 9 cell of the same year and
//!   subject; where the school has none, its EGE grade 11 cell. One relation
//!   per GIA (OGE, EGE). Other subjects are sat at the GIA by choice: who
//!   chose them would decide the comparison.
//! * **Statistic**: over the pairs, the least-squares line GIA = a + b · VPR
//!   and the spread τ² beyond sampling (moments); Z = (a + b z − z′) /
//!   √(τ² + b²/n + 1/n′): how far the school's GIA falls short of what its VPR
//!   predicts. p = 1 − Φ(Z); effect = a + b z − z′ (SD of the test's works).
//! * **Rule**: enters the cell's evidence when the effect ≥
//!   `cohort_min_effect`; in one family with S9 (both read a result that the
//!   school's other results do not confirm), so the two count once.
//! * **Minimum sample**: `min_works` works in both cells; 10 pairs per GIA.
//! * **Reference**: Рособрнадзор, ФИОКО (2018) Критерии выявления ОО с
//!   признаками необъективных результатов (результаты ВПР, не подтверждённые
//!   результатами ГИА); Jacob & Levitt (2003) for the logic of an unconfirmed
//!   result.

use std::collections::BTreeMap;

use crate::model::{Dataset, Exam};

use super::s9_cohort::{Fit, Later, Pair, Standardized, fit, judge};
use super::{Finding, Sign, SignDoc, SignsConfig, TestInput};

/// Every VPR cell's GIA partner (per test, per cell) and the relation per GIA.
#[derive(Clone, Debug, Default)]
pub struct Confirmations {
    pub pairs: Vec<Vec<Option<Pair>>>,
    pub fits: BTreeMap<Exam, Fit>,
}

impl Confirmations {
    pub fn new(data: &Dataset, st: &Standardized<'_>, min_works: usize) -> Confirmations {
        let (z, index) = (st.z(), st.index());
        let pairs: Vec<Vec<Option<Pair>>> = (data.tests.iter().enumerate())
            .map(|(t, block)| {
                let k = &block.key;
                (block.cells.iter().enumerate())
                    .map(|(c, span)| {
                        if k.exam != Exam::Vpr || !compulsory(&k.subject) {
                            return None;
                        }
                        let (z0, n0) = z[t][c]?;
                        [(Exam::Oge, 9), (Exam::Ege, 11)]
                            .into_iter()
                            .find_map(|(exam, grade)| {
                                let key = (k.year, exam, k.subject.as_str(), grade, span.school);
                                index.get(&key).map(|&(z1, n1)| Pair {
                                    z: z0,
                                    n: n0,
                                    z_next: z1,
                                    n_next: n1,
                                    next_exam: exam,
                                    next_grade: grade,
                                })
                            })
                    })
                    .collect()
            })
            .collect();
        let fits = [Exam::Oge, Exam::Ege]
            .into_iter()
            .filter_map(|exam| {
                let usable: Vec<Pair> = (pairs.iter().flatten().flatten())
                    .filter(|p| p.next_exam == exam && p.n >= min_works && p.n_next >= min_works)
                    .copied()
                    .collect();
                fit(&usable).map(|f| (exam, f))
            })
            .collect();
        Confirmations { pairs, fits }
    }
}

/// Subjects every graduate sits at the GIA (Russian and mathematics): in the
/// others the OGE and EGE are taken by choice, by the stronger pupils of some
/// schools and not others, and a school's GIA result says who chose, not how
/// objective its VPR was.
fn compulsory(subject: &str) -> bool {
    matches!(subject, "RU" | "MA")
}

pub struct VprNotConfirmed;

impl Sign for VprNotConfirmed {
    fn id(&self) -> &'static str {
        "S10"
    }
    fn title(&self) -> &'static str {
        "Результат ВПР, не подтверждённый ОГЭ и ЕГЭ"
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            formula: "Русский язык и математика. z — средний первичный балл ячейки ВПР минус средний по тесту, делённый на стандартное отклонение баллов теста; z′ — то же для ОГЭ (9 класс) этой ОО по тому же предмету в том же году, а если ОГЭ нет — для ЕГЭ (11 класс). По всем парам: z′ = a + b·z (наименьшие квадраты, отдельно для ОГЭ и ЕГЭ), τ² — разброс пар вокруг прямой сверх случайного. Z = (a + b·z − z′) / √(τ² + b²/n + 1/n′); p = 1 − Φ(Z). Эффект: a + b·z − z′.",
            statistic: "how far the school's OGE (else EGE) result in the subject that year falls short of the result predicted from its VPR cell, in SD of the test's works",
            null: "the pair lies around the folder's least-squares line GIA = a + b VPR (per GIA) with the spread of all pairs (moments) plus the sampling variances",
            rule: "p = 1 − Φ(Z); enters the cell's evidence when the shortfall >= cohort_min_effect; one family with S9",
            min_sample: "min_works works in both cells; 10 pairs per GIA; VPR cells of schools with OGE or EGE in the subject",
            compared: "результат ВПР ОО по русскому языку или математике — с результатом ОГЭ (если его нет — ЕГЭ) этой же ОО по тому же предмету в том же году, с учётом того, как эти результаты обычно связаны у всех ОО",
            unusual: "ОГЭ и ЕГЭ ОО по предмету заметно ниже, чем предсказывает её результат ВПР: высокий результат ВПР не подтверждается результатами ГИА (критерий Рособрнадзора и ФИОКО)",
            needs: "первичные баллы ВПР и ОГЭ или ЕГЭ тех же ОО по русскому языку и математике за тот же год",
            reference: "Рособрнадзор, ФИОКО (2018), критерии выявления ОО с признаками необъективных результатов; Jacob & Levitt (2003)",
        }
    }
    fn family(&self) -> &'static str {
        "S9"
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.cohort_min_effect
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        let block = test.block;
        let n_cells = block.cells.len();
        if block.key.exam != Exam::Vpr {
            return vec![
                Finding::skipped("признак проверяет только ячейки ВПР");
                n_cells
            ];
        }
        let conf = &test.shared.confirmations;
        (0..n_cells)
            .map(|c| {
                let Some(p) = conf.pairs[test.index][c] else {
                    return Finding::skipped(
                        "у ОО нет ОГЭ или ЕГЭ по этому предмету в этом году",
                    );
                };
                let Some(fit) = conf.fits.get(&p.next_exam) else {
                    return Finding::skipped(format!(
                        "в данных меньше 10 пар «ВПР — {}» по одним и тем же ОО и предметам",
                        p.next_exam.russian()
                    ));
                };
                let exam = p.next_exam.russian();
                let reason = |z: &str, z_next: &str, predicted: &str| {
                    format!(
                        "отклонение от среднего по региону: у ВПР {z} стандартного отклонения, у {exam} этой ОО по тому же предмету в том же году {z_next} (по ВПР ожидалось {predicted})"
                    )
                };
                let works = format!("работ {exam} этой ОО по предмету");
                let line = format!(" «ВПР — {exam}»");
                let later = Later {
                    works: &works,
                    reason: &reason,
                    line: &line,
                };
                judge(&p, fit, cfg, &later)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_compulsory_subjects_are_compared() {
        assert!(compulsory("RU") && compulsory("MA"));
        assert!(!compulsory("PH") && !compulsory("BI") && !compulsory("SO"));
    }
}
