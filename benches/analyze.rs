//! The whole `analyze` (load, cells, signs, evidence, lists, sample, every
//! output and the report) on simulated regions of three sizes (one year each),
//! beside its floor in the same run: polars reading the same results files and
//! sorting them by test and school (what grouping works into cells needs).
//! Throughput is in works, so the growth with size reads off directly.
//!
//! `cargo bench --bench analyze`; the 4 000-school region takes about half a
//! minute per iteration on 2 cores (criterion's minimum of 10 samples).
//! Sizes from `OBEKTIV_BENCH_SCHOOLS` (comma-separated) if set.

use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use obektiv::config::Config;
use obektiv::progress::Progress;
use obektiv::simulate::{SimOptions, simulate};
use polars_core::prelude::*;
use polars_io::prelude::*;

fn sizes() -> Vec<usize> {
    std::env::var("OBEKTIV_BENCH_SCHOOLS")
        .ok()
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .filter(|v: &Vec<usize>| !v.is_empty())
        .unwrap_or_else(|| vec![250, 1000, 4000])
}

fn results_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("results") && n.ends_with(".csv"))
        })
        .collect();
    v.sort();
    v
}

/// The floor: polars reads every results file and sorts it by test and school.
fn polars_floor(files: &[PathBuf]) -> usize {
    let mut rows = 0;
    for f in files {
        // Every column as text, as obektiv reads them (scores hold «X»).
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .try_into_reader_with_file_path(Some(f.clone()))
            .expect("reader")
            .finish()
            .expect("read");
        let sorted = df
            .sort(
                ["year", "exam", "subject", "grade", "school"],
                SortMultipleOptions::default(),
            )
            .expect("sort");
        rows += sorted.height();
    }
    rows
}

fn analyze(c: &mut Criterion) {
    let mut group = c.benchmark_group("analyze");
    group.sample_size(10);
    for schools in sizes() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let opts = SimOptions {
            schools,
            years: 1,
            seed: 5,
            ..SimOptions::default()
        };
        let summary = simulate(&opts, &data, &mut |_, _| {}).expect("simulate");
        group.throughput(Throughput::Elements(summary.works));
        let files = results_files(&data);
        group.bench_with_input(BenchmarkId::new("polars_floor", schools), &files, |b, f| {
            b.iter(|| polars_floor(f))
        });
        let job = obektiv::Job {
            data: data.clone(),
            out: dir.path().join("out"),
            config: Config::default(),
            progress: Progress::new(false),
        };
        group.bench_with_input(BenchmarkId::new("obektiv", schools), &job, |b, job| {
            b.iter(|| obektiv::analyze(job).expect("analyze").cells)
        });
    }
    group.finish();
}

criterion_group!(benches, analyze);
criterion_main!(benches);
