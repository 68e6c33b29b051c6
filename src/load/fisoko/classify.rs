//! Recognising the rows of a sheet: header, level row, school line, title.

use super::sheet::Grid;
use super::{
    Level, SUBJECTS, SheetError, TaskHead, column_letter, normalize, parse_number, row_text,
};

/// Words in a mark column's header that make it the journal mark.
const JOURNAL_HINTS: &[&str] = &[
    "журнал",
    "предыдущ",
    "четверт",
    "триместр",
    "полугод",
    "годов",
];

/// Where each known column is in one header row.
pub(super) struct Header {
    pub(super) line: u64,
    /// One past the last non-empty header cell.
    pub(super) width: usize,
    pub(super) student: usize,
    pub(super) school: Option<usize>,
    pub(super) class: Option<usize>,
    pub(super) variant: Option<usize>,
    pub(super) primary: Option<usize>,
    pub(super) mark: Option<usize>,
    pub(super) journal: Option<usize>,
    pub(super) tasks: Vec<(usize, TaskHead)>,
    pub(super) unknown: Vec<(usize, String)>,
}

enum Role {
    Ignore,
    Student,
    School,
    Class,
    Variant,
    Primary,
    Mark,
    Journal,
    Task(TaskHead),
    Unknown,
}

fn role(cell: &str) -> Role {
    if let Some(t) = task_head(cell) {
        return Role::Task(t);
    }
    let n = normalize(cell);
    let starts = |p: &str| n.starts_with(p);
    match n.as_str() {
        "" | "№" | "№ п/п" | "№п/п" | "п/п" | "n" | "номер" => Role::Ignore,
        "код"
        | "код участника"
        | "код ученика"
        | "код обучающегося"
        | "участник"
        | "номер участника" => Role::Student,
        "логин" | "логин оо" | "оо" | "код оо" => Role::School,
        "класс" | "литера" | "класс (буква)" | "буква класса" => {
            Role::Class
        }
        "вариант" | "номер варианта" => Role::Variant,
        "сумма баллов" | "балл" | "итоговый балл" => Role::Primary,
        _ if starts("первичный балл") => Role::Primary,
        _ if (starts("отметка") || starts("оценка") || starts("годовая"))
            && JOURNAL_HINTS.iter().any(|h| n.contains(h)) =>
        {
            Role::Journal
        }
        _ if starts("отметка") || starts("оценка") => Role::Mark,
        _ => Role::Unknown,
    }
}

/// `9.1 (2б)`, `1К1 (4 балла)`, `3(1) (1б)`, `12`: a label starting with a
/// digit (letters, dots and brackets may follow), then an optional maximum in
/// brackets: a number followed by «б»/«балл…».
pub(super) fn task_head(cell: &str) -> Option<TaskHead> {
    let cell = cell.trim();
    let max_at = cell.strip_suffix(')').and_then(|body| {
        let open = body.rfind('(')?;
        let inner = body[open + 1..].trim();
        let end = inner
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .unwrap_or(inner.len());
        let unit = inner[end..].trim_start().to_lowercase();
        let max = parse_number(&inner[..end]).filter(|_| unit.starts_with('б'))?;
        Some((open, max))
    });
    let label = max_at.map_or(cell, |(open, _)| cell[..open].trim());
    let is_label = label.starts_with(|c: char| c.is_ascii_digit())
        && label.chars().count() <= 12
        && (label.chars()).all(|c| c.is_alphanumeric() || matches!(c, '.' | '(' | ')' | ' '));
    is_label.then(|| TaskHead {
        label: label.to_owned(),
        max: max_at.map(|(_, m)| m),
        level: None,
    })
}

/// A header row has a participant-code column and at least one task column.
pub(super) fn parse_header(cells: &[String], line: u64) -> Option<Result<Header, SheetError>> {
    let roles: Vec<Role> = cells.iter().map(|c| role(c)).collect();
    if !roles.iter().any(|r| matches!(r, Role::Student))
        || !roles.iter().any(|r| matches!(r, Role::Task(_)))
    {
        return None;
    }
    let dup = |a: usize, b: usize| {
        let message = format!(
            "столбцы {} («{}») и {} («{}») означают одно и то же",
            column_letter(a),
            cells[a],
            column_letter(b),
            cells[b]
        );
        Some(Err(SheetError::BadHeader(line, message)))
    };
    // student, school, class, variant, primary, mark, journal
    let mut slots: [Option<usize>; 7] = [None; 7];
    let mut tasks: Vec<(usize, TaskHead)> = Vec::new();
    let mut unknown = Vec::new();
    for (col, r) in roles.into_iter().enumerate() {
        let i = match r {
            Role::Ignore => continue,
            Role::Unknown => {
                unknown.push((col, cells[col].clone()));
                continue;
            }
            Role::Task(t) => {
                if let Some((first, _)) = tasks.iter().find(|(_, x)| x.label == t.label) {
                    return dup(*first, col);
                }
                tasks.push((col, t));
                continue;
            }
            Role::Student => 0,
            Role::School => 1,
            Role::Class => 2,
            Role::Variant => 3,
            Role::Primary => 4,
            Role::Mark => 5,
            Role::Journal => 6,
        };
        if let Some(first) = slots[i] {
            return dup(first, col);
        }
        slots[i] = Some(col);
    }
    Some(Ok(Header {
        line,
        width: cells
            .iter()
            .rposition(|c| !c.is_empty())
            .map_or(0, |c| c + 1),
        student: slots[0]?,
        school: slots[1],
        class: slots[2],
        variant: slots[3],
        primary: slots[4],
        mark: slots[5],
        journal: slots[6],
        tasks,
        unknown,
    }))
}

