//! reference.csv: written by `obektiv reference`, read back, and refused with a
//! note where it does not fit the folder.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{RESULTS, analyze, excel_ru, folder, read, table};

#[test]
fn reference_written_from_a_folder_has_its_figures_and_reads_back() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    let text = crate::common::reference_of(&data);
    let has = |row: &str| assert!(text.contains(row), "{row} not in\n{text}");
    // By hand from common::RESULTS (9 works of VPR 2025 MA 4):
    // primary 5, 2, 1, 3, 4, 5, 3, 0, 2 → 0:1, 1:1, 2:2, 3:2, 4:1, 5:2;
    // marks 5, 3, 2, 4, 4, 5, 4, 2, 3 → 2:2, 3:2, 4:3, 5:2;
    // exam mark vs journal: = < < = < = > < = → lowered 4/9, confirmed 4/9,
    // raised 1/9; task 1: 7 of 9 points (max 1) → 77.78 %; task 3 (max 2, X
    // and Х scored 0): 2+0+0+0+1+2+1+0+0 = 6 of 18 → 33.33 %.
    has("VPR,2025,MA,4,region,works,,9\n");
    has("VPR,2025,MA,4,region,primary,2,2\n");
    has("VPR,2025,MA,4,region,primary,5,2\n");
    has("VPR,2025,MA,4,region,mark,4,3\n");
    has("VPR,2025,MA,4,region,journal,lowered,44.44\n");
    has("VPR,2025,MA,4,region,journal,raised,11.11\n");
    has("VPR,2025,MA,4,region,task,1,77.78\n");
    has("VPR,2025,MA,4,region,task,3,33.33\n");

    std::fs::write(data.join("reference.csv"), &text).unwrap();
    let out = tmp.path().join("out");
    analyze(&data, &out);
    let files = table(&out.join("files.csv"));
    let f = files
        .iter()
        .find(|f| f["file"] == "reference.csv")
        .expect("reference.csv in files.csv");
    let rows = (text.lines().count() - 1).to_string();
    assert_eq!(
        (f["rows_read"].as_str(), f["rows_used"].as_str()),
        (rows.as_str(), rows.as_str())
    );
    let notes = read(&out.join("notes.csv"));
    assert!(notes.contains("количествами работ: 2"), "{notes}");
    // The report sets the folder beside the region: the same 9 works, mean
    // primary 25 / 9 of a maximum of 5 = 55,6 % on both rows.
    let html = read(&out.join("report.html"));
    assert!(html.contains("Сравнение с регионом"));
    assert!(
        html.contains("<td>регион</td><td class=\"n\">9</td>"),
        "no region row"
    );
    assert_eq!(html.matches("55,6\u{a0}%").count(), 2, "mean on both rows");
}

