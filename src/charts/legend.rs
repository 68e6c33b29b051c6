//! Point markers and the legend row under the title. Series differ by marker shape
//! (filled/hollow, circle/square/triangle) and dash as well as colour, so the charts
//! survive grayscale printing.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::ChartError;
use super::common::{INK, MARGIN, NOTE_SIZE, fit, style, text_width};

const LEGEND_H: u32 = 40;

/// The legend of a school line (solid, circles) against a region line (dashed, squares).
pub(crate) fn school_and_region(school: &str, region: &str) -> [(Swatch, String); 2] {
    [
        (
            Swatch::Line {
                color: super::common::SCHOOL,
                dashed: false,
                marker: Some(Marker::Circle),
            },
            school.to_owned(),
        ),
        (
            Swatch::Line {
                color: super::common::REGION,
                dashed: true,
                marker: Some(Marker::Square),
            },
            region.to_owned(),
        ),
    ]
}

/// Point markers; filled and hollow shapes keep series apart without colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    Circle,
    HollowCircle,
    Square,
    Triangle,
}

/// Draws `marker` centred on the pixel `at` of `root`.
pub(crate) fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    marker: Marker,
    at: (i32, i32),
    color: RGBColor,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let (x, y) = at;
    match marker {
        Marker::Circle => root.draw(&Circle::new(at, 6, color.filled()))?,
        Marker::HollowCircle => root.draw(&Circle::new(at, 5, color.stroke_width(2)))?,
        Marker::Square => root.draw(&Rectangle::new(
            [(x - 5, y - 5), (x + 5, y + 5)],
            color.filled(),
        ))?,
        Marker::Triangle => root.draw(&TriangleMarker::new(at, 8, color.filled()))?,
    }
    Ok(())
}

/// The sample drawn before a legend label.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    Bar(RGBColor),
    Line {
        color: RGBColor,
        dashed: bool,
        marker: Option<Marker>,
    },
    Marker(Marker, RGBColor),
}

/// Draws the legend rows centred under the title (wrapping when one row is too
/// narrow); returns the area below them.
pub(crate) fn legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    items: &[(Swatch, String)],
) -> Result<DrawingArea<DB, Shift>, ChartError>
where
    DB::ErrorType: 'static,
{
    const SWATCH_W: i32 = 44;
    const GAP: i32 = 30;
    let room = area.dim_in_pixel().0 as i32 - 2 * MARGIN as i32;
    let label_room = (room - SWATCH_W - 8).max(0) as u32;
    let items: Vec<(Swatch, String, i32)> = items
        .iter()
        .map(|(s, l)| {
            let label = fit(l, NOTE_SIZE, label_room);
            let w = SWATCH_W + 8 + text_width(&label, NOTE_SIZE) as i32;
            (*s, label, w)
        })
        .collect();
    let mut lines: Vec<Vec<&(Swatch, String, i32)>> = vec![Vec::new()];
    for item in &items {
        let line = lines
            .last_mut()
            .filter(|l| l.is_empty() || l.iter().map(|i| i.2 + GAP).sum::<i32>() + item.2 <= room);
        match line {
            Some(line) => line.push(item),
            None => lines.push(vec![item]),
        }
    }
    let (ox, oy) = area.get_base_pixel();
    for (row, line) in lines.iter().enumerate() {
        let total = line.iter().map(|i| i.2 + GAP).sum::<i32>() - GAP;
        let mut x = ox + (area.dim_in_pixel().0 as i32 - total).max(0) / 2;
        let y = oy + LEGEND_H as i32 * row as i32 + LEGEND_H as i32 / 2;
        for (swatch, label, w) in line.iter().map(|i| (i.0, &i.1, i.2)) {
            draw_swatch(root, swatch, x, y, SWATCH_W)?;
            let style = style(NOTE_SIZE, INK, HPos::Left, VPos::Center);
            root.draw(&Text::new(label.clone(), (x + SWATCH_W + 8, y), style))?;
            x += w + GAP;
        }
    }
    Ok(area.split_vertically(LEGEND_H * lines.len() as u32).1)
}

fn draw_swatch<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    x: i32,
    y: i32,
    w: i32,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    match swatch {
        Swatch::Bar(c) => {
            let rect = [(x + 8, y - 9), (x + w - 8, y + 9)];
            root.draw(&Rectangle::new(rect, c.filled()))?;
            root.draw(&Rectangle::new(rect, INK))?;
        }
        Swatch::Line {
            color,
            dashed,
            marker,
        } => {
            let ends = [(x, y), (x + w, y)];
            if dashed {
                root.draw(&DashedPathElement::new(ends, 8, 5, color.stroke_width(3)))?;
            } else {
                root.draw(&PathElement::new(ends, color.stroke_width(3)))?;
            }
            if let Some(m) = marker {
                draw_marker(root, m, (x + w / 2, y), color)?;
            }
        }
        Swatch::Marker(m, c) => draw_marker(root, m, (x + w / 2, y), c)?,
    }
    Ok(())
}
