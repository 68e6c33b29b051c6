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
//!   with the same school's OGE grade 9 cell and EGE grade 11 cell of the
//!   same year and subject (each a pair of its own). One relation per GIA
//!   (OGE, EGE), over the schools' pairs. Each VPR cell of the subject carries
//!   its school's finding. Pooling the grades keeps one grade's cohort from
//!   deciding, and a policy that raises every grade is seen at its full
//!   weight (in evaluate, VPR raised by a school in every grade: 197 of 229
//!   strong cells fired with the pooled pairs against 61 with one pair per
//!   cell). Other subjects are sat at the GIA by choice: who chose them would
//!   decide the comparison.
//! * **Statistic of a pair**: over the pairs, the least-squares line
//!   GIA = a + b · VPR and the spread τ² beyond sampling (moments); r = a + b z − z′,
//!   Z = r / √(τ² + b²/n + 1/n′): how far the school's GIA falls short of what
//!   its VPR predicts. The cell's own pair is its school's OGE of the year,
//!   else its EGE; effect = r of that pair (SD of the test's works).
//! * **Over the years and both GIAs** (the criterion reads a school's results
//!   "over the years present", OGE and EGE): a school's shortfalls rᵢ, one
//!   per year and GIA, are pooled as a random-effects mean. The spread splits
//!   into a part τ²ₚ that stays with the school (how it teaches and marks,
//!   honestly) and a part that changes with each year's pupils and exam;
//!   τ²ₚ is the mean, over all schools, of the products rᵢ rⱼ of one school's
//!   different results, less their shared sampling covariance (a year's OGE
//!   and EGE share its VPR result: b b′ / n) — moments, clipped to [0, τ²];
//!   the largest τ², no gain from pooling, with fewer than 10 such products.
//!   Own variances vᵢ = max(0, τ²ᵢ − τ²ₚ) + b²/n + 1/n′, weights wᵢ = 1/vᵢ,
//!   r̄ = Σ w r / Σ w, Var r̄ = τ²ₚ + (Σ w² v + Σ_{i≠j, same year} wᵢ wⱼ bᵢ
//!   bⱼ / n) / (Σ w)², Z = r̄ / √Var (one result: the pair's Z). A persistent
//!   honest gap is therefore not multiplied by the results; a gap that
//!   recurs beyond what a school's persistent part explains is. Every year's
//!   VPR cells of the subject carry the pooled Z; the effect stays the cell's
//!   own year's shortfall, so a year whose own GIA confirms its VPR does not
//!   enter (P(p ≤ α and effect ≥ e) ≤ α under the null). In evaluate (three
//!   years, VPR raised with the journal marks, OGE and EGE honest) the
//!   marked share rose from .02 / .26 (one year, OGE else EGE) to .59 / .94
//!   at moderate / strong: see notes/procedures.md. The normal Z assumes the
//!   schools' persistent gaps are near normal; heavier tails show as honest
//!   p ≤ 0.001 above nominal in the misspecified regions (0.2–0.7 % of
//!   school-subject-years), left to the empirical null of the evidence.
//! * **A municipality with the region's figures**: where reference.csv gives
//!   the region's distributions of primary scores for every test of the
//!   folder, and the region's line for a
//!   GIA (measure `vpr_gia`: a, b, τ², τ²ₚ, written by `obektiv reference`),
//!   the cells are standardized against the region and judged on its line and
//!   persistent part ([`region_lines`]): each school gets the statistic the
//!   whole region's analysis gives it (tested end to end). A municipality's
//!   own line, fitted on its 15–45 schools of which the inflating ones are a
//!   larger share, is flatter and wider: `evaluate --municipal` (2 years)
//!   marked VPR inflation with honest GIA .000 / .066 / .395 of cells at mild
//!   / moderate / strong with it and .066 / .362 / .987 with the region's.
//! * **Rule**: enters the cell's evidence when the effect ≥
//!   `cohort_min_effect`; a family of its own (S9 reads the cohort's own
//!   later and earlier results; S10 the same school's GIA, other pupils).
//! * **Minimum sample**: `min_works` VPR works of the subject and `min_works`
//!   GIA works; 10 schools' pairs per GIA.
//! * **Reference**: Рособрнадзор, ФИОКО (2018) Критерии выявления ОО с
//!   признаками необъективных результатов (результаты ВПР, не подтверждённые
//!   результатами ГИА); Jacob & Levitt (2003) for the logic of an unconfirmed
//!   result.

