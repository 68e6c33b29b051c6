//! Property-based fuzzing (proptest) of the CSV, parquet and xlsx loaders and
//! of the whole `analyze` on tiny folders. Each case starts from a valid file
//! and applies random edits: stray quotes, delimiters, line breaks, NUL and
//! 0xFF bytes, absurd numbers, random bytes, deleted and repeated spans.
//!
//! Invariants: nothing panics or aborts; every file that was read has
//! read = used + rejected with no row rejected twice or outside the file, and
//! the works loaded are exactly the results rows used.
//!
//! `cargo test` runs a short pass (the case counts below, well under two
//! minutes on two cores). A longer run, e.g. before a release:
//!
//!     PROPTEST_CASES=5000 cargo test --release --test obektiv fuzz -- --nocapture
//!
//! (`PROPTEST_CASES` sets every property's case count and draws new cases
//! each run; failures are shrunk and printed as the minimal edit list, to be
//! kept as a plain test like the ones at the end of this file.)

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proptest::prelude::*;

use crate::common::{RESULTS, SCALES, SCHOOLS, TASKS};

/// Cases per property in the short pass, unless `PROPTEST_CASES` is set.
///
/// The short pass draws from a fixed seed, so that `cargo test` (and CI) is
/// the same run every time; a long run with `PROPTEST_CASES` draws new cases
/// each time (or from `PROPTEST_RNG_SEED` when given). Cases a long run finds
/// are kept below as plain tests.
fn cases(short: u32) -> ProptestConfig {
    let long = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok());
    let default = ProptestConfig::default();
    let rng_seed = match (long, std::env::var_os("PROPTEST_RNG_SEED")) {
        (None, None) => proptest::test_runner::RngSeed::Fixed(20_261_202),
        _ => default.rng_seed,
    };
    ProptestConfig {
        cases: long.unwrap_or(short),
        failure_persistence: None,
        rng_seed,
        ..default
    }
}

/// A piece of hostile text.
fn piece() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"\"".to_vec()),
        Just(b",".to_vec()),
        Just(b";".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\t".to_vec()),
        Just(vec![0xFF]),
        Just(vec![0]),
        Just(vec![0xEF, 0xBB, 0xBF]),
        Just(b"1000000000".to_vec()),
        Just(b"1e12".to_vec()),
        Just(b"-1".to_vec()),
        Just(b"NaN".to_vec()),
        Just(b"1989".to_vec()),
        Just(b"1,5".to_vec()),
        Just(b"edu000009".to_vec()),
        Just("Х".as_bytes().to_vec()),
        Just("ёлка".as_bytes().to_vec()),
        proptest::collection::vec(any::<u8>(), 1..6),
    ]
}

#[derive(Clone, Debug)]
enum Edit {
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    RepeatLine(usize),
}

fn edits(max: usize) -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        4 => (any::<usize>(), piece()).prop_map(|(at, p)| Edit::Insert(at, p)),
        1 => (any::<usize>(), 1usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
        1 => any::<usize>().prop_map(Edit::RepeatLine),
    ];
    proptest::collection::vec(edit, 0..max)
}

fn mutate(base: &[u8], edits: &[Edit]) -> Vec<u8> {
    let mut b = base.to_vec();
    for e in edits {
        let len = b.len().max(1);
        match e {
            Edit::Insert(at, p) => {
                let at = at % (b.len() + 1);
                b.splice(at..at, p.iter().copied());
            }
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(b.len());
                b.drain(at.min(b.len())..end);
            }
            Edit::RepeatLine(at) => {
                let at = at % len;
                let start = b[..at.min(b.len())]
                    .iter()
                    .rposition(|&c| c == b'\n')
                    .map_or(0, |i| i + 1);
                let end = b[start..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |i| start + i + 1);
                let line = b[start..end].to_vec();
                b.splice(end..end, line);
            }
        }
    }
    b
}

/// Loads `data` and checks the accounting invariants.
fn check_load(data: &Path) -> Result<(), TestCaseError> {
    let progress = obektiv::progress::Progress::new(false);
    let Ok(loaded) = obektiv::load::load_folder(data, &progress) else {
        return Ok(()); // a run-stopping error is a message, not a crash
    };
    let report = &loaded.report;
    let mut used_results = 0u64;
    for f in &report.files {
        let lines: BTreeSet<u64> = (report.rejected.iter())
            .filter(|r| r.file == f.file)
            .map(|r| r.line)
            .collect();
        prop_assert!(
            lines.len() as u64 <= f.rows_read,
            "{}: {} rows rejected of {} read",
            f.file,
            lines.len(),
            f.rows_read
        );
        prop_assert_eq!(f.rows_read, f.rows_used + f.rows_rejected, "{}", f.file);
        if f.error.is_empty() && f.kind == "results" {
            used_results += f.rows_used;
        }
        if let Some(text) = std::fs::read(data.join(&f.file))
            .ok()
            .filter(|_| f.file.ends_with(".csv"))
        {
            // Lines as an editor numbers them: LF, CRLF and a CR alone
            // (old Macintosh files) each end one.
            let lone_cr = (text.iter().enumerate())
                .filter(|&(i, &b)| b == b'\r' && text.get(i + 1) != Some(&b'\n'))
                .count();
            let physical = (text.split(|&b| b == b'\n').count() + lone_cr) as u64;
            prop_assert!(
                lines.iter().all(|&l| l >= 1 && l <= physical),
                "{}: {lines:?}",
                f.file
            );
        }
    }
    prop_assert_eq!(used_results, loaded.dataset.n_works() as u64);
    Ok(())
}

