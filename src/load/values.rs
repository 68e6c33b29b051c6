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
    let b = s.as_bytes();
    // Most fields are short whole numbers or need no cleaning: read them
    // without building a cleaned copy (the same value as the general path).
    if !b.is_empty() && b.len() <= 9 && b.iter().all(u8::is_ascii_digit) {
        let whole = b.iter().fold(0u32, |v, &d| v * 10 + u32::from(d - b'0'));
        return Some(f64::from(whole));
    }
    if !b.is_empty() && b.iter().all(|c| c.is_ascii_digit() || b".-+eE".contains(c)) {
        return s.parse::<f64>().ok().filter(|v| v.is_finite());
    }
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

/// The largest score one task of any VPR, OGE or EGE test can carry is well
/// under this; a larger value is a typing or export error. Every score, task
/// maximum and total the engine keeps is bounded through it, so no value in the
/// data decides how much memory a histogram or reference table takes.
pub const MAX_TASK_SCORE: f64 = 100.0;

/// The same bound for a primary (total) score.
pub const MAX_PRIMARY: f64 = 1000.0;

/// The years a procedure may carry: historic data back to 1950, plans up to 2100.
pub const YEARS: std::ops::RangeInclusive<i64> = 1950..=2100;

/// Parses a year field: `Ok(None)` when empty, `Err` with the Russian reason
/// (different for a number out of range and for text that is not a whole number).
pub fn year(s: &str) -> Result<Option<u16>, String> {
    // The usual field: four digits.
    if s.len() == 4 && s.bytes().all(|c| c.is_ascii_digit()) {
        let y: i64 = s.parse().expect("four digits");
        if YEARS.contains(&y) {
            return Ok(Some(y as u16));
        }
    }
    if let Some(y) = school_year(s) {
        return Ok(Some(y));
    }
    // «2025 г.», «2025г», «2025 год», «2024-2025 уч. год»: the number. The
    // words are stripped from the lower-case text, which is parsed itself
    // (digits and separators are the same in it).
    let lower = s.trim().to_lowercase();
    let stem = YEAR_WORDS
        .iter()
        .find_map(|w| lower.strip_suffix(w))
        .map(str::trim_end);
    if let Some(y) = stem.and_then(school_year) {
        return Ok(Some(y));
    }
    let bare = stem.filter(|b| b.len() == 4 && b.bytes().all(|c| c.is_ascii_digit()));
    let s = bare.unwrap_or(s);
    match integer(s) {
        Ok(None) => Ok(None),
        Ok(Some(y)) if YEARS.contains(&y) => Ok(Some(y as u16)),
        Ok(Some(y)) => Err(format!(
            "год {y} вне допустимых пределов: нужен год от {} до {}",
            YEARS.start(),
            YEARS.end()
        )),
        // A whole number too long for `integer`: out of range, not text.
        Err(NotANumber) if number(s).is_some_and(|v| v.fract() == 0.0) => Err(format!(
            "год {} вне допустимых пределов: нужен год от {} до {}",
            s.trim(),
            YEARS.start(),
            YEARS.end()
        )),
        Err(NotANumber) => Err(format!(
            "неверный год «{}»: нужно целое число, например 2025",
            s.trim()
        )),
    }
}

/// The words a year field may end with, longest first («уч. год» before
/// «год»), lower case.
const YEAR_WORDS: [&str; 10] = [
    "учебный год",
    "уч. год",
    "уч.год",
    "уч. г.",
    "уч.г.",
    "гг.",
    "гг",
    "год",
    "г.",
    "г",
];

