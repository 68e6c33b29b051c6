//! The row-by-row reading of one sheet: title, school lines, level rows,
//! header rows and participant rows (see the parent module for the layout).

use super::classify::{
    Header, declared_count, find_title, level_row, parse_header, parse_title, school_login,
};
use super::{
    FisOkoSheet, LEAD, Level, Problem, SheetError, SheetRow, TAIL, TaskHead, column_letter,
    normalize, parse_number, row_text,
};

/// Values that mean «not done» in a task column.
const NOT_DONE: &[&str] = &["X", "x", "Х", "х", "-", "—", "–"];
/// First words of summary rows.
const SUMMARY: &[&str] = &[
    "итог",
    "всего",
    "средн",
    "сумма",
    "количество",
    "кол-во",
    "доля",
    "процент",
    "макс",
];

pub(super) type Grid = [(u64, Vec<String>)];

/// Reads one sheet; `None` when it has no header row (not this layout).
pub(super) fn read_sheet(grid: &Grid) -> Result<Option<FisOkoSheet>, SheetError> {
    let mut rows = grid.iter().enumerate();
    let Some((at, first)) = rows.find_map(|(i, (l, c))| parse_header(c, *l).map(|h| (i, h))) else {
        return Ok(None);
    };
    let first = first?;
    let structural = |c: &[String]| school_login(&row_text(c)).is_some() || level_row(c).is_some();
    let (title_lines, title) = find_title(&grid[..at], structural).ok_or(SheetError::NoTitle)?;
    let t = parse_title(&title)
        .map_err(|what| SheetError::BadTitle(title_lines[0], title.clone(), what))?;
    // Rows above the first school line, level row or header are the preamble.
    let start = grid[..at]
        .iter()
        .position(|(_, c)| structural(c))
        .unwrap_or(at);
    let mut headers: Vec<String> = LEAD.iter().map(|s| s.to_string()).collect();
    headers.extend((1..=first.tasks.len()).map(|k| format!("t{k}")));
    headers.extend(TAIL.iter().map(|s| s.to_string()));
    let mut p = Parser {
        out: FisOkoSheet {
            sheet: String::new(),
            exam: "VPR".to_owned(),
            year: t.year,
            subject: t.subject.to_owned(),
            grade: t.grade,
            tasks: first.tasks.iter().map(|(_, th)| th.clone()).collect(),
            headers,
            rows: Vec::new(),
            problems: Vec::new(),
            notes: Vec::new(),
        },
        first_line: first.line,
        header: None,
        compatible: true,
        school: None,
        block: None,
        pending_levels: None,
        blanks: 0,
        first_blank: None,
    };
    for (line, cells) in &grid[start..] {
        if !title_lines.contains(line) {
            p.row(*line, cells)?;
        }
    }
    p.close_block();
    if let Some((line, col)) = p.first_blank {
        let message = format!(
            "пустых ячеек в столбцах заданий: {}; они прочитаны как «X» (задание не выполнено), первая — {}{line}",
            p.blanks,
            column_letter(col)
        );
        p.note(line, Some(col), message);
    }
    Ok(Some(p.out))
}

/// A school block: its line, the participant count it states, the rows seen.
struct Block {
    line: u64,
    declared: Option<u64>,
    seen: u64,
}

struct Parser {
    out: FisOkoSheet,
    first_line: u64,
    header: Option<Header>,
    /// The current header lists the same tasks as the first.
    compatible: bool,
    school: Option<String>,
    block: Option<Block>,
    pending_levels: Option<(u64, Vec<(usize, Level)>)>,
    blanks: u64,
    first_blank: Option<(u64, usize)>,
}

impl Parser {
    fn note(&mut self, line: u64, col: Option<usize>, message: String) {
        self.out.notes.push(Problem {
            line,
            column: col.map(column_letter),
            message,
        });
    }

