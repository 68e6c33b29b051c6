//! The first pages of the справка, for the head of department: the year in
//! numbers beside the year before, the municipalities most affected, what the
//! cross-check will look at, and the table by municipality (schools with
//! results, on the list, share, change from the year before).

use std::collections::{BTreeMap, BTreeSet};

use super::Inputs;
use super::doc::{Page, Tone};
use super::html::{int, pct, plural};
use crate::sample::Stratum;

/// One municipality in one year: schools with results, schools on the list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    pub schools: u32,
    pub listed: u32,
}

/// The year's figures of the справка's schools (all, or the municipality's).
struct Year {
    schools: u64,
    works: u64,
    marked: u64,
    listed: u64,
}

fn year_of(inputs: &Inputs<'_>, y: u16, in_scope: &dyn Fn(u32) -> bool) -> Year {
    let data = inputs.data;
    let index = data.cell_index();
    let (mut works, mut marked) = (0u64, 0u64);
    for (v, (t, c)) in inputs.analysis.evidence.cells.iter().zip(&index) {
        let cell = &data.tests[*t].cells[*c];
        if data.tests[*t].key.year == y && in_scope(cell.school) {
            works += cell.len() as u64;
            marked += u64::from(v.marker);
        }
    }
    Year {
        schools: (schools_of(inputs, y).into_iter())
            .filter(|&s| in_scope(s))
            .count() as u64,
        works,
        marked,
        listed: (inputs.analysis.list.iter())
            .filter(|e| e.year == y && in_scope(e.school))
            .count() as u64,
    }
}

/// Schools with results in `year`.
fn schools_of(inputs: &Inputs<'_>, year: u16) -> BTreeSet<u32> {
    (inputs.data.tests.iter())
        .filter(|t| t.key.year == year)
        .flat_map(|t| t.cells.iter().map(|c| c.school))
        .collect()
}

/// Per municipality (by name), its count in `year`.
pub fn by_municipality<'a>(inputs: &Inputs<'a>, year: u16) -> BTreeMap<&'a str, Count> {
    let listed: BTreeSet<u32> = (inputs.analysis.list.iter())
        .filter(|e| e.year == year)
        .map(|e| e.school)
        .collect();
    let mut out: BTreeMap<&str, Count> = BTreeMap::new();
    for s in schools_of(inputs, year) {
        let m = (out.entry(inputs.data.schools[s as usize].municipality.as_str())).or_default();
        m.schools += 1;
        m.listed += u32::from(listed.contains(&s));
    }
    out
}

/// The most municipalities the справка shows one by one (in its table, and
/// in its chart [`CHART_MUNICIPALITIES`]): a region has 15–70; a folder of
/// the whole country (2 000) gets the ones with most listed schools, and the
/// rest as one line.
pub const TABLE_MUNICIPALITIES: usize = 60;
pub const CHART_MUNICIPALITIES: usize = 40;

/// The municipalities with most listed schools first (then the larger share,
/// then by name).
pub fn most_listed_first<'a>(munis: &BTreeMap<&'a str, Count>) -> Vec<(&'a str, Count)> {
    let share = |c: &Count| f64::from(c.listed) / f64::from(c.schools.max(1));
    let mut order: Vec<(&str, Count)> = munis.iter().map(|(m, c)| (*m, *c)).collect();
    order.sort_by(|x, y| {
        (y.1.listed.cmp(&x.1.listed))
            .then(share(&y.1).total_cmp(&share(&x.1)))
            .then(x.0.cmp(y.0))
    });
    order
}

/// The municipalities shown one by one — all of them, or the `k` with most
/// listed schools ([`most_listed_first`]) — and the rest, each in name order.
pub fn shown_and_rest<'a>(
    munis: &BTreeMap<&'a str, Count>,
    k: usize,
) -> (Vec<&'a str>, Vec<&'a str>) {
    let top: BTreeSet<&str> = (most_listed_first(munis).into_iter())
        .take(k)
        .map(|(m, _)| m)
        .collect();
    munis.keys().copied().partition(|m| top.contains(m))
}

