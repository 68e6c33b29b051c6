//! Signs of non-objectivity. A sign is one file implementing [`Sign`] and one
//! line in [`REGISTRY`]; `obektiv signs`, the methods section of the report and
//! the `findings.csv` rows are all generated from that list.
//!
//! Each sign looks at every cell (test × school) of a test and returns one
//! [`Finding`] per cell: whether it could be evaluated (enough works, the data it
//! needs), its statistic, a one-sided p-value under the sign's null hypothesis,
//! and an effect size. [`run`] adds Benjamini–Hochberg q-values per sign across
//! all cells (descriptive: how unusual the cell is for this sign alone). What
//! counts is decided afterwards, once, by [`crate::evidence`]: calibration of
//! each sign on the region, one p-value per cell and per school-year, the list;
//! it sets `fired` for the signs that carried a marked cell.
//! Tests run in parallel (rayon) on the plain arrays of the model; results are
//! collected in cell order, so they do not depend on the number of threads.

mod s10_vpr_vs_gia;
mod s11_gia_minimums;
mod s12_medals;
mod s1_high_result;
mod s2_task_profile;
mod s3_cutoff_bunching;
mod s4_journal;
mod s5_identical_works;
mod s6_own_marks;
mod s7_upper_tail;
mod s8_identical_totals;
mod s9_cohort;
mod s9_linked;
mod texts;

pub use s3_cutoff_bunching::{exam_pools as cutoff_pools, published_nulls as cutoff_nulls};
pub use s4_journal::published_fitted;
pub use s5_identical_works::collision_reference;
pub use s6_own_marks::OwnMarks;
pub use s9_linked::FOUND_BY_CODE;
pub use s10_vpr_vs_gia::region_lines_of;
pub use s12_medals::{BIN as MEDAL_BIN, MedalCounts, SchoolMedals, annual_mark_means};

pub use texts::{Texts, Unpacked};

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Deserialize;

use crate::load::reference::TestReference;
use crate::model::{Dataset, Exam, School, TestBlock};
use crate::stats::betabinom::{MomentSums, SpreadPool};
use crate::stats::multiple::bh_qvalues;

/// One sign's spread pools, per exam and slot.
pub type SpreadPools = BTreeMap<(Exam, u8), SpreadPool>;

/// What a sign's documentation must state: the statistics in English for
/// developers, and in plain Russian for the report's methods section and
/// `obektiv signs` (what is compared, what counts as unusual, what data it needs).
#[derive(Clone, Copy, Debug)]
pub struct SignDoc {
    pub statistic: &'static str,
    pub null: &'static str,
    pub rule: &'static str,
    pub min_sample: &'static str,
    pub reference: &'static str,
    /// Что сравнивается.
    pub compared: &'static str,
    /// Что считается необычным.
    pub unusual: &'static str,
    /// Какие данные нужны признаку (кроме `min_works` работ в ячейке).
    pub needs: &'static str,
    /// Статистика и правило в математической записи, по-русски (приложение справки).
    pub formula: &'static str,
}

/// One sign of non-objectivity.
pub trait Sign: Sync {
    /// Short id used in outputs, e.g. `S3`.
    fn id(&self) -> &'static str;
    /// Russian title, e.g. «Скопление работ на границах отметок».
    fn title(&self) -> &'static str;
    fn doc(&self) -> SignDoc;
    /// Whether the sign enters the cell's evidence. The high-result sign does
    /// not: a high result alone is no sign of bias.
    fn marks_cell(&self) -> bool {
        true
    }
    /// The sign fits the schools' honest spread itself, by central matching
    /// on its own count scale (S12): the evidence stage does not fit the
    /// empirical null again on its p-values, where the steps of a discrete
    /// count (many schools with p = 1) would widen it a second time.
    fn null_of_its_own(&self) -> bool {
        false
    }
    /// A statistic of the school rather than of the cell (one sentence for
    /// every cell of a subject or year): the risk list writes it out once
    /// and then refers to it.
    fn per_school(&self) -> bool {
        false
    }
    /// A statistic of the school read per subject (S10: its VPR in a
    /// subject against its GIA in it): one hypothesis per school, year and
    /// subject rather than per school and year.
    fn per_subject(&self) -> bool {
        false
    }
    /// Signs that read the same thing from the same works share a family
    /// (see [`crate::evidence`]): only the strongest of a family counts, at a
    /// Bonferroni price for the family's size.
    fn family(&self) -> &'static str {
        self.id()
    }
    /// Whether the sign reads the works' results (primary or test scores):
    /// on a test with marks alone it is not evaluated, and every cell says
    /// so ([`NO_SCORES`]) rather than whatever the sign's own checks would
    /// make of the missing scores.
    fn needs_scores(&self) -> bool {
        true
    }
    /// The sign this one stands in for where that one cannot judge (S8, the
    /// identical totals, for S5, the identical works, on data without task
    /// scores): not evaluated where the other is, which is no lack in the
    /// data (the справка's summary does not count it as unchecked).
    fn stands_in_for(&self) -> Option<&'static str> {
        None
    }
    /// The minimum effect for the sign to fire.
    fn min_effect(&self, cfg: &SignsConfig) -> f64;
    /// One finding per cell of `test.block`, in cell order.
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding>;
    /// Beta-binomial signs: the groups of cells their fits are made on, each
    /// with the slot it belongs to (a cut-off, a peer group), so that [`run`]
    /// can pool the school-to-school spread over the exam's tests before the
    /// evaluation ([`SpreadPool`]; read back with [`TestInput::pooled`]).
    fn spread(&self, _test: &TestInput<'_>, _cfg: &SignsConfig) -> Vec<(u8, MomentSums)> {
        Vec::new()
    }
}

