//! schools.csv: one row per school.

use std::collections::BTreeMap;

use crate::error::LoadError;
use crate::model::{Locality, School};

use super::columns::{ColumnMap, ColumnSpec, SCHOOLS};
use super::report::LoadReport;
use super::table::{ShortRows, Table};
use super::values::visible;

/// The schools read, and the ids whose rows could not be used with the reason,
/// so that a work of such a school is rejected for that reason and not as
/// «not in schools.csv».
#[derive(Debug, Default)]
pub struct Schools {
    pub schools: Vec<School>,
    pub unusable: BTreeMap<String, String>,
    /// Each id folded ([`fold`]), and its school when no other id folds the
    /// same (`edu050001`, `EDU050001`, `еdu050001` with a Cyrillic «е» and
    /// `edu 050001` all read).
    folded: BTreeMap<String, Option<usize>>,
    /// Each name folded, and its school when no other school has it.
    names: BTreeMap<String, Option<usize>>,
}

/// How a school was found in a results file typed by hand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Loose {
    /// Its login in another letter case, with Cyrillic look-alike letters or
    /// spaces.
    Login,
    /// Its name instead of its login.
    Name,
}

/// A login or name as typed by hand, folded: lower case, Cyrillic letters
/// that look Latin as the Latin ones (а е о р с у х к м т в н), «ё» as «е»,
/// no spaces, quotes or dashes.
fn fold(s: &str) -> String {
    (s.to_lowercase().chars())
        .filter(|c| !c.is_whitespace() && !matches!(c, '"' | '«' | '»' | '\'' | '-' | '–' | '—'))
        .map(|c| match c {
            'а' => 'a',
            'е' | 'ё' => 'e',
            'о' => 'o',
            'р' => 'p',
            'с' => 'c',
            'у' => 'y',
            'х' => 'x',
            'к' => 'k',
            'м' => 'm',
            'т' => 't',
            'в' => 'b',
            'н' => 'h',
            c => c,
        })
        .collect()
}

impl Schools {
    /// The index of school `id`, or the Russian reason it cannot be used.
    pub fn find(&self, id: &str) -> Result<usize, String> {
        self.schools
            .binary_search_by(|s| s.id.as_str().cmp(id))
            .map_err(|_| match self.unusable.get(id) {
                Some(why) => format!(
                    "строка ОО «{}» в schools.csv не принята: {why}",
                    visible(id)
                ),
                None => format!("ОО «{}» нет в schools.csv", visible(id)),
            })
    }

    /// The school whose id differs from `id` in letter case alone (one
    /// such school), for a results file typed by hand.
    pub fn find_any_case(&self, id: &str) -> Option<usize> {
        self.find_loose(id).map(|(i, _)| i)
    }

    /// The one school whose login folds as `id` does, else the one whose name
    /// does ([`fold`]), and how it was found.
    pub fn find_loose(&self, id: &str) -> Option<(usize, Loose)> {
        let key = fold(id);
        if let Some(i) = self.folded.get(&key).copied().flatten() {
            return Some((i, Loose::Login));
        }
        self.names
            .get(&key)
            .copied()
            .flatten()
            .map(|i| (i, Loose::Name))
    }
}

/// The municipality of a school whose row in schools.csv gives none.
pub const NO_MUNICIPALITY: &str = "муниципалитет не указан";

/// «нет», «-», «0»: no subject studied in depth, said as such.
fn is_no(s: &str) -> bool {
    matches!(s.to_lowercase().as_str(), "нет" | "-" | "—" | "0" | "no")
}

