//! The in-memory model the statistical signs run on.
//!
//! Works are grouped by *test* (year × exam × subject × grade). Each test is one
//! [`TestBlock`]: columnar arrays over all its works, sorted by school and then by
//! student code, so that a *cell* (test × school) is a contiguous row range and
//! its task-score matrix is an [`ndarray::ArrayView2`] into the block with no copy.
//! Student and class codes live in one shared [`StrPool`] (one string buffer plus
//! offsets), so there is no heap string per work.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, s};
use serde::Serialize;

/// Missing mark or journal mark.
pub const NO_MARK: u8 = 0;
/// Missing EGE test score.
pub const NO_TEST_SCORE: u8 = u8::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Exam {
    #[serde(rename = "VPR")]
    Vpr,
    #[serde(rename = "OGE")]
    Oge,
    #[serde(rename = "EGE")]
    Ege,
}

impl Exam {
    pub fn code(self) -> &'static str {
        match self {
            Exam::Vpr => "VPR",
            Exam::Oge => "OGE",
            Exam::Ege => "EGE",
        }
    }

    /// Russian name as users write it.
    pub fn russian(self) -> &'static str {
        match self {
            Exam::Vpr => "ВПР",
            Exam::Oge => "ОГЭ",
            Exam::Ege => "ЕГЭ",
        }
    }

    /// Accepts `VPR`/`ВПР`, `OGE`/`ОГЭ`, `EGE`/`ЕГЭ` in any case.
    pub fn parse(s: &str) -> Option<Exam> {
        let known = |t: &str| match t {
            "VPR"
            | "ВПР"
            | "ВСЕРОССИЙСКАЯ ПРОВЕРОЧНАЯ РАБОТА"
            | "ВСЕРОССИЙСКИЕ ПРОВЕРОЧНЫЕ РАБОТЫ" => Some(Exam::Vpr),
            "OGE" | "ОГЭ" | "ОСНОВНОЙ ГОСУДАРСТВЕННЫЙ ЭКЗАМЕН" => {
                Some(Exam::Oge)
            }
            "EGE" | "ЕГЭ" | "ЕДИНЫЙ ГОСУДАРСТВЕННЫЙ ЭКЗАМЕН" => {
                Some(Exam::Ege)
            }
            _ => None,
        };
        // As written (every row of a results file), else in capitals, else
        // with Latin letters that look Cyrillic read as Cyrillic («ВПP»,
        // «OГЭ» typed across two layouts).
        let t = s.trim();
        known(t).or_else(|| known(&t.to_uppercase())).or_else(|| {
            let cyrillic: String = (t.to_uppercase().chars())
                .map(|c| match c {
                    'A' => 'А',
                    'B' => 'В',
                    'E' => 'Е',
                    'O' => 'О',
                    'P' => 'Р',
                    'C' => 'С',
                    'H' => 'Н',
                    'K' => 'К',
                    'M' => 'М',
                    'T' => 'Т',
                    'X' => 'Х',
                    c => c,
                })
                .collect();
            known(&cyrillic).or(match cyrillic.as_str() {
                // «VPR» with a Cyrillic Р: V stays Latin.
                "VРR" | "VРР" | "VPР" => Some(Exam::Vpr),
                "ОGЕ" => Some(Exam::Oge),
                "ЕGЕ" => Some(Exam::Ege),
                _ => None,
            })
        })
    }

    /// Whether the exam is marked on the 2..5 scale (VPR, OGE) rather than by test score (EGE).
    pub fn has_marks(self) -> bool {
        !matches!(self, Exam::Ege)
    }
}

/// One test: a year, an exam, a subject and a grade.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TestKey {
    pub year: u16,
    pub exam: Exam,
    pub subject: String,
    pub grade: u8,
}

/// As a methodist names a test in messages: «ВПР 2025, математика, 4 кл.».
impl std::fmt::Display for TestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}, {}, {} кл.",
            self.exam.russian(),
            self.year,
            subject_name(&self.subject),
            self.grade
        )
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Locality {
    Urban,
    Rural,
}

#[derive(Clone, Debug)]
pub struct School {
    pub id: String,
    pub name: String,
    pub municipality: String,
    pub kind: String,
    pub advanced_subjects: Vec<String>,
    pub locality: Option<Locality>,
}

impl School {
    /// The selective peer group for `subject`: lyceums, gymnasiums, and schools
    /// with in-depth study of the subject.
    pub fn selective_for(&self, subject: &str) -> bool {
        self.is_selective() || self.advanced_subjects.iter().any(|a| a == subject)
    }