/// An exam or school mark: a whole number 2..5, or the mark in words as
/// registers and GIA protocols write it («отл.», «хорошо», «удовл.», «неуд.»),
/// or both («5 (отлично)»). `None` for anything else.
pub fn mark(s: &str) -> Option<u8> {
    let t = s.trim();
    if let Ok(Some(m)) = integer(t) {
        return (2..=5).contains(&m).then_some(m as u8);
    }
    // «5 (отлично)», «5 - отлично»: the digit, if the words agree with it.
    let digit = t.chars().next().and_then(|c| c.to_digit(10));
    let words = match digit {
        Some(_) => t[1..].trim_matches(|c: char| c.is_whitespace() || "()-–—:".contains(c)),
        None => t,
    };
    let key: String = (words.to_lowercase().replace('ё', "е").chars())
        .filter(|c| !matches!(c, '.' | ' '))
        .collect();
    let by_word = match key.as_str() {
        "отлично" | "отл" => 5,
        "хорошо" | "хор" => 4,
        "удовлетворительно" | "удовлетв" | "удовл" | "удов" | "уд" => {
            3
        }
        "неудовлетворительно" | "неудовлетв" | "неудовл" | "неуд" | "неуд2" => {
            2
        }
        _ => return None,
    };
    match digit {
        Some(d) if d != u32::from(by_word) => None,
        _ => Some(by_word),
    }
}

/// A school year written as «2024/2025» (or «2024-2025», «2024–25»): the
/// procedures of a school year are held in its spring, so the year is the
/// second one.
pub fn school_year(s: &str) -> Option<u16> {
    let (a, b) = s.trim().split_once(['/', '-', '–'])?;
    let (a, b) = (a.trim(), b.trim());
    let first: u16 = a.parse().ok().filter(|_| a.len() == 4)?;
    let second: u16 = match b.len() {
        4 => b.parse().ok()?,
        2 => first / 100 * 100 + b.parse::<u16>().ok()?,
        _ => return None,
    };
    (second == first + 1 && YEARS.contains(&i64::from(second))).then_some(second)
}

