//! Mark scales: the bundled cut points (`data/scales/*.csv`, compiled into the
//! binary, each row with its source) overridden test by test by the folder's
//! own scales.csv.
//!
//! VPR/OGE rows give, for marks 3, 4 and 5, the lowest primary score earning
//! the mark; EGE rows give the `pass` (certificate) and `university` minimum
//! test scores. A scale for another year is borrowed only when the test's
//! maximum primary score is the same, and that is noted.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::LoadError;
use crate::model::{Scale, TestKey};

use super::columns::{ColumnMap, SCALES};
use super::meta::{key_cols, test_keys};
use super::report::LoadReport;
use super::table::{ShortRows, Table};
use super::values;

/// The bundled scale files: (name, contents).
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "data/scales/ege_2024.csv",
        include_str!("../../data/scales/ege_2024.csv"),
    ),
    (
        "data/scales/ege_2025.csv",
        include_str!("../../data/scales/ege_2025.csv"),
    ),
    (
        "data/scales/oge_2025.csv",
        include_str!("../../data/scales/oge_2025.csv"),
    ),
];

pub type Scales = BTreeMap<TestKey, Scale>;

#[derive(Default)]
struct Partial {
    cuts: [Option<(f32, u64)>; 3],
    pass: Option<u8>,
    university: Option<u8>,
    max_score: Option<f32>,
    source: String,
    lines: Vec<u64>,
}

/// Reads one scales table.
pub fn load(
    table: &Table,
    file: &str,
    report: &mut LoadReport,
) -> Result<(Scales, u64), LoadError> {
    let map = ColumnMap::build(&table.path, &table.headers, SCALES, false)?;
    map.note_unknown(file, report);
    let keys = key_cols(&map, SCALES);
    let c = |n| map.get(SCALES, n);
    let (c_mark, c_min, c_max, c_src) = (c("mark"), c("min_score"), c("max_score"), c("source"));
    let mut parts: BTreeMap<TestKey, Partial> = BTreeMap::new();
    let mut read = 0;
    let mut short = ShortRows::default();
    table.for_each_row(|row| {
        short.see(&row);
        read += 1;
        if let Some(why) = row.malformed_reason(table.headers.len()) {
            return report.reject(file, row.line, "", "", why);
        }
        let get = |c: Option<usize>| c.map_or("", |c| row.get(c));
        // A row given for several grades («5-8») sets each grade's scale.
        let keys = match test_keys(&row, keys, true) {
            Ok(k) => k,
            Err((col, val, why)) => return report.reject(file, row.line, col, &val, why),
        };
        let key = &keys[0];
        // The lower bound of a published range («5–10», «от 5 до 10»), or a
        // number with its words («Минимальный балл 36»).
        let Some(min) = lower_bound(get(c_min)).filter(|v| (0.0..=values::MAX_PRIMARY).contains(v))
        else {
            return report.reject(
                file,
                row.line,
                "min_score",
                get(c_min),
                format!(
                    "неверный минимальный балл «{}»: нужно число от 0 до {} (или диапазон \
                     баллов отметки, например «5–10»)",
                    values::visible(get(c_min)),
                    values::MAX_PRIMARY
                ),
            );
        };
        // A maximum no test has costs only that field.
        let max = match values::number(get(c_max)) {
            Some(v) if v > 0.0 && v <= values::MAX_PRIMARY => Some(v as f32),
            None if get(c_max).is_empty() => None,
            _ => {
                report.warn(
                    file,
                    row.line,
                    format!(
                        "неверный максимальный балл «{}» шкалы {key}: нужно число больше 0 \
                         и не больше {}; максимум шкалы не учтён",
                        values::visible(get(c_max)),
                        values::MAX_PRIMARY
                    ),
                );
                None
            }
        };
        let mark_s = get(c_mark).trim_matches(['"', '«', '»', '\'']).trim();
        let mark = values::mark(mark_s).map_or_else(|| mark_s.to_lowercase(), |m| m.to_string());
        let slot = match mark.as_str() {
            // The lowest mark starts at 0 in every table: nothing to set.
            "2" if min == 0.0 => return,
            "3" => 0,
            "4" => 1,
            "5" => 2,
            "pass" | "аттестат" | "минимальный" | "порог" => 3,
            "university" | "вуз" => 4,
            other => {
                return report.reject(
                    file,
                    row.line,
                    "mark",
                    other,
                    format!(
                        "неверная отметка «{other}»: нужно 3, 4, 5, pass (аттестат) \
                         или university (вуз)"
                    ),
                );
            }
        };
        for key in keys {
            let p = parts.entry(key.clone()).or_default();
            match slot {
                3 => p.pass = Some(min.min(100.0) as u8),
                4 => p.university = Some(min.min(100.0) as u8),
                _ => {
                    if let Some((_, first)) = p.cuts[slot] {
                        return report.reject(
                            file,
                            row.line,
                            "mark",
                            &mark,
                            format!("отметка {mark} для {key} уже задана в строке {first}"),
                        );
                    }
                    p.cuts[slot] = Some((min as f32, row.line));
                }
            }
            p.max_score = p.max_score.or(max);
            if p.source.is_empty() {
                p.source = get(c_src).to_owned();
            }
            p.lines.push(row.line);
        }
    })?;
    short.note(file, report);
    let mut out = Scales::new();
    for (key, p) in parts {
        let cuts = match p.cuts {
            [None, None, None] => None,
            [Some(a), Some(b), Some(c)] if a.0 < b.0 && b.0 < c.0 => Some([a.0, b.0, c.0]),
            _ => {
                for line in p.lines {
                    report.reject(
                        file,
                        line,
                        "mark",
                        "",
                        format!(
                            "шкала {key} не принята: нужны отметки 3, 4 и 5, \
                             и min_score должен расти от 3 к 5"
                        ),
                    );
                }
                continue;
            }
        };
        let origin = if p.source.is_empty() {
            file.to_owned()
        } else {
            format!("{file} ({})", p.source)
        };
        out.insert(
            key,
            Scale {
                cuts,
                pass: p.pass,
                university: p.university,
                max_score: p.max_score,
                origin,
            },
        );
    }
    Ok((out, read))
}

