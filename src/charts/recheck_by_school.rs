//! «Среднее изменение балла при перепроверке по школам»: one row per school, its mean
//! change (re-check primary − original primary) as a dot with the confidence interval
//! as a whisker, against the solid zero line. Rows are sorted from the largest drop
//! down, so the schools whose original checking was most lenient come first; a
//! whisker wholly left of zero is a drop that chance hardly explains.
//!
//! The caller computes the interval (its level goes in `interval_label`). Schools
//! with a non-finite mean are skipped; a missing or inverted interval draws the dot
//! alone. None left gives «нет данных». The canvas grows with the number of rows.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{self, CUTOFF_INK, INK, MARGIN, SCHOOL, TICK_SIZE};
use super::legend::{self, Marker, Swatch};
use super::{Chart, ChartError, format, scale};

/// Per-school mean re-check changes with intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct RecheckBySchool {
    /// E.g. «ВПР 2025 · Математика · 5 класс · перепроверка по школам».
    pub title: String,
    /// Legend text of the whisker, e.g. «95 % доверительный интервал».
    pub interval_label: String,
    /// In any order: the chart sorts them.
    pub schools: Vec<SchoolRecheck>,
}

/// One school's re-check summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolRecheck {
    /// Long names are cut with «…».
    pub name: String,
    /// Re-checked works.
    pub works: u32,
    /// Mean of (re-check − original) primary score.
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

const LABEL_MAX: u32 = 420;

impl RecheckBySchool {
    fn row_metrics(&self) -> (u32, f64) {
        if self.schools.len() <= 30 {
            (40, TICK_SIZE)
        } else {
            (30, 18.0)
        }
    }
}

impl Chart for RecheckBySchool {
    fn title(&self) -> &str {
        &self.title
    }

    fn has_data(&self) -> bool {
        self.schools.iter().any(|s| s.mean.is_finite())
    }

    fn size(&self) -> (u32, u32) {
        let (row_h, _) = self.row_metrics();
        (
            common::WIDTH,
            (260 + row_h * self.schools.len().max(1) as u32).max(420),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        if !self.has_data() {
            return common::no_data(root, &self.title);
        }
        let mut rows: Vec<&SchoolRecheck> =
            self.schools.iter().filter(|s| s.mean.is_finite()).collect();
        rows.sort_by(|a, b| a.mean.total_cmp(&b.mean).then(a.name.cmp(&b.name)));
        let interval = |s: &SchoolRecheck| {
            (s.ci_low.is_finite() && s.ci_high.is_finite() && s.ci_low <= s.ci_high)
                .then_some((s.ci_low, s.ci_high))
        };

        let area = common::title(root, &self.title)?;
        let items = [
            (
                Swatch::Marker(Marker::Circle, SCHOOL),
                "среднее: перепроверка − исходная проверка".to_string(),
            ),
            (
                Swatch::Line {
                    color: SCHOOL,
                    dashed: false,
                    marker: None,
                },
                self.interval_label.clone(),
            ),
        ];
        let area = legend::legend(root, &area, &items)?;

        let (_, label_size) = self.row_metrics();
        let labels: Vec<String> = rows
            .iter()
            .map(|s| {
                let suffix = format!(" (n = {})", s.works);
                let room = LABEL_MAX.saturating_sub(common::text_width(&suffix, label_size));
                format!("{}{suffix}", common::fit(&s.name, label_size, room))
            })
            .collect();
        let label_w = labels
            .iter()
            .map(|l| common::text_width(l, label_size))
            .max()
            .unwrap_or(0);
        let (lo, hi) = rows.iter().fold((0.0f64, 0.0f64), |(lo, hi), s| {
            let (a, b) = interval(s).unwrap_or((s.mean, s.mean));
            (lo.min(a), hi.max(b))
        });
        let pad = ((hi - lo) * 0.08).max(0.5);
        let step = scale::nice_step(hi - lo + 2.0 * pad, 10);
        let (x_lo, x_hi) = (
            ((lo - pad) / step).floor() * step,
            ((hi + pad) / step).ceil() * step,
        );
        let dec = scale::decimals_for(step);
        let n = rows.len();
        let centres = scale::row_centres(n);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(MARGIN)
            .margin_right(2 * MARGIN)
            .margin_bottom(MARGIN)
            .margin_top(MARGIN)
            .x_label_area_size(70)
            .y_label_area_size(label_w + 20)
            .build_cartesian_2d(
                scale::Axis::new(x_lo, x_hi, scale::ticks(x_lo, x_hi, step)),
                scale::Axis::new(0.0, n as f64, centres.clone()),
            )?;
        let row_label = scale::row_label(&labels);
        scale::house_mesh(&mut chart.configure_mesh())
            .y_label_style(common::font(label_size).color(&INK))
            .x_desc(common::desc(
                "Изменение первичного балла при перепроверке",
                area.dim_in_pixel().0,
                label_w + 20,
            ))
            .x_label_formatter(&|v| format::fmt_num(*v, dec))
            .y_label_formatter(&row_label)
            .draw()?;

        let zero = [(0.0, 0.0), (0.0, n as f64)];
        chart.draw_series(std::iter::once(PathElement::new(
            zero,
            CUTOFF_INK.stroke_width(2),
        )))?;
        for (s, y) in rows.iter().zip(centres) {
            if let Some((a, b)) = interval(s) {
                chart.draw_series(std::iter::once(PathElement::new(
                    [(a, y), (b, y)],
                    SCHOOL.stroke_width(3),
                )))?;
                for x in [a, b] {
                    let (px, py) = chart.backend_coord(&(x, y));
                    root.draw(&PathElement::new(
                        [(px, py - 8), (px, py + 8)],
                        SCHOOL.stroke_width(3),
                    ))?;
                }
            }
            legend::draw_marker(
                root,
                Marker::Circle,
                chart.backend_coord(&(s.mean, y)),
                SCHOOL,
            )?;
        }
        Ok(())
    }
}
