//! tasks.csv (task maxima and levels) and medals.csv.

use std::collections::BTreeMap;

use crate::error::LoadError;
use crate::model::{Exam, Medal, MedalRow, TaskInfo, TaskLevel, TestKey};

use super::columns::{ColumnMap, MEDALS, TASKS};
use super::report::LoadReport;
use super::table::{Row, ShortRows, Table};
use super::values::{self, visible};

/// A test key from the `exam, year, subject, grade` columns of a metadata row.
pub(super) fn test_key(
    row: &Row<'_>,
    cols: [usize; 4],
) -> Result<TestKey, (&'static str, String, String)> {
    let mut keys = test_keys(row, cols, false)?;
    Ok(keys.remove(0))
}

/// The grades a scale row is given for: one, or several as a published
/// table writes them («5-8», «5–8», «5, 6, 7», «5; 6»). `None` for anything else.
fn grades(s: &str) -> Option<Vec<u8>> {
    let one = |t: &str| {
        values::integer(t.trim())
            .ok()
            .flatten()
            .filter(|g| (4..=11).contains(g))
            .map(|g| g as u8)
    };
    if let Some((a, b)) = s.split_once(['-', '–', '—']) {
        let (a, b) = (one(a)?, one(b)?);
        return (a < b).then(|| (a..=b).collect());
    }
    if s.contains([',', ';']) {
        return s.split([',', ';']).map(one).collect();
    }
    None
}

/// [`test_key`], with `many_grades` a key for each grade of a row given for
/// several («5-8», «5, 6, 7»).
pub(super) fn test_keys(
    row: &Row<'_>,
    cols: [usize; 4],
    many_grades: bool,
) -> Result<Vec<TestKey>, (&'static str, String, String)> {
    let [c_exam, c_year, c_subject, c_grade] = cols;
    let (exam_s, year_s) = (row.get(c_exam), row.get(c_year));
    let (subject_s, grade_s) = (row.get(c_subject), row.get(c_grade));
    let exam = Exam::parse(exam_s).ok_or_else(|| {
        (
            "exam",
            exam_s.to_owned(),
            format!("неизвестный экзамен «{exam_s}»: нужно VPR, OGE или EGE (ВПР, ОГЭ, ЕГЭ)"),
        )
    })?;
    let year = match values::year(year_s) {
        Ok(Some(y)) => y,
        Ok(None) => {
            return Err(("year", String::new(), "не заполнен год".into()));
        }
        Err(why) => return Err(("year", year_s.to_owned(), why)),
    };
    let subject = values::subject(subject_s).ok_or_else(|| {
        (
            "subject",
            subject_s.to_owned(),
            format!(
                "неизвестный предмет «{subject_s}»: укажите код (RU, MA, OK …) \
                 или название, например «Русский язык»"
            ),
        )
    })?;
    let grades = match values::integer(grade_s) {
        Ok(Some(g)) if (4..=11).contains(&g) => vec![g as u8],
        _ => match grades(grade_s).filter(|_| many_grades) {
            Some(list) => list,
            None => {
                return Err((
                    "grade",
                    grade_s.to_owned(),
                    format!("неверная параллель «{grade_s}»: нужно целое число от 4 до 11"),
                ));
            }
        },
    };
    Ok((grades.into_iter())
        .map(|grade| TestKey {
            year,
            exam,
            subject: subject.clone(),
            grade,
        })
        .collect())
}

pub(super) fn key_cols(map: &ColumnMap, specs: &[super::columns::ColumnSpec]) -> [usize; 4] {
    ["exam", "year", "subject", "grade"].map(|n| map.get(specs, n).unwrap_or(usize::MAX))
}

