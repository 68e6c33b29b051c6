//! Workbooks in the FIS OKO layout for the tests, and the committed fixture
//! `fixtures/vpr_2025_ru_4.xlsx` with its canonical CSV twins.

use std::path::{Path, PathBuf};

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook};

/// A cell to write: text, number or nothing.
#[derive(Clone, Debug)]
pub enum Cell {
    T(String),
    N(f64),
    E,
}

pub fn t(s: &str) -> Cell {
    Cell::T(s.to_owned())
}

pub fn n(x: f64) -> Cell {
    Cell::N(x)
}

/// Text cells from string slices; `""` is an empty cell.
pub fn texts(cells: &[&str]) -> Vec<Cell> {
    cells
        .iter()
        .map(|s| if s.is_empty() { Cell::E } else { t(s) })
        .collect()
}

/// The bytes of a workbook with these sheets (rows from A1), reproducibly.
pub fn book_bytes(sheets: &[(&str, Vec<Vec<Cell>>)]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let created = ExcelDateTime::from_ymd(2025, 5, 20).unwrap();
    wb.set_properties(&DocProperties::new().set_creation_datetime(&created));
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Cell::T(s) => ws.write_string(r, c, s).map(|_| ()),
                    Cell::N(x) => ws.write_number(r, c, *x).map(|_| ()),
                    Cell::E => Ok(()),
                }
                .unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

/// A workbook file in the temp folder, removed on drop.
pub struct TempBook(pub PathBuf);

impl TempBook {
    pub fn new(name: &str, sheets: &[(&str, Vec<Vec<Cell>>)]) -> TempBook {
        TempBook::from_bytes(name, &book_bytes(sheets))
    }

