//! «Карта риска»: every school as a point, its result on the x axis (whatever the
//! report uses: mean share of the maximum, a standardized score…, named by
//! `x_label`) and the strength of its signs of non-objective results on the y
//! axis (the evidence score, −lg p, from 0 up; logarithmic where the strongest
//! reaches 40, see [`EvidenceAxis`]). Schools on the risk list are
//! filled dark triangles, the others hollow gray circles; the dashed line is the
//! list's threshold when given. The `label_top` riskiest
//! schools (listed, or with evidence ≥ 2) are named beside their points, labels pushed
//! apart so they never overlap.
//!
//! Points with a non-finite coordinate are skipped; none left gives «нет данных».
//! More than 3 000 unlisted schools (a large region, the country) are drawn as
//! their density, squares shaded by how many fall in each, so the chart's
//! size and legibility do not depend on the number of schools.

use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::common::{self, CUTOFF_INK, INK, MARGIN, MUTED, NOTE_SIZE, SCHOOL};
use super::legend::{self, Marker, Swatch};
use super::{Chart, ChartError, format, scale};

/// Result against risk for all schools of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskMap {
    /// E.g. «ВПР 2025 · Математика · 5 класс · результат и риск школ».
    pub title: String,
    /// What `result` is, e.g. «Средний результат, % от максимума».
    pub x_label: String,
    pub points: Vec<RiskPoint>,
    /// The risk list's threshold, drawn as a dashed line.
    pub threshold: Option<f64>,
    /// How many of the riskiest schools to name (0 for none).
    pub label_top: usize,
}

/// One school.
/// Unlisted schools are named only from this evidence up (p ≤ 0.01).
const LABEL_MIN_RISK: f64 = 2.0;

#[derive(Debug, Clone, PartialEq)]
pub struct RiskPoint {
    pub name: String,
    pub result: f64,
    /// The evidence score (0 and up); a negative one is drawn at 0.
    pub risk: f64,
    /// On the risk list.
    pub listed: bool,
}

const LABEL_MAX: u32 = 330;
const LABEL_GAP: i32 = 28;
const LABEL_DX: i32 = 14;

impl Chart for RiskMap {
    fn title(&self) -> &str {
        &self.title
    }

