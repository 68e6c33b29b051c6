//! S12: more medals than the graduates' EGE results explain.
//!
//! The offices' plans ask for the objectivity of medals «За особые успехи в
//! учении» (e.g. the Izobilny plan, item 1.3): a school that gives medals to
//! graduates whose results are weaker than medal holders' usually are has
//! more medal holders than its graduates' EGE results predict. The rule check
//! of [`crate::medals`] sees a medal below the EGE minimums of the order of
//! 29.09.2023 № 730; this sign sees medals that pass the rule but are too many
//! for the results.
//!
//! * **Graduates**: the students of the folder with an EGE Russian test score
//!   in a year for which medals.csv has rows (every graduate sits it); each
//!   graduate's score s = the smaller of Russian and the best other EGE
//!   subject (the rule needs both), Russian alone where there is no other;
//!   bins of 5 test points.
//! * **Null**: a graduate holds a medal with the region's rate for the year
//!   and bin, the school's own graduates left out and the rate shrunk toward
//!   the year's by one graduate: r = (M_b − m_b + R) / (N_b − n_b + 1).
//!   Graduates independent: the number of holders O is Poisson-binomial,
//!   mean E = Σ r, variance V = Σ r (1 − r).
//! * **A municipality against its region**: where reference.csv carries the
//!   region's medal figures for the year (`medal_graduates`, `medal_holders`
//!   per bin, `medal_spread`: obektiv's own measures, written by `obektiv
//!   reference`), the bins' counts and ρ are the region's, the school's own
//!   graduates taken out of them as above (a region of 600 honest schools
//!   cut into its 40 municipalities, each analysed alone with the region's
//!   file: 1 370 school-years judged, p ≤ 0.05 in 1.8 %, none ≤ 0.01).
//! * **Schools differ honestly** (how strictly their teachers mark decides
//!   who has all «5»): the spread of the schools' counts beyond V is measured
//!   per year by moments, ρ = max(0, Σ ((O − E)² − V) / Σ n (n − 1) p̄ (1 −
//!   p̄)), p̄ = E / n, as the intra-school correlation of a beta-binomial;
//!   where ρ > 0 the school's O is judged as beta-binomial (n, p̄, ρ), whose
//!   variance n p̄ (1 − p̄) (1 + (n − 1) ρ) holds V and the spread.
//! * **Statistic**: O, the school's medal holders among its graduates; p =
//!   P(O ≥ o), exact; effect = (o − E) / graduates.
//! * **Over the years**: where the school has graduates in more than one
//!   year with medals, O and E are summed over the years and O is judged as
//!   one beta-binomial with the largest of those years' ρ — as if how
//!   strictly a school marks never changed (the conservative end: a
//!   persistent honest leniency is not counted again each year); every
//!   year's cell carries that p, and the effect stays the year's own excess,
//!   so a year without one does not enter.
//! * **Rule**: enters the evidence of the school's EGE Russian cell when the
//!   effect ≥ `medal_min_effect`.
//! * **Minimum sample**: `min_works` graduates; medals.csv with rows for the
//!   year; in the year at least 10 other schools with graduates and 20 medal
//!   holders among them (below that, in a small municipality analysed alone,
//!   the other schools' rate per score bin is mostly empty: a school with
//!   medals among three schools without any got p = 0 against an expected
//!   0,0 — seen on a region cut into its 40 municipalities).
//! * **Reference**: Рособрнадзор, методические рекомендации по проведению
//!   оценки механизмов управления качеством образования (объективность
//!   выдачи медалей); приказ Минпросвещения России от 29.09.2023 № 730.

use std::collections::BTreeMap;

use crate::load::reference::MedalReference;
use crate::model::{Dataset, Exam, NO_TEST_SCORE, TestKey};
use crate::stats::betabinom::BetaBinomial;

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, pct};

/// Width of a score bin in test points.
pub const BIN: u8 = 5;
pub const BINS: usize = 100 / BIN as usize + 1;

/// A graduate's EGE Russian and best other test score.
type Scores = (Option<u8>, Option<u8>);

/// A school-year's graduates and medal holders.
#[derive(Clone, Debug, PartialEq)]
pub struct SchoolMedals {
    pub graduates: usize,
    pub holders: u64,
    pub expected: f64,
    pub p: f64,
}

