//! «Распределение первичных баллов»: for each primary score `0..=max`, the share of
//! the cell's works with that score (bars) against the region's share (dashed line
//! with markers). The mark cut-offs are vertical lines labelled «3», «4», «5», drawn
//! between the last score of the lower mark and the first score of the mark
//! (at `min_score − 0,5`). Piles of works just above a cut-off and gaps just below
//! it are the classic picture of marks being pulled over a boundary.
//!
//! Input is counts of works, not shares: the chart divides by each series' total and
//! prints the totals in the legend. No works in either series gives «нет данных».

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{self, CUTOFF_INK, INK, MARGIN, REGION, SCHOOL, SCHOOL_FILL, TICK_SIZE};
use super::legend::{self, Marker, Swatch};
use super::{Chart, ChartError, format, scale};

/// A cell's primary-score distribution against the region's.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreDistribution {
    /// E.g. «ВПР 2025 · Русский язык · 4 класс · МБОУ СОШ № 5».
    pub title: String,
    /// The test's maximum primary score; the x axis runs `0..=max_score` (longer
    /// count vectors widen it rather than lose works).
    pub max_score: u32,
    /// `cell[s]` = the cell's works with primary score `s`.
    pub cell: Vec<u64>,
    /// `region[s]` = the region's works with primary score `s`.
    pub region: Vec<u64>,
    /// Legend name of the cell, e.g. «Школа».
    pub cell_label: String,
    /// Legend name of the region, e.g. «Регион».
    pub region_label: String,
    /// Mark boundaries; cut-offs at 0 or above the maximum are not drawn.
    pub cutoffs: Vec<Cutoff>,
}

const LABEL_SIZE: f64 = TICK_SIZE + 2.0;

/// The lowest primary score that earns a mark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cutoff {
    /// Label at the top of the line: «3», «4», «5».
    pub label: String,
    pub min_score: u32,
}

/// Percent of `counts` per score over `0..=max`; `None` when there are no works.
fn shares(counts: &[u64], max: usize) -> Option<Vec<f64>> {
    let total: u64 = counts.iter().sum();
    (total > 0).then(|| {
        (0..=max)
            .map(|s| counts.get(s).copied().unwrap_or(0) as f64 * 100.0 / total as f64)
            .collect()
    })
}

impl Chart for ScoreDistribution {
    fn title(&self) -> &str {
        &self.title
    }

    fn has_data(&self) -> bool {
        self.cell.iter().chain(&self.region).any(|&c| c > 0)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        if !self.has_data() {
            return common::no_data(root, &self.title);
        }
        let max = (self.max_score as usize)
            .max(self.cell.len().saturating_sub(1))
            .max(self.region.len().saturating_sub(1))
            .max(1);
        let cell = shares(&self.cell, max);
        let region = shares(&self.region, max);
        let area = common::title(root, &self.title)?;
        let n = |v: &[u64]| format::fmt_int(v.iter().sum());
        let mut items = vec![
            (
                Swatch::Bar(SCHOOL_FILL),
                format!("{} (n = {})", self.cell_label, n(&self.cell)),
            ),
            (
                Swatch::Line {
                    color: REGION,
                    dashed: true,
                    marker: Some(Marker::Square),
                },
                format!("{} (n = {})", self.region_label, n(&self.region)),
            ),
        ];
        let cutoffs: Vec<&Cutoff> = self
            .cutoffs
            .iter()
            .filter(|c| c.min_score > 0 && c.min_score as usize <= max)
            .collect();
        if !cutoffs.is_empty() {
            let line = Swatch::Line {
                color: CUTOFF_INK,
                dashed: false,
                marker: None,
            };
            items.push((line, "границы отметок".to_string()));
        }
        let area = legend::legend(root, &area, &items)?;

        let top = cell
            .iter()
            .chain(&region)
            .flatten()
            .fold(0.0f64, |a, &b| a.max(b));
        let y_step = scale::nice_step(top * 1.15, 8);
        let y_max = ((top * 1.15 / y_step).ceil() * y_step)
            .max(y_step)
            .min(100.0);
        let x_step = match max {
            0..=25 => 1.0,
            26..=50 => 2.0,
            51..=125 => 5.0,
            _ => 10.0,
        };
        let x_range = scale::Axis::new(
            -0.5,
            max as f64 + 0.5,
            scale::ticks(0.0, max as f64, x_step),
        );
        let y_range = scale::Axis::new(0.0, y_max, scale::ticks(0.0, y_max, y_step));
        let mut chart = ChartBuilder::on(&area)
            .margin_left(MARGIN)
            .margin_right(2 * MARGIN)
            .margin_bottom(MARGIN)
            .margin_top(MARGIN)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(x_range, y_range)?;
        let y_dec = scale::decimals_for(y_step);
        scale::house_mesh(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_desc("Первичный балл")
            .y_desc("Доля работ, %")
            .x_label_formatter(&|v| format!("{}", v.round() as i64))
            .y_label_formatter(&|v| format::fmt_num(*v, y_dec))
            .draw()?;

        // Cut-off labels sit at the top right of their lines; their boxes go under the
        // bars and lines, their text over them.
        let labels: Vec<(i32, i32)> = cutoffs
            .iter()
            .map(|cut| {
                let (px, py) = chart.backend_coord(&(cut.min_score as f64 - 0.5, y_max));
                (px + 6, py + 6)
            })
            .collect();
        for (cut, at) in cutoffs.iter().zip(&labels) {
            common::text_box(root, &cut.label, *at, LABEL_SIZE, (HPos::Left, VPos::Top))?;
        }
        if let Some(cell) = &cell {
            let half = if max > 60 { 0.45 } else { 0.4 };
            let bar = |(s, &v): (usize, &f64)| [(s as f64 - half, 0.0), (s as f64 + half, v)];
            chart.draw_series(
                cell.iter()
                    .enumerate()
                    .filter(|(_, v)| **v > 0.0)
                    .map(|p| Rectangle::new(bar(p), SCHOOL_FILL.filled())),
            )?;
            chart.draw_series(
                cell.iter()
                    .enumerate()
                    .filter(|(_, v)| **v > 0.0)
                    .map(|p| Rectangle::new(bar(p), SCHOOL.stroke_width(1))),
            )?;
        }
        if let Some(region) = &region {
            let points: Vec<(f64, f64)> = region
                .iter()
                .enumerate()
                .map(|(s, &v)| (s as f64, v))
                .collect();
            chart.draw_series(std::iter::once(DashedPathElement::new(
                points.clone(),
                10,
                6,
                REGION.stroke_width(3),
            )))?;
            if max <= 60 {
                for p in &points {
                    legend::draw_marker(root, Marker::Square, chart.backend_coord(p), REGION)?;
                }
            }
        }

        for (cut, &at) in cutoffs.iter().zip(&labels) {
            let x = cut.min_score as f64 - 0.5;
            let line = PathElement::new([(x, 0.0), (x, y_max)], CUTOFF_INK.stroke_width(2));
            chart.draw_series(std::iter::once(line))?;
            let style = common::style(LABEL_SIZE, INK, HPos::Left, VPos::Top);
            root.draw(&Text::new(cut.label.clone(), at, style))?;
        }
        Ok(())
    }
}
