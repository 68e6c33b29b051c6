//! «Скопление работ на границах отметок по региону»: per test of the last year
//! and per cut-off (VPR and OGE: the marks'; EGE: the certificate and
//! university minimums, on the primary scale), the works the whole region
//! piles on the cut-off beyond a smooth distribution ([`crate::stats::bunching`]), with the
//! interval of resampling schools. A figure of the region's policy: it names
//! no school, and the cut-off sign compares each school with the region, so a
//! pile the whole region makes is shown here and not blamed on a school.

use super::Inputs;
use super::doc::Page;
use super::html::{int, pct};
use crate::model::{Exam, NO_TEST_SCORE, TestBlock, subject_name};
use crate::stats::bunching::{Excess, estimate};

/// Fewest works of a test for its region-wide estimate.
const MIN_WORKS: usize = 300;
/// Rows shown at most.
const MAX_ROWS: usize = 20;

/// Largest score scale estimated (bins), so that no maximum read from the
/// data decides the memory.
const MAX_BINS: usize = 1000;

/// One cut-off of one test with an excess above its interval's noise.
struct Row<'a> {
    block: &'a TestBlock,
    /// How the table names the cut-off.
    label: String,
    excess: Excess,
}

/// The cut-offs of a test on the primary scale, each with its name: VPR and
/// OGE the marks' cut-offs; EGE the certificate and university minimums of
/// the test-score scale, carried to the primary score where the folder's works
/// reach them (the lowest primary score of a work at or above the minimum,
/// provided no work above it falls below: the scale is monotone).
fn cut_offs(block: &TestBlock) -> Option<Vec<(String, usize)>> {
    let scale = block.scale.as_ref()?;
    if block.key.exam != Exam::Ege {
        let cuts = scale.cuts?;
        return Some(
            (cuts.iter().enumerate())
                .map(|(i, &c)| (format!("«{}» ({} перв. б.)", i + 3, c), c.round() as usize))
                .collect(),
        );
    }
    let works: Vec<(f32, u8)> = (block.primary.iter().zip(block.test_score.iter()))
        .filter(|(p, t)| !p.is_nan() && **t != NO_TEST_SCORE)
        .map(|(&p, &t)| (p, t))
        .collect();
    let out: Vec<(String, usize)> = [
        (scale.pass, "минимальный для аттестата"),
        (scale.university, "минимальный для вуза"),
    ]
    .into_iter()
    .filter_map(|(min, name)| {
        let min = min?;
        let c = (works.iter())
            .filter(|w| w.1 >= min)
            .map(|w| w.0)
            .min_by(f32::total_cmp)?;
        let monotone = works.iter().all(|w| w.0 < c || w.1 >= min);
        monotone.then(|| {
            (
                format!("{name}: {min} т. б. = {c} перв. б."),
                c.round() as usize,
            )
        })
    })
    .collect();
    (!out.is_empty()).then_some(out)
}

