//! Honest works of one cell: each participant's subject ability, variant,
//! task scores (with not-done tasks), primary score and teacher's mark.

use super::blueprint::Test;
use super::irt::{self, NOT_DONE};
use super::region::School;
use super::rng::{self, SimRng};
use super::roster::{self, Cell, SchoolYear};
use rand::Rng;

/// One pupil's work in a cell.
#[derive(Clone, Debug)]
pub struct Work {
    /// Index of the pupil in the grade.
    pub pupil: u32,
    /// Class index.
    pub class: u8,
    /// Variant 1..N.
    pub variant: u16,
    /// Primary score (sum of task scores).
    pub primary: u16,
    /// Journal mark 2..5 (last term for VPR, annual for OGE/EGE).
    pub journal: u8,
}

/// The works of a cell; task scores are stored flat, `stride` per work.
#[derive(Clone, Debug, Default)]
pub struct CellWorks {
    /// Number of tasks of the test.
    pub stride: usize,
    /// Task scores, [`NOT_DONE`] for `X`.
    pub scores: Vec<u8>,
    /// Works in participant order.
    pub works: Vec<Work>,
}

/// Sum of the task scores (`X` counts 0).
pub fn primary_of(scores: &[u8]) -> u16 {
    scores
        .iter()
        .filter(|&&s| s != NOT_DONE)
        .map(|&s| u16::from(s))
        .sum()
}

/// How much a planted inflation raises a cell's performance and its journal
/// marks (SD of ability).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Shift {
    pub performance: f64,
    pub journal: f64,
}

impl CellWorks {
    /// How many works differ from `before` (the same cell before a planted
    /// manipulation): task scores, variant or journal mark.
    pub fn changed_from(&self, before: &CellWorks) -> usize {
        (0..self.works.len().min(before.works.len()))
            .filter(|&i| {
                let (a, b) = (&self.works[i], &before.works[i]);
                a.variant != b.variant
                    || a.journal != b.journal
                    || self.scores(i) != before.scores(i)
            })
            .count()
    }

    /// Task scores of work `i`.
    pub fn scores(&self, i: usize) -> &[u8] {
        &self.scores[i * self.stride..(i + 1) * self.stride]
    }

    /// Mutable task scores of work `i`.
    pub fn scores_mut(&mut self, i: usize) -> &mut [u8] {
        &mut self.scores[i * self.stride..(i + 1) * self.stride]
    }

    /// Recomputes the primary score of work `i` from its tasks.
    pub fn update_primary(&mut self, i: usize) {
        self.works[i].primary = primary_of(self.scores(i));
    }

    /// Generates the honest works of `cell` into `self` (buffers reused).
    /// `shift` raises every pupil's performance, and the journal marks by
    /// their own shift, for planted whole-cell inflation.
    pub fn generate(
        &mut self,
        test: &Test,
        school: &School,
        year: &SchoolYear,
        cell: &Cell,
        shift: Shift,
        rng: &mut SimRng,
    ) {
        let theta_shift = shift.performance;
        let grade = &year.grades[cell.grade];
        let stride = test.tasks.len();
        self.stride = stride;
        self.scores.clear();
        self.works.clear();

        // Teachers of the subject differ a little in leniency (a lot, with
        // `misspecified`: leniency that differs by subject).
        let spread = if school.misspecified { 0.35 } else { 0.1 };
        let leniency = school.leniency + spread * rng::normal(rng);
        // `misspecified`: some tasks taught better than others, and classes
        // with their own effects (pupils not independent within a class).
        let (task_shift, class_shift): (Vec<f64>, Vec<f64>) = if school.misspecified {
            (
                test.tasks.iter().map(|_| 0.35 * rng::normal(rng)).collect(),
                grade
                    .classes
                    .iter()
                    .map(|_| 0.3 * rng::normal(rng))
                    .collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let bonus = roster::advanced_bonus(school, test.subject, test.grade);
        let n_var = test.variants();
        // VPR: each class gets a pair of consecutive variants, alternating
        // by desk; OGE/EGE variants are distributed at random.
        let pairs: Vec<u16> = grade
            .classes
            .iter()
            .map(|_| rng.random_range(1..n_var.max(2)))
            .collect();
        let mut seat = vec![0u16; grade.classes.len()];

        for &pi in &cell.participants {
            let p = &grade.pupils[pi as usize];
            let class = usize::from(p.class);
            let theta = p.base
                + bonus
                + 0.85 * p.general
                + 0.527 * rng::normal(rng)
                + class_shift.get(class).copied().unwrap_or(0.0);
            let variant = if test.exam == super::blueprint::Exam::Vpr {
                let v = pairs[class] + seat[class] % 2;
                seat[class] += 1;
                v.min(n_var)
            } else {
                rng.random_range(1..=n_var)
            };
            let effective = theta - test.variant_shift[usize::from(variant - 1)] + theta_shift;
            let mut primary = 0u16;
            for (j, task) in test.tasks.iter().enumerate() {
                let effective = effective + task_shift.get(j).copied().unwrap_or(0.0);
                let s = irt::sample_score(task, effective, rng);
                let s = if s == 0 && rng::unit(rng) < irt::not_done_given_zero(task, effective) {
                    NOT_DONE
                } else {
                    primary += u16::from(s);
                    s
                };
                self.scores.push(s);
            }
            let journal = irt::teacher_mark(theta + shift.journal, &test.theta_cuts, leniency, rng);
            self.works.push(Work {
                pupil: pi,
                class: p.class,
                variant,
                primary,
                journal,
            });
        }
    }
}
