//! «Профиль выполнения заданий»: the share of pupils who solved each task, school
//! (solid line, round markers) against region (dashed line, square markers). Tasks
//! run left to right from the easiest in the region to the hardest, so the regional
//! line falls steadily; a school whose line stays flat and high through the hardest
//! tasks, or that solves hard tasks better than easy ones, stands out.
//!
//! X labels are the official task labels («1», «9.1», «12(2)»); with many tasks they
//! shrink, then stagger over two rows, and only past ~80 tasks are some left out. A task without a school value breaks the school
//! line. No tasks gives «нет данных».

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{self, MARGIN, REGION, SCHOOL, TICK_SIZE};
use super::legend::{self, Marker};
use super::{Chart, ChartError, format, scale};

/// Success per task, school vs region.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskProfile {
    /// E.g. «ВПР 2025 · Математика · 6 класс · МБОУ СОШ № 5 · выполнение заданий».
    pub title: String,
    /// Legend names, e.g. «Школа», «Регион».
    pub school_label: String,
    pub region_label: String,
    /// In any order: the chart sorts them by regional success (ties keep this order).
    pub tasks: Vec<TaskSuccess>,
}

/// One task's success shares, each in `0..=1`.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSuccess {
    /// The official label, e.g. «9.1».
    pub label: String,
    /// `None` (or NaN) when the school's value is unknown.
    pub school: Option<f64>,
    pub region: f64,
}

impl Chart for TaskProfile {
    fn title(&self) -> &str {
        &self.title
    }

    fn has_data(&self) -> bool {
        !self.tasks.is_empty()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        if !self.has_data() {
            return common::no_data(root, &self.title);
        }
        let mut tasks: Vec<&TaskSuccess> = self.tasks.iter().collect();
        // Easiest first; a NaN region value sorts last.
        let key = |t: &TaskSuccess| {
            if t.region.is_finite() {
                -t.region
            } else {
                f64::INFINITY
            }
        };
        tasks.sort_by(|a, b| key(a).total_cmp(&key(b)));

        let area = common::title(root, &self.title)?;
        let items = legend::school_and_region(&self.school_label, &self.region_label);
        let area = legend::legend(root, &area, &items)?;

        let n = tasks.len();
        let labels: Vec<&str> = tasks.iter().map(|t| t.label.as_str()).collect();
        let x_labels = XLabels::fit(&labels, area.dim_in_pixel().0.saturating_sub(160));
        let mut chart = ChartBuilder::on(&area)
            .margin_left(MARGIN)
            .margin_right(2 * MARGIN)
            .margin_bottom(MARGIN)
            .margin_top(MARGIN)
            .x_label_area_size(x_labels.height() + 56)
            .y_label_area_size(90)
            .build_cartesian_2d(
                scale::Axis::new(-0.5, n as f64 - 0.5, (0..n).map(|i| i as f64).collect()),
                scale::Axis::new(0.0, 100.0, scale::ticks(0.0, 100.0, 10.0)),
            )?;
        // The mesh draws the ticks; the labels are drawn below, as `x_labels` says.
        scale::house_mesh(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_desc("Задания по возрастанию трудности в регионе")
            .y_desc("Выполнили, %")
            .x_label_formatter(&|_| String::new())
            .y_label_formatter(&|v| format::fmt_num(*v, 0))
            .draw()?;
        x_labels.draw(root, &labels, |i| chart.backend_coord(&(i as f64, 0.0)))?;

        let pct = |v: f64| (v.is_finite()).then_some((v * 100.0).clamp(0.0, 100.0));
        let region: Vec<(f64, Option<f64>)> = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (i as f64, pct(t.region)))
            .collect();
        let school: Vec<(f64, Option<f64>)> = tasks
            .iter()
            .enumerate()
            .map(|(i, t)| (i as f64, t.school.and_then(pct)))
            .collect();
        for run in scale::runs(&region) {
            chart.draw_series(std::iter::once(DashedPathElement::new(
                run,
                10,
                6,
                REGION.stroke_width(3),
            )))?;
        }
        for run in scale::runs(&school) {
            chart.draw_series(std::iter::once(PathElement::new(
                run,
                SCHOOL.stroke_width(3),
            )))?;
        }
        for (series, marker, color) in [
            (&region, Marker::Square, REGION),
            (&school, Marker::Circle, SCHOOL),
        ] {
            for p in series.iter().filter_map(|(x, v)| v.map(|v| (*x, v))) {
                legend::draw_marker(root, marker, chart.backend_coord(&p), color)?;
            }
        }
        Ok(())
    }
}

/// How the task labels fit under the axis: the largest type that fits one label per
/// slot, else two staggered rows, else only every `every`-th label.
struct XLabels {
    size: f64,
    rows: usize,
    every: usize,
}

impl XLabels {
    fn fit(labels: &[&str], width: u32) -> Self {
        let slot = width / labels.len().max(1) as u32;
        let widest = |size| {
            labels
                .iter()
                .map(|l| common::text_width(l, size))
                .max()
                .unwrap_or(0)
                + 8
        };
        let layouts = [(TICK_SIZE, 1), (19.0, 1), (16.0, 1), (19.0, 2), (16.0, 2)];
        match layouts
            .into_iter()
            .find(|&(size, rows)| widest(size) <= rows as u32 * slot)
        {
            Some((size, rows)) => XLabels {
                size,
                rows,
                every: 1,
            },
            None => {
                let every = widest(16.0).div_ceil(2 * slot.max(1)) as usize;
                XLabels {
                    size: 16.0,
                    rows: 2,
                    every,
                }
            }
        }
    }

    fn line_height(&self) -> u32 {
        (self.size / 1.24) as u32 + 8
    }

    fn height(&self) -> u32 {
        self.rows as u32 * self.line_height()
    }

    /// Draws label `i` centred under the pixel `at(i)` (its point on the x axis).
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        labels: &[&str],
        at: impl Fn(usize) -> (i32, i32),
    ) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        let style = common::style(self.size, common::INK, HPos::Center, VPos::Top);
        for (i, label) in labels.iter().enumerate().step_by(self.every) {
            let row = (i / self.every) % self.rows;
            let (x, y) = at(i);
            let y = y + 12 + (row as u32 * self.line_height()) as i32;
            root.draw(&Text::new(label.to_string(), (x, y), style.clone()))?;
        }
        Ok(())
    }
}
