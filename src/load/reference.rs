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
use crate::stats::identical::{stratum, stratum_misses, stratum_total};

use super::columns::ColumnSpec;
use super::meta::{key_cols, test_key};
use super::report::LoadReport;
use super::table::{ShortRows, Table};
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
    /// obektiv's own: the year's model of medal rates with the schools'
    /// annual marks (sign S12), on the EGE Russian test: keys `alpha`,
    /// `beta`, `gamma`, `mean_score` (m̄), `school_sd` (τ with the marks).
    MedalModel,
    /// obektiv's own: on each EGE test, the mean annual mark of the works
    /// per bin of 5 test points (key: the bin's lower bound).
    AnnualMark,
    /// obektiv's own: the region's line between its schools' VPR and GIA
    /// results (sign S10), on the GIA test's rows: keys `a`, `b`, `spread`
    /// (τ²), `persistent` (τ²ₚ), `pairs`.
    VprGia,
    /// obektiv's own (sign S5): per total score `t` (key `t`, or `t_v` for
    /// variant v), pairs of works of different schools with identical task
    /// scores.
    IdenticalPairs,
    /// All pairs of works of different schools, per the same keys.
    CrossPairs,
    /// obektiv's own (sign S3): per level group g (key g = 1, 2, …), the
    /// largest cell mean in it, on the scale of the test's cut-offs.
    CutoffLevel,
    /// Per cut-off c and level group g (key `c_g`): the share of works at the
    /// cut-off among its window in the region's cells of that level.
    CutoffShare,
    /// Per the same keys: the school-to-school spread ρ of that share.
    CutoffSpread,
    /// Per the same keys: the cells the share and spread were read from.
    CutoffCells,
    /// Per the same keys: the works in those cells' windows.
    CutoffWorks,
    /// Per the same keys: Σ n² over those cells' windows.
    CutoffWorks2,
    /// obektiv's own (sign S6): the region's mean response per bin of the
    /// predictor, key `d_x` (direction a or b, the bin's largest predictor
    /// value: a school mark for a, a primary score for b).
    OwnMarksBin,
    /// The pooled within-cell SD of the residuals, key `a` or `b`.
    OwnMarksSd,
    /// The year's model of cells within schools, keys `d_mu`, `d_school`,
    /// `d_cell` (μ, τ²ₛ, τ²꜀).
    OwnMarksModel,
    /// obektiv's own (sign S4c): per journal mark j and peer group g (key
    /// `j_g`, g = 0 ordinary schools, 1 lyceums, gymnasiums and in-depth
    /// study), the share of works at the cut-off of mark j among the works
    /// of journal mark j from the cut-off of the mark below up to it.
    FittedShare,
    /// Per the same keys: the school-to-school spread ρ of that share.
    FittedSpread,
    /// Per the same keys: the cells the share and spread were read from.
    FittedCells,
    /// Per the same keys: the works in those cells' windows.
    FittedWorks,
    /// Per the same keys: Σ n² over those cells' windows.
    FittedWorks2,
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
            "medal_model" | "медали: модель с годовыми отметками" => {
                Some(Measure::MedalModel)
            }
            "annual_mark" | "годовые отметки по баллам" => {
                Some(Measure::AnnualMark)
            }
            "vpr_gia" | "впр и гиа" => Some(Measure::VprGia),
            "identical_pairs" | "совпадающие пары" => Some(Measure::IdenticalPairs),
            "cross_pairs" | "пары работ" => Some(Measure::CrossPairs),
            "cutoff_level" | "уровень группы" => Some(Measure::CutoffLevel),
            "cutoff_share" | "доля на границе" => Some(Measure::CutoffShare),
            "cutoff_spread" | "разброс на границе" => Some(Measure::CutoffSpread),
            "cutoff_cells" | "ячеек у границы" => Some(Measure::CutoffCells),
            "cutoff_works" | "работ у границы" => Some(Measure::CutoffWorks),
            "cutoff_works2" | "сумма квадратов работ у границы" => {
                Some(Measure::CutoffWorks2)
            }
            "own_marks_bin" | "отметки школы: средние" => {
                Some(Measure::OwnMarksBin)
            }
            "own_marks_sd" | "отметки школы: разброс" => {
                Some(Measure::OwnMarksSd)
            }
            "own_marks_model" | "отметки школы: модель" => {
                Some(Measure::OwnMarksModel)
            }
            "fitted_share" | "доля на границе отметки по журналу" => {
                Some(Measure::FittedShare)
            }
            "fitted_spread" | "разброс на границе отметки по журналу" => {
                Some(Measure::FittedSpread)
            }
            "fitted_cells" | "ячеек у границы отметки по журналу" => {
                Some(Measure::FittedCells)
            }
            "fitted_works" | "работ у границы отметки по журналу" => {
                Some(Measure::FittedWorks)
            }
            "fitted_works2" | "сумма квадратов работ у границы отметки по журналу" => {
                Some(Measure::FittedWorks2)
            }
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
            Measure::MedalModel => "число медалистов с учётом годовых отметок ОО",
            Measure::AnnualMark => "средние годовые отметки по тестовым баллам",
            Measure::VprGia => "связь результатов ВПР и ГИА по ОО",
            Measure::IdenticalPairs | Measure::CrossPairs => {
                "совпадения работ разных ОО по баллам за задания"
            }
            Measure::CutoffLevel
            | Measure::CutoffShare
            | Measure::CutoffSpread
            | Measure::CutoffCells
            | Measure::CutoffWorks
            | Measure::CutoffWorks2 => "работы на границах отметок по группам ОО",
            Measure::OwnMarksBin | Measure::OwnMarksSd | Measure::OwnMarksModel => {
                "результаты и отметки школы"
            }
            Measure::FittedShare
            | Measure::FittedSpread
            | Measure::FittedCells
            | Measure::FittedWorks
            | Measure::FittedWorks2 => "работы на границе отметки по журналу по группам ОО",
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
    /// On an EGE test: per bin's lower bound (test points, a multiple of 5),
    /// the region's mean annual mark of the works in it (obektiv's own
    /// measure `annual_mark`); empty when not given.
    pub annual_marks: BTreeMap<u8, f64>,
    /// The region's VPR–GIA line, on a GIA test (obektiv's own measure).
    pub line: Option<GiaLine>,
    /// Per (total, variant): identical and all cross-school pairs of works
    /// (obektiv's own measure, sign S5); empty when not given.
    pub pairs: crate::stats::identical::PairCounts,
    /// The cut-off sign's null per level group (obektiv's own measures).
    pub cutoffs: Option<CutoffNulls>,
    /// The own-marks sign's reference, per direction (obektiv's own).
    pub own_marks: [Option<OwnMarksRef>; 2],
    /// S4c's null per (journal mark, peer group): [share, ρ, cells, works,
    /// Σ n²] (obektiv's own measures `fitted_*`); empty when not given.
    pub fitted: BTreeMap<(u8, u8), [f64; 5]>,
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

