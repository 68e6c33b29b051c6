//! The cross-check sample (выборочная / перекрёстная перепроверка): which
//! schools get observers and a re-check of their works, drawn from one year's
//! analysis.
//!
//! The design follows the Chicago retest (Jacob B.A., Levitt S.D. (2003)
//! Rotten apples: an investigation of the prevalence and predictors of teacher
//! cheating. QJE 118(3)): a stratum chosen by risk, a stratum of high results
//! *without* signs, and a random control stratum, so that what the re-check
//! finds in the risk stratum can be compared with what it finds elsewhere.
//!
//! * **Eligible**: schools with at least `min_works` works in the year (fewer
//!   is too little to re-check; listed schools left out this way are written
//!   with stratum `excluded` and the reason).
//! * **Stratum 1, risk**: the year's risk list, strongest evidence first (ties
//!   by school id); the first `risk` schools.
//! * **Stratum 2, high results without signs**: eligible schools with no
//!   marked cell whose result is high — S1 fired in one of their cells, or
//!   their standardized result (the works-weighted mean over their cells of
//!   (cell mean − test mean) / test SD of primary scores) is in the top
//!   `high_share` of eligible schools; a simple random sample of them.
//! * **Stratum 3, random control**: every other eligible school (listed ones
//!   included, so the stratum represents the region); a systematic sample with
//!   implicit stratification by municipality and size (thirds of the number of
//!   works): the schools are ordered by municipality, size class and a random
//!   key, and every (N/k)-th is taken from a random start (Cochran W.G. (1977)
//!   Sampling Techniques, 3rd ed., ch. 8; the school sampling of PISA uses the
//!   same implicit stratification). Each municipality and size class then
//!   gets its proportional share, rounded.
//!
//! Random draws use ChaCha8 (`rand_chacha`) seeded with `seed`, one stream per
//! purpose (stratum 2, stratum 3, and each school's works), so the same data,
//! configuration and seed redraw the same sample on any machine, and a change
//! in one stratum does not reshuffle another. Schools are always visited in
//! the order of their ids, so the input row order does not matter.

pub mod config;
pub mod works;

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::evidence::Evidence;
use crate::model::Dataset;
use crate::risk::ListEntry;
use crate::signs::{REGISTRY, SignResults};

pub use config::{SampleConfig, Size};
pub use works::{SampledWork, WorkReason};

/// Stream ids of the random generator.
const STREAM_HIGH: u64 = 1;
const STREAM_RANDOM: u64 = 2;
/// Each school's works use stream `STREAM_WORKS + school index`.
const STREAM_WORKS: u64 = 1 << 32;

/// The stratum a school was drawn from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stratum {
    Risk,
    HighNoSigns,
    Random,
    /// On the list but not eligible (too few works).
    Excluded,
}

impl Stratum {
    pub const DRAWN: [Stratum; 3] = [Stratum::Risk, Stratum::HighNoSigns, Stratum::Random];

    pub fn code(self) -> &'static str {
        match self {
            Stratum::Risk => "risk",
            Stratum::HighNoSigns => "high_no_signs",
            Stratum::Random => "random",
            Stratum::Excluded => "excluded",
        }
    }

    pub fn russian(self) -> &'static str {
        match self {
            Stratum::Risk => "группа риска",
            Stratum::HighNoSigns => "высокие результаты без признаков",
            Stratum::Random => "случайная контрольная выборка",
            Stratum::Excluded => "не включена",
        }
    }
}

/// One school of the sample (or a listed school left out, with the reason).
#[derive(Clone, Debug, PartialEq)]
pub struct SampledSchool {
    pub school: u32,
    pub stratum: Stratum,
    /// 1-based position within the stratum.
    pub order: usize,
    pub works: usize,
    /// The school-year's evidence, −log10 of its weighted p-value (0 when the
    /// school has no evaluated cell): the score the list is a threshold on.
    pub evidence: f64,
    pub markers: usize,
    /// Standardized result (see the module doc).
    pub result: Option<f64>,
    pub size_class: &'static str,
    /// Why the school is in this stratum (Russian).
    pub reason: String,
}

