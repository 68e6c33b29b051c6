//! Column names: canonical names, their accepted aliases (case-insensitive,
//! `ё` = `е`, spaces and underscores folded), and the task columns `t1 .. tK`.

use std::path::Path;

use crate::error::LoadError;

use super::values::visible;

/// One column a file kind knows.
#[derive(Clone, Copy, Debug)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub required: bool,
}

pub(super) const fn col(
    name: &'static str,
    aliases: &'static [&'static str],
    required: bool,
) -> ColumnSpec {
    ColumnSpec {
        name,
        aliases,
        required,
    }
}

pub const SCHOOLS: &[ColumnSpec] = &[
    col(
        "school",
        &["логин", "оо", "логин оо", "код оо", "login", "id"],
        true,
    ),
    col(
        "name",
        &[
            "название ОО",
            "название",
            "наименование",
            "наименование оо",
            "полное наименование",
            "полное наименование оо",
            "наименование организации",
            "наименование образовательной организации",
            "school name",
        ],
        true,
    ),
    col(
        "municipality",
        &[
            "муниципалитет",
            "муниципальное образование",
            "муниципальный район",
            "муниципальный район (городской округ)",
            "муниципальный район/городской округ",
            "муниципальный район, городской округ",
            "мо",
            "район",
        ],
        true,
    ),
    col(
        "kind",
        &[
            "тип оо",
            "тип",
            "вид оо",
            "вид",
            "тип образовательной организации",
            "вид образовательной организации",
            "тип организации",
        ],
        false,
    ),
    col(
        "advanced_subjects",
        &[
            "углубленное изучение",
            "углубленные предметы",
            "профильные предметы",
            "предметы углубленного изучения",
            "углубленное изучение предметов",
            "предметы с углубленным изучением",
        ],
        false,
    ),
    col(
        "locality",
        &["местность", "тип местности", "город/село"],
        false,
    ),
    // A register's short name beside its full one: the short one is shown.
    col(
        "short_name",
        &[
            "краткое наименование",
            "краткое наименование оо",
            "сокращенное наименование",
            "сокращенное наименование оо",
            "краткое название",
        ],
        false,
    ),
];

pub const RESULTS: &[ColumnSpec] = &[
    col("year", &["год"], true),
    col(
        "exam",
        &["экзамен", "процедура", "вид оценочной процедуры"],
        true,
    ),
    col("subject", &["предмет"], true),
    col("grade", &["параллель", "класс (параллель)"], true),
    col("school", &["логин", "оо", "логин оо", "код оо"], true),
    col("class", &["класс", "класс (буква)"], false),
    col(
        "student",
        &["код участника", "участник", "код", "код ученика"],
        true,
    ),
    col("variant", &["вариант"], false),
    col(
        "primary",
        &["первичный балл", "сумма баллов", "балл"],
        false,
    ),
    col("mark", &["отметка", "оценка", "отметка за работу"], false),
    col("test_score", &["тестовый балл", "балл егэ"], false),
    col(
        "journal_mark",
        &[
            "отметка по журналу",
            "оценка по журналу",
            "отметка в журнале",
            "годовая отметка",
            "итоговая отметка",
            "годовая оценка",
            "итоговая оценка",
            "отметка за предыдущую четверть",
            "отметка за предыдущий триместр",
            "отметка за предыдущее полугодие",
            "отметка за четверть",
            "отметка за триместр",
            "отметка за полугодие",
            "отметка за год",
            "оценка за четверть",
            "оценка за год",
            "четвертная отметка",
        ],
        false,
    ),
    // A re-check's score beside the school's original one («Первичный
    // балл»): in recheck.csv it is the score that counts.
    col(
        "expert_primary",
        &[
            "балл эксперта",
            "первичный балл эксперта",
            "балл после перепроверки",
            "первичный балл после перепроверки",
            "балл по перепроверке",
            "балл перепроверки",
            "балл комиссии",
        ],
        false,
    ),
    // The class's letter in a column of its own, beside the grade or a
    // class column holding the grade alone («Класс» 4, «Литера» А).
    col(
        "class_letter",
        &["литера", "литера класса", "буква", "буква класса", "литер"],
        false,
    ),
];

