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

/// The root of a decreasing `f` in (−range, range), by 80 bisections.
fn root(f: &dyn Fn(f64) -> f64, range: f64) -> f64 {
    let (mut lo, mut hi) = (-range, range);
    assert!(f(lo) > 0.0 && f(hi) < 0.0, "no root in ±{range}");
    for _ in 0..80 {
        let mid = 0.5 * (lo + hi);
        if f(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

/// S12 on a simulated region: judged on the EGE Russian cells only, its count
/// the medal holders among the school's graduates as counted here from the
/// files themselves; without medals.csv it says so and judges nothing.
#[test]
fn medal_counts_are_judged_on_ege_russian_and_need_medals_csv() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    common::simulated(&data, 60, 1, 5);
    let out = tmp.path().join("out");
    common::analyze(&data, &out);
    let s12: Vec<_> = common::table(&out.join("findings.csv"))
        .into_iter()
        .filter(|r| r["sign"] == "S12")
        .collect();
    // Graduates per school (EGE Russian takers) and holders among them.
    let ege = common::table(&data.join("results_2025_ege.csv"));
    let medals = common::table(&data.join("medals.csv"));
    // Every graduate: (school, bin of min(Russian, best other), holder).
    // (school, student) → (Russian, best other).
    type Scores = (Option<u32>, Option<u32>);
    let mut best: std::collections::BTreeMap<(&str, &str), Scores> = Default::default();
    for w in ege.iter().filter(|w| !w["test_score"].is_empty()) {
        let score: u32 = w["test_score"].parse().unwrap();
        let e = best
            .entry((w["school"].as_str(), w["student"].as_str()))
            .or_default();
        if w["subject"] == "RU" {
            e.0 = e.0.max(Some(score));
        } else {
            e.1 = e.1.max(Some(score));
        }
    }
    let held: std::collections::BTreeSet<(&str, &str)> = (medals.iter())
        .map(|m| (m["school"].as_str(), m["student"].as_str()))
        .collect();
    // (school, bin, holder, score)
    type Graduate<'a> = (&'a str, usize, bool, u32);
    let grads: Vec<Graduate> = (best.iter())
        .filter_map(|(&(school, student), &(russian, other))| {
            let russian = russian?;
            let s = other.map_or(russian, |o| o.min(russian));
            Some((
                school,
                (s / 5) as usize,
                held.contains(&(school, student)),
                s,
            ))
        })
        .collect();
    assert!(
        grads.iter().filter(|g| g.2).count() >= 20,
        "the simulated folder has medal holders"
    );
    // The expected count, computed here from the files as the module docs
    // state it: each graduate's rate is its bin's (5 points of min(Russian,
    // best other)) with the school left out, shrunk by one graduate toward
    // the year's rate; then moved on the logit scale by β (m − m̄), the
    // school's mean score against all graduates', β solving the likelihood's
    // score equation (here by bisection, not the code's Newton steps); for
    // the schools whose annual marks are known, as below.
    let count = |f: &dyn Fn(&Graduate) -> bool| {
        (grads.iter().filter(|g| f(g))).fold((0.0, 0.0), |a, g| {
            (a.0 + f64::from(u8::from(g.2)), a.1 + 1.0)
        })
    };
    let schools: std::collections::BTreeSet<&str> = grads.iter().map(|g| g.0).collect();
    let all_mean = grads.iter().map(|g| f64::from(g.3)).sum::<f64>() / grads.len() as f64;
    let logit = |p: f64| (p / (1.0 - p)).ln();
    let base: Vec<(&str, Vec<f64>, f64, f64)> = (schools.iter())
        .map(|&school| {
            let own: Vec<_> = grads.iter().filter(|g| g.0 == school).collect();
            let ((am, an), (om, on)) = (count(&|_| true), count(&|g| g.0 == school));
            let year = (am - om) / (an - on);
            let rates = (own.iter())
                .map(|g| {
                    let (bm, bn) = count(&|h| h.1 == g.1);
                    let (sm, sn) = count(&|h| h.1 == g.1 && h.0 == school);
                    logit((bm - sm + year) / (bn - sn + 1.0))
                })
                .collect();
            let holders = own.iter().filter(|g| g.2).count() as f64;
            let level = own.iter().map(|g| f64::from(g.3)).sum::<f64>() / own.len() as f64;
            (school, rates, holders, level - all_mean)
        })
        .collect();
    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
    let score = |beta: f64| -> f64 {
        (base.iter())
            .map(|(_, l, o, x)| x * (o - l.iter().map(|li| expit(li + beta * x)).sum::<f64>()))
            .sum()
    };
    let beta = root(&score, 1.0);
    let mut expected: std::collections::BTreeMap<&str, f64> = (base.iter())
        .map(|(school, l, _, x)| (*school, l.iter().map(|li| expit(li + beta * x)).sum()))
        .collect();
    // The school's marking L: the mean of (annual mark − the mean annual
    // mark of the same subject's works in the same 5-point bin of the test
    // score) over its EGE works with both, where it has at least 10. With
    // more than 10 such schools, their rates move by α + β x + γ L,
    // (α, β, γ) solving the three score equations — here by cyclic
    // bisection, one coefficient at a time with the others held, until none
    // moves (the log-likelihood is concave), not by the code's Newton steps.
    let mut bins: std::collections::BTreeMap<(&str, u32), (f64, f64)> = Default::default();
    let marked: Vec<(&str, &str, u32, f64)> = (ege.iter())
        .filter(|w| !w["test_score"].is_empty() && !w["journal_mark"].is_empty())
        .map(|w| {
            let bin = (w["test_score"].parse::<u32>().unwrap() / 5).min(20);
            let j: f64 = w["journal_mark"].parse().unwrap();
            (w["school"].as_str(), w["subject"].as_str(), bin, j)
        })
        .collect();
    for &(_, subject, bin, j) in &marked {
        let e = bins.entry((subject, bin)).or_default();
        *e = (e.0 + j, e.1 + 1.0);
    }
    let mut sums: std::collections::BTreeMap<&str, (f64, f64)> = Default::default();
    for &(school, subject, bin, j) in &marked {
        let (sum, n) = bins[&(subject, bin)];
        let e = sums.entry(school).or_default();
        *e = (e.0 + j - sum / n, e.1 + 1.0);
    }
    let with: Vec<(&str, &Vec<f64>, f64, f64, f64)> = (base.iter())
        .filter_map(|(school, l, o, x)| {
            let &(sum, n) = sums.get(school).filter(|(_, n)| *n >= 10.0)?;
            Some((*school, l, *o, *x, sum / n))
        })
        .collect();
    assert!(
        with.len() > 10,
        "the simulated EGE works carry annual marks"
    );
    // The score of coefficient k at c: Σ v_k (O − Σ expit(l + c · v)),
    // v = (1, x, L).
    let score = |k: usize, c: [f64; 3]| -> f64 {
        (with.iter())
            .map(|(_, l, o, x, m)| {
                let v = [1.0, *x, *m];
                let shift = c[0] + c[1] * x + c[2] * m;
                v[k] * (o - l.iter().map(|li| expit(li + shift)).sum::<f64>())
            })
            .sum()
    };
    let mut c = [0.0f64; 3];
    for _ in 0..400 {
        let before = c;
        for (k, range) in [(0, 5.0), (1, 0.3), (2, 60.0)] {
            let at = |v: f64| {
                let mut t = c;
                t[k] = v;
                score(k, t)
            };
            c[k] = root(&at, range);
        }
        if (0..3).all(|k| (c[k] - before[k]).abs() < 1e-12) {
            break;
        }
    }
    for (school, l, _, x, m) in &with {
        let shift = c[0] + c[1] * x + c[2] * m;
        expected.insert(school, l.iter().map(|li| expit(li + shift)).sum());
    }
    let mut judged = 0;
    for r in &s12 {
        let russian = r["exam"] == "EGE" && r["subject"] == "RU";
        assert_eq!(
            r["evaluated"] == "true",
            russian && !r["p_value"].is_empty(),
            "{r:?}"
        );
        if r["evaluated"] != "true" {
            continue;
        }
        judged += 1;
        let takers: std::collections::BTreeSet<&str> = (ege.iter())
            .filter(|w| w["subject"] == "RU" && w["school"] == r["school"])
            .map(|w| w["student"].as_str())
            .collect();
        let holders = (medals.iter())
            .filter(|m| m["school"] == r["school"] && takers.contains(m["student"].as_str()))
            .count();
        assert!(takers.len() >= 5);
        assert_eq!(
            r["statistic"].parse::<f64>().unwrap(),
            holders as f64,
            "{r:?}"
        );
        let p: f64 = r["p_value"].parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
        let expected: f64 = expected[r["school"].as_str()];
        let effect: f64 = r["effect"].parse().unwrap();
        let n = takers.len() as f64;
        assert!(
            ((holders as f64 - expected) / n - effect).abs() < 1e-4,
            "expected {expected}: {r:?}"
        );
    }
    assert!(judged >= 10, "{judged} EGE Russian cells judged");
    // The справка says what the medal counts show, with or without a table.
    let html = common::read(&out.join("report.html"));
    assert!(html.contains("Медалистов больше, чем можно ждать по баллам ЕГЭ"));

    std::fs::remove_file(data.join("medals.csv")).unwrap();
    let out = tmp.path().join("out2");
    common::analyze(&data, &out);
    assert!(!common::read(&out.join("report.html")).contains("Медалистов больше"));
    let rows = common::table(&out.join("findings.csv"));
    for r in rows.iter().filter(|r| r["sign"] == "S12") {
        assert_eq!(r["evaluated"], "false");
        if r["exam"] == "EGE" && r["subject"] == "RU" {
            assert_eq!(r["note"], "нет сведений о медалях (medals.csv)");
        }
    }
}

/// Over two years, the school-level signs pool a school's years: S12's count
/// over the years is the sum of its yearly counts (each checked against the
/// files above), shown beside each year's own p;
/// S11's pooled count is the sum of its yearly counts; S10's yearly cells of
/// a school and subject carry one pooled statistic.
#[test]
fn school_level_signs_pool_the_years() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    common::simulated(&data, 80, 2, 8);
    let out = tmp.path().join("out");
    common::analyze(&data, &out);
    let rows = common::table(&out.join("findings.csv"));
    let judged = |sign: &str| -> Vec<&std::collections::BTreeMap<String, String>> {
        (rows.iter())
            .filter(|r| r["sign"] == sign && r["evaluated"] == "true")
            .collect()
    };
    let number = |text: &str, after: &str| -> u64 {
        let rest = &text[text
            .find(after)
            .unwrap_or_else(|| panic!("{after}: {text}"))
            + after.len()..];
        rest.split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    // S12: per school, the two years' holders and graduates summed.
    let mut s12: std::collections::BTreeMap<&str, Vec<_>> = Default::default();
    for r in judged("S12") {
        s12.entry(r["school"].as_str()).or_default().push(r);
    }
    let mut both = 0;
    for years in s12.values().filter(|v| v.len() == 2) {
        both += 1;
        let holders: u64 = years
            .iter()
            .map(|r| r["statistic"].parse::<f64>().unwrap() as u64)
            .sum();
        for r in years {
            assert!(r["note"].starts_with("за 2 года вместе"), "{r:?}");
            // The simulated EGE works carry annual marks: the years together
            // are tested beside the year (module docs of S12).
            assert!(
                r["note"]
                    .ends_with("p — меньшее из p за этот год и за 2 года вместе, умноженное на 2"),
                "{r:?}"
            );
            assert_eq!(number(&r["note"], "медалистов "), holders, "{r:?}");
        }
    }
    assert!(both >= 10, "{both} schools with medal counts in both years");
    // S11: the pooled count at the minimums is the sum of the years' counts.
    let mut s11: std::collections::BTreeMap<(&str, &str), u64> = Default::default();
    for r in judged("S11") {
        s11.insert(
            (r["school"].as_str(), r["year"].as_str()),
            r["statistic"].parse::<f64>().unwrap() as u64,
        );
    }
    let mut pooled = 0;
    for r in judged("S11")
        .into_iter()
        .filter(|r| r["note"].starts_with("p — по всем годам"))
    {
        // A year whose own windows hold under 5 works is not judged and
        // shows no count here, though its works are in the pool.
        let years: Vec<u64> = (s11.iter())
            .filter(|(k, _)| k.0 == r["school"])
            .map(|(_, v)| *v)
            .collect();
        if years.len() == 2 {
            let sum = years.iter().sum::<u64>();
            assert_eq!(number(&r["note"], "работ на границе "), sum, "{r:?}");
            pooled += 1;
        }
    }
    assert!(pooled >= 10, "{pooled} S11 cells pooled over the years");
    // S10: one statistic per school and subject over the years.
    let mut s10: std::collections::BTreeMap<(&str, &str), std::collections::BTreeSet<&str>> =
        Default::default();
    for r in judged("S10")
        .into_iter()
        .filter(|r| r["note"].contains("вместе результатов ГИА"))
    {
        (s10.entry((r["school"].as_str(), r["subject"].as_str()))
            .or_default())
        .insert(r["statistic"].as_str());
    }
    assert!(s10.len() >= 10, "{} schools' S10 pooled", s10.len());
    assert!(s10.values().all(|z| z.len() == 1), "{s10:?}");
}

/// In a folder of a few schools (a small municipality analysed alone) the
/// other schools cannot give a medal rate per EGE score: S12 says so instead
/// of judging a school against an expected count of nearly zero.
#[test]
fn medal_counts_need_enough_other_schools() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    common::simulated(&data, 8, 1, 3);
    let out = tmp.path().join("out");
    common::analyze(&data, &out);
    let rows = common::table(&out.join("findings.csv"));
    let russian: Vec<_> = (rows.iter())
        .filter(|r| r["sign"] == "S12" && r["exam"] == "EGE" && r["subject"] == "RU")
        .collect();
    let thin = (russian.iter())
        .filter(|r| r["note"].contains("меньше 10 других ОО"))
        .count();
    assert!(thin >= 3, "{russian:?}");
    for r in russian {
        assert_eq!(r["evaluated"], "false", "{r:?}");
        let graduates_too_few = r["note"].starts_with("выпускников:");
        assert!(
            graduates_too_few || r["note"].contains("меньше 10 других ОО"),
            "{r:?}"
        );
    }
}

