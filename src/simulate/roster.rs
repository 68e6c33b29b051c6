//! Pupils of one school in one year: grade sizes, classes, the VPR subjects
//! assigned to each class, OGE/EGE subject choices, absences, and the list
//! of cells (tests actually sat in the school that year).

use super::blueprint::{Blueprint, Exam, Subject};
use super::region::School;
use super::rng::{self, SimRng};
use rand::Rng;

/// Grades with external assessments.
pub const EXAM_GRADES: [u8; 7] = [4, 5, 6, 7, 8, 9, 11];

/// Class letters.
const LETTERS: [char; 4] = ['А', 'Б', 'В', 'Г'];

/// A pupil in one year.
#[derive(Clone, Debug)]
pub struct Pupil {
    /// Participant code, the same for all tests of the year (`10001`… in
    /// each grade; with persistent codes, [`Cohorts::code`]).
    pub code: u32,
    /// Index of the class within the grade.
    pub class: u8,
    /// School, year and class part of the ability.
    pub base: f64,
    /// The pupil's general ability (individual part, SD ≈ 1).
    pub general: f64,
    /// Probability of missing a given test.
    pub absence: f64,
    /// Subjects chosen for OGE/EGE (bit set, see [`Subject::bit`]).
    pub choices: u16,
}

/// A class (parallel) of a grade.
#[derive(Clone, Debug)]
pub struct Class {
    /// Label such as `7Б`.
    pub label: String,
    /// VPR subjects assigned to the class (bit set; grades 6–8).
    pub vpr_subjects: u16,
}

/// One grade of the school in one year.
#[derive(Clone, Debug)]
pub struct Grade {
    /// Grade number.
    pub grade: u8,
    /// Classes.
    pub classes: Vec<Class>,
    /// Pupils in class order.
    pub pupils: Vec<Pupil>,
}

/// A cell: one test sat by at least one pupil of the school this year.
#[derive(Clone, Debug)]
pub struct Cell {
    /// Index of the test in the blueprint.
    pub test: usize,
    /// Index into [`SchoolYear::grades`].
    pub grade: usize,
    /// Indices of participating pupils (in the grade), in class order.
    pub participants: Vec<u32>,
}

/// A school in one year.
#[derive(Clone, Debug)]
pub struct SchoolYear {
    /// Grades with external assessments that have pupils.
    pub grades: Vec<Grade>,
    /// Cells in blueprint order.
    pub cells: Vec<Cell>,
}

/// VPR subject groups for grades 6–8: each class writes one subject of the
/// first group and one of the second (assigned at random, as in FIS OKO).
fn vpr_groups(grade: u8) -> Option<(&'static [Subject], &'static [Subject])> {
    use Subject::*;
    match grade {
        6 => Some((&[Hi, So], &[Bi, Ge])),
        7 => Some((&[Hi, So, En], &[Bi, Ge, Ph])),
        8 => Some((&[Hi, So], &[Bi, Ge, Ph, Ch])),
        _ => None,
    }
}

/// Ability bonus for subjects taught in depth (grade 7 on).
pub fn advanced_bonus(school: &School, subject: Subject, grade: u8) -> f64 {
    if grade >= 7 && school.is_advanced(subject) {
        0.25
    } else {
        0.0
    }
}

fn oge_choices(school: &School, general: f64, rng: &mut SimRng) -> u16 {
    use Subject::*;
    // (subject, base popularity, ability slope)
    const OPTIONS: [(Subject, f64, f64); 8] = [
        (So, 0.62, -0.4),
        (In, 0.50, 0.3),
        (Bi, 0.25, 0.0),
        (Ge, 0.33, -0.3),
        (Ch, 0.10, 0.4),
        (Ph, 0.08, 0.6),
        (Hi, 0.05, 0.0),
        (En, 0.07, 0.7),
    ];
    let weights: Vec<f64> = OPTIONS
        .iter()
        .map(|&(s, w, slope)| {
            let adv = if school.is_advanced(s) { 2.5 } else { 1.0 };
            w * adv * (slope * general).exp()
        })
        .collect();
    let mut set = Ru.bit() | Ma.bit();
    for i in rng::weighted_distinct(rng, &weights, 2) {
        set |= OPTIONS[i].0.bit();
    }
    set
}

fn ege_choices(school: &School, general: f64, rng: &mut SimRng) -> u16 {
    use Subject::*;
    const OPTIONS: [(Subject, f64, f64); 8] = [
        (So, 0.45, -0.3),
        (Ph, 0.20, 0.6),
        (Bi, 0.17, 0.0),
        (Ch, 0.14, 0.4),
        (Hi, 0.17, -0.1),
        (In, 0.18, 0.4),
        (En, 0.12, 0.6),
        (Li, 0.06, 0.0),
    ];
    let weights: Vec<f64> = OPTIONS
        .iter()
        .map(|&(s, w, slope)| {
            let adv = if school.is_advanced(s) { 2.5 } else { 1.0 };
            w * adv * (slope * (general - 0.4)).exp()
        })
        .collect();
    let k = rng::weighted(rng, &[0.03, 0.45, 0.40, 0.12]);
    let mut set = Ru.bit();
    for i in rng::weighted_distinct(rng, &weights, k) {
        set |= OPTIONS[i].0.bit();
    }
    let wants_math = set & (Ph.bit() | In.bit()) != 0 && rng.random_bool(0.85);
    let p_math = rng::logistic(-1.4 + 1.6 * (general - 0.4))
        + if school.is_advanced(Ma) { 0.2 } else { 0.0 };
    if wants_math || rng::unit(rng) < p_math {
        set |= Ma.bit();
    }
    set
}