pub const TASKS: &[ColumnSpec] = &[
    col(
        "exam",
        &["экзамен", "процедура", "вид оценочной процедуры"],
        true,
    ),
    col("year", &["год"], true),
    col("subject", &["предмет"], true),
    col("grade", &["параллель", "класс"], true),
    // Not «№» alone: Russian tables number their rows in such a column.
    col(
        "task",
        &["задание", "номер", "№ задания", "задание №"],
        true,
    ),
    col(
        "max",
        &[
            "максимум",
            "макс",
            "максимальный балл",
            "макс. балл",
            "макс балл",
            "максимальный балл за задание",
            "максимальный первичный балл",
        ],
        true,
    ),
    col(
        "level",
        &["уровень", "уровень сложности", "уровень сложности задания"],
        false,
    ),
    col(
        "label",
        &[
            "метка",
            "номер задания",
            "обозначение задания",
            "обозначение",
            "номер задания в варианте",
        ],
        false,
    ),
];

pub const SCALES: &[ColumnSpec] = &[
    col(
        "exam",
        &["экзамен", "процедура", "вид оценочной процедуры"],
        true,
    ),
    col("year", &["год"], true),
    col("subject", &["предмет"], true),
    col("grade", &["параллель", "класс"], true),
    col("mark", &["отметка", "оценка"], true),
    // A published conversion table gives each mark a range of primary
    // scores («5–10»): its lower bound is the cut-off.
    col(
        "min_score",
        &[
            "минимальный балл",
            "от",
            "минимальный первичный балл",
            "первичный балл",
            "первичные баллы",
            "баллы",
            "диапазон баллов",
            "диапазон первичных баллов",
        ],
        true,
    ),
    col("max_score", &["максимальный балл"], false),
    col("source", &["источник"], false),
];

pub const MEDALS: &[ColumnSpec] = &[
    col("year", &["год", "год выпуска", "учебный год"], true),
    col("school", &["логин", "оо", "логин оо", "код оо"], true),
    col(
        "student",
        &["код участника", "участник", "код", "код ученика"],
        true,
    ),
    col(
        "medal",
        &["медаль", "степень медали", "вид медали", "медаль (степень)"],
        true,
    ),
];

