//! Test blueprints: exams, subjects, tasks with their item parameters, and
//! the scales (mark cut-offs for VPR and OGE, primary-to-test conversion and
//! minimum scores for EGE).
//!
//! The blueprints are fixed: they do not depend on the user seed and are the
//! same every year, like a real exam specification. Task difficulties are
//! calibrated once so that the share of honest fails (mark 2, or below the
//! EGE minimum) is close to a realistic target for each test.

use super::irt;
use super::rng::{self, Purpose, SimRng};
use rand::Rng;
use std::sync::OnceLock;

/// An examination programme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Exam {
    /// Всероссийские проверочные работы (grades 4–8).
    Vpr,
    /// Основной государственный экзамен (grade 9).
    Oge,
    /// Единый государственный экзамен (grade 11).
    Ege,
}

impl Exam {
    /// All exams in output order.
    pub const ALL: [Exam; 3] = [Exam::Vpr, Exam::Oge, Exam::Ege];

    /// Code as written in the `exam` column.
    pub fn code(self) -> &'static str {
        match self {
            Exam::Vpr => "VPR",
            Exam::Oge => "OGE",
            Exam::Ege => "EGE",
        }
    }

    /// Lower-case code used in file names.
    pub fn file_code(self) -> &'static str {
        match self {
            Exam::Vpr => "vpr",
            Exam::Oge => "oge",
            Exam::Ege => "ege",
        }
    }

    /// Position in [`Exam::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// School subjects, by their two-letter codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// Russian language.
    Ru,
    /// Mathematics (profile level at EGE).
    Ma,
    /// Окружающий мир (grade 4 science).
    World,
    /// History.
    Hi,
    /// Biology.
    Bi,
    /// Geography.
    Ge,
    /// Social studies.
    So,
    /// Physics.
    Ph,
    /// Chemistry.
    Ch,
    /// English.
    En,
    /// Computer science.
    In,
    /// Literature.
    Li,
}

impl Subject {
    /// Code as written in the `subject` column.
    pub fn code(self) -> &'static str {
        match self {
            Subject::Ru => "RU",
            Subject::Ma => "MA",
            Subject::World => "OK",
            Subject::Hi => "HI",
            Subject::Bi => "BI",
            Subject::Ge => "GE",
            Subject::So => "SO",
            Subject::Ph => "PH",
            Subject::Ch => "CH",
            Subject::En => "EN",
            Subject::In => "IN",
            Subject::Li => "LI",
        }
    }

    /// Bit for subject sets stored as `u16`.
    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// Task difficulty level as in the official specifications.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// Базовый.
    Basic,
    /// Повышенный.
    Advanced,
    /// Высокий.
    High,
}

impl Level {
    /// Code as written in `tasks.csv`.
    pub fn code(self) -> &'static str {
        match self {
            Level::Basic => "basic",
            Level::Advanced => "advanced",
            Level::High => "high",
        }
    }
}

/// One task of a test with its generalized-partial-credit parameters.
#[derive(Clone, Debug)]
pub struct Task {
    /// Official-looking number such as `9.1`.
    pub label: String,
    /// Maximum score.
    pub max: u8,
    /// Difficulty level.
    pub level: Level,
    /// Discrimination.
    pub a: f64,
    /// Step difficulties (one per score point, `max` values, increasing
    /// on average); the location of the task is their mean.
    pub steps: Vec<f64>,
}

impl Task {
    /// Whether the task counts as hard (advanced or high level).
    pub fn is_hard(&self) -> bool {
        self.level != Level::Basic
    }
}

/// EGE scale: primary-to-test conversion and minimum test scores.
#[derive(Clone, Debug)]
pub struct EgeScale {
    /// Test score for each primary score `0..=max`; monotone, ends at 100.
    pub conversion: Vec<u8>,
    /// Minimum test score for the certificate (RU and MA only).
    pub pass: Option<u8>,
    /// Minimum test score for university admission.
    pub university: u8,
}

/// How a test is scored.
#[derive(Clone, Debug)]
pub enum Scale {
    /// VPR and OGE: lowest primary score for marks 3, 4 and 5.
    Marks([u16; 3]),
    /// EGE: test scores.
    Ege(EgeScale),
}