/// The signs, in report order.
pub const REGISTRY: &[&dyn Sign] = &[
    &s1_high_result::HighResult,
    &s2_task_profile::TaskProfile,
    &s3_cutoff_bunching::CutoffBunching,
    &s4_journal::EXAM_ABOVE_JOURNAL,
    &s4_journal::JOURNAL_ABOVE_EXAM,
    &s4_journal::FITTED_TO_JOURNAL,
    &s5_identical_works::IdenticalWorks,
    &s6_own_marks::RESULT_ABOVE_OWN_MARKS,
    &s6_own_marks::OWN_MARKS_ABOVE_RESULT,
    &s7_upper_tail::UpperTail,
    &s8_identical_totals::IdenticalTotals,
    &s9_cohort::CohortNotKept,
    &s10_vpr_vs_gia::VprNotConfirmed,
    &s11_gia_minimums::GiaMinimums,
    &s12_medals::MedalsAboveResults,
];

/// What a sign sees of one test.
pub struct TestInput<'a> {
    /// Index of the test in [`Dataset::tests`].
    pub index: usize,
    pub block: &'a TestBlock,
    pub schools: &'a [School],
    pub shared: &'a Shared,
    /// The region's published figures for this test (reference.csv), when
    /// given: signs that compare a cell with the region's pooled share put
    /// their fit on the region's level
    /// ([`crate::stats::betabinom::BetaBinomial::on_level`]).
    pub reference: Option<&'a TestReference>,
    /// The sign's spread pooled over the exam's tests (empty while the pools
    /// are being gathered).
    pub spreads: &'a SpreadPools,
    /// Student and class codes ([`Dataset::codes`]): a work's class id is its
    /// own, so classes are compared by their codes.
    pub codes: &'a crate::model::StrPool,
}

/// Aggregates across tests, computed once per run.
#[derive(Clone, Debug, Default)]
pub struct Shared {
    /// Per test, per cell: counts of exam marks below / equal to / above the
    /// school mark.
    pub cell_marks: Vec<Vec<[u64; 3]>>,
    /// Per (year, school): counts of exam marks below / equal to / above the
    /// school mark over all the school's VPR and OGE works of the year.
    pub school_marks: std::collections::BTreeMap<(u16, u32), [u64; 3]>,
    /// S6: residuals against the school's own marks and their two-level model.
    pub own_marks: s6_own_marks::OwnMarks,
    /// S9: every cell's cohort a year later and the folder's relation.
    pub cohorts: s9_cohort::Cohorts,
    /// S10: every VPR cell's GIA partner and the relations.
    pub confirmations: s10_vpr_vs_gia::Confirmations,
    /// S11: every state-exam cell's count at the minimums and each
    /// school-year's pool.
    pub minimums: s11_gia_minimums::Minimums,
    /// S12: each school-year's medal holders against its EGE results.
    pub medals: s12_medals::MedalCounts,
}

