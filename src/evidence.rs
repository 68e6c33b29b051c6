//! The evidence stage: from the signs' p-values to one calibrated evidence per
//! cell and per school-year, the list chosen with a stated error rate, and the
//! decomposition of each listed school's evidence. Lists, sample, tables and
//! report only read what this stage decides.
//!
//! 1. **Calibration on the data.** For each marking sign and exam (VPR, OGE,
//!    EGE), an empirical null is fitted on the p-values of all evaluated cells
//!    of the region ([`NullFit`]: Efron 2004, robust central matching). Where
//!    the sign's model does not fit the region (overdispersion, heavy-tailed
//!    school effects, pupils not independent within a class) the null widens and
//!    the calibrated p-values grow; the null in force is never narrower than
//!    the theoretical N(0, 1) and a calibrated p-value is never below the
//!    sign's own (its centre is the fitted one, see [`NullFit`]). A sign whose
//!    statistic is a count gives each cell's P(T > t) besides its p-value
//!    P(T ≥ t), and the fit reads the randomized p-value between the two
//!    (Habiger & Peña 2011), uniform under the sign's model: the steps of a
//!    count (many cells at p = 1) no longer read as misfit (the sign on exam
//!    marks above journal marks had a fitted scale of 1.45–1.78 from them
//!    alone). Fewer than `null_min_cells` cells for an
//!    exam: the sign's null fitted on all exams; fewer than that in all: the
//!    theoretical null (both shown in the methods section). A sign that fits
//!    the schools' spread itself on its own count scale (the medal sign) keeps
//!    its p-values.
//! 2. **One p-value per cell.** Signs that read the same thing from the same
//!    works form a family ([`crate::signs::Sign::family`]: cut-off bunching with
//!    marks fitted to the journal; exam above own marks in its two forms; own
//!    marks above the exam in its two forms; over-solved hard tasks with the
//!    heavy top of the totals). A family's p-value is its smallest
//!    calibrated p-value times the number of its evaluated signs (Bonferroni,
//!    valid under any dependence); a sign whose effect is below its minimum
//!    counts as p = 1. The cell's p-value is Simes' combination over its
//!    families (valid for positively dependent tests, Sarkar 1998).
//! 3. **One p-value per school-year.** Simes' combination over the school's
//!    evaluated cells of the year, weighted by size: cell i enters as
//!    pᵢ / wᵢ with wᵢ = √nᵢ / mean √n over the school-year's cells (nᵢ its
//!    works; the weights average 1, so a school's p-value stays valid under
//!    the same positive dependence: the weighted step-up of Benjamini &
//!    Hochberg 1997, Blanchard & Roquain 2008). For the same effect a cell's
//!    z grows with √n, so a manipulation shows in the school's larger cells,
//!    and the unweighted combination charged them for its small ones, which
//!    can rarely show anything (`evaluate --seeds 5 --schools 300
//!    --standard-only`: VPR not confirmed by GIA, moderate, .49 → .59 of the
//!    cells; the within-cell kinds' mean .592 → .592 (full), .557 → .561
//!    (totals), .604 → .615 (`--municipal`); honest school-years listed
//!    9 → 10, 11 → 11, 19 → 19 of 7 929; `--years 3`: a one-year spike,
//!    moderate, .31 → .38, honest school-years 12 → 9 of 12 057). The
//!    weights are fixed by the cells' sizes, never by their results, and a
//!    small school's cells are weighed against each other only. A school-year
//!    is the unit that is listed.
//!
//!    **Statistics of the school** ([`crate::signs::Sign::per_school`]: VPR
//!    not confirmed by GIA, per subject; works at the GIA minimums; medals)
//!    are one hypothesis about the school each, carried by many of its
//!    cells. They enter the school-year's combination once, as entries of
//!    their own, and a cell's entry is its own evidence without them (Simes
//!    over its other families): raw weight the sum of √n over the cells the
//!    statistic speaks for (fixed by which cells carry it, never by its
//!    result), p-value the largest of their calibrated p-values where the
//!    year's own effect reaches the sign's minimum (the same statistic
//!    calibrated on each exam's null), else 1. Where such an entry is
//!    decisive, the cells that count are the marked ones. Carried inside
//!    each cell instead, the statistic paid the cell's family price (about
//!    eight families) on top of its share among the cells: `evaluate --seeds
//!    5 --schools 300 --standard-only`, VPR not confirmed by GIA, moderate,
//!    .592 → .757 of the cells (municipal with reference.csv .461 → .592;
//!    `--years 3`: pushes over the GIA minimums, moderate, .000 → .321), for
//!    the within-cell kinds' mean .592 → .592 (full), .561 → .554 (totals),
//!    .615 → .602 (municipal), .570 → .564 (three years), and honest
//!    school-years listed 10 → 13 of 7 929 (totals 11 → 14; three years
//!    9 → 12 of 12 057, 2 of them other years of schools that manipulate;
//!    with 20 seeds and three years 45 → 46 of 48 138, VPR not confirmed
//!    .565 → .675: notes/procedures.md).
//! 4. **Persistence.** A school listed in the previous year of the data gets
//!    weight `persistence_weight`, the others 1, rescaled so the year's weights
//!    average 1 (weighted BH, Genovese, Roeder & Wasserman 2006: the false
//!    discovery rate stays controlled because the weights come from earlier
//!    years only, never from this year's works).
//! 5. **The list.** `control = "fdr"` (default): Benjamini–Hochberg over the
//!    year's school-years on p / w at `q_max` — among the listed school-years the
//!    expected share of honest ones is at most `q_max`. `control = "fpr"`: listed
//!    when p / w ≤ `fpr_max` — an honest school is listed with probability at
//!    most `fpr_max` (on average over the weights).
//! 6. **One number.** `evidence` = −log10(p / w) ranks the school-years and the
//!    list is a threshold on it: every listed school ranks above every unlisted
//!    one of the same year. A cell's `evidence` is −log10 of its own p-value.
//! 7. **Explained.** Simes' decisive p-values name what carried the evidence:
//!    the decisive cells of a listed school-year are its *marked* cells, and in
//!    each the decisive families' strongest signs are the signs reported.
//!
//! Efron B. (2004) JASA 99, 96–104. Habiger J. D., Peña E. A. (2011)
//! Randomised P-values and nonparametric procedures in multiple testing.
//! J. Nonparametric Statistics 23(3), 583–604. Simes R. J. (1986) Biometrika 73, 751–754.
//! Sarkar S. K. (1998) Ann. Statist. 26, 494–504. Benjamini Y., Hochberg Y.
//! (1995) JRSS B 57, 289–300. Genovese C. R., Roeder K., Wasserman L. (2006)
//! False discovery control with p-value weighting. Biometrika 93(3), 509–524.

