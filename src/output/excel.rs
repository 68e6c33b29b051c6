//! The xlsx twins of the main tables (risk_list.xlsx with the objective list,
//! cells.xlsx, recheck_sample.xlsx with the works, quality.xlsx: files,
//! rejected rows, notes), built from the same rows as the CSVs: the plain CSV
//! text is read back and each column gets its kind from its values (all
//! integers → whole numbers; all numbers → decimals with the places seen, at
//! most 4; `true`/`false` → yes/no; anything else text), so the two files
//! cannot disagree. For people, not machines: headers in Russian, codes shown
//! by name ([`shown`]: procedures ВПР/ОГЭ/ЕГЭ, subjects, signs by title), and
//! the risk list without its machine columns (the one-column-per-cell-kind
//! block such as `VPR 4 MA`, p, weight, q, risk: the reasons say the same in
//! words, the CSV keeps them), its reasons one cell a line in a wide column.
//! Text stays text ([`super::xlsx_out`] never writes formulas).

use std::borrow::Cow;

use super::xlsx_out::{Column, Kind, Sheet, Value, fit_cell, workbook_bytes};
use crate::error::OutputError;
use rayon::prelude::*;

/// Russian headers for the columns a methodist reads.
const HEADERS: &[(&str, &str)] = &[
    ("year", "Год"),
    ("exam", "Процедура"),
    ("subject", "Предмет"),
    ("grade", "Класс"),
    ("school", "Логин ОО"),
    ("name", "Наименование ОО"),
    ("municipality", "Муниципалитет"),
    ("kind", "Тип ОО"),
    ("n", "Работ"),
    ("works", "Работ"),
    ("mean_primary", "Средний первичный балл"),
    // 1 − p of the cell or school-year, before the list's correction for
    // the many schools compared: not a probability of anything.
    ("risk", "1 − p (без поправки на число ОО)"),
    ("evidence", "Сила признаков (−lg p)"),
    ("p_value", "p-значение"),
    ("weight", "Вес (устойчивость)"),
    ("q_value", "q-значение"),
    ("marker", "Признаки есть"),
    ("signs", "Признаки"),
    ("markers", "Ячеек с признаками"),
    ("consecutive_years", "Лет подряд в перечне"),
    ("reasons", "Основания (признаки, требуют проверки)"),
    ("stratum_name", "Группа"),
    ("order", "№ в группе"),
    ("size_class", "Размер ОО"),
    ("result", "Стандартизованный результат"),
    ("reason", "Основание"),
    ("reason_text", "Пояснение"),
    ("seed", "Число для жеребьёвки"),
    ("method", "Метод отбора"),
    ("class", "Класс (буква)"),
    ("student", "Код участника"),
    ("variant", "Вариант"),
    ("primary", "Первичный балл"),
    ("mark", "Отметка"),
    ("journal_mark", "Отметка по журналу"),
    ("in_marked_cell", "Из ячейки с признаками"),
    ("n_tasks", "Заданий"),
    ("max_primary", "Максимальный первичный балл"),
    ("sd_primary", "Стандартное отклонение первичного балла"),
    ("mean_percent", "Средний балл, % от максимума"),
    ("n_marked", "Работ с отметкой"),
    ("share_2", "Доля «2»"),
    ("share_3", "Доля «3»"),
    ("share_4", "Доля «4»"),
    ("share_5", "Доля «5»"),
    ("n_journal", "Работ с отметкой по журналу"),
    ("share_lowered", "Доля: отметка за работу ниже журнальной"),
    ("share_confirmed", "Доля: отметка подтверждена"),
    ("share_raised", "Доля: отметка за работу выше журнальной"),
    ("n_test_score", "Работ с тестовым баллом"),
    ("mean_test_score", "Средний тестовый балл"),
    ("share_below_min", "Доля ниже минимального балла"),
    ("not_done_share", "Доля невыполненных заданий"),
    ("mark_scale_disagreements", "Отметок не по шкале"),
    ("rows_rejected", "Отклонено строк"),
    ("cells_evaluated", "Ячеек оценено"),
    ("file", "Файл"),
    ("encoding", "Кодировка"),
    ("delimiter", "Разделитель"),
    ("rows_read", "Прочитано строк"),
    ("rows_used", "Использовано строк"),
    ("error", "Ошибка"),
    ("skipped", "Почему не прочитан"),
    ("line", "Строка"),
    ("column", "Столбец"),
    ("value", "Значение"),
    ("level", "Уровень"),
    ("message", "Сообщение"),
];

/// A machine column of the risk list: a cell kind such as `VPR 4 MA`.
fn is_cell_kind(name: &str) -> bool {
    let mut parts = name.split(' ');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(e), Some(g), Some(_), None)
            if crate::model::Exam::parse(e).is_some() && g.parse::<u8>().is_ok()
    )
}

