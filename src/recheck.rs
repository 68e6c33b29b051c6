//! The re-check loop: works re-scored by an independent commission
//! (`recheck.csv`) compared with the original scores.
//!
//! * **Per work**: matched on (year, exam, subject, grade, school, student);
//!   the change of the primary score (re-check − original) and of the mark.
//!   Re-check rows that match no work are listed, never dropped.
//! * **Per school and year**: the *drop* of a work is (original − re-check) /
//!   the test's maximum, so that tests of different length can be pooled; the
//!   school's mean drop gets a 95 % confidence interval from Student's t with
//!   n − 1 degrees of freedom. Inflation counts as *found* when the lower bound
//!   is above 0 and the mean drop is at least `recheck_min_drop` (a re-scorer's
//!   honest disagreement is symmetric around 0, so a positive lower bound is
//!   the one-sided 2.5 % test of "no inflation"). For a school with signs this
//!   says whether the re-check confirmed them; re-scoring can confirm only the
//!   signs of lenient scoring (cut-off bunching, exam marks fitted to the
//!   journal, inflation) — copying, dictation or a lenient journal leave the
//!   scores as written. For a school with signs, the same rule applied to the
//!   works of its cells with signs says whether the signs were *confirmed*.
//! * **Per stratum of the sample**: the schools' mean drops averaged (each
//!   school one observation) with a t interval over schools, the share of
//!   works whose mark changed, and the share of schools with inflation found;
//!   each stratum is compared with the random control stratum by the
//!   difference of mean drops with a Welch interval. The risk stratum's share
//!   of schools with inflation found is the measured precision of the list;
//!   the random stratum's share is the region's base rate.
//!
//! Reference: Jacob B.A., Levitt S.D. (2003) Rotten apples. QJE 118(3) — the
//! retest design; Welch B.L. (1947) Biometrika 34.

use std::collections::{BTreeMap, HashMap};

use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::model::{Dataset, NO_MARK, TestBlock, TestKey};
use crate::risk::CellVerdict;
use crate::sample::{Sample, SampleConfig, Stratum, WorkReason};

/// One matched work.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkChange {
    pub test: usize,
    pub row: usize,
    pub school: u32,
    pub primary_before: f32,
    pub primary_after: f32,
    /// (before − after) / maximum.
    pub drop: f64,
    pub mark_before: u8,
    pub mark_after: u8,
    pub stratum: Option<Stratum>,
    pub reason: Option<WorkReason>,
    /// Whether the work's cell has signs.
    pub in_marked_cell: bool,
}

/// A re-check row that matches no work.
#[derive(Clone, Debug, PartialEq)]
pub struct Unmatched {
    pub key: TestKey,
    pub school: u32,
    pub student: String,
    pub reason: String,
}

