//! report.html: the document's blocks as HTML with print styles (A4, tables
//! that break between rows, sections that start on a new page); escaping and
//! the Russian number formats shared by every output a person reads.

use std::fmt::Write;

use super::doc::{Block, Page, Tone};

/// Escapes text for HTML content and attribute values; the space before
/// «%» becomes a no-break space, so that a line never starts with the sign.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            ' ' if chars.peek() == Some(&'%') => out.push('\u{a0}'),
            c => out.push(c),
        }
    }
    out
}

/// A number with a decimal comma: `num(0.126, 2)` → `0,13`.
pub fn num(x: f64, places: usize) -> String {
    // Changed in place: the notes of every cell and sign are written with it.
    let mut s = format!("{x:.places$}");
    if let Some(at) = s.find('.') {
        s.replace_range(at..=at, ",");
    }
    // A small negative number rounded to zero is zero, not «-0,0».
    if s.starts_with('-') && s.bytes().skip(1).all(|c| c == b'0' || c == b',') {
        s.remove(0);
    }
    s
}

/// [`num`] with a true minus sign: `minus(-1.5, 1)` → `−1,5`, `minus(-0.04, 1)`
/// → `0,0`.
pub fn minus(x: f64, places: usize) -> String {
    let s = num(x, places);
    match s.strip_prefix('-') {
        Some(rest) => format!("−{rest}"),
        None => s,
    }
}

/// A share as a percentage with a decimal comma: 0.314 → `31,4 %`.
pub fn pct(x: f64) -> String {
    format!("{} %", num(x * 100.0, 1))
}

/// The form of a Russian noun after the number `n`: `plural(4, ["работа",
/// "работы", "работ"])` → «работы» (1, 21 — the first; 2–4, 22–24 — the
/// second; 0, 5–20, 25–30 — the third).
pub fn plural(n: u64, forms: [&str; 3]) -> &str {
    match (n % 10, n % 100) {
        (_, 11..=14) => forms[2],
        (1, _) => forms[0],
        (2..=4, _) => forms[1],
        _ => forms[2],
    }
}

/// A signed number with a decimal comma and a true minus: `signed(0.37, 2)` → `+0,37`.
pub fn signed(x: f64, places: usize) -> String {
    let s = num(x.abs(), places);
    if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("−{s}")
    } else if x > 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        format!("+{s}")
    } else {
        s
    }
}

/// Thousands separated by a thin space: 483207 → `483 207`.
pub fn int(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('\u{202F}');
        }
        out.push(c);
    }
    out
}

fn row_cells(out: &mut String, cells: &[String], numeric: &[bool]) {
    for (i, v) in cells.iter().enumerate() {
        let class = if numeric.get(i).copied().unwrap_or(false) {
            " class=\"n\""
        } else {
            ""
        };
        let _ = write!(out, "<td{class}>{}</td>", esc(v));
    }
}

fn header(out: &mut String, class: &str, headers: &[String]) {
    let _ = write!(out, "<table{class}>\n<thead><tr>");
    for h in headers {
        let _ = write!(out, "<th>{}</th>", esc(h));
    }
    out.push_str("</tr></thead>\n");
}

