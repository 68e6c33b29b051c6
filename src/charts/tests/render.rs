//! Ordinary charts: labels, geometry, PNG validity, determinism.

use super::super::{self as charts, Chart};
use super::{SvgText, check_png, fixtures, has_text, inked, polylines, texts};

/// Renders `chart` twice; checks both outputs are identical, the PNG is valid and
/// inked, and the SVG has every `expected` text. Returns the SVG.
fn check(chart: &impl Chart, expected: &[&str]) -> String {
    let first = charts::render(chart).expect("first render");
    let second = charts::render(chart).expect("second render");
    assert!(first.svg == second.svg, "SVG differs between two renders");
    assert!(first.png == second.png, "PNG differs between two renders");
    let rgb = check_png(&first.png, charts::canvas_size(chart));
    assert!(inked(&rgb) > 0.01, "PNG is (nearly) blank");
    for text in expected {
        assert!(has_text(&first.svg, text), "SVG lacks text «{text}»");
    }
    let family = format!("font-family=\"{}\"", charts::SVG_FONT_FAMILY);
    assert_eq!(
        first.svg.matches("<text ").count(),
        first.svg.matches(&family).count()
    );
    first.svg
}

#[test]
fn score_distribution_has_its_labels() {
    let svg = check(
        &fixtures::score_distribution(),
        &[
            "ВПР 2025 · Русский язык · 4 класс · МБОУ СОШ № 5",
            "Первичный балл",
            "Доля работ, %",
            "Школа (n = 57)",
            "Регион (n = 1 435)",
            "границы отметок",
            "3",
            "4",
            "5",
        ],
    );
    assert!(!has_text(&svg, "нет данных"));
}

#[test]
fn score_distribution_cutoffs_sit_between_the_scores_they_split() {
    let svg = charts::svg(&fixtures::score_distribution()).unwrap();
    let all = texts(&svg);
    // x-axis tick labels are centred; cut-off labels start right of their line.
    let tick_x = |score: u32| -> i32 {
        all.iter()
            .filter(|t| t.anchor == "middle" && t.text == score.to_string())
            .max_by_key(|t| t.y) // the lowest such text is the axis label
            .map(|t| t.x)
            .unwrap_or_else(|| panic!("no tick label {score}"))
    };
    let lines: Vec<i32> = polylines(&svg, "#3A3A3A", 2)
        .into_iter()
        .filter(|p| p.len() == 2 && p[0].0 == p[1].0)
        .map(|p| p[0].0)
        .collect();
    assert_eq!(lines.len(), 3, "three vertical cut-off lines: {lines:?}");
    for ((label, min_score), x) in [("3", 8), ("4", 12), ("5", 16)].into_iter().zip(&lines) {
        let expected = (tick_x(min_score - 1) + tick_x(min_score)) as f64 / 2.0;
        assert!(
            (*x as f64 - expected).abs() <= 1.0,
            "«{label}» line at {x}, expected {expected}"
        );
        let label_at = all.iter().find(|t| t.anchor == "start" && t.text == label);
        let label_at: &SvgText = label_at.unwrap_or_else(|| panic!("no cut-off label {label}"));
        assert!(
            (label_at.x - x - 6).abs() <= 1,
            "«{label}» label beside its line"
        );
    }
}

#[test]
fn mark_agreement_writes_percentages_as_the_text_rounds_them() {
    // Школа 3/30/21 of 54 = 5,56 %, 55,56 %, 38,89 % → 6 %, 56 %, 39 % (each
    // rounded as the справка's sentences round it).
    check(
        &fixtures::mark_agreement(),
        &[
            "ВПР 2025 · Математика · 5 класс · соответствие отметок",
            "Доля работ, %",
            "Школа (n = 54)",
            "Регион (n = 39 600)",
            "понизили (отметка ниже, чем в журнале)",
            "подтвердили",
            "повысили (отметка выше, чем в журнале)",
            "6 %",
            "56 %",
            "39 %",
        ],
    );
}

#[test]
fn task_profile_orders_tasks_from_easiest_in_region() {
    let svg = check(
        &fixtures::task_profile(),
        &[
            "Задания по возрастанию трудности в регионе",
            "Выполнили, %",
            "9.1",
        ],
    );
    let mut labels: Vec<SvgText> = texts(&svg)
        .into_iter()
        .filter(|t| {
            t.anchor == "middle" && ["1", "2", "9.1", "9.2", "12"].contains(&t.text.as_str())
        })
        .collect();
    labels.sort_by_key(|t| t.x);
    let order: Vec<&str> = labels.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(order, ["2", "1", "12", "9.1", "9.2"]);
}

#[test]
fn signs_by_municipality_shows_the_region_it_is_given() {
    // Three municipalities of a larger region: the legend keeps the region's
    // figure (40 of 400), not the sum of the rows shown (9 of 84).
    let chart = charts::SignsByMunicipality {
        region: Some((40, 400)),
        ..fixtures::signs_by_municipality()
    };
    check(&chart, &["по региону: 40 из 400 · 10 %", "7 из 42 · 17 %"]);
}

