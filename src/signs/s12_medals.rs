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
//!   mean E = Σ r.
//! * **A municipality against its region**: where reference.csv carries the
//!   region's medal figures for the year (`medal_graduates`, `medal_holders`
//!   per bin, `medal_school_sd`: obektiv's own measures, written by `obektiv
//!   reference`), the bins' counts and τ are the region's, the school's own
//!   graduates taken out of them as above (a region of 600 honest schools
//!   cut into its 40 municipalities, each analysed alone with the region's
//!   file: 1 370 school-years judged, p ≤ 0.05 in 1.8 %, none ≤ 0.01).
//! * **A strong school's graduates** hold medals more often at the same
//!   score: a score measures ability with error, and a pupil's ability
//!   regresses toward the school's mean (Kelley). Each rate is moved on the
//!   logit scale by β (m − m̄), m the school-year's mean score s and m̄ the
//!   year's; β is fitted per year by maximum likelihood over the graduates
//!   as independent ([`crate::stats::random_intercept::fit_slope`]). Without
//!   it, on a simulated region whose honest schools have heavy-tailed
//!   effects (600 schools, 3 years, `--misspecified`), the six smallest
//!   honest p-values were all schools 15–30 points above the region's mean
//!   and 5 of 1 207 honest school-years had p ≤ 0.001.
//! * **Schools differ honestly** (how strictly their teachers mark decides
//!   who has all «5»): a school moves all its graduates' rates together on
//!   the logit scale, rate_j = expit(logit r_j + u), u ~ N(0, τ²), and O is
//!   the Poisson-binomial mixed over u ([`crate::stats::random_intercept`]).
//!   τ is fitted per year to the schools' counts by the interquartile
//!   equation of their randomized probability-integral transforms, which a
//!   few inflating schools hardly move. Measured on a simulated region of
//!   300 schools (3 years, 5 of them giving weak medals): the moment
//!   estimator of a beta-binomial's ρ gave 0.036–0.053 with them and
//!   0.016–0.019 without, so the worst (110 holders of 225 graduates,
//!   29 expected) got p = 0.001; τ is 0.51–0.62 with them or without.
//! * **Statistic**: O, the school's medal holders among its graduates; p =
//!   P(O ≥ o) under the mixture (exact Poisson-binomial where τ = 0); effect
//!   = (o − E) / graduates.
//! * **The school's own marks**: a medal follows a graduate's final marks,
//!   so a school that marks leniently has more holders at the same EGE
//!   scores — and its graduates' annual marks in the EGE subjects show how
//!   leniently it marks. Its marking L = the mean, over the school-year's EGE
//!   works with an annual mark and a test score, of (mark − the folder's mean
//!   mark of the same test and year at the same bin of 5 points); schools
//!   with at least [`MIN_MARKED_WORKS`] such works have one. Where more than
//!   10 schools of the year have it, their rates are moved by
//!   α + β (m − m̄) + γ L instead, α, β and γ fitted together per year by
//!   maximum likelihood ([`crate::stats::random_intercept::fit_slopes`]),
//!   and their τ is fitted over every school-year judged so, the years
//!   together (what the marks leave is small and one year's schools estimate
//!   it poorly). α is near 0 in a whole region (the rates are its own); in a
//!   municipality judged with the region's rates (reference.csv) it takes up
//!   how far the municipality's medals lie from the region's at the same
//!   scores, and the municipality's own τ replaces the region's there.
//!   Where reference.csv also gives the region's model with the marks
//!   (`medal_model`: α, β, γ, the year's mean score m̄ and τ with the marks)
//!   and its mean annual marks per EGE test and bin (`annual_mark`), a
//!   municipality's school with marks is judged with them, however few of
//!   its schools have marks: L against the region's marks, the rates moved
//!   by α + β (m − m̄) + γ L with the region's figures, the region's τ. Its
//!   expected holders and p are then those of the region's own analysis
//!   (the same rates, the school's graduates left out of the same counts).
//!   Without them a municipality with 10 schools with marks or fewer (most
//!   rural districts: 1–7 of 4–20 schools in a simulated region of 300)
//!   judges every school by its level alone, with the region's τ without
//!   the marks. `evaluate --municipal --years 3 --standard-only` (5 seeds):
//!   weak_medals cells marked .231 / .615 → .308 / .769 at moderate /
//!   strong (13 cells), honest cells marked 80 → 80, honest school-years
//!   listed 33 → 33 of 12 057.
//!   On simulated regions (300 schools, 3 years, 12 seeds) τ was 0.37–0.71
//!   without the marks and 0–0.35 with them, γ 4.0–5.1 per mark; a Poisson
//!   random-effects fit of the holders (maximum likelihood, outside obektiv)
//!   put τ at 0.22 without L and 0 with it: the spread the list paid for was
//!   the schools' marking. A school that raises its graduates' final marks to
//!   give them medals raises L a little (a few works among its graduates'
//!   works) and shows in S6b (marks above the exam); S12 sees medals beyond
//!   both the results and the school's marking. Schools without marks keep
//!   the rates moved by the level alone and the year's τ (the region's, where
//!   reference.csv gives it). `evaluate --municipal --years 3` (5 seeds, each
//!   municipality with the region's reference.csv): weak_medals cells marked
//!   .077 / .462 → .231 / .615 at moderate / strong, S12's honest cells
//!   marked 3 → 0.
//! * **Each year on its own** (without the marks): τ is fitted on the year's
//!   schools, so it holds a school's lasting leniency as well as the year's;
//!   the year's p is valid whatever the other years were. The school's years
//!   together (holders, graduates, expected) are shown beside it, not
//!   tested: judged with one u over its years at that τ, a school that
//!   inflates every year is read as a lenient one (110 holders of 225
//!   graduates over three years, 28.8 expected: p = 1.4·10⁻⁶ together,
//!   2·10⁻⁶ to 8·10⁻⁵ each year; one that inflated two years of three: 10⁻³
//!   together, 5·10⁻⁶ in its worst year).
//! * **The years together** (with the marks, a school judged so in two years
//!   or more): its holders over those years against all their rates with one
//!   u ~ N(0, τ²) for every year — exact where what the marks leave lasts,
//!   conservative where it changes from year to year (L's own sampling
//!   error does) — and p = min(1, 2 min(p of the year, p together)), the
//!   years together counted only in a year with more holders than expected
//!   (Bonferroni over the two: valid whichever holds). 20 simulated regions
//!   (300 schools, 3 years): `weak_medals` cells marked at strong .262 with
//!   the year alone and the level alone, .400 with the marks, .662 with the
//!   years together; honest cells marked by S12: 0 in each.
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