/// Where pupils persist (`--persistent-codes`): the run's seed, the school's
/// index and the year, which name each cohort's own stream of abilities.
#[derive(Clone, Copy, Debug)]
pub struct Cohorts {
    pub seed: u64,
    pub school: u64,
    pub year: u16,
}

impl Cohorts {
    /// The general abilities of the first `n` pupils of the cohort that sits
    /// `grade` this year: the same pupil (index) the same ability every year.
    fn abilities(&self, grade: u8, n: usize) -> Vec<f64> {
        let entered = u64::from(self.year) - u64::from(grade);
        let mut rng = rng::stream(self.seed, rng::Purpose::Cohort, self.school, entered);
        (0..n).map(|_| rng::normal(&mut rng)).collect()
    }

    /// A pupil's code, the same every year: 1 000 000 + 10 000 × (the year the
    /// cohort sat grade 0, modulo 100) + the pupil's index.
    fn code(&self, grade: u8, index: usize) -> u32 {
        let entered = (u32::from(self.year) - u32::from(grade)) % 100;
        1_000_000 + 10_000 * entered + index as u32
    }
}

impl SchoolYear {
    /// Draws the pupils and cells of `school` in one year from `rng` (the
    /// pupils of grades 4–9 from their cohort's stream where `cohorts` is
    /// given).
    pub fn generate(
        bp: &Blueprint,
        school: &School,
        cohorts: Option<Cohorts>,
        rng: &mut SimRng,
    ) -> SchoolYear {
        let year_effect = 0.12 * rng::normal(rng);
        let mut grades = Vec::new();
        for grade in EXAM_GRADES {
            if !school.has_grade(grade) {
                continue;
            }
            let ratio = if grade == 11 {
                school.senior_ratio
            } else {
                1.0
            };
            let mean = school.size * ratio;
            let n = (mean * (1.0 + 0.1 * rng::normal(rng))).round().max(0.0) as usize;
            let n = if mean >= 4.0 { n.max(1) } else { n };
            if n == 0 {
                continue;
            }
            let n_classes = if school.rural {
                n.div_ceil(25)
            } else {
                n.div_ceil(30)
            }
            .clamp(1, LETTERS.len());
            let mut classes = Vec::with_capacity(n_classes);
            let mut pupils = Vec::with_capacity(n);
            let persistent = cohorts.filter(|_| grade != 11);
            let abilities = persistent.map(|c| c.abilities(grade, n));
            for (c, letter) in LETTERS.iter().enumerate().take(n_classes) {
                let effect = 0.15 * rng::normal(rng);
                let vpr_subjects = match vpr_groups(grade) {
                    Some((first, second)) => {
                        first[rng.random_range(0..first.len())].bit()
                            | second[rng.random_range(0..second.len())].bit()
                    }
                    None => 0,
                };
                classes.push(Class {
                    label: format!("{grade}{letter}"),
                    vpr_subjects,
                });
                // Split pupils evenly over classes.
                let size = n / n_classes + usize::from(c < n % n_classes);
                for _ in 0..size {
                    let general = if let Some(a) = &abilities {
                        a[pupils.len()]
                    } else if grade == 11 {
                        0.35 + 0.9 * rng::normal(rng)
                    } else {
                        rng::normal(rng)
                    };
                    let absence = (0.03 * (0.6 * rng::normal(rng)).exp()
                        + if general < -1.0 { 0.03 } else { 0.0 })
                    .min(0.5);
                    let choices = match grade {
                        9 => oge_choices(school, general, rng),
                        11 => ege_choices(school, general, rng),
                        _ => 0,
                    };
                    let code = match persistent {
                        Some(c) => c.code(grade, pupils.len()),
                        None => 10_001 + pupils.len() as u32,
                    };
                    pupils.push(Pupil {
                        code,
                        class: c as u8,
                        base: school.effect + year_effect + effect,
                        general,
                        absence,
                        choices,
                    });
                }
            }
            grades.push(Grade {
                grade,
                classes,
                pupils,
            });
        }

        let mut cells = Vec::new();
        for (ti, test) in bp.tests.iter().enumerate() {
            let Some(gi) = grades.iter().position(|g| g.grade == test.grade) else {
                continue;
            };
            let g = &grades[gi];
            let bit = test.subject.bit();
            let mut participants = Vec::new();
            for (pi, p) in g.pupils.iter().enumerate() {
                let eligible = match test.exam {
                    Exam::Vpr => match vpr_groups(test.grade) {
                        Some((first, second))
                            if first.contains(&test.subject) || second.contains(&test.subject) =>
                        {
                            g.classes[usize::from(p.class)].vpr_subjects & bit != 0
                        }
                        _ => true,
                    },
                    Exam::Oge | Exam::Ege => p.choices & bit != 0,
                };
                if !eligible {
                    continue;
                }
                // State exams are missed far less often than VPR.
                let absence = if test.exam == Exam::Vpr {
                    p.absence
                } else {
                    0.25 * p.absence
                };
                if rng::unit(rng) >= absence {
                    participants.push(pi as u32);
                }
            }
            if !participants.is_empty() {
                cells.push(Cell {
                    test: ti,
                    grade: gi,
                    participants,
                });
            }
        }
        SchoolYear { grades, cells }
    }
}