/// Б/П/В (or the full words) in two or more cells, no numbers, at most two other labels.
pub(super) fn level_row(cells: &[String]) -> Option<Vec<(usize, Level)>> {
    let mut levels = Vec::new();
    let mut other = 0;
    for (c, cell) in cells.iter().enumerate() {
        let n = normalize(cell);
        let level = match n.trim_end_matches('.') {
            "" => continue,
            "б" | "базовый" => Level::Basic,
            "п" | "повышенный" => Level::Advanced,
            "в" | "высокий" => Level::High,
            x if parse_number(x).is_some() => return None,
            _ => {
                other += 1;
                continue;
            }
        };
        levels.push((c, level));
    }
    (levels.len() >= 2 && other <= 2).then_some(levels)
}

/// A FIS OKO school login in the text: `edu`, `sch` or `spo` and 4..8 digits.
pub(super) fn school_login(text: &str) -> Option<String> {
    let t = text.to_lowercase();
    for prefix in ["edu", "sch", "spo"] {
        for (i, _) in t.match_indices(prefix) {
            let after = &t[i + prefix.len()..];
            let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            let alone = !t[..i].ends_with(|c: char| c.is_alphanumeric());
            if alone && (4..=8).contains(&digits) {
                return Some(format!("{prefix}{}", &after[..digits]));
            }
        }
    }
    None
}

/// The number after «участник…» in a school line.
pub(super) fn declared_count(text: &str) -> Option<u64> {
    let t = text.to_lowercase();
    let after = &t[t.find("участник")?..];
    let start = after.find(|c: char| c.is_ascii_digit())?;
    let digits = &after[start..];
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

/// The title above the first header: the first row naming the procedure that
/// is not a school line or level row, with up to two non-empty rows after it
/// (a title may be split over rows). Returns its lines and its text.
pub(super) fn find_title(
    above: &Grid,
    structural: impl Fn(&[String]) -> bool,
) -> Option<(Vec<u64>, String)> {
    let keys = ["впр", "всероссийск", "проверочн"];
    let i = above.iter().position(|(_, c)| {
        let n = normalize(&row_text(c));
        !structural(c) && keys.iter().any(|k| n.contains(k))
    })?;
    let rows: Vec<(u64, String)> = (above[i..].iter())
        .take_while(|(_, c)| !structural(c))
        .map(|(l, c)| (*l, row_text(c)))
        .filter(|(_, t)| !t.is_empty())
        .take(3)
        .collect();
    let lines = rows.iter().map(|(l, _)| *l).collect();
    let texts: Vec<String> = rows.into_iter().map(|(_, t)| t).collect();
    Some((lines, texts.join(" ")))
}

#[derive(Debug)]
pub(super) struct Title {
    pub(super) year: u16,
    pub(super) subject: &'static str,
    pub(super) grade: u8,
}

pub(super) fn parse_title(title: &str) -> Result<Title, String> {
    let n = normalize(title);
    let chars: Vec<char> = n.chars().collect();
    // Runs of ASCII digits: (start, end, value).
    let mut numbers = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i > start {
            let s: String = chars[start..i].iter().collect();
            numbers.push((start, i, s.parse::<u32>().unwrap_or(u32::MAX)));
        } else {
            i += 1;
        }
    }
    let text = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
    let year = (numbers.iter())
        .filter(|&&(a, b, v)| b - a == 4 && (2000..=2100).contains(&v))
        .map(|&(_, _, v)| v as u16)
        .max()
        .ok_or("не найден год (например 2025)")?;
    let grade = (numbers.iter())
        .find(|&&(a, b, v)| {
            let after = text(b, chars.len());
            let after = after.trim_start_matches(['-', 'й', 'х', 'г', 'о', ' ']);
            let before = text(0, a);
            let before = before.trim_end_matches([' ', ':', '-']);
            (4..=11).contains(&v)
                && (after.starts_with("кл")
                    || before.ends_with("класс")
                    || before.ends_with("параллель"))
        })
        .map(|&(_, _, v)| v as u8)
        .ok_or("не найден класс (например «4 класс»)")?;
    let subject = (SUBJECTS.iter())
        .filter_map(|&(name, code)| n.find(name).map(|at| (at, code)))
        .min()
        .map(|(_, code)| code)
        .ok_or(
            "неизвестный предмет (ожидается русский язык, математика, окружающий мир, биология, \
             история, география, обществознание, физика, химия, информатика, английский, \
             немецкий или французский язык, литература)",
        )?;
    Ok(Title {
        year,
        subject,
        grade,
    })
}
