//! S9 with pupils' codes that persist from year to year: the cohort's two
//! results are linked by their pupils, and a one-year spike stands out far
//! more clearly than when the same works carry codes issued anew each year.

use std::fmt::Write as _;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use crate::common::{analyze, table};

/// A region of 60 schools, VPR Russian in grades 4–6 over 2023–2025, 25
/// pupils per cohort who keep their ability from year to year (school part
/// SD 0.5, own part SD 1, the day's form SD 0.5; a primary score of 10 + 3 ×
/// that, 0–20). The first school's grade 5 of 2024 performs 0.8 SD above
/// its pupils. With `persistent`, a pupil keeps one code in every year;
/// without, every school numbers its works 1001, 1002, … anew each year in
/// an order of their own.
fn region(dir: &std::path::Path, persistent: bool) {
    let mut rng = ChaCha8Rng::seed_from_u64(33);
    let normal = Normal::new(0.0, 1.0).unwrap();
    let mut schools = String::from("school,name,municipality\n");
    let mut results = String::from("year,exam,subject,grade,school,class,student,primary\n");
    for s in 0..60 {
        let id = format!("edu7{s:05}");
        writeln!(schools, "{id},Школа {s},Район").unwrap();
        let u = 0.5 * normal.sample(&mut rng);
        // Cohorts by the year they sat grade 4: 2021 … 2025.
        let cohorts: Vec<Vec<f64>> = (0..5)
            .map(|_| (0..25).map(|_| u + normal.sample(&mut rng)).collect())
            .collect();
        for year in 2023..=2025u16 {
            let mut works: Vec<(String, f64)> = Vec::new();
            for grade in 4..=6u16 {
                let c = usize::from(year - grade) - 2017;
                for (i, theta) in cohorts[c].iter().enumerate() {
                    let spike = if s == 0 && year == 2024 && grade == 5 {
                        0.8
                    } else {
                        0.0
                    };
                    let form = 0.5 * normal.sample(&mut rng);
                    let primary = (10.0 + 3.0 * (theta + spike + form))
                        .round()
                        .clamp(0.0, 20.0);
                    let code = format!("{}{c}{i:02}", s + 100);
                    works.push((format!("{year},VPR,RU,{grade},{id},{grade}А,"), primary));
                    if persistent {
                        works.last_mut().unwrap().0.push_str(&code);
                    }
                }
            }
            if !persistent {
                // Codes issued anew: a random order, numbered from 1001.
                for k in (1..works.len()).rev() {
                    works.swap(k, rng.random_range(0..=k));
                }
                for (k, w) in works.iter_mut().enumerate() {
                    w.0.push_str(&(1001 + k).to_string());
                }
            }
            for (row, primary) in works {
                writeln!(results, "{row},{primary}").unwrap();
            }
        }
    }
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("schools.csv"), schools).unwrap();
    std::fs::write(dir.join("results.csv"), results).unwrap();
}

/// S9's rows of findings.csv.
fn s9(out: &std::path::Path) -> Vec<std::collections::BTreeMap<String, String>> {
    (table(&out.join("findings.csv")).into_iter())
        .filter(|r| r["sign"] == "S9")
        .collect()
}

fn p(r: &std::collections::BTreeMap<String, String>) -> f64 {
    r["p_value"].parse().unwrap()
}

#[test]
fn persistent_codes_link_a_cohort_and_sharpen_a_one_year_spike() {
    let tmp = tempfile::tempdir().unwrap();
    let mut found = Vec::new();
    for persistent in [true, false] {
        let data = tmp.path().join(format!("data_{persistent}"));
        let out = tmp.path().join(format!("out_{persistent}"));
        region(&data, persistent);
        analyze(&data, &out);
        let rows = s9(&out);
        let spike = (rows.iter())
            .find(|r| {
                r["year"] == "2024"
                    && r["grade"] == "5"
                    && r["school"] == "edu700000"
                    && r["evaluated"] == "true"
            })
            .expect("the spike's cell is judged")
            .clone();
        let linked = rows
            .iter()
            .filter(|r| r["note"].contains("по кодам"))
            .count();
        let honest: Vec<f64> = (rows.iter())
            .filter(|r| r["evaluated"] == "true" && r["school"] != "edu700000")
            .map(p)
            .collect();
        // The methods section says where the same pupils were compared.
        let report = crate::common::read(&out.join("report.html"));
        let said = format!("(в {linked} — по одним и тем же ученикам");
        assert_eq!(report.contains(&said), linked > 0, "{said}");
        found.push((spike, linked, honest));
    }
    let (spike, linked, honest) = &found[0];
    let (spike_new, linked_new, honest_new) = &found[1];
    // Persistent codes: most judged cells linked, the spike far clearer
    // than with codes issued anew (its p below 10⁻⁶; 25 pupils a cell, a
    // rise of about 0.65 SD of the test's works that the cohort loses).
    assert!(*linked > honest.len() / 2, "{linked} of {}", honest.len());
    assert!(spike["note"].contains("по кодам"), "{spike:?}");
    assert!(p(spike) < 1e-6, "{spike:?}");
    assert!(p(spike) < p(spike_new) * 1e-3, "{spike:?} {spike_new:?}");
    // Codes issued anew match pupils at random: nothing is linked.
    assert_eq!(*linked_new, 0);
    // Honest cells stay calibrated either way: at most 3 % with p ≤ 0.01.
    for h in [honest, honest_new] {
        let low = h.iter().filter(|&&x| x <= 0.01).count();
        assert!(low * 100 <= 3 * h.len(), "{low} of {}", h.len());
    }
}
