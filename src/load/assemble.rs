//! From parsed rows to [`TestBlock`]s: the checks that need a whole test, and
//! the grouping into cells.
//!
//! All works of all files are sorted at once by (test, school, student,
//! file, line), so every test is one contiguous run and every cell a run inside
//! it; equal (school, student) neighbours are duplicates. Then each test is
//! checked and built on its own, in parallel (rayon, no polars inside):
//!
//! * the task set is tasks.csv's list for the test, else the task columns
//!   filled in more than half of its works; a work with a task of the set
//!   empty, or with a score in a task outside it, is rejected;
//! * a score above the task's declared maximum is rejected;
//! * a given primary score must equal the sum of the task scores (±0.001);
//!   an empty one is computed from them;
//! * duplicates: identical copies keep one work; copies that differ are all rejected;
//! * the mark is computed from the scale where empty; a given mark that
//!   disagrees with the scale is kept and reported.

use std::collections::{BTreeMap, BTreeSet};

use ndarray::{Array1, Array2};
use rayon::prelude::*;

use crate::model::{
    CellSpan, NO_MARK, NO_TEST_SCORE, Scale, StrPool, TaskInfo, TestBlock, TestKey,
};

use super::report::{Level, Note, Rejected};
use super::results::{RawWorks, TestIndex};
use super::scales::{self, Scales};

/// What assembling needs besides the parsed rows.
pub struct Context<'a> {
    pub tests: &'a TestIndex,
    pub tasks: &'a BTreeMap<TestKey, Vec<TaskInfo>>,
    pub folder_scales: &'a Scales,
    pub bundled_scales: &'a Scales,
    pub codes: &'a StrPool,
    /// Assembling a re-check: its tests are the results' own, already said
    /// about (no note on a test judged without task scores).
    pub recheck: bool,
}

/// A work: (file, row within the file).
type WorkRef = (u32, u32);

struct Built {
    block: Option<TestBlock>,
    rejected: Vec<Rejected>,
    notes: Vec<Note>,
}

/// The test blocks, sorted by key, with the rows rejected and the notes made on the way.
#[derive(Debug, Default)]
pub struct Assembled {
    pub blocks: Vec<TestBlock>,
    pub rejected: Vec<Rejected>,
    pub notes: Vec<Note>,
}

/// Builds the test blocks.
pub fn assemble(raws: &[RawWorks], cx: &Context<'_>) -> Assembled {
    let order = crate::timings::stage("    сортировка работ", || {
        sort_works(raws, cx.codes)
    });
    let mut runs: Vec<(u32, &[WorkRef])> = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let test = raws[order[start].0 as usize].test[order[start].1 as usize];
        let len = order[start..]
            .iter()
            .position(|&(f, r)| raws[f as usize].test[r as usize] != test)
            .unwrap_or(order.len() - start);
        runs.push((test, &order[start..start + len]));
        start += len;
    }
    let built: Vec<Built> = runs
        .par_iter()
        .map(|&(test, works)| build_test(&cx.tests.keys[test as usize], works, raws, cx))
        .collect();
    let mut out = Assembled::default();
    for b in built {
        out.blocks.extend(b.block);
        out.rejected.extend(b.rejected);
        out.notes.extend(b.notes);
    }
    out.blocks.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// All works ordered by (test, school, student, file, row).
///
/// The works are put in their test's place by counting (test ids are dense),
/// then each test is sorted on its own, the tests on every core: by school,
/// then the student code compared as text (its pool ids follow the rows, not
/// the text), then file and row, so that the order is total and the same for
/// every thread count.
fn sort_works(raws: &[RawWorks], codes: &StrPool) -> Vec<WorkRef> {
    #[derive(Clone, Copy, Default)]
    struct Key {
        school: u32,
        student: u32,
        file: u32,
        row: u32,
    }
    let tests = (raws.iter().flat_map(|r| r.test.iter()))
        .max()
        .map_or(0, |&t| t as usize + 1);
    let mut start = vec![0usize; tests + 1];
    for r in raws {
        for &t in &r.test {
            start[t as usize + 1] += 1;
        }
    }
    for t in 0..tests {
        start[t + 1] += start[t];
    }
    let mut keys = vec![Key::default(); start[tests]];
    let mut at = start.clone();
    for (f, raw) in raws.iter().enumerate() {
        for i in 0..raw.len() {
            let t = raw.test[i] as usize;
            keys[at[t]] = Key {
                school: raw.school[i],
                student: raw.student[i],
                file: f as u32,
                row: i as u32,
            };
            at[t] += 1;
        }
    }
    let mut by_test: Vec<&mut [Key]> = Vec::with_capacity(tests);
    let mut rest = keys.as_mut_slice();
    for t in 0..tests {
        let (this, after) = rest.split_at_mut(start[t + 1] - start[t]);
        by_test.push(this);
        rest = after;
    }
    by_test.par_iter_mut().for_each(|works| {
        works.sort_unstable_by(|a, b| {
            a.school
                .cmp(&b.school)
                .then_with(|| {
                    if a.student == b.student {
                        std::cmp::Ordering::Equal
                    } else {
                        codes.get(a.student).cmp(codes.get(b.student))
                    }
                })
                .then_with(|| (a.file, a.row).cmp(&(b.file, b.row)))
        })
    });
    keys.into_iter().map(|k| (k.file, k.row)).collect()
}