/// Per (year, school) with graduates, in years with medals.
#[derive(Clone, Debug, Default)]
pub struct MedalCounts {
    pub schools: BTreeMap<(u16, u32), SchoolMedals>,
    /// Years with rows in medals.csv.
    pub years: Vec<u16>,
    /// Per school with graduates in more than one of those years: its
    /// school-years summed, p from the beta-binomial with the largest of its
    /// years' spreads, and the years.
    pub over_years: BTreeMap<u32, (SchoolMedals, usize)>,
    /// School-years with graduates but fewer than [`MIN_OTHER_SCHOOLS`] other
    /// schools or [`MIN_OTHER_HOLDERS`] other holders in the year: not judged.
    pub thin: std::collections::BTreeSet<(u16, u32)>,
    /// Per year, the folder's own figures (for `obektiv reference`).
    pub region: BTreeMap<u16, YearMedals>,
}

/// A year's graduates and holders per score bin and the schools' spread.
#[derive(Clone, Debug, PartialEq)]
pub struct YearMedals {
    /// Per bin of [`BIN`] test points: (holders, graduates).
    pub bins: [(u64, u64); BINS],
    /// ρ, the intra-school correlation beyond the Poisson-binomial.
    pub spread: f64,
}

/// Fewest other schools with graduates in the year for a school's null.
pub const MIN_OTHER_SCHOOLS: usize = 10;
/// Fewest medal holders of the other schools in the year for a school's null.
pub const MIN_OTHER_HOLDERS: u64 = 20;