impl Shared {
    pub fn new(data: &Dataset, cfg: &SignsConfig) -> Shared {
        use crate::timings::summed;
        let cell_marks: Vec<Vec<[u64; 3]>> =
            summed("    отметки по ячейкам", || {
                data.tests
                    .par_iter()
                    .map(|b| {
                        (0..b.cells.len())
                            .map(|c| s4_journal::counts(b.cell(c)))
                            .collect()
                    })
                    .collect()
            });
        let mut school_marks = std::collections::BTreeMap::new();
        for (block, marks) in data.tests.iter().zip(&cell_marks) {
            for (c, counts) in marks.iter().enumerate() {
                let e: &mut [u64; 3] = school_marks
                    .entry((block.key.year, block.cells[c].school))
                    .or_default();
                for (a, b) in e.iter_mut().zip(counts) {
                    *a += b;
                }
            }
        }
        let (own_marks, (cohorts, confirmations)) = rayon::join(
            || {
                summed("    S6: остатки", || {
                    s6_own_marks::OwnMarks::new(data)
                })
            },
            || {
                let standardized = summed("    S9: стандартизация", || {
                    s9_cohort::Standardized::new(data)
                });
                rayon::join(
                    || {
                        summed("    S9: когорты", || {
                            s9_cohort::Cohorts::new(data, &standardized, cfg.min_works)
                        })
                    },
                    || {
                        summed("    S10: ВПР и ГИА", || {
                            s10_vpr_vs_gia::Confirmations::new(data, &standardized, cfg.min_works)
                        })
                    },
                )
            },
        );
        let minimums = summed("    S11: минимальные баллы ГИА", || {
            s11_gia_minimums::Minimums::new(data, cfg)
        });
        let medals = summed("    S12: медали", || {
            s12_medals::MedalCounts::new(data)
        });
        Shared {
            cell_marks,
            school_marks,
            own_marks,
            cohorts,
            confirmations,
            minimums,
            medals,
        }
    }
}

impl<'a> TestInput<'a> {
    /// What a sign sees of test `t`.
    fn of(
        data: &'a Dataset,
        shared: &'a Shared,
        t: usize,
        spreads: &'a SpreadPools,
    ) -> TestInput<'a> {
        TestInput {
            index: t,
            block: &data.tests[t],
            schools: &data.schools,
            shared,
            reference: data.reference.region.get(&data.tests[t].key),
            spreads,
            codes: &data.codes,
        }
    }

    /// The school-to-school spread of `slot` pooled over the tests of this
    /// test's exam, where the pool is large enough.
    pub fn pooled(&self, slot: u8) -> Option<f64> {
        (self.spreads.get(&(self.block.key.exam, slot))).and_then(SpreadPool::rho)
    }

    /// Whether a cell's school belongs to the selective peer group for this
    /// subject: lyceums, gymnasiums, and schools with in-depth study of it.
    pub fn selective(&self, cell: usize) -> bool {
        self.schools[self.block.cells[cell].school as usize].selective_for(&self.block.key.subject)
    }
}

/// Whose evidence a sign enters, in Russian (`obektiv signs` and the
/// справка's methods): the cell's, the school's once a year (per subject for
/// a sign read per subject: see [`crate::evidence`]), or none.
pub fn enters(sign: &dyn Sign) -> &'static str {
    match (sign.marks_cell(), sign.per_school(), sign.per_subject()) {
        (false, ..) => "нет",
        (true, false, _) => "ячейки",
        (true, true, false) => "ОО — один раз за год, с весом всех ячеек, о которых говорит",
        (true, true, true) => {
            "ОО — один раз за год по каждому предмету, с весом всех ячеек, о которых говорит"
        }
    }
}

/// The window below a mark cut-off that the cut-off sign reads: d =
/// max(1, round(0.05 · maximum)) points (also the region-wide bunching
/// estimate's excluded window).
pub fn cutoff_window(max: f32) -> f32 {
    s3_cutoff_bunching::window_width(max)
}

/// The reference sums of each level group for [`MomentSums::fit_without`]:
/// the group's own where it has `min_cells` cells, then the whole test's
/// (`order`, every usable cell) as the fallback. `sums` gives the moment sums
/// of a list of cells.
pub fn level_references(
    members: &[Vec<usize>],
    order: &[usize],
    min_cells: usize,
    sums: impl Fn(&[usize]) -> MomentSums,
) -> Vec<[Option<MomentSums>; 2]> {
    let whole = sums(order);
    (members.iter())
        .map(|m| [(m.len() >= min_cells).then(|| sums(m)), Some(whole)])
        .collect()
}