    fn has_data(&self) -> bool {
        self.points
            .iter()
            .any(|p| p.result.is_finite() && p.risk.is_finite())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError>
    where
        DB::ErrorType: 'static,
    {
        if !self.has_data() {
            return common::no_data(root, &self.title);
        }
        let points: Vec<&RiskPoint> = self
            .points
            .iter()
            .filter(|p| p.result.is_finite() && p.risk.is_finite())
            .collect();
        let area = common::title(root, &self.title)?;
        let listed = points.iter().filter(|p| p.listed).count();
        let dense = points.len() - listed > DENSITY_FROM;
        let mut items = vec![
            (
                Swatch::Marker(Marker::Triangle, SCHOOL),
                format!("в перечне ({listed})"),
            ),
            if dense {
                (
                    Swatch::Bar(crowd_tone(0.5)),
                    format!(
                        "{} ({}): чем темнее, тем их больше",
                        if listed == 0 {
                            "ОО"
                        } else {
                            "остальные ОО"
                        },
                        format::fmt_int((points.len() - listed) as u64)
                    ),
                )
            } else {
                (
                    Swatch::Marker(Marker::HollowCircle, MUTED),
                    format!(
                        "{} ({})",
                        if listed == 0 {
                            "ОО"
                        } else {
                            "остальные ОО"
                        },
                        points.len() - listed
                    ),
                )
            },
        ];
        if listed == 0 {
            items.remove(0);
        }
        if let Some(t) = self.threshold.filter(|t| t.is_finite()) {
            let text = format!("порог перечня: {}", format::fmt_num(t, 2));
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

        let (lo, hi) = points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p.result), hi.max(p.result))
            });
        let pad = if hi > lo {
            (hi - lo) * 0.06
        } else {
            lo.abs().max(1.0) * 0.1
        };
        let step = scale::nice_step(hi - lo + 2.0 * pad, 8);
        let (x_lo, x_hi) = (
            ((lo - pad) / step).floor() * step,
            ((hi + pad) / step).ceil() * step,
        );
        let x_dec = scale::decimals_for(step);
        let top = (points.iter().map(|p| p.risk))
            .chain(self.threshold.filter(|t| t.is_finite()))
            .fold(1.0, f64::max);
        let y = EvidenceAxis::for_top(top);
        let mut chart = ChartBuilder::on(&area)
            .margin_left(MARGIN)
            .margin_right(2 * MARGIN)
            .margin_bottom(MARGIN)
            .margin_top(MARGIN)
            .x_label_area_size(70)
            .y_label_area_size(90)
            .build_cartesian_2d(
                scale::Axis::new(x_lo, x_hi, scale::ticks(x_lo, x_hi, step)),
                y.axis(),
            )?;
        scale::house_mesh(&mut chart.configure_mesh())
            .x_desc(common::desc(&self.x_label, area.dim_in_pixel().0, 90))
            .y_desc(y.desc())
            .x_label_formatter(&|v| format::fmt_num(*v, x_dec))
            .y_label_formatter(&|v| y.label(*v))
            .draw()?;

        if let Some(t) = self.threshold.filter(|t| t.is_finite()) {
            let line = [(x_lo, y.at(t)), (x_hi, y.at(t))];
            chart.draw_series(std::iter::once(DashedPathElement::new(
                line,
                10,
                6,
                CUTOFF_INK.stroke_width(2),
            )))?;
        }
        // Named: the riskiest, but only listed schools or those whose signs are
        // at least moderately strong (evidence ≥ 2, p ≤ 0.01): the crowd of
        // schools without signs near 0 stays unnamed, so no label covers it.
        let mut top: Vec<_> = (points.iter())
            .filter(|p| p.listed || p.risk >= LABEL_MIN_RISK)
            .cloned()
            .collect();
        top.sort_by(|a, b| b.risk.total_cmp(&a.risk).then(a.name.cmp(&b.name)));
        top.truncate(self.label_top);
        let (x_px, y_px) = chart.plotting_area().get_pixel_range();
        let mut labels: Vec<Label> = top
            .iter()
            .map(|p| {
                let at = chart.backend_coord(&(p.result, y.at(p.risk)));
                let text = common::fit(&p.name, NOTE_SIZE, LABEL_MAX);
                // Right of the point, unless that runs off the plot.
                let left = at.0 + LABEL_DX + common::text_width(&text, NOTE_SIZE) as i32 > x_px.end;
                Label {
                    at,
                    y: at.1,
                    text,
                    left,
                }
            })
            .collect();
        place_labels(&mut labels, y_px.start + 12, LABEL_GAP);
        // Boxes and leaders, then the points over them, then the names over those:
        // a label may dim a point but never hides it.
        let anchor = |l: &Label| {
            if l.left {
                (HPos::Right, -LABEL_DX)
            } else {
                (HPos::Left, LABEL_DX)
            }
        };
        for l in &labels {
            let (h, dx) = anchor(l);
            if (l.y - l.at.1).abs() > 4 {
                let end = (l.at.0 + dx - dx.signum() * 2, l.y);
                root.draw(&PathElement::new([l.at, end], MUTED.stroke_width(1)))?;
            }
            common::text_box(
                root,
                &l.text,
                (l.at.0 + dx, l.y),
                NOTE_SIZE,
                (h, VPos::Center),
            )?;
        }
        // Unlisted first, so listed schools are drawn on top. A crowd of more
        // than `DENSITY_FROM` is drawn as its density: the plot cut into
        // squares of `CELL_PX` pixels, each shaded by how many schools fall in
        // it (log scale), so the chart of 40 000 schools is as legible and
        // about as small as that of 3 000 (one circle per school was 3.6 MB of
        // SVG, a grey blot).
        if dense {
            let mut counts: std::collections::BTreeMap<(i32, i32), u32> = Default::default();
            for p in points.iter().filter(|p| !p.listed) {
                let at = chart.backend_coord(&(p.result, y.at(p.risk)));
                *counts
                    .entry((at.0.div_euclid(CELL_PX), at.1.div_euclid(CELL_PX)))
                    .or_default() += 1;
            }
            let most = f64::from(counts.values().copied().max().unwrap_or(1)).ln_1p();
            for (&(cx, cy), &n) in &counts {
                let (x, y) = (cx * CELL_PX, cy * CELL_PX);
                let tone = crowd_tone(f64::from(n).ln_1p() / most);
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL_PX, y + CELL_PX)],
                    tone.filled(),
                ))?;
            }
        } else {
            for p in points.iter().filter(|p| !p.listed) {
                let at = chart.backend_coord(&(p.result, y.at(p.risk)));
                legend::draw_marker(root, Marker::HollowCircle, at, MUTED)?;
            }
        }
        for p in points.iter().filter(|p| p.listed) {
            let at = chart.backend_coord(&(p.result, y.at(p.risk)));
            legend::draw_marker(root, Marker::Triangle, at, SCHOOL)?;
        }

        for l in &labels {
            let (h, dx) = anchor(l);
            let style = common::style(NOTE_SIZE, INK, h, VPos::Center);
            root.draw(&Text::new(l.text.clone(), (l.at.0 + dx, l.y), style))?;
        }
        Ok(())
    }
}

/// The evidence axis: linear from 0 while the strongest evidence is below
/// [`LOG_FROM`]; above, lg(1 + evidence), so that a region whose strongest
/// schools reach −lg p = 300 (p at the floor of double precision) still shows
/// the threshold of 2–3 and the crowd below it apart instead of pressed
/// into one line at the bottom.
struct EvidenceAxis {
    log: bool,
    /// The largest evidence shown.
    max: f64,
    /// Ticks, in evidence.
    ticks: Vec<f64>,
    decimals: usize,
}

