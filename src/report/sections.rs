//! The sections of report.html, in reading order.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;

use super::doc::{Page, Tone};
use super::figures::{self, Figure};
use super::html::{int, num, pct, plural};
use super::{Chart, Inputs, SCHOOL_SECTIONS};
use crate::risk::ListEntry;
use crate::sample::Stratum;
use crate::signs::Control;
use crate::signs::REGISTRY;

const DISCLAIMER: &str = "Признак необъективности — статистический сигнал, который требует \
внимания и проверки (перепроверки работ, наблюдения на процедуре, беседы с ОО). Он не является \
выводом о нарушении и не служит основанием для оценки работы отдельных учителей.";

fn years(inputs: &Inputs<'_>) -> Vec<u16> {
    inputs
        .data
        .tests
        .iter()
        .map(|b| b.key.year)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Places figures on the page, to be rendered at the end.
fn place(page: &mut Page, figs: &mut Vec<Figure>, new: Vec<Figure>) {
    for f in new {
        page.figure_slot(figs.len());
        figs.push(f);
    }
}

/// A figure of the document: its chart (or why it could not be drawn) and caption.
pub struct Rendered {
    pub caption: String,
    pub chart: Result<Chart, String>,
}

/// The document and its figures.
pub struct Built {
    pub title: String,
    pub page: Page,
    pub figures: Vec<Rendered>,
}

/// The document and its charts (rendered in parallel; the order is the page's).
pub fn build(inputs: &Inputs<'_>) -> Built {
    let mut page = Page::default();
    let mut figs: Vec<Figure> = Vec::new();
    let ys = years(inputs);
    let span = match (ys.first(), ys.last()) {
        (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
        (Some(a), _) => a.to_string(),
        _ => String::new(),
    };
    let title = match &inputs.scope {
        Some(sc) => format!(
            "Аналитическая справка: признаки необъективности результатов оценочных процедур, {span}. {}",
            sc.name
        ),
        // A folder of one municipality is named by it.
        None => match inputs.data.schools.first() {
            Some(first) if figures::whole_of(inputs.data).one_municipality => format!(
                "Аналитическая справка: признаки необъективности результатов оценочных процедур, {span}. {}",
                first.municipality
            ),
            _ => format!(
                "Аналитическая справка: признаки необъективности результатов оценочных процедур, {span}"
            ),
        },
    };
    page.h1(&title);
    page.p_tone(Tone::Note, DISCLAIMER);
    // A municipality's own folder: whom its schools are set against.
    if inputs.scope.is_none() && figures::whole_of(inputs.data).one_municipality {
        let against = if inputs.data.reference.region.is_empty() {
            "только между собой (показателей региона, reference.csv, в папке нет)"
        } else {
            "между собой и, где признак их использует, с показателями региона из reference.csv"
        };
        page.p(&format!(
            "Справка по данным одного муниципалитета ({} ОО): ОО сравниваются {against}. Поэтому \
             числа здесь могут отличаться от справки, составленной по данным всего региона.",
            int(inputs.data.schools.len() as u64)
        ));
    }
    if let Some(sc) = &inputs.scope {
        page.p(&format!(
            "Справка по ОО муниципалитета «{}» ({} ОО в данных). Признаки оценены по данным всего \
региона, и перечень составлен по всем ОО региона с тем же контролем доли ошибочных включений; \
здесь показаны ОО муниципалитета. Выборка для перепроверки отобрана среди ОО муниципалитета \
(своей жеребьёвкой). Перечень, список ОО с устойчиво объективными результатами и выборка \
(risk_list.xlsx, recheck_sample.xlsx и те же файлы csv) — только по ОО муниципалитета; таблицы \
ячеек и признаков (cells.xlsx, cells.csv, findings.csv) — по всему региону.",
            sc.name,
            sc.schools.len()
        ));
    }
    use crate::timings::stage;
    let comparison = super::comparison::present(inputs);
    page.contents();
    stage("  обзор", || {
        super::overview::section(&mut page, inputs, &ys)
    });
    stage("  графики обзора", || {
        place(&mut page, &mut figs, figures::overview(inputs))
    });
    if comparison {
        super::comparison::section(&mut page, inputs);
    }
    stage("  сдвиг к порогам", || {
        super::bunching::section(&mut page, inputs, ys.last().copied())
    });
    stage("  перечень", || risk_list(&mut page, inputs));
    stage("  разделы ОО", || {
        schools(&mut page, inputs, &mut figs)
    });
    stage("  выборка", || sample(&mut page, inputs, &mut figs));
    stage("  объективные ОО", || {
        objective(&mut page, inputs)
    });
    stage("  методы", || methods(&mut page, inputs));
    stage("  качество данных", || {
        quality(&mut page, inputs)
    });
    stage("  приложение", || appendix(&mut page, inputs));
    let rendered: Vec<Result<Chart, String>> =
        stage("  рисование графиков", || {
            figs.par_iter()
                .map(|f| f.render().map_err(|e| e.to_string()))
                .collect()
        });
    let figures = figs
        .into_iter()
        .zip(rendered)
        .map(|(f, chart)| Rendered {
            caption: f.caption,
            chart,
        })
        .collect();
    Built {
        title,
        page,
        figures,
    }
}

fn school_name(inputs: &Inputs<'_>, s: u32) -> (String, String, String) {
    let x = &inputs.data.schools[s as usize];
    (x.id.clone(), x.name.clone(), x.municipality.clone())
}

fn risk_list(page: &mut Page, inputs: &Inputs<'_>) {
    page.h2(
        "list",
        "Перечень ОО с признаками необъективности результатов",
        true,
    );
    page.p(
        "ОО включается в перечень по совокупности признаков во всех её ячейках за год (процедура, \
предмет, класс), с контролем доли ошибочных включений (см. «Методика»). «Сила признаков» — \
одно число, по которому ОО упорядочены и по которому проведён порог перечня: чем больше, тем \
менее вероятны такие результаты при объективной проверке (−lg p; 2 — p = 0,01, 5 — p = 0,00001). \
«Ячеек с признаками» — число ячеек, на которых держится вывод; «лет подряд» — сколько лет \
подряд, включая этот, ОО была в перечне. У каждой ячейки указана её доля в силе признаков.",
    );
    let listed: std::collections::BTreeSet<u16> = (inputs.analysis.list.iter())
        .filter(|e| inputs.in_scope(e.school))
        .map(|e| e.year)
        .collect();
    // Every year of the data, a year without a listed school said so.
    let ys: std::collections::BTreeSet<u16> =
        inputs.data.tests.iter().map(|t| t.key.year).collect();
    for y in ys.into_iter().rev() {
        page.h3(&format!("list-{y}"), &format!("{y} год"));
        if !listed.contains(&y) {
            page.p("В перечне нет ОО: ни у одной ОО сила признаков не достигла порога перечня.");
            continue;
        }
        let rows: Vec<(Vec<String>, Vec<String>)> = inputs
            .analysis
            .list
            .iter()
            .filter(|e| e.year == y && inputs.in_scope(e.school))
            .enumerate()
            .map(|(i, e)| {
                let (id, name, muni) = school_name(inputs, e.school);
                (
                    vec![
                        (i + 1).to_string(),
                        id,
                        name,
                        muni,
                        e.markers.to_string(),
                        e.consecutive_years.to_string(),
                        num(e.evidence, 1),
                    ],
                    e.reasons.clone(),
                )
            })
            .collect();
        page.table_with_lists(
            &[
                "№",
                "Логин",
                "ОО",
                "Муниципалитет",
                "Ячеек с признаками",
                "Лет подряд",
                "Сила признаков",
            ],
            &[true, false, false, false, true, true, true],
            &rows,
        );
    }
}

fn schools(page: &mut Page, inputs: &Inputs<'_>, figs: &mut Vec<Figure>) {
    let Some(&last) = years(inputs).last() else {
        return;
    };
    let listed: Vec<&ListEntry> = inputs
        .analysis
        .list
        .iter()
        .filter(|e| e.year == last && inputs.in_scope(e.school))
        .collect();
    page.h2("schools", &format!("ОО из перечня {last} года"), true);
    if listed.is_empty() {
        page.p("В этом году в перечне нет ОО.");
        return;
    }
    if listed.len() > SCHOOL_SECTIONS {
        page.p(&format!(
            "Ниже — первые {SCHOOL_SECTIONS} ОО по риску из {}; графики остальных строятся так же \
(все таблицы — в risk_list.csv и cells.csv).",
            listed.len()
        ));
    }
    // A page per school (the first follows the section's heading); the
    // schools' figures made on every core.
    let shown = &listed[..listed.len().min(SCHOOL_SECTIONS)];
    let regional = figures::Regional::of(inputs.data);
    let school_figs: Vec<Vec<Figure>> = shown
        .par_iter()
        .map(|e| figures::school(inputs, &regional, e))
        .collect();
    for (i, (e, f)) in shown.iter().zip(school_figs).enumerate() {
        let (id, name, muni) = school_name(inputs, e.school);
        page.h3_page(
            &format!("school-{id}"),
            &format!("{name} ({id}), {muni}"),
            i > 0,
        );
        page.list(&e.reasons);
        place(page, figs, f);
    }
}

fn sample(page: &mut Page, inputs: &Inputs<'_>, figs: &mut Vec<Figure>) {
    page.h2(
        "sample",
        "Выборка ОО и работ для перекрёстной перепроверки",
        true,
    );
    let Some(s) = &inputs.analysis.sample else {
        page.p("Выборка не построена: нет данных за выбранный год.");
        return;
    };
    page.p(&format!(
        "Год {}; число для жеребьёвки {} — его можно опубликовать: при тех же данных, настройках \
и этом числе выборка повторяется на любом компьютере. Как отбирались ОО и работы: {}.",
        s.year, s.seed, s.method
    ));
    if let Some(sc) = &inputs.scope {
        page.p(&format!(
            "Выборка отобрана среди ОО муниципалитета «{}» своей жеребьёвкой: с выборкой по \
всему региону она не совпадает.",
            sc.name
        ));
    }
    let rows: Vec<Vec<String>> = s
        .schools
        .iter()
        .filter(|x| inputs.in_scope(x.school))
        .map(|x| {
            let (id, name, muni) = school_name(inputs, x.school);
            vec![
                x.stratum.russian().to_owned(),
                if x.order == 0 {
                    String::new()
                } else {
                    x.order.to_string()
                },
                id,
                name,
                muni,
                int(x.works as u64),
                num(x.evidence, 1),
                x.reason.clone(),
            ]
        })
        .collect();
    page.table(
        &[
            "Группа",
            "№",
            "Логин",
            "ОО",
            "Муниципалитет",
            "Работ в ОО за год",
            "Сила признаков",
            "Основание",
        ],
        &[false, true, false, false, false, true, true, false],
        &rows,
    );
    let mut by_reason: BTreeMap<&str, usize> = BTreeMap::new();
    for w in s.works.iter().filter(|w| inputs.in_scope(w.school)) {
        *by_reason.entry(w.reason.code()).or_default() += 1;
    }
    let names = [
        ("cutoff", "на границе отметки"),
        (
            "mark_gap",
            "отметка за работу и по журналу расходятся на 2 и более",
        ),
        ("identical", "совпадают с другой работой по всем заданиям"),
        ("random", "случайный выбор"),
    ];
    page.p(&format!(
        "Работ для перепроверки: {} (список — recheck_works.csv): {}.",
        by_reason.values().sum::<usize>(),
        names
            .iter()
            .map(|(k, v)| format!("{v} — {}", by_reason.get(k).copied().unwrap_or(0)))
            .collect::<Vec<_>>()
            .join("; ")
    ));
    let Some(r) = &inputs.analysis.recheck else {
        return;
    };
    page.h3("recheck", "Результаты перепроверки");
    page.p(
        "Снижение — (исходный балл − балл перепроверки) / максимальный балл, в среднем по работам; \
в скобках 95-процентный доверительный интервал. Перепроверка баллов подтверждает признаки \
нестрогого оценивания (границы отметок, подгонка под журнал, завышение); списывание, подсказки \
и расхождения с журналом в баллах не видны.",
    );
    let rows: Vec<Vec<String>> = r
        .strata
        .iter()
        .map(|x| {
            let ci = |e: &crate::recheck::Estimate| match (e.low, e.high) {
                (Some(l), Some(h)) => format!("{} ({} … {})", pct(e.mean), pct(l), pct(h)),
                _ => pct(e.mean),
            };
            vec![
                x.stratum.map_or("вне выборки", Stratum::russian).to_owned(),
                x.schools.to_string(),
                x.works.to_string(),
                ci(&x.drop),
                format!("{} из {}", x.schools_found, x.schools),
                x.vs_random.as_ref().map_or(String::new(), ci),
            ]
        })
        .collect();
    page.table(
        &[
            "Группа",
            "ОО",
            "Работ",
            "Снижение баллов",
            "ОО с выявленным завышением",
            "Разница с контрольной",
        ],
        &[false, true, true, true, false, true],
        &rows,
    );
    // The schools themselves, by name: what the office acts on.
    let found: Vec<String> = (r.schools.iter())
        .filter(|x| x.inflation_found && inputs.in_scope(x.school))
        .map(|x| {
            let s = &inputs.data.schools[x.school as usize];
            format!("{} ({}, {}): {}", s.name, s.id, s.municipality, x.verdict)
        })
        .collect();
    if found.is_empty() {
        page.p("Ни в одной ОО перепроверка не выявила завышения баллов.");
    } else {
        page.p("ОО, в которых перепроверка выявила завышение баллов:");
        page.list(&found);
    }
    if !r.unmatched.is_empty() {
        page.p(&format!(
            "Строк перепроверки без пары в результатах: {} (recheck_unmatched.csv).",
            r.unmatched.len()
        ));
    }
    place(page, figs, figures::recheck(inputs));
}

fn objective(page: &mut Page, inputs: &Inputs<'_>) {
    page.h2(
        "objective",
        "ОО с устойчиво объективными результатами",
        true,
    );
    let c = &inputs.config.lists;
    page.p(&format!(
        "ОО, у которых в каждом году не менее {} ячеек с достаточным числом работ и совокупность \
признаков за год слабая (p ≥ {}: такие результаты обычны и при объективной проверке). Это ОО \
без признаков при достаточном объёме данных, а не подтверждение объективности: слабые или \
единичные искажения признаки могут не заметить, поэтому ОО из этого списка тоже могут попасть \
в случайную часть выборки на перепроверку.",
        c.objective_min_cells,
        num(c.objective_p_min, 2)
    ));
    let min = inputs.config.signs.min_cells;
    if crate::risk::too_few_schools(inputs.data, min) {
        page.p(&format!(
            "Список не составлен: в данных меньше {min} ОО и нет показателей региона \
             (reference.csv), поэтому признакам не с кем сравнить ОО, кроме нескольких соседних, \
             и отсутствие признаков ничего не говорит об объективности."
        ));
        return;
    }
    // One row per school, the years as columns (cells evaluated that year).
    let ys: Vec<u16> = (inputs.analysis.objective.iter())
        .map(|e| e.year)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut by_school: BTreeMap<u32, BTreeMap<u16, usize>> = BTreeMap::new();
    for e in (inputs.analysis.objective.iter()).filter(|e| inputs.in_scope(e.school)) {
        by_school
            .entry(e.school)
            .or_default()
            .insert(e.year, e.cells_evaluated);
    }
    let mut order: Vec<u32> = by_school.keys().copied().collect();
    order.sort_by(|a, b| {
        let (x, y) = (
            &inputs.data.schools[*a as usize],
            &inputs.data.schools[*b as usize],
        );
        (x.municipality.cmp(&y.municipality)).then(x.id.cmp(&y.id))
    });
    let rows: Vec<Vec<String>> = order
        .iter()
        .map(|s| {
            let (id, name, muni) = school_name(inputs, *s);
            let mut r = vec![muni, id, name];
            r.extend(ys.iter().map(|y| {
                by_school[s]
                    .get(y)
                    .map_or("—".to_owned(), |n| n.to_string())
            }));
            r
        })
        .collect();
    if rows.is_empty() {
        page.p("Таких ОО нет.");
        return;
    }
    if rows.len() > OBJECTIVE_ROWS {
        objective_by_municipality(page, inputs, &order);
        return;
    }
    page.p_tone(
        Tone::Small,
        "В столбце года — число ячеек ОО, проверенных в этом году; прочерк — в этом году ОО \
не вошла в список.",
    );
    let headers: Vec<String> = ["Муниципалитет", "Логин", "ОО"]
        .iter()
        .map(|h| (*h).to_owned())
        .chain(ys.iter().map(|y| format!("{y}: ячеек")))
        .collect();
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let numeric: Vec<bool> = (0..headers.len()).map(|i| i >= 3).collect();
    page.table(&headers, &numeric, &rows);
}

/// The most schools the objective list shows one by one; a longer list (a
/// large region or the whole country) is counted by municipality, and the
/// schools are in objective_list.xlsx.
const OBJECTIVE_ROWS: usize = 300;

/// The objective list as counts by municipality (the municipalities with the
/// most such schools, the rest as one line).
fn objective_by_municipality(page: &mut Page, inputs: &Inputs<'_>, schools: &[u32]) {
    use super::overview::{Count, TABLE_MUNICIPALITIES, shown_and_rest, sum_of};
    let mut by: BTreeMap<&str, Count> = BTreeMap::new();
    for &s in schools {
        let c = by
            .entry(inputs.data.schools[s as usize].municipality.as_str())
            .or_default();
        c.schools += 1;
        c.listed += 1;
    }
    page.p(&format!(
        "ОО в списке: {}. По отдельности они перечислены в objective_list.xlsx; здесь — их \
число по муниципалитетам.",
        int(schools.len() as u64)
    ));
    let (shown, rest) = shown_and_rest(&by, TABLE_MUNICIPALITIES);
    let mut rows: Vec<Vec<String>> = (shown.iter())
        .map(|m| vec![(*m).to_owned(), int(u64::from(by[m].listed))])
        .collect();
    if !rest.is_empty() {
        rows.push(vec![
            format!("Остальные муниципалитеты ({})", int(rest.len() as u64)),
            int(u64::from(sum_of(&rest, &by).listed)),
        ]);
    }
    rows.push(vec!["Всего".to_owned(), int(schools.len() as u64)]);
    page.table(&["Муниципалитет", "ОО в списке"], &[false, true], &rows);
}

/// The empirical nulls in force, beside the theoretical one.
fn nulls_table(page: &mut Page, inputs: &Inputs<'_>) {
    let nulls = &inputs.analysis.evidence.nulls;
    if nulls.is_empty() {
        return;
    }
    let whole = figures::whole_of(inputs.data);
    page.p(&format!(
        "Нулевое распределение каждого признака по данным {} (z = Φ⁻¹(1 − p)): при \
объективной проверке и верной модели центр 0 и разброс 1. Подобранные по массе ячеек значения \
показаны рядом с теми, что применены: разброс не меньше 1, а p-значение после подбора никогда не \
меньше исходного, так что подбор может только повысить осторожность. У признаков, которые \
считают работы (их p-значения идут ступенями, у многих ячеек p = 1), распределение подбирается \
по p-значениям, случайно сглаженным внутри своей ступени: при верной модели они распределены \
равномерно, и ступени не принимаются за несогласие данных с моделью.",
        whole.genitive
    ));
    // Only where the sign was checked: a journal sign has no EGE row.
    let index = inputs.data.cell_index();
    // Each sign's checked cells per procedure.
    let mut checked: BTreeMap<(usize, crate::model::Exam), usize> = BTreeMap::new();
    for (sign, fs) in inputs.analysis.results.findings.iter().enumerate() {
        for (_, (t, _)) in (fs.iter().zip(&index)).filter(|(f, _)| f.evaluated) {
            *checked
                .entry((sign, inputs.data.tests[*t].key.exam))
                .or_default() += 1;
        }
    }
    // A true minus sign, as in the rest of the справка.
    let minus = |x: f64| super::html::minus(x, 2);
    let rows: Vec<Vec<String>> = nulls
        .iter()
        .filter(|n| checked.contains_key(&(n.sign, n.exam)))
        .map(|n| {
            let own = checked[&(n.sign, n.exam)];
            let cells = int(own as u64);
            // A null taken from all procedures: how many cells it was fitted on
            // (said with the source: a number column does not wrap).
            let source = match n.source {
                "exam" => "по ячейкам процедуры".to_owned(),
                "all exams" => format!(
                    "по ячейкам всех процедур (подобрано по {})",
                    int(n.fit.n as u64)
                ),
                "sign" => "разброс между ОО оценён самим признаком".to_owned(),
                _ if n.fit.n < inputs.config.signs.null_min_cells => {
                    "теоретическое (ячеек мало)".to_owned()
                }
                _ => "теоретическое (p-значения слишком дискретны)".to_owned(),
            };
            let fitted = |x: f64| {
                if x.is_finite() {
                    minus(x)
                } else {
                    "—".to_owned()
                }
            };
            vec![
                REGISTRY[n.sign].title().to_owned(),
                n.exam.russian().to_owned(),
                cells,
                fitted(n.fit.fitted_center),
                fitted(n.fit.fitted_scale),
                minus(n.fit.center),
                minus(n.fit.scale),
                source,
            ]
        })
        .collect();
    page.table(
        &[
            "Признак",
            "Процедура",
            "Ячеек",
            "Центр (подобран)",
            "Разброс (подобран)",
            "Центр (применён)",
            "Разброс (применён)",
            "Откуда",
        ],
        &[false, false, true, true, true, true, true, false],
        &rows,
    );
}

fn methods(page: &mut Page, inputs: &Inputs<'_>) {
    let c = &inputs.config.signs;
    let whole = figures::whole_of(inputs.data);
    page.h2("methods", "Методика", true);
    let rule = match c.control {
        Control::Fdr => format!(
            "ОО включаются в перечень так, чтобы среди включённых ожидаемая доля ОО с \
объективными результатами не превышала {} % (процедура Бенджамини — Хохберга по всем ОО года)",
            num(c.q_max * 100.0, 0)
        ),
        Control::Fpr => format!(
            "ОО включается в перечень, если её p-значение не больше {}: ОО с объективными \
результатами попадает в перечень с вероятностью не выше {} %",
            num(c.fpr_max, 3),
            num(c.fpr_max * 100.0, 1)
        ),
    };
    page.p(&format!(
        "Единица анализа — ячейка: год × процедура × предмет × класс × ОО. Каждый признак \
проверяется в каждой ячейке, где работ не меньше {}, и даёт p-значение — вероятность получить \
такие или более необычные результаты при объективной проверке. Признаки сверяются с {}: \
по всем ячейкам определяется, как признак распределён в массе ОО (эмпирическое \
нулевое распределение, Эфрон, 2004), и необычной считается только ячейка, выделяющаяся на этом \
фоне; так особенности {}, не связанные с необъективностью, не дают ложных срабатываний. \
Признаки, читающие одно и то же в одних и тех же работах, объединены в группы, и в группе \
учитывается сильнейший (с поправкой Бонферрони). Признаки ячейки объединяются в одно \
p-значение ячейки, ячейки ОО за год — в одно p-значение ОО (метод Саймса; ячейка с большим \
числом работ весит больше — пропорционально корню из числа работ, — потому что та же \
необъективность в ней заметнее). Признаки, которые говорят об ОО в целом, а не об одной \
ячейке (результаты ВПР, не подтверждённые результатами ГИА, — по каждому предмету; работы на \
минимальных баллах ГИА; медали), входят в p-значение ОО по одному разу, с весом всех ячеек, \
о которых они говорят. ОО, бывшая в \
перечне в прошлом году, получает вес {} (веса за год в среднем равны 1): устойчивость \
учитывается, но данные этого года не используются дважды. {}. Сила признаков ОО — одно число: \
чем менее вероятны её результаты при объективной проверке, тем оно больше (2 — вероятность \
1 %, 5 — одна стотысячная); по нему ОО упорядочены, и по нему же проведён порог перечня. \
Ячейки с признаками — те, на которых держится вывод об ОО. Формулы и подобранные по {} \
нулевые распределения — в приложении.",
        c.min_works,
        whole.instrumental,
        whole.genitive,
        num(inputs.config.lists.persistence_weight, 1),
        rule,
        whole.dative,
    ));
    for (i, s) in REGISTRY.iter().enumerate() {
        let d = s.doc();
        page.h3(
            &format!("sign-{}", s.id()),
            &format!("{}. {}", i + 1, s.title()),
        );
        page.list(&[
            format!("Что сравнивается: {}.", d.compared),
            format!("Что считается необычным: {}.", d.unusual),
            format!(
                "Что нужно в данных: не меньше {} работ в ячейке; {}.",
                c.min_works, d.needs
            ),
            format!(
                "Наименьший учитываемый эффект: {}.",
                num(s.min_effect(c), 2)
            ),
            format!("Входит в силу признаков: {}.", crate::signs::enters(*s)),
            format!("{}.", coverage(inputs, i)),
            format!("Источники: {}.", d.reference),
        ]);
    }
}

/// Medal holders against the EGE rule of their year (crate::medals).
fn medal_check(page: &mut Page, inputs: &Inputs<'_>) {
    use crate::medals::{Outcome, medal_name, reason};
    let checks: Vec<_> = (inputs.analysis.medals.iter())
        .filter(|c| inputs.in_scope(c.school))
        .collect();
    if checks.is_empty() {
        return;
    }
    let count = |o: Outcome| checks.iter().filter(|c| c.outcome == o).count();
    // Holders without EGE results: a year with no EGE in the data at all, or
    // codes that do not match the EGE files'.
    let ege_years: BTreeSet<u16> = (inputs.data.tests.iter())
        .filter(|b| b.key.exam == crate::model::Exam::Ege)
        .map(|b| b.key.year)
        .collect();
    let missing: Vec<_> = (checks.iter())
        .filter(|c| c.outcome == Outcome::NoResults)
        .collect();
    let no_ege: BTreeSet<u16> = (missing.iter())
        .map(|c| c.year)
        .filter(|y| !ege_years.contains(y))
        .collect();
    let unmatched = missing
        .iter()
        .filter(|c| ege_years.contains(&c.year))
        .count();
    let mut not_found = Vec::new();
    if unmatched > 0 {
        not_found.push(format!(
            "коды участников не совпали с кодами в файлах ЕГЭ — {unmatched}"
        ));
    }
    if !no_ege.is_empty() {
        let years: Vec<String> = no_ege.iter().map(u16::to_string).collect();
        not_found.push(format!(
            "в данных нет ЕГЭ {} года — {}",
            years.join(", "),
            missing.len() - unmatched
        ));
    }
    let not_found = if not_found.is_empty() {
        "0".to_owned()
    } else {
        not_found.join("; ")
    };
    page.h3("medals", "Медали и результаты ЕГЭ");
    page.p(&format!(
        "С 2024 года медаль «За особые успехи в учении» требует и результатов ЕГЭ (приказ \
Минпросвещения России от 29.09.2023 № 730). Медалистов в medals.csv: {}; результаты ЕГЭ \
соответствуют условиям — {}, не соответствуют — {}, результаты ЕГЭ не найдены: {not_found}; год \
до 2024 (условия по ЕГЭ не действовали) — {}. Это проверка данных, а не признак: расхождение \
стоит выяснить у ОО.",
        checks.len(),
        count(Outcome::Met),
        count(Outcome::NotMet),
        count(Outcome::NoRule)
    ));
    let rows: Vec<Vec<String>> = (checks.iter())
        .filter(|c| c.outcome == Outcome::NotMet)
        .map(|c| {
            let (id, name, muni) = school_name(inputs, c.school);
            vec![
                c.year.to_string(),
                muni,
                format!("{name} ({id})"),
                c.student.clone(),
                medal_name(c.medal).to_owned(),
                reason(c)
                    .split_once("; у выпускника: ")
                    .map_or(String::new(), |(_, had)| had.to_owned()),
            ]
        })
        .collect();
    if !rows.is_empty() {
        page.table(
            &[
                "Год",
                "Муниципалитет",
                "ОО",
                "Участник",
                "Медаль",
                "Результаты ЕГЭ",
            ],
            &[true, false, false, false, false, false],
            &rows,
        );
    }
    medal_counts(page, inputs);
}

/// The school-years with more medal holders than their graduates' EGE
/// results predict (the medal sign's numbers): Benjamini–Hochberg over each
/// year's schools at the list's `q_max`, strongest first.
fn medal_counts(page: &mut Page, inputs: &Inputs<'_>) {
    const SHOWN: usize = 20;
    let counts = &inputs.analysis.results.medals.schools;
    if counts.is_empty() {
        return;
    }
    let q_max = inputs.config.signs.q_max;
    let min = inputs.config.signs.min_works;
    let mut rows = Vec::new();
    for year in counts.keys().map(|k| k.0).collect::<BTreeSet<_>>() {
        let judged: Vec<_> = (counts.range((year, 0)..=(year, u32::MAX)))
            .filter(|(_, m)| m.graduates >= min)
            .collect();
        let q = crate::stats::multiple::bh_qvalues(
            &judged.iter().map(|(_, m)| Some(m.p)).collect::<Vec<_>>(),
        );
        rows.extend(
            (judged.into_iter().zip(q))
                .filter(|(((_, school), _), q)| {
                    inputs.in_scope(*school) && q.is_some_and(|q| q <= q_max)
                })
                .map(|(row, _)| row),
        );
    }
    rows.sort_by(|a, b| a.1.p.total_cmp(&b.1.p).then(a.0.cmp(b.0)));
    let way = "если бы медали выдавались так же, как в регионе выпускникам с такими же баллами \
из ОО с таким же средним баллом и, где известны годовые отметки, с такой же строгостью отметок";
    if rows.is_empty() {
        page.p(&format!(
            "Медалистов больше, чем можно ждать по баллам ЕГЭ выпускников ({way}), нет ни в одной \
ОО с учётом числа сравнений (метод Бенджамини — Хохберга, {} %).",
            num(q_max * 100.0, 0)
        ));
        return;
    }
    page.p(&format!(
        "Медалистов больше, чем можно ждать по баллам ЕГЭ выпускников ({way}), с учётом числа \
сравнений (метод Бенджамини — Хохберга, {} %), {} {}{}. Это само по себе не вывод: в \
перечень ОО попадает, только если вместе с остальными признаками сила признаков достаточна.",
        num(q_max * 100.0, 0),
        // A school counts once a year: «в 3 случаях (ОО за год)».
        match rows.len() {
            1 => "в одном случае".to_owned(),
            n => format!(
                "в {n} {}",
                plural(n as u64, ["случае", "случаях", "случаях"])
            ),
        },
        "(ОО за год; см. таблицу)",
        if rows.len() > SHOWN {
            format!("; ниже — {SHOWN} с наименьшим p")
        } else {
            String::new()
        }
    ));
    let table: Vec<Vec<String>> = (rows.iter().take(SHOWN))
        .map(|((year, school), m)| {
            let (id, name, muni) = school_name(inputs, *school);
            vec![
                year.to_string(),
                muni,
                format!("{name} ({id})"),
                m.graduates.to_string(),
                m.holders.to_string(),
                num(m.expected, 1),
                crate::signs::sci(m.p),
            ]
        })
        .collect();
    page.table(
        &[
            "Год",
            "Муниципалитет",
            "ОО",
            "Выпускников",
            "Медалистов",
            "Ожидалось",
            "p",
        ],
        &[true, false, false, true, true, true, true],
        &table,
    );
}

/// «Приложение. Формулы»: each sign's statistic and rule in mathematical
/// notation, how the p-values are combined, and the empirical nulls in force.
fn appendix(page: &mut Page, inputs: &Inputs<'_>) {
    page.h2("formulas", "Приложение. Формулы", true);
    page.p(
        "Обозначения: p — p-значение (вероятность таких или более необычных результатов при \
объективной проверке); Z ~ N(0, 1) — стандартное нормальное распределение; БетаБин(m; α, β) — \
бета-биномиальное распределение числа «успехов» из m, доля которых меняется от ОО к ОО; \
Бин — биномиальное; Dμ̂ — дисперсия оценки μ̂; [x] — округление.",
    );
    for (i, s) in REGISTRY.iter().enumerate() {
        page.h3(
            &format!("formula-{}", s.id()),
            &format!("{}. {}", i + 1, s.title()),
        );
        page.p(s.doc().formula);
    }
    page.h3("formula-combined", "Объединение признаков и перечень");
    let whole = figures::whole_of(inputs.data);
    page.list(&[
        format!("Калибровка по {}: z = Φ⁻¹(1 − p); по всем ячейкам процедуры подбираются центр c \
и разброс s распределения z (медиана и межквартильный размах; c бывает и ниже 0), s не меньше 1; \
у признаков-счётчиков c и s подбираются по p* = P(T > t) + U · P(T = t), U — равномерное на (0; 1), \
заданное ячейкой (Хабигер и Пенья, 2011); p′ = 1 − Φ((z − c) / s), но не меньше p. У признака медалей разброс между ОО оценивает сам \
признак, и его p не пересчитывается.", whole.dative),
        "Семья признаков из k проверенных: p_семьи = k · (наименьшее p′ семьи), но не больше 1 (Бонферрони)."
            .to_owned(),
        "Ячейка: семьи упорядочены p_(1) ≤ … ≤ p_(F); p_ячейки — наименьшее по j из F · p_(j) / j (Саймс)."
            .to_owned(),
        "ОО за год: та же формула Саймса по её проверенным ячейкам; p_ОО.".to_owned(),
        "Вес w: w = постоянная устойчивости для ОО из прошлогоднего перечня, иначе 1, \
нормированные к среднему 1 за год."
            .to_owned(),
        match inputs.config.signs.control {
            Control::Fdr => format!(
                "Перечень: значения p_ОО / w за год упорядочены p_(1) ≤ … ≤ p_(N); включаются \
первые k, где k — наибольшее с p_(k) ≤ q · k / N, q = {} (Бенджамини — Хохберг).",
                num(inputs.config.signs.q_max, 2)
            ),
            Control::Fpr => format!(
                "Перечень: ОО включается, если p_ОО / w ≤ {}.",
                num(inputs.config.signs.fpr_max, 3)
            ),
        },
        "Сила признаков: −lg(p_ОО / w); у ячейки — −lg p_ячейки.".to_owned(),
    ]);
    nulls_table(page, inputs);
}

/// Where a sign could run on this folder, and why not elsewhere (the three
/// commonest reasons, with their cell counts).
fn coverage(inputs: &Inputs<'_>, sign: usize) -> String {
    let results = &inputs.analysis.results;
    let findings = &results.findings[sign];
    let evaluated = findings.iter().filter(|f| f.evaluated).count();
    let mut why: BTreeMap<String, usize> = BTreeMap::new();
    for (note, &n) in results.skipped.get(sign).into_iter().flatten() {
        // Counts in the reason («работ: 7, меньше 15») are folded together.
        // So are a test's own thresholds («работ с баллом 33 и выше (лучшая
        // четверть региона)»): the words in brackets say which works.
        let general = match note.split_once(": ") {
            Some((what, rest)) if rest.contains("меньше") => {
                let what = match (what.find(" и выше ("), what.strip_suffix(')')) {
                    (Some(at), Some(_)) if what.starts_with("работ с баллом ") => {
                        format!("работ ({}", &what[at + " и выше (".len()..])
                    }
                    _ => what.to_owned(),
                };
                format!("{what} меньше минимума")
            }
            _ => note.clone(),
        };
        *why.entry(general).or_default() += n;
    }
    let mut why: Vec<(String, usize)> = why.into_iter().collect();
    why.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut rest: Vec<String> = (why.iter().take(3))
        .map(|(w, n)| format!("{w} — {}", int(*n as u64)))
        .collect();
    // The counts add up to the cells not evaluated.
    let others: usize = why.iter().skip(3).map(|x| x.1).sum();
    if others > 0 {
        rest.push(format!("по другим причинам — {}", int(others as u64)));
    }
    let mut text = format!(
        "На этих данных: проверен в {} {} из {}",
        int(evaluated as u64),
        plural(evaluated as u64, ["ячейке", "ячейках", "ячейках"]),
        int(findings.len() as u64)
    );
    // S9 on the same pupils, where their codes persist.
    let linked = results.same_pupils.get(sign).copied().unwrap_or(0);
    if linked > 0 {
        text.push_str(&format!(
            " (в {} — по одним и тем же ученикам: их коды участников сохраняются из года в год)",
            int(linked as u64)
        ));
    }
    if !rest.is_empty() {
        text.push_str(&format!("; не проверен: {}", rest.join("; ")));
    }
    text
}

/// A reason without the line numbers in it («…, строка 17» → «…, строка …»),
/// so that the rows rejected for one reason are counted together.
fn without_lines(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    let mut rest = reason;
    while let Some(at) = ["строка ", "строки ", "строке "]
        .iter()
        .filter_map(|w| rest.find(w).map(|i| i + w.len()))
        .min()
    {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push('…');
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// A file's encoding or format in words.
fn encoding(e: &str) -> &str {
    match e {
        "UTF-8" => "Юникод",
        "windows-1251" => "кириллица (1251)",
        "UTF-16LE" | "UTF-16BE" => "Юникод (16 бит)",
        "parquet" => "—",
        "xlsx (ФИС ОКО)" => "Эксель (ФИС ОКО)",
        "xlsx" => "Эксель",
        other => other,
    }
}

fn quality(page: &mut Page, inputs: &Inputs<'_>) {
    page.h2("quality", "Качество данных", true);
    let rows: Vec<Vec<String>> = inputs
        .load
        .files
        .iter()
        .map(|f| {
            vec![
                f.file.clone(),
                crate::load::report::role_name(&f.kind).to_owned(),
                encoding(&f.encoding).to_owned(),
                int(f.rows_read),
                int(f.rows_used),
                int(f.rows_rejected),
                if f.error.is_empty() {
                    f.skipped.clone()
                } else {
                    format!("Ошибка: {}", f.error)
                },
            ]
        })
        .collect();
    page.table(
        &[
            "Файл",
            "Тип",
            "Кодировка",
            "Прочитано",
            "Использовано",
            "Отклонено",
            "Почему не прочитан",
        ],
        &[false, false, false, true, true, true, false],
        &rows,
    );
    medal_check(page, inputs);
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for r in &inputs.load.rejected {
        *reasons.entry(without_lines(&r.reason)).or_default() += 1;
    }
    if reasons.is_empty() {
        page.p("Все строки входных файлов использованы.");
        return;
    }
    let mut top: Vec<(String, usize)> = reasons.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    const SHOWN: usize = 20;
    let mut rows: Vec<Vec<String>> = top
        .iter()
        .take(SHOWN)
        .map(|(r, n)| vec![r.clone(), int(*n as u64)])
        .collect();
    let others: usize = top.iter().skip(SHOWN).map(|x| x.1).sum();
    if others > 0 {
        rows.push(vec![
            format!("другие причины ({})", int((top.len() - SHOWN) as u64)),
            int(others as u64),
        ]);
    }
    page.p(
        "Отклонённые строки по причинам (все — в rejected_rows.csv с файлом, строкой и столбцом):",
    );
    page.table(&["Причина", "Строк"], &[false, true], &rows);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_counted_without_their_line_numbers() {
        assert_eq!(
            without_lines("повтор: та же работа уже есть в a.csv, строка 107 (тот же участник)"),
            "повтор: та же работа уже есть в a.csv, строка … (тот же участник)"
        );
        assert_eq!(
            without_lines("строки 3 и 4; строка"),
            "строки … и 4; строка"
        );
        assert_eq!(without_lines("нет номера"), "нет номера");
    }
}