/// The region's null of the cut-off sign (S3) per level group of cells
/// (obektiv's own measures `cutoff_level`, `cutoff_share`, `cutoff_spread`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CutoffNulls {
    /// Per group 1, 2, …: the largest cell mean in it.
    pub bounds: BTreeMap<u8, f64>,
    /// Per (cut-off in hundredths, group): [share, ρ, cells, works in their
    /// windows, Σ n² of the windows]; NaN where not given.
    pub nulls: BTreeMap<(i64, u8), [f64; 5]>,
}

impl CutoffNulls {
    /// A cut-off as a key: in hundredths of a point.
    pub fn key(cut: f64) -> i64 {
        (cut * 100.0).round() as i64
    }

    /// The group of a cell of mean `m`: the first whose largest mean is at
    /// least `m`, else the last (1-based).
    pub fn group_of(&self, m: f64) -> u8 {
        (self.bounds.iter())
            .find(|(_, b)| m <= **b)
            .or_else(|| self.bounds.iter().next_back())
            .map_or(1, |(g, _)| *g)
    }

    /// [share, ρ, cells, works, Σ n²] of a cut-off and group.
    pub fn null(&self, cut: f32, group: u8) -> Option<[f64; 5]> {
        self.nulls.get(&(Self::key(f64::from(cut)), group)).copied()
    }