/// Reads tasks.csv into the declared tasks of each test.
pub fn load_tasks(
    table: &Table,
    file: &str,
    report: &mut LoadReport,
) -> Result<(BTreeMap<TestKey, Vec<TaskInfo>>, u64), LoadError> {
    let map = ColumnMap::build(&table.path, &table.headers, TASKS, false)?;
    map.note_unknown(file, report);
    let keys = key_cols(&map, TASKS);
    let (c_task, c_max) = (map.get(TASKS, "task"), map.get(TASKS, "max"));
    let (c_level, c_label) = (map.get(TASKS, "level"), map.get(TASKS, "label"));
    let mut out: BTreeMap<TestKey, Vec<(TaskInfo, u64)>> = BTreeMap::new();
    let mut read = 0;
    let mut short = ShortRows::default();
    table.for_each_row(|row| {
        short.see(&row);
        read += 1;
        if let Some(why) = row.malformed_reason(table.headers.len()) {
            return report.reject(file, row.line, "", "", why);
        }
        let get = |c: Option<usize>| c.map_or("", |c| row.get(c));
        let key = match test_key(&row, keys) {
            Ok(k) => k,
            Err((col, val, why)) => return report.reject(file, row.line, col, &val, why),
        };
        let index = match values::integer(get(c_task)) {
            Ok(Some(k)) if (1..=999).contains(&k) => k as u16,
            _ => {
                return report.reject(
                    file,
                    row.line,
                    "task",
                    get(c_task),
                    format!(
                        "неверный номер задания «{}»: нужно целое число k от 1 до 999, \
                         как в названии столбца tk в файле результатов",
                        get(c_task)
                    ),
                );
            }
        };
        // A bad maximum or level costs that field of this task, not the row:
        // the maximum is then taken from the data, the level stays unknown.
        let max_s = get(c_max);
        let max = match values::number(max_s) {
            Some(m) if m > 0.0 && m <= values::MAX_TASK_SCORE => Some(m as f32),
            _ => {
                report.warn(file,
                    row.line,
                    format!(
                        "неверный максимальный балл «{}» задания {index} теста {key}: нужно \
                         число больше 0 и не больше {}; максимум взят по наибольшему баллу в данных",
                        visible(max_s),
                        values::MAX_TASK_SCORE
                    ),
                );
                None
            }
        };
        let level_s = get(c_level);
        // «Базовый уровень», «базовый.», «Б»: the level's first word.
        let level_key = level_s.to_lowercase().replace('.', "");
        let level_key = level_key.trim().trim_end_matches("уровень").trim();
        let level = match level_key {
            "" => None,
            "basic" | "б" | "базовый" | "баз" => Some(TaskLevel::Basic),
            "advanced" | "п" | "повышенный" | "повыш" => Some(TaskLevel::Advanced),
            "high" | "в" | "высокий" | "выс" => Some(TaskLevel::High),
            _ => {
                report.warn(file,
                    row.line,
                    format!(
                        "неверный уровень «{}» задания {index} теста {key}: нужно basic, \
                         advanced или high (Б, П, В); уровень задания не учтён",
                        visible(level_s)
                    ),
                );
                None
            }
        };
        let info = TaskInfo {
            index,
            max: max.unwrap_or(0.0),
            max_declared: max.is_some(),
            level,
            label: get(c_label).to_owned(),
        };
        out.entry(key).or_default().push((info, row.line));
    })?;
    short.note(file, report);
    let mut result = BTreeMap::new();
    for (key, mut tasks) in out {
        tasks.sort_by_key(|(t, line)| (t.index, *line));
        let mut kept: Vec<TaskInfo> = Vec::with_capacity(tasks.len());
        for (t, line) in tasks {
            if kept.last().is_some_and(|p| p.index == t.index) {
                report.reject(
                    file,
                    line,
                    "task",
                    &t.index.to_string(),
                    format!("задание {} теста {key} указано повторно", t.index),
                );
            } else {
                kept.push(t);
            }
        }
        result.insert(key, kept);
    }
    Ok((result, read))
}

