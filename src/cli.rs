//! Command-line options (clap), in Russian: the help a methodist reads is
//! Russian, clap's own headings included (help and usage templates, a Russian
//! help and version flag). Only this module and main.rs know about them; the
//! library sees a validated [`obektiv::Job`] or options struct.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

/// The help layout with Russian headings (clap's built-in ones are English).
const HELP: &str =
    "{about-with-newline}\n\u{1b}[1mЗапуск:\u{1b}[0m {usage}\n\n{all-args}{after-help}";

#[derive(Parser, Debug)]
#[command(
    name = "obektiv",
    version,
    about = "Признаки необъективности результатов оценочных процедур (ВПР, ОГЭ, ЕГЭ)",
    long_about = "obektiv читает результаты ВПР, ОГЭ и ЕГЭ региона или муниципалитета вместе с \
отметками школ, группирует их по ячейкам (год × процедура × предмет × класс × ОО), проверяет \
признаки необъективности, составляет перечень ОО, выборку для перепроверки и аналитическую \
справку. Признак — повод посмотреть внимательнее, а не вывод о нарушении.",
    help_template = HELP,
    override_usage = "obektiv [ПАРАМЕТРЫ] КОМАНДА",
    subcommand_help_heading = "Команды",
    subcommand_value_name = "КОМАНДА",
    next_help_heading = "Параметры",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    after_help = "Примеры:\n  \
obektiv analyze data/sample --out reports\n  \
obektiv validate my_region/\n  \
obektiv simulate --schools 300 --years 3 --seed 42 --out my_sim\n  \
obektiv config --default > obektiv.toml"
)]
pub struct Cli {
    /// Число потоков для параллельных этапов (по умолчанию — все ядра). Результаты от него не зависят.
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// Не показывать ход работы.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// В конце показать время каждого этапа (для замеров производительности).
    #[arg(long, global = true)]
    pub timings: bool,
    /// Показать эту справку.
    #[arg(short = 'h', long = "help", action = ArgAction::Help, global = true)]
    pub help: Option<bool>,
    /// Показать версию.
    #[arg(short = 'V', long = "version", action = ArgAction::Version)]
    pub version: Option<bool>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
#[command(help_template = HELP, next_help_heading = "Параметры")]
pub enum Command {
    /// Проанализировать папку с данными и записать таблицы и справку в --out.
    #[command(
        override_usage = "obektiv analyze ПАПКА [ПАРАМЕТРЫ]",
        help_template = HELP,
        next_help_heading = "Параметры",
        after_help = "Примеры:\n  obektiv analyze data/sample --out reports --config obektiv.toml\n  \
obektiv analyze data/sample --out reports_m --municipality \"Красногорский муниципальный район\"\n\n\
Записывает аналитическую справку (report.html и spravka.docx для правки в Word), перечень ОО\n\
(risk_list.csv, .xlsx), ячейки (cells.csv, .xlsx), выборку для перепроверки и файлы качества\n\
данных.\n\
Код завершения: 0 — использованы все строки; 3 — готово, но часть строк или файлов не\n\
использована (см. rejected_rows.csv, files.csv); 1 — ошибка (в сообщении — файл и причина);\n\
2 — неверно заданы параметры команды."
    )]
    Analyze {
        /// Папка с данными (schools.csv, results*.csv, …; см. data/README.md).
        #[arg(value_name = "ПАПКА", help_heading = "Аргументы")]
        data: PathBuf,
        /// Куда записать результаты (по умолчанию reports).
        #[arg(
            long,
            default_value = "reports",
            value_name = "ПАПКА",
            hide_default_value = true
        )]
        out: PathBuf,
        /// Файл настроек TOML (см. obektiv config --default).
        #[arg(long, value_name = "ФАЙЛ")]
        config: Option<PathBuf>,
        /// Справка одного муниципалитета на фоне региона: перечень, ОО, выборка для
        /// перепроверки (и их файлы) и сравнение — по его ОО; признаки оцениваются по
        /// всему региону, таблицы ячеек и признаков — по всем ОО. Название — как в
        /// schools.csv.
        #[arg(long, value_name = "НАЗВАНИЕ", value_parser = clap::builder::NonEmptyStringValueParser::new())]
        municipality: Option<String>,
    },
    /// Отобрать ОО и работы для перекрёстной перепроверки (это делает и analyze) и
    /// прочитать её результаты, если в папке есть recheck.csv.
    #[command(
        override_usage = "obektiv sample ПАПКА [ПАРАМЕТРЫ]",
        help_template = HELP,
        next_help_heading = "Параметры",
        after_help = "Пример:\n  obektiv sample data/sample --out reports --seed 20250415\n\n\
Записывает recheck_sample.csv (ОО по группам: группа риска, высокие результаты без признаков,\n\
случайная выборка) и recheck_works.csv (работы для перепроверки с основанием). Если в папке\n\
есть recheck.csv — также recheck_results.csv, recheck_schools.csv, recheck_strata.csv и\n\
recheck_unmatched.csv."
    )]
    Sample {
        /// Папка с данными.
        #[arg(value_name = "ПАПКА", help_heading = "Аргументы")]
        data: PathBuf,
        /// Куда записать результаты (по умолчанию reports).
        #[arg(
            long,
            default_value = "reports",
            value_name = "ПАПКА",
            hide_default_value = true
        )]
        out: PathBuf,
        /// Файл настроек TOML.
        #[arg(long, value_name = "ФАЙЛ")]
        config: Option<PathBuf>,
        /// Число для жеребьёвки (заменяет число из файла настроек); опубликуйте его.
        #[arg(long, value_name = "ЧИСЛО")]
        seed: Option<u64>,
        /// Год выборки (по умолчанию — последний год в данных).
        #[arg(long, value_name = "ГОД")]
        year: Option<u16>,
    },
    /// Проверить папку с данными: что в каждом файле, какие строки нельзя использовать и почему.
    #[command(
        override_usage = "obektiv validate ПАПКА [ПАРАМЕТРЫ]",
        help_template = HELP,
        next_help_heading = "Параметры",
        after_help = "Пример:\n  obektiv validate my_region/ --out checks\n\n\
Код завершения: 0 — все строки пригодны; 3 — часть строк или файлов нельзя использовать; 1 — ошибка;\n\
2 — неверно заданы параметры команды."
    )]
    Validate {
        /// Папка с данными.
        #[arg(value_name = "ПАПКА", help_heading = "Аргументы")]
        data: PathBuf,
        /// Записать сюда также rejected_rows.csv, files.csv и notes.csv.
        #[arg(long, value_name = "ПАПКА")]
        out: Option<PathBuf>,
    },
    /// Записать reference.csv — итоги региона по каждому тесту — из папки с данными всего региона.
    #[command(
        override_usage = "obektiv reference ПАПКА --out ФАЙЛ",
        help_template = HELP,
        next_help_heading = "Параметры",
        after_help = "Пример:\n  obektiv reference region_2025/ --out reference.csv\n\n\
Файл кладут в папку муниципалитета: его ОО сравниваются с регионом, а не только между собой."
    )]
    Reference {
        /// Папка с данными всего региона.
        #[arg(value_name = "ПАПКА", help_heading = "Аргументы")]
        data: PathBuf,
        /// Куда записать файл.
        #[arg(long, value_name = "ФАЙЛ")]
        out: PathBuf,
    },
    /// Смоделировать регион с заложенными искажениями (и truth.csv) — для проверки методики.
    #[command(
        override_usage = "obektiv simulate --out ПАПКА [ПАРАМЕТРЫ]",
        help_template = HELP,
        next_help_heading = "Параметры",
        after_help = "Пример:\n  obektiv simulate --schools 300 --years 3 --seed 42 --out data/sample"
    )]
    Simulate(SimulateArgs),
    /// Измерить качество выявления на смоделированных регионах и записать evaluation.csv.
    #[command(
        override_usage = "obektiv evaluate [ПАРАМЕТРЫ]",
        help_template = HELP,
        next_help_heading = "Параметры",
        after_help = "Пример:\n  obektiv evaluate --seeds 5 --schools 300 --out reports"
    )]
    Evaluate {
        /// Число регионов на каждую силу искажений (зёрна 1..=N; по умолчанию 5).
        #[arg(long, default_value_t = 5, value_name = "N", hide_default_value = true)]
        seeds: u64,
        /// Число ОО в регионе (по умолчанию 300).
        #[arg(
            long,
            default_value_t = 300,
            value_name = "N",
            hide_default_value = true
        )]
        schools: usize,
        /// Число лет (по умолчанию 2).
        #[arg(long, default_value_t = 2, value_name = "N", hide_default_value = true)]
        years: u16,
        /// Ячейки с меньшим числом работ не входят в показатели по ячейкам (по умолчанию 20).
        #[arg(
            long,
            default_value_t = 20,
            value_name = "N",
            hide_default_value = true
        )]
        min_n: usize,
        /// Только обычная модель (по умолчанию — также регионы, где честные ОО нарушают
        /// допущения признаков, как simulate --misspecified).
        #[arg(long)]
        standard_only: bool,
        /// Анализировать каждый муниципалитет отдельно, с reference.csv всего региона (как
        /// муниципальный отдел); показатели — по всем муниципалитетам вместе.
        #[arg(long)]
        municipal: bool,
        /// Ученики сохраняют код участника из года в год (как simulate --persistent-codes).
        #[arg(long)]
        persistent_codes: bool,
        /// В каком виде анализировать регионы: полный — все столбцы, без-заданий — без баллов
        /// за задания, без-класса — без класса, без-журнала — без отметок по журналу (по
        /// умолчанию полный).
        #[arg(long, value_enum, hide_possible_values = true, default_value_t = ShapeArg::Full, value_name = "ВИД", hide_default_value = true)]
        shape: ShapeArg,
        /// Файл настроек TOML.
        #[arg(long, value_name = "ФАЙЛ")]
        config: Option<PathBuf>,
        /// Куда записать результаты (по умолчанию reports).
        #[arg(
            long,
            default_value = "reports",
            value_name = "ПАПКА",
            hide_default_value = true
        )]
        out: PathBuf,
    },
    /// Перечислить признаки: статистика, правило, минимальная выборка, источники.
    #[command(
        override_usage = "obektiv signs",help_template = HELP, next_help_heading = "Параметры")]
    Signs,
    /// Показать настройки.
    #[command(
        override_usage = "obektiv config [--default]",help_template = HELP, next_help_heading = "Параметры")]
    Config {
        /// Показать настройки по умолчанию с пояснениями.
        #[arg(long)]
        default: bool,
    },
}

