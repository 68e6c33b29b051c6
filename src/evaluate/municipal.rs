//! `evaluate --municipal`: a simulated region cut into its municipalities,
//! each written as the folder a municipal office has — its own schools' works,
//! the region's tasks and scales, and the region's reference.csv (written by
//! [`crate::output::reference`] from the whole region) — to be analysed alone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::error::RunError;
use crate::model::Dataset;

fn err(p: &Path, e: &dyn std::fmt::Display) -> RunError {
    RunError::Evaluation(format!("{}: {e}", p.display()))
}

/// Copies the CSV `from` to `to` keeping the header and the rows whose
/// `school` column is in `keep`.
fn filter_csv(from: &Path, to: &Path, keep: &BTreeSet<&str>) -> Result<(), RunError> {
    let mut r = csv::Reader::from_path(from).map_err(|e| err(from, &e))?;
    let headers = r.headers().map_err(|e| err(from, &e))?.clone();
    let col = headers
        .iter()
        .position(|h| h == "school")
        .ok_or_else(|| err(from, &"нет столбца school"))?;
    let mut w = csv::Writer::from_path(to).map_err(|e| err(to, &e))?;
    w.write_record(&headers).map_err(|e| err(to, &e))?;
    for rec in r.records() {
        let rec = rec.map_err(|e| err(from, &e))?;
        if keep.contains(&rec[col]) {
            w.write_record(&rec).map_err(|e| err(to, &e))?;
        }
    }
    w.flush().map_err(|e| err(to, &e))
}

/// Writes one folder per municipality of `data` (loaded from `region`) under
/// `region/municipalities/`, in the order of the municipalities' names.
pub(super) fn split(region: &Path, data: &Dataset) -> Result<Vec<PathBuf>, RunError> {
    let reference =
        crate::output::reference::bytes(data).map_err(|e| RunError::Evaluation(e.to_string()))?;
    let mut by_municipality: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for s in &data.schools {
        by_municipality
            .entry(s.municipality.as_str())
            .or_default()
            .insert(s.id.as_str());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(region)
        .map_err(|e| err(region, &e))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    let root = region.join("municipalities");
    let mut out = Vec::new();
    for (i, keep) in by_municipality.values().enumerate() {
        let dir = root.join(format!("m{i:03}"));
        std::fs::create_dir_all(&dir).map_err(|e| err(&dir, &e))?;
        for path in &entries {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            let to = dir.join(name.as_ref());
            match name.as_ref() {
                "truth.csv" => {}
                n if n == "schools.csv" || n.starts_with("results") => {
                    filter_csv(path, &to, keep)?;
                }
                _ => {
                    std::fs::copy(path, &to).map_err(|e| err(path, &e))?;
                }
            }
        }
        std::fs::write(dir.join("reference.csv"), &reference).map_err(|e| err(&dir, &e))?;
        out.push(dir);
    }
    Ok(out)
}