#[test]
fn a_reference_that_does_not_fit_is_named_and_not_used() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    std::fs::write(
        data.join("reference.csv"),
        "exam,year,subject,grade,scope,measure,key,value
OGE,2025,RU,9,region,works,,1000
VPR,2024,MA,4,region,works,,500
VPR,2025,MA,4,region,works,,5
VPR,2025,MA,4,region,primary,1,3
VPR,2025,MA,4,region,primary,2,4
VPR,2025,MA,4,region,mark,2,10.5
VPR,2025,MA,4,region,mark,3,20
VPR,2025,MA,4,region,mark,4,30
VPR,2025,MA,4,region,mark,5,30
VPR,2025,MA,4,region,journal,lowered,20
VPR,2025,MA,4,region,journal,confirmed,70
VPR,2025,MA,4,region,journal,raised,10
VPR,2025,MA,4,город,journal,raised,10
VPR,2025,MA,4,region,task,1,-3
VPR,2025,MA,4,region,identical_pairs,3_2_0,5
VPR,2025,MA,4,region,cross_pairs,3_2_0,2
VPR,2025,MA,4,region,cross_pairs,3/1,2
VPR,2025,MA,4,region,identical_pairs,3_1,4
VPR,2025,MA,4,region,cutoff_level,1,3.5
VPR,2025,MA,4,region,cutoff_share,3_1,0.4
VPR,2025,MA,4,region,cutoff_spread,3_1,0.7
VPR,2025,MA,4,region,cutoff_cells,3_1,40
VPR,2025,MA,4,region,cutoff_works,3_1,900
VPR,2025,MA,4,region,cutoff_works2,3_1,21000
VPR,2025,MA,4,region,fitted_share,4_0,0.3
VPR,2025,MA,4,region,fitted_spread,4_0,0.02
VPR,2025,MA,4,region,fitted_cells,4_0,40
VPR,2025,MA,4,region,fitted_works,4_0,300
VPR,2025,MA,4,region,fitted_works2,4_0,2400
VPR,2025,MA,4,region,fitted_share,5_0,0.4
",
    )
    .unwrap();
    let out = tmp.path().join("out");
    analyze(&data, &out);
    let notes = read(&out.join("notes.csv"));
    for said in [
        // A test the folder lacks, and one it holds only in another year.
        "ОГЭ, русский язык, 9 кл.: этого теста нет в данных; строки за 2025 г. не используются",
        "ВПР, математика, 4 кл.: в данных другие годы (2025); строки за 2024 г. не используются",
        // Counts adding up to more works than stated.
        "распределение первичных баллов (ВПР 2025, математика, 4 кл., регион): это количества работ, но их сумма 7 больше числа участников 5",
        // Fractions that are not shares summing to 100 %.
        "распределение отметок (ВПР 2025, математика, 4 кл., регион): ни количества работ (есть дробные значения), ни доли в процентах (сумма 90,5 %, а не 100 %)",
        // More identical pairs than pairs.
        "совпадения работ (ВПР 2025, математика, 4 кл.): балл 3, заданий с неполным баллом 2: совпадающих пар 5 больше, чем всех пар 2; не используются",
        // A spread above 0.5.
        "работы на границах отметок (ВПР 2025, математика, 4 кл.): граница 3, группа 1: разброс 0.7 не в (0; 0,5]; не используются",
        // A journal mark's figures half given.
        "работы на границе отметки по журналу (ВПР 2025, математика, 4 кл.): отметка по журналу 5, группа 0: нет разброса (fitted_spread); не используются",
    ] {
        assert!(notes.contains(said), "«{said}» not in\n{notes}");
    }
    let rejected = table(&out.join("rejected_rows.csv"));
    let lines: Vec<&str> = rejected
        .iter()
        .filter(|r| r["file"] == "reference.csv")
        .map(|r| r["line"].as_str())
        .collect();
    // Line 18: a key "3/1" (the group is written 3_2_1); line 19 a key of
    // the earlier layout (a total and a variant), told to write the file
    // again.
    assert_eq!(lines, ["14", "15", "18", "19"], "{rejected:?}");
    let old = rejected.iter().find(|r| r["line"] == "19").unwrap();
    assert!(
        old["reason"].contains("записан прежней версией obektiv")
            && old["reason"].contains("перезапишите файл командой obektiv reference"),
        "{old:?}"
    );
    // 30 rows read (lines 2–31), the four bad ones rejected; of the others
    // only the journal shares fit and are used.
    let files = table(&out.join("files.csv"));
    let f = files.iter().find(|f| f["file"] == "reference.csv").unwrap();
    assert_eq!(
        (f["rows_read"].as_str(), f["rows_rejected"].as_str()),
        ("30", "4")
    );
}

#[test]
fn a_reference_saved_by_russian_excel_with_russian_names_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    // Windows-1251, `;`, decimal comma, CRLF; Russian headers and values.
    let text = "экзамен,год,предмет,класс,уровень,показатель,ключ,значение
