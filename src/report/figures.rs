//! The report's charts: their data, taken from the analysis, as chart specs
//! that are rendered (in parallel, order kept) once the page is laid out.

use std::collections::{BTreeMap, BTreeSet};

use crate::charts::{
    self, AgreementRow, Cutoff, MarkAgreement, MunicipalitySigns, RecheckBySchool,
    RecheckHistogram, RiskMap, RiskPoint, ScoreDistribution, SignsByMunicipality, TaskProfile,
    TaskSuccess, Trend, TrendYear,
};
use crate::model::{Cell, NO_MARK, TestBlock, subject_name};
use crate::risk::ListEntry;

use super::{Chart, Inputs};

/// Cells of a listed school given charts (highest risk first).
const CELLS_PER_SCHOOL: usize = 2;

/// A chart to render.
pub enum Spec {
    Scores(ScoreDistribution),
    Marks(MarkAgreement),
    Tasks(TaskProfile),
    Municipalities(SignsByMunicipality),
    Map(RiskMap),
    Trend(Trend),
    Histogram(RecheckHistogram),
    BySchool(RecheckBySchool),
}

/// A chart of the page: file stem, caption, data.
pub struct Figure {
    pub stem: String,
    pub caption: String,
    pub spec: Spec,
}

impl Figure {
    pub fn render(&self) -> Result<Chart, charts::ChartError> {
        let r = match &self.spec {
            Spec::Scores(c) => charts::render(c),
            Spec::Marks(c) => charts::render(c),
            Spec::Tasks(c) => charts::render(c),
            Spec::Municipalities(c) => charts::render(c),
            Spec::Map(c) => charts::render(c),
            Spec::Trend(c) => charts::render(c),
            Spec::Histogram(c) => charts::render(c),
            Spec::BySchool(c) => charts::render(c),
        }?;
        Ok(Chart {
            stem: self.stem.clone(),
            svg: r.svg,
            png: r.png,
        })
    }
}

/// `@font-face` carrying the bundled chart font, so inline SVG text renders
/// the same everywhere.
pub fn font_face() -> String {
    use base64::Engine;
    format!(
        "@font-face {{ font-family: \"{}\"; src: url(data:font/ttf;base64,{}) format(\"truetype\"); }}",
        charts::FONT_FAMILY_NAME,
        base64::engine::general_purpose::STANDARD.encode(charts::FONT_TTF),
    )
}

fn safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn last_year(inputs: &Inputs<'_>) -> Option<u16> {
    inputs.data.tests.iter().map(|b| b.key.year).max()
}

/// Mean score as a share of the maximum over `rows` of `block`.
fn mean_share(block: &TestBlock, rows: std::ops::Range<usize>) -> Option<f64> {
    let max = f64::from(block.max_primary()?);
    if max <= 0.0 || rows.is_empty() {
        return None;
    }
    let n = rows.len() as f64;
    Some(rows.map(|r| f64::from(block.primary[r])).sum::<f64>() / n / max)
}