/// A municipality of a few schools judges its medals against its region's
/// figures in reference.csv (written by `obektiv reference` from the whole
/// region: graduates and holders per bin of test points, the schools'
/// spread); without them it says it cannot.
#[test]
fn a_small_municipality_judges_medals_against_the_reference() {
    let tmp = tempfile::tempdir().unwrap();
    let region = tmp.path().join("region");
    common::simulated(&region, 60, 2, 4);
    std::fs::remove_file(region.join("truth.csv")).unwrap();
    let reference = common::reference_of(&region);
    // The holders written for a year are the medals.csv rows of that year
    // whose student sat EGE Russian (counted here from the files).
    let medals = common::table(&region.join("medals.csv"));
    for year in ["2024", "2025"] {
        let ege = common::table(&region.join(format!("results_{year}_ege.csv")));
        let takers: std::collections::BTreeSet<(&str, &str)> = (ege.iter())
            .filter(|w| w["subject"] == "RU")
            .map(|w| (w["school"].as_str(), w["student"].as_str()))
            .collect();
        let expected = (medals.iter())
            .filter(|m| {
                m["year"] == year && takers.contains(&(m["school"].as_str(), m["student"].as_str()))
            })
            .count() as u64;
        let written: u64 = (reference.lines())
            .filter(|l| l.starts_with(&format!("EGE,{year},RU,11,region,medal_holders,")))
            .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
            .sum();
        assert_eq!(written, expected, "{year}");
        assert!(reference.contains(&format!("EGE,{year},RU,11,region,medal_school_sd,,")));
    }
    // The smallest municipality with at least three schools.
    let by = common::municipalities(&region);
    let own = (by.values())
        .filter(|s| (3..=9).contains(&s.len()))
        .min_by_key(|s| s.len())
        .expect("a small municipality");
    let muni = tmp.path().join("muni");
    common::cut(&region, &muni, own);
    let russian = |out: &std::path::Path| -> Vec<std::collections::BTreeMap<String, String>> {
        (common::table(&out.join("findings.csv")).into_iter())
            .filter(|r| r["sign"] == "S12" && r["exam"] == "EGE" && r["subject"] == "RU")
            .filter(|r| !r["note"].starts_with("выпускников:"))
            // A year without a medal in the municipality's medals.csv.
            .filter(|r| !r["note"].starts_with("нет сведений о медалях за этот год"))
            .collect()
    };
    let alone = tmp.path().join("alone");
    common::analyze(&muni, &alone);
    let rows = russian(&alone);
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["evaluated"] == "false" && r["note"].contains("меньше 10 других ОО")),
        "{rows:?}"
    );
    std::fs::write(muni.join("reference.csv"), &reference).unwrap();
    let with = tmp.path().join("with");
    common::analyze(&muni, &with);
    let rows = russian(&with);
    assert!(!rows.is_empty());
    for r in &rows {
        assert_eq!(r["evaluated"], "true", "{r:?}");
        let p: f64 = r["p_value"].parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
    }
}