impl MedalCounts {
    pub fn new(data: &Dataset) -> MedalCounts {
        let mut years: Vec<u16> = data.medals.iter().map(|m| m.year).collect();
        years.sort_unstable();
        years.dedup();
        if years.is_empty() {
            return MedalCounts::default();
        }
        // (year, school, student) → (Russian, best other).
        let mut scores: BTreeMap<(u16, u32, u32), Scores> = BTreeMap::new();
        for b in (data.tests.iter())
            .filter(|b| b.key.exam == Exam::Ege && years.binary_search(&b.key.year).is_ok())
        {
            let russian = b.key.subject == "RU";
            for span in &b.cells {
                for row in span.start as usize..span.end as usize {
                    let t = b.test_score[row];
                    if t == NO_TEST_SCORE {
                        continue;
                    }
                    let e = (scores.entry((b.key.year, span.school, b.student[row]))).or_default();
                    if russian {
                        e.0 = e.0.max(Some(t));
                    } else {
                        e.1 = e.1.max(Some(t));
                    }
                }
            }
        }
        let holders: std::collections::BTreeSet<(u16, u32, &str)> = (data.medals.iter())
            .map(|m| (m.year, m.school, m.student.as_str()))
            .collect();
        // Per school-year: (bin, holder) of each graduate.
        let mut by_school: BTreeMap<(u16, u32), Vec<(usize, bool)>> = BTreeMap::new();
        for (&(year, school, student), &(russian, other)) in &scores {
            let Some(russian) = russian else { continue };
            let s = other.map_or(russian, |o| o.min(russian));
            let held = holders.contains(&(year, school, data.codes.get(student)));
            (by_school.entry((year, school)).or_default())
                .push((usize::from(s / BIN).min(BINS - 1), held));
        }
        // The year's totals per bin: (holders, graduates).
        let mut totals: BTreeMap<u16, [(u64, u64); BINS]> = BTreeMap::new();
        for (&(year, _), grads) in &by_school {
            let t = totals.entry(year).or_insert([(0, 0); BINS]);
            for &(bin, held) in grads {
                t[bin].0 += u64::from(held);
                t[bin].1 += 1;
            }
        }
        // The region's figures from reference.csv, where given: a
        // municipality's schools are then judged against the region's rates
        // (the school's own graduates taken out of them as from the folder's).
        let published: BTreeMap<u16, &MedalReference> = (years.iter())
            .filter_map(|&year| {
                let key = TestKey {
                    year,
                    exam: Exam::Ege,
                    subject: "RU".to_owned(),
                    grade: 11,
                };
                Some((year, data.reference.region.get(&key)?.medals.as_ref()?))
            })
            .collect();
        let folder = totals.clone();
        for (year, m) in &published {
            let t = totals.entry(*year).or_insert([(0, 0); BINS]);
            *t = [(0, 0); BINS];
            for (&lower, &(holders, graduates)) in &m.bins {
                let bin = usize::from(lower / BIN).min(BINS - 1);
                t[bin].0 += holders;
                t[bin].1 += graduates;
            }
        }
        // The school-years whose reference — the year's other schools — is
        // too thin to give a medal rate per score (a small municipality
        // without the region's figures).
        let mut per_year: BTreeMap<u16, (usize, u64)> = BTreeMap::new();
        for (&(year, _), grads) in &by_school {
            let e = per_year.entry(year).or_default();
            e.0 += 1;
            e.1 += grads.iter().filter(|g| g.1).count() as u64;
        }
        let thin: std::collections::BTreeSet<(u16, u32)> = (by_school.iter())
            .filter(|((year, _), grads)| {
                let (schools, holders) = per_year[year];
                let own = grads.iter().filter(|g| g.1).count() as u64;
                if published.contains_key(year) {
                    let all: u64 = totals[year].iter().map(|b| b.0).sum();
                    return all.saturating_sub(own) < MIN_OTHER_HOLDERS;
                }
                schools - 1 < MIN_OTHER_SCHOOLS || holders - own < MIN_OTHER_HOLDERS
            })
            .map(|(k, _)| *k)
            .collect();
        by_school.retain(|k, _| !thin.contains(k));
        let schools = (by_school.iter())
            .map(|(&(year, school), grads)| {
                let rates = year_rates(&totals[&year], grads);
                let o = grads.iter().filter(|g| g.1).count() as u64;
                let medals = SchoolMedals {
                    graduates: grads.len(),
                    holders: o,
                    expected: rates.iter().sum(),
                    p: poisson_binomial_upper(&rates, o),
                };
                let variance = rates.iter().map(|r| r * (1.0 - r)).sum::<f64>();
                ((year, school), (medals, variance, rates))
            })
            .collect::<Vec<_>>();
        // The spread beyond the Poisson-binomial, per year.
        let mut by_year: BTreeMap<u16, Vec<(&SchoolMedals, f64)>> = BTreeMap::new();
        for ((year, _), (m, v, _)) in &schools {
            by_year.entry(*year).or_default().push((m, *v));
        }
        let estimated: BTreeMap<u16, f64> = (by_year.into_iter())
            .map(|(year, list)| (year, spread(&list)))
            .collect();
        // The region's spread where published, else the folder's own.
        let mut rhos = estimated.clone();
        for (year, m) in &published {
            if let Some(rho) = m.spread {
                rhos.insert(*year, rho);
            }
        }
        let region = (folder.into_iter())
            .map(|(year, bins)| {
                let spread = estimated.get(&year).copied().unwrap_or(0.0);
                (year, YearMedals { bins, spread })
            })
            .collect();
        // Over the years: the school's counts summed, its Poisson-binomial
        // rates kept for the exact p where no year has a spread.
        let mut sums: BTreeMap<u32, (SchoolMedals, Vec<f64>, f64, usize)> = BTreeMap::new();
        for ((year, school), (m, _, rates)) in &schools {
            let e = sums.entry(*school).or_insert_with(|| {
                let m = SchoolMedals {
                    graduates: 0,
                    holders: 0,
                    expected: 0.0,
                    p: 1.0,
                };
                (m, Vec::new(), 0.0, 0)
            });
            e.1.extend_from_slice(rates);
            e.0.graduates += m.graduates;
            e.0.holders += m.holders;
            e.2 = e.2.max(rhos[year]);
            e.3 += 1;
        }
        let over_years = (sums.into_iter())
            .filter(|(_, e)| e.3 > 1)
            .map(|(school, (mut m, rates, rho, years))| {
                m.expected = rates.iter().sum();
                m.p = poisson_binomial_upper(&rates, m.holders);
                m.p = judged(&m, rho).unwrap_or(m.p);
                (school, (m, years))
            })
            .collect();
        let schools = (schools.into_iter())
            .map(|(key, (mut m, _, _))| {
                m.p = judged(&m, rhos[&key.0]).unwrap_or(m.p);
                (key, m)
            })
            .collect();
        MedalCounts {
            schools,
            years,
            over_years,
            thin,
            region,
        }
    }
}

/// Each graduate's medal rate under the null: the year's rate for its bin
/// with the school's own graduates left out, shrunk by one graduate toward
/// the year's overall rate (module docs).
fn year_rates(t: &[(u64, u64); BINS], grads: &[(usize, bool)]) -> Vec<f64> {
    let (all_m, all_n) = t.iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let mut own = [(0u64, 0u64); BINS];
    for &(bin, held) in grads {
        own[bin].0 += u64::from(held);
        own[bin].1 += 1;
    }
    // Saturating: published figures may fall short of the folder's own.
    let m_out = all_m.saturating_sub(own.iter().map(|x| x.0).sum::<u64>());
    let n_out = all_n.saturating_sub(own.iter().map(|x| x.1).sum::<u64>());
    let overall = if n_out > 0 {
        m_out as f64 / n_out as f64
    } else {
        0.0
    };
    grads
        .iter()
        .map(|&(bin, _)| {
            let m = t[bin].0.saturating_sub(own[bin].0) as f64;
            let n = t[bin].1.saturating_sub(own[bin].1) as f64;
            ((m + overall) / (n + 1.0)).clamp(0.0, 1.0)
        })
        .collect()
}