    /// Why the figures cannot be used: groups numbered 1, 2, … in order of
    /// their means, the four figures for each cut-off and group given (a group
    /// without them has no null at that cut-off, as in the region's own
    /// analysis), shares in (0, 1), spreads in (0, 0.5].
    fn check(&self) -> Result<(), String> {
        if self.bounds.is_empty() {
            return Err("нет границ групп ОО (cutoff_level)".into());
        }
        let groups = self.bounds.len() as u8;
        if self.bounds.keys().copied().ne(1..=groups) {
            return Err("группы ОО должны идти подряд с 1".into());
        }
        if (self.bounds.values().zip(self.bounds.values().skip(1))).any(|(a, b)| a > b) {
            return Err("средние баллы групп ОО идут не по возрастанию".into());
        }
        if self.nulls.is_empty() {
            return Err("нет долей и разброса на границах (cutoff_share, cutoff_spread)".into());
        }
        for (&(c, g), &figures) in &self.nulls {
            let what = format!("граница {}, группа {g}", c as f64 / 100.0);
            check_published(&what, figures, "cutoff")?;
        }
        if let Some(&(_, g)) = self.nulls.keys().find(|k| k.1 > groups) {
            return Err(format!("группа {g} без среднего балла (cutoff_level)"));
        }
        Ok(())
    }
}

/// Why a published null [share, ρ, cells, works, Σ n²] (measures
/// `{prefix}_share`, `_spread`, `_cells`, `_works`, `_works2`) cannot be
/// used: every figure given, whole numbers of cells (at least 3) and works
/// (at least 2 in each), Σ n² at least works² / cells, the share in (0, 1),
/// the spread in (0, 0.5].
fn check_published(what: &str, figures: [f64; 5], prefix: &str) -> Result<(), String> {
    let [p, rho, cells, works, works2] = figures;
    for (v, m) in [
        (p, "доли"),
        (rho, "разброса"),
        (cells, "числа ячеек"),
        (works, "числа работ"),
        (works2, "суммы квадратов"),
    ]
    .into_iter()
    .zip(["share", "spread", "cells", "works", "works2"])
    .map(|((v, m), k)| (v, format!("{m} ({prefix}_{k})")))
    {
        if v.is_nan() {
            return Err(format!("{what}: нет {m}"));
        }
    }
    if cells.fract() != 0.0
        || works.fract() != 0.0
        || cells < 3.0
        || works < 2.0 * cells
        || works2 * cells < works * works
    {
        return Err(format!(
            "{what}: ячеек {cells}, работ {works}, сумма квадратов {works2} — нужно целые числа, не меньше 3 ячеек и 2 работ в каждой, сумма квадратов не меньше квадрата работ, делённого на ячейки"
        ));
    }
    if !(p > 0.0 && p < 1.0) {
        return Err(format!("{what}: доля {p} не между 0 и 1"));
    }
    if !(rho > 0.0 && rho <= 0.5) {
        return Err(format!("{what}: разброс {rho} не в (0; 0,5]"));
    }
    Ok(())
}

/// The region's reference of the own-marks sign (S6) in one direction
/// (obektiv's own measures `own_marks_bin`, `own_marks_sd`, `own_marks_model`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OwnMarksRef {
    /// (largest predictor value, mean response) per bin, by predictor.
    pub bins: Vec<(f64, f64)>,
    /// The pooled within-cell SD of the residuals (NaN where not given).
    pub sd: f64,
    /// The year's μ, τ²ₛ, τ²꜀ (NaN where not given).
    pub model: [f64; 3],
}

impl OwnMarksRef {
    fn empty() -> OwnMarksRef {
        OwnMarksRef {
            bins: Vec::new(),
            sd: f64::NAN,
            model: [f64::NAN; 3],
        }
    }

    /// Why it cannot be used: bins, a positive SD, the three figures of the
    /// model with spreads ≥ 0.
    fn check(&self) -> Result<(), String> {
        if self.bins.is_empty() {
            return Err("нет средних по группам (own_marks_bin)".into());
        }
        if self.sd.is_nan() || self.sd <= 0.0 {
            return Err("нет разброса (own_marks_sd)".into());
        }
        if self.model.iter().any(|v| v.is_nan()) {
            return Err("нет всех трёх чисел модели (own_marks_model: mu, school, cell)".into());
        }
        Ok(())
    }
}