    fn row(&mut self, line: u64, cells: &[String]) -> Result<(), SheetError> {
        if cells.iter().all(String::is_empty) {
            return Ok(());
        }
        if let Some(h) = parse_header(cells, line) {
            self.start_header(h?);
            return Ok(());
        }
        if let Some(levels) = level_row(cells) {
            self.pending_levels = Some((line, levels));
            return Ok(());
        }
        if let Some((line0, levels)) = self.pending_levels.take() {
            self.apply_levels(line0, &levels);
        }
        let text = row_text(cells);
        if let Some(login) = school_login(&text) {
            self.close_block();
            self.school = Some(login);
            self.block = Some(Block {
                line,
                declared: declared_count(&text),
                seen: 0,
            });
            return Ok(());
        }
        if let Some(b) = self
            .block
            .as_mut()
            .filter(|b| b.declared.is_none() && b.seen == 0)
            && let Some(d) = declared_count(&text)
        {
            b.declared = Some(d);
            return Ok(());
        }
        let first_word = normalize(cells.iter().find(|c| !c.is_empty()).map_or("", |c| c));
        if first_word.starts_with("макс") && self.apply_maxima(line, cells) {
            return Ok(());
        }
        if SUMMARY.iter().any(|w| first_word.starts_with(w)) {
            self.note(
                line,
                None,
                format!("итоговая или служебная строка пропущена: «{text}»"),
            );
            return Ok(());
        }
        match self.header.take() {
            Some(h) => {
                self.participant(line, cells, &h);
                self.header = Some(h);
            }
            None => self.note(
                line,
                None,
                format!("строка выше заголовка таблицы пропущена: «{text}»"),
            ),
        }
        Ok(())
    }

    fn start_header(&mut self, h: Header) {
        let labels =
            |t: &[(usize, TaskHead)]| t.iter().map(|(_, th)| th.label.clone()).collect::<Vec<_>>();
        let sheet_labels: Vec<String> = self.out.tasks.iter().map(|t| t.label.clone()).collect();
        self.compatible = labels(&h.tasks) == sheet_labels;
        if self.compatible {
            for ((col, th), sheet) in h.tasks.iter().zip(&self.out.tasks) {
                // A header repeated without maxima does not contradict the
                // maxima in force (taken from a «Максимальный балл» row).
                if th.max.is_some() && th.max != sheet.max {
                    let message = format!(
                        "максимум задания {} отличается от заголовка в строке {}",
                        th.label, self.first_line
                    );
                    self.out.notes.push(Problem {
                        line: h.line,
                        column: Some(column_letter(*col)),
                        message,
                    });
                }
            }
        }
        for (col, name) in &h.unknown {
            let message = format!("столбец «{name}» не используется");
            self.note(h.line, Some(*col), message);
        }
        self.header = Some(h);
        if let Some((line, levels)) = self.pending_levels.take() {
            self.apply_levels(line, &levels);
        }
    }

    /// Levels by column, for the tasks of the current header.
    /// A row «Максимальный балл» with a number under every task column:
    /// the tasks' maxima where the header gives none (said in a note, once);
    /// a row that disagrees with the maxima in force is noted. False when the
    /// row is not such a row (it is then skipped as a service row).
    fn apply_maxima(&mut self, line: u64, cells: &[String]) -> bool {
        let Some(h) = self.header.as_ref().filter(|_| self.compatible) else {
            return false;
        };
        let found: Option<Vec<f64>> = (h.tasks.iter())
            .map(|(col, _)| {
                let v = super::super::values::number(cells.get(*col).map_or("", |c| c.trim()))?;
                (0.0..=super::super::values::MAX_TASK_SCORE)
                    .contains(&v)
                    .then_some(v)
            })
            .collect();
        let Some(found) = found else {
            return false;
        };
        let known: Vec<Option<f64>> = self.out.tasks.iter().map(|t| t.max).collect();
        if known.iter().all(Option::is_none) {
            for (task, max) in self.out.tasks.iter_mut().zip(&found) {
                task.max = Some(*max);
            }
            let message = "максимальные баллы заданий взяты из строки «Максимальный балл»";
            self.note(line, None, message.into());
        } else if known.iter().zip(&found).any(|(k, f)| *k != Some(*f)) {
            let message = "строка «Максимальный балл» расходится с максимумами заданий в заголовке \
                           или в первой такой строке листа; в силе первые";
            self.note(line, None, message.into());
        }
        true
    }

