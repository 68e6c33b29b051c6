//! Error types of the library. Each area has its own enum with the cause kept;
//! messages say what went wrong and what to do about it.

use std::path::PathBuf;

/// The cause of an I/O failure in Russian: the common kinds in words, with the
/// system's own text (often English) only for the rest.
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let words = match e.kind() {
        K::NotFound => "нет такого файла или папки",
        K::PermissionDenied => "нет прав доступа",
        K::AlreadyExists => "файл уже существует",
        K::IsADirectory => "это папка, а не файл",
        K::NotADirectory => "часть пути — не папка",
        K::StorageFull => "на диске нет места",
        K::ReadOnlyFilesystem => "диск доступен только для чтения",
        K::InvalidData => "данные повреждены или не в той кодировке",
        K::UnexpectedEof => "файл обрывается раньше времени",
        K::OutOfMemory => "не хватает памяти",
        _ => return format!("системная ошибка: {e}"),
    };
    words.to_owned()
}

/// A problem that stops one input file from being read at all.
/// The run reports it and goes on with the other files where it can.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: не удаётся прочитать файл: {}", io_reason(source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: файл пуст (нет даже строки заголовка)")]
    Empty { path: PathBuf },
    #[error(
        "{path}: нет обязательных столбцов: {missing}. Найдены столбцы: {found}.{hint} \
         Допустимые названия столбцов перечислены в data/README.md."
    )]
    MissingColumns {
        path: PathBuf,
        missing: String,
        found: String,
        hint: &'static str,
    },
    #[error(
        "{path}: столбцы {first} и {second} оба означают «{canonical}»; оставьте только один из них"
    )]
    DuplicateColumn {
        path: PathBuf,
        first: String,
        second: String,
        canonical: String,
    },
    #[error("{path}: строка {line}: ошибка формата CSV: {message}")]
    Csv {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error("{path}: не удаётся прочитать файл parquet: {message}")]
    Parquet { path: PathBuf, message: String },
    /// A workbook not in a layout obektiv reads; `message` names the file.
    #[error("{message}")]
    Unsupported { path: PathBuf, message: String },
}

/// A problem that stops the whole run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(
        "{path}: не удаётся открыть папку с входными файлами (в ней должны быть schools.csv и results*.csv)"
    )]
    NotAFolder { path: PathBuf },
    #[error(
        "{folder}: нет ни одного файла с результатами (нужен results*.csv, results*.parquet или выгрузка ФИС ОКО *.xlsx).{unread}"
    )]
    NoResults { folder: PathBuf, unread: String },
    #[error(
        "список ОО (schools.csv или schools.xlsx) не удаётся использовать, поэтому ни один результат нельзя отнести к школе"
    )]
    Schools(#[source] LoadError),
    #[error("нет ни одной пригодной работы: {why}")]
    NothingUsable { why: String },
    #[error(transparent)]
    Output(#[from] OutputError),
    #[error("не удалось сгруппировать работы по ячейкам: {0}")]
    Polars(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("проверка признаков на смоделированных данных: {0}")]
    Evaluation(String),
    #[error("муниципалитета «{name}» нет в списке ОО (schools.csv); есть: {known}")]
    UnknownMunicipality { name: String, known: String },
    #[error("в данных нет {year} года для выборки на перепроверку; есть: {known}")]
    UnknownYear { year: u16, known: String },
}

/// Writing an output file failed.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("{path}: не удаётся записать файл: {}", io_reason(source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{what}: не удалось собрать таблицу: {message}")]
    Build { what: String, message: String },
    #[error("{path}: это файл, а не папка; укажите в --out папку для результатов")]
    NotAFolder { path: PathBuf },
    #[error(
        "{path}: не удаётся создать папку для результатов: {}",
        io_reason(source)
    )]
    MakeDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The configuration file is unreadable or holds a value out of range.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: не удаётся прочитать файл настроек: {}", io_reason(source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: ошибка в файле настроек: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("ошибка в настройках: {0}")]
    Invalid(String),
}
