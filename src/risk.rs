//! The school lists, read from the evidence stage ([`crate::evidence`]), which
//! decides who is listed; nothing here recomputes a threshold.
//!
//! **The list (перечень).** One entry per listed school-year: its marked cells
//! (the decisive cells of its evidence) with the signs that carried them,
//! `markers` (their count, as the official lists count marked cells),
//! `consecutive_years` (years in a row, up to this one, on the list), its
//! `evidence` (−log10 of its weighted p-value, the one ranking score), its
//! p-value, weight and q-value, and the reasons: per decisive cell its share
//! of the evidence and the signs' sentences with their numbers.
//!
//! **Objective list.** A school is listed as showing consistently objective
//! results when, in every year present, it has at least `objective_min_cells`
//! evaluated cells and its school-year p-value is at least `objective_p_min`
//! (no sign, not even a weak one).

use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::evidence::Evidence;
use crate::model::{Dataset, subject_name};
use crate::signs::{REGISTRY, SignResults};

pub use crate::evidence::CellVerdict;

#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListsConfig {
    /// Weight of a school listed the previous year (weighted BH; ≥ 1).
    pub persistence_weight: f64,
    pub objective_min_cells: usize,
    pub objective_p_min: f64,
}

impl Default for ListsConfig {
    fn default() -> Self {
        ListsConfig {
            persistence_weight: 2.0,
            objective_min_cells: 2,
            objective_p_min: 0.25,
        }
    }
}

impl ListsConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.objective_p_min) {
            return Err("[lists] objective_p_min должно быть от 0 до 1".into());
        }
        if !(1.0..=10.0).contains(&self.persistence_weight) {
            return Err("[lists] persistence_weight должно быть от 1 до 10".into());
        }
        Ok(())
    }
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
    /// Cell kind -> ids of the signs that carried it (marked cells only).
    pub cells: BTreeMap<String, String>,
    pub markers: usize,
    pub consecutive_years: usize,
    /// −log10(p / w): the ranking score; the list is a threshold on it.
    pub evidence: f64,
    /// 1 − p (0..1).
    pub risk: f64,
    pub p_value: f64,
    pub weight: f64,
    pub q_value: f64,
    pub reasons: Vec<String>,
}

/// The yearly lists, sorted by year, then evidence (strongest first), then school id.
pub fn risk_list(data: &Dataset, results: &SignResults, ev: &Evidence) -> Vec<ListEntry> {
    let index = data.cell_index();
    // School by school on every core: each marked cell's reasons are read
    // back from their compressed chunk.
    let on: Vec<_> = ev.school_years.values().filter(|sy| sy.listed).collect();
    let mut listed: Vec<ListEntry> = on
        .par_iter()
        .map(|sy| {
            let mut e = ListEntry {
                year: sy.year,
                school: sy.school,
                cells: BTreeMap::new(),
                markers: 0,
                consecutive_years: 0,
                evidence: sy.evidence,
                risk: 1.0 - sy.p_value,
                p_value: sy.p_value,
                weight: sy.weight,
                q_value: sy.q_value,
                reasons: Vec::new(),
            };
            let mut said: BTreeSet<(usize, String)> = BTreeSet::new();
            for &(i, share) in &sy.decisive {
                let v = &ev.cells[i];
                if !v.marker {
                    continue;
                }
                let (t, _) = index[i];
                let key = &data.tests[t].key;
                let ids: Vec<&str> = v.signs.iter().map(|&s| REGISTRY[s].id()).collect();
                e.cells.insert(cell_kind(data, t), ids.join(";"));
                e.markers += 1;
                // A school-level finding (one sentence for every cell of a
                // subject) is written out once, then referred to.
                let sentences: Vec<String> = (v.signs.iter())
                    .map(|&s| {
                        let title = REGISTRY[s].title();
                        let reason = results.reason(s, i);
                        if said.insert((s, reason.clone())) || !REGISTRY[s].per_school() {
                            format!("«{title}»: {reason}")
                        } else {
                            format!("«{title}»: см. выше")
                        }
                    })
                    .collect();
                e.reasons.push(format!(
                    "{}, {}, {} класс, {} год (доля в силе признаков ОО {:.0} %). {}",
                    key.exam.russian(),
                    subject_name(&key.subject),
                    key.grade,
                    key.year,
                    share * 100.0,
                    sentences.join("; ")
                ));
            }
            e
        })
        .collect();
    let years: Vec<u16> = (data.tests.iter().map(|b| b.key.year))
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
        a.year
            .cmp(&b.year)
            .then(b.evidence.total_cmp(&a.evidence))
            .then(
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

/// The school-years of the schools consistently without signs. None where
/// the folder holds fewer than `min_schools` schools and no region's figures
/// (reference.csv): the signs had only those few to compare a school with,
/// and «objective» would say more than they could tell.
pub fn objective_list(
    data: &Dataset,
    ev: &Evidence,
    lists: &ListsConfig,
    min_schools: usize,
) -> Vec<ObjectiveEntry> {
    if too_few_schools(data, min_schools) {
        return Vec::new();
    }
    let index = data.cell_index();
    let mut works: BTreeMap<(u16, u32), usize> = BTreeMap::new();
    let mut all_years: BTreeMap<u32, BTreeSet<u16>> = BTreeMap::new();
    for &(t, c) in &index {
        let block = &data.tests[t];
        let span = block.cells[c];
        *works.entry((block.key.year, span.school)).or_default() += span.len();
        all_years
            .entry(span.school)
            .or_default()
            .insert(block.key.year);
    }
    let mut out = Vec::new();
    for (school, years) in all_years {
        let ok = years.iter().all(|&y| {
            ev.school_year(y, school).is_some_and(|sy| {
                sy.cells.len() >= lists.objective_min_cells && sy.p_value >= lists.objective_p_min
            })
        });
        if !ok {
            continue;
        }
        for year in years {
            let sy = ev.school_year(year, school);
            out.push(ObjectiveEntry {
                year,
                school,
                cells_evaluated: sy.map_or(0, |s| s.cells.len()),
                works: works.get(&(year, school)).copied().unwrap_or(0),
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

/// Whether the folder holds fewer than `min_schools` schools with works and
/// no region's figures to set them against.
pub fn too_few_schools(data: &Dataset, min_schools: usize) -> bool {
    let with_works: BTreeSet<u32> = (data.tests.iter())
        .flat_map(|t| t.cells.iter().map(|c| c.school))
        .collect();
    with_works.len() < min_schools && data.reference.region.is_empty()
}
