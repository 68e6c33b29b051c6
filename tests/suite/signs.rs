//! Detection quality on a small simulated evaluation: a guard against
//! regressions. The bounds are a little inside what the default settings reach
//! on this seed (written beside them), so they fail only when a sign breaks or
//! loses calibration.

use obektiv::config::Config;
use obektiv::evaluate::{EvalOptions, evaluate};
use obektiv::progress::Progress;

#[test]
fn small_evaluation_keeps_false_positives_rare_and_finds_strong_manipulation() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = EvalOptions {
        seeds: vec![11],
        schools: 300,
        years: 2,
        min_n: 20,
        shape: obektiv::evaluate::Shape::Full,
        misspecified: vec![false],
        config: Config::default(),
        work: tmp.path().to_owned(),
        municipal: false,
        persistent_codes: false,
    };
    let ev = evaluate(&opts, Progress::new(false)).unwrap();

    let rate = |group: &str, intensity: &str| {
        let r = ev
            .rows
            .iter()
            .find(|r| r.group == group && r.intensity == intensity);
        r.and_then(|r| r.rate)
            .unwrap_or_else(|| panic!("{group} {intensity} missing: {:#?}", ev.rows))
    };
    // On seed 11 (28 242 honest cells, 1 593 honest school-years, cells of 5
    // works and more judged and pooled by crate::evidence): 6 honest cells
    // marked, no honest school-year listed; copying and dictation strong 1.0,
    // dictation moderate 0.86, inflation strong 0.9 (S6a), fitted_to_journal
    // strong 1.0 (S4c); manipulating school-years listed 0.19 / 0.55 / 0.79
    // (mild / moderate / strong, of 47 each, judged or not); every listed
    // school-year with its own evidence. The kinds planted across procedures
    // by other schools (half as many again) are reported apart: VPR raised in
    // every grade with the school's marks raised alike and honest OGE/EGE,
    // seen by S10 alone, pooled over the school's two years and entering the
    // school-year once: strong 19 of 19 cells, moderate 10 of 19; a cohort's
    // one-year spike 2 of 2 at moderate and strong; pushes over the GIA
    // minimums and medals to weaker graduates 0 at every intensity on this
    // seed (a few works or medals per school: see the closing notes of issue
    // 12).
    assert!(rate("vpr_unconfirmed", "strong") >= 0.8, "{:#?}", ev.rows);
    assert!(rate("vpr_unconfirmed", "moderate") >= 0.4, "{:#?}", ev.rows);
    assert!(
        rate("honest (false positives)", "all") <= 0.001,
        "{:#?}",
        ev.rows
    );
    assert!(rate("honest lyceums/gymnasiums/in-depth", "all") <= 0.002);
    assert!(rate("copying", "strong") >= 0.8, "{:#?}", ev.rows);
    assert!(rate("dictation", "strong") >= 0.9, "{:#?}", ev.rows);
    assert!(rate("dictation", "moderate") >= 0.75, "{:#?}", ev.rows);
    assert!(rate("inflation", "strong") >= 0.7, "{:#?}", ev.rows);
    assert!(rate("fitted_to_journal", "strong") >= 0.5, "{:#?}", ev.rows);
    assert!(rate("schools: honest, listed (false positives)", "all") <= 0.01);
    assert!(
        rate("schools: manipulating, listed", "strong") >= 0.75,
        "{:#?}",
        ev.rows
    );
    assert!(
        rate("schools: manipulating, listed", "moderate") >= 0.5,
        "{:#?}",
        ev.rows
    );
    assert!(rate("schools: listed with distinct evidence", "all") >= 0.9);
    // Every sign's null holds on honest cells: p-values at or below nominal.
    for c in &ev.calibration {
        assert!(c.share_p_005.unwrap_or(0.0) <= 0.06, "{c:?}");
        assert!(c.share_p_001.unwrap_or(0.0) <= 0.015, "{c:?}");
    }
    let auc_all = ev
        .auc
        .iter()
        .find(|(i, _)| i == "all")
        .map(|a| a.1)
        .unwrap();
    assert!(auc_all >= 0.94, "AUC {auc_all}");
}

#[test]
fn municipal_evaluation_judges_the_same_cells_one_municipality_at_a_time() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = |municipal: bool| EvalOptions {
        seeds: vec![3],
        schools: 80,
        years: 1,
        min_n: 5,
        shape: obektiv::evaluate::Shape::Full,
        misspecified: vec![false],
        config: Config::default(),
        work: tmp.path().join(if municipal { "m" } else { "w" }),
        municipal,
        persistent_codes: false,
    };
    let whole = evaluate(&opts(false), Progress::new(false)).unwrap();
    let municipal = evaluate(&opts(true), Progress::new(false)).unwrap();
    // Cutting the region changes who a cell is compared with, never which
    // cells and school-years there are (the last row counts the listed ones).
    let counts = |ev: &obektiv::evaluate::Evaluation| -> Vec<(String, String, u64)> {
        ev.rows
            .iter()
            .filter(|r| r.group != "schools: listed with distinct evidence")
            .map(|r| (r.group.clone(), r.intensity.clone(), r.cells))
            .collect()
    };
    assert_eq!(counts(&whole), counts(&municipal));
    // Honest cells and school-years stay rare on the list when each
    // municipality is judged alone.
    for group in [
        "honest (false positives)",
        "schools: honest, listed (false positives)",
    ] {
        let r = municipal.rows.iter().find(|r| r.group == group).unwrap();
        assert!(r.rate.unwrap() <= 0.01, "{group}: {r:?}");
    }
}