/// The cut-off a scale row gives: a number, the lower bound of a range
/// («5–10», «5 - 10», «от 5 до 10»), or the number in a text («Минимальный
/// балл 36», «36 и выше»). `None` for an upper bound alone («до 13») or no number.
fn lower_bound(s: &str) -> Option<f64> {
    if let Some(v) = values::number(s) {
        return Some(v);
    }
    let t = s.trim().to_lowercase();
    if t.starts_with("до") || t.starts_with("менее") || t.starts_with('<') {
        return None;
    }
    let digits: String = (t.chars())
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.')
        .collect();
    values::number(digits.trim_end_matches([',', '.']))
}

/// The scales compiled into the binary.
pub fn bundled() -> Scales {
    let mut out = Scales::new();
    for (name, text) in BUNDLED {
        let table = Table::from_csv_bytes(Path::new(name), text.as_bytes().to_vec())
            .expect("bundled scale files are valid CSV");
        let mut report = LoadReport::default();
        let (scales, _) =
            load(&table, name, &mut report).expect("bundled scale files have the scale columns");
        debug_assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        out.extend(scales);
    }
    out
}

/// Finds the scale of `key`: the folder's, else the bundled one for the same
/// year, else a bundled one of the nearest earlier (then later) year whose
/// maximum score equals `test_max`. Returns the scale and a note when borrowed.
pub fn resolve(
    key: &TestKey,
    folder: &Scales,
    bundled: &Scales,
    test_max: Option<f32>,
) -> (Option<Scale>, Option<String>) {
    if let Some(s) = folder.get(key).or_else(|| bundled.get(key)) {
        return (Some(s.clone()), None);
    }
    let same_test =
        |k: &&TestKey| k.exam == key.exam && k.subject == key.subject && k.grade == key.grade;
    let mut candidates: Vec<(&TestKey, &Scale)> =
        bundled.iter().filter(|(k, _)| same_test(k)).collect();
    candidates.sort_by_key(|(k, _)| (k.year > key.year, k.year.abs_diff(key.year)));
    for (k, s) in candidates {
        let same_max = match (test_max, s.max_score) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-6,
            _ => key.exam == crate::model::Exam::Ege, // EGE minimums are test scores 0..100
        };
        if same_max {
            let note = format!(
                "нет шкалы для {key}: взята шкала {} года ({}) — её максимальный балл \
                 совпадает с максимумом теста",
                k.year, s.origin
            );
            return (Some(s.clone()), Some(note));
        }
    }
    (None, None)
}

/// Works a test needs before its cut points are read from its marks.
const MIN_MARKED: usize = 30;
/// Share of works whose mark may disagree with the cut points read.
const MAX_DISAGREEING: f64 = 0.01;

