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
//! * **Over the years** (the criterion reads a school's results "over the
//!   years present"): a school's yearly shortfalls rᵧ against the same GIA
//!   are pooled as a random-effects mean. The spread τ² splits into a part
//!   τ²ₚ that stays with the school (how it teaches and marks, honestly) and a
//!   part that changes with each year's pupils; τ²ₚ is the mean product of
//!   the shortfalls of one school's different years over all schools (moments,
//!   clipped to [0, τ²]; τ² itself, no gain from pooling, with fewer than 10
//!   such products). Weights wᵧ = 1 / (τ² − τ²ₚ + b²/nᵧ + 1/n′ᵧ); the pooled
//!   shortfall r̄ = Σ w r / Σ w and Z = r̄ / √(τ²ₚ + 1 / Σ w) (one year: the
//!   yearly Z). A persistent honest gap is therefore not multiplied by the
//!   years; a gap that recurs beyond what a school's persistent part explains
//!   is. Every year's VPR cells of the subject carry the pooled Z; the effect
//!   stays the cell's own year's shortfall, so a year whose own GIA confirms
//!   its VPR does not enter (P(p ≤ α and effect ≥ e) ≤ α under the null).
//!   In evaluate, three years of VPR raised with the journal marks, standard
//!   regions: see notes/procedures.md.
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

use crate::stats::normal_sf;

use super::s9_cohort::{Fit, Later, Pair, Standardized, fit, judge, shortfall};
use super::{Finding, Sign, SignDoc, SignsConfig, TestInput};

/// Fewest pairs of one school's years (over all schools) to tell the
/// persistent part of the spread from the part that changes every year.
const MIN_YEAR_PAIRS: usize = 10;

/// Every VPR cell's GIA partner (per test, per cell), the relation per GIA and
/// each school's shortfalls pooled over the years.
#[derive(Clone, Debug, Default)]
pub struct Confirmations {
    pub pairs: Vec<Vec<Option<Pair>>>,
    pub fits: BTreeMap<Exam, Fit>,
    /// Per GIA: the part τ²ₚ of the spread τ² that stays with a school from
    /// year to year (τ² itself when it cannot be told apart).
    pub persistent: BTreeMap<Exam, f64>,
    /// Per (subject, school, GIA): the school's shortfalls over the years.
    pub pooled: BTreeMap<SchoolKey, Years>,
}

/// A school's shortfalls in a subject against one GIA, pooled over the years
/// of the folder (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Years {
    /// The weighted mean shortfall, in SD of the tests' works.
    pub mean: f64,
    /// mean / √(τ²ₚ + 1 / Σ w).
    pub z: f64,
    pub years: usize,
    pub first: u16,
    pub last: u16,
}

/// One year of a school's pooled shortfalls: (year, shortfall, sampling variance).
type YearShortfall = (u16, f64, f64);

/// A school, subject and GIA.
type SchoolKey = (&'static str, u32, Exam);

/// Pools each school's yearly shortfalls (module docs: random effects, the
/// persistent part by the moments of its years' cross-products).
fn pool(
    groups: &BTreeMap<SchoolKey, Vec<YearShortfall>>,
    fits: &BTreeMap<Exam, Fit>,
) -> (BTreeMap<Exam, f64>, BTreeMap<SchoolKey, Years>) {
    let persistent: BTreeMap<Exam, f64> = (fits.iter())
        .map(|(&exam, f)| {
            let (mut sum, mut count) = (0.0, 0usize);
            for years in (groups.iter()).filter(|(k, _)| k.2 == exam).map(|(_, v)| v) {
                for (i, a) in years.iter().enumerate() {
                    for b in &years[i + 1..] {
                        sum += a.1 * b.1;
                        count += 1;
                    }
                }
            }
            let tau_p = if count >= MIN_YEAR_PAIRS {
                (sum / count as f64).clamp(0.0, f.tau2)
            } else {
                f.tau2
            };
            (exam, tau_p)
        })
        .collect();
    let pooled = (groups.iter())
        .filter_map(|(&key, years)| {
            let tau_p = *persistent.get(&key.2)?;
            let tau_t = fits.get(&key.2)?.tau2 - tau_p;
            let (mut sw, mut swr) = (0.0, 0.0);
            for &(_, r, sampling) in years {
                let w = 1.0 / (tau_t + sampling);
                sw += w;
                swr += w * r;
            }
            let mean = swr / sw;
            Some((
                key,
                Years {
                    mean,
                    z: mean / (tau_p + 1.0 / sw).sqrt(),
                    years: years.len(),
                    first: years.iter().map(|y| y.0).min()?,
                    last: years.iter().map(|y| y.0).max()?,
                },
            ))
        })
        .collect();
    (persistent, pooled)
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
            .collect::<BTreeMap<Exam, Fit>>();
        let mut groups: BTreeMap<SchoolKey, Vec<YearShortfall>> = BTreeMap::new();
        for (&(year, subject, school), p) in &schools {
            let Some(f) = fits.get(&p.next_exam) else {
                continue;
            };
            if p.n < min_works || p.n_next < min_works {
                continue;
            }
            let (_, short, _) = shortfall(f, p);
            let sampling = f.b * f.b / p.n as f64 + 1.0 / p.n_next as f64;
            (groups
                .entry((fixed(subject), school, p.next_exam))
                .or_default())
            .push((year, short, sampling));
        }
        let (persistent, pooled) = pool(&groups, &fits);
        Confirmations {
            pairs,
            fits,
            persistent,
            pooled,
        }
    }
}