    pub fn from_bytes(name: &str, bytes: &[u8]) -> TempBook {
        let path = std::env::temp_dir().join(format!("fisoko-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        TempBook(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempBook {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Tasks of the fixture: label, maximum, level (Б/П).
pub const TASKS: &[(&str, u32, &str)] = &[
    ("1К1", 4, "Б"),
    ("1К2", 3, "Б"),
    ("2", 3, "Б"),
    ("3.1", 1, "Б"),
    ("3.2", 3, "Б"),
    ("4", 2, "Б"),
    ("5", 2, "Б"),
    ("6", 1, "Б"),
    ("7", 2, "Б"),
    ("8", 2, "П"),
    ("9.1", 1, "Б"),
    ("9.2", 2, "П"),
    ("10", 1, "Б"),
    ("11", 2, "П"),
    ("12", 2, "П"),
    ("13", 1, "Б"),
];

/// Schools of the fixture: login, name, municipality, kind, locality, pupils.
pub const SCHOOLS: &[(&str, &str, &str, &str, &str, usize)] = &[
    (
        "edu050001",
        "МБОУ «СОШ № 5»",
        "г. Примерск",
        "СОШ",
        "urban",
        12,
    ),
    (
        "edu050017",
        "МКОУ «Ивановская ООШ»",
        "Примерский район",
        "ООШ",
        "rural",
        14,
    ),
];

/// Primary score → mark (synthetic scale for the 32-point test).
fn mark_of(primary: u32) -> u32 {
    match primary {
        0..=13 => 2,
        14..=21 => 3,
        22..=27 => 4,
        _ => 5,
    }
}

/// The committed fixture: the sheet's rows, the results CSV twin, the tasks CSV twin
/// and a schools.csv for the two schools.
pub struct Fixture {
    pub sheet: Vec<Vec<Cell>>,
    pub results_csv: String,
    pub tasks_csv: String,
    pub schools_csv: String,
}

/// VPR 2025 Russian, grade 4: title, Б/П row and header once at the top, then two
/// school blocks (the first school line in one cell, the second split over two).
/// Scores are floats mostly, text in some cells, `X`, Cyrillic `Х`, `—`, `-` and
/// one empty cell (read as `X`); codes are numbers in one school, text in the other.
pub fn vpr_2025_ru_4() -> Fixture {
    let mut seed: u64 = 2025;
    let mut rand = move |m: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % m
    };
    let mut sheet = vec![
        texts(&["ВПР 2025 Русский язык 4 класс"]),
        texts(&["Индивидуальные результаты участников"]),
        vec![],
    ];
    let mut levels = texts(&["", "", "", ""]);
    levels.extend(TASKS.iter().map(|&(_, _, l)| t(l)));
    sheet.push(levels);
    let mut header = texts(&["№", "Код участника", "Вариант", "Класс"]);
    header.extend(TASKS.iter().map(|&(l, m, _)| t(&format!("{l} ({m}б)"))));
    header.extend(texts(&["Первичный балл", "Отметка", "Отметка по журналу"]));
    sheet.push(header);
    let mut csv = String::from("year,exam,subject,grade,school,class,student,variant");
    for k in 1..=TASKS.len() {
        csv += &format!(",t{k}");
    }
    csv += ",primary,mark,journal_mark\n";
    let mut number = 0;
    for (s, &(login, name, _, _, _, pupils)) in SCHOOLS.iter().enumerate() {
        if s == 0 {
            sheet.push(texts(&[&format!(
                "{name} ({login}) | Кол-во участников: {pupils}"
            )]));
        } else {
            let count = format!("Кол-во участников: {pupils}");
            sheet.push(texts(&[
                &format!("{name} ({login})"),
                "",
                "",
                "",
                "",
                &count,
            ]));
        }
        for p in 0..pupils {
            number += 1;
            let code = 10_001 + p as u64 + 10_000 * s as u64;
            let variant = 1 + rand(2);
            let class = if p % 2 == 0 { "4А" } else { "4Б" };
            let ability = 15 + rand(85); // percent
            let mut row = vec![
                n(f64::from(number)),
                if s == 0 {
                    n(code as f64)
                } else {
                    t(&code.to_string())
                },
                if p == 3 {
                    t(&variant.to_string())
                } else {
                    n(variant as f64)
                },
                t(class),
            ];
            let mut fields = vec![
                "2025".to_owned(),
                "VPR".into(),
                "RU".into(),
                "4".into(),
                login.into(),
                class.into(),
                code.to_string(),
                variant.to_string(),
            ];
            let mut primary = 0;
            for (k, &(_, max, _)) in TASKS.iter().enumerate() {
                let roll = rand(100);
                let (cell, field) = if s == 1 && p == 5 && k == 7 {
                    (Cell::E, "X".to_owned())
                } else if roll + ability < 45 {
                    let mark = ["X", "Х", "X", "—", "-"][(k + p) % 5];
                    (t(mark), mark.to_owned())
                } else {
                    let q = (ability + rand(50)).saturating_sub(25);
                    let got = ((u64::from(max) * q + 50) / 100).min(u64::from(max)) as u32;
                    primary += got;
                    let cell = if (k + p) % 7 == 0 {
                        t(&got.to_string())
                    } else {
                        n(f64::from(got))
                    };
                    (cell, got.to_string())
                };
                row.push(cell);
                fields.push(field);
            }
            let mark = mark_of(primary);
            let journal = (mark + u32::from(rand(3) == 0)).min(5);
            row.extend([n(f64::from(primary)), n(f64::from(mark))]);
            row.push(if p == 1 {
                t(&journal.to_string())
            } else {
                n(f64::from(journal))
            });
            fields.extend([primary, mark, journal].map(|v| v.to_string()));
            sheet.push(row);
            csv += &fields.join(",");
            csv.push('\n');
        }
    }
    let mut tasks_csv = String::from("exam,year,subject,grade,task,max,level,label\n");
    for (k, &(label, max, level)) in TASKS.iter().enumerate() {
        let level = if level == "Б" { "basic" } else { "advanced" };
        tasks_csv += &format!("VPR,2025,RU,4,{},{max},{level},{label}\n", k + 1);
    }
    let mut schools_csv = String::from("school,name,municipality,kind,locality\n");
    for &(login, name, municipality, kind, locality, _) in SCHOOLS {
        schools_csv += &format!("{login},{name},{municipality},{kind},{locality}\n");
    }
    Fixture {
        sheet,
        results_csv: csv,
        tasks_csv,
        schools_csv,
    }
}
