//! «Изменение баллов при перепроверке»: a histogram of (re-check primary score −
//! original primary score) over the re-checked works. Bars left of zero (the
//! re-check gave fewer points, dark) against bars right of it (more points, light
//! orange); the zero bar (unchanged) is gray. A mass far left of zero means the
//! original checking was lenient. The legend counts each group with its share.
//!
//! No works gives «нет данных»; all works unchanged is a single bar at 0.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::common::{self, INK, MARGIN, NEUTRAL, RAISED, SCHOOL};
use super::legend::{self, Swatch};
use super::{Chart, ChartError, format, scale};

/// Per-work score changes at re-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecheckHistogram {
    /// E.g. «ВПР 2025 · Математика · 5 класс · перепроверка, 214 работ».
    pub title: String,
    /// One value per work: re-check primary − original primary.
    pub deltas: Vec<i64>,
}

impl Chart for RecheckHistogram {
    fn title(&self) -> &str {
        &self.title
    }

    fn has_data(&self) -> bool {
        !self.deltas.is_empty()
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        if !self.has_data() {
            return common::no_data(root, &self.title);
        }
        let lo = self.deltas.iter().copied().min().unwrap_or(0).min(-1);
        let hi = self.deltas.iter().copied().max().unwrap_or(0).max(1);
        // Absurd spreads are drawn over their range, not with one slot per point.
        let (lo, hi) = (lo.max(-1000), hi.min(1000));
        let mut counts = vec![0u64; (hi - lo + 1) as usize];
        for &d in &self.deltas {
            counts[(d.clamp(lo, hi) - lo) as usize] += 1;
        }
        let groups = [
            self.deltas.iter().filter(|&&d| d < 0).count() as u64,
            self.deltas.iter().filter(|&&d| d == 0).count() as u64,
            self.deltas.iter().filter(|&&d| d > 0).count() as u64,
        ];
        let pct = format::percents(&groups);
        let names = ["балл снижен", "без изменений", "балл повышен"];
        let fills = [SCHOOL, NEUTRAL, RAISED];
        let area = common::title(root, &self.title)?;
        let items: Vec<(Swatch, String)> = (0..3)
            .map(|i| {
                (
                    Swatch::Bar(fills[i]),
                    format!(
                        "{}: {} ({} %)",
                        names[i],
                        format::fmt_int(groups[i]),
                        pct[i]
                    ),
                )
            })
            .collect();
        let area = legend::legend(root, &area, &items)?;

        let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
        let y_step = scale::nice_step(top * 1.1, 6).max(1.0).ceil();
        let y_max = (top * 1.1 / y_step).ceil() * y_step;
        let x_step = scale::nice_step((hi - lo) as f64, 16).max(1.0).ceil();
        let mut chart = ChartBuilder::on(&area)
            .margin_left(MARGIN)
            .margin_right(2 * MARGIN)
            .margin_bottom(MARGIN)
            .margin_top(MARGIN)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(
                scale::Axis::new(
                    lo as f64 - 0.5,
                    hi as f64 + 0.5,
                    scale::ticks(lo as f64, hi as f64, x_step),
                ),
                scale::Axis::new(0.0, y_max, scale::ticks(0.0, y_max, y_step)),
            )?;
        scale::house_mesh(&mut chart.configure_mesh())
            .disable_x_mesh()
            .x_desc("Изменение первичного балла: перепроверка − исходная проверка")
            .y_desc("Число работ")
            .x_label_formatter(&|v| signed(v.round() as i64))
            .y_label_formatter(&|v| format::fmt_int(v.round() as u64))
            .draw()?;

        let half = if hi - lo > 60 { 0.45 } else { 0.4 };
        let bars = counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, &c)| {
                let d = lo + i as i64;
                let fill = fills[(d.signum() + 1) as usize];
                ([(d as f64 - half, 0.0), (d as f64 + half, c as f64)], fill)
            });
        for (rect, fill) in bars {
            chart.draw_series(std::iter::once(Rectangle::new(rect, fill.filled())))?;
            chart.draw_series(std::iter::once(Rectangle::new(rect, INK.stroke_width(1))))?;
        }
        Ok(())
    }
}

/// «−2», «0», «+3».
fn signed(d: i64) -> String {
    match d {
        0 => "0".into(),
        d if d > 0 => format!("+{d}"),
        d => format!("−{}", d.unsigned_abs()),
    }
}