use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Dataset, Exam};
use crate::signs::{Control, REGISTRY, SignResults, SignsConfig};
use crate::stats::empirical_null::NullFit;
use crate::stats::multiple::bh_qvalues;
use crate::stats::simes::simes;

/// The smallest p-value kept, so that evidence stays finite.
const P_FLOOR: f64 = 1e-300;

/// The null in force for one sign and exam.
#[derive(Clone, Debug, PartialEq)]
pub struct SignNull {
    pub sign: usize,
    pub exam: Exam,
    /// Fitted on this exam's cells (else on all exams', or theoretical).
    pub fit: NullFit,
    /// Where the null in force comes from: "exam", "all exams", "sign" (the
    /// sign's own fit, [`crate::signs::Sign::null_of_its_own`]) or
    /// "theoretical".
    pub source: &'static str,
}

/// The combined result of one cell.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellVerdict {
    /// A decisive cell of a listed school-year.
    pub marker: bool,
    /// 1 − the cell's combined p-value (0..1; for ranking use `evidence`).
    pub risk: f64,
    /// −log10 of the cell's combined p-value (0 when not evaluated).
    pub evidence: f64,
    /// The cell's combined p-value, when any marking sign was evaluated.
    pub p_value: Option<f64>,
    /// Per sign ([`REGISTRY`] order): the calibrated p-value, when evaluated.
    pub calibrated: Vec<Option<f64>>,
    /// The signs that carried a marked cell's evidence (indices into [`REGISTRY`]).
    pub signs: Vec<usize>,
}