/// How a CSV value of `column` is shown to people: procedures and subjects by
/// name, sign ids by title; anything else as it is.
pub fn shown<'a>(column: &str, value: &'a str) -> Cow<'a, str> {
    match column {
        "exam" => crate::model::Exam::parse(value).map_or(value.into(), |e| e.russian().into()),
        "subject" => crate::model::subject_name(value).into(),
        "signs" => value
            .split(';')
            .filter(|id| !id.is_empty())
            .map(|id| {
                (crate::signs::REGISTRY.iter())
                    .find(|s| s.id() == id)
                    .map_or(id, |s| s.title())
            })
            .collect::<Vec<_>>()
            .join("; ")
            .into(),
        // A note's level; a file's role (files.csv), school types pass as they are.
        "level" => match value {
            "error" => "ошибка".into(),
            "warning" => "предупреждение".into(),
            "info" => "сведения".into(),
            v => v.into(),
        },
        // The risk list's reasons: one cell's reasons a line, without the
        // prefix the header already says.
        "reasons" => value
            .strip_prefix(super::lists::REASONS_PREFIX)
            .unwrap_or(value)
            .replace(" | ", "\n")
            .into(),
        "kind" => crate::load::report::role_name(value).into(),
        // A note about a whole file or test has no line (0 in the CSV).
        "line" if value == "0" => "".into(),
        // A re-check work's stratum (recheck_works.csv keeps the code).
        "stratum" => (crate::sample::Stratum::DRAWN.iter())
            .chain([&crate::sample::Stratum::Excluded])
            .find(|s| s.code() == value)
            .map_or(value.into(), |s| s.russian().into()),
        _ => value.into(),
    }
}

/// Columns of the risk list for programs, not for reading: in the CSV only.
const RISK_LIST_MACHINE: &[&str] = &["p_value", "weight", "q_value", "risk"];

/// The width of the risk list's reasons column, in characters.
const REASONS_WIDTH: f64 = 100.0;

/// A column of fractions of 1 (shares).
fn is_share(name: &str) -> bool {
    name.starts_with("share_") || name.ends_with("_share") || name == "mean_percent"
}

fn header(name: &str) -> String {
    HEADERS
        .iter()
        .find(|(k, _)| *k == name)
        .map_or_else(|| name.to_owned(), |(_, v)| (*v).to_owned())
}

fn decimals(s: &str) -> u8 {
    s.split_once('.').map_or(0, |(_, f)| f.len().min(4) as u8)
}

fn kind_of(values: &[&str]) -> Kind {
    let filled: Vec<&str> = values.iter().copied().filter(|v| !v.is_empty()).collect();
    if filled.is_empty() {
        return Kind::Text;
    }
    if filled.iter().all(|v| *v == "true" || *v == "false") {
        return Kind::Bool;
    }
    // Codes with leading zeros stay text.
    let number = |v: &&str| {
        v.parse::<f64>().is_ok_and(f64::is_finite)
            && (!v.starts_with('0') || *v == "0" || v.starts_with("0."))
    };
    if !filled.iter().all(number) {
        return Kind::Text;
    }
    if filled.iter().all(|v| v.parse::<i64>().is_ok()) {
        Kind::Integer
    } else {
        Kind::Decimal(filled.iter().map(|v| decimals(v)).max().unwrap_or(2).max(1))
    }
}

fn value(kind: Kind, v: &str) -> Value {
    if v.is_empty() {
        return Value::Empty;
    }
    match kind {
        Kind::Bool => Value::Text(if v == "true" { "да" } else { "нет" }.to_owned()),
        Kind::Integer => v
            .parse::<i64>()
            .map_or_else(|_| Value::Text(v.to_owned()), Value::Int),
        Kind::Decimal(_) | Kind::Percent(_) => v
            .parse::<f64>()
            .map_or_else(|_| Value::Text(v.to_owned()), Value::Num),
        // The CSV guard apostrophe is not needed in xlsx: text is never a formula.
        Kind::Text => Value::Text(v.strip_prefix('\'').unwrap_or(v).to_owned()),
    }
}

