//! «Скопление работ на границах отметок по региону»: per VPR and OGE test of
//! the last year and per mark cut-off, the works the whole region piles on the
//! cut-off beyond a smooth distribution ([`crate::stats::bunching`]), with the
//! interval of resampling schools. A figure of the region's policy: it names
//! no school, and the cut-off sign compares each school with the region, so a
//! pile the whole region makes is shown here and not blamed on a school.

use super::Inputs;
use super::doc::Page;
use super::html::{int, pct};
use crate::model::{Exam, TestBlock, subject_name};
use crate::stats::bunching::{Excess, estimate};

/// Fewest works of a test for its region-wide estimate.
const MIN_WORKS: usize = 300;
/// Rows shown at most.
const MAX_ROWS: usize = 20;

/// One cut-off of one test with an excess above its interval's noise.
struct Row<'a> {
    block: &'a TestBlock,
    mark: usize,
    excess: Excess,
    works: usize,
}

/// The estimates of one test: per cut-off (mark 3, 4, 5), its excess.
fn of_test(block: &TestBlock) -> Option<Vec<(usize, Excess)>> {
    if block.key.exam == Exam::Ege || block.n_works() < MIN_WORKS {
        return None;
    }
    let cuts = block.scale.as_ref()?.cuts?;
    let max = block.max_primary()?;
    let bins = max.ceil() as usize + 1;
    // Integer scores only (a test scored in halves has no single cut-off bin).
    let scores = block.primary.iter().filter(|p| !p.is_nan());
    if scores
        .clone()
        .any(|&p| p.fract() != 0.0 || p < 0.0 || p > max)
    {
        return None;
    }
    let cells: Vec<Vec<f64>> = (block.cells.iter())
        .map(|span| {
            let mut h = vec![0.0; bins];
            for &p in block
                .primary
                .slice(ndarray::s![span.start as usize..span.end as usize])
            {
                if !p.is_nan() {
                    h[p as usize] += 1.0;
                }
            }
            h
        })
        .collect();
    let cut_bins: Vec<usize> = cuts.iter().map(|&c| c.round() as usize).collect();
    let d = crate::signs::cutoff_window(max) as usize;
    let est = estimate(&cells, &cut_bins, d)?;
    Some(
        (cut_bins.iter().enumerate())
            .filter_map(|(i, &c)| est.iter().find(|e| e.cut == c).map(|e| (i + 3, *e)))
            .collect(),
    )
}

pub fn section(page: &mut Page, inputs: &Inputs<'_>, last: Option<u16>) {
    let Some(last) = last else {
        return;
    };
    let tests: Vec<&TestBlock> = (inputs.data.tests.iter())
        .filter(|b| b.key.year == last)
        .collect();
    let mut judged = 0;
    let mut rows: Vec<Row<'_>> = Vec::new();
    for block in tests {
        let Some(est) = of_test(block) else {
            continue;
        };
        judged += 1;
        for (mark, excess) in est {
            if excess.interval().0 > 0.0 {
                rows.push(Row {
                    block,
                    mark,
                    excess,
                    works: block.n_works(),
                });
            }
        }
    }
    if judged == 0 {
        return;
    }
    page.h2(
        "bunching",
        &format!("Скопление работ на границах отметок по региону, {last} год"),
        false,
    );
    let scope = if inputs.scope.is_some() {
        " Таблица — по всем ОО в данных (по региону), а не только по муниципалитету справки."
    } else {
        ""
    };
    page.p(&format!(
        "Для каждого теста ВПР и ОГЭ, где работ не меньше {MIN_WORKS}, число работ региона с баллом, \
ровно равным нижней границе отметки, сравнивается с тем, сколько их было бы при плавном \
распределении баллов (оно подобрано по всем остальным баллам теста, кроме баллов на границе и \
чуть ниже). «Лишние работы» — превышение над плавным распределением; в скобках — границы, в \
которых оно лежит с вероятностью 95 % при другом наборе ОО. Это оценка для региона в целом: \
она не называет ОО (скопление, которое даёт весь регион, в признаках отдельных ОО не \
учитывается).{scope}"
    ));
    if rows.is_empty() {
        page.p(&format!(
            "Проверено тестов: {judged}. Ни на одной границе отметок скопление работ по региону не \
выходит за пределы случайных колебаний."
        ));
        return;
    }
    rows.sort_by(|a, b| {
        let share = |r: &Row<'_>| r.excess.excess / r.works as f64;
        share(b)
            .total_cmp(&share(a))
            .then(a.block.key.cmp(&b.block.key))
            .then(a.mark.cmp(&b.mark))
    });
    let total: f64 = rows.iter().map(|r| r.excess.excess).sum();
    page.p(&format!(
        "Проверено тестов: {judged}; заметное скопление — на {} {} отметок, всего около {} \
лишних работ.{}",
        rows.len(),
        super::html::plural(rows.len() as u64, ["границе", "границах", "границах"]),
        int(total.round().max(0.0) as u64),
        if rows.len() > MAX_ROWS {
            format!(" Ниже — {MAX_ROWS} границ с наибольшей долей лишних работ.")
        } else {
            String::new()
        }
    ));
    let table: Vec<Vec<String>> = (rows.iter().take(MAX_ROWS))
        .map(|r| {
            let (lo, hi) = r.excess.interval();
            vec![
                r.block.key.exam.russian().to_owned(),
                subject_name(&r.block.key.subject).to_owned(),
                r.block.key.grade.to_string(),
                format!("«{}» ({} перв. б.)", r.mark, r.excess.cut),
                int(r.excess.at.round() as u64),
                int(r.excess.expected.max(0.0).round() as u64),
                format!(
                    "{} ({}–{})",
                    int(r.excess.excess.max(0.0).round() as u64),
                    int(lo.max(0.0).round() as u64),
                    int(hi.max(0.0).round() as u64)
                ),
                pct(r.excess.excess / r.works as f64),
            ]
        })
        .collect();
    page.table(
        &[
            "Процедура",
            "Предмет",
            "Класс",
            "Граница отметки",
            "Работ на границе",
            "При плавном распределении",
            "Лишних работ (95 %)",
            "Доля работ теста",
        ],
        &[false, false, true, false, true, true, true, true],
        &table,
    );
}