/// Level groups of the usable cells `order` (sorted by level): fifths where
/// there are at least 5 · `min_cells` cells, fewer equal groups otherwise (down
/// to the whole test), so that every group holds about `min_cells` cells or
/// more and a cell is compared with cells of its level rather than with the
/// whole test. Returns the group of each cell (usize::MAX for unusable ones)
/// and the members of each group, in `order`.
pub fn level_groups(
    order: &[usize],
    n_cells: usize,
    min_cells: usize,
) -> (Vec<usize>, Vec<Vec<usize>>) {
    let groups = (order.len() / min_cells.max(1)).clamp(1, 5);
    let mut group = vec![usize::MAX; n_cells];
    let mut members = vec![Vec::new(); groups];
    for (rank, &c) in order.iter().enumerate() {
        group[c] = rank * groups / order.len();
        members[group[c]].push(c);
    }
    (group, members)
}

/// What is kept of a [`Finding`] once every sign has run: its numbers (a
/// number not given is held as NaN: 40 bytes instead of 72, for the 20 M
/// findings of a national year). Its note and reason are in
/// [`SignResults::texts`], compressed.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    pub evaluated: bool,
    /// Set by [`crate::evidence`].
    pub fired: bool,
    statistic: f64,
    p_value: f64,
    effect: f64,
    q_value: f64,
    /// [`Finding::p_next`] (f32: it only places the cell in the bulk the
    /// empirical null is fitted on; the record stays 40 bytes).
    p_next: f32,
}

/// Equal when they hold the same numbers (a number not given equals itself).
impl PartialEq for Outcome {
    fn eq(&self, other: &Outcome) -> bool {
        let numbers = |o: &Outcome| {
            (
                o.evaluated,
                o.fired,
                o.statistic(),
                o.p_value(),
                o.effect(),
                o.q_value(),
            )
        };
        numbers(self) == numbers(other)
    }
}

impl Default for Outcome {
    fn default() -> Outcome {
        Outcome::from(&Finding::default())
    }
}

/// NaN for none (a computed NaN reads back as none too).
fn pack(x: Option<f64>) -> f64 {
    x.unwrap_or(f64::NAN)
}

fn unpack(x: f64) -> Option<f64> {
    (!x.is_nan()).then_some(x)
}

impl Outcome {
    pub fn statistic(&self) -> Option<f64> {
        unpack(self.statistic)
    }

    pub fn p_value(&self) -> Option<f64> {
        unpack(self.p_value)
    }

    pub fn effect(&self) -> Option<f64> {
        unpack(self.effect)
    }

    /// Benjamini–Hochberg q-value across all cells for this sign (set by [`run`]).
    pub fn q_value(&self) -> Option<f64> {
        unpack(self.q_value)
    }

    pub fn set_q_value(&mut self, q: Option<f64>) {
        self.q_value = pack(q);
    }

    /// See [`Finding::p_next`].
    pub fn p_next(&self) -> Option<f64> {
        unpack(f64::from(self.p_next))
    }
}

impl From<&Finding> for Outcome {
    fn from(f: &Finding) -> Outcome {
        Outcome {
            evaluated: f.evaluated,
            fired: f.fired,
            statistic: pack(f.statistic),
            p_value: pack(f.p_value),
            effect: pack(f.effect),
            q_value: pack(f.q_value),
            p_next: pack(f.p_next) as f32,
        }
    }
}

/// A sign's result in one cell.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Finding {
    pub evaluated: bool,
    /// Why the sign was not evaluated, or what it found (direction, detail).
    pub note: String,
    pub statistic: Option<f64>,
    pub p_value: Option<f64>,
    pub effect: Option<f64>,
    /// A plain Russian sentence with the numbers, used as the reason when fired.
    pub reason: String,
    /// Benjamini–Hochberg q-value across all cells for this sign (set by [`run`]).
    pub q_value: Option<f64>,
    /// Set by [`run`].
    pub fired: bool,
    /// For a statistic with steps (a count): P(T > t) under the sign's null,
    /// the p-value one step further in the sign's direction (the p-value
    /// itself is P(T ≥ t)). The empirical null is fitted on p-values
    /// randomized between the two, which are uniform under the sign's model
    /// (Habiger & Peña 2011), so that the steps do not widen it; see
    /// [`crate::evidence`]. None for a continuous statistic.
    pub p_next: Option<f64>,
}

impl Finding {
    pub fn skipped(note: impl Into<String>) -> Finding {
        Finding {
            note: note.into(),
            ..Finding::default()
        }
    }

