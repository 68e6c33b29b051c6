//! The cross-check loop end to end: simulate → analyze (with the sample) →
//! simulated honest re-check of the chosen works → analyze with recheck.csv.
//! The truth of the simulated region says which re-checked works came from a
//! cell whose scores were inflated by lenient scoring.

use std::collections::{BTreeMap, BTreeSet};

use obektiv::config::Config;
use obektiv::progress::Progress;
use obektiv::sample::Size;
use obektiv::simulate::{Intensity, SimOptions, simulate, simulate_recheck};
use obektiv::{Job, analyze};

use crate::common::table as read;

#[test]
fn recheck_confirms_lenient_scoring_in_the_sample_and_clears_honest_schools() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let opts = SimOptions {
        schools: 300,
        years: 1,
        seed: 11,
        manipulated_share: 0.3,
        intensity: Some(Intensity::Strong),
        ..SimOptions::default()
    };
    simulate(&opts, &data, &mut |_, _| {}).unwrap();
    let mut config = Config::default();
    config.sample.risk = Size::Share(1.0);
    config.sample.random = Size::Count(15);
    let job = |out: &str| Job {
        data: data.clone(),
        out: tmp.path().join(out),
        config: config.clone(),
        progress: Progress::new(false),
    };
    let first = analyze(&job("r1")).unwrap();
    assert!(first.sampled_works > 0);
    let works = tmp.path().join("r1/recheck_works.csv");
    let n = simulate_recheck(&opts, &works, &data).unwrap();
    assert_eq!(
        n as usize, first.sampled_works,
        "every chosen work re-checked"
    );
    let second = analyze(&job("r2")).unwrap();
    assert_eq!(second.rechecked, first.sampled_works);
    assert_eq!(second.recheck_unmatched, 0);
    let notes = std::fs::read_to_string(tmp.path().join("r2/notes.csv")).unwrap();
    assert!(!notes.contains("recheck.csv"), "{notes}");
    // The commission leaves ten works out: said in notes.csv, with the count.
    let path = data.join("recheck.csv");
    let full = std::fs::read_to_string(&path).unwrap();
    let fewer: Vec<&str> = full
        .lines()
        .enumerate()
        .filter(|(i, _)| !(1..=10).contains(i))
        .map(|(_, l)| l)
        .collect();
    std::fs::write(&path, fewer.join("\n") + "\n").unwrap();
    analyze(&job("r3")).unwrap();
    let notes = std::fs::read_to_string(tmp.path().join("r3/notes.csv")).unwrap();
    assert!(
        notes.contains("работ из выборки нет в перепроверке: 10"),
        "{notes}"
    );
    // Two works of schools outside the sample re-checked too: used, and said so.
    let sampled: std::collections::BTreeSet<String> =
        (read(&tmp.path().join("r1/recheck_sample.csv")).into_iter())
            .map(|r| r["school"].clone())
            .collect();
    let columns: Vec<&str> = full.lines().next().unwrap().split(',').collect();
    let extra: Vec<String> = (read(&data.join("results_2025_vpr.csv")).into_iter())
        .filter(|r| !sampled.contains(&r["school"]) && !r["primary"].is_empty())
        .take(2)
        .map(|r| {
            (columns.iter())
                .map(|c| r.get(*c).cloned().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    assert_eq!(extra.len(), 2);
    std::fs::write(&path, full.clone() + &extra.join("\n") + "\n").unwrap();
    let fourth = analyze(&job("r4")).unwrap();
    let notes = std::fs::read_to_string(tmp.path().join("r4/notes.csv")).unwrap();
    assert!(
        notes.contains(&format!(
            "из {} перепроверенных работ 2 не входят в эту выборку",
            fourth.rechecked
        )),
        "{notes}"
    );
    std::fs::write(&path, full).unwrap();
    // The sample is redrawn identically from the same data and seed.
    assert_eq!(
        std::fs::read(tmp.path().join("r1/recheck_works.csv")).unwrap(),
        std::fs::read(tmp.path().join("r2/recheck_works.csv")).unwrap()
    );

    let truth: BTreeMap<(String, String, String, String), String> = read(&data.join("truth.csv"))
        .into_iter()
        .map(|r| {
            (
                (
                    r["exam"].clone(),
                    r["subject"].clone(),
                    r["grade"].clone(),
                    r["school"].clone(),
                ),
                r["manipulation"].clone(),
            )
        })
        .collect();
    let manipulated: BTreeSet<&str> = truth
        .iter()
        .filter(|(_, m)| *m != "none")
        .map(|(k, _)| k.3.as_str())
        .collect();
    // Per school: re-checked works from its marked cells, and how many of
    // them lie in a cell with planted lenient scoring.
    let mut marked: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for r in read(&tmp.path().join("r2/recheck_results.csv")) {
        if r["in_marked_cell"] != "true" {
            continue;
        }
        let kind = &truth[&(
            r["exam"].clone(),
            r["subject"].clone(),
            r["grade"].clone(),
            r["school"].clone(),
        )];
        let e = marked.entry(r["school"].clone()).or_default();
        e.0 += 1;
        if matches!(
            kind.as_str(),
            "cutoff_lift" | "fitted_to_journal" | "inflation"
        ) {
            e.1 += 1;
        }
    }
    let schools = read(&tmp.path().join("r2/recheck_schools.csv"));
    // The справка names each school where inflation was found, by login.
    let html = std::fs::read_to_string(tmp.path().join("r2/report.html")).unwrap();
    let found: Vec<&String> = (schools.iter())
        .filter(|s| s["inflation_found"] == "true")
        .map(|s| &s["school"])
        .collect();
    assert!(!found.is_empty());
    let named = &html[html
        .find("ОО, в которых перепроверка выявила завышение")
        .unwrap()..];
    for id in found {
        assert!(named.contains(&format!("({id},")), "{id} not named");
    }
    let lenient: Vec<&BTreeMap<String, String>> = schools
        .iter()
        .filter(|s| {
            marked
                .get(&s["school"])
                .is_some_and(|&(n, l)| n >= 5 && 2 * l >= n)
        })
        .collect();
    assert!(
        lenient.len() >= 5,
        "too few sampled schools whose signs come from lenient scoring: {}",
        lenient.len()
    );
    let confirmed = lenient
        .iter()
        .filter(|s| s["signs_confirmed"] == "true")
        .count();
    assert!(
        confirmed * 10 >= lenient.len() * 7,
        "lenient scoring confirmed in {confirmed} of {} schools",
        lenient.len()
    );
    // Honest schools of the random stratum: no inflation found.
    let honest_random: Vec<&BTreeMap<String, String>> = schools
        .iter()
        .filter(|s| s["stratum"] == "random" && !manipulated.contains(s["school"].as_str()))
        .collect();
    assert!(honest_random.len() >= 5, "{}", honest_random.len());
    for s in &honest_random {
        assert_eq!(s["inflation_found"], "false", "{s:?}");
    }
    // The risk stratum lost more points at the re-check than the random one.
    let strata = read(&tmp.path().join("r2/recheck_strata.csv"));
    let risk = strata.iter().find(|s| s["stratum"] == "risk").unwrap();
    let low: f64 = risk["diff_low"].parse().unwrap();
    assert!(low > 0.0, "risk vs random: {risk:?}");
}
