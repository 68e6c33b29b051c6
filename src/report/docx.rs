//! spravka.docx: the same document as report.html, as an editable Word file
//! (docx-rs): A4 portrait with the margins of Russian office papers (30 mm
//! left, 15 mm right, 20 mm top and bottom), Times New Roman 12 pt, the page
//! number in the footer, and named paragraph styles — «Заголовок», «Заголовок 1»,
//! «Заголовок 2», «Пояснение», «Мелкий текст», «Подпись рисунка», «Текст
//! таблицы» — so an office restyles the whole document by editing a style.
//! Charts are placed as the PNG images of `charts/`, scaled to the text width.
//!
//! Deterministic: paragraph and image ids are numbered here in document
//! order (docx-rs would draw them from process-wide counters), and the zip
//! entries carry docx-rs's fixed timestamps.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, Docx, Footer, PageMargin, PageNum, Paragraph, Pic, Run, RunFonts, Shading,
    SpecialIndentType, Style, StyleType, Table, TableCell, TableLayoutType, TableRow, WidthType,
};

use super::doc::{Block, Page, Tone};
use super::sections::Rendered;

/// A4 in twentieths of a point.
const PAGE_W: u32 = 11_906;
const PAGE_H: u32 = 16_838;
const MARGIN_LEFT: i32 = 1_701;
const MARGIN_RIGHT: i32 = 850;
const MARGIN_TB: i32 = 1_134;
/// The text width in twips and in EMU (1 twip = 635 EMU).
const TEXT_W: u32 = PAGE_W - (MARGIN_LEFT + MARGIN_RIGHT) as u32;
const TEXT_W_EMU: u64 = TEXT_W as u64 * 635;
/// The tallest a chart may be: 12 cm.
const FIG_MAX_H_EMU: u64 = 4_320_000;

const FONT: &str = "Times New Roman";

/// Numbers paragraphs and images in document order.
#[derive(Default)]
struct Ids {
    paragraph: u32,
    image: u32,
}

impl Ids {
    fn p(&mut self) -> Paragraph {
        self.paragraph += 1;
        // w14:paraId must stay below 0x80000000.
        Paragraph::new().id(format!("{:08X}", self.paragraph))
    }

    fn text(&mut self, style: &str, text: &str) -> Paragraph {
        self.p()
            .style(style)
            .add_run(Run::new().add_text(unbroken(text).into_owned()))
    }
}

fn fonts() -> RunFonts {
    RunFonts::new()
        .ascii(FONT)
        .hi_ansi(FONT)
        .cs(FONT)
        .east_asia(FONT)
}

fn styles(docx: Docx) -> Docx {
    let para = |id: &str, name: &str| {
        Style::new(id, StyleType::Paragraph)
            .name(name)
            .based_on("Normal")
            .q_format(true)
    };
    docx.add_style(
        Style::new("Normal", StyleType::Paragraph)
            .name("Normal")
            .fonts(fonts())
            .size(24)
            .q_format(true),
    )
    .add_style(
        para("Title", "Title")
            .size(32)
            .bold()
            .align(AlignmentType::Center),
    )
    .add_style(para("Heading1", "heading 1").size(28).bold().outline_lvl(0))
    .add_style(para("Heading2", "heading 2").size(24).bold().outline_lvl(1))
    .add_style(para("Note", "Пояснение").italic())
    .add_style(para("Small", "Мелкий текст").size(20))
    .add_style(para("Caption", "caption").size(20).italic())
    .add_style(para("TableText", "Текст таблицы").size(18))
    .add_style(para("TableSmall", "Текст широкой таблицы").size(16))
    .add_style(
        para("TableHead", "Заголовок таблицы")
            .based_on("TableText")
            .size(18),
    )
    .add_style(
        para("TableHeadSmall", "Заголовок широкой таблицы")
            .based_on("TableSmall")
            .size(16),
    )
    .add_style(para("ListItem", "Пункт списка").indent(
        Some(567),
        Some(SpecialIndentType::Hanging(283)),
        None,
        None,
    ))
}

/// A table's column widths (twips) and the paragraph style of its cells.
struct Grid {
    widths: Vec<usize>,
    style: &'static str,
}