/// Signs by municipality and the risk map of the last year.
pub fn overview(inputs: &Inputs<'_>) -> Vec<Figure> {
    let Some(year) = last_year(inputs) else {
        return Vec::new();
    };
    let data = inputs.data;
    let listed: BTreeSet<u32> = inputs
        .analysis
        .list
        .iter()
        .filter(|e| e.year == year)
        .map(|e| e.school)
        .collect();
    // Per school of the year: works, standardized result, evidence.
    let ev = &inputs.analysis.evidence;
    let per: BTreeMap<u32, (usize, f64, f64)> = crate::sample::standardized_results(data, year)
        .into_iter()
        .filter(|(s, _)| inputs.in_scope(*s))
        .map(|(s, (n, z))| {
            let e = ev.school_year(year, s).map_or(0.0, |sy| sy.evidence);
            (s, (n, z, e))
        })
        .collect();
    let mut munis = super::overview::by_municipality(inputs, year);
    let region = munis.values().fold((0u64, 0u64), |(f, n), c| {
        (f + u64::from(c.listed), n + u64::from(c.schools))
    });
    // A folder of the whole country: the chart keeps the municipalities with
    // most listed schools, legible and of a bounded size.
    let (shown, rest) =
        super::overview::shown_and_rest(&munis, super::overview::CHART_MUNICIPALITIES);
    let of_all = if rest.is_empty() {
        String::new()
    } else {
        let all = munis.len();
        munis.retain(|m, _| shown.contains(m));
        format!(
            " Показаны {} муниципалитетов из {} — с наибольшим числом ОО в перечне.",
            munis.len(),
            super::html::int(all as u64)
        )
    };
    // A folder of one municipality has no municipalities to compare (its
    // table is left out too).
    let many = munis.len() >= 2;
    let mut figures = vec![Figure {
        stem: format!("{year}_municipalities"),
        caption: format!(
            "Доля ОО с признаками необъективности по муниципалитетам, {year} год (ОО в перечне / все ОО с результатами).{of_all}"
        ),
        spec: Spec::Municipalities(SignsByMunicipality {
            title: format!("ОО с признаками по муниципалитетам, {year}"),
            rows: munis
                .into_iter()
                .map(|(name, c)| MunicipalitySigns {
                    name: name.to_owned(),
                    flagged: c.listed,
                    schools: c.schools,
                })
                .collect(),
            region: Some(region),
        }),
    }];
    // Nor a chart of empty bars: a year without a listed school says so in
    // words (overview::municipalities).
    figures.retain(|_| many && region.0 > 0);
    // Without scores (a table of marks alone) no school has a result to
    // place it by: no map.
    if per.is_empty() {
        return figures;
    }
    // The threshold and the listed schools are told only where drawn.
    let threshold = ev.thresholds.get(&year).copied().filter(|t| t.is_finite());
    let drawn = match (threshold.is_some(), per.keys().any(|s| listed.contains(s))) {
        (true, true) => "; пунктир — порог перечня; выделены ОО из перечня",
        (true, false) => "; пунктир — порог перечня (в перечне этого года ОО нет)",
        (false, true) => "; выделены ОО из перечня",
        (false, false) => "; в перечне этого года ОО нет",
    };
    figures.push(Figure {
            stem: format!("{year}_risk_map"),
            caption: format!(
                "Карта риска, {year} год: по горизонтали — средний стандартизованный результат ОО по всем её работам, по вертикали — сила признаков ОО за год (−lg p){drawn}."
            ),
            spec: Spec::Map(RiskMap {
                title: format!("Результат и риск ОО, {year}"),
                x_label: format!(
                    "стандартизованный результат (0 — средний по {})",
                    folder_label(data, !data.reference.region.is_empty()).dative
                ),
                points: per
                    .iter()
                    .map(|(&s, &(_, z, risk))| RiskPoint {
                        name: data.schools[s as usize].name.clone(),
                        result: z,
                        risk,
                        listed: listed.contains(&s),
                    })
                    .collect(),
                threshold,
                label_top: 5,
            }),
        });
    figures
}

fn cell_title(block: &TestBlock, school: &str) -> String {
    format!(
        "{} {} · {} · {} класс · {}",
        block.key.exam.russian(),
        block.key.year,
        subject_name(&block.key.subject),
        block.key.grade,
        school
    )
}

fn agreement(label: &str, cells: impl Iterator<Item = (u8, u8)>) -> AgreementRow {
    let mut row = AgreementRow {
        label: label.to_owned(),
        lowered: 0,
        confirmed: 0,
        raised: 0,
    };
    for (m, j) in cells {
        if m == NO_MARK || j == NO_MARK {
            continue;
        }
        match m.cmp(&j) {
            std::cmp::Ordering::Less => row.lowered += 1,
            std::cmp::Ordering::Equal => row.confirmed += 1,
            std::cmp::Ordering::Greater => row.raised += 1,
        }
    }
    row
}

