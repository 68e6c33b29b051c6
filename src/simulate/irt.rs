//! Response model: task scores from pupil ability (generalized partial
//! credit model), not-done tasks, and teachers' marks.

use super::blueprint::{Level, Task};
use super::rng::{self, SimRng};

/// Score code for a task that was not done (written `X`, counts 0).
pub const NOT_DONE: u8 = u8::MAX;

/// Largest task maximum supported by the fixed-size buffers below.
const MAX_CATEGORIES: usize = 64;

/// Unnormalised category weights of a GPCM task at `theta`; returns their
/// sum. `w[k]` ∝ exp(Σ_{j≤k} a(θ − step_j)).
fn category_weights(task: &Task, theta: f64, w: &mut [f64; MAX_CATEGORIES]) -> f64 {
    let m = task.steps.len().min(MAX_CATEGORIES - 1);
    let mut z = [0.0f64; MAX_CATEGORIES];
    let mut top = 0.0f64;
    for j in 0..m {
        z[j + 1] = z[j] + task.a * (theta - task.steps[j]);
        top = top.max(z[j + 1]);
    }
    let mut sum = 0.0;
    for k in 0..=m {
        w[k] = (z[k] - top).exp();
        sum += w[k];
    }
    sum
}

/// Probabilities of the scores 0..=max of a task at ability `theta`,
/// written to `out[..=max]`.
pub fn score_probabilities(task: &Task, theta: f64, out: &mut [f64]) {
    let mut w = [0.0; MAX_CATEGORIES];
    let sum = category_weights(task, theta, &mut w);
    let m = task.steps.len().min(MAX_CATEGORIES - 1);
    for (o, wk) in out.iter_mut().zip(&w[..=m]) {
        *o = wk / sum;
    }
}

/// Expected score of a task at ability `theta`.
pub fn expected_score(task: &Task, theta: f64) -> f64 {
    let mut w = [0.0; MAX_CATEGORIES];
    let sum = category_weights(task, theta, &mut w);
    let m = task.steps.len().min(MAX_CATEGORIES - 1);
    (0..=m).map(|k| k as f64 * w[k]).sum::<f64>() / sum
}

/// Draws a task score 0..=max at ability `theta`.
pub fn sample_score(task: &Task, theta: f64, rng: &mut SimRng) -> u8 {
    if task.max == 1 {
        let p = rng::logistic(task.a * (theta - task.steps[0]));
        return u8::from(rng::unit(rng) < p);
    }
    let mut w = [0.0; MAX_CATEGORIES];
    let sum = category_weights(task, theta, &mut w);
    let mut u = rng::unit(rng) * sum;
    let m = usize::from(task.max).min(MAX_CATEGORIES - 1);
    for (k, &wk) in w.iter().enumerate().take(m + 1) {
        if u < wk {
            return k as u8;
        }
        u -= wk;
    }
    task.max
}

/// Probability that a zero-score task was not attempted at all (`X`).
/// Hard tasks at the end of a work are skipped far more often, and weak
/// pupils have many more zeros, so they get most of the `X`.
pub fn not_done_given_zero(task: &Task, theta: f64) -> f64 {
    let base = match task.level {
        Level::Basic => 0.04,
        Level::Advanced => 0.08,
        Level::High => 0.15,
    };
    if theta < -1.0 { base * 1.6 } else { base }
}

/// Teacher's-mark model constants.
pub mod teacher {
    /// SD of a teacher's impression around the pupil's true ability.
    pub const NOISE: f64 = 0.45;
    /// Extra room below the cut of mark 3 before a teacher gives a 2
    /// (2 is rare in journals).
    pub const TWO_GAP: f64 = 0.75;
}

/// A teacher's mark 2..5 for a pupil of ability `theta`: the teacher's
/// impression (ability + noise + school leniency) cut at the ability
/// levels of marks 3, 4 and 5.
pub fn teacher_mark(theta: f64, cuts: &[f64; 3], leniency: f64, rng: &mut SimRng) -> u8 {
    let j = theta + leniency + teacher::NOISE * rng::normal(rng);
    if j >= cuts[2] {
        5
    } else if j >= cuts[1] {
        4
    } else if j >= cuts[0] - teacher::TWO_GAP {
        3
    } else {
        2
    }
}
