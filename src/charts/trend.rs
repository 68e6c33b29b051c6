//! «Динамика результатов»: a school's (or a region's) mean result in each year present
//! (solid line, round markers, values written above the points) against the region
//! (dashed line, square markers). A school that jumps well above the region in one
//! year and falls back the next is what this chart is for.
//!
//! Years without a value break their line. The y axis starts at 0 when all values are
//! non-negative (shares of the maximum), otherwise it pads the data range (standardized
//! results). No value at all gives «нет данных»; a single year is a single point.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{self, Anchor, MARGIN, NOTE_SIZE, REGION, SCHOOL};
use super::legend::{self, Marker};
use super::{Chart, ChartError, format, scale};

/// Mean result by year, school vs region.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// E.g. «ВПР · Математика · 5 класс · МБОУ СОШ № 5 · динамика».
    pub title: String,
    /// What the values are, e.g. «Средний результат, % от максимума».
    pub y_label: String,
    /// Legend names, e.g. «Школа», «Регион».
    pub school_label: String,
    pub region_label: String,
    /// In any order: the chart sorts by year.
    pub years: Vec<TrendYear>,
}

/// One year's values; `None` or NaN when unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendYear {
    pub year: i32,
    pub school: Option<f64>,
    pub region: Option<f64>,
}

impl Chart for Trend {
    fn title(&self) -> &str {
        &self.title
    }

    fn has_data(&self) -> bool {
        self.years
            .iter()
            .flat_map(|y| [y.school, y.region])
            .flatten()
            .any(f64::is_finite)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        if !self.has_data() {
            return common::no_data(root, &self.title);
        }
        let known = |v: Option<f64>| v.filter(|v| v.is_finite());
        let mut years: Vec<&TrendYear> = self.years.iter().collect();
        years.sort_by_key(|y| y.year);
        let values: Vec<f64> = years
            .iter()
            .flat_map(|y| [known(y.school), known(y.region)])
            .flatten()
            .collect();
        let area = common::title(root, &self.title)?;
        let items = legend::school_and_region(&self.school_label, &self.region_label);
        let area = legend::legend(root, &area, &items)?;

        let (lo, hi) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let (lo, hi) = if lo >= 0.0 {
            (0.0, if hi > 0.0 { hi * 1.15 } else { 1.0 })
        } else {
            let pad = ((hi - lo) * 0.15).max(0.1);
            (lo - pad, hi + pad)
        };
        let step = scale::nice_step(hi - lo, 6);
        let (y_lo, y_hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
        let dec = scale::decimals_for(step);
        let (first, last) = (years[0].year, years[years.len() - 1].year);
        let (first, last) = (f64::from(first), f64::from(last));
        let year_ticks = scale::ticks(
            first,
            last,
            scale::nice_step(last - first, 12).ceil().max(1.0),
        );
        let mut chart = ChartBuilder::on(&area)
            .margin_left(MARGIN)
            .margin_right(2 * MARGIN)
            .margin_bottom(MARGIN)
            .margin_top(MARGIN)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(
                scale::Axis::new(first - 0.5, last + 0.5, year_ticks),
                scale::Axis::new(y_lo, y_hi, scale::ticks(y_lo, y_hi, step)),
            )?;
        scale::house_mesh(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_desc("Год")
            .y_desc(common::fit(
                &self.y_label,
                common::DESC_SIZE,
                area.dim_in_pixel().1.saturating_sub(140),
            ))
            .x_label_formatter(&|v| format!("{}", v.round() as i64))
            .y_label_formatter(&|v| format::fmt_num(*v, dec))
            .draw()?;

        // A year missing between two present ones breaks the lines, as unknown values do.
        let series = |f: fn(&TrendYear) -> Option<f64>| {
            let mut out: Vec<(f64, Option<f64>)> = Vec::new();
            for (i, y) in years.iter().enumerate() {
                if i > 0 && i64::from(y.year) - i64::from(years[i - 1].year) > 1 {
                    out.push((f64::from(y.year) - 1.0, None));
                }
                out.push((f64::from(y.year), known(f(y))));
            }
            out
        };
        let school = series(|y| y.school);
        let region = series(|y| y.region);
        // School values go where the school line leaves room; their boxes are drawn
        // first and the text last, so no line is cut (a cut would read as a gap).
        let value_dec = if step >= 5.0 { 1 } else { dec + 1 };
        let values: Vec<(String, (i32, i32), Anchor)> = school
            .iter()
            .enumerate()
            .filter_map(|(i, &(x, v))| {
                let v = v?;
                let prev = i.checked_sub(1).and_then(|j| school[j].1);
                let next = school.get(i + 1).and_then(|s| s.1);
                let region = region.get(i).and_then(|r| r.1);
                let at = chart.backend_coord(&(x, v));
                let (at, anchor) = value_spot(at, (prev, v, next), region);
                Some((format::fmt_num(v, value_dec), at, anchor))
            })
            .collect();
        for (text, at, anchor) in &values {
            common::text_box(root, text, *at, NOTE_SIZE, *anchor)?;
        }
        for run in scale::runs(&region) {
            let line = DashedPathElement::new(run, 10, 6, REGION.stroke_width(3));
            chart.draw_series(std::iter::once(line))?;
        }
        for run in scale::runs(&school) {
            chart.draw_series(std::iter::once(PathElement::new(
                run,
                SCHOOL.stroke_width(3),
            )))?;
        }
        let known_points = |s: &[(f64, Option<f64>)]| -> Vec<(f64, f64)> {
            s.iter().filter_map(|&(x, v)| v.map(|v| (x, v))).collect()
        };
        for p in known_points(&region) {
            legend::draw_marker(root, Marker::Square, chart.backend_coord(&p), REGION)?;
        }
        for p in known_points(&school) {
            legend::draw_marker(root, Marker::Circle, chart.backend_coord(&p), SCHOOL)?;
        }
        for (text, at, (h, v)) in values {
            root.draw(&Text::new(text, at, common::style(NOTE_SIZE, SCHOOL, h, v)))?;
        }
        Ok(())
    }
}

/// Where to write the school's value `v` at pixel `at`: on the far side from the
/// region's value, and there in the quadrant the school line (to `prev` and `next`)
/// does not cross.
fn value_spot(
    (x, y): (i32, i32),
    (prev, v, next): (Option<f64>, f64, Option<f64>),
    region: Option<f64>,
) -> ((i32, i32), Anchor) {
    let above = region.is_none_or(|r| v >= r);
    // Whether the line leaves towards the label's side, left and right.
    let towards = |n: Option<f64>| n.is_some_and(|n| if above { n > v } else { n < v });
    let (left, right) = (towards(prev), towards(next));
    let (dy, v_pos) = if above {
        (-12, VPos::Bottom)
    } else {
        (12, VPos::Top)
    };
    match (left, right) {
        (false, true) => ((x - 10, y + dy), (HPos::Right, v_pos)),
        (true, false) => ((x + 10, y + dy), (HPos::Left, v_pos)),
        _ => ((x, y + dy + dy / 6), (HPos::Center, v_pos)),
    }
}
