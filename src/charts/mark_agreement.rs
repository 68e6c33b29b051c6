//! «Соответствие отметок» (as on FIS OKO): for each group — school, municipality,
//! region — the works whose exam mark was below the journal mark («понизили»), equal
//! to it («подтвердили») and above it («повысили»), as one 100 % stacked horizontal
//! bar per group. A school that «повысила» far more often than its municipality and
//! region marks more generously in the journal than its pupils show on the exam.
//!
//! Segments carry their whole percentage, rounded as the справка's text rounds the
//! same share (so a bar's labels may add up to 99 or 101); a segment too narrow for its
//! label is left unlabelled. Rows are
//! drawn top to bottom in the given order; a row without works says «нет данных»;
//! no works at all gives the «нет данных» chart.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{self, INK, MARGIN, MUTED, NEUTRAL, RAISED, SCHOOL, TICK_SIZE};
use super::legend::{self, Swatch};
use super::{Chart, ChartError, format, scale};

/// Exam mark vs journal mark for a few groups.
#[derive(Debug, Clone, PartialEq)]
pub struct MarkAgreement {
    /// E.g. «ВПР 2025 · Математика · 5 класс · соответствие отметок».
    pub title: String,
    /// Groups, drawn top to bottom, e.g. school, municipality, region.
    pub rows: Vec<AgreementRow>,
}

/// Counts of works in one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementRow {
    /// E.g. «МБОУ СОШ № 5», «Городской округ Н», «Регион»; long names are cut with «…».
    pub label: String,
    /// Exam mark < journal mark.
    pub lowered: u64,
    /// Exam mark = journal mark.
    pub confirmed: u64,
    /// Exam mark > journal mark.
    pub raised: u64,
}

const ROW_H: u32 = 84;
const LABEL_MAX: u32 = 380;

/// Segment colours: dark, light, mid — three different grays when printed in black.
const SEGMENTS: [(RGBColor, RGBColor, &str); 3] = [
    (SCHOOL, WHITE, "понизили (отметка ниже, чем в журнале)"),
    (NEUTRAL, INK, "подтвердили"),
    (RAISED, INK, "повысили (отметка выше, чем в журнале)"),
];

impl AgreementRow {
    fn counts(&self) -> [u64; 3] {
        [self.lowered, self.confirmed, self.raised]
    }
}

impl Chart for MarkAgreement {
    fn title(&self) -> &str {
        &self.title
    }

    fn has_data(&self) -> bool {
        self.rows.iter().any(|r| r.counts().iter().any(|&c| c > 0))
    }

    fn size(&self) -> (u32, u32) {
        (common::WIDTH, 250 + ROW_H * self.rows.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        if !self.has_data() {
            return common::no_data(root, &self.title);
        }
        let area = common::title(root, &self.title)?;
        let items: Vec<(Swatch, String)> = SEGMENTS
            .iter()
            .map(|(fill, _, name)| (Swatch::Bar(*fill), name.to_string()))
            .collect();
        let area = legend::legend(root, &area, &items)?;

        let labels: Vec<String> = self
            .rows
            .iter()
            .map(|r| {
                let n = format::fmt_int(r.counts().iter().sum());
                let suffix = format!(" (n = {n})");
                let room = LABEL_MAX.saturating_sub(common::text_width(&suffix, TICK_SIZE));
                format!("{}{suffix}", common::fit(&r.label, TICK_SIZE, room))
            })
            .collect();
        let label_w = labels
            .iter()
            .map(|l| common::text_width(l, TICK_SIZE))
            .max()
            .unwrap_or(0);
        let rows = self.rows.len();
        // Row i (from the top) is centred on y = rows − i − 0,5.
        let centres = scale::row_centres(rows);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(MARGIN)
            .margin_right(2 * MARGIN)
            .margin_bottom(MARGIN)
            .margin_top(MARGIN)
            .x_label_area_size(70)
            .y_label_area_size(label_w + 20)
            .build_cartesian_2d(
                scale::Axis::new(0.0, 100.0, scale::ticks(0.0, 100.0, 10.0)),
                scale::Axis::new(0.0, rows as f64, centres.clone()),
            )?;
        let row_label = scale::row_label(&labels);
        scale::house_mesh(&mut chart.configure_mesh())
            .disable_y_mesh()
            .x_desc("Доля работ, %")
            .x_label_formatter(&|v| format::fmt_num(*v, 0))
            .y_label_formatter(&row_label)
            .draw()?;

        for (row, y) in self.rows.iter().zip(centres) {
            let counts = row.counts();
            let total: u64 = counts.iter().sum();
            if total == 0 {
                let style = common::style(TICK_SIZE, MUTED, HPos::Left, VPos::Center);
                root.draw(&Text::new(
                    "нет данных",
                    chart.backend_coord(&(1.0, y)),
                    style,
                ))?;
                continue;
            }
            let pct = format::percents(&counts);
            let mut x0 = 0.0;
            for ((count, label_pct), (fill, ink, _)) in counts.iter().zip(pct).zip(SEGMENTS) {
                let x1 = x0 + *count as f64 * 100.0 / total as f64;
                if x1 > x0 {
                    let rect = [(x0, y - 0.3), (x1, y + 0.3)];
                    chart.draw_series(std::iter::once(Rectangle::new(rect, fill.filled())))?;
                    chart.draw_series(std::iter::once(Rectangle::new(
                        rect,
                        WHITE.stroke_width(2),
                    )))?;
                    let text = format!("{label_pct} %");
                    let (l, r) = (chart.backend_coord(&(x0, y)), chart.backend_coord(&(x1, y)));
                    // Smaller type for a narrow segment; none if even that does not fit.
                    let fits = |size: &f64| common::text_width(&text, *size) as i32 + 6 < r.0 - l.0;
                    if let Some(size) = [TICK_SIZE, 17.0].into_iter().find(fits) {
                        let style = common::style(size, ink, HPos::Center, VPos::Center);
                        root.draw(&Text::new(text, ((l.0 + r.0) / 2, r.1), style))?;
                    }
                }
                x0 = x1;
            }
        }
        Ok(())
    }
}