/// The evidence of one school in one year.
#[derive(Clone, Debug, PartialEq)]
pub struct SchoolYear {
    pub year: u16,
    pub school: u32,
    /// Indices (dataset order) of its cells with a combined p-value.
    pub cells: Vec<usize>,
    /// Simes' combination over those cells.
    pub p_value: f64,
    /// Persistence weight (the year's weights average 1).
    pub weight: f64,
    /// Weighted BH q-value among the year's school-years.
    pub q_value: f64,
    /// −log10(p / w), at least 0.
    pub evidence: f64,
    pub listed: bool,
    /// The decisive cells (Simes'), strongest first, with each one's share of
    /// their evidence (−log10 p, normalised to sum to 1); for a listed
    /// school-year also every cell that stands out within it (its marked cells).
    pub decisive: Vec<(usize, f64)>,
}

/// Everything the stage decides.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    pub nulls: Vec<SignNull>,
    pub cells: Vec<CellVerdict>,
    pub school_years: BTreeMap<(u16, u32), SchoolYear>,
    /// The evidence a school-year needs to be listed, per year (the BH
    /// threshold as −log10 of p / w; infinite when nobody is listed).
    pub thresholds: BTreeMap<u16, f64>,
}

impl Evidence {
    pub fn school_year(&self, year: u16, school: u32) -> Option<&SchoolYear> {
        self.school_years.get(&(year, school))
    }
}

fn evidence_of(p: f64) -> f64 {
    (-p.max(P_FLOOR).log10()).max(0.0)
}

