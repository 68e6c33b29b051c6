//! The validated configuration the library runs with, read from TOML.
//! `obektiv config --default` prints [`DEFAULT_TOML`].

use std::path::Path;

use serde::Deserialize;

use crate::error::ConfigError;

/// The default configuration, with comments; parsing it gives [`Config::default`].
pub const DEFAULT_TOML: &str = r#"# obektiv configuration. Every key is optional; missing keys take these values.

[output]
# "plain": UTF-8, comma-separated, decimal point (for scripts and other tools).
# "excel-ru": UTF-8 with BOM, semicolon-separated, decimal comma (opens directly
# in Excel with Russian regional settings).
csv_dialect = "plain"
"#;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub enum CsvDialect {
    #[default]
    #[serde(rename = "plain")]
    Plain,
    #[serde(rename = "excel-ru")]
    ExcelRu,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutputConfig {
    pub csv_dialect: CsvDialect,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub output: OutputConfig,
}

impl Config {
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