use crate::load::reference::{MarksModel, MedalReference};
use crate::model::{Dataset, Exam, NO_MARK, NO_TEST_SCORE, TestKey};
use crate::stats::random_intercept;

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
    /// Judged with the school's marks (module docs).
    pub marks: bool,
    /// Where p is the smaller of the year's and the years' together,
    /// doubled: how many years.
    pub pooled: Option<usize>,
}

/// Per (year, school) with graduates, in years with medals.
#[derive(Clone, Debug, Default)]
pub struct MedalCounts {
    pub schools: BTreeMap<(u16, u32), SchoolMedals>,
    /// Years with rows in medals.csv.
    pub years: Vec<u16>,
    /// Per school with graduates in more than one of those years: its
    /// school-years summed (shown, not tested).
    pub over_years: BTreeMap<u32, YearsTogether>,
    /// School-years with graduates but fewer than [`MIN_OTHER_SCHOOLS`] other
    /// schools or [`MIN_OTHER_HOLDERS`] other holders in the year: not judged.
    pub thin: std::collections::BTreeSet<(u16, u32)>,
    /// Per year, the folder's own figures (for `obektiv reference`).
    pub region: BTreeMap<u16, YearMedals>,
}

/// A school's graduates, medal holders and expected holders over its years.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct YearsTogether {
    pub graduates: usize,
    pub holders: u64,
    pub expected: f64,
    pub years: usize,
}

