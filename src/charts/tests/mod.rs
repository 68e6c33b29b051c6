//! Chart tests: every chart renders to SVG and PNG, carries its Russian labels, is
//! deterministic, and survives edge cases. Helpers read the SVG's `<text>` and
//! `<polyline>` elements and the PNG's header.

mod edge;
mod edge_values;
mod fixtures;
mod render;

/// One `<text>` element of an SVG: position, `text-anchor` and content.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SvgText {
    pub x: i32,
    pub y: i32,
    pub anchor: String,
    pub text: String,
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// All `<text>` elements, in document order.
pub(super) fn texts(svg: &str) -> Vec<SvgText> {
    svg.split("<text ")
        .skip(1)
        .filter_map(|part| {
            let (tag, rest) = part.split_once('>')?;
            let tag = &format!(" {tag}");
            let (content, _) = rest.split_once("</text>")?;
            Some(SvgText {
                x: attr(tag, "x")?.parse().ok()?,
                y: attr(tag, "y")?.parse().ok()?,
                anchor: attr(tag, "text-anchor")?.to_string(),
                text: content.trim().to_string(),
            })
        })
        .collect()
}

/// Whether some `<text>` element reads exactly `text` (SVG-escaped).
pub(super) fn has_text(svg: &str, text: &str) -> bool {
    texts(svg).iter().any(|t| t.text == text)
}

/// The points of every `<polyline>` drawn with `stroke` and `width`.
pub(super) fn polylines(svg: &str, stroke: &str, width: u32) -> Vec<Vec<(i32, i32)>> {
    svg.split("<polyline ")
        .skip(1)
        .filter_map(|part| {
            let tag = &format!(" {}", part.split_once("/>")?.0);
            let ok =
                attr(tag, "stroke")? == stroke && attr(tag, "stroke-width")? == width.to_string();
            ok.then(|| {
                attr(tag, "points")
                    .unwrap_or("")
                    .split_whitespace()
                    .filter_map(|p| {
                        let (x, y) = p.split_once(',')?;
                        Some((x.parse().ok()?, y.parse().ok()?))
                    })
                    .collect()
            })
        })
        .collect()
}

/// Checks the PNG signature and IHDR size, then decodes it; returns the RGB pixels.
pub(super) fn check_png(png: &[u8], (w, h): (u32, u32)) -> Vec<u8> {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&png[12..16], b"IHDR");
    assert_eq!(
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        w,
        "IHDR width"
    );
    assert_eq!(
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
        h,
        "IHDR height"
    );
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("buffer size")];
    let info = reader.next_frame(&mut buf).expect("PNG data");
    assert_eq!((info.width, info.height), (w, h));
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    buf
}

/// Share of pixels that are not white: something was drawn, and not only a fill.
pub(super) fn inked(rgb: &[u8]) -> f64 {
    let px = rgb
        .chunks_exact(3)
        .filter(|p| p != &[255, 255, 255])
        .count();
    px as f64 / (rgb.len() / 3) as f64
}
