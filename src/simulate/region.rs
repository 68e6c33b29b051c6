//! The simulated region: municipalities and schools with their persistent
//! traits (kind, locality, size, school effect, marking leniency).

use super::blueprint::Subject;
use super::names::{self, MunicipalityKind};
use super::rng::{self, Purpose, SimRng};
use rand::Rng;
use std::collections::BTreeMap;

/// A municipality.
#[derive(Clone, Debug)]
pub struct Municipality {
    /// Full name, e.g. «Кировский муниципальный район».
    pub name: String,
    /// Kind (city okrug, district, rural okrug).
    pub kind: MunicipalityKind,
    /// Ability effect shared by all its schools.
    pub effect: f64,
}

/// Kind of school.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum SchoolKind {
    /// Средняя общеобразовательная школа (grades 1–11).
    Sosh,
    /// Основная общеобразовательная школа (grades 1–9).
    Oosh,
    /// Начальная общеобразовательная школа (grades 1–4).
    Nosh,
    /// Лицей.
    Lyceum,
    /// Гимназия.
    Gymnasium,
    /// Школа-интернат.
    Boarding,
}

impl SchoolKind {
    /// Code as written in the `kind` column of `schools.csv`.
    pub fn code(self) -> &'static str {
        match self {
            SchoolKind::Sosh => "СОШ",
            SchoolKind::Oosh => "ООШ",
            SchoolKind::Nosh => "НОШ",
            SchoolKind::Lyceum => "лицей",
            SchoolKind::Gymnasium => "гимназия",
            SchoolKind::Boarding => "школа-интернат",
        }
    }

    /// Highest grade taught.
    pub fn last_grade(self) -> u8 {
        match self {
            SchoolKind::Oosh => 9,
            SchoolKind::Nosh => 4,
            _ => 11,
        }
    }

    /// Lyceum or gymnasium.
    pub fn is_elite(self) -> bool {
        matches!(self, SchoolKind::Lyceum | SchoolKind::Gymnasium)
    }
}

/// A school and its persistent traits.
#[derive(Clone, Debug)]
pub struct School {
    /// FIS OKO style login, `edu000001`.
    pub id: String,
    /// Name, e.g. «МБОУ "СОШ № 12"».
    pub name: String,
    /// Index into [`Region::municipalities`].
    pub municipality: usize,
    /// Kind.
    pub kind: SchoolKind,
    /// Rural locality.
    pub rural: bool,
    /// Subjects studied in depth (sorted).
    pub advanced: Vec<Subject>,
    /// Lowest grade taught (some lyceums start at grade 5).
    pub first_grade: u8,
    /// Persistent school effect on ability (SD units).
    pub effect: f64,
    /// How much the teachers' marks exceed ability (SD units).
    pub leniency: f64,
    /// Typical number of pupils per grade in grades 1–9.
    pub size: f64,
    /// Grade 11 size relative to `size` (many pupils leave after grade 9).
    pub senior_ratio: f64,
    /// Honest departures from the signs' model (see [`Region::generate`]).
    pub misspecified: bool,
}

impl School {
    /// Whether the school teaches `grade`.
    pub fn has_grade(&self, grade: u8) -> bool {
        grade >= self.first_grade && grade <= self.kind.last_grade()
    }

    /// Whether `subject` is taught in depth.
    pub fn is_advanced(&self, subject: Subject) -> bool {
        self.advanced.contains(&subject)
    }
}

/// Municipalities and schools.
#[derive(Clone, Debug)]
pub struct Region {
    /// Municipalities.
    pub municipalities: Vec<Municipality>,
    /// Schools, grouped by municipality, in id order.
    pub schools: Vec<School>,
}

/// Number of municipalities for a region of `schools` schools: about one
/// per 15 schools (5–60) in small regions, growing to ~2 000 at national
/// scale (40 000 schools).
pub fn municipality_count(schools: usize) -> usize {
    let n = if schools <= 900 {
        (schools / 15).clamp(5, 60)
    } else {
        60 + (schools - 900) / 20
    };
    n.min(schools.max(1))
}