/// Works whose test score is not their primary score's: among the works of
/// one primary score (at least 5 with a test score), the test score that at
/// least 90 % of them have is the conversion's, and every other one is an
/// outlier. (index, primary, test score, the usual test score).
fn test_score_outliers(works: &[(usize, f32, u8)]) -> Vec<(usize, f32, u8, u8)> {
    let mut by_primary: BTreeMap<u32, Vec<(usize, u8)>> = BTreeMap::new();
    for &(j, p, t) in works {
        by_primary.entry(p.to_bits()).or_default().push((j, t));
    }
    let mut out = Vec::new();
    for (bits, group) in by_primary {
        if group.len() < 5 {
            continue;
        }
        let mut counts: BTreeMap<u8, usize> = BTreeMap::new();
        for &(_, t) in &group {
            *counts.entry(t).or_default() += 1;
        }
        let (&usual, &most) = counts
            .iter()
            .max_by_key(|(t, c)| (**c, std::cmp::Reverse(**t)))
            .expect("not empty");
        if most * 10 < group.len() * 9 {
            continue;
        }
        out.extend(
            (group.iter())
                .filter(|&&(_, t)| t != usual)
                .map(|&(j, t)| (j, f32::from_bits(bits), t, usual)),
        );
    }
    out.sort_by_key(|x| x.0);
    out
}

/// The test's scale, and a note on where it came from when that needs
/// saying. The folder's scales.csv wins; else, for VPR and OGE, the cut
/// points that the works' own marks pin down ([`scales::cuts_from_marks`])
/// where no bundled scale of the year agrees with them; else the bundled
/// scale (of another year when the maximum is the same).
fn scale_of(
    key: &TestKey,
    cx: &Context<'_>,
    declared_max: Option<f32>,
    pairs: impl FnOnce() -> Vec<(f32, u8)>,
) -> (Option<Scale>, Option<String>) {
    let resolved = || scales::resolve(key, cx.folder_scales, cx.bundled_scales, declared_max);
    if cx.folder_scales.contains_key(key) || !key.exam.has_marks() {
        return resolved();
    }
    let Some((cuts, wrong)) = scales::cuts_from_marks(&pairs()) else {
        return resolved();
    };
    let shown = |c: [f32; 3]| c.map(|x| x.to_string()).join(" / ");
    let disagreeing = if wrong > 0 {
        format!(" (не согласуются с ними отметки {wrong} работ)")
    } else {
        String::new()
    };
    let bundled = cx.bundled_scales.get(key);
    let note = match bundled.and_then(|b| b.cuts.map(|c| (b, c))) {
        Some((_, c)) if c == cuts => return resolved(),
        Some((b, c)) => format!(
            "{key}: отметки в файле не соответствуют встроенной шкале ({}: границы отметок \
             «3», «4», «5» — {}); использованы границы, по которым выставлены отметки в \
             файле: {}{disagreeing}",
            b.origin,
            shown(c),
            shown(cuts)
        ),
        None => format!(
            "{key}: шкалы перевода баллов в отметки нет в scales.csv; границы отметок «3», «4», \
             «5» взяты по первичным баллам и отметкам в файле: {}{disagreeing}",
            shown(cuts)
        ),
    };
    let scale = Scale {
        cuts: Some(cuts),
        pass: None,
        university: None,
        max_score: bundled.and_then(|b| b.max_score),
        origin: "границы по отметкам в файле результатов".to_owned(),
    };
    (Some(scale), Some(note))
}

/// Works above a task's declared maximum from which (and above 1 % of the
/// works with the task) the declaration is taken to be wrong.
const MANY_ABOVE_MAX: usize = 5;