/// Reads the schools. A row without an id is rejected (so is a total line);
/// one without a name or municipality is kept, with a warning;
/// an unknown locality costs only that field (with a note); a repeated id keeps
/// its first row and rejects the later ones, saying whether they were copies.
pub fn load(
    table: &Table,
    file: &str,
    report: &mut LoadReport,
) -> Result<(Schools, u64), LoadError> {
    // A register's short name stands for the name where no full one is given.
    let probe: Vec<ColumnSpec> = (SCHOOLS.iter())
        .map(|s| ColumnSpec {
            required: false,
            ..*s
        })
        .collect();
    let probe = ColumnMap::build(&table.path, &table.headers, &probe, false)?;
    let short_only =
        probe.get(SCHOOLS, "short_name").is_some() && probe.get(SCHOOLS, "name").is_none();
    let specs: Vec<ColumnSpec> = (SCHOOLS.iter())
        .map(|s| ColumnSpec {
            required: s.required && !(s.name == "name" && short_only),
            ..*s
        })
        .collect();
    let map = ColumnMap::build(&table.path, &table.headers, &specs, false)?;
    map.note_unknown(file, report);
    let at = |name| map.get(SCHOOLS, name);
    let c_short = at("short_name");
    let (c_id, c_name, c_mun) = (at("school"), at("name").or(c_short), at("municipality"));
    let (c_kind, c_adv, c_loc) = (at("kind"), at("advanced_subjects"), at("locality"));
    let mut rows: Vec<(School, u64)> = Vec::new();
    let mut unusable: BTreeMap<String, String> = BTreeMap::new();
    let mut read = 0;
    let mut short = ShortRows::default();
    table.for_each_row(|row| {
        short.see(&row);
        read += 1;
        let get = |c: Option<usize>| c.map_or("", |c| row.get(c));
        let mut reject = |column: &str, value: &str, why: String| {
            if !get(c_id).is_empty() {
                let because = format!("строка {}: {why}", row.line);
                unusable.entry(get(c_id).to_owned()).or_insert(because);
            }
            report.reject(file, row.line, column, value, why);
        };
        if let Some(why) = row.malformed_reason(table.headers.len()) {
            return reject("", "", why);
        }
        // A total line of the list («Итого: 8 ОО»).
        let total = (0..table.headers.len()).map(|c| row.get(c)).find(|v| {
            let v = v.trim_start().to_lowercase();
            v.starts_with("итого") || v.starts_with("всего")
        });
        if let Some(v) = total {
            return reject("", v, "итоговая строка списка, а не ОО".to_owned());
        }
        if get(c_id).is_empty() {
            let head = (c_id.and_then(|c| table.headers.get(c))).map_or("school", |h| h.trim());
            return reject("school", "", format!("не заполнен столбец «{head}»"));
        }
        // Without a name or a municipality the school's results still count:
        // the login stands for the name, «муниципалитет не указан» for the
        // municipality, with a warning.
        for (c, what, instead) in [
            (c_name, "название", "вместо названия — логин"),
            (
                c_mun,
                "муниципалитет",
                "она отнесена к «муниципалитет не указан»",
            ),
        ] {
            if get(c).is_empty() {
                report.warn(
                    file,
                    row.line,
                    format!("у ОО «{}» не указан {what}: {instead}", visible(get(c_id))),
                );
            }
        }
        let loc = get(c_loc);
        let locality = match loc.to_lowercase().as_str() {
            "" => None,
            "urban" | "город" | "городская" | "городская местность" => {
                Some(Locality::Urban)
            }
            "rural" | "село" | "сельская" | "сельская местность" => {
                Some(Locality::Rural)
            }
            _ => {
                report.warn(
                    file,
                    row.line,
                    format!(
                        "неверный тип местности «{}» у ОО «{}»: нужно urban или rural \
                         (город или село); местность ОО считается неизвестной",
                        visible(loc),
                        visible(get(c_id))
                    ),
                );
                None
            }
        };
        let mut advanced_subjects = Vec::new();
        for part in get(c_adv).split([';', ',']).map(str::trim) {
            match super::values::subject(part) {
                Some(code) => advanced_subjects.push(code),
                None if part.is_empty() || is_no(part) => {}
                None => report.warn(
                    file,
                    row.line,
                    format!(
                        "предмет углублённого изучения «{}» у ОО «{}» не распознан: нужен код \
                         (MA, PH …) или название предмета; не учтён",
                        visible(part),
                        visible(get(c_id))
                    ),
                ),
            }
        }
        rows.push((
            School {
                id: get(c_id).to_owned(),
                name: Some(get(c_short))
                    .filter(|n| !n.is_empty())
                    .or(Some(get(c_name)).filter(|n| !n.is_empty()))
                    .unwrap_or(get(c_id))
                    .to_owned(),
                municipality: Some(get(c_mun))
                    .filter(|m| !m.is_empty())
                    .unwrap_or(NO_MUNICIPALITY)
                    .to_owned(),
                kind: get(c_kind).to_owned(),
                advanced_subjects,
                locality,
            },
            row.line,
        ));
    })?;
    short.note(file, report);
    one_spelling(&mut rows, file, report);
    rows.sort_by(|a, b| a.0.id.cmp(&b.0.id).then(a.1.cmp(&b.1)));
    let mut kept: Vec<(School, u64)> = Vec::with_capacity(rows.len());
    for (school, line) in rows {
        match kept.last() {
            Some((first, first_line)) if first.id == school.id => {
                let why = if same_school(first, &school) {
                    format!("повтор строки {first_line} (те же данные ОО)")
                } else {
                    format!(
                        "логин ОО уже встречался в строке {first_line} с другими данными; \
                         использована строка {first_line}"
                    )
                };
                report.reject(file, line, "school", &school.id, why);
            }
            _ => kept.push((school, line)),
        }
    }
    let schools: Vec<School> = kept.into_iter().map(|(s, _)| s).collect();
    // An id with a usable row elsewhere is not unusable.
    let unusable = unusable
        .into_iter()
        .filter(|(id, _)| schools.binary_search_by(|s| s.id.as_str().cmp(id)).is_err())
        .collect();
    let (mut folded, mut names) = (BTreeMap::new(), BTreeMap::new());
    for (i, school) in schools.iter().enumerate() {
        for (map, key) in [(&mut folded, &school.id), (&mut names, &school.name)] {
            (map.entry(fold(key)))
                .and_modify(|e: &mut Option<usize>| *e = None)
                .or_insert(Some(i));
        }
    }
    Ok((
        Schools {
            schools,
            unusable,
            folded,
            names,
        },
        read,
    ))
}

