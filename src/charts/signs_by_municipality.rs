//! «Школы с признаками по муниципалитетам»: for each municipality, the share of its
//! schools with at least one sign, as horizontal bars sorted from the largest share
//! down, each labelled with its counts («7 из 42 · 17 %»). The dashed vertical line
//! is the share over the whole region (all flagged schools over all schools), so a
//! municipality far to its right stands out whatever its size.
//!
//! Ties sort by more flagged schools, then by name. A municipality with no schools
//! shows «0 из 0» and no bar. No municipalities gives «нет данных». The canvas grows
//! with the number of rows (rows get tighter past 30).

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{self, CUTOFF_INK, INK, MARGIN, SCHOOL, SCHOOL_FILL, TICK_SIZE};
use super::legend::{self, Swatch};
use super::{Chart, ChartError, format, scale};

/// Share of schools with signs per municipality.
#[derive(Debug, Clone, PartialEq)]
pub struct SignsByMunicipality {
    /// E.g. «ВПР 2025 · доля ОО с признаками необъективности по муниципалитетам».
    pub title: String,
    /// In any order: the chart sorts them.
    pub rows: Vec<MunicipalitySigns>,
    /// The region's (flagged, schools) when `rows` are not all its
    /// municipalities; `None`: the sums of the rows.
    pub region: Option<(u64, u64)>,
}

/// One municipality's counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MunicipalitySigns {
    /// Long names are cut with «…».
    pub name: String,
    /// Schools with at least one sign.
    pub flagged: u32,
    /// Schools analysed.
    pub schools: u32,
}

const LABEL_MAX: u32 = 400;

/// A municipality's name as official papers shorten it (городской округ —
/// ГО, муниципальный район — МР, муниципальный округ — МО), when the whole
/// name does not fit beside the bars.
fn short_name(name: &str, size: f64) -> String {
    if common::text_width(name, size) <= LABEL_MAX {
        return name.to_owned();
    }
    let mut out = name.to_owned();
    for (long, short) in [
        ("муниципальный район", "МР"),
        ("Муниципальный район", "МР"),
        ("муниципальный округ", "МО"),
        ("Муниципальный округ", "МО"),
        ("городской округ", "ГО"),
        ("Городской округ", "ГО"),
    ] {
        out = out.replace(long, short);
    }
    out
}

/// Pixels between a bar's end and its label.
const LABEL_GAP: u32 = 8;

impl MunicipalitySigns {
    fn share(&self) -> f64 {
        if self.schools == 0 {
            0.0
        } else {
            f64::from(self.flagged) * 100.0 / f64::from(self.schools)
        }
    }

    /// The label beside the bar: «7 из 42 · 17 %».
    fn label(&self) -> String {
        format!(
            "{} из {} · {} %",
            self.flagged,
            self.schools,
            share_text(self.share())
        )
    }
}

/// A share in per cent for a label: a tenth where it is below 10 % (1 of
/// 150 is «0,7 %», not «1 %»), whole above.
fn share_text(p: f64) -> String {
    let decimals = if p > 0.0 && p < 10.0 { 1 } else { 0 };
    format::fmt_num(p, decimals)
}

impl SignsByMunicipality {
    /// Row height and label size: tighter rows for long lists.
    fn row_metrics(&self) -> (u32, f64) {
        if self.rows.len() <= 30 {
            (40, TICK_SIZE)
        } else {
            (30, 18.0)
        }
    }
}

impl Chart for SignsByMunicipality {
    fn title(&self) -> &str {
        &self.title
    }

    fn has_data(&self) -> bool {
        !self.rows.is_empty()
    }

