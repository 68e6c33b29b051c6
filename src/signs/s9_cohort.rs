//! S9: a result the same classes do not keep a year later.
//!
//! Jacob & Levitt (2003) found the strongest single clue of cheating in an
//! unexpected fluctuation: a class's jump this year that the same pupils do
//! not show the next year. obektiv follows a school's cohort from one VPR to
//! the next in the same subject (grade g in year y, grade g + 1 in year y + 1;
//! VPR grade 8 to OGE grade 9), at school level: pupils' codes are not assumed
//! to persist across years.
//!
//! * **Standardized results**: a cell's mean primary score minus its test's
//!   mean over all works, divided by the test's SD over all works: z, with
//!   sampling variance 1/n in every test.
//! * **Relation**: over every pair of the folder (z now, z a year later), the
//!   least-squares line z′ = a + b z (b < 1: the regression to the mean of
//!   noisy cell means, and real change, are in it), and the spread τ² of the
//!   pairs around it beyond their sampling variance, by moments: τ² = max(0,
//!   mean r² − mean(b²/n + 1/n′)). Pooled over all subjects and grades of the
//!   folder, so a municipality has enough pairs.
//! * **Statistic**: Z = (a + b z − z′) / √(τ² + b²/n + 1/n′): how far the
//!   cohort fell short of what its result predicted. p = 1 − Φ(Z); effect = a
//!   + b z − z′ (in SD of the test's works).
//! * **Rule**: enters the cell's evidence when the effect ≥
//!   `cohort_min_effect`, in one family with S10 (the same year's GIA). It judges the *earlier* cell of the pair: the last
//!   year of the folder has no next year and is judged once its next year's
//!   results are added (the lists of past years are then revised).
//! * **Minimum sample**: `min_works` works in both cells; 10 pairs in the folder.
//! * **Reference**: Jacob B.A., Levitt S.D. (2003) Rotten apples: an
//!   investigation of the prevalence and predictors of teacher cheating. QJE
//!   118(3), 843–877.

use std::collections::BTreeMap;

use crate::model::{Dataset, Exam};
use crate::stats::normal_sf;

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput};

/// Fewest pairs for the relation.
const MIN_PAIRS: usize = 10;

/// One cell and its cohort a year later.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pair {
    pub z: f64,
    pub n: usize,
    pub z_next: f64,
    pub n_next: usize,
    pub next_exam: Exam,
    pub next_grade: u8,
}

/// The relation of a cohort's result to its result a year earlier.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fit {
    pub a: f64,
    pub b: f64,
    pub tau2: f64,
    pub pairs: usize,
}

/// Every cell's pair (per test, per cell) and the folder's fit.
#[derive(Clone, Debug, Default)]
pub struct Cohorts {
    pub pairs: Vec<Vec<Option<Pair>>>,
    pub fit: Option<Fit>,
}

/// The test a cohort sits a year after `exam` in `grade`.
fn next_of(exam: Exam, grade: u8) -> Option<(Exam, u8)> {
    match (exam, grade) {
        (Exam::Vpr, 4..=7) => Some((Exam::Vpr, grade + 1)),
        (Exam::Vpr, 8) => Some((Exam::Oge, 9)),
        _ => None,
    }
}

/// Per test, per cell: (z, n) — the cell's mean primary score minus its
/// test's mean over all works, in SD of the test's works, and its works.
fn standardized(data: &Dataset) -> Vec<Vec<Option<(f64, usize)>>> {
    use rayon::prelude::*;
    (data.tests.par_iter())
        .map(|block| {
            let all: Vec<f64> = (block.primary.iter())
                .filter(|p| !p.is_nan())
                .map(|&p| f64::from(p))
                .collect();
            let n = all.len() as f64;
            let mean = all.iter().sum::<f64>() / n;
            let sd = (all.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            (0..block.cells.len())
                .map(|c| {
                    let own: Vec<f64> = (block.cell(c).primary().iter())
                        .filter(|p| !p.is_nan())
                        .map(|&p| f64::from(p))
                        .collect();
                    (!own.is_empty() && sd > 0.0 && sd.is_finite()).then(|| {
                        let m = own.iter().sum::<f64>() / own.len() as f64;
                        ((m - mean) / sd, own.len())
                    })
                })
                .collect()
        })
        .collect()
}

/// Every cell of the folder by (year, exam, subject, grade, school), with its (z, n).
pub(super) type Index<'a> = BTreeMap<(u16, Exam, &'a str, u8, u32), (f64, usize)>;