ВПР,2025,MA,4,регион,участники,,1000
ВПР,2025,MA,4,регион,отметка,2,12.5
ВПР,2025,MA,4,регион,отметка,3,37.5
ВПР,2025,MA,4,регион,отметка,4,35
ВПР,2025,MA,4,регион,отметка,5,15
ВПР,2025,MA,4,РФ,журнал,понизили,10.2
ВПР,2025,MA,4,РФ,журнал,подтвердили,80.3
ВПР,2025,MA,4,РФ,журнал,повысили,9.5
";
    std::fs::write(data.join("reference.csv"), excel_ru(text)).unwrap();
    let out = tmp.path().join("out");
    analyze(&data, &out);
    let files = table(&out.join("files.csv"));
    let f = files.iter().find(|f| f["file"] == "reference.csv").unwrap();
    assert_eq!(
        (
            f["encoding"].as_str(),
            f["rows_used"].as_str(),
            f["rows_rejected"].as_str()
        ),
        ("windows-1251", "8", "0")
    );
    // The region's shares, as given, in the comparison table.
    let html = read(&out.join("report.html"));
    assert!(
        html.contains("<td>регион</td><td class=\"n\">1\u{202F}000</td><td class=\"n\">12,5\u{a0}%</td><td class=\"n\">37,5\u{a0}%</td>"),
        "region row"
    );
    // Russia's journal shares beside the folder's own: 4 of 9 lowered, 4
    // confirmed, 1 raised (see the first test).
    assert!(html.contains("<td>Россия</td><td class=\"n\">10,2\u{a0}%</td><td class=\"n\">80,3\u{a0}%</td><td class=\"n\">9,5\u{a0}%</td>"));
    assert!(html.contains(
        "<td class=\"n\">44,4\u{a0}%</td><td class=\"n\">44,4\u{a0}%</td><td class=\"n\">11,1\u{a0}%</td>"
    ));
}

#[test]
fn journal_shares_need_each_part_once_whatever_its_name() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    // «lowered» and «понизили» are one part: «confirmed» is missing.
    std::fs::write(
        data.join("reference.csv"),
        "exam,year,subject,grade,scope,measure,key,value
VPR,2025,MA,4,region,journal,lowered,20
VPR,2025,MA,4,region,journal,понизили,70
VPR,2025,MA,4,region,journal,raised,10
",
    )
    .unwrap();
    let out = tmp.path().join("out");
    analyze(&data, &out);
    let notes = read(&out.join("notes.csv"));
    assert!(
        notes.contains("нужны все три доли: понизили, подтвердили, повысили"),
        "{notes}"
    );
    assert!(!read(&out.join("report.html")).contains("Сравнение с регионом"));
}

/// A simulated region (without its truth.csv) in a temporary folder, and
/// the reference.csv `obektiv reference` writes from it.
fn region_and_reference(
    schools: usize,
    years: u16,
    seed: u64,
) -> (tempfile::TempDir, std::path::PathBuf, String) {
    let tmp = tempfile::tempdir().unwrap();
    let region = tmp.path().join("region");
    crate::common::simulated(&region, schools, years, seed);
    std::fs::remove_file(region.join("truth.csv")).unwrap();
    let reference = crate::common::reference_of(&region);
    (tmp, region, reference)
}

/// The largest municipality of `region` cut into `dir/muni` and analysed
/// alone, into `dir/alone`, then with the region's `reference`, into
/// `dir/with`: (muni, alone, with).
fn largest_municipality(
    region: &Path,
    dir: &Path,
    reference: &str,
) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let by = crate::common::municipalities(region);
    let own = by.values().max_by_key(|s| s.len()).unwrap();
    let muni = dir.join("muni");
    crate::common::cut(region, &muni, own);
    let alone = dir.join("alone");
    analyze(&muni, &alone);
    std::fs::write(muni.join("reference.csv"), reference).unwrap();
    let with = dir.join("with");
    analyze(&muni, &with);
    (muni, alone, with)
}

