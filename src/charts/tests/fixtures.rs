//! One ordinary instance of every chart.

use super::super::*;

pub(super) fn score_distribution() -> ScoreDistribution {
    ScoreDistribution {
        title: "ВПР 2025 · Русский язык · 4 класс · МБОУ СОШ № 5".into(),
        max_score: 20,
        cell: vec![
            0, 0, 1, 1, 2, 2, 3, 1, 9, 6, 4, 3, 8, 5, 2, 1, 6, 2, 1, 0, 0,
        ],
        region: (0..=20u64).map(|s| 5 + s * (20 - s)).collect(),
        cell_label: "Школа".into(),
        region_label: "Регион".into(),
        cutoffs: [("3", 8), ("4", 12), ("5", 16)]
            .map(|(label, min_score)| Cutoff {
                label: label.into(),
                min_score,
            })
            .to_vec(),
    }
}

pub(super) fn mark_agreement() -> MarkAgreement {
    let row = |label: &str, lowered, confirmed, raised| AgreementRow {
        label: label.into(),
        lowered,
        confirmed,
        raised,
    };
    MarkAgreement {
        title: "ВПР 2025 · Математика · 5 класс · соответствие отметок".into(),
        rows: vec![
            row("Школа", 3, 30, 21),
            row("Муниципалитет", 180, 1400, 320),
            row("Регион", 5200, 30100, 4300),
        ],
    }
}

pub(super) fn task_profile() -> TaskProfile {
    let task = |label: &str, school, region| TaskSuccess {
        label: label.into(),
        school: Some(school),
        region,
    };
    TaskProfile {
        title: "ВПР 2025 · Математика · 6 класс · выполнение заданий".into(),
        school_label: "Школа".into(),
        region_label: "Регион".into(),
        tasks: vec![
            task("1", 0.9, 0.8),
            task("9.1", 0.7, 0.35),
            task("9.2", 0.6, 0.2),
            task("2", 0.95, 0.9),
            task("12", 0.5, 0.55),
        ],
    }
}

pub(super) fn signs_by_municipality() -> SignsByMunicipality {
    let row = |name: &str, flagged, schools| MunicipalitySigns {
        name: name.into(),
        flagged,
        schools,
    };
    SignsByMunicipality {
        title: "ВПР 2025 · школы с признаками по муниципалитетам".into(),
        rows: vec![
            row("Ашинский район", 2, 30),
            row("Городской округ Верхнеуральск", 7, 42),
            row("Троицкий район", 0, 12),
        ],
        region: None,
    }
}

pub(super) fn risk_map() -> RiskMap {
    let point = |i: u32, result, risk, listed| RiskPoint {
        name: format!("МБОУ СОШ № {i}"),
        result,
        risk,
        listed,
    };
    RiskMap {
        title: "ВПР 2025 · Математика · 5 класс · результат и риск школ".into(),
        x_label: "Средний результат, % от максимума".into(),
        points: vec![
            point(1, 45.0, 0.1, false),
            point(2, 55.0, 0.3, false),
            point(3, 78.0, 0.9, true),
            point(4, 81.0, 0.85, true),
            point(5, 62.0, 0.65, true),
        ],
        threshold: Some(0.6),
        label_top: 2,
    }
}

pub(super) fn trend() -> Trend {
    let year = |year, school, region| TrendYear {
        year,
        school,
        region,
    };
    Trend {
        title: "ВПР · Математика · 5 класс · МБОУ СОШ № 5 · динамика".into(),
        y_label: "Средний результат, % от максимума".into(),
        school_label: "Школа".into(),
        region_label: "Регион".into(),
        years: vec![
            year(2023, Some(55.0), Some(50.4)),
            year(2024, Some(78.3), Some(51.1)),
            year(2025, Some(58.4), Some(52.2)),
        ],
    }
}

pub(super) fn recheck_histogram() -> RecheckHistogram {
    RecheckHistogram {
        title: "ВПР 2025 · Математика · 5 класс · перепроверка".into(),
        deltas: vec![-3, -2, -2, -1, -1, -1, 0, 0, 0, 0, 1, 2],
    }
}

pub(super) fn recheck_by_school() -> RecheckBySchool {
    let school = |name: &str, works, mean: f64, half: f64| SchoolRecheck {
        name: name.into(),
        works,
        mean,
        ci_low: mean - half,
        ci_high: mean + half,
    };
    RecheckBySchool {
        title: "ВПР 2025 · Математика · 5 класс · перепроверка по школам".into(),
        interval_label: "95 % доверительный интервал".into(),
        schools: vec![
            school("МБОУ СОШ № 5", 20, -2.1, 0.6),
            school("МБОУ СОШ № 7", 14, 0.2, 0.9),
        ],
    }
}
