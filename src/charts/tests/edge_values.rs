//! Edge cases in the values: maximum score 1, long names, non-finite and wild values,
//! many rows. None may panic.

use super::super::*;
use super::super::{self as charts, Chart};
use super::{check_png, fixtures, has_text, polylines, texts};

fn renders(chart: &impl Chart) -> String {
    let out = charts::render(chart).expect("render");
    check_png(&out.png, charts::canvas_size(chart));
    out.svg
}

fn says_no_data(chart: &impl Chart) {
    assert!(has_text(&renders(chart), "нет данных"));
}

const LONG: &str = "Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 5 с углублённым изучением отдельных предметов имени Героя Советского Союза»";

#[test]
fn max_score_one_draws_one_cutoff_between_0_and_1() {
    let chart = ScoreDistribution {
        max_score: 1,
        cell: vec![3, 7],
        region: vec![40, 60],
        cutoffs: vec![
            Cutoff {
                label: "зачёт".into(),
                min_score: 1,
            },
            Cutoff {
                label: "5".into(),
                min_score: 2,
            },
        ],
        ..fixtures::score_distribution()
    };
    let svg = renders(&chart);
    assert!(
        has_text(&svg, "зачёт") && !has_text(&svg, "5"),
        "a cut-off above the maximum is not drawn"
    );
    let lines: Vec<_> = polylines(&svg, "#3A3A3A", 2)
        .into_iter()
        .filter(|p| p.len() == 2 && p[0].0 == p[1].0)
        .collect();
    assert_eq!(lines.len(), 1);
    let ticks: Vec<i32> = ["0", "1"]
        .iter()
        .map(|s| {
            texts(&svg)
                .into_iter()
                .find(|t| t.anchor == "middle" && t.text == *s)
                .unwrap()
                .x
        })
        .collect();
    assert!((lines[0][0].0 - (ticks[0] + ticks[1]) / 2).abs() <= 1);
}

#[test]
fn long_names_are_cut_with_ellipsis() {
    let long_title = format!("ВПР 2025 · {LONG}");
    let svg = renders(&ScoreDistribution {
        title: long_title.clone(),
        ..fixtures::score_distribution()
    });
    assert!(!svg.contains(&long_title));
    assert!(
        texts(&svg)
            .iter()
            .any(|t| t.text.starts_with("ВПР 2025 · Муниципальное") && t.text.ends_with('…'))
    );

    let mut marks = fixtures::mark_agreement();
    marks.rows[0].label = LONG.into();
    let svg = renders(&marks);
    assert!(
        texts(&svg)
            .iter()
            .any(|t| t.text.starts_with("Муниципальное") && t.text.ends_with("… (n = 54)"))
    );

    let mut signs = fixtures::signs_by_municipality();
    signs.rows[0].name = LONG.into();
    assert!(!renders(&signs).contains(LONG));
    let mut risk = fixtures::risk_map();
    risk.points[2].name = LONG.into();
    assert!(!renders(&risk).contains(LONG));
    let mut schools = fixtures::recheck_by_school();
    schools.schools[0].name = LONG.into();
    assert!(!renders(&schools).contains(LONG));
    let mut tasks = fixtures::task_profile();
    tasks.school_label = LONG.repeat(3);
    renders(&tasks);
}

#[test]
fn non_finite_and_wild_values_do_not_panic() {
    let mut tasks = fixtures::task_profile();
    tasks.tasks[0].region = f64::NAN;
    tasks.tasks[1].school = Some(f64::INFINITY);
    tasks.tasks[2].school = None;
    renders(&tasks);
    let mut risk = fixtures::risk_map();
    risk.points[0].risk = f64::NAN;
    risk.points[1].risk = -3.0;
    risk.points[2].risk = 7.0;
    risk.threshold = Some(f64::NAN);
    risk.label_top = 100;
    renders(&risk);
    let mut all_nan = fixtures::risk_map();
    all_nan.points.iter_mut().for_each(|p| p.result = f64::NAN);
    says_no_data(&all_nan);
    let mut trend = fixtures::trend();
    trend.years.push(TrendYear {
        year: 1900,
        school: Some(f64::NAN),
        region: None,
    });
    trend.years.push(TrendYear {
        year: 2024,
        school: Some(-5.0),
        region: None,
    });
    renders(&trend);
    renders(&RecheckHistogram {
        deltas: vec![i64::MIN, 0, i64::MAX],
        ..fixtures::recheck_histogram()
    });
    let mut schools = fixtures::recheck_by_school();
    schools.schools[0].ci_low = f64::NAN;
    schools.schools[1].ci_low = 5.0; // inverted interval
    renders(&schools);
    let mut signs = fixtures::signs_by_municipality();
    signs.rows.push(MunicipalitySigns {
        name: "Новый район".into(),
        flagged: 3,
        schools: 0,
    });
    signs.rows.push(MunicipalitySigns {
        name: "Ошибка".into(),
        flagged: 9,
        schools: 3,
    });
    renders(&signs);
    let many = ScoreDistribution {
        max_score: 300,
        cell: vec![1; 301],
        region: vec![2; 301],
        ..fixtures::score_distribution()
    };
    renders(&many);
}

#[test]
fn many_rows_grow_the_canvas() {
    let rows = (0..80)
        .map(|i| MunicipalitySigns {
            name: format!("Район № {i}"),
            flagged: i % 7,
            schools: 10 + i,
        })
        .collect();
    let chart = SignsByMunicipality {
        rows,
        ..fixtures::signs_by_municipality()
    };
    assert!(chart.size().1 > 2000);
    renders(&chart);
    let tasks = (0..40)
        .map(|i| TaskSuccess {
            label: format!("{}.{}", i / 2 + 1, i % 2 + 1),
            school: Some(0.5),
            region: i as f64 / 40.0,
        })
        .collect();
    renders(&TaskProfile {
        tasks,
        ..fixtures::task_profile()
    });
}