/// A results file in RESULTS' columns large enough for the cross-check
/// sample to draw works (3 schools × 24 works), so `analyze` runs every stage.
fn larger_results() -> String {
    let mut out = String::from(RESULTS.lines().next().unwrap_or_default());
    out.push('\n');
    for school in 1..=3 {
        for i in 0..24u32 {
            let t = [i % 2, (i % 3).min(2), ((i / 2) % 3).min(2)];
            let p: u32 = t.iter().sum();
            let mark = 2 + u32::from(p >= 2) + u32::from(p >= 3) + u32::from(p >= 5);
            let journal = (mark + i % 2).min(5);
            out.push_str(&format!(
                "2025,VPR,MA,4,edu00000{school},4{},{school}{i:02},{},{},{},{},{p},{mark},{journal}\n",
                ["А", "Б"][(i % 2) as usize],
                1 + i % 2,
                t[0],
                t[1],
                t[2]
            ));
        }
    }
    out
}

/// `base` (comma-separated, no quotes) without its column `k`, when given
/// (any column, required ones too).
fn results_without(base: &str, k: Option<usize>) -> Vec<u8> {
    let Some(k) = k else {
        return base.as_bytes().to_vec();
    };
    let mut out = String::new();
    for line in base.lines() {
        let fields: Vec<&str> = line.split(',').collect();
        let k = k % fields.len();
        let kept: Vec<&str> = (fields.iter().enumerate())
            .filter(|&(i, _)| i != k)
            .map(|(_, f)| *f)
            .collect();
        out.push_str(&kept.join(","));
        out.push('\n');
    }
    out.into_bytes()
}

fn write_folder(dir: &Path, schools: &[u8], results: &[u8], tasks: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("schools.csv"), schools).unwrap();
    std::fs::write(dir.join("results.csv"), results).unwrap();
    std::fs::write(dir.join("tasks.csv"), tasks).unwrap();
    std::fs::write(dir.join("scales.csv"), SCALES).unwrap();
}

proptest! {
    #![proptest_config(cases(96))]

    #[test]
    fn csv_loading_never_panics_and_accounts_for_every_row(
        drop in proptest::option::of(0usize..14), r in edits(8), s in edits(3), t in edits(3)
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        write_folder(
            &data,
            &mutate(SCHOOLS.as_bytes(), &s),
            &mutate(&results_without(RESULTS, drop), &r),
            &mutate(TASKS.as_bytes(), &t),
        );
        check_load(&data)?;
    }
}

proptest! {
    #![proptest_config(cases(12))]

    #[test]
    fn analyze_never_panics_on_a_broken_tiny_folder(
        drop in proptest::option::of(0usize..14), r in edits(6), s in edits(2)
    ) {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        write_folder(
            &data,
            &mutate(SCHOOLS.as_bytes(), &s),
            &mutate(&results_without(&larger_results(), drop), &r),
            TASKS.as_bytes(),
        );
        let job = obektiv::Job {
            data,
            out: tmp.path().join("out"),
            config: obektiv::config::Config::default(),
            progress: obektiv::progress::Progress::new(false),
        };
        if let Ok(summary) = obektiv::analyze(&job) {
            prop_assert!(summary.failed.is_empty(), "{:?}", summary.failed);
            prop_assert!(tmp.path().join("out/cells.csv").is_file());
        }
    }
}

/// RESULTS as a parquet file whose fields are the given texts (all columns text).
fn parquet_bytes(rows: &[Vec<String>], headers: &[&str]) -> Vec<u8> {
    use polars_core::prelude::*;
    use polars_io::prelude::*;
    let columns: Vec<Column> = (headers.iter().enumerate())
        .map(|(c, h)| {
            let values: Vec<&str> = rows.iter().map(|r| r[c].as_str()).collect();
            Column::new((*h).into(), values)
        })
        .collect();
    let mut df = DataFrame::new_infer_height(columns).unwrap();
    let mut out = Vec::new();
    ParquetWriter::new(&mut out).finish(&mut df).unwrap();
    out
}

/// A folder whose results are `rows` as parquet, damaged by byte `edits`
/// past the magic header (pages and footers).
fn parquet_folder(dir: &Path, headers: &[&str], rows: &[Vec<String>], edits: &[Edit]) -> PathBuf {
    let data = dir.join("data");
    write_folder(&data, SCHOOLS.as_bytes(), b"", TASKS.as_bytes());
    std::fs::remove_file(data.join("results.csv")).unwrap();
    let file = parquet_bytes(rows, headers);
    let mut broken = file[..4].to_vec();
    broken.extend(mutate(&file[4..], edits));
    std::fs::write(data.join("results.parquet"), &broken).unwrap();
    data
}

