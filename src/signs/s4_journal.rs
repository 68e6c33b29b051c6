//! S4: the exam mark against the school's own mark (journal mark for VPR, annual
//! mark for OGE), in three directions that are different signs.
//!
//! For each cell, among works with both marks: the counts of exam marks below
//! («понизили»), equal to («подтвердили») and above («повысили») the school mark.
//!
//! * **Statistic**: the count in the sign's direction; effect = the cell's share
//!   minus the peer group's share.
//! * **Null hypothesis**: the cell's count is a draw from the beta-binomial
//!   predictive distribution of its peer group (lyceums, gymnasiums and schools
//!   with in-depth study of the subject vs the others; the whole test when the
//!   peer group has fewer than `min_cells` cells), fitted to the test's cells by
//!   moments — so the ordinary school-to-school variation in marking is part of
//!   the null (see [`crate::stats::betabinom`]).
//! * **Rule**: one-sided p-value; fires when the BH q-value ≤ `q_max` and the
//!   effect ≥ `journal_min_effect`.
//!   - S4a `exam above journal`: too many exam marks above the school mark —
//!     an exam result inflated beyond what the school itself sees in its pupils.
//!   - S4b `journal above exam`: too many exam marks below the school mark —
//!     school marks inflated above an honest exam.
//!   - S4c `fitted to journal`: too many exam marks equal to the school mark
//!     *while the cell's mean score is above its peer group's* — exam marks
//!     brought into line with the journal. Quadratic-weighted kappa of the two
//!     marks is reported in the note.
//! * **Minimum sample**: `min_works` works with both marks; EGE cells (no
//!   5-point exam mark) are not evaluated.
//! * **Reference**: Рособрнадзор, ФИОКО. Методические рекомендации по
//!   проведению ВПР и использованию их результатов (признак «несоответствие
//!   отметок за ВПР и отметок по журналу»); Skellam J.G. (1948) A probability
//!   distribution derived from the binomial distribution by regarding the
//!   probability of success as variable between the sets of trials. JRSS B 10.

use crate::model::{Cell, NO_MARK};
use crate::stats::agreement::quadratic_kappa;
use crate::stats::betabinom::BetaBinomial;

use super::{Finding, Sign, SignDoc, SignsConfig, TestInput, pct};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Dir {
    Raised,
    Lowered,
    Fitted,
}

/// (lowered, confirmed, raised) counts among works with both marks.
fn counts(cell: Cell<'_>) -> [u64; 3] {
    let mut c = [0u64; 3];
    for (&m, &j) in cell.mark().iter().zip(cell.journal().iter()) {
        if m != NO_MARK && j != NO_MARK {
            c[(m.cmp(&j) as i8 + 1) as usize] += 1;
        }
    }
    c
}

fn mean_percent(cell: Cell<'_>) -> Option<f64> {
    let max = cell.block.max_primary().filter(|&m| m > 0.0)?;
    let p = cell.primary();
    (!p.is_empty())
        .then(|| p.iter().map(|&x| f64::from(x)).sum::<f64>() / p.len() as f64 / f64::from(max))
}