    /// Lyceums and gymnasiums, compared with their peers rather than with everyone.
    pub fn is_selective(&self) -> bool {
        let k = self.kind.to_lowercase();
        k.contains("лицей") || k.contains("гимназ") || k.contains("lyceum") || k.contains("gymnas")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskLevel {
    Basic,
    Advanced,
    High,
}

/// One task of a test.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskInfo {
    /// k of column `tk`.
    pub index: u16,
    /// Maximum points: from tasks.csv, else the largest score seen.
    pub max: f32,
    /// Whether `max` came from tasks.csv (true) or was observed (false).
    pub max_declared: bool,
    pub level: Option<TaskLevel>,
    pub label: String,
}

/// Primary-score cut points of one test (VPR, OGE), or test-score minimums (EGE).
#[derive(Clone, Debug, PartialEq)]
pub struct Scale {
    /// Lowest primary score for marks 3, 4, 5 (VPR, OGE).
    pub cuts: Option<[f32; 3]>,
    /// EGE certificate minimum test score.
    pub pass: Option<u8>,
    /// EGE minimum test score for university admission.
    pub university: Option<u8>,
    pub max_score: Option<f32>,
    /// Where the scale came from (bundled file and its source, or the folder's scales.csv).
    pub origin: String,
}

impl Scale {
    /// The mark 2..5 for a primary score, if the scale has cut points.
    pub fn mark(&self, primary: f32) -> Option<u8> {
        Some(Scale::mark_by(&self.cuts?, primary))
    }

    /// The mark 2..5 that cut points for marks 3, 4, 5 give a primary score.
    pub fn mark_by(cuts: &[f32; 3], primary: f32) -> u8 {
        2 + cuts.iter().filter(|&&c| primary >= c - 1e-6).count() as u8
    }
}

/// A string pool: all codes in one buffer, addressed by index.
/// [`StrPool::NONE`] stands for a code not given (e.g. no class column) and
/// reads back as the empty string.
#[derive(Clone, Debug, Default)]
pub struct StrPool {
    buf: String,
    ends: Vec<usize>,
}

impl StrPool {
    /// The id of a code not given.
    pub const NONE: u32 = u32::MAX;

    pub fn push(&mut self, s: &str) -> u32 {
        self.buf.push_str(s);
        self.ends.push(self.buf.len());
        (self.ends.len() - 1) as u32
    }

    /// Appends every code of `other`; its code `i` is then `offset + i` here.
    /// Returns the offset.
    pub fn append(&mut self, other: &StrPool) -> u32 {
        let (offset, base) = (self.ends.len() as u32, self.buf.len());
        self.buf.push_str(&other.buf);
        self.ends.extend(other.ends.iter().map(|e| e + base));
        offset
    }

    pub fn get(&self, id: u32) -> &str {
        if id == Self::NONE {
            return "";
        }
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.buf[start..self.ends[i]]
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// The row range of one cell (test × school) inside its [`TestBlock`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellSpan {
    /// Index into [`Dataset::schools`].
    pub school: u32,
    pub start: u32,
    pub end: u32,
}

impl CellSpan {
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The cell's works: rows of its test's columns.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The cell's rows of one of its test's columns (e.g.
    /// [`TestBlock::level_scores`]).
    pub fn of<'a, T>(&self, column: &'a Array1<T>) -> ArrayView1<'a, T> {
        column.slice(s![self.range()])
    }
}

/// The score on which the signs that compare results (S1, S6, S7) read a
/// test: the primary score, or — where no work of the test has one and some
/// have a test score, as in EGE exports of test scores alone — the test
/// score (0–100). The EGE conversion is monotone, so both order the works
/// alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LevelScale {
    Primary,
    TestScore,
}

impl LevelScale {
    /// «первичный» / «тестовый» (the score's adjective in the texts).
    pub fn adjective(self) -> &'static str {
        match self {
            LevelScale::Primary => "первичный",
            LevelScale::TestScore => "тестовый",
        }
    }

    /// «первичным» / «тестовым» («с тем же … баллом»).
    pub fn instrumental(self) -> &'static str {
        match self {
            LevelScale::Primary => "первичным",
            LevelScale::TestScore => "тестовым",
        }
    }
}