    /// Not evaluated: `n` works (of the kind `what` counts) is below `min_works`.
    pub fn too_small(n: impl std::fmt::Display, what: &str, cfg: &SignsConfig) -> Finding {
        Finding::skipped(format!("{what}: {n}, меньше {}", cfg.min_works))
    }

    /// A computed finding of a cell below the sign's minimum: not evaluated
    /// (it enters no evidence and no q-value), but its statistic, p-value and
    /// effect stay in findings.csv, so that a small school's cells carry
    /// their numbers; the note says why it does not count.
    pub fn below_minimum(self, n: usize, what: &str, cfg: &SignsConfig) -> Finding {
        Finding {
            evaluated: false,
            note: format!(
                "{what}: {n}, меньше {}: в доказательность не входит, числа — для сведения; {}",
                cfg.min_works, self.note
            ),
            ..self
        }
    }

    /// The same finding of a statistic with steps: `p_next` = P(T > t)
    /// (see [`Finding::p_next`]; held at most the p-value).
    pub fn with_next(self, p_next: f64) -> Finding {
        let p = self.p_value.unwrap_or(1.0);
        Finding {
            p_next: Some(p_next.clamp(0.0, p)),
            ..self
        }
    }

    pub fn tested(statistic: f64, p_value: f64, effect: f64, reason: String) -> Finding {
        Finding {
            evaluated: true,
            statistic: Some(statistic),
            p_value: Some(p_value.clamp(0.0, 1.0)),
            effect: Some(effect),
            reason,
            ..Finding::default()
        }
    }
}

/// How the list is chosen from the school-years' p-values (see [`crate::evidence`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Control {
    /// Benjamini–Hochberg over the year's school-years (weighted), q ≤
    /// `q_max`: among the listed school-years the expected share of honest
    /// ones is at most `q_max` (false discovery rate). For the published list,
    /// where a false listing costs a school its reputation.
    #[default]
    Fdr,
    /// p / w ≤ `fpr_max`: an honest school is listed with probability at most
    /// `fpr_max` (false positive rate; expected false listings ≤ `fpr_max` ×
    /// honest schools, whatever the number of manipulating ones). For choosing
    /// schools to re-check, where a false listing costs one re-check.
    Fpr,
}

/// Thresholds of the signs (the `[signs]` section of the configuration).
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignsConfig {
    pub control: Control,
    pub q_max: f64,
    pub fpr_max: f64,
    pub min_works: usize,
    pub min_cells: usize,
    pub high_result_min_effect: f64,
    pub task_profile_min_effect: f64,
    pub cutoff_min_effect: f64,
    pub journal_min_effect: f64,
    pub identical_min_effect: f64,
    pub own_marks_min_effect: f64,
    pub tail_min_effect: f64,
    pub cohort_min_effect: f64,
    pub medal_min_effect: f64,
    /// Fewest evaluated cells to fit a sign's empirical null ([`crate::evidence`]).
    pub null_min_cells: usize,
}

impl Default for SignsConfig {
    fn default() -> Self {
        SignsConfig {
            control: Control::Fdr,
            q_max: 0.05,
            fpr_max: 0.01,
            min_works: 5,
            min_cells: 10,
            high_result_min_effect: 0.05,
            task_profile_min_effect: 0.10,
            cutoff_min_effect: 0.10,
            journal_min_effect: 0.10,
            identical_min_effect: 0.10,
            own_marks_min_effect: 0.20,
            tail_min_effect: 0.10,
            cohort_min_effect: 0.20,
            medal_min_effect: 0.05,
            null_min_cells: 100,
        }
    }
}

impl SignsConfig {
    pub fn validate(&self) -> Result<(), String> {
        if !(self.q_max > 0.0 && self.q_max < 1.0) {
            return Err(format!(
                "[signs] q_max должно быть больше 0 и меньше 1, а не {}",
                self.q_max
            ));
        }
        if !(self.fpr_max > 0.0 && self.fpr_max < 1.0) {
            return Err(format!(
                "[signs] fpr_max должно быть больше 0 и меньше 1, а не {}",
                self.fpr_max
            ));
        }
        if self.min_works < 2 {
            return Err("[signs] min_works должно быть не меньше 2".into());
        }
        if self.min_cells < 3 {
            return Err("[signs] min_cells должно быть не меньше 3".into());
        }
        if self.null_min_cells < 10 {
            return Err("[signs] null_min_cells должно быть не меньше 10".into());
        }
        let effects = [
            ("high_result_min_effect", self.high_result_min_effect),
            ("task_profile_min_effect", self.task_profile_min_effect),
            ("cutoff_min_effect", self.cutoff_min_effect),
            ("journal_min_effect", self.journal_min_effect),
            ("identical_min_effect", self.identical_min_effect),
            ("own_marks_min_effect", self.own_marks_min_effect),
            ("tail_min_effect", self.tail_min_effect),
            ("cohort_min_effect", self.cohort_min_effect),
            ("medal_min_effect", self.medal_min_effect),
        ];
        // NaN would make every comparison false: no sign would ever fire.
        if let Some((key, v)) = effects.iter().find(|(_, v)| !(v.is_finite() && *v >= 0.0)) {
            return Err(format!(
                "[signs] {key} должно быть числом не меньше 0, а не {v}"
            ));
        }
        Ok(())
    }
}

