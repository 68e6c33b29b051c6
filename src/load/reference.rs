//! reference.csv: the region's (and Russia's) published aggregates of the same
//! tests — FIS OKO's forms «Распределение первичных баллов», «Статистика по
//! отметкам», «Выполнение заданий», «Сравнение отметок с отметками по журналу»
//! and the GIA score distributions. With it a municipality's cells are judged
//! against the region's level instead of the municipality's own.
//!
//! Layout: `exam, year, subject, grade, scope, measure, key, value`, one row per
//! figure (see `shared/spec/data-contract.md`). A distribution may be given as
//! counts or as shares in %; which one is decided per test and measure: values
//! summing to 100 % (± 1.5) are shares, whole numbers otherwise counts; a mix
//! (fractions not summing to 100) is not used, with a note. Counts that do not
//! add up to the stated number of works are not used either. A test the folder
//! does not hold, or holds only in other years, is named in a note and not
//! used: the folder's own reference stays in force there, never a mix.

use std::collections::BTreeMap;

use crate::model::TestKey;

use super::columns::ColumnSpec;
use super::meta::{key_cols, test_key};
use super::report::LoadReport;
use super::table::Table;
use super::values;

pub const REFERENCE: &[ColumnSpec] = &[
    super::columns::col("exam", &["экзамен"], true),
    super::columns::col("year", &["год"], true),
    super::columns::col("subject", &["предмет"], true),
    super::columns::col("grade", &["параллель", "класс"], true),
    super::columns::col("scope", &["уровень", "территория"], true),
    super::columns::col("measure", &["показатель"], true),
    super::columns::col("key", &["ключ", "значение показателя"], false),
    super::columns::col("value", &["значение", "число"], true),
];

/// Whose figures a row gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Region,
    Russia,
}

impl Scope {
    fn parse(s: &str) -> Option<Scope> {
        match s.trim().to_lowercase().as_str() {
            "region" | "регион" | "субъект" | "субъект рф" => {
                Some(Scope::Region)
            }
            "russia" | "рф" | "россия" => Some(Scope::Russia),
            _ => None,
        }
    }
    pub fn russian(self) -> &'static str {
        match self {
            Scope::Region => "регион",
            Scope::Russia => "Россия",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Measure {
    Works,
    Primary,
    TestScore,
    Mark,
    Task,
    Journal,
    /// obektiv's own (FIS OKO publishes no medal figures): graduates with an
    /// EGE Russian result per bin of 5 test points of min(Russian, best
    /// other), on the EGE Russian test.
    MedalGraduates,
    /// Medal holders among them, per the same bins.
    MedalHolders,
    /// The schools' SD of medal rates on the logit scale beyond chance (τ).
    MedalSchoolSd,
    /// obektiv's own: the region's line between its schools' VPR and GIA
    /// results (sign S10), on the GIA test's rows: keys `a`, `b`, `spread`
    /// (τ²), `persistent` (τ²ₚ), `pairs`.
    VprGia,
}

impl Measure {
    fn parse(s: &str) -> Option<Measure> {
        match s.trim().to_lowercase().as_str() {
            "works" | "участники" | "количество участников" => {
                Some(Measure::Works)
            }
            "primary" | "первичный балл" => Some(Measure::Primary),
            "test_score" | "тестовый балл" => Some(Measure::TestScore),
            "mark" | "отметка" => Some(Measure::Mark),
            "task" | "задание" => Some(Measure::Task),
            "journal" | "журнал" => Some(Measure::Journal),
            "medal_graduates" | "выпускники" => Some(Measure::MedalGraduates),
            "medal_holders" | "медалисты" => Some(Measure::MedalHolders),
            "medal_school_sd" | "разброс медалей" => Some(Measure::MedalSchoolSd),
            "vpr_gia" | "впр и гиа" => Some(Measure::VprGia),
            _ => None,
        }
    }
    fn russian(self) -> &'static str {
        match self {
            Measure::Works => "число участников",
            Measure::Primary => "распределение первичных баллов",
            Measure::TestScore => "распределение тестовых баллов",
            Measure::Mark => "распределение отметок",
            Measure::Task => "выполнение заданий",
            Measure::Journal => "сравнение с отметками по журналу",
            Measure::MedalGraduates => "выпускники по баллам ЕГЭ",
            Measure::MedalHolders => "медалисты по баллам ЕГЭ",
            Measure::MedalSchoolSd => "разброс числа медалистов между ОО",
            Measure::VprGia => "связь результатов ВПР и ГИА по ОО",
        }
    }
}

/// One test's published figures for one scope. Distributions are shares
/// (summing to 1), sorted by key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TestReference {
    pub works: Option<f64>,
    pub primary: Vec<(f32, f64)>,
    pub test_score: Vec<(f32, f64)>,
    /// Shares of marks 2, 3, 4, 5.
    pub marks: Option<[f64; 4]>,
    /// Per task index k (column tk): the mean share of its maximum, 0..1.
    pub tasks: BTreeMap<u16, f64>,
    /// Shares of works whose exam mark is below / equal to / above the journal
    /// mark (FIS OKO: «понизили», «подтвердили», «повысили»).
    pub journal: Option<[f64; 3]>,
    /// Medal figures (obektiv's own measures, written by `obektiv reference`).
    pub medals: Option<MedalReference>,
    /// The region's VPR–GIA line, on a GIA test (obektiv's own measure).
    pub line: Option<GiaLine>,
}