/// A municipality with the region's reference.csv judges its VPR against its
/// GIA as the whole region does: its cells are standardized against the
/// region's works (the published distributions of primary scores) and set
/// against the region's VPR–GIA line, spread and persistent part (measure
/// `vpr_gia`, written by `obektiv reference`), so each school's S10
/// statistic is the region's own; without the file the municipality fits its
/// own line on its few schools and the statistic differs.
#[test]
fn a_municipality_judges_vpr_against_gia_on_the_regions_line() {
    let (tmp, region, reference) = region_and_reference(60, 2, 6);
    let lines: Vec<&str> = reference
        .lines()
        .filter(|l| l.contains(",vpr_gia,"))
        .collect();
    for exam in ["OGE,", "EGE,"] {
        for key in ["a", "b", "spread", "persistent", "pairs"] {
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with(exam) && l.contains(&format!(",vpr_gia,{key},"))),
                "{exam} {key}: {lines:?}"
            );
        }
    }
    let whole = tmp.path().join("whole");
    analyze(&region, &whole);
    let s10 = |out: &Path| -> BTreeMap<(String, String, String, String), String> {
        (table(&out.join("findings.csv")).into_iter())
            .filter(|r| r["sign"] == "S10" && r["evaluated"] == "true")
            .map(|r| {
                let key = (
                    r["year"].clone(),
                    r["subject"].clone(),
                    r["grade"].clone(),
                    r["school"].clone(),
                );
                (key, r["statistic"].clone())
            })
            .collect()
    };
    let in_region = s10(&whole);
    let (muni, alone, with) = largest_municipality(&region, tmp.path(), &reference);
    let (with_ref, without) = (s10(&with), s10(&alone));
    assert!(with_ref.len() >= 10, "{with_ref:?}");
    let mut differ = 0;
    for (key, z) in &with_ref {
        let region_z: f64 = in_region[key].parse().unwrap();
        let z: f64 = z.parse().unwrap();
        assert!(
            (z - region_z).abs() < 1e-6,
            "{key:?}: {z} against the region's {region_z}"
        );
        if without
            .get(key)
            .is_none_or(|w| (w.parse::<f64>().unwrap() - region_z).abs() > 1e-3)
        {
            differ += 1;
        }
    }
    assert!(
        differ > 0,
        "the municipality's own line gave the region's statistics"
    );
    let notes = read(&with.join("findings.csv"));
    assert!(notes.contains("по всему региону (reference.csv)"));
    // The copying sign (S5) takes the region's collision rates from the
    // same file (identical_pairs, cross_pairs): each cell's p-value is the
    // one the whole region's analysis gives it; the municipality's own few
    // cross-school pairs give other ones.
    let s5 = |out: &Path| -> BTreeMap<Vec<String>, String> {
        (table(&out.join("findings.csv")).into_iter())
            .filter(|r| r["sign"] == "S5" && r["evaluated"] == "true")
            .map(|r| {
                let key = ["year", "exam", "subject", "grade", "school"].map(|c| r[c].clone());
                (key.to_vec(), r["p_value"].clone())
            })
            .collect()
    };
    let (s5_region, s5_with, s5_alone) = (s5(&whole), s5(&with), s5(&alone));
    assert!(s5_with.len() >= 50, "{}", s5_with.len());
    for (key, p) in &s5_with {
        assert_eq!(p, &s5_region[key], "{key:?}");
    }
    assert!(
        s5_alone.iter().any(|(k, p)| p != &s5_region[k]),
        "the municipality's own pairs gave the region's p-values"
    );
    assert!(notes.contains("по частоте совпадений в регионе"));
    // One test without the region's distribution (here VPR 5 history): every
    // cell is standardized against the folder and the folder fits its line,
    // as without the file.
    let partial: String = (reference.lines())
        .filter(|l| !(l.starts_with("VPR,") && l.contains(",HI,5,region,primary,")))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(partial.len() < reference.len());
    std::fs::write(muni.join("reference.csv"), &partial).unwrap();
    let part = tmp.path().join("partial");
    analyze(&muni, &part);
    assert_eq!(s10(&part), without);
    assert!(!read(&part.join("findings.csv")).contains("по всему региону (reference.csv)"));
}

/// The cut-off sign (S3) of a municipality with the region's reference.csv
/// (cutoff_level, cutoff_share, cutoff_spread, cutoff_cells, cutoff_works,
/// cutoff_works2) judges each cell against the region's level group of
/// cells, the cell left out as the region's own analysis leaves it out, so
/// that each cell's p-value is the whole region's own. Without the file the
/// municipality's few cells give other ones.
/// A sign's p-value in each evaluated cell (of `exam` only, where given),
/// by the cell's keys.
fn p_values(out: &Path, sign: &str, exam: Option<&str>) -> BTreeMap<Vec<String>, String> {
    (table(&out.join("findings.csv")).into_iter())
        .filter(|r| r["sign"] == sign && r["evaluated"] == "true")
        .filter(|r| exam.is_none_or(|e| r["exam"] == e))
        .map(|r| {
            let key = ["year", "exam", "subject", "grade", "school"].map(|c| r[c].clone());
            (key.to_vec(), r["p_value"].clone())
        })
        .collect()
}