/// All used works of one test, columnar, sorted by (school, student).
#[derive(Clone, Debug)]
pub struct TestBlock {
    pub key: TestKey,
    pub tasks: Vec<TaskInfo>,
    /// works × tasks; task scores with "not done" entries as 0.
    pub scores: Array2<f32>,
    pub primary: Array1<f32>,
    /// 2..5 or [`NO_MARK`].
    pub mark: Array1<u8>,
    /// 0..100 or [`NO_TEST_SCORE`].
    pub test_score: Array1<u8>,
    /// 2..5 or [`NO_MARK`].
    pub journal: Array1<u8>,
    /// 0 when not given.
    pub variant: Vec<u16>,
    /// Index into [`Dataset::codes`], or [`StrPool::NONE`] when not given.
    pub class: Vec<u32>,
    /// Index into [`Dataset::codes`].
    pub student: Vec<u32>,
    /// Number of tasks marked not done (`X`) in each work.
    pub not_done: Vec<u8>,
    /// Marks given in the file that disagree with the scale, per work.
    pub mark_disagrees: Vec<bool>,
    pub cells: Vec<CellSpan>,
    pub scale: Option<Scale>,
    /// With no task columns (totals only): the test's maximum primary score
    /// from tasks.csv, else the scale, else the largest score seen (noted).
    pub max_score: Option<f32>,
}

impl TestBlock {
    /// Sum of task maxima (the test's maximum primary score), when tasks are known.
    pub fn max_primary(&self) -> Option<f32> {
        if self.tasks.is_empty() {
            (self.max_score).or_else(|| self.scale.as_ref().and_then(|s| s.max_score))
        } else {
            Some(self.tasks.iter().map(|t| t.max).sum())
        }
    }

    /// Whether any work has a result score, primary or test score (a test
    /// of marks alone has none).
    pub fn has_scores(&self) -> bool {
        self.primary.iter().any(|p| !p.is_nan())
            || self.test_score.iter().any(|&t| t != NO_TEST_SCORE)
    }

    /// The score the signs that compare results read ([`LevelScale`]).
    pub fn level_scale(&self) -> LevelScale {
        let no_primary = self.primary.iter().all(|p| p.is_nan());
        if no_primary && self.test_score.iter().any(|&t| t != NO_TEST_SCORE) {
            LevelScale::TestScore
        } else {
            LevelScale::Primary
        }
    }

    /// Each work's score on the [`LevelScale`] (NaN where it has none).
    pub fn level_scores(&self) -> std::borrow::Cow<'_, Array1<f32>> {
        match self.level_scale() {
            LevelScale::Primary => std::borrow::Cow::Borrowed(&self.primary),
            LevelScale::TestScore => std::borrow::Cow::Owned(self.test_score.mapv(|t| {
                if t == NO_TEST_SCORE {
                    f32::NAN
                } else {
                    f32::from(t)
                }
            })),
        }
    }

    /// The maximum of the [`LevelScale`]: the maximum primary score, or 100.
    pub fn level_max(&self) -> Option<f32> {
        match self.level_scale() {
            LevelScale::Primary => self.max_primary(),
            LevelScale::TestScore => Some(100.0),
        }
    }

    pub fn cell(&self, i: usize) -> Cell<'_> {
        Cell {
            block: self,
            span: self.cells[i],
        }
    }

    pub fn n_works(&self) -> usize {
        self.primary.len()
    }
}

/// A borrowed view of one cell's works.
#[derive(Clone, Copy)]
pub struct Cell<'a> {
    pub block: &'a TestBlock,
    pub span: CellSpan,
}

impl<'a> Cell<'a> {
    pub fn n(&self) -> usize {
        self.span.len()
    }
    pub fn scores(&self) -> ArrayView2<'a, f32> {
        self.block.scores.slice(s![self.span.range(), ..])
    }
    pub fn primary(&self) -> ArrayView1<'a, f32> {
        self.block.primary.slice(s![self.span.range()])
    }
    pub fn mark(&self) -> ArrayView1<'a, u8> {
        self.block.mark.slice(s![self.span.range()])
    }
    pub fn journal(&self) -> ArrayView1<'a, u8> {
        self.block.journal.slice(s![self.span.range()])
    }
    pub fn test_score(&self) -> ArrayView1<'a, u8> {
        self.block.test_score.slice(s![self.span.range()])
    }
    pub fn mark_disagrees(&self) -> &'a [bool] {
        &self.block.mark_disagrees[self.span.range()]
    }
    pub fn not_done(&self) -> &'a [u8] {
        &self.block.not_done[self.span.range()]
    }
    /// Variant of each work (0 when not given).
    pub fn variant(&self) -> &'a [u16] {
        &self.block.variant[self.span.range()]
    }
    /// Class code id of each work ([`StrPool::NONE`] when not given). Every
    /// work has an id of its own (codes are not interned): compare classes by
    /// their codes ([`StrPool::get`]), never by id.
    pub fn class(&self) -> &'a [u32] {
        &self.block.class[self.span.range()]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Medal {
    Gold,
    Silver,
}