impl Region {
    /// Generates the region for `schools` schools from `seed`. With
    /// `misspecified`, honest schools break the signs' assumptions (drawn from
    /// a stream of their own, so the rest of the region is the same):
    /// heavy-tailed school effects (one school in ten gets an extra shock of
    /// SD 0.8), and in every cell marking leniency that differs by subject
    /// (SD 0.35 instead of 0.1), task-specific teaching (each task's difficulty
    /// shifted by N(0, 0.35²) for the school) and class effects (N(0, 0.3²)
    /// per class), see [`super::works::CellWorks::generate`].
    pub fn generate(schools: usize, seed: u64, misspecified: bool) -> Region {
        let mut rng = rng::stream(seed, Purpose::Region, 0, 0);
        let n_muni = municipality_count(schools);
        let municipalities: Vec<Municipality> = names::municipalities(n_muni, &mut rng)
            .into_iter()
            .map(|(name, kind)| {
                let effect = match kind {
                    MunicipalityKind::CityOkrug => 0.08,
                    _ => -0.04,
                } + 0.12 * rng::normal(&mut rng);
                Municipality { name, kind, effect }
            })
            .collect();

        // Municipality sizes: log-normal, cities bigger. Every municipality
        // gets at least one school.
        let weights: Vec<f64> = municipalities
            .iter()
            .map(|m| {
                let w = (0.7 * rng::normal(&mut rng)).exp();
                if m.kind == MunicipalityKind::CityOkrug {
                    1.8 * w
                } else {
                    w
                }
            })
            .collect();
        let mut cumulative = Vec::with_capacity(weights.len());
        let mut acc = 0.0;
        for w in &weights {
            acc += w;
            cumulative.push(acc);
        }
        let mut counts = vec![0usize; n_muni];
        for (i, c) in counts.iter_mut().enumerate() {
            if i < schools {
                *c = 1;
            }
        }
        for _ in n_muni.min(schools)..schools {
            let u = rng::unit(&mut rng) * acc;
            let i = cumulative.partition_point(|&c| c <= u).min(n_muni - 1);
            counts[i] += 1;
        }

        let mut list = Vec::with_capacity(schools);
        for (m, &count) in counts.iter().enumerate() {
            let mut namer = Namer::default();
            for _ in 0..count {
                let id = format!("edu{:06}", list.len() + 1);
                list.push(make_school(id, m, &municipalities[m], &mut namer, &mut rng));
            }
        }
        if misspecified {
            let mut rng = rng::stream(seed, Purpose::Misspecification, 0, 0);
            for school in &mut list {
                school.misspecified = true;
                if rng::unit(&mut rng) < 0.1 {
                    school.effect += 0.8 * rng::normal(&mut rng);
                }
            }
        }
        Region {
            municipalities,
            schools: list,
        }
    }
}

/// Per-municipality numbering and village names.
#[derive(Default)]
struct Namer {
    school_no: u32,
    lyceum_no: u32,
    gymnasium_no: u32,
    boarding_no: u32,
    used: BTreeMap<String, u32>,
}

fn next_number(counter: &mut u32, rng: &mut SimRng) -> u32 {
    // Numbering has gaps: closed and merged schools.
    *counter += 1;
    while rng.random_bool(0.15) {
        *counter += 1;
    }
    *counter
}