/// P(O ≥ o) for the beta-binomial (n, E / n, ρ), where ρ > 0.
fn judged(m: &SchoolMedals, rho: f64) -> Option<f64> {
    let share = m.expected / m.graduates as f64;
    (rho > 0.0 && share > 0.0 && share < 1.0).then(|| {
        let size = (1.0 - rho) / rho;
        let bb = BetaBinomial {
            alpha: share * size,
            beta: (1.0 - share) * size,
        };
        bb.sf(m.holders, m.graduates as u64)
    })
}

/// The intra-school correlation ρ of the schools' counts beyond their
/// Poisson-binomial variances `v` (moments; 0 where there is none, at most
/// 0.99).
fn spread(schools: &[(&SchoolMedals, f64)]) -> f64 {
    let (mut excess, mut scale) = (0.0, 0.0);
    for (m, v) in schools {
        let n = m.graduates as f64;
        let share = m.expected / n;
        excess += (m.holders as f64 - m.expected).powi(2) - v;
        scale += n * (n - 1.0) * share * (1.0 - share);
    }
    if scale > 0.0 {
        (excess / scale).clamp(0.0, 0.99)
    } else {
        0.0
    }
}

/// P(O ≥ o) for O the number of successes of independent trials with
/// probabilities `p` (the distribution of O below o by dynamic programming).
pub fn poisson_binomial_upper(p: &[f64], o: u64) -> f64 {
    if o == 0 {
        return 1.0;
    }
    let k = o as usize;
    if k > p.len() {
        return 0.0;
    }
    // below[j] = P(j successes so far), j < o.
    let mut below = vec![0.0; k];
    below[0] = 1.0;
    for &pi in p {
        for j in (0..k).rev() {
            let stay = below[j] * (1.0 - pi);
            let from = if j > 0 { below[j - 1] * pi } else { 0.0 };
            below[j] = stay + from;
        }
    }
    (1.0 - below.iter().sum::<f64>()).clamp(0.0, 1.0)
}

pub struct MedalsAboveResults;