/// One block as HTML; `figures[i]` is the HTML of figure `i`.
fn block(out: &mut String, b: &Block, contents: &[(&str, &str)], figures: &[String]) {
    match b {
        Block::Title(t) => {
            let _ = writeln!(out, "<h1>{}</h1>", esc(t));
        }
        Block::Section { id, text, new_page } => {
            let class = if *new_page { " class=\"page\"" } else { "" };
            let _ = writeln!(out, "<h2 id=\"{}\"{class}>{}</h2>", esc(id), esc(text));
        }
        Block::Subsection { id, text, new_page } => {
            let class = if *new_page { " class=\"page\"" } else { "" };
            let _ = writeln!(out, "<h3 id=\"{}\"{class}>{}</h3>", esc(id), esc(text));
        }
        Block::Paragraph { tone, text } => {
            let class = match tone {
                Tone::Plain => "",
                Tone::Note => " class=\"note\"",
                Tone::Small => " class=\"small\"",
            };
            let _ = writeln!(out, "<p{class}>{}</p>", esc(text));
        }
        Block::List(items) => {
            out.push_str("<ul>\n");
            for i in items {
                let _ = writeln!(out, "<li>{}</li>", esc(i));
            }
            out.push_str("</ul>\n");
        }
        Block::Figures(rows) => {
            out.push_str("<table class=\"figures\">\n");
            for (k, v) in rows {
                let _ = writeln!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
            }
            out.push_str("</table>\n");
        }
        Block::Table {
            headers,
            numeric,
            rows,
        } => {
            header(out, "", headers);
            out.push_str("<tbody>\n");
            for r in rows {
                out.push_str("<tr>");
                row_cells(out, r, numeric);
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody>\n</table>\n");
        }
        Block::Listed {
            headers,
            numeric,
            rows,
        } => {
            header(out, " class=\"listed\"", headers);
            for (cells, items) in rows {
                out.push_str("<tbody class=\"entry\"><tr>");
                row_cells(out, cells, numeric);
                let _ = write!(
                    out,
                    "</tr>\n<tr><td class=\"items\" colspan=\"{}\"><ul>",
                    headers.len()
                );
                for i in items {
                    let _ = write!(out, "<li>{}</li>", esc(i));
                }
                out.push_str("</ul></td></tr></tbody>\n");
            }
            out.push_str("</table>\n");
        }
        Block::Figure(i) => {
            if let Some(f) = figures.get(*i) {
                out.push_str(f);
            }
        }
        Block::Contents => {
            out.push_str("<nav><ul>");
            for (id, text) in contents {
                let _ = write!(out, "<li><a href=\"#{}\">{}</a></li>", esc(id), esc(text));
            }
            out.push_str("</ul></nav>\n");
        }
    }
}

/// The whole HTML document; `font_face` is an `@font-face` rule (may be
/// empty); `figures[i]` is the HTML of figure `i`.
pub fn render(page: &Page, title: &str, font_face: &str, figures: &[String]) -> String {
    let contents = page.sections();
    let mut body =
        String::with_capacity(figures.iter().map(String::len).sum::<usize>() + (1 << 16));
    for b in &page.blocks {
        block(&mut body, b, &contents, figures);
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{}</title>\n<style>\n{font_face}\n{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

/// A figure: inline SVG (trusted, made by the chart module) and a caption.
pub fn figure(svg: &str, caption: &str) -> String {
    format!(
        "<figure>{svg}<figcaption>{}</figcaption></figure>\n",
        esc(caption)
    )
}

const STYLE: &str = r#"
@page { size: A4; margin: 15mm 12mm 15mm 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10.5pt;
  line-height: 1.4; color: #111; max-width: 190mm; margin: 0 auto; padding: 8mm 0; }
h1 { font-size: 17pt; margin: 0 0 4mm; }
h2 { font-size: 13.5pt; margin: 8mm 0 3mm; border-bottom: 1px solid #888; padding-bottom: 1mm; }
h3 { font-size: 11.5pt; margin: 6mm 0 2mm; break-after: avoid; }
p.note { background: #f2f2f2; border-left: 3px solid #666; padding: 2mm 3mm; }
p.small { font-size: 9pt; color: #333; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 2mm 0 4mm; }
th, td { border: 1px solid #999; padding: 1mm 1.5mm; vertical-align: top; text-align: left; }
thead th { background: #e6e6e6; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.n { text-align: right; white-space: nowrap; }
table.figures { width: auto; }
table.figures th { background: none; font-weight: normal; }
figure { margin: 3mm 0; break-inside: avoid; }
figure svg, figure img { max-width: 100%; height: auto; max-height: 118mm; display: block; margin: 0 auto; }
tbody.entry { break-inside: avoid; }
td.items { font-size: 8.5pt; background: #fafafa; }
td.items ul { margin: 0; padding-left: 5mm; }
figcaption { font-size: 9pt; color: #333; }
nav ul { columns: 2; }
@media print {
  h2.page, h3.page { break-before: page; }
  a { color: inherit; text-decoration: none; }
  nav { display: none; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_numbers() {
        assert_eq!(
            esc("<b>\"МБОУ\" & 'СОШ'</b>"),
            "&lt;b&gt;&quot;МБОУ&quot; &amp; &#39;СОШ&#39;&lt;/b&gt;"
        );
        assert_eq!(num(0.126, 2), "0,13");
        assert_eq!(num(-0.0004, 1), "0,0");
        assert_eq!(num(-0.0, 1), "0,0");
        assert_eq!(num(-0.06, 1), "-0,1");
        assert_eq!(num(-12.4, 1), "-12,4");
        assert_eq!(pct(0.314), "31,4 %");
        assert_eq!(int(483207), "483\u{202F}207");
        assert_eq!(int(12), "12");
        let w = ["работа", "работы", "работ"];
        let forms: Vec<&str> = [1, 2, 4, 5, 11, 12, 14, 21, 22, 25, 101, 111, 0]
            .iter()
            .map(|&n| plural(n, w))
            .collect();
        assert_eq!(
            forms,
            [
                "работа",
                "работы",
                "работы",
                "работ",
                "работ",
                "работ",
                "работ",
                "работа",
                "работы",
                "работ",
                "работа",
                "работ",
                "работ"
            ]
        );
        assert_eq!(signed(0.374, 2), "+0,37");
        assert_eq!(signed(-1.5, 1), "−1,5");
        assert_eq!(signed(-0.001, 2), "0,00");
        assert_eq!(int(1000), "1\u{202F}000");
    }
}