fn build_test(key: &TestKey, works: &[WorkRef], raws: &[RawWorks], cx: &Context<'_>) -> Built {
    let mut out = Built {
        block: None,
        rejected: Vec::new(),
        notes: Vec::new(),
    };
    let raw = |w: WorkRef| (&raws[w.0 as usize], w.1 as usize);
    let value = |w: WorkRef, k: u16| -> f32 {
        let (r, i) = raw(w);
        match r.task_ids.binary_search(&k) {
            Ok(j) => r.score(i, j),
            Err(_) => f32::NAN,
        }
    };
    let reject = |out: &mut Built, w: WorkRef, column: String, value: String, reason: String| {
        let (r, i) = raw(w);
        out.rejected.push(Rejected {
            file: r.file.clone(),
            line: r.line[i],
            column,
            value,
            reason: r.on_sheet(i, reason),
            cell: Some((key.clone(), r.school[i])),
        });
    };

    // The task set.
    // Counted per file and column first (a work touches every column of its file).
    let mut per_column: Vec<Vec<usize>> = raws.iter().map(|r| vec![0; r.task_ids.len()]).collect();
    for &w in works {
        let (r, i) = raw(w);
        let counts = &mut per_column[w.0 as usize];
        for (j, n) in counts.iter_mut().enumerate() {
            *n += usize::from(!r.score(i, j).is_nan());
        }
    }
    let mut filled: BTreeMap<u16, usize> = BTreeMap::new();
    for (r, counts) in raws.iter().zip(&per_column) {
        for (&k, &n) in r.task_ids.iter().zip(counts) {
            if n > 0 {
                *filled.entry(k).or_default() += n;
            }
        }
    }
    // tasks.csv's list, and every task column filled in more than half of the
    // works that it does not list (a tasks.csv row lost to a typo must not cost
    // every work of the test): such a task is kept with its maximum from the data.
    let declared = cx.tasks.get(key);
    // Tasks of tasks.csv that no work fills while others are filled: the file
    // has no column for them (or leaves it empty everywhere). Where the
    // primary score is the sum of the other tasks in 95 % of the works, tasks.csv
    // lists a task this test does not have: it is left out. Otherwise the
    // works cannot be checked task by task and the task scores are set aside:
    // the test is judged as a totals-only one, and no work is lost.
    let unfilled: Vec<u16> = match declared {
        Some(d) if !filled.is_empty() => (d.iter().map(|t| t.index))
            .filter(|k| !filled.contains_key(k))
            .collect(),
        _ => Vec::new(),
    };
    let mut left_out: Vec<u16> = Vec::new();
    let mut set_aside = false;
    if let (Some(d), false) = (declared, unfilled.is_empty()) {
        let rest: Vec<u16> = (d.iter().map(|t| t.index))
            .filter(|k| !unfilled.contains(k))
            .collect();
        let (mut with, mut equal) = (0usize, 0usize);
        for &w in works {
            let (r, i) = raw(w);
            if r.primary[i].is_nan() {
                continue;
            }
            with += 1;
            let sum: f64 = rest.iter().map(|&k| f64::from(value(w, k))).sum();
            equal += usize::from((f64::from(r.primary[i]) - sum).abs() <= 1e-3);
        }
        let list = (unfilled.iter().map(u16::to_string))
            .collect::<Vec<_>>()
            .join(", ");
        let one = unfilled.len() == 1;
        let (what, its, extra, it) = if one {
            (
                "задания",
                "его столбца или он пуст",
                "лишнее задание",
                "него",
            )
        } else {
            (
                "заданий",
                "их столбцов или они пусты",
                "лишние задания",
                "них",
            )
        };
        // Nearly all: a hard task scored 0 in most works must not pass for a
        // task that does not exist.
        if with > 0 && 20 * equal >= 19 * with {
            out.notes.push(Note::test_warning(format!(
                "{key}: {what} {list} из tasks.csv нет ни в одной работе, а первичный балл \
                 равен сумме остальных заданий в {equal} из {with} работ: похоже, в tasks.csv \
                 {extra}; тест обработан без {it}"
            )));
            left_out = unfilled;
        } else {
            let by = if with > 0 {
                "по первичным баллам"
            } else {
                "по тестовым баллам или отметкам (первичных баллов в файле нет)"
            };
            out.notes.push(Note::test_warning(format!(
                "{key}: {what} {list} из tasks.csv нет ни в одной работе (в файле нет {its}), \
                 поэтому баллы за задания этого теста не используются: тест обработан \
                 {by}, работы не отклонены; признаки, которым нужны баллы за задания, для него \
                 не проверяются"
            )));
            set_aside = true;
        }
    }
    // Totals only (no task score in any work, e.g. a summary export): the test
    // is judged on its primary scores; tasks.csv gives only the maximum.
    let totals_only = filled.is_empty() || set_aside;
    if filled.is_empty() && declared.is_some() && !cx.recheck {
        // What the works do carry: primary scores, else test scores or marks.
        let has = |of: &dyn Fn(&RawWorks, usize) -> bool| {
            works.iter().any(|&w| {
                let (r, i) = raw(w);
                of(r, i)
            })
        };
        let by = if has(&|r, i| !r.primary[i].is_nan()) {
            "по первичным баллам"
        } else if has(&|r, i| r.test_score[i] != NO_TEST_SCORE) {
            "по тестовым баллам (первичных баллов в файле нет)"
        } else {
            "по отметкам (первичных баллов в файле нет)"
        };
        out.notes.push(Note {
            level: Level::Info,
            file: String::new(),
            line: 0,
            message: format!(
                "{key}: в результатах нет баллов за задания; тест обработан {by}, из tasks.csv \
                 взят только максимальный балл"
            ),
        });
    }
    let mut tasks: Vec<TaskInfo> = match declared {
        Some(d) if !totals_only => (d.iter())
            .filter(|t| !left_out.contains(&t.index))
            .cloned()
            .collect(),
        _ => Vec::new(),
    };
    for (&index, &n) in filled.iter().filter(|_| !set_aside) {
        if 2 * n > works.len() && !tasks.iter().any(|t| t.index == index) {
            if declared.is_some() {
                out.notes.push(Note::test_warning(format!(
                    "{key}: задания {index} нет в tasks.csv, но оно заполнено в {n} из {} \
                         работ; оно учтено, максимум взят по наибольшему баллу в данных",
                    works.len()
                )));
            }
            tasks.push(TaskInfo {
                index,
                max: 0.0,
                max_declared: false,
                level: None,
                label: String::new(),
            });
        }
    }
    tasks.sort_by_key(|t| t.index);
    let in_set = |k: u16| tasks.iter().any(|t| t.index == k);
    let extra: Vec<u16> = (filled.keys().copied())
        .filter(|&k| !set_aside && !in_set(k))
        .collect();

    // Each file's column of each task of the set (None: the file has no such column).
    let task_col: Vec<Vec<Option<usize>>> = raws
        .iter()
        .map(|r| {
            tasks
                .iter()
                .map(|t| r.task_ids.binary_search(&t.index).ok())
                .collect()
        })
        .collect();
    let task_value = |w: WorkRef, t: usize| -> f32 {
        let (r, i) = raw(w);
        task_col[w.0 as usize][t].map_or(f32::NAN, |j| r.score(i, j))
    };
    // Row checks. A work above a task's declared maximum is held back until
    // the test's works are counted: where many are (a typo in tasks.csv, a
    // maximum of another year) the declaration is the error, not the works —
    // the largest score in the data stands for it, with a warning.
    enum Check {
        Keep,
        Rejected,
        Above(usize, f32),
        /// A primary score above the test's maximum (totals only).
        AboveTotal(f32),
    }
    // Totals only: the test's maximum known before the works are read
    // (tasks.csv's sum, else the folder's or the bundled scale's).
    let known_max: Option<f32> = if tasks.is_empty() {
        (declared.filter(|d| !d.is_empty() && d.iter().all(|t| t.max_declared)))
            .map(|d| d.iter().map(|t| t.max).sum())
            .or_else(|| (cx.folder_scales.get(key)).and_then(|s| s.max_score))
            .or_else(|| (cx.bundled_scales.get(key)).and_then(|s| s.max_score))
    } else {
        None
    };
    let check = |out: &mut Built, w: WorkRef, tasks: &[TaskInfo]| -> Check {
        let (r, i) = raw(w);
        let mut sum = 0.0f64;
        for (ti, t) in tasks.iter().enumerate() {
            let v = task_value(w, ti);
            if v.is_nan() {
                let why = format!(
                    "не заполнено задание {}, а в тесте {key} оно есть \
                     (работ с этим заданием: {} из {})",
                    t.index,
                    filled.get(&t.index).copied().unwrap_or(0),
                    works.len()
                );
                reject(out, w, format!("t{}", t.index), String::new(), why);
                return Check::Rejected;
            }
            if t.max_declared && v > t.max + 1e-6 {
                return Check::Above(ti, v);
            }
            sum += f64::from(v);
        }
        if let Some(&k) = extra.iter().find(|&&k| !value(w, k).is_nan()) {
            let why = format!(
                "за задание {k} стоит балл, но в тесте {key} такого задания нет \
                 (работ с этим заданием: всего {} из {})",
                filled[&k],
                works.len()
            );
            reject(out, w, format!("t{k}"), value(w, k).to_string(), why);
            return Check::Rejected;
        }
        let primary = r.primary[i];
        if !tasks.is_empty() && !primary.is_nan() && (f64::from(primary) - sum).abs() > 1e-3 {
            // A decimal comma, as Russian text writes it (26,5).
            let why = format!(
                "первичный балл {} не равен сумме баллов за задания ({})",
                primary.to_string().replace('.', ","),
                sum.to_string().replace('.', ",")
            );
            reject(out, w, "primary".into(), primary.to_string(), why);
            return Check::Rejected;
        }
        if known_max.is_some_and(|m| primary > m + 1e-3) {
            return Check::AboveTotal(primary);
        }
        // A work with its mark alone (a school's table of exam and journal
        // marks) is kept: the signs that compare marks read it.
        if tasks.is_empty()
            && primary.is_nan()
            && r.test_score[i] == NO_TEST_SCORE
            && r.mark[i] == NO_MARK
        {
            let why =
                "нет ни первичного балла, ни баллов за задания, ни тестового балла, ни отметки"
                    .to_owned();
            reject(out, w, "primary".into(), String::new(), why);
            return Check::Rejected;
        }
        Check::Keep
    };
    let above_max = |out: &mut Built, w: WorkRef, t: &TaskInfo, v: f32| {
        let why = format!(
            "балл {v} за задание {} больше максимума {} (tasks.csv)",
            t.index, t.max
        );
        reject(out, w, format!("t{}", t.index), v.to_string(), why);
    };
    // Positions in `works` of the works kept (in their order at the end).
    let mut kept_at: Vec<usize> = Vec::with_capacity(works.len());
    let mut above: Vec<Vec<(usize, f32)>> = vec![Vec::new(); tasks.len()];
    let mut above_total: Vec<(usize, f32)> = Vec::new();
    for (at, &w) in works.iter().enumerate() {
        match check(&mut out, w, &tasks) {
            Check::Keep => kept_at.push(at),
            Check::Rejected => {}
            Check::Above(ti, v) => above[ti].push((at, v)),
            Check::AboveTotal(p) => above_total.push((at, p)),
        }
    }
    // Primary scores above the test's maximum: rejected, unless many are
    // (then the maximum declared is the error, as for a task's, and they
    // are kept with a warning).
    if let (Some(m), false) = (known_max, above_total.is_empty()) {
        if above_total.len() >= MANY_ABOVE_MAX && 100 * above_total.len() > works.len() {
            let top = above_total.iter().map(|x| x.1).fold(m, f32::max);
            out.notes.push(Note::test_warning(format!(
                "{key}: максимальный первичный балл теста — {m}, а балл выше него у {} работ \
                 из {} (наибольший — {top}); похоже, максимум указан неверно: работы не \
                 отклонены — проверьте tasks.csv и scales.csv",
                above_total.len(),
                works.len()
            )));
            kept_at.extend(above_total.iter().map(|x| x.0));
        } else {
            for &(at, p) in &above_total {
                let why = format!(
                    "первичный балл {} больше максимума теста {}",
                    p.to_string().replace('.', ","),
                    m.to_string().replace('.', ",")
                );
                reject(&mut out, works[at], "primary".into(), p.to_string(), why);
            }
        }
    }
    let mut again: Vec<usize> = Vec::new();
    for (ti, held) in above.iter().enumerate() {
        let with = filled.get(&tasks[ti].index).copied().unwrap_or(0);
        if held.len() >= MANY_ABOVE_MAX && 100 * held.len() > with {
            let top = held.iter().map(|x| x.1).fold(tasks[ti].max, f32::max);
            out.notes.push(Note::test_warning(format!(
                "{key}: у задания {} в tasks.csv максимум {}, а балл выше него у {} работ \
                 из {with} (наибольший — {top}); похоже, в tasks.csv ошибка: взят наибольший \
                 балл в данных, работы не отклонены — исправьте tasks.csv",
                tasks[ti].index,
                tasks[ti].max,
                held.len()
            )));
            tasks[ti].max = top;
            again.extend(held.iter().map(|x| x.0));
        } else {
            for &(at, v) in held {
                above_max(&mut out, works[at], &tasks[ti], v);
            }
        }
    }
    for at in again {
        match check(&mut out, works[at], &tasks) {
            Check::Keep => kept_at.push(at),
            Check::Rejected | Check::AboveTotal(_) => {}
            Check::Above(ti, v) => above_max(&mut out, works[at], &tasks[ti], v),
        }
    }
    kept_at.sort_unstable();
    let kept: Vec<WorkRef> = kept_at.into_iter().map(|at| works[at]).collect();

    // Duplicates: neighbours with the same school and student code.
    let same_key = |a: WorkRef, b: WorkRef| {
        let ((ra, ia), (rb, ib)) = (raw(a), raw(b));
        ra.school[ia] == rb.school[ib]
            && cx.codes.get(ra.student[ia]) == cx.codes.get(rb.student[ib])
    };
    let identical = |a: WorkRef, b: WorkRef| {
        let ((ra, ia), (rb, ib)) = (raw(a), raw(b));
        (0..tasks.len()).all(|t| task_value(a, t) == task_value(b, t))
            && (ra.primary[ia] == rb.primary[ib]
                || (ra.primary[ia].is_nan() && rb.primary[ib].is_nan()))
            && ra.mark[ia] == rb.mark[ib]
            && ra.journal[ia] == rb.journal[ib]
            && ra.test_score[ia] == rb.test_score[ib]
            && ra.variant[ia] == rb.variant[ib]
            && cx.codes.get(ra.class[ia]) == cx.codes.get(rb.class[ib])
    };
    let mut unique: Vec<WorkRef> = Vec::with_capacity(kept.len());
    let where_ = |w: WorkRef| {
        let (r, i) = raw(w);
        r.place(i)
    };
    let class_of = |w: WorkRef| {
        let (r, i) = raw(w);
        cx.codes.get(r.class[i])
    };
    // The works of one school under one code: one work, copies of it, or
    // different results (all rejected: which is right cannot be told).
    let mut judge = |group: &[WorkRef], out: &mut Built| {
        if group.len() == 1 {
            unique.push(group[0]);
        } else if group[1..].iter().all(|&w| identical(group[0], w)) {
            unique.push(group[0]);
            for &w in &group[1..] {
                let (r, i) = raw(w);
                let why = format!(
                    "повтор: та же работа уже есть в {} (тот же участник, те же результаты)",
                    where_(group[0])
                );
                reject(
                    out,
                    w,
                    "student".into(),
                    cx.codes.get(r.student[i]).to_owned(),
                    why,
                );
            }
        } else {
            let all: Vec<String> = group.iter().map(|&w| where_(w)).collect();
            for &w in group {
                let (r, i) = raw(w);
                let why = format!(
                    "участник записан в ячейке несколько раз с разными результатами \
                     (записей: {} — {})",
                    group.len(),
                    all.join("; ")
                );
                reject(
                    out,
                    w,
                    "student".into(),
                    cx.codes.get(r.student[i]).to_owned(),
                    why,
                );
            }
        }
    };
    // Codes numbered within each class (1, 2, … in 4А and again in 4Б): a
    // code given in different classes names different pupils.
    let mut by_class: Option<(String, usize)> = None;
    let mut s = 0;
    while s < kept.len() {
        let e = (s + 1..kept.len())
            .find(|&e| !same_key(kept[s], kept[e]))
            .unwrap_or(kept.len());
        let group = &kept[s..e];
        let in_classes = group.len() > 1 && {
            let classes: BTreeSet<&str> = group.iter().map(|&w| class_of(w)).collect();
            classes.len() > 1 && !classes.contains("")
        };
        if in_classes {
            let (r, i) = raw(group[0]);
            let n = by_class.get_or_insert_with(|| (cx.codes.get(r.student[i]).to_owned(), 0));
            n.1 += 1;
            let mut group = group.to_vec();
            group.sort_by_key(|&w| class_of(w));
            for one in group.chunk_by(|&a, &b| class_of(a) == class_of(b)) {
                judge(one, &mut out);
            }
        } else {
            judge(group, &mut out);
        }
        s = e;
    }
    if let Some((code, n)) = by_class {
        out.notes.push(Note::test_warning(format!(
            "{key}: коды участников повторяются в разных классах одной ОО (например, «{}»; \
             таких кодов: {n}) — видимо, участники пронумерованы в каждом классе заново; \
             работы различены по классу",
            super::values::visible(&code)
        )));
    }
    if unique.is_empty() {
        return out;
    }

    // Task maxima not declared: the largest score seen.
    for t in tasks.iter_mut().filter(|t| !t.max_declared) {
        t.max = unique
            .iter()
            .map(|&w| value(w, t.index))
            .fold(0.0, f32::max);
    }
    if declared.is_none() && !tasks.is_empty() {
        out.notes.push(Note {
            level: Level::Info,
            file: String::new(),
            line: 0,
            message: format!(
                "{key}: теста нет в tasks.csv; максимум каждого задания взят \
                 как наибольший балл за него в данных"
            ),
        });
    }
    let declared_max = declared.and_then(|d| {
        let listed = if totals_only { d.as_slice() } else { &tasks };
        (listed.iter().all(|t| t.max_declared)).then(|| listed.iter().map(|t| t.max).sum::<f32>())
    });
    // Build the block: scores and primary scores first, then the marks by
    // the scale (which may be read from the works' own marks).
    let n = unique.len();
    let k = tasks.len();
    let mut scores = Vec::with_capacity(n * k);
    let mut primary = Vec::with_capacity(n);
    for &w in &unique {
        let (r, i) = raw(w);
        let mut sum = 0.0f32;
        for ti in 0..k {
            let v = task_value(w, ti);
            scores.push(v);
            sum += v;
        }
        primary.push(if k > 0 { sum } else { r.primary[i] });
    }
    let given = |j: usize| {
        let (r, i) = raw(unique[j]);
        r.mark[i]
    };
    let (scale, borrowed) = scale_of(key, cx, declared_max, || {
        (0..n).map(|j| (primary[j], given(j))).collect()
    });
    if let Some(msg) = borrowed {
        out.notes.push(Note::test_warning(msg));
    }
    if scale.as_ref().is_none_or(|s| s.cuts.is_none()) && key.exam.has_marks() && n > 0 {
        out.notes.push(Note::test_warning(format!(
            "{key}: нет шкалы перевода баллов в отметки — ни в scales.csv, ни встроенной, а по \
             отметкам в файле границы не определить; признаки у границ отметок для этого теста \
             не проверяются"
        )));
    }
    // A cut-off above the test's maximum: that mark cannot be earned.
    if let (Some(Scale { cuts: Some(c), .. }), Some(m)) = (&scale, declared_max)
        && let Some(k) = c.iter().position(|&x| x > m + 1e-6)
    {
        out.notes.push(Note::test_warning(format!(
            "{key}: граница отметки «{}» по шкале — {}, а максимальный первичный балл теста — \
             {m}: отметку «{}» получить нельзя; проверьте шкалу",
            k + 3,
            c[k],
            k + 3
        )));
    }
    if let (Some(s), Some(m)) = (&scale, declared_max)
        && let Some(sm) = s.max_score
        && key.exam.has_marks()
        && (sm - m).abs() > 1e-6
    {
        out.notes.push(Note::test_warning(format!(
            "{key}: сумма максимумов заданий — {m}, а шкала ({}) рассчитана на максимум {sm}",
            s.origin
        )));
    }
    // The test score is a function of the primary score (one conversion
    // table per test): a work whose test score is not the one nearly every
    // other work of its primary score has is said so (kept as in the file).
    let with_both: Vec<(usize, f32, u8)> = (0..n)
        .filter_map(|j| {
            let (r, i) = raw(unique[j]);
            let t = r.test_score[i];
            (t != NO_TEST_SCORE && !primary[j].is_nan()).then_some((j, primary[j], t))
        })
        .collect();
    // A warning on work j's line.
    let on_line = |j: usize, message: String| {
        let (r, i) = raw(unique[j]);
        Note {
            level: Level::Warning,
            file: r.file.clone(),
            line: r.line[i],
            message: r.on_sheet(i, message),
        }
    };
    // 100 test points are the maximum primary score's only.
    if let Some(max) = declared_max {
        for &(j, p, t) in with_both
            .iter()
            .filter(|&&(_, p, t)| t == 100 && p < max - 1e-6)
        {
            out.notes.push(on_line(
                j,
                format!(
                    "тестовый балл {t} при первичном {p}: 100 баллов даёт только максимальный \
                     первичный балл ({max}); проверьте строку (оставлено, как в файле)"
                ),
            ));
        }
    }
    for (j, p, t, usual) in test_score_outliers(&with_both) {
        out.notes.push(on_line(
            j,
            format!(
                "тестовый балл {t} при первичном {p}, а у остальных работ с первичным баллом {p} \
                 тестовый балл {usual}: проверьте строку (оставлено, как в файле)"
            ),
        ));
    }
    let mut mark = Vec::with_capacity(n);
    let mut disagrees = Vec::with_capacity(n);
    let mut unmarked = 0usize;
    for (j, &w) in unique.iter().enumerate() {
        let (r, i) = raw(w);
        let p = primary[j];
        let by_scale = match (&scale, key.exam.has_marks() && !p.is_nan()) {
            (Some(s), true) => s.mark(p),
            _ => None,
        };
        let given = r.mark[i];
        let differs = given != NO_MARK && by_scale.is_some_and(|m| m != given);
        if differs {
            out.notes.push(on_line(
                j,
                format!(
                    "в файле отметка {given}, а по шкале ({}) за первичный балл {p} \
                     положена {}; оставлена отметка из файла",
                    scale.as_ref().map_or("", |s| s.origin.as_str()),
                    by_scale.unwrap_or(0)
                ),
            ));
        }
        let m = if given != NO_MARK {
            given
        } else {
            by_scale.unwrap_or(NO_MARK)
        };
        unmarked += usize::from(m == NO_MARK && key.exam.has_marks());
        mark.push(m);
        disagrees.push(differs);
    }
    if unmarked > 0 {
        out.notes.push(Note::test_warning(format!(
            "{key}: работ без отметки: {unmarked}, а шкалы, чтобы её вычислить, нет \
                 (добавьте тест в scales.csv)"
        )));
    }
    // Totals only: the maximum from tasks.csv, else the scale, else the largest seen.
    let max_score = if k > 0 {
        None
    } else {
        declared_max
            .or(scale.as_ref().and_then(|s| s.max_score))
            .or_else(|| {
                let seen = (primary.iter().copied())
                    .filter(|p| !p.is_nan())
                    .fold(None, |m: Option<f32>, p| Some(m.map_or(p, |m| m.max(p))));
                if let Some(m) = seen {
                    out.notes.push(Note::test_warning(format!(
                        "{key}: максимальный первичный балл теста не известен (нет ни \
                             баллов за задания, ни tasks.csv, ни максимума в шкале): взят \
                             наибольший балл в данных, {m}"
                    )));
                }
                seen
            })
    };
    let pick = |f: &dyn Fn(&RawWorks, usize) -> u8| -> Array1<u8> {
        unique
            .iter()
            .map(|&w| {
                let (r, i) = raw(w);
                f(r, i)
            })
            .collect()
    };
    let mut cells: Vec<CellSpan> = Vec::new();
    for (j, &w) in unique.iter().enumerate() {
        let (r, i) = raw(w);
        match cells.last_mut() {
            Some(c) if c.school == r.school[i] => c.end = j as u32 + 1,
            _ => cells.push(CellSpan {
                school: r.school[i],
                start: j as u32,
                end: j as u32 + 1,
            }),
        }
    }
    out.block = Some(TestBlock {
        key: key.clone(),
        scores: Array2::from_shape_vec((n, k), scores).expect("n × k scores"),
        primary: Array1::from(primary),
        mark: Array1::from(mark),
        test_score: pick(&|r, i| r.test_score[i]),
        journal: pick(&|r, i| r.journal[i]),
        variant: unique
            .iter()
            .map(|&w| {
                let (r, i) = raw(w);
                r.variant[i]
            })
            .collect(),
        class: unique
            .iter()
            .map(|&w| {
                let (r, i) = raw(w);
                r.class[i]
            })
            .collect(),
        student: unique
            .iter()
            .map(|&w| {
                let (r, i) = raw(w);
                r.student[i]
            })
            .collect(),
        not_done: unique
            .iter()
            .map(|&w| {
                let (r, i) = raw(w);
                r.not_done[i]
            })
            .collect(),
        mark_disagrees: disagrees,
        cells,
        tasks,
        scale,
        max_score,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_score_off_its_primary_scores_conversion_is_found() {
        // Primary 16: test 43 in 9 works, 100 in one (90 % agree) → that one.
        // Primary 20: 4 works only → not judged. Primary 30: 5 works split
        // 3 / 2 → no conversion to judge by.
        let mut works: Vec<(usize, f32, u8)> = (0..9).map(|j| (j, 16.0, 43)).collect();
        works.push((9, 16.0, 100));
        works.extend((10..14).map(|j| (j, 20.0, if j == 13 { 90 } else { 50 })));
        works.extend((14..19).map(|j| (j, 30.0, if j < 17 { 70 } else { 71 })));
        assert_eq!(test_score_outliers(&works), [(9, 16.0, 100, 43)]);
        // 8 of 10 agreeing (80 %) is not enough.
        let mut split: Vec<(usize, f32, u8)> = (0..8).map(|j| (j, 16.0, 43)).collect();
        split.extend([(8, 16.0, 44), (9, 16.0, 100)]);
        assert!(test_score_outliers(&split).is_empty());
    }
}
