//! Works to re-check inside a chosen school (`recheck_works.csv`).
//!
//! Of `works_per_school` works (all the school's works of the year when it has
//! fewer), a share `random_works_share` is drawn first, as a simple random
//! sample of all the school's works — the part that estimates the school's
//! inflation without selection bias — and the rest is targeted, taken in turn
//! from three lists so that each kind of suspicion is represented:
//! * `cutoff`: primary score at a mark cut-off or just above it,
//!   [c, c + d − 1] with d = max(1, round(0.05 · maximum)) — the works that
//!   lenient scoring lifts over a cut-off;
//! * `mark_gap`: exam mark and school mark at least 2 apart;
//! * `identical`: the task-score vector is shared, answer for answer, with
//!   another work of the cell (non-trivial vectors, same variant).
//!
//! The targeted works come from the school's marked cells first (the cells
//! whose signs the re-check is to confirm), then from its other cells; within
//! a list the order is random. Targeted slots left unfilled go on with the
//! random order.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::model::{Dataset, NO_MARK, TestBlock};
use crate::stats::identical::group_sizes;

use super::{SampleConfig, Stratum};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WorkReason {
    Cutoff,
    MarkGap,
    Identical,
    Random,
}

impl WorkReason {
    const TARGETED: [WorkReason; 3] = [
        WorkReason::Cutoff,
        WorkReason::MarkGap,
        WorkReason::Identical,
    ];

    pub fn code(self) -> &'static str {
        match self {
            WorkReason::Cutoff => "cutoff",
            WorkReason::MarkGap => "mark_gap",
            WorkReason::Identical => "identical",
            WorkReason::Random => "random",
        }
    }
}

/// One work to re-check.
#[derive(Clone, Debug, PartialEq)]
pub struct SampledWork {
    pub test: usize,
    /// Row in the test's arrays.
    pub row: usize,
    pub school: u32,
    pub stratum: Stratum,
    pub reason: WorkReason,
    /// The reason in Russian with the numbers.
    pub detail: String,
    pub in_marked_cell: bool,
}

/// The cut-off window of a test, when it has mark cut-offs.
fn cutoff_window(block: &TestBlock) -> Option<([f32; 3], f32)> {
    let cuts = block.scale.as_ref()?.cuts?;
    let max = block.max_primary()?;
    Some((cuts, (0.05 * max).round().max(1.0)))
}

struct Candidate {
    test: usize,
    row: usize,
    marked: bool,
    key: u64,
    reasons: Vec<(WorkReason, String)>,
}

fn reasons_of(block: &TestBlock, row: usize, group: usize) -> Vec<(WorkReason, String)> {
    let mut out = Vec::new();
    let p = block.primary[row];
    if let Some((cuts, d)) = cutoff_window(block)
        && let Some(i) = cuts
            .iter()
            .position(|&c| p >= c - 1e-6 && p <= c + d - 1.0 + 1e-6)
    {
        // The window takes the cut-off and the scores just above it.
        let score = |x: f32| x.to_string().replace('.', ",");
        let points = |x: f32| {
            let n = if x.fract() == 0.0 { x as u64 } else { 2 };
            crate::report::html::plural(n, ["балл", "балла", "баллов"])
        };
        let above = p - cuts[i];
        let at = if above < 1e-6 {
            "на границе отметки".to_owned()
        } else {
            format!("на {} {} выше границы отметки", score(above), points(above))
        };
        out.push((
            WorkReason::Cutoff,
            format!(
                "первичный балл {} — {at} «{}» (граница — {} {})",
                score(p),
                i + 3,
                score(cuts[i]),
                points(cuts[i])
            ),
        ));
    }
    let (m, j) = (block.mark[row], block.journal[row]);
    if m != NO_MARK && j != NO_MARK && m.abs_diff(j) >= 2 {
        out.push((
            WorkReason::MarkGap,
            format!("отметка за работу {m}, отметка по журналу {j}"),
        ));
    }
    if group >= 2 {
        out.push((
            WorkReason::Identical,
            format!(
                "баллы по всем заданиям совпадают ещё с {} {} этой параллели",
                group - 1,
                // The instrumental after «с»: с 1 работой, с 21 работой, с 3 работами.
                if (group - 1) % 10 == 1 && (group - 1) % 100 != 11 {
                    "работой"
                } else {
                    "работами"
                }
            ),
        ));
    }
    out
}