/// Medal figures that do not hold together are named and not used.
#[test]
fn medal_figures_that_do_not_fit_are_not_used() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    common::simulated(&data, 20, 1, 2);
    std::fs::write(
        data.join("reference.csv"),
        "exam,year,subject,grade,scope,measure,key,value
EGE,2025,RU,11,region,medal_graduates,60,10
EGE,2025,RU,11,region,medal_holders,60,12
EGE,2025,RU,11,region,medal_holders,62,1
EGE,2025,RU,11,region,medal_spread,,0.02
EGE,2025,RU,11,region,medal_model,alpha,-0.1
EGE,2025,RU,11,region,medal_model,beta,0.02
EGE,2025,RU,11,region,medal_model,gamma,4.5
EGE,2025,RU,11,region,medal_model,school_sd,0.3
EGE,2025,MA,11,region,annual_mark,60,5.5
EGE,2025,MA,11,region,medal_model,slope,1
",
    )
    .unwrap();
    let out = tmp.path().join("out");
    common::analyze(&data, &out);
    let notes = common::read(&out.join("notes.csv"));
    assert!(
        notes.contains("в группе от 60 баллов медалистов 12 больше, чем выпускников 10"),
        "{notes}"
    );
    // The model without its mean score, and a mean annual mark above 5.
    assert!(notes.contains("нет значений: mean_score"), "{notes}");
    assert!(
        notes.contains("средняя годовая отметка 5.5 вне отметок 2–5"),
        "{notes}"
    );
    let rejected = common::table(&out.join("rejected_rows.csv"));
    assert!(
        rejected
            .iter()
            .any(|r| r["file"] == "reference.csv" && r["line"] == "4"),
        "{rejected:?}"
    );
    // A key the model does not have is a rejected row.
    assert!(
        rejected.iter().any(|r| r["file"] == "reference.csv"
            && r["line"] == "11"
            && r["reason"].contains("нужно alpha, beta, gamma, mean_score или school_sd")),
        "{rejected:?}"
    );
    // An older obektiv's spread (a beta-binomial ρ) is not read as τ.
    assert!(
        rejected.iter().any(|r| r["file"] == "reference.csv"
            && r["line"] == "5"
            && r["reason"].contains("перезапишите файл командой obektiv reference")),
        "{rejected:?}"
    );
}