/// The findings of every sign in every cell: `findings[sign][cell]`, cells in
/// dataset order (tests by key, then cells by school); their notes and
/// reasons in `texts[sign][test]`.
#[derive(Clone, Debug, Default)]
pub struct SignResults {
    pub findings: Vec<Vec<Outcome>>,
    pub texts: Vec<Vec<Texts>>,
    /// Per sign, the notes of the findings not evaluated (why not) with how
    /// many cells have each: the methods section's coverage without reading
    /// every text back.
    pub skipped: Vec<BTreeMap<String, usize>>,
    /// The index of each test's first cell in the cell order.
    pub first_cell: Vec<usize>,
    /// S12's numbers per school-year, kept for the справка's medal table.
    pub medals: MedalCounts,
    /// Per sign, its evaluated findings judged on the same pupils found by
    /// their codes ([`FOUND_BY_CODE`]: S9 where codes persist), for the
    /// methods section.
    pub same_pupils: Vec<usize>,
}

/// One sign's findings on one test as they are kept: their numbers, their
/// texts compressed (the findings are left without them) and the count of
/// each note of those not evaluated.
struct Part {
    numbers: Vec<Outcome>,
    texts: Texts,
    skipped: BTreeMap<String, usize>,
    same_pupils: usize,
}

fn packed(findings: &mut [Finding]) -> Part {
    let numbers = findings.iter().map(Outcome::from).collect();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    for f in findings.iter().filter(|f| !f.evaluated) {
        match skipped.get_mut(&f.note) {
            Some(n) => *n += 1,
            None => {
                skipped.insert(f.note.clone(), 1);
            }
        }
    }
    let same_pupils = (findings.iter())
        .filter(|f| f.evaluated && f.note.contains(FOUND_BY_CODE))
        .count();
    Part {
        numbers,
        texts: Texts::pack(findings),
        skipped,
        same_pupils,
    }
}

impl SignResults {
    /// From each sign's findings on each test (`parts[sign][test]`).
    pub fn pack(parts: Vec<Vec<Vec<Finding>>>) -> SignResults {
        SignResults::assemble(
            (parts.into_iter())
                .map(|tests| tests.into_iter().map(|mut f| packed(&mut f)).collect())
                .collect(),
        )
    }

    /// From each sign's packed findings on each test (`parts[sign][test]`,
    /// every sign over the same tests).
    fn assemble(parts: Vec<Vec<Part>>) -> SignResults {
        let mut out = SignResults::default();
        if let Some(tests) = parts.first() {
            let mut at = 0;
            for part in tests {
                out.first_cell.push(at);
                at += part.numbers.len();
            }
        }
        for tests in parts {
            let (mut numbers, mut texts) = (Vec::new(), Vec::new());
            let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
            let mut same_pupils = 0;
            for part in tests {
                numbers.extend(part.numbers);
                texts.push(part.texts);
                for (note, n) in part.skipped {
                    *skipped.entry(note).or_default() += n;
                }
                same_pupils += part.same_pupils;
            }
            out.findings.push(numbers);
            out.texts.push(texts);
            out.skipped.push(skipped);
            out.same_pupils.push(same_pupils);
        }
        out
    }

    /// The test of cell `i` and the cell's place in it.
    pub fn locate(&self, i: usize) -> (usize, usize) {
        let t = self.first_cell.partition_point(|&c| c <= i) - 1;
        (t, i - self.first_cell[t])
    }