/// Chooses the works of one school: `cells` are its (test, cell, marked)
/// cells of the year; `rng` is the school's own stream.
pub fn choose(
    data: &Dataset,
    stratum: Stratum,
    cells: &[(usize, usize, bool)],
    cfg: &SampleConfig,
    rng: &mut ChaCha8Rng,
) -> Vec<SampledWork> {
    let mut all: Vec<Candidate> = Vec::new();
    let mut school = 0;
    for &(t, c, marked) in cells {
        let block = &data.tests[t];
        let span = block.cells[c];
        school = span.school;
        let rows = span.start as usize..span.end as usize;
        let max: Vec<f32> = block.tasks.iter().map(|k| k.max).collect();
        let groups = group_sizes(block.scores.view(), &max, &block.variant, rows.clone());
        for (row, &g) in rows.zip(&groups) {
            all.push(Candidate {
                test: t,
                row,
                marked,
                key: rng.random(),
                reasons: reasons_of(block, row, g),
            });
        }
    }
    let total = cfg.works_per_school.min(all.len());
    let n_random = (total as f64 * cfg.random_works_share).round() as usize;

    // The random part first, from all the school's works, so that it is a
    // simple random sample of them; then the targeted lists; slots the lists
    // cannot fill go on with the random order.
    let mut by_key: Vec<usize> = (0..all.len()).collect();
    by_key.sort_by_key(|&i| all[i].key);
    let mut taken = vec![false; all.len()];
    let mut picks: Vec<(usize, WorkReason, String)> = Vec::new();
    let random = |i: usize| (i, WorkReason::Random, "случайный выбор".to_owned());
    for &i in by_key.iter().take(n_random) {
        taken[i] = true;
        picks.push(random(i));
    }
    // Targeted: the school's marked cells first (all three lists in turn),
    // then its other cells.
    for marked in [true, false] {
        let mut lists: Vec<Vec<usize>> = WorkReason::TARGETED
            .iter()
            .map(|&r| {
                let mut l: Vec<usize> = (0..all.len())
                    .filter(|&i| all[i].marked == marked && all[i].reasons.iter().any(|x| x.0 == r))
                    .collect();
                l.sort_by_key(|&i| std::cmp::Reverse(all[i].key)); // popped from the back
                l
            })
            .collect();
        while picks.len() < total && lists.iter().any(|l| !l.is_empty()) {
            for (k, list) in lists.iter_mut().enumerate() {
                if picks.len() >= total {
                    break;
                }
                while let Some(i) = list.pop() {
                    if taken[i] {
                        continue;
                    }
                    taken[i] = true;
                    let r = WorkReason::TARGETED[k];
                    let detail = all[i]
                        .reasons
                        .iter()
                        .find(|x| x.0 == r)
                        .map(|x| x.1.clone())
                        .unwrap_or_default();
                    picks.push((i, r, detail));
                    break;
                }
            }
        }
    }
    for &i in &by_key {
        if picks.len() >= total {
            break;
        }
        if !taken[i] {
            taken[i] = true;
            picks.push(random(i));
        }
    }
    let mut out: Vec<SampledWork> = picks
        .into_iter()
        .map(|(i, reason, detail)| SampledWork {
            test: all[i].test,
            row: all[i].row,
            school,
            stratum,
            reason,
            detail,
            in_marked_cell: all[i].marked,
        })
        .collect();
    out.sort_by_key(|w| (w.test, w.row));
    out
}