/// A holder's code as a spreadsheet rewrites a number («0010» or «11.0» for
/// «10», «11») finds its works, with a note; a holder with no EGE works under any spelling is warned about.
#[test]
fn medal_codes_with_leading_zeros_find_their_works() {
    let tmp = tempfile::tempdir().unwrap();
    let ege = EGE.replace(",A,", ",10,").replace(",B,", ",11,");
    let data = common::folder(
        &tmp.path().join("d"),
        &[("results_ege.csv", ege.as_bytes())],
    );
    let medals = "year,school,student,medal\n2025,edu000001,0010,gold\n2025,edu000001,11.0,gold\n\
                  2025,edu000001,0012,gold\n";
    std::fs::write(data.join("medals.csv"), medals).unwrap();
    let (loaded, _) = obektiv::validate(&data, obektiv::progress::Progress::new(false)).unwrap();
    use obektiv::medals::Outcome::*;
    let got: Vec<(String, obektiv::medals::Outcome)> = (obektiv::medals::check(&loaded.dataset))
        .into_iter()
        .map(|c| (c.student, c.outcome))
        .collect();
    // As in the test above: 10 (A) meets the gold rule, 11 (B) does not
    // (in (year, school, student) order, as medals.csv is read).
    assert_eq!(
        got,
        [
            ("0012".to_owned(), NoResults),
            ("10".to_owned(), Met),
            ("11".to_owned(), NotMet)
        ]
    );
    let notes: Vec<&str> = (loaded.report.notes.iter())
        .map(|n| n.message.as_str())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("«0010» — «10»")
            && n.contains("сопоставлены как числа, без ведущих нулей и «.0» (медалистов: 2)")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("у медалистов (1) нет работ ЕГЭ") && n.contains("«0012»")),
        "{notes:?}"
    );
}