/// How the charts and the справка name all of the folder's works.
pub struct Whole {
    pub name: &'static str,
    pub genitive: &'static str,
    pub dative: &'static str,
    /// «с самим регионом»: what the signs are set against.
    pub instrumental: &'static str,
    pub one_municipality: bool,
}

/// [`folder_label`] of the folder in hand.
pub fn whole_of(data: &crate::model::Dataset) -> Whole {
    folder_label(data, !data.reference.region.is_empty())
}

/// The folder's works are the region's unless the folder holds one
/// municipality, or reference.csv gives the region's figures (then the
/// folder is a part of the region).
fn folder_label(data: &crate::model::Dataset, region_published: bool) -> Whole {
    let one_municipality =
        (data.schools.windows(2)).all(|w| w[0].municipality == w[1].municipality);
    let (name, genitive, dative, instrumental) = if one_municipality {
        (
            "муниципалитет",
            "муниципалитета",
            "муниципалитету",
            "самим муниципалитетом",
        )
    } else if region_published {
        (
            "все ОО в данных",
            "всех ОО в данных",
            "всем ОО в данных",
            "всеми ОО в данных",
        )
    } else {
        ("регион", "региона", "региону", "самим регионом")
    };
    Whole {
        name,
        genitive,
        dative,
        instrumental,
        one_municipality,
    }
}