/// The standardized results of every cell, computed once for S9 and S10.
pub struct Standardized<'a> {
    z: Vec<Vec<Option<(f64, usize)>>>,
    index: Index<'a>,
}

impl<'a> Standardized<'a> {
    pub fn new(data: &'a Dataset) -> Standardized<'a> {
        let z = standardized(data);
        let index = index(data, &z);
        Standardized { z, index }
    }

    /// Per test, per cell: (z, n).
    pub(super) fn z(&self) -> &[Vec<Option<(f64, usize)>>] {
        &self.z
    }

    pub(super) fn index(&self) -> &Index<'a> {
        &self.index
    }
}

fn index<'a>(data: &'a Dataset, z: &[Vec<Option<(f64, usize)>>]) -> Index<'a> {
    let mut index = BTreeMap::new();
    for (t, block) in data.tests.iter().enumerate() {
        for (c, span) in block.cells.iter().enumerate() {
            if let Some(v) = z[t][c] {
                let k = &block.key;
                index.insert(
                    (k.year, k.exam, k.subject.as_str(), k.grade, span.school),
                    v,
                );
            }
        }
    }
    index
}

impl Cohorts {
    pub fn new(data: &Dataset, st: &Standardized<'_>, min_works: usize) -> Cohorts {
        let (z, index) = (&st.z, &st.index);
        let pairs: Vec<Vec<Option<Pair>>> = (data.tests.iter().enumerate())
            .map(|(t, block)| {
                let k = &block.key;
                let next = next_of(k.exam, k.grade);
                (block.cells.iter().enumerate())
                    .map(|(c, span)| {
                        let (exam, grade) = next?;
                        let (z0, n0) = z[t][c]?;
                        let key = (k.year + 1, exam, k.subject.as_str(), grade, span.school);
                        let &(z1, n1) = index.get(&key)?;
                        Some(Pair {
                            z: z0,
                            n: n0,
                            z_next: z1,
                            n_next: n1,
                            next_exam: exam,
                            next_grade: grade,
                        })
                    })
                    .collect()
            })
            .collect();
        let usable: Vec<Pair> = (pairs.iter().flatten().flatten())
            .filter(|p| p.n >= min_works && p.n_next >= min_works)
            .copied()
            .collect();
        Cohorts {
            fit: fit(&usable),
            pairs,
        }
    }
}

/// The least-squares line and the spread around it (see the module docs).
pub(super) fn fit(pairs: &[Pair]) -> Option<Fit> {
    if pairs.len() < MIN_PAIRS {
        return None;
    }
    let k = pairs.len() as f64;
    let mx = pairs.iter().map(|p| p.z).sum::<f64>() / k;
    let my = pairs.iter().map(|p| p.z_next).sum::<f64>() / k;
    let sxx: f64 = pairs.iter().map(|p| (p.z - mx).powi(2)).sum();
    let sxy: f64 = pairs.iter().map(|p| (p.z - mx) * (p.z_next - my)).sum();
    if sxx <= 0.0 {
        return None;
    }
    let b = sxy / sxx;
    let a = my - b * mx;
    let r2 = pairs
        .iter()
        .map(|p| (p.z_next - a - b * p.z).powi(2))
        .sum::<f64>()
        / (k - 2.0);
    let noise = pairs
        .iter()
        .map(|p| b * b / p.n as f64 + 1.0 / p.n_next as f64)
        .sum::<f64>()
        / k;
    Some(Fit {
        a,
        b,
        tau2: (r2 - noise).max(0.0),
        pairs: pairs.len(),
    })
}

pub struct CohortNotKept;