/// The strongest evidence from which the axis is logarithmic.
const LOG_FROM: f64 = 40.0;

impl EvidenceAxis {
    fn for_top(top: f64) -> EvidenceAxis {
        if top < LOG_FROM {
            let step = scale::nice_step(top * 1.05, 8);
            let max = (top * 1.05 / step).ceil() * step;
            return EvidenceAxis {
                log: false,
                max,
                ticks: scale::ticks(0.0, max, step),
                decimals: scale::decimals_for(step),
            };
        }
        // 0, 1, 2, 5, 10, 20, 50, … up to the first at or above the top.
        let mut ticks = vec![0.0];
        let mut decade = 1.0;
        'up: loop {
            for m in [1.0, 2.0, 5.0] {
                ticks.push(m * decade);
                if m * decade >= top {
                    break 'up;
                }
            }
            decade *= 10.0;
        }
        EvidenceAxis {
            log: true,
            max: *ticks.last().unwrap_or(&top),
            ticks,
            decimals: 0,
        }
    }

    /// Where evidence `e` is drawn (a negative one at 0).
    fn at(&self, e: f64) -> f64 {
        let e = e.max(0.0);
        if self.log { e.ln_1p() } else { e }
    }

    fn axis(&self) -> scale::Axis {
        let ticks = self.ticks.iter().map(|&t| self.at(t)).collect();
        scale::Axis::new(0.0, self.at(self.max), ticks)
    }

    /// The tick label of axis position `v`.
    fn label(&self, v: f64) -> String {
        let e = if self.log { v.exp_m1() } else { v };
        format::fmt_num(e, self.decimals)
    }

    fn desc(&self) -> &'static str {
        if self.log {
            "Сила признаков (−lg p), лог. масштаб"
        } else {
            "Сила признаков (−lg p)"
        }
    }
}

/// Above this many unlisted schools the chart shows their density.
const DENSITY_FROM: usize = 3_000;
/// The side of a density square, pixels.
const CELL_PX: i32 = 8;

/// The grey of a density square: `share` 0 (one school) light, 1 (the
/// fullest square) dark.
fn crowd_tone(share: f64) -> RGBColor {
    let v = (215.0 - 125.0 * share.clamp(0.0, 1.0)).round() as u8;
    RGBColor(v, v, v)
}

/// A school's name placed beside its point (`at`, pixels) at height `y`.
struct Label {
    at: (i32, i32),
    y: i32,
    text: String,
    left: bool,
}

impl Label {
    /// Horizontal pixel extent of the label's text.
    fn span(&self) -> (i32, i32) {
        let w = common::text_width(&self.text, NOTE_SIZE) as i32;
        if self.left {
            (self.at.0 - LABEL_DX - w, self.at.0 - LABEL_DX)
        } else {
            (self.at.0 + LABEL_DX, self.at.0 + LABEL_DX + w)
        }
    }
}

/// Moves labels down, riskiest first, until none is closer than `gap` vertically to
/// an already placed label it overlaps horizontally, and none is above `top`.
fn place_labels(labels: &mut [Label], top: i32, gap: i32) {
    let mut placed: Vec<(i32, i32, i32)> = Vec::new(); // (x0, x1, y)
    for label in labels.iter_mut() {
        let (x0, x1) = label.span();
        let mut y = label.at.1.max(top);
        // Each step moves strictly down past a clash, so this ends.
        while let Some(clash) = placed
            .iter()
            .filter(|&&(a, b, py)| a < x1 && x0 < b && (py - y).abs() < gap)
            .map(|&(_, _, py)| py)
            .max()
        {
            y = clash + gap;
        }
        label.y = y;
        placed.push((x0, x1, y));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_evidence_axis_turns_logarithmic_for_a_wide_range() {
        // Below 40: linear from 0, as before.
        let lin = EvidenceAxis::for_top(15.0);
        assert!(!lin.log);
        assert_eq!(lin.at(3.0), 3.0);
        assert!(lin.max >= 15.0 * 1.05);
        // At the floor of double precision (−lg p = 300): 0, 1, 2, 5, … 500,
        // drawn at lg(1 + e), labelled back in evidence.
        let log = EvidenceAxis::for_top(300.0);
        assert!(log.log);
        let want = [0.0, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0];
        assert_eq!(log.ticks, want);
        assert_eq!(log.max, 500.0);
        assert!((log.at(99.0) - 100f64.ln()).abs() < 1e-12);
        assert_eq!(log.at(-2.0), 0.0);
        assert_eq!(log.label(log.at(200.0)), "200");
        assert_eq!(log.label(log.at(0.0)), "0");
        // The threshold of a list (2–3) sits a fifth of the way up, not at
        // the bottom line (1 % of the height on the linear axis).
        let t = log.at(2.6) / log.at(log.max);
        assert!(t > 0.2 && t < 0.25, "{t}");
    }
}
