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
pub mod doc;
mod docx;
mod figures;
pub mod html;
mod overview;
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

/// Writes `report.html`, `spravka.docx` and `charts/*.png|svg` into `out`;
/// returns the names written.
pub fn write(out: &Path, inputs: &Inputs<'_>) -> Result<Vec<String>, RunError> {
    let built = sections::build(inputs);
    let dir = out.join("charts");
    let mut charts = 0;
    for c in built.figures.iter().filter_map(|f| f.chart.as_ref().ok()) {
        write_file(&dir, &format!("{}.svg", c.stem), c.svg.as_bytes())?;
        write_file(&dir, &format!("{}.png", c.stem), &c.png)?;
        charts += 1;
    }
    let figures: Vec<String> = (built.figures.iter())
        .map(|f| match &f.chart {
            Ok(c) => html::figure(&c.svg, &f.caption),
            Err(e) => html::figure("", &format!("график не построен: {e}")),
        })
        .collect();
    let page = html::render(&built.page, &built.title, &figures::font_face(), &figures);
    write_file(out, "report.html", page.as_bytes()).map_err(|e: OutputError| RunError::from(e))?;
    let docx = docx::render(&built.page, &built.figures).map_err(|message| {
        RunError::from(OutputError::Build {
            what: "spravka.docx".to_owned(),
            message,
        })
    })?;
    write_file(out, "spravka.docx", &docx)?;
    Ok(vec![
        "report.html".to_owned(),
        "spravka.docx".to_owned(),
        format!("charts/ (графиков: {charts})"),
    ])
}