/// The cut points of marks 3, 4 and 5 read from the works' own (primary
/// score, mark) pairs — what a FIS OKO export holds when no scale is at
/// hand. For each mark k the cut is the score c that leaves the fewest works
/// on the wrong side (a mark ≥ k below c, or < k at or above it); it is
/// taken only when it is determined to one score point (the nearest score
/// below c was seen, with a mark below k), the cuts rise, at least
/// [`MIN_MARKED`] works have a mark and at most [`MAX_DISAGREEING`] of them
/// disagree in all. Returns the cuts and the number of works that disagree.
pub fn cuts_from_marks(pairs: &[(f32, u8)]) -> Option<([f32; 3], usize)> {
    let mut pairs: Vec<(f32, u8)> = (pairs.iter().copied())
        .filter(|(p, m)| p.is_finite() && (2..=5).contains(m))
        .collect();
    if pairs.len() < MIN_MARKED {
        return None;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    // Distinct scores, and per score the works with each mark.
    let mut scores: Vec<(f32, [usize; 4])> = Vec::new();
    for &(p, m) in &pairs {
        match scores.last_mut() {
            Some((q, counts)) if *q == p => counts[usize::from(m - 2)] += 1,
            _ => {
                let mut counts = [0; 4];
                counts[usize::from(m - 2)] = 1;
                scores.push((p, counts));
            }
        }
    }
    let mut cuts = [0f32; 3];
    for (slot, k) in (3u8..=5).enumerate() {
        let at_least = |c: &[usize; 4]| c[usize::from(k - 2)..].iter().sum::<usize>();
        let below = |c: &[usize; 4]| c[..usize::from(k - 2)].iter().sum::<usize>();
        // Threshold at scores[j]: marks ≥ k under it and < k from it on.
        let mut under = 0usize;
        let mut from: usize = scores.iter().map(|(_, c)| below(c)).sum();
        let mut best: Option<(usize, usize)> = None;
        for (j, (_, c)) in scores.iter().enumerate() {
            let errors = under + from;
            if best.is_none_or(|(e, _)| errors < e) {
                best = Some((errors, j));
            }
            under += at_least(c);
            from -= below(c);
        }
        let (_, j) = best?;
        // Nobody at the mark, or the cut's score point not pinned down.
        let pinned = j > 0 && scores[j].0 - scores[j - 1].0 <= 1.0 + 1e-6;
        if at_least(&scores[j].1) == 0 || !pinned {
            return None;
        }
        cuts[slot] = scores[j].0;
    }
    let rising = cuts[0] < cuts[1] && cuts[1] < cuts[2];
    // Counted as the test's works will be judged against the scale.
    let wrong = (pairs.iter())
        .filter(|&&(p, m)| Scale::mark_by(&cuts, p) != m)
        .count();
    (rising && wrong as f64 <= MAX_DISAGREEING * pairs.len() as f64).then_some((cuts, wrong))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Exam;

    fn key(exam: Exam, year: u16, subject: &str, grade: u8) -> TestKey {
        TestKey {
            year,
            exam,
            subject: subject.into(),
            grade,
        }
    }

    /// (score, mark) pairs: `n` works at each score of `scores`, marked by `cuts`.
    fn marked(scores: std::ops::RangeInclusive<u32>, n: usize, cuts: [f32; 3]) -> Vec<(f32, u8)> {
        let scale = Scale {
            cuts: Some(cuts),
            pass: None,
            university: None,
            max_score: None,
            origin: String::new(),
        };
        scores
            .flat_map(|p| std::iter::repeat_n(p as f32, n))
            .map(|p| (p, scale.mark(p).unwrap()))
            .collect()
    }

    #[test]
    fn lower_bounds_of_published_ranges() {
        for (s, v) in [
            ("5", 5.0),
            ("0–13", 0.0),
            ("14-19", 14.0),
            ("от 5 до 10", 5.0),
            ("Минимальный балл 36", 36.0),
            ("36 и выше", 36.0),
            ("2,5", 2.5),
        ] {
            assert_eq!(lower_bound(s), Some(v), "{s}");
        }
        for s in ["", "до 13", "менее 5", "нет"] {
            assert_eq!(lower_bound(s), None, "{s}");
        }
    }

    #[test]
    fn a_row_for_several_grades_sets_each() {
        let text = "exam,year,subject,grade,mark,min_score\nVPR,2025,HI,5-7,3,4\n\
                    VPR,2025,HI,\"5, 6, 7\",4,8\nVPR,2025,HI,5–7,5,12\n";
        let table = Table::from_csv_bytes(Path::new("s.csv"), text.as_bytes().to_vec()).unwrap();
        let mut report = LoadReport::default();
        let (scales, read) = load(&table, "s.csv", &mut report).unwrap();
        assert_eq!(read, 3);
        assert!(report.rejected.is_empty(), "{:?}", report.rejected);
        for g in 5..=7 {
            let s = &scales[&key(Exam::Vpr, 2025, "HI", g)];
            assert_eq!(s.cuts, Some([4.0, 8.0, 12.0]), "grade {g}");
        }
        assert_eq!(scales.len(), 3);
    }

    #[test]
    fn cuts_are_read_from_the_works_marks() {
        // Every score 0..=20 twice, cuts 6 / 11 / 17: found exactly.
        let pairs = marked(0..=20, 2, [6.0, 11.0, 17.0]);
        assert_eq!(cuts_from_marks(&pairs), Some(([6.0, 11.0, 17.0], 0)));
        // Order does not matter.
        let mut rev = pairs.clone();
        rev.reverse();
        assert_eq!(cuts_from_marks(&rev), Some(([6.0, 11.0, 17.0], 0)));
        // One typo among 42 (a «5» at score 3): 1 work disagrees, 1/42 > 1 %.
        let mut typo = pairs.clone();
        typo[6].1 = 5;
        assert_eq!(cuts_from_marks(&typo), None);
        // The same typo among 210 works (10 per score): kept, 1 disagrees.
        let mut many = marked(0..=20, 10, [6.0, 11.0, 17.0]);
        many[30].1 = 5;
        assert_eq!(cuts_from_marks(&many), Some(([6.0, 11.0, 17.0], 1)));
        // Nobody scored 16: the cut of «5» lies in (15, 17] and is not read.
        let gap: Vec<_> = pairs.iter().copied().filter(|p| p.0 != 16.0).collect();
        assert_eq!(cuts_from_marks(&gap), None);
        // Nobody got «5»: no cuts.
        let no_five: Vec<_> = pairs.iter().copied().filter(|p| p.1 < 5).collect();
        assert_eq!(cuts_from_marks(&no_five), None);
        // Too few works with a mark.
        assert_eq!(cuts_from_marks(&pairs[..29]), None);
        // Marks unrelated to the scores: too many disagree.
        let noise: Vec<_> = (0..60)
            .map(|i| ((i % 20) as f32, 2 + (i * 7 % 4) as u8))
            .collect();
        assert_eq!(cuts_from_marks(&noise), None);
        // Half points: cuts at 6.5 pinned by works at 6.0.
        let half: Vec<(f32, u8)> = (0..=40)
            .flat_map(|h| std::iter::repeat_n(h as f32 / 2.0, 2))
            .map(|p| {
                (
                    p,
                    2 + u8::from(p >= 6.5) + u8::from(p >= 11.0) + u8::from(p >= 17.5),
                )
            })
            .collect();
        assert_eq!(cuts_from_marks(&half), Some(([6.5, 11.0, 17.5], 0)));
    }

    #[test]
    fn bundled_files_parse_with_their_sources() {
        let b = bundled();
        let ru = &b[&key(Exam::Oge, 2025, "RU", 9)];
        // Письмо Рособрнадзора от 13.02.2025 № 04-41: 15 / 26 / 33 of 37.
        assert_eq!(ru.cuts, Some([15.0, 26.0, 33.0]));
        assert_eq!(ru.max_score, Some(37.0));
        assert!(ru.origin.contains("04-41"));
        let ege = &b[&key(Exam::Ege, 2025, "RU", 11)];
        assert_eq!((ege.pass, ege.university), (Some(24), Some(36)));
    }

    #[test]
    fn another_year_is_borrowed_only_with_the_same_maximum() {
        let b = bundled();
        let k = key(Exam::Oge, 2026, "RU", 9);
        let (s, note) = resolve(&k, &Scales::new(), &b, Some(37.0));
        assert_eq!(s.and_then(|s| s.cuts), Some([15.0, 26.0, 33.0]));
        let note = note.unwrap();
        assert!(
            note.starts_with(
                "нет шкалы для ОГЭ 2026, русский язык, 9 кл.: взята шкала 2025 года ("
            ),
            "{note}"
        );
        assert_eq!(resolve(&k, &Scales::new(), &b, Some(33.0)).0, None);
        assert_eq!(resolve(&k, &Scales::new(), &b, None).0, None);
    }
}