/// The region's line GIA = a + b · VPR over its schools' standardized results
/// (sign S10's fit), with the spread τ² beyond sampling, its part τ²ₚ that
/// stays with a school, and the schools' pairs it was fitted on.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GiaLine {
    pub a: f64,
    pub b: f64,
    pub spread: f64,
    pub persistent: f64,
    pub pairs: f64,
}

/// The keys of [`Measure::VprGia`], in [`GiaLine`]'s order.
const LINE_KEYS: [&str; 5] = ["a", "b", "spread", "persistent", "pairs"];

/// A year's medal figures on the EGE Russian test: per bin's lower bound
/// (test points, a multiple of 5), (holders, graduates); and the schools'
/// SD τ on the logit scale where given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MedalReference {
    pub bins: BTreeMap<u8, (u64, u64)>,
    pub tau: Option<f64>,
}

impl TestReference {
    /// The share of the distribution (primary or test scores) at or above `v`.
    pub fn share_at_or_above(dist: &[(f32, f64)], v: f32) -> f64 {
        dist.iter().filter(|(s, _)| *s >= v).map(|(_, p)| p).sum()
    }
    /// The share at exactly `v`.
    pub fn share_at(dist: &[(f32, f64)], v: f32) -> f64 {
        dist.iter().filter(|(s, _)| *s == v).map(|(_, p)| p).sum()
    }
    /// The share in [lo, hi].
    pub fn share_between(dist: &[(f32, f64)], lo: f32, hi: f32) -> f64 {
        (dist.iter())
            .filter(|(s, _)| *s >= lo && *s <= hi)
            .map(|(_, p)| p)
            .sum()
    }
    /// The mean of a distribution.
    pub fn mean(dist: &[(f32, f64)]) -> Option<f64> {
        (!dist.is_empty()).then(|| dist.iter().map(|(s, p)| f64::from(*s) * p).sum())
    }
}

/// The loaded reference: per test, the region's and Russia's figures.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reference {
    pub region: BTreeMap<TestKey, TestReference>,
    pub russia: BTreeMap<TestKey, TestReference>,
}

/// Raw figures of one (test, scope, measure): (key, value, line).
type Raw = BTreeMap<(TestKey, Scope, Measure), Vec<(String, f64, u64)>>;