/// A year's graduates and holders per score bin and the schools' spread.
#[derive(Clone, Debug, PartialEq)]
pub struct YearMedals {
    /// Per bin of [`BIN`] test points: (holders, graduates).
    pub bins: [(u64, u64); BINS],
    /// τ, the schools' SD on the logit scale beyond the Poisson-binomial.
    pub tau: f64,
    /// The model with the schools' marks, where the folder fitted its own
    /// for the year.
    pub model: Option<MarksModel>,
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
        // (year, school, student's code) → (Russian, best other). By the code
        // itself: a row's index into the codes is its own, never shared with
        // the same pupil's other subjects.
        let mut scores: BTreeMap<(u16, u32, &str), Scores> = BTreeMap::new();
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
                    let student = data.codes.get(b.student[row]);
                    let e = (scores.entry((b.key.year, span.school, student))).or_default();
                    if russian {
                        e.0 = e.0.max(Some(t));
                    } else {
                        e.1 = e.1.max(Some(t));
                    }
                }
            }
        }
        let marks = marking(data, &years);
        let holders: std::collections::BTreeSet<(u16, u32, &str)> = (data.medals.iter())
            .map(|m| (m.year, m.school, m.student.as_str()))
            .collect();
        // Per school-year: (bin, holder) of each graduate, and the sum of
        // their scores.
        let mut by_school: BTreeMap<(u16, u32), Vec<(usize, bool)>> = BTreeMap::new();
        let mut score_sums: BTreeMap<(u16, u32), f64> = BTreeMap::new();
        for (&(year, school, student), &(russian, other)) in &scores {
            let Some(russian) = russian else { continue };
            let s = other.map_or(russian, |o| o.min(russian));
            let held = holders.contains(&(year, school, student));
            (by_school.entry((year, school)).or_default())
                .push((usize::from(s / BIN).min(BINS - 1), held));
            *score_sums.entry((year, school)).or_default() += f64::from(s);
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
        // The region's model with the marks, where published: a school of
        // the municipality with marks is then judged with the region's
        // offset, slopes, mean score and spread, as the region's own
        // analysis judges it, however few of its schools have marks.
        let models: BTreeMap<u16, MarksModel> = (published.iter())
            .filter_map(|(&year, m)| Some((year, m.model?)))
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
        // The school's level: its graduates' mean score against the year's.
        let mut year_means: BTreeMap<u16, (f64, f64)> = BTreeMap::new();
        for (&(year, school), grads) in &by_school {
            let e = year_means.entry(year).or_default();
            e.0 += score_sums[&(year, school)];
            e.1 += grads.len() as f64;
        }
        let schools = (by_school.iter())
            .map(|(&(year, school), grads)| {
                let rates = year_rates(&totals[&year], grads);
                let o = grads.iter().filter(|g| g.1).count() as u64;
                let medals = SchoolMedals {
                    graduates: grads.len(),
                    holders: o,
                    expected: 0.0,
                    p: 1.0,
                    marks: false,
                    pooled: None,
                };
                let (sum, n) = year_means[&year];
                let level = score_sums[&(year, school)] / grads.len() as f64 - sum / n;
                let leniency = marks.get(&(year, school)).copied();
                ((year, school), (medals, rates, level, leniency))
            })
            .collect::<Vec<_>>();
        // Per year, the model with the school's marks where enough schools
        // have them, and the model without them for the schools that do not.
        let mut with_marks: BTreeMap<u16, usize> = BTreeMap::new();
        for ((year, _), (.., leniency)) in &schools {
            *with_marks.entry(*year).or_default() += usize::from(leniency.is_some());
        }
        // With the marks the folder fits its own offset, slopes and spread,
        // also where the rates per score are the region's (reference.csv):
        // the offset takes up how far a municipality's medals lie from the
        // region's at the same scores.
        let marked = |year: u16, leniency: Option<f64>| {
            let enough = with_marks.get(&year).copied().unwrap_or(0) > MIN_OTHER_SCHOOLS;
            leniency.filter(|_| enough || models.contains_key(&year))
        };
        // The slopes: on the level alone (every school), and on the level
        // and the marks (the schools with marks), per year.
        let mut for_level: BTreeMap<u16, Vec<random_intercept::Leveled>> = BTreeMap::new();
        let mut for_both: BTreeMap<u16, Vec<random_intercept::Covariates<3>>> = BTreeMap::new();
        for ((year, _), (m, rates, level, leniency)) in &schools {
            (for_level.entry(*year).or_default()).push((rates.as_slice(), m.holders, *level));
            if let Some(l) = marked(*year, *leniency).filter(|_| !models.contains_key(year)) {
                (for_both.entry(*year).or_default()).push((
                    rates.as_slice(),
                    m.holders,
                    [1.0, *level, l],
                ));
            }
        }
        let level_slopes: BTreeMap<u16, f64> = (for_level.into_iter())
            .map(|(year, list)| (year, random_intercept::fit_slope(&list)))
            .collect();
        let both_slopes: BTreeMap<u16, [f64; 3]> = (for_both.into_iter())
            .map(|(year, list)| (year, random_intercept::fit_slopes(&list)))
            .collect();
        // Each school's rates moved by the level alone, and by the level and
        // its marks where it is judged with them (the region's model where
        // published: its level against the region's mean score).
        let schools: Vec<_> = (schools.into_iter())
            .map(|((year, school), (mut m, rates, level, leniency))| {
                let by_level = random_intercept::shifted(&rates, level_slopes[&year] * level);
                let by_marks = marked(year, leniency).map(|l| {
                    let shift = match models.get(&year) {
                        Some(r) => {
                            let (sum, n) = year_means[&year];
                            let mean = level + sum / n;
                            r.alpha + r.beta * (mean - r.mean_score) + r.gamma * l
                        }
                        None => {
                            let [a, b, g] = both_slopes[&year];
                            a + b * level + g * l
                        }
                    };
                    random_intercept::shifted(&rates, shift)
                });
                m.expected = by_marks.as_ref().unwrap_or(&by_level).iter().sum();
                ((year, school), (m, by_level, by_marks))
            })
            .collect();
        // The schools' spread on the logit scale: without the marks per year
        // over every school (as published in reference.csv); with them over
        // every school-year judged with them, the years together (what the
        // marks leave is smaller and one year's schools estimate it poorly).
        let mut by_year: BTreeMap<u16, Vec<(&[f64], u64)>> = BTreeMap::new();
        let mut with: Vec<(&[f64], u64)> = Vec::new();
        for ((year, _), (m, by_level, by_marks)) in &schools {
            (by_year.entry(*year).or_default()).push((by_level.as_slice(), m.holders));
            if let Some(r) = by_marks.as_ref().filter(|_| !models.contains_key(year)) {
                with.push((r.as_slice(), m.holders));
            }
        }
        let estimated: BTreeMap<u16, f64> = (by_year.into_iter())
            .map(|(year, list)| (year, random_intercept::fit_tau(&list)))
            .collect();
        let own_tau_marks = random_intercept::fit_tau(&with);
        let tau_marks = |year: u16| models.get(&year).map_or(own_tau_marks, |r| r.tau);
        // The region's spread where published, else the folder's own.
        let mut taus = estimated.clone();
        for (year, m) in &published {
            if let Some(tau) = m.tau {
                taus.insert(*year, tau);
            }
        }
        let region = (folder.into_iter())
            .map(|(year, bins)| {
                let tau = estimated.get(&year).copied().unwrap_or(0.0);
                let model = both_slopes.get(&year).map(|&[alpha, beta, gamma]| {
                    let (sum, n) = year_means[&year];
                    MarksModel {
                        alpha,
                        beta,
                        gamma,
                        mean_score: sum / n,
                        tau: own_tau_marks,
                    }
                });
                (year, YearMedals { bins, tau, model })
            })
            .collect();
        // Over the years: the school's counts summed.
        let mut over_years: BTreeMap<u32, YearsTogether> = BTreeMap::new();
        for ((_, school), (m, ..)) in &schools {
            let e = over_years.entry(*school).or_default();
            e.graduates += m.graduates;
            e.holders += m.holders;
            e.expected += m.expected;
            e.years += 1;
        }
        over_years.retain(|_, e| e.years > 1);
        // Over the years, with the marks: one count against the school's
        // rates of every year judged with them, one u for all its years.
        // The spread of the years together: the largest of their years' (the
        // region's where published, else the folder's; the same figure where
        // every year is one or the other).
        let mut pooled: BTreeMap<u32, (Vec<f64>, u64, usize, f64)> = BTreeMap::new();
        for ((year, school), (m, _, by_marks)) in &schools {
            if let Some(r) = by_marks {
                let e = pooled.entry(*school).or_default();
                e.0.extend_from_slice(r);
                e.1 += m.holders;
                e.2 += 1;
                e.3 = e.3.max(tau_marks(*year));
            }
        }
        let pooled: BTreeMap<u32, (f64, usize)> = (pooled.into_iter())
            .filter(|(_, (_, _, years, _))| *years > 1)
            .map(|(school, (rates, o, years, tau))| {
                (school, (random_intercept::sf(&rates, o, tau), years))
            })
            .collect();
        let schools = (schools.into_iter())
            .map(|(key, (mut m, by_level, by_marks))| {
                m.marks = by_marks.is_some();
                m.p = match by_marks {
                    Some(rates) => {
                        let year = random_intercept::sf(&rates, m.holders, tau_marks(key.0));
                        match pooled.get(&key.1) {
                            Some(&(together, years)) => {
                                let excess = m.holders as f64 > m.expected;
                                let together = if excess { together } else { 1.0 };
                                m.pooled = Some(years);
                                (2.0 * year.min(together)).min(1.0)
                            }
                            None => year,
                        }
                    }
                    None => random_intercept::sf(&by_level, m.holders, taus[&key.0]),
                };
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

/// Fewest EGE works with an annual mark for a school-year's marking.
pub const MIN_MARKED_WORKS: u32 = 10;

/// Per school-year in `years`, how far its annual marks in the EGE subjects
/// lie above the folder's marks at the same test score: the mean over its
/// EGE works with an annual mark and a test score of (mark − the mean mark
/// of the year's works of the same test and bin of [`BIN`] points), where
/// the school-year has at least [`MIN_MARKED_WORKS`] such works. Where
/// reference.csv gives the region's mean marks of a test (`annual_mark`),
/// the marks are set against the region's (a bin it does not give, against
/// the folder's).
fn marking(data: &Dataset, years: &[u16]) -> BTreeMap<(u16, u32), f64> {
    let mut sums: BTreeMap<(u16, u32), (f64, u32)> = BTreeMap::new();
    for b in (data.tests.iter())
        .filter(|b| b.key.exam == Exam::Ege && years.binary_search(&b.key.year).is_ok())
    {
        let bins = mark_bins(b);
        let published = (data.reference.region.get(&b.key)).map(|r| &r.annual_marks);
        let mean = |bin: usize| {
            let lower = (bin as u8).saturating_mul(BIN);
            (published.and_then(|p| p.get(&lower).copied()))
                .unwrap_or(bins[bin].0 / f64::from(bins[bin].1))
        };
        for span in &b.cells {
            let e = sums.entry((b.key.year, span.school)).or_default();
            for (bin, j) in (span.start as usize..span.end as usize).filter_map(|r| marked(b, r)) {
                e.0 += f64::from(j) - mean(bin);
                e.1 += 1;
            }
        }
    }
    (sums.into_iter())
        .filter(|(_, (_, n))| *n >= MIN_MARKED_WORKS)
        .map(|(k, (sum, n))| (k, sum / f64::from(n)))
        .collect()
}

/// A work's (bin of [`BIN`] test points, annual mark), where it has both.
fn marked(b: &crate::model::TestBlock, row: usize) -> Option<(usize, u8)> {
    let (t, j) = (b.test_score[row], b.journal[row]);
    (t != NO_TEST_SCORE && j != NO_MARK).then(|| (usize::from(t / BIN).min(BINS - 1), j))
}

/// A test's (sum of annual marks, works) per bin of [`BIN`] test points.
fn mark_bins(b: &crate::model::TestBlock) -> [(f64, u32); BINS] {
    let mut bins = [(0.0, 0u32); BINS];
    for (bin, j) in (0..b.journal.len()).filter_map(|r| marked(b, r)) {
        bins[bin].0 += f64::from(j);
        bins[bin].1 += 1;
    }
    bins
}

/// Per EGE test of a year with medals.csv: the folder's mean annual mark per
/// bin of [`BIN`] test points (the bin's lower bound, the mean), for
/// `obektiv reference`.
pub fn annual_mark_means(data: &Dataset) -> Vec<(&TestKey, Vec<(u8, f64)>)> {
    let years: std::collections::BTreeSet<u16> = data.medals.iter().map(|m| m.year).collect();
    (data.tests.iter())
        .filter(|b| b.key.exam == Exam::Ege && years.contains(&b.key.year))
        .map(|b| {
            let means = (mark_bins(b).iter().enumerate())
                .filter(|(_, (_, n))| *n > 0)
                .map(|(bin, (sum, n))| (bin as u8 * BIN, sum / f64::from(*n)))
                .collect();
            (&b.key, means)
        })
        .filter(|(_, means): &(_, Vec<_>)| !means.is_empty())
        .collect()
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
            formula: "Выпускники — сдавшие ЕГЭ по русскому языку в году, за который есть medals.csv. Балл выпускника s — меньший из баллов по русскому языку и лучшему другому предмету ЕГЭ (если другого нет — русский язык), группы по 5 баллов. Доля медалистов в группе по региону без этой ОО: r = (M − m + R) / (N − n + 1), R — доля за год. С тем же баллом выпускник сильной ОО чаще получает медаль (балл измеряет подготовку с ошибкой), поэтому вероятности сдвигаются по логит-шкале на β · (m − m̄), где m — средний балл s выпускников ОО, m̄ — всех выпускников года, а β оценивается по всем выпускникам года. Число медалистов ОО O при объективной выдаче — сумма испытаний с этими вероятностями. ОО по-разному строги в отметках: в каждой ОО вероятности всех выпускников сдвинуты на одну величину u по логит-шкале, u распределено нормально со стандартным отклонением τ; τ оценивается по всем ОО года так, чтобы у половины ОО число медалистов лежало между квартилями своего распределения (несколько ОО с очень большим числом медалистов оценку почти не меняют). p = P(O ≥ o) при таком разбросе, за каждый год отдельно (если у ОО выпускники нескольких лет, их числа за все годы вместе показаны рядом). Медаль следует за итоговыми отметками, поэтому учитывается и строгость отметок самой ОО: L — насколько годовые отметки её выпускников по предметам ЕГЭ в среднем выше отметок выпускников региона с теми же баллами (нужно не меньше 10 таких работ ОО за год и больше 10 таких ОО за год). Тогда вероятности сдвигаются на α + β · (m − m̄) + γ · L, α, β и γ оцениваются вместе по всем выпускникам года (α нужен муниципалитету, который сравнивается с регионом по reference.csv: медалей при тех же баллах в нём в целом может быть больше или меньше, чем в регионе), τ — по всем таким ОО за все годы вместе, а если таких лет у ОО два или больше, p — меньшее из p за этот год и p за все эти годы вместе (с одним сдвигом u на все годы; учитывается, только если в этом году медалистов больше ожидаемого), умноженное на 2. Если в reference.csv есть и модель региона с годовыми отметками, L отсчитывается от средних годовых отметок региона, а α, β, γ, m̄ и τ берутся из этой модели: ОО муниципалитета оценивается так же, как в анализе всего региона, сколько бы ОО муниципалитета ни имели годовые отметки. Эффект — за этот год: (o − E O) / число выпускников.",
            statistic: "the school's medal holders among its graduates with EGE Russian results",
            null: "each graduate holds a medal with the region's rate for graduates of the same EGE score (bins of 5 test points), the school left out, moved on the logit scale by the year's slope on the school's mean score (and on its marking, where its graduates' annual marks are known); mixed over a school's normal shift on the logit scale with SD τ fitted by the interquartile equation of the randomized PITs (per year; the years together for the schools judged with their marking), Poisson-binomial where τ = 0; with the marking and two years or more, twice the smaller of the year's p and the years' together",
            rule: "exact upper-tail p; enters the evidence of the school's EGE Russian cell when the excess share of graduates >= medal_min_effect",
            min_sample: "min_works graduates; medals.csv with rows for the year; 10 other schools with graduates and 20 other medal holders in the year",
            compared: "число медалистов ОО — с числом, которого можно ждать по результатам ЕГЭ её выпускников, если бы медали выдавались так же, как в регионе выпускникам с такими же баллами из ОО с таким же средним баллом (и, если известны годовые отметки, с такой же строгостью отметок)",
            unusual: "медалистов заметно больше, чем объясняют баллы ЕГЭ выпускников: медали получают выпускники с результатами слабее, чем обычно у медалистов",
            needs: "medals.csv и тестовые баллы ЕГЭ тех же выпускников (совпадающие коды участников); годовые отметки в работах ЕГЭ, если они есть, делают сравнение точнее",
            reference: "приказ Минпросвещения России от 29.09.2023 № 730; планы мероприятий по обеспечению объективности (анализ объективности выдачи медалей)",
        }
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.medal_min_effect
    }
    fn per_school(&self) -> bool {
        true
    }
    fn null_of_its_own(&self) -> bool {
        true
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
                    "медали у {} из {} выпускников ({}), по результатам ЕГЭ{} ожидалось {} ({})",
                    m.holders,
                    m.graduates,
                    pct(m.holders as f64 / m.graduates as f64),
                    if m.marks {
                        " и строгости годовых отметок ОО"
                    } else {
                        ""
                    },
                    super::dec(m.expected, 1),
                    pct(m.expected / m.graduates as f64)
                );
                let Some(all) = counts.over_years.get(&key.1) else {
                    return Finding::tested(m.holders as f64, m.p, effect, reason);
                };
                let years = format!(
                    "за {} {} вместе",
                    all.years,
                    crate::report::html::plural(all.years as u64, ["год", "года", "лет"])
                );
                let (holders, graduates) = (all.holders, all.graduates);
                let expected = super::dec(all.expected, 1);
                reason += &format!("; {years} — у {holders} из {graduates}, ожидалось {expected}");
                let mut f = Finding::tested(m.holders as f64, m.p, effect, reason);
                let p = match m.pooled {
                    Some(n) => format!(
                        "p — меньшее из p за этот год и за {n} {} вместе, умноженное на 2",
                        crate::report::html::plural(n as u64, ["год", "года", "лет"])
                    ),
                    None => "p — за этот год".to_owned(),
                };
                f.note = format!(
                    "{years}: медалистов {holders} из {graduates}, ожидалось {expected}; {p}"
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
    fn a_medal_rate_leaves_the_school_out_and_shrinks_by_one_graduate() {
        // By hand: bin 2 has 4 holders of 10 graduates in the year, 1 of 3
        // of them the school's; the year 10 of 100, 1 of 3 the school's, so
        // R = 9 / 97 and r = (4 − 1 + 9/97) / (10 − 3 + 1) = 0.386597…
        let mut t = [(0u64, 0u64); BINS];
        t[2] = (4, 10);
        t[5] = (6, 90);
        let grads = [(2, true), (2, false), (2, false)];
        let r = year_rates(&t, &grads);
        assert!((r[0] - (3.0 + 9.0 / 97.0) / 8.0).abs() < 1e-12, "{}", r[0]);
    }
}
