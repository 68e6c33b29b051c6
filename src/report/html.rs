//! A small HTML writer: escaping, headings, paragraphs and tables, and the
//! page frame with print styles (A4, tables that break between rows, sections
//! that start on a new page).

use std::fmt::Write;

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number with a decimal comma: `num(0.126, 2)` → `0,13`.
pub fn num(x: f64, places: usize) -> String {
    format!("{x:.places$}").replace('.', ",")
}

/// A share as a percentage with a decimal comma: 0.314 → `31,4 %`.
pub fn pct(x: f64) -> String {
    format!("{} %", num(x * 100.0, 1))
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

/// The page being written.
#[derive(Default)]
pub struct Page {
    body: String,
    /// (byte position in `body`, figure index): figures filled in at the end.
    slots: Vec<(usize, usize)>,
}

impl Page {
    pub fn h1(&mut self, text: &str) {
        let _ = writeln!(self.body, "<h1>{}</h1>", esc(text));
    }

    /// A section heading with an anchor; `new_page` starts it on a new sheet when printed.
    pub fn h2(&mut self, id: &str, text: &str, new_page: bool) {
        let class = if new_page { " class=\"page\"" } else { "" };
        let _ = writeln!(
            self.body,
            "<h2 id=\"{}\"{class}>{}</h2>",
            esc(id),
            esc(text)
        );
    }

    pub fn h3(&mut self, id: &str, text: &str) {
        let _ = writeln!(self.body, "<h3 id=\"{}\">{}</h3>", esc(id), esc(text));
    }

    pub fn p(&mut self, text: &str) {
        let _ = writeln!(self.body, "<p>{}</p>", esc(text));
    }

    /// A paragraph with a CSS class (e.g. `note`).
    pub fn p_class(&mut self, class: &str, text: &str) {
        let _ = writeln!(self.body, "<p class=\"{}\">{}</p>", esc(class), esc(text));
    }

    pub fn list(&mut self, items: &[String]) {
        self.body.push_str("<ul>\n");
        for i in items {
            let _ = writeln!(self.body, "<li>{}</li>", esc(i));
        }
        self.body.push_str("</ul>\n");
    }

    /// Key figures as a two-column table.
    pub fn figures(&mut self, rows: &[(String, String)]) {
        self.body.push_str("<table class=\"figures\">\n");
        for (k, v) in rows {
            let _ = writeln!(self.body, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
        }
        self.body.push_str("</table>\n");
    }

    /// A table; `numeric[i]` right-aligns column i.
    pub fn table(&mut self, headers: &[&str], numeric: &[bool], rows: &[Vec<String>]) {
        self.body.push_str("<table>\n<thead><tr>");
        for h in headers {
            let _ = write!(self.body, "<th>{}</th>", esc(h));
        }
        self.body.push_str("</tr></thead>\n<tbody>\n");
        for r in rows {
            self.body.push_str("<tr>");
            for (i, v) in r.iter().enumerate() {
                let class = if numeric.get(i).copied().unwrap_or(false) {
                    " class=\"n\""
                } else {
                    ""
                };
                let _ = write!(self.body, "<td{class}>{}</td>", esc(v));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</tbody>\n</table>\n");
    }

    /// A table whose rows each carry a list printed under them across the
    /// full width (e.g. the reasons of a listed school).
    pub fn table_with_lists(
        &mut self,
        headers: &[&str],
        numeric: &[bool],
        rows: &[(Vec<String>, Vec<String>)],
    ) {
        self.body.push_str("<table class=\"listed\">\n<thead><tr>");
        for h in headers {
            let _ = write!(self.body, "<th>{}</th>", esc(h));
        }
        self.body.push_str("</tr></thead>\n");
        for (cells, items) in rows {
            self.body.push_str("<tbody class=\"entry\"><tr>");
            for (i, v) in cells.iter().enumerate() {
                let class = if numeric.get(i).copied().unwrap_or(false) {
                    " class=\"n\""
                } else {
                    ""
                };
                let _ = write!(self.body, "<td{class}>{}</td>", esc(v));
            }
            let _ = write!(
                self.body,
                "</tr>\n<tr><td class=\"items\" colspan=\"{}\"><ul>",
                headers.len()
            );
            for i in items {
                let _ = write!(self.body, "<li>{}</li>", esc(i));
            }
            self.body.push_str("</ul></td></tr></tbody>\n");
        }
        self.body.push_str("</table>\n");
    }

    /// Marks where figure `index` goes (filled in by [`Page::finish`]).
    pub fn figure_slot(&mut self, index: usize) {
        self.slots.push((self.body.len(), index));
    }

    /// Raw trusted HTML.
    pub fn raw(&mut self, html: &str) {
        self.body.push_str(html);
    }

    /// The whole document; `font_face` is an `@font-face` rule (may be
    /// empty); `figures[i]` is the HTML of figure `i`.
    pub fn finish(self, title: &str, font_face: &str, figures: &[String]) -> String {
        let mut body =
            String::with_capacity(self.body.len() + figures.iter().map(String::len).sum::<usize>());
        let mut at = 0;
        for (pos, i) in &self.slots {
            body.push_str(&self.body[at..*pos]);
            if let Some(f) = figures.get(*i) {
                body.push_str(f);
            }
            at = *pos;
        }
        body.push_str(&self.body[at..]);
        format!(
            "<!DOCTYPE html>\n<html lang=\"ru\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>{}</title>\n<style>\n{font_face}\n{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
            esc(title)
        )
    }
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
  h2.page { break-before: page; }
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
        assert_eq!(pct(0.314), "31,4 %");
        assert_eq!(int(483207), "483\u{202F}207");
        assert_eq!(int(12), "12");
        assert_eq!(int(1000), "1\u{202F}000");
    }
}
