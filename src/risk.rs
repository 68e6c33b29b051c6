//! From findings to the cell marker and risk, and to the school lists.
//!
//! **Cell.** A *marking* sign (every sign but S1, the high result) counts when it
//! was evaluated, its effect reaches the sign's minimum and it passes the
//! error-rate control ([`SignsConfig::passes`]: BH q-value at most `q_max`, or
//! p-value at most `fpr_max` / K). When S1 fired in the cell ("high result"),
//! the other signs weigh more: their thresholds are multiplied by
//! `high_result_boost`.
//! `marker` = at least one marking sign counts. `risk` = 1 − min(1, m · p_min / b),
//! the Bonferroni-adjusted smallest p-value over the m evaluated marking signs
//! (b = `high_result_boost` when S1 fired, else 1): a ranking score in 0..1, not a
//! probability. `signs` lists the ids of the signs that count, S1 included when
//! it fired together with them.
//!
//! **School and year.** A school is on the year's list (перечень) when it has at
//! least `list_min_markers` marked cells; `markers` counts them, as the official
//! lists do, and `consecutive_years` counts the years in a row, up to this one,
//! in which it was listed. Its `risk` is the largest risk of its cells.
//!
//! **Objective list.** A school is listed as showing consistently objective
//! results when, in every year present, it has at least `objective_min_cells`
//! cells evaluated by a marking sign and no marking sign has a q-value below
//! `objective_q_min` in any of its cells.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::model::Dataset;
use crate::signs::{REGISTRY, SignResults, SignsConfig};

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListsConfig {
    pub list_min_markers: usize,
    pub objective_min_cells: usize,
    pub objective_q_min: f64,
}

impl Default for ListsConfig {
    fn default() -> Self {
        ListsConfig {
            list_min_markers: 1,
            objective_min_cells: 2,
            objective_q_min: 0.25,
        }
    }
}

/// The combined result of one cell.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellVerdict {
    pub marker: bool,
    pub risk: f64,
    /// Indices into [`REGISTRY`] of the signs that count.
    pub signs: Vec<usize>,
}

fn high_result_index() -> Option<usize> {
    REGISTRY.iter().position(|s| !s.marks_cell())
}

/// Combines the findings of each cell (cells in dataset order).
pub fn combine(results: &SignResults, cfg: &SignsConfig) -> Vec<CellVerdict> {
    let n_cells = results.findings.first().map_or(0, Vec::len);
    let s1 = high_result_index();
    (0..n_cells)
        .map(|c| {
            let boosted = s1.is_some_and(|s| results.findings[s][c].fired);
            let boost = if boosted { cfg.high_result_boost } else { 1.0 };
            let mut v = CellVerdict::default();
            let mut p_min = 1.0f64;
            let mut m = 0usize;
            for (s, sign) in REGISTRY.iter().enumerate() {
                if !sign.marks_cell() {
                    continue;
                }
                let f = &results.findings[s][c];
                if !f.evaluated {
                    continue;
                }
                m += 1;
                p_min = p_min.min(f.p_value.unwrap_or(1.0));
                let effect_ok = f.effect.is_some_and(|e| e >= sign.min_effect(cfg));
                if effect_ok && cfg.passes(f, boost) {
                    v.signs.push(s);
                }
            }
            v.marker = !v.signs.is_empty();
            if v.marker && boosted {
                v.signs.insert(0, s1.unwrap_or(0));
            }
            v.risk = if m == 0 {
                0.0
            } else {
                1.0 - (m as f64 * p_min / boost).min(1.0)
            };
            v
        })
        .collect()
}

/// "VPR 4 RU".
pub fn cell_kind(data: &Dataset, t: usize) -> String {
    let k = &data.tests[t].key;
    format!("{} {} {}", k.exam.code(), k.grade, k.subject)
}

/// One school's entry in one year's list.
#[derive(Clone, Debug, PartialEq)]
pub struct ListEntry {
    pub year: u16,
    pub school: u32,
    /// Cell kind -> ids of the signs that count there (marked cells only).
    pub cells: BTreeMap<String, String>,
    pub markers: usize,
    pub consecutive_years: usize,
    pub risk: f64,
    pub reasons: Vec<String>,
}