fn cell_figures(inputs: &Inputs<'_>, t: usize, c: usize) -> Vec<Figure> {
    let data = inputs.data;
    let block = &data.tests[t];
    let cell: Cell<'_> = block.cell(c);
    let school = &data.schools[block.cells[c].school as usize];
    let title = cell_title(block, &school.name);
    let stem = format!(
        "{}_{}_{}_{}_{}",
        safe(&school.id),
        block.key.year,
        block.key.exam.code(),
        safe(&block.key.subject),
        block.key.grade
    );
    // What the folder's own works are: the region, or (a municipality's
    // folder) not; the region's published figures, where reference.csv has them.
    let published = data.reference.region.get(&block.key);
    let whole = folder_label(data, published.is_some());
    let mut out = Vec::new();
    if let Some(max) = block.max_primary() {
        let max = max.round().max(1.0) as u32;
        let hist = |p: &mut dyn Iterator<Item = f32>| {
            let mut h = vec![0u64; max as usize + 1];
            for x in p {
                let i = (x.round().max(0.0) as usize).min(max as usize);
                h[i] += 1;
            }
            h
        };
        let cutoffs = block
            .scale
            .as_ref()
            .and_then(|s| s.cuts)
            .map(|cuts| {
                cuts.iter()
                    .enumerate()
                    .map(|(i, &m)| Cutoff {
                        label: (i + 3).to_string(),
                        min_score: m.round() as u32,
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(Figure {
            stem: format!("{stem}_scores"),
            caption: format!(
                "Распределение первичных баллов ОО (столбцы) и {} (линия){}.",
                whole.genitive,
                if block.scale.as_ref().is_some_and(|s| s.cuts.is_some()) {
                    "; вертикальные линии — минимальные баллы отметок «3», «4», «5»"
                } else {
                    ""
                }
            ),
            spec: Spec::Scores(ScoreDistribution {
                title: title.clone(),
                max_score: max,
                cell: hist(&mut cell.primary().iter().copied()),
                region: hist(&mut block.primary.iter().copied()),
                cell_label: "ОО".to_owned(),
                region_label: whole.name.to_owned(),
                cutoffs,
            }),
        });
    }
    if block.key.exam.has_marks() && cell.journal().iter().any(|&j| j != NO_MARK) {
        let rows_of = |pred: &dyn Fn(u32) -> bool| {
            block
                .cells
                .iter()
                .filter(|s| pred(s.school))
                .flat_map(|s| s.start as usize..s.end as usize)
                .map(|r| (block.mark[r], block.journal[r]))
                .collect::<Vec<_>>()
        };
        let muni = &school.municipality;
        let mut rows = vec![agreement(
            "ОО",
            cell.mark()
                .iter()
                .copied()
                .zip(cell.journal().iter().copied()),
        )];
        // A folder of one municipality is that municipality: one row.
        if !whole.one_municipality {
            let in_muni = rows_of(&|s| data.schools[s as usize].municipality == *muni);
            rows.push(agreement("муниципалитет", in_muni.into_iter()));
        }
        rows.push(agreement(
            whole.name,
            block
                .mark
                .iter()
                .copied()
                .zip(block.journal.iter().copied()),
        ));
        let groups: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        out.push(Figure {
            stem: format!("{stem}_marks"),
            caption: format!(
                "Соответствие отметок за работу отметкам по журналу: понизили (отметка за работу \
                 ниже), подтвердили, повысили — {}.",
                groups.join(", ")
            ),
            spec: Spec::Marks(MarkAgreement {
                title: title.clone(),
                rows,
            }),
        });
    }
    if !block.tasks.is_empty() {
        let scores = cell.scores();
        // The region's task success from reference.csv where it gives every task.
        let by_region = published
            .map(|r| &r.tasks)
            .filter(|t| block.tasks.iter().all(|i| t.contains_key(&i.index)));
        let tasks = block
            .tasks
            .iter()
            .enumerate()
            .map(|(k, info)| {
                let max = f64::from(info.max.max(1e-6));
                let own = block
                    .scores
                    .column(k)
                    .iter()
                    .map(|&x| f64::from(x))
                    .sum::<f64>()
                    / block.scores.nrows().max(1) as f64
                    / max;
                let region = by_region.map_or(own, |r| r[&info.index]);
                let school = (scores.nrows() > 0).then(|| {
                    scores.column(k).iter().map(|&x| f64::from(x)).sum::<f64>()
                        / scores.nrows() as f64
                        / max
                });
                TaskSuccess {
                    label: if info.label.is_empty() {
                        info.index.to_string()
                    } else {
                        info.label.clone()
                    },
                    school,
                    region,
                }
            })
            .collect();
        out.push(Figure {
            stem: format!("{stem}_tasks"),
            caption: format!(
                "Доля баллов по каждому заданию: ОО и {line}; задания упорядочены от лёгких к \
                 трудным (по {}).",
                if by_region.is_some() {
                    "региону"
                } else {
                    whole.dative
                },
                line = if by_region.is_some() {
                    "регион (по файлу показателей региона)"
                } else {
                    whole.name
                },
            ),
            spec: Spec::Tasks(TaskProfile {
                title,
                school_label: "ОО".to_owned(),
                region_label: if by_region.is_some() {
                    "регион"
                } else {
                    whole.name
                }
                .to_owned(),
                tasks,
            }),
        });
    }
    out
}

/// What the school pages take from the whole region, made once for all of them.
pub struct Regional {
    index: Vec<(usize, usize)>,
    /// Per test, the region's mean share of the maximum ([`mean_share`]).
    mean_share: Vec<Option<f64>>,
}

impl Regional {
    pub fn of(data: &crate::model::Dataset) -> Regional {
        use rayon::prelude::*;
        Regional {
            index: data.cell_index(),
            mean_share: (data.tests.par_iter())
                .map(|b| mean_share(b, 0..b.primary.len()))
                .collect(),
        }
    }
}

/// A listed school: its cells with signs (the riskiest first), and its trend.
pub fn school(inputs: &Inputs<'_>, regional: &Regional, entry: &ListEntry) -> Vec<Figure> {
    let data = inputs.data;
    let index = &regional.index;
    let mut cells: Vec<(f64, usize, usize)> = index
        .iter()
        .enumerate()
        .filter(|&(i, &(t, c))| {
            let b = &data.tests[t];
            b.key.year == entry.year
                && b.cells[c].school == entry.school
                && inputs.analysis.evidence.cells[i].marker
        })
        .map(|(i, &(t, c))| (inputs.analysis.evidence.cells[i].evidence, t, c))
        .collect();
    cells.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut out: Vec<Figure> = cells
        .iter()
        .take(CELLS_PER_SCHOOL)
        .flat_map(|&(_, t, c)| cell_figures(inputs, t, c))
        .collect();
    // Trend: the school's mean share of the maximum over the years, against
    // the region's on the same tests (weighted by the school's works).
    let mut years: BTreeMap<u16, (f64, f64, f64)> = BTreeMap::new();
    for &(t, c) in index {
        let b = &data.tests[t];
        let span = b.cells[c];
        if span.school != entry.school {
            continue;
        }
        let (Some(s), Some(r)) = (
            mean_share(b, span.start as usize..span.end as usize),
            regional.mean_share[t],
        ) else {
            continue;
        };
        let n = span.len() as f64;
        let e = years.entry(b.key.year).or_default();
        e.0 += n * s;
        e.1 += n * r;
        e.2 += n;
    }
    if years.len() > 1 {
        let school = &data.schools[entry.school as usize];
        let whole = folder_label(data, !data.reference.region.is_empty());
        out.push(Figure {
            stem: format!("{}_trend", safe(&school.id)),
            caption: format!(
                "Средний процент выполнения всех работ ОО по годам и {} на тех же работах.",
                whole.name
            ),
            spec: Spec::Trend(Trend {
                title: format!("{} по годам", school.name),
                y_label: "средний % от максимального балла".to_owned(),
                school_label: "ОО".to_owned(),
                region_label: whole.name.to_owned(),
                years: years
                    .into_iter()
                    .map(|(y, (s, r, n))| TrendYear {
                        year: i32::from(y),
                        school: Some(100.0 * s / n),
                        region: Some(100.0 * r / n),
                    })
                    .collect(),
            }),
        });
    }
    out
}

/// Re-check changes: per work and per school.
pub fn recheck(inputs: &Inputs<'_>) -> Vec<Figure> {
    let Some(r) = &inputs.analysis.recheck else {
        return Vec::new();
    };
    let data = inputs.data;
    vec![
        Figure {
            stem: "recheck_changes".to_owned(),
            caption: "Изменение первичного балла при перепроверке (балл перепроверки − исходный балл), по работам.".to_owned(),
            spec: Spec::Histogram(RecheckHistogram {
                title: "Изменение баллов при перепроверке".to_owned(),
                deltas: r
                    .works
                    .iter()
                    .map(|w| (w.primary_after - w.primary_before).round() as i64)
                    .collect(),
            }),
        },
        Figure {
            stem: "recheck_schools".to_owned(),
            caption: "Среднее изменение баллов при перепроверке по ОО (в % от максимального балла) с 95-процентным доверительным интервалом.".to_owned(),
            spec: Spec::BySchool(RecheckBySchool {
                title: "Изменение баллов при перепроверке по ОО".to_owned(),
                interval_label: "изменение, % от максимума (95 % ДИ)".to_owned(),
                schools: r
                    .schools
                    .iter()
                    .map(|s| charts::SchoolRecheck {
                        name: {
                            // Two schools of one name are told apart by their logins
                            // (first: a long name is cut at its end).
                            let school = &data.schools[s.school as usize];
                            let twice = (r.schools.iter())
                                .filter(|o| data.schools[o.school as usize].name == school.name)
                                .count()
                                > 1;
                            if twice {
                                format!("{}: {}", school.id, school.name)
                            } else {
                                school.name.clone()
                            }
                        },
                        works: s.drop.n as u32,
                        mean: -100.0 * s.drop.mean,
                        ci_low: -100.0 * s.drop.high.unwrap_or(s.drop.mean),
                        ci_high: -100.0 * s.drop.low.unwrap_or(s.drop.mean),
                    })
                    .collect(),
            }),
        },
    ]
}