use std::collections::BTreeMap;

use crate::load::reference::GiaLine;
use crate::model::{Dataset, Exam};

use crate::stats::normal_sf;

use super::s9_cohort::{Fit, Later, Pair, Standardized, fit_independent, judge, shortfall};
use super::{Finding, Sign, SignDoc, SignsConfig, TestInput};

/// Fewest products of one school's results (over all schools) to tell the
/// persistent part of the spread from the part that changes every year.
const MIN_PRODUCTS: usize = 10;

/// Every VPR cell's GIA partner (per test, per cell), the relation per GIA and
/// each school's shortfalls pooled over its years and GIAs.
#[derive(Clone, Debug, Default)]
pub struct Confirmations {
    pub pairs: Vec<Vec<Option<Pair>>>,
    pub fits: BTreeMap<Exam, Fit>,
    /// The part τ²ₚ of the spread that stays with a school from year to year
    /// and from OGE to EGE (the largest τ² when it cannot be told apart).
    pub persistent: f64,
    /// Per (subject, school): the school's shortfalls over its years and GIAs.
    pub pooled: BTreeMap<SchoolKey, Years>,
    /// The GIAs whose line is the region's (reference.csv), not the folder's.
    pub from_region: Vec<Exam>,
}

/// A school's shortfalls in a subject, pooled over the years of the folder
/// and over OGE and EGE (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Years {
    /// The weighted mean shortfall, in SD of the tests' works.
    pub mean: f64,
    /// The mean over its standard deviation.
    pub z: f64,
    /// Results pooled (a year's OGE and EGE are two).
    pub results: usize,
    pub years: usize,
    pub first: u16,
    pub last: u16,
    /// Whether OGE and EGE results are among them.
    pub oge: bool,
    pub ege: bool,
}

/// One GIA result of a school against its VPR: the year, the GIA, the
/// shortfall from the line, the line's slope and the works of both.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Shortfall {
    year: u16,
    exam: Exam,
    r: f64,
    b: f64,
    n: usize,
    n_next: usize,
}

impl Shortfall {
    fn of(year: u16, p: &Pair, f: &Fit) -> Shortfall {
        Shortfall {
            year,
            exam: p.next_exam,
            r: shortfall(f, p).1,
            b: f.b,
            n: p.n,
            n_next: p.n_next,
        }
    }

    /// The covariance of two results' sampling errors: the same year's OGE
    /// and EGE share the school's VPR result, b b′ / n.
    fn shared(&self, other: &Shortfall) -> f64 {
        if self.year == other.year {
            self.b * other.b / self.n as f64
        } else {
            0.0
        }
    }
}

