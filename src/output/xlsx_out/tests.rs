use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};

use super::*;

const REASONS: &str = "Доля отметок «5» по журналу на 40 п.п. выше, чем по работе; \
    первичные баллы сгущаются у границы отметки «3»; так три года подряд.";

fn columns() -> Vec<Column> {
    vec![
        Column::new("school", Kind::Text),
        Column::new("n", Kind::Integer),
        Column::new("mean_primary", Kind::Decimal(2)),
        Column::new("share_5", Kind::Percent(1)),
        Column::new("marker", Kind::Bool),
        Column::new("reasons", Kind::Text),
    ]
}

fn rows() -> Vec<Vec<Value>> {
    let row = |s: &str, n: i64, m: f64, p: f64, b: bool, r: &str| {
        vec![s.into(), n.into(), m.into(), p.into(), b.into(), r.into()]
    };
    vec![
        row("edu050001", 42, 17.456, 0.25, true, REASONS),
        row("=SUM(A1:A2)", -3, 0.0, 1.0, false, "+79001234567"),
        row("-5", 0, -1.5, 0.0005, false, "@home"),
        row("=1+1", 7, 2.0, 0.5, true, "Школа № 5"),
        vec![
            Value::Empty,
            Value::Empty,
            Value::Num(f64::NAN),
            Value::Empty,
            Value::Empty,
            Value::Empty,
        ],
        // A value of another kind than its column's stays what it is.
        vec![
            Value::Int(5),
            Value::Text("нет данных".into()),
            Value::Int(3),
            Value::Text("—".into()),
            Value::Text("да".into()),
            Value::Num(2.5),
        ],
    ]
}

fn sheet<'a>(columns: &'a [Column], rows: &'a [Vec<Value>]) -> Sheet<'a> {
    Sheet {
        name: "риски",
        columns,
        rows,
    }
}

fn unzip(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    zip.by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn cells_read_back_as_written() {
    let (columns, rows) = (columns(), rows());
    let bytes = workbook_bytes(&[sheet(&columns, &rows)]).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("риски").unwrap();
    assert_eq!(range.get_size(), (rows.len() + 1, columns.len()));
    for (c, col) in columns.iter().enumerate() {
        assert_eq!(range.get((0, c)), Some(&Data::String(col.header.clone())));
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let expected = match value {
                Value::Empty => Data::Empty,
                Value::Num(x) if x.is_nan() => Data::Empty,
                Value::Text(s) => Data::String(s.clone()),
                Value::Int(i) => Data::Float(*i as f64),
                Value::Num(x) => Data::Float(*x),
                Value::Bool(b) => Data::Bool(*b),
            };
            let got = range.get((r + 1, c)).cloned().unwrap_or(Data::Empty);
            assert_eq!(got, expected, "row {}, column {c}", r + 1);
        }
    }
    // No formula anywhere: formula-like text went in as strings.
    let formulas = book.worksheet_formula("риски").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
}