fn evaluate(dir: Dir, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
    let block = test.block;
    let n_cells = block.cells.len();
    if !block.key.exam.has_marks() {
        return vec![Finding::skipped("EGE: no 5-point exam mark to compare"); n_cells];
    }
    let k = match dir {
        Dir::Lowered => 0,
        Dir::Fitted => 1,
        Dir::Raised => 2,
    };
    let all: Vec<[u64; 3]> = (0..n_cells).map(|c| counts(block.cell(c))).collect();
    let totals: Vec<u64> = all.iter().map(|c| c.iter().sum()).collect();
    let big = |c: usize| totals[c] as usize >= cfg.min_works;
    let fit_group = |sel: Option<bool>| {
        let cells: Vec<(u64, u64)> = (0..n_cells)
            .filter(|&c| big(c) && sel.is_none_or(|s| test.selective(c) == s))
            .map(|c| (all[c][k], totals[c]))
            .collect();
        if cells.len() < cfg.min_cells {
            None
        } else {
            BetaBinomial::fit(&cells)
        }
    };
    let whole = fit_group(None);
    let groups = [
        fit_group(Some(false)).or(whole),
        fit_group(Some(true)).or(whole),
    ];
    let means: Vec<Option<f64>> = (0..n_cells).map(|c| mean_percent(block.cell(c))).collect();
    let peer_mean = |sel: bool| {
        let v: Vec<f64> = (0..n_cells)
            .filter(|&c| big(c) && test.selective(c) == sel)
            .filter_map(|c| means[c])
            .collect();
        let v = if v.len() >= cfg.min_cells {
            v
        } else {
            (0..n_cells)
                .filter(|&c| big(c))
                .filter_map(|c| means[c])
                .collect()
        };
        crate::stats::median(&v)
    };
    let peer_means = [peer_mean(false), peer_mean(true)];
    (0..n_cells)
        .map(|c| {
            let n = totals[c];
            if !big(c) {
                return Finding::skipped(format!("{n} works with both marks, fewer than {}", cfg.min_works));
            }
            let sel = usize::from(test.selective(c));
            let Some(bb) = groups[sel] else {
                return Finding::skipped("too few cells in the test for a regional reference");
            };
            let x = all[c][k];
            let share = x as f64 / n as f64;
            let region = bb.share();
            let p = bb.sf(x, n);
            let effect = share - region;
            match dir {
                Dir::Raised => Finding::tested(x as f64, p, effect, format!(
                    "отметка за работу выше отметки по журналу у {} участников при {} по группе сравнения",
                    pct(share), pct(region))),
                Dir::Lowered => Finding::tested(x as f64, p, effect, format!(
                    "отметка по журналу выше отметки за работу у {} участников при {} по группе сравнения",
                    pct(share), pct(region))),
                Dir::Fitted => {
                    let cell = block.cell(c);
                    let kappa = quadratic_kappa(cell.mark().as_slice().unwrap_or(&[]), cell.journal().as_slice().unwrap_or(&[]));
                    let high = match (means[c], peer_means[sel]) {
                        (Some(m), Some(pm)) => m > pm,
                        _ => false,
                    };
                    let mut f = Finding::tested(x as f64, if high { p } else { 1.0 }, effect, format!(
                        "отметки за работу совпадают с отметками по журналу у {} участников при {} по группе сравнения, при результатах выше группы сравнения",
                        pct(share), pct(region)));
                    f.note = match kappa {
                        Some(k) => format!("quadratic-weighted kappa {k:.2}"),
                        None => String::new(),
                    };
                    if !high {
                        f.note.push_str(if f.note.is_empty() { "" } else { "; " });
                        f.note.push_str("mean score not above the peer group: not tested (p = 1)");
                    }
                    f
                }
            }
        })
        .collect()
}

const REFERENCE: &str = "ФИОКО, методические рекомендации по использованию результатов ВПР (соответствие отметок); beta-binomial predictive test (Skellam 1948), BH q-values";

/// One of the three directions, as a sign.
pub struct JournalSign {
    dir: Dir,
    id: &'static str,
    title: &'static str,
    statistic: &'static str,
    rule: &'static str,
}

/// S4a.
pub const EXAM_ABOVE_JOURNAL: JournalSign = JournalSign {
    dir: Dir::Raised,
    id: "S4a",
    title: "Отметки за работу выше отметок по журналу",
    statistic: "number of works whose exam mark is above the school (journal/annual) mark",
    rule: "upper-tail p; fires when q <= q_max and share minus the peer share >= journal_min_effect",
};

/// S4b.
pub const JOURNAL_ABOVE_EXAM: JournalSign = JournalSign {
    dir: Dir::Lowered,
    id: "S4b",
    title: "Отметки по журналу выше отметок за работу",
    statistic: "number of works whose exam mark is below the school (journal/annual) mark",
    rule: "upper-tail p; fires when q <= q_max and share minus the peer share >= journal_min_effect",
};

/// S4c.
pub const FITTED_TO_JOURNAL: JournalSign = JournalSign {
    dir: Dir::Fitted,
    id: "S4c",
    title: "Отметки за работу подогнаны под отметки по журналу",
    statistic: "number of works whose exam mark equals the school mark (quadratic-weighted kappa in the note)",
    rule: "upper-tail p, tested only when the cell's mean score is above its peer group's median; fires when q <= q_max and share minus the peer share >= journal_min_effect",
};

impl Sign for JournalSign {
    fn id(&self) -> &'static str {
        self.id
    }
    fn title(&self) -> &'static str {
        self.title
    }
    fn doc(&self) -> SignDoc {
        SignDoc {
            statistic: self.statistic,
            null: "the count is beta-binomial with the peer group's share and school-to-school spread",
            rule: self.rule,
            min_sample: "min_works works with both marks; VPR and OGE only",
            reference: REFERENCE,
        }
    }
    fn min_effect(&self, cfg: &SignsConfig) -> f64 {
        cfg.journal_min_effect
    }
    fn evaluate(&self, test: &TestInput<'_>, cfg: &SignsConfig) -> Vec<Finding> {
        evaluate(self.dir, test, cfg)
    }
}
