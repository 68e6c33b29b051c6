//! Descriptive statistics of a set of works: a cell, or a whole test (the
//! regional reference).
//!
//! * `mean_primary`, `sd_primary`: mean and sample standard deviation (n − 1)
//!   of the primary score; the SD is empty for fewer than 2 works.
//! * `share_2` … `share_5`: shares of marks among works that have a mark.
//! * `lowered` / `confirmed` / `raised`: among works with both an exam mark and a
//!   journal mark, the shares where the exam mark is below / equal to / above the
//!   journal mark (the FIS OKO «понизили / подтвердили / повысили» view).
//! * EGE: mean test score and the share below the certificate (`pass`) minimum,
//!   or below the university minimum where the subject has no pass minimum.

use rayon::prelude::*;

use crate::model::{Cell, CellSpan, Dataset, NO_MARK, NO_TEST_SCORE, TestBlock};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Descriptives {
    pub n: usize,
    pub mean_primary: Option<f64>,
    pub sd_primary: Option<f64>,
    /// Mean primary score as a share of the test's maximum.
    pub mean_percent: Option<f64>,
    pub n_marked: usize,
    /// Shares of marks 2, 3, 4, 5.
    pub mark_shares: Option<[f64; 4]>,
    pub n_journal: usize,
    /// lowered, confirmed, raised.
    pub vs_journal: Option<[f64; 3]>,
    pub n_test_score: usize,
    pub mean_test_score: Option<f64>,
    pub share_below_min: Option<f64>,
    /// Share of task entries marked not done (X).
    pub not_done_share: Option<f64>,
    /// Given marks that disagree with the scale.
    pub mark_scale_disagreements: usize,
}

/// Describes the works of `cell`.
pub fn describe(cell: Cell<'_>) -> Descriptives {
    let n = cell.n();
    let mut d = Descriptives {
        n,
        ..Descriptives::default()
    };
    if n == 0 {
        return d;
    }
    let primary: Vec<f64> = cell
        .primary()
        .iter()
        .filter(|p| !p.is_nan())
        .map(|&p| f64::from(p))
        .collect();
    if !primary.is_empty() {
        let m = primary.len() as f64;
        let mean = primary.iter().sum::<f64>() / m;
        d.mean_primary = Some(mean);
        if primary.len() >= 2 {
            let ss: f64 = primary.iter().map(|p| (p - mean).powi(2)).sum();
            d.sd_primary = Some((ss / (m - 1.0)).sqrt());
        }
        d.mean_percent = cell
            .block
            .max_primary()
            .filter(|&mx| mx > 0.0)
            .map(|mx| mean / f64::from(mx));
    }
    let mut marks = [0usize; 4];
    let mut vs = [0usize; 3];
    for (&m, &j) in cell.mark().iter().zip(cell.journal().iter()) {
        if (2..=5).contains(&m) {
            marks[usize::from(m - 2)] += 1;
            if j != NO_MARK {
                vs[match m.cmp(&j) {
                    std::cmp::Ordering::Less => 0,
                    std::cmp::Ordering::Equal => 1,
                    std::cmp::Ordering::Greater => 2,
                }] += 1;
            }
        }
    }
    d.n_marked = marks.iter().sum();
    if d.n_marked > 0 {
        d.mark_shares = Some(marks.map(|c| c as f64 / d.n_marked as f64));
    }
    d.n_journal = vs.iter().sum();
    if d.n_journal > 0 {
        d.vs_journal = Some(vs.map(|c| c as f64 / d.n_journal as f64));
    }
    let ts: Vec<u8> = cell
        .test_score()
        .iter()
        .copied()
        .filter(|&t| t != NO_TEST_SCORE)
        .collect();
    d.n_test_score = ts.len();
    if !ts.is_empty() {
        d.mean_test_score = Some(ts.iter().map(|&t| f64::from(t)).sum::<f64>() / ts.len() as f64);
        let min = cell
            .block
            .scale
            .as_ref()
            .and_then(|s| s.pass.or(s.university));
        d.share_below_min =
            min.map(|min| ts.iter().filter(|&&t| t < min).count() as f64 / ts.len() as f64);
    }
    let k = cell.block.tasks.len();
    if k > 0 {
        let nd: usize = cell.not_done().iter().map(|&x| usize::from(x)).sum();
        d.not_done_share = Some(nd as f64 / (n * k) as f64);
    }
    d.mark_scale_disagreements = cell.mark_disagrees().iter().filter(|&&b| b).count();
    d
}

/// The whole test as one cell.
pub fn region(block: &TestBlock) -> Descriptives {
    describe(Cell {
        block,
        span: CellSpan {
            school: u32::MAX,
            start: 0,
            end: block.n_works() as u32,
        },
    })
}