/// The drawn sample of one year.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub year: u16,
    pub seed: u64,
    /// How it was drawn (Russian, one line): written with every row.
    pub method: String,
    /// Chosen schools by stratum and order, then the excluded ones.
    pub schools: Vec<SampledSchool>,
    /// Works to re-check, by school (in `schools` order), then reason.
    pub works: Vec<SampledWork>,
}

/// One school's year, as the sample sees it.
#[derive(Clone, Debug, Default)]
struct SchoolYear {
    works: usize,
    /// (test, cell, global cell index).
    cells: Vec<(usize, usize, usize)>,
    marked: bool,
    high_sign: bool,
    /// The school-year's evidence (crate::evidence).
    evidence: f64,
}

fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream);
    r
}

/// The year the sample is drawn from: the configured one, else the last.
pub fn sample_year(data: &Dataset, cfg: &SampleConfig) -> Option<u16> {
    let last = data.tests.iter().map(|b| b.key.year).max()?;
    Some(cfg.year.unwrap_or(last))
}

/// Mean and SD of a test's primary scores.
fn test_moments(p: ndarray::ArrayView1<'_, f32>) -> (f64, f64) {
    let n = p.len() as f64;
    if n < 2.0 {
        return (p.first().map_or(0.0, |&x| f64::from(x)), 0.0);
    }
    let mean = p.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
    let var = p
        .iter()
        .map(|&x| (f64::from(x) - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    (mean, var.sqrt())
}

/// Each school's standardized result in `year`: (works, works-weighted mean
/// over its cells of (cell mean − test mean) / test SD), on the score each
/// test is read on ([`crate::model::LevelScale`]: the primary score, else the
/// EGE test score), works without a score left out. A school none of whose
/// works has a score (a table of marks alone) has no result and is not in the
/// map.
pub fn standardized_results(data: &Dataset, year: u16) -> BTreeMap<u32, (usize, f64)> {
    let mut out: BTreeMap<u32, (usize, f64)> = BTreeMap::new();
    for block in data.tests.iter().filter(|b| b.key.year == year) {
        let scores = block.level_scores();
        let valid: Vec<f32> = scores.iter().copied().filter(|x| !x.is_nan()).collect();
        let (mean, sd) = test_moments(ndarray::ArrayView1::from(&valid));
        if sd.is_nan() || sd <= 0.0 {
            continue;
        }
        for span in &block.cells {
            let own: Vec<f64> = (span.of(&scores).iter())
                .filter(|x| !x.is_nan())
                .map(|&x| f64::from(x))
                .collect();
            if own.is_empty() {
                continue;
            }
            let n = own.len();
            let cm = own.iter().sum::<f64>() / n as f64;
            let e = out.entry(span.school).or_default();
            e.0 += n;
            e.1 += n as f64 * (cm - mean) / sd;
        }
    }
    for e in out.values_mut() {
        e.1 /= e.0 as f64;
    }
    out
}

fn school_years(
    data: &Dataset,
    year: u16,
    results: &SignResults,
    ev: &Evidence,
) -> BTreeMap<u32, SchoolYear> {
    let s1 = REGISTRY.iter().position(|s| !s.marks_cell());
    let mut out: BTreeMap<u32, SchoolYear> = BTreeMap::new();
    let mut global = 0usize;
    for (t, block) in data.tests.iter().enumerate() {
        if block.key.year != year {
            global += block.cells.len();
            continue;
        }
        for (c, span) in block.cells.iter().enumerate() {
            let i = global + c;
            let e = out.entry(span.school).or_default();
            e.works += block.cells[c].len();
            e.cells.push((t, c, i));
            e.marked |= ev.cells[i].marker;
            e.evidence = ev
                .school_year(year, span.school)
                .map_or(0.0, |sy| sy.evidence);
            e.high_sign |= s1.is_some_and(|s| results.findings[s][i].fired);
        }
        global += block.cells.len();
    }
    out
}

/// The works-count thirds: (upper bound of "small", upper bound of "medium").
fn size_bounds(works: &mut [usize]) -> (usize, usize) {
    works.sort_unstable();
    if works.is_empty() {
        return (0, 0);
    }
    let at = |q: f64| works[((works.len() - 1) as f64 * q).round() as usize];
    (at(1.0 / 3.0), at(2.0 / 3.0))
}

fn size_class(works: usize, bounds: (usize, usize)) -> (u8, &'static str) {
    if works <= bounds.0 {
        (0, "малая")
    } else if works <= bounds.1 {
        (1, "средняя")
    } else {
        (2, "большая")
    }
}

/// Systematic sample of `k` of `n` positions from a random start.
fn systematic(n: usize, k: usize, rng: &mut ChaCha8Rng) -> Vec<usize> {
    if k == 0 || n == 0 {
        return Vec::new();
    }
    if k >= n {
        return (0..n).collect();
    }
    let step = n as f64 / k as f64;
    let start = rng.random::<f64>() * step;
    (0..k)
        .map(|i| ((start + i as f64 * step).floor() as usize).min(n - 1))
        .collect()
}

/// The method in words; `one_municipality`: the schools drawn from are of
/// one municipality (the control is spread by size alone).
fn method_text(cfg: &SampleConfig, one_municipality: bool) -> String {
    let spread = if one_municipality {
        "по размеру ОО"
    } else {
        "по муниципалитетам и по размеру ОО"
    };
    format!(
        "ОО с числом работ не менее {}; \
три группы: группа риска — ОО из перечня, не больше {}, по убыванию силы признаков; высокие \
результаты без признаков — по жребию ({}); контрольная — по жребию, равномерно {spread} ({}); \
работ на ОО {}, из них случайных {:.0} %",
        cfg.min_works,
        cfg.risk,
        cfg.high_without_signs,
        cfg.random,
        cfg.works_per_school,
        cfg.random_works_share * 100.0
    )
}

/// Draws the sample for the configured year (the last one by default).
/// Returns `None` when the data has no such year.
pub fn draw(
    data: &Dataset,
    results: &SignResults,
    ev: &Evidence,
    list: &[ListEntry],
    cfg: &SampleConfig,
    scope: Option<&std::collections::BTreeSet<u32>>,
) -> Option<Sample> {
    let year = sample_year(data, cfg)?;
    let mut years = school_years(data, year, results, ev);
    // One municipality's sample (`--municipality`): among its schools only.
    let in_scope = |s: &u32| scope.is_none_or(|sc| sc.contains(s));
    years.retain(|s, _| in_scope(s));
    let list: Vec<ListEntry> = (list.iter())
        .filter(|e| in_scope(&e.school))
        .cloned()
        .collect();
    let list = list.as_slice();
    let standardized = standardized_results(data, year);
    if years.is_empty() {
        return None;
    }
    let eligible: Vec<u32> = years
        .iter()
        .filter(|(_, y)| y.works >= cfg.min_works)
        .map(|(&s, _)| s)
        .collect();
    let mut sizes: Vec<usize> = eligible.iter().map(|s| years[s].works).collect();
    let bounds = size_bounds(&mut sizes);
    let result = |s: u32| standardized.get(&s).map(|r| r.1);
    // Whose upper part a high result is in: the schools the sample is drawn
    // among.
    let one_municipality = (eligible.windows(2)).all(|w| {
        data.schools[w[0] as usize].municipality == data.schools[w[1] as usize].municipality
    });
    let frame = if scope.is_some() || one_municipality {
        "ОО муниципалитета"
    } else {
        "ОО региона"
    };
    let entry = |s: u32, stratum: Stratum, order: usize, reason: String| {
        let y = &years[&s];
        SampledSchool {
            school: s,
            stratum,
            order,
            works: y.works,
            evidence: y.evidence,
            markers: list
                .iter()
                .find(|e| e.year == year && e.school == s)
                .map_or(0, |e| e.markers),
            result: result(s),
            size_class: size_class(y.works, bounds).1,
            reason,
        }
    };
    let mut chosen: Vec<SampledSchool> = Vec::new();
    let mut excluded: Vec<SampledSchool> = Vec::new();
    let mut taken = std::collections::BTreeSet::new();

    // 1. Risk: the list, strongest evidence first (risk_list is sorted so).
    let listed: Vec<&ListEntry> = list.iter().filter(|e| e.year == year).collect();
    let listed_eligible: Vec<&ListEntry> = listed
        .iter()
        .copied()
        .filter(|e| {
            years
                .get(&e.school)
                .is_some_and(|y| y.works >= cfg.min_works)
        })
        .collect();
    let k = cfg.risk.of(listed_eligible.len());
    for (i, e) in listed_eligible.iter().take(k).enumerate() {
        taken.insert(e.school);
        chosen.push(entry(
            e.school,
            Stratum::Risk,
            i + 1,
            format!(
                "в перечне {year} года: ячеек с признаками {}, сила признаков {}",
                e.markers,
                crate::report::html::num(e.evidence, 1)
            ),
        ));
    }
    for e in &listed {
        let works = years.get(&e.school).map_or(0, |y| y.works);
        if works < cfg.min_works {
            excluded.push(entry(
                e.school,
                Stratum::Excluded,
                0,
                format!(
                    "в перечне, но в {year} году всего {works} работ (меньше {}): мало для перепроверки",
                    cfg.min_works
                ),
            ));
        }
    }

    // 2. High results without signs: a simple random sample.
    // (Schools without a score have no result: a table of marks alone.)
    let mut results_sorted: Vec<f64> = eligible.iter().filter_map(|&s| result(s)).collect();
    results_sorted.sort_by(f64::total_cmp);
    let high_cut = if results_sorted.is_empty() {
        f64::INFINITY
    } else {
        let i = ((results_sorted.len() as f64) * (1.0 - cfg.high_share)).floor() as usize;
        results_sorted[i.min(results_sorted.len() - 1)]
    };
    let mut r2 = rng(cfg.seed, STREAM_HIGH);
    let mut high: Vec<(u64, u32)> = eligible
        .iter()
        .filter(|s| !taken.contains(*s))
        .filter(|s| {
            let y = &years[*s];
            !y.marked && (y.high_sign || result(**s).is_some_and(|r| r >= high_cut))
        })
        .map(|&s| (r2.random::<u64>(), s))
        .collect();
    high.sort_unstable();
    let k = cfg.high_without_signs.of(high.len());
    for (i, &(_, s)) in high.iter().take(k).enumerate() {
        taken.insert(s);
        let why = if years[&s].high_sign {
            "признак «Высокий результат» без других признаков".to_owned()
        } else {
            // The cut said, so that a result below the region's mean (0) in
            // a weaker municipality reads as what it is: among its best.
            format!(
                "результат среди {} лучших {frame} (не ниже {}), признаков нет",
                crate::report::html::num(cfg.high_share * 100.0, 0) + "\u{a0}%",
                crate::report::html::signed(high_cut, 2)
            )
        };
        chosen.push(entry(
            s,
            Stratum::HighNoSigns,
            i + 1,
            format!(
                "{why} (стандартизованный результат {}; 0 — среднее по всем ОО в данных)",
                result(s).map_or("нет".to_owned(), |r| crate::report::html::signed(r, 2))
            ),
        ));
    }

    // 3. Random control: systematic with implicit stratification.
    let mut r3 = rng(cfg.seed, STREAM_RANDOM);
    let mut frame: Vec<(&str, u8, u64, u32)> = eligible
        .iter()
        .filter(|s| !taken.contains(*s))
        .map(|&s| {
            let school = &data.schools[s as usize];
            (
                school.municipality.as_str(),
                size_class(years[&s].works, bounds).0,
                r3.random::<u64>(),
                s,
            )
        })
        .collect();
    frame.sort_unstable();
    let k = cfg.random.of(eligible.len()).min(frame.len());
    for (i, pos) in systematic(frame.len(), k, &mut r3).into_iter().enumerate() {
        let s = frame[pos].3;
        chosen.push(entry(
            s,
            Stratum::Random,
            i + 1,
            format!(
                "случайный выбор: {}, {} ОО",
                data.schools[s as usize].municipality,
                size_class(years[&s].works, bounds).1
            ),
        ));
    }

    let mut works = Vec::new();
    for s in &chosen {
        let y = &years[&s.school];
        let mut r = rng(cfg.seed, STREAM_WORKS + u64::from(s.school));
        let cells: Vec<(usize, usize, bool)> = y
            .cells
            .iter()
            .map(|&(t, c, i)| (t, c, ev.cells[i].marker))
            .collect();
        works.extend(works::choose(data, s.stratum, &cells, cfg, &mut r));
    }
    chosen.extend(excluded);
    Some(Sample {
        year,
        seed: cfg.seed,
        method: method_text(cfg, scope.is_some() || one_municipality),
        schools: chosen,
        works,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn systematic_takes_evenly_spaced_distinct_positions() {
        let mut r = rng(7, 3);
        let picks = systematic(10, 4, &mut r);
        assert_eq!(picks.len(), 4);
        // step 2.5: consecutive picks differ by 2 or 3.
        for w in picks.windows(2) {
            assert!(w[1] - w[0] == 2 || w[1] - w[0] == 3, "{picks:?}");
        }
        assert!(picks[0] < 3);
        assert_eq!(systematic(3, 5, &mut r), vec![0, 1, 2]);
        assert!(systematic(0, 2, &mut r).is_empty());
    }

    #[test]
    fn systematic_is_proportional_over_contiguous_groups() {
        // 30 positions in groups of 20 and 10 (sorted frame): a sample of 6
        // takes exactly 4 and 2, whatever the start.
        for seed in 0..50 {
            let mut r = rng(seed, 0);
            let picks = systematic(30, 6, &mut r);
            assert_eq!(picks.iter().filter(|&&p| p < 20).count(), 4, "{picks:?}");
        }
    }

    #[test]
    fn standardized_results_leave_out_works_without_a_score() {
        // Three schools of one test: [10, 12, –], [20, 22], [–, –]. The test's
        // scored works 10, 12, 20, 22: mean 16, SD √(104 / 3) = 5.8878; school
        // 0: (11 − 16) / 5.8878 = −0.84921 over its 2 scored works, school 1
        // +0.84921, school 2 no result (a missing score once dropped the whole
        // test).
        let nan = f32::NAN;
        let block = crate::signs::testing::block(&[
            (vec![10.0, 12.0, nan], vec![4; 3]),
            (vec![20.0, 22.0], vec![4; 2]),
            (vec![nan, nan], vec![4; 2]),
        ]);
        let data = Dataset {
            tests: vec![block],
            ..Dataset::default()
        };
        let r = standardized_results(&data, 2025);
        assert_eq!(r.len(), 2);
        assert_eq!(r[&0].0, 2);
        assert!((r[&0].1 + 0.84921).abs() < 1e-4, "{:?}", r[&0]);
        assert!((r[&1].1 - 0.84921).abs() < 1e-4, "{:?}", r[&1]);
        // Test scores alone are read the same way.
        let mut tested = data.tests[0].clone();
        tested.test_score = tested.primary.mapv(|p| {
            if p.is_nan() {
                crate::model::NO_TEST_SCORE
            } else {
                p as u8
            }
        });
        tested.primary.fill(nan);
        let t = standardized_results(
            &Dataset {
                tests: vec![tested],
                ..Dataset::default()
            },
            2025,
        );
        assert_eq!(t, r);
    }

    #[test]
    fn size_thirds() {
        let mut w = vec![10, 20, 30, 40, 50, 60, 70];
        let b = size_bounds(&mut w);
        assert_eq!(b, (30, 50));
        assert_eq!(size_class(30, b).1, "малая");
        assert_eq!(size_class(31, b).1, "средняя");
        assert_eq!(size_class(51, b).1, "большая");
        assert_eq!(size_bounds(&mut []), (0, 0));
    }

    #[test]
    fn streams_differ_and_repeat() {
        let a: u64 = rng(5, STREAM_HIGH).random();
        let b: u64 = rng(5, STREAM_RANDOM).random();
        assert_ne!(a, b);
        assert_eq!(a, rng(5, STREAM_HIGH).random::<u64>());
    }
}