/// Reads reference.csv; `tests` are the folder's tests (for the notes on tests
/// it does not hold). Returns the reference and the rows read.
pub fn load(
    table: &Table,
    file: &str,
    tests: &[TestKey],
    report: &mut LoadReport,
) -> Result<(Reference, u64), crate::error::LoadError> {
    let map = super::columns::ColumnMap::build(&table.path, &table.headers, REFERENCE, false)?;
    let keys = key_cols(&map, REFERENCE);
    let c = |n| map.get(REFERENCE, n).unwrap_or(usize::MAX);
    let (c_scope, c_measure, c_key, c_value) = (c("scope"), c("measure"), c("key"), c("value"));
    let mut raw: Raw = BTreeMap::new();
    let mut read = 0;
    table.for_each_row(|row| {
        read += 1;
        if let Some(why) = row.malformed_reason(table.headers.len()) {
            return report.reject(file, row.line, "", "", why);
        }
        let key = match test_key(&row, keys) {
            Ok(k) => k,
            Err((col, val, why)) => return report.reject(file, row.line, col, &val, why),
        };
        let Some(scope) = Scope::parse(row.get(c_scope)) else {
            let v = row.get(c_scope);
            return report.reject(
                file,
                row.line,
                "scope",
                v,
                format!("неизвестный уровень «{v}»: нужно region или russia (регион или РФ)"),
            );
        };
        let Some(measure) = Measure::parse(row.get(c_measure)) else {
            let v = row.get(c_measure);
            if v.trim().eq_ignore_ascii_case("medal_spread") {
                return report.reject(
                    file,
                    row.line,
                    "measure",
                    v,
                    "medal_spread записан прежней версией obektiv и теперь не используется: перезапишите файл командой obektiv reference (разброс медалей теперь в medal_school_sd)",
                );
            }
            return report.reject(
                file,
                row.line,
                "measure",
                v,
                format!(
                    "неизвестный показатель «{v}»: нужно works, primary, test_score, mark, task, journal, medal_graduates, medal_holders, medal_school_sd или vpr_gia"
                ),
            );
        };
        let value = row.get(c_value);
        // The line's intercept may be below 0; every other figure may not.
        let signed = measure == Measure::VprGia && row.get(c_key).trim() == "a";
        let Some(v) = values::number(value).filter(|v| v.is_finite() && (signed || *v >= 0.0))
        else {
            return report.reject(
                file,
                row.line,
                "value",
                value,
                if signed { "нужно число" } else { "нужно неотрицательное число" },
            );
        };
        let k = row.get(c_key).trim().to_owned();
        if let Err(why) = check_key(measure, &k) {
            return report.reject(file, row.line, "key", &k, why);
        }
        raw.entry((key, scope, measure))
            .or_default()
            .push((k, v, row.line));
    })?;
    let reference = assemble(raw, file, tests, report);
    Ok((reference, read))
}

/// Whether `key` fits `measure`.
fn check_key(measure: Measure, key: &str) -> Result<(), String> {
    let number = |max: f64| {
        values::number(key)
            .filter(|v| (0.0..=max).contains(v))
            .map(|_| ())
    };
    let ok = match measure {
        Measure::Works => key.is_empty().then_some(()),
        Measure::Primary => number(values::MAX_PRIMARY),
        Measure::TestScore => number(100.0),
        Measure::Mark => matches!(key, "2" | "3" | "4" | "5").then_some(()),
        Measure::Task => key
            .parse::<u16>()
            .ok()
            .filter(|k| (1..=500).contains(k))
            .map(|_| ()),
        Measure::Journal => journal_slot(key).map(|_| ()),
        Measure::MedalGraduates | Measure::MedalHolders => key
            .parse::<u8>()
            .ok()
            .filter(|k| *k <= 100 && k % 5 == 0)
            .map(|_| ()),
        Measure::MedalSchoolSd => key.is_empty().then_some(()),
        Measure::VprGia => LINE_KEYS.contains(&key).then_some(()),
    };
    ok.ok_or_else(|| match measure {
        Measure::Works => "у показателя works ключ должен быть пустым".to_owned(),
        Measure::Primary => "нужен первичный балл от 0 до 1000".to_owned(),
        Measure::TestScore => "нужен тестовый балл от 0 до 100".to_owned(),
        Measure::Mark => "нужна отметка 2, 3, 4 или 5".to_owned(),
        Measure::Task => "нужен номер задания (номер k столбца tk)".to_owned(),
        Measure::Journal => {
            "нужно lowered, confirmed или raised (понизили, подтвердили, повысили)".to_owned()
        }
        Measure::MedalGraduates | Measure::MedalHolders => {
            "нужна нижняя граница группы тестовых баллов: 0, 5, 10, …, 100".to_owned()
        }
        Measure::MedalSchoolSd => "у показателя medal_school_sd ключ должен быть пустым".to_owned(),
        Measure::VprGia => "нужно a, b, spread, persistent или pairs".to_owned(),
    })
}