/// A year's medal figures on the EGE Russian test: per bin's lower bound
/// (test points, a multiple of 5), (holders, graduates); and the schools'
/// SD τ on the logit scale where given.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MedalReference {
    pub bins: BTreeMap<u8, (u64, u64)>,
    pub tau: Option<f64>,
    /// The year's model with the schools' annual marks, where the region
    /// fitted one (`medal_model`).
    pub model: Option<MarksModel>,
}

/// The region's medal rates moved by α + β (m − m̄) + γ L for a school with
/// its marking L, and the schools' spread τ left beside them (sign S12).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MarksModel {
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    pub mean_score: f64,
    pub tau: f64,
}

/// The keys of [`Measure::MedalModel`], in [`MarksModel`]'s order.
const MODEL_KEYS: [&str; 5] = ["alpha", "beta", "gamma", "mean_score", "school_sd"];

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
    map.note_unknown(file, report);
    let keys = key_cols(&map, REFERENCE);
    let c = |n| map.get(REFERENCE, n).unwrap_or(usize::MAX);
    let (c_scope, c_measure, c_key, c_value) = (c("scope"), c("measure"), c("key"), c("value"));
    let mut raw: Raw = BTreeMap::new();
    let mut read = 0;
    let mut short = ShortRows::default();
    table.for_each_row(|row| {
        short.see(&row);
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
                    "неизвестный показатель «{v}»: нужно works, primary, test_score, mark, task, journal, medal_graduates, medal_holders, medal_school_sd, medal_model, annual_mark, vpr_gia, identical_pairs, cross_pairs, cutoff_level, cutoff_share, cutoff_spread, cutoff_cells, cutoff_works, cutoff_works2, own_marks_bin, own_marks_sd, own_marks_model, fitted_share, fitted_spread, fitted_cells, fitted_works или fitted_works2"
                ),
            );
        };
        let value = row.get(c_value);
        // The line's intercept and the own-marks model's centre may be below
        // 0; every other figure may not.
        let key_text = row.get(c_key).trim();
        let signed = (measure == Measure::VprGia && key_text == "a")
            || (measure == Measure::MedalModel && ["alpha", "beta", "gamma"].contains(&key_text))
            || (measure == Measure::OwnMarksModel && key_text.ends_with("_mu"));
        // A share may carry its per cent sign, as FIS OKO's forms show it
        // («86,15%»): the figures are in per cent already.
        let number = value.trim().trim_end_matches('%').trim_end_matches([' ', '\u{a0}']);
        let Some(v) = values::number(number).filter(|v| v.is_finite() && (signed || *v >= 0.0))
        else {
            let need = if signed { "нужно число" } else { "нужно неотрицательное число" };
            let why = format!("показатель «{}»: {need}", values::visible(value));
            return report.reject(file, row.line, "value", value, why);
        };
        let k = row.get(c_key).trim().to_owned();
        if let Err(why) = check_key(measure, &k) {
            return report.reject(file, row.line, "key", &k, why);
        }
        raw.entry((key, scope, measure))
            .or_default()
            .push((k, v, row.line));
    })?;
    short.note(file, report);
    let reference = assemble(raw, file, tests, report);
    Ok((reference, read))
}

