//! Detection quality on a small simulated evaluation: a guard against
//! regressions. The bounds are well inside what the default settings reach on
//! these seeds (see the closing notes for the full table), so they fail only
//! when a sign breaks.

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
        config: Config::default(),
        work: tmp.path().to_owned(),
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
    assert!(rate("honest (false positives)", "all") <= 0.01);
    assert!(rate("honest lyceums/gymnasiums/in-depth", "all") <= 0.01);
    assert!(rate("copying", "strong") >= 0.8, "{:#?}", ev.rows);
    assert!(rate("dictation", "strong") >= 0.8, "{:#?}", ev.rows);
    let auc_all = ev
        .auc
        .iter()
        .find(|(i, _)| i == "all")
        .map(|a| a.1)
        .unwrap();
    assert!(auc_all >= 0.8, "AUC {auc_all}");
}