/// Column widths: each column at least as wide as its header's longest word
/// and its values' longest word (a word is never broken), the rest of the
/// text width shared in proportion to the columns' longest texts. Where the
/// words do not all fit at 9 pt, the values' long words give way first (up to
/// 16 letters kept, at least 13), then the table is set at 8 pt (down to 8
/// letters kept: a long name may break, a header not); only when even that
/// does not fit is every column narrowed alike.
fn grid(headers: &[String], rows: &[&[String]]) -> Grid {
    // At 9 pt Times New Roman (Liberation Serif measured): about 100 twips a
    // letter, 10 % more in the bold headers; 250 twips of cell margins.
    const LETTER: f64 = 100.0;
    const BOLD: f64 = 1.1;
    const PAD: f64 = 250.0;
    let n = headers.len().max(1);
    let longest_word = |s: &str| {
        (unbroken(s).split(|c: char| c.is_whitespace() && c != NBSP))
            .map(|w| w.chars().count())
            .max()
    };
    // A header's longest word in the letters of the values.
    let mut head: Vec<usize> = (headers.iter())
        .map(|h| (longest_word(h).unwrap_or(0) as f64 * BOLD).ceil() as usize)
        .collect();
    head.resize(n, 0);
    let mut body = vec![0usize; n];
    let mut longest: Vec<usize> = vec![0; n];
    for r in rows {
        for (i, v) in r.iter().enumerate().take(n) {
            longest[i] = longest[i].max(v.chars().count());
            body[i] = body[i].max(longest_word(v).unwrap_or(0));
        }
    }
    let total = f64::from(TEXT_W);
    let word_at = |cap: usize| -> Vec<usize> {
        (head.iter().zip(&body))
            .map(|(&h, &b)| h.max(b.min(cap)).max(2))
            .collect()
    };
    let min_at = |cap: usize, letter: f64| -> Vec<f64> {
        (word_at(cap).iter())
            .map(|&w| PAD + letter * w as f64)
            .collect()
    };
    let fits = |cap: usize, letter: f64| min_at(cap, letter).iter().sum::<f64>() < total;
    let small = LETTER * 8.0 / 9.0;
    let (cap, letter, style) = match (13..=16).rev().find(|&c| fits(c, LETTER)) {
        Some(c) => (c, LETTER, "TableText"),
        None => {
            let c = (8..=16).rev().find(|&c| fits(c, small)).unwrap_or(8);
            (c, small, "TableSmall")
        }
    };
    let word = word_at(cap);
    let min = min_at(cap, letter);
    let floor: f64 = min.iter().sum();
    let widths = if floor >= total {
        min.iter().map(|m| (m * total / floor) as usize).collect()
    } else {
        let extra: Vec<f64> = (longest.iter().zip(&word))
            .map(|(&l, &w)| l.min(60).saturating_sub(w) as f64)
            .collect();
        let extra_sum: f64 = extra.iter().sum::<f64>().max(1.0);
        (min.iter().zip(&extra))
            .map(|(m, e)| (m + (total - floor) * e / extra_sum) as usize)
            .collect()
    };
    Grid { widths, style }
}

/// A no-break space.
const NBSP: char = '\u{a0}';

/// The text with a number and its per cent sign joined by a no-break space,
/// so that a narrow column does not put «%» on a line of its own.
fn unbroken(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(" %") {
        text.replace(" %", "\u{a0}%").into()
    } else {
        text.into()
    }
}

fn cell(
    ids: &mut Ids,
    style: &str,
    text: &str,
    (right, head): (bool, bool),
    width: usize,
) -> TableCell {
    let mut run = Run::new().add_text(unbroken(text).into_owned());
    if head {
        run = run.bold();
    }
    let style = match (head, style) {
        (true, "TableText") => "TableHead",
        (true, "TableSmall") => "TableHeadSmall",
        (_, other) => other,
    };
    let mut p = ids.p().style(style).add_run(run);
    if right {
        p = p.align(AlignmentType::Right);
    }
    let c = (TableCell::new().add_paragraph(p)).width(width, WidthType::Dxa);
    if head {
        c.shading(Shading::new().fill(HEAD_FILL))
    } else {
        c
    }
}

