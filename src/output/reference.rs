//! `obektiv reference`: a whole-region folder's aggregates in the layout of
//! reference.csv (see [`crate::load::reference`]), for a regional centre to
//! hand to its municipalities. Counts for distributions (works per primary
//! score, test score and mark), the mean share of each task's maximum in %,
//! and the shares of exam marks below / equal to / above the journal mark in %.

use serde::Serialize;

use crate::model::{Dataset, NO_MARK, NO_TEST_SCORE, TestBlock};

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

/// Counts of each distinct value, sorted.
fn histogram(values: impl Iterator<Item = f32>) -> Vec<(f32, u64)> {
    let mut v: Vec<f32> = values.filter(|x| x.is_finite()).collect();
    v.sort_by(f32::total_cmp);
    let mut out: Vec<(f32, u64)> = Vec::new();
    for x in v {
        match out.last_mut() {
            Some((y, n)) if *y == x => *n += 1,
            _ => out.push((x, 1)),
        }
    }
    out
}

fn rows_of(block: &TestBlock) -> Vec<Row> {
    let k = &block.key;
    let row = |measure: &'static str, key: String, value: String| Row {
        exam: k.exam.code(),
        year: k.year,
        subject: k.subject.clone(),
        grade: k.grade,
        scope: "region",
        measure,
        key,
        value,
    };
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
    let mut agree = [0u64; 3];
    for (&m, &j) in block.mark.iter().zip(&block.journal) {
        if m != NO_MARK && j != NO_MARK {
            agree[usize::from(m >= j) + usize::from(m > j)] += 1;
        }
    }
    let both: u64 = agree.iter().sum();
    if both > 0 {
        for (name, n) in ["lowered", "confirmed", "raised"].into_iter().zip(agree) {
            let pct = 100.0 * n as f64 / both as f64;
            out.push(row("journal", name.to_owned(), format!("{pct:.2}")));
        }
    }
    out
}

/// reference.csv bytes for every test of `data` (scope `region`).
pub fn bytes(data: &Dataset) -> Result<Vec<u8>, crate::error::OutputError> {
    let rows: Vec<Row> = data.tests.iter().flat_map(rows_of).collect();
    super::csv_bytes(&rows, crate::config::CsvDialect::default(), "reference.csv")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_counts_distinct_values() {
        let h = histogram([3.0, 1.0, f32::NAN, 3.0, 2.0, 3.0].into_iter());
        assert_eq!(h, [(1.0, 1), (2.0, 1), (3.0, 3)]);
    }
}