/// Whether `key` fits `measure`.
fn check_key(measure: Measure, key: &str) -> Result<(), String> {
    if matches!(measure, Measure::IdenticalPairs | Measure::CrossPairs)
        && pair_group(key) == Err(true)
    {
        return Err(format!(
            "ключ «{key}» записан прежней версией obektiv (совпадения работ по первичному баллу, \
             без числа заданий с неполным баллом) и теперь не используется: перезапишите файл \
             командой obektiv reference"
        ));
    }
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
        Measure::MedalModel => MODEL_KEYS.contains(&key).then_some(()),
        Measure::AnnualMark => key
            .parse::<u8>()
            .ok()
            .filter(|k| *k <= 100 && k % 5 == 0)
            .map(|_| ()),
        Measure::VprGia => LINE_KEYS.contains(&key).then_some(()),
        Measure::IdenticalPairs | Measure::CrossPairs => pair_group(key).ok().map(|_| ()),
        Measure::CutoffLevel => level_group(key).map(|_| ()),
        Measure::CutoffShare
        | Measure::CutoffSpread
        | Measure::CutoffCells
        | Measure::CutoffWorks
        | Measure::CutoffWorks2 => cutoff_group(key).map(|_| ()),
        Measure::OwnMarksBin => own_marks_bin(key).map(|_| ()),
        Measure::OwnMarksSd => direction(key).map(|_| ()),
        Measure::OwnMarksModel => own_marks_model(key).map(|_| ()),
        Measure::FittedShare
        | Measure::FittedSpread
        | Measure::FittedCells
        | Measure::FittedWorks
        | Measure::FittedWorks2 => fitted_group(key).map(|_| ()),
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
        Measure::MedalGraduates | Measure::MedalHolders | Measure::AnnualMark => {
            "нужна нижняя граница группы тестовых баллов: 0, 5, 10, …, 100".to_owned()
        }
        Measure::MedalModel => "нужно alpha, beta, gamma, mean_score или school_sd".to_owned(),
        Measure::MedalSchoolSd => "у показателя medal_school_sd ключ должен быть пустым".to_owned(),
        Measure::VprGia => "нужно a, b, spread, persistent или pairs".to_owned(),
        Measure::IdenticalPairs | Measure::CrossPairs => {
            "нужны первичный балл, число заданий с неполным баллом и вариант через «_» \
             (например, 12_3_2; вариант 0, если не известен)"
                .to_owned()
        }
        Measure::CutoffLevel => "нужен номер группы ОО: 1, 2, … 5".to_owned(),
        Measure::OwnMarksBin => {
            "нужны a или b и балл или отметка через «_» (например, a_4)".to_owned()
        }
        Measure::OwnMarksSd => "нужно a или b".to_owned(),
        Measure::OwnMarksModel => {
            "нужно a_mu, a_school, a_cell, b_mu, b_school или b_cell".to_owned()
        }
        Measure::CutoffShare
        | Measure::CutoffSpread
        | Measure::CutoffCells
        | Measure::CutoffWorks
        | Measure::CutoffWorks2 => {
            "нужны граница и номер группы ОО через «_» (например, 16_3)".to_owned()
        }
        Measure::FittedShare
        | Measure::FittedSpread
        | Measure::FittedCells
        | Measure::FittedWorks
        | Measure::FittedWorks2 => "нужны отметка по журналу (3, 4 или 5) и группа ОО \
             (0 — обычные, 1 — лицеи, гимназии и ОО с углублённым изучением предмета) \
             через «_» (например, 4_0)"
            .to_owned(),
    })
}

/// The direction of an `own_marks_*` key: a = 0, b = 1.
fn direction(key: &str) -> Option<usize> {
    match key.trim() {
        "a" => Some(0),
        "b" => Some(1),
        _ => None,
    }
}

/// (direction, the bin's largest predictor value) of an `own_marks_bin` key.
fn own_marks_bin(key: &str) -> Option<(usize, f64)> {
    let (d, x) = key.split_once('_')?;
    let x = values::number(x).filter(|x| (0.0..=values::MAX_PRIMARY).contains(x))?;
    Some((direction(d)?, x))
}

/// (direction, figure 0..3 = μ, τ²ₛ, τ²꜀) of an `own_marks_model` key.
fn own_marks_model(key: &str) -> Option<(usize, usize)> {
    let (d, f) = key.split_once('_')?;
    let f = ["mu", "school", "cell"]
        .iter()
        .position(|x| *x == f.trim())?;
    Some((direction(d)?, f))
}

/// The (journal mark, peer group) of a `fitted_*` key `j_g`.
pub fn fitted_group(key: &str) -> Option<(u8, u8)> {
    let (j, g) = key.split_once('_')?;
    let j: u8 = j.trim().parse().ok().filter(|j| (3..=5).contains(j))?;
    let g: u8 = g.trim().parse().ok().filter(|g| *g <= 1)?;
    Some((j, g))
}