    /// The reason of `sign` in cell `i` (one chunk read back: for a few
    /// cells, such as the marked ones; [`Texts::reasons`] for many).
    pub fn reason(&self, sign: usize, i: usize) -> String {
        let (t, j) = self.locate(i);
        self.texts[sign][t].reasons(j..j + 1).get(j).to_owned()
    }
}

/// Evaluates every sign on every test, then sets q-values.
pub fn run(data: &Dataset, cfg: &SignsConfig) -> SignResults {
    let shared = crate::timings::stage("  общие данные признаков", || {
        Shared::new(data, cfg)
    });
    let jobs: Vec<(usize, usize)> = (0..REGISTRY.len())
        .flat_map(|s| (0..data.tests.len()).map(move |t| (s, t)))
        .collect();
    // First the spread pools (summed in job order: the same at any thread count).
    let empty = SpreadPools::new();
    // A sign that reads results, on a test of marks alone: not evaluated.
    let judged = |s: usize, t: usize| !REGISTRY[s].needs_scores() || data.tests[t].has_scores();
    let groups: Vec<Vec<(u8, MomentSums)>> =
        crate::timings::stage("  разброс по группам", || {
            jobs.par_iter()
                .map(|&(s, t)| {
                    if judged(s, t) {
                        REGISTRY[s].spread(&TestInput::of(data, &shared, t, &empty), cfg)
                    } else {
                        Vec::new()
                    }
                })
                .collect()
        });
    let mut pools = vec![SpreadPools::new(); REGISTRY.len()];
    for (&(s, t), groups) in jobs.iter().zip(&groups) {
        for (slot, sums) in groups {
            let key = (data.tests[t].key.exam, *slot);
            pools[s].entry(key).or_default().add(sums);
        }
    }
    // Each job's texts are compressed as soon as it ends, so that the
    // sentences of all findings are never held at once. The jobs are started
    // largest test first, so that no long job is left alone at the end while
    // the other cores wait; their results are put back in job order.
    let mut by_size: Vec<usize> = (0..jobs.len()).collect();
    by_size.sort_by_key(|&j| std::cmp::Reverse(data.tests[jobs[j].1].n_works()));
    let done: Vec<Part> =
        crate::timings::stage("  вычисление признаков", || {
            by_size
                .par_iter()
                .map(|&j| {
                    let (s, t) = jobs[j];
                    let started = crate::timings::enabled().then(std::time::Instant::now);
                    let mut out = if judged(s, t) {
                        REGISTRY[s].evaluate(&TestInput::of(data, &shared, t, &pools[s]), cfg)
                    } else {
                        vec![Finding::skipped(NO_SCORES); data.tests[t].cells.len()]
                    };
                    debug_assert_eq!(out.len(), data.tests[t].cells.len(), "{}", REGISTRY[s].id());
                    let part = packed(&mut out);
                    if let Some(t0) = started {
                        crate::timings::add(REGISTRY[s].id(), t0.elapsed());
                    }
                    part
                })
                .collect()
        });
    // Back in job order: sign by sign, each over the tests in order.
    let mut parts: Vec<Option<Part>> = (0..jobs.len()).map(|_| None).collect();
    for (&j, part) in by_size.iter().zip(done) {
        parts[j] = Some(part);
    }
    let mut parts = parts.into_iter().flatten();
    let by_sign = (0..REGISTRY.len())
        .map(|_| parts.by_ref().take(data.tests.len()).collect())
        .collect();
    let mut results = SignResults::assemble(by_sign);
    results.medals = shared.medals;
    for list in &mut results.findings {
        let p: Vec<Option<f64>> = (list.iter())
            .map(|f| f.p_value().filter(|_| f.evaluated))
            .collect();
        for (f, q) in list.iter_mut().zip(bh_qvalues(&p)) {
            f.set_q_value(q);
        }
    }
    results
}

/// Why a sign that reads the works' results did not judge a test of marks alone.
pub const NO_SCORES: &str = "у теста в данных только отметки, без первичных и тестовых баллов";

/// Why a sign comparing exam and journal marks did not judge a test.
pub const NO_JOURNAL: &str = "в данных нет отметок по журналу для этого теста";

/// Why a sign comparing a school with the others of the test did not judge
/// it: too few of them in the folder (a municipality's folder may hold only
/// a few schools of a test); `works`: the fewest works a school needs to count.
pub fn too_few_cells(cfg: &SignsConfig, works: usize) -> String {
    format!(
        "в данных меньше {} ОО с этим тестом (по {works} работ и больше): не с кем сравнить",
        cfg.min_cells
    )
}

