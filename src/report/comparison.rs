//! «Сравнение с регионом и Россией»: with reference.csv, the folder's results
//! of the last year side by side with the region's and Russia's published
//! figures, test by test, as the FIS OKO forms show them: participants, shares
//! of marks «2»–«5» (VPR, OGE) and the mean primary score as a share of the
//! maximum; and exam marks against journal marks (lowered / confirmed /
//! raised) where the folder and a published figure both have them.

use super::Inputs;
use super::doc::Page;
use super::html::{int, pct};
use crate::describe::{self, Descriptives};
use crate::load::reference::TestReference;
use crate::model::subject_name;

/// Whether the section has anything to show: published figures, or a
/// municipality's справка (compared with the folder's whole region).
pub fn present(inputs: &Inputs<'_>) -> bool {
    !inputs.data.reference.region.is_empty()
        || !inputs.data.reference.russia.is_empty()
        || inputs.scope.is_some()
}

/// One row: level, participants, shares of marks 2..5, mean % of the maximum.
fn row(level: &str, works: Option<f64>, marks: Option<[f64; 4]>, mean: Option<f64>) -> Vec<String> {
    let dash = || "—".to_owned();
    let mut r = vec![
        level.to_owned(),
        works.map_or_else(dash, |w| int(w.round() as u64)),
    ];
    r.extend((0..4).map(|i| marks.map_or_else(dash, |m| pct(m[i]))));
    r.push(mean.map_or_else(dash, pct));
    r
}

/// The folder's own figures of a test, labelled `level`.
fn own(d: &Descriptives, level: &str) -> Vec<String> {
    row(level, Some(d.n as f64), d.mark_shares, d.mean_percent)
}

fn published(level: &str, r: &TestReference, max: Option<f32>) -> Vec<String> {
    let mean = TestReference::mean(&r.primary)
        .zip(max.filter(|&m| m > 0.0))
        .map(|(x, m)| x / f64::from(m));
    row(level, r.works, r.marks, mean)
}

/// The справка's schools' works of test `t` (its municipality's cells pooled).
fn own_cells(inputs: &Inputs<'_>, t: usize) -> Descriptives {
    let block = &inputs.data.tests[t];
    describe::pooled(
        (inputs.analysis.cells.iter())
            .filter(|(bt, c, _)| *bt == t && inputs.in_scope(block.cells[*c].school))
            .map(|(_, _, d)| d),
    )
}