/// The counts of `names` summed (those `counts` has).
pub fn sum_of(names: &[&str], counts: &BTreeMap<&str, Count>) -> Count {
    names
        .iter()
        .filter_map(|m| counts.get(m))
        .fold(Count::default(), |a, c| Count {
            schools: a.schools + c.schools,
            listed: a.listed + c.listed,
        })
}

/// «3 (в 2024 году — 5)».
fn with_before(now: u64, before: Option<(u16, u64)>) -> String {
    match before {
        Some((y, b)) => format!("{} (в {y} году — {})", int(now), int(b)),
        None => int(now),
    }
}

/// Section «Итоги года».
pub fn section(page: &mut Page, inputs: &Inputs<'_>, ys: &[u16]) {
    page.h2("summary", "Итоги года", false);
    let Some(&year) = ys.last() else {
        page.p("В папке нет результатов.");
        return;
    };
    // A folder of a few schools without the region's figures: said first.
    let min = inputs.config.signs.min_cells;
    if crate::risk::too_few_schools(inputs.data, min) {
        page.p_tone(
            Tone::Note,
            &format!(
                "В данных меньше {min} ОО, и показателей региона (reference.csv) нет: признаки \
                 сравнивают каждую ОО лишь с несколькими другими, и большинство из них по таким \
                 данным не проверяется. Выводы этой справки ненадёжны. Для муниципалитета \
                 получите reference.csv у регионального центра (команда obektiv reference по \
                 данным всего региона) и положите его в папку с данными."
            ),
        );
    }
    let prev = ys.iter().rev().nth(1).copied();
    let a = inputs.analysis;
    let scoped = |s: u32| inputs.in_scope(s);
    let now = year_of(inputs, year, &scoped);
    let before = prev.map(|p| (p, year_of(inputs, p, &scoped)));
    let was = |f: fn(&Year) -> u64| before.as_ref().map(|(p, b)| (*p, f(b)));
    let now_listed = now.listed;
    let first_time = (a.list.iter())
        .filter(|e| e.year == year && e.consecutive_years == 1 && inputs.in_scope(e.school))
        .count() as u64;
    let ((read, used, rejected), other) = inputs.load.results_totals();
    let mut rows = vec![
        (
            format!("ОО с результатами за {year} год"),
            with_before(now.schools, was(|y| y.schools)),
        ),
        (
            "Работ участников".to_owned(),
            with_before(now.works, was(|y| y.works)),
        ),
        (
            "Ячеек с признаками (процедура × предмет × класс в одной ОО)".to_owned(),
            with_before(now.marked, was(|y| y.marked)),
        ),
        (
            "ОО в перечне с признаками необъективности".to_owned(),
            with_before(now_listed, was(|y| y.listed)),
        ),
    ];
    if prev.is_some() {
        rows.push((
            "из них в перечне впервые / не первый год подряд".to_owned(),
            format!("{} / {}", int(first_time), int(now_listed - first_time)),
        ));
    }
    if inputs.scope.is_some() {
        let region = year_of(inputs, year, &|_| true);
        rows.push((
            format!("По всему региону: ОО в перечне / ОО с результатами, {year}"),
            format!(
                "{} из {} ({})",
                int(region.listed),
                int(region.schools),
                pct(region.listed as f64 / region.schools.max(1) as f64)
            ),
        ));
    }
    if let Some(s) = &a.sample {
        let works = (s.works.iter())
            .filter(|w| inputs.in_scope(w.school))
            .count() as u64;
        let schools = (s.schools.iter())
            .filter(|x| x.order > 0 && inputs.in_scope(x.school))
            .count() as u64;
        rows.push((
            format!("Выборка для перепроверки ({} год)", s.year),
            format!(
                "{} ОО, {} {}",
                int(schools),
                int(works),
                plural(works, ["работа", "работы", "работ"])
            ),
        ));
    }
    // The files are the whole folder's, also in a municipality's справка.
    let whole = if inputs.scope.is_some() {
        "По всему региону: строк"
    } else {
        "Строк"
    };
    rows.push((
        format!("{whole} результатов прочитано / использовано / отклонено"),
        format!("{} / {} / {}", int(read), int(used), int(rejected)),
    ));
    if other > 0 {
        rows.push((
            format!("{whole} в остальных файлах (ОО, задания, шкалы и другие)"),
            int(other),
        ));
    }
    page.figures(&rows);
    // Signs that these data could not check at all (no task scores, no
    // journal marks, …): said here, not only in the methods, so that an
    // empty list is not read as a clean region.
    let registry = crate::signs::REGISTRY;
    let checked = |id: &str| {
        (registry.iter().zip(&a.results.findings))
            .any(|(s, fs)| s.id() == id && fs.iter().any(|f| f.evaluated))
    };
    // A sign that stands in for another (S8 for S5) is no lack where the
    // other judged.
    let unchecked: Vec<&str> = (registry.iter())
        .filter(|s| !checked(s.id()))
        .filter(|s| !s.stands_in_for().is_some_and(checked))
        .map(|s| s.title())
        .collect();
    if !unchecked.is_empty() {
        let n = unchecked.len() as u64;
        page.p(&format!(
            "По этим данным не {} {n} из {} {}: в данных нет того, что им нужно (баллов за \
             задания, отметок по журналу, других процедур или медалей; причины — в разделе \
             «Методика»): {}. Перечень составлен по остальным признакам.",
            plural(n, ["проверен", "проверены", "проверены"]),
            registry.len(),
            // «из 15 признаков», «из 21 признака»: the genitive after «из».
            plural(
                registry.len() as u64,
                ["признака", "признаков", "признаков"]
            ),
            (unchecked.iter().map(|t| format!("«{t}»")))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }

    let munis = by_municipality(inputs, year);
    let most: Vec<(&str, Count)> = (most_listed_first(&munis).into_iter())
        .filter(|(_, c)| c.listed > 0)
        .collect();
    if now_listed == 0 {
        page.p(&format!("В {year} году в перечне нет ни одной ОО."));
    } else if munis.len() > 1 && inputs.scope.is_none() {
        let names: Vec<String> = (most.iter().take(3))
            .map(|(m, c)| format!("{m} ({} из {})", c.listed, c.schools))
            .collect();
        page.p(&format!(
            "Больше всего ОО с признаками в {year} году: {}.",
            names.join("; ")
        ));
    }
    if let Some(s) = &a.sample {
        let n = |st: Stratum| {
            s.schools
                .iter()
                .filter(|x| x.order > 0 && x.stratum == st && inputs.in_scope(x.school))
                .count()
        };
        let (risk, high, control) = (
            n(Stratum::Risk),
            n(Stratum::HighNoSigns),
            n(Stratum::Random),
        );
        let whose = if inputs.scope.is_some() {
            " муниципалитета"
        } else {
            ""
        };
        // With the commission's results read, the re-check is done: said so.
        let (covers, checked) = if inputs.analysis.recheck.is_some() {
            ("охватила", "перепроверялись")
        } else {
            ("охватит", "перепроверяются")
        };
        // An empty risk group is said to be empty, not counted as «0 из».
        let risk_part = if risk == 0 {
            "группы риска нет (в перечне этого года нет ОО, которые можно перепроверить); "
                .to_owned()
        } else {
            format!("{risk} из группы риска (первые по силе признаков в перечне), ")
        };
        // The kinds of works chosen, as the data allow them (without journal
        // marks no work differs from its journal mark).
        let has = |r: crate::sample::WorkReason| {
            (s.works.iter()).any(|w| w.reason == r && inputs.in_scope(w.school))
        };
        use crate::sample::WorkReason as R;
        let first: Vec<&str> = [
            (R::Cutoff, "работы на границе отметки"),
            (
                R::MarkGap,
                "работы, отметка за которые расходится с журнальной",
            ),
            (R::Identical, "совпадающие работы"),
        ]
        .into_iter()
        .filter(|(r, _)| has(*r))
        .map(|(_, text)| text)
        .collect();
        let works = match first.as_slice() {
            [] => "случайные работы".to_owned(),
            [one] => format!("прежде всего {one}, а также случайные работы"),
            [init @ .., last] => format!(
                "прежде всего {}{} и {last}, а также случайные работы",
                init.join(", "),
                // The clause «отметка за которые …» closes with a comma.
                if init.last().is_some_and(|t| t.contains("за которые")) {
                    ","
                } else {
                    ""
                }
            ),
        };
        page.p(&format!(
            "Перепроверка {} года {covers} {} ОО{whose}: {risk_part}{high} с высокими результатами \
             без признаков и {control} по жребию — контрольную группу, по которой видно, как \
             проверяют в остальных ОО. В каждой ОО {checked} {works}.",
            s.year,
            risk + high + control
        ));
    }
    municipalities(page, inputs, year, prev);
}

/// The table by municipality.
fn municipalities(page: &mut Page, inputs: &Inputs<'_>, year: u16, prev: Option<u16>) {
    let now = by_municipality(inputs, year);
    if now.len() < 2 {
        return;
    }
    let before = prev.map(|p| by_municipality(inputs, p)).unwrap_or_default();
    let (shown, rest) = shown_and_rest(&now, TABLE_MUNICIPALITIES);
    // A row: the municipality (or a group of them), its counts this year and,
    // with an earlier year, its listed schools then and the change.
    let row = |name: String, c: Count, b: Option<Count>| {
        let mut r = vec![
            name,
            c.schools.to_string(),
            c.listed.to_string(),
            pct(f64::from(c.listed) / f64::from(c.schools.max(1))),
        ];
        if prev.is_some() {
            r.push(b.map_or("—".to_owned(), |b| b.listed.to_string()));
            r.push(b.map_or("—".to_owned(), |b| change(c.listed, b.listed)));
        }
        r
    };
    let mut rows: Vec<Vec<String>> = (shown.iter())
        .map(|m| row((*m).to_owned(), now[m], before.get(m).copied()))
        .collect();
    if !rest.is_empty() {
        rows.push(row(
            format!("Остальные муниципалитеты ({})", rest.len()),
            sum_of(&rest, &now),
            Some(sum_of(&rest, &before)),
        ));
    }
    let all: Vec<&str> = now.keys().copied().collect();
    rows.push(row(
        "Всего".to_owned(),
        sum_of(&all, &now),
        Some(sum_of(&all, &before)),
    ));
    let mut headers = vec![
        "Муниципалитет".to_owned(),
        format!("ОО с результатами, {year}"),
        format!("В перечне, {year}"),
        "Доля".to_owned(),
    ];
    if let Some(p) = prev {
        headers.push(format!("В перечне, {p}"));
        headers.push("Изменение".to_owned());
    }
    page.h3("municipalities", "ОО с признаками по муниципалитетам");
    if !rest.is_empty() {
        page.p(&format!(
            "Муниципалитетов в данных: {}; по отдельности показаны {TABLE_MUNICIPALITIES} с \
наибольшим числом ОО в перечне, остальные — одной строкой.",
            int(now.len() as u64)
        ));
    }
    if sum_of(&all, &now).listed == 0 {
        // No chart of empty bars either (figures::overview).
        page.p(&format!(
            "В {year} году ни в одном муниципалитете нет ОО в перечне."
        ));
    }
    let numeric = [false, true, true, true, true, true];
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    page.table(&headers, &numeric[..headers.len()], &rows);
}

/// «+2», «−1», «0».
fn change(now: u32, before: u32) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", now - before),
        std::cmp::Ordering::Less => format!("−{}", before - now),
        std::cmp::Ordering::Equal => "0".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_municipalities_with_most_listed_schools_are_shown() {
        let c = |schools, listed| Count { schools, listed };
        let munis: BTreeMap<&str, Count> = [
            ("Б", c(10, 2)),
            ("А", c(4, 2)),
            ("В", c(30, 5)),
            ("Г", c(8, 0)),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            shown_and_rest(&munis, 4),
            (vec!["А", "Б", "В", "Г"], vec![])
        );
        // В has most listed; А and Б tie on 2, А has the larger share (2/4).
        assert_eq!(shown_and_rest(&munis, 2), (vec!["А", "В"], vec!["Б", "Г"]));
        assert_eq!(sum_of(&["Б", "Г", "Д"], &munis), c(18, 2));
    }

    #[test]
    fn change_is_signed_with_a_true_minus() {
        assert_eq!(change(3, 1), "+2");
        assert_eq!(change(1, 3), "−2");
        assert_eq!(change(2, 2), "0");
        assert_eq!(with_before(3, Some((2024, 5))), "3 (в 2024 году — 5)");
        assert_eq!(with_before(3, None), "3");
    }
}