impl Sign for MedalsAboveResults {
    fn id(&self) -> &'static str {
        "S12"
    }
    fn title(&self) -> &'static str {
        "Медалей больше, чем объясняют результаты ЕГЭ"
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            formula: "Выпускники — сдавшие ЕГЭ по русскому языку в году, за который есть medals.csv. Балл выпускника s — меньший из баллов по русскому языку и лучшему другому предмету ЕГЭ (если другого нет — русский язык), группы по 5 баллов. Доля медалистов в группе по региону без этой ОО: r = (M − m + R) / (N − n + 1), R — доля за год. Число медалистов ОО O при объективной выдаче — сумма испытаний с вероятностями r; его разброс между ОО сверх случайного (ОО по-разному строги в отметках) оценивается по всем ОО года, и O считается бета-биномиальным с этим разбросом; p = P(O ≥ o); если у ОО выпускники нескольких лет, O и E O суммируются по годам, а разброс берётся наибольший из её лет. Эффект — за этот год: (o − E O) / число выпускников.",
            statistic: "the school's medal holders among its graduates with EGE Russian results",
            null: "each graduate holds a medal with the region's rate for graduates of the same EGE score (bins of 5 test points), the school left out; beta-binomial with the schools' spread beyond that (moments, per year), Poisson-binomial where there is none",
            rule: "exact upper-tail p; enters the evidence of the school's EGE Russian cell when the excess share of graduates >= medal_min_effect",
            min_sample: "min_works graduates; medals.csv with rows for the year; 10 other schools with graduates and 20 other medal holders in the year",
            compared: "число медалистов ОО — с числом, которого можно ждать по результатам ЕГЭ её выпускников, если бы медали выдавались так же, как в регионе выпускникам с такими же баллами",
            unusual: "медалистов заметно больше, чем объясняют баллы ЕГЭ выпускников: медали получают выпускники с результатами слабее, чем обычно у медалистов",
            needs: "medals.csv и тестовые баллы ЕГЭ тех же выпускников (совпадающие коды участников)",
            reference: "приказ Минпросвещения России от 29.09.2023 № 730; планы мероприятий по обеспечению объективности (анализ объективности выдачи медалей)",
        }
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.medal_min_effect
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        let block = test.block;
        let n_cells = block.cells.len();
        if block.key.exam != Exam::Ege || block.key.subject != "RU" {
            return vec![
                Finding::skipped(
                    "признак проверяет только ячейки ЕГЭ по русскому языку (его сдают все выпускники)"
                );
                n_cells
            ];
        }
        let counts = &test.shared.medals;
        if counts.years.binary_search(&block.key.year).is_err() {
            let note = if counts.years.is_empty() {
                "нет сведений о медалях (medals.csv)"
            } else {
                "нет сведений о медалях за этот год (medals.csv)"
            };
            return vec![Finding::skipped(note); n_cells];
        }
        (0..n_cells)
            .map(|c| {
                let key = (block.key.year, block.cells[c].school);
                if counts.thin.contains(&key) {
                    return Finding::skipped(format!(
                        "за год в данных меньше {MIN_OTHER_SCHOOLS} других ОО с выпускниками или меньше {MIN_OTHER_HOLDERS} медалистов в других ОО: долю медалистов при таких баллах ЕГЭ не из чего оценить"
                    ));
                }
                let Some(m) = counts.schools.get(&key) else {
                    return Finding::skipped("нет тестовых баллов ЕГЭ по русскому языку");
                };
                if m.graduates < cfg.min_works {
                    return Finding::too_small(m.graduates, "выпускников", cfg);
                }
                let effect = (m.holders as f64 - m.expected) / m.graduates as f64;
                let mut reason = format!(
                    "медали у {} из {} выпускников ({}), по результатам ЕГЭ ожидалось {} ({})",
                    m.holders,
                    m.graduates,
                    pct(m.holders as f64 / m.graduates as f64),
                    super::dec(m.expected, 1),
                    pct(m.expected / m.graduates as f64)
                );
                let Some((all, years)) = counts.over_years.get(&key.1) else {
                    return Finding::tested(m.holders as f64, m.p, effect, reason);
                };
                reason += &format!(
                    "; за {years} {} вместе — у {} из {}, ожидалось {}",
                    crate::report::html::plural(*years as u64, ["год", "года", "лет"]),
                    all.holders,
                    all.graduates,
                    super::dec(all.expected, 1)
                );
                let mut f = Finding::tested(m.holders as f64, all.p, effect, reason);
                f.note = format!(
                    "p — по всем годам вместе ({years}): медалистов {} из {}, ожидалось {}",
                    all.holders,
                    all.graduates,
                    super::dec(all.expected, 1)
                );
                f
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_binomial_known_answers() {
        // p = (0.5, 0.5, 0.2), by hand: P(0) = 0.2, P(1) = 0.45, P(2) = 0.3,
        // P(3) = 0.05, so P(O ≥ 2) = 0.35 and P(O ≥ 3) = 0.05.
        let p = [0.5, 0.5, 0.2];
        assert!((poisson_binomial_upper(&p, 2) - 0.35).abs() < 1e-12);
        assert!((poisson_binomial_upper(&p, 3) - 0.05).abs() < 1e-12);
        assert_eq!(poisson_binomial_upper(&p, 0), 1.0);
        assert_eq!(poisson_binomial_upper(&p, 4), 0.0);
        // Equal probabilities: binomial(10, 0.1), P(O ≥ 3) = 0.0701908264
        // (scipy.stats.binom.sf(2, 10, 0.1)).
        assert!((poisson_binomial_upper(&[0.1; 10], 3) - 0.070_190_826_4).abs() < 1e-9);
    }

    #[test]
    fn the_spread_beyond_chance_by_moments() {
        let school = |holders: u64| SchoolMedals {
            graduates: 10,
            holders,
            expected: 2.0,
            p: 1.0,
        };
        let (a, b) = (school(4), school(0));
        // By hand: ((4 − 2)² − 1.5) + ((0 − 2)² − 1.5) = 5 over
        // 2 · 10 · 9 · 0.2 · 0.8 = 28.8: ρ = 0.173611…
        let rho = spread(&[(&a, 1.5), (&b, 1.5)]);
        assert!((rho - 5.0 / 28.8).abs() < 1e-12, "{rho}");
        // Counts closer than chance: no spread.
        let (c, d) = (school(2), school(2));
        assert_eq!(spread(&[(&c, 1.5), (&d, 1.5)]), 0.0);
    }
}
