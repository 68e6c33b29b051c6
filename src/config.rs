//! The validated configuration the library runs with, read from TOML.
//! `obektiv config --default` prints [`DEFAULT_TOML`].

use std::path::Path;

use serde::Deserialize;

use crate::error::ConfigError;

/// The default configuration, with comments; parsing it gives [`Config::default`].
pub const DEFAULT_TOML: &str = r#"# Настройки obektiv. Любую строку можно не указывать: тогда действует значение ниже.

[output]
# "plain": UTF-8, разделитель «,», десятичная точка (для программ и скриптов).
# "excel-ru": UTF-8 с BOM, разделитель «;», десятичная запятая (открывается
# двойным щелчком в Excel с русскими настройками).
csv_dialect = "plain"
# Справка одного муниципалитета на фоне региона (то же, что analyze
# --municipality): название как в schools.csv, например
# municipality = "Красногорский муниципальный район"
# Строки findings.csv: "all" — каждая ячейка × каждый признак, с причиной, если
# признак не проверялся; "evaluated" — только строки с числами (проверенные
# признаки и малые ячейки «для сведения»): для региона в тысячи ОО файл
# вдвое меньше и пишется быстрее.
findings = "all"

[signs]
# Как составляется перечень (единица перечня — ОО за год; см. раздел «Методика»
# справки).
# "fdr": процедура Бенджамини — Хохберга по всем ОО года на уровне q_max.
#   Гарантия: среди ОО в перечне ожидаемая доля ОО с объективными результатами
#   не больше q_max. По умолчанию: для публикуемого перечня, где ошибочное
#   включение дорого обходится школе.
# "fpr": ОО включается, если её p-значение (делённое на вес) не больше fpr_max.
#   Гарантия: ОО с объективными результатами попадает в перечень с вероятностью
#   не выше fpr_max, сколько бы ни было ОО с искажениями. Для отбора на
#   перепроверку, где ошибочное включение стоит одной перепроверки.
control = "fdr"
q_max = 0.05
fpr_max = 0.01
# Ячейки с меньшим числом работ не проверяются (в findings.csv — с причиной).
# Начиная с этого числа ячейка даёт свои p-значения: малая ячейка добавляет
# доказательность своей ОО (вместе с её другими ячейками) и отмечается только в
# составе ОО из перечня; её p-значения — точные или малые выборочные тесты.
min_works = 5
# Наименьшее число ячеек в группе сравнения, чтобы у неё была своя региональная
# база (иначе — весь тест).
min_cells = 10
# Минимальные размеры эффекта (при меньшем p-значение признака считается равным 1):
# S1 — превышение среднего (доля максимального балла) после сжатия; S2 — избыток
# баллов за трудные задания (доля их максимума); S3 — избыток доли работ на
# границах отметок; S4 — избыток доли отметок в направлении признака; S5 — доля
# работ в группах совпадающих, S8 (без баллов за задания) — избыток доли работ на
# самом частом первичном балле среди работ с близкими баллами; S6 — отклонение среднего остатка ячейки от
# обычного для её ОО (в стандартных отклонениях результатов внутри класса;
# 0,2 — «малый» стандартизованный эффект, Cohen 1988); S7 — избыток доли работ
# из лучших 10 % региона среди работ ОО из лучшей четверти региона; S9 и S10 —
# насколько результат того же потока через год (S9) или ОГЭ и ЕГЭ той же ОО (S10)
# ниже ожидаемого (в стандартных отклонениях баллов теста); S12 — избыток доли
# медалистов среди выпускников сверх ожидаемой по их баллам ЕГЭ.
high_result_min_effect = 0.05
task_profile_min_effect = 0.10
cutoff_min_effect = 0.10
journal_min_effect = 0.10
identical_min_effect = 0.10
own_marks_min_effect = 0.20
tail_min_effect = 0.10
cohort_min_effect = 0.20
medal_min_effect = 0.05
# Наименьшее число проверенных ячеек (одной процедуры, иначе всех), чтобы
# подобрать нулевое распределение признака по данным региона; при меньшем
# действует теоретическое.
null_min_cells = 100

[lists]
# Вес ОО, бывшей в перечне в прошлом году (взвешенная процедура
# Бенджамини — Хохберга; веса за год пересчитываются так, чтобы в среднем были 1).
persistence_weight = 2.0
# ОО с устойчиво объективными результатами: в каждом году не меньше
# objective_min_cells проверенных ячеек и p-значение ОО за год не меньше
# objective_p_min.
objective_min_cells = 2
objective_p_min = 0.25