#[test]
fn header_filter_print_setup_and_formats() {
    let (columns, rows) = (columns(), rows());
    let bytes = workbook_bytes(&[sheet(&columns, &rows)]).unwrap();
    let xml = unzip(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        xml.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        )
    );
    assert!(xml.contains(r#"<autoFilter ref="A1:F7"/>"#), "{xml}");
    assert!(xml.contains(r#"<pageSetUpPr fitToPage="1"/>"#));
    assert!(xml.contains(r#"paperSize="9""#) && xml.contains(r#"orientation="landscape""#));
    assert!(xml.contains(r#"fitToHeight="0""#));
    assert!(xml.contains("<oddFooter>&amp;CСтр. &amp;P из &amp;N</oddFooter>"));
    assert!(!xml.contains("<f>"));
    let workbook = unzip(&bytes, "xl/workbook.xml");
    assert!(
        workbook.contains(r#"name="_xlnm.Print_Titles" localSheetId="0">риски!$1:$1<"#),
        "{workbook}"
    );
    let styles = unzip(&bytes, "xl/styles.xml");
    for code in ["0.00", "0.0%"] {
        assert!(
            styles.contains(&format!(r#"formatCode="{code}""#)),
            "{code}"
        );
    }
    assert!(styles.contains(r#"<b/>"#) && styles.contains(r#"wrapText="1""#));
}

#[test]
fn widths_follow_content_and_long_text_wraps() {
    let (columns, rows) = (columns(), rows());
    let width = |c: usize| column_width(&columns[c], rows.iter().map(|r| &r[c]));
    assert_eq!(width(0), (12.0, false)); // "=SUM(A1:A2)": 11 + 1; header 6 + 3
    assert_eq!(width(1), (11.0, false)); // "нет данных": 10 + 1
    let narrow = [Value::Int(5)];
    assert_eq!(
        column_width(&Column::new("n", Kind::Integer), narrow.iter()),
        (MIN_WIDTH, false)
    );
    assert_eq!(width(2), (15.0, false)); // header 12 + 3
    assert_eq!(width(5), (MAX_WIDTH, true));
    let fixed = Column::new("reasons", Kind::Text).with_width(80.0);
    assert_eq!(
        column_width(&fixed, rows.iter().map(|r| &r[5])),
        (80.0, true)
    );
    assert_eq!(shown_len(&Value::Num(0.256), Kind::Percent(1)), 5); // "25.6%"
    assert_eq!(shown_len(&Value::Num(-17.456), Kind::Decimal(2)), 6); // "-17.46"
}

#[test]
fn same_input_same_bytes() {
    let (columns, rows) = (columns(), rows());
    let sheets = [
        sheet(&columns, &rows),
        Sheet {
            name: "второй",
            ..sheet(&columns, &rows[..2])
        },
    ];
    let first = workbook_bytes(&sheets).unwrap();
    // The creation time has whole seconds: a clock-dependent file would change here.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let path = std::env::temp_dir().join(format!("xlsx_out-{}.xlsx", std::process::id()));
    write_workbook(&path, &sheets).unwrap();
    let second = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert!(first == second, "two writes of the same tables differ");
    let core = unzip(&first, "docProps/core.xml");
    assert!(core.contains(
        "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2000-01-01T00:00:00Z</dcterms:created>"
    ));
}

#[test]
fn errors_name_sheet_row_and_file() {
    let columns = columns();
    let short = vec![vec![Value::Int(1)]];
    let e = workbook_bytes(&[sheet(&columns, &short)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "лист «риски», строка 2: значений 1, а столбцов 6"
    );
    let bad = Sheet {
        name: "a/b",
        ..sheet(&columns, &[])
    };
    assert!(
        workbook_bytes(&[bad])
            .unwrap_err()
            .to_string()
            .starts_with("лист «a/b»: ")
    );
    // A text past Excel's cell limit is cut with a marker, not an error.
    let long = vec![vec![Value::Text("я".repeat(40_000)); 6]];
    assert!(workbook_bytes(&[sheet(&columns, &long)]).is_ok());
    let cut = fit_cell(&"я".repeat(40_000)).unwrap();
    assert_eq!(cut.chars().count(), MAX_CELL_CHARS);
    assert!(cut.ends_with(CUT_MARKER));
    assert_eq!(fit_cell(&"я".repeat(MAX_CELL_CHARS)), None);
    let twice = [sheet(&columns, &[]), sheet(&columns, &[])];
    let e = workbook_bytes(&twice).unwrap_err().to_string();
    assert!(e.starts_with("не удаётся собрать книгу xlsx: "), "{e}");
    let dir = std::env::temp_dir()
        .join("no-such-dir-xlsx-out")
        .join("x.xlsx");
    let e = write_table(&dir, "t", &columns, &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("x.xlsx: не удаётся записать файл"), "{e}");
}

#[test]
fn every_cell_takes_its_columns_format() {
    let (columns, rows) = (columns(), rows());
    let bytes = workbook_bytes(&[sheet(&columns, &rows)]).unwrap();
    let xml = unzip(&bytes, "xl/worksheets/sheet1.xml");
    let styles = unzip(&bytes, "xl/styles.xml");
    let attr = |tag: &str, name: &str| {
        let at = tag
            .find(&format!(" {name}=\""))
            .map(|i| i + name.len() + 3)?;
        Some(tag[at..at + tag[at..].find('"').unwrap()].to_owned())
    };
    let tags = |text: &str, open: &str| -> Vec<String> {
        (text.match_indices(open))
            .map(|(i, _)| text[i..i + text[i..].find('>').unwrap()].to_owned())
            .collect()
    };
    // The style each column carries (`<col min="c" max="c" … style="s">`).
    let column_style: Vec<String> = (1..=columns.len())
        .map(|c| {
            let tag = tags(&xml, "<col ")
                .into_iter()
                .find(|t| attr(t, "min") == Some(c.to_string()))
                .unwrap_or_else(|| panic!("column {c}: {xml}"));
            attr(&tag, "style").unwrap_or_else(|| panic!("{tag}"))
        })
        .collect();
    // The data cells are written without one and show their column's: Excel's
    // rule for a cell without a format, whichever row (one line or wrapped).
    for row in 2..=rows.len() + 1 {
        for (c, letter) in ["A", "B", "C", "D", "E", "F"].into_iter().enumerate() {
            if let Some(tag) = tags(&xml, &format!("<c r=\"{letter}{row}\"")).first() {
                let s = attr(tag, "s").unwrap_or_else(|| panic!("{tag}"));
                assert_eq!(s, column_style[c], "{tag}");
            }
        }
    }
    // …and the styles are the columns' kinds: the decimal's places, the
    // percentage, the wrapped reasons.
    let xfs = &styles[styles.find("<cellXfs").unwrap()..];
    let xf = |c: usize| {
        let i: usize = column_style[c].parse().unwrap();
        tags(xfs, "<xf ").swap_remove(i)
    };
    let format_code = |c: usize| {
        let id = attr(&xf(c), "numFmtId").unwrap();
        let tag = tags(&styles, "<numFmt ")
            .into_iter()
            .find(|t| attr(t, "numFmtId") == Some(id.clone()))
            .unwrap_or_else(|| panic!("numFmt {id}"));
        attr(&tag, "formatCode").unwrap()
    };
    assert_eq!(format_code(2), "0.00");
    assert_eq!(format_code(3), "0.0%");
    let wraps = |c: usize| {
        let i: usize = column_style[c].parse().unwrap();
        let start = xfs.match_indices("<xf ").nth(i).unwrap().0;
        let body = &xfs[start..];
        let end = body.find("</xf>").unwrap_or(body.find("/>").unwrap());
        body[..end].contains("wrapText=\"1\"")
    };
    assert!(wraps(5), "the reasons wrap");
    assert!(!wraps(0), "the school's code does not");
}

#[test]
fn whole_digits_as_written() {
    // Against `{:.0}`, the text Excel's «0» format shows.
    for x in [
        0.0,
        0.4,
        0.5,
        0.6,
        9.4,
        9.5,
        99.5,
        12345.678,
        1e14 + 0.5,
        3e17,
    ] {
        assert_eq!(whole_digits(x), format!("{x:.0}").len(), "{x}");
        assert_eq!(whole_digits(-x), format!("{x:.0}").len(), "-{x}");
    }
    assert_eq!(shown_len(&Value::Int(-120), Kind::Integer), 4);
    assert_eq!(shown_len(&Value::Int(0), Kind::Integer), 1);
}