/// What docx-rs 0.4 writes and cannot be told otherwise, set right as the
/// archive is compressed: the tables' header rows ([`repeat_headers`]); the
/// text's language, Russian (else Word spell-checks it in its own); the
/// author «obektiv» (not «unknown»), and no dates (docx-rs writes 1970-01-01;
/// a run's date would make the file differ from run to run).
fn patch_of(name: &str) -> Option<fn(&str) -> String> {
    match name {
        "word/document.xml" => Some(repeat_headers),
        "word/styles.xml" => Some(|xml: &str| {
            let xml = xml.replacen(
                "<w:rPrDefault><w:rPr />",
                "<w:rPrDefault><w:rPr><w:lang w:val=\"ru-RU\" /></w:rPr>",
                1,
            );
            // Words are hyphenated in the tables' cells only (see
            // `word/settings.xml`): the body text and the tables' headers
            // (whose columns are as wide as their longest word) keep whole
            // words.
            let off = "<w:suppressAutoHyphens />";
            let on = "<w:suppressAutoHyphens w:val=\"0\" />";
            let mut xml = with_paragraph_property(&xml, "Normal", off);
            for (id, property) in [
                ("TableText", on),
                ("TableSmall", on),
                ("TableHead", off),
                ("TableHeadSmall", off),
            ] {
                xml = with_paragraph_property(&xml, id, property);
            }
            xml
        }),
        // Automatic hyphenation by the text's language (Russian), so that a
        // long word in a narrow column («Верхненадеждинский») breaks at a
        // syllable with a hyphen instead of wherever the column ends; the
        // settings' elements in the order of the schema (ECMA-376 §17.15.1.78:
        // zoom, defaultTabStop, autoHyphenation), docx-rs writes the first two
        // the other way round.
        "word/settings.xml" => Some(|xml: &str| {
            let tab = "<w:defaultTabStop w:val=\"840\" />";
            let zoom = "<w:zoom w:percent=\"100\" />";
            xml.replacen(
                &format!("{tab}{zoom}"),
                &format!("{zoom}{tab}<w:autoHyphenation w:val=\"true\" />"),
                1,
            )
        }),
        "docProps/core.xml" => Some(|xml: &str| {
            let mut xml = xml
                .replace(
                    "<dc:creator>unknown</dc:creator>",
                    "<dc:creator>obektiv</dc:creator>",
                )
                .replace(
                    "<cp:lastModifiedBy>unknown</cp:lastModifiedBy>",
                    "<cp:lastModifiedBy>obektiv</cp:lastModifiedBy>",
                );
            for tag in ["dcterms:created", "dcterms:modified"] {
                if let (Some(a), Some(b)) =
                    (xml.find(&format!("<{tag}")), xml.find(&format!("</{tag}>")))
                {
                    xml.replace_range(a..b + tag.len() + 3, "");
                }
            }
            xml.replacen(
                "</cp:coreProperties>",
                "<dc:language>ru-RU</dc:language></cp:coreProperties>",
                1,
            )
        }),
        _ => None,
    }
}

/// `styles.xml` with `property` first in the paragraph properties of every
/// definition of the style `id` (docx-rs writes a «Normal» of its own before
/// ours; a style's `<w:pPr>` follows its `<w:rPr>`).
fn with_paragraph_property(xml: &str, id: &str, property: &str) -> String {
    let start = format!("w:styleId=\"{id}\">");
    let mut out = String::with_capacity(xml.len() + property.len() * 2);
    let mut rest = xml;
    while let Some(at) = rest.find(&start) {
        let end = rest[at..].find("</w:style>").map_or(rest.len(), |e| at + e);
        let cut = match rest[at..end].find("<w:pPr>") {
            Some(p) => at + p + "<w:pPr>".len(),
            None => end,
        };
        out.push_str(&rest[..cut]);
        if cut < end {
            out.push_str(property);
        }
        rest = &rest[cut..];
    }
    out.push_str(rest);
    out
}

/// The shading of a header cell; [`repeat_headers`] finds header rows by it.
const HEAD_FILL: &str = "E6E6E6";

