//! Load + cell building on simulated regions of three sizes (one year each).
//! The regions are simulated once, seeded, before timing.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use obektiv::progress::Progress;
use obektiv::simulate::{SimOptions, simulate};

fn load_and_cells(c: &mut Criterion) {
    let mut group = c.benchmark_group("load_and_cells");
    group.sample_size(10);
    for schools in [100usize, 400, 1600] {
        let dir = tempfile::tempdir().expect("temp dir");
        let opts = SimOptions {
            schools,
            years: 1,
            seed: 7,
            ..SimOptions::default()
        };
        let summary = simulate(&opts, dir.path(), &mut |_, _| {}).expect("simulate");
        group.throughput(Throughput::Elements(summary.works));
        group.bench_with_input(BenchmarkId::from_parameter(schools), &dir, |b, dir| {
            b.iter(|| {
                let loaded =
                    obektiv::load::load_folder(dir.path(), &Progress::new(false)).expect("load");
                let cells = obektiv::describe::all_cells(&loaded.dataset);
                assert_eq!(loaded.report.rejected.len(), 0);
                cells.len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, load_and_cells);
criterion_main!(benches);