[sample]
# Выборка для перепроверки (recheck_sample.csv, recheck_works.csv) за последний
# год в данных, если не указан year = 2025. Для каждой жеребьёвки меняйте seed
# (например, на дату жеребьёвки, 20250415) и публикуйте его: те же данные,
# настройки и seed дают ту же выборку на любом компьютере.
seed = 1
# Размеры групп: число ОО или доля, например "10%" (risk и high_without_signs —
# от кандидатов группы; random — от всех подходящих ОО).
risk = 10
high_without_signs = 5
random = 10
# ОО с меньшим числом работ за год не отбираются.
min_works = 20
# «Высокие результаты»: в ячейке сработал S1 или стандартизованный результат ОО
# входит в эту верхнюю долю подходящих ОО.
high_share = 0.2
# Работ на перепроверку в каждой ОО и доля из них, отбираемая случайно.
works_per_school = 20
random_works_share = 0.25
# Перепроверка: завышение установлено, если нижняя граница 95-процентного
# интервала среднего снижения балла ОО (доля максимума) выше 0 и само среднее
# снижение не меньше этого значения.
recheck_min_drop = 0.02
"#;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum CsvDialect {
    #[default]
    #[serde(rename = "plain")]
    Plain,
    #[serde(rename = "excel-ru")]
    ExcelRu,
}

/// Which rows findings.csv holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum FindingsRows {
    /// Every cell × sign, a sign not evaluated with its reason (the data
    /// contract's table).
    #[default]
    #[serde(rename = "all")]
    All,
    /// The rows with numbers: evaluated signs, and cells below a sign's
    /// minimum that carry their statistic.
    #[serde(rename = "evaluated")]
    Evaluated,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    pub csv_dialect: CsvDialect,
    pub findings: FindingsRows,
    /// The справка of one municipality against its region (`--municipality`).
    pub municipality: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub output: OutputConfig,
    pub signs: crate::signs::SignsConfig,
    pub lists: crate::risk::ListsConfig,
    pub sample: crate::sample::SampleConfig,
}

impl Config {
    /// Parses and validates (every threshold is checked here, once).
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let c: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: russian(text, &e),
        })?;
        c.signs.validate().map_err(|m| ConfigError::Parse {
            path: path.to_owned(),
            message: m,
        })?;
        c.sample.validate().map_err(|m| ConfigError::Parse {
            path: path.to_owned(),
            message: m,
        })?;
        c.lists.validate().map_err(|m| ConfigError::Parse {
            path: path.to_owned(),
            message: m,
        })?;
        Ok(c)
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|_| ConfigError::Parse {
            path: path.to_owned(),
            message: "файл не в кодировке UTF-8: сохраните его в UTF-8 (в Блокноте — «Сохранить \
                      как», кодировка UTF-8)"
                .to_owned(),
        })?;
        Self::from_toml(&text, path)
    }
}