/// A test: one exam in one subject for one grade.
#[derive(Clone, Debug)]
pub struct Test {
    /// Exam programme.
    pub exam: Exam,
    /// Subject.
    pub subject: Subject,
    /// Grade.
    pub grade: u8,
    /// Tasks in order.
    pub tasks: Vec<Task>,
    /// Maximum primary score.
    pub max: u16,
    /// Scale.
    pub scale: Scale,
    /// Ability levels at which an average pupil reaches marks 3, 4 and 5;
    /// teachers' marks are cut at (about) these points.
    pub theta_cuts: [f64; 3],
    /// Difficulty offset of each variant (variant `v` is index `v - 1`).
    pub variant_shift: Vec<f64>,
}

impl Test {
    /// Mark 2..5 for a primary score (VPR and OGE), `None` for EGE.
    pub fn mark(&self, primary: u16) -> Option<u8> {
        match &self.scale {
            Scale::Marks(c) => Some(if primary >= c[2] {
                5
            } else if primary >= c[1] {
                4
            } else if primary >= c[0] {
                3
            } else {
                2
            }),
            Scale::Ege(_) => None,
        }
    }

    /// Test score 0..100 for a primary score (EGE), `None` otherwise.
    pub fn test_score(&self, primary: u16) -> Option<u8> {
        match &self.scale {
            Scale::Ege(s) => s.conversion.get(usize::from(primary)).copied(),
            Scale::Marks(_) => None,
        }
    }

    /// Lowest primary score for mark 3, 4 or 5 (VPR and OGE).
    pub fn cut(&self, mark: u8) -> Option<u16> {
        match &self.scale {
            Scale::Marks(c) if (3..=5).contains(&mark) => Some(c[usize::from(mark - 3)]),
            _ => None,
        }
    }

    /// Number of variants.
    pub fn variants(&self) -> u16 {
        // At most a few dozen variants: the cast cannot truncate.
        self.variant_shift.len() as u16
    }

    /// Expected primary score at ability `theta`.
    pub fn expected(&self, theta: f64) -> f64 {
        self.tasks
            .iter()
            .map(|t| irt::expected_score(t, theta))
            .sum()
    }
}

/// All tests of the simulation.
#[derive(Clone, Debug)]
pub struct Blueprint {
    /// Tests ordered by exam, grade and subject.
    pub tests: Vec<Test>,
}

impl Blueprint {
    /// The standard blueprint (independent of the seed; built and
    /// calibrated once per process).
    pub fn standard() -> &'static Blueprint {
        static BLUEPRINT: OnceLock<Blueprint> = OnceLock::new();
        BLUEPRINT.get_or_init(|| {
            let mut rng = rng::stream(0x0b3c_7a1f, Purpose::Blueprint, 0, 0);
            let tests = SPECS.iter().map(|s| build_test(s, &mut rng)).collect();
            Blueprint { tests }
        })
    }

    /// Index of the test for `(exam, subject, grade)`.
    #[cfg(test)]
    pub fn find(&self, exam: Exam, subject: Subject, grade: u8) -> Option<usize> {
        self.tests
            .iter()
            .position(|t| t.exam == exam && t.subject == subject && t.grade == grade)
    }

    /// Largest task count of any test of `exam` (the number of task columns).
    pub fn max_tasks(&self, exam: Exam) -> usize {
        self.tests
            .iter()
            .filter(|t| t.exam == exam)
            .map(|t| t.tasks.len())
            .max()
            .unwrap_or(0)
    }
}

/// EGE scale parameters of a spec.
struct EgeSpec {
    pass: Option<u8>,
    university: u8,
    /// Share of the maximum primary score at which the lowest minimum
    /// test score is reached.
    frac_min: f64,
}

/// Compact description of a test from which tasks are generated.
struct Spec {
    exam: Exam,
    subject: Subject,
    grade: u8,
    /// Total number of tasks (including `tail`).
    n: usize,
    /// Maximum primary score (including `tail`).
    max: u16,
    /// Extended-answer tasks at the end of the generated part (OGE/EGE).
    long: usize,
    /// Advanced-level tasks in the generated part.
    adv: usize,
    /// High-level tasks in the generated part.
    high: usize,
    /// Explicit tasks appended after the generated ones.
    tail: &'static [(&'static str, u8, Level)],
    /// Mark cut-offs (VPR/OGE); `None` means the generic 30-35/55-60/80-85 %.
    cuts: Option<[u16; 3]>,
    /// EGE scale.
    ege: Option<EgeSpec>,
    /// Target share of honest pupils below mark 3 (or the EGE minimum).
    fail: f64,
    /// Target share of honest pupils with mark 5 (EGE: test score >= 80).
    top: f64,
}

