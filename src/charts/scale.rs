//! Axes: the linear axis with exactly the ticks a chart asks for, "nice" tick steps,
//! the house style of grid and axis lines, and broken lines for missing values.

use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

use super::common::{DESC_SIZE, GRID, INK, TICK_SIZE, font};

/// A linear `f64` axis whose ticks are exactly `ticks` (plotters' own `f64` axes pick
/// their ticks, and its key-point wrapper cannot take a custom label formatter).
#[derive(Debug, Clone)]
pub(crate) struct Axis {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) ticks: Vec<f64>,
}

impl Axis {
    pub(crate) fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Self {
        Axis { lo, hi, ticks }
    }
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        if span == 0.0 || !span.is_finite() || !v.is_finite() {
            return (limit.0 + limit.1) / 2;
        }
        let t = (v - self.lo) / span;
        limit.0 + (f64::from(limit.1 - limit.0) * t).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// A "nice" tick step (1, 2 or 5 × 10ᵏ) giving at most `max_ticks` ticks over `span`.
pub(crate) fn nice_step(span: f64, max_ticks: usize) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / max_ticks.max(1) as f64;
    let pow = 10f64.powf(raw.log10().floor());
    let unit = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|u| u * pow >= raw)
        .unwrap_or(10.0);
    unit * pow
}

/// Multiples of `step` within `lo..=hi`.
pub(crate) fn ticks(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    let first = (lo / step).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// Decimals needed to print multiples of `step`.
pub(crate) fn decimals_for(step: f64) -> usize {
    (0..4)
        .find(|&d| {
            ((step * 10f64.powi(d as i32)).round() - step * 10f64.powi(d as i32)).abs() < 1e-6
        })
        .unwrap_or(3)
}

/// The house style of axes and grid: light horizontal/vertical grid at the ticks only.
pub(crate) fn house_mesh<'m, 'a, 'b, X: Ranged, Y: Ranged, DB: DrawingBackend>(
    mesh: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB> {
    mesh.label_style(font(TICK_SIZE).color(&INK))
        .axis_desc_style(font(DESC_SIZE).color(&INK))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(WHITE.mix(0.0))
        .axis_style(INK.stroke_width(2))
}

/// Runs of consecutive known values, as line points: an unknown value breaks the line.
pub(crate) fn runs(values: &[(f64, Option<f64>)]) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for &(x, v) in values {
        match (v, out.last_mut()) {
            (Some(v), Some(run)) => run.push((x, v)),
            _ => out.push(Vec::new()),
        }
    }
    out.retain(|run| !run.is_empty());
    out
}

/// Centres of `n` horizontal bar rows on a 0..n axis, top row first
/// (row i sits at y = n − i − 0,5).
pub(crate) fn row_centres(n: usize) -> Vec<f64> {
    (0..n).map(|i| n as f64 - i as f64 - 0.5).collect()
}

/// The y-tick formatter of such rows: the label of the row centred at `v`.
pub(crate) fn row_label(labels: &[String]) -> impl Fn(&f64) -> String + '_ {
    let n = labels.len() as f64;
    move |v: &f64| {
        let i = n - v - 0.5;
        labels
            .get(i.round().max(0.0) as usize)
            .cloned()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_nice() {
        assert_eq!(nice_step(12.0, 6), 2.0);
        assert_eq!(nice_step(100.0, 10), 10.0);
        assert_eq!(nice_step(0.2, 8), 0.05);
        assert_eq!(nice_step(0.0, 6), 1.0);
        assert_eq!(nice_step(f64::NAN, 6), 1.0);
    }

    #[test]
    fn ticks_are_multiples_within_range() {
        assert_eq!(ticks(0.0, 10.0, 5.0), vec![0.0, 5.0, 10.0]);
        assert_eq!(ticks(-0.5, 2.5, 1.0), vec![0.0, 1.0, 2.0]);
        assert_eq!(decimals_for(0.05), 2);
        assert_eq!(decimals_for(5.0), 0);
    }

    #[test]
    fn unknown_values_break_lines() {
        let runs = runs(&[
            (0.0, Some(1.0)),
            (1.0, None),
            (2.0, Some(2.0)),
            (3.0, Some(3.0)),
        ]);
        assert_eq!(runs, vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]);
    }

    #[test]
    fn axis_maps_linearly_and_survives_a_point_range() {
        let axis = Axis::new(-0.5, 9.5, vec![]);
        assert_eq!(axis.map(&-0.5, (100, 1100)), 100);
        assert_eq!(axis.map(&4.5, (100, 1100)), 600);
        assert_eq!(Axis::new(1.0, 1.0, vec![]).map(&1.0, (0, 10)), 5);
    }
}