    fn size(&self) -> (u32, u32) {
        let (row_h, _) = self.row_metrics();
        (
            common::WIDTH,
            (260 + row_h * self.rows.len().max(1) as u32).max(420),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        if !self.has_data() {
            return common::no_data(root, &self.title);
        }
        let mut rows: Vec<&MunicipalitySigns> = self.rows.iter().collect();
        rows.sort_by(|a, b| {
            b.share()
                .total_cmp(&a.share())
                .then(b.flagged.cmp(&a.flagged))
                .then(a.name.cmp(&b.name))
        });
        let (flagged, schools) = self.region.unwrap_or_else(|| {
            (
                rows.iter().map(|r| u64::from(r.flagged)).sum(),
                rows.iter().map(|r| u64::from(r.schools)).sum(),
            )
        });
        let overall = (schools > 0).then(|| flagged as f64 * 100.0 / schools as f64);

        let area = common::title(root, &self.title)?;
        let mut items = vec![(Swatch::Bar(SCHOOL_FILL), "доля ОО с признаками".to_string())];
        if let Some(p) = overall {
            let text = format!(
                "по региону: {} из {} · {} %",
                format::fmt_int(flagged),
                format::fmt_int(schools),
                share_text(p)
            );
            items.push((
                Swatch::Line {
                    color: CUTOFF_INK,
                    dashed: true,
                    marker: None,
                },
                text,
            ));
        }
        let area = legend::legend(root, &area, &items)?;

        let (_, label_size) = self.row_metrics();
        let labels: Vec<String> = rows
            .iter()
            .map(|r| common::fit(&short_name(&r.name, label_size), label_size, LABEL_MAX))
            .collect();
        let label_w = labels
            .iter()
            .map(|l| common::text_width(l, label_size))
            .max()
            .unwrap_or(0);
        let n = rows.len();
        let centres = scale::row_centres(n);
        // The axis fits the bars with room to the right of each for its
        // «7 из 42 · 17 %», the room measured in pixels of the plot (so that
        // shares of a few per cent are not pressed against the axis).
        let texts: Vec<String> = rows.iter().map(|r| r.label()).collect();
        let plot_w =
            f64::from(area.dim_in_pixel().0) - f64::from(3 * MARGIN + label_w + 20 + LABEL_GAP);
        let x_max = (rows.iter().zip(&texts))
            .map(|(r, t)| {
                // The share of the plot's width the bar may take.
                let room = (plot_w - f64::from(common::text_width(t, label_size))) / plot_w;
                r.share() / room.max(0.2)
            })
            .fold(overall.unwrap_or(0.0), f64::max)
            .min(100.0);
        let x_max = if x_max <= 0.0 { 10.0 } else { x_max };
        let x_step = scale::nice_step(x_max, 8);
        let x_max = (x_max / x_step).ceil() * x_step;
        let mut chart = ChartBuilder::on(&area)
            .margin_left(MARGIN)
            .margin_right(2 * MARGIN)
            .margin_bottom(MARGIN)
            .margin_top(MARGIN)
            .x_label_area_size(70)
            .y_label_area_size(label_w + 20)
            .build_cartesian_2d(
                scale::Axis::new(0.0, x_max, scale::ticks(0.0, x_max, x_step)),
                scale::Axis::new(0.0, n as f64, centres.clone()),
            )?;
        let row_label = scale::row_label(&labels);
        let x_dec = scale::decimals_for(x_step);
        scale::house_mesh(&mut chart.configure_mesh())
            .disable_y_mesh()
            .y_label_style(common::font(label_size).color(&INK))
            .x_desc("Доля ОО с признаками, %")
            .x_label_formatter(&|v| format::fmt_num(*v, x_dec))
            .y_label_formatter(&row_label)
            .draw()?;

        if let Some(p) = overall {
            let line = [(p, 0.0), (p, n as f64)];
            chart.draw_series(std::iter::once(DashedPathElement::new(
                line,
                10,
                6,
                CUTOFF_INK.stroke_width(2),
            )))?;
        }
        for ((row, text), y) in rows.iter().zip(&texts).zip(centres) {
            let share = row.share();
            if share > 0.0 {
                let rect = [(0.0, y - 0.32), (share, y + 0.32)];
                chart.draw_series(std::iter::once(Rectangle::new(rect, SCHOOL_FILL.filled())))?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    rect,
                    SCHOOL.stroke_width(1),
                )))?;
            }
            let (x, y) = chart.backend_coord(&(share, y));
            common::boxed_text(
                root,
                text,
                (x + LABEL_GAP as i32, y),
                label_size,
                INK,
                (HPos::Left, VPos::Center),
            )?;
        }
        Ok(())
    }
}
