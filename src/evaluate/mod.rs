//! Detection quality on simulated regions: simulate (seeds × intensities),
//! analyze, compare with `truth.csv`.
//!
//! For every intensity (mild, moderate, strong) and seed, a region is simulated
//! with every planted manipulation at that intensity; the cells with at least
//! `min_n` works are scored:
//! * recall per manipulation kind = marked manipulated cells / manipulated cells;
//!   and again by how much the manipulation changed (`changed` of truth.csv:
//!   rows «kind · changed 0 / 1–4 / ≥ 5»): a cell's own works for a kind
//!   within a cell, the school's works (medals) over all its cells and years
//!   for a kind across procedures. A lift to a cut-off or a minimum finds no
//!   work to lift in a school whose pupils all score well above it, and weak
//!   medals need weak candidates: such plants change nothing a sign could see;
//! * false-positive rate = marked honest cells / honest cells (lyceums and
//!   gymnasiums also separately);
//! * AUC of `risk` between manipulated and honest cells (Mann–Whitney, ties
//!   counted one half); the cells manipulated across procedures and years
//!   have AUC rows of their own («across procedures, …»).
//!
//! The honest cells of all intensities are pooled for the false-positive rate.
//! School-years: the share listed, of the manipulating ones by intensity —
//! those with a manipulation within a cell apart from those manipulating
//! across procedures and years (`vpr_unconfirmed`, `cohort_spike`,
//! `gia_minimum`, `weak_medals`; also each kind apart: a school's own
//! statistic lists a school-year, whichever of its cells it names) — and of
//! the honest ones, with apart the
//! honest years of schools that manipulate in another year of the folder
//! (a sign pooled over the years, as the GIA minimums', speaks for each).
//!
//! **Municipal** (`--municipal`): each simulated region is cut into its
//! municipalities, each analysed alone with the region's reference.csv
//! ([`municipal`]); the cells and school-years of all of them are pooled.
//!
//! **Calibration.** Per sign, the share of honest cells (evaluated, with a
//! p-value) whose p-value is at most 0.05, 0.01 and 0.001: under a valid null
//! these shares are at most the nominal levels (a small excess can come from
//! honest cells of manipulating schools whose reference is disturbed by their
//! manipulated cells). **Detail.** One row per manipulated cell with every
//! sign's p- and q-value, to see what each sign makes of each kind.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Config;
use crate::error::RunError;
use crate::evidence::assess;
use crate::progress::Progress;
use crate::signs::{REGISTRY, run};
use crate::simulate::{Intensity, SimOptions, across_procedures, simulate};

mod municipal;
mod shape;

pub use shape::Shape;

#[derive(Clone, Debug)]
pub struct EvalOptions {
    pub seeds: Vec<u64>,
    pub schools: usize,
    pub years: u16,
    pub min_n: usize,
    /// The data shape the regions are written in before analysis.
    pub shape: Shape,
    /// The simulator variants: `false` standard, `true` misspecified honest
    /// schools (`simulate --misspecified`); rows of the latter are prefixed
    /// «misspecified: ».
    pub misspecified: Vec<bool>,
    pub config: Config,
    /// Scratch space for the simulated regions (removed afterwards).
    pub work: PathBuf,
    /// Analyse each municipality alone with the region's reference.csv (as a
    /// municipal office does), the results pooled.
    pub municipal: bool,
    /// Simulated pupils keep their cohort and code from year to year
    /// (`simulate --persistent-codes`).
    pub persistent_codes: bool,
}

/// One row of evaluation.csv.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct EvalRow {
    pub group: String,
    pub intensity: String,
    pub cells: u64,
    pub flagged: u64,
    pub rate: Option<f64>,
    /// Per sign: how many of these cells it fired in (S1;S2;...).
    pub by_sign: String,
}

/// One row of calibration.csv: a sign's p-values in honest cells.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct CalibrationRow {
    pub sign: String,
    /// Honest cells where the sign gave a p-value.
    pub cells: u64,
    pub share_p_005: Option<f64>,
    pub share_p_001: Option<f64>,
    pub share_p_0001: Option<f64>,
    /// Honest cells where the sign fired.
    pub fired: u64,
}

/// One row of evaluation_cells.csv: a manipulated cell.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct DetailRow {
    pub seed: u64,
    pub intensity: String,
    pub kind: String,
    pub year: u16,
    pub exam: String,
    pub subject: String,
    pub grade: u8,
    pub school: String,
    pub selective: bool,
    pub n: usize,
    /// Works (medals) the manipulation changed: the cell's own, or for a
    /// kind across procedures the school's over all its cells and years.
    pub changed: Option<u32>,
    pub marker: bool,
    pub evidence: f64,
    /// Per sign: `id:p/q` (empty when not evaluated), `;`-separated.
    pub signs: String,
}