/// `document.xml` with every table's header row marked to repeat at the top
/// of each page the table runs onto (`<w:tblHeader/>`, ECMA-376 §17.4.49),
/// which docx-rs 0.4 cannot write: a table's first row, when its cells carry
/// the header shading.
fn repeat_headers(xml: &str) -> String {
    let shaded = format!("w:fill=\"{HEAD_FILL}\"");
    let mut out = String::with_capacity(xml.len() + 4096);
    let mut rest = xml;
    while let Some(at) = rest.find("<w:tbl>") {
        let (before, table) = rest.split_at(at);
        out.push_str(before);
        let end = table
            .find("</w:tr>")
            .map_or(table.len(), |e| e + "</w:tr>".len());
        let row = &table[..end];
        match row.find("<w:trPr>") {
            Some(pr) if row.contains(&shaded) => {
                let pr = pr + "<w:trPr>".len();
                out.push_str(&row[..pr]);
                out.push_str("<w:tblHeader />");
                out.push_str(&row[pr..]);
            }
            _ => out.push_str(row),
        }
        rest = &table[end..];
    }
    out.push_str(rest);
    out
}

fn header_row(ids: &mut Ids, headers: &[String], g: &Grid) -> TableRow {
    let cells = (headers.iter().zip(&g.widths))
        .map(|(h, &w)| cell(ids, g.style, h, (false, true), w))
        .collect();
    TableRow::new(cells).cant_split()
}

fn body_row(ids: &mut Ids, cells: &[String], numeric: &[bool], g: &Grid) -> TableRow {
    let cells = (cells.iter().zip(&g.widths).enumerate())
        .map(|(i, (v, &w))| {
            let right = numeric.get(i).copied().unwrap_or(false);
            cell(ids, g.style, v, (right, false), w)
        })
        .collect();
    TableRow::new(cells).cant_split()
}

fn table(rows: Vec<TableRow>, grid: Vec<usize>) -> Table {
    Table::new(rows)
        .set_grid(grid)
        .layout(TableLayoutType::Fixed)
        .width(TEXT_W as usize, WidthType::Dxa)
}

/// Width and height of a PNG from its header, if it is one.
fn png_size(png: &[u8]) -> Option<(u32, u32)> {
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (png.len() >= 24 && png.starts_with(b"\x89PNG") && &png[12..16] == b"IHDR")
        .then(|| (be(&png[16..20]), be(&png[20..24])))
        .filter(|&(w, h)| w > 0 && h > 0)
}

fn figure(docx: Docx, ids: &mut Ids, f: &Rendered) -> Docx {
    let image = f
        .chart
        .as_ref()
        .ok()
        .and_then(|c| png_size(&c.png).map(|s| (c, s)));
    let docx = match image {
        Some((chart, (w, h))) => {
            let mut width = TEXT_W_EMU;
            let mut height = width * u64::from(h) / u64::from(w);
            if height > FIG_MAX_H_EMU {
                width = width * FIG_MAX_H_EMU / height;
                height = FIG_MAX_H_EMU;
            }
            ids.image += 1;
            let pic = Pic::new_with_dimensions(chart.png.clone(), w, h)
                .id(format!("rIdImage{}", ids.image))
                .size(width as u32, height as u32);
            docx.add_paragraph(
                ids.p()
                    .align(AlignmentType::Center)
                    .keep_next(true)
                    .add_run(Run::new().add_image(pic)),
            )
        }
        None => docx,
    };
    let caption = match &f.chart {
        Ok(_) => f.caption.clone(),
        Err(e) => format!("график не построен: {e}"),
    };
    docx.add_paragraph(ids.text("Caption", &caption))
}

