//! Participant codes across files: a medal holder or a re-checked work
//! whose code differs from the results' only as spreadsheets rewrite numbers
//! (leading zeros, a trailing «.0») is matched to it, with a note.

use super::report::{Level, LoadReport};

/// Medal holders against the EGE works of their school and year: a code
/// that differs from an EGE participant's only as spreadsheets rewrite numbers
/// («0010001», «10001.0» and «10001»: [`loose_code`]) is taken as that participant's,
/// with a note; holders with no EGE work under their code are counted in a
/// warning (the medal rule cannot be checked for them).
pub(super) fn match_medal_codes(
    medals: &mut [crate::model::MedalRow],
    tests: &[crate::model::TestBlock],
    codes: &crate::model::StrPool,
    file: &str,
    report: &mut LoadReport,
) {
    use std::collections::{BTreeMap, BTreeSet, HashSet};
    if medals.is_empty() {
        return;
    }
    // Only the EGE cells of the schools and years with medal holders.
    let with_medals: BTreeSet<(u16, u32)> = medals.iter().map(|m| (m.year, m.school)).collect();
    let mut ege: HashSet<(u16, u32, &str)> = HashSet::new();
    for b in tests
        .iter()
        .filter(|b| b.key.exam == crate::model::Exam::Ege)
    {
        for span in (b.cells.iter()).filter(|s| with_medals.contains(&(b.key.year, s.school))) {
            for row in span.start as usize..span.end as usize {
                ege.insert((b.key.year, span.school, codes.get(b.student[row])));
            }
        }
    }
    let missing =
        |m: &crate::model::MedalRow| !ege.contains(&(m.year, m.school, m.student.as_str()));
    if !medals.iter().any(missing) {
        return;
    }
    // (year, school, the code as a number) → the EGE codes so written.
    let mut loose: BTreeMap<(u16, u32, &str), Vec<&str>> = BTreeMap::new();
    for &(y, s, c) in &ege {
        if let Some(n) = loose_code(c) {
            loose.entry((y, s, n)).or_default().push(c);
        }
    }
    // The set's order is not the data's: each list in code order.
    for list in loose.values_mut() {
        list.sort_unstable();
    }
    let (mut renamed, mut example, mut unmatched, mut first_unmatched) =
        (0usize, None, 0usize, None);
    for m in medals.iter_mut() {
        if ege.contains(&(m.year, m.school, m.student.as_str())) {
            continue;
        }
        let found = loose_code(&m.student)
            .and_then(|n| loose.get(&(m.year, m.school, n)))
            .filter(|c| c.len() == 1);
        match found {
            Some(c) => {
                example.get_or_insert_with(|| format!("«{}» — «{}»", m.student, c[0]));
                m.student = c[0].to_owned();
                renamed += 1;
            }
            None => {
                unmatched += 1;
                first_unmatched.get_or_insert_with(|| m.student.clone());
            }
        }
    }
    if renamed > 0 {
        // medals.csv's rows stay in (year, school, student) order.
        medals.sort_by(|a, b| (a.year, a.school, &a.student).cmp(&(b.year, b.school, &b.student)));
    }
    if let Some(example) = example {
        report.note(
            Level::Info,
            file,
            0,
            format!(
                "коды участников записаны не так, как в файлах ЕГЭ (например, \
                 {example}): сопоставлены как числа, без ведущих нулей и «.0» (медалистов: {renamed})"
            ),
        );
    }
    if let Some(code) = first_unmatched {
        report.warn(
            file,
            0,
            format!(
                "у медалистов ({unmatched}) нет работ ЕГЭ с тем же кодом участника в той же ОО \
                 и в том же году (например, «{}»): для них правило получения медали не \
                 проверено",
                super::values::visible(&code)
            ),
        );
    }
}

/// A participant code read as the number it is, as spreadsheets rewrite
/// numbers: leading zeros and a trailing «.0» dropped («0010003», «10003.0»
/// → «10003»). `None` for a code that is not a whole number.
fn loose_code(code: &str) -> Option<&str> {
    let whole = (code.strip_suffix(".0"))
        .or_else(|| code.strip_suffix(",0"))
        .unwrap_or(code);
    let digits = !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| whole.trim_start_matches('0'))
}

/// Re-checked works against the results of their test and school: a code
/// that differs from a participant's only by leading zeros («0010003» and
/// «10003») is taken as that participant's, with a note.
pub(super) fn match_recheck_codes(
    recheck: &mut [crate::model::TestBlock],
    results: &[crate::model::TestBlock],
    codes: &crate::model::StrPool,
    file: &str,
    report: &mut LoadReport,
) {
    use std::collections::{BTreeMap, BTreeSet};
    let (mut renamed, mut example) = (0usize, None);
    for rb in recheck.iter_mut() {
        let Some(block) = results.iter().find(|b| b.key == rb.key) else {
            continue;
        };
        // Only the schools re-checked in this test.
        let schools: BTreeSet<u32> = rb.cells.iter().map(|c| c.school).collect();
        let mut exact: BTreeSet<(u32, &str)> = BTreeSet::new();
        let mut loose: BTreeMap<(u32, &str), Vec<u32>> = BTreeMap::new();
        for span in (block.cells.iter()).filter(|c| schools.contains(&c.school)) {
            for r in span.start as usize..span.end as usize {
                let code = codes.get(block.student[r]);
                exact.insert((span.school, code));
                if let Some(n) = loose_code(code) {
                    let ids = loose.entry((span.school, n)).or_default();
                    if !ids.contains(&block.student[r]) {
                        ids.push(block.student[r]);
                    }
                }
            }
        }
        for span in &rb.cells {
            for r in span.start as usize..span.end as usize {
                let code = codes.get(rb.student[r]);
                if exact.contains(&(span.school, code)) {
                    continue;
                }
                if let Some([id]) = loose_code(code)
                    .and_then(|n| loose.get(&(span.school, n)))
                    .map(Vec::as_slice)
                {
                    example.get_or_insert_with(|| format!("«{code}» — «{}»", codes.get(*id)));
                    rb.student[r] = *id;
                    renamed += 1;
                }
            }
        }
    }
    if let Some(example) = example {
        report.note(
            Level::Info,
            file,
            0,
            format!(
                "коды участников записаны не так, как в файлах результатов \
                 (например, {example}): сопоставлены как числа, без ведущих нулей и «.0» (работ: {renamed})"
            ),
        );
    }
}
