//! Steps 2 and 3 of [`super`]: a cell's families, and the entries of a
//! school-year — each cell's own evidence and each statistic of the school
//! once — combined by weighted Simes.

use std::collections::BTreeMap;

use crate::signs::{REGISTRY, SignResults, SignsConfig};
use crate::stats::simes::simes;

use super::CellVerdict;

/// Simes' combination of (p-value, raw weight) pairs: each p over
/// w = raw / mean raw (see step 3 of [`super`]'s documentation; a cell's
/// raw weight is √n).
pub(super) fn weighted_simes(entries: &[(f64, f64)]) -> Option<(f64, Vec<usize>)> {
    let mean = entries.iter().map(|e| e.1).sum::<f64>() / entries.len().max(1) as f64;
    let p: Vec<f64> = (entries.iter())
        .map(|&(p, r)| if r > 0.0 { p * mean / r } else { 1.0 })
        .collect();
    simes(&p)
}

/// One cell's families: (family p-value, the family's strongest sign), and
/// the positions of the decisive ones (Simes'); `own`: Simes' p-value over
/// the families without the statistics of the school.
pub(super) struct Families {
    pub(super) parts: Vec<(f64, usize)>,
    pub(super) decisive: Vec<usize>,
    pub(super) own: Option<f64>,
}