const fn vpr(subject: Subject, grade: u8, n: usize, max: u16, adv: usize, high: usize) -> Spec {
    Spec {
        exam: Exam::Vpr,
        subject,
        grade,
        n,
        max,
        long: 0,
        adv,
        high,
        tail: &[],
        cuts: None,
        ege: None,
        fail: 0.08,
        top: 0.11,
    }
}

const fn oge(subject: Subject, n: usize, max: u16, long: usize, adv: usize, high: usize) -> Spec {
    Spec {
        exam: Exam::Oge,
        subject,
        grade: 9,
        n,
        max,
        long,
        adv,
        high,
        tail: &[],
        cuts: None,
        ege: None,
        fail: 0.06,
        top: 0.15,
    }
}

#[allow(clippy::too_many_arguments)]
const fn ege(
    subject: Subject,
    n: usize,
    max: u16,
    long: usize,
    adv: usize,
    high: usize,
    pass: Option<u8>,
    university: u8,
    frac_min: f64,
    fail: f64,
    top: f64,
) -> Spec {
    Spec {
        exam: Exam::Ege,
        subject,
        grade: 11,
        n,
        max,
        long,
        adv,
        high,
        tail: &[],
        cuts: None,
        ege: Some(EgeSpec {
            pass,
            university,
            frac_min,
        }),
        fail,
        top,
    }
}

impl Spec {
    const fn cuts(mut self, c: [u16; 3]) -> Spec {
        self.cuts = Some(c);
        self
    }
    const fn shares(mut self, fail: f64, top: f64) -> Spec {
        self.fail = fail;
        self.top = top;
        self
    }
    const fn tail(mut self, t: &'static [(&'static str, u8, Level)]) -> Spec {
        self.tail = t;
        self
    }
}

use Level::{Advanced as A, Basic as B, High as H};
use Subject::*;

const OGE_RU_TASKS: &[(&str, u8, Level)] = &[
    ("1", 7, A),
    ("2", 1, B),
    ("3", 1, B),
    ("4", 1, B),
    ("5", 1, B),
    ("6", 1, B),
    ("7", 1, B),
    ("8", 1, A),
    ("9", 6, H),
    ("ГК1", 3, B),
    ("ГК2", 3, B),
    ("ГК3", 3, B),
    ("ГК4", 2, B),
    ("ФК1", 2, A),
];

const EGE_RU_ESSAY: &[(&str, u8, Level)] = &[("27", 22, H)];

const EGE_MA_PART2: &[(&str, u8, Level)] = &[
    ("13", 2, A),
    ("14", 3, H),
    ("15", 2, A),
    ("16", 2, H),
    ("17", 3, H),
    ("18", 4, H),
    ("19", 4, H),
];