fn block(docx: Docx, ids: &mut Ids, b: &Block, page: &Page, figures: &[Rendered]) -> Docx {
    match b {
        Block::Title(t) => docx.add_paragraph(ids.text("Title", t)),
        Block::Section { text, new_page, .. } => docx.add_paragraph(
            ids.text("Heading1", text)
                .keep_next(true)
                .page_break_before(*new_page),
        ),
        Block::Subsection { text, new_page, .. } => docx.add_paragraph(
            ids.text("Heading2", text)
                .keep_next(true)
                .page_break_before(*new_page),
        ),
        Block::Paragraph { tone, text } => {
            let style = match tone {
                Tone::Plain => "Normal",
                Tone::Note => "Note",
                Tone::Small => "Small",
            };
            docx.add_paragraph(ids.text(style, text))
        }
        Block::List(items) => items.iter().fold(docx, |d, i| {
            d.add_paragraph(ids.text("ListItem", &format!("–\u{00A0}{i}")))
        }),
        Block::Figures(rows) => {
            let w = TEXT_W as usize;
            let g = Grid {
                widths: vec![w * 3 / 5, w - w * 3 / 5],
                style: "TableText",
            };
            let body: Vec<TableRow> = (rows.iter())
                .map(|(k, v)| body_row(ids, &[k.clone(), v.clone()], &[false, false], &g))
                .collect();
            docx.add_table(table(body, g.widths))
        }
        Block::Table {
            headers,
            numeric,
            rows,
        } => {
            let g = grid(headers, &rows.iter().map(Vec::as_slice).collect::<Vec<_>>());
            let mut body = vec![header_row(ids, headers, &g)];
            body.extend(rows.iter().map(|r| body_row(ids, r, numeric, &g)));
            docx.add_table(table(body, g.widths))
        }
        Block::Listed {
            headers,
            numeric,
            rows,
        } => {
            let g = grid(
                headers,
                &rows.iter().map(|(c, _)| c.as_slice()).collect::<Vec<_>>(),
            );
            let mut body = vec![header_row(ids, headers, &g)];
            for (cells, items) in rows {
                body.push(body_row(ids, cells, numeric, &g));
                let mut c = (TableCell::new().grid_span(headers.len()))
                    .width(TEXT_W as usize, WidthType::Dxa);
                for i in items {
                    c = c.add_paragraph(ids.text(g.style, &format!("–\u{00A0}{i}")));
                }
                if items.is_empty() {
                    c = c.add_paragraph(ids.p());
                }
                body.push(TableRow::new(vec![c]));
            }
            docx.add_table(table(body, g.widths))
        }
        Block::Figure(i) => match figures.get(*i) {
            Some(f) => figure(docx, ids, f),
            None => docx,
        },
        Block::Contents => {
            let docx = docx.add_paragraph(ids.text("Heading2", "Содержание"));
            page.sections().into_iter().fold(docx, |d, (_, text)| {
                d.add_paragraph(ids.text("ListItem", text))
            })
        }
    }
}

/// The document as the bytes of a .docx file.
pub fn render(page: &Page, figures: &[Rendered]) -> Result<Vec<u8>, String> {
    let mut ids = Ids::default();
    let footer = Footer::new().add_paragraph(
        ids.p()
            .align(AlignmentType::Center)
            .add_page_num(PageNum::new()),
    );
    let mut docx = styles(Docx::new())
        .page_size(PAGE_W, PAGE_H)
        .page_margin(
            PageMargin::new()
                .top(MARGIN_TB)
                .bottom(MARGIN_TB)
                .left(MARGIN_LEFT)
                .right(MARGIN_RIGHT),
        )
        .footer(footer);
    for b in &page.blocks {
        docx = block(docx, &mut ids, b, page, figures);
    }
    let mut out = Cursor::new(Vec::new());
    docx.build().pack(&mut out).map_err(|e| e.to_string())?;
    deflated(&out.into_inner()).map_err(|e| e.to_string())
}

