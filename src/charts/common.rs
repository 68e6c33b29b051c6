//! What every chart shares: the bundled font and its registration with plotters,
//! canvas and text sizes, colours chosen to stay apart in grayscale, text measuring
//! and cutting with «…», the title row, boxed labels and the «нет данных» chart.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::ChartError;

/// DejaVu Sans 2.37 (Bitstream Vera licence, see `fonts/LICENSE-DejaVu.txt`).
pub const FONT_TTF: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
/// The family name for the report's `@font-face` that carries [`FONT_TTF`].
pub const FONT_FAMILY_NAME: &str = "DejaVu Sans";
/// What SVG `<text>` elements name as their `font-family`; also the name the font is
/// registered under with plotters, so both backends use the same string.
pub const SVG_FONT_FAMILY: &str = "DejaVu Sans, Arial, sans-serif";
/// Resolution written into the PNGs: a 1200 px wide chart prints 169 mm wide (A4 text width).
pub const PNG_DPI: u32 = 180;

pub(crate) const WIDTH: u32 = 1200;
pub(crate) const HEIGHT: u32 = 720;
pub(crate) const NO_DATA_HEIGHT: u32 = 300;
pub(crate) const MARGIN: u32 = 16;
pub(crate) const TITLE_SIZE: f64 = 32.0;
pub(crate) const DESC_SIZE: f64 = 25.0;
pub(crate) const TICK_SIZE: f64 = 22.0;
pub(crate) const NOTE_SIZE: f64 = 21.0;
const TITLE_H: u32 = 62;

/// Where a text sits relative to its position.
pub(crate) type Anchor = (HPos, VPos);

pub(crate) const INK: RGBColor = RGBColor(0x21, 0x21, 0x21);
pub(crate) const GRID: RGBColor = RGBColor(0xdc, 0xdc, 0xdc);
pub(crate) const MUTED: RGBColor = RGBColor(0x8c, 0x8c, 0x8c);
/// The school (or cell): dark blue, near black in grayscale.
pub(crate) const SCHOOL: RGBColor = RGBColor(0x1f, 0x4e, 0x79);
/// Bars of the school: light blue, light gray in grayscale.
pub(crate) const SCHOOL_FILL: RGBColor = RGBColor(0x9d, 0xc3, 0xe6);
/// The region: dark orange, mid gray in grayscale, always drawn dashed.
pub(crate) const REGION: RGBColor = RGBColor(0xc4, 0x4e, 0x00);
/// Something raised / flagged: light orange, between the two above in grayscale.
pub(crate) const RAISED: RGBColor = RGBColor(0xf4, 0xa2, 0x61);
pub(crate) const NEUTRAL: RGBColor = RGBColor(0xd9, 0xd9, 0xd9);
/// Mark cut-offs and reference lines: near black, solid.
pub(crate) const CUTOFF_INK: RGBColor = RGBColor(0x3a, 0x3a, 0x3a);

/// Registers the bundled font once per process.
pub(crate) fn ensure_fonts() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = REGISTERED.get_or_init(|| {
        // "sans-serif" too, for any text plotters draws with its default font.
        [SVG_FONT_FAMILY, "sans-serif"]
            .iter()
            .all(|name| plotters::style::register_font(name, FontStyle::Normal, FONT_TTF).is_ok())
    });
    if *ok { Ok(()) } else { Err(ChartError::Font) }
}

pub(crate) fn font(size: f64) -> FontDesc<'static> {
    // A failure here surfaces as a font error when the text is drawn.
    let _ = ensure_fonts();
    FontDesc::new(FontFamily::Name(SVG_FONT_FAMILY), size, FontStyle::Normal)
}

pub(crate) fn style(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    font(size).color(&color).pos(Pos::new(h, v))
}

/// Width in pixels of `text` set at `size`.
pub(crate) fn text_width(text: &str, size: f64) -> u32 {
    font(size)
        .box_size(text)
        .map(|(w, _)| w)
        .unwrap_or_else(|_| (text.chars().count() as f64 * size * 0.55) as u32)
}