/// A school and subject.
type SchoolKey = (&'static str, u32);

/// Per GIA: the region's line and persistent part from reference.csv, where
/// it can stand for the folder's: the cells are standardized against the
/// region ([`super::s9_cohort::against_region`]: every test of the folder has
/// the region's distribution of primary scores), and the GIA's Russian and
/// mathematics tests give one line, the same figures on each (`obektiv
/// reference` writes them so). Otherwise the folder fits its own.
fn region_lines(data: &Dataset) -> BTreeMap<Exam, (Fit, f64)> {
    let region = &data.reference.region;
    if !super::s9_cohort::against_region(data) {
        return BTreeMap::new();
    }
    [Exam::Oge, Exam::Ege]
        .into_iter()
        .filter_map(|exam| {
            let lines: Vec<_> = (data.tests.iter())
                .filter(|b| b.key.exam == exam && compulsory(&b.key.subject))
                .map(|b| region.get(&b.key).and_then(|r| r.line))
                .collect();
            let first = (*lines.first()?)?;
            if lines.iter().any(|l| *l != Some(first)) {
                return None;
            }
            let fit = Fit {
                a: first.a,
                b: first.b,
                tau2: first.spread,
                pairs: first.pairs as usize,
            };
            Some((exam, (fit, first.persistent)))
        })
        .collect()
}

/// Pools each school's shortfalls (module docs: random effects, the
/// persistent part by the moments of the cross-products of its results).
fn pool(
    groups: &BTreeMap<SchoolKey, Vec<Shortfall>>,
    fits: &BTreeMap<Exam, Fit>,
    given: Option<f64>,
) -> (f64, BTreeMap<SchoolKey, Years>) {
    let largest = fits.values().map(|f| f.tau2).fold(0.0, f64::max);
    let (mut sum, mut count) = (0.0, 0usize);
    for results in groups.values() {
        for (i, a) in results.iter().enumerate() {
            for b in &results[i + 1..] {
                sum += a.r * b.r - a.shared(b);
                count += 1;
            }
        }
    }
    let tau_p = match given {
        Some(t) => t.clamp(0.0, largest),
        None if count >= MIN_PRODUCTS => (sum / count as f64).clamp(0.0, largest),
        None => largest,
    };
    let pooled = (groups.iter())
        .filter_map(|(&key, results)| {
            // Each result's own variance beyond the persistent part.
            let own: Vec<f64> = (results.iter())
                .map(|x| {
                    let tau = fits.get(&x.exam).map_or(0.0, |f| f.tau2);
                    (tau - tau_p).max(0.0) + x.b * x.b / x.n as f64 + 1.0 / x.n_next as f64
                })
                .collect();
            let w: Vec<f64> = own.iter().map(|v| 1.0 / v).collect();
            let sw: f64 = w.iter().sum();
            let mean = results.iter().zip(&w).map(|(x, w)| w * x.r).sum::<f64>() / sw;
            // Var(Σ w r) / (Σ w)² with the shared VPR of a year's two GIAs.
            let mut var: f64 = w.iter().zip(&own).map(|(w, v)| w * w * v).sum();
            for (i, a) in results.iter().enumerate() {
                for (j, b) in results.iter().enumerate().skip(i + 1) {
                    var += 2.0 * w[i] * w[j] * a.shared(b);
                }
            }
            let mut years: Vec<u16> = results.iter().map(|x| x.year).collect();
            years.dedup();
            Some((
                key,
                Years {
                    mean,
                    z: mean / (tau_p + var / (sw * sw)).sqrt(),
                    results: results.len(),
                    years: years.len(),
                    first: *years.first()?,
                    last: *years.last()?,
                    oge: results.iter().any(|x| x.exam == Exam::Oge),
                    ege: results.iter().any(|x| x.exam == Exam::Ege),
                },
            ))
        })
        .collect();
    (tau_p, pooled)
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
        // Every GIA result of the school in the subject that year, OGE first.
        let gia: BTreeMap<(u16, &str, u32), Vec<Pair>> = (pooled.iter())
            .map(|(&(year, subject, school), &(sum, n))| {
                let results = [(Exam::Oge, 9), (Exam::Ege, 11)]
                    .into_iter()
                    .filter_map(|(exam, grade)| {
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
                    .collect();
                ((year, subject, school), results)
            })
            .collect();
        // A cell's own pair: its school's OGE, else EGE.
        let schools: BTreeMap<(u16, &str, u32), Pair> = (gia.iter())
            .filter_map(|(&key, results)| Some((key, *results.first()?)))
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
        let usable = |p: &&Pair| p.n >= min_works && p.n_next >= min_works;
        let region = region_lines(data);
        let fits = [Exam::Oge, Exam::Ege]
            .into_iter()
            .filter_map(|exam| {
                if let Some(l) = region.get(&exam) {
                    return Some((exam, l.0));
                }
                let pairs: Vec<Pair> = (gia.values().flatten())
                    .filter(|p| p.next_exam == exam)
                    .filter(usable)
                    .copied()
                    .collect();
                fit_independent(&pairs).map(|f| (exam, f))
            })
            .collect::<BTreeMap<Exam, Fit>>();
        let mut groups: BTreeMap<SchoolKey, Vec<Shortfall>> = BTreeMap::new();
        for (&(year, subject, school), results) in &gia {
            for p in results.iter().filter(usable) {
                if let Some(f) = fits.get(&p.next_exam) {
                    (groups.entry((fixed(subject), school)).or_default())
                        .push(Shortfall::of(year, p, f));
                }
            }
        }
        // The region's persistent part where every line in use is the region's.
        let given = (!region.is_empty() && fits.keys().all(|e| region.contains_key(e)))
            .then(|| region.values().map(|l| l.1).fold(0.0, f64::max));
        let (persistent, pooled) = pool(&groups, &fits, given);
        Confirmations {
            pairs,
            fits,
            persistent,
            pooled,
            from_region: region.keys().copied().collect(),
        }
    }
}

/// The folder's line per GIA with the persistent part (every GIA with 10
/// pairs or more), as `obektiv reference` writes them for a region's
/// municipalities (measure `vpr_gia`, read back as the same [`GiaLine`]).
pub fn region_lines_of(data: &Dataset, min_works: usize) -> BTreeMap<Exam, GiaLine> {
    let st = Standardized::new(data);
    let conf = Confirmations::new(data, &st, min_works);
    (conf.fits.iter())
        .map(|(&exam, f)| {
            let line = GiaLine {
                a: f.a,
                b: f.b,
                spread: f.tau2,
                persistent: conf.persistent,
                pairs: f.pairs as f64,
            };
            (exam, line)
        })
        .collect()
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
            formula: "Русский язык и математика. Для ячейки ВПР: средний первичный балл минус средний по тесту, делённый на стандартное отклонение баллов теста; z — среднее таких значений по всем классам ОО в этом году (с весом по числу работ n); z′ — то же для ОГЭ (9 класс) этой ОО по тому же предмету в том же году, а если ОГЭ нет — для ЕГЭ (11 класс). По парам всех ОО: z′ = a + b·z (наименьшие квадраты, отдельно для ОГЭ и ЕГЭ), τ² — разброс пар вокруг прямой сверх случайного. Если в reference.csv есть распределения баллов региона и прямая «ВПР — ГИА» региона, средний балл и стандартное отклонение теста берутся по всем работам региона, а a, b, τ² и τ²ₚ — региона: ОО муниципалитета оцениваются так же, как при расчёте по всему региону. Z = (a + b·z − z′) / √(τ² + b²/n + 1/n′); p = 1 − Φ(Z). Если у ОО несколько лет или и ОГЭ, и ЕГЭ, отклонения от прямой r по всем годам и обоим экзаменам усредняются с весами: разброс τ² делится на часть, постоянную для ОО (τ²ₚ — среднее произведение отклонений одной ОО в разные годы и по разным экзаменам), и меняющуюся; Z — среднее отклонение, делённое на его стандартное отклонение. Эффект — отклонение этого года a + b·z − z′ (по ОГЭ, если его нет — по ЕГЭ): год, в котором ГИА подтверждает ВПР, в оценку не входит.",
            statistic: "pooled over the school's years and its OGE and EGE (random effects): how far its GIA result in the subject falls short of the result predicted from its VPR results in the subject (every grade pooled), in SD of the test's works",
            null: "each pair lies around the folder's least-squares line GIA = a + b VPR (per GIA; the region's line and spreads from reference.csv where given, the cells then standardized against the region) with the spread of all pairs (moments), split into a part persistent within a school and a part that changes, plus the sampling variances",
            rule: "p = 1 − Φ(Z); enters the cell's evidence when the year's own shortfall >= cohort_min_effect; a family of its own",
            min_sample: "min_works VPR works of the subject and min_works GIA works; 10 schools' pairs per GIA; VPR cells of schools with OGE or EGE in the subject",
            compared: "результат ВПР ОО по русскому языку или математике (все классы вместе) — с результатами ОГЭ и ЕГЭ этой же ОО по тому же предмету в те же годы (все годы в данных вместе), с учётом того, как эти результаты обычно связаны у всех ОО",
            unusual: "ОГЭ и ЕГЭ ОО по предмету заметно ниже, чем предсказывает её результат ВПР: высокий результат ВПР не подтверждается результатами ГИА (критерий Рособрнадзора и ФИОКО)",
            needs: "первичные баллы ВПР и ОГЭ или ЕГЭ тех же ОО по русскому языку и математике за тот же год",
            reference: "Рособрнадзор, ФИОКО (2018), критерии выявления ОО с признаками необъективных результатов; Jacob & Levitt (2003)",
        }
    }
    fn per_school(&self) -> bool {
        true
    }
    fn per_subject(&self) -> bool {
        true
    }
    fn family(&self) -> &'static str {
        "S10"
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
                if conf.from_region.contains(&p.next_exam) {
                    f.note += &format!(
                        "; прямая «ВПР — {exam}» и разброс — по всему региону (reference.csv)"
                    );
                }
                let key = (fixed(&block.key.subject), block.cells[c].school);
                if let Some(y) = conf.pooled.get(&key).filter(|y| y.results > 1) {
                    if f.evaluated {
                        f.statistic = Some(y.z);
                        f.p_value = Some(normal_sf(y.z));
                    }
                    let gia = match (y.oge, y.ege) {
                        (true, true) => "ОГЭ и ЕГЭ",
                        (false, true) => "ЕГЭ",
                        _ => "ОГЭ",
                    };
                    let span = if y.first == y.last {
                        format!("в {} году", y.first)
                    } else {
                        format!(
                            "за {} {} ({}–{})",
                            y.years,
                            crate::report::html::plural(y.years as u64, ["год", "года", "лет"]),
                            y.first,
                            y.last
                        )
                    };
                    // «ниже … на 0,12», or «выше … на 0,12» where the GIA
                    // came out above the VPR's prediction (never «ниже на −»).
                    let side = if y.mean < 0.0 { "выше" } else { "ниже" };
                    f.reason += &format!(
                        "; {span} {gia} вместе {side} ожидаемого по ВПР в среднем на {} стандартного отклонения",
                        super::dec(y.mean.abs(), 2)
                    );
                    f.note += &format!(
                        "; вместе результатов ГИА: {} ({}, {}–{}), постоянная часть разброса {}",
                        y.results,
                        gia,
                        y.first,
                        y.last,
                        super::dec(conf.persistent, 4)
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

    fn lines(tau2: f64) -> BTreeMap<Exam, Fit> {
        let f = Fit {
            a: 0.0,
            b: 1.0,
            tau2,
            pairs: 50,
        };
        BTreeMap::from([(Exam::Oge, f), (Exam::Ege, f)])
    }

    fn result(year: u16, exam: Exam, r: f64, n: usize) -> Shortfall {
        Shortfall {
            year,
            exam,
            r,
            b: 1.0,
            n,
            n_next: n,
        }
    }

    #[test]
    fn results_pool_as_a_random_effects_mean() {
        // Too few products of one school's results (1 < 10): all of τ² = 0.05
        // is taken as persistent. By hand, sampling 1/40 + 1/40 = 0.05 per
        // year: w = 1 / (0 + 0.05) = 20, r̄ = (0.3 + 0.1) / 2 = 0.2,
        // Var = 2 · 20² · 0.05 / 40² = 0.025, Z = 0.2 / √(0.05 + 0.025) =
        // 0.7302967.
        let one = BTreeMap::from([(
            ("RU", 7),
            vec![
                result(2023, Exam::Oge, 0.3, 40),
                result(2024, Exam::Oge, 0.1, 40),
            ],
        )]);
        let (persistent, pooled) = pool(&one, &lines(0.05), None);
        assert_eq!(persistent, 0.05);
        let y = pooled[&("RU", 7)];
        assert!((y.mean - 0.2).abs() < 1e-12);
        assert!((y.z - 0.730_296_7).abs() < 1e-6, "{}", y.z);
        assert_eq!((y.results, y.years, y.first, y.last), (2, 2, 2023, 2024));
        assert!(y.oge && !y.ege);
        // Ten schools of two years, shortfalls 0.1 and 0.1: ten products of
        // 0.01, so τ²ₚ = 0.01. By hand, sampling 0.01: w = 1 / (0.04 +
        // 0.01) = 20, Var = 0.025, Z = 0.1 / √(0.01 + 0.025) = 0.5345225.
        let ten = |first: Exam, second: Exam, year2: u16| -> BTreeMap<_, _> {
            (0..10)
                .map(|s| {
                    let both = vec![
                        result(2023, first, 0.1, 200),
                        result(year2, second, 0.1, 200),
                    ];
                    (("MA", s), both)
                })
                .collect()
        };
        let (persistent, pooled) = pool(&ten(Exam::Oge, Exam::Oge, 2024), &lines(0.05), None);
        assert!((persistent - 0.01).abs() < 1e-12);
        assert!((pooled[&("MA", 3)].z - 0.534_522_5).abs() < 1e-6);
        // A persistent part above τ² is clipped to it.
        let (persistent, _) = pool(&ten(Exam::Oge, Exam::Oge, 2024), &lines(0.005), None);
        assert_eq!(persistent, 0.005);
        // The same year's OGE and EGE share the VPR result: its sampling
        // covariance b b′ / n = 1/200 = 0.005 is taken off each product, so
        // products of 0.01 leave τ²ₚ = 0.005.
        let (persistent, pooled) = pool(&ten(Exam::Oge, Exam::Ege, 2023), &lines(0.05), None);
        assert!((persistent - 0.005).abs() < 1e-12);
        let y = pooled[&("MA", 0)];
        assert_eq!((y.results, y.years), (2, 1));
        assert!(y.oge && y.ege);
        // And it enters the variance of the mean. One school, OGE and EGE of
        // one year, 100 works each: sampling 0.02, τ²ₚ = τ² = 0.05, w = 50,
        // Var = (2 · 50² · 0.02 + 2 · 50² · 0.01) / 100² = 0.015, Z = 0.2 /
        // √(0.05 + 0.015) = 0.7844645.
        let year = BTreeMap::from([(
            ("RU", 1),
            vec![
                result(2025, Exam::Oge, 0.3, 100),
                result(2025, Exam::Ege, 0.1, 100),
            ],
        )]);
        let (_, pooled) = pool(&year, &lines(0.05), None);
        assert!(
            (pooled[&("RU", 1)].z - 0.784_464_5).abs() < 1e-6,
            "{}",
            pooled[&("RU", 1)].z
        );
        // One result alone is the yearly Z: 0.2 / √(0.05 + 0.01) = 0.8164966.
        let single = BTreeMap::from([(("RU", 1), vec![result(2025, Exam::Oge, 0.2, 200)])]);
        let (_, pooled) = pool(&single, &lines(0.05), None);
        assert!((pooled[&("RU", 1)].z - 0.816_496_6).abs() < 1e-6);
    }

    #[test]
    fn only_compulsory_subjects_are_compared() {
        assert!(compulsory("RU") && compulsory("MA"));
        assert!(!compulsory("PH") && !compulsory("BI") && !compulsory("SO"));
    }
}
