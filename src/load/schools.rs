//! schools.csv: one row per school.

use crate::error::LoadError;
use crate::model::{Locality, School};

use super::columns::{ColumnMap, SCHOOLS};
use super::report::LoadReport;
use super::table::Table;

/// Reads the schools, rejecting rows without an id, name or municipality and
/// repeated ids (all copies of a repeated id are rejected unless identical).
pub fn load(
    table: &Table,
    file: &str,
    report: &mut LoadReport,
) -> Result<(Vec<School>, u64), LoadError> {
    let map = ColumnMap::build(&table.path, &table.headers, SCHOOLS, false)?;
    let at = |name| map.get(SCHOOLS, name);
    let (c_id, c_name, c_mun) = (at("school"), at("name"), at("municipality"));
    let (c_kind, c_adv, c_loc) = (at("kind"), at("advanced_subjects"), at("locality"));
    let mut rows: Vec<(School, u64)> = Vec::new();
    let mut read = 0;
    table.for_each_row(|row| {
        read += 1;
        let get = |c: Option<usize>| c.map_or("", |c| row.get(c));
        if row.ragged {
            report.reject(
                file,
                row.line,
                "",
                "",
                format!(
                    "полей в строке: {}, а в заголовке: {} (строка обрезана или сдвинута?)",
                    row.fields.len(),
                    table.headers.len()
                ),
            );
            return;
        }
        for (c, name, what) in [
            (c_id, "school", "логин ОО"),
            (c_name, "name", "название ОО"),
            (c_mun, "municipality", "муниципалитет"),
        ] {
            if get(c).is_empty() {
                let why = format!("не заполнен столбец {name} ({what})");
                report.reject(file, row.line, name, "", why);
                return;
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
                report.reject(
                    file,
                    row.line,
                    "locality",
                    loc,
                    format!(
                        "неверный тип местности «{loc}»: нужно urban или rural (город или село)"
                    ),
                );
                return;
            }
        };
        let advanced_subjects = get(c_adv)
            .split([';', ','])
            .filter_map(super::values::subject)
            .collect();
        rows.push((
            School {
                id: get(c_id).to_owned(),
                name: get(c_name).to_owned(),
                municipality: get(c_mun).to_owned(),
                kind: get(c_kind).to_owned(),
                advanced_subjects,
                locality,
            },
            row.line,
        ));
    })?;
    rows.sort_by(|a, b| a.0.id.cmp(&b.0.id).then(a.1.cmp(&b.1)));
    let mut schools: Vec<School> = Vec::with_capacity(rows.len());
    let mut i = 0;
    while i < rows.len() {
        let j = (i..rows.len())
            .find(|&j| rows[j].0.id != rows[i].0.id)
            .unwrap_or(rows.len());
        let same = rows[i..j].iter().all(|(s, _)| same_school(s, &rows[i].0));
        if same {
            for (_, line) in &rows[i + 1..j] {
                report.reject(
                    file,
                    *line,
                    "school",
                    &rows[i].0.id,
                    format!("повтор строки {} (те же данные ОО)", rows[i].1),
                );
            }
            schools.push(rows[i].0.clone());
        } else {
            let lines: Vec<String> = rows[i..j].iter().map(|(_, l)| l.to_string()).collect();
            for (_, line) in &rows[i..j] {
                report.reject(
                    file,
                    *line,
                    "school",
                    &rows[i].0.id,
                    format!(
                        "логин ОО встречается в строках {} с разными данными; оставьте одну строку",
                        lines.join(", ")
                    ),
                );
            }
        }
        i = j;
    }
    Ok((schools, read))
}

fn same_school(a: &School, b: &School) -> bool {
    a.name == b.name
        && a.municipality == b.municipality
        && a.kind == b.kind
        && a.advanced_subjects == b.advanced_subjects
        && a.locality == b.locality
}