/// A municipality with the region's reference.csv (`with`) gives at least
/// 95 % of its cells the p-value of `sign` that the whole region's analysis
/// gives them (to a hundredth of its order of magnitude); without the file
/// (`alone`) fewer than three quarters.
fn judged_as_region(sign: &str, exam: Option<&str>, whole: &Path, with: &Path, alone: &Path) {
    let in_region = p_values(whole, sign, exam);
    let near = |m: &BTreeMap<Vec<String>, String>| {
        (m.iter())
            .filter(|(k, p)| {
                let (a, b): (f64, f64) = (p.parse().unwrap(), in_region[*k].parse().unwrap());
                (a.max(1e-300).log10() - b.max(1e-300).log10()).abs() <= 0.01
            })
            .count()
    };
    let (with, alone) = (p_values(with, sign, exam), p_values(alone, sign, exam));
    assert!(with.len() >= 30, "{sign}: {}", with.len());
    let same = near(&with);
    assert!(
        same * 100 >= with.len() * 95,
        "{sign}: {same} of {} cells have the region's p-value",
        with.len()
    );
    let own_same = near(&alone);
    assert!(
        own_same < alone.len() * 3 / 4,
        "{sign} alone: {own_same} of {}",
        alone.len()
    );
}

#[test]
fn a_municipality_judges_cut_offs_and_own_marks_as_its_region() {
    let (tmp, region, reference) = region_and_reference(160, 1, 8);
    for measure in ["level", "share", "spread", "cells", "works", "works2"] {
        assert!(
            reference.contains(&format!(",region,cutoff_{measure},")),
            "{measure}"
        );
    }
    let whole = tmp.path().join("whole");
    analyze(&region, &whole);
    let (_, alone, with) = largest_municipality(&region, tmp.path(), &reference);
    // The charts of a municipality's folder call its own works the
    // municipality's, never the region's (with the region's file, the task
    // profile's line is the region's published one).
    for out in [&alone, &with] {
        let mut charts = 0;
        for e in std::fs::read_dir(out.join("charts")).unwrap() {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if !(name.ends_with("_scores.svg") || name.ends_with("_marks.svg")) {
                continue;
            }
            let svg = read(&path);
            assert!(!svg.contains("регион (n"), "{name}: {svg}");
            assert!(svg.contains("муниципалитет (n"), "{name}");
            charts += 1;
        }
        assert!(charts > 0, "no school chart in {}", out.display());
        // Nor does the справка: its methods and appendix say whose cells
        // the signs are set against, and its title names the municipality.
        let html = read(&out.join("report.html"));
        assert!(html.contains("Признаки сверяются с самим муниципалитетом"));
        assert!(html.contains("по данным муниципалитета (z = "));
        assert!(!html.contains("сверяются с самим регионом"));
        assert!(html.contains("Справка по данным одного муниципалитета"));
        let municipality = table(&out.join("cells.csv"))[0]["municipality"].clone();
        assert!(html.contains(&format!(". {municipality}</h1>")), "title");
    }
    // The file obektiv wrote reads back without complaint about its cut-offs.
    let notes = read(&with.join("notes.csv"));
    assert!(!notes.contains("cutoff_"), "{notes}");
    // The same p-value up to the rounding of the published figures (a
    // spread clamped at 10⁻⁶ is not rebuilt exactly), or to a cell whose mean
    // ties the edge of two groups falling in the other.
    judged_as_region("S3", Some("VPR"), &whole, &with, &alone);
    assert!(read(&with.join("findings.csv")).contains("по ОО региона того же уровня"));

    // The sign of marks fitted to the journal (S4c) likewise, from fitted_*:
    // the region's share at the cut-off of each journal mark per peer group.
    for measure in ["share", "spread", "cells", "works", "works2"] {
        assert!(
            reference.contains(&format!(",region,fitted_{measure},")),
            "{measure}"
        );
    }
    assert!(!notes.contains("fitted_"), "{notes}");
    judged_as_region("S4c", None, &whole, &with, &alone);
    assert!(
        read(&with.join("findings.csv"))
            .contains("доля на границе и её разброс — по ОО региона (reference.csv)")
    );

    // The own-marks signs (S6a, S6b) take the region's conditional means,
    // SD and the year's model (own_marks_bin, own_marks_sd, own_marks_model):
    // each cell's z is the region's up to the region leaving the cell's own
    // works out of its means (a few hundredths), where the municipality's
    // own model of its few schools moves it further.
    for sign in ["S6a", "S6b"] {
        let z = |out: &Path| -> BTreeMap<Vec<String>, f64> {
            (table(&out.join("findings.csv")).into_iter())
                .filter(|r| r["sign"] == sign && !r["statistic"].is_empty())
                .map(|r| {
                    let key = ["year", "exam", "subject", "grade", "school"].map(|c| r[c].clone());
                    (key.to_vec(), r["statistic"].parse().unwrap())
                })
                .collect()
        };
        let (region_z, with_z, alone_z) = (z(&whole), z(&with), z(&alone));
        assert!(with_z.len() >= 50, "{sign}: {}", with_z.len());
        let off = |m: &BTreeMap<Vec<String>, f64>| {
            let mut d: Vec<f64> = (m.iter()).map(|(k, z)| (z - region_z[k]).abs()).collect();
            d.sort_by(f64::total_cmp);
            d[d.len() * 9 / 10]
        };
        let (near, own) = (off(&with_z), off(&alone_z));
        assert!(
            near < 0.1,
            "{sign}: 90 % of cells within {near} of the region's z"
        );
        assert!(
            own > 2.0 * near,
            "{sign}: alone {own}, with the file {near}"
        );
    }
}