#[derive(Clone, Debug)]
pub struct MedalRow {
    pub year: u16,
    pub school: u32,
    pub student: String,
    pub medal: Medal,
}

/// The Russian name of a subject code («RU» → «русский язык»); the code itself
/// when unknown.
pub fn subject_name(code: &str) -> &str {
    match code {
        "RU" => "русский язык",
        "MA" => "математика",
        "MB" => "математика (базовый уровень)",
        "OK" => "окружающий мир",
        "BI" => "биология",
        "HI" => "история",
        "GE" => "география",
        "SO" => "обществознание",
        "PH" => "физика",
        "CH" => "химия",
        "IN" => "информатика",
        "EN" => "английский язык",
        "DE" => "немецкий язык",
        "FR" => "французский язык",
        "ES" => "испанский язык",
        "ZH" => "китайский язык",
        "LI" => "литература",
        _ => code,
    }
}

/// Everything loaded from a data folder.
#[derive(Clone, Debug, Default)]
pub struct Dataset {
    /// Sorted by id.
    pub schools: Vec<School>,
    /// Sorted by key.
    pub tests: Vec<TestBlock>,
    /// Student and class codes.
    pub codes: StrPool,
    pub medals: Vec<MedalRow>,
    /// Works re-scored by an independent commission, in the same layout as `tests`.
    pub recheck: Vec<TestBlock>,
    /// The region's published aggregates (reference.csv), per test.
    pub reference: crate::load::reference::Reference,
}

impl Dataset {
    pub fn school_index(&self, id: &str) -> Option<u32> {
        self.schools
            .binary_search_by(|s| s.id.as_str().cmp(id))
            .ok()
            .map(|i| i as u32)
    }

    pub fn n_works(&self) -> usize {
        self.tests.iter().map(TestBlock::n_works).sum()
    }

    /// Every cell as (test, cell), in dataset order (tests by key, then school):
    /// the order of cells.csv, of the findings and of the verdicts.
    pub fn cell_index(&self) -> Vec<(usize, usize)> {
        self.tests
            .iter()
            .enumerate()
            .flat_map(|(t, b)| (0..b.cells.len()).map(move |c| (t, c)))
            .collect()
    }

    pub fn n_cells(&self) -> usize {
        self.tests.iter().map(|t| t.cells.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_mark_uses_lowest_score_of_each_mark() {
        // VPR 4 RU 2024-style cuts: 3 from 14, 4 from 24, 5 from 33.
        let s = Scale {
            cuts: Some([14.0, 24.0, 33.0]),
            pass: None,
            university: None,
            max_score: Some(38.0),
            origin: String::new(),
        };
        assert_eq!(s.mark(0.0), Some(2));
        assert_eq!(s.mark(13.0), Some(2));
        assert_eq!(s.mark(14.0), Some(3));
        assert_eq!(s.mark(23.0), Some(3));
        assert_eq!(s.mark(24.0), Some(4));
        assert_eq!(s.mark(33.0), Some(5));
        assert_eq!(s.mark(38.0), Some(5));
    }

    #[test]
    fn pool_round_trips() {
        let mut p = StrPool::default();
        let a = p.push("10001");
        let b = p.push("");
        let c = p.push("4А");
        assert_eq!((p.get(a), p.get(b), p.get(c)), ("10001", "", "4А"));
        assert_eq!(p.len(), 3);
        let mut q = StrPool::default();
        q.push("7Б");
        let offset = q.append(&p);
        assert_eq!(offset, 1);
        let got: Vec<&str> = (0..4).map(|i| q.get(i)).collect();
        assert_eq!(got, ["7Б", "10001", "", "4А"]);
    }

    #[test]
    fn exam_aliases() {
        assert_eq!(Exam::parse("впр"), Some(Exam::Vpr));
        assert_eq!(Exam::parse(" ОГЭ "), Some(Exam::Oge));
        assert_eq!(Exam::parse("ege"), Some(Exam::Ege));
        assert_eq!(Exam::parse("GIA"), None);
        // Typed across two layouts: a Latin P in «ВПP», a Latin O in «OГЭ»,
        // a Cyrillic Р in «VРR».
        assert_eq!(Exam::parse("ВПP"), Some(Exam::Vpr));
        assert_eq!(Exam::parse("OГЭ"), Some(Exam::Oge));
        assert_eq!(Exam::parse("VРR"), Some(Exam::Vpr));
        assert_eq!(Exam::parse("EГЭ"), Some(Exam::Ege));
        assert_eq!(Exam::parse("ВПX"), None);
    }
}