/// (the prediction a + b z, its shortfall a + b z − z′, and Z = shortfall /
/// √(τ² + b²/n + 1/n′)) of a pair.
pub(super) fn shortfall(fit: &Fit, p: &Pair) -> (f64, f64, f64) {
    let predicted = fit.a + fit.b * p.z;
    let short = predicted - p.z_next;
    let var = fit.tau2 + fit.b * fit.b / p.n as f64 + 1.0 / p.n_next as f64;
    (predicted, short, short / var.sqrt())
}

/// How a sign of pairs names the later result of a pair.
pub(super) struct Later<'a> {
    /// What too few works of it are («работ того же потока через год»).
    pub works: &'a str,
    /// The reason from z, z′ and the prediction, written with [`dec`].
    pub reason: &'a dyn Fn(&str, &str, &str) -> String,
    /// Named after «прямая по N парам» (« «ВПР — ОГЭ»», or nothing).
    pub line: &'a str,
}

/// The finding of a pair: both cells' minimum, the shortfall and its Z, the
/// reason and the note with the line it was judged against.
pub(super) fn judge(p: &Pair, fit: &Fit, cfg: &SignsConfig, later: &Later<'_>) -> Finding {
    let (predicted, short, z) = shortfall(fit, p);
    let reason = (later.reason)(&dec(p.z), &dec(p.z_next), &dec(predicted));
    let mut f = Finding::tested(z, normal_sf(z), short, reason);
    f.note = format!(
        "прямая по {} парам{}: z′ = {} + {}·z, разброс пар {}; работ {} и {}",
        fit.pairs,
        later.line,
        super::dec(fit.a, 3),
        super::dec(fit.b, 3),
        super::dec(fit.tau2, 4),
        p.n,
        p.n_next
    );
    if p.n < cfg.min_works {
        return f.below_minimum(p.n, "работ", cfg);
    }
    if p.n_next < cfg.min_works {
        return f.below_minimum(p.n_next, later.works, cfg);
    }
    f
}

/// "0,8", "−0,4": one decimal, a comma and a true minus.
fn dec(x: f64) -> String {
    let x = if (x * 10.0).round() == 0.0 { 0.0 } else { x };
    format!("{x:.1}").replace('.', ",").replace('-', "−")
}