#[test]
fn signs_by_municipality_fits_its_axis_to_small_shares() {
    // One school of 46 flagged (2.2 %), one of 150 in the region (0.67 %):
    // the axis ends a little past the bar, not at 16 % as when the room
    // for the bar's label was counted in percentage points.
    let row = |name: &str, flagged, schools| charts::MunicipalitySigns {
        name: name.into(),
        flagged,
        schools,
    };
    let chart = charts::SignsByMunicipality {
        rows: vec![
            row("Красногорский район", 1, 46),
            row("Ашинский район", 0, 104),
        ],
        ..fixtures::signs_by_municipality()
    };
    let svg = check(&chart, &["1 из 46 · 2,2 %", "по региону: 1 из 150 · 0,7 %"]);
    let ticks: Vec<f64> = (texts(&svg).into_iter())
        .filter_map(|t| t.text.replace(',', ".").parse::<f64>().ok())
        .collect();
    let top = ticks.iter().copied().fold(0.0, f64::max);
    assert!((2.2..=5.0).contains(&top), "axis ends at {top}: {ticks:?}");
}

#[test]
fn signs_by_municipality_sorts_and_counts() {
    let svg = check(
        &fixtures::signs_by_municipality(),
        &[
            "Доля ОО с признаками, %",
            "7 из 42 · 17 %",
            // 2 / 30 = 6.67 %: a tenth below 10 %.
            "2 из 30 · 6,7 %",
            "0 из 12 · 0 %",
            "по региону: 9 из 84 · 11 %",
        ],
    );
    let y_of = |name: &str| {
        texts(&svg)
            .into_iter()
            .find(|t| t.text == name)
            .map(|t| t.y)
            .unwrap()
    };
    assert!(y_of("Городской округ Верхнеуральск") < y_of("Ашинский район"));
    assert!(y_of("Ашинский район") < y_of("Троицкий район"));
}

#[test]
fn a_risk_map_of_a_whole_country_stays_small() {
    // Unlisted schools scattered over the whole plot (deterministically, the
    // worst case for the density squares), 30 listed: the SVG stops growing
    // with the crowd, and every listed school is still drawn.
    let crowd = |n: u32| -> Vec<charts::RiskPoint> {
        (0..n)
            .map(|i| {
                let u = f64::from(i.wrapping_mul(2_654_435_761) % 10_007) / 10_007.0;
                let v = f64::from(i.wrapping_mul(40_503) % 9_973) / 9_973.0;
                charts::RiskPoint {
                    name: format!("ОО {i}"),
                    result: (u - 0.5) * 3.0,
                    risk: v * v * 2.0,
                    listed: i < 30,
                }
            })
            .collect()
    };
    let size = |n: u32| {
        let chart = charts::RiskMap {
            points: crowd(n),
            ..fixtures::risk_map()
        };
        charts::render(&chart).expect("renders").svg
    };
    let (few, all, twice) = (size(2_000), size(40_000), size(80_000));
    // Up to 3 000 unlisted schools: one circle each.
    assert!(few.matches("<circle").count() >= 1_970);
    assert!(!few.contains("чем темнее"));
    // Beyond: their density, at most one square per 8 × 8 pixels of the plot
    // whatever their number.
    assert!(all.contains("остальные ОО (39 970): чем темнее, тем их больше"));
    assert!(all.matches("<circle").count() < 10);
    assert!(
        10 * twice.len() < 12 * all.len(),
        "{} vs {}",
        twice.len(),
        all.len()
    );
    assert!(all.len() < 1_500_000, "{}", all.len());
    // The listed schools are drawn as triangles (polygons), all 30, in each.
    assert_eq!(
        all.matches("<polygon").count(),
        few.matches("<polygon").count()
    );
}

#[test]
fn risk_map_names_the_riskiest_schools() {
    let svg = check(
        &fixtures::risk_map(),
        &[
            "Средний результат, % от максимума",
            "Сила признаков (−lg p)",
            "в перечне (3)",
            "остальные ОО (2)",
            "порог перечня: 0,60",
            "МБОУ СОШ № 3",
            "МБОУ СОШ № 4",
        ],
    );
    assert!(
        !has_text(&svg, "МБОУ СОШ № 5"),
        "only the top two are named"
    );
}

#[test]
fn trend_writes_school_values() {
    check(
        &fixtures::trend(),
        &[
            "Год",
            "Средний результат, % от максимума",
            "2023",
            "2025",
            "78,3",
            "Школа",
            "Регион",
        ],
    );
}

#[test]
fn recheck_histogram_counts_groups() {
    check(
        &fixtures::recheck_histogram(),
        &[
            "Число работ",
            "балл снижен: 6 (50 %)",
            "без изменений: 4 (33 %)",
            "балл повышен: 2 (17 %)",
            "−3",
            "0",
            "+2",
        ],
    );
}

#[test]
fn recheck_by_school_lists_schools() {
    check(
        &fixtures::recheck_by_school(),
        &[
            "Изменение первичного балла при перепроверке",
            "95 % доверительный интервал",
            "МБОУ СОШ № 5 (n = 20)",
        ],
    );
}

#[test]
fn png_is_tagged_for_print() {
    let png = charts::png(&fixtures::trend()).unwrap();
    let reader = png::Decoder::new(std::io::Cursor::new(&png))
        .read_info()
        .unwrap();
    let dims = reader.info().pixel_dims.expect("pHYs chunk");
    assert_eq!(dims.unit, png::Unit::Meter);
    assert_eq!(dims.xppu, 7087); // 180 dpi
}