    fn apply_levels(&mut self, line: u64, levels: &[(usize, Level)]) {
        let Some(h) = self.header.as_ref().filter(|_| self.compatible) else {
            return self.note(
                line,
                None,
                "строка уровней Б/П/В не относится ни к одной таблице".into(),
            );
        };
        let found: Vec<Option<Level>> = (h.tasks.iter())
            .map(|(col, _)| levels.iter().find(|(c, _)| c == col).map(|&(_, l)| l))
            .collect();
        let known: Vec<Option<Level>> = self.out.tasks.iter().map(|t| t.level).collect();
        if known.iter().all(Option::is_none) {
            for (task, level) in self.out.tasks.iter_mut().zip(found) {
                task.level = level;
            }
        } else if known != found {
            let message = "уровни заданий отличаются от первой строки уровней листа";
            self.note(line, None, message.into());
        }
    }

    fn close_block(&mut self) {
        if let Some(Block {
            line,
            declared: Some(d),
            seen,
        }) = self.block.take()
            && d != seen
        {
            let message = format!(
                "в строке ОО указано участников: {d}, а строк участников в таблице: {seen}"
            );
            self.note(line, None, message);
        }
    }

    fn participant(&mut self, line: u64, cells: &[String], h: &Header) {
        let get = |c: usize| cells.get(c).map_or("", String::as_str);
        let opt = |c: Option<usize>| c.map_or("", get);
        let filled = |c: &usize| !get(*c).is_empty();
        let has_data = filled(&h.student)
            || h.tasks.iter().any(|(c, _)| filled(c))
            || [h.primary, h.mark].iter().flatten().any(filled);
        if !has_data {
            let message = format!(
                "строка пропущена: нет кода участника и баллов («{}»)",
                row_text(cells)
            );
            return self.note(line, None, message);
        }
        if let Some(b) = &mut self.block {
            b.seen += 1;
        }
        let mut reject = |col: Option<usize>, message: String| {
            self.out.problems.push(Problem {
                line,
                column: col.map(column_letter),
                message,
            });
        };
        if !self.compatible {
            let message = format!(
                "задания в заголовке строки {} не совпадают с заголовком строки {}",
                h.line, self.first_line
            );
            return reject(None, message);
        }
        let school = match opt(h.school) {
            "" => self.school.clone(),
            s => Some(s.to_owned()),
        };
        let Some(school) = school else {
            let message =
                "строка участника стоит выше первой строки ОО с логином (например «(edu050001)»)";
            return reject(None, message.into());
        };
        if get(h.student).is_empty() {
            return reject(Some(h.student), "не указан код участника".into());
        }
        if let Some(c) = (h.width..cells.len()).find(|&c| filled(&c)) {
            let message = format!(
                "значение «{}» правее последнего столбца таблицы: строка сдвинута?",
                get(c)
            );
            return reject(Some(c), message);
        }
        let mut scores = Vec::with_capacity(h.tasks.len());
        let mut blanks = Vec::new();
        for (c, th) in &h.tasks {
            let v = get(*c);
            if v.is_empty() {
                blanks.push(*c);
                scores.push("X".to_owned());
                continue;
            }
            if !NOT_DONE.contains(&v) {
                let message = match (parse_number(v), th.max) {
                    (Some(x), Some(m)) if x > m + 1e-9 => {
                        format!("балл {v} за задание {} больше максимума {m}", th.label)
                    }
                    (Some(x), _) if x >= 0.0 => String::new(),
                    (Some(_), _) => format!("отрицательный балл {v} за задание {}", th.label),
                    _ => format!(
                        "балл «{v}» за задание {} — не число (X, Х, - или — означают «не выполнено»)",
                        th.label
                    ),
                };
                if !message.is_empty() {
                    return reject(Some(*c), message);
                }
            }
            scores.push(v.to_owned());
        }
        if blanks.len() == h.tasks.len() {
            return reject(
                None,
                "нет баллов ни за одно задание (участник не писал работу?)".into(),
            );
        }
        if let Some(&c) = blanks.first() {
            self.first_blank.get_or_insert((line, c));
            self.blanks += blanks.len() as u64;
        }
        let o = &self.out;
        let mut fields = vec![
            o.year.to_string(),
            o.exam.clone(),
            o.subject.clone(),
            o.grade.to_string(),
            school,
            opt(h.class).to_owned(),
            get(h.student).to_owned(),
            opt(h.variant).to_owned(),
        ];
        fields.extend(scores);
        fields.extend([opt(h.primary), opt(h.mark), opt(h.journal)].map(str::to_owned));
        self.out.rows.push(SheetRow { line, fields });
    }
}
