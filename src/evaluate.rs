//! Detection quality on simulated regions: simulate (seeds × intensities),
//! analyze, compare with `truth.csv`.
//!
//! For every intensity (mild, moderate, strong) and seed, a region is simulated
//! with every planted manipulation at that intensity; the cells with at least
//! `min_n` works are scored:
//! * recall per manipulation kind = marked manipulated cells / manipulated cells;
//! * false-positive rate = marked honest cells / honest cells (lyceums and
//!   gymnasiums also separately);
//! * AUC of `risk` between manipulated and honest cells (Mann–Whitney, ties
//!   counted one half).
//!
//! The honest cells of all intensities are pooled for the false-positive rate.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Config;
use crate::error::RunError;
use crate::progress::Progress;
use crate::risk::combine;
use crate::signs::{REGISTRY, run};
use crate::simulate::{Intensity, SimOptions, simulate};

#[derive(Clone, Debug)]
pub struct EvalOptions {
    pub seeds: Vec<u64>,
    pub schools: usize,
    pub years: u16,
    pub min_n: usize,
    pub config: Config,
    /// Scratch space for the simulated regions (removed afterwards).
    pub work: PathBuf,
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

#[derive(Clone, Debug, Default)]
pub struct Evaluation {
    pub rows: Vec<EvalRow>,
    pub auc: Vec<(String, f64)>,
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

type Truth = BTreeMap<(u16, String, String, u8, String), (String, String)>;

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
            (rec[5].to_owned(), rec[6].to_owned()),
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

pub fn evaluate(opts: &EvalOptions, progress: Progress) -> Result<Evaluation, RunError> {
    let intensities = [Intensity::Mild, Intensity::Moderate, Intensity::Strong];
    let mut manipulated: BTreeMap<(String, String), Tally> = BTreeMap::new();
    let mut honest = Tally::default();
    let mut honest_selective = Tally::default();
    let mut risks: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    let bar = progress.bar((opts.seeds.len() * intensities.len()) as u64, "evaluating");
    for &intensity in &intensities {
        for &seed in &opts.seeds {
            let dir = opts.work.join(format!("seed{seed}-{}", intensity.code()));
            let sim = SimOptions {
                schools: opts.schools,
                years: opts.years,
                seed,
                intensity: Some(intensity),
                ..SimOptions::default()
            };
            simulate(&sim, &dir, &mut |_, _| {})
                .map_err(|e| RunError::Evaluation(e.to_string()))?;
            let truth = read_truth(&dir.join("truth.csv"))?;
            let loaded = crate::load::load_folder(&dir, &Progress::new(false))?;
            let data = &loaded.dataset;
            let results = run(data, &opts.config.signs);
            let verdicts = combine(&results, &opts.config.signs);
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
                let (kind, _) = truth
                    .get(&key)
                    .cloned()
                    .unwrap_or_else(|| ("none".into(), "none".into()));
                let fired: Vec<bool> = (0..REGISTRY.len())
                    .map(|s| results.findings[s][i].fired)
                    .collect();
                let v = &verdicts[i];
                let r = risks.entry(intensity.code().to_owned()).or_default();
                if kind == "none" {
                    honest.add(v.marker, &fired);
                    if school.selective_for(&block.key.subject) {
                        honest_selective.add(v.marker, &fired);
                    }
                    r.1.push(v.risk);
                } else {
                    manipulated
                        .entry((kind, intensity.code().to_owned()))
                        .or_default()
                        .add(v.marker, &fired);
                    r.0.push(v.risk);
                }
            }
            std::fs::remove_dir_all(&dir).ok();
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
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
    let mut rows: Vec<EvalRow> = manipulated.iter().map(|((k, i), t)| row(k, i, t)).collect();
    rows.sort_by_key(|r| {
        (
            r.group.clone(),
            ["mild", "moderate", "strong"]
                .iter()
                .position(|x| *x == r.intensity),
        )
    });
    rows.push(row("honest (false positives)", "all", &honest));
    rows.push(row(
        "honest lyceums/gymnasiums/in-depth",
        "all",
        &honest_selective,
    ));
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
    Ok(Evaluation {
        rows,
        auc: auc_rows,
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
