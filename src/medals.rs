//! Medals against the EGE rule — a data-quality check, not a statistic.
//!
//! From 2024 a medal «За особые успехи в учении» needs, besides the school's
//! own final marks, EGE results (Порядок выдачи медали, приказ Минпросвещения
//! России от 29.09.2023 № 730): the I degree (gold) EGE Russian ≥ 70 and ≥ 70
//! in one more EGE subject, or «5» in base mathematics; the II degree (silver)
//! Russian ≥ 60 and ≥ 60 in one more subject. The thresholds are bundled per
//! year as data (`data/rules/medals.csv`, with the source), so a later order
//! is one row. Base mathematics for silver is taken as «4» or better there (the
//! lenient reading: a note must not be raised on a legitimate medal).
//!
//! Each medal holder of medals.csv is matched to the EGE works of the same
//! year, school and student code. Where the rule applies and the holder's
//! results do not meet it, the check says so with the numbers (a note in
//! notes.csv and a table in the справка's data-quality section); a holder with
//! no EGE works found is listed apart (the codes may not match). Nothing here
//! enters the evidence of a school.

use std::collections::BTreeMap;

use crate::model::{Dataset, Exam, Medal, NO_MARK, NO_TEST_SCORE};

/// The rule of one medal from a year on.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub from_year: u16,
    pub medal: Medal,
    pub russian_min: u8,
    pub other_min: u8,
    /// The base-mathematics mark that passes in place of another subject.
    pub base_math_mark_min: u8,
    pub source: String,
}

const BUNDLED: &str = include_str!("../data/rules/medals.csv");

/// The bundled rules (read once).
pub fn rules() -> &'static [Rule] {
    static RULES: std::sync::OnceLock<Vec<Rule>> = std::sync::OnceLock::new();
    RULES.get_or_init(read_rules)
}

fn read_rules() -> Vec<Rule> {
    let mut r = csv::Reader::from_reader(BUNDLED.as_bytes());
    r.records()
        .filter_map(Result::ok)
        .filter_map(|x| {
            Some(Rule {
                from_year: x.get(0)?.parse().ok()?,
                medal: match x.get(1)? {
                    "gold" => Medal::Gold,
                    "silver" => Medal::Silver,
                    _ => return None,
                },
                russian_min: x.get(2)?.parse().ok()?,
                other_min: x.get(3)?.parse().ok()?,
                base_math_mark_min: x.get(4)?.parse().ok()?,
                source: x.get(5)?.to_owned(),
            })
        })
        .collect()
}

/// The rule in force for `medal` in `year` (the latest from an earlier year).
fn rule_for(rules: &[Rule], medal: Medal, year: u16) -> Option<&Rule> {
    (rules.iter())
        .filter(|r| r.medal == medal && r.from_year <= year)
        .max_by_key(|r| r.from_year)
}

/// One medal holder's check.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub year: u16,
    pub school: u32,
    pub student: String,
    pub medal: Medal,
    /// EGE Russian test score.
    pub russian: Option<u8>,
    /// The best other EGE subject (code, test score).
    pub best_other: Option<(String, u8)>,
    /// The base-mathematics mark.
    pub base_math: Option<u8>,
    pub outcome: Outcome,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Met,
    NotMet,
    /// No EGE work of this student found in the folder.
    NoResults,
    /// No rule for that year (before 2024: medals by marks only).
    NoRule,
}

/// One EGE work of a student: subject code, test score, mark.
type Ege<'a> = (&'a str, u8, u8);

/// Checks every medal holder of the folder.
pub fn check(data: &Dataset) -> Vec<Check> {
    let rules = rules();
    // (year, school, student) → EGE results: (subject, test score, mark).
    let mut ege: BTreeMap<(u16, u32, &str), Vec<Ege<'_>>> = BTreeMap::new();
    for b in data.tests.iter().filter(|b| b.key.exam == Exam::Ege) {
        for span in &b.cells {
            for row in span.start as usize..span.end as usize {
                let student = data.codes.get(b.student[row]);
                ege.entry((b.key.year, span.school, student))
                    .or_default()
                    .push((b.key.subject.as_str(), b.test_score[row], b.mark[row]));
            }
        }
    }
    data.medals
        .iter()
        .map(|m| {
            let results = ege.get(&(m.year, m.school, m.student.as_str()));
            let score = |subject: &str| {
                (results.into_iter().flatten())
                    .filter(|r| r.0 == subject && r.1 != NO_TEST_SCORE)
                    .map(|r| r.1)
                    .max()
            };
            let russian = score("RU");
            let best_other = (results.into_iter().flatten())
                .filter(|r| r.0 != "RU" && r.0 != "MB" && r.1 != NO_TEST_SCORE)
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map(|r| (r.0.to_owned(), r.1));
            let base_math = (results.into_iter().flatten())
                .filter(|r| r.0 == "MB" && r.2 != NO_MARK)
                .map(|r| r.2)
                .max();
            let outcome = match (rule_for(rules, m.medal, m.year), results) {
                (None, _) => Outcome::NoRule,
                (Some(_), None) => Outcome::NoResults,
                (Some(r), Some(_)) => {
                    let russian_ok = russian.is_some_and(|x| x >= r.russian_min);
                    let other_ok = best_other.as_ref().is_some_and(|o| o.1 >= r.other_min)
                        || base_math.is_some_and(|x| x >= r.base_math_mark_min);
                    if russian_ok && other_ok {
                        Outcome::Met
                    } else {
                        Outcome::NotMet
                    }
                }
            };
            Check {
                year: m.year,
                school: m.school,
                student: m.student.clone(),
                medal: m.medal,
                russian,
                best_other,
                base_math,
                outcome,
            }
        })
        .collect()
}

/// «медаль I степени» / «медаль II степени».
pub fn medal_name(m: Medal) -> &'static str {
    match m {
        Medal::Gold => "медаль I степени",
        Medal::Silver => "медаль II степени",
    }
}

/// Why a holder's results do not meet the rule, in words with the numbers.
pub fn reason(c: &Check) -> String {
    let Some(r) = rule_for(rules(), c.medal, c.year) else {
        return String::new();
    };
    let shown =
        |x: Option<u8>| x.map_or("нет результата".to_owned(), |v| v.to_string());
    let other = c.best_other.as_ref().map_or("нет".to_owned(), |(s, v)| {
        format!("{} — {v}", crate::model::subject_name(s))
    });
    format!(
        "{}: нужно ЕГЭ по русскому языку не менее {} и по другому предмету не менее {} \
         (или отметка не ниже «{}» по математике базового уровня); у выпускника: русский язык — {}, \
         лучший другой предмет: {}, математика базового уровня — {}",
        medal_name(c.medal),
        r.russian_min,
        r.other_min,
        r.base_math_mark_min,
        shown(c.russian),
        other,
        c.base_math
            .map_or("не сдавал(а)".to_owned(), |m| format!("«{m}»")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_rules_read_and_apply_from_2024() {
        let r = rules();
        assert_eq!(r.len(), 2, "{r:?}");
        let gold = rule_for(r, Medal::Gold, 2025).unwrap();
        assert_eq!(
            (gold.russian_min, gold.other_min, gold.base_math_mark_min),
            (70, 70, 5)
        );
        let silver = rule_for(r, Medal::Silver, 2024).unwrap();
        assert_eq!((silver.russian_min, silver.other_min), (60, 60));
        assert!(rule_for(r, Medal::Gold, 2023).is_none());
        assert!(gold.source.contains("№ 730"));
    }
}