fn results_grid() -> (Vec<&'static str>, Vec<Vec<String>>) {
    let mut lines = RESULTS.lines();
    let headers = lines.next().unwrap().split(',').collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    (headers, rows)
}

/// (row, column, text) edits of a grid's fields.
fn field_edits() -> impl Strategy<Value = Vec<(usize, usize, String)>> {
    let text = piece().prop_map(|p| String::from_utf8_lossy(&p).into_owned());
    proptest::collection::vec((any::<usize>(), any::<usize>(), text), 0..6)
}

proptest! {
    #![proptest_config(cases(24))]

    #[test]
    fn parquet_loading_never_panics(fields in field_edits(), bytes in edits(3)) {
        let (headers, mut rows) = results_grid();
        for (r, c, text) in fields {
            let (r, c) = (r % rows.len(), c % headers.len());
            rows[r][c] = text;
        }
        let tmp = tempfile::tempdir().unwrap();
        let data = parquet_folder(tmp.path(), &headers, &rows, &bytes);
        check_load(&data)?;
    }

    #[test]
    fn xlsx_loading_never_panics(fields in field_edits(), far in proptest::option::of((0u32..1_048_576, 0u16..16_384)), bytes in edits(2)) {
        let (_, mut rows) = results_grid();
        for (r, c, text) in fields {
            let (r, c) = (r % rows.len(), [6, 8, 9, 10, 12][c % 5]);
            rows[r][c] = text;
        }
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write_string(0, 0, "ВПР 2025 Математика 4 класс").unwrap();
        ws.write_string(1, 0, "МБОУ СОШ № 1 (edu000001)").unwrap();
        for (c, h) in ["Код участника", "1 (1б)", "2 (2б)", "3 (2б)", "Отметка"].iter().enumerate() {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            // student, t1..t3, mark from the results grid
            for (c, v) in [&row[6], &row[8], &row[9], &row[10], &row[12]].iter().enumerate() {
                ws.write_string(3 + r as u32, c as u16, v.as_str()).unwrap();
            }
        }
        if let Some((r, c)) = far {
            ws.write_string(r, c, "x").unwrap();
        }
        let file = wb.save_to_buffer().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path().join("data");
        write_folder(&data, SCHOOLS.as_bytes(), b"", TASKS.as_bytes());
        std::fs::remove_file(data.join("results.csv")).unwrap();
        std::fs::write(data.join("vpr.xlsx"), mutate(&file, &bytes)).unwrap();
        check_load(&data)?;
    }
}

/// Found by the fuzz run of 3 000 cases: a parquet file damaged so that polars
/// panics inside its page decoder; the file is reported, nothing aborts.
#[test]
fn a_damaged_parquet_that_makes_polars_panic_is_a_file_error() {
    let (headers, mut rows) = results_grid();
    let (n, k) = (rows.len(), headers.len());
    rows[9317096945475428027 % n][1555811533989494361 % k] = "\"".into();
    rows[12086092911784976337 % n][503358100304579823 % k] = "NaN".into();
    let bytes = [
        Edit::Insert(8651839335661309530, b"NaN".to_vec()),
        Edit::Insert(14575347850737151677, b"\n".to_vec()),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let data = parquet_folder(tmp.path(), &headers, &rows, &bytes);
    let progress = obektiv::progress::Progress::new(false);
    let loaded = obektiv::load::load_folder(&data, &progress).unwrap();
    let f = (loaded.report.files.iter())
        .find(|f| f.file == "results.parquet")
        .unwrap();
    assert!(f.error.contains("повреждён"), "{f:?}");
    assert_eq!(loaded.dataset.n_works(), 0);
    check_load(&data).unwrap();
}

/// Found by the fuzz run of 3 000 cases: a lone CR splits a line into two
/// rows; they must not share a line number, or one would be counted as used
/// without being a work.
#[test]
fn a_lone_carriage_return_keeps_the_accounting() {
    let edits = [
        Edit::Insert(45, vec![44]),
        Edit::Insert(92450180387, vec![14, 13]),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let results = mutate(&results_without(RESULTS, None), &edits);
    write_folder(&data, SCHOOLS.as_bytes(), &results, TASKS.as_bytes());
    check_load(&data).unwrap();
}

/// A case the short pass once drew (CI, stop 20): a CR alone in the header
/// (old Macintosh line end) is a line break, as editors show it, so the
/// rejected lines after it are numbered past the file's LF count.
#[test]
fn a_carriage_return_alone_is_a_line_break_in_the_accounting() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let edits = [
        Edit::Insert(2709799546, b"NaN".to_vec()),
        Edit::Insert(144599928090790181, vec![0, 13, 0, 0]),
        Edit::Delete(12213662657648375403, 37),
    ];
    let results = mutate(RESULTS.as_bytes(), &edits);
    write_folder(&data, SCHOOLS.as_bytes(), &results, TASKS.as_bytes());
    check_load(&data).unwrap();
}