/// The test specifications (order = output order).
const SPECS: &[Spec] = &[
    vpr(Ru, 4, 16, 38, 4, 2)
        .cuts([14, 24, 33])
        .shares(0.05, 0.20),
    vpr(Ma, 4, 12, 20, 3, 2)
        .cuts([6, 10, 15])
        .shares(0.04, 0.25),
    vpr(World, 4, 10, 32, 3, 2)
        .cuts([8, 18, 26])
        .shares(0.03, 0.18),
    vpr(Ru, 5, 17, 45, 5, 2).shares(0.12, 0.12),
    vpr(Ma, 5, 14, 20, 3, 2).shares(0.11, 0.15),
    vpr(Hi, 5, 10, 15, 2, 1).shares(0.07, 0.16),
    vpr(Bi, 5, 10, 29, 3, 1).shares(0.07, 0.12),
    vpr(Ru, 6, 17, 46, 5, 2).shares(0.14, 0.09),
    vpr(Ma, 6, 13, 20, 3, 2).shares(0.13, 0.09),
    vpr(Hi, 6, 10, 20, 2, 1),
    vpr(Bi, 6, 10, 28, 3, 1),
    vpr(Ge, 6, 12, 33, 3, 1),
    vpr(So, 6, 10, 23, 3, 1),
    vpr(Ru, 7, 17, 47, 5, 2).shares(0.15, 0.08),
    vpr(Ma, 7, 14, 19, 2, 2).shares(0.12, 0.07),
    vpr(Hi, 7, 10, 23, 2, 1).shares(0.09, 0.10),
    vpr(Bi, 7, 10, 28, 3, 1).shares(0.09, 0.10),
    vpr(Ge, 7, 12, 35, 3, 1).shares(0.09, 0.10),
    vpr(So, 7, 10, 23, 3, 1).shares(0.09, 0.10),
    vpr(Ph, 7, 11, 18, 2, 2).shares(0.09, 0.08),
    vpr(En, 7, 10, 30, 2, 1).shares(0.14, 0.08),
    vpr(Ru, 8, 17, 47, 5, 2).shares(0.14, 0.08),
    vpr(Ma, 8, 16, 25, 3, 2).shares(0.12, 0.06),
    vpr(Hi, 8, 11, 25, 3, 1).shares(0.08, 0.10),
    vpr(Bi, 8, 13, 35, 3, 2).shares(0.08, 0.09),
    vpr(Ge, 8, 12, 37, 3, 2).shares(0.08, 0.10),
    vpr(So, 8, 10, 24, 3, 1).shares(0.08, 0.10),
    vpr(Ph, 8, 11, 18, 2, 2).shares(0.09, 0.08),
    vpr(Ch, 8, 10, 30, 3, 1).shares(0.07, 0.12),
    oge(Ru, 14, 33, 0, 0, 0)
        .tail(OGE_RU_TASKS)
        .cuts([15, 23, 29])
        .shares(0.03, 0.28),
    oge(Ma, 25, 31, 6, 8, 3)
        .cuts([8, 15, 22])
        .shares(0.07, 0.14),
    oge(So, 24, 37, 4, 6, 3).shares(0.05, 0.10),
    oge(In, 16, 21, 3, 4, 2).shares(0.05, 0.25),
    oge(Bi, 26, 48, 6, 6, 3).shares(0.06, 0.08),
    oge(Ge, 30, 31, 1, 5, 2).shares(0.06, 0.20),
    oge(Ch, 23, 40, 4, 5, 3).shares(0.03, 0.38),
    oge(Ph, 22, 39, 5, 5, 3).shares(0.04, 0.15),
    oge(Hi, 24, 37, 6, 6, 3).shares(0.07, 0.12),
    oge(En, 38, 68, 3, 8, 2).shares(0.02, 0.45),
    ege(Ru, 27, 50, 0, 6, 2, Some(24), 36, 0.20, 0.015, 0.22).tail(EGE_RU_ESSAY),
    ege(Ma, 19, 32, 0, 3, 0, Some(27), 27, 0.16, 0.07, 0.10).tail(EGE_MA_PART2),
    ege(So, 25, 58, 9, 8, 4, None, 42, 0.33, 0.18, 0.08),
    ege(Ph, 26, 45, 6, 6, 4, None, 36, 0.24, 0.06, 0.10),
    ege(Bi, 28, 59, 7, 8, 5, None, 36, 0.27, 0.15, 0.08),
    ege(Ch, 34, 56, 6, 8, 5, None, 36, 0.23, 0.13, 0.12),
    ege(Hi, 21, 42, 9, 6, 4, None, 32, 0.19, 0.09, 0.10),
    ege(In, 27, 29, 0, 8, 3, None, 40, 0.21, 0.10, 0.15),
    ege(En, 44, 82, 6, 10, 4, None, 22, 0.20, 0.02, 0.28),
    ege(Li, 11, 42, 5, 3, 3, None, 32, 0.19, 0.05, 0.15),
];

/// Mean and SD of honest ability of the pupils sitting a test, used for
/// calibration: grade 11 pupils are a selected, stronger group, and pupils
/// choose electives partly by ability (see `roster`).
fn population(exam: Exam, subject: Subject) -> (f64, f64) {
    match exam {
        Exam::Vpr => (0.1, 1.1),
        Exam::Oge => {
            let mu = match subject {
                Ch => 0.45,
                Ph => 0.55,
                En => 0.6,
                In => 0.25,
                So => -0.15,
                Ge => -0.1,
                _ => 0.1,
            };
            (mu, 1.05)
        }
        Exam::Ege => {
            let mu = match subject {
                Ma => 0.8,
                Ph | En => 0.8,
                In | Ch => 0.7,
                So => 0.35,
                _ => 0.5,
            };
            (mu, 0.95)
        }
    }
}