/// The line from its five figures, or why it cannot be used: every key given,
/// the persistent part within the spread, at least 10 pairs.
fn gia_line(rows: &[(String, f64, u64)]) -> Result<GiaLine, String> {
    let get = |k: &str| rows.iter().find(|r| r.0 == k).map(|r| r.1);
    let missing: Vec<&str> = LINE_KEYS.into_iter().filter(|k| get(k).is_none()).collect();
    if !missing.is_empty() {
        return Err(format!("нет значений: {}", missing.join(", ")));
    }
    let v = |k| get(k).unwrap_or_default();
    let line = GiaLine {
        a: v("a"),
        b: v("b"),
        spread: v("spread"),
        persistent: v("persistent"),
        pairs: v("pairs"),
    };
    if line.persistent > line.spread {
        return Err(format!(
            "постоянная часть разброса {} больше всего разброса {}",
            line.persistent, line.spread
        ));
    }
    if line.pairs < 10.0 {
        return Err(format!(
            "прямая проведена по {} парам ОО, нужно не меньше 10",
            line.pairs
        ));
    }
    Ok(line)
}

fn journal_slot(key: &str) -> Option<usize> {
    match key.to_lowercase().as_str() {
        "lowered" | "понизили" | "понижена" => Some(0),
        "confirmed" | "подтвердили" | "подтверждена" => Some(1),
        "raised" | "повысили" | "повышена" => Some(2),
        _ => None,
    }
}

/// How a distribution's figures were given.
enum Given {
    Shares(Vec<f64>),
    Counts(Vec<f64>),
}

/// Decides counts or shares for `values` (see the module docs).
fn given(values: &[f64], works: Option<f64>) -> Result<Given, String> {
    let sum: f64 = values.iter().sum();
    if sum <= 0.0 {
        return Err("все значения нулевые".into());
    }
    let whole = values.iter().all(|v| v.fract() == 0.0);
    // Counts may fall short of the works (works without the score), never exceed them.
    let counts_fit = works.is_none_or(|w| sum <= 1.01 * w + 0.5);
    // Whole numbers adding up to the stated works are counts even near 100.
    if (sum - 100.0).abs() <= 1.5 && !(whole && works.is_some_and(|w| w == sum)) {
        return Ok(Given::Shares(values.iter().map(|v| v / sum).collect()));
    }
    if whole {
        if !counts_fit {
            return Err(format!(
                "это количества работ, но их сумма {sum} больше числа участников {}",
                works.unwrap_or_default()
            ));
        }
        return Ok(Given::Counts(values.iter().map(|v| v / sum).collect()));
    }
    Err(format!(
        "ни количества работ (есть дробные значения), ни доли в процентах (сумма {} %, а не 100 %)",
        crate::report::html::num(sum, 1)
    ))
}