/// The yearly lists, sorted by year, then risk (highest first), then school id.
pub fn risk_list(
    data: &Dataset,
    results: &SignResults,
    verdicts: &[CellVerdict],
    lists: &ListsConfig,
) -> Vec<ListEntry> {
    let index = data.cell_index();
    let mut by_school_year: BTreeMap<(u16, u32), ListEntry> = BTreeMap::new();
    for (i, &(t, c)) in index.iter().enumerate() {
        let v = &verdicts[i];
        if !v.marker {
            continue;
        }
        let block = &data.tests[t];
        let school = block.cells[c].school;
        let e = by_school_year
            .entry((block.key.year, school))
            .or_insert_with(|| ListEntry {
                year: block.key.year,
                school,
                cells: BTreeMap::new(),
                markers: 0,
                consecutive_years: 0,
                risk: 0.0,
                reasons: Vec::new(),
            });
        let kind = cell_kind(data, t);
        let ids: Vec<&str> = v.signs.iter().map(|&s| REGISTRY[s].id()).collect();
        e.cells.insert(kind.clone(), ids.join(";"));
        e.markers += 1;
        e.risk = e.risk.max(v.risk);
        let sentences: Vec<&str> = v
            .signs
            .iter()
            .map(|&s| results.findings[s][i].reason.as_str())
            .collect();
        e.reasons.push(format!(
            "{} {} {} кл., {}: {}",
            block.key.exam.russian(),
            block.key.subject,
            block.key.grade,
            block.key.year,
            sentences.join("; ")
        ));
    }
    let mut listed: Vec<ListEntry> = by_school_year
        .into_values()
        .filter(|e| e.markers >= lists.list_min_markers)
        .collect();
    let years: Vec<u16> = data
        .tests
        .iter()
        .map(|b| b.key.year)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let on_list: BTreeSet<(u16, u32)> = listed.iter().map(|e| (e.year, e.school)).collect();
    for e in &mut listed {
        let pos = years.iter().position(|&y| y == e.year).unwrap_or(0);
        e.consecutive_years = years[..=pos]
            .iter()
            .rev()
            .take_while(|&&y| on_list.contains(&(y, e.school)))
            .count();
    }
    listed.sort_by(|a, b| {
        a.year.cmp(&b.year).then(b.risk.total_cmp(&a.risk)).then(
            data.schools[a.school as usize]
                .id
                .cmp(&data.schools[b.school as usize].id),
        )
    });
    listed
}

/// One school-year of the objective list.
#[derive(Clone, Debug, PartialEq)]
pub struct ObjectiveEntry {
    pub year: u16,
    pub school: u32,
    pub cells_evaluated: usize,
    pub works: usize,
}

pub fn objective_list(
    data: &Dataset,
    results: &SignResults,
    lists: &ListsConfig,
) -> Vec<ObjectiveEntry> {
    let index = data.cell_index();
    // (school) -> year -> (cells evaluated, works); and schools disqualified.
    let mut seen: BTreeMap<u32, BTreeMap<u16, (usize, usize)>> = BTreeMap::new();
    let mut out_schools: BTreeSet<u32> = BTreeSet::new();
    for (i, &(t, c)) in index.iter().enumerate() {
        let block = &data.tests[t];
        let span = block.cells[c];
        let mut evaluated = false;
        for (s, sign) in REGISTRY.iter().enumerate() {
            let f = &results.findings[s][i];
            if !sign.marks_cell() || !f.evaluated {
                continue;
            }
            evaluated = true;
            if f.q_value.is_some_and(|q| q < lists.objective_q_min) {
                out_schools.insert(span.school);
            }
        }
        let e = seen
            .entry(span.school)
            .or_default()
            .entry(block.key.year)
            .or_default();
        e.1 += span.len();
        if evaluated {
            e.0 += 1;
        }
    }
    let mut out = Vec::new();
    for (school, years) in seen {
        if out_schools.contains(&school)
            || years
                .values()
                .any(|&(cells, _)| cells < lists.objective_min_cells)
        {
            continue;
        }
        for (year, (cells, works)) in years {
            out.push(ObjectiveEntry {
                year,
                school,
                cells_evaluated: cells,
                works,
            });
        }
    }
    out.sort_by(|a, b| {
        a.year.cmp(&b.year).then(
            data.schools[a.school as usize]
                .id
                .cmp(&data.schools[b.school as usize].id),
        )
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signs::Finding;

    fn finding(p: f64, q: f64, effect: f64, fired: bool) -> Finding {
        Finding {
            evaluated: true,
            p_value: Some(p),
            q_value: Some(q),
            effect: Some(effect),
            fired,
            ..Finding::default()
        }
    }

    /// Findings for one cell: S1 as given, every marking sign with (p, q, effect).
    fn results(s1_fired: bool, others: (f64, f64, f64)) -> SignResults {
        let findings = REGISTRY
            .iter()
            .map(|s| {
                if s.marks_cell() {
                    vec![finding(others.0, others.1, others.2, false)]
                } else {
                    vec![finding(0.001, 0.01, 0.2, s1_fired)]
                }
            })
            .collect();
        SignResults { findings }
    }

    #[test]
    fn high_result_makes_the_other_signs_weigh_more() {
        let cfg = SignsConfig::default(); // q_max 0.05, boost 2
        let m = REGISTRY.iter().filter(|s| s.marks_cell()).count() as f64;
        // q = 0.08: not enough alone, enough with S1 fired (0.08 <= 0.05 * 2).
        let plain = combine(&results(false, (0.001, 0.08, 0.5)), &cfg);
        assert!(!plain[0].marker);
        assert!((plain[0].risk - (1.0 - m * 0.001)).abs() < 1e-12);
        let boosted = combine(&results(true, (0.001, 0.08, 0.5)), &cfg);
        assert!(boosted[0].marker);
        assert_eq!(boosted[0].signs.len() as f64, m + 1.0); // every marking sign + S1
        assert!((boosted[0].risk - (1.0 - m * 0.001 / 2.0)).abs() < 1e-12);
        // A small effect never counts, whatever q.
        let small = combine(&results(true, (1e-9, 1e-6, 0.01)), &cfg);
        assert!(!small[0].marker);
    }
}