fn build_test(spec: &Spec, rng: &mut SimRng) -> Test {
    let n_gen = spec.n - spec.tail.len();
    let tail_max: u16 = spec.tail.iter().map(|t| u16::from(t.1)).sum();
    let gen_max = spec.max - tail_max;

    // Levels and extended-answer flags of the generated part.
    let levels: Vec<Level> = (0..n_gen)
        .map(|i| {
            if i + spec.high >= n_gen {
                Level::High
            } else if i + spec.high + spec.adv >= n_gen {
                Level::Advanced
            } else {
                Level::Basic
            }
        })
        .collect();
    let long: Vec<bool> = (0..n_gen).map(|i| i + spec.long >= n_gen).collect();
    let (init, cap): (Vec<u8>, Vec<u8>) = (0..n_gen)
        .map(|i| match spec.exam {
            Exam::Vpr if levels[i] == Level::Basic => (1, 3),
            Exam::Vpr => (2, 4),
            Exam::Oge if long[i] => (2, 6),
            Exam::Ege if long[i] => (2, 8),
            _ => (1, 2),
        })
        .unzip();
    let mut max = init;
    let mut left = i32::from(gen_max) - max.iter().map(|&m| i32::from(m)).sum::<i32>();
    while left > 0 {
        let weights: Vec<f64> = (0..n_gen)
            .map(|i| {
                if max[i] >= cap[i] {
                    0.0
                } else if spec.exam == Exam::Vpr {
                    if levels[i] == Level::Basic { 1.0 } else { 1.3 }
                } else if long[i] {
                    1.0
                } else {
                    0.3
                }
            })
            .collect();
        if weights.iter().all(|&w| w == 0.0) {
            break;
        }
        let i = rng::weighted(rng, &weights);
        max[i] += 1;
        left -= 1;
    }

    // Labels: VPR numbers are sometimes split into sub-tasks (3.1, 3.2).
    let mut labels = Vec::with_capacity(n_gen);
    let mut number = 1;
    while labels.len() < n_gen {
        if spec.exam == Exam::Vpr && n_gen - labels.len() >= 2 && rng.random_bool(0.2) {
            labels.push(format!("{number}.1"));
            labels.push(format!("{number}.2"));
        } else {
            labels.push(number.to_string());
        }
        number += 1;
    }

    let mut tasks: Vec<Task> = (0..n_gen)
        .map(|i| make_task(labels[i].clone(), max[i], levels[i], rng))
        .collect();
    for &(label, m, level) in spec.tail {
        tasks.push(make_task(label.to_string(), m, level, rng));
    }
    let total: u16 = tasks.iter().map(|t| u16::from(t.max)).sum();

    let scale = match &spec.ege {
        Some(e) => Scale::Ege(ege_scale(total, e)),
        None => Scale::Marks(spec.cuts.unwrap_or_else(|| generic_cuts(total, rng))),
    };
    let variants = match spec.exam {
        Exam::Vpr => 10,
        Exam::Oge => 36,
        Exam::Ege => 48,
    };
    let variant_shift = (0..variants).map(|_| 0.07 * rng::normal(rng)).collect();

    let mut test = Test {
        exam: spec.exam,
        subject: spec.subject,
        grade: spec.grade,
        tasks,
        max: total,
        scale,
        theta_cuts: [0.0; 3],
        variant_shift,
    };
    calibrate(&mut test, spec.fail, spec.top);
    test
}

fn make_task(label: String, max: u8, level: Level, rng: &mut SimRng) -> Task {
    let (b_mean, b_sd, a_lo, a_hi) = match level {
        Level::Basic => (-0.9, 0.45, 0.9, 1.6),
        Level::Advanced => (0.25, 0.35, 1.0, 1.8),
        Level::High => (1.15, 0.35, 1.1, 2.0),
    };
    let b = b_mean + b_sd * rng::normal(rng);
    let a = rng.random_range(a_lo..a_hi);
    let m = f64::from(max);
    let spacing = (3.0 / m).min(0.6);
    let steps = (1..=max)
        .map(|j| b + spacing * (f64::from(j) - (m + 1.0) / 2.0) + 0.1 * rng::normal(rng))
        .collect();
    Task {
        label,
        max,
        level,
        a,
        steps,
    }
}

