//! report.html: its outline is snapshot-tested; its figures, wording and
//! self-containment are checked on a simulated region with a re-check.

use obektiv::config::Config;
use obektiv::progress::Progress;
use obektiv::simulate::{Intensity, SimOptions, simulate, simulate_recheck};
use obektiv::{Job, analyze};

/// The h1/h2 headings and the methods' h3 headings, one per line.
fn outline(html: &str) -> String {
    let mut out = Vec::new();
    for tag in ["<h1", "<h2", "<h3 id=\"sign-"] {
        let mut rest = html;
        while let Some(i) = rest.find(tag) {
            let after = &rest[i..];
            let start = after.find('>').unwrap() + 1;
            let end = after.find("</h").unwrap();
            out.push(format!("{} {}", &tag[1..3], &after[start..end]));
            rest = &after[end..];
        }
    }
    out.join("\n")
}

#[test]
fn report_outline_figures_and_wording() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let opts = SimOptions {
        schools: 120,
        years: 2,
        seed: 5,
        manipulated_share: 0.2,
        intensity: Some(Intensity::Strong),
        ..SimOptions::default()
    };
    simulate(&opts, &data, &mut |_, _| {}).unwrap();
    let job = |out: &str| Job {
        data: data.clone(),
        out: tmp.path().join(out),
        config: Config::default(),
        progress: Progress::new(false),
    };
    analyze(&job("r1")).unwrap();
    simulate_recheck(&opts, &tmp.path().join("r1/recheck_works.csv"), &data).unwrap();
    analyze(&job("r2")).unwrap();
    let html = std::fs::read_to_string(tmp.path().join("r2/report.html")).unwrap();
    insta::assert_snapshot!(outline(&html));

    // Self-contained: no external resources, the font embedded.
    assert!(!html.contains("src=\"http"), "external resource");
    assert!(html.contains("@font-face") && html.contains("data:font/ttf;base64,"));
    // Signs, never verdicts.
    assert!(html.contains("признак"));
    let without_disclaimer = html.replace("не является выводом о нарушении", "");
    assert!(!without_disclaimer.to_lowercase().contains("нарушени"));
    // Every figure has an inline SVG and a caption; charts are also files.
    let figures = html.matches("<figure>").count();
    assert!(figures >= 4, "{figures} figures");
    assert_eq!(html.matches("<figure><svg").count(), figures);
    let charts = std::fs::read_dir(tmp.path().join("r2/charts"))
        .unwrap()
        .count();
    assert_eq!(charts, 2 * figures, "a PNG and an SVG per figure");
    // The re-check section and its charts are there.
    assert!(html.contains("id=\"recheck\""));
    assert!(tmp.path().join("r2/charts/recheck_schools.svg").exists());
    // The notes and reasons of findings.csv are Russian: no Latin word
    // (the ids of the signs are in their own column).
    let mut r = csv::Reader::from_path(tmp.path().join("r2/findings.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let cols: Vec<usize> = ["note", "reason"]
        .map(|c| h.iter().position(|x| x == c).unwrap())
        .to_vec();
    for rec in r.records() {
        let rec = rec.unwrap();
        for &c in &cols {
            let latin = rec[c]
                .split(|ch: char| !ch.is_ascii_alphabetic())
                .find(|w| w.len() > 1);
            assert!(latin.is_none(), "{:?} in «{}»", latin, &rec[c]);
        }
    }
    // Deterministic: the same run writes the same report.
    analyze(&job("r3")).unwrap();
    assert_eq!(
        html,
        std::fs::read_to_string(tmp.path().join("r3/report.html")).unwrap()
    );
}