#[derive(Args, Debug)]
#[command(next_help_heading = "Параметры")]
pub struct SimulateArgs {
    /// Число ОО (по умолчанию 300).
    #[arg(
        long,
        default_value_t = 300,
        value_name = "N",
        hide_default_value = true
    )]
    pub schools: usize,
    /// Число лет подряд, заканчивая --last-year (по умолчанию 3).
    #[arg(long, default_value_t = 3, value_name = "N", hide_default_value = true)]
    pub years: u16,
    /// Последний год (по умолчанию 2025).
    #[arg(
        long,
        default_value_t = 2025,
        value_name = "ГОД",
        hide_default_value = true
    )]
    pub last_year: u16,
    /// Зерно генератора: те же параметры дают те же файлы (по умолчанию 42).
    #[arg(
        long,
        default_value_t = 42,
        value_name = "ЧИСЛО",
        hide_default_value = true
    )]
    pub seed: u64,
    /// Доля ОО с заложенными искажениями (по умолчанию 0,10).
    #[arg(
        long,
        default_value_t = 0.10,
        value_name = "ДОЛЯ",
        hide_default_value = true
    )]
    pub manipulated_share: f64,
    /// Вид файлов: обычный (UTF-8, «,») или excel (Windows-1251, «;», десятичная запятая, как
    /// сохраняет Excel с русскими настройками) (по умолчанию обычный).
    #[arg(long, value_enum, hide_possible_values = true, default_value_t = DialectArg::Plain, value_name = "ВИД", hide_default_value = true)]
    pub dialect: DialectArg,
    /// Одна сила для всех искажений: слабая, умеренная или сильная (по умолчанию у каждой ОО
    /// своя).
    #[arg(long, value_enum, hide_possible_values = true, value_name = "СИЛА")]
    pub intensity: Option<IntensityArg>,
    /// Честные ОО, нарушающие допущения признаков: тяжёлые хвосты эффектов ОО, разная
    /// строгость отметок по предметам, задания, которым учат лучше или хуже, эффекты классов.
    #[arg(long)]
    pub misspecified: bool,
    /// Ученики переходят из класса в класс и сохраняют код участника из года в год (по
    /// умолчанию учеников каждого года набирают заново и нумеруют с 10001, как в ФИС ОКО).
    #[arg(long)]
    pub persistent_codes: bool,
    /// Вместо региона записать честную перепроверку (recheck.csv) работ из этого
    /// recheck_works.csv; остальные параметры — те же, что для региона.
    #[arg(long, value_name = "ФАЙЛ")]
    pub recheck_of: Option<PathBuf>,
    /// Куда записать файлы.
    #[arg(long, value_name = "ПАПКА")]
    pub out: PathBuf,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ShapeArg {
    #[value(name = "полный", alias = "full")]
    Full,
    #[value(name = "без-заданий", alias = "totals")]
    Totals,
    #[value(name = "без-класса", alias = "noclass")]
    Noclass,
    #[value(name = "без-журнала", alias = "nojournal")]
    Nojournal,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum IntensityArg {
    #[value(name = "слабая", alias = "mild")]
    Mild,
    #[value(name = "умеренная", alias = "moderate")]
    Moderate,
    #[value(name = "сильная", alias = "strong")]
    Strong,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DialectArg {
    #[value(name = "обычный", alias = "plain")]
    Plain,
    #[value(name = "excel", alias = "excel-ru")]
    ExcelRu,
}