/// Cut-offs at about 30–35 %, 55–60 % and 80–85 % of the maximum.
fn generic_cuts(max: u16, rng: &mut SimRng) -> [u16; 3] {
    let m = f64::from(max);
    let c3 = (m * rng.random_range(0.30..0.35)).round() as u16;
    let c4 = ((m * rng.random_range(0.55..0.60)).round() as u16).max(c3 + 1);
    let c5 = ((m * rng.random_range(0.80..0.85)).round() as u16)
        .max(c4 + 1)
        .min(max);
    [c3.max(1), c4, c5]
}

/// Piecewise-linear monotone conversion through (0,0), (p_min, minimum),
/// (80 % of max, 80) and (max, 100).
fn ege_scale(max: u16, e: &EgeSpec) -> EgeScale {
    let low = e.pass.map_or(e.university, |p| p.min(e.university));
    let m = f64::from(max);
    let p_min = (m * e.frac_min).round().max(1.0);
    let p_hi = (m * 0.8).round();
    let anchors = [
        (0.0, 0.0),
        (p_min, f64::from(low)),
        (p_hi, 80.0),
        (m, 100.0),
    ];
    let conversion = (0..=max)
        .map(|p| {
            let x = f64::from(p);
            let mut y = 100.0;
            for w in anchors.windows(2) {
                let ((x0, y0), (x1, y1)) = (w[0], w[1]);
                if x <= x1 {
                    y = y0 + (y1 - y0) * (x - x0) / (x1 - x0);
                    break;
                }
            }
            y.round().clamp(0.0, 100.0) as u8
        })
        .collect();
    EgeScale {
        conversion,
        pass: e.pass,
        university: e.university,
    }
}

/// Lowest primary scores of the fail threshold (mark 3 or the EGE minimum)
/// and of the top band (mark 5 or EGE test score 80).
fn calibration_cuts(test: &Test) -> (u16, u16) {
    match &test.scale {
        Scale::Marks(c) => (c[0], c[2]),
        Scale::Ege(s) => {
            let first = |min: u8| {
                s.conversion
                    .iter()
                    .position(|&t| t >= min)
                    .map_or(test.max, |p| p as u16)
            };
            (first(s.pass.unwrap_or(s.university)), first(80))
        }
    }
}