/// A level group's number in `cutoff_*` keys: 1..=5.
fn level_group(key: &str) -> Option<u8> {
    key.trim().parse().ok().filter(|g| (1..=5).contains(g))
}

/// The (cut-off in hundredths, group) of a `cutoff_share` / `cutoff_spread`
/// key `c_g`.
fn cutoff_group(key: &str) -> Option<(i64, u8)> {
    let (c, g) = key.split_once('_')?;
    let c = values::number(c).filter(|c| (0.0..=values::MAX_PRIMARY).contains(c))?;
    Some((CutoffNulls::key(c), level_group(g)?))
}

/// The group of an `identical_pairs` / `cross_pairs` key: `t_m_v` — the
/// total, the tasks below their maximum and the variant (0: not known), whole
/// numbers (`_`, not `/`, which Excel turns into a date), t at most the
/// largest primary score. `Err(true)` for a key of the earlier layout, `t` or
/// `t_v` (groups by the total alone, [`stratum`]).
fn pair_group(key: &str) -> Result<(u32, u16), bool> {
    let parts: Vec<&str> = key.split('_').map(str::trim).collect();
    let whole = |s: &str| s.parse::<u32>().ok();
    match parts[..] {
        [t, m, v] => {
            let (t, m) = (whole(t).ok_or(false)?, whole(m).ok_or(false)?);
            let v: u16 = v.parse().map_err(|_| false)?;
            let fits = f64::from(t) <= values::MAX_PRIMARY && m <= 255;
            fits.then_some((stratum(t, m), v)).ok_or(false)
        }
        [t] | [t, _] if whole(t).is_some() => Err(true),
        _ => Err(false),
    }
}

/// The values of a keyed measure in the order of `keys`, or which are
/// missing.
fn keyed<const N: usize>(rows: &[(String, f64, u64)], keys: [&str; N]) -> Result<[f64; N], String> {
    let get = |k: &str| rows.iter().find(|r| r.0 == k).map(|r| r.1);
    let missing: Vec<&str> = keys.into_iter().filter(|k| get(k).is_none()).collect();
    if !missing.is_empty() {
        return Err(format!("нет значений: {}", missing.join(", ")));
    }
    Ok(keys.map(|k| get(k).unwrap_or_default()))
}

/// The medal model from its five figures, or why it cannot be used: every
/// key given, the spread within what S12 fits.
fn marks_model(rows: &[(String, f64, u64)]) -> Result<MarksModel, String> {
    let [alpha, beta, gamma, mean_score, tau] = keyed(rows, MODEL_KEYS)?;
    let model = MarksModel {
        alpha,
        beta,
        gamma,
        mean_score,
        tau,
    };
    let most = crate::stats::random_intercept::MAX_TAU;
    if model.tau > most {
        return Err(format!("разброс медалей {} больше {most}", model.tau));
    }
    if model.mean_score > 100.0 {
        return Err(format!(
            "средний балл выпускников {} больше 100",
            model.mean_score
        ));
    }
    Ok(model)
}

/// The line from its five figures, or why it cannot be used: every key given,
/// at least 10 pairs. The persistent part may exceed one GIA's spread: it is
/// one part for both GIAs, and the region's own analysis takes each result's
/// changing part as max(0, τ² − τ²ₚ) (S10, `signs::s10_vpr_vs_gia`), so the file is
/// read as the region wrote it (refusing it gave a municipality other
/// statistics than the region's).
fn gia_line(rows: &[(String, f64, u64)]) -> Result<GiaLine, String> {
    let [a, b, spread, persistent, pairs] = keyed(rows, LINE_KEYS)?;
    let line = GiaLine {
        a,
        b,
        spread,
        persistent,
        pairs,
    };
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

/// A count as text: whole below 10¹⁵, else in exponent form (a value of
/// 1e308 in the file is not written out in 309 digits).
fn count_text(x: f64) -> String {
    if x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        format!("{x:.3e}").replace('.', ",")
    }
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
                "это количества работ, но их сумма {} больше числа участников {}",
                count_text(sum),
                count_text(works.unwrap_or_default())
            ));
        }
        return Ok(Given::Counts(values.iter().map(|v| v / sum).collect()));
    }
    let sum = if sum < 1e15 {
        crate::report::html::num(sum, 1)
    } else {
        count_text(sum)
    };
    Err(format!(
        "ни количества работ (есть дробные значения), ни доли в процентах (сумма {sum} %, а не 100 %)"
    ))
}

