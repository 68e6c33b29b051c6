//! `obektiv reference`: a whole-region folder's aggregates in the layout of
//! reference.csv (see [`crate::load::reference`]), for a regional centre to
//! hand to its municipalities. Counts for distributions (works per primary
//! score, test score and mark), the mean share of each task's maximum in %,
//! and the shares of exam marks below / equal to / above the journal mark in %;
//! with medals.csv, the medal figures S12 needs (graduates and holders per
//! bin of EGE test points, the schools' spread), so that a municipality's
//! medals are judged against its region's; for tests with task scores, the
//! pairs of works of different schools (all, and with identical task scores)
//! per total score, so that a municipality's copying sign uses the region's
//! collision rates.

use serde::Serialize;

use crate::model::{Dataset, NO_MARK, NO_TEST_SCORE, TestBlock};
use crate::stats::histogram;
use crate::stats::identical::{stratum_misses, stratum_total};

#[derive(Serialize, Default)]
struct Row {
    exam: &'static str,
    year: u16,
    subject: String,
    grade: u8,
    scope: &'static str,
    measure: &'static str,
    key: String,
    value: String,
}

impl Row {
    /// A region figure of test `k`.
    fn of(k: &crate::model::TestKey, measure: &'static str, key: String, value: String) -> Row {
        Row {
            exam: k.exam.code(),
            year: k.year,
            subject: k.subject.clone(),
            grade: k.grade,
            scope: "region",
            measure,
            key,
            value,
        }
    }
}

fn rows_of(block: &TestBlock) -> Vec<Row> {
    let k = &block.key;
    let row = |measure, key, value| Row::of(k, measure, key, value);
    let mut out = vec![row("works", String::new(), block.primary.len().to_string())];
    for (s, n) in histogram(block.primary.iter().copied()) {
        out.push(row("primary", s.to_string(), n.to_string()));
    }
    let scores = (block.test_score.iter())
        .filter(|&&t| t != NO_TEST_SCORE)
        .map(|&t| f32::from(t));
    for (s, n) in histogram(scores) {
        out.push(row("test_score", s.to_string(), n.to_string()));
    }
    let marks = block
        .mark
        .iter()
        .filter(|&&m| m != NO_MARK)
        .map(|&m| f32::from(m));
    for (m, n) in histogram(marks) {
        out.push(row("mark", m.to_string(), n.to_string()));
    }
    for (j, task) in block.tasks.iter().enumerate() {
        let col = block.scores.column(j);
        let done: Vec<f32> = col.iter().copied().filter(|x| x.is_finite()).collect();
        if done.is_empty() || task.max <= 0.0 {
            continue;
        }
        let mean = done.iter().map(|&x| f64::from(x)).sum::<f64>() / done.len() as f64;
        let pct = 100.0 * mean / f64::from(task.max);
        out.push(row("task", task.index.to_string(), format!("{pct:.2}")));
    }
    if let Some(shares) = crate::describe::region(block).vs_journal {
        for (name, x) in ["lowered", "confirmed", "raised"].into_iter().zip(shares) {
            out.push(row("journal", name.to_owned(), format!("{:.2}", 100.0 * x)));
        }
    }
    // S5's collision counts, where the sign runs (5 tasks or more).
    if block.tasks.len() >= 5 {
        let reference = crate::signs::collision_reference(block);
        for (&(stratum, v), &(same, all)) in reference.pairs() {
            // «t_m_v»: total, tasks below their maximum, variant (0 when not
            // known); `_`, not `/` or `-`, which Excel turns into dates.
            let (t, m) = (stratum_total(stratum), stratum_misses(stratum));
            let key = format!("{t}_{m}_{v}");
            out.push(row("identical_pairs", key.clone(), same.to_string()));
            out.push(row("cross_pairs", key, all.to_string()));
        }
    }
    out
}