fn assemble(raw: Raw, file: &str, tests: &[TestKey], report: &mut LoadReport) -> Reference {
    let mut out = Reference::default();
    let mut absent: BTreeMap<String, std::collections::BTreeSet<u16>> = BTreeMap::new();
    let (mut as_shares, mut as_counts) = (0usize, 0usize);
    let mut note_given = |g: &Given| match g {
        Given::Shares(_) => as_shares += 1,
        Given::Counts(_) => as_counts += 1,
    };
    let line_of = |rows: &[(String, f64, u64)]| rows.first().map_or(0, |r| r.2);
    for ((key, scope, measure), rows) in &raw {
        if !tests.contains(key) {
            let same_test = tests
                .iter()
                .filter(|t| t.exam == key.exam && t.subject == key.subject && t.grade == key.grade);
            let years: Vec<u16> = same_test.map(|t| t.year).collect();
            let label = format!(
                "{}, {}, {} кл.",
                key.exam.russian(),
                crate::model::subject_name(&key.subject),
                key.grade
            );
            let what = if years.is_empty() {
                format!("{label}: этого теста нет в данных")
            } else {
                format!(
                    "{label}: в данных другие годы ({})",
                    years
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            absent.entry(what).or_default().insert(key.year);
            continue;
        }
        let target = match scope {
            Scope::Region => out.region.entry(key.clone()).or_default(),
            Scope::Russia => out.russia.entry(key.clone()).or_default(),
        };
        let works = raw
            .get(&(key.clone(), *scope, Measure::Works))
            .and_then(|r| r.first())
            .map(|r| r.1);
        let fail = |report: &mut LoadReport, why: String| {
            report.warn(
                file,
                line_of(rows),
                format!(
                    "{} ({}, {}): {}; не используется — сравнение идёт с ячейками самой папки",
                    measure.russian(),
                    key,
                    scope.russian(),
                    why
                ),
            );
        };
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = rows.iter().find(|r| !seen.insert(r.0.clone())) {
            fail(
                report,
                format!("значение «{}» дано дважды (строка {})", dup.0, dup.2),
            );
            continue;
        }
        match measure {
            Measure::Works => target.works = works,
            Measure::Primary | Measure::TestScore => {
                let values: Vec<f64> = rows.iter().map(|r| r.1).collect();
                match given(&values, works) {
                    Ok(g) => {
                        note_given(&g);
                        let (Given::Shares(s) | Given::Counts(s)) = g;
                        let mut dist: Vec<(f32, f64)> = rows
                            .iter()
                            .zip(s)
                            .map(|(r, p)| (values::number(&r.0).unwrap_or(0.0) as f32, p))
                            .collect();
                        dist.sort_by(|a, b| a.0.total_cmp(&b.0));
                        if *measure == Measure::Primary {
                            target.primary = dist;
                        } else {
                            target.test_score = dist;
                        }
                    }
                    Err(why) => fail(report, why),
                }
            }
            Measure::Mark => {
                let mut v = [0.0; 4];
                for r in rows {
                    v[usize::from(r.0.as_bytes()[0] - b'2')] = r.1;
                }
                match given(&v, works) {
                    Ok(g) => {
                        note_given(&g);
                        let (Given::Shares(s) | Given::Counts(s)) = g;
                        target.marks = Some([s[0], s[1], s[2], s[3]]);
                    }
                    Err(why) => fail(report, why),
                }
            }
            Measure::Journal => {
                let mut v = [0.0; 3];
                let mut filled = [false; 3];
                for r in rows {
                    let slot = journal_slot(&r.0).unwrap_or(0);
                    v[slot] = r.1;
                    filled[slot] = true;
                }
                // Each part once: «lowered» and «понизили» are the same part.
                match given(&v, None) {
                    Ok(Given::Shares(s) | Given::Counts(s))
                        if rows.len() == 3 && filled.iter().all(|&f| f) =>
                    {
                        target.journal = Some([s[0], s[1], s[2]]);
                    }
                    Ok(_) => fail(
                        report,
                        "нужны все три доли: понизили, подтвердили, повысили".into(),
                    ),
                    Err(why) => fail(report, why),
                }
            }
            Measure::MedalGraduates | Measure::MedalHolders => {
                if let Some(r) = rows.iter().find(|r| r.1.fract() != 0.0) {
                    fail(
                        report,
                        format!("нужно число выпускников, а не {} (строка {})", r.1, r.2),
                    );
                    continue;
                }
                let m = target.medals.get_or_insert_with(MedalReference::default);
                for r in rows {
                    let e = m.bins.entry(r.0.parse().unwrap_or(0)).or_default();
                    if *measure == Measure::MedalHolders {
                        e.0 = r.1 as u64;
                    } else {
                        e.1 = r.1 as u64;
                    }
                }
            }
            Measure::MedalSchoolSd => {
                let r = &rows[0];
                let most = crate::stats::random_intercept::MAX_TAU;
                if r.1 > most {
                    fail(
                        report,
                        format!("разброс медалей {} больше {most} (строка {})", r.1, r.2),
                    );
                    continue;
                }
                target
                    .medals
                    .get_or_insert_with(MedalReference::default)
                    .tau = Some(r.1);
            }
            Measure::VprGia => match gia_line(rows) {
                Ok(l) => target.line = Some(l),
                Err(why) => fail(report, why),
            },
            Measure::Task => {
                if let Some(r) = rows.iter().find(|r| r.1 > 100.0) {
                    fail(
                        report,
                        format!(
                            "выполнение задания {} — {} %, больше 100 % (строка {})",
                            r.0, r.1, r.2
                        ),
                    );
                    continue;
                }
                target.tasks = rows
                    .iter()
                    .map(|r| (r.0.parse().unwrap_or(0), r.1 / 100.0))
                    .collect();
            }
        }
    }
    for (what, years) in absent {
        let years: Vec<String> = years.iter().map(u16::to_string).collect();
        report.warn(
            file,
            0,
            format!("{what}; строки за {} г. не используются", years.join(", ")),
        );
    }
    if as_shares + as_counts > 0 {
        report.note(
            super::report::Level::Info,
            file,
            0,
            format!(
                "распределения (баллы, отметки) даны долями в процентах: {as_shares}, \
                 количествами работ: {as_counts}; те и другие пересчитаны в доли"
            ),
        );
    }
    // Medal figures hold together or are not used: holders at most the
    // graduates of each bin, and both given.
    for (key, r) in out.region.iter_mut().chain(out.russia.iter_mut()) {
        let Some(m) = &r.medals else { continue };
        let why = if m.bins.is_empty() {
            Some("нет числа выпускников и медалистов по группам баллов".to_owned())
        } else if m.bins.values().all(|b| b.1 == 0) {
            Some("нет числа выпускников (medal_graduates)".to_owned())
        } else {
            (m.bins.iter()).find(|(_, b)| b.0 > b.1).map(|(k, b)| {
                format!(
                    "в группе от {k} баллов медалистов {} больше, чем выпускников {}",
                    b.0, b.1
                )
            })
        };
        if let Some(why) = why {
            report.warn(
                file,
                0,
                format!(
                    "медали ({key}): {why}; не используются — доля медалистов оценивается по ОО самой папки"
                ),
            );
            r.medals = None;
        }
    }
    out.region.retain(|_, r| *r != TestReference::default());
    out.russia.retain(|_, r| *r != TestReference::default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(figures: &[(&str, f64)]) -> Vec<(String, f64, u64)> {
        (figures.iter().enumerate())
            .map(|(i, &(k, v))| (k.to_owned(), v, i as u64 + 2))
            .collect()
    }

    #[test]
    fn the_vpr_gia_line_needs_every_figure_and_holds_together() {
        let full = [
            ("a", -0.05),
            ("b", 0.8),
            ("spread", 0.01),
            ("persistent", 0.002),
            ("pairs", 250.0),
        ];
        let line = gia_line(&rows(&full)).unwrap();
        assert_eq!((line.a, line.b, line.pairs), (-0.05, 0.8, 250.0));
        let why = gia_line(&rows(&full[..3])).unwrap_err();
        assert!(why.contains("persistent, pairs"), "{why}");
        let mut wide = full;
        wide[3].1 = 0.02;
        assert!(
            gia_line(&rows(&wide))
                .unwrap_err()
                .contains("больше всего разброса")
        );
        let mut few = full;
        few[4].1 = 9.0;
        assert!(gia_line(&rows(&few)).unwrap_err().contains("не меньше 10"));
        // Only the intercept may be below 0 (checked as the row is read).
        assert!(check_key(Measure::VprGia, "a").is_ok());
        assert!(check_key(Measure::VprGia, "slope").is_err());
    }
}