/// Reads medals.csv.
pub fn load_medals(
    table: &Table,
    file: &str,
    schools: &super::schools::Schools,
    report: &mut LoadReport,
) -> Result<(Vec<MedalRow>, u64), LoadError> {
    let map = ColumnMap::build(&table.path, &table.headers, MEDALS, false)?;
    map.note_unknown(file, report);
    let c = |n| map.get(MEDALS, n).unwrap_or(usize::MAX);
    let (c_year, c_school, c_student, c_medal) = (c("year"), c("school"), c("student"), c("medal"));
    let head = |c: usize| table.headers.get(c).map_or("", |h| h.trim()).to_owned();
    let mut out = Vec::new();
    let mut read = 0;
    let mut short = ShortRows::default();
    table.for_each_row(|row| {
        short.see(&row);
        read += 1;
        if let Some(why) = row.malformed_reason(table.headers.len()) {
            return report.reject(file, row.line, "", "", why);
        }
        let year = match values::year(row.get(c_year)) {
            Ok(Some(y)) => y,
            Ok(None) => {
                let why = format!("не заполнен столбец «{}»", head(c_year));
                return report.reject(file, row.line, "year", "", why);
            }
            Err(why) => return report.reject(file, row.line, "year", row.get(c_year), why),
        };
        if row.get(c_school).is_empty() {
            let why = format!("не заполнен столбец «{}»", head(c_school));
            return report.reject(file, row.line, "school", "", why);
        }
        // A login in other letter case is the school, as in the results files.
        let school = match schools.find(row.get(c_school)) {
            Ok(i) => i,
            Err(why) => match schools.find_any_case(row.get(c_school)) {
                Some(i) => i,
                None => return report.reject(file, row.line, "school", row.get(c_school), why),
            },
        };
        let student = row.get(c_student);
        if student.is_empty() {
            return report.reject(
                file,
                row.line,
                "student",
                "",
                format!("не заполнен столбец «{}»", head(c_student)),
            );
        }
        let written = row.get(c_medal);
        let Some(medal) = medal_of(written) else {
            let why = if written.is_empty() {
                format!("не заполнен столбец «{}»", head(c_medal))
            } else {
                format!(
                    "неверная медаль «{}»: нужно «золотая» или «серебряная» (золото, серебро, \
                     I или II степени)",
                    values::visible(written)
                )
            };
            return report.reject(file, row.line, "medal", written, why);
        };
        out.push((
            MedalRow {
                year,
                school: school as u32,
                student: student.to_owned(),
                medal,
            },
            row.line,
        ));
    })?;
    short.note(file, report);
    // A holder written twice: the copies kept once, a holder given both
    // medals rejected (which is right cannot be told).
    out.sort_by(|a, b| {
        (a.0.year, a.0.school, &a.0.student, a.1).cmp(&(b.0.year, b.0.school, &b.0.student, b.1))
    });
    let mut kept: Vec<MedalRow> = Vec::with_capacity(out.len());
    for group in out.chunk_by(|a, b| {
        (a.0.year, a.0.school, &a.0.student) == (b.0.year, b.0.school, &b.0.student)
    }) {
        let (first, first_line) = &group[0];
        if group.iter().all(|(m, _)| m.medal == first.medal) {
            for (m, line) in &group[1..] {
                let why = format!("повтор строки {first_line} (тот же медалист)");
                report.reject(file, *line, "student", &m.student, why);
            }
            kept.push(first.clone());
        } else {
            let lines: Vec<String> = group.iter().map(|(_, l)| l.to_string()).collect();
            for (m, line) in group {
                let why = format!(
                    "у медалиста разные медали в строках {}: какая верна, не ясно",
                    lines.join(", ")
                );
                report.reject(file, *line, "student", &m.student, why);
            }
        }
    }
    let out = kept;
    Ok((out, read))
}

/// A medal as written: gold / silver, золото / серебро (золотая, серебряная),
/// I / II (1 / 2), «I степени», «медаль «За особые успехи в учении» I степени».
fn medal_of(written: &str) -> Option<Medal> {
    let w = written
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let w = w.trim_end_matches('.');
    match w {
        "gold" | "i" | "1" => return Some(Medal::Gold),
        "silver" | "ii" | "2" => return Some(Medal::Silver),
        _ => {}
    }
    // «I степени», «1 степени», «1 степень», «1-й степени»; «зол.», «сер.».
    let degree = |d: &str| {
        ["степени", "степень", "-й степени", "-ой степени"]
            .iter()
            .any(|s| {
                w == format!("{d} {s}")
                    || w.ends_with(&format!(" {d} {s}"))
                    || w == format!("{d}{s}")
            })
    };
    if w.starts_with("золот") || w == "зол" || degree("i") || degree("1") {
        Some(Medal::Gold)
    } else if w.starts_with("серебр") || w == "сер" || degree("ii") || degree("2") {
        Some(Medal::Silver)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medals_as_offices_write_them() {
        for w in [
            "gold",
            "I",
            "1",
            "золотая",
            "Зол.",
            "I степени",
            "1 степень",
            "1-й степени",
            "медаль «За особые успехи в учении» I степени",
        ] {
            assert_eq!(medal_of(w), Some(Medal::Gold), "{w}");
        }
        for w in ["silver", "II", "серебро", "сер.", "2 степень", "II степени"]
        {
            assert_eq!(medal_of(w), Some(Medal::Silver), "{w}");
        }
        for w in ["да", "", "бронза", "3 степень"] {
            assert_eq!(medal_of(w), None, "{w}");
        }
    }
}
