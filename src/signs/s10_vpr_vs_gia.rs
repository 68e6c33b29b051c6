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
//! * **Pairs**, at school level as the criterion reads: the school's VPR
//!   result in Russian or mathematics in a year — its cells of every grade
//!   pooled, z̄ = Σ n z / Σ n over Σ n works (sampling variance 1 / Σ n) —
//!   with the same school's OGE grade 9 cell of the same year and subject;
//!   where the school has none, its EGE grade 11 cell. One relation per GIA
//!   (OGE, EGE), over the schools' pairs. Each VPR cell of the subject carries
//!   its school's finding. Pooling the grades keeps one grade's cohort from
//!   deciding, and a policy that raises every grade is seen at its full
//!   weight (in evaluate, VPR raised by a school in every grade: 197 of 229
//!   strong cells fired with the pooled pairs against 61 with one pair per
//!   cell). Other subjects are sat at the GIA by choice: who chose them would
//!   decide the comparison.
//! * **Statistic**: over the pairs, the least-squares line GIA = a + b · VPR
//!   and the spread τ² beyond sampling (moments); Z = (a + b z − z′) /
//!   √(τ² + b²/n + 1/n′): how far the school's GIA falls short of what its VPR
//!   predicts. p = 1 − Φ(Z); effect = a + b z − z′ (SD of the test's works).
//! * **Rule**: enters the cell's evidence when the effect ≥
//!   `cohort_min_effect`; in one family with S9 (both read a result that the
//!   school's other results do not confirm), so the two count once.
//! * **Minimum sample**: `min_works` VPR works of the subject and `min_works`
//!   GIA works; 10 schools' pairs per GIA.
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
        // The school's VPR result in a subject and year: every grade's cell,
        // weighted by its works.
        let mut pooled: BTreeMap<(u16, &str, u32), (f64, usize)> = BTreeMap::new();
        for (t, block) in data.tests.iter().enumerate() {
            let k = &block.key;
            if k.exam != Exam::Vpr || !compulsory(&k.subject) {
                continue;
            }
            for (c, span) in block.cells.iter().enumerate() {
                if let Some((z0, n0)) = z[t][c] {
                    let e = pooled
                        .entry((k.year, k.subject.as_str(), span.school))
                        .or_default();
                    e.0 += z0 * n0 as f64;
                    e.1 += n0;
                }
            }
        }
        let schools: BTreeMap<(u16, &str, u32), Pair> = (pooled.iter())
            .filter_map(|(&(year, subject, school), &(sum, n))| {
                [(Exam::Oge, 9), (Exam::Ege, 11)]
                    .into_iter()
                    .find_map(|(exam, grade)| {
                        let &(z1, n1) = index.get(&(year, exam, subject, grade, school))?;
                        Some(Pair {
                            z: sum / n as f64,
                            n,
                            z_next: z1,
                            n_next: n1,
                            next_exam: exam,
                            next_grade: grade,
                        })
                    })
                    .map(|p| ((year, subject, school), p))
            })
            .collect();
        let pairs: Vec<Vec<Option<Pair>>> = (data.tests.iter().enumerate())
            .map(|(t, block)| {
                let k = &block.key;
                (block.cells.iter().enumerate())
                    .map(|(c, span)| {
                        if k.exam != Exam::Vpr || !compulsory(&k.subject) {
                            return None;
                        }
                        z[t][c]?;
                        schools
                            .get(&(k.year, k.subject.as_str(), span.school))
                            .copied()
                    })
                    .collect()
            })
            .collect();
        let fits = [Exam::Oge, Exam::Ege]
            .into_iter()
            .filter_map(|exam| {
                let usable: Vec<Pair> = (schools.values())
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
            formula: "Русский язык и математика. Для ячейки ВПР: средний первичный балл минус средний по тесту, делённый на стандартное отклонение баллов теста; z — среднее таких значений по всем классам ОО в этом году (с весом по числу работ n); z′ — то же для ОГЭ (9 класс) этой ОО по тому же предмету в том же году, а если ОГЭ нет — для ЕГЭ (11 класс). По парам всех ОО: z′ = a + b·z (наименьшие квадраты, отдельно для ОГЭ и ЕГЭ), τ² — разброс пар вокруг прямой сверх случайного. Z = (a + b·z − z′) / √(τ² + b²/n + 1/n′); p = 1 − Φ(Z). Эффект: a + b·z − z′.",
            statistic: "how far the school's OGE (else EGE) result in the subject that year falls short of the result predicted from its VPR results in the subject (every grade pooled), in SD of the test's works",
            null: "the pair lies around the folder's least-squares line GIA = a + b VPR (per GIA) with the spread of all pairs (moments) plus the sampling variances",
            rule: "p = 1 − Φ(Z); enters the cell's evidence when the shortfall >= cohort_min_effect; one family with S9",
            min_sample: "min_works VPR works of the subject and min_works GIA works; 10 schools' pairs per GIA; VPR cells of schools with OGE or EGE in the subject",
            compared: "результат ВПР ОО по русскому языку или математике (все классы вместе) — с результатом ОГЭ (если его нет — ЕГЭ) этой же ОО по тому же предмету в том же году, с учётом того, как эти результаты обычно связаны у всех ОО",
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
                        "отклонение от среднего по региону: у ВПР этой ОО по предмету (все классы вместе) {z} стандартного отклонения, у {exam} по тому же предмету в том же году {z_next} (по ВПР ожидалось {predicted})"
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