/// Several cells of one test as one: participants added, the mean % of the
/// maximum weighted by participants, mark shares by works with a mark,
/// journal agreement by works with both marks (the pooled shares are exact;
/// the pooled mean is exact when every work has a primary score).
pub fn pooled<'a>(cells: impl IntoIterator<Item = &'a Descriptives>) -> Descriptives {
    let mut d = Descriptives::default();
    let (mut pct_sum, mut pct_n) = (0.0, 0usize);
    let (mut marks, mut vs) = ([0.0; 4], [0.0; 3]);
    for c in cells {
        d.n += c.n;
        if let Some(p) = c.mean_percent {
            pct_sum += p * c.n as f64;
            pct_n += c.n;
        }
        if let Some(m) = c.mark_shares {
            d.n_marked += c.n_marked;
            (0..4).for_each(|i| marks[i] += m[i] * c.n_marked as f64);
        }
        if let Some(j) = c.vs_journal {
            d.n_journal += c.n_journal;
            (0..3).for_each(|i| vs[i] += j[i] * c.n_journal as f64);
        }
    }
    d.mean_percent = (pct_n > 0).then(|| pct_sum / pct_n as f64);
    d.mark_shares = (d.n_marked > 0).then(|| marks.map(|x| x / d.n_marked as f64));
    d.vs_journal = (d.n_journal > 0).then(|| vs.map(|x| x / d.n_journal as f64));
    d
}

/// Descriptives of every cell, in dataset order (tests by key, then school),
/// computed in parallel.
pub fn all_cells(data: &Dataset) -> Vec<(usize, usize, Descriptives)> {
    data.cell_index()
        .par_iter()
        .map(|&(t, c)| (t, c, describe(data.tests[t].cell(c))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Exam, Scale, TaskInfo, TestKey};
    use ndarray::{Array1, Array2};

    fn block(primary: &[f32], mark: &[u8], journal: &[u8]) -> TestBlock {
        let n = primary.len();
        TestBlock {
            key: TestKey {
                year: 2025,
                exam: Exam::Vpr,
                subject: "RU".into(),
                grade: 4,
            },
            tasks: vec![TaskInfo {
                index: 1,
                max: 10.0,
                max_declared: true,
                level: None,
                label: String::new(),
            }],
            scores: Array2::from_shape_vec((n, 1), primary.to_vec()).unwrap(),
            primary: Array1::from(primary.to_vec()),
            mark: Array1::from(mark.to_vec()),
            test_score: Array1::from(vec![NO_TEST_SCORE; n]),
            journal: Array1::from(journal.to_vec()),
            variant: vec![0; n],
            class: vec![crate::model::StrPool::NONE; n],
            student: (0..n as u32).collect(),
            not_done: vec![0, 1, 0, 0][..n].to_vec(),
            mark_disagrees: vec![false; n],
            cells: vec![CellSpan {
                school: 0,
                start: 0,
                end: n as u32,
            }],
            scale: Some(Scale {
                cuts: Some([3.0, 5.0, 8.0]),
                pass: None,
                university: None,
                max_score: Some(10.0),
                origin: String::new(),
            }),
            max_score: None,
        }
    }

    #[test]
    fn known_answers() {
        // primary 2, 4, 6, 8: mean 5, sample SD sqrt(20/3) = 2.5819888974716116
        // (numpy: np.std([2,4,6,8], ddof=1)).
        let b = block(&[2.0, 4.0, 6.0, 8.0], &[2, 3, 4, 5], &[3, 3, 4, NO_MARK]);
        let d = region(&b);
        assert_eq!(d.n, 4);
        assert_eq!(d.mean_primary, Some(5.0));
        assert!((d.sd_primary.unwrap() - 2.5819888974716116).abs() < 1e-12);
        assert_eq!(d.mean_percent, Some(0.5));
        assert_eq!(d.mark_shares, Some([0.25; 4]));
        // (2 vs 3) lowered, (3 vs 3) and (4 vs 4) confirmed; the 4th has no journal mark.
        assert_eq!(d.n_journal, 3);
        let v = d.vs_journal.unwrap();
        assert!(
            (v[0] - 1.0 / 3.0).abs() < 1e-12 && (v[1] - 2.0 / 3.0).abs() < 1e-12 && v[2] == 0.0
        );
        assert_eq!(d.not_done_share, Some(0.25));
    }

    #[test]
    fn one_work_has_no_sd_and_missing_marks_give_no_shares() {
        let b = block(&[7.0], &[NO_MARK], &[NO_MARK]);
        let d = region(&b);
        assert_eq!((d.n, d.mean_primary, d.sd_primary), (1, Some(7.0), None));
        assert_eq!((d.mark_shares, d.vs_journal), (None, None));
    }
}