/// The same archive with its entries compressed (and the tables' header
/// rows set to repeat, [`repeat_headers`]): docx-rs stores them as
/// they are (a regional справка's document.xml is tens of MB, and mostly
/// repeated markup). Entries keep their order, names and fixed dates, so the
/// bytes stay reproducible.
fn deflated(stored: &[u8]) -> zip::result::ZipResult<Vec<u8>> {
    use zip::write::SimpleFileOptions;
    let mut archive = zip::ZipArchive::new(Cursor::new(stored))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let name = entry.name()?.into_owned();
        if entry.is_dir() {
            out.add_directory(name, SimpleFileOptions::default())?;
        } else if let Some(patch) = patch_of(&name) {
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut entry, &mut xml)?;
            out.start_file(name, options)?;
            std::io::Write::write_all(&mut out, patch(&xml).as_bytes())?;
        } else {
            out.start_file(name, options)?;
            std::io::copy(&mut entry, &mut out)?;
        }
    }
    Ok(out.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_properties_name_obektiv_and_russian_without_dates() {
        // As docx-rs 0.4.22 writes them.
        let core = "<cp:coreProperties><dcterms:created xsi:type=\"dcterms:W3CDTF\">1970-01-01T00:00:00Z\
                    </dcterms:created><dc:creator>unknown</dc:creator><cp:lastModifiedBy>unknown\
                    </cp:lastModifiedBy><dcterms:modified xsi:type=\"dcterms:W3CDTF\">1970-01-01T00:00:00Z\
                    </dcterms:modified><cp:revision>1</cp:revision></cp:coreProperties>";
        let done = patch_of("docProps/core.xml").unwrap()(core);
        assert!(
            !done.contains("1970") && !done.contains("unknown"),
            "{done}"
        );
        assert!(done.contains("<dc:creator>obektiv</dc:creator>"));
        assert!(done.ends_with("<dc:language>ru-RU</dc:language></cp:coreProperties>"));
        let styles = patch_of("word/styles.xml").unwrap()("<w:rPrDefault><w:rPr /></w:rPrDefault>");
        assert_eq!(
            styles,
            "<w:rPrDefault><w:rPr><w:lang w:val=\"ru-RU\" /></w:rPr></w:rPrDefault>"
        );
        assert!(patch_of("word/numbering.xml").is_none());
    }

    #[test]
    fn table_text_is_hyphenated_and_the_body_text_is_not() {
        // As docx-rs 0.4.22 writes the settings and two of the styles.
        let settings = "<w:settings><w:defaultTabStop w:val=\"840\" /><w:zoom w:percent=\"100\" />\
                        <w:compat /></w:settings>";
        assert_eq!(
            patch_of("word/settings.xml").unwrap()(settings),
            "<w:settings><w:zoom w:percent=\"100\" /><w:defaultTabStop w:val=\"840\" />\
             <w:autoHyphenation w:val=\"true\" /><w:compat /></w:settings>"
        );
        let style = |id: &str| {
            format!(
                "<w:style w:type=\"paragraph\" w:styleId=\"{id}\"><w:name w:val=\"{id}\" />\
                 <w:rPr /><w:pPr><w:rPr /></w:pPr></w:style>"
            )
        };
        // docx-rs's own «Normal», ours, a heading, a table's text and header.
        let styles = format!(
            "<w:rPrDefault><w:rPr /></w:rPrDefault>{}{}{}{}{}",
            style("Normal"),
            style("Normal"),
            style("Heading1"),
            style("TableText"),
            style("TableHead")
        );
        let done = patch_of("word/styles.xml").unwrap()(&styles);
        let pprs: Vec<&str> = done.split("<w:pPr>").skip(1).collect();
        let off = "<w:suppressAutoHyphens /><w:rPr />";
        assert!(pprs[0].starts_with(off), "{done}");
        assert!(pprs[1].starts_with(off), "{done}");
        assert!(pprs[2].starts_with("<w:rPr />"), "{done}");
        assert!(
            pprs[3].starts_with("<w:suppressAutoHyphens w:val=\"0\" /><w:rPr />"),
            "{done}"
        );
        assert!(pprs[4].starts_with(off), "{done}");
        assert_eq!(pprs.len(), 5);
    }

    #[test]
    fn header_rows_repeat_on_every_page() {
        // A table with a shaded header row, a table of figures without one.
        let head = format!(
            "<w:tbl><w:tblPr /><w:tr><w:trPr><w:cantSplit /></w:trPr><w:tc><w:shd w:fill=\"{HEAD_FILL}\" />\
             </w:tc></w:tr><w:tr><w:trPr><w:cantSplit /></w:trPr><w:tc /></w:tr></w:tbl>"
        );
        let plain = "<w:tbl><w:tr><w:trPr><w:cantSplit /></w:trPr><w:tc /></w:tr></w:tbl>";
        let xml = format!("<w:body>{head}<w:p />{plain}</w:body>");
        let done = repeat_headers(&xml);
        assert_eq!(done.matches("<w:tblHeader />").count(), 1);
        assert_eq!(done.replace("<w:tblHeader />", ""), xml);
        let first = done.find("<w:tblHeader />").unwrap();
        assert!(first < done.find("</w:tr>").unwrap(), "in the first row");
    }

    #[test]
    fn a_share_keeps_its_per_cent_sign() {
        // «33,9 %» is one word of 6 letters for the widths and one
        // unbreakable run in the cell; other spaces still break.
        assert_eq!(unbroken("33,9 % и 5 %"), "33,9\u{a0}% и 5\u{a0}%");
        assert_eq!(unbroken("без процентов"), "без процентов");
        let g = |v: &str| grid(&["Доля".to_owned()], &[&[v.to_owned()]]).widths[0];
        assert!(g("33,9 %") > g("33,9"), "the sign is part of the word");
    }

    #[test]
    fn the_archive_is_compressed_and_reads_back_the_same() {
        use std::io::{Read, Write};
        let text = "<w:p>абв</w:p>".repeat(2000);
        let mut stored = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let plain = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        stored.add_directory("word/", plain).unwrap();
        stored.start_file("word/document.xml", plain).unwrap();
        stored.write_all(text.as_bytes()).unwrap();
        let stored = stored.finish().unwrap().into_inner();
        let packed = deflated(&stored).unwrap();
        assert!(
            packed.len() * 10 < stored.len(),
            "{} of {}",
            packed.len(),
            stored.len()
        );
        assert_eq!(deflated(&stored).unwrap(), packed, "reproducible");
        let mut archive = zip::ZipArchive::new(Cursor::new(packed)).unwrap();
        let names: Vec<String> = (archive.file_names())
            .map(|n| n.unwrap().into_owned())
            .collect();
        assert_eq!(names, ["word/", "word/document.xml"]);
        let mut back = String::new();
        archive
            .by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
    }

    #[test]
    fn png_size_reads_the_header() {
        // The first 24 bytes of a 3 × 2 PNG: signature, IHDR length, "IHDR", width, height.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&3u32.to_be_bytes());
        png.extend_from_slice(&2u32.to_be_bytes());
        assert_eq!(png_size(&png), Some((3, 2)));
        assert_eq!(png_size(b"GIF89a"), None);
    }

    #[test]
    fn column_widths_fill_the_text_width() {
        let h = vec!["№".to_owned(), "ОО".to_owned()];
        let r = vec!["1".to_owned(), "МБОУ \"СОШ № 1\"".to_owned()];
        let Grid { widths: g, style } = grid(&h, &[r.as_slice()]);
        assert_eq!(style, "TableText");
        let sum: usize = g.iter().sum();
        assert!((sum as i64 - i64::from(TEXT_W)).abs() <= 2, "{g:?}");
        // «МБОУ "СОШ № 1"»: its longest word, «"СОШ», fits: 250 + 4 · 100.
        assert!(g[1] >= 650);
        assert!(g[1] > g[0]);
    }

    #[test]
    fn long_values_give_way_before_headers() {
        // The sample table of the справка, worked by hand. Header words in
        // value letters (× 1.1, rounded up): 7, 2, 6, 3, 15, 6, 10, 10; values'
        // longest words: 11, 1, 9, 15, 18, 3, 4, 18. At 9 pt the words must sum
        // below (9 355 − 8 · 250) / 100 = 73.55: kept up to 16 letters they sum
        // to 85, up to 13 to 79 — too wide. At 8 pt (88.9 twips a letter) the
        // bound is 82.7: up to 15 letters 83, up to 14 letters 81 — fits.
        let h: Vec<String> = [
            "Группа",
            "№",
            "Логин",
            "ОО",
            "Муниципалитет",
            "Работ",
            "Сила признаков",
            "Основание",
        ]
        .map(str::to_owned)
        .to_vec();
        let r: Vec<String> = [
            "случайная контрольная выборка",
            "1",
            "edu000109",
            "МБОУ \"Раздольненская ООШ\"",
            "Городской округ Верхненадеждинский",
            "240",
            "15,0",
            "результат (стандартизованный результат +0,37)",
        ]
        .map(str::to_owned)
        .to_vec();
        let Grid { widths: g, style } = grid(&h, &[r.as_slice()]);
        assert_eq!(style, "TableSmall");
        let sum: usize = g.iter().sum();
        assert!((sum as i64 - i64::from(TEXT_W)).abs() <= 8, "{g:?}");
        let letter = 800.0 / 9.0;
        for (w, word) in g.iter().zip([7, 2, 6, 3, 15, 6, 10, 10]) {
            // (less than a twip lost to whole twips)
            assert!(*w as f64 + 1.0 >= 250.0 + letter * f64::from(word), "{g:?}");
        }
        // Values' words of 14 letters stay whole: «"Раздольненская» (15) is
        // the one that may break.
        assert!(g[3] as f64 >= 250.0 + letter * 14.0);
        assert!((g[3] as f64) < 250.0 + letter * 15.0 + 200.0, "{g:?}");
    }
}
