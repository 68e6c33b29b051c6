//! Medals against the EGE rule of order № 730: each holder matched to the EGE
//! works of the same year, school and student; known answers worked by hand
//! from the order's thresholds (gold: Russian ≥ 70 and another subject ≥ 70 or
//! base mathematics «5»; silver: 60 and 60, base mathematics «4» or better as
//! bundled; no EGE condition before 2024).

use super::common;

const EGE: &str = "year,exam,subject,grade,school,student,primary,test_score,mark
2025,EGE,RU,11,edu000001,A,40,75,
2025,EGE,PH,11,edu000001,A,30,72,
2025,EGE,RU,11,edu000001,B,38,72,
2025,EGE,PH,11,edu000001,B,25,65,
2025,EGE,CH,11,edu000001,B,20,58,
2025,EGE,RU,11,edu000001,C,33,65,
2025,EGE,MB,11,edu000001,C,17,,4
";

const MEDALS: &str = "year,school,student,medal
2025,edu000001,A,gold
2025,edu000001,B,gold
2025,edu000001,C,silver
2025,edu000001,D,gold
2023,edu000001,A,gold
";

#[test]
fn medal_holders_are_checked_against_the_ege_rule() {
    let tmp = tempfile::tempdir().unwrap();
    let data = common::folder(
        &tmp.path().join("d"),
        &[("results_ege.csv", EGE.as_bytes())],
    );
    std::fs::write(data.join("medals.csv"), MEDALS).unwrap();
    let (loaded, _) = obektiv::validate(&data, obektiv::progress::Progress::new(false)).unwrap();
    let checks = obektiv::medals::check(&loaded.dataset);
    use obektiv::medals::Outcome::*;
    let got: Vec<(u16, &str, obektiv::medals::Outcome)> = checks
        .iter()
        .map(|c| (c.year, c.student.as_str(), c.outcome))
        .collect();
    // medals.csv is read in (year, school, student) order.
    // A: 75 and 72 → gold met. B: 72, best other 65 (physics) → not met.
    // C: 65 and base mathematics «4» → silver met. D: no EGE works. 2023: no rule.
    assert_eq!(
        got,
        [
            (2023, "A", NoRule),
            (2025, "A", Met),
            (2025, "B", NotMet),
            (2025, "C", Met),
            (2025, "D", NoResults)
        ]
    );
    let b = &checks[2];
    assert_eq!(
        (b.russian, b.best_other.clone()),
        (Some(72), Some(("PH".to_owned(), 65)))
    );
    // The whole run: a note for B in notes.csv, the table in the справка.
    let out = tmp.path().join("out");
    common::analyze(&data, &out);
    let notes = common::read(&out.join("notes.csv"));
    let b_notes: Vec<&str> = notes.lines().filter(|l| l.contains("участник B")).collect();
    assert_eq!(b_notes.len(), 1, "{notes}");
    assert!(b_notes[0].contains("русский язык — 72") && b_notes[0].contains("физика — 65"));
    assert!(!notes.contains("участник A") && !notes.contains("участник C"));
    let html = common::read(&out.join("report.html"));
    assert!(html.contains("id=\"medals\""));
    assert!(html.contains("не соответствуют — 1"));
}
