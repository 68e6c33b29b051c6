//! The analytical report (аналитическая справка): `report.html`, one
//! self-contained Russian page (charts inline as SVG, the bundled font
//! embedded), printable on A4, plus every chart as PNG and SVG in `charts/`.
//!
//! Sections: headline figures; signs by municipality and the risk map; with
//! reference.csv, the comparison with the region and Russia; the region-wide
//! excess of works on the mark cut-offs ([`crate::stats::bunching`]); the
//! risk list with its reasons; a section per listed school of the last year
//! with the charts of its cells with signs; the cross-check sample (and the
//! re-check results when present); the objective list; the methods, generated
//! from the sign registry with the thresholds in force; data quality. The
//! wording is «признаки», never «нарушение»: a sign calls for a look.

mod bunching;
mod comparison;
pub mod doc;
mod docx;
mod figures;
pub mod html;
mod overview;
mod sections;

use std::collections::BTreeSet;
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
    /// The справка of one municipality (`--municipality`): its schools' list,
    /// sections, sample and comparison, against the region's analysis.
    pub scope: Option<Scope>,
}

/// One municipality of the folder.
pub struct Scope {
    pub name: String,
    pub schools: BTreeSet<u32>,
}

impl Scope {
    /// The municipality named `wanted` (case, «ё» and spaces aside), or the
    /// error listing the municipalities there are.
    pub fn find(data: &Dataset, wanted: &str) -> Result<Scope, RunError> {
        let fold = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
                .replace('ё', "е")
        };
        let key = fold(wanted);
        let names: BTreeSet<&str> = (data.schools.iter())
            .map(|s| s.municipality.as_str())
            .collect();
        let Some(name) = names.iter().find(|n| fold(n) == key) else {
            return Err(RunError::UnknownMunicipality {
                name: wanted.to_owned(),
                known: names
                    .iter()
                    .map(|n| format!("«{n}»"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        };
        Ok(Scope {
            name: (*name).to_owned(),
            schools: (data.schools.iter().enumerate())
                .filter(|(_, s)| s.municipality == *name)
                .map(|(i, _)| i as u32)
                .collect(),
        })
    }

    /// [`Scope::find`], `None` when the municipality is the whole folder (a
    /// municipal office's own folder): the справка is then the folder's
    /// plain one — a scope would speak of «the whole region» that is not there.
    pub fn narrowing(data: &Dataset, wanted: &str) -> Result<Option<Scope>, RunError> {
        let scope = Scope::find(data, wanted)?;
        Ok((scope.schools.len() < data.schools.len()).then_some(scope))
    }
}

impl Inputs<'_> {
    /// Whether school `s` belongs to the справка (always, without a scope).
    pub fn in_scope(&self, s: u32) -> bool {
        self.scope.as_ref().is_none_or(|sc| sc.schools.contains(&s))
    }
}

/// Schools of the last year given their own section (highest risk first).
pub const SCHOOL_SECTIONS: usize = 30;

/// Writes `report.html`, `spravka.docx` and `charts/*.png|svg` into `out`;
/// returns the names written.
pub fn write(out: &Path, inputs: &Inputs<'_>) -> Result<Vec<String>, RunError> {
    use crate::timings::stage;
    let built = stage("справка: разделы и графики", || {
        sections::build(inputs)
    });
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
    stage("report.html", || {
        let page = html::render(&built.page, &built.title, &figures::font_face(), &figures);
        write_file(out, "report.html", page.as_bytes())
    })
    .map_err(|e: OutputError| RunError::from(e))?;
    let docx =
        stage("spravka.docx", || docx::render(&built.page, &built.figures)).map_err(|message| {
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