/// The compulsory subject's code with a fixed lifetime.
fn fixed(subject: &str) -> &'static str {
    if subject == "RU" { "RU" } else { "MA" }
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
            formula: "Русский язык и математика. Для ячейки ВПР: средний первичный балл минус средний по тесту, делённый на стандартное отклонение баллов теста; z — среднее таких значений по всем классам ОО в этом году (с весом по числу работ n); z′ — то же для ОГЭ (9 класс) этой ОО по тому же предмету в том же году, а если ОГЭ нет — для ЕГЭ (11 класс). По парам всех ОО: z′ = a + b·z (наименьшие квадраты, отдельно для ОГЭ и ЕГЭ), τ² — разброс пар вокруг прямой сверх случайного. Z = (a + b·z − z′) / √(τ² + b²/n + 1/n′); p = 1 − Φ(Z). Если у ОО несколько лет, отклонения от прямой r за все годы усредняются с весами: разброс τ² делится на часть, постоянную для ОО из года в год (τ²ₚ — среднее произведение отклонений одной ОО в разные годы), и меняющуюся; Z = r̄ / √(τ²ₚ + 1 / Σ w). Эффект — отклонение этого года a + b·z − z′: год, в котором ГИА подтверждает ВПР, в оценку не входит.",
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
                let mut f = judge(&p, fit, cfg, &later);
                let key = (fixed(&block.key.subject), block.cells[c].school, p.next_exam);
                if let Some(y) = conf.pooled.get(&key).filter(|y| y.years > 1) {
                    if f.evaluated {
                        f.statistic = Some(y.z);
                        f.p_value = Some(normal_sf(y.z));
                    }
                    f.reason += &format!(
                        "; за {} {} ({}–{}) вместе {exam} ниже ожидаемого по ВПР в среднем на {} стандартного отклонения",
                        y.years,
                        crate::report::html::plural(y.years as u64, ["год", "года", "лет"]),
                        y.first,
                        y.last,
                        super::dec(y.mean, 2)
                    );
                    f.note += &format!(
                        "; годы вместе: {}–{} ({}), постоянная часть разброса {}",
                        y.first,
                        y.last,
                        y.years,
                        super::dec(conf.persistent.get(&p.next_exam).copied().unwrap_or(0.0), 4)
                    );
                }
                f
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(tau2: f64) -> BTreeMap<Exam, Fit> {
        let f = Fit {
            a: 0.0,
            b: 1.0,
            tau2,
            pairs: 50,
        };
        BTreeMap::from([(Exam::Oge, f)])
    }

    #[test]
    fn years_pool_as_a_random_effects_mean() {
        // Too few products of one school's years (1 < 10): all of τ² = 0.05
        // is taken as persistent. By hand: w = 1 / (0 + 0.05) = 20 per year,
        // r̄ = (0.3 + 0.1) / 2 = 0.2, Z = 0.2 / √(0.05 + 1/40) = 0.7302967.
        let one = BTreeMap::from([(
            ("RU", 7, Exam::Oge),
            vec![(2023, 0.3, 0.05), (2024, 0.1, 0.05)],
        )]);
        let (persistent, pooled) = pool(&one, &line(0.05));
        assert_eq!(persistent[&Exam::Oge], 0.05);
        let y = pooled[&("RU", 7, Exam::Oge)];
        assert!((y.mean - 0.2).abs() < 1e-12);
        assert!((y.z - 0.730_296_7).abs() < 1e-6, "{}", y.z);
        assert_eq!((y.years, y.first, y.last), (2, 2023, 2024));
        // Ten schools of two years, shortfalls 0.1 and 0.1: ten products of
        // 0.01, so τ²ₚ = 0.01 and the part that changes 0.04. By hand, with
        // sampling variances 0.01: w = 1 / 0.05 = 20, r̄ = 0.1, Z = 0.1 /
        // √(0.01 + 1/40) = 0.5345225.
        let ten: BTreeMap<_, _> = (0..10)
            .map(|s| {
                let years = vec![(2023, 0.1, 0.01), (2024, 0.1, 0.01)];
                (("MA", s, Exam::Oge), years)
            })
            .collect();
        let (persistent, pooled) = pool(&ten, &line(0.05));
        assert!((persistent[&Exam::Oge] - 0.01).abs() < 1e-12);
        assert!((pooled[&("MA", 3, Exam::Oge)].z - 0.534_522_5).abs() < 1e-6);
        // A persistent part above τ² is clipped to it; one year is the
        // yearly Z: 0.2 / √(0.05 + 0.01) = 0.8164966.
        let (persistent, _) = pool(&ten, &line(0.005));
        assert_eq!(persistent[&Exam::Oge], 0.005);
        let single = BTreeMap::from([(("RU", 1, Exam::Oge), vec![(2025, 0.2, 0.01)])]);
        let (_, pooled) = pool(&single, &line(0.05));
        assert!((pooled[&("RU", 1, Exam::Oge)].z - 0.816_496_6).abs() < 1e-6);
    }

    #[test]
    fn only_compulsory_subjects_are_compared() {
        assert!(compulsory("RU") && compulsory("MA"));
        assert!(!compulsory("PH") && !compulsory("BI") && !compulsory("SO"));
    }
}