#[derive(Clone, Debug, Default)]
pub struct Evaluation {
    pub rows: Vec<EvalRow>,
    pub auc: Vec<(String, f64)>,
    pub calibration: Vec<CalibrationRow>,
    pub detail: Vec<DetailRow>,
}

#[derive(Default)]
struct Tally {
    cells: u64,
    flagged: u64,
    by_sign: Vec<u64>,
}

impl Tally {
    fn add(&mut self, flagged: bool, fired: &[bool]) {
        self.cells += 1;
        self.flagged += u64::from(flagged);
        self.by_sign.resize(fired.len(), 0);
        for (t, &f) in self.by_sign.iter_mut().zip(fired) {
            *t += u64::from(f);
        }
    }
}

/// Per cell (year, exam, subject, grade, school): the manipulation, its
/// intensity and how many works (medals) it changed — `None` in a truth.csv
/// written before the simulator counted them.
type Truth = BTreeMap<(u16, String, String, u8, String), (String, String, Option<u32>)>;

fn read_truth(path: &Path) -> Result<Truth, RunError> {
    let err = |m: String| RunError::Evaluation(format!("{}: {m}", path.display()));
    let mut r = csv::Reader::from_path(path).map_err(|e| err(e.to_string()))?;
    let mut out = Truth::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| err(e.to_string()))?;
        let year = rec[0].parse().map_err(|_| err("bad year".into()))?;
        let grade = rec[3].parse().map_err(|_| err("bad grade".into()))?;
        out.insert(
            (
                year,
                rec[1].to_owned(),
                rec[2].to_owned(),
                grade,
                rec[4].to_owned(),
            ),
            (
                rec[5].to_owned(),
                rec[6].to_owned(),
                rec.get(7).and_then(|c| c.parse().ok()),
            ),
        );
    }
    Ok(out)
}