/// The estimates of one test: per cut-off, its name and excess.
fn of_test(block: &TestBlock) -> Option<Vec<(String, Excess)>> {
    if block.n_works() < MIN_WORKS {
        return None;
    }
    let cuts = cut_offs(block)?;
    let max = block.max_primary()?;
    let bins = max.ceil() as usize + 1;
    if bins > MAX_BINS {
        return None;
    }
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
    let cut_bins: Vec<usize> = cuts.iter().map(|c| c.1).collect();
    let d = crate::signs::cutoff_window(max) as usize;
    let est = estimate(&cells, &cut_bins, d)?;
    Some(
        (cuts.into_iter())
            .filter_map(|(label, c)| est.iter().find(|e| e.cut == c).map(|e| (label, *e)))
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
    // Each test's estimate (with its resampling) on every core.
    let estimates: Vec<_> = {
        use rayon::prelude::*;
        tests
            .par_iter()
            .map(|&block| (block, of_test(block)))
            .collect()
    };
    let mut judged = 0;
    let mut rows: Vec<Row<'_>> = Vec::new();
    for (block, est) in estimates {
        let Some(est) = est else {
            continue;
        };
        judged += 1;
        for (label, excess) in est {
            if excess.interval().0 > 0.0 {
                rows.push(Row {
                    block,
                    label,
                    excess,
                });
            }
        }
    }
    if judged == 0 {
        return;
    }
    let whole = super::figures::whole_of(inputs.data);
    let (genitive, dative) = (whole.genitive, whole.dative);
    page.h2(
        "bunching",
        &format!("Скопление работ на границах отметок по {dative}, {last} год"),
        false,
    );
    let scope = if inputs.scope.is_some() {
        " Таблица — по всем ОО в данных (по региону), а не только по муниципалитету справки."
    } else {
        ""
    };
    page.p(&format!(
        "Для каждого теста, где работ не меньше {MIN_WORKS}, число работ {genitive} с баллом, ровно \
равным нижней границе отметки (для ЕГЭ — первичному баллу, с которого начинается минимальный \
тестовый балл для аттестата или для поступления в вуз), сравнивается с тем, сколько их было бы при плавном \
распределении баллов (оно подобрано по всем остальным баллам теста, кроме баллов на границе и \
чуть ниже). «Лишние работы» — превышение над плавным распределением; в скобках — границы, в \
которых оно лежит с вероятностью 95 % при другом наборе ОО. Это оценка для {genitive} в целом: \
она не называет ОО (скопление, общее для всех ОО, в признаках отдельных ОО не \
учитывается).{scope}"
    ));
    if rows.is_empty() {
        page.p(&format!(
            "Проверено тестов: {judged}. Ни на одной границе отметок скопление работ по {dative} не \
выходит за пределы случайных колебаний."
        ));
        return;
    }
    rows.sort_by(|a, b| {
        let share = |r: &Row<'_>| r.excess.excess / r.block.n_works() as f64;
        share(b)
            .total_cmp(&share(a))
            .then(a.block.key.cmp(&b.block.key))
            .then(a.excess.cut.cmp(&b.excess.cut))
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
                r.label.clone(),
                int(r.excess.at.round() as u64),
                int(r.excess.expected.max(0.0).round() as u64),
                format!(
                    "{} ({}–{})",
                    int(r.excess.excess.max(0.0).round() as u64),
                    int(lo.max(0.0).round() as u64),
                    int(hi.max(0.0).round() as u64)
                ),
                pct(r.excess.excess / r.block.n_works() as f64),
            ]
        })
        .collect();
    page.table(
        &[
            "Процедура",
            "Предмет",
            "Класс",
            "Граница",
            "Работ на границе",
            "При плавном распределении",
            "Лишних работ (95 %)",
            "Доля работ теста",
        ],
        &[false, false, true, false, true, true, true, true],
        &table,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Scale;

    #[test]
    fn ege_minimums_are_carried_to_the_primary_scale() {
        // Primary 5, 6, 7, 8, 12 with test scores 20, 22, 24, 27, 40: the
        // certificate minimum 24 starts at primary 7, the university
        // minimum 40 at 12 (by hand from the pairs); a work without a test
        // score is left out.
        let mut block =
            crate::signs::testing::block(&[(vec![5.0, 6.0, 7.0, 8.0, 12.0, 3.0], vec![4; 6])]);
        block.key.exam = Exam::Ege;
        block.test_score = ndarray::Array1::from(vec![20, 22, 24, 27, 40, NO_TEST_SCORE]);
        block.scale = Some(Scale {
            cuts: None,
            pass: Some(24),
            university: Some(40),
            max_score: None,
            origin: String::new(),
        });
        let cuts = cut_offs(&block).unwrap();
        assert_eq!(cuts.iter().map(|c| c.1).collect::<Vec<_>>(), [7, 12]);
        assert!(cuts[0].0.contains("24 т. б. = 7 перв. б."), "{cuts:?}");
        // A work above the mapped score but below the minimum breaks the
        // monotone scale: that minimum is not estimated.
        block.test_score[3] = 23;
        let cuts = cut_offs(&block).unwrap();
        assert_eq!(cuts.iter().map(|c| c.1).collect::<Vec<_>>(), [12]);
    }
}