/// One sheet's columns and rows from plain CSV bytes.
fn table(plain: &[u8], what: &str) -> Result<(Vec<Column>, Vec<Vec<Value>>), OutputError> {
    let err = |e: &dyn std::fmt::Display| OutputError::Build {
        what: what.to_owned(),
        message: e.to_string(),
    };
    let mut r = csv::ReaderBuilder::new().from_reader(plain);
    let names: Vec<String> = r
        .headers()
        .map_err(|e| err(&e))?
        .iter()
        .map(str::to_owned)
        .collect();
    let records: Vec<csv::StringRecord> =
        r.records().collect::<Result<_, _>>().map_err(|e| err(&e))?;
    // The risk list (the table with the reasons) is for reading: its machine
    // columns stay in the CSV.
    let has = |n: &str| names.iter().any(|x| x == n);
    let (reading, sample) = (has("reasons"), has("stratum_name"));
    // A re-check work's reason by its sentence only (the code stays in the CSV).
    let works = has("reason_text");
    let keep: Vec<usize> = (0..names.len())
        .filter(|&c| !is_cell_kind(&names[c]))
        .filter(|&c| !(reading && RISK_LIST_MACHINE.contains(&names[c].as_str())))
        // The sample's stratum by name only; its method (the same on every
        // row) is told in the справка and kept in the CSV.
        .filter(|&c| !(sample && ["stratum", "method"].contains(&names[c].as_str())))
        .filter(|&c| !(works && names[c] == "reason"))
        .collect();
    // files.csv's `kind` is a file's, cells.csv's a school's.
    let files = has("rows_read");
    // Columns and rows are independent: both built on every core (the cells
    // of a large region are the last output to finish).
    let kinds: Vec<Kind> = keep
        .par_iter()
        .map(|&c| {
            let col: Vec<&str> = records.iter().map(|r| r.get(c).unwrap_or("")).collect();
            match kind_of(&col) {
                // Shares are shown as percentages: 0.0196 → 2,0 %.
                Kind::Decimal(_) | Kind::Integer if is_share(&names[c]) => Kind::Percent(1),
                k => k,
            }
        })
        .collect();
    let columns = keep
        .iter()
        .zip(&kinds)
        .map(|(&c, &k)| {
            let name = match names[c].as_str() {
                "kind" if files => "Тип файла".to_owned(),
                "stratum" => "Группа".to_owned(),
                n => header(n),
            };
            let col = Column::new(name, k);
            // The reasons are the point of the risk list: a wide column.
            if names[c] == "reasons" {
                col.with_width(REASONS_WIDTH)
            } else {
                col
            }
        })
        .collect();
    let rows = records
        .par_iter()
        .map(|r| {
            keep.iter()
                .zip(&kinds)
                .map(|(&c, &k)| value(k, &shown(&names[c], r.get(c).unwrap_or(""))))
                .collect()
        })
        .collect();
    Ok((columns, rows))
}

/// Excel's row limit (header included).
pub const MAX_ROWS: usize = 1_048_576;

/// A workbook with one sheet per (sheet name, plain CSV bytes), and the number
/// of texts cut to fit a cell.
pub fn xlsx_bytes(sheets: &[(&str, &[u8])], what: &str) -> Result<(Vec<u8>, usize), OutputError> {
    let tables: Vec<(Vec<Column>, Vec<Vec<Value>>)> =
        crate::timings::stage(&format!("  {what}: таблицы"), || {
            sheets
                .iter()
                .map(|(_, csv)| table(csv, what))
                .collect::<Result<_, _>>()
        })?;
    let sheets: Vec<Sheet<'_>> = sheets
        .iter()
        .zip(&tables)
        .map(|((name, _), (columns, rows))| Sheet {
            name,
            columns,
            rows,
        })
        .collect();
    let cut = (tables.iter().flat_map(|(_, rows)| rows.iter().flatten()))
        .filter(|v| matches!(v, Value::Text(s) if fit_cell(s).is_some()))
        .count();
    let bytes = crate::timings::stage(&format!("  {what}: книга"), || workbook_bytes(&sheets))
        .map_err(|e| OutputError::Build {
            what: what.to_owned(),
            message: e.to_string(),
        })?;
    Ok((bytes, cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_percentages() {
        let csv = b"school,share_2,mean_percent,n\nedu1,0.0196,0.5,3\nedu2,0,1,4\n";
        let (cols, rows) = table(csv, "t").unwrap();
        let kinds: Vec<Kind> = cols.iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            [
                Kind::Text,
                Kind::Percent(1),
                Kind::Percent(1),
                Kind::Integer
            ]
        );
        // The value stays the fraction; the format shows it as a percentage.
        assert_eq!(rows[0][1], Value::Num(0.0196));
    }

    #[test]
    fn kinds_from_values() {
        assert_eq!(kind_of(&["1", "20", ""]), Kind::Integer);
        assert_eq!(kind_of(&["0.5", "1", "0.125"]), Kind::Decimal(3));
        assert_eq!(kind_of(&["true", "false"]), Kind::Bool);
        assert_eq!(kind_of(&["edu000001", "2"]), Kind::Text);
        // A code with a leading zero is not a number.
        assert_eq!(kind_of(&["0012", "13"]), Kind::Text);
        assert_eq!(kind_of(&["0", "0.25"]), Kind::Decimal(2));
        assert_eq!(kind_of(&["", ""]), Kind::Text);
    }

    #[test]
    fn codes_are_shown_by_name_and_cell_kind_columns_are_recognised() {
        assert_eq!(shown("exam", "VPR"), "ВПР");
        assert_eq!(shown("subject", "OK"), "окружающий мир");
        assert_eq!(
            shown("signs", "S3;S7"),
            "Скопление работ на границах отметок; Избыток лучших работ над работами чуть ниже"
        );
        assert_eq!(shown("name", "VPR"), "VPR");
        assert!(is_cell_kind("VPR 4 MA") && is_cell_kind("EGE 11 RU"));
        assert!(!is_cell_kind("reasons") && !is_cell_kind("VPR 4") && !is_cell_kind("XX 4 MA"));
    }

    #[test]
    fn formula_like_text_stays_text_without_the_csv_apostrophe() {
        assert_eq!(value(Kind::Text, "'=1+1"), Value::Text("=1+1".into()));
        assert_eq!(value(Kind::Bool, "true"), Value::Text("да".into()));
        assert_eq!(value(Kind::Integer, "7"), Value::Int(7));
    }
}