/// Mann–Whitney AUC: P(risk of a positive > risk of a negative) + ½ P(tie).
pub fn auc(pos: &[f64], neg: &[f64]) -> Option<f64> {
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let mut all: Vec<(f64, bool)> = pos
        .iter()
        .map(|&x| (x, true))
        .chain(neg.iter().map(|&x| (x, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Mid-ranks.
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < all.len() {
        let j = (i..all.len())
            .find(|&j| all[j].0 != all[i].0)
            .unwrap_or(all.len());
        let mid = (i + j + 1) as f64 / 2.0;
        rank_sum_pos += mid * all[i..j].iter().filter(|x| x.1).count() as f64;
        i = j;
    }
    let (np, nn) = (pos.len() as f64, neg.len() as f64);
    Some((rank_sum_pos - np * (np + 1.0) / 2.0) / (np * nn))
}

/// Evaluates every simulator variant of `opts.misspecified` in turn; the
/// misspecified variant's rows, AUCs, calibration and details are prefixed
/// «misspecified: ».
pub fn evaluate(opts: &EvalOptions, progress: Progress) -> Result<Evaluation, RunError> {
    let mut out = Evaluation::default();
    for &misspecified in &opts.misspecified {
        let mut one = evaluate_variant(opts, misspecified, progress)?;
        if misspecified {
            let tag = |s: &mut String| *s = format!("misspecified: {s}");
            one.rows.iter_mut().for_each(|r| tag(&mut r.group));
            one.auc.iter_mut().for_each(|a| tag(&mut a.0));
            one.calibration.iter_mut().for_each(|c| tag(&mut c.sign));
            one.detail.iter_mut().for_each(|d| tag(&mut d.kind));
        }
        out.rows.extend(one.rows);
        out.auc.extend(one.auc);
        out.calibration.extend(one.calibration);
        out.detail.extend(one.detail);
    }
    Ok(out)
}

/// The tallies of one simulator variant, over every analysed folder.
#[derive(Default)]
struct Acc {
    manipulated: BTreeMap<(String, String), Tally>,
    honest: Tally,
    honest_selective: Tally,
    risks: BTreeMap<String, (Vec<f64>, Vec<f64>)>,
    // Evidence of the cells manipulated across procedures, per intensity
    // (their AUC is against the same honest cells, reported apart).
    risks_procedures: BTreeMap<String, Vec<f64>>,
    // School-years: manipulating ones per intensity, honest ones pooled.
    // Keyed by (across procedures, intensity).
    schools_manipulating: BTreeMap<(bool, String), Tally>,
    // School-years manipulating across procedures, per kind and intensity.
    schools_by_kind: BTreeMap<(String, String), Tally>,
    schools_honest: Tally,
    // Of those, the school-years of schools that manipulate in another year
    // (a sign pooled over the years speaks for every year of the school).
    schools_honest_year: Tally,
    listed_total: u64,
    listed_distinct: u64,
    // Per sign: [cells with p, p <= .05, p <= .01, p <= .001, fired].
    calib: Vec<[u64; 5]>,
    detail: Vec<DetailRow>,
}

impl Acc {
    /// Analyses the folder `dir` and adds its cells and school-years.
    fn add_folder(
        &mut self,
        dir: &Path,
        opts: &EvalOptions,
        truth: &Truth,
        intensity: Intensity,
        seed: u64,
    ) -> Result<(), RunError> {
        let loaded = crate::load::load_folder(dir, &Progress::new(false))?;
        let data = &loaded.dataset;
        let mut results = run(data, &opts.config.signs);
        let ev = assess(
            data,
            &mut results,
            &opts.config.signs,
            opts.config.lists.persistence_weight,
        );
        self.add(data, &results, &ev, opts, truth, intensity, seed);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        data: &crate::model::Dataset,
        results: &crate::signs::SignResults,
        ev: &crate::evidence::Evidence,
        opts: &EvalOptions,
        truth: &Truth,
        intensity: Intensity,
        seed: u64,
    ) {
        let verdicts = &ev.cells;
        // Manipulating school-years, and whether across procedures.
        let manipulating: BTreeMap<(u16, &str), bool> =
            (truth.iter().filter(|(_, (kind, ..))| kind != "none"))
                .map(|(k, (kind, ..))| ((k.0, k.4.as_str()), across_procedures(kind)))
                .collect();
        let manipulating_schools: std::collections::BTreeSet<&str> =
            manipulating.keys().map(|&(_, s)| s).collect();
        let across_kind: BTreeMap<(u16, &str), &str> = (truth.iter())
            .filter(|(_, (kind, ..))| across_procedures(kind))
            .map(|(k, (kind, ..))| ((k.0, k.4.as_str()), kind.as_str()))
            .collect();
        // A school's works (medals) changed across procedures, over all its
        // cells and years: the unit its sign reads.
        let mut school_changed: BTreeMap<&str, u32> = BTreeMap::new();
        for (k, (kind, _, changed)) in truth {
            if across_procedures(kind)
                && let Some(c) = changed
            {
                *school_changed.entry(k.4.as_str()).or_default() += c;
            }
        }
        // Every school-year with works counts, judged or not (a school whose
        // cells are all too small is a manipulation missed).
        let all_school_years: std::collections::BTreeSet<(u16, u32)> = (data.cell_index())
            .iter()
            .map(|&(t, c)| (data.tests[t].key.year, data.tests[t].cells[c].school))
            .collect();
        for (year, school) in all_school_years {
            let id = data.schools[school as usize].id.as_str();
            let listed = ev.school_year(year, school).is_some_and(|sy| sy.listed);
            if let Some(&procedures) = manipulating.get(&(year, id)) {
                self.schools_manipulating
                    .entry((procedures, intensity.code().to_owned()))
                    .or_default()
                    .add(listed, &[]);
                if let Some(kind) = across_kind.get(&(year, id)) {
                    (self.schools_by_kind)
                        .entry(((*kind).to_owned(), intensity.code().to_owned()))
                        .or_default()
                        .add(listed, &[]);
                }
            } else {
                self.schools_honest.add(listed, &[]);
                if manipulating_schools.contains(id) {
                    self.schools_honest_year.add(listed, &[]);
                }
            }
        }
        let mut listed: Vec<(u16, f64)> = (ev.school_years.values())
            .filter(|sy| sy.listed)
            .map(|sy| (sy.year, sy.evidence))
            .collect();
        self.listed_total += listed.len() as u64;
        listed.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        listed.dedup();
        self.listed_distinct += listed.len() as u64;
        self.calib.resize(REGISTRY.len(), [0; 5]);
        for (i, &(t, c)) in data.cell_index().iter().enumerate() {
            let block = &data.tests[t];
            let span = block.cells[c];
            if span.len() < opts.min_n {
                continue;
            }
            let school = &data.schools[span.school as usize];
            let key = (
                block.key.year,
                block.key.exam.code().to_owned(),
                block.key.subject.clone(),
                block.key.grade,
                school.id.clone(),
            );
            let (kind, _, changed) = truth
                .get(&key)
                .cloned()
                .unwrap_or_else(|| ("none".into(), "none".into(), None));
            let fired: Vec<bool> = (0..REGISTRY.len())
                .map(|s| results.findings[s][i].fired)
                .collect();
            let v = &verdicts[i];
            let r = self.risks.entry(intensity.code().to_owned()).or_default();
            if kind == "none" {
                for (s, tally) in self.calib.iter_mut().enumerate() {
                    let f = &results.findings[s][i];
                    if let Some(p) = f.p_value().filter(|_| f.evaluated) {
                        tally[0] += 1;
                        tally[1] += u64::from(p <= 0.05);
                        tally[2] += u64::from(p <= 0.01);
                        tally[3] += u64::from(p <= 0.001);
                    }
                    tally[4] += u64::from(f.fired);
                }
                self.honest.add(v.marker, &fired);
                if school.selective_for(&block.key.subject) {
                    self.honest_selective.add(v.marker, &fired);
                }
                r.1.push(v.evidence);
            } else {
                let procedures = across_procedures(&kind);
                let changed = if procedures {
                    school_changed.get(key.4.as_str()).copied()
                } else {
                    changed
                };
                let signs: Vec<String> = REGISTRY
                    .iter()
                    .enumerate()
                    .map(|(s, sign)| {
                        let f = &results.findings[s][i];
                        match (f.evaluated, f.p_value(), f.q_value()) {
                            (true, Some(p), Some(q)) => format!("{}:{p:.2e}/{q:.2e}", sign.id()),
                            _ => format!("{}:", sign.id()),
                        }
                    })
                    .collect();
                self.detail.push(DetailRow {
                    seed,
                    intensity: intensity.code().to_owned(),
                    kind: kind.clone(),
                    year: key.0,
                    exam: key.1.clone(),
                    subject: key.2.clone(),
                    grade: key.3,
                    school: key.4.clone(),
                    selective: school.selective_for(&block.key.subject),
                    n: span.len(),
                    changed,
                    marker: v.marker,
                    evidence: v.evidence,
                    signs: signs.join(";"),
                });
                if let Some(c) = changed {
                    let band = match c {
                        0 => "changed 0",
                        1..=4 => "changed 1–4",
                        _ => "changed ≥ 5",
                    };
                    (self.manipulated)
                        .entry((format!("{kind} · {band}"), intensity.code().to_owned()))
                        .or_default()
                        .add(v.marker, &fired);
                }
                self.manipulated
                    .entry((kind, intensity.code().to_owned()))
                    .or_default()
                    .add(v.marker, &fired);
                if procedures {
                    (self.risks_procedures.entry(intensity.code().to_owned()))
                        .or_default()
                        .push(v.evidence);
                } else {
                    r.0.push(v.evidence);
                }
            }
        }
    }
}

fn evaluate_variant(
    opts: &EvalOptions,
    misspecified: bool,
    progress: Progress,
) -> Result<Evaluation, RunError> {
    let intensities = [Intensity::Mild, Intensity::Moderate, Intensity::Strong];
    let mut acc = Acc::default();
    let bar = progress.bar((opts.seeds.len() * intensities.len()) as u64, "evaluating");
    for &intensity in &intensities {
        for &seed in &opts.seeds {
            let dir = opts.work.join(format!(
                "seed{seed}-{}{}",
                intensity.code(),
                if misspecified { "-misspecified" } else { "" }
            ));
            let sim = SimOptions {
                schools: opts.schools,
                years: opts.years,
                seed,
                intensity: Some(intensity),
                misspecified,
                persistent_codes: opts.persistent_codes,
                ..SimOptions::default()
            };
            simulate(&sim, &dir, &mut |_, _| {})
                .map_err(|e| RunError::Evaluation(e.to_string()))?;
            opts.shape.apply(&dir)?;
            let truth = read_truth(&dir.join("truth.csv"))?;
            if opts.municipal {
                // Each municipality alone, with the region's reference.csv.
                let region = crate::load::load_folder(&dir, &Progress::new(false))?;
                for folder in municipal::split(&dir, &region.dataset)? {
                    acc.add_folder(&folder, opts, &truth, intensity, seed)?;
                }
            } else {
                acc.add_folder(&dir, opts, &truth, intensity, seed)?;
            }
            std::fs::remove_dir_all(&dir).ok();
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let Acc {
        manipulated,
        honest,
        honest_selective,
        risks,
        risks_procedures,
        schools_manipulating,
        schools_by_kind,
        schools_honest,
        schools_honest_year,
        listed_total,
        listed_distinct,
        calib,
        detail,
    } = acc;
    let row = |group: &str, intensity: &str, t: &Tally| EvalRow {
        group: group.to_owned(),
        intensity: intensity.to_owned(),
        cells: t.cells,
        flagged: t.flagged,
        rate: (t.cells > 0).then(|| t.flagged as f64 / t.cells as f64),
        by_sign: REGISTRY
            .iter()
            .zip(t.by_sign.iter().chain(std::iter::repeat(&0)))
            .map(|(s, n)| format!("{}={n}", s.id()))
            .collect::<Vec<_>>()
            .join(" "),
    };
    // Intensities in their natural order within a group.
    let order = |i: &str| ["mild", "moderate", "strong"].iter().position(|x| *x == i);
    let mut rows: Vec<EvalRow> = manipulated.iter().map(|((k, i), t)| row(k, i, t)).collect();
    rows.sort_by_key(|r| (r.group.clone(), order(&r.intensity)));
    rows.push(row("honest (false positives)", "all", &honest));
    rows.push(row(
        "honest lyceums/gymnasiums/in-depth",
        "all",
        &honest_selective,
    ));
    for ((procedures, i), t) in &schools_manipulating {
        let group = if *procedures {
            "schools: manipulating across procedures, listed"
        } else {
            "schools: manipulating, listed"
        };
        rows.push(row(group, i, t));
    }
    let mut by_kind: Vec<_> = schools_by_kind.iter().collect();
    by_kind.sort_by_key(|((k, i), _)| (k.clone(), order(i)));
    for ((kind, i), t) in by_kind {
        rows.push(row(&format!("schools: {kind}, listed"), i, t));
    }
    rows.push(row(
        "schools: honest, listed (false positives)",
        "all",
        &schools_honest,
    ));
    rows.push(row(
        "schools: honest, listed: of them, years of schools manipulating in another year",
        "all",
        &schools_honest_year,
    ));
    rows.push(EvalRow {
        group: "schools: listed with distinct evidence".to_owned(),
        intensity: "all".to_owned(),
        cells: listed_total,
        flagged: listed_distinct,
        rate: (listed_total > 0).then(|| listed_distinct as f64 / listed_total as f64),
        by_sign: String::new(),
    });
    let mut auc_rows = Vec::new();
    let (mut all_pos, mut all_neg) = (Vec::new(), Vec::new());
    for (i, (p, n)) in &risks {
        if let Some(a) = auc(p, n) {
            auc_rows.push((i.clone(), a));
        }
        all_pos.extend(p);
        all_neg.extend(n);
    }
    if let Some(a) = auc(&all_pos, &all_neg) {
        auc_rows.push(("all".to_owned(), a));
    }
    let mut all_procedures = Vec::new();
    for (i, p) in &risks_procedures {
        let honest = risks.get(i).map_or(&[][..], |r| &r.1[..]);
        if let Some(a) = auc(p, honest) {
            auc_rows.push((format!("across procedures, {i}"), a));
        }
        all_procedures.extend(p);
    }
    if let Some(a) = auc(&all_procedures, &all_neg) {
        auc_rows.push(("across procedures, all".to_owned(), a));
    }
    let share = |k: u64, n: u64| (n > 0).then(|| k as f64 / n as f64);
    let calibration = REGISTRY
        .iter()
        .zip(&calib)
        .map(|(s, t)| CalibrationRow {
            sign: s.id().to_owned(),
            cells: t[0],
            share_p_005: share(t[1], t[0]),
            share_p_001: share(t[2], t[0]),
            share_p_0001: share(t[3], t[0]),
            fired: t[4],
        })
        .collect();
    Ok(Evaluation {
        rows,
        auc: auc_rows,
        calibration,
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_known_answers() {
        // Perfect separation, total overlap, and a hand count:
        // pos = [3, 2], neg = [1, 2]: pairs (3>1, 3>2, 2>1, 2=2) -> (3 + 0.5) / 4 = 0.875
        assert_eq!(auc(&[3.0, 4.0], &[1.0, 2.0]), Some(1.0));
        assert_eq!(auc(&[1.0, 1.0], &[1.0]), Some(0.5));
        assert_eq!(auc(&[3.0, 2.0], &[1.0, 2.0]), Some(0.875));
        assert_eq!(auc(&[], &[1.0]), None);
    }
}