/// Percent with no decimals for Russian sentences: 0.314 -> "31 %".
pub fn pct(x: f64) -> String {
    format!("{:.0} %", x * 100.0)
}

/// A number with `places` decimals and a decimal comma, for notes.
pub use crate::report::html::num as dec;

/// "0,8", "−0,4": one decimal, a comma and a true minus.
pub fn dec1(x: f64) -> String {
    crate::report::html::minus(x, 1)
}

/// A p-value for notes: three decimals from 0,01 up, smaller ones as
/// «2,4·10⁻³».
pub fn sci(p: f64) -> String {
    if p >= 0.01 || p == 0.0 {
        return dec(p, 3);
    }
    let e = p.log10().floor() as i32;
    let m = p / 10f64.powi(e);
    let sup: String = e
        .to_string()
        .chars()
        .map(|c| match c {
            '-' => '⁻',
            d => ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'][d as usize - '0' as usize],
        })
        .collect();
    format!("{}·10{sup}", dec(m, 1))
}

/// Test data for the signs' unit tests.
#[cfg(test)]
mod format_tests {
    use super::{dec, sci};

    #[test]
    fn an_outcome_keeps_a_findings_numbers_and_their_absence() {
        use super::{Finding, Outcome};
        let o = Outcome::from(&Finding::tested(2.5, 0.006, -0.25, String::new()));
        assert_eq!(
            (
                o.evaluated,
                o.statistic(),
                o.p_value(),
                o.effect(),
                o.q_value()
            ),
            (true, Some(2.5), Some(0.006), Some(-0.25), None)
        );
        let mut o = Outcome::from(&Finding::skipped("работ: 3, меньше 5"));
        assert_eq!(
            (o.evaluated, o.p_value(), o.statistic()),
            (false, None, None)
        );
        o.set_q_value(Some(0.04));
        assert_eq!(o.q_value(), Some(0.04));
        assert_eq!(Outcome::default(), Outcome::from(&Finding::default()));
        assert_eq!(std::mem::size_of::<Outcome>(), 40);
    }

    #[test]
    fn numbers_for_notes() {
        assert_eq!(dec(0.0691, 3), "0,069");
        assert_eq!(sci(0.0347), "0,035");
        assert_eq!(sci(2.365e-3), "2,4·10⁻³");
        assert_eq!(sci(1.2e-5), "1,2·10⁻⁵");
        assert_eq!(sci(3.9e-16), "3,9·10⁻¹⁶");
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use crate::model::{CellSpan, Exam, NO_MARK, NO_TEST_SCORE, TestBlock, TestKey};
    use ndarray::{Array1, Array2};

    /// A VPR test with one cell per (primary, journal) list.
    pub fn block(cells: &[(Vec<f32>, Vec<u8>)]) -> TestBlock {
        let primary: Vec<f32> = cells.iter().flat_map(|c| c.0.clone()).collect();
        let journal: Vec<u8> = cells.iter().flat_map(|c| c.1.clone()).collect();
        let n = primary.len();
        let mut spans = Vec::new();
        let mut start = 0u32;
        for (school, c) in cells.iter().enumerate() {
            let end = start + c.0.len() as u32;
            spans.push(CellSpan {
                school: school as u32,
                start,
                end,
            });
            start = end;
        }
        TestBlock {
            key: TestKey {
                year: 2025,
                exam: Exam::Vpr,
                subject: "RU".into(),
                grade: 4,
            },
            tasks: Vec::new(),
            scores: Array2::zeros((n, 0)),
            primary: Array1::from(primary),
            mark: Array1::from(vec![NO_MARK; n]),
            test_score: Array1::from(vec![NO_TEST_SCORE; n]),
            journal: Array1::from(journal),
            variant: vec![0; n],
            class: vec![crate::model::StrPool::NONE; n],
            student: (0..n as u32).collect(),
            not_done: vec![0; n],
            mark_disagrees: vec![false; n],
            cells: spans,
            scale: None,
            max_score: None,
        }
    }

    /// What a sign sees of `block` alone: no schools, no region's figures, no
    /// pooled spreads.
    pub fn input<'a>(
        block: &'a TestBlock,
        shared: &'a super::Shared,
        spreads: &'a super::SpreadPools,
        codes: &'a crate::model::StrPool,
    ) -> super::TestInput<'a> {
        super::TestInput {
            index: 0,
            block,
            schools: &[],
            shared,
            reference: None,
            spreads,
            codes,
        }
    }
}