/// A cell's families (step 2 of [`super`]'s documentation): each family's
/// smallest calibrated p-value (p = 1 where the effect is below the sign's
/// minimum) times its number of evaluated signs, with that sign;
/// `per_school`: whether the statistics of the school count.
pub(super) fn family_parts(
    calibrated: &[Option<f64>],
    i: usize,
    families: &[&'static str],
    results: &SignResults,
    cfg: &SignsConfig,
    per_school: bool,
) -> Vec<(f64, usize)> {
    let mut parts = Vec::new();
    for fam in families {
        let mut best: Option<(f64, usize)> = None;
        let mut members = 0usize;
        for (s, sign) in REGISTRY.iter().enumerate() {
            if !sign.marks_cell() || sign.family() != *fam || (sign.per_school() && !per_school) {
                continue;
            }
            let Some(p) = calibrated[s] else { continue };
            members += 1;
            let p = gated(p, s, i, results, cfg);
            if best.is_none_or(|(b, _)| p < b) {
                best = Some((p, s));
            }
        }
        if let Some((p, s)) = best {
            parts.push(((p * members as f64).min(1.0), s));
        }
    }
    parts
}

/// A calibrated p-value, or 1 where the sign's effect is below its minimum.
fn gated(p: f64, s: usize, i: usize, results: &SignResults, cfg: &SignsConfig) -> f64 {
    let sign = REGISTRY[s];
    let f = &results.findings[s][i];
    if f.effect().is_some_and(|e| e >= sign.min_effect(cfg)) {
        p
    } else {
        1.0
    }
}

/// One entry of a school-year's combination: a cell's own evidence, or one
/// statistic of the school.
pub(super) struct Entry {
    pub(super) p: f64,
    /// Raw weight: √n of the cell, or the sum of √n over the cells the
    /// school's statistic speaks for.
    pub(super) root: f64,
    /// The cells the entry names when decisive, with the sign (for a
    /// statistic of the school).
    pub(super) cells: Vec<(usize, Option<usize>)>,
}

/// The entries of a school-year (step 3 of [`super`]'s documentation): each
/// cell's own p-value, and each statistic of the school once — a sign's
/// cells of the year (of one subject, for a sign read per subject) are one
/// hypothesis about the school (its VPR in a subject against its GIA, its
/// works at the GIA minimums, its medals), weighted by the works of all the
/// cells it speaks for. Its p-value is the largest calibrated p-value among
/// the cells whose own effect of the year reaches the sign's minimum (the
/// same statistic calibrated on each exam's null; the largest keeps it
/// valid), else 1.
pub(super) fn school_year_entries(
    idx: &[usize],
    cells: &[CellVerdict],
    family_parts: &[Families],
    results: &SignResults,
    cfg: &SignsConfig,
    subject_of: impl Fn(usize) -> String,
    works: impl Fn(usize) -> usize,
) -> Vec<Entry> {
    let root = |i: usize| (works(i) as f64).sqrt();
    let mut out: Vec<Entry> = (idx.iter())
        .filter_map(|&i| {
            family_parts[i].own.map(|p| Entry {
                p,
                root: root(i),
                cells: vec![(i, None)],
            })
        })
        .collect();
    let mut carriers = Vec::new();
    for (s, sign) in REGISTRY.iter().enumerate() {
        if !sign.marks_cell() || !sign.per_school() {
            continue;
        }
        for &i in idx {
            let f = &results.findings[s][i];
            let (true, Some(_), Some(p)) = (f.evaluated, f.p_value(), cells[i].calibrated[s])
            else {
                continue;
            };
            carriers.push(Carrier {
                sign: s,
                subject: if sign.per_subject() {
                    subject_of(i)
                } else {
                    String::new()
                },
                cell: i,
                root: root(i),
                p: (gated(p, s, i, results, cfg) < 1.0).then_some(p),
            });
        }
    }
    out.extend(school_entries(&carriers));
    out
}

/// A cell of a school-year that carries a statistic of its school.
struct Carrier {
    sign: usize,
    /// The subject, for a sign read per subject; else empty.
    subject: String,
    cell: usize,
    /// √n of the cell.
    root: f64,
    /// The calibrated p-value where the cell's own effect of the year reaches
    /// the sign's minimum.
    p: Option<f64>,
}

/// One entry per statistic of the school (sign, and subject where read per
/// subject): raw weight the sum of its cells' √n, p-value the largest of
/// the cells' that count (else 1), naming those cells.
fn school_entries(carriers: &[Carrier]) -> Vec<Entry> {
    let mut school: BTreeMap<(usize, &str), Entry> = BTreeMap::new();
    for c in carriers {
        let e = school.entry((c.sign, c.subject.as_str())).or_insert(Entry {
            p: 1.0,
            root: 0.0,
            cells: Vec::new(),
        });
        e.root += c.root;
        if let Some(p) = c.p {
            e.p = if e.cells.is_empty() { p } else { e.p.max(p) };
            e.cells.push((c.cell, Some(c.sign)));
        }
    }
    school.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_simes_by_hand() {
        // Cells of 100, 25, 25, 4 works: √n = 10, 5, 5, 2, mean 5.5, so
        // w = 1.818, 0.909, 0.909, 0.364. p = 0.001, 0.01, 0.5, 0.001 →
        // p / w = 0.00055, 0.011, 0.55, 0.00275; sorted 0.00055, 0.00275,
        // 0.011, 0.55 → 4 p / i = 0.0022, 0.0055, 0.01467, 0.55: 0.0022 by
        // the large cell alone (unweighted: 4 · 0.001 = 0.004).
        let root = |n: f64| n.sqrt();
        let (p, dec) = weighted_simes(&[
            (0.001, root(100.0)),
            (0.01, root(25.0)),
            (0.5, root(25.0)),
            (0.001, root(4.0)),
        ])
        .unwrap();
        assert!((p - 0.0022).abs() < 1e-12, "{p}");
        assert_eq!(dec, [0]);
        // Equal sizes: plain Simes.
        let (p, _) = weighted_simes(&[(0.01, 5.0), (0.04, 5.0), (0.03, 5.0)]).unwrap();
        assert!((p - 0.03).abs() < 1e-12, "{p}");
        assert!(weighted_simes(&[]).is_none());
    }

    #[test]
    fn a_school_statistic_enters_once_with_the_weight_of_its_cells() {
        let carrier = |sign: usize, subject: &str, cell: usize, n: f64, p: Option<f64>| Carrier {
            sign,
            subject: subject.to_owned(),
            cell,
            root: n.sqrt(),
            p,
        };
        // Sign 9 read per subject on four cells (RU: cells 0, 1; MA: 2, 3),
        // sign 10 on cells 4 and 5; cell 1's effect is below the minimum, and
        // cell 5's p-value is calibrated on another exam's null.
        let entries = school_entries(&[
            carrier(9, "RU", 0, 25.0, Some(0.001)),
            carrier(9, "RU", 1, 16.0, None),
            carrier(9, "MA", 2, 36.0, None),
            carrier(9, "MA", 3, 49.0, None),
            carrier(10, "", 4, 64.0, Some(0.002)),
            carrier(10, "", 5, 9.0, Some(0.004)),
        ]);
        let got: Vec<_> = (entries.into_iter())
            .map(|e| (e.p, e.root, e.cells))
            .collect();
        // RU: √25 + √16 = 9, p of cell 0; MA: 6 + 7 = 13, nothing counts
        // (p = 1, no cell named); sign 10: 8 + 3 = 11, the larger p.
        assert_eq!(
            got,
            [
                (1.0, 13.0, vec![]),
                (0.001, 9.0, vec![(0, Some(9))]),
                (0.004, 11.0, vec![(4, Some(10)), (5, Some(10))]),
            ]
        );
        // With three cells of 25 works (own p 0.5 each, raw weight 5): the
        // weights 5, 5, 5, 13, 9, 11 average 8, so the RU entry's p / w =
        // 0.001 / (9 / 8) = 0.000889 and sign 10's 0.004 / (11 / 8) =
        // 0.00291; Simes over six: 6 · 0.000889 = 0.00533, 6 · 0.00291 / 2
        // = 0.00873 → 0.00533 (as one of ~8 families of three cells, the RU
        // statistic alone would give at best 8 · 0.001 · 3 = 0.024).
        let weighted = [
            (0.5, 5.0),
            (0.5, 5.0),
            (0.5, 5.0),
            (1.0, 13.0),
            (0.001, 9.0),
            (0.004, 11.0),
        ];
        let (p, dec) = weighted_simes(&weighted).unwrap();
        assert!((p - 6.0 * 0.001 * 8.0 / 9.0).abs() < 1e-12, "{p}");
        assert_eq!(dec, [4]);
    }
}