/// A mean with its 95 % interval (`None` bounds when n < 2).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Estimate {
    pub n: usize,
    pub mean: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SchoolRecheck {
    pub year: u16,
    pub school: u32,
    pub stratum: Option<Stratum>,
    pub drop: Estimate,
    /// The drop over the works of the school's cells with signs.
    pub drop_marked: Option<Estimate>,
    pub points_before: f64,
    pub points_after: f64,
    pub marks_changed: f64,
    pub marks_lowered: f64,
    pub had_signs: bool,
    pub inflation_found: bool,
    /// For a school with signs and at least 2 re-checked works in its cells
    /// with signs: whether inflation was found in those works.
    pub signs_confirmed: Option<bool>,
    pub verdict: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StratumRecheck {
    /// `None`: schools re-checked outside the sample.
    pub stratum: Option<Stratum>,
    pub schools: usize,
    pub works: usize,
    /// Mean over schools of their mean drop.
    pub drop: Estimate,
    /// Pooled mean drop of the works drawn at random inside the schools.
    pub drop_random_works: Option<f64>,
    pub marks_changed: f64,
    pub schools_found: usize,
    /// Schools with signs whose marked-cell works could be judged, and of
    /// them those with the signs confirmed.
    pub schools_judged: usize,
    pub signs_confirmed: usize,
    /// This stratum's mean drop minus the random stratum's (Welch interval).
    pub vs_random: Option<Estimate>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recheck {
    pub works: Vec<WorkChange>,
    pub unmatched: Vec<Unmatched>,
    pub schools: Vec<SchoolRecheck>,
    pub strata: Vec<StratumRecheck>,
    /// Works of the sample with no row in recheck.csv.
    pub not_rechecked: usize,
    /// Re-checked works outside the sample (another draw, or the
    /// commission's own choice).
    pub outside_sample: usize,
}

fn t_quantile(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

/// Mean with a t interval.
pub fn mean_ci(x: &[f64]) -> Estimate {
    let n = x.len();
    if n == 0 {
        return Estimate::default();
    }
    let mean = x.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Estimate {
            n,
            mean,
            low: None,
            high: None,
        };
    }
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let half = t_quantile(n - 1) * (var / n as f64).sqrt();
    Estimate {
        n,
        mean,
        low: Some(mean - half),
        high: Some(mean + half),
    }
}

/// Difference of means a − b with the Welch–Satterthwaite interval.
pub fn welch_diff(a: &[f64], b: &[f64]) -> Option<Estimate> {
    if a.len() < 2 || b.len() < 2 {
        return None;
    }
    let (ea, eb) = (mean_ci(a), mean_ci(b));
    let var =
        |x: &[f64], m: f64| x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64;
    let (sa, sb) = (
        var(a, ea.mean) / a.len() as f64,
        var(b, eb.mean) / b.len() as f64,
    );
    let se2 = sa + sb;
    let mean = ea.mean - eb.mean;
    if se2 <= 0.0 {
        return Some(Estimate {
            n: a.len() + b.len(),
            mean,
            low: Some(mean),
            high: Some(mean),
        });
    }
    let df = se2 * se2 / (sa * sa / (a.len() - 1) as f64 + sb * sb / (b.len() - 1) as f64);
    let q = StudentsT::new(0.0, 1.0, df)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN);
    let half = q * se2.sqrt();
    Some(Estimate {
        n: a.len() + b.len(),
        mean,
        low: Some(mean - half),
        high: Some(mean + half),
    })
}

fn max_of(block: &TestBlock) -> f64 {
    block
        .max_primary()
        .map(f64::from)
        .unwrap_or_else(|| block.primary.iter().copied().fold(0.0f32, f32::max).into())
        .max(1.0)
}

fn pct1(x: f64) -> String {
    crate::report::html::num(x * 100.0, 1)
}

/// Matches `data.recheck` with the works; `None` when nothing was re-checked.
pub fn analyze(
    data: &Dataset,
    verdicts: &[CellVerdict],
    sample: Option<&Sample>,
    cfg: &SampleConfig,
) -> Option<Recheck> {
    if data.recheck.is_empty() {
        return None;
    }
    let mut out = Recheck::default();
    let drawn: HashMap<(usize, usize), (Stratum, WorkReason)> = sample
        .map(|s| {
            s.works
                .iter()
                .map(|w| ((w.test, w.row), (w.stratum, w.reason)))
                .collect()
        })
        .unwrap_or_default();
    let stratum_of: HashMap<(u16, u32), Stratum> = sample
        .map(|s| {
            s.schools
                .iter()
                .filter(|x| x.stratum != Stratum::Excluded)
                .map(|x| ((s.year, x.school), x.stratum))
                .collect()
        })
        .unwrap_or_default();
    let mut offset = Vec::with_capacity(data.tests.len());
    let mut acc = 0usize;
    for b in &data.tests {
        offset.push(acc);
        acc += b.cells.len();
    }
    let marked = |t: usize, row: usize| {
        let c = data.tests[t]
            .cells
            .partition_point(|s| (s.end as usize) <= row);
        verdicts.get(offset[t] + c).is_some_and(|v| v.marker)
    };
    for rb in &data.recheck {
        let Ok(t) = data.tests.binary_search_by(|b| b.key.cmp(&rb.key)) else {
            for span in &rb.cells {
                for r in span.start..span.end {
                    out.unmatched.push(Unmatched {
                        key: rb.key.clone(),
                        school: span.school,
                        student: data.codes.get(rb.student[r as usize]).to_owned(),
                        reason: "в результатах нет такой процедуры (год, экзамен, предмет, класс)"
                            .into(),
                    });
                }
            }
            continue;
        };
        let block = &data.tests[t];
        let max = max_of(block);
        // A school's works by code; a code given in several classes (pupils
        // numbered in each class anew) is told apart by the class.
        let mut rows: HashMap<(u32, &str), Vec<usize>> = HashMap::new();
        for span in &block.cells {
            for r in span.start as usize..span.end as usize {
                let code = data.codes.get(block.student[r]);
                rows.entry((span.school, code)).or_default().push(r);
            }
        }
        let class = |of: &TestBlock, r: usize| data.codes.get(of.class[r]);
        for span in &rb.cells {
            for r in span.start as usize..span.end as usize {
                let student = data.codes.get(rb.student[r]);
                let found = rows
                    .get(&(span.school, student))
                    .and_then(|rs| match rs[..] {
                        [one] => Some(one),
                        _ => rs
                            .iter()
                            .copied()
                            .find(|&x| class(block, x) == class(rb, r)),
                    });
                let Some(row) = found else {
                    out.unmatched.push(Unmatched {
                        key: rb.key.clone(),
                        school: span.school,
                        student: student.to_owned(),
                        reason:
                            "работа с таким кодом участника в этой школе не найдена в результатах"
                                .into(),
                    });
                    continue;
                };
                let (before, after) = (block.primary[row], rb.primary[r]);
                // A commission's marks alone (no scores): the change of the
                // score, which the verdicts are about, cannot be told.
                if before.is_nan() || after.is_nan() {
                    out.unmatched.push(Unmatched {
                        key: rb.key.clone(),
                        school: span.school,
                        student: student.to_owned(),
                        reason: format!(
                            "нет первичного балла {}: изменение балла не посчитать",
                            if after.is_nan() {
                                "в перепроверке"
                            } else {
                                "в результатах"
                            }
                        ),
                    });
                    continue;
                }
                let drawn = drawn.get(&(t, row));
                out.works.push(WorkChange {
                    test: t,
                    row,
                    school: span.school,
                    primary_before: before,
                    primary_after: after,
                    drop: f64::from(before - after) / max,
                    mark_before: block.mark[row],
                    mark_after: rb.mark[r],
                    stratum: drawn
                        .map(|d| d.0)
                        .or_else(|| stratum_of.get(&(block.key.year, span.school)).copied()),
                    reason: drawn.map(|d| d.1),
                    in_marked_cell: marked(t, row),
                });
            }
        }
    }
    out.works.sort_by_key(|w| (w.test, w.row));
    let rechecked: std::collections::HashSet<(usize, usize)> =
        out.works.iter().map(|w| (w.test, w.row)).collect();
    out.not_rechecked = drawn.keys().filter(|k| !rechecked.contains(k)).count();
    out.outside_sample = rechecked.iter().filter(|k| !drawn.contains_key(k)).count();
    out.schools = schools(data, verdicts, &out.works, &stratum_of, cfg);
    out.strata = strata(&out.schools, &out.works, data);
    Some(out)
}

fn marked_school_years(
    data: &Dataset,
    verdicts: &[CellVerdict],
) -> std::collections::BTreeSet<(u16, u32)> {
    data.cell_index()
        .iter()
        .zip(verdicts)
        .filter(|(_, v)| v.marker)
        .map(|(&(t, c), _)| (data.tests[t].key.year, data.tests[t].cells[c].school))
        .collect()
}

fn schools(
    data: &Dataset,
    verdicts: &[CellVerdict],
    works: &[WorkChange],
    stratum_of: &HashMap<(u16, u32), Stratum>,
    cfg: &SampleConfig,
) -> Vec<SchoolRecheck> {
    let marked = marked_school_years(data, verdicts);
    let mut groups: BTreeMap<(u16, u32), Vec<&WorkChange>> = BTreeMap::new();
    for w in works {
        groups
            .entry((data.tests[w.test].key.year, w.school))
            .or_default()
            .push(w);
    }
    groups
        .into_iter()
        .map(|((year, school), ws)| {
            let drops: Vec<f64> = ws.iter().map(|w| w.drop).collect();
            let drop = mean_ci(&drops);
            let with_marks: Vec<&&WorkChange> = ws
                .iter()
                .filter(|w| w.mark_before != NO_MARK && w.mark_after != NO_MARK)
                .collect();
            let share = |f: &dyn Fn(&WorkChange) -> bool| {
                if with_marks.is_empty() {
                    0.0
                } else {
                    with_marks.iter().filter(|w| f(w)).count() as f64 / with_marks.len() as f64
                }
            };
            let marks_changed = share(&|w| w.mark_before != w.mark_after);
            let marks_lowered = share(&|w| w.mark_after < w.mark_before);
            let found = |e: &Estimate| e.low.is_some_and(|l| l > 0.0) && e.mean >= cfg.recheck_min_drop;
            let inflation_found = found(&drop);
            let had_signs = marked.contains(&(year, school));
            let in_marked: Vec<f64> = ws.iter().filter(|w| w.in_marked_cell).map(|w| w.drop).collect();
            let drop_marked = (!in_marked.is_empty()).then(|| mean_ci(&in_marked));
            let signs_confirmed = drop_marked.filter(|e| had_signs && e.n >= 2).map(|e| found(&e));
            let numbers = format!(
                "баллы изменились в среднем на {} % максимума (95 % ДИ {} … {}), отметка изменилась в {} % работ",
                pct1(-drop.mean),
                drop.high.map_or("—".into(), |h| pct1(-h)),
                drop.low.map_or("—".into(), |l| pct1(-l)),
                pct1(marks_changed)
            );
            let verdict = match (had_signs, signs_confirmed, inflation_found) {
                (true, Some(true), _) => format!(
                    "признаки подтверждены перепроверкой: в работах из ячеек с признаками баллы изменились в среднем на {} % максимума; по всем работам {numbers}",
                    pct1(-drop_marked.map_or(0.0, |e| e.mean))
                ),
                (true, _, true) => format!("перепроверка выявила завышение: {numbers}"),
                (true, _, false) => format!(
                    "перепроверка баллов не подтвердила завышения ({numbers}); признаки списывания, подсказки или расхождения с журналом перепроверкой баллов не проверяются"
                ),
                (false, _, true) => format!("признаков не было, но перепроверка выявила завышение: {numbers}"),
                (false, _, false) => format!("перепроверка не выявила завышения: {numbers}"),
            };
            SchoolRecheck {
                year,
                school,
                stratum: stratum_of.get(&(year, school)).copied(),
                drop,
                drop_marked,
                points_before: ws.iter().map(|w| f64::from(w.primary_before)).sum::<f64>() / ws.len() as f64,
                points_after: ws.iter().map(|w| f64::from(w.primary_after)).sum::<f64>() / ws.len() as f64,
                marks_changed,
                marks_lowered,
                had_signs,
                inflation_found,
                signs_confirmed,
                verdict,
            }
        })
        .collect()
}

fn strata(schools: &[SchoolRecheck], works: &[WorkChange], data: &Dataset) -> Vec<StratumRecheck> {
    let mut keys: Vec<Option<Stratum>> = schools.iter().map(|s| s.stratum).collect();
    keys.sort();
    keys.dedup();
    let drops_of = |k: Option<Stratum>| -> Vec<f64> {
        schools
            .iter()
            .filter(|s| s.stratum == k)
            .map(|s| s.drop.mean)
            .collect()
    };
    let random = drops_of(Some(Stratum::Random));
    keys.into_iter()
        .map(|k| {
            let members: Vec<&SchoolRecheck> = schools.iter().filter(|s| s.stratum == k).collect();
            let in_stratum = |w: &&WorkChange| {
                members
                    .iter()
                    .any(|s| s.school == w.school && s.year == data.tests[w.test].key.year)
            };
            let ws: Vec<&WorkChange> = works.iter().filter(in_stratum).collect();
            let random_works: Vec<f64> = ws
                .iter()
                .filter(|w| w.reason == Some(WorkReason::Random))
                .map(|w| w.drop)
                .collect();
            let marked: Vec<&&WorkChange> = ws
                .iter()
                .filter(|w| w.mark_before != NO_MARK && w.mark_after != NO_MARK)
                .collect();
            let drops = drops_of(k);
            StratumRecheck {
                stratum: k,
                schools: members.len(),
                works: ws.len(),
                drop: mean_ci(&drops),
                drop_random_works: (!random_works.is_empty())
                    .then(|| random_works.iter().sum::<f64>() / random_works.len() as f64),
                marks_changed: if marked.is_empty() {
                    0.0
                } else {
                    marked
                        .iter()
                        .filter(|w| w.mark_before != w.mark_after)
                        .count() as f64
                        / marked.len() as f64
                },
                schools_found: members.iter().filter(|s| s.inflation_found).count(),
                schools_judged: members
                    .iter()
                    .filter(|s| s.signs_confirmed.is_some())
                    .count(),
                signs_confirmed: members
                    .iter()
                    .filter(|s| s.signs_confirmed == Some(true))
                    .count(),
                vs_random: if k == Some(Stratum::Random) {
                    None
                } else {
                    welch_diff(&drops, &random)
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn t_interval_known_answer() {
        // scipy: x=[0.1,0.2,0.05,0.15]; m=np.mean(x)=0.125;
        // stats.t.interval(0.95, 3, loc=m, scale=stats.sem(x))
        //   -> (0.02228698716197397, 0.22771301283802603)   (scipy 1.17.1)
        let e = mean_ci(&[0.1, 0.2, 0.05, 0.15]);
        assert!(close(e.mean, 0.125));
        assert!((e.low.unwrap() - 0.02228698716197397).abs() < 1e-9, "{e:?}");
        assert!(
            (e.high.unwrap() - 0.22771301283802603).abs() < 1e-9,
            "{e:?}"
        );
        let one = mean_ci(&[0.3]);
        assert_eq!((one.n, one.low, one.high), (1, None, None));
        assert_eq!(mean_ci(&[]).n, 0);
    }

    #[test]
    fn welch_known_answer() {
        // scipy 1.17.1: a=[0.1,0.2,0.3]; b=[0.0,0.05,-0.05,0.02]
        // r = stats.ttest_ind(a, b, equal_var=False); r.confidence_interval(0.95)
        //   -> (-0.022449691490574797, 0.41244969149057487), difference 0.195
        let d = welch_diff(&[0.1, 0.2, 0.3], &[0.0, 0.05, -0.05, 0.02]).unwrap();
        assert!(close(d.mean, 0.195));
        assert!(
            (d.low.unwrap() + 0.022449691490574797).abs() < 1e-9,
            "{d:?}"
        );
        assert!(
            (d.high.unwrap() - 0.41244969149057487).abs() < 1e-9,
            "{d:?}"
        );
        assert!(welch_diff(&[0.1], &[0.2, 0.3]).is_none());
        // No spread at all: a point interval.
        let z = welch_diff(&[0.1, 0.1], &[0.0, 0.0]).unwrap();
        assert_eq!((z.low, z.high), (Some(0.1), Some(0.1)));
    }
}