/// The TOML reader's message in Russian, with the line: the reader speaks
/// English («unknown field `sead`, expected one of …»).
fn russian(text: &str, e: &toml::de::Error) -> String {
    let line = e
        .span()
        .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    let m = e.message();
    // The quoted words of a message: `sead`, `seed`, … .
    let quoted: Vec<&str> = m.split('`').skip(1).step_by(2).collect();
    let list = |from: usize| quoted[from..].join(", ");
    let kind = |t: &str| match t {
        "u64" | "usize" | "u16" | "u32" | "u8" | "i64" => "целое число не меньше 0",
        "f64" | "f32" => "число (с точкой: 0.05)",
        "a boolean" | "bool" => "true или false",
        t if t.contains("string") => "текст в кавычках",
        _ => "значение другого вида",
    };
    let after = |w: &str| m.split(w).nth(1).map_or("", str::trim);
    let why = if m.starts_with("unknown field") {
        format!(
            "неизвестная настройка «{}»; в этом разделе есть: {}",
            quoted[0],
            list(1)
        )
    } else if m.starts_with("unknown variant") {
        format!(
            "неизвестное значение «{}»; допустимы: {}",
            quoted[0],
            list(1)
        )
    } else if m.starts_with("invalid type") || m.starts_with("invalid value") {
        let got = m.split(", expected").next().unwrap_or(m);
        let got = got
            .trim_start_matches("invalid type: ")
            .trim_start_matches("invalid value: ");
        let got = got
            .replace("floating point", "дробное число")
            .replace("integer", "целое число")
            .replace("string", "текст")
            .replace(" as i128", "")
            .replace("sequence", "список")
            .replace("boolean", "логическое значение")
            .replace("map", "раздел")
            .replace('`', "");
        format!(
            "неверное значение ({got}): нужно {}",
            kind(after("expected"))
        )
    } else if m.starts_with("missing field") {
        format!(
            "не хватает настройки «{}»",
            quoted.first().copied().unwrap_or("")
        )
    } else if m.contains("duplicate key") {
        "настройка указана дважды".to_owned()
    } else {
        // The reader's other messages (a bracket or a quote not closed, an
        // extra «=», …) are about how the line is written.
        "запись не по правилам TOML: название раздела — в квадратных скобках ([signs]), \
         дробные числа пишутся с точкой (0.05), текст — в кавычках (\"10%\"), каждая \
         настройка — «имя = значение» на своей строке"
            .to_owned()
    };
    // The line itself, so that the setting is named whatever the message.
    let shown = |l: usize| {
        let t = text.lines().nth(l - 1).unwrap_or("").trim();
        let mut cut: String = t.chars().take(60).collect();
        if cut.len() < t.len() {
            cut.push('…');
        }
        cut
    };
    match line {
        Some(l) if !shown(l).is_empty() => format!("строка {l} («{}»): {why}", shown(l)),
        Some(l) => format!("строка {l}: {why}"),
        None => why,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minimum_effect_must_be_a_number_not_below_0() {
        for v in ["nan", "-1.0", "inf"] {
            let text = format!("[signs]\ncutoff_min_effect = {v}\n");
            let e = Config::from_toml(&text, Path::new("c.toml"))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("cutoff_min_effect должно быть числом не меньше 0"),
                "{v}: {e}"
            );
        }
        let ok = Config::from_toml("[signs]\ncutoff_min_effect = 0.0\n", Path::new("c.toml"));
        assert!(ok.is_ok());
    }

    #[test]
    fn errors_are_said_in_russian_with_the_line() {
        let err = |text: &str| match Config::from_toml(text, Path::new("c.toml")) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("{text} accepted"),
        };
        let e = err("[sample]\nsead = 5\n");
        assert!(
            e.contains("строка 2 («sead = 5»): неизвестная настройка «sead»") && e.contains("seed"),
            "{e}"
        );
        let e = err("[signs]\nq_max = 0,05\n");
        assert!(
            e.contains("строка 2") && e.contains("с точкой (0.05)"),
            "{e}"
        );
        let e = err("[sample]\nmin_works = \"двадцать\"\n");
        assert!(e.contains("нужно целое число"), "{e}");
        let e = err("[output]\ncsv_dialect = \"excel\"\n");
        assert!(
            e.contains("неизвестное значение «excel»; допустимы: plain, excel-ru"),
            "{e}"
        );
        // The line is quoted: the setting is named whatever the message.
        let e = err("[signs]\nq_max = \"0.05\"\n");
        assert!(e.contains("строка 2 («q_max = \"0.05\"»)"), "{e}");
        let e = err("[signs]\nmin_works = 99999999999999999999\n");
        assert!(!e.contains("i128"), "{e}");
        for e in [
            err("[sample]\nsead = 5\n"),
            err("[signs]\nq_max = 0,05\n"),
            err("[sample]\nmin_works = 20.5\n"),
            err("[signs\n"),
            err("[signs]\nq_max = = 0.05\n"),
            err("[output]\ncsv_dialect = 5\n"),
            err("[signs]\nq_max = [0.05]\n"),
            err("[signs]\nq_max = true\n"),
            err("[signs.q_max]\n"),
        ] {
            for word in [
                "unknown", "expected", "invalid", "field", "variant", "type", "newline",
                "unclosed", "extra", "wanted", "table", "sequence", "boolean", "map",
            ] {
                assert!(!e.contains(word), "{e}");
            }
        }
    }

    #[test]
    fn default_text_is_the_default() {
        assert_eq!(
            Config::from_toml(DEFAULT_TOML, Path::new("d")).unwrap(),
            Config::default()
        );
    }

    #[test]
    fn unknown_key_is_an_error() {
        let e = Config::from_toml("[output]\ncsv_dialekt = 1\n", Path::new("c.toml")).unwrap_err();
        assert!(e.to_string().starts_with("c.toml: "), "{e}");
    }

    #[test]
    fn excel_dialect() {
        let c =
            Config::from_toml("[output]\ncsv_dialect = \"excel-ru\"\n", Path::new("c")).unwrap();
        assert_eq!(c.output.csv_dialect, CsvDialect::ExcelRu);
    }
}