/// Annual marks missing in some schools only: those schools are judged by
/// the graduates' results and their level alone, each year on its own; the
/// others with their marking and their years together (S12's module docs).
#[test]
fn schools_without_annual_marks_keep_the_model_without_them() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    common::simulated(&data, 80, 2, 8);
    // The first three schools with EGE works lose their annual marks there.
    let mut unmarked = std::collections::BTreeSet::new();
    for year in [2024, 2025] {
        let path = data.join(format!("results_{year}_ege.csv"));
        let mut rd = csv::Reader::from_path(&path).unwrap();
        let headers = rd.headers().unwrap().clone();
        let (school, journal) = (
            headers.iter().position(|h| h == "school").unwrap(),
            headers.iter().position(|h| h == "journal_mark").unwrap(),
        );
        let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
        if unmarked.is_empty() {
            for r in &rows {
                if unmarked.len() < 3 {
                    unmarked.insert(r[school].to_owned());
                }
            }
        }
        let mut wr = csv::Writer::from_path(&path).unwrap();
        wr.write_record(&headers).unwrap();
        for r in rows {
            let blank = unmarked.contains(&r[school]);
            let rec: Vec<&str> = (r.iter().enumerate())
                .map(|(i, v)| if blank && i == journal { "" } else { v })
                .collect();
            wr.write_record(&rec).unwrap();
        }
        wr.flush().unwrap();
    }
    let out = tmp.path().join("out");
    common::analyze(&data, &out);
    let rows = common::table(&out.join("findings.csv"));
    let (mut with, mut without) = (0, 0);
    for r in (rows.iter()).filter(|r| r["sign"] == "S12" && r["evaluated"] == "true") {
        if !r["note"].starts_with("за 2 года вместе") {
            continue;
        }
        if unmarked.contains(&r["school"]) {
            without += 1;
            assert!(r["note"].ends_with("p — за этот год"), "{r:?}");
        } else if r["note"].ends_with("умноженное на 2") {
            // (a school with fewer than 10 EGE works in a year has no
            // marking that year, and may be judged without it)
            with += 1;
        }
    }
    assert!(
        without >= 2 && with >= 20,
        "{without} without marks, {with} with"
    );
}