/// A municipality of six schools has fewer than ten schools in every test,
/// too few to learn the spread of the exam-vs-journal shares between
/// schools: alone, S4a and S4b judge none of its cells. With the region's
/// reference.csv each cell is set against the region's published share,
/// with the spread pooled over the folder's tests, and judged.
#[test]
fn a_small_municipality_judges_marks_against_the_regions_published_shares() {
    let tmp = tempfile::tempdir().unwrap();
    let region = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    let by = crate::common::municipalities(&region);
    let own = by
        .values()
        .filter(|s| s.len() < 10)
        .max_by_key(|s| s.len())
        .unwrap();
    let muni = tmp.path().join("muni");
    crate::common::cut(&region, &muni, own);
    std::fs::remove_file(muni.join("truth.csv")).ok();
    let judged = |out: &Path, sign: &str| {
        (table(&out.join("findings.csv")).into_iter())
            .filter(|r| r["sign"] == sign && r["exam"] == "VPR" && r["evaluated"] == "true")
            .count()
    };
    let alone = tmp.path().join("alone");
    analyze(&muni, &alone);
    std::fs::write(
        muni.join("reference.csv"),
        crate::common::reference_of(&region),
    )
    .unwrap();
    let with = tmp.path().join("with");
    analyze(&muni, &with);
    for sign in ["S4a", "S4b"] {
        assert_eq!(judged(&alone, sign), 0, "{sign} alone");
        let cells = (table(&with.join("cells.csv")).into_iter())
            .filter(|c| c["exam"] == "VPR" && c["n"].parse::<usize>().unwrap() >= 10)
            .count();
        let n = judged(&with, sign);
        assert!(n * 2 >= cells, "{sign}: {n} of {cells} VPR cells judged");
    }
}

/// FIS OKO's forms show shares with their per cent sign («44,44%»): saved
/// from Excel, the file reads as the plain one (the signs were rejected as
/// «нужно неотрицательное число», and the section against the region vanished).
#[test]
fn shares_with_a_per_cent_sign_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let data = folder(
        &tmp.path().join("data"),
        &[("results.csv", RESULTS.as_bytes())],
    );
    let text = crate::common::reference_of(&data);
    std::fs::write(data.join("reference.csv"), &text).unwrap();
    let plain = tmp.path().join("plain");
    analyze(&data, &plain);
    let signed: String = (text.lines())
        .map(|l| {
            if l.contains(",journal,") || l.contains(",task,") {
                format!("{l}%\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert!(signed.contains(",journal,lowered,44.44%"));
    std::fs::write(data.join("reference.csv"), excel_ru(&signed)).unwrap();
    let out = tmp.path().join("out");
    analyze(&data, &out);
    assert_eq!(table(&out.join("rejected_rows.csv")).len(), 0);
    assert_eq!(read(&out.join("cells.csv")), read(&plain.join("cells.csv")));
    assert_eq!(
        read(&out.join("findings.csv")),
        read(&plain.join("findings.csv"))
    );
}