impl Sign for CohortNotKept {
    fn id(&self) -> &'static str {
        "S9"
    }
    fn title(&self) -> &'static str {
        "Результат, который тот же поток не подтвердил через год"
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            formula: "z — средний первичный балл ячейки минус средний по тесту, делённый на стандартное отклонение баллов теста; z′ — то же у того же потока через год (следующий класс, тот же предмет; после ВПР в 8 классе — ОГЭ). По всем парам: z′ = a + b·z (наименьшие квадраты), τ² — разброс пар вокруг прямой сверх случайного. Z = (a + b·z − z′) / √(τ² + b²/n + 1/n′); p = 1 − Φ(Z). Эффект: a + b·z − z′.",
            statistic: "how far the same school's cohort a year later (grade + 1, same subject; VPR 8 → OGE 9) falls short of the result predicted from this cell, in SD of the test's works",
            null: "the pair lies around the folder's least-squares line z' = a + b z with the spread of all pairs (moments) plus the sampling variances",
            rule: "p = 1 − Φ(Z); enters the cell's evidence when the shortfall >= cohort_min_effect; judges the earlier cell of each pair",
            min_sample: "min_works works in both cells; 10 pairs in the folder; VPR grades 4–8 with the next year's results",
            compared: "результат ячейки — с результатом тех же классов через год (следующий класс, тот же предмет; после ВПР в 8 классе — ОГЭ), с учётом того, как обычно связаны эти два результата по всем ОО",
            unusual: "через год тот же поток показывает заметно более низкий результат, чем предсказывает этот: такой «скачок» на один год — признак необъективного результата (Jacob & Levitt)",
            needs: "первичные баллы за два года подряд; для ячеек последнего года в данных признак появится, когда добавятся результаты следующего года",
            reference: "Jacob & Levitt (2003)",
        }
    }
    /// A result the school's other results do not confirm; with S10 (the
    /// same year's GIA) it counts once.
    fn family(&self) -> &'static str {
        "S9"
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.cohort_min_effect
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        let block = test.block;
        let n_cells = block.cells.len();
        let cohorts = &test.shared.cohorts;
        let Some((_, next_grade)) = next_of(block.key.exam, block.key.grade) else {
            return vec![
                Finding::skipped(
                    "для этой процедуры и класса нет следующей процедуры по тому же предмету"
                );
                n_cells
            ];
        };
        let Some(fit) = cohorts.fit else {
            return vec![
                Finding::skipped(
                    "в данных меньше 10 пар «результат — результат того же потока через год»"
                );
                n_cells
            ];
        };
        let year = block.key.year;
        (0..n_cells)
            .map(|c| {
                let Some(p) = cohorts.pairs[test.index][c] else {
                    return Finding::skipped(format!(
                        "нет результатов этой ОО по предмету в {} году в {next_grade} классе",
                        year + 1
                    ));
                };
                let reason = |z: &str, z_next: &str, predicted: &str| {
                    format!(
                        "отклонение от среднего по региону: здесь {z} стандартного отклонения, у того же потока через год ({}, {} класс) {z_next} (ожидалось {predicted})",
                        p.next_exam.russian(),
                        p.next_grade
                    )
                };
                let later = Later {
                    works: "работ того же потока через год",
                    reason: &reason,
                    line: "",
                };
                judge(&p, &fit, cfg, &later)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(z: f64, z_next: f64) -> Pair {
        Pair {
            z,
            n: 25,
            z_next,
            n_next: 25,
            next_exam: Exam::Vpr,
            next_grade: 5,
        }
    }

    #[test]
    fn line_and_spread_by_hand() {
        // Ten pairs z = 0, 0.1, …, 0.9 with z′ = 0.1 + 0.5 z + 0.2 at even and
        // − 0.2 at odd indices. Least squares in exact rational arithmetic
        // (Python fractions): b = 25/66, a = 17/110, Σ r² / (10 − 2) =
        // 0.048484848484848485.
        let pairs: Vec<Pair> = (0..10)
            .map(|i| {
                let x = i as f64 / 10.0;
                pair(x, 0.1 + 0.5 * x + if i % 2 == 0 { 0.2 } else { -0.2 })
            })
            .collect();
        let f = fit(&pairs).unwrap();
        assert!((f.b - 25.0 / 66.0).abs() < 1e-12, "{f:?}");
        assert!((f.a - 17.0 / 110.0).abs() < 1e-12, "{f:?}");
        // τ² = 0.048484848484848485 − (b²/25 + 1/25) = 0.0028…
        let noise = (25.0f64 / 66.0).powi(2) / 25.0 + 1.0 / 25.0;
        assert!(
            (f.tau2 - (0.048484848484848485 - noise)).abs() < 1e-12,
            "{f:?}"
        );
        assert_eq!(fit(&pairs[..9]), None);
    }

    #[test]
    fn shortfall_by_hand() {
        // a = 0.1, b = 0.6, τ² = 0.05; z = 1.0 (n = 20), z′ = 0.2 (n′ = 25):
        // predicted 0.7, shortfall 0.5, variance 0.05 + 0.36/20 + 1/25 =
        // 0.108, Z = 0.5 / √0.108 = 1.5214515486254614.
        let fit = Fit {
            a: 0.1,
            b: 0.6,
            tau2: 0.05,
            pairs: 10,
        };
        let p = Pair {
            n: 20,
            ..pair(1.0, 0.2)
        };
        let (predicted, short, z) = shortfall(&fit, &p);
        assert!((predicted - 0.7).abs() < 1e-12 && (short - 0.5).abs() < 1e-12);
        assert!((z - 1.5214515486254614).abs() < 1e-12, "{z}");
    }

    #[test]
    fn only_vpr_cohorts_have_a_next_test() {
        assert_eq!(next_of(Exam::Vpr, 4), Some((Exam::Vpr, 5)));
        assert_eq!(next_of(Exam::Vpr, 8), Some((Exam::Oge, 9)));
        assert_eq!(next_of(Exam::Oge, 9), None);
        assert_eq!(next_of(Exam::Ege, 11), None);
    }
}