/// Ability at which the expected primary score equals `score`.
fn theta_for(test: &Test, score: f64) -> f64 {
    let (mut lo, mut hi) = (-12.0, 12.0);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if test.expected(mid) < score {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Distribution of the primary score of the calibration population
/// (numerical integration over ability; measurement error included).
fn marginal(test: &Test, mu: f64, sd: f64) -> Vec<f64> {
    let max = usize::from(test.max);
    let mut total = vec![0.0; max + 1];
    let mut dist = vec![0.0; max + 1];
    let mut next = vec![0.0; max + 1];
    let mut probs = [0.0; 64];
    let mut weight_sum = 0.0;
    for i in 0..=36 {
        let x = -4.5 + 0.25 * f64::from(i);
        let weight = (-0.5 * x * x).exp();
        weight_sum += weight;
        let theta = mu + sd * x;
        dist.iter_mut().for_each(|d| *d = 0.0);
        dist[0] = 1.0;
        let mut reach = 0;
        for t in &test.tasks {
            let m = usize::from(t.max);
            irt::score_probabilities(t, theta, &mut probs);
            next[..=reach + m].iter_mut().for_each(|d| *d = 0.0);
            for (s, &d) in dist[..=reach].iter().enumerate() {
                for (k, &p) in probs[..=m].iter().enumerate() {
                    next[s + k] += d * p;
                }
            }
            reach += m;
            std::mem::swap(&mut dist, &mut next);
        }
        for (t, d) in total.iter_mut().zip(&dist) {
            *t += weight * d;
        }
    }
    total.iter_mut().for_each(|t| *t /= weight_sum);
    total
}

/// Rescales and shifts the ability scale of the test's tasks so that the
/// shares of the calibration population below the fail threshold and in
/// the top band are `fail` and `top` (measurement error included, found by
/// a few fixed-point steps), then stores the ability cut-offs of marks 3,
/// 4 and 5.
fn calibrate(test: &mut Test, fail: f64, top: f64) {
    let (mu, sd) = population(test.exam, test.subject);
    let (low_cut, top_cut) = calibration_cuts(test);
    let t_low = theta_for(test, f64::from(low_cut) - 0.5);
    let t_top = theta_for(test, f64::from(top_cut) - 0.5);
    let base = test.tasks.clone();
    let (z_low, z_top) = (rng::probit(fail), rng::probit(1.0 - top));
    let (mut u_low, mut u_top) = (z_low, z_top);
    for _ in 0..8 {
        let (lo, hi) = (mu + sd * u_low, mu + sd * u_top);
        let scale = ((hi - lo) / (t_top - t_low)).clamp(0.3, 4.0);
        let shift = lo - scale * t_low;
        for (t, b) in test.tasks.iter_mut().zip(&base) {
            t.a = b.a / scale;
            for (s, bs) in t.steps.iter_mut().zip(&b.steps) {
                *s = scale * bs + shift;
            }
        }
        let dist = marginal(test, mu, sd);
        let p_fail: f64 = dist[..usize::from(low_cut)].iter().sum();
        let p_top: f64 = dist[usize::from(top_cut)..].iter().sum();
        u_low += z_low - rng::probit(p_fail);
        u_top += z_top - rng::probit(1.0 - p_top);
        if u_top < u_low + 0.5 {
            u_top = u_low + 0.5;
        }
    }
    test.theta_cuts = match &test.scale {
        Scale::Marks(c) => [
            theta_for(test, f64::from(c[0]) - 0.5),
            theta_for(test, f64::from(c[1]) - 0.5),
            theta_for(test, f64::from(c[2]) - 0.5),
        ],
        // Annual marks of grade 11: fixed points of the ability scale.
        Scale::Ege(_) => [-1.0, 0.1, 1.15],
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_consistent() {
        let bp = Blueprint::standard();
        assert_eq!(bp.tests.len(), SPECS.len());
        for (t, s) in bp.tests.iter().zip(SPECS) {
            let name = format!("{} {} {}", t.exam.code(), t.subject.code(), t.grade);
            assert_eq!(t.tasks.len(), s.n, "{name}");
            assert_eq!(t.max, s.max, "{name}");
            if t.exam == Exam::Vpr {
                assert!((10..=17).contains(&t.tasks.len()), "{name}");
                assert!(t.tasks.iter().all(|k| (1..=4).contains(&k.max)), "{name}");
                let high = t.tasks.iter().filter(|k| k.level == Level::High).count();
                assert!((1..=3).contains(&high), "{name}");
            }
            match &t.scale {
                Scale::Marks(c) => assert!(c[0] < c[1] && c[1] < c[2] && c[2] <= t.max),
                Scale::Ege(e) => {
                    assert_eq!(e.conversion.len(), usize::from(t.max) + 1);
                    assert!(e.conversion.windows(2).all(|w| w[0] <= w[1]));
                    assert_eq!(e.conversion[0], 0);
                    assert_eq!(e.conversion[usize::from(t.max)], 100);
                }
            }
            assert!(t.theta_cuts[0] < t.theta_cuts[1] && t.theta_cuts[1] < t.theta_cuts[2]);
            let mut labels: Vec<&str> = t.tasks.iter().map(|k| k.label.as_str()).collect();
            labels.sort_unstable();
            labels.dedup();
            assert_eq!(labels.len(), t.tasks.len(), "{name}: duplicate labels");
        }
        assert_eq!(
            bp.find(Exam::Ege, Ma, 11).map(|i| bp.tests[i].max),
            Some(32)
        );
        assert_eq!(bp.find(Exam::Oge, Ru, 9).map(|i| bp.tests[i].max), Some(33));
    }

    #[test]
    fn hard_tasks_are_harder() {
        let bp = Blueprint::standard();
        for t in &bp.tests {
            let p = |lvl: Level| {
                let v: Vec<f64> = t
                    .tasks
                    .iter()
                    .filter(|k| k.level == lvl)
                    .map(|k| irt::expected_score(k, 0.0) / f64::from(k.max))
                    .collect();
                v.iter().sum::<f64>() / v.len().max(1) as f64
            };
            if t.tasks.iter().any(|k| k.level == Level::High) {
                assert!(
                    p(Level::Basic) > p(Level::High),
                    "{:?}",
                    (t.exam, t.subject)
                );
            }
        }
    }
}
