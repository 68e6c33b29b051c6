//! Edge cases in the shape of the data: nothing to draw, all zeros, one category.
//! None may panic; «нет данных» where nothing can be drawn.

use super::super::*;
use super::super::{self as charts, Chart};
use super::{check_png, fixtures, has_text};

fn renders(chart: &impl Chart) -> String {
    let out = charts::render(chart).expect("render");
    check_png(&out.png, charts::canvas_size(chart));
    out.svg
}

fn says_no_data(chart: &impl Chart) {
    assert!(has_text(&renders(chart), "нет данных"));
}

#[test]
fn empty_data_says_no_data() {
    says_no_data(&ScoreDistribution {
        cell: vec![],
        region: vec![],
        ..fixtures::score_distribution()
    });
    says_no_data(&MarkAgreement {
        rows: vec![],
        ..fixtures::mark_agreement()
    });
    says_no_data(&TaskProfile {
        tasks: vec![],
        ..fixtures::task_profile()
    });
    says_no_data(&SignsByMunicipality {
        rows: vec![],
        ..fixtures::signs_by_municipality()
    });
    says_no_data(&RiskMap {
        points: vec![],
        ..fixtures::risk_map()
    });
    says_no_data(&Trend {
        years: vec![],
        ..fixtures::trend()
    });
    says_no_data(&RecheckHistogram {
        deltas: vec![],
        ..fixtures::recheck_histogram()
    });
    says_no_data(&RecheckBySchool {
        schools: vec![],
        ..fixtures::recheck_by_school()
    });
}

#[test]
fn all_zero_counts_say_no_data_or_draw_zeros() {
    let zeros = vec![0; 21];
    says_no_data(&ScoreDistribution {
        cell: zeros.clone(),
        region: zeros,
        ..fixtures::score_distribution()
    });
    let zero_row = AgreementRow {
        label: "Школа".into(),
        lowered: 0,
        confirmed: 0,
        raised: 0,
    };
    says_no_data(&MarkAgreement {
        rows: vec![zero_row.clone()],
        ..fixtures::mark_agreement()
    });
    // One empty row among others: that row says so, the rest is drawn.
    let mut mixed = fixtures::mark_agreement();
    mixed.rows[0] = zero_row;
    let svg = renders(&mixed);
    assert!(has_text(&svg, "нет данных") && has_text(&svg, "Регион (n = 39 600)"));

    let mut tasks = fixtures::task_profile();
    tasks
        .tasks
        .iter_mut()
        .for_each(|t| (t.school, t.region) = (Some(0.0), 0.0));
    renders(&tasks);
    let mut signs = fixtures::signs_by_municipality();
    signs.rows.iter_mut().for_each(|r| r.flagged = 0);
    assert!(has_text(&renders(&signs), "0 из 42 · 0 %"));
    let mut risk = fixtures::risk_map();
    risk.points
        .iter_mut()
        .for_each(|p| (p.result, p.risk) = (0.0, 0.0));
    renders(&risk);
    let mut trend = fixtures::trend();
    trend
        .years
        .iter_mut()
        .for_each(|y| (y.school, y.region) = (Some(0.0), Some(0.0)));
    renders(&trend);
    assert!(has_text(
        &renders(&RecheckHistogram {
            deltas: vec![0; 30],
            ..fixtures::recheck_histogram()
        }),
        "без изменений: 30 (100 %)"
    ));
    let mut schools = fixtures::recheck_by_school();
    schools
        .schools
        .iter_mut()
        .for_each(|s| (s.mean, s.ci_low, s.ci_high) = (0.0, 0.0, 0.0));
    renders(&schools);
}

#[test]
fn single_category_renders() {
    let mut tasks = fixtures::task_profile();
    tasks.tasks.truncate(1);
    assert!(has_text(&renders(&tasks), "1"));
    let mut signs = fixtures::signs_by_municipality();
    signs.rows.truncate(1);
    renders(&signs);
    let mut trend = fixtures::trend();
    trend.years.truncate(1);
    assert!(has_text(&renders(&trend), "2023"));
    let mut risk = fixtures::risk_map();
    risk.points.truncate(1);
    renders(&risk);
    renders(&RecheckHistogram {
        deltas: vec![-2],
        ..fixtures::recheck_histogram()
    });
    let mut schools = fixtures::recheck_by_school();
    schools.schools.truncate(1);
    renders(&schools);
    let mut marks = fixtures::mark_agreement();
    marks.rows.truncate(1);
    renders(&marks);
}

#[test]
fn no_data_chart_is_short() {
    let empty = Trend {
        years: vec![],
        ..fixtures::trend()
    };
    assert_eq!(charts::canvas_size(&empty), (1200, 300));
    assert_eq!(charts::canvas_size(&fixtures::trend()), (1200, 720));
}
