//! The analytical report (аналитическая справка): `report.html`, one
//! self-contained Russian page (charts inline as SVG, the bundled font
//! embedded), printable on A4, plus every chart as PNG and SVG in `charts/`.
//!
//! Sections: headline figures; signs by municipality and the risk map; with
//! reference.csv, the comparison with the region and Russia; the
//! risk list with its reasons; a section per listed school of the last year
//! with the charts of its cells with signs; the cross-check sample (and the
//! re-check results when present); the objective list; the methods, generated
//! from the sign registry with the thresholds in force; data quality. The
//! wording is «признаки», never «нарушение»: a sign calls for a look.

mod comparison;
mod figures;
pub mod html;
mod sections;

use std::path::Path;

use crate::Analysis;
use crate::config::Config;
use crate::error::{OutputError, RunError};
use crate::load::report::LoadReport;
use crate::model::Dataset;
use crate::output::write_file;

/// A rendered chart: file stem, SVG text, PNG bytes.
pub struct Chart {
    pub stem: String,
    pub svg: String,
    pub png: Vec<u8>,
}

/// Everything the report reads.
pub struct Inputs<'a> {
    pub data: &'a Dataset,
    pub analysis: &'a Analysis,
    pub load: &'a LoadReport,
    pub config: &'a Config,
}

/// Schools of the last year given their own section (highest risk first).
pub const SCHOOL_SECTIONS: usize = 30;

/// Writes `report.html` and `charts/*.png|svg` into `out`; returns the names written.
pub fn write(out: &Path, inputs: &Inputs<'_>) -> Result<Vec<String>, RunError> {
    let (html, charts) = sections::build(inputs);
    let dir = out.join("charts");
    for c in &charts {
        write_file(&dir, &format!("{}.svg", c.stem), c.svg.as_bytes())?;
        write_file(&dir, &format!("{}.png", c.stem), &c.png)?;
    }
    write_file(out, "report.html", html.as_bytes()).map_err(|e: OutputError| RunError::from(e))?;
    Ok(vec![
        "report.html".to_owned(),
        format!("charts/ (графиков: {})", charts.len()),
    ])
}