/// The note that a test's figures of one kind are not used: what, why, and
/// what is done instead.
fn not_used(report: &mut LoadReport, file: &str, what: String, why: &str, instead: &str) {
    report.warn(
        file,
        0,
        format!("{what}: {why}; не используются — {instead}"),
    );
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
            Measure::MedalModel => match marks_model(rows) {
                Ok(model) => {
                    (target.medals.get_or_insert_with(MedalReference::default)).model = Some(model)
                }
                Err(why) => fail(report, why),
            },
            Measure::AnnualMark => {
                if let Some(r) = rows.iter().find(|r| !(2.0..=5.0).contains(&r.1)) {
                    fail(
                        report,
                        format!(
                            "средняя годовая отметка {} вне отметок 2–5 (строка {})",
                            r.1, r.2
                        ),
                    );
                    continue;
                }
                for r in rows {
                    target.annual_marks.insert(r.0.parse().unwrap_or(0), r.1);
                }
            }
            Measure::IdenticalPairs | Measure::CrossPairs => {
                if let Some(r) = rows.iter().find(|r| r.1.fract() != 0.0) {
                    fail(
                        report,
                        format!("нужно число пар, а не {} (строка {})", r.1, r.2),
                    );
                    continue;
                }
                for r in rows {
                    let e = target.pairs.entry(pair_group(&r.0).unwrap_or((0, 0)));
                    let e = e.or_insert((u64::MAX, u64::MAX));
                    if *measure == Measure::IdenticalPairs {
                        e.0 = r.1 as u64;
                    } else {
                        e.1 = r.1 as u64;
                    }
                }
            }
            Measure::CutoffLevel
            | Measure::CutoffShare
            | Measure::CutoffSpread
            | Measure::CutoffCells
            | Measure::CutoffWorks
            | Measure::CutoffWorks2 => {
                let n = target.cutoffs.get_or_insert_with(CutoffNulls::default);
                for r in rows {
                    if *measure == Measure::CutoffLevel {
                        n.bounds.insert(level_group(&r.0).unwrap_or(1), r.1);
                        continue;
                    }
                    let e = n.nulls.entry(cutoff_group(&r.0).unwrap_or((0, 1)));
                    let e = e.or_insert([f64::NAN; 5]);
                    let slot = match measure {
                        Measure::CutoffShare => 0,
                        Measure::CutoffSpread => 1,
                        Measure::CutoffCells => 2,
                        Measure::CutoffWorks => 3,
                        _ => 4,
                    };
                    e[slot] = r.1;
                }
            }
            Measure::FittedShare
            | Measure::FittedSpread
            | Measure::FittedCells
            | Measure::FittedWorks
            | Measure::FittedWorks2 => {
                let slot = match measure {
                    Measure::FittedShare => 0,
                    Measure::FittedSpread => 1,
                    Measure::FittedCells => 2,
                    Measure::FittedWorks => 3,
                    _ => 4,
                };
                for r in rows {
                    let key = fitted_group(&r.0).unwrap_or((3, 0));
                    target.fitted.entry(key).or_insert([f64::NAN; 5])[slot] = r.1;
                }
            }
            Measure::OwnMarksBin | Measure::OwnMarksSd | Measure::OwnMarksModel => {
                for r in rows {
                    let (d, slot) = match measure {
                        Measure::OwnMarksBin => (own_marks_bin(&r.0).map_or(0, |b| b.0), None),
                        Measure::OwnMarksSd => (direction(&r.0).unwrap_or(0), None),
                        _ => {
                            let (d, f) = own_marks_model(&r.0).unwrap_or((0, 0));
                            (d, Some(f))
                        }
                    };
                    let o = target.own_marks[d].get_or_insert_with(OwnMarksRef::empty);
                    match (measure, slot) {
                        (Measure::OwnMarksBin, _) => {
                            o.bins.push((own_marks_bin(&r.0).map_or(0.0, |b| b.1), r.1));
                        }
                        (Measure::OwnMarksSd, _) => o.sd = r.1,
                        (_, Some(f)) => o.model[f] = r.1,
                        _ => {}
                    }
                }
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
            let instead = "доля медалистов оценивается по ОО самой папки";
            not_used(report, file, format!("медали ({key})"), &why, instead);
            r.medals = None;
        }
    }
    // Pair counts hold together or are not used: both given for every
    // group, identical pairs at most all pairs.
    for (key, r) in out.region.iter_mut().chain(out.russia.iter_mut()) {
        let why = (r.pairs.iter()).find_map(|(&(g, v), &(same, all))| {
            let (t, m) = (stratum_total(g), stratum_misses(g));
            let group = if v == 0 {
                format!("балл {t}, заданий с неполным баллом {m}")
            } else {
                format!("балл {t}, заданий с неполным баллом {m}, вариант {v}")
            };
            if same == u64::MAX {
                Some(format!(
                    "{group}: нет числа совпадающих пар (identical_pairs)"
                ))
            } else if all == u64::MAX {
                Some(format!("{group}: нет числа пар работ (cross_pairs)"))
            } else {
                (same > all)
                    .then(|| format!("{group}: совпадающих пар {same} больше, чем всех пар {all}"))
            }
        });
        if let Some(why) = why {
            let instead = "частота совпадений оценивается по ОО самой папки";
            not_used(
                report,
                file,
                format!("совпадения работ ({key})"),
                &why,
                instead,
            );
            r.pairs.clear();
        }
    }
    for (key, r) in out.region.iter_mut().chain(out.russia.iter_mut()) {
        if let Some(Err(why)) = r.cutoffs.as_ref().map(CutoffNulls::check) {
            let what = format!("работы на границах отметок ({key})");
            let instead = "доля и разброс оцениваются по ячейкам самой папки";
            not_used(report, file, what, &why, instead);
            r.cutoffs = None;
        }
    }
    for (key, r) in out.region.iter_mut().chain(out.russia.iter_mut()) {
        let why = (r.fitted.iter()).find_map(|(&(j, g), &figures)| {
            let what = format!("отметка по журналу {j}, группа {g}");
            check_published(&what, figures, "fitted").err()
        });
        if let Some(why) = why {
            let what = format!("работы на границе отметки по журналу ({key})");
            let instead = "доля и разброс оцениваются по ячейкам самой папки";
            not_used(report, file, what, &why, instead);
            r.fitted.clear();
        }
    }
    for (key, r) in out.region.iter_mut().chain(out.russia.iter_mut()) {
        for (d, o) in r.own_marks.iter_mut().enumerate() {
            let Some(m) = o.as_mut() else { continue };
            m.bins.sort_by(|a, b| a.0.total_cmp(&b.0));
            if let Err(why) = m.check() {
                let what = format!(
                    "результаты и отметки школы ({key}, направление {})",
                    ["a", "b"][d]
                );
                let instead = "сравнение идёт с работами самой папки";
                not_used(report, file, what, &why, instead);
                *o = None;
            }
        }
    }
    out.region.retain(|_, r| *r != TestReference::default());
    out.russia.retain(|_, r| *r != TestReference::default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_figure_is_said_in_exponent_form() {
        let err = given(&[1e308, 3.0], Some(100.0)).err().unwrap();
        assert!(
            err.contains("сумма 1,000e308 больше числа участников 100"),
            "{err}"
        );
        let err = given(&[1e300, 0.5], None).err().unwrap();
        assert!(err.contains("сумма 1,000e300 %"), "{err}");
        assert!(err.len() < 200, "{err}");
    }

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
        // The persistent part is one for both GIAs: above one GIA's spread
        // it is what the region's analysis used (obektiv reference writes it so).
        let mut wide = full;
        wide[3].1 = 0.02;
        assert_eq!(gia_line(&rows(&wide)).unwrap().persistent, 0.02);
        let mut few = full;
        few[4].1 = 9.0;
        assert!(gia_line(&rows(&few)).unwrap_err().contains("не меньше 10"));
        // Only the intercept may be below 0 (checked as the row is read).
        assert!(check_key(Measure::VprGia, "a").is_ok());
        assert!(check_key(Measure::VprGia, "slope").is_err());
    }
}
