//! Charts for the analytical report, drawn with `plotters` to SVG (a `String`, for
//! the HTML report) and PNG (bytes, for print and documents).
//!
//! Every chart is a plain data struct implementing [`Chart`]; [`svg()`], [`png()`] and
//! [`render`] turn any of them into output, at [`canvas_size`]. The charts are:
//!
//! | struct | what it shows |
//! |---|---|
//! | [`ScoreDistribution`] | a cell's primary-score distribution (bars) against the region's (line), with the mark cut-offs as labelled vertical lines |
//! | [`MarkAgreement`] | exam mark vs journal mark: shares «понизили» / «подтвердили» / «повысили» as 100 % stacked horizontal bars (FIS OKO «соответствие отметок») |
//! | [`TaskProfile`] | success share per task, school vs region, tasks ordered by regional difficulty |
//! | [`SignsByMunicipality`] | share of schools with signs per municipality, sorted bars labelled «7 из 42» |
//! | [`RiskMap`] | each school's result against its risk, listed schools highlighted, the top few named |
//! | [`Trend`] | a school's (or region's) mean result over the years, with the region for comparison |
//! | [`RecheckHistogram`] | re-check score changes per work (re-check − original) as a histogram |
//! | [`RecheckBySchool`] | per-school mean re-check change with confidence intervals |
//!
//! Text is set in the bundled DejaVu Sans ([`FONT_TTF`]), registered with plotters'
//! `ab_glyph` text renderer, so PNGs need no system fonts. SVG text is emitted as
//! `<text font-family="DejaVu Sans, Arial, sans-serif">`: an HTML report that inlines
//! the SVG should declare an `@font-face` named [`FONT_FAMILY_NAME`] with the same
//! bytes (an SVG loaded through `<img>` does not see the page's fonts).
//!
//! Layout is for print: 1200 px wide (169 mm at [`PNG_DPI`]), type from 8 to 10 pt at
//! that size, and series told apart by dash and marker shape as well as colour, so the
//! charts read in grayscale. Numbers are written the Russian way («62,4», «−2»,
//! «10 498»), long names are cut with «…».
//!
//! Output is deterministic: the same data gives byte-identical SVG and PNG. Empty or
//! unusable data renders the title and «нет данных» on a short canvas instead of
//! failing; non-finite values are skipped.

mod common;
mod format;
mod legend;
mod mark_agreement;
mod recheck_by_school;
mod recheck_histogram;
mod risk_map;
mod scale;
mod score_distribution;
mod signs_by_municipality;
mod task_profile;
mod trend;

#[cfg(test)]
mod tests;

use plotters::coord::Shift;
use plotters::prelude::*;

pub use common::{FONT_FAMILY_NAME, FONT_TTF, PNG_DPI, SVG_FONT_FAMILY};
pub use mark_agreement::{AgreementRow, MarkAgreement};
pub use recheck_by_school::{RecheckBySchool, SchoolRecheck};
pub use recheck_histogram::RecheckHistogram;
pub use risk_map::{RiskMap, RiskPoint};
pub use score_distribution::{Cutoff, ScoreDistribution};
pub use signs_by_municipality::{MunicipalitySigns, SignsByMunicipality};
pub use task_profile::{TaskProfile, TaskSuccess};
pub use trend::{Trend, TrendYear};

/// Something that can be drawn as a chart of the report.
pub trait Chart {
    /// The chart's title, also shown on its «нет данных» version.
    fn title(&self) -> &str;

    /// Whether there is anything to draw; if not, the chart is a short canvas with
    /// its title and «нет данных» (see [`canvas_size`]).
    fn has_data(&self) -> bool;

    /// Canvas size in pixels, `(width, height)`, when there is data; the same for SVG
    /// and PNG.
    fn size(&self) -> (u32, u32) {
        (common::WIDTH, common::HEIGHT)
    }

    /// Draws the chart on a white canvas of [`canvas_size`]; without data, the title
    /// and «нет данных».
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static;
}

/// Both renderings of one chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub svg: String,
    pub png: Vec<u8>,
}

/// Why a chart could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the bundled font (fonts/DejaVuSans.ttf) could not be registered with plotters")]
    Font,
    #[error("plotters failed to draw the chart")]
    Draw(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the chart's PNG could not be encoded")]
    Png(#[from] png::EncodingError),
}

impl<E: std::error::Error + Send + Sync + 'static> From<DrawingAreaErrorKind<E>> for ChartError {
    fn from(err: DrawingAreaErrorKind<E>) -> Self {
        ChartError::Draw(Box::new(err))
    }
}

/// The size `chart` is rendered at: [`Chart::size`], or a short canvas without data.
pub fn canvas_size(chart: &impl Chart) -> (u32, u32) {
    if chart.has_data() {
        chart.size()
    } else {
        (common::WIDTH, common::NO_DATA_HEIGHT)
    }
}

/// Renders `chart` as an SVG document.
pub fn svg(chart: &impl Chart) -> Result<String, ChartError> {
    common::ensure_fonts()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, canvas_size(chart)).into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(&root)?;
        root.present()?;
    }
    Ok(out)
}

/// Renders `chart` as a PNG image (8-bit RGB, tagged [`PNG_DPI`] for print).
pub fn png(chart: &impl Chart) -> Result<Vec<u8>, ChartError> {
    common::ensure_fonts()?;
    let (w, h) = canvas_size(chart);
    let mut rgb = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(&root)?;
        root.present()?;
    }
    encode_png(&rgb, w, h)
}

/// Renders `chart` both ways.
pub fn render(chart: &impl Chart) -> Result<Rendered, ChartError> {
    Ok(Rendered {
        svg: svg(chart)?,
        png: png(chart)?,
    })
}

/// Encodes an RGB buffer as PNG; the same buffer always gives the same bytes.
fn encode_png(rgb: &[u8], w: u32, h: u32) -> Result<Vec<u8>, ChartError> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    // Deflate level 3 after the «Up» filter: on the 146 charts of a
    // 4 000-school region 3.6 times as fast as the default (level 6 after
    // the adaptive filter) for files 6 % larger; fdeflate's fast mode was
    // faster still but 80 % larger, which the docx would carry.
    enc.set_deflate_compression(png::DeflateCompression::Level(3));
    enc.set_filter(png::Filter::Up);
    let ppm = (common::PNG_DPI as f64 / 0.0254).round() as u32;
    enc.set_pixel_dims(Some(png::PixelDimensions {
        xppu: ppm,
        yppu: ppm,
        unit: png::Unit::Meter,
    }));
    let mut writer = enc.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(out)
}