/// One spelling per municipality: names that differ only in letter case,
/// «ё» / «е» or spaces («Красногорский  район», «красногорский район») are
/// one municipality, written as most of its rows write it (the first such
/// row on a tie), with a note naming the spellings merged.
fn one_spelling(rows: &mut [(School, u64)], file: &str, report: &mut LoadReport) {
    let spaced = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let fold = |s: &str| spaced(s).to_lowercase().replace('ё', "е");
    // Per folded name: each spelling's rows and its first line.
    let mut spellings: BTreeMap<String, BTreeMap<String, (usize, u64)>> = BTreeMap::new();
    for (school, line) in rows.iter() {
        let e = (spellings.entry(fold(&school.municipality)).or_default())
            .entry(school.municipality.clone())
            .or_insert((0, *line));
        e.0 += 1;
        e.1 = e.1.min(*line);
    }
    let mut chosen: BTreeMap<String, String> = BTreeMap::new();
    for (folded, forms) in &spellings {
        let (best, _) = (forms.iter())
            .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
            .expect("a name has a spelling");
        let best = spaced(best);
        if forms.len() > 1 || forms.keys().any(|f| *f != best) {
            let all: Vec<String> = forms.keys().map(|f| format!("«{}»", visible(f))).collect();
            report.warn(
                file,
                0,
                format!(
                    "муниципалитет записан по-разному ({}): это один муниципалитет, «{}»",
                    all.join(", "),
                    visible(&best)
                ),
            );
        }
        chosen.insert(folded.clone(), best);
    }
    for (school, _) in rows.iter_mut() {
        school.municipality = chosen[&fold(&school.municipality)].clone();
    }
}

fn same_school(a: &School, b: &School) -> bool {
    a.name == b.name
        && a.municipality == b.municipality
        && a.kind == b.kind
        && a.advanced_subjects == b.advanced_subjects
        && a.locality == b.locality
}