pub fn section(page: &mut Page, inputs: &Inputs<'_>) {
    let data = inputs.data;
    let reference = &data.reference;
    let scoped = inputs.scope.is_some();
    let Some(year) = (data.tests.iter())
        .filter(|b| {
            scoped || reference.region.contains_key(&b.key) || reference.russia.contains_key(&b.key)
        })
        .map(|b| b.key.year)
        .max()
    else {
        return;
    };
    // Russia only where reference.csv gives its figures.
    let russia = !reference.russia.is_empty();
    let (heading, and_russia) = if russia {
        (
            "Сравнение с регионом и Россией",
            " и России (reference.csv)",
        )
    } else {
        ("Сравнение с регионом", "")
    };
    page.h2("comparison", heading, true);
    let whence = if scoped {
        format!(
            "с показателями всего региона (по всем ОО в данных или, где есть, опубликованными в \
             reference.csv){and_russia}"
        )
    } else if russia {
        "с опубликованными показателями региона и России (reference.csv)".to_owned()
    } else {
        "с опубликованными показателями региона (reference.csv; показателей по России в нём нет)"
            .to_owned()
    };
    page.p(&format!(
        "Результаты {year} года по ОО в справке рядом {whence}: число участников, доли отметок и \
         средний первичный балл в процентах от максимального. Прочерк — показатель не \
         опубликован или не применим (у ЕГЭ нет отметок)."
    ));
    // The engine's own regional figures (written from the whole region's
    // folder): which comparisons they move to the region.
    let computed: Vec<&str> = [
        (
            "работы на границах отметок и минимальных баллов ГИА",
            reference.region.values().any(|r| r.cutoffs.is_some()),
        ),
        (
            "совпадающие работы",
            reference.region.values().any(|r| !r.pairs.is_empty()),
        ),
        (
            "результаты и отметки школы",
            reference
                .region
                .values()
                .any(|r| r.own_marks.iter().any(Option::is_some)),
        ),
        (
            "результаты ВПР и ГИА",
            reference.region.values().any(|r| r.line.is_some()),
        ),
        (
            "медали",
            reference.region.values().any(|r| r.medals.is_some()),
        ),
    ]
    .into_iter()
    .filter_map(|(what, has)| has.then_some(what))
    .collect();
    if !computed.is_empty() {
        page.p(&format!(
            "В файле показателей региона есть и рассчитанные программой по всем ОО региона: по \
             ним с ОО всего региона, а не только с ОО в данных, сравниваются {}.",
            computed.join(", ")
        ));
    }
    // A folder of one municipality is named by it.
    let municipalities: std::collections::BTreeSet<&str> = data
        .schools
        .iter()
        .map(|s| s.municipality.as_str())
        .collect();
    let level = match (&inputs.scope, municipalities.iter().next()) {
        (Some(sc), _) => sc.name.clone(),
        (None, Some(m)) if municipalities.len() == 1 => (*m).to_owned(),
        _ => "ОО в справке".to_owned(),
    };
    let mut rows = Vec::new();
    let mut journal_rows = Vec::new();
    // The tests by procedure, then by the subject's Russian name (not by its
    // code: «окружающий мир» after «математика», not after «физика»), then grade.
    let mut order: Vec<(usize, &crate::model::TestBlock)> = (data.tests.iter().enumerate())
        .filter(|(_, b)| b.key.year == year)
        .collect();
    order.sort_by(|(_, a), (_, b)| {
        (a.key.exam, subject_name(&a.key.subject), a.key.grade).cmp(&(
            b.key.exam,
            subject_name(&b.key.subject),
            b.key.grade,
        ))
    });
    for (t, block) in order {
        let (region, russia) = (
            reference.region.get(&block.key),
            reference.russia.get(&block.key),
        );
        if region.is_none() && russia.is_none() && !scoped {
            continue;
        }
        let test = format!(
            "{}, {}, {} кл.",
            block.key.exam.russian(),
            subject_name(&block.key.subject),
            block.key.grade
        );
        let max = block.max_primary();
        let whole = describe::region(block);
        let d = if scoped {
            own_cells(inputs, t)
        } else {
            whole.clone()
        };
        if d.n == 0 {
            continue;
        }
        let mut group = vec![own(&d, &level)];
        match region {
            Some(r) => group.push(published("регион", r, max)),
            // A municipality against the folder's whole region.
            None if scoped => group.push(own(&whole, "регион")),
            None => {}
        }
        group.extend(russia.map(|r| published("Россия", r, max)));
        for (i, mut r) in group.into_iter().enumerate() {
            r.insert(0, if i == 0 { test.clone() } else { String::new() });
            rows.push(r);
        }
        // Exam marks against journal marks, where both sides have them.
        let mut journal: Vec<(&str, [f64; 3])> = Vec::new();
        journal.extend(d.vs_journal.map(|j| (level.as_str(), j)));
        let region_journal = match region {
            Some(r) => r.journal,
            None if scoped => whole.vs_journal,
            None => None,
        };
        journal.extend(region_journal.map(|j| ("регион", j)));
        journal.extend(russia.and_then(|r| r.journal).map(|j| ("Россия", j)));
        if journal.len() > 1 {
            for (i, (who, j)) in journal.into_iter().enumerate() {
                let mut r = vec![
                    if i == 0 { test.clone() } else { String::new() },
                    who.to_owned(),
                ];
                r.extend(j.iter().map(|&x| pct(x)));
                journal_rows.push(r);
            }
        }
    }
    page.table(
        &[
            "Тест",
            "Уровень",
            "Участников",
            "«2»",
            "«3»",
            "«4»",
            "«5»",
            "Средний балл, % от максимума",
        ],
        &[false, false, true, true, true, true, true, true],
        &rows,
    );
    if !journal_rows.is_empty() {
        page.p(
            "Сравнение отметок за работу с отметками по журналу (как в форме ФИС ОКО): доли \
             работ, где отметка за работу ниже журнальной («понизили»), равна ей \
             («подтвердили») и выше («повысили»).",
        );
        page.table(
            &["Тест", "Уровень", "Понизили", "Подтвердили", "Повысили"],
            &[false, false, true, true, true],
            &journal_rows,
        );
    }
}