/// The medal figures of each year with medals.csv, on the EGE Russian test:
/// graduates and holders per bin of test points, and the schools' spread
/// (obektiv's own measures: FIS OKO publishes none; see [`crate::signs::s12_medals`]).
fn medal_rows(data: &Dataset) -> Vec<Row> {
    use crate::signs::{MEDAL_BIN as BIN, MedalCounts};
    let counts = MedalCounts::new(data);
    let mut out = Vec::new();
    for (&year, m) in &counts.region {
        let row = |measure: &'static str, key: String, value: String| Row {
            exam: crate::model::Exam::Ege.code(),
            year,
            subject: "RU".to_owned(),
            grade: 11,
            scope: "region",
            measure,
            key,
            value,
        };
        for (b, &(holders, graduates)) in m.bins.iter().enumerate() {
            if graduates == 0 {
                continue;
            }
            let lower = (b as u8 * BIN).to_string();
            out.push(row("medal_graduates", lower.clone(), graduates.to_string()));
            out.push(row("medal_holders", lower, holders.to_string()));
        }
        out.push(row(
            "medal_school_sd",
            String::new(),
            format!("{:.6}", m.tau),
        ));
        if let Some(model) = &m.model {
            let figures = [
                ("alpha", model.alpha),
                ("beta", model.beta),
                ("gamma", model.gamma),
                ("mean_score", model.mean_score),
                ("school_sd", model.tau),
            ];
            for (key, value) in figures {
                out.push(row("medal_model", key.to_owned(), format!("{value:.9}")));
            }
        }
    }
    // The mean annual mark per bin of each EGE test, against which a
    // municipality's schools' marking is read as the region reads it.
    for (key, means) in crate::signs::annual_mark_means(data) {
        for (lower, mean) in means {
            out.push(Row {
                exam: key.exam.code(),
                year: key.year,
                subject: key.subject.clone(),
                grade: key.grade,
                scope: "region",
                measure: "annual_mark",
                key: lower.to_string(),
                value: format!("{mean:.9}"),
            });
        }
    }
    out
}

/// The region's VPR–GIA line of S10 per GIA, on each of its Russian and
/// mathematics tests (the same figures on each): a municipality's S10 then
/// judges its schools against the region's line and spread.
fn line_rows(data: &Dataset) -> Vec<Row> {
    let min_works = crate::signs::SignsConfig::default().min_works;
    let lines = crate::signs::region_lines_of(data, min_works);
    let mut out = Vec::new();
    for block in &data.tests {
        let k = &block.key;
        let Some(l) = lines.get(&k.exam) else {
            continue;
        };
        if !matches!(k.subject.as_str(), "RU" | "MA") {
            continue;
        }
        let figures = [
            ("a", l.a),
            ("b", l.b),
            ("spread", l.spread),
            ("persistent", l.persistent),
        ];
        let row = |key: &str, value| Row::of(k, "vpr_gia", key.to_owned(), value);
        for (key, v) in figures {
            // Shortest text that reads back as the same number.
            out.push(row(key, format!("{v:?}")));
        }
        out.push(row("pairs", format!("{}", l.pairs)));
    }
    out
}

/// The cut-off sign's (S3) null per level group of each test with cut-offs:
/// the groups' largest cell means, and per cut-off and group the share and
/// spread (see [`crate::signs::cutoff_nulls`]).
fn cutoff_rows(data: &Dataset) -> Vec<Row> {
    let cfg = crate::signs::SignsConfig::default();
    let pools = crate::signs::cutoff_pools(data, &cfg);
    let mut out = Vec::new();
    for block in &data.tests {
        let k = &block.key;
        let pooled = |i: u8| pools.get(&(k.exam, i)).and_then(|p| p.rho());
        // A test whose cut-offs no group's cells could be fitted at has
        // nothing to publish (its levels alone would be refused when read).
        let Some(nulls) = crate::signs::cutoff_nulls(block, &cfg, pooled) else {
            continue;
        };
        if nulls.nulls.is_empty() {
            continue;
        }
        let row = |measure, key, value| Row::of(k, measure, key, value);
        // Shortest text that reads back as the same number.
        for (g, b) in &nulls.bounds {
            out.push(row("cutoff_level", g.to_string(), format!("{b:?}")));
        }
        // By cut-off (in hundredths of a point), then group.
        for (&(c, g), &[p, rho, cells, works, works2]) in &nulls.nulls {
            let key = format!("{}_{g}", c as f64 / 100.0);
            out.push(row("cutoff_share", key.clone(), format!("{p:?}")));
            out.push(row("cutoff_spread", key.clone(), format!("{rho:?}")));
            out.push(row("cutoff_cells", key.clone(), format!("{cells}")));
            out.push(row("cutoff_works", key.clone(), format!("{works}")));
            out.push(row("cutoff_works2", key, format!("{works2}")));
        }
    }
    out
}