/// A municipality of a few schools with the region's model of medals with
/// the annual marks in reference.csv (`medal_model`, `annual_mark`, written
/// by `obektiv reference`) judges its schools with their marks as the whole
/// region's analysis does: the same p-value for every school-year. Without
/// the model too few of its schools have marks (10 or fewer) and each is
/// judged by its level alone.
#[test]
fn a_small_municipality_judges_medals_with_the_regions_marks_model() {
    let tmp = tempfile::tempdir().unwrap();
    let region = tmp.path().join("region");
    common::simulated(&region, 60, 2, 2);
    std::fs::remove_file(region.join("truth.csv")).unwrap();
    let whole = tmp.path().join("whole");
    common::analyze(&region, &whole);
    let reference = common::reference_of(&region);
    for year in ["2024", "2025"] {
        for key in ["alpha", "beta", "gamma", "mean_score", "school_sd"] {
            let row = format!("EGE,{year},RU,11,region,medal_model,{key},");
            assert!(reference.contains(&row), "{row}");
        }
        assert!(reference.contains(&format!("EGE,{year},RU,11,region,annual_mark,")));
    }
    let by = common::municipalities(&region);
    // The largest municipality of at most 10 schools with medal holders in
    // both years (a year without any has no rows in its medals.csv).
    let medals = common::table(&region.join("medals.csv"));
    let both = |own: &std::collections::BTreeSet<String>| {
        ["2024", "2025"]
            .iter()
            .all(|y| (medals.iter()).any(|m| m["year"] == *y && own.contains(&m["school"])))
    };
    let own = (by.values())
        .filter(|s| (3..=10).contains(&s.len()) && both(s))
        .max_by_key(|s| s.len())
        .expect("a small municipality");
    let muni = tmp.path().join("muni");
    common::cut(&region, &muni, own);
    let pooled = |out: &std::path::Path| -> Vec<std::collections::BTreeMap<String, String>> {
        (common::table(&out.join("findings.csv")).into_iter())
            .filter(|r| r["sign"] == "S12" && r["evaluated"] == "true")
            .filter(|r| r["note"].starts_with("за 2 года вместе"))
            .collect()
    };
    let in_region: std::collections::BTreeMap<(String, String), f64> = (pooled(&whole).into_iter())
        .map(|r| {
            (
                (r["year"].clone(), r["school"].clone()),
                r["p_value"].parse().unwrap(),
            )
        })
        .collect();
    std::fs::write(muni.join("reference.csv"), &reference).unwrap();
    let with = tmp.path().join("with");
    common::analyze(&muni, &with);
    let rows = pooled(&with);
    let marked = rows
        .iter()
        .filter(|r| r["note"].ends_with("умноженное на 2"));
    assert!(marked.count() >= 2, "{rows:?}");
    for r in &rows {
        let p: f64 = r["p_value"].parse().unwrap();
        let q = in_region[&(r["year"].clone(), r["school"].clone())];
        assert!((p - q).abs() <= 1e-6 * q.max(1e-12), "{r:?}: region {q}");
    }
    // The same file without the model: the municipality's few schools with
    // marks are too few to fit one.
    let without: String = (reference.lines())
        .filter(|l| !l.contains(",medal_model,"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(muni.join("reference.csv"), without).unwrap();
    let level = tmp.path().join("level");
    common::analyze(&muni, &level);
    let rows = pooled(&level);
    assert!(!rows.is_empty());
    for r in &rows {
        assert!(r["note"].ends_with("p — за этот год"), "{r:?}");
    }
}