/// A value as a message shows it: control characters (a NUL byte, a stray
/// carriage return) written as `[0x00]` instead of printed invisibly, and a
/// very long text cut after 200 characters with the count of the rest.
pub fn visible(s: &str) -> String {
    const LIMIT: usize = 200;
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == LIMIT {
            let rest = s.chars().count() - LIMIT;
            out.push_str(&format!("… (ещё {rest} знаков)"));
            break;
        }
        if c.is_control() {
            out.push_str(&format!("[0x{:02X}]", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether a score or mark field says the pupil did not come: «н/я»,
/// «не явился», «неявка», «отсутствовал», «отс.» (case, dots and spaces aside).
pub fn absent(s: &str) -> bool {
    // Every such word starts with a letter, and a field that starts with a
    // digit (a score, nearly every field read) keeps it in front whatever is
    // dropped below: no need to build the key, three times a row.
    match s.trim_start().as_bytes().first() {
        None => return false,
        Some(b) if b.is_ascii_digit() => return false,
        _ => {}
    }
    let key: String = (s.trim().to_lowercase().replace('ё', "е").chars())
        .filter(|c| !matches!(c, '.' | ' '))
        .collect();
    matches!(
        key.as_str(),
        "н/я"
            | "н\\я"
            | "неявка"
            | "неявился"
            | "неявилась"
            | "неявился(ась)"
            | "отсутствовал"
            | "отсутствовала"
            | "отсутствует"
            | "отс"
            | "неписал"
            | "неписала"
    )
}

/// Parses a task score field.
pub fn score(s: &str) -> Result<Score, NotANumber> {
    let t = super::table::trim(s);
    match t {
        "" => Ok(Score::Absent),
        "X" | "x" | "Х" | "х" | "-" | "—" | "–" => Ok(Score::NotDone),
        _ => match number(t) {
            Some(v) if v >= 0.0 => Ok(Score::Value(v as f32)),
            _ => Err(NotANumber),
        },
    }
}

/// The grade of a text that starts with it, as pupils' lists write it:
/// «4 класс», «11 кл.», «4А», «5-й», «6 «Б»», «XI класс» → 4, 11, 4, 5, 6, 11. The number
/// must be followed by a letter, a space or a dash, and nothing but letters,
/// spaces and `.-«»"` may follow (so «4.5» or «4/5» are not grades).
pub fn grade_in_text(s: &str) -> Option<i64> {
    let t = s.trim();
    // Roman numerals, «IV» or «XI класс» (Latin letters, or Cyrillic Х for X).
    let word = t
        .split([' ', '-', '–'])
        .next()
        .unwrap_or("")
        .replace('Х', "X");
    const ROMAN: [&str; 8] = ["IV", "V", "VI", "VII", "VIII", "IX", "X", "XI"];
    if let Some(i) = ROMAN.iter().position(|r| *r == word) {
        let rest =
            t[t.find([' ', '-', '–']).unwrap_or(t.len())..].trim_start_matches([' ', '-', '–']);
        if rest.is_empty()
            || rest
                .chars()
                .all(|c| c.is_alphabetic() || c.is_whitespace() || c == '.')
        {
            return Some(i as i64 + 4);
        }
    }
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    let (number, rest) = t.split_at(digits);
    let first = rest.chars().next()?;
    let allowed = |c: char| c.is_alphabetic() || c.is_whitespace() || ".-–«»\"".contains(c);
    if digits == 0
        || digits > 2
        || !(first.is_alphabetic() || first.is_whitespace() || first == '-')
        || !rest.chars().all(allowed)
    {
        return None;
    }
    number.parse().ok()
}

/// Subject codes from codes, Russian names (`Русский язык` -> `RU`) or the
/// short forms of hand-typed tables ([`abbreviated`]).
pub fn subject(s: &str) -> Option<String> {
    full_subject(s).or_else(|| short_subject(s).map(str::to_owned))
}

/// Whether `s` names a subject only in a short form: «рус. яз.», «матем.»,
/// «РУ», or a code typed in Cyrillic letters that look Latin («МА», «ОК»).
/// The loader says so in a note, as it reads them.
pub fn abbreviated(s: &str) -> bool {
    full_subject(s).is_none() && short_subject(s).is_some()
}

/// A subject's short form: dots, spaces and dashes dropped, lower case, «ё»
/// as «е»; a code in Cyrillic look-alike letters is read as the Latin code
/// it looks like when obektiv knows that code.
fn short_subject(s: &str) -> Option<&'static str> {
    let key: String = (s.trim().to_lowercase().replace('ё', "е").chars())
        .filter(|c| !matches!(c, '.' | ' ' | '-' | '–' | '_' | '(' | ')'))
        .collect();
    const SHORT: &[(&str, &str)] = &[
        ("ру", "RU"),
        ("ря", "RU"),
        ("рус", "RU"),
        ("русск", "RU"),
        ("русяз", "RU"),
        ("русскяз", "RU"),
        ("мат", "MA"),
        ("матем", "MA"),
        ("матпроф", "MA"),
        ("матемпроф", "MA"),
        ("матбаз", "MB"),
        ("матбаза", "MB"),
        ("матембаз", "MB"),
        ("окрмир", "OK"),
        ("окружмир", "OK"),
        ("биол", "BI"),
        ("ист", "HI"),
        ("истор", "HI"),
        ("геогр", "GE"),
        ("общ", "SO"),
        ("обществ", "SO"),
        ("обществозн", "SO"),
        ("физ", "PH"),
        ("хим", "CH"),
        ("инф", "IN"),
        ("информ", "IN"),
        ("англ", "EN"),
        ("англяз", "EN"),
        ("нем", "DE"),
        ("немяз", "DE"),
        ("франц", "FR"),
        ("францяз", "FR"),
        ("лит", "LI"),
        ("литер", "LI"),
    ];
    if let Some((_, code)) = SHORT.iter().find(|(k, _)| *k == key) {
        return Some(code);
    }
    // Cyrillic letters that look Latin, as a code typed on a Russian layout.
    let latin: Option<String> = (s.trim().chars())
        .map(|c| match c {
            'А' | 'а' => Some('A'),
            'В' | 'в' => Some('B'),
            'Е' | 'е' => Some('E'),
            'К' | 'к' => Some('K'),
            'М' | 'м' => Some('M'),
            'Н' | 'н' => Some('H'),
            'О' | 'о' => Some('O'),
            'Р' | 'р' => Some('P'),
            'С' | 'с' => Some('C'),
            'Т' | 'т' => Some('T'),
            'Х' | 'х' => Some('X'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_uppercase()),
            _ => None,
        })
        .collect();
    let latin = latin?;
    const CODES: [&str; 17] = [
        "RU", "MA", "MB", "OK", "BI", "HI", "GE", "SO", "PH", "CH", "IN", "EN", "DE", "FR", "ES",
        "ZH", "LI",
    ];
    // Only a code with a Cyrillic letter in it: an ASCII code is read as a code.
    let cyrillic = !s.trim().is_ascii();
    CODES.into_iter().find(|c| cyrillic && *c == latin)
}

fn full_subject(s: &str) -> Option<String> {
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
        ("испанский язык", "ES"),
        ("китайский язык", "ZH"),
        ("литература", "LI"),
        ("математика (профиль)", "MA"),
        ("математика профиль", "MA"),
        ("профильная математика", "MA"),
        ("математика (профильная)", "MA"),
        ("математика (база)", "MB"),
        ("математика база", "MB"),
        ("базовая математика", "MB"),
        ("математика (базовая)", "MB"),
        ("английский", "EN"),
        ("немецкий", "DE"),
        ("французский", "FR"),
        ("иностранный язык (английский)", "EN"),
        ("иностранный язык (английский язык)", "EN"),
        ("иностранный язык (немецкий)", "DE"),
        ("иностранный язык (немецкий язык)", "DE"),
        ("иностранный язык (французский)", "FR"),
        ("иностранный язык (французский язык)", "FR"),
    ];
    let lower = lower.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((_, code)) = NAMES.iter().find(|(n, _)| *n == lower) {
        return Some((*code).to_owned());
    }
    let is_code = t.chars().count() <= 6 && t.chars().all(|c| c.is_ascii_alphanumeric());
    is_code.then(|| t.to_ascii_uppercase())
}

/// Whether a subject code is one obektiv knows by name: a code outside them
/// is read, with a note (a typo would split a subject in two).
pub fn known_subject(code: &str) -> bool {
    crate::model::subject_name(code) != code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absence_is_told_apart_from_a_score() {
        for s in [
            "н/я",
            "Н/Я",
            " н\\я ",
            "не явился",
            "Неявка",
            "отс.",
            "Отсутствовал",
        ] {
            assert!(absent(s), "{s}");
        }
        for s in ["", "0", "2", "X", "-", "н", "нет"] {
            assert!(!absent(s), "{s}");
        }
    }

    #[test]
    fn short_subjects_and_cyrillic_codes() {
        for (s, code) in [
            ("рус. яз.", "RU"),
            ("Рус.яз", "RU"),
            ("РУ", "RU"),
            ("матем.", "MA"),
            ("Мат. (баз.)", "MB"),
            ("окр. мир", "OK"),
            ("англ. яз.", "EN"),
            ("Обществозн.", "SO"),
            // Cyrillic М and А, О and К, С and Н.
            ("МА", "MA"),
            ("ОК", "OK"),
            ("СН", "CH"),
        ] {
            assert_eq!(subject(s).as_deref(), Some(code), "{s}");
            assert!(abbreviated(s), "{s}");
        }
        // Codes and full names are not short forms.
        for s in ["RU", "ma", "Русский язык", "Математика (профиль)"] {
            assert!(subject(s).is_some() && !abbreviated(s), "{s}");
        }
        // Cyrillic look-alikes of no known code, and unknown words.
        assert_eq!(subject("МОР"), None);
        assert_eq!(subject("пение"), None);
    }

    #[test]
    fn marks_in_words() {
        for (s, m) in [
            ("5", 5),
            ("4,0", 4),
            ("отл.", 5),
            ("Отлично", 5),
            ("хор.", 4),
            ("хорошо", 4),
            ("удовл.", 3),
            ("удовлетворительно", 3),
            ("уд.", 3),
            ("неуд.", 2),
            ("неудовлетворительно", 2),
            ("5 (отлично)", 5),
            ("3 - удовл.", 3),
            ("2 (неуд.)", 2),
        ] {
            assert_eq!(mark(s), Some(m), "{s}");
        }
        for s in [
            "",
            "1",
            "6",
            "4.5",
            "зачёт",
            "5 (хорошо)",
            "отличник",
            "5 5",
        ] {
            assert_eq!(mark(s), None, "{s}");
        }
    }

    #[test]
    fn a_year_with_its_word_is_the_year() {
        for s in [
            "2024-2025 уч. год",
            "2024/2025 учебный год",
            "2024-2025 Уч.год",
            "2024/25 уч. г.",
            "2024-2025 гг.",
        ] {
            assert_eq!(year(s), Ok(Some(2025)), "{s}");
        }
        // A text whose lower case is longer than itself is no trap.
        assert!(year("İİİİ год").is_err());
        for s in ["2025 г.", "2025г", "2025 год", " 2025 г. ", "2025 Г."] {
            assert_eq!(year(s), Ok(Some(2025)), "{s}");
        }
        assert!(year("г.").is_err());
        assert!(year("25 г.").is_err());
    }

    #[test]
    fn school_years_give_their_spring() {
        for s in [
            "2024/2025",
            "2024-2025",
            " 2024 / 2025 ",
            "2024–25",
            "2024/25",
        ] {
            assert_eq!(school_year(s), Some(2025), "{s}");
            assert_eq!(year(s), Ok(Some(2025)), "{s}");
        }
        for s in [
            "2025",
            "2024/2026",
            "2025/2024",
            "24/25",
            "2024/",
            "abcd/2025",
        ] {
            assert_eq!(school_year(s), None, "{s}");
        }
    }

    #[test]
    fn grades_written_with_text() {
        for (s, g) in [
            ("4 класс", 4),
            ("11 кл.", 11),
            ("4А", 4),
            ("4 А", 4),
            ("10-Б", 10),
            ("5-й", 5),
            ("6 «Б»", 6),
            (" 7 классы ", 7),
            ("IV", 4),
            ("XI класс", 11),
            ("ХI", 11),
            ("VIII кл.", 8),
        ] {
            assert_eq!(grade_in_text(s), Some(g), "{s}");
        }
        for s in [
            "4",
            "4.5",
            "4,0",
            "4/5",
            "класс 4",
            "",
            "4 класс 2",
            "123 класс",
            "4+",
        ] {
            assert_eq!(grade_in_text(s), None, "{s}");
        }
    }

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
    fn plain_numbers_read_like_the_general_path() {
        // The short paths (digits only; digits with `.`, sign or exponent)
        // against the standard library's parse of the same text.
        for s in [
            "0",
            "7",
            "007",
            "42",
            "999999999",
            "1000000000",
            "12345678901",
            "2.5",
            "-3",
            "+4",
            "1e3",
            "0.1",
            ".5",
            "5.",
            "1e400",
            "-",
            ".",
            "e",
            "1.2.3",
            "--1",
        ] {
            let expected = s.parse::<f64>().ok().filter(|v| v.is_finite());
            assert_eq!(number(s), expected, "{s}");
        }
    }

    #[test]
    fn visible_control_characters_and_long_texts() {
        assert_eq!(visible("sch\0ool"), "sch[0x00]ool");
        assert_eq!(visible("a\tb"), "a[0x09]b");
        assert_eq!(visible("школа"), "школа");
        let long = "я".repeat(250);
        let v = visible(&long);
        assert!(v.starts_with(&"я".repeat(200)), "{v}");
        assert!(v.ends_with("… (ещё 50 знаков)"), "{v}");
    }

    #[test]
    fn years_historic_and_out_of_range() {
        assert_eq!(year("1989"), Ok(Some(1989)));
        assert_eq!(year("1950"), Ok(Some(1950)));
        assert_eq!(year("2100"), Ok(Some(2100)));
        assert_eq!(year(" "), Ok(None));
        let old = year("1949").unwrap_err();
        assert!(old.contains("вне допустимых пределов"), "{old}");
        assert!(!old.contains("целое число"), "{old}");
        // «2025 г.» is the year (see a_year_with_its_word_is_the_year); a word
        // alone is not.
        let text = year("двадцать пятый").unwrap_err();
        assert!(text.contains("нужно целое число"), "{text}");
        assert!(year("2025,5").unwrap_err().contains("нужно целое число"));
        // A whole number past what `integer` holds is out of range too.
        let huge = year("18446744073709551617").unwrap_err();
        assert!(
            huge.contains("год 18446744073709551617 вне допустимых"),
            "{huge}"
        );
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