/// The fitted-marks sign's (S4c) null per journal mark and peer group of each
/// test with cut-offs and journal marks (see [`crate::signs::published_fitted`]).
fn fitted_rows(data: &Dataset) -> Vec<Row> {
    let cfg = crate::signs::SignsConfig::default();
    let mut out = Vec::new();
    for (block, nulls) in data
        .tests
        .iter()
        .zip(crate::signs::published_fitted(data, &cfg))
    {
        for ((j, g), [p, rho, cells, works, works2]) in nulls {
            let key = format!("{j}_{g}");
            let row = |measure, value| Row::of(&block.key, measure, key.clone(), value);
            // Shortest text that reads back as the same number.
            out.push(row("fitted_share", format!("{p:?}")));
            out.push(row("fitted_spread", format!("{rho:?}")));
            out.push(row("fitted_cells", format!("{cells}")));
            out.push(row("fitted_works", format!("{works}")));
            out.push(row("fitted_works2", format!("{works2}")));
        }
    }
    out
}

/// The own-marks sign's (S6) reference of each test and direction (a: the
/// exam against the school's marks, b: the marks against the exam): the
/// region's mean response per bin of the predictor, the pooled SD of the
/// residuals, and the year's model of cells within schools.
fn own_marks_rows(data: &Dataset) -> Vec<Row> {
    let own = crate::signs::OwnMarks::new(data);
    let mut out = Vec::new();
    for (t, block) in data.tests.iter().enumerate() {
        let k = &block.key;
        // The published figures are on the primary scale (a test read on
        // test scores alone has none of them).
        if block.level_scale() != crate::model::LevelScale::Primary {
            continue;
        }
        for (d, dir) in own.dirs.iter().enumerate() {
            let (Some((means, sd)), Some(model)) = (&dir.references[t], dir.fits.get(&k.year))
            else {
                continue;
            };
            let name = ["a", "b"][d];
            let row = |measure, key, value| Row::of(k, measure, key, value);
            for (x, m) in means.bins() {
                out.push(row(
                    "own_marks_bin",
                    format!("{name}_{x}"),
                    format!("{m:?}"),
                ));
            }
            out.push(row("own_marks_sd", name.to_owned(), format!("{sd:?}")));
            for (f, v) in ["mu", "school", "cell"].into_iter().zip([
                model.mu,
                model.tau2_school,
                model.tau2_cell,
            ]) {
                out.push(row(
                    "own_marks_model",
                    format!("{name}_{f}"),
                    format!("{v:?}"),
                ));
            }
        }
    }
    out
}

/// reference.csv bytes for every test of `data` (scope `region`), the medal
/// figures where the folder has medals.csv, S10's VPR–GIA lines and S3's
/// nulls per level group.
pub fn bytes(data: &Dataset) -> Result<Vec<u8>, crate::error::OutputError> {
    let mut rows: Vec<Row> = data.tests.iter().flat_map(rows_of).collect();
    rows.extend(cutoff_rows(data));
    rows.extend(fitted_rows(data));
    rows.extend(own_marks_rows(data));
    rows.extend(medal_rows(data));
    rows.extend(line_rows(data));
    super::csv_bytes(&rows, crate::config::CsvDialect::default(), "reference.csv")
}