/// Fits the nulls, combines, lists, and sets each finding's `fired` to whether
/// the sign carried a marked cell.
pub fn assess(
    data: &Dataset,
    results: &mut SignResults,
    cfg: &SignsConfig,
    persistence_weight: f64,
) -> Evidence {
    let index = data.cell_index();
    let exam_of: Vec<Exam> = index.iter().map(|&(t, _)| data.tests[t].key.exam).collect();
    let nulls = fit_nulls(results, &exam_of, cfg.null_min_cells);
    let null_of = |s: usize, exam: Exam| {
        nulls
            .iter()
            .find(|n| n.sign == s && n.exam == exam)
            .map_or(NullFit::theoretical(0), |n| n.fit)
    };

    // Cells.
    let families: Vec<&'static str> = (REGISTRY.iter())
        .filter(|s| s.marks_cell())
        .map(|s| s.family())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Each cell on its own, on every core.
    let (mut cells, family_parts): (Vec<CellVerdict>, Vec<Families>) = (exam_of.par_iter())
        .enumerate()
        .map(|(i, &exam)| {
            let mut v = CellVerdict {
                calibrated: vec![None; REGISTRY.len()],
                ..CellVerdict::default()
            };
            for (s, sign) in REGISTRY.iter().enumerate() {
                let f = &results.findings[s][i];
                if let (true, Some(p)) = (f.evaluated, f.p_value()) {
                    let fit = if sign.marks_cell() {
                        null_of(s, exam)
                    } else {
                        NullFit::theoretical(0)
                    };
                    v.calibrated[s] = Some(fit.calibrate(p));
                }
            }
            let parts = family_parts(&v.calibrated, i, &families, results, cfg, true);
            let mut decisive = Vec::new();
            if let Some((p, dec)) = simes(&parts.iter().map(|x| x.0).collect::<Vec<_>>()) {
                v.p_value = Some(p);
                v.risk = 1.0 - p;
                v.evidence = evidence_of(p);
                decisive = dec;
            }
            // The cell's own evidence, without the statistics of its school
            // (they enter the school-year once, see `school_entries`).
            let own = family_parts(&v.calibrated, i, &families, results, cfg, false);
            let own = simes(&own.iter().map(|x| x.0).collect::<Vec<_>>()).map(|x| x.0);
            (
                v,
                Families {
                    parts,
                    decisive,
                    own,
                },
            )
        })
        .unzip();

    // School-years, year by year (persistence reads the previous year).
    let mut groups: BTreeMap<(u16, u32), Vec<usize>> = BTreeMap::new();
    for (i, &(t, c)) in index.iter().enumerate() {
        if cells[i].p_value.is_some() {
            let key = (data.tests[t].key.year, data.tests[t].cells[c].school);
            groups.entry(key).or_default().push(i);
        }
    }
    let years: Vec<u16> = groups
        .keys()
        .map(|k| k.0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut school_years = BTreeMap::new();
    let mut thresholds = BTreeMap::new();
    let mut listed_before: BTreeSet<u32> = BTreeSet::new();
    // Cells decisive through a statistic of their school: that sign, per cell.
    let mut carried: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &year in &years {
        let mut rows: Vec<SchoolYear> = Vec::new();
        for (&(y, school), idx) in groups.range((year, 0)..=(year, u32::MAX)) {
            debug_assert_eq!(y, year);
            let works = |i: usize| {
                let (t, c) = index[i];
                data.tests[t].cells[c].len()
            };
            let subject_of = |i: usize| data.tests[index[i].0].key.subject.clone();
            let entries =
                school_year_entries(idx, &cells, &family_parts, results, cfg, subject_of, works);
            let weighted: Vec<(f64, f64)> = entries.iter().map(|e| (e.p, e.root)).collect();
            let Some((p_value, dec)) = weighted_simes(&weighted) else {
                continue;
            };
            let mut decisive: Vec<(usize, f64)> = Vec::new();
            for &k in &dec {
                for &(i, sign) in &entries[k].cells {
                    if decisive.iter().all(|&(d, _)| d != i) {
                        decisive.push((i, 0.0));
                    }
                    if let Some(s) = sign {
                        carried.entry(i).or_default().push(s);
                    }
                }
            }
            set_shares(&mut decisive, &cells);
            let raw_weight = if listed_before.contains(&school) {
                persistence_weight
            } else {
                1.0
            };
            rows.push(SchoolYear {
                year,
                school,
                cells: idx.clone(),
                p_value,
                weight: raw_weight,
                q_value: 1.0,
                evidence: 0.0,
                listed: false,
                decisive,
            });
        }
        thresholds.insert(year, list_year(&mut rows, cfg));
        listed_before = rows.iter().filter(|r| r.listed).map(|r| r.school).collect();
        for r in rows {
            school_years.insert((r.year, r.school), r);
        }
    }

    // Marked cells and the signs that carried them: the decisive ones, and
    // every other one that stands out by itself within the listed school-year
    // (BH over its cells, or over the cell's families, at `q_max`).
    for sy in school_years.values_mut().filter(|sy| sy.listed) {
        let p: Vec<Option<f64>> = sy.cells.iter().map(|&i| cells[i].p_value).collect();
        let also: Vec<usize> = (sy.cells.iter().zip(bh_qvalues(&p)))
            .filter(|(_, q)| q.is_some_and(|q| q <= cfg.q_max))
            .map(|(&i, _)| i)
            .collect();
        for i in also {
            if sy.decisive.iter().all(|&(d, _)| d != i) {
                sy.decisive.push((i, 0.0));
            }
        }
        set_shares(&mut sy.decisive, &cells);
        sy.decisive
            .sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for &(i, _) in &sy.decisive {
            let Families {
                parts,
                decisive: dec,
                ..
            } = &family_parts[i];
            if parts.is_empty() {
                continue;
            }
            let q = bh_qvalues(&parts.iter().map(|x| Some(x.0)).collect::<Vec<_>>());
            let mut signs: Vec<usize> = dec.iter().map(|&k| parts[k].1).collect();
            signs.extend(
                (parts.iter().zip(q))
                    .filter(|(_, q)| q.is_some_and(|q| q <= cfg.q_max))
                    .map(|(x, _)| x.1),
            );
            signs.extend(carried.get(&i).into_iter().flatten());
            signs.sort_unstable();
            signs.dedup();
            cells[i].marker = true;
            cells[i].signs = signs;
        }
    }
    for (s, list) in results.findings.iter_mut().enumerate() {
        let sign = REGISTRY[s];
        for (i, f) in list.iter_mut().enumerate() {
            f.fired = if sign.marks_cell() {
                cells[i].signs.contains(&s)
            } else {
                // S1 stands apart: its own BH rule, reported and used by the sample.
                f.evaluated
                    && f.q_value().is_some_and(|q| q <= cfg.q_max)
                    && f.effect().is_some_and(|e| e >= sign.min_effect(cfg))
            };
        }
    }
    Evidence {
        nulls,
        cells,
        school_years,
        thresholds,
    }
}

/// Simes' combination of (p-value, raw weight) pairs: each p over
/// w = raw / mean raw (see step 3 of the module's documentation; a cell's
/// raw weight is √n).
fn weighted_simes(entries: &[(f64, f64)]) -> Option<(f64, Vec<usize>)> {
    let mean = entries.iter().map(|e| e.1).sum::<f64>() / entries.len().max(1) as f64;
    let p: Vec<f64> = (entries.iter())
        .map(|&(p, r)| if r > 0.0 { p * mean / r } else { 1.0 })
        .collect();
    simes(&p)
}

/// One cell's families: (family p-value, the family's strongest sign), and
/// the positions of the decisive ones (Simes'); `own`: Simes' p-value over
/// the families without the statistics of the school.
struct Families {
    parts: Vec<(f64, usize)>,
    decisive: Vec<usize>,
    own: Option<f64>,
}

/// A cell's families (step 2 of the module's documentation): each family's
/// smallest calibrated p-value (p = 1 where the effect is below the sign's
/// minimum) times its number of evaluated signs, with that sign;
/// `per_school`: whether the statistics of the school count.
fn family_parts(
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
struct Entry {
    p: f64,
    /// Raw weight: √n of the cell, or the sum of √n over the cells the
    /// school's statistic speaks for.
    root: f64,
    /// The cells the entry names when decisive, with the sign (for a
    /// statistic of the school).
    cells: Vec<(usize, Option<usize>)>,
}

/// The entries of a school-year (step 3 of the module's documentation): each
/// cell's own p-value, and each statistic of the school once — a sign's
/// cells of the year (of one subject, for a sign read per subject) are one
/// hypothesis about the school (its VPR in a subject against its GIA, its
/// works at the GIA minimums, its medals), weighted by the works of all the
/// cells it speaks for. Its p-value is the largest calibrated p-value among
/// the cells whose own effect of the year reaches the sign's minimum (the
/// same statistic calibrated on each exam's null; the largest keeps it
/// valid), else 1.
fn school_year_entries(
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

/// Each cell's share of the cells' evidence (−log10 p, normalised to sum to 1;
/// equal shares when none has any).
fn set_shares(decisive: &mut [(usize, f64)], cells: &[CellVerdict]) {
    let total: f64 = decisive.iter().map(|&(i, _)| cells[i].evidence).sum();
    let n = decisive.len() as f64;
    for (i, share) in decisive.iter_mut() {
        *share = if total > 0.0 {
            cells[*i].evidence / total
        } else {
            1.0 / n
        };
    }
}

/// One year's list: rescales the weights to average 1, sets each
/// school-year's q-value, evidence and `listed`; returns the list's bar in
/// evidence, which a school-year is listed exactly when it reaches (infinite
/// when none is listed).
fn list_year(rows: &mut [SchoolYear], cfg: &SignsConfig) -> f64 {
    let total: f64 = rows.iter().map(|r| r.weight).sum();
    let n = rows.len() as f64;
    for r in rows.iter_mut() {
        r.weight *= n / total;
    }
    let weighted: Vec<Option<f64>> = rows
        .iter()
        .map(|r| Some((r.p_value / r.weight).min(1.0)))
        .collect();
    let q = bh_qvalues(&weighted);
    let mut listed = 0usize;
    for (r, q) in rows.iter_mut().zip(q) {
        r.q_value = q.unwrap_or(1.0);
        r.evidence = evidence_of(r.p_value / r.weight);
        r.listed = match cfg.control {
            Control::Fdr => r.q_value <= cfg.q_max,
            Control::Fpr => r.p_value / r.weight <= cfg.fpr_max,
        };
        listed += usize::from(r.listed);
    }
    if listed == 0 {
        return f64::INFINITY;
    }
    // The bar itself, not the weakest listed school: with k of n listed by
    // Benjamini–Hochberg, a school-year is listed exactly when its weighted p
    // is at most k·q/n (every listed one is, and an unlisted one at or below
    // it would have made the list longer); with the per-school budget, when
    // it is at most the budget.
    match cfg.control {
        Control::Fdr => evidence_of(listed as f64 * cfg.q_max / n),
        Control::Fpr => evidence_of(cfg.fpr_max),
    }
}

/// A number in (0, 1) fixed by the sign and the cell (SplitMix64 of the
/// pair: Steele, Lea & Flood 2014), the same at any thread count and input
/// row order: the randomization of a stepped p-value for the null's fit.
fn uniform(sign: usize, cell: usize) -> f64 {
    let mut z = ((sign as u64) << 40 ^ cell as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    ((z >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// P(T > t) + u · (P(T ≥ t) − P(T > t)): a stepped p-value made continuous
/// for the null's fit (the p-value itself where there are no steps).
fn randomized(p: f64, next: Option<f64>, u: f64) -> f64 {
    next.map_or(p, |next| next + u * (p - next).max(0.0))
}

/// The null of each marking sign per exam present, fitted on the p-values of
/// its evaluated cells; a stepped p-value P(T ≥ t) enters the fit as
/// P(T > t) + U · P(T = t), U uniform (Habiger & Peña 2011): uniform under
/// the sign's model, so that the steps (many p-values of exactly 1, say)
/// neither widen the null nor move its centre, and what is left is the
/// region's departure from the model.
fn fit_nulls(results: &SignResults, exam_of: &[Exam], min_cells: usize) -> Vec<SignNull> {
    let exams: BTreeSet<Exam> = exam_of.iter().copied().collect();
    let mut out = Vec::new();
    for (s, sign) in REGISTRY.iter().enumerate() {
        if !sign.marks_cell() {
            continue;
        }
        let p_of = |exam: Option<Exam>| -> Vec<f64> {
            (results.findings[s].iter().zip(exam_of).enumerate())
                .filter(|(_, (f, e))| f.evaluated && exam.is_none_or(|x| x == **e))
                .filter_map(|(i, (f, _))| {
                    let p = f.p_value()?;
                    Some(randomized(p, f.p_next(), uniform(s, i)))
                })
                .collect()
        };
        let all = NullFit::fit(&p_of(None), min_cells);
        for &exam in &exams {
            let own = NullFit::fit(&p_of(Some(exam)), min_cells);
            let (fit, source) = if sign.null_of_its_own() {
                (NullFit::theoretical(own.n), "sign")
            } else if own.fitted {
                (own, "exam")
            } else if all.fitted {
                (all, "all exams")
            } else {
                (own, "theoretical")
            };
            out.push(SignNull {
                sign: s,
                exam,
                fit,
                source,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Counts drawn exactly from Binomial(12, 0.2) (the quantiles of 20 000
    /// evenly spaced levels): their p-values P(X ≥ x) have steps, with a
    /// quarter of them at p ≈ 1 … 0.93. Randomized within each step they are
    /// uniform (Habiger & Peña 2011, Lemma 1), so the fitted null must be
    /// N(0, 1) up to the sampling error of a median and an IQR of 20 000
    /// values (≈ 0.01 and 0.02); the raw p-values give a wide, low bulk.
    #[test]
    fn randomized_steps_fit_the_theoretical_null() {
        use statrs::distribution::{Binomial, DiscreteCDF};
        let b = Binomial::new(0.2, 12).unwrap();
        let sf = |x: u64| if x == 0 { 1.0 } else { b.sf(x - 1) };
        let n = 20_000;
        let counts: Vec<u64> = (0..n)
            .map(|i| b.inverse_cdf((i as f64 + 0.5) / n as f64))
            .collect();
        let raw: Vec<f64> = counts.iter().map(|&x| sf(x)).collect();
        let smooth: Vec<f64> = (counts.iter().enumerate())
            .map(|(i, &x)| randomized(sf(x), Some(sf(x + 1)), uniform(3, i)))
            .collect();
        let fit = NullFit::fit(&smooth, 100);
        assert!(fit.fitted_center.abs() < 0.03, "{fit:?}");
        assert!((fit.fitted_scale - 1.0).abs() < 0.05, "{fit:?}");
        let steps = NullFit::fit(&raw, 100);
        assert!(
            steps.fitted_scale > 1.2 || steps.fitted_center < -0.2,
            "{steps:?}"
        );
        // The U of a sign and a cell is fixed, in (0, 1), and spread evenly.
        assert_eq!(uniform(3, 17), uniform(3, 17));
        let mean = (0..n).map(|i| uniform(5, i)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01 && (0..n).all(|i| (0.0..1.0).contains(&uniform(5, i))));
        // No steps: the p-value itself.
        assert_eq!(randomized(0.3, None, 0.9), 0.3);
    }

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

    fn row(p: f64, weight: f64) -> SchoolYear {
        SchoolYear {
            year: 2025,
            school: 0,
            cells: Vec::new(),
            p_value: p,
            weight,
            q_value: 1.0,
            evidence: 0.0,
            listed: false,
            decisive: Vec::new(),
        }
    }

    #[test]
    fn weighted_bh_by_hand() {
        // p = 0.001, 0.02, 0.03, 0.5 with weights 2, 1, 1, 1 → rescaled to
        // 1.6, 0.8, 0.8, 0.8 (mean 1): p / w = 0.000625, 0.025, 0.0375, 0.625;
        // BH (m = 4): 0.0025, 0.05, 0.05, 0.625 → the first three at q 0.05.
        let mut rows = vec![
            row(0.001, 2.0),
            row(0.02, 1.0),
            row(0.03, 1.0),
            row(0.5, 1.0),
        ];
        let t = list_year(&mut rows, &SignsConfig::default());
        let listed: Vec<bool> = rows.iter().map(|r| r.listed).collect();
        assert_eq!(listed, [true, true, true, false]);
        assert!((rows[0].weight - 1.6).abs() < 1e-12);
        assert!((rows[1].q_value - 0.05).abs() < 1e-12);
        // The bar: k q / m = 3 · 0.05 / 4 = 0.0375 (here the third's own p / w).
        assert!((t - (-(0.0375f64).log10())).abs() < 1e-12);
        // p = 0.001 and 0.5: BH lists the first (0.001 ≤ 0.05 / 2), and the
        // bar is 1 · 0.05 / 2 = 0.025 (−lg = 1.602), not the listed one's 3.
        let mut rows = vec![row(0.001, 1.0), row(0.5, 1.0)];
        let t = list_year(&mut rows, &SignsConfig::default());
        assert!(rows[0].listed && !rows[1].listed);
        assert!((t - (-(0.025f64).log10())).abs() < 1e-12, "{t}");
    }

    proptest! {
        /// The list is the top of the ranking: every listed school-year has
        /// more evidence than every unlisted one of the same year.
        #[test]
        fn the_list_is_the_top_of_the_ranking(
            ps in proptest::collection::vec((-12.0f64..0.0, proptest::bool::ANY), 1..200),
            fpr in proptest::bool::ANY,
        ) {
            let mut rows: Vec<SchoolYear> = ps
                .iter()
                .map(|&(lg, before)| row(10f64.powf(lg), if before { 2.0 } else { 1.0 }))
                .collect();
            let cfg = SignsConfig {
                control: if fpr { Control::Fpr } else { Control::Fdr },
                ..SignsConfig::default()
            };
            let threshold = list_year(&mut rows, &cfg);
            let mean = rows.iter().map(|r| r.weight).sum::<f64>() / rows.len() as f64;
            prop_assert!((mean - 1.0).abs() < 1e-9);
            let lowest_listed = rows.iter().filter(|r| r.listed).map(|r| r.evidence).fold(f64::INFINITY, f64::min);
            let highest_unlisted = rows.iter().filter(|r| !r.listed).map(|r| r.evidence).fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(lowest_listed > highest_unlisted, "{lowest_listed} vs {highest_unlisted}");
            // Listed exactly when the evidence reaches the bar.
            prop_assert!(lowest_listed >= threshold - 1e-9, "{lowest_listed} vs {threshold}");
            prop_assert!(highest_unlisted <= threshold + 1e-9, "{highest_unlisted} vs {threshold}");
        }
    }
}
