//! Parsing of field values as users' spreadsheets write them.

/// The field is not a number of the expected kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotANumber;

/// A task score field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Score {
    /// Empty: the task is not in this test.
    Absent,
    /// `X`, `Х`, `-`, `—`: not done, scored 0.
    NotDone,
    Value(f32),
}

/// Parses a number with `.` or `,` as the decimal mark (spaces, including
/// non-breaking ones, are ignored). `None` when it is not a number.
pub fn number(s: &str) -> Option<f64> {
    let cleaned: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{a0}')
        .map(|c| if c == ',' { '.' } else { c })
        .collect();
    if cleaned.is_empty() {
        return None;
    }
    cleaned.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses a whole number (`5`, `5.0`, `5,0`); `Err` when it is not one.
pub fn integer(s: &str) -> Result<Option<i64>, NotANumber> {
    if s.trim().is_empty() {
        return Ok(None);
    }
    match number(s) {
        Some(v) if v.fract() == 0.0 && v.abs() < 1e15 => Ok(Some(v as i64)),
        _ => Err(NotANumber),
    }
}

/// Parses a task score field.
pub fn score(s: &str) -> Result<Score, NotANumber> {
    let t = s.trim();
    match t {
        "" => Ok(Score::Absent),
        "X" | "x" | "Х" | "х" | "-" | "—" | "–" => Ok(Score::NotDone),
        _ => match number(t) {
            Some(v) if v >= 0.0 => Ok(Score::Value(v as f32)),
            _ => Err(NotANumber),
        },
    }
}

/// Subject codes from codes or Russian names (`Русский язык` -> `RU`).
pub fn subject(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let lower = t.to_lowercase().replace('ё', "е");
    const NAMES: &[(&str, &str)] = &[
        ("русский язык", "RU"),
        ("русский", "RU"),
        ("математика", "MA"),
        ("математика (профильный уровень)", "MA"),
        ("математика профильная", "MA"),
        ("математика (базовый уровень)", "MB"),
        ("математика базовая", "MB"),
        ("окружающий мир", "OK"),
        ("биология", "BI"),
        ("история", "HI"),
        ("география", "GE"),
        ("обществознание", "SO"),
        ("физика", "PH"),
        ("химия", "CH"),
        ("информатика", "IN"),
        ("информатика и икт", "IN"),
        ("английский язык", "EN"),
        ("немецкий язык", "DE"),
        ("французский язык", "FR"),
        ("литература", "LI"),
    ];
    if let Some((_, code)) = NAMES.iter().find(|(n, _)| *n == lower) {
        return Some((*code).to_owned());
    }
    let is_code = t.chars().count() <= 6 && t.chars().all(|c| c.is_ascii_alphanumeric());
    is_code.then(|| t.to_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_with_decimal_comma() {
        assert_eq!(number("1,5"), Some(1.5));
        assert_eq!(number(" 2.25 "), Some(2.25));
        assert_eq!(number("1\u{a0}000"), Some(1000.0));
        assert_eq!(number("abc"), None);
        assert_eq!(number("NaN"), None);
        assert_eq!(integer("5,0"), Ok(Some(5)));
        assert_eq!(integer(""), Ok(None));
        assert_eq!(integer("4.5"), Err(NotANumber));
    }

    #[test]
    fn task_scores() {
        assert_eq!(score(""), Ok(Score::Absent));
        assert_eq!(score("Х"), Ok(Score::NotDone)); // Cyrillic
        assert_eq!(score("X"), Ok(Score::NotDone)); // Latin
        assert_eq!(score("—"), Ok(Score::NotDone));
        assert_eq!(score("2"), Ok(Score::Value(2.0)));
        assert_eq!(score("0,5"), Ok(Score::Value(0.5)));
        assert_eq!(score("-1"), Err(NotANumber));
        assert_eq!(score("два"), Err(NotANumber));
    }

    #[test]
    fn subjects() {
        assert_eq!(subject("Русский язык").as_deref(), Some("RU"));
        assert_eq!(subject("ma").as_deref(), Some("MA"));
        assert_eq!(subject("Окружающий мир").as_deref(), Some("OK"));
        assert_eq!(subject("что-то странное"), None);
    }
}