/// Normalises a header for matching.
pub fn normalize(h: &str) -> String {
    let mut out = String::with_capacity(h.len());
    let lowered = h.trim_start_matches('\u{feff}').trim().to_lowercase();
    let mut space = false;
    for c in lowered.chars() {
        let c = match c {
            'ё' => 'е',
            '_' | '\u{a0}' => ' ',
            '"' | '«' | '»' => continue,
            c => c,
        };
        if c.is_whitespace() {
            space = !out.is_empty();
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// What a task column's header may say before its number, normalised,
/// longest first (the empty one last: a bare `7`).
const TASK_PREFIXES: [&str; 14] = [
    "баллы за задание",
    "баллов за задание",
    "балл за задание",
    "балл за задачу",
    "задание",
    "задача",
    "зад.",
    "зад",
    "task",
    "t",
    "т",
    "з",
    "№",
    "",
];

/// What it may say after its number («1 задание»).
const TASK_WORDS: [&str; 4] = ["задание", "задача", "зад.", "зад"];

/// The task number k of a task column: `t7`, `т7` (Cyrillic), `task 7`,
/// `задание 7`, `з7`, or a bare `7`.
pub fn task_index(header: &str) -> Option<u16> {
    let h = normalize(header);
    // «Балл за задание 1», «Зад. 1», «1 задание», «1-е задание».
    let h = TASK_WORDS
        .iter()
        .find_map(|w| h.strip_suffix(w))
        .map_or(h.as_str(), |d| d.trim_end().trim_end_matches("-е"));
    let digits = TASK_PREFIXES
        .iter()
        .find_map(|p| h.strip_prefix(p))?
        .trim()
        .trim_start_matches(['№', '.'])
        .trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|&k| k >= 1)
}

/// A header over two rows: a group heading spread over the task columns
/// («Баллы за задания» in the first of them, the others empty, as a merged
/// cell is saved) with the task numbers in the row under it. When every
/// filled cell of `next` stands under an empty heading or a group's, and
/// each is a task's number or label, the header with those cells in place
/// of the headings; else `None`.
pub fn merged_header(header: &[String], next: &[String]) -> Option<Vec<String>> {
    let blank = |s: Option<&String>| s.is_none_or(|s| s.trim().is_empty());
    let filled: Vec<usize> = (0..next.len())
        .filter(|&i| !next[i].trim().is_empty())
        .collect();
    let under_group = |i: usize| blank(header.get(i)) || blank(header.get(i + 1));
    let task = |s: &str| task_index(s).is_some() || super::fisoko::task_label(s).is_some();
    let fits = filled.len() >= 2 && filled.iter().all(|&i| under_group(i) && task(&next[i]));
    fits.then(|| {
        (0..header.len().max(next.len()))
            .map(|i| match next.get(i).map(|s| s.trim()) {
                Some(s) if !s.is_empty() => s.to_owned(),
                _ => header.get(i).cloned().unwrap_or_default(),
            })
            .collect()
    })
}

/// Where each known column and each task column sits in a file.
#[derive(Debug)]
pub struct ColumnMap {
    /// Per spec (same order), the column position.
    pub pos: Vec<Option<usize>>,
    /// (k, position), sorted by k.
    pub tasks: Vec<(u16, usize)>,
    /// Headers that matched nothing (ignored, reported).
    pub unknown: Vec<String>,
    /// Task columns headed with FIS OKO's labels (`1К1`, `3.1`, `1 (2б)`):
    /// numbered in the order of the columns, (k, header) — see
    /// [`ColumnMap::build`]. Empty when the tasks are headed by number.
    pub by_order: Vec<(u16, String)>,
}

impl ColumnMap {
    /// Says in a note which of the file's columns are not read (nothing of a
    /// file is dropped without a word: a misnamed column reads as missing).
    pub fn note_unknown(&self, file: &str, report: &mut super::report::LoadReport) {
        if self.unknown.is_empty() {
            return;
        }
        report.note(
            super::report::Level::Info,
            file,
            0,
            format!(
                "столбцы не используются: {}",
                (self.unknown.iter())
                    .map(|h| format!("«{}»", visible(h)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }

    /// Matches `headers` against `specs`; `with_tasks` also collects `tK` columns.
    pub fn build(
        path: &Path,
        headers: &[String],
        specs: &[ColumnSpec],
        with_tasks: bool,
    ) -> Result<ColumnMap, LoadError> {
        let mut pos: Vec<Option<usize>> = vec![None; specs.len()];
        let mut tasks: Vec<(u16, usize)> = Vec::new();
        let mut unknown = Vec::new();
        let dup = |first: usize, second: usize, canonical: &str| LoadError::DuplicateColumn {
            path: path.to_owned(),
            first: format!("{} («{}»)", first + 1, visible(&headers[first])),
            second: format!("{} («{}»)", second + 1, visible(&headers[second])),
            canonical: canonical.to_owned(),
        };
        for (i, h) in headers.iter().enumerate() {
            let n = normalize(h);
            if let Some(s) = specs
                .iter()
                .position(|s| normalize(s.name) == n || s.aliases.iter().any(|a| normalize(a) == n))
            {
                if let Some(first) = pos[s] {
                    return Err(dup(first, i, specs[s].name));
                }
                pos[s] = Some(i);
            } else if let Some(k) = with_tasks.then(|| task_index(h)).flatten() {
                if let Some(&(_, first)) = tasks.iter().find(|(kk, _)| *kk == k) {
                    return Err(dup(first, i, &format!("t{k}")));
                }
                tasks.push((k, i));
            } else if !n.is_empty() {
                unknown.push(h.clone());
            }
        }
        let missing: Vec<String> = specs
            .iter()
            .zip(&pos)
            .filter(|(s, p)| s.required && p.is_none())
            .map(|(s, _)| match s.aliases.first() {
                // The Russian name a methodist's table would use.
                Some(a) => format!("«{a}»"),
                None => s.name.to_owned(),
            })
            .collect();
        if !missing.is_empty() {
            let hint = if headers.len() == 1 && !super::fisoko::is_workbook_path(path) {
                " В заголовке всего один столбец: возможно, в файле другой разделитель — \
                 нужен «;», «,» или табуляция."
            } else {
                ""
            };
            return Err(LoadError::MissingColumns {
                path: path.to_owned(),
                missing: missing.join(", "),
                found: headers
                    .iter()
                    .map(|h| format!("«{}»", visible(h)))
                    .collect::<Vec<_>>()
                    .join(", "),
                hint,
            });
        }
        // FIS OKO heads tasks with their labels: «1К1», «3.1», «1 (2б)» and
        // bare «2», «4». Read by number, the bare ones would be tasks 2 and 4
        // and the others left out: a wrong sum, silently. Where any task
        // column is headed so, every one is a task numbered by the order of
        // the columns, as the FIS OKO workbook reader numbers them.
        let label = |h: &String| super::fisoko::task_label(h).filter(|_| task_index(h).is_none());
        let mut by_order = Vec::new();
        if with_tasks && unknown.iter().any(|h| label(h).is_some()) {
            let known: Vec<usize> = pos.iter().flatten().copied().collect();
            let columns: Vec<usize> = (0..headers.len())
                .filter(|i| !known.contains(i))
                .filter(|&i| task_index(&headers[i]).is_some() || label(&headers[i]).is_some())
                .collect();
            tasks = (columns.iter().enumerate())
                .map(|(k, &i)| (k as u16 + 1, i))
                .collect();
            by_order = (columns.iter().enumerate())
                .map(|(k, &i)| (k as u16 + 1, headers[i].clone()))
                .collect();
            unknown.retain(|h| label(h).is_none());
        }
        tasks.sort_unstable();
        Ok(ColumnMap {
            pos,
            tasks,
            unknown,
            by_order,
        })
    }

    /// Position of the column named `name` in `specs`.
    pub fn get(&self, specs: &[ColumnSpec], name: &str) -> Option<usize> {
        specs
            .iter()
            .position(|s| s.name == name)
            .and_then(|i| self.pos[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn fis_oko_task_labels_are_numbered_by_their_order() {
        // The required columns, then the tasks as given.
        let with_tasks = |tasks: &[&str]| {
            let mut h = vec!["Год", "Экзамен", "Предмет", "Параллель", "Логин", "Код"];
            h.extend(tasks);
            ColumnMap::build(Path::new("r.csv"), &headers(&h), RESULTS, true).unwrap()
        };
        // «2» and «4» would be tasks 2 and 4 read by number, the others lost.
        let m = with_tasks(&["1К1", "1К2", "2", "3.1", "3.2", "4 (2б)", "Первичный балл"]);
        assert_eq!(m.tasks, [(1, 6), (2, 7), (3, 8), (4, 9), (5, 10), (6, 11)]);
        assert_eq!(m.by_order[0], (1, "1К1".to_owned()));
        assert_eq!(m.by_order[5], (6, "4 (2б)".to_owned()));
        assert!(m.unknown.is_empty(), "{:?}", m.unknown);
        // Labels with a word before and the maximum after.
        let m = with_tasks(&["Задание 1К1 (макс. 2 б.)", "Задание 2 (макс. 1 б.)"]);
        assert_eq!(m.tasks, [(1, 6), (2, 7)]);
        // A column «1 четверть» is not a task label.
        let m = with_tasks(&["t1", "1 четверть"]);
        assert_eq!((m.tasks.len(), m.unknown.len()), (1, 1));
        // Tasks headed by number stay as they are.
        let m = with_tasks(&["t2", "1"]);
        assert_eq!(
            (m.tasks.as_slice(), m.by_order.len()),
            (&[(1, 7), (2, 6)][..], 0)
        );
    }

    #[test]
    fn russian_aliases_and_tasks() {
        let h = headers(&[
            "\u{feff}Год",
            "Экзамен",
            "Предмет",
            "Параллель",
            "Логин ОО",
            "Класс",
            "Код участника",
            "т1",
            "t2",
            "Задание 3",
            "Отметка по журналу",
            "Комментарий",
        ]);
        let m = ColumnMap::build(Path::new("r.csv"), &h, RESULTS, true).unwrap();
        assert_eq!(m.get(RESULTS, "year"), Some(0));
        assert_eq!(m.get(RESULTS, "school"), Some(4));
        assert_eq!(m.get(RESULTS, "class"), Some(5));
        assert_eq!(m.get(RESULTS, "journal_mark"), Some(10));
        assert_eq!(m.tasks, [(1, 7), (2, 8), (3, 9)]);
        assert_eq!(m.unknown, ["Комментарий"]);
    }

    #[test]
    fn missing_column_lists_what_was_found() {
        let h = headers(&["year;exam;subject"]);
        let e = ColumnMap::build(Path::new("bad.csv"), &h, RESULTS, true).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with("bad.csv: нет обязательных столбцов: «год», «экзамен»"),
            "{msg}"
        );
        assert!(
            msg.contains("Найдены столбцы: «year;exam;subject»."),
            "{msg}"
        );
        assert!(msg.contains("всего один столбец"), "{msg}");
        assert!(msg.contains("другой разделитель"), "{msg}");
    }

    #[test]
    fn duplicate_header_is_named() {
        let h = headers(&["school", "name", "municipality", "Логин"]);
        let e = ColumnMap::build(Path::new("s.csv"), &h, SCHOOLS, false).unwrap_err();
        assert_eq!(
            e.to_string(),
            "s.csv: столбцы 1 («school») и 4 («Логин») оба означают «school»; оставьте только один из них"
        );
    }

    #[test]
    fn a_header_over_two_rows() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let header = s(&["Код", "Баллы за задания", "", "", "Первичный балл", ""]);
        assert_eq!(
            merged_header(&header, &s(&["", "1", "2", "3", "", ""])),
            Some(s(&["Код", "1", "2", "3", "Первичный балл", ""]))
        );
        // A data row is not a second header row: it fills named columns.
        assert_eq!(
            merged_header(&header, &s(&["101", "1", "0", "2", "3", ""])),
            None
        );
        // Nor is a row of one number, or of words.
        assert_eq!(merged_header(&header, &s(&["", "1", "", "", "", ""])), None);
        assert_eq!(
            merged_header(&header, &s(&["", "да", "нет", "", "", ""])),
            None
        );
        let plain = s(&["year", "school", "t1", "t2"]);
        assert_eq!(merged_header(&plain, &s(&["2025", "edu1", "1", "2"])), None);
    }

    #[test]
    fn task_headers() {
        assert_eq!(task_index("t12"), Some(12));
        assert_eq!(task_index("Т3"), Some(3));
        assert_eq!(task_index("task 4"), Some(4));
        assert_eq!(task_index("7"), Some(7));
        assert_eq!(task_index("t0"), None);
        assert_eq!(task_index("test_score"), None);
        assert_eq!(task_index("9.1"), None);
        for h in [
            "Зад.1",
            "Зад. 1",
            "зад 1",
            "1 задание",
            "1-е задание",
            "Балл за задание 1",
            "Баллы за задание №1",
            "Задание № 1",
            "Задача 1",
        ] {
            assert_eq!(task_index(h), Some(1), "{h}");
        }
        for h in ["1 четверть", "задание", "зад.", "Балл за задание", "Класс"]
        {
            assert_eq!(task_index(h), None, "{h}");
        }
    }
}