/// `text` cut to fit `max_px` at `size`, ending in «…» when cut.
pub(crate) fn fit(text: &str, size: f64, max_px: u32) -> String {
    if text_width(text, size) <= max_px {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let cut = |n: usize| format!("{}…", chars[..n].iter().collect::<String>().trim_end());
    // The longest prefix that fits: widths grow with the prefix length.
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if text_width(&cut(mid), size) <= max_px {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    cut(lo)
}

/// Draws the title row; returns the area below it.
pub(crate) fn title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
) -> Result<DrawingArea<DB, Shift>, ChartError>
where
    DB::ErrorType: 'static,
{
    let (w, _) = root.dim_in_pixel();
    let text = fit(title, TITLE_SIZE, w.saturating_sub(2 * MARGIN));
    let pos = ((w / 2) as i32, (MARGIN + 4) as i32);
    root.draw(&Text::new(
        text,
        pos,
        style(TITLE_SIZE, INK, HPos::Center, VPos::Top),
    ))?;
    Ok(root.split_vertically(TITLE_H).1)
}

/// Text on a white box, for labels that may sit on lines or markers.
pub(crate) fn boxed_text<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
    size: f64,
    color: RGBColor,
    anchor: Anchor,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    text_box(root, text, at, size, anchor)?;
    root.draw(&Text::new(
        text.to_string(),
        at,
        style(size, color, anchor.0, anchor.1),
    ))?;
    Ok(())
}

/// The white box under [`boxed_text`] alone, for text drawn later.
pub(crate) fn text_box<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
    size: f64,
    anchor: Anchor,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    // plotters lays text out in a box `size / 1.24` high.
    let (w, h) = (text_width(text, size) as i32, (size / 1.24) as i32);
    let x0 = match anchor.0 {
        HPos::Left => at.0,
        HPos::Center => at.0 - w / 2,
        HPos::Right => at.0 - w,
    };
    let y0 = match anchor.1 {
        VPos::Top => at.1,
        VPos::Center => at.1 - h / 2,
        VPos::Bottom => at.1 - h,
    };
    let rect = [(x0 - 3, y0 - 5), (x0 + w + 3, y0 + h + 5)];
    root.draw(&Rectangle::new(rect, WHITE.filled()))?;
    Ok(())
}

/// An axis description cut to the plot's width.
pub(crate) fn desc(text: &str, area_width: u32, y_label_area: u32) -> String {
    fit(
        text,
        DESC_SIZE,
        area_width.saturating_sub(y_label_area + 3 * MARGIN),
    )
}

/// The whole chart when there is nothing to draw: the title and «нет данных».
pub(crate) fn no_data<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title_text: &str,
) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    let rest = title(root, title_text)?;
    let (w, h) = rest.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let m = MARGIN as i32;
    rest.draw(&Rectangle::new(
        [(m, 0), (w - m, h - m)],
        GRID.stroke_width(2),
    ))?;
    let style = style(DESC_SIZE * 1.2, MUTED, HPos::Center, VPos::Center);
    rest.draw(&Text::new("нет данных", (w / 2, (h - m) / 2), style))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_with_ellipsis_to_fit() {
        let name = "Муниципальное бюджетное общеобразовательное учреждение «Средняя школа № 5»";
        let cut = fit(name, TICK_SIZE, 300);
        assert!(cut.ends_with('…'), "{cut}");
        assert!(text_width(&cut, TICK_SIZE) <= 300);
        assert!(name.starts_with(cut.trim_end_matches('…')));
        assert_eq!(fit("Регион", TICK_SIZE, 300), "Регион");
        assert_eq!(fit(name, TICK_SIZE, 0), "…");
    }

    #[test]
    fn bundled_font_covers_the_report_alphabet() {
        use ab_glyph::Font;
        let font = ab_glyph::FontRef::try_from_slice(FONT_TTF).expect("font parses");
        // Russian, the letters of Tatar, Bashkir, Chuvash, Yakut… school names, and
        // the typography the charts print.
        let needed = "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя\
                      ӘәӨөҮүҢңҺһҖҗҠҡҒғҘҙҪҫӐӑӖӗҪҫӲӳҤҥ№«»…−·–—";
        let missing: String = needed
            .chars()
            .filter(|&c| font.glyph_id(c).0 == 0)
            .collect();
        assert!(missing.is_empty(), "no glyph for {missing}");
    }

    #[test]
    fn cyrillic_has_real_glyph_widths() {
        // A missing glyph would measure as the .notdef box for every letter alike.
        assert!(text_width("Ш", TICK_SIZE) > text_width("г", TICK_SIZE));
        assert!(text_width("Первичный балл", TICK_SIZE) > 100);
    }
}