impl Namer {
    fn name(&mut self, kind: SchoolKind, rural: bool, rng: &mut SimRng) -> String {
        let org = |rng: &mut SimRng, weights: &[(&'static str, f64)]| {
            let w: Vec<f64> = weights.iter().map(|x| x.1).collect();
            weights[rng::weighted(rng, &w)].0
        };
        let municipal = if rural {
            org(rng, &[("МКОУ", 0.5), ("МБОУ", 0.45), ("МАОУ", 0.05)])
        } else {
            org(rng, &[("МБОУ", 0.8), ("МАОУ", 0.2)])
        };
        match kind {
            SchoolKind::Lyceum => {
                let o = org(rng, &[("МАОУ", 0.5), ("МБОУ", 0.5)]);
                format!("{o} \"Лицей № {}\"", next_number(&mut self.lyceum_no, rng))
            }
            SchoolKind::Gymnasium => {
                let o = org(rng, &[("МБОУ", 0.6), ("МАОУ", 0.4)]);
                format!(
                    "{o} \"Гимназия № {}\"",
                    next_number(&mut self.gymnasium_no, rng)
                )
            }
            SchoolKind::Boarding => {
                let o = org(rng, &[("ГБОУ", 0.7), ("ГКОУ", 0.3)]);
                format!(
                    "{o} \"Школа-интернат № {}\"",
                    next_number(&mut self.boarding_no, rng)
                )
            }
            _ if rural => {
                let village = names::PLACES[rng.random_range(0..names::PLACES.len())];
                let base = format!("{} {}", names::feminine(village), kind.code());
                let n = self.used.entry(base.clone()).or_insert(0);
                *n += 1;
                if *n == 1 {
                    format!("{municipal} \"{base}\"")
                } else {
                    format!("{municipal} \"{base} № {n}\"")
                }
            }
            _ => format!(
                "{municipal} \"{} № {}\"",
                kind.code(),
                next_number(&mut self.school_no, rng)
            ),
        }
    }
}

fn make_school(
    id: String,
    municipality: usize,
    muni: &Municipality,
    namer: &mut Namer,
    rng: &mut SimRng,
) -> School {
    let rural_p = match muni.kind {
        MunicipalityKind::CityOkrug => 0.08,
        MunicipalityKind::District => 0.72,
        MunicipalityKind::RuralOkrug => 0.82,
    };
    let rural = rng.random_bool(rural_p);
    use SchoolKind::*;
    let kinds = [Sosh, Oosh, Nosh, Lyceum, Gymnasium, Boarding];
    let weights: [f64; 6] = if rural {
        [0.62, 0.28, 0.07, 0.01, 0.005, 0.015]
    } else {
        [0.73, 0.03, 0.01, 0.08, 0.09, 0.04]
    };
    let kind = kinds[rng::weighted(rng, &weights)];
    let name = namer.name(kind, rural, rng);

    let advanced = advanced_subjects(kind, rng);
    let first_grade = match kind {
        Lyceum if rng.random_bool(0.35) => 5,
        Gymnasium if rng.random_bool(0.15) => 5,
        _ => 1,
    };

    let kind_effect = match kind {
        Lyceum => rng.random_range(0.5..1.0),
        Gymnasium => rng.random_range(0.5..0.9),
        Boarding => -0.35,
        Oosh => -0.15,
        Nosh => -0.05,
        Sosh => 0.0,
    };
    let locality_effect = if rural { -0.18 } else { 0.12 };
    let effect = muni.effect + locality_effect + kind_effect + 0.28 * rng::normal(rng);
    let leniency = if kind.is_elite() {
        0.12 + 0.15 * rng::normal(rng)
    } else {
        0.33 + 0.18 * rng::normal(rng)
    };

    let size = match (rural, kind) {
        (false, Sosh | Lyceum | Gymnasium) => (65f64.ln() + 0.4 * rng::normal(rng))
            .exp()
            .clamp(40.0, 150.0),
        (false, Oosh) => rng.random_range(15.0..35.0),
        (false, Nosh) => rng.random_range(20.0..50.0),
        (false, Boarding) => rng.random_range(12.0..30.0),
        (true, Sosh) if rng.random_bool(0.2) => rng.random_range(15.0..35.0),
        (true, Sosh) => rng.random_range(5.0..15.0),
        (true, Oosh) => rng.random_range(3.0..12.0),
        (true, Nosh) => rng.random_range(3.0..10.0),
        (true, Lyceum | Gymnasium) => rng.random_range(20.0..45.0),
        (true, Boarding) => rng.random_range(8.0..20.0),
    };
    let senior_ratio = match kind {
        Lyceum => 0.85,
        Gymnasium => 0.8,
        Boarding => 0.4,
        _ if rural => 0.45,
        _ => 0.5,
    };
    School {
        id,
        name,
        municipality,
        kind,
        rural,
        advanced,
        first_grade,
        effect,
        leniency,
        size,
        senior_ratio,
        misspecified: false,
    }
}

fn advanced_subjects(kind: SchoolKind, rng: &mut SimRng) -> Vec<Subject> {
    use Subject::*;
    let (pool, weights): (&[Subject], &[f64]) = match kind {
        SchoolKind::Lyceum => (&[Ma, Ph, In, Ch, Bi], &[5.0, 3.0, 2.0, 1.5, 1.5]),
        SchoolKind::Gymnasium => (&[Ru, En, Hi, So, Li], &[3.0, 4.0, 2.0, 2.0, 1.0]),
        SchoolKind::Sosh if rng.random_bool(0.08) => (
            &[Ma, En, Ch, Bi, Ph, Ru, Hi, So, In],
            &[3.0, 2.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 1.0],
        ),
        _ => return Vec::new(),
    };
    let k = if kind.is_elite() && rng.random_bool(0.5) {
        2
    } else {
        1
    };
    let mut v: Vec<Subject> = rng::weighted_distinct(rng, weights, k)
        .into_iter()
        .map(|i| pool[i])
        .collect();
    v.sort();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn municipality_counts_scale() {
        assert_eq!(municipality_count(40), 5);
        assert_eq!(municipality_count(300), 20);
        assert_eq!(municipality_count(3000), 165);
        assert!((1900..=2100).contains(&municipality_count(40_000)));
        assert_eq!(municipality_count(2), 2);
    }

    #[test]
    fn region_is_plausible() {
        let r = Region::generate(600, 7, false);
        assert_eq!(r.schools.len(), 600);
        assert_eq!(r.schools[0].id, "edu000001");
        assert_eq!(r.schools[599].id, "edu000600");
        // Grouped by municipality, every municipality used.
        assert!(
            r.schools
                .windows(2)
                .all(|w| w[0].municipality <= w[1].municipality)
        );
        let used: std::collections::BTreeSet<_> =
            r.schools.iter().map(|s| s.municipality).collect();
        assert_eq!(used.len(), r.municipalities.len());
        // Names unique within a municipality.
        let names: std::collections::BTreeSet<_> = r
            .schools
            .iter()
            .map(|s| (s.municipality, s.name.clone()))
            .collect();
        assert_eq!(names.len(), 600);
        let rural = r.schools.iter().filter(|s| s.rural).count();
        assert!((150..450).contains(&rural), "rural {rural}");
        assert!(r.schools.iter().any(|s| s.kind == SchoolKind::Lyceum));
        assert!(r.schools.iter().any(|s| s.name.contains("Гимназия № 1\"")));
    }
}
